// End-to-end suite: real PostgreSQL + Mosquitto + hub + agents + Chromium. Runs in band (one stack at a time).
const path = require('node:path');
const preset = require('../../jest.preset.js');
module.exports = {
  ...preset,
  displayName: 'e2e',
  rootDir: __dirname,
  testMatch: ['**/*.e2e.spec.ts'],
  testTimeout: 300_000,
  moduleNameMapper: preset.moduleNameMapper,
  roots: [__dirname, path.join(__dirname, '../support')],
};
