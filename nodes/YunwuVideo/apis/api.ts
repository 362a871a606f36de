import type { IDataObject, INodeProperties } from 'n8n-workflow';

import { taskAnswerSchema, type TaskAnswer } from '../task/schema';
import type { ApiRequest, YunwuApiClient } from '../transport/apiClient';
import type { ApiFailure, ApiResult } from '../transport/failure';
import { readJsonObject, refusalOrMalformed, type HttpAnswer } from '../transport/response';

/** Yunwu's video APIs (the node's `apiFormat` values); `unified` is the one saved workflows use. */
export type ApiFormat = 'unified' | 'openai' | 'kling' | 'generations';

/** An image for image-to-video: a URL, or the bytes of a binary property of the item. */
export type InputImage = { url: string } | { base64: string; mimeType: string; fileName: string };

/** A megabyte as the APIs count it. */
export const MB = 1_000_000;

/** An image as a URL, a binary one as a data URL: what the unified and generations APIs take. */
export function dataUrlOf(image: InputImage): string {
	return 'url' in image ? image.url : `data:${image.mimeType};base64,${image.base64}`;
}

/** Reads a field of the item being created by its panel name (its default when unset), strictly. */
export interface FieldReader {
	text(name: string): string;
	number(name: string): number;
	boolean(name: string): boolean;
}

/** One item's Create, as the API-agnostic fields give it; the API's own fields are read through `read`. */
export interface CreateInput {
	model: string;
	/** The Model value the panel shows fields for: `model`, or Other's `custom` on versions before 1.2. */
	panelModel: string;
	prompt: string;
	images: InputImage[];
	read: FieldReader;
}

/** What a create answer says: the task's id as this API finds it again, and every field sent. */
interface CreatedAnswer {
	ref: TaskRef;
	fields: IDataObject;
}

/** A task as its API finds it: its id, and for Kling the action (route) that created it. */
export interface TaskRef {
	id: string;
	action?: string;
}

/**
 * One of Yunwu's video APIs: the only code that knows its routes, how Create's fields become its
 * body, how its answers become a task (in the node's words: `status`, `progress`, `video_url`,
 * `thumbnail_url`, `error`, besides every field the API sent) and where its video is. A new API is
 * one such file, registered in `registry.ts`.
 */
export interface VideoApi {
	readonly format: ApiFormat;
	/** The API's name in messages. */
	readonly label: string;
	/** Whether a model the key lists is one this API serves (listed first when this API is chosen). */
	servesModel(id: string, endpointTypes: readonly string[]): boolean;
	/** The model a new node (version 1.2 on) starts with when this API is chosen; empty: the user picks one. */
	readonly defaultModel: string;
	/** The largest image file the API takes (a binary image larger is refused before any request). */
	readonly maxImageBytes: number;
	/** Create's fields that belong to this API alone (the registry shows them for it). */
	readonly fields: INodeProperties[];
	/** The create request of an item, or what in its fields this API cannot take (to end "Item N …"). */
	createRequest(input: CreateInput): ApiRequest | { problem: string };
	/** A create answer: the new task, or why there is none (a refusal on HTTP 200 included). */
	readCreated(answer: HttpAnswer, request: ApiRequest, now: number): ApiResult<CreatedAnswer>;
	/** One look-up of a task, in the node's words. */
	query(client: YunwuApiClient, ref: TaskRef, timeoutMs: number): Promise<ApiResult<TaskAnswer>>;
	/** The task ID text after `<format>://` in the node's output, and back (undefined: not one of ours). */
	refText(ref: TaskRef): string;
	parseRef(text: string): TaskRef | undefined;
}

/**
 * A task answer in the node's words, read from the fields an API's file put together (`status`
 * among them), or what the answer was instead: a refusal with the API's message, or a malformed answer.
 */
export function taskFrom(httpCode: number, fields: IDataObject): ApiResult<TaskAnswer> {
	const task = taskAnswerSchema.safeParse(fields);
	if (task.success) return { ok: true, value: task.data };
	return { ok: false, failure: refusalOrMalformed(httpCode, fields, 'noStatus') };
}

/** An answer's JSON object and HTTP status (see `readJsonObject`), for an API file to read. */
export function jsonOf(
	answer: HttpAnswer | { ok: false; failure: ApiFailure },
	now: number,
): ApiResult<{ json: IDataObject; httpCode: number }> {
	if ('failure' in answer) return answer;
	const object = readJsonObject(answer, now);
	return object.ok
		? { ok: true, value: { json: object.value, httpCode: answer.statusCode } }
		: object;
}

/**
 * A record's id fields, most likely first: `task_id` before a numeric `id`, which new-api's task
 * record numbers its database row with (`TaskDto` in its dto/task.go); else `id` first.
 */
const idFieldsOf = ({ id, task_id }: IDataObject) =>
	typeof id === 'number' ? [task_id, id] : [id, task_id];

/**
 * Text that is no task id: an expression's leftovers (`undefined`, `[object Object]`, `{{ … }}`),
 * a path's `.` or `..`, or whitespace and control characters, which no API's ids hold and which
 * must reach no URL or log line ("quota exceeded" in a gateway's `data` is a message, not an id).
 */
const NOT_AN_ID = /^(undefined|null|\[object \w+\]|\.{1,2})$|\{\{|\}\}|[\s\p{Cc}]/u;

/** The longest task id taken (the APIs' are under 100 characters). */
const MAX_ID_LENGTH = 256;

/** Whether `text` can be a task id (see `NOT_AN_ID`). */
export const looksLikeTaskId = (text: string): boolean =>
	text !== '' && text.length <= MAX_ID_LENGTH && !NOT_AN_ID.test(text);

/** An envelope's `code` when it says the request succeeded (new-api's "success", Kling's 0). */
const SUCCESS_CODE = /^(0|200|success|succeed|ok)$/i;

/**
 * The id of a created task in a create answer: top-level (`id`, or `task_id` of older gateways),
 * or inside a `data` envelope (new-api's `{"code": "success", "data": "<id>"}`, or
 * `{"code": 0, "data": {"id" | "task_id": …}}`). A number is used as its text (digits beyond 2^53
 * were kept as text when the answer was read).
 */
export function createdIdOf(answer: IDataObject): string | undefined {
	const { data } = answer;
	const inData: IDataObject =
		data !== null && typeof data === 'object' && !Array.isArray(data) ? (data as IDataObject) : {};
	// A bare `data` text is the id only when the envelope does not say it failed: under
	// `{"code": "fail"}` it is the gateway's reason.
	const succeeded = answer.code === undefined || SUCCESS_CODE.test(String(answer.code));
	const candidates = [...idFieldsOf(answer), succeeded ? data : undefined, ...idFieldsOf(inData)];
	for (const raw of candidates) {
		const id = Number.isSafeInteger(raw) ? String(raw) : raw;
		// The first id given is the task's: when it is no id, the task may exist all the same.
		if (typeof id === 'string' && id.trim() !== '')
			return looksLikeTaskId(id.trim()) ? id.trim() : undefined;
	}
	return undefined;
}
