/**
 * A crash of n8n during a long wait, in real n8n 2.40.7 (`n8n start`, SQLite): which workflow
 * shape and settings let a user recover the videos with n8n's Retry button without paying for any
 * task twice. Three workflows wait when n8n is killed (SIGKILL), n8n is started again, finds them
 * running and marks them crashed, and each is retried through the REST call the editor's Retry
 * button makes. The local Yunwu server counts the create requests of each workflow's prompts.
 * Also: Retry of an execution whose Create + Wait failed (timed out) waits on the same tasks.
 */
import { rmSync } from 'node:fs';
import { execFileSync, type ChildProcess } from 'node:child_process';

import { fileSha256, YunwuServer } from '../test/support/server/yunwu-server';
import {
	importIntoN8n,
	installN8n,
	makeUserFolder,
	n8nCli,
	n8nEnv,
	packPackage,
	startN8n,
	stopN8n,
	type N8nInstall,
} from '../test/support/real-n8n/n8n';
import { chain, credential, sha256OfVideo, yunwuVideo } from '../test/support/real-n8n/workflows';

const OWNER = {
	email: 'restart@example.com',
	firstName: 'Re',
	lastName: 'Start',
	password: 'Yunwu-restart-Passw0rd',
};
/** How long a task takes on the local Yunwu server, from its creation. */
const TASK_MS = 45_000;

interface Shape {
	id: string;
	/** Create with Wait for Completion off, then Wait Until Complete; or Create + Wait in one node. */
	twoNodes: boolean;
	saveExecutionProgress: boolean;
	prompts: string[];
}

const RECIPE: Shape = {
	id: 'e2eRestartRecipe',
	twoNodes: true,
	saveExecutionProgress: true,
	prompts: ['recipe: a kite', 'recipe: a boat'],
};
const NO_PROGRESS: Shape = {
	id: 'e2eRestartNoProgress',
	twoNodes: true,
	saveExecutionProgress: false,
	prompts: ['no progress: a kite', 'no progress: a boat'],
};
const ONE_NODE: Shape = {
	id: 'e2eRestartOneNode',
	twoNodes: false,
	saveExecutionProgress: true,
	prompts: ['one node: a kite', 'one node: a boat'],
};
/** Create + Wait whose wait times out (no crash): the execution fails, then is retried. */
const TIMED_OUT: Shape = {
	id: 'e2eRetryTimedOut',
	twoNodes: false,
	saveExecutionProgress: false,
	prompts: ['timed out: a kite'],
};

/** Create + Wait whose create request is never answered (Request Timeout 1 s): then retried. */
const UNANSWERED: Shape = {
	id: 'e2eRetryUnanswered',
	twoNodes: false,
	saveExecutionProgress: false,
	prompts: ['unanswered: a kite'],
};

/** The callback recipe: how long its Kling task takes, and its workflow's id. */
const CALLBACK_TASK_MS = 8_000;
const CALLBACK_ID = 'e2eKlingCallback';

/**
 * README's callback recipe: Webhook → Create (Kling, Wait for Completion off, Callback URL
 * `{{ $execution.resumeUrl }}`) → Wait (resume on a webhook call) → IF the call says the task
 * ended (else back to Wait) → Wait Until Complete on the Task ID Create output (never on what the
 * call says) → SHA-256 of the video.
 */
function callbackWorkflow(): Record<string, unknown> {
	const base = (key: string, name: string, type: string, typeVersion: number, x: number) => ({
		id: `${CALLBACK_ID}-${key}`,
		name,
		type: `n8n-nodes-base.${type}`,
		typeVersion,
		position: [x, 0],
	});
	const nodes = [
		{
			...base('webhook', 'Webhook', 'webhook', 2, 0),
			parameters: {
				httpMethod: 'POST',
				path: CALLBACK_ID,
				responseMode: 'onReceived',
				options: {},
			},
			webhookId: `${CALLBACK_ID}-webhook`,
		},
		{
			...yunwuVideo({
				operation: 'create',
				apiFormat: 'kling',
				model: 'kling-v2-6',
				prompt: '={{ $json.body.prompt }}',
				waitForCompletion: false,
				callbackUrl: '={{ $execution.resumeUrl }}',
			}),
			name: 'Create',
			position: [220, 0],
		},
		{
			...base('wait', 'Wait for Kling', 'wait', 1.1, 440),
			parameters: { resume: 'webhook', httpMethod: 'POST', options: {} },
			webhookId: `${CALLBACK_ID}-wait`,
		},
		{
			...base('if', 'Task ended?', 'if', 2, 660),
			parameters: {
				conditions: {
					options: { caseSensitive: true, leftValue: '', typeValidation: 'loose' },
					conditions: [
						{
							id: `${CALLBACK_ID}-ended`,
							leftValue: "={{ ['succeed', 'failed'].includes($json.body.task_status) }}",
							rightValue: '',
							operator: { type: 'boolean', operation: 'true', singleValue: true },
						},
					],
					combinator: 'and',
				},
				options: {},
			},
		},
		{
			...yunwuVideo({
				operation: 'waitUntilComplete',
				taskId: "={{ $('Create').first().json.task_id }}",
				options: { pollInterval: 0.5, timeout: 120 },
			}),
			name: 'Wait Until Complete',
			position: [880, 0],
		},
		{ ...sha256OfVideo(), position: [1100, 0] },
	];
	const to = (node: string) => [{ node, type: 'main', index: 0 }];
	return {
		id: CALLBACK_ID,
		name: CALLBACK_ID,
		nodes,
		connections: {
			Webhook: { main: [to('Create')] },
			Create: { main: [to('Wait for Kling')] },
			'Wait for Kling': { main: [to('Task ended?')] },
			'Task ended?': { main: [to('Wait Until Complete'), to('Wait for Kling')] },
			'Wait Until Complete': { main: [to('SHA-256')] },
		},
		active: false,
		settings: { executionOrder: 'v1', saveExecutionProgress: true },
		pinData: {},
	};
}

/** Webhook (answers at once) → one item per prompt → Create [→ Wait Until Complete] → SHA-256 of the video. */
function workflow(shape: Shape, waitOptions: Record<string, unknown>): Record<string, unknown> {
	const node = (
		key: string,
		name: string,
		type: string,
		typeVersion: number,
		x: number,
		parameters: Record<string, unknown>,
	) => ({
		id: `${shape.id}-${key}`,
		name,
		type: `n8n-nodes-base.${type}`,
		typeVersion,
		position: [x, 0],
		parameters,
	});
	const webhook = {
		...node('webhook', 'Webhook', 'webhook', 2, 0, {
			httpMethod: 'POST',
			path: shape.id,
			responseMode: 'onReceived',
			options: {},
		}),
		webhookId: `${shape.id}-webhook`,
	};
	const split = node('split', 'Prompts', 'splitOut', 1, 220, {
		fieldToSplitOut: 'body.prompts',
		options: { destinationFieldName: 'prompt' },
	});
	const create = {
		...yunwuVideo({
			operation: 'create',
			model: 'grok-video-3',
			prompt: '={{ $json.prompt }}',
			waitForCompletion: !shape.twoNodes,
			options: waitOptions,
		}),
		name: 'Create',
	};
	const wait = {
		...yunwuVideo({
			operation: 'waitUntilComplete',
			taskId: '={{ $json.task_id }}',
			options: waitOptions,
		}),
		name: 'Wait Until Complete',
		position: [660, 0],
	};
	const nodes = shape.twoNodes
		? [webhook, split, create, wait, sha256OfVideo()]
		: [webhook, split, create, sha256OfVideo()];
	const flow = chain(shape.id, shape.id, nodes);
	return {
		...flow,
		settings: { executionOrder: 'v1', saveExecutionProgress: shape.saveExecutionProgress },
	};
}

let install: N8nInstall;
let userFolder: string;
let env: NodeJS.ProcessEnv;
let server: YunwuServer;
let n8n: Awaited<ReturnType<typeof startN8n>> | undefined;
let cookie = '';

const since = (start: number) => `${((Date.now() - start) / 1000).toFixed(1)} s`;
const figures: string[] = [];
const figure = (text: string) => {
	figures.push(text);
	process.stdout.write(`${text}\n`);
};

async function rest<T>(method: 'GET' | 'POST', route: string, body?: unknown): Promise<T> {
	const response = await fetch(`${n8n!.url}/rest/${route}`, {
		method,
		headers: { 'Content-Type': 'application/json', cookie },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await response.text();
	if (!response.ok)
		throw new Error(`${method} /rest/${route}: HTTP ${response.status} ${text.slice(0, 500)}`);
	return (JSON.parse(text) as { data: T }).data;
}

async function waitFor<T>(
	what: string,
	check: () => Promise<T | undefined>,
	timeoutMs: number,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const result = await check().catch(() => undefined);
		if (result !== undefined) return result;
		if (Date.now() > deadline)
			throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}

async function start(): Promise<void> {
	n8n = await startN8n(install, env);
	// n8n answers its readiness check before it has registered the published workflows' webhooks.
	await waitFor(
		'the webhooks to be registered',
		async () => {
			// A GET gets n8n's "registered for POST only" hint once the webhook is there.
			const response = await fetch(`${n8n!.url}/webhook/${RECIPE.id}`);
			return response.status !== 404 || /make a POST request/.test(await response.text())
				? true
				: undefined;
		},
		120_000,
	);
	await fetch(`${n8n.url}/rest/owner/setup`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify(OWNER),
	});
	const login = await fetch(`${n8n.url}/rest/login`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({
			emailOrLdapLoginId: OWNER.email,
			email: OWNER.email,
			password: OWNER.password,
		}),
	});
	if (!login.ok) throw new Error(`login failed: HTTP ${login.status} ${await login.text()}`);
	cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
}

/** SIGKILL, by pid, of the n8n process and of the processes it started (its task runner). */
async function kill(child: ChildProcess): Promise<void> {
	const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(child.pid)], {
		encoding: 'utf8',
	})
		.split('\n')
		.map(Number)
		.filter(Boolean);
	const exited = new Promise((resolve) => child.once('exit', resolve));
	process.kill(child.pid!, 'SIGKILL');
	await exited;
	for (const pid of children) {
		try {
			process.kill(pid, 'SIGKILL');
		} catch {
			// already gone
		}
	}
}

interface ExecutionSummary {
	id: string;
	status: string;
	workflowId: string;
	retryOf?: string | null;
}

async function executionsOf(workflowId: string): Promise<ExecutionSummary[]> {
	const list = await rest<{ results: ExecutionSummary[] }>(
		'GET',
		`executions?filter=${encodeURIComponent(JSON.stringify({ workflowId }))}`,
	);
	return list.results;
}

interface RetryAnswer {
	id: string;
	status: string;
	data: {
		resultData: {
			error?: { message: string };
			runData: Record<
				string,
				Array<{ data?: { main: Array<Array<{ json: Record<string, unknown> }>> } }>
			>;
		};
	};
}

/** What the editor's Retry button does ("Retry with original workflow"): the call returns when the retry has finished. */
async function retry(executionId: string): Promise<RetryAnswer> {
	return await rest<RetryAnswer>('POST', `executions/${executionId}/retry`, {
		loadWorkflow: false,
	});
}

const createsOf = (shape: Shape) =>
	server.createBodies.filter((body) => shape.prompts.includes(String(body.prompt))).length;
const trigger = async (shape: Shape) => {
	const response = await fetch(`${n8n!.url}/webhook/${shape.id}`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ prompts: shape.prompts }),
	});
	expect(response.status).toBe(200);
};
/** Triggers the workflow and waits for its execution to fail. */
async function triggerUntilFailed(shape: Shape): Promise<ExecutionSummary> {
	await trigger(shape);
	const [failed] = await waitFor(
		'the execution to fail',
		async () => {
			const executions = await executionsOf(shape.id);
			return executions[0]?.status === 'error' ? executions : undefined;
		},
		60_000,
	);
	return failed;
}
const lastOutput = (answer: RetryAnswer, node: string) =>
	answer.data.resultData.runData[node]?.at(-1)?.data?.main[0]?.map((item) => item.json) ?? [];

beforeAll(async () => {
	install = installN8n(2);
	userFolder = makeUserFolder(packPackage());
	// Level info: n8n's log then holds the node's line for every created task.
	env = await n8nEnv(install, userFolder, { N8N_LOG_LEVEL: 'info' });
	server = await new YunwuServer({ apiHost: '127.0.0.1', fileHost: '127.0.0.2' }).start();
	server.createdTaskTemplate = (body) =>
		TIMED_OUT.prompts.includes(String(body.prompt))
			? { readyAfterMs: 4_500, end: 'completed', video: { size: 40_000 } }
			: body.callback_url
				? { readyAfterMs: CALLBACK_TASK_MS, end: 'completed', video: { size: 50_000 } }
				: { readyAfterMs: TASK_MS, end: 'completed', video: { size: 300_000 } };
	await importIntoN8n(install, env, 'credentials', [credential(server.apiKey, server.apiUrl)]);
	const waitOptions = { pollInterval: 0.5, timeout: 300 };
	await importIntoN8n(install, env, 'workflow', [
		workflow(RECIPE, waitOptions),
		workflow(NO_PROGRESS, waitOptions),
		workflow(ONE_NODE, waitOptions),
		// Gives up after 3 s on a task that takes 4.5 s: the retry's own 3 s cover the rest.
		workflow(TIMED_OUT, { pollInterval: 0.5, timeout: 3 }),
		workflow(UNANSWERED, { pollInterval: 0.5, timeout: 30, requestTimeout: 1 }),
		callbackWorkflow(),
	]);
	// Every create of its prompt hangs: a create sent again by the Retry would be counted, and hang too.
	server.createFaultOf = (body) =>
		UNANSWERED.prompts.includes(String(body.prompt)) ? { type: 'hang' } : undefined;
	for (const id of [
		...[RECIPE, NO_PROGRESS, ONE_NODE, TIMED_OUT, UNANSWERED].map((shape) => shape.id),
		CALLBACK_ID,
	]) {
		const published = await n8nCli(install, env, ['publish:workflow', `--id=${id}`]);
		if (published.code !== 0)
			throw new Error(`n8n publish:workflow failed: ${published.stderr || published.stdout}`);
	}
	const started = Date.now();
	await start();
	figure(
		`n8n ${install.version} started (webhooks registered, owner signed in) in ${since(started)}`,
	);
});

afterAll(async () => {
	if (n8n) await stopN8n(n8n.process);
	await server?.stop();
	if (userFolder) rmSync(userFolder, { recursive: true, force: true });
	process.stdout.write(`\nMeasured:\n${figures.map((line) => `  ${line}`).join('\n')}\n`);
});

test('Retry of an execution whose Create + Wait timed out waits on the tasks it created: one create, the video delivered', async () => {
	const failed = await triggerUntilFailed(TIMED_OUT);
	expect(createsOf(TIMED_OUT)).toBe(1);

	const retriedAt = Date.now();
	const retried = await retry(failed.id);
	const retryTook = since(retriedAt);

	expect(retried.status).toBe('success');
	expect(createsOf(TIMED_OUT)).toBe(1);
	const [hashed] = lastOutput(retried, 'SHA-256');
	expect(hashed.task_id).toBe(createdIdsOf(TIMED_OUT)[0]);
	expect(hashed.sha256).toBe(fileSha256(server.videoOf(String(hashed.task_id))));
	figure(
		`Create + Wait timed out (Timeout 3 s, task ready 4.5 s after creation), then Retry: the video delivered ${retryTook} after it was sent, 1 create for 1 prompt`,
	);
});
test('Retry of an execution whose create request was never answered does not send it again: one create, the error says why', async () => {
	const failed = await triggerUntilFailed(UNANSWERED);
	expect(createsOf(UNANSWERED)).toBe(1);

	const retried = await retry(failed.id);

	expect(retried.status).toBe('error');
	expect(createsOf(UNANSWERED)).toBe(1);
	expect(retried.data.resultData.error?.message).toMatch(
		/may still have been created: .* It was not sent again when n8n retried the execution: if your Yunwu dashboard shows no such task, run the workflow anew/,
	);
	figure(
		`Create whose answer never came (Request Timeout 1 s), then Retry: failed again at once, 1 create for 1 prompt`,
	);
});

test.each([
	{ forged: false, title: 'Kling calls back at each status change' },
	{ forged: true, title: 'a forged "succeed" call comes first' },
])(
	"Callback recipe: Create (Kling, Callback URL {{ $execution.resumeUrl }}) → n8n's Wait node resuming on the call → Wait Until Complete; $title",
	async ({ forged }) => {
		const prompt = `callback: a heron (${forged ? 'forged' : 'honest'})`;
		const before = (await executionsOf(CALLBACK_ID)).length;
		const response = await fetch(`${n8n!.url}/webhook/${CALLBACK_ID}`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ prompt }),
		});
		expect(response.status).toBe(200);
		const created = await waitFor(
			'the Kling task to be created',
			async () => server.createdTasks.find((task) => task.body.prompt === prompt),
			60_000,
		);
		const resumeUrl = String(created.body.callback_url);
		expect(resumeUrl).toMatch(/\/webhook-waiting\//);
		const decoy = `${server.fileUrl}/file_download/forged.mp4`;
		if (forged) {
			// Once the execution waits, a call that claims the task succeeded, with another video.
			await waitFor(
				'the execution to wait',
				async () =>
					(await executionsOf(CALLBACK_ID)).find((execution) => execution.status === 'waiting') ??
					undefined,
				60_000,
			);
			const call = await fetch(resumeUrl, {
				method: 'POST',
				headers: { 'Content-Type': 'application/json' },
				body: JSON.stringify({
					task_id: created.id,
					task_status: 'succeed',
					task_result: { videos: [{ url: decoy }] },
				}),
			});
			expect(call.status).toBe(200);
		}
		const finished = await waitFor(
			'the execution to finish',
			async () => {
				const executions = await executionsOf(CALLBACK_ID);
				return executions.length > before &&
					['success', 'error', 'crashed'].includes(executions[0].status)
					? executions[0]
					: undefined;
			},
			90_000,
		);
		expect(finished.status).toBe('success');
		const task = server.task(created.id);
		const video = server.videoOf(created.id);
		// The video of the task Create made, once; never the forged call's.
		expect(video.downloads).toBe(1);
		expect(server.fileRequests().some((entry) => entry.path === '/file_download/forged.mp4')).toBe(
			false,
		);
		const calls = server.callbacks.filter((entry) => entry.url === resumeUrl);
		expect(calls.length).toBeGreaterThan(0);
		if (forged) {
			// The forged call woke the workflow early: Wait Until Complete queried until the task ended.
			expect(task.queries).toBeGreaterThan(1);
		} else {
			// Kling's calls woke it (its "processing" call only sent it back to wait): one query, once the task had ended.
			expect(calls.map((call) => call.httpStatus)).toEqual([200, 200]);
			expect(task.queries).toBe(1);
			expect(task.firstQueryAt!).toBeGreaterThanOrEqual(task.script.readyAt!);
		}
		figure(
			`callback recipe (${forged ? 'forged call first' : 'Kling calls only'}): ${task.queries} ${task.queries === 1 ? 'query' : 'queries'} of a task that took ${CALLBACK_TASK_MS / 1000} s, the video downloaded once`,
		);
	},
);

test('n8n killed during the waits, started again, each execution retried: only Create → Wait Until Complete with Save Execution Progress delivers without creating again', async () => {
	const shapes = [RECIPE, NO_PROGRESS, ONE_NODE];
	const triggeredAt = Date.now();
	for (const shape of shapes) await trigger(shape);
	// Kill once every task exists and is being waited on.
	const expected = shapes.reduce((sum, shape) => sum + shape.prompts.length, 0);
	await waitFor(
		'every task to be created and queried',
		async () => {
			const ids = shapes.flatMap(createdIdsOf);
			return ids.length === expected && ids.every((id) => server.task(id).queries > 0)
				? true
				: undefined;
		},
		60_000,
	);
	const createdBefore = new Map(shapes.map((shape) => [shape.id, createdIdsOf(shape)]));
	const killedAt = Date.now();
	const logBeforeKill = n8n!.log();
	await kill(n8n!.process);
	n8n = undefined;
	figure(
		`tasks created and waited on ${((killedAt - triggeredAt) / 1000).toFixed(1)} s after the webhook calls; n8n killed (SIGKILL) then`,
	);

	// The killed n8n's log names every task it created: what an operator recovers them from.
	for (const ids of createdBefore.values())
		for (const id of ids) expect(logBeforeKill).toContain(`Yunwu Video: created task "${id}"`);
	expect(logBeforeKill).not.toContain(server.apiKey);

	const restartedAt = Date.now();
	await start();
	const upMs = Date.now() - restartedAt;
	const crashed = await waitFor(
		'the executions to be marked crashed',
		async () => {
			const found = await Promise.all(
				shapes.map(async (shape) => (await executionsOf(shape.id))[0]),
			);
			return found.every((execution) => execution?.status === 'crashed') ? found : undefined;
		},
		60_000,
	);
	figure(
		`n8n up again (webhooks registered, signed in) ${(upMs / 1000).toFixed(1)} s after the kill; the 3 executions it found running were marked crashed ${since(restartedAt)} after the kill`,
	);

	const retriedAt = Date.now();
	const recipeIds = createdBefore.get(RECIPE.id)!;
	const stillRunning = recipeIds.filter(
		(id) => retriedAt < (server.task(id).script.readyAt ?? 0),
	).length;
	const [recipe, noProgress, oneNode] = await Promise.all(
		crashed.map(async (execution) => {
			const answer = await retry(execution.id);
			return { answer, doneAt: Date.now() };
		}),
	);

	// The recipe: the retry continues at Wait Until Complete with the saved task ids.
	expect(recipe.answer.status).toBe('success');
	expect(createsOf(RECIPE)).toBe(RECIPE.prompts.length);
	const delivered = lastOutput(recipe.answer, 'SHA-256');
	expect(delivered.map((item) => item.task_id).sort()).toEqual(
		[...createdBefore.get(RECIPE.id)!].sort(),
	);
	for (const item of delivered) {
		expect(item.state).toBe('completed');
		expect(item.sha256).toBe(fileSha256(server.videoOf(String(item.task_id))));
	}
	const readyAfterKillMs =
		Math.max(...recipeIds.map((id) => server.task(id).script.readyAt!)) - killedAt;
	figure(
		`recipe (Create → Wait Until Complete, Save Execution Progress on): Retry sent ${((retriedAt - killedAt) / 1000).toFixed(1)} s after the kill (${stillRunning} of ${recipeIds.length} tasks still running), videos delivered ${((recipe.doneAt - retriedAt) / 1000).toFixed(1)} s later, ${((recipe.doneAt - killedAt) / 1000).toFixed(1)} s after the kill (the tasks were ready ${(readyAfterKillMs / 1000).toFixed(1)} s after it); ${createsOf(RECIPE)} creates for ${RECIPE.prompts.length} prompts`,
	);

	// Without Save Execution Progress n8n kept only the execution's start: Retry runs Create again.
	expect(noProgress.answer.status).toBe('success');
	expect(createsOf(NO_PROGRESS)).toBe(2 * NO_PROGRESS.prompts.length);
	figure(
		`without Save Execution Progress: Retry ran Create again, ${createsOf(NO_PROGRESS)} creates for ${NO_PROGRESS.prompts.length} prompts`,
	);

	// Create + Wait in one node: n8n saves progress only after a node, so Retry runs Create again.
	expect(oneNode.answer.status).toBe('success');
	expect(createsOf(ONE_NODE)).toBe(2 * ONE_NODE.prompts.length);
	figure(
		`Create + Wait in one node (Save Execution Progress on): Retry ran Create again, ${createsOf(ONE_NODE)} creates for ${ONE_NODE.prompts.length} prompts`,
	);
});

function createdIdsOf(shape: Shape): string[] {
	return server.createdTasks
		.filter((task) => shape.prompts.includes(String(task.body.prompt)))
		.map((task) => task.id);
}
