import { createHash } from 'node:crypto';

import { credentialsFor, runNode, useBinaryDataMode } from '../harness/n8n';
import { fileSha256, YunwuServer } from '../server/yunwu-server';

// n8n's "default" binary mode keeps files in memory as base64 (n8n 1.x's default, and the mode
// of small self-hosted setups): the video must arrive whole there too, and a short one be caught.
let server: YunwuServer;
beforeAll(async () => {
	await useBinaryDataMode('default');
	server = await new YunwuServer().start();
});
afterAll(async () => await server.stop());

test('the video arrives whole as inline binary data', async () => {
	const id = server.addTask({ id: 'grok:inline', end: 'completed', video: { size: 123_457 } });
	const run = await runNode({
		parameters: { operation: 'waitUntilComplete', taskId: id, options: { pollInterval: 0.02 } },
		credentials: credentialsFor(server),
	});
	const video = run.items![0].binary!.data;
	expect(video.id).toBeUndefined();
	const bytes = Buffer.from(video.data, 'base64');
	expect(bytes.length).toBe(123_457);
	expect(createHash('sha256').update(bytes).digest('hex')).toBe(fileSha256(server.videoOf(id)));
});

test('a truncated download is retried in memory mode as well', async () => {
	const id = server.addTask({ id: 'grok:inline-short', end: 'completed', video: { size: 80_000 } });
	server.videoOf(id).faults.push({ type: 'truncate', fraction: 0.3 });
	const run = await runNode({
		parameters: { operation: 'waitUntilComplete', taskId: id, options: { pollInterval: 0.02 } },
		credentials: credentialsFor(server),
	});
	expect(Buffer.from(run.items![0].binary!.data.data, 'base64').length).toBe(80_000);
	expect(server.videoOf(id).downloads).toBe(2);
});
