import { readCreatedTask } from '../../nodes/YunwuVideo/apis/unified';
import {
	readJsonObject,
	readTaskAnswer,
	type HttpAnswer,
} from '../../nodes/YunwuVideo/transport/response';
import { recordedAnswers } from '../support/recorded';

const NOW = Date.parse('Wed, 03 Dec 2025 10:00:00 GMT');
const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };
const HTML_HEADERS = { 'content-type': 'text/html; charset=utf-8' };

const ASKED = 'https://yunwu.example/v1/video/query';

const answer = (
	statusCode: number,
	body: unknown,
	headers: Record<string, unknown> = JSON_HEADERS,
): HttpAnswer => ({
	url: ASKED,
	statusCode,
	headers,
	body: typeof body === 'string' ? body : JSON.stringify(body),
});

const envelope = (message: string, type: string, code: string | number | null) => ({
	error: { message, type, code },
});

const GATEWAY_PAGE =
	'<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

/** All three readers classify failures of the HTTP layer alike. */
const READERS = [
	['readJsonObject', readJsonObject],
	['readTaskAnswer', readTaskAnswer],
	['readCreatedTask', readCreatedTask],
] as const;

describe.each(READERS)('%s: HTTP status codes', (_name, read) => {
	test('401 → unauthorized, with the API message', () => {
		expect(read(answer(401, envelope('无效的令牌', 'new_api_error', null)), NOW)).toEqual({
			ok: false,
			failure: { kind: 'unauthorized', httpCode: 401, apiMessage: '无效的令牌 (new_api_error)' },
		});
	});

	test('401 with an empty body → unauthorized without a message', () => {
		expect(read(answer(401, ''), NOW)).toEqual({
			ok: false,
			failure: { kind: 'unauthorized', httpCode: 401, apiMessage: undefined },
		});
	});

	test('403 → forbidden', () => {
		expect(
			read(
				answer(403, envelope('insufficient quota', 'new_api_error', 'insufficient_user_quota')),
				NOW,
			),
		).toEqual({
			ok: false,
			failure: {
				kind: 'forbidden',
				httpCode: 403,
				apiMessage: 'insufficient quota (insufficient_user_quota)',
			},
		});
	});

	test('404 → notFound, with or without a body', () => {
		expect(read(answer(404, { message: 'task not found' }), NOW)).toEqual({
			ok: false,
			failure: { kind: 'notFound', httpCode: 404, apiMessage: 'task not found' },
		});
		expect(read(answer(404, '404 page not found', { 'content-type': 'text/plain' }), NOW)).toEqual({
			ok: false,
			failure: { kind: 'notFound', httpCode: 404, apiMessage: undefined },
		});
	});

	test('429 with Retry-After in seconds → rateLimited with retryAfterMs', () => {
		const result = read(
			answer(429, envelope('rate limited', 'rate_limit', 'too_many'), {
				...JSON_HEADERS,
				'retry-after': '7',
			}),
			NOW,
		);
		expect(result).toEqual({
			ok: false,
			failure: {
				kind: 'rateLimited',
				httpCode: 429,
				retryAfterMs: 7000,
				apiMessage: 'rate limited (too_many)',
			},
		});
	});

	test('429 with Retry-After as an HTTP date → the time until then, from the given now', () => {
		const result = read(answer(429, '', { 'retry-after': 'Wed, 03 Dec 2025 10:00:45 GMT' }), NOW);
		expect(result).toEqual({
			ok: false,
			failure: { kind: 'rateLimited', httpCode: 429, retryAfterMs: 45_000, apiMessage: undefined },
		});
	});

	test('429 without Retry-After → rateLimited without retryAfterMs', () => {
		const result = read(answer(429, { error: { message: 'slow down' } }), NOW);
		expect(result).toEqual({
			ok: false,
			failure: {
				kind: 'rateLimited',
				httpCode: 429,
				retryAfterMs: undefined,
				apiMessage: 'slow down',
			},
		});
	});

	test('500 with a JSON envelope → serverError, not an HTML page, with the message', () => {
		expect(
			read(
				answer(500, envelope('upstream error', 'new_api_error', 'bad_response_status_code')),
				NOW,
			),
		).toEqual({
			ok: false,
			failure: {
				kind: 'serverError',
				httpCode: 500,
				htmlPage: false,
				apiMessage: 'upstream error (bad_response_status_code)',
			},
		});
	});

	test('502 with an nginx HTML page → serverError htmlPage', () => {
		expect(read(answer(502, GATEWAY_PAGE, HTML_HEADERS), NOW)).toEqual({
			ok: false,
			failure: { kind: 'serverError', httpCode: 502, htmlPage: true, apiMessage: undefined },
		});
	});

	test('504 HTML page without a content type is still recognised as a page', () => {
		expect(
			read(answer(504, '<!DOCTYPE html><html><body>Gateway Timeout</body></html>', {}), NOW),
		).toEqual({
			ok: false,
			failure: { kind: 'serverError', httpCode: 504, htmlPage: true, apiMessage: undefined },
		});
	});

	test('503 with nothing at all → serverError', () => {
		expect(read(answer(503, '', {}), NOW)).toEqual({
			ok: false,
			failure: { kind: 'serverError', httpCode: 503, htmlPage: false, apiMessage: undefined },
		});
	});

	test('400 with the OneAPI envelope → rejected with "message (code)"', () => {
		expect(
			read(
				answer(
					400,
					envelope('invalid aspect_ratio 7:3', 'invalid_request_error', 'invalid_parameter'),
				),
				NOW,
			),
		).toEqual({
			ok: false,
			failure: {
				kind: 'rejected',
				httpCode: 400,
				apiMessage: 'invalid aspect_ratio 7:3 (invalid_parameter)',
			},
		});
	});

	test('422 and 413 → rejected too', () => {
		expect(
			read(answer(422, envelope('prompt is required', 'invalid_request_error', null)), NOW),
		).toMatchObject({
			ok: false,
			failure: {
				kind: 'rejected',
				httpCode: 422,
				apiMessage: 'prompt is required (invalid_request_error)',
			},
		});
		expect(read(answer(413, GATEWAY_PAGE, HTML_HEADERS), NOW)).toEqual({
			ok: false,
			failure: { kind: 'rejected', httpCode: 413, apiMessage: undefined },
		});
	});

	test('400 with message task_not_exist → notFound', () => {
		expect(
			read(answer(400, { code: 'task_not_exist', message: 'task_not_exist', data: null }), NOW),
		).toEqual({
			ok: false,
			failure: { kind: 'notFound', httpCode: 400, apiMessage: 'task_not_exist' },
		});
		expect(
			read(answer(400, envelope('task_not_exist', 'invalid_request_error', 'task_not_exist')), NOW),
		).toEqual({
			ok: false,
			failure: { kind: 'notFound', httpCode: 400, apiMessage: 'task_not_exist' },
		});
	});
});

describe.each(READERS)(
	'%s: redirects are classified by where they point, never with path or query',
	(_name, read) => {
		const redirect = (code: number, location?: string) =>
			read(answer(code, '', location === undefined ? {} : { location }), NOW);

		test.each([301, 302, 303, 307, 308])(
			'HTTP %i to another origin → redirected, with that origin only',
			(code) => {
				expect(
					redirect(
						code,
						'https://user:pass@other.example:8443/v1/video/query?id=grok:1&token=secret#frag',
					),
				).toEqual({
					ok: false,
					failure: {
						kind: 'redirected',
						httpCode: code,
						target: { kind: 'otherOrigin', origin: 'https://other.example:8443' },
					},
				});
			},
		);

		test('http → https on the same host is another origin', () => {
			expect(
				read(
					{
						...answer(301, ''),
						url: 'http://yunwu.example/v1/video/query',
						headers: { location: 'https://yunwu.example/v1/video/query' },
					},
					NOW,
				),
			).toEqual({
				ok: false,
				failure: {
					kind: 'redirected',
					httpCode: 301,
					target: { kind: 'otherOrigin', origin: 'https://yunwu.example' },
				},
			});
		});

		test.each([
			'/api/v1/video/query?id=grok:1',
			'status?token=secret',
			`${ASKED.replace('/query', '/other')}`,
		])(
			'a Location %j on the same origin → sameOrigin, read against the address asked',
			(location) => {
				expect(redirect(302, location)).toEqual({
					ok: false,
					failure: {
						kind: 'redirected',
						httpCode: 302,
						target: { kind: 'sameOrigin', origin: 'https://yunwu.example' },
					},
				});
			},
		);

		test('a scheme-relative Location (//host/path) → the other origin, with the scheme of the address asked', () => {
			expect(redirect(307, '//evil.example/steal')).toEqual({
				ok: false,
				failure: {
					kind: 'redirected',
					httpCode: 307,
					target: { kind: 'otherOrigin', origin: 'https://evil.example' },
				},
			});
		});

		test.each([ASKED, `${ASKED}?id=grok:1`, '/v1/video/query', '?again=1'])(
			'a Location %j back to the address asked → loop',
			(location) => {
				expect(redirect(302, location)).toEqual({
					ok: false,
					failure: {
						kind: 'redirected',
						httpCode: 302,
						target: { kind: 'loop', origin: 'https://yunwu.example' },
					},
				});
			},
		);

		test.each([
			['ftp://files.example/video.mp4', 'ftp:'],
			['file:///etc/passwd', 'file:'],
			['javascript:alert(1)', 'javascript:'],
			['data:text/html,<script>1</script>', 'data:'],
			['mailto:ops@yunwu.example', 'mailto:'],
		])(
			'a Location %j that is not a web address → notWeb, with its scheme only',
			(location, scheme) => {
				expect(redirect(308, location)).toEqual({
					ok: false,
					failure: { kind: 'redirected', httpCode: 308, target: { kind: 'notWeb', scheme } },
				});
			},
		);

		test.each([undefined, '', '   ', 'http://[::1'])(
			'no usable Location (%j) → redirected to none',
			(location) => {
				expect(redirect(303, location)).toEqual({
					ok: false,
					failure: { kind: 'redirected', httpCode: 303, target: { kind: 'none' } },
				});
			},
		);
	},
);

describe.each(READERS)('%s: 200 bodies that are not a JSON object', (_name, read) => {
	test.each(['', '   \r\n\t'])('empty body %j → invalidBody empty', (body) => {
		expect(read(answer(200, body), NOW)).toEqual({
			ok: false,
			failure: { kind: 'invalidBody', httpCode: 200, problem: 'empty' },
		});
	});

	test('an HTML page (a wrong base URL showing a website) → invalidBody html', () => {
		const page =
			'<!doctype html><html><head><title>Yunwu</title></head><body>Welcome</body></html>';
		expect(read(answer(200, page, HTML_HEADERS), NOW)).toEqual({
			ok: false,
			failure: { kind: 'invalidBody', httpCode: 200, problem: 'html' },
		});
		expect(read(answer(200, `\n  ${page}`, {}), NOW)).toEqual({
			ok: false,
			failure: { kind: 'invalidBody', httpCode: 200, problem: 'html' },
		});
	});

	test('text declared as HTML that does not start with a tag → html', () => {
		expect(
			read(answer(200, 'Service temporarily unavailable', { 'content-type': 'text/html' }), NOW),
		).toEqual({
			ok: false,
			failure: { kind: 'invalidBody', httpCode: 200, problem: 'html' },
		});
	});

	test.each([
		'{"id": "grok:abc", "status": "proc',
		'OK',
		'{status: completed}',
		"{'status':'completed'}",
	])('broken JSON %j → invalidBody notJson', (body) => {
		expect(read(answer(200, body), NOW)).toEqual({
			ok: false,
			failure: { kind: 'invalidBody', httpCode: 200, problem: 'notJson' },
		});
	});

	test.each([
		'[]',
		'[{"id":"grok:abc","status":"completed"}]',
		'42',
		'null',
		'"completed"',
		'true',
	])('JSON %s → invalidBody notObject', (body) => {
		expect(read(answer(200, body), NOW)).toEqual({
			ok: false,
			failure: { kind: 'invalidBody', httpCode: 200, problem: 'notObject' },
		});
	});
});

describe('readJsonObject: any JSON object is fine', () => {
	test('an object without status is returned as is', () => {
		expect(readJsonObject(answer(200, { foo: 1, bar: [true] }), NOW)).toEqual({
			ok: true,
			value: { foo: 1, bar: [true] },
		});
	});

	test('201 is a success too', () => {
		expect(readJsonObject(answer(201, { id: 'a' }), NOW)).toEqual({ ok: true, value: { id: 'a' } });
	});
});

describe('readTaskAnswer: 200 answers', () => {
	test.each(recordedAnswers().map(({ name, text, json }) => [name, text, json] as const))(
		'recorded %s parses with every field passed through, unchanged',
		(_name, text, json) => {
			expect(readTaskAnswer(answer(200, text), NOW)).toEqual({ ok: true, value: json });
		},
	);

	test("a gateway's { code: task_not_exist, data: null } with HTTP 200 → notFound", () => {
		expect(
			readTaskAnswer(
				answer(200, { code: 'task_not_exist', message: 'task_not_exist', data: null }),
				NOW,
			),
		).toEqual({
			ok: false,
			failure: { kind: 'notFound', httpCode: 200, apiMessage: 'task_not_exist' },
		});
	});

	test.each([
		['task not found', { message: 'task not found' }],
		['an error envelope', envelope('task id is invalid', 'invalid_request_error', null)],
		['no such task', { code: 'E404', message: 'no such task' }],
	])('a 200 without status saying %s → notFound', (_label, body) => {
		const result = readTaskAnswer(answer(200, body), NOW);
		expect(result.ok).toBe(false);
		if (!result.ok) expect(result.failure.kind).toBe('notFound');
	});

	test('a 200 without status carrying another error → rejected with the message', () => {
		expect(
			readTaskAnswer(
				answer(200, envelope('quota exhausted', 'new_api_error', 'insufficient_user_quota')),
				NOW,
			),
		).toEqual({
			ok: false,
			failure: {
				kind: 'rejected',
				httpCode: 200,
				apiMessage: 'quota exhausted (insufficient_user_quota)',
			},
		});
	});

	test.each([
		['an empty object', {}],
		['only an id', { id: 'grok:abc' }],
		['a null status', { id: 'grok:abc', status: null }],
		['a status object', { id: 'grok:abc', status: { name: 'completed' } }],
		['a wrapped answer', { data: { id: 'grok:abc', status: 'completed' } }],
	])('%s → invalidBody noStatus', (_label, body) => {
		expect(readTaskAnswer(answer(200, body), NOW)).toEqual({
			ok: false,
			failure: { kind: 'invalidBody', httpCode: 200, problem: 'noStatus' },
		});
	});

	test('pending: only id, status and time, nothing added', () => {
		const body = { id: 'grok:abc', status: 'pending', status_update_time: 1764745713 };
		expect(readTaskAnswer(answer(200, body), NOW)).toEqual({ ok: true, value: body });
	});

	test('error object, millisecond times, string progress and new fields pass through', () => {
		const body = {
			id: 'abc',
			status: 'FAILED',
			progress: '45%',
			status_update_time: 1764745713000,
			completed_at: '1764745713',
			error: { code: 'content_policy', message: 'blocked', param: 'prompt' },
			enhanced_prompt: 'A cat',
			video_url: null,
		};
		expect(readTaskAnswer(answer(200, body), NOW)).toEqual({ ok: true, value: body });
	});

	test('a numeric status is accepted as sent', () => {
		expect(readTaskAnswer(answer(200, { id: 'a', status: 2 }), NOW)).toEqual({
			ok: true,
			value: { id: 'a', status: 2 },
		});
	});

	test('an HTTP error still wins over a body that looks like a task', () => {
		expect(readTaskAnswer(answer(500, { id: 'a', status: 'completed' }), NOW)).toMatchObject({
			ok: false,
			failure: { kind: 'serverError', httpCode: 500 },
		});
	});

	// The answer carries a status; a known field of an unexpected type must not make it "noStatus".
	test.each([
		['a numeric id', { id: 12345, status: 'processing' }],
		['error: false', { id: 'grok:abc', status: 'completed', error: false }],
	])('an answer with a status and %s is read, not refused as noStatus', (_label, body) => {
		const result = readTaskAnswer(answer(200, body), NOW);
		expect(result).toEqual({ ok: true, value: body });
	});
});

describe('readCreatedTask', () => {
	test('the create answer, every field kept', () => {
		const body = {
			id: 'grok:5cdad6a7-0730-426f-88ec-d39b863ada15',
			status: 'pending',
			status_update_time: 1764745713,
		};
		expect(readCreatedTask(answer(200, body), NOW)).toEqual({ ok: true, value: body });
	});

	test('the id is trimmed', () => {
		expect(
			readCreatedTask(answer(200, { id: '  veo3.1-fast:abc \n', status: 'pending' }), NOW),
		).toEqual({
			ok: true,
			value: { id: 'veo3.1-fast:abc', status: 'pending' },
		});
	});

	test.each([
		['no id', { status: 'pending' }],
		['an empty id', { id: '', status: 'pending' }],
		['a blank id', { id: '   ' }],
		['a fractional id', { id: 4.2 }],
	])('%s → invalidBody noId', (_label, body) => {
		expect(readCreatedTask(answer(200, body), NOW)).toEqual({
			ok: false,
			failure: { kind: 'invalidBody', httpCode: 200, problem: 'noId' },
		});
	});

	test("a whole-number id is the task's id, as text", () => {
		expect(readCreatedTask(answer(200, { id: 42, status: 'pending' }), NOW)).toEqual({
			ok: true,
			value: { id: '42', status: 'pending' },
		});
	});

	// Issue 19: a 2xx is never a plain refusal on the unified API (none is documented): the task may exist.
	test('a 200 without id that carries a flat { code, message } → invalidBody noId (the task may exist) with the message', () => {
		expect(
			readCreatedTask(
				answer(200, { code: 'insufficient_user_quota', message: 'quota exhausted' }),
				NOW,
			),
		).toEqual({
			ok: false,
			failure: {
				kind: 'invalidBody',
				httpCode: 200,
				problem: 'noId',
				apiMessage: 'quota exhausted',
			},
		});
	});

	test('a 200 without id that carries only a code → invalidBody noId with the code', () => {
		expect(readCreatedTask(answer(200, { code: 'insufficient_user_quota' }), NOW)).toEqual({
			ok: false,
			failure: {
				kind: 'invalidBody',
				httpCode: 200,
				problem: 'noId',
				apiMessage: 'insufficient_user_quota',
			},
		});
	});

	// A create request names no task: an unknown model is a rejected request, not an unknown task.
	test('400 model_not_found on create → rejected, not notFound', () => {
		const body = envelope(
			'No available channel for model veo9 under group default',
			'new_api_error',
			'model_not_found',
		);
		const result = readCreatedTask(answer(400, body), NOW);
		expect(result).toEqual({
			ok: false,
			failure: {
				kind: 'rejected',
				httpCode: 400,
				apiMessage: 'No available channel for model veo9 under group default (model_not_found)',
			},
		});
	});
});
