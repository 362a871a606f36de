/** What the bench suites share: seeded job times, the workflows' common nodes, reading a run. */
import type { ExecutionOutcome } from '../test/support/real-n8n/n8n';
import { manualTrigger } from '../test/support/real-n8n/workflows';
import type { YunwuServer } from '../test/support/server/yunwu-server';

/** Mulberry32: the same job times on every run with the same seed. */
export function seededRandom(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export interface Job {
	prompt: string;
	model: string;
}

export const promptOf = (index: number) => `bench job ${index}`;
export const indexOf = (prompt: unknown) =>
	Number(/bench job (\d+)/.exec(String(prompt))?.[1] ?? 0);

/** A Code node that outputs one item per job, carrying its prompt and model. */
export function promptsNode(jobs: Job[]): Record<string, unknown> & { name: string } {
	const items = jobs.map((job) => ({ json: job }));
	return {
		id: 'bench-prompts',
		name: 'Prompts',
		type: 'n8n-nodes-base.code',
		typeVersion: 2,
		position: [220, 0],
		parameters: { jsCode: `return ${JSON.stringify(items)};` },
	};
}

/** The loop most tutorials teach, querying every `pollS` seconds. */
export function loopWorkflow(
	jobs: Job[],
	apiUrl: string,
	apiKey: string,
	pollS: number,
): Record<string, unknown> {
	const auth = {
		sendHeaders: true,
		headerParameters: { parameters: [{ name: 'Authorization', value: `Bearer ${apiKey}` }] },
	};
	const http = (id: string, name: string, x: number, parameters: Record<string, unknown>) => ({
		id,
		name,
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		position: [x, 0],
		parameters: { options: {}, ...parameters },
	});
	const nodes = [
		manualTrigger(),
		promptsNode(jobs),
		http('bench-create', 'Create Task', 440, {
			method: 'POST',
			url: `${apiUrl}/v1/video/create`,
			...auth,
			sendBody: true,
			specifyBody: 'json',
			jsonBody: '={{ JSON.stringify({ model: $json.model, prompt: $json.prompt }) }}',
		}),
		http('bench-query', 'Query Task', 660, {
			url: `={{ "${apiUrl}/v1/video/query?id=" + $('Create Task').item.json.id }}`,
			...auth,
		}),
		{
			id: 'bench-if',
			name: 'Completed?',
			type: 'n8n-nodes-base.if',
			typeVersion: 1,
			position: [880, 0],
			parameters: {
				conditions: {
					string: [{ value1: '={{ $json.status }}', operation: 'equal', value2: 'completed' }],
				},
			},
		},
		{
			id: 'bench-wait',
			name: 'Wait',
			type: 'n8n-nodes-base.wait',
			typeVersion: 1.1,
			position: [880, 200],
			parameters: { amount: pollS, unit: 'seconds' },
		},
		http('bench-download', 'Download Video', 1100, {
			url: '={{ $json.video_url }}',
			options: { response: { response: { responseFormat: 'file' } } },
		}),
	];
	const to = (node: string) => [{ node, type: 'main', index: 0 }];
	return {
		id: 'benchLoop',
		name: 'Bench: hand-built loop',
		nodes,
		connections: {
			Start: { main: [to('Prompts')] },
			Prompts: { main: [to('Create Task')] },
			'Create Task': { main: [to('Query Task')] },
			'Query Task': { main: [to('Completed?')] },
			'Completed?': { main: [to('Download Video'), to('Wait')] },
			Wait: { main: [to('Query Task')] },
		},
		active: false,
		settings: { executionOrder: 'v1' },
		pinData: {},
	};
}

/** The span from the first run of the first node to the end of the last run of the last node. */
export function wallOf(outcome: ExecutionOutcome, firstNode: string, lastNode: string): number {
	const runs = outcome.data?.resultData.runData ?? {};
	const start = Math.min(...(runs[firstNode] ?? []).map((run) => run.startTime));
	const end = Math.max(...(runs[lastNode] ?? []).map((run) => run.startTime + run.executionTime));
	return end - start;
}

/** The tasks that were queried, once each. */
export function yunwuTasks(server: YunwuServer) {
	const ids = new Set(
		server
			.apiRequests()
			.filter((entry) => entry.path === '/v1/video/query' && entry.query.id)
			.map((entry) => entry.query.id),
	);
	return [...ids].map((id) => server.task(id));
}

/** Ready → delivered delays of the tasks whose video arrived, in ms. */
export function deliveryDelays(server: YunwuServer): number[] {
	return yunwuTasks(server).flatMap((task) => {
		const deliveredAt = task.video?.deliveredAt[0];
		return deliveredAt === undefined ? [] : [deliveredAt - (task.script.readyAt ?? 0)];
	});
}

export const seconds = (ms: number) => (ms / 1000).toFixed(1);

/** One line per contender that did not deliver every video of a workload. */
export function failuresOf(
	results: Array<{ contender: string; ok: boolean; error?: string }>,
	label: string,
): string[] {
	return results
		.filter((result) => !result.ok)
		.map(
			(result) =>
				`${result.contender} on ${label}: ${result.error ?? 'not every video was delivered'}`,
		);
}
