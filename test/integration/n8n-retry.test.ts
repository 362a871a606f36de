/**
 * What the node's Retry On Fail memory (`actions/items/retryMemory.ts`) relies on in n8n-core's
 * WorkflowExecute, checked on n8n-core itself with a probe node in the Yunwu Video node's place:
 * every try of a run gets the same node context object (the delivered outputs are kept beside it),
 * the same run index, execution id and input; what a try writes there is saved with the execution
 * (n8n's Retry of a failed execution continues with it); and a successful output whose first item
 * has `"error": ""` (every completed Yunwu answer) is run again. If n8n changes any of these, this
 * file fails, and the memory must be rethought.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeType } from 'n8n-workflow';

import { runNode, type RunOptions } from '../support/harness/n8n';

interface Try {
	context: IDataObject;
	runIndex: number;
	executionId: string;
	input: INodeExecutionData[];
	/** What an earlier try wrote into the context, as this try found it. */
	found: unknown;
}

/** A node that records each try and then does `outcome(tryNumber)` (0-based). */
function probe(outcome: (tryNumber: number) => INodeExecutionData[]): {
	nodeType: INodeType;
	tries: Try[];
} {
	const tries: Try[] = [];
	const nodeType: INodeType = {
		description: {
			displayName: 'Probe',
			name: 'probe',
			group: ['transform'],
			version: 1,
			description: 'Records what n8n hands each try',
			defaults: { name: 'Probe' },
			inputs: ['main'],
			outputs: ['main'],
			properties: [],
		} as unknown as INodeType['description'],
		async execute(this: IExecuteFunctions) {
			const context = this.getContext('node');
			tries.push({
				context,
				runIndex: this.getWorkflowDataProxy(0).$runIndex as number,
				executionId: this.getExecutionId(),
				input: structuredClone(this.getInputData()),
				found: context.written,
			});
			context.written = `try ${tries.length - 1}`;
			return [outcome(tries.length - 1)];
		},
	};
	return { nodeType, tries };
}

const ITEMS = [{ json: { prompt: 'a cat' } }, { json: { prompt: 'a dog' } }];
const RETRY = { maxTries: 3, waitBetweenTries: 0 };
const runProbe = (nodeType: INodeType, options: Partial<RunOptions>) =>
	runNode({ parameters: {}, items: ITEMS, nodeType, ...options });

describe("n8n-core's Retry On Fail, as the retry memory relies on it", () => {
	test('a failing node is run again on the same context object, run index, execution id and input, and the context is saved', async () => {
		const { nodeType, tries } = probe((tryNumber) => {
			if (tryNumber < 2) throw new Error(`try ${tryNumber} fails`);
			return [{ json: { done: true } }];
		});
		const run = await runProbe(nodeType, { retry: RETRY });

		expect(run.status).toBe('success');
		expect(tries).toHaveLength(3);
		for (const each of tries) {
			expect(each.context).toBe(tries[0].context);
			expect(each.runIndex).toBe(0);
			expect(each.executionId).toBe(run.executionId);
			expect(each.input).toEqual(tries[0].input);
		}
		expect(tries[0].input.map(({ json }) => json)).toEqual(ITEMS.map(({ json }) => json));
		expect(tries.map(({ found }) => found)).toEqual([undefined, 'try 0', 'try 1']);
		expect(run.run.data.executionData?.contextData['node:Yunwu Video']).toEqual({
			written: 'try 2',
		});
	});

	test('a successful output whose first item has "error": "" is run again, on the same context', async () => {
		const { nodeType, tries } = probe(() => [{ json: { id: 'task-1', error: '' } }]);
		const run = await runProbe(nodeType, { retry: RETRY });

		expect(run.status).toBe('success');
		expect(tries).toHaveLength(3);
		expect(new Set(tries.map(({ context }) => context)).size).toBe(1);
	});

	test('a saved context handed to a new execution (n8n’s Retry of a failed execution) is what its node finds', async () => {
		const { nodeType, tries } = probe(() => [{ json: {} }]);
		await runProbe(nodeType, {
			contextData: { 'node:Yunwu Video': { written: 'earlier execution' } },
		});

		expect(tries.map(({ found }) => found)).toEqual(['earlier execution']);
	});
});
