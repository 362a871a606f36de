import { createHash } from 'node:crypto';
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

/** The create answer of a task: its id, and whatever else the API said. */
export type CreatedTask = IDataObject & { id: string };

/** What an item's create request left in this execution (`executionId`: where it was sent). */
export type CreateOutcome =
	| { kind: 'created'; task: CreatedTask; executionId?: string }
	/** The request may have created a task (no clear answer): it is not sent again in this execution. */
	| { kind: 'uncertain'; message: string; executionId: string };

/** Where the outcomes live in the node's context. */
const CONTEXT_KEY = 'yunwuCreateOutcomes';

/**
 * The create requests this node sent in this execution, by run of the node, item and request body
 * (its SHA-256), so that a re-run waits on the task an item already paid for instead of creating
 * another.
 *
 * They live in n8n's per-execution node context (`getContext('node')`), not in module memory:
 * n8n's Retry On Fail runs execute() again on the same execution data and with the same run index
 * (n8n-core's WorkflowExecute, on n8n 2.x and 1.x), so a re-run sees what the failed try stored,
 * and nothing needs bounding by size or age: the context belongs to one execution and one node,
 * and goes with them. n8n saves it with the execution, so its Retry of a failed execution (which
 * continues from the saved data, the failed run removed) waits on the same tasks too. A later run
 * of the node in the same execution (a loop) has another run index, and creates anew.
 *
 * Within one execution an item's outcome holds whatever its request now reads: the tries of a run
 * share their input, so only an expression's time or random seed can change the body, and a new
 * request would pay for a second task (or send again one that may exist). The body tells apart only
 * the outcomes of an earlier execution, which the user may have edited before n8n's Retry.
 */
export class CreatedTasks {
	/** The key of each outcome this execution left, by run and item. */
	private readonly thisExecution = new Map<string, string>();

	private constructor(
		private readonly store: Record<string, CreateOutcome>,
		private readonly runIndex: number,
		private readonly executionId: string,
	) {
		for (const [key, outcome] of Object.entries(store))
			if (outcome.executionId === executionId) this.thisExecution.set(itemOf(key), key);
	}

	static of(context: IExecuteFunctions): CreatedTasks {
		const nodeContext = context.getContext('node');
		nodeContext[CONTEXT_KEY] ??= {};
		const runIndex = context.getWorkflowDataProxy(0).$runIndex as number;
		return new CreatedTasks(
			nodeContext[CONTEXT_KEY] as Record<string, CreateOutcome>,
			runIndex,
			context.getExecutionId(),
		);
	}

	/**
	 * What an earlier run of this execution, or the execution n8n's Retry continues, got for this
	 * item and body. An uncertain outcome holds there too: a Retry re-sends nothing that may have
	 * created a task; a new execution (the workflow run anew) starts without it.
	 */
	find(itemIndex: number, body: IDataObject): CreateOutcome | undefined {
		return this.store[this.keyFound(itemIndex, body)];
	}

	/** Whether an outcome was left by this execution (a Retry On Fail), not by the one n8n's Retry continues. */
	isThisExecutions(outcome: CreateOutcome): boolean {
		return outcome.executionId === this.executionId;
	}

	rememberCreated(itemIndex: number, body: IDataObject, task: CreatedTask): void {
		this.store[this.keyOf(itemIndex, body)] = {
			kind: 'created',
			task,
			executionId: this.executionId,
		};
	}

	rememberUncertain(itemIndex: number, body: IDataObject, message: string): void {
		this.store[this.keyOf(itemIndex, body)] = {
			kind: 'uncertain',
			message,
			executionId: this.executionId,
		};
	}

	/** A task that failed on Yunwu will never deliver: a re-run creates a new one. */
	forget(itemIndex: number, body: IDataObject): void {
		delete this.store[this.keyFound(itemIndex, body)];
	}

	/** The key of this execution's outcome for the item, else the one for this very body. */
	private keyFound(itemIndex: number, body: IDataObject): string {
		return this.thisExecution.get(`${this.runIndex}:${itemIndex}`) ?? this.keyOf(itemIndex, body);
	}

	private keyOf(itemIndex: number, body: IDataObject): string {
		return `${this.runIndex}:${itemIndex}:${createHash('sha256').update(JSON.stringify(body)).digest('hex')}`;
	}
}

/** A key's run and item (`<run>:<item>:<body hash>`). */
const itemOf = (key: string) => key.slice(0, key.lastIndexOf(':'));
