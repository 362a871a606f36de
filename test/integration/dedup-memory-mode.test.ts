import { createHash } from 'node:crypto';

import { credentialsFor, itemsWithIds, runNode, useYunwuServer } from '../support/harness/n8n';
import { fileSha256 } from '../support/server/yunwu-server';

// In n8n's in-memory `default` binary mode the shared download is inline base64: every item of
// the task must still carry the whole video, in a binary entry of its own.
const yunwu = useYunwuServer('default');

test('items of one task share one download, and each carries the whole inline video', async () => {
	const id = yunwu().addTask({
		id: 'grok:inline-shared',
		processingPolls: 1,
		end: 'completed',
		video: { size: 90_001 },
	});

	const run = await runNode({
		parameters: {
			operation: 'waitUntilComplete',
			taskId: '={{ $json.id }}',
			options: { pollInterval: 0.02 },
		},
		items: itemsWithIds([id, id, id]),
		credentials: credentialsFor(yunwu()),
	});

	expect(yunwu().videoOf(id).downloads).toBe(1);
	expect(yunwu().apiRequests(id)).toHaveLength(2);
	for (const [index, item] of run.items!.entries()) {
		expect(item.pairedItem).toEqual({ item: index });
		const video = item.binary!.data;
		expect(video.id).toBeUndefined();
		expect(createHash('sha256').update(Buffer.from(video.data, 'base64')).digest('hex')).toBe(
			fileSha256(yunwu().videoOf(id)),
		);
	}
	run.items![0].binary!.data.data = '';
	expect(Buffer.from(run.items![1].binary!.data.data, 'base64').length).toBe(90_001);
});
