import { createHash } from 'node:crypto';

import { credentialsFor, runNode, useYunwuServer } from '../support/harness/n8n';
import { fileSha256 } from '../support/server/yunwu-server';

// n8n's "default" binary mode keeps files in memory as base64 (n8n 1.x's default, and the mode
// of small self-hosted setups): the video must arrive whole there too, and a short one be caught.
const yunwu = useYunwuServer('default');

test('the video arrives whole as inline binary data', async () => {
	const id = yunwu().addTask({ id: 'grok:inline', end: 'completed', video: { size: 123_457 } });
	const run = await runNode({
		parameters: { operation: 'waitUntilComplete', taskId: id, options: { pollInterval: 0.02 } },
		credentials: credentialsFor(yunwu()),
	});
	const video = run.items![0].binary!.data;
	expect(video.id).toBeUndefined();
	const bytes = Buffer.from(video.data, 'base64');
	expect(bytes.length).toBe(123_457);
	expect(createHash('sha256').update(bytes).digest('hex')).toBe(fileSha256(yunwu().videoOf(id)));
});

test('a truncated download is retried in memory mode as well', async () => {
	const id = yunwu().addTask({
		id: 'grok:inline-short',
		end: 'completed',
		video: { size: 80_000 },
	});
	yunwu().videoOf(id).faults.push({ type: 'truncate', fraction: 0.3 });
	const run = await runNode({
		parameters: { operation: 'waitUntilComplete', taskId: id, options: { pollInterval: 0.02 } },
		credentials: credentialsFor(yunwu()),
	});
	expect(Buffer.from(run.items![0].binary!.data.data, 'base64').length).toBe(80_000);
	expect(yunwu().videoOf(id).downloads).toBe(2);
});
