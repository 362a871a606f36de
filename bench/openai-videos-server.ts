/**
 * Just enough of OpenAI's videos API for n8n's official OpenAI node ("Generate Video"):
 * `POST /v1/videos` (multipart), `GET /v1/videos/{id}`, `GET /v1/videos/{id}/content`. Jobs get
 * their ready time from the prompt, exactly as the Yunwu server's jobs do, and deliver the very
 * same bytes, so both sides of the benchmark do the same work.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { streamFile, type MediaFile } from '../test/support/server/yunwu-server';

interface Job {
	id: string;
	prompt: string;
	createdAt: number;
	readyAt: number;
	file: MediaFile;
}

export interface RequestCount {
	create: number;
	status: number;
	content: number;
}

export class OpenAiVideosServer {
	readonly jobs = new Map<string, Job>();
	readonly requests: RequestCount = { create: 0, status: 0, content: 0 };
	url = '';
	private server?: Server;

	constructor(
		private readonly readyAfterFor: (prompt: string) => number,
		private readonly fileFor: (
			prompt: string,
		) => Omit<MediaFile, 'path' | 'faults' | 'downloads' | 'deliveredAt'>,
	) {}

	async start(host = '127.0.0.1'): Promise<this> {
		this.server = createServer((req, res) => void this.handle(req, res));
		await new Promise<void>((resolve) => this.server!.listen(0, host, resolve));
		const { address, port } = this.server.address() as AddressInfo;
		this.url = `http://${address}:${port}/v1`;
		return this;
	}

	async stop(): Promise<void> {
		this.server?.closeAllConnections();
		await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
	}

	private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const body = await readBody(req);
		const url = new URL(req.url ?? '/', 'http://local');
		const parts = url.pathname.split('/').filter(Boolean); // v1, videos, id?, content?
		if (parts[0] !== 'v1' || parts[1] !== 'videos')
			return sendJson(res, 404, { error: { message: 'not found' } });
		if (req.method === 'POST' && parts.length === 2) return this.create(body, res);
		const job = this.jobs.get(parts[2] ?? '');
		if (!job)
			return sendJson(res, 404, {
				error: { message: `No video found with id '${parts[2]}'`, type: 'invalid_request_error' },
			});
		if (parts.length === 3) {
			this.requests.status++;
			const done = Date.now() >= job.readyAt;
			return sendJson(res, 200, this.describe(job, done));
		}
		if (parts[3] === 'content') {
			this.requests.content++;
			res.writeHead(200, {
				'Content-Type': job.file.contentType,
				'Content-Length': String(job.file.size),
			});
			return streamFile(job.file, res, job.file.size, 'end');
		}
		sendJson(res, 404, { error: { message: 'not found' } });
	}

	private create(body: Buffer, res: ServerResponse): void {
		this.requests.create++;
		const prompt = multipartField(body, 'prompt') ?? '';
		const id = `video_${randomUUID().replace(/-/g, '')}`;
		const file = {
			...this.fileFor(prompt),
			path: `/v1/videos/${id}/content`,
			faults: [],
			downloads: 0,
			deliveredAt: [],
		};
		const createdAt = Date.now();
		const job: Job = {
			id,
			prompt,
			createdAt,
			readyAt: createdAt + this.readyAfterFor(prompt),
			file,
		};
		this.jobs.set(id, job);
		sendJson(res, 200, this.describe(job, false));
	}

	private describe(job: Job, done: boolean): Record<string, unknown> {
		return {
			id: job.id,
			object: 'video',
			model: 'sora-2',
			status: done ? 'completed' : 'in_progress',
			progress: done ? 100 : 50,
			created_at: Math.floor(job.createdAt / 1000),
			size: '1280x720',
			seconds: '4',
			...(done ? { completed_at: Math.floor(job.readyAt / 1000) } : {}),
		};
	}
}

/** One text field of a multipart/form-data body. */
function multipartField(body: Buffer, name: string): string | undefined {
	const text = body.toString('latin1');
	const match = new RegExp(
		`name="${name}"\\r\\n(?:[^\\r\\n]+\\r\\n)*\\r\\n([\\s\\S]*?)\\r\\n--`,
	).exec(text);
	return match ? Buffer.from(match[1], 'latin1').toString('utf8') : undefined;
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
	res.writeHead(code, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks);
}
