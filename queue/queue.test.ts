/**
 * The packed node in n8n's queue mode (Redis + Postgres, one main, two workers), on
 * loopback only. Load (50 webhook calls × 4 tasks), nothing shared in memory between workers, a
 * worker killed while it holds waiting executions, and the same load on a single process.
 * Prints the figures at the end (they go into the README's "Running at scale" section).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import {
	installN8n,
	makeUserFolder,
	packPackage,
	type N8nInstall,
} from '../test/support/real-n8n/n8n';
import { REPO_ROOT } from '../test/support/paths';
import { fileSha256, YunwuServer } from '../test/support/server/yunwu-server';
import {
	baseEnv,
	callWebhook,
	LOCK,
	prepareDatabase,
	retryExecution,
	signIn,
	startedExecutions,
	startMain,
	startWorker,
	stopN8nProcess,
	WEBHOOK_PATH,
	WORKFLOW_ID,
	type CallResult,
	type N8nProcess,
} from './lib/cluster';
import {
	isOurs,
	Registry,
	startPostgres,
	startRedis,
	stopService,
	waitFor,
	type Postgres,
	type Redis,
} from './lib/services';

const CALLS = 50;
const TASKS_PER_CALL = 4;
const CONCURRENCY = Number(process.env.YUNWU_QUEUE_WORKER_CONCURRENCY ?? 10);
const QUEUE_DB = 'n8n_queue';
const SINGLE_DB = 'n8n_single';

const figures: Array<[string, string]> = [];
const figure = (name: string, value: string | number) => figures.push([name, String(value)]);

let registry: Registry;
let install: N8nInstall;
let tarballDir: string | undefined;
let userFolder: string | undefined;
let redis: Redis | undefined;
let postgres: Postgres | undefined;
let server: YunwuServer | undefined;
let main: N8nProcess | undefined;
let single: N8nProcess | undefined;
const workers: N8nProcess[] = [];

/** `calls` × 4 tasks that end at staggered times (2–5.9 s after their first query). */
function addLoadTasks(prefix: string, calls: number): string[][] {
	return Array.from({ length: calls }, (_, call) =>
		Array.from({ length: TASKS_PER_CALL }, (_, k) =>
			server!.addTask({
				id: `grok:${prefix}-${call}-${k}`,
				readyAfterMs: 2000 + 1000 * k + 100 * (call % 10),
				end: 'completed',
				video: { size: 150_000 + 1000 * call + k },
			}),
		),
	);
}

/** Every video of the call arrived in the last node: in order, completed, right size and hash. */
function expectDelivered(result: CallResult, tasks: string[]): void {
	expect({ call: result.call, status: result.status, error: result.error }).toEqual({
		call: result.call,
		status: 200,
		error: undefined,
	});
	const videos = result.body?.videos ?? [];
	expect(videos.map((video) => video.task_id)).toEqual(tasks);
	videos.forEach((video, index) => {
		const served = server!.videoOf(tasks[index]);
		expect(video).toMatchObject({
			task_id: tasks[index],
			state: 'completed',
			sha256: fileSha256(served),
			bytes: served.size,
			mimeType: 'video/mp4',
			fileName: `${tasks[index].replace(':', '_')}.mp4`,
		});
		// Queue mode keeps binary data in Postgres (n8n 2.40's default for EXECUTIONS_MODE=queue).
		expect(video.binaryId).toMatch(/^database:/);
	});
}

function stats(values: number[]): string {
	const sorted = [...values].sort((a, b) => a - b);
	const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
	return `min ${(sorted[0] / 1000).toFixed(1)} s, median ${(at(0.5) / 1000).toFixed(1)} s, max ${(sorted.at(-1)! / 1000).toFixed(1)} s`;
}

/** Which worker ran an execution, from the workers' own logs. */
function workerOf(
	executionId: string | undefined,
	fromOffsets: number[] = workers.map(() => 0),
): string | undefined {
	const index = workers.findIndex((worker, i) =>
		startedExecutions(worker, fromOffsets[i]).includes(String(executionId)),
	);
	return index < 0 ? undefined : workers[index].name;
}

function executions(
	database: string,
	where: string,
): Array<{
	id: string;
	status: string;
	finished: string;
	retryOf: string;
	startedAt: string;
	stoppedAt: string;
}> {
	return postgres!
		.query(
			database,
			`select id, status, finished, coalesce("retryOf", ''), coalesce("startedAt"::text, ''), coalesce("stoppedAt"::text, '') from execution_entity where "workflowId" = '${WORKFLOW_ID}' and ${where} order by id`,
		)
		.map(([id, status, finished, retryOf, startedAt, stoppedAt]) => ({
			id,
			status,
			finished,
			retryOf,
			startedAt,
			stoppedAt,
		}));
}

/**
 * `n8n start` answers its readiness check before it has activated the published workflows; wait
 * until the production webhook answers something other than "not registered" (a GET gets n8n's
 * "registered for POST only" hint once it is there).
 */
async function waitForWebhook(target: N8nProcess): Promise<void> {
	await waitFor(
		"the published workflow's webhook to be registered",
		async () => {
			const response = await fetch(`${target.url}/webhook/${WEBHOOK_PATH}`, {
				signal: AbortSignal.timeout(5000),
			}).catch(() => undefined);
			const text = (await response?.text()) ?? '';
			return response && (response.status !== 404 || /make a POST request/.test(text))
				? true
				: undefined;
		},
		120_000,
		500,
	);
}

async function fireLoad(
	target: N8nProcess,
	prefix: string,
): Promise<{ calls: CallResult[]; tasks: string[][]; wallMs: number }> {
	const tasks = addLoadTasks(prefix, CALLS);
	const started = Date.now();
	const calls = await Promise.all(
		tasks.map((ids, call) => callWebhook(target, `${prefix}-${call}`, ids)),
	);
	return { calls, tasks, wallMs: Date.now() - started };
}

beforeAll(async () => {
	registry = new Registry();
	install = installN8n(2);
	const tarball = packPackage();
	tarballDir = path.dirname(tarball);
	registry.dir(tarballDir);
	userFolder = makeUserFolder(tarball);
	registry.dir(userFolder);

	[redis, postgres] = await Promise.all([startRedis(registry), startPostgres(registry)]);
	postgres.createDatabase(QUEUE_DB);
	postgres.createDatabase(SINGLE_DB);
	server = await new YunwuServer({ apiHost: '127.0.0.1', fileHost: '127.0.0.2' }).start();

	const env = await baseEnv(
		install,
		userFolder,
		{ redisPort: redis.port, postgresPort: postgres.port, database: QUEUE_DB },
		'queue',
	);
	await prepareDatabase(install, env, server.apiKey, server.apiUrl);
	const setupStarted = Date.now();
	main = await startMain(registry, install, env);
	await waitForWebhook(main);
	// One at a time: the first worker also runs the database migrations' checks; two cores.
	workers.push(await startWorker(registry, install, env, 'worker-1', CONCURRENCY));
	workers.push(await startWorker(registry, install, env, 'worker-2', CONCURRENCY));
	figure(
		'setup',
		`n8n ${install.version}, Redis ${redisVersion()}, PostgreSQL ${postgres.version}, 1 main + 2 workers (--concurrency=${CONCURRENCY}), started in ${((Date.now() - setupStarted) / 1000).toFixed(0)} s`,
	);
}, 600_000);

function redisVersion(): string {
	return (
		/v=([\d.]+)/.exec(redis?.log() ?? '')?.[1] ??
		/Redis version=([\d.]+)/.exec(redis?.log() ?? '')?.[1] ??
		'?'
	);
}

afterAll(async () => {
	process.stdout.write(
		`\n== queue-mode figures ==\n${figures.map(([name, value]) => `${name.padEnd(34)} ${value}`).join('\n')}\n\n`,
	);
	try {
		mkdirSync(path.join(REPO_ROOT, 'test-artifacts'), { recursive: true });
		writeFileSync(
			path.join(REPO_ROOT, 'test-artifacts', 'queue-figures.json'),
			JSON.stringify(Object.fromEntries(figures), null, 2),
		);
	} catch {
		// figures are printed anyway
	}
	for (const instance of [single, main, ...workers])
		await stopN8nProcess(instance).catch(() => undefined);
	if (redis) await stopService(redis, 5000).catch(() => undefined);
	postgres?.stop();
	await server?.stop();
	registry?.cleanUp();
	if (userFolder) rmSync(userFolder, { recursive: true, force: true });
	if (tarballDir) rmSync(tarballDir, { recursive: true, force: true });
}, 120_000);

test(`load: ${CALLS} webhook calls at once, each waiting on its own ${TASKS_PER_CALL} tasks, all videos intact, both workers busy`, async () => {
	const offsets = workers.map((worker) => worker.log().length);
	const { calls, tasks, wallMs } = await fireLoad(main!, 'load');

	calls.forEach((result, call) => expectDelivered(result, tasks[call]));
	// Every video was downloaded exactly once, by the execution that waited on it.
	for (const ids of tasks) for (const id of ids) expect(server!.videoOf(id).downloads).toBe(1);
	const perWorker = workers.map((worker, i) => startedExecutions(worker, offsets[i]).length);
	expect(perWorker.every((count) => count > 0)).toBe(true);
	expect(perWorker.reduce((a, b) => a + b, 0)).toBe(CALLS);
	const executionIds = calls.map((result) => result.body?.execution);
	expect(new Set(executionIds).size).toBe(CALLS);
	for (const id of executionIds) expect(workerOf(id, offsets)).toBeDefined();
	expect(executions(QUEUE_DB, `id in (${executionIds.join(',')}) and status <> 'success'`)).toEqual(
		[],
	);
	const binaryRows = Number(postgres!.query(QUEUE_DB, 'select count(*) from binary_data')[0][0]);
	expect(binaryRows).toBeGreaterThanOrEqual(CALLS * TASKS_PER_CALL);

	figure(
		'load: calls × tasks',
		`${CALLS} × ${TASKS_PER_CALL} = ${CALLS * TASKS_PER_CALL} videos, all delivered, sizes and SHA-256 match`,
	);
	figure('load: wall time, queue mode', `${(wallMs / 1000).toFixed(1)} s`);
	figure('load: per-call latency, queue mode', stats(calls.map((result) => result.ms)));
	figure(
		'load: executions per worker',
		workers.map((worker, i) => `${worker.name} ${perWorker[i]}`).join(', '),
	);
	figure('load: binary data', `database mode, ${binaryRows} rows in Postgres table binary_data`);
}, 600_000);

test('nothing shared in memory: two executions waiting on the same task id on different workers both deliver it', async () => {
	let pairOnTwoWorkers: { taskId: string; workers: string[] } | undefined;
	for (let attempt = 0; attempt < 6 && !pairOnTwoWorkers; attempt++) {
		const taskId = server!.addTask({
			id: `grok:shared-${attempt}`,
			readyAfterMs: 3000,
			end: 'completed',
			video: { size: 333_333 + attempt },
		});
		const offsets = workers.map((worker) => worker.log().length);
		const pair = await Promise.all([
			callWebhook(main!, `shared-${attempt}-a`, [taskId]),
			callWebhook(main!, `shared-${attempt}-b`, [taskId]),
		]);

		for (const result of pair) expectDelivered(result, [taskId]);
		// Each execution polled and downloaded on its own: two downloads of the one video.
		expect(server!.videoOf(taskId).downloads).toBe(2);
		const ranOn = pair.map((result) => workerOf(result.body?.execution, offsets) ?? '?');
		if (ranOn[0] !== ranOn[1] && !ranOn.includes('?'))
			pairOnTwoWorkers = { taskId, workers: ranOn };
	}
	expect(pairOnTwoWorkers).toBeDefined();
	figure(
		'shared task id',
		`${pairOnTwoWorkers!.taskId} waited on by two executions on ${pairOnTwoWorkers!.workers.join(' and ')}: both delivered the same SHA-256`,
	);
}, 300_000);

test('a worker killed while it holds waiting executions: every execution ends as success or a recorded failure, none retried by n8n, a re-sent call succeeds', async () => {
	const lastId = Number(
		postgres!.query(QUEUE_DB, 'select coalesce(max(id), 0) from execution_entity')[0][0],
	);
	const offsets = workers.map((worker) => worker.log().length);
	const calls = 8;
	const tasks = Array.from({ length: calls }, (_, call) =>
		Array.from({ length: TASKS_PER_CALL }, (_, k) =>
			server!.addTask({
				id: `grok:kill-${call}-${k}`,
				readyAfterMs: 15_000 + 500 * k,
				end: 'completed',
				video: { size: 200_000 + 10 * call + k },
			}),
		),
	);
	const pending = tasks.map((ids, call) => callWebhook(main!, `kill-${call}`, ids));

	// Both workers hold executions and every execution's node is waiting on its tasks.
	await waitFor(
		'both workers to hold waiting executions',
		() =>
			workers.every((worker, i) => startedExecutions(worker, offsets[i]).length > 0) &&
			tasks.every((ids) => ids.every((id) => server!.apiRequests(id).length > 0))
				? true
				: undefined,
		90_000,
	);
	const held = workers.map((worker, i) => startedExecutions(worker, offsets[i]));
	const victimIndex = held[1].length >= held[0].length ? 1 : 0;
	const victim = workers[victimIndex];
	const survivor = workers[1 - victimIndex];
	const victimIds = held[victimIndex];
	expect(isOurs(victim.pid, install.n8nBin)).toBe(true);
	const killedAt = Date.now();
	process.kill(victim.pid, 'SIGKILL');
	const survivorOffset = survivor.log().length;

	const results = await Promise.all(pending);
	const answeredMs = Date.now() - killedAt;

	// n8n's own record: no execution left new/running/waiting.
	const rows = await waitFor(
		'every execution of this round to end in the database',
		() => {
			const found = executions(QUEUE_DB, `id > ${lastId}`);
			return found.length === calls &&
				found.every((row) => !['new', 'running', 'waiting'].includes(row.status))
				? found
				: undefined;
		},
		120_000,
		1000,
	);
	const succeeded = rows.filter((row) => row.status === 'success').map((row) => row.id);
	const failed = rows.filter((row) => row.status !== 'success');
	// The executions the dead worker held are exactly the failures; the survivor's all succeeded.
	expect(failed.map((row) => row.id).sort()).toEqual([...victimIds].sort());
	expect(succeeded.sort()).toEqual([...held[1 - victimIndex]].sort());
	expect(failed.length).toBeGreaterThan(0);
	// Each failure is recorded with n8n's reason.
	const failureStatuses = [...new Set(failed.map((row) => row.status))];
	for (const row of failed) {
		expect(['error', 'crashed']).toContain(row.status);
		expect(row.finished).toBe('f');
		expect(row.stoppedAt).not.toBe('');
	}
	const reason =
		postgres!.query(
			QUEUE_DB,
			`select data from execution_data where "executionId" = ${failed[0].id}`,
		)[0]?.[0] ?? '';
	const message =
		/"(This execution failed to be processed[^"]*|[^"]*stalled[^"]*)"/.exec(reason)?.[1] ??
		reason.slice(0, 300);
	expect(message).toMatch(/stalled|processed too many times/);

	// The webhook callers were told: 200 with the videos from the survivor, an error for the rest.
	const ok = results.filter((result) => result.status === 200);
	const notOk = results.filter((result) => result.status !== 200);
	expect(ok.length).toBe(succeeded.length);
	expect(notOk.length).toBe(failed.length);
	for (const result of ok) expectDelivered(result, tasks[Number(result.call.split('-')[1])]);
	// n8n did not run the dead worker's executions again: the survivor never started them, and
	// nobody polled their tasks after the kill.
	expect(
		startedExecutions(survivor, survivorOffset).filter((id) => victimIds.includes(id)),
	).toEqual([]);
	const lostTasks = notOk.flatMap((result) => tasks[Number(result.call.split('-')[1])]);
	const stoppedMs = Math.max(...failed.map((row) => Date.parse(row.stoppedAt))) - killedAt;
	await new Promise((resolve) => setTimeout(resolve, 2000));
	for (const id of lostTasks)
		expect(server!.apiRequests(id).filter((entry) => entry.at > killedAt + 2000)).toEqual([]);

	// n8n's Retry (the editor's button) of a failed one: n8n 2.40.7 saved the failure over the
	// execution's data (no trigger output, empty node stack), so the retry has nothing to run.
	const cookie = await signIn(main!);
	const retryTarget = failed[0].id;
	const retry = await retryExecution(main!, cookie, retryTarget, false);
	const retryData = retry.body as {
		data?: {
			id?: string;
			status?: string;
			data?: { resultData?: { runData?: object; error?: { message?: string } } };
		};
	};
	const retryOutcome =
		retry.status === 200
			? `execution ${retryData.data?.id} status ${retryData.data?.status}, ${Object.keys(retryData.data?.data?.resultData?.runData ?? {}).length} nodes run` +
				(retryData.data?.data?.resultData?.error?.message
					? ` ("${retryData.data.data.resultData.error.message.slice(0, 60)}…")`
					: '')
			: `HTTP ${retry.status}`;
	for (const id of lostTasks) expect(server!.videoOf(id).downloads).toBe(0);

	// The re-run that works: the caller, told 500, sends the same call again; the node waits on
	// the same (still existing) Yunwu tasks on the surviving worker and delivers every video.
	const rerunOffset = survivor.log().length;
	const reruns = await Promise.all(
		notOk.map((result) =>
			callWebhook(main!, `${result.call}-again`, tasks[Number(result.call.split('-')[1])]),
		),
	);
	reruns.forEach((result, index) =>
		expectDelivered(result, tasks[Number(notOk[index].call.split('-')[1])]),
	);
	for (const result of reruns)
		expect(startedExecutions(survivor, rerunOffset)).toContain(result.body?.execution);
	for (const id of lostTasks) expect(server!.videoOf(id).downloads).toBe(1);

	figure(
		'kill: executions held at the kill',
		`${victim.name} ${victimIds.length}, ${survivor.name} ${held[1 - victimIndex].length} (of ${calls}, each waiting on ${TASKS_PER_CALL} tasks)`,
	);
	figure(
		'kill: outcome',
		`${succeeded.length} success, ${failed.length} ${failureStatuses.join('/')} (the killed worker's, exactly), 0 still running, 0 retried by n8n`,
	);
	figure('kill: n8n recorded', message);
	figure(
		'kill: failed after the kill',
		`${(stoppedMs / 1000).toFixed(1)} s (lock ${LOCK.duration / 1000} s, stalled check ${LOCK.stalledInterval / 1000} s); all webhook calls answered within ${(answeredMs / 1000).toFixed(1)} s`,
	);
	figure(
		'kill: webhook answers',
		`${ok.length} × 200 with all videos, ${notOk.length} × ${[...new Set(notOk.map((result) => `${result.status} ${JSON.stringify(result.body ?? result.error)}`))].join(', ')}`,
	);
	figure("kill: n8n's Retry of a failed one", retryOutcome);
	figure(
		'kill: re-sent webhook calls',
		`${reruns.length} of ${reruns.length} succeeded on ${survivor.name}, ${lostTasks.length} videos delivered (same tasks, no new ones)`,
	);
}, 600_000);

test(`the same ${CALLS} × ${TASKS_PER_CALL} load on a single n8n process (regular mode) for comparison`, async () => {
	const queueWall = figures.find(([name]) => name === 'load: wall time, queue mode')?.[1];
	for (const instance of [main, ...workers]) await stopN8nProcess(instance);
	main = undefined;
	workers.length = 0;

	const env = await baseEnv(
		install,
		userFolder!,
		{ redisPort: redis!.port, postgresPort: postgres!.port, database: SINGLE_DB },
		'regular',
	);
	await prepareDatabase(install, env, server!.apiKey, server!.apiUrl);
	single = await startMain(registry, install, env, 'single');
	await waitForWebhook(single);
	const { calls, tasks, wallMs } = await fireLoad(single, 'single');

	calls.forEach((result, call) => expectDelivered(result, tasks[call]));
	figure(
		'load: wall time, single process',
		`${(wallMs / 1000).toFixed(1)} s (queue mode: ${queueWall ?? 'not measured'})`,
	);
	figure('load: per-call latency, single', stats(calls.map((result) => result.ms)));
}, 600_000);
