import { SsrfBlockedHostnameError, SsrfBlockedIpError } from '@n8n/backend-network';
import { NodeApiError, type INode, type JsonObject } from 'n8n-workflow';

import {
	createVerdictOf,
	failureFromException,
	isTransient,
	parseRetryAfter,
	type ApiFailure,
} from '../../nodes/YunwuVideo/transport/failure';

describe('isTransient', () => {
	test.each<[ApiFailure, boolean]>([
		[{ kind: 'rateLimited', httpCode: 429 }, true],
		[{ kind: 'rateLimited', httpCode: 429, retryAfterMs: 5000 }, true],
		[{ kind: 'serverError', httpCode: 500, htmlPage: false }, true],
		[{ kind: 'serverError', httpCode: 502, htmlPage: true }, true],
		[{ kind: 'network', code: 'ECONNRESET' }, true],
		[{ kind: 'requestTimeout', timeoutMs: 30000 }, true],
		[{ kind: 'invalidBody', httpCode: 200, problem: 'html' }, true],
		[{ kind: 'invalidBody', httpCode: 200, problem: 'empty' }, true],
		[{ kind: 'unauthorized', httpCode: 401 }, false],
		[{ kind: 'forbidden', httpCode: 403 }, false],
		[{ kind: 'notFound', httpCode: 404 }, false],
		[{ kind: 'notFound', httpCode: 200, apiMessage: 'task_not_exist' }, false],
		[{ kind: 'rejected', httpCode: 400, apiMessage: 'bad' }, false],
		[{ kind: 'blocked', host: '10.0.0.5' }, false],
	])('%j → %s', (failure, transient) => {
		expect(isTransient(failure)).toBe(transient);
	});
});

describe('failureFromException: objects shaped like Node and axios errors', () => {
	test('{ code: ECONNRESET } → network ECONNRESET', () => {
		expect(failureFromException({ code: 'ECONNRESET', message: 'socket hang up' }, 50)).toEqual({
			kind: 'network',
			code: 'ECONNRESET',
		});
		expect(failureFromException({ code: 'ECONNRESET' }, 50)).toEqual({
			kind: 'network',
			code: 'ECONNRESET',
		});
	});

	test("the failed system call is kept from the wrapped Node error (n8n's NodeApiError → axios → Node)", () => {
		const node = { code: 'EHOSTUNREACH', syscall: 'connect', address: '10.9.9.9' };
		const axios = { code: 'EHOSTUNREACH', cause: node };
		expect(failureFromException({ name: 'NodeApiError', cause: axios }, 50)).toEqual({
			kind: 'network',
			code: 'EHOSTUNREACH',
			syscall: 'connect',
		});
	});

	test('axios timeout { code: ECONNABORTED, message: "timeout of 50ms exceeded" } → requestTimeout with the limit', () => {
		expect(
			failureFromException({ code: 'ECONNABORTED', message: 'timeout of 50ms exceeded' }, 50),
		).toEqual({
			kind: 'requestTimeout',
			timeoutMs: 50,
		});
	});

	test.each(['ECONNABORTED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'ERR_TIMEOUT'])(
		'code %s alone → requestTimeout',
		(code) => {
			expect(failureFromException({ code }, 1234)).toEqual({
				kind: 'requestTimeout',
				timeoutMs: 1234,
			});
		},
	);

	test.each([
		'timeout of 30000ms exceeded',
		'Request timed out',
		'Connect Timeout Error',
		'socket time out',
	])('the message %j without a code → requestTimeout', (message) => {
		expect(failureFromException(new Error(message), 30000)).toEqual({
			kind: 'requestTimeout',
			timeoutMs: 30000,
		});
	});

	test.each([
		'ECONNREFUSED',
		'ENOTFOUND',
		'EAI_AGAIN',
		'EHOSTUNREACH',
		'EPIPE',
		'ERR_TLS_CERT_ALTNAME_INVALID',
	])('an Error with code %s → network with that code', (code) => {
		const error = Object.assign(new Error('request failed'), { code });
		expect(failureFromException(error, 10)).toEqual({ kind: 'network', code });
	});

	test('a code found in a nested cause', () => {
		const error = new Error('fetch failed', {
			cause: Object.assign(new Error('connect refused'), { code: 'ECONNREFUSED' }),
		});
		expect(failureFromException(error, 10)).toEqual({ kind: 'network', code: 'ECONNREFUSED' });
		expect(
			failureFromException(
				{ message: 'x', cause: { message: 'y', cause: { code: 'ENOTFOUND' } } },
				10,
			),
		).toEqual({
			kind: 'network',
			code: 'ENOTFOUND',
		});
	});

	test('a timeout found in a nested cause (code or message)', () => {
		expect(
			failureFromException({ message: 'Request failed', cause: { code: 'ETIMEDOUT' } }, 77),
		).toEqual({
			kind: 'requestTimeout',
			timeoutMs: 77,
		});
		expect(
			failureFromException(
				{ message: 'Request failed', cause: { message: 'timeout of 77ms exceeded' } },
				77,
			),
		).toEqual({ kind: 'requestTimeout', timeoutMs: 77 });
	});

	test("n8n's SSRF refusals (@n8n/backend-network's own errors), thrown or wrapped → blocked, naming the host", () => {
		expect(failureFromException(new SsrfBlockedIpError('10.0.0.5'), 10)).toEqual({
			kind: 'blocked',
			host: '10.0.0.5',
		});
		expect(failureFromException(new SsrfBlockedHostnameError('files.internal'), 10)).toEqual({
			kind: 'blocked',
			host: 'files.internal',
		});
		// As follow-redirects and axios wrap a refusal raised at a redirect or while connecting.
		const wrapped = Object.assign(new Error('Redirected request failed'), {
			code: 'ERR_FR_REDIRECTION_FAILURE',
			cause: new SsrfBlockedIpError('10.0.0.5', 'cdn.example'),
		});
		expect(failureFromException({ message: 'Request failed', cause: wrapped }, 10)).toEqual({
			kind: 'blocked',
			host: 'cdn.example',
		});
	});

	test('the outermost valid code wins over an inner one', () => {
		expect(failureFromException({ code: 'ECONNRESET', cause: { code: 'ENOTFOUND' } }, 10)).toEqual({
			kind: 'network',
			code: 'ECONNRESET',
		});
	});

	test('codes that are not error codes (numbers, lower case) are skipped for an inner one', () => {
		expect(failureFromException({ code: 500, cause: { code: 'ECONNRESET' } }, 10)).toEqual({
			kind: 'network',
			code: 'ECONNRESET',
		});
		expect(failureFromException({ code: 'not a code' }, 10)).toEqual({
			kind: 'network',
			code: 'UNKNOWN',
		});
	});

	test.each([
		['a string', 'boom'],
		['undefined', undefined],
		['null', null],
		['a number', 42],
		['an empty object', {}],
		['an Error without a code', new Error('something broke')],
	])('%s → network UNKNOWN', (_label, error) => {
		expect(failureFromException(error, 10)).toEqual({ kind: 'network', code: 'UNKNOWN' });
	});

	test('a cause chain that loops ends (and still reads a code)', () => {
		const a: { message: string; cause?: unknown } = { message: 'a' };
		const b = { message: 'b', cause: a };
		a.cause = b;
		expect(failureFromException(a, 10)).toEqual({ kind: 'network', code: 'UNKNOWN' });
		const c: { code: string; cause?: unknown } = { code: 'EPIPE' };
		c.cause = c;
		expect(failureFromException(c, 10)).toEqual({ kind: 'network', code: 'EPIPE' });
	});

	test('the result never carries the request (no headers, no key)', () => {
		const error = {
			code: 'ECONNRESET',
			message: 'socket hang up',
			config: { headers: { Authorization: 'Bearer sk-secret' } },
			request: { _header: 'Authorization: Bearer sk-secret' },
		};
		expect(JSON.stringify(failureFromException(error, 10))).not.toContain('sk-secret');
	});

	// OpenSSL's error codes carry digits (SSLV3, TLSV1, HTTP2); they are still error codes.
	test.each([
		'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
		'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
		'ERR_HTTP2_STREAM_ERROR',
	])('a code with digits (%s) is kept', (code) => {
		expect(failureFromException(Object.assign(new Error('handshake'), { code }), 10)).toEqual({
			kind: 'network',
			code,
		});
	});
});

describe('failureFromException: errors as n8n hands them over (wrapped in NodeApiError)', () => {
	const node: INode = {
		id: '1',
		name: 'Yunwu Video',
		type: 'n8n-nodes-yunwu.yunwuVideo',
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
	};

	test('a dropped connection', () => {
		const cause = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
		const wrapped = new NodeApiError(node, cause as unknown as JsonObject);
		expect(failureFromException(wrapped, 50)).toEqual({ kind: 'network', code: 'ECONNRESET' });
	});

	test('an axios timeout', () => {
		const cause = Object.assign(new Error('timeout of 50ms exceeded'), { code: 'ECONNABORTED' });
		const wrapped = new NodeApiError(node, cause as unknown as JsonObject);
		expect(failureFromException(wrapped, 50)).toEqual({ kind: 'requestTimeout', timeoutMs: 50 });
	});

	test('an unknown host', () => {
		const cause = Object.assign(new Error('getaddrinfo ENOTFOUND yunwu.invalid'), {
			code: 'ENOTFOUND',
		});
		const wrapped = new NodeApiError(node, cause as unknown as JsonObject);
		expect(failureFromException(wrapped, 50)).toEqual({ kind: 'network', code: 'ENOTFOUND' });
	});

	/**
	 * n8n 1.123.80's NodeApiError around axios' error, as its n8n-workflow 1.120 builds it (printed
	 * from that install): the cause is gone, the code survives only as `httpCode`, the message is
	 * n8n's wording and the original sits in `messages`. Proven in real n8n 1.123 in e2e/n8n.e2e.test.ts.
	 */
	const n8n1Error = (code: string, original: string, message: string) =>
		Object.assign(new Error(message), {
			name: 'NodeApiError',
			cause: undefined,
			httpCode: code,
			messages: [original, original],
		});

	test.each([
		[
			'ECONNREFUSED',
			'connect ECONNREFUSED 127.0.0.1:9',
			'The service refused the connection - perhaps it is offline',
			{ kind: 'network', code: 'ECONNREFUSED' },
		],
		[
			'ENOTFOUND',
			'getaddrinfo ENOTFOUND yunwu.invalid',
			'The connection cannot be established, this usually occurs due to an incorrect host (domain) value',
			{ kind: 'network', code: 'ENOTFOUND' },
		],
		[
			'ECONNABORTED',
			'timeout of 50ms exceeded',
			'The connection was aborted, perhaps the server is offline',
			{ kind: 'requestTimeout', timeoutMs: 50 },
		],
	])('n8n 1.x: %s kept only as httpCode is still read', (code, original, message, failure) => {
		expect(failureFromException(n8n1Error(code, original, message), 50)).toEqual(failure);
	});

	test('n8n 1.x: a certificate code kept only as httpCode proves nothing about the request: a create that met it may have created a task', () => {
		const failure = failureFromException(
			n8n1Error(
				'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
				'unable to verify the first certificate',
				'unable to verify the first certificate',
			),
			50,
		);
		expect(failure).toEqual({
			kind: 'network',
			code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
			handshakeMayHavePassed: true,
		});
		expect(createVerdictOf(failure)).toBe('mayExist');
	});
});

describe('parseRetryAfter', () => {
	const NOW = Date.parse('Wed, 03 Dec 2025 10:00:00 GMT');

	test.each([
		['120', 120_000],
		['0', 0],
		['1.5', 1500],
		[' 7 ', 7000],
		[30, 30_000],
		[['3'], 3000],
	])('seconds %j → %j ms', (header, expected) => {
		expect(parseRetryAfter(header, NOW)).toBe(expected);
	});

	test('an HTTP date in the future → the time until then', () => {
		expect(parseRetryAfter('Wed, 03 Dec 2025 10:00:30 GMT', NOW)).toBe(30_000);
		expect(parseRetryAfter('Wed, 03 Dec 2025 10:02:00 GMT', NOW)).toBe(120_000);
		expect(parseRetryAfter(['Wed, 03 Dec 2025 10:00:05 GMT'], NOW)).toBe(5000);
	});

	test('the date is measured from the given now, not from the real clock', () => {
		const header = 'Wed, 03 Dec 2025 10:00:30 GMT';
		expect(parseRetryAfter(header, NOW + 10_000)).toBe(20_000);
	});

	test('an HTTP date in the past → 0', () => {
		expect(parseRetryAfter('Wed, 03 Dec 2025 09:59:00 GMT', NOW)).toBe(0);
	});

	test.each([
		['undefined', undefined],
		['null', null],
		['an empty string', ''],
		['whitespace', '   '],
		['a word', 'soon'],
		['an object', { seconds: 5 }],
		['an empty array', []],
	])('%s → undefined', (_label, header) => {
		expect(parseRetryAfter(header, NOW)).toBeUndefined();
	});

	// V8's lenient Date.parse reads "-1" as the year -1 (or 2001); that is not a Retry-After value.
	test.each(['-1', 'later 2'])('the malformed value %j → undefined, not 0', (header) => {
		expect(parseRetryAfter(header, NOW)).toBeUndefined();
	});
});
