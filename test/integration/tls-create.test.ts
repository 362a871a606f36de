/**
 * A TLS error after the secure connection was made: the create request may already have reached
 * Yunwu, so it is never sent again. An https front (a self-signed certificate this process is
 * made to trust, as a system CA store would) hands the request to the local Yunwu server, then
 * answers with bytes that are not TLS, as a broken proxy or load balancer does.
 */
import { readFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import path from 'node:path';
import tls from 'node:tls';

import { runNode, useYunwuServer } from '../support/harness/n8n';
import { listenOn } from '../support/server/listen';

const yunwu = useYunwuServer();

const certDir = path.join(__dirname, '..', 'support', 'server', 'tls');
const cert = readFileSync(path.join(certDir, 'cert.pem'));
const key = readFileSync(path.join(certDir, 'key.pem'));

let front: Server;
let frontUrl = '';
const sockets = new Set<Socket>();
const realConnect = tls.connect;

beforeAll(async () => {
	// Trust the front's certificate for this test only (Node reads NODE_EXTRA_CA_CERTS at start-up).
	jest
		.spyOn(tls, 'connect')
		.mockImplementation(((options: tls.ConnectionOptions) =>
			realConnect({ ...options, ca: cert })) as typeof tls.connect);
	front = createServer((raw) => {
		sockets.add(raw);
		raw.on('error', () => undefined);
		const secure = new tls.TLSSocket(raw, { isServer: true, cert, key });
		secure.on('error', () => undefined);
		const api = new URL(yunwu().apiUrl);
		const upstream = connect(Number(api.port), api.hostname);
		sockets.add(upstream);
		upstream.on('error', () => undefined);
		secure.pipe(upstream);
		// Yunwu answered: the request was delivered. The front answers in plain text instead of TLS.
		upstream.once('data', () => raw.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n'));
	});
	frontUrl = (await listenOn(front, '127.0.0.1')).replace('http:', 'https:');
});

afterAll(async () => {
	jest.restoreAllMocks();
	for (const socket of sockets) socket.destroy();
	await new Promise((resolve) => front.close(resolve));
});

test('Create whose answer breaks the TLS session (the request was delivered) is not sent again: one task, and the message says one may exist', async () => {
	const before = yunwu().createBodies.length;

	const run = await runNode({
		parameters: {
			operation: 'create',
			model: 'veo3',
			prompt: 'x',
			waitForCompletion: false,
			options: { timeout: 1.5 },
		},
		credentials: { apiKey: yunwu().apiKey, baseUrl: frontUrl },
	});

	expect(yunwu().createBodies.length - before).toBe(1);
	expect(run.error?.message).toBe(
		`Could not reach Yunwu at ${frontUrl} for the create request for model "veo3": the secure (TLS) connection failed. Check the Base URL in your Yunwu API credential and the network, then retry. The task may still have been created: check the task list in your Yunwu dashboard before running this node again (it was not retried, to avoid paying twice).`,
	);
});
