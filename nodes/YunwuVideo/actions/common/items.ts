import {
	NodeApiError,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type JsonObject,
} from 'n8n-workflow';

import { runPool } from '../../waiting/pool';

/** Text that came out of an expression as `undefined`, `null` or a whole object instead of an ID. */
const NOT_AN_ID = /^(undefined|null|\[object \w+\])$|\{\{|\}\}|[\s\p{Cc}]/u;

/**
 * A text parameter of an item, trimmed; an expression that resolves to nothing (a missing field)
 * reads as empty text instead of crashing, so the caller can say what is missing.
 */
export function readText(context: IExecuteFunctions, name: string, itemIndex: number, fallback = ''): string {
	const value = context.getNodeParameter(name, itemIndex, fallback) as unknown;
	if (value === undefined || value === null) return '';
	return (typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value)).trim();
}

/** The task ID of an item, trimmed, or a clear error before any request is sent. */
export function readTaskId(context: IExecuteFunctions, itemIndex: number): string {
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
	if (!isText || NOT_AN_ID.test(taskId) || taskId.length > 256) {
		const shown = isText ? taskId : JSON.stringify(raw);
		throw new NodeOperationError(
			context.getNode(),
			`The Task ID "${shown.slice(0, 80)}" of item ${itemIndex} is not a task ID. Map the task's own ID field, for example {{ $json.id }}, not a whole item or an unresolved expression.`,
			{ itemIndex },
		);
	}
	return taskId;
}

/**
 * Runs `perItem` for every input item, at most `concurrency` at once, and returns one output item per
 * input item in input order, each paired with its input. With Continue On Fail a failing item becomes
 * an error item and the others still deliver; without it the first failure stops the rest and fails
 * the node. Stopping the execution aborts `signal` for every item at once.
 */
export async function runForEachItem(
	context: IExecuteFunctions,
	concurrency: number,
	perItem: (itemIndex: number, signal: AbortSignal) => Promise<INodeExecutionData>,
): Promise<INodeExecutionData[]> {
	const items = context.getInputData();
	const results: INodeExecutionData[] = new Array(items.length);
	// One controller per running item (not one shared signal with a listener per item), aborted
	// together when the execution is stopped or, without Continue On Fail, when one item fails.
	const running = new Set<AbortController>();
	let stopped = false;
	const stopAll = () => {
		stopped = true;
		for (const controller of running) controller.abort();
	};
	const executionSignal = context.getExecutionCancelSignal();
	if (executionSignal?.aborted) stopped = true;
	executionSignal?.addEventListener('abort', stopAll, { once: true });

	try {
		await runPool(items.length, concurrency, async (itemIndex) => {
			const controller = new AbortController();
			running.add(controller);
			if (stopped) controller.abort();
			try {
				const result = await perItem(itemIndex, controller.signal);
				results[itemIndex] = { ...result, pairedItem: { item: itemIndex } };
			} catch (error) {
				if (!stopped && context.continueOnFail()) {
					results[itemIndex] = errorItem(error, itemIndex);
					return;
				}
				stopAll();
				// Re-wrapping a NodeApiError hands back the same error, with its HTTP code.
				if (error instanceof NodeApiError) throw new NodeApiError(context.getNode(), error as unknown as JsonObject);
				throw new NodeOperationError(context.getNode(), error as Error, { itemIndex });
			} finally {
				running.delete(controller);
			}
		});
	} finally {
		executionSignal?.removeEventListener('abort', stopAll);
	}
	return results;
}

/** The Continue On Fail output of a failed item: the message, and the task's fields when they are known. */
function errorItem(error: unknown, itemIndex: number): INodeExecutionData {
	const { message, description, context } = error as { message?: string; description?: string; context?: IDataObject };
	const json: IDataObject = { error: message ?? 'Unknown error' };
	if (description) json.error_description = description;
	if (context?.taskId !== undefined) json.task_id = context.taskId;
	if (context?.task !== undefined) json.task = context.task;
	return { json, pairedItem: { item: itemIndex } };
}
