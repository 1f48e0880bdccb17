// Produces zksync_eip712.json: EIP-712 (type 0x71) transactions signed, encoded and hashed by
// zksync-ethers (the version package.json pins). Run from the repository root:
//   node crates/primitives/testdata/zksync_eip712.mjs > crates/primitives/testdata/zksync_eip712.json
import { ethers } from 'ethers';
import { EIP712Signer, utils } from 'zksync-ethers';

// The first dev account of the standard test mnemonic.
const key = new ethers.SigningKey('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80');
const from = ethers.computeAddress(key.publicKey);

const cases = {
  transfer: {
    type: utils.EIP712_TX_TYPE, chainId: 31337, from, nonce: 0,
    to: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', value: 10n ** 18n, data: '0x',
    gasLimit: 21000n, maxFeePerGas: 2_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n,
    customData: { gasPerPubdata: utils.DEFAULT_GAS_PER_PUBDATA_LIMIT },
  },
  full: {
    type: utils.EIP712_TX_TYPE, chainId: 270, from, nonce: 7,
    to: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', value: 12345n,
    data: '0xa9059cbb000000000000000000000000000000000000000000000000000000000000002a',
    gasLimit: 300_000n, maxFeePerGas: 250_000_000n, maxPriorityFeePerGas: 100_000_000n,
    customData: {
      gasPerPubdata: 800n,
      factoryDeps: ['0x' + '11'.repeat(32), '0x' + '22'.repeat(96)],
      paymasterParams: {
        paymaster: '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
        paymasterInput: '0x8c5a344500000000000000000000000000000000000000000000000000000000000000200000000000000000000000000000000000000000000000000000000000000000',
      },
    },
  },
};

const out = {
  source: 'zksync-ethers ' + (await import('zksync-ethers/package.json', { with: { type: 'json' } })).default.version +
    ' and ethers ' + ethers.version + ', by crates/primitives/testdata/zksync_eip712.mjs',
  cases: {},
};
for (const [name, tx] of Object.entries(cases)) {
  const digest = EIP712Signer.getSignedDigest(tx);
  const signature = key.sign(digest).serialized;
  const signed = { ...tx, customData: { ...tx.customData, customSignature: signature } };
  const raw = utils.serializeEip712(signed);
  out.cases[name] = {
    from, chainId: tx.chainId, nonce: tx.nonce, to: tx.to, value: '0x' + tx.value.toString(16),
    data: tx.data, gasLimit: Number(tx.gasLimit), maxFeePerGas: Number(tx.maxFeePerGas),
    maxPriorityFeePerGas: Number(tx.maxPriorityFeePerGas),
    gasPerPubdata: Number(tx.customData.gasPerPubdata),
    factoryDeps: tx.customData.factoryDeps ?? [],
    factoryDepHashes: (tx.customData.factoryDeps ?? []).map((dep) => ethers.hexlify(utils.hashBytecode(dep))),
    paymasterParams: tx.customData.paymasterParams ?? null,
    signingHash: digest,
    signature,
    raw,
    hash: utils.eip712TxHash(signed),
    parsedBack: utils.parseEip712(raw).hash,
  };
}
// The same transfer with the signature in the v, r, s slots instead of `customSignature`
// (serializeEip712's `signature` argument); its hash covers the packed r ‖ s ‖ v.
{
  const tx = { ...cases.transfer, nonce: 1 };
  const digest = EIP712Signer.getSignedDigest(tx);
  const signature = key.sign(digest);
  const raw = utils.serializeEip712(tx, signature);
  out.cases.vrs = {
    from, chainId: tx.chainId, nonce: tx.nonce, signingHash: digest, signature: signature.serialized,
    raw, hash: utils.eip712TxHash(tx, signature),
  };
}
console.log(JSON.stringify(out, null, 2));
