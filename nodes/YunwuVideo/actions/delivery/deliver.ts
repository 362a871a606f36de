import type { IBinaryData, IBinaryKeyData, IDataObject, INodeExecutionData } from 'n8n-workflow';

import { atSentenceStart, describeDownloadFailure, httpCodeOf } from '../messages/errors';
import { shapeTaskOutput } from '../../task/output';
import type { MediaKind } from '../../task/media';
import type { TaskAnswer } from '../../task/schema';
import { toTaskState } from '../../task/state';
import { downloadShared } from '../../waiting/download';
import { workError, type TaskWork } from '../items/taskWork';

/** The pause before a download's second try, and fields the output item adds to the task's. */
interface DeliveryOptions {
	retryDelayMs: number;
	extraFields?: IDataObject;
}

/**
 * The output item for a task answer: its parsed fields, plus the video (and thumbnail) as binary
 * data when the task is completed and downloads are on. A thumbnail that cannot be downloaded
 * never costs the video: the item says why in `thumbnail_error`.
 */
export async function deliverTask(
	work: TaskWork,
	answer: TaskAnswer,
	{ retryDelayMs, extraFields = {} }: DeliveryOptions,
): Promise<INodeExecutionData> {
	const { options } = work;
	const json: IDataObject = shapeTaskOutput(work.taskId, answer, extraFields);
	const binary: IBinaryKeyData = {};
	if (toTaskState(answer.status) === 'completed') {
		if (options.downloadVideo) {
			if (typeof answer.video_url !== 'string' || answer.video_url.trim() === '') {
				throw workError(
					work,
					`${atSentenceStart(work.subject)} is completed but Yunwu sent no video_url. Turn off Download Video to output the task without the file.`,
					{ task: json },
				);
			}
			const video = await download(work, 'video', answer.video_url, retryDelayMs);
			if (!video.ok) throw workError(work, video.message, { httpCode: video.httpCode, task: json });
			binary[options.videoField] = video.binary;
		}
		// A thumbnail is a nicety: a task without one still delivers its video.
		if (
			options.downloadThumbnail &&
			typeof answer.thumbnail_url === 'string' &&
			answer.thumbnail_url
		) {
			const thumbnail = await download(work, 'thumbnail', answer.thumbnail_url, retryDelayMs);
			if (thumbnail.ok) binary[options.thumbnailField] = thumbnail.binary;
			else json.thumbnail_error = thumbnail.message;
		}
	}
	return Object.keys(binary).length > 0 ? { json, binary } : { json };
}

/** A file of the task, downloaded with the item's limits; only the API's origin gets the key. */
async function download(
	work: TaskWork,
	kind: MediaKind,
	url: string,
	retryDelayMs: number,
): Promise<{ ok: true; binary: IBinaryData } | { ok: false; message: string; httpCode?: number }> {
	const { options } = work;
	const result = await downloadShared(
		work,
		{
			url,
			kind,
			apiOrigin: work.client.origin,
			timeoutMs: options.requestTimeoutMs,
			minBytesPerSecond: options.minDownloadBytesPerSecond,
			maxBytes: options.maxFileBytes,
		},
		{ attempts: options.downloadAttempts, firstDelayMs: retryDelayMs },
	);
	if (result.ok) return result;
	return {
		ok: false,
		message: describeDownloadFailure(result.failure, work.subject, kind, result.attempts),
		httpCode: httpCodeOf(result.failure),
	};
}
