/**
 * An https host whose certificate Node's check refuses: the TLS handshake fails before any request
 * is sent. It counts the connections made to it, one per attempt.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { Socket } from 'node:net';
import path from 'node:path';

import { listenOn } from './listen';

const TLS = path.join(__dirname, 'tls');

/** Certificates for 127.0.0.1 that Node refuses, by the code Node gives for each. */
export const UNTRUSTED_CERTIFICATES = {
	/** Its own issuer (`tls/cert.pem`). */
	DEPTH_ZERO_SELF_SIGNED_CERT: { cert: 'cert.pem', key: 'key.pem' },
	/** Issued by a throwaway authority whose certificate is not sent and not kept anywhere. */
	UNABLE_TO_VERIFY_LEAF_SIGNATURE: { cert: 'untrusted-leaf.pem', key: 'untrusted-leaf.key.pem' },
};

export class UntrustedTlsHost {
	url = '';
	connections = 0;
	private server?: Server;
	private readonly sockets = new Set<Socket>();

	constructor(private readonly certificate: keyof typeof UNTRUSTED_CERTIFICATES) {}

	async start(): Promise<this> {
		const { cert, key } = UNTRUSTED_CERTIFICATES[this.certificate];
		this.server = createServer(
			{ cert: readFileSync(path.join(TLS, cert)), key: readFileSync(path.join(TLS, key)) },
			(_request, response) => response.end(),
		);
		this.server.on('connection', (socket: Socket) => {
			this.connections++;
			this.sockets.add(socket);
			socket.on('close', () => this.sockets.delete(socket));
		});
		this.server.on('tlsClientError', () => undefined);
		this.url = (await listenOn(this.server, '127.0.0.1')).replace('http:', 'https:');
		return this;
	}

	async stop(): Promise<void> {
		for (const socket of this.sockets) socket.destroy();
		await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
	}
}
