/**
 * The packed package inside real n8n, on both release lines users run: installed as n8n installs
 * community packages, credentials and workflows imported with n8n's CLI, workflows run with
 * `n8n execute`, results read from n8n's own run data.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

import { fileSha256, REPO_ROOT, YunwuServer } from '../test/server/yunwu-server';
import {
	executeWorkflow,
	importIntoN8n,
	installN8n,
	makeUserFolder,
	n8nEnv,
	nodeOutput,
	packPackage,
	type N8nInstall,
} from './lib/n8n';
import { chain, credential, manualTrigger, promptItems, sha256OfVideo, taskIds, yunwuVideo } from './lib/workflows';

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

	afterAll(async () => {
		await server?.stop();
		if (userFolder) rmSync(userFolder, { recursive: true, force: true });
	});

	test('the package is installed as n8n installs community packages, its peer dependency left to n8n', () => {
		const installed = path.join(userFolder, '.n8n', 'nodes', 'node_modules');
		expect(existsSync(path.join(installed, 'n8n-nodes-yunwu', 'dist', 'nodes', 'YunwuVideo', 'YunwuVideo.node.js'))).toBe(true);
		for (const file of ['credentials/YunwuApi.credentials.js', 'credentials/yunwu.svg', 'credentials/yunwu.dark.svg', 'nodes/YunwuVideo/yunwu.svg', 'nodes/YunwuVideo/yunwu.dark.svg', 'nodes/YunwuVideo/YunwuVideo.node.json']) {
			expect(existsSync(path.join(installed, 'n8n-nodes-yunwu', 'dist', file))).toBe(true);
		}
		expect(existsSync(path.join(installed, 'n8n-workflow'))).toBe(false);
		expect(existsSync(path.join(installed, 'zod'))).toBe(false);
		expect(install.version).toMatch(line === 2 ? /^2\./ : /^1\./);
	});

	test('Query on a processing task: the parsed fields, progress null', async () => {
		server.addTask({ id: 'grok:e2e-processing', processingPolls: 1000 });
		await importIntoN8n(install, env, 'workflow', [
			chain('e2eQuery', 'E2E query', [manualTrigger(), taskIds(['grok:e2e-processing']), yunwuVideo({ operation: 'query' })]),
		]);

		const outcome = await executeWorkflow(install, env, 'e2eQuery');

		expect(outcome.data?.resultData.error).toBeUndefined();
		const [item] = nodeOutput(outcome, 'Yunwu Video');
		expect(item.json).toMatchObject({ task_id: 'grok:e2e-processing', state: 'processing', status: 'processing', progress: null });
		expect(item.pairedItem).toEqual({ item: 0 });
	});

	test('Wait Until Complete on several tasks at once; each video reaches the next node intact (SHA-256 by n8n\'s Crypto node)', async () => {
		const ids = ['grok:e2e-a', 'veo3.1-fast:e2e-b', 'sora-2:e2e-c'];
		ids.forEach((id, index) => server.addTask({ id, readyAfterMs: 1500 + 500 * index, end: 'completed', video: { size: 700_000 + index } }));
		await importIntoN8n(install, env, 'workflow', [
			chain('e2eWait', 'E2E wait', [
				manualTrigger(),
				taskIds(ids),
				yunwuVideo({ operation: 'waitUntilComplete', options: { pollInterval: 0.25, timeout: 60 } }),
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
			expect(item.binary?.data).toMatchObject({ mimeType: 'video/mp4', fileName: `${ids[index].replace(':', '_')}.mp4` });
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
		server.addTask({ id: 'grok:e2e-ok', processingPolls: 1, end: 'completed', video: { size: 1234 } });
		server.addTask({ id: 'grok:e2e-failed', processingPolls: 1, end: 'failed', failure: { code: 'policy', message: 'Prompt rejected by moderation' } });
		await importIntoN8n(install, env, 'workflow', [
			chain('e2eContinue', 'E2E continue on fail', [
				manualTrigger(),
				taskIds(['grok:e2e-failed', 'grok:e2e-ok']),
				yunwuVideo({ operation: 'waitUntilComplete', options: { pollInterval: 0.2 } }, { onError: 'continueRegularOutput' }),
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

	test('Create with Wait for Completion: from a prompt to the MP4 in one node', async () => {
		const sample = readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'sample.mp4'));
		server.createdTaskTemplate = { pendingPolls: 1, processingPolls: 1, end: 'completed', video: { bytes: sample } };
		const created = server.createBodies.length;
		await importIntoN8n(install, env, 'workflow', [
			chain('e2eCreate', 'E2E prompt to video', [
				manualTrigger(),
				yunwuVideo({ operation: 'create', model: 'veo3.1-fast', prompt: 'A cat walking on the beach', enhancePrompt: true, options: { pollInterval: 0.2 } }),
				sha256OfVideo(),
			]),
		]);

		const outcome = await executeWorkflow(install, env, 'e2eCreate');

		expect(outcome.data?.resultData.error).toBeUndefined();
		expect(server.createBodies.slice(created)).toEqual([
			{ model: 'veo3.1-fast', prompt: 'A cat walking on the beach', enhance_prompt: true, enable_upsample: false },
		]);
		const [item] = nodeOutput(outcome, 'SHA-256');
		expect(item.json.task_id).toMatch(/^veo3\.1:/);
		expect(item.json.sha256).toBe(createHash('sha256').update(sample).digest('hex'));
	});

	test("Retry On Fail after a Create + Wait timed out: n8n re-runs the node, which waits on the tasks it created (one create per prompt) and delivers", async () => {
		// Ready 3 s after creation: the first try gives up after 2 s, n8n waits 1 s and re-runs the node.
		server.createdTaskTemplate = { readyAfterMs: 3000, end: 'completed', video: { size: 50_000 } };
		const [requests, tasks] = [server.createBodies.length, server.createdTasks.length];
		const prompts = ['a red kite over the sea', 'a blue kite over the hills'];
		await importIntoN8n(install, env, 'workflow', [
			chain('e2eRetryOnFail', 'E2E retry on fail', [
				manualTrigger(),
				promptItems(prompts),
				yunwuVideo(
					{ operation: 'create', model: 'grok-video-3', prompt: '={{ $json.prompt }}', options: { pollInterval: 0.25, timeout: 2 } },
					{ retryOnFail: true, maxTries: 2, waitBetweenTries: 1000 },
				),
				sha256OfVideo(),
			]),
		]);

		const started = Date.now();
		const outcome = await executeWorkflow(install, env, 'e2eRetryOnFail');
		const tookMs = Date.now() - started;

		expect(outcome.data?.resultData.error).toBeUndefined();
		expect(server.createBodies.slice(requests).map((body) => body.prompt).sort()).toEqual([...prompts].sort());
		const created = server.createdTasks.slice(tasks).map((task) => task.id);
		const hashed = nodeOutput(outcome, 'SHA-256');
		expect(hashed.map((item) => item.json.state)).toEqual(['completed', 'completed']);
		expect(hashed.map((item) => item.json.task_id).sort()).toEqual([...created].sort());
		for (const item of hashed) expect(item.json.sha256).toBe(fileSha256(server.videoOf(String(item.json.task_id))));
		// n8n's log (level info) names every created task, and the re-run's reuse of it; never the key.
		const said = `${outcome.stdout}\n${outcome.stderr}`;
		for (const id of created) {
			expect(said).toMatch(new RegExp(`Yunwu Video: created task "${id}" for item \\d \\(model grok-video-3, execution \\d+, node "Yunwu Video"\\)`));
			expect(said).toContain(`waits on task "${id}", created earlier in execution`);
		}
		expect(said).not.toContain(server.apiKey);
		process.stdout.write(`n8n ${install.version}: Create + Wait with Retry On Fail, ${prompts.length} prompts: ${created.length} creates, \`n8n execute\` took ${(tookMs / 1000).toFixed(1)} s\n`);
	});

	test('Retry On Fail on a Create + Wait that succeeds, in a loop over the same prompt twice: n8n re-runs each pass anyway (a completed answer carries "error": ""), and each pass creates one task', async () => {
		server.createdTaskTemplate = { pendingPolls: 1, end: 'completed', video: { size: 20_000 } };
		const requests = server.createBodies.length;
		const tasks = server.createdTasks.length;
		const create = yunwuVideo(
			{ operation: 'create', model: 'veo3.1-fast', prompt: '={{ $json.prompt }}', options: { pollInterval: 0.2 } },
			{ retryOnFail: true, maxTries: 3, waitBetweenTries: 100 },
		);
		const loop = { id: '00000000-0000-4000-8000-00000000a001', name: 'Loop', type: 'n8n-nodes-base.splitInBatches', typeVersion: 3, position: [330, 0], parameters: { options: {} } };
		const looped = chain('e2eRetrySuccess', 'E2E retry on fail, success, in a loop', [manualTrigger(), promptItems(['a lighthouse at dusk', 'a lighthouse at dusk']), loop, create]);
		const connections = looped.connections as Record<string, unknown>;
		connections.Loop = { main: [[], [{ node: create.name, type: 'main', index: 0 }]] };
		connections[create.name] = { main: [[{ node: 'Loop', type: 'main', index: 0 }]] };
		await importIntoN8n(install, env, 'workflow', [looped]);

		const outcome = await executeWorkflow(install, env, 'e2eRetrySuccess');

		expect(outcome.data?.resultData.error).toBeUndefined();
		const passes = outcome.data!.resultData.runData[create.name].map((run) => run.data!.main[0][0].json);
		expect(passes.map((json) => [json.state, json.error])).toEqual([
			['completed', ''],
			['completed', ''],
		]);
		// One task per pass: a re-run of a pass waits on its task, the next pass creates its own.
		expect(server.createBodies.length - requests).toBe(2);
		expect(passes.map((json) => json.task_id)).toEqual(server.createdTasks.slice(tasks).map((task) => task.id));
		// n8n ran each pass three times; the second and third waited on the first one's task.
		const said = `${outcome.stdout}\n${outcome.stderr}`;
		for (const json of passes) expect(said.split(`waits on task "${String(json.task_id)}", created earlier`).length - 1).toBe(2);
	});

	test('a wrong API key fails the execution with a message that says to check the key, and never shows it', async () => {
		server.addTask({ id: 'grok:e2e-badkey', processingPolls: 1 });
		await importIntoN8n(install, env, 'workflow', [
			chain('e2eBadKey', 'E2E bad key', [
				manualTrigger(),
				taskIds(['grok:e2e-badkey']),
				yunwuVideo({ operation: 'query' }, { credentials: { yunwuApi: { id: 'yunwuWrongKey', name: 'Yunwu wrong key' } } }),
			]),
		]);

		const outcome = await executeWorkflow(install, env, 'e2eBadKey');

		const said = `${outcome.stdout}\n${outcome.stderr}`;
		expect(said).toContain('Yunwu rejected the API key (HTTP 401');
		expect(said).toContain('Check the API key in your Yunwu API credential.');
		expect(said).not.toContain('sk-not-the-right-key');
		expect(server.apiRequests('grok:e2e-badkey').at(-1)?.authorization).toBe('Bearer sk-not-the-right-key');
	});
});
