// Our rules for the dev code (tests, end-to-end, queue and benchmark suites, tools):
// npm run lint:dev runs `eslint -c eslint.dev.config.mjs .`.
// The package itself (package.json, nodes/, credentials/) is linted n8n's way instead: by
// eslint.config.mjs, which is n8n's stock file (strict mode of `n8n-node lint` demands it
// unchanged), through tools/n8n-lint.mjs, and by n8n's scanner in npm run verify.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
	{
		ignores: [
			'dist/**',
			'node_modules/**',
			'coverage/**',
			'test-artifacts/**',
			'bench/results/**',
			'build/**',
			'demo-output/**',
			// Linted by n8n's stock config (eslint.config.mjs).
			'nodes/**',
			'credentials/**',
			'eslint.config.mjs',
		],
	},
	{
		files: ['**/*.ts'],
		extends: [eslint.configs.recommended, tseslint.configs.recommended],
		rules: { 'prefer-spread': 'off' },
	},
	{
		files: ['tools/**/*.mjs', 'eslint.dev.config.mjs'],
		extends: [eslint.configs.recommended],
		languageOptions: {
			ecmaVersion: 'latest',
			sourceType: 'module',
			globals: { console: 'readonly', process: 'readonly' },
		},
	},
);
