import type {
	IBinaryData,
	IBinaryKeyData,
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
} from 'n8n-workflow';

import { describeDownloadFailure, httpCodeOf, taskError } from './errors';
import { shapeTaskOutput } from '../../task/output';
import type { MediaKind } from '../../task/media';
import type { TaskAnswer } from '../../task/schema';
import { toTaskState } from '../../task/state';
import { downloadShared } from '../../waiting/download';
import type { SharedWork } from '../../waiting/shared';
import type { ItemOptions } from './options';

/**
 * What delivering a task needs: the item's options, the pause before a download's second try, and
 * the API's origin (the only one a download may send the key to).
 */
export type DeliveryOptions = Pick<
	ItemOptions,
	| 'downloadVideo'
	| 'videoField'
	| 'downloadThumbnail'
	| 'thumbnailField'
	| 'requestTimeoutMs'
	| 'downloadAttempts'
	| 'minDownloadBytesPerSecond'
	| 'maxFileBytes'
> & {
	retryDelayMs: number;
	/** The node run's shared work: items of one task download each file once. */
	shared: SharedWork;
	apiOrigin: string;
};

/**
 * The output item for a task answer: its parsed fields, plus the video (and thumbnail) as binary
 * data when the task is completed and downloads are on. A thumbnail that cannot be downloaded
 * never costs the video: the item says why in `thumbnail_error`.
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
	const json: IDataObject = { ...shapeTaskOutput(taskId, answer), ...extraFields };
	const binary: IBinaryKeyData = {};
	if (toTaskState(answer.status) === 'completed') {
		if (options.downloadVideo) {
			if (typeof answer.video_url !== 'string' || answer.video_url.trim() === '') {
				throw taskError(
					context.getNode(),
					`Task "${taskId}" is completed but Yunwu sent no video_url. Turn off Download Video to output the task without the file.`,
					itemIndex,
					{ taskId, task: json },
				);
			}
			const video = await download(context, taskId, 'video', answer.video_url, options, signal);
			if (!video.ok)
				throw taskError(context.getNode(), video.message, itemIndex, {
					taskId,
					httpCode: video.httpCode,
					task: json,
				});
			binary[options.videoField] = video.binary;
		}
		// A thumbnail is a nicety: a task without one still delivers its video.
		if (
			options.downloadThumbnail &&
			typeof answer.thumbnail_url === 'string' &&
			answer.thumbnail_url
		) {
			const thumbnail = await download(
				context,
				taskId,
				'thumbnail',
				answer.thumbnail_url,
				options,
				signal,
			);
			if (thumbnail.ok) binary[options.thumbnailField] = thumbnail.binary;
			else json.thumbnail_error = thumbnail.message;
		}
	}
	return Object.keys(binary).length > 0 ? { json, binary } : { json };
}

async function download(
	context: IExecuteFunctions,
	taskId: string,
	kind: MediaKind,
	url: string,
	options: DeliveryOptions,
	signal: AbortSignal,
): Promise<{ ok: true; binary: IBinaryData } | { ok: false; message: string; httpCode?: number }> {
	const result = await downloadShared(
		context,
		options.shared,
		{
			url,
			taskId,
			kind,
			apiOrigin: options.apiOrigin,
			timeoutMs: options.requestTimeoutMs,
			minBytesPerSecond: options.minDownloadBytesPerSecond,
			maxBytes: options.maxFileBytes,
			signal,
		},
		{ attempts: options.downloadAttempts, firstDelayMs: options.retryDelayMs },
	);
	if (result.ok) return result;
	return {
		ok: false,
		message: describeDownloadFailure(result.failure, taskId, kind, result.attempts),
		httpCode: httpCodeOf(result.failure),
	};
}
