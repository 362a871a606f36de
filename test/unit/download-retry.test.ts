import { downloadRetryDelay } from '../../nodes/YunwuVideo/waiting/download';

describe('pauses between download attempts', () => {
	test('double from the first delay', () => {
		expect([1, 2, 3].map((attempt) => downloadRetryDelay(1_000, attempt))).toEqual([
			1_000, 2_000, 4_000,
		]);
	});

	test('never exceed a minute, whatever the poll interval they start from (600 s, 10 attempts: not 42 h)', () => {
		const pauses = Array.from({ length: 9 }, (_, index) => downloadRetryDelay(600_000, index + 1));
		expect(Math.max(...pauses)).toBe(60_000);
		expect(pauses.reduce((sum, pause) => sum + pause, 0)).toBe(9 * 60_000);
	});
});
