// Root config: every workspace is a jest project; `test/e2e` runs separately (scripts/test.mjs).
module.exports = {
  projects: [
    '<rootDir>/packages/protocol',
    '<rootDir>/packages/zoo',
    '<rootDir>/apps/hub',
    '<rootDir>/apps/agent',
    '<rootDir>/apps/dashboard',
  ],
};
