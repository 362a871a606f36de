/**
 * CPU time per status query: the real node run through n8n-core (the test harness) waits on many
 * tasks with a 1 ms Poll Interval, against the Yunwu server in another process, so this process's
 * `process.cpuUsage()` is the node's, n8n-core's and Node's HTTP work only. A second, profiled run
 * splits that time: samples whose nearest JavaScript frame is the node's own code (or zod, which
 * parses the answers for it) are the node's share; the rest is n8n-core, its HTTP client and Node.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Session, type Profiler } from 'node:inspector';
import path from 'node:path';

import { credentialsFor, itemsWithIds, runNode } from '../test/support/harness/n8n';

export interface CpuFigures {
	tasks: number;
	queries: number;
	/** Node + n8n-core + HTTP, µs of CPU (user + system) per query. */
	totalUs: number;
	/** The node's share of the profiled samples (0–1). */
	nodeShare: number;
}

const ROUNDS = ['warm-up', 'measured', 'profiled'] as const;

/** Runs the node on `tasks` tasks answering `queriesPerTask` queries each, three times (see ROUNDS). */
export async function measureCpu(tasks: number, queriesPerTask: number): Promise<CpuFigures> {
	const server = fork(path.join(__dirname, 'cpu-server.js'), [
		String(tasks * ROUNDS.length),
		String(queriesPerTask),
	]);
	try {
		const { apiUrl, apiKey } = await reply<{ apiUrl: string; apiKey: string }>(server);
		const ids = (round: number) =>
			Array.from({ length: tasks }, (_, index) => `veo3:cpu-${round * tasks + index}`);
		const run = async (round: number) => {
			const before = process.cpuUsage();
			const result = await runNode({
				parameters: {
					operation: 'waitUntilComplete',
					taskId: '={{ $json.id }}',
					downloadVideo: false,
					options: { pollInterval: 0.001, maxConcurrent: 200, timeout: 600 },
				},
				items: itemsWithIds(ids(round)),
				credentials: credentialsFor({ apiKey, apiUrl }),
			});
			const used = process.cpuUsage(before);
			const completed = (result.items ?? []).filter((item) => item.json.status === 'completed');
			if (completed.length !== tasks)
				throw new Error(
					`CPU bench ${ROUNDS[round]} run: ${completed.length} of ${tasks} tasks completed (${result.error?.message ?? 'no error'})`,
				);
			return used.user + used.system;
		};
		await run(0);
		const served = await countOf(server);
		const cpuUs = await run(1);
		const queries = (await countOf(server)) - served;
		if (queries !== tasks * queriesPerTask)
			throw new Error(`CPU bench: ${queries} queries, expected ${tasks * queriesPerTask}`);
		const nodeShare = await profiled(async () => void (await run(2)));
		return { tasks, queries, totalUs: cpuUs / queries, nodeShare };
	} finally {
		server.disconnect();
	}
}

export function cpuTable(figures: CpuFigures, queriesPerTask: number): string {
	const us = (value: number) => value.toFixed(0);
	return [
		`### CPU time per status query (${figures.tasks} tasks × ${queriesPerTask} queries = ${figures.queries}, Poll Interval 1 ms)`,
		'',
		'| whose work | CPU per query (µs) |',
		'| --- | ---: |',
		`| node + n8n-core + HTTP (\`process.cpuUsage()\`, the API server in another process) | ${us(figures.totalUs)} |`,
		`| the node's own code: parse (zod), normalise, schedule (${(figures.nodeShare * 100).toFixed(0)} % of the profiled samples) | ${us(figures.totalUs * figures.nodeShare)} |`,
		`| n8n-core, its HTTP client and Node (the rest) | ${us(figures.totalUs * (1 - figures.nodeShare))} |`,
		'',
	].join('\n');
}

async function reply<T>(child: ChildProcess): Promise<T> {
	return await new Promise((resolve, reject) => {
		child.once('message', (message) => resolve(message as T));
		child.once('exit', (code) => reject(new Error(`CPU bench server exited (${code})`)));
	});
}

async function countOf(server: ChildProcess): Promise<number> {
	const answer = reply<{ count: number }>(server);
	server.send('count');
	return (await answer).count;
}

/** The node's share of the CPU samples taken while `work` runs (idle samples left out). */
async function profiled(work: () => Promise<void>): Promise<number> {
	const session = new Session();
	session.connect();
	const post = async <T>(method: string, params?: object) =>
		await new Promise<T>((resolve, reject) =>
			session.post(method, params, (error, result) =>
				error ? reject(error) : resolve(result as T),
			),
		);
	try {
		await post('Profiler.enable');
		await post('Profiler.setSamplingInterval', { interval: 100 });
		await post('Profiler.start');
		await work();
		const { profile } = await post<{ profile: Profiler.Profile }>('Profiler.stop');
		return nodeShareOf(profile);
	} finally {
		session.disconnect();
	}
}

const NODE_CODE = [
	`${path.sep}nodes${path.sep}YunwuVideo${path.sep}`,
	`${path.sep}node_modules${path.sep}zod${path.sep}`,
];

/** Attributes each sample to the nearest caller with a script: built-ins count for whoever called them. */
function nodeShareOf(profile: Profiler.Profile): number {
	const byId = new Map(profile.nodes.map((node) => [node.id, node]));
	let nodeSamples = 0;
	let busySamples = 0;
	const walk = (id: number, ownerIsNode: boolean) => {
		const node = byId.get(id)!;
		const { url, functionName } = node.callFrame;
		const isNode = url ? NODE_CODE.some((part) => url.includes(part)) : ownerIsNode;
		if (functionName !== '(idle)') {
			busySamples += node.hitCount ?? 0;
			if (isNode) nodeSamples += node.hitCount ?? 0;
		}
		for (const child of node.children ?? []) walk(child, isNode);
	};
	walk(profile.nodes[0].id, false);
	return busySamples === 0 ? 0 : nodeSamples / busySamples;
}
