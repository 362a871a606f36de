import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeProperties,
} from 'n8n-workflow';

import { overrideNotTextMessage } from './errors';
import { readText } from './items';
import { readBoolean, readNumber } from './options';
import { CUSTOM_MODEL, familyBody, type FamilyFieldReader } from './modelFamilies';

/**
 * The create request's JSON body of an item, from the Create fields (`panel`, which names them in
 * messages as the panel shows them), the model family's own fields and the JSON merge.
 */
export async function requestBody(
	context: IExecuteFunctions,
	itemIndex: number,
	panel: INodeProperties[],
): Promise<IDataObject> {
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

	const chosen = text('model');
	const model = chosen === CUSTOM_MODEL ? text('customModel') : chosen;
	const prompt = text('prompt');
	if (!model)
		throw new NodeOperationError(
			node,
			`The model of item ${itemIndex} is empty. Choose a model, or enter its name under Other.`,
			{ itemIndex },
		);
	if (!prompt)
		throw new NodeOperationError(
			node,
			`The prompt of item ${itemIndex} is empty. Describe the video to generate.`,
			{ itemIndex },
		);

	const body: IDataObject = { model, prompt };
	const images = await readImages(context, itemIndex, text);
	if (images.length > 0) body.images = images;
	const aspectRatio = text('aspectRatio');
	if (aspectRatio) body.aspect_ratio = aspectRatio;
	const size = text('size');
	if (size) body.size = size;

	// Unset, a family field reads as the default its table entry gives it. Read strictly, as text,
	// numbers and options are: an expression's "yes" or object is a mistake, not a value to pay for.
	const valueOf = (name: string) =>
		context.getNodeParameter(name, itemIndex, fieldOf(name).default) as unknown;
	const read: FamilyFieldReader = {
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
	return { ...body, ...familyBody(chosen, read), ...readAdditionalFields(context, itemIndex) };
}

async function readImages(
	context: IExecuteFunctions,
	itemIndex: number,
	text: (name: string, fallback?: string) => string,
): Promise<string[]> {
	const source = text('imageSource', 'none');
	if (source === 'urls') {
		// Image URLs hold commas (`…/upload/w_300,h_200,c_crop/sample.jpg`, a proxy's
		// `?src=a.jpg,https://…`). On one line a comma separates only before the next URL's scheme;
		// with one URL per line, a comma inside a line separates only where a space and a scheme
		// follow (no URL holds a space). A comma ending a line or the list is a separator left over.
		const list = text('imageUrls');
		const lines = list.split('\n');
		const separator =
			lines.length > 1 ? /,(?=\s+[a-z][a-z\d+.-]*:)/i : /,(?=\s*[a-z][a-z\d+.-]*:)/i;
		return lines
			.flatMap((line) => line.split(separator))
			.map((url) => url.trim().replace(/[\s,]+$/, ''))
			.filter(Boolean);
	}
	if (source !== 'binary') return [];
	const names = text('imageBinaryProperties', 'data')
		.split(',')
		.map((name) => name.trim())
		.filter(Boolean);
	const images: string[] = [];
	for (const name of names) {
		const { mimeType } = context.helpers.assertBinaryData(itemIndex, name);
		const bytes = await context.helpers.getBinaryDataBuffer(itemIndex, name);
		images.push(`data:${mimeType};base64,${bytes.toString('base64')}`);
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
