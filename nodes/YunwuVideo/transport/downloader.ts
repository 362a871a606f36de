import type { IBinaryData, IExecuteFunctions, IHttpRequestOptions } from 'n8n-workflow';

import { chooseFileName, chooseMimeType, promisedLength, type MediaKind } from '../task/media';
import { MAX_TIMER_MS, pause } from './pause';
import { failureFromException, type DownloadFailure } from './failure';
import { CREDENTIAL_TYPE } from './apiClient';
import { isWebAddress } from './url';

/** Redirects followed per attempt: a CDN hand-off needs one or two. */
const MAX_REDIRECTS = 5;
const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);

export interface DownloadRequest {
	url: string;
	taskId: string;
	kind: MediaKind;
	/** The API's origin: a URL there is fetched with the key (gateways serve content behind it), any other without. */
	apiOrigin: string;
	/** Limit for the answer to start and for any pause in the data once it flows; also the speed check's period. */
	timeoutMs: number;
	/** The least average speed over each `timeoutMs` period; 0 turns the check off. */
	minBytesPerSecond: number;
	/** The largest file accepted. */
	maxBytes: number;
	signal: AbortSignal;
}

export type DownloadResult =
	| { ok: true; binary: IBinaryData }
	| { ok: false; failure: DownloadFailure };

/** The parts of the response stream the download relies on, without importing `stream`. */
interface ResponseStream {
	destroy(error?: Error): void;
	prependListener(event: 'data', listener: (chunk: { length: number }) => void): void;
}

interface StreamResponse {
	statusCode: number;
	headers: Record<string, unknown>;
	body: ResponseStream;
}

type Opened = { ok: true; response: StreamResponse } | { ok: false; failure: DownloadFailure };

/**
 * Downloads one file into n8n's binary data, streamed (n8n writes it to disk in filesystem mode
 * without holding it in memory), within the request's time, speed and size limits. One attempt;
 * the caller retries. Only a whole file is returned.
 */
export async function downloadOnce(
	context: IExecuteFunctions,
	request: DownloadRequest,
): Promise<DownloadResult> {
	if (!isWebAddress(request.url)) return { ok: false, failure: { kind: 'badUrl' } };
	if (request.signal.aborted) return { ok: false, failure: { kind: 'cancelled' } };
	// Ends this attempt's connection: on the execution's stop, or when a limit is crossed.
	const cutOff = new AbortController();
	const relay = () => cutOff.abort();
	request.signal.addEventListener('abort', relay, { once: true });
	try {
		const opened = await openFollowingRedirects(context, request, cutOff.signal);
		return opened.ok ? await receive(context, request, opened.response, cutOff) : opened;
	} finally {
		request.signal.removeEventListener('abort', relay);
	}
}

/**
 * Requests the URL, following redirects here rather than in n8n (which would send the key on to
 * another origin): the key goes only to the API's origin, and once a redirect has left that
 * origin, never again. Loops, long chains and non-web targets end the attempt.
 */
async function openFollowingRedirects(
	context: IExecuteFunctions,
	request: DownloadRequest,
	signal: AbortSignal,
): Promise<Opened> {
	const visited = new Set<string>();
	let url = request.url;
	let keyed = true;
	for (let redirects = 0; ; redirects++) {
		keyed &&= new URL(url).origin === request.apiOrigin;
		visited.add(url);
		let response: StreamResponse;
		try {
			response = await send(context, url, keyed, request.timeoutMs, signal);
		} catch (error) {
			return {
				ok: false,
				failure: request.signal.aborted
					? { kind: 'cancelled' }
					: failureFromException(error, request.timeoutMs),
			};
		}
		const location = response.headers.location;
		if (!REDIRECT_CODES.has(response.statusCode) || typeof location !== 'string' || location === '')
			return { ok: true, response };
		response.body.destroy();
		const target = resolveLocation(location, url);
		if (!target || !isWebAddress(target))
			return {
				ok: false,
				failure: { kind: 'redirectNotWeb', scheme: target && new URL(target).protocol },
			};
		if (visited.has(target)) return { ok: false, failure: { kind: 'redirectLoop' } };
		if (redirects >= MAX_REDIRECTS)
			return { ok: false, failure: { kind: 'tooManyRedirects', limit: MAX_REDIRECTS } };
		url = target;
	}
}

function resolveLocation(location: string, base: string): string | undefined {
	try {
		return new URL(location, base).href;
	} catch {
		return undefined;
	}
}

async function send(
	context: IExecuteFunctions,
	url: string,
	keyed: boolean,
	timeoutMs: number,
	signal: AbortSignal,
): Promise<StreamResponse> {
	const options: IHttpRequestOptions = {
		method: 'GET',
		url,
		encoding: 'stream',
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		disableFollowRedirect: true,
		// A limit beyond Node's longest timer would otherwise end the request after 1 ms.
		timeout: Math.min(timeoutMs, MAX_TIMER_MS),
		abortSignal: signal,
		// Video does not compress; a host that compresses anyway is decoded by n8n.
		headers: { Accept: '*/*', 'Accept-Encoding': 'identity' },
	};
	const response = keyed
		? await context.helpers.httpRequestWithAuthentication.call(context, CREDENTIAL_TYPE, options)
		: await context.helpers.httpRequest(options);
	return response as StreamResponse;
}

/** Checks the answer, then streams its body into n8n's binary data under the size, speed and pause limits. */
async function receive(
	context: IExecuteFunctions,
	request: DownloadRequest,
	response: StreamResponse,
	cutOff: AbortController,
): Promise<DownloadResult> {
	const { url, taskId, kind, signal } = request;
	const { statusCode, headers, body } = response;
	const refuse = (failure: DownloadFailure): DownloadResult => {
		body.destroy();
		return { ok: false, failure };
	};
	// No range is asked for, so a 206 is a part of the file, however whole it looks.
	if (statusCode === 206) return refuse({ kind: 'partial', httpCode: statusCode });
	if (statusCode >= 300) {
		if ([401, 403, 404, 410].includes(statusCode))
			return refuse({ kind: 'expired', httpCode: statusCode });
		if (statusCode >= 500 || statusCode === 429)
			return refuse({ kind: 'hostError', httpCode: statusCode });
		return refuse({ kind: 'refused', httpCode: statusCode });
	}
	const declared = String(headers['content-type'] ?? '')
		.split(';')[0]
		.trim()
		.toLowerCase();
	if (PAGE_TYPES.test(declared)) return refuse({ kind: 'notMedia', contentType: declared });
	const expectedBytes = promisedLength(headers['content-length']);
	// Content-Length counts the bytes sent (compressed, if the host compressed): the meter checks what they decode to.
	if (expectedBytes !== undefined && expectedBytes > request.maxBytes) {
		return refuse({ kind: 'tooLarge', maxBytes: request.maxBytes, declaredBytes: expectedBytes });
	}

	const mimeType = chooseMimeType(headers['content-type'], url, kind);
	const fileName = chooseFileName(taskId, kind, mimeType, url);
	const meter = new TransferMeter(body, request, cutOff);
	let binary: IBinaryData;
	try {
		binary = await context.helpers.prepareBinaryData(body as never, fileName, mimeType);
	} catch {
		if (signal.aborted) return { ok: false, failure: { kind: 'cancelled' } };
		return {
			ok: false,
			failure: meter.limitCrossed ?? {
				kind: 'incomplete',
				expectedBytes,
				receivedBytes: meter.receivedBytes,
			},
		};
	} finally {
		await meter.stop();
	}
	if (signal.aborted) return { ok: false, failure: { kind: 'cancelled' } };
	// Whether the bytes are all there is settled by the stream ending without an error: Node's HTTP
	// parser fails a body that ends before its Content-Length, and a decoder one whose compressed
	// data is cut. Content-Length itself cannot be compared with what n8n hands on: n8n decodes
	// gzip, deflate and br bodies, and its Content-Length counts the compressed bytes.
	if (meter.receivedBytes === 0) return { ok: false, failure: { kind: 'empty' } };
	return { ok: true, binary };
}

/** Content types of pages and error documents, never of a video or an image. */
const PAGE_TYPES = /^(text\/(html|xml)|application\/(json|xml|xhtml\+xml|problem\+json))$/;

/**
 * Counts a response's bytes as n8n reads them (a `data` listener put first does not change how the
 * stream flows, so nothing is buffered), and cuts the connection off when the file grows past the
 * size cap, when no data came for the request timeout, or when a period of the request timeout
 * brought less than the minimum speed (curl's --speed-limit over --speed-time).
 */
class TransferMeter {
	receivedBytes = 0;
	/** Why the meter cut the download off, if it did. */
	limitCrossed?: DownloadFailure;
	private lastDataAt = Date.now();
	private readonly finished = new AbortController();
	private readonly watching: Promise<void>;

	constructor(
		private readonly body: ResponseStream,
		private readonly request: DownloadRequest,
		private readonly cutOff: AbortController,
	) {
		body.prependListener('data', (chunk) => {
			this.receivedBytes += chunk.length;
			this.lastDataAt = Date.now();
			if (this.receivedBytes > request.maxBytes)
				this.cut({ kind: 'tooLarge', maxBytes: request.maxBytes });
		});
		this.watching = this.watch();
	}

	async stop(): Promise<void> {
		this.finished.abort();
		await this.watching;
	}

	private async watch(): Promise<void> {
		const { timeoutMs, minBytesPerSecond } = this.request;
		let periodStart = Date.now();
		let bytesAtPeriodStart = 0;
		while (!this.finished.signal.aborted) {
			await pause(
				Math.min(periodStart, this.lastDataAt) + timeoutMs - Date.now(),
				this.finished.signal,
			);
			if (this.finished.signal.aborted) return;
			const now = Date.now();
			if (now - this.lastDataAt >= timeoutMs)
				return this.cut({ kind: 'requestTimeout', timeoutMs });
			if (now - periodStart < timeoutMs) continue;
			const periodBytes = this.receivedBytes - bytesAtPeriodStart;
			if (periodBytes * 1000 < minBytesPerSecond * (now - periodStart)) {
				return this.cut({
					kind: 'tooSlow',
					receivedBytes: periodBytes,
					periodMs: now - periodStart,
					minBytesPerSecond,
				});
			}
			periodStart = now;
			bytesAtPeriodStart = this.receivedBytes;
		}
	}

	private cut(reason: DownloadFailure): void {
		this.limitCrossed ??= reason;
		this.cutOff.abort();
		this.body.destroy(new Error('download cut off'));
	}
}
