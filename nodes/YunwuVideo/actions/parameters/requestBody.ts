import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeProperties,
} from 'n8n-workflow';

import type { FieldReader, InputImage, VideoApi } from '../../apis/api';
import { apiNamed } from '../../apis/registry';
import { imageMimeTypeOf } from '../../task/media';
import type { ApiRequest } from '../../transport/apiClient';
import { overrideNotTextMessage } from '../messages/errors';
import { readText } from '../items/items';
import { readModel } from './model';
import { readBoolean, readNumber, shown } from './options';

/** An item's create: the API that makes the task, its request, and the model named in messages. */
export interface CreateCall {
	api: VideoApi;
	request: ApiRequest;
	model: string;
}

/**
 * The create request of an item, from the Create fields (`panel`, which names them in messages as
 * the panel shows them): the API chosen, the model, prompt and images every API takes, the API's
 * own fields, and Additional Body Fields merged into the body.
 */
export async function createCall(
	context: IExecuteFunctions,
	itemIndex: number,
	panel: INodeProperties[],
): Promise<CreateCall> {
	const fieldOf = (name: string): INodeProperties =>
		panel.find((field) => field.name === name) ?? {
			displayName: name,
			name,
			type: 'string',
			default: '',
		};
	/** A text field, read strictly (see `readText`). */
	const text = (name: string, fallback?: string) =>
		readText(context, name, itemIndex, fieldOf(name).displayName, fallback);
	const node = context.getNode();

	const format = context.getNodeParameter('apiFormat', itemIndex, 'unified') as unknown;
	const api = apiNamed(format);
	if (!api)
		throw new NodeOperationError(
			node,
			`The API of item ${itemIndex} is ${shown(format)}, which is none of Yunwu's video APIs. Choose one in the API field.`,
			{ itemIndex },
		);
	const { model, panelModel } = readModel(context, itemIndex);
	const prompt = text('prompt');
	if (!prompt)
		throw new NodeOperationError(
			node,
			`The prompt of item ${itemIndex} is empty. Describe the video to generate.`,
			{ itemIndex },
		);

	// Unset, a field reads as the default the panel gives it. Read strictly, as text, numbers and
	// options are: an expression's "yes" or object is a mistake, not a value to pay for.
	const valueOf = (name: string) =>
		context.getNodeParameter(name, itemIndex, fieldOf(name).default) as unknown;
	const read: FieldReader = {
		text: (name) => text(name, fieldOf(name).default?.toString()),
		number: (name) => readNumber(context, itemIndex, valueOf(name), fieldOf(name)),
		boolean: (name) =>
			readBoolean(
				context,
				itemIndex,
				valueOf(name),
				fieldOf(name).displayName,
				fieldOf(name).default as boolean,
			),
	};
	const images = await readImages(context, itemIndex, api, text);
	const request = api.createRequest({ model, panelModel, prompt, images, read });
	if ('problem' in request)
		throw new NodeOperationError(node, `Item ${itemIndex} ${request.problem}.`, { itemIndex });
	const body = { ...request.body, ...readAdditionalFields(context, itemIndex) };
	return { api, request: { ...request, body }, model };
}

/** An image's size in messages: megabytes of 1,000,000, as the APIs count them. */
const megabytes = (bytes: number) => `${Math.round(bytes / 100_000) / 10} MB`;

/**
 * The item's images: URLs, or binary properties read as base64. A binary property that is
 * missing, not an image, or larger than the API takes is refused here, before any request.
 */
async function readImages(
	context: IExecuteFunctions,
	itemIndex: number,
	api: VideoApi,
	text: (name: string, fallback?: string) => string,
): Promise<InputImage[]> {
	const source = text('imageSource', 'none');
	const refuse = (message: string) =>
		new NodeOperationError(context.getNode(), message, { itemIndex });
	// An image source chosen with nothing in it would pay for a video made without the image.
	const noneGiven = (field: string, what: string) =>
		refuse(
			`${field} of item ${itemIndex} is empty. Enter ${what}, or set Reference Images to None for a video from the prompt alone.`,
		);
	if (source === 'urls') {
		// Image URLs hold commas (`…/upload/w_300,h_200,c_crop/sample.jpg`, a proxy's
		// `?src=a.jpg,https://…`). On one line a comma separates only before the next URL's scheme;
		// with one URL per line, a comma inside a line separates only where a space and a scheme
		// follow (no URL holds a space). A comma ending a line or the list is a separator left over.
		const list = text('imageUrls');
		const lines = list.split('\n');
		const separator =
			lines.length > 1 ? /,(?=\s+[a-z][a-z\d+.-]*:)/i : /,(?=\s*[a-z][a-z\d+.-]*:)/i;
		const urls = lines
			.flatMap((line) => line.split(separator))
			.map((url) => url.trim().replace(/[\s,]+$/, ''))
			.filter(Boolean);
		if (urls.length === 0) throw noneGiven('Image URLs', 'the URL of each image');
		return urls.map((url) => ({ url }));
	}
	if (source !== 'binary') return [];
	const names = text('imageBinaryProperties', 'data')
		.split(',')
		.map((name) => name.trim())
		.filter(Boolean);
	if (names.length === 0)
		throw noneGiven(
			'Image Binary Fields',
			'the name of the binary field holding the image (often "data")',
		);
	const images: InputImage[] = [];
	for (const name of names) {
		const binary = context.getInputData()[itemIndex]?.binary?.[name];
		if (!binary)
			throw refuse(
				`Item ${itemIndex} has no binary property "${name}" to take the image from. Set Image Binary Fields to the name an earlier node gave the image (often "data").`,
			);
		const declared = String(binary.mimeType ?? '').toLowerCase();
		const bytes = await context.helpers.getBinaryDataBuffer(itemIndex, name);
		const mimeType = imageMimeTypeOf(declared, bytes);
		if (!mimeType)
			throw refuse(
				`The binary property "${name}" of item ${itemIndex} is ${declared || 'of no known type'}, not an image. Give an image (PNG, JPEG, WebP).`,
			);
		if (bytes.length > api.maxImageBytes)
			throw refuse(
				`The image in binary property "${name}" of item ${itemIndex} is ${megabytes(bytes.length)}; the ${api.label} API takes images up to ${megabytes(api.maxImageBytes)}. Make it smaller, or give its URL.`,
			);
		images.push({
			base64: bytes.toString('base64'),
			mimeType,
			fileName: binary.fileName ?? name,
		});
	}
	return images;
}

/** Body fields that Additional Body Fields may override only with text. */
const TEXT_FIELDS = ['model', 'prompt'] as const;

function readAdditionalFields(context: IExecuteFunctions, itemIndex: number): IDataObject {
	const raw = context.getNodeParameter('additionalFields', itemIndex, '{}') as unknown;
	let value = raw;
	if (typeof raw === 'string') {
		if (raw.trim() === '') return {};
		try {
			value = JSON.parse(raw) as unknown;
		} catch {
			throw new NodeOperationError(
				context.getNode(),
				`Additional Body Fields of item ${itemIndex} is not valid JSON. Write an object such as {"seed": 42}.`,
				{ itemIndex },
			);
		}
	}
	if (value === null || typeof value !== 'object' || Array.isArray(value)) {
		throw new NodeOperationError(
			context.getNode(),
			`Additional Body Fields of item ${itemIndex} must be a JSON object, such as {"seed": 42}.`,
			{
				itemIndex,
			},
		);
	}
	const fields = value as IDataObject;
	for (const field of TEXT_FIELDS) {
		const override = fields[field];
		if (Object.prototype.hasOwnProperty.call(fields, field) && typeof override !== 'string') {
			throw new NodeOperationError(
				context.getNode(),
				overrideNotTextMessage(itemIndex, field, override),
				{ itemIndex },
			);
		}
	}
	return fields;
}
