/**
 * A TLS error after the secure connection was made: the create request may already have reached
 * Yunwu, so it is never sent again. The https front hands the request to the local Yunwu server,
 * then answers with bytes that are not TLS, as a broken proxy or load balancer does.
 */
import { readFileSync } from 'node:fs';
import tls from 'node:tls';

import { runNode, useYunwuServer } from '../support/harness/n8n';
import { BrokenTlsFront, TLS_FRONT_CERT } from '../support/server/tls-front';

const yunwu = useYunwuServer();
let front: BrokenTlsFront;

beforeAll(async () => {
	// Trust the front's certificate, as a system CA store would (Node reads NODE_EXTRA_CA_CERTS
	// only at start-up).
	const ca = readFileSync(TLS_FRONT_CERT);
	const realConnect = tls.connect;
	jest
		.spyOn(tls, 'connect')
		.mockImplementation(((options: tls.ConnectionOptions) =>
			realConnect({ ...options, ca })) as typeof tls.connect);
	front = await new BrokenTlsFront(yunwu().apiUrl).start();
});

afterAll(async () => {
	jest.restoreAllMocks();
	await front.stop();
});

/** One Create (model veo3) through `baseUrl`, not waited on. */
const createThrough = async (baseUrl: string) =>
	await runNode({
		parameters: {
			operation: 'create',
			model: 'veo3',
			prompt: 'x',
			waitForCompletion: false,
			options: { timeout: 1.5 },
		},
		credentials: { apiKey: yunwu().apiKey, baseUrl },
	});

test('Create whose answer breaks the TLS session (the request was delivered) is not sent again: one task, and the message says one may exist', async () => {
	const before = yunwu().createBodies.length;

	const run = await createThrough(front.url);

	expect(yunwu().createBodies.length - before).toBe(1);
	expect(run.error?.message).toBe(
		`Could not reach Yunwu at ${front.url} for the create request for model "veo3": the secure (TLS) connection failed. Check the Base URL in your Yunwu API credential and the network, then retry. The task may still have been created: check the task list in your Yunwu dashboard before running this node again (it was not retried, to avoid paying twice).`,
	);
});

test('Create whose server asks, once the request was delivered, for a new TLS handshake with a certificate Node refuses is not sent again: a certificate code does not prove nothing was sent', async () => {
	const renegotiating = await new BrokenTlsFront(yunwu().apiUrl, 'untrustedCertificate').start();
	try {
		const before = yunwu().createBodies.length;

		const run = await createThrough(renegotiating.url);

		expect(yunwu().createBodies.length - before).toBe(1);
		expect(run.error?.message).toBe(
			`Could not reach Yunwu at ${renegotiating.url} for the create request for model "veo3": its TLS certificate was not accepted. Check the Base URL in your Yunwu API credential and the network, then retry. The task may still have been created: check the task list in your Yunwu dashboard before running this node again (it was not retried, to avoid paying twice).`,
		);
	} finally {
		await renegotiating.stop();
	}
});
