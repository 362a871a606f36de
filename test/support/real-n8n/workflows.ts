/** Workflows for the end-to-end suite and the demo, as n8n's `import:workflow` takes them. */
export const CREDENTIAL = { id: 'yunwuE2eCredential', name: 'Yunwu account' };

type Node = Record<string, unknown> & { name: string };

let nodeCounter = 0;
const nodeId = () => `00000000-0000-4000-8000-${String(++nodeCounter).padStart(12, '0')}`;

export function manualTrigger(): Node {
	return {
		id: nodeId(),
		name: 'Start',
		type: 'n8n-nodes-base.manualTrigger',
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
	};
}

/** A Code node that outputs one item per task id, as `{ id }`. */
export function taskIds(ids: string[]): Node {
	return {
		id: nodeId(),
		name: 'Task IDs',
		type: 'n8n-nodes-base.code',
		typeVersion: 2,
		position: [220, 0],
		parameters: { jsCode: `return ${JSON.stringify(ids.map((id) => ({ json: { id } })))};` },
	};
}

/** A Code node that outputs one item per prompt, as `{ prompt }`. */
export function promptItems(prompts: string[]): Node {
	return {
		...taskIds([]),
		name: 'Prompts',
		parameters: {
			jsCode: `return ${JSON.stringify(prompts.map((prompt) => ({ json: { prompt } })))};`,
		},
	};
}

export function yunwuVideo(
	parameters: Record<string, unknown>,
	settings: Record<string, unknown> = {},
): Node {
	return {
		id: nodeId(),
		name: 'Yunwu Video',
		type: 'n8n-nodes-yunwu.yunwuVideo',
		typeVersion: 1,
		position: [440, 0],
		parameters: { taskId: '={{ $json.id }}', ...parameters },
		credentials: { yunwuApi: CREDENTIAL },
		...settings,
	};
}

/** n8n's own Crypto node, hashing the binary field `data` into `sha256`. */
export function sha256OfVideo(): Node {
	return {
		id: nodeId(),
		name: 'SHA-256',
		type: 'n8n-nodes-base.crypto',
		typeVersion: 1,
		position: [660, 0],
		parameters: {
			action: 'hash',
			type: 'SHA256',
			binaryData: true,
			binaryPropertyName: 'data',
			dataPropertyName: 'sha256',
			encoding: 'hex',
		},
	};
}

/** A linear workflow: each node feeds the next. */
export function chain(id: string, name: string, nodes: Node[]): Record<string, unknown> {
	const connections: Record<string, unknown> = {};
	nodes.slice(0, -1).forEach((node, index) => {
		connections[node.name] = { main: [[{ node: nodes[index + 1].name, type: 'main', index: 0 }]] };
	});
	return {
		id,
		name,
		nodes,
		connections,
		active: false,
		settings: { executionOrder: 'v1' },
		pinData: {},
	};
}

export function credential(
	apiKey: string,
	baseUrl: string,
	id = CREDENTIAL.id,
	name = CREDENTIAL.name,
) {
	return { id, name, type: 'yunwuApi', data: { apiKey, baseUrl } };
}

/** An OpenAI credential pointed at a local OpenAI-compatible server (`…/v1`). */
export function openAiCredential(apiKey: string, url: string) {
	return { id: 'openAiE2e', name: 'Local chat model', type: 'openAiApi', data: { apiKey, url } };
}

/** The Yunwu Video Tool an AI Agent calls (`usableAsTool`), named as the model sees it (spaces → `_`). */
export function yunwuVideoTool(name: string, parameters: Record<string, unknown>): Node {
	return { ...yunwuVideo(parameters), name, type: 'n8n-nodes-yunwu.yunwuVideoTool' };
}

/**
 * Manual Trigger → n8n's AI Agent with `prompt`, its model n8n's OpenAI Chat Model on the local
 * server (Chat Completions, as OpenAI-compatible servers speak), `tools` connected as its tools.
 */
export function agentWorkflow(
	id: string,
	prompt: string,
	tools: Node[],
	agentName = 'AI Agent',
): Record<string, unknown> {
	const agent: Node = {
		id: nodeId(),
		name: agentName,
		type: '@n8n/n8n-nodes-langchain.agent',
		typeVersion: 3.1,
		position: [220, 0],
		parameters: { promptType: 'define', text: prompt, options: {} },
	};
	const model: Node = {
		id: nodeId(),
		name: 'Chat Model',
		type: '@n8n/n8n-nodes-langchain.lmChatOpenAi',
		typeVersion: 1.3,
		position: [220, 200],
		parameters: {
			model: { __rl: true, mode: 'id', value: 'gpt-4o-mini' },
			responsesApiEnabled: false,
			options: {},
		},
		credentials: { openAiApi: { id: 'openAiE2e', name: 'Local chat model' } },
	};
	const workflow = chain(id, `E2E agent ${id}`, [manualTrigger(), agent]);
	const connections = workflow.connections as Record<string, Record<string, unknown>>;
	connections[model.name] = {
		ai_languageModel: [[{ node: agentName, type: 'ai_languageModel', index: 0 }]],
	};
	for (const tool of tools)
		connections[tool.name] = { ai_tool: [[{ node: agentName, type: 'ai_tool', index: 0 }]] };
	return { ...workflow, nodes: [...(workflow.nodes as Node[]), model, ...tools] };
}
