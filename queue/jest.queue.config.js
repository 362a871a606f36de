/** @type {import('jest').Config} The queue-mode suite: Redis, Postgres, n8n main + workers; run through queue/run.sh. */
module.exports = {
	rootDir: '..',
	testEnvironment: 'node',
	roots: ['<rootDir>/queue'],
	testMatch: ['**/*.test.ts'],
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
	testTimeout: 10 * 60 * 1000,
	maxWorkers: 1,
	forceExit: false,
};
