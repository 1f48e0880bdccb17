// The Arbitrum SDK (@arbitrum/sdk 4.1.0, on ethers 5) against a Nitro rollup of a `tephra up`
// network (network.json's `file`).

import { createRequire } from 'node:module';
import { parseAbi } from 'viem';

const require = createRequire(import.meta.url);
export const sdk = require('@arbitrum/sdk');
export const ethers5 = require('ethers-v5');

const rollupAbi = parseAbi(['function confirmPeriodBlocks() view returns (uint64)']);

/// An ethers 5 provider (what the SDK takes) polling every 50 ms (its default is 4 s).
export function v5(url) {
  const provider = new ethers5.providers.StaticJsonRpcProvider(url);
  provider.pollingInterval = 50;
  return provider;
}

/// Registers `rollup` with the SDK as a custom Arbitrum network: BoLD reads, no sequencer
/// inbox, its gas token as `nativeToken` unless it is ETH; `l1` is a viem client of its L1.
export async function registerNitro(file, rollup, l1) {
  const c = rollup.l1_contracts;
  const confirmPeriodBlocks = await l1.readContract({ address: c.NitroRollup, abi: rollupAbi, functionName: 'confirmPeriodBlocks' });
  sdk.registerCustomArbitrumNetwork(
    {
      chainId: rollup.chain_id,
      parentChainId: file.l1.chain_id,
      name: rollup.name,
      confirmPeriodBlocks: Number(confirmPeriodBlocks),
      isCustom: true,
      isTestnet: true,
      isBold: true,
      ...(rollup.gas_token === 'eth' ? {} : { nativeToken: rollup.gas_token }),
      ethBridge: { bridge: c.Bridge, inbox: c.Inbox, outbox: c.Outbox, rollup: c.NitroRollup, sequencerInbox: c.Bridge },
    },
    { throwIfAlreadyRegistered: true },
  );
}
