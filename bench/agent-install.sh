#!/usr/bin/env bash
# Device install figures: package size, install time with a cold and a warm npm cache, a rerun (upgrade in place,
# nothing to download), and the disk footprint — through the real path: a hub (embedded PGlite + broker) serves
# install.sh and the package, the script installs into a scratch root (--root, --no-systemd) and enrolls.
#   bash bench/agent-install.sh            # x86-64 (this machine)
#   ARCH=arm64 bash bench/agent-install.sh # linux/arm64 under QEMU user mode (test/arm64/arm64-env.sh): npm and the
#                                          # enrollment run emulated, so times are not a board's
# Needs `npm run build` first (dist/agent-package, apps/hub/dist). The cold run downloads onnxruntime-node (~90 MB
# gzipped tarball, every OS inside) and sharp from the npm registry into an empty cache.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd); cd "$ROOT"
ARCH=${ARCH:-native}
T=$(mktemp -d); HUB_PID=""
cleanup() { [ -n "$HUB_PID" ] && kill "$HUB_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
PATH_PREFIX=""
if [ "$ARCH" = arm64 ]; then
  R=$(bash test/arm64/arm64-env.sh 2>/dev/null)
  mkdir -p "$T/shim"; printf '#!/bin/sh\nexec %s "$@"\n' "$R" >"$T/shim/node"; chmod +x "$T/shim/node"
  PATH_PREFIX="$T/shim:"
fi
HUB_PORT=$(free_port); MQTT_PORT=$(free_port); ADMIN=fb_bench_$(node -p 'require("crypto").randomBytes(12).toString("hex")')
HUB=http://127.0.0.1:$HUB_PORT
FLEETBENCH_HUB_PORT=$HUB_PORT FLEETBENCH_MQTT_PORT=$MQTT_PORT FLEETBENCH_HUB_HOST=127.0.0.1 FLEETBENCH_ADMIN_TOKEN=$ADMIN \
  FLEETBENCH_DATA_DIR=$T/hub LOG_LEVEL=warn node apps/hub/dist/main.js >"$T/hub.log" 2>&1 &
HUB_PID=$!
for _ in $(seq 1 120); do curl -fsS "$HUB/api/v1/health" >/dev/null 2>&1 && break; sleep 1; done
curl -fsS "$HUB/api/v1/agent/packages/latest" | node -e '
  const p = JSON.parse(require("fs").readFileSync(0, "utf8"));
  console.log(`package ${p.version}: ${(p.sizeBytes / 1024).toFixed(0)} KiB (tgz), native deps ${JSON.stringify(p.nativeDependencies)}`);'

token() { curl -fsS -X POST -H "authorization: Bearer $ADMIN" -H 'content-type: application/json' -d '{"label":"bench"}' \
  "$HUB/api/v1/enrollment-tokens" | node -pe 'JSON.parse(require("fs").readFileSync(0)).token'; }
# install <label> <root> <npm cache> [args...]: prints the wall time of the whole one-liner
install() {
  local label=$1 dir=$2 cache=$3; shift 3
  local t0; t0=$(date +%s%N)
  curl -fsSL "$HUB/api/v1/agent/install.sh" | PATH="$PATH_PREFIX$PATH" npm_config_cache=$cache \
    bash -s -- --root "$dir" --no-systemd "$@" >"$T/$label.log" 2>&1 || { cat "$T/$label.log"; exit 1; }
  local ms=$((($(date +%s%N) - t0) / 1000000))
  printf '%-34s %4d.%d s\n' "$label" $((ms / 1000)) $((ms % 1000 / 100))
}
echo "arch: $ARCH ($(PATH="$PATH_PREFIX$PATH" node -p 'process.arch'))"
install "install, cold npm cache" "$T/cold" "$T/npm-cache" --token "$(token)"
install "install, warm npm cache" "$T/warm" "$T/npm-cache" --token "$(token)"
install "rerun (upgrade in place, no-op)" "$T/warm" "$T/npm-cache"
du_m() { du -sm "$1" | cut -f1; }
echo "disk: /opt/fleetbench $(du_m "$T/warm/opt/fleetbench") MB (node_modules $(du_m "$T/warm/opt/fleetbench/current/node_modules") MB, onnxruntime-node $(du_m "$T/warm/opt/fleetbench/current/node_modules/onnxruntime-node") MB); npm cache $(du_m "$T/npm-cache") MB"
