import { isFinalState, toTaskState, type TaskState } from '../../nodes/YunwuVideo/task/state';

/** The whole status vocabulary of the API contract (docs/yunwu-api.md), by expected state. */
const CONTRACT: ReadonlyArray<[string, TaskState]> = [
	['pending', 'pending'],
	['queued', 'pending'],
	['submitted', 'pending'],
	['not_start', 'pending'],
	['processing', 'processing'],
	['in_progress', 'processing'],
	['generating', 'processing'],
	['image_downloading', 'processing'],
	['video_generating', 'processing'],
	['video_upsampling', 'processing'],
	['video_generation_completed', 'processing'],
	['completed', 'completed'],
	['success', 'completed'],
	['video_upsampling_completed', 'completed'],
	['failed', 'failed'],
	['failure', 'failed'],
	['error', 'failed'],
	['video_generation_failed', 'failed'],
	['video_upsampling_failed', 'failed'],
];

describe('toTaskState: the contract vocabulary', () => {
	test.each(CONTRACT)('%s → %s', (status, state) => {
		expect(toTaskState(status)).toBe(state);
	});

	test.each(CONTRACT)('upper case %s → %s', (status, state) => {
		expect(toTaskState(status.toUpperCase())).toBe(state);
	});

	test.each(CONTRACT)('mixed case with spaces for %s → %s', (status, state) => {
		const spaced = status
			.split('_')
			.map((word) => word.charAt(0).toUpperCase() + word.slice(1))
			.join(' ');
		expect(toTaskState(spaced)).toBe(state);
	});

	test.each(CONTRACT)('hyphens and surrounding whitespace for %s → %s', (status, state) => {
		expect(toTaskState(`  ${status.replace(/_/g, '-')}\t\n`)).toBe(state);
	});

	test('the examples of the doc comment are one status', () => {
		expect(toTaskState('In Progress')).toBe('processing');
		expect(toTaskState('IN-PROGRESS')).toBe('processing');
		expect(toTaskState('in_progress')).toBe('processing');
		expect(toTaskState('NOT START')).toBe('pending');
		expect(toTaskState('Video-Upsampling-Completed')).toBe('completed');
	});

	test('video_generation_completed still waits for upscaling: not success, not final', () => {
		expect(toTaskState('video_generation_completed')).toBe('processing');
		expect(toTaskState('VIDEO_GENERATION_COMPLETED')).not.toBe('completed');
		expect(isFinalState(toTaskState('video_generation_completed'))).toBe(false);
	});

	test('every contract status maps to a known state', () => {
		for (const [status] of CONTRACT) expect(toTaskState(status)).not.toBe('unknown');
	});
});

// Issue 19: the words upstream APIs end a task with, as new-api's task adaptors read them.
test.each([
	['done', 'completed'], // Jimeng
	['expired', 'failed'], // Jimeng
	['not_found', 'failed'], // Jimeng
	['Fail', 'failed'], // MiniMax
	['Preparing', 'pending'], // MiniMax
	['created', 'pending'], // Vidu
])('%j → %s', (status, state) => {
	expect(toTaskState(status)).toBe(state);
});

describe('toTaskState: anything else is unknown, never success', () => {
	test.each([
		'',
		'   ',
		'finished',
		'complete',
		'completed_soon',
		'not_completed',
		'video_generation',
		'ok',
		'200',
		'success!',
		'succes',
		'completedd',
	])('%j → unknown', (status) => {
		expect(toTaskState(status)).toBe('unknown');
	});

	test.each([
		['undefined', undefined],
		['null', null],
		['a number', 1],
		['zero', 0],
		['a boolean', true],
		['an object', { status: 'completed' }],
		['an array', ['completed']],
	])('%s → unknown', (_label, status) => {
		expect(toTaskState(status)).toBe('unknown');
	});

	// Plain-object lookup: names inherited from Object.prototype must not be read as statuses.
	test.each(['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'isPrototypeOf'])(
		'the status %j is unknown (not an Object.prototype member)',
		(status) => {
			const state = toTaskState(status);
			expect(typeof state).toBe('string');
			expect(state).toBe('unknown');
		},
	);

	test('unknown is never taken for success', () => {
		for (const status of ['weird_new_status', 'SUCCESSFUL', 'COMPLETE', 'video_ready']) {
			expect(toTaskState(status)).not.toBe('completed');
			expect(isFinalState(toTaskState(status))).toBe(false);
		}
	});
});

describe('isFinalState', () => {
	test.each<[TaskState, boolean]>([
		['completed', true],
		['failed', true],
		['pending', false],
		['processing', false],
		['unknown', false],
	])('%s → %s', (state, final) => {
		expect(isFinalState(state)).toBe(final);
	});

	test('contract statuses: only success and failure statuses are final', () => {
		for (const [status, state] of CONTRACT) {
			expect(isFinalState(toTaskState(status))).toBe(state === 'completed' || state === 'failed');
		}
	});
});
