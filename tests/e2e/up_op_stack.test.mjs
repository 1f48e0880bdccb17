// `tephra up` with OP Stack rollups, driven by viem's own OP Stack actions (viem/op-stack)
// against the network's L1 contracts: ETH deposits credited on L2 as deposit transactions
// (0x7E) by the rollup's L1 follower, withdrawals through the L2ToL1MessagePasser proven and
// finalized on L1 against the output roots its proposer records, and a rollup whose gas token
// is the network's 6-decimal test token. Runs on tephra only.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { erc20Abi, parseAbi, parseEther } from 'viem';
import { getL2TransactionHashes, getWithdrawals } from 'viem/op-stack';
import { accounts } from './lib/chain.mjs';
import { opStackClients, startNetwork, until } from './lib/network.mjs';

const [, A1, A2, A3, A4, A5] = accounts;
const portalAbi = parseAbi([
  'function depositERC20Transaction(address _to, uint256 _mint, uint256 _value, uint64 _gasLimit, bool _isCreation, bytes _data)',
]);

let net;
let l1;
const rollups = {};

before(async () => {
  net = await startNetwork({
    rollups: [
      { name: 'op', chain_id: 901, framework: 'op-stack' },
      { name: 'opusd', chain_id: 911, framework: 'op-stack', gas_token: 'usdc' },
    ],
  });
  console.log(`tephra up: network.json after ${net.startupMs} ms`);
  for (const entry of net.file.rollups) {
    const c = opStackClients(net.file, entry);
    rollups[entry.name] = { entry, chain: c.l2Chain, pub: c.l2, wallet: c.l2Wallet };
    l1 = { pub: c.l1, wallet: c.l1Wallet };
  }
});

after(async () => {
  await net?.stop();
});

test('network.json lists the L1, both rollups with their contracts, and the accounts', () => {
  const { file } = net;
  assert.equal(file.l1.chain_id, 900);
  assert.match(file.l1.rpc, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.match(file.l1.ws, /^ws:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(file.accounts.length, 10);
  assert.equal(file.accounts[1].address.toLowerCase(), A1.address.toLowerCase());
  const op = net.rollup('op');
  assert.equal(op.framework, 'op-stack');
  assert.equal(op.gas_token, 'eth');
  for (const name of ['RollupCore', 'OptimismPortal', 'L2OutputOracle']) assert.match(op.l1_contracts[name], /^0x[0-9a-fA-F]{40}$/);
  assert.equal(op.l2_contracts.L2ToL1MessagePasser, '0x4200000000000000000000000000000000000016');
  assert.equal(net.rollup('opusd').gas_token.toLowerCase(), file.l1_contracts.TestUSDC.toLowerCase());
});

test('an ETH deposit through viem is credited on L2 as a deposit transaction within two L1 blocks', async () => {
  const { pub, chain } = rollups.op;
  const amount = parseEther('1.5');
  const before = await pub.getBalance({ address: A1.address });
  const started = Date.now();
  const hash = await l1.wallet(A1).depositTransaction({ request: { gas: 100_000n, mint: amount, to: A1.address }, targetChain: chain });
  const receipt = await l1.pub.waitForTransactionReceipt({ hash });
  assert.equal(receipt.status, 'success');
  const [l2Hash] = getL2TransactionHashes(receipt);
  const l2Receipt = await pub.waitForTransactionReceipt({ hash: l2Hash, timeout: 10_000 });
  const latencyMs = Date.now() - started;
  const l1Head = await l1.pub.getBlockNumber();
  console.log(`op-stack ETH deposit: credited ${latencyMs} ms after sending (L1 block ${receipt.blockNumber}, head ${l1Head})`);
  assert.equal(l2Receipt.status, 'success');
  assert.equal(l2Receipt.type, '0x7e');
  assert.ok(l1Head <= receipt.blockNumber + 2n, `credited when the L1 was at ${l1Head}, deposit in ${receipt.blockNumber}`);
  const tx = await pub.getTransaction({ hash: l2Hash });
  assert.equal(tx.type, 'deposit');
  assert.equal(tx.mint, amount);
  assert.equal(await pub.getBalance({ address: A1.address }), before + amount);
});

test('a withdrawal is proven and finalized on L1 through viem against the proposed output root', async () => {
  const { pub, wallet, chain } = rollups.op;
  const amount = parseEther('0.25');
  const started = Date.now();
  const hash = await wallet(A2).initiateWithdrawal({ request: { gas: 100_000n, to: A3.address, value: amount } });
  const receipt = await pub.waitForTransactionReceipt({ hash });
  assert.equal(receipt.status, 'success');
  // The proposer records an output every second: poll viem's status until one covers it.
  await until(async () => (await l1.pub.getWithdrawalStatus({ receipt, targetChain: chain })) === 'ready-to-prove');
  const proven = Date.now();
  const output = await l1.pub.getL2Output({ l2BlockNumber: receipt.blockNumber, targetChain: chain });
  assert.ok(output.l2BlockNumber >= receipt.blockNumber);
  const [withdrawal] = getWithdrawals(receipt);
  const proveArgs = await pub.buildProveWithdrawal({ output, withdrawal });
  const proveHash = await l1.wallet(A2).proveWithdrawal(proveArgs);
  assert.equal((await l1.pub.waitForTransactionReceipt({ hash: proveHash })).status, 'success');
  assert.equal(await l1.pub.getWithdrawalStatus({ receipt, targetChain: chain }), 'waiting-to-finalize');
  // Finalizing before the challenge window has passed is refused.
  await assert.rejects(l1.wallet(A2).finalizeWithdrawal({ targetChain: chain, withdrawal }));
  await until(async () => (await l1.pub.getWithdrawalStatus({ receipt, targetChain: chain })) === 'ready-to-finalize');
  const { seconds } = await l1.pub.getTimeToFinalize({ targetChain: chain, withdrawalHash: withdrawal.withdrawalHash });
  assert.equal(seconds, 0);
  // viem reads the window off the wall clock; the portal off the latest L1 block's time,
  // which trails it by up to a block: wait for the next L1 block.
  const l1Block = await l1.pub.getBlockNumber();
  await until(async () => (await l1.pub.getBlockNumber()) > l1Block);
  const balanceBefore = await l1.pub.getBalance({ address: A3.address });
  const finalizeHash = await l1.wallet(A2).finalizeWithdrawal({ targetChain: chain, withdrawal });
  assert.equal((await l1.pub.waitForTransactionReceipt({ hash: finalizeHash })).status, 'success');
  console.log(
    `op-stack ETH withdrawal: provable ${proven - started} ms after initiating, finalized after ${Date.now() - started} ms (challenge window 2 s)`,
  );
  assert.equal(await l1.pub.getBalance({ address: A3.address }), balanceBefore + amount);
  assert.equal(await l1.pub.getWithdrawalStatus({ receipt, targetChain: chain }), 'finalized');
});

test('the test token is a custom gas token: deposits mint exact 18-decimal native balance, ETH is refused', async () => {
  const { pub, entry } = rollups.opusd;
  const token = net.file.l1_contracts.TestUSDC;
  const portal = entry.l1_contracts.OptimismPortal;
  assert.equal(await l1.pub.readContract({ address: token, abi: erc20Abi, functionName: 'decimals' }), 6);
  const units = 1_234_567n; // 1.234567 USDC
  const before = await pub.getBalance({ address: A4.address });
  const tokensBefore = await l1.pub.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [A4.address] });
  // Without an allowance the portal cannot take the tokens: refused, nothing moves.
  await assert.rejects(
    l1.wallet(A4).writeContract({ address: portal, abi: portalAbi, functionName: 'depositERC20Transaction', args: [A4.address, units, 0n, 100_000n, false, '0x'], gas: 300_000n }).then((hash) => l1.pub.waitForTransactionReceipt({ hash })).then((r) => {
      if (r.status !== 'success') throw new Error('reverted');
    }),
  );
  const approve = await l1.wallet(A4).writeContract({ address: token, abi: erc20Abi, functionName: 'approve', args: [portal, units] });
  await l1.pub.waitForTransactionReceipt({ hash: approve });
  const hash = await l1.wallet(A4).writeContract({ address: portal, abi: portalAbi, functionName: 'depositERC20Transaction', args: [A4.address, units, 0n, 100_000n, false, '0x'] });
  const receipt = await l1.pub.waitForTransactionReceipt({ hash });
  assert.equal(receipt.status, 'success');
  const [l2Hash] = getL2TransactionHashes(receipt);
  const l2Receipt = await pub.waitForTransactionReceipt({ hash: l2Hash, timeout: 10_000 });
  assert.equal(l2Receipt.type, '0x7e');
  assert.equal(await pub.getBalance({ address: A4.address }), before + units * 10n ** 12n);
  assert.equal(
    await l1.pub.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [A4.address] }),
    tokensBefore - units,
  );
  assert.equal(await l1.pub.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [entry.l1_contracts.RollupCore] }), units);

  const ethBefore = await l1.pub.getBalance({ address: A5.address });
  await assert.rejects(
    l1.wallet(A5).depositTransaction({ request: { gas: 100_000n, mint: parseEther('1'), to: A5.address }, targetChain: rollups.opusd.chain }),
  );
  assert.ok((await l1.pub.getBalance({ address: A5.address })) === ethBefore, 'a refused ETH deposit moves no ETH (and costs no gas: it is refused at estimation)');
});

test('a withdrawal from the custom-gas-token rollup pays out the exact token amount on L1', async () => {
  const { pub, wallet, chain, entry } = rollups.opusd;
  const token = net.file.l1_contracts.TestUSDC;
  const units = 1_000_000n; // 1 USDC, of the 1.234567 deposited above
  const before = await l1.pub.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [A3.address] });
  const hash = await wallet(A2).initiateWithdrawal({ request: { gas: 100_000n, to: A3.address, value: units * 10n ** 12n } });
  const receipt = await pub.waitForTransactionReceipt({ hash });
  assert.equal(receipt.status, 'success');
  await until(async () => (await l1.pub.getWithdrawalStatus({ receipt, targetChain: chain })) === 'ready-to-prove');
  const output = await l1.pub.getL2Output({ l2BlockNumber: receipt.blockNumber, targetChain: chain });
  const [withdrawal] = getWithdrawals(receipt);
  const proveHash = await l1.wallet(A2).proveWithdrawal(await pub.buildProveWithdrawal({ output, withdrawal }));
  assert.equal((await l1.pub.waitForTransactionReceipt({ hash: proveHash })).status, 'success');
  await until(async () => (await l1.pub.getWithdrawalStatus({ receipt, targetChain: chain })) === 'ready-to-finalize');
  const l1Block = await l1.pub.getBlockNumber();
  await until(async () => (await l1.pub.getBlockNumber()) > l1Block);
  const finalizeHash = await l1.wallet(A2).finalizeWithdrawal({ targetChain: chain, withdrawal });
  assert.equal((await l1.pub.waitForTransactionReceipt({ hash: finalizeHash })).status, 'success');
  assert.equal(
    await l1.pub.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [A3.address] }),
    before + units,
  );
  // The core released exactly that: what the earlier deposit left, minus 1 USDC.
  assert.equal(
    await l1.pub.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [entry.l1_contracts.RollupCore] }),
    1_234_567n - units,
  );
});
