import * as workflow from 'n8n-workflow';
import { sleep } from 'n8n-workflow';

// The one way node code waits. It sits in transport/, the lowest layer that waits (the downloader's
// speed and stall checks), so waiting/ and actions/ build on it without importing upwards.

type SleepWithAbort = (ms: number, signal?: AbortSignal) => Promise<void>;

/**
 * n8n-workflow exports `sleepWithAbort` in 1.120+ and 2.41+, but not in 2.40 (inside n8n 2.40.x):
 * importing it by name would crash the node there, so it is looked up on the module.
 */
const sleepWithAbort = (workflow as { sleepWithAbort?: SleepWithAbort }).sleepWithAbort;

/** The longest timer Node.js runs (about 24.8 days): a longer one fires after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Waits `ms`, or less when `signal` aborts: stopping an execution must not wait out a poll interval.
 * Never rejects; callers check `signal.aborted` afterwards.
 */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
	const endsAt = Date.now() + ms;
	for (let left = ms; left > 0 && !signal.aborted; left = endsAt - Date.now())
		await pauseOnce(Math.min(left, MAX_TIMER_MS), signal);
}

/** One timer's worth of `pause`. */
async function pauseOnce(ms: number, signal: AbortSignal): Promise<void> {
	if (sleepWithAbort) {
		// sleepWithAbort leaves its listener on the signal when the time runs out; give it a
		// signal of its own, relayed from ours, so a long wait does not pile up listeners.
		const own = new AbortController();
		const relay = () => own.abort();
		signal.addEventListener('abort', relay, { once: true });
		await sleepWithAbort(ms, own.signal).catch(() => undefined);
		signal.removeEventListener('abort', relay);
		return;
	}
	// `sleep` cannot be cancelled, so sleep in short slices: after an abort no timer lingers
	// longer than one slice, and the abort itself is answered at once through the listener.
	const endsAt = Date.now() + ms;
	await new Promise<void>((resolve) => {
		const onAbort = () => resolve();
		signal.addEventListener('abort', onAbort, { once: true });
		const next = (): void => {
			const left = endsAt - Date.now();
			if (signal.aborted) return;
			if (left <= 0) {
				signal.removeEventListener('abort', onAbort);
				return resolve();
			}
			void sleep(Math.min(left, FALLBACK_SLICE_MS)).then(next);
		};
		next();
	});
}

/** Longest single timer of the fallback sleep. */
const FALLBACK_SLICE_MS = 500;

/**
 * `work`'s result, or undefined as soon as `signal` aborts: a stopped execution does not wait for a
 * request still in flight (it ends on its own time limit, its answer unused).
 */
export async function untilAborted<T>(
	work: Promise<T>,
	signal: AbortSignal,
): Promise<T | undefined> {
	if (signal.aborted) return undefined;
	let onAbort = () => undefined as void;
	const aborted = new Promise<undefined>((resolve) => {
		onAbort = () => resolve(undefined);
		signal.addEventListener('abort', onAbort, { once: true });
	});
	try {
		return await Promise.race([work, aborted]);
	} finally {
		signal.removeEventListener('abort', onAbort);
	}
}
