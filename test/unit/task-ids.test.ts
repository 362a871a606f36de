// The Task ID the node outputs for each API, and how Query and Wait Until Complete read one back.
import { findTask, taskIdOf } from '../../nodes/YunwuVideo/apis/registry';

const read = (choice: unknown, taskId: string) => {
	const found = findTask(choice, taskId);
	return 'problem' in found ? found : { api: found.api.format, ref: found.ref };
};

describe('Task IDs across APIs', () => {
	test.each([
		['auto', 'veo3.1:5cdad6a7', { api: 'unified', ref: { id: 'veo3.1:5cdad6a7' } }],
		// One colon and a model-like prefix: a unified id, even when the prefix names an API.
		['auto', 'kling:abc', { api: 'unified', ref: { id: 'kling:abc' } }],
		['auto', 'openai:video_1', { api: 'unified', ref: { id: 'openai:video_1' } }],
		[undefined, 'grok:1', { api: 'unified', ref: { id: 'grok:1' } }],
		[
			'auto',
			'kling://text2video/8602',
			{ api: 'kling', ref: { id: '8602', action: 'text2video' } },
		],
		['auto', 'kling://8602', { api: 'kling', ref: { id: '8602' } }],
		['auto', 'openai://video_1', { api: 'openai', ref: { id: 'video_1' } }],
		['auto', 'generations://task_1', { api: 'generations', ref: { id: 'task_1' } }],
		// `<name>://` of no API is a unified id.
		['auto', 'luma://1', { api: 'unified', ref: { id: 'luma://1' } }],
		// A raw id once the API is picked; with Unified picked, any ID as it is.
		['kling', '8602', { api: 'kling', ref: { id: '8602' } }],
		['openai', 'video_1', { api: 'openai', ref: { id: 'video_1' } }],
		[
			'kling',
			'kling://image2video/8602',
			{ api: 'kling', ref: { id: '8602', action: 'image2video' } },
		],
		[
			'unified',
			'kling://text2video/8602',
			{ api: 'unified', ref: { id: 'kling://text2video/8602' } },
		],
	])('API %s, Task ID %s', (choice, taskId, expected) => {
		expect(read(choice, taskId)).toEqual(expected);
	});

	test.each([
		['openai', 'kling://text2video/1', 'names a kling task, but API is set to openai'],
		['auto', 'kling://upscale/1', 'is not a kling task ID'],
		['luma', 'abc', 'API "luma" is not one of unified, openai, kling, generations'],
	])('API %s, Task ID %s: refused', (choice, taskId, problem) => {
		expect(findTask(choice, taskId)).toEqual({ problem });
	});

	test('each API reads back the Task ID it outputs', () => {
		for (const taskId of [
			'veo3.1:abc',
			'kling://text2video/1',
			'kling://image2video/2',
			'kling://3',
			'openai://video_4',
			'generations://task_5',
		]) {
			const found = findTask('auto', taskId);
			expect('problem' in found ? found : taskIdOf(found)).toBe(taskId);
		}
	});
});
