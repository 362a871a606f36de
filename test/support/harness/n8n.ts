/**
 * Runs the real Yunwu Video node through n8n-core's execution engine (WorkflowExecute, its
 * execution contexts, request helpers, credential authentication and binary data service), as
 * n8n does, in the manner of n8n's own packages/core/nodes-testing harness. Nothing of
 * `this.helpers` is mocked: requests go over real sockets to the local Yunwu server.
 */
import { createHash } from 'node:crypto';
import { Logger } from '@n8n/backend-common';
import { GlobalConfig, InstanceSettingsConfig } from '@n8n/config';
import { Container } from '@n8n/di';
import { mkdtempSync, rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
	BinaryDataConfig,
	BinaryDataService,
	CredentialTestContext,
	ExecutionLifecycleHooks,
	LoadOptionsContext,
	WorkflowExecute,
} from 'n8n-core';
import {
	ICredentialsHelper,
	Workflow,
	type ExecutionError,
	type IBinaryData,
	type ICredentialDataDecryptedObject,
	type ICredentialType,
	type IDataObject,
	type IExecuteData,
	type IHttpRequestOptions,
	type INode,
	type INodeExecutionData,
	type INodeParameters,
	type INodeListSearchResult,
	type INodePropertyOptions,
	type INodeType,
	type INodeTypes,
	type IRun,
	type IRunExecutionData,
	type IWorkflowBase,
	type IWorkflowExecuteAdditionalData,
	type NodeParameterValueType,
} from 'n8n-workflow';
import winston from 'winston';

import { YunwuApi } from '../../../credentials/YunwuApi.credentials';
import { YunwuVideo } from '../../../nodes/YunwuVideo/YunwuVideo.node';
import { YunwuServer } from '../server/yunwu-server';

const NODE_TYPE = 'n8n-nodes-yunwu.yunwuVideo';

const NODE_NAME = 'Yunwu Video';

const credentialTypes: Record<string, ICredentialType> = { yunwuApi: new YunwuApi() };

/** n8n's credential helper, reduced to one credential: it applies the credential type's own `authenticate`. */
class TestCredentialsHelper extends ICredentialsHelper {
	constructor(private readonly data: Record<string, ICredentialDataDecryptedObject>) {
		super();
	}

	getParentTypes(): string[] {
		return [];
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		requestOptions: IHttpRequestOptions,
		workflow: Workflow,
		node: INode,
	): Promise<IHttpRequestOptions> {
		const { authenticate } = credentialTypes[typeName];
		if (typeof authenticate === 'function') return await authenticate(credentials, requestOptions);
		if (authenticate?.type !== 'generic') return requestOptions;
		// As n8n's CLI does: resolve each expression of the generic definition against the credential.
		const resolve = (value: unknown) =>
			typeof value === 'string' && value.startsWith('=')
				? workflow.expression.getSimpleParameterValue(
						node,
						value,
						'internal',
						{ $credentials: credentials },
						undefined,
						'',
					)
				: value;
		const target = requestOptions as unknown as Record<string, Record<string, unknown>>;
		for (const [where, entries] of Object.entries(authenticate.properties)) {
			target[where] ??= {};
			for (const [key, value] of Object.entries(entries as Record<string, unknown>)) {
				target[where][String(resolve(key))] = resolve(value);
			}
		}
		return requestOptions;
	}

	async preAuthentication(): Promise<undefined> {
		return undefined;
	}

	async runPreAuthentication(): Promise<undefined> {
		return undefined;
	}

	async getDecrypted(
		_additionalData: IWorkflowExecuteAdditionalData,
		_details: unknown,
		type: string,
	): Promise<ICredentialDataDecryptedObject> {
		return this.data[type] ?? {};
	}

	getCredentialsProperties(type: string) {
		return credentialTypes[type].properties;
	}

	async getCredentials(): Promise<never> {
		throw new Error('not used');
	}

	async updateCredentials(): Promise<void> {}

	async updateCredentialsOauthTokenData(): Promise<void> {}

	isCredentialUsableByNode(): boolean {
		return true;
	}
}

/**
 * The node, and for a `…Tool` type the tool n8n derives from `usableAsTool` as n8n's node registry
 * does (`NodeTypes.getByNameAndVersion` in n8n's CLI): the same node, its description's name ending
 * in `Tool` (which `@tool` display conditions test) and its only output the agent's.
 */
function nodeTypeFor(type: string): INodeType {
	const node = new YunwuVideo() as INodeType;
	if (!type.endsWith('Tool')) return node;
	const { usableAsTool } = node.description;
	const description = {
		...node.description,
		...(typeof usableAsTool === 'object' ? usableAsTool.replacements : {}),
		name: `${node.description.name}Tool`,
		inputs: [],
		outputs: ['ai_tool'],
	};
	return Object.create(node, { description: { value: description } }) as INodeType;
}

const nodeTypes: INodeTypes = {
	getByName: nodeTypeFor,
	getByNameAndVersion: nodeTypeFor,
	getKnownTypes: () => ({}),
} as unknown as INodeTypes;

let binaryDataReady: Promise<void> | undefined;

/**
 * Sets up n8n's binary data service once per test file: `filesystem` stores files on disk as n8n
 * does by default in production; `default` keeps them in memory as base64.
 */
export async function useBinaryDataMode(mode: 'filesystem' | 'default'): Promise<string> {
	binaryDataReady ??= (async () => {
		const config = Container.get(BinaryDataConfig);
		config.mode = mode;
		config.availableModes = [mode] as typeof config.availableModes;
		config.localStoragePath = mkdtempSync(path.join(tmpdir(), 'yunwu-binary-'));
		await Container.get(BinaryDataService).init();
	})();
	await binaryDataReady;
	return Container.get(BinaryDataConfig).localStoragePath;
}

export interface RunOptions {
	parameters: Record<string, NodeParameterValueType | IDataObject>;
	items?: INodeExecutionData[];
	credentials?: { apiKey: string; baseUrl: string };
	/** On Error: "Continue" (true), or "Continue (using error output)" ('errorOutput'). */
	continueOnFail?: boolean | 'errorOutput';
	/** The node's settings Retry On Fail, Max. Tries and Wait Between Tries (ms), as n8n stores them. */
	retry?: { maxTries?: number; waitBetweenTries?: number };
	/** The node's version, as a saved workflow holds it; 1 when not given. */
	typeVersion?: number;
	/** Run the Yunwu Video Tool an AI Agent calls (type `…yunwuVideoTool`) instead of the node. */
	asTool?: boolean;
	/**
	 * The node contexts an earlier execution saved (`run.data.executionData.contextData`): a new
	 * execution that starts from them is what n8n's Retry of a failed execution runs.
	 */
	contextData?: NonNullable<IRunExecutionData['executionData']>['contextData'];
	/** Another node to run in the Yunwu Video node's place (a probe of n8n-core's own behaviour). */
	nodeType?: INodeType;
}

export interface NodeRun {
	/** Output items of the node, or undefined when it failed. */
	items: INodeExecutionData[] | undefined;
	/** Items n8n routed to the error output (On Error: "Continue (using error output)"). */
	errorItems: INodeExecutionData[] | undefined;
	error: ExecutionError | undefined;
	status: IRun['status'];
	run: IRun;
	executionId: string;
}

let executionCounter = 0;

function buildAdditionalData(
	hooks: ExecutionLifecycleHooks,
	executionId: string,
	credentials: ICredentialDataDecryptedObject,
): IWorkflowExecuteAdditionalData {
	return {
		hooks,
		credentialsHelper: new TestCredentialsHelper({ yunwuApi: credentials }),
		executionId,
		restApiUrl: 'http://localhost:5678/rest',
		instanceBaseUrl: 'http://localhost:5678/',
		webhookBaseUrl: 'http://localhost:5678/webhook',
		webhookWaitingBaseUrl: 'http://localhost:5678/webhook-waiting',
		webhookTestBaseUrl: 'http://localhost:5678/webhook-test',
		formWaitingBaseUrl: 'http://localhost:5678/form-waiting',
		variables: {},
		currentNodeParameters: undefined,
		executeWorkflow: async () => {
			throw new Error('not used');
		},
		getRunExecutionData: async () => undefined,
		logAiEvent: () => undefined,
		startRunnerTask: async () => {
			throw new Error('not used');
		},
	} as unknown as IWorkflowExecuteAdditionalData;
}

/**
 * Starts one execution of the node on `items`. `cancel()` stops it as n8n's Stop button does
 * (WorkflowExecute's cancellation: the abort signal the node sees fires).
 */
export function startNode(options: RunOptions): { done: Promise<NodeRun>; cancel: () => void } {
	const executionId = String(++executionCounter);
	const node: INode = {
		id: 'b6e0a3c2-6c3d-4a0f-9a55-2d8a1fdc0001',
		name: NODE_NAME,
		type: options.asTool ? `${NODE_TYPE}Tool` : NODE_TYPE,
		typeVersion: options.typeVersion ?? 1,
		position: [0, 0],
		parameters: options.parameters as INode['parameters'],
		credentials: { yunwuApi: { id: '1', name: 'Yunwu account' } },
		...(options.continueOnFail
			? {
					onError:
						options.continueOnFail === 'errorOutput'
							? ('continueErrorOutput' as const)
							: ('continueRegularOutput' as const),
				}
			: {}),
		...(options.retry ? { retryOnFail: true, ...options.retry } : {}),
	};
	const workflowData: IWorkflowBase = {
		id: 'wf-yunwu',
		name: 'Yunwu test',
		active: false,
		isArchived: false,
		nodes: [node],
		connections: {},
		createdAt: new Date(),
		updatedAt: new Date(),
	} as unknown as IWorkflowBase;
	const workflow = new Workflow({
		id: workflowData.id,
		nodes: workflowData.nodes,
		connections: {},
		nodeTypes: options.nodeType
			? ({
					getByName: () => options.nodeType,
					getByNameAndVersion: () => options.nodeType,
					getKnownTypes: () => ({}),
				} as unknown as INodeTypes)
			: nodeTypes,
		active: false,
		settings: {},
	});

	const hooks = new ExecutionLifecycleHooks('manual', executionId, workflowData);
	let resolveRun!: (run: IRun) => void;
	const finished = new Promise<IRun>((resolve) => (resolveRun = resolve));
	hooks.addHandler('workflowExecuteAfter', (run) => resolveRun(run));

	const credentials = options.credentials ?? { apiKey: 'sk-unset', baseUrl: 'http://127.0.0.1:9' };
	const additionalData = buildAdditionalData(hooks, executionId, credentials);

	const executeData: IExecuteData = {
		node,
		data: { main: [options.items ?? [{ json: {} }]] },
		source: null,
	};
	const runExecutionData: IRunExecutionData = {
		startData: {},
		resultData: { runData: {} },
		executionData: {
			contextData: structuredClone(options.contextData ?? {}),
			metadata: {},
			nodeExecutionStack: [executeData],
			waitingExecution: {},
			waitingExecutionSource: {},
		},
	} as IRunExecutionData;

	const execution = new WorkflowExecute(
		additionalData,
		'manual',
		runExecutionData,
	).processRunExecutionData(workflow);
	const done = (async (): Promise<NodeRun> => {
		await execution.catch(() => undefined);
		const run = await finished;
		const taskData = run.data.resultData.runData[NODE_NAME]?.[0];
		return {
			items: taskData?.data?.main?.[0] ?? undefined,
			errorItems: taskData?.data?.main?.[1] ?? undefined,
			error: taskData?.error ?? run.data.resultData.error,
			status: run.status,
			run,
			executionId,
		};
	})();
	return { done, cancel: () => execution.cancel() };
}

export async function runNode(options: RunOptions): Promise<NodeRun> {
	return await startNode(options).done;
}

/**
 * Makes n8n's own Logger (the one n8n-core hands nodes as `this.logger`, from the Container) log
 * at debug level, every line kept as JSON (message and metadata): what an operator's log would hold.
 * Nothing of the node's helpers is replaced.
 */
export function captureN8nLogs(): { lines: () => string[] } {
	const config = Container.get(GlobalConfig);
	config.logging.level = 'debug';
	config.logging.outputs = [] as unknown as typeof config.logging.outputs;
	const logger = new Logger(config, Container.get(InstanceSettingsConfig));
	const lines: string[] = [];
	const stream = new Writable({
		write(chunk: Buffer, _encoding, done) {
			lines.push(chunk.toString().trim());
			done();
		},
	});
	logger.getInternalLogger().add(
		new winston.transports.Stream({
			stream,
			format: winston.format.combine(winston.format.metadata(), winston.format.json()),
		}),
	);
	Container.set(Logger, logger);
	return { lines: () => [...lines] };
}

/** Input items carrying one task id each, mapped by the `taskId` expression `{{ $json.id }}`. */
export function itemsWithIds(ids: string[]): INodeExecutionData[] {
	return ids.map((id) => ({ json: { id } }));
}

/**
 * For a test file: n8n's binary data service in `mode`, and a local Yunwu server started before
 * the tests and stopped after them. Returns a getter for the server.
 */
export function useYunwuServer(mode: 'filesystem' | 'default' = 'filesystem'): () => YunwuServer {
	let server: YunwuServer | undefined;
	let storagePath: string | undefined;
	beforeAll(async () => {
		storagePath = await useBinaryDataMode(mode);
		server = await new YunwuServer().start();
	});
	afterAll(async () => {
		await server?.stop();
		// The files n8n stored (a gigabyte for the large-file test) would otherwise fill /tmp run after run.
		if (storagePath) rmSync(storagePath, { recursive: true, force: true });
	});
	return () => server!;
}

/** The SHA-256 of a binary as n8n stored it (on disk, or inline). */
export async function storedSha256(binary: IBinaryData): Promise<string> {
	const hash = createHash('sha256');
	if (!binary.id) return hash.update(Buffer.from(binary.data, 'base64')).digest('hex');
	for await (const chunk of await Container.get(BinaryDataService).getAsStream(binary.id))
		hash.update(chunk as Buffer);
	return hash.digest('hex');
}

/** The credential a user would enter for the local server. */
export function credentialsFor(server: { apiKey: string; apiUrl: string }): {
	apiKey: string;
	baseUrl: string;
} {
	return { apiKey: server.apiKey, baseUrl: server.apiUrl };
}

/** Everything the node produced or said, as text: to prove the API key appears nowhere in it. */
export function everythingSaid(run: NodeRun): string {
	return JSON.stringify({
		items: run.items,
		error: run.error && {
			...run.error,
			message: run.error.message,
			description: run.error.description,
			stack: run.error.stack,
		},
	});
}

/** The temporary node n8n builds to test a credential or load a list, holding the panel's parameters. */
function tempNode(parameters: INodeParameters, withCredential: boolean): INode {
	return {
		id: 'temp',
		name: 'Temp-Node',
		type: NODE_TYPE,
		typeVersion: 1,
		position: [0, 0],
		parameters,
		...(withCredential ? { credentials: { yunwuApi: { id: '1', name: 'Yunwu account' } } } : {}),
	};
}

/**
 * Runs the credential's test as n8n's CredentialsTester does for a credential a node tests
 * (`testedBy`): the node's `credentialTest` function, called on n8n-core's CredentialTestContext
 * with the decrypted credential; what it returns is the result the editor shows.
 */
export async function testCredential(credentials: {
	apiKey: string;
	baseUrl: string;
}): Promise<{ status: 'OK' | 'Error'; message: string }> {
	const { testedBy } = new YunwuVideo().description.credentials!.find(
		(entry) => entry.name === 'yunwuApi',
	)!;
	const test = new YunwuVideo().methods.credentialTest[testedBy as 'yunwuApiTest'];
	const executionId = String(++executionCounter);
	const additionalData = buildAdditionalData(
		new ExecutionLifecycleHooks('internal', executionId, {} as IWorkflowBase),
		executionId,
		credentials,
	);
	const decrypted = { id: '1', name: 'Yunwu account', type: 'yunwuApi', data: credentials };
	const result = await test.call(new CredentialTestContext(additionalData), decrypted);
	return { status: result.status, message: result.message };
}

/**
 * Calls one of the node's `loadOptions` methods as the n8n editor's request does (n8n's
 * DynamicNodeParametersService): a temporary node holding the panel's current parameters and
 * credential, and n8n-core's LoadOptionsContext with the credential helper. `credentials: null`
 * is a node without a credential chosen.
 */
export async function loadOptions(
	method: keyof YunwuVideo['methods']['loadOptions'],
	options: { parameters: INodeParameters; credentials: { apiKey: string; baseUrl: string } | null },
): Promise<INodePropertyOptions[]> {
	return await new YunwuVideo().methods.loadOptions[method].call(loadOptionsContext(options));
}

/**
 * Calls one of the node's `listSearch` methods (a resource locator's list) as the editor's request
 * does: as `loadOptions`, with the search box's text as `filter`.
 */
export async function listSearch(
	method: keyof YunwuVideo['methods']['listSearch'],
	options: {
		parameters: INodeParameters;
		credentials: { apiKey: string; baseUrl: string } | null;
		filter?: string;
		/** The token of the page before, which the editor sends as the list is scrolled to its end. */
		paginationToken?: string;
	},
): Promise<INodeListSearchResult> {
	return await new YunwuVideo().methods.listSearch[method].call(
		loadOptionsContext(options),
		options.filter,
		options.paginationToken,
	);
}

function loadOptionsContext(options: {
	parameters: INodeParameters;
	credentials: { apiKey: string; baseUrl: string } | null;
}): LoadOptionsContext {
	const node = tempNode(options.parameters, options.credentials !== null);
	const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes });
	const executionId = String(++executionCounter);
	const hooks = new ExecutionLifecycleHooks('internal', executionId, {} as IWorkflowBase);
	const additionalData = {
		...buildAdditionalData(hooks, executionId, options.credentials ?? {}),
		currentNodeParameters: options.parameters,
	};
	return new LoadOptionsContext(workflow, node, additionalData, 'parameters.model');
}
