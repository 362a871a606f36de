import {
	readableApiError,
	shapeTaskOutput,
	toIsoTime,
	toProgress,
} from '../../nodes/YunwuVideo/task/output';
import type { TaskAnswer } from '../../nodes/YunwuVideo/task/schema';
import { readTaskAnswer } from '../../nodes/YunwuVideo/transport/response';
import { recordedAnswer, recordedAnswers } from '../support/recorded';

describe('toIsoTime', () => {
	test('seconds since the epoch (as the recorded answers send them)', () => {
		expect(toIsoTime(1764745713)).toBe('2025-12-03T07:08:33.000Z');
		expect(toIsoTime(1764756435)).toBe('2025-12-03T10:07:15.000Z');
	});

	test('milliseconds since the epoch give the same instant', () => {
		expect(toIsoTime(1764745713000)).toBe('2025-12-03T07:08:33.000Z');
		expect(toIsoTime(1764745713123)).toBe('2025-12-03T07:08:33.123Z');
	});

	test('fractional seconds', () => {
		expect(toIsoTime(1764745713.5)).toBe('2025-12-03T07:08:33.500Z');
	});

	test('numeric strings in seconds and milliseconds', () => {
		expect(toIsoTime('1764745713')).toBe('2025-12-03T07:08:33.000Z');
		expect(toIsoTime('1764745713000')).toBe('2025-12-03T07:08:33.000Z');
		expect(toIsoTime(' 1764745713 ')).toBe('2025-12-03T07:08:33.000Z');
		expect(toIsoTime('1764745713.25')).toBe('2025-12-03T07:08:33.250Z');
	});

	test('the seconds/milliseconds boundary lies at 1e11', () => {
		// Just below: seconds (year 5138); at the limit: milliseconds (1973).
		expect(toIsoTime(99_999_999_999)).toBe(new Date(99_999_999_999 * 1000).toISOString());
		expect(toIsoTime(100_000_000_000)).toBe('1973-03-03T09:46:40.000Z');
	});

	test.each([
		['undefined', undefined],
		['null', null],
		['zero', 0],
		['a negative number', -1764745713],
		['NaN', Number.NaN],
		['Infinity', Number.POSITIVE_INFINITY],
		['a number beyond the Date range', 1e20],
		['an empty string', ''],
		['a non-numeric string', 'yesterday'],
		['a negative numeric string', '-1764745713'],
		['an ISO string', '2025-12-03T07:08:33Z'],
		['a boolean', true],
		['an object', { seconds: 1764745713 }],
	])('%s → null', (_label, value) => {
		expect(toIsoTime(value)).toBeNull();
	});
});

describe('toProgress', () => {
	test.each([
		[100, 100],
		[0, 0],
		[45.5, 45.5],
		['45', 45],
		['45%', 45],
		[' 45 % ', 45],
		['100%', 100],
		['0', 0],
	])('%j → %j', (value, expected) => {
		expect(toProgress(value)).toBe(expected);
	});

	test.each([
		['absent (undefined)', undefined],
		['null', null],
		['an empty string', ''],
		['a word', 'processing'],
		['NaN', Number.NaN],
		['Infinity', Number.POSITIVE_INFINITY],
		['a boolean', true],
		['an object', { value: 45 }],
	])('%s → null', (_label, value) => {
		expect(toProgress(value)).toBeNull();
	});
});

describe('readableApiError', () => {
	test('a string is trimmed to one line', () => {
		expect(readableApiError('content policy violation')).toBe('content policy violation');
		expect(readableApiError('  upstream\n  timed   out\t')).toBe('upstream timed out');
	});

	test.each([
		['an empty string', ''],
		['whitespace', '  \n\t '],
		['undefined', undefined],
		['null', null],
		['a number', 42],
		['a boolean', false],
		['an empty object', {}],
	])('%s → null', (_label, value) => {
		expect(readableApiError(value)).toBeNull();
	});

	test('{ code, message } reads as "message (code)"', () => {
		expect(readableApiError({ code: 'content_policy', message: 'The prompt was blocked' })).toBe(
			'The prompt was blocked (content_policy)',
		);
		expect(readableApiError({ code: 500, message: 'Internal error' })).toBe('Internal error (500)');
	});

	test('OneAPI { message, type, code }: code wins over type', () => {
		expect(
			readableApiError({
				message: 'Incorrect API key',
				type: 'invalid_request_error',
				code: 'invalid_api_key',
			}),
		).toBe('Incorrect API key (invalid_api_key)');
	});

	test('type is used when code is missing or null', () => {
		expect(readableApiError({ message: '无效的令牌', type: 'new_api_error' })).toBe(
			'无效的令牌 (new_api_error)',
		);
		expect(readableApiError({ message: 'Bad', type: 'upstream_error', code: null })).toBe(
			'Bad (upstream_error)',
		);
	});

	test('a message that equals its code is not repeated', () => {
		expect(readableApiError({ code: 'task_not_exist', message: 'task_not_exist' })).toBe(
			'task_not_exist',
		);
	});

	test('a multi-line message becomes one line', () => {
		expect(readableApiError({ message: 'line one\nline two', code: 'E' })).toBe(
			'line one line two (E)',
		);
	});

	test('only a code (or type) reads as that code', () => {
		expect(readableApiError({ code: 'insufficient_user_quota' })).toBe('insufficient_user_quota');
		expect(readableApiError({ code: 429 })).toBe('429');
		expect(readableApiError({ message: '', code: 'E42' })).toBe('E42');
		expect(readableApiError({ type: 'server_error' })).toBe('server_error');
	});

	test('an object with other fields only is shown as JSON, not dropped', () => {
		expect(readableApiError({ reason: 'nsfw', detail: 3 })).toBe('{"reason":"nsfw","detail":3}');
	});

	// OneAPI gateways send "code": "" beside a type; an empty code must not print as "()".
	test('an empty-string code does not produce "()" and does not hide the type', () => {
		const text = readableApiError({ message: 'Invalid token', type: 'new_api_error', code: '' });
		expect(text).not.toMatch(/\(\s*\)/);
		expect(text).toBe('Invalid token (new_api_error)');
	});

	test('an object whose message and code are empty is no readable line: null', () => {
		expect(readableApiError({ message: '', code: '' })).toBeNull();
	});
});

describe('shapeTaskOutput: every recorded answer', () => {
	const QUERIED = 'grok:queried-id-as-typed';

	test.each(recordedAnswers().map(({ name, json }) => [name, json] as const))(
		'%s: every API field is kept under its own name and value',
		(_name, json) => {
			const output = shapeTaskOutput(QUERIED, json as TaskAnswer);
			for (const [key, value] of Object.entries(json)) {
				expect(Object.prototype.hasOwnProperty.call(output, key)).toBe(true);
				expect({ key, value: output[key] }).toEqual({ key, value });
			}
		},
	);

	test.each(recordedAnswers().map(({ name, text }) => [name, text] as const))(
		'%s: after readTaskAnswer, too (the node parses, then shapes)',
		(_name, text) => {
			const read = readTaskAnswer(
				{
					url: 'https://yunwu.ai/v1/video/query',
					statusCode: 200,
					headers: { 'content-type': 'application/json' },
					body: text,
				},
				0,
			);
			expect(read.ok).toBe(true);
			if (!read.ok) return;
			const json = JSON.parse(text) as Record<string, unknown>;
			const output = shapeTaskOutput(QUERIED, read.value);
			for (const [key, value] of Object.entries(json))
				expect({ key, value: output[key] }).toEqual({ key, value });
		},
	);

	test.each(recordedAnswers().map(({ name, json }) => [name, json] as const))(
		"%s: task_id is the id as queried, not the answer's id",
		(_name, json) => {
			const output = shapeTaskOutput(QUERIED, json as TaskAnswer);
			expect(output.task_id).toBe(QUERIED);
			expect(output.id).toBe(json.id);
		},
	);

	test.each(recordedAnswers().map(({ name, json }) => [name, json] as const))(
		'%s: the only added fields are task_id, state, progress, error_message and *_iso twins',
		(_name, json) => {
			const output = shapeTaskOutput(QUERIED, json as TaskAnswer);
			const added = Object.keys(output).filter((key) => !(key in json));
			for (const key of added) {
				expect(
					['task_id', 'state', 'progress', 'error_message'].includes(key) || key.endsWith('_iso'),
				).toBe(true);
			}
			expect(Object.keys(output)).toEqual(
				expect.arrayContaining(['task_id', 'state', 'progress', 'error_message']),
			);
		},
	);

	test('completed: exact output', () => {
		const { json } = recordedAnswer('completed');
		expect(
			shapeTaskOutput('grok:5cdad6a7-0730-426f-88ec-d39b863ada15', json as TaskAnswer),
		).toEqual({
			...json,
			task_id: 'grok:5cdad6a7-0730-426f-88ec-d39b863ada15',
			state: 'completed',
			progress: 100,
			error_message: null,
			completed_at_iso: '2025-12-03T07:08:33.000Z',
			status_update_time_iso: '2025-12-03T07:08:33.000Z',
		});
	});

	test('processing: progress is null because the API sends none, only the status time has a twin', () => {
		const { json } = recordedAnswer('processing');
		expect('progress' in json).toBe(false);
		expect(
			shapeTaskOutput('grok:18e59915-22b0-4c62-9024-b7e3a0a37821', json as TaskAnswer),
		).toEqual({
			task_id: 'grok:18e59915-22b0-4c62-9024-b7e3a0a37821',
			state: 'processing',
			progress: null,
			error_message: null,
			id: 'grok:18e59915-22b0-4c62-9024-b7e3a0a37821',
			status: 'processing',
			status_update_time: 1764756435,
			status_update_time_iso: '2025-12-03T10:07:15.000Z',
		});
	});

	test('processing-then-completed: the same task once done', () => {
		const output = shapeTaskOutput(
			'grok:18e59915-22b0-4c62-9024-b7e3a0a37821',
			recordedAnswer('processing-then-completed').json as TaskAnswer,
		);
		expect(output.state).toBe('completed');
		expect(output.progress).toBe(100);
		expect(output.completed_at_iso).toBe('2025-12-03T10:07:46.000Z');
		expect(output.status_update_time_iso).toBe('2025-12-03T10:07:46.000Z');
		expect(output.video_url).toBe(
			'https://soruxgpt-saas-yimeng.soruxgpt.com/file_download/0e4cc150-1219-4263-af1b-8d2f9849f267.mp4',
		);
	});

	test('the answer object is not modified', () => {
		const { json } = recordedAnswer('completed');
		const copy = JSON.parse(JSON.stringify(json)) as unknown;
		shapeTaskOutput('x', json as TaskAnswer);
		expect(json).toEqual(copy);
	});
});

describe('shapeTaskOutput: answers beyond the recordings', () => {
	test('the task id as queried keeps its prefix when the answer id lacks it', () => {
		const output = shapeTaskOutput('veo3.1-fast:abc', { id: 'abc', status: 'pending' });
		expect(output.task_id).toBe('veo3.1-fast:abc');
		expect(output.id).toBe('abc');
		expect(output.state).toBe('pending');
	});

	test('millisecond timestamps and numeric strings get the same ISO twins as seconds', () => {
		const output = shapeTaskOutput('t', {
			status: 'completed',
			status_update_time: 1764745713000,
			completed_at: '1764745713',
			created_at: 1764745700,
		});
		expect(output.status_update_time_iso).toBe('2025-12-03T07:08:33.000Z');
		expect(output.completed_at_iso).toBe('2025-12-03T07:08:33.000Z');
		expect(output.created_at_iso).toBe('2025-12-03T07:08:20.000Z');
		// The raw values stay as sent.
		expect(output.status_update_time).toBe(1764745713000);
		expect(output.completed_at).toBe('1764745713');
	});

	test('timestamps that are missing, zero or not times get no twin', () => {
		const output = shapeTaskOutput('t', {
			status: 'processing',
			completed_at: 0,
			status_update_time: null,
		});
		expect(output).not.toHaveProperty('completed_at_iso');
		expect(output).not.toHaveProperty('status_update_time_iso');
		expect(output.completed_at).toBe(0);
		expect(output.status_update_time).toBeNull();
	});

	test('fields that are not timestamps get no twin even when numeric', () => {
		const output = shapeTaskOutput('t', {
			status: 'completed',
			duration: 1764745713,
			seed: 1764745713,
		});
		expect(output).not.toHaveProperty('duration_iso');
		expect(output).not.toHaveProperty('seed_iso');
	});

	test('an error object is kept as sent, and read into error_message', () => {
		const error = { code: 'content_policy', message: 'Blocked prompt' };
		const output = shapeTaskOutput('t', { status: 'failed', error });
		expect(output.error).toEqual(error);
		expect(output.error_message).toBe('Blocked prompt (content_policy)');
		expect(output.state).toBe('failed');
	});

	test('a string error is kept as sent, and read into error_message', () => {
		const output = shapeTaskOutput('t', {
			status: 'video_generation_failed',
			error: ' upstream\nrefused ',
		});
		expect(output.error).toBe(' upstream\nrefused ');
		expect(output.error_message).toBe('upstream refused');
		expect(output.state).toBe('failed');
	});

	test('new fields pass through untouched', () => {
		const output = shapeTaskOutput('t', {
			status: 'completed',
			enhanced_prompt: 'A cat walking, cinematic',
			nested: { a: [1, 2] },
			flag: false,
		});
		expect(output.enhanced_prompt).toBe('A cat walking, cinematic');
		expect(output.nested).toEqual({ a: [1, 2] });
		expect(output.flag).toBe(false);
	});

	test('an unknown status is state unknown, never completed', () => {
		expect(shapeTaskOutput('t', { status: 'teleporting' }).state).toBe('unknown');
	});

	test('a progress sent as "45%" reads as 45', () => {
		expect(shapeTaskOutput('t', { status: 'processing', progress: '45%' }).progress).toBe(45);
	});

	// The node's own fields must not be replaced by same-named API fields, and the API's must not be lost.
	test('an API field named task_id does not replace the id as queried', () => {
		const output = shapeTaskOutput('grok:abc', {
			status: 'processing',
			task_id: 'abc',
		} as TaskAnswer);
		expect(output.task_id).toBe('grok:abc');
	});

	test('an API field named state does not replace the normalised state', () => {
		const output = shapeTaskOutput('t', { status: 'completed', state: 'SUCCESS' } as TaskAnswer);
		expect(output.state).toBe('completed');
	});

	test('an API field named error_message is not dropped when there is no error field', () => {
		const output = shapeTaskOutput('t', {
			status: 'failed',
			error_message: 'content policy violation',
		} as TaskAnswer);
		expect(output.error_message).toBe('content policy violation');
	});

	test('API fields named like Object.prototype members keep their own names and values', () => {
		const answer = JSON.parse(
			'{"status":"completed","constructor":"c","hasOwnProperty":1,"toString":"t","valueOf":false,"isPrototypeOf":null}',
		) as TaskAnswer;
		const output = shapeTaskOutput('t', answer);
		expect(output).toMatchObject({
			constructor: 'c',
			hasOwnProperty: 1,
			toString: 't',
			valueOf: false,
			isPrototypeOf: null,
		});
		expect(Object.keys(output).filter((key) => key.startsWith('api_'))).toEqual([]);
	});
});
