// `tephra up` with a Nitro rollup: an ETH deposit through the Inbox (`depositEth`) is credited
// on L2 as Nitro's deposit transaction (type 0x64) by the rollup's L1 follower, and the proposer
// records assertions (block hash and send root) in NitroRollup over the core. Runs on tephra
// only.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createPublicClient, createWalletClient, defineChain, http, parseAbi, parseEther } from 'viem';
import { accounts } from './lib/chain.mjs';
import { startNetwork, until } from './lib/network.mjs';

const [, A1] = accounts;
const inboxAbi = parseAbi(['function depositEth() payable returns (uint256)']);
const coreAbi = parseAbi(['function latestL2BlockNumber() view returns (uint256)']);

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
