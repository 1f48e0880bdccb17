// `tephra dev --framework op-stack --op-isthmus-time T`: an OP chain that starts on Holocene and
// crosses Isthmus' activation as the OP specification defines it (isthmus/l1-attributes.md and
// isthmus/derivation.md), read through viem: Ecotone's L1 attributes before and on the
// activation block, its eight network upgrade deposits (and no user's transaction) there,
// Isthmus' attributes, GasPriceOracle, operator fee and EIP-2935 history contract after.
// Runs on tephra only (anvil has no OP rules).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPublicClient, createWalletClient, defineChain, http, keccak256, parseAbi } from 'viem';
import { chainConfig } from 'viem/op-stack';
import { accounts, receiptOf } from './lib/chain.mjs';
import { rawRpc, useNode } from './lib/node.mjs';

const CHAIN_ID = 901;
const ISTHMUS_TIME = Math.floor(Date.now() / 1000) + 3600;
const HISTORY_STORAGE = '0x0000f90827f1c53a10cb7a02335b175320002935';
const GAS_PRICE_ORACLE = '0x420000000000000000000000000000000000000f';
const L1_BLOCK = '0x4200000000000000000000000000000000000015';
const EMPTY_ROOT = '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421';
// The specification's source hashes of the eight upgrade deposits, in order.
const UPGRADE_SOURCE_HASHES = [
  '0x3b2d0821ca2411ad5cd3595804d1213d15737188ae4cbd58aa19c821a6c211bf',
  '0xfc70b48424763fa3fab9844253b4f8d508f91eb1f7cb11a247c9baec0afb8035',
  '0x107a570d3db75e6110817eb024f09f3172657e920634111ce9875d08a16daa96',
  '0xebe8b5cb10ca47e0d8bda8f5355f2d66711a54ddeb0ef1d30e29418c9bf17a0e',
  '0xecf2d9161d26c54eda6b7bfdd9142719b1e1199a6e5641468d1bf705bc531ab0',
  '0xad74e1adb877ccbe176b8fa1cc559388a16e090ddbe8b512f5b37d07d887a927',
  '0x3ddf4b1302548dd92939826e970f260ba36167f4c25f18390a5e8b194b295319',
  '0xbfb734dae514c5974ddf803e54c1bc43d5cdb4a48ae27e1d9b875a5a150b553a',
];
const abi = parseAbi([
  'function isIsthmus() view returns (bool)',
  'function version() view returns (string)',
  'function operatorFeeScalar() view returns (uint32)',
]);
const [, A1, A2] = accounts;

let pub;
let wallet;
let url;
useNode(
  {
    kind: 'tephra',
    tephraArgs: ['--framework', 'op-stack', '--chain-id', String(CHAIN_ID), '--op-isthmus-time', String(ISTHMUS_TIME)],
  },
  (node) => {
    url = node.url;
    const chain = defineChain({
      ...chainConfig,
      id: CHAIN_ID,
      name: 'tephra op-stack before Isthmus',
      nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
      rpcUrls: { default: { http: [node.url] } },
    });
    pub = createPublicClient({ chain, transport: http(node.url), pollingInterval: 25, cacheTime: 0 });
    wallet = createWalletClient({ chain, account: A1, transport: http(node.url), pollingInterval: 25, cacheTime: 0 });
  },
);

const blockOf = (blockNumber) => pub.getBlock({ blockNumber, includeTransactions: true });
const calldataLength = (tx) => (tx.input.length - 2) / 2;

test('before Isthmus: Ecotone L1 attributes, no EIP-2935 contract, no requests hash, no EIP-7702', async () => {
  const hash = await wallet.sendTransaction({ to: A2.address, value: 1n });
  const receipt = await receiptOf(pub, hash);
  assert.equal(receipt.status, 'success');
  const block = await blockOf(receipt.blockNumber);
  assert.equal(block.transactions[0].input.slice(0, 10), '0x440a5e20', 'setL1BlockValuesEcotone');
  assert.equal(calldataLength(block.transactions[0]), 164);
  assert.equal(block.withdrawalsRoot, EMPTY_ROOT, "Canyon's empty withdrawals root");
  const raw = (await rawRpc(url, 'eth_getBlockByNumber', ['latest', false])).result;
  assert.equal(raw.requestsHash, undefined, 'no Prague requests hash before Isthmus');
  assert.equal(await pub.getCode({ address: HISTORY_STORAGE }), undefined);
  assert.ok(!(await pub.readContract({ address: L1_BLOCK, abi, functionName: 'version' })).endsWith('+isthmus'));

  const authorization = await wallet.signAuthorization({ contractAddress: A2.address, executor: 'self' });
  // The estimate runs Holocene's EVM, which refuses it; signed with its own gas limit, the
  // pool does, with geth's error.
  await assert.rejects(wallet.sendTransaction({ to: A1.address, authorizationList: [authorization] }), /Eip7702 is not supported/);
  await assert.rejects(
    wallet.sendTransaction({ to: A1.address, authorizationList: [authorization], gas: 100_000n }),
    /transaction type not supported/,
  );
});

test('the activation block carries Ecotone attributes and the upgrade; Isthmus rules follow', async () => {
  assert.ok((await rawRpc(url, 'evm_setNextBlockTimestamp', [ISTHMUS_TIME])).result !== undefined);
  const hash = await wallet.sendTransaction({ to: A2.address, value: 2n });
  const receipt = await receiptOf(pub, hash);
  const activation = await blockOf(receipt.blockNumber - 1n);
  assert.equal(activation.timestamp, BigInt(ISTHMUS_TIME));
  assert.equal(activation.transactions.length, 9, 'the attributes and eight upgrade deposits, no user transaction');
  assert.equal(activation.transactions[0].input.slice(0, 10), '0x440a5e20', 'setL1BlockValuesEcotone on the activation block');
  assert.deepEqual(
    activation.transactions.slice(1).map((tx) => [tx.type, tx.sourceHash]),
    UPGRADE_SOURCE_HASHES.map((sourceHash) => ['deposit', sourceHash]),
  );
  for (const tx of activation.transactions) {
    assert.equal((await pub.getTransactionReceipt({ hash: tx.hash })).status, 'success', `${tx.sourceHash} succeeds`);
  }

  const after = await blockOf(receipt.blockNumber);
  assert.equal(after.transactions.length, 2, 'the transfer waited for the next block');
  assert.equal(after.transactions[0].input.slice(0, 10), '0x098999be', 'setL1BlockValuesIsthmus');
  assert.equal(calldataLength(after.transactions[0]), 176);
  assert.notEqual(after.withdrawalsRoot, EMPTY_ROOT, "the message passer's storage root");
  assert.equal(await pub.readContract({ address: GAS_PRICE_ORACLE, abi, functionName: 'isIsthmus' }), true);
  assert.ok((await pub.readContract({ address: L1_BLOCK, abi, functionName: 'version' })).endsWith('+isthmus'));
  const history = await pub.getCode({ address: HISTORY_STORAGE });
  assert.equal(keccak256(history), '0x6e49e66782037c0555897870e29fa5e552daf4719552131a0abce779daec0a5d');
  const raw = (await rawRpc(url, 'eth_getTransactionReceipt', [hash])).result;
  assert.match(raw.operatorFeeScalar, /^0x[0-9a-f]+$/);
});
