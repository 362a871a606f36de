import {
	isConnectionFailure,
	isTransient,
	isUnknownHost,
	isUnreachable,
	retryAfterOf,
	type ApiFailure,
	type ApiResult,
	type RetryAfter,
} from '../transport/failure';
import type { TaskAnswer } from '../task/schema';
import { isFinalState, toTaskState } from '../task/state';
import { pause, untilAborted } from '../transport/pause';

export interface WaitSettings {
	pollIntervalMs: number;
	timeoutMs: number;
	/** Limit for one query, cut to the time left before the deadline so no query outlives the Timeout. */
	requestTimeoutMs: number;
	/** Pause before the first query: a task created a moment ago cannot be done yet. 0 queries at once. */
	firstQueryAfterMs?: number;
	/**
	 * How long the Base URL may stay unreachable (refused, unknown host, TLS failed) while the API has
	 * never answered, before the wait gives up: a wrong address is named then, not after the Timeout.
	 * Once the API has answered, an outage is retried until the Timeout.
	 */
	unreachableAfterMs: number;
	/** Whether the API answered another request of this node (another item's query, the create). */
	apiAnsweredElsewhere?: () => boolean;
}

/** What a wait's schedule is made from, when the wait starts. */
export interface ScheduleStart {
	pollIntervalMs: number;
	/** When the wait started: the task's creation for a task just created. */
	startedAt: number;
	/** When the first query goes out: `firstQueryAfterMs` after `startedAt`. */
	firstQueryAt: number;
}

/**
 * When one wait's queries go out, told what each query found. Transient faults are not its
 * concern: the wait's backoff and Retry-After come on top, and only ever make a query later.
 */
export interface QuerySchedule {
	/** A query went out at `at` (whatever its answer). */
	queried(at: number): void;
	/** A failed answer to the query sent at `queriedAt` arrived at `at`. */
	answered(at: number, queriedAt: number): void;
	/** The task is still running, said the answer that arrived at `at` to the query sent at `queriedAt`. */
	running(at: number, queriedAt: number, answer: TaskAnswer): void;
	/** The task completed, as the query sent at `queriedAt` found. */
	completed(queriedAt: number, answer: TaskAnswer): void;
	/** When the next query goes out; `deadline` is when the wait ends. */
	nextQueryAt(deadline: number): number;
	/** How long a sleep may last before `nextQueryAt` is asked again (undefined: it does not move). */
	replanAfterMs(): number | undefined;
}

/** How a wait spaces its queries (Polling): a schedule for each wait, made when it starts. */
export type Schedule = (start: ScheduleStart) => QuerySchedule;

/** Polling `fixed`: the first query when the wait says, then one Poll Interval after each answer. */
export const fixedSchedule: Schedule = ({ pollIntervalMs, firstQueryAt }) => {
	let next = firstQueryAt;
	return {
		queried: () => {},
		answered: () => {},
		running: (at) => (next = at + pollIntervalMs),
		completed: () => {},
		nextQueryAt: () => next,
		replanAfterMs: () => undefined,
	};
};

/** Why a wait gave up before its Timeout ran out: nothing more could happen within it. */
type EarlyTimeout =
	/** Yunwu's Retry-After reaches past the deadline. */
	| { reason: 'retryAfter'; failure: RetryAfter; leftMs: number }
	/** The first query of a task just created would only go out at or after the deadline. */
	| { reason: 'firstQueryTooLate' };

export type WaitOutcome =
	| { kind: 'finished'; answer: TaskAnswer; polls: number }
	| {
			kind: 'timedOut';
			lastAnswer?: TaskAnswer;
			lastFailure?: ApiFailure;
			polls: number;
			early?: EarlyTimeout;
	  }
	| { kind: 'failed'; failure: ApiFailure; polls: number }
	| { kind: 'cancelled'; polls: number };

export interface WaitClock {
	now(): number;
	pause(ms: number, signal: AbortSignal): Promise<void>;
}

const realClock: WaitClock = { now: () => Date.now(), pause };

/** Retries after transient faults back off from the poll interval, doubling up to this cap. */
export const MAX_BACKOFF_MS = 60_000;
/** How long a Base URL that has never answered may stay unreachable before the wait names it. */
export const UNREACHABLE_AFTER_MS = 60_000;
/**
 * Successful (2xx) answers that are not a task, in a row, before the wait gives up: one may be a
 * gateway hiccup, a run of them is a Base URL pointing at a web site.
 */
const MAX_UNREADABLE_ANSWERS = 3;

/** The delay before retrying after `failures` transient faults in a row; never under the poll interval. */
export function backoffDelay(
	pollIntervalMs: number,
	failures: number,
	failure: ApiFailure,
	jitter = Math.random(),
): number {
	const doubled = pollIntervalMs * 2 ** Math.min(failures - 1, 16);
	const capped = Math.max(pollIntervalMs, Math.min(doubled, MAX_BACKOFF_MS));
	// Upward jitter only, so many items retrying after one outage spread out without polling faster.
	const delay = capped * (1 + 0.2 * jitter);
	return failure.kind === 'rateLimited' && failure.retryAfterMs !== undefined
		? Math.max(delay, failure.retryAfterMs)
		: delay;
}

/**
 * Polls one task until it is completed or failed. The first query goes out at once (or after
 * `firstQueryAfterMs` for a task just created); after a final answer there is no further sleep.
 * Between queries it waits as `schedule` says (by default one poll interval after each answer),
 * or longer after a transient fault (5xx, HTML page,
 * dropped or hung connection, 429 and its Retry-After). Faults that concern the task or the key
 * (401, 403, 404, unknown task, redirect) end the wait at once, and so does a Base URL that has
 * never answered and stays unreachable for `unreachableAfterMs` (a host name that does not exist
 * on the first query: at once). Nothing sleeps or queries past
 * the deadline: a pause that would end there ends the wait at once instead.
 */
export async function waitForTask(
	query: (requestTimeoutMs: number) => Promise<ApiResult<TaskAnswer>>,
	settings: WaitSettings,
	signal: AbortSignal,
	clock: WaitClock = realClock,
	schedule: Schedule = fixedSchedule,
): Promise<WaitOutcome> {
	const startedAt = clock.now();
	const deadline = startedAt + settings.timeoutMs;
	let polls = 0;
	let failuresInARow = 0;
	let unreadableInARow = 0;
	let answered = false;
	let unreachableSince: number | undefined;
	let lastAnswer: TaskAnswer | undefined;
	let lastFailure: ApiFailure | undefined;

	const firstPause = settings.firstQueryAfterMs ?? 0;
	if (firstPause >= settings.timeoutMs)
		return { kind: 'timedOut', polls, early: { reason: 'firstQueryTooLate' } };
	const plan = schedule({
		pollIntervalMs: settings.pollIntervalMs,
		startedAt,
		firstQueryAt: startedAt + firstPause,
	});
	await sleepUntilNextQuery(plan, clock, deadline, signal);

	for (;;) {
		if (signal.aborted) return { kind: 'cancelled', polls };
		const queriedAt = clock.now();
		const left = deadline - queriedAt;
		if (left <= 0) return { kind: 'timedOut', lastAnswer, lastFailure, polls };
		const requestTimeoutMs = Math.min(settings.requestTimeoutMs, left);
		plan.queried(queriedAt);
		const result = await untilAborted(query(requestTimeoutMs), signal);
		polls++;
		if (!result || signal.aborted) return { kind: 'cancelled', polls };

		// The earliest the next query may go out, and when it goes out unless that passes the deadline.
		let earliest: number;
		let delay: number;
		if (result.ok) {
			answered = true;
			lastAnswer = result.value;
			lastFailure = undefined;
			failuresInARow = 0;
			unreadableInARow = 0;
			unreachableSince = undefined;
			const state = toTaskState(result.value.status);
			if (state === 'completed') plan.completed(queriedAt, result.value);
			if (isFinalState(state)) return { kind: 'finished', answer: result.value, polls };
			plan.running(clock.now(), queriedAt, result.value);
			if (!(await sleepUntilNextQuery(plan, clock, deadline, signal)))
				return { kind: 'timedOut', lastAnswer, lastFailure, polls };
			continue;
		} else {
			const { failure } = result;
			// An adaptive schedule's budget counts the time of failed answers too.
			plan.answered(clock.now(), queriedAt);
			// A query whose limit was cut to the time left did not fail: the Timeout ran out.
			if (failure.kind === 'requestTimeout' && failure.timeoutMs < settings.requestTimeoutMs) {
				return { kind: 'timedOut', lastAnswer, lastFailure, polls };
			}
			answered ||= !isConnectionFailure(failure);
			const unreadable = failure.kind === 'invalidBody' && failure.httpCode < 300;
			unreadableInARow = unreadable ? unreadableInARow + 1 : 0;
			if (!isTransient(failure) || unreadableInARow >= MAX_UNREADABLE_ANSWERS)
				return { kind: 'failed', failure, polls };
			lastFailure = failure;
			failuresInARow++;
			earliest = backoffDelay(settings.pollIntervalMs, failuresInARow, failure, 0);
			delay = backoffDelay(settings.pollIntervalMs, failuresInARow, failure);

			if (isUnreachable(failure) && !answered && !settings.apiAnsweredElsewhere?.()) {
				// A name that does not exist on the first query is mistyped: say so now. After a query
				// that resolved it (refused, reset, a TLS fault), it is a DNS outage: held to the bound.
				if (isUnknownHost(failure) && polls === 1) return { kind: 'failed', failure, polls };
				unreachableSince ??= queriedAt;
				const giveUpAt = unreachableSince + settings.unreachableAfterMs;
				if (clock.now() >= giveUpAt) return { kind: 'failed', failure, polls };
				// The last retry comes at the bound, even within the poll interval: a connection that
				// cannot be made never reaches Yunwu.
				const retryBy = giveUpAt - clock.now();
				earliest = Math.min(earliest, retryBy);
				delay = Math.min(delay, retryBy);
			} else {
				unreachableSince = undefined;
			}

			const asked = retryAfterOf(failure);
			const leftNow = deadline - clock.now();
			if (asked && asked.retryAfterMs >= leftNow) {
				return {
					kind: 'timedOut',
					lastAnswer,
					lastFailure,
					polls,
					early: { reason: 'retryAfter', failure: asked, leftMs: leftNow },
				};
			}
		}

		// A query that could only go out at or after the deadline is not made: querying early
		// would break the poll interval (or the API's Retry-After). Jitter never pushes one past it.
		const now = clock.now();
		if (now + earliest >= deadline) return { kind: 'timedOut', lastAnswer, lastFailure, polls };
		await clock.pause(now + delay < deadline ? delay : earliest, signal);
	}
}

/**
 * Sleeps until the schedule's next query, planning again every `replanAfterMs` (a sibling may
 * complete meanwhile and move it). False when that query could only go out at or after the deadline.
 */
async function sleepUntilNextQuery(
	plan: QuerySchedule,
	clock: WaitClock,
	deadline: number,
	signal: AbortSignal,
): Promise<boolean> {
	for (;;) {
		const now = clock.now();
		const next = plan.nextQueryAt(deadline);
		if (next >= deadline) return false;
		const wait = Math.max(0, next - now);
		const step = plan.replanAfterMs();
		if (step === undefined || wait <= step) {
			if (wait > 0) await clock.pause(wait, signal);
			return true;
		}
		await clock.pause(step, signal);
		if (signal.aborted) return true;
	}
}
