#!/usr/bin/env bash
# Installs the Fleetbench agent as a systemd service on a 64-bit Linux device (Raspberry Pi OS 64-bit,
# Ubuntu on x86/GPU servers, Jetson with JetPack 5+). Run as root from a checkout of the repository:
#   sudo deploy/agent/install.sh --hub http://HUB:4000 --token ENROLLMENT_TOKEN [--name NAME] [--tag TAG]...
set -euo pipefail

die() { echo "install.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (sudo), it creates a system user and a systemd unit"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
PREFIX=/opt/fleetbench
ENROLL_ARGS=("$@")

arch=$(uname -m)
case "$arch" in
  x86_64|aarch64) ;;
  armv7l|armv6l) die "32-bit ARM ($arch) is not supported: onnxruntime-node ships no linux/arm build. Install a 64-bit OS (Raspberry Pi OS 64-bit) on a Pi 3/4/5." ;;
  *) die "unsupported architecture $arch (supported: x86_64, aarch64)" ;;
esac

glibc=$(ldd --version 2>/dev/null | head -1 | grep -oE '[0-9]+\.[0-9]+$' || echo 0)
if [ "$(printf '%s\n2.28\n' "$glibc" | sort -V | head -1)" != "2.28" ]; then
  die "glibc $glibc is too old: onnxruntime-node and Node 20 need glibc >= 2.28 (Ubuntu 18.04 / JetPack 4 cannot run the agent; use JetPack 5+)"
fi

command -v node >/dev/null || die "Node.js >= 20 is required (e.g. apt-get install nodejs from NodeSource, or the official tarball)"
node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' || die "Node.js >= 20 is required, found $(node --version)"

echo "==> creating user fleetbench"
id fleetbench >/dev/null 2>&1 || useradd --system --home /var/lib/fleetbench --shell /usr/sbin/nologin fleetbench
install -d -o fleetbench -g fleetbench -m 0750 /var/lib/fleetbench /etc/fleetbench

echo "==> installing into $PREFIX"
mkdir -p "$PREFIX"
cp -a "$SRC/package.json" "$SRC/package-lock.json" "$SRC/tsconfig.base.json" "$PREFIX/"
mkdir -p "$PREFIX/apps" "$PREFIX/packages"
rm -rf "$PREFIX/apps/agent" "$PREFIX/packages/protocol"
cp -a "$SRC/apps/agent" "$PREFIX/apps/agent"
cp -a "$SRC/packages/protocol" "$PREFIX/packages/protocol"
cd "$PREFIX"
ONNXRUNTIME_NODE_INSTALL=skip npm install --omit=dev --no-audit --no-fund --workspace apps/agent --include-workspace-root=false
npx --yes -p typescript@~6.0.3 tsc -b packages/protocol apps/agent

if [ ${#ENROLL_ARGS[@]} -gt 0 ] && [ ! -s /etc/fleetbench/agent.json ]; then
  echo "==> enrolling"
  sudo -u fleetbench FLEETBENCH_AGENT_CONFIG=/etc/fleetbench/agent.json \
    node "$PREFIX/apps/agent/bin/fleetbench-agent.js" enroll "${ENROLL_ARGS[@]}" --config /etc/fleetbench/agent.json
fi
[ -s /etc/fleetbench/agent.json ] || echo "warning: not enrolled yet; run install.sh again with --hub and --token"
chmod 0600 /etc/fleetbench/agent.json 2>/dev/null || true

echo "==> installing the systemd unit"
install -m 0644 "$SRC/deploy/agent/fleetbench-agent.service" /etc/systemd/system/fleetbench-agent.service
systemctl daemon-reload
systemctl enable --now fleetbench-agent
systemctl --no-pager status fleetbench-agent | head -5
echo "done: logs with 'journalctl -u fleetbench-agent -f'"
