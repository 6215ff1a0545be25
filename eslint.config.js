// ESLint flat config: @eslint/js + typescript-eslint `recommended` (not type-checked, so it stays fast).
// No stylistic rules: Prettier owns formatting (`npm run format:check`).
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: ['dist/', 'build/', 'node_modules/', 'coverage/', 'test/fixtures/', 'kernel-patch-ci-out/', 'demo-out/'],
  },
  {
    // root config files: rollup.config.js, jest.config.js, this file
    files: ['**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    languageOptions: { globals: globals.node },
    rules: {
      // Prettier wraps code at 120 but not strings, templates or comments: those are wrapped by hand
      'max-len': ['error', { code: 120, ignoreUrls: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // tests take results and webhook documents apart field by field
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
