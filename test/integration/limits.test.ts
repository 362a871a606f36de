/**
 * Every wait ends within what the user set: Retry-After, a Base URL that never answers, redirects,
 * and the Timeout itself, through n8n-core against the local Yunwu server.
 */
import type { IDataObject } from 'n8n-workflow';

import { freePort } from '../support/real-n8n/n8n';
import {
	credentialsFor,
	itemsWithIds,
	runNode,
	startNode,
	useYunwuServer,
} from '../support/harness/n8n';
import { UNTRUSTED_CERTIFICATES, UntrustedTlsHost } from '../support/server/tls-host';
import { YunwuServer, type TaskScript } from '../support/server/yunwu-server';
import * as waiting from '../../nodes/YunwuVideo/waiting/waitForTask';

const yunwu = useYunwuServer();

let counter = 0;
const newTask = (script: Omit<TaskScript, 'id'>) =>
	yunwu().addTask({ id: `grok:l${++counter}`, ...script });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean): Promise<void> {
	while (!condition()) await sleep(5);
}

/** A Create of one item, without waiting, with these options, against `baseUrl`. */
function createOne(options: IDataObject, baseUrl = yunwu().apiUrl) {
	return runNode({
		parameters: {
			operation: 'create',
			model: 'veo3',
			prompt: 'x',
			waitForCompletion: false,
			options,
		},
		credentials: { apiKey: yunwu().apiKey, baseUrl },
	});
}

function waitFor(ids: string[], options: IDataObject, baseUrl = yunwu().apiUrl) {
	return runNode({
		parameters: {
			operation: 'waitUntilComplete',
			taskId: '={{ $json.id }}',
			options,
			downloadVideo: false,
		},
		items: itemsWithIds(ids),
		credentials: { apiKey: yunwu().apiKey, baseUrl },
	});
}

const RATE_LIMITED = 'HTTP 429: Too many requests, please slow down (rate_limit_error)';

/** A message with its "N s left" taken out (N depends on how long the first request took), and N. */
function leftShown(message = '') {
	const left = / ([\d.]+) s left /.exec(message);
	return {
		message: message.replace(/ [\d.]+ s left /, ' … left '),
		leftSeconds: left ? Number(left[1]) : undefined,
	};
}

describe('Retry-After longer than the time left', () => {
	test('Wait Until Complete ends at once, saying what Yunwu asked and what the Timeout left (On Timeout applies)', async () => {
		const id = newTask({
			processingPolls: 1000,
			faults: [{ type: 'rateLimit', retryAfter: '3600' }],
		});
		const startedAt = Date.now();

		const run = await waitFor([id], { pollInterval: 5, timeout: 1200 });

		// Sooner than a retry could come (the poll interval is 5 s).
		expect(Date.now() - startedAt).toBeLessThan(3000);
		expect(leftShown(run.error?.message)).toEqual({
			message: `Yunwu asked to wait 3600 s before the next query of task "${id}" (${RATE_LIMITED}), longer than the … left of Timeout. Raise Timeout in the options, or run fewer tasks at once.`,
			leftSeconds: expect.closeTo(1200, 0),
		});
		expect(yunwu().apiRequests(id)).toHaveLength(1);

		// With On Timeout "Output Last Status" the item goes on at once, flagged timed_out.
		const other = newTask({
			processingPolls: 1000,
			faults: [{ type: 'rateLimit', retryAfter: '3600' }],
		});
		const output = await waitFor([other], {
			pollInterval: 5,
			timeout: 1200,
			onTimeout: 'outputLastStatus',
		});
		expect(output.items![0].json).toMatchObject({
			task_id: other,
			state: 'unknown',
			timed_out: true,
			polls: 1,
		});
	});

	test('Create fails at once instead of sleeping, says no task was created, and sends the create once', async () => {
		yunwu().createFaults.push({ type: 'rateLimit', retryAfter: '40' });
		const before = yunwu().createBodies.length;
		const startedAt = Date.now();

		const run = await createOne({ timeout: 5 });

		expect(Date.now() - startedAt).toBeLessThan(3000);
		expect(leftShown(run.error?.message)).toEqual({
			message: `Yunwu asked to wait 40 s before retrying the create request for model "veo3" (${RATE_LIMITED}), longer than the … left of Timeout. Raise Timeout in the options, or run fewer tasks at once. No task was created.`,
			leftSeconds: expect.closeTo(5, 0),
		});
		expect(yunwu().createBodies.length).toBe(before + 1);
	});

	test('Create retries a refused connection only while the pause fits in Timeout', async () => {
		const port = await freePort();
		const startedAt = Date.now();

		const refused = await createOne({ timeout: 0.5 }, `http://127.0.0.1:${port}`);

		// Without the bound: three attempts, 1 s and 2 s apart.
		expect(Date.now() - startedAt).toBeLessThan(2000);
		expect(refused.error?.message).toMatch(
			/^Could not reach Yunwu at http:\/\/127\.0\.0\.1:\d+ for the create request for model "veo3": the connection was refused\./,
		);

		// With the default Timeout the refused create is retried, and succeeds once the API is up.
		const execution = startNode({
			parameters: { operation: 'create', model: 'veo3', prompt: 'x', waitForCompletion: false },
			credentials: { apiKey: yunwu().apiKey, baseUrl: `http://127.0.0.1:${port}` },
		});
		await sleep(300);
		const late = await new YunwuServer({ apiKey: yunwu().apiKey, apiPort: port }).start();
		const created = await execution.done;
		await late.stop();
		expect(created.items![0].json).toMatchObject({
			task_id: late.createdTasks[0].id,
			state: 'pending',
		});
		expect(late.createBodies).toHaveLength(1);
	});

	test('Create on a Base URL that fails TLS (https to a plain HTTP server) is retried within Timeout: no request was sent, so no task was created', async () => {
		const baseUrl = yunwu().apiUrl.replace('http:', 'https:');
		const before = yunwu().apiConnections;
		const startedAt = Date.now();

		// Attempts 1 s apart, then 2 s: a Timeout of 1.5 s leaves room for the second attempt only.
		const run = await createOne({ timeout: 1.5 }, baseUrl);

		expect(Date.now() - startedAt).toBeLessThan(3000);
		expect(yunwu().apiConnections - before).toBe(2);
		expect(run.error?.message).toBe(
			`Could not reach Yunwu at ${baseUrl} for the create request for model "veo3": the secure (TLS) connection failed. Check the Base URL in your Yunwu API credential and the network, then retry. No task was created.`,
		);
	});

	test.each(Object.keys(UNTRUSTED_CERTIFICATES) as Array<keyof typeof UNTRUSTED_CERTIFICATES>)(
		'Create on a Base URL whose certificate Node refuses with %s is retried within Timeout: the handshake failed, so no task was created',
		async (code) => {
			const host = await new UntrustedTlsHost(code).start();
			try {
				const run = await createOne({ timeout: 1.5 }, host.url);

				expect(host.connections).toBe(2);
				expect(run.error?.message).toBe(
					`Could not reach Yunwu at ${host.url} for the create request for model "veo3": its TLS certificate was not accepted. Check the Base URL in your Yunwu API credential and the network, then retry. No task was created.`,
				);
			} finally {
				await host.stop();
			}
		},
	);
});

describe('the Timeout holds, whatever the other settings', () => {
	test('a Timeout under a second: a hung query is abandoned at the Timeout, not after a second', async () => {
		const id = newTask({ faults: [{ type: 'hang' }] });

		const run = await waitFor([id], { pollInterval: 0.05, timeout: 0.3, requestTimeout: 30 });

		// Measured from the query's arrival, so the engine's start-up does not count.
		expect(Date.now() - yunwu().apiRequests(id)[0].at).toBeLessThan(700);
		expect(run.error?.message).toBe(
			`Task "${id}" did not finish within 0.3 s (no status received). Raise Timeout in the options, or set On Timeout to "Output Last Status" to go on without the video.`,
		);
	});

	test('Wait Until Complete with a Poll Interval not shorter than Timeout: the one query is all there is, and the message says why', async () => {
		const id = newTask({ processingPolls: 100 });

		const run = await waitFor([id], { pollInterval: 60, timeout: 30 });

		expect(yunwu().apiRequests(id)).toHaveLength(1);
		expect(run.error?.message).toBe(
			`Task "${id}" was queried once (last status "processing"): Poll Interval (60 s) is not shorter than Timeout (30 s), so no second query fits within Timeout. Raise Timeout above Poll Interval in the options, or lower Poll Interval.`,
		);
	});

	test('Create with Wait for Completion and a Poll Interval not shorter than Timeout: named at once, the task id kept', async () => {
		const before = yunwu().createdTasks.length;
		const startedAt = Date.now();

		const run = await runNode({
			parameters: {
				operation: 'create',
				model: 'grok-video-3',
				prompt: 'x',
				options: { pollInterval: 3, timeout: 2 },
			},
			credentials: credentialsFor(yunwu()),
		});

		expect(Date.now() - startedAt).toBeLessThan(1500);
		const [taskId] = yunwu()
			.createdTasks.slice(before)
			.map((task) => task.id);
		expect(run.error?.message).toBe(
			`Task "${taskId}" was created, but a new task is first queried after one Poll Interval (3 s), which leaves nothing of Timeout (2 s). Raise Timeout above Poll Interval in the options, or lower Poll Interval.`,
		);
		expect(yunwu().apiRequests(taskId)).toHaveLength(0);
	});
});

describe('a Base URL that never answers is named within the bound, not at the Timeout', () => {
	const BOUND_MS = 300;
	// The node's one-minute bound, shortened as a test needs (restored after each test).
	beforeEach(() =>
		jest.replaceProperty(
			waiting as { UNREACHABLE_AFTER_MS: number },
			'UNREACHABLE_AFTER_MS',
			BOUND_MS,
		),
	);

	test.each([
		[
			'refuses connections (a free loopback port: nothing listens there)',
			async () => `http://127.0.0.1:${await freePort()}`,
			'the connection was refused',
		],
		[
			'fails TLS (https to a plain HTTP server)',
			async () => yunwu().apiUrl.replace('http:', 'https:'),
			'the secure (TLS) connection failed',
		],
	])('a Base URL that %s', async (_label, baseUrl, words) => {
		const url = await baseUrl();
		const startedAt = Date.now();

		const run = await waitFor(['grok:never-reached'], { pollInterval: 0.02, timeout: 20 }, url);

		const took = Date.now() - startedAt;
		expect(took).toBeGreaterThanOrEqual(BOUND_MS);
		expect(took).toBeLessThan(BOUND_MS + 1000);
		expect(run.error?.message).toContain(
			`Could not reach Yunwu at ${url} for task "grok:never-reached": ${words}`,
		);
		expect(run.error?.message).toMatch(
			/Check the Base URL in your Yunwu API credential and the network, then retry\.$/,
		);
	});

	/**
	 * Once `goAway()` holds, stops `server` and keeps its API port closed for three bounds; then a
	 * new server on that port serves the task `id()` as completed. Returns the new server.
	 */
	async function outage(
		server: YunwuServer,
		goAway: () => boolean,
		id: () => string,
	): Promise<YunwuServer> {
		const port = Number(new URL(server.apiUrl).port);
		await until(goAway);
		await server.stop();
		await sleep(BOUND_MS * 3);
		const back = await new YunwuServer({ apiKey: server.apiKey, apiPort: port }).start();
		back.addTask({ id: id(), end: 'completed' });
		return back;
	}

	test('a server that answered, then goes away mid-wait for longer than the bound, is retried until it comes back', async () => {
		const first = await new YunwuServer({ apiKey: yunwu().apiKey }).start();
		const id = first.addTask({ id: 'grok:outage', processingPolls: 1000 });
		const execution = startNode({
			parameters: {
				operation: 'waitUntilComplete',
				taskId: '={{ $json.id }}',
				options: { pollInterval: 0.03, timeout: 20 },
				downloadVideo: false,
			},
			items: itemsWithIds([id]),
			credentials: credentialsFor(first),
		});
		const back = await outage(
			first,
			() => first.apiRequests(id).length >= 2,
			() => id,
		);

		const run = await execution.done;
		await back.stop();

		expect(run.items![0].json).toMatchObject({ task_id: id, state: 'completed' });
		expect(back.apiRequests(id).length).toBeGreaterThanOrEqual(1);
	});

	test('an answer to another request of the node (the create) proves the address: the wait rides out an outage', async () => {
		const first = await new YunwuServer({ apiKey: yunwu().apiKey }).start();
		const execution = startNode({
			parameters: {
				operation: 'create',
				model: 'grok-video-3',
				prompt: 'x',
				options: { pollInterval: 0.2, timeout: 20 },
				downloadVideo: false,
			},
			credentials: credentialsFor(first),
		});
		// The server goes away between the create and the task's first query.
		const back = await outage(
			first,
			() => first.createdTasks.length === 1,
			() => first.createdTasks[0].id,
		);

		const run = await execution.done;
		await back.stop();

		expect(run.items![0].json).toMatchObject({
			task_id: first.createdTasks[0].id,
			state: 'completed',
		});
		expect(first.apiRequests(first.createdTasks[0].id)).toHaveLength(0);
	});
});

test('a Base URL whose host name does not exist is named within seconds (the one-minute bound is not waited out)', async () => {
	const startedAt = Date.now();
	const run = await waitFor(
		['grok:typo-host'],
		{ pollInterval: 10, timeout: 1800 },
		'http://yunwu-typo.invalid',
	);
	expect(Date.now() - startedAt).toBeLessThan(5_000);
	expect(run.error?.message).toBe(
		'Could not reach Yunwu at http://yunwu-typo.invalid for task "grok:typo-host": the host name was not found. Check the Base URL in your Yunwu API credential and the network, then retry.',
	);
});

describe('an API redirect of any kind ends the wait at once, naming only where it points', () => {
	// An absolute Location on another origin: see query.test.ts.
	test.each<
		[
			number,
			(apiUrl: string, fileUrl: string) => string | undefined,
			(apiUrl: string, fileUrl: string) => string,
		]
	>([
		[
			301,
			(_api, files) => `${files.replace('http:', '')}/v1/video/query?token=secret`,
			(_api, files) =>
				`(HTTP 301 to ${files}), which the node does not follow so your key stays with Yunwu. Put the address it redirects to into the Base URL of your Yunwu API credential.`,
		],
		[
			302,
			() => '/api/v1/video/query?token=secret',
			(api) => `(HTTP 302 to another path on ${api}), which the node does not follow.`,
		],
		[
			303,
			() => undefined,
			() => '(HTTP 303 that names no valid address), which the node does not follow.',
		],
		[
			307,
			() => 'ftp://files.example/secret/video.mp4',
			() => '(HTTP 307 to a "ftp:" address), which is not a web address and is not followed.',
		],
		[
			308,
			(api) => `${api}/v1/video/query`,
			(api) =>
				`(HTTP 308 back to the same address on ${api}), a redirect loop, which the node does not follow.`,
		],
	])('HTTP %i', async (code, location, words) => {
		const { apiUrl, fileUrl } = yunwu();
		const target = location(apiUrl, fileUrl);
		const id = newTask({
			processingPolls: 1000,
			faults: [{ type: 'status', code, headers: target === undefined ? {} : { Location: target } }],
		});
		const filesBefore = yunwu().fileRequests().length;
		const startedAt = Date.now();

		const run = await waitFor([id], { pollInterval: 5, timeout: 60 });

		// Sooner than a retry could come (the poll interval is 5 s).
		expect(Date.now() - startedAt).toBeLessThan(3000);
		expect(run.error?.message).toContain(
			`The Base URL answered task "${id}" with a redirect ${words(apiUrl, fileUrl)}`,
		);
		expect(run.error?.message).not.toMatch(/secret|token/);
		if (code !== 301) {
			expect(run.error?.message).toMatch(
				/Check that the Base URL in your Yunwu API credential \(http:\/\/127\.0\.0\.1:\d+\) is the API address, such as https:\/\/yunwu\.ai, with no path\.$/,
			);
		}
		expect(yunwu().apiRequests(id)).toHaveLength(1);
		expect(yunwu().fileRequests().length).toBe(filesBefore);
	});
});
