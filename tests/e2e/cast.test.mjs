// Foundry's `cast` (the binary from the npm package @foundry-rs/cast) drives the node: what a
// developer would type, checked against what the node reports through plain JSON-RPC.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { encodeAbiParameters, getAddress, parseEther, toHex } from 'viem';
import { accounts, artifact, clients, DEV_BALANCE } from './lib/chain.mjs';
import { foundryBin, useNode } from './lib/node.mjs';

const run = promisify(execFile);
const CAST = foundryBin('cast');
let c;
const handle = useNode({}, (node) => {
  c = clients(node);
});
const [A0, A1, A2] = accounts;
const key = (account) => toHex(account.getHdKey().privateKey);

/// Runs `cast <command> --rpc-url <node> <args>` and returns trimmed stdout. The URL goes right
/// after the subcommand: trailing positionals (e.g. of `send --create`) would swallow it.
async function cast(command, ...args) {
  const { stdout } = await run(CAST, [command, '--rpc-url', handle.node.url, ...args], {
    timeout: 30_000,
    env: { ...process.env, NO_COLOR: '1', FOUNDRY_DISABLE_NIGHTLY_WARNING: '1' },
  });
  return stdout.trim();
}

const s = {};

test('cast chain-id and cast balance', async () => {
  assert.equal(await cast('chain-id'), '31337');
  assert.equal(BigInt(await cast('balance', A2.address)), DEV_BALANCE);
  assert.equal(BigInt(await cast('balance', A2.address, '--block', '0')), DEV_BALANCE);
});

test('cast send: an ETH transfer with a private key', async () => {
  const before = await c.pub.getBalance({ address: A1.address });
  const receipt = JSON.parse(await cast('send', '--private-key', key(A0), '--json', A1.address, '--value', '1.5ether'));
  assert.equal(receipt.status, '0x1');
  assert.equal(getAddress(receipt.from), A0.address);
  assert.equal(getAddress(receipt.to), A1.address);
  assert.equal(await c.pub.getBalance({ address: A1.address }), before + parseEther('1.5'));
  assert.equal(BigInt(await cast('balance', A1.address)), before + parseEther('1.5'));
  s.transferHash = receipt.transactionHash;
});

test('cast send --create deploys, cast send calls a contract, cast call decodes', async () => {
  const { bytecode } = artifact('TestToken');
  const args = encodeAbiParameters([{ type: 'string' }, { type: 'string' }, { type: 'uint256' }], ['Cast Token', 'CAST', 1_000_000n]);
  const deployed = JSON.parse(await cast('send', '--private-key', key(A0), '--json', '--create', `${bytecode}${args.slice(2)}`));
  assert.equal(deployed.status, '0x1');
  const token = getAddress(deployed.contractAddress);
  assert.equal(await c.pub.getCode({ address: token }), artifact('TestToken').deployedBytecode);

  const sent = JSON.parse(await cast('send', '--private-key', key(A0), '--json', token, 'transfer(address,uint256)', A2.address, '1234'));
  assert.equal(sent.status, '0x1');
  assert.equal(sent.logs.length, 1);

  assert.equal(await cast('call', token, 'balanceOf(address)(uint256)', A2.address), '1234');
  assert.deepEqual(JSON.parse(await cast('call', '--json', token, 'balanceOf(address)(uint256)', A0.address)), [998766]);
  assert.equal(await cast('call', token, 'symbol()(string)'), '"CAST"');
  assert.deepEqual(JSON.parse(await cast('call', '--json', token, 'name()(string)')), ['Cast Token']);
  s.token = token;
  s.callHash = sent.transactionHash;
});

test('cast receipt matches eth_getTransactionReceipt', async () => {
  const receipt = JSON.parse(await cast('receipt', '--json', s.callHash));
  const viaRpc = await c.pub.request({ method: 'eth_getTransactionReceipt', params: [s.callHash] });
  for (const field of ['transactionHash', 'blockHash', 'blockNumber', 'gasUsed', 'cumulativeGasUsed', 'status', 'logsBloom', 'effectiveGasPrice']) {
    assert.equal(receipt[field], viaRpc[field], field);
  }
  assert.deepEqual(receipt.logs.map((l) => [l.address, l.topics, l.data]), viaRpc.logs.map((l) => [l.address, l.topics, l.data]));
  assert.equal(await cast('receipt', s.transferHash, 'status'), 'true');
});

test('cast block latest matches eth_getBlockByNumber', async () => {
  const block = JSON.parse(await cast('block', 'latest', '--json'));
  const viaRpc = await c.pub.request({ method: 'eth_getBlockByNumber', params: ['latest', false] });
  for (const field of ['number', 'hash', 'parentHash', 'stateRoot', 'transactionsRoot', 'receiptsRoot', 'timestamp', 'baseFeePerGas', 'gasUsed']) {
    assert.equal(block[field], viaRpc[field], field);
  }
  assert.deepEqual(block.transactions, [s.callHash]);
  assert.equal(await cast('block-number'), String(BigInt(viaRpc.number)));
});
