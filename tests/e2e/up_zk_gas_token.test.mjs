// `tephra up` with a ZK Stack rollup whose base token is the network's 6-decimal test USDC (a
// non-ETH-based chain, `gas_token = "usdc"`), driven by zksync-ethers 6.21.1 alone:
// `Wallet.deposit` of the base token (with `approveBaseERC20`) goes through the Bridgehub, which
// has the shared bridge take `mintValue` of USDC from the depositor into the rollup's core, and is
// credited on L2 as a priority transaction (0xFF) in exact L2 units (18 decimals: 10^12 per USDC
// unit); `Wallet.withdraw` of the base token (L2BaseToken) is paid in exact USDC units by
// `finalizeWithdrawal` after the challenge window, once. Refused: ETH sent to the chain, and a
// deposit without the allowance (nothing moves). Runs on tephra only.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ethers } from 'ethers';
import { Provider, Wallet, utils } from 'zksync-ethers';
import { artifact } from './lib/chain.mjs';
import { startNetwork, until } from './lib/network.mjs';
import { revertNamer, zkClients } from './lib/zk.mjs';

/// L2 units (18 decimals) per unit of the 6-decimal test USDC.
const SCALE = 10n ** 12n;

let net;
let rollup;
let l1;
let l2;
let core;
let usdc;
let zkChain;
let bridgehub;
let wallet;

/// The name of the custom error a call reverts with.
const revertName = revertNamer(['RollupCore', 'ZkBridgehub', 'ZkChain', 'ZkSharedBridge', 'TestTokenDecimals']);

before(async () => {
  net = await startNetwork({ rollups: [{ name: 'zk', chain_id: 903, framework: 'zk-stack', gas_token: 'usdc' }] });
  rollup = net.rollup('zk');
  ({ l1, l2, core, wallet } = zkClients(net.file, rollup));
  usdc = new ethers.Contract(net.file.l1_contracts.TestUSDC, artifact('TestTokenDecimals').abi, l1);
  zkChain = new ethers.Contract(rollup.l1_contracts.ZkChain, artifact('ZkChain').abi, l1);
  bridgehub = new ethers.Contract(rollup.l1_contracts.ZkBridgehub, artifact('ZkBridgehub').abi, l1);
});

after(async () => {
  await net?.stop();
});

/// The priority transaction the Mailbox emitted in an L1 receipt (NewPriorityRequest).
function priorityRequest(receipt) {
  const logs = receipt.logs
    .filter((log) => ethers.getAddress(log.address) === ethers.getAddress(rollup.l1_contracts.ZkChain))
    .map((log) => zkChain.interface.parseLog(log))
    .filter((log) => log?.name === 'NewPriorityRequest');
  assert.equal(logs.length, 1);
  return logs[0].args;
}

test('the chain names the test USDC as its base token on both layers, as ZK Stack does', async () => {
  const token = ethers.getAddress(net.file.l1_contracts.TestUSDC);
  assert.equal(ethers.getAddress(rollup.gas_token), token);
  assert.equal(await usdc.decimals(), 6n);
  assert.equal(await core.gasToken(), token);
  const user = wallet(1);
  assert.equal(ethers.getAddress(await l2.send('zks_getBaseTokenL1Address', [])), token);
  assert.equal(ethers.getAddress(await l2.getBaseTokenContractAddress()), token);
  // A fresh provider, so that getBaseToken reads Bridgehub.baseToken (not the cached zks_ answer).
  const fresh = new Wallet(net.file.accounts[1].private_key, new Provider(rollup.rpc), l1);
  assert.equal(ethers.getAddress(await fresh.getBaseToken()), token);
  assert.equal(await user.isETHBasedChain(), false);
  assert.equal(await l2.isBaseToken(token), true);
  assert.equal(await l2.isBaseToken(utils.ETH_ADDRESS_IN_CONTRACTS), false);
  const assetId = utils.encodeNativeTokenVaultAssetId(BigInt(net.file.l1.chain_id), token);
  assert.equal(await bridgehub.baseTokenAssetId(903), assetId);
  assert.equal(await zkChain.getBaseTokenAssetId(), assetId);
  // The L2 base token is the native balance: L2BaseToken's balanceOf reads it.
  const baseToken = new ethers.Contract(utils.L2_BASE_TOKEN_ADDRESS, ['function balanceOf(uint256) view returns (uint256)'], l2);
  const native = await l2.getBalance(user.address);
  assert.ok(native > 0n);
  assert.equal(await baseToken.balanceOf(BigInt(user.address)), native);
  assert.equal(await l2.l2TokenAddress(token), utils.L2_BASE_TOKEN_ADDRESS);
});

test('Wallet.deposit of the base token pulls USDC into the core and mints its exact L2 amount within two L1 blocks', async () => {
  const user = wallet(1);
  const units = 2_500_000n; // 2.5 USDC
  const token = net.file.l1_contracts.TestUSDC;
  const tokensBefore = await usdc.balanceOf(user.address);
  const coreBefore = await usdc.balanceOf(rollup.l1_contracts.RollupCore);
  const l2Before = await l2.getBalance(user.address);
  const deposit = await user.deposit({ token, amount: units, approveBaseERC20: true });
  const l1Receipt = await deposit.waitL1Commit();
  assert.equal(l1Receipt.status, 1);
  const started = Date.now();
  const l2Hash = utils.getL2HashFromPriorityOp(l1Receipt, rollup.l1_contracts.ZkChain);
  const l2Receipt = await deposit.wait();
  const latency = Date.now() - started;
  const l1Head = await l1.getBlockNumber();
  assert.equal(l2Receipt.hash, l2Hash);
  assert.equal(l2Receipt.status, 1);
  assert.ok(l1Head - l1Receipt.blockNumber <= 2, `credited at L1 head ${l1Head}, deposit in ${l1Receipt.blockNumber}`);

  // No ETH went with the request; `mintValue` (the amount and the L2 gas's base cost, as
  // zksync-ethers priced it) of USDC moved from the depositor into the core.
  assert.equal(deposit.value, 0n);
  const mintValue = tokensBefore - (await usdc.balanceOf(user.address));
  assert.ok(mintValue > units, `mintValue ${mintValue} <= ${units}`);
  assert.equal(await usdc.balanceOf(rollup.l1_contracts.RollupCore), coreBefore + mintValue);

  // The priority transaction carries exact L2 amounts: value = amount × 10^12, toMint =
  // mintValue × 10^12, which covers the value and the gas at the price fixed on L1.
  const request = priorityRequest(l1Receipt);
  assert.equal(request.txHash, l2Hash);
  assert.equal(request.transaction.value, units * SCALE);
  assert.equal(request.transaction.reserved[0], mintValue * SCALE);
  assert.ok(
    mintValue * SCALE >= units * SCALE + request.transaction.gasLimit * request.transaction.maxFeePerGas,
    'toMint covers the value and the gas',
  );
  const tx = await l2.send('eth_getTransactionByHash', [l2Hash]);
  assert.equal(Number(tx.type), 0xff);
  assert.equal(ethers.getAddress(tx.from), user.address);
  assert.equal(BigInt(tx.value), units * SCALE);

  // The depositor is sender, receiver and refund recipient: credited toMint less the L2 fee the
  // receipt shows (gas used at the L1-fixed price), to the wei.
  assert.equal(l2Receipt.gasPrice, request.transaction.maxFeePerGas);
  const fee = l2Receipt.gasUsed * l2Receipt.gasPrice;
  const credited = (await l2.getBalance(user.address)) - l2Before;
  assert.equal(credited, mintValue * SCALE - fee);
  console.log(
    `zk USDC deposit: L2 receipt ${latency} ms after its L1 receipt (L1 block ${l1Receipt.blockNumber}, head ${l1Head}); ` +
      `${units} units deposited, mintValue ${mintValue} units, credited ${credited} wei (fee ${fee} wei)`,
  );
});

test('Wallet.withdraw of the base token: finalizeWithdrawal is refused in the window, then pays exact USDC once', async () => {
  const user = wallet(2);
  const receiver = ethers.Wallet.createRandom().address;
  const units = 1_234_567n; // 1.234567 USDC
  // Custody must hold what is paid out: deposit first (what any withdrawal of USDC stands on).
  const deposit = await user.deposit({ token: net.file.l1_contracts.TestUSDC, amount: 2n * units, approveBaseERC20: true });
  assert.equal((await deposit.wait()).status, 1);

  const withdrawal = await user.withdraw({ token: utils.L2_BASE_TOKEN_ADDRESS, amount: units * SCALE, to: receiver });
  const l2Receipt = await withdrawal.wait();
  assert.equal(l2Receipt.status, 1);
  const started = Date.now();
  const batch = BigInt(l2Receipt.l1BatchNumber);

  await until(async () => (await core.latestL2BlockNumber()) >= batch, 15_000);
  const proposedMs = Date.now() - started;
  const index = await core.commitmentIndexAfter(batch);
  const [root, number] = await core.getCommitment(index);
  assert.equal(number, batch);
  assert.equal(root, (await l2.send('zks_getL1BatchDetails', [Number(batch)])).l2ToL1LogsRoot);
  if (!(await core.isFinalized(index))) {
    assert.equal(await revertName(user.finalizeWithdrawal(withdrawal.hash)), 'CommitmentNotFinalized');
    assert.equal(await user.isWithdrawalFinalized(withdrawal.hash), false);
  }

  await until(async () => core.isFinalized(index), 15_000);
  const finalizableMs = Date.now() - started;
  const coreBefore = await usdc.balanceOf(rollup.l1_contracts.RollupCore);
  const finalized = await user.finalizeWithdrawal(withdrawal.hash);
  assert.equal((await finalized.wait()).status, 1);
  assert.equal(await usdc.balanceOf(receiver), units);
  assert.equal(await l1.getBalance(receiver), 0n, 'no ETH is paid for a USDC withdrawal');
  assert.equal(await usdc.balanceOf(rollup.l1_contracts.RollupCore), coreBefore - units);
  assert.equal(await user.isWithdrawalFinalized(withdrawal.hash), true);
  assert.equal(await revertName(user.finalizeWithdrawal(withdrawal.hash)), 'WithdrawalAlreadyFinalized');
  assert.equal(await usdc.balanceOf(receiver), units);
  assert.equal(await usdc.balanceOf(rollup.l1_contracts.RollupCore), coreBefore - units);
  const window = Number(await core.challengeWindow());
  console.log(
    `zk USDC withdrawal: proposed ${proposedMs} ms, finalizable ${finalizableMs} ms after the L2 receipt (challenge window ${window} s); paid ${units} units`,
  );
});

test('refused: ETH sent with a request to the USDC chain, and a deposit without allowance; nothing moves', async () => {
  const user = wallet(3);
  const signer = user.ethWallet();
  const token = net.file.l1_contracts.TestUSDC;
  const sharedBridge = rollup.l1_contracts.ZkSharedBridge;
  const request = {
    chainId: 903,
    mintValue: 10n ** 15n,
    l2Contract: user.address,
    l2Value: 0n,
    l2Calldata: '0x',
    l2GasLimit: 300_000n,
    l2GasPerPubdataByteLimit: utils.REQUIRED_L1_TO_L2_GAS_PER_PUBDATA_LIMIT,
    factoryDeps: [],
    refundRecipient: user.address,
  };
  const count = await core.depositCount();
  const tokens = await usdc.balanceOf(user.address);
  const custody = await usdc.balanceOf(rollup.l1_contracts.RollupCore);

  // ETH with the request: refused even with the allowance there, at the Bridgehub.
  const approve = await usdc.connect(signer).approve(sharedBridge, request.mintValue);
  await approve.wait();
  const hub = bridgehub.connect(signer);
  assert.equal(await revertName(hub.requestL2TransactionDirect.estimateGas(request, { value: request.mintValue })), 'MsgValueMismatch');
  // Mined anyway, it reverts and only its gas is spent.
  const ethBefore = await l1.getBalance(user.address);
  const sent = await hub.requestL2TransactionDirect(request, { value: request.mintValue, gasLimit: 1_000_000n });
  const reverted = await sent.wait().then(
    () => assert.fail('a request with ETH to the USDC chain was mined successfully'),
    (err) => err.receipt,
  );
  assert.equal(reverted.status, 0);
  assert.equal(await l1.getBalance(user.address), ethBefore - reverted.gasUsed * reverted.gasPrice);
  // The legacy Mailbox entry takes no ETH on this chain either.
  const legacy = zkChain.connect(signer).requestL2Transaction.estimateGas(
    user.address, 0n, '0x', 300_000n, utils.REQUIRED_L1_TO_L2_GAS_PER_PUBDATA_LIMIT, [], user.address, { value: 10n ** 15n },
  );
  assert.equal(await revertName(legacy), 'MsgValueMismatch');
  assert.equal(await l1.getBalance(rollup.l1_contracts.RollupCore), 0n);

  // A deposit of the base token without the allowance: the shared bridge cannot take it.
  await (await usdc.connect(signer).approve(sharedBridge, 0n)).wait();
  assert.equal(await revertName(user.deposit({ token, amount: 1_000_000n })), 'ERC20InsufficientAllowance');
  assert.equal(await usdc.balanceOf(user.address), tokens);
  assert.equal(await usdc.balanceOf(rollup.l1_contracts.RollupCore), custody);
  assert.equal(await core.depositCount(), count);
});
