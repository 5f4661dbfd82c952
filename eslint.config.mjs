// Flat config. Type-aware rules need the project service, so every linted file
// must be covered by tsconfig.json.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { builtinModules } from 'node:module';

// Every Node built-in under both spellings (`fs`, `node:fs`, `fs/promises`, ...).
const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.ordersync/', 'eslint.config.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: {
      // Without a TypeScript resolver, and without the .ts extension and parser
      // for the files it follows, import-x cannot read `./x` as `x.ts` and
      // no-cycle silently reports nothing.
      'import-x/extensions': importX.flatConfigs.typescript.settings['import-x/extensions'],
      'import-x/parsers': importX.flatConfigs.typescript.settings['import-x/parsers'],
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
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
          paths: nodeBuiltins.map((name) => ({
            name,
            message: 'Workflows must stay deterministic: no Node built-ins.',
          })),
          patterns: [
            {
              group: ['node:*'],
              message: 'Workflows must stay deterministic: no Node built-ins.',
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
