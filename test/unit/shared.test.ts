import { SharedWork } from '../../nodes/YunwuVideo/waiting/shared';

/** Work that ends only when the test says so, recording its starts and its signals. */
function controlledWork() {
	const signals: AbortSignal[] = [];
	let finish!: (value: string) => void;
	let fail!: (error: Error) => void;
	const work = (signal: AbortSignal) => {
		signals.push(signal);
		return new Promise<string>((resolve, reject) => {
			finish = resolve;
			fail = reject;
			signal.addEventListener('abort', () => resolve('stopped'));
		});
	};
	return {
		work,
		signals,
		finish: (value: string) => finish(value),
		fail: (error: Error) => fail(error),
	};
}

test('callers of one key share one run of the work and its result; another key runs its own', async () => {
	const shared = new SharedWork();
	const a = controlledWork();
	const b = controlledWork();
	const first = shared.join('a', new AbortController().signal, a.work);
	const second = shared.join('a', new AbortController().signal, a.work);
	const other = shared.join('b', new AbortController().signal, b.work);
	a.finish('done');
	b.finish('other');

	expect(await Promise.all([first, second, other])).toEqual(['done', 'done', 'other']);
	expect(a.signals).toHaveLength(1);
	// A finished result serves a later caller without running again.
	expect(await shared.join('a', new AbortController().signal, a.work)).toBe('done');
	expect(a.signals).toHaveLength(1);
});

test('one caller stopping returns at once and leaves the work running for the others', async () => {
	const shared = new SharedWork();
	const { work, signals, finish } = controlledWork();
	const stopping = new AbortController();
	const stopped = shared.join('a', stopping.signal, work);
	const staying = shared.join('a', new AbortController().signal, work);

	stopping.abort();

	expect(await stopped).toBeUndefined();
	expect(signals[0].aborted).toBe(false);
	finish('done');
	expect(await staying).toBe('done');
});

test('the work stops when every caller has stopped, and a later caller starts it afresh', async () => {
	const shared = new SharedWork();
	const { work, signals, finish } = controlledWork();
	const callers = [new AbortController(), new AbortController()];
	const joined = callers.map((caller) => shared.join('a', caller.signal, work));

	for (const caller of callers) caller.abort();

	expect(await Promise.all(joined)).toEqual([undefined, undefined]);
	expect(signals[0].aborted).toBe(true);
	const later = shared.join('a', new AbortController().signal, work);
	expect(signals).toHaveLength(2);
	finish('again');
	expect(await later).toBe('again');
});

test('a caller already stopped starts nothing; a failure of the work reaches every caller', async () => {
	const shared = new SharedWork();
	const { work, signals, fail } = controlledWork();
	const stopped = new AbortController();
	stopped.abort();

	expect(await shared.join('a', stopped.signal, work)).toBeUndefined();
	expect(signals).toHaveLength(0);
	const joined = [
		shared.join('a', new AbortController().signal, work),
		shared.join('a', new AbortController().signal, work),
	];
	fail(new Error('broken'));
	for (const caller of joined) await expect(caller).rejects.toThrow('broken');
});
