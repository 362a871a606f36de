/**
 * n8n 2.x's SSRF protection (@n8n/backend-network, applied by n8n-core's request helpers) with the
 * file host's address blocked and the API's allowed: a link to a blocked address is refused
 * before any request, and the item says so in one line, without retrying.
 */
import {
	credentialsFor,
	everythingSaid,
	itemsWithIds,
	runNode,
	useYunwuServer,
} from '../support/harness/n8n';
import { Redirector } from '../support/server/redirector';

// Read by n8n's configuration when its request layer first starts, which is in the first test.
Object.assign(process.env, {
	N8N_SSRF_PROTECTION_ENABLED: 'true',
	// The default blocked ranges (all of 127.0.0.0/8 among them), with the API's address (and a
	// redirecting host's) allowed: the file host, 127.0.0.2, stays blocked.
	N8N_SSRF_ALLOWED_IP_RANGES: '127.0.0.1/32,127.0.0.3/32',
});

const yunwu = useYunwuServer();

let redirector: Redirector;
beforeAll(async () => {
	redirector = await new Redirector(() => yunwu().fileUrl).start();
});
afterAll(async () => await redirector?.stop());

let counter = 0;
const newTask = (thumbnail = false) =>
	yunwu().addTask({
		id: `grok:ssrf-${++counter}`,
		end: 'completed',
		video: { size: 2048 },
		thumbnail,
	});

const FAST = { pollInterval: 0.02, timeout: 5, requestTimeout: 1, downloadAttempts: 3 };

const waitFor = (id: string) =>
	runNode({
		parameters: { operation: 'waitUntilComplete', taskId: '={{ $json.id }}', options: FAST },
		items: itemsWithIds([id]),
		credentials: credentialsFor(yunwu()),
		continueOnFail: true,
	});

const blockedVideo = (id: string) =>
	`The video of task "${id}" was not downloaded: its address (127.0.0.2) is blocked by this n8n instance's SSRF protection. If you trust that file host, ask your n8n administrator to allow it, or turn off Download Video to output the task without it.`;

test('Wait Until Complete: a video on a blocked address is refused before any request, once, with a one-line message', async () => {
	const id = newTask();
	const before = yunwu().fileRequests().length;

	const run = await waitFor(id);

	expect(run.items![0].json.error).toBe(blockedVideo(id));
	expect(run.items![0].json.task_id).toBe(id);
	expect(yunwu().fileRequests().length).toBe(before);
	// The API, allowed, answered as usual.
	expect(yunwu().apiRequests(id).length).toBeGreaterThan(0);
	expect(everythingSaid(run)).not.toContain(yunwu().apiKey);
});

test('a video link on an allowed host that redirects to a blocked address is refused at the redirect', async () => {
	const id = newTask();
	const { script, video } = yunwu().task(id);
	script.extraFields = { video_url: `${redirector.url}${video!.path}` };
	const [asked, before] = [redirector.log.length, yunwu().fileRequests().length];

	const run = await waitFor(id);

	expect(run.items![0].json.error).toBe(blockedVideo(id));
	expect(redirector.log.slice(asked).map((entry) => entry.path)).toEqual([video!.path]);
	expect(yunwu().fileRequests().length).toBe(before);
});

test('Query: a blocked thumbnail is named as such in thumbnail_error, and the item is still delivered', async () => {
	const id = newTask(true);

	const run = await runNode({
		parameters: {
			operation: 'query',
			taskId: '={{ $json.id }}',
			downloadVideo: false,
			options: { downloadThumbnail: true },
		},
		items: itemsWithIds([id]),
		credentials: credentialsFor(yunwu()),
	});

	expect(run.error).toBeUndefined();
	expect(run.items![0].binary).toBeUndefined();
	expect(run.items![0].json.thumbnail_error).toBe(
		`The thumbnail of task "${id}" was not downloaded: its address (127.0.0.2) is blocked by this n8n instance's SSRF protection. If you trust that file host, ask your n8n administrator to allow it, or turn off Download Thumbnail to output the task without it.`,
	);
});

test('a Base URL on a blocked address fails at once, saying so, and Create says no task was created', async () => {
	const credentials = { apiKey: yunwu().apiKey, baseUrl: yunwu().fileUrl };

	const query = await runNode({
		parameters: { operation: 'query', taskId: 'grok:ssrf-api' },
		credentials,
	});
	const created = await runNode({
		parameters: {
			operation: 'create',
			model: 'veo3.1-fast',
			prompt: 'A cat',
			waitForCompletion: false,
		},
		credentials,
	});

	const blocked = `Could not reach Yunwu at ${yunwu().fileUrl} for %s: its address (127.0.0.2) is blocked by this n8n instance's SSRF protection. Ask your n8n administrator to allow it, or check the Base URL in your Yunwu API credential.`;
	expect(query.error?.message).toBe(blocked.replace('%s', 'task "grok:ssrf-api"'));
	expect(created.error?.message).toBe(
		blocked.replace('%s', 'the create request for model "veo3.1-fast"'),
	);
	expect(
		yunwu()
			.fileRequests()
			.filter((entry) => entry.path.startsWith('/v1/')),
	).toEqual([]);
});
