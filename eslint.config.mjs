// Flat config. Type-aware rules need the project service, so every linted file
// must be covered by tsconfig.json.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.ordersync/', 'eslint.config.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      // kafkajs and Temporal callbacks must be async even when they do not await.
      '@typescript-eslint/require-await': 'off',
      'import-x/no-cycle': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'crypto', 'os', 'child_process'],
              message: 'Workflows must stay deterministic.',
            },
            {
              group: ['../src/db/*', '../src/kafka/*', '../src/temporal/*', 'mysql2*', 'kafkajs'],
              message: 'Workflows may not do I/O.',
            },
          ],
        },
      ],
    },
  },
);
