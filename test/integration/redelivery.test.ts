/**
 * n8n's Retry On Fail re-runs a node even after a successful run: its first output item has a
 * `json.error` key (n8n-core's WorkflowExecute), and every completed Yunwu answer carries
 * `"error": ""`. The re-runs must output what the first try delivered, without a new query or
 * download; a Query or Wait item whose input changed between tries must not get the old output,
 * and a Create item is its paid task, served whatever its request reads on the re-run.
 */
import type { INodeExecutionData } from 'n8n-workflow';

import {
	captureN8nLogs,
	credentialsFor,
	itemsWithIds,
	runNode,
	storedSha256,
	useYunwuServer,
	type NodeRun,
	type RunOptions,
} from '../support/harness/n8n';
import { fileSha256 } from '../support/server/yunwu-server';

const yunwu = useYunwuServer();
/** n8n runs the node up to three times: the first try and two re-runs. */
const RETRY = { maxTries: 3, waitBetweenTries: 10 };
let logs: ReturnType<typeof captureN8nLogs>;
beforeAll(() => {
	logs = captureN8nLogs();
});

/** The lines of n8n's log where `run`'s items were output again instead of run again. */
const servedAgain = (run: NodeRun) =>
	logs
		.lines()
		.filter(
			(line) =>
				line.includes('outputs again what it delivered earlier') &&
				line.includes(`"executionId":"${run.executionId}"`),
		);

/** The queries and downloads (video and thumbnail) each task of `ids` has had so far. */
const trafficOf = (ids: string[]) =>
	ids.map((id) => {
		const { queries, video, thumbnail } = yunwu().task(id);
		return { queries, downloads: (video?.downloads ?? 0) + (thumbnail?.downloads ?? 0) };
	});

/** The traffic of each task between two `trafficOf` counts. */
const between = (before: ReturnType<typeof trafficOf>, after: ReturnType<typeof trafficOf>) =>
	after.map(({ queries, downloads }, at) => ({
		queries: queries - before[at].queries,
		downloads: downloads - before[at].downloads,
	}));

/** The server stamps an answer with the time it gives it: two runs may fall in different seconds. */
const TIMES = ['completed_at', 'status_update_time'].flatMap((field) => [field, `${field}_iso`]);

/**
 * What the items say, as a user would compare two runs: fields (the time waited and TIMES apart),
 * pairing, and each binary's metadata and stored bytes (its storage id apart), with `replace`d text.
 */
async function comparable(items: INodeExecutionData[], replace = new Map<string, string>()) {
	const said = await Promise.all(
		items.map(async ({ json, binary, pairedItem }) => ({
			json: {
				...json,
				...Object.fromEntries(['waited_ms', ...TIMES].map((field) => [field, typeof json[field]])),
			},
			pairedItem,
			files: await Promise.all(
				Object.entries(binary ?? {}).map(async ([field, { id, ...metadata }]) => ({
					field,
					stored: typeof id,
					metadata,
					sha256: await storedSha256({ id, ...metadata }),
				})),
			),
		})),
	);
	let text = JSON.stringify(said);
	for (const [from, to] of replace) text = text.split(from).join(to);
	return JSON.parse(text) as unknown;
}

const waitUntilComplete = (
	ids: string[],
	{ retry, options = {} }: { retry?: RunOptions['retry']; options?: Record<string, unknown> } = {},
) =>
	runNode({
		parameters: {
			operation: 'waitUntilComplete',
			taskId: '={{ $json.id }}',
			options: { pollInterval: 0.02, ...options },
		},
		items: itemsWithIds(ids),
		credentials: credentialsFor(yunwu()),
		retry,
	});

describe('Retry On Fail after a successful run: the re-runs output what was delivered', () => {
	test('Wait Until Complete, Max. Tries 3: one query and one download per task, as without Retry On Fail, and the same output', async () => {
		const ids = [
			yunwu().addTask({ id: 'grok:again-1', end: 'completed', video: { size: 4000 } }),
			yunwu().addTask({
				id: 'grok:again-2',
				end: 'completed',
				video: { size: 2500 },
				thumbnail: true,
			}),
		];
		// The second task twice: items of one task share their query and download.
		const items = [ids[0], ids[1], ids[1]];
		const options = { downloadThumbnail: true };

		const atStart = trafficOf(ids);
		const plain = await waitUntilComplete(items, { options });
		const afterPlain = trafficOf(ids);
		const retried = await waitUntilComplete(items, { options, retry: RETRY });
		const plainTraffic = between(atStart, afterPlain);

		expect(plain.error).toBeUndefined();
		expect(retried.error).toBeUndefined();
		expect(retried.items![0].json.error).toBe('');
		expect(plainTraffic).toEqual([
			{ queries: 1, downloads: 1 },
			{ queries: 1, downloads: 2 },
		]);
		expect(between(afterPlain, trafficOf(ids))).toEqual(plainTraffic);
		// n8n did re-run the node twice: each item was served twice.
		expect(servedAgain(retried)).toHaveLength(6);
		expect(await comparable(retried.items!)).toEqual(await comparable(plain.items!));
		expect(retried.items!.map((item) => item.pairedItem)).toEqual([
			{ item: 0 },
			{ item: 1 },
			{ item: 2 },
		]);
	});

	test('Create + Wait for Completion, Max. Tries 3: one create, one download per task, and the output of a run without Retry On Fail', async () => {
		yunwu().createdTaskTemplate = { pendingPolls: 1, end: 'completed', video: { size: 3000 } };
		const createAndWait = (retry?: typeof RETRY) =>
			runNode({
				items: [{ json: { prompt: 'sun' } }, { json: { prompt: 'moon' } }],
				parameters: {
					operation: 'create',
					model: 'grok-video-3',
					prompt: '={{ $json.prompt }}',
					options: { pollInterval: 0.02 },
				},
				credentials: credentialsFor(yunwu()),
				retry,
			});
		const createdFrom = (from: number) =>
			yunwu()
				.createdTasks.slice(from)
				.map((task) => task.id);

		let from = yunwu().createdTasks.length;
		const plain = await createAndWait();
		const plainIds = createdFrom(from);
		from = yunwu().createdTasks.length;
		const retried = await createAndWait(RETRY);
		const retriedIds = createdFrom(from);

		expect(retried.error).toBeUndefined();
		expect(retriedIds).toHaveLength(2);
		expect(
			retriedIds.map((id) => [yunwu().task(id).queries, yunwu().videoOf(id).downloads]),
		).toEqual(plainIds.map((id) => [yunwu().task(id).queries, yunwu().videoOf(id).downloads]));
		expect(retriedIds.map((id) => yunwu().videoOf(id).downloads)).toEqual([1, 1]);
		// The same output but for the new tasks' ids and file addresses.
		const sameTasks = new Map(
			retriedIds.flatMap((id, at) => [
				// "grok:<uuid>": the uuid is also the answer's `id` and the file name.
				[id.split(':')[1], plainIds[at].split(':')[1]],
				[yunwu().videoOf(id).path, yunwu().videoOf(plainIds[at]).path],
			]),
		);
		expect(await comparable(retried.items!, sameTasks)).toEqual(await comparable(plain.items!));
	});

	/** An expression's text: `before` during the first try, `after` from the re-run on (1.5 s later). */
	const switching = (before: string, after: string) => {
		const switchAt = Date.now() + 1000;
		return `Date.now() < ${switchAt} ? '${before}' : '${after}'`;
	};
	const RETRY_ONCE_LATER = { maxTries: 2, waitBetweenTries: 1500 };

	test("an item whose Task ID or options changed between tries is run again; the others' output is served", async () => {
		const ids = ['steady', 'before', 'after', 'field'].map((name, at) =>
			yunwu().addTask({ id: `grok:${name}`, end: 'completed', video: { size: 1000 + at } }),
		);
		const run = await runNode({
			parameters: {
				operation: 'waitUntilComplete',
				taskId: `={{ $json.id || (${switching(ids[1], ids[2])}) }}`,
				// Item 2's video goes to field "data" on the first try, to "video" on the re-run.
				binaryPropertyName: `={{ $json.switches ? (${switching('data', 'video')}) : 'data' }}`,
				options: { pollInterval: 0.02 },
			},
			items: [{ json: { id: ids[0] } }, { json: {} }, { json: { id: ids[3], switches: true } }],
			credentials: credentialsFor(yunwu()),
			retry: RETRY_ONCE_LATER,
		});

		expect(run.error).toBeUndefined();
		expect(run.items!.map((item) => item.json.task_id)).toEqual([ids[0], ids[2], ids[3]]);
		expect(run.items!.map((item) => Object.keys(item.binary!))).toEqual([
			['data'],
			['data'],
			['video'],
		]);
		expect(ids.map((id) => yunwu().videoOf(id).downloads)).toEqual([1, 1, 1, 2]);
		expect(ids.map((id) => yunwu().task(id).queries)).toEqual([1, 1, 1, 2]);
		expect(await storedSha256(run.items![1].binary!.data)).toBe(
			fileSha256(yunwu().videoOf(ids[2])),
		);
	});

	test('Create: an item whose request reads differently on the re-run (a time in an expression) is served, not created again: one paid task per item', async () => {
		yunwu().createdTaskTemplate = { end: 'completed', video: { size: 800 } };
		const from = yunwu().createdTasks.length;
		const run = await runNode({
			parameters: {
				operation: 'create',
				model: 'grok-video-3',
				prompt: `={{ $json.prompt || (${switching('first', 'second')}) }}`,
				options: { pollInterval: 0.02 },
			},
			items: [{ json: { prompt: 'steady' } }, { json: {} }],
			credentials: credentialsFor(yunwu()),
			retry: RETRY_ONCE_LATER,
		});

		expect(run.error).toBeUndefined();
		expect(
			yunwu()
				.createBodies.slice(from)
				.map((body) => body.prompt),
		).toEqual(['steady', 'first']);
		const ids = yunwu()
			.createdTasks.slice(from)
			.map((task) => task.id);
		expect(run.items!.map((item) => item.json.task_id)).toEqual(ids);
		expect(ids.map((id) => yunwu().videoOf(id).downloads)).toEqual([1, 1]);
		expect(servedAgain(run)).toHaveLength(2);
	});

	test('Query, Max. Tries 3: one query and one download per task', async () => {
		const id = yunwu().addTask({ id: 'grok:queried', end: 'completed', video: { size: 700 } });

		const run = await runNode({
			parameters: { operation: 'query', taskId: '={{ $json.id }}', downloadVideo: true },
			items: itemsWithIds([id, id]),
			credentials: credentialsFor(yunwu()),
			retry: RETRY,
		});

		expect(run.items!.map((item) => [item.json.error, item.pairedItem])).toEqual([
			['', { item: 0 }],
			['', { item: 1 }],
		]);
		expect([yunwu().task(id).queries, yunwu().videoOf(id).downloads]).toEqual([1, 1]);
		expect(servedAgain(run)).toHaveLength(4);
	});

	test('another execution downloads again: nothing is kept beyond the execution', async () => {
		const id = yunwu().addTask({ id: 'grok:next-run', end: 'completed', video: { size: 900 } });

		const runs: NodeRun[] = [
			await waitUntilComplete([id], { retry: RETRY }),
			await waitUntilComplete([id], { retry: RETRY }),
		];

		expect(runs.map((run) => run.items![0].json.task_id)).toEqual([id, id]);
		expect(yunwu().videoOf(id).downloads).toBe(2);
		expect(yunwu().task(id).queries).toBe(2);
	});
});
