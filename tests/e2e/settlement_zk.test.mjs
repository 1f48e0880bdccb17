// ZK Stack's L1 entry points over the settlement core (contracts/src/settlement/zk), driven by
// zksync-ethers 6.21.1 across two `tephra dev` processes: an L1 (ethereum profile, chain 31337,
// automine) holding RollupCore, ZkBridgehub, ZkChain and ZkSharedBridge, and a ZK Stack L2
// (`--framework zk-stack`, chain 260) told their addresses with the `--zk-*` flags.
//
// Deposits are checked on L1 only: `Wallet.deposit` goes through the Bridgehub, the
// NewPriorityRequest event has ZK Stack's layout, its hash is keccak256(abi.encode(transaction))
// as zksync-ethers' `getL2HashFromPriorityOp` reads it and the core queues it (up_zk follows a
// deposit to L2, where a rollup's L1 follower derives it).
// Withdrawals go the whole way: `Wallet.withdraw` on L2 (L2BaseToken), the batch's logs root
// proposed through ZkChain from the proposer key, `Wallet.finalizeWithdrawal` refused inside the
// challenge window, then paid once after it. Runs on tephra only.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ethers } from 'ethers';
import { Provider, Wallet, utils } from 'zksync-ethers';
import { artifact } from './lib/chain.mjs';
import { rawRpc, startNode } from './lib/node.mjs';
import { revertNamer } from './lib/zk.mjs';

const L2_CHAIN_ID = 260;
const L1_CHAIN_ID = 31337;
const WINDOW = 60;
/// Dev accounts 0 (owner and deployer), 1 (proposer) and 2 (the user) of the `test … junk` mnemonic.
const KEYS = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
];
/// ZK Stack's default fee parameters: Rollup pricing, 1M batch overhead, 120k pubdata and 80M gas
/// per batch, 99k pubdata per priority transaction, 0.25 gwei minimal L2 gas price.
const FEE_PARAMS = [0, 1_000_000, 120_000, 80_000_000, 99_000, 250_000_000];

let l1;
let l2;
let l1Provider;
let l2Provider;
let contracts;

async function deploy(signer, name, args) {
  const { abi, bytecode } = artifact(name);
  const contract = await new ethers.ContractFactory(abi, bytecode, signer).deploy(...args);
  await contract.waitForDeployment();
  return contract;
}

/// The name of the custom error a call reverts with.
const revertName = revertNamer(['RollupCore', 'ZkBridgehub', 'ZkChain', 'ZkSharedBridge']);

before(async () => {
  l1 = await startNode({ kind: 'tephra' });
  l1Provider = new ethers.JsonRpcProvider(l1.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  const owner = new ethers.NonceManager(new ethers.Wallet(KEYS[0], l1Provider));
  const proposer = new ethers.Wallet(KEYS[1], l1Provider);
  const core = await deploy(owner, 'RollupCore', [
    L2_CHAIN_ID, await owner.getAddress(), proposer.address, WINDOW, ethers.ZeroAddress, 18,
  ]);
  const bridgehub = await deploy(owner, 'ZkBridgehub', [await owner.getAddress()]);
  const chain = await deploy(owner, 'ZkChain', [
    await core.getAddress(), await bridgehub.getAddress(), FEE_PARAMS, 16_000_000,
  ]);
  const shared = await deploy(owner, 'ZkSharedBridge', [await bridgehub.getAddress()]);
  for (const tx of [
    await bridgehub.setSharedBridge(await shared.getAddress()),
    await core.setEntryPoint(await chain.getAddress(), true),
    await core.setEntryPoint(await shared.getAddress(), true),
    await bridgehub.registerAlreadyDeployedZKChain(L2_CHAIN_ID, await chain.getAddress()),
  ]) {
    assert.equal((await tx.wait()).status, 1);
  }
  contracts = { core, bridgehub, chain, shared, proposer };
  l2 = await startNode({
    kind: 'tephra',
    tephraArgs: [
      '--framework', 'zk-stack', '--chain-id', String(L2_CHAIN_ID),
      '--zk-l1-chain-id', String(L1_CHAIN_ID),
      '--zk-bridgehub', await bridgehub.getAddress(),
      '--zk-main-contract', await chain.getAddress(),
      '--zk-shared-bridge', await shared.getAddress(),
    ],
  });
  l2Provider = new Provider(l2.url);
});

after(async () => {
  await l2?.stop();
  await l1?.stop();
});

test('the L2 reports the L1 contracts, and zksync-ethers finds them', async () => {
  const wallet = new Wallet(KEYS[2], l2Provider, l1Provider);
  assert.equal(ethers.getAddress(await l2Provider.getBridgehubContractAddress()), await contracts.bridgehub.getAddress());
  assert.equal(Number(await l2Provider.send('zks_L1ChainId', [])), L1_CHAIN_ID);
  assert.equal(await wallet.getMainContractAddress(), await contracts.chain.getAddress());
  assert.equal(await wallet.getBaseToken(), utils.ETH_ADDRESS_IN_CONTRACTS);
  assert.equal(await wallet.isETHBasedChain(), true);
  const bridges = await wallet.getDefaultBridgeAddresses();
  assert.equal(bridges.sharedL1, await contracts.shared.getAddress());
  assert.equal(bridges.l1Nullifier, await contracts.shared.getAddress());
  assert.equal(await l2Provider.l2TokenAddress(utils.ETH_ADDRESS), utils.L2_BASE_TOKEN_ADDRESS);
});

test('Wallet.deposit emits ZK Stack\'s NewPriorityRequest, hashed as the Mailbox hashes it', async () => {
  const wallet = new Wallet(KEYS[2], l2Provider, l1Provider);
  const amount = ethers.parseEther('1');
  const coreBefore = await l1Provider.getBalance(await contracts.core.getAddress());
  const deposit = await wallet.deposit({ token: utils.ETH_ADDRESS, amount });
  const receipt = await deposit.waitL1Commit();
  assert.equal(receipt.status, 1);

  const mainContract = await contracts.chain.getAddress();
  const l2Hash = utils.getL2HashFromPriorityOp(receipt, mainContract);
  const log = receipt.logs.find((l) => l.address === mainContract && l.topics[0] === utils.ZKSYNC_MAIN_ABI.getEvent('NewPriorityRequest').topicHash);
  const event = utils.ZKSYNC_MAIN_ABI.parseLog(log);
  const tx = event.args.transaction;
  assert.equal(event.args.txId, 0n);
  assert.equal(tx.txType, 255n);
  assert.equal(tx.from, BigInt(wallet.address));
  assert.equal(tx.to, BigInt(wallet.address));
  assert.equal(tx.value, amount);
  assert.equal(tx.nonce, 0n);
  assert.equal(tx.gasPerPubdataByteLimit, 800n);
  assert.equal(tx.maxPriorityFeePerGas, 0n);
  assert.equal(tx.reserved[1], BigInt(wallet.address), 'refund to the depositor');
  assert.equal(tx.reserved[0], deposit.value, 'toMint is what was sent');
  assert.equal(event.args.factoryDeps.length, 0);
  // The hash is keccak256(abi.encode(transaction)), the core's deposit digest.
  const txType = utils.ZKSYNC_MAIN_ABI.getEvent('NewPriorityRequest').inputs[3];
  const encoded = ethers.AbiCoder.defaultAbiCoder().encode([txType], [tx]);
  assert.equal(l2Hash, ethers.keccak256(encoded));
  assert.equal(await contracts.core.depositDigest(0), l2Hash);
  assert.equal(await l1Provider.getBalance(await contracts.core.getAddress()), coreBefore + deposit.value);
  // The L2 gas limit came from zks_estimateGasL1ToL2 (a transfer: 21000).
  assert.equal(tx.gasLimit, 21_000n);
});

test('a withdrawal is finalized on L1 by zksync-ethers after the challenge window, once', async () => {
  const wallet = new Wallet(KEYS[2], l2Provider, l1Provider);
  const receiver = ethers.Wallet.createRandom().address;
  const amount = ethers.parseEther('0.25');
  const withdrawal = await wallet.withdraw({ token: utils.ETH_ADDRESS, amount, to: receiver });
  const l2Receipt = await withdrawal.wait();
  assert.equal(l2Receipt.status, 1);
  const batch = l2Receipt.l1BatchNumber;
  assert.equal(batch, l2Receipt.blockNumber);
  const message = ethers.concat([ethers.dataSlice(ethers.id('finalizeEthWithdrawal(uint256,uint256,uint16,bytes,bytes32[])'), 0, 4), receiver, ethers.toBeHex(amount, 32)]);
  const params = await wallet.getFinalizeWithdrawalParams(withdrawal.hash);
  assert.equal(params.message, ethers.hexlify(message));
  assert.equal(params.sender.toLowerCase(), utils.L2_BASE_TOKEN_ADDRESS.toLowerCase());
  assert.equal(params.proof.length, 14);

  // Not yet: no root for the batch on L1.
  assert.equal(await revertName(wallet.finalizeWithdrawal(withdrawal.hash)), 'BatchNotCommitted');
  const details = await l2Provider.send('zks_getL1BatchDetails', [batch]);
  const proposed = await contracts.chain.connect(contracts.proposer).proposeBatchRoot(batch, details.l2ToL1LogsRoot);
  assert.equal((await proposed.wait()).status, 1);
  assert.equal(await wallet.isWithdrawalFinalized(withdrawal.hash), false);
  assert.equal(await revertName(wallet.finalizeWithdrawal(withdrawal.hash)), 'CommitmentNotFinalized');

  // Past the window: the next L1 block's timestamp is the proposal's plus the window.
  const proposedAt = (await l1Provider.getBlock('latest')).timestamp;
  await rawRpc(l1.url, 'evm_setNextBlockTimestamp', [proposedAt + WINDOW]);
  await rawRpc(l1.url, 'evm_mine', []);
  const coreBefore = await l1Provider.getBalance(await contracts.core.getAddress());
  const finalized = await wallet.finalizeWithdrawal(withdrawal.hash);
  assert.equal((await finalized.wait()).status, 1);
  assert.equal(await l1Provider.getBalance(receiver), amount);
  assert.equal(await l1Provider.getBalance(await contracts.core.getAddress()), coreBefore - amount);
  assert.equal(await wallet.isWithdrawalFinalized(withdrawal.hash), true);
  assert.equal(await revertName(wallet.finalizeWithdrawal(withdrawal.hash)), 'WithdrawalAlreadyFinalized');
});
