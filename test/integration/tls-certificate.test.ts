/**
 * A Base URL whose certificate Node refuses: the handshake failed before the create request was
 * sent, so no task was created; the request is tried again within Timeout, and the message names
 * the certificate.
 */
import { runNode, useYunwuServer } from '../support/harness/n8n';
import { UNTRUSTED_CERTIFICATES, UntrustedTlsHost } from '../support/server/tls-host';

const yunwu = useYunwuServer();

test.each(Object.keys(UNTRUSTED_CERTIFICATES) as Array<keyof typeof UNTRUSTED_CERTIFICATES>)(
	'Create on a Base URL whose certificate Node refuses with %s is retried within Timeout, and the message says no task was created',
	async (code) => {
		const host = await new UntrustedTlsHost(code).start();
		try {
			// Attempts 1 s apart, then 2 s: a Timeout of 1.5 s leaves room for the second attempt only.
			const run = await runNode({
				parameters: {
					operation: 'create',
					model: 'veo3',
					prompt: 'x',
					waitForCompletion: false,
					options: { timeout: 1.5 },
				},
				credentials: { apiKey: yunwu().apiKey, baseUrl: host.url },
			});

			expect(host.connections).toBe(2);
			expect(run.error?.message).toBe(
				`Could not reach Yunwu at ${host.url} for the create request for model "veo3": its TLS certificate was not accepted. Check the Base URL in your Yunwu API credential and the network, then retry. No task was created.`,
			);
		} finally {
			await host.stop();
		}
	},
);
