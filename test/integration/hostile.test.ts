/**
 * A hostile or broken mirror and file host, through n8n-core: answers a real server library would
 * not send (raw TCP on 127.0.0.4), and answers that are valid HTTP but must not be taken at face value.
 */
import {
	credentialsFor,
	everythingSaid,
	runNode,
	useYunwuServer,
	type RunOptions,
} from '../support/harness/n8n';
import { forever, RawHost } from '../support/server/raw-host';

const yunwu = useYunwuServer();

let raw: RawHost;
beforeAll(async () => {
	raw = await new RawHost().start();
});
afterAll(async () => await raw.stop());

const API_KEY = 'sk-hostile-0123456789abcdef';

/** A Base URL whose answers begin at once and then trickle a space every 20 ms, for minutes. */
function trickleAnswers(start: string): void {
	raw.answer = (socket, _head, host) => {
		socket.write(
			`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n${start}`,
		);
		host.trickle(socket, forever(' ', ' '), 20);
	};
}

/** Runs the node on the raw host as Base URL; returns the run and how long it took. */
async function timedRun(parameters: RunOptions['parameters']) {
	const startedAt = Date.now();
	const run = await runNode({ parameters, credentials: { apiKey: API_KEY, baseUrl: raw.url } });
	return { run, tookMs: Date.now() - startedAt };
}

describe('An API answer that never finishes arriving is bounded like one that never starts', () => {
	test('Query gives up after Request Timeout', async () => {
		trickleAnswers('{"status":"processing"');

		const { run, tookMs } = await timedRun({
			operation: 'query',
			taskId: 'grok:trickle',
			options: { requestTimeout: 0.3 },
		});

		expect(run.error?.message).toBe(
			`Yunwu did not answer within 0.3 s for task "grok:trickle". Retry later, or raise Request Timeout in the node's options.`,
		);
		expect(tookMs).toBeLessThan(1500);
	}, 5000);

	test('Wait Until Complete ends within Timeout', async () => {
		trickleAnswers('{"status":"processing"');

		const { run, tookMs } = await timedRun({
			operation: 'waitUntilComplete',
			taskId: 'grok:trickle',
			downloadVideo: false,
			options: { pollInterval: 0.05, timeout: 1, requestTimeout: 0.3 },
		});

		expect(run.error?.message).toMatch(
			/^Task "grok:trickle" did not finish within 1 s; the last query failed: Yunwu did not answer within 0\.3 s/,
		);
		expect(tookMs).toBeLessThan(2000);
	}, 5000);

	test('Create gives up after Request Timeout and says the task may exist', async () => {
		trickleAnswers('{"id":"veo3:trickle"');

		const { run, tookMs } = await timedRun({
			operation: 'create',
			model: 'veo3',
			prompt: 'A cat',
			waitForCompletion: false,
			options: { requestTimeout: 0.3 },
		});

		expect(run.error?.message).toBe(
			`Yunwu did not answer within 0.3 s for the create request for model "veo3". Retry later, or raise Request Timeout in the node's options. The task may still have been created: check the task list in your Yunwu dashboard before running this node again (it was not retried, to avoid paying twice).`,
		);
		expect(tookMs).toBeLessThan(1500);
	}, 5000);
});

let counter = 0;
/** A completed task whose video (and any other field) is wherever the test says. */
function completedTask(fields: Record<string, unknown>): string {
	const id = `grok:hostile-${++counter}`;
	yunwu().addTask({ id, rawAnswers: [JSON.stringify({ id, status: 'completed', ...fields })] });
	return id;
}

/** Waits for a task and downloads its video; a failing item becomes an error item. */
const waitWithVideo = (id: string, options: Record<string, unknown> = {}) =>
	runNode({
		parameters: {
			operation: 'waitUntilComplete',
			taskId: id,
			options: { pollInterval: 0.02, requestTimeout: 1, ...options },
		},
		credentials: credentialsFor(yunwu()),
		continueOnFail: true,
	});

describe('A file host that sends part of the file as if it were all of it', () => {
	test('a 206 Partial Content answer (no range was asked for) is not passed on as the video', async () => {
		raw.answer = (socket) =>
			socket.end(
				'HTTP/1.1 206 Partial Content\r\nContent-Type: video/mp4\r\nContent-Range: bytes 0-9/1000\r\nContent-Length: 10\r\n\r\n0123456789',
			);
		const id = completedTask({ video_url: `${raw.url}/video.mp4` });

		const run = await waitWithVideo(id, { downloadAttempts: 2 });

		expect(run.items![0].binary).toBeUndefined();
		expect(run.items![0].json.error).toBe(
			`The file host sent only part of the video of task "${id}" (HTTP 206) after 2 attempts; no partial file was passed on. Retry the execution later.`,
		);
	});
});

describe('A mirror that echoes the key it was sent', () => {
	test('the key is not repeated in the error message of a rejected request', async () => {
		const key = yunwu().apiKey;
		const echo = {
			type: 'status' as const,
			code: 401,
			body: JSON.stringify({ error: { message: `Invalid token: Bearer ${key}` } }),
		};
		const id = yunwu().addTask({
			id: `grok:echo-${++counter}`,
			processingPolls: 1,
			faults: [echo],
		});

		const run = await runNode({
			parameters: { operation: 'query', taskId: id },
			credentials: credentialsFor(yunwu()),
		});

		expect(run.error?.message).toBe(
			`Yunwu rejected the API key (HTTP 401: Invalid token: Bearer [API key]) for task "${id}". Check the API key in your Yunwu API credential.`,
		);
		expect(everythingSaid(run)).not.toContain(key);
	});

	test("nor in a failed task's message and output", async () => {
		const key = yunwu().apiKey;
		const id = completedTask({ status: 'failed', error: { message: `quota exceeded for ${key}` } });

		const run = await waitWithVideo(id);

		expect(run.items![0].json.error).toBe(
			`Task "${id}" failed on Yunwu (status "failed"): quota exceeded for [API key]. Check the prompt and model, then create a new task.`,
		);
		expect(everythingSaid(run)).not.toContain(key);
	});
});

describe('A JSON bomb from the mirror', () => {
	test('an answer larger than any task answer (33 MB) is refused, not read into memory whatever its size', async () => {
		const id = `grok:huge-${++counter}`;
		yunwu().addTask({
			id,
			rawAnswers: [JSON.stringify({ status: 'processing', padding: 'x'.repeat(33_000_000) })],
		});

		const run = await runNode({
			parameters: { operation: 'query', taskId: id },
			credentials: credentialsFor(yunwu()),
		});

		expect(run.error?.message).toBe(
			`Yunwu's answer for task "${id}" is larger than 32 MB, which no task answer is (HTTP 200). Check that the Base URL in your Yunwu API credential (${yunwu().apiUrl}) is the API address, such as https://yunwu.ai, with no path.`,
		);
	});

	test('an answer nested thousands of levels deep is named as such, not a stack overflow', async () => {
		const id = `grok:deep-${++counter}`;
		const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
		yunwu().addTask({ id, rawAnswers: [`{"status":"processing","nested":${deep}}`] });

		const run = await runNode({
			parameters: { operation: 'query', taskId: id },
			credentials: credentialsFor(yunwu()),
		});

		expect(run.error?.message).toBe(
			`Yunwu's answer for task "${id}" is nested more than 64 levels deep, which no task answer is (HTTP 200). Check that the Base URL in your Yunwu API credential (${yunwu().apiUrl}) is the API address, such as https://yunwu.ai, with no path.`,
		);
	});
});
