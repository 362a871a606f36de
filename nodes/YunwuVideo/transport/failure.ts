/**
 * Why a request to Yunwu (or to the file host) did not produce a usable answer. Transport code
 * returns these instead of throwing, so the poll loop can decide what to retry and the error
 * helpers can word one clear message; nothing in here holds request headers, so no key leaks.
 */
export type ApiFailure =
	| { kind: 'unauthorized'; httpCode: number; apiMessage?: string }
	| { kind: 'forbidden'; httpCode: number; apiMessage?: string }
	| { kind: 'notFound'; httpCode: number; apiMessage?: string }
	/** The Base URL has no such route: it points somewhere else than the API (or has a path). */
	| { kind: 'endpointNotFound'; httpCode: number; apiMessage?: string }
	/** The API answered with a redirect; it is not followed, so the key stays on this origin. */
	| { kind: 'redirected'; httpCode: number; location?: string }
	| { kind: 'rateLimited'; httpCode: number; retryAfterMs?: number; apiMessage?: string }
	| { kind: 'serverError'; httpCode: number; htmlPage: boolean; apiMessage?: string }
	| { kind: 'rejected'; httpCode: number; apiMessage?: string }
	| { kind: 'invalidBody'; httpCode: number; problem: BodyProblem }
	| { kind: 'network'; code: string }
	| { kind: 'requestTimeout'; timeoutMs: number };

/** No HTTP answer arrived at all. */
export type ConnectionFailure = Extract<ApiFailure, { kind: 'network' | 'requestTimeout' }>;

export type BodyProblem = 'empty' | 'html' | 'notJson' | 'notObject' | 'noStatus' | 'noId' | 'noModels';

export type ApiResult<T> = { ok: true; value: T } | { ok: false; failure: ApiFailure };

/**
 * Faults that say nothing about the task itself: the gateway, the network or the rate limit.
 * A wait retries these until its timeout; everything else ends the item at once.
 */
export function isTransient(failure: ApiFailure): boolean {
	switch (failure.kind) {
		case 'rateLimited':
		case 'serverError':
		case 'network':
		case 'requestTimeout':
		case 'invalidBody':
			return true;
		default:
			return false;
	}
}

/** Node's and axios' codes for a request that took longer than its time limit. */
const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'ERR_TIMEOUT']);

/**
 * Classifies an exception thrown by n8n's request helpers (no HTTP answer arrived: refused,
 * reset, DNS, TLS or timed out). Reads only the error code, never the request it carries.
 */
export function failureFromException(error: unknown, timeoutMs: number): ConnectionFailure {
	const code = findErrorCode(error);
	const message = findMessage(error);
	if ((code && TIMEOUT_CODES.has(code)) || /timeout of \d+ms exceeded|timed? ?out/i.test(message)) {
		return { kind: 'requestTimeout', timeoutMs };
	}
	return { kind: 'network', code: code ?? 'UNKNOWN' };
}

function findErrorCode(error: unknown): string | undefined {
	for (let level = 0, current = error; level < 4 && current && typeof current === 'object'; level++) {
		const { code, cause } = current as { code?: unknown; cause?: unknown };
		if (typeof code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(code)) return code;
		current = cause;
	}
	return undefined;
}

function findMessage(error: unknown): string {
	const parts: string[] = [];
	for (let level = 0, current = error; level < 4 && current && typeof current === 'object'; level++) {
		const { message, cause } = current as { message?: unknown; cause?: unknown };
		if (typeof message === 'string') parts.push(message);
		current = cause;
	}
	return parts.join(' ');
}

/** Milliseconds to wait from a `Retry-After` header (seconds or an HTTP date), if it holds one. */
export function parseRetryAfter(header: unknown, now: number): number | undefined {
	const value = Array.isArray(header) ? header[0] : header;
	if (typeof value !== 'string' && typeof value !== 'number') return undefined;
	const text = String(value).trim();
	if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
	// HTTP's date format only ("Wed, 21 Oct 2015 07:28:00 GMT"): Date.parse accepts junk such as "-1".
	if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text)) return undefined;
	const date = Date.parse(text);
	return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
