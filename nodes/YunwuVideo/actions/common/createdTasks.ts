import { createHash } from 'node:crypto';
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

/** The create answer of a task: its id, and whatever else the API said. */
export type CreatedTask = IDataObject & { id: string };

/** What an item's create request left in this execution. */
export type CreateOutcome =
	| { kind: 'created'; task: CreatedTask }
	/** The request may have created a task (no clear answer): it is not sent again in this execution. */
	| { kind: 'uncertain'; message: string; executionId: string };

/** Where the outcomes live in the node's context. */
const CONTEXT_KEY = 'yunwuCreateOutcomes';

/**
 * The create requests this node sent in this execution, by item and request body (its SHA-256),
 * so that a re-run of the node waits on the task an item already paid for instead of creating
 * another.
 *
 * They live in n8n's per-execution node context (`getContext('node')`), not in module memory:
 * n8n's Retry On Fail runs execute() again on the same execution data (n8n-core's WorkflowExecute
 * and its AI-tool runner, on n8n 2.x and 1.x), so a re-run sees what the failed try stored, and
 * nothing needs bounding by size or age: the context belongs to one execution and one node, and
 * goes with them. n8n saves it with the execution, so its Retry of a failed execution (which
 * continues from the saved data) waits on the same tasks too. A run that n8n will not re-run
 * clears it, so a later run of the node in the same execution (a loop) creates anew.
 */
export class CreatedTasks {
	private constructor(
		private readonly store: Record<string, CreateOutcome>,
		private readonly executionId: string,
	) {}

	static of(context: IExecuteFunctions): CreatedTasks {
		const nodeContext = context.getContext('node');
		nodeContext[CONTEXT_KEY] ??= {};
		return new CreatedTasks(nodeContext[CONTEXT_KEY] as Record<string, CreateOutcome>, context.getExecutionId());
	}

	/**
	 * What an earlier run of this execution got for this item and body. An uncertain outcome of
	 * another execution is ignored: n8n's Retry of a failed execution is the user's choice, made
	 * after the error told them to check the dashboard.
	 */
	find(itemIndex: number, body: IDataObject): CreateOutcome | undefined {
		const outcome = this.store[keyOf(itemIndex, body)];
		if (outcome?.kind === 'uncertain' && outcome.executionId !== this.executionId) return undefined;
		return outcome;
	}

	rememberCreated(itemIndex: number, body: IDataObject, task: CreatedTask): void {
		this.store[keyOf(itemIndex, body)] = { kind: 'created', task };
	}

	rememberUncertain(itemIndex: number, body: IDataObject, message: string): void {
		this.store[keyOf(itemIndex, body)] = { kind: 'uncertain', message, executionId: this.executionId };
	}

	/** A task that failed on Yunwu will never deliver: a re-run creates a new one. */
	forget(itemIndex: number, body: IDataObject): void {
		delete this.store[keyOf(itemIndex, body)];
	}

	/**
	 * After a run that n8n will not re-run, nothing is left to wait on. n8n re-runs a node (Retry
	 * On Fail) that threw, and one whose first output item has an `error` field, its sign of a
	 * Continue On Fail error: a completed task's answer has one too (`"error": ""`).
	 */
	clearUnlessRerun(output: INodeExecutionData[]): void {
		if (output[0]?.json.error !== undefined) return;
		for (const key of Object.keys(this.store)) delete this.store[key];
	}
}

function keyOf(itemIndex: number, body: IDataObject): string {
	return `${itemIndex}:${createHash('sha256').update(JSON.stringify(body)).digest('hex')}`;
}
