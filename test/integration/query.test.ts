import {
	credentialsFor,
	everythingSaid,
	itemsWithIds,
	runNode,
	useYunwuServer,
} from '../support/harness/n8n';
import { recordedAnswer } from '../support/recorded';

const yunwu = useYunwuServer();

const query = (ids: string[], extra: Record<string, unknown> = {}, continueOnFail = false) =>
	runNode({
		parameters: { operation: 'query', taskId: '={{ $json.id }}', ...extra },
		items: itemsWithIds(ids),
		credentials: credentialsFor(yunwu()),
		continueOnFail,
	});

describe('Query: recorded answers', () => {
	test('a processing task: progress is null (the API sends none), fields kept, ISO time beside the raw one', async () => {
		const raw = recordedAnswer('processing').text;
		yunwu().addTask({ id: 'grok:18e59915-22b0-4c62-9024-b7e3a0a37821', rawAnswers: [raw] });

		const run = await query(['grok:18e59915-22b0-4c62-9024-b7e3a0a37821']);

		expect(run.status).toBe('success');
		expect(run.items).toHaveLength(1);
		const { json, binary, pairedItem } = run.items![0];
		expect(json).toEqual({
			task_id: 'grok:18e59915-22b0-4c62-9024-b7e3a0a37821',
			state: 'processing',
			progress: null,
			error_message: null,
			id: 'grok:18e59915-22b0-4c62-9024-b7e3a0a37821',
			status: 'processing',
			status_update_time: 1764756435,
			status_update_time_iso: '2025-12-03T10:07:15.000Z',
		});
		expect(binary).toBeUndefined();
		expect(pairedItem).toEqual({ item: 0 });
	});

	test('a completed task: every field the API sent reaches the output under its own name and value', async () => {
		const raw = recordedAnswer('completed').text;
		const sent = JSON.parse(raw) as Record<string, unknown>;
		yunwu().addTask({ id: 'grok:recorded-completed', rawAnswers: [raw] });

		const run = await query(['grok:recorded-completed']);

		const { json } = run.items![0];
		for (const [field, value] of Object.entries(sent)) expect(json[field]).toEqual(value);
		expect(json.task_id).toBe('grok:recorded-completed');
		expect(json.state).toBe('completed');
		expect(json.progress).toBe(100);
		expect(json.completed_at_iso).toBe('2025-12-03T07:08:33.000Z');
		expect(json.error_message).toBeNull();
	});
});

describe('Query: variants in the contract', () => {
	test.each([
		['SUCCESS', 'completed'],
		['In_Progress', 'processing'],
		['video_generation_completed', 'processing'],
		['video_upsampling_completed', 'completed'],
		['NOT_START', 'pending'],
		['video_upsampling_failed', 'failed'],
		['teleporting', 'unknown'],
	])('status %s is state %s', async (status, state) => {
		const id = `veo3:status-${status}`;
		yunwu().addTask({
			id,
			rawAnswers: [JSON.stringify({ id, status, status_update_time: 1764756435000 })],
		});

		const run = await query([id]);

		expect(run.items![0].json.state).toBe(state);
		expect(run.items![0].json.status).toBe(status);
		// Milliseconds are understood as well as seconds.
		expect(run.items![0].json.status_update_time_iso).toBe('2025-12-03T10:07:15.000Z');
	});

	test('an error object is reduced to a readable message and kept whole', async () => {
		const error = {
			code: 'content_policy',
			message: 'The prompt was rejected by the safety system',
		};
		yunwu().addTask({
			id: 'sora:err-object',
			rawAnswers: [
				JSON.stringify({ id: 'err-object', status: 'FAILURE', error, progress: '100%' }),
			],
		});

		const { items } = await query(['sora:err-object']);

		expect(items![0].json).toMatchObject({
			state: 'failed',
			error,
			error_message: 'The prompt was rejected by the safety system (content_policy)',
			progress: 100,
		});
	});

	test('each item queries its own task id (expressions work, surrounding whitespace is trimmed)', async () => {
		yunwu().addTask({ id: 'grok:item-a', pendingPolls: 5 });
		yunwu().addTask({ id: 'grok:item-b', processingPolls: 5 });

		const run = await query(['  grok:item-a\n', 'grok:item-b ']);

		expect(run.items!.map((item) => [item.json.task_id, item.json.state, item.pairedItem])).toEqual(
			[
				['grok:item-a', 'pending', { item: 0 }],
				['grok:item-b', 'processing', { item: 1 }],
			],
		);
		expect(yunwu().apiRequests('grok:item-a')).toHaveLength(1);
		expect(yunwu().apiRequests('grok:item-b')).toHaveLength(1);
	});

	test('a base URL with a trailing slash works', async () => {
		yunwu().addTask({ id: 'grok:slash', pendingPolls: 1 });
		const run = await runNode({
			parameters: { operation: 'query', taskId: 'grok:slash' },
			credentials: { apiKey: yunwu().apiKey, baseUrl: `${yunwu().apiUrl}/` },
		});
		expect(run.items![0].json.state).toBe('pending');
		expect(yunwu().apiRequests('grok:slash')[0].path).toBe('/v1/video/query');
	});

	test('a base URL entered with /v1 (as OpenAI-style gateways are) works', async () => {
		yunwu().addTask({ id: 'grok:v1-suffix', processingPolls: 1 });
		const run = await runNode({
			parameters: { operation: 'query', taskId: 'grok:v1-suffix' },
			credentials: { apiKey: yunwu().apiKey, baseUrl: `${yunwu().apiUrl}/v1/` },
		});
		expect(run.items![0].json.state).toBe('processing');
	});

	test("an API redirect is not followed: the key stays with the base URL's origin", async () => {
		const before = yunwu().log.length;
		yunwu().addTask({
			id: 'grok:redirected',
			faults: [
				{
					type: 'status',
					code: 301,
					headers: {
						Location: `${yunwu().fileUrl}/v1/video/query?id=grok:redirected&token=secret`,
					},
				},
			],
		});
		const run = await query(['grok:redirected']);
		expect(run.error?.message).toBe(
			`The Base URL answered task "grok:redirected" with a redirect (HTTP 301 to ${yunwu().fileUrl}), which the node does not follow so your key stays with Yunwu. Put the address it redirects to into the Base URL of your Yunwu API credential.`,
		);
		expect(
			yunwu()
				.log.slice(before)
				.map((entry) => entry.server),
		).toEqual(['api']);
	});

	test('a base URL with a wrong path says to check the base URL, not the task id', async () => {
		yunwu().addTask({ id: 'grok:wrong-path', processingPolls: 1 });
		const run = await runNode({
			parameters: { operation: 'query', taskId: 'grok:wrong-path' },
			credentials: { apiKey: yunwu().apiKey, baseUrl: `${yunwu().apiUrl}/api` },
		});
		expect(run.error?.message).toMatch(
			/^Yunwu has no such API address \(HTTP 404: Invalid URL \(GET \/api\/v1\/video\/query\) \(invalid_request_error\)\) for task "grok:wrong-path"\. Check that the Base URL .* with no path\.$/,
		);
	});

	test('a base URL that is not a web address fails before any request', async () => {
		const run = await runNode({
			parameters: { operation: 'query', taskId: 'grok:x' },
			credentials: { apiKey: yunwu().apiKey, baseUrl: 'ftp://yunwu.ai' },
		});
		expect(run.error?.message).toBe(
			'The Base URL in your Yunwu API credential is not a web address. Enter the API address, such as https://yunwu.ai.',
		);
	});

	test('a base URL without a scheme is asked over https (as the credential test does), and the message says so', async () => {
		const { host } = new URL(yunwu().apiUrl);
		const id = yunwu().addTask({ id: 'grok:no-scheme' });

		const run = await runNode({
			parameters: { operation: 'query', taskId: id },
			credentials: { apiKey: yunwu().apiKey, baseUrl: host },
		});

		expect(run.error?.message).toBe(
			`Could not reach Yunwu at https://${host} for task "${id}": the secure (TLS) connection failed. Check the Base URL in your Yunwu API credential and the network, then retry.`,
		);
	});

	test('Download Video on a completed task attaches the video', async () => {
		yunwu().addTask({ id: 'grok:query-download', end: 'completed', video: { size: 4096 } });
		const run = await query(['grok:query-download'], { downloadVideo: true });
		expect(run.items![0].binary?.data).toMatchObject({
			mimeType: 'video/mp4',
			fileName: 'grok_query-download.mp4',
			bytes: 4096,
		});
	});
});

describe('Query: bad input and bad answers', () => {
	test('an empty task id fails before any request, naming the item', async () => {
		const before = yunwu().log.length;
		const run = await query(['   ']);
		expect(run.error?.message).toBe(
			'The Task ID of item 0 is empty. Map the ID returned when the task was created, for example {{ $json.id }}.',
		);
		expect(yunwu().log.length).toBe(before);
	});

	test('a task id that is a whole object is refused before any request', async () => {
		const before = yunwu().log.length;
		const run = await runNode({
			parameters: { operation: 'query', taskId: '={{ $json }}' },
			items: [{ json: { id: 'grok:x' } }],
			credentials: credentialsFor(yunwu()),
		});
		expect(run.error?.message).toMatch(
			/^The Task ID ".*" of item 0 is not a task ID\. Map the task's own ID field/,
		);
		expect(yunwu().log.length).toBe(before);
	});

	test.each([
		['={{ String($json.missing) }}', 'undefined'],
		['{{ $json.id }}', '{{ $json.id }}'],
		['grok:abc def', 'grok:abc def'],
	])('a malformed task id (%s) is refused before any request', async (taskId, shown) => {
		const before = yunwu().log.length;
		const run = await runNode({
			parameters: { operation: 'query', taskId },
			items: [{ json: {} }],
			credentials: credentialsFor(yunwu()),
		});
		expect(run.error?.message).toBe(
			`The Task ID "${shown}" of item 0 is not a task ID. Map the task's own ID field, for example {{ $json.id }}, not a whole item or an unresolved expression.`,
		);
		expect(yunwu().log.length).toBe(before);
	});

	const cases: Array<[string, (id: string) => void, RegExp]> = [
		[
			'an unknown task (404)',
			() => undefined,
			/^Yunwu does not know task "grok:missing-\d" \(HTTP 404: task_not_exist\)\. Use the full task ID returned when the task was created/,
		],
		[
			'429',
			(id) => yunwu().addTask({ id, faults: [{ type: 'rateLimit', retryAfter: '7' }] }),
			/^Yunwu is rate-limiting requests \(HTTP 429: Too many requests, please slow down \(rate_limit_error\)\) for task "grok:missing-\d"\. Wait a minute and retry/,
		],
		[
			'a 502 HTML gateway page',
			(id) => yunwu().addTask({ id, faults: [{ type: 'gatewayPage', code: 502 }] }),
			/^Yunwu's gateway answered with an error page \(HTTP 502\) for task "grok:missing-\d"\. The service is having trouble; retry in a few minutes\.$/,
		],
		[
			'a body that is not JSON',
			(id) => yunwu().addTask({ id, faults: [{ type: 'notJson' }] }),
			/^Yunwu answered task "grok:missing-\d" with something that is not JSON \(HTTP 200\)\. Check that the Base URL in your Yunwu API credential \(http:\/\/127\.0\.0\.1:\d+\) is the API address/,
		],
		[
			'JSON that is not an object',
			(id) => yunwu().addTask({ id, faults: [{ type: 'notObject' }] }),
			/^Yunwu answered task "grok:missing-\d" with JSON that is not an object \(HTTP 200\)\./,
		],
		[
			'an HTML page with status 200',
			(id) =>
				yunwu().addTask({
					id,
					faults: [
						{
							type: 'status',
							code: 200,
							contentType: 'text/html',
							body: '<!doctype html><title>Welcome</title>',
						},
					],
				}),
			/^Yunwu answered task "grok:missing-\d" with a web page instead of JSON \(HTTP 200\)\./,
		],
	];

	test.each(cases.map(([name, setup, message], index) => [name, setup, message, index] as const))(
		'%s gives one clear line naming the task',
		async (_name, setup, message, index) => {
			const id = `grok:missing-${index}`;
			setup(id);
			const run = await query([id]);
			expect(run.status).toBe('error');
			expect(run.error?.message).toMatch(message);
			expect(run.error?.message).not.toMatch(/\n|undefined|at .*\.js/);
			expect(everythingSaid(run)).not.toContain(yunwu().apiKey);
		},
	);

	test('Task ID left at its default: n8n still refuses a version 1 node (saved before 1.1) as before; version 1.1 reads the incoming task_id', async () => {
		yunwu().addTask({ id: 'grok:mapped-by-default', pendingPolls: 0, processingPolls: 5 });
		const run = (typeVersion: number) =>
			runNode({
				parameters: { operation: 'query' },
				items: [{ json: { task_id: 'grok:mapped-by-default' } }],
				credentials: credentialsFor(yunwu()),
				typeVersion,
			});
		// n8n saves only values that differ from the default: a version 1 node left empty holds no taskId.
		await expect(run(1)).rejects.toThrow('Parameter "Task ID" is required.');
		const added = await run(1.1);
		expect(added.error).toBeUndefined();
		expect(added.items![0].json).toMatchObject({
			task_id: 'grok:mapped-by-default',
			state: 'processing',
		});
	});

	test('an unknown task: the model prefix is asked for only when the ID has none', async () => {
		const [withPrefix, withoutPrefix] = await Promise.all([
			query(['grok:typo-1234']),
			query(['5cdad6a7-0730-426f-88ec-d39b863ada15']),
		]);
		expect(withPrefix.error?.message).toBe(
			'Yunwu does not know task "grok:typo-1234" (HTTP 404: task_not_exist). Use the full task ID returned when the task was created, with an API key of the account that created it.',
		);
		expect(withoutPrefix.error?.message).toBe(
			'Yunwu does not know task "5cdad6a7-0730-426f-88ec-d39b863ada15" (HTTP 404: task_not_exist). Use the full task ID returned when the task was created, including its prefix such as "grok:".',
		);
	});

	test('an unknown task reported with HTTP 400 or inside a 200 answer is "unknown task" too', async () => {
		for (const style of ['http400', 'http200'] as const) {
			yunwu().unknownTask = style;
			const run = await query(['grok:nobody']);
			expect(run.error?.message).toMatch(
				/^Yunwu does not know task "grok:nobody" \(HTTP (400|200): task_not_exist/,
			);
		}
		yunwu().unknownTask = 'http404';
	});

	test('a bad key (401) says to check the key, and the key appears nowhere', async () => {
		yunwu().addTask({ id: 'grok:any', pendingPolls: 1 });
		const wrongKey = 'sk-wrong-key-0000111122223333';
		const run = await runNode({
			parameters: { operation: 'query', taskId: 'grok:any' },
			credentials: { apiKey: wrongKey, baseUrl: yunwu().apiUrl },
		});
		expect(run.error?.message).toBe(
			'Yunwu rejected the API key (HTTP 401: Invalid token (request id: 2025120318) (invalid_api_key)) for task "grok:any". Check the API key in your Yunwu API credential.',
		);
		expect((run.error as { httpCode?: string } | undefined)?.httpCode).toBe('401');
		expect(everythingSaid(run)).not.toContain(wrongKey);
		// n8n's credential mechanism sent the key as a Bearer header.
		expect(yunwu().apiRequests('grok:any').at(-1)?.authorization).toBe(`Bearer ${wrongKey}`);
	});

	test('an unreachable host names the base URL and what to check', async () => {
		const run = await runNode({
			parameters: { operation: 'query', taskId: 'grok:any' },
			credentials: { apiKey: yunwu().apiKey, baseUrl: 'http://127.0.0.1:9' },
		});
		expect(run.error?.message).toBe(
			'Could not reach Yunwu at http://127.0.0.1:9 for task "grok:any": the connection was refused. Check the Base URL in your Yunwu API credential and the network, then retry.',
		);
	});

	test('Continue On Fail: each bad item becomes an error item, the others still succeed, pairing kept', async () => {
		yunwu().addTask({ id: 'grok:cof-ok-1', processingPolls: 9 });
		yunwu().addTask({ id: 'grok:cof-html', faults: [{ type: 'gatewayPage', code: 504 }] });
		yunwu().addTask({ id: 'grok:cof-ok-2', end: 'completed' });

		const run = await query(
			['grok:cof-ok-1', 'grok:cof-unknown', '', 'grok:cof-html', 'grok:cof-ok-2'],
			{},
			true,
		);

		expect(run.status).toBe('success');
		const summary = run.items!.map(({ json, pairedItem }) => [
			pairedItem,
			json.task_id ?? null,
			json.state ?? null,
			json.error ? 'error' : 'ok',
		]);
		expect(summary).toEqual([
			[{ item: 0 }, 'grok:cof-ok-1', 'processing', 'ok'],
			[{ item: 1 }, 'grok:cof-unknown', null, 'error'],
			[{ item: 2 }, null, null, 'error'],
			[{ item: 3 }, 'grok:cof-html', null, 'error'],
			[{ item: 4 }, 'grok:cof-ok-2', 'completed', 'ok'],
		]);
		expect(run.items![1].json.error).toMatch(/^Yunwu does not know task "grok:cof-unknown"/);
		expect(run.items![2].json.error).toMatch(/^The Task ID of item 2 is empty/);
		expect(run.items![3].json.error).toMatch(/error page \(HTTP 504\)/);
	});
});
