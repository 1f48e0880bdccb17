// Interval mining: started with a 1 s block time (tephra `--block-time 1s`, anvil
// `--block-time 1`), the node seals blocks on its own, with or without transactions, and a
// transaction waits for the next tick instead of getting a block of its own.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accounts, clients, receiptOf, sleep } from './lib/chain.mjs';
import { useNode } from './lib/node.mjs';

let c;
useNode({ blockTime: 1 }, (node) => {
  c = clients(node);
});
const [A0, A1, A2] = accounts;

test('empty blocks are sealed every second', async () => {
  const start = await c.pub.getBlockNumber();
  await sleep(2_600);
  const now = await c.pub.getBlockNumber();
  assert.ok(now - start >= 2n && now - start <= 4n, `${now - start} blocks in 2.6 s`);
  let prev = await c.pub.getBlock({ blockNumber: start });
  for (let n = start + 1n; n <= now; n++) {
    const b = await c.pub.getBlock({ blockNumber: n });
    assert.equal(b.transactions.length, 0);
    assert.equal(b.parentHash, prev.hash);
    const dt = b.timestamp - prev.timestamp;
    assert.ok(dt >= 1n && dt <= 2n, `block ${n}: ${dt} s after its parent`);
    prev = b;
  }
});

test('transactions sent together wait for the next tick and share its block', async () => {
  // Send right after a block was sealed, so that the next tick is about a second away.
  const head = await c.pub.getBlockNumber();
  while ((await c.pub.getBlockNumber()) === head) await sleep(20);
  const hashes = await Promise.all([A1, A2].map((a) => c.wallet(a).sendTransaction({ to: A0.address, value: 1n })));
  assert.equal(await c.pub.getTransactionReceipt({ hash: hashes[0] }).catch(() => null), null, 'not mined before the tick');
  const receipts = await Promise.all(hashes.map((h) => receiptOf(c.pub, h, 5_000)));
  assert.equal(receipts[0].blockNumber, receipts[1].blockNumber);
  const block = await c.pub.getBlock({ blockNumber: receipts[0].blockNumber });
  assert.deepEqual([...block.transactions].sort(), [...hashes].sort());
  assert.ok(receipts.every((r) => r.status === 'success'));
});
