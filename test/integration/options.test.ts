import { credentialsFor, runNode, useYunwuServer } from '../support/harness/n8n';

const yunwu = useYunwuServer();

let counter = 0;
const newTask = () =>
	yunwu().addTask({ id: `grok:o${++counter}`, end: 'completed', video: { size: 100 } });

type Operation = 'waitUntilComplete' | 'query' | 'create';

/** One item whose option `name` comes from an expression giving `value` (as `$json.value`). */
async function runWithOption(
	operation: Operation,
	location: 'options' | 'top',
	name: string,
	value: unknown,
	continueOnFail = false,
) {
	const id = newTask();
	const expression = '={{ $json.value }}';
	const base =
		operation === 'create'
			? {
					operation,
					model: 'grok-video-3',
					prompt: 'A cat',
					options: { pollInterval: 0.02, timeout: 5 },
				}
			: { operation, taskId: '={{ $json.id }}', options: { pollInterval: 0.02, timeout: 5 } };
	const parameters =
		location === 'options'
			? { ...base, options: { ...base.options, [name]: expression } }
			: { ...base, [name]: expression };
	const before = yunwu().log.length;
	const run = await runNode({
		parameters,
		items: [{ json: { id, value: value as string } }],
		credentials: credentialsFor(yunwu()),
		continueOnFail,
	});
	return { run, requestsSent: yunwu().log.length - before };
}

describe('numbers from expressions are read strictly', () => {
	const cases: Array<[Operation, string, unknown, string]> = [
		[
			'waitUntilComplete',
			'downloadAttempts',
			'three',
			'Download Attempts of item 0 is "three". Enter a whole number from 1 to 10, such as 3.',
		],
		[
			'waitUntilComplete',
			'downloadAttempts',
			2.5,
			'Download Attempts of item 0 is 2.5. Enter a whole number from 1 to 10, such as 3.',
		],
		[
			'waitUntilComplete',
			'downloadAttempts',
			0,
			'Download Attempts of item 0 is 0. Enter a whole number from 1 to 10, such as 3.',
		],
		[
			'waitUntilComplete',
			'timeout',
			0,
			'Timeout (Seconds) of item 0 is 0. Enter a number of seconds of at least 0.001, such as 1800.',
		],
		[
			'waitUntilComplete',
			'timeout',
			-5,
			'Timeout (Seconds) of item 0 is -5. Enter a number of seconds of at least 0.001, such as 1800.',
		],
		[
			'waitUntilComplete',
			'pollInterval',
			0,
			'Poll Interval (Seconds) of item 0 is 0. Enter a number of seconds of at least 0.001, such as 10.',
		],
		[
			'waitUntilComplete',
			'pollInterval',
			'NaN',
			'Poll Interval (Seconds) of item 0 is "NaN". Enter a number of seconds of at least 0.001, such as 10.',
		],
		[
			'waitUntilComplete',
			'pollInterval',
			'',
			'Poll Interval (Seconds) of item 0 is "". Enter a number of seconds of at least 0.001, such as 10.',
		],
		[
			'waitUntilComplete',
			'requestTimeout',
			'Infinity',
			'Request Timeout (Seconds) of item 0 is "Infinity". Enter a number of seconds of at least 0.001, such as 30.',
		],
		[
			'waitUntilComplete',
			'maxConcurrent',
			500,
			'Max Tasks at Once of item 0 is 500. Enter a whole number from 1 to 200, such as 50.',
		],
		[
			'query',
			'requestTimeout',
			'soon',
			'Request Timeout (Seconds) of item 0 is "soon". Enter a number of seconds of at least 0.001, such as 30.',
		],
		[
			'query',
			'downloadAttempts',
			-1,
			'Download Attempts of item 0 is -1. Enter a whole number from 1 to 10, such as 3.',
		],
		[
			'create',
			'timeout',
			'forever',
			'Timeout (Seconds) of item 0 is "forever". Enter a number of seconds of at least 0.001, such as 1800.',
		],
		[
			'create',
			'requestTimeout',
			0,
			'Request Timeout (Seconds) of item 0 is 0. Enter a number of seconds of at least 0.001, such as 30.',
		],
		[
			'waitUntilComplete',
			'minDownloadSpeed',
			-1,
			'Minimum Download Speed (KB/s) of item 0 is -1. Enter a number of at least 0, such as 10.',
		],
		[
			'query',
			'minDownloadSpeed',
			'fast',
			'Minimum Download Speed (KB/s) of item 0 is "fast". Enter a number of at least 0, such as 10.',
		],
		[
			'waitUntilComplete',
			'maxFileSize',
			0,
			'Max File Size (MB) of item 0 is 0. Enter a number of at least 0.001, such as 2048.',
		],
		[
			'create',
			'maxFileSize',
			'2 GB',
			'Max File Size (MB) of item 0 is "2 GB". Enter a number of at least 0.001, such as 2048.',
		],
		[
			'waitUntilComplete',
			'polling',
			'smart',
			'Polling of item 0 is "smart". Choose "adaptive" or "fixed".',
		],
		['create', 'polling', 1, 'Polling of item 0 is 1. Choose "adaptive" or "fixed".'],
	];

	test.each(cases)(
		'%s: %s = %p fails before any request, naming the parameter and the item',
		async (operation, name, value, message) => {
			const { run, requestsSent } = await runWithOption(operation, 'options', name, value);

			expect(run.status).toBe('error');
			expect(run.error?.message).toBe(message);
			expect(requestsSent).toBe(0);
		},
	);

	test.each([
		['waitUntilComplete', 'downloadAttempts', '2'],
		['waitUntilComplete', 'timeout', ' 5 '],
		['waitUntilComplete', 'pollInterval', '0.02'],
		['query', 'requestTimeout', '10'],
	] as Array<[Operation, string, string]>)(
		'%s: a numeric string %s = %p is a number',
		async (operation, name, value) => {
			const { run } = await runWithOption(operation, 'options', name, value);

			expect(run.error?.message).toBeUndefined();
			expect(run.items![0].json.state).toBe('completed');
		},
	);

	test('with Continue On Fail the bad item becomes an error item and the others deliver', async () => {
		const good = newTask();
		const run = await runNode({
			parameters: {
				operation: 'waitUntilComplete',
				taskId: '={{ $json.id }}',
				options: { pollInterval: 0.02, timeout: '={{ $json.timeout }}' },
			},
			items: [{ json: { id: good, timeout: 5 } }, { json: { id: newTask(), timeout: 'three' } }],
			credentials: credentialsFor(yunwu()),
			continueOnFail: true,
		});

		expect(run.items!.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(run.items![0].json.state).toBe('completed');
		expect(run.items![1].json.error).toBe(
			'Timeout (Seconds) of item 1 is "three". Enter a number of seconds of at least 0.001, such as 1800.',
		);
	});

	// Max Tasks at Once is read from the first item: a bad value there must still cost only that item.
	test.each([
		[
			'waitUntilComplete',
			'Max Tasks at Once',
			{ maxConcurrent: '={{ $json.value }}' },
			'Max Tasks at Once of item 0 is -1. Enter a whole number from 1 to 200, such as 50.',
		],
		[
			'create',
			'Max Tasks at Once',
			{ maxConcurrent: '={{ $json.value }}' },
			'Max Tasks at Once of item 0 is -1. Enter a whole number from 1 to 200, such as 50.',
		],
	] as Array<[Operation, string, object, string]>)(
		'%s with Continue On Fail: an invalid %s on the first item fails that item only',
		async (operation, _title, options, message) => {
			const base =
				operation === 'create'
					? { operation, model: 'grok-video-3', prompt: 'A cat' }
					: { operation, taskId: '={{ $json.id }}' };
			const run = await runNode({
				parameters: { ...base, options: { pollInterval: 0.02, ...options } },
				items: [{ json: { id: newTask(), value: -1 } }, { json: { id: newTask(), value: 3 } }],
				credentials: credentialsFor(yunwu()),
				continueOnFail: true,
			});

			expect(run.error?.message).toBeUndefined();
			expect(run.items!.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
			expect(run.items![0].json.error).toBe(message);
			expect(run.items![1].json.state).toBe('completed');
		},
	);

	test("Create checks every item's options before creating any task", async () => {
		const before = yunwu().log.length;
		const run = await runNode({
			parameters: {
				operation: 'create',
				model: 'grok-video-3',
				prompt: 'A cat',
				options: { timeout: '={{ $json.timeout }}' },
			},
			items: [{ json: { timeout: 5 } }, { json: { timeout: 0 } }],
			credentials: credentialsFor(yunwu()),
		});

		expect(run.error?.message).toBe(
			'Timeout (Seconds) of item 1 is 0. Enter a number of seconds of at least 0.001, such as 1800.',
		);
		expect(yunwu().log.length - before).toBe(0);
	});
});

describe('durations longer than a Node.js timer can hold (24.8 days)', () => {
	test('a Request Timeout of 35 days is a long limit, not an instant timeout', async () => {
		const id = newTask();
		const run = await runNode({
			parameters: {
				operation: 'query',
				taskId: id,
				downloadVideo: true,
				options: { requestTimeout: 3_000_000 },
			},
			credentials: credentialsFor(yunwu()),
		});

		expect(run.error?.message).toBeUndefined();
		expect(run.items![0].json.state).toBe('completed');
		expect(run.items![0].binary!.data.bytes).toBe(100);
	});
});

describe('binary field names are checked before any request', () => {
	test.each([
		[
			'a thumbnail field equal to the video field',
			{ downloadThumbnail: true, thumbnailBinaryPropertyName: 'data' },
			'Put Thumbnail in Field of item 0 is "data", the same field as the video. Choose another name, such as "thumbnail".',
		],
		[
			'a reserved thumbnail field name',
			{ downloadThumbnail: true, thumbnailBinaryPropertyName: '__proto__' },
			'Put Thumbnail in Field of item 0 is "__proto__", which cannot name a binary field. Choose another name, such as "data".',
		],
		[
			'an empty thumbnail field',
			{ downloadThumbnail: true, thumbnailBinaryPropertyName: ' ' },
			'Put Thumbnail in Field of item 0 is " ". Enter the name of a binary field, such as "data".',
		],
		[
			'Download Thumbnail that is not true or false',
			{ downloadThumbnail: 'yes' },
			'Download Thumbnail of item 0 is "yes". Turn it on or off, or make the expression give true or false.',
		],
	])('%s', async (_title, options, message) => {
		const id = newTask();
		const before = yunwu().log.length;
		const run = await runNode({
			parameters: {
				operation: 'waitUntilComplete',
				taskId: '={{ $json.id }}',
				options: { pollInterval: 0.02, ...options },
			},
			items: [{ json: { id } }],
			credentials: credentialsFor(yunwu()),
		});

		expect(run.error?.message).toBe(message);
		expect(yunwu().log.length - before).toBe(0);
	});

	test.each([['constructor'], ['__proto__'], ['  ']])(
		'a video field named %p is refused',
		async (name) => {
			const { run, requestsSent } = await runWithOption(
				'waitUntilComplete',
				'top',
				'binaryPropertyName',
				name,
			);

			expect(run.error?.message).toMatch(/^Put Video in Field of item 0 is /);
			expect(requestsSent).toBe(0);
		},
	);
});
