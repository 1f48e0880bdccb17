// Write once, deploy everywhere: one set of real contracts, unchanged (OpenZeppelin ERC-20 and
// ERC-721, Uniswap V2 factory/pair/router, a CREATE2 factory, a contract calling every
// precompile), deployed over JSON-RPC on every framework profile of `tephra dev`. The same
// transactions must give the same statuses, logs, return values and storage on every profile;
// the only differences allowed are the ones each framework defines, and each is asserted.
// Runs on tephra only.

import assert from 'node:assert/strict';
import { createSign, generateKeyPairSync } from 'node:crypto';
import { before, test } from 'node:test';
import { concat, encodeFunctionData, keccak256, pad, ripemd160, sha256, toHex } from 'viem';
import { accounts, artifact, clients, deploy, read, write } from './lib/chain.mjs';
import { rawRpc, startNode } from './lib/node.mjs';

/// Every framework profile `tephra dev --framework` has.
const FRAMEWORKS = ['ethereum', 'op-stack', 'nitro', 'zk-stack'];
const [A0, A1, A2] = accounts;
const E18 = 10n ** 18n;
const DEADLINE = 2n ** 40n;

// Precompile inputs with outputs known independently of any EVM: published test vectors (EIP-196,
// EIP-197, EIP-152, EIP-2537, EIP-4844) or values computed here with viem/node:crypto.
const word = (n) => pad(toHex(n), { size: 32 });
const BN_P = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
const BN_G1 = concat([word(1n), word(2n)]);
const BN_2G1 = concat([
  '0x030644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd3',
  '0x15ed738c0e0a7c92e7845f96b2ae9c0a68a6a449e3538fc7ff3ebf7a5a18a2c4',
]);
// G2 generator (EIP-197 encoding: x_im, x_re, y_im, y_re).
const BN_G2 = concat([
  '0x198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2',
  '0x1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed',
  '0x090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b',
  '0x12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa',
]);
const BN_NEG_G1 = concat([word(1n), word(BN_P - 2n)]);
// EIP-152 test vector 5: BLAKE2b compression of "abc", 12 rounds.
const BLAKE2F_INPUT =
  '0x0000000c48c9bdf267e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5d182e6ad7f520e511f6c3e2b8c68059b6bbd41fbabd9831f79217e1319cde05b' +
  '6162630000000000000000000000000000000000000000000000000000000000' +
  '0000000000000000000000000000000000000000000000000000000000000000' +
  '0000000000000000000000000000000000000000000000000000000000000000' +
  '0000000000000000000000000000000000000000000000000000000000000000' +
  '03000000000000000000000000000000' +
  '01';
const BLAKE2F_OUTPUT =
  '0xba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923';
// BLS12-381 G1 generator, each coordinate padded to 64 bytes (EIP-2537).
const BLS_G1 = concat([
  pad('0x17f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb', { size: 64 }),
  pad('0x08b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1', { size: 64 }),
]);
const BLS_INFINITY = pad('0x', { size: 128 });
// EIP-4844 point evaluation of the zero polynomial: commitment and proof are the point at
// infinity, y = 0 at any z; the precompile answers FIELD_ELEMENTS_PER_BLOB and BLS_MODULUS.
const KZG_INFINITY = concat(['0xc0', pad('0x', { size: 47 })]);
const KZG_VERSIONED_HASH = concat(['0x01', `0x${sha256(KZG_INFINITY).slice(4)}`]);
const BLS_MODULUS = 52435875175126190479447740508185965837690552500527637822603658699938581184513n;

function p256Vector() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const message = Buffer.from('tephra conformance');
  const signer = createSign('SHA256');
  signer.update(message);
  const signature = signer.sign({ key: privateKey, dsaEncoding: 'ieee-p1363' });
  const jwk = publicKey.export({ format: 'jwk' });
  const b64 = (s) => toHex(Buffer.from(s, 'base64url'));
  return concat([sha256(toHex(message)), toHex(signature), b64(jwk.x), b64(jwk.y)]);
}

async function vectors() {
  const digest = keccak256(toHex('tephra'));
  const signature = await A2.sign({ hash: digest });
  const r = signature.slice(0, 66);
  const s = `0x${signature.slice(66, 130)}`;
  const v = BigInt(`0x${signature.slice(130, 132)}`);
  const modexp = concat([word(32n), word(32n), word(32n), word(3n), word(200n), word(2n ** 255n - 19n)]);
  let modexpOut = 1n;
  for (let i = 0; i < 200; i++) modexpOut = (modexpOut * 3n) % (2n ** 255n - 19n);
  return [
    ['ecrecover', '0x0000000000000000000000000000000000000001', concat([digest, word(v), r, s]), pad(A2.address, { size: 32 }).toLowerCase()],
    ['sha256', '0x0000000000000000000000000000000000000002', toHex('abc'), sha256(toHex('abc'))],
    ['ripemd160', '0x0000000000000000000000000000000000000003', toHex('abc'), pad(ripemd160(toHex('abc')), { size: 32 })],
    ['identity', '0x0000000000000000000000000000000000000004', toHex('tephra'), toHex('tephra')],
    ['modexp', '0x0000000000000000000000000000000000000005', modexp, word(modexpOut)],
    ['bn254 add', '0x0000000000000000000000000000000000000006', concat([BN_G1, BN_G1]), BN_2G1],
    ['bn254 mul', '0x0000000000000000000000000000000000000007', concat([BN_G1, word(2n)]), BN_2G1],
    ['bn254 pairing', '0x0000000000000000000000000000000000000008', concat([BN_G1, BN_G2, BN_NEG_G1, BN_G2]), word(1n)],
    ['blake2f', '0x0000000000000000000000000000000000000009', BLAKE2F_INPUT, BLAKE2F_OUTPUT],
    ['point evaluation', '0x000000000000000000000000000000000000000a', concat([KZG_VERSIONED_HASH, word(7n), word(0n), KZG_INFINITY, KZG_INFINITY]), concat([word(4096n), word(BLS_MODULUS)])],
    ['bls12-381 g1 add', '0x000000000000000000000000000000000000000b', concat([BLS_G1, BLS_INFINITY]), BLS_G1],
    ['p256 verify', '0x0000000000000000000000000000000000000100', p256Vector(), word(1n)],
  ];
}

/// What one profile did with the scenario: everything that must match across profiles, and the
/// per-transaction gas and receipts kept for the differences each framework defines.
async function runScenario(framework, precompiles) {
  const node = await startNode({ kind: 'tephra', tephraArgs: ['--framework', framework] });
  try {
    const c = clients(node);
    const out = { txs: [], calls: {}, storage: {}, receipts: [] };
    const keep = (name, receipt) => {
      out.txs.push({
        name,
        status: receipt.status,
        contractAddress: receipt.contractAddress,
        logs: receipt.logs.map((l) => ({ address: l.address, topics: l.topics, data: l.data })),
      });
      out.receipts.push({ name, hash: receipt.transactionHash, gasUsed: receipt.gasUsed });
    };
    const deployed = async (name, args = []) => {
      const contract = await deploy(c, A0, name, args);
      keep(`deploy ${name}`, contract.receipt);
      return contract;
    };
    const tx = async (name, account, request) => keep(name, await write(c, account, request));

    // OpenZeppelin ERC-20 and ERC-721.
    const token = await deployed('TestToken', ['Token', 'TKN', 1_000_000n * E18]);
    await tx('erc20 transfer', A0, { ...token, functionName: 'transfer', args: [A1.address, 1234n * E18] });
    const nft = await deployed('TestNFT', ['Tephra NFT', 'TNFT']);
    await tx('erc721 mint', A1, { ...nft, functionName: 'mint' });
    await tx('erc721 transfer', A1, { ...nft, functionName: 'transferFrom', args: [A1.address, A2.address, 0n] });
    out.calls.erc20 = [await read(c, token, 'balanceOf', [A0.address]), await read(c, token, 'balanceOf', [A1.address])];
    out.calls.erc721 = [await read(c, nft, 'ownerOf', [0n]), await read(c, nft, 'balanceOf', [A2.address])];

    // Uniswap V2: pool ETH/TKN, then a swap.
    const weth = await deployed('WETH9');
    const factory = await deployed('UniswapV2Factory', [A0.address]);
    const router = await deployed('UniswapV2Router02', [factory.address, weth.address]);
    await tx('approve router', A0, { ...token, functionName: 'approve', args: [router.address, 2n ** 256n - 1n] });
    await tx('addLiquidityETH', A0, {
      ...router,
      functionName: 'addLiquidityETH',
      args: [token.address, 10_000n * E18, 0n, 0n, A0.address, DEADLINE],
      value: 5n * E18,
      gas: 5_000_000n,
    });
    await tx('swapExactETHForTokens', A1, {
      ...router,
      functionName: 'swapExactETHForTokens',
      args: [0n, [weth.address, token.address], A1.address, DEADLINE],
      value: E18 / 10n,
      // Estimated at the head, the swap is a block early: the pair's price accumulators are
      // first written in the next second (20k gas each), so give it a fixed limit.
      gas: 500_000n,
    });
    const pair = { address: await read(c, factory, 'getPair', [weth.address, token.address]), abi: artifact('UniswapV2Pair').abi };
    const [reserve0, reserve1] = await read(c, pair, 'getReserves');
    out.calls.uniswap = [pair.address, reserve0, reserve1, await read(c, token, 'balanceOf', [A1.address])];

    // CREATE2: the same code and salt land at the computed address.
    const create2 = await deployed('Create2Factory');
    const salt = keccak256(toHex('tephra'));
    const code = artifact('Storage').bytecode;
    const predicted = await read(c, create2, 'computeAddress', [salt, keccak256(code)]);
    await tx('create2 deploy', A0, { ...create2, functionName: 'deploy', args: [salt, code] });
    out.calls.create2 = [predicted, (await c.pub.getCode({ address: predicted })) === artifact('Storage').deployedBytecode];

    // Precompiles, called from a contract: query (eth_call) and record (a transaction).
    const caller = await deployed('PrecompileCaller');
    for (const [name, address, input] of precompiles) {
      out.calls[name] = await read(c, caller, 'query', [address, input]);
      await tx(`precompile ${name}`, A0, { ...caller, functionName: 'record', args: [address, input], gas: 3_000_000n });
      out.storage[name] = await read(c, caller, 'outputHash', [address]);
    }

    // Raw receipts, for the fields each framework adds.
    for (const r of out.receipts) r.raw = (await rawRpc(node.url, 'eth_getTransactionReceipt', [r.hash])).result;
    return out;
  } finally {
    await node.stop();
  }
}

const results = {};
let precompiles;
before(async () => {
  precompiles = await vectors();
  for (const framework of FRAMEWORKS) results[framework] = await runScenario(framework, precompiles);
});

/// Precompiles a profile's hardfork does not have: a call to one is a call to an empty account
/// (success, no output). None today: Nitro's ArbOS 32 is Cancun for L1 rules, but BLS12-381
/// (EIP-2537, Prague; Nitro's own from ArbOS 40) is on every Tephra profile for the Metalayer.
const ABSENT = { ethereum: [], 'op-stack': [], nitro: [], 'zk-stack': [] };

/// A profile's results without what `ABSENT` leaves out of the comparison.
function comparable(framework) {
  const { txs, calls, storage } = results[framework];
  const absent = ABSENT[framework];
  const keep = (entries) => Object.fromEntries(Object.entries(entries).filter(([name]) => !absent.includes(name)));
  return {
    txs: txs.filter((t) => !absent.some((name) => t.name === `precompile ${name}`)),
    calls: keep(calls),
    storage: keep(storage),
  };
}

test('every precompile answers its published vector, on every profile that has it', () => {
  for (const framework of FRAMEWORKS) {
    for (const [name, , , expected] of precompiles) {
      const [success, output] = results[framework].calls[name];
      assert.equal(success, true, `${framework}: ${name} succeeds`);
      const want = ABSENT[framework].includes(name) ? '0x' : expected.toLowerCase();
      assert.equal(output.toLowerCase(), want, `${framework}: ${name} output`);
    }
  }
});

test('the same transactions give the same statuses, logs, return values and storage everywhere', () => {
  assert.ok(results.ethereum.txs.length > 20, `${results.ethereum.txs.length} transactions in the scenario`);
  for (const framework of FRAMEWORKS) {
    const got = comparable(framework);
    const reference = comparable('ethereum');
    reference.txs = reference.txs.filter((t) => got.txs.some((g) => g.name === t.name));
    for (const key of ['calls', 'storage']) {
      for (const name of ABSENT[framework]) delete reference[key][name];
    }
    assert.deepEqual(got.txs, reference.txs, `${framework}: receipts (status, contract address, logs)`);
    assert.deepEqual(got.calls, reference.calls, `${framework}: return values`);
    assert.deepEqual(got.storage, reference.storage, `${framework}: storage`);
    assert.equal(got.calls.create2[1], true, `${framework}: CREATE2 code at the computed address`);
  }
});

/// Gas a framework charges less than the `ethereum` profile (Osaka) for a transaction of the
/// scenario. OP Stack's Isthmus is Prague for L1 rules: modexp keeps EIP-2565's 200-gas minimum
/// (Osaka's EIP-7883 raises it to 500), and P256VERIFY costs RIP-7212's 3,450 gas (Fjord) instead
/// of EIP-7951's 6,900.
const GAS_BELOW_ETHEREUM = {
  ethereum: {},
  'op-stack': { 'precompile modexp': 300n, 'precompile p256 verify': 3450n },
  // ArbOS 32: modexp as Prague (EIP-2565), P256VERIFY as RIP-7212 (ArbOS 30).
  nitro: { 'precompile modexp': 300n, 'precompile p256 verify': 3450n },
  'zk-stack': {},
};

/// The receipt fields each framework adds to Ethereum's, as its own node returns them.
const RECEIPT_FIELDS = {
  ethereum: [],
  'op-stack': ['l1Fee', 'l1GasUsed', 'l1GasPrice', 'l1BaseFeeScalar', 'l1BlobBaseFee', 'l1BlobBaseFeeScalar'],
  nitro: ['gasUsedForL1', 'l1BlockNumber'],
  'zk-stack': ['l1BatchNumber', 'l1BatchTxIndex', 'l2ToL1Logs'],
};

test('gas and receipts differ exactly where each framework defines it', () => {
  const reference = results.ethereum.receipts;
  for (const framework of FRAMEWORKS) {
    results[framework].receipts.forEach((r, i) => {
      // A call to a precompile the profile lacks costs what a call to an empty account does
      // (its output is checked above); every other transaction is priced the same.
      if (ABSENT[framework].some((name) => r.name === `precompile ${name}`)) return;
      // Nitro charges the L1 poster's cost as extra gas (gasUsedForL1) on top of execution.
      const posterGas = framework === 'nitro' ? BigInt(r.raw.gasUsedForL1) : 0n;
      const expected = reference[i].gasUsed - (GAS_BELOW_ETHEREUM[framework][r.name] ?? 0n) + posterGas;
      assert.equal(r.gasUsed, expected, `${framework}: gas of ${r.name}`);
      if (framework === 'nitro') assert.ok(posterGas > 0n, `nitro: ${r.name} pays L1 poster gas`);
      for (const [owner, fields] of Object.entries(RECEIPT_FIELDS)) {
        for (const field of fields) {
          if (owner === framework) assert.notEqual(r.raw[field], undefined, `${framework}: ${r.name} has ${field}`);
          else assert.equal(r.raw[field], undefined, `${framework}: ${r.name} has no ${field} (a ${owner} field)`);
        }
      }
    });
  }
});
