import * as workflow from 'n8n-workflow';
import { sleep } from 'n8n-workflow';

type SleepWithAbort = (ms: number, signal?: AbortSignal) => Promise<void>;

/**
 * n8n-workflow exports `sleepWithAbort` in 1.120+ and 2.41+, but not in 2.40 (inside n8n 2.40.x):
 * importing it by name would crash the node there, so it is looked up on the module.
 */
const sleepWithAbort = (workflow as { sleepWithAbort?: SleepWithAbort }).sleepWithAbort;

/**
 * Waits `ms`, or less when `signal` aborts: stopping an execution must not wait out a poll interval.
 * Never rejects; callers check `signal.aborted` afterwards.
 */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
	if (signal.aborted || ms <= 0) return;
	if (sleepWithAbort) {
		await sleepWithAbort(ms, signal).catch(() => undefined);
		return;
	}
	await new Promise<void>((resolve) => {
		const onAbort = () => resolve();
		signal.addEventListener('abort', onAbort, { once: true });
		void sleep(ms).then(() => {
			signal.removeEventListener('abort', onAbort);
			resolve();
		});
	});
}
