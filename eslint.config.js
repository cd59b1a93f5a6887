// Lint, including the architecture's import boundaries (ARCHITECTURE §2): routes never import
// Kysely, domain code never imports server or client code, client code never imports $lib/server.
import js from '@eslint/js';
import ts from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import svelteConfig from './svelte.config.js';

const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

export default ts.config(
  { ignores: ['build/', '.svelte-kit/', 'node_modules/', 'storage/', 'test-results/', 'playwright-report/', 'screenshots/', 'static/'] },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: true }],
      // paths.base is always '' here; resolve() would only add noise
      'svelte/no-navigation-without-resolve': 'off'
    }
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts', '**/*.svelte.js'],
    languageOptions: { parserOptions: { projectService: true, extraFileExtensions: ['.svelte'], parser: ts.parser, svelteConfig } }
  },
  {
    files: ['src/lib/domain/**'],
    ignores: ['**/*.test.ts'],
    rules: restrict([
      { group: ['$lib/server/*', '$lib/client/*', '$lib/components/*', 'kysely', 'pg', '@electric-sql/*', 'dexie', 'node:*'], message: 'domain code is pure: no I/O, no server or client imports' }
    ])
  },
  {
    files: ['src/routes/**'],
    rules: restrict([{ group: ['kysely', 'pg', '$lib/server/db/*', '$lib/server/**/repository'], message: 'routes are thin adapters: call a service, never the database' }])
  },
  {
    files: ['src/lib/client/**', 'src/lib/components/**', 'src/routes/**/*.svelte', 'src/routes/**/+page.ts', 'src/routes/**/+layout.ts'],
    rules: restrict([{ group: ['$lib/server/*', '$lib/server/**'], message: 'the client bundle never imports server code' }])
  }
);
