/**
 * The editor in a real browser: n8n 2.x started with the packed package, the example workflow
 * opened in headless Chromium (Debian's package, driven by playwright-core), the Yunwu Video node
 * opened, its parameters checked, and screenshots saved to test-artifacts/.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

import { importIntoN8n, installN8n, makeUserFolder, n8nEnv, packPackage, REPO_ROOT, startN8n, stopN8n } from './lib/n8n';
import { credential } from './lib/workflows';

const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OWNER = { email: 'owner@example.com', firstName: 'Ada', lastName: 'Lovelace', password: 'Yunwu-e2e-Passw0rd' };

let n8n: Awaited<ReturnType<typeof startN8n>> | undefined;
let browser: Browser | undefined;
let userFolder: string;

beforeAll(async () => {
	mkdirSync(ARTIFACTS, { recursive: true });
	const install = installN8n(2);
	userFolder = makeUserFolder(packPackage());
	const env = await n8nEnv(install, userFolder);
	await importIntoN8n(install, env, 'credentials', [credential('sk-editor-check', 'https://yunwu.ai', 'yunwuDemoCredential')]);
	const example = JSON.parse(readFileSync(path.join(REPO_ROOT, 'examples', 'wait-and-save-video.json'), 'utf8')) as Record<string, unknown>;
	await importIntoN8n(install, env, 'workflow', [{ ...example, id: 'exampleWorkflow' }]);
	n8n = await startN8n(install, env);
	browser = await chromium.launch({
		executablePath: CHROMIUM,
		args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
	});
});

afterAll(async () => {
	await browser?.close();
	if (n8n) await stopN8n(n8n.process);
	if (userFolder) rmSync(userFolder, { recursive: true, force: true });
});

async function signIn(page: Page, url: string): Promise<void> {
	const setup = await page.request.post(`${url}/rest/owner/setup`, { data: OWNER });
	expect([200, 400]).toContain(setup.status());
	const login = await page.request.post(`${url}/rest/login`, {
		data: { emailOrLdapLoginId: OWNER.email, email: OWNER.email, password: OWNER.password },
	});
	expect(login.status()).toBe(200);
}

test('the example workflow opens, and the Yunwu Video node and its parameters render', async () => {
	const page = await browser!.newPage({ viewport: { width: 1440, height: 1000 } });
	await signIn(page, n8n!.url);

	await page.goto(`${n8n!.url}/workflow/exampleWorkflow`);
	const node = page.locator('[data-test-id="canvas-node"]').filter({ hasText: 'Yunwu Video' });
	await node.waitFor({ timeout: 60_000 });
	await page.screenshot({ path: path.join(ARTIFACTS, 'editor-canvas.png') });
	await expectLocator(page.getByText(/install this node|not currently installed|unknown node/i)).toHaveCount(0);

	await node.dblclick();
	for (const label of ['Operation', 'Task ID', 'Download Video', 'Put Video in Field', 'Options', 'Poll Interval (Seconds)', 'Timeout (Seconds)']) {
		await expectLocator(page.getByText(label, { exact: true }).first()).toBeVisible();
	}
	const inputValues = await page.locator('input').evaluateAll((inputs) => inputs.map((input) => (input as unknown as { value: string }).value));
	expect(inputValues).toEqual(expect.arrayContaining(['Yunwu account', 'Wait Until Complete', 'data']));
	await page.screenshot({ path: path.join(ARTIFACTS, 'editor-node.png') });

	// Every further option, as a person adding one would see the list.
	await page.getByPlaceholder('Add Option').or(page.getByText('Add Option', { exact: true })).first().click();
	for (const option of ['On Timeout', 'Max Tasks at Once', 'Request Timeout (Seconds)', 'Download Thumbnail', 'Download Attempts']) {
		await expectLocator(page.getByText(option, { exact: true }).last()).toBeVisible();
	}
	await page.screenshot({ path: path.join(ARTIFACTS, 'editor-options.png') });
	await page.close();
});

/** Playwright's web-first assertions are not available in jest: a small polling stand-in. */
function expectLocator(locator: ReturnType<Page['locator']>) {
	return {
		async toBeVisible() {
			await locator.waitFor({ state: 'visible', timeout: 15_000 });
		},
		async toHaveCount(count: number) {
			const deadline = Date.now() + 2_000;
			while ((await locator.count()) !== count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
			if ((await locator.count()) !== count) throw new Error(`expected ${count} of ${locator.toString()}, found ${await locator.count()}`);
		},
	};
}
