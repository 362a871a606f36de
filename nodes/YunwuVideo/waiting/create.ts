import {
	createVerdictOf,
	retryAfterOf,
	type ApiFailure,
	type ApiResult,
	type RetryAfter,
} from '../transport/failure';
import { pause } from '../transport/pause';

/** Tries for a create refused before anything was created (429, connection refused). */
const CREATE_ATTEMPTS = 3;

/** A create that failed: how (`failure`), and where the item's Timeout cut its retries short. */
export type FailedCreate =
	| Extract<ApiResult<never>, { ok: false }>
	/** Refused (429) with a Retry-After longer than the time the item's Timeout leaves for retrying. */
	| { ok: false; failure: RetryAfter; timeLeftMs: number }
	/** A retry unanswered within what was left of the item's Timeout (`timeoutMs`): the task may exist. */
	| { ok: false; failure: ApiFailure; cutAtTimeoutMs: number };

type CreateOutcome<T> = Extract<ApiResult<T>, { ok: true }> | FailedCreate;

/**
 * Sends a create, retrying only refusals that prove nothing was created (honouring Retry-After):
 * an unclear failure could hide a task, and a retry would create and charge a second one. Retries
 * happen within the item's Timeout: a pause that would end past it ends the retries at once.
 */
export async function createWithSafeRetries<T>(
	create: (requestTimeoutMs: number) => Promise<ApiResult<T>>,
	{ requestTimeoutMs, timeoutMs }: { requestTimeoutMs: number; timeoutMs: number },
	signal: AbortSignal,
): Promise<CreateOutcome<T>> {
	const deadline = Date.now() + timeoutMs;
	for (let attempt = 1; ; attempt++) {
		// A retry gets at most what is left of Timeout, as a query does: it must not outlive the item.
		const limitMs =
			attempt === 1 ? requestTimeoutMs : Math.min(requestTimeoutMs, deadline - Date.now());
		const created = await create(limitMs);
		if (!created.ok && created.failure.kind === 'requestTimeout' && limitMs < requestTimeoutMs)
			return { ...created, cutAtTimeoutMs: timeoutMs };
		// Only refusals that prove no task was created and that a moment's wait may clear (429, no connection).
		if (created.ok || createVerdictOf(created.failure) !== 'retry' || attempt >= CREATE_ATTEMPTS)
			return created;
		const asked = retryAfterOf(created.failure);
		const delay = asked?.retryAfterMs ?? 1_000 * 2 ** (attempt - 1);
		const left = deadline - Date.now();
		if (delay >= left) return asked ? { ok: false, failure: asked, timeLeftMs: left } : created;
		await pause(delay, signal);
		if (signal.aborted || deadline <= Date.now()) return created;
	}
}
