#!/usr/bin/env bash
# Runs every end-to-end check from the repo root:
#   1. contracts/check.mjs: committed artifacts equal a fresh compile;
#   2. node --test tests/e2e/*.test.mjs against the node chosen by E2E_NODE.
#
#   E2E_NODE=anvil bash tests/e2e/run.sh     reference run against anvil (npm @foundry-rs/anvil)
#   bash tests/e2e/run.sh                    against tephra (TEPHRA_BIN, default target/release/tephra)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export E2E_NODE="${E2E_NODE:-tephra}"

# Install the pinned npm tooling (solc, viem, anvil, cast, ...) when it is missing or older
# than package-lock.json.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi

node contracts/check.mjs
# Two test files at a time: each starts its own node(s) on free ports.
node --test --test-concurrency=2 tests/e2e/*.test.mjs
