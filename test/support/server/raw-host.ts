/**
 * A host that speaks raw TCP, for answers an HTTP server library shapes for you (a body trickled
 * forever under a Content-Length, a status line of the test's choosing). Each connection's request
 * head is handed to the test's `answer`, which writes whatever bytes it likes.
 */
import { createServer, type Server, type Socket } from 'node:net';

import { listenOn } from './listen';

export type RawAnswer = (socket: Socket, head: string, host: RawHost) => void;

export class RawHost {
	url = '';
	answer: RawAnswer = (socket) =>
		socket.end('HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n');
	private server?: Server;
	private readonly sockets = new Set<Socket>();
	private readonly timers = new Set<NodeJS.Timeout>();

	constructor(private readonly host = '127.0.0.4') {}

	async start(): Promise<this> {
		const server = createServer((socket) => {
			this.sockets.add(socket);
			socket.on('close', () => this.sockets.delete(socket));
			socket.on('error', () => undefined);
			let received = '';
			const onData = (chunk: Buffer) => {
				received += chunk.toString('latin1');
				const end = received.indexOf('\r\n\r\n');
				if (end < 0) return;
				socket.off('data', onData);
				this.answer(socket, received.slice(0, end), this);
			};
			socket.on('data', onData);
		});
		this.url = await listenOn(server, this.host);
		this.server = server;
		return this;
	}

	/** Writes `pieces` to `socket`, one every `intervalMs`, until they run out or the client hangs up. */
	trickle(socket: Socket, pieces: Iterable<string | Buffer>, intervalMs: number): void {
		const iterator = pieces[Symbol.iterator]();
		const timer = setInterval(() => {
			const next = iterator.next();
			if (next.done || socket.destroyed) {
				clearInterval(timer);
				this.timers.delete(timer);
				return;
			}
			socket.write(next.value);
		}, intervalMs);
		this.timers.add(timer);
	}

	async stop(): Promise<void> {
		for (const timer of this.timers) clearInterval(timer);
		for (const socket of this.sockets) socket.destroy();
		await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
	}
}

/** Endless pieces: `first`, then `each` forever. */
export function* forever(first: string, each: string): Generator<string> {
	yield first;
	for (;;) yield each;
}
