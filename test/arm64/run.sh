#!/usr/bin/env bash
# arm64 proof (run by .ci/run after the build): the agent's `bench --json` runs on linux/arm64 Node under QEMU
# user-mode emulation, and the model's answer on a deterministic input matches native x86-64. Asserts outputs,
# never latency (emulation is 100-300x slower than a real board).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd); cd "$ROOT"
MODEL=${FLEETBENCH_SHARED_DATA:-$ROOT/../shared/data}/models/mobilenetv2-12-int8.onnx
[ -f "$MODEL" ] || { echo "arm64: $MODEL not found (set FLEETBENCH_SHARED_DATA)"; exit 1; }
R=$(bash test/arm64/arm64-env.sh 2>/dev/null)
passed=0; failed=0
check() { if [ "$1" = ok ]; then passed=$((passed+1)); echo "arm64: ok - $2"; else failed=$((failed+1)); echo "arm64: FAIL - $2"; fi; }

native=$(node test/arm64/model-answer.js "$MODEL")
emulated=$($R test/arm64/model-answer.js "$MODEL")
echo "native:   $native"; echo "emulated: $emulated"
[ "$(echo "$emulated" | node -pe 'JSON.parse(require("fs").readFileSync(0)).arch')" = arm64 ] && check ok "runs as process.arch arm64" || check fail "runs as process.arch arm64"
[ "$(echo "$native" | node -pe 'const j=JSON.parse(require("fs").readFileSync(0)); j.top1+"/"+j.score')" = \
  "$(echo "$emulated" | node -pe 'const j=JSON.parse(require("fs").readFileSync(0)); j.top1+"/"+j.score')" ] \
  && check ok "same top-1 class and score as native" || check fail "same top-1 class and score as native"

out=$($R apps/agent/bin/fleetbench-agent.js bench --model "$MODEL" --warmup 1 --iterations 5 --duration 0 --threads 1 --json)
if echo "$out" | node -e '
  const r = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const l = r.metrics?.latencyMs ?? r.latencyMs;
  if (!(l && l.p50 > 0 && l.count >= 5)) { console.error("unexpected bench output:", JSON.stringify(r).slice(0, 500)); process.exit(1); }
  console.log(`arm64 bench: p50 ${l.p50.toFixed(1)} ms over ${l.count} runs (emulated; not a board figure)`);'; then
  check ok "fleetbench-agent bench --json under arm64"
else
  check fail "fleetbench-agent bench --json under arm64"
fi
echo "arm64: $passed passed, $failed failed"
[ "$failed" = 0 ]
