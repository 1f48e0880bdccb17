// The L1 settlement core with OP Stack's entry points over it (contracts/src/settlement), driven
// by viem's own OP Stack actions (viem/op-stack) across two `tephra dev` processes: an L1
// (ethereum profile, chain 900, one block a second so that its timestamps follow the wall clock
// viem's withdrawal timing reads) and an OP Stack L2 (chain 901, automine). Deposits are checked
// on L1 only (the event bedrock's op-node derives from, the custody in the core); crediting them
// on L2 is the derivation pipeline's job and is not tested here. Withdrawals go the whole way:
// L2ToL1MessagePasser on L2, `optimism_outputAtBlock` proposed on L1, proven with viem's storage
// proof, finalized after the challenge window. Every refusal has its own test and checks that
// nothing moved. Runs on tephra only.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  BaseError,
  concat,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  decodeErrorResult,
  decodeEventLog,
  defineChain,
  encodeAbiParameters,
  encodeDeployData,
  encodeFunctionData,
  getContractAddress,
  http,
  keccak256,
  numberToHex,
  parseEther,
  size,
  slice,
  zeroAddress,
  zeroHash,
} from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import {
  chainConfig,
  getWithdrawals,
  opaqueDataToDepositData,
  publicActionsL1,
  publicActionsL2,
  walletActionsL1,
  walletActionsL2,
} from 'viem/op-stack';
import { accounts, artifact, receiptOf, sleep } from './lib/chain.mjs';
import { rawRpc, startNode } from './lib/node.mjs';

const L1_CHAIN_ID = 900;
const L2_CHAIN_ID = 901;
/// The custom-gas-token rollup's chain id (its contracts only: no L2 node runs for it).
const TOKEN_CHAIN_ID = 902;
/// The bare core's chain id (a core whose entry point is an EOA, to reach the core's own checks).
const BARE_CHAIN_ID = 903;
const WINDOW = 2n;
const LONG_WINDOW = 3600n;
const TOKEN_DECIMALS = 6;
const DEFAULT_L2_SENDER = '0x000000000000000000000000000000000000dEaD';
/// Fixed gas for transactions meant to be mined although they revert (no estimate is made).
const REVERT_GAS = 3_000_000n;

const [OWNER, PROPOSER, USER, STRANGER, FUNDER, ENTRY] = accounts;

const abiOf = (name) => artifact(name).abi;
/// Every custom error of the contracts involved, so that a revert bubbled up from the core or the
/// token through the portal decodes by name.
const ERRORS = (() => {
  const seen = new Map();
  for (const name of ['RollupCore', 'RollupRegistry', 'OptimismPortal', 'L2OutputOracle', 'TestTokenDecimals']) {
    for (const item of abiOf(name)) {
      if (item.type !== 'error') continue;
      seen.set(`${item.name}(${item.inputs.map((i) => i.type).join(',')})`, item);
    }
  }
  return [...seen.values()];
})();
/// A contract's ABI plus every error above (without duplicates).
const withErrors = (name) => {
  const own = abiOf(name);
  const names = new Set(own.filter((i) => i.type === 'error').map((i) => i.name));
  return [...own, ...ERRORS.filter((e) => !names.has(e.name))];
};

let l1Node;
let l2Node;
let l1; // L1 public client (+ viem's L1 OP actions)
let l1Wallets;
let l2Wallets;
let l2Pub;
/// Deployments: `eth` (ETH rollup of the L2, window 2 s), `slow` (a second deployment for the same
/// L2 with an hour-long window), `tok` (custom gas token, 6 decimals), `bare` (the core alone).
const rollups = {};
let registry;
let token;
let forwarder;

const l1Wallet = (account) => {
  if (!l1Wallets.has(account.address)) {
    l1Wallets.set(
      account.address,
      createWalletClient({ chain: l1.chain, account, transport: http(l1Node.url), pollingInterval: 50, cacheTime: 0 }).extend(
        walletActionsL1(),
      ),
    );
  }
  return l1Wallets.get(account.address);
};
const l2Wallet = (account) => {
  if (!l2Wallets.has(account.address)) {
    l2Wallets.set(
      account.address,
      createWalletClient({ chain: l2Pub.chain, account, transport: http(l2Node.url), pollingInterval: 25, cacheTime: 0 }).extend(
        walletActionsL2(),
      ),
    );
  }
  return l2Wallets.get(account.address);
};

/// The L2 as viem's op-stack actions see it: chainConfig's predeploys plus this deployment's L1
/// portal and output oracle, keyed by the L1 chain id.
function targetChainOf(rollup, id = L2_CHAIN_ID) {
  return defineChain({
    ...chainConfig,
    id,
    name: `tephra op-stack ${id}`,
    sourceId: L1_CHAIN_ID,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [l2Node.url] } },
    contracts: {
      ...chainConfig.contracts,
      portal: { [L1_CHAIN_ID]: { address: rollup.portal } },
      l2OutputOracle: { [L1_CHAIN_ID]: { address: rollup.oracle } },
    },
  });
}

/// A public L2 client whose chain is `rollup`'s target chain (buildProveWithdrawal hands it on).
const l2For = (rollup) =>
  createPublicClient({ chain: rollup.chain, transport: http(l2Node.url), pollingInterval: 25, cacheTime: 0 }).extend(publicActionsL2());

const read = (address, name, functionName, args = []) => l1.readContract({ address, abi: abiOf(name), functionName, args });
const ethBalance = (address) => l1.getBalance({ address });
const tokenBalance = (address) => read(token, 'TestTokenDecimals', 'balanceOf', [address]);

/// Sends one transaction and waits for it to be mined successfully.
async function write(account, address, name, functionName, args = [], extra = {}) {
  const hash = await l1Wallet(account).writeContract({ address, abi: abiOf(name), functionName, args, ...extra });
  const receipt = await receiptOf(l1, hash, 30_000);
  assert.equal(receipt.status, 'success', `${name}.${functionName}`);
  return receipt;
}

/// Signs `txs` with consecutive nonces, sends them all at once (so they share an L1 block) and
/// waits for every receipt to succeed. A tx is `{ deploy: name, args }` or `{ to, name, fn, args }`.
async function sendBatch(account, txs) {
  const wallet = l1Wallet(account);
  let nonce = await l1.getTransactionCount({ address: account.address, blockTag: 'pending' });
  const hashes = [];
  for (const tx of txs) {
    const data = tx.deploy
      ? encodeDeployData({ abi: abiOf(tx.deploy), bytecode: artifact(tx.deploy).bytecode, args: tx.args })
      : encodeFunctionData({ abi: abiOf(tx.name), functionName: tx.fn, args: tx.args });
    hashes.push(await wallet.sendTransaction({ to: tx.to, data, value: tx.value ?? 0n, gas: tx.gas ?? 6_000_000n, nonce: nonce++ }));
  }
  const receipts = [];
  for (const hash of hashes) receipts.push(await receiptOf(l1, hash, 30_000));
  receipts.forEach((r, i) => assert.equal(r.status, 'success', `batched tx ${i} (${txs[i].deploy ?? txs[i].fn})`));
  return receipts;
}

/// Deploys RollupCore, L2OutputOracle and OptimismPortal (the deployer's order) and enables both
/// facades on the core, in one L1 block: the addresses follow from OWNER's nonces.
async function deployRollup({ chainId, window, gasToken = zeroAddress, decimals = 18, l2Genesis }) {
  const nonce = await l1.getTransactionCount({ address: OWNER.address, blockTag: 'pending' });
  const at = (n) => getContractAddress({ from: OWNER.address, nonce: BigInt(n) });
  const [core, oracle, portal] = [at(nonce), at(nonce + 1), at(nonce + 2)];
  await sendBatch(OWNER, [
    { deploy: 'RollupCore', args: [BigInt(chainId), OWNER.address, PROPOSER.address, window, gasToken, decimals] },
    { deploy: 'L2OutputOracle', args: [core, 1n, 1n, 0n, l2Genesis] },
    { deploy: 'OptimismPortal', args: [core, oracle] },
    { to: core, name: 'RollupCore', fn: 'setEntryPoint', args: [oracle, true], gas: 100_000n },
    { to: core, name: 'RollupCore', fn: 'setEntryPoint', args: [portal, true], gas: 100_000n },
  ]);
  const rollup = { core, oracle, portal };
  rollup.chain = targetChainOf(rollup, chainId);
  return rollup;
}

/// The name, arguments and reason of the revert behind a viem error, decoding custom errors of
/// any contract involved (the revert data may come from the core or the token).
function revertOf(error) {
  const reverted = error instanceof BaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : null;
  if (reverted?.data) return { name: reverted.data.errorName, args: reverted.data.args, reason: reverted.reason };
  if (reverted?.reason) return { name: 'Error', args: [reverted.reason], reason: reverted.reason };
  const raw = reverted?.raw ?? (error instanceof BaseError ? error.walk((e) => typeof e?.data === 'string')?.data : undefined);
  if (typeof raw === 'string' && raw.startsWith('0x') && raw.length >= 10) {
    const decoded = decodeErrorResult({ abi: ERRORS, data: raw });
    return { name: decoded.errorName, args: decoded.args };
  }
  const match = /reverted with the following reason:\s*\n(.*)\n/.exec(error.message) ?? /execution reverted: (.*)/.exec(error.message);
  if (match) return { name: 'Error', args: [match[1].trim()], reason: match[1].trim() };
  throw error;
}

/// Asserts that `promise` rejects with revert `expected` (a custom error name, or a reason string
/// for `Error(string)`; or a list of them, any of which will do), and with `args` when given.
async function assertReverts(promise, expected, args) {
  let error;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  assert.ok(error, `expected a revert with ${expected}, but it went through`);
  const revert = revertOf(error);
  const allowed = [expected].flat();
  const got = revert.name === 'Error' ? (revert.reason ?? revert.args[0]) : revert.name;
  assert.ok(allowed.includes(got), `expected a revert with ${allowed.join(' or ')}, got ${got} (${error.shortMessage})`);
  if (args) assert.deepEqual(revert.args, args);
}

/// A refused call: simulated, it reverts with `expected`; sent anyway with a fixed gas limit, it
/// is mined and reverted. Returns the reverted receipt.
async function refused(account, { address, name, functionName, args = [], value }, expected, expectedArgs) {
  const abi = withErrors(name);
  await assertReverts(l1.simulateContract({ account, address, abi, functionName, args, value }), expected, expectedArgs);
  const hash = await l1Wallet(account).writeContract({ address, abi, functionName, args, value, gas: REVERT_GAS });
  const receipt = await receiptOf(l1, hash, 30_000);
  assert.equal(receipt.status, 'reverted', `${name}.${functionName} is refused on chain too`);
  return receipt;
}

/// Everything a refusal must leave as it was: ETH and token balances of the given accounts and
/// contracts, and the rollup's queue, outputs and withdrawal records.
async function snapshot(rollup, addresses, withdrawalHashes = []) {
  const state = { eth: {}, tok: {} };
  for (const a of [rollup.core, rollup.portal, rollup.oracle, ...addresses].filter(Boolean)) {
    state.eth[a] = await ethBalance(a);
    state.tok[a] = await tokenBalance(a);
  }
  state.deposits = await read(rollup.core, 'RollupCore', 'depositCount');
  state.commitments = await read(rollup.core, 'RollupCore', 'commitmentCount');
  state.withdrawals = {};
  for (const h of withdrawalHashes) {
    state.withdrawals[h] = {
      paid: await read(rollup.core, 'RollupCore', 'withdrawalFinalized', [h]),
      finalized: rollup.portal ? await read(rollup.portal, 'OptimismPortal', 'finalizedWithdrawals', [h]) : undefined,
      proven: rollup.portal ? await read(rollup.portal, 'OptimismPortal', 'provenWithdrawals', [h]) : undefined,
    };
  }
  return state;
}

/// Asserts that nothing in `before` changed, except the ETH the `payers` paid for the gas of the
/// reverted `receipts` (exactly gasUsed * effectiveGasPrice each).
async function assertNothingMoved(rollup, before, payers = {}) {
  const addresses = Object.keys(before.eth).filter((a) => ![rollup.core, rollup.portal, rollup.oracle].includes(a));
  const now = await snapshot(rollup, addresses, Object.keys(before.withdrawals));
  for (const a of Object.keys(before.eth)) {
    const fees = (payers[a] ?? []).reduce((sum, r) => sum + r.gasUsed * r.effectiveGasPrice, 0n);
    assert.equal(now.eth[a], before.eth[a] - fees, `ETH of ${a}`);
    assert.equal(now.tok[a], before.tok[a], `tokens of ${a}`);
  }
  assert.equal(now.deposits, before.deposits, 'deposit queue');
  assert.equal(now.commitments, before.commitments, 'outputs');
  assert.deepEqual(now.withdrawals, before.withdrawals, 'withdrawal records');
}

/// Starts a withdrawal on L2 through viem and returns its receipt and viem's withdrawal record.
async function initiate(account, request) {
  const hash = await l2Wallet(account).initiateWithdrawal({ request: { gas: 100_000n, data: '0x', ...request } });
  const receipt = await receiptOf(l2Pub, hash);
  assert.equal(receipt.status, 'success');
  const [withdrawal] = getWithdrawals(receipt);
  assert.ok(withdrawal, 'the receipt holds a MessagePassed log');
  return { receipt, withdrawal };
}

/// Proposes the output root tephra reports for L2 block `l2BlockNumber`, from the proposer,
/// bound to the parent of the latest L1 block (as with anvil, a call or estimate at `latest` runs
/// at the latest block's number, where BLOCKHASH of that block itself is still zero). Returns
/// tephra's output.
async function propose(rollup, l2BlockNumber) {
  const response = await rawRpc(l2Node.url, 'optimism_outputAtBlock', [numberToHex(l2BlockNumber)]);
  assert.ok(response.result, JSON.stringify(response));
  const output = response.result;
  const l1Block = await l1.getBlock({ blockNumber: (await l1.getBlockNumber()) - 1n });
  const receipt = await write(PROPOSER, rollup.oracle, 'L2OutputOracle', 'proposeL2Output', [
    output.outputRoot,
    l2BlockNumber,
    l1Block.hash,
    l1Block.number,
  ]);
  const [proposed] = receipt.logs
    .filter((l) => l.address.toLowerCase() === rollup.oracle.toLowerCase())
    .map((l) => decodeEventLog({ abi: abiOf('L2OutputOracle'), ...l }));
  assert.equal(proposed.eventName, 'OutputProposed');
  assert.equal(proposed.args.outputRoot, output.outputRoot);
  assert.equal(proposed.args.l2BlockNumber, l2BlockNumber);
  return output;
}

/// viem's prove arguments for `withdrawal` against the output covering its L2 block.
async function proveArgs(rollup, receipt, withdrawal) {
  const output = await l1.getL2Output({ l2BlockNumber: receipt.blockNumber, targetChain: rollup.chain });
  return l2For(rollup).buildProveWithdrawal({ output, withdrawal });
}

const statusOf = (rollup, receipt) => l1.getWithdrawalStatus({ receipt, targetChain: rollup.chain });

async function waitForStatus(rollup, receipt, wanted, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await statusOf(rollup, receipt);
    if (status === wanted) return;
    if (Date.now() > deadline) throw new Error(`withdrawal status still ${status}, wanted ${wanted}`);
    await sleep(250);
  }
}

/// Waits until viem reports the withdrawal ready to finalize (it compares the proof's L1
/// timestamp with the wall clock) and the latest L1 block is past the window too (calls and gas
/// estimates run at the latest block's timestamp, as on geth and anvil).
async function waitMatured(rollup, receipt, withdrawal) {
  await waitForStatus(rollup, receipt, 'ready-to-finalize');
  const [, provenAt] = await read(rollup.portal, 'OptimismPortal', 'provenWithdrawals', [withdrawal.withdrawalHash]);
  const window = await read(rollup.core, 'RollupCore', 'challengeWindow');
  const deadline = Date.now() + 10_000;
  while ((await l1.getBlock()).timestamp < provenAt + window) {
    if (Date.now() > deadline) throw new Error('the L1 does not reach the end of the window');
    await sleep(100);
  }
}

/// Initiates, proposes and proves a withdrawal of `value` to `to`, and waits until it can be
/// finalized.
async function provenAndMatured(rollup, account, to, value, data = '0x') {
  const { receipt, withdrawal } = await initiate(account, { to, value, data });
  await propose(rollup, receipt.blockNumber);
  const args = await proveArgs(rollup, receipt, withdrawal);
  const proof = await receiptOf(l1, await l1Wallet(account).proveWithdrawal(args), 30_000);
  assert.equal(proof.status, 'success');
  await waitMatured(rollup, receipt, withdrawal);
  return { receipt, withdrawal };
}

const freshAddress = () => privateKeyToAccount(generatePrivateKey()).address;

before(async () => {
  [l1Node, l2Node] = await Promise.all([
    startNode({ kind: 'tephra', blockTime: 1, tephraArgs: ['--chain-id', String(L1_CHAIN_ID)] }),
    startNode({ kind: 'tephra', tephraArgs: ['--framework', 'op-stack', '--chain-id', String(L2_CHAIN_ID)] }),
  ]);
  const l1Chain = defineChain({
    id: L1_CHAIN_ID,
    name: 'tephra L1',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [l1Node.url] } },
  });
  // The L1 has no Multicall3 (viem's getTimeToFinalize batches two reads through it): viem's
  // deployless multicall runs it as a creation call instead.
  l1 = createPublicClient({
    chain: l1Chain,
    transport: http(l1Node.url),
    batch: { multicall: { deployless: true } },
    pollingInterval: 50,
    cacheTime: 0,
  }).extend(publicActionsL1());
  l1Wallets = new Map();
  l2Wallets = new Map();
  const l2Genesis = (
    await createPublicClient({ transport: http(l2Node.url) }).getBlock({ blockNumber: 0n })
  ).timestamp;

  // Shared pieces: the registry, the 6-decimal gas token, a forwarding contract.
  const nonce = await l1.getTransactionCount({ address: FUNDER.address, blockTag: 'pending' });
  registry = getContractAddress({ from: FUNDER.address, nonce: BigInt(nonce) });
  token = getContractAddress({ from: FUNDER.address, nonce: BigInt(nonce + 1) });
  forwarder = getContractAddress({ from: FUNDER.address, nonce: BigInt(nonce + 2) });
  await sendBatch(FUNDER, [
    { deploy: 'RollupRegistry', args: [OWNER.address] },
    { deploy: 'TestTokenDecimals', args: ['USD Coin', 'USDC', TOKEN_DECIMALS, 10n ** 15n] },
    { deploy: 'Forwarder', args: [] },
    { to: token, name: 'TestTokenDecimals', fn: 'transfer', args: [USER.address, 10n ** 12n], gas: 100_000n },
  ]);

  rollups.eth = await deployRollup({ chainId: L2_CHAIN_ID, window: WINDOW, l2Genesis });
  rollups.slow = await deployRollup({ chainId: L2_CHAIN_ID, window: LONG_WINDOW, l2Genesis });
  rollups.tok = await deployRollup({ chainId: TOKEN_CHAIN_ID, window: WINDOW, gasToken: token, decimals: TOKEN_DECIMALS, l2Genesis });
  l2Pub = l2For(rollups.eth);

  // The bare core: ENTRY (an EOA) is its only entry point; it holds some of the gas token.
  const bareNonce = await l1.getTransactionCount({ address: OWNER.address, blockTag: 'pending' });
  const bare = getContractAddress({ from: OWNER.address, nonce: BigInt(bareNonce) });
  await sendBatch(OWNER, [
    { deploy: 'RollupCore', args: [BigInt(BARE_CHAIN_ID), OWNER.address, PROPOSER.address, WINDOW, token, TOKEN_DECIMALS] },
    { to: bare, name: 'RollupCore', fn: 'setEntryPoint', args: [ENTRY.address, true], gas: 100_000n },
  ]);
  rollups.bare = { core: bare };
  await write(FUNDER, token, 'TestTokenDecimals', 'transfer', [bare, 10n ** 9n]);

  // Registered in the deployer's last step; the `slow` deployment stays unregistered.
  await sendBatch(OWNER, [
    { to: registry, name: 'RollupRegistry', fn: 'register', args: [BigInt(L2_CHAIN_ID), rollups.eth.core, 'op-stack'], gas: 200_000n },
    { to: registry, name: 'RollupRegistry', fn: 'register', args: [BigInt(TOKEN_CHAIN_ID), rollups.tok.core, 'op-stack'], gas: 200_000n },
  ]);

  // Custody for the withdrawals: deposits into the ETH rollups' cores.
  for (const rollup of [rollups.eth, rollups.slow]) {
    await write(FUNDER, rollup.portal, 'OptimismPortal', 'depositTransaction', [FUNDER.address, 0n, 100_000n, false, '0x'], {
      value: parseEther('1'),
    });
  }
});

after(async () => {
  await Promise.all([l1Node?.stop(), l2Node?.stop()]);
});

test('the contracts are wired as the deployer leaves them: core config, facades, registry', async () => {
  const { eth, tok } = rollups;
  assert.equal(await read(eth.core, 'RollupCore', 'l2ChainId'), BigInt(L2_CHAIN_ID));
  assert.equal(await read(eth.core, 'RollupCore', 'owner'), OWNER.address);
  assert.equal(await read(eth.core, 'RollupCore', 'proposer'), PROPOSER.address);
  assert.equal(await read(eth.core, 'RollupCore', 'challengeWindow'), WINDOW);
  assert.equal(await read(eth.core, 'RollupCore', 'gasToken'), zeroAddress);
  assert.equal(await read(eth.core, 'RollupCore', 'gasTokenDecimals'), 18);
  assert.equal(await read(eth.core, 'RollupCore', 'isEntryPoint', [eth.portal]), true);
  assert.equal(await read(eth.core, 'RollupCore', 'isEntryPoint', [eth.oracle]), true);
  assert.equal(await read(eth.core, 'RollupCore', 'isEntryPoint', [STRANGER.address]), false);
  assert.equal(await read(tok.core, 'RollupCore', 'gasToken'), token);
  assert.equal(await read(tok.core, 'RollupCore', 'gasTokenDecimals'), TOKEN_DECIMALS);
  assert.equal(await read(tok.portal, 'OptimismPortal', 'gasToken'), token);

  assert.equal(await read(eth.portal, 'OptimismPortal', 'version'), '2.8.1');
  assert.deepEqual(await l1.getPortalVersion({ targetChain: eth.chain }), { major: 2, minor: 8, patch: 1 });
  assert.equal(await read(eth.portal, 'OptimismPortal', 'l2Oracle'), eth.oracle);
  assert.equal(await read(eth.portal, 'OptimismPortal', 'core'), eth.core);
  assert.equal(await read(eth.portal, 'OptimismPortal', 'l2Sender'), DEFAULT_L2_SENDER);
  assert.equal(await read(eth.oracle, 'L2OutputOracle', 'PROPOSER'), PROPOSER.address);
  assert.equal(await read(eth.oracle, 'L2OutputOracle', 'proposer'), PROPOSER.address);
  assert.equal(await read(eth.oracle, 'L2OutputOracle', 'FINALIZATION_PERIOD_SECONDS'), WINDOW);
  assert.equal(await read(eth.oracle, 'L2OutputOracle', 'finalizationPeriodSeconds'), WINDOW);
  assert.equal(await read(eth.oracle, 'L2OutputOracle', 'SUBMISSION_INTERVAL'), 1n);
  assert.equal(await read(eth.oracle, 'L2OutputOracle', 'L2_BLOCK_TIME'), 1n);

  assert.equal(await read(registry, 'RollupRegistry', 'rollupCount'), 2n);
  assert.equal(await read(registry, 'RollupRegistry', 'chainIdAt', [0n]), BigInt(L2_CHAIN_ID));
  assert.equal(await read(registry, 'RollupRegistry', 'coreOf', [BigInt(L2_CHAIN_ID)]), eth.core);
  assert.equal(await read(registry, 'RollupRegistry', 'frameworkOf', [BigInt(TOKEN_CHAIN_ID)]), 'op-stack');
  assert.deepEqual(await read(registry, 'RollupRegistry', 'rollup', [BigInt(TOKEN_CHAIN_ID)]), {
    core: tok.core,
    framework: 'op-stack',
  });
  assert.equal(await read(registry, 'RollupRegistry', 'isRegistered', [BigInt(BARE_CHAIN_ID)]), false);
  await assertReverts(read(registry, 'RollupRegistry', 'coreOf', [12345n]), 'UnknownChainId', [12345n]);
});

test('refused: registering a chain id that is taken, or a core of another chain id', async () => {
  const call = (args, account = OWNER) => ({ address: registry, name: 'RollupRegistry', functionName: 'register', args, account });
  const before = await read(registry, 'RollupRegistry', 'rollupCount');
  // `slow` settles chain 901 too: 901 is taken by `eth`.
  const taken = call([BigInt(L2_CHAIN_ID), rollups.slow.core, 'op-stack']);
  await refused(OWNER, taken, 'ChainIdTaken', [BigInt(L2_CHAIN_ID)]);
  await refused(OWNER, call([999n, rollups.slow.core, 'op-stack']), 'ChainIdMismatch', [999n, BigInt(L2_CHAIN_ID)]);
  await refused(STRANGER, call([BigInt(BARE_CHAIN_ID), rollups.bare.core, 'op-stack']), 'OwnableUnauthorizedAccount', [
    STRANGER.address,
  ]);
  assert.equal(await read(registry, 'RollupRegistry', 'rollupCount'), before);
  assert.equal(await read(registry, 'RollupRegistry', 'coreOf', [BigInt(L2_CHAIN_ID)]), rollups.eth.core);
});

test("an ETH deposit through viem: bedrock's event layout, the ETH in the core, the digest queued", async () => {
  const { eth } = rollups;
  const mint = parseEther('0.25');
  const value = parseEther('0.125');
  const data = '0xdeadbeef01';
  const to = freshAddress();
  const coreBefore = await ethBalance(eth.core);
  const queued = await read(eth.core, 'RollupCore', 'depositCount');

  const hash = await l1Wallet(USER).depositTransaction({
    request: { gas: 150_000n, mint, value, to, data },
    targetChain: eth.chain,
  });
  const receipt = await receiptOf(l1, hash, 30_000);
  assert.equal(receipt.status, 'success');

  const logs = receipt.logs.filter((l) => l.address.toLowerCase() === eth.portal.toLowerCase());
  assert.equal(logs.length, 1);
  const event = decodeEventLog({ abi: abiOf('OptimismPortal'), ...logs[0] });
  assert.equal(event.eventName, 'TransactionDeposited');
  assert.equal(event.args.from, USER.address, 'an EOA is not aliased');
  assert.equal(event.args.to, to);
  assert.equal(event.args.version, 0n);
  // abi.encodePacked(uint256 mint, uint256 value, uint64 gasLimit, bool isCreation, bytes data)
  const opaque = event.args.opaqueData;
  assert.equal(size(opaque), 32 + 32 + 8 + 1 + size(data));
  assert.equal(BigInt(slice(opaque, 0, 32)), mint);
  assert.equal(BigInt(slice(opaque, 32, 64)), value);
  assert.equal(BigInt(slice(opaque, 64, 72)), 150_000n);
  assert.equal(slice(opaque, 72, 73), '0x00', 'not a creation');
  assert.equal(slice(opaque, 73), data);
  assert.deepEqual(opaqueDataToDepositData(opaque), { mint, value, gas: 150_000n, isCreation: false, data });

  assert.equal(await ethBalance(eth.core), coreBefore + mint, 'the core holds the minted ETH');
  assert.equal(await ethBalance(eth.portal), 0n, 'the portal holds nothing');
  assert.equal(await read(eth.core, 'RollupCore', 'depositCount'), queued + 1n);
  const digest = keccak256(
    encodeAbiParameters([{ type: 'address' }, { type: 'address' }, { type: 'uint256' }, { type: 'bytes' }], [USER.address, to, 0n, opaque]),
  );
  assert.equal(await read(eth.core, 'RollupCore', 'depositDigest', [queued]), digest);
  const coreLog = receipt.logs.find((l) => l.address.toLowerCase() === eth.core.toLowerCase());
  const queuedEvent = decodeEventLog({ abi: abiOf('RollupCore'), ...coreLog });
  assert.equal(queuedEvent.eventName, 'DepositQueued');
  assert.deepEqual(queuedEvent.args, { index: queued, entryPoint: eth.portal, digest });
});

test('a deposit from a contract carries the L1-to-L2 alias of its address as the sender', async () => {
  const { eth } = rollups;
  const to = freshAddress();
  const call = encodeFunctionData({
    abi: abiOf('OptimismPortal'),
    functionName: 'depositTransaction',
    args: [to, 7n, 100_000n, false, '0x'],
  });
  const receipt = await write(USER, forwarder, 'Forwarder', 'forward', [eth.portal, call], { value: 7n });
  const log = receipt.logs.find((l) => l.address.toLowerCase() === eth.portal.toLowerCase());
  const event = decodeEventLog({ abi: abiOf('OptimismPortal'), ...log });
  const alias = `0x${((BigInt(forwarder) + 0x1111000000000000000000000000000000001111n) % 2n ** 160n).toString(16).padStart(40, '0')}`;
  assert.equal(event.args.from.toLowerCase(), alias);
  assert.equal(BigInt(slice(event.args.opaqueData, 0, 32)), 7n);
});

test('a withdrawal through viem: proven against the proposed output root, finalized after the window, paid exactly', async () => {
  const { eth } = rollups;
  const to = freshAddress();
  const value = parseEther('0.0123');
  const { receipt, withdrawal } = await initiate(USER, { to, value });
  assert.equal(await statusOf(eth, receipt), 'waiting-to-prove');

  const output = await propose(eth, receipt.blockNumber);
  assert.equal(await statusOf(eth, receipt), 'ready-to-prove');
  const l2Output = await l1.getL2Output({ l2BlockNumber: receipt.blockNumber, targetChain: eth.chain });
  assert.equal(l2Output.outputRoot, output.outputRoot);
  assert.equal(l2Output.l2BlockNumber, receipt.blockNumber);

  const args = await proveArgs(eth, receipt, withdrawal);
  // The preimage viem builds from the L2 block is the output root tephra reported.
  const { version, stateRoot, messagePasserStorageRoot, latestBlockhash } = args.outputRootProof;
  assert.equal(keccak256(concat([version, stateRoot, messagePasserStorageRoot, latestBlockhash])), output.outputRoot);
  const proof = await receiptOf(l1, await l1Wallet(USER).proveWithdrawal(args), 30_000);
  assert.equal(proof.status, 'success');
  const proven = decodeEventLog({ abi: abiOf('OptimismPortal'), ...proof.logs[0] });
  assert.equal(proven.eventName, 'WithdrawalProven');
  assert.deepEqual(proven.args, { withdrawalHash: withdrawal.withdrawalHash, from: USER.address, to });
  const [provenRoot, provenAt, provenIndex] = await read(eth.portal, 'OptimismPortal', 'provenWithdrawals', [withdrawal.withdrawalHash]);
  assert.equal(provenRoot, output.outputRoot);
  assert.equal(provenIndex, l2Output.outputIndex);
  assert.ok(provenAt > 0n);
  assert.equal(await statusOf(eth, receipt), 'waiting-to-finalize');

  await waitMatured(eth, receipt, withdrawal);
  assert.equal(await statusOf(eth, receipt), 'ready-to-finalize');
  const coreBefore = await ethBalance(eth.core);
  const userBefore = await ethBalance(USER.address);
  assert.equal(await ethBalance(to), 0n);
  const finalized = await receiptOf(l1, await l1Wallet(USER).finalizeWithdrawal({ targetChain: eth.chain, withdrawal }), 30_000);
  assert.equal(finalized.status, 'success');

  assert.equal(await ethBalance(to), value, 'the target got exactly the value');
  assert.equal(await ethBalance(eth.core), coreBefore - value, 'out of the core custody');
  assert.equal(await ethBalance(eth.portal), 0n, 'nothing stays in the portal');
  assert.equal(await ethBalance(USER.address), userBefore - finalized.gasUsed * finalized.effectiveGasPrice);
  const events = finalized.logs.map((l) =>
    decodeEventLog({ abi: l.address.toLowerCase() === eth.core.toLowerCase() ? abiOf('RollupCore') : abiOf('OptimismPortal'), ...l }),
  );
  assert.deepEqual(
    events.map((e) => [e.eventName, e.args]),
    [
      ['WithdrawalFinalized', { withdrawalId: withdrawal.withdrawalHash, token: zeroAddress, to: eth.portal, amount: value }],
      ['WithdrawalFinalized', { withdrawalHash: withdrawal.withdrawalHash, success: true }],
    ],
  );
  assert.equal(await statusOf(eth, receipt), 'finalized');
  assert.equal(await read(eth.core, 'RollupCore', 'withdrawalFinalized', [withdrawal.withdrawalHash]), true);
  assert.equal(await read(eth.portal, 'OptimismPortal', 'finalizedWithdrawals', [withdrawal.withdrawalHash]), true);
  assert.equal(await read(eth.portal, 'OptimismPortal', 'l2Sender'), DEFAULT_L2_SENDER);
});

test("a withdrawal whose L1 call fails is finalized as failed, and its ETH goes back into the core's custody", async () => {
  const { eth } = rollups;
  const nonce = await l1.getTransactionCount({ address: FUNDER.address, blockTag: 'pending' });
  const reverter = getContractAddress({ from: FUNDER.address, nonce: BigInt(nonce) });
  await sendBatch(FUNDER, [{ deploy: 'Reverter', args: [] }]);
  const value = parseEther('0.002');
  // `store` is not payable: the call with value reverts.
  const data = encodeFunctionData({ abi: abiOf('Reverter'), functionName: 'store', args: [5n] });
  const { receipt, withdrawal } = await provenAndMatured(eth, USER, reverter, value, data);
  const coreBefore = await ethBalance(eth.core);

  const finalized = await receiptOf(l1, await l1Wallet(USER).finalizeWithdrawal({ targetChain: eth.chain, withdrawal }), 30_000);
  assert.equal(finalized.status, 'success');
  const portalLog = finalized.logs.find((l) => l.address.toLowerCase() === eth.portal.toLowerCase());
  const event = decodeEventLog({ abi: abiOf('OptimismPortal'), ...portalLog });
  assert.deepEqual([event.eventName, event.args], ['WithdrawalFinalized', { withdrawalHash: withdrawal.withdrawalHash, success: false }]);
  assert.equal(await ethBalance(eth.core), coreBefore, 'paid out, then returned');
  assert.equal(await ethBalance(reverter), 0n);
  assert.equal(await ethBalance(eth.portal), 0n);
  assert.equal(await read(reverter, 'Reverter', 'stored'), 0n);
  assert.equal(await read(eth.core, 'RollupCore', 'withdrawalFinalized', [withdrawal.withdrawalHash]), true);
  assert.equal(await statusOf(eth, receipt), 'finalized', 'like bedrock, a failed call is not replayable');
});

test('refused: a forged withdrawal proof (a withdrawal never sent, a wrong output root preimage, no such output)', async () => {
  const { eth } = rollups;
  const to = freshAddress();
  const { receipt, withdrawal } = await initiate(USER, { to, value: 10n ** 15n });
  await propose(eth, receipt.blockNumber);
  const args = await proveArgs(eth, receipt, withdrawal);

  // Same proof, but for a withdrawal of 1000x the value, which the L2 never recorded.
  const inflated = { ...withdrawal, value: withdrawal.value * 1000n };
  const { withdrawalHash: _real, ...inflatedTx } = inflated;
  const forgedHash = keccak256(
    encodeAbiParameters(
      [{ type: 'uint256' }, { type: 'address' }, { type: 'address' }, { type: 'uint256' }, { type: 'uint256' }, { type: 'bytes' }],
      [inflatedTx.nonce, inflatedTx.sender, inflatedTx.target, inflatedTx.value, inflatedTx.gasLimit, inflatedTx.data],
    ),
  );
  const before = await snapshot(eth, [USER.address, to], [withdrawal.withdrawalHash, forgedHash]);
  const forgedArgs = { ...args, withdrawal: { ...inflatedTx, withdrawalHash: forgedHash } };
  // The proof's nodes do not lead to the forged hash's slot. Bedrock's MerkleTrie stops at the
  // first node whose hash is not the one the path expects or, when the forged slot's path
  // starts down the same branch as the real one (1 time in 16 or so), at the leaf whose path
  // is not the forged slot's.
  await assertReverts(l1Wallet(USER).proveWithdrawal(forgedArgs), [
    'MerkleTrie: invalid large internal hash',
    'MerkleTrie: path remainder must share all nibbles with key',
  ]);
  const r1 = await receiptOf(l1, await l1Wallet(USER).proveWithdrawal({ ...forgedArgs, gas: REVERT_GAS }), 30_000);
  assert.equal(r1.status, 'reverted');

  // The real withdrawal, with a state root that is not the one the output root commits to.
  const badRoot = { ...args, outputRootProof: { ...args.outputRootProof, stateRoot: keccak256('0x01') } };
  await assertReverts(l1Wallet(USER).proveWithdrawal(badRoot), 'OptimismPortal: invalid output root proof');
  const r2 = await receiptOf(l1, await l1Wallet(USER).proveWithdrawal({ ...badRoot, gas: REVERT_GAS }), 30_000);
  assert.equal(r2.status, 'reverted');

  // The real proof against an output index that does not exist.
  const count = await read(eth.core, 'RollupCore', 'commitmentCount');
  const r3 = await refused(
    USER,
    {
      address: eth.portal,
      name: 'OptimismPortal',
      functionName: 'proveWithdrawalTransaction',
      args: [withdrawal, count, args.outputRootProof, args.withdrawalProof],
    },
    'UnknownCommitment',
    [count],
  );

  await assertNothingMoved(eth, before, { [USER.address]: [r1, r2, r3] });
  assert.equal(await statusOf(eth, receipt), 'ready-to-prove', 'the real withdrawal is still unproven');
});

test('refused: proving a withdrawal whose target is the core (the portal would call it with its rights)', async () => {
  const { eth } = rollups;
  // E.g. calldata for core.finalizeWithdrawal paying the portal from custody.
  const data = encodeFunctionData({
    abi: abiOf('RollupCore'),
    functionName: 'finalizeWithdrawal',
    args: [keccak256('0xbad0'), 0n, zeroAddress, parseEther('1')],
  });
  const { receipt, withdrawal } = await initiate(USER, { to: eth.core, value: 0n, data });
  await propose(eth, receipt.blockNumber);
  const args = await proveArgs(eth, receipt, withdrawal);
  const before = await snapshot(eth, [USER.address], [withdrawal.withdrawalHash]);
  const r = await refused(
    USER,
    {
      address: eth.portal,
      name: 'OptimismPortal',
      functionName: 'proveWithdrawalTransaction',
      args: [withdrawal, args.l2OutputIndex, args.outputRootProof, args.withdrawalProof],
    },
    'BadTarget',
  );
  await assertNothingMoved(eth, before, { [USER.address]: [r] });
});

test('refused: a second finalization of the same withdrawal', async () => {
  const { eth } = rollups;
  const to = freshAddress();
  const value = 10n ** 15n;
  const { withdrawal } = await provenAndMatured(eth, USER, to, value);
  const ok = await receiptOf(l1, await l1Wallet(USER).finalizeWithdrawal({ targetChain: eth.chain, withdrawal }), 30_000);
  assert.equal(ok.status, 'success');
  assert.equal(await ethBalance(to), value);

  const before = await snapshot(eth, [USER.address, to], [withdrawal.withdrawalHash]);
  await assertReverts(
    l1Wallet(USER).finalizeWithdrawal({ targetChain: eth.chain, withdrawal }),
    'OptimismPortal: withdrawal has already been finalized',
  );
  const again = await receiptOf(
    l1,
    await l1Wallet(USER).finalizeWithdrawal({ targetChain: eth.chain, withdrawal, gas: REVERT_GAS }),
    30_000,
  );
  assert.equal(again.status, 'reverted');
  await assertNothingMoved(eth, before, { [USER.address]: [again] });
  assert.equal(await ethBalance(to), value, 'paid once');
});

test('refused: finalizing before the challenge window has passed', async () => {
  // `slow` settles the same L2 with an hour-long window, so "too early" does not depend on timing.
  const { slow } = rollups;
  const to = freshAddress();
  const { receipt, withdrawal } = await initiate(USER, { to, value: 10n ** 15n });
  await propose(slow, receipt.blockNumber);
  const args = await proveArgs(slow, receipt, withdrawal);
  const proof = await receiptOf(l1, await l1Wallet(USER).proveWithdrawal(args), 30_000);
  assert.equal(proof.status, 'success');
  assert.equal(await statusOf(slow, receipt), 'waiting-to-finalize');
  const { outputIndex } = await l1.getL2Output({ l2BlockNumber: receipt.blockNumber, targetChain: slow.chain });
  assert.equal(await read(slow.portal, 'OptimismPortal', 'isOutputFinalized', [outputIndex]), false);
  assert.equal(await read(slow.core, 'RollupCore', 'isFinalized', [outputIndex]), false);

  const before = await snapshot(slow, [USER.address, to], [withdrawal.withdrawalHash]);
  await assertReverts(
    l1Wallet(USER).finalizeWithdrawal({ targetChain: slow.chain, withdrawal }),
    'OptimismPortal: proven withdrawal finalization period has not elapsed',
  );
  const early = await receiptOf(
    l1,
    await l1Wallet(USER).finalizeWithdrawal({ targetChain: slow.chain, withdrawal, gas: REVERT_GAS }),
    30_000,
  );
  assert.equal(early.status, 'reverted');
  await assertNothingMoved(slow, before, { [USER.address]: [early] });
  assert.equal(await statusOf(slow, receipt), 'waiting-to-finalize');
});

test('refused: an output proposed by a key that is not the proposer', async () => {
  const { eth } = rollups;
  const l2Block = await l2Pub.getBlockNumber();
  const { outputRoot } = (await rawRpc(l2Node.url, 'optimism_outputAtBlock', [numberToHex(l2Block)])).result;
  const before = await snapshot(eth, [STRANGER.address]);
  const latest = await read(eth.oracle, 'L2OutputOracle', 'latestBlockNumber');
  assert.ok(l2Block > latest, 'the block would be in order');
  const r = await refused(
    STRANGER,
    { address: eth.oracle, name: 'L2OutputOracle', functionName: 'proposeL2Output', args: [outputRoot, l2Block, zeroHash, 0n] },
    'NotProposer',
    [STRANGER.address],
  );
  await assertNothingMoved(eth, before, { [STRANGER.address]: [r] });
  assert.equal(await read(eth.oracle, 'L2OutputOracle', 'latestBlockNumber'), latest);
});

test('refused: an output for an L2 block not above the latest output', async () => {
  const { eth } = rollups;
  const latest = await read(eth.oracle, 'L2OutputOracle', 'latestBlockNumber');
  assert.ok(latest > 0n, 'earlier tests proposed outputs');
  const { outputRoot } = (await rawRpc(l2Node.url, 'optimism_outputAtBlock', [numberToHex(latest)])).result;
  const before = await snapshot(eth, [PROPOSER.address]);
  const r = await refused(
    PROPOSER,
    { address: eth.oracle, name: 'L2OutputOracle', functionName: 'proposeL2Output', args: [outputRoot, latest, zeroHash, 0n] },
    'CommitmentOutOfOrder',
    [latest, latest],
  );
  await assertNothingMoved(eth, before, { [PROPOSER.address]: [r] });
});

test("refused: ETH sent to a custom-gas-token rollup's portal", async () => {
  const { tok } = rollups;
  const before = await snapshot(tok, [USER.address]);
  await assertReverts(
    l1Wallet(USER).depositTransaction({ request: { gas: 100_000n, mint: parseEther('1'), to: USER.address }, targetChain: tok.chain }),
    'EthNotAccepted',
  );
  const r1 = await refused(
    USER,
    {
      address: tok.portal,
      name: 'OptimismPortal',
      functionName: 'depositTransaction',
      args: [USER.address, parseEther('1'), 100_000n, false, '0x'],
      value: parseEther('1'),
    },
    'EthNotAccepted',
  );
  // Plain ETH to the portal is a deposit too (bedrock's receive): refused the same way.
  await assertReverts(l1.call({ account: USER, to: tok.portal, value: parseEther('1') }), 'EthNotAccepted');
  const h = await l1Wallet(USER).sendTransaction({ to: tok.portal, value: parseEther('1'), gas: REVERT_GAS });
  const r2 = await receiptOf(l1, h, 30_000);
  assert.equal(r2.status, 'reverted');
  await assertNothingMoved(tok, before, { [USER.address]: [r1, r2] });
  assert.equal(await ethBalance(tok.core), 0n);
  assert.equal(await ethBalance(tok.portal), 0n);
});

test('refused: a deposit asking more L2 gas than one L1 block may buy (it could stall the rollup)', async () => {
  const { eth } = rollups;
  const limit = await read(eth.portal, 'OptimismPortal', 'MAX_RESOURCE_LIMIT');
  assert.equal(limit, 20_000_000n);
  const before = await snapshot(eth, [USER.address]);
  const r = await refused(
    USER,
    {
      address: eth.portal,
      name: 'OptimismPortal',
      functionName: 'depositTransaction',
      args: [USER.address, parseEther('1'), limit + 1n, false, '0x'],
      value: parseEther('1'),
    },
    'DepositGasExhausted',
  );
  await assertNothingMoved(eth, before, { [USER.address]: [r] });
});

test('refused: a gas-token (ERC-20) deposit on an ETH rollup', async () => {
  const { eth } = rollups;
  const before = await snapshot(eth, [USER.address]);
  const r = await refused(
    USER,
    {
      address: eth.portal,
      name: 'OptimismPortal',
      functionName: 'depositERC20Transaction',
      args: [USER.address, 1000n, 1000n, 100_000n, false, '0x'],
    },
    'OnlyCustomGasToken',
  );
  await assertNothingMoved(eth, before, { [USER.address]: [r] });
});

test('a custom-gas-token deposit (6 decimals): refused without allowance, then minted at amount * 10^12 exactly', async () => {
  const { tok } = rollups;
  const amount = 1_234_567n; // 1.234567 USDC
  const gasLimit = 100_000n;
  const deposit = { address: tok.portal, name: 'OptimismPortal', functionName: 'depositERC20Transaction' };
  const args = [USER.address, amount, amount, gasLimit, false, '0x'];

  assert.equal(await read(token, 'TestTokenDecimals', 'allowance', [USER.address, tok.portal]), 0n);
  const before = await snapshot(tok, [USER.address]);
  const r = await refused(USER, { ...deposit, args }, 'ERC20InsufficientAllowance', [tok.portal, 0n, amount]);
  await assertNothingMoved(tok, before, { [USER.address]: [r] });

  await write(USER, token, 'TestTokenDecimals', 'approve', [tok.portal, amount]);
  const userTokens = await tokenBalance(USER.address);
  const coreTokens = await tokenBalance(tok.core);
  const queued = await read(tok.core, 'RollupCore', 'depositCount');
  const receipt = await write(USER, tok.portal, 'OptimismPortal', 'depositERC20Transaction', args);

  const log = receipt.logs.find((l) => l.address.toLowerCase() === tok.portal.toLowerCase());
  const event = decodeEventLog({ abi: abiOf('OptimismPortal'), ...log });
  assert.equal(event.eventName, 'TransactionDeposited');
  assert.equal(event.args.from, USER.address);
  assert.equal(event.args.to, USER.address);
  const decoded = opaqueDataToDepositData(event.args.opaqueData);
  assert.equal(decoded.mint, amount * 10n ** 12n, 'mint in 18-decimal L2 units, exactly');
  assert.equal(decoded.mint, await read(tok.core, 'RollupCore', 'toL2Amount', [amount]));
  assert.equal(decoded.value, amount * 10n ** 12n);
  assert.equal(decoded.gas, gasLimit);
  assert.equal(BigInt(slice(event.args.opaqueData, 0, 32)), 1_234_567_000_000_000_000n);

  assert.equal(await tokenBalance(USER.address), userTokens - amount);
  assert.equal(await tokenBalance(tok.core), coreTokens + amount, 'the core holds the tokens');
  assert.equal(await tokenBalance(tok.portal), 0n);
  assert.equal(await read(token, 'TestTokenDecimals', 'allowance', [USER.address, tok.portal]), 0n);
  assert.equal(await read(tok.core, 'RollupCore', 'depositCount'), queued + 1n);
});

test('the core refuses callers that are not entry points, and owner actions from anyone else', async () => {
  const { bare } = rollups;
  const core = (functionName, args) => ({ address: bare.core, name: 'RollupCore', functionName, args });
  const before = await snapshot(bare, [STRANGER.address]);
  const receipts = [
    await refused(STRANGER, core('enqueueDeposit', [keccak256('0x01')]), 'NotEntryPoint', [STRANGER.address]),
    await refused(STRANGER, core('propose', [PROPOSER.address, 1n, keccak256('0x01')]), 'NotEntryPoint', [STRANGER.address]),
    await refused(STRANGER, core('finalizeWithdrawal', [keccak256('0x01'), 0n, zeroAddress, 0n]), 'NotEntryPoint', [STRANGER.address]),
    await refused(STRANGER, core('setEntryPoint', [STRANGER.address, true]), 'NotOwner', [STRANGER.address]),
  ];
  await assertNothingMoved(bare, before, { [STRANGER.address]: receipts });
  assert.equal(await read(bare.core, 'RollupCore', 'isEntryPoint', [STRANGER.address]), false);
});

/// Proposes a commitment on the bare core (ENTRY is its entry point, PROPOSER the sender).
let bareBlock = 0n;
async function bareCommitment() {
  bareBlock += 10n;
  const root = keccak256(numberToHex(bareBlock));
  const receipt = await write(ENTRY, rollups.bare.core, 'RollupCore', 'propose', [PROPOSER.address, bareBlock, root]);
  const event = decodeEventLog({ abi: abiOf('RollupCore'), ...receipt.logs[0] });
  assert.equal(event.eventName, 'CommitmentProposed');
  return { index: event.args.index, timestamp: event.args.timestamp };
}

async function waitFinalized(core, index) {
  const deadline = Date.now() + 20_000;
  while (!(await read(core, 'RollupCore', 'isFinalized', [index]))) {
    if (Date.now() > deadline) throw new Error(`commitment ${index} not finalized in time`);
    await sleep(200);
  }
}

test('refused by the core: paying a withdrawal against a commitment still in its challenge window', async () => {
  const { bare } = rollups;
  const { index, timestamp } = await bareCommitment();
  const id = keccak256('0xa1');
  const before = await snapshot(bare, [ENTRY.address], [id]);
  const r = await refused(
    ENTRY,
    { address: bare.core, name: 'RollupCore', functionName: 'finalizeWithdrawal', args: [id, index, zeroAddress, 10n ** 12n] },
    'CommitmentNotFinalized',
    [index, timestamp + WINDOW],
  );
  await assertNothingMoved(bare, before, { [ENTRY.address]: [r] });
});

test('the core pays a gas-token withdrawal in exact L1 units, once; a replay is refused', async () => {
  const { bare } = rollups;
  const { index } = await bareCommitment();
  await waitFinalized(bare.core, index);
  const id = keccak256('0xa2');
  const entryTokens = await tokenBalance(ENTRY.address);
  const coreTokens = await tokenBalance(bare.core);
  // 3.5 tokens of 6 decimals, as an 18-decimal L2 amount.
  const l2Amount = 3_500_000n * 10n ** 12n;
  const receipt = await write(ENTRY, bare.core, 'RollupCore', 'finalizeWithdrawal', [id, index, zeroAddress, l2Amount]);
  const log = receipt.logs.find((l) => l.address.toLowerCase() === bare.core.toLowerCase());
  const event = decodeEventLog({ abi: abiOf('RollupCore'), ...log });
  assert.deepEqual(event.args, { withdrawalId: id, token, to: ENTRY.address, amount: 3_500_000n });
  assert.equal(await tokenBalance(ENTRY.address), entryTokens + 3_500_000n);
  assert.equal(await tokenBalance(bare.core), coreTokens - 3_500_000n);
  assert.equal(await read(bare.core, 'RollupCore', 'withdrawalFinalized', [id]), true);

  const before = await snapshot(bare, [ENTRY.address], [id]);
  const r = await refused(
    ENTRY,
    { address: bare.core, name: 'RollupCore', functionName: 'finalizeWithdrawal', args: [id, index, zeroAddress, l2Amount] },
    'WithdrawalAlreadyFinalized',
    [id],
  );
  await assertNothingMoved(bare, before, { [ENTRY.address]: [r] });
});

test('refused by the core: a gas-token amount with dust below one L1 unit', async () => {
  const { bare } = rollups;
  const dust = 10n ** 12n + 1n;
  assert.equal(await read(bare.core, 'RollupCore', 'toL1Amount', [5n * 10n ** 12n]), 5n);
  await assertReverts(read(bare.core, 'RollupCore', 'toL1Amount', [dust]), 'AmountNotRepresentable', [dust]);
  const { index } = await bareCommitment();
  await waitFinalized(bare.core, index);
  const id = keccak256('0xa3');
  const before = await snapshot(bare, [ENTRY.address], [id]);
  const r = await refused(
    ENTRY,
    { address: bare.core, name: 'RollupCore', functionName: 'finalizeWithdrawal', args: [id, index, zeroAddress, dust] },
    'AmountNotRepresentable',
    [dust],
  );
  await assertNothingMoved(bare, before, { [ENTRY.address]: [r] });
});

test('the core refuses a gas token with more than 18 decimals, or decimals its token contradicts', async () => {
  const deploy = (args) =>
    l1.call({ account: OWNER, data: encodeDeployData({ abi: abiOf('RollupCore'), bytecode: artifact('RollupCore').bytecode, args }) });
  const base = [BigInt(BARE_CHAIN_ID), OWNER.address, PROPOSER.address, WINDOW];
  await assertReverts(deploy([...base, token, 19]), 'InvalidGasTokenDecimals', [19]);
  await assertReverts(deploy([...base, token, 18]), 'InvalidGasTokenDecimals', [18]);
  await assertReverts(deploy([...base, zeroAddress, 6]), 'InvalidGasTokenDecimals', [6]);
  await assertReverts(deploy([...base, STRANGER.address, 6]), 'GasTokenNotContract', [STRANGER.address]);
  // The accepted configuration, for contrast.
  await deploy([...base, token, TOKEN_DECIMALS]);
});
