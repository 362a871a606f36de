import { freePort } from '../support/real-n8n/n8n';
import { testCredential, useYunwuServer } from '../support/harness/n8n';

const yunwu = useYunwuServer();

test('a valid key passes the credential test, proven by a request to the API with the Bearer key', async () => {
	const before = yunwu().log.length;
	const result = await testCredential({ apiKey: yunwu().apiKey, baseUrl: `${yunwu().apiUrl}/` });
	expect(result).toEqual({ status: 'OK', message: 'Connection successful!' });
	expect(
		yunwu()
			.log.slice(before)
			.map((entry) => [entry.path, entry.authorization]),
	).toEqual([['/v1/models', `Bearer ${yunwu().apiKey}`]]);
});

test('a wrong key fails the test with a message a person understands', async () => {
	const result = await testCredential({ apiKey: 'sk-wrong', baseUrl: yunwu().apiUrl });
	expect(result).toEqual({
		status: 'Error',
		message:
			'Yunwu rejected this API key (HTTP 401). Copy the key again from your Yunwu dashboard.',
	});
});

describe('a wrong Base URL fails the test with the words the node uses, naming the address', () => {
	const testWith = async (baseUrl: string) =>
		await testCredential({ apiKey: yunwu().apiKey, baseUrl });

	const checkNetwork =
		'Check the Base URL in your Yunwu API credential and the network, then retry.';

	test.each<[string, () => string | Promise<string>, (baseUrl: string) => string]>([
		[
			'nothing listening',
			async () => `http://127.0.0.1:${await freePort()}`,
			(baseUrl) =>
				`Could not reach Yunwu at ${baseUrl} for the credential test: the connection was refused. ${checkNetwork}`,
		],
		[
			'an unknown host',
			() => 'http://yunwu-typo.invalid',
			(baseUrl) =>
				`Could not reach Yunwu at ${baseUrl} for the credential test: the host name was not found. ${checkNetwork}`,
		],
		[
			'a path that the API does not have',
			() => `${yunwu().apiUrl}/api`,
			(baseUrl) =>
				`Yunwu has no such API address (HTTP 404: Invalid URL (GET /api/v1/models) (invalid_request_error)) for the credential test. Check that the Base URL in your Yunwu API credential (${baseUrl}) is the API address, such as https://yunwu.ai, with no path.`,
		],
		[
			'not a web address',
			() => 'ftp://yunwu.ai',
			() =>
				'The Base URL in your Yunwu API credential is not a web address. Enter the API address, such as https://yunwu.ai.',
		],
	])('%s', async (_case, baseUrlOf, messageFor) => {
		const baseUrl = await baseUrlOf();
		expect(await testWith(baseUrl)).toEqual({ status: 'Error', message: messageFor(baseUrl) });
	});

	test('an address without a scheme is asked over https, and the message says so', async () => {
		const { host } = new URL(yunwu().apiUrl);
		const before = yunwu().log.length;

		const result = await testWith(host);

		// The local server speaks only http, so the https request fails in its handshake.
		expect(result).toEqual({
			status: 'Error',
			message: `Could not reach Yunwu at https://${host} for the credential test: the secure (TLS) connection failed. ${checkNetwork}`,
		});
		expect(yunwu().log.slice(before)).toEqual([]);
	});
});
