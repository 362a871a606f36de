import { createHash } from 'node:crypto';
// Every Yunwu video API through n8n-core against the local server speaking it: Kling, OpenAI
// videos and generations beside the unified API (docs/yunwu-api.md).
import type { INodeExecutionData } from 'n8n-workflow';

import {
	credentialsFor,
	everythingSaid,
	runNode,
	storedSha256,
	useYunwuServer,
} from '../support/harness/n8n';
import { fileSha256, type GenerationsShape } from '../support/server/yunwu-server';

const yunwu = useYunwuServer();

const FAST = { pollInterval: 0.02, timeout: 5, requestTimeout: 1 };

const create = (
	parameters: Record<string, unknown>,
	options: { items?: INodeExecutionData[]; continueOnFail?: boolean } = {},
) =>
	runNode({
		parameters: {
			operation: 'create',
			prompt: 'A paper boat in the rain',
			waitForCompletion: false,
			options: FAST,
			...parameters,
		},
		credentials: credentialsFor(yunwu()),
		...options,
	});

/** Wait Until Complete (or Query) fed by earlier output items, with only the Task ID mapped. */
const pickUp = (items: INodeExecutionData[], parameters: Record<string, unknown> = {}) =>
	runNode({
		parameters: {
			operation: 'waitUntilComplete',
			taskId: '={{ $json.task_id }}',
			options: FAST,
			...parameters,
		},
		items: items.map(({ json }) => ({ json })),
		credentials: credentialsFor(yunwu()),
	});

/** An input item holding one binary image in the field `data` (`base64` as n8n keeps it). */
const imageItem = (base64: string, mimeType: string, fileName: string): INodeExecutionData => ({
	json: {},
	binary: { data: { data: base64, mimeType, fileName } },
});

const apiPaths = () =>
	yunwu()
		.apiRequests()
		.map((entry) => `${entry.method} ${entry.path}`);

beforeEach(() => {
	yunwu().generationsShape = 'older';
});

describe('Kling', () => {
	test("Create sends Kling's own fields to text2video; the Task ID names its action; Wait Until Complete with only the Task ID mapped outputs the video", async () => {
		const created = await create({
			apiFormat: 'kling',
			model: 'kling-v2-6',
			negativePrompt: 'blur',
			klingMode: 'pro',
			klingDuration: '10',
			klingAspectRatio: '9:16',
			cfgScale: 0.7,
			sound: true,
			callbackUrl: 'https://example.com/hook',
		});
		expect(created.error).toBeUndefined();
		const server = yunwu();
		expect(server.createBodies.at(-1)).toEqual({
			model_name: 'kling-v2-6',
			prompt: 'A paper boat in the rain',
			negative_prompt: 'blur',
			mode: 'pro',
			duration: '10',
			aspect_ratio: '9:16',
			cfg_scale: 0.7,
			sound: 'on',
			callback_url: 'https://example.com/hook',
		});
		expect(apiPaths().at(-1)).toBe('POST /kling/v1/videos/text2video');
		const { id } = server.createdTasks.at(-1)!;
		const { json } = created.items![0];
		expect(json).toMatchObject({
			task_id: `kling://text2video/${id}`,
			state: 'pending',
			task_status: 'submitted',
			code: 0,
			api_task_id: id,
		});

		const waited = await pickUp(created.items!);
		expect(waited.error).toBeUndefined();
		const [item] = waited.items!;
		expect(item.json).toMatchObject({
			task_id: `kling://text2video/${id}`,
			state: 'completed',
			task_status: 'succeed',
			video_url: server.videoUrlOf(id),
		});
		expect(await storedSha256(item.binary!.data)).toBe(fileSha256(server.videoOf(id)));
		expect(apiPaths().filter((path) => path.includes(id))).toEqual(
			expect.arrayContaining([`GET /kling/v1/videos/text2video/${id}`]),
		);
		// The file host never sees the key.
		expect(server.fileRequests().every((entry) => entry.authorization === undefined)).toBe(true);
	});

	test('an image makes it image-to-video: a URL as it is, a second image as the last frame', async () => {
		const created = await create({
			apiFormat: 'kling',
			model: 'kling-v2-1-master',
			imageSource: 'urls',
			imageUrls: 'https://example.com/first.png\nhttps://example.com/last.png',
		});
		expect(created.error).toBeUndefined();
		expect(yunwu().createBodies.at(-1)).toMatchObject({
			image: 'https://example.com/first.png',
			image_tail: 'https://example.com/last.png',
		});
		expect(apiPaths().at(-1)).toBe('POST /kling/v1/videos/image2video');
		expect(created.items![0].json.task_id).toMatch(/^kling:\/\/image2video\//);
		const waited = await pickUp(created.items!);
		expect(waited.items![0].json.state).toBe('completed');
	});

	test("a binary image goes as Kling's base64, without a data: prefix", async () => {
		const bytes = Buffer.from('\x89PNG\r\n\x1a\nfake image');
		const created = await create(
			{ apiFormat: 'kling', model: 'kling-v1', imageSource: 'binary' },
			{ items: [imageItem(bytes.toString('base64'), 'image/png', 'frame.png')] },
		);
		expect(created.error).toBeUndefined();
		expect(yunwu().createBodies.at(-1)?.image).toBe(bytes.toString('base64'));
	});

	test("a refusal on HTTP 200 (code other than 0) is the item's error with Kling's message, sent once", async () => {
		yunwu().createFaults.push({
			type: 'status',
			code: 200,
			body: JSON.stringify({ code: 1102, message: 'Account balance not enough', data: null }),
		});
		const before = apiPaths().length;
		const run = await create({ apiFormat: 'kling', model: 'kling-v1' });
		expect(run.error?.message).toContain('Account balance not enough');
		expect(apiPaths().slice(before)).toEqual(['POST /kling/v1/videos/text2video']);
	});

	test('a task created elsewhere is found from its raw id once Kling is picked, on either action', async () => {
		const id = yunwu().addTask({
			id: 'kling-raw-1',
			api: 'kling',
			klingAction: 'image2video',
			end: 'completed',
		});
		const run = await runNode({
			parameters: { operation: 'query', taskId: id, apiFormat: 'kling' },
			credentials: credentialsFor(yunwu()),
		});
		expect(run.error).toBeUndefined();
		expect(run.items![0].json).toMatchObject({ task_id: `kling://${id}` });
		expect(run.items![0].json.state).toBe('completed');
		expect(apiPaths().filter((path) => path.includes(id))).toEqual([
			`GET /kling/v1/videos/text2video/${id}`,
			`GET /kling/v1/videos/image2video/${id}`,
		]);
	});

	test("a failed Kling task is the item's error with task_status_msg", async () => {
		const id = yunwu().addTask({
			id: 'kling-failed-1',
			api: 'kling',
			klingAction: 'text2video',
			end: 'failed',
			failure: 'Prompt rejected by the content filter',
		});
		const run = await pickUp([{ json: { task_id: `kling://text2video/${id}` } }]);
		expect(run.error?.message).toContain('Prompt rejected by the content filter');
		expect(run.error?.message).toContain('status "failed"');
	});
});

describe('OpenAI videos', () => {
	test('Create sends Seconds and Size to /v1/videos; the video comes from its content route on the API origin, with the key', async () => {
		const created = await create({
			apiFormat: 'openai',
			model: 'sora-2',
			openaiSeconds: '8',
			openaiSize: '1280x720',
		});
		expect(created.error).toBeUndefined();
		const server = yunwu();
		expect(server.createBodies.at(-1)).toEqual({
			model: 'sora-2',
			prompt: 'A paper boat in the rain',
			seconds: '8',
			size: '1280x720',
		});
		const { id } = server.createdTasks.at(-1)!;
		expect(created.items![0].json).toMatchObject({
			task_id: `openai://${id}`,
			state: 'pending',
			status: 'queued',
			object: 'video',
		});

		const waited = await pickUp(created.items!);
		expect(waited.error).toBeUndefined();
		const [item] = waited.items!;
		expect(item.json).toMatchObject({ state: 'completed', status: 'completed' });
		expect(await storedSha256(item.binary!.data)).toBe(fileSha256(server.videoOf(id)));
		const content = server.apiRequests().find((entry) => entry.path === `/v1/videos/${id}/content`);
		expect(content?.authorization).toBe(`Bearer ${server.apiKey}`);
	});

	test('Create and wait in one node outputs the video', async () => {
		const run = await create({ apiFormat: 'openai', model: 'sora-2', waitForCompletion: true });
		expect(run.error).toBeUndefined();
		const { id } = yunwu().createdTasks.at(-1)!;
		expect(run.items![0].json).toMatchObject({ task_id: `openai://${id}`, state: 'completed' });
		expect(await storedSha256(run.items![0].binary!.data)).toBe(fileSha256(yunwu().videoOf(id)));
	});

	test('a binary image goes as the multipart file input_reference, the other fields as form fields', async () => {
		const bytes = Buffer.from('\x89PNG\r\n\x1a\nsome image bytes \x00\xff');
		const run = await create(
			{ apiFormat: 'openai', model: 'sora-2', openaiSeconds: '4', imageSource: 'binary' },
			{ items: [imageItem(bytes.toString('base64'), 'image/png', 'a.png')] },
		);
		expect(run.error).toBeUndefined();
		expect(yunwu().createBodies.at(-1)).toEqual({
			model: 'sora-2',
			prompt: 'A paper boat in the rain',
			seconds: '4',
			input_reference: {
				fileName: 'a.png',
				mimeType: 'image/png',
				size: bytes.length,
				sha256: createHash('sha256').update(bytes).digest('hex'),
			},
		});
	});
});

describe('Generations', () => {
	test.each<GenerationsShape>(['older', 'openai', 'envelope'])(
		'Create and Wait Until Complete with only the Task ID mapped: %s answers',
		async (shape) => {
			yunwu().generationsShape = shape;
			const created = await create({
				apiFormat: 'generations',
				model: 'veo3',
				generationsDuration: 8,
				generationsWidth: 1280,
				generationsHeight: 720,
				imageSource: 'urls',
				imageUrls: 'https://example.com/a.png',
			});
			expect(created.error).toBeUndefined();
			const server = yunwu();
			expect(server.createBodies.at(-1)).toEqual({
				model: 'veo3',
				prompt: 'A paper boat in the rain',
				image: 'https://example.com/a.png',
				duration: 8,
				width: 1280,
				height: 720,
			});
			const { id } = server.createdTasks.at(-1)!;
			expect(created.items![0].json).toMatchObject({
				task_id: `generations://${id}`,
				state: 'pending',
			});
			const waited = await pickUp(created.items!);
			expect(waited.error).toBeUndefined();
			const [item] = waited.items!;
			expect(item.json.state).toBe('completed');
			expect(await storedSha256(item.binary!.data)).toBe(fileSha256(server.videoOf(id)));
		},
	);

	test('a binary image goes as a data URL', async () => {
		const bytes = Buffer.from('GIF89a fake');
		const run = await create(
			{ apiFormat: 'generations', model: 'veo3', imageSource: 'binary' },
			{ items: [imageItem(bytes.toString('base64'), 'image/gif', 'a.gif')] },
		);
		expect(run.error).toBeUndefined();
		expect(yunwu().createBodies.at(-1)?.image).toBe(
			`data:image/gif;base64,${bytes.toString('base64')}`,
		);
	});
});

describe('Task IDs', () => {
	test('an id like kling:… stays a unified id: queried on /v1/video/query as it is', async () => {
		const id = yunwu().addTask({ id: 'kling:abc-unified', end: 'completed' });
		const run = await runNode({
			parameters: { operation: 'query', taskId: id },
			credentials: credentialsFor(yunwu()),
		});
		expect(run.error).toBeUndefined();
		expect(run.items![0].json).toMatchObject({ task_id: id, state: 'completed' });
		expect(
			yunwu()
				.apiRequests(id)
				.map((entry) => entry.path),
		).toEqual(['/v1/video/query']);
	});

	test('a Task ID of one API with another API picked is refused before any request', async () => {
		const before = apiPaths().length;
		const run = await runNode({
			parameters: { operation: 'query', taskId: 'kling://text2video/123', apiFormat: 'openai' },
			credentials: credentialsFor(yunwu()),
		});
		expect(everythingSaid(run)).toContain('names a kling task, but API is set to openai');
		expect(apiPaths().length).toBe(before);
	});
});

describe('Images from binary properties are checked before any request', () => {
	const withBinary = (binary: INodeExecutionData['binary']): INodeExecutionData[] => [
		imageItem('aGVsbG8=', 'image/png', 'ok.png'),
		{ json: {}, binary },
	];

	test.each([
		[
			'a missing property',
			{ other: { data: 'aGVsbG8=', mimeType: 'image/png' } },
			'Item 1 has no binary property "data"',
		],
		[
			'a file that is not an image',
			{ data: { data: 'aGVsbG8=', mimeType: 'video/mp4', fileName: 'clip.mp4' } },
			'The binary property "data" of item 1 is video/mp4, not an image',
		],
		[
			'an image larger than Kling takes (10 MB)',
			{
				data: {
					data: Buffer.alloc(10_500_000, 7).toString('base64'),
					mimeType: 'image/png',
					fileName: 'huge.png',
				},
			},
			'The image in binary property "data" of item 1 is 10.5 MB; the Kling API takes images up to 10 MB',
		],
	])('%s is refused, naming the item and the property', async (_case, binary, message) => {
		const before = apiPaths().length;
		const run = await create(
			{ apiFormat: 'kling', model: 'kling-v1', imageSource: 'binary' },
			{ items: withBinary(binary as INodeExecutionData['binary']) },
		);
		expect(run.error?.message).toContain(message);
		// Item 0 had no image problem, but nothing is created while another item is unreadable.
		expect(apiPaths().length).toBe(before);
	});
});

describe('Refusals and failed tasks of the other APIs', () => {
	test.each([
		['openai', 'sora-2', 'POST /v1/videos'],
		['generations', 'veo3', 'POST /v1/video/generations'],
	])(
		"%s: a refused create is the item's error with the API's message, sent once",
		async (apiFormat, model, route) => {
			yunwu().createFaults.push({
				type: 'status',
				code: 400,
				body: JSON.stringify({
					error: { message: 'No available channel for model', type: 'invalid_request_error' },
				}),
			});
			const before = apiPaths().length;
			const run = await create({ apiFormat, model });
			expect(run.error?.message).toContain('No available channel for model');
			expect(apiPaths().slice(before)).toEqual([route]);
		},
	);

	test.each<[string, GenerationsShape | undefined, string]>([
		['openai', undefined, 'openai://'],
		['generations', 'older', 'generations://'],
		['generations', 'envelope', 'generations://'],
	])(
		"%s (%s answers): a failed task is the item's error with the API's reason",
		async (api, shape, scheme) => {
			if (shape) yunwu().generationsShape = shape;
			const id = yunwu().addTask({
				id: `${api}-failed-${shape ?? 'object'}`,
				api: api as 'openai' | 'generations',
				end: 'failed',
				failure: 'The prompt was flagged',
			});
			const run = await pickUp([{ json: { task_id: `${scheme}${id}` } }]);
			expect(run.error?.message).toContain('The prompt was flagged');
		},
	);
});

describe('More of what README promises', () => {
	test.each([
		['unified', 'veo3', 20_500_000, 'the unified API takes images up to 20 MB'],
		['generations', 'veo3', 20_500_000, 'the generations API takes images up to 20 MB'],
		['openai', 'sora-2', 20_500_000, 'the OpenAI videos API takes images up to 20 MB'],
	])(
		'%s: a binary image above its limit is refused before any request',
		async (apiFormat, model, size, message) => {
			const before = apiPaths().length;
			const run = await create(
				{ apiFormat, model, imageSource: 'binary' },
				{ items: [imageItem(Buffer.alloc(size, 1).toString('base64'), 'image/jpeg', 'big.jpg')] },
			);
			expect(run.error?.message).toContain(message);
			expect(apiPaths().length).toBe(before);
		},
	);

	test.each([
		['kling', 'kling-v1', 3, 'Item 0 has more than two images'],
		['openai', 'sora-2', 2, 'Item 0 has more than one image'],
		['generations', 'veo3', 2, 'Item 0 has more than one image'],
	])(
		'%s: more images than the API takes are refused before any request',
		async (apiFormat, model, count, message) => {
			const before = apiPaths().length;
			const urls = Array.from({ length: count }, (_, index) => `https://example.com/${index}.png`);
			const run = await create({
				apiFormat,
				model,
				imageSource: 'urls',
				imageUrls: urls.join('\n'),
			});
			expect(run.error?.message).toContain(message);
			expect(apiPaths().length).toBe(before);
		},
	);

	test('an image a file host labelled application/octet-stream is known by its first bytes and sent as what it is', async () => {
		const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
		const run = await create(
			{ apiFormat: 'generations', model: 'veo3', imageSource: 'binary' },
			{ items: [imageItem(png.toString('base64'), 'application/octet-stream', 'download')] },
		);
		expect(run.error).toBeUndefined();
		expect(yunwu().createBodies.at(-1)?.image).toBe(
			`data:image/png;base64,${png.toString('base64')}`,
		);
	});

	test('OpenAI videos: a video object that names its video in metadata.url is downloaded from there, without the key', async () => {
		const server = yunwu();
		const file = server.addFile('/file_download/from-metadata.mp4', {
			size: 4096,
			contentType: 'video/mp4',
			chunkDelayMs: 0,
		});
		const url = server.urlOfFile(file);
		const id = server.addTask({
			id: 'video_metadata_url',
			api: 'openai',
			rawAnswers: [
				JSON.stringify({
					id: 'video_metadata_url',
					object: 'video',
					status: 'completed',
					progress: 100,
					metadata: { url },
				}),
			],
		});
		const run = await pickUp([{ json: { task_id: `openai://${id}` } }]);
		expect(run.error).toBeUndefined();
		expect(run.items![0].json.video_url).toBe(url);
		expect(await storedSha256(run.items![0].binary!.data)).toBe(fileSha256(file));
		const download = server.fileRequests().find((entry) => entry.path === file.path);
		expect(download?.authorization).toBeUndefined();
		expect(server.apiRequests().some((entry) => entry.path.endsWith(`${id}/content`))).toBe(false);
	});
});
