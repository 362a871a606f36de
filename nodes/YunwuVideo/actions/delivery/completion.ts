import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import {
	atSentenceStart,
	describeApiFailure,
	modelPrefixOf,
	describeRetryAfterBeyondTimeout,
	formatSeconds,
	httpCodeOf,
	shortened,
} from '../messages/errors';
import { failureReasonOf, shapeTaskOutput } from '../../task/output';
import type { TaskAnswer } from '../../task/schema';
import { toTaskState } from '../../task/state';
import type { ApiResult } from '../../transport/failure';
import { adaptiveSchedule } from '../../waiting/adaptiveSchedule';
import {
	fixedSchedule,
	UNREACHABLE_AFTER_MS,
	waitForTask,
	type WaitOutcome,
	type WaitSettings,
} from '../../waiting/waitForTask';
import { runsAsTool } from '../parameters/agentTool';
import { deliverTask } from './deliver';
import { NUMBER_OPTIONS, pollSettingsOf, type ItemOptions } from '../parameters/options';
import { workError, type TaskWork } from '../items/taskWork';

/**
 * How many tasks a node waits on at once: Max Tasks at Once of the first item whose options could be
 * read. An item whose options cannot be read fails on its own (an error item with Continue On Fail)
 * and takes no other item with it.
 */
export function maxConcurrentOf(items: ReadonlyArray<{ options: ItemOptions } | Error>): number {
	const first = items.find((item): item is { options: ItemOptions } => !(item instanceof Error));
	return first?.options.maxConcurrent ?? NUMBER_OPTIONS.maxConcurrent.default;
}

/**
 * Waits for one item's task to be completed or failed, then outputs its fields and video (for a task
 * `justCreated`, the first query waits a poll interval). With Polling `adaptive`, the tasks of one
 * `model` (known from Create, or else the prefix of the task id) form a batch whose completions
 * guide each other's queries. Items
 * waiting on the same task with the same wait settings share one poll loop and its downloads through
 * `work.shared`; each reads the outcome with its own On Timeout. A failed task (reported to
 * `onTaskFailed` first), a timeout (unless On Timeout outputs the last status), an API fault or a
 * cancel become the item's error. Each change of the task's state, and each failed query, goes to
 * n8n's log at debug level.
 */
export async function waitAndDeliver(
	work: TaskWork,
	{
		justCreated = false,
		onTaskFailed,
		model = modelPrefixOf(work.taskId),
		startedAt = Date.now(),
	}: {
		justCreated?: boolean;
		onTaskFailed?: () => void;
		model?: string;
		/** When the item's Timeout began (Create: before its create request). */
		startedAt?: number;
	} = {},
): Promise<INodeExecutionData> {
	const { client, options, taskId, subject } = work;
	const polledBy = pollSettingsOf(options);
	const { polling, ...timing } = polledBy;
	const settings: WaitSettings = {
		...timing,
		timeoutMs: Math.max(0, polledBy.timeoutMs - (Date.now() - startedAt)),
		// A task created a moment ago is not done: its first query waits one poll interval.
		firstQueryAfterMs: justCreated ? polledBy.pollIntervalMs : 0,
		unreachableAfterMs: UNREACHABLE_AFTER_MS,
		apiAnsweredElsewhere: () => client.hasAnswered,
	};
	const waitStartedAt = Date.now();
	// The key is what the loop runs by: its settings, with the Timeout as set, not what is left of
	// it (items that start a millisecond apart would otherwise each poll the same task).
	const key = JSON.stringify(['wait', taskId, { ...settings, ...polledBy }]);
	const pollLoop = async (loopSignal: AbortSignal) => {
		// Adaptive polling learns from when the run's other tasks of the model complete (its batch).
		const batch =
			polling === 'adaptive' && model !== undefined ? work.shared.batches.join(model) : undefined;
		const schedule = polling === 'adaptive' ? adaptiveSchedule(batch) : fixedSchedule;
		try {
			return await waitForTask(loggedQuery(work), settings, loopSignal, undefined, schedule);
		} finally {
			batch?.leave();
		}
	};
	const outcome: WaitOutcome = (await work.shared.join(key, work.signal, pollLoop)) ?? {
		kind: 'cancelled',
		polls: 0,
	};
	const waited = (polls: number): IDataObject => ({
		timed_out: false,
		polls,
		waited_ms: Date.now() - waitStartedAt,
	});

	switch (outcome.kind) {
		case 'finished': {
			const { answer } = outcome;
			if (toTaskState(answer.status) === 'failed') {
				onTaskFailed?.();
				throw workError(work, failedTaskMessage(subject, answer), {
					task: shapeTaskOutput(taskId, answer, waited(outcome.polls)),
				});
			}
			return await deliverTask(work, answer, {
				retryDelayMs: options.pollIntervalMs,
				extraFields: waited(outcome.polls),
			});
		}
		case 'timedOut': {
			const ran = { ...waited(outcome.polls), timed_out: true };
			const task = outcome.lastAnswer
				? shapeTaskOutput(taskId, outcome.lastAnswer, ran)
				: { task_id: taskId, state: 'unknown', progress: null, ...ran };
			// A tool's model sees no log: a wait its failing queries ended is the failure, with its next step.
			const asTool = runsAsTool(work.context);
			if (options.onTimeout === 'outputLastStatus' && !(asTool && outcome.lastFailure))
				return { json: task };
			throw workError(work, timeoutMessage(work, settings, outcome, asTool), {
				task,
				failureKind: outcome.lastFailure?.kind,
			});
		}
		case 'failed': {
			const message = describeApiFailure(outcome.failure, subject, client.shownBaseUrl, taskId);
			throw workError(work, message, {
				httpCode: httpCodeOf(outcome.failure),
				failureKind: outcome.failure.kind,
			});
		}
		case 'cancelled':
			throw workError(work, `The execution was stopped while waiting for ${subject}.`);
	}
}

/** Queries the task, logging (debug) when its state changes and when a query fails. */
function loggedQuery({ context, client, itemIndex, taskId, subject, query }: TaskWork) {
	const about = {
		node: context.getNode().name,
		executionId: context.getExecutionId(),
		itemIndex,
		taskId,
	};
	let lastState: string | undefined;
	return async (timeoutMs: number): Promise<ApiResult<TaskAnswer>> => {
		const result = await query(timeoutMs);
		if (!result.ok) {
			const problem = describeApiFailure(result.failure, subject, client.shownBaseUrl, taskId);
			context.logger.debug(
				`Yunwu Video: a query of ${subject} (item ${itemIndex}) failed: ${problem}`,
				about,
			);
			return result;
		}
		const state = toTaskState(result.value.status);
		if (state !== lastState) {
			const change = lastState === undefined ? `is ${state}` : `went from ${lastState} to ${state}`;
			context.logger.debug(
				`Yunwu Video: ${subject} (item ${itemIndex}) ${change} (status "${shortened(String(result.value.status))}")`,
				{ ...about, state },
			);
			lastState = state;
		}
		return result;
	};
}

function failedTaskMessage(subject: string, answer: TaskAnswer): string {
	const reason = shortened(failureReasonOf(answer) ?? 'Yunwu gave no reason');
	return `${atSentenceStart(subject)} failed on Yunwu (status "${shortened(String(answer.status))}"): ${reason}. Check the prompt and model, then create a new task.`;
}

function timeoutMessage(
	{ subject, client, options, taskId }: TaskWork,
	settings: WaitSettings,
	outcome: Extract<WaitOutcome, { kind: 'timedOut' }>,
	asTool: boolean,
): string {
	const { lastAnswer, lastFailure, early } = outcome;
	const task = atSentenceStart(subject);
	// The whole Timeout: the item's, of which the create may have used a part.
	const limit = formatSeconds(options.timeoutMs);
	// The create itself used the Timeout (a slow answer, a retry after a 429): Poll Interval fits it.
	if (early?.reason === 'firstQueryTooLate' && settings.pollIntervalMs < options.timeoutMs) {
		const used = formatSeconds(options.timeoutMs - settings.timeoutMs);
		return `${task} was created, but its create request took ${used} of Timeout (${limit}), which leaves less than one Poll Interval (${formatSeconds(settings.pollIntervalMs)}) before its first query. Raise Timeout in the options.`;
	}
	if (early?.reason === 'firstQueryTooLate') {
		return `${task} was created, but a new task is first queried after one Poll Interval (${formatSeconds(settings.pollIntervalMs)}), which leaves nothing of Timeout (${limit}). Raise Timeout above Poll Interval in the options, or lower Poll Interval.`;
	}
	if (early?.reason === 'retryAfter')
		return describeRetryAfterBeyondTimeout(
			early.failure,
			`the next query of ${subject}`,
			early.leftMs,
		);
	const status = lastAnswer
		? `last status "${shortened(String(lastAnswer.status))}"`
		: 'no status received';
	// The wait ended after one answer, long before Timeout: the settings allow no second query.
	if (lastAnswer && !lastFailure && settings.pollIntervalMs >= options.timeoutMs) {
		return `${task} was queried once (${status}): Poll Interval (${formatSeconds(settings.pollIntervalMs)}) is not shorter than Timeout (${limit}), so no second query fits within Timeout. Raise Timeout above Poll Interval in the options, or lower Poll Interval.`;
	}
	const advice =
		'Raise Timeout in the options, or set On Timeout to "Output Last Status" to go on without the video.';
	if (lastFailure) {
		const lastError = describeApiFailure(lastFailure, subject, client.shownBaseUrl, taskId);
		// A tool's wait ends with the last status already: On Timeout is not the model's to change.
		return `${task} did not finish within ${limit}; the last query failed: ${lastError}${asTool ? '' : ` ${advice}`}`;
	}
	return `${task} did not finish within ${limit} (${status}). ${advice}`;
}
