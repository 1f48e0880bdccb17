// Arbitrum Nitro's L1 entry points over the settlement core (contracts/src/settlement/nitro)
// across two `tephra dev` processes: an L1 (ethereum profile, chain 900, one block a second) and
// a Nitro L2 (`--framework nitro`, chain 412346, automine). The Arbitrum SDK (@arbitrum/sdk
// 4.1.0 on its own ethers 5) reads what these contracts emit, as it reads Arbitrum's:
// - deposits: `Inbox.depositEth` and `createRetryableTicket` emit Nitro's `MessageDelivered`
//   (Bridge) and `InboxMessageDelivered` (Inbox), which the SDK parses into an ETH deposit and a
//   retryable with the fields sent; the ETH sits in the core. Crediting them on L2 is the
//   deriver's job (crates/settlement) and is not tested here;
// - withdrawals, the whole way: ArbSys.withdrawEth on L2, the block's send root proposed to
//   NitroRollup (a core commitment), the SDK's status UNCONFIRMED until the challenge window
//   passes, then CONFIRMED, then the SDK executes it on the Outbox with the proof it gets from
//   NodeInterface.constructOutboxProof; a replay and a forged proof are refused;
// - the SDK's own EthBridger: `deposit`, `depositTo` (its retryable gas estimate runs on the L2's
//   NodeInterface and its field probe on the Inbox's RetryableData revert) and `withdraw`.
// Runs on tephra only.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import {
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  decodeEventLog,
  defineChain,
  encodeDeployData,
  encodeFunctionData,
  encodePacked,
  getAddress,
  getContractAddress,
  http,
  keccak256,
  parseAbi,
  parseEther,
  zeroHash,
} from 'viem';
import { MNEMONIC, accounts, artifact, receiptOf, sleep } from './lib/chain.mjs';
import { startNode } from './lib/node.mjs';

const require = createRequire(import.meta.url);
const sdk = require('@arbitrum/sdk');
const ethers5 = require('ethers-v5');

const L1_CHAIN_ID = 900;
const L2_CHAIN_ID = 412346;
const WINDOW = 3n;
const [OWNER, PROPOSER, USER] = accounts;
const ARB_SYS = '0x0000000000000000000000000000000000000064';
const NODE_INTERFACE = '0x00000000000000000000000000000000000000C8';
const ALIAS_OFFSET = 0x1111000000000000000000000000000000001111n;
const alias = (address) => getAddress(`0x${((BigInt(address) + ALIAS_OFFSET) % (1n << 160n)).toString(16).padStart(40, '0')}`);

const ARB_SYS_ABI = parseAbi([
  'function withdrawEth(address destination) payable returns (uint256)',
  'event L2ToL1Tx(address caller, address indexed destination, uint256 indexed hash, uint256 indexed position, uint256 arbBlockNum, uint256 ethBlockNum, uint256 timestamp, uint256 callvalue, bytes data)',
]);
const NODE_INTERFACE_ABI = parseAbi([
  'function constructOutboxProof(uint64 size, uint64 leaf) view returns (bytes32 send, bytes32 root, bytes32[] proof)',
]);

let l1Node;
let l2Node;
let l1;
let l2;
const deployed = {};
const abiOf = (name) => artifact(name).abi;

const chainOf = (id, url) =>
  defineChain({ id, name: `tephra ${id}`, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [url] } } });
const walletOn = (node, id, account) =>
  createWalletClient({ chain: chainOf(id, node.url), account, transport: http(node.url), pollingInterval: 50, cacheTime: 0 });

async function write(account, address, name, functionName, args = [], extra = {}) {
  const hash = await walletOn(l1Node, L1_CHAIN_ID, account).writeContract({ address, abi: abiOf(name), functionName, args, ...extra });
  const receipt = await receiptOf(l1, hash, 30_000);
  assert.equal(receipt.status, 'success', `${name}.${functionName}`);
  return receipt;
}

/// The name of the custom error behind a viem error (decoded with `abi`).
function revertName(error) {
  const reverted = error instanceof BaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : null;
  return reverted?.data?.errorName ?? reverted?.reason ?? error.shortMessage;
}

async function assertRefused(promise, expected) {
  let error;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  assert.ok(error, `expected ${expected}, but it went through`);
  assert.equal(revertName(error), expected);
}

/// Every custom error the Nitro contracts and the core may surface, for decoding reverts.
const ERRORS = [...new Map(
  ['RollupCore', 'Bridge', 'Inbox', 'Outbox', 'NitroRollup']
    .flatMap((n) => abiOf(n))
    .filter((i) => i.type === 'error')
    .map((i) => [i.name, i]),
).values()];
const withErrors = (name) => [...abiOf(name), ...ERRORS.filter((e) => !abiOf(name).some((i) => i.name === e.name))];

before(async () => {
  l1Node = await startNode({ kind: 'tephra', tephraArgs: ['--chain-id', String(L1_CHAIN_ID)], blockTime: 1 });
  l2Node = await startNode({ kind: 'tephra', tephraArgs: ['--chain-id', String(L2_CHAIN_ID), '--framework', 'nitro'] });
  l1 = createPublicClient({ chain: chainOf(L1_CHAIN_ID, l1Node.url), transport: http(l1Node.url), pollingInterval: 50, cacheTime: 0 });
  l2 = createPublicClient({ chain: chainOf(L2_CHAIN_ID, l2Node.url), transport: http(l2Node.url), pollingInterval: 25, cacheTime: 0 });

  // The deployment order of contracts/src/settlement/nitro/README.md, in one L1 block.
  const wallet = walletOn(l1Node, L1_CHAIN_ID, OWNER);
  let nonce = await l1.getTransactionCount({ address: OWNER.address, blockTag: 'pending' });
  const at = (n) => getContractAddress({ from: OWNER.address, nonce: BigInt(n) });
  const [core, bridge, inbox, outbox, rollup] = [0, 1, 2, 3, 4].map((i) => at(nonce + i));
  Object.assign(deployed, { core, bridge, inbox, outbox, rollup });
  const txs = [
    { deploy: 'RollupCore', args: [BigInt(L2_CHAIN_ID), OWNER.address, PROPOSER.address, WINDOW, '0x0000000000000000000000000000000000000000', 18] },
    { deploy: 'Bridge', args: [core, OWNER.address] },
    { deploy: 'Inbox', args: [bridge] },
    { deploy: 'Outbox', args: [bridge] },
    { deploy: 'NitroRollup', args: [bridge, outbox, 1n] },
    { to: bridge, name: 'Bridge', fn: 'setDelayedInbox', args: [inbox, true] },
    { to: bridge, name: 'Bridge', fn: 'setOutbox', args: [outbox, true] },
    { to: bridge, name: 'Bridge', fn: 'setRollup', args: [rollup] },
    { to: core, name: 'RollupCore', fn: 'setEntryPoint', args: [bridge, true] },
    { to: core, name: 'RollupCore', fn: 'setEntryPoint', args: [outbox, true] },
    { to: core, name: 'RollupCore', fn: 'setEntryPoint', args: [rollup, true] },
  ];
  const hashes = [];
  for (const tx of txs) {
    const data = tx.deploy
      ? encodeDeployData({ abi: abiOf(tx.deploy), bytecode: artifact(tx.deploy).bytecode, args: tx.args })
      : encodeFunctionData({ abi: abiOf(tx.name), functionName: tx.fn, args: tx.args });
    hashes.push(await wallet.sendTransaction({ to: tx.to, data, gas: 8_000_000n, nonce: nonce++ }));
  }
  for (const [i, hash] of hashes.entries()) {
    assert.equal((await receiptOf(l1, hash, 30_000)).status, 'success', `deployment step ${i}`);
  }

  sdk.registerCustomArbitrumNetwork(
    {
      chainId: L2_CHAIN_ID,
      parentChainId: L1_CHAIN_ID,
      name: 'tephra nitro',
      confirmPeriodBlocks: 1,
      isCustom: true,
      isTestnet: true,
      isBold: true,
      ethBridge: { bridge, inbox, outbox, rollup, sequencerInbox: bridge },
    },
    { throwIfAlreadyRegistered: true },
  );
});

after(async () => {
  await l2Node?.stop();
  await l1Node?.stop();
});

const v5 = (node) => new ethers5.providers.StaticJsonRpcProvider(node.url);
const signerV5 = (node, index) => ethers5.Wallet.fromMnemonic(MNEMONIC, `m/44'/60'/0'/0/${index}`).connect(v5(node));
/// An L1 receipt as ethers 5 returns it (what the SDK's ParentTransactionReceipt takes).
const receiptV5 = (node, hash) => v5(node).getTransactionReceipt(hash);

test('depositEth: Nitro message kind 12 with its events, parsed by the SDK; the ETH sits in the core', async () => {
  const value = parseEther('1');
  const coreBefore = await l1.getBalance({ address: deployed.core });
  const receipt = await write(USER, deployed.inbox, 'Inbox', 'depositEth', [], { value });
  assert.equal(await l1.getBalance({ address: deployed.core }), coreBefore + value, 'custody in the core');
  assert.equal(await l1.getBalance({ address: deployed.bridge }), 0n);

  const bridgeEvent = receipt.logs
    .filter((l) => getAddress(l.address) === getAddress(deployed.bridge))
    .map((l) => decodeEventLog({ abi: abiOf('Bridge'), ...l }))
    .find((e) => e.eventName === 'MessageDelivered');
  const inboxEvent = receipt.logs
    .filter((l) => getAddress(l.address) === getAddress(deployed.inbox))
    .map((l) => decodeEventLog({ abi: abiOf('Inbox'), ...l }))[0];
  const data = encodePacked(['address', 'uint256'], [USER.address, value]);
  assert.equal(inboxEvent.eventName, 'InboxMessageDelivered');
  assert.equal(inboxEvent.args.data, data);
  const m = bridgeEvent.args;
  assert.equal(m.messageIndex, inboxEvent.args.messageNum);
  assert.equal(m.kind, 12);
  assert.equal(getAddress(m.inbox), getAddress(deployed.inbox));
  assert.equal(getAddress(m.sender), alias(USER.address), 'every message sender is aliased');
  assert.equal(m.messageDataHash, keccak256(data));
  const block = await l1.getBlock({ blockNumber: receipt.blockNumber });
  assert.equal(m.baseFeeL1, block.baseFeePerGas);
  assert.equal(m.timestamp, block.timestamp);
  // Nitro's message hash and delayed accumulator, and the core's digest of the deposit.
  const messageHash = keccak256(
    encodePacked(
      ['uint8', 'address', 'uint64', 'uint64', 'uint256', 'uint256', 'bytes32'],
      [12, m.sender, receipt.blockNumber, block.timestamp, m.messageIndex, block.baseFeePerGas, m.messageDataHash],
    ),
  );
  const acc = await l1.readContract({ address: deployed.bridge, abi: abiOf('Bridge'), functionName: 'delayedInboxAccs', args: [m.messageIndex] });
  assert.equal(acc, keccak256(encodePacked(['bytes32', 'bytes32'], [m.beforeInboxAcc, messageHash])));
  const count = await l1.readContract({ address: deployed.core, abi: abiOf('RollupCore'), functionName: 'depositCount' });
  const digest = await l1.readContract({ address: deployed.core, abi: abiOf('RollupCore'), functionName: 'depositDigest', args: [count - 1n] });
  assert.equal(digest, messageHash);

  // The SDK's view: an ETH deposit of `value` to the depositor, from its alias.
  const parent = new sdk.ParentTransactionReceipt(await receiptV5(l1Node, receipt.transactionHash));
  const [deposit] = await parent.getEthDeposits(v5(l2Node));
  assert.equal(getAddress(deposit.to), USER.address);
  assert.equal(deposit.value.toBigInt(), value);
  assert.equal(getAddress(deposit.from), alias(USER.address));
  assert.equal(deposit.messageNumber.toBigInt(), m.messageIndex);
  // Its L2 transaction id: type 0x64 over (chainId, messageNumber, from, to, value), the hash the
  // Rust side checks against Arbitrum One's (crates/frameworks/tests/nitro.rs).
  assert.match(deposit.childTxHash, /^0x[0-9a-f]{64}$/);
});

test('createRetryableTicket: Nitro message kind 9, its RetryableData probe and the SDK parse', async () => {
  const to = '0x00000000000000000000000000000000000c0ffe';
  const data = '0xdeadbeef';
  const gasLimit = 100_000n;
  const maxFeePerGas = 2_000_000_000n;
  const l2CallValue = parseEther('0.01');
  const fee = await l1.readContract({ address: deployed.inbox, abi: abiOf('Inbox'), functionName: 'calculateRetryableSubmissionFee', args: [4n, 0n] });
  const block = await l1.getBlock();
  assert.equal(fee, (1400n + 6n * 4n) * block.baseFeePerGas);
  const maxSubmissionCost = fee * 2n;
  const value = maxSubmissionCost + l2CallValue + gasLimit * maxFeePerGas;
  const args = [to, l2CallValue, maxSubmissionCost, USER.address, USER.address, gasLimit, maxFeePerGas, data];

  // A gas limit of 1 surfaces the message in a revert (how the SDK's estimator reads it).
  await assertRefused(
    l1.simulateContract({ account: USER, address: deployed.inbox, abi: withErrors('Inbox'), functionName: 'createRetryableTicket', args: [to, l2CallValue, maxSubmissionCost, USER.address, USER.address, 1n, maxFeePerGas, data], value }),
    'RetryableData',
  );
  await assertRefused(
    l1.simulateContract({ account: USER, address: deployed.inbox, abi: withErrors('Inbox'), functionName: 'createRetryableTicket', args, value: value - 1n }),
    'InsufficientValue',
  );

  const receipt = await write(USER, deployed.inbox, 'Inbox', 'createRetryableTicket', args, { value });
  const parent = new sdk.ParentTransactionReceipt(await receiptV5(l1Node, receipt.transactionHash));
  const [message] = await parent.getParentToChildMessages(v5(l2Node));
  const d = message.messageData;
  assert.equal(getAddress(d.destAddress), getAddress(to));
  assert.equal(d.l2CallValue.toBigInt(), l2CallValue);
  assert.equal(d.l1Value.toBigInt(), value, 'the deposit is the call value of the L1 call');
  assert.equal(d.maxSubmissionFee.toBigInt(), maxSubmissionCost);
  assert.equal(getAddress(d.excessFeeRefundAddress), USER.address, 'an EOA is not aliased');
  assert.equal(getAddress(d.callValueRefundAddress), USER.address);
  assert.equal(d.gasLimit.toBigInt(), gasLimit);
  assert.equal(d.maxFeePerGas.toBigInt(), maxFeePerGas);
  assert.equal(d.data, data);
  assert.equal(getAddress(message.sender), alias(USER.address));
  assert.match(message.retryableCreationId, /^0x[0-9a-f]{64}$/);
});

test('a withdrawal goes from ArbSys on L2 through NitroRollup and the Outbox, as the SDK drives it', async () => {
  const value = parseEther('0.25');
  const l2Wallet = walletOn(l2Node, L2_CHAIN_ID, USER);
  const hash = await l2Wallet.writeContract({ address: ARB_SYS, abi: ARB_SYS_ABI, functionName: 'withdrawEth', args: [USER.address], value });
  const l2Receipt = await receiptOf(l2, hash, 30_000);
  assert.equal(l2Receipt.status, 'success');
  const event = decodeEventLog({ abi: ARB_SYS_ABI, ...l2Receipt.logs.find((l) => getAddress(l.address) === getAddress(ARB_SYS) && l.topics.length === 4) });
  assert.equal(event.eventName, 'L2ToL1Tx');

  // The SDK's message, unconfirmed before any assertion.
  const child = new sdk.ChildTransactionReceipt(await v5(l2Node).getTransactionReceipt(hash));
  const [reader] = await child.getChildToParentMessages(v5(l1Node));
  assert.equal(await reader.status(v5(l2Node)), sdk.ChildToParentMessageStatus.UNCONFIRMED);

  // The L2 block's send root and count (Nitro's RPC fields), proposed as an assertion.
  const block = await l2.request({ method: 'eth_getBlockByNumber', params: [`0x${l2Receipt.blockNumber.toString(16)}`, false] });
  assert.equal(block.sendRoot, block.extraData, 'sendRoot is the header extraData');
  const sendCount = BigInt(block.sendCount);
  assert.ok(sendCount > event.args.position);
  const proposal = await walletOn(l1Node, L1_CHAIN_ID, PROPOSER).writeContract({
    address: deployed.rollup,
    abi: abiOf('NitroRollup'),
    functionName: 'proposeAssertion',
    args: [l2Receipt.blockNumber, block.hash, block.sendRoot, sendCount],
  });
  assert.equal((await receiptOf(l1, proposal, 30_000)).status, 'success');

  // NodeInterface's proof leads to the send root.
  const [send, root, proof] = await l2.readContract({ address: NODE_INTERFACE, abi: NODE_INTERFACE_ABI, functionName: 'constructOutboxProof', args: [sendCount, event.args.position] });
  assert.equal(root, block.sendRoot);
  assert.equal(BigInt(send), event.args.hash);
  const calc = await l1.readContract({ address: deployed.outbox, abi: abiOf('Outbox'), functionName: 'calculateMerkleRoot', args: [proof, event.args.position, send] });
  assert.equal(calc, root);

  const execArgs = [proof, event.args.position, event.args.caller, event.args.destination, event.args.arbBlockNum, event.args.ethBlockNum, event.args.timestamp, event.args.callvalue, event.args.data];
  // Within the window: the core refuses to pay, and the root is not final yet.
  await assertRefused(
    l1.simulateContract({ account: USER, address: deployed.outbox, abi: withErrors('Outbox'), functionName: 'executeTransaction', args: execArgs }),
    'CommitmentNotFinalized',
  );
  assert.equal(await l1.readContract({ address: deployed.outbox, abi: abiOf('Outbox'), functionName: 'roots', args: [root] }), zeroHash);
  assert.equal(await reader.status(v5(l2Node)), sdk.ChildToParentMessageStatus.UNCONFIRMED);

  // After the window the SDK sees it confirmed and executes it.
  for (let i = 0; i < 40 && (await reader.status(v5(l2Node))) !== sdk.ChildToParentMessageStatus.CONFIRMED; i++) await sleep(500);
  assert.equal(await reader.status(v5(l2Node)), sdk.ChildToParentMessageStatus.CONFIRMED);
  assert.equal(await l1.readContract({ address: deployed.outbox, abi: abiOf('Outbox'), functionName: 'roots', args: [root] }), block.hash);
  const before = await l1.getBalance({ address: USER.address });
  const [writer] = await child.getChildToParentMessages(signerV5(l1Node, 2));
  const tx = await writer.execute(v5(l2Node));
  const executed = await tx.wait();
  assert.equal(executed.status, 1);
  const gas = executed.gasUsed.toBigInt() * executed.effectiveGasPrice.toBigInt();
  assert.equal(await l1.getBalance({ address: USER.address }), before + value - gas, 'the value reached the destination');
  assert.equal(await reader.status(v5(l2Node)), sdk.ChildToParentMessageStatus.EXECUTED);
  assert.equal(await l1.readContract({ address: deployed.outbox, abi: abiOf('Outbox'), functionName: 'isSpent', args: [event.args.position] }), true);

  // A replay and a forged proof are refused.
  await assertRefused(
    l1.simulateContract({ account: USER, address: deployed.outbox, abi: withErrors('Outbox'), functionName: 'executeTransaction', args: execArgs }),
    'AlreadySpent',
  );
  const forged = [...execArgs];
  forged[7] = event.args.callvalue + 1n;
  await assertRefused(
    l1.simulateContract({ account: USER, address: deployed.outbox, abi: withErrors('Outbox'), functionName: 'executeTransaction', args: forged }),
    'UnknownRoot',
  );
});

test("the SDK's EthBridger deposits (plain and to another address, estimated through NodeInterface) and withdraws", async () => {
  const bridger = await sdk.EthBridger.fromProvider(v5(l2Node));
  const parentSigner = signerV5(l1Node, 3);
  const depositor = accounts[3].address;
  const amount = ethers5.utils.parseEther('0.5');

  const coreBefore = await l1.getBalance({ address: deployed.core });
  const deposit = await bridger.deposit({ amount, parentSigner });
  const depositReceipt = await deposit.wait();
  assert.equal(depositReceipt.status, 1);
  const [ethDeposit] = await depositReceipt.getEthDeposits(v5(l2Node));
  assert.equal(getAddress(ethDeposit.to), depositor);
  assert.equal(ethDeposit.value.toBigInt(), amount.toBigInt());
  assert.equal(await l1.getBalance({ address: deployed.core }), coreBefore + amount.toBigInt());

  // depositTo: a retryable whose gas limit the SDK estimates on L2 (NodeInterface's
  // estimateRetryableTicket) and whose fields it reads from the Inbox's RetryableData revert.
  const destination = '0x00000000000000000000000000000000000d0d0d';
  const depositTo = await bridger.depositTo({ amount, parentSigner, childProvider: v5(l2Node), destinationAddress: destination });
  const depositToReceipt = await depositTo.wait();
  assert.equal(depositToReceipt.status, 1);
  const [retryable] = await depositToReceipt.getParentToChildMessages(v5(l2Node));
  assert.equal(getAddress(retryable.messageData.destAddress), getAddress(destination));
  assert.equal(retryable.messageData.l2CallValue.toBigInt(), amount.toBigInt());
  assert.ok(retryable.messageData.gasLimit.toBigInt() >= 21_000n, `estimated gas ${retryable.messageData.gasLimit}`);
  assert.equal(getAddress(retryable.messageData.callValueRefundAddress), getAddress(destination));

  // withdraw: ArbSys.withdrawEth from an ethers 5 signer on the Nitro L2.
  const childSigner = signerV5(l2Node, 3);
  const withdrawal = await bridger.withdraw({ amount, destinationAddress: depositor, childSigner, from: depositor });
  const withdrawalReceipt = await withdrawal.wait();
  assert.equal(withdrawalReceipt.status, 1);
  const [event] = withdrawalReceipt.getChildToParentEvents();
  assert.equal(getAddress(event.destination), depositor);
  assert.equal(event.callvalue.toBigInt(), amount.toBigInt());
  const [message] = await withdrawalReceipt.getChildToParentMessages(v5(l1Node));
  assert.equal(await message.status(v5(l2Node)), sdk.ChildToParentMessageStatus.UNCONFIRMED, 'no assertion covers it yet');
});
