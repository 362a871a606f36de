import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { describeApiFailure, httpCodeOf, taskError } from '../errors';
import { readableApiError, shapeTaskOutput } from '../task/output';
import { YunwuApiClient } from '../transport/apiClient';
import type { ApiFailure } from '../transport/failure';
import type { TaskAnswer } from '../task/schema';
import { toTaskState } from '../task/state';
import { waitForTask, type WaitSettings } from '../waiting/waitForTask';
import { deliverTask, readDeliveryOptions, secondsToMs } from './common/deliver';
import { downloadFields, requestOptionFields, taskIdField } from './common/descriptions';
import { readTaskId, runForEachItem } from './common/items';

const OPERATION = 'waitUntilComplete';

export const description: INodeProperties[] = [
	taskIdField(OPERATION),
	...downloadFields(OPERATION, true),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: { operation: [OPERATION] } },
		options: [
			{
				displayName: 'Poll Interval (Seconds)',
				name: 'pollInterval',
				type: 'number',
				typeOptions: { minValue: 0.001 },
				default: 10,
				description:
					'Seconds between two status queries of one task. The first query goes out at once; Yunwu may ask for longer pauses (HTTP 429).',
			},
			{
				displayName: 'Timeout (Seconds)',
				name: 'timeout',
				type: 'number',
				typeOptions: { minValue: 0.001 },
				default: 1800,
				description: 'Seconds to wait for one task to finish before giving up on it (default 30 minutes)',
			},
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
			{
				displayName: 'Max Tasks at Once',
				name: 'maxConcurrent',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 200 },
				default: 20,
				description:
					'How many items are waited on and downloaded at the same time; the rest start as soon as one finishes',
			},
			...requestOptionFields,
		],
	},
];

/** Polls every item's task until it is completed or failed, all at once, then downloads the video. */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const client = await YunwuApiClient.forNode(this);
	const firstOptions = this.getNodeParameter('options', 0, {}) as IDataObject;
	const concurrency = Number(firstOptions.maxConcurrent ?? 20);

	return await runForEachItem(this, concurrency, async (itemIndex, signal) => {
		const taskId = readTaskId(this, itemIndex);
		const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
		const settings: WaitSettings = {
			pollIntervalMs: secondsToMs(options.pollInterval, 10),
			timeoutMs: secondsToMs(options.timeout, 1800),
			requestTimeoutMs: secondsToMs(options.requestTimeout, 30),
		};
		const delivery = readDeliveryOptions(this, itemIndex, settings.pollIntervalMs);
		const startedAt = Date.now();
		const outcome = await waitForTask((timeoutMs) => client.queryTask(taskId, timeoutMs), settings, signal);
		const waited = (polls: number): IDataObject => ({ timed_out: false, polls, waited_ms: Date.now() - startedAt });

		switch (outcome.kind) {
			case 'finished': {
				const { answer } = outcome;
				if (toTaskState(answer.status) === 'failed') {
					throw taskError(this.getNode(), failedTaskMessage(taskId, answer), itemIndex, {
						taskId,
						task: { ...shapeTaskOutput(taskId, answer), ...waited(outcome.polls) },
					});
				}
				return await deliverTask(this, itemIndex, taskId, answer, delivery, signal, waited(outcome.polls));
			}
			case 'timedOut': {
				const lastStatus = outcome.lastAnswer
					? shapeTaskOutput(taskId, outcome.lastAnswer)
					: { task_id: taskId, state: 'unknown', progress: null };
				const task = { ...lastStatus, ...waited(outcome.polls), timed_out: true };
				if (options.onTimeout === 'outputLastStatus') return { json: task };
				const message = timeoutMessage(taskId, settings.timeoutMs, outcome.lastAnswer, outcome.lastFailure, client.baseUrl);
				throw taskError(this.getNode(), message, itemIndex, { taskId, task });
			}
			case 'failed': {
				const message = describeApiFailure(outcome.failure, `task "${taskId}"`, client.baseUrl);
				throw taskError(this.getNode(), message, itemIndex, { taskId, httpCode: httpCodeOf(outcome.failure) });
			}
			case 'cancelled':
				throw taskError(this.getNode(), `The execution was stopped while waiting for task "${taskId}".`, itemIndex, {
					taskId,
				});
		}
	});
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
	const limit = `${Math.round(timeoutMs / 100) / 10} s`;
	const advice = 'Raise Timeout in the options, or set On Timeout to "Output Last Status" to go on without the video.';
	if (lastFailure) {
		const lastError = describeApiFailure(lastFailure, `task "${taskId}"`, baseUrl);
		return `Task "${taskId}" did not finish within ${limit}; the last query failed: ${lastError}`;
	}
	const status = lastAnswer ? `last status "${String(lastAnswer.status)}"` : 'no status received';
	return `Task "${taskId}" did not finish within ${limit} (${status}). ${advice}`;
}
