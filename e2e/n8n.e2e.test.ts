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
import { SAVED_CREATE_BODIES, savedCreateWorkflow } from '../test/fixtures/saved/workflows';
import { chain, credential, CREDENTIAL, manualTrigger, sha256OfVideo, taskIds, yunwuVideo } from './lib/workflows';

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

	test('a workflow saved by version 0.1.0 (Create with its models, Other, the default model) sends the same requests', async () => {
		const saved = savedCreateWorkflow();
		const created = server.createBodies.length;
		const nodes = saved.nodes.map((node) => (node.credentials ? { ...node, credentials: { yunwuApi: CREDENTIAL } } : node));
		await importIntoN8n(install, env, 'workflow', [{ ...saved, id: 'e2eSaved010', nodes }]);

		const outcome = await executeWorkflow(install, env, 'e2eSaved010');

		expect(outcome.data?.resultData.error).toBeUndefined();
		const byPrompt = (a: Record<string, unknown>, b: Record<string, unknown>) => String(a.prompt).localeCompare(String(b.prompt));
		expect(server.createBodies.slice(created).sort(byPrompt)).toEqual(Object.values(SAVED_CREATE_BODIES).sort(byPrompt));
		for (const name of Object.keys(SAVED_CREATE_BODIES)) expect(nodeOutput(outcome, name)[0].json.state).toBe('pending');
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
