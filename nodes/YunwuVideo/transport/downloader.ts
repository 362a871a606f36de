import type { IBinaryData, IExecuteFunctions } from 'n8n-workflow';

import { chooseFileName, chooseMimeType, promisedLength, type MediaKind } from '../task/media';
import { failureFromException } from './failure';
import { isWebAddress } from './url';

export interface DownloadRequest {
	url: string;
	taskId: string;
	kind: MediaKind;
	/** Limit for the answer to start and for any pause in the data once it flows. */
	timeoutMs: number;
	signal: AbortSignal;
}

export type DownloadFailure =
	| { kind: 'badUrl' }
	| { kind: 'expired'; httpCode: number }
	| { kind: 'refused'; httpCode: number }
	| { kind: 'hostError'; httpCode: number }
	| { kind: 'network'; code: string }
	| { kind: 'requestTimeout'; timeoutMs: number }
	| { kind: 'blocked'; host?: string }
	| { kind: 'incomplete'; expectedBytes?: number; receivedBytes?: number }
	/** The host answered 200 with a web page or an error document instead of the file. */
	| { kind: 'notMedia'; contentType: string }
	| { kind: 'cancelled' };

export type DownloadResult = { ok: true; binary: IBinaryData } | { ok: false; failure: DownloadFailure };

/** Failures worth another attempt: the file may well arrive whole next time. */
export function isRetryableDownload(failure: DownloadFailure): boolean {
	return ['hostError', 'network', 'requestTimeout', 'incomplete'].includes(failure.kind);
}

/** The parts of Node's `IncomingMessage` the download relies on, without importing `stream`. */
interface ResponseStream {
	destroy(error?: Error): void;
	/** Set by Node once the whole message has arrived; false after a break-off. */
	complete?: boolean;
}

/**
 * Downloads one file from the file host into n8n's binary data, streamed (n8n writes it to
 * disk in filesystem mode without holding it in memory). One attempt; the caller retries.
 * It sends no credential: the file host is another origin and must never see the API key.
 */
export async function downloadOnce(context: IExecuteFunctions, request: DownloadRequest): Promise<DownloadResult> {
	const { url, taskId, kind, timeoutMs, signal } = request;
	if (!isWebAddress(url)) return { ok: false, failure: { kind: 'badUrl' } };

	let response: { statusCode: number; headers: Record<string, unknown>; body: ResponseStream };
	try {
		response = (await context.helpers.httpRequest({
			method: 'GET',
			url,
			encoding: 'stream',
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			timeout: timeoutMs,
			abortSignal: signal,
			// Video does not compress; asking for it raw keeps Node's completeness check on the socket.
			headers: { Accept: '*/*', 'Accept-Encoding': 'identity' },
		})) as typeof response;
	} catch (error) {
		if (signal.aborted) return { ok: false, failure: { kind: 'cancelled' } };
		return { ok: false, failure: failureFromException(error, timeoutMs) };
	}

	const { statusCode, headers, body: stream } = response;
	if (statusCode >= 300) {
		stream.destroy();
		if ([401, 403, 404, 410].includes(statusCode)) return { ok: false, failure: { kind: 'expired', httpCode: statusCode } };
		if (statusCode >= 500 || statusCode === 429) return { ok: false, failure: { kind: 'hostError', httpCode: statusCode } };
		return { ok: false, failure: { kind: 'refused', httpCode: statusCode } };
	}

	const declared = String(headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
	if (PAGE_TYPES.test(declared)) {
		stream.destroy();
		return { ok: false, failure: { kind: 'notMedia', contentType: declared } };
	}
	const mimeType = chooseMimeType(headers['content-type'], url, kind);
	const fileName = chooseFileName(taskId, kind, mimeType, url);
	const expectedBytes = promisedLength(headers['content-length']);
	const stopOnCancel = () => stream.destroy(new Error('The execution was cancelled'));
	signal.addEventListener('abort', stopOnCancel, { once: true });
	let binary: IBinaryData;
	try {
		binary = await context.helpers.prepareBinaryData(stream as never, fileName, mimeType);
	} catch {
		if (signal.aborted) return { ok: false, failure: { kind: 'cancelled' } };
		return { ok: false, failure: { kind: 'incomplete', expectedBytes } };
	} finally {
		signal.removeEventListener('abort', stopOnCancel);
	}
	if (signal.aborted) return { ok: false, failure: { kind: 'cancelled' } };

	const receivedBytes = await storedBytes(context, binary);
	const shortOfPromise = expectedBytes !== undefined && receivedBytes !== expectedBytes;
	if (stream.complete === false || shortOfPromise) {
		return { ok: false, failure: { kind: 'incomplete', expectedBytes, receivedBytes } };
	}
	return { ok: true, binary };
}

/** Content types of pages and error documents, never of a video or an image. */
const PAGE_TYPES = /^(text\/(html|xml)|application\/(json|xml|xhtml\+xml|problem\+json))$/;


/** The exact size n8n stored: `bytes` where n8n records it, else from the stored file or the inline data. */
async function storedBytes(context: IExecuteFunctions, binary: IBinaryData): Promise<number> {
	if (typeof binary.bytes === 'number') return binary.bytes;
	if (binary.id) return (await context.helpers.getBinaryMetadata(binary.id)).fileSize;
	return Buffer.byteLength(binary.data, 'base64');
}
