import type { IDataObject, INodeProperties } from 'n8n-workflow';

import type { YunwuApiClient } from '../transport/apiClient';
import type { ApiResult } from '../transport/failure';
import { createdWithoutId, refusalOrMalformed } from '../transport/response';
import {
	createdIdOf,
	jsonOf,
	MB,
	taskFrom,
	type InputImage,
	type TaskRef,
	type VideoApi,
} from './api';

/** Kling's two actions: each is its own route, and a task is queried on the route that created it. */
const ACTIONS = ['text2video', 'image2video'] as const;
type Action = (typeof ACTIONS)[number];
const isAction = (value: string): value is Action => (ACTIONS as readonly string[]).includes(value);

/** Kling's own fields (Kling's API names, docs/yunwu-api.md, Kling). */
const fields: INodeProperties[] = [
	{
		displayName: 'Negative Prompt',
		name: 'negativePrompt',
		type: 'string',
		default: '',
		typeOptions: { rows: 2 },
		description: 'What the video should not show',
	},
	{
		displayName: 'Mode',
		name: 'klingMode',
		type: 'options',
		default: 'std',
		options: [
			{ name: 'Standard', value: 'std', description: 'Faster and cheaper' },
			{ name: 'Professional', value: 'pro', description: 'Higher quality' },
		],
	},
	{
		displayName: 'Duration (Seconds)',
		name: 'klingDuration',
		type: 'options',
		default: '5',
		options: [
			{ name: '5', value: '5' },
			{ name: '10', value: '10' },
		],
	},
	{
		displayName: 'Aspect Ratio',
		name: 'klingAspectRatio',
		type: 'options',
		default: '16:9',
		options: [
			{ name: '16:9 (Landscape)', value: '16:9' },
			{ name: '9:16 (Portrait)', value: '9:16' },
			{ name: '1:1 (Square)', value: '1:1' },
		],
		description: "The shape of a text-to-video (image-to-video takes the image's)",
	},
	{
		displayName: 'CFG Scale',
		name: 'cfgScale',
		type: 'number',
		default: 0.5,
		typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
		description: 'How closely the video follows the prompt, from 0 (freely) to 1 (closely)',
	},
	{
		displayName: 'Sound',
		name: 'sound',
		type: 'boolean',
		default: false,
		description: 'Whether the video has generated sound (kling-v2-6 and later)',
	},
	{
		displayName: 'Callback URL',
		name: 'callbackUrl',
		type: 'string',
		default: '',
		placeholder: 'e.g. {{ $execution.resumeUrl }}',
		description:
			"Kling calls this URL when the task's status changes: with n8n's Wait node set to resume on a webhook call, the workflow sleeps without querying (see README, Callbacks)",
	},
];

/** Kling takes base64 without the `data:` prefix. */
const imageValue = (image: InputImage) => ('url' in image ? image.url : image.base64);

/**
 * Reads Kling's answer `{ code, message, request_id, data: { task_id, task_status, task_status_msg,
 * task_result: { videos: [{ url }] }, … } }` into the node's words, keeping every field: `code`
 * other than 0 is a refusal even on HTTP 200, with Kling's `message`, unless `data` names a task:
 * then the task exists (and may be paid for) whatever the code says, and is read as a task.
 */
function readKling(json: IDataObject, httpCode: number): ApiResult<IDataObject> {
	const { data, ...envelope } = json;
	const namesTask =
		data !== null && typeof data === 'object' && (data as IDataObject).task_id !== undefined;
	const refused = envelope.code !== undefined && Number(envelope.code) !== 0 && !namesTask;
	if (refused || data === null || typeof data !== 'object' || Array.isArray(data))
		return { ok: false, failure: refusalOrMalformed(httpCode, envelope, 'noStatus') };
	const task = data as IDataObject;
	const result = task.task_result as { videos?: Array<{ url?: unknown }> } | undefined;
	const videoUrl = Array.isArray(result?.videos) ? result.videos[0]?.url : undefined;
	return {
		ok: true,
		value: {
			...envelope,
			...task,
			status: task.task_status as string,
			...(typeof videoUrl === 'string' ? { video_url: videoUrl } : {}),
			...(task.task_status_msg ? { error: task.task_status_msg } : {}),
		},
	};
}

async function queryOn(client: YunwuApiClient, action: Action, id: string, timeoutMs: number) {
	const answer = await client.call(
		{ method: 'GET', path: `/kling/v1/videos/${action}/${encodeURIComponent(id)}` },
		timeoutMs,
	);
	const json = jsonOf(answer, Date.now());
	if (!json.ok) return json;
	const read = readKling(json.value.json, json.value.httpCode);
	return read.ok ? taskFrom(json.value.httpCode, read.value) : read;
}

/**
 * Kling's own format behind Yunwu's `/kling` prefix: `POST /kling/v1/videos/text2video` (or
 * `image2video` when an image is given) and `GET /kling/v1/videos/<action>/<id>`. The node's Task ID
 * is `kling://<action>/<id>`, so a later Wait Until Complete finds the route again.
 */
export const klingApi: VideoApi = {
	format: 'kling',
	label: 'Kling',
	// Kling's own limit for an image (its API docs: 10 MB).
	maxImageBytes: 10 * MB,
	fields,
	servesModel: (id) => /^kling/i.test(id),
	defaultModel: 'kling-v2-master',

	createRequest({ model, prompt, images, read }) {
		if (images.length > 2)
			return { problem: 'has more than two images; Kling takes a first frame and a last frame' };
		const body: IDataObject = {
			model_name: model,
			prompt,
			mode: read.text('klingMode'),
			duration: read.text('klingDuration'),
			aspect_ratio: read.text('klingAspectRatio'),
			cfg_scale: read.number('cfgScale'),
		};
		const negative = read.text('negativePrompt');
		if (negative) body.negative_prompt = negative;
		if (read.boolean('sound')) body.sound = 'on';
		const callback = read.text('callbackUrl');
		if (callback) body.callback_url = callback;
		if (images[0]) body.image = imageValue(images[0]);
		if (images[1]) body.image_tail = imageValue(images[1]);
		const action: Action = images.length > 0 ? 'image2video' : 'text2video';
		return { method: 'POST', path: `/kling/v1/videos/${action}`, body };
	},

	readCreated(answer, request, now) {
		const json = jsonOf(answer, now);
		if (!json.ok) return json;
		const read = readKling(json.value.json, json.value.httpCode);
		if (!read.ok) return read;
		// Kling numbers its tasks with 18 digits: kept as text when the answer was read.
		const id = createdIdOf({ task_id: read.value.task_id });
		if (!id) return { ok: false, failure: createdWithoutId(json.value.httpCode, read.value) };
		const action = request.path.split('/').at(-1) as Action;
		return { ok: true, value: { ref: { id, action }, fields: read.value } };
	},

	async query(client, ref: TaskRef, timeoutMs) {
		if (ref.action && isAction(ref.action))
			return await queryOn(client, ref.action, ref.id, timeoutMs);
		// An id created elsewhere does not say its action: text-to-video first, then image-to-video.
		const first = await queryOn(client, 'text2video', ref.id, timeoutMs);
		if (first.ok || first.failure.kind !== 'notFound') return first;
		return await queryOn(client, 'image2video', ref.id, timeoutMs);
	},

	// `kling://<action>/<id>`; an id found without its action (created elsewhere) is `kling://<id>`.
	refText: (ref) => (ref.action ? `${ref.action}/${ref.id}` : ref.id),
	parseRef(text) {
		const slash = text.indexOf('/');
		if (slash < 0) return { id: text };
		const action = text.slice(0, slash);
		const id = text.slice(slash + 1);
		return isAction(action) && id ? { id, action } : undefined;
	},
};
