// Starts `tephra up` (a whole network: an L1 and rollups) as a child process, on free loopback
// ports, and reads the network.json it writes.
//
//   const net = await startNetwork({ rollups: [{ name: 'op', chain_id: 901, framework: 'op-stack' }] });
//   net.file            // network.json: { l1, rollups, accounts, l1_contracts, metalayer }
//   await net.kill()    // SIGKILL (crash), net.restart() reopens the same datadir
//   await net.stop()    // SIGTERM, then removes the datadir

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPublicClient, createWalletClient, defineChain, http } from 'viem';
import { chainConfig, publicActionsL1, publicActionsL2, walletActionsL1, walletActionsL2 } from 'viem/op-stack';
import { freePort, repoRoot } from './node.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/// The network.toml of `l1` (`{ rpc }` for an external L1, else embedded), `rollups`
/// (name, chain_id, framework, optional gas_token, block_time_ms, challenge_window_secs) and
/// `metalayer` (`{ guardians, epoch_ms, relayer_submit_after_ms }`; without it, no guardians), every embedded chain and
/// guardian on free ports.
async function networkToml({ l1 = {}, rollups, metalayer }) {
  const lines = ['[l1]'];
  if (l1.rpc) {
    lines.push(`rpc = "${l1.rpc}"`);
  } else {
    lines.push(`chain_id = ${l1.chain_id ?? 900}`, `port = ${await freePort()}`, `block_time_ms = ${l1.block_time_ms ?? 1000}`);
  }
  for (const rollup of rollups) {
    lines.push('', '[[rollup]]');
    for (const [key, value] of Object.entries({ port: await freePort(), challenge_window_secs: 2, ...rollup })) {
      lines.push(`${key} = ${typeof value === 'string' ? `"${value}"` : value}`);
    }
  }
  lines.push('', '[metalayer]');
  const guardians = metalayer?.guardians ?? 0;
  lines.push(`guardians = ${guardians}`, `epoch_ms = ${metalayer?.epoch_ms ?? 250}`);
  if (metalayer?.relayer_submit_after_ms !== undefined) lines.push(`relayer_submit_after_ms = ${metalayer.relayer_submit_after_ms}`);
  const ports = [];
  for (let i = 0; i < 2 * guardians; i++) ports.push(await freePort());
  lines.push(`ports = [${ports.join(', ')}]`);
  return lines.join('\n') + '\n';
}

function spawnUp(bin, configPath, datadir) {
  const proc = spawn(bin, ['up', '--config', configPath, '--datadir', datadir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk.toString()).slice(-50_000);
  };
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return { proc, exited, output: () => output };
}

async function waitForFile(file, run, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let done = null;
  run.exited.then((e) => (done = e));
  while (Date.now() < deadline) {
    if (done) throw new Error(`tephra up exited (${JSON.stringify(done)}) before writing network.json:\n${run.output()}`);
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
    await sleep(50);
  }
  throw new Error(`tephra up wrote no network.json within ${timeoutMs} ms:\n${run.output()}`);
}

/// Starts `tephra up` on a generated network.toml in a fresh datadir; resolves with the
/// network once network.json is written (every rollup has sealed a block).
export async function startNetwork(spec, { timeoutMs = 60_000 } = {}) {
  const bin = process.env.TEPHRA_BIN || path.join(repoRoot, 'target', 'release', 'tephra');
  if (!existsSync(bin)) throw new Error(`tephra binary not found at ${bin}: cargo build --release`);
  const datadir = mkdtempSync(path.join(os.tmpdir(), 'tephra-up-'));
  const configPath = path.join(datadir, 'network.toml');
  writeFileSync(configPath, await networkToml(spec));
  const networkFile = path.join(datadir, 'network.json');
  const started = Date.now();
  let run = spawnUp(bin, configPath, datadir);
  const net = {
    datadir,
    file: await waitForFile(networkFile, run, timeoutMs),
    startupMs: Date.now() - started,
    output: () => run.output(),
    /// The rollup named `name` in network.json.
    rollup(name) {
      const rollup = net.file.rollups.find((r) => r.name === name);
      if (!rollup) throw new Error(`no rollup ${name} in network.json`);
      return rollup;
    },
    /// SIGKILL: a crash at whatever moment the process is in.
    async kill() {
      run.proc.kill('SIGKILL');
      await run.exited;
    },
    /// Starts `tephra up` again on the same datadir (after kill or stop).
    async restart() {
      rmSync(networkFile, { force: true });
      run = spawnUp(bin, configPath, datadir);
      net.file = await waitForFile(networkFile, run, timeoutMs);
      return net;
    },
    async stop() {
      run.proc.kill('SIGTERM');
      const timer = setTimeout(() => run.proc.kill('SIGKILL'), 10_000);
      await run.exited;
      clearTimeout(timer);
      if (!process.env.TEPHRA_KEEP_DATADIR) rmSync(datadir, { recursive: true, force: true });
    },
  };
  return net;
}

/// Polls `check` every 100 ms until it holds (fails after `timeoutMs`).
export async function until(check, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms: ${check}`);
    await sleep(100);
  }
}

/// viem clients for an OP Stack rollup of `file` (network.json) and its L1, with viem's
/// OP Stack actions: `l1`/`l1Wallet(account)` on the L1, `l2`/`l2Wallet(account)` on the
/// rollup, and `l2Chain` (its chain, naming its portal and output oracle on the L1).
/// viem batches the oracle's reads through Multicall3, which the L1 need not have: its
/// deployless multicall runs the batch as a creation call instead.
export function opStackClients(file, rollup) {
  const l1Id = file.l1.chain_id;
  const l1Chain = defineChain({
    id: l1Id,
    name: 'l1',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [file.l1.rpc] } },
  });
  const l2Chain = defineChain({
    ...chainConfig,
    id: rollup.chain_id,
    name: rollup.name,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rollup.rpc] } },
    sourceId: l1Id,
    contracts: {
      ...chainConfig.contracts,
      portal: { [l1Id]: { address: rollup.l1_contracts.OptimismPortal } },
      l2OutputOracle: { [l1Id]: { address: rollup.l1_contracts.L2OutputOracle } },
    },
  });
  const opts = { pollingInterval: 50, cacheTime: 0 };
  const l1Transport = http(file.l1.rpc);
  const l2Transport = http(rollup.rpc);
  return {
    l2Chain,
    l1: createPublicClient({ chain: l1Chain, transport: l1Transport, batch: { multicall: { deployless: true } }, ...opts }).extend(
      publicActionsL1(),
    ),
    l1Wallet: (account) => createWalletClient({ chain: l1Chain, account, transport: l1Transport, ...opts }).extend(walletActionsL1()),
    l2: createPublicClient({ chain: l2Chain, transport: l2Transport, ...opts }).extend(publicActionsL2()),
    l2Wallet: (account) => createWalletClient({ chain: l2Chain, account, transport: l2Transport, ...opts }).extend(walletActionsL2()),
  };
}
