// `tephra dev --framework op-stack` against viem's own OP Stack support (viem/op-stack): L1 fee
// estimates through the GasPriceOracle predeploy, receipts with op-geth's L1 fee fields, the L1
// attributes deposit opening every block, deposits built by viem, withdrawals through the
// L2ToL1MessagePasser proven against the block's withdrawals root, and `optimism_outputAtBlock`
// recomputed from the block and an account proof. Runs on tephra only (anvil has no OP rules).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  concat,
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  keccak256,
  numberToHex,
  pad,
  parseGwei,
} from 'viem';
import {
  buildDepositTransaction,
  chainConfig,
  getWithdrawalHashStorageSlot,
  getWithdrawals,
  publicActionsL2,
  serializeTransaction,
  walletActionsL2,
} from 'viem/op-stack';
import { accounts, receiptOf } from './lib/chain.mjs';
import { rawRpc, useNode } from './lib/node.mjs';
import { verifyProof } from './lib/roots.mjs';

const CHAIN_ID = 901;
const DEPOSITOR = '0xdeaddeaddeaddeaddeaddeaddeaddeaddead0001';
const SEQUENCER_FEE_VAULT = '0x4200000000000000000000000000000000000011';
const [A0, A1, A2] = accounts;
// The predeploys viem's OP Stack chains name (chainConfig.contracts).
const { contracts } = chainConfig;

let pub;
let wallet;
let url;
useNode({ kind: 'tephra', tephraArgs: ['--framework', 'op-stack', '--chain-id', String(CHAIN_ID)] }, (node) => {
  url = node.url;
  const chain = defineChain({
    ...chainConfig,
    id: CHAIN_ID,
    name: 'tephra op-stack',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [node.url] } },
  });
  pub = createPublicClient({ chain, transport: http(node.url), pollingInterval: 25, cacheTime: 0 }).extend(publicActionsL2());
  wallet = (account) =>
    createWalletClient({ chain, account, transport: http(node.url), pollingInterval: 25, cacheTime: 0 }).extend(walletActionsL2());
});

test('viem estimates the L1 fee from the GasPriceOracle, and the receipt charges about that', async () => {
  assert.equal(await pub.getL1BaseFee(), parseGwei('1'));
  const request = { account: A1, to: A2.address, value: 12345n, data: '0x' + 'ab'.repeat(200) };
  const estimate = await pub.estimateL1Fee(request);
  assert.ok(estimate > 0n, 'a non-zero L1 fee for 200 bytes of calldata');
  const total = await pub.estimateTotalFee(request);
  assert.ok(total > estimate, 'the total adds the execution fee');

  const before = await pub.getBalance({ address: A1.address });
  const hash = await wallet(A1).sendTransaction({ to: A2.address, value: 12345n, data: request.data });
  const receipt = await receiptOf(pub, hash);
  assert.equal(receipt.status, 'success');
  const raw = (await rawRpc(url, 'eth_getTransactionReceipt', [hash])).result;
  for (const field of ['l1Fee', 'l1GasUsed', 'l1GasPrice', 'l1BaseFeeScalar', 'l1BlobBaseFee', 'l1BlobBaseFeeScalar']) {
    assert.match(raw[field] ?? '', /^0x[0-9a-f]+$/, `receipt field ${field}`);
  }
  assert.equal(receipt.l1GasPrice, parseGwei('1'));
  // The estimate prices an unsigned transaction plus 68 bytes for its signature (Fjord's rule);
  // the charge prices the signed one. Both are FastLZ estimates of nearly the same bytes.
  const ratio = Number(receipt.l1Fee) / Number(estimate);
  assert.ok(ratio > 0.9 && ratio < 1.1, `charged ${receipt.l1Fee} vs estimated ${estimate}`);
  const after = await pub.getBalance({ address: A1.address });
  assert.equal(before - after, 12345n + receipt.gasUsed * receipt.effectiveGasPrice + receipt.l1Fee);
});

test('every block opens with the L1 attributes deposit, shaped as op-geth returns it', async () => {
  assert.ok((await rawRpc(url, 'evm_mine')).result !== undefined, 'evm_mine seals a block');
  const number = await pub.getBlockNumber();
  const block = await pub.getBlock({ blockNumber: number, includeTransactions: true });
  assert.equal(block.miner.toLowerCase(), SEQUENCER_FEE_VAULT);
  const deposit = block.transactions[0];
  assert.equal(deposit.type, 'deposit');
  assert.equal(deposit.from.toLowerCase(), DEPOSITOR);
  assert.equal(deposit.to.toLowerCase(), contracts.l1Block.address.toLowerCase());
  assert.equal(deposit.isSystemTx, false);
  assert.match(deposit.sourceHash, /^0x[0-9a-f]{64}$/);
  assert.equal(deposit.input.slice(0, 10), '0x098999be', 'setL1BlockValuesIsthmus');
  assert.equal((deposit.input.length - 2) / 2, 176, 'Isthmus L1 attributes are 176 bytes');
  const receipt = await pub.getTransactionReceipt({ hash: deposit.hash });
  assert.equal(receipt.status, 'success');
  assert.equal(receipt.depositReceiptVersion, 1);
  assert.equal(typeof receipt.depositNonce, 'bigint');
});

test('deposits are built by viem and refused over RPC, well-formed or not', async () => {
  const args = await buildDepositTransaction(pub, { account: A0, to: A1.address, value: 10n ** 15n, chain: pub.chain });
  assert.ok(args.request.gas >= 21_000n, `viem estimated ${args.request.gas} gas on L2`);
  const deposit = serializeTransaction({
    type: 'deposit',
    sourceHash: keccak256('0x01'),
    from: A0.address,
    to: A1.address,
    mint: 10n ** 15n,
    value: 10n ** 15n,
    gas: args.request.gas,
    isSystemTx: false,
    data: '0x',
  });
  assert.equal(deposit.slice(0, 4), '0x7e');
  for (const raw of [deposit, deposit.slice(0, -2), '0x7ec0']) {
    const response = await rawRpc(url, 'eth_sendRawTransaction', [raw]);
    assert.equal(response.error?.code, -32000, JSON.stringify(response));
    assert.match(response.error.message, /deposit transactions \(type 0x7e\)/);
  }
});

test('a withdrawal is recorded in the message passer and proven against the withdrawals root', async () => {
  const hash = await wallet(A2).initiateWithdrawal({
    request: { gas: 100_000n, to: A0.address, value: 10n ** 16n, data: '0x1234' },
  });
  const receipt = await receiptOf(pub, hash);
  assert.equal(receipt.status, 'success');
  const [withdrawal] = getWithdrawals(receipt);
  assert.equal(withdrawal.sender.toLowerCase(), A2.address.toLowerCase());
  assert.equal(withdrawal.target.toLowerCase(), A0.address.toLowerCase());
  assert.equal(withdrawal.value, 10n ** 16n);

  const slot = getWithdrawalHashStorageSlot({ withdrawalHash: withdrawal.withdrawalHash });
  const passer = contracts.l2ToL1MessagePasser.address;
  const blockNumber = receipt.blockNumber;
  assert.equal(BigInt(await pub.getStorageAt({ address: passer, slot, blockNumber })), 1n, 'sentMessages[hash] = true');
  const proof = await pub.getProof({ address: passer, storageKeys: [slot], blockNumber });
  const rawBlock = (await rawRpc(url, 'eth_getBlockByNumber', [numberToHex(blockNumber), false])).result;
  assert.equal(rawBlock.withdrawalsRoot, proof.storageHash, 'Isthmus: withdrawalsRoot = message passer storage root');
  const proven = await verifyProof(proof, rawBlock.stateRoot);
  assert.equal(proven.account.storageHash, rawBlock.withdrawalsRoot);
  assert.equal(proven.storage[0].value, 1n, 'the withdrawal hash is proven sent');
});

test('optimism_outputAtBlock is the v0 output root of the block, its state and its withdrawals', async () => {
  const number = await pub.getBlockNumber();
  const response = await rawRpc(url, 'optimism_outputAtBlock', [numberToHex(number)]);
  assert.ok(response.result, JSON.stringify(response));
  const output = response.result;
  const block = await pub.getBlock({ blockNumber: number });
  const passer = await pub.getProof({ address: contracts.l2ToL1MessagePasser.address, storageKeys: [], blockNumber: number });
  assert.equal(output.blockRef.hash, block.hash);
  assert.equal(output.stateRoot, block.stateRoot);
  assert.equal(output.withdrawalStorageRoot, passer.storageHash);
  const expected = keccak256(concat([pad('0x00', { size: 32 }), block.stateRoot, passer.storageHash, block.hash]));
  assert.equal(output.outputRoot, expected);
  assert.equal(output.version, pad('0x00', { size: 32 }));
  const missing = await rawRpc(url, 'optimism_outputAtBlock', [numberToHex(number + 1000n)]);
  assert.ok(missing.error, 'a block that does not exist is an error');
});
