// `tephra up` with a Nitro rollup whose native gas token is the network's 6-decimal test token
// (`gas_token = "usdc"`), as an Arbitrum Orbit chain with a custom gas token: its L1 entry
// points are Nitro's ERC20Bridge / ERC20Inbox / ERC20Outbox over the core. Driven by the
// Arbitrum SDK (@arbitrum/sdk 4.1.0 on ethers 5) with the network registered with its
// `nativeToken`: `EthBridger.approveGasToken` (an allowance to the inbox) and `deposit`
// (`depositERC20`) are credited on L2 as Nitro's deposit transaction (0x64) of exactly
// amount * 10^12 wei; `depositTo` (`createRetryableTicket` with `tokenTotalFeeAmount`) becomes a
// retryable (0x69) redeemed on L2; `EthBridger.withdraw` (ArbSys.withdrawEth of the native token) is paid on
// L1 in exact token units once the assertion is past the challenge window, once; an amount with
// dust below one token unit is refused by the core. ETH sent to the inbox and a deposit without
// allowance are refused and move nothing. Runs on tephra only.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  defineChain,
  encodeFunctionData,
  erc20Abi,
  http,
  parseAbi,
  parseEther,
} from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { artifact } from './lib/chain.mjs';
import { startNetwork, until } from './lib/network.mjs';
import { ethers5, registerNitro, sdk, v5 } from './lib/nitro.mjs';


const SCALE = 10n ** 12n; // L2 wei per unit of the 6-decimal token
const bridgeAbi = parseAbi([
  'function nativeToken() view returns (address)',
  'function nativeTokenDecimals() view returns (uint8)',
  'function delayedMessageCount() view returns (uint256)',
]);
const inboxAbi = parseAbi(['function depositERC20(uint256 amount) returns (uint256)', 'function depositEth() payable returns (uint256)']);
const coreAbi = parseAbi(['function latestL2BlockNumber() view returns (uint256)', 'function gasToken() view returns (address)']);
const Status = sdk.ChildToParentMessageStatus;

let net;
let l1;
let l2;
let rollup;
let token;

before(async () => {
  net = await startNetwork({ rollups: [{ name: 'nitro', chain_id: 902, framework: 'nitro', gas_token: 'usdc' }] });
  rollup = net.rollup('nitro');
  token = net.file.l1_contracts.TestUSDC;
  const chain = (id, url, nativeCurrency) => defineChain({ id, name: String(id), nativeCurrency, rpcUrls: { default: { http: [url] } } });
  const l1Chain = chain(net.file.l1.chain_id, net.file.l1.rpc, { name: 'Ether', symbol: 'ETH', decimals: 18 });
  l1 = {
    pub: createPublicClient({ chain: l1Chain, transport: http(net.file.l1.rpc), pollingInterval: 50, cacheTime: 0 }),
    wallet: (account) => createWalletClient({ chain: l1Chain, account, transport: http(net.file.l1.rpc), pollingInterval: 50 }),
  };
  l2 = createPublicClient({
    chain: chain(902, rollup.rpc, { name: 'USD Coin', symbol: 'USDC', decimals: 18 }),
    transport: http(rollup.rpc),
    pollingInterval: 50,
    cacheTime: 0,
  });

  await registerNitro(net.file, rollup, l1.pub);
});

after(async () => {
  await net?.stop();
});

const user = (index) => {
  const key = net.file.accounts[index].private_key;
  return { key, account: privateKeyToAccount(key), parent: new ethers5.Wallet(key, v5(net.file.l1.rpc)), child: new ethers5.Wallet(key, v5(rollup.rpc)) };
};
const tokenBalance = (address) => l1.pub.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [address] });
const messageCount = () => l1.pub.readContract({ address: rollup.l1_contracts.Bridge, abi: bridgeAbi, functionName: 'delayedMessageCount' });
const latestProposed = () => l1.pub.readContract({ address: rollup.l1_contracts.RollupCore, abi: coreAbi, functionName: 'latestL2BlockNumber' });

/// Waits until the L1 has mined `blocks` more blocks.
async function l1Blocks(blocks) {
  const start = await l1.pub.getBlockNumber();
  await until(async () => (await l1.pub.getBlockNumber()) >= start + blocks, 10_000);
}

test('network.json names the test token as the gas token; the bridge reports it as its native token', async () => {
  assert.equal(rollup.gas_token.toLowerCase(), token.toLowerCase());
  const read = (address, abi, functionName) => l1.pub.readContract({ address, abi, functionName });
  assert.equal((await read(rollup.l1_contracts.Bridge, bridgeAbi, 'nativeToken')).toLowerCase(), token.toLowerCase());
  assert.equal(await read(rollup.l1_contracts.Bridge, bridgeAbi, 'nativeTokenDecimals'), 6);
  assert.equal((await read(rollup.l1_contracts.RollupCore, coreAbi, 'gasToken')).toLowerCase(), token.toLowerCase());
  assert.equal(await read(token, erc20Abi, 'decimals'), 6);
  const bridger = await sdk.EthBridger.fromProvider(v5(rollup.rpc));
  assert.equal(bridger.nativeTokenIsEth, false);
});

test('EthBridger.approveGasToken + deposit: credited on L2 within two L1 blocks as a 0x64 deposit of exactly amount * 10^12 wei', async () => {
  const { parent, account } = user(1);
  const bridger = await sdk.EthBridger.fromProvider(v5(rollup.rpc));
  const units = 2_500_001n; // 2.500001 USDC
  const amount = ethers5.BigNumber.from(units);
  const [l2Before, tokensBefore, coreBefore] = [
    await l2.getBalance({ address: account.address }),
    await tokenBalance(account.address),
    await tokenBalance(rollup.l1_contracts.RollupCore),
  ];

  const approval = await (await bridger.approveGasToken({ parentSigner: parent, amount })).wait();
  assert.equal(approval.status, 1);
  assert.equal(approval.to.toLowerCase(), token.toLowerCase());
  const allowance = await l1.pub.readContract({ address: token, abi: erc20Abi, functionName: 'allowance', args: [account.address, rollup.l1_contracts.Inbox] });
  assert.equal(allowance, units, 'the SDK approves the inbox');

  const deposit = await bridger.deposit({ amount, parentSigner: parent });
  const receipt = await deposit.wait();
  assert.equal(receipt.status, 1);
  assert.equal(receipt.to.toLowerCase(), rollup.l1_contracts.Inbox.toLowerCase());
  const started = Date.now();
  // The tokens moved from the user straight into the core's custody.
  assert.equal(await tokenBalance(account.address), tokensBefore - units);
  assert.equal(await tokenBalance(rollup.l1_contracts.RollupCore), coreBefore + units);
  assert.equal(await tokenBalance(rollup.l1_contracts.Inbox), 0n);
  assert.equal(await tokenBalance(rollup.l1_contracts.Bridge), 0n);

  // The SDK parses the message (amount in 18 decimals) and names its L2 transaction.
  const [message] = await receipt.getEthDeposits(v5(rollup.rpc));
  assert.equal(message.to.toLowerCase(), account.address.toLowerCase());
  assert.equal(message.value.toBigInt(), units * SCALE);
  let l2Receipt;
  await until(async () => (l2Receipt = await l2.getTransactionReceipt({ hash: message.childTxHash }).catch(() => null)) !== null, 10_000);
  const l1Head = await l1.pub.getBlockNumber();
  console.log(`nitro USDC deposit: credited ${Date.now() - started} ms after its L1 block (${receipt.blockNumber}, head ${l1Head})`);
  assert.ok(l1Head <= BigInt(receipt.blockNumber) + 2n, `credited by L1 block ${l1Head}, deposited in ${receipt.blockNumber}`);
  assert.equal(l2Receipt.status, 'success');
  const tx = await l2.getTransaction({ hash: message.childTxHash });
  assert.ok(tx.typeHex === '0x64' || tx.type === '0x64', `type ${tx.typeHex ?? tx.type}`);
  assert.equal(tx.to.toLowerCase(), account.address.toLowerCase());
  assert.equal(BigInt(tx.value), units * SCALE);
  assert.equal(await l2.getBalance({ address: account.address }), l2Before + units * SCALE);
  assert.equal(await message.status(), sdk.EthDepositMessageStatus.DEPOSITED);
});

test('EthBridger.depositTo: a retryable whose tokenTotalFeeAmount goes into the core is created (0x69) and redeemed on L2 with exactly its call value', async () => {
  const { parent, account } = user(5);
  const childProvider = v5(rollup.rpc);
  const bridger = await sdk.EthBridger.fromProvider(childProvider);
  const destination = privateKeyToAccount(generatePrivateKey()).address;
  const units = 750_000n; // 0.75 USDC to the destination, plus the L2 fees in tokens
  await (await bridger.approveGasToken({ parentSigner: parent })).wait();
  const [tokensBefore, coreBefore] = [await tokenBalance(account.address), await tokenBalance(rollup.l1_contracts.RollupCore)];

  const receipt = await (await bridger.depositTo({ amount: ethers5.BigNumber.from(units), parentSigner: parent, childProvider, destinationAddress: destination })).wait();
  assert.equal(receipt.status, 1);
  const [message] = await receipt.getParentToChildMessages(childProvider);
  const fields = message.messageData;
  assert.equal(fields.l2CallValue.toBigInt(), units * SCALE);
  assert.equal(message.parentBaseFee.toBigInt(), 0n, 'the ERC-20 bridge reports no L1 base fee');
  assert.equal(fields.maxSubmissionFee.toBigInt(), 0n, 'no submission fee on a custom-gas-token rollup');
  // The deposit word is tokenTotalFeeAmount in 18 decimals; those tokens went into the core.
  const fee = fields.l1Value.toBigInt();
  assert.equal(fee % SCALE, 0n);
  assert.ok(fee >= units * SCALE + fields.gasLimit.toBigInt() * fields.maxFeePerGas.toBigInt());
  assert.equal(await tokenBalance(account.address), tokensBefore - fee / SCALE);
  assert.equal(await tokenBalance(rollup.l1_contracts.RollupCore), coreBefore + fee / SCALE);

  const result = await message.waitForStatus(undefined, 20_000);
  assert.equal(result.status, sdk.ParentToChildMessageStatus.REDEEMED);
  const creation = await l2.getTransaction({ hash: message.retryableCreationId });
  assert.ok(creation.typeHex === '0x69' || creation.type === '0x69', `type ${creation.typeHex ?? creation.type}`);
  assert.equal(await l2.getBalance({ address: destination }), units * SCALE);
});

test('ETH sent to the ERC-20 inbox is refused, and moves nothing', async () => {
  const { account } = user(3);
  const inbox = rollup.l1_contracts.Inbox;
  const [count, l2Before] = [await messageCount(), await l2.getBalance({ address: account.address })];
  const mined = async (request) => {
    const hash = await l1.wallet(account).sendTransaction({ gas: 200_000n, ...request });
    return (await l1.pub.waitForTransactionReceipt({ hash })).status;
  };
  // A plain transfer, Nitro's ETH entry point and the token deposit with ETH attached.
  assert.equal(await mined({ to: inbox, value: parseEther('1') }), 'reverted');
  const depositEth = encodeFunctionData({ abi: inboxAbi, functionName: 'depositEth' });
  assert.equal(await mined({ to: inbox, value: parseEther('1'), data: depositEth }), 'reverted');
  const withEth = encodeFunctionData({ abi: inboxAbi, functionName: 'depositERC20', args: [1n] });
  assert.equal(await mined({ to: inbox, value: 1n, data: withEth }), 'reverted');
  for (const address of [inbox, rollup.l1_contracts.Bridge, rollup.l1_contracts.RollupCore]) {
    assert.equal(await l1.pub.getBalance({ address }), 0n, `${address} holds no ETH`);
  }
  assert.equal(await messageCount(), count, 'no message was delivered');
  await l1Blocks(2n);
  assert.equal(await l2.getBalance({ address: account.address }), l2Before);
});

test('a deposit without allowance is refused: no tokens move, no message, nothing on L2', async () => {
  const { parent, account } = user(4);
  const bridger = await sdk.EthBridger.fromProvider(v5(rollup.rpc));
  const units = 1_000_000n;
  const allowance = await l1.pub.readContract({ address: token, abi: erc20Abi, functionName: 'allowance', args: [account.address, rollup.l1_contracts.Inbox] });
  assert.equal(allowance, 0n);
  const [tokensBefore, coreBefore, count, l2Before] = [
    await tokenBalance(account.address),
    await tokenBalance(rollup.l1_contracts.RollupCore),
    await messageCount(),
    await l2.getBalance({ address: account.address }),
  ];
  assert.ok(tokensBefore >= units, 'the user holds tokens, only the allowance is missing');
  // The SDK's deposit fails at estimation; sent anyway, it reverts on chain.
  await assert.rejects(bridger.deposit({ amount: ethers5.BigNumber.from(units), parentSigner: parent }));
  const hash = await l1.wallet(account).writeContract({ address: rollup.l1_contracts.Inbox, abi: inboxAbi, functionName: 'depositERC20', args: [units], gas: 300_000n });
  assert.equal((await l1.pub.waitForTransactionReceipt({ hash })).status, 'reverted');
  assert.equal(await tokenBalance(account.address), tokensBefore);
  assert.equal(await tokenBalance(rollup.l1_contracts.RollupCore), coreBefore);
  assert.equal(await messageCount(), count);
  await l1Blocks(2n);
  assert.equal(await l2.getBalance({ address: account.address }), l2Before);
});

test('EthBridger.withdraw pays exact token units on L1 after the window, once; dust below one unit is refused by the core', async () => {
  const window = rollup.challenge_window_secs;
  const { parent, child, account } = user(2);
  const childProvider = v5(rollup.rpc);
  const bridger = await sdk.EthBridger.fromProvider(childProvider);
  const receiver = privateKeyToAccount(generatePrivateKey()).address;
  const units = 1_000_001n; // 1.000001 USDC, of the 2.500001 deposited above
  const withdraw = async (amount) => {
    const receipt = await (await bridger.withdraw({ amount: ethers5.BigNumber.from(amount), destinationAddress: receiver, from: account.address, childSigner: child })).wait();
    assert.equal(receipt.status, 1);
    const [event] = receipt.getChildToParentEvents();
    assert.equal(event.callvalue.toBigInt(), amount);
    const [message] = await receipt.getChildToParentMessages(parent);
    return { receipt, event, message };
  };
  const exact = await withdraw(units * SCALE);
  const initiated = Date.now();
  const dust = await withdraw(SCALE + 1n); // one unit and 1 wei: no exact L1 amount
  assert.equal(await exact.message.status(childProvider), Status.UNCONFIRMED);

  await until(async () => (await latestProposed()) >= BigInt(dust.receipt.blockNumber), 10_000);
  const proposed = Date.now();
  assert.equal(await exact.message.status(childProvider), Status.UNCONFIRMED);
  await assert.rejects(exact.message.execute(childProvider), /Cannot execute message/);

  let timer;
  const ready = await Promise.race([
    exact.message.waitUntilReadyToExecute(childProvider, 50),
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('not executable within 30 s')), 30_000))),
  ]);
  clearTimeout(timer);
  const executable = Date.now();
  assert.equal(ready, Status.CONFIRMED);
  console.log(
    `nitro USDC withdrawal: proposed ${proposed - initiated} ms after the L2 receipt, executable after ${executable - initiated} ms (challenge window ${window} s)`,
  );
  assert.ok(executable - initiated >= (window - 1) * 1000, `executable after ${executable - initiated} ms`);

  // Executed on L1: the receiver gets exactly the token units, out of the core's custody.
  const coreBefore = await tokenBalance(rollup.l1_contracts.RollupCore);
  assert.equal(await tokenBalance(receiver), 0n);
  const executed = await (await exact.message.execute(childProvider)).wait();
  assert.equal(executed.status, 1);
  assert.equal(await tokenBalance(receiver), units);
  assert.equal(await tokenBalance(rollup.l1_contracts.RollupCore), coreBefore - units);
  assert.equal(await tokenBalance(rollup.l1_contracts.Outbox), 0n);
  assert.equal(await tokenBalance(rollup.l1_contracts.Bridge), 0n);
  assert.equal(await l1.pub.getBalance({ address: receiver }), 0n, 'no ETH is paid');
  assert.equal(await exact.message.status(childProvider), Status.EXECUTED);

  // Once: the SDK refuses a second execution, and nothing more is paid.
  await assert.rejects(exact.message.execute(childProvider), /Cannot execute message/);
  assert.equal(await tokenBalance(receiver), units);

  // The dust withdrawal is confirmed too, but the core refuses to round it: the Outbox call
  // reverts AmountNotRepresentable, the message stays unspent and nothing moves.
  assert.equal(await dust.message.waitUntilReadyToExecute(childProvider, 50), Status.CONFIRMED);
  const proof = await dust.message.getOutboxProof(childProvider);
  const e = dust.event;
  const args = [proof, e.position, e.caller, e.destination, e.arbBlockNum, e.ethBlockNum, e.timestamp, e.callvalue, e.data].map((v) =>
    ethers5.BigNumber.isBigNumber(v) ? v.toBigInt() : v,
  );
  const outbox = { address: rollup.l1_contracts.Outbox, abi: [...artifact('ERC20Outbox').abi, ...artifact('RollupCore').abi.filter((x) => x.type === 'error')], functionName: 'executeTransaction', args };
  let error;
  try {
    await l1.pub.simulateContract({ account, ...outbox });
  } catch (err) {
    error = err;
  }
  assert.ok(error, 'the dust withdrawal simulated without a revert');
  const reverted = error instanceof BaseError ? error.walk((x) => x instanceof ContractFunctionRevertedError) : null;
  assert.equal(reverted?.data?.errorName, 'AmountNotRepresentable');
  assert.equal(reverted.data.args[0], SCALE + 1n);
  const sent = await l1.wallet(account).writeContract({ ...outbox, gas: 500_000n });
  assert.equal((await l1.pub.waitForTransactionReceipt({ hash: sent })).status, 'reverted');
  assert.equal(await tokenBalance(receiver), units);
  assert.equal(await tokenBalance(rollup.l1_contracts.RollupCore), coreBefore - units);
  assert.equal(await dust.message.status(childProvider), Status.CONFIRMED, 'still unspent');
});
