import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { YunwuApiClient } from '../transport/apiClient';
import { maxConcurrentOf, waitAndDeliver } from './delivery/completion';
import { forOperations, optionsCollection } from './parameters/descriptions';
import { downloadFields, waitOptionFields } from './parameters/options';
import { runForEachTask } from './items/items';

const OPERATION = 'waitUntilComplete';

export const description = forOperations(
	[OPERATION],
	[...downloadFields(true), optionsCollection(waitOptionFields)],
);

/**
 * Polls every item's task until it is completed or failed, all at once, then downloads the video;
 * items with the same task share one poll loop and one download.
 */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const client = await YunwuApiClient.forNode(this);
	return await runForEachTask(this, client, maxConcurrentOf, waitAndDeliver);
}
