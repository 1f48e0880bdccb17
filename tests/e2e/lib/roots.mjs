// Independent recomputation of what a node commits to: transaction and receipt trie roots
// (EIP-2718 encodings, keys rlp(index)), logs blooms, header hashes, and EIP-1186 proof checks.
// Built on viem (RLP, transaction serialization, keccak) and @ethereumjs/mpt (tries and proof
// verification), never on the node's own answers.

import { createMPT, verifyMerkleProof } from '@ethereumjs/mpt';
import {
  bytesToHex,
  formatTransaction,
  fromRlp,
  hexToBigInt,
  hexToBytes,
  keccak256,
  pad,
  serializeTransaction,
  toHex,
  toRlp,
} from 'viem';

/// keccak256(rlp("")): root of an empty trie.
export const EMPTY_TRIE_ROOT = '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421';
/// keccak256(""): code hash of an account without code.
export const EMPTY_CODE_HASH = '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470';

/// RLP scalar: big-endian, no leading zero bytes, zero is the empty string.
export function rlpInt(value) {
  const n = typeof value === 'bigint' ? value : typeof value === 'number' ? BigInt(value) : hexToBigInt(value);
  if (n === 0n) return '0x';
  const hex = n.toString(16);
  return `0x${hex.length % 2 ? '0' : ''}${hex}`;
}

/// Root of the trie mapping rlp(i) -> items[i] (hex), as for transactions and receipts.
export async function indexedTrieRoot(items) {
  const trie = await createMPT();
  for (let i = 0; i < items.length; i++) {
    await trie.put(hexToBytes(toRlp(rlpInt(i))), hexToBytes(items[i]));
  }
  return bytesToHex(trie.root());
}

/// EIP-2718 encoding of a transaction object as returned by eth_getBlockByNumber(full=true)
/// (raw JSON-RPC form), through viem's serializer with the signature attached.
export function encodeTransaction(rpcTx) {
  const tx = formatTransaction(rpcTx);
  const fields = {
    type: tx.type,
    chainId: tx.chainId,
    nonce: tx.nonce,
    gas: tx.gas,
    to: tx.to ?? undefined,
    value: tx.value,
    data: tx.input,
  };
  if (tx.type === 'legacy') {
    fields.gasPrice = tx.gasPrice;
    if (tx.chainId === undefined) delete fields.chainId;
    return serializeTransaction(fields, { r: tx.r, s: tx.s, v: tx.v });
  }
  fields.accessList = tx.accessList ?? [];
  if (tx.type === 'eip2930') {
    fields.gasPrice = tx.gasPrice;
  } else {
    fields.maxFeePerGas = tx.maxFeePerGas;
    fields.maxPriorityFeePerGas = tx.maxPriorityFeePerGas;
  }
  if (tx.type === 'eip7702') fields.authorizationList = tx.authorizationList;
  if (!['eip2930', 'eip1559', 'eip7702'].includes(tx.type)) throw new Error(`unsupported tx type ${rpcTx.type}`);
  return serializeTransaction(fields, { r: tx.r, s: tx.s, yParity: tx.yParity });
}

/// EIP-2718 receipt encoding (type byte, then rlp([status, cumulativeGasUsed, bloom, logs]))
/// from a raw JSON-RPC receipt.
export function encodeReceipt(rpcReceipt) {
  const body = toRlp([
    rlpInt(rpcReceipt.status),
    rlpInt(rpcReceipt.cumulativeGasUsed),
    rpcReceipt.logsBloom,
    rpcReceipt.logs.map((log) => [log.address, log.topics, log.data]),
  ]);
  const type = Number(rpcReceipt.type);
  return type === 0 ? body : `0x${type.toString(16).padStart(2, '0')}${body.slice(2)}`;
}

/// 2048-bit logs bloom (yellow paper M3:2048) of a list of raw logs.
export function logsBloom(logs) {
  const bloom = new Uint8Array(256);
  const add = (hex) => {
    const h = hexToBytes(keccak256(hex));
    for (let i = 0; i < 6; i += 2) {
      const bit = ((h[i] << 8) | h[i + 1]) & 2047;
      bloom[255 - (bit >> 3)] |= 1 << (bit & 7);
    }
  };
  for (const log of logs) {
    add(log.address);
    for (const t of log.topics) add(t);
  }
  return bytesToHex(bloom);
}

/// Bitwise OR of blooms (hex).
export function orBlooms(blooms) {
  const out = new Uint8Array(256);
  for (const b of blooms) hexToBytes(b).forEach((v, i) => (out[i] |= v));
  return bytesToHex(out);
}

const HEADER_FIELDS = [
  ['parentHash', 'bytes'],
  ['sha3Uncles', 'bytes'],
  ['miner', 'bytes'],
  ['stateRoot', 'bytes'],
  ['transactionsRoot', 'bytes'],
  ['receiptsRoot', 'bytes'],
  ['logsBloom', 'bytes'],
  ['difficulty', 'int'],
  ['number', 'int'],
  ['gasLimit', 'int'],
  ['gasUsed', 'int'],
  ['timestamp', 'int'],
  ['extraData', 'bytes'],
  ['mixHash', 'bytes'],
  ['nonce', 'bytes'],
  // London .. Prague, in consensus order; each present from its fork on.
  ['baseFeePerGas', 'int'],
  ['withdrawalsRoot', 'bytes'],
  ['blobGasUsed', 'int'],
  ['excessBlobGas', 'int'],
  ['parentBeaconBlockRoot', 'bytes'],
  ['requestsHash', 'bytes'],
];

/// The RLP header of a raw JSON-RPC block. Requires every field up to Prague's `requestsHash`.
export function encodeHeader(rpcBlock) {
  const items = HEADER_FIELDS.map(([name, kind]) => {
    const v = rpcBlock[name];
    if (v === undefined || v === null) throw new Error(`block ${rpcBlock.number} has no ${name}`);
    return kind === 'int' ? rlpInt(v) : v;
  });
  return toRlp(items);
}

export const headerHash = (rpcBlock) => keccak256(encodeHeader(rpcBlock));

/// Proven value at `key` (already hashed) in the trie with root `root`, null when absent.
/// An empty trie may be proven by no node at all (geth) or by its single root node rlp("") =
/// 0x80 (anvil), whose hash is the empty root; both are accepted, anything else goes to the
/// ethereumjs verifier.
async function provenValue(key, proof, root) {
  if (proof.length === 1 && proof[0] === '0x80') {
    if (keccak256('0x80') !== root) throw new Error(`empty-trie proof against non-empty root ${root}`);
    return null;
  }
  return verifyMerkleProof(key, proof.map(hexToBytes), { root: hexToBytes(root), useKeyHashing: false });
}

/// Verifies an eth_getProof answer: the account proof against `stateRoot`, each storage proof
/// against the proven storage root. Returns the decoded account (null when the proof shows the
/// account is absent) and the proven storage values (bigint, 0n when absent). Throws on any
/// invalid proof.
export async function verifyProof(proof, stateRoot) {
  const accountKey = hexToBytes(keccak256(proof.address));
  const raw = await provenValue(accountKey, proof.accountProof, stateRoot);
  let account = null;
  let storageRoot = EMPTY_TRIE_ROOT;
  if (raw) {
    const [nonce, balance, storageHash, codeHash] = fromRlp(bytesToHex(raw), 'hex');
    account = {
      nonce: nonce === '0x' ? 0n : hexToBigInt(nonce),
      balance: balance === '0x' ? 0n : hexToBigInt(balance),
      storageHash,
      codeHash,
    };
    storageRoot = storageHash;
  }
  const storage = [];
  for (const sp of proof.storageProof) {
    const slotKey = hexToBytes(keccak256(pad(toHex(hexToBigInt(sp.key)), { size: 32 })));
    const v = await provenValue(slotKey, sp.proof, storageRoot);
    let value = 0n;
    if (v) {
      const decoded = fromRlp(bytesToHex(v), 'hex');
      value = decoded === '0x' ? 0n : hexToBigInt(decoded);
    }
    storage.push({ key: sp.key, value });
  }
  return { account, storage };
}
