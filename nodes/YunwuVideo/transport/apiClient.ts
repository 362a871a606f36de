import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type IHttpRequestOptions,
	type ILoadOptionsFunctions,
} from 'n8n-workflow';

import type { TaskAnswer } from '../task/schema';
import { failureFromException, type ApiResult, type ConnectionFailure } from './failure';
import { readCreatedTask, readModelList, readTaskAnswer, type HttpAnswer, type ListedModel } from './response';
import { pause } from './pause';
import { isWebAddress } from './url';

const CREDENTIAL_TYPE = 'yunwuApi';
const DEFAULT_BASE_URL = 'https://yunwu.ai';

/**
 * The credential's base URL without trailing slashes or a trailing `/v1` (OpenAI-style gateways
 * are often entered with it; the paths here add it), or the default when it is blank.
 */
export function normaliseBaseUrl(value: unknown): string {
	const text = typeof value === 'string' ? value.trim() : '';
	return (text || DEFAULT_BASE_URL).replace(/\/+$/, '').replace(/\/v1$/i, '');
}

/** The base URL as shown in messages: no user name, password or query, which may hold secrets. */
function shownUrl(baseUrl: string): string {
	const url = new URL(baseUrl);
	return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** The contexts the client works in: a running node, and the panel loading a list. */
type ApiContext = IExecuteFunctions | ILoadOptionsFunctions;

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
		private readonly context: ApiContext,
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
		if (!isWebAddress(baseUrl)) {
			throw new NodeOperationError(
				context.getNode(),
				`The Base URL in your Yunwu API credential is not a web address. Enter the API address, such as ${DEFAULT_BASE_URL}.`,
			);
		}
		return new YunwuApiClient(context, baseUrl, typeof credentials.apiKey === 'string' ? credentials.apiKey.trim() : '');
	}

	/** `GET /v1/video/query?id=`: one look-up of a task's status. */
	async queryTask(taskId: string, timeoutMs: number): Promise<ApiResult<TaskAnswer>> {
		const answer = await this.send(
			{ method: 'GET', url: `${this.baseUrl}/v1/video/query`, qs: { id: taskId } },
			timeoutMs,
		);
		return 'failure' in answer ? answer : readTaskAnswer(answer, Date.now());
	}

	/** `POST /v1/video/create`: submits a new (paid) task. Never retried by the caller. */
	async createTask(body: IDataObject, timeoutMs: number): Promise<ApiResult<IDataObject & { id: string }>> {
		const answer = await this.send(
			{ method: 'POST', url: `${this.baseUrl}/v1/video/create`, body, headers: { 'Content-Type': 'application/json' } },
			timeoutMs,
		);
		return 'failure' in answer ? answer : readCreatedTask(answer, Date.now());
	}

	/** `GET /v1/models`: the models this key may use, as the gateway lists them. */
	async listModels(timeoutMs: number): Promise<ApiResult<ListedModel[]>> {
		const answer = await this.send({ method: 'GET', url: `${this.baseUrl}/v1/models` }, timeoutMs);
		return 'failure' in answer ? answer : readModelList(answer, Date.now());
	}

	private async send(
		request: Pick<IHttpRequestOptions, 'method' | 'url' | 'qs' | 'body' | 'headers'>,
		timeoutMs: number,
	): Promise<HttpAnswer | { ok: false; failure: ConnectionFailure }> {
		const startedAt = Date.now();
		try {
			// The body is read as a stream, as text, so an HTML page or broken JSON becomes a clear
			// message, not a crash, and an answer that trickles is cut when the time is up (n8n's
			// `timeout` only bounds silence).
			const response = (await this.context.helpers.httpRequestWithAuthentication.call(
				this.context,
				CREDENTIAL_TYPE,
				{
					...request,
					headers: { Accept: 'application/json', ...request.headers },
					json: false,
					encoding: 'stream',
					returnFullResponse: true,
					ignoreHttpStatusErrors: true,
					timeout: timeoutMs,
					// The API never needs a redirect: following one could carry the key to another host.
					disableFollowRedirect: true,
				},
			)) as { statusCode: number; headers: Record<string, unknown>; body: AnswerStream };
			const read = await readWithin(response.body, startedAt + timeoutMs);
			if (!read.ok) return { ok: false, failure: read.error === undefined ? { kind: 'requestTimeout', timeoutMs } : failureFromException(read.error, timeoutMs) };
			this.answered = true;
			return { url: request.url, statusCode: response.statusCode, headers: response.headers ?? {}, body: this.withoutKey(read.text) };
		} catch (error) {
			return { ok: false, failure: failureFromException(error, timeoutMs) };
		}
	}

	/** An answer with the key blotted out: a gateway that echoes it must not put it in a message, a log line or an output. */
	private withoutKey(text: string): string {
		return this.apiKey.length >= MIN_HIDDEN_KEY_LENGTH ? text.split(this.apiKey).join('***') : text;
	}
}

/** Shortest key hidden in answers: a shorter one would blot out ordinary words. */
const MIN_HIDDEN_KEY_LENGTH = 8;

/** The parts of the answer's stream read here, without importing `stream`. */
interface AnswerStream extends AsyncIterable<unknown> {
	destroy(): void;
}

/** The whole body as text; or no error when it had not ended by `deadline` (the stream is then destroyed). */
async function readWithin(stream: AnswerStream, deadline: number): Promise<{ ok: true; text: string } | { ok: false; error?: unknown }> {
	const finished = new AbortController();
	let timedOut = false;
	void pause(deadline - Date.now(), finished.signal).then(() => {
		if (finished.signal.aborted) return;
		timedOut = true;
		stream.destroy();
	});
	const chunks: Buffer[] = [];
	try {
		for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
	} catch (error) {
		if (!timedOut) return { ok: false, error };
	} finally {
		finished.abort();
	}
	return timedOut ? { ok: false } : { ok: true, text: Buffer.concat(chunks).toString('utf8') };
}
