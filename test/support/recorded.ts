import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The directory of the API's recorded answers. */
export const RECORDED_DIR = path.join(__dirname, '..', 'fixtures', 'recorded');

/** Every recorded answer, by file name without `.json`, parsed afresh for each call. */
export function recordedAnswers(): Array<{
	name: string;
	text: string;
	json: Record<string, unknown>;
}> {
	return readdirSync(RECORDED_DIR)
		.filter((file) => file.endsWith('.json'))
		.sort()
		.map((file) => {
			const text = readFileSync(path.join(RECORDED_DIR, file), 'utf8');
			return {
				name: file.replace(/\.json$/, ''),
				text,
				json: JSON.parse(text) as Record<string, unknown>,
			};
		});
}

export function recordedAnswer(name: string): Record<string, unknown> {
	const found = recordedAnswers().find((answer) => answer.name === name);
	if (!found) throw new Error(`No recorded answer ${name}`);
	return found.json;
}
