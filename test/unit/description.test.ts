// What n8n's lint rules check on literal node parameters, checked here on the assembled
// description, where parameters built by helpers (downloadFields, optionsCollection) are visible.
import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { INodeProperties } from 'n8n-workflow';

import { YunwuVideo } from '../../nodes/YunwuVideo/YunwuVideo.node';
import { REPO_ROOT } from '../support/paths';

const properties = new YunwuVideo().description.properties;

function shownFor(operation: string, name: string): INodeProperties {
	const found = properties.find(
		(p) => p.name === name && p.displayOptions?.show?.operation?.includes(operation),
	);
	if (!found) throw new Error(`${name} not found for ${operation}`);
	return found;
}

describe('node description', () => {
	test("Download Video: off for Query, on when waiting; shown for its operation only, never on the AI Agent's tool", () => {
		expect(shownFor('query', 'downloadVideo')).toMatchObject({ type: 'boolean', default: false });
		expect(shownFor('waitUntilComplete', 'downloadVideo')).toMatchObject({
			type: 'boolean',
			default: true,
		});
		expect(shownFor('create', 'downloadVideo')).toMatchObject({
			type: 'boolean',
			default: true,
			displayOptions: { show: { operation: ['create'], waitForCompletion: [true] } },
		});
		expect(shownFor('query', 'downloadVideo').displayOptions).toEqual({
			show: { operation: ['query'] },
			hide: { '@tool': [true] },
		});
	});

	test('options collections list what most users change first, the tuning of requests and downloads last', () => {
		const collections = properties.filter((p) => p.type === 'collection');
		expect(collections).toHaveLength(3);
		const names = collections.map((collection) =>
			(collection.options as INodeProperties[]).map((option) => option.name),
		);
		const [create, query, wait] = names;
		expect(create).toEqual(wait);
		// What most users change first…
		expect(wait.slice(0, 3)).toEqual(['timeout', 'pollInterval', 'onTimeout']);
		expect(query[0]).toBe('downloadThumbnail');
		// …the tuning of requests and downloads last.
		for (const options of [query, wait])
			expect(options.slice(-3)).toEqual(['requestTimeout', 'downloadAttempts', 'minDownloadSpeed']);
	});

	test('every boolean is described with "Whether"', () => {
		const booleans = properties
			.flatMap((p) => [p, ...((p.options ?? []) as INodeProperties[])])
			.filter((p) => p.type === 'boolean');
		expect(booleans.length).toBeGreaterThan(0);
		for (const p of booleans) expect(p.description).toMatch(/^Whether /);
	});
});

// n8n's node panels search a node's name, description and codex aliases. A user looks for the
// model, by its English or Chinese name: each family the panel offers, and Kling, whose answers
// the node reads (README: task_status_msg) and whose models run through Other.
test("searching a video model's name finds the node (codex aliases)", () => {
	const codex = JSON.parse(
		readFileSync(path.join(REPO_ROOT, 'nodes', 'YunwuVideo', 'YunwuVideo.node.json'), 'utf8'),
	) as { alias: string[] };
	expect(codex.alias).toEqual(
		expect.arrayContaining(['sora', 'veo', 'grok', 'jimeng', '即梦', 'kling', '可灵']),
	);
});
