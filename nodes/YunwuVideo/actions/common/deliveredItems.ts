import { createHash } from 'node:crypto';
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { PerItem } from './items';

/**
 * The items delivered in an execution, by the node's context object of that execution (n8n keeps
 * one per node in the execution's data, the same object for every try of a run).
 *
 * Not kept in the context itself: n8n saves the context with the execution, and an item in n8n's
 * memory binary mode holds its whole video as base64. Here an item is a reference to the output
 * the try already built (its video's id on disk, or the same base64 text), so nothing is copied,
 * nothing is saved, and it all goes when the execution's data does.
 */
const deliveredByExecution = new WeakMap<object, Map<string, INodeExecutionData>>();

/**
 * `perItem`, serving an item that an earlier try of this node run already delivered, for the same
 * input, without a query or a download. n8n's Retry On Fail re-runs a node whose first output item
 * has a `json.error` key (n8n-core's WorkflowExecute: not undefined on 1.x, not undefined, null or
 * false on 2.x), and every completed Yunwu answer carries `"error": ""`; a re-run after a real
 * failure of one item also re-runs the items that had delivered. `inputOf` is what the item's
 * output depends on (its task ID and options): an item whose input changed runs again; without it,
 * an item is served whatever its parameters now say. Failed items are not kept: a re-run retries
 * them. Without Retry On Fail nothing is kept.
 */
export function servingDeliveredItems(
	context: IExecuteFunctions,
	perItem: PerItem,
	inputOf?: (itemIndex: number) => unknown,
): PerItem {
	if (context.getNode().retryOnFail !== true) return perItem;
	const nodeContext = context.getContext('node');
	const delivered = deliveredByExecution.get(nodeContext) ?? new Map<string, INodeExecutionData>();
	deliveredByExecution.set(nodeContext, delivered);
	const executionId = context.getExecutionId();
	// A later run of the node in the same execution (a loop) has another run index, and runs anew.
	const runIndex = context.getWorkflowDataProxy(0).$runIndex as number;
	return async (itemIndex, signal, shared) => {
		const input = inputOf
			? createHash('sha256')
					.update(JSON.stringify(inputOf(itemIndex)))
					.digest('hex')
			: '';
		const key = `${executionId}:${runIndex}:${itemIndex}:${input}`;
		const earlier = delivered.get(key);
		if (earlier) {
			context.logger.info(
				`Yunwu Video: item ${itemIndex} outputs again what it delivered earlier in execution ${executionId} (n8n re-ran the node: Retry On Fail), without a new query or download`,
				{ node: context.getNode().name, executionId, itemIndex },
			);
			return earlier;
		}
		const output = await perItem(itemIndex, signal, shared);
		delivered.set(key, output);
		return output;
	};
}
