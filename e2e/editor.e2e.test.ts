/**
 * The editor in a real browser: n8n started with the packed package (once per release line, 2.x
 * and 1.x, shared by every check of that line), driven in headless Chromium (Debian's package, by
 * playwright-core) as a person does: the node found by searching the node panels, then the example
 * workflow opened and the Yunwu Video node used (operations switched, the model list opened,
 * options added) against the local Yunwu server. Screenshots of each panel go to test-artifacts/.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

import {
	freePort,
	importIntoN8n,
	installN8n,
	makeUserFolder,
	n8nEnv,
	packPackage,
	startN8n,
	stopN8n,
} from '../test/support/real-n8n/n8n';
import { chain, credential, manualTrigger } from '../test/support/real-n8n/workflows';
import { REPO_ROOT } from '../test/support/paths';
import { DEFAULT_VIDEO_MODEL_IDS, YunwuServer } from '../test/support/server/yunwu-server';

const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const LINES = (process.env.N8N_E2E_LINES ?? '2,1').split(',').map((line) => Number(line) as 1 | 2);
/** What a newcomer types: the node's name, what it makes, its Chinese name, and a model's name. */
const SEARCHES = ['Yunwu', 'video', '云雾', 'kling'];

const OWNER = {
	email: 'owner@example.com',
	firstName: 'Ada',
	lastName: 'Lovelace',
	password: 'Yunwu-e2e-Passw0rd',
};

let tarball: string;
let browser: Browser | undefined;
let yunwu: YunwuServer | undefined;

beforeAll(async () => {
	mkdirSync(ARTIFACTS, { recursive: true });
	tarball = packPackage();
	yunwu = await new YunwuServer().start();
	browser = await chromium.launch({
		executablePath: CHROMIUM,
		args: [
			'--no-sandbox',
			'--disable-gpu',
			'--disable-quic',
			'--no-first-run',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
		],
	});
});

afterAll(async () => {
	await browser?.close();
	await yunwu?.stop();
	if (tarball) rmSync(path.dirname(tarball), { recursive: true, force: true });
});

/** n8n of the current line, started once for all its checks. */
let n8n: Awaited<ReturnType<typeof startN8n>> | undefined;

/** A browser tab signed in to n8n as its owner. */
async function signedInPage(): Promise<Page> {
	const page = await browser!.newPage({ viewport: { width: 1440, height: 1000 } });
	const url = n8n!.url;
	const setup = await page.request.post(`${url}/rest/owner/setup`, { data: OWNER });
	expect([200, 400]).toContain(setup.status());
	const login = await page.request.post(`${url}/rest/login`, {
		data: { emailOrLdapLoginId: OWNER.email, email: OWNER.email, password: OWNER.password },
	});
	expect(login.status()).toBe(200);
	return page;
}

describe.each(LINES)('n8n %s.x editor', (line) => {
	let userFolder: string;

	beforeAll(async () => {
		const install = installN8n(line);
		userFolder = makeUserFolder(tarball);
		const env = await n8nEnv(install, userFolder);
		await importIntoN8n(install, env, 'credentials', [
			credential(yunwu!.apiKey, yunwu!.apiUrl, 'yunwuDemoCredential'),
			credential('sk-revoked-key', yunwu!.apiUrl, 'yunwuRevokedCredential', 'Revoked key'),
		]);
		const example = JSON.parse(
			readFileSync(path.join(REPO_ROOT, 'examples', 'wait-and-save-video.json'), 'utf8'),
		) as {
			name: string;
			nodes: Array<Record<string, unknown>>;
		};
		/** A copy of the example with its Yunwu node at `typeVersion`, changed by `yunwu`. */
		const copyOf = (
			id: string,
			typeVersion: number,
			yunwuNode: (node: Record<string, unknown>) => Record<string, unknown> = (node) => node,
		) => ({
			...example,
			id,
			name: `${String(example.name)} (${id})`,
			nodes: example.nodes.map((node) =>
				node.name === 'Yunwu Video' ? yunwuNode({ ...node, typeVersion }) : node,
			),
		});
		const revokedKey = (node: Record<string, unknown>) => ({
			...node,
			credentials: { yunwuApi: { id: 'yunwuRevokedCredential', name: 'Revoked key' } },
		});
		// The same workflow with a key Yunwu rejects: the model list cannot load (the 1.1 dropdown).
		const revoked = copyOf('revokedKeyWorkflow', 1.1, revokedKey);
		// One copy per test: n8n locks a workflow to the tab that edited it last. Its Yunwu node at
		// version 1.1, the dropdown with Other that workflows saved before 1.2 hold, whose panel
		// hides what version 1 still shows.
		const copies = ['exampleWorkflow', 'switchWorkflow', 'createWorkflow', 'apisWorkflow'].map(
			(id) => copyOf(id, 1.1),
		);
		// Model from version 1.2: a Manual Trigger to add the node to, the example on Create (API
		// switched on the panel), with a rejected key, and a node saved at version 1 with Other.
		const locatorWorkflows = [
			chain('modelNewcomer', 'Manual Trigger only (model)', [manualTrigger()]),
			copyOf('modelApis', 1.2),
			copyOf('modelMirror', 1.2),
			copyOf('modelRevoked', 1.2, revokedKey),
			copyOf('savedOther', 1, (node) => ({
				...node,
				parameters: {
					operation: 'create',
					model: 'custom',
					customModel: 'kling-v2-master',
					prompt: 'Waves breaking on rocks',
				},
			})),
		];
		// A workflow holding only a Manual Trigger, one per search of "What happens next?".
		const triggers = SEARCHES.map((query, index) =>
			chain(`manualOnly${index}`, `Manual Trigger only (${query})`, [manualTrigger()]),
		);
		// The AI Agent example, to add a tool to its agent as a person would.
		const agent = JSON.parse(
			readFileSync(path.join(REPO_ROOT, 'examples', 'agent-make-videos.json'), 'utf8'),
		) as Record<string, unknown>;
		await importIntoN8n(install, env, 'workflow', [
			...copies,
			revoked,
			...locatorWorkflows,
			...triggers,
			{ ...agent, id: 'agentWorkflow' },
		]);
		n8n = await startN8n(install, env);
	});

	afterAll(async () => {
		if (n8n) await stopN8n(n8n.process);
		n8n = undefined;
		if (userFolder) rmSync(userFolder, { recursive: true, force: true });
	});

	describe('a newcomer finds the node by searching the node panel', () => {
		test.each(SEARCHES)('"%s" in the first-node panel of a new workflow', async (query) => {
			const page = await signedInPage();
			await page.goto(`${n8n!.url}/workflow/new`);
			await page.locator('[data-test-id="canvas-plus-button"]').first().click();
			await pickFromSearch(page, query, `editor-search-first-${line}x-${SEARCHES.indexOf(query)}`);
			await page.close();
		});

		test.each(SEARCHES)('"%s" in "What happens next?" after a Manual Trigger', async (query) => {
			const page = await signedInPage();
			await page.goto(`${n8n!.url}/workflow/manualOnly${SEARCHES.indexOf(query)}`);
			const trigger = page.locator('[data-test-id="canvas-node"]').first();
			await trigger.waitFor({ timeout: 60_000 });
			await page.locator('[data-test-id="canvas-handle-plus"]').first().click();
			await pickFromSearch(page, query, `editor-search-next-${line}x-${SEARCHES.indexOf(query)}`);
			await expectLocator(
				page.locator('[data-test-id="canvas-node"]').filter({ hasText: 'Yunwu Video' }),
			).toBeVisible();
			await page.close();
		});
	});

	// Whether the modal tests a credential is decided by the editor of each line, from the credential
	// type and the nodes' `testedBy`: a REST call cannot show it, so both lines are clicked through.
	describe('a newcomer creates a Yunwu API credential on the credentials page, and Save tests it', () => {
		test('a good key: the modal says the connection was tested, and its Retry tests it again', async () => {
			const modal = await newYunwuCredential(yunwu!.apiKey, yunwu!.apiUrl, `good-${line}x`);
			const before = yunwu!.log.length;
			await modal.getByRole('button', { name: /Retry/ }).click();
			// The success banner stays up while Retry runs: the test is seen again at the server.
			const deadline = Date.now() + 15_000;
			while (yunwu!.log.length === before && Date.now() < deadline)
				await new Promise((resolve) => setTimeout(resolve, 100));
			expect(yunwu!.log.slice(before).map((entry) => entry.path)).toEqual(['/v1/models']);
			await waitForText(modal, 'Connection tested successfully');
			await modal.page().close();
		});

		test('a wrong key: the modal shows the 401 message', async () => {
			const modal = await newYunwuCredential('sk-wrong', yunwu!.apiUrl, `wrong-key-${line}x`);
			await modal.page().close();
		});

		test('a wrong Base URL (nothing listening): the modal names the address and what to check', async () => {
			const refusing = `http://127.0.0.1:${await freePort()}`;
			const modal = await newYunwuCredential(yunwu!.apiKey, refusing, `wrong-url-${line}x`);
			await modal.page().close();
		});
	});

	// A resource locator, its displayOptions and its list's errors are the editor's own code, which
	// differs between the lines: checked on both.
	describe('Model from version 1.2: a list from the key, or any name typed By ID', () => {
		test("a newcomer adds the node, searches the model list and picks a model, then types sora-2 By ID and gets Sora's fields", async () => {
			const page = await signedInPage();
			await page.goto(`${n8n!.url}/workflow/modelNewcomer`);
			await page.locator('[data-test-id="canvas-node"]').first().waitFor({ timeout: 60_000 });
			await page.locator('[data-test-id="canvas-handle-plus"]').first().click();
			await page
				.locator('[data-test-id="node-creator-search-bar"]')
				.pressSequentially('Yunwu', { delay: 30 });
			const entries = page.locator('[data-test-id="item-iterator-item"]');
			await entries.filter({ hasText: 'Yunwu Video' }).first().click();
			await entries.filter({ hasText: 'Create video' }).first().click();
			await expectInputValue(page, 'operation', 'Create');
			await useCredential(page, 'yunwuDemoCredential', 'Yunwu account');
			await expectModel(page, 'veo3.1-fast');

			// The list: the video models first by name (the chosen one on top), then the rest, marked.
			const items = await openModelList(page);
			expect(items[0]).toBe('veo3.1-fast');
			expect(items.slice(1, DEFAULT_VIDEO_MODEL_IDS.length)).toEqual(
				DEFAULT_VIDEO_MODEL_IDS.filter((id) => id !== 'veo3.1-fast'),
			);
			expect(items).toContain('gpt-4o-mini (not known as a video model)');
			await page.screenshot({ path: path.join(ARTIFACTS, `editor-model-locator-${line}x.png`) });
			// The list's own search box (the input itself on 2.x, inside its wrapper on 1.x).
			await page
				.locator('input[data-test-id="rlc-search"], [data-test-id="rlc-search"] input')
				.filter({ visible: true })
				.first()
				.pressSequentially('sora');
			// The editor keeps the current model on top (2.x even when the search leaves it out).
			await expectTexts(rlcItems(page).filter({ hasNotText: 'veo3.1-fast' }), [
				'sora-2',
				'sora-2-pro',
			]);
			expect(await rlcItems(page).allInnerTexts()).not.toContain('grok-video-3');
			await rlcItems(page).getByText('sora-2-pro', { exact: true }).click();
			await expectModel(page, 'sora-2-pro');
			expect(await openDropdown(page, 'duration')).toEqual(['10', '15', '25']);
			await page.keyboard.press('Escape');

			// By ID: any name; the fields are those of the model typed.
			await chooseModelMode(page, 'id');
			await typeModel(page, 'sora-2');
			expect(await openDropdown(page, 'duration')).toEqual(['10', '15']);
			await page.keyboard.press('Escape');
			await expectLocator(page.getByText('Orientation', { exact: true }).first()).toBeVisible();
			for (const hidden of ['aspectRatio', 'customModel'])
				await expectLocator(page.locator(`[data-test-id="parameter-input-${hidden}"]`)).toHaveCount(
					0,
				);
			await page.screenshot({ path: path.join(ARTIFACTS, `editor-model-by-id-${line}x.png`) });
			// A name of no known family: every aspect ratio, and Size as free text. n8n keeps a typed
			// name as typed: " sora-2" (pasted with a space) gets the same fields, and so does its body
			// (model-locator.test.ts), the name trimmed.
			for (const name of ['hailuo-02', ' sora-2']) {
				await typeModel(page, name);
				await expectLocator(page.getByText('Orientation', { exact: true })).toHaveCount(0);
				await expectLocator(
					page.locator(
						'[data-test-id="parameter-input-size"] input[placeholder="e.g. 1280x720 or 720P"]',
					),
				).toBeVisible();
			}
			await page.close();
		});

		test("an untouched Model follows API to the API's model; a key Yunwu rejects: the list says why, By ID still works; a version-1 Other opens as saved", async () => {
			const page = await openYunwuNode('modelApis');
			await chooseOption(page, 'operation', 'Create');
			await expectModel(page, 'veo3.1-fast');
			await chooseOption(page, 'apiFormat', 'Kling');
			await expectModel(page, 'kling-v2-master');
			const items = await openModelList(page);
			expect(items[0]).toBe('kling-v2-master');
			expect(items).toContain('sora-2 (a video model, not known to be served by the Kling API)');
			await page.keyboard.press('Escape');
			await chooseOption(page, 'apiFormat', 'OpenAI Videos');
			await expectModel(page, 'sora-2');
			await page.close();

			const revoked = await openYunwuNode('modelRevoked');
			await chooseOption(revoked, 'operation', 'Create');
			await revoked
				.locator('[data-test-id="resource-locator-model"] [data-test-id="rlc-input"]')
				.click();
			const error = revoked.locator('[data-test-id="rlc-error-container"]');
			await error.waitFor({ timeout: 20_000 });
			await revoked.waitForTimeout(500); // the list's opening animation, for the screenshot
			const shown = (await error.innerText()).replace(/\s+/g, ' ').trim();
			await revoked.screenshot({
				path: path.join(ARTIFACTS, `editor-model-locator-error-${line}x.png`),
			});
			expect(shown).toMatch(
				/^Could not load list .*Could not load your models: Yunwu rejected the API key \(HTTP 401: Invalid token .*\) for the model list\. Check the API key in your Yunwu API credential\. You can still type the model's name: choose By ID\./,
			);
			expect(shown).not.toMatch(/\bat \w+ \(|Error:/);
			await revoked.keyboard.press('Escape');
			await chooseModelMode(revoked, 'id');
			await typeModel(revoked, 'sora-2');
			await expectLocator(revoked.getByText('Orientation', { exact: true }).first()).toBeVisible();
			await revoked.close();

			const saved = await openYunwuNode('savedOther');
			await expectInputValue(saved, 'model', 'Other (Enter Model Name)');
			await expectInputValue(saved, 'customModel', 'kling-v2-master');
			await expectLocator(saved.locator('[data-test-id="resource-locator-model"]')).toHaveCount(0);
			await saved.screenshot({
				path: path.join(ARTIFACTS, `editor-model-saved-other-${line}x.png`),
			});
			await saved.close();
		});

		test('a mirror listing 250 models: the list shows the first 100, and the rest as it is scrolled to its end, each once', async () => {
			const models = yunwu!.models;
			yunwu!.models = Array.from({ length: 250 }, (_, index) => ({
				id: `mirror-video-${index}`,
				owned_by: 'mirror',
			}));
			try {
				const page = await openYunwuNode('modelMirror');
				await chooseOption(page, 'operation', 'Create');
				const mirrored = async () =>
					(await rlcItems(page).allInnerTexts())
						.map((text) => text.trim().split(' ')[0])
						.filter((id) => id.startsWith('mirror-video-'));
				await openModelList(page);
				expect((await mirrored()).length).toBeLessThanOrEqual(100);
				const deadline = Date.now() + 30_000;
				while ((await mirrored()).length < 250 && Date.now() < deadline) {
					await rlcItems(page).last().scrollIntoViewIfNeeded();
					await page.waitForTimeout(700); // the editor waits 500 ms before asking for more
				}
				const shown = await mirrored();
				expect(new Set(shown).size).toBe(250);
				expect(shown.length).toBe(250);
				await page.close();
			} finally {
				yunwu!.models = models;
			}
		});
	});

	// The panel itself is the same code on both lines: checked once, on the line most users run.
	(line === 2 ? describe : describe.skip)('the node panel', () => {
		test('Wait Until Complete renders, and Put Thumbnail in Field is offered only once Download Thumbnail is on', async () => {
			const page = await signedInPage();
			await page.goto(`${n8n!.url}/workflow/exampleWorkflow`);
			const node = page.locator('[data-test-id="canvas-node"]').filter({ hasText: 'Yunwu Video' });
			await node.waitFor({ timeout: 60_000 });
			await page.screenshot({ path: path.join(ARTIFACTS, 'editor-canvas.png') });
			await expectLocator(
				page.getByText(/install this node|not currently installed|unknown node/i),
			).toHaveCount(0);

			await node.dblclick();
			for (const label of [
				'Operation',
				'Task ID',
				'Download Video',
				'Put Video in Field',
				'Options',
				'Poll Interval (Seconds)',
				'Timeout (Seconds)',
			]) {
				await expectLocator(page.getByText(label, { exact: true }).first()).toBeVisible();
			}
			const inputValues = await page
				.locator('input')
				.evaluateAll((inputs) =>
					inputs.map((input) => (input as unknown as { value: string }).value),
				);
			expect(inputValues).toEqual(
				expect.arrayContaining(['Yunwu account', 'Wait Until Complete', 'data']),
			);
			await page.screenshot({ path: path.join(ARTIFACTS, 'editor-wait.png') });

			// Every further option, as a person adding one would see the list.
			const tuning = [
				'Max File Size (MB)',
				'Max Tasks at Once',
				'Polling',
				'Request Timeout (Seconds)',
				'Download Attempts',
				'Minimum Download Speed (KB/s)',
			];
			expect(await addOptionList(page)).toEqual(['On Timeout', 'Download Thumbnail', ...tuning]);
			await screenshotOpenList(page, 'editor-options.png');
			await addOption(page, 'Download Thumbnail');
			await page.locator('[data-test-id="parameter-input-downloadThumbnail"] .el-switch').click();
			expect(await addOptionList(page)).toEqual([
				'On Timeout',
				'Put Thumbnail in Field',
				...tuning,
			]);
			await page.keyboard.press('Escape');

			// Timeout typed as 0 becomes the panel's minimum, 1 s, not a wait that cannot see an answer.
			const timeout = page.locator('[data-test-id="parameter-input-timeout"] input').first();
			await timeout.fill('0');
			await timeout.press('Tab');
			await expectInputValue(page, 'timeout', '1');
			await page.screenshot({ path: path.join(ARTIFACTS, 'editor-timeout-minimum.png') });
			await page.close();
		});

		test('Task ID keeps its expression when the operation switches between Wait Until Complete and Query', async () => {
			const page = await openYunwuNode('switchWorkflow');
			expect(await taskIdText(page)).toContain('{{ $json.task_id }}');
			for (const operation of ['Query', 'Wait Until Complete', 'Query']) {
				await chooseOption(page, 'operation', operation);
				await expectInputValue(page, 'operation', operation);
				expect(await taskIdText(page)).toContain('{{ $json.task_id }}');
			}
			await page.screenshot({ path: path.join(ARTIFACTS, 'editor-query.png') });
			await page.close();
		});

		test("Create: the key's models, video models first, and Size offering what the chosen model takes", async () => {
			const page = await openYunwuNode('createWorkflow');
			await chooseOption(page, 'operation', 'Create');
			await expectInputValue(page, 'model', 'veo3.1-fast');
			// Yunwu documents no size for Veo: no Size field, and no disclaimer in its place.
			await expectLocator(
				page.locator('[data-test-id="parameter-input-aspectRatio"]'),
			).toBeVisible();
			await expectLocator(page.locator('[data-test-id="parameter-input-size"]')).toHaveCount(0);

			const models = await openDropdown(page, 'model');
			expect(models.slice(0, DEFAULT_VIDEO_MODEL_IDS.length + 1)).toEqual([
				...DEFAULT_VIDEO_MODEL_IDS,
				'Other (Enter Model Name)\nType any model name Yunwu accepts',
			]);
			expect(models).toContain('gpt-4o-mini\nNot known as a video model');
			await page.screenshot({ path: path.join(ARTIFACTS, 'editor-model-list.png') });
			// n8n's dropdown filters as you type.
			await page.keyboard.type('sora');
			await expectTexts(openItems(page), ['sora-2', 'sora-2-pro']);
			await pickOpenOption(page, 'sora-2');
			await expectInputValue(page, 'model', 'sora-2');

			expect(await openDropdown(page, 'size')).toEqual([
				'Small (About 720p)',
				'Large (1080p)',
				"Model's Default",
			]);
			await pickOpenOption(page, 'Large (1080p)');
			await expectLocator(page.getByText('Orientation', { exact: true }).first()).toBeVisible();
			// Yunwu documents no aspect ratio for Sora (Orientation sets the shape): no such field.
			await expectLocator(page.locator('[data-test-id="parameter-input-aspectRatio"]')).toHaveCount(
				0,
			);
			await page.screenshot({ path: path.join(ARTIFACTS, 'editor-create.png') });

			// Without waiting, only the options a create uses are offered.
			await page.locator('[data-test-id="parameter-input-waitForCompletion"] .el-switch').click();
			await expectLocator(
				page.locator('[data-test-id="parameter-input-downloadVideo"]'),
			).toHaveCount(0);
			expect(await addOptionList(page)).toEqual([
				'Timeout (Seconds)',
				'Max Tasks at Once',
				'Request Timeout (Seconds)',
			]);
			await screenshotOpenList(page, 'editor-create-no-wait.png');
			await page.close();
		});

		test("Create's API: each shows its own fields and none of another's, Kling's models first for Kling", async () => {
			const page = await openYunwuNode('apisWorkflow');
			await chooseOption(page, 'operation', 'Create');
			expect(await openDropdown(page, 'apiFormat')).toEqual([
				'Unified\n/v1/video/create: Veo, Sora, Grok, Jimeng and more (task IDs carry a model prefix)',
				'OpenAI Videos\n/v1/videos: the OpenAI-compatible video API (Sora and others)',
				"Kling\n/kling/v1/videos: Kling's own format, text-to-video or image-to-video when an image is given",
				"Generations\n/v1/video/generations: the gateway's generic video task API",
			]);
			await page.keyboard.press('Escape');
			const own = {
				Kling: [
					'negativePrompt',
					'klingMode',
					'klingDuration',
					'klingAspectRatio',
					'cfgScale',
					'sound',
					'callbackUrl',
				],
				'OpenAI Videos': ['openaiSeconds', 'openaiSize'],
				Generations: [
					'generationsDuration',
					'generationsWidth',
					'generationsHeight',
					'generationsFps',
					'generationsSeed',
				],
			};
			for (const [api, fields] of Object.entries(own)) {
				await chooseOption(page, 'apiFormat', api);
				for (const field of fields)
					await expectLocator(
						page.locator(`[data-test-id="parameter-input-${field}"]`),
					).toBeVisible();
				const others = Object.entries(own)
					.filter(([other]) => other !== api)
					.flatMap(([, names]) => names);
				for (const field of [...others, 'aspectRatio', 'size'])
					await expectLocator(
						page.locator(`[data-test-id="parameter-input-${field}"]`),
					).toHaveCount(0);
				await page.screenshot({
					path: path.join(ARTIFACTS, `editor-create-api-${api.split(' ')[0].toLowerCase()}.png`),
					fullPage: true,
				});
				const models = await openDropdown(page, 'model');
				await screenshotOpenList(
					page,
					`editor-create-api-${api.split(' ')[0].toLowerCase()}-models.png`,
				);
				if (api === 'Kling') expect(models[0]).toMatch(/^kling/);
			}
			await page.close();
		});

		test("an AI Agent's Tool connector: searching Yunwu finds the Yunwu Video Tool, whose panel has the operation's Description prefilled and no Download Video", async () => {
			const page = await signedInPage();
			await page.goto(`${n8n!.url}/workflow/agentWorkflow`);
			const agent = page.locator('[data-test-id="canvas-node"]').filter({ hasText: 'AI Agent' });
			await agent.waitFor({ timeout: 60_000 });
			await page
				.locator('[data-connection-type="ai_tool"] [data-test-id="canvas-handle-plus"]')
				.first()
				.click();
			// Typed into the tools panel's search once it is there (keys typed earlier go nowhere).
			await page.locator('[data-test-id="node-creator-search-bar"]').pressSequentially('Yunwu');
			const found = page.locator('[data-test-id="node-creator-item-name"]');
			await expectTexts(found, ['Yunwu Video Tool']);
			// What it does as a tool: it never gets the video file (n8n drops binary data from tool results).
			const listed = await page
				.locator('[data-test-id="node-creator-item-description"]')
				.innerText();
			expect(listed).not.toMatch(/file/);
			expect(listed).toMatch(/video link/);
			await page.screenshot({ path: path.join(ARTIFACTS, 'editor-agent-tools-search.png') });
			await found.first().click();
			await expectLocator(page.locator('[data-test-id="parameter-input-taskId"]')).toBeVisible();
			// A tool gets only what $fromAI() asks the model for: the Task ID is the model's to fill.
			expect(await taskIdText(page)).toContain("$fromAI('task_id'");
			const description = page.locator('[data-test-id="parameter-input-toolDescription"] textarea');
			expect(await description.inputValue()).toMatch(/^Waits for a Yunwu/);
			const downloadFields = page.locator(
				'[data-test-id="parameter-input-downloadVideo"], [data-test-id="parameter-input-binaryPropertyName"]',
			);
			await expectLocator(downloadFields).toHaveCount(0);
			await page.screenshot({ path: path.join(ARTIFACTS, 'editor-agent-tool.png') });
			// The options a tool ignores are not offered (it downloads nothing; its wait always answers).
			const toolOptions = await addOptionList(page);
			expect(toolOptions).toContain('Timeout (Seconds)');
			for (const ignored of [
				'Download Thumbnail',
				'Max File Size (MB)',
				'Download Attempts',
				'Minimum Download Speed (KB/s)',
				'On Timeout',
			])
				expect(toolOptions).not.toContain(ignored);
			await page.keyboard.press('Escape');

			await chooseOption(page, 'operation', 'Create');
			await expectLocator(
				page.locator('[data-test-id="parameter-input-waitForCompletion"]'),
			).toBeVisible();
			expect(await description.inputValue()).toMatch(/^Generates a video .* and waits for it/);
			await expectLocator(downloadFields).toHaveCount(0);
			// From node version 1.2 Model is a resource locator, which n8n gives the "let the model
			// define this" button (a list of options, such as Aspect Ratio, gets none).
			const model = page.locator('[data-test-id="resource-locator-model"]');
			await model.hover();
			await model.locator('[data-test-id="from-ai-override-button"]').click();
			await expectLocator(
				model.getByText('Defined automatically by the model', { exact: true }),
			).toBeVisible();
			await page.screenshot({ path: path.join(ARTIFACTS, 'editor-agent-tool-model.png') });
			await page.close();
		});

		test('Create with a key Yunwu rejects: the model list says why, and Other still lets you type a name', async () => {
			const page = await openYunwuNode('revokedKeyWorkflow');
			await chooseOption(page, 'operation', 'Create');
			const entries = await openDropdown(page, 'model');
			expect(entries[0]).toMatch(
				/^Could not load your models: Yunwu rejected the API key \(HTTP 401: Invalid token .*\) for the model list\. Check the API key in your Yunwu API credential\.$/,
			);
			expect(entries.slice(1)).toEqual([
				'veo3.1-fast',
				'Other (Enter Model Name)\nType any model name Yunwu accepts',
			]);
			await page.screenshot({ path: path.join(ARTIFACTS, 'editor-model-error.png') });
			await pickOpenOption(page, 'Other (Enter Model Name)');
			await expectLocator(
				page.locator('[data-test-id="parameter-input-customModel"]'),
			).toBeVisible();
			await page.close();
		});
	});
});

/**
 * In the open node panel: types `query` into its search, expects Yunwu Video among the results,
 * clicks it, picks the Wait Until Complete action, and expects the node's panel to open.
 */
async function pickFromSearch(page: Page, query: string, screenshot: string): Promise<void> {
	const search = page.locator('[data-test-id="node-creator-search-bar"]');
	await search.waitFor({ state: 'visible', timeout: 30_000 });
	await search.pressSequentially(query, { delay: 30 });
	// Each entry of the panel's lists, whether a node, a node with actions, or an action.
	const entries = page.locator('[data-test-id="item-iterator-item"]');
	const result = entries.filter({ hasText: 'Yunwu Video' });
	try {
		await result.first().waitFor({ state: 'visible', timeout: 15_000 });
	} finally {
		await page.screenshot({ path: path.join(ARTIFACTS, `${screenshot}.png`) });
	}
	await result.first().click();
	await entries.filter({ hasText: 'Wait until video task is complete' }).first().click();
	await expectLocator(page.locator('[data-test-id="parameter-input-operation"]')).toBeVisible();
	await expectInputValue(page, 'operation', 'Wait Until Complete');
	await page.keyboard.press('Escape');
}

/** What the credential modal says after Save, for the key and Base URL typed. */
function expectedTestResult(apiKey: string, baseUrl: string): string[] {
	if (apiKey !== yunwu!.apiKey)
		return [
			'Couldn’t connect with these settings',
			'Yunwu rejected this API key (HTTP 401). Copy the key again from your Yunwu dashboard.',
		];
	if (baseUrl !== yunwu!.apiUrl)
		return [
			'Couldn’t connect with these settings',
			`Could not reach Yunwu at ${baseUrl} for the credential test: the connection was refused. Check the Base URL in your Yunwu API credential and the network, then retry.`,
		];
	return ['Connection tested successfully'];
}

/**
 * On the credentials page, as a newcomer: Add/Create credential, search "Yunwu", choose Yunwu API,
 * type the key and Base URL, Save; expects the modal to show the test's result (a screenshot of it
 * goes to test-artifacts/credential-<name>.png) and returns the open modal.
 */
async function newYunwuCredential(
	apiKey: string,
	baseUrl: string,
	name: string,
): Promise<ReturnType<Page['locator']>> {
	const page = await signedInPage();
	await page.goto(`${n8n!.url}/home/credentials`);
	await page
		.getByRole('button', { name: /^(Add|Create) credential$/ })
		.first()
		.click();
	const typeSearch = page.locator('[data-test-id="new-credential-type-select"] input');
	await typeSearch.pressSequentially('Yunwu', { delay: 30 });
	await page
		.locator('[data-test-id="new-credential-type-select-option"]')
		.filter({ hasText: 'Yunwu API' })
		.first()
		.click();
	await page.locator('[data-test-id="new-credential-type-button"]').click();
	// The dialog's header (name, Save) sits outside its `credential-edit-dialog` body: the whole page,
	// where the credential dialog is the only one open.
	const modal = page.locator('body');
	await page.locator('[data-test-id="credential-edit-dialog"]').waitFor({ timeout: 15_000 });
	try {
		await modal.locator('[data-test-id="parameter-input-apiKey"] input').fill(apiKey);
		await modal.locator('[data-test-id="parameter-input-baseUrl"] input').fill(baseUrl);
		await modal.locator('[data-test-id="credential-save-button"]').click();
		const [banner, message] = expectedTestResult(apiKey, baseUrl);
		await waitForText(modal, banner);
		// The banner shows the test's own message only behind its "More details".
		if (message) {
			await modal.getByText('More details', { exact: true }).first().click();
			await waitForText(modal, message);
		}
	} finally {
		await page.screenshot({ path: path.join(ARTIFACTS, `credential-${name}.png`) });
	}
	return modal;
}

/** Waits until `text` shows inside `container`. */
async function waitForText(container: ReturnType<Page['locator']>, text: string): Promise<void> {
	await container
		.getByText(text, { exact: true })
		.first()
		.waitFor({ state: 'visible', timeout: 30_000 });
}

/** A screenshot of the open list, once its opening animation is over; then the list is closed. */
async function screenshotOpenList(page: Page, file: string): Promise<void> {
	await page.waitForTimeout(500);
	await page.screenshot({ path: path.join(ARTIFACTS, file) });
	await page.keyboard.press('Escape');
}

/** Chooses the credential `name` (id `id`) for the open node, unless the editor already did. */
async function useCredential(page: Page, id: string, name: string): Promise<void> {
	const select = page.locator('[data-test-id="node-credentials-select"]').first();
	await select.waitFor({ state: 'visible', timeout: 15_000 });
	const chosen = async () =>
		await select
			.locator('input')
			.first()
			.inputValue()
			.catch(() => '');
	if ((await chosen()) === name) return;
	await select.click();
	await page.locator(`[data-test-id="node-credentials-select-item-${id}"]`).first().click();
	const deadline = Date.now() + 15_000;
	while ((await chosen()) !== name) {
		if (Date.now() > deadline) throw new Error(`the credential shows "${await chosen()}"`);
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

const modelInput = (page: Page) =>
	page.locator('[data-test-id="resource-locator-model"] [data-test-id="rlc-input"]').first();

/** Waits until the Model locator shows `value`. */
async function expectModel(page: Page, value: string): Promise<void> {
	const deadline = Date.now() + 15_000;
	while ((await modelInput(page).inputValue()) !== value) {
		if (Date.now() > deadline)
			throw new Error(`Model shows "${await modelInput(page).inputValue()}", not "${value}"`);
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

const rlcItems = (page: Page) =>
	page.locator('[data-test-id="rlc-item"]').filter({ visible: true });

/** Opens the Model locator's list and returns its entries once loaded, top to bottom. */
async function openModelList(page: Page): Promise<string[]> {
	await modelInput(page).click();
	const deadline = Date.now() + 20_000;
	for (;;) {
		const texts = (await rlcItems(page).allInnerTexts()).map((text) => text.trim());
		if (texts.length > 0) return texts;
		if (Date.now() > deadline) throw new Error('the model list stayed empty');
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
}

/** Switches the Model locator to its mode `name` with the mode selector (the editor labels `id` "By ID"). */
async function chooseModelMode(page: Page, name: 'list' | 'id'): Promise<void> {
	await page
		.locator('[data-test-id="resource-locator-model"] [data-test-id="rlc-mode-selector"]')
		.click();
	await page.locator(`[data-test-id="mode-${name}"]`).filter({ visible: true }).click();
}

/** Types `name` into the Model locator (By ID) as a person does, then leaves the field. */
async function typeModel(page: Page, name: string): Promise<void> {
	await modelInput(page).fill(name);
	await modelInput(page).press('Tab');
	await expectModel(page, name);
}

/** A signed-in tab with the Yunwu Video node of the workflow open. */
async function openYunwuNode(workflowId: string): Promise<Page> {
	const page = await signedInPage();
	await page.goto(`${n8n!.url}/workflow/${workflowId}`);
	const node = page.locator('[data-test-id="canvas-node"]').filter({ hasText: 'Yunwu Video' });
	await node.waitFor({ timeout: 60_000 });
	await node.dblclick();
	await expectLocator(page.locator('[data-test-id="parameter-input-operation"]')).toBeVisible();
	return page;
}

/** Picks `option` in the dropdown of the parameter `name`, as a person clicking it does. */
async function chooseOption(page: Page, name: string, option: string): Promise<void> {
	await openDropdown(page, name);
	await pickOpenOption(page, option);
}

const openItems = (page: Page) =>
	page.locator('[data-test-id="parameter-input-item"]').filter({ visible: true });

/** Opens the dropdown of the parameter `name` and returns its entries once loaded, top to bottom. */
async function openDropdown(page: Page, name: string): Promise<string[]> {
	await page.locator(`[data-test-id="parameter-input-${name}"]`).click();
	const deadline = Date.now() + 20_000;
	for (;;) {
		const texts = (await openItems(page).allInnerTexts()).map((text) => text.trim());
		if (texts.length > 0) return texts;
		if (Date.now() > deadline) throw new Error(`the dropdown of ${name} stayed empty`);
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
}

async function pickOpenOption(page: Page, option: string): Promise<void> {
	await openItems(page).getByText(option, { exact: true }).first().click();
	await expectLocator(openItems(page)).toHaveCount(0);
}

async function expectTexts(locator: ReturnType<Page['locator']>, texts: string[]): Promise<void> {
	const deadline = Date.now() + 15_000;
	let shown: string[] = [];
	while (Date.now() < deadline) {
		shown = (await locator.allInnerTexts()).map((text) => text.trim());
		if (JSON.stringify(shown) === JSON.stringify(texts)) return;
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	throw new Error(`expected ${JSON.stringify(texts)}, found ${JSON.stringify(shown)}`);
}

const addOptionItems = (page: Page) =>
	page.locator('[data-test-id="collection-parameter-option"]').filter({ visible: true });

/** Opens the Options collection's "Add Option" list and returns its entries (the list stays open). */
async function addOptionList(page: Page): Promise<string[]> {
	await page
		.getByPlaceholder('Add Option')
		.or(page.getByText('Add Option', { exact: true }))
		.first()
		.click();
	await addOptionItems(page).first().waitFor({ state: 'visible', timeout: 15_000 });
	return (await addOptionItems(page).allInnerTexts()).map((text) => text.trim()).filter(Boolean);
}

async function addOption(page: Page, label: string): Promise<void> {
	await addOptionList(page);
	await addOptionItems(page).getByText(label, { exact: true }).first().click();
}

async function expectInputValue(page: Page, name: string, value: string): Promise<void> {
	const input = page.locator(`[data-test-id="parameter-input-${name}"] input`).first();
	const deadline = Date.now() + 15_000;
	while ((await input.inputValue()) !== value) {
		if (Date.now() > deadline)
			throw new Error(`${name} shows "${await input.inputValue()}", not "${value}"`);
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

/** What the Task ID field shows. */
async function taskIdText(page: Page): Promise<string> {
	const field = page.locator('[data-test-id="parameter-input-taskId"]');
	await field.waitFor({ state: 'visible', timeout: 15_000 });
	return await field.innerText();
}

/** Playwright's web-first assertions are not available in jest: a small polling stand-in. */
function expectLocator(locator: ReturnType<Page['locator']>) {
	return {
		async toBeVisible() {
			await locator.waitFor({ state: 'visible', timeout: 15_000 });
		},
		async toHaveCount(count: number) {
			const deadline = Date.now() + 2_000;
			while ((await locator.count()) !== count && Date.now() < deadline)
				await new Promise((resolve) => setTimeout(resolve, 100));
			if ((await locator.count()) !== count)
				throw new Error(
					`expected ${count} of ${locator.toString()}, found ${await locator.count()}`,
				);
		},
	};
}
