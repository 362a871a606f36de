/** Workflows for the end-to-end suite and the demo, as n8n's `import:workflow` takes them. */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { REPO_ROOT } from '../paths';

export const CREDENTIAL = { id: 'yunwuE2eCredential', name: 'Yunwu account' };
const OPENAI_CREDENTIAL = { id: 'openAiE2e', name: 'Local chat model' };
const CHAT_TRIGGER = '@n8n/n8n-nodes-langchain.chatTrigger';

/** An OpenAI credential pointed at a local OpenAI-compatible server (`…/v1`). */
export function openAiCredential(apiKey: string, url: string) {
	return { ...OPENAI_CREDENTIAL, type: 'openAiApi', data: { apiKey, url } };
}

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

/**
 * An example workflow that starts with a chat (`examples/<file>`) as `n8n execute` runs it: a Manual
 * Trigger, then the chat trigger's place taken by the message it would have received; credentials
 * pointed at the test's, and `toolOptions` added to each Yunwu Video Tool's options.
 */
export function chatExample(
	id: string,
	file: string,
	chatInput: string,
	toolOptions: Record<string, unknown>,
): Record<string, unknown> {
	const workflow = JSON.parse(readFileSync(path.join(REPO_ROOT, 'examples', file), 'utf8')) as {
		nodes: Node[];
		connections: Record<string, unknown>;
	};
	const trigger = workflow.nodes.find((node) => node.type === CHAT_TRIGGER);
	if (!trigger) throw new Error(`examples/${file} has no chat trigger`);
	const message = { sessionId: `e2e-${id}`, action: 'sendMessage', chatInput };
	Object.assign(trigger, {
		type: 'n8n-nodes-base.code',
		typeVersion: 2,
		parameters: { jsCode: `return [{ json: ${JSON.stringify(message)} }];` },
		webhookId: undefined,
	});
	const start = manualTrigger();
	workflow.connections[start.name] = { main: [[{ node: trigger.name, type: 'main', index: 0 }]] };
	for (const node of workflow.nodes) {
		const credentials = node.credentials as Record<string, unknown> | undefined;
		if (credentials?.yunwuApi) node.credentials = { yunwuApi: CREDENTIAL };
		if (credentials?.openAiApi) node.credentials = { openAiApi: OPENAI_CREDENTIAL };
		if (node.type === 'n8n-nodes-yunwu.yunwuVideoTool') {
			const parameters = node.parameters as Record<string, Record<string, unknown>>;
			parameters.options = { ...parameters.options, ...toolOptions };
		}
	}
	return { ...workflow, id, name: `E2E ${id}`, active: false, nodes: [start, ...workflow.nodes] };
}
