import type { INodeParameters } from 'n8n-workflow';

import { credentialsFor, loadOptions, runNode, useYunwuServer } from '../support/harness/n8n';
import { SAVED_CREATE_BODIES, savedCreateWorkflow } from '../fixtures/saved/workflows';
import { DEFAULT_VIDEO_MODEL_IDS } from '../support/server/yunwu-server';

const yunwu = useYunwuServer();

const listModels = (
	parameters: INodeParameters = { operation: 'create', model: 'veo3.1-fast' },
	credentials = credentialsFor(yunwu()),
) => loadOptions('listModels', { parameters, credentials });

const OTHER = {
	name: 'Other (Enter Model Name)',
	value: 'custom',
	description: 'Type any model name Yunwu accepts',
};

describe('Model: the models of the key, through n8n-core as the editor loads them', () => {
	test('video models come first, then Other, then the rest, each group in name order; the key went only to the API', async () => {
		const before = yunwu().log.length;
		const options = await listModels();

		expect(options.map((option) => option.value)).toEqual([
			...DEFAULT_VIDEO_MODEL_IDS,
			'custom',
			'claude-sonnet-4-20250514',
			'deepseek-v3',
			'gemini-2.5-pro',
			'gpt-4o-mini',
			'gpt-image-1',
			'text-embedding-3-small',
		]);
		expect(options).toContainEqual(OTHER);
		expect(
			options
				.filter((option) => option.description === 'Not known as a video model')
				.map((option) => option.value),
		).toEqual(options.slice(8).map((option) => option.value));
		expect(
			yunwu()
				.log.slice(before)
				.map((entry) => [entry.server, entry.method, entry.path, entry.authorization]),
		).toEqual([['api', 'GET', '/v1/models', `Bearer ${yunwu().apiKey}`]]);
	});

	test('a saved model the list lacks stays selectable, first and marked', async () => {
		const options = await listModels({ operation: 'create', model: 'veo3-pro-frames' });
		expect(options[0]).toEqual({
			name: 'veo3-pro-frames',
			value: 'veo3-pro-frames',
			description: 'Not in the list of models your key can use',
		});
		expect(options.filter((option) => option.value === 'veo3-pro-frames')).toHaveLength(1);
	});

	test('a gateway that marks no video models still gets its video families first, by name', async () => {
		const saved = yunwu().models;
		yunwu().models = [
			{ id: 'qwen-max', owned_by: 'ali' },
			{ id: 'sora-2', owned_by: 'custom' },
			{ id: 'doubao-seedance-1-0-pro', owned_by: 'custom' },
		];
		try {
			const options = await listModels({ operation: 'create', model: 'sora-2' });
			expect(options.map((option) => option.value)).toEqual([
				'doubao-seedance-1-0-pro',
				'sora-2',
				'custom',
				'qwen-max',
			]);
		} finally {
			yunwu().models = saved;
		}
	});
});

describe('Model: a list that cannot be loaded says why, and Other stays', () => {
	const failedList = async (
		parameters: INodeParameters,
		credentials: { apiKey: string; baseUrl: string } | null,
	) => {
		const options = await loadOptions('listModels', { parameters, credentials });
		expect(options.at(-1)).toEqual(OTHER);
		expect(options[0]).toMatchObject({ value: '', disabled: true });
		return options;
	};

	test("a wrong key: the API's words, the saved model kept, the key nowhere", async () => {
		const options = await failedList(
			{ operation: 'create', model: 'grok-video-3' },
			{ apiKey: 'sk-wrong-key-123', baseUrl: yunwu().apiUrl },
		);
		expect(options.map((option) => option.name)).toEqual([
			`Could not load your models: Yunwu rejected the API key (HTTP 401: Invalid token (request id: 2025120318) (invalid_api_key)) for the model list. Check the API key in your Yunwu API credential.`,
			'grok-video-3',
			OTHER.name,
		]);
		expect(JSON.stringify(options)).not.toContain('sk-wrong-key-123');
	});

	test('an unreachable Base URL', async () => {
		const [problem] = await failedList(
			{ operation: 'create', model: 'custom', customModel: 'x' },
			{ apiKey: 'sk-1', baseUrl: 'http://127.0.0.1:9' },
		);
		expect(problem.name).toBe(
			'Could not load your models: Could not reach Yunwu at http://127.0.0.1:9 for the model list: the connection was refused. Check the Base URL in your Yunwu API credential and the network, then retry.',
		);
	});

	test('a gateway error page', async () => {
		yunwu().modelListFaults.push({ type: 'gatewayPage', code: 502 });
		const [problem] = await failedList({ operation: 'create' }, credentialsFor(yunwu()));
		expect(problem.name).toBe(
			"Could not load your models: Yunwu's gateway answered with an error page (HTTP 502) for the model list. The service is having trouble; retry in a few minutes.",
		);
	});

	test('a JSON answer without a model list', async () => {
		yunwu().modelListFaults.push({ type: 'status', code: 200, body: '{"object":"list"}' });
		const [problem] = await failedList({ operation: 'create' }, credentialsFor(yunwu()));
		expect(problem.name).toContain(
			"Yunwu's answer for the model list holds no list of models (HTTP 200). Check that the Base URL",
		);
	});

	test("a redirect is not followed: the key does not leave the Base URL's origin", async () => {
		const before = yunwu().log.length;
		yunwu().modelListFaults.push({
			type: 'status',
			code: 302,
			headers: { Location: `${yunwu().fileUrl}/v1/models?token=secret` },
		});
		const [problem] = await failedList({ operation: 'create' }, credentialsFor(yunwu()));
		expect(problem.name).toContain(`with a redirect (HTTP 302 to ${yunwu().fileUrl})`);
		expect(
			yunwu()
				.log.slice(before)
				.map((entry) => entry.server),
		).toEqual(['api']);
	});

	test('no credential chosen yet', async () => {
		const [problem] = await failedList({ operation: 'create' }, null);
		expect(problem.name).toBe('Could not load your models: choose a Yunwu API credential above.');
	});
});

describe('Workflows saved by version 0.1.0 run unchanged', () => {
	const saved = savedCreateWorkflow();
	const parametersOf = (name: string) =>
		saved.nodes.find((node) => node.name === name)!.parameters as INodeParameters;

	test.each(Object.entries(SAVED_CREATE_BODIES))(
		'%s sends the same create request',
		async (name, body) => {
			const run = await runNode({
				parameters: parametersOf(name),
				credentials: credentialsFor(yunwu()),
			});
			expect(run.error).toBeUndefined();
			expect(yunwu().createBodies.at(-1)).toEqual(body);
			expect(run.items![0].json).toMatchObject({ state: 'pending' });
		},
	);

	test("a saved model the key does not list still runs (n8n checks option values only in the panel), with its family's fields", async () => {
		await runNode({
			parameters: { ...parametersOf('Veo 3.1 Fast'), model: 'veo3-pro-frames' },
			credentials: credentialsFor(yunwu()),
		});
		expect(yunwu().createBodies.at(-1)).toMatchObject({
			model: 'veo3-pro-frames',
			enhance_prompt: true,
		});
	});
});

describe('Model: the chosen API decides which models come first', () => {
	test('with API Kling, the Kling models come first; other video models are marked as of another API', async () => {
		const options = await listModels({
			operation: 'create',
			apiFormat: 'kling',
			model: 'kling-v1',
		});
		const values = options.map((option) => option.value);
		expect(values.slice(0, 3)).toEqual(['kling-v1', 'kling-v2-master', 'custom']);
		expect(options.find((option) => option.value === 'sora-2')?.description).toBe(
			'A video model, not known to be served by the Kling API',
		);
		expect(options.find((option) => option.value === 'gpt-4o-mini')?.description).toBe(
			'Not known as a video model',
		);
	});
});
