import { statSync } from 'node:fs';
import { Container } from '@n8n/di';
import { BinaryDataService } from 'n8n-core';

import { credentialsFor, runNode, useYunwuServer } from '../support/harness/n8n';

const SIZE = 1024 * 1024 * 1024;

const yunwu = useYunwuServer();

test(`a ${SIZE / 1024 / 1024} MiB video is streamed to disk in filesystem mode without being held in memory`, async () => {
	const id = yunwu().addTask({ id: 'veo3:large', end: 'completed', video: { size: SIZE } });
	global.gc?.();
	const baseline = process.memoryUsage().rss;
	let peak = baseline;
	const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);

	const run = await runNode({
		parameters: {
			operation: 'waitUntilComplete',
			taskId: id,
			options: { pollInterval: 0.02, requestTimeout: 10 },
		},
		credentials: credentialsFor(yunwu()),
	});
	clearInterval(sampler);

	const video = run.items![0].binary!.data;
	expect(video.bytes).toBe(SIZE);
	expect(statSync(await Container.get(BinaryDataService).getPath(video.id!)).size).toBe(SIZE);
	const growthMiB = (peak - baseline) / 1024 / 1024;
	console.log(
		`peak RSS growth while downloading ${SIZE / 1024 / 1024} MiB: ${growthMiB.toFixed(1)} MiB`,
	);
	// Buffering would cost at least the file's size; streaming costs a few socket and file buffers.
	expect(growthMiB).toBeLessThan(128);
}, 120_000);
