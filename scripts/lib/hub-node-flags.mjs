/**
 * Node/V8 flags every launcher of the hub passes: `npm start` (scripts/start.mjs), `npm start -w apps/hub`, the
 * Docker image's CMD (and so compose and Helm), the benches. test/deploy/deploy-files.spec.ts holds them together.
 *
 * A 64 MB young-generation semi-space (V8's default tops out at 16 MB): under ingest load a result spends a few
 * hundred ms in the hub (its batch, the database round trips, the regression watch), long enough to outlive two
 * young collections of the default size and be copied into the old generation. With 64 MB the hub spent ≈ 40 % less
 * time collecting and promoted ≈ 40 % fewer bytes (bench/RESULTS.md, "The hub's heap under ingest"). Resident memory
 * measured no higher: 421 MiB at most under the ingest bench (431 with the default), 389 MiB with 5,000 agents.
 */
export const HUB_NODE_FLAGS = ['--max-semi-space-size=64'];
