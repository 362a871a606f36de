import type { IDataObject, INodeProperties } from 'n8n-workflow';

import { toTaskState } from '../task/state';
import type { YunwuApiClient } from '../transport/apiClient';
import { createdWithoutId } from '../transport/response';
import { createdIdOf, jsonOf, MB, taskFrom, type VideoApi } from './api';
import { isVideoModel } from './unifiedFamilies';

const MODEL_DEFAULT = { name: "Model's Default", value: '' };

/** OpenAI's video fields (OpenAI's `videos` reference; docs/yunwu-api.md, OpenAI videos). */
const fields: INodeProperties[] = [
	{
		displayName: 'Seconds',
		name: 'openaiSeconds',
		type: 'options',
		default: '',
		options: [
			...['4', '8', '10', '12', '15', '25'].map((value) => ({ name: value, value })),
			MODEL_DEFAULT,
		],
		description:
			'The length of the video; models take different lengths. For another value, switch to Expression and type it.',
	},
	{
		displayName: 'Size',
		name: 'openaiSize',
		type: 'options',
		default: '',
		options: [
			{ name: '1024x1792 (Portrait)', value: '1024x1792' },
			{ name: '1280x720 (Landscape)', value: '1280x720' },
			{ name: '1792x1024 (Landscape)', value: '1792x1024' },
			{ name: '720x1280 (Portrait)', value: '720x1280' },
			{ name: "Model's Default", value: '' },
		],
		description:
			'Width x height of the video. For another value, switch to Expression and type it.',
	},
];

/** The path of a video object, and of its content (the video's bytes, behind the key on the API origin). */
const videoPath = (id: string) => `/v1/videos/${encodeURIComponent(id)}`;

/**
 * An OpenAI video object (`{ id, status, progress, error: { message, code }, metadata: { url } }`)
 * in the node's words: a completed task's video is its own `video_url`, else `metadata.url`, else
 * the content route on the API origin.
 */
export function openaiVideoTask(
	client: YunwuApiClient,
	json: IDataObject,
	id: string,
): IDataObject {
	if (typeof json.video_url === 'string' && json.video_url) return json;
	if (toTaskState(json.status) !== 'completed') return json;
	const metadata = json.metadata as { url?: unknown } | undefined;
	const url =
		typeof metadata?.url === 'string' && metadata.url
			? metadata.url
			: client.urlOf(`${videoPath(id)}/content`);
	return { ...json, video_url: url };
}

/**
 * The OpenAI-compatible video API: `POST /v1/videos`, `GET /v1/videos/<id>`, and the video at
 * `GET /v1/videos/<id>/content`. The node's Task ID is `openai://<id>`.
 */
export const openaiApi: VideoApi = {
	format: 'openai',
	label: 'OpenAI videos',
	// Sent as a file, not base64; OpenAI documents no limit for input_reference.
	maxImageBytes: 20 * MB,
	fields,
	servesModel: isVideoModel,
	defaultModel: 'sora-2',

	createRequest({ model, prompt, images, read }) {
		if (images.length > 1) return { problem: 'has more than one image; OpenAI videos take one' };
		const body: IDataObject = { model, prompt };
		const seconds = read.text('openaiSeconds');
		if (seconds) body.seconds = seconds;
		const size = read.text('openaiSize');
		if (size) body.size = size;
		const [image] = images;
		if (image && 'url' in image) body.input_reference = image.url;
		// A file goes as OpenAI's multipart upload; everything else as its form fields.
		if (image && !('url' in image)) {
			body.input_reference = { ...image };
			return { method: 'POST', path: '/v1/videos', body, multipart: true };
		}
		return { method: 'POST', path: '/v1/videos', body };
	},

	readCreated(answer, _request, now) {
		const json = jsonOf(answer, now);
		if (!json.ok) return json;
		const id = createdIdOf(json.value.json);
		if (!id) return { ok: false, failure: createdWithoutId(json.value.httpCode, json.value.json) };
		return { ok: true, value: { ref: { id }, fields: json.value.json } };
	},

	async query(client, ref, timeoutMs) {
		const answer = await client.call({ method: 'GET', path: videoPath(ref.id) }, timeoutMs);
		const json = jsonOf(answer, Date.now());
		if (!json.ok) return json;
		return taskFrom(json.value.httpCode, openaiVideoTask(client, json.value.json, ref.id));
	},

	refText: (ref) => ref.id,
	parseRef: (text) => ({ id: text }),
};
