/**
 * An https front for an API server that breaks the TLS session after the request was delivered:
 * it passes the request on, and once the API answers it writes a record of no TLS version onto
 * the connection instead, as a broken middlebox may. Node reports ERR_SSL_WRONG_VERSION_NUMBER on
 * 20 and 24 alike; plain-text HTTP (a misconfigured proxy) gives that code on Node 20 and 22, and
 * ERR_SSL_PACKET_LENGTH_TOO_LONG on 24. Its certificate
 * (`tls/cert.pem`, for 127.0.0.1) is self-signed: trust it with NODE_EXTRA_CA_CERTS or `ca`.
 *
 * `untrustedCertificate`: it breaks the session by asking for a TLS 1.2 renegotiation with a
 * certificate Node refuses instead (a new session, not resumed): Node checks the certificate of
 * every handshake, so a certificate code comes after the request was delivered.
 */
import { readFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { constants } from 'node:crypto';
import { createSecureContext, TLSSocket } from 'node:tls';

import { listenOn } from './listen';

export const TLS_FRONT_CERT = path.join(__dirname, 'tls', 'cert.pem');

export class BrokenTlsFront {
	url = '';
	private server?: Server;
	private readonly sockets = new Set<Socket>();

	/** `apiUrl`: the http origin the requests are passed to. */
	constructor(
		private readonly apiUrl: string,
		private readonly breakWith: 'notTls' | 'untrustedCertificate' = 'notTls',
	) {}

	async start(): Promise<this> {
		const cert = readFileSync(TLS_FRONT_CERT);
		const key = readFileSync(path.join(__dirname, 'tls', 'key.pem'));
		const api = new URL(this.apiUrl);
		const untrusted = createSecureContext({
			cert: readFileSync(path.join(__dirname, 'tls', 'untrusted-leaf.pem')),
			key: readFileSync(path.join(__dirname, 'tls', 'untrusted-leaf.key.pem')),
		});
		this.server = createServer((raw) => {
			const upstream = connect(Number(api.port), api.hostname);
			for (const socket of [raw, upstream]) {
				this.sockets.add(socket);
				socket.on('close', () => this.sockets.delete(socket));
				socket.on('error', () => undefined);
			}
			const secure = new TLSSocket(raw, {
				isServer: true,
				cert,
				key,
				// Renegotiation is TLS 1.2's.
				...(this.breakWith === 'untrustedCertificate' && {
					maxVersion: 'TLSv1.2',
					secureOptions: constants.SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION,
				}),
			});
			secure.on('error', () => undefined);
			secure.pipe(upstream);
			// The API answered: the request was delivered.
			upstream.once('data', () => {
				if (this.breakWith === 'untrustedCertificate') {
					secure.setKeyCert(untrusted);
					secure.renegotiate({}, () => undefined);
				} else {
					// An application-data record of version 5.5.
					raw.end(Buffer.from([0x17, 5, 5, 0, 16, ...new Array(16).fill(0)]));
				}
			});
		});
		this.url = (await listenOn(this.server, '127.0.0.1')).replace('http:', 'https:');
		return this;
	}

	async stop(): Promise<void> {
		for (const socket of this.sockets) socket.destroy();
		await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
	}
}
