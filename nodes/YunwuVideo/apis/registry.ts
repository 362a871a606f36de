import type { INodeProperties } from 'n8n-workflow';

import { looksLikeTaskId, type ApiFormat, type TaskRef, type VideoApi } from './api';
import { generationsApi } from './generations';
import { klingApi } from './kling';
import { openaiApi } from './openai';
import { unifiedApi } from './unified';

const APIS: Readonly<Record<ApiFormat, VideoApi>> = {
	unified: unifiedApi,
	openai: openaiApi,
	kling: klingApi,
	generations: generationsApi,
};

const API_OPTIONS = [
	{
		name: 'Unified',
		value: 'unified',
		description:
			'/v1/video/create: Veo, Sora, Grok, Jimeng and more (task IDs carry a model prefix)',
	},
	{
		name: 'OpenAI Videos',
		value: 'openai',
		description: '/v1/videos: the OpenAI-compatible video API (Sora and others)',
	},
	{
		name: 'Kling',
		value: 'kling',
		description:
			"/kling/v1/videos: Kling's own format, text-to-video or image-to-video when an image is given",
	},
	{
		name: 'Generations',
		value: 'generations',
		description: "/v1/video/generations: the gateway's generic video task API",
	},
] as const;

/** Whether `value` names one of the APIs. */
function isApiFormat(value: unknown): value is ApiFormat {
	return typeof value === 'string' && Object.hasOwn(APIS, value);
}

/** Create's API: unified by default, so saved workflows (which have no such parameter) run unchanged. */
export const createApiField: INodeProperties = {
	displayName: 'API',
	name: 'apiFormat',
	type: 'options',
	noDataExpression: true,
	default: 'unified',
	options: [...API_OPTIONS],
	description: "Which of Yunwu's video APIs creates the task; each model is served by one of them",
};

/** The value of Query's and Wait Until Complete's API that reads the API from the Task ID. */
const FROM_TASK_ID = 'auto';

/**
 * Query's and Wait Until Complete's API. By default the Task ID says it: this node's Create outputs
 * `kling://…`, `openai://…` or `generations://…` for the other APIs, and any other ID is a unified
 * one, as before. Picking an API takes an ID as it is (one created elsewhere) for that API.
 */
export const taskApiField: INodeProperties = {
	displayName: 'API',
	name: 'apiFormat',
	type: 'options',
	default: FROM_TASK_ID,
	options: [
		{
			name: 'From the Task ID',
			value: FROM_TASK_ID,
			description:
				"The API this node's Create named in the ID (kling://…, openai://…, generations://…); any other ID is a unified one",
		},
		...API_OPTIONS,
	],
	description:
		'Which of Yunwu\'s video APIs the task belongs to. Keep "From the Task ID" for tasks this node created; pick the API for an ID created elsewhere (the Yunwu dashboard, another tool).',
};

/**
 * `field` shown only while `api` is chosen. The unified API's are hidden for the others rather
 * than shown for it: a workflow saved before there was a choice has none.
 */
function shownFor(api: VideoApi, field: INodeProperties): INodeProperties {
	const shown = field.displayOptions ?? {};
	if (api !== unifiedApi)
		return {
			...field,
			displayOptions: { ...shown, show: { apiFormat: [api.format], ...shown.show } },
		};
	const others = Object.values(APIS)
		.map((other) => other.format)
		.filter((format) => format !== api.format);
	return { ...field, displayOptions: { ...shown, hide: { apiFormat: others, ...shown.hide } } };
}

/** Each API's own Create fields, shown only while that API is chosen. */
export const apiCreateFields: INodeProperties[] = Object.values(APIS).flatMap((api) =>
	api.fields.map((field) => shownFor(api, field)),
);

/** A field with one definition per API (its own default, say), each shown while its API is chosen. */
export const fieldPerApi = (fieldFor: (api: VideoApi) => INodeProperties): INodeProperties[] =>
	Object.values(APIS).map((api) => shownFor(api, fieldFor(api)));

/** The API Create's `apiFormat` names, or undefined for a value that is none. */
export function apiNamed(value: unknown): VideoApi | undefined {
	return isApiFormat(value) ? APIS[value] : undefined;
}

/** A task found from a Task ID: its API and how that API finds it. */
export interface FoundTask {
	api: VideoApi;
	ref: TaskRef;
}

/** The Task ID the node outputs for a task: a unified id as it is, others as `<api>://<ref>`. */
export function taskIdOf({ api, ref }: FoundTask): string {
	return api.format === 'unified' ? ref.id : `${api.format}://${api.refText(ref)}`;
}

const MARKED = /^([a-z]+):\/\/(.+)$/;

/**
 * The task a Task ID names under the API chosen (`choice`), or why it names none (a sentence to
 * complete with what to do). Only `<api>://` with one of the APIs' names is read as marked: a unified
 * id is `<model prefix>:<id>`, so `kling:…` stays a unified id. With an API picked, an unmarked ID
 * is that API's raw id; with Unified picked, any ID is sent as it is.
 */
export function findTask(choice: unknown, taskId: string): FoundTask | { problem: string } {
	const chosen = choice === FROM_TASK_ID || choice === undefined ? FROM_TASK_ID : choice;
	if (chosen !== FROM_TASK_ID && !isApiFormat(chosen))
		return { problem: `API "${String(chosen)}" is not one of ${Object.keys(APIS).join(', ')}` };
	const marked = MARKED.exec(taskId);
	const markedApi =
		marked && isApiFormat(marked[1]) && marked[1] !== 'unified' ? marked[1] : undefined;
	if (chosen === 'unified' || (chosen === FROM_TASK_ID && !markedApi))
		return { api: unifiedApi, ref: { id: taskId } };
	const format = chosen === FROM_TASK_ID ? (markedApi as ApiFormat) : chosen;
	const api = APIS[format];
	if (markedApi && markedApi !== format)
		return { problem: `names a ${markedApi} task, but API is set to ${format}` };
	const ref = markedApi ? api.parseRef(marked![2]) : { id: taskId };
	// The id goes into the API's path: `kling://text2video/..` must not climb out of it.
	if (!ref || !looksLikeTaskId(ref.id)) return { problem: `is not a ${format} task ID` };
	return { api, ref };
}
