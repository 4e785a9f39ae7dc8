#!/usr/bin/env node
// Container health check (Node built-ins only), used by the images' HEALTHCHECK and the compose file:
//
//   node deploy/docker/healthcheck.mjs            hub:       GET http://127.0.0.1:$FLEETBENCH_HUB_PORT/api/v1/health
//   node deploy/docker/healthcheck.mjs dashboard  dashboard: GET http://127.0.0.1:$PORT/healthz
//
// Exit 0 on an answer below 400, 1 otherwise (503 from the hub: it cannot reach its database) or on no answer.
const TARGETS = {
  hub: () => `http://127.0.0.1:${process.env.FLEETBENCH_HUB_PORT || '4000'}/api/v1/health`,
  dashboard: () => `http://127.0.0.1:${process.env.PORT || '3000'}/healthz`,
};

const which = process.argv[2] ?? 'hub';
if (!(which in TARGETS)) {
  console.error(`usage: healthcheck.mjs [${Object.keys(TARGETS).join('|')}]`);
  process.exit(2);
}
const url = TARGETS[which]();
try {
  const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(4000) });
  if (res.status >= 400) {
    console.error(`${url}: HTTP ${res.status}`);
    process.exit(1);
  }
} catch (err) {
  console.error(`${url}: ${err.cause?.code ?? err.message}`);
  process.exit(1);
}
