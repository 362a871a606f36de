import {
	updateDisplayOptions,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import {
	describeFailedCreate,
	httpCodeOf,
	notSentAgainMessage,
	STOPPED_BEFORE_CREATING,
	taskError,
} from './messages/errors';
import { apiCreateFields, apiNamed, createApiField, taskIdOf } from '../apis/registry';
import { shapeTaskOutput } from '../task/output';
import type { TaskAnswer } from '../task/schema';
import type { TaskRef } from '../apis/api';
import { YunwuApiClient } from '../transport/apiClient';
import type { ApiResult } from '../transport/failure';
import { createWithSafeRetries } from '../waiting/create';
import { maxConcurrentOf, waitAndDeliver } from './delivery/completion';
import { forOperations, optionsCollection } from './parameters/descriptions';
import { RetryMemory, type CreatedTask } from './items/retryMemory';
import { runForEachItem, type PerItem } from './items/items';
import {
	downloadFields,
	readBoolean,
	readItemOptions,
	waitOptionFields,
	type ItemOptions,
} from './parameters/options';
import { modelFields } from './parameters/model';
import { createCall, type CreateCall } from './parameters/requestBody';
import { workOn } from './items/taskWork';

const OPERATION = 'create';

/** The options a create uses without waiting: its retries' Timeout, its requests, how many at once. */
const CREATE_OPTIONS = new Set(['timeout', 'requestTimeout', 'maxConcurrent']);

/**
 * A waiting option, shown only with Wait for Completion on unless the create itself uses it: with
 * it off, polling and download options would do nothing. (`/` names a parameter outside the
 * collection.)
 */
function shownWhenWaitingUnlessCreateUses(field: INodeProperties): INodeProperties {
	if (CREATE_OPTIONS.has(field.name)) return field;
	const { show, ...others } = field.displayOptions ?? {};
	return {
		...field,
		displayOptions: { show: { ...show, '/waitForCompletion': [true] }, ...others },
	};
}

const properties: INodeProperties[] = [
	createApiField,
	...modelFields,
	{
		displayName: 'Prompt',
		name: 'prompt',
		type: 'string',
		required: true,
		default: '',
		typeOptions: { rows: 4 },
		placeholder: 'e.g. A cat walking along a sunny beach, slow dolly shot',
		description: 'What the video should show',
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
				description:
					"Images in this item's binary fields, sent as base64 (as a file to OpenAI Videos)",
			},
		],
		description: 'Images the video starts from or refers to (image-to-video)',
	},
	{
		displayName: 'Image URLs',
		name: 'imageUrls',
		type: 'string',
		default: '',
		typeOptions: { rows: 2 },
		placeholder: 'e.g. https://example.com/first-frame.png',
		description: 'One URL per line (or separated by commas)',
		displayOptions: { show: { imageSource: ['urls'] } },
	},
	{
		displayName: 'Image Binary Fields',
		name: 'imageBinaryProperties',
		type: 'string',
		default: 'data',
		description: 'Names of the binary fields holding the images, separated by commas',
		displayOptions: { show: { imageSource: ['binary'] } },
	},
	...apiCreateFields,
	{
		displayName: 'Additional Body Fields (JSON)',
		name: 'additionalFields',
		type: 'json',
		default: '{}',
		description:
			'Any other field the API accepts, merged into the request body (and overriding the fields above), so a new model never waits for a new release',
	},
	{
		displayName: 'Wait for Completion',
		name: 'waitForCompletion',
		type: 'boolean',
		default: true,
		description:
			'Whether to wait until the video is ready and output it (as Wait Until Complete does), or output the created task at once',
	},
	...updateDisplayOptions({ show: { waitForCompletion: [true] } }, downloadFields(true)),
	optionsCollection(waitOptionFields.map(shownWhenWaitingUnlessCreateUses)),
];

export const description = forOperations([OPERATION], properties);

/** Submits one task per item; with Wait for Completion, waits for it and outputs the video. */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const client = await YunwuApiClient.forNode(this);
	// Every item's request and options are read first: one bad item must not fail the node after others paid.
	const prepared = await Promise.all(
		this.getInputData().map(async (_item, itemIndex) => {
			try {
				return {
					call: await createCall(this, itemIndex, description),
					options: readItemOptions(this, itemIndex),
					waitForCompletion: readBoolean(
						this,
						itemIndex,
						this.getNodeParameter('waitForCompletion', itemIndex, true),
						'Wait for Completion',
						true,
					),
				};
			} catch (error) {
				return error as Error;
			}
		}),
	);
	const invalid = prepared.find((item) => item instanceof Error);
	if (invalid && !this.continueOnFail()) throw invalid;
	const memory = RetryMemory.of(this);

	const perItem: PerItem = async (itemIndex, signal, shared) => {
		const item = prepared[itemIndex];
		if (item instanceof Error) throw item;
		const { call, options, waitForCompletion } = item;
		const key = memoryKeyOf(call);
		// One Timeout bounds the whole item: the create's retries count against the wait.
		const startedAt = Date.now();
		const { task, isNew } = await createOnce(
			this,
			client,
			memory,
			itemIndex,
			call,
			options,
			signal,
		);
		// A task remembered by an earlier version of the node holds its answer's fields beside its id.
		const found = {
			api: apiNamed(task.format) ?? call.api,
			ref: (task.ref as TaskRef | undefined) ?? { id: task.id },
		};
		if (waitForCompletion) {
			const work = workOn(found, { context: this, client, itemIndex, options, signal, shared });
			return await waitAndDeliver(work, {
				justCreated: isNew,
				startedAt,
				onTaskFailed: () => memory.forgetCreated(itemIndex, key),
				model: call.model,
			});
		}
		const answer = (task.fields ?? task) as TaskAnswer;
		const json = shapeTaskOutput(task.id, answer);
		// A create answer without a status is a task that was just queued.
		if (answer.status === undefined) json.state = 'pending';
		return { json };
	};
	// Once a task exists it is paid for: a failing item does not abandon the others' tasks. A
	// delivered item is served on a re-run even if its request now reads differently: the tries of
	// a run share their input, so only an expression's time or random seed differs, and a new
	// request would pay for a second task on every try.
	return await runForEachItem(
		this,
		maxConcurrentOf(prepared),
		memory.servingDelivered(this, perItem),
		{ stopOthersOnFailure: false },
	);
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
	memory: RetryMemory,
	itemIndex: number,
	call: CreateCall,
	options: ItemOptions,
	signal: AbortSignal,
): Promise<{ task: CreatedTask; isNew: boolean }> {
	const node = context.getNode();
	const about = {
		node: node.name,
		executionId: context.getExecutionId(),
		itemIndex,
		model: call.model,
	};
	const body = memoryKeyOf(call);
	const earlier = memory.findCreated(itemIndex, body);
	if (earlier?.kind === 'created') {
		context.logger.info(
			`Yunwu Video: item ${itemIndex} waits on task "${earlier.task.id}", created earlier in execution ${about.executionId}, instead of creating a new one`,
			{ ...about, taskId: earlier.task.id },
		);
		return { task: earlier.task, isNew: false };
	}
	if (earlier?.kind === 'uncertain')
		throw taskError(
			node,
			`${earlier.message} ${notSentAgainMessage(memory.isThisExecutions(earlier))}`,
			itemIndex,
			{
				taskMayExist: true,
			},
		);
	if (signal.aborted) throw taskError(node, STOPPED_BEFORE_CREATING, itemIndex);

	const created = await createWithSafeRetries(
		async (timeoutMs) => await sendCreate(client, call, timeoutMs),
		options,
		signal,
	);
	if (!created.ok) {
		const { message, taskMayExist } = describeFailedCreate(created, {
			model: about.model,
			baseUrl: client.shownBaseUrl,
			stopped: signal.aborted,
		});
		if (taskMayExist) {
			memory.rememberUncertain(itemIndex, body, message);
			context.logger.warn(
				`Yunwu Video: the create request of item ${itemIndex} (model ${about.model}, execution ${about.executionId}) may have created a task: ${message}`,
				about,
			);
		}
		throw taskError(node, message, itemIndex, {
			httpCode: httpCodeOf(created.failure),
			taskMayExist,
			failureKind: created.failure.kind,
		});
	}
	memory.rememberCreated(itemIndex, body, created.value);
	context.logger.info(
		`Yunwu Video: created task "${created.value.id}" for item ${itemIndex} (model ${about.model}, execution ${about.executionId}, node "${node.name}")`,
		{ ...about, taskId: created.value.id },
	);
	return { task: created.value, isNew: true };
}

/**
 * What Retry On Fail's memory knows an item's create by: its request as the API gets it (route and
 * body). A unified create is known by its body alone, as before there were other APIs.
 */
function memoryKeyOf({ api, request }: CreateCall): IDataObject {
	return api.format === 'unified'
		? (request.body ?? {})
		: { route: request.path, body: request.body };
}

/** Sends an item's create once and reads the new task: its Task ID, its API and reference, what the API said. */
async function sendCreate(
	client: YunwuApiClient,
	{ api, request }: CreateCall,
	timeoutMs: number,
): Promise<ApiResult<CreatedTask>> {
	const answer = await client.call(request, timeoutMs);
	if ('failure' in answer) return answer;
	const created = api.readCreated(answer, request, Date.now());
	if (!created.ok) return created;
	const { ref, fields } = created.value;
	const task: CreatedTask = {
		id: taskIdOf({ api, ref }),
		format: api.format,
		ref: { ...ref },
		fields,
	};
	return { ok: true, value: task };
}
