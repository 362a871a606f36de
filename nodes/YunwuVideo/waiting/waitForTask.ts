import type { ApiFailure, ApiResult } from '../transport/failure';
import { isTransient } from '../transport/failure';
import type { TaskAnswer } from '../task/schema';
import { isFinalState, toTaskState } from '../task/state';
import { pause } from './pause';

export interface WaitSettings {
	pollIntervalMs: number;
	timeoutMs: number;
	/** Limit for one query; the last query before the deadline gets what is left, but at least a second. */
	requestTimeoutMs: number;
	/** Pause before the first query: a task created a moment ago cannot be done yet. 0 queries at once. */
	firstQueryAfterMs?: number;
}

export type WaitOutcome =
	| { kind: 'finished'; answer: TaskAnswer; polls: number }
	| { kind: 'timedOut'; lastAnswer?: TaskAnswer; lastFailure?: ApiFailure; polls: number }
	| { kind: 'failed'; failure: ApiFailure; polls: number }
	| { kind: 'cancelled'; polls: number };

export interface WaitClock {
	now(): number;
	pause(ms: number, signal: AbortSignal): Promise<void>;
}

const realClock: WaitClock = { now: () => Date.now(), pause };

/** Retries after transient faults back off from the poll interval, doubling up to this cap. */
const MAX_BACKOFF_MS = 60_000;
/** Shortest time limit for one query, so a query just before the deadline can still succeed. */
const MIN_REQUEST_MS = 1_000;
/**
 * Successful (2xx) answers that are not a task, in a row, before the wait gives up: one may be a
 * gateway hiccup, a run of them is a Base URL pointing at a web site.
 */
const MAX_UNREADABLE_ANSWERS = 3;

/** The delay before retrying after `failures` transient faults in a row; never under the poll interval. */
export function backoffDelay(pollIntervalMs: number, failures: number, failure: ApiFailure, jitter = Math.random()): number {
	const doubled = pollIntervalMs * 2 ** Math.min(failures - 1, 16);
	const capped = Math.max(pollIntervalMs, Math.min(doubled, MAX_BACKOFF_MS));
	// Upward jitter only, so many items retrying after one outage spread out without polling faster.
	const delay = capped * (1 + 0.2 * jitter);
	return failure.kind === 'rateLimited' && failure.retryAfterMs !== undefined ? Math.max(delay, failure.retryAfterMs) : delay;
}

/**
 * Polls one task until it is completed or failed. The first query goes out at once (or after
 * `firstQueryAfterMs` for a task just created); after a final
 * answer there is no further sleep. Between queries it waits the poll interval, or longer after a
 * transient fault (5xx, HTML page, dropped or hung connection, 429 and its Retry-After). Faults that
 * concern the task or the key (401, 403, 404, unknown task) end the wait at once.
 */
export async function waitForTask(
	query: (requestTimeoutMs: number) => Promise<ApiResult<TaskAnswer>>,
	settings: WaitSettings,
	signal: AbortSignal,
	clock: WaitClock = realClock,
): Promise<WaitOutcome> {
	const deadline = clock.now() + settings.timeoutMs;
	let polls = 0;
	let failuresInARow = 0;
	let unreadableInARow = 0;
	let lastAnswer: TaskAnswer | undefined;
	let lastFailure: ApiFailure | undefined;

	const firstPause = Math.min(settings.firstQueryAfterMs ?? 0, settings.timeoutMs);
	if (firstPause > 0) await clock.pause(firstPause, signal);

	for (;;) {
		if (signal.aborted) return { kind: 'cancelled', polls };
		const remaining = deadline - clock.now();
		const requestTimeoutMs = Math.min(settings.requestTimeoutMs, Math.max(remaining, MIN_REQUEST_MS));
		const result = await query(requestTimeoutMs);
		polls++;
		if (signal.aborted) return { kind: 'cancelled', polls };

		let delay: number;
		if (result.ok) {
			lastAnswer = result.value;
			lastFailure = undefined;
			failuresInARow = 0;
			unreadableInARow = 0;
			if (isFinalState(toTaskState(result.value.status))) return { kind: 'finished', answer: result.value, polls };
			delay = settings.pollIntervalMs;
		} else {
			const unreadable = result.failure.kind === 'invalidBody' && result.failure.httpCode < 300;
			unreadableInARow = unreadable ? unreadableInARow + 1 : 0;
			if (!isTransient(result.failure) || unreadableInARow >= MAX_UNREADABLE_ANSWERS) {
				return { kind: 'failed', failure: result.failure, polls };
			}
			lastFailure = result.failure;
			failuresInARow++;
			delay = backoffDelay(settings.pollIntervalMs, failuresInARow, result.failure);
		}

		// A query that could only go out after the deadline is not made: querying early at the
		// deadline would break the poll interval (or the API's Retry-After).
		if (clock.now() + delay > deadline) {
			return { kind: 'timedOut', lastAnswer, lastFailure, polls };
		}
		await clock.pause(delay, signal);
	}
}
