// Produces zksync_priority.json: ZK Stack priority (L1 -> L2, type 0xff) transactions as the L1
// Mailbox emits them in `NewPriorityRequest`, with their canonical hash
// (`keccak256(abi.encode(L2CanonicalTransaction))`, Mailbox `_validateTx`), encoded by ethers
// with the event ABI zksync-ethers ships (`utils.ZKSYNC_MAIN_ABI`), and the hash zksync-ethers'
// `utils.getL2HashFromPriorityOp` reads back from an L1 receipt holding that event. Run from the
// repository root:
//   node crates/primitives/testdata/zksync_priority.mjs > crates/primitives/testdata/zksync_priority.json
import { ethers } from 'ethers';
import { utils } from 'zksync-ethers';

const event = utils.ZKSYNC_MAIN_ABI.getEvent('NewPriorityRequest');
const txType = event.inputs.find((input) => input.name === 'transaction');
const mainContract = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const word = (address) => BigInt(address);

// The first dev account of the standard test mnemonic, and L1 -> L2 aliasing of a contract.
const alice = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const l1Contract = '0x5FC8d32690cc91D4c39d9d3abcBD16989F875707';
const aliased = utils.applyL1ToL2Alias(l1Contract);

const cases = {
  // Wallet.deposit of 1 ETH to oneself on an ETH-based chain: `requestL2TransactionDirect` with
  // empty calldata, l2Value the amount, mintValue = baseCost + amount.
  eth_deposit: {
    txId: 0n,
    transaction: {
      txType: 255n, from: word(alice), to: word(alice), gasLimit: 300_000n,
      gasPerPubdataByteLimit: 800n, maxFeePerGas: 250_000_000n, maxPriorityFeePerGas: 0n,
      paymaster: 0n, nonce: 0n, value: 10n ** 18n,
      reserved: [10n ** 18n + 300_000n * 250_000_000n, word(alice), 0n, 0n],
      data: '0x', signature: '0x', factoryDeps: [], paymasterInput: '0x', reservedDynamic: '0x',
    },
    factoryDeps: [],
  },
  // A contract's call with calldata and a factory dependency, from the aliased sender, refund
  // to another account.
  contract_call: {
    txId: 41n,
    transaction: {
      txType: 255n, from: word(aliased), to: word('0x70997970C51812dc3A010C7d01b50e0d17dc79C8'),
      gasLimit: 2_000_000n, gasPerPubdataByteLimit: 800n, maxFeePerGas: 1_000_000_007n,
      maxPriorityFeePerGas: 0n, paymaster: 0n, nonce: 41n, value: 12345n,
      reserved: [10n ** 17n, word('0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'), 0n, 0n],
      data: '0xa9059cbb000000000000000000000000000000000000000000000000000000000000002a00000000000000000000000000000000000000000000000000000000000003e8',
      signature: '0x',
      factoryDeps: [BigInt(ethers.hexlify(utils.hashBytecode('0x' + '22'.repeat(96))))],
      paymasterInput: '0x', reservedDynamic: '0x',
    },
    factoryDeps: ['0x' + '22'.repeat(96)],
  },
};

const out = {
  source: 'ethers ' + ethers.version + ' with zksync-ethers ' +
    (await import('zksync-ethers/package.json', { with: { type: 'json' } })).default.version +
    "'s ZKSYNC_MAIN_ABI, by crates/primitives/testdata/zksync_priority.mjs",
  cases: {},
};
for (const [name, { txId, transaction, factoryDeps }] of Object.entries(cases)) {
  const encoded = ethers.AbiCoder.defaultAbiCoder().encode([txType], [transaction]);
  const hash = ethers.keccak256(encoded);
  const expiration = 0n;
  const log = utils.ZKSYNC_MAIN_ABI.encodeEventLog(event, [txId, hash, expiration, transaction, factoryDeps]);
  const receipt = { logs: [{ address: mainContract, topics: log.topics, data: log.data }] };
  out.cases[name] = {
    abiEncoded: encoded,
    hash,
    eventTopics: log.topics,
    eventData: log.data,
    hashFromPriorityOp: utils.getL2HashFromPriorityOp(receipt, mainContract),
    from: ethers.getAddress(ethers.toBeHex(transaction.from, 20)),
    to: ethers.getAddress(ethers.toBeHex(transaction.to, 20)),
    value: '0x' + transaction.value.toString(16),
    toMint: '0x' + transaction.reserved[0].toString(16),
    refundRecipient: ethers.getAddress(ethers.toBeHex(transaction.reserved[1], 20)),
  };
}
console.log(JSON.stringify(out, null, 2));
