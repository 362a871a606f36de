import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import {
	describeApiFailure,
	describeRetryAfterBeyondTimeout,
	httpCodeOf,
	taskError,
} from '../errors';
import { shapeTaskOutput } from '../task/output';
import type { TaskAnswer } from '../task/schema';
import { YunwuApiClient } from '../transport/apiClient';
import {
	retryAfterOf,
	type ApiFailure,
	type ApiResult,
	type RetryAfter,
} from '../transport/failure';
import { maxConcurrentOf, waitAndDeliver, waitOptionFields } from './common/completion';
import { downloadFields, optionsCollection } from './common/descriptions';
import { CreatedTasks, type CreatedTask } from './common/createdTasks';
import { readText, runForEachItem, type PerItem } from './common/items';
import {
	aspectRatioFields,
	CUSTOM_MODEL,
	familyOf,
	modelOfFamily,
	sizeFields,
	type ModelFamily,
} from './common/modelFamilies';
import { readItemOptions, type ItemOptions } from './common/options';
import { pause } from '../transport/pause';

const OPERATION = 'create';

const forCreate = { operation: [OPERATION] };
const forFamily = (family: ModelFamily) => ({ show: { ...forCreate, ...modelOfFamily(family) } });

export const description: INodeProperties[] = [
	{
		// The models the credential's key can use, loaded when the panel opens (video models first).
		// Saved names that are not listed still run: n8n checks option values only in the panel.
		displayName: 'Model Name or ID',
		name: 'model',
		type: 'options',
		required: true,
		default: 'veo3.1-fast',
		typeOptions: { loadOptionsMethod: 'listModels' },
		description:
			'The models your API key can use, video models first; choose Other (Enter Model Name) to type any name. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		displayOptions: { show: forCreate },
	},
	{
		displayName: 'Custom Model Name',
		name: 'customModel',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. kling-v2-master',
		description: 'The model name exactly as Yunwu lists it',
		displayOptions: { show: { ...forCreate, model: [CUSTOM_MODEL] } },
	},
	{
		displayName: 'Prompt',
		name: 'prompt',
		type: 'string',
		required: true,
		default: '',
		typeOptions: { rows: 4 },
		placeholder: 'e.g. A cat walking along a sunny beach, slow dolly shot',
		description: 'What the video should show',
		displayOptions: { show: forCreate },
	},
	{
		displayName: 'Reference Images',
		name: 'imageSource',
		type: 'options',
		default: 'none',
		options: [
			{ name: 'None', value: 'none' },
			{ name: 'From URLs', value: 'urls' },
			{
				name: 'From Binary Fields',
				value: 'binary',
				description: "Images in this item's binary fields, sent as base64",
			},
		],
		description: 'Images the video starts from or refers to (image-to-video)',
		displayOptions: { show: forCreate },
	},
	{
		displayName: 'Image URLs',
		name: 'imageUrls',
		type: 'string',
		default: '',
		typeOptions: { rows: 2 },
		placeholder: 'e.g. https://example.com/first-frame.png',
		description: 'One URL per line (or separated by commas)',
		displayOptions: { show: { ...forCreate, imageSource: ['urls'] } },
	},
	{
		displayName: 'Image Binary Fields',
		name: 'imageBinaryProperties',
		type: 'string',
		default: 'data',
		description: 'Names of the binary fields holding the images, separated by commas',
		displayOptions: { show: { ...forCreate, imageSource: ['binary'] } },
	},
	...aspectRatioFields(forCreate),
	...sizeFields(forCreate),
	{
		displayName: 'Enhance Prompt',
		name: 'enhancePrompt',
		type: 'boolean',
		default: false,
		description:
			"Whether Veo rewrites the prompt for better results (the rewrite is output as 'enhanced_prompt')",
		displayOptions: forFamily('veo'),
	},
	{
		displayName: 'Upsample',
		name: 'enableUpsample',
		type: 'boolean',
		default: false,
		description: 'Whether Veo upscales the video to a higher resolution (takes longer)',
		displayOptions: forFamily('veo'),
	},
	{
		displayName: 'Orientation',
		name: 'orientation',
		type: 'options',
		default: 'landscape',
		options: [
			{ name: 'Landscape', value: 'landscape' },
			{ name: 'Portrait', value: 'portrait' },
		],
		displayOptions: forFamily('sora'),
	},
	{
		displayName: 'Duration (Seconds)',
		name: 'duration',
		type: 'options',
		default: 10,
		options: [
			{ name: '10', value: 10 },
			{ name: '15', value: 15 },
			{ name: '25', value: 25 },
		],
		displayOptions: forFamily('sora'),
	},
	{
		displayName: 'Watermark',
		name: 'watermark',
		type: 'boolean',
		default: false,
		description: 'Whether Sora adds its watermark',
		displayOptions: forFamily('sora'),
	},
	{
		displayName: 'Private',
		name: 'private',
		type: 'boolean',
		default: true,
		description: 'Whether the video stays private on Sora (not published to its feed)',
		displayOptions: forFamily('sora'),
	},
	{
		displayName: 'Custom Mode',
		name: 'customMode',
		type: 'boolean',
		default: false,
		description:
			'Whether Grok follows the prompt exactly (\'mode\' set to "custom") instead of its own style',
		displayOptions: forFamily('grok'),
	},
	{
		displayName: 'Additional Body Fields (JSON)',
		name: 'additionalFields',
		type: 'json',
		default: '{}',
		description:
			'Any other field the API accepts, merged into the request body (and overriding the fields above), so a new model never waits for a new release',
		displayOptions: { show: forCreate },
	},
	{
		displayName: 'Wait for Completion',
		name: 'waitForCompletion',
		type: 'boolean',
		default: true,
		description:
			'Whether to wait until the video is ready and output it (as Wait Until Complete does), or output the created task at once',
		displayOptions: { show: forCreate },
	},
	...downloadFields(OPERATION, true).map((field) => ({
		...field,
		displayOptions: { show: { ...field.displayOptions?.show, waitForCompletion: [true] } },
	})),
	optionsCollection(OPERATION, waitOptionFields),
];

/** Tries for a create refused before anything was created (429, connection refused). */
const CREATE_ATTEMPTS = 3;

/** Submits one task per item; with Wait for Completion, waits for it and outputs the video. */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const client = await YunwuApiClient.forNode(this);
	// Every item's request and options are read first: one bad item must not fail the node after others paid.
	const prepared = await Promise.all(
		this.getInputData().map(async (_item, itemIndex) => {
			try {
				return {
					body: await requestBody(this, itemIndex),
					options: readItemOptions(this, itemIndex),
				};
			} catch (error) {
				return error as Error;
			}
		}),
	);
	const invalid = prepared.find((item) => item instanceof Error);
	if (invalid && !this.continueOnFail()) throw invalid;
	const createdTasks = CreatedTasks.of(this);

	const perItem: PerItem = async (itemIndex, signal, shared) => {
		const item = prepared[itemIndex];
		if (item instanceof Error) throw item;
		const { body, options } = item;
		const { task, isNew } = await createOnce(
			this,
			client,
			createdTasks,
			itemIndex,
			body,
			options,
			signal,
		);
		if (this.getNodeParameter('waitForCompletion', itemIndex, true) as boolean) {
			return await waitAndDeliver(this, client, itemIndex, task.id, signal, shared, options, {
				justCreated: isNew,
				onTaskFailed: () => createdTasks.forget(itemIndex, body),
				model: String(body.model),
			});
		}
		const answer = task as IDataObject as TaskAnswer;
		const json = shapeTaskOutput(task.id, answer);
		// A create answer without a status is a task that was just queued.
		if (answer.status === undefined) json.state = 'pending';
		return { json };
	};
	// Once a task exists it is paid for: a failing item does not abandon the others' tasks.
	return await runForEachItem(this, maxConcurrentOf(prepared), perItem, {
		stopOthersOnFailure: false,
	});
}

/**
 * The item's task: the one an earlier run of this execution created for the same request (n8n's
 * Retry On Fail re-runs the whole node), or a new one. A request that may have created a task is
 * not sent again in the same execution either. Every new task id goes to n8n's log at once, so an
 * operator can find it after a crash.
 */
async function createOnce(
	context: IExecuteFunctions,
	client: YunwuApiClient,
	createdTasks: CreatedTasks,
	itemIndex: number,
	body: IDataObject,
	options: ItemOptions,
	signal: AbortSignal,
): Promise<{ task: CreatedTask; isNew: boolean }> {
	const node = context.getNode();
	const about = {
		node: node.name,
		executionId: context.getExecutionId(),
		itemIndex,
		model: String(body.model),
	};
	const earlier = createdTasks.find(itemIndex, body);
	if (earlier?.kind === 'created') {
		context.logger.info(
			`Yunwu Video: item ${itemIndex} waits on task "${earlier.task.id}", created earlier in execution ${about.executionId}, instead of creating a new one`,
			{ ...about, taskId: earlier.task.id },
		);
		return { task: earlier.task, isNew: false };
	}
	if (earlier?.kind === 'uncertain')
		throw taskError(node, `${earlier.message} ${NOT_SENT_AGAIN}`, itemIndex);
	if (signal.aborted)
		throw taskError(node, "The node stopped before this item's task was created.", itemIndex);

	const created = await createWithSafeRetries(client, body, options, signal);
	if (!created.ok) {
		const message = signal.aborted
			? stoppedWhileCreatingMessage(created.failure, about.model)
			: 'timeLeftMs' in created
				? `${describeRetryAfterBeyondTimeout(created.failure, `retrying the create request for model "${about.model}"`, created.timeLeftMs)} No task was created.`
				: createFailureMessage(created.failure, about.model, client.shownBaseUrl);
		if (!('timeLeftMs' in created) && !certainlyNotCreated(created.failure)) {
			createdTasks.rememberUncertain(itemIndex, body, message);
			context.logger.warn(
				`Yunwu Video: the create request of item ${itemIndex} (model ${about.model}, execution ${about.executionId}) may have created a task: ${message}`,
				about,
			);
		}
		throw taskError(node, message, itemIndex, { httpCode: httpCodeOf(created.failure) });
	}
	createdTasks.rememberCreated(itemIndex, body, created.value);
	context.logger.info(
		`Yunwu Video: created task "${created.value.id}" for item ${itemIndex} (model ${about.model}, execution ${about.executionId}, node "${node.name}")`,
		{ ...about, taskId: created.value.id },
	);
	return { task: created.value, isNew: true };
}

const NOT_SENT_AGAIN = 'It was not sent again when n8n re-ran the node (Retry On Fail).';

/** Connection errors that happen before a request is sent. */
const NOTHING_SENT = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN'];

/** Refusals that prove no task was created and that a moment's wait may clear: 429, no connection. */
function isRetryableRefusal(failure: ApiFailure): boolean {
	return (
		failure.kind === 'rateLimited' ||
		(failure.kind === 'network' && NOTHING_SENT.includes(failure.code))
	);
}

function certainlyNotCreated(failure: ApiFailure): boolean {
	return (
		isRetryableRefusal(failure) ||
		[
			'unauthorized',
			'forbidden',
			'notFound',
			'endpointNotFound',
			'redirected',
			'rejected',
			'blocked',
		].includes(failure.kind)
	);
}

type CreateOutcome =
	| ApiResult<IDataObject & { id: string }>
	/** Refused (429) with a Retry-After longer than the time the item's Timeout leaves for retrying. */
	| { ok: false; failure: RetryAfter; timeLeftMs: number };

/**
 * Sends a create, retrying only refusals that prove nothing was created (honouring Retry-After):
 * an unclear failure could hide a task, and a retry would create and charge a second one. Retries
 * happen within the item's Timeout: a pause that would end past it ends the retries at once.
 */
async function createWithSafeRetries(
	client: YunwuApiClient,
	body: IDataObject,
	{ requestTimeoutMs, timeoutMs }: Pick<ItemOptions, 'requestTimeoutMs' | 'timeoutMs'>,
	signal: AbortSignal,
): Promise<CreateOutcome> {
	const deadline = Date.now() + timeoutMs;
	for (let attempt = 1; ; attempt++) {
		const created = await client.createTask(body, requestTimeoutMs);
		if (created.ok || !isRetryableRefusal(created.failure) || attempt >= CREATE_ATTEMPTS)
			return created;
		const asked = retryAfterOf(created.failure);
		const delay = asked?.retryAfterMs ?? 1_000 * 2 ** (attempt - 1);
		const left = deadline - Date.now();
		if (delay >= left) return asked ? { ok: false, failure: asked, timeLeftMs: left } : created;
		await pause(delay, signal);
		if (signal.aborted) return created;
	}
}

/** A text field of the create form, read strictly (see `readText`), named in messages as the panel shows it. */
function text(
	context: IExecuteFunctions,
	name: string,
	itemIndex: number,
	fallback?: string,
): string {
	const label = description.find((field) => field.name === name)?.displayName ?? name;
	return readText(context, name, itemIndex, label, fallback);
}

/** The create request's JSON body, from the fields, the model's own fields and the JSON merge. */
async function requestBody(context: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const node = context.getNode();
	const chosen = text(context, 'model', itemIndex);
	const model = chosen === CUSTOM_MODEL ? text(context, 'customModel', itemIndex) : chosen;
	const prompt = text(context, 'prompt', itemIndex);
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
	const images = await readImages(context, itemIndex);
	if (images.length > 0) body.images = images;
	const aspectRatio = text(context, 'aspectRatio', itemIndex);
	if (aspectRatio) body.aspect_ratio = aspectRatio;
	const size = text(context, 'size', itemIndex);
	if (size) body.size = size;

	const family = familyOf(chosen);
	if (family === 'veo') {
		body.enhance_prompt = context.getNodeParameter('enhancePrompt', itemIndex, false) as boolean;
		body.enable_upsample = context.getNodeParameter('enableUpsample', itemIndex, false) as boolean;
	}
	if (family === 'sora') {
		body.orientation = text(context, 'orientation', itemIndex, 'landscape');
		body.duration = Number(context.getNodeParameter('duration', itemIndex, 10));
		body.watermark = context.getNodeParameter('watermark', itemIndex, false) as boolean;
		body.private = context.getNodeParameter('private', itemIndex, true) as boolean;
	}
	if (family === 'grok' && (context.getNodeParameter('customMode', itemIndex, false) as boolean)) {
		body.mode = 'custom';
	}
	return { ...body, ...readAdditionalFields(context, itemIndex) };
}

async function readImages(context: IExecuteFunctions, itemIndex: number): Promise<string[]> {
	const source = text(context, 'imageSource', itemIndex, 'none');
	if (source === 'urls') {
		return text(context, 'imageUrls', itemIndex)
			.split(/[\n,]+/)
			.map((url) => url.trim())
			.filter(Boolean);
	}
	if (source !== 'binary') return [];
	const names = text(context, 'imageBinaryProperties', itemIndex, 'data')
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
	return value as IDataObject;
}

/** The execution was stopped before the create had an answer: whether a task may exist is what matters. */
function stoppedWhileCreatingMessage(failure: ApiFailure, model: string): string {
	if (certainlyNotCreated(failure))
		return `The execution was stopped before a task was created for model "${model}".`;
	return `The execution was stopped while the create request for model "${model}" was under way. The task may still have been created: check the task list in your Yunwu dashboard before running this node again.`;
}

/**
 * A failed create, worded so nobody pays twice: when the request may have reached Yunwu (no
 * answer, a dropped connection, a 5xx), the task may exist, so the user is told to check before
 * running the node again.
 */
function createFailureMessage(failure: ApiFailure, model: string, baseUrl: string): string {
	// A 404 on create is never about a task: the address is wrong.
	const shown: ApiFailure =
		failure.kind === 'notFound' ? { ...failure, kind: 'endpointNotFound' } : failure;
	const message = describeApiFailure(shown, `the create request for model "${model}"`, baseUrl);
	if (certainlyNotCreated(failure)) return message;
	return `${message} The task may still have been created: check the task list in your Yunwu dashboard before running this node again (it was not retried, to avoid paying twice).`;
}
