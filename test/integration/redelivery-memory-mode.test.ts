import { createHash } from 'node:crypto';

import { credentialsFor, runNode, useYunwuServer } from '../support/harness/n8n';
import { fileSha256 } from '../support/server/yunwu-server';

// n8n's in-memory `default` binary mode (n8n 1.x's default): the video is base64 inside the item.
// Retry On Fail's re-runs after a successful run must not download it again, and what is kept for
// them must not reach the execution's saved data (n8n saves the node context with the execution).
const yunwu = useYunwuServer('default');

test('Retry On Fail, Max. Tries 3: one download, the whole inline video, and the node context holds no copy of it', async () => {
	const id = yunwu().addTask({
		id: 'grok:inline-again',
		end: 'completed',
		video: { size: 70_001 },
	});

	const run = await runNode({
		parameters: { operation: 'waitUntilComplete', taskId: id, options: { pollInterval: 0.02 } },
		credentials: credentialsFor(yunwu()),
		retry: { maxTries: 3, waitBetweenTries: 10 },
	});

	expect(run.items![0].json.error).toBe('');
	expect(yunwu().videoOf(id).downloads).toBe(1);
	expect(yunwu().task(id).queries).toBe(1);
	const video = run.items![0].binary!.data;
	expect(video.id).toBeUndefined();
	const bytes = Buffer.from(video.data, 'base64');
	expect(createHash('sha256').update(bytes).digest('hex')).toBe(fileSha256(yunwu().videoOf(id)));
	expect(JSON.stringify(run.run.data.executionData?.contextData ?? {}).length).toBeLessThan(100);
});
