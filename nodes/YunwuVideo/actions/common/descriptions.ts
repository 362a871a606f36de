import type { INodeProperties } from 'n8n-workflow';

import { DEFAULT_THUMBNAIL_FIELD, DEFAULT_VIDEO_FIELD, NUMBER_OPTIONS } from './options';

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

/** Task ID: one field (the node lists it once for Query and Wait Until Complete). */
export const taskIdField: INodeProperties = {
	displayName: 'Task ID',
	name: 'taskId',
	type: 'string',
	required: true,
	default: '',
	placeholder: 'e.g. grok:5cdad6a7-0730-426f-88ec-d39b863ada15',
	description:
		'The full ID returned when the task was created, including its model prefix (such as "grok:"). Usually mapped from the node that created the task.',
};

/**
 * Download Video (`downloadVideo`, off by default for Query, on when waiting) and the binary field
 * name. Each default is a literal in its own definition, as n8n's lint rules require of a boolean
 * (the rules cannot check a default or description held in a variable).
 */
export function downloadFields(downloadByDefault: boolean): INodeProperties[] {
	// An AI Agent's tool downloads nothing (n8n drops binary data from its result): not on its panel.
	const notOnTool = { hide: { '@tool': [true] } };
	const downloadVideo: INodeProperties = downloadByDefault
		? {
				displayName: 'Download Video',
				name: 'downloadVideo',
				type: 'boolean',
				default: true,
				description:
					'Whether to download the finished video into a binary field, ready for Google Drive, S3, YouTube or Read/Write Files from Disk nodes',
				displayOptions: notOnTool,
			}
		: {
				displayName: 'Download Video',
				name: 'downloadVideo',
				type: 'boolean',
				default: false,
				description:
					'Whether to download the finished video into a binary field, ready for Google Drive, S3, YouTube or Read/Write Files from Disk nodes',
				displayOptions: notOnTool,
			};
	return [
		downloadVideo,
		{
			displayName: 'Put Video in Field',
			name: 'binaryPropertyName',
			type: 'string',
			default: DEFAULT_VIDEO_FIELD,
			required: true,
			description: 'The name of the binary field the video is written to',
			hint: 'Next nodes find the video under this name',
			displayOptions: { show: { downloadVideo: [true] }, ...notOnTool },
		},
	];
}

/**
 * An operation's `options` collection (the name saved workflows hold), its items in alphabetical
 * order of their labels, as n8n's guidelines (and lint rule, which cannot see items assembled
 * from variables) want optional fields.
 */
export function optionsCollection(options: INodeProperties[]): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [...options].sort((a, b) => a.displayName.localeCompare(b.displayName)),
	};
}

/** Options every operation accepts, inside its `options` collection. */
export const requestOptionFields: INodeProperties[] = [
	NUMBER_OPTIONS.requestTimeout,
	{
		displayName: 'Download Thumbnail',
		name: 'downloadThumbnail',
		type: 'boolean',
		default: false,
		description:
			'Whether to also download the thumbnail image of a completed task into its own binary field',
	},
	{
		displayName: 'Put Thumbnail in Field',
		name: 'thumbnailBinaryPropertyName',
		type: 'string',
		default: DEFAULT_THUMBNAIL_FIELD,
		description: 'The name of the binary field the thumbnail is written to',
		// Inside a collection, displayOptions refer to the collection's own values.
		displayOptions: { show: { downloadThumbnail: [true] } },
	},
	NUMBER_OPTIONS.downloadAttempts,
	NUMBER_OPTIONS.minDownloadSpeed,
	NUMBER_OPTIONS.maxFileSize,
];
