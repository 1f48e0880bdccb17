// `tephra up` with a Nitro rollup: an ETH deposit through the Inbox (`depositEth`) is credited
// on L2 as Nitro's deposit transaction (type 0x64) by the rollup's L1 follower, and the proposer
// records assertions (block hash and send root) in NitroRollup over the core. A withdrawal is
// driven by the Arbitrum SDK (@arbitrum/sdk 4.1.0 on ethers 5) alone: `EthBridger.withdraw` on
// L2, the SDK's status UNCONFIRMED until the proposer's assertion is past the challenge window,
// then `execute` on the Outbox, paid once. Runs on tephra only.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BaseError, ContractFunctionRevertedError, createPublicClient, createWalletClient, defineChain, http, parseAbi, parseEther } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { accounts, artifact } from './lib/chain.mjs';
import { startNetwork, until } from './lib/network.mjs';
import { ethers5, registerNitro, sdk, v5 } from './lib/nitro.mjs';


const [, A1] = accounts;
const inboxAbi = parseAbi(['function depositEth() payable returns (uint256)']);
const coreAbi = parseAbi(['function latestL2BlockNumber() view returns (uint256)']);
const Status = sdk.ChildToParentMessageStatus;
const erc20Abi = parseAbi([
  'function balanceOf(address) view returns (uint256)',
  'function allowance(address, address) view returns (uint256)',
  'function decimals() view returns (uint8)',
]);

let net;
let l1;
let l2;
let rollup;

before(async () => {
  net = await startNetwork({ rollups: [{ name: 'nitro', chain_id: 902, framework: 'nitro' }] });
  rollup = net.rollup('nitro');
  const chain = (id, url) =>
    defineChain({ id, name: String(id), nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [url] } } });
  const l1Chain = chain(net.file.l1.chain_id, net.file.l1.rpc);
  l1 = {
    pub: createPublicClient({ chain: l1Chain, transport: http(net.file.l1.rpc), pollingInterval: 50, cacheTime: 0 }),
    wallet: (account) => createWalletClient({ chain: l1Chain, account, transport: http(net.file.l1.rpc), pollingInterval: 50 }),
  };
  l2 = createPublicClient({ chain: chain(902, rollup.rpc), transport: http(rollup.rpc), pollingInterval: 50, cacheTime: 0 });

  await registerNitro(net.file, rollup, l1.pub);
});

after(async () => {
  await net?.stop();
});

test('depositEth is credited on L2 as a 0x64 deposit within two L1 blocks', async () => {
  const value = parseEther('0.75');
  const before = await l2.getBalance({ address: A1.address });
  const hash = await l1.wallet(A1).writeContract({ address: rollup.l1_contracts.Inbox, abi: inboxAbi, functionName: 'depositEth', value });
  const receipt = await l1.pub.waitForTransactionReceipt({ hash });
  assert.equal(receipt.status, 'success');
  const started = Date.now();
  await until(async () => (await l2.getBalance({ address: A1.address })) === before + value, 10_000);
  const l1Head = await l1.pub.getBlockNumber();
  console.log(`nitro ETH deposit: credited ${Date.now() - started} ms after its L1 block (${receipt.blockNumber}, head ${l1Head})`);
  assert.ok(l1Head <= receipt.blockNumber + 2n);
  // The crediting transaction is Nitro's deposit type, from the depositor's L1-to-L2 alias.
  const head = await l2.getBlockNumber();
  let found;
  for (let n = head; n > 0n && !found; n--) {
    const block = await l2.getBlock({ blockNumber: n, includeTransactions: true });
    found = block.transactions.find((tx) => tx.typeHex === '0x64' || tx.type === '0x64');
  }
  assert.ok(found, 'a 0x64 transaction credited the deposit');
  assert.equal(found.to.toLowerCase(), A1.address.toLowerCase());
  assert.equal(BigInt(found.value), value);
});

test('the proposer records assertions of the L2 head in NitroRollup over the core', async () => {
  await until(async () => {
    const latest = await l1.pub.readContract({ address: rollup.l1_contracts.RollupCore, abi: coreAbi, functionName: 'latestL2BlockNumber' });
    return latest > 0n;
  });
  const latest = await l1.pub.readContract({ address: rollup.l1_contracts.RollupCore, abi: coreAbi, functionName: 'latestL2BlockNumber' });
  assert.ok(latest <= (await l2.getBlockNumber()));
});

test('EthBridger.withdraw: UNCONFIRMED until the assertion is past the challenge window, then executed once, paying the receiver', async () => {
  const window = rollup.challenge_window_secs;
  const key = net.file.accounts[2].private_key;
  const childProvider = v5(rollup.rpc);
  const childSigner = new ethers5.Wallet(key, childProvider);
  const parentSigner = new ethers5.Wallet(key, v5(net.file.l1.rpc));
  const receiver = privateKeyToAccount(generatePrivateKey()).address;
  const amount = parseEther('0.3');

  // ArbSys.withdrawEth (0x64) from a dev account to a fresh L1 address.
  const bridger = await sdk.EthBridger.fromProvider(childProvider);
  const withdrawal = await bridger.withdraw({ amount: ethers5.BigNumber.from(amount), destinationAddress: receiver, from: childSigner.address, childSigner });
  const receipt = await withdrawal.wait();
  const initiated = Date.now();
  assert.equal(receipt.status, 1);
  const [event] = receipt.getChildToParentEvents();
  assert.equal(event.destination.toLowerCase(), receiver.toLowerCase());
  assert.equal(event.callvalue.toBigInt(), amount);
  const [message] = await receipt.getChildToParentMessages(parentSigner);
  assert.equal(await message.status(childProvider), Status.UNCONFIRMED);

  // The proposer's assertion covers the block; the window still holds it.
  await until(async () => {
    const latest = await l1.pub.readContract({ address: rollup.l1_contracts.RollupCore, abi: coreAbi, functionName: 'latestL2BlockNumber' });
    return latest >= BigInt(receipt.blockNumber);
  }, 10_000);
  const proposed = Date.now();
  assert.equal(await message.status(childProvider), Status.UNCONFIRMED);
  await assert.rejects(message.execute(childProvider), /Cannot execute message/);

  // The SDK's own wait: CONFIRMED once the commitment is final.
  let timer;
  const ready = await Promise.race([
    message.waitUntilReadyToExecute(childProvider, 50),
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('not executable within 30 s')), 30_000))),
  ]);
  clearTimeout(timer);
  const executable = Date.now();
  assert.equal(ready, Status.CONFIRMED);
  assert.equal(await message.status(childProvider), Status.CONFIRMED);
  console.log(
    `nitro ETH withdrawal: proposed ${proposed - initiated} ms after the L2 receipt, executable after ${executable - initiated} ms (challenge window ${window} s)`,
  );
  // L1 timestamps are whole seconds: the window can end at most a second early on the wall clock.
  assert.ok(executable - initiated >= (window - 1) * 1000, `executable after ${executable - initiated} ms`);

  // Executed on L1: the receiver gets exactly the amount.
  const before = await l1.pub.getBalance({ address: receiver });
  assert.equal(before, 0n);
  const executed = await (await message.execute(childProvider)).wait();
  assert.equal(executed.status, 1);
  assert.equal(await l1.pub.getBalance({ address: receiver }), before + amount);
  assert.equal(await message.status(childProvider), Status.EXECUTED);

  // A second execution: the SDK refuses it, and the Outbox reverts it on chain (AlreadySpent).
  await assert.rejects(message.execute(childProvider), /Cannot execute message/);
  const proof = await message.getOutboxProof(childProvider);
  const args = [proof, event.position, event.caller, event.destination, event.arbBlockNum, event.ethBlockNum, event.timestamp, event.callvalue, event.data]
    .map((v) => (ethers5.BigNumber.isBigNumber(v) ? v.toBigInt() : v));
  const outbox = { address: rollup.l1_contracts.Outbox, abi: artifact('Outbox').abi, functionName: 'executeTransaction', args };
  const executor = privateKeyToAccount(key);
  let error;
  try {
    await l1.pub.simulateContract({ account: executor, ...outbox });
  } catch (e) {
    error = e;
  }
  assert.ok(error, 'the replay simulated without a revert');
  const reverted = error instanceof BaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : null;
  assert.equal(reverted?.data?.errorName, 'AlreadySpent');
  const replay = await l1.wallet(executor).writeContract({ ...outbox, gas: 500_000n });
  assert.equal((await l1.pub.waitForTransactionReceipt({ hash: replay })).status, 'reverted');
  assert.equal(await l1.pub.getBalance({ address: receiver }), before + amount);
});

test('Erc20Bridger deposits the test token through the gateways: minted on L2 at getChildErc20Address within two L1 blocks, escrowed on L1; without allowance refused, nothing moved', async () => {
  const token = net.file.l1_contracts.TestUSDC;
  const gateway = rollup.l1_contracts.L1ERC20Gateway;
  const key = net.file.accounts[3].private_key;
  const parentSigner = new ethers5.Wallet(key, v5(net.file.l1.rpc));
  const childProvider = v5(rollup.rpc);
  const holder = parentSigner.address;
  const bridger = await sdk.Erc20Bridger.fromProvider(childProvider);
  const amount = 1_234_567n; // 1.234567 TestUSDC (6 decimals)
  assert.equal(await l1.pub.readContract({ address: token, abi: erc20Abi, functionName: 'decimals' }), 6);

  const childToken = await bridger.getChildErc20Address(token, parentSigner.provider);
  assert.equal(childToken.toLowerCase(), (await bridger.getChildErc20Address(token, parentSigner.provider)).toLowerCase());
  assert.equal(await l2.getCode({ address: childToken }), undefined, 'no L2 token before the first deposit');
  const l1Before = await l1.pub.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [holder] });
  const escrowBefore = await l1.pub.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [gateway] });

  // Without allowance: the deposit is refused (the SDK's estimate or the chain reverts it) and nothing moves.
  assert.equal(await l1.pub.readContract({ address: token, abi: erc20Abi, functionName: 'allowance', args: [holder, gateway] }), 0n);
  await assert.rejects(
    (async () => {
      const tx = await bridger.deposit({ amount: ethers5.BigNumber.from(amount), erc20ParentAddress: token, parentSigner, childProvider });
      await tx.wait();
    })(),
  );
  assert.equal(await l1.pub.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [holder] }), l1Before);
  assert.equal(await l1.pub.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [gateway] }), escrowBefore);

  // approveToken (the gateway), then deposit.
  const approval = await (await bridger.approveToken({ erc20ParentAddress: token, parentSigner })).wait();
  assert.equal(approval.status, 1);
  const deposit = await bridger.deposit({ amount: ethers5.BigNumber.from(amount), erc20ParentAddress: token, parentSigner, childProvider });
  const receipt = await deposit.wait();
  assert.equal(receipt.status, 1);
  const started = Date.now();
  await until(async () => {
    if ((await l2.getCode({ address: childToken })) === undefined) return false;
    return (await l2.readContract({ address: childToken, abi: erc20Abi, functionName: 'balanceOf', args: [holder] })) === amount;
  }, 10_000);
  const l1Head = await l1.pub.getBlockNumber();
  console.log(`nitro ERC-20 deposit: credited ${Date.now() - started} ms after its L1 block (${receipt.blockNumber}, head ${l1Head})`);
  assert.ok(l1Head <= BigInt(receipt.blockNumber) + 2n);

  // The SDK sees the retryable redeemed; the L2 token is the bridge's, with the token's decimals.
  const [message] = await receipt.getParentToChildMessages(childProvider);
  const result = await message.waitForStatus();
  assert.equal(result.status, sdk.ParentToChildMessageStatus.REDEEMED);
  assert.equal(await l2.readContract({ address: childToken, abi: erc20Abi, functionName: 'decimals' }), 6);
  const l2TokenAbi = parseAbi(['function l1Address() view returns (address)', 'function l2Gateway() view returns (address)']);
  assert.equal((await l2.readContract({ address: childToken, abi: l2TokenAbi, functionName: 'l1Address' })).toLowerCase(), token.toLowerCase());
  assert.equal((await l2.readContract({ address: childToken, abi: l2TokenAbi, functionName: 'l2Gateway' })).toLowerCase(), rollup.l2_contracts.L2ERC20Gateway.toLowerCase());
  // Escrowed on L1 by the gateway, exactly.
  assert.equal(await l1.pub.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [holder] }), l1Before - amount);
  assert.equal(await l1.pub.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [gateway] }), escrowBefore + amount);
});
