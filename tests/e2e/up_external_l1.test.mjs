// `tephra up` settling on an external L1 it did not start: anvil (npm @foundry-rs/anvil),
// started by this test. The rollup's keys are funded from anvil's dev account 0, its contracts
// deployed there, and the same viem-driven deposit and withdrawal go through. Runs on tephra
// only (anvil is the L1 here, not the node under test).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createPublicClient, createWalletClient, defineChain, http, parseAbi, parseEther } from 'viem';
import { chainConfig, getL2TransactionHashes, getWithdrawals, publicActionsL1, publicActionsL2, walletActionsL1, walletActionsL2 } from 'viem/op-stack';
import { accounts, artifact } from './lib/chain.mjs';
import { startNetwork } from './lib/network.mjs';
import { startNode } from './lib/node.mjs';

const [, A1, A2, A3] = accounts;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(check, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms: ${check}`);
    await sleep(100);
  }
}

let anvil;
let net;
let c;

before(async () => {
  anvil = await startNode({ kind: 'anvil', blockTime: 1 });
  net = await startNetwork({ l1: { rpc: anvil.url }, rollups: [{ name: 'op', chain_id: 901, framework: 'op-stack' }] });
  const file = net.file;
  const rollup = file.rollups[0];
  const l1Id = file.l1.chain_id;
  const opts = { pollingInterval: 50, cacheTime: 0 };
  const l1Chain = (multicall3) =>
    defineChain({
      id: l1Id,
      name: 'anvil',
      nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
      rpcUrls: { default: { http: [file.l1.rpc] } },
      contracts: multicall3 ? { multicall3: { address: multicall3 } } : {},
    });
  const deployer = createWalletClient({ chain: l1Chain(), account: accounts[9], transport: http(file.l1.rpc), ...opts });
  const hash = await deployer.sendTransaction({ data: artifact('Multicall3').bytecode });
  const l1Pub = createPublicClient({ chain: l1Chain(), transport: http(file.l1.rpc), ...opts });
  const { contractAddress } = await l1Pub.waitForTransactionReceipt({ hash });
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
  const chain = l1Chain(contractAddress);
  c = {
    l2Chain,
    l1: createPublicClient({ chain, transport: http(file.l1.rpc), ...opts }).extend(publicActionsL1()),
    l1Wallet: (account) => createWalletClient({ chain, account, transport: http(file.l1.rpc), ...opts }).extend(walletActionsL1()),
    l2: createPublicClient({ chain: l2Chain, transport: http(rollup.rpc), ...opts }).extend(publicActionsL2()),
    l2Wallet: (account) => createWalletClient({ chain: l2Chain, account, transport: http(rollup.rpc), ...opts }).extend(walletActionsL2()),
  };
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
