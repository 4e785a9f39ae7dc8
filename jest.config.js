// Root config: every workspace is a jest project, plus the static checks of deploy/ (test/deploy); `test/e2e` runs
// separately (scripts/test.mjs).
module.exports = {
  projects: [
    '<rootDir>/packages/protocol',
    '<rootDir>/packages/zoo',
    '<rootDir>/apps/hub',
    '<rootDir>/apps/agent',
    '<rootDir>/apps/dashboard',
    '<rootDir>/test/deploy',
  ],
};
