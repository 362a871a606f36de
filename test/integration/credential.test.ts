import { testCredential, useBinaryDataMode } from '../harness/n8n';
import { YunwuServer } from '../server/yunwu-server';

let server: YunwuServer;
beforeAll(async () => {
	await useBinaryDataMode('filesystem');
	server = await new YunwuServer().start();
});
afterAll(async () => await server.stop());

test('a valid key passes the credential test, proven by a request to the API with the Bearer key', async () => {
	const before = server.log.length;
	const result = await testCredential({ apiKey: server.apiKey, baseUrl: `${server.apiUrl}/` });
	expect(result).toEqual({ status: 'OK', message: 'Connection successful!' });
	expect(server.log.slice(before).map((entry) => [entry.path, entry.authorization])).toEqual([
		['/v1/models', `Bearer ${server.apiKey}`],
	]);
});

test('a wrong key fails the test with a message a person understands', async () => {
	const result = await testCredential({ apiKey: 'sk-wrong', baseUrl: server.apiUrl });
	expect(result).toEqual({
		status: 'Error',
		message: 'Yunwu rejected this API key (HTTP 401). Copy the key again from your Yunwu dashboard.',
	});
});

test('an unreachable base URL fails the test', async () => {
	const result = await testCredential({ apiKey: server.apiKey, baseUrl: 'http://127.0.0.1:9' });
	expect(result.status).toBe('Error');
});
