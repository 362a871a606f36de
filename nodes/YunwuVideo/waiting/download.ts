import type { IExecuteFunctions } from 'n8n-workflow';

import { downloadOnce, type DownloadRequest, type DownloadResult } from '../transport/downloader';
import { isRetryableDownload } from '../transport/failure';
import { pause } from '../transport/pause';
import type { SharedWork } from './shared';
import { MAX_BACKOFF_MS } from './waitForTask';

export interface RetryPolicy {
	attempts: number;
	/** Pause before the second attempt; it doubles for each further one, up to MAX_BACKOFF_MS. */
	firstDelayMs: number;
}

/** The pause after failed attempt `attempt` (1, 2, …): doubling, and never longer than the waits' own cap. */
export function downloadRetryDelay(firstDelayMs: number, attempt: number): number {
	return Math.min(firstDelayMs * 2 ** (attempt - 1), MAX_BACKOFF_MS);
}

/**
 * Downloads a file, retrying a break-off, a short file, a 5xx or a stalled connection. A partial
 * file is never handed on: each attempt stores a fresh copy and only a whole one is returned.
 */
export async function downloadWithRetries(
	context: IExecuteFunctions,
	request: DownloadRequest,
	policy: RetryPolicy,
): Promise<DownloadResult & { attempts: number }> {
	for (let attempt = 1; ; attempt++) {
		const result = await downloadOnce(context, request);
		if (result.ok || !isRetryableDownload(result.failure) || attempt >= policy.attempts)
			return { ...result, attempts: attempt };
		await pause(downloadRetryDelay(policy.firstDelayMs, attempt), request.signal);
		if (request.signal.aborted)
			return { ok: false, failure: { kind: 'cancelled' }, attempts: attempt };
	}
}

/**
 * `downloadWithRetries`, done once per node run for all items that ask for the same file with the
 * same limits: they all get the one stored copy.
 */
export async function downloadShared(
	context: IExecuteFunctions,
	shared: SharedWork,
	request: DownloadRequest,
	policy: RetryPolicy,
): Promise<DownloadResult & { attempts: number }> {
	// Everything that shapes the download but the caller's own signal: the URL, the limits, the tries.
	const { signal: callerSignal, ...file } = request;
	const key = JSON.stringify(['download', file, policy]);
	const result = await shared.join(
		key,
		callerSignal,
		async (signal) => await downloadWithRetries(context, { ...file, signal }, policy),
	);
	return result ?? { ok: false, failure: { kind: 'cancelled' }, attempts: 0 };
}
