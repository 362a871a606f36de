import { parseJsonKeepingDigits } from '../../nodes/YunwuVideo/transport/json';

describe('parseJsonKeepingDigits', () => {
	test('an integer beyond 2^53 is kept as its text, wherever it is', () => {
		expect(
			parseJsonKeepingDigits(
				'{"id": 1857348573485734857, "data": {"task_id": -1857348573485734857}, "list": [9007199254740993]}',
			),
		).toEqual({
			id: '1857348573485734857',
			data: { task_id: '-1857348573485734857' },
			list: ['9007199254740993'],
		});
	});

	test('safe integers, fractions, exponents and digits inside strings are read as JSON.parse reads them', () => {
		const text =
			'{"a": 9007199254740991, "b": 12345678901234567.5, "c": 1234567890123456789e2, "d": "x 1857348573485734857 \\" 1857348573485734857", "e": 1}';
		expect(parseJsonKeepingDigits(text)).toEqual(JSON.parse(text));
	});

	test('broken JSON still throws', () => {
		expect(() => parseJsonKeepingDigits('{"id": 1857348573485734857')).toThrow();
	});
});
