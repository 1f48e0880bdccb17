// End-to-end suite against one dev node (E2E_NODE=tephra|anvil): contracts, Uniswap V2 swaps,
// logs (getLogs, filters, WebSocket subscriptions), revert data, eth_getProof verified with an
// independent trie implementation, historical state, recomputed block roots and hashes, the
// four transaction types, anvil/evm helper methods and geth's transaction pool errors.
//
// Tests run in file order and build on each other's state (one chain per file).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BaseError,
  ContractFunctionRevertedError,
  concat,
  encodeAbiParameters,
  encodeErrorResult,
  encodeFunctionData,
  encodePacked,
  getAddress,
  getContractAddress,
  keccak256,
  maxUint256,
  pad,
  parseEventLogs,
  parseGwei,
  toHex,
} from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import {
  accounts,
  artifact,
  clients,
  CHAIN_ID,
  DEV_BALANCE,
  deploy,
  getAmountOut,
  isqrt,
  read,
  receiptOf,
  send,
  sleep,
  write,
} from './lib/chain.mjs';
import { nodeKind, rawRpc, useNode } from './lib/node.mjs';
import {
  EMPTY_CODE_HASH,
  EMPTY_TRIE_ROOT,
  encodeReceipt,
  encodeTransaction,
  headerHash,
  indexedTrieRoot,
  logsBloom,
  orBlooms,
  verifyProof,
} from './lib/roots.mjs';

const KIND = nodeKind();
let c;
const handle = useNode({}, (node) => {
  c = clients(node);
});

const [A0, A1, A2, A3, A4, A5, A6, A7, A8] = accounts;
const E18 = 10n ** 18n;
const DEADLINE = 2n ** 64n;
/// An address nobody holds tokens at (for a storage slot nobody wrote).
const DEAD = '0x000000000000000000000000000000000000dEaD';
const TAG_A = keccak256(toHex('tag-a'));
const TAG_B = keccak256(toHex('tag-b'));
const TAG_C = keccak256(toHex('tag-c'));
const TAG_D = keccak256(toHex('tag-d'));
const TAG_E = keccak256(toHex('tag-e'));
const TRANSFER_TOPIC = keccak256(toHex('Transfer(address,address,uint256)'));
const PING_TOPIC = keccak256(toHex('Ping(address,uint256,bytes32,string)'));

/// State shared between tests, filled as the chain is built.
const s = {};

/// JSON-RPC call that must succeed; returns `result`.
async function rpc(method, params = []) {
  const r = await rawRpc(handle.node.url, method, params);
  assert.ok(!r.error, `${method} failed: ${JSON.stringify(r.error)}`);
  return r.result;
}
/// JSON-RPC call that must fail; returns `error`.
async function rpcFails(method, params = []) {
  const r = await rawRpc(handle.node.url, method, params);
  assert.ok(r.error, `${method} should fail, got result ${JSON.stringify(r.result)}`);
  return r.error;
}
const topicOf = (x) => pad(typeof x === 'string' ? x.toLowerCase() : toHex(x), { size: 32 });
/// Storage slot of `mapping(key => ...)` declared at `slot`.
const mappingSlot = (key, slot) =>
  keccak256(encodeAbiParameters([{ type: typeof key === 'string' ? 'address' : 'uint256' }, { type: 'uint256' }], [key, BigInt(slot)]));
const hexNum = (n) => toHex(n);
/// Unwraps a viem error to its ContractFunctionRevertedError.
function revertOf(err) {
  assert.ok(err instanceof BaseError, `expected a viem error, got ${err}`);
  const r = err.walk((e) => e instanceof ContractFunctionRevertedError);
  assert.ok(r, `no ContractFunctionRevertedError in ${err.message}`);
  return r;
}

test('dev chain: chain id 31337 and the 10 mnemonic accounts funded with 10000 ETH', async () => {
  assert.equal(await c.pub.getChainId(), CHAIN_ID);
  assert.equal(await rpc('eth_chainId'), '0x7a69');
  for (const a of accounts) {
    assert.equal(await c.pub.getBalance({ address: a.address, blockNumber: 0n }), DEV_BALANCE, a.address);
    assert.equal(await c.pub.getTransactionCount({ address: a.address }), 0);
  }
});

test('ERC-20: deploy TestToken, transfer emits Transfer', async () => {
  const supply = 1_000_000n * E18;
  s.tka = await deploy(c, A0, 'TestToken', ['Token A', 'TKA', supply]);
  const tka = s.tka;
  assert.equal(await c.pub.getCode({ address: tka.address }), artifact('TestToken').deployedBytecode);
  assert.equal(await read(c, tka, 'name'), 'Token A');
  assert.equal(await read(c, tka, 'symbol'), 'TKA');
  assert.equal(await read(c, tka, 'decimals'), 18);
  assert.equal(await read(c, tka, 'totalSupply'), supply);
  assert.equal(await read(c, tka, 'balanceOf', [A0.address]), supply);
  // The mint in the constructor logs Transfer(0x0 -> deployer).
  assert.equal(tka.receipt.logs.length, 1);
  assert.deepEqual(tka.receipt.logs[0].topics, [TRANSFER_TOPIC, topicOf('0x0000000000000000000000000000000000000000'), topicOf(A0.address)]);

  const amount = 1000n * E18;
  const r = await write(c, A0, { ...tka, functionName: 'transfer', args: [A1.address, amount] });
  assert.equal(r.logs.length, 1);
  const log = r.logs[0];
  assert.equal(getAddress(log.address), tka.address);
  assert.deepEqual(log.topics, [TRANSFER_TOPIC, topicOf(A0.address), topicOf(A1.address)]);
  assert.equal(log.data, pad(toHex(amount), { size: 32 }));
  const [ev] = parseEventLogs({ abi: tka.abi, logs: r.logs });
  assert.equal(ev.eventName, 'Transfer');
  assert.deepEqual(ev.args, { from: A0.address, to: A1.address, value: amount });
  assert.equal(await read(c, tka, 'balanceOf', [A1.address]), amount);
  assert.equal(await read(c, tka, 'balanceOf', [A0.address]), supply - amount);
  s.transfer = r;
});

test('Uniswap V2: deploy WETH9, factory, router; createPair lands at the CREATE2 address', async () => {
  s.weth = await deploy(c, A0, 'WETH9');
  s.factory = await deploy(c, A0, 'UniswapV2Factory', [A0.address]);
  s.router = await deploy(c, A0, 'UniswapV2Router02', [s.factory.address, s.weth.address]);
  assert.equal(await read(c, s.router, 'factory'), s.factory.address);
  assert.equal(await read(c, s.router, 'WETH'), s.weth.address);
  assert.equal(await read(c, s.factory, 'allPairsLength'), 0n);

  s.tkb = await deploy(c, A0, 'TestToken', ['Token B', 'TKB', 1_000_000n * E18]);
  const r = await write(c, A0, { ...s.factory, functionName: 'createPair', args: [s.tka.address, s.tkb.address] });
  const [t0, t1] = BigInt(s.tka.address) < BigInt(s.tkb.address) ? [s.tka.address, s.tkb.address] : [s.tkb.address, s.tka.address];
  const expected = getContractAddress({
    opcode: 'CREATE2',
    from: s.factory.address,
    salt: keccak256(encodePacked(['address', 'address'], [t0, t1])),
    bytecode: artifact('UniswapV2Pair').bytecode,
  });
  const created = parseEventLogs({ abi: s.factory.abi, logs: r.logs, eventName: 'PairCreated' });
  assert.equal(created.length, 1);
  // PairCreated(token0, token1, pair, uint) has an unnamed last field, so viem decodes a tuple.
  assert.deepEqual(created[0].args, [t0, t1, expected, 1n]);
  assert.equal(await read(c, s.factory, 'getPair', [s.tka.address, s.tkb.address]), expected);
  assert.equal(await c.pub.getCode({ address: expected }), artifact('UniswapV2Pair').deployedBytecode);
  s.pairAB = { address: expected, abi: artifact('UniswapV2Pair').abi };
  assert.equal(await read(c, s.pairAB, 'token0'), t0);
  assert.equal(await read(c, s.pairAB, 'token1'), t1);
});

/// Reserves of `pair` ordered as (reserve of tokenX, reserve of tokenY).
async function reservesFor(pair, tokenX) {
  const [r0, r1] = await read(c, pair, 'getReserves');
  const token0 = await read(c, pair, 'token0');
  return token0 === tokenX ? [r0, r1] : [r1, r0];
}

test('Uniswap V2: addLiquidityETH and addLiquidity mint sqrt(x*y) - 1000 LP tokens', async () => {
  for (const t of [s.tka, s.tkb]) await write(c, A0, { ...t, functionName: 'approve', args: [s.router.address, maxUint256] });

  const tokenAmount = 10_000n * E18;
  const ethAmount = 10n * E18;
  await write(c, A0, {
    ...s.router,
    functionName: 'addLiquidityETH',
    args: [s.tka.address, tokenAmount, 0n, 0n, A0.address, DEADLINE],
    value: ethAmount,
  });
  const pairEthAddr = await read(c, s.factory, 'getPair', [s.tka.address, s.weth.address]);
  s.pairEth = { address: pairEthAddr, abi: artifact('UniswapV2Pair').abi };
  assert.deepEqual(await reservesFor(s.pairEth, s.tka.address), [tokenAmount, ethAmount]);
  assert.equal(await read(c, s.weth, 'balanceOf', [pairEthAddr]), ethAmount);
  assert.equal(await c.pub.getBalance({ address: s.weth.address }), ethAmount);
  const lpEth = isqrt(tokenAmount * ethAmount);
  assert.equal(await read(c, s.pairEth, 'totalSupply'), lpEth);
  assert.equal(await read(c, s.pairEth, 'balanceOf', [A0.address]), lpEth - 1000n);

  const a = 5_000n * E18;
  const b = 20_000n * E18;
  await write(c, A0, { ...s.router, functionName: 'addLiquidity', args: [s.tka.address, s.tkb.address, a, b, 0n, 0n, A0.address, DEADLINE] });
  assert.deepEqual(await reservesFor(s.pairAB, s.tka.address), [a, b]);
  assert.equal(await read(c, s.pairAB, 'balanceOf', [A0.address]), isqrt(a * b) - 1000n);
  assert.equal(await read(c, s.factory, 'allPairsLength'), 2n);
});

test('Uniswap V2: swapExactTokensForTokens pays exactly getAmountOut, estimateGas suffices', async () => {
  const amountIn = 100n * E18;
  await write(c, A1, { ...s.tka, functionName: 'approve', args: [s.router.address, maxUint256] });
  const [rIn, rOut] = await reservesFor(s.pairAB, s.tka.address);
  const expected = getAmountOut(amountIn, rIn, rOut);
  const path = [s.tka.address, s.tkb.address];
  assert.deepEqual(await read(c, s.router, 'getAmountsOut', [amountIn, path]), [amountIn, expected]);

  const swap = { ...s.router, functionName: 'swapExactTokensForTokens', args: [amountIn, expected, path, A1.address, DEADLINE] };
  // The pair updates its price accumulators (two more SSTOREs) only when block.timestamp moved
  // since its last update. Move the clock and seal a block first, so that the estimate (made
  // against the latest block) and the swap (in the next one) take the same path.
  await rpc('evm_increaseTime', [10]);
  await rpc('evm_mine');
  const estimate = await c.pub.estimateContractGas({ ...swap, account: A1 });
  assert.ok(estimate > 21_000n && estimate < 1_000_000n, `estimate ${estimate}`);
  const balBefore = await read(c, s.tka, 'balanceOf', [A1.address]);
  const r = await write(c, A1, { ...swap, gas: estimate });
  assert.ok(r.gasUsed <= estimate, `gasUsed ${r.gasUsed} > estimate ${estimate}`);

  assert.equal(await read(c, s.tkb, 'balanceOf', [A1.address]), expected);
  assert.equal(await read(c, s.tka, 'balanceOf', [A1.address]), balBefore - amountIn);
  const [nIn, nOut] = await reservesFor(s.pairAB, s.tka.address);
  assert.deepEqual([nIn, nOut], [rIn + amountIn, rOut - expected]);
  assert.ok(nIn * nOut >= rIn * rOut, 'k must not decrease');
  // The fee keeps k growing; one wei more output would have broken the K check.
  assert.ok((nIn * 1000n - amountIn * 3n) * (nOut * 1000n) >= rIn * rOut * 1000n ** 2n);
  assert.ok((nIn * 1000n - amountIn * 3n) * ((nOut - 1n) * 1000n) < rIn * rOut * 1000n ** 2n);

  const swaps = parseEventLogs({ abi: s.pairAB.abi, logs: r.logs, eventName: 'Swap' });
  assert.equal(swaps.length, 1);
  const tkaIs0 = BigInt(s.tka.address) < BigInt(s.tkb.address);
  assert.deepEqual(swaps[0].args, {
    sender: s.router.address,
    amount0In: tkaIs0 ? amountIn : 0n,
    amount1In: tkaIs0 ? 0n : amountIn,
    amount0Out: tkaIs0 ? 0n : expected,
    amount1Out: tkaIs0 ? expected : 0n,
    to: A1.address,
  });
  const syncs = parseEventLogs({ abi: s.pairAB.abi, logs: r.logs, eventName: 'Sync' });
  assert.deepEqual(syncs.map((l) => [l.args.reserve0, l.args.reserve1]), [tkaIs0 ? [nIn, nOut] : [nOut, nIn]]);
  s.swapBlock = r.blockNumber;
});

test('Uniswap V2: swapExactETHForTokens, ETH balance drops by value + gasUsed * effectiveGasPrice', async () => {
  const value = E18;
  const [rEth, rTok] = await reservesFor(s.pairEth, s.weth.address);
  const expected = getAmountOut(value, rEth, rTok);
  const ethBefore = await c.pub.getBalance({ address: A2.address });
  const r = await write(c, A2, {
    ...s.router,
    functionName: 'swapExactETHForTokens',
    args: [expected, [s.weth.address, s.tka.address], A2.address, DEADLINE],
    value,
  });
  assert.equal(await read(c, s.tka, 'balanceOf', [A2.address]), expected);
  assert.equal(await c.pub.getBalance({ address: A2.address }), ethBefore - value - r.gasUsed * r.effectiveGasPrice);
  assert.deepEqual(await reservesFor(s.pairEth, s.weth.address), [rEth + value, rTok - expected]);
});

test('eth_getLogs: address, topic (incl. OR and anonymous) and block range / blockHash filters', async () => {
  s.events = await deploy(c, A3, 'Events');
  const r1 = await write(c, A3, { ...s.events, functionName: 'pingMany', args: [1n, 5n, TAG_A] });
  const r2 = await write(c, A3, { ...s.events, functionName: 'ping', args: [100n, TAG_B, 'hello'] });
  const r3 = await write(c, A3, { ...s.events, functionName: 'silent', args: [7n, 42n] });
  const ev = s.events.address;
  const range = { fromBlock: hexNum(r1.blockNumber), toBlock: hexNum(r3.blockNumber) };

  const all = await rpc('eth_getLogs', [{ address: ev, ...range }]);
  assert.equal(all.length, 7);
  assert.deepEqual(
    all.map((l) => [Number(l.blockNumber), l.transactionHash]),
    [...Array(5).fill([Number(r1.blockNumber), r1.transactionHash]), [Number(r2.blockNumber), r2.transactionHash], [Number(r3.blockNumber), r3.transactionHash]],
  );
  assert.deepEqual(all.slice(0, 5).map((l) => Number(l.logIndex)), [0, 1, 2, 3, 4]);
  all.slice(0, 5).forEach((l, i) => {
    assert.deepEqual(l.topics, [PING_TOPIC, topicOf(A3.address), topicOf(BigInt(i + 1)), TAG_A]);
    assert.equal(l.blockHash, r1.blockHash);
    assert.equal(l.removed, false);
  });

  const byTag = await rpc('eth_getLogs', [{ address: ev, ...range, topics: [PING_TOPIC, null, null, TAG_B] }]);
  assert.equal(byTag.length, 1);
  const [decoded] = parseEventLogs({ abi: s.events.abi, logs: byTag.map((l) => ({ ...l, blockNumber: BigInt(l.blockNumber) })) });
  assert.deepEqual(decoded.args, { sender: A3.address, id: 100n, tag: TAG_B, note: 'hello' });

  const orIds = await rpc('eth_getLogs', [{ address: ev, ...range, topics: [PING_TOPIC, null, [topicOf(2n), topicOf(4n)]] }]);
  assert.deepEqual(orIds.map((l) => BigInt(l.topics[2])), [2n, 4n]);

  const oneBlock = await rpc('eth_getLogs', [{ address: ev, fromBlock: hexNum(r2.blockNumber), toBlock: hexNum(r2.blockNumber) }]);
  assert.deepEqual(oneBlock.map((l) => l.transactionHash), [r2.transactionHash]);

  const anon = await rpc('eth_getLogs', [{ address: ev, ...range, topics: [topicOf(7n)] }]);
  assert.equal(anon.length, 1);
  assert.deepEqual(anon[0].topics, [topicOf(7n)]);
  assert.equal(anon[0].data, pad(toHex(42n), { size: 32 }));

  const byHash = await rpc('eth_getLogs', [{ blockHash: r1.blockHash }]);
  assert.deepEqual(byHash.map((l) => BigInt(l.topics[2])), [1n, 2n, 3n, 4n, 5n]);

  const multi = await rpc('eth_getLogs', [{ address: [ev, s.tka.address], ...range }]);
  assert.equal(multi.length, 7);

  // Every Transfer of TKA to A1 since genesis: exactly the one from the ERC-20 test.
  const toA1 = await rpc('eth_getLogs', [{ address: s.tka.address, fromBlock: '0x0', toBlock: 'latest', topics: [TRANSFER_TOPIC, null, topicOf(A1.address)] }]);
  assert.deepEqual(toA1.map((l) => l.transactionHash), [s.transfer.transactionHash]);

  const none = await rpc('eth_getLogs', [{ address: ev, ...range, topics: [TRANSFER_TOPIC] }]);
  assert.deepEqual(none, []);
});

test('filters: eth_newFilter / getFilterChanges / getFilterLogs / uninstallFilter, eth_newBlockFilter', async () => {
  // fromBlock = an empty head block: geth only reports logs of blocks mined after the filter was
  // made, anvil also reports the matching logs from fromBlock up to then (here: none).
  await rpc('evm_mine');
  const from = await c.pub.getBlockNumber();
  const id = await rpc('eth_newFilter', [{ address: s.events.address, topics: [PING_TOPIC], fromBlock: hexNum(from) }]);
  const p1 = await write(c, A3, { ...s.events, functionName: 'ping', args: [201n, TAG_C, 'a'] });
  await write(c, A3, { ...s.events, functionName: 'silent', args: [201n, 1n] }); // not a Ping
  const p2 = await write(c, A3, { ...s.events, functionName: 'ping', args: [202n, TAG_C, 'b'] });
  await write(c, A0, { ...s.tka, functionName: 'transfer', args: [A3.address, 1n] }); // other address

  const changes = await rpc('eth_getFilterChanges', [id]);
  assert.deepEqual(changes.map((l) => [l.transactionHash, BigInt(l.topics[2])]), [[p1.transactionHash, 201n], [p2.transactionHash, 202n]]);
  assert.deepEqual(await rpc('eth_getFilterChanges', [id]), []);
  const logs = await rpc('eth_getFilterLogs', [id]);
  assert.deepEqual(logs, changes);
  assert.equal(await rpc('eth_uninstallFilter', [id]), true);
  assert.equal(await rpc('eth_uninstallFilter', [id]), false);
  const gone = await rpcFails('eth_getFilterChanges', [id]);
  assert.match(gone.message, /filter not found/);

  const bf = await rpc('eth_newBlockFilter');
  await rpc('evm_mine');
  await rpc('evm_mine');
  const hashes = await rpc('eth_getFilterChanges', [bf]);
  const head = await c.pub.getBlockNumber();
  const expected = [];
  for (const n of [head - 1n, head]) expected.push((await c.pub.getBlock({ blockNumber: n })).hash);
  assert.deepEqual(hashes, expected);
  assert.deepEqual(await rpc('eth_getFilterChanges', [bf]), []);
  assert.equal(await rpc('eth_uninstallFilter', [bf]), true);
});

/// Waits until `pred()` holds, polling every 20 ms.
async function until(pred, what, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/// A subscription is live once one probe action is observed: repeat `probe` until `seen()`.
/// Then let stragglers arrive before the caller clears its buffer.
async function warmUp(probe, seen, what) {
  for (let i = 0; i < 50 && !seen(); i++) {
    await probe();
    await sleep(40);
  }
  assert.ok(seen(), `subscription for ${what} never delivered`);
  await sleep(150);
}

test('WebSocket subscriptions: newHeads, logs and pending transactions arrive exactly', async () => {
  const ws = c.ws();
  const errors = [];
  const onError = (e) => errors.push(e);
  try {
    // newHeads through watchBlocks. viem refetches each announced block with getBlock, so its
    // callbacks may come out of order; the raw subscription below checks the node's own order.
    const heads = [];
    const unwatchHeads = ws.watchBlocks({ onBlock: (b) => heads.push(b), onError });
    await warmUp(() => rpc('evm_mine'), () => heads.length > 0, 'newHeads');
    heads.length = 0;
    const rawHeads = [];
    const rawSub = await ws.transport.subscribe({ params: ['newHeads'], onData: (d) => rawHeads.push(d.result), onError });
    const start = await c.pub.getBlockNumber();
    for (let i = 0; i < 3; i++) await rpc('evm_mine');
    await until(() => heads.length >= 3 && rawHeads.length >= 3, '3 newHeads');
    await sleep(150);
    unwatchHeads();
    await rawSub.unsubscribe();
    const want = [start + 1n, start + 2n, start + 3n];
    assert.deepEqual(heads.map((b) => b.number).sort((a, b) => (a < b ? -1 : 1)), want);
    assert.deepEqual(rawHeads.map((h) => BigInt(h.number)), want, 'newHeads in block order');
    for (const h of rawHeads) {
      const full = await rpc('eth_getBlockByNumber', [h.number, false]);
      assert.equal(h.hash, full.hash);
      assert.equal(h.parentHash, full.parentHash);
      assert.equal(h.stateRoot, full.stateRoot);
      // The notification carries the whole header: it hashes to the block hash.
      assert.equal(headerHash(h), h.hash);
    }
    for (const b of heads) assert.equal(b.hash, rawHeads.find((h) => BigInt(h.number) === b.number).hash);

    // logs through watchContractEvent, filtered by an indexed argument.
    const logs = [];
    const unwatchLogs = ws.watchContractEvent({
      address: s.events.address,
      abi: s.events.abi,
      eventName: 'Ping',
      args: { tag: TAG_D },
      onLogs: (ls) => logs.push(...ls),
      onError,
    });
    await warmUp(() => write(c, A3, { ...s.events, functionName: 'ping', args: [0n, TAG_D, 'warm-up'] }), () => logs.length > 0, 'logs');
    logs.length = 0;
    const many = await write(c, A3, { ...s.events, functionName: 'pingMany', args: [300n, 3n, TAG_D] });
    await write(c, A3, { ...s.events, functionName: 'ping', args: [400n, TAG_E, 'other tag'] });
    await write(c, A3, { ...s.events, functionName: 'silent', args: [300n, 0n] });
    await until(() => logs.length >= 3, '3 Ping logs');
    await sleep(150);
    unwatchLogs();
    assert.deepEqual(logs.map((l) => l.args.id), [300n, 301n, 302n]);
    for (const l of logs) {
      assert.equal(l.transactionHash, many.transactionHash);
      assert.equal(l.blockHash, many.blockHash);
      assert.equal(l.args.sender, A3.address);
    }

    // pending transactions.
    const pending = [];
    const unwatchPending = ws.watchPendingTransactions({ onTransactions: (hs) => pending.push(...hs), onError });
    const selfTransfer = () => send(c, A3, { to: A3.address, value: 1n });
    await warmUp(selfTransfer, () => pending.length > 0, 'newPendingTransactions');
    pending.length = 0;
    const r = await send(c, A3, { to: A4.address, value: 1n });
    await until(() => pending.length >= 1, 'pending tx hash');
    await sleep(150);
    unwatchPending();
    assert.deepEqual(pending, [r.transactionHash]);
    assert.deepEqual(errors, []);
  } finally {
    await (await ws.transport.getRpcClient()).close();
  }
});

test('eth_call revert data: custom error, Error(string) via revert and require, Panic', async () => {
  s.reverter = await deploy(c, A0, 'Reverter');
  const rv = s.reverter;
  const call = (functionName, args) => read(c, rv, functionName, args, { account: A4.address });

  const custom = revertOf(await call('failCustom', [7n]).then(() => assert.fail('no revert'), (e) => e));
  assert.equal(custom.data.errorName, 'Unauthorized');
  assert.deepEqual(custom.data.args, [A4.address, 7n]);

  const str = revertOf(await call('failString', ['boom']).then(() => assert.fail('no revert'), (e) => e));
  assert.equal(str.reason, 'boom');
  assert.equal(str.data.errorName, 'Error');

  assert.equal(await call('checked', [3n]), 6n);
  const req = revertOf(await call('checked', [11n]).then(() => assert.fail('no revert'), (e) => e));
  assert.equal(req.reason, 'x too large');

  const panic = revertOf(await call('divide', [1n, 0n]).then(() => assert.fail('no revert'), (e) => e));
  assert.equal(panic.data.errorName, 'Panic');
  assert.deepEqual(panic.data.args, [0x12n]);

  // The raw JSON-RPC error: geth's code 3, "execution reverted[: reason]", and the revert bytes.
  const rawCustom = await rpcFails('eth_call', [{ from: A4.address, to: rv.address, data: encodeFunctionData({ abi: rv.abi, functionName: 'failCustom', args: [7n] }) }, 'latest']);
  assert.equal(rawCustom.code, 3);
  assert.match(rawCustom.message, /^execution reverted/);
  assert.equal(rawCustom.data, encodeErrorResult({ abi: rv.abi, errorName: 'Unauthorized', args: [A4.address, 7n] }));
  const rawStr = await rpcFails('eth_call', [{ to: rv.address, data: encodeFunctionData({ abi: rv.abi, functionName: 'failString', args: ['boom'] }) }, 'latest']);
  assert.equal(rawStr.code, 3);
  assert.equal(rawStr.message, 'execution reverted: boom');
  assert.equal(rawStr.data, concat(['0x08c379a0', encodeAbiParameters([{ type: 'string' }], ['boom'])]));

  // eth_estimateGas of a reverting call fails the same way.
  const est = await rpcFails('eth_estimateGas', [{ from: A4.address, to: rv.address, data: encodeFunctionData({ abi: rv.abi, functionName: 'writeThenFail', args: [5n] }) }]);
  assert.equal(est.code, 3);
  assert.equal(est.data, encodeErrorResult({ abi: rv.abi, errorName: 'Unauthorized', args: [A4.address, 5n] }));

  // A reverted transaction is mined, charged, and leaves neither the write nor the log.
  const r = await write(c, A4, { ...rv, functionName: 'writeThenFail', args: [5n], gas: 100_000n }, { expectRevert: true });
  assert.equal(r.logs.length, 0);
  assert.ok(r.gasUsed > 21_000n && r.gasUsed < 100_000n);
  assert.equal(await read(c, rv, 'stored'), 0n);
});

/// Checks one eth_getProof answer against the header at `blockNumber` and the plain getters.
async function checkProof(address, slots, blockNumber) {
  const tag = hexNum(blockNumber);
  const block = await rpc('eth_getBlockByNumber', [tag, false]);
  const proof = await rpc('eth_getProof', [address, slots, tag]);
  const { account, storage } = await verifyProof(proof, block.stateRoot);
  assert.ok(account, `${address} exists at ${blockNumber}`);
  assert.equal(account.balance, await c.pub.getBalance({ address, blockNumber }));
  assert.equal(account.balance, BigInt(proof.balance));
  assert.equal(account.nonce, BigInt(await c.pub.getTransactionCount({ address, blockNumber })));
  assert.equal(account.nonce, BigInt(proof.nonce));
  const code = (await c.pub.getCode({ address, blockNumber })) ?? '0x';
  assert.equal(account.codeHash, keccak256(code));
  assert.equal(account.codeHash, proof.codeHash);
  assert.equal(account.storageHash, proof.storageHash);
  const values = [];
  for (let i = 0; i < slots.length; i++) {
    const onChain = BigInt(await c.pub.getStorageAt({ address, slot: slots[i], blockNumber }));
    assert.equal(storage[i].value, onChain, `slot ${slots[i]}`);
    assert.equal(BigInt(proof.storageProof[i].value), onChain);
    values.push(onChain);
  }
  return { account, values };
}

test('eth_getProof: account and ERC-20 balance slots verified against stateRoot, latest and historical', async () => {
  const slots = [mappingSlot(A0.address, 0), mappingSlot(A1.address, 0), mappingSlot(DEAD, 0), toHex(2, { size: 32 })];
  const old = s.transfer.blockNumber;
  const latest = await c.pub.getBlockNumber();
  const atOld = await checkProof(s.tka.address, slots, old);
  const atLatest = await checkProof(s.tka.address, slots, latest);
  // Balances through the proven slots equal balanceOf at each block, and they changed.
  for (const [res, blockNumber] of [[atOld, old], [atLatest, latest]]) {
    assert.equal(res.values[0], await read(c, s.tka, 'balanceOf', [A0.address], { blockNumber }));
    assert.equal(res.values[1], await read(c, s.tka, 'balanceOf', [A1.address], { blockNumber }));
    assert.equal(res.values[2], 0n);
    assert.equal(res.values[3], 1_000_000n * E18); // _totalSupply
    assert.equal(res.account.nonce, 1n);
  }
  assert.equal(atOld.values[1], 1000n * E18);
  assert.equal(atLatest.values[1], 900n * E18);
  assert.notEqual(atOld.account.storageHash, atLatest.account.storageHash);

  // An EOA: no code, empty storage; its nonce and balance moved between the two blocks.
  const eoaOld = await checkProof(A1.address, [], old);
  const eoaNow = await checkProof(A1.address, [], latest);
  for (const e of [eoaOld, eoaNow]) {
    assert.equal(e.account.codeHash, EMPTY_CODE_HASH);
    assert.equal(e.account.storageHash, EMPTY_TRIE_ROOT);
  }
  assert.ok(eoaNow.account.nonce > eoaOld.account.nonce);

  // An account that does not exist: a valid exclusion proof.
  const nobody = privateKeyToAccount(generatePrivateKey()).address;
  const block = await rpc('eth_getBlockByNumber', ['latest', false]);
  const proof = await rpc('eth_getProof', [nobody, [toHex(0, { size: 32 })], block.number]);
  const { account, storage } = await verifyProof(proof, block.stateRoot);
  assert.equal(account, null);
  assert.equal(BigInt(proof.balance), 0n);
  assert.equal(BigInt(proof.nonce), 0n);
  assert.equal(storage[0].value, 0n);

  // A forged proof (one flipped byte in the leaf) is refused by the verifier.
  const good = await rpc('eth_getProof', [A1.address, [], block.number]);
  const leaf = good.accountProof.at(-1);
  const flipped = `${leaf.slice(0, -2)}${((parseInt(leaf.slice(-2), 16) ^ 1) & 0xff).toString(16).padStart(2, '0')}`;
  await assert.rejects(verifyProof({ ...good, accountProof: [...good.accountProof.slice(0, -1), flipped] }, block.stateRoot));
});

test('historical reads: eth_getBalance / eth_call / eth_getStorageAt at old numbers and by EIP-1898 blockHash', async () => {
  s.storage = await deploy(c, A0, 'Storage');
  const ra = await write(c, A0, { ...s.storage, functionName: 'set', args: [1n, 111n] });
  const rb = await write(c, A0, { ...s.storage, functionName: 'set', args: [1n, 222n] });
  const slot = mappingSlot(1n, 0);
  const addr = s.storage.address;

  const at = async (blockNumber) => ({
    call: await read(c, s.storage, 'values', [1n], { blockNumber }),
    slot: BigInt(await c.pub.getStorageAt({ address: addr, slot, blockNumber })),
  });
  assert.deepEqual(await at(ra.blockNumber - 1n), { call: 0n, slot: 0n });
  assert.deepEqual(await at(ra.blockNumber), { call: 111n, slot: 111n });
  assert.deepEqual(await at(rb.blockNumber), { call: 222n, slot: 222n });

  // EIP-1898 block parameter objects.
  const callData = encodeFunctionData({ abi: s.storage.abi, functionName: 'values', args: [1n] });
  for (const [ref, want] of [
    [{ blockHash: ra.blockHash }, 111n],
    [{ blockHash: ra.blockHash, requireCanonical: true }, 111n],
    [{ blockNumber: hexNum(ra.blockNumber) }, 111n],
    [{ blockHash: rb.blockHash }, 222n],
  ]) {
    assert.equal(BigInt(await rpc('eth_getStorageAt', [addr, slot, ref])), want, JSON.stringify(ref));
    assert.equal(BigInt(await rpc('eth_call', [{ to: addr, data: callData }, ref])), want, JSON.stringify(ref));
  }
  const balA = await c.pub.getBalance({ address: A0.address, blockNumber: ra.blockNumber });
  assert.equal(BigInt(await rpc('eth_getBalance', [A0.address, { blockHash: ra.blockHash }])), balA);
  assert.equal(BigInt(await rpc('eth_getBalance', [A0.address, { blockHash: rb.blockHash }])), balA - rb.gasUsed * rb.effectiveGasPrice);
  const nonceA = await c.pub.getTransactionCount({ address: A0.address, blockNumber: ra.blockNumber });
  assert.equal(Number(await rpc('eth_getTransactionCount', [A0.address, { blockHash: ra.blockHash }])), nonceA);
  assert.equal(Number(await rpc('eth_getTransactionCount', [A0.address, { blockHash: rb.blockHash }])), nonceA + 1);

  // The ERC-20 balance of A1 before, at and after its first transfer (by hash).
  const t = s.transfer;
  const before = await c.pub.getBlock({ blockNumber: t.blockNumber - 1n });
  const balOf = (ref) =>
    rpc('eth_call', [{ to: s.tka.address, data: encodeFunctionData({ abi: s.tka.abi, functionName: 'balanceOf', args: [A1.address] }) }, ref]).then(BigInt);
  assert.equal(await balOf({ blockHash: before.hash }), 0n);
  assert.equal(await balOf({ blockHash: t.blockHash }), 1000n * E18);
  assert.equal(await balOf('latest'), 900n * E18);
  // The code did not exist before its deployment block.
  assert.equal(await rpc('eth_getCode', [addr, hexNum(ra.blockNumber - 2n)]), '0x');

  // An unknown block hash is an error, not a silent `latest`.
  await rpcFails('eth_getBalance', [A0.address, { blockHash: keccak256(toHex('no such block')) }]);
});

test('transaction types: legacy, EIP-2930, EIP-1559 and EIP-7702 all execute', async () => {
  const st = s.storage;
  const legacy = await send(c, A4, {
    type: 'legacy',
    to: st.address,
    data: encodeFunctionData({ abi: st.abi, functionName: 'set', args: [10n, 1010n] }),
    gasPrice: parseGwei('3'),
  });
  assert.equal(legacy.type, 'legacy');
  assert.equal(legacy.effectiveGasPrice, parseGwei('3'));
  const legacyTx = await c.pub.getTransaction({ hash: legacy.transactionHash });
  assert.equal(legacyTx.type, 'legacy');
  assert.ok([BigInt(CHAIN_ID * 2 + 35), BigInt(CHAIN_ID * 2 + 36)].includes(legacyTx.v), 'EIP-155 v');
  assert.equal(await read(c, st, 'values', [10n]), 1010n);

  const accessList = [{ address: st.address, storageKeys: [mappingSlot(11n, 0), toHex(1, { size: 32 })] }];
  const al = await send(c, A4, {
    type: 'eip2930',
    to: st.address,
    data: encodeFunctionData({ abi: st.abi, functionName: 'set', args: [11n, 1111n] }),
    gasPrice: parseGwei('3'),
    accessList,
  });
  assert.equal(al.type, 'eip2930');
  const alTx = await c.pub.getTransaction({ hash: al.transactionHash });
  assert.deepEqual(
    alTx.accessList.map((e) => ({ ...e, address: getAddress(e.address) })),
    accessList,
  );
  assert.equal(await read(c, st, 'values', [11n]), 1111n);

  const maxFeePerGas = parseGwei('5');
  const maxPriorityFeePerGas = parseGwei('0.5');
  const dyn = await send(c, A4, {
    type: 'eip1559',
    to: st.address,
    data: encodeFunctionData({ abi: st.abi, functionName: 'set', args: [12n, 1212n] }),
    maxFeePerGas,
    maxPriorityFeePerGas,
  });
  assert.equal(dyn.type, 'eip1559');
  const dynBlock = await c.pub.getBlock({ blockNumber: dyn.blockNumber });
  const want = dynBlock.baseFeePerGas + maxPriorityFeePerGas < maxFeePerGas ? dynBlock.baseFeePerGas + maxPriorityFeePerGas : maxFeePerGas;
  assert.equal(dyn.effectiveGasPrice, want);
  assert.equal(await read(c, st, 'values', [12n]), 1212n);

  // EIP-7702: A5 delegates its code to the Storage contract; A4 sponsors the type-4 tx that
  // calls A5 itself, so the write lands in A5's own storage.
  const authorityNonce = await c.pub.getTransactionCount({ address: A5.address });
  const authorization = await c.wallet(A5).signAuthorization({
    account: A5,
    contractAddress: st.address,
    chainId: CHAIN_ID,
    nonce: authorityNonce,
  });
  const setCode = await send(c, A4, {
    type: 'eip7702',
    authorizationList: [authorization],
    to: A5.address,
    data: encodeFunctionData({ abi: st.abi, functionName: 'set', args: [5n, 55n] }),
  });
  assert.equal(setCode.type, 'eip7702');
  assert.equal(await c.pub.getCode({ address: A5.address }), concat(['0xef0100', st.address.toLowerCase()]));
  assert.equal(await c.pub.getTransactionCount({ address: A5.address }), authorityNonce + 1);
  assert.equal(BigInt(await c.pub.getStorageAt({ address: A5.address, slot: mappingSlot(5n, 0) })), 55n);
  assert.equal(await read(c, { address: A5.address, abi: st.abi }, 'values', [5n]), 55n);
  assert.equal(await read(c, st, 'values', [5n]), 0n, 'the delegate contract’s own storage is untouched');
  const tx = await c.pub.getTransaction({ hash: setCode.transactionHash });
  assert.equal(tx.authorizationList.length, 1);
  assert.equal(getAddress(tx.authorizationList[0].address), st.address);
  assert.equal(tx.authorizationList[0].nonce, authorityNonce);
  s.typesBlocks = [legacy.blockNumber, al.blockNumber, dyn.blockNumber, setCode.blockNumber];
});

test('every block: transactionsRoot, receiptsRoot, logsBloom and hash recomputed from its parts', async () => {
  const head = Number(await c.pub.getBlockNumber());
  const typesSeen = new Set();
  let parent = null;
  for (let n = 0; n <= head; n++) {
    const block = await rpc('eth_getBlockByNumber', [hexNum(n), true]);
    const receipts = await rpc('eth_getBlockReceipts', [hexNum(n)]);
    const where = `block ${n}`;
    assert.equal(receipts.length, block.transactions.length, where);
    const encodedTxs = block.transactions.map((tx, i) => {
      const raw = encodeTransaction(tx);
      assert.equal(keccak256(raw), tx.hash, `${where} tx ${i}: hash of its encoding`);
      assert.equal(receipts[i].transactionHash, tx.hash, `${where} receipt ${i}`);
      assert.equal(receipts[i].type, tx.type);
      assert.equal(logsBloom(receipts[i].logs), receipts[i].logsBloom, `${where} receipt ${i} bloom`);
      typesSeen.add(tx.type);
      return raw;
    });
    assert.equal(await indexedTrieRoot(encodedTxs), block.transactionsRoot, `${where} transactionsRoot`);
    assert.equal(await indexedTrieRoot(receipts.map(encodeReceipt)), block.receiptsRoot, `${where} receiptsRoot`);
    assert.equal(orBlooms(receipts.map((r) => r.logsBloom).concat([`0x${'00'.repeat(256)}`])), block.logsBloom, `${where} logsBloom`);
    const gasUsed = receipts.length ? BigInt(receipts.at(-1).cumulativeGasUsed) : 0n;
    assert.equal(BigInt(block.gasUsed), gasUsed, `${where} gasUsed`);
    assert.equal(block.withdrawalsRoot, EMPTY_TRIE_ROOT, where);
    // EIP-7685: no requests -> sha256 of the empty string.
    assert.equal(block.requestsHash, '0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', where);
    assert.equal(headerHash(block), block.hash, `${where} header hash`);
    if (parent) {
      assert.equal(block.parentHash, parent.hash, `${where} parentHash`);
      assert.ok(BigInt(block.timestamp) >= BigInt(parent.timestamp), `${where} timestamp`);
    }
    parent = block;
  }
  assert.deepEqual([...typesSeen].sort(), ['0x0', '0x1', '0x2', '0x4']);
});

test('anvil_setBalance, anvil_setCode, anvil_setStorageAt, anvil_setNonce', async () => {
  const x = privateKeyToAccount(generatePrivateKey()).address;
  assert.equal(await rpc('anvil_setBalance', [x, toHex(123_456_789n)]), null);
  assert.equal(await c.pub.getBalance({ address: x }), 123_456_789n);

  const code = artifact('Storage').deployedBytecode;
  await rpc('anvil_setCode', [x, code]);
  assert.equal(await c.pub.getCode({ address: x }), code);
  const injected = { address: x, abi: s.storage.abi };
  assert.equal(await read(c, injected, 'writes'), 0n);
  await rpc('anvil_setStorageAt', [x, toHex(1, { size: 32 }), toHex(77, { size: 32 })]);
  await rpc('anvil_setStorageAt', [x, mappingSlot(3n, 0), toHex(33, { size: 32 })]);
  assert.equal(BigInt(await c.pub.getStorageAt({ address: x, slot: toHex(1, { size: 32 }) })), 77n);
  assert.equal(await read(c, injected, 'writes'), 77n);
  assert.equal(await read(c, injected, 'values', [3n]), 33n);
  // The injected code and storage are live state: a transaction builds on them.
  await write(c, A6, { ...injected, functionName: 'set', args: [4n, 44n] });
  assert.equal(await read(c, injected, 'writes'), 78n);
  assert.equal(await read(c, injected, 'values', [4n]), 44n);

  const n = await c.pub.getTransactionCount({ address: A6.address });
  await rpc('anvil_setNonce', [A6.address, toHex(n + 5)]);
  assert.equal(await c.pub.getTransactionCount({ address: A6.address }), n + 5);
  const r = await send(c, A6, { to: A6.address, value: 1n });
  assert.equal((await c.pub.getTransaction({ hash: r.transactionHash })).nonce, n + 5);
  assert.equal(await c.pub.getTransactionCount({ address: A6.address }), n + 6);
});

test('evm_snapshot / evm_revert restore state and block number', async () => {
  const n0 = await c.pub.getBlockNumber();
  const bal0 = await c.pub.getBalance({ address: A8.address });
  const nonce0 = await c.pub.getTransactionCount({ address: A8.address });
  const id = await rpc('evm_snapshot');

  await send(c, A8, { to: A7.address, value: 5n * E18 });
  await write(c, A8, { ...s.storage, functionName: 'set', args: [1n, 999n] });
  await rpc('evm_mine');
  assert.equal(await c.pub.getBlockNumber(), n0 + 3n);
  assert.equal(await read(c, s.storage, 'values', [1n]), 999n);

  assert.equal(await rpc('evm_revert', [id]), true);
  assert.equal(await c.pub.getBlockNumber(), n0);
  assert.equal(await rpc('eth_getBlockByNumber', [hexNum(n0 + 1n), false]), null);
  assert.equal(await c.pub.getBalance({ address: A8.address }), bal0);
  assert.equal(await c.pub.getTransactionCount({ address: A8.address }), nonce0);
  assert.equal(await read(c, s.storage, 'values', [1n]), 222n);
  // A snapshot is consumed by reverting to it.
  assert.equal(await rpc('evm_revert', [id]), false);

  // The chain goes on from the restored head.
  const r = await send(c, A8, { to: A7.address, value: 1n });
  assert.equal(r.blockNumber, n0 + 1n);
  assert.equal(await c.pub.getTransactionCount({ address: A8.address }), nonce0 + 1);
});

test('mining helpers: evm_mine, anvil_mine, evm_setNextBlockTimestamp, evm_increaseTime', async () => {
  const n = await c.pub.getBlockNumber();
  await rpc('evm_mine');
  const mined = await c.pub.getBlock({ blockNumber: n + 1n });
  assert.equal(mined.transactions.length, 0);
  assert.equal(await c.pub.getBlockNumber(), n + 1n);

  await rpc('anvil_mine', ['0x5']);
  assert.equal(await c.pub.getBlockNumber(), n + 6n);

  await rpc('anvil_mine', ['0x3', '0xa']);
  const last3 = [];
  for (const k of [7n, 8n, 9n]) last3.push((await c.pub.getBlock({ blockNumber: n + k })).timestamp);
  assert.deepEqual([last3[1] - last3[0], last3[2] - last3[1]], [10n, 10n]);

  const prev = (await c.pub.getBlock()).timestamp;
  const t = prev + 1000n;
  await rpc('evm_setNextBlockTimestamp', [toHex(t)]);
  await rpc('evm_mine');
  assert.equal((await c.pub.getBlock()).timestamp, t);
  // A transaction's block honours it too.
  await rpc('evm_setNextBlockTimestamp', [toHex(t + 50n)]);
  const r = await send(c, A8, { to: A8.address, value: 0n });
  assert.equal((await c.pub.getBlock({ blockNumber: r.blockNumber })).timestamp, t + 50n);

  await rpc('evm_increaseTime', [3600]);
  await rpc('evm_mine');
  const after = (await c.pub.getBlock()).timestamp;
  assert.ok(after >= t + 50n + 3600n && after < t + 50n + 3600n + 60n, `timestamp ${after} after +3600 s from ${t + 50n}`);
});

test('transaction pool errors carry geth messages', async () => {
  const url = handle.node.url;
  const sendRaw = (raw) => rawRpc(url, 'eth_sendRawTransaction', [raw]);
  const fees = { maxFeePerGas: parseGwei('10'), maxPriorityFeePerGas: parseGwei('1') };
  const base = { chainId: CHAIN_ID, type: 'eip1559', to: A6.address, gas: 21_000n, ...fees };
  const isTephra = KIND === 'tephra';
  const gethError = (err, exact) => {
    // geth answers every pool error with code -32000 and these exact texts (core/txpool
    // validation.go, core/error.go); anvil uses -32003 and shorter texts (see each case).
    if (isTephra) {
      assert.equal(err.code, -32000, JSON.stringify(err));
      assert.equal(err.message, exact);
    }
  };

  const n = await c.pub.getTransactionCount({ address: A7.address });
  const ok = await sendRaw(await A7.signTransaction({ ...base, nonce: n, value: 1n }));
  assert.ok(ok.result, JSON.stringify(ok.error));
  await receiptOf(c.pub, ok.result);

  // nonce too low (anvil: "nonce too low", without the numbers).
  const low = (await sendRaw(await A7.signTransaction({ ...base, nonce: n, value: 2n }))).error;
  assert.ok(low, 'nonce too low must be refused');
  assert.match(low.message, /nonce too low/);
  gethError(low, `nonce too low: next nonce ${n + 1}, tx nonce ${n}`);

  // A queued transaction (nonce gap) stays in the pool: resending it is "already known"
  // (anvil: "transaction already imported").
  const gapNonce = n + 4;
  const queuedRaw = await A7.signTransaction({ ...base, nonce: gapNonce, value: 10n });
  const queued = await sendRaw(queuedRaw);
  assert.ok(queued.result, JSON.stringify(queued.error));
  const again = (await sendRaw(queuedRaw)).error;
  assert.ok(again, 'resending a pooled tx must be refused');
  if (isTephra) gethError(again, 'already known');
  else assert.match(again.message, /transaction already imported/);

  // Same nonce, same fees: "replacement transaction underpriced" (same text in anvil).
  const same = (await sendRaw(await A7.signTransaction({ ...base, nonce: gapNonce, value: 11n }))).error;
  assert.ok(same, 'replacement at the same price must be refused');
  assert.match(same.message, /replacement transaction underpriced/);
  gethError(same, 'replacement transaction underpriced');

  // geth wants a 10% bump of both fee caps; anvil replaces on any strictly higher fee.
  const bump5 = await sendRaw(
    await A7.signTransaction({ ...base, nonce: gapNonce, value: 12n, maxFeePerGas: parseGwei('10.5'), maxPriorityFeePerGas: parseGwei('1.05') }),
  );
  if (isTephra) gethError(bump5.error ?? {}, 'replacement transaction underpriced');
  else assert.ok(bump5.result, `anvil accepts a 5% bump: ${JSON.stringify(bump5.error)}`);
  const bump20 = await sendRaw(
    await A7.signTransaction({ ...base, nonce: gapNonce, value: 13n, maxFeePerGas: parseGwei('12'), maxPriorityFeePerGas: parseGwei('1.2') }),
  );
  assert.ok(bump20.result, `a 20% bump replaces: ${JSON.stringify(bump20.error)}`);

  // Filling the gap mines the queue, the replacement included.
  for (let k = n + 1; k < gapNonce; k++) {
    const r = await sendRaw(await A7.signTransaction({ ...base, nonce: k, value: 1n }));
    assert.ok(r.result, JSON.stringify(r.error));
  }
  const replaced = await receiptOf(c.pub, bump20.result);
  assert.equal(replaced.status, 'success');
  assert.equal((await c.pub.getTransaction({ hash: bump20.result })).value, 13n);
  assert.equal(await c.pub.getTransactionCount({ address: A7.address }), gapNonce + 1);
  const nAfter = gapNonce + 1;

  // Insufficient funds (anvil: "Insufficient funds for gas * price + value").
  const poor = privateKeyToAccount(generatePrivateKey());
  const cost = 21_000n * fees.maxFeePerGas + 1n;
  const broke = (await sendRaw(await poor.signTransaction({ ...base, nonce: 0, value: 1n }))).error;
  assert.ok(broke, 'an unfunded sender must be refused');
  assert.match(broke.message, /insufficient funds for gas \* price \+ value/i);
  gethError(broke, `insufficient funds for gas * price + value: balance 0, tx cost ${cost}, overshot ${cost}`);

  // Intrinsic gas (anvil: "intrinsic gas too low").
  const intrinsic = (await sendRaw(await A7.signTransaction({ ...base, nonce: nAfter, gas: 20_000n, value: 1n }))).error;
  assert.ok(intrinsic, 'gas below 21000 must be refused');
  assert.match(intrinsic.message, /intrinsic gas too low/);
  gethError(intrinsic, 'intrinsic gas too low: gas 20000, minimum needed 21000');

  // Wrong chain id in a typed tx (anvil: "invalid chain id for signer").
  const wrong = (await sendRaw(await A7.signTransaction({ ...base, chainId: 1, nonce: nAfter, value: 1n }))).error;
  assert.ok(wrong, 'a tx for chain 1 must be refused');
  assert.match(wrong.message, /invalid chain id for signer/);
  gethError(wrong, 'invalid sender: invalid chain id for signer: have 1 want 31337');

  // Wrong chain id in an EIP-155 legacy tx: geth refuses it like the typed one. anvil 1.7.1
  // answers with a hash but never executes it; both must leave the sender untouched.
  const legacyWrong = await sendRaw(await A7.signTransaction({ type: 'legacy', chainId: 1, nonce: nAfter, to: A6.address, value: 1n, gas: 21_000n, gasPrice: parseGwei('10') }));
  if (isTephra) gethError(legacyWrong.error ?? {}, 'invalid sender: invalid chain id for signer: have 1 want 31337');
  await rpc('evm_mine');
  if (legacyWrong.result) assert.equal(await rpc('eth_getTransactionReceipt', [legacyWrong.result]), null);
  assert.equal(await c.pub.getTransactionCount({ address: A7.address }), nAfter);

  // None of the refused transactions changed anything; the next valid one still goes through.
  const next = await sendRaw(await A7.signTransaction({ ...base, nonce: nAfter, value: 1n }));
  assert.ok(next.result, JSON.stringify(next.error));
  assert.equal((await receiptOf(c.pub, next.result)).status, 'success');
});
