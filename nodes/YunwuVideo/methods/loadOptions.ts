import {
	isResourceLocatorValue,
	NodeOperationError,
	type ILoadOptionsFunctions,
	type INodeListSearchItems,
	type INodeListSearchResult,
	type INodePropertyOptions,
} from 'n8n-workflow';

import type { VideoApi } from '../apis/api';
import { apiNamed } from '../apis/registry';
import { unifiedApi } from '../apis/unified';
import { CUSTOM_MODEL } from '../apis/unifiedFamilies';
import { describeApiFailure } from '../actions/messages/errors';
import { YunwuApiClient } from '../transport/apiClient';
import type { ListedModel } from '../transport/response';

/** The panel waits for the list: a gateway that hangs must not keep the dropdown spinning. */
const MODEL_LIST_TIMEOUT_MS = 15_000;

const OTHER: INodePropertyOptions = {
	name: 'Other (Enter Model Name)',
	value: CUSTOM_MODEL,
	description: 'Type any model name Yunwu accepts',
};

const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

/** The Create API chosen on the panel (unified when none is). */
const chosenApi = (context: ILoadOptionsFunctions): VideoApi =>
	apiNamed(context.getCurrentNodeParameter('apiFormat') ?? 'unified') ?? unifiedApi;

/**
 * The Model value on the panel, when it names a model: a saved name stays selectable whatever the
 * list says (an expression, Other and an empty value aside). From version 1.2 it is a resource
 * locator's value.
 */
function savedModel(context: ILoadOptionsFunctions): string {
	const current = context.getCurrentNodeParameter('model');
	const value = isResourceLocatorValue(current) ? current.value : current;
	return typeof value === 'string' && value !== CUSTOM_MODEL && !value.startsWith('=')
		? value.trim()
		: '';
}

/**
 * Model, versions 1 and 1.1: the models the credential's key can use (`GET /v1/models`), the
 * chosen API's video models first, then Other, then the rest. It never throws: n8n would then
 * show the field as an error and hide Other, so a failure becomes a first entry that says what
 * went wrong, above Other.
 */
export async function listModels(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const saved = savedModel(this);
	const loaded = await loadModels(this);
	if (typeof loaded === 'string') {
		// A disabled entry in n8n 2.x; in 1.x choosing it leaves the model empty, which the node refuses.
		const problem = { name: couldNotLoad(loaded), value: '', disabled: true };
		return [problem, ...(saved ? [{ name: saved, value: saved }] : []), OTHER];
	}
	const { first, rest } = rankModels(loaded, chosenApi(this));
	const options: INodePropertyOptions[] = [
		...first.map((id) => ({ name: id, value: id })),
		OTHER,
		...rest.map(({ id, note }) => ({ name: id, value: id, description: note })),
	];
	if (saved && !isListed(loaded, saved))
		options.unshift({ name: saved, value: saved, description: NOT_LISTED });
	return options;
}

/** The models in one page of the list (version 1.2). */
const MODEL_PAGE_SIZE = 100;

/**
 * Model's list, from version 1.2 (a resource locator's list mode): the same models in the same
 * order, the note of each model not first in its name (the list shows names only), narrowed to
 * the names holding each word of the search text, a page at a time. A list that cannot be loaded
 * is an error, which the editor shows as one line under "Could not load list"; By ID still takes
 * any name.
 */
export async function searchModels(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	const loaded = await loadModels(this);
	if (typeof loaded === 'string')
		throw new NodeOperationError(
			this.getNode(),
			`${couldNotLoad(loaded)} You can still type the model's name: choose By ID.`,
		);
	const saved = savedModel(this);
	const { first, rest } = rankModels(loaded, chosenApi(this));
	const noted = (id: string, note: string) => ({
		name: `${id} (${note.charAt(0).toLowerCase()}${note.slice(1)})`,
		value: id,
	});
	const results: INodeListSearchItems[] = [
		...(saved && !isListed(loaded, saved) ? [noted(saved, NOT_LISTED)] : []),
		...first.map((id) => ({ name: id, value: id })),
		...rest.map(({ id, note }) => noted(id, note)),
	];
	// Each word typed narrows the list: "sora 2 pro" finds sora-2-pro, "Veo 3.1" veo3.1-fast.
	const words = (filter ?? '').toLowerCase().split(/\s+/).filter(Boolean);
	const found = results.filter((result) => {
		const value = String(result.value).toLowerCase();
		return words.every((word) => value.includes(word));
	});
	// The editor renders every entry it gets and asks for the next page as the list is scrolled to
	// its end: a mirror listing a hundred thousand models must not reach the browser in one answer.
	const start = Math.max(0, Number.parseInt(paginationToken ?? '', 10) || 0);
	const end = start + MODEL_PAGE_SIZE;
	return {
		results: found.slice(start, end),
		paginationToken: end < found.length ? String(end) : undefined,
	};
}

/** The key's models, or why they could not be listed (one line for the panel). */
async function loadModels(context: ILoadOptionsFunctions): Promise<ListedModel[] | string> {
	if (!context.getNode().credentials?.yunwuApi) return 'choose a Yunwu API credential above.';
	try {
		const client = await YunwuApiClient.forNode(context);
		const result = await client.listModels(MODEL_LIST_TIMEOUT_MS);
		return result.ok
			? result.value
			: describeApiFailure(result.failure, 'the model list', client.shownBaseUrl);
	} catch (error) {
		return (error as Error).message;
	}
}

const couldNotLoad = (reason: string) => `Could not load your models: ${reason}`;
const NOT_LISTED = 'Not in the list of models your key can use';
const isListed = (models: ListedModel[], id: string) => models.some((model) => model.id === id);

/**
 * The key's models, each once: the ones `api` serves first (video models), then the rest, each in
 * name order and with a note. A key lists chat and image models too: marked, so nobody picks one
 * for a video by mistake.
 */
function rankModels(
	models: ListedModel[],
	api: VideoApi,
): { first: string[]; rest: Array<{ id: string; note: string }> } {
	const unique = [...new Map(models.map((model) => [model.id, model])).values()];
	const names = (list: ListedModel[]) => list.map((model) => model.id).sort(byName);
	const served = (model: ListedModel) => api.servesModel(model.id, model.endpointTypes);
	const endpointTypesOf = new Map(unique.map((model) => [model.id, model.endpointTypes]));
	return {
		first: names(unique.filter(served)),
		rest: names(unique.filter((model) => !served(model))).map((id) => ({
			id,
			note: unifiedApi.servesModel(id, endpointTypesOf.get(id) ?? [])
				? `A video model, not known to be served by the ${api.label} API`
				: 'Not known as a video model',
		})),
	};
}
