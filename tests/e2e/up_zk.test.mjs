// `tephra up` with a ZK Stack rollup, driven by zksync-ethers 6.21.1 alone: `Wallet.deposit`
// through the Bridgehub is credited on L2 as a priority transaction (type 0xFF) under the hash
// the Mailbox emitted, by the rollup's L1 follower; `Wallet.withdraw` (L2BaseToken, L1Messenger)
// is proposed by the rollup's proposer as its batch's logs root, refused by `finalizeWithdrawal`
// inside the challenge window and paid once after it; `Wallet.deposit` of the network's TestUSDC
// (an ERC-20 other than the base token) goes through `requestL2TransactionTwoBridges` and the
// shared bridge, escrowed in the core, and is minted on L2 at `l2TokenAddress`. The rollup's
// pubdata is priced (`pubdata_price` in network.toml), as a rollup's is on ZK Stack: its blocks
// carry the price and transactions pay for what they publish. Runs on tephra only.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ethers } from 'ethers';
import { utils } from 'zksync-ethers';
import { artifact } from './lib/chain.mjs';
import { startNetwork, until } from './lib/network.mjs';
import { revertNamer, zkClients } from './lib/zk.mjs';

let net;
let rollup;
let l1;
let l2;
let core;
let wallet;

/// 17 gwei a byte of pubdata: calldata's 17 gas a byte at a 1 gwei L1 gas price.
const PUBDATA_PRICE = 17_000_000_000n;

/// The name of the custom error a call reverts with.
const revertName = revertNamer(['RollupCore', 'ZkBridgehub', 'ZkChain', 'ZkSharedBridge', 'TestTokenDecimals']);

before(async () => {
  net = await startNetwork({ rollups: [{ name: 'zk', chain_id: 903, framework: 'zk-stack', pubdata_price: PUBDATA_PRICE }] });
  rollup = net.rollup('zk');
  ({ l1, l2, core, wallet } = zkClients(net.file, rollup));
});

after(async () => {
  await net?.stop();
});

test('the rollup reports its L1 contracts as ZK Stack does, and network.json names them', async () => {
  const c = Object.fromEntries(Object.entries(rollup.l1_contracts).map(([name, address]) => [name, ethers.getAddress(address)]));
  assert.equal(rollup.framework, 'zk-stack');
  assert.equal(Number(await l2.send('zks_L1ChainId', [])), net.file.l1.chain_id);
  assert.equal(ethers.getAddress(await l2.getBridgehubContractAddress()), c.ZkBridgehub);
  assert.equal(ethers.getAddress(await l2.getMainContractAddress()), c.ZkChain);
  const bridges = await wallet(1).getDefaultBridgeAddresses();
  assert.equal(bridges.sharedL1, c.ZkSharedBridge);
  assert.equal(rollup.l2_contracts.L2BaseToken.toLowerCase(), utils.L2_BASE_TOKEN_ADDRESS.toLowerCase());
  const bridgehub = new ethers.Contract(c.ZkBridgehub, artifact('ZkBridgehub').abi, l1);
  assert.equal(await bridgehub.getZKChain(903), c.ZkChain);
  assert.equal(await core.l2ChainId(), 903n);
});

test('Wallet.deposit is credited on L2 as a priority transaction within two L1 blocks', async () => {
  const user = wallet(1);
  const amount = ethers.parseEther('0.8');
  const before = await l2.getBalance(user.address);
  const deposit = await user.deposit({ token: utils.ETH_ADDRESS, amount });
  const l1Receipt = await deposit.waitL1Commit();
  assert.equal(l1Receipt.status, 1);
  const started = Date.now();
  const l2Hash = utils.getL2HashFromPriorityOp(l1Receipt, rollup.l1_contracts.ZkChain);
  // zksync-ethers follows the deposit to its L2 receipt by the Mailbox's hash.
  const l2Receipt = await deposit.wait();
  const latency = Date.now() - started;
  assert.equal(l2Receipt.hash, l2Hash);
  assert.equal(l2Receipt.status, 1);
  // Its pubdata (the credited balance) at the 800 gas a byte every priority transaction
  // pays: more than a transfer's 21,000 gas, within what zks_estimateGasL1ToL2 asked for.
  assert.ok(l2Receipt.gasUsed > 21_000n && l2Receipt.gasUsed % 800n === 0n, `${l2Receipt.gasUsed}`);
  const tx = await l2.send('eth_getTransactionByHash', [l2Hash]);
  assert.equal(Number(tx.type), 0xff);
  assert.equal(ethers.getAddress(tx.from), user.address);
  // The credited amount is exact; the rest of what was sent (the L2 fee's share) went to the
  // refund recipient, the depositor, minus the fee actually spent.
  const after = await l2.getBalance(user.address);
  assert.ok(after >= before + amount, `${after} < ${before} + ${amount}`);
  assert.ok(after <= before + deposit.value, `${after} > ${before} + ${deposit.value}`);
  const l1Head = await l1.getBlockNumber();
  assert.ok(l1Head - l1Receipt.blockNumber <= 2, `credited at L1 head ${l1Head}, deposit in ${l1Receipt.blockNumber}`);
  console.log(`zk ETH deposit: L2 receipt ${latency} ms after its L1 receipt (L1 block ${l1Receipt.blockNumber}, head ${l1Head})`);
});

test('Wallet.withdraw: the proposer records its batch; finalizeWithdrawal is refused in the window, then pays once', async () => {
  const user = wallet(2);
  const receiver = ethers.Wallet.createRandom().address;
  const amount = ethers.parseEther('0.4');
  const withdrawal = await user.withdraw({ token: utils.ETH_ADDRESS, amount, to: receiver });
  const l2Receipt = await withdrawal.wait();
  assert.equal(l2Receipt.status, 1);
  const started = Date.now();
  const batch = BigInt(l2Receipt.l1BatchNumber);

  // The proposer records this very batch (a withdrawal proves against its own batch's root).
  await until(async () => (await core.latestL2BlockNumber()) >= batch, 15_000);
  const proposedMs = Date.now() - started;
  const index = await core.commitmentIndexAfter(batch);
  const [root, number] = await core.getCommitment(index);
  assert.equal(number, batch);
  const details = await l2.send('zks_getL1BatchDetails', [Number(batch)]);
  assert.equal(root, details.l2ToL1LogsRoot);
  if (!(await core.isFinalized(index))) {
    assert.equal(await revertName(user.finalizeWithdrawal(withdrawal.hash)), 'CommitmentNotFinalized');
    assert.equal(await user.isWithdrawalFinalized(withdrawal.hash), false);
  }

  await until(async () => core.isFinalized(index), 15_000);
  const finalizableMs = Date.now() - started;
  const coreBefore = await l1.getBalance(rollup.l1_contracts.RollupCore);
  const finalized = await user.finalizeWithdrawal(withdrawal.hash);
  assert.equal((await finalized.wait()).status, 1);
  assert.equal(await l1.getBalance(receiver), amount);
  assert.equal(await l1.getBalance(rollup.l1_contracts.RollupCore), coreBefore - amount);
  assert.equal(await user.isWithdrawalFinalized(withdrawal.hash), true);
  assert.equal(await revertName(user.finalizeWithdrawal(withdrawal.hash)), 'WithdrawalAlreadyFinalized');
  assert.equal(await l1.getBalance(receiver), amount);
  const window = Number(await core.challengeWindow());
  console.log(`zk ETH withdrawal: proposed ${proposedMs} ms, finalizable ${finalizableMs} ms after the L2 receipt (challenge window ${window} s)`);
});

test('Wallet.deposit of an L1 ERC-20 (TestUSDC, 6 decimals) is minted on L2 at l2TokenAddress within two L1 blocks, escrowed in the core', async () => {
  const user = wallet(3);
  const token = ethers.getAddress(net.file.l1_contracts.TestUSDC);
  const usdc = new ethers.Contract(token, artifact('TestTokenDecimals').abi, l1);
  const amount = 1_234_567n; // 1.234567 USDC
  const l2Token = await l2.l2TokenAddress(token);
  assert.notEqual(l2Token.toLowerCase(), utils.L2_BASE_TOKEN_ADDRESS.toLowerCase());
  assert.equal(await user.l2TokenAddress(token), l2Token);
  const userBefore = await usdc.balanceOf(user.address);
  const coreBefore = await usdc.balanceOf(rollup.l1_contracts.RollupCore);
  assert.equal(await user.getBalance(l2Token), 0n);

  const deposit = await user.deposit({ token, amount, approveERC20: true });
  const l1Receipt = await deposit.waitL1Commit();
  assert.equal(l1Receipt.status, 1);
  const started = Date.now();
  const l2Hash = utils.getL2HashFromPriorityOp(l1Receipt, rollup.l1_contracts.ZkChain);
  const l2Receipt = await deposit.wait();
  const latency = Date.now() - started;
  assert.equal(l2Receipt.hash, l2Hash);
  assert.equal(l2Receipt.status, 1);
  const l1Head = await l1.getBlockNumber();
  assert.ok(l1Head - l1Receipt.blockNumber <= 2, `credited at L1 head ${l1Head}, deposit in ${l1Receipt.blockNumber}`);

  // The L2 transaction is the asset router's finalizeDeposit, sent by the aliased shared bridge.
  const tx = await l2.send('eth_getTransactionByHash', [l2Hash]);
  assert.equal(Number(tx.type), 0xff);
  assert.equal(ethers.getAddress(tx.to), ethers.getAddress(utils.L2_ASSET_ROUTER_ADDRESS));
  assert.equal(ethers.getAddress(tx.from), ethers.getAddress(utils.applyL1ToL2Alias(rollup.l1_contracts.ZkSharedBridge)));

  // The bridged token: a standard ERC-20 with the L1 token's metadata, the exact amount minted.
  assert.equal(await user.getBalance(l2Token), amount);
  assert.equal(await l2.getBalance(user.address, 'latest', l2Token), amount);
  const bridged = new ethers.Contract(l2Token, artifact('BridgedStandardERC20').abi, l2);
  assert.equal(await bridged.decimals(), 6n);
  assert.equal(await bridged.name(), await usdc.name());
  assert.equal(await bridged.symbol(), await usdc.symbol());
  assert.equal(await bridged.totalSupply(), amount);
  assert.equal(ethers.getAddress(await bridged.l1Address()), token);
  assert.equal(ethers.getAddress(await l2.l1TokenAddress(l2Token)), token);
  const vault = new ethers.Contract(utils.L2_NATIVE_TOKEN_VAULT_ADDRESS, ['function tokenAddress(bytes32) view returns (address)', 'function assetId(address) view returns (bytes32)', 'function l2TokenAddress(address) view returns (address)'], l2);
  const assetId = utils.encodeNTVAssetId(BigInt(net.file.l1.chain_id), token);
  assert.equal(await vault.assetId(l2Token), assetId);
  assert.equal(ethers.getAddress(await vault.tokenAddress(assetId)), ethers.getAddress(l2Token));
  assert.equal(ethers.getAddress(await vault.l2TokenAddress(token)), ethers.getAddress(l2Token));

  // Escrowed on L1: out of the depositor's balance into the rollup's core.
  assert.equal(await usdc.balanceOf(user.address), userBefore - amount);
  assert.equal(await usdc.balanceOf(rollup.l1_contracts.RollupCore), coreBefore + amount);

  // finalizeDeposit is the aliased L1 shared bridge's only: anyone else is refused.
  const router = new ethers.Interface([
    'function finalizeDeposit(address,address,address,uint256,bytes)',
    'error InvalidCaller(address caller)',
  ]);
  const forged = router.encodeFunctionData('finalizeDeposit', [user.address, user.address, token, 10n ** 12n, '0x']);
  let refused;
  try {
    await l2.send('eth_call', [{ from: user.address, to: utils.L2_ASSET_ROUTER_ADDRESS, data: forged }, 'latest']);
  } catch (err) {
    refused = router.parseError(err?.error?.data ?? err?.data ?? err?.info?.error?.data);
  }
  assert.equal(refused?.name, 'InvalidCaller');
  assert.equal(ethers.getAddress(refused.args.caller), user.address);

  // A second deposit mints to the same token.
  const again = await user.deposit({ token, amount: 1n, approveERC20: true });
  assert.equal((await again.wait()).status, 1);
  assert.equal(await user.getBalance(l2Token), amount + 1n);
  console.log(`zk ERC-20 deposit: L2 receipt ${latency} ms after its L1 receipt (L1 block ${l1Receipt.blockNumber}, head ${l1Head})`);
});

test('an ERC-20 deposit without allowance is refused and nothing moves', async () => {
  const user = wallet(4);
  const token = ethers.getAddress(net.file.l1_contracts.TestUSDC);
  const usdc = new ethers.Contract(token, artifact('TestTokenDecimals').abi, l1);
  const l2Token = await l2.l2TokenAddress(token);
  const shared = rollup.l1_contracts.ZkSharedBridge;
  assert.equal(await usdc.allowance(user.address, shared), 0n);
  const userBefore = await usdc.balanceOf(user.address);
  const coreBefore = await usdc.balanceOf(rollup.l1_contracts.RollupCore);
  const l2Before = await user.getBalance(l2Token);
  const nonce = await l1.getTransactionCount(user.address);
  assert.equal(await revertName(user.deposit({ token, amount: 1_000_000n })), 'ERC20InsufficientAllowance');
  assert.equal(await l1.getTransactionCount(user.address), nonce);
  assert.equal(await usdc.balanceOf(user.address), userBefore);
  assert.equal(await usdc.balanceOf(rollup.l1_contracts.RollupCore), coreBefore);
  assert.equal(await user.getBalance(l2Token), l2Before);
});

test('pubdata is priced as network.toml says: blocks carry the price, a message to L1 pays for its bytes', async () => {
  const params = await l2.getFeeParams();
  assert.equal(BigInt(params.V2.l1_pubdata_price), PUBDATA_PRICE);
  // 1,000 bytes to L1 through L1Messenger, the gas estimated by eth_estimateGas.
  const messenger = new ethers.Contract(utils.L1_MESSENGER_ADDRESS, ['function sendToL1(bytes) returns (bytes32)'], wallet(5));
  const receipt = await (await messenger.sendToL1(ethers.randomBytes(1000))).wait();
  assert.equal(receipt.status, 1);
  const block = await l2.send('eth_getBlockByNumber', [ethers.toQuantity(receipt.blockNumber), false]);
  assert.equal(BigInt(block.extraData), PUBDATA_PRICE);
  const baseFee = BigInt(block.baseFeePerGas);
  assert.ok(baseFee >= 100_000_000n, `base fee ${baseFee} at or above ZK Stack's minimal L2 gas price`);
  // The message alone is 1,000 bytes of pubdata, at price / baseFee gas a byte: more than
  // the EVM's gas for the call.
  const perByte = (PUBDATA_PRICE + baseFee - 1n) / baseFee;
  assert.ok(receipt.gasUsed >= 1000n * perByte, `${receipt.gasUsed} gas at ${perByte} a byte`);
  const details = await l2.send('zks_getBlockDetails', [receipt.blockNumber]);
  assert.equal(BigInt(details.fairPubdataPrice), PUBDATA_PRICE);
});
