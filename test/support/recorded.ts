import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { RECORDED_DIR } from './paths';

export type RecordedName = 'completed' | 'processing' | 'processing-then-completed';

/** One recorded answer: its bytes exactly as recorded, and those bytes parsed afresh for each call. */
export interface RecordedAnswer {
	name: string;
	text: string;
	json: Record<string, unknown>;
}

function readRecorded(name: string): RecordedAnswer {
	const text = readFileSync(path.join(RECORDED_DIR, `${name}.json`), 'utf8');
	return { name, text, json: JSON.parse(text) as Record<string, unknown> };
}

/** Every recorded answer, by file name without `.json`. */
export function recordedAnswers(): RecordedAnswer[] {
	return readdirSync(RECORDED_DIR)
		.filter((file) => file.endsWith('.json'))
		.sort()
		.map((file) => readRecorded(file.replace(/\.json$/, '')));
}

export function recordedAnswer(name: RecordedName): RecordedAnswer {
	return readRecorded(name);
}
