// Crash safety of `tephra up`: SIGKILL the whole network while deposits and withdrawals are in
// flight, start it again on the same datadir, and check that every deposit is credited on L2
// exactly once and every withdrawal can still be proven and finalized: an OP Stack rollup driven
// by viem, a Nitro one driven by @arbitrum/sdk and a ZK Stack one driven by zksync-ethers. Runs
// on tephra only.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ethers } from 'ethers';
import { createPublicClient, http, parseEther } from 'viem';
import { getL2TransactionHashes, getWithdrawals } from 'viem/op-stack';
import { utils } from 'zksync-ethers';
import { accounts } from './lib/chain.mjs';
import { opStackClients, startNetwork, until } from './lib/network.mjs';
import { ethers5, registerNitro, sdk, v5 } from './lib/nitro.mjs';
import { finalBatch, zkClients } from './lib/zk.mjs';

const [, A1, A2, A3] = accounts;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let net;
let zkNet;
let nitroNet;
after(async () => {
  await net?.stop();
  await zkNet?.stop();
  await nitroNet?.stop();
});

test('SIGKILL with deposits and withdrawals in flight: after restart each deposit is credited once, each withdrawal finalizes', async () => {
  net = await startNetwork({ rollups: [{ name: 'op', chain_id: 901, framework: 'op-stack' }] });
  let c = opStackClients(net.file, net.file.rollups[0]);

  const l2Before = await c.l2.getBalance({ address: A1.address });
  // Withdrawals first (mined on L2, not yet proposed), then deposits (mined on L1, maybe not
  // yet derived): kill as soon as the last deposit is in an L1 block.
  const withdrawals = [];
  for (const value of [parseEther('0.1'), parseEther('0.2')]) {
    const hash = await c.l2Wallet(A2).initiateWithdrawal({ request: { gas: 100_000n, to: A3.address, value } });
    withdrawals.push({ value, receipt: await c.l2.waitForTransactionReceipt({ hash }) });
  }
  const amounts = [1n, 2n, 3n, 4n, 5n].map((n) => n * 10n ** 17n);
  const nonce = await c.l1.getTransactionCount({ address: A1.address });
  const hashes = [];
  for (const [i, mint] of amounts.entries()) {
    hashes.push(
      await c.l1Wallet(A1).depositTransaction({ request: { gas: 100_000n, mint, to: A1.address }, targetChain: c.l2Chain, nonce: nonce + i }),
    );
  }
  const l1Receipts = await Promise.all(hashes.map((hash) => c.l1.waitForTransactionReceipt({ hash })));
  await net.kill();

  await net.restart();
  c = opStackClients(net.file, net.file.rollups[0]);
  for (const receipt of l1Receipts) {
    const [l2Hash] = getL2TransactionHashes(receipt);
    const l2Receipt = await c.l2.waitForTransactionReceipt({ hash: l2Hash, timeout: 20_000 });
    assert.equal(l2Receipt.status, 'success');
  }
  // Exactly once: the balance moved by the sum of the mints, no more.
  await sleep(1_500);
  const total = amounts.reduce((a, b) => a + b, 0n);
  assert.equal(await c.l2.getBalance({ address: A1.address }), l2Before + total);

  const l1Before = await c.l1.getBalance({ address: A3.address });
  for (const { receipt } of withdrawals) {
    await until(async () => (await c.l1.getWithdrawalStatus({ receipt, targetChain: c.l2Chain })) === 'ready-to-prove');
    const output = await c.l1.getL2Output({ l2BlockNumber: receipt.blockNumber, targetChain: c.l2Chain });
    const [withdrawal] = getWithdrawals(receipt);
    const args = await c.l2.buildProveWithdrawal({ output, withdrawal });
    const hash = await c.l1Wallet(A2).proveWithdrawal(args);
    assert.equal((await c.l1.waitForTransactionReceipt({ hash })).status, 'success');
  }
  for (const { receipt } of withdrawals) {
    await until(async () => (await c.l1.getWithdrawalStatus({ receipt, targetChain: c.l2Chain })) === 'ready-to-finalize');
  }
  const l1Block = await c.l1.getBlockNumber();
  await until(async () => (await c.l1.getBlockNumber()) > l1Block);
  for (const { receipt } of withdrawals) {
    const [withdrawal] = getWithdrawals(receipt);
    const hash = await c.l1Wallet(A2).finalizeWithdrawal({ targetChain: c.l2Chain, withdrawal });
    assert.equal((await c.l1.waitForTransactionReceipt({ hash })).status, 'success');
  }
  const withdrawn = withdrawals.reduce((a, w) => a + w.value, 0n);
  assert.equal(await c.l1.getBalance({ address: A3.address }), l1Before + withdrawn);
});

test('zk-stack: SIGKILL with priority requests and withdrawals in flight: each deposit is executed once, each withdrawal finalizes', async () => {
  zkNet = await startNetwork({ rollups: [{ name: 'zk', chain_id: 903, framework: 'zk-stack' }] });
  const clients = () => {
    const c = zkClients(zkNet.file, zkNet.rollup('zk'));
    return { ...c, depositor: c.wallet(1), withdrawer: c.wallet(2) };
  };
  let c = clients();
  const receiver = ethers.Wallet.createRandom().address;
  const l2Before = await c.l2.getBalance(c.depositor.address);

  // Withdrawals first (mined on L2, maybe not yet proposed), then deposits (mined on L1, maybe
  // not yet executed on L2): kill as soon as the last deposit is in an L1 block.
  const withdrawals = [];
  for (const amount of [parseEther('0.1'), parseEther('0.2')]) {
    const withdrawal = await c.withdrawer.withdraw({ token: utils.ETH_ADDRESS, amount, to: receiver });
    assert.equal((await withdrawal.wait()).status, 1);
    withdrawals.push({ hash: withdrawal.hash, amount });
  }
  const nonce = await c.l1.getTransactionCount(c.depositor.address);
  const deposits = [];
  for (const [i, amount] of [1n, 2n, 3n].map((n) => n * 10n ** 17n).entries()) {
    deposits.push(await c.depositor.deposit({ token: utils.ETH_ADDRESS, amount, overrides: { nonce: nonce + i } }));
  }
  const l1Receipts = await Promise.all(deposits.map((deposit) => deposit.waitL1Commit()));
  await zkNet.kill();

  await zkNet.restart();
  c = clients();
  const mainContract = zkNet.rollup('zk').l1_contracts.ZkChain;
  // Exactly once: the depositor's balance moved by what each deposit minted, less the L2 fee
  // each paid, no more.
  let expected = l2Before;
  for (const [i, receipt] of l1Receipts.entries()) {
    assert.equal(receipt.status, 1);
    const l2Hash = utils.getL2HashFromPriorityOp(receipt, mainContract);
    await until(async () => (await c.l2.getTransactionReceipt(l2Hash)) !== null, 20_000);
    const l2Receipt = await c.l2.getTransactionReceipt(l2Hash);
    assert.equal(l2Receipt.status, 1);
    expected += deposits[i].value - l2Receipt.gasUsed * l2Receipt.gasPrice;
  }
  await sleep(1_500);
  assert.equal(await c.l2.getBalance(c.depositor.address), expected);

  for (const { hash } of withdrawals) {
    await finalBatch(c.core, (await c.l2.getTransactionReceipt(hash)).l1BatchNumber, until);
    const finalized = await c.withdrawer.finalizeWithdrawal(hash);
    assert.equal((await finalized.wait()).status, 1);
  }
  assert.equal(await c.l1.getBalance(receiver), withdrawals.reduce((a, w) => a + w.amount, 0n));
});

test('nitro: SIGKILL with inbox deposits and withdrawals in flight: each deposit is credited once, each withdrawal executes', async () => {
  nitroNet = await startNetwork({ rollups: [{ name: 'nitro', chain_id: 902, framework: 'nitro' }] });
  const rollup = nitroNet.rollup('nitro');
  await registerNitro(nitroNet.file, rollup, createPublicClient({ transport: http(nitroNet.file.l1.rpc) }));
  const wallets = () => {
    const child = v5(rollup.rpc);
    const key = (index) => nitroNet.file.accounts[index].private_key;
    return {
      child,
      depositor: new ethers5.Wallet(key(1), v5(nitroNet.file.l1.rpc)),
      withdrawer: new ethers5.Wallet(key(2), child),
      parent: new ethers5.Wallet(key(2), v5(nitroNet.file.l1.rpc)),
    };
  };
  let w = wallets();
  const bridger = await sdk.EthBridger.fromProvider(w.child);
  const receiver = ethers.Wallet.createRandom().address;
  const l2Before = (await w.child.getBalance(w.depositor.address)).toBigInt();

  // Withdrawals first (mined on L2, maybe not yet asserted), then deposits (mined on L1, maybe
  // not yet derived): kill as soon as the last deposit is in an L1 block.
  const withdrawals = [];
  for (const amount of [parseEther('0.1'), parseEther('0.2')]) {
    const tx = await bridger.withdraw({ amount: ethers5.BigNumber.from(amount), destinationAddress: receiver, from: w.withdrawer.address, childSigner: w.withdrawer });
    const receipt = await tx.wait();
    assert.equal(receipt.status, 1);
    withdrawals.push({ receipt, amount });
  }
  const amounts = [1n, 2n, 3n].map((n) => n * 10n ** 17n);
  const nonce = await w.depositor.getTransactionCount();
  const sent = [];
  for (const [i, amount] of amounts.entries()) {
    sent.push(await bridger.deposit({ amount: ethers5.BigNumber.from(amount), parentSigner: w.depositor, overrides: { nonce: nonce + i } }));
  }
  const l1Receipts = await Promise.all(sent.map((tx) => tx.wait()));
  await nitroNet.kill();

  await nitroNet.restart();
  w = wallets();
  for (const receipt of l1Receipts) {
    assert.equal(receipt.status, 1);
    const [message] = await receipt.getEthDeposits(w.child);
    assert.equal((await message.wait()).status, 1);
  }
  // Exactly once: ETH deposits (0x64) cost no gas, so the balance moved by their sum, no more.
  await sleep(1_500);
  const total = amounts.reduce((a, b) => a + b, 0n);
  assert.equal((await w.child.getBalance(w.depositor.address)).toBigInt(), l2Before + total);

  for (const { receipt } of withdrawals) {
    const [message] = await receipt.getChildToParentMessages(w.parent);
    let timer;
    await Promise.race([
      message.waitUntilReadyToExecute(w.child, 50),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('not executable within 30 s')), 30_000))),
    ]);
    clearTimeout(timer);
    assert.equal((await (await message.execute(w.child)).wait()).status, 1);
  }
  const withdrawn = withdrawals.reduce((a, x) => a + x.amount, 0n);
  assert.equal((await w.parent.provider.getBalance(receiver)).toBigInt(), withdrawn);
});
