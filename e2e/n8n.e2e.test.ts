/**
 * The packed package inside real n8n, on both release lines users run: installed as n8n installs
 * community packages, credentials and workflows imported with n8n's CLI, workflows run with
 * `n8n execute`, results read from n8n's own run data.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

import { forever, RawHost } from '../test/support/server/raw-host';
import { BrokenTlsFront, TLS_FRONT_CERT } from '../test/support/server/tls-front';
import { REPO_ROOT } from '../test/support/paths';
import { fileSha256, YunwuServer, type TaskScript } from '../test/support/server/yunwu-server';
import {
	executeWorkflow,
	freePort,
	importIntoN8n,
	installN8n,
	makeUserFolder,
	n8nEnv,
	nodeOutput,
	packPackage,
	type N8nInstall,
} from '../test/support/real-n8n/n8n';
import { SAVED_CREATE_BODIES, savedCreateWorkflow } from '../test/fixtures/saved/workflows';
import { toolDescriptionFields } from '../nodes/YunwuVideo/actions/parameters/agentTool';
import { ChatServer, textOf, type ChatRequest } from '../test/support/server/chat-server';
import {
	chain,
	chatExample,
	credential,
	CREDENTIAL,
	manualTrigger,
	promptItems,
	sha256OfVideo,
	openAiCredential,
	taskIds,
	yunwuVideo,
} from '../test/support/real-n8n/workflows';

const LINES = (process.env.N8N_E2E_LINES ?? '2,1').split(',').map((line) => Number(line) as 1 | 2);

let tarball: string;
beforeAll(() => {
	tarball = packPackage();
});

describe.each(LINES)('n8n %s.x', (line) => {
	let install: N8nInstall;
	let userFolder: string;
	let env: NodeJS.ProcessEnv;
	let server: YunwuServer;

	beforeAll(async () => {
		install = installN8n(line);
		userFolder = makeUserFolder(tarball);
		env = await n8nEnv(install, userFolder);
		// The file host listens on another loopback address than the API: a real origin boundary.
		server = await new YunwuServer({ apiHost: '127.0.0.1', fileHost: '127.0.0.2' }).start();
		await importIntoN8n(install, env, 'credentials', [
			credential(server.apiKey, server.apiUrl),
			credential('sk-not-the-right-key', server.apiUrl, 'yunwuWrongKey', 'Yunwu wrong key'),
		]);
	});

	/** Created tasks complete on their third query with the sample MP4, whose bytes are returned. */
	const createSampleVideos = (): Buffer => {
		const sample = readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'sample.mp4'));
		server.createdTaskTemplate = {
			pendingPolls: 1,
			processingPolls: 1,
			end: 'completed',
			video: { bytes: sample },
		};
		return sample;
	};

	afterAll(async () => {
		await server?.stop();
		if (userFolder) rmSync(userFolder, { recursive: true, force: true });
	});

	test('the package is installed as n8n installs community packages, its peer dependency left to n8n', () => {
		const installed = path.join(userFolder, '.n8n', 'nodes', 'node_modules');
		expect(
			existsSync(
				path.join(
					installed,
					'n8n-nodes-yunwu',
					'dist',
					'nodes',
					'YunwuVideo',
					'YunwuVideo.node.js',
				),
			),
		).toBe(true);
		for (const file of [
			'credentials/YunwuApi.credentials.js',
			'credentials/yunwu.svg',
			'credentials/yunwu.dark.svg',
			'nodes/YunwuVideo/yunwu.svg',
			'nodes/YunwuVideo/yunwu.dark.svg',
			'nodes/YunwuVideo/YunwuVideo.node.json',
		]) {
			expect(existsSync(path.join(installed, 'n8n-nodes-yunwu', 'dist', file))).toBe(true);
		}
		expect(existsSync(path.join(installed, 'n8n-workflow'))).toBe(false);
		expect(existsSync(path.join(installed, 'zod'))).toBe(false);
		expect(install.version).toMatch(line === 2 ? /^2\./ : /^1\./);
	});

	test('Query on a processing task: the parsed fields, progress null', async () => {
		server.addTask({ id: 'grok:e2e-processing', processingPolls: 1000 });
		await importIntoN8n(install, env, 'workflow', [
			chain('e2eQuery', 'E2E query', [
				manualTrigger(),
				taskIds(['grok:e2e-processing']),
				yunwuVideo({ operation: 'query' }),
			]),
		]);

		const outcome = await executeWorkflow(install, env, 'e2eQuery');

		expect(outcome.data?.resultData.error).toBeUndefined();
		const [item] = nodeOutput(outcome, 'Yunwu Video');
		expect(item.json).toMatchObject({
			task_id: 'grok:e2e-processing',
			state: 'processing',
			status: 'processing',
			progress: null,
		});
		expect(item.pairedItem).toEqual({ item: 0 });
	});

	test("Wait Until Complete on several tasks at once; each video reaches the next node intact (SHA-256 by n8n's Crypto node)", async () => {
		const ids = ['grok:e2e-a', 'veo3.1-fast:e2e-b', 'sora-2:e2e-c'];
		ids.forEach((id, index) =>
			server.addTask({
				id,
				readyAfterMs: 1500 + 500 * index,
				end: 'completed',
				video: { size: 700_000 + index },
			}),
		);
		await importIntoN8n(install, env, 'workflow', [
			chain('e2eWait', 'E2E wait', [
				manualTrigger(),
				taskIds(ids),
				yunwuVideo({
					operation: 'waitUntilComplete',
					options: { pollInterval: 0.25, timeout: 60 },
				}),
				sha256OfVideo(),
			]),
		]);

		const outcome = await executeWorkflow(install, env, 'e2eWait');

		expect(outcome.data?.resultData.error).toBeUndefined();
		const hashed = nodeOutput(outcome, 'SHA-256');
		expect(hashed.map((item) => item.json.task_id)).toEqual(ids);
		hashed.forEach((item, index) => {
			expect(item.json.state).toBe('completed');
			expect(item.json.sha256).toBe(fileSha256(server.videoOf(ids[index])));
		});
		const videos = nodeOutput(outcome, 'Yunwu Video');
		videos.forEach((item, index) => {
			expect(item.binary?.data).toMatchObject({
				mimeType: 'video/mp4',
				fileName: `${ids[index].replace(':', '_')}.mp4`,
			});
			// n8n 2.x records the exact size; 1.x only the rounded one.
			if (line === 2) expect(item.binary?.data.bytes).toBe(700_000 + index);
		});
		// They were waited on together: every task's first query within a moment of the others.
		const firstQueries = ids.map((id) => server.apiRequests(id)[0].at);
		expect(Math.max(...firstQueries) - Math.min(...firstQueries)).toBeLessThan(1000);
		// The key went to the API only, never across the origin boundary to the file host.
		expect(server.fileRequests().length).toBeGreaterThanOrEqual(3);
		for (const entry of server.fileRequests()) expect(entry.authorization).toBeUndefined();
		expect(outcome.stdout + outcome.stderr).not.toContain(server.apiKey);
	});

	test('Continue On Fail: a failed task becomes an error item, the completed one still delivers', async () => {
		server.addTask({
			id: 'grok:e2e-ok',
			processingPolls: 1,
			end: 'completed',
			video: { size: 1234 },
		});
		server.addTask({
			id: 'grok:e2e-failed',
			processingPolls: 1,
			end: 'failed',
			failure: { code: 'policy', message: 'Prompt rejected by moderation' },
		});
		await importIntoN8n(install, env, 'workflow', [
			chain('e2eContinue', 'E2E continue on fail', [
				manualTrigger(),
				taskIds(['grok:e2e-failed', 'grok:e2e-ok']),
				yunwuVideo(
					{ operation: 'waitUntilComplete', options: { pollInterval: 0.2 } },
					{ onError: 'continueRegularOutput' },
				),
			]),
		]);

		const outcome = await executeWorkflow(install, env, 'e2eContinue');

		const [failed, ok] = nodeOutput(outcome, 'Yunwu Video');
		expect(failed.json.error).toBe(
			'Task "grok:e2e-failed" failed on Yunwu (status "failed"): Prompt rejected by moderation (policy). Check the prompt and model, then create a new task.',
		);
		expect(failed.json.task_id).toBe('grok:e2e-failed');
		expect(ok.json).toMatchObject({ task_id: 'grok:e2e-ok', state: 'completed' });
		expect(ok.binary?.data).toMatchObject({ mimeType: 'video/mp4', fileName: 'grok_e2e-ok.mp4' });
	});

	test("items repeating one task id: one poll loop, one download, and every item's video reaches the next node intact", async () => {
		const id = server.addTask({
			id: 'grok:e2e-repeated',
			processingPolls: 1,
			end: 'completed',
			video: { size: 654_321 },
		});
		await importIntoN8n(install, env, 'workflow', [
			chain('e2eRepeated', 'E2E repeated task id', [
				manualTrigger(),
				taskIds([id, id, id]),
				yunwuVideo({ operation: 'waitUntilComplete', options: { pollInterval: 0.2 } }),
				sha256OfVideo(),
			]),
		]);

		const outcome = await executeWorkflow(install, env, 'e2eRepeated');

		expect(outcome.data?.resultData.error).toBeUndefined();
		expect(server.apiRequests(id)).toHaveLength(2);
		expect(server.videoOf(id).downloads).toBe(1);
		expect(nodeOutput(outcome, 'Yunwu Video').map((item) => item.pairedItem)).toEqual([
			{ item: 0 },
			{ item: 1 },
			{ item: 2 },
		]);
		const hashed = nodeOutput(outcome, 'SHA-256');
		expect(hashed).toHaveLength(3);
		for (const item of hashed) expect(item.json.sha256).toBe(fileSha256(server.videoOf(id)));
	});

	// n8n checks a workflow's parameters before running it, and counts every field shown by Model as
	// shown when Model is an expression: a required one among them (Custom Model Name once was) made
	// n8n refuse the run, which `n8n execute` reports only as "No active execution found".
	test('Create with the Model list mapped from the input runs: each item creates a task of its own model', async () => {
		const models = ['sora-2', 'veo3'];
		const items = promptItems([]);
		items.parameters = {
			jsCode: `return ${JSON.stringify(models.map((model) => ({ json: { model, prompt: 'A paper boat' } })))};`,
		};
		const created = server.createBodies.length;
		await importIntoN8n(install, env, 'workflow', [
			chain('e2eModelExpression', 'E2E model expression', [
				manualTrigger(),
				items,
				yunwuVideo({
					operation: 'create',
					model: '={{ $json.model }}',
					prompt: '={{ $json.prompt }}',
					waitForCompletion: false,
				}),
			]),
		]);

		const outcome = await executeWorkflow(install, env, 'e2eModelExpression');

		expect(`${outcome.stdout}\n${outcome.stderr}`).not.toContain('No active execution found');
		expect(outcome.data?.resultData.error).toBeUndefined();
		// The two creates go out side by side, in either order.
		expect(
			server.createBodies
				.slice(created)
				.map((body) => body.model)
				.sort(),
		).toEqual(models);
		expect(nodeOutput(outcome, 'Yunwu Video').map((item) => item.pairedItem)).toEqual([
			{ item: 0 },
			{ item: 1 },
		]);
	});

	test('Create with Wait for Completion: from a prompt to the MP4 in one node', async () => {
		const sample = createSampleVideos();
		const created = server.createBodies.length;
		await importIntoN8n(install, env, 'workflow', [
			chain('e2eCreate', 'E2E prompt to video', [
				manualTrigger(),
				yunwuVideo({
					operation: 'create',
					model: 'veo3.1-fast',
					prompt: 'A cat walking on the beach',
					enhancePrompt: true,
					options: { pollInterval: 0.2 },
				}),
				sha256OfVideo(),
			]),
		]);

		const outcome = await executeWorkflow(install, env, 'e2eCreate');

		expect(outcome.data?.resultData.error).toBeUndefined();
		expect(server.createBodies.slice(created)).toEqual([
			{
				model: 'veo3.1-fast',
				prompt: 'A cat walking on the beach',
				enhance_prompt: true,
				enable_upsample: false,
			},
		]);
		const [item] = nodeOutput(outcome, 'SHA-256');
		expect(item.json.task_id).toMatch(/^veo3\.1:/);
		expect(item.json.sha256).toBe(createHash('sha256').update(sample).digest('hex'));
	});

	test.each([
		{
			apiFormat: 'kling',
			model: 'kling-v2-6',
			fields: { klingMode: 'pro' },
			id: /^kling:\/\/text2video\//,
		},
		{
			apiFormat: 'openai',
			model: 'sora-2',
			fields: { openaiSeconds: '8' },
			id: /^openai:\/\/video_/,
		},
		{
			apiFormat: 'generations',
			model: 'veo3',
			fields: { generationsDuration: 5 },
			id: /^generations:\/\/task_/,
		},
	])(
		'API $apiFormat: Create with Wait for Completion outputs the video; Create then Wait Until Complete with only {{ $json.task_id }} mapped finds the task and outputs the video',
		async ({ apiFormat, model, fields, id }) => {
			const sample = createSampleVideos();
			const created = server.createBodies.length;
			const create = (name: string, waitForCompletion: boolean) =>
				yunwuVideo({
					operation: 'create',
					apiFormat,
					model,
					prompt: `A lighthouse at dusk (${name})`,
					waitForCompletion,
					...fields,
					options: { pollInterval: 0.2 },
				});
			const workflowId = `e2eApi${apiFormat}`;
			await importIntoN8n(install, env, 'workflow', [
				chain(workflowId, `E2E ${apiFormat} API`, [
					manualTrigger(),
					{ ...create('create and wait', true), name: 'Create and wait' },
					{ ...sha256OfVideo(), name: 'SHA-256 of the waited video' },
					{ ...create('create', false), name: 'Create' },
					// Only the Task ID mapped: every other parameter (API included) at its default.
					{
						...yunwuVideo({
							operation: 'waitUntilComplete',
							taskId: '={{ $json.task_id }}',
							options: { pollInterval: 0.2 },
						}),
						name: 'Wait Until Complete',
					},
					sha256OfVideo(),
				]),
			]);

			const outcome = await executeWorkflow(install, env, workflowId);

			expect(outcome.data?.resultData.error).toBeUndefined();
			expect(server.createBodies.length - created).toBe(2);
			const expected = createHash('sha256').update(sample).digest('hex');
			const [waited] = nodeOutput(outcome, 'SHA-256 of the waited video');
			expect(waited.json.task_id).toMatch(id);
			expect(waited.json.sha256).toBe(expected);
			const [createdTask] = nodeOutput(outcome, 'Create');
			expect(createdTask.json).toMatchObject({ state: 'pending' });
			expect(createdTask.json.task_id).toMatch(id);
			const [picked] = nodeOutput(outcome, 'SHA-256');
			expect(picked.json).toMatchObject({ task_id: createdTask.json.task_id, state: 'completed' });
			expect(picked.json.sha256).toBe(expected);
		},
	);

	test('an API redirect is not followed: the wait ends at once naming only the origin it points to, the key never goes there', async () => {
		const fileHost = server.fileUrl.replace('http:', '');
		server.addTask({
			id: 'grok:e2e-redirect',
			faults: [
				{
					type: 'status',
					code: 307,
					headers: { Location: `${fileHost}/v1/video/query?id=grok:e2e-redirect&token=secret` },
				},
			],
		});
		const filesBefore = server.fileRequests().length;
		await importIntoN8n(install, env, 'workflow', [
			chain('e2eRedirect', 'E2E redirect', [
				manualTrigger(),
				taskIds(['grok:e2e-redirect']),
				yunwuVideo({ operation: 'waitUntilComplete', options: { pollInterval: 5, timeout: 60 } }),
			]),
		]);

		const outcome = await executeWorkflow(install, env, 'e2eRedirect');

		const said = `${outcome.stdout}\n${outcome.stderr}`;
		expect(said).toContain(
			`The Base URL answered task "grok:e2e-redirect" with a redirect (HTTP 307 to ${server.fileUrl}), which the node does not follow`,
		);
		expect(said).not.toContain('token=secret');
		expect(server.apiRequests('grok:e2e-redirect')).toHaveLength(1);
		expect(server.fileRequests().length).toBe(filesBefore);
	});

	test('a Base URL where nothing listens is named after the one-minute bound, a host name that does not exist at once, not at the Timeout (n8n 1.x hands connection errors on in another shape)', async () => {
		const refusing = `http://127.0.0.1:${await freePort()}`;
		const typo = 'http://yunwu-typo.invalid';
		await importIntoN8n(install, env, 'credentials', [
			credential(server.apiKey, refusing, 'yunwuRefusing', 'Nothing listens'),
			credential(server.apiKey, typo, 'yunwuTypo', 'Mistyped host'),
		]);
		const waitOn = (id: string, credentialId: string, name: string) =>
			chain(id, id, [
				manualTrigger(),
				taskIds([`grok:${id}`]),
				yunwuVideo(
					{ operation: 'waitUntilComplete', options: { pollInterval: 10, timeout: 150 } },
					{ credentials: { yunwuApi: { id: credentialId, name } } },
				),
			]);
		await importIntoN8n(install, env, 'workflow', [
			waitOn('e2eRefused', 'yunwuRefusing', 'Nothing listens'),
			waitOn('e2eTypo', 'yunwuTypo', 'Mistyped host'),
		]);

		// One after the other: two `n8n execute` on one database may lock each other out.
		const mistyped = await executeWorkflow(install, env, 'e2eTypo');
		const refused = await executeWorkflow(install, env, 'e2eRefused');

		const node = (outcome: typeof refused) => outcome.data?.resultData.runData['Yunwu Video']?.[0];
		expect(node(refused)?.error?.message).toBe(
			`Could not reach Yunwu at ${refusing} for task "grok:e2eRefused": the connection was refused. Check the Base URL in your Yunwu API credential and the network, then retry.`,
		);
		expect(node(refused)!.executionTime).toBeGreaterThanOrEqual(60_000);
		expect(node(refused)!.executionTime).toBeLessThan(90_000);
		expect(node(mistyped)?.error?.message).toBe(
			`Could not reach Yunwu at ${typo} for task "grok:e2eTypo": the host name was not found. Check the Base URL in your Yunwu API credential and the network, then retry.`,
		);
		expect(node(mistyped)!.executionTime).toBeLessThan(5_000);
	});

	test('a workflow saved by version 0.1.0 (Create with its models, Other, the default model) sends the same requests', async () => {
		const saved = savedCreateWorkflow();
		const created = server.createBodies.length;
		const nodes = saved.nodes.map((node) =>
			node.credentials ? { ...node, credentials: { yunwuApi: CREDENTIAL } } : node,
		);
		await importIntoN8n(install, env, 'workflow', [{ ...saved, id: 'e2eSaved010', nodes }]);

		const outcome = await executeWorkflow(install, env, 'e2eSaved010');

		expect(outcome.data?.resultData.error).toBeUndefined();
		const byPrompt = (a: Record<string, unknown>, b: Record<string, unknown>) =>
			String(a.prompt).localeCompare(String(b.prompt));
		expect(server.createBodies.slice(created).sort(byPrompt)).toEqual(
			Object.values(SAVED_CREATE_BODIES).sort(byPrompt),
		);
		for (const name of Object.keys(SAVED_CREATE_BODIES))
			expect(nodeOutput(outcome, name)[0].json.state).toBe('pending');
	});

	test('Retry On Fail after a Create + Wait timed out: n8n re-runs the node, which waits on the tasks it created (one create per prompt) and delivers', async () => {
		// Ready 3 s after creation: the first try gives up after 2 s, n8n waits 1 s and re-runs the node.
		server.createdTaskTemplate = { readyAfterMs: 3000, end: 'completed', video: { size: 50_000 } };
		const [requests, tasks] = [server.createBodies.length, server.createdTasks.length];
		const prompts = ['a red kite over the sea', 'a blue kite over the hills'];
		await importIntoN8n(install, env, 'workflow', [
			chain('e2eRetryOnFail', 'E2E retry on fail', [
				manualTrigger(),
				promptItems(prompts),
				yunwuVideo(
					{
						operation: 'create',
						model: 'grok-video-3',
						prompt: '={{ $json.prompt }}',
						options: { pollInterval: 0.25, timeout: 2 },
					},
					{ retryOnFail: true, maxTries: 2, waitBetweenTries: 1000 },
				),
				sha256OfVideo(),
			]),
		]);

		const started = Date.now();
		const outcome = await executeWorkflow(install, env, 'e2eRetryOnFail');
		const tookMs = Date.now() - started;

		expect(outcome.data?.resultData.error).toBeUndefined();
		expect(
			server.createBodies
				.slice(requests)
				.map((body) => body.prompt)
				.sort(),
		).toEqual([...prompts].sort());
		const created = server.createdTasks.slice(tasks).map((task) => task.id);
		const hashed = nodeOutput(outcome, 'SHA-256');
		expect(hashed.map((item) => item.json.state)).toEqual(['completed', 'completed']);
		expect(hashed.map((item) => item.json.task_id).sort()).toEqual([...created].sort());
		for (const item of hashed)
			expect(item.json.sha256).toBe(fileSha256(server.videoOf(String(item.json.task_id))));
		// n8n's log (level info) names every created task, and the re-run's reuse of it; never the key.
		const said = `${outcome.stdout}\n${outcome.stderr}`;
		for (const id of created) {
			expect(said).toMatch(
				new RegExp(
					`Yunwu Video: created task "${id}" for item \\d \\(model grok-video-3, execution \\d+, node "Yunwu Video"\\)`,
				),
			);
			expect(said).toContain(`waits on task "${id}", created earlier in execution`);
		}
		expect(said).not.toContain(server.apiKey);
		process.stdout.write(
			`n8n ${install.version}: Create + Wait with Retry On Fail, ${prompts.length} prompts: ${created.length} creates, \`n8n execute\` took ${(tookMs / 1000).toFixed(1)} s\n`,
		);
	});

	test('Retry On Fail on a Create + Wait that succeeds, in a loop over the same prompt twice: n8n re-runs each pass anyway (a completed answer carries "error": ""), and each pass creates one task and downloads its video once', async () => {
		server.createdTaskTemplate = { pendingPolls: 1, end: 'completed', video: { size: 20_000 } };
		const requests = server.createBodies.length;
		const tasks = server.createdTasks.length;
		const create = yunwuVideo(
			{
				operation: 'create',
				model: 'veo3.1-fast',
				prompt: '={{ $json.prompt }}',
				options: { pollInterval: 0.2 },
			},
			{ retryOnFail: true, maxTries: 3, waitBetweenTries: 100 },
		);
		const loop = {
			id: '00000000-0000-4000-8000-00000000a001',
			name: 'Loop',
			type: 'n8n-nodes-base.splitInBatches',
			typeVersion: 3,
			position: [330, 0],
			parameters: { options: {} },
		};
		const looped = chain('e2eRetrySuccess', 'E2E retry on fail, success, in a loop', [
			manualTrigger(),
			promptItems(['a lighthouse at dusk', 'a lighthouse at dusk']),
			loop,
			create,
		]);
		const connections = looped.connections as Record<string, unknown>;
		connections.Loop = { main: [[], [{ node: create.name, type: 'main', index: 0 }]] };
		connections[create.name] = { main: [[{ node: 'Loop', type: 'main', index: 0 }]] };
		await importIntoN8n(install, env, 'workflow', [looped]);

		const outcome = await executeWorkflow(install, env, 'e2eRetrySuccess');

		expect(outcome.data?.resultData.error).toBeUndefined();
		const passes = outcome.data!.resultData.runData[create.name].map(
			(run) => run.data!.main[0][0].json,
		);
		expect(passes.map((json) => [json.state, json.error])).toEqual([
			['completed', ''],
			['completed', ''],
		]);
		// One task per pass: a re-run of a pass waits on its task, the next pass creates its own.
		expect(server.createBodies.length - requests).toBe(2);
		expect(passes.map((json) => json.task_id)).toEqual(
			server.createdTasks.slice(tasks).map((task) => task.id),
		);
		expect(
			passes.map((json) => [
				server.task(String(json.task_id)).queries,
				server.videoOf(String(json.task_id)).downloads,
			]),
		).toEqual([
			[2, 1],
			[2, 1],
		]);
		// n8n ran each pass three times; the second and third output what the first delivered.
		const said = `${outcome.stdout}\n${outcome.stderr}`;
		expect(said.split('item 0 outputs again what it delivered earlier').length - 1).toBe(4);
		expect(said).not.toContain('created earlier');
	});

	test('Retry On Fail (Max. Tries 3) on a successful Create + Wait whose request has a random seed: n8n re-runs the node, and the one task created is output again, not created and charged once per try', async () => {
		server.createdTaskTemplate = { end: 'completed', video: { size: 10_000 } };
		const tasks = server.createdTasks.length;
		await importIntoN8n(install, env, 'workflow', [
			chain('e2eRetrySeed', 'E2E retry on fail, random seed', [
				manualTrigger(),
				yunwuVideo(
					{
						operation: 'create',
						model: 'veo3.1-fast',
						prompt: 'a kite',
						additionalFields: '={{ JSON.stringify({ seed: Math.random() }) }}',
						options: { pollInterval: 0.2 },
					},
					{ retryOnFail: true, maxTries: 3, waitBetweenTries: 100 },
				),
			]),
		]);

		const outcome = await executeWorkflow(install, env, 'e2eRetrySeed');

		expect(outcome.data?.resultData.error).toBeUndefined();
		const created = server.createdTasks.slice(tasks).map((task) => task.id);
		expect(created).toHaveLength(1);
		expect(nodeOutput(outcome, 'Yunwu Video').map((item) => item.json.task_id)).toEqual(created);
		const said = `${outcome.stdout}\n${outcome.stderr}`;
		expect(said.split('item 0 outputs again what it delivered earlier').length - 1).toBe(2);
	});

	test.each([
		['Wait Until Complete', 'filesystem', { operation: 'waitUntilComplete' }],
		[
			'Create + Wait for Completion',
			'default',
			{ operation: 'create', model: 'veo3.1-fast', prompt: '={{ $json.id }}' },
		],
	])(
		'Retry On Fail (Max. Tries 3) after a successful %s, binary data mode "%s": n8n re-runs the node, yet the API sees one query and the file host one download per task, and each video reaches the next node intact',
		async (_name, mode, parameters) => {
			const ready = { end: 'completed', video: { size: 300_000 } } as const;
			const created = server.createdTasks.length;
			const given = [`grok:e2e-again-${mode}-1`, `grok:e2e-again-${mode}-2`];
			if (parameters.operation === 'create') server.createdTaskTemplate = ready;
			else given.forEach((id) => server.addTask({ id, ...ready }));
			const workflowId = `e2eRetryDelivered-${mode}`;
			await importIntoN8n(install, env, 'workflow', [
				chain(workflowId, `E2E retry on fail after delivery (${mode})`, [
					manualTrigger(),
					taskIds(given),
					yunwuVideo(
						{ ...parameters, options: { pollInterval: 0.2 } },
						{ retryOnFail: true, maxTries: 3, waitBetweenTries: 100 },
					),
					sha256OfVideo(),
				]),
			]);

			const outcome = await executeWorkflow(
				install,
				{ ...env, N8N_DEFAULT_BINARY_DATA_MODE: mode },
				workflowId,
			);

			expect(outcome.data?.resultData.error).toBeUndefined();
			const ids =
				parameters.operation === 'create'
					? server.createdTasks.slice(created).map((task) => task.id)
					: given;
			expect(ids).toHaveLength(2);
			const hashed = nodeOutput(outcome, 'SHA-256');
			expect(hashed.map((item) => item.json.task_id).sort()).toEqual([...ids].sort());
			for (const item of hashed)
				expect(item.json.sha256).toBe(fileSha256(server.videoOf(String(item.json.task_id))));
			// Stored as files (an id) or inline (no id): the mode was in force.
			expect(
				nodeOutput(outcome, 'Yunwu Video').map((item) => [
					item.json.error,
					typeof item.binary?.data.id,
				]),
			).toEqual(ids.map(() => ['', mode === 'filesystem' ? 'string' : 'undefined']));
			expect(ids.map((id) => [server.task(id).queries, server.videoOf(id).downloads])).toEqual([
				[1, 1],
				[1, 1],
			]);
			// n8n ran the node three times: both items were output again twice.
			const said = `${outcome.stdout}\n${outcome.stderr}`;
			expect(said.split('outputs again what it delivered earlier').length - 1).toBe(4);
		},
	);

	// notTls: a broken middlebox writes garbage (ERR_SSL_*); untrustedCertificate: the server asks
	// for a second handshake with a certificate Node refuses (a certificate code, after delivery).
	test.each(['notTls', 'untrustedCertificate'] as const)(
		'a create whose answer breaks the TLS session after the request was delivered (%s) is not sent again: one task, and the message says it may exist',
		async (breakWith) => {
			const front = await new BrokenTlsFront(server.apiUrl, breakWith).start();
			try {
				await importIntoN8n(install, env, 'credentials', [
					credential(server.apiKey, front.url, 'yunwuTlsFront', 'Yunwu behind a broken front'),
				]);
				await importIntoN8n(install, env, 'workflow', [
					chain('e2eTlsBroken', 'E2E TLS broken after delivery', [
						manualTrigger(),
						yunwuVideo(
							{
								operation: 'create',
								model: 'veo3.1-fast',
								prompt: 'a harbour',
								waitForCompletion: false,
								options: { timeout: 5 },
							},
							{
								credentials: {
									yunwuApi: { id: 'yunwuTlsFront', name: 'Yunwu behind a broken front' },
								},
							},
						),
					]),
				]);
				const requests = server.createBodies.length;

				const outcome = await executeWorkflow(
					install,
					{ ...env, NODE_EXTRA_CA_CERTS: TLS_FRONT_CERT },
					'e2eTlsBroken',
				);

				expect(server.createBodies.length - requests).toBe(1);
				expect(`${outcome.stdout}\n${outcome.stderr}`).toContain(
					'The task may still have been created: check the task list in your Yunwu dashboard before running this node again',
				);
			} finally {
				await front.stop();
			}
		},
	);

	test('a wrong API key fails the execution with a message that says to check the key, and never shows it', async () => {
		server.addTask({ id: 'grok:e2e-badkey', processingPolls: 1 });
		await importIntoN8n(install, env, 'workflow', [
			chain('e2eBadKey', 'E2E bad key', [
				manualTrigger(),
				taskIds(['grok:e2e-badkey']),
				yunwuVideo(
					{ operation: 'query' },
					{ credentials: { yunwuApi: { id: 'yunwuWrongKey', name: 'Yunwu wrong key' } } },
				),
			]),
		]);

		const outcome = await executeWorkflow(install, env, 'e2eBadKey');

		const said = `${outcome.stdout}\n${outcome.stderr}`;
		expect(said).toContain('Yunwu rejected the API key (HTTP 401');
		expect(said).toContain('Check the API key in your Yunwu API credential.');
		expect(said).not.toContain('sk-not-the-right-key');
		expect(server.apiRequests('grok:e2e-badkey').at(-1)?.authorization).toBe(
			'Bearer sk-not-the-right-key',
		);
	});

	// What depends on n8n's own request layer: whether it leaves redirects to the node, which credential a
	// request carries, how it hands on a compressed or a never-ending body.
	test('downloads: the key only on the API origin, redirects, compressed bodies, a trickle, an endless stream, an empty body, a failing thumbnail', async () => {
		const task = (name: string, video: TaskScript['video'], thumbnail = false) =>
			server.addTask({
				id: `grok:e2e-${line}-${name}`,
				processingPolls: 1,
				end: 'completed',
				video,
				thumbnail,
			});
		const keyed = task('keyed', { size: 300_000, onApiHost: true });
		const keyedVideo = server.videoOf(keyed);
		keyedVideo.faults.push(
			{ type: 'redirect' },
			{ type: 'redirectTo', location: `${server.fileUrl}${keyedVideo.path}?hop=2` },
		);
		const gzip = task('gzip', { size: 300_000, contentEncoding: 'gzip' });
		const br = task('br', { size: 300_000, contentEncoding: 'br' });
		const trickle = task('trickle', { size: 200_000 });
		server.videoOf(trickle).faults.push({ type: 'trickle', intervalMs: 20 });
		const thumbnail = task('thumbnail', { size: 5000 }, true);
		server.thumbnailOf(thumbnail).faults.push({ type: 'status', code: 404 });
		const endless = task('endless', { chunkDelayMs: 5 });
		server.videoOf(endless).faults.push({ type: 'endless' });
		const ftp = task('ftp', {});
		server.videoOf(ftp).faults.push({ type: 'redirectTo', location: 'ftp://127.0.0.2/video.mp4' });
		const empty = task('empty', { size: 0 });
		const ids = [keyed, gzip, br, trickle, thumbnail, endless, ftp, empty];
		const workflowId = 'e2eDownloads';
		await importIntoN8n(install, env, 'workflow', [
			chain(workflowId, 'E2E downloads', [
				manualTrigger(),
				taskIds(ids),
				yunwuVideo(
					{
						operation: 'waitUntilComplete',
						options: {
							pollInterval: 0.2,
							requestTimeout: 1,
							maxFileSize: 0.5,
							downloadThumbnail: true,
						},
					},
					{ onError: 'continueRegularOutput' },
				),
				{ ...sha256OfVideo(), onError: 'continueRegularOutput' },
			]),
		]);

		const outcome = await executeWorkflow(install, env, workflowId);

		expect(outcome.data?.resultData.error).toBeUndefined();
		const items = nodeOutput(outcome, 'Yunwu Video');
		const hashes = nodeOutput(outcome, 'SHA-256');
		const byId = (id: string) => items[ids.indexOf(id)];
		const hashOf = (id: string) => hashes[ids.indexOf(id)].json.sha256;
		for (const id of [keyed, gzip, br, trickle, thumbnail]) {
			expect({ id, state: byId(id).json.state, sha256: hashOf(id) }).toEqual({
				id,
				state: 'completed',
				sha256: fileSha256(server.videoOf(id)),
			});
		}
		expect(
			server.log
				.filter((entry) => entry.path === keyedVideo.path)
				.map((entry) => [entry.server, entry.authorization]),
		).toEqual([
			['api', `Bearer ${server.apiKey}`],
			['api', `Bearer ${server.apiKey}`],
			['files', undefined],
		]);
		for (const entry of server.fileRequests()) expect(entry.authorization).toBeUndefined();
		expect(server.videoOf(trickle).downloads).toBe(2);
		expect(byId(thumbnail).json.thumbnail_error).toBe(
			`The thumbnail link of task "${thumbnail}" has expired or is no longer accessible (HTTP 404). Yunwu's file links expire a while after completion: download sooner, or generate the video again.`,
		);
		expect(byId(endless).json.error).toBe(
			`The video download of task "${endless}" grew past the Max File Size of 0.5 MB and was stopped; no partial file was passed on. Raise Max File Size in the node's options if the file really is that large.`,
		);
		expect(byId(ftp).json.error).toBe(
			`The video link of task "${ftp}" redirects to a "ftp:" address; only http and https addresses are downloaded. Turn off Download Video to output the task without it.`,
		);
		expect(byId(empty).json.error).toBe(
			`The video of task "${empty}" arrived empty (0 bytes) after 3 attempts. Retry the execution later; if it stays empty, generate the video again.`,
		);
		for (const id of [endless, ftp, empty]) expect(byId(id).binary).toBeUndefined();
		expect(outcome.stdout + outcome.stderr).not.toContain(server.apiKey);
	});

	test("an API answer that begins at once and then trickles ends at Request Timeout: n8n's own timeout only measures silence", async () => {
		const trickling = await new RawHost().start();
		let firstRequestAt = 0;
		trickling.answer = (socket, _head, host) => {
			firstRequestAt ||= Date.now();
			socket.write(
				'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"status":"processing"',
			);
			host.trickle(socket, forever(' ', ' '), 20);
		};
		try {
			await importIntoN8n(install, env, 'credentials', [
				credential(server.apiKey, trickling.url, 'yunwuTrickle', 'Yunwu trickle'),
			]);
			await importIntoN8n(install, env, 'workflow', [
				chain('e2eTrickle', 'E2E trickle', [
					manualTrigger(),
					taskIds(['grok:e2e-trickle']),
					yunwuVideo(
						{ operation: 'query', options: { requestTimeout: 1 } },
						{ credentials: { yunwuApi: { id: 'yunwuTrickle', name: 'Yunwu trickle' } } },
					),
				]),
			]);

			// Killed outright if it hangs: n8n would wait for the hung execution before exiting on SIGTERM.
			const outcome = await executeWorkflow(install, env, 'e2eTrickle', {
				onStart: (child) => {
					const kill = setTimeout(() => child.kill('SIGKILL'), 60_000);
					child.once('exit', () => clearTimeout(kill));
				},
			});

			expect(`${outcome.stdout}\n${outcome.stderr}`).toContain(
				`Yunwu did not answer within 1 s for task "grok:e2e-trickle".`,
			);
			// From the request's arrival to n8n's exit (which includes shutting down): far below the minutes the body would take.
			expect(Date.now() - firstRequestAt).toBeLessThan(10_000);
		} finally {
			await trickling.stop();
		}
	});

	test("a Poll Interval longer than Node's longest timer (35 days) is waited, not polled every millisecond", async () => {
		const id = 'grok:e2e-35-day-interval';
		server.addTask({ id, processingPolls: 1_000_000 });
		await importIntoN8n(install, env, 'workflow', [
			chain('e2eLongInterval', 'E2E long interval', [
				manualTrigger(),
				taskIds([id]),
				yunwuVideo({
					operation: 'waitUntilComplete',
					options: { pollInterval: 3_000_000, timeout: 10_000_000 },
				}),
			]),
		]);

		// The wait is meant to last 35 days: n8n is stopped two seconds after the first query.
		await executeWorkflow(install, env, 'e2eLongInterval', {
			onStart: (child) => {
				const watch = setInterval(() => {
					if (server.apiRequests(id).length === 0) return;
					clearInterval(watch);
					setTimeout(() => child.kill('SIGKILL'), 2000);
				}, 50);
				child.once('exit', () => clearInterval(watch));
			},
		});

		expect(server.apiRequests(id)).toHaveLength(1);
	});

	test("examples/agent-make-videos.json: its AI Agent (n8n's OpenAI Chat Model on a scripted local model) creates a video, waits for it with a task id missing its prefix, recovers from the error, gets the video link, asks for another take of the same prompt (a new task), and answers; the tools never download the video", async () => {
		server.createdTaskTemplate = {
			pendingPolls: 1,
			processingPolls: 1,
			end: 'completed',
			video: { size: 2_000_000 },
		};
		const lastToolResult = (request: ChatRequest) =>
			JSON.parse(textOf(request.messages.at(-1)!)) as Array<Record<string, unknown>>;
		// The model's side of the conversation: create, wait with the id cut short, wait as given, answer.
		let videoUrl = '';
		const model = await new ChatServer((request, index) => {
			if (index === 0)
				return {
					toolCalls: [{ name: 'Create_video', args: { prompt: 'A paper boat in the rain' } }],
				};
			if (index === 1) {
				const taskId = String(lastToolResult(request)[0].task_id);
				return {
					toolCalls: [{ name: 'Wait_for_video', args: { task_id: taskId.split(':')[1] } }],
				};
			}
			if (index === 2) {
				const created = JSON.parse(textOf(request.messages.at(-3)!)) as Array<
					Record<string, unknown>
				>;
				return { toolCalls: [{ name: 'Wait_for_video', args: { task_id: created[0].task_id } }] };
			}
			if (index === 3) {
				// The same prompt again ("another take"): a new task, not the first one served again.
				videoUrl = String(lastToolResult(request)[0].video_url);
				return {
					toolCalls: [{ name: 'Create_video', args: { prompt: 'A paper boat in the rain' } }],
				};
			}
			return { content: `Your video is ready: ${videoUrl}` };
		}).start();
		try {
			await importIntoN8n(install, env, 'credentials', [openAiCredential(model.apiKey, model.url)]);
			await importIntoN8n(install, env, 'workflow', [
				chatExample(
					'e2eAgent',
					'agent-make-videos.json',
					'Make me a short video of a paper boat in the rain.',
					{ pollInterval: 0.2 },
				),
			]);
			const [tasks, files] = [server.createdTasks.length, server.fileRequests().length];

			// n8n 1.x lets an agent use a community node as a tool only when told to.
			const outcome = await executeWorkflow(
				install,
				line === 1 ? { ...env, N8N_COMMUNITY_PACKAGES_ALLOW_TOOL_USAGE: 'true' } : env,
				'e2eAgent',
			);

			const said = `${outcome.stdout}\n${outcome.stderr}`;
			expect({ error: outcome.data?.resultData.error, requests: model.requests.length }).toEqual({
				error: undefined,
				requests: 5,
			});
			// What the model was told about each tool: the operation's own description and its one argument.
			const defaults = toolDescriptionFields.map((field) => String(field.default));
			const tools = Object.fromEntries(
				(model.requests[0].tools ?? []).map(({ function: tool }) => [tool.name, tool]),
			);
			expect(Object.keys(tools).sort()).toEqual(['Create_video', 'Wait_for_video']);
			expect(tools.Create_video.description).toBe(defaults[0]);
			expect(tools.Wait_for_video.description).toBe(defaults[3]);
			expect(tools.Create_video.parameters).toMatchObject({
				type: 'object',
				properties: {
					prompt: {
						type: 'string',
						description: 'What the video should show: subject, setting, camera, mood, in detail',
					},
				},
				required: ['prompt'],
			});
			expect(Object.keys(tools.Wait_for_video.parameters.properties as object)).toEqual([
				'task_id',
			]);
			// What it got back: the created task in a few fields, an error that says what to do, the video link.
			const [task, anotherTake] = server.createdTasks.slice(tasks);
			expect(task.body).toEqual({
				model: 'veo3.1-fast',
				prompt: 'A paper boat in the rain',
				aspect_ratio: '16:9',
				enhance_prompt: false,
				enable_upsample: false,
			});
			// The example's system message and the chat message reached the model.
			expect(model.requests[0].messages.map((message) => message.role)).toEqual(['system', 'user']);
			expect(textOf(model.requests[0].messages[0])).toContain('exactly as given (prefix included)');
			const results = model.toolResults().map(textOf);
			expect(results).toHaveLength(4);
			expect(server.createdTasks.length - tasks).toBe(2);
			expect(JSON.parse(results[3])).toMatchObject([{ task_id: anotherTake.id, state: 'pending' }]);
			expect(anotherTake.id).not.toBe(task.id);
			expect(JSON.parse(results[0])).toEqual([
				{
					task_id: task.id,
					state: 'pending',
					progress: null,
					next_step: expect.stringContaining('Wait for it with a tool that waits'),
				},
			]);
			expect(results[1]).toContain(`Yunwu does not know task \\"${task.id.split(':')[1]}\\"`);
			expect(results[1]).toContain(
				'Next step: Call this tool again with the task_id exactly as the create tool returned it, model prefix included',
			);
			const done = JSON.parse(results[2]) as Array<Record<string, unknown>>;
			expect(done).toEqual([
				{
					task_id: task.id,
					state: 'completed',
					progress: 100,
					video_url: server.videoUrlOf(task.id),
					next_step:
						'The video is ready: give the user video_url (the link expires after a while).',
				},
			]);
			for (const result of results) expect(result.length).toBeLessThan(400);
			expect(nodeOutput(outcome, 'AI Agent')[0].json.output).toBe(
				`Your video is ready: ${String(done[0].video_url)}`,
			);
			// Never downloaded: n8n would drop the file from a tool's result anyway.
			expect(server.fileRequests().length).toBe(files);
			expect(server.videoOf(task.id).downloads).toBe(0);
			expect(said).not.toContain(server.apiKey);
			process.stdout.write(
				`n8n ${install.version}: agent tool results of ${results.map((result) => result.length).join(', ')} characters\n`,
			);
		} finally {
			await model.stop();
		}
	});
});
