import {
	NodeOperationError,
	type IBinaryData,
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
		const file = await readImageFile(context, binary, api.maxImageBytes);
		const mimeType = imageMimeTypeOf(declared, 'bytes' in file ? file.bytes : file.head);
		if (!mimeType)
			throw refuse(
				`The binary property "${name}" of item ${itemIndex} is ${declared || 'of no known type'}, not an image. Give an image (PNG, JPEG, WebP).`,
			);
		if (!('bytes' in file))
			throw refuse(
				`The image in binary property "${name}" of item ${itemIndex} is ${file.size === undefined ? `larger than ${megabytes(api.maxImageBytes)}` : megabytes(file.size)}; the ${api.label} API takes images up to ${megabytes(api.maxImageBytes)}. Make it smaller, or give its URL.`,
			);
		const { bytes } = file;
		images.push({
			base64: bytes.toString('base64'),
			mimeType,
			fileName: binary.fileName ?? name,
		});
	}
	return images;
}

/** The bytes `imageMimeTypeOf` looks at to know an image by its first bytes. */
const SIGNATURE_BYTES = 12;

/**
 * An image binary property: its bytes, or, when it is larger than `maxBytes`, its first bytes and
 * its size when known. Never is more of it held than `maxBytes` and one chunk: a 2 GB file n8n
 * keeps on disk (or in S3) must not be read into memory to be refused. n8n's recorded size
 * (`getBinaryMetadata`) spares reading a file known to be too large; the read itself stops past
 * the limit, as a recorded size may be missing or wrong.
 */
async function readImageFile(
	context: IExecuteFunctions,
	binary: IBinaryData,
	maxBytes: number,
): Promise<{ bytes: Buffer } | { head: Buffer; size?: number }> {
	if (binary.id === undefined) {
		// Kept in memory as base64 (n8n's default mode): its size is known without decoding it.
		const size = Buffer.byteLength(binary.data, 'base64');
		if (size > maxBytes)
			return { head: Buffer.from(binary.data.slice(0, (SIGNATURE_BYTES / 3) * 4), 'base64'), size };
		return { bytes: Buffer.from(binary.data, 'base64') };
	}
	const recorded = await context.helpers.getBinaryMetadata(binary.id).then(
		({ fileSize }) => (Number.isSafeInteger(fileSize) ? fileSize : undefined),
		() => undefined,
	);
	const knownTooLarge = recorded !== undefined && recorded > maxBytes;
	const stream = await context.helpers.getBinaryStream(binary.id);
	const { bytes, more } = await readAtMost(stream, knownTooLarge ? SIGNATURE_BYTES : maxBytes);
	if (!more) return { bytes };
	return { head: bytes, size: knownTooLarge ? recorded : undefined };
}

/** The first `limit` bytes of a stream, and whether more followed; the rest is never read. */
async function readAtMost(
	stream: AsyncIterable<unknown>,
	limit: number,
): Promise<{ bytes: Buffer; more: boolean }> {
	const chunks: Buffer[] = [];
	let length = 0;
	// Leaving the loop early destroys the stream (its file is closed, nothing more is read).
	for await (const chunk of stream) {
		const piece = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
		if (length + piece.length > limit) {
			chunks.push(piece.subarray(0, limit - length));
			return { bytes: Buffer.concat(chunks), more: true };
		}
		chunks.push(piece);
		length += piece.length;
	}
	return { bytes: Buffer.concat(chunks), more: false };
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
