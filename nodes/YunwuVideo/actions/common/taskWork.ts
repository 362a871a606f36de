import type { IExecuteFunctions } from 'n8n-workflow';

import { taskError } from './errors';
import type { YunwuApiClient } from '../../transport/apiClient';
import type { SharedWork } from '../../waiting/shared';
import type { ItemOptions } from './options';

/**
 * One item's work on one task, made once per item (`workOn`) and handed down whole to the wait,
 * the delivery and the downloads.
 */
export interface TaskWork {
	context: IExecuteFunctions;
	client: YunwuApiClient;
	itemIndex: number;
	taskId: string;
	/** The task as every message names it: `task "<id>"`. */
	subject: string;
	options: ItemOptions;
	/** Aborted when this item stops. */
	signal: AbortSignal;
	/** Work shared by the node run's items: items of one task wait and download once. */
	shared: SharedWork;
}

/** An item's work on task `taskId`. */
export function workOn(taskId: string, item: Omit<TaskWork, 'taskId' | 'subject'>): TaskWork {
	return { ...item, taskId, subject: `task "${taskId}"` };
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
