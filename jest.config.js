/** @type {import('jest').Config} */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
	setupFiles: ['<rootDir>/test/support/harness/env.ts'],
	testTimeout: 30000,
	// Each file gets its own process-wide n8n Container and binary data mode.
	maxWorkers: 2,
};
