// The Metalayer example: a counter on one rollup incremented by a message from another.
//
//   cargo run --release --bin tephra -- up --datadir net      # in one terminal
//   node examples/metalayer/counter.mjs net/network.json      # in another
//
// Deploys CrossRollupCounter (contracts/src/examples) on the `op` and `nitro` rollups, calls
// `increment` on op (paying the Mailbox's quote for the interchain gas), and waits for the
// count on nitro to move: the relayer delivers the message once the guardians certified op's
// head, GuardianIsm checking the Merkle proofs under their BLS certificate.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPublicClient, createWalletClient, defineChain, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

const here = path.dirname(fileURLToPath(import.meta.url));
const counter = JSON.parse(readFileSync(path.join(here, '..', '..', 'contracts', 'artifacts', 'CrossRollupCounter.json'), 'utf8'));

function clients(rollup, account) {
  const chain = defineChain({
    id: rollup.chain_id,
    name: rollup.name,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rollup.rpc] } },
  });
  const transport = http(rollup.rpc);
  return {
    pub: createPublicClient({ chain, transport, pollingInterval: 25, cacheTime: 0 }),
    wallet: createWalletClient({ chain, transport, account, pollingInterval: 25 }),
  };
}

async function deployCounter(c, mailbox) {
  const hash = await c.wallet.deployContract({ abi: counter.abi, bytecode: counter.bytecode, args: [mailbox] });
  const receipt = await c.pub.waitForTransactionReceipt({ hash, pollingInterval: 25 });
  return receipt.contractAddress;
}

/// Runs the example on the network of `file` (network.json's contents); resolves with the
/// counter's address on the destination, the count reached, and the delivery time in ms.
export async function counterExample(file, { from = 'op', to = 'nitro', by = 1n, log = console.log } = {}) {
  if (!file.metalayer) throw new Error('this network runs no guardians ([metalayer] guardians = 0)');
  const rollup = (name) => file.rollups.find((r) => r.name === name) ?? (() => { throw new Error(`no rollup ${name}`); })();
  const account = privateKeyToAccount(file.accounts[0].private_key);
  const mailbox = file.metalayer.contracts.Mailbox;
  const [a, b] = [clients(rollup(from), account), clients(rollup(to), account)];
  const [onA, onB] = [await deployCounter(a, mailbox), await deployCounter(b, mailbox)];
  log(`CrossRollupCounter on ${from}: ${onA}, on ${to}: ${onB}`);
  const destination = rollup(to).chain_id;
  const read = (name, c, address) => c.pub.readContract({ address, abi: counter.abi, functionName: name });
  const before = await read('count', b, onB);
  const fee = await a.pub.readContract({ address: onA, abi: counter.abi, functionName: 'quoteIncrement', args: [destination, onB, by] });
  const hash = await a.wallet.writeContract({ address: onA, abi: counter.abi, functionName: 'increment', args: [destination, onB, by], value: fee });
  const receipt = await a.pub.waitForTransactionReceipt({ hash, pollingInterval: 10 });
  if (receipt.status !== 'success') throw new Error('increment reverted');
  const started = Date.now();
  log(`increment(${destination}, ${onB}, ${by}) included in ${from} block ${receipt.blockNumber}; waiting for ${to}...`);
  let count = before;
  while (count === before) {
    if (Date.now() - started > 30_000) throw new Error('the message was not delivered within 30 s');
    await new Promise((r) => setTimeout(r, 10));
    count = await read('count', b, onB);
  }
  const ms = Date.now() - started;
  log(`${to}'s counter: ${before} -> ${count}, ${ms} ms after the dispatch's block (from ${from}, sender ${await read('lastSender', b, onB)})`);
  return { counter: onB, count, ms };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node examples/metalayer/counter.mjs <datadir>/network.json');
    process.exit(2);
  }
  counterExample(JSON.parse(readFileSync(file, 'utf8'))).catch((err) => {
    console.error(err.message);
    process.exit(1);
  });
}
