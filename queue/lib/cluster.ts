/**
 * n8n in queue mode for the suite: one main (`n8n start`) and workers (`n8n worker`) sharing an
 * encryption key, a user folder, Redis and Postgres; each in its own process group, registered for
 * cleanup. Also the workflow the suite runs and the calls it makes.
 */
import { randomUUID } from 'node:crypto';

import {
	freePort,
	importIntoN8n,
	n8nCli,
	n8nEnv,
	type N8nInstall,
} from '../../test/support/real-n8n/n8n';
import {
	chain,
	credential,
	sha256OfVideo,
	yunwuVideo,
} from '../../test/support/real-n8n/workflows';
import { spawnService, stopService, waitFor, type Registry, type Service } from './services';

export const WORKFLOW_ID = 'yunwuQueueWebhook';
export const WEBHOOK_PATH = 'yunwu-queue';
export const OWNER = {
	email: 'queue@example.com',
	firstName: 'Queue',
	lastName: 'Owner',
	password: 'Yunwu-queue-Passw0rd',
};

/** How quickly a dead worker's jobs are noticed: Bull's lock and stalled-job check (ms). */
export const LOCK = { duration: 20_000, renew: 5_000, stalledInterval: 5_000 };

export interface Backing {
	redisPort: number;
	postgresPort: number;
	database: string;
}

/** The environment every instance of one n8n setup shares. */
export async function baseEnv(
	install: N8nInstall,
	userFolder: string,
	backing: Backing,
	mode: 'queue' | 'regular',
): Promise<NodeJS.ProcessEnv> {
	return await n8nEnv(install, userFolder, {
		EXECUTIONS_MODE: mode,
		QUEUE_BULL_REDIS_HOST: '127.0.0.1',
		QUEUE_BULL_REDIS_PORT: String(backing.redisPort),
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: '127.0.0.1',
		DB_POSTGRESDB_PORT: String(backing.postgresPort),
		DB_POSTGRESDB_USER: 'postgres',
		DB_POSTGRESDB_DATABASE: backing.database,
		// What queue mode picks by default in n8n 2.40 (binary-data.config: queue → database); the
		// single-process baseline sets it too so that only the execution mode differs.
		N8N_DEFAULT_BINARY_DATA_MODE: 'database',
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
		N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
		QUEUE_WORKER_LOCK_DURATION: String(LOCK.duration),
		QUEUE_WORKER_LOCK_RENEW_TIME: String(LOCK.renew),
		QUEUE_WORKER_STALLED_INTERVAL: String(LOCK.stalledInterval),
		N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '5',
		N8N_LOG_LEVEL: 'info',
		N8N_DISABLE_UI: 'false',
	});
}

/** Imports the credential and the webhook workflow into this setup's database and publishes it. */
export async function prepareDatabase(
	install: N8nInstall,
	env: NodeJS.ProcessEnv,
	apiKey: string,
	apiUrl: string,
): Promise<void> {
	await importIntoN8n(install, env, 'credentials', [credential(apiKey, apiUrl)]);
	await importIntoN8n(install, env, 'workflow', [webhookWorkflow()]);
	const published = await n8nCli(install, env, ['publish:workflow', `--id=${WORKFLOW_ID}`]);
	if (published.code !== 0)
		throw new Error(
			`n8n publish:workflow failed (${published.code}): ${published.stderr || published.stdout}`,
		);
}

/**
 * Webhook (respond when the last node finishes) → Split Out the task ids → Yunwu Video, Wait Until
 * Complete → SHA-256 of each video by n8n's Crypto node → a Code node that reports what arrived.
 */
export function webhookWorkflow(): Record<string, unknown> {
	const webhook = {
		id: randomUUID(),
		name: 'Webhook',
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2,
		position: [0, 0],
		webhookId: '5e1f0c6a-7a1d-4c55-9d5e-5a0e2a9b7c01',
		parameters: {
			httpMethod: 'POST',
			path: WEBHOOK_PATH,
			responseMode: 'lastNode',
			responseData: 'firstEntryJson',
			options: {},
		},
	};
	const split = {
		id: randomUUID(),
		name: 'Task IDs',
		type: 'n8n-nodes-base.splitOut',
		typeVersion: 1,
		position: [220, 0],
		parameters: { fieldToSplitOut: 'body.tasks', options: { destinationFieldName: 'id' } },
	};
	const wait = yunwuVideo({
		operation: 'waitUntilComplete',
		options: { pollInterval: 0.5, timeout: 120, requestTimeout: 20 },
	});
	const report = {
		id: randomUUID(),
		name: 'Report',
		type: 'n8n-nodes-base.code',
		typeVersion: 2,
		position: [880, 0],
		parameters: {
			mode: 'runOnceForAllItems',
			jsCode: [
				// The hash from the Crypto node, the binary field's metadata from the Yunwu node's output.
				"const waited = $('Yunwu Video').all();",
				'const videos = $input.all().map((item, index) => {',
				'  const video = waited[index]?.binary?.data ?? {};',
				'  return {',
				'    task_id: item.json.task_id,',
				'    state: item.json.state,',
				'    sha256: item.json.sha256,',
				'    bytes: video.bytes,',
				'    fileSize: video.fileSize,',
				'    mimeType: video.mimeType,',
				'    fileName: video.fileName,',
				'    binaryId: video.id,',
				'    polls: item.json.polls,',
				'  };',
				'});',
				'return [{ json: { execution: $execution.id, call: $("Webhook").first().json.body.call, videos } }];',
			].join('\n'),
		},
	};
	return chain(WORKFLOW_ID, 'Yunwu queue-mode webhook', [
		webhook,
		split,
		wait,
		sha256OfVideo(),
		report,
	]);
}

export interface N8nProcess extends Service {
	env: NodeJS.ProcessEnv;
	/** The worker's health-check port, or the main's HTTP port. */
	port: number;
	url: string;
}

async function waitReady(service: Service, url: string, timeoutMs: number): Promise<void> {
	await waitFor(
		`${service.name} to be ready at ${url}`,
		async () => {
			if (service.process.exitCode !== null || service.process.signalCode !== null) {
				throw new Error(
					`${service.name} exited (${service.process.exitCode ?? service.process.signalCode}):\n${service.log().slice(-5000)}`,
				);
			}
			try {
				const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
				return response.ok ? true : undefined;
			} catch {
				return undefined;
			}
		},
		timeoutMs,
		500,
	);
}

/** `n8n start`: the main instance (in queue mode it enqueues executions and serves the webhooks). */
export async function startMain(
	registry: Registry,
	install: N8nInstall,
	env: NodeJS.ProcessEnv,
	name = 'main',
): Promise<N8nProcess> {
	const service = spawnService(registry, name, install.nodeBin, [install.n8nBin, 'start'], {
		env,
		cwd: env.N8N_USER_FOLDER,
		marker: install.dir,
	});
	const port = Number(env.N8N_PORT);
	const url = `http://127.0.0.1:${port}`;
	await waitReady(service, `${url}/healthz/readiness`, 240_000);
	return { ...service, env, port, url };
}

/** `n8n worker --concurrency=<n>` with its own task-runner broker port and health-check port. */
export async function startWorker(
	registry: Registry,
	install: N8nInstall,
	shared: NodeJS.ProcessEnv,
	name: string,
	concurrency: number,
): Promise<N8nProcess> {
	const port = await freePort();
	const env: NodeJS.ProcessEnv = {
		...shared,
		N8N_RUNNERS_BROKER_PORT: String(await freePort()),
		QUEUE_HEALTH_CHECK_ACTIVE: 'true',
		QUEUE_HEALTH_CHECK_PORT: String(port),
	};
	const service = spawnService(
		registry,
		name,
		install.nodeBin,
		[install.n8nBin, 'worker', `--concurrency=${concurrency}`],
		{
			env,
			cwd: env.N8N_USER_FOLDER,
			marker: install.dir,
		},
	);
	const url = `http://127.0.0.1:${port}`;
	await waitReady(service, `${url}/healthz/readiness`, 240_000);
	return { ...service, env, port, url };
}

export async function stopN8nProcess(service: N8nProcess | undefined): Promise<void> {
	if (service) await stopService(service, 15_000);
}

/** The execution ids a worker's log says it started (n8n's "Worker started execution <id>"). */
export function startedExecutions(worker: Service, fromOffset = 0): string[] {
	return [
		...worker
			.log()
			.slice(fromOffset)
			.matchAll(/Worker started execution (\d+)/g),
	].map((match) => match[1]);
}

export interface CallResult {
	call: string;
	status: number;
	ms: number;
	body?: { execution?: string; call?: string; videos?: Video[]; message?: string };
	error?: string;
}

export interface Video {
	task_id: string;
	state: string;
	sha256: string;
	bytes?: number;
	fileSize?: string;
	mimeType?: string;
	fileName?: string;
	binaryId?: string;
	polls?: number;
}

/** POSTs `{ call, tasks }` to the production webhook and waits for the last node's answer. */
export async function callWebhook(
	main: N8nProcess,
	call: string,
	tasks: string[],
	timeoutMs = 240_000,
): Promise<CallResult> {
	const started = Date.now();
	try {
		const response = await fetch(`${main.url}/webhook/${WEBHOOK_PATH}`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ call, tasks }),
			signal: AbortSignal.timeout(timeoutMs),
		});
		const text = await response.text();
		let body: CallResult['body'];
		try {
			body = JSON.parse(text) as CallResult['body'];
		} catch {
			body = { message: text.slice(0, 500) };
		}
		return { call, status: response.status, ms: Date.now() - started, body };
	} catch (error) {
		return { call, status: 0, ms: Date.now() - started, error: (error as Error).message };
	}
}

/** Creates the owner (a fresh instance allows it once) and returns a signed-in cookie. */
export async function signIn(main: N8nProcess): Promise<string> {
	const setup = await fetch(`${main.url}/rest/owner/setup`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify(OWNER),
		signal: AbortSignal.timeout(30_000),
	});
	if (!setup.ok && setup.status !== 400)
		throw new Error(`owner setup failed: HTTP ${setup.status} ${await setup.text()}`);
	const login = await fetch(`${main.url}/rest/login`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json', 'browser-id': 'yunwu-queue-suite' },
		body: JSON.stringify({
			emailOrLdapLoginId: OWNER.email,
			email: OWNER.email,
			password: OWNER.password,
		}),
		signal: AbortSignal.timeout(30_000),
	});
	if (!login.ok) throw new Error(`sign-in failed: HTTP ${login.status} ${await login.text()}`);
	const cookie = login.headers
		.getSetCookie()
		.map((line) => line.split(';')[0])
		.join('; ');
	if (!cookie) throw new Error('sign-in returned no cookie');
	return cookie;
}

/** n8n's own "Retry" of an execution (the editor's retry button: POST /rest/executions/:id/retry). */
export async function retryExecution(
	main: N8nProcess,
	cookie: string,
	executionId: string,
	loadWorkflow: boolean,
): Promise<{ status: number; body: unknown }> {
	const response = await fetch(`${main.url}/rest/executions/${executionId}/retry`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json', cookie, 'browser-id': 'yunwu-queue-suite' },
		body: JSON.stringify({ loadWorkflow }),
		signal: AbortSignal.timeout(180_000),
	});
	const text = await response.text();
	let body: unknown = text;
	try {
		body = JSON.parse(text);
	} catch {
		// keep the text
	}
	return { status: response.status, body };
}
