import { BatchBoard } from './batch';

interface Entry {
	result: Promise<unknown>;
	/** Aborts the work once no caller needs it any more. */
	controller: AbortController;
	callers: number;
	settled: boolean;
}

/**
 * Work that several items of one node run need and that is done once for all of them: a task's poll
 * loop, a query, a download. The first caller of a key starts the work, later callers of the same key
 * get the same result (a finished one too). The key must hold everything that changes the result.
 */
export class SharedWork {
	private readonly entries = new Map<string, Entry>();
	/** What the run's tasks of each model showed about when they complete (adaptive polling). */
	readonly batches = new BatchBoard();

	/**
	 * The result of `work` for `key`, or undefined when `signal` aborts first: a stopped caller
	 * returns at once. The work itself is aborted only when every caller waiting on it has stopped,
	 * so one item stopping never cancels work that other items still need.
	 */
	async join<T>(
		key: string,
		signal: AbortSignal,
		work: (signal: AbortSignal) => Promise<T>,
	): Promise<T | undefined> {
		if (signal.aborted) return undefined;
		const entry = this.entries.get(key) ?? this.start(key, work);
		entry.callers++;
		return await new Promise<T | undefined>((resolve, reject) => {
			const leave = () => {
				resolve(undefined);
				entry.callers--;
				if (entry.callers === 0 && !entry.settled) {
					entry.controller.abort();
					// Work that was stopped has no result to hand to a later caller.
					this.entries.delete(key);
				}
			};
			signal.addEventListener('abort', leave, { once: true });
			entry.result.then(
				(value) => {
					signal.removeEventListener('abort', leave);
					resolve(value as T);
				},
				(error: unknown) => {
					signal.removeEventListener('abort', leave);
					reject(error);
				},
			);
		});
	}

	private start(key: string, work: (signal: AbortSignal) => Promise<unknown>): Entry {
		const controller = new AbortController();
		const entry: Entry = {
			result: work(controller.signal),
			controller,
			callers: 0,
			settled: false,
		};
		const settle = () => (entry.settled = true);
		entry.result.then(settle, settle);
		this.entries.set(key, entry);
		return entry;
	}
}
