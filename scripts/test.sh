#!/usr/bin/env bash
# Installs what the tests need (npm packages: solc, OpenZeppelin, Uniswap V2, viem, anvil, cast)
# and runs every test: the Rust workspace (unit, integration, crash tests) and the end-to-end
# suites with real clients against a real `tephra dev` process.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "installing Node.js and npm (Debian packages)"
  apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
fi
npm ci --no-audit --no-fund --loglevel=error

cargo build --release --locked --workspace --all-targets
cargo test --release --locked --workspace
bash tests/e2e/run.sh
