// The Metalayer of a `tephra up` network (network.json's `metalayer`): viem clients for each
// chain, Hyperlane dispatch through the predeployed Mailbox (paying the IGP its quote), waiting
// for delivery, and the guardian processes (kill one, start it again).

import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import path from 'node:path';
import { createPublicClient, createWalletClient, decodeEventLog, defineChain, http, pad } from 'viem';
import { accounts, artifact } from './chain.mjs';
import { repoRoot } from './node.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const mailboxAbi = artifact('Mailbox').abi;

/// viem public and wallet clients of a chain of network.json (`{ chain_id, rpc }`).
export function chainClients(entry) {
  const chain = defineChain({
    id: entry.chain_id,
    name: entry.name ?? 'l1',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [entry.rpc] } },
  });
  const opts = { chain, transport: http(entry.rpc), pollingInterval: 25, cacheTime: 0 };
  return {
    pub: createPublicClient(opts),
    wallet: (account = accounts[0]) => createWalletClient({ ...opts, account }),
  };
}

/// Deploys `name` (a committed artifact) on `c` from `account`; resolves with its address.
export async function deployArtifact(c, account, name, args = []) {
  const { abi, bytecode } = artifact(name);
  const hash = await c.wallet(account).deployContract({ abi, bytecode, args });
  const receipt = await c.pub.waitForTransactionReceipt({ hash, pollingInterval: 25 });
  if (receipt.status !== 'success') throw new Error(`deploying ${name} reverted`);
  return receipt.contractAddress;
}

/// Dispatches `body` (hex) from `account` on the origin's Mailbox to `recipient` on
/// `destination`, paying the quote. Resolves with the message id, its bytes and the receipt.
export async function dispatch(net, origin, account, destination, recipient, body) {
  const mailbox = net.file.metalayer.contracts.Mailbox;
  const args = [destination, pad(recipient), body];
  const fee = await origin.pub.readContract({ address: mailbox, abi: mailboxAbi, functionName: 'quoteDispatch', args });
  const hash = await origin.wallet(account).writeContract({ address: mailbox, abi: mailboxAbi, functionName: 'dispatch', args, value: fee });
  const receipt = await origin.pub.waitForTransactionReceipt({ hash, pollingInterval: 10 });
  if (receipt.status !== 'success') throw new Error('dispatch reverted');
  const included = Date.now();
  let message;
  let id;
  for (const log of receipt.logs.filter((l) => l.address.toLowerCase() === mailbox.toLowerCase())) {
    const event = decodeEventLog({ abi: mailboxAbi, data: log.data, topics: log.topics, strict: false });
    if (event.eventName === 'Dispatch') message = event.args.message;
    if (event.eventName === 'DispatchId') id = event.args.messageId;
  }
  return { id, message, receipt, included };
}

/// Whether the destination's Mailbox delivered message `id`.
export function delivered(net, destination, id) {
  return destination.pub.readContract({ address: net.file.metalayer.contracts.Mailbox, abi: mailboxAbi, functionName: 'delivered', args: [id] });
}

/// Polls (every 10 ms) until `id` is delivered on `destination`; resolves with the time it
/// took; rejects after `timeoutMs`.
export async function waitDelivered(net, destination, id, timeoutMs = 20_000) {
  const started = Date.now();
  while (!(await delivered(net, destination, id))) {
    if (Date.now() - started > timeoutMs) throw new Error(`message ${id} not delivered within ${timeoutMs} ms`);
    await sleep(10);
  }
  return Date.now() - started;
}

/// `metalayer_status` of guardian `index`.
export async function guardianStatus(net, index) {
  const res = await fetch(net.file.metalayer.guardians[index].api, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'metalayer_status', params: [] }),
  });
  return (await res.json()).result;
}

/// SIGKILLs guardian `index`'s process.
export function killGuardian(net, index) {
  process.kill(net.file.metalayer.guardians[index].process.pid, 'SIGKILL');
}

/// Starts guardian `index` again from its config (`tephra guardian --config`, plus `flags`);
/// resolves with the child process once its API answers.
export async function restartGuardian(net, index, flags = []) {
  const entry = net.file.metalayer.guardians[index];
  const bin = process.env.TEPHRA_BIN || path.join(repoRoot, 'target', 'release', 'tephra');
  const log = openSync(entry.process.log, 'a');
  const child = spawn(bin, ['guardian', '--config', entry.process.config, ...flags], { stdio: ['ignore', log, log] });
  entry.process.pid = child.pid;
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      if (await guardianStatus(net, index)) return child;
    } catch {}
    if (Date.now() > deadline) throw new Error(`guardian ${index} did not come back`);
    await sleep(50);
  }
}
