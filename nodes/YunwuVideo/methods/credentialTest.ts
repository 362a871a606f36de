import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	INodeCredentialTestResult,
} from 'n8n-workflow';

import { describeApiFailure } from '../actions/messages/errors';
import { NOT_A_WEB_ADDRESS, YunwuApiClient } from '../transport/apiClient';

/** The Test button waits for the answer: a gateway that hangs must not keep it spinning. */
const CREDENTIAL_TEST_TIMEOUT_MS = 15_000;

/**
 * The Yunwu API credential's test (the node names it in `testedBy`): lists the key's models,
 * which needs a valid key and nothing else, so it proves the key without touching a task. It runs
 * the node's own client, so a wrong Base URL is worded as the node words it (unreachable, unknown
 * host, no such route, a redirect and where it points) instead of n8n's bare codes.
 */
export async function yunwuApiTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const client = YunwuApiClient.forCredentialTest(this, credential.data ?? {});
	if (!client) return { status: 'Error', message: NOT_A_WEB_ADDRESS };
	const result = await client.listModels(CREDENTIAL_TEST_TIMEOUT_MS);
	if (result.ok) return { status: 'OK', message: 'Connection successful!' };
	const { failure } = result;
	switch (failure.kind) {
		case 'unauthorized':
			return {
				status: 'Error',
				message: `Yunwu rejected this API key (HTTP ${failure.httpCode}). Copy the key again from your Yunwu dashboard.`,
			};
		case 'forbidden':
			return {
				status: 'Error',
				message: `Yunwu refused this API key (HTTP ${failure.httpCode}). Check that the key is enabled and has balance.`,
			};
		default:
			return {
				status: 'Error',
				message: describeApiFailure(failure, 'the credential test', client.shownBaseUrl),
			};
	}
}
