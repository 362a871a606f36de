import type { IDataObject } from 'n8n-workflow';

import type { TaskAnswer } from './schema';
import { toTaskState } from './state';

/** Below this a timestamp is read as seconds: 1e11 s lies in the year 5138, 1e11 ms in 1973. */
const SECONDS_LIMIT = 1e11;
/** Smaller numbers are durations (`elapsed_time: 45`), not epoch times: 1e9 s is September 2001. */
const EPOCH_MIN = 1e9;

/** Fields the API sends as epoch times, by name. */
const TIMESTAMP_FIELD = /(_at|_time|^created|^updated|^timestamp)$/;

/** Reads an epoch time given in seconds or milliseconds (number or numeric string) as ISO 8601. */
export function toIsoTime(value: unknown): string | null {
	const millis = toEpochMs(value);
	const date = new Date(millis ?? NaN);
	return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** An epoch time given in seconds or milliseconds (number or numeric string) in milliseconds, or undefined. */
export function toEpochMs(value: unknown): number | undefined {
	const numeric =
		typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
	if (typeof numeric !== 'number' || !Number.isFinite(numeric) || numeric < EPOCH_MIN)
		return undefined;
	return numeric < SECONDS_LIMIT ? numeric * 1000 : numeric;
}

/** The API's progress as a number (it may send "45%" or "45"), or null when it sent none. */
export function toProgress(value: unknown): number | null {
	if (typeof value === 'number' && Number.isFinite(value)) return value;
	if (typeof value === 'string') {
		const parsed = Number.parseFloat(value.replace('%', '').trim());
		if (Number.isFinite(parsed)) return parsed;
	}
	return null;
}

/** Turns the API's `error` (string, `{ code, message }` object, empty or missing) into one readable line, or null. */
export function readableApiError(error: unknown): string | null {
	if (typeof error === 'string') return oneLine(error) || null;
	if (error && typeof error === 'object') {
		const { message, code, type } = error as { message?: unknown; code?: unknown; type?: unknown };
		const text = typeof message === 'string' ? oneLine(message) : '';
		const tag = [code, type].find(
			(part) => (typeof part === 'string' && part.trim() !== '') || typeof part === 'number',
		);
		if (text && tag !== undefined && String(tag) !== text) return `${text} (${String(tag)})`;
		if (text) return text;
		if (tag !== undefined) return String(tag);
		const rest = Object.entries(error).filter(
			([key, value]) => !['message', 'code', 'type'].includes(key) && value !== '' && value != null,
		);
		return rest.length > 0 ? JSON.stringify(Object.fromEntries(rest)) : null;
	}
	return null;
}

export function oneLine(text: string): string {
	return text.replace(/\s+/g, ' ').trim();
}

/**
 * The fields a task answer gives its failure's reason in, first found first: `error` (a string or
 * `{ code, message }`), `error_message` (docs/yunwu-api.md), `fail_reason` (new-api's task
 * record), `task_status_msg` (Kling), `err_code` (Vidu).
 */
const REASON_FIELDS = [
	'error',
	'error_message',
	'fail_reason',
	'task_status_msg',
	'err_code',
] as const;

/**
 * Why the task failed, in one line, from the first reason field that says something in words; else
 * from the first that holds anything (a bare code: `{"code": 0}` beside a `fail_reason` is no reason).
 */
export function failureReasonOf(answer: TaskAnswer): string | null {
	const reasons = REASON_FIELDS.map((field) => ({
		reason: readableApiError(answer[field]),
		inWords: hasWords(answer[field]),
	}));
	return (
		reasons.find(({ reason, inWords }) => reason && inWords)?.reason ??
		reasons.find(({ reason }) => reason)?.reason ??
		null
	);
}

/** A reason field that holds words: text, or an error object's `message`. */
function hasWords(value: unknown): boolean {
	const text =
		value !== null && typeof value === 'object' ? (value as { message?: unknown }).message : value;
	return typeof text === 'string' && oneLine(text) !== '';
}

/**
 * The item a node outputs for one task answer. The node's own fields come first, so they are told
 * apart from the API's at a glance: `task_id` (as queried, since the answer's own `id` may lack the
 * model prefix), `state`, `progress`, `error_message`, then the operation's `nodeFields` (the
 * wait's `timed_out`, `polls`, `waited_ms`). Then every field the API sent, under its own name and
 * value, each epoch timestamp followed by its ISO 8601 twin. Should the API itself
 * send a field under one of the node's own names with another value, its value is kept as
 * `api_<name>`.
 */
export function shapeTaskOutput(
	taskId: string,
	answer: TaskAnswer,
	nodeFields: IDataObject = {},
): IDataObject {
	const derived: IDataObject = {
		task_id: taskId,
		state: toTaskState(answer.status),
		progress: toProgress(answer.progress),
		error_message: failureReasonOf(answer),
		...nodeFields,
	};
	const output: IDataObject = { ...derived };
	for (const [key, value] of Object.entries(answer)) {
		// Own fields only: `in` would also find `constructor` or `toString` on Object.prototype.
		if (!Object.hasOwn(derived, key)) output[key] = value as IDataObject[string];
		else if (key !== 'progress' && value !== derived[key])
			output[`api_${key}`] = value as IDataObject[string];
		const iso = TIMESTAMP_FIELD.test(key) ? toIsoTime(value) : null;
		if (iso) output[`${key}_iso`] = iso;
	}
	return output;
}
