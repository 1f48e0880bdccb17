// JSON-RPC protocol errors over plain HTTP (raw fetch, no client library): parse errors,
// unknown methods, bad params, batches, oversized bodies. After each abuse the node must still
// answer a normal request.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeKind, useNode } from './lib/node.mjs';

const KIND = nodeKind();
const handle = useNode();

/// POSTs `body` (a string, sent as is) and returns { status, json }.
async function post(body) {
  const res = await fetch(handle.node.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: leave null, callers assert on status
  }
  return { status: res.status, json, text };
}

async function assertAlive() {
  const { status, json } = await post(JSON.stringify({ jsonrpc: '2.0', id: 99, method: 'eth_chainId', params: [] }));
  assert.equal(status, 200);
  assert.deepEqual(json, { jsonrpc: '2.0', id: 99, result: '0x7a69' });
}

test('malformed JSON -> parse error with id null, and the server keeps serving', async () => {
  for (const body of ['{"jsonrpc":"2.0",', '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]', 'not json at all']) {
    const { json } = await post(body);
    assert.ok(json && json.error, `error object for ${body}`);
    assert.equal(json.jsonrpc, '2.0');
    assert.equal(json.id, null);
    // JSON-RPC 2.0 and geth: -32700 "Parse error". anvil 1.7.1 answers -32600 "Invalid request".
    assert.equal(json.error.code, KIND === 'tephra' ? -32700 : -32600, JSON.stringify(json));
    await assertAlive();
  }
});

test('unknown method -> -32601 with the request id', async () => {
  const { json } = await post(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'eth_noSuchMethod', params: [] }));
  assert.equal(json.id, 7);
  assert.equal(json.error.code, -32601);
  assert.equal(json.result, undefined);
  await assertAlive();
});

test('wrong param types -> -32602', async () => {
  const cases = [
    ['eth_getBalance', [123, 'latest']],
    ['eth_getBalance', ['0x1234', 'latest']], // address too short
    ['eth_getBlockByNumber', ['latest', 'yes']],
    ['eth_getBlockByNumber', [{ not: 'a block' }, false]],
    ['eth_getTransactionByHash', ['0xzz']],
    ['eth_call', ['not an object', 'latest']],
  ];
  for (const [method, params] of cases) {
    const { json } = await post(JSON.stringify({ jsonrpc: '2.0', id: 'p', method, params }));
    assert.equal(json.id, 'p');
    assert.equal(json.error?.code, -32602, `${method}(${JSON.stringify(params)}): ${JSON.stringify(json)}`);
  }
  await assertAlive();
});

test('empty batch [] -> a single -32600 error', async () => {
  const { json } = await post('[]');
  assert.ok(!Array.isArray(json), `expected one error object, got ${JSON.stringify(json)}`);
  assert.equal(json.id, null);
  assert.equal(json.error.code, -32600);
  await assertAlive();
});

test('batch of mixed good and bad requests -> one answer per request, matched by id', async () => {
  const batch = [
    { jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] },
    { jsonrpc: '2.0', id: 2, method: 'eth_noSuchMethod', params: [] },
    { jsonrpc: '2.0', id: 'three', method: 'eth_getBalance', params: [123, 'latest'] },
  ];
  const { json } = await post(JSON.stringify(batch));
  assert.ok(Array.isArray(json), JSON.stringify(json));
  assert.equal(json.length, 3);
  const byId = new Map(json.map((r) => [r.id, r]));
  assert.deepEqual([...byId.keys()].sort(), [1, 2, 'three'].sort());
  assert.equal(byId.get(1).result, '0x7a69');
  assert.equal(byId.get(2).error.code, -32601);
  assert.equal(byId.get('three').error.code, -32602);
  for (const r of json) assert.equal(r.jsonrpc, '2.0');
});

test('oversized request (20 MiB body) -> an error, and the node still answers', async () => {
  // A well-formed eth_call whose only fault is its size.
  const data = `0x${'ab'.repeat(10 * 1024 * 1024)}`;
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_call', params: [{ to: '0x000000000000000000000000000000000000dEaD', data }, 'latest'] });
  assert.ok(body.length > 20 * 1024 * 1024);
  let outcome;
  try {
    const { status, json, text } = await post(body);
    outcome = { status, json, text: text.slice(0, 200) };
  } catch (e) {
    // The server may answer (413 or an error object) and close before the client has finished
    // sending, which surfaces here as EPIPE / ECONNRESET: the request was refused either way.
    outcome = { networkError: e.cause?.code ?? e.message };
  }
  const refused = outcome.networkError !== undefined || outcome.status >= 400 || (outcome.json && outcome.json.error && outcome.json.result === undefined);
  assert.ok(refused, `oversized request was not refused: ${JSON.stringify(outcome)}`);
  await assertAlive();
});
