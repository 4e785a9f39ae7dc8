module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'hub',
  rootDir: __dirname,
  // Prefer the generated Prisma client's .ts sources over .js compiled in place by `tsc -b` (which may be stale).
  moduleFileExtensions: ['ts', 'tsx', 'js', 'mjs', 'cjs', 'json', 'node'],
  setupFilesAfterEnv: ['<rootDir>/src/test-support/jest-setup.ts'],
};
