// End-to-end suite of ZKsync paymasters on `tephra dev --framework zk-stack`, driven by
// zksync-ethers: paymaster params built by `utils.getPaymasterParams` ('ApprovalBased' and
// 'General'), a wallet without ether sending 0x71 transactions whose fee the paymaster pays
// (ApprovalPaymaster takes a fixed token fee through the approval flow), and a paymaster that
// answers a wrong magic refused by eth_sendRawTransaction with the reason.
//
// Runs against tephra only (anvil has no zk-stack profile), whatever E2E_NODE says. Tests run
// in file order on one chain.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ethers } from 'ethers';
import { Provider, Wallet, utils } from 'zksync-ethers';
import { artifact } from './lib/chain.mjs';
import { rawRpc, useNode } from './lib/node.mjs';

// The second dev account of the `test … junk` mnemonic deploys and funds everything.
const DEPLOYER_KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
const TOKEN_FEE = 1_000n;
const GAS_LIMIT = 500_000n;

const handle = useNode({ kind: 'tephra', tephraArgs: ['--framework', 'zk-stack'] });
let env;

/// Deploys the token and the paymasters (1 ether each) once, and gives a fresh wallet without
/// ether 100,000 tokens.
async function setup() {
  if (env) return env;
  const provider = new Provider(handle.node.url);
  // No response cache: each deployment reads the nonce its predecessor moved.
  const rpc = new ethers.JsonRpcProvider(handle.node.url, undefined, { cacheTimeout: -1 });
  const deployer = new ethers.Wallet(DEPLOYER_KEY, rpc);
  const deploy = async (name, args, value = 0n) => {
    const { abi, bytecode } = artifact(name);
    const contract = await new ethers.ContractFactory(abi, bytecode, deployer).deploy(...args, { value });
    await contract.waitForDeployment();
    return contract;
  };
  const token = await deploy('TestToken', ['Fee', 'FEE', 10n ** 24n]);
  const tokenAddress = await token.getAddress();
  const oneEther = ethers.parseEther('1');
  const approval = await deploy('ApprovalPaymaster', [tokenAddress, TOKEN_FEE], oneEther);
  const general = await deploy('GeneralPaymaster', [], oneEther);
  const faulty = await deploy('FaultyPaymaster', [1n], oneEther);
  const user = new Wallet(ethers.Wallet.createRandom().privateKey, provider);
  await (await token.transfer(user.address, 100_000n)).wait();
  env = {
    provider,
    token: new ethers.Contract(tokenAddress, artifact('TestToken').abi, provider),
    approval: await approval.getAddress(),
    general: await general.getAddress(),
    faulty: await faulty.getAddress(),
    user,
  };
  return env;
}

/// A 0x71 call of `data` to `to` from `user`, its fee paid with `paymasterParams`.
async function sponsored(user, to, data, paymasterParams, extra = {}) {
  const fees = await user.provider.getFeeData();
  return user.sendTransaction({
    type: utils.EIP712_TX_TYPE,
    to,
    data,
    gasLimit: GAS_LIMIT,
    maxFeePerGas: fees.maxFeePerGas,
    maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    customData: { gasPerPubdata: utils.DEFAULT_GAS_PER_PUBDATA_LIMIT, paymasterParams },
    ...extra,
  });
}

test('an ApprovalBased paymaster takes its token fee and pays the gas of a wallet without ether', async () => {
  const { provider, token, approval, user } = await setup();
  assert.equal(await provider.getBalance(user.address), 0n);
  const to = ethers.Wallet.createRandom().address;
  const paymasterEther = await provider.getBalance(approval);
  const paymasterParams = utils.getPaymasterParams(approval, {
    type: 'ApprovalBased',
    token: await token.getAddress(),
    minimalAllowance: TOKEN_FEE,
    innerInput: new Uint8Array(),
  });
  const data = token.interface.encodeFunctionData('transfer', [to, 5_000n]);
  // No gas limit: zksync-ethers estimates it (eth_estimateGas with the paymaster params),
  // and the estimate covers the approvals and the paymaster's validation besides the call.
  const tx = await sponsored(user, await token.getAddress(), data, paymasterParams, { gasLimit: undefined });
  const receipt = await tx.wait();
  assert.equal(receipt.status, 1);
  assert.equal(receipt.type, utils.EIP712_TX_TYPE);
  assert.equal(receipt.from, user.address);
  const callAlone = await provider.estimateGas({ from: user.address, to: await token.getAddress(), data });
  assert.ok(tx.gasLimit > callAlone + 20_000n, `estimated ${tx.gasLimit}, the call alone ${callAlone}`);
  assert.ok(receipt.gasUsed <= tx.gasLimit && tx.gasLimit < GAS_LIMIT, `${receipt.gasUsed} of ${tx.gasLimit}`);

  // The token fee moved to the paymaster, the transfer to its recipient.
  assert.equal(await token.balanceOf(approval), TOKEN_FEE);
  assert.equal(await token.balanceOf(to), 5_000n);
  assert.equal(await token.balanceOf(user.address), 100_000n - 5_000n - TOKEN_FEE);
  // The sender's ether is unchanged (none), the paymaster's paid the fee: gasUsed at the
  // receipt's gas price, the rest of gasLimit * maxFeePerGas refunded to it.
  assert.equal(await provider.getBalance(user.address), 0n);
  assert.equal(await provider.getBalance(approval), paymasterEther - receipt.gasUsed * receipt.gasPrice);
  // The transaction as the RPC returns it carries its paymaster params.
  const fetched = (await rawRpc(handle.node.url, 'eth_getTransactionByHash', [tx.hash])).result;
  assert.equal(fetched.eip712Meta.paymasterParams.paymaster.toLowerCase(), approval.toLowerCase());
  assert.equal(fetched.eip712Meta.paymasterParams.paymasterInput, ethers.hexlify(paymasterParams.paymasterInput));
});

test('a General paymaster sponsors a wallet without ether', async () => {
  const { provider, token, general, user } = await setup();
  const paymasterEther = await provider.getBalance(general);
  const paymasterParams = utils.getPaymasterParams(general, { type: 'General', innerInput: new Uint8Array() });
  const to = ethers.Wallet.createRandom().address;
  const data = token.interface.encodeFunctionData('transfer', [to, 7n]);
  const receipt = await (await sponsored(user, await token.getAddress(), data, paymasterParams)).wait();
  assert.equal(receipt.status, 1);
  assert.equal(await token.balanceOf(to), 7n);
  assert.equal(await provider.getBalance(user.address), 0n);
  assert.equal(await provider.getBalance(general), paymasterEther - receipt.gasUsed * receipt.gasPrice);
});

test('a sponsored transaction sent ahead of its predecessor waits for it in the pool', async () => {
  const { provider, token, general, user } = await setup();
  const paymasterParams = utils.getPaymasterParams(general, { type: 'General', innerInput: new Uint8Array() });
  const nonce = await provider.getTransactionCount(user.address);
  const to = ethers.Wallet.createRandom().address;
  const data = token.interface.encodeFunctionData('transfer', [to, 1n]);
  const tokenAddress = await token.getAddress();
  const later = await sponsored(user, tokenAddress, data, paymasterParams, { nonce: nonce + 1 });
  const first = await sponsored(user, tokenAddress, data, paymasterParams, { nonce });
  assert.equal((await first.wait()).status, 1);
  assert.equal((await later.wait()).status, 1);
  assert.equal(await token.balanceOf(to), 2n);
  assert.equal(await provider.getBalance(user.address), 0n);
});

test('a paymaster that returns a wrong magic is refused with the reason', async () => {
  const { provider, faulty, user } = await setup();
  const nonce = await provider.getTransactionCount(user.address);
  const paymasterParams = utils.getPaymasterParams(faulty, { type: 'General', innerInput: new Uint8Array() });
  await assert.rejects(
    sponsored(user, ethers.Wallet.createRandom().address, '0x', paymasterParams),
    (err) => {
      assert.match(String(err?.error?.message ?? err?.message), /paymaster validation failed: .* returned magic 0xdeadbeef/);
      return true;
    },
  );
  assert.equal(await provider.getTransactionCount(user.address), nonce);
  assert.equal(await provider.getBalance(faulty), ethers.parseEther('1'));
});
