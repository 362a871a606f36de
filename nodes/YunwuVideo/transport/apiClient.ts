import { randomUUID } from 'node:crypto';
import {
	NodeOperationError,
	type ICredentialDataDecryptedObject,
	type ICredentialTestFunctions,
	type IDataObject,
	type IExecuteFunctions,
	type IHttpRequestOptions,
	type ILoadOptionsFunctions,
} from 'n8n-workflow';

import { failureFromException, type ApiFailure, type ApiResult } from './failure';
import { MAX_TIMER_MS, pause } from './pause';
import { MAX_ANSWER_BYTES, readModelList, type HttpAnswer, type ListedModel } from './response';
import { isWebAddress } from './url';

/** The credential whose key authenticates every request to the API's origin. */
export const CREDENTIAL_TYPE = 'yunwuApi';

/**
 * One request to the API: a path under the Base URL, with a query string or a body, JSON or (with
 * `multipart`) a form whose `{ base64, mimeType, fileName }` values are files.
 */
export interface ApiRequest {
	method: 'GET' | 'POST';
	path: string;
	qs?: IDataObject;
	body?: IDataObject;
	multipart?: boolean;
}

/** A file in a multipart body. */
interface FormFile {
	base64: string;
	mimeType: string;
	fileName: string;
}

const isFormFile = (value: unknown): value is FormFile =>
	typeof value === 'object' &&
	value !== null &&
	typeof (value as FormFile).base64 === 'string' &&
	typeof (value as FormFile).mimeType === 'string';

/** `fields` as a multipart/form-data body: files as file parts, objects as JSON, the rest as text. */
function multipartOf(fields: IDataObject): { body: Buffer; contentType: string } {
	const boundary = `----n8n-yunwu-${randomUUID()}`;
	const quoted = (text: string) => text.replace(/["\r\n]/g, '_');
	const parts = Object.entries(fields).flatMap(([name, value]) => {
		if (value === undefined || value === null) return [];
		const head = `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(name)}"`;
		if (isFormFile(value))
			return [
				Buffer.from(
					`${head}; filename="${quoted(value.fileName)}"\r\nContent-Type: ${value.mimeType}\r\n\r\n`,
				),
				Buffer.from(value.base64, 'base64'),
				Buffer.from('\r\n'),
			];
		const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
		return [Buffer.from(`${head}\r\n\r\n${text}\r\n`)];
	});
	return {
		body: Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]),
		contentType: `multipart/form-data; boundary=${boundary}`,
	};
}

/** A request that got no usable HTTP answer, or an answer too large or too slow to read. */
type ApiFailed = { ok: false; failure: ApiFailure };
const DEFAULT_BASE_URL = 'https://yunwu.ai';
/** Yunwu's keys are `sk-` and 48 characters; anything this long does not turn up in an answer by chance. */
const MIN_REDACTED_KEY_LENGTH = 8;

/**
 * The credential's base URL without trailing slashes or a trailing `/v1` (OpenAI-style gateways
 * are often entered with it; the paths here add it), or the default when it is blank. One typed
 * without a scheme ("yunwu.ai") is taken as https, as a browser's address bar does; messages show
 * the address with the scheme, so a server that speaks only http is named as asked.
 */
export function normaliseBaseUrl(value: unknown): string {
	const text = typeof value === 'string' ? value.trim() : '';
	const address = text || DEFAULT_BASE_URL;
	const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(address) ? address : `https://${address}`;
	return withScheme.replace(/\/+$/, '').replace(/\/v1$/i, '');
}

/** The message for a Base URL that is not an http(s) address. */
export const NOT_A_WEB_ADDRESS = `The Base URL in your Yunwu API credential is not a web address. Enter the API address, such as ${DEFAULT_BASE_URL}.`;

/** The base URL as shown in messages: no user name, password or query, which may hold secrets. */
function shownUrl(baseUrl: string): string {
	const url = new URL(baseUrl);
	return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** The contexts the client works in: a running node, and the panel loading a list. */
type ApiContext = IExecuteFunctions | ILoadOptionsFunctions;

/** One HTTP request to the API, its URL whole, as a Sender sends it. */
type HttpRequest = Pick<IHttpRequestOptions, 'method' | 'url' | 'qs' | 'body' | 'headers'>;

/** An HTTP answer of any status, its body still to be read. */
interface RawAnswer {
	statusCode: number;
	headers: Record<string, unknown>;
	body: AnswerStream;
}

/**
 * Sends one request with the key, never following a redirect; throws when no HTTP answer came.
 * A node run and the credential test get different helpers from n8n, so each has its own.
 */
type Sender = (request: HttpRequest, timeoutMs: number) => Promise<RawAnswer>;

/**
 * The Yunwu API: the only code that talks to it. Authentication goes through n8n's credential
 * mechanism (the credential's Bearer header), and only to the API's own origin: redirects are not
 * followed.
 */
export class YunwuApiClient {
	/** The base URL as messages show it. */
	readonly shownBaseUrl: string;
	private answered = false;

	private constructor(
		private readonly sender: Sender,
		private readonly baseUrl: string,
		private readonly apiKey: string,
	) {
		this.shownBaseUrl = shownUrl(baseUrl);
	}

	/**
	 * Whether the API has given any HTTP answer (of any status) to this node's requests: then the
	 * Base URL leads to a server, and a connection failure is an outage, not a wrong address.
	 */
	get hasAnswered(): boolean {
		return this.answered;
	}

	/** The API's origin: the only one the key may be sent to (downloads check their URLs against it). */
	get origin(): string {
		return new URL(this.baseUrl).origin;
	}

	static async forNode(context: ApiContext): Promise<YunwuApiClient> {
		const credentials = await context.getCredentials(CREDENTIAL_TYPE);
		const baseUrl = normaliseBaseUrl(credentials.baseUrl);
		if (!isWebAddress(baseUrl)) throw new NodeOperationError(context.getNode(), NOT_A_WEB_ADDRESS);
		// n8n's credential mechanism adds the key (the credential's Bearer header).
		const send: Sender = async (request, timeoutMs) =>
			(await context.helpers.httpRequestWithAuthentication.call(context, CREDENTIAL_TYPE, {
				...request,
				json: false,
				// Streamed and read here: n8n's timeout only measures silence once an answer has begun,
				// so a body trickled a byte at a time would never end the request.
				encoding: 'stream',
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
				timeout: timeoutMs,
				// The API never needs a redirect: following one could carry the key to another host.
				disableFollowRedirect: true,
			})) as RawAnswer;
		return new YunwuApiClient(send, baseUrl, keyOf(credentials));
	}

	/**
	 * For the credential test, or undefined when the Base URL is not a web address. n8n gives a
	 * credential test only its legacy `request` helper (n8n-core's CredentialTestContext), without
	 * the credential mechanism, so the key is added here, in the same header the credential's
	 * `authenticate` defines, and redirects are not followed, so it goes only to the Base URL.
	 */
	static forCredentialTest(
		context: ICredentialTestFunctions,
		credentials: ICredentialDataDecryptedObject,
	): YunwuApiClient | undefined {
		const baseUrl = normaliseBaseUrl(credentials.baseUrl);
		if (!isWebAddress(baseUrl)) return undefined;
		const apiKey = keyOf(credentials);
		const send: Sender = async (request, timeoutMs) => {
			// The test only lists models: a GET, with no body to send.
			const answer = (await context.helpers.request({
				uri: request.url,
				method: request.method,
				qs: request.qs,
				headers: { ...request.headers, Authorization: `Bearer ${apiKey}` },
				followRedirect: false,
				followAllRedirects: false,
				resolveWithFullResponse: true,
				// Any status is an answer, its body streamed and read like a node run's (so bounded).
				simple: false,
				useStream: true,
				timeout: timeoutMs,
			})) as { statusCode: number; headers?: Record<string, unknown>; body: AnswerStream };
			return { statusCode: answer.statusCode, headers: answer.headers ?? {}, body: answer.body };
		};
		return new YunwuApiClient(send, baseUrl, apiKey);
	}

	/** Where `path` (such as `/v1/videos/<id>/content`) is on the API: the key may go there. */
	urlOf(path: string): string {
		return `${this.baseUrl}${path}`;
	}

	/**
	 * Sends one request to the API (a path under the Base URL) and reads its answer as text; what
	 * the answer means is for the API's own file to say. A create is never retried here.
	 */
	async call(request: ApiRequest, timeoutMs: number): Promise<HttpAnswer | ApiFailed> {
		const { method, path, qs, body, multipart } = request;
		const form = body && multipart ? multipartOf(body) : undefined;
		return await this.send(
			{
				method,
				url: this.urlOf(path),
				...(qs ? { qs } : {}),
				...(form ? { body: form.body, headers: { 'Content-Type': form.contentType } } : {}),
				...(body && !form ? { body, headers: { 'Content-Type': 'application/json' } } : {}),
			},
			timeoutMs,
		);
	}

	/** `GET /v1/models`: the models this key may use, as the gateway lists them. */
	async listModels(timeoutMs: number): Promise<ApiResult<ListedModel[]>> {
		const answer = await this.send({ method: 'GET', url: `${this.baseUrl}/v1/models` }, timeoutMs);
		return 'failure' in answer ? answer : readModelList(answer, Date.now());
	}

	private async send(request: HttpRequest, timeoutMs: number): Promise<HttpAnswer | ApiFailed> {
		const startedAt = Date.now();
		let response: RawAnswer;
		try {
			response = await this.sender(
				{ ...request, headers: { Accept: 'application/json', ...request.headers } },
				// A limit beyond Node's longest timer would otherwise end the request after 1 ms.
				Math.min(timeoutMs, MAX_TIMER_MS),
			);
		} catch (error) {
			return { ok: false, failure: failureFromException(error, timeoutMs) };
		}
		this.answered = true;
		const body = await readWithin(response.body, startedAt + timeoutMs - Date.now());
		if ('late' in body) return { ok: false, failure: { kind: 'requestTimeout', timeoutMs } };
		if ('tooLarge' in body)
			return {
				ok: false,
				failure: { kind: 'invalidBody', httpCode: response.statusCode, problem: 'tooLarge' },
			};
		if ('broken' in body)
			return { ok: false, failure: failureFromException(body.broken, timeoutMs) };
		// The body is kept as text so an HTML page or broken JSON becomes a clear message, not a crash.
		return {
			url: request.url,
			statusCode: response.statusCode,
			headers: response.headers ?? {},
			body: this.withoutKey(body.text),
		};
	}

	/**
	 * The answer without the API key: a gateway that echoes the key it was sent ("Invalid token:
	 * Bearer sk-…") would otherwise put it into error messages and outputs. A key too short to be
	 * told apart from ordinary text is left alone.
	 */
	private withoutKey(text: string): string {
		return this.apiKey.length >= MIN_REDACTED_KEY_LENGTH
			? text.split(this.apiKey).join('[API key]')
			: text;
	}
}

/** The parts of a response stream read here, without importing `stream`. */
type AnswerStream = AsyncIterable<Uint8Array> & { destroy(error?: Error): void };

function keyOf(credentials: ICredentialDataDecryptedObject): string {
	return typeof credentials.apiKey === 'string' ? credentials.apiKey.trim() : '';
}

/**
 * A whole answer body as text (without a byte order mark), or why not: it did not arrive within
 * `ms`, it grew past MAX_ANSWER_BYTES (then it is not read further), or the connection broke.
 */
async function readWithin(
	body: AnswerStream,
	ms: number,
): Promise<{ text: string } | { late: true } | { tooLarge: true } | { broken: unknown }> {
	const finished = new AbortController();
	let late = false;
	void pause(ms, finished.signal).then(() => {
		if (finished.signal.aborted) return;
		late = true;
		body.destroy();
	});
	const chunks: Uint8Array[] = [];
	let size = 0;
	try {
		for await (const chunk of body) {
			chunks.push(chunk);
			size += chunk.length;
			if (size > MAX_ANSWER_BYTES) {
				body.destroy();
				return { tooLarge: true };
			}
		}
	} catch (error) {
		return late ? { late } : { broken: error };
	} finally {
		finished.abort();
	}
	return late
		? { late }
		: {
				text: Buffer.concat(chunks)
					.toString('utf8')
					.replace(/^\uFEFF/, ''),
			};
}
