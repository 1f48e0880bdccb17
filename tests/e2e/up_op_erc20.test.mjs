// `tephra up` with an OP Stack rollup: ERC-20 deposits the OP way. An L1 ERC-20
// (TestTokenDecimals) gets its L2 token from the OptimismMintableERC20Factory predeploy; the
// user approves the L1StandardBridge and calls depositERC20To; the bridge moves the tokens into
// the RollupCore and sends L2StandardBridge.finalizeBridgeERC20 through the
// L1CrossDomainMessenger and the OptimismPortal, which the rollup's L1 follower turns into a
// deposit transaction (0x7E) from the aliased L1 messenger to L2CrossDomainMessenger.relayMessage,
// minting the L2 token. Withdrawals the OP way too: L2StandardBridge burns the L2 token and sends
// finalizeBridgeERC20 through L2CrossDomainMessenger and the L2ToL1MessagePasser; the withdrawal
// is proven and finalized with viem's OP Stack actions on the OptimismPortal, whose delivery has
// the L1CrossDomainMessenger relay the message to L1StandardBridge, which has the core release the
// tokens to the recipient; a withdrawal of more than was deposited for its pair fails there and
// stays replayable in the messenger. Runs on tephra only.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { encodeErrorResult, encodeFunctionData, erc20Abi, keccak256, parseAbi, parseEther, parseEventLogs } from 'viem';
import { getL2TransactionHashes, getWithdrawals } from 'viem/op-stack';
import { accounts, artifact } from './lib/chain.mjs';
import { opStackClients, startNetwork, until } from './lib/network.mjs';

const [, A1, A2, A3, A4, A5] = accounts;
const LEGACY_ERC20_ETH = '0xDeadDeAddeAddEAddeadDEaDDEAdDeaDDeAD0000';
const FACTORY = '0x4200000000000000000000000000000000000012';
const L2_BRIDGE = '0x4200000000000000000000000000000000000010';
const L2_MESSENGER = '0x4200000000000000000000000000000000000007';
const ALIAS_OFFSET = 0x1111000000000000000000000000000000001111n;
const factoryAbi = parseAbi([
  'function createOptimismMintableERC20(address _remoteToken, string _name, string _symbol) returns (address)',
  'function bridge() view returns (address)',
  'event OptimismMintableERC20Created(address indexed localToken, address indexed remoteToken, address deployer)',
]);
const l1BridgeAbi = parseAbi([
  // The token's (OpenZeppelin 5) refusal, bubbled up through the bridge's SafeERC20.
  'error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed)',
  'function depositETHTo(address _to, uint32 _minGasLimit, bytes _extraData) payable',
  'function depositERC20To(address _l1Token, address _l2Token, address _to, uint256 _amount, uint32 _minGasLimit, bytes _extraData)',
  'error DepositsExceeded(address l1Token, address l2Token, uint256 deposited, uint256 amount)',
  'error ReplayFailed(bytes32 msgHash)',
  'error NoWithdrawalInDelivery()',
  'function deposits(address, address) view returns (uint256)',
  'function messenger() view returns (address)',
  'function payoutId(bytes32 _withdrawalHash) view returns (bytes32)',
  'function replayWithdrawal((uint256 nonce, address sender, address target, uint256 value, uint256 gasLimit, bytes data) _tx)',
  'event ERC20WithdrawalFinalized(address indexed l1Token, address indexed l2Token, address indexed from, address to, uint256 amount, bytes extraData)',
  'event ERC20BridgeFinalized(address indexed localToken, address indexed remoteToken, address indexed from, address to, uint256 amount, bytes extraData)',
  'event ETHWithdrawalFinalized(address indexed from, address indexed to, uint256 amount, bytes extraData)',
  'function l2TokenBridge() view returns (address)',
  'event ERC20DepositInitiated(address indexed l1Token, address indexed l2Token, address indexed from, address to, uint256 amount, bytes extraData)',
  'event ERC20BridgeInitiated(address indexed localToken, address indexed remoteToken, address indexed from, address to, uint256 amount, bytes extraData)',
]);
const messengerAbi = parseAbi([
  'event SentMessage(address indexed target, address sender, bytes message, uint256 messageNonce, uint256 gasLimit)',
  'event SentMessageExtension1(address indexed sender, uint256 value)',
  'event RelayedMessage(bytes32 indexed msgHash)',
  'event FailedRelayedMessage(bytes32 indexed msgHash)',
  'function OTHER_MESSENGER() view returns (address)',
  'function failedMessages(bytes32) view returns (bool)',
  'function successfulMessages(bytes32) view returns (bool)',
  'function relayMessage(uint256 _nonce, address _sender, address _target, uint256 _value, uint256 _minGasLimit, bytes _message) payable',
]);
const l2BridgeAbi = parseAbi([
  'event DepositFinalized(address indexed l1Token, address indexed l2Token, address indexed from, address to, uint256 amount, bytes extraData)',
  'function otherBridge() view returns (address)',
  'function withdrawTo(address _l2Token, address _to, uint256 _amount, uint32 _minGasLimit, bytes _extraData) payable',
  'function bridgeERC20To(address _localToken, address _remoteToken, address _to, uint256 _amount, uint32 _minGasLimit, bytes _extraData)',
  'event WithdrawalInitiated(address indexed l1Token, address indexed l2Token, address indexed from, address to, uint256 amount, bytes extraData)',
]);
const coreAbi = parseAbi([
  'function depositCount() view returns (uint256)',
  'function withdrawalFinalized(bytes32) view returns (bool)',
]);
const portalAbi = parseAbi(['event WithdrawalFinalized(bytes32 indexed withdrawalHash, bool success)']);
const mintableAbi = parseAbi(['function remoteToken() view returns (address)', 'function bridge() view returns (address)']);

let net;
let c;
let l1Token;
let l2Token;

before(async () => {
  net = await startNetwork({ rollups: [{ name: 'op', chain_id: 901, framework: 'op-stack' }] });
  c = opStackClients(net.file, net.rollup('op'));
  // The L1 token: 18 decimals, the supply to A1, some of it to A3 (who never approves).
  const { abi, bytecode } = artifact('TestTokenDecimals');
  const deploy = await c.l1Wallet(A1).deployContract({ abi, bytecode, args: ['Bridged Token', 'BRT', 18, 10n ** 24n] });
  l1Token = (await c.l1.waitForTransactionReceipt({ hash: deploy })).contractAddress;
  const fund = await c.l1Wallet(A1).writeContract({ address: l1Token, abi: erc20Abi, functionName: 'transfer', args: [A3.address, 10n ** 21n] });
  await c.l1.waitForTransactionReceipt({ hash: fund });
  // Its L2 token, created through the factory predeploy (CREATE2, bridge = L2StandardBridge).
  const create = await c.l2Wallet(A1).writeContract({
    address: FACTORY,
    abi: factoryAbi,
    functionName: 'createOptimismMintableERC20',
    args: [l1Token, 'Bridged Token', 'BRT'],
  });
  const receipt = await c.l2.waitForTransactionReceipt({ hash: create });
  assert.equal(receipt.status, 'success');
  [{ args: { localToken: l2Token } }] = parseEventLogs({ abi: factoryAbi, logs: receipt.logs, eventName: 'OptimismMintableERC20Created' });
});

after(async () => {
  await net?.stop();
});

const l1Balance = (address) => c.l1.readContract({ address: l1Token, abi: erc20Abi, functionName: 'balanceOf', args: [address] });
const l2Balance = (address) => c.l2.readContract({ address: l2Token, abi: erc20Abi, functionName: 'balanceOf', args: [address] });

test('network.json names the bridge on both sides, and the L2 predeploys name the L1 ones', async () => {
  const { l1_contracts: l1, l2_contracts: l2 } = net.rollup('op');
  assert.match(l1.L1CrossDomainMessenger, /^0x[0-9a-fA-F]{40}$/);
  assert.match(l1.L1StandardBridge, /^0x[0-9a-fA-F]{40}$/);
  assert.equal(l2.L2CrossDomainMessenger, L2_MESSENGER);
  assert.equal(l2.L2StandardBridge, L2_BRIDGE);
  assert.equal(l2.OptimismMintableERC20Factory, FACTORY);
  const same = (a, b) => assert.equal(a.toLowerCase(), b.toLowerCase());
  same(await c.l2.readContract({ address: L2_MESSENGER, abi: messengerAbi, functionName: 'OTHER_MESSENGER' }), l1.L1CrossDomainMessenger);
  same(await c.l2.readContract({ address: L2_BRIDGE, abi: l2BridgeAbi, functionName: 'otherBridge' }), l1.L1StandardBridge);
  same(await c.l1.readContract({ address: l1.L1StandardBridge, abi: l1BridgeAbi, functionName: 'messenger' }), l1.L1CrossDomainMessenger);
  same(await c.l1.readContract({ address: l1.L1StandardBridge, abi: l1BridgeAbi, functionName: 'l2TokenBridge' }), L2_BRIDGE);
  same(await c.l2.readContract({ address: FACTORY, abi: factoryAbi, functionName: 'bridge' }), L2_BRIDGE);
  same(await c.l2.readContract({ address: l2Token, abi: mintableAbi, functionName: 'remoteToken' }), l1Token);
  same(await c.l2.readContract({ address: l2Token, abi: mintableAbi, functionName: 'bridge' }), L2_BRIDGE);
});

test('depositERC20To is credited on L2 as a 0x7E deposit within two L1 blocks, the tokens held by the RollupCore', async () => {
  const { l1_contracts: l1 } = net.rollup('op');
  const amount = 123_456_789n * 10n ** 9n;
  const senderBefore = await l1Balance(A1.address);
  const approve = await c.l1Wallet(A1).writeContract({ address: l1Token, abi: erc20Abi, functionName: 'approve', args: [l1.L1StandardBridge, amount] });
  await c.l1.waitForTransactionReceipt({ hash: approve });
  const started = Date.now();
  const hash = await c.l1Wallet(A1).writeContract({
    address: l1.L1StandardBridge,
    abi: l1BridgeAbi,
    functionName: 'depositERC20To',
    args: [l1Token, l2Token, A2.address, amount, 200_000, '0x'],
  });
  const receipt = await c.l1.waitForTransactionReceipt({ hash });
  assert.equal(receipt.status, 'success');
  // OP's events, from the bridge and the messenger.
  const [deposit] = parseEventLogs({ abi: l1BridgeAbi, logs: receipt.logs, eventName: 'ERC20DepositInitiated' });
  assert.deepEqual(
    [deposit.args.l1Token, deposit.args.l2Token, deposit.args.from, deposit.args.to, deposit.args.amount].map((v) => String(v).toLowerCase()),
    [l1Token, l2Token, A1.address, A2.address, amount].map((v) => String(v).toLowerCase()),
  );
  assert.equal(parseEventLogs({ abi: l1BridgeAbi, logs: receipt.logs, eventName: 'ERC20BridgeInitiated' }).length, 1);
  const [sent] = parseEventLogs({ abi: messengerAbi, logs: receipt.logs, eventName: 'SentMessage' });
  assert.equal(sent.address.toLowerCase(), l1.L1CrossDomainMessenger.toLowerCase());
  assert.equal(sent.args.target, L2_BRIDGE);
  assert.equal(sent.args.sender.toLowerCase(), l1.L1StandardBridge.toLowerCase());
  assert.equal(parseEventLogs({ abi: messengerAbi, logs: receipt.logs, eventName: 'SentMessageExtension1' }).length, 1);

  const [l2Hash] = getL2TransactionHashes(receipt);
  const l2Receipt = await c.l2.waitForTransactionReceipt({ hash: l2Hash, timeout: 10_000 });
  const l1Head = await c.l1.getBlockNumber();
  console.log(`op-stack ERC-20 deposit: credited ${Date.now() - started} ms after sending (L1 block ${receipt.blockNumber}, head ${l1Head})`);
  assert.equal(l2Receipt.status, 'success');
  assert.equal(l2Receipt.type, '0x7e');
  assert.ok(l1Head <= receipt.blockNumber + 2n, `credited when the L1 was at ${l1Head}, deposit in ${receipt.blockNumber}`);
  const tx = await c.l2.getTransaction({ hash: l2Hash });
  assert.equal(tx.type, 'deposit');
  assert.equal(tx.to, L2_MESSENGER);
  const aliased = (BigInt(l1.L1CrossDomainMessenger) + ALIAS_OFFSET) % 2n ** 160n;
  assert.equal(BigInt(tx.from), aliased, 'from the aliased L1 messenger');
  assert.equal(parseEventLogs({ abi: messengerAbi, logs: l2Receipt.logs, eventName: 'RelayedMessage' }).length, 1);
  const [finalized] = parseEventLogs({ abi: l2BridgeAbi, logs: l2Receipt.logs, eventName: 'DepositFinalized' });
  assert.equal(finalized.args.amount, amount);

  assert.equal(await l2Balance(A2.address), amount);
  assert.equal(await l1Balance(A1.address), senderBefore - amount);
  assert.equal(await l1Balance(l1.RollupCore), amount);
  assert.equal(await l1Balance(l1.L1StandardBridge), 0n);
  assert.equal(await c.l1.readContract({ address: l1.L1StandardBridge, abi: l1BridgeAbi, functionName: 'deposits', args: [l1Token, l2Token] }), amount);
});

test('a deposit without allowance is refused and moves nothing', async () => {
  const { l1_contracts: l1 } = net.rollup('op');
  const amount = 10n ** 18n;
  const [tokens, custody, queued, l2Before] = await Promise.all([
    l1Balance(A3.address),
    l1Balance(l1.RollupCore),
    c.l1.readContract({ address: l1.RollupCore, abi: coreAbi, functionName: 'depositCount' }),
    l2Balance(A3.address),
  ]);
  assert.ok(tokens >= amount, 'A3 holds the tokens, only the allowance is missing');
  await assert.rejects(
    c.l1Wallet(A3).writeContract({
      address: l1.L1StandardBridge,
      abi: l1BridgeAbi,
      functionName: 'depositERC20To',
      args: [l1Token, l2Token, A3.address, amount, 200_000, '0x'],
    }),
    /ERC20InsufficientAllowance/,
  );
  // Sent anyway with a fixed gas limit, it reverts on chain.
  const hash = await c.l1Wallet(A3).writeContract({
    address: l1.L1StandardBridge,
    abi: l1BridgeAbi,
    functionName: 'depositERC20To',
    args: [l1Token, l2Token, A3.address, amount, 200_000, '0x'],
    gas: 600_000n,
  });
  assert.equal((await c.l1.waitForTransactionReceipt({ hash })).status, 'reverted');
  assert.equal(await l1Balance(A3.address), tokens);
  assert.equal(await l1Balance(l1.RollupCore), custody);
  assert.equal(await c.l1.readContract({ address: l1.RollupCore, abi: coreAbi, functionName: 'depositCount' }), queued);
  // Two more L1 blocks: nothing arrives on L2.
  const head = await c.l1.getBlockNumber();
  while ((await c.l1.getBlockNumber()) < head + 2n) await new Promise((r) => setTimeout(r, 100));
  assert.equal(await l2Balance(A3.address), l2Before);
});

test('depositETHTo through the same bridge and messenger is credited on L2, the ETH held by the RollupCore', async () => {
  const { l1_contracts: l1 } = net.rollup('op');
  const amount = parseEther('0.75');
  const [l2Before, custody] = await Promise.all([c.l2.getBalance({ address: A3.address }), c.l1.getBalance({ address: l1.RollupCore })]);
  const hash = await c.l1Wallet(A2).writeContract({
    address: l1.L1StandardBridge,
    abi: l1BridgeAbi,
    functionName: 'depositETHTo',
    args: [A3.address, 200_000, '0x'],
    value: amount,
  });
  const receipt = await c.l1.waitForTransactionReceipt({ hash });
  assert.equal(receipt.status, 'success');
  const [l2Hash] = getL2TransactionHashes(receipt);
  const l2Receipt = await c.l2.waitForTransactionReceipt({ hash: l2Hash, timeout: 10_000 });
  assert.equal(l2Receipt.type, '0x7e');
  assert.equal(parseEventLogs({ abi: messengerAbi, logs: l2Receipt.logs, eventName: 'RelayedMessage' }).length, 1);
  assert.equal(await c.l2.getBalance({ address: A3.address }), l2Before + amount);
  assert.equal(await c.l1.getBalance({ address: l1.RollupCore }), custody + amount);
  assert.equal(await c.l1.getBalance({ address: l1.L1StandardBridge }), 0n);
});

// --- withdrawals ---

/// Proves and finalizes the withdrawal of L2 `receipt` with viem's OP Stack actions, from
/// `account`: waits for an output covering it, proves, waits out the challenge window (and the
/// next L1 block, whose time the portal reads) and finalizes. Returns the withdrawal, the L1
/// finalize receipt and when it became provable.
async function proveAndFinalize(receipt, account) {
  const chain = c.l2Chain;
  await until(async () => (await c.l1.getWithdrawalStatus({ receipt, targetChain: chain })) === 'ready-to-prove');
  const provable = Date.now();
  const output = await c.l1.getL2Output({ l2BlockNumber: receipt.blockNumber, targetChain: chain });
  const [withdrawal] = getWithdrawals(receipt);
  const proveHash = await c.l1Wallet(account).proveWithdrawal(await c.l2.buildProveWithdrawal({ output, withdrawal }));
  assert.equal((await c.l1.waitForTransactionReceipt({ hash: proveHash })).status, 'success');
  await until(async () => (await c.l1.getWithdrawalStatus({ receipt, targetChain: chain })) === 'ready-to-finalize');
  const l1Block = await c.l1.getBlockNumber();
  await until(async () => (await c.l1.getBlockNumber()) > l1Block);
  const hash = await c.l1Wallet(account).finalizeWithdrawal({ targetChain: chain, withdrawal });
  const finalized = await c.l1.waitForTransactionReceipt({ hash });
  assert.equal(finalized.status, 'success');
  assert.equal(await c.l1.getWithdrawalStatus({ receipt, targetChain: chain }), 'finalized');
  return { withdrawal, finalized, provable };
}

/// The L1 messenger's hash of the message L2CrossDomainMessenger sent in L2 `receipt`.
function messageHash(receipt) {
  const [sent] = parseEventLogs({ abi: messengerAbi, logs: receipt.logs, eventName: 'SentMessage' });
  const [ext] = parseEventLogs({ abi: messengerAbi, logs: receipt.logs, eventName: 'SentMessageExtension1' });
  const { target, sender, message, messageNonce, gasLimit } = sent.args;
  const args = [messageNonce, sender, target, ext.args.value, gasLimit, message];
  return { hash: keccak256(encodeFunctionData({ abi: messengerAbi, functionName: 'relayMessage', args })), args };
}

/// The messenger's call to the L1 bridge in L1 transaction `hash` (geth's callTracer): its revert
/// data says why a relay failed.
async function bridgeCallIn(hash) {
  const bridge = net.rollup('op').l1_contracts.L1StandardBridge.toLowerCase();
  const tree = await c.l1.request({ method: 'debug_traceTransaction', params: [hash, { tracer: 'callTracer' }] });
  const find = (frame) => (frame.to?.toLowerCase() === bridge ? frame : (frame.calls ?? []).map(find).find(Boolean));
  return find(tree);
}
const bridgeError = (errorName, args) => encodeErrorResult({ abi: l1BridgeAbi, errorName, args }).toLowerCase();

const l2Supply = () => c.l2.readContract({ address: l2Token, abi: erc20Abi, functionName: 'totalSupply' });
const deposited = (pair) => c.l1.readContract({ address: net.rollup('op').l1_contracts.L1StandardBridge, abi: l1BridgeAbi, functionName: 'deposits', args: pair });
const bridgeCall = (account, functionName, args) =>
  c.l1Wallet(account).writeContract({ address: net.rollup('op').l1_contracts.L1StandardBridge, abi: l1BridgeAbi, functionName, args });

test('L2StandardBridge.withdrawTo burns the L2 token; proven and finalized through viem, the core releases exactly that to the recipient, once', async () => {
  const { l1_contracts: l1 } = net.rollup('op');
  const part = 45_678_901n * 10n ** 9n; // of the 123_456_789e9 deposited to A2
  const [l2Before, supplyBefore, toBefore, custodyBefore, pairBefore] = await Promise.all([
    l2Balance(A2.address),
    l2Supply(),
    l1Balance(A4.address),
    l1Balance(l1.RollupCore),
    deposited([l1Token, l2Token]),
  ]);
  assert.ok(l2Before >= part && pairBefore >= part);
  const started = Date.now();
  const hash = await c.l2Wallet(A2).writeContract({
    address: L2_BRIDGE,
    abi: l2BridgeAbi,
    functionName: 'withdrawTo',
    args: [l2Token, A4.address, part, 200_000, '0x'],
  });
  const receipt = await c.l2.waitForTransactionReceipt({ hash });
  assert.equal(receipt.status, 'success');
  const [initiated] = parseEventLogs({ abi: l2BridgeAbi, logs: receipt.logs, eventName: 'WithdrawalInitiated' });
  assert.deepEqual(
    [initiated.args.l1Token, initiated.args.l2Token, initiated.args.from, initiated.args.to, initiated.args.amount].map((v) => String(v).toLowerCase()),
    [l1Token, l2Token, A2.address, A4.address, part].map((v) => String(v).toLowerCase()),
  );
  // Burnt on L2: the holder's balance and the supply drop by the amount.
  assert.equal(await l2Balance(A2.address), l2Before - part);
  assert.equal(await l2Supply(), supplyBefore - part);
  const message = messageHash(receipt);

  const { withdrawal, finalized, provable } = await proveAndFinalize(receipt, A2);
  console.log(
    `op-stack ERC-20 withdrawal: provable ${provable - started} ms after initiating, finalized after ${Date.now() - started} ms (challenge window 2 s)`,
  );
  assert.deepEqual(
    parseEventLogs({ abi: portalAbi, logs: finalized.logs, eventName: 'WithdrawalFinalized' }).map((e) => [e.args.withdrawalHash, e.args.success]),
    [[withdrawal.withdrawalHash, true]],
  );
  const [relayed] = parseEventLogs({ abi: messengerAbi, logs: finalized.logs, eventName: 'RelayedMessage' });
  assert.equal(relayed.args.msgHash, message.hash);
  assert.equal(relayed.address.toLowerCase(), l1.L1CrossDomainMessenger.toLowerCase());
  const [done] = parseEventLogs({ abi: l1BridgeAbi, logs: finalized.logs, eventName: 'ERC20WithdrawalFinalized' });
  assert.deepEqual(
    [done.args.l1Token, done.args.l2Token, done.args.from, done.args.to, done.args.amount].map((v) => String(v).toLowerCase()),
    [l1Token, l2Token, A2.address, A4.address, part].map((v) => String(v).toLowerCase()),
  );
  assert.equal(parseEventLogs({ abi: l1BridgeAbi, logs: finalized.logs, eventName: 'ERC20BridgeFinalized' }).length, 1);

  assert.equal(await l1Balance(A4.address), toBefore + part);
  assert.equal(await l1Balance(l1.RollupCore), custodyBefore - part);
  assert.equal(await l1Balance(l1.L1StandardBridge), 0n);
  assert.equal(await deposited([l1Token, l2Token]), pairBefore - part);
  const id = await c.l1.readContract({ address: l1.L1StandardBridge, abi: l1BridgeAbi, functionName: 'payoutId', args: [withdrawal.withdrawalHash] });
  assert.equal(await c.l1.readContract({ address: l1.RollupCore, abi: coreAbi, functionName: 'withdrawalFinalized', args: [id] }), true);

  // A second finalization is refused by the portal, at estimation and on chain; nothing moves.
  await assert.rejects(c.l1Wallet(A2).finalizeWithdrawal({ targetChain: c.l2Chain, withdrawal }), /already been finalized/);
  const again = await c.l1Wallet(A2).finalizeWithdrawal({ targetChain: c.l2Chain, withdrawal, gas: 1_000_000n });
  assert.equal((await c.l1.waitForTransactionReceipt({ hash: again })).status, 'reverted');
  // Nor does the messenger relay the message again.
  await assert.rejects(
    c.l1Wallet(A2).writeContract({ address: l1.L1CrossDomainMessenger, abi: messengerAbi, functionName: 'relayMessage', args: message.args }),
    /message cannot be replayed/,
  );
  assert.equal(await l1Balance(A4.address), toBefore + part);
  assert.equal(await l1Balance(l1.RollupCore), custodyBefore - part);
});

test('ETH withdrawn through L2StandardBridge travels with the message: the bridge forwards what the core released', async () => {
  const { l1_contracts: l1 } = net.rollup('op');
  const amount = parseEther('0.3'); // of the 0.75 ETH A3 got through the bridge
  const [toBefore, custodyBefore] = await Promise.all([c.l1.getBalance({ address: A5.address }), c.l1.getBalance({ address: l1.RollupCore })]);
  const hash = await c.l2Wallet(A3).writeContract({
    address: L2_BRIDGE,
    abi: l2BridgeAbi,
    functionName: 'withdrawTo',
    args: [LEGACY_ERC20_ETH, A5.address, amount, 200_000, '0x'],
    value: amount,
  });
  const receipt = await c.l2.waitForTransactionReceipt({ hash });
  assert.equal(receipt.status, 'success');
  const { finalized } = await proveAndFinalize(receipt, A3);
  const [done] = parseEventLogs({ abi: l1BridgeAbi, logs: finalized.logs, eventName: 'ETHWithdrawalFinalized' });
  assert.equal(done.args.to, A5.address);
  assert.equal(done.args.amount, amount);
  assert.equal(await c.l1.getBalance({ address: A5.address }), toBefore + amount);
  assert.equal(await c.l1.getBalance({ address: l1.RollupCore }), custodyBefore - amount);
  for (const holder of [l1.L1StandardBridge, l1.L1CrossDomainMessenger, l1.OptimismPortal]) assert.equal(await c.l1.getBalance({ address: holder }), 0n);
});

test('withdrawals of a pair never deposited, or of more than deposited, fail on L1 with nothing paid and stay replayable', async () => {
  const { l1_contracts: l1 } = net.rollup('op');
  // Two L2 ERC-20s that are not the L1 token's OptimismMintableERC20: A3 mints them freely. The L2
  // bridge escrows them and sends finalizeBridgeERC20(l1Token, fake, ...) like any withdrawal.
  const { abi, bytecode } = artifact('TestTokenDecimals');
  const fakes = [];
  for (const symbol of ['FAKEA', 'FAKEB']) {
    const deploy = await c.l2Wallet(A3).deployContract({ abi, bytecode, args: [symbol, symbol, 18, 10n ** 24n] });
    fakes.push((await c.l2.waitForTransactionReceipt({ hash: deploy })).contractAddress);
  }
  const [never, little] = fakes;
  // (l1Token, little) gets a small real deposit on L1; (l1Token, never) none.
  const small = 5n * 10n ** 18n;
  await c.l1.waitForTransactionReceipt({
    hash: await c.l1Wallet(A1).writeContract({ address: l1Token, abi: erc20Abi, functionName: 'approve', args: [l1.L1StandardBridge, 3n * small] }),
  });
  const dep = await bridgeCall(A1, 'depositERC20To', [l1Token, little, A1.address, small, 200_000, '0x']);
  assert.equal((await c.l1.waitForTransactionReceipt({ hash: dep })).status, 'success');
  assert.equal(await deposited([l1Token, never]), 0n);
  assert.equal(await deposited([l1Token, little]), small);

  const withdrawals = [];
  for (const [fake, amount, left] of [[never, 10n ** 18n, 0n], [little, small + 1n, small]]) {
    await c.l2.waitForTransactionReceipt({
      hash: await c.l2Wallet(A3).writeContract({ address: fake, abi: erc20Abi, functionName: 'approve', args: [L2_BRIDGE, amount] }),
    });
    const hash = await c.l2Wallet(A3).writeContract({
      address: L2_BRIDGE,
      abi: l2BridgeAbi,
      functionName: 'bridgeERC20To',
      args: [fake, l1Token, A3.address, amount, 200_000, '0x'],
    });
    const receipt = await c.l2.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, 'success');
    withdrawals.push({ fake, amount, left, receipt, message: messageHash(receipt) });
  }

  const [tokensBefore, custodyBefore] = await Promise.all([l1Balance(A3.address), l1Balance(l1.RollupCore)]);
  for (const w of withdrawals) {
    Object.assign(w, await proveAndFinalize(w.receipt, A3));
    // The portal delivered it (the messenger did not revert), the relay to the bridge failed.
    assert.deepEqual(
      parseEventLogs({ abi: portalAbi, logs: w.finalized.logs, eventName: 'WithdrawalFinalized' }).map((e) => e.args.success),
      [true],
    );
    const [failed] = parseEventLogs({ abi: messengerAbi, logs: w.finalized.logs, eventName: 'FailedRelayedMessage' });
    assert.equal(failed.args.msgHash, w.message.hash);
    assert.equal(parseEventLogs({ abi: messengerAbi, logs: w.finalized.logs, eventName: 'RelayedMessage' }).length, 0);
    assert.equal(parseEventLogs({ abi: l1BridgeAbi, logs: w.finalized.logs, eventName: 'ERC20WithdrawalFinalized' }).length, 0);
    // The bridge refused it: more than its pair holds.
    const call = await bridgeCallIn(w.finalized.transactionHash);
    assert.ok(call.error, 'the relayed call to the bridge reverted');
    assert.equal(call.output.toLowerCase(), bridgeError('DepositsExceeded', [l1Token, w.fake, w.left, w.amount]));
    const read = (functionName) => c.l1.readContract({ address: l1.L1CrossDomainMessenger, abi: messengerAbi, functionName, args: [w.message.hash] });
    assert.equal(await read('failedMessages'), true);
    assert.equal(await read('successfulMessages'), false);
    const id = await c.l1.readContract({ address: l1.L1StandardBridge, abi: l1BridgeAbi, functionName: 'payoutId', args: [w.withdrawal.withdrawalHash] });
    assert.equal(await c.l1.readContract({ address: l1.RollupCore, abi: coreAbi, functionName: 'withdrawalFinalized', args: [id] }), false);
  }
  // Nothing paid: the recipient, the custody and the deposits are as they were.
  assert.equal(await l1Balance(A3.address), tokensBefore);
  assert.equal(await l1Balance(l1.RollupCore), custodyBefore);
  assert.equal(await deposited([l1Token, never]), 0n);
  assert.equal(await deposited([l1Token, little]), small);

  // Replayed while the pair still holds too little: refused again, still replayable.
  const over = withdrawals[1];
  const tx = (w) => {
    const { nonce, sender, target, value, gasLimit, data } = w.withdrawal;
    return { nonce, sender, target, value, gasLimit, data };
  };
  await assert.rejects(bridgeCall(A3, 'replayWithdrawal', [tx(over)]), /ReplayFailed/);
  // Once the pair holds enough, a replay sent straight to the messenger still fails and pays
  // nothing (it names no withdrawal for the core to pay); replayWithdrawal pays it exactly, once.
  const top = await bridgeCall(A1, 'depositERC20To', [l1Token, little, A1.address, small, 200_000, '0x']);
  assert.equal((await c.l1.waitForTransactionReceipt({ hash: top })).status, 'success');
  const custodyTopped = await l1Balance(l1.RollupCore);
  assert.equal(custodyTopped, custodyBefore + small);
  assert.equal(await deposited([l1Token, little]), 2n * small);
  const direct = await c.l1Wallet(A3).writeContract({
    address: l1.L1CrossDomainMessenger,
    abi: messengerAbi,
    functionName: 'relayMessage',
    args: over.message.args,
    gas: 1_000_000n,
  });
  const directReceipt = await c.l1.waitForTransactionReceipt({ hash: direct });
  assert.equal(directReceipt.status, 'success');
  assert.equal(parseEventLogs({ abi: messengerAbi, logs: directReceipt.logs, eventName: 'FailedRelayedMessage' }).length, 1);
  assert.equal((await bridgeCallIn(direct)).output.toLowerCase(), bridgeError('NoWithdrawalInDelivery', []));
  assert.equal(await l1Balance(A3.address), tokensBefore);
  assert.equal(await l1Balance(l1.RollupCore), custodyTopped);
  assert.equal(await deposited([l1Token, little]), 2n * small);
  const replay = await bridgeCall(A3, 'replayWithdrawal', [tx(over)]);
  const replayReceipt = await c.l1.waitForTransactionReceipt({ hash: replay });
  assert.equal(replayReceipt.status, 'success');
  assert.equal(parseEventLogs({ abi: messengerAbi, logs: replayReceipt.logs, eventName: 'RelayedMessage' })[0].args.msgHash, over.message.hash);
  assert.equal(await l1Balance(A3.address), tokensBefore + over.amount);
  assert.equal(await l1Balance(l1.RollupCore), custodyTopped - over.amount);
  assert.equal(await deposited([l1Token, little]), 2n * small - over.amount);
  const id = await c.l1.readContract({ address: l1.L1StandardBridge, abi: l1BridgeAbi, functionName: 'payoutId', args: [over.withdrawal.withdrawalHash] });
  assert.equal(await c.l1.readContract({ address: l1.RollupCore, abi: coreAbi, functionName: 'withdrawalFinalized', args: [id] }), true);
  await assert.rejects(bridgeCall(A3, 'replayWithdrawal', [tx(over)]), /already been relayed/);
  // The pair never deposited stays refused.
  await assert.rejects(bridgeCall(A3, 'replayWithdrawal', [tx(withdrawals[0])]), /ReplayFailed/);
  assert.equal(await l1Balance(A3.address), tokensBefore + over.amount);
});
