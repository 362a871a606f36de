/**
 * A hostile review of issue 20 (every Yunwu video API): odd create answers of Kling, OpenAI videos
 * and generations, Task IDs crafted to change the route, and images a careless user or a previous
 * node got wrong. Each test runs the node through n8n-core against the local Yunwu server.
 */
import type { INodeExecutionData } from 'n8n-workflow';

import { credentialsFor, runNode, useYunwuServer } from '../support/harness/n8n';

const yunwu = useYunwuServer();

const FAST = { pollInterval: 0.02, timeout: 5, requestTimeout: 1 };

const MODEL_OF = { kling: 'kling-v1', openai: 'sora-2', generations: 'veo3', unified: 'veo3' };
type Format = keyof typeof MODEL_OF;

const create = (
	apiFormat: Format,
	parameters: Record<string, unknown> = {},
	items?: INodeExecutionData[],
) =>
	runNode({
		parameters: {
			operation: 'create',
			apiFormat,
			model: MODEL_OF[apiFormat],
			prompt: 'A paper boat in the rain',
			waitForCompletion: true,
			options: FAST,
			...parameters,
		},
		credentials: credentialsFor(yunwu()),
		...(items ? { items } : {}),
	});

const requestsFromNow = () => {
	const start = yunwu().apiRequests().length;
	return () =>
		yunwu()
			.apiRequests()
			.slice(start)
			.map((entry) => `${entry.method} ${entry.path}`);
};

const answerCreateWith = (body: unknown, code = 200) =>
	yunwu().createFaults.push({
		type: 'status',
		code,
		body: typeof body === 'string' ? body : JSON.stringify(body),
	});

describe('A 2xx create answer whose id is no id: the task may exist, and nothing waits on it', () => {
	test.each<[Format, unknown]>([
		['openai', { code: 'fail', data: 'quota exceeded' }],
		['generations', { code: 'fail', data: 'quota exceeded' }],
		['unified', { code: 'fail', data: 'quota exceeded' }],
		['generations', { code: 'fail', data: 'quota_exceeded' }],
		['unified', { code: 500, data: 'upstream_error' }],
		['openai', { id: 'video_1\nINFO forged log line' }],
		['generations', { task_id: 'task 1 ?x=1' }],
		['kling', { code: 0, data: { task_id: '880011\r\n22', task_status: 'submitted' } }],
	])('%s answers %j', async (apiFormat, body) => {
		answerCreateWith(body);
		const sent = requestsFromNow();
		const run = await create(apiFormat);
		expect(run.error?.message).toMatch(/may still have been created/);
		// One create, no query on garbage.
		expect(sent()).toHaveLength(1);
	});
});

describe('Kling create answers', () => {
	test('an 18-digit numeric task_id keeps every digit in the Task ID', async () => {
		answerCreateWith(
			'{"code":0,"message":"SUCCEED","data":{"task_id":880011223344556677,"task_status":"submitted"}}',
		);
		const run = await create('kling', { waitForCompletion: false });
		expect(run.error).toBeUndefined();
		expect(run.items![0].json.task_id).toBe('kling://text2video/880011223344556677');
	});

	test('code other than 0 on HTTP 200 with a task_id anyway: the paid id is not lost', async () => {
		answerCreateWith({
			code: 1303,
			message: 'parallel task over resource pack limit',
			data: { task_id: '880011223344556678', task_status: 'submitted' },
		});
		const run = await create('kling', { waitForCompletion: false });
		// Either the task is output, or the error names its id: never "rejected" with the id dropped.
		const said = run.error?.message ?? JSON.stringify(run.items?.[0].json);
		expect(said).toContain('880011223344556678');
	});
});

describe('Task IDs crafted to change the route stay inside their route', () => {
	test.each([
		['openai://..', '/v1/videos/'],
		['openai://.', '/v1/videos/'],
		['generations://..', '/v1/video/generations/'],
		['kling://text2video/..', '/kling/v1/videos/text2video/'],
		['kling://..', '/kling/v1/videos/'],
	])('%s', async (taskId, route) => {
		const sent = requestsFromNow();
		const run = await runNode({
			parameters: { operation: 'query', taskId },
			credentials: credentialsFor(yunwu()),
		});
		for (const path of sent())
			expect(path.slice(path.indexOf(' ') + 1)).toMatch(new RegExp(`^${route}.`));
		expect(run.error?.message).toMatch(/is not a \w+ task ID/);
	});
});

describe('Images a careless user gives', () => {
	test('Reference Images "From Binary Fields" with Image Binary Fields emptied is an error, not a paid text-to-video', async () => {
		const bytes = Buffer.from('\x89PNG\r\n\x1a\nfake image', 'latin1');
		const sent = requestsFromNow();
		const run = await create('kling', { imageSource: 'binary', imageBinaryProperties: ' , ' }, [
			{ json: {}, binary: { data: { data: bytes.toString('base64'), mimeType: 'image/png' } } },
		]);
		expect(run.error?.message).toMatch(/Image Binary Fields/);
		expect(sent()).toEqual([]);
	});

	test('Reference Images "From URLs" with no URL is an error, not a paid text-to-video', async () => {
		const sent = requestsFromNow();
		const run = await create('kling', { imageSource: 'urls', imageUrls: ' ,\n' });
		expect(run.error?.message).toMatch(/Image URLs/);
		expect(sent()).toEqual([]);
	});

	test('a declared type that is no MIME type does not reach the request', async () => {
		const bytes = Buffer.from('\x89PNG\r\n\x1a\nfake image', 'latin1');
		const run = await create('generations', { imageSource: 'binary', waitForCompletion: false }, [
			{
				json: {},
				binary: {
					data: {
						data: bytes.toString('base64'),
						mimeType: 'image/png\r\nX-Injected: yes',
						fileName: 'a.png',
					},
				},
			},
		]);
		expect(run.error).toBeUndefined();
		expect(yunwu().createBodies.at(-1)?.image).toBe(
			`data:image/png;base64,${bytes.toString('base64')}`,
		);
	});
});
