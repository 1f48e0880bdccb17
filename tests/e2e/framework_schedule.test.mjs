// A framework schedule from the command line and from a TOML chain config: `tephra dev` switches
// rules at the configured heights with contracts intact, and refuses a bad schedule with an
// error that names it. Runs on tephra only.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { accounts, clients, deploy, read, write } from './lib/chain.mjs';
import { rawRpc, repoRoot, startNode } from './lib/node.mjs';

const L1_BLOCK = '0x4200000000000000000000000000000000000015';
const [A0] = accounts;
const tephra = process.env.TEPHRA_BIN || path.join(repoRoot, 'target', 'release', 'tephra');

async function firstTxIsDeposit(url, number) {
  const block = (await rawRpc(url, 'eth_getBlockByNumber', [`0x${number.toString(16)}`, true])).result;
  return block.transactions[0]?.type === '0x7e';
}

async function crossesWithLiveContract(tephraArgs, expected) {
  const node = await startNode({ kind: 'tephra', tephraArgs });
  try {
    const c = clients(node);
    const storage = await deploy(c, A0, 'Storage'); // block 1
    for (let value = 1n; value <= 4n; value++) {
      await write(c, A0, { ...storage, functionName: 'set', args: [value, value * 10n] }); // blocks 2-5
    }
    for (const [number, deposit] of expected) {
      assert.equal(await firstTxIsDeposit(node.url, number), deposit, `block ${number} opens with a deposit: ${deposit}`);
    }
    for (let value = 1n; value <= 4n; value++) {
      assert.equal(await read(c, storage, 'values', [value]), value * 10n, 'state written under every framework is there');
    }
    assert.notEqual(await c.pub.getCode({ address: L1_BLOCK }), undefined, 'OP predeploys are there once op-stack has run');
  } finally {
    await node.stop();
  }
}

test('--framework-schedule switches op-stack -> ethereum -> op-stack with a live contract', () =>
  crossesWithLiveContract(
    ['--framework', 'op-stack', '--framework-schedule', '3=ethereum', '--framework-schedule', '5=op-stack'],
    [[1, true], [2, true], [3, false], [4, false], [5, true]],
  ));

test('op-stack -> zk-stack -> nitro on one chain: each block follows its framework, contracts live on', async () => {
  const node = await startNode({
    kind: 'tephra',
    tephraArgs: ['--framework', 'op-stack', '--framework-schedule', '3=zk-stack', '--framework-schedule', '5=nitro'],
  });
  try {
    const c = clients(node);
    const storage = await deploy(c, A0, 'Storage'); // block 1, op-stack
    const receipts = [storage.receipt];
    for (let value = 1n; value <= 5n; value++) {
      receipts.push(await write(c, A0, { ...storage, functionName: 'set', args: [value, value * 7n] })); // blocks 2-6
    }
    const raw = async (r) => (await rawRpc(node.url, 'eth_getTransactionReceipt', [r.transactionHash])).result;
    for (const r of receipts) {
      const n = Number(r.blockNumber);
      const receipt = await raw(r);
      const block = (await rawRpc(node.url, 'eth_getBlockByNumber', [`0x${n.toString(16)}`, true])).result;
      const framework = n < 3 ? 'op-stack' : n < 5 ? 'zk-stack' : 'nitro';
      assert.equal(block.transactions[0].type === '0x7e', framework === 'op-stack', `block ${n} (${framework}): L1 attributes deposit`);
      assert.equal(receipt.l1Fee !== undefined, framework === 'op-stack', `block ${n}: OP L1 fee fields`);
      assert.equal(receipt.l1BatchNumber !== undefined, framework === 'zk-stack', `block ${n}: ZK batch fields`);
      assert.equal(receipt.gasUsedForL1 !== undefined, framework === 'nitro', `block ${n}: Nitro poster gas`);
      if (framework === 'nitro') assert.equal((block.extraData.length - 2) / 2, 32, `block ${n}: Nitro's send root in extraData`);
    }
    for (let value = 1n; value <= 5n; value++) {
      assert.equal(await read(c, storage, 'values', [value]), value * 7n, 'state written under every framework is there');
    }
    assert.equal(await read(c, storage, 'writes'), 5n);
  } finally {
    await node.stop();
  }
});

test('a TOML chain config schedules the same switch', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tephra-schedule-'));
  const config = path.join(dir, 'chain.toml');
  writeFileSync(
    config,
    'framework = "ethereum"\n\n[[framework_schedule]]\nat_block = 3\nframework = "op-stack"\n',
  );
  return crossesWithLiveContract(['--config', config], [[1, false], [2, false], [3, true], [5, true]]);
});

test('a bad schedule or config is refused with an error naming it', () => {
  const run = (...args) => spawnSync(tephra, ['dev', '--port', '0', ...args], { encoding: 'utf8', timeout: 20_000 });
  const backwards = run('--framework-schedule', '5=op-stack', '--framework-schedule', '3=ethereum');
  assert.notEqual(backwards.status, 0);
  assert.match(backwards.stderr, /heights must increase: block 3 comes after block 5/);
  const unknown = run('--framework', 'arbitrum');
  assert.notEqual(unknown.status, 0);
  assert.match(unknown.stderr, /unknown framework "arbitrum"/);
  const malformed = run('--framework-schedule', 'soon=op-stack');
  assert.notEqual(malformed.status, 0);
  assert.match(malformed.stderr, /is not BLOCK=FRAMEWORK/);
  const dir = mkdtempSync(path.join(tmpdir(), 'tephra-config-'));
  const config = path.join(dir, 'chain.toml');
  writeFileSync(config, 'framwork = "op-stack"\n');
  const typo = run('--config', config);
  assert.notEqual(typo.status, 0);
  assert.match(typo.stderr, /framwork/);
});
