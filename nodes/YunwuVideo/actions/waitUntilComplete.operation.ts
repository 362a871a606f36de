import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { YunwuApiClient } from '../transport/apiClient';
import { readConcurrency, waitAndDeliver, waitOptionFields } from './common/completion';
import { downloadFields, optionsCollection } from './common/descriptions';
import { readTaskId, runForEachItem } from './common/items';
import { readItemOptions } from './common/options';

const OPERATION = 'waitUntilComplete';

export const description: INodeProperties[] = [
	...downloadFields(OPERATION, true),
	optionsCollection(OPERATION, waitOptionFields),
];

/** Polls every item's task until it is completed or failed, all at once, then downloads the video. */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const client = await YunwuApiClient.forNode(this);
	return await runForEachItem(this, readConcurrency(this), async (itemIndex, signal) => {
		const taskId = readTaskId(this, itemIndex);
		return await waitAndDeliver(this, client, itemIndex, taskId, signal, readItemOptions(this, itemIndex));
	});
}
