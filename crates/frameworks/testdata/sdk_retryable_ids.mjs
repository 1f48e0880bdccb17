// Prints the retryable ticket ids (type 0x69 hashes) that @arbitrum/sdk 4.1.0 computes
// (ParentToChildMessage.calculateSubmitRetryableId) for the submissions of
// sdk_retryable_ids.txt, one `name hash` line each, to regenerate that file:
//   node crates/frameworks/testdata/sdk_retryable_ids.mjs > crates/frameworks/testdata/sdk_retryable_ids.txt
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { ParentToChildMessage } = require('@arbitrum/sdk');
const { BigNumber } = require('ethers-v5');

const b = (v) => BigNumber.from(v);
// name, chainId, from, messageNumber, l1BaseFee, to, l2CallValue, deposit, maxSubmissionFee,
// excessFeeRefund, callValueRefund (beneficiary), gasLimit, maxFeePerGas, data
const cases = [
  ['create', 412346, '0x1111000000000000000000000000000000001111', 0, 1_000_000_000, '0x0000000000000000000000000000000000000000', 0, 10n ** 18n, 10n ** 15n, '0x00000000000000000000000000000000000000aa', '0x00000000000000000000000000000000000000bb', 1_000_000, 2_000_000_000, '0x6080604052'],
  ['call', 412346, '0xb4b8b6f88361f48403514059f1f16c8e78d61ffd', 7, 25, '0x09e9222e96e7b4ae2a407b98d48e330053351eee', 12345, 999999999999, 0, '0x036e1cea9772e2584e0a1d4c11abea2aeb9b188c', '0x036e1cea9772e2584e0a1d4c11abea2aeb9b188c', 21000, 100000000, '0x'],
];
console.log('# Ticket ids computed by @arbitrum/sdk 4.1.0 (ParentToChildMessage.calculateSubmitRetryableId)');
console.log('# with sdk_retryable_ids.mjs beside this file; fields: name chainId from messageNumber l1BaseFee to');
console.log('# l2CallValue deposit maxSubmissionFee excessFeeRefund callValueRefund gasLimit maxFeePerGas data hash');
for (const [name, chainId, from, num, l1BaseFee, to, value, deposit, maxFee, refund, beneficiary, gas, feeCap, data] of cases) {
  const id = ParentToChildMessage.calculateSubmitRetryableId(
    chainId, from, b(num), b(l1BaseFee), to, b(value), b(deposit), b(maxFee), refund, beneficiary, b(gas), b(feeCap), data,
  );
  console.log([name, chainId, from, num, l1BaseFee, to, value, deposit, maxFee, refund, beneficiary, gas, feeCap, data, id].join(' '));
}
