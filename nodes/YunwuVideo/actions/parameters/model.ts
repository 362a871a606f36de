import {
	isResourceLocatorValue,
	NodeOperationError,
	type IExecuteFunctions,
	type INodeProperties,
} from 'n8n-workflow';

import { fieldPerApi } from '../../apis/registry';
import { CUSTOM_MODEL } from '../../apis/unifiedFamilies';
import { readText } from '../items/items';
import { shown } from './options';

/**
 * The first node version whose Model is a resource locator: a model from the key's list, or any
 * name typed By ID. The family fields then follow the model sent, typed or listed. Nodes saved at
 * versions 1 and 1.1 keep their dropdown with Other and Custom Model Name, and run as before.
 */
export const MODEL_LOCATOR_VERSION = 1.2;

const BEFORE_LOCATOR = { '@version': [{ _cnd: { lt: MODEL_LOCATOR_VERSION } }] };
const FROM_LOCATOR = { '@version': [{ _cnd: { gte: MODEL_LOCATOR_VERSION } }] };

/** Versions 1 and 1.1: the key's models, loaded when the panel opens, with Other (`custom`). */
const [modelDropdown, customModel]: INodeProperties[] = [
	{
		// Saved names that are not listed still run: n8n checks option values only in the panel.
		displayName: 'Model Name or ID',
		name: 'model',
		type: 'options',
		required: true,
		default: 'veo3.1-fast',
		// Reloaded when API changes: the list puts the chosen API's models first.
		typeOptions: { loadOptionsMethod: 'listModels', loadOptionsDependsOn: ['apiFormat'] },
		description:
			'The models your API key can use, video models first; choose Other (Enter Model Name) to type any name. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		displayOptions: { show: BEFORE_LOCATOR },
	},
	{
		displayName: 'Custom Model Name',
		name: 'customModel',
		type: 'string',
		// Not `required`: n8n counts it as shown whenever Model is an expression, and would then refuse
		// to run. An empty name is refused per item ("The model of item 0 is empty…").
		default: '',
		placeholder: 'e.g. kling-v2-master',
		description: 'The model name exactly as Yunwu lists it',
		displayOptions: { show: { ...BEFORE_LOCATOR, model: [CUSTOM_MODEL] } },
	},
];

/**
 * From version 1.2, one Model per API, each starting with its API's model (none for generations),
 * so a new node switched to Kling starts on a Kling model. The default holds `__rl` as the value
 * the editor stores does: n8n then sees an untouched Model as the default and gives it the new
 * API's, while a model the user picked or typed stays. The list re-loads when API changes (the
 * editor keys its list by the other parameters); it is not `loadOptionsDependsOn`, which would
 * empty a model the user chose.
 */
const LOCATOR_NAME = 'Model';
const modelLocators = fieldPerApi((api) => ({
	displayName: LOCATOR_NAME,
	name: 'model',
	type: 'resourceLocator',
	// Not `required`: n8n would refuse the whole run before any item, a reason `n8n execute` hides.
	// An empty model is refused per item ("The model of item 0 is empty…"), as Other's always was.
	default: { __rl: true, mode: 'list', value: api.defaultModel },
	description:
		'The model that makes the video: one your API key can use, from the list (video models first), or any model name, typed By ID',
	modes: [
		{
			displayName: 'From List',
			name: 'list',
			type: 'list',
			placeholder: 'Choose a model…',
			typeOptions: { searchListMethod: 'searchModels', searchable: true },
		},
		{
			displayName: 'By ID',
			name: 'id',
			type: 'string',
			placeholder: 'e.g. sora-2',
		},
	],
	displayOptions: { show: FROM_LOCATOR },
}));

/** Create's Model, for every node version. */
export const modelFields: INodeProperties[] = [modelDropdown, customModel, ...modelLocators];

/** An item's model: the one sent, and the Model value the panel shows the family fields for. */
interface ItemModel {
	model: string;
	/**
	 * The model sent, or `custom` (Other) on versions before 1.2: those show other models' fields.
	 * A name typed with spaces around it is kept as typed: the panel does not trim it (" sora-2"
	 * shows the other models' fields), so neither does the family the body gets.
	 */
	panelModel: string;
}

/** Whether `text` holds a control character (a line break, a tab…), which no model name has. */
const hasControlCharacter = (text: string) =>
	[...text].some((character) => {
		const code = character.charCodeAt(0);
		return code < 0x20 || (code >= 0x7f && code < 0xa0);
	});

/** The typed name of a 1.2 Model, untrimmed; undefined for an expression (the panel shows every family's fields). */
function typedModel(context: IExecuteFunctions): string | undefined {
	const saved = context.getNode().parameters.model;
	const value = isResourceLocatorValue(saved) ? saved.value : saved;
	return typeof value === 'string' && !value.startsWith('=') ? value : undefined;
}

/**
 * The model of an item, trimmed. From version 1.2 the locator's value, listed or typed; before,
 * the dropdown's, or Custom Model Name under Other. Empty is refused before any request.
 */
export function readModel(context: IExecuteFunctions, itemIndex: number): ItemModel {
	const node = context.getNode();
	const locator = node.typeVersion >= MODEL_LOCATOR_VERSION;
	const label = locator ? LOCATOR_NAME : modelDropdown.displayName;
	const panelModel = readText(context, 'model', itemIndex, label, '', { extractValue: true });
	const model =
		!locator && panelModel === CUSTOM_MODEL
			? readText(context, 'customModel', itemIndex, customModel.displayName)
			: panelModel;
	const choose = locator
		? 'Choose a model from the list, or type its name By ID.'
		: 'Choose a model, or enter its name under Other.';
	if (!model)
		throw new NodeOperationError(node, `The model of item ${itemIndex} is empty. ${choose}`, {
			itemIndex,
		});
	// A mapped cell's line break would be sent (and paid for) and break every message naming the
	// model. Versions before 1.2 send what they always sent.
	if (locator && hasControlCharacter(model))
		throw new NodeOperationError(
			node,
			`The model of item ${itemIndex}, ${shown(model)}, holds a line break or another control character, which no model name has. ${choose}`,
			{ itemIndex },
		);
	return { model, panelModel: (locator && typedModel(context)) || panelModel };
}
