import type { IDataObject } from 'n8n-workflow';

import type { ApiResult } from '../transport/failure';
import {
	createdWithoutId,
	readJsonObject,
	readTaskAnswer,
	type HttpAnswer,
} from '../transport/response';
import { createdIdOf, dataUrlOf, MB, type CreateInput, type VideoApi } from './api';
import { familyBody, familyFields, isVideoModel } from './unifiedFamilies';

/**
 * Reads a unified create answer, which must carry the new task's id (see `createdIdOf`). A 2xx
 * without one is never taken for a refusal: the unified API documents no such refusal, and the
 * task may exist.
 */
export function readCreatedTask(
	answer: HttpAnswer,
	now: number,
): ApiResult<IDataObject & { id: string }> {
	const object = readJsonObject(answer, now);
	if (!object.ok) return object;
	const id = createdIdOf(object.value);
	if (id !== undefined) return { ok: true, value: { ...object.value, id } };
	return { ok: false, failure: createdWithoutId(answer.statusCode, object.value) };
}

/**
 * Yunwu's unified video API, `POST /v1/video/create` + `GET /v1/video/query?id=` (docs/yunwu-api.md):
 * Veo, Sora, Grok, Jimeng and more. Its ids carry a model prefix (`veo3.1-fast:…`) and are output
 * as they are; its answers are already in the node's words.
 */
export const unifiedApi: VideoApi = {
	format: 'unified',
	label: 'unified',
	// Yunwu documents no limit: the node's own, as base64 in a JSON body grows by a third.
	maxImageBytes: 20 * MB,
	fields: familyFields,
	servesModel: isVideoModel,
	defaultModel: 'veo3.1-fast',

	createRequest({ model, panelModel, prompt, images, read }: CreateInput) {
		const body: IDataObject = { model, prompt };
		if (images.length > 0) body.images = images.map(dataUrlOf);
		const aspectRatio = read.text('aspectRatio');
		if (aspectRatio) body.aspect_ratio = aspectRatio;
		const size = read.text('size');
		if (size) body.size = size;
		// The family is the one whose fields the panel shows: before version 1.2, Other's typed name has none.
		return {
			method: 'POST',
			path: '/v1/video/create',
			body: { ...body, ...familyBody(panelModel, read) },
		};
	},

	readCreated(answer, _request, now) {
		const created = readCreatedTask(answer, now);
		if (!created.ok) return created;
		return { ok: true, value: { ref: { id: created.value.id }, fields: created.value } };
	},

	async query(client, ref, timeoutMs) {
		const answer = await client.call(
			{ method: 'GET', path: '/v1/video/query', qs: { id: ref.id } },
			timeoutMs,
		);
		return 'failure' in answer ? answer : readTaskAnswer(answer, Date.now());
	},

	refText: (ref) => ref.id,
	parseRef: (text) => ({ id: text }),
};
