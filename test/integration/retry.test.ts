/**
 * n8n's Retry On Fail re-runs the whole node (n8n-core's WorkflowExecute, same execution): Create
 * must then wait on the tasks it already created instead of creating and paying for them again.
 * And every created task id reaches n8n's log, the key never does.
 */
import {
	captureN8nLogs,
	credentialsFor,
	everythingSaid,
	runNode,
	useYunwuServer,
	type NodeRun,
} from '../support/harness/n8n';

const yunwu = useYunwuServer();
let logs: ReturnType<typeof captureN8nLogs>;
beforeAll(() => {
	logs = captureN8nLogs();
});

/** Two tries, 10 ms apart (n8n's Wait Between Tries is at least 1 ms, its Max. Tries at least 2). */
const RETRY = { maxTries: 2, waitBetweenTries: 10 };
const prompts = (...texts: string[]) => texts.map((prompt) => ({ json: { prompt } }));

const createAndWait = (
	options: { items: ReturnType<typeof prompts>; continueOnFail?: boolean; retry?: typeof RETRY },
	extra: Record<string, unknown> = {},
) =>
	runNode({
		parameters: {
			operation: 'create',
			model: 'grok-video-3',
			prompt: '={{ $json.prompt }}',
			options: { pollInterval: 0.05, timeout: 0.4 },
			...extra,
		},
		credentials: credentialsFor(yunwu()),
		...options,
	});

/** The create requests the server receives from now on: their prompts, and the tasks they made. */
function createsFromNow() {
	const [requests, tasks] = [yunwu().createBodies.length, yunwu().createdTasks.length];
	return {
		prompts: () =>
			yunwu()
				.createBodies.slice(requests)
				.map((body) => body.prompt),
		taskIds: () =>
			yunwu()
				.createdTasks.slice(tasks)
				.map((task) => task.id),
	};
}

const logLines = (run: NodeRun) =>
	logs.lines().filter((line) => line.includes(`"executionId":"${run.executionId}"`));

describe('Retry On Fail: a re-run waits on the tasks already created', () => {
	test.each([
		['without Continue On Fail', false],
		// n8n also re-runs a node whose first output item is an error item.
		['with Continue On Fail', true],
	])(
		'Create + Wait whose wait times out on the first try: one create per item, the re-run delivers the videos (%s)',
		async (_name, continueOnFail) => {
			// Both ready 1.5 s after the first create: the first try gives up at 1 s, the re-run (1 s
			// more) sees them finish. Half a second either way is left for a loaded machine, which may
			// send the second create late (with each ready 0.6 s after its own create and a 0.4 s
			// Timeout, a second create 0.2 s late left it running past the re-run).
			let readyAt: number | undefined;
			yunwu().createdTaskTemplate = () => ({
				readyAt: (readyAt ??= Date.now() + 1500),
				end: 'completed',
				video: { size: 3000 },
			});
			const created = createsFromNow();

			const run = await createAndWait(
				{ items: prompts('a cat', 'a dog'), continueOnFail, retry: RETRY },
				{ options: { pollInterval: 0.05, timeout: 1 } },
			);

			expect(run.error).toBeUndefined();
			expect(created.prompts().sort()).toEqual(['a cat', 'a dog']);
			const ids = created.taskIds();
			expect(run.items!.map((item) => item.json.state)).toEqual(['completed', 'completed']);
			expect(run.items!.map((item) => item.json.task_id).sort()).toEqual([...ids].sort());
			for (const id of ids) expect(yunwu().task(id).video?.deliveredAt).toHaveLength(1);
			expect(run.items!.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
			// Both tries happened: the first one timed out.
			expect(
				logLines(run).filter((line) => line.includes('created earlier in execution')),
			).toHaveLength(2);
		},
	);

	test('n8n re-runs even a successful Create + Wait (a completed answer carries "error": ""): still one create and one download per item', async () => {
		yunwu().createdTaskTemplate = { pendingPolls: 1, end: 'completed', video: { size: 1500 } };
		const created = createsFromNow();

		const run = await createAndWait({
			items: prompts('sun', 'moon'),
			retry: { maxTries: 3, waitBetweenTries: 10 },
		});

		expect(run.error).toBeUndefined();
		expect(run.items![0].json.error).toBe('');
		expect(created.prompts().sort()).toEqual(['moon', 'sun']);
		// n8n ran the node three times: the last two output what the first delivered.
		expect(
			logLines(run).filter((line) => line.includes('outputs again what it delivered earlier')),
		).toHaveLength(4);
		expect(run.items!.map((item) => item.json.task_id).sort()).toEqual(created.taskIds().sort());
		for (const id of created.taskIds()) expect(yunwu().videoOf(id).downloads).toBe(1);
	});

	test('Wait for Completion off: the created task is output again, the refused item is sent again (nothing was created for it)', async () => {
		let creates = 0;
		yunwu().createdTaskTemplate = () => {
			// Item 0's task is created; the next request (item 1's) is refused once: a 400 creates nothing.
			if (++creates === 1)
				yunwu().createFaults.push({
					type: 'status',
					code: 400,
					body: '{"error":{"message":"busy"}}',
				});
			return { pendingPolls: 1, end: 'completed' };
		};
		const created = createsFromNow();

		const run = await runNode({
			parameters: {
				operation: 'create',
				model: 'veo3',
				prompt: '={{ $json.prompt }}',
				waitForCompletion: false,
				options: { maxConcurrent: 1 },
			},
			items: prompts('first', 'second'),
			credentials: credentialsFor(yunwu()),
			retry: RETRY,
		});

		expect(run.error).toBeUndefined();
		expect(created.prompts()).toEqual(['first', 'second', 'second']);
		const ids = created.taskIds();
		expect(run.items!.map((item) => [item.json.task_id, item.json.state])).toEqual([
			[ids[0], 'pending'],
			[ids[1], 'pending'],
		]);
	});

	test('a create that may have created a task (502) is not sent again by the re-run; a new execution may send it', async () => {
		const created = createsFromNow();
		yunwu().createFaults.push({ type: 'gatewayPage', code: 502 });

		const run = await createAndWait({
			items: prompts('only once'),
			retry: { maxTries: 3, waitBetweenTries: 10 },
		});

		expect(created.prompts()).toEqual(['only once']);
		expect(run.error?.message).toMatch(/^Yunwu's gateway answered with an error page \(HTTP 502\)/);
		expect(run.error?.message).toMatch(
			/check the task list in your Yunwu dashboard before running this node again \(it was not retried, to avoid paying twice\)\. It was not sent again when n8n re-ran the node \(Retry On Fail\)\.$/,
		);
		expect(logLines(run).filter((line) => line.includes('may have created a task'))).toHaveLength(
			1,
		);

		// Another execution (the user's own new run, after checking the dashboard) sends it.
		const again = await createAndWait({ items: prompts('only once'), retry: RETRY });
		expect(again.error).toBeUndefined();
		expect(created.prompts()).toEqual(['only once', 'only once']);
	});

	/** Additional Body Fields with a seed drawn anew on every try, as a generation pipeline sets one. */
	const RANDOM_SEED = { additionalFields: '={{ JSON.stringify({ seed: Math.random() }) }}' };

	test('a random seed in the request: the re-run still waits on the task the timed-out try created, and does not send again one that may exist', async () => {
		yunwu().createdTaskTemplate = { readyAfterMs: 600, end: 'completed', video: { size: 3000 } };
		const timedOut = createsFromNow();
		const run = await createAndWait({ items: prompts('a seed'), retry: RETRY }, RANDOM_SEED);

		expect(run.error).toBeUndefined();
		expect(timedOut.taskIds()).toHaveLength(1);
		expect(run.items!.map((item) => item.json.task_id)).toEqual(timedOut.taskIds());

		const uncertain = createsFromNow();
		yunwu().createFaults.push({ type: 'gatewayPage', code: 502 });
		const once = await createAndWait(
			{ items: prompts('a seed'), retry: { maxTries: 3, waitBetweenTries: 10 } },
			RANDOM_SEED,
		);
		expect(uncertain.prompts()).toHaveLength(1);
		expect(once.error?.message).toMatch(/It was not sent again when n8n re-ran the node/);
	});

	test('a task that failed on Yunwu is replaced by the re-run, while the timed-out one is waited on', async () => {
		let doomedCreates = 0;
		yunwu().createdTaskTemplate = (body) =>
			body.prompt !== 'doomed'
				? { readyAfterMs: 600, end: 'completed', video: { size: 2000 } }
				: ++doomedCreates === 1
					? { processingPolls: 1, end: 'failed', failure: 'upstream overloaded' }
					: { processingPolls: 1, end: 'completed', video: { size: 1000 } };
		const created = createsFromNow();

		// The first try ends when "doomed" fails, "slow" still running; no Timeout may end a try first,
		// however slowly a loaded machine runs (with 0.4 s, "slow" timed out before "doomed" failed).
		const run = await createAndWait(
			{ items: prompts('doomed', 'slow'), retry: RETRY },
			{ options: { pollInterval: 0.05, timeout: 30 } },
		);

		expect(run.error).toBeUndefined();
		expect(created.prompts().sort()).toEqual(['doomed', 'doomed', 'slow']);
		expect(run.items!.map((item) => item.json.state)).toEqual(['completed', 'completed']);
	});
});

describe("n8n's log: every created task id, the waits' state changes, never the key", () => {
	test('info: the task id, item, model and execution the moment it is created; debug: pending → processing → completed and faults', async () => {
		yunwu().createdTaskTemplate = () => ({
			pendingPolls: 1,
			processingPolls: 1,
			end: 'completed',
			faults: [{ type: 'gatewayPage', code: 502 }],
		});

		const run = await createAndWait(
			{ items: prompts('a fox', 'an owl') },
			{ options: { pollInterval: 0.02 } },
		);

		expect(run.error).toBeUndefined();
		const lines = logLines(run);
		const parsed = lines.map(
			(line) =>
				JSON.parse(line) as { level: string; message: string; metadata: Record<string, unknown> },
		);
		for (const item of run.items!) {
			const taskId = String(item.json.task_id);
			const itemIndex = (item.pairedItem as { item: number }).item;
			const about = parsed
				.filter((line) => line.metadata.taskId === taskId)
				.map((line) => [line.level, line.message]);
			expect(about).toEqual([
				[
					'info',
					`Yunwu Video: created task "${taskId}" for item ${itemIndex} (model grok-video-3, execution ${run.executionId}, node "Yunwu Video")`,
				],
				[
					'debug',
					expect.stringMatching(
						new RegExp(
							`^Yunwu Video: a query of task "${taskId}" \\(item ${itemIndex}\\) failed: Yunwu's gateway answered with an error page \\(HTTP 502\\)`,
						),
					),
				],
				[
					'debug',
					`Yunwu Video: task "${taskId}" (item ${itemIndex}) is pending (status "pending")`,
				],
				[
					'debug',
					`Yunwu Video: task "${taskId}" (item ${itemIndex}) went from pending to processing (status "processing")`,
				],
				[
					'debug',
					`Yunwu Video: task "${taskId}" (item ${itemIndex}) went from processing to completed (status "completed")`,
				],
			]);
			expect(parsed.find((line) => line.metadata.taskId === taskId)?.metadata).toMatchObject({
				itemIndex,
				model: 'grok-video-3',
				executionId: run.executionId,
			});
		}
		// n8n-core's own lines about this run are captured too, and none of the lines holds the key.
		expect(
			logs.lines().some((line) => line.includes('Running node \\"Yunwu Video\\" started')),
		).toBe(true);
		expect(logs.lines().join('\n')).not.toContain(yunwu().apiKey);
	});
});

describe('A gateway that echoes the key', () => {
	test("a 500 whose message repeats the Authorization header: the key reaches neither the error item, its details, nor n8n's log", async () => {
		const key = yunwu().apiKey;
		const echo = {
			type: 'status',
			code: 500,
			body: JSON.stringify({ error: { message: `upstream refused Authorization: Bearer ${key}` } }),
		} as const;
		yunwu().createFaults.push(echo, echo);

		const run = await createAndWait({ items: prompts('echo'), retry: RETRY });
		const continued = await runNode({
			parameters: {
				operation: 'create',
				model: 'grok-video-3',
				prompt: 'echo',
				waitForCompletion: false,
			},
			credentials: credentialsFor(yunwu()),
			continueOnFail: 'errorOutput',
		});

		expect(run.error?.message).toMatch(/upstream refused Authorization: Bearer \[API key\]/);
		expect(everythingSaid(run)).not.toContain(key);
		expect(logLines(run).join('\n')).not.toContain(key);
		expect(continued.errorItems?.[0].json.error).toMatch(
			/upstream refused Authorization: Bearer \[API key\]/,
		);
		expect(JSON.stringify(continued)).not.toContain(key);
	});
});
