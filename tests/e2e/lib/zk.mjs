// zksync-ethers clients for a ZK Stack rollup of a `tephra up` network (network.json's `file`).

import assert from 'node:assert/strict';
import { ethers } from 'ethers';
import { Provider, Wallet } from 'zksync-ethers';
import { artifact } from './chain.mjs';

/// `l1` (ethers) and `l2` (zksync-ethers) providers polling every 50 ms, `wallet(index)` (dev
/// account `index` of network.json on both layers) and the rollup's `core` on the L1.
export function zkClients(file, rollup) {
  const l1 = new ethers.JsonRpcProvider(file.l1.rpc, undefined, { staticNetwork: true, cacheTimeout: -1, pollingInterval: 50 });
  const l2 = new Provider(rollup.rpc);
  l2.pollingInterval = 50;
  return {
    l1,
    l2,
    wallet: (index) => new Wallet(file.accounts[index].private_key, l2, l1),
    core: new ethers.Contract(rollup.l1_contracts.RollupCore, artifact('RollupCore').abi, l1),
  };
}

/// Waits until the core holds a final commitment of L2 block `batch` (the proposer records
/// every batch with L2 -> L1 logs); resolves with the commitment's index.
export async function finalBatch(core, batch, until) {
  await until(async () => (await core.latestL2BlockNumber()) >= BigInt(batch), 15_000);
  const index = await core.commitmentIndexAfter(batch);
  await until(async () => core.isFinalized(index), 15_000);
  return index;
}

/// A function naming the custom error a call reverts with, from the errors of the contracts
/// (artifact names) `names` (each once: the shared bridge re-raises the core's errors).
export function revertNamer(names) {
  const errors = new ethers.Interface([
    ...new Map(
      names
        .flatMap((name) => artifact(name).abi.filter((item) => item.type === 'error'))
        .map((item) => [`${item.name}(${item.inputs.map((input) => input.type).join(',')})`, item]),
    ).values(),
  ]);
  return async (promise) => {
    try {
      await promise;
    } catch (err) {
      const data = err?.data ?? err?.info?.error?.data ?? err?.error?.data;
      assert.ok(data, `no revert data in ${err}`);
      return errors.parseError(data)?.name;
    }
    assert.fail('expected a revert');
  };
}
