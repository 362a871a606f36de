/**
 * A local stand-in for the Yunwu API and its file host, speaking the contract in
 * docs/yunwu-api.md: recorded answers byte for byte, the documented variants, scripted task
 * lifecycles, and faults on demand. The API and the file host listen on different loopback
 * addresses, so "the key never reaches the file host" is checked across a real origin boundary.
 * Every request is logged with its Authorization header.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import type { AddressInfo, Socket } from 'node:net';

/** One answer the API gives instead of the task's status: a fault, consumed by one query. */
export type ApiFault =
	| {
			type: 'status';
			code: number;
			body?: string;
			contentType?: string;
			headers?: Record<string, string>;
	  }
	| { type: 'gatewayPage'; code: 502 | 503 | 504 }
	| { type: 'rateLimit'; retryAfter?: string }
	| { type: 'drop' }
	| { type: 'hang' }
	/** 200, then one space every `intervalMs`, `ticks` times, then `body`: never idle, barely moving. */
	| { type: 'trickle'; intervalMs: number; ticks: number; body: string }
	| { type: 'notJson' }
	| { type: 'notObject' };

/** One answer the file host gives instead of the file, consumed by one download. */
export type FileFault =
	| { type: 'status'; code: number }
	/** Promises the whole length, sends `fraction` of it, then cuts the connection. */
	| { type: 'truncate'; fraction?: number }
	/** Chunked (no Content-Length), cut part-way. */
	| { type: 'truncateChunked'; fraction?: number }
	/** Sends part of the file, then goes silent without closing. */
	| { type: 'stall'; fraction?: number }
	/** Redirects to the same file on the API host (another origin). */
	| { type: 'redirectCrossOrigin' }
	/** Redirects to the same file on the host that serves it, under another address (`?redirected=1`). */
	| { type: 'redirect' }
	/** Redirects anywhere: another host, a loop, `ftp:`, `data:`… */
	| { type: 'redirectTo'; location: string }
	/** Promises the whole length, then sends `bytesPerTick` bytes every `intervalMs`: never stalled, barely moving. */
	| { type: 'trickle'; intervalMs: number; bytesPerTick?: number }
	/** Chunked (no Content-Length), and never ends: the file's pattern, on and on. */
	| { type: 'endless' }
	/** Answers 200 with an HTML page ("this link has expired") instead of the file. */
	| { type: 'page' }
	/** Answers 200 with no bytes at all (Content-Length: 0). */
	| { type: 'empty' };

export interface MediaFile {
	/** Path on the file host, e.g. `/file_download/<uuid>.mp4`. */
	path: string;
	size: number;
	contentType: string;
	/** Fixed bytes, or a generated pattern streamed without being held in memory. */
	bytes?: Buffer;
	faults: FileFault[];
	downloads: number;
	/** When each whole download finished sending (epoch ms). */
	deliveredAt: number[];
	/** How long to wait before each chunk (to keep downloads in flight for cancellation tests). */
	chunkDelayMs: number;
	/** Sent compressed with this Content-Encoding (and the compressed Content-Length), whatever the client asks for. */
	contentEncoding?: 'gzip' | 'br' | 'deflate';
}

export interface TaskScript {
	id: string;
	/** Queries answered `pending`, then `processing`, before the final state. */
	pendingPolls?: number;
	processingPolls?: number;
	/** Or: the task ends this many ms after its first query (time-driven, for overlap tests). */
	readyAfterMs?: number;
	/** Or: the task ends at this time (epoch ms); tasks from create requests get it from readyAfterMs. */
	readyAt?: number;
	/**
	 * Time-driven tasks (readyAt, readyAfterMs) as the API reports them: `completed_at` and
	 * `status_update_time` say when the task really completed, or when its current status began,
	 * in seconds (default) or milliseconds.
	 */
	timestampUnit?: 's' | 'ms';
	/** Time-driven tasks: statuses while running, each from a fraction (0 … 1) of the way from creation to the end. */
	stages?: Array<{ status: string; from: number }>;
	/** Time-driven tasks: `progress` while running, the share of the way from creation to the end (%). */
	progress?: boolean;
	/** The final state and its fields. */
	end?: 'completed' | 'failed';
	/** Status words to use (to exercise the vocabulary). */
	statuses?: { pending?: string; processing?: string; completed?: string; failed?: string };
	/** The `error` field of a failed task: a string or `{ code, message }`. */
	failure?: unknown;
	/** Exact answer bodies served in order (the last one repeats), overriding the lifecycle. */
	rawAnswers?: string[];
	/** Fields added to every answer (e.g. `progress`, millisecond timestamps). */
	extraFields?: Record<string, unknown>;
	/** Faults answered before the lifecycle proceeds, one per query. */
	faults?: ApiFault[];
	video?: {
		size?: number;
		bytes?: Buffer;
		contentType?: string;
		chunkDelayMs?: number;
		contentEncoding?: MediaFile['contentEncoding'];
		/** Served by the API host at `/v1/videos/<id>/content`, only with the API key (OpenAI-style gateways). */
		onApiHost?: boolean;
	};
	thumbnail?: boolean;
	/** Leave out video_url from the completed answer. */
	noVideoUrl?: boolean;
	/** The API the task belongs to (unified when not set): it is queried there, in that API's shape. */
	api?: VideoApiName;
	/** Kling: the action (route) that created the task, the only one it is queried on. */
	klingAction?: 'text2video' | 'image2video';
	/** Kling: where the task's status changes are POSTed (Kling's callback protocol). */
	callbackUrl?: string;
}

/** The video APIs the server speaks (docs/yunwu-api.md). */
export type VideoApiName = 'unified' | 'openai' | 'kling' | 'generations';

/**
 * How the generations API answers (docs/yunwu-api.md, Generic task API): `older` `{ task_id,
 * status, url }`, `openai` the OpenAI video object, `envelope` new-api's task record in `{ code, data }`.
 */
export type GenerationsShape = 'older' | 'openai' | 'envelope';

interface TaskState {
	script: TaskScript;
	createdAt: number;
	queries: number;
	faultsServed: number;
	firstQueryAt?: number;
	video?: MediaFile;
	thumbnail?: MediaFile;
}

export interface LoggedRequest {
	server: 'api' | 'files';
	method: string;
	path: string;
	query: Record<string, string>;
	authorization?: string;
	at: number;
	body?: string;
	/** When the client's connection closed while the request was still unanswered (a hung answer abandoned). */
	abandonedAt?: number;
}

/** One entry of the model list; the server adds `object`, `created` and (unless given) `supported_endpoint_types`. */
export interface ListedModelEntry {
	id: string;
	owned_by: string;
	supported_endpoint_types?: string[];
}

/**
 * A key's models as a new-api gateway such as Yunwu lists them: chat, image and video models
 * mixed, in the gateway's order (not sorted), video channels marked `openai-video` only where
 * new-api knows the channel type (Sora, Jimeng, Kling), the unified-format ones plain `openai`.
 */
export const DEFAULT_MODELS: readonly ListedModelEntry[] = [
	{ id: 'gpt-4o-mini', owned_by: 'openai' },
	{ id: 'veo3.1-fast', owned_by: 'vertex-ai' },
	{
		id: 'claude-sonnet-4-20250514',
		owned_by: 'anthropic',
		supported_endpoint_types: ['anthropic', 'openai'],
	},
	{ id: 'sora-2', owned_by: 'openai', supported_endpoint_types: ['openai-video'] },
	{
		id: 'gpt-image-1',
		owned_by: 'openai',
		supported_endpoint_types: ['image-generation', 'openai'],
	},
	{ id: 'grok-video-3', owned_by: 'custom' },
	{ id: 'deepseek-v3', owned_by: 'deepseek' },
	{ id: 'veo3', owned_by: 'vertex-ai' },
	{ id: 'jimeng-video-3.0', owned_by: 'jimeng', supported_endpoint_types: ['openai-video'] },
	{ id: 'text-embedding-3-small', owned_by: 'openai', supported_endpoint_types: ['embeddings'] },
	{ id: 'kling-v2-master', owned_by: 'kling', supported_endpoint_types: ['openai-video'] },
	{ id: 'sora-2-pro', owned_by: 'openai', supported_endpoint_types: ['openai-video'] },
	{ id: 'gemini-2.5-pro', owned_by: 'vertex-ai', supported_endpoint_types: ['gemini', 'openai'] },
];

/** The video models of DEFAULT_MODELS in name order: the Model dropdown's first entries. */
export const DEFAULT_VIDEO_MODEL_IDS = [
	'grok-video-3',
	'jimeng-video-3.0',
	'kling-v2-master',
	'sora-2',
	'sora-2-pro',
	'veo3',
	'veo3.1-fast',
];

/** The other models of DEFAULT_MODELS (chat, image, embedding) in name order: the list's last entries. */
export const DEFAULT_OTHER_MODEL_IDS = DEFAULT_MODELS.map((model) => model.id)
	.filter((id) => !DEFAULT_VIDEO_MODEL_IDS.includes(id))
	.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));

export type UnknownTaskStyle = 'http404' | 'http400' | 'http200';

export interface YunwuServerOptions {
	apiKey?: string;
	/** Loopback addresses for the API and the file host (different, so they are different origins). */
	apiHost?: string;
	fileHost?: string;
	apiPort?: number;
	filePort?: number;
	unknownTask?: UnknownTaskStyle;
}

const CHUNK = 64 * 1024;

/** Deterministic bytes for position `offset` on: the same file every time, without storing it. */
function patternChunk(offset: number, length: number): Buffer {
	// A precomputed block, stamped with the chunk's position: cheap enough to serve gigabytes to
	// several clients at once, and no two chunks alike, so a reordered or repeated chunk shows.
	const chunk = Buffer.from(PATTERN.subarray(0, length));
	if (length >= 8) chunk.writeBigUInt64BE(BigInt(offset), 0);
	return chunk;
}

const PATTERN = (() => {
	const block = Buffer.allocUnsafe(CHUNK);
	for (let i = 0; i < CHUNK; i++) block[i] = i * 31 + (i >>> 8) * 7;
	return block;
})();

/** The SHA-256 of a served file, computed the same way it is streamed. */
export function fileSha256(file: { size: number; bytes?: Buffer }): string {
	const hash = createHash('sha256');
	if (file.bytes) return hash.update(file.bytes).digest('hex');
	for (let offset = 0; offset < file.size; offset += CHUNK)
		hash.update(patternChunk(offset, Math.min(CHUNK, file.size - offset)));
	return hash.digest('hex');
}

export class YunwuServer {
	readonly apiKey: string;
	readonly log: LoggedRequest[] = [];
	/** File answers that closed before the server had ended them: abandoned by the client, or cut by a fault. */
	readonly abandoned: Array<{ path: string; at: number }> = [];
	/** Bodies of create requests, in arrival order. */
	readonly createBodies: Array<Record<string, unknown>> = [];
	/** The tasks create requests made, in creation order, with the request's body. */
	readonly createdTasks: Array<{ id: string; body: Record<string, unknown> }> = [];
	private readonly tasks = new Map<string, TaskState>();
	private readonly files = new Map<string, MediaFile>();
	private readonly sockets = new Set<Socket>();
	private apiServer?: Server;
	private fileServer?: Server;
	apiUrl = '';
	fileUrl = '';
	unknownTask: UnknownTaskStyle;
	/** Faults answered to create requests, one each. */
	createFaults: ApiFault[] = [];
	/** The fault a create request meets, chosen by its body (before `createFaults`): for creates sent at once. */
	createFaultOf?: (body: Record<string, unknown>) => ApiFault | undefined;
	/** TCP connections the API server accepted, including those that never became an HTTP request (TLS). */
	apiConnections = 0;
	/** Faults answered to model list requests, one each. */
	modelListFaults: ApiFault[] = [];
	/** Kling callbacks the server made: where, what it said (Kling's `data`), and the HTTP status it got. */
	readonly callbacks: Array<{ url: string; body: unknown; at: number; httpStatus: number }> = [];
	private readonly timers: NodeJS.Timeout[] = [];
	/** How the generations API answers its creates and queries. */
	generationsShape: GenerationsShape = 'older';
	/** The models the key may use, as `GET /v1/models` lists them. */
	models: ListedModelEntry[] = DEFAULT_MODELS.map((model) => ({ ...model }));
	/** What new tasks from create requests look like: fixed, or chosen from the request body. */
	createdTaskTemplate:
		| Omit<TaskScript, 'id'>
		| ((body: Record<string, unknown>) => Omit<TaskScript, 'id'>) = {
		pendingPolls: 1,
		processingPolls: 1,
		end: 'completed',
		video: { size: 1024 },
	};

	constructor(private readonly options: YunwuServerOptions = {}) {
		this.apiKey = options.apiKey ?? 'sk-test-1234567890abcdef';
		this.unknownTask = options.unknownTask ?? 'http404';
	}

	async start(): Promise<this> {
		this.apiServer = await this.listen(
			(req, res) => this.handleApi(req, res),
			this.options.apiHost ?? '127.0.0.1',
			this.options.apiPort,
		);
		this.fileServer = await this.listen(
			(req, res) => this.handleFile(req, res),
			this.options.fileHost ?? '127.0.0.2',
			this.options.filePort,
		);
		this.apiServer.on('connection', () => this.apiConnections++);
		this.apiUrl = this.urlOf(this.apiServer);
		this.fileUrl = this.urlOf(this.fileServer);
		return this;
	}

	async stop(): Promise<void> {
		for (const timer of this.timers) clearTimeout(timer);
		for (const socket of this.sockets) socket.destroy();
		await Promise.all(
			[this.apiServer, this.fileServer].map(
				(server) => new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined))),
			),
		);
	}

	/** Registers a task and its files; returns the script's id. */
	addTask(script: TaskScript): string {
		const state: TaskState = { script, createdAt: Date.now(), queries: 0, faultsServed: 0 };
		if (script.end !== 'failed' && !script.rawAnswers) {
			const video = script.video ?? {};
			// An OpenAI video object's video is its content route, on the API host behind the key.
			const contentRoute =
				script.api === 'openai' ||
				(script.api === 'generations' && this.generationsShape === 'openai');
			state.video = this.addFile(
				contentRoute
					? `/v1/videos/${script.id}/content`
					: video.onApiHost
						? `/v1/videos/${randomUUID()}/content`
						: `/file_download/${randomUUID()}.mp4`,
				{
					size: video.bytes?.length ?? video.size ?? 2048,
					bytes: video.bytes,
					contentType: video.contentType ?? 'video/mp4',
					chunkDelayMs: video.chunkDelayMs ?? 0,
					contentEncoding: video.contentEncoding,
				},
			);
			if (script.thumbnail) {
				state.thumbnail = this.addFile(`/file_download/${randomUUID()}.jpg`, {
					size: 512,
					contentType: 'image/jpeg',
					chunkDelayMs: 0,
				});
			}
		}
		this.tasks.set(script.id, state);
		return script.id;
	}

	addFile(
		filePath: string,
		file: Omit<MediaFile, 'path' | 'faults' | 'downloads' | 'deliveredAt'>,
	): MediaFile {
		const media: MediaFile = { ...file, path: filePath, faults: [], downloads: 0, deliveredAt: [] };
		this.files.set(filePath, media);
		return media;
	}

	task(id: string): TaskState {
		const state = this.tasks.get(id);
		if (!state) throw new Error(`no task ${id}`);
		return state;
	}

	videoOf(id: string): MediaFile {
		const video = this.task(id).video;
		if (!video) throw new Error(`task ${id} has no video`);
		return video;
	}

	thumbnailOf(id: string): MediaFile {
		const thumbnail = this.task(id).thumbnail;
		if (!thumbnail) throw new Error(`task ${id} has no thumbnail`);
		return thumbnail;
	}

	videoUrlOf(id: string): string {
		return this.urlOfFile(this.videoOf(id));
	}

	/** Where a file is served: content under `/v1/` by the API host (behind the key), the rest by the file host. */
	urlOfFile(file: MediaFile): string {
		return `${file.path.startsWith('/v1/') ? this.apiUrl : this.fileUrl}${file.path}`;
	}

	apiRequests(taskId?: string): LoggedRequest[] {
		return this.log.filter(
			(entry) => entry.server === 'api' && (taskId === undefined || entry.query.id === taskId),
		);
	}

	fileRequests(): LoggedRequest[] {
		return this.log.filter((entry) => entry.server === 'files');
	}

	private async listen(
		handler: (req: IncomingMessage, res: ServerResponse) => void,
		host: string,
		port = 0,
	): Promise<Server> {
		const server = createServer(handler);
		server.on('connection', (socket) => {
			this.sockets.add(socket);
			socket.on('close', () => this.sockets.delete(socket));
		});
		await new Promise<void>((resolve, reject) => {
			server.once('error', reject);
			server.listen(port, host, resolve);
		});
		return server;
	}

	private urlOf(server: Server): string {
		const { address, port } = server.address() as AddressInfo;
		return `http://${address}:${port}`;
	}

	private record(server: 'api' | 'files', req: IncomingMessage, body?: string): URL {
		const url = new URL(req.url ?? '/', 'http://local');
		const entry: LoggedRequest = {
			server,
			method: req.method ?? 'GET',
			path: url.pathname,
			query: Object.fromEntries(url.searchParams),
			authorization: req.headers.authorization,
			at: Date.now(),
			body,
		};
		this.log.push(entry);
		return url;
	}

	private async handleApi(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const raw = await readRaw(req);
		const body = raw.toString('utf8');
		const url = this.record('api', req, body || undefined);
		const entry = this.log.at(-1)!;
		res.once('close', () => {
			if (!res.writableEnded) entry.abandonedAt = Date.now();
		});
		// A download redirected to the API host (cross-origin redirect test): files need no key.
		if (url.pathname.startsWith('/file_download/')) return this.serveFile(url.pathname, req, res);
		if (req.headers.authorization !== `Bearer ${this.apiKey}`) {
			return sendJson(res, 401, {
				error: {
					message: 'Invalid token (request id: 2025120318)',
					type: 'new_api_error',
					code: 'invalid_api_key',
				},
			});
		}
		if (req.method === 'GET' && /^\/v1\/videos\/[^/]+\/content$/.test(url.pathname))
			return this.serveFile(url.pathname, req, res);
		const route = this.otherApiRoute(req.method ?? 'GET', url.pathname);
		if (route) return this.answerOtherApi(route, body, res, formOf(req, raw));
		if (req.method === 'GET' && url.pathname === '/v1/models') return this.answerModels(res);
		if (req.method === 'GET' && url.pathname === '/v1/video/query')
			return this.answerQuery(url.searchParams.get('id') ?? '', res);
		if (req.method === 'POST' && url.pathname === '/v1/video/create')
			return this.answerCreate(body, res);
		sendJson(res, 404, {
			error: {
				message: `Invalid URL (${req.method} ${url.pathname})`,
				type: 'invalid_request_error',
			},
		});
	}

	/** new-api's `GET /v1/models`: the key's models in the gateway's order, each with its owner and endpoint types. */
	private answerModels(res: ServerResponse): void {
		const fault = this.modelListFaults.shift();
		if (fault) return applyApiFault(fault, res);
		const data = this.models.map((model) => ({
			object: 'model',
			created: 1626777600,
			supported_endpoint_types: ['openai'],
			...model,
		}));
		sendJson(res, 200, { success: true, data, object: 'list' });
	}

	private answerQuery(
		id: string,
		res: ServerResponse,
		shape: (answer: Record<string, unknown>) => Record<string, unknown> = (answer) => answer,
	): void {
		const state = this.tasks.get(id);
		if (!state) return this.answerUnknownTask(res);
		const { script } = state;
		state.queries++;
		state.firstQueryAt ??= Date.now();
		const fault = script.faults?.shift();
		if (fault) {
			state.faultsServed++;
			return applyApiFault(fault, res);
		}
		if (script.rawAnswers) {
			const raw =
				script.rawAnswers[
					Math.min(state.queries - 1 - state.faultsServed, script.rawAnswers.length - 1)
				];
			res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' }).end(raw);
			return;
		}
		sendJson(res, 200, shape(this.answerFor(state)));
	}

	private answerUnknownTask(res: ServerResponse): void {
		const envelope = {
			error: { message: 'task_not_exist', type: 'invalid_request_error', code: 'task_not_exist' },
		};
		if (this.unknownTask === 'http404') return sendJson(res, 404, envelope);
		if (this.unknownTask === 'http400') return sendJson(res, 400, envelope);
		sendJson(res, 200, { code: 'task_not_exist', message: 'task_not_exist', data: null });
	}

	/** The task's current answer in its lifecycle; counts only queries that were not faults. */
	private answerFor(state: TaskState): Record<string, unknown> {
		const { script } = state;
		const words = {
			pending: 'pending',
			processing: 'processing',
			completed: 'completed',
			failed: 'failed',
			...script.statuses,
		};
		const now = Math.floor(Date.now() / 1000);
		const base = {
			id: script.id.replace(/^[^:]+:/, ''),
			status_update_time: now,
			...script.extraFields,
		};
		const answered = state.queries - 1 - state.faultsServed;
		let phase: 'pending' | 'processing' | 'end';
		const timed = this.timeline(state);
		if (timed) {
			if (!timed.ended) return { ...base, ...timed.running };
			phase = 'end';
			Object.assign(base, timed.stamps);
		} else {
			const pending = script.pendingPolls ?? 0;
			const processing = script.processingPolls ?? 0;
			phase =
				answered < pending ? 'pending' : answered < pending + processing ? 'processing' : 'end';
		}
		if (phase !== 'end') return { ...base, status: words[phase] };
		if (script.end === 'failed') {
			return {
				...base,
				status: words.failed,
				error: script.failure ?? 'content policy violation',
				progress: 100,
			};
		}
		return {
			...base,
			mode: 'custom',
			type: 'create',
			error: '',
			model: 'grok-3',
			ratio: '1:1',
			prompt: 'A cat walking',
			status: words.completed,
			progress: 100,
			upscaled: true,
			...(script.noVideoUrl || !state.video ? {} : { video_url: this.urlOfFile(state.video) }),
			...(state.thumbnail ? { thumbnail_url: this.urlOfFile(state.thumbnail) } : {}),
			completed_at: now,
			upscale_on_complete: true,
			...timed?.stamps,
			...script.extraFields,
		};
	}

	/** Where a time-driven task stands: its running answer's fields, or whether it ended and when. */
	private timeline(
		state: TaskState,
	):
		| { ended: false; running: Record<string, unknown> }
		| { ended: true; stamps: Record<string, unknown> }
		| undefined {
		const { script } = state;
		const start = script.readyAt !== undefined ? state.createdAt : state.firstQueryAt;
		const end =
			script.readyAt ??
			(script.readyAfterMs !== undefined && start !== undefined
				? start + script.readyAfterMs
				: undefined);
		if (start === undefined || end === undefined) return undefined;
		const stamp = (ms: number) => (script.timestampUnit === 'ms' ? ms : Math.floor(ms / 1000));
		const now = Date.now();
		if (now >= end)
			return { ended: true, stamps: { completed_at: stamp(end), status_update_time: stamp(end) } };
		const share = Math.min(1, Math.max(0, (now - start) / Math.max(1, end - start)));
		const stage = (script.stages ?? []).filter((entry) => entry.from <= share).at(-1);
		const since = start + (stage?.from ?? 0) * (end - start);
		return {
			ended: false,
			running: {
				status: stage?.status ?? script.statuses?.processing ?? 'processing',
				status_update_time: stamp(since),
				...(script.progress ? { progress: Math.floor(share * 100) } : {}),
				...script.extraFields,
			},
		};
	}

	/**
	 * A create request's body (JSON, or the multipart `form` already read), logged, or undefined
	 * once the request has been answered: not JSON, a fault, or no model (`model`, Kling's `model_name`).
	 */
	private receiveCreate(
		body: string,
		res: ServerResponse,
		modelField: string,
		form?: Record<string, unknown>,
	): { parsed: Record<string, unknown>; model: string } | undefined {
		let parsed: Record<string, unknown>;
		try {
			parsed = form ?? (JSON.parse(body) as Record<string, unknown>);
		} catch {
			sendJson(res, 400, {
				error: { message: 'invalid JSON body', type: 'invalid_request_error' },
			});
			return undefined;
		}
		this.createBodies.push(parsed);
		const fault = this.createFaultOf?.(parsed) ?? this.createFaults.shift();
		if (fault) {
			applyApiFault(fault, res);
			return undefined;
		}
		const model = parsed[modelField];
		if (typeof model !== 'string' || !model) {
			sendJson(res, 400, {
				error: { message: 'model is required', type: 'invalid_request_error' },
			});
			return undefined;
		}
		return { parsed, model };
	}

	/** Registers the task a create request made, shaped by `createdTaskTemplate`. */
	private addCreatedTask(
		id: string,
		parsed: Record<string, unknown>,
		extra: Partial<TaskScript> = {},
	): TaskState {
		const template =
			typeof this.createdTaskTemplate === 'function'
				? this.createdTaskTemplate(parsed)
				: this.createdTaskTemplate;
		// A created task's clock starts at its creation, as on the real service.
		const readyAt =
			template.readyAfterMs !== undefined ? Date.now() + template.readyAfterMs : template.readyAt;
		// The task answers with the model and prompt it was created with, as the real service does.
		const asked = {
			model: parsed.model,
			...(typeof parsed.prompt === 'string' ? { prompt: parsed.prompt } : {}),
		};
		this.addTask({
			id,
			...template,
			readyAt,
			extraFields: { ...asked, ...template.extraFields },
			...extra,
		});
		this.createdTasks.push({ id, body: parsed });
		return this.task(id);
	}

	private answerCreate(body: string, res: ServerResponse): void {
		const received = this.receiveCreate(body, res, 'model');
		if (!received) return;
		const id = `${received.model.split('-')[0]}:${randomUUID()}`;
		this.addCreatedTask(id, received.parsed);
		sendJson(res, 200, {
			id,
			status: 'pending',
			status_update_time: Math.floor(Date.now() / 1000),
		});
	}

	/** Which of the other APIs' routes a request is for (Kling, OpenAI videos, generations). */
	private otherApiRoute(
		method: string,
		pathname: string,
	): { api: VideoApiName; create: boolean; id?: string; action?: string } | undefined {
		const kling = /^\/kling\/v1\/videos\/(text2video|image2video)(?:\/([^/]+))?$/.exec(pathname);
		if (kling)
			return method === 'POST' && !kling[2]
				? { api: 'kling', create: true, action: kling[1] }
				: { api: 'kling', create: false, action: kling[1], id: decodeURIComponent(kling[2] ?? '') };
		const openai = /^\/v1\/videos(?:\/([^/]+))?$/.exec(pathname);
		if (openai)
			return method === 'POST' && !openai[1]
				? { api: 'openai', create: true }
				: { api: 'openai', create: false, id: decodeURIComponent(openai[1] ?? '') };
		const generations = /^\/v1\/video\/generations(?:\/([^/]+))?$/.exec(pathname);
		if (generations)
			return method === 'POST' && !generations[1]
				? { api: 'generations', create: true }
				: { api: 'generations', create: false, id: decodeURIComponent(generations[1] ?? '') };
		return undefined;
	}

	/** A create or a query of the Kling, OpenAI videos or generations API, in that API's shape. */
	private answerOtherApi(
		route: { api: VideoApiName; create: boolean; id?: string; action?: string },
		body: string,
		res: ServerResponse,
		form?: Record<string, unknown>,
	): void {
		if (!route.create) {
			const state = this.tasks.get(route.id ?? '');
			const wrongPlace =
				!state ||
				state.script.api !== route.api ||
				(route.api === 'kling' && state.script.klingAction !== route.action);
			if (wrongPlace) return this.answerUnknownTask(res);
			return this.answerQuery(route.id ?? '', res, (answer) => this.inApiShape(state, answer));
		}
		const received = this.receiveCreate(
			body,
			res,
			route.api === 'kling' ? 'model_name' : 'model',
			form,
		);
		if (!received) return;
		const { parsed } = received;
		const prefix = { kling: '', openai: 'video_', generations: 'task_', unified: '' }[route.api];
		const id = `${prefix}${randomUUID()}`;
		const state = this.addCreatedTask(id, parsed, {
			api: route.api,
			klingAction: route.action as TaskScript['klingAction'],
			callbackUrl: typeof parsed.callback_url === 'string' ? parsed.callback_url : undefined,
		});
		if (route.api === 'kling') this.scheduleCallbacks(state);
		const created = this.inApiShape(state, { id, status: 'pending' });
		if (route.api === 'generations' && this.generationsShape === 'older')
			return sendJson(res, 200, { task_id: id, status: 'queued' });
		sendJson(res, 200, created);
	}

	/**
	 * Kling's callback protocol: at each status change of a time-driven task with a `callback_url`,
	 * the task's `data` object is POSTed there (processing at 40 % of the way, then the end).
	 */
	private scheduleCallbacks(state: TaskState): void {
		const { callbackUrl, readyAt } = state.script;
		if (!callbackUrl || readyAt === undefined) return;
		const call = async () => {
			const data = (this.inApiShape(state, this.answerFor(state)) as { data: unknown }).data;
			const entry = { url: callbackUrl, body: data, at: Date.now(), httpStatus: 0 };
			this.callbacks.push(entry);
			try {
				const response = await fetch(callbackUrl, {
					method: 'POST',
					headers: { 'Content-Type': 'application/json' },
					body: JSON.stringify(data),
				});
				entry.httpStatus = response.status;
			} catch {
				entry.httpStatus = -1;
			}
		};
		const span = readyAt - state.createdAt;
		for (const delay of [span * 0.4, span + 50])
			this.timers.push(setTimeout(() => void call(), Math.max(0, delay)));
	}

	/** A task's answer (in the unified API's words, as `answerFor` gives it) in the shape of the task's API. */
	private inApiShape(state: TaskState, answer: Record<string, unknown>): Record<string, unknown> {
		const { script } = state;
		const phase = String(answer.status);
		const words = (list: Record<string, string>) => list[phase] ?? phase;
		const failed = phase === (script.statuses?.failed ?? 'failed');
		const reason = typeof answer.error === 'string' ? answer.error : JSON.stringify(answer.error);
		const videoUrl = typeof answer.video_url === 'string' ? answer.video_url : undefined;
		const createdAt = Math.floor(state.createdAt / 1000);
		const openaiObject = () => ({
			id: script.id,
			task_id: script.id,
			object: 'video',
			model: 'sora-2',
			status: words({ pending: 'queued', processing: 'in_progress' }),
			progress: phase === 'completed' ? 100 : 0,
			created_at: createdAt,
			...(phase === 'completed' ? { completed_at: answer.completed_at } : {}),
			seconds: '10',
			size: '720x1280',
			...(failed ? { error: { message: reason, code: 'task_failed' } } : {}),
		});
		switch (script.api) {
			case 'kling':
				return {
					code: 0,
					message: 'SUCCEED',
					request_id: `req-${script.id}`,
					data: {
						task_id: script.id,
						task_status: words({ pending: 'submitted', completed: 'succeed' }),
						...(failed ? { task_status_msg: reason } : {}),
						...(videoUrl
							? {
									task_result: {
										videos: [{ id: `v-${script.id}`, url: videoUrl, duration: '5.1' }],
									},
								}
							: {}),
						created_at: state.createdAt,
						updated_at: Date.now(),
					},
				};
			case 'openai':
				return openaiObject();
			case 'generations':
				if (this.generationsShape === 'openai') return openaiObject();
				if (this.generationsShape === 'envelope')
					return {
						code: 'success',
						message: '',
						data: {
							task_id: script.id,
							action: 'generate',
							status: words({
								pending: 'SUBMITTED',
								processing: 'IN_PROGRESS',
								completed: 'SUCCESS',
								failed: 'FAILURE',
							}),
							fail_reason: failed ? reason : '',
							result_url: videoUrl ?? '',
							progress: phase === 'completed' ? '100%' : '30%',
							submit_time: createdAt,
						},
					};
				return {
					task_id: script.id,
					status: words({ pending: 'queued', completed: 'succeeded' }),
					...(videoUrl ? { url: videoUrl, format: 'mp4' } : {}),
					metadata: { duration: 5, fps: 24, width: 1280, height: 720, seed: 7 },
					...(failed ? { error: { code: 'task_failed', message: reason } } : {}),
				};
			default:
				return answer;
		}
	}

	private handleFile(req: IncomingMessage, res: ServerResponse): void {
		const url = this.record('files', req);
		this.serveFile(url.pathname, req, res);
	}

	private serveFile(filePath: string, req: IncomingMessage, res: ServerResponse): void {
		const file = this.files.get(filePath);
		if (!file) return void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found');
		file.downloads++;
		res.on('close', () => {
			if (!res.writableEnded) this.abandoned.push({ path: filePath, at: Date.now() });
		});
		const fault = file.faults.shift();
		if (fault?.type === 'status')
			return void res
				.writeHead(fault.code, { 'Content-Type': 'text/html' })
				.end(`<html><body>${fault.code}</body></html>`);
		if (fault?.type === 'page') {
			return void res
				.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
				.end('<html><body>This link has expired.</body></html>');
		}
		if (fault?.type === 'redirect') {
			return void res.writeHead(302, { Location: `${this.urlOfFile(file)}?redirected=1` }).end();
		}
		if (fault?.type === 'redirectCrossOrigin') {
			return void res.writeHead(302, { Location: `${this.apiUrl}${filePath}` }).end();
		}
		if (fault?.type === 'redirectTo') {
			return void res.writeHead(302, { Location: fault.location }).end();
		}
		if (fault?.type === 'empty') {
			return void res
				.writeHead(200, { 'Content-Type': file.contentType, 'Content-Length': '0' })
				.end();
		}
		if (fault?.type === 'endless') {
			res.writeHead(200, { 'Content-Type': file.contentType });
			return void streamFile({ ...file, bytes: undefined, size: Infinity }, res, Infinity, 'cut');
		}
		if (fault?.type === 'trickle') {
			res.writeHead(200, { 'Content-Type': file.contentType, 'Content-Length': String(file.size) });
			return void trickle(file, res, fault.intervalMs, fault.bytesPerTick ?? 1);
		}
		if (file.contentEncoding) return this.serveCompressed(file, fault, res);
		const chunked = fault?.type === 'truncateChunked';
		res.writeHead(200, {
			'Content-Type': file.contentType,
			...(chunked ? {} : { 'Content-Length': String(file.size) }),
		});
		if (req.method === 'HEAD') return void res.end();
		const cutAt =
			fault && 'fraction' in fault ? Math.floor(file.size * (fault.fraction ?? 0.5)) : file.size;
		void streamFile(file, res, cutAt, fault?.type === 'stall' ? 'stall' : fault ? 'cut' : 'end');
	}

	/** The whole file compressed at once (test files are small), with the compressed Content-Length; `truncate` cuts the compressed bytes. */
	private serveCompressed(
		file: MediaFile,
		fault: FileFault | undefined,
		res: ServerResponse,
	): void {
		const whole =
			file.bytes ??
			Buffer.concat(
				Array.from({ length: Math.ceil(file.size / CHUNK) }, (_, i) =>
					patternChunk(i * CHUNK, Math.min(CHUNK, file.size - i * CHUNK)),
				),
			);
		const compress = { gzip: gzipSync, br: brotliCompressSync, deflate: deflateSync }[
			file.contentEncoding!
		];
		const body = compress(whole);
		res.writeHead(200, {
			'Content-Type': file.contentType,
			'Content-Encoding': file.contentEncoding!,
			'Content-Length': String(body.length),
		});
		const cutAt =
			fault?.type === 'truncate' ? Math.floor(body.length * (fault.fraction ?? 0.5)) : body.length;
		void streamFile(
			{ ...file, bytes: body, size: body.length },
			res,
			cutAt,
			cutAt < body.length ? 'cut' : 'end',
		);
	}
}

/** Sends a few bytes of the file at a time, `intervalMs` apart, until it is whole or the client hangs up. */
async function trickle(
	file: MediaFile,
	res: ServerResponse,
	intervalMs: number,
	bytesPerTick: number,
): Promise<void> {
	for (let offset = 0; offset < file.size && !res.destroyed; offset += bytesPerTick) {
		await new Promise((resolve) => setTimeout(resolve, intervalMs));
		const length = Math.min(bytesPerTick, file.size - offset);
		res.write(
			file.bytes ? file.bytes.subarray(offset, offset + length) : patternChunk(offset, length),
		);
	}
	if (!res.destroyed) res.end(() => file.deliveredAt.push(Date.now()));
}

/** Streams a file (or its first `cutAt` bytes), without holding it in memory; records a whole delivery. */
export async function streamFile(
	file: MediaFile,
	res: ServerResponse,
	cutAt: number,
	ending: 'end' | 'cut' | 'stall',
): Promise<void> {
	for (let offset = 0; offset < cutAt && !res.destroyed; offset += CHUNK) {
		const length = Math.min(CHUNK, cutAt - offset);
		const chunk = file.bytes
			? file.bytes.subarray(offset, offset + length)
			: patternChunk(offset, length);
		if (file.chunkDelayMs > 0)
			await new Promise((resolve) => setTimeout(resolve, file.chunkDelayMs));
		if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
	}
	if (ending === 'end') res.end(() => file.deliveredAt.push(Date.now()));
	else if (ending === 'cut') res.destroy();
	// 'stall': keep the connection open and silent; stop() destroys it.
}

function applyApiFault(fault: ApiFault, res: ServerResponse): void {
	switch (fault.type) {
		case 'status':
			res
				.writeHead(fault.code, {
					'Content-Type': fault.contentType ?? 'application/json',
					...fault.headers,
				})
				.end(fault.body ?? '');
			return;
		case 'gatewayPage':
			res
				.writeHead(fault.code, { 'Content-Type': 'text/html' })
				.end(
					`<html>\r\n<head><title>${fault.code} Bad Gateway</title></head>\r\n<body>\r\n<center><h1>${fault.code} Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`,
				);
			return;
		case 'rateLimit':
			res
				.writeHead(429, {
					'Content-Type': 'application/json',
					...(fault.retryAfter !== undefined ? { 'Retry-After': fault.retryAfter } : {}),
				})
				.end(
					JSON.stringify({
						error: { message: 'Too many requests, please slow down', type: 'rate_limit_error' },
					}),
				);
			return;
		case 'drop':
			res.socket?.destroy();
			return;
		case 'hang':
			return;
		case 'trickle':
			void trickleAnswer(res, fault.intervalMs, fault.ticks, fault.body);
			return;
		case 'notJson':
			res
				.writeHead(200, { 'Content-Type': 'application/json' })
				.end('{"id": "grok:1", "status": "processing"');
			return;
		case 'notObject':
			res.writeHead(200, { 'Content-Type': 'application/json' }).end('["processing"]');
			return;
	}
}

async function trickleAnswer(
	res: ServerResponse,
	intervalMs: number,
	ticks: number,
	body: string,
): Promise<void> {
	res.writeHead(200, { 'Content-Type': 'application/json' });
	for (let tick = 0; tick < ticks && !res.destroyed; tick++) {
		res.write(' ');
		await new Promise((resolve) => setTimeout(resolve, intervalMs));
	}
	if (!res.destroyed) res.end(body);
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
	res
		.writeHead(code, { 'Content-Type': 'application/json; charset=utf-8' })
		.end(JSON.stringify(body));
}

async function readRaw(req: IncomingMessage): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks);
}

/**
 * A multipart/form-data body's fields (OpenAI's `input_reference` upload): text as text, a file as
 * `{ fileName, mimeType, size, sha256 }`. Undefined for any other body.
 */
function formOf(req: IncomingMessage, raw: Buffer): Record<string, unknown> | undefined {
	const boundary = /multipart\/form-data;\s*boundary=(.+)$/i.exec(
		req.headers['content-type'] ?? '',
	)?.[1];
	if (!boundary) return undefined;
	const fields: Record<string, unknown> = {};
	const delimiter = Buffer.from(`--${boundary}`);
	let start = raw.indexOf(delimiter);
	while (start >= 0) {
		const next = raw.indexOf(delimiter, start + delimiter.length);
		if (next < 0) break;
		const part = raw.subarray(start + delimiter.length + 2, next - 2);
		const split = part.indexOf('\r\n\r\n');
		const head = part.subarray(0, split).toString('utf8');
		const content = part.subarray(split + 4);
		const name = /name="([^"]*)"/.exec(head)?.[1] ?? '';
		const fileName = /filename="([^"]*)"/.exec(head)?.[1];
		fields[name] =
			fileName === undefined
				? content.toString('utf8')
				: {
						fileName,
						mimeType: /content-type:\s*(\S+)/i.exec(head)?.[1],
						size: content.length,
						sha256: createHash('sha256').update(content).digest('hex'),
					};
		start = next;
	}
	return fields;
}
