import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Container } from '@n8n/di';
import { BinaryDataService } from 'n8n-core';

import { credentialsFor, runNode, startNode, useYunwuServer } from '../support/harness/n8n';
import { REPO_ROOT } from '../support/paths';
import type { ApiFault, TaskScript } from '../support/server/yunwu-server';

const yunwu = useYunwuServer();

const create = (
	parameters: Record<string, unknown>,
	options: {
		continueOnFail?: boolean;
		items?: Parameters<typeof runNode>[0]['items'];
		typeVersion?: number;
	} = {},
) =>
	runNode({
		parameters: { operation: 'create', waitForCompletion: false, ...parameters },
		credentials: credentialsFor(yunwu()),
		...options,
	});

const lastBody = () => yunwu().createBodies.at(-1);

describe('Create: the request body per model family', () => {
	test('Veo: enhance prompt and upsample; the created task is output with its full id', async () => {
		const run = await create({
			model: 'veo3.1-fast',
			prompt: '  A cat walking on the beach\nslow dolly shot ',
			aspectRatio: '16:9',
			enhancePrompt: true,
		});

		expect(lastBody()).toEqual({
			model: 'veo3.1-fast',
			prompt: 'A cat walking on the beach\nslow dolly shot',
			aspect_ratio: '16:9',
			enhance_prompt: true,
			enable_upsample: false,
		});
		const { json, pairedItem } = run.items![0];
		expect(json.task_id).toMatch(/^veo3\.1:[0-9a-f-]{36}$/);
		expect(json).toMatchObject({ id: json.task_id, state: 'pending', status: 'pending' });
		expect(pairedItem).toEqual({ item: 0 });
		// A later Query node can take the id as it is.
		const queried = await runNode({
			parameters: { operation: 'query', taskId: String(json.task_id) },
			credentials: credentialsFor(yunwu()),
		});
		expect(queried.items![0].json.state).toBe('pending');
	});

	test('Sora: orientation, duration, watermark, private', async () => {
		await create({
			model: 'sora-2-pro',
			prompt: 'A paper boat in the rain',
			orientation: 'portrait',
			duration: 15,
			size: '1080P',
		});
		expect(lastBody()).toEqual({
			model: 'sora-2-pro',
			prompt: 'A paper boat in the rain',
			size: '1080P',
			orientation: 'portrait',
			duration: 15,
			watermark: false,
			private: true,
		});
	});

	test('Sora: a Duration the panel no longer offers for the model (25 s on sora-2, saved before) is still sent', async () => {
		await create({ model: 'sora-2', prompt: 'A kite', duration: 25 });
		expect(lastBody()).toMatchObject({ model: 'sora-2', duration: 25 });
	});

	test("a value saved in a field the model's family does not show (Sora's Aspect Ratio, Veo's Size, kept from an earlier model) is not sent", async () => {
		const typeVersion = 1.1;
		await create(
			{ model: 'sora-2', prompt: 'A kite', aspectRatio: '16:9', size: 'large' },
			{ typeVersion },
		);
		expect(lastBody()).toMatchObject({ model: 'sora-2', size: 'large' });
		expect(lastBody()).not.toHaveProperty('aspect_ratio');
		await create(
			{ model: 'veo3.1-fast', prompt: 'A kite', aspectRatio: '9:16', size: '1080p' },
			{ typeVersion },
		);
		expect(lastBody()).toMatchObject({ model: 'veo3.1-fast', aspect_ratio: '9:16' });
		expect(lastBody()).not.toHaveProperty('size');
	});

	test('a node of version 1 (saved before the fields were hidden) still sends those values, as it did', async () => {
		await create({ model: 'sora-2', prompt: 'A kite', aspectRatio: '16:9', size: 'large' });
		expect(lastBody()).toMatchObject({ model: 'sora-2', size: 'large', aspect_ratio: '16:9' });
		await create({ model: 'veo3.1-fast', prompt: 'A kite', aspectRatio: '9:16', size: '1080p' });
		expect(lastBody()).toMatchObject({ model: 'veo3.1-fast', aspect_ratio: '9:16', size: '1080p' });
	});

	test('Grok: custom mode', async () => {
		await create({ model: 'grok-video-3', prompt: 'A fox', customMode: true });
		expect(lastBody()).toEqual({ model: 'grok-video-3', prompt: 'A fox', mode: 'custom' });
	});

	test('Other model by name, image URLs, and the JSON merge overriding a field', async () => {
		await create({
			model: 'custom',
			customModel: ' kling-v2-master ',
			prompt: 'Waves',
			imageSource: 'urls',
			imageUrls: 'https://img.example/a.png\n https://img.example/b.png, https://img.example/c.png',
			aspectRatio: '9:16',
			additionalFields: '{"seed": 42, "aspect_ratio": "21:9", "camera": {"motion": "pan"}}',
		});
		expect(lastBody()).toEqual({
			model: 'kling-v2-master',
			prompt: 'Waves',
			images: [
				'https://img.example/a.png',
				'https://img.example/b.png',
				'https://img.example/c.png',
			],
			aspect_ratio: '21:9',
			seed: 42,
			camera: { motion: 'pan' },
		});
	});

	test("reference images from the input item's binary fields are sent as base64 data URLs", async () => {
		const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
		const jpeg = Buffer.from('ffd8ffe000104a46494600010100000100010000ffd9', 'hex');
		await create(
			{
				model: 'veo3',
				prompt: 'Animate this',
				imageSource: 'binary',
				imageBinaryProperties: 'first, second',
			},
			{
				items: [
					{
						json: {},
						binary: {
							first: { data: png.toString('base64'), mimeType: 'image/png', fileName: 'first.png' },
							second: {
								data: jpeg.toString('base64'),
								mimeType: 'image/jpeg',
								fileName: 'second.jpg',
							},
						},
					},
				],
			},
		);
		expect(lastBody()?.images).toEqual([
			`data:image/png;base64,${png.toString('base64')}`,
			`data:image/jpeg;base64,${jpeg.toString('base64')}`,
		]);
	});
});

describe('Create with Wait for Completion: prompt in, video out, one node', () => {
	test('creates, waits and outputs the MP4 as binary data', async () => {
		const sample = readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'sample.mp4'));
		yunwu().createdTaskTemplate = {
			pendingPolls: 1,
			processingPolls: 2,
			end: 'completed',
			video: { bytes: sample },
		};

		const run = await create({
			model: 'grok-video-3',
			prompt: 'A cat walking',
			waitForCompletion: true,
			options: { pollInterval: 0.02 },
		});

		const [item] = run.items!;
		expect(item.json).toMatchObject({ state: 'completed', timed_out: false, polls: 4 });
		expect(item.json.task_id).toMatch(/^grok:/);
		const stream = await Container.get(BinaryDataService).getAsStream(item.binary!.data.id!);
		const hash = createHash('sha256');
		for await (const chunk of stream) hash.update(chunk as Buffer);
		expect(hash.digest('hex')).toBe(createHash('sha256').update(sample).digest('hex'));
		const queries = yunwu().apiRequests(String(item.json.task_id));
		expect(queries).toHaveLength(4);
		// The task was created a moment ago: its first query waits one poll interval.
		const createdAt = yunwu()
			.log.filter((entry) => entry.path === '/v1/video/create')
			.at(-1)!.at;
		expect(queries[0].at - createdAt).toBeGreaterThanOrEqual(19);
	});

	test("a task that fails after creation fails the item with the API's reason", async () => {
		yunwu().createdTaskTemplate = {
			processingPolls: 1,
			end: 'failed',
			failure: 'Prompt blocked by the safety system',
		};
		const run = await create({
			model: 'sora-2',
			prompt: 'Something',
			waitForCompletion: true,
			options: { pollInterval: 0.02 },
		});
		expect(run.error?.message).toMatch(
			/^Task "sora:[0-9a-f-]+" failed on Yunwu \(status "failed"\): Prompt blocked by the safety system\./,
		);
	});
});

describe('Create: errors, and never paying twice', () => {
	test('a missing prompt or model is refused before any request', async () => {
		const before = yunwu().createBodies.length;
		const noPrompt = await create({ model: 'veo3', prompt: '   ' });
		expect(noPrompt.error?.message).toBe(
			'The prompt of item 0 is empty. Describe the video to generate.',
		);
		const noModel = await create({
			model: 'custom',
			customModel: '={{ $json.model }}',
			prompt: 'x',
		});
		expect(noModel.error?.message).toBe(
			'The model of item 0 is empty. Choose a model, or enter its name under Other.',
		);
		const badJson = await create({ model: 'veo3', prompt: 'x', additionalFields: '{seed: 1' });
		expect(badJson.error?.message).toBe(
			'Additional Body Fields of item 0 is not valid JSON. Write an object such as {"seed": 42}.',
		);
		expect(yunwu().createBodies.length).toBe(before);
	});

	test('a prompt or model that an expression made an object, a list or true/false is refused, not paid for as text', async () => {
		const before = yunwu().createBodies.length;
		const run = await runNode({
			parameters: {
				operation: 'create',
				model: 'custom',
				customModel: '={{ $json.model }}',
				prompt: '={{ $json.prompt }}',
				waitForCompletion: false,
			},
			items: [
				{ json: { model: 'veo3', prompt: { text: 'a cat' } } },
				{ json: { model: 'veo3', prompt: true } },
				{ json: { model: 'veo3', prompt: ['a cat'] } },
				{ json: { model: false, prompt: 'a cat' } },
			],
			credentials: credentialsFor(yunwu()),
			continueOnFail: true,
		});

		expect(run.items!.map((item) => item.json.error)).toEqual([
			'Prompt of item 0 is {"text":"a cat"}, which is not text. Make the expression give text.',
			'Prompt of item 1 is true, which is not text. Make the expression give text.',
			'Prompt of item 2 is ["a cat"], which is not text. Make the expression give text.',
			'Custom Model Name of item 3 is false, which is not text. Make the expression give text.',
		]);
		expect(yunwu().createBodies.length).toBe(before);
	});

	test('a family switch or number that an expression made "yes", an object or a fraction is refused, not sent and paid for', async () => {
		const before = yunwu().createBodies.length;
		const fromItem = (name: string) => `={{ $json.${name} }}`;
		const run = await create(
			{
				model: fromItem('model'),
				// Shown for a model given by expression, so n8n requires it; not sent for these models.
				customModel: 'unused',
				prompt: 'x',
				...Object.fromEntries(
					['enhancePrompt', 'enableUpsample', 'watermark', 'private', 'duration', 'customMode'].map(
						(name) => [name, fromItem(name)],
					),
				),
			},
			{
				continueOnFail: true,
				items: [
					{ json: { model: 'veo3', enhancePrompt: 'yes' } },
					{ json: { model: 'veo3', enableUpsample: { on: true } } },
					{ json: { model: 'sora-2', duration: 10, watermark: 'no' } },
					{ json: { model: 'sora-2', duration: 10, private: 1 } },
					{ json: { model: 'sora-2', duration: 'ten' } },
					{ json: { model: 'sora-2', duration: 12.5 } },
					{ json: { model: 'grok-video-3', customMode: 'yes' } },
					// What a checkbox or a list gives, as text, is what it means.
					{ json: { model: 'sora-2-pro', duration: '15', watermark: 'true', private: 'false' } },
				],
			},
		);

		const onOrOff = 'Turn it on or off, or make the expression give true or false.';
		expect(run.items!.map((item) => item.json.error)).toEqual([
			`Enhance Prompt of item 0 is "yes". ${onOrOff}`,
			`Upsample of item 1 is {"on":true}. ${onOrOff}`,
			`Watermark of item 2 is "no". ${onOrOff}`,
			`Private of item 3 is 1. ${onOrOff}`,
			'Duration (Seconds) of item 4 is "ten". Enter a whole number of at least 1, such as 10.',
			'Duration (Seconds) of item 5 is 12.5. Enter a whole number of at least 1, such as 10.',
			`Custom Mode of item 6 is "yes". ${onOrOff}`,
			undefined,
		]);
		expect(yunwu().createBodies.slice(before)).toEqual([
			{
				model: 'sora-2-pro',
				prompt: 'x',
				orientation: 'landscape',
				duration: 15,
				watermark: true,
				private: false,
			},
		]);
	});

	test('Additional Body Fields may override the model or prompt with text only: a number, object or null is refused before any create', async () => {
		const before = yunwu().createBodies.length;
		const run = await create(
			{ model: 'veo3', prompt: 'A cat', additionalFields: '={{ $json.extra }}' },
			{
				continueOnFail: true,
				items: [
					{ json: { extra: { model: 42 } } },
					{ json: { extra: { prompt: { text: 'a dog' } } } },
					{ json: { extra: { prompt: null, seed: 1 } } },
					{ json: { extra: { model: 'veo3-pro', prompt: 'A dog' } } },
				],
			},
		);

		const orRemove = (field: string) =>
			`Put the ${field} in quotes, or remove "${field}" from Additional Body Fields to send the one above.`;
		expect(run.items!.map((item) => item.json.error)).toEqual([
			`Additional Body Fields of item 0 sets "model" to 42, which is not text. ${orRemove('model')}`,
			`Additional Body Fields of item 1 sets "prompt" to {"text":"a dog"}, which is not text. ${orRemove('prompt')}`,
			`Additional Body Fields of item 2 sets "prompt" to null, which is not text. ${orRemove('prompt')}`,
			undefined,
		]);
		expect(yunwu().createBodies.slice(before)).toEqual([
			{ model: 'veo3-pro', prompt: 'A dog', enhance_prompt: false, enable_upsample: false },
		]);
	});

	test('every item is checked before any task is created: one bad item costs nothing', async () => {
		const before = yunwu().createBodies.length;
		const run = await runNode({
			parameters: {
				operation: 'create',
				model: 'veo3',
				prompt: '={{ $json.prompt }}',
				waitForCompletion: false,
			},
			items: [{ json: { prompt: 'a cat' } }, { json: { prompt: '' } }],
			credentials: credentialsFor(yunwu()),
		});
		expect(run.error?.message).toBe(
			'The prompt of item 1 is empty. Describe the video to generate.',
		);
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(yunwu().createBodies.length).toBe(before);
	});

	test('a task that fails does not abandon the tasks other items already paid for', async () => {
		yunwu().createdTaskTemplate = (body) =>
			body.prompt === 'doomed'
				? { processingPolls: 1, end: 'failed', failure: 'policy' }
				: { processingPolls: 3, end: 'completed', video: { size: 1000 } };
		const before = yunwu().createBodies.length;
		const logBefore = yunwu().log.length;
		const run = await runNode({
			parameters: {
				operation: 'create',
				model: 'grok-video-3',
				prompt: '={{ $json.prompt }}',
				options: { pollInterval: 0.02 },
			},
			items: [{ json: { prompt: 'doomed' } }, { json: { prompt: 'fine' } }],
			credentials: credentialsFor(yunwu()),
		});
		const queried = new Set(
			yunwu()
				.log.slice(logBefore)
				.filter((entry) => entry.path === '/v1/video/query')
				.map((entry) => entry.query.id),
		);
		const fineTask = [...queried].find((id) => yunwu().task(id).script.end === 'completed');
		// The other item's task was waited on to the end and its video fetched, not abandoned.
		expect(yunwu().task(fineTask!).video?.deliveredAt).toHaveLength(1);
		expect(run.error?.message).toMatch(
			/^Task "grok:[0-9a-f-]+" failed on Yunwu \(status "failed"\): policy\./,
		);
		expect(run.error?.message).toContain(
			`The other items created these tasks, which a Query or Wait Until Complete node can pick up instead of creating them again: ${fineTask}.`,
		);
		expect(yunwu().createBodies.length).toBe(before + 2);
	});

	test("the node's error lists apart the other items' tasks that failed on Yunwu: only tasks worth picking up are offered to pick up", async () => {
		const scripts: Record<string, Omit<TaskScript, 'id'>> = {
			doomed: { processingPolls: 1, end: 'failed', failure: 'policy' },
			fine: { processingPolls: 3, end: 'completed', video: { size: 1000 } },
			'also doomed': { processingPolls: 1, end: 'failed', failure: 'policy' },
			slow: { processingPolls: 1000, end: 'completed' },
		};
		yunwu().createdTaskTemplate = (body) => scripts[body.prompt as string];
		const before = yunwu().createdTasks.length;
		const run = await runNode({
			parameters: {
				operation: 'create',
				model: 'grok-video-3',
				prompt: '={{ $json.prompt }}',
				options: { pollInterval: 0.02, timeout: '={{ $json.timeout }}' },
			},
			items: Object.keys(scripts).map((prompt) => ({
				json: { prompt, timeout: prompt === 'slow' ? 0.3 : 10 },
			})),
			credentials: credentialsFor(yunwu()),
		});
		const taskOf = (prompt: string) =>
			yunwu()
				.createdTasks.slice(before)
				.find((task) => task.body.prompt === prompt)!.id;

		expect(run.error?.message).toMatch(
			new RegExp(`^Task "${taskOf('doomed')}" failed on Yunwu \\(status "failed"\\): policy\\.`),
		);
		// The task that timed out may still complete: it is worth picking up, the failed one is not.
		expect(run.error?.message).toContain(
			`The other items created these tasks, which a Query or Wait Until Complete node can pick up instead of creating them again: ${taskOf('fine')}, ${taskOf('slow')}. These tasks of other items failed on Yunwu, so there is nothing to pick up: ${taskOf('also doomed')}.`,
		);
	});

	test("the node's error names the other items whose create request may have created a task it does not know: none is created again unnoticed", async () => {
		yunwu().createdTaskTemplate = { pendingPolls: 1, end: 'completed' };
		// The three creates go out at once (an item not started when another has failed is not
		// started at all), and each item meets its own answer by its prompt: refused, a 500 (a task
		// may exist), created.
		const faults: Record<string, ApiFault> = {
			x0: { type: 'status', code: 400 },
			x1: { type: 'status', code: 500 },
		};
		yunwu().createFaultOf = (body) => faults[String(body.prompt)];
		const before = yunwu().createdTasks.length;
		const run = await runNode({
			parameters: {
				operation: 'create',
				model: 'veo3',
				prompt: '={{ "x" + $json.n }}',
				waitForCompletion: false,
				options: { maxConcurrent: 3 },
			},
			items: [{ json: { n: 0 } }, { json: { n: 1 } }, { json: { n: 2 } }],
			credentials: credentialsFor(yunwu()),
		}).finally(() => (yunwu().createFaultOf = undefined));
		const [created] = yunwu().createdTasks.slice(before);

		expect(run.error?.message).toBe(
			`Yunwu rejected the request (HTTP 400) for the create request for model "veo3". Check the node's fields against the message. The other items created these tasks, which a Query or Wait Until Complete node can pick up instead of creating them again: ${created.id}. The create request of item 1 may also have created a task: check the task list in your Yunwu dashboard before running this node again.`,
		);
	});

	test("a gateway that answers two items' creates with one task: the node's error does not offer the failing item's own task as another item's", async () => {
		const id = yunwu().addTask({
			id: 'grok:one-for-both',
			processingPolls: 1,
			end: 'failed',
			failure: 'policy',
		});
		const answer = `{"id":"${id}","status":"pending"}`;
		yunwu().createFaults.push(
			{ type: 'status', code: 200, body: answer },
			{ type: 'status', code: 200, body: answer },
		);
		const run = await runNode({
			parameters: {
				operation: 'create',
				model: 'grok-video-3',
				prompt: 'x',
				options: { pollInterval: 0.02 },
			},
			items: [{ json: {} }, { json: {} }],
			credentials: credentialsFor(yunwu()),
		});

		expect(run.error?.message).toBe(
			`Task "${id}" failed on Yunwu (status "failed"): policy. Check the prompt and model, then create a new task.`,
		);
	});

	test('429 on create is retried after Retry-After: nothing was created by the refused request', async () => {
		yunwu().createdTaskTemplate = { pendingPolls: 1, end: 'completed' };
		yunwu().createFaults.push({ type: 'rateLimit', retryAfter: '0.2' });
		const before = yunwu().createBodies.length;
		const run = await create({ model: 'veo3', prompt: 'patience' });
		expect(run.items![0].json.state).toBe('pending');
		expect(yunwu().createBodies.length).toBe(before + 2);
	});

	test("a rejected model gives the API's own message", async () => {
		yunwu().createFaults.push({
			type: 'status',
			code: 400,
			body: JSON.stringify({
				error: {
					message: 'No available channel for model veo9 under group default',
					type: 'new_api_error',
					code: 'model_not_found',
				},
			}),
		});
		const run = await create({ model: 'custom', customModel: 'veo9', prompt: 'x' });
		expect(run.error?.message).toBe(
			'Yunwu rejected the request (HTTP 400: No available channel for model veo9 under group default (model_not_found)) for the create request for model "veo9". Check the node\'s fields against the message.',
		);
	});

	test.each([
		['a 502 gateway page', { type: 'gatewayPage', code: 502 } as const, /error page \(HTTP 502\)/],
		[
			'a create that hangs past the request timeout',
			{ type: 'hang' } as const,
			/did not answer within 0\.3 s/,
		],
		['a dropped connection', { type: 'drop' } as const, /the connection was dropped/],
	])('%s is not retried, and says the task may exist', async (_name, fault, detail) => {
		const before = yunwu().createBodies.length;
		yunwu().createFaults.push(fault);

		const run = await create({
			model: 'veo3',
			prompt: 'Only once',
			options: { requestTimeout: 0.3 },
		});

		expect(run.error?.message).toMatch(detail);
		expect(run.error?.message).toMatch(
			/The task may still have been created: check the task list in your Yunwu dashboard before running this node again \(it was not retried, to avoid paying twice\)\.$/,
		);
		await new Promise((resolve) => setTimeout(resolve, 400));
		expect(yunwu().createBodies.length).toBe(before + 1);
	});

	test('Continue On Fail: one failed create does not stop the other items', async () => {
		yunwu().createFaults.push({
			type: 'status',
			code: 401,
			body: '{"error":{"message":"bad key"}}',
		});
		yunwu().createdTaskTemplate = { pendingPolls: 1, end: 'completed' };
		const run = await runNode({
			parameters: {
				operation: 'create',
				model: 'veo3',
				prompt: '={{ $json.prompt }}',
				waitForCompletion: false,
				options: { maxConcurrent: 1 },
			},
			items: [{ json: { prompt: 'first' } }, { json: { prompt: 'second' } }],
			credentials: credentialsFor(yunwu()),
			continueOnFail: true,
		});
		expect(
			run.items!.map((item) => [item.pairedItem, item.json.error ? 'error' : item.json.state]),
		).toEqual([
			[{ item: 0 }, 'error'],
			[{ item: 1 }, 'pending'],
		]);
		expect(run.items![0].json.error).toMatch(/^Yunwu rejected the API key \(HTTP 401: bad key\)/);
	});
});

describe('Create: stopping the execution while creating', () => {
	/** Starts a create, stops the execution once the create request has reached Yunwu (and `settle` ms more), and returns the run. */
	async function stopWhileCreating(settleMs: number) {
		const before = yunwu().createBodies.length;
		const execution = startNode({
			parameters: {
				operation: 'create',
				model: 'veo3',
				prompt: 'A cat',
				waitForCompletion: false,
				options: { timeout: 60 },
			},
			credentials: credentialsFor(yunwu()),
		});
		while (yunwu().createBodies.length === before)
			await new Promise((resolve) => setTimeout(resolve, 5));
		await new Promise((resolve) => setTimeout(resolve, settleMs));
		execution.cancel();
		return await execution.done;
	}

	test('during the create request: says the task may exist, not that Yunwu could not be reached', async () => {
		yunwu().createFaults.push({ type: 'hang' });

		const run = await stopWhileCreating(50);

		expect(run.error?.message).toBe(
			'The execution was stopped while the create request for model "veo3" was under way. The task may still have been created: check the task list in your Yunwu dashboard before running this node again.',
		);
	});

	test('during the pause before retrying a refused create: says no task was created', async () => {
		yunwu().createFaults.push({ type: 'rateLimit', retryAfter: '5' });

		const run = await stopWhileCreating(50);

		expect(run.error?.message).toBe(
			'The execution was stopped before a task was created for model "veo3".',
		);
	});
});

describe('Create: an answer that trickles', () => {
	test('an answer that trickles a byte every 50 ms is cut at Request Timeout, not read for seconds', async () => {
		yunwu().createFaults.push({
			type: 'trickle',
			intervalMs: 50,
			ticks: 100,
			body: '{"id":"trickled","status":"pending"}',
		});
		const startedAt = Date.now();

		const run = await create({
			model: 'veo3',
			prompt: 'Trickled',
			options: { requestTimeout: 0.3 },
		});

		expect(run.error?.message).toMatch(/did not answer within 0\.3 s/);
		expect(Date.now() - startedAt).toBeLessThan(2_000);
	});
});

describe('Create: a gateway that answers with a numeric task id', () => {
	test('the task is output with its id as text, not failed as "no task ID" while it exists and is paid for', async () => {
		yunwu().createFaults.push({
			type: 'status',
			code: 200,
			body: '{"id":12345,"status":"pending"}',
		});

		const run = await create({ model: 'grok-video-3', prompt: 'Numbered' });

		expect(run.error).toBeUndefined();
		expect(run.items?.[0].json).toMatchObject({ task_id: '12345', state: 'pending' });
	});
});
