import type { IExecuteFunctions } from 'n8n-workflow';

import { downloadOnce, type DownloadRequest, type DownloadResult } from '../transport/downloader';
import { isRetryableDownload } from '../transport/failure';
import { pause } from '../transport/pause';
import type { SharedWork } from './shared';
import { MAX_BACKOFF_MS } from './waitForTask';

interface RetryPolicy {
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
async function downloadWithRetries(
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

/** The item asking for a file: the node run's context and shared work, its task, and its own signal. */
interface Asker {
	context: IExecuteFunctions;
	shared: SharedWork;
	taskId: string;
	signal: AbortSignal;
}

/**
 * `downloadWithRetries`, done once per node run for all items that ask for the same file with the
 * same limits: they all get the one stored copy.
 */
export async function downloadShared(
	{ context, shared, taskId, signal: askerSignal }: Asker,
	file: Omit<DownloadRequest, 'taskId' | 'signal'>,
	policy: RetryPolicy,
): Promise<DownloadResult & { attempts: number }> {
	// Everything that shapes the download but the asker's own signal: the task, the URL, the limits, the tries.
	const key = JSON.stringify(['download', taskId, file, policy]);
	const result = await shared.join(
		key,
		askerSignal,
		async (signal) => await downloadWithRetries(context, { ...file, taskId, signal }, policy),
	);
	return result ?? { ok: false, failure: { kind: 'cancelled' }, attempts: 0 };
}
