import {
	NodeApiError,
	NodeOperationError,
	type IDataObject,
	type INode,
	type JsonObject,
} from 'n8n-workflow';

import {
	isCertificateCode,
	isTlsCode,
	isUnreachable,
	createVerdictOf,
	type ApiFailure,
	type DownloadFailure,
	type RedirectTarget,
	type RetryAfter,
} from '../../transport/failure';
import { MAX_ANSWER_BYTES, MAX_ANSWER_DEPTH } from '../../transport/response';
import type { MediaKind } from '../../task/media';
import { shown } from '../parameters/options';
import type { FailedCreate } from '../../waiting/create';

/**
 * Every message here is one line that names the task and says what to do. None contains the API
 * key or a request header: they are built from classified failures, never from raw HTTP errors.
 */

const NETWORK_WORDS: Readonly<Record<string, string>> = {
	ECONNREFUSED: 'the connection was refused',
	ECONNRESET: 'the connection was dropped',
	EPIPE: 'the connection was dropped',
	ENOTFOUND: 'the host name was not found',
	EAI_AGAIN: 'the host name could not be looked up',
	EHOSTUNREACH: 'the host is unreachable',
	ENETUNREACH: 'the network is unreachable',
	ERR_BAD_RESPONSE: 'the answer was malformed',
	UNKNOWN: 'a network error',
};

function networkWords(code: string): string {
	if (isCertificateCode(code)) return 'its TLS certificate was not accepted';
	if (isTlsCode(code)) return 'the secure (TLS) connection failed';
	return NETWORK_WORDS[code] ?? `a network error (${code.toLowerCase()})`;
}

/** A subject such as `task "abc"` opening a sentence: `Task "abc"`. */
export const atSentenceStart = (subject: string) =>
	subject.charAt(0).toUpperCase() + subject.slice(1);

/** A duration for a message: 0.3 s, 30 s, 1800 s. */
export const formatSeconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;
const detail = (httpCode: number, apiMessage?: string) =>
	apiMessage ? `HTTP ${httpCode}: ${shortened(apiMessage)}` : `HTTP ${httpCode}`;

/** The most of the API's own words an error message quotes. */
const MAX_QUOTED_CHARS = 300;

/**
 * The API's words as an error message quotes them: a gateway may echo the whole request (a base64
 * image of megabytes) into its message, and the error must stay one line a user can read.
 */
export function shortened(text: string): string {
	if (text.length <= MAX_QUOTED_CHARS) return text;
	// Not half of a character written as two UTF-16 units.
	return `${text.slice(0, MAX_QUOTED_CHARS).replace(/[\uD800-\uDBFF]$/, '')}…`;
}

/**
 * What went wrong with a request to the Yunwu API about `subject` (a task, the create request, the
 * model list); `taskId` when the subject is a task, so an unknown one is told what to check.
 */
export function describeApiFailure(
	failure: ApiFailure,
	subject: string,
	baseUrl: string,
	taskId?: string,
): string {
	const checkBaseUrl = `Check that the Base URL in your Yunwu API credential (${baseUrl}) is the API address, such as https://yunwu.ai, with no path.`;
	switch (failure.kind) {
		case 'unauthorized':
			return `Yunwu rejected the API key (${detail(failure.httpCode, failure.apiMessage)}) for ${subject}. Check the API key in your Yunwu API credential.`;
		case 'forbidden':
			return `Yunwu refused access (${detail(failure.httpCode, failure.apiMessage)}) for ${subject}. Check that your key may use this model and that your account has balance left.`;
		case 'notFound':
			return `Yunwu does not know ${subject} (${detail(failure.httpCode, failure.apiMessage)}). ${unknownTaskAdvice(taskId)}`;
		case 'endpointNotFound':
			return `Yunwu has no such API address (${detail(failure.httpCode, failure.apiMessage)}) for ${subject}. ${checkBaseUrl}`;
		case 'redirected':
			return describeRedirect(failure.httpCode, failure.target, subject, checkBaseUrl);
		case 'rateLimited':
			return `Yunwu is rate-limiting requests (${detail(failure.httpCode, failure.apiMessage)}) for ${subject}. Wait a minute and retry, or run fewer tasks at once.`;
		case 'serverError':
			return failure.htmlPage
				? `Yunwu's gateway answered with an error page (HTTP ${failure.httpCode}) for ${subject}. The service is having trouble; retry in a few minutes.`
				: `Yunwu had a server error (${detail(failure.httpCode, failure.apiMessage)}) for ${subject}. Retry in a few minutes.`;
		case 'rejected':
			return `Yunwu rejected the request (${detail(failure.httpCode, failure.apiMessage)}) for ${subject}. Check the node's fields against the message.`;
		case 'invalidBody':
			return describeInvalidBody(failure, subject, checkBaseUrl);
		case 'network':
			return `Could not reach Yunwu at ${baseUrl} for ${subject}: ${networkWords(failure.code)}. Check the Base URL in your Yunwu API credential and the network, then retry.`;
		case 'requestTimeout':
			return `Yunwu did not answer within ${formatSeconds(failure.timeoutMs)} for ${subject}. Retry later, or raise Request Timeout in the node's options.`;
		case 'blocked':
			return `Could not reach Yunwu at ${baseUrl} for ${subject}: ${blockedWords(failure.host)}. Ask your n8n administrator to allow it, or check the Base URL in your Yunwu API credential.`;
	}
}

/** The model part of a task id ("veo3.1-fast:…" → "veo3.1-fast"), if it has one. */
export function modelPrefixOf(taskId: string): string | undefined {
	const colon = taskId.indexOf(':');
	return colon > 0 ? taskId.slice(0, colon) : undefined;
}

/**
 * What to check for a task Yunwu does not know: an id without a model prefix ("grok:") was most
 * likely cut short; one with a prefix was mistyped or created with another account's key.
 */
function unknownTaskAdvice(taskId?: string): string {
	const full = 'Use the full task ID returned when the task was created';
	return taskId !== undefined && modelPrefixOf(taskId) !== undefined
		? `${full}, with an API key of the account that created it.`
		: `${full}, including its prefix such as "grok:".`;
}

/** An answer that is not the JSON object the API sends. */
function describeInvalidBody(
	{ httpCode, problem, apiMessage }: Extract<ApiFailure, { kind: 'invalidBody' }>,
	subject: string,
	checkBaseUrl: string,
): string {
	switch (problem) {
		case 'html':
			return `Yunwu answered ${subject} with a web page instead of JSON (HTTP ${httpCode}). ${checkBaseUrl}`;
		case 'notJson':
			return `Yunwu answered ${subject} with something that is not JSON (HTTP ${httpCode}). ${checkBaseUrl}`;
		case 'notObject':
			return `Yunwu answered ${subject} with JSON that is not an object (HTTP ${httpCode}). ${checkBaseUrl}`;
		case 'tooDeep':
			return `Yunwu's answer for ${subject} is nested more than ${MAX_ANSWER_DEPTH} levels deep, which no task answer is (HTTP ${httpCode}). ${checkBaseUrl}`;
		case 'tooLarge':
			return `Yunwu's answer for ${subject} is larger than ${formatMegabytes(MAX_ANSWER_BYTES)}, which no task answer is (HTTP ${httpCode}). ${checkBaseUrl}`;
		case 'empty':
			return `Yunwu sent an empty answer (HTTP ${httpCode}) for ${subject}. Retry in a few minutes; if it persists: ${checkBaseUrl}`;
		case 'noStatus':
			return `Yunwu's answer for ${subject} has no status field (HTTP ${httpCode}). ${checkBaseUrl}`;
		case 'noId':
			return `Yunwu's answer for ${subject} has no task ID (${detail(httpCode, apiMessage)}).`;
		case 'noModels':
			return `Yunwu's answer for ${subject} holds no list of models (HTTP ${httpCode}). ${checkBaseUrl}`;
	}
}

/** n8n 2.x refuses addresses its SSRF settings (N8N_SSRF_*) block; a mirror's links may point at them. */
const blockedWords = (host?: string) =>
	`its address${host ? ` (${host})` : ''} is blocked by this n8n instance's SSRF protection`;

/** An API redirect, never followed: where it points (origin or scheme only) and what to change. */
function describeRedirect(
	httpCode: number,
	target: RedirectTarget,
	subject: string,
	checkBaseUrl: string,
): string {
	const answered = `The Base URL answered ${subject} with a redirect (HTTP ${httpCode}`;
	switch (target.kind) {
		case 'otherOrigin':
			return `${answered} to ${target.origin}), which the node does not follow so your key stays with Yunwu. Put the address it redirects to into the Base URL of your Yunwu API credential.`;
		case 'sameOrigin':
			return `${answered} to another path on ${target.origin}), which the node does not follow. ${checkBaseUrl}`;
		case 'loop':
			return `${answered} back to the same address on ${target.origin}), a redirect loop, which the node does not follow. ${checkBaseUrl}`;
		case 'notWeb':
			return `${answered} to a "${target.scheme}" address), which is not a web address and is not followed. ${checkBaseUrl}`;
		case 'none':
			return `${answered} that names no valid address), which the node does not follow. ${checkBaseUrl}`;
	}
}

/**
 * Yunwu asked (429 with Retry-After) for a longer pause than the Timeout leaves: the wait or the
 * create ends at once instead of sleeping past it.
 */
export function describeRetryAfterBeyondTimeout(
	failure: RetryAfter,
	before: string,
	leftMs: number,
): string {
	return `Yunwu asked to wait ${formatSeconds(failure.retryAfterMs)} before ${before} (${detail(failure.httpCode, failure.apiMessage)}), longer than the ${formatSeconds(leftMs)} left of Timeout. Raise Timeout in the options, or run fewer tasks at once.`;
}

/**
 * Additional Body Fields gives `model` or `prompt` (which it may override, as text) a value that is
 * not text: the request would be paid for with a model or prompt nobody meant.
 */
export function overrideNotTextMessage(itemIndex: number, field: string, value: unknown): string {
	return `Additional Body Fields of item ${itemIndex} sets "${field}" to ${shown(value)}, which is not text. Put the ${field} in quotes, or remove "${field}" from Additional Body Fields to send the one above.`;
}

/** The failed create proves that no task was created (see `CreateVerdict` in transport/failure.ts). */
const certainlyNotCreated = (failure: ApiFailure) => createVerdictOf(failure) !== 'mayExist';

/**
 * A failed create in the user's words, and whether it may have created a task (then it is not sent
 * again in this execution): `stopped` when the execution was stopped while it was under way.
 */
export function describeFailedCreate(
	created: FailedCreate,
	{ model, baseUrl, stopped }: { model: string; baseUrl: string; stopped: boolean },
): { message: string; taskMayExist: boolean } {
	const message = stopped
		? stoppedWhileCreatingMessage(created.failure, model)
		: 'timeLeftMs' in created
			? createRetryAfterBeyondTimeoutMessage(created.failure, model, created.timeLeftMs)
			: 'cutAtTimeoutMs' in created
				? createCutAtTimeoutMessage(model, created.cutAtTimeoutMs)
				: createFailureMessage(created.failure, model, baseUrl);
	const taskMayExist = !('timeLeftMs' in created) && !certainlyNotCreated(created.failure);
	return { message, taskMayExist };
}

/** Said of a create that certainly created nothing, where the user might fear a paid task. */
const NO_TASK_CREATED = 'No task was created.';

/** Said of a create request that reached Yunwu, or may have, without a clear answer. */
const TASK_MAY_EXIST =
	'The task may still have been created: check the task list in your Yunwu dashboard before running this node again (it was not retried, to avoid paying twice).';

/** A create sent again after a 429 had no answer within what was left of the item's Timeout. */
function createCutAtTimeoutMessage(model: string, timeoutMs: number): string {
	return `Yunwu did not answer the create request for model "${model}", sent again after a 429, within Timeout (${formatSeconds(timeoutMs)}). ${TASK_MAY_EXIST} Raise Timeout in the node's options.`;
}

/** The execution was stopped before the item's create request was sent. */
export const STOPPED_BEFORE_CREATING = "The node stopped before this item's task was created.";

/** Yunwu asked (429) for a longer pause before the create's retry than the item's Timeout leaves. */
function createRetryAfterBeyondTimeoutMessage(
	failure: RetryAfter,
	model: string,
	leftMs: number,
): string {
	return `${describeRetryAfterBeyondTimeout(failure, `retrying the create request for model "${model}"`, leftMs)} ${NO_TASK_CREATED}`;
}

/**
 * Said of a create request that may have created a task, when it is met again: in the same
 * execution (n8n's Retry On Fail re-ran the node) or in n8n's Retry of the failed execution.
 */
export function notSentAgainMessage(sameExecution: boolean): string {
	return sameExecution
		? 'It was not sent again when n8n re-ran the node (Retry On Fail).'
		: 'It was not sent again when n8n retried the execution: if your Yunwu dashboard shows no such task, run the workflow anew (a new execution) instead of retrying this one.';
}

/** The execution was stopped before the create had an answer: whether a task may exist is what matters. */
function stoppedWhileCreatingMessage(failure: ApiFailure, model: string): string {
	if (certainlyNotCreated(failure))
		return `The execution was stopped before a task was created for model "${model}".`;
	return `The execution was stopped while the create request for model "${model}" was under way. The task may still have been created: check the task list in your Yunwu dashboard before running this node again.`;
}

/**
 * A failed create, worded so nobody pays twice: when the request may have reached Yunwu (no
 * answer, a dropped connection, a 5xx), the task may exist, so the user is told to check before
 * running the node again.
 */
function createFailureMessage(failure: ApiFailure, model: string, baseUrl: string): string {
	const shown: ApiFailure = failure.kind === 'notFound' ? createNotFound(failure) : failure;
	const message = describeApiFailure(shown, `the create request for model "${model}"`, baseUrl);
	// Retried and still unreachable: the user may fear a task behind each attempt.
	if (certainlyNotCreated(failure))
		return isUnreachable(failure) ? `${message} ${NO_TASK_CREATED}` : message;
	return `${message} ${TASK_MAY_EXIST}`;
}

/**
 * A create answered as if a task were unknown is never about a task: a 404 is a wrong address,
 * unless it names the model (OpenAI's `model_not_found`); any other code ("Invalid task
 * parameters") is a refusal of the request.
 */
function createNotFound(failure: Extract<ApiFailure, { kind: 'notFound' }>): ApiFailure {
	const wrongAddress = failure.httpCode === 404 && !/model/i.test(failure.apiMessage ?? '');
	return { ...failure, kind: wrongAddress ? 'endpointNotFound' : 'rejected' };
}

/** Bytes as megabytes of 1,000,000, as Max File Size counts them: 2048 MB, 0.5 MB, 3.146 MB. */
const formatMegabytes = (bytes: number) => `${Math.round(bytes / 1000) / 1000} MB`;

/** What went wrong downloading a completed task's video or thumbnail; `subject` names the task (`task "<id>"`). */
export function describeDownloadFailure(
	failure: DownloadFailure,
	subject: string,
	kind: MediaKind,
	attempts: number,
): string {
	const file = kind === 'video' ? 'video' : 'thumbnail';
	const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
	const withoutIt = `Turn off Download ${kind === 'video' ? 'Video' : 'Thumbnail'} to output the task without it.`;
	const misbehaving = 'The file host is misbehaving: retry later, or generate the video again.';
	switch (failure.kind) {
		case 'badUrl':
			return `${atSentenceStart(subject)} is completed but its ${file} URL is not a web address. ${withoutIt}`;
		case 'blocked':
			return `The ${file} of ${subject} was not downloaded: ${blockedWords(failure.host)}. If you trust that file host, ask your n8n administrator to allow it, or turn off Download ${kind === 'video' ? 'Video' : 'Thumbnail'} to output the task without it.`;
		case 'redirectLoop':
			return `The ${file} link of ${subject} redirects in a loop, back to an address it already passed through. ${misbehaving}`;
		case 'tooManyRedirects':
			return `The ${file} link of ${subject} redirected more than ${failure.limit} times without reaching the file. ${misbehaving}`;
		case 'redirectNotWeb': {
			const target = failure.scheme ? `a "${failure.scheme}" address` : 'an invalid address';
			return `The ${file} link of ${subject} redirects to ${target}; only http and https addresses are downloaded. ${withoutIt}`;
		}
		case 'tooSlow':
			return `The ${file} download of ${subject} was too slow${tries}: ${failure.receivedBytes} bytes in ${formatSeconds(failure.periodMs)}, below the Minimum Download Speed of ${failure.minBytesPerSecond / 1000} KB/s; no partial file was passed on. Retry later, or lower Minimum Download Speed in the node's options (0 turns the check off).`;
		case 'tooLarge':
			return failure.declaredBytes !== undefined
				? `The ${file} of ${subject} is ${formatMegabytes(failure.declaredBytes)}, more than the Max File Size of ${formatMegabytes(failure.maxBytes)}, so it was not downloaded. Raise Max File Size in the node's options to accept it.`
				: `The ${file} download of ${subject} grew past the Max File Size of ${formatMegabytes(failure.maxBytes)} and was stopped; no partial file was passed on. Raise Max File Size in the node's options if the file really is that large.`;
		case 'empty':
			return `The ${file} of ${subject} arrived empty (0 bytes)${tries}. Retry the execution later; if it stays empty, generate the video again.`;
		case 'expired':
			return `The ${file} link of ${subject} has expired or is no longer accessible (HTTP ${failure.httpCode}). Yunwu's file links expire a while after completion: download sooner, or generate the video again.`;
		case 'refused':
			return `The file host refused the ${file} of ${subject} (HTTP ${failure.httpCode}). Retry later, or generate the video again.`;
		case 'hostError':
			return `The file host could not deliver the ${file} of ${subject}${tries} (HTTP ${failure.httpCode}). Retry the execution later.`;
		case 'network':
			return `Could not download the ${file} of ${subject}${tries}: ${networkWords(failure.code)}. Retry the execution later.`;
		case 'requestTimeout':
			return `The ${file} download of ${subject} stalled for ${formatSeconds(failure.timeoutMs)}${tries}. Retry later, or raise Request Timeout in the node's options.`;
		case 'incomplete': {
			const { expectedBytes, receivedBytes } = failure;
			// A decoded (gzip, br) body outgrows its Content-Length: then only the promise is shown.
			const sizes =
				expectedBytes === undefined
					? ''
					: receivedBytes === undefined || receivedBytes >= expectedBytes
						? ` (${expectedBytes} bytes were promised)`
						: ` (${receivedBytes} of ${expectedBytes} bytes)`;
			return `The ${file} download of ${subject} broke off${tries}${sizes}; no partial file was passed on. Retry the execution.`;
		}
		case 'partial':
			return `The file host sent only part of the ${file} of ${subject} (HTTP ${failure.httpCode})${tries}; no partial file was passed on. Retry the execution later.`;
		case 'notMedia':
			return `The ${file} link of ${subject} returned a page (${failure.contentType}) instead of the file: the link has probably expired. Download sooner after completion, or generate the video again.`;
		case 'cancelled':
			return `The ${file} download of ${subject} was cancelled.`;
	}
}

/** An error for the item, carrying the HTTP code when there is one, and the task's fields when known. */
export function taskError(
	node: INode,
	message: string,
	itemIndex: number,
	extras: {
		taskId?: string;
		httpCode?: number;
		task?: IDataObject;
		taskMayExist?: boolean;
		/** The kind of API failure, from which an AI Agent's tool words the model's next step. */
		failureKind?: ApiFailure['kind'];
	} = {},
): NodeApiError | NodeOperationError {
	const error =
		extras.httpCode !== undefined
			? new NodeApiError(node, { message } as JsonObject, {
					message,
					httpCode: String(extras.httpCode),
					itemIndex,
				})
			: new NodeOperationError(node, message, { itemIndex });
	if (extras.taskId !== undefined) error.context.taskId = extras.taskId;
	if (extras.task) error.context.task = extras.task;
	// A create request that may have created a task whose id never came back.
	if (extras.taskMayExist) error.context.taskMayExist = true;
	if (extras.failureKind) error.context.failureKind = extras.failureKind;
	return error;
}

export function httpCodeOf(failure: ApiFailure | DownloadFailure): number | undefined {
	return 'httpCode' in failure ? failure.httpCode : undefined;
}
