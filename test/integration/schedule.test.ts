import type { IDataObject } from 'n8n-workflow';

import { credentialsFor, runNode, useYunwuServer } from '../support/harness/n8n';

const yunwu = useYunwuServer();

const POLL_S = 2;
/** Ready times of 16 tasks of one model, 7 to 9 s after their creation. */
const READY_MS = Array.from({ length: 16 }, (_, index) => 7_000 + index * 125);

/** Creates one task per ready time and waits for them all; delays and queries per task. */
async function createAndWait(polling: 'fixed' | 'adaptive') {
	const server = yunwu();
	server.createdTaskTemplate = (body) => ({
		readyAfterMs: READY_MS[Number(String(body.prompt).split(' ')[1])],
		end: 'completed',
		video: { size: 4096 },
	});
	const before = server.createdTasks.length;
	const run = await runNode({
		parameters: {
			operation: 'create',
			model: 'grok-video-3',
			prompt: '={{ $json.prompt }}',
			waitForCompletion: true,
			downloadVideo: true,
			options: { pollInterval: POLL_S, timeout: 60, requestTimeout: 5, polling },
		},
		items: READY_MS.map((_, index) => ({ json: { prompt: `job ${index}` } })),
		credentials: credentialsFor(server),
	});
	expect(run.items).toHaveLength(READY_MS.length);
	const tasks = server.createdTasks.slice(before).map(({ id }) => server.task(id));
	const delays = tasks.map((task) => task.video!.deliveredAt[0] - task.script.readyAt!);
	const queries = tasks.map(
		(task) =>
			server.apiRequests(task.script.id).filter((entry) => entry.path === '/v1/video/query').length,
	);
	return { delays, queries };
}

/** Wait Until Complete on each item's `id`, with `polling` (a value or an expression). */
const waitUntilComplete = (items: Array<{ json: IDataObject }>, polling: string) =>
	runNode({
		parameters: {
			operation: 'waitUntilComplete',
			taskId: '={{ $json.id }}',
			options: { pollInterval: POLL_S, timeout: 60, requestTimeout: 5, polling },
		},
		items,
		credentials: credentialsFor(yunwu()),
	});

let waitOnCalls = 0;

/**
 * Waits on one existing task per ready time (Wait Until Complete; a negative time: done before the
 * wait); ids carry the model prefix.
 */
async function waitOn(polling: 'fixed' | 'adaptive', readyMs = READY_MS) {
	const server = yunwu();
	// The server serves the whole file and logs every request: each call's ids are its own.
	const call = waitOnCalls++;
	// Tasks created together a moment ago, each ready at its own time.
	const createdAt = Date.now();
	const ids = readyMs.map((readyAfterMs, index) =>
		server.addTask({
			id: `grok:${polling}-${call}-${index}`,
			readyAt: createdAt + readyAfterMs,
			end: 'completed',
			video: { size: 4096 },
		}),
	);
	const run = await waitUntilComplete(
		ids.map((id) => ({ json: { id } })),
		polling,
	);
	expect(run.items).toHaveLength(ids.length);
	return {
		delays: ids.map(
			(id) => server.task(id).video!.deliveredAt[0] - server.task(id).script.readyAt!,
		),
		queries: ids.map((id) => server.apiRequests(id).length),
		/** When each video arrived, in ms after the wait began. */
		deliveredAfter: ids.map((id) => server.task(id).video!.deliveredAt[0] - createdAt),
	};
}

/**
 * Real timers under a loaded CI machine move each delay by hundreds of ms, so a real run proves
 * only that adaptive is no later than fixed by more than one query floor (0.5 s at a 2 s interval);
 * how much sooner it is, is proven on the fake clock (test/unit/schedule.test.ts) and by the bench.
 */
const REAL_TIME_SLACK_MS = 500;

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

describe('Create with Wait for Completion: adaptive polling in a real node run', () => {
	test('a batch of one model gets its videos sooner than with the fixed interval, with no more queries', async () => {
		const fixed = await createAndWait('fixed');
		const adaptive = await createAndWait('adaptive');
		expect(mean(fixed.delays)).toBeGreaterThan(600);
		expect(mean(adaptive.delays)).toBeLessThan(mean(fixed.delays) + REAL_TIME_SLACK_MS);
		expect(mean(adaptive.queries)).toBeLessThanOrEqual(mean(fixed.queries));
		// No task was queried more often than the fixed interval allows over its wait (one per 2 s).
		adaptive.queries.forEach((count, index) =>
			expect(count).toBeLessThanOrEqual(
				Math.floor((READY_MS[index] + 2_000) / (POLL_S * 1000)) + 1,
			),
		);
	}, 90_000);

	test('Wait Until Complete: tasks whose ids name one model form a batch too', async () => {
		const fixed = await waitOn('fixed');
		const adaptive = await waitOn('adaptive');
		expect(mean(adaptive.delays)).toBeLessThan(mean(fixed.delays) + REAL_TIME_SLACK_MS);
		expect(mean(adaptive.queries)).toBeLessThanOrEqual(mean(fixed.queries));
	}, 90_000);

	test('a task of the model polled at a fixed interval is no sibling of an adaptive one: the adaptive task is queried as if alone', async () => {
		const server = yunwu();
		const pollings = ['adaptive', 'fixed', 'fixed', 'fixed'];
		// Each ready 7 s after its first query: the fixed interval asks at 0, 2, 4, 6 and 8 s.
		const ids = pollings.map((_, index) =>
			server.addTask({
				id: `grok:mixed-${index}`,
				readyAfterMs: 7_000,
				end: 'completed',
				video: { size: 4096 },
			}),
		);
		const run = await waitUntilComplete(
			ids.map((id, index) => ({ json: { id, polling: pollings[index] } })),
			'={{ $json.polling }}',
		);
		expect(run.items).toHaveLength(ids.length);
		const [adaptive, ...fixed] = ids.map((id) => server.apiRequests(id).length);
		fixed.forEach((count) => expect(count).toBeGreaterThanOrEqual(4));
		// As a sibling of the fixed tasks it would be thinned out to 2.5 intervals until the first of
		// them completed (and then learn from it): three queries.
		expect(adaptive).toBeGreaterThanOrEqual(Math.min(...fixed));
		expect(adaptive).toBeLessThanOrEqual(Math.max(...fixed));
	}, 90_000);

	test('Wait Until Complete: tasks already done are each queried once, at once, as with the fixed interval', async () => {
		const done = READY_MS.map(() => -60_000);
		const fixed = await waitOn('fixed', done);
		const adaptive = await waitOn('adaptive', done);
		expect(adaptive.queries).toEqual(fixed.queries);
		expect(adaptive.queries).toEqual(done.map(() => 1));
		// Thinned out, the later tasks' first queries would come up to 2.5 intervals (5 s) in.
		expect(Math.max(...adaptive.deliveredAfter)).toBeLessThan(POLL_S * 1000);
	}, 90_000);
});
