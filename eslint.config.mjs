// ESLint (flat config) with typescript-eslint's recommended rules for the TypeScript sources. Formatting is
// Prettier's job (.prettierrc.json), so no stylistic rules here. Svelte files are checked by svelte-check.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**', 'test-results/**', 'bench/results/**', '.scratch/**', 'server/src/protocol/calls.gen.ts', '**/*.svelte'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,mts,cts,mjs,js}'],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      // `_name` marks a parameter kept for the signature (handlers, callbacks).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // `ok ? a() : b()` and `x && f()` as statements are used on purpose for short dispatches.
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
      // Flags `let x = null` initialisers that a try/catch or loop may skip: noise, not bugs, in this code base.
      'no-useless-assignment': 'off',
    },
  },
  { files: ['webview/**/*.ts'], languageOptions: { globals: { ...globals.browser } } },
  // Tests, benches and scripts read JSON answers loosely on purpose; the product code may not.
  { files: ['test/**', 'bench/**', 'scripts/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  // bin/agentora.js is the CommonJS launcher.
  { files: ['bin/**/*.js'], languageOptions: { sourceType: 'commonjs' }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
