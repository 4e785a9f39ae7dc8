#!/usr/bin/env bash
# Installs, upgrades or removes the Fleetbench agent on a 64-bit Linux device (Raspberry Pi OS 64-bit, Ubuntu on
# x86/GPU servers, Jetson with JetPack 5+). The hub serves this script with its own URL filled in:
#
#   curl -fsSL http://HUB:4000/api/v1/agent/install.sh | sudo bash -s -- --token TOKEN [--name N] [--tag T]...
#
# It downloads the agent package from the hub (one bundled file; no git checkout, no TypeScript), verifies its
# sha256, installs it into /opt/fleetbench/versions/<version> with its native dependencies (onnxruntime-node, sharp)
# from the npm registry for this device's architecture, points /opt/fleetbench/current at it, enrolls the device
# (config /etc/fleetbench/agent.json, mode 0600) and starts the fleetbench-agent systemd unit. Running it again
# upgrades in place and keeps the config. `--uninstall` removes everything it made.
set -euo pipefail

HUB_URL="__FLEETBENCH_HUB_URL__" # filled in by the hub that serves this script
case "$HUB_URL" in __*) HUB_URL="" ;; esac

usage() {
  cat <<EOF
Usage: install.sh [--hub URL] --token TOKEN [--name NAME] [--tag TAG]... [--version V]
       install.sh --uninstall
Options:
  --hub URL        hub to install from and enroll with${HUB_URL:+ (default $HUB_URL)}
  --token TOKEN    enrollment token from the hub (Fleet page "Add device", or POST /api/v1/enrollment-tokens);
                   needed on the first install only
  --name NAME      device name shown on the hub (default: the host name)
  --tag TAG        tag for campaign selection (repeatable)
  --version V      agent version to install (default: the hub's newest)
  --uninstall      stop and remove the agent, its user, config, data and unit
  --root DIR       install under DIR instead of / (tests, image building); no system user, no root needed
  --no-systemd     do not install or start the systemd unit (print how to start the agent instead)
  --gpu            also install onnxruntime-node's CUDA/TensorRT providers (x86-64 with NVIDIA drivers; downloads
                   from api.nuget.org; CUDA 12 and cuDNN 9 must be installed; a failure leaves the CPU agent working)
EOF
}

die() {
  echo "install.sh: error: $*" >&2
  exit 1
}
say() { echo "==> $*"; }

TOKEN="" NAME="" VERSION="" ROOT="" SYSTEMD=1 UNINSTALL=0 GPU=0
TAGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --hub) HUB_URL=${2:?--hub needs a URL}; shift 2 ;;
    --token) TOKEN=${2:?--token needs a value}; shift 2 ;;
    --name) NAME=${2:?--name needs a value}; shift 2 ;;
    --tag) TAGS+=("${2:?--tag needs a value}"); shift 2 ;;
    --version) VERSION=${2:?--version needs a value}; shift 2 ;;
    --root) ROOT=${2:?--root needs a folder}; shift 2 ;;
    --no-systemd) SYSTEMD=0; shift ;;
    --gpu) GPU=1; shift ;;
    --uninstall) UNINSTALL=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option $1" ;;
  esac
done

if [ -n "$ROOT" ]; then
  mkdir -p "$ROOT"
  ROOT=$(cd "$ROOT" && pwd)
fi
PREFIX=$ROOT/opt/fleetbench
ETC=$ROOT/etc/fleetbench
DATA=$ROOT/var/lib/fleetbench
UNIT=$ROOT/etc/systemd/system/fleetbench-agent.service
CONFIG=$ETC/agent.json
SVC_USER=fleetbench
# With --root everything belongs to the caller (tests); a real install runs the agent as its own system user.
[ -n "$ROOT" ] && SVC_USER=""

[ -n "$ROOT" ] || [ "$(id -u)" = 0 ] || die "run as root (sudo bash -s -- ...): it creates a system user and a systemd unit"

as_agent() { # runs a command as the agent's user (or the caller with --root)
  if [ -z "$SVC_USER" ]; then "$@"
  elif command -v runuser >/dev/null 2>&1; then runuser -u "$SVC_USER" -- "$@"
  else sudo -u "$SVC_USER" -- "$@"; fi
}

if [ "$UNINSTALL" = 1 ]; then
  if [ "$SYSTEMD" = 1 ] && [ -z "$ROOT" ] && command -v systemctl >/dev/null 2>&1; then
    systemctl disable --now fleetbench-agent >/dev/null 2>&1 || true
  fi
  rm -f "$UNIT"
  if [ -z "$ROOT" ] && command -v systemctl >/dev/null 2>&1; then systemctl daemon-reload || true; fi
  rm -rf "$PREFIX" "$ETC" "$DATA"
  if [ -n "$SVC_USER" ] && id "$SVC_USER" >/dev/null 2>&1; then userdel "$SVC_USER" || true; fi
  say "removed the agent (its device stays listed on the hub until you revoke it there)"
  exit 0
fi

# ---- checks: each names the fix ----
arch=$(uname -m)
case "$arch" in
  x86_64 | aarch64 | arm64) ;;
  armv7l | armv6l) die "32-bit ARM ($arch) is not supported: onnxruntime-node ships no linux/arm build. Install a 64-bit OS (Raspberry Pi OS 64-bit) on a Pi 3/4/5 or Zero 2 W." ;;
  *) die "unsupported architecture $arch (supported: x86_64, aarch64)" ;;
esac
command -v node >/dev/null 2>&1 || die "Node.js >= 20 is required and was not found. Install it, e.g. from NodeSource (curl -fsSL https://deb.nodesource.com/setup_22.x | sudo bash - && sudo apt-get install -y nodejs) or the official tarball from nodejs.org."
node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' ||
  die "Node.js >= 20 is required, found $(node --version). Upgrade it (NodeSource: https://github.com/nodesource/distributions)."
command -v npm >/dev/null 2>&1 || die "npm was not found beside Node.js (Debian/Ubuntu: apt-get install npm, or use the NodeSource nodejs package, which includes it)."
command -v curl >/dev/null 2>&1 || die "curl is required (apt-get install curl)."
# The Node that runs the agent decides which native binaries load: check its architecture and C library.
node_arch=$(node -p 'process.arch')
case "$node_arch" in
  x64 | arm64) ;;
  *) die "Node.js is built for $node_arch; the agent needs an x64 or arm64 Node (onnxruntime-node has no $node_arch build). Install the 64-bit Node.js." ;;
esac
glibc=$(node -p 'process.report.getReport().header.glibcVersionRuntime || ""' 2>/dev/null || true)
[ -n "$glibc" ] || glibc=$(ldd --version 2>/dev/null | head -1 | grep -oE '[0-9]+\.[0-9]+$' || true)
[ -n "$glibc" ] || die "no glibc found (musl systems such as Alpine are not supported: onnxruntime-node needs glibc >= 2.28). Use a Debian/Ubuntu-based OS."
if [ "$(printf '%s\n2.28\n' "$glibc" | sort -V | head -1)" != "2.28" ]; then
  die "glibc $glibc is too old: onnxruntime-node and Node 20 need glibc >= 2.28 (Ubuntu 18.04 / JetPack 4 cannot run the agent; use Ubuntu 20.04+ or JetPack 5+)."
fi
[ -n "$HUB_URL" ] || die "give the hub's URL with --hub http://HUB:4000 (the script served by a hub knows it)."
HUB_URL=${HUB_URL%/}
[ -s "$CONFIG" ] || [ -n "$TOKEN" ] ||
  die "not enrolled yet: give an enrollment token with --token (Fleet page \"Add device\" on the dashboard, or POST $HUB_URL/api/v1/enrollment-tokens)."

# ---- download and verify the package ----
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
want=${VERSION:-latest}
say "asking $HUB_URL for agent version $want"
curl -fsS "$HUB_URL/api/v1/agent/packages/$want" -o "$TMP/package.json" ||
  die "could not get agent package $want from $HUB_URL (is the URL right and the hub running? list versions with GET $HUB_URL/api/v1/agent/packages)."
read -r VERSION SHA256 < <(node -e '
  const p = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  if (!/^[0-9A-Za-z][0-9A-Za-z.-]*$/.test(p.version) || !/^[0-9a-f]{64}$/.test(p.sha256)) process.exit(1);
  console.log(p.version, p.sha256);' "$TMP/package.json") || die "the hub's answer is not an agent package description: $(head -c 300 "$TMP/package.json")"
DEST=$PREFIX/versions/$VERSION

if [ -f "$DEST/.installed" ] && [ "$(cat "$DEST/.installed")" = "$SHA256" ]; then
  say "agent $VERSION is already installed"
else
  say "downloading agent $VERSION"
  curl -fsS "$HUB_URL/api/v1/agent/package?version=$VERSION" -o "$TMP/agent.tgz" || die "download of agent $VERSION from $HUB_URL failed."
  got=$(node -e 'const h=require("crypto").createHash("sha256");require("fs").createReadStream(process.argv[1]).on("data",(d)=>h.update(d)).on("end",()=>console.log(h.digest("hex")))' "$TMP/agent.tgz")
  [ "$got" = "$SHA256" ] || die "the downloaded package's sha256 is $got, expected $SHA256 (a proxy or a broken download changed it); nothing was installed. Run the script again."

  say "installing into $DEST"
  mkdir -p "$PREFIX/versions"
  rm -rf "$DEST.tmp"
  mkdir -p "$DEST.tmp"
  tar -xzf "$TMP/agent.tgz" -C "$DEST.tmp" --strip-components=1 --no-same-owner
  # The same native dependencies as the running version: reuse its node_modules (hard links) instead of ~300 MB.
  if [ -d "$PREFIX/current/node_modules" ] && node -e '
      const [a, b] = process.argv.slice(1).map((f) => JSON.stringify(require(f).dependencies));
      process.exit(a === b ? 0 : 1);' "$PREFIX/current/package.json" "$DEST.tmp/package.json"; then
    say "native dependencies unchanged: reusing them from $(readlink "$PREFIX/current")"
    cp -al "$PREFIX/current/node_modules" "$DEST.tmp/node_modules" 2>/dev/null || cp -a "$PREFIX/current/node_modules" "$DEST.tmp/node_modules"
  else
    say "installing native dependencies for linux/$node_arch from the npm registry (onnxruntime-node is a large download)"
    started=$(date +%s)
    # Scripts stay off: onnxruntime-node's postinstall only fetches optional CUDA binaries; the CPU build is in the
    # package, and sharp's binaries come as per-platform optional packages npm picks for this machine.
    (cd "$DEST.tmp" && ONNXRUNTIME_NODE_INSTALL=skip npm install --omit=dev --ignore-scripts --no-audit --no-fund \
      --no-package-lock --loglevel=error) ||
      die "npm install of the native dependencies failed (see above). Check that this device reaches registry.npmjs.org (or your npm registry), then run the script again."
    # onnxruntime-node carries every OS and architecture; keep this one's (saves ~250 MB).
    ort=$DEST.tmp/node_modules/onnxruntime-node/bin
    if [ -d "$ort" ]; then
      for d in "$ort"/napi-v*/*; do [ "$(basename "$d")" = linux ] || rm -rf "$d"; done
      for d in "$ort"/napi-v*/linux/*; do [ "$(basename "$d")" = "$node_arch" ] || rm -rf "$d"; done
    fi
    say "native dependencies installed in $(($(date +%s) - started)) s"
  fi
  ver=$(node "$DEST.tmp/bin/fleetbench-agent.js" --version) || die "the installed agent does not start (see above)."
  [ "$ver" = "$VERSION" ] || die "the package says version $ver, the hub said $VERSION."
  (cd "$DEST.tmp" && node -e 'require("onnxruntime-node"); require("sharp")') ||
    die "onnxruntime-node or sharp does not load on this device (see above); nothing was switched."
  echo "$SHA256" >"$DEST.tmp/.installed"
  rm -rf "$DEST"
  mv "$DEST.tmp" "$DEST"
fi

# ---- optional GPU step: onnxruntime-node's own CUDA install (the npm install above skipped it) ----
if [ "$GPU" = 1 ]; then
  say "GPU step: installing onnxruntime-node's CUDA/TensorRT providers (a download from api.nuget.org)"
  if node "$DEST/bin/fleetbench-agent.js" gpu-install; then
    node "$DEST/bin/fleetbench-agent.js" doctor | grep -E '^(ok|warn) +provider ' || true
  else
    say "warning: the GPU step did not complete (see above); the agent is installed and runs on the CPU provider"
  fi
fi

# A manual install decides the version: a self-upgrade still waiting for confirmation no longer applies.
rm -f "$PREFIX/upgrade.json"
previous=$(readlink "$PREFIX/current" 2>/dev/null || true)
ln -sfn "versions/$VERSION" "$PREFIX/current.new"
mv -T "$PREFIX/current.new" "$PREFIX/current"
if [ -n "$previous" ] && [ "$previous" != "versions/$VERSION" ]; then
  ln -sfn "$previous" "$PREFIX/previous.new" && mv -T "$PREFIX/previous.new" "$PREFIX/previous"
fi
# Keep the current and the previous version (for rollback); remove older ones.
keep_prev=$(readlink "$PREFIX/previous" 2>/dev/null || true)
for d in "$PREFIX"/versions/*; do
  [ -d "$d" ] || continue
  rel=versions/$(basename "$d")
  [ "$rel" = "versions/$VERSION" ] || [ "$rel" = "$keep_prev" ] || rm -rf "$d"
done

# ---- user, folders, enrollment ----
if [ -n "$SVC_USER" ] && ! id "$SVC_USER" >/dev/null 2>&1; then
  say "creating the system user $SVC_USER"
  useradd --system --home-dir /var/lib/fleetbench --shell /usr/sbin/nologin "$SVC_USER"
fi
mkdir -p "$ETC" "$DATA"
chmod 0750 "$ETC" "$DATA"
# The agent owns its install folder so that it can switch versions itself when the hub rolls one out.
if [ -n "$SVC_USER" ]; then chown -R "$SVC_USER:$SVC_USER" "$PREFIX" "$ETC" "$DATA"; fi

AGENT=("$(command -v node)" "$PREFIX/current/bin/fleetbench-agent.js")
if [ -s "$CONFIG" ]; then
  say "already enrolled ($CONFIG kept); upgraded to $VERSION"
elif [ -z "$TOKEN" ]; then
  die "not enrolled yet: give an enrollment token with --token (Fleet page \"Add device\" on the dashboard)."
else
  say "enrolling with $HUB_URL"
  args=(enroll --hub "$HUB_URL" --token "$TOKEN" --config "$CONFIG")
  [ -n "$NAME" ] && args+=(--name "$NAME")
  for t in "${TAGS[@]}"; do args+=(--tag "$t"); done
  as_agent env FLEETBENCH_AGENT_DATA_DIR="$DATA" "${AGENT[@]}" "${args[@]}" || die "enrollment failed (see above); fix it and run the script again."
  chmod 0600 "$CONFIG"
fi

# ---- systemd ----
if [ "$SYSTEMD" = 1 ]; then
  [ -n "$ROOT" ] || command -v systemctl >/dev/null 2>&1 || die "systemd was not found; run again with --no-systemd and start the agent yourself."
  say "installing the systemd unit"
  mkdir -p "$(dirname "$UNIT")"
  # The unit names this machine's node (nvm or /usr/local installs are not on systemd's PATH).
  sed -e "s#/usr/bin/env node#${AGENT[0]}#" "$PREFIX/current/fleetbench-agent.service" >"$UNIT.new"
  chmod 0644 "$UNIT.new"
  if command -v systemd-analyze >/dev/null 2>&1; then
    cp "$UNIT.new" "$TMP/fleetbench-agent.service"
    systemd-analyze verify "$TMP/fleetbench-agent.service" || die "systemd-analyze rejects the unit (see above); nothing was changed in systemd."
  fi
  mv "$UNIT.new" "$UNIT"
  if [ -z "$ROOT" ]; then
    systemctl daemon-reload
    systemctl enable fleetbench-agent >/dev/null
    systemctl restart fleetbench-agent
    systemctl --no-pager status fleetbench-agent | head -5 || true
    say "done: agent $VERSION runs as the fleetbench-agent service; logs: journalctl -u fleetbench-agent -f"
  else
    say "done: agent $VERSION installed under $ROOT with its unit in $UNIT (not started: --root)"
  fi
else
  say "done: agent $VERSION installed; start it with:"
  echo "  FLEETBENCH_AGENT_DATA_DIR=$DATA ${AGENT[*]} run --config $CONFIG"
fi
