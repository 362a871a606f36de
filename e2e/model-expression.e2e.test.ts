/**
 * Create with the Model list set by an expression, run by real n8n's `n8n execute`: n8n checks a
 * workflow's parameters before running it and counts every field shown by Model as shown when
 * Model is an expression. A required field among them (Custom Model Name once was) made n8n refuse
 * the run, and `n8n execute` then reported only "No active execution found".
 */
import { rmSync } from 'node:fs';

import { YunwuServer } from '../test/support/server/yunwu-server';
import {
	executeWorkflow,
	importIntoN8n,
	installN8n,
	makeUserFolder,
	n8nEnv,
	nodeOutput,
	packPackage,
} from '../test/support/real-n8n/n8n';
import {
	chain,
	credential,
	manualTrigger,
	promptItems,
	yunwuVideo,
} from '../test/support/real-n8n/workflows';

const LINES = (process.env.N8N_E2E_LINES ?? '2,1').split(',').map((line) => Number(line) as 1 | 2);

let tarball: string;
beforeAll(() => {
	tarball = packPackage();
});

describe.each(LINES)('n8n %s.x', (line) => {
	let server: YunwuServer;
	let userFolder: string;

	beforeAll(async () => {
		server = await new YunwuServer({ apiHost: '127.0.0.1', fileHost: '127.0.0.2' }).start();
	});

	afterAll(async () => {
		await server?.stop();
		if (userFolder) rmSync(userFolder, { recursive: true, force: true });
	});

	test('Create with Model mapped from the input runs: each item creates a task of its own model', async () => {
		const install = installN8n(line);
		userFolder = makeUserFolder(tarball);
		const env = await n8nEnv(install, userFolder);
		await importIntoN8n(install, env, 'credentials', [credential(server.apiKey, server.apiUrl)]);
		const models = ['sora-2', 'veo3'];
		const items = promptItems([]);
		items.parameters = {
			jsCode: `return ${JSON.stringify(models.map((model) => ({ json: { model, prompt: 'A paper boat' } })))};`,
		};
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
		expect(server.createBodies.map((body) => body.model)).toEqual(models);
		expect(nodeOutput(outcome, 'Yunwu Video').map((item) => item.pairedItem)).toEqual([
			{ item: 0 },
			{ item: 1 },
		]);
	});
});
