// One lint setup for every workspace: typescript-eslint's recommended rules, without type information so it
// stays fast on 2 cores.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/.next/**',
      '**/generated/**',
      '**/next-env.d.ts',
      '.fleetbench/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // CommonJS files (jest configs, bench scripts) load modules with require by nature. In TypeScript a `require()`
    // must be a deliberate lazy load: an eslint-disable comment on it says why (native binding, idle-daemon memory).
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The hub's layering (apps/hub/README.md): controllers → services → repositories. Only repositories (and db/,
    // which opens the database) touch Prisma, PostgreSQL or the file system; the rest may import row types only.
    files: [
      'apps/hub/src/controllers/**/*.ts',
      'apps/hub/src/services/**/*.ts',
      'apps/hub/src/middleware/**/*.ts',
      'apps/hub/src/utils/**/*.ts',
      // Feature folders (changes/, schedules/, …) follow the same layering by file name.
      'apps/hub/src/**/*.controller.ts',
      'apps/hub/src/**/*.service.ts',
    ],
    ignores: ['**/*.spec.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: ['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'pg', '@electric-sql/pglite'].map((name) => ({
            name,
            message: 'Only repositories touch the database or the file system: add a repository method.',
          })),
          patterns: [
            {
              group: ['**/generated/prisma', '**/generated/prisma/**', '@prisma/*'],
              allowTypeImports: true,
              message: 'Only repositories use the Prisma client (row types are fine: `import type`).',
            },
            {
              group: ['**/db/database'],
              allowTypeImports: false,
              message: 'Only repositories query the database: inject a repository.',
            },
            {
              group: ['**/repositories/tokens'],
              importNames: ['DB'],
              message: 'Only repositories inject the database client: inject a repository.',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests poke at untyped JSON responses; `any` there keeps assertions readable.
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
