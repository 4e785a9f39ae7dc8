// Shared jest settings: @swc/jest in CommonJS mode with decorator metadata (NestJS needs it).
const path = require('node:path');
module.exports = {
  testEnvironment: path.join(__dirname, 'test/support/node-typed-array-env.js'),
  transform: {
    '^.+\\.(t|j)sx?$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true, tsx: true },
          transform: { legacyDecorator: true, decoratorMetadata: true, react: { runtime: 'automatic' } },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  // Tests import workspace packages from source, so no build is needed before `jest`.
  moduleNameMapper: {
    '^@fleetbench/protocol$': path.join(__dirname, 'packages/protocol/src/index.ts'),
    '^@fleetbench/zoo$': path.join(__dirname, 'packages/zoo/src/index.ts'),
    '^@fleetbench/zoo/catalogue$': path.join(__dirname, 'packages/zoo/src/catalogue-data.ts'),
  },
  // aedes 1.x ships ESM only; compile it to CommonJS for jest (Node runs it natively outside tests).
  transformIgnorePatterns: ['/node_modules/(?!aedes/)'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/.next/'],
};
