/**
 * Why a request to Yunwu (or to the file host) did not produce a usable answer. Transport code
 * returns these instead of throwing, so the poll loop can decide what to retry and the error
 * helpers can word one clear message; nothing in here holds request headers, so no key leaks.
 * What each kind means (retried, proof that no task was created) is one row of a table below.
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
	/** `apiMessage`: what a 2xx answer that is not what was asked for says, if anything. */
	| { kind: 'invalidBody'; httpCode: number; problem: BodyProblem; apiMessage?: string }
	/**
	 * `syscall`: what failed (`connect`, `read`, `write`…), when Node said. `handshakeMayHavePassed`
	 * (TLS codes only): the connection's first TLS handshake had succeeded, or the error kept no
	 * trace of it (n8n 1.x hands the node only the code), so the error may have come after the
	 * request was sent.
	 */
	| { kind: 'network'; code: string; syscall?: string; handshakeMayHavePassed?: true }
	| { kind: 'requestTimeout'; timeoutMs: number }
	/** n8n's SSRF protection refused the address before any request was sent. */
	| { kind: 'blocked'; host?: string };

/** A 429 whose Retry-After said how long to wait. */
export type RetryAfter = Extract<ApiFailure, { kind: 'rateLimited' }> & { retryAfterMs: number };

/** No HTTP answer arrived at all. */
type ConnectionFailure = Extract<ApiFailure, { kind: 'network' | 'requestTimeout' | 'blocked' }>;

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

type BodyProblem =
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

/** Why a download of a task's video or thumbnail brought no whole file. */
export type DownloadFailure =
	| { kind: 'badUrl' }
	| { kind: 'redirectLoop' }
	| { kind: 'tooManyRedirects'; limit: number }
	/** A redirect to something other than http(s): `ftp:`, `file:`, `data:`, `javascript:`… */
	| { kind: 'redirectNotWeb'; scheme?: string }
	| { kind: 'expired'; httpCode: number }
	| { kind: 'refused'; httpCode: number }
	| { kind: 'hostError'; httpCode: number }
	| { kind: 'network'; code: string }
	| { kind: 'requestTimeout'; timeoutMs: number }
	| { kind: 'blocked'; host?: string }
	| { kind: 'incomplete'; expectedBytes?: number; receivedBytes?: number }
	/** A 206: part of the file, though the whole was asked for. */
	| { kind: 'partial'; httpCode: number }
	| { kind: 'tooSlow'; receivedBytes: number; periodMs: number; minBytesPerSecond: number }
	/** Announced (`declaredBytes`, from Content-Length) or found while streaming to be larger than `maxBytes`. */
	| { kind: 'tooLarge'; maxBytes: number; declaredBytes?: number }
	/** The host answered 200 with no data at all. */
	| { kind: 'empty' }
	/** The host answered 200 with a web page or an error document instead of the file. */
	| { kind: 'notMedia'; contentType: string }
	| { kind: 'cancelled' };

export function retryAfterOf(failure: ApiFailure): RetryAfter | undefined {
	return failure.kind === 'rateLimited' && failure.retryAfterMs !== undefined
		? { ...failure, retryAfterMs: failure.retryAfterMs }
		: undefined;
}

/** What happened on the way to the API. */
export type Connection =
	/** An HTTP answer came back. */
	| 'answered'
	/** A connection was made, or may have been, and no answer came: dropped, reset, hung. */
	| 'lost'
	/**
	 * No connection could be made (refused, unknown host, no route, TLS failed): the host never
	 * spoke HTTP, so the address itself may be wrong.
	 */
	| 'neverMade'
	/** None was tried: n8n's SSRF protection refused the address. */
	| 'notTried';

/** What a failed create request proves about the task it asked for. */
export type CreateVerdict =
	/** Refused before any task was created, and a moment's wait may clear it: it is sent again. */
	| 'retry'
	/** Refused before any task was created; sent again, it would be refused again. */
	| 'notCreated'
	/** The request may have reached Yunwu and created a task: it is never sent again. */
	| 'mayExist';

/** A rule's answer for a kind: the same for all its failures, or read from each failure's fields. */
type Ruling<F, T> = T | ((failure: F) => T);

/** What one kind of API failure means to the code that meets it. */
interface ApiFailureRule<F extends ApiFailure> {
	/**
	 * Says nothing about the task itself (the gateway, the network, the rate limit): a wait retries
	 * it until its timeout; any other failure ends the item at once.
	 */
	transient: boolean;
	connection: Ruling<F, Connection>;
	create: Ruling<F, CreateVerdict>;
}

/** Node's codes for a host that cannot be connected to at all: refused, unknown name, no route. */
const NO_CONNECTION_CODES = new Set([
	'ECONNREFUSED',
	'ENOTFOUND',
	'EAI_AGAIN',
	'EHOSTUNREACH',
	'ENETUNREACH',
]);

/**
 * No route: the answer to a TCP connect, so nothing was sent, but a connected socket that loses
 * its route reports the same codes when TCP gives up retransmitting (after about 15 minutes), the
 * request possibly delivered: only a failed `connect` proves nothing was sent.
 */
const NO_ROUTE_CODES = new Set(['EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Node's codes for a server certificate its check refused, as Node names OpenSSL's verify errors
 * (`X509ErrorCode` in src/crypto, `X509Pointer::ErrorCode` in deps/ncrypto: the same list; any
 * other verify error is UNSPECIFIED). Several say nothing of a certificate
 * (UNABLE_TO_VERIFY_LEAF_SIGNATURE, INVALID_CA, HOSTNAME_MISMATCH…); the host name check's own
 * codes (ERR_TLS_CERT_ALTNAME_*) are found by their CERT.
 */
const CERTIFICATE_CODES = new Set([
	'UNABLE_TO_GET_ISSUER_CERT',
	'UNABLE_TO_GET_CRL',
	'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
	'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
	'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
	'CERT_SIGNATURE_FAILURE',
	'CRL_SIGNATURE_FAILURE',
	'CERT_NOT_YET_VALID',
	'CERT_HAS_EXPIRED',
	'CRL_NOT_YET_VALID',
	'CRL_HAS_EXPIRED',
	'ERROR_IN_CERT_NOT_BEFORE_FIELD',
	'ERROR_IN_CERT_NOT_AFTER_FIELD',
	'ERROR_IN_CRL_LAST_UPDATE_FIELD',
	'ERROR_IN_CRL_NEXT_UPDATE_FIELD',
	'OUT_OF_MEM',
	'DEPTH_ZERO_SELF_SIGNED_CERT',
	'SELF_SIGNED_CERT_IN_CHAIN',
	'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
	'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
	'CERT_CHAIN_TOO_LONG',
	'CERT_REVOKED',
	'INVALID_CA',
	'PATH_LENGTH_EXCEEDED',
	'INVALID_PURPOSE',
	'CERT_UNTRUSTED',
	'CERT_REJECTED',
	'HOSTNAME_MISMATCH',
	'UNSPECIFIED',
]);

/** A code that names a certificate: Node's refusals, or an OpenSSL error about one. */
export const isCertificateCode = (code: string) => CERTIFICATE_CODES.has(code) || /CERT/.test(code);

/** Node's and OpenSSL's codes for a TLS connection that failed (certificate, protocol: EPROTO). */
export const isTlsCode = (code: string) =>
	code === 'EPROTO' || isCertificateCode(code) || /SSL|TLS/.test(code);

/**
 * A TLS handshake that failed: EPROTO (Node's code for a TLS error met while writing the
 * handshake, whatever OpenSSL's reason: wrong version, no shared protocol or cipher, an alert), or
 * a certificate Node's own check refused. Node releases the HTTP request into a TLS socket only
 * once the handshake is done and the certificate accepted, so neither sent the request. An
 * OpenSSL code (ERR_SSL_*, even "wrong version number" or a certificate alert) is what a read on
 * an established session meets, after the request was delivered: a proxy or load balancer
 * answering in plain text gives ERR_SSL_WRONG_VERSION_NUMBER (Node 20) or
 * ERR_SSL_PACKET_LENGTH_TOO_LONG (Node 24).
 */
const isHandshakeFailure = (code: string) =>
	code === 'EPROTO' || (isCertificateCode(code) && !code.startsWith('ERR_SSL_'));

/**
 * The request never left: no connection was made, or no secure one. A server may ask for a new
 * handshake (TLS 1.2 renegotiation) once it has the request, and Node checks that handshake's
 * certificate too: a failure after the first handshake succeeded proves nothing.
 */
function sentNothing({
	code,
	syscall,
	handshakeMayHavePassed,
}: Extract<ApiFailure, { kind: 'network' }>): boolean {
	if (NO_ROUTE_CODES.has(code)) return syscall === 'connect';
	return NO_CONNECTION_CODES.has(code) || (!handshakeMayHavePassed && isHandshakeFailure(code));
}

/**
 * Every kind of API failure and its rules: a new kind does not compile until it has its row here
 * (and its wording in the messages).
 */
const API_FAILURE_RULES: {
	[K in ApiFailure['kind']]: ApiFailureRule<Extract<ApiFailure, { kind: K }>>;
} = {
	unauthorized: { transient: false, connection: 'answered', create: 'notCreated' },
	forbidden: { transient: false, connection: 'answered', create: 'notCreated' },
	notFound: { transient: false, connection: 'answered', create: 'notCreated' },
	endpointNotFound: { transient: false, connection: 'answered', create: 'notCreated' },
	redirected: { transient: false, connection: 'answered', create: 'notCreated' },
	rateLimited: { transient: true, connection: 'answered', create: 'retry' },
	serverError: { transient: true, connection: 'answered', create: 'mayExist' },
	rejected: { transient: false, connection: 'answered', create: 'notCreated' },
	invalidBody: { transient: true, connection: 'answered', create: 'mayExist' },
	network: {
		transient: true,
		connection: ({ code }) =>
			NO_CONNECTION_CODES.has(code) || isTlsCode(code) ? 'neverMade' : 'lost',
		create: (failure) => (sentNothing(failure) ? 'retry' : 'mayExist'),
	},
	requestTimeout: { transient: true, connection: 'lost', create: 'mayExist' },
	blocked: { transient: false, connection: 'notTried', create: 'notCreated' },
};

/** The rules of the failure's own kind. */
const rulesOf = (failure: ApiFailure) =>
	// Each row is written for its key's kind, so the row under `failure.kind` fits `failure`.
	API_FAILURE_RULES[failure.kind] as ApiFailureRule<ApiFailure>;

function decide<T extends string>(ruling: Ruling<ApiFailure, T>, failure: ApiFailure): T {
	return typeof ruling === 'function' ? ruling(failure) : ruling;
}

/** See `ApiFailureRule.transient`. */
export const isTransient = (failure: ApiFailure): boolean => rulesOf(failure).transient;

const connectionOf = (failure: ApiFailure): Connection =>
	decide(rulesOf(failure).connection, failure);

/** A connection was tried and no HTTP answer came back. */
export function isConnectionFailure(failure: ApiFailure): boolean {
	const connection = connectionOf(failure);
	return connection === 'lost' || connection === 'neverMade';
}

/** No connection could be made: see `Connection`. */
export const isUnreachable = (failure: ApiFailure): boolean =>
	connectionOf(failure) === 'neverMade';

/**
 * The host name does not exist (DNS answered that no such name is registered; a resolver that
 * cannot answer gives EAI_AGAIN instead): before the API has ever answered, a mistyped Base URL.
 */
export const isUnknownHost = (failure: ApiFailure): boolean =>
	failure.kind === 'network' && failure.code === 'ENOTFOUND';

export const createVerdictOf = (failure: ApiFailure): CreateVerdict =>
	decide(rulesOf(failure).create, failure);

/**
 * Every kind of download failure and whether another attempt may bring the whole file: a new kind
 * does not compile until it has its row here (and its wording in the messages). An empty answer
 * is retried: asking again costs next to nothing, and a 200 with no bytes for a completed task's
 * video says more about the host in that moment than about the video.
 */
const DOWNLOAD_FAILURE_RULES: Record<DownloadFailure['kind'], { retryable: boolean }> = {
	badUrl: { retryable: false },
	redirectLoop: { retryable: false },
	tooManyRedirects: { retryable: false },
	redirectNotWeb: { retryable: false },
	expired: { retryable: false },
	refused: { retryable: false },
	hostError: { retryable: true },
	network: { retryable: true },
	requestTimeout: { retryable: true },
	blocked: { retryable: false },
	incomplete: { retryable: true },
	partial: { retryable: true },
	tooSlow: { retryable: true },
	tooLarge: { retryable: false },
	empty: { retryable: true },
	notMedia: { retryable: false },
	cancelled: { retryable: false },
};

export const isRetryableDownload = (failure: DownloadFailure): boolean =>
	DOWNLOAD_FAILURE_RULES[failure.kind].retryable;

/** Node's and axios' codes for a request that took longer than its time limit. */
const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'ERR_TIMEOUT']);

/** The errors n8n 2.x's SSRF protection (@n8n/backend-network) throws, by class name. */
const SSRF_ERRORS = new Set(['SsrfBlockedIpError', 'SsrfBlockedHostnameError']);

/**
 * Classifies an exception thrown by n8n's request helpers (no HTTP answer arrived: refused,
 * reset, DNS, TLS, timed out, or blocked by SSRF protection). Reads only the error's code, name,
 * failed system call and blocked host, and of the request it carries only whether its TLS
 * handshake had succeeded.
 */
export function failureFromException(error: unknown, timeoutMs: number): ConnectionFailure {
	const blocked = findSsrfError(error);
	if (blocked) return { kind: 'blocked', host: blocked.hostname ?? blocked.ip };
	const code = findErrorCode(error);
	const message = findMessage(error);
	if ((code && TIMEOUT_CODES.has(code)) || /timeout of \d+ms exceeded|timed? ?out/i.test(message)) {
		return { kind: 'requestTimeout', timeoutMs };
	}
	const syscall = findSyscall(error);
	return {
		kind: 'network',
		code: code ?? 'UNKNOWN',
		...(syscall ? { syscall } : {}),
		...(code && isTlsCode(code) && handshakeMayHavePassed(error)
			? { handshakeMayHavePassed: true }
			: {}),
	};
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

/**
 * Node's error code (ECONNREFUSED, ENOTFOUND…). n8n 1.x hands the node a NodeApiError whose cause
 * is lost (n8n-workflow 1.x's ExecutionBaseError resets it) and which keeps the code only as its
 * `httpCode`; n8n 2.x keeps the original error as the cause.
 */
function findErrorCode(error: unknown): string | undefined {
	for (const { code, httpCode } of causeChain(error)) {
		for (const candidate of [code, httpCode]) {
			if (typeof candidate === 'string' && /^[A-Z][A-Z0-9_]+$/.test(candidate)) return candidate;
		}
	}
	return undefined;
}

/**
 * Whether the request's TLS socket had passed its first handshake (Node sets `secureConnecting`
 * to false once the certificate was accepted; axios puts the request on its error), or nothing is
 * left to tell: n8n 1.x drops the original error and keeps its code only as `httpCode`.
 */
function handshakeMayHavePassed(error: unknown): boolean {
	const chain = [...causeChain(error)];
	const keptOnlyAsHttpCode = !chain.some(({ code }) => typeof code === 'string');
	return (
		keptOnlyAsHttpCode ||
		chain.some(
			({ request }) =>
				(request as { socket?: { secureConnecting?: unknown } } | undefined)?.socket
					?.secureConnecting === false,
		)
	);
}

function findSyscall(error: unknown): string | undefined {
	for (const { syscall } of causeChain(error)) {
		if (typeof syscall === 'string') return syscall;
	}
	return undefined;
}

/** The messages of the error and its causes, and the original ones n8n 1.x keeps in `messages`. */
function findMessage(error: unknown): string {
	return [...causeChain(error)]
		.flatMap(({ message, messages }) => [message, ...(Array.isArray(messages) ? messages : [])])
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
