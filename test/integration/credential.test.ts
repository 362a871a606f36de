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

test('an unreachable base URL fails the test', async () => {
	const result = await testCredential({ apiKey: yunwu().apiKey, baseUrl: 'http://127.0.0.1:9' });
	expect(result.status).toBe('Error');
});
