// End-to-end suite of the zk-stack framework with ZKsync's own client: zksync-ethers signs and
// sends EIP-712 (type 0x71) transactions to `tephra dev --framework zk-stack`, and its
// `Provider` reads the `zks_*` namespace (main contract, batch number, fee estimate, L2-to-L1
// log proofs of messages sent through L1Messenger at 0x…8008).
//
// Runs against tephra only (anvil has no zk-stack profile), whatever E2E_NODE says. Tests run
// in file order on one chain.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { ethers } from 'ethers';
import { Provider, Wallet, utils } from 'zksync-ethers';
import { artifact, CHAIN_ID } from './lib/chain.mjs';
import { rawRpc, startNode, useNode } from './lib/node.mjs';

// The first two dev accounts of the `test … junk` mnemonic.
const KEYS = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
];
const L1_MESSENGER = '0x0000000000000000000000000000000000008008';
const L1_MESSAGE_SENT = ethers.id('L1MessageSent(address,bytes32,bytes)');

const handle = useNode({ kind: 'tephra', tephraArgs: ['--framework', 'zk-stack'] });
let provider;
let wallet;
let senderContract;

const ctx = () => {
  provider ??= new Provider(handle.node.url);
  wallet ??= new Wallet(KEYS[0], provider);
  return { provider, wallet };
};

/// The leaf of an L2-to-L1 log in the logs tree: keccak256 of its 88-byte packed encoding.
function logLeaf(log) {
  return ethers.keccak256(
    ethers.solidityPacked(
      ['uint8', 'bool', 'uint16', 'address', 'bytes32', 'bytes32'],
      [log.shardId, log.isService, log.transactionIndex, log.sender, log.key, log.value],
    ),
  );
}

/// Walks `proof` from `leaf` at position `id`, as L1's Merkle library does.
function rootOf(leaf, id, proof) {
  let hash = leaf;
  let position = id;
  for (const sibling of proof) {
    hash = position % 2 === 0 ? ethers.keccak256(ethers.concat([hash, sibling])) : ethers.keccak256(ethers.concat([sibling, hash]));
    position >>= 1;
  }
  return hash;
}

test('zks_ methods answer zksync-ethers Provider', async () => {
  const { provider } = ctx();
  assert.equal((await provider.getNetwork()).chainId, BigInt(CHAIN_ID));
  // No L1 contracts are deployed yet: zero addresses.
  assert.equal(await provider.getMainContractAddress(), ethers.ZeroAddress);
  assert.equal(await provider.getBridgehubContractAddress(), ethers.ZeroAddress);
  assert.equal(await provider.getBaseTokenContractAddress(), '0x0000000000000000000000000000000000000001');
  assert.equal(await provider.getL1BatchNumber(), await provider.getBlockNumber());
  // zksync-ethers' getDefaultBridgeAddresses also reads L2 asset-router contracts, which this
  // profile does not predeploy: read the RPC's answer itself.
  const bridges = await provider.send('zks_getBridgeContracts', []);
  assert.equal(bridges.l1SharedDefaultBridge, ethers.ZeroAddress);
  assert.equal(bridges.l2SharedDefaultBridge, ethers.ZeroAddress);
  const fee = await provider.estimateFee({ from: wallet.address, to: ethers.Wallet.createRandom().address, value: 1n });
  assert.ok(fee.gasLimit >= 21_000n, `gasLimit ${fee.gasLimit}`);
  assert.ok(fee.maxFeePerGas > 0n);
  assert.equal(fee.gasPerPubdataLimit, BigInt(utils.DEFAULT_GAS_PER_PUBDATA_LIMIT));
  const params = await provider.getFeeParams();
  assert.ok(params.V2.config.minimal_l2_gas_price > 0);
  assert.equal(Number(await provider.send('zks_L1ChainId', [])), 9);
});

test('a 0x71 transfer signed by zksync-ethers executes', async () => {
  const { provider, wallet } = ctx();
  const to = ethers.Wallet.createRandom().address;
  const value = 10n ** 15n;
  const tx = await wallet.sendTransaction({ type: utils.EIP712_TX_TYPE, to, value });
  assert.equal(tx.type, utils.EIP712_TX_TYPE);
  const receipt = await tx.wait();
  assert.equal(receipt.status, 1);
  assert.equal(receipt.type, utils.EIP712_TX_TYPE);
  assert.equal(receipt.from, wallet.address);
  assert.equal(receipt.l1BatchNumber, receipt.blockNumber);
  assert.equal(receipt.l1BatchTxIndex, receipt.index);
  assert.deepEqual(receipt.l2ToL1Logs, []);
  assert.equal(await provider.getBalance(to), value);
  // The hash is ZKsync's, which zksync-ethers computes from the signed transaction too.
  const raw = await rawRpc(handle.node.url, 'eth_getRawTransactionByHash', [tx.hash]);
  assert.equal(utils.parseEip712(raw.result).hash, tx.hash);
  const details = await provider.getTransactionDetails(tx.hash);
  assert.equal(details.status, 'included');
  assert.equal(details.initiatorAddress.toLowerCase(), wallet.address.toLowerCase());
  const block = await provider.getBlockDetails(receipt.blockNumber);
  assert.equal(block.l1BatchNumber, receipt.blockNumber);
  assert.equal(block.l2TxCount, 1);
});

test('a 0x71 contract call sends an L1 message whose log proof verifies', async () => {
  const { provider, wallet } = ctx();
  // Deploy L1MessageSender with an ordinary EIP-1559 transaction.
  const { abi, bytecode } = artifact('L1MessageSender');
  const deployer = new ethers.Wallet(KEYS[1], new ethers.JsonRpcProvider(handle.node.url));
  const factory = new ethers.ContractFactory(abi, bytecode, deployer);
  const deployed = await factory.deploy();
  await deployed.waitForDeployment();
  senderContract = await deployed.getAddress();

  const message = ethers.toUtf8Bytes('withdraw 1 ETH to L1');
  const data = new ethers.Interface(abi).encodeFunctionData('send', [message]);
  const tx = await wallet.sendTransaction({ type: utils.EIP712_TX_TYPE, to: senderContract, data });
  const receipt = await tx.wait();
  assert.equal(receipt.status, 1);
  assert.equal(receipt.type, utils.EIP712_TX_TYPE);

  // L1Messenger's event, with the contract as the sender.
  const event = receipt.logs.find((log) => log.address.toLowerCase() === L1_MESSENGER);
  assert.ok(event, 'L1MessageSent emitted');
  assert.equal(event.topics[0], L1_MESSAGE_SENT);
  assert.equal(ethers.getAddress(ethers.dataSlice(event.topics[1], 12)), senderContract);
  assert.equal(event.topics[2], ethers.keccak256(message));

  // The L2-to-L1 log in zksync's receipt shape.
  assert.equal(receipt.l2ToL1Logs.length, 1);
  const log = receipt.l2ToL1Logs[0];
  assert.equal(log.sender.toLowerCase(), L1_MESSENGER);
  assert.equal(log.key, ethers.zeroPadValue(senderContract, 32).toLowerCase());
  assert.equal(log.value, ethers.keccak256(message));
  assert.equal(log.isService, true);
  assert.equal(log.transactionHash, tx.hash);

  // The contract got the hash back from L1Messenger.
  const contract = new ethers.Contract(senderContract, abi, provider);
  assert.equal(await contract.lastHash(), ethers.keccak256(message));

  // zks_getL2ToL1LogProof: 14 siblings up to the batch's logs root.
  const proof = await provider.getLogProof(tx.hash);
  assert.equal(proof.proof.length, 14);
  assert.equal(rootOf(logLeaf(log), proof.id, proof.proof), proof.root);
  const batch = await provider.getL1BatchDetails(receipt.blockNumber);
  assert.equal(batch.l2ToL1LogsRoot, proof.root);
  const msgProof = await provider.send('zks_getL2ToL1MsgProof', [receipt.blockNumber, senderContract, ethers.keccak256(message)]);
  assert.deepEqual(msgProof, proof);
});

/// Blake2s-256 of the concatenated byte strings.
function blake2s(...parts) {
  return ethers.hexlify(createHash('blake2s256').update(Buffer.concat(parts.map((part) => ethers.getBytes(part)))).digest());
}

/// `n` as 8 little-endian bytes.
function le8(n) {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(BigInt(n));
  return bytes;
}

/// ZKsync OS's state tree, as its zks_getProof design note defines it: empty subtrees' hashes,
/// and the root a leaf's path leads to (siblings from the leaf up, trailing empty ones omitted).
const EMPTY = [blake2s(new Uint8Array(72))];
for (let height = 1; height < 64; height++) EMPTY.push(blake2s(EMPTY[height - 1], EMPTY[height - 1]));
function treeRoot(leafKey, value, nextIndex, index, siblings) {
  let hash = blake2s(leafKey, value, le8(nextIndex));
  let position = BigInt(index);
  for (let height = 0; height < 64; height++) {
    const sibling = siblings[height] ?? EMPTY[height];
    hash = position % 2n === 0n ? blake2s(hash, sibling) : blake2s(sibling, hash);
    position >>= 1n;
  }
  assert.equal(position, 0n);
  return hash;
}

test('zks_getProof proves a contract slot and an unwritten one against the batch root', async () => {
  const { provider } = ctx();
  const batch = await provider.getL1BatchNumber();
  const { rootHash } = await provider.getL1BatchDetails(batch);
  const [slot0, slot9] = [ethers.ZeroHash, ethers.toBeHex(9, 32)];
  const answer = await provider.getProof(senderContract, [slot0, slot9], batch);
  const flatKey = (slot) => blake2s(ethers.zeroPadValue(senderContract, 32), slot);

  // Slot 0 is L1MessageSender.lastHash: the hash of the message sent above.
  const [written, unwritten] = answer.storageProofs;
  assert.equal(written.proof.type, 'existing');
  const lastHash = await new ethers.Contract(senderContract, artifact('L1MessageSender').abi, provider).lastHash();
  assert.equal(written.proof.value, lastHash);
  const { index, value, nextIndex, siblings } = written.proof;
  assert.equal(treeRoot(flatKey(slot0), value, nextIndex, index, siblings), rootHash);

  // Slot 9 was never written: its neighbours in key order are adjacent and bracket its key.
  assert.equal(unwritten.proof.type, 'nonExisting');
  const { leftNeighbor: left, rightNeighbor: right } = unwritten.proof;
  assert.equal(left.nextIndex, right.index);
  assert.ok(BigInt(left.leafKey) < BigInt(flatKey(slot9)) && BigInt(flatKey(slot9)) < BigInt(right.leafKey));
  for (const leaf of [left, right]) {
    assert.equal(treeRoot(leaf.leafKey, leaf.value, leaf.nextIndex, leaf.index, leaf.siblings), rootHash);
  }
  assert.equal(Number(answer.stateCommitmentPreimage.blockNumber), batch);
});

test('zksync-ethers estimates a 0x71 contract call through eth_estimateGas', async () => {
  const { wallet } = ctx();
  const { abi } = artifact('L1MessageSender');
  const data = new ethers.Interface(abi).encodeFunctionData('send', ['0x01']);
  const gas = await wallet.estimateGas({ type: utils.EIP712_TX_TYPE, to: senderContract, data });
  assert.ok(gas > 21_000n);
});

test('an ethereum chain refuses 0x71 and the zks_ namespace', async () => {
  const node = await startNode({ kind: 'tephra' });
  try {
    const provider = new Provider(node.url);
    const wallet = new Wallet(KEYS[0], provider);
    const signed = await wallet.signTransaction({
      type: utils.EIP712_TX_TYPE,
      to: ethers.Wallet.createRandom().address,
      value: 1n,
      gasLimit: 21_000n,
      maxFeePerGas: 10n ** 10n,
      maxPriorityFeePerGas: 10n ** 9n,
      nonce: 0,
      chainId: CHAIN_ID,
    });
    const sent = await rawRpc(node.url, 'eth_sendRawTransaction', [signed]);
    assert.equal(sent.error?.message, 'transaction type not supported');
    const zks = await rawRpc(node.url, 'zks_L1BatchNumber');
    assert.match(zks.error?.message, /not available on this framework \(ethereum\)/);
  } finally {
    await node.stop();
  }
});

test('priced pubdata: zksync-ethers estimates and pays for what a transaction publishes', async () => {
  const price = 10n ** 12n; // 1,000 gwei a byte: about 1,000 gas a byte at a 1 gwei base fee
  const node = await startNode({
    kind: 'tephra',
    tephraArgs: ['--framework', 'zk-stack', '--zk-pubdata-price', price.toString()],
  });
  try {
    const provider = new Provider(node.url);
    const wallet = new Wallet(KEYS[0], provider);
    const params = await provider.getFeeParams();
    assert.equal(BigInt(params.V2.l1_pubdata_price), price);
    // Deployed by ethers over eth_estimateGas, which prices the code the deployment publishes.
    const { abi, bytecode } = artifact('L1MessageSender');
    const deployer = new ethers.Wallet(KEYS[1], new ethers.JsonRpcProvider(node.url));
    const deployed = await new ethers.ContractFactory(abi, bytecode, deployer).deploy();
    assert.equal((await deployed.deploymentTransaction().wait()).status, 1);

    // zksync-ethers' estimate (zks_estimateFee) covers the message's pubdata.
    const message = ethers.toUtf8Bytes('priced pubdata');
    const data = new ethers.Interface(abi).encodeFunctionData('send', [message]);
    const tx = await wallet.sendTransaction({ type: utils.EIP712_TX_TYPE, to: await deployed.getAddress(), data });
    const receipt = await tx.wait();
    assert.equal(receipt.status, 1);
    const { baseFeePerGas } = await provider.getBlock(receipt.blockNumber);
    const perByte = (price + baseFeePerGas - 1n) / baseFeePerGas;
    // The message alone publishes its length (4 bytes), its bytes and its 88-byte log.
    const messageGas = BigInt(4 + message.length + 88) * perByte;
    assert.ok(receipt.gasUsed >= messageGas, `gasUsed ${receipt.gasUsed} pays for ${messageGas} of message pubdata`);
    const details = await provider.getBlockDetails(receipt.blockNumber);
    assert.equal(BigInt(details.fairPubdataPrice), price);
  } finally {
    await node.stop();
  }
});
