import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { describeApiFailure, httpCodeOf, taskError } from './common/errors';
import { YunwuApiClient } from '../transport/apiClient';
import { deliverTask } from './common/deliver';
import { downloadFields, optionsCollection, requestOptionFields } from './common/descriptions';
import { runForEachTask } from './common/items';

const OPERATION = 'query';
/** Look-ups run side by side; a handful at once keeps a large batch quick without bursting the API. */
const QUERIES_AT_ONCE = 5;
/** Pause before retrying a broken download; Query has no poll interval to take it from. */
const DOWNLOAD_RETRY_DELAY_MS = 1_000;

export const description: INodeProperties[] = [
	...downloadFields(OPERATION, false),
	optionsCollection(OPERATION, requestOptionFields),
];

/**
 * One status look-up per task: items with the same task share the query and the download; a
 * completed task's video is downloaded when asked for.
 */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const client = await YunwuApiClient.forNode(this);
	return await runForEachTask(
		this,
		() => QUERIES_AT_ONCE,
		async (itemIndex, { taskId, options: itemOptions }, signal, shared) => {
			const options = {
				...itemOptions,
				retryDelayMs: DOWNLOAD_RETRY_DELAY_MS,
				shared,
				apiOrigin: client.origin,
			};
			const key = JSON.stringify(['query', taskId, options.requestTimeoutMs]);
			const result = await shared.join(
				key,
				signal,
				async () => await client.queryTask(taskId, options.requestTimeoutMs),
			);
			if (!result)
				throw taskError(
					this.getNode(),
					`The execution was stopped while querying task "${taskId}".`,
					itemIndex,
					{ taskId },
				);
			if (!result.ok) {
				const message = describeApiFailure(result.failure, `task "${taskId}"`, client.shownBaseUrl);
				throw taskError(this.getNode(), message, itemIndex, {
					taskId,
					httpCode: httpCodeOf(result.failure),
				});
			}
			return await deliverTask(this, itemIndex, taskId, result.value, options, signal);
		},
	);
}
