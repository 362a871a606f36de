/** The five states every Yunwu status is reduced to, whatever upstream model produced it. */
export type TaskState = 'pending' | 'processing' | 'completed' | 'failed' | 'unknown';

// A Map, not an object literal: a status such as "constructor" must not find a built-in property.
const STATES_BY_STATUS: ReadonlyMap<string, TaskState> = new Map(
	Object.entries({
		// queued-like
		pending: 'pending',
		queued: 'pending',
		queueing: 'pending',
		in_queue: 'pending',
		submitted: 'pending',
		not_start: 'pending',
		not_started: 'pending',
		preparing: 'pending', // MiniMax (Hailuo)
		created: 'pending', // Vidu
		// running-like; video_generation_completed still waits for upscaling
		processing: 'processing',
		in_progress: 'processing',
		running: 'processing',
		generating: 'processing',
		image_downloading: 'processing',
		video_generating: 'processing',
		video_upsampling: 'processing',
		video_generation_completed: 'processing',
		// success
		completed: 'completed',
		success: 'completed',
		succeeded: 'completed',
		succeed: 'completed',
		video_upsampling_completed: 'completed',
		done: 'completed', // Jimeng: without a video it fails as a completed task without one does
		// failure, including tasks that were stopped and will never deliver
		failed: 'failed',
		failure: 'failed',
		error: 'failed',
		video_generation_failed: 'failed',
		video_upsampling_failed: 'failed',
		cancelled: 'failed',
		canceled: 'failed',
		fail: 'failed', // MiniMax (Hailuo)
		expired: 'failed', // Jimeng: the task is gone
		not_found: 'failed', // Jimeng: the task is unknown upstream
	} satisfies Record<string, TaskState>),
);

/**
 * Maps an API status to a state, case- and separator-insensitively ("In Progress",
 * "IN-PROGRESS" and "in_progress" are one status). Anything unrecognised is `unknown`:
 * never mistaken for success, and never final, so a wait keeps polling until its timeout.
 */
export function toTaskState(status: unknown): TaskState {
	if (typeof status !== 'string' && typeof status !== 'number') return 'unknown';
	return STATES_BY_STATUS.get(statusKey(status)) ?? 'unknown';
}

/** A status word as the node compares it: "In Progress", "IN-PROGRESS" and "in_progress" are one. */
export function statusKey(status: unknown): string {
	return String(status)
		.trim()
		.toLowerCase()
		.replace(/[\s-]+/g, '_');
}

export function isFinalState(state: TaskState): state is 'completed' | 'failed' {
	return state === 'completed' || state === 'failed';
}
