/**
 * Model from node version 1.2: a resource locator (a model from the key's list, or any name typed
 * By ID), run through n8n-core against the local Yunwu server; and the dropdown with Other of
 * versions 1 and 1.1, which saved workflows hold, still sending what it sent.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { INodeParameters } from 'n8n-workflow';

import { YunwuVideo } from '../../nodes/YunwuVideo/YunwuVideo.node';

import { credentialsFor, listSearch, runNode, useYunwuServer } from '../support/harness/n8n';
import { REPO_ROOT } from '../support/paths';
import {
	DEFAULT_MODELS,
	DEFAULT_OTHER_MODEL_IDS,
	DEFAULT_VIDEO_MODEL_IDS,
} from '../support/server/yunwu-server';

const yunwu = useYunwuServer();

const create = (parameters: INodeParameters, typeVersion: number, items = [{ json: {} }]) =>
	runNode({
		parameters: { operation: 'create', waitForCompletion: false, prompt: 'A kite', ...parameters },
		credentials: credentialsFor(yunwu()),
		typeVersion,
		items,
	});

const locator = (mode: 'list' | 'id', value: string) => ({ __rl: true, mode, value });
const lastBody = () => yunwu().createBodies.at(-1);

/** Undone after the running test, failed or not. */
const undo: Array<() => void> = [];
const afterThisTest = (step: () => void) => undo.push(step);
afterEach(() => undo.splice(0).forEach((step) => step()));

describe('Version 1.2: the model sent is the locator’s, and its family’s fields go with it', () => {
	test('a model picked from the list (as the editor saves it, with its name cached)', async () => {
		const run = await create(
			{
				model: { ...locator('list', 'sora-2-pro'), cachedResultName: 'sora-2-pro' },
				duration: 25,
				orientation: 'portrait',
			},
			1.2,
		);
		expect(run.error).toBeUndefined();
		expect(lastBody()).toEqual({
			model: 'sora-2-pro',
			prompt: 'A kite',
			orientation: 'portrait',
			duration: 25,
			watermark: false,
			private: true,
		});
	});

	test("a name typed By ID gets its family's fields (what Other + Custom Model Name never did)", async () => {
		const run = await create({ model: locator('id', 'sora-2 '), size: 'large' }, 1.2);
		expect(run.error).toBeUndefined();
		expect(lastBody()).toEqual({
			model: 'sora-2',
			prompt: 'A kite',
			size: 'large',
			orientation: 'landscape',
			duration: 10,
			watermark: false,
			private: true,
		});
	});

	test.each([
		['of no known family', 'hailuo-02', 'hailuo-02'],
		// n8n matches the name as typed (panel.test.ts, the editor e2e): " sora-2" shows no Sora fields.
		['with a space before it, as the panel shows it', ' sora-2', 'sora-2'],
	])('a name typed By ID %s is sent with the other models’ fields', async (_how, typed, sent) => {
		const run = await create(
			{ model: locator('id', typed), aspectRatio: '4:3', size: '1280x720' },
			1.2,
		);
		expect(run.error).toBeUndefined();
		expect(lastBody()).toEqual({
			model: sent,
			prompt: 'A kite',
			aspect_ratio: '4:3',
			size: '1280x720',
		});
	});

	test('an expression By ID: each item its own model and family', async () => {
		const run = await create({ model: locator('id', '={{ $json.model }}') }, 1.2, [
			{ json: { model: 'grok-video-3' } },
			{ json: { model: 'veo3' } },
		]);
		expect(run.error).toBeUndefined();
		expect(yunwu().createBodies.slice(-2)).toEqual([
			{ model: 'grok-video-3', prompt: 'A kite' },
			{ model: 'veo3', prompt: 'A kite', enhance_prompt: false, enable_upsample: false },
		]);
	});

	test("an untouched Model is its API's model: veo3.1-fast, sora-2 on OpenAI Videos, kling-v2-master on Kling", async () => {
		await create({}, 1.2);
		expect(lastBody()).toMatchObject({ model: 'veo3.1-fast' });
		await create({ apiFormat: 'openai' }, 1.2);
		expect(lastBody()).toMatchObject({ model: 'sora-2' });
		await create({ apiFormat: 'kling' }, 1.2);
		expect(lastBody()).toMatchObject({ model_name: 'kling-v2-master' });
	});

	test('an empty Model (generations has no default) is refused for the item before any request', async () => {
		const before = yunwu().createBodies.length;
		const run = await create({ apiFormat: 'generations' }, 1.2);
		expect(run.error?.message).toBe(
			'The model of item 0 is empty. Choose a model from the list, or type its name By ID.',
		);
		const typed = await create({ model: locator('id', '  ') }, 1.2);
		expect(typed.error?.message).toBe(run.error?.message);
		expect(yunwu().createBodies.length).toBe(before);
	});

	test('a name holding a line break or another control character (a mapped cell, say) is refused for the item on one line, before any request', async () => {
		const before = yunwu().createBodies.length;
		const run = await create({ model: locator('id', '={{ $json.model }}') }, 1.2, [
			{ json: { model: 'veo3\n\tfast' } },
		]);
		expect(run.error?.message).toBe(
			'The model of item 0, "veo3\\n\\tfast", holds a line break or another control character, which no model name has. Choose a model from the list, or type its name By ID.',
		);
		expect(run.error?.message).not.toMatch(/[\n\t]/);
		expect(yunwu().createBodies.length).toBe(before);
	});

	test.each([
		['typed By ID', locator('id', "={{ $fromAI('model', 'The Yunwu video model', 'string') }}")],
		[
			"set by n8n's 'let the model define this' button (in list mode, marked)",
			locator(
				'list',
				"={{ /*n8n-auto-generated-fromAI-override*/ $fromAI('model', `The Yunwu video model`, 'string') }}",
			),
		],
	])('a model the AI Agent gives through $fromAI() in the locator, %s', async (_how, model) => {
		await runNode({
			parameters: {
				operation: 'create',
				waitForCompletion: false,
				model,
				prompt: "={{ $fromAI('prompt', 'What the video should show', 'string') }}",
			},
			items: [{ json: { model: ' sora-2', prompt: 'A kite' } }],
			credentials: credentialsFor(yunwu()),
			typeVersion: 1.2,
			asTool: true,
		});
		// An expression's model has its family's fields (the panel shows every family's for it).
		expect(lastBody()).toMatchObject({ model: 'sora-2', prompt: 'A kite', duration: 10 });
	});
});

describe('Versions 1 and 1.1 run as they were saved', () => {
	test.each([1, 1.1])(
		'version %s: Other + Custom Model Name sends the custom name, without the fields of its family',
		async (typeVersion) => {
			const run = await create({ model: 'custom', customModel: ' sora-2 ' }, typeVersion);
			expect(run.error).toBeUndefined();
			expect(lastBody()).toEqual({ model: 'sora-2', prompt: 'A kite' });
		},
	);

	test.each([1, 1.1])(
		'version %s: a listed model, and an expression, as before',
		async (typeVersion) => {
			await create({ model: 'veo3.1-fast', enhancePrompt: true }, typeVersion);
			expect(lastBody()).toEqual({
				model: 'veo3.1-fast',
				prompt: 'A kite',
				enhance_prompt: true,
				enable_upsample: false,
			});
			await create({ model: '={{ $json.model }}' }, typeVersion, [{ json: { model: 'sora-2' } }]);
			expect(lastBody()).toMatchObject({ model: 'sora-2', orientation: 'landscape' });
			const empty = await create({ model: 'custom' }, typeVersion);
			expect(empty.error?.message).toBe(
				'The model of item 0 is empty. Choose a model, or enter its name under Other.',
			);
		},
	);
});

describe("Version 1.2's list (listSearch), through n8n-core as the editor asks for it", () => {
	const search = (parameters: INodeParameters, filter?: string) =>
		listSearch('searchModels', {
			parameters: { operation: 'create', ...parameters },
			credentials: credentialsFor(yunwu()),
			filter,
		});

	test('the video models first by name, then the rest, each marked in its name (the list shows names only)', async () => {
		const { results } = await search({ model: locator('list', 'veo3.1-fast') });
		expect(results.map((result) => result.value)).toEqual([
			...DEFAULT_VIDEO_MODEL_IDS,
			...DEFAULT_OTHER_MODEL_IDS,
		]);
		expect(DEFAULT_OTHER_MODEL_IDS).toHaveLength(6);
		expect(results[0]).toEqual({ name: 'grok-video-3', value: 'grok-video-3' });
		expect(results.at(-1)).toEqual({
			name: 'text-embedding-3-small (not known as a video model)',
			value: 'text-embedding-3-small',
		});
	});

	test('the search box narrows the list by name, any case', async () => {
		const { results } = await search({}, ' SORA ');
		expect(results.map((result) => result.value)).toEqual(['sora-2', 'sora-2-pro']);
	});

	test('words typed apart each narrow the list, as a name is said ("sora 2 pro", "Veo 3.1")', async () => {
		const values = async (filter: string) =>
			(await search({}, filter)).results.map((result) => result.value);
		expect(await values('sora 2 pro')).toEqual(['sora-2-pro']);
		expect(await values('Veo  3.1')).toEqual(['veo3.1-fast']);
		expect(await values('sora kling')).toEqual([]);
	});

	test('with API Kling, its models come first; other video models are marked as of another API', async () => {
		const { results } = await search({ apiFormat: 'kling' });
		expect(results[0]).toEqual({ name: 'kling-v2-master', value: 'kling-v2-master' });
		expect(results.find((result) => result.value === 'sora-2')?.name).toBe(
			'sora-2 (a video model, not known to be served by the Kling API)',
		);
	});

	test('a saved model the key does not list stays first, marked', async () => {
		const { results } = await search({ model: locator('list', 'veo3-pro-frames') });
		expect(results[0]).toEqual({
			name: 'veo3-pro-frames (not in the list of models your key can use)',
			value: 'veo3-pro-frames',
		});
	});

	test('a mirror listing thousands of models: the list comes in pages of 100 as the editor scrolls, each model once, in order', async () => {
		const many = Array.from({ length: 250 }, (_, index) => `video-${index}`);
		yunwu().models = [...many, ...many].map((id) => ({ id, owned_by: 'mirror' }));
		afterThisTest(() => (yunwu().models = DEFAULT_MODELS.map((model) => ({ ...model }))));
		const pages: string[][] = [];
		let paginationToken: string | undefined;
		do {
			const page = await listSearch('searchModels', {
				parameters: { operation: 'create' },
				credentials: credentialsFor(yunwu()),
				paginationToken,
			});
			pages.push(page.results.map((result) => String(result.value)));
			paginationToken = page.paginationToken as string | undefined;
		} while (paginationToken !== undefined && pages.length < 10);
		expect(pages.map((page) => page.length)).toEqual([100, 100, 50]);
		const inOrder = [...many].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
		expect(pages.flat()).toEqual(inOrder);
		const searched = await search({}, '-12');
		expect(searched.results.map((result) => result.value)).toEqual([
			'video-12',
			...inOrder.filter((id) => id.startsWith('video-12') && id !== 'video-12'),
		]);
		expect(searched.paginationToken).toBeUndefined();
	});

	test('a list that cannot be loaded is one line saying why, and that By ID still takes a name; the key is nowhere', async () => {
		const failure = listSearch('searchModels', {
			parameters: { operation: 'create' },
			credentials: { apiKey: 'sk-wrong-key-123', baseUrl: yunwu().apiUrl },
		});
		await expect(failure).rejects.toThrow(
			"Could not load your models: Yunwu rejected the API key (HTTP 401: Invalid token (request id: 2025120318) (invalid_api_key)) for the model list. Check the API key in your Yunwu API credential. You can still type the model's name: choose By ID.",
		);
		const error = (await failure.catch((caught: Error) => caught)) as Error;
		expect(error.message).not.toContain('\n');
		expect(JSON.stringify(error)).not.toContain('sk-wrong-key-123');
	});
});

describe('The examples use the version new nodes get, with the parameters it expects', () => {
	const examples = readdirSync(path.join(REPO_ROOT, 'examples')).filter((file) =>
		file.endsWith('.json'),
	);
	const yunwuNodes = examples.flatMap((file) =>
		(
			JSON.parse(readFileSync(path.join(REPO_ROOT, 'examples', file), 'utf8')) as {
				nodes: Array<{ type: string; typeVersion: number; parameters: INodeParameters }>;
			}
		).nodes
			.filter((node) => node.type.startsWith('n8n-nodes-yunwu.'))
			.map((node) => ({ file, ...node })),
	);

	test('every Yunwu node is at the default version', () => {
		expect(yunwuNodes.length).toBeGreaterThanOrEqual(4);
		for (const node of yunwuNodes)
			expect([node.file, node.typeVersion]).toEqual([
				node.file,
				new YunwuVideo().description.defaultVersion,
			]);
	});

	test('every Create sends the model it shows', async () => {
		const creates = yunwuNodes.filter((node) => node.parameters.operation === 'create');
		expect(creates.map((node) => node.file).sort()).toEqual([
			'agent-make-videos.json',
			'prompt-to-video.json',
		]);
		for (const node of creates) {
			const run = await runNode({
				parameters: { ...node.parameters, waitForCompletion: false },
				items: [{ json: { prompt: 'A kite' } }],
				credentials: credentialsFor(yunwu()),
				typeVersion: node.typeVersion,
				asTool: node.type.endsWith('Tool'),
			});
			expect(run.error).toBeUndefined();
			expect(lastBody()).toMatchObject({ model: 'veo3.1-fast', aspect_ratio: '16:9' });
		}
	});
});
