#!/usr/bin/env bash
# Installs every Debian package bursar needs to build, test and run.
# Idempotent; needs root (or sudo). Packages only from Debian's archive.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  nlohmann-json3-dev libssl-dev libsodium-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3
  libsqlite3-dev sqlite3 libpq-dev postgresql postgresql-client
  libcpp-httplib-dev wrk
  libgoogle-perftools-dev   # tcmalloc, the allocator of the bursar program
  clang libclang-rt-dev llvm   # fuzz/: libFuzzer and the sanitizers' runtimes (clang), llvm-symbolizer
  libxlsxwriter-dev          # the server's .xlsx exports
  chromium fonts-noto-cjk   # web/ browser tests: Debian's Chromium, and CJK fonts for the Chinese pages
)

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "dependencies present" >&2
