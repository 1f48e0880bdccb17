// Shared helpers for the suites: dev accounts, viem clients, artifacts, and sending locally
// signed transactions (eth_sendRawTransaction) and waiting for their receipts.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  encodeDeployData,
  encodeFunctionData,
  getAddress,
  http,
  webSocket,
} from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { repoRoot } from './node.mjs';

export const MNEMONIC = 'test test test test test test test test test test test junk';
export const CHAIN_ID = 31337;
export const DEV_BALANCE = 10_000n * 10n ** 18n;

/// The 10 dev accounts (m/44'/60'/0'/0/i), as viem local accounts that sign in-process.
export const accounts = Array.from({ length: 10 }, (_, i) => mnemonicToAccount(MNEMONIC, { addressIndex: i }));

export const devChain = (url) =>
  defineChain({
    id: CHAIN_ID,
    name: 'dev',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [url] } },
  });

const artifactCache = new Map();
/// Loads contracts/artifacts/<name>.json (written by contracts/compile.mjs).
export function artifact(name) {
  if (!artifactCache.has(name)) {
    const file = path.join(repoRoot, 'contracts', 'artifacts', `${name}.json`);
    artifactCache.set(name, JSON.parse(readFileSync(file, 'utf8')));
  }
  return artifactCache.get(name);
}

/// viem clients for a node. `wallet(account)` signs locally and sends raw transactions.
export function clients(node) {
  const chain = devChain(node.url);
  const pub = createPublicClient({ chain, transport: http(node.url), pollingInterval: 25, cacheTime: 0 });
  const wallets = new Map();
  const wallet = (account) => {
    if (!wallets.has(account.address)) {
      wallets.set(account.address, createWalletClient({ chain, account, transport: http(node.url), pollingInterval: 25, cacheTime: 0 }));
    }
    return wallets.get(account.address);
  };
  const ws = () => createPublicClient({ chain, transport: webSocket(node.wsUrl), pollingInterval: 25 });
  return { pub, wallet, ws, chain };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/// Polls for a receipt (the dev node mines on its own; no block-based polling needed).
export async function receiptOf(pub, hash, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const receipt = await pub.getTransactionReceipt({ hash }).catch((e) => {
      if (e.name === 'TransactionReceiptNotFoundError') return null;
      throw e;
    });
    if (receipt) return receipt;
    if (Date.now() > deadline) throw new Error(`no receipt for ${hash} after ${timeoutMs} ms`);
    await sleep(10);
  }
}

/// Signs `request` with `account` (viem fills nonce and fees unless given), sends it with
/// eth_sendRawTransaction, waits for the receipt and, unless `expectRevert`, asserts success.
/// Without an explicit `gas`, the limit is eth_estimateGas + 25%, as forge and most wallets do:
/// an estimate is made against the latest block, and a contract whose path depends on
/// block.timestamp (Uniswap's price accumulators) may need more in the next block. The test of
/// eth_estimateGas itself pins that down (dev.test.mjs, swap test) and uses the bare estimate.
export async function send(c, account, request, { expectRevert = false } = {}) {
  let gas = request.gas;
  if (gas === undefined && !expectRevert) gas = ((await c.pub.estimateGas({ account, ...request })) * 5n) / 4n;
  const hash = await c.wallet(account).sendTransaction({ ...request, gas });
  const receipt = await receiptOf(c.pub, hash);
  assert.equal(receipt.status, expectRevert ? 'reverted' : 'success', `tx ${hash} status`);
  return receipt;
}

/// Calls `functionName` on `address` through a signed transaction.
export function write(c, account, { address, abi, functionName, args = [], value, gas, ...rest }, opts) {
  return send(c, account, { to: address, data: encodeFunctionData({ abi, functionName, args }), value, gas, ...rest }, opts);
}

/// Deploys artifact `name` with constructor `args`; returns `{ address, abi, receipt }`.
export async function deploy(c, account, name, args = [], extra = {}) {
  const { abi, bytecode } = artifact(name);
  const receipt = await send(c, account, { data: encodeDeployData({ abi, bytecode, args }), ...extra });
  assert.ok(receipt.contractAddress, `${name}: receipt has a contractAddress`);
  return { address: getAddress(receipt.contractAddress), abi, receipt };
}

/// eth_call helper returning the decoded result.
export function read(c, { address, abi }, functionName, args = [], extra = {}) {
  return c.pub.readContract({ address, abi, functionName, args, ...extra });
}

/// Integer square root (Uniswap's Math.sqrt, Babylonian method) for bigint.
export function isqrt(y) {
  if (y > 3n) {
    let z = y;
    let x = y / 2n + 1n;
    while (x < z) {
      z = x;
      x = (y / x + x) / 2n;
    }
    return z;
  }
  return y === 0n ? 0n : 1n;
}

/// UniswapV2Library.getAmountOut: 0.3% fee on the input.
export function getAmountOut(amountIn, reserveIn, reserveOut) {
  const amountInWithFee = amountIn * 997n;
  return (amountInWithFee * reserveOut) / (reserveIn * 1000n + amountInWithFee);
}

/// Asserts that `promise` rejects and returns the deepest JSON-RPC error ({ code, message, data }).
export async function rpcError(promise) {
  try {
    await promise;
  } catch (e) {
    let err = e;
    while (err.cause && err.code === undefined) err = err.cause;
    return { code: err.code, message: err.details ?? err.message, data: err.data, error: e };
  }
  assert.fail('expected the request to fail');
}
