// `tephra rollup create` against an L1 it did not start (a `tephra dev` chain): a config that
// is wrong is refused with an error naming the problem before anything is deployed, a rollup
// deploys, registers and produces blocks, a second one with its chain id is refused, and
// `tephra node` restarts it from its data directory. Runs on tephra only.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createPublicClient, http } from 'viem';
import { accounts } from './lib/chain.mjs';
import { until } from './lib/network.mjs';
import { freePort, rawRpc, repoRoot, startNode } from './lib/node.mjs';

const bin = process.env.TEPHRA_BIN || path.join(repoRoot, 'target', 'release', 'tephra');
// Dev account 0's key (funded on the L1) and a key nobody funded.
const FUNDED = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const UNFUNDED = '0x' + '11'.repeat(32);
const KEYS = { owner: FUNDED, batcher: FUNDED, proposer: '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d' };

let l1;
let dir;

before(async () => {
  l1 = await startNode({ kind: 'tephra', blockTime: 1, tephraArgs: ['--chain-id', '900'] });
  dir = mkdtempSync(path.join(os.tmpdir(), 'tephra-create-'));
});

after(async () => {
  await l1?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function rollupToml({ chainId = 950, framework = 'op-stack', extra = '' } = {}) {
  return [
    `chain_id = ${chainId}`,
    `framework = "${framework}"`,
    `owner_key = "${KEYS.owner}"`,
    `batcher_key = "${KEYS.batcher}"`,
    `proposer_key = "${KEYS.proposer}"`,
    'challenge_window_secs = 2',
    extra,
  ].join('\n');
}

/// Runs `tephra <args>`; resolves with its output once it exits, or once `readyText` appears
/// (then the process keeps running and is returned).
function run(args, { readyText, timeoutMs = 60_000 } = {}) {
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`tephra ${args.join(' ')} neither exited nor got ready:\n${output}`));
    }, timeoutMs);
    const onData = (chunk) => {
      output += chunk.toString();
      if (readyText && output.includes(readyText)) {
        clearTimeout(timer);
        resolve({ proc, output });
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

async function create(name, toml, { key = FUNDED, rpc = l1.url, readyText } = {}) {
  const config = path.join(dir, `${name}.toml`);
  writeFileSync(config, toml);
  const datadir = path.join(dir, name);
  const port = await freePort();
  const result = await run(
    ['rollup', 'create', '--config', config, '--l1-rpc', rpc, '--l1-key', key, '--datadir', datadir, '--port', String(port)],
    { readyText },
  );
  return { ...result, config, datadir, port };
}

async function stop(proc) {
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  proc.kill('SIGTERM');
  await exited;
}

test('an unknown framework is refused before anything is deployed', async () => {
  const nonce = (await rawRpc(l1.url, 'eth_getTransactionCount', [accounts[0].address, 'latest'])).result;
  const { code, output, datadir } = await create('bad-framework', rollupToml({ framework: 'polygon' }));
  assert.notEqual(code, 0);
  assert.match(output, /unknown framework "polygon"/);
  assert.equal(existsSync(path.join(datadir, 'deployment.json')), false);
  assert.equal((await rawRpc(l1.url, 'eth_getTransactionCount', [accounts[0].address, 'latest'])).result, nonce);
});

test('an unreachable L1 is named', async () => {
  const { code, output } = await create('no-l1', rollupToml(), { rpc: `http://127.0.0.1:${await freePort()}` });
  assert.notEqual(code, 0);
  assert.match(output, /L1 at http:\/\/127\.0\.0\.1:\d+/);
});

test('a deployer key without funds is refused before anything is sent', async () => {
  const { code, output, datadir } = await create('unfunded', rollupToml(), { key: UNFUNDED });
  assert.notEqual(code, 0);
  assert.match(output, /the deployer key 0x[0-9a-fA-F]{40} has no ETH on the L1 \(chain id 900\)/);
  assert.equal(existsSync(path.join(datadir, 'deployment.json')), false);
});

test('a rollup deploys, registers and produces blocks; its chain id is then taken; tephra node restarts it', async () => {
  const first = await create('first', rollupToml(), { readyText: 'rollup' });
  assert.ok(first.proc, `rollup create exited:\n${first.output}`);
  const url = `http://127.0.0.1:${first.port}`;
  const l2 = createPublicClient({ transport: http(url), cacheTime: 0 });
  await until(async () => (await l2.getBlockNumber()) > 2n);
  assert.equal(await l2.getChainId(), 950);
  const journal = JSON.parse(readFileSync(path.join(first.datadir, 'deployment.json'), 'utf8'));
  assert.deepEqual(journal.pending, []);
  const registry = journal.contracts.RollupRegistry;
  assert.match(registry, /^0x[0-9a-fA-F]{40}$/);
  await stop(first.proc);

  // A second rollup with the same chain id in the same registry: refused, nothing deployed.
  const taken = await create('second', rollupToml({ extra: `registry = "${registry}"` }));
  assert.notEqual(taken.code, 0);
  assert.match(taken.output, /chain id 950 is taken/);
  assert.equal(existsSync(path.join(taken.datadir, 'deployment.json')), false);

  // `tephra node` reopens the first one where it stopped.
  await assert.rejects(rawRpc(url, 'eth_blockNumber'), 'the node is stopped');
  const restarted = await run(
    ['node', '--config', first.config, '--l1-rpc', l1.url, '--datadir', first.datadir, '--port', String(first.port)],
    { readyText: 'rollup' },
  );
  assert.ok(restarted.proc, `tephra node exited:\n${restarted.output}`);
  const before = await l2.getBlockNumber();
  assert.ok(before > 2n, 'the chain resumed, not restarted from genesis');
  await until(async () => (await l2.getBlockNumber()) > before);
  await stop(restarted.proc);
});
