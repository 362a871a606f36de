/**
 * The key never leaves the Base URL's origin: a Base URL that redirects to another origin (here
 * the real API, which would accept the key and answer) gets no request through, from the
 * credential test or from any operation, and the user is told the Base URL redirects.
 */
import {
	everythingSaid,
	itemsWithIds,
	runNode,
	testCredential,
	useYunwuServer,
	type NodeRun,
} from '../support/harness/n8n';
import { REDIRECT_TOKEN, Redirector } from '../support/server/redirector';

const yunwu = useYunwuServer();

let redirector: Redirector;
beforeAll(async () => {
	redirector = await new Redirector(() => yunwu().apiUrl).start();
});
afterAll(async () => await redirector?.stop());

const credentials = () => ({ apiKey: yunwu().apiKey, baseUrl: redirector.url });

/** What a node message says for a redirect of `status`, for `subject`: it names the target's origin only. */
const redirectMessage = (subject: string, status: number) =>
	`The Base URL answered ${subject} with a redirect (HTTP ${status} to ${yunwu().apiUrl}), which the node does not follow so your key stays with Yunwu. Put the address it redirects to into the Base URL of your Yunwu API credential.`;

/** Runs `act` and checks the redirect target (another origin) received nothing at all, so never the key. */
async function targetUntouched<T>(act: () => Promise<T>): Promise<T> {
	const before = yunwu().log.length;
	const asked = redirector.log.length;
	const result = await act();
	expect(yunwu().log.slice(before)).toEqual([]);
	// The Base URL itself was asked, with the key: it is the origin the key belongs to.
	expect(redirector.log.slice(asked).map((entry) => entry.authorization)).toEqual([
		`Bearer ${yunwu().apiKey}`,
	]);
	return result;
}

function expectNothingLeaked(run: NodeRun): void {
	expect(everythingSaid(run)).not.toContain(REDIRECT_TOKEN);
	expect(everythingSaid(run)).not.toContain(yunwu().apiKey);
}

let counter = 0;
const newTask = () =>
	yunwu().addTask({ id: `grok:origin-${++counter}`, end: 'completed', video: { size: 1024 } });

describe.each([301, 302, 303, 307, 308])(
	'a Base URL answering %i with a redirect to another origin',
	(status) => {
		beforeEach(() => {
			redirector.status = status;
		});

		test('the credential test does not follow it, fails, and says where the Base URL redirects (origin only)', async () => {
			const result = await targetUntouched(() => testCredential(credentials()));

			expect(result).toEqual({
				status: 'Error',
				message: redirectMessage('the credential test', status),
			});
			expect(JSON.stringify(result)).not.toContain(REDIRECT_TOKEN);
		});

		test('Query does not follow it; the error names where it points (origin only)', async () => {
			const id = newTask();
			const run = await targetUntouched(() =>
				runNode({
					parameters: { operation: 'query', taskId: '={{ $json.id }}' },
					items: itemsWithIds([id]),
					credentials: credentials(),
				}),
			);

			expect(run.error?.message).toBe(redirectMessage(`task "${id}"`, status));
			expectNothingLeaked(run);
		});

		test('Wait Until Complete does not follow it and ends the item at once', async () => {
			const id = newTask();
			const run = await targetUntouched(() =>
				runNode({
					parameters: {
						operation: 'waitUntilComplete',
						taskId: '={{ $json.id }}',
						options: { pollInterval: 0.02, timeout: 5, requestTimeout: 1 },
					},
					items: itemsWithIds([id]),
					credentials: credentials(),
				}),
			);

			expect(run.error?.message).toBe(redirectMessage(`task "${id}"`, status));
			expectNothingLeaked(run);
		});

		test('Create does not follow it: no task is created, and the error says why', async () => {
			const created = yunwu().createBodies.length;
			const run = await targetUntouched(() =>
				runNode({
					parameters: {
						operation: 'create',
						model: 'veo3.1-fast',
						prompt: 'A cat',
						waitForCompletion: false,
					},
					credentials: credentials(),
				}),
			);

			expect(run.error?.message).toBe(
				redirectMessage('the create request for model "veo3.1-fast"', status),
			);
			expect(yunwu().createBodies.length).toBe(created);
			expectNothingLeaked(run);
		});
	},
);
