import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { describeApiFailure, httpCodeOf } from './messages/errors';
import { YunwuApiClient } from '../transport/apiClient';
import { deliverTask } from './delivery/deliver';
import { forOperations, optionsCollection } from './parameters/descriptions';
import { downloadFields, requestOptionFields } from './parameters/options';
import { runForEachTask } from './items/items';
import { workError } from './items/taskWork';

const OPERATION = 'query';
/** Look-ups run side by side; a handful at once keeps a large batch quick without bursting the API. */
const QUERIES_AT_ONCE = 5;
/** Pause before retrying a broken download; Query has no poll interval to take it from. */
const DOWNLOAD_RETRY_DELAY_MS = 1_000;

export const description = forOperations(
	[OPERATION],
	[...downloadFields(false), optionsCollection(requestOptionFields)],
);

/**
 * One status look-up per task: items with the same task share the query and the download; a
 * completed task's video is downloaded when asked for.
 */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const client = await YunwuApiClient.forNode(this);
	return await runForEachTask(
		this,
		client,
		() => QUERIES_AT_ONCE,
		async (work) => {
			const { taskId, subject, options } = work;
			const key = JSON.stringify(['query', taskId, options.requestTimeoutMs]);
			const result = await work.shared.join(
				key,
				work.signal,
				async () => await work.query(options.requestTimeoutMs),
			);
			if (!result) throw workError(work, `The execution was stopped while querying ${subject}.`);
			if (!result.ok) {
				const message = describeApiFailure(result.failure, subject, client.shownBaseUrl, taskId);
				throw workError(work, message, {
					httpCode: httpCodeOf(result.failure),
					failureKind: result.failure.kind,
				});
			}
			return await deliverTask(work, result.value, { retryDelayMs: DOWNLOAD_RETRY_DELAY_MS });
		},
	);
}
