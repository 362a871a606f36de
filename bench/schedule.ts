/**
 * The polling suite of `npm run bench`: production-like waits, each run by three contenders side
 * by side (each its own `n8n execute` process and local Yunwu server):
 *
 *   fixed     Yunwu Video, Create with Wait for Completion, Polling "Fixed Interval"
 *   adaptive  the same, Polling "Adaptive"
 *   loop      the hand-built HTTP Request / IF / Wait loop
 *
 * Workloads: jobs of one model ready a log-normal time after creation (median 60 s), N = 1, 10,
 * 50, with no signal but `completed_at`; a mixed batch of two models (60 s and 90 s); staged Veo
 * answers (`video_generating` → `video_generation_completed` → `video_upsampling`, timestamps in
 * ms); answers that carry `progress`.
 *
 * Environment: BENCH_TIME_SCALE (1; 0.1 runs every time, the poll interval included, ten times
 * shorter), BENCH_POLL_S (10), BENCH_SEED (42), BENCH_SCHEDULE_SIZES ("1,10,50"),
 * BENCH_CLUSTER_SIGMA (0.1: the spread of log(ready time); 95 % of jobs within ±20 %).
 */
import { rmSync } from 'node:fs';

import {
	executeWorkflow,
	importIntoN8n,
	makeUserFolder,
	n8nEnv,
	type N8nInstall,
} from '../test/support/real-n8n/n8n';
import { chain, credential, manualTrigger, yunwuVideo } from '../test/support/real-n8n/workflows';
import { YunwuServer, type TaskScript } from '../test/support/server/yunwu-server';
import {
	deliveryDelays,
	failuresOf,
	indexOf,
	loopWorkflow,
	promptOf,
	promptsNode,
	seconds,
	seededRandom,
	wallOf,
	type Job,
} from './common';

const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const SCALE = Number(env('BENCH_TIME_SCALE', '1'));
const POLL_S = Number(env('BENCH_POLL_S', '10')) * SCALE;
const SEED = Number(env('BENCH_SEED', '42'));
const SIZES = env('BENCH_SCHEDULE_SIZES', '1,10,50').split(',').map(Number);
const SIGMA = Number(env('BENCH_CLUSTER_SIGMA', '0.1'));
const VIDEO_BYTES = 1024 * 1024;

type Contender = 'fixed' | 'adaptive' | 'loop';
const CONTENDERS: Contender[] = ['fixed', 'adaptive', 'loop'];
const NAMES: Record<Contender, string> = {
	fixed: 'Yunwu Video, Polling fixed',
	adaptive: 'Yunwu Video, Polling adaptive',
	loop: 'hand-built loop',
};

interface BenchJob extends Job {
	readyAfterMs: number;
}

interface Workload {
	label: string;
	jobs: BenchJob[];
	/** How the server answers a job's queries while it runs. */
	script: Partial<TaskScript>;
}

interface Result {
	contender: Contender;
	ok: boolean;
	error?: string;
	wallMs: number;
	delays: number[];
	requestsPerJob: number;
}

const VEO_STAGES: TaskScript['stages'] = [
	{ status: 'video_generating', from: 0 },
	{ status: 'video_generation_completed', from: 0.8 },
	{ status: 'video_upsampling', from: 0.82 },
];

function workloads(): Workload[] {
	const random = seededRandom(SEED);
	// Box–Muller: a standard normal draw from two uniform ones.
	const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
	const jobs = (
		count: number,
		model: (index: number) => string,
		medianS: (model: string) => number,
	) =>
		Array.from({ length: count }, (_, index) => {
			const name = model(index);
			const readyAfterMs = Math.round(medianS(name) * 1000 * SCALE * Math.exp(SIGMA * normal()));
			return { prompt: promptOf(index), model: name, readyAfterMs };
		});
	const grok = () => 'grok-video-3';
	const veo = () => 'veo3.1-fast';
	const median = (model: string) => (model.startsWith('veo') ? 90 : 60);
	const largest = Math.max(...SIZES);
	const mid = Math.min(10, largest);
	return [
		...SIZES.map((count) => ({
			label: `clustered: ${count} job${count > 1 ? 's' : ''} of one model, no progress`,
			jobs: jobs(count, grok, median),
			script: {},
		})),
		{
			label: `mixed: ${largest} jobs of two models (medians 60 s and 90 s)`,
			jobs: jobs(largest, (index) => (index % 2 === 0 ? grok() : veo()), median),
			script: {},
		},
		{
			label: `staged Veo: ${mid} jobs, upscaling for the last fifth, timestamps in ms`,
			jobs: jobs(mid, veo, median),
			script: { stages: VEO_STAGES, timestampUnit: 'ms' },
		},
		{
			label: `with progress: ${mid} jobs of one model`,
			jobs: jobs(mid, grok, median),
			script: { progress: true },
		},
	];
}

function oursWorkflow(jobs: Job[], polling: 'fixed' | 'adaptive'): Record<string, unknown> {
	return chain('benchSchedule', `Bench: Yunwu Video, ${polling}`, [
		manualTrigger(),
		promptsNode(jobs),
		yunwuVideo({
			operation: 'create',
			model: '={{ $json.model }}',
			prompt: '={{ $json.prompt }}',
			waitForCompletion: true,
			options: { pollInterval: POLL_S, timeout: 3600, polling },
		}),
	]);
}

async function runContender(
	contender: Contender,
	workload: Workload,
	install: N8nInstall,
	tarball: string,
	apiKey: string,
): Promise<Result> {
	const userFolder = makeUserFolder(tarball);
	const n8n = await n8nEnv(install, userFolder);
	const yunwu = await new YunwuServer({ apiKey }).start();
	try {
		yunwu.createdTaskTemplate = (body) => ({
			...workload.script,
			readyAfterMs: workload.jobs[indexOf(body.prompt)].readyAfterMs,
			end: 'completed',
			video: { size: VIDEO_BYTES },
		});
		await importIntoN8n(install, n8n, 'credentials', [credential(apiKey, yunwu.apiUrl)]);
		const workflow =
			contender === 'loop'
				? loopWorkflow(workload.jobs, yunwu.apiUrl, apiKey, POLL_S)
				: oursWorkflow(workload.jobs, contender);
		await importIntoN8n(install, n8n, 'workflow', [workflow]);
		const outcome = await executeWorkflow(install, n8n, String(workflow.id), {
			timeoutMs: 3 * 3600_000,
		});
		const error =
			outcome.data?.resultData.error?.message ??
			(outcome.data
				? undefined
				: `no run data (exit ${outcome.code}): ${`${outcome.stderr}${outcome.stdout}`.slice(-800)}`);
		const delays = deliveryDelays(yunwu);
		const [first, last] =
			contender === 'loop' ? ['Create Task', 'Download Video'] : ['Yunwu Video', 'Yunwu Video'];
		return {
			contender,
			ok: !error && delays.length === workload.jobs.length,
			error,
			wallMs: wallOf(outcome, first, last),
			delays,
			requestsPerJob: yunwu.apiRequests().length / workload.jobs.length,
		};
	} finally {
		await yunwu.stop();
		rmSync(userFolder, { recursive: true, force: true });
	}
}

const meanOf = (values: number[]) =>
	values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);

function table(workload: Workload, results: Result[]): string {
	const ready = workload.jobs.map((job) => job.readyAfterMs);
	const idealMs = Math.max(...ready);
	const lines = [
		`### ${workload.label} (ready ${seconds(Math.min(...ready))}–${seconds(idealMs)} s after creation)`,
		'',
		'| contender | ready → video delay, mean / worst (s) | API requests per job | wall time (s) | over ideal |',
		'| --- | ---: | ---: | ---: | ---: |',
	];
	for (const result of results) {
		const status = result.ok ? '' : ` ✗ ${result.error ?? 'not every video was delivered'}`;
		lines.push(
			`| ${NAMES[result.contender]}${status} | ${seconds(meanOf(result.delays))} / ${seconds(Math.max(0, ...result.delays))} | ${result.requestsPerJob.toFixed(1)} | ${seconds(result.wallMs)} | ${(result.wallMs / idealMs).toFixed(2)} |`,
		);
	}
	const [fixed, adaptive] = results;
	lines.push(
		'',
		`Adaptive against fixed: mean delay × ${(meanOf(adaptive.delays) / Math.max(1, meanOf(fixed.delays))).toFixed(2)}, requests per job ${adaptive.requestsPerJob.toFixed(2)} against ${fixed.requestsPerJob.toFixed(2)}. Ideal: the last job's ready time, ${seconds(idealMs)} s.`,
		'',
	);
	return lines.join('\n');
}

/** Runs every workload; the tables in order, and what failed. */
export async function scheduleSuite(
	install: N8nInstall,
	tarball: string,
	apiKey: string,
): Promise<{ sections: string[]; failures: string[] }> {
	const heading = `## Polling: fixed, adaptive and the hand-built loop\n\nPoll interval ${seconds(POLL_S * 1000)} s, time scale ${SCALE}, ready times log-normal with σ = ${SIGMA}, ${VIDEO_BYTES / 1024 / 1024} MiB videos. Requests per job count the create.\n`;
	process.stdout.write(`${heading}\n`);
	const sections = [heading];
	const failures: string[] = [];
	for (const workload of workloads()) {
		process.stdout.write(`running ${workload.label} ...\n`);
		const results = await Promise.all(
			CONTENDERS.map(
				async (contender) => await runContender(contender, workload, install, tarball, apiKey),
			),
		);
		failures.push(...failuresOf(results, workload.label));
		const section = table(workload, results);
		process.stdout.write(`${section}\n`);
		sections.push(section);
	}
	return { sections, failures };
}
