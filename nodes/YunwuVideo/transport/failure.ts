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
	| { kind: 'redirected'; httpCode: number; target: RedirectTarget }
	| { kind: 'rateLimited'; httpCode: number; retryAfterMs?: number; apiMessage?: string }
	| { kind: 'serverError'; httpCode: number; htmlPage: boolean; apiMessage?: string }
	| { kind: 'rejected'; httpCode: number; apiMessage?: string }
	| { kind: 'invalidBody'; httpCode: number; problem: BodyProblem }
	| { kind: 'network'; code: string }
	| { kind: 'requestTimeout'; timeoutMs: number }
	/** n8n's SSRF protection refused the address before any request was sent. */
	| { kind: 'blocked'; host?: string };

/** A 429 whose Retry-After said how long to wait. */
export type RetryAfter = Extract<ApiFailure, { kind: 'rateLimited' }> & { retryAfterMs: number };

/** No HTTP answer arrived at all. */
export type ConnectionFailure = Extract<
	ApiFailure,
	{ kind: 'network' | 'requestTimeout' | 'blocked' }
>;

/** Where a redirect points, never with its path or query (a Location may carry tokens there). */
export type RedirectTarget =
	/** An http(s) address on another origin than the one asked. */
	| { kind: 'otherOrigin'; origin: string }
	/** Another path on the origin asked. */
	| { kind: 'sameOrigin'; origin: string }
	/** The very address asked: a redirect loop. */
	| { kind: 'loop'; origin: string }
	/** Not a web address (ftp:, file:, javascript: …): only its scheme. */
	| { kind: 'notWeb'; scheme: string }
	/** No Location, or one that is not an address. */
	| { kind: 'none' };

export type BodyProblem =
	| 'empty'
	| 'html'
	| 'notJson'
	| 'notObject'
	| 'tooDeep'
	| 'tooLarge'
	| 'noStatus'
	| 'noId'
	| 'noModels';

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

export function retryAfterOf(failure: ApiFailure): RetryAfter | undefined {
	return failure.kind === 'rateLimited' && failure.retryAfterMs !== undefined
		? { ...failure, retryAfterMs: failure.retryAfterMs }
		: undefined;
}

export function isConnectionFailure(failure: ApiFailure): failure is ConnectionFailure {
	return failure.kind === 'network' || failure.kind === 'requestTimeout';
}

/** Node's codes for a host that cannot be connected to at all: refused, unknown name, no route. */
const NO_CONNECTION_CODES = new Set([
	'ECONNREFUSED',
	'ENOTFOUND',
	'EAI_AGAIN',
	'EHOSTUNREACH',
	'ENETUNREACH',
]);

/** Node's and OpenSSL's codes for a TLS connection that failed (certificate, protocol: EPROTO). */
export const isTlsCode = (code: string) => code === 'EPROTO' || /CERT|SSL|TLS/i.test(code);

/**
 * No connection could be made (refused, unknown host, no route, TLS failed): unlike a dropped or
 * hung connection, the host never spoke HTTP, so the address itself may be wrong.
 */
export function isUnreachable(failure: ApiFailure): boolean {
	return (
		failure.kind === 'network' && (NO_CONNECTION_CODES.has(failure.code) || isTlsCode(failure.code))
	);
}

/** Node's and axios' codes for a request that took longer than its time limit. */
const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'ERR_TIMEOUT']);

/** The errors n8n 2.x's SSRF protection (@n8n/backend-network) throws, by class name. */
const SSRF_ERRORS = new Set(['SsrfBlockedIpError', 'SsrfBlockedHostnameError']);

/**
 * Classifies an exception thrown by n8n's request helpers (no HTTP answer arrived: refused,
 * reset, DNS, TLS, timed out, or blocked by SSRF protection). Reads only the error's code, name
 * and blocked host, never the request it carries.
 */
export function failureFromException(error: unknown, timeoutMs: number): ConnectionFailure {
	const blocked = findSsrfError(error);
	if (blocked) return { kind: 'blocked', host: blocked.hostname ?? blocked.ip };
	const code = findErrorCode(error);
	const message = findMessage(error);
	if ((code && TIMEOUT_CODES.has(code)) || /timeout of \d+ms exceeded|timed? ?out/i.test(message)) {
		return { kind: 'requestTimeout', timeoutMs };
	}
	return { kind: 'network', code: code ?? 'UNKNOWN' };
}

/** The error and its causes, four levels deep (n8n and axios wrap the original error). */
function* causeChain(error: unknown): Generator<Record<string, unknown>> {
	for (
		let level = 0, current = error;
		level < 4 && current && typeof current === 'object';
		level++
	) {
		yield current as Record<string, unknown>;
		current = (current as { cause?: unknown }).cause;
	}
}

/** The SSRF refusal in the error or its causes (axios wraps one raised while connecting). */
function findSsrfError(error: unknown): { hostname?: string; ip?: string } | undefined {
	for (const { name, hostname, ip } of causeChain(error)) {
		if (typeof name === 'string' && SSRF_ERRORS.has(name)) {
			return {
				hostname: typeof hostname === 'string' ? hostname : undefined,
				ip: typeof ip === 'string' ? ip : undefined,
			};
		}
	}
	return undefined;
}

function findErrorCode(error: unknown): string | undefined {
	for (const { code } of causeChain(error)) {
		if (typeof code === 'string' && /^[A-Z][A-Z0-9_]+$/.test(code)) return code;
	}
	return undefined;
}

function findMessage(error: unknown): string {
	return [...causeChain(error)]
		.map(({ message }) => message)
		.filter((message) => typeof message === 'string')
		.join(' ');
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
