import { readFile } from 'node:fs/promises';
import { Container } from '@n8n/di';
import { BinaryDataService } from 'n8n-core';

import {
	credentialsFor,
	everythingSaid,
	itemsWithIds,
	runNode,
	startNode,
	storedSha256,
	useYunwuServer,
} from '../support/harness/n8n';
import { fileSha256, type TaskScript } from '../support/server/yunwu-server';

const yunwu = useYunwuServer();

let counter = 0;
/** A fresh task id per test, so request logs never mix between tests. */
const newTask = (script: Omit<TaskScript, 'id'>, prefix = 'grok') =>
	yunwu().addTask({ id: `${prefix}:w${++counter}`, ...script });

const FAST = { pollInterval: 0.02, timeout: 5, requestTimeout: 1 };

function waitFor(
	ids: string[],
	options: Record<string, unknown> = {},
	extra: Record<string, unknown> = {},
	continueOnFail: boolean | 'errorOutput' = false,
) {
	return runNode({
		parameters: {
			operation: 'waitUntilComplete',
			taskId: '={{ $json.id }}',
			options: { ...FAST, ...options },
			...extra,
		},
		items: itemsWithIds(ids),
		credentials: credentialsFor(yunwu()),
		continueOnFail,
	});
}

/** Gaps in ms between consecutive queries of one task. */
const gapsBetweenQueries = (taskId: string) => {
	const times = yunwu()
		.apiRequests(taskId)
		.map((entry) => entry.at);
	return times.slice(1).map((at, index) => at - times[index]);
};

describe('Wait Until Complete: lifecycles', () => {
	test('pending → processing → completed: outputs the fields and the whole video as binary data', async () => {
		const id = newTask({
			pendingPolls: 2,
			processingPolls: 2,
			end: 'completed',
			video: { size: 300_000 },
			extraFields: { enhanced_prompt: 'A cat, walking' },
		});

		const run = await waitFor([id]);

		expect(run.status).toBe('success');
		const [item] = run.items!;
		expect(item.pairedItem).toEqual({ item: 0 });
		expect(item.json).toMatchObject({
			task_id: id,
			state: 'completed',
			status: 'completed',
			progress: 100,
			enhanced_prompt: 'A cat, walking',
			video_url: yunwu().videoUrlOf(id),
			timed_out: false,
			polls: 5,
		});
		const video = item.binary!.data;
		expect(video).toMatchObject({
			mimeType: 'video/mp4',
			fileExtension: 'mp4',
			fileName: `grok_${id.slice(5)}.mp4`,
			bytes: 300_000,
		});
		expect(video.id).toMatch(/^filesystem-v2:/);
		expect(await storedSha256(video)).toBe(fileSha256(yunwu().videoOf(id)));
		expect(yunwu().apiRequests(id)).toHaveLength(5);
	});

	test("the node's own fields come first, then every field of the API's answer, each epoch time followed by its ISO twin", async () => {
		const id = newTask({ end: 'completed', video: { size: 10 } });
		const answer = await (
			await fetch(`${yunwu().apiUrl}/v1/video/query?id=${encodeURIComponent(id)}`, {
				headers: { Authorization: `Bearer ${yunwu().apiKey}` },
			})
		).json();
		const run = await waitFor([id], {}, { downloadVideo: false });
		const keys = Object.keys(run.items![0].json);
		const own = [
			'task_id',
			'state',
			'progress',
			'error_message',
			'timed_out',
			'polls',
			'waited_ms',
		];
		expect(keys.slice(0, own.length)).toEqual(own);
		// The API's own progress and error_message are read into the node's fields of that name.
		const apiKeys = Object.keys(answer as object).filter((key) => !own.includes(key));
		expect(
			keys
				.slice(own.length)
				.filter((key) => !key.endsWith('_iso'))
				.sort(),
		).toEqual(apiKeys.sort());
		for (const key of keys.filter((name) => name.endsWith('_iso')))
			expect(keys[keys.indexOf(key) - 1]).toBe(key.slice(0, -'_iso'.length));
	});

	test('the first query goes out at once, queries are spaced by the poll interval, and no sleep follows completion', async () => {
		const id = newTask({ processingPolls: 3, end: 'completed', video: { size: 10 } });
		const startedAt = Date.now();

		const run = await waitFor([id], { pollInterval: 0.15 });
		const finishedAt = Date.now();

		const queries = yunwu().apiRequests(id);
		expect(queries).toHaveLength(4);
		expect(queries[0].at - startedAt).toBeLessThan(100);
		for (const gap of gapsBetweenQueries(id)) expect(gap).toBeGreaterThanOrEqual(145);
		// After the completed answer: only the download, no further poll interval.
		expect(finishedAt - queries[3].at).toBeLessThan(120);
		expect(run.items![0].json.state).toBe('completed');
	});

	test("a failed task fails its item with the API's own error text", async () => {
		const id = newTask(
			{
				processingPolls: 1,
				end: 'failed',
				failure: { code: 'moderation', message: 'Prompt violates the content policy' },
			},
			'sora-2',
		);

		const run = await waitFor([id]);

		expect(run.status).toBe('error');
		expect(run.error?.message).toBe(
			`Task "${id}" failed on Yunwu (status "failed"): Prompt violates the content policy (moderation). Check the prompt and model, then create a new task.`,
		);
	});

	test('status words of other models are understood (video_generation_completed still waits for upscaling)', async () => {
		const id = newTask(
			{
				pendingPolls: 1,
				processingPolls: 2,
				statuses: {
					pending: 'NOT_START',
					processing: 'video_generation_completed',
					completed: 'video_upsampling_completed',
				},
				end: 'completed',
			},
			'veo3.1-fast',
		);

		const run = await waitFor([id], {}, { downloadVideo: false });

		expect(run.items![0].json).toMatchObject({
			state: 'completed',
			status: 'video_upsampling_completed',
		});
		expect(run.items![0].binary).toBeUndefined();
		expect(yunwu().apiRequests(id)).toHaveLength(4);
		expect(
			yunwu()
				.fileRequests()
				.filter((entry) => entry.path === yunwu().videoOf(id).path),
		).toHaveLength(0);
	});
});

describe('Wait Until Complete: transient faults are retried within the timeout', () => {
	test.each([
		['a 502 HTML gateway page', { type: 'gatewayPage', code: 502 }],
		[
			'a 500 JSON error',
			{ type: 'status', code: 500, body: '{"error":{"message":"upstream error"}}' },
		],
		['a dropped connection', { type: 'drop' }],
		['a body that is not JSON', { type: 'notJson' }],
		['a 429 without Retry-After', { type: 'rateLimit' }],
	] as const)('%s', async (_name, fault) => {
		const id = newTask({
			processingPolls: 1,
			end: 'completed',
			faults: [fault, fault],
			video: { size: 100 },
		});

		const run = await waitFor([id]);

		expect(run.status).toBe('success');
		expect(run.items![0].json.state).toBe('completed');
		expect(yunwu().apiRequests(id)).toHaveLength(4);
		// Backoff from the poll interval (20 ms): the second retry waits twice as long.
		const [first, second] = gapsBetweenQueries(id);
		expect(first).toBeGreaterThanOrEqual(19);
		expect(second).toBeGreaterThanOrEqual(39);
	});

	test('a request that hangs is abandoned after the request timeout and retried', async () => {
		const id = newTask({
			processingPolls: 1,
			end: 'completed',
			faults: [{ type: 'hang' }],
			video: { size: 100 },
		});

		const run = await waitFor([id], { requestTimeout: 0.2 });

		expect(run.items![0].json.state).toBe('completed');
		const [afterHang] = gapsBetweenQueries(id);
		expect(afterHang).toBeGreaterThanOrEqual(200);
		expect(afterHang).toBeLessThan(1000);
	});

	test('429 with Retry-After: the next query waits as long as the API asks', async () => {
		const id = newTask({
			processingPolls: 1,
			end: 'completed',
			faults: [{ type: 'rateLimit', retryAfter: '1' }],
			video: { size: 100 },
		});

		const run = await waitFor([id]);

		expect(run.items![0].json.state).toBe('completed');
		expect(gapsBetweenQueries(id)[0]).toBeGreaterThanOrEqual(990);
	});
});

describe('Wait Until Complete: faults about the key or the task end the item at once', () => {
	test.each([
		[401, /^Yunwu rejected the API key \(HTTP 401/],
		[
			403,
			/^Yunwu refused access \(HTTP 403: quota exhausted\) for task "grok:w\d+"\. Check that your key may use this model/,
		],
		[404, /^Yunwu does not know task "grok:w\d+" \(HTTP 404/],
	])('HTTP %s: one query, then a clear error', async (code, message) => {
		const id = newTask({
			faults: [
				{
					type: 'status',
					code,
					body: JSON.stringify({ error: { message: code === 403 ? 'quota exhausted' : 'nope' } }),
				},
			],
		});

		const run = await waitFor([id]);

		expect(run.error?.message).toMatch(message);
		expect((run.error as { httpCode?: string } | undefined)?.httpCode).toBe(String(code));
		expect(yunwu().apiRequests(id)).toHaveLength(1);
	});

	test('an unknown task id', async () => {
		const run = await waitFor(['grok:never-created']);
		expect(run.error?.message).toMatch(/^Yunwu does not know task "grok:never-created"/);
		expect(yunwu().apiRequests('grok:never-created')).toHaveLength(1);
	});
});

describe('Wait Until Complete: timeouts', () => {
	test('a task still running at the timeout fails with its last status', async () => {
		const id = newTask({ processingPolls: 1000 });
		const startedAt = Date.now();

		const run = await waitFor([id], { timeout: 0.3, pollInterval: 0.05 });

		expect(Date.now() - startedAt).toBeLessThan(1500);
		expect(run.error?.message).toBe(
			`Task "${id}" did not finish within 0.3 s (last status "processing"). Raise Timeout in the options, or set On Timeout to "Output Last Status" to go on without the video.`,
		);
	});

	test('On Timeout "Output Last Status" outputs the last status flagged timed_out', async () => {
		const id = newTask({ pendingPolls: 1000 });

		const run = await waitFor([id], {
			timeout: 0.2,
			pollInterval: 0.05,
			onTimeout: 'outputLastStatus',
		});

		expect(run.status).toBe('success');
		expect(run.items![0].json).toMatchObject({
			task_id: id,
			state: 'pending',
			timed_out: true,
			progress: null,
		});
		expect(run.items![0].binary).toBeUndefined();
	});

	test('a gateway that never recovers ends in a timeout that says what failed last', async () => {
		const id = newTask({
			faults: Array.from({ length: 100 }, () => ({
				type: 'gatewayPage' as const,
				code: 503 as const,
			})),
		});

		const run = await waitFor([id], { timeout: 0.3, pollInterval: 0.03 });

		expect(run.error?.message).toMatch(
			new RegExp(
				`^Task "${id}" did not finish within 0.3 s; the last query failed: Yunwu's gateway answered with an error page \\(HTTP 503\\)`,
			),
		);
	});
});

describe('Wait Until Complete: many items at once', () => {
	test('twenty tasks that each take 600 ms finish together, not one after another', async () => {
		const ids = Array.from({ length: 20 }, () =>
			newTask({ readyAfterMs: 600, end: 'completed', video: { size: 50_000 } }),
		);
		const startedAt = Date.now();

		const run = await waitFor(ids, { pollInterval: 0.05 });
		const wall = Date.now() - startedAt;

		expect(run.items).toHaveLength(20);
		// One after another would take 20 × 600 ms = 12 s.
		expect(wall).toBeLessThan(2500);
		const firstQueries = ids.map((id) => yunwu().apiRequests(id)[0].at);
		expect(Math.max(...firstQueries) - Math.min(...firstQueries)).toBeLessThan(300);
		// Items never mix: each output carries its own task, paired with its own input, and its own file.
		for (const [index, item] of run.items!.entries()) {
			expect(item.pairedItem).toEqual({ item: index });
			expect(item.json.task_id).toBe(ids[index]);
			expect(item.binary!.data.bytes).toBe(50_000);
		}
		expect(await storedSha256(run.items![7].binary!.data)).toBe(
			fileSha256(yunwu().videoOf(ids[7])),
		);
	});

	test('Max Tasks at Once bounds how many tasks are polled at the same time', async () => {
		const ids = Array.from({ length: 4 }, () => newTask({ readyAfterMs: 300, end: 'completed' }));
		const startedAt = Date.now();

		const run = await waitFor(
			ids,
			{ pollInterval: 0.05, maxConcurrent: 2 },
			{ downloadVideo: false },
		);

		expect(run.items).toHaveLength(4);
		// Two waves of ~300 ms.
		expect(Date.now() - startedAt).toBeGreaterThanOrEqual(600);
		const firstQueries = ids.map((id) => yunwu().apiRequests(id)[0].at);
		expect(firstQueries[2] - firstQueries[0]).toBeGreaterThanOrEqual(290);
	});

	test('Continue On Fail: a failed and a timed-out task become error items, the others deliver', async () => {
		const ok1 = newTask({ processingPolls: 2, end: 'completed', video: { size: 1000 } });
		const failed = newTask({ processingPolls: 1, end: 'failed', failure: 'NSFW content detected' });
		const slow = newTask({ processingPolls: 1000 });
		const ok2 = newTask({ pendingPolls: 1, end: 'completed', video: { size: 2000 } });

		const run = await waitFor([ok1, failed, slow, ok2], { timeout: 0.4 }, {}, true);

		expect(run.status).toBe('success');
		const [a, b, c, d] = run.items!;
		expect([a, b, c, d].map((item) => item.pairedItem)).toEqual([
			{ item: 0 },
			{ item: 1 },
			{ item: 2 },
			{ item: 3 },
		]);
		expect(a.json).toMatchObject({ task_id: ok1, state: 'completed' });
		expect(a.binary!.data.bytes).toBe(1000);
		expect(b.json).toMatchObject({
			task_id: failed,
			error: expect.stringContaining('NSFW content detected'),
		});
		expect((b.json.task as Record<string, unknown>).state).toBe('failed');
		expect(c.json).toMatchObject({
			task_id: slow,
			error: expect.stringContaining('did not finish within 0.4 s'),
		});
		expect((c.json.task as Record<string, unknown>).timed_out).toBe(true);
		expect(d.json).toMatchObject({ task_id: ok2, state: 'completed' });
		expect(d.binary!.data.bytes).toBe(2000);
	});

	test('On Error "Continue (using error output)": failed items go to the error output, with their task, and the others to the success output', async () => {
		const ok = newTask({ processingPolls: 1, end: 'completed', video: { size: 1000 } });
		const failed = newTask({ processingPolls: 1, end: 'failed', failure: 'NSFW content detected' });
		const slow = newTask({ processingPolls: 1000 });

		const run = await waitFor([ok, failed, slow], { timeout: 0.4 }, {}, 'errorOutput');

		expect(run.status).toBe('success');
		expect(run.items!.map((item) => [item.json.task_id, item.pairedItem])).toEqual([
			[ok, { item: 0 }],
		]);
		expect(run.items![0].binary!.data.bytes).toBe(1000);
		const errors = run.errorItems!;
		expect(errors.map((item) => [item.json.details, item.pairedItem])).toEqual([
			[
				expect.objectContaining({
					task_id: failed,
					task: expect.objectContaining({ state: 'failed' }),
				}),
				{ item: 1 },
			],
			[
				expect.objectContaining({
					task_id: slow,
					task: expect.objectContaining({ timed_out: true }),
				}),
				{ item: 2 },
			],
		]);
		expect(errors[0].json.error).toEqual(expect.stringContaining('NSFW content detected'));
		expect(errors[1].json.error).toEqual(expect.stringContaining('did not finish within 0.4 s'));
	});

	test('without Continue On Fail the first failure stops the others at once', async () => {
		const failing = newTask({ faults: [{ type: 'status', code: 401, body: '{}' }] });
		const slow = newTask({ processingPolls: 1000 });
		const startedAt = Date.now();

		const run = await waitFor([slow, failing], { pollInterval: 0.05, timeout: 30 });

		expect(run.error?.message).toMatch(/rejected the API key/);
		expect(Date.now() - startedAt).toBeLessThan(1000);
		const queriesAtEnd = yunwu().apiRequests(slow).length;
		await new Promise((resolve) => setTimeout(resolve, 200));
		expect(yunwu().apiRequests(slow).length).toBe(queriesAtEnd);
	});
});

describe('Wait Until Complete: cancellation', () => {
	test('stopping the execution ends every wait at once, not after the poll interval', async () => {
		const ids = [newTask({ processingPolls: 1000 }), newTask({ pendingPolls: 1000 })];
		const execution = startNode({
			parameters: {
				operation: 'waitUntilComplete',
				taskId: '={{ $json.id }}',
				options: { pollInterval: 30, timeout: 600 },
			},
			// 50 items on the two tasks: their shared poll loops end too, after one query each.
			items: itemsWithIds(Array.from({ length: 50 }, (_, index) => ids[index % 2])),
			credentials: credentialsFor(yunwu()),
		});
		await new Promise((resolve) => setTimeout(resolve, 150));
		const cancelledAt = Date.now();
		execution.cancel();

		const run = await execution.done;

		expect(Date.now() - cancelledAt).toBeLessThan(300);
		expect(run.status).toBe('canceled');
		await new Promise((resolve) => setTimeout(resolve, 200));
		for (const id of ids) expect(yunwu().apiRequests(id)).toHaveLength(1);
	});
});

describe('Wait Until Complete: secrets', () => {
	test('the key reaches only the API, never the file host, and appears in no output', async () => {
		const id = newTask({ processingPolls: 1, end: 'completed', thumbnail: true });
		const before = yunwu().log.length;

		const run = await waitFor([id], {}, { options: { ...FAST, downloadThumbnail: true } });

		const requests = yunwu().log.slice(before);
		expect(requests.filter((entry) => entry.server === 'files')).toHaveLength(2);
		for (const entry of requests) {
			expect(entry.authorization).toBe(
				entry.server === 'api' ? `Bearer ${yunwu().apiKey}` : undefined,
			);
		}
		expect(everythingSaid(run)).not.toContain(yunwu().apiKey);
		expect(run.items![0].binary!.thumbnail).toMatchObject({
			mimeType: 'image/jpeg',
			fileName: `grok_${id.slice(5)}-thumbnail.jpg`,
		});
		const stored = await readFile(
			await Container.get(BinaryDataService).getPath(run.items![0].binary!.data.id!),
		);
		expect(stored.toString('latin1')).not.toContain(yunwu().apiKey);
	});
});
