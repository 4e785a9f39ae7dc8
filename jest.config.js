// Root config: every workspace is split into two jest projects by test layer, plus the static checks of deploy/
// (test/deploy); `test/e2e` runs separately (scripts/test.mjs).
//   <name>         unit tests (`*.spec.ts`): no database, no broker, no network service; mocks at the boundaries.
//   <name>-medium  medium tests (`*.medium.spec.ts`): real PostgreSQL (FLEETBENCH_TEST_DATABASE_URL), a broker
//                  (Mosquitto, or the embedded aedes one) or a hub booted on its own database.
// `npx jest --selectProjects hub` runs the hub's unit tests alone; `npm test -- --unit` runs every unit project.
const { existsSync, readdirSync, readFileSync } = require('node:fs');
const path = require('node:path');

// As in test/support/shared-data.ts: ../shared/data beside the checkout, or FLEETBENCH_SHARED_DATA.
const SHARED_DATA = path.resolve(process.env.FLEETBENCH_SHARED_DATA ?? path.join(__dirname, '../shared/data'));

const WORKSPACES = ['packages/protocol', 'packages/zoo', 'apps/hub', 'apps/agent', 'apps/dashboard', 'test/deploy'];
const MEDIUM = '\\.medium\\.spec\\.ts$';

/** Spec files under `dir`, outside node_modules and build outputs. */
function specFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return ['node_modules', 'dist', '.next', 'generated'].includes(e.name) ? [] : specFiles(p);
    return e.name.endsWith('.spec.ts') ? [p] : [];
  });
}

// Specs that read ../shared/data import test/support/shared-data: without that folder they are left out, and said so.
const sharedDataMissing = !existsSync(SHARED_DATA);
const needsSharedData = (file) => /test\/support\/shared-data['"]/.test(readFileSync(file, 'utf8'));
const leftOut = [];

function layers(dir) {
  const config = require(`./${dir}/jest.config.js`);
  const specs = specFiles(path.join(__dirname, dir));
  const skipped = sharedDataMissing ? specs.filter(needsSharedData) : [];
  leftOut.push(...skipped.map((f) => path.relative(__dirname, f)));
  const ignore = [
    ...(config.testPathIgnorePatterns ?? []),
    ...skipped.map((f) => `^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`),
  ];
  const unit = { ...config, testPathIgnorePatterns: [...ignore, MEDIUM] };
  if (!specs.some((f) => new RegExp(MEDIUM).test(f))) return [unit];
  return [
    unit,
    { ...config, displayName: `${config.displayName}-medium`, testRegex: MEDIUM, testPathIgnorePatterns: ignore },
  ];
}

const projects = WORKSPACES.flatMap(layers);
if (leftOut.length)
  console.warn(
    `[fleetbench] ${SHARED_DATA} is missing (set FLEETBENCH_SHARED_DATA): skipping ${leftOut.length} spec(s) that need it:\n  ${leftOut.join('\n  ')}`,
  );

module.exports = { projects };
