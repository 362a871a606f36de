import {
	deepCopy,
	NodeApiError,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type IGetNodeParameterOptions,
	type INodeExecutionData,
	type JsonObject,
} from 'n8n-workflow';

import { looksLikeTaskId } from '../../apis/api';
import { findTask, taskIdOf, type FoundTask } from '../../apis/registry';
import type { YunwuApiClient } from '../../transport/apiClient';
import { runPool } from '../../waiting/pool';
import { SharedWork } from '../../waiting/shared';
import { nextStepAfter, runsAsTool } from '../parameters/agentTool';
import { readItemOptions, shown, type ItemOptions } from '../parameters/options';
import { RetryMemory } from './retryMemory';
import { workOn, type TaskWork } from './taskWork';

/**
 * A text parameter of an item (`label` is its name on the panel), trimmed; an expression that
 * resolves to nothing (a missing field) reads as empty text, so the caller can say what is missing.
 * An object, a list or true/false is a mapping mistake, not text to send (and pay for).
 */
export function readText(
	context: IExecuteFunctions,
	name: string,
	itemIndex: number,
	label: string,
	fallback = '',
	options?: IGetNodeParameterOptions,
): string {
	const value = context.getNodeParameter(name, itemIndex, fallback, options) as unknown;
	if (value === undefined || value === null) return '';
	if (typeof value !== 'string' && typeof value !== 'number') {
		throw new NodeOperationError(
			context.getNode(),
			`${label} of item ${itemIndex} is ${shown(value)}, which is not text. Make the expression give text.`,
			{ itemIndex },
		);
	}
	return String(value).trim();
}

/** The task of an item: its Task ID, trimmed, read under its API; or a clear error before any request is sent. */
function readTask(context: IExecuteFunctions, itemIndex: number): FoundTask {
	const raw = context.getNodeParameter('taskId', itemIndex, '') as unknown;
	const isText = typeof raw === 'string' || typeof raw === 'number';
	const taskId = isText ? String(raw).trim() : '';
	if (raw === undefined || raw === null || (isText && taskId === '')) {
		throw new NodeOperationError(
			context.getNode(),
			`The Task ID of item ${itemIndex} is empty. Map the ID returned when the task was created, for example {{ $json.id }}.`,
			{ itemIndex },
		);
	}
	if (!isText || !looksLikeTaskId(taskId)) {
		const shown = isText ? taskId : JSON.stringify(raw);
		throw new NodeOperationError(
			context.getNode(),
			`The Task ID "${shown.slice(0, 80)}" of item ${itemIndex} is not a task ID. Map the task's own ID field, for example {{ $json.id }}, not a whole item or an unresolved expression.`,
			{ itemIndex },
		);
	}
	const found = findTask(context.getNodeParameter('apiFormat', itemIndex, undefined), taskId);
	if ('problem' in found)
		throw new NodeOperationError(
			context.getNode(),
			`The Task ID "${taskId.slice(0, 80)}" of item ${itemIndex} ${found.problem}. Set API to the API that created the task, or to "From the Task ID" for a task this node created.`,
			{ itemIndex },
		);
	return found;
}

interface ItemRunOptions {
	/**
	 * Without Continue On Fail, whether the first failure stops the other items at once (the
	 * default), or lets them finish: Create must not abandon tasks that are already paid for. The
	 * node then fails with the first failure, naming the tasks the other items created.
	 */
	stopOthersOnFailure?: boolean;
	/**
	 * The task an item works on, when it is known before the item runs. Items of one task run
	 * together in one place of the pool, so `concurrency` counts tasks, not items, and an item that
	 * needs a task already being waited on never waits for a free place.
	 */
	taskOf?: (itemIndex: number) => string | undefined;
}

/** What one item works with: its signal (aborted to stop it), and work shared by the node run's items. */
export type PerItem = (
	itemIndex: number,
	signal: AbortSignal,
	shared: SharedWork,
) => Promise<INodeExecutionData>;

/**
 * Runs `perItem` for every input item, at most `concurrency` tasks at once, and returns one output
 * item per input item in input order, each paired with its input and independent of the others
 * (items of one task share results, and a later node may change one item without touching another).
 * With Continue On Fail a failing item becomes an error item and the others still deliver; without it
 * the node fails (see `stopOthersOnFailure`). Stopping the execution aborts `signal` for every item at once.
 */
export async function runForEachItem(
	context: IExecuteFunctions,
	concurrency: number,
	perItem: PerItem,
	{ stopOthersOnFailure = true, taskOf }: ItemRunOptions = {},
): Promise<INodeExecutionData[]> {
	const items = context.getInputData();
	const results: INodeExecutionData[] = new Array(items.length);
	const failures = new Map<number, unknown>();
	const shared = new SharedWork();
	// One controller per running item (not one shared signal with a listener per item), aborted
	// together when the execution is stopped or when a failure stops the others.
	const running = new Set<AbortController>();
	let stopped = false;
	const stopAll = () => {
		stopped = true;
		for (const controller of running) controller.abort();
	};
	const executionSignal = context.getExecutionCancelSignal();
	if (executionSignal?.aborted) stopped = true;
	executionSignal?.addEventListener('abort', stopAll, { once: true });

	// Items that never started because the node was already bound to fail.
	const notStarted: number[] = [];
	const runItem = async (itemIndex: number) => {
		// Without Continue On Fail the node fails with the first failure: an item not yet started
		// would only pay for work that is thrown away.
		if (failures.size > 0 && !context.continueOnFail()) {
			notStarted.push(itemIndex);
			return;
		}
		const controller = new AbortController();
		running.add(controller);
		if (stopped) controller.abort();
		try {
			results[itemIndex] = outputItem(
				await perItem(itemIndex, controller.signal, shared),
				itemIndex,
			);
		} catch (error) {
			if (!stopped && context.continueOnFail()) {
				results[itemIndex] = outputItem(errorItem(context, error), itemIndex);
				return;
			}
			if (stopped || stopOthersOnFailure) {
				stopAll();
				throw asNodeError(context, error, itemIndex);
			}
			failures.set(itemIndex, error);
		} finally {
			running.delete(controller);
		}
	};
	const groups = groupByTask(items.length, taskOf);
	try {
		await runPool(groups.length, concurrency, async (groupIndex) => {
			await Promise.all(groups[groupIndex].map(runItem));
		});
	} finally {
		executionSignal?.removeEventListener('abort', stopAll);
	}
	if (failures.size > 0) {
		const [itemIndex, error] = [...failures].sort(([a], [b]) => a - b)[0];
		const nodeError = withOtherTasks(
			asNodeError(context, error, itemIndex),
			results,
			failures,
			itemIndex,
		);
		if (notStarted.length > 0) nodeError.message += ` ${notStartedWords(notStarted)}`;
		throw nodeError;
	}
	return results;
}

/** The items that were not started once the node was bound to fail: nothing was sent for them. */
function notStartedWords(items: number[]): string {
	const sorted = [...items].sort((a, b) => a - b);
	return sorted.length === 1
		? `Item ${sorted[0]} was not started (nothing was sent for it), as the node fails.`
		: `Items ${sorted.join(', ')} were not started (nothing was sent for them), as the node fails.`;
}

/** Item indexes grouped by task, in order of first appearance; an item without a known task is alone. */
function groupByTask(count: number, taskOf: ItemRunOptions['taskOf']): number[][] {
	const groups: number[][] = [];
	const byTask = new Map<string, number[]>();
	for (let itemIndex = 0; itemIndex < count; itemIndex++) {
		const task = taskOf?.(itemIndex);
		const group = task === undefined ? undefined : byTask.get(task);
		if (group) {
			group.push(itemIndex);
			continue;
		}
		const first = [itemIndex];
		groups.push(first);
		if (task !== undefined) byTask.set(task, first);
	}
	return groups;
}

/**
 * An output item of its own: items of one task are built from one answer and one stored file, and
 * n8n itself changes an item's binary entry in place (it rewrites `id` when copying binary data).
 */
function outputItem(result: INodeExecutionData, itemIndex: number): INodeExecutionData {
	const item: INodeExecutionData = {
		...result,
		json: deepCopy(result.json),
		pairedItem: { item: itemIndex },
	};
	if (result.binary)
		item.binary = Object.fromEntries(
			Object.entries(result.binary).map(([field, data]) => [field, { ...data }]),
		);
	return item;
}

/** An item's task and options, read before any request is sent. */
interface TaskItem {
	task: FoundTask;
	options: ItemOptions;
}

/**
 * Runs `perTask` for every item of an operation on existing tasks (Query, Wait Until Complete).
 * Every item's Task ID and options are read first, so items with the same Task ID take one place
 * of the pool and share their work; an item that cannot be read fails with its own message when
 * its turn comes, as before.
 */
export async function runForEachTask(
	context: IExecuteFunctions,
	client: YunwuApiClient,
	/** How many tasks run at once, given every item as read (an item that could not be read is its error). */
	concurrency: (items: ReadonlyArray<TaskItem | Error>) => number,
	perTask: (work: TaskWork) => Promise<INodeExecutionData>,
): Promise<INodeExecutionData[]> {
	const read = context.getInputData().map((_item, itemIndex): TaskItem | Error => {
		try {
			return {
				task: readTask(context, itemIndex),
				options: readItemOptions(context, itemIndex),
			};
		} catch (error) {
			return error as Error;
		}
	});
	const perItem: PerItem = RetryMemory.of(context).servingDelivered(
		context,
		async (itemIndex: number, signal: AbortSignal, shared: SharedWork) => {
			const item = read[itemIndex];
			if (item instanceof Error) throw item;
			const { task, options } = item;
			return await perTask(workOn(task, { context, client, itemIndex, options, signal, shared }));
		},
		(itemIndex) => {
			const item = read[itemIndex];
			return item instanceof Error ? item : { taskId: taskIdOf(item.task), options: item.options };
		},
	);
	const taskOf = (itemIndex: number) => {
		const item = read[itemIndex];
		return item instanceof Error ? undefined : taskIdOf(item.task);
	};
	return await runForEachItem(context, concurrency(read), perItem, { taskOf });
}

function asNodeError(
	context: IExecuteFunctions,
	error: unknown,
	itemIndex: number,
): NodeApiError | NodeOperationError {
	// Re-wrapping an n8n error hands back the same error, with its HTTP code and item.
	if (error instanceof NodeApiError)
		return new NodeApiError(context.getNode(), error as unknown as JsonObject);
	return new NodeOperationError(context.getNode(), error as Error, { itemIndex });
}

/**
 * Adds to the node's error the tasks the other items created, so none is lost or paid for twice:
 * those a Query or Wait Until Complete node can pick up (delivered, still running, timed out, or
 * whose download or query failed), apart those Yunwu reported failed (paid for, and done), and the
 * items whose create request may have created a task whose id never came back.
 */
function withOtherTasks<T extends NodeApiError | NodeOperationError>(
	error: T,
	results: INodeExecutionData[],
	failures: Map<number, unknown>,
	failedItem: number,
): T {
	const toPickUp = new Set<string>();
	const failedOnYunwu = new Set<string>();
	const mayHaveCreated: number[] = [];
	for (const result of results)
		if (typeof result?.json.task_id === 'string') toPickUp.add(result.json.task_id);
	for (const [itemIndex, failure] of failures) {
		const context = (failure as { context?: IDataObject }).context;
		if (itemIndex === failedItem) continue;
		if (context?.taskMayExist === true) mayHaveCreated.push(itemIndex);
		if (typeof context?.taskId !== 'string') continue;
		const task = context.task as IDataObject | undefined;
		(task?.state === 'failed' ? failedOnYunwu : toPickUp).add(context.taskId);
	}
	// A gateway may answer several creates with one task: each id is named once, and the failing
	// item's own task not as another's.
	const ownTask = (failures.get(failedItem) as { context?: IDataObject }).context?.taskId;
	const pickUp = [...toPickUp].filter((taskId) => taskId !== ownTask);
	const failed = [...failedOnYunwu].filter((taskId) => taskId !== ownTask && !toPickUp.has(taskId));
	if (pickUp.length > 0) {
		error.message += ` The other items created these tasks, which a Query or Wait Until Complete node can pick up instead of creating them again: ${pickUp.join(', ')}.`;
	}
	if (failed.length > 0) {
		error.message += ` These tasks of other items failed on Yunwu, so there is nothing to pick up: ${failed.join(', ')}.`;
	}
	if (mayHaveCreated.length > 0) {
		const items = mayHaveCreated.sort((a, b) => a - b);
		error.message +=
			items.length === 1
				? ` The create request of item ${items[0]} may also have created a task:`
				: ` The create requests of items ${items.join(', ')} may also have created tasks:`;
		error.message += ' check the task list in your Yunwu dashboard before running this node again.';
	}
	return error;
}

/**
 * The Continue On Fail output of a failed item: the message, and the task's fields when they are
 * known. n8n's "Continue (using error output)" sends an item to the error output only when its json
 * holds nothing but `error`, `message` and `details`, so there the task's fields go in `details`.
 */
function errorItem(context: IExecuteFunctions, error: unknown): INodeExecutionData {
	const { message, context: errorContext } = error as { message?: string; context?: IDataObject };
	const taskFields: IDataObject = {};
	if (errorContext?.taskId !== undefined) taskFields.task_id = errorContext.taskId;
	if (errorContext?.task !== undefined) taskFields.task = errorContext.task;
	const text = message ?? 'Unknown error';
	// An AI Agent's tool answers every item with the model's next step, a failed one too (a tool's
	// items all reach the model: n8n routes none of them to an error output).
	if (runsAsTool(context))
		return { json: { error: text, ...taskFields, next_step: nextStepAfter(context, error) } };
	if (context.getNode().onError === 'continueErrorOutput')
		return { json: { error: text, details: taskFields } };
	return { json: { error: text, ...taskFields } };
}
