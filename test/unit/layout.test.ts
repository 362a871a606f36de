// The layout README's Development section describes, checked on the source: each layer imports only
// the ones below it, no file imports itself through others (no cycle), operations never import each
// other, only transport/ makes HTTP requests, and nothing is exported that no other file uses.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { REPO_ROOT } from '../support/paths';

const NODE_DIR = path.join(REPO_ROOT, 'nodes', 'YunwuVideo');

function tsFiles(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) return tsFiles(full);
		return entry.name.endsWith('.ts') ? [full] : [];
	});
}

const relative = (file: string) => path.relative(NODE_DIR, file).split(path.sep).join('/');
const nodeFiles = tsFiles(NODE_DIR).map((file) => ({
	name: relative(file),
	source: readFileSync(file, 'utf8'),
}));

/** Top to bottom: the node (and its panel methods), actions, the APIs, waiting, transport, task. */
const LAYERS = ['node', 'actions', 'apis', 'waiting', 'transport', 'task'] as const;
function layerOf(name: string): number {
	const top = name.split('/')[0];
	if (name === 'YunwuVideo.node.ts' || top === 'methods') return 0;
	const layer = LAYERS.indexOf(top as (typeof LAYERS)[number]);
	if (layer < 1) throw new Error(`${name} is on no layer: add its folder to LAYERS`);
	return layer;
}

/** The repository-relative files a file imports (`import … from`, `export … from`). */
function importsOf({ name, source }: { name: string; source: string }): string[] {
	return [...source.matchAll(/\bfrom '(\.[^']*)'/g)].map(([, specifier]) =>
		path.posix.normalize(path.posix.join(path.posix.dirname(name), `${specifier}.ts`)),
	);
}

describe('source layout', () => {
	test('each layer imports only itself and the layers below it; operations never import each other', () => {
		const wrong: string[] = [];
		for (const file of nodeFiles) {
			for (const target of importsOf(file)) {
				if (layerOf(target) < layerOf(file.name)) wrong.push(`${file.name} imports ${target}`);
				if (file.name.endsWith('.operation.ts') && target.endsWith('.operation.ts'))
					wrong.push(`${file.name} imports ${target}`);
			}
		}
		expect(wrong).toEqual([]);
	});

	test('only transport/ makes HTTP requests', () => {
		const requesting = nodeFiles
			.filter(({ source }) => /helpers\.(httpRequest|request)\w*\(/.test(source))
			.map(({ name }) => name);
		expect(requesting.length).toBeGreaterThan(0);
		expect(requesting.filter((name) => !name.startsWith('transport/'))).toEqual([]);
	});

	test('every name a node file exports is used by another file (node code or tests)', () => {
		const otherCode = [
			...nodeFiles,
			...['credentials', 'test', 'e2e', 'bench', 'queue'].flatMap((dir) =>
				tsFiles(path.join(REPO_ROOT, dir)).map((file) => ({
					name: path.relative(REPO_ROOT, file),
					source: readFileSync(file, 'utf8'),
				})),
			),
		];
		const unused: string[] = [];
		for (const file of nodeFiles) {
			const exported = file.source.matchAll(
				/^export (?:async )?(?:function|const|class|type|interface|enum) (\w+)/gm,
			);
			for (const [, exportedName] of exported) {
				const word = new RegExp(`\\b${exportedName}\\b`);
				const users = otherCode.filter((other) => other !== file && word.test(other.source));
				if (users.length === 0) unused.push(`${file.name}: ${exportedName}`);
			}
		}
		expect(unused).toEqual([]);
	});

	test('no import cycle: no file reaches itself through its imports, type-only imports included', () => {
		const importsByFile = new Map(nodeFiles.map((file) => [file.name, importsOf(file)]));
		const cycles: string[] = [];
		const done = new Set<string>();
		const visit = (name: string, trail: string[]) => {
			const at = trail.indexOf(name);
			if (at >= 0) {
				cycles.push([...trail.slice(at), name].join(' → '));
				return;
			}
			if (done.has(name)) return;
			for (const target of importsByFile.get(name) ?? []) visit(target, [...trail, name]);
			done.add(name);
		};
		for (const { name } of nodeFiles) visit(name, []);
		expect(cycles).toEqual([]);
	});
});
