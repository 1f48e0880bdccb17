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
/// An ETH rollup's token bridge (network.json: L1GatewayRouter and L1ERC20Gateway among its
/// l1_contracts, L2GatewayRouter and L2ERC20Gateway among its l2_contracts) as `tokenBridge`:
/// only the standard ERC-20 gateway is deployed, so it also stands for the custom and WETH
/// gateways; no WETH, no multicall (zero addresses).
export async function registerNitro(file, rollup, l1) {
  const c = rollup.l1_contracts;
  const l2 = rollup.l2_contracts ?? {};
  const zero = '0x0000000000000000000000000000000000000000';
  const tokenBridge = c.L1GatewayRouter
    ? {
        parentGatewayRouter: c.L1GatewayRouter,
        childGatewayRouter: l2.L2GatewayRouter,
        parentErc20Gateway: c.L1ERC20Gateway,
        childErc20Gateway: l2.L2ERC20Gateway,
        parentCustomGateway: c.L1ERC20Gateway,
        childCustomGateway: l2.L2ERC20Gateway,
        parentWethGateway: c.L1ERC20Gateway,
        childWethGateway: l2.L2ERC20Gateway,
        parentWeth: zero,
        childWeth: zero,
        parentMultiCall: zero,
        childMultiCall: zero,
      }
    : undefined;
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
      ...(tokenBridge ? { tokenBridge } : {}),
      ethBridge: { bridge: c.Bridge, inbox: c.Inbox, outbox: c.Outbox, rollup: c.NitroRollup, sequencerInbox: c.Bridge },
    },
    { throwIfAlreadyRegistered: true },
  );
}
