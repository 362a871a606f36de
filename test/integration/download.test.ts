
import { credentialsFor, itemsWithIds, runNode, startNode, storedSha256, useYunwuServer } from '../harness/n8n';
import { fileSha256, type FileFault, type TaskScript } from '../server/yunwu-server';

const yunwu = useYunwuServer();

let counter = 0;
const newTask = (script: Omit<TaskScript, 'id'> = {}) => yunwu().addTask({ id: `grok:d${++counter}`, end: 'completed', ...script });

const waitFor = (ids: string[], options: Record<string, unknown> = {}, continueOnFail = false) =>
	runNode({
		parameters: { operation: 'waitUntilComplete', taskId: '={{ $json.id }}', options: { pollInterval: 0.02, requestTimeout: 2, ...options } },
		items: itemsWithIds(ids),
		credentials: credentialsFor(yunwu()),
		continueOnFail,
	});


const downloadsOf = (id: string) => yunwu().fileRequests().filter((entry) => entry.path === yunwu().videoOf(id).path);

describe('Video download: a broken file is never passed on as whole', () => {
	test.each<[string, FileFault]>([
		['delivers fewer bytes than Content-Length promised', { type: 'truncate', fraction: 0.4 }],
		['breaks off without a Content-Length (chunked)', { type: 'truncateChunked', fraction: 0.6 }],
		['answers 503', { type: 'status', code: 503 }],
	])('a download that %s is retried and the whole file delivered', async (_name, fault) => {
		const id = newTask({ video: { size: 400_000 } });
		yunwu().videoOf(id).faults.push(fault);

		const run = await waitFor([id]);

		expect(run.status).toBe('success');
		expect(run.items![0].binary!.data.bytes).toBe(400_000);
		expect(await storedSha256(run.items![0].binary!.data)).toBe(fileSha256(yunwu().videoOf(id)));
		expect(downloadsOf(id)).toHaveLength(2);
	});

	test('a download that stalls is abandoned after the request timeout and retried', async () => {
		const id = newTask({ video: { size: 300_000 } });
		yunwu().videoOf(id).faults.push({ type: 'stall', fraction: 0.5 });

		const run = await waitFor([id], { requestTimeout: 0.3 });

		expect(run.items![0].binary!.data.bytes).toBe(300_000);
		expect(downloadsOf(id)).toHaveLength(2);
	});

	test('a download that breaks off every time fails the item after the attempts, with no binary', async () => {
		const id = newTask({ video: { size: 200_000 } });
		yunwu().videoOf(id).faults.push(...Array.from({ length: 3 }, () => ({ type: 'truncate' as const, fraction: 0.5 })));

		const run = await waitFor([id], {}, true);

		const [item] = run.items!;
		expect(item.binary).toBeUndefined();
		expect(item.json.error).toMatch(
			new RegExp(`^The video download of task "${id}" broke off after 3 attempts \\((\\d+ of 200000 bytes|200000 bytes were promised)\\); no partial file was passed on\\. Retry the execution\\.$`),
		);
		expect(downloadsOf(id)).toHaveLength(3);
		expect(item.json.task_id).toBe(id);
	});
});

describe('Video download: links and hosts', () => {
	test.each([403, 404])('an expired link (HTTP %s) is a clear error naming the task, not retried', async (code) => {
		const id = newTask();
		yunwu().videoOf(id).faults.push({ type: 'status', code });

		const run = await waitFor([id]);

		expect(run.error?.message).toBe(
			`The video link of task "${id}" has expired or is no longer accessible (HTTP ${code}). Yunwu's file links expire a while after completion: download sooner, or generate the video again.`,
		);
		expect(downloadsOf(id)).toHaveLength(1);
	});

	test('redirects are followed, and a redirect to the API origin still carries no key', async () => {
		const id = newTask({ video: { size: 5000 } });
		yunwu().videoOf(id).faults.push({ type: 'redirect' });
		const sameHost = await waitFor([id]);
		expect(sameHost.items![0].binary!.data.bytes).toBe(5000);

		const other = newTask({ video: { size: 6000 } });
		yunwu().videoOf(other).faults.push({ type: 'redirectCrossOrigin' });
		const before = yunwu().log.length;
		const crossOrigin = await waitFor([other]);

		expect(crossOrigin.items![0].binary!.data.bytes).toBe(6000);
		const redirected = yunwu().log.slice(before).filter((entry) => entry.path === yunwu().videoOf(other).path);
		expect(redirected.map((entry) => [entry.server, entry.authorization])).toEqual([
			['files', undefined],
			['api', undefined],
		]);
	});

	test('a link that answers 200 with a web page is not taken for the video', async () => {
		const id = newTask();
		yunwu().videoOf(id).faults.push({ type: 'page' });

		const run = await waitFor([id]);

		expect(run.error?.message).toBe(
			`The video link of task "${id}" returned a page (text/html) instead of the file: the link has probably expired. Download sooner after completion, or generate the video again.`,
		);
	});

	test('a vague Content-Type becomes video/mp4; a specific one is kept with its extension', async () => {
		const vague = newTask({ video: { contentType: 'application/octet-stream' } });
		const webm = newTask({ video: { contentType: 'video/webm' } });

		const run = await waitFor([vague, webm]);

		expect(run.items![0].binary!.data).toMatchObject({ mimeType: 'video/mp4', fileName: `grok_${vague.slice(5)}.mp4` });
		expect(run.items![1].binary!.data).toMatchObject({ mimeType: 'video/webm', fileName: `grok_${webm.slice(5)}.webm` });
	});

	test('the video goes into the binary field the user named', async () => {
		const id = newTask();
		const run = await runNode({
			parameters: { operation: 'waitUntilComplete', taskId: id, binaryPropertyName: 'clip', options: { pollInterval: 0.02 } },
			credentials: credentialsFor(yunwu()),
		});
		expect(Object.keys(run.items![0].binary!)).toEqual(['clip']);
	});

	test('a completed task without video_url fails clearly when a download is wanted', async () => {
		const id = newTask({ noVideoUrl: true });
		const run = await waitFor([id]);
		expect(run.error?.message).toBe(
			`Task "${id}" is completed but Yunwu sent no video_url. Turn off Download Video to output the task without the file.`,
		);
	});
});

describe('Video download: cancellation', () => {
	test('stopping the execution mid-download ends it at once and closes the connection', async () => {
		// 200 chunks of 64 KiB, 50 ms apart: a 10-second download.
		const id = newTask({ video: { size: 200 * 64 * 1024, chunkDelayMs: 50 } });
		const execution = startNode({
			parameters: { operation: 'waitUntilComplete', taskId: id, options: { pollInterval: 0.02 } },
			credentials: credentialsFor(yunwu()),
		});
		while (downloadsOf(id).length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
		await new Promise((resolve) => setTimeout(resolve, 200));
		const cancelledAt = Date.now();
		execution.cancel();

		const run = await execution.done;

		expect(Date.now() - cancelledAt).toBeLessThan(300);
		expect(run.status).toBe('canceled');
		expect(run.items).toBeUndefined();
		// Not retried after the cancel.
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(downloadsOf(id)).toHaveLength(1);
	});
});
