// ESLint 9 flat config, run by `npm run check:lint` (part of `npm test`).
//
// Rule set: ESLint's `recommended` plus typescript-eslint's
// `recommendedTypeChecked`, type information through the project service
// (each file is checked with the tsconfig nearest to it: the client core's
// own, the web client's, else the root one). Deviations are listed below,
// each with its reason; keep them few. Scope: `packages/*/src`, `bench/`,
// `scripts/` — tests follow their own looser habits (fixtures, `!` on
// values the test just made) and are type-checked by `tsc` already.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  globalIgnores(['**/node_modules/', '**/dist/', 'packages/*/test/', 'packages/web/vite.config.ts', 'packages/web/scripts/', 'deploy/']),
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  {
    files: ['packages/*/src/**/*.{ts,tsx}', 'bench/**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Deliberate style: `void promise` marks fire-and-forget calls (a
      // notice, a background write) whose errors are handled inside; and
      // handlers passed to `ws`/`node:events` may be async.
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: true }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      // `_`-prefixed names are deliberately unused (a parameter kept for a
      // signature, a destructured field dropped from a rest object).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // Off: an `async` method without `await` is how a synchronous
      // implementation (SQLite, in-memory stores, fastify plugins) fulfils a
      // Promise-returning interface, and `async` turns its throws into rejections.
      '@typescript-eslint/require-await': 'off',
      // Off: our control-character regexes are deliberate — they strip
      // terminal escapes from untrusted text before it is shown.
      'no-control-regex': 'off',
      // Numbers and booleans read fine in messages and logs; objects still may not be stringified by accident.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
    },
  },
  {
    // The web client never opens sockets or does crypto itself: it hands the
    // browser's WebSocket to the core in one place (app/session.ts, the
    // socket factory) and all message crypto is the core's (ARCHITECTURE.md).
    files: ['packages/web/src/**/*.{ts,tsx}'],
    ignores: ['packages/web/src/app/session.ts'],
    rules: {
      'no-restricted-globals': ['error', { name: 'WebSocket', message: 'Sockets come from the client core (app/session.ts builds the factory).' }],
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[property.name='WebSocket']", message: 'Sockets come from the client core (app/session.ts builds the factory).' },
        { selector: "MemberExpression[property.name='subtle']", message: 'Crypto is the client core’s job, not the UI’s.' },
      ],
    },
  },
  {
    files: ['packages/web/src/app/session.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[property.name='subtle']", message: 'Crypto is the client core’s job, not the UI’s.' },
      ],
    },
  },
  {
    // Plain Node scripts (no tsconfig covers them): ESLint's recommended rules only.
    files: ['scripts/**/*.mjs'],
    extends: [js.configs.recommended],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
