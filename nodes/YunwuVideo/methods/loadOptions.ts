import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';

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

/**
 * Model: the models the credential's key can use (`GET /v1/models`), the chosen API's video models first, then
 * Other, then the rest. It never throws: n8n would then show the field as an error and hide
 * Other, so a failure becomes a first entry that says what went wrong, above Other.
 */
export async function listModels(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const current = this.getCurrentNodeParameter('model');
	// The saved model stays selectable whatever the list says (expressions and Other aside).
	const saved =
		typeof current === 'string' && current !== CUSTOM_MODEL && !current.startsWith('=')
			? current.trim()
			: '';
	const api = apiNamed(this.getCurrentNodeParameter('apiFormat') ?? 'unified') ?? unifiedApi;
	const loaded = await loadModels(this);
	if (typeof loaded === 'string') {
		// A disabled entry in n8n 2.x; in 1.x choosing it leaves the model empty, which the node refuses.
		const problem = { name: `Could not load your models: ${loaded}`, value: '', disabled: true };
		return [problem, ...(saved ? [{ name: saved, value: saved }] : []), OTHER];
	}
	return modelOptions(loaded, saved, api);
}

/** The key's models, or why they could not be listed (one line for the dropdown). */
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

function modelOptions(models: ListedModel[], saved: string, api: VideoApi): INodePropertyOptions[] {
	const unique = [...new Map(models.map((model) => [model.id, model])).values()];
	const names = (list: ListedModel[]) => list.map((model) => model.id).sort(byName);
	const served = (model: ListedModel) => api.servesModel(model.id, model.endpointTypes);
	const endpointTypesOf = new Map(unique.map((model) => [model.id, model.endpointTypes]));
	const video = names(unique.filter(served));
	const other = names(unique.filter((model) => !served(model)));
	const options: INodePropertyOptions[] = [
		...video.map((id) => ({ name: id, value: id })),
		OTHER,
		// A key lists chat and image models too: marked, so nobody picks one for a video by mistake.
		...other.map((id) => ({
			name: id,
			value: id,
			description: unifiedApi.servesModel(id, endpointTypesOf.get(id) ?? [])
				? `A video model, not known to be served by the ${api.label} API`
				: 'Not known as a video model',
		})),
	];
	if (saved && !unique.some((model) => model.id === saved)) {
		options.unshift({
			name: saved,
			value: saved,
			description: 'Not in the list of models your key can use',
		});
	}
	return options;
}
