// Runs `n8n-node lint` (@n8n/node-cli), unmodified and in strict mode, on the package alone.
//
// n8n-node lint runs `eslint .` in the current folder, and strict mode ("n8n.strict" in
// package.json) demands that eslint.config.mjs be n8n's stock file, with no room for an ignore.
// Run here, it would also lint test/, e2e/, bench/ and queue/ with the node rules (which forbid
// timers, child processes, Node imports: what test code is made of). n8n's own verification lints
// only package.json, nodes/ and credentials/ (the scanner's SOURCE_FILE_PATTERNS), so this copies
// exactly those, plus what the lint itself reads (the stock eslint.config.mjs, tsconfig.json for
// the import resolver) and index.js, into a temporary folder whose node_modules is this one, and
// runs n8n-node lint there. File names in the output are mapped back to this checkout.
// Dev code is linted separately with eslint.dev.config.mjs (npm run lint:dev).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGE_FILES = [
	'package.json',
	'eslint.config.mjs',
	'tsconfig.json',
	'index.js',
	'nodes',
	'credentials',
];

const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-nodes-yunwu-lint-'));
let code = 1;
try {
	for (const entry of PACKAGE_FILES) {
		fs.cpSync(path.join(root, entry), path.join(stage, entry), { recursive: true });
	}
	fs.symlinkSync(path.join(root, 'node_modules'), path.join(stage, 'node_modules'), 'dir');

	let output = '';
	const mapPaths = (chunk) => {
		const text = chunk.toString().split(stage).join(root);
		output += text;
		return text;
	};
	const child = spawn(path.join(stage, 'node_modules', '.bin', 'n8n-node'), ['lint'], {
		cwd: stage,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	child.stdout.on('data', (chunk) => process.stdout.write(mapPaths(chunk)));
	child.stderr.on('data', (chunk) => process.stderr.write(mapPaths(chunk)));
	code = await new Promise((resolve, reject) => {
		child.on('error', reject);
		child.on('close', (exitCode, signal) => resolve(signal ? 1 : exitCode));
	});
	// n8n-node lint exits 0 on warnings; here a warning fails as well (eslint prints "✖ N problems").
	if (code === 0 && output.includes('\u2716')) code = 1;
} finally {
	fs.rmSync(stage, { recursive: true, force: true });
}
process.exit(code);
