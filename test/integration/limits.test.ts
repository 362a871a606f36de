/**
 * Every wait ends within what the user set: Retry-After, a Base URL that never answers, redirects,
 * and the Timeout itself, through n8n-core against the local Yunwu server.
 */
import type { IDataObject } from 'n8n-workflow';

import { itemsWithIds, runNode, useYunwuServer } from '../harness/n8n';
import type { TaskScript } from '../server/yunwu-server';

const yunwu = useYunwuServer();

let counter = 0;
const newTask = (script: Omit<TaskScript, 'id'>) => yunwu().addTask({ id: `grok:l${++counter}`, ...script });

function waitFor(ids: string[], options: IDataObject, baseUrl = yunwu().apiUrl) {
	return runNode({
		parameters: { operation: 'waitUntilComplete', taskId: '={{ $json.id }}', options, downloadVideo: false },
		items: itemsWithIds(ids),
		credentials: { apiKey: yunwu().apiKey, baseUrl },
	});
}

describe('an API redirect of any kind ends the wait at once, naming only where it points', () => {
	// An absolute Location on another origin: see query.test.ts.
	test.each<[number, (apiUrl: string, fileUrl: string) => string | undefined, (apiUrl: string, fileUrl: string) => string]>([
		[301, (_api, files) => `${files.replace('http:', '')}/v1/video/query?token=secret`, (_api, files) => `(HTTP 301 to ${files}), which the node does not follow so your key stays with Yunwu. Put the address it redirects to into the Base URL of your Yunwu API credential.`],
		[302, () => '/api/v1/video/query?token=secret', (api) => `(HTTP 302 to another path on ${api}), which the node does not follow.`],
		[303, () => undefined, () => '(HTTP 303 that names no valid address), which the node does not follow.'],
		[307, () => 'ftp://files.example/secret/video.mp4', () => '(HTTP 307 to a "ftp:" address), which is not a web address and is not followed.'],
		[308, (api) => `${api}/v1/video/query`, (api) => `(HTTP 308 back to the same address on ${api}), a redirect loop, which the node does not follow.`],
	])('HTTP %i', async (code, location, words) => {
		const { apiUrl, fileUrl } = yunwu();
		const target = location(apiUrl, fileUrl);
		const id = newTask({ processingPolls: 1000, faults: [{ type: 'status', code, headers: target === undefined ? {} : { Location: target } }] });
		const filesBefore = yunwu().fileRequests().length;
		const startedAt = Date.now();

		const run = await waitFor([id], { pollInterval: 5, timeout: 60 });

		// Sooner than a retry could come (the poll interval is 5 s).
		expect(Date.now() - startedAt).toBeLessThan(3000);
		expect(run.error?.message).toContain(`The Base URL answered task "${id}" with a redirect ${words(apiUrl, fileUrl)}`);
		expect(run.error?.message).not.toMatch(/secret|token/);
		if (code !== 301) {
			expect(run.error?.message).toMatch(/Check that the Base URL in your Yunwu API credential \(http:\/\/127\.0\.0\.1:\d+\) is the API address, such as https:\/\/yunwu\.ai, with no path\.$/);
		}
		expect(yunwu().apiRequests(id)).toHaveLength(1);
		expect(yunwu().fileRequests().length).toBe(filesBefore);
	});
});
