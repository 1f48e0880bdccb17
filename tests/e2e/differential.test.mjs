// Differential test: anvil (the reference) and the node under test (E2E_NODE; with
// E2E_NODE=anvil this compares two anvils) receive the same deterministic sequence of signed
// transactions, byte for byte, and must agree on every receipt, every block's base fee, and the
// resulting state.
//
// Determinism: every transaction has an explicit nonce, gas limit and fee caps and is signed
// once; before each one both nodes get the same evm_setNextBlockTimestamp, so contracts that
// read block.timestamp (Uniswap's price accumulators) write the same values. Both chains mine
// one block per transaction from genesis base fee 1 gwei and gas limit 30M (asserted first),
// so the EIP-1559 base fee path, and therefore every fee paid, must be identical.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  encodeAbiParameters,
  encodeDeployData,
  encodeFunctionData,
  getContractAddress,
  keccak256,
  maxUint256,
  parseGwei,
  toHex,
} from 'viem';
import { accounts, artifact, CHAIN_ID, DEV_BALANCE, sleep } from './lib/chain.mjs';
import { nodeKind, rawRpc, startNode } from './lib/node.mjs';

const KIND = nodeKind();
const E18 = 10n ** 18n;
const DEADLINE = 2n ** 64n;
const [A0, A1, A2, A3, A4, A5, A6] = accounts;
const FRESH = '0x00000000000000000000000000000000c0ffee00';
const FEES = { maxFeePerGas: parseGwei('10'), maxPriorityFeePerGas: parseGwei('1') };

const nodes = { ref: null, sut: null };
before(async () => {
  [nodes.ref, nodes.sut] = await Promise.all([startNode({ kind: 'anvil' }), startNode({ kind: KIND })]);
});
after(async () => {
  await Promise.all([nodes.ref?.stop(), nodes.sut?.stop()]);
});

async function call(which, method, params = [], what = '') {
  const r = await rawRpc(nodes[which].url, method, params);
  assert.ok(!r.error, `${what}${which} (${nodes[which].kind}) ${method}: ${JSON.stringify(r.error)}`);
  return r.result;
}
/// Same request to both nodes; returns [ref, sut] results.
const both = (method, params, what) => Promise.all([call('ref', method, params, what), call('sut', method, params, what)]);
/// Same request to both, results must be equal; returns the value.
async function same(method, params, what) {
  const [a, b] = await both(method, params);
  assert.deepEqual(lower(b), lower(a), `${what ?? method}: ${JSON.stringify(params)}`);
  return a;
}
/// Hex case carries no meaning (checksummed vs lowercase addresses): compare lowercased.
function lower(v) {
  if (typeof v === 'string') return v.toLowerCase();
  if (Array.isArray(v)) return v.map(lower);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, lower(x)]));
  return v;
}

test('both nodes start from the same genesis: chain id, base fee 1 gwei, gas limit 30M, funded accounts', async () => {
  assert.equal(await same('eth_chainId', []), toHex(CHAIN_ID));
  const [g1, g2] = await both('eth_getBlockByNumber', ['0x0', false]);
  assert.equal(BigInt(g1.baseFeePerGas), 1_000_000_000n);
  assert.equal(BigInt(g2.baseFeePerGas), 1_000_000_000n, `${KIND} genesis base fee`);
  assert.equal(BigInt(g1.gasLimit), 30_000_000n);
  assert.equal(BigInt(g2.gasLimit), 30_000_000n, `${KIND} gas limit`);
  for (const a of accounts) assert.equal(BigInt(await same('eth_getBalance', [a.address, 'latest'])), DEV_BALANCE);
});

/// The contracts' addresses follow from deployer and nonce.
const at = (nonce) => getContractAddress({ from: A0.address, nonce: BigInt(nonce) });
const ADDR = {
  tka: at(0),
  tkb: at(1),
  weth: at(2),
  factory: at(3),
  router: at(4),
  storage: at(5),
  reverter: at(6),
  events: at(7),
};
const abi = (name) => artifact(name).abi;
const fn = (name, functionName, args = []) => encodeFunctionData({ abi: abi(name), functionName, args });
const create = (name, args = []) => encodeDeployData({ abi: abi(name), bytecode: artifact(name).bytecode, args });

/// The sequence: [label, sender, request, expected status]. Requests are complete but for nonce.
function sequence(authorization) {
  const tx = (to, data, gas, extra = {}) => ({ to, data, gas, ...extra });
  return [
    ['deploy TestToken A', A0, { data: create('TestToken', ['Diff A', 'DFA', 1_000_000n * E18]), gas: 2_000_000n }, 'success'],
    ['deploy TestToken B', A0, { data: create('TestToken', ['Diff B', 'DFB', 1_000_000n * E18]), gas: 2_000_000n }, 'success'],
    ['deploy WETH9', A0, { data: create('WETH9'), gas: 2_000_000n }, 'success'],
    ['deploy UniswapV2Factory', A0, { data: create('UniswapV2Factory', [A0.address]), gas: 6_000_000n }, 'success'],
    ['deploy UniswapV2Router02', A0, { data: create('UniswapV2Router02', [ADDR.factory, ADDR.weth]), gas: 6_000_000n }, 'success'],
    ['deploy Storage', A0, { data: create('Storage'), gas: 1_000_000n }, 'success'],
    ['deploy Reverter', A0, { data: create('Reverter'), gas: 1_000_000n }, 'success'],
    ['deploy Events', A0, { data: create('Events'), gas: 1_000_000n }, 'success'],
    ['approve TKA', A0, tx(ADDR.tka, fn('TestToken', 'approve', [ADDR.router, maxUint256]), 100_000n), 'success'],
    ['approve TKB', A0, tx(ADDR.tkb, fn('TestToken', 'approve', [ADDR.router, maxUint256]), 100_000n), 'success'],
    [
      'addLiquidityETH',
      A0,
      tx(ADDR.router, fn('UniswapV2Router02', 'addLiquidityETH', [ADDR.tka, 10_000n * E18, 0n, 0n, A0.address, DEADLINE]), 5_000_000n, { value: 10n * E18 }),
      'success',
    ],
    [
      'addLiquidity',
      A0,
      tx(ADDR.router, fn('UniswapV2Router02', 'addLiquidity', [ADDR.tka, ADDR.tkb, 5_000n * E18, 20_000n * E18, 0n, 0n, A0.address, DEADLINE]), 5_000_000n),
      'success',
    ],
    ['transfer TKA to A1', A0, tx(ADDR.tka, fn('TestToken', 'transfer', [A1.address, 1_000n * E18]), 100_000n), 'success'],
    ['A1 approves router', A1, tx(ADDR.tka, fn('TestToken', 'approve', [ADDR.router, maxUint256]), 100_000n), 'success'],
    [
      'swapExactTokensForTokens',
      A1,
      tx(ADDR.router, fn('UniswapV2Router02', 'swapExactTokensForTokens', [100n * E18, 0n, [ADDR.tka, ADDR.tkb], A1.address, DEADLINE]), 300_000n),
      'success',
    ],
    [
      'swapExactETHForTokens',
      A2,
      tx(ADDR.router, fn('UniswapV2Router02', 'swapExactETHForTokens', [0n, [ADDR.weth, ADDR.tka], A2.address, DEADLINE]), 300_000n, { value: E18 }),
      'success',
    ],
    [
      'swapExactTokensForETH',
      A1,
      tx(ADDR.router, fn('UniswapV2Router02', 'swapExactTokensForETH', [50n * E18, 0n, [ADDR.tka, ADDR.weth], A1.address, DEADLINE]), 300_000n),
      'success',
    ],
    ['revert with explicit gas', A2, tx(ADDR.reverter, fn('Reverter', 'writeThenFail', [5n]), 100_000n), 'reverted'],
    ['Reverter.store', A2, tx(ADDR.reverter, fn('Reverter', 'store', [9n]), 100_000n), 'success'],
    ['Storage.fill 20 slots', A3, tx(ADDR.storage, fn('Storage', 'fill', [0n, 20n, 42n]), 1_500_000n), 'success'],
    ['Storage.set clears a slot (refund)', A3, tx(ADDR.storage, fn('Storage', 'set', [3n, 0n]), 100_000n), 'success'],
    ['out of gas in Storage.fill', A3, tx(ADDR.storage, fn('Storage', 'fill', [100n, 50n, 7n]), 150_000n), 'reverted'],
    ['Events.pingMany', A3, tx(ADDR.events, fn('Events', 'pingMany', [1n, 5n, keccak256(toHex('diff'))]), 200_000n), 'success'],
    ['Events.silent', A3, tx(ADDR.events, fn('Events', 'silent', [9n, 99n]), 100_000n), 'success'],
    ['legacy tx', A1, { type: 'legacy', to: ADDR.storage, data: fn('Storage', 'set', [100n, 1n]), gas: 100_000n, gasPrice: parseGwei('2') }, 'success'],
    [
      'EIP-2930 tx',
      A1,
      {
        type: 'eip2930',
        to: ADDR.storage,
        data: fn('Storage', 'set', [101n, 2n]),
        gas: 100_000n,
        gasPrice: parseGwei('2'),
        accessList: [{ address: ADDR.storage, storageKeys: [mapSlot(101n, 0), toHex(1, { size: 32 })] }],
      },
      'success',
    ],
    ['WETH deposit', A4, tx(ADDR.weth, fn('WETH9', 'deposit'), 100_000n, { value: 2n * E18 }), 'success'],
    ['WETH withdraw', A4, tx(ADDR.weth, fn('WETH9', 'withdraw', [E18]), 100_000n), 'success'],
    [
      'EIP-7702 delegation + call',
      A0,
      { type: 'eip7702', authorizationList: [authorization], to: A5.address, data: fn('Storage', 'set', [7n, 77n]), gas: 200_000n },
      'success',
    ],
    ['delegated EOA sends ETH', A5, { to: A6.address, value: E18, gas: 21_000n }, 'success'],
    ['transfer to a new account', A6, { to: FRESH, value: 1n, gas: 21_000n }, 'success'],
  ];
}

function mapSlot(key, slot) {
  const isAddr = typeof key === 'string';
  return keccak256(encodeAbiParameters([{ type: isAddr ? 'address' : 'uint256' }, { type: 'uint256' }], [key, BigInt(slot)]));
}

/// The parts of a raw receipt both nodes must agree on.
function receiptView(r) {
  return {
    status: r.status,
    type: r.type,
    gasUsed: r.gasUsed,
    cumulativeGasUsed: r.cumulativeGasUsed,
    effectiveGasPrice: r.effectiveGasPrice,
    contractAddress: r.contractAddress ?? null,
    from: r.from,
    to: r.to ?? null,
    blockNumber: r.blockNumber,
    transactionIndex: r.transactionIndex,
    logsBloom: r.logsBloom,
    logs: r.logs.map((l) => ({ address: l.address, topics: l.topics, data: l.data, logIndex: l.logIndex, transactionIndex: l.transactionIndex })),
  };
}

async function receiptBoth(hash) {
  const out = [];
  for (const which of ['ref', 'sut']) {
    const deadline = Date.now() + 15_000;
    let r = null;
    while (!(r = await call(which, 'eth_getTransactionReceipt', [hash]))) {
      assert.ok(Date.now() < deadline, `${which}: no receipt for ${hash}`);
      await sleep(10);
    }
    out.push(r);
  }
  return out;
}

test('the same signed transactions give the same receipts, base fees and state', async () => {
  const [h1, h2] = await both('eth_getBlockByNumber', ['latest', false]);
  const t0 = (BigInt(h1.timestamp) > BigInt(h2.timestamp) ? BigInt(h1.timestamp) : BigInt(h2.timestamp)) + 100n;
  const nonces = new Map();
  for (const a of accounts) nonces.set(a.address, Number(await same('eth_getTransactionCount', [a.address, 'latest'])));

  // A5 delegates to Storage; signed once, used in both chains.
  const authorization = await A5.signAuthorization({ contractAddress: ADDR.storage, chainId: CHAIN_ID, nonce: nonces.get(A5.address) });
  const seq = sequence(authorization);
  for (let i = 0; i < seq.length; i++) {
    const [label, sender, request, expected] = seq[i];
    const nonce = nonces.get(sender.address);
    nonces.set(sender.address, nonce + 1);
    const fees = request.type === 'legacy' || request.type === 'eip2930' ? {} : FEES;
    const raw = await sender.signTransaction({ chainId: CHAIN_ID, nonce, value: 0n, ...fees, ...request });
    const ts = toHex(t0 + BigInt(i) * 12n);
    await both('evm_setNextBlockTimestamp', [ts]);
    const [hashRef, hashSut] = await both('eth_sendRawTransaction', [raw], `${label}: `);
    // A valid authorization bumps its authority's nonce (EIP-7702); here the authority is A5.
    if (request.authorizationList) nonces.set(A5.address, nonces.get(A5.address) + request.authorizationList.length);
    assert.equal(hashSut, hashRef, label);
    const [rRef, rSut] = await receiptBoth(hashRef);
    assert.equal(rRef.status, expected === 'success' ? '0x1' : '0x0', `${label}: status on anvil`);
    assert.deepEqual(lower(receiptView(rSut)), lower(receiptView(rRef)), `${label}: receipt`);
    const [bRef, bSut] = await both('eth_getBlockByNumber', [rRef.blockNumber, false]);
    for (const f of ['baseFeePerGas', 'gasUsed', 'gasLimit', 'timestamp', 'number']) {
      assert.equal(bSut[f], bRef[f], `${label}: block ${f}`);
    }
    assert.equal(bRef.timestamp, ts);
    assert.deepEqual(bSut.transactions, [hashRef], `${label}: one tx per block`);
  }
  // Deployments landed where the sequence assumed.
  for (const [name, address] of Object.entries(ADDR)) {
    const code = await same('eth_getCode', [address, 'latest'], `code of ${name}`);
    assert.notEqual(code, '0x', `${name} deployed`);
  }

  // State: balances and nonces of every sender and touched account (fees included).
  const touched = [...accounts.slice(0, 7).map((a) => a.address), FRESH, ADDR.weth, ADDR.router];
  for (const a of touched) {
    await same('eth_getBalance', [a, 'latest'], `balance of ${a}`);
    await same('eth_getTransactionCount', [a, 'latest'], `nonce of ${a}`);
  }
  assert.equal(await same('eth_getCode', [A5.address, 'latest']), `0xef0100${ADDR.storage.slice(2).toLowerCase()}`);

  // Storage slots.
  const pairs = [];
  for (const [x, y] of [[ADDR.tka, ADDR.tkb], [ADDR.tka, ADDR.weth]]) {
    pairs.push(await call('ref', 'eth_call', [{ to: ADDR.factory, data: fn('UniswapV2Factory', 'getPair', [x, y]) }, 'latest']));
  }
  const pairAddrs = pairs.map((p) => `0x${p.slice(26)}`);
  const slots = [];
  for (const p of pairAddrs) for (let k = 0; k <= 12; k++) slots.push([p, toHex(k, { size: 32 })]);
  for (const t of [ADDR.tka, ADDR.tkb]) {
    for (const holder of [A0.address, A1.address, A2.address, ...pairAddrs]) slots.push([t, mapSlot(holder, 0)]);
    slots.push([t, toHex(2, { size: 32 })]);
    slots.push([t, keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'bytes32' }], [ADDR.router, mapSlot(A1.address, 1)]))]);
  }
  for (const holder of [A4.address, ...pairAddrs]) slots.push([ADDR.weth, mapSlot(holder, 3)]);
  for (let k = 0n; k < 20n; k++) slots.push([ADDR.storage, mapSlot(k, 0)]);
  for (const k of [100n, 101n, 120n]) slots.push([ADDR.storage, mapSlot(k, 0)]);
  slots.push([ADDR.storage, toHex(1, { size: 32 })]);
  slots.push([ADDR.reverter, toHex(0, { size: 32 })]);
  slots.push([A5.address, mapSlot(7n, 0)]);
  slots.push([A5.address, toHex(1, { size: 32 })]);
  for (const [address, slot] of slots) await same('eth_getStorageAt', [address, slot, 'latest'], `storage ${address} ${slot}`);
  // Spot-check that the compared state is the intended one (not two identical empty chains).
  assert.equal(BigInt(await call('sut', 'eth_getStorageAt', [A5.address, mapSlot(7n, 0), 'latest'])), 77n);
  assert.equal(BigInt(await call('sut', 'eth_getStorageAt', [ADDR.storage, mapSlot(3n, 0), 'latest'])), 0n);
  assert.equal(BigInt(await call('sut', 'eth_getStorageAt', [ADDR.reverter, toHex(0, { size: 32 }), 'latest'])), 9n);

  // eth_call results.
  const calls = [
    ...pairAddrs.map((p) => ({ to: p, data: fn('UniswapV2Pair', 'getReserves') })),
    ...pairAddrs.map((p) => ({ to: p, data: fn('UniswapV2Pair', 'price0CumulativeLast') })),
    { to: ADDR.router, data: fn('UniswapV2Router02', 'getAmountsOut', [E18, [ADDR.tka, ADDR.tkb]]) },
    { to: ADDR.router, data: fn('UniswapV2Router02', 'getAmountsOut', [E18, [ADDR.weth, ADDR.tka, ADDR.tkb]]) },
    { to: ADDR.tka, data: fn('TestToken', 'balanceOf', [A1.address]) },
    { to: ADDR.tkb, data: fn('TestToken', 'balanceOf', [A1.address]) },
    { to: ADDR.weth, data: fn('WETH9', 'totalSupply') },
    { to: A5.address, data: fn('Storage', 'values', [7n]) },
    { to: ADDR.storage, data: fn('Storage', 'writes') },
  ];
  for (const cl of calls) await same('eth_call', [cl, 'latest'], `eth_call ${cl.to} ${cl.data.slice(0, 10)}`);
  const [eRef, eSut] = await Promise.all(
    ['ref', 'sut'].map((w) => rawRpc(nodes[w].url, 'eth_call', [{ from: A2.address, to: ADDR.reverter, data: fn('Reverter', 'failCustom', [3n]) }, 'latest'])),
  );
  assert.equal(eSut.error?.data, eRef.error?.data, 'revert data of eth_call');
  assert.ok(eRef.error?.data?.length > 10);
});
