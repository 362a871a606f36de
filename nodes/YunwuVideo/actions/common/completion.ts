import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { describeApiFailure, formatSeconds, httpCodeOf, taskError } from '../../errors';
import { readableApiError, shapeTaskOutput } from '../../task/output';
import type { TaskAnswer } from '../../task/schema';
import { toTaskState } from '../../task/state';
import type { YunwuApiClient } from '../../transport/apiClient';
import type { ApiFailure, ApiResult } from '../../transport/failure';
import { waitForTask, type WaitSettings } from '../../waiting/waitForTask';
import { deliverTask } from './deliver';
import { requestOptionFields } from './descriptions';
import { NUMBER_OPTIONS, readNumberOption, type ItemOptions } from './options';

/** The options of waiting for a task: Wait Until Complete's, and Create's with Wait for Completion on. */
export const waitOptionFields: INodeProperties[] = [
	NUMBER_OPTIONS.pollInterval,
	NUMBER_OPTIONS.timeout,
	{
		displayName: 'On Timeout',
		name: 'onTimeout',
		type: 'options',
		default: 'fail',
		options: [
			{
				name: 'Fail the Item',
				value: 'fail',
				description: 'The item fails with a timeout error (an error item with Continue On Fail)',
			},
			{
				name: 'Output Last Status',
				value: 'outputLastStatus',
				description: 'Output the last known status with timed_out set to true, without the video',
			},
		],
		description: 'What to do with a task that is still running when the timeout is reached',
	},
	NUMBER_OPTIONS.maxConcurrent,
	...requestOptionFields,
];

/** How many items a node waits on at once, from the first item's options. */
export function readConcurrency(context: IExecuteFunctions): number {
	return readNumberOption(context, 0, context.getNodeParameter('options', 0, {}) as IDataObject, 'maxConcurrent');
}

/**
 * Waits for one item's task to be completed or failed, then outputs its fields and video (for a task
 * `justCreated`, the first query waits a poll interval). A failed task (reported to `onTaskFailed`
 * first), a timeout (unless On Timeout outputs the last status), an API fault or a cancel become
 * the item's error. Each change of the task's state, and each failed query, goes to n8n's log at
 * debug level.
 */
export async function waitAndDeliver(
	context: IExecuteFunctions,
	client: YunwuApiClient,
	itemIndex: number,
	taskId: string,
	signal: AbortSignal,
	options: ItemOptions,
	{ justCreated = false, onTaskFailed }: { justCreated?: boolean; onTaskFailed?: () => void } = {},
): Promise<INodeExecutionData> {
	const settings: WaitSettings = {
		pollIntervalMs: options.pollIntervalMs,
		timeoutMs: options.timeoutMs,
		requestTimeoutMs: options.requestTimeoutMs,
		// A task created a moment ago is not done: its first query waits one poll interval.
		firstQueryAfterMs: justCreated ? options.pollIntervalMs : 0,
	};
	const startedAt = Date.now();
	const outcome = await waitForTask(loggedQuery(context, client, itemIndex, taskId), settings, signal);
	const waited = (polls: number): IDataObject => ({ timed_out: false, polls, waited_ms: Date.now() - startedAt });

	switch (outcome.kind) {
		case 'finished': {
			const { answer } = outcome;
			if (toTaskState(answer.status) === 'failed') {
				onTaskFailed?.();
				throw taskError(context.getNode(), failedTaskMessage(taskId, answer), itemIndex, {
					taskId,
					task: { ...shapeTaskOutput(taskId, answer), ...waited(outcome.polls) },
				});
			}
			return await deliverTask(context, itemIndex, taskId, answer, { ...options, retryDelayMs: options.pollIntervalMs }, signal, waited(outcome.polls));
		}
		case 'timedOut': {
			const lastStatus = outcome.lastAnswer
				? shapeTaskOutput(taskId, outcome.lastAnswer)
				: { task_id: taskId, state: 'unknown', progress: null };
			const task = { ...lastStatus, ...waited(outcome.polls), timed_out: true };
			if (options.onTimeout === 'outputLastStatus') return { json: task };
			const message = timeoutMessage(taskId, settings.timeoutMs, outcome.lastAnswer, outcome.lastFailure, client.shownBaseUrl);
			throw taskError(context.getNode(), message, itemIndex, { taskId, task });
		}
		case 'failed': {
			const message = describeApiFailure(outcome.failure, `task "${taskId}"`, client.shownBaseUrl);
			throw taskError(context.getNode(), message, itemIndex, { taskId, httpCode: httpCodeOf(outcome.failure) });
		}
		case 'cancelled':
			throw taskError(context.getNode(), `The execution was stopped while waiting for task "${taskId}".`, itemIndex, { taskId });
	}
}

/** Queries the task, logging (debug) when its state changes and when a query fails. */
function loggedQuery(context: IExecuteFunctions, client: YunwuApiClient, itemIndex: number, taskId: string) {
	const about = { node: context.getNode().name, executionId: context.getExecutionId(), itemIndex, taskId };
	let lastState: string | undefined;
	return async (timeoutMs: number): Promise<ApiResult<TaskAnswer>> => {
		const result = await client.queryTask(taskId, timeoutMs);
		if (!result.ok) {
			const problem = describeApiFailure(result.failure, `task "${taskId}"`, client.shownBaseUrl);
			context.logger.debug(`Yunwu Video: a query of task "${taskId}" (item ${itemIndex}) failed: ${problem}`, about);
			return result;
		}
		const state = toTaskState(result.value.status);
		if (state !== lastState) {
			const change = lastState === undefined ? `is ${state}` : `went from ${lastState} to ${state}`;
			context.logger.debug(`Yunwu Video: task "${taskId}" (item ${itemIndex}) ${change} (status "${String(result.value.status)}")`, { ...about, state });
			lastState = state;
		}
		return result;
	};
}

function failedTaskMessage(taskId: string, answer: TaskAnswer): string {
	const reason = readableApiError(answer.error) ?? 'Yunwu gave no reason';
	return `Task "${taskId}" failed on Yunwu (status "${String(answer.status)}"): ${reason}. Check the prompt and model, then create a new task.`;
}

function timeoutMessage(
	taskId: string,
	timeoutMs: number,
	lastAnswer: TaskAnswer | undefined,
	lastFailure: ApiFailure | undefined,
	baseUrl: string,
): string {
	const limit = formatSeconds(timeoutMs);
	const advice = 'Raise Timeout in the options, or set On Timeout to "Output Last Status" to go on without the video.';
	if (lastFailure) {
		const lastError = describeApiFailure(lastFailure, `task "${taskId}"`, baseUrl);
		return `Task "${taskId}" did not finish within ${limit}; the last query failed: ${lastError} ${advice}`;
	}
	const status = lastAnswer ? `last status "${String(lastAnswer.status)}"` : 'no status received';
	return `Task "${taskId}" did not finish within ${limit} (${status}). ${advice}`;
}
