/**
 * What the panel shows, decided by n8n-workflow's own NodeHelpers (the code the editor and the
 * engine use to resolve displayOptions and parameter values) on the node's real description.
 */
import { NodeHelpers, type INodeParameters, type INodeProperties } from 'n8n-workflow';

import { YunwuVideo } from '../../nodes/YunwuVideo/YunwuVideo.node';

const description = new YunwuVideo().description;
type PanelNode = Parameters<typeof NodeHelpers.displayParameterPath>[3];

/**
 * The definitions of `name` that the panel shows for these values (at `path`, inside a collection),
 * on a node of `typeVersion` (the version new nodes get, unless given).
 */
function shown(
	name: string,
	values: INodeParameters,
	properties: INodeProperties[] = description.properties,
	path = '',
	typeVersion = description.defaultVersion ?? 1,
): INodeProperties[] {
	const node = { typeVersion } as PanelNode;
	return properties.filter(
		(property) =>
			property.name === name &&
			NodeHelpers.displayParameterPath(values, property, path, node, description),
	);
}

const offered = (property: INodeProperties) =>
	property.options?.map((option) => ('value' in option ? option.value : undefined));

describe('Aspect Ratio and Size offer what the model family takes, and are hidden where it takes none', () => {
	test.each([
		['veo3.1-fast', ['16:9', '9:16', ''], null],
		['veo3-pro-frames', ['16:9', '9:16', ''], null],
		['sora-2-pro', null, ['small', 'large', '']],
		['grok-video-3', ['1:1', '2:3', '3:2', ''], ['720P', '']],
		[
			'jimeng-video-3.0',
			['1:1', '3:4', '4:3', '9:16', '16:9', '21:9', ''],
			['720x1280', '1280x720', '1080P', ''],
		],
	])('%s', (model, aspectRatios, sizes) => {
		const values = { operation: 'create', model };
		const [aspectRatio, ...moreRatios] = shown('aspectRatio', values);
		const [size, ...moreSizes] = shown('size', values);
		expect([moreRatios, moreSizes]).toEqual([[], []]);
		expect(aspectRatio ? offered(aspectRatio) : null).toEqual(aspectRatios);
		expect(size ? offered(size) : null).toEqual(sizes);
		if (size) expect(size.type).toBe('options');
	});

	test.each([
		['sora-2', [10, 15]],
		['sora-2-pro', [10, 15, 25]],
	])('Sora Duration offers the seconds %s takes', (model, seconds) => {
		const [duration, ...more] = shown('duration', { operation: 'create', model });
		expect(more).toEqual([]);
		expect(offered(duration)).toEqual(seconds);
	});

	test('any other model (and Other) gets every documented ratio and free text for the size', () => {
		for (const model of ['custom', 'kling-v2-master']) {
			const [aspectRatio, ...more] = shown('aspectRatio', { operation: 'create', model });
			expect(more).toEqual([]);
			expect(offered(aspectRatio)).toEqual([
				'1:1',
				'2:3',
				'3:2',
				'3:4',
				'4:3',
				'9:16',
				'16:9',
				'21:9',
				'',
			]);
			expect(shown('size', { operation: 'create', model }).map((size) => size.type)).toEqual([
				'string',
			]);
		}
	});

	test("a family's own fields follow its names, not a fixed list", () => {
		const fields = (model: string) =>
			[
				'enhancePrompt',
				'enableUpsample',
				'orientation',
				'duration',
				'watermark',
				'private',
				'customMode',
			].filter((name) => shown(name, { operation: 'create', model }).length > 0);
		expect(fields('veo3.1-pro')).toEqual(['enhancePrompt', 'enableUpsample']);
		expect(fields('sora-2')).toEqual(['orientation', 'duration', 'watermark', 'private']);
		expect(fields('grok-video-3')).toEqual(['customMode']);
		expect(fields('custom')).toEqual([]);
	});

	test('the values of a saved node are kept when the model changes family (n8n resolves the shown definition)', () => {
		const saved = {
			operation: 'create',
			model: 'veo3.1-fast',
			prompt: 'x',
			aspectRatio: '16:9',
			size: '',
		};
		const switched = NodeHelpers.getNodeParameters(
			description.properties,
			{ ...saved, model: 'custom' },
			true,
			false,
			null,
			description,
		);
		expect(switched).toMatchObject({ model: 'custom', aspectRatio: '16:9', size: '' });
	});
});

describe('Options appear only where they apply', () => {
	const options = (operation: string) =>
		shown('options', { operation })[0].options as INodeProperties[];

	test.each(['query', 'waitUntilComplete', 'create'])(
		'%s: Put Thumbnail in Field only with Download Thumbnail on',
		(operation) => {
			const root = { operation, waitForCompletion: true, options: {} };
			const inOptions = (values: INodeParameters) =>
				shown(
					'thumbnailBinaryPropertyName',
					{ ...root, options: values },
					options(operation),
					'options',
				);
			expect(inOptions({})).toEqual([]);
			expect(inOptions({ downloadThumbnail: false })).toEqual([]);
			expect(inOptions({ downloadThumbnail: true })).toHaveLength(1);
		},
	);

	test('Create with Wait for Completion off offers only the options a create uses', () => {
		const offeredOptions = (waitForCompletion: boolean) =>
			options('create')
				.filter((option) =>
					NodeHelpers.displayParameterPath(
						{ operation: 'create', waitForCompletion, options: {} },
						option,
						'options',
						{ typeVersion: 1.1 } as PanelNode,
						description,
					),
				)
				.map((option) => option.name);
		expect(offeredOptions(false)).toEqual(['timeout', 'maxConcurrent', 'requestTimeout']);
		expect(offeredOptions(true)).toEqual(
			expect.arrayContaining(['pollInterval', 'polling', 'onTimeout', 'downloadThumbnail']),
		);
	});

	test.each([1, 1.1])(
		'Task ID (version %s) is one field, shown for Query and Wait Until Complete only',
		(typeVersion) => {
			expect(
				['create', 'query', 'waitUntilComplete'].map(
					(operation) =>
						shown('taskId', { operation }, description.properties, '', typeVersion).length,
				),
			).toEqual([0, 1, 1]);
		},
	);

	test('Task ID starts empty on version 1 (what saved nodes without a Task ID mean) and mapped to task_id on 1.1', () => {
		const taskIdOf = (typeVersion: number) =>
			NodeHelpers.getNodeParameters(
				description.properties,
				{ operation: 'waitUntilComplete' },
				true,
				false,
				{ typeVersion } as PanelNode,
				description,
			)?.taskId;
		expect(taskIdOf(1)).toBe('');
		expect(taskIdOf(1.1)).toBe('={{ $json.task_id }}');
		// New nodes get 1.2 (Model as a resource locator), which keeps 1.1's mapped Task ID.
		expect(description.defaultVersion).toBe(1.2);
		expect(taskIdOf(1.2)).toBe('={{ $json.task_id }}');
	});
});

describe('Model from version 1.2: a resource locator whose value decides the family fields', () => {
	const locator = (mode: 'list' | 'id', value: string) => ({ __rl: true, mode, value });
	const create = (model: unknown, more: INodeParameters = {}) =>
		({ operation: 'create', ...more, model }) as INodeParameters;
	const names = (values: INodeParameters, typeVersion: number) =>
		[
			'model',
			'customModel',
			'orientation',
			'duration',
			'enhancePrompt',
			'customMode',
			'size',
		].filter(
			(name) =>
				shown(name, values, description.properties, '', typeVersion).length > 0 &&
				// Size is shown for other models (free text) and for the families that document one.
				(name !== 'size' ||
					shown(name, values, description.properties, '', typeVersion)[0].type === 'string'),
		);

	test('a name typed By ID, or picked from the list, shows its family’s fields (Sora’s for sora-2)', () => {
		expect(names(create(locator('id', 'sora-2')), 1.2)).toEqual([
			'model',
			'orientation',
			'duration',
		]);
		expect(offered(shown('duration', create(locator('id', 'sora-2-pro')))[0])).toEqual([
			10, 15, 25,
		]);
		expect(names(create(locator('list', 'veo3.1-fast')), 1.2)).toEqual(['model', 'enhancePrompt']);
		expect(names(create(locator('id', 'hailuo-02')), 1.2)).toEqual(['model', 'size']);
		// n8n matches the value as typed: a space before a name shows the other models' fields
		// (what model-locator.test.ts proves the body then sends), one after it its family's.
		expect(names(create(locator('id', ' sora-2')), 1.2)).toEqual(['model', 'size']);
		expect(names(create(locator('id', 'sora-2 ')), 1.2)).toEqual([
			'model',
			'orientation',
			'duration',
		]);
	});

	test('versions 1 and 1.1 keep the dropdown with Other: Custom Model Name shows, with the other models’ fields', () => {
		for (const typeVersion of [1, 1.1]) {
			const [model] = shown('model', create('custom'), description.properties, '', typeVersion);
			expect(model.type).toBe('options');
			expect(names({ ...create('custom'), customModel: 'sora-2' }, typeVersion)).toEqual([
				'model',
				'customModel',
				'size',
			]);
		}
		const [model, ...more] = shown('model', create(locator('list', 'veo3')));
		expect(more).toEqual([]);
		expect(model.type).toBe('resourceLocator');
		expect(model.modes?.map((mode) => [mode.name, mode.placeholder])).toEqual([
			['list', 'Choose a model…'],
			['id', 'e.g. sora-2'],
		]);
	});

	/** The node's parameters after the editor sets `name`: its two getNodeParameters passes (NodeSettings). */
	const editorSets = (parameters: INodeParameters, name: string, value: string) => {
		const node = { typeVersion: 1.2 } as PanelNode;
		const kept = NodeHelpers.getNodeParameters(
			description.properties,
			parameters,
			false,
			false,
			node,
			description,
		)!;
		return NodeHelpers.getNodeParameters(
			description.properties,
			{ ...kept, [name]: value },
			true,
			false,
			node,
			description,
		)!;
	};

	test("a new node's Model is its API's: an untouched Model follows API, a chosen one stays", () => {
		const added = editorSets({}, 'operation', 'create');
		expect(added.model).toEqual(locator('list', 'veo3.1-fast'));
		expect(editorSets(added, 'apiFormat', 'kling').model).toEqual(
			locator('list', 'kling-v2-master'),
		);
		expect(editorSets(added, 'apiFormat', 'openai').model).toEqual(locator('list', 'sora-2'));
		expect(editorSets(added, 'apiFormat', 'generations').model).toEqual(locator('list', ''));
		const chosen = { ...added, model: { ...locator('list', 'veo3'), cachedResultName: 'veo3' } };
		expect(editorSets(chosen, 'apiFormat', 'kling').model).toEqual(chosen.model);
		const typed = { ...added, model: locator('id', 'veo3.1-fast') };
		expect(editorSets(typed, 'apiFormat', 'kling').model).toEqual(typed.model);
	});
});
