import type { IDataObject, INodeProperties } from 'n8n-workflow';

import { createdWithoutId } from '../transport/response';
import { createdIdOf, dataUrlOf, jsonOf, MB, taskFrom, type VideoApi } from './api';
import { openaiVideoTask } from './openai';
import { isVideoModel } from './unifiedFamilies';

/** Whole numbers the API takes; 0 leaves each to the model. */
const NUMBERS = [
	{ displayName: 'Duration (Seconds)', name: 'generationsDuration', key: 'duration' },
	{ displayName: 'Width', name: 'generationsWidth', key: 'width' },
	{ displayName: 'Height', name: 'generationsHeight', key: 'height' },
	{ displayName: 'FPS', name: 'generationsFps', key: 'fps' },
	{ displayName: 'Seed', name: 'generationsSeed', key: 'seed' },
] as const;

const fields: INodeProperties[] = NUMBERS.map(({ displayName, name }) => ({
	displayName,
	name,
	type: 'number',
	default: 0,
	typeOptions: { minValue: 0, numberPrecision: 0 },
	description: `${displayName} of the video; 0 leaves it to the model. Vendor fields (negative_prompt, mode, aspect_ratio) go in Additional Body Fields under "metadata".`,
}));

/** new-api's newer envelope `{ "code": "success", "data": {…} }`, flattened; other answers as they are. */
function unwrapped(json: IDataObject): IDataObject {
	const { data, ...envelope } = json;
	if (data === null || typeof data !== 'object' || Array.isArray(data) || !('code' in envelope))
		return json;
	return { ...envelope, ...(data as IDataObject) };
}

/**
 * The gateway's generic video task API: `POST /v1/video/generations`, `GET
 * /v1/video/generations/<id>`. Its query answers come in three shapes (docs/yunwu-api.md): the older
 * `{ task_id, status, url, error }`, the OpenAI video object, and the task record in an envelope
 * (`{ code, data: { task_id, status, fail_reason, result_url, progress } }`). The node's Task ID is
 * `generations://<id>`.
 */
export const generationsApi: VideoApi = {
	format: 'generations',
	label: 'generations',
	// No documented limit: the node's own, as for the unified API.
	maxImageBytes: 20 * MB,
	fields,
	servesModel: isVideoModel,
	// The gateway routes any video model here: none is more likely than another.
	defaultModel: '',

	createRequest({ model, prompt, images, read }) {
		if (images.length > 1)
			return { problem: 'has more than one image; the generations API takes one' };
		const body: IDataObject = { model, prompt };
		if (images[0]) body.image = dataUrlOf(images[0]);
		for (const { name, key } of NUMBERS) {
			const value = read.number(name);
			if (value > 0) body[key] = value;
		}
		return { method: 'POST', path: '/v1/video/generations', body };
	},

	readCreated(answer, _request, now) {
		const json = jsonOf(answer, now);
		if (!json.ok) return json;
		const fields = unwrapped(json.value.json);
		const id = createdIdOf(json.value.json);
		if (!id) return { ok: false, failure: createdWithoutId(json.value.httpCode, fields) };
		return { ok: true, value: { ref: { id }, fields } };
	},

	async query(client, ref, timeoutMs) {
		const answer = await client.call(
			{ method: 'GET', path: `/v1/video/generations/${encodeURIComponent(ref.id)}` },
			timeoutMs,
		);
		const json = jsonOf(answer, Date.now());
		if (!json.ok) return json;
		const fields = unwrapped(json.value.json);
		const url = fields.url ?? fields.result_url;
		const task: IDataObject = {
			...fields,
			...(typeof url === 'string' && url ? { video_url: url } : {}),
			...(fields.error === undefined && fields.fail_reason ? { error: fields.fail_reason } : {}),
		};
		return taskFrom(json.value.httpCode, openaiVideoTask(client, task, ref.id));
	},

	refText: (ref) => ref.id,
	parseRef: (text) => ({ id: text }),
};
