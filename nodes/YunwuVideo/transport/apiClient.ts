import type { IDataObject, IExecuteFunctions, IHttpRequestOptions } from 'n8n-workflow';

import type { TaskAnswer } from '../task/schema';
import { failureFromException, type ApiResult, type ConnectionFailure } from './failure';
import { readCreatedTask, readTaskAnswer, type HttpAnswer } from './response';

const CREDENTIAL_TYPE = 'yunwuApi';
const DEFAULT_BASE_URL = 'https://yunwu.ai';

/** The credential's base URL without trailing slashes, or the default when it is blank. */
function normaliseBaseUrl(value: unknown): string {
	const text = typeof value === 'string' ? value.trim() : '';
	return (text || DEFAULT_BASE_URL).replace(/\/+$/, '');
}

/**
 * The Yunwu API: the only code that talks to it. Authentication goes through n8n's credential
 * mechanism (the credential's Bearer header), and only to the API's own origin: a redirect to
 * another origin does not carry the key.
 */
export class YunwuApiClient {
	private constructor(
		private readonly context: IExecuteFunctions,
		readonly baseUrl: string,
	) {}

	static async forNode(context: IExecuteFunctions): Promise<YunwuApiClient> {
		const credentials = await context.getCredentials(CREDENTIAL_TYPE);
		return new YunwuApiClient(context, normaliseBaseUrl(credentials.baseUrl));
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

	private async send(
		request: Pick<IHttpRequestOptions, 'method' | 'url' | 'qs' | 'body' | 'headers'>,
		timeoutMs: number,
	): Promise<HttpAnswer | { ok: false; failure: ConnectionFailure }> {
		try {
			// The body is read as text so an HTML page or broken JSON becomes a clear message, not a crash.
			const response = (await this.context.helpers.httpRequestWithAuthentication.call(
				this.context,
				CREDENTIAL_TYPE,
				{
					...request,
					headers: { Accept: 'application/json', ...request.headers },
					json: false,
					encoding: 'text',
					returnFullResponse: true,
					ignoreHttpStatusErrors: true,
					timeout: timeoutMs,
					sendCredentialsOnCrossOriginRedirect: false,
				},
			)) as { statusCode: number; headers: Record<string, unknown>; body: unknown };
			return {
				statusCode: response.statusCode,
				headers: response.headers ?? {},
				body: bodyText(response.body),
			};
		} catch (error) {
			return { ok: false, failure: failureFromException(error, timeoutMs) };
		}
	}
}

function bodyText(body: unknown): string {
	if (typeof body === 'string') return body;
	if (body === undefined || body === null) return '';
	if (Buffer.isBuffer(body)) return body.toString('utf8');
	return JSON.stringify(body);
}
