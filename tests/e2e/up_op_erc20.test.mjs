// `tephra up` with an OP Stack rollup: ERC-20 deposits the OP way. An L1 ERC-20
// (TestTokenDecimals) gets its L2 token from the OptimismMintableERC20Factory predeploy; the
// user approves the L1StandardBridge and calls depositERC20To; the bridge moves the tokens into
// the RollupCore and sends L2StandardBridge.finalizeBridgeERC20 through the
// L1CrossDomainMessenger and the OptimismPortal, which the rollup's L1 follower turns into a
// deposit transaction (0x7E) from the aliased L1 messenger to L2CrossDomainMessenger.relayMessage,
// minting the L2 token. Runs on tephra only.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { erc20Abi, parseAbi, parseEther, parseEventLogs } from 'viem';
import { getL2TransactionHashes } from 'viem/op-stack';
import { accounts, artifact } from './lib/chain.mjs';
import { opStackClients, startNetwork } from './lib/network.mjs';

const [, A1, A2, A3] = accounts;
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
  'function deposits(address, address) view returns (uint256)',
  'function messenger() view returns (address)',
  'function l2TokenBridge() view returns (address)',
  'event ERC20DepositInitiated(address indexed l1Token, address indexed l2Token, address indexed from, address to, uint256 amount, bytes extraData)',
  'event ERC20BridgeInitiated(address indexed localToken, address indexed remoteToken, address indexed from, address to, uint256 amount, bytes extraData)',
]);
const messengerAbi = parseAbi([
  'event SentMessage(address indexed target, address sender, bytes message, uint256 messageNonce, uint256 gasLimit)',
  'event SentMessageExtension1(address indexed sender, uint256 value)',
  'event RelayedMessage(bytes32 indexed msgHash)',
  'function OTHER_MESSENGER() view returns (address)',
]);
const l2BridgeAbi = parseAbi([
  'event DepositFinalized(address indexed l1Token, address indexed l2Token, address indexed from, address to, uint256 amount, bytes extraData)',
  'function otherBridge() view returns (address)',
]);
const coreAbi = parseAbi(['function depositCount() view returns (uint256)']);
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
