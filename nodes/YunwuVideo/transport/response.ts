import type { IDataObject } from 'n8n-workflow';

import {
	errorEnvelopeSchema,
	modelListSchema,
	taskAnswerSchema,
	type TaskAnswer,
} from '../task/schema';
import { oneLine, readableApiError } from '../task/output';
import { parseRetryAfter, type ApiFailure, type ApiResult, type RedirectTarget } from './failure';
import { parseJsonKeepingDigits } from './json';
import { isWebAddress } from './url';

export interface HttpAnswer {
	/** The address asked, against which a relative redirect is read. */
	url: string;
	statusCode: number;
	headers: Record<string, unknown>;
	body: string;
}

/** What the API says went wrong when it answers `{ "error": ... }` or `{ "message": ... }`, in one line. */
function apiMessageOf(json: unknown): string | undefined {
	const envelope = errorEnvelopeSchema.safeParse(json);
	if (!envelope.success) return undefined;
	const { error, message, code } = envelope.data;
	return (
		readableApiError(error) ??
		(typeof message === 'string' && oneLine(message) ? oneLine(message) : undefined) ??
		(code !== undefined && code !== null ? String(code) : undefined)
	);
}

/** The `code` of an OpenAI-style `{ "error": { "code" } }` answer, if it has one. */
function errorCodeOf(json: unknown): unknown {
	const envelope = errorEnvelopeSchema.safeParse(json);
	const { error } = envelope.success ? envelope.data : { error: undefined };
	return error !== null && typeof error === 'object'
		? (error as { code?: unknown }).code
		: undefined;
}

/**
 * OneAPI gateways report an unknown task id in words ("task_not_exist") rather than with a 404.
 * The words must be about the task: "model_not_found" on a create is a rejected request.
 */
const UNKNOWN_TASK =
	/task[\s_-]?(id[\s_-]?)?(is[\s_-]?)?(not[\s_-]?(found|exists?)|does[\s_-]?not[\s_-]?exist|invalid|unknown)|(no[\s_-]?such|unknown|invalid)[\s_-]?task|^not[\s_-]?(found|exists?)$/i;

/** Gateways' words for a route that does not exist ("Invalid URL (GET /v1/v1/video/query)"). */
const WRONG_ROUTE = /invalid url|no route|cannot (get|post)|page not found|404 page/i;

/** Where a redirect's Location points, read against the address asked (it may be relative). */
function redirectTarget(location: unknown, asked: string): RedirectTarget {
	let target: URL;
	try {
		if (typeof location !== 'string' || location.trim() === '') return { kind: 'none' };
		target = new URL(location.trim(), asked);
	} catch {
		return { kind: 'none' };
	}
	if (!isWebAddress(target.href)) return { kind: 'notWeb', scheme: target.protocol };
	const from = new URL(asked);
	if (target.origin !== from.origin) return { kind: 'otherOrigin', origin: target.origin };
	return { kind: target.pathname === from.pathname ? 'loop' : 'sameOrigin', origin: target.origin };
}

function parseJson(text: string): { parsed: true; value: unknown } | { parsed: false } {
	try {
		return { parsed: true, value: parseJsonKeepingDigits(text) };
	} catch {
		return { parsed: false };
	}
}

/** The largest answer read (Yunwu's are a few kilobytes): a larger one is not read further. */
export const MAX_ANSWER_BYTES = 32_000_000;

/**
 * The deepest nesting accepted in an answer (Yunwu's go three levels deep). Copying and storing an
 * output item walks it recursively: thousands of levels overflow the stack.
 */
export const MAX_ANSWER_DEPTH = 64;

/** Whether a parsed answer holds an object or array more than `limit` levels down, found without recursion. */
function nestsDeeperThan(value: unknown, limit: number): boolean {
	const pending: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
	for (let next = pending.pop(); next; next = pending.pop()) {
		if (next.value === null || typeof next.value !== 'object') continue;
		if (next.depth > limit) return true;
		for (const child of Object.values(next.value))
			pending.push({ value: child, depth: next.depth + 1 });
	}
	return false;
}

function isHtml(headers: Record<string, unknown>, body: string): boolean {
	return /html/i.test(String(headers['content-type'] ?? '')) || /^\s*</.test(body);
}

/**
 * Reads an HTTP answer of the Yunwu API into a JSON object or a classified failure: the status
 * code first (401, 403, 404, 429, 5xx, other 4xx), then the body (empty, an HTML page, not JSON,
 * JSON that is not an object).
 */
export function readJsonObject(answer: HttpAnswer, now: number): ApiResult<IDataObject> {
	const { statusCode: httpCode, headers, body } = answer;
	const json = parseJson(body);
	const apiMessage = json.parsed ? apiMessageOf(json.value) : undefined;

	if (httpCode === 401)
		return { ok: false, failure: { kind: 'unauthorized', httpCode, apiMessage } };
	if (httpCode === 403) return { ok: false, failure: { kind: 'forbidden', httpCode, apiMessage } };
	if (httpCode === 404) {
		// A gateway's "no such route" means a wrong Base URL, not an unknown task.
		const wrongRoute =
			!(apiMessage && UNKNOWN_TASK.test(apiMessage)) &&
			(isHtml(headers, body) || (apiMessage !== undefined && WRONG_ROUTE.test(apiMessage)));
		return {
			ok: false,
			failure: { kind: wrongRoute ? 'endpointNotFound' : 'notFound', httpCode, apiMessage },
		};
	}
	if (httpCode >= 300 && httpCode < 400) {
		return {
			ok: false,
			failure: {
				kind: 'redirected',
				httpCode,
				target: redirectTarget(headers.location, answer.url),
			},
		};
	}
	if (httpCode === 429) {
		const retryAfterMs = parseRetryAfter(headers['retry-after'], now);
		return { ok: false, failure: { kind: 'rateLimited', httpCode, retryAfterMs, apiMessage } };
	}
	// new-api answers 503 `model_not_found` when no channel serves the model: it refused the
	// request before passing it on (`Distribute` in its middleware/distributor.go).
	if (httpCode >= 500 && json.parsed && errorCodeOf(json.value) === 'model_not_found')
		return { ok: false, failure: { kind: 'rejected', httpCode, apiMessage } };
	// 408: the gateway gave up waiting (for the client or for its upstream): like a 5xx, it may
	// have passed the request on, and asking again later may be answered.
	if (httpCode >= 500 || httpCode === 408) {
		return {
			ok: false,
			failure: { kind: 'serverError', httpCode, htmlPage: isHtml(headers, body), apiMessage },
		};
	}
	if (httpCode >= 400) {
		const kind = apiMessage && UNKNOWN_TASK.test(apiMessage) ? 'notFound' : 'rejected';
		return { ok: false, failure: { kind, httpCode, apiMessage } };
	}
	if (body.trim() === '')
		return { ok: false, failure: { kind: 'invalidBody', httpCode, problem: 'empty' } };
	if (!json.parsed) {
		const problem = isHtml(headers, body) ? 'html' : 'notJson';
		return { ok: false, failure: { kind: 'invalidBody', httpCode, problem } };
	}
	const { value } = json;
	if (value === null || typeof value !== 'object' || Array.isArray(value)) {
		return { ok: false, failure: { kind: 'invalidBody', httpCode, problem: 'notObject' } };
	}
	if (nestsDeeperThan(value, MAX_ANSWER_DEPTH))
		return { ok: false, failure: { kind: 'invalidBody', httpCode, problem: 'tooDeep' } };
	return { ok: true, value: value as IDataObject };
}

/**
 * Reads a query answer into a task. A 200 without a status is the gateway's way of saying
 * "no such task" (or another refusal) when it carries an error message, and a malformed answer
 * when it does not.
 */
export function readTaskAnswer(answer: HttpAnswer, now: number): ApiResult<TaskAnswer> {
	const object = readJsonObject(answer, now);
	if (!object.ok) return object;
	const task = taskAnswerSchema.safeParse(object.value);
	if (task.success) return { ok: true, value: task.data };
	return { ok: false, failure: refusalOrMalformed(answer.statusCode, object.value, 'noStatus') };
}

/**
 * A 2xx create answer that names no task: never taken for a refusal, whatever message it carries
 * (`{"error": {"message": "upstream request timeout"}}`), since the task may exist.
 */
export function createdWithoutId(httpCode: number, json: IDataObject): ApiFailure {
	return { kind: 'invalidBody', httpCode, problem: 'noId', apiMessage: apiMessageOf(json) };
}

/** A model the key may use, as `GET /v1/models` lists it. */
export interface ListedModel {
	id: string;
	/** What new-api gateways say the model serves (`openai-video` for video models); often absent. */
	endpointTypes: string[];
}

/**
 * Reads the OpenAI-style model list `{ "data": [{ "id", "owned_by", ... }] }`. Entries without an
 * id are skipped rather than failing the list; a 404 means the Base URL is not the API.
 */
export function readModelList(answer: HttpAnswer, now: number): ApiResult<ListedModel[]> {
	const object = readJsonObject(answer, now);
	if (!object.ok)
		return object.failure.kind === 'notFound'
			? { ok: false, failure: { ...object.failure, kind: 'endpointNotFound' } }
			: object;
	const list = modelListSchema.safeParse(object.value);
	if (!list.success)
		return { ok: false, failure: refusalOrMalformed(answer.statusCode, object.value, 'noModels') };
	const models = list.data.data.flatMap((entry) => {
		const { id, supported_endpoint_types: types } = (entry ?? {}) as {
			id?: unknown;
			supported_endpoint_types?: unknown;
		};
		if (typeof id !== 'string' || id.trim() === '') return [];
		const endpointTypes = Array.isArray(types)
			? types.filter((type): type is string => typeof type === 'string')
			: [];
		return [{ id: id.trim(), endpointTypes }];
	});
	return { ok: true, value: models };
}

/**
 * A 2xx answer that is no task (`problem`): a refusal when it carries the API's message (an unknown
 * task when the message says so), a malformed answer when it does not.
 */
export function refusalOrMalformed(
	httpCode: number,
	json: IDataObject,
	problem: 'noStatus' | 'noId' | 'noModels',
): ApiFailure {
	const apiMessage = apiMessageOf(json);
	if (apiMessage === undefined) return { kind: 'invalidBody', httpCode, problem };
	return { kind: UNKNOWN_TASK.test(apiMessage) ? 'notFound' : 'rejected', httpCode, apiMessage };
}
