import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import {
	credentialsFor,
	itemsWithIds,
	runNode,
	storedSha256,
	useYunwuServer,
} from '../support/harness/n8n';
import { fileSha256, type TaskScript } from '../support/server/yunwu-server';

// Items often repeat a task id (a Merge, a retry, a fan-out): each distinct task is polled once
// per interval and its video fetched once, while every item still gets its own output item.
const yunwu = useYunwuServer();

let counter = 0;
const newTask = (script: Omit<TaskScript, 'id'>) =>
	yunwu().addTask({ id: `grok:d${++counter}`, ...script });

const FAST = { pollInterval: 0.02, timeout: 5, requestTimeout: 1 };

function waitFor(
	items: INodeExecutionData[],
	options: Record<string, unknown> = {},
	extra: Record<string, unknown> = {},
	continueOnFail = false,
) {
	return runNode({
		parameters: {
			operation: 'waitUntilComplete',
			taskId: '={{ $json.id }}',
			options: { ...FAST, ...options },
			...extra,
		},
		items,
		credentials: credentialsFor(yunwu()),
		continueOnFail,
	});
}

const downloadsOf = (id: string) =>
	yunwu()
		.fileRequests()
		.filter((entry) => entry.path === yunwu().videoOf(id).path).length;
const queryTimes = (id: string) =>
	yunwu()
		.apiRequests(id)
		.map((entry) => entry.at);

describe('Wait Until Complete: items with the same task', () => {
	test('50 items of one task: one query per poll interval, one download, 50 outputs each paired and holding the whole video', async () => {
		const id = newTask({
			processingPolls: 3,
			end: 'completed',
			video: { size: 200_000 },
			extraFields: { meta: { tags: ['cat'] } },
		});

		const run = await waitFor(itemsWithIds(Array.from({ length: 50 }, () => id)), {
			pollInterval: 0.1,
		});

		expect(run.status).toBe('success');
		const times = queryTimes(id);
		expect(times).toHaveLength(4);
		for (const [index, at] of times.slice(1).entries())
			expect(at - times[index]).toBeGreaterThanOrEqual(95);
		expect(downloadsOf(id)).toBe(1);
		const items = run.items!;
		expect(items).toHaveLength(50);
		const expected = fileSha256(yunwu().videoOf(id));
		for (const [index, item] of items.entries()) {
			expect(item.pairedItem).toEqual({ item: index });
			expect(item.json).toMatchObject({ task_id: id, state: 'completed', polls: 4 });
			expect(item.binary!.data.bytes).toBe(200_000);
			expect(await storedSha256(item.binary!.data)).toBe(expected);
		}
		// One stored file, referenced by every item.
		expect(new Set(items.map((item) => item.binary!.data.id)).size).toBe(1);
		// Independent items: a later node changing one item changes no other.
		(items[0].json.meta as { tags: string[] }).tags.push('changed');
		items[0].json.state = 'changed';
		items[0].binary!.data.fileName = 'changed.mp4';
		expect(items[1].json).toMatchObject({ state: 'completed', meta: { tags: ['cat'] } });
		expect(items[1].binary!.data.fileName).toBe('grok_' + id.slice(5) + '.mp4');
	});

	test("3 tasks across 10 interleaved items: 3 poll loops, 3 downloads, each item gets its own task's video", async () => {
		const tasks = [1, 2, 3].map((polls) =>
			newTask({ processingPolls: polls, end: 'completed', video: { size: 10_000 * polls } }),
		);
		const ids = Array.from({ length: 10 }, (_, index) => tasks[index % 3]);

		const run = await waitFor(itemsWithIds(ids));

		expect(run.status).toBe('success');
		tasks.forEach((id, index) => {
			expect(yunwu().apiRequests(id)).toHaveLength(index + 2);
			expect(downloadsOf(id)).toBe(1);
		});
		for (const [index, item] of run.items!.entries()) {
			expect(item.pairedItem).toEqual({ item: index });
			expect(item.json.task_id).toBe(ids[index]);
			expect(await storedSha256(item.binary!.data)).toBe(fileSha256(yunwu().videoOf(ids[index])));
		}
	});

	test('Max Tasks at Once counts tasks: items waiting on a task already polled take no place', async () => {
		const [a, b] = [
			newTask({ readyAfterMs: 300, end: 'completed' }),
			newTask({ readyAfterMs: 300, end: 'completed' }),
		];

		const run = await waitFor(
			itemsWithIds([a, a, a, b]),
			{ pollInterval: 0.05, maxConcurrent: 2 },
			{ downloadVideo: false },
		);

		expect(run.items).toHaveLength(4);
		// Both tasks fit in two places: b is polled from the start, not after a's items are done.
		expect(Math.abs(queryTimes(b)[0] - queryTimes(a)[0])).toBeLessThan(150);
		expect(yunwu().apiRequests(a).length).toBeLessThanOrEqual(yunwu().apiRequests(b).length + 1);
	});

	test('Continue On Fail: every item of a failing task gets its own error item, from one poll loop', async () => {
		const failing = newTask({
			processingPolls: 1,
			end: 'failed',
			failure: { code: 'nsfw', message: 'NSFW content detected' },
		});
		const ok = newTask({ processingPolls: 1, end: 'completed', video: { size: 3000 } });
		const ids = [failing, ok, failing, failing, ok, failing];

		const run = await waitFor(itemsWithIds(ids), {}, {}, true);

		expect(run.status).toBe('success');
		expect(yunwu().apiRequests(failing)).toHaveLength(2);
		expect(downloadsOf(ok)).toBe(1);
		for (const [index, item] of run.items!.entries()) {
			expect(item.pairedItem).toEqual({ item: index });
			expect(item.json.task_id).toBe(ids[index]);
			if (ids[index] === ok) {
				expect(item.binary!.data.bytes).toBe(3000);
				continue;
			}
			expect(item.json.error).toBe(
				`Task "${failing}" failed on Yunwu (status "failed"): NSFW content detected (nsfw). Check the prompt and model, then create a new task.`,
			);
			expect((item.json.task as IDataObject).state).toBe('failed');
		}
		// Error items are independent too.
		((run.items![0].json.task as IDataObject).error as IDataObject).code = 'changed';
		expect((run.items![2].json.task as IDataObject).error).toEqual({
			code: 'nsfw',
			message: 'NSFW content detected',
		});
	});

	test('one poll loop per task and wait settings; each item applies its own On Timeout to it', async () => {
		const id = newTask({ pendingPolls: 1000 });
		const items = [
			{ json: { id, pollInterval: 0.05, onTimeout: 'fail' } },
			{ json: { id, pollInterval: 0.05, onTimeout: 'outputLastStatus' } },
			// Another poll interval is another wait: its own loop, which has time for one query.
			{ json: { id, pollInterval: 10, onTimeout: 'fail' } },
		];
		const options = {
			pollInterval: '={{ $json.pollInterval }}',
			onTimeout: '={{ $json.onTimeout }}',
			timeout: 0.3,
		};

		const run = await waitFor(items, options, {}, true);

		const [failed, lastStatus, own] = run.items!;
		expect(failed.json).toMatchObject({
			task_id: id,
			error: expect.stringContaining('did not finish within 0.3 s'),
		});
		expect(lastStatus.json).toMatchObject({ task_id: id, state: 'pending', timed_out: true });
		const polls = (failed.json.task as IDataObject).polls as number;
		expect(polls).toBeGreaterThanOrEqual(3);
		expect(lastStatus.json.polls).toBe(polls);
		expect((own.json.task as IDataObject).polls).toBe(1);
		expect(yunwu().apiRequests(id)).toHaveLength(polls + 1);
	});

	test('items on one task with different Polling each run their own poll loop', async () => {
		const id = newTask({ pendingPolls: 1000 });
		const items = [{ json: { id, polling: 'fixed' } }, { json: { id, polling: 'adaptive' } }];
		const options = {
			pollInterval: 0.05,
			polling: '={{ $json.polling }}',
			timeout: 0.3,
			onTimeout: 'outputLastStatus',
		};

		const run = await waitFor(items, options);

		const [fixed, adaptive] = run.items!;
		expect(fixed.json).toMatchObject({ task_id: id, timed_out: true });
		expect(adaptive.json).toMatchObject({ task_id: id, timed_out: true });
		// Two loops: the task was queried for each item (one shared loop: only as often as each says).
		expect(yunwu().apiRequests(id)).toHaveLength(
			(fixed.json.polls as number) + (adaptive.json.polls as number),
		);
	});

	test('Create items answered with one task at different moments share its poll loop (the key holds the Timeout as set, not what is left of it)', async () => {
		const id = newTask({ processingPolls: 2, end: 'completed', video: { size: 5000 } });
		const answer = `{"id":"${id}","status":"pending"}`;
		// The second create's answer takes about 100 ms longer: its item starts waiting later.
		yunwu().createFaults.push(
			{ type: 'status', code: 200, body: answer },
			{ type: 'trickle', intervalMs: 20, ticks: 5, body: answer },
		);
		const run = await runNode({
			parameters: {
				operation: 'create',
				model: 'grok-video-3',
				prompt: 'x',
				options: { pollInterval: 0.3, timeout: 5 },
			},
			items: [{ json: {} }, { json: {} }],
			credentials: credentialsFor(yunwu()),
		});

		expect(run.status).toBe('success');
		expect(run.items!.map((item) => item.json.task_id)).toEqual([id, id]);
		// One loop: processing, processing, completed (two loops queried it four times or more).
		expect(yunwu().apiRequests(id)).toHaveLength(3);
		expect(downloadsOf(id)).toBe(1);
	});

	test('items that put the video in different binary fields share one download', async () => {
		const id = newTask({ processingPolls: 1, end: 'completed', video: { size: 5000 } });
		const items = [{ json: { id, field: 'data' } }, { json: { id, field: 'video' } }];

		const run = await waitFor(items, {}, { binaryPropertyName: '={{ $json.field }}' });

		expect(downloadsOf(id)).toBe(1);
		const [first, second] = run.items!;
		expect(Object.keys(first.binary!)).toEqual(['data']);
		expect(Object.keys(second.binary!)).toEqual(['video']);
		expect(second.binary!.video.id).toBe(first.binary!.data.id);
		expect(await storedSha256(second.binary!.video)).toBe(fileSha256(yunwu().videoOf(id)));
	});
});

describe('Query: items with the same task', () => {
	test('one query and one download per distinct task; every item gets its own output', async () => {
		const [a, b] = [
			newTask({ end: 'completed', video: { size: 4000 } }),
			newTask({ processingPolls: 5 }),
		];
		const ids = [a, b, a, a, b];

		const run = await runNode({
			parameters: { operation: 'query', taskId: '={{ $json.id }}', downloadVideo: true },
			items: itemsWithIds(ids),
			credentials: credentialsFor(yunwu()),
		});

		expect(yunwu().apiRequests(a)).toHaveLength(1);
		expect(yunwu().apiRequests(b)).toHaveLength(1);
		expect(downloadsOf(a)).toBe(1);
		for (const [index, item] of run.items!.entries()) {
			expect(item.pairedItem).toEqual({ item: index });
			expect(item.json).toMatchObject({
				task_id: ids[index],
				state: ids[index] === a ? 'completed' : 'processing',
			});
			expect(item.binary?.data.bytes).toBe(ids[index] === a ? 4000 : undefined);
		}
	});
});
