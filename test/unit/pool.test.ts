import { runPool } from '../../nodes/YunwuVideo/waiting/pool';

interface Deferred {
	promise: Promise<void>;
	resolve(): void;
	reject(error: unknown): void;
}

function deferred(): Deferred {
	let resolve!: () => void;
	let reject!: (error: unknown) => void;
	const promise = new Promise<void>((res, rej) => {
		resolve = res;
		reject = rej;
	});
	return { promise, resolve, reject };
}

/** Lets every pending promise callback run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Tasks that finish only when the test says so, recording starts and concurrency. */
function controlledTasks() {
	const started: number[] = [];
	const pending = new Map<number, Deferred>();
	let running = 0;
	let mostAtOnce = 0;
	const task = (index: number): Promise<void> => {
		started.push(index);
		running++;
		mostAtOnce = Math.max(mostAtOnce, running);
		const gate = deferred();
		pending.set(index, gate);
		return gate.promise.finally(() => {
			running--;
		});
	};
	return {
		task,
		started,
		running: () => running,
		mostAtOnce: () => mostAtOnce,
		finish: (index: number) => pending.get(index)!.resolve(),
		fail: (index: number, error: unknown) => pending.get(index)!.reject(error),
	};
}

describe('runPool', () => {
	test('resolves at once for count 0 without calling the task', async () => {
		const task = jest.fn(async () => undefined);
		await expect(runPool(0, 3, task)).resolves.toBeUndefined();
		expect(task).not.toHaveBeenCalled();
	});

	test('starts exactly `limit` tasks, in index order, and the next one only when one finishes', async () => {
		const tasks = controlledTasks();
		let done = false;
		const pool = runPool(5, 2, tasks.task).then(() => {
			done = true;
		});
		await settle();
		expect(tasks.started).toEqual([0, 1]);
		expect(tasks.running()).toBe(2);

		tasks.finish(1);
		await settle();
		expect(tasks.started).toEqual([0, 1, 2]);
		expect(tasks.running()).toBe(2);

		tasks.finish(0);
		tasks.finish(2);
		await settle();
		expect(tasks.started).toEqual([0, 1, 2, 3, 4]);
		expect(done).toBe(false);

		tasks.finish(4);
		await settle();
		expect(done).toBe(false);
		tasks.finish(3);
		await pool;
		expect(done).toBe(true);
		expect(tasks.mostAtOnce()).toBe(2);
	});

	test.each([
		[10, 1],
		[10, 3],
		[7, 7],
		[3, 10],
		[25, 4],
	])(
		'count %i, limit %i: never more than the limit at once, every index run exactly once',
		async (count, limit) => {
			const started: number[] = [];
			let running = 0;
			let mostAtOnce = 0;
			await runPool(count, limit, async (index) => {
				started.push(index);
				running++;
				mostAtOnce = Math.max(mostAtOnce, running);
				// Uneven durations so tasks finish out of order.
				await new Promise((resolve) => setTimeout(resolve, (index * 7) % 5));
				running--;
			});
			expect(mostAtOnce).toBe(Math.min(count, limit));
			expect(running).toBe(0);
			expect(started).toEqual(Array.from({ length: count }, (_, index) => index));
		},
	);

	test('resolves only after the last task is done', async () => {
		const finished: number[] = [];
		await runPool(4, 2, async (index) => {
			await new Promise((resolve) => setTimeout(resolve, 5 - index));
			finished.push(index);
		});
		expect([...finished].sort()).toEqual([0, 1, 2, 3]);
	});

	test('rejects with the first error and starts no new task afterwards', async () => {
		const tasks = controlledTasks();
		const first = new Error('first');
		const pool = runPool(6, 2, tasks.task);
		const outcome = pool.then(
			() => 'resolved',
			(error: unknown) => error,
		);
		await settle();
		expect(tasks.started).toEqual([0, 1]);

		tasks.fail(0, first);
		await settle();
		expect(await outcome).toBe(first);
		expect(tasks.started).toEqual([0, 1]);

		// The task still running finishes (or fails) later: nothing new starts, the error stays the first.
		tasks.finish(1);
		await settle();
		expect(tasks.started).toEqual([0, 1]);
		await expect(pool).rejects.toBe(first);
	});

	test('a later second error does not replace the first', async () => {
		const tasks = controlledTasks();
		const pool = runPool(4, 3, tasks.task);
		const caught = pool.catch((error: unknown) => error);
		await settle();
		tasks.fail(2, new Error('first'));
		tasks.fail(0, new Error('second'));
		await settle();
		expect(((await caught) as Error).message).toBe('first');
		expect(tasks.started).toEqual([0, 1, 2]);
	});

	test('an error in a later task, with limit 1, stops the remaining indexes', async () => {
		const started: number[] = [];
		const error = new Error('task 2 failed');
		await expect(
			runPool(6, 1, async (index) => {
				started.push(index);
				if (index === 2) throw error;
			}),
		).rejects.toBe(error);
		await settle();
		expect(started).toEqual([0, 1, 2]);
	});

	test('rejects with non-Error values as given', async () => {
		await expect(runPool(1, 1, () => Promise.reject('plain string'))).rejects.toBe('plain string');
	});
});
