/** @type {import('jest').Config} The end-to-end suite: real n8n processes, one test file at a time. */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/e2e'],
	testMatch: ['**/*.e2e.test.ts'],
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
	testTimeout: 15 * 60 * 1000,
	maxWorkers: 1,
};
