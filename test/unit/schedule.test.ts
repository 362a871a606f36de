import type { TaskAnswer } from '../../nodes/YunwuVideo/task/schema';
import type { ApiResult } from '../../nodes/YunwuVideo/transport/failure';
import {
	adaptiveSchedule,
	AdaptiveSchedule,
	MAX_THINNING,
	queryFloorMs,
	THINNING,
} from '../../nodes/YunwuVideo/waiting/adaptiveSchedule';
import { BatchBoard } from '../../nodes/YunwuVideo/waiting/batch';
import {
	fixedSchedule,
	waitForTask,
	type WaitSettings,
} from '../../nodes/YunwuVideo/waiting/waitForTask';
import { VirtualClock } from './virtualClock';

const P = 10_000;
const FLOOR = queryFloorMs(P);

/** What a running task says at `elapsed` ms after the wait started (besides `status: processing`). */
type Running = (elapsed: number) => Partial<TaskAnswer> & { status?: string };

interface TaskRun {
	readyAfterMs: number;
	/** When each query went out, in ms after the start. */
	queries: number[];
	delay: number;
}

interface Scenario {
	polling: 'adaptive' | 'fixed';
	/** Ready times in ms after the start, one task each. */
	readyAfterMs: number[];
	running?: Running;
	/** The tasks share a batch (one model in one run). */
	batch?: boolean;
	justCreated?: boolean;
	/** `completed_at` of a completed answer, from its real completion time (epoch ms). */
	completedAt?: (readyAtMs: number) => unknown;
	/** Answers instead of the scripted one, by task and query number (from 0). */
	override?: (task: number, query: number) => ApiResult<TaskAnswer> | undefined;
	timeoutMs?: number;
	/** How long each answer takes. */
	latencyMs?: number;
}

/** Waits for all tasks at once, on one virtual clock. */
async function waitAll(scenario: Scenario): Promise<TaskRun[]> {
	const clock = new VirtualClock();
	const board = new BatchBoard();
	const settings: WaitSettings = {
		pollIntervalMs: P,
		timeoutMs: scenario.timeoutMs ?? 3_600_000,
		requestTimeoutMs: 30_000,
		firstQueryAfterMs: scenario.justCreated === false ? 0 : P,
		unreachableAfterMs: 60_000,
	};
	const runs = scenario.readyAfterMs.map((readyAfterMs, task) => {
		const queries: number[] = [];
		const query = async (): Promise<ApiResult<TaskAnswer>> => {
			queries.push(clock.elapsed());
			if (scenario.latencyMs) await clock.pause(scenario.latencyMs, new AbortController().signal);
			const elapsed = clock.elapsed();
			const replaced = scenario.override?.(task, queries.length - 1);
			if (replaced) return replaced;
			if (elapsed >= readyAfterMs) {
				const readyAt = clock.startedAt + readyAfterMs;
				const completedAt = scenario.completedAt?.(readyAt) ?? Math.floor(readyAt / 1000);
				return {
					ok: true,
					value: { status: 'completed', progress: 100, completed_at: completedAt },
				};
			}
			return {
				ok: true,
				value: {
					status: 'processing',
					status_update_time: Math.floor(clock.startedAt / 1000),
					...scenario.running?.(elapsed),
				},
			};
		};
		return { readyAfterMs, queries, query };
	});
	const outcomes = await clock.run(
		Promise.all(
			runs.map(async (run) => {
				const member = scenario.batch ? board.join('grok') : undefined;
				const signal = new AbortController().signal;
				const schedule = scenario.polling === 'adaptive' ? adaptiveSchedule(member) : fixedSchedule;
				const outcome = await waitForTask(run.query, settings, signal, clock, schedule);
				member?.leave();
				return outcome;
			}),
		),
	);
	return runs.map((run, index) => {
		expect(outcomes[index].kind).toBe('finished');
		return {
			readyAfterMs: run.readyAfterMs,
			queries: run.queries,
			delay: run.queries[run.queries.length - 1] - run.readyAfterMs,
		};
	});
}

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
const meanDelay = (runs: TaskRun[]) => mean(runs.map((run) => run.delay));
const meanQueries = (runs: TaskRun[]) => mean(runs.map((run) => run.queries.length));

/** Ready times clustered around 60 s (±8 s), spread evenly, as a batch of one model is. */
const cluster = (count: number, centre = 60_000, spread = 8_000) =>
	Array.from({ length: count }, (_, index) =>
		Math.round(centre - spread + (2 * spread * (index + 0.5)) / count + (index % 3) * 137),
	);

/** The promises every adaptive wait keeps, checked on every task of a run. */
function expectWithinRules(runs: TaskRun[], firstQueryAt = P) {
	for (const { queries } of runs) {
		queries.forEach((at, k) => {
			// Budget: by any moment, no more queries than the fixed interval would have sent.
			expect(at).toBeGreaterThanOrEqual(firstQueryAt + k * P);
			if (k > 0) {
				// Floor, and never thinned out beyond MAX_THINNING intervals.
				expect(at - queries[k - 1]).toBeGreaterThanOrEqual(FLOOR);
				expect(at - queries[k - 1]).toBeLessThanOrEqual(MAX_THINNING * P);
			}
		});
	}
}

describe('adaptive polling: no signal, no change', () => {
	const processingOnly = [95_000, 31_000, 250_000];

	test.each([true, false])(
		'a task without signals (just created: %s) is queried exactly when the fixed schedule queries it',
		async (justCreated) => {
			const fixed = await waitAll({ polling: 'fixed', readyAfterMs: processingOnly, justCreated });
			const adaptive = await waitAll({
				polling: 'adaptive',
				readyAfterMs: processingOnly,
				justCreated,
			});
			expect(adaptive.map((run) => run.queries)).toEqual(fixed.map((run) => run.queries));
			const start = justCreated ? P : 0;
			const { queries } = fixed[0];
			expect(queries).toEqual(queries.map((_, k) => start + k * P));
			expect(queries.at(-2)).toBeLessThan(95_000);
		},
	);

	test('a batch of one is no signal: the same query times as the fixed schedule', async () => {
		const fixed = await waitAll({ polling: 'fixed', readyAfterMs: [95_000] });
		const adaptive = await waitAll({ polling: 'adaptive', readyAfterMs: [95_000], batch: true });
		expect(adaptive[0].queries).toEqual(fixed[0].queries);
	});
});

describe('adaptive polling: tasks waited on after their creation (Wait Until Complete)', () => {
	test('tasks already done when the wait starts are found at once, with their siblings still running', async () => {
		// Half the batch finished before the wait (ready at 0), half completes around 60 s.
		const ready = [...Array<number>(10).fill(0), ...cluster(10)];
		const settings = { readyAfterMs: ready, batch: true, justCreated: false } as const;
		const fixed = await waitAll({ polling: 'fixed', ...settings });
		const adaptive = await waitAll({ polling: 'adaptive', ...settings });
		// Every first query goes out at once, as the fixed schedule's do.
		expect(adaptive.map((run) => run.queries[0])).toEqual(ready.map(() => 0));
		expect(adaptive.slice(0, 10).map((run) => run.queries.length)).toEqual(Array(10).fill(1));
		expect(meanDelay(adaptive.slice(10))).toBeLessThan(meanDelay(fixed.slice(10)));
		expectWithinRules(adaptive, 0);
	});

	test('a task left waiting alone in its batch does not thin out: its siblings were done before the wait, or failed', async () => {
		// Thinning out lets siblings that wait together notice the first completion; alone, it only delays.
		const ready = [...Array<number>(10).fill(0), 95_000];
		const settings = { readyAfterMs: ready, batch: true, justCreated: false } as const;
		const fixed = await waitAll({ polling: 'fixed', ...settings });
		const adaptive = await waitAll({ polling: 'adaptive', ...settings });
		expect(adaptive[10].queries).toEqual(fixed[10].queries);

		const failed: ApiResult<TaskAnswer> = { ok: true, value: { status: 'failed' } };
		const [, , { queries }] = await waitAll({
			polling: 'adaptive',
			readyAfterMs: [95_000, 95_000, 95_000],
			batch: true,
			override: (task) => (task < 2 ? failed : undefined),
		});
		queries.slice(1).forEach((at, k) => expect(at - queries[k]).toBe(P));
	});

	test('tasks done before the wait keep the earliest ranks of the batch: 10 of 20 done before, one at 50 s, puts the median near 50 s', () => {
		const board = new BatchBoard();
		const members = Array.from({ length: 20 }, () => board.join('grok'));
		members.slice(0, 10).forEach((member) => member.completed(0, undefined));
		members[10].completed(50_000, undefined);
		const schedule = new AdaptiveSchedule({
			pollIntervalMs: P,
			startedAt: 0,
			firstQueryAt: 0,
			batch: members[11],
		});
		for (const at of [0, 30_000]) {
			schedule.queried(at);
			schedule.running(at, at, { status: 'processing' });
		}
		// Taken for the earliest of 20, 50 s would put the median near 67 s and this query at about 50 s.
		expect(schedule.nextQueryAt()).toBeLessThan(40_000);
	});
});

describe('adaptive polling: each signal', () => {
	test('the batch: 40 tasks of one model around 60 s get their videos in less than half the delay, with fewer queries', async () => {
		const ready = cluster(40);
		const fixed = await waitAll({ polling: 'fixed', readyAfterMs: ready, batch: true });
		const adaptive = await waitAll({ polling: 'adaptive', readyAfterMs: ready, batch: true });
		expect(meanDelay(fixed)).toBeGreaterThan(4_000);
		expect(meanDelay(adaptive)).toBeLessThan(meanDelay(fixed) / 2);
		expect(meanQueries(adaptive)).toBeLessThanOrEqual(meanQueries(fixed));
		expectWithinRules(adaptive);
		// Until one completes, each queries every THINNING intervals, at its own phase.
		const firstDone = Math.min(...ready);
		for (const { queries } of adaptive) {
			if (queries[1] < firstDone) expect(queries[1] - queries[0]).toBe(THINNING * P);
		}
		expect(new Set(adaptive.map((run) => run.queries[0])).size).toBeGreaterThan(30);
	});

	test('the stage: a Veo task queried sparingly while generating, closely once upscaling', async () => {
		const ready = [83_000, 127_000, 64_000];
		// Each task upscales over the last fifth of its own time.
		const perTask =
			(readyAfterMs: number): Running =>
			(elapsed) => ({
				status: elapsed < 0.8 * readyAfterMs ? 'video_generating' : 'video_upsampling',
			});
		const fixedRuns: TaskRun[] = [];
		const adaptiveRuns: TaskRun[] = [];
		for (const readyAfterMs of ready) {
			fixedRuns.push(
				...(await waitAll({
					polling: 'fixed',
					readyAfterMs: [readyAfterMs],
					running: perTask(readyAfterMs),
				})),
			);
			adaptiveRuns.push(
				...(await waitAll({
					polling: 'adaptive',
					readyAfterMs: [readyAfterMs],
					running: perTask(readyAfterMs),
				})),
			);
		}
		expect(meanDelay(adaptiveRuns)).toBeLessThan(meanDelay(fixedRuns) * 0.6);
		expect(meanQueries(adaptiveRuns)).toBeLessThanOrEqual(meanQueries(fixedRuns));
		expectWithinRules(adaptiveRuns);
		// While generating, queries are THINNING intervals apart.
		expect(adaptiveRuns[0].queries.slice(0, 3)).toEqual([10_000, 35_000, 60_000]);
	});

	test('progress: a task that sends it is queried around the time it predicts', async () => {
		const ready = [95_000, 47_000, 182_000];
		const fixedRuns: TaskRun[] = [];
		const adaptiveRuns: TaskRun[] = [];
		for (const readyAfterMs of ready) {
			const running: Running = (elapsed) => ({
				progress: Math.floor((100 * elapsed) / readyAfterMs),
			});
			fixedRuns.push(
				...(await waitAll({ polling: 'fixed', readyAfterMs: [readyAfterMs], running })),
			);
			adaptiveRuns.push(
				...(await waitAll({ polling: 'adaptive', readyAfterMs: [readyAfterMs], running })),
			);
		}
		expect(meanDelay(adaptiveRuns)).toBeLessThan(meanDelay(fixedRuns) / 2);
		expect(meanQueries(adaptiveRuns)).toBeLessThanOrEqual(meanQueries(fixedRuns));
		expectWithinRules(adaptiveRuns);
	});

	test('creation time: ages count from the create, so a batch waited on an interval after it still lines up', async () => {
		// Same cluster, but the tasks are existing ones queried at once (Wait Until Complete).
		const ready = cluster(30);
		const fixed = await waitAll({
			polling: 'fixed',
			readyAfterMs: ready,
			batch: true,
			justCreated: false,
		});
		const adaptive = await waitAll({
			polling: 'adaptive',
			readyAfterMs: ready,
			batch: true,
			justCreated: false,
		});
		expect(meanDelay(adaptive)).toBeLessThan(meanDelay(fixed) * 0.6);
		expectWithinRules(adaptive, 0);
	});
});

describe('adaptive polling: the rules hold whatever the signals say', () => {
	test('over long waits (2 hours, all signals at once), no task ever sends more queries than the fixed interval would have', async () => {
		const ready = Array.from({ length: 20 }, (_, index) => 600_000 + index * 330_000);
		const runs = await waitAll({
			polling: 'adaptive',
			readyAfterMs: ready,
			batch: true,
			timeoutMs: 3 * 3_600_000,
			running: (elapsed) => ({
				progress: Math.min(99, Math.floor(elapsed / 50_000)),
				status: elapsed % 200_000 < 100_000 ? 'video_generating' : 'video_upsampling',
			}),
		});
		expectWithinRules(runs);
		const fixed = await waitAll({
			polling: 'fixed',
			readyAfterMs: ready,
			batch: true,
			timeoutMs: 3 * 3_600_000,
		});
		runs.forEach((run, index) =>
			expect(run.queries.length).toBeLessThanOrEqual(fixed[index].queries.length),
		);
		// The signals were at work: the query times are not the fixed ones.
		expect(runs.map((run) => run.queries)).not.toEqual(fixed.map((run) => run.queries));
	});

	test('slow answers: by any moment, no more queries than the fixed interval with the same answer times', async () => {
		// Progress stuck at 99 % always says "any moment now": queries as close as the budget allows.
		const running: Running = () => ({ progress: 99 });
		const slow = { readyAfterMs: [200_000, 95_000], running, latencyMs: 4_000 };
		const fixed = await waitAll({ polling: 'fixed', ...slow });
		const adaptive = await waitAll({ polling: 'adaptive', ...slow });
		adaptive.forEach(({ queries }, index) =>
			queries.forEach((at, k) =>
				expect(fixed[index].queries.filter((time) => time <= at).length).toBeGreaterThanOrEqual(
					Math.min(k + 1, fixed[index].queries.length),
				),
			),
		);
	});

	test('slow failed answers count too: each query waits for the time every answer before it took', async () => {
		const failed: ApiResult<TaskAnswer> = {
			ok: false,
			failure: { kind: 'serverError', httpCode: 502, htmlPage: true },
		};
		const [{ queries }] = await waitAll({
			polling: 'adaptive',
			readyAfterMs: [200_000],
			// "Any moment now": queries as close as the budget allows.
			running: () => ({ progress: 99 }),
			latencyMs: 4_000,
			override: (_task, query) => (query === 1 ? failed : undefined),
		});
		// Every answer took 4 s, the failed one too.
		queries.forEach((at, k) => expect(at).toBeGreaterThanOrEqual(P + k * (P + 4_000)));
	});

	test('Retry-After is honoured in the middle of a close run of queries', async () => {
		const readyAfterMs = 100_000;
		const runs = await waitAll({
			polling: 'adaptive',
			readyAfterMs: [readyAfterMs],
			running: (elapsed) => ({ progress: Math.floor((100 * elapsed) / readyAfterMs) }),
			override: (_task, query) =>
				query === 4
					? { ok: false, failure: { kind: 'rateLimited', httpCode: 429, retryAfterMs: 45_000 } }
					: undefined,
		});
		const { queries } = runs[0];
		// Close to the predicted end the queries came closer than the interval, until the 429.
		expect(queries[4] - queries[3]).toBeLessThan(P);
		expect(queries[5] - queries[4]).toBeGreaterThanOrEqual(45_000);
		queries.forEach((at, k) => expect(at).toBeGreaterThanOrEqual(P + k * P));
	});

	test('completion times in the future or before the task existed cannot pull the batch off: no worse than thinning allows', async () => {
		const ready = cluster(20);
		const fixed = await waitAll({ polling: 'fixed', readyAfterMs: ready, batch: true });
		for (const completedAt of [() => 4_102_444_800, () => 1, (at: number) => at + 3_600_000]) {
			const runs = await waitAll({
				polling: 'adaptive',
				readyAfterMs: ready,
				batch: true,
				completedAt,
			});
			expectWithinRules(runs);
			// A wrong time only moves queries within the bounds: never later than thinning allows.
			runs.forEach((run) => expect(run.delay).toBeLessThanOrEqual(MAX_THINNING * P));
			expect(meanQueries(runs)).toBeLessThanOrEqual(meanQueries(fixed));
			expect(runs.map((run) => run.queries)).not.toEqual(fixed.map((run) => run.queries));
		}
	});

	test('progress going backwards is ignored from then on: the fixed interval again', async () => {
		const runs = await waitAll({
			polling: 'adaptive',
			readyAfterMs: [200_000],
			running: (elapsed) => ({ progress: elapsed < 40_000 ? 50 : 10 }),
		});
		const { queries } = runs[0];
		// Trusted at first: the queries followed the progress, not the interval.
		expect(queries.filter((at) => at < 40_000)).not.toEqual([10_000, 20_000, 30_000]);
		const after = queries.filter((at) => at >= 40_000);
		after.slice(1).forEach((at, k) => expect(at - after[k]).toBe(P));
	});

	test('the floor: a quarter of the Poll Interval, at least 0.5 s, never above the interval', () => {
		expect(queryFloorMs(10_000)).toBe(2_500);
		expect(queryFloorMs(1_000)).toBe(500);
		expect(queryFloorMs(300)).toBe(300);
	});

	test("the Timeout still holds: a thinned-out task gets the fixed schedule's last query before it", async () => {
		const clock = new VirtualClock();
		const board = new BatchBoard();
		const queries: number[] = [];
		const query = async (): Promise<ApiResult<TaskAnswer>> => {
			queries.push(clock.elapsed());
			return { ok: true, value: { status: 'video_generating' } };
		};
		const settings: WaitSettings = {
			pollIntervalMs: P,
			timeoutMs: 50_000,
			requestTimeoutMs: 30_000,
			firstQueryAfterMs: P,
			unreachableAfterMs: 60_000,
		};
		const member = board.join('veo3');
		const outcome = await clock.run(
			waitForTask(query, settings, new AbortController().signal, clock, adaptiveSchedule(member)),
		);
		expect(outcome.kind).toBe('timedOut');
		// Thinned out to 60 s, past the Timeout: the fixed schedule's query at 45 s is made instead.
		expect(queries).toEqual([10_000, 35_000, 45_000]);
	});

	/**
	 * The least time one plan takes, of a task whose batch saw `completed` tasks complete (each
	 * with `lateStageMs` in the last stage when set), once `prepare` has told the task's schedule its answers.
	 */
	const planMs = (
		completed: number,
		lateStageMs?: number,
		prepare: (schedule: AdaptiveSchedule) => void = () => {},
	) => {
		const board = new BatchBoard();
		for (let task = 0; task < completed; task++)
			board
				.join('veo3')
				.completed(50_000 + (task % 200) * 100, lateStageMs && lateStageMs + (task % 200) * 100);
		const schedule = new AdaptiveSchedule({
			pollIntervalMs: P,
			startedAt: 0,
			firstQueryAt: P,
			batch: board.join('veo3'),
		});
		prepare(schedule);
		let least = Infinity;
		for (let round = 0; round < 20; round++) {
			const start = performance.now();
			for (let plan = 0; plan < 20; plan++) schedule.nextQueryAt();
			least = Math.min(least, (performance.now() - start) / 20);
		}
		return least;
	};

	test('planning costs the same with 20,000 completed siblings as with 20: every waiting task re-plans each floor interval', () => {
		planMs(20_000);
		expect(planMs(20_000)).toBeLessThan(10 * planMs(20));
	});

	test('a Veo task upscaling plans as fast with 20,000 upscaled siblings as with 20', () => {
		const upscaling = (schedule: AdaptiveSchedule) => {
			schedule.queried(40_000);
			schedule.running(40_000, 40_000, { status: 'video_upsampling' });
		};
		planMs(20_000, 10_000, upscaling);
		expect(planMs(20_000, 10_000, upscaling)).toBeLessThan(10 * planMs(20, 10_000, upscaling));
	});
});
