// Starts and stops the dev node a suite runs against, as a child process on a free loopback port.
//
// Which node: env E2E_NODE = `tephra` (default) or `anvil`.
//   tephra: env TEPHRA_BIN (default <repo>/target/release/tephra), run as
//           `tephra dev --port <p> [--block-time <secs>s]`
//   anvil:  the binary shipped by the npm package @foundry-rs/anvil, run as
//           `anvil --port <p> --hardfork osaka [--block-time <secs>]`
// Both serve HTTP and WebSocket JSON-RPC on the same port, chain id 31337, and fund the 10
// accounts of the `test ... junk` mnemonic with 10000 ETH.
//
// anvil 1.7.1 defaults to its `latest` hardfork (it reports "Bpo1", i.e. Osaka plus the first
// blob-parameter fork); Tephra's dev chain targets Prague, so the reference is pinned to Prague.
// Other anvil defaults the suites rely on, and which Tephra's dev genesis shares
// (crates/primitives/src/dev.rs): genesis base fee 1 gwei, block gas limit 30,000,000, one
// block per transaction when no block time is given. differential.test.mjs asserts them.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/// Node kind under test, from E2E_NODE.
export function nodeKind() {
  const kind = process.env.E2E_NODE || 'tephra';
  if (kind !== 'tephra' && kind !== 'anvil') throw new Error(`E2E_NODE must be "tephra" or "anvil", got "${kind}"`);
  return kind;
}

/// Path of a Foundry binary (`anvil`, `cast`) shipped by its npm package. The packages
/// @foundry-rs/<tool> depend on one optional package per platform, e.g.
/// @foundry-rs/anvil-linux-amd64, whose bin/<tool> is the binary; when that optional package was
/// not installed, the wrapper's postinstall leaves the binary in the wrapper's own directory.
export function foundryBin(tool) {
  const arch = { x64: 'amd64', arm64: 'arm64' }[process.arch];
  const candidates = [];
  try {
    const pkg = require.resolve(`@foundry-rs/${tool}-${process.platform}-${arch}/package.json`);
    candidates.push(path.join(path.dirname(pkg), 'bin', tool));
  } catch {
    // optional platform package absent: fall through to the wrapper's copy
  }
  try {
    candidates.push(path.join(path.dirname(require.resolve(`@foundry-rs/${tool}/package.json`)), tool));
  } catch {
    // wrapper not installed either
  }
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`no ${tool} binary in node_modules (looked at ${candidates.join(', ') || 'nothing'}): run npm install`);
  return found;
}

/// Ports this process has handed out: the OS may offer a port again once its probe closed,
/// and one network config holding it twice is refused ("port … is taken").
const handedOut = new Set();

/// A free TCP port on 127.0.0.1 (the OS picks it; the node binds it right after), never one
/// this process handed out before.
export async function freePort() {
  for (;;) {
    const port = await new Promise((resolve, reject) => {
      const srv = net.createServer();
      srv.unref();
      srv.on('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const { port } = srv.address();
        srv.close(() => resolve(port));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

function commandFor(kind, port, blockTime, tephraArgs) {
  if (kind === 'anvil') {
    const args = ['--port', String(port), '--hardfork', 'osaka'];
    if (blockTime) args.push('--block-time', String(blockTime));
    return { bin: foundryBin('anvil'), args };
  }
  const bin = process.env.TEPHRA_BIN || path.join(repoRoot, 'target', 'release', 'tephra');
  if (!existsSync(bin)) throw new Error(`tephra binary not found at ${bin}: build it (cargo build --release) or set TEPHRA_BIN`);
  const args = ['dev', '--port', String(port), ...tephraArgs];
  if (blockTime) args.push('--block-time', `${blockTime}s`);
  return { bin, args };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/// Sends one JSON-RPC request over HTTP; returns the whole response object (result or error).
export async function rawRpc(url, method, params = []) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return res.json();
}

/// Starts a node and resolves once `eth_chainId` answers. `blockTime` (seconds) turns on
/// interval mining; absent means one block per transaction. `tephraArgs` are extra flags of
/// `tephra dev` (`['--framework', 'op-stack']`), for suites that run on tephra only.
export async function startNode({ kind = nodeKind(), blockTime, tephraArgs = [], startTimeoutMs = 30_000 } = {}) {
  let lastError;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const { bin, args } = commandFor(kind, port, blockTime, tephraArgs);
    const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk) => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    proc.stdout.on('data', keep);
    proc.stderr.on('data', keep);
    let exited = null;
    const exitPromise = new Promise((resolve) => {
      proc.on('exit', (code, signal) => {
        exited = { code, signal };
        resolve(exited);
      });
      proc.on('error', (err) => {
        exited = { code: null, signal: null, err };
        resolve(exited);
      });
    });
    const url = `http://127.0.0.1:${port}`;
    const node = {
      kind,
      port,
      url,
      wsUrl: `ws://127.0.0.1:${port}`,
      proc,
      output: () => output,
      async stop(timeoutMs = 5_000) {
        if (exited) return exited;
        proc.kill('SIGTERM');
        let timer;
        const timeout = new Promise((resolve) => {
          timer = setTimeout(() => resolve('timeout'), timeoutMs);
        });
        const first = await Promise.race([exitPromise, timeout]);
        clearTimeout(timer);
        if (first === 'timeout') {
          proc.kill('SIGKILL');
          await exitPromise;
        }
        return exited;
      },
    };
    const deadline = Date.now() + startTimeoutMs;
    while (!exited && Date.now() < deadline) {
      try {
        const r = await rawRpc(url, 'eth_chainId');
        if (r.result) return node;
      } catch {
        // not listening yet
      }
      await sleep(50);
    }
    await node.stop();
    lastError = new Error(
      `${kind} (${bin} ${args.join(' ')}) did not answer eth_chainId within ${startTimeoutMs} ms` +
        ` (exit ${JSON.stringify(exited)}); last output:\n${output}`,
    );
    // Retry only when the process died early, e.g. because another process took the port.
    if (!exited) break;
  }
  throw lastError;
}

/// Registers `before`/`after` hooks that start a node for the current file (or describe block)
/// and stop it afterwards. Returns a handle whose `node` is set once `before` ran; `onReady(node)`
/// runs inside the same hook (node:test may run separate `before` hooks concurrently).
export function useNode(opts = {}, onReady = () => {}) {
  const handle = { node: null };
  before(async () => {
    handle.node = await startNode(opts);
    await onReady(handle.node);
  });
  after(async () => {
    await handle.node?.stop();
  });
  return handle;
}
