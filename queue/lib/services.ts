/**
 * Throwaway Redis and PostgreSQL for the queue-mode suite, from Debian's packages, on loopback
 * only. Every process and folder made here is written to a registry file so that queue/run.sh's
 * trap can remove it even when jest itself is killed; afterAll removes them in the normal case.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
	appendFileSync,
	chownSync,
	existsSync,
	mkdirSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { freePort } from '../../test/support/real-n8n/n8n';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The registry queue/run.sh cleans up on exit: `pid <pid> <marker>` (a process group to kill if its
 * command line still contains the marker), `pgdata <dir>` (a cluster to stop) and `dir <dir>`.
 */
export class Registry {
	readonly file: string;
	private readonly ownFolder?: string;
	private readonly groups: Array<{ pid: number; marker: string }> = [];
	private readonly clusters: string[] = [];
	private readonly dirs: string[] = [];

	constructor() {
		const shared = process.env.YUNWU_QUEUE_REGISTRY;
		if (shared && existsSync(shared)) {
			this.file = path.join(shared, 'registry');
		} else {
			this.ownFolder = mkdtempSync(path.join(tmpdir(), 'yunwu-queue-registry-'));
			this.file = path.join(this.ownFolder, 'registry');
		}
	}

	process(pid: number, marker: string): void {
		this.groups.push({ pid, marker });
		appendFileSync(this.file, `pid ${pid} ${marker}\n`);
	}

	cluster(dataDir: string): void {
		this.clusters.push(dataDir);
		appendFileSync(this.file, `pgdata ${dataDir}\n`);
	}

	dir(dir: string): void {
		this.dirs.push(dir);
		appendFileSync(this.file, `dir ${dir}\n`);
	}

	/** Kills every registered process group still alive, stops the clusters, removes the folders. */
	cleanUp(): void {
		for (const { pid, marker } of this.groups.reverse()) killGroup(pid, marker);
		for (const dataDir of this.clusters) stopCluster(dataDir);
		for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
		if (this.ownFolder) rmSync(this.ownFolder, { recursive: true, force: true });
	}
}

/** Whether `pid` is alive and still the process we started (its command line holds the marker). */
export function isOurs(pid: number, marker: string): boolean {
	try {
		return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
	} catch {
		return false;
	}
}

/** The processes in process group `pgid` (from /proc/<pid>/stat, field 5). */
function groupMembers(pgid: number): number[] {
	const members: number[] = [];
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
			const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			if (Number(fields[2]) === pgid) members.push(Number(entry));
		} catch {
			// gone meanwhile
		}
	}
	return members;
}

/**
 * SIGKILLs the process group led by `pid` (the process and, e.g., n8n's task runner child), only
 * while one of its members is still ours (its command line holds the marker).
 */
export function killGroup(pid: number, marker: string): void {
	if (!groupMembers(pid).some((member) => isOurs(member, marker))) return;
	try {
		process.kill(-pid, 'SIGKILL');
	} catch {
		// already gone
	}
}

/** A child in its own process group, its output kept for assertions and for the failure message. */
export interface Service {
	name: string;
	process: ChildProcess;
	pid: number;
	/** What its members' command lines hold (to never signal a process that is not ours). */
	marker: string;
	log: () => string;
}

export function spawnService(
	registry: Registry,
	name: string,
	command: string,
	args: string[],
	options: { env?: NodeJS.ProcessEnv; cwd?: string; marker: string },
): Service {
	const child = spawn(command, args, {
		env: options.env,
		cwd: options.cwd,
		stdio: ['ignore', 'pipe', 'pipe'],
		detached: true,
	});
	if (child.pid === undefined) throw new Error(`could not start ${name}`);
	registry.process(child.pid, options.marker);
	let log = '';
	const keep = (chunk: Buffer) => {
		log += chunk.toString();
		if (log.length > 8_000_000) log = log.slice(-4_000_000);
	};
	child.stdout?.on('data', keep);
	child.stderr?.on('data', keep);
	return { name, process: child, pid: child.pid, marker: options.marker, log: () => log };
}

/** Waits for a condition, at most `timeoutMs`, checking every `everyMs`. */
export async function waitFor<T>(
	what: string,
	check: () => Promise<T | undefined> | T | undefined,
	timeoutMs: number,
	everyMs = 250,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (let attempt = 0; attempt < Math.ceil(timeoutMs / everyMs) + 1; attempt++) {
		const result = await check();
		if (result !== undefined && result !== false) return result;
		if (Date.now() > deadline) break;
		await sleep(everyMs);
	}
	throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
}

/** Stops a service: SIGTERM, then SIGKILL for the whole group after `graceMs`. */
export async function stopService(service: Service, graceMs = 10_000): Promise<void> {
	const { process: child } = service;
	if (child.exitCode === null && child.signalCode === null) {
		const exited = new Promise((resolve) => child.once('exit', resolve));
		child.kill('SIGTERM');
		const timer = setTimeout(() => killGroup(service.pid, service.marker), graceMs);
		await exited;
		clearTimeout(timer);
	}
	// Children left in the group (n8n's task runner) go too.
	killGroup(service.pid, service.marker);
}

// ---------------------------------------------------------------------------------------------
// Redis

export interface Redis extends Service {
	port: number;
}

export async function startRedis(registry: Registry): Promise<Redis> {
	const redisBin = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((bin) =>
		existsSync(bin),
	);
	if (!redisBin)
		throw new Error(
			'redis-server is not installed (apt-get install redis-server); queue/run.sh installs it',
		);
	const dir = mkdtempSync(path.join(tmpdir(), 'yunwu-queue-redis-'));
	registry.dir(dir);
	const port = await freePort();
	const service = spawnService(
		registry,
		'redis',
		redisBin,
		[
			'--port',
			String(port),
			'--bind',
			'127.0.0.1',
			'--save',
			'',
			'--appendonly',
			'no',
			'--dir',
			dir,
			'--daemonize',
			'no',
			'--protected-mode',
			'yes',
		],
		{ marker: 'redis-server', cwd: dir },
	);
	await waitFor(
		'redis to accept connections',
		() => {
			if (service.process.exitCode !== null)
				throw new Error(`redis-server exited:\n${service.log()}`);
			return service.log().includes('Ready to accept connections') ? true : undefined;
		},
		20_000,
	);
	return { ...service, port };
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

/** The newest Debian PostgreSQL install (/usr/lib/postgresql/<version>/bin). */
export function postgresBinDir(): string {
	const root = '/usr/lib/postgresql';
	const versions = existsSync(root)
		? readdirSync(root)
				.filter((version) => existsSync(path.join(root, version, 'bin', 'initdb')))
				.sort((a, b) => Number(b) - Number(a))
		: [];
	if (versions.length === 0)
		throw new Error(
			'PostgreSQL is not installed (apt-get install postgresql); queue/run.sh installs it',
		);
	return path.join(root, versions[0], 'bin');
}

export interface Postgres {
	port: number;
	dataDir: string;
	version: string;
	/** Runs SQL as `postgres` and returns the rows, columns separated by `|`. */
	query(database: string, sql: string): string[][];
	createDatabase(name: string): void;
	stop(): void;
}

/** Runs a command as the `postgres` user (PostgreSQL refuses to run as root). */
function asPostgres(command: string, args: string[]): string {
	return execFileSync('runuser', ['-u', 'postgres', '--', command, ...args], {
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'pipe'],
		timeout: 60_000,
	});
}

function stopCluster(dataDir: string): void {
	if (!existsSync(path.join(dataDir, 'postmaster.pid'))) return;
	try {
		asPostgres(path.join(postgresBinDir(), 'pg_ctl'), [
			'stop',
			'-D',
			dataDir,
			'-m',
			'immediate',
			'-w',
			'-t',
			'20',
		]);
	} catch {
		// already stopped
	}
}

/** A throwaway cluster: initdb as `postgres` with trust authentication, on a free loopback port. */
export async function startPostgres(registry: Registry): Promise<Postgres> {
	const bin = postgresBinDir();
	const root = mkdtempSync(path.join(tmpdir(), 'yunwu-queue-pg-'));
	registry.dir(root);
	const dataDir = path.join(root, 'data');
	const socketDir = path.join(root, 'socket');
	mkdirSync(dataDir);
	mkdirSync(socketDir);
	const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
	const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
	for (const dir of [root, dataDir, socketDir]) chownSync(dir, uid, gid);
	asPostgres(path.join(bin, 'initdb'), [
		'-D',
		dataDir,
		'--auth=trust',
		'--username=postgres',
		'--encoding=UTF8',
		'--no-instructions',
	]);
	const port = await freePort();
	registry.cluster(dataDir);
	asPostgres(path.join(bin, 'pg_ctl'), [
		'start',
		'-D',
		dataDir,
		'-w',
		'-t',
		'60',
		'-l',
		path.join(root, 'postgres.log'),
		'-o',
		`-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`,
	]);
	const psql = path.join(bin, 'psql');
	const query = (database: string, sql: string): string[][] => {
		const out = execFileSync(
			psql,
			[
				'-h',
				'127.0.0.1',
				'-p',
				String(port),
				'-U',
				'postgres',
				'-d',
				database,
				'-X',
				'-A',
				'-t',
				'-F',
				'|',
				'-v',
				'ON_ERROR_STOP=1',
				'-c',
				sql,
			],
			{
				encoding: 'utf8',
				stdio: ['ignore', 'pipe', 'pipe'],
				timeout: 60_000,
				maxBuffer: 256 * 1024 * 1024,
			},
		);
		return out
			.split('\n')
			.filter((line) => line !== '')
			.map((line) => line.split('|'));
	};
	return {
		port,
		dataDir,
		version: query('postgres', 'show server_version')[0][0],
		query,
		createDatabase: (name) => void query('postgres', `create database ${name}`),
		stop: () => stopCluster(dataDir),
	};
}
