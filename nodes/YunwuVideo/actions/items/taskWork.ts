import type { IExecuteFunctions } from 'n8n-workflow';

import { taskIdOf, type FoundTask } from '../../apis/registry';
import type { TaskAnswer } from '../../task/schema';
import type { YunwuApiClient } from '../../transport/apiClient';
import type { ApiResult } from '../../transport/failure';
import { taskError } from '../messages/errors';
import type { SharedWork } from '../../waiting/shared';
import type { ItemOptions } from '../parameters/options';

/**
 * One item's work on one task, made once per item (`workOn`) and handed down whole to the wait,
 * the delivery and the downloads.
 */
export interface TaskWork {
	context: IExecuteFunctions;
	client: YunwuApiClient;
	itemIndex: number;
	/** The Task ID as the node outputs it (see `taskIdOf`). */
	taskId: string;
	/** The task as every message names it: `task "<id>"`. */
	subject: string;
	/** One look-up of the task, through its API, in the node's words. */
	query: (timeoutMs: number) => Promise<ApiResult<TaskAnswer>>;
	options: ItemOptions;
	/** Aborted when this item stops. */
	signal: AbortSignal;
	/** Work shared by the node run's items: items of one task wait and download once. */
	shared: SharedWork;
}

/** An item's work on the task `found`. */
export function workOn(
	found: FoundTask,
	item: Omit<TaskWork, 'taskId' | 'subject' | 'query'>,
): TaskWork {
	const taskId = taskIdOf(found);
	return {
		...item,
		taskId,
		subject: `task "${taskId}"`,
		query: async (timeoutMs) => await found.api.query(item.client, found.ref, timeoutMs),
	};
}

/** The item's error about its task, carrying the task ID (see `taskError`). */
export function workError(
	work: TaskWork,
	message: string,
	extras: Omit<Parameters<typeof taskError>[3], 'taskId'> = {},
) {
	return taskError(work.context.getNode(), message, work.itemIndex, {
		taskId: work.taskId,
		...extras,
	});
}
