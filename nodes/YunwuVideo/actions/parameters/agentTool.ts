import {
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import type { ApiFailure } from '../../transport/failure';

/**
 * The node as a tool of n8n's AI Agent: the "Yunwu Video Tool" n8n derives from `usableAsTool`
 * (type `…yunwuVideoTool`). A model reads its description, calls it with the arguments the
 * node's `$fromAI()` expressions ask for, and reads back the JSON of its output items (n8n drops
 * binary data from tool results) or, when it fails, the error message. So, as a tool, the node
 * describes each operation truthfully, downloads nothing, answers with a few fields and a next
 * step, and words each error as what the model should do next.
 */

/** Whether this run is the node as an AI Agent's tool (n8n names the derived type `…Tool`, on 1.x and 2.x). */
export function runsAsTool(context: IExecuteFunctions): boolean {
	return context.getNode().type.endsWith('Tool');
}

/**
 * An AI Agent's tool waits this long unless its Timeout is set: a chat waits for the tool, and the
 * tool's answer then tells the model to wait again, which is better than a chat blocked for 30 minutes.
 */
export const TOOL_TIMEOUT_S = 120;
const TOOL_WAIT = `${TOOL_TIMEOUT_S / 60} minutes unless its Timeout is set`;

const WAIT_TOOL = 'a tool that waits for a Yunwu video task (Wait Until Complete)';
const TASK_ID_AS_GIVEN =
	'task_id exactly as the create tool returned it, model prefix included (such as "grok:…")';

/**
 * What the model is told each operation does and returns. n8n's automatic tool description is the
 * node's own for every operation (the node has no resource), so the node brings its own Description
 * field, shown only on the tool, prefilled per operation; n8n then adds none of its own.
 */
const TOOL_DESCRIPTIONS: Array<{ show: IDataObject; text: string }> = [
	{
		show: { operation: ['create'], waitForCompletion: [false] },
		text: `Starts generating a video with Yunwu (云雾) AI from a text prompt and returns at once, without waiting. Returns task_id (pass it on exactly as given), state "pending" and next_step. The video takes minutes: get it with ${WAIT_TOOL}. Each call creates and pays for a new video.`,
	},
	{
		show: { operation: ['create'], waitForCompletion: [true] },
		text: `Generates a video with Yunwu (云雾) AI from a text prompt and waits for it (${TOOL_WAIT}). Returns task_id, state and next_step: state "completed" with video_url, the link to the finished MP4, or state "processing" when it is not finished yet. Each call creates and pays for a new video.`,
	},
	{
		show: { operation: ['query'] },
		text: `Checks a Yunwu (云雾) video task once, without waiting, by its ${TASK_ID_AS_GIVEN}. Returns state (pending, processing, completed or failed), progress, video_url once completed, and next_step.`,
	},
	{
		show: { operation: ['waitUntilComplete'] },
		text: `Waits for a Yunwu (云雾) video task to finish (${TOOL_WAIT}), by its ${TASK_ID_AS_GIVEN}. Returns state "completed" with video_url, the link to the finished MP4, or state "processing" and next_step when it is still being made (call this tool again to keep waiting).`,
	},
];

/** The tool's Description field (shown on the tool only), one per operation with its own default. */
export const toolDescriptionFields: INodeProperties[] = TOOL_DESCRIPTIONS.map(({ show, text }) => ({
	displayName: 'Description',
	name: 'toolDescription',
	type: 'string',
	default: text,
	required: true,
	typeOptions: { rows: 3 },
	description:
		'What the AI Agent is told this tool does and returns. Prefilled for the operation; a clear, specific description helps the model call it right.',
	// The operation first: n8n 1.x tests `show` conditions in key order (see `forOperations`).
	displayOptions: { show: { ...show, '@tool': [true] } },
}));

const FAILED =
	'The video could not be made: tell the user why. Waiting again will not help; create a new task only if the user wants to try again.';

/** The fields of a task the model gets; every other field stays out of its context. */
const MODEL_FIELDS = ['task_id', 'state', 'progress', 'video_url', 'thumbnail_url'] as const;

/** The next step for the model, from the task's state and what the operation did. */
function nextStep(operation: string, json: IDataObject): string {
	const state = json.state;
	if (state === 'completed')
		return typeof json.video_url === 'string' && json.video_url !== ''
			? 'The video is ready: give the user video_url (the link expires after a while).'
			: 'The task is completed but Yunwu gave no video link: tell the user.';
	if (state === 'failed') return `${FAILED} The reason is in error_message.`;
	const noNewTask = operation === 'create' ? ' Do not create it again.' : '';
	if (json.timed_out === true)
		return `Not finished after waiting ${Math.round(Number(json.waited_ms) / 1000)} s. To keep waiting, call ${operation === 'waitUntilComplete' ? 'this tool' : WAIT_TOOL} again with this task_id, or tell the user it is still being made.${noNewTask}`;
	if (operation === 'create')
		return `The video is being made, which takes minutes. Wait for it with ${WAIT_TOOL} and this task_id.${noNewTask}`;
	if (state === 'unknown')
		return `Yunwu reports status "${String(json.status)}", not known to be finished: check again later with this task_id.`;
	return `Not finished yet. Wait for it with ${WAIT_TOOL} and this task_id (one call instead of repeated checks), or check again later.`;
}

/** The item the model reads: the task's few useful fields and the next step; never binary data. */
function forTheModel(operation: string, item: INodeExecutionData): INodeExecutionData {
	const { json } = item;
	// A Continue On Fail item: its error as the node words it, the task it was about, and the next
	// step `nextStepAfter` gave it (the item's error is known only where the item was made).
	if (typeof json.error === 'string' && json.error !== '' && json.state === undefined) {
		const answer: IDataObject = { error: json.error };
		if (json.task_id !== undefined) answer.task_id = json.task_id;
		if (json.next_step !== undefined) answer.next_step = json.next_step;
		return { json: answer, pairedItem: item.pairedItem };
	}
	const shaped: IDataObject = {};
	for (const field of MODEL_FIELDS) if (json[field] !== undefined) shaped[field] = json[field];
	if (json.state === 'failed') shaped.error_message = json.error_message;
	if (json.timed_out === true) shaped.timed_out = true;
	shaped.next_step = nextStep(operation, json);
	return { json: shaped, pairedItem: item.pairedItem };
}

const CONFIGURATION =
	'Do not retry: tell the user that the Yunwu connection in n8n needs fixing (the reason is above).';
const ADVICE: Readonly<Partial<Record<ApiFailure['kind'], string>>> = {
	unauthorized: CONFIGURATION,
	forbidden:
		'Do not retry: tell the user that Yunwu refused (their key may not use this model, or the account has no balance left).',
	endpointNotFound: CONFIGURATION,
	redirected: CONFIGURATION,
	invalidBody: CONFIGURATION,
	blocked: CONFIGURATION,
	rejected:
		'Yunwu refused the request as sent: change what it names (the model, the prompt) and call this tool again, or tell the user.',
	notFound: `Call this tool again with the ${TASK_ID_AS_GIVEN}; do not shorten or retype it.`,
};
const BUSY =
	'Yunwu is busy or unreachable right now: call this tool again in a minute with the same input; if it keeps failing, tell the user.';

/** What the model should do after a failed call, from what the error says about the task and the failure. */
function adviceFor(operation: string, context: IDataObject): string {
	if (context.taskMayExist === true)
		return 'Do not call the create tool again for this video: the task may exist and be paid for. Tell the user to check the task list in their Yunwu dashboard.';
	const task = context.task as IDataObject | undefined;
	if (task?.state === 'failed') return FAILED;
	const kind = context.failureKind as ApiFailure['kind'] | undefined;
	if (kind === 'notFound' && operation === 'create') return CONFIGURATION;
	if (kind !== undefined) return ADVICE[kind] ?? BUSY;
	return 'Fix the input the message names and call this tool again.';
}

/**
 * What the model should do after an item failed with `error`: the next step of a tool's answer to a
 * failure, whether the node fails (see `runAsTool`) or, On Error set to Continue, answers with an
 * error item.
 */
export function nextStepAfter(context: IExecuteFunctions, error: unknown): string {
	const { context: errorContext = {} } = error as { context?: IDataObject };
	return adviceFor(context.getNodeParameter('operation', 0) as string, errorContext);
}

/**
 * Runs an operation as an AI Agent's tool: its output items shaped for the model. A failure is
 * answered too, as `{ error }` with the model's next step, so the agent can act on it: n8n 2.x
 * hands the model a failed tool's message the same way, but n8n 1.x ends the whole execution.
 */
export async function runAsTool(
	context: IExecuteFunctions,
	operation: string,
	run: () => Promise<INodeExecutionData[]>,
): Promise<INodeExecutionData[]> {
	try {
		return (await run()).map((item) => forTheModel(operation, item));
	} catch (error) {
		const answer = `${(error as Error).message} Next step: ${nextStepAfter(context, error)}`;
		return context
			.getInputData()
			.map((_item, itemIndex) => ({ json: { error: answer }, pairedItem: { item: itemIndex } }));
	}
}
