import type { WaitClock } from '../../nodes/YunwuVideo/waiting/waitForTask';

/**
 * Virtual time for several waits at once: each pause is a timer, and `run` jumps from the earliest
 * timer to the next, letting every loop react in between. Nothing really sleeps.
 */
export class VirtualClock implements WaitClock {
	time = 1_764_756_000_000;
	readonly startedAt = this.time;
	private timers: Array<{ at: number; order: number; wake: () => void }> = [];
	private order = 0;

	now(): number {
		return this.time;
	}

	async pause(ms: number, signal: AbortSignal): Promise<void> {
		expect(signal).toBeInstanceOf(AbortSignal);
		await new Promise<void>((wake) =>
			this.timers.push({ at: this.time + ms, order: this.order++, wake }),
		);
	}

	/** Milliseconds since the clock was made. */
	elapsed(): number {
		return this.time - this.startedAt;
	}

	/** Runs virtual time until `work` settles. */
	async run<T>(work: Promise<T>): Promise<T> {
		let settled = false;
		const watched = work.finally(() => (settled = true));
		for (;;) {
			await new Promise((resolve) => setImmediate(resolve));
			if (settled) return await watched;
			this.timers.sort((a, b) => a.at - b.at || a.order - b.order);
			const next = this.timers.shift();
			if (!next) throw new Error('nothing left to wait for, but the work is not done');
			this.time = Math.max(this.time, next.at);
			next.wake();
		}
	}
}
