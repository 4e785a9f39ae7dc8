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
# The device install path on arm64: a real hub (embedded PGlite + broker) serves its install script and the agent
# package; the script runs with an arm64 `node` first on PATH (npm too runs under emulation), so npm installs the
# linux/arm64 builds of onnxruntime-node and sharp; the installed agent then answers an accuracy run (sharp decodes,
# onnxruntime infers) exactly like the native agent.
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
T=$(mktemp -d); HUB_PID=""
cleanup() { [ -n "$HUB_PID" ] && kill "$HUB_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
mkdir -p "$T/shim"; printf '#!/bin/sh\nexec %s "$@"\n' "$R" >"$T/shim/node"; chmod +x "$T/shim/node"
HUB_PORT=$(free_port); MQTT_PORT=$(free_port); ADMIN=fb_arm64_$(node -p 'require("crypto").randomBytes(12).toString("hex")')
HUB=http://127.0.0.1:$HUB_PORT
FLEETBENCH_HUB_PORT=$HUB_PORT FLEETBENCH_MQTT_PORT=$MQTT_PORT FLEETBENCH_HUB_HOST=127.0.0.1 FLEETBENCH_ADMIN_TOKEN=$ADMIN \
  FLEETBENCH_DATA_DIR=$T/hub LOG_LEVEL=warn node apps/hub/dist/main.js >"$T/hub.log" 2>&1 &
HUB_PID=$!
for _ in $(seq 1 120); do curl -fsS "$HUB/api/v1/health" >/dev/null 2>&1 && break; sleep 1; done
TOKEN=$(curl -fsS -X POST -H "authorization: Bearer $ADMIN" -H 'content-type: application/json' -d '{"label":"arm64"}' \
  "$HUB/api/v1/enrollment-tokens" | node -pe 'JSON.parse(require("fs").readFileSync(0)).token') || { cat "$T/hub.log"; TOKEN=""; }
started=$(date +%s)
if curl -fsSL "$HUB/api/v1/agent/install.sh" | PATH="$T/shim:$PATH" bash -s -- --token "$TOKEN" --name arm64-qemu \
  --root "$T/device" --no-systemd >"$T/install.log" 2>&1; then
  echo "arm64 install: $(($(date +%s) - started)) s (emulated npm and enrollment), $(du -sm "$T/device/opt/fleetbench" | cut -f1) MB on disk"
  check ok "install.sh from the hub installs and enrolls under arm64"
else
  cat "$T/install.log"; check fail "install.sh from the hub installs and enrolls under arm64"
fi
CUR=$T/device/opt/fleetbench/current
[ -d "$CUR/node_modules/@img/sharp-linux-arm64" ] && [ -d "$CUR/node_modules/onnxruntime-node/bin/napi-v6/linux/arm64" ] &&
  [ ! -e "$CUR/node_modules/onnxruntime-node/bin/napi-v6/linux/x64" ] &&
  check ok "the arm64 native dependencies (and only those) are installed" || check fail "the arm64 native dependencies (and only those) are installed"
DATA=${FLEETBENCH_SHARED_DATA:-$ROOT/../shared/data}
acc_args=(bench --model "$MODEL" --dataset "$DATA/imagenet-sample" --labels "$DATA/LOC_synset_mapping.txt" --max-samples 6
  --preprocess '{"resizeShorter":256,"crop":224,"resizeKernel":"linear"}' --threads 1 --no-cache --json)
top1() { node -pe 'const r=JSON.parse(require("fs").readFileSync(0,"utf8")); `${r.metrics.top1}/${r.metrics.accuracySamples}`'; }
want=$(node apps/agent/bin/fleetbench-agent.js "${acc_args[@]}" | top1)
got=$($R "$CUR/bin/fleetbench-agent.js" "${acc_args[@]}" 2>"$T/bench.err" | top1) || { cat "$T/bench.err"; got=none; }
echo "accuracy on 6 images: native agent $want, installed arm64 agent $got"
[ "$got" = "$want" ] && check ok "the installed arm64 agent's bench --json gives the native answer" ||
  check fail "the installed arm64 agent's bench --json gives the native answer"

echo "arm64: $passed passed, $failed failed"
[ "$failed" = 0 ]
