import type { INodeProperties } from 'n8n-workflow';

/**
 * `properties`, shown only for `operations`: n8n's `updateDisplayOptions`, but with the operation
 * tested first. n8n 1.x tests `show` conditions in key order, and its `_cnd` conditions throw on
 * a parameter that is not set (`model` on Query), which fails the whole execution.
 */
export function forOperations(
	operations: string[],
	properties: INodeProperties[],
): INodeProperties[] {
	return properties.map((property) => {
		const { show, ...others } = property.displayOptions ?? {};
		return {
			...property,
			displayOptions: { show: { operation: operations, ...show }, ...others },
		};
	});
}

const TASK_ID: INodeProperties = {
	displayName: 'Task ID',
	name: 'taskId',
	type: 'string',
	required: true,
	default: '',
	placeholder: 'e.g. grok:5cdad6a7-0730-426f-88ec-d39b863ada15',
	description:
		'The full ID returned when the task was created, including its model prefix (such as "grok:"), or the task_id this node\'s Create output (such as "kling://text2video/…"). Usually mapped from the node that created the task.',
};

/** The first node version whose Task ID starts as the Create output's `task_id`. */
export const TASK_ID_MAPPED_VERSION = 1.1;

const FROM_VERSION_1_1 = { '@version': [{ _cnd: { gte: TASK_ID_MAPPED_VERSION } }] };

/**
 * Task ID, listed once for Query and Wait Until Complete. n8n saves only values that differ from
 * the default, so a version 1 node saved with Task ID left empty holds none: it keeps the empty
 * default (and its "Task ID is empty" error). Nodes added from version 1.1 start with the
 * Create output's `task_id` mapped; as an AI Agent's tool, with the model asked for it: a tool
 * gets its arguments only through `$fromAI()`, so `$json.task_id` would map nothing.
 */
export const taskIdFields: INodeProperties[] = [
	{ ...TASK_ID, displayOptions: { show: { '@version': [1] } } },
	{
		...TASK_ID,
		default: '={{ $json.task_id }}',
		displayOptions: { show: FROM_VERSION_1_1, hide: { '@tool': [true] } },
	},
	{
		...TASK_ID,
		default:
			"={{ $fromAI('task_id', 'The task_id the Create video tool returned, exactly as given, prefix included', 'string') }}",
		displayOptions: { show: { ...FROM_VERSION_1_1, '@tool': [true] } },
	},
];

/**
 * The order of the Add Option list: what most users change first (how long to wait, how often to
 * ask, what a timeout does, the thumbnail), the tuning of polling, requests and downloads last. A
 * long alphabetical list is hard to scan.
 */
const OPTION_ORDER = [
	'timeout',
	'pollInterval',
	'onTimeout',
	'downloadThumbnail',
	'thumbnailBinaryPropertyName',
	'maxFileSize',
	'maxConcurrent',
	'polling',
	'requestTimeout',
	'downloadAttempts',
	'minDownloadSpeed',
];
const optionRank = (option: INodeProperties) => {
	const rank = OPTION_ORDER.indexOf(option.name);
	return rank === -1 ? OPTION_ORDER.length : rank;
};

/** An operation's `options` collection (the name saved workflows hold), in `OPTION_ORDER`. */
export function optionsCollection(options: INodeProperties[]): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [...options].sort((a, b) => optionRank(a) - optionRank(b)),
	};
}
