import type { TaskAnswer } from '../../nodes/YunwuVideo/task/schema';
import type { ApiFailure, ApiResult } from '../../nodes/YunwuVideo/transport/failure';
import {
	backoffDelay,
	waitForTask,
	type WaitClock,
	type WaitSettings,
} from '../../nodes/YunwuVideo/waiting/waitForTask';
import { recordedAnswer } from '../support/recorded';

/** Virtual time: `pause` advances it at once and records what was asked for; nothing really sleeps. */
class FakeClock implements WaitClock {
	time = 1_764_756_000_000;
	readonly startedAt = this.time;
	readonly pauses: number[] = [];
	readonly events: string[] = [];
	/** Called after each pause has advanced the time (to abort, for example). */
	onPause?: (count: number) => void;

	now(): number {
		return this.time;
	}

	async pause(ms: number, signal: AbortSignal): Promise<void> {
		expect(signal).toBeInstanceOf(AbortSignal);
		this.pauses.push(ms);
		this.events.push(`pause ${ms}`);
		this.time += ms;
		this.onPause?.(this.pauses.length);
	}

	elapsed(): number {
		return this.time - this.startedAt;
	}
}

type Step = ApiResult<TaskAnswer> | (() => ApiResult<TaskAnswer>);

/** A query that answers `steps` in turn (repeating the last one) and records when it was asked. */
function scriptedQuery(clock: FakeClock, steps: Step[], latencyMs = 0) {
	const calls: Array<{ at: number; requestTimeoutMs: number }> = [];
	const query = async (requestTimeoutMs: number): Promise<ApiResult<TaskAnswer>> => {
		calls.push({ at: clock.elapsed(), requestTimeoutMs });
		clock.events.push(`query @${clock.elapsed()}`);
		clock.time += latencyMs;
		const step = steps[Math.min(calls.length - 1, steps.length - 1)];
		return typeof step === 'function' ? step() : step;
	};
	return { query, calls, starts: () => calls.map((call) => call.at) };
}

const ok = (answer: TaskAnswer): ApiResult<TaskAnswer> => ({ ok: true, value: answer });
const fail = (failure: ApiFailure): ApiResult<TaskAnswer> => ({ ok: false, failure });
const status = (value: string, extra: Partial<TaskAnswer> = {}) =>
	ok({ id: 'grok:abc', status: value, ...extra });

const PROCESSING = ok(recordedAnswer('processing').json as TaskAnswer);
const COMPLETED = ok(recordedAnswer('processing-then-completed').json as TaskAnswer);
const SERVER_ERROR = fail({ kind: 'serverError', httpCode: 502, htmlPage: true });

const settings = (overrides: Partial<WaitSettings> = {}): WaitSettings => ({
	pollIntervalMs: 10_000,
	timeoutMs: 1_800_000,
	requestTimeoutMs: 30_000,
	unreachableAfterMs: 60_000,
	...overrides,
});

/** A wait that nobody cancels, on the fake clock, with `settings(overrides)`. */
const waitUncancelled = async (
	query: Parameters<typeof waitForTask>[0],
	overrides: Partial<WaitSettings>,
	clock: FakeClock,
) => await waitForTask(query, settings(overrides), new AbortController().signal, clock);
const gaps = (starts: number[]) => starts.slice(1).map((start, index) => start - starts[index]);

afterEach(() => jest.restoreAllMocks());

describe('waitForTask: polling rhythm', () => {
	test('the first query goes out at once, with no pause before it', async () => {
		const clock = new FakeClock();
		const { query } = scriptedQuery(clock, [PROCESSING, COMPLETED]);
		await waitForTask(query, settings(), new AbortController().signal, clock);
		expect(clock.events[0]).toBe('query @0');
	});

	test('a task already completed: one query, no pause at all', async () => {
		const clock = new FakeClock();
		const { query, calls } = scriptedQuery(clock, [COMPLETED]);
		const outcome = await waitForTask(query, settings(), new AbortController().signal, clock);
		expect(outcome).toEqual({
			kind: 'finished',
			answer: COMPLETED.ok && COMPLETED.value,
			polls: 1,
		});
		expect(calls).toHaveLength(1);
		expect(clock.pauses).toEqual([]);
		expect(clock.elapsed()).toBe(0);
	});

	test('pauses equal the poll interval between non-final answers, none after the final one', async () => {
		const clock = new FakeClock();
		const { query, starts } = scriptedQuery(clock, [
			status('pending'),
			PROCESSING,
			status('video_generating'),
			COMPLETED,
		]);
		const outcome = await waitUncancelled(query, { pollIntervalMs: 7_000 }, clock);
		expect(outcome.kind).toBe('finished');
		expect(outcome.polls).toBe(4);
		expect(clock.pauses).toEqual([7_000, 7_000, 7_000]);
		expect(starts()).toEqual([0, 7_000, 14_000, 21_000]);
		expect(clock.events[clock.events.length - 1]).toBe('query @21000');
	});

	test('the finished outcome carries the final answer itself', async () => {
		const clock = new FakeClock();
		const { query } = scriptedQuery(clock, [PROCESSING, COMPLETED]);
		const outcome = await waitForTask(query, settings(), new AbortController().signal, clock);
		expect(outcome).toEqual({
			kind: 'finished',
			answer: recordedAnswer('processing-then-completed').json,
			polls: 2,
		});
	});

	test('a failed task is final: finished with the failed answer, no pause after it', async () => {
		const clock = new FakeClock();
		const failed = status('video_generation_failed', {
			error: { code: 'content_policy', message: 'blocked' },
		});
		const { query } = scriptedQuery(clock, [PROCESSING, failed]);
		const outcome = await waitForTask(query, settings(), new AbortController().signal, clock);
		expect(outcome).toEqual({ kind: 'finished', answer: failed.ok && failed.value, polls: 2 });
		expect(clock.pauses).toEqual([10_000]);
	});

	test.each([
		'completed',
		'SUCCESS',
		'video_upsampling_completed',
		'failed',
		'failure',
		'error',
		'video_upsampling_failed',
	])('the final status %s ends the wait', async (value) => {
		const clock = new FakeClock();
		const { query, calls } = scriptedQuery(clock, [status(value)]);
		const outcome = await waitForTask(query, settings(), new AbortController().signal, clock);
		expect(outcome.kind).toBe('finished');
		expect(calls).toHaveLength(1);
	});

	test('video_generation_completed still waits for upscaling: polling goes on', async () => {
		const clock = new FakeClock();
		const { query } = scriptedQuery(clock, [
			status('video_generation_completed'),
			status('video_upsampling'),
			COMPLETED,
		]);
		const outcome = await waitUncancelled(query, { pollIntervalMs: 1000 }, clock);
		expect(outcome.kind).toBe('finished');
		expect(outcome.polls).toBe(3);
		expect(clock.pauses).toEqual([1000, 1000]);
	});

	test('an unknown status keeps polling (never taken for success) until it turns final', async () => {
		const clock = new FakeClock();
		const { query } = scriptedQuery(clock, [
			status('teleporting'),
			status('Teleporting'),
			COMPLETED,
		]);
		const outcome = await waitUncancelled(query, { pollIntervalMs: 500 }, clock);
		expect(outcome.kind).toBe('finished');
		expect(outcome.polls).toBe(3);
		expect(clock.pauses).toEqual([500, 500]);
	});

	test('an unknown status forever ends in timedOut, with the unknown answer as the last one', async () => {
		const clock = new FakeClock();
		const weird = status('teleporting');
		const { query } = scriptedQuery(clock, [weird]);
		const outcome = await waitUncancelled(query, { pollIntervalMs: 1000, timeoutMs: 5000 }, clock);
		expect(outcome.kind).toBe('timedOut');
		if (outcome.kind !== 'timedOut') return;
		expect(outcome.lastAnswer).toEqual(weird.ok && weird.value);
	});

	test('the time a query takes does not shorten the pause after it', async () => {
		const clock = new FakeClock();
		const { query, starts } = scriptedQuery(clock, [PROCESSING, PROCESSING, COMPLETED], 2_500);
		await waitUncancelled(query, { pollIntervalMs: 10_000 }, clock);
		expect(clock.pauses).toEqual([10_000, 10_000]);
		expect(starts()).toEqual([0, 12_500, 25_000]);
	});

	test('never queries more often than the poll interval, whatever the mix of answers and faults', async () => {
		const clock = new FakeClock();
		const { query, starts } = scriptedQuery(clock, [
			PROCESSING,
			SERVER_ERROR,
			PROCESSING,
			fail({ kind: 'network', code: 'ECONNRESET' }),
			fail({ kind: 'rateLimited', httpCode: 429, retryAfterMs: 100 }),
			status('unknown-thing'),
			fail({ kind: 'invalidBody', httpCode: 200, problem: 'html' }),
			PROCESSING,
			COMPLETED,
		]);
		const outcome = await waitUncancelled(
			query,
			{ pollIntervalMs: 3_000, timeoutMs: 600_000 },
			clock,
		);
		expect(outcome.kind).toBe('finished');
		expect(outcome.polls).toBe(9);
		for (const gap of gaps(starts())) expect(gap).toBeGreaterThanOrEqual(3_000);
	});

	test('never queries more often than the poll interval, even at the deadline', async () => {
		// Timeout 15 s with a 10 s interval: a query at 0 and at 10 s; one at 15 s would be 5 s after the last.
		const clock = new FakeClock();
		const { query, starts } = scriptedQuery(clock, [PROCESSING]);
		const outcome = await waitUncancelled(
			query,
			{ pollIntervalMs: 10_000, timeoutMs: 15_000 },
			clock,
		);
		expect(outcome.kind).toBe('timedOut');
		expect(starts()).toEqual([0, 10_000]);
		for (const gap of gaps(starts())) expect(gap).toBeGreaterThanOrEqual(10_000);
	});

	test('every query gets the request timeout, shortened to the time left but never under a second', async () => {
		const clock = new FakeClock();
		const { query, calls } = scriptedQuery(clock, [PROCESSING]);
		await waitUncancelled(
			query,
			{ pollIntervalMs: 20_000, timeoutMs: 45_000, requestTimeoutMs: 30_000 },
			clock,
		);
		const byStart = new Map(calls.map((call) => [call.at, call.requestTimeoutMs]));
		expect(byStart.get(0)).toBe(30_000);
		expect(byStart.get(20_000)).toBe(25_000);
		expect(byStart.get(40_000)).toBe(5_000);
		for (const call of calls) expect(call.requestTimeoutMs).toBeGreaterThanOrEqual(1_000);
	});
});

describe('waitForTask: transient faults back off', () => {
	test.each<[string, ApiFailure]>([
		['5xx HTML page', { kind: 'serverError', httpCode: 502, htmlPage: true }],
		['500 JSON', { kind: 'serverError', httpCode: 500, htmlPage: false, apiMessage: 'upstream' }],
		['dropped connection', { kind: 'network', code: 'ECONNRESET' }],
		['hung request', { kind: 'requestTimeout', timeoutMs: 30_000 }],
		['504 with an HTML page', { kind: 'serverError', httpCode: 504, htmlPage: true }],
		['429 without Retry-After', { kind: 'rateLimited', httpCode: 429 }],
	])('%s: retried with pauses of at least the interval, growing', async (_label, failure) => {
		const clock = new FakeClock();
		const { query, calls } = scriptedQuery(clock, [
			fail(failure),
			fail(failure),
			fail(failure),
			fail(failure),
			COMPLETED,
		]);
		const outcome = await waitUncancelled(query, { pollIntervalMs: 1_000 }, clock);
		expect(outcome).toEqual({
			kind: 'finished',
			answer: COMPLETED.ok && COMPLETED.value,
			polls: 5,
		});
		expect(calls).toHaveLength(5);
		expect(clock.pauses).toHaveLength(4);
		clock.pauses.forEach((pause, index) => {
			const base = 1_000 * 2 ** index;
			expect(pause).toBeGreaterThanOrEqual(base);
			expect(pause).toBeLessThanOrEqual(base * 1.2);
		});
		for (let index = 1; index < clock.pauses.length; index++) {
			expect(clock.pauses[index]).toBeGreaterThan(clock.pauses[index - 1]);
		}
	});

	test('with no jitter the pauses double exactly: 1, 2, 4, 8 intervals', async () => {
		jest.spyOn(Math, 'random').mockReturnValue(0);
		const clock = new FakeClock();
		const { query } = scriptedQuery(clock, [
			SERVER_ERROR,
			SERVER_ERROR,
			SERVER_ERROR,
			SERVER_ERROR,
			COMPLETED,
		]);
		await waitUncancelled(query, { pollIntervalMs: 2_000 }, clock);
		expect(clock.pauses).toEqual([2_000, 4_000, 8_000, 16_000]);
	});

	test('the back-off is capped at a minute (plus at most 20 % jitter)', async () => {
		jest.spyOn(Math, 'random').mockReturnValue(0);
		const clock = new FakeClock();
		const { query } = scriptedQuery(clock, [...Array<Step>(8).fill(SERVER_ERROR), COMPLETED]);
		await waitUncancelled(query, { pollIntervalMs: 10_000 }, clock);
		expect(clock.pauses).toEqual([10_000, 20_000, 40_000, 60_000, 60_000, 60_000, 60_000, 60_000]);
	});

	test('a good answer resets the back-off', async () => {
		jest.spyOn(Math, 'random').mockReturnValue(0);
		const clock = new FakeClock();
		const { query } = scriptedQuery(clock, [
			SERVER_ERROR,
			SERVER_ERROR,
			PROCESSING,
			SERVER_ERROR,
			COMPLETED,
		]);
		await waitUncancelled(query, { pollIntervalMs: 1_000 }, clock);
		expect(clock.pauses).toEqual([1_000, 2_000, 1_000, 1_000]);
	});

	test('429 Retry-After longer than the back-off is respected', async () => {
		jest.spyOn(Math, 'random').mockReturnValue(0);
		const clock = new FakeClock();
		const { query, starts } = scriptedQuery(clock, [
			fail({ kind: 'rateLimited', httpCode: 429, retryAfterMs: 45_000 }),
			COMPLETED,
		]);
		const outcome = await waitUncancelled(query, { pollIntervalMs: 1_000 }, clock);
		expect(outcome.kind).toBe('finished');
		expect(clock.pauses).toEqual([45_000]);
		expect(starts()).toEqual([0, 45_000]);
	});

	test('429 Retry-After shorter than the interval does not make it poll faster', async () => {
		jest.spyOn(Math, 'random').mockReturnValue(0);
		const clock = new FakeClock();
		const { query } = scriptedQuery(clock, [
			fail({ kind: 'rateLimited', httpCode: 429, retryAfterMs: 200 }),
			COMPLETED,
		]);
		await waitUncancelled(query, { pollIntervalMs: 5_000 }, clock);
		expect(clock.pauses).toEqual([5_000]);
	});

	test('429 Retry-After that reaches past the deadline: no query before Retry-After has passed', async () => {
		const clock = new FakeClock();
		const { query, starts } = scriptedQuery(clock, [
			fail({ kind: 'rateLimited', httpCode: 429, retryAfterMs: 60_000 }),
		]);
		const outcome = await waitUncancelled(
			query,
			{ pollIntervalMs: 1_000, timeoutMs: 30_000 },
			clock,
		);
		expect(outcome.kind).toBe('timedOut');
		expect(outcome.polls).toBe(1);
		expect(starts()).toEqual([0]);
	});
});

describe('waitForTask: faults that end the wait at once', () => {
	test.each<[string, ApiFailure]>([
		['unauthorized', { kind: 'unauthorized', httpCode: 401, apiMessage: 'invalid token' }],
		['forbidden', { kind: 'forbidden', httpCode: 403 }],
		['notFound (404)', { kind: 'notFound', httpCode: 404 }],
		[
			'notFound (task_not_exist)',
			{ kind: 'notFound', httpCode: 200, apiMessage: 'task_not_exist' },
		],
		['rejected', { kind: 'rejected', httpCode: 400, apiMessage: 'bad id' }],
	])('%s → failed after exactly one query, no pause', async (_label, failure) => {
		const clock = new FakeClock();
		const { query, calls } = scriptedQuery(clock, [fail(failure), COMPLETED]);
		const outcome = await waitForTask(query, settings(), new AbortController().signal, clock);
		expect(outcome).toEqual({ kind: 'failed', failure, polls: 1 });
		expect(calls).toHaveLength(1);
		expect(clock.pauses).toEqual([]);
	});

	test('a non-transient fault after transient ones still ends the wait at once', async () => {
		const clock = new FakeClock();
		const unauthorized: ApiFailure = { kind: 'unauthorized', httpCode: 401 };
		const { query, calls } = scriptedQuery(clock, [
			SERVER_ERROR,
			PROCESSING,
			fail(unauthorized),
			COMPLETED,
		]);
		const outcome = await waitUncancelled(query, { pollIntervalMs: 1_000 }, clock);
		expect(outcome).toEqual({ kind: 'failed', failure: unauthorized, polls: 3 });
		expect(calls).toHaveLength(3);
		expect(clock.pauses).toHaveLength(2);
	});
});

describe('waitForTask: timeout', () => {
	test('a task that stays processing → timedOut with the last answer, without a query at the deadline itself', async () => {
		// A query at 5 s would have no time left to answer in: the wait ends after the one at 4 s.
		const clock = new FakeClock();
		const last = status('processing', { status_update_time: 1764756499 });
		const { query, starts } = scriptedQuery(clock, [
			PROCESSING,
			PROCESSING,
			PROCESSING,
			PROCESSING,
			last,
		]);
		const outcome = await waitUncancelled(
			query,
			{ pollIntervalMs: 1_000, timeoutMs: 5_000 },
			clock,
		);
		expect(outcome).toEqual({
			kind: 'timedOut',
			lastAnswer: last.ok && last.value,
			lastFailure: undefined,
			polls: 5,
		});
		expect(starts()).toEqual([0, 1_000, 2_000, 3_000, 4_000]);
		expect(clock.elapsed()).toBe(4_000);
	});

	test('only faults → timedOut with the last failure and no answer', async () => {
		const clock = new FakeClock();
		const timeout: ApiFailure = { kind: 'requestTimeout', timeoutMs: 30_000 };
		const { query } = scriptedQuery(clock, [SERVER_ERROR, fail(timeout)]);
		const outcome = await waitUncancelled(
			query,
			{ pollIntervalMs: 1_000, timeoutMs: 20_000 },
			clock,
		);
		expect(outcome.kind).toBe('timedOut');
		if (outcome.kind !== 'timedOut') return;
		expect(outcome.lastFailure).toEqual(timeout);
		expect(outcome.lastAnswer).toBeUndefined();
		// It gives up as soon as the next retry (backing off from 1 s) could only go out after 20 s.
		expect(clock.elapsed()).toBeLessThanOrEqual(20_000);
		expect(clock.elapsed()).toBeGreaterThan(20_000 - 16_000 * 1.2);
	});

	test('an answer, then faults until the deadline → both the last answer and the last failure', async () => {
		const clock = new FakeClock();
		const { query } = scriptedQuery(clock, [PROCESSING, SERVER_ERROR]);
		const outcome = await waitUncancelled(
			query,
			{ pollIntervalMs: 1_000, timeoutMs: 10_000 },
			clock,
		);
		expect(outcome.kind).toBe('timedOut');
		if (outcome.kind !== 'timedOut') return;
		expect(outcome.lastAnswer).toEqual(PROCESSING.ok && PROCESSING.value);
		expect(outcome.lastFailure).toEqual(SERVER_ERROR.ok ? undefined : SERVER_ERROR.failure);
	});

	test('a fault then a good answer at the deadline → the failure is forgotten', async () => {
		const clock = new FakeClock();
		const { query } = scriptedQuery(clock, [SERVER_ERROR, PROCESSING]);
		const outcome = await waitUncancelled(
			query,
			{ pollIntervalMs: 1_000, timeoutMs: 3_000 },
			clock,
		);
		expect(outcome.kind).toBe('timedOut');
		if (outcome.kind !== 'timedOut') return;
		expect(outcome.lastFailure).toBeUndefined();
		expect(outcome.lastAnswer).toEqual(PROCESSING.ok && PROCESSING.value);
	});

	test('a first query slower than the whole timeout → timedOut after one poll, no pause', async () => {
		const clock = new FakeClock();
		const { query } = scriptedQuery(clock, [PROCESSING], 8_000);
		const outcome = await waitUncancelled(
			query,
			{ pollIntervalMs: 1_000, timeoutMs: 5_000 },
			clock,
		);
		expect(outcome).toEqual({
			kind: 'timedOut',
			lastAnswer: PROCESSING.ok && PROCESSING.value,
			lastFailure: undefined,
			polls: 1,
		});
		expect(clock.pauses).toEqual([]);
	});

	test('no pause ever reaches past the deadline', async () => {
		const clock = new FakeClock();
		const { query } = scriptedQuery(clock, [SERVER_ERROR]);
		await waitUncancelled(query, { pollIntervalMs: 4_000, timeoutMs: 30_000 }, clock);
		expect(clock.elapsed()).toBeLessThanOrEqual(30_000);
	});
});

describe('waitForTask: cancellation', () => {
	test('an abort during a pause → cancelled, no further query', async () => {
		const clock = new FakeClock();
		const controller = new AbortController();
		clock.onPause = (count) => {
			if (count === 2) controller.abort();
		};
		const { query, calls } = scriptedQuery(clock, [PROCESSING]);
		const outcome = await waitForTask(query, settings(), controller.signal, clock);
		expect(outcome).toEqual({ kind: 'cancelled', polls: 2 });
		expect(calls).toHaveLength(2);
	});

	test('an abort while a query is out → cancelled, even when that answer is final', async () => {
		const clock = new FakeClock();
		const controller = new AbortController();
		const { query, calls } = scriptedQuery(clock, [
			PROCESSING,
			() => {
				controller.abort();
				return COMPLETED;
			},
		]);
		const outcome = await waitForTask(query, settings(), controller.signal, clock);
		expect(outcome).toEqual({ kind: 'cancelled', polls: 2 });
		expect(calls).toHaveLength(2);
		expect(clock.pauses).toHaveLength(1);
	});

	test('an abort while backing off after a fault → cancelled', async () => {
		const clock = new FakeClock();
		const controller = new AbortController();
		clock.onPause = () => controller.abort();
		const { query } = scriptedQuery(clock, [SERVER_ERROR]);
		expect(await waitForTask(query, settings(), controller.signal, clock)).toEqual({
			kind: 'cancelled',
			polls: 1,
		});
	});

	test('a signal aborted before the start → cancelled, with no pause', async () => {
		const clock = new FakeClock();
		const controller = new AbortController();
		controller.abort();
		const { query } = scriptedQuery(clock, [PROCESSING]);
		const outcome = await waitForTask(query, settings(), controller.signal, clock);
		expect(outcome.kind).toBe('cancelled');
		expect(clock.pauses).toEqual([]);
	});
});

describe('backoffDelay', () => {
	const server: ApiFailure = { kind: 'serverError', httpCode: 503, htmlPage: false };

	test.each([
		[1, 5_000],
		[2, 10_000],
		[3, 20_000],
		[4, 40_000],
		[5, 60_000],
		[30, 60_000],
		[1000, 60_000],
	])('after %i faults with a 5 s interval and no jitter → %i ms', (failures, expected) => {
		expect(backoffDelay(5_000, failures, server, 0)).toBe(expected);
	});

	test('jitter only adds, up to 20 %', () => {
		expect(backoffDelay(5_000, 1, server, 1)).toBe(6_000);
		expect(backoffDelay(5_000, 2, server, 0.5)).toBe(11_000);
		expect(backoffDelay(10_000, 10, server, 1)).toBe(72_000);
	});

	test('never under the poll interval, even when the interval exceeds the cap', () => {
		expect(backoffDelay(120_000, 1, server, 0)).toBe(120_000);
		expect(backoffDelay(120_000, 5, server, 0)).toBe(120_000);
		expect(backoffDelay(1_000, 0, server, 0)).toBe(1_000);
	});

	test('with Math.random jitter it stays within [base, 1.2 × base]', () => {
		for (let index = 0; index < 50; index++) {
			const delay = backoffDelay(2_000, 2, server);
			expect(delay).toBeGreaterThanOrEqual(4_000);
			expect(delay).toBeLessThanOrEqual(4_800);
		}
	});

	test('Retry-After wins when longer, only for rateLimited', () => {
		expect(
			backoffDelay(1_000, 1, { kind: 'rateLimited', httpCode: 429, retryAfterMs: 90_000 }, 0),
		).toBe(90_000);
		expect(
			backoffDelay(1_000, 1, { kind: 'rateLimited', httpCode: 429, retryAfterMs: 500 }, 0),
		).toBe(1_000);
		expect(backoffDelay(1_000, 3, { kind: 'rateLimited', httpCode: 429 }, 0)).toBe(4_000);
		expect(backoffDelay(1_000, 1, { kind: 'rateLimited', httpCode: 429, retryAfterMs: 0 }, 0)).toBe(
			1_000,
		);
	});
});

describe('waitForTask: a task just created', () => {
	test('the first query waits firstQueryAfterMs, then polls at the interval', async () => {
		const clock = new FakeClock();
		const { query, starts } = scriptedQuery(clock, [PROCESSING, COMPLETED]);
		const outcome = await waitUncancelled(
			query,
			{ pollIntervalMs: 10_000, firstQueryAfterMs: 10_000 },
			clock,
		);
		expect(outcome).toMatchObject({ kind: 'finished', polls: 2 });
		expect(starts()).toEqual([10_000, 20_000]);
	});

	test('a stop during the first pause sends no query at all', async () => {
		const clock = new FakeClock();
		const controller = new AbortController();
		clock.onPause = () => controller.abort();
		const { query, starts } = scriptedQuery(clock, [COMPLETED]);
		const outcome = await waitForTask(
			query,
			settings({ firstQueryAfterMs: 5_000 }),
			controller.signal,
			clock,
		);
		expect(outcome).toEqual({ kind: 'cancelled', polls: 0 });
		expect(starts()).toEqual([]);
	});
});

describe('waitForTask: answers that are not a task', () => {
	test('two 200 pages in a row are retried; the third ends the wait (a Base URL pointing at a web site)', async () => {
		const page = fail({ kind: 'invalidBody', httpCode: 200, problem: 'html' });
		const twice = scriptedQuery(new FakeClock(), [page, page, COMPLETED]);
		expect(
			await waitForTask(twice.query, settings(), new AbortController().signal, new FakeClock()),
		).toMatchObject({ kind: 'finished', polls: 3 });

		const clock = new FakeClock();
		const always = scriptedQuery(clock, [page]);
		const outcome = await waitUncancelled(
			always.query,
			{ pollIntervalMs: 1_000, timeoutMs: 3_600_000 },
			clock,
		);
		expect(outcome).toEqual({
			kind: 'failed',
			failure: { kind: 'invalidBody', httpCode: 200, problem: 'html' },
			polls: 3,
		});
	});
});

describe('waitForTask: nothing outlives the Timeout', () => {
	/** A query whose hung answers report the limit they were given, as the API client's do. */
	const hangingQuery = (clock: FakeClock, before: Step[]) => {
		const calls: number[] = [];
		const query = async (requestTimeoutMs: number): Promise<ApiResult<TaskAnswer>> => {
			calls.push(requestTimeoutMs);
			const step = before[calls.length - 1];
			if (step) return typeof step === 'function' ? step() : step;
			clock.time += requestTimeoutMs;
			return fail({ kind: 'requestTimeout', timeoutMs: requestTimeoutMs });
		};
		return { query, calls };
	};

	test('a 429 whose Retry-After is longer than the time left ends the wait at once, with what Yunwu asked and what was left', async () => {
		const clock = new FakeClock();
		const limited: ApiFailure = {
			kind: 'rateLimited',
			httpCode: 429,
			retryAfterMs: 3_600_000,
			apiMessage: 'slow down',
		};
		const { query, starts } = scriptedQuery(clock, [PROCESSING, fail(limited)]);
		const outcome = await waitUncancelled(
			query,
			{ pollIntervalMs: 600_000, timeoutMs: 1_800_000 },
			clock,
		);
		expect(outcome).toEqual({
			kind: 'timedOut',
			lastAnswer: PROCESSING.ok && PROCESSING.value,
			lastFailure: limited,
			polls: 2,
			early: { reason: 'retryAfter', failure: limited, leftMs: 1_200_000 },
		});
		expect(starts()).toEqual([0, 600_000]);
		expect(clock.elapsed()).toBe(600_000);

		// One that still leaves time is waited out, and the wait goes on.
		const fits = new FakeClock();
		const waited = scriptedQuery(fits, [
			fail({ kind: 'rateLimited', httpCode: 429, retryAfterMs: 1_199_000 }),
			COMPLETED,
		]);
		expect(await waitUncancelled(waited.query, { timeoutMs: 1_200_000 }, fits)).toMatchObject({
			kind: 'finished',
		});
		expect(waited.starts()).toEqual([0, 1_199_000]);
	});

	test('a task just created whose first query would come at or after the deadline: no pause, no query, the reason said', async () => {
		for (const timeoutMs of [5_000, 10_000]) {
			const clock = new FakeClock();
			const { query, calls } = scriptedQuery(clock, [COMPLETED]);
			const outcome = await waitUncancelled(query, { firstQueryAfterMs: 10_000, timeoutMs }, clock);
			expect(outcome).toEqual({
				kind: 'timedOut',
				polls: 0,
				early: { reason: 'firstQueryTooLate' },
			});
			expect(calls).toEqual([]);
			expect(clock.pauses).toEqual([]);
		}
	});

	test('the first query of a task just created gets only what is left of the Timeout', async () => {
		const clock = new FakeClock();
		const { query, calls } = scriptedQuery(clock, [PROCESSING]);
		await waitUncancelled(query, { firstQueryAfterMs: 10_000, timeoutMs: 10_300 }, clock);
		expect(calls).toEqual([{ at: 10_000, requestTimeoutMs: 300 }]);
	});

	test('a query near the deadline gets only the time left, even under a second; a Timeout under a second holds too', async () => {
		const clock = new FakeClock();
		const { query, calls } = scriptedQuery(clock, [PROCESSING]);
		await waitUncancelled(query, { pollIntervalMs: 1_000, timeoutMs: 4_300 }, clock);
		expect(calls.map((call) => call.requestTimeoutMs)).toEqual([4_300, 3_300, 2_300, 1_300, 300]);

		const tiny = new FakeClock();
		const short = scriptedQuery(tiny, [PROCESSING]);
		await waitUncancelled(short.query, { pollIntervalMs: 100, timeoutMs: 250 }, tiny);
		expect(short.calls.map((call) => call.requestTimeoutMs)).toEqual([250, 150, 50]);
	});

	test('a query cut short by the deadline ends the wait at the deadline as a timeout, keeping the last status', async () => {
		const clock = new FakeClock();
		const { query, calls } = hangingQuery(clock, [PROCESSING]);
		const outcome = await waitUncancelled(
			query,
			{ pollIntervalMs: 1_000, timeoutMs: 1_500 },
			clock,
		);
		expect(outcome).toEqual({
			kind: 'timedOut',
			lastAnswer: PROCESSING.ok && PROCESSING.value,
			lastFailure: undefined,
			polls: 2,
		});
		expect(calls).toEqual([1_500, 500]);
		expect(clock.elapsed()).toBe(1_500);

		// A query that hangs for the whole Request Timeout is a fault: retried, and said at the end.
		const hung = new FakeClock();
		const always = hangingQuery(hung, []);
		const outcome2 = await waitUncancelled(
			always.query,
			{ pollIntervalMs: 1_000, requestTimeoutMs: 2_000, timeoutMs: 60_000 },
			hung,
		);
		expect(outcome2).toMatchObject({
			kind: 'timedOut',
			lastFailure: { kind: 'requestTimeout', timeoutMs: 2_000 },
		});
		expect(always.calls.length).toBeGreaterThan(3);
	});

	test('jitter never pushes a retry past the deadline: the retry goes out without it', async () => {
		jest.spyOn(Math, 'random').mockReturnValue(1);
		const clock = new FakeClock();
		const { query, calls } = scriptedQuery(clock, [SERVER_ERROR, PROCESSING]);
		await waitUncancelled(query, { pollIntervalMs: 1_000, timeoutMs: 1_100 }, clock);
		expect(calls).toEqual([
			{ at: 0, requestTimeoutMs: 1_100 },
			{ at: 1_000, requestTimeoutMs: 100 },
		]);
	});
});

describe('waitForTask: a Base URL that never answers', () => {
	const refused = fail({ kind: 'network', code: 'ECONNREFUSED' });

	test.each([
		'ECONNREFUSED',
		'EAI_AGAIN',
		'EHOSTUNREACH',
		'ENETUNREACH',
		'ERR_TLS_CERT_ALTNAME_INVALID',
		'CERT_HAS_EXPIRED',
		'ERR_SSL_WRONG_VERSION_NUMBER',
		'EPROTO',
	])(
		'%s from the first query on: failed with that fault once it has lasted unreachableAfterMs, not at the Timeout',
		async (code) => {
			jest.spyOn(Math, 'random').mockReturnValue(0);
			const clock = new FakeClock();
			const failure: ApiFailure = { kind: 'network', code };
			const { query, starts } = scriptedQuery(clock, [fail(failure)]);
			const outcome = await waitUncancelled(
				query,
				{ pollIntervalMs: 10_000, unreachableAfterMs: 60_000 },
				clock,
			);
			expect(outcome).toEqual({ kind: 'failed', failure, polls: 4 });
			// Backing off 10 s, 20 s, then the last retry brought forward to the bound.
			expect(starts()).toEqual([0, 10_000, 30_000, 60_000]);
		},
	);

	test('a host name that does not exist (ENOTFOUND) on the first query is named at once; after an answer it is an outage, retried', async () => {
		const unknownHost = fail({ kind: 'network', code: 'ENOTFOUND' });
		expect(await outcomeOf([unknownHost])).toEqual({ kind: 'failed', elapsed: 0 });
		expect(await outcomeOf([PROCESSING, unknownHost])).toEqual(AT_THE_TIMEOUT);
		expect(await outcomeOf([unknownHost], () => true)).toEqual(AT_THE_TIMEOUT);
	});

	test('ENOTFOUND after the host name has resolved (refused, reset, a TLS fault) is a DNS outage: held to the one-minute bound, not named at once', async () => {
		jest.spyOn(Math, 'random').mockReturnValue(0);
		const unknownHost = fail({ kind: 'network', code: 'ENOTFOUND' });
		// Refused at 0 s: the name resolved; the bound counts from there.
		expect(await outcomeOf([refused, unknownHost])).toEqual(AT_THE_BOUND);
		for (const code of ['ECONNRESET', 'CERT_HAS_EXPIRED', 'EHOSTUNREACH']) {
			const outcome = await outcomeOf([fail({ kind: 'network', code }), unknownHost]);
			expect(outcome.elapsed).toBeGreaterThanOrEqual(60_000);
		}
	});

	test('with jitter, the give-up still comes at the bound', async () => {
		jest.spyOn(Math, 'random').mockReturnValue(1);
		const clock = new FakeClock();
		const { query, starts } = scriptedQuery(clock, [refused]);
		const outcome = await waitUncancelled(
			query,
			{ pollIntervalMs: 10_000, unreachableAfterMs: 60_000 },
			clock,
		);
		expect(outcome.kind).toBe('failed');
		expect(starts()).toEqual([0, 12_000, 36_000, 60_000]);
	});

	test('a poll interval longer than the bound: retried once at the bound (nothing reached Yunwu), then named', async () => {
		const clock = new FakeClock();
		const { query, starts } = scriptedQuery(clock, [refused]);
		const outcome = await waitUncancelled(
			query,
			{ pollIntervalMs: 120_000, unreachableAfterMs: 60_000 },
			clock,
		);
		expect(outcome.kind).toBe('failed');
		expect(starts()).toEqual([0, 60_000]);
	});

	test('a bound of a few ms, as tests use', async () => {
		const clock = new FakeClock();
		const { query } = scriptedQuery(clock, [refused]);
		const outcome = await waitUncancelled(
			query,
			{ pollIntervalMs: 20, unreachableAfterMs: 100 },
			clock,
		);
		expect(outcome.kind).toBe('failed');
		expect(clock.elapsed()).toBe(100);
	});

	/** Runs a wait on `steps` with a 10 s interval, a 10 min Timeout and the 1 min bound. */
	async function outcomeOf(steps: Step[], apiAnsweredElsewhere?: () => boolean) {
		const clock = new FakeClock();
		const { query } = scriptedQuery(clock, steps);
		const outcome = await waitUncancelled(
			query,
			{ pollIntervalMs: 10_000, timeoutMs: 600_000, apiAnsweredElsewhere },
			clock,
		);
		return { kind: outcome.kind, elapsed: clock.elapsed() };
	}
	const AT_THE_BOUND = { kind: 'failed', elapsed: 60_000 };
	const AT_THE_TIMEOUT = { kind: 'timedOut', elapsed: expect.any(Number) as number };

	test('only a connection that cannot be made counts: dropped connections and hung queries are retried until the Timeout', async () => {
		expect(await outcomeOf([refused])).toEqual(AT_THE_BOUND);
		expect(await outcomeOf([fail({ kind: 'network', code: 'ECONNRESET' })])).toEqual(
			AT_THE_TIMEOUT,
		);
		expect(await outcomeOf([fail({ kind: 'requestTimeout', timeoutMs: 30_000 })])).toEqual(
			AT_THE_TIMEOUT,
		);
	});

	test('once this wait got an answer (a status, or even an error page), refusals are an outage, retried until the Timeout', async () => {
		expect(await outcomeOf([refused])).toEqual(AT_THE_BOUND);
		expect(await outcomeOf([PROCESSING, refused])).toEqual(AT_THE_TIMEOUT);
		expect(await outcomeOf([refused, SERVER_ERROR, refused])).toEqual(AT_THE_TIMEOUT);
	});

	test('once another request of the node got an answer, the address is right: refusals are retried until the Timeout', async () => {
		expect(await outcomeOf([refused], () => false)).toEqual(AT_THE_BOUND);
		let calls = 0;
		// Another item's query is answered while this one is backing off.
		expect(await outcomeOf([refused], () => ++calls > 1)).toEqual(AT_THE_TIMEOUT);
	});

	test('a Timeout shorter than the bound comes first, saying what failed last', async () => {
		const clock = new FakeClock();
		const { query } = scriptedQuery(clock, [refused]);
		const outcome = await waitUncancelled(
			query,
			{ pollIntervalMs: 1_000, timeoutMs: 5_000, unreachableAfterMs: 6_000 },
			clock,
		);
		expect(outcome).toMatchObject({
			kind: 'timedOut',
			lastFailure: { kind: 'network', code: 'ECONNREFUSED' },
		});
		expect(clock.elapsed()).toBeLessThan(5_000);
		// and a bound shorter than the Timeout comes first
		const clock2 = new FakeClock();
		const again = scriptedQuery(clock2, [refused]);
		expect(
			await waitUncancelled(
				again.query,
				{ pollIntervalMs: 1_000, timeoutMs: 5_000, unreachableAfterMs: 4_000 },
				clock2,
			),
		).toMatchObject({ kind: 'failed' });
		expect(clock2.elapsed()).toBe(4_000);
	});
});
