// Create's Reference Images "From Binary Fields" with the images on disk, as n8n keeps binary data
// by default in production (filesystem mode): a file larger than the API takes is refused without
// being read into memory, whatever size n8n recorded for it. What is read is counted on n8n-core's
// own binary data service: the bytes its streams took from disk and the buffers it handed back.
import { Container } from '@n8n/di';
import { existsSync, rmSync, truncateSync } from 'node:fs';
import type { ReadStream } from 'node:fs';
import { BinaryDataService } from 'n8n-core';
import type { IBinaryData } from 'n8n-workflow';

import { credentialsFor, runNode, useYunwuServer } from '../support/harness/n8n';

const yunwu = useYunwuServer('filesystem');

/** Kling's limit (10 MB): the smallest of the APIs', so the files here stay small. */
const KLING_MAX = 10_000_000;
/** What one read of a file stream takes at most (Node's default for file streams). */
const ONE_CHUNK = 64 * 1024;
const PNG_HEADER = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

/** An image of `size` bytes stored by n8n's binary data service as a node's output would be. */
async function storedImage(size: number): Promise<IBinaryData> {
	const bytes = Buffer.alloc(size, 7);
	PNG_HEADER.copy(bytes);
	return await Container.get(BinaryDataService).store(
		{ type: 'execution', workflowId: 'wf-yunwu', executionId: 'images' },
		bytes,
		{ data: '', mimeType: 'image/png', fileName: 'frame.png' },
	);
}

/** Counts every byte n8n's binary data service reads for the node: streamed from disk, or buffered whole. */
function countReads(): { bytes: () => number; restore: () => void } {
	const service = Container.get(BinaryDataService);
	const streams: ReadStream[] = [];
	const buffers: Buffer[] = [];
	const getAsStream = service.getAsStream.bind(service);
	const getAsBuffer = service.getAsBuffer.bind(service);
	const streamSpy = jest.spyOn(service, 'getAsStream').mockImplementation(async (...args) => {
		const stream = await getAsStream(...args);
		streams.push(stream as ReadStream);
		return stream;
	});
	const bufferSpy = jest.spyOn(service, 'getAsBuffer').mockImplementation(async (...args) => {
		const buffer = await getAsBuffer(...args);
		buffers.push(buffer);
		return buffer;
	});
	return {
		bytes: () =>
			streams.reduce((sum, stream) => sum + stream.bytesRead, 0) +
			buffers.reduce((sum, buffer) => sum + buffer.length, 0),
		restore: () => {
			streamSpy.mockRestore();
			bufferSpy.mockRestore();
		},
	};
}

const createWith = (binary: IBinaryData) =>
	runNode({
		parameters: {
			operation: 'create',
			apiFormat: 'kling',
			model: 'kling-v1',
			prompt: 'A paper boat in the rain',
			imageSource: 'binary',
			waitForCompletion: false,
		},
		items: [{ json: {}, binary: { data: binary } }],
		credentials: credentialsFor(yunwu()),
	});

let reads: ReturnType<typeof countReads>;
beforeEach(() => (reads = countReads()));
afterEach(() => reads.restore());

describe('a binary image n8n keeps on disk', () => {
	test('within the limit, goes whole to the API', async () => {
		const image = await storedImage(3000);
		const created = yunwu().createBodies.length;

		const run = await createWith(image);

		expect(run.error).toBeUndefined();
		const expected = Buffer.alloc(3000, 7);
		PNG_HEADER.copy(expected);
		expect(
			yunwu()
				.createBodies.slice(created)
				.map((body) => body.image),
		).toEqual([expected.toString('base64')]);
	});

	test('recorded by n8n as larger than the API takes is refused with its size, after reading no more than its first chunk', async () => {
		const image = await storedImage(10_500_000);
		const before = yunwu().apiRequests().length;

		const run = await createWith(image);

		expect(run.error?.message).toBe(
			'The image in binary property "data" of item 0 is 10.5 MB; the Kling API takes images up to 10 MB. Make it smaller, or give its URL.',
		);
		expect(reads.bytes()).toBeLessThanOrEqual(ONE_CHUNK);
		expect(yunwu().apiRequests().length).toBe(before);
	});

	test.each([
		['n8n recorded it as small', () => undefined],
		['n8n has no size recorded for it', (path: string) => rmSync(`${path}.metadata`)],
	])(
		'200 MB on disk while %s: refused after reading no more than the limit and one chunk',
		async (_case, alterMetadata) => {
			const image = await storedImage(3000);
			const path = Container.get(BinaryDataService).getPath(image.id!);
			expect(existsSync(`${path}.metadata`)).toBe(true);
			alterMetadata(path);
			// Grown on disk after n8n recorded its size (sparse: it takes no disk space).
			truncateSync(path, 200_000_000);
			const before = yunwu().apiRequests().length;

			const run = await createWith(image);

			expect(run.error?.message).toBe(
				'The image in binary property "data" of item 0 is larger than 10 MB; the Kling API takes images up to 10 MB. Make it smaller, or give its URL.',
			);
			expect(reads.bytes()).toBeGreaterThan(KLING_MAX);
			expect(reads.bytes()).toBeLessThanOrEqual(KLING_MAX + ONE_CHUNK);
			expect(yunwu().apiRequests().length).toBe(before);
		},
	);
});
