import { createHash } from 'node:crypto';
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

/** The create answer of a task: its id, and whatever else the API said. */
export type CreatedTask = IDataObject & { id: string };

/** What an item's create request left in this execution (`executionId`: where it was sent). */
export type CreateOutcome =
	| { kind: 'created'; task: CreatedTask; executionId?: string }
	/** The request may have created a task (no clear answer): it is not sent again in this execution. */
	| { kind: 'uncertain'; message: string; executionId: string };

/** Where the create outcomes live in the node's context. */
const CONTEXT_KEY = 'yunwuCreateOutcomes';

/**
 * The outputs delivered, beside the node context they belong to (see `RetryMemory`): not in the
 * context itself, which n8n saves with the execution, since an item in n8n's memory binary mode
 * holds its whole video as base64.
 */
const deliveredByContext = new WeakMap<object, Map<string, INodeExecutionData>>();

/**
 * What a try of this node run left for the next one: the tasks its items paid for (or may have),
 * and the items it delivered. One memory with one lifetime, the node's context of this execution
 * (`getContext('node')`), and one key, the run of the node, the item and what its work depends on.
 *
 * n8n's Retry On Fail runs execute() again on the same execution data and with the same run index
 * (n8n-core's WorkflowExecute, on n8n 2.x and 1.x; `test/integration/n8n-retry.test.ts` fails if
 * that changes), so a re-run sees what the failed try left, and nothing needs bounding by size or
 * age: the context belongs to one execution and one node, and goes with them. A later run of the
 * node in the same execution (a loop) has another run index, and starts anew.
 *
 * n8n saves the context with the execution, so its Retry of a failed execution (which continues
 * from the saved data, the failed run removed) waits on the same tasks too; the delivered outputs
 * are only referenced beside the context (the video's id on disk, or the same base64 text), so
 * nothing is copied or saved, and such a Retry runs its items again.
 */
export class RetryMemory {
	/** The key of each create outcome this execution left, by run and item. */
	private readonly createdThisExecution = new Map<string, string>();

	private constructor(
		private readonly outcomes: Record<string, CreateOutcome>,
		private readonly delivered: Map<string, INodeExecutionData>,
		private readonly runIndex: number,
		private readonly executionId: string,
	) {
		for (const [key, outcome] of Object.entries(outcomes))
			if (outcome.executionId === executionId) this.createdThisExecution.set(itemOf(key), key);
	}

	static of(context: IExecuteFunctions): RetryMemory {
		const nodeContext = context.getContext('node');
		nodeContext[CONTEXT_KEY] ??= {};
		const delivered = deliveredByContext.get(nodeContext) ?? new Map<string, INodeExecutionData>();
		deliveredByContext.set(nodeContext, delivered);
		return new RetryMemory(
			nodeContext[CONTEXT_KEY] as Record<string, CreateOutcome>,
			delivered,
			context.getWorkflowDataProxy(0).$runIndex as number,
			context.getExecutionId(),
		);
	}

	/**
	 * What an earlier run of this execution, or the execution n8n's Retry continues, got for this
	 * item and body. An uncertain outcome holds there too: a Retry re-sends nothing that may have
	 * created a task; a new execution (the workflow run anew) starts without it.
	 *
	 * Within one execution an item's outcome holds whatever its request now reads: the tries of a run
	 * share their input, so only an expression's time or random seed can change the body, and a new
	 * request would pay for a second task (or send again one that may exist). The body tells apart
	 * only the outcomes of an earlier execution, which the user may have edited before n8n's Retry.
	 */
	findCreated(itemIndex: number, body: IDataObject): CreateOutcome | undefined {
		return this.outcomes[this.createdKeyFound(itemIndex, body)];
	}

	/** Whether an outcome was left by this execution (a Retry On Fail), not by the one n8n's Retry continues. */
	isThisExecutions(outcome: CreateOutcome): boolean {
		return outcome.executionId === this.executionId;
	}

	rememberCreated(itemIndex: number, body: IDataObject, task: CreatedTask): void {
		this.outcomes[this.keyOf(itemIndex, body)] = {
			kind: 'created',
			task,
			executionId: this.executionId,
		};
	}

	rememberUncertain(itemIndex: number, body: IDataObject, message: string): void {
		this.outcomes[this.keyOf(itemIndex, body)] = {
			kind: 'uncertain',
			message,
			executionId: this.executionId,
		};
	}

	/** A task that failed on Yunwu will never deliver: a re-run creates a new one. */
	forgetCreated(itemIndex: number, body: IDataObject): void {
		delete this.outcomes[this.createdKeyFound(itemIndex, body)];
	}

	/**
	 * `perItem`, serving an item that an earlier try of this node run already delivered, for the
	 * same input, without a query or a download. n8n's Retry On Fail re-runs a node whose first
	 * output item has a `json.error` key (n8n-core's WorkflowExecute: not undefined on 1.x, not
	 * undefined, null or false on 2.x), and every completed Yunwu answer carries `"error": ""`; a
	 * re-run after a real failure of one item also re-runs the items that had delivered. `inputOf`
	 * is what the item's output depends on (its task ID and options): an item whose input changed
	 * runs again; without it, an item is served whatever its parameters now say. Failed items are
	 * not kept: a re-run retries them. Without Retry On Fail nothing is kept.
	 */
	servingDelivered<Rest extends unknown[]>(
		context: IExecuteFunctions,
		perItem: (itemIndex: number, ...rest: Rest) => Promise<INodeExecutionData>,
		inputOf?: (itemIndex: number) => unknown,
	): (itemIndex: number, ...rest: Rest) => Promise<INodeExecutionData> {
		if (context.getNode().retryOnFail !== true) return perItem;
		return async (itemIndex, ...rest) => {
			const key = this.keyOf(itemIndex, inputOf ? inputOf(itemIndex) : '');
			const earlier = this.delivered.get(key);
			if (earlier) {
				const { executionId } = this;
				context.logger.info(
					`Yunwu Video: item ${itemIndex} outputs again what it delivered earlier in execution ${executionId} (n8n re-ran the node: Retry On Fail), without a new query or download`,
					{ node: context.getNode().name, executionId, itemIndex },
				);
				return earlier;
			}
			const output = await perItem(itemIndex, ...rest);
			this.delivered.set(key, output);
			return output;
		};
	}

	/** The key of this execution's create outcome for the item, else the one for this very body. */
	private createdKeyFound(itemIndex: number, body: IDataObject): string {
		return (
			this.createdThisExecution.get(`${this.runIndex}:${itemIndex}`) ?? this.keyOf(itemIndex, body)
		);
	}

	/** `<run>:<item>:<SHA-256 of what the item's work depends on>`. */
	private keyOf(itemIndex: number, dependsOn: unknown): string {
		const hash = createHash('sha256').update(JSON.stringify(dependsOn)).digest('hex');
		return `${this.runIndex}:${itemIndex}:${hash}`;
	}
}

/** A key's run and item (`<run>:<item>:<hash>`). */
const itemOf = (key: string) => key.slice(0, key.lastIndexOf(':'));
