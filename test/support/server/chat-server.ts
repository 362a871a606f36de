/**
 * A local OpenAI-compatible chat completions server (`POST /v1/chat/completions`) that plays the
 * model: a test scripts each answer (text, or tool calls) and reads every request n8n sent it, so
 * it sees exactly the tools, their descriptions and schemas, and the tool results a model gets.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

import { listenOn } from './listen';

export interface ChatMessage {
	role: string;
	content?: string | null | Array<{ type: string; text?: string }>;
	tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>;
	tool_call_id?: string;
}

export interface ChatRequest {
	model: string;
	messages: ChatMessage[];
	stream?: boolean;
	tools?: Array<{
		type: 'function';
		function: { name: string; description: string; parameters: Record<string, unknown> };
	}>;
}

/** What the model answers: text, or tool calls (name and arguments). */
export type ChatTurn = { content: string } | { toolCalls: Array<{ name: string; args: object }> };

/** The text of a message, whether sent as a string or as content parts. */
export function textOf(message: ChatMessage): string {
	if (typeof message.content === 'string') return message.content;
	return (message.content ?? []).map((part) => part.text ?? '').join('');
}

export class ChatServer {
	readonly requests: ChatRequest[] = [];
	readonly apiKey = 'sk-chat-test';
	url = '';
	private server?: Server;
	private calls = 0;

	/** `script(request, index)` gives the model's answer to the index-th request. */
	constructor(private readonly script: (request: ChatRequest, index: number) => ChatTurn) {}

	async start(): Promise<this> {
		this.server = createServer((req, res) => void this.handle(req, res));
		this.url = `${await listenOn(this.server, '127.0.0.1')}/v1`;
		return this;
	}

	async stop(): Promise<void> {
		await new Promise((resolve) => this.server?.close(resolve));
	}

	/** The tool messages (results and errors) n8n sent back, in order. */
	toolResults(): ChatMessage[] {
		return (this.requests.at(-1)?.messages ?? []).filter((message) => message.role === 'tool');
	}

	private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk as Buffer);
		if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
			res.writeHead(404, { 'Content-Type': 'application/json' });
			res.end(JSON.stringify({ error: { message: `No route ${req.method} ${req.url}` } }));
			return;
		}
		const request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatRequest;
		this.requests.push(request);
		const index = this.requests.length - 1;
		let turn: ChatTurn;
		try {
			turn = this.script(request, index);
		} catch (error) {
			res.writeHead(500, { 'Content-Type': 'application/json' });
			res.end(JSON.stringify({ error: { message: (error as Error).message } }));
			return;
		}
		const toolCalls =
			'toolCalls' in turn
				? turn.toolCalls.map((call) => ({
						id: `call_${++this.calls}`,
						type: 'function' as const,
						function: { name: call.name, arguments: JSON.stringify(call.args) },
					}))
				: undefined;
		const message = {
			role: 'assistant',
			content: 'content' in turn ? turn.content : null,
			...(toolCalls ? { tool_calls: toolCalls } : {}),
		};
		const finish = toolCalls ? 'tool_calls' : 'stop';
		const base = { id: `chatcmpl-${index}`, created: 1, model: request.model };
		const usage = { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 };
		if (request.stream) {
			res.writeHead(200, { 'Content-Type': 'text/event-stream' });
			const delta = {
				...message,
				...(toolCalls
					? { tool_calls: toolCalls.map((call, callIndex) => ({ index: callIndex, ...call })) }
					: {}),
			};
			const events = [
				{ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta }] },
				{
					...base,
					object: 'chat.completion.chunk',
					choices: [{ index: 0, delta: {}, finish_reason: finish }],
					usage,
				},
			];
			for (const event of events) res.write(`data: ${JSON.stringify(event)}\n\n`);
			res.end('data: [DONE]\n\n');
			return;
		}
		res.writeHead(200, { 'Content-Type': 'application/json' });
		res.end(
			JSON.stringify({
				...base,
				object: 'chat.completion',
				choices: [{ index: 0, message, finish_reason: finish }],
				usage,
			}),
		);
	}
}
