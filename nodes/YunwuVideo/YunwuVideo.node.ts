import {
	NodeConnectionTypes,
	NodeOperationError,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import * as create from './actions/create.operation';
import * as query from './actions/query.operation';
import * as waitUntilComplete from './actions/waitUntilComplete.operation';
import { runAsTool, runsAsTool, toolDescriptionFields } from './actions/parameters/agentTool';
import {
	forOperations,
	TASK_ID_MAPPED_VERSION,
	taskIdFields,
} from './actions/parameters/descriptions';
import { MODEL_LOCATOR_VERSION } from './actions/parameters/model';
import { taskApiField } from './apis/registry';
import { yunwuApiTest } from './methods/credentialTest';
import { listModels, searchModels } from './methods/loadOptions';

const operations = { create, query, waitUntilComplete };

export class YunwuVideo implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Yunwu Video',
		name: 'yunwuVideo',
		icon: { light: 'file:yunwu.svg', dark: 'file:yunwu.dark.svg' },
		group: ['transform'],
		// 1.1: Task ID starts mapped to the incoming task_id (see taskIdFields). 1.2: Model is a
		// resource locator, a listed model or any name typed (see modelFields).
		version: [1, TASK_ID_MAPPED_VERSION, MODEL_LOCATOR_VERSION],
		defaultVersion: MODEL_LOCATOR_VERSION,
		subtitle:
			'={{ {"create": "Create", "query": "Query", "waitUntilComplete": "Wait Until Complete"}[$parameter["operation"]] }}',
		description:
			'Generate videos with Yunwu (云雾) AI, wait for them to finish and get the video file',
		defaults: { name: 'Yunwu Video' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		// As an AI Agent's tool (listed in the Tools panel), it answers with the video link, never the file.
		usableAsTool: {
			replacements: {
				description:
					'Make videos with Yunwu (云雾) AI from a prompt, and check or wait on video tasks; answers with the video link',
			},
		},
		// The credential's test is the node's: it words a wrong Base URL as the node does.
		credentials: [{ name: 'yunwuApi', required: true, testedBy: 'yunwuApiTest' }],
		properties: [
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				options: [
					{
						name: 'Create',
						value: 'create',
						description:
							'Submit a video task from a prompt; optionally wait for it and output the video',
						action: 'Create video',
					},
					{
						name: 'Query',
						value: 'query',
						description: 'Look up the status of a video task once',
						action: 'Query video task',
					},
					{
						name: 'Wait Until Complete',
						value: 'waitUntilComplete',
						description:
							'Check a video task until it is completed or failed, then output the video',
						action: 'Wait until video task is complete',
					},
				],
				default: 'waitUntilComplete',
			},
			...toolDescriptionFields,
			...create.description,
			...forOperations(['query', 'waitUntilComplete'], [...taskIdFields, taskApiField]),
			...query.description,
			...waitUntilComplete.description,
		],
	};

	methods = {
		loadOptions: { listModels },
		listSearch: { searchModels },
		credentialTest: { yunwuApiTest },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const operation = this.getNodeParameter('operation', 0) as string;
		if (!(operation in operations)) {
			throw new NodeOperationError(this.getNode(), `The operation "${operation}" is not supported`);
		}
		const run = async () =>
			await operations[operation as keyof typeof operations].execute.call(this);
		return [runsAsTool(this) ? await runAsTool(this, operation, run) : await run()];
	}
}
