import type { IBinaryKeyData, IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { describeDownloadFailure, httpCodeOf, taskError } from '../../errors';
import { shapeTaskOutput } from '../../task/output';
import type { MediaKind } from '../../task/media';
import type { TaskAnswer } from '../../task/schema';
import { toTaskState } from '../../task/state';
import { downloadShared } from '../../waiting/download';
import type { SharedWork } from '../../waiting/shared';
import type { ItemOptions } from './options';

/** What delivering a task needs: the item's options, and the pause before a download's second try. */
export type DeliveryOptions = Pick<ItemOptions, 'downloadVideo' | 'videoField' | 'downloadThumbnail' | 'thumbnailField' | 'requestTimeoutMs' | 'downloadAttempts'> & {
	retryDelayMs: number;
	/** The node run's shared work: items of one task download each file once. */
	shared: SharedWork;
};

/**
 * The output item for a task answer: its parsed fields, plus the video (and thumbnail) as binary
 * data when the task is completed and downloads are on.
 */
export async function deliverTask(
	context: IExecuteFunctions,
	itemIndex: number,
	taskId: string,
	answer: TaskAnswer,
	options: DeliveryOptions,
	signal: AbortSignal,
	extraFields: IDataObject = {},
): Promise<INodeExecutionData> {
	const json = { ...shapeTaskOutput(taskId, answer), ...extraFields };
	const binary: IBinaryKeyData = {};
	if (toTaskState(answer.status) === 'completed') {
		const wanted: Array<[MediaKind, string, unknown]> = [];
		if (options.downloadVideo) {
			if (typeof answer.video_url !== 'string' || answer.video_url.trim() === '') {
				throw taskError(
					context.getNode(),
					`Task "${taskId}" is completed but Yunwu sent no video_url. Turn off Download Video to output the task without the file.`,
					itemIndex,
					{ taskId, task: json },
				);
			}
			wanted.push(['video', options.videoField, answer.video_url]);
		}
		// A thumbnail is a nicety: a task without one still delivers its video.
		if (options.downloadThumbnail && typeof answer.thumbnail_url === 'string' && answer.thumbnail_url) {
			wanted.push(['thumbnail', options.thumbnailField, answer.thumbnail_url]);
		}
		for (const [kind, property, url] of wanted) {
			binary[property] = await download(context, itemIndex, taskId, kind, String(url), options, signal, json);
		}
	}
	return Object.keys(binary).length > 0 ? { json, binary } : { json };
}

async function download(
	context: IExecuteFunctions,
	itemIndex: number,
	taskId: string,
	kind: MediaKind,
	url: string,
	options: DeliveryOptions,
	signal: AbortSignal,
	task: IDataObject,
) {
	const result = await downloadShared(
		context,
		options.shared,
		{ url, taskId, kind, timeoutMs: options.requestTimeoutMs, signal },
		{ attempts: options.downloadAttempts, firstDelayMs: options.retryDelayMs },
	);
	if (result.ok) return result.binary;
	const message = describeDownloadFailure(result.failure, taskId, kind, result.attempts);
	throw taskError(context.getNode(), message, itemIndex, { taskId, httpCode: httpCodeOf(result.failure), task });
}
