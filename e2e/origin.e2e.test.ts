/**
 * The key never leaves the Base URL's origin, and a mirror's links cannot reach what the instance
 * blocks, in real n8n: a Base URL that redirects to another origin, in a workflow run with
 * `n8n execute` and in the credential test through n8n's editor API (`POST /rest/credentials/test`,
 * as the editor's Test button calls it), on both release lines, where the test also words a
 * wrong key and a wrong Base URL as the node does; and n8n 2.x's SSRF protection refusing a video
 * link on a blocked address.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';

import { Redirector, REDIRECT_TOKEN } from '../test/support/server/redirector';
import { YunwuServer } from '../test/support/server/yunwu-server';
import {
	executeWorkflow,
	freePort,
	importIntoN8n,
	installN8n,
	makeUserFolder,
	n8nEnv,
	nodeOutput,
	packPackage,
	startN8n,
	stopN8n,
	type N8nInstall,
} from '../test/support/real-n8n/n8n';
import {
	chain,
	credential,
	manualTrigger,
	taskIds,
	yunwuVideo,
} from '../test/support/real-n8n/workflows';

const LINES = (process.env.N8N_E2E_LINES ?? '2,1').split(',').map((line) => Number(line) as 1 | 2);
const OWNER = {
	email: 'owner@example.com',
	firstName: 'Ada',
	lastName: 'Lovelace',
	password: 'Yunwu-e2e-Passw0rd',
};

let tarball: string;
beforeAll(() => {
	tarball = packPackage();
});

/** Sets up n8n's owner, signs in, and returns a POST to n8n's editor API as that owner. */
async function signIn(
	url: string,
): Promise<(path: string, body: unknown) => Promise<{ status: number; json: { data?: unknown } }>> {
	// n8n ties its session cookie to the browser's id, sent as a header with every request.
	const browserId = randomUUID();
	let cookie = '';
	const post = async (path: string, body: unknown) => {
		const response = await fetch(`${url}/rest${path}`, {
			method: 'POST',
			headers: {
				'Content-Type': 'application/json',
				'browser-id': browserId,
				...(cookie ? { Cookie: cookie } : {}),
			},
			body: JSON.stringify(body),
		});
		return {
			status: response.status,
			json: (await response.json()) as { data?: unknown },
			cookies: response.headers.getSetCookie(),
		};
	};
	expect((await post('/owner/setup', OWNER)).status).toBe(200);
	const login = await post('/login', {
		emailOrLdapLoginId: OWNER.email,
		email: OWNER.email,
		password: OWNER.password,
	});
	expect(login.status).toBe(200);
	cookie = login.cookies.map((entry) => entry.split(';')[0]).join('; ');
	return post;
}

/**
 * For a describe block: the pinned n8n of `line` with the packed package in a fresh user folder,
 * and a local Yunwu server whose file host listens on another loopback address than its API.
 */
function useN8nAndYunwu(line: 1 | 2, extraEnv: Record<string, string> = {}) {
	const setup = {} as {
		install: N8nInstall;
		userFolder: string;
		env: NodeJS.ProcessEnv;
		server: YunwuServer;
	};
	beforeAll(async () => {
		setup.install = installN8n(line);
		setup.userFolder = makeUserFolder(tarball);
		setup.env = await n8nEnv(setup.install, setup.userFolder, extraEnv);
		setup.server = await new YunwuServer({ apiHost: '127.0.0.1', fileHost: '127.0.0.2' }).start();
	});
	afterAll(async () => {
		await setup.server?.stop();
		if (setup.userFolder) rmSync(setup.userFolder, { recursive: true, force: true });
	});
	return setup;
}

describe.each(LINES)('n8n %s.x: a Base URL that redirects to another origin', (line) => {
	const setup = useN8nAndYunwu(line);
	let redirector: Redirector;

	beforeAll(async () => {
		// The Base URL redirects to the real API on another origin, which would accept the key.
		redirector = await new Redirector(() => setup.server.apiUrl, '127.0.0.3').start();
		await importIntoN8n(setup.install, setup.env, 'credentials', [
			credential(setup.server.apiKey, redirector.url, 'yunwuRedirecting', 'Yunwu redirecting'),
			credential(setup.server.apiKey, setup.server.apiUrl, 'yunwuDirect', 'Yunwu direct'),
		]);
	});

	afterAll(async () => await redirector?.stop());

	test('Query (n8n execute) does not follow it: the target never sees the key, and the error names where it points', async () => {
		const id = setup.server.addTask({ id: 'grok:e2e-redirected', processingPolls: 1 });
		await importIntoN8n(setup.install, setup.env, 'workflow', [
			chain('e2eRedirected', 'E2E redirected', [
				manualTrigger(),
				taskIds([id]),
				yunwuVideo(
					{ operation: 'query' },
					{ credentials: { yunwuApi: { id: 'yunwuRedirecting', name: 'Yunwu redirecting' } } },
				),
			]),
		]);
		const asked = redirector.log.length;

		const outcome = await executeWorkflow(setup.install, setup.env, 'e2eRedirected');

		const said = `${outcome.stdout}\n${outcome.stderr}`;
		expect(said).toContain(
			`The Base URL answered task "${id}" with a redirect (HTTP 302 to ${setup.server.apiUrl}), which the node does not follow so your key stays with Yunwu.`,
		);
		expect(said).not.toContain(REDIRECT_TOKEN);
		expect(redirector.log.slice(asked).map((entry) => [entry.path, entry.authorization])).toEqual([
			['/v1/video/query', `Bearer ${setup.server.apiKey}`],
		]);
		expect(setup.server.apiRequests(id)).toEqual([]);
	});

	describe('the credential test, through the editor API', () => {
		let n8n: Awaited<ReturnType<typeof startN8n>> | undefined;
		let post: Awaited<ReturnType<typeof signIn>>;

		beforeAll(async () => {
			n8n = await startN8n(setup.install, setup.env);
			post = await signIn(n8n.url);
		});

		afterAll(async () => {
			if (n8n) await stopN8n(n8n.process);
		});

		const testCredential = async (id: string, name: string, baseUrl: string) => {
			const { status, json } = await post('/credentials/test', {
				credentials: { id, name, type: 'yunwuApi', data: { apiKey: setup.server.apiKey, baseUrl } },
			});
			expect(status).toBe(200);
			return json.data;
		};

		test('301, 302, 307, 308: not followed, the target never sees the key, and the test fails and says where it points', async () => {
			for (const status of [301, 302, 307, 308]) {
				redirector.status = status;
				const [asked, before] = [redirector.log.length, setup.server.log.length];

				const result = await testCredential(
					'yunwuRedirecting',
					'Yunwu redirecting',
					redirector.url,
				);

				expect(result).toEqual({
					status: 'Error',
					message: `The Base URL answered the credential test with a redirect (HTTP ${status} to ${setup.server.apiUrl}), which the node does not follow so your key stays with Yunwu. Put the address it redirects to into the Base URL of your Yunwu API credential.`,
				});
				// n8n asked the Base URL (the key's own origin) and went no further.
				expect(redirector.log.slice(asked)).toEqual([
					{ method: 'GET', path: '/v1/models', authorization: `Bearer ${setup.server.apiKey}` },
				]);
				expect(setup.server.log.slice(before)).toEqual([]);
				expect(JSON.stringify(result)).not.toContain(REDIRECT_TOKEN);
			}
		});

		test('the same key with the API itself as Base URL passes: the test reaches the API with the key', async () => {
			const before = setup.server.log.length;

			const result = await testCredential('yunwuDirect', 'Yunwu direct', setup.server.apiUrl);

			expect(result).toEqual({ status: 'OK', message: 'Connection successful!' });
			expect(
				setup.server.log.slice(before).map((entry) => [entry.path, entry.authorization]),
			).toEqual([['/v1/models', `Bearer ${setup.server.apiKey}`]]);
		});

		test('a wrong key fails the test', async () => {
			const { json } = await post('/credentials/test', {
				credentials: {
					id: 'yunwuDirect',
					name: 'Yunwu direct',
					type: 'yunwuApi',
					data: { apiKey: 'sk-wrong', baseUrl: setup.server.apiUrl },
				},
			});

			expect(json.data).toEqual({
				status: 'Error',
				message:
					'Yunwu rejected this API key (HTTP 401). Copy the key again from your Yunwu dashboard.',
			});
		});

		test('a wrong Base URL fails the test in the words the node uses, naming the address', async () => {
			const refusing = `http://127.0.0.1:${await freePort()}`;
			const { host } = new URL(setup.server.apiUrl);
			const checkNetwork =
				'Check the Base URL in your Yunwu API credential and the network, then retry.';
			const cases: Array<[string, string]> = [
				[
					refusing,
					`Could not reach Yunwu at ${refusing} for the credential test: the connection was refused. ${checkNetwork}`,
				],
				[
					'http://yunwu-typo.invalid',
					`Could not reach Yunwu at http://yunwu-typo.invalid for the credential test: the host name was not found. ${checkNetwork}`,
				],
				[
					`${setup.server.apiUrl}/api`,
					`Yunwu has no such API address (HTTP 404: Invalid URL (GET /api/v1/models) (invalid_request_error)) for the credential test. Check that the Base URL in your Yunwu API credential (${setup.server.apiUrl}/api) is the API address, such as https://yunwu.ai, with no path.`,
				],
				// Typed without a scheme: asked over https (the local API speaks only http), and said so.
				[
					host,
					`Could not reach Yunwu at https://${host} for the credential test: the secure (TLS) connection failed. ${checkNetwork}`,
				],
				[
					'ftp://yunwu.ai',
					'The Base URL in your Yunwu API credential is not a web address. Enter the API address, such as https://yunwu.ai.',
				],
			];
			for (const [baseUrl, message] of cases) {
				expect(await testCredential('yunwuDirect', 'Yunwu direct', baseUrl)).toEqual({
					status: 'Error',
					message,
				});
			}
		});
	});
});

// SSRF protection exists in n8n 2.x only.
(LINES.includes(2) ? describe : describe.skip)(
	"n8n 2.x: SSRF protection against a mirror's video links",
	() => {
		// The tested configuration: protection on, its default blocked ranges (private and loopback
		// networks, so the file host's 127.0.0.2), the API's address allowed.
		const setup = useN8nAndYunwu(2, {
			N8N_SSRF_PROTECTION_ENABLED: 'true',
			N8N_SSRF_ALLOWED_IP_RANGES: '127.0.0.1/32',
		});

		beforeAll(async () => {
			await importIntoN8n(setup.install, setup.env, 'credentials', [
				credential(setup.server.apiKey, setup.server.apiUrl),
			]);
		});

		test('Wait Until Complete: the video on a blocked address is refused, and the item says so in one line', async () => {
			const id = setup.server.addTask({
				id: 'grok:e2e-ssrf',
				processingPolls: 1,
				end: 'completed',
				video: { size: 4096 },
			});
			await importIntoN8n(setup.install, setup.env, 'workflow', [
				chain('e2eSsrf', 'E2E SSRF', [
					manualTrigger(),
					taskIds([id]),
					yunwuVideo(
						{ operation: 'waitUntilComplete', options: { pollInterval: 0.2, timeout: 60 } },
						{ onError: 'continueRegularOutput' },
					),
				]),
			]);

			const outcome = await executeWorkflow(setup.install, setup.env, 'e2eSsrf');

			const [item] = nodeOutput(outcome, 'Yunwu Video');
			expect(item.json).toMatchObject({
				task_id: id,
				error: `The video of task "${id}" was not downloaded: its address (127.0.0.2) is blocked by this n8n instance's SSRF protection. If you trust that file host, ask your n8n administrator to allow it, or turn off Download Video to output the task without it.`,
			});
			expect(item.binary).toBeUndefined();
			// The API, allowed, was asked; the blocked file host never was.
			expect(setup.server.apiRequests(id).length).toBeGreaterThan(0);
			expect(setup.server.fileRequests()).toEqual([]);
		});
	},
);
