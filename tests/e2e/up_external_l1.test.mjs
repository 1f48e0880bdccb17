// `tephra up` settling on an external L1 it did not start: anvil (npm @foundry-rs/anvil),
// started by this test. The rollup's keys are funded from anvil's dev account 0, its contracts
// deployed there, and the same viem-driven (OP Stack), @arbitrum/sdk-driven (Nitro) and
// zksync-ethers-driven (ZK Stack) deposits and withdrawals go through. Three deployments at
// once overfill anvil's blocks, and anvil then drops the rest of a sender's queue: the
// deployer sends such steps again. Runs on tephra only (anvil is the L1 here, not the node
// under test).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ethers } from 'ethers';
import { parseAbi, parseEther } from 'viem';
import { getL2TransactionHashes, getWithdrawals } from 'viem/op-stack';
import { utils } from 'zksync-ethers';
import { accounts } from './lib/chain.mjs';
import { opStackClients, startNetwork, until } from './lib/network.mjs';
import { ethers5, registerNitro, sdk, v5 } from './lib/nitro.mjs';
import { startNode } from './lib/node.mjs';
import { finalBatch, zkClients } from './lib/zk.mjs';

const [, A1, A2, A3] = accounts;

let anvil;
let net;
let c;

before(async () => {
  anvil = await startNode({ kind: 'anvil', blockTime: 1 });
  net = await startNetwork({
    l1: { rpc: anvil.url },
    rollups: [
      { name: 'op', chain_id: 901, framework: 'op-stack' },
      { name: 'nitro', chain_id: 902, framework: 'nitro' },
      { name: 'zk', chain_id: 903, framework: 'zk-stack' },
    ],
  });
  c = opStackClients(net.file, net.file.rollups[0]);
});

after(async () => {
  await net?.stop();
  await anvil?.stop();
});

test('on anvil as the L1: the network file names it, and the rollup is registered there', async () => {
  assert.equal(net.file.l1.chain_id, 31337);
  assert.equal(net.file.l1.rpc, anvil.url);
  const code = await c.l1.getCode({ address: net.file.rollups[0].l1_contracts.OptimismPortal });
  assert.ok(code && code.length > 2, 'the portal is deployed on anvil');
  const registry = net.file.l1_contracts.RollupRegistry;
  const abi = parseAbi(['function isRegistered(uint256) view returns (bool)', 'function coreOf(uint256) view returns (address)']);
  assert.equal(await c.l1.readContract({ address: registry, abi, functionName: 'isRegistered', args: [901n] }), true);
  assert.equal(
    (await c.l1.readContract({ address: registry, abi, functionName: 'coreOf', args: [901n] })).toLowerCase(),
    net.file.rollups[0].l1_contracts.RollupCore.toLowerCase(),
  );
});

test('on anvil as the L1: a deposit is credited and a withdrawal finalizes', async () => {
  const mint = parseEther('2');
  const before = await c.l2.getBalance({ address: A1.address });
  const hash = await c.l1Wallet(A1).depositTransaction({ request: { gas: 100_000n, mint, to: A1.address }, targetChain: c.l2Chain });
  const receipt = await c.l1.waitForTransactionReceipt({ hash });
  const [l2Hash] = getL2TransactionHashes(receipt);
  assert.equal((await c.l2.waitForTransactionReceipt({ hash: l2Hash, timeout: 10_000 })).status, 'success');
  assert.equal(await c.l2.getBalance({ address: A1.address }), before + mint);

  const value = parseEther('0.3');
  const wHash = await c.l2Wallet(A2).initiateWithdrawal({ request: { gas: 100_000n, to: A3.address, value } });
  const wReceipt = await c.l2.waitForTransactionReceipt({ hash: wHash });
  await until(async () => (await c.l1.getWithdrawalStatus({ receipt: wReceipt, targetChain: c.l2Chain })) === 'ready-to-prove');
  const output = await c.l1.getL2Output({ l2BlockNumber: wReceipt.blockNumber, targetChain: c.l2Chain });
  const [withdrawal] = getWithdrawals(wReceipt);
  const proveHash = await c.l1Wallet(A2).proveWithdrawal(await c.l2.buildProveWithdrawal({ output, withdrawal }));
  assert.equal((await c.l1.waitForTransactionReceipt({ hash: proveHash })).status, 'success');
  await until(async () => (await c.l1.getWithdrawalStatus({ receipt: wReceipt, targetChain: c.l2Chain })) === 'ready-to-finalize');
  const l1Block = await c.l1.getBlockNumber();
  await until(async () => (await c.l1.getBlockNumber()) > l1Block);
  const l1Before = await c.l1.getBalance({ address: A3.address });
  const fHash = await c.l1Wallet(A2).finalizeWithdrawal({ targetChain: c.l2Chain, withdrawal });
  assert.equal((await c.l1.waitForTransactionReceipt({ hash: fHash })).status, 'success');
  assert.equal(await c.l1.getBalance({ address: A3.address }), l1Before + value);
});

test('on anvil as the L1: a zksync-ethers deposit is credited and a withdrawal finalizes', async () => {
  const zk = zkClients(net.file, net.rollup('zk'));
  assert.equal(Number(await zk.l2.send('zks_L1ChainId', [])), 31337);
  const depositor = zk.wallet(4);
  const amount = parseEther('1.5');
  const before = await zk.l2.getBalance(depositor.address);
  const deposit = await depositor.deposit({ token: utils.ETH_ADDRESS, amount });
  const l2Receipt = await deposit.wait();
  assert.equal(l2Receipt.status, 1);
  assert.equal(await zk.l2.getBalance(depositor.address), before + deposit.value - l2Receipt.gasUsed * l2Receipt.gasPrice);

  const receiver = ethers.Wallet.createRandom().address;
  const withdrawer = zk.wallet(5);
  const value = parseEther('0.3');
  const withdrawal = await withdrawer.withdraw({ token: utils.ETH_ADDRESS, amount: value, to: receiver });
  const wReceipt = await withdrawal.wait();
  await finalBatch(zk.core, wReceipt.l1BatchNumber, until);
  const finalized = await withdrawer.finalizeWithdrawal(withdrawal.hash);
  assert.equal((await finalized.wait()).status, 1);
  assert.equal(await zk.l1.getBalance(receiver), value);
});

test('on anvil as the L1: an @arbitrum/sdk deposit is credited and a withdrawal is executed', async () => {
  const rollup = net.rollup('nitro');
  await registerNitro(net.file, rollup, c.l1);
  const key = net.file.accounts[6].private_key;
  const parent = new ethers5.Wallet(key, v5(anvil.url));
  const childProvider = v5(rollup.rpc);
  const child = new ethers5.Wallet(key, childProvider);
  const bridger = await sdk.EthBridger.fromProvider(childProvider);
  const amount = ethers5.BigNumber.from(parseEther('1.25'));
  const before = await childProvider.getBalance(parent.address);
  const deposit = await (await bridger.deposit({ amount, parentSigner: parent })).wait();
  const [message] = await deposit.getEthDeposits(childProvider);
  assert.equal((await message.wait()).status, 1);
  assert.equal((await childProvider.getBalance(parent.address)).toBigInt(), before.toBigInt() + amount.toBigInt());

  const receiver = ethers.Wallet.createRandom().address;
  const value = ethers5.BigNumber.from(parseEther('0.4'));
  const withdrawal = await (await bridger.withdraw({ amount: value, destinationAddress: receiver, from: child.address, childSigner: child })).wait();
  const [outgoing] = await withdrawal.getChildToParentMessages(parent);
  let timer;
  await Promise.race([
    outgoing.waitUntilReadyToExecute(childProvider, 50),
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('not executable within 30 s')), 30_000))),
  ]);
  clearTimeout(timer);
  assert.equal((await (await outgoing.execute(childProvider)).wait()).status, 1);
  assert.equal((await parent.provider.getBalance(receiver)).toBigInt(), value.toBigInt());
});
