import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeProperties,
} from 'n8n-workflow';

import { runsAsTool, TOOL_TIMEOUT_S } from './agentTool';

/**
 * The number options of the node's `options` collections. Each field's panel text, default and
 * bounds are written once, here: the panel shows these fields, and `readNumberOption` checks
 * values against the same `typeOptions` bounds, strictly, since any of them may come from an
 * expression: a value that is not a number in bounds is an error that names the parameter and the
 * item, never a silent default.
 */
export const NUMBER_OPTIONS = {
	pollInterval: {
		displayName: 'Poll Interval (Seconds)',
		name: 'pollInterval',
		type: 'number',
		typeOptions: { minValue: 0.001 },
		default: 10,
		description:
			'Seconds between two status queries of one task. Waiting on an existing task queries it at once; a task just created is first queried after one interval. Yunwu may ask for longer pauses (HTTP 429).',
	},
	timeout: {
		displayName: 'Timeout (Seconds)',
		name: 'timeout',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 1800,
		description: `Seconds to wait for one task to finish before giving up on it (default 30 minutes, at least 1; ${TOOL_TIMEOUT_S / 60} minutes for an AI Agent's tool, which then tells the agent to wait again)`,
	},
	maxConcurrent: {
		displayName: 'Max Tasks at Once',
		name: 'maxConcurrent',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 200, numberPrecision: 0 },
		default: 50,
		description:
			'How many tasks are worked on at the same time (items with the same Task ID count once; for Create: also how many tasks are submitted at once); the rest start as soon as one finishes',
	},
	requestTimeout: {
		displayName: 'Request Timeout (Seconds)',
		name: 'requestTimeout',
		type: 'number',
		typeOptions: { minValue: 0.001 },
		default: 30,
		description:
			'How long one request to Yunwu, or a pause in a download, may last before it is abandoned (and, while waiting, retried). Also the period over which Minimum Download Speed is measured.',
	},
	downloadAttempts: {
		displayName: 'Download Attempts',
		name: 'downloadAttempts',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 10, numberPrecision: 0 },
		default: 3,
		description:
			'How many times to try a download that breaks off, stalls, is too slow, arrives empty or meets a server error before the item fails',
	},
	minDownloadSpeed: {
		displayName: 'Minimum Download Speed (KB/s)',
		name: 'minDownloadSpeed',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 10,
		description:
			"A download that averages fewer kilobytes (1,000 bytes) per second than this over a Request Timeout period is abandoned and retried (see Download Attempts), like curl's --speed-limit with --speed-time. 0 turns the check off; a complete pause still ends after Request Timeout.",
	},
	maxFileSize: {
		displayName: 'Max File Size (MB)',
		name: 'maxFileSize',
		type: 'number',
		typeOptions: { minValue: 0.001 },
		default: 2048,
		description:
			'The largest video or thumbnail accepted, in megabytes (1,000,000 bytes). A file announced as larger is not downloaded; a download that grows past it (or never ends) is stopped before it fills the disk. Either fails the item without a retry.',
	},
} satisfies Record<string, INodeProperties>;

type NumberOptionName = keyof typeof NUMBER_OPTIONS;

/**
 * Lower bounds a run accepts below the panel's: Timeout's panel minimum is 1 s (a shorter one ends
 * the wait before Yunwu can answer its first query), but saved workflows and expressions may hold
 * shorter ones, as the panel allowed before: they run as they did.
 */
const RUN_MINIMUM: Partial<Record<NumberOptionName, number>> = { timeout: 0.001 };

/** How a task's queries are spaced: the field holds the default; the reader accepts its values only. */
const POLLING_OPTION = {
	displayName: 'Polling',
	name: 'polling',
	type: 'options',
	default: 'fixed',
	options: [
		{
			name: 'Adaptive',
			value: 'adaptive',
			description:
				'Asks less often while a video cannot be ready yet and more often when it is about to be (learned from the first video of the same model to finish), never more often in total than Fixed Interval',
		},
		{
			name: 'Fixed Interval',
			value: 'fixed',
			description: 'Asks once every Poll Interval',
		},
	],
	description: 'How often to ask Yunwu whether a running task is done',
} satisfies INodeProperties;

/** What a task still running at the Timeout becomes: the field holds the default; the reader accepts its values only. */
const ON_TIMEOUT_OPTION = {
	displayName: 'On Timeout',
	name: 'onTimeout',
	type: 'options',
	default: 'fail',
	options: [
		{
			name: 'Fail the Item',
			value: 'fail',
			description:
				"The item fails on the timeout (an error item when the node's 'On Error' setting is 'Continue')",
		},
		{
			name: 'Output Last Status',
			value: 'outputLastStatus',
			description: "Output the last known status with 'timed_out' set to true, without the video",
		},
	],
	description: 'What to do with a task that is still running when the timeout is reached',
} satisfies INodeProperties;

/** The default binary field names, and names a binary field may not have. */
const DEFAULT_VIDEO_FIELD = 'data';
const DEFAULT_THUMBNAIL_FIELD = 'thumbnail';
const RESERVED_FIELD_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

const DOWNLOAD_THUMBNAIL_OPTION = {
	displayName: 'Download Thumbnail',
	name: 'downloadThumbnail',
	type: 'boolean',
	default: false,
	description:
		'Whether to also download the thumbnail image of a completed task into its own binary field',
} satisfies INodeProperties;

const THUMBNAIL_FIELD_OPTION = {
	displayName: 'Put Thumbnail in Field',
	name: 'thumbnailBinaryPropertyName',
	type: 'string',
	default: DEFAULT_THUMBNAIL_FIELD,
	description: 'The name of the binary field the thumbnail is written to',
	// Inside a collection, displayOptions refer to the collection's own values.
	displayOptions: { show: { downloadThumbnail: [true] } },
} satisfies INodeProperties;

/** Options every operation accepts, inside its `options` collection. */
export const requestOptionFields: INodeProperties[] = [
	NUMBER_OPTIONS.requestTimeout,
	DOWNLOAD_THUMBNAIL_OPTION,
	THUMBNAIL_FIELD_OPTION,
	NUMBER_OPTIONS.downloadAttempts,
	NUMBER_OPTIONS.minDownloadSpeed,
	NUMBER_OPTIONS.maxFileSize,
];

/** The options of waiting for a task: Wait Until Complete's, and Create's with Wait for Completion on. */
export const waitOptionFields: INodeProperties[] = [
	NUMBER_OPTIONS.pollInterval,
	POLLING_OPTION,
	NUMBER_OPTIONS.timeout,
	ON_TIMEOUT_OPTION,
	NUMBER_OPTIONS.maxConcurrent,
	...requestOptionFields,
];

/** An AI Agent's tool downloads nothing (n8n drops binary data from its result): not on its panel. */
const NOT_ON_TOOL = { hide: { '@tool': [true] } };

const DOWNLOAD_VIDEO_OFF: INodeProperties = {
	displayName: 'Download Video',
	name: 'downloadVideo',
	type: 'boolean',
	default: false,
	description:
		'Whether to download the finished video into a binary field, ready for Google Drive, S3, YouTube or Read/Write Files from Disk nodes',
	displayOptions: NOT_ON_TOOL,
};

/** Download Video (`downloadVideo`, off by default for Query, on when waiting) and the binary field name. */
export function downloadFields(downloadByDefault: boolean): INodeProperties[] {
	return [
		downloadByDefault ? { ...DOWNLOAD_VIDEO_OFF, default: true } : DOWNLOAD_VIDEO_OFF,
		{
			displayName: 'Put Video in Field',
			name: 'binaryPropertyName',
			type: 'string',
			default: DEFAULT_VIDEO_FIELD,
			required: true,
			description: 'The name of the binary field the video is written to',
			hint: 'Next nodes find the video under this name',
			displayOptions: { show: { downloadVideo: [true] }, ...NOT_ON_TOOL },
		},
	];
}

/** An item's options, read once and checked, durations in milliseconds. */
export interface ItemOptions {
	pollIntervalMs: number;
	timeoutMs: number;
	requestTimeoutMs: number;
	onTimeout: 'fail' | 'outputLastStatus';
	/** How the task's queries are spaced (see `POLLING_OPTION`). */
	polling: 'adaptive' | 'fixed';
	maxConcurrent: number;
	downloadAttempts: number;
	/** Minimum Download Speed in bytes per second; 0: no check. */
	minDownloadBytesPerSecond: number;
	/** Max File Size in bytes. */
	maxFileBytes: number;
	downloadVideo: boolean;
	/** The binary field of the video; '' when Download Video is off. */
	videoField: string;
	downloadThumbnail: boolean;
	/** The binary field of the thumbnail; '' when Download Thumbnail is off. */
	thumbnailField: string;
}

function invalid(
	context: IExecuteFunctions,
	itemIndex: number,
	message: string,
): NodeOperationError {
	return new NodeOperationError(context.getNode(), message, { itemIndex });
}

/** What a value looks like in a message: short, one line. */
export function shown(value: unknown): string {
	const text =
		typeof value === 'string'
			? JSON.stringify(value)
			: value === undefined
				? 'empty'
				: (JSON.stringify(value) ?? String(value));
	return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** What a number option takes, in words: "a whole number from 1 to 10, such as 3". */
function expected(field: INodeProperties): string {
	const { minValue, maxValue, numberPrecision } = field.typeOptions ?? {};
	const kind =
		numberPrecision === 0
			? 'a whole number'
			: field.displayName.includes('Seconds')
				? 'a number of seconds'
				: 'a number';
	const range =
		maxValue !== undefined
			? `from ${String(minValue)} to ${String(maxValue)}`
			: `of at least ${String(minValue)}`;
	return `${kind} ${range}, such as ${String(field.default)}`;
}

/** A number option's value: the default when it was not set, else a number (or numeric text) in its bounds. */
function readNumberOption(
	context: IExecuteFunctions,
	itemIndex: number,
	options: IDataObject,
	name: NumberOptionName,
): number {
	const field: INodeProperties = NUMBER_OPTIONS[name];
	if (!Object.prototype.hasOwnProperty.call(options, name)) return field.default as number;
	const minValue = RUN_MINIMUM[name];
	return readNumber(
		context,
		itemIndex,
		options[name],
		minValue === undefined ? field : { ...field, typeOptions: { ...field.typeOptions, minValue } },
	);
}

/**
 * A number parameter's value (`raw`, as an expression may give it): a number, or numeric text,
 * within the field's `typeOptions` bounds; anything else is an error naming the field and the item.
 */
export function readNumber(
	context: IExecuteFunctions,
	itemIndex: number,
	raw: unknown,
	field: INodeProperties,
): number {
	const { minValue = 0, maxValue = Infinity, numberPrecision } = field.typeOptions ?? {};
	const value =
		typeof raw === 'number'
			? raw
			: typeof raw === 'string' && /^\s*[+-]?(\d+\.?\d*|\.\d+)\s*$/.test(raw)
				? Number(raw)
				: NaN;
	const fits =
		Number.isFinite(value) &&
		value >= minValue &&
		value <= maxValue &&
		(numberPrecision !== 0 || Number.isInteger(value));
	if (!fits) {
		throw invalid(
			context,
			itemIndex,
			`${field.displayName} of item ${itemIndex} is ${shown(raw)}. Enter ${expected(field)}.`,
		);
	}
	return value;
}

/** A boolean parameter's value: true or false, or the text "true" or "false" an expression gives. */
export function readBoolean(
	context: IExecuteFunctions,
	itemIndex: number,
	raw: unknown,
	displayName: string,
	fallback: boolean,
): boolean {
	if (raw === undefined) return fallback;
	if (typeof raw === 'boolean') return raw;
	if (raw === 'true' || raw === 'false') return raw === 'true';
	throw invalid(
		context,
		itemIndex,
		`${displayName} of item ${itemIndex} is ${shown(raw)}. Turn it on or off, or make the expression give true or false.`,
	);
}

function readFieldName(
	context: IExecuteFunctions,
	itemIndex: number,
	raw: unknown,
	displayName: string,
): string {
	const name = typeof raw === 'string' ? raw.trim() : '';
	if (name === '') {
		throw invalid(
			context,
			itemIndex,
			`${displayName} of item ${itemIndex} is ${shown(raw)}. Enter the name of a binary field, such as "${DEFAULT_VIDEO_FIELD}".`,
		);
	}
	if (RESERVED_FIELD_NAMES.has(name)) {
		throw invalid(
			context,
			itemIndex,
			`${displayName} of item ${itemIndex} is "${name}", which cannot name a binary field. Choose another name, such as "${DEFAULT_VIDEO_FIELD}".`,
		);
	}
	return name;
}

/** A choice option's value: its default when it was not set, else one of its values. */
function readChoice<Value extends string>(
	context: IExecuteFunctions,
	itemIndex: number,
	options: IDataObject,
	field: Pick<INodeProperties, 'name' | 'displayName' | 'default'> & {
		options: Array<{ value: string }>;
	},
): Value {
	const value = options[field.name] ?? field.default;
	const choice = field.options.find((each) => each.value === value);
	if (choice) return choice.value as Value;
	throw invalid(
		context,
		itemIndex,
		`${field.displayName} of item ${itemIndex} is ${shown(value)}. Choose ${field.options.map((each) => `"${each.value}"`).join(' or ')}.`,
	);
}

/** The `options` collection of an item, or an error when an expression made it something else. */
function readOptionsCollection(context: IExecuteFunctions, itemIndex: number): IDataObject {
	const options = context.getNodeParameter('options', itemIndex, {}) as unknown;
	if (options && typeof options === 'object' && !Array.isArray(options))
		return options as IDataObject;
	throw invalid(
		context,
		itemIndex,
		`The options of item ${itemIndex} are not a set of options. Remove the expression from Options.`,
	);
}

/**
 * Reads and checks all of an item's options and download fields at once, before any request:
 * a wrong value fails the item with a message naming the parameter.
 */
export function readItemOptions(context: IExecuteFunctions, itemIndex: number): ItemOptions {
	const options = readOptionsCollection(context, itemIndex);
	const seconds = (name: NumberOptionName) =>
		Math.max(1, Math.round(readNumberOption(context, itemIndex, options, name) * 1000));
	const onTimeout = readChoice<ItemOptions['onTimeout']>(
		context,
		itemIndex,
		options,
		ON_TIMEOUT_OPTION,
	);
	const polling = readChoice<ItemOptions['polling']>(context, itemIndex, options, POLLING_OPTION);

	// n8n drops binary data from a tool's result: as a tool, the node downloads nothing (a saved
	// Download Video "on" cannot be told from its default).
	const asTool = runsAsTool(context);
	const downloadVideo =
		!asTool &&
		readBoolean(
			context,
			itemIndex,
			context.getNodeParameter('downloadVideo', itemIndex, false),
			'Download Video',
			false,
		);
	const videoField = downloadVideo
		? readFieldName(
				context,
				itemIndex,
				context.getNodeParameter('binaryPropertyName', itemIndex, DEFAULT_VIDEO_FIELD),
				'Put Video in Field',
			)
		: '';
	const downloadThumbnail =
		!asTool &&
		readBoolean(
			context,
			itemIndex,
			options[DOWNLOAD_THUMBNAIL_OPTION.name],
			DOWNLOAD_THUMBNAIL_OPTION.displayName,
			DOWNLOAD_THUMBNAIL_OPTION.default,
		);
	const thumbnailField = downloadThumbnail
		? readFieldName(
				context,
				itemIndex,
				options[THUMBNAIL_FIELD_OPTION.name] ?? THUMBNAIL_FIELD_OPTION.default,
				THUMBNAIL_FIELD_OPTION.displayName,
			)
		: '';
	if (downloadVideo && downloadThumbnail && videoField === thumbnailField) {
		throw invalid(
			context,
			itemIndex,
			`Put Thumbnail in Field of item ${itemIndex} is "${thumbnailField}", the same field as the video. Choose another name, such as "${DEFAULT_THUMBNAIL_FIELD}".`,
		);
	}

	return {
		pollIntervalMs: seconds('pollInterval'),
		timeoutMs:
			asTool && !Object.prototype.hasOwnProperty.call(options, 'timeout')
				? TOOL_TIMEOUT_S * 1000
				: seconds('timeout'),
		requestTimeoutMs: seconds('requestTimeout'),
		// A tool's answer tells the model to wait again: running out of time is not a failure there.
		onTimeout: asTool ? 'outputLastStatus' : onTimeout,
		polling,
		maxConcurrent: readNumberOption(context, itemIndex, options, 'maxConcurrent'),
		downloadAttempts: readNumberOption(context, itemIndex, options, 'downloadAttempts'),
		minDownloadBytesPerSecond:
			readNumberOption(context, itemIndex, options, 'minDownloadSpeed') * 1000,
		maxFileBytes: Math.floor(
			readNumberOption(context, itemIndex, options, 'maxFileSize') * 1_000_000,
		),
		downloadVideo,
		videoField,
		downloadThumbnail,
		thumbnailField,
	};
}

/**
 * The options an item's poll loop runs by. Items waiting on one task with the same values share
 * one loop (its key is made of its settings); the other options (On Timeout, the downloads) each
 * item applies on its own to the loop's outcome. An option that changes the polling goes here.
 */
export function pollSettingsOf(
	options: ItemOptions,
): Pick<ItemOptions, 'pollIntervalMs' | 'timeoutMs' | 'requestTimeoutMs' | 'polling'> {
	const { pollIntervalMs, timeoutMs, requestTimeoutMs, polling } = options;
	return { pollIntervalMs, timeoutMs, requestTimeoutMs, polling };
}
