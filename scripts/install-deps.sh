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
  nginx openssl              # deploy/: the reverse proxy in front (tests/deploy/nginx_test.py starts one)
  libgoogle-perftools-dev   # tcmalloc, the allocator of the bursar program
  clang libclang-rt-dev llvm   # fuzz/: libFuzzer and the sanitizers' runtimes (clang), llvm-symbolizer
  libxlsxwriter-dev          # the server's .xlsx exports
  libsimdjson-dev            # the server's check that a stored audit change is JSON (server/json_check.h)
  libpango1.0-dev libcairo2-dev fonts-noto-cjk   # PDF of the official documents (Chinese text laid out by Pango on Cairo)
  poppler-utils              # pdftotext: the tests read the documents' PDF back as text
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

# The web app (web/) is built with Node.js 20 or later and npm. Debian 12's
# own nodejs is 18, too old for Vite 7, so it is not installed from here: say
# what is there and how to get a recent one. The engine, the CLI and the API
# need none of it; without it `bursar serve` serves the API alone.
node_major() { node --version 2>/dev/null | sed -nE 's/^v([0-9]+)\..*/\1/p'; }
node_ok=1
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  node_ok=0
  echo "Node.js and npm: not found." >&2
elif [[ -z "$(node_major)" || "$(node_major)" -lt 20 ]]; then
  node_ok=0
  echo "Node.js: $(node --version) is too old; the web app needs 20 or later." >&2
fi
if ((node_ok == 0)); then
  cat >&2 <<'HOW'
To build the web app (web/, `make demo`, the browser tests), install Node.js 20+ with npm:
  - Debian 13 (trixie) and later:  apt-get install nodejs npm
  - Debian 12 (bookworm):          the nodejs/npm packages of bookworm-backports when they carry 20+,
                                   or Node.js's own Debian packages for the 20.x or 22.x line
  - any system:                    a version manager such as nvm or fnm (`nvm install 20`)
Then: cd web && npm ci && npm run build; `bursar serve` serves web/dist from then on.
HOW
  if [[ "${BURSAR_REQUIRE_NODE:-0}" == 1 ]]; then exit 1; fi
else
  echo "Node.js $(node --version) and npm $(npm --version): the web app can be built" >&2
fi
echo "dependencies present" >&2
