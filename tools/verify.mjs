// Runs n8n's community-package scanner (@n8n/scan-community-package) the way n8n's verification
// does, on this checkout instead of a published version: its command line only scans packages on
// npm (and demands provenance first), so this calls its exported analyzePackage twice, with the
// scanner's own file patterns:
//   1. the source: package.json, nodes/ and credentials/ (SOURCE_FILE_PATTERNS);
//   2. the tarball `npm pack` makes from the current build, unpacked: every .js file and package.json.
// The scanner lints with inline configuration off, so eslint-disable comments do not count.
// Needs a fresh build (npm run verify builds first). Exits 1 on any finding.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
	analyzePackage,
	SOURCE_FILE_PATTERNS,
} from '@n8n/scan-community-package/scanner/scanner.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TARBALL_PATTERNS = ['**/*.js', 'package.json'];

function report(label, result) {
	if (result.passed) {
		console.log(`✅ ${label}: passed${result.message ? ` (${result.message})` : ''}`);
		return true;
	}
	console.log(`❌ ${label}: ${result.message}`);
	if (result.details) console.log(result.details);
	return false;
}

function packAndUnpack() {
	const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
	for (const entry of pkg.n8n.nodes.concat(pkg.n8n.credentials)) {
		if (!fs.existsSync(path.join(root, entry))) {
			throw new Error(`${entry} is missing: run npm run build first (npm run verify does)`);
		}
	}
	const work = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-nodes-yunwu-verify-'));
	// Explicit, so a caller's npm_config_* variables (npm run exports .npmrc) change nothing here.
	const out = execFileSync(
		'npm',
		['pack', '--json', '--ignore-scripts', '--dry-run=false', '--pack-destination', work],
		{ cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
	);
	const [{ filename }] = JSON.parse(out);
	const unpacked = path.join(work, 'package');
	fs.mkdirSync(unpacked);
	execFileSync('tar', ['-xzf', path.join(work, filename), '-C', unpacked, '--strip-components=1']);
	return { work, unpacked, filename };
}

let ok = report(
	`source (${SOURCE_FILE_PATTERNS.join(', ')})`,
	await analyzePackage(root, SOURCE_FILE_PATTERNS),
);

const { work, unpacked, filename } = packAndUnpack();
try {
	ok =
		report(
			`tarball ${filename} (${TARBALL_PATTERNS.join(', ')})`,
			await analyzePackage(unpacked, TARBALL_PATTERNS),
		) && ok;
} finally {
	fs.rmSync(work, { recursive: true, force: true });
}

process.exit(ok ? 0 : 1);
