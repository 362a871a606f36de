// The Yunwu Video Tool an AI Agent calls (n8n's `…yunwuVideoTool`, derived from `usableAsTool`),
// run through n8n-core: what the model gets back from each operation, and what it is told after a
// failure. The node outside an agent is covered, unchanged, by every other suite.
import {
	NodeHelpers,
	traverseNodeParameters,
	type FromAIArgument,
	type INode,
	type INodeParameters,
	type INodeProperties,
} from 'n8n-workflow';

import { YunwuVideo } from '../../nodes/YunwuVideo/YunwuVideo.node';
import { credentialsFor, itemsWithIds, runNode, useYunwuServer } from '../support/harness/n8n';

const yunwu = useYunwuServer();

const asTool = (parameters: Record<string, unknown>, ids: string[] = ['unused']) =>
	runNode({
		parameters: { taskId: '={{ $json.id }}', ...parameters },
		items: itemsWithIds(ids),
		credentials: credentialsFor(yunwu()),
		asTool: true,
	});

describe('as an AI Agent tool', () => {
	test('Wait Until Complete answers the model with task_id, state, progress, the video link and a next step, downloads nothing, and has no second id', async () => {
		const id = yunwu().addTask({
			id: 'grok:agent-done',
			processingPolls: 1,
			end: 'completed',
			video: { size: 50_000 },
			thumbnail: true,
		});

		const run = await asTool(
			{
				operation: 'waitUntilComplete',
				options: { pollInterval: 0.05, downloadThumbnail: true },
			},
			[id],
		);

		expect(run.status).toBe('success');
		const [item] = run.items!;
		expect(item.binary).toBeUndefined();
		expect(item.pairedItem).toEqual({ item: 0 });
		expect(item.json).toEqual({
			task_id: id,
			state: 'completed',
			progress: 100,
			video_url: expect.stringMatching(/^http:\/\/127\.0\.0\.2:\d+\/file_download\//),
			thumbnail_url: expect.any(String),
			next_step: 'The video is ready: give the user video_url (the link expires after a while).',
		});
		expect(JSON.stringify(item.json).length).toBeLessThan(400);
		expect(yunwu().fileRequests()).toEqual([]);
		expect(yunwu().videoOf(id).downloads).toBe(0);
	});

	test('Create without waiting: the task id at once, state pending, and the next step says to wait for it with the wait tool, not to create it again', async () => {
		const created = yunwu().createdTasks.length;

		const run = await asTool({
			operation: 'create',
			model: 'grok-video-3',
			prompt: 'A red kite over the sea',
			waitForCompletion: false,
		});

		const [task] = yunwu().createdTasks.slice(created);
		expect(run.items![0].json).toEqual({
			task_id: task.id,
			state: 'pending',
			progress: null,
			next_step:
				'The video is being made, which takes minutes. Wait for it with a tool that waits for a Yunwu video task (Wait Until Complete) and this task_id. Do not create it again.',
		});
	});

	test('Create with Wait for Completion: the video link once it is ready, the file never fetched; not ready in time, the next step says to wait with the wait tool, never to create again', async () => {
		const [created, template] = [yunwu().createdTasks.length, yunwu().createdTaskTemplate];
		yunwu().createdTaskTemplate = { pendingPolls: 1, end: 'completed', video: { size: 30_000 } };
		const create = (options: Record<string, unknown>) =>
			asTool({
				operation: 'create',
				model: 'veo3.1-fast',
				prompt: 'A harbour at dawn',
				options: { pollInterval: 0.05, ...options },
			});

		const ready = await create({});
		yunwu().createdTaskTemplate = { processingPolls: 1_000_000 };
		const late = await create({ timeout: 0.3 });
		yunwu().createdTaskTemplate = template;

		const [readyTask, lateTask] = yunwu().createdTasks.slice(created);
		expect(ready.items![0].json).toMatchObject({
			task_id: readyTask.id,
			state: 'completed',
			video_url: yunwu().videoUrlOf(readyTask.id),
		});
		expect(ready.items![0].binary).toBeUndefined();
		expect(yunwu().videoOf(readyTask.id).downloads).toBe(0);
		expect(late.items![0].json).toMatchObject({
			task_id: lateTask.id,
			state: 'processing',
			timed_out: true,
			next_step: expect.stringMatching(
				/To keep waiting, call a tool that waits for a Yunwu video task \(Wait Until Complete\) again with this task_id, or tell the user it is still being made\. Do not create it again\.$/,
			),
		});
	});

	test('a wait that runs out of time is an answer, not an error: still processing, wait again with this task_id (the default On Timeout "fail" does not apply)', async () => {
		const id = yunwu().addTask({ id: 'grok:agent-slow', processingPolls: 1_000_000 });

		const run = await asTool(
			{ operation: 'waitUntilComplete', options: { pollInterval: 0.05, timeout: 0.3 } },
			[id],
		);

		expect(run.status).toBe('success');
		const { json } = run.items![0];
		expect(json).toMatchObject({ task_id: id, state: 'processing', timed_out: true });
		expect(json.next_step).toMatch(
			/^Not finished after waiting 0 s\. To keep waiting, call this tool again with this task_id, or tell the user it is still being made\.$/,
		);
	});

	test('an unknown task id is answered, not thrown (n8n 1.x would end the execution), with the next step: call again with the full task id', async () => {
		yunwu().addTask({ id: 'grok:agent-known', processingPolls: 1 });

		const run = await asTool({ operation: 'query' }, ['agent-known']);

		expect(run.status).toBe('success');
		expect(run.items).toEqual([{ json: { error: expect.any(String) }, pairedItem: { item: 0 } }]);
		expect(run.items![0].json.error).toBe(
			'Yunwu does not know task "agent-known" (HTTP 404: task_not_exist). Use the full task ID returned when the task was created, including its prefix such as "grok:". Next step: Call this tool again with the task_id exactly as the create tool returned it, model prefix included (such as "grok:…"); do not shorten or retype it.',
		);
	});

	test('a failed task tells the model that waiting again will not help', async () => {
		const id = yunwu().addTask({
			id: 'grok:agent-failed',
			processingPolls: 1,
			end: 'failed',
			failure: { code: 'policy', message: 'Prompt rejected by moderation' },
		});

		const run = await asTool({ operation: 'waitUntilComplete', options: { pollInterval: 0.05 } }, [
			id,
		]);

		expect(run.items![0].json.error).toContain('Prompt rejected by moderation');
		expect(run.items![0].json.error).toContain(
			'Next step: The video could not be made: tell the user why. Waiting again will not help',
		);
	});

	test('a create that may have created a task tells the model not to create it again', async () => {
		yunwu().createFaults.push({ type: 'status', code: 502 });

		const run = await asTool({
			operation: 'create',
			model: 'grok-video-3',
			prompt: 'A lighthouse',
			waitForCompletion: false,
		});

		expect(run.items![0].json.error).toContain(
			'Next step: Do not call the create tool again for this video: the task may exist and be paid for.',
		);
	});

	test('Query looks once: a running task says to wait for it with the wait tool, a failed one gives the reason and says waiting again will not help', async () => {
		const running = yunwu().addTask({ id: 'grok:agent-running', processingPolls: 1000 });
		const failed = yunwu().addTask({
			id: 'grok:agent-query-failed',
			end: 'failed',
			failure: 'Prompt rejected by moderation',
		});

		const run = await asTool({ operation: 'query' }, [running, failed]);

		expect(run.items!.map((item) => item.json)).toEqual([
			{
				task_id: running,
				state: 'processing',
				progress: null,
				next_step:
					'Not finished yet. Wait for it with a tool that waits for a Yunwu video task (Wait Until Complete) and this task_id (one call instead of repeated checks), or check again later.',
			},
			{
				task_id: failed,
				state: 'failed',
				progress: 100,
				error_message: 'Prompt rejected by moderation',
				next_step:
					'The video could not be made: tell the user why. Waiting again will not help; create a new task only if the user wants to try again. The reason is in error_message.',
			},
		]);
		expect(yunwu().apiRequests(running)).toHaveLength(1);
	});

	test('a wrong API key tells the model not to retry but to tell the user', async () => {
		const id = yunwu().addTask({ id: 'grok:agent-wrong-key', processingPolls: 1 });

		const run = await runNode({
			parameters: { operation: 'query', taskId: '={{ $json.id }}' },
			items: itemsWithIds([id]),
			credentials: { ...credentialsFor(yunwu()), apiKey: 'sk-wrong' },
			asTool: true,
		});

		expect(run.items![0].json.error).toMatch(
			/^Yunwu rejected the API key \(HTTP 401.*Next step: Do not retry: tell the user that the Yunwu connection in n8n needs fixing \(the reason is above\)\.$/,
		);
		expect(run.items![0].json.error).not.toContain('sk-wrong');
	});

	test('a wait whose queries kept failing until it ran out says why (Yunwu erring, the Base URL down), not that the video is still being made', async () => {
		const erring = yunwu().addTask({
			id: 'grok:agent-erring',
			faults: Array.from({ length: 1000 }, () => ({
				type: 'gatewayPage' as const,
				code: 502 as const,
			})),
		});
		const wait = { operation: 'waitUntilComplete', options: { pollInterval: 0.05, timeout: 0.5 } };

		const answers = [
			await asTool(wait, [erring]),
			await runNode({
				parameters: { ...wait, taskId: '={{ $json.id }}' },
				items: itemsWithIds([erring]),
				credentials: { ...credentialsFor(yunwu()), baseUrl: 'http://127.0.0.1:9' },
				asTool: true,
			}),
		].map((run) => run.items![0].json);

		expect(answers).toEqual([{ error: expect.any(String) }, { error: expect.any(String) }]);
		const [gateway, refused] = answers.map(({ error }) => String(error));
		expect(gateway).toMatch(
			/^Task "grok:agent-erring" did not finish within 0\.5 s; the last query failed: .*HTTP 502/,
		);
		expect(refused).toMatch(
			/the last query failed: Could not reach Yunwu at http:\/\/127\.0\.0\.1:9 .*connection was refused/,
		);
		for (const error of [gateway, refused]) {
			expect(error).toMatch(
				/Next step: Yunwu is busy or unreachable right now: call this tool again in a minute/,
			);
			// Advice for a workflow's builder, not for a tool (whose wait already ends with an answer).
			expect(error).not.toContain('On Timeout');
		}
	});

	test("with On Error set to Continue, a failed item's answer carries the next step as every other answer does; the other items answer as usual", async () => {
		const done = yunwu().addTask({ id: 'grok:agent-continue-done', end: 'completed' });
		yunwu().addTask({ id: 'grok:agent-continue-known', processingPolls: 1 });

		const queried = await runNode({
			parameters: { operation: 'query', taskId: '={{ $json.id }}' },
			items: itemsWithIds([done, 'agent-continue-known']),
			credentials: credentialsFor(yunwu()),
			asTool: true,
			continueOnFail: true,
		});
		yunwu().createFaults.push({ type: 'status', code: 502 });
		const created = await runNode({
			parameters: {
				operation: 'create',
				model: 'grok-video-3',
				prompt: 'A lighthouse',
				waitForCompletion: false,
			},
			credentials: credentialsFor(yunwu()),
			asTool: true,
			continueOnFail: true,
		});

		expect(queried.status).toBe('success');
		expect(queried.items!.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		const [answered, unknown] = queried.items!.map((item) => item.json);
		expect(answered).toMatchObject({ task_id: done, state: 'completed' });
		expect(unknown).toEqual({
			error: expect.stringMatching(/^Yunwu does not know task "agent-continue-known"/),
			task_id: 'agent-continue-known',
			next_step:
				'Call this tool again with the task_id exactly as the create tool returned it, model prefix included (such as "grok:…"); do not shorten or retype it.',
		});
		expect(created.items!.map((item) => item.json)).toEqual([
			{
				error: expect.any(String),
				next_step:
					'Do not call the create tool again for this video: the task may exist and be paid for. Tell the user to check the task list in their Yunwu dashboard.',
			},
		]);
	});

	test('without a Timeout of its own a tool waits 2 minutes, not the 30 a workflow waits', async () => {
		const id = yunwu().addTask({ id: 'grok:agent-two-minutes', processingPolls: 1_000_000 });
		const started = Date.now();

		// A second query 130 s after the first fits in 30 minutes, not in 2: the wait ends after one query.
		const run = await asTool({ operation: 'waitUntilComplete', options: { pollInterval: 130 } }, [
			id,
		]);

		expect(Date.now() - started).toBeLessThan(5000);
		expect(run.items![0].json).toMatchObject({ state: 'processing', timed_out: true });
		expect(yunwu().apiRequests(id)).toHaveLength(1);
	});
});

test("a list field (Model, Aspect Ratio), which has no 'let the model define this' button, takes the model's value through a $fromAI() expression", async () => {
	const created = yunwu().createBodies.length;

	await runNode({
		parameters: {
			operation: 'create',
			model: "={{ $fromAI('model', 'The Yunwu video model', 'string') }}",
			prompt: "={{ $fromAI('prompt', 'What the video should show', 'string') }}",
			aspectRatio: "={{ $fromAI('aspect_ratio', '16:9 or 9:16', 'string') }}",
			waitForCompletion: false,
		},
		// The tool's arguments, as the agent hands them to the node.
		items: [{ json: { model: 'veo3.1-fast', prompt: 'A kite', aspect_ratio: '9:16' } }],
		credentials: credentialsFor(yunwu()),
		asTool: true,
	});

	expect(yunwu().createBodies.slice(created)).toEqual([
		{
			model: 'veo3.1-fast',
			prompt: 'A kite',
			aspect_ratio: '9:16',
			enhance_prompt: false,
			enable_upsample: false,
		},
	]);
});

describe('the description each operation gives the model', () => {
	const fields = new YunwuVideo().description.properties.filter(
		(property) => property.name === 'toolDescription',
	);

	test('is shown on the tool only, one per operation (and Wait for Completion), each saying what it does and returns', () => {
		expect(fields.map((field) => field.displayOptions?.show)).toEqual([
			{ '@tool': [true], operation: ['create'], waitForCompletion: [false] },
			{ '@tool': [true], operation: ['create'], waitForCompletion: [true] },
			{ '@tool': [true], operation: ['query'] },
			{ '@tool': [true], operation: ['waitUntilComplete'] },
		]);
		const [createOnly, createAndWait, query, wait] = fields.map((field) => String(field.default));
		expect(createOnly).toMatch(/returns at once, without waiting/);
		expect(createOnly).not.toMatch(/video_url/);
		expect(createAndWait).toMatch(/waits for it \(2 minutes unless its Timeout is set\)/);
		expect(query).toMatch(/once, without waiting/);
		expect(wait).toMatch(/^Waits for a Yunwu/);
		for (const text of [createAndWait, query, wait]) expect(text).toMatch(/video_url/);
		for (const text of [query, wait]) expect(text).toMatch(/model prefix included/);
		expect(new Set([createOnly, createAndWait, query, wait]).size).toBe(4);
	});

	test("Download Video and Put Video in Field, which a tool ignores (it downloads nothing), are not on the tool's panel; the node keeps them", () => {
		const base = new YunwuVideo().description;
		const tool = { ...base, name: `${base.name}Tool` };
		const shown = (type: typeof base, parameters: INodeParameters) =>
			Object.keys(
				NodeHelpers.getNodeParameters(
					type.properties,
					parameters,
					true,
					false,
					{
						name: 'Yunwu',
						type: `n8n-nodes-yunwu.${type.name}`,
						typeVersion: 1,
						parameters,
					} as INode,
					type,
				)!,
			);
		for (const operation of ['create', 'query', 'waitUntilComplete']) {
			const parameters = { operation, downloadVideo: true };
			expect(shown(base, parameters)).toEqual(
				expect.arrayContaining(['downloadVideo', 'binaryPropertyName']),
			);
			expect(shown(tool, parameters)).not.toContain('downloadVideo');
			expect(shown(tool, parameters)).not.toContain('binaryPropertyName');
		}
	});

	// The Add Option list of Options, as the editor's CollectionParameter filters it: each option's
	// displayOptions tested on the collection's values, with the node's values as the root.
	test("options that only shape downloads (thumbnail, file size, download attempts and speed) and On Timeout, which a tool ignores, are not in the tool's Add Option list; the node keeps them", () => {
		const base = new YunwuVideo().description;
		const tool = { ...base, name: `${base.name}Tool` };
		const offered = (type: typeof base, set: INodeParameters) => {
			const node = { name: 'Yunwu', type: `n8n-nodes-yunwu.${type.name}`, typeVersion: 1 };
			// The node's values as the editor holds them: what was set, and the defaults shown.
			const parameters = NodeHelpers.getNodeParameters(
				type.properties,
				set,
				true,
				false,
				{ ...node, parameters: set } as INode,
				type,
			)!;
			const collection = type.properties.find(
				(property) =>
					property.name === 'options' &&
					NodeHelpers.displayParameter(parameters, property, null, type),
			)!;
			return (collection.options as INodeProperties[])
				.filter((option) =>
					NodeHelpers.displayParameterPath(
						{ parameters },
						option,
						'parameters.options',
						{ ...node, parameters } as INode,
						type,
					),
				)
				.map((option) => option.name);
		};
		const downloadOnly = [
			'downloadThumbnail',
			'thumbnailBinaryPropertyName',
			'maxFileSize',
			'downloadAttempts',
			'minDownloadSpeed',
		];
		for (const operation of ['create', 'query', 'waitUntilComplete']) {
			const parameters = { operation, options: { downloadThumbnail: true } };
			const ignored = operation === 'query' ? downloadOnly : [...downloadOnly, 'onTimeout'];
			expect(offered(base, parameters)).toEqual(expect.arrayContaining(ignored));
			const onTool = offered(tool, parameters);
			expect(onTool.filter((name) => ignored.includes(name))).toEqual([]);
			// What a tool does use stays.
			expect(onTool).toContain('requestTimeout');
			if (operation !== 'query')
				expect(onTool).toEqual(expect.arrayContaining(['timeout', 'pollInterval']));
		}
	});

	// The editor's way of changing a parameter (n8n's useNodeSettingsParameters): the node's values
	// without their defaults as shown before, the change, then the defaults as shown after.
	test('in the editor, an unedited Description follows the operation and Wait for Completion; an edited one stays', () => {
		const base = new YunwuVideo().description;
		const tool = { ...base, name: `${base.name}Tool` };
		const node = { name: 'Create video', type: `n8n-nodes-yunwu.${tool.name}`, typeVersion: 1 };
		const change = (parameters: INodeParameters, name: string, value: string | boolean) => {
			const stripped = NodeHelpers.getNodeParameters(
				tool.properties,
				parameters,
				false,
				false,
				{ ...node, parameters } as INode,
				tool,
			)!;
			const changed = { ...stripped, [name]: value };
			return NodeHelpers.getNodeParameters(
				tool.properties,
				changed,
				true,
				false,
				{ ...node, parameters: changed } as INode,
				tool,
			)!;
		};
		const [createOnly, createAndWait, query] = fields.map((field) => field.default);
		const added = change({}, 'operation', 'create');
		expect(added.toolDescription).toBe(createAndWait);
		const noWait = change(added, 'waitForCompletion', false);
		expect(noWait.toolDescription).toBe(createOnly);
		expect(change(noWait, 'operation', 'query').toolDescription).toBe(query);
		const edited = change(noWait, 'toolDescription', 'Makes a video of what the user asks for.');
		expect(change(edited, 'operation', 'query').toolDescription).toBe(
			'Makes a video of what the user asks for.',
		);
		// Outside an agent the node has no Description.
		expect(
			NodeHelpers.getNodeParameters(
				base.properties,
				{ operation: 'query' },
				true,
				false,
				{
					...node,
					type: 'n8n-nodes-yunwu.yunwuVideo',
					parameters: {},
				} as INode,
				base,
			)!.toolDescription,
		).toBeUndefined();
	});
});

// A tool gets its arguments only through $fromAI() (n8n builds the tool's schema from them):
// `{{ $json.task_id }}`, the default outside an agent, maps nothing the model can send.
test('a Task ID left at its default on a tool added from version 1.1 asks the model for the task_id', () => {
	const base = new YunwuVideo().description;
	const tool = { ...base, name: `${base.name}Tool` };
	for (const operation of ['query', 'waitUntilComplete']) {
		const parameters = { operation };
		const node: INode = {
			id: '1',
			name: 'Wait for video',
			type: `n8n-nodes-yunwu.${tool.name}`,
			typeVersion: 1.1,
			position: [0, 0],
			parameters,
		};
		const withDefaults = NodeHelpers.getNodeParameters(
			tool.properties,
			parameters,
			true,
			false,
			node,
			tool,
		)!;
		const asked: FromAIArgument[] = [];
		traverseNodeParameters(withDefaults.taskId, asked);
		expect(asked.map((argument) => argument.key)).toEqual(['task_id']);
	}
});
