import {
	createVerdictOf,
	isConnectionFailure,
	isRetryableDownload,
	isTransient,
	isUnreachable,
	type ApiFailure,
	type CreateVerdict,
	type DownloadFailure,
} from '../../nodes/YunwuVideo/transport/failure';

/** What the rules say of one failure: the wait's, the connection's and the create's. */
type ApiRules = [
	transient: boolean,
	connectionFailed: boolean,
	unreachable: boolean,
	create: CreateVerdict,
];

/** An answer that ends a wait and proves that no task was created. */
const REFUSAL: ApiRules = [false, false, false, 'notCreated'];

const network = (codes: string[], rules: ApiRules, syscall?: string) =>
	codes.map((code): [{ kind: 'network'; code: string; syscall?: string }, ApiRules] => [
		{ kind: 'network', code, ...(syscall ? { syscall } : {}) },
		rules,
	]);

/**
 * Every kind of API failure with what the rules say of it. Keyed by kind like the rules table, so
 * a new kind does not compile until its rules are pinned here too.
 */
const API_RULES: {
	[K in ApiFailure['kind']]: Array<[Extract<ApiFailure, { kind: K }>, ApiRules]>;
} = {
	unauthorized: [[{ kind: 'unauthorized', httpCode: 401 }, REFUSAL]],
	forbidden: [[{ kind: 'forbidden', httpCode: 403 }, REFUSAL]],
	notFound: [[{ kind: 'notFound', httpCode: 404 }, REFUSAL]],
	endpointNotFound: [[{ kind: 'endpointNotFound', httpCode: 404 }, REFUSAL]],
	redirected: [[{ kind: 'redirected', httpCode: 302, target: { kind: 'none' } }, REFUSAL]],
	rateLimited: [
		[{ kind: 'rateLimited', httpCode: 429 }, [true, false, false, 'retry']],
		[{ kind: 'rateLimited', httpCode: 429, retryAfterMs: 5_000 }, [true, false, false, 'retry']],
	],
	serverError: [
		[{ kind: 'serverError', httpCode: 502, htmlPage: true }, [true, false, false, 'mayExist']],
	],
	rejected: [[{ kind: 'rejected', httpCode: 400 }, REFUSAL]],
	invalidBody: [
		[{ kind: 'invalidBody', httpCode: 200, problem: 'noId' }, [true, false, false, 'mayExist']],
	],
	network: [
		// Refused, unknown host, no route, TLS handshake failed: the request never left, so a
		// create is retried.
		...network(
			[
				'ECONNREFUSED',
				'ENOTFOUND',
				'EAI_AGAIN',
				'EPROTO',
				'ERR_TLS_CERT_ALTNAME_INVALID',
				'DEPTH_ZERO_SELF_SIGNED_CERT',
				'SELF_SIGNED_CERT_IN_CHAIN',
				'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
				'CERT_HAS_EXPIRED',
				'CERT_NOT_YET_VALID',
			],
			[true, true, true, 'retry'],
		),
		// Node's names for the certificate checks that say nothing of a certificate: the chain, the
		// revocation lists, the purpose, the host name, and any other (UNSPECIFIED). The handshake
		// failed, so nothing was sent.
		...network(
			[
				'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
				'UNABLE_TO_GET_CRL',
				'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
				'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
				'CRL_SIGNATURE_FAILURE',
				'CRL_NOT_YET_VALID',
				'CRL_HAS_EXPIRED',
				'ERROR_IN_CRL_LAST_UPDATE_FIELD',
				'ERROR_IN_CRL_NEXT_UPDATE_FIELD',
				'OUT_OF_MEM',
				'INVALID_CA',
				'PATH_LENGTH_EXCEEDED',
				'INVALID_PURPOSE',
				'HOSTNAME_MISMATCH',
				'UNSPECIFIED',
			],
			[true, true, true, 'retry'],
		),
		// No route to the host: when the connect failed, nothing was sent; when a connected socket
		// lost its route (or Node did not say), the request may have been delivered.
		...network(['EHOSTUNREACH', 'ENETUNREACH'], [true, true, true, 'retry'], 'connect'),
		...network(['EHOSTUNREACH', 'ENETUNREACH'], [true, true, true, 'mayExist'], 'read'),
		...network(['EHOSTUNREACH', 'ENETUNREACH'], [true, true, true, 'mayExist']),
		// An OpenSSL error, which a read on an established session meets after the request was sent
		// (a handshake's failure reaches Node as EPROTO).
		...network(
			[
				'ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC',
				'ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR',
				'ERR_SSL_WRONG_VERSION_NUMBER',
				'ERR_SSL_PACKET_LENGTH_TOO_LONG',
				'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
				'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
			],
			[true, true, true, 'mayExist'],
		),
		// The connection was made, then lost: the request may have reached Yunwu.
		...network(['ECONNRESET', 'EPIPE', 'UNKNOWN'], [true, true, false, 'mayExist']),
	],
	requestTimeout: [
		[{ kind: 'requestTimeout', timeoutMs: 30_000 }, [true, true, false, 'mayExist']],
	],
	blocked: [[{ kind: 'blocked', host: '10.0.0.5' }, REFUSAL]],
};

describe('the rules of each kind of API failure', () => {
	test.each(Object.values(API_RULES).flat())('%j → %j', (failure: ApiFailure, rules) => {
		expect([
			isTransient(failure),
			isConnectionFailure(failure),
			isUnreachable(failure),
			createVerdictOf(failure),
		]).toEqual(rules);
	});
});

/** Every kind of download failure and whether it is tried again; keyed by kind like the rules table. */
const DOWNLOAD_RETRIES: {
	[K in DownloadFailure['kind']]: [Extract<DownloadFailure, { kind: K }>, boolean];
} = {
	badUrl: [{ kind: 'badUrl' }, false],
	redirectLoop: [{ kind: 'redirectLoop' }, false],
	tooManyRedirects: [{ kind: 'tooManyRedirects', limit: 5 }, false],
	redirectNotWeb: [{ kind: 'redirectNotWeb', scheme: 'ftp:' }, false],
	expired: [{ kind: 'expired', httpCode: 403 }, false],
	refused: [{ kind: 'refused', httpCode: 400 }, false],
	hostError: [{ kind: 'hostError', httpCode: 503 }, true],
	network: [{ kind: 'network', code: 'ECONNRESET' }, true],
	requestTimeout: [{ kind: 'requestTimeout', timeoutMs: 30_000 }, true],
	blocked: [{ kind: 'blocked', host: '10.0.0.5' }, false],
	incomplete: [{ kind: 'incomplete', expectedBytes: 10, receivedBytes: 5 }, true],
	partial: [{ kind: 'partial', httpCode: 206 }, true],
	tooSlow: [
		{ kind: 'tooSlow', receivedBytes: 10, periodMs: 1_000, minBytesPerSecond: 50_000 },
		true,
	],
	tooLarge: [{ kind: 'tooLarge', maxBytes: 10 }, false],
	empty: [{ kind: 'empty' }, true],
	notMedia: [{ kind: 'notMedia', contentType: 'text/html' }, false],
	cancelled: [{ kind: 'cancelled' }, false],
};

describe('which download failures are tried again', () => {
	test.each(Object.values(DOWNLOAD_RETRIES))('%j → %s', (failure: DownloadFailure, retried) => {
		expect(isRetryableDownload(failure)).toBe(retried);
	});
});
