import {
	credentialsFor,
	itemsWithIds,
	runNode,
	startNode,
	storedSha256,
	useYunwuServer,
} from '../support/harness/n8n';
import { fileSha256, type FileFault, type TaskScript } from '../support/server/yunwu-server';

const yunwu = useYunwuServer();

let counter = 0;
const newTask = (script: Omit<TaskScript, 'id'> = {}) =>
	yunwu().addTask({ id: `grok:d${++counter}`, end: 'completed', ...script });

const waitFor = (ids: string[], options: Record<string, unknown> = {}, continueOnFail = false) =>
	runNode({
		parameters: {
			operation: 'waitUntilComplete',
			taskId: '={{ $json.id }}',
			options: { pollInterval: 0.02, requestTimeout: 2, ...options },
		},
		items: itemsWithIds(ids),
		credentials: credentialsFor(yunwu()),
		continueOnFail,
	});

/** Every request for a task's video, on either host (a redirect may lead from one to the other). */
const downloadsOf = (id: string) =>
	yunwu().log.filter((entry) => entry.path === yunwu().videoOf(id).path);
/** Which host each request for a file went to, and the Authorization header it carried. */
const hopsOf = (filePath: string) =>
	yunwu()
		.log.filter((entry) => entry.path === filePath)
		.map((entry) => [entry.server, entry.authorization]);

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

	test('a download that stalls every time fails the item, naming the task, the pause and Request Timeout', async () => {
		const id = newTask({ video: { size: 300_000 } });
		yunwu()
			.videoOf(id)
			.faults.push(...[1, 2].map(() => ({ type: 'stall' as const, fraction: 0.5 })));

		const run = await waitFor([id], { requestTimeout: 0.2, downloadAttempts: 2 }, true);

		expect(run.items![0].binary).toBeUndefined();
		expect(run.items![0].json.error).toBe(
			`The video download of task "${id}" stalled for 0.2 s after 2 attempts. Retry later, or raise Request Timeout in the node's options.`,
		);
	});

	test('a download that breaks off every time fails the item after the attempts, with no binary', async () => {
		const id = newTask({ video: { size: 200_000 } });
		yunwu()
			.videoOf(id)
			.faults.push(
				...Array.from({ length: 3 }, () => ({ type: 'truncate' as const, fraction: 0.5 })),
			);

		const run = await waitFor([id], {}, true);

		const [item] = run.items!;
		expect(item.binary).toBeUndefined();
		expect(item.json.error).toMatch(
			new RegExp(
				`^The video download of task "${id}" broke off after 3 attempts \\((\\d+ of 200000 bytes|200000 bytes were promised)\\); no partial file was passed on\\. Retry the execution\\.$`,
			),
		);
		expect(downloadsOf(id)).toHaveLength(3);
		expect(item.json.task_id).toBe(id);
	});
});

describe('Video download: links and hosts', () => {
	test.each([403, 404])(
		'an expired link (HTTP %s) is a clear error naming the task, not retried',
		async (code) => {
			const id = newTask();
			yunwu().videoOf(id).faults.push({ type: 'status', code });

			const run = await waitFor([id]);

			expect(run.error?.message).toBe(
				`The video link of task "${id}" has expired or is no longer accessible (HTTP ${code}). Yunwu's file links expire a while after completion: download sooner, or generate the video again.`,
			);
			expect(downloadsOf(id)).toHaveLength(1);
		},
	);

	test('redirects are followed, and a redirect to the API origin still carries no key', async () => {
		const id = newTask({ video: { size: 5000 } });
		yunwu().videoOf(id).faults.push({ type: 'redirect' });
		const sameHost = await waitFor([id]);
		expect(sameHost.items![0].binary!.data.bytes).toBe(5000);

		const other = newTask({ video: { size: 6000 } });
		yunwu().videoOf(other).faults.push({ type: 'redirectCrossOrigin' });
		const crossOrigin = await waitFor([other]);

		expect(crossOrigin.items![0].binary!.data.bytes).toBe(6000);
		expect(hopsOf(yunwu().videoOf(other).path)).toEqual([
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

		expect(run.items![0].binary!.data).toMatchObject({
			mimeType: 'video/mp4',
			fileName: `grok_${vague.slice(5)}.mp4`,
		});
		expect(run.items![1].binary!.data).toMatchObject({
			mimeType: 'video/webm',
			fileName: `grok_${webm.slice(5)}.webm`,
		});
	});

	test('the video goes into the binary field the user named', async () => {
		const id = newTask();
		const run = await runNode({
			parameters: {
				operation: 'waitUntilComplete',
				taskId: id,
				binaryPropertyName: 'clip',
				options: { pollInterval: 0.02 },
			},
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

describe('Video download: the API key goes to the API origin only', () => {
	test("a video on the API's own origin is fetched with the key; a thumbnail on another origin without it", async () => {
		const id = newTask({ video: { size: 7000, onApiHost: true }, thumbnail: true });

		const run = await waitFor([id], { downloadThumbnail: true });

		expect(run.error).toBeUndefined();
		expect(run.items![0].binary!.data.bytes).toBe(7000);
		expect(await storedSha256(run.items![0].binary!.data)).toBe(fileSha256(yunwu().videoOf(id)));
		expect(run.items![0].binary!.thumbnail.bytes).toBe(512);
		expect(hopsOf(yunwu().videoOf(id).path)).toEqual([['api', `Bearer ${yunwu().apiKey}`]]);
		expect(hopsOf(yunwu().thumbnailOf(id).path)).toEqual([['files', undefined]]);
	});

	test('a redirect within the API origin keeps the key; the first hop to another origin, and every hop after it, even back to the API origin, has none', async () => {
		const id = newTask({ video: { size: 8000, onApiHost: true } });
		const video = yunwu().videoOf(id);
		// The API host serves /file_download/ paths without a key: the last hop shows what was sent, not what was needed.
		const elsewhere = yunwu().addFile(`/file_download/elsewhere-${id}.mp4`, {
			size: 9000,
			contentType: 'video/mp4',
			chunkDelayMs: 0,
		});
		video.faults.push(
			{ type: 'redirect' },
			{ type: 'redirectTo', location: `${yunwu().fileUrl}${video.path}?hop=2` },
			{ type: 'redirectTo', location: `${yunwu().apiUrl}${elsewhere.path}` },
		);
		const before = yunwu().log.length;

		const run = await waitFor([id]);

		expect(run.items![0].binary!.data.bytes).toBe(9000);
		const hops = yunwu()
			.log.slice(before)
			.filter((entry) => [video.path, elsewhere.path].includes(entry.path))
			.map((entry) => [entry.server, entry.path, entry.authorization]);
		expect(hops).toEqual([
			['api', video.path, `Bearer ${yunwu().apiKey}`],
			['api', video.path, `Bearer ${yunwu().apiKey}`],
			['files', video.path, undefined],
			['api', elsewhere.path, undefined],
		]);
	});
});

describe('Video download: redirects that cannot lead to the file fail at once, without a retry', () => {
	test.each<[string, (fileUrl: string) => string[], string]>([
		[
			'a loop',
			(url) => [`${url}?hop=1`, url],
			'redirects in a loop, back to an address it already passed through. The file host is misbehaving: retry later, or generate the video again.',
		],
		[
			'more than 5 redirects',
			(url) => [1, 2, 3, 4, 5, 6].map((hop) => `${url}?hop=${hop}`),
			'redirected more than 5 times without reaching the file. The file host is misbehaving: retry later, or generate the video again.',
		],
		[
			'an ftp: address',
			() => ['ftp://127.0.0.2/video.mp4'],
			'redirects to a "ftp:" address; only http and https addresses are downloaded. Turn off Download Video to output the task without it.',
		],
		[
			'a file: address',
			() => ['file:///etc/passwd'],
			'redirects to a "file:" address; only http and https addresses are downloaded. Turn off Download Video to output the task without it.',
		],
		[
			'a data: address',
			() => ['data:video/mp4;base64,AAAAIGZ0eXBpc29t'],
			'redirects to a "data:" address; only http and https addresses are downloaded. Turn off Download Video to output the task without it.',
		],
		[
			'a javascript: address',
			() => ['javascript:alert(1)'],
			'redirects to a "javascript:" address; only http and https addresses are downloaded. Turn off Download Video to output the task without it.',
		],
	])('%s', async (_name, locations, message) => {
		const id = newTask();
		const locationsFor = locations(yunwu().videoUrlOf(id));
		yunwu()
			.videoOf(id)
			.faults.push(...locationsFor.map((location) => ({ type: 'redirectTo' as const, location })));

		const run = await waitFor([id], {}, true);

		expect(run.items![0].json.error).toBe(`The video link of task "${id}" ${message}`);
		expect(run.items![0].binary).toBeUndefined();
		// One attempt: each redirect it followed, and no second try.
		expect(downloadsOf(id)).toHaveLength(Math.min(locationsFor.length, 6));
	});
});

describe('Video download: limits', () => {
	test('a download that trickles (a byte every 20 ms) is abandoned after one Request Timeout period and retried', async () => {
		const id = newTask({ video: { size: 300_000 } });
		yunwu().videoOf(id).faults.push({ type: 'trickle', intervalMs: 20 });
		const startedAt = Date.now();

		const run = await waitFor([id], { requestTimeout: 0.3 });

		expect(run.items![0].binary!.data.bytes).toBe(300_000);
		expect(await storedSha256(run.items![0].binary!.data)).toBe(fileSha256(yunwu().videoOf(id)));
		expect(downloadsOf(id)).toHaveLength(2);
		const [abandoned] = yunwu().abandoned.filter(
			(entry) => entry.path === yunwu().videoOf(id).path,
		);
		expect(abandoned.at - startedAt).toBeLessThan(2000);
	});

	test('a download too slow on every attempt fails, naming the task, the speed and the option; Minimum Download Speed 0 turns the check off', async () => {
		const id = newTask({ video: { size: 40 } });
		yunwu()
			.videoOf(id)
			.faults.push(...[1, 2].map(() => ({ type: 'trickle' as const, intervalMs: 20 })));

		const slow = await waitFor([id], { requestTimeout: 0.3, downloadAttempts: 2 }, true);

		expect(slow.items![0].binary).toBeUndefined();
		expect(slow.items![0].json.error).toMatch(
			new RegExp(
				`^The video download of task "${id}" was too slow after 2 attempts: \\d+ bytes in 0\\.\\d s, below the Minimum Download Speed of 10 KB/s; no partial file was passed on\\. Retry later, or lower Minimum Download Speed in the node's options \\(0 turns the check off\\)\\.$`,
			),
		);

		yunwu().videoOf(id).faults.push({ type: 'trickle', intervalMs: 20 });
		const unchecked = await waitFor([id], { requestTimeout: 0.3, minDownloadSpeed: 0 });
		expect(unchecked.items![0].binary!.data.bytes).toBe(40);
		expect(downloadsOf(id)).toHaveLength(3);
	});

	test('a file announced (Content-Length) as larger than Max File Size is refused before downloading, not retried; one of exactly that size is delivered', async () => {
		const big = newTask({ video: { size: 1_500_000 } });
		const exact = newTask({ video: { size: 1_000_000 } });

		const run = await waitFor([big, exact], { maxFileSize: 1 }, true);

		expect(run.items![0].binary).toBeUndefined();
		expect(run.items![0].json.error).toBe(
			`The video of task "${big}" is 1.5 MB, more than the Max File Size of 1 MB, so it was not downloaded. Raise Max File Size in the node's options to accept it.`,
		);
		expect(downloadsOf(big)).toHaveLength(1);
		expect(run.items![1].binary!.data.bytes).toBe(1_000_000);
	});

	test.each<[string, Omit<TaskScript, 'id'>, FileFault[]]>([
		['a stream that never ends', { video: { chunkDelayMs: 5 } }, [{ type: 'endless' }]],
		[
			'a gzip body whose decoded size passes the cap (its Content-Length does not)',
			{ video: { size: 3_000_000, contentEncoding: 'gzip' } },
			[],
		],
	])(
		'%s is cut off at Max File Size, not retried, and nothing is passed on',
		async (_name, script, faults) => {
			const id = newTask(script);
			yunwu()
				.videoOf(id)
				.faults.push(...faults);

			const run = await waitFor([id], { maxFileSize: 0.5 }, true);

			expect(run.items![0].binary).toBeUndefined();
			expect(run.items![0].json.error).toBe(
				`The video download of task "${id}" grew past the Max File Size of 0.5 MB and was stopped; no partial file was passed on. Raise Max File Size in the node's options if the file really is that large.`,
			);
			expect(downloadsOf(id)).toHaveLength(1);
		},
		10_000,
	);

	test('an answer with no bytes is not a video: it is retried, and an empty file every time fails the item', async () => {
		const recovers = newTask({ video: { size: 3000 } });
		yunwu().videoOf(recovers).faults.push({ type: 'empty' });
		const empty = newTask({ video: { size: 0 } });

		const run = await waitFor([recovers, empty], {}, true);

		expect(run.items![0].binary!.data.bytes).toBe(3000);
		expect(downloadsOf(recovers)).toHaveLength(2);
		expect(run.items![1].binary).toBeUndefined();
		expect(run.items![1].json.error).toBe(
			`The video of task "${empty}" arrived empty (0 bytes) after 3 attempts. Retry the execution later; if it stays empty, generate the video again.`,
		);
		expect(downloadsOf(empty)).toHaveLength(3);
	});
});

describe('Video download: compressed answers', () => {
	test.each(['gzip', 'br', 'deflate'] as const)(
		'a body sent with Content-Encoding %s and the compressed Content-Length is delivered whole, decoded',
		async (contentEncoding) => {
			const id = newTask({ video: { size: 300_000, contentEncoding } });

			const run = await waitFor([id]);

			expect(run.error).toBeUndefined();
			expect(run.items![0].binary!.data.bytes).toBe(300_000);
			expect(await storedSha256(run.items![0].binary!.data)).toBe(fileSha256(yunwu().videoOf(id)));
			expect(downloadsOf(id)).toHaveLength(1);
		},
	);

	test.each(['gzip', 'br'] as const)(
		'a %s body cut short is retried, and never passed on',
		async (contentEncoding) => {
			const id = newTask({ video: { size: 300_000, contentEncoding } });
			yunwu().videoOf(id).faults.push({ type: 'truncate', fraction: 0.5 });

			const run = await waitFor([id]);

			expect(await storedSha256(run.items![0].binary!.data)).toBe(fileSha256(yunwu().videoOf(id)));
			expect(downloadsOf(id)).toHaveLength(2);
		},
	);
});

describe('Thumbnail', () => {
	test('a thumbnail that cannot be downloaded leaves the video delivered, and the item says why in thumbnail_error', async () => {
		const id = newTask({ video: { size: 4000 }, thumbnail: true });
		yunwu().thumbnailOf(id).faults.push({ type: 'status', code: 404 });

		const run = await waitFor([id], { downloadThumbnail: true });

		expect(run.status).toBe('success');
		const [item] = run.items!;
		expect(item.binary!.data.bytes).toBe(4000);
		expect(item.binary!.thumbnail).toBeUndefined();
		expect(item.json.thumbnail_error).toBe(
			`The thumbnail link of task "${id}" has expired or is no longer accessible (HTTP 404). Yunwu's file links expire a while after completion: download sooner, or generate the video again.`,
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
