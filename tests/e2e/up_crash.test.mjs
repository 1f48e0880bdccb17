// Crash safety of `tephra up`: SIGKILL the whole network while deposits and withdrawals are in
// flight, start it again on the same datadir, and check that every deposit is credited on L2
// exactly once and every withdrawal can still be proven and finalized. Runs on tephra only.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createPublicClient, createWalletClient, defineChain, http, parseEther } from 'viem';
import { chainConfig, getL2TransactionHashes, getWithdrawals, publicActionsL1, publicActionsL2, walletActionsL1, walletActionsL2 } from 'viem/op-stack';
import { accounts, artifact } from './lib/chain.mjs';
import { startNetwork } from './lib/network.mjs';

const [, A1, A2, A3] = accounts;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(check, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms: ${check}`);
    await sleep(100);
  }
}

function connect(file, multicall3) {
  const rollup = file.rollups[0];
  const l1Id = file.l1.chain_id;
  const l1Chain = defineChain({
    id: l1Id,
    name: 'l1',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [file.l1.rpc] } },
    contracts: multicall3 ? { multicall3: { address: multicall3 } } : {},
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
  return {
    l2Chain,
    l1: createPublicClient({ chain: l1Chain, transport: http(file.l1.rpc), ...opts }).extend(publicActionsL1()),
    l1Wallet: (account) => createWalletClient({ chain: l1Chain, account, transport: http(file.l1.rpc), ...opts }).extend(walletActionsL1()),
    l2: createPublicClient({ chain: l2Chain, transport: http(rollup.rpc), ...opts }).extend(publicActionsL2()),
    l2Wallet: (account) => createWalletClient({ chain: l2Chain, account, transport: http(rollup.rpc), ...opts }).extend(walletActionsL2()),
  };
}

let net;
after(async () => {
  await net?.stop();
});

test('SIGKILL with deposits and withdrawals in flight: after restart each deposit is credited once, each withdrawal finalizes', async () => {
  net = await startNetwork({ rollups: [{ name: 'op', chain_id: 901, framework: 'op-stack' }] });
  let c = connect(net.file);
  const deployHash = await c.l1Wallet(accounts[9]).sendTransaction({ data: artifact('Multicall3').bytecode });
  const multicall3 = (await c.l1.waitForTransactionReceipt({ hash: deployHash })).contractAddress;
  c = connect(net.file, multicall3);

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
  c = connect(net.file, multicall3);
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
