import { existsSync } from 'node:fs';
import path from 'node:path';

/** The repository root, found from this file whether it runs as TypeScript or compiled into build/scripts/. */
export const REPO_ROOT = (() => {
	for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
		if (
			existsSync(path.join(dir, 'package.json')) &&
			existsSync(path.join(dir, 'test', 'fixtures'))
		)
			return dir;
	}
	throw new Error(`no repository root above ${__dirname}`);
})();

/** The API's answers as recorded from the real service (docs/yunwu-api.md). */
export const RECORDED_DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'recorded');
