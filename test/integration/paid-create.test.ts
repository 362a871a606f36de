/**
 * Issue 19: no paid create without its id kept, no run that pays for work it throws away, every
 * reason shown. Each test runs the node through n8n-core against the local Yunwu server.
 */
import {
	captureN8nLogs,
	credentialsFor,
	runNode,
	startNode,
	useYunwuServer,
} from '../support/harness/n8n';

const yunwu = useYunwuServer();
let logs: ReturnType<typeof captureN8nLogs>;
beforeAll(() => {
	logs = captureN8nLogs();
});

const create = (
	parameters: Record<string, unknown>,
	options: Omit<Parameters<typeof runNode>[0], 'parameters' | 'credentials'> = {},
) =>
	runNode({
		parameters: {
			operation: 'create',
			model: 'veo3.1-fast',
			prompt: 'A lighthouse at dusk',
			waitForCompletion: false,
			...parameters,
		},
		credentials: credentialsFor(yunwu()),
		...options,
	});

/** A Wait Until Complete of one task, polling every 20 ms unless `options` say otherwise. */
const waitOn = (taskId: string, options: Record<string, unknown> = {}) =>
	runNode({
		parameters: {
			operation: 'waitUntilComplete',
			taskId,
			options: { pollInterval: 0.02, ...options },
		},
		credentials: credentialsFor(yunwu()),
	});

/** The create requests the server receives from now on. */
function createsFromNow() {
	const start = yunwu().createBodies.length;
	return () => yunwu().createBodies.length - start;
}

/** A create answered with this body (HTTP 200 unless said). */
const answerCreateWith = (body: string, code = 200) =>
	yunwu().createFaults.push({ type: 'status', code, body });

describe('A 2xx create answer: the id taken from an envelope, or the task may exist', () => {
	test.each([
		[
			'new-api\'s task envelope {"code":"success","data":"<id>"}',
			'{"code":"success","message":"","data":"veo3:abc-123"}',
			'veo3:abc-123',
		],
		[
			'{"code":0,"msg":"ok","data":{"id":…}}',
			'{"code":0,"msg":"ok","data":{"id":"kling:42","status":"submitted"}}',
			'kling:42',
		],
		[
			'{"data":{"task_id":…}}',
			'{"code":0,"message":"SUCCEED","data":{"task_id":"880011","task_status":"submitted"}}',
			'880011',
		],
		[
			"new-api's task record in its envelope (a numbered database row `id`, the task's `task_id`)",
			'{"code":"success","message":"","data":{"id":4821,"task_id":"task_Zx9qLr","status":"SUBMITTED","fail_reason":""}}',
			'task_Zx9qLr',
		],
		[
			"new-api's task record without an envelope",
			'{"id":4822,"task_id":"task_Ab3kWp","status":"SUBMITTED"}',
			'task_Ab3kWp',
		],
	])('%s: the task is output with that id', async (_name, body, id) => {
		answerCreateWith(body);
		const run = await create({});
		expect(run.error).toBeUndefined();
		expect(run.items![0].json).toMatchObject({ task_id: id, id });
	});

	test('{"error":{"message":"upstream request timeout"}} with HTTP 200 is not a refusal: the task may exist, and Retry On Fail (3 tries) sends one create', async () => {
		const creates = createsFromNow();
		answerCreateWith('{"error":{"message":"upstream request timeout"}}');
		const run = await create({}, { retry: { maxTries: 3, waitBetweenTries: 10 } });
		expect(creates()).toBe(1);
		expect(run.error?.message).toMatch(/upstream request timeout/);
		expect(run.error?.message).toMatch(/may still have been created: check the task list/);
		expect(run.error?.message).not.toMatch(/^Yunwu rejected/);
	});

	test('a 200 with a message and no id anywhere says the task may exist, naming the message', async () => {
		answerCreateWith('{"code":"fail","message":"quota check pending","data":null}');
		const run = await create({});
		expect(run.error?.message).toMatch(/quota check pending/);
		expect(run.error?.message).toMatch(/may still have been created/);
	});
});

test('a numeric task id above 2^53 keeps every digit, in the output and in the log', async () => {
	answerCreateWith('{"id": 1857348573485734857, "status": "pending"}');
	const run = await create({});
	expect(run.error).toBeUndefined();
	expect(run.items![0].json.task_id).toBe('1857348573485734857');
	expect(logs.lines().some((line) => line.includes('created task \\"1857348573485734857\\"'))).toBe(
		true,
	);
});

test('after one item failed (no Continue On Fail), items not yet started create nothing', async () => {
	const creates = createsFromNow();
	const tasks = yunwu().createdTasks.length;
	answerCreateWith('{"error":{"message":"prompt is too long"}}', 400);
	const run = await create(
		{ prompt: '={{ $json.prompt }}', waitForCompletion: true, options: { maxConcurrent: 1 } },
		{ items: ['a', 'b', 'c', 'd'].map((prompt) => ({ json: { prompt } })) },
	);
	expect(run.error?.message).toMatch(/prompt is too long/);
	expect(creates()).toBe(1);
	expect(yunwu().createdTasks.length).toBe(tasks);
	expect(run.error?.message).toMatch(
		/Items 1, 2, 3 were not started \(nothing was sent for them\)/,
	);
});

describe('Wait for Completion is read and checked before the create', () => {
	test('an expression that fails: the item fails before any create', async () => {
		const creates = createsFromNow();
		const run = await create({ waitForCompletion: '={{ $("No Such Node").item.json.wait }}' });
		expect(run.error).toBeDefined();
		expect(creates()).toBe(0);
	});

	test('an expression giving something that is not true or false: a clear error, no create', async () => {
		const creates = createsFromNow();
		const run = await create({ waitForCompletion: '={{ "maybe" }}' });
		expect(run.error?.message).toMatch(/^Wait for Completion of item 0 is "maybe"/);
		expect(creates()).toBe(0);
	});

	test('the text "false" is off: the created task is output without waiting', async () => {
		const before = yunwu().log.length;
		const run = await create({ waitForCompletion: '={{ "false" }}' });
		expect(run.error).toBeUndefined();
		expect(run.items![0].json.state).toBe('pending');
		expect(
			yunwu()
				.log.slice(before)
				.filter((request) => request.method === 'GET'),
		).toHaveLength(0);
	});
});

test("n8n's Retry of a failed execution does not send again a create whose answer never came back", async () => {
	const creates = createsFromNow();
	yunwu().createFaults.push({ type: 'hang' });
	const failed = await create({ options: { requestTimeout: 0.3 } });
	expect(failed.error?.message).toMatch(/may still have been created/);
	expect(creates()).toBe(1);

	// n8n's Retry of a failed execution: a new execution from the saved data, the node's context included.
	const retried = await create(
		{ options: { requestTimeout: 0.3 } },
		{ contextData: failed.run.data.executionData!.contextData },
	);
	expect(retried.executionId).not.toBe(failed.executionId);
	expect(creates()).toBe(1);
	expect(retried.error?.message).toMatch(/may still have been created/);
	expect(retried.error?.message).toMatch(/not sent again when n8n retried the execution/);
	expect(retried.error?.message).toMatch(/run the workflow anew/);

	// A Retry whose request now reads differently (the prompt edited, then "Retry with currently
	// saved workflow") is a new request: it is sent.
	yunwu().createFaults.push({ type: 'hang' });
	const edited = await create(
		{ prompt: 'A lighthouse at dawn', options: { requestTimeout: 0.3 } },
		{ contextData: failed.run.data.executionData!.contextData },
	);
	expect(edited.error?.message).not.toMatch(/not sent again/);
	expect(creates()).toBe(2);

	// A new execution (no saved context) sends it: the user checked the dashboard.
	const anew = await create({ options: { requestTimeout: 0.3 } });
	expect(anew.error).toBeUndefined();
	expect(creates()).toBe(3);
});

describe('Truth', () => {
	test('a failed task whose reason is in error_message shows that reason', async () => {
		const id = yunwu().addTask({
			id: 'veo3:reason-in-error-message',
			rawAnswers: [
				'{"id":"reason-in-error-message","status":"failed","error":"","error_message":"the prompt was flagged by moderation"}',
			],
		});
		const run = await runNode({
			parameters: { operation: 'waitUntilComplete', taskId: id, options: { pollInterval: 0.02 } },
			credentials: credentialsFor(yunwu()),
		});
		expect(run.error?.message).toMatch(
			/failed on Yunwu \(status "failed"\): the prompt was flagged by moderation\./,
		);
	});

	test('a failed task whose error object holds only a code (0) and whose words are in fail_reason shows the words', async () => {
		const id = yunwu().addTask({
			id: 'veo3:reason-beside-code',
			rawAnswers: [
				'{"id":"reason-beside-code","status":"failed","error":{"code":0,"message":""},"fail_reason":"the prompt was flagged by moderation"}',
			],
		});
		const run = await waitOn(id);
		expect(run.error?.message).toMatch(
			/failed on Yunwu \(status "failed"\): the prompt was flagged by moderation\./,
		);
	});

	test.each([
		[
			'a 400 "Invalid task parameters"',
			400,
			'{"error":{"message":"Invalid task parameters: duration must be 5 or 10","type":"invalid_request_error"}}',
			/Invalid task parameters/,
		],
		[
			'an OpenAI-style 404 model_not_found',
			404,
			'{"error":{"message":"model veo9 is not available","type":"invalid_request_error","code":"model_not_found"}}',
			/model_not_found/,
		],
	])('%s on create is a refusal, not a wrong Base URL', async (_name, code, body, shown) => {
		answerCreateWith(body, code);
		const run = await create({});
		expect(run.error?.message).toMatch(/^Yunwu rejected the request \(HTTP \d+: /);
		expect(run.error?.message).toMatch(shown);
		expect(run.error?.message).not.toMatch(/no such API address|Base URL/);
	});

	test('a refusal whose message echoes the request (a 1 MB base64 image) gives a short error that still says what to do', async () => {
		const echoed = `invalid image: data:image/png;base64,${'A'.repeat(1_000_000)}`;
		answerCreateWith(
			JSON.stringify({ error: { message: echoed, type: 'invalid_request_error' } }),
			400,
		);
		const run = await create({});
		expect(run.error?.message).toMatch(
			/^Yunwu rejected the request \(HTTP 400: invalid image: data:image\/png;base64,A+…/,
		);
		expect(run.error?.message).toMatch(/Check the node's fields against the message\.$/);
		expect(run.error!.message.length).toBeLessThan(1000);
	});

	test('a task failed with a reason of 1 MB gives a short error that still says what to do', async () => {
		const id = yunwu().addTask({
			id: 'veo3:huge-reason',
			rawAnswers: [
				JSON.stringify({
					id: 'huge-reason',
					status: 'failed',
					error: `flagged: ${'x'.repeat(1_000_000)}`,
				}),
			],
		});
		const run = await waitOn(id);
		expect(run.error?.message).toMatch(/failed on Yunwu \(status "failed"\): flagged: x+…/);
		expect(run.error?.message).toMatch(/then create a new task\.$/);
		expect(run.error!.message.length).toBeLessThan(1000);
	});

	test('a status word of 100,000 characters gives a short timeout error', async () => {
		const id = yunwu().addTask({
			id: 'veo3:huge-status',
			rawAnswers: [JSON.stringify({ id: 'huge-status', status: `queued${'z'.repeat(100_000)}` })],
		});
		const run = await waitOn(id, { pollInterval: 0.05, timeout: 0.3 });
		expect(run.error?.message).toMatch(/last status "queuedz+…"/);
		expect(run.error!.message.length).toBeLessThan(1000);
	});

	test("new-api's 503 model_not_found (no channel serves the model, nothing passed on) on create is a refusal: no task may exist", async () => {
		answerCreateWith(
			'{"error":{"message":"当前分组 default 下对于模型 veo9 无可用渠道","type":"new_api_error","code":"model_not_found"}}',
			503,
		);
		const run = await create({});
		expect(run.error?.message).toMatch(/^Yunwu rejected the request \(HTTP 503: .*无可用渠道/);
		expect(run.error?.message).not.toMatch(/may still have been created|server error/);
	});

	test('Create + Wait: one Timeout bounds the whole item, the create retried after a 429 included', async () => {
		yunwu().createdTaskTemplate = { readyAfterMs: 60_000, end: 'completed' };
		yunwu().createFaults.push({ type: 'rateLimit', retryAfter: '1' });
		const startedAt = Date.now();
		const run = await create({
			waitForCompletion: true,
			options: { pollInterval: 0.1, timeout: 2 },
		});
		const took = Date.now() - startedAt;
		expect(run.error?.message).toMatch(/did not finish within 2 s/);
		expect(took).toBeLessThan(2600);
	});

	test('Create + Wait whose create (retried after a 429) left less than one Poll Interval of Timeout says so, not that Poll Interval is too long for Timeout', async () => {
		yunwu().createFaults.push({ type: 'rateLimit', retryAfter: '1' });
		const run = await create({
			waitForCompletion: true,
			options: { pollInterval: 0.6, timeout: 1.5 },
		});
		expect(run.error?.message).toMatch(
			/^Task "[^"]+" was created, but its create request took 1(\.\d)? s of Timeout \(1\.5 s\)/,
		);
		expect(run.error?.message).not.toMatch(/Raise Timeout above Poll Interval/);
		expect(run.error?.message).toMatch(/Raise Timeout in the options\.$/);
	});

	test('Create + Wait: the first create request keeps its whole Request Timeout past Timeout, so the id of the task it created is kept', async () => {
		// About 1.2 s: one space every 100 ms, then the answer.
		const slowAnswer = '{"id":"veo3:slow-create","status":"pending"}';
		yunwu().createFaults.push({ type: 'trickle', intervalMs: 100, ticks: 12, body: slowAnswer });
		const run = await create({
			waitForCompletion: true,
			options: { pollInterval: 0.2, timeout: 1, requestTimeout: 5 },
		});
		expect(run.error?.message).toMatch(
			/^Task "veo3:slow-create" was created, but its create request took 1(\.\d)? s of Timeout \(1 s\)/,
		);
	});

	test('Create + Wait: a create retried after a 429 gets no more than what is left of Timeout, not a whole Request Timeout', async () => {
		yunwu().createFaults.push({ type: 'rateLimit', retryAfter: '0' }, { type: 'hang' });
		const startedAt = Date.now();
		const run = await create({
			waitForCompletion: true,
			options: { pollInterval: 0.1, timeout: 2, requestTimeout: 8 },
		});
		const took = Date.now() - startedAt;
		expect(took).toBeLessThan(2600);
		// The retry may have reached Yunwu: it is not sent again, and the user is told to check.
		expect(run.error?.message).toMatch(/may still have been created/);
		expect(run.error?.message).toMatch(/Timeout \(2 s\)/);
	});

	const cropped = 'https://res.cloudinary.com/demo/image/upload/w_300,h_200,c_crop/sample.jpg';
	test.each([
		[
			'one URL per line',
			`${cropped}\nhttps://img.example/b.png`,
			[cropped, 'https://img.example/b.png'],
		],
		[
			'one URL per line, one holding ",https:" (an image proxy\'s source list)',
			'https://proxy.example/fetch?src=a.jpg,https://cdn.example/b.jpg\nhttps://img.example/c.png,',
			[
				'https://proxy.example/fetch?src=a.jpg,https://cdn.example/b.jpg',
				'https://img.example/c.png',
			],
		],
		[
			'several on one line, separated by commas',
			`https://img.example/a.png, ${cropped},https://img.example/c.png`,
			['https://img.example/a.png', cropped, 'https://img.example/c.png'],
		],
	])('a reference image URL with commas stays one image (%s)', async (_name, imageUrls, images) => {
		await create({ imageSource: 'urls', imageUrls });
		expect(yunwu().createBodies.at(-1)?.images).toEqual(images);
	});
});

describe('Status words that end a task, a 408, a stop', () => {
	const waitFor = (taskId: string, options: Record<string, unknown> = {}) =>
		runNode({
			parameters: {
				operation: 'waitUntilComplete',
				taskId,
				options: { pollInterval: 0.02, timeout: 5, ...options },
			},
			credentials: credentialsFor(yunwu()),
		});

	test.each([
		['Jimeng "expired"', 'expired'],
		['Jimeng "not_found"', 'not_found'],
		['MiniMax "Fail"', 'Fail'],
	])('%s ends the wait at once as failed', async (_name, status) => {
		const id = yunwu().addTask({
			id: `jimeng:ends-${status}`,
			rawAnswers: [`{"id":"ends-${status}","status":"${status}"}`],
		});
		const startedAt = Date.now();
		const run = await waitFor(id);
		expect(Date.now() - startedAt).toBeLessThan(2000);
		expect(run.error?.message).toMatch(new RegExp(`failed on Yunwu \\(status "${status}"\\)`));
	});

	test('Jimeng "done" with a video is completed', async () => {
		const id = yunwu().addTask({
			id: 'jimeng:ends-done',
			statuses: { completed: 'done' },
			end: 'completed',
			video: { size: 800 },
		});
		const run = await waitFor(id);
		expect(run.error).toBeUndefined();
		expect(run.items![0].json).toMatchObject({ state: 'completed', status: 'done' });
	});

	test('a query answered 408 is retried', async () => {
		const id = yunwu().addTask({
			id: 'grok:answered-408',
			faults: [{ type: 'status', code: 408, body: '{"error":{"message":"request timeout"}}' }],
			end: 'completed',
			video: { size: 500 },
		});
		const run = await waitFor(id);
		expect(run.error).toBeUndefined();
		expect(run.items![0].json.state).toBe('completed');
	});

	test('stopping the execution ends an in-flight query at once', async () => {
		const id = yunwu().addTask({
			id: 'grok:hangs-when-stopped',
			faults: [{ type: 'hang' }],
			end: 'completed',
		});
		const { done, cancel } = startNode({
			parameters: {
				operation: 'waitUntilComplete',
				taskId: id,
				options: { pollInterval: 0.02, timeout: 30, requestTimeout: 20 },
			},
			credentials: credentialsFor(yunwu()),
		});
		await new Promise((resolve) => setTimeout(resolve, 300));
		const query = yunwu().apiRequests(id).at(-1)!;
		const stoppedAt = Date.now();
		cancel();
		await done;
		expect(Date.now() - stoppedAt).toBeLessThan(1000);
		// The query itself is given up, not left open until its Request Timeout (20 s).
		await new Promise((resolve) => setTimeout(resolve, 500));
		expect(query.abandonedAt).toBeDefined();
		expect(query.abandonedAt! - stoppedAt).toBeLessThan(1000);
	});
});
