//! Pubdata: the bytes a transaction adds to its batch's data on L1, counted as ZKsync OS counts
//! them (`net_pubdata_used`: its storage cache, its account cache and its L2-to-L1 logs), and
//! what they cost in gas.
//!
//! What a transaction publishes, against the batch's state before it (here: the block's):
//! - each storage slot it changed whose value differs from the batch's start: the slot's
//!   32-byte key and its value diff, compressed ([`diff_len`]);
//! - each account whose nonce, balance or code it changed and which differs from the batch's
//!   start: its 32-byte key, a metadata byte and its nonce and balance diffs (compressed
//!   likewise), or, when its code changed (a deployment), its properties in full: versioning
//!   data (8 bytes), the nonce and balance diffs, the code and artifacts lengths (4 + 4), the
//!   code padded to 8 bytes followed by its jump-destination bitmap (8 bytes per 64 bytes of
//!   code), and the observable code length (4);
//! - each L2-to-L1 message: its length (4 bytes), its bytes and its 88-byte log.
//!
//! A slot or account a later transaction of the batch changes again is counted again against
//! the batch's start (ZKsync OS publishes keys, not enumeration indices).
//!
//! ZKsync OS pays for pubdata from its native resource, at `pubdataPrice / nativePrice` per byte
//! against `gasPrice / nativePrice` per gas, where the gas price is the base fee: a byte costs
//! `pubdataPrice / baseFee` gas ([`gas_per_pubdata`]), and a transaction's gas is the larger of
//! its EVM gas and what its native resource used, in gas (`compute_gas_refund`). The native cost
//! of computation is not modelled here, so that is the larger of the EVM gas and the pubdata's
//! gas ([`PubdataCharge`]). A transaction whose gas limit cannot pay for its pubdata is
//! reverted with its whole gas limit used (`check_enough_resources_for_pubdata`).

use alloy_primitives::{Log, U256};
use revm::{
    bytecode::Bytecode,
    context_interface::result::{ExecutionResult, InvalidTransaction, ResultGas},
    state::{AccountInfo, EvmState},
};
use tephra_chain::BlockState;
use tephra_primitives::{
    TxEnvelope,
    eip712::DEFAULT_GAS_PER_PUBDATA,
    zk::{L2_TO_L1_LOG_SIZE, is_l1_message},
};

/// The length of a value diff as ZKsync compresses it (`ValueDiffCompressionStrategy`): a
/// metadata byte, then the fewest bytes of the four encodings that apply: the final value
/// whole (32), the amount added, the amount subtracted, or the final value with its leading
/// zero bytes removed (each of these under 32 bytes).
pub fn diff_len(initial: U256, r#final: U256) -> u32 {
    let bytes = |value: U256| value.bit_len().div_ceil(8) as u32;
    let mut best = 32;
    if let Some(added) = r#final.checked_sub(initial) {
        best = best.min(bytes(added));
    }
    if let Some(subtracted) = initial.checked_sub(r#final) {
        best = best.min(bytes(subtracted));
    }
    best = best.min(bytes(r#final));
    1 + best
}

/// A slot's or an account's key in ZKsync OS's flat state tree.
const KEY_LEN: u32 = 32;
/// Code is stored padded to 8-byte words.
const CODE_ALIGNMENT: usize = 8;

/// The pubdata of an account whose properties went from `initial` (the batch's start; `None`:
/// it did not exist) to `r#final`.
fn account_len(initial: Option<&AccountInfo>, r#final: &AccountInfo) -> u32 {
    let empty = AccountInfo::default();
    let initial = initial.unwrap_or(&empty);
    let nonce = |info: &AccountInfo| U256::from(info.nonce);
    if initial.code_hash != r#final.code_hash {
        let code = r#final.code.as_ref().map_or(0, |code: &Bytecode| code.original_bytes().len());
        let padded = code.next_multiple_of(CODE_ALIGNMENT);
        let artifacts = code.div_ceil(64) * 8;
        return KEY_LEN
            + 1
            + 8
            + diff_len(nonce(initial), nonce(r#final))
            + diff_len(initial.balance, r#final.balance)
            + 4
            + 4
            + (padded + artifacts) as u32
            + 4;
    }
    let mut len = KEY_LEN + 1;
    if initial.nonce != r#final.nonce {
        len += diff_len(nonce(initial), nonce(r#final));
    }
    if initial.balance != r#final.balance {
        len += diff_len(initial.balance, r#final.balance);
    }
    if len == KEY_LEN + 1 { 0 } else { len }
}

/// The length of the message an `L1MessageSent(address,bytes32,bytes)` event carries.
fn message_len(log: &Log) -> Option<u64> {
    is_l1_message(log)
        .then(|| log.data.data.get(32..64).map(U256::from_be_slice))
        .flatten()
        .map(|len| len.saturating_to())
}

/// The pubdata of a transaction whose changes, not yet committed to `block`, are `state`, and
/// whose surviving events are `logs`.
pub fn tx_pubdata<'a>(
    block: &BlockState,
    state: &EvmState,
    logs: impl IntoIterator<Item = &'a Log>,
) -> u64 {
    let tracked = block.accounts();
    let mut total = 0u64;
    for (address, account) in state {
        if !account.is_touched() {
            continue;
        }
        let seen = tracked.get(address);
        let before_block = seen.and_then(|seen| seen.original.as_ref());
        let before_tx = seen.and_then(|seen| seen.current.as_ref());
        let changed = before_tx.is_none_or(|before| {
            before.nonce != account.info.nonce
                || before.balance != account.info.balance
                || before.code_hash != account.info.code_hash
        });
        if changed && !(before_tx.is_none() && account.info.is_empty()) {
            total += u64::from(account_len(before_block, &account.info));
        }
        for (slot, value) in account.storage.iter().filter(|(_, value)| value.is_changed()) {
            let initial = seen
                .and_then(|seen| seen.storage.get(slot))
                .map_or(U256::ZERO, |(before_block, _)| *before_block);
            if initial != value.present_value {
                total += u64::from(KEY_LEN + diff_len(initial, value.present_value));
            }
        }
    }
    let messages: u64 = logs
        .into_iter()
        .filter_map(message_len)
        .map(|len| 4 + len + L2_TO_L1_LOG_SIZE as u64)
        .sum();
    total + messages
}

/// Gas per byte of pubdata: the pubdata price over the gas price (the base fee), rounded up;
/// zero when pubdata is free, and the price itself when gas is.
pub fn gas_per_pubdata(pubdata_price: u128, base_fee: u64) -> u64 {
    let per_byte = pubdata_price.div_ceil(u128::from(base_fee.max(1)));
    u64::try_from(per_byte).unwrap_or(u64::MAX)
}

/// The most gas per pubdata byte an Ethereum-typed transaction, which does not say, agrees to
/// pay (zksync-era's `MAX_L2_GAS_PER_PUBDATA`, zksync-ethers' default limit).
pub const ETHEREUM_GAS_PER_PUBDATA_LIMIT: u64 = DEFAULT_GAS_PER_PUBDATA;

/// ZK Stack's default `minimal_l2_gas_price`: 0.1 gwei.
pub const MINIMAL_L2_GAS_PRICE: u64 = 100_000_000;

/// The lowest base fee of a block whose pubdata costs `pubdata_price` a byte, as zksync-era's
/// fee model sets the base fee, "in such a way that it is always possible for a transaction to
/// publish enough public data while compensating us for it": `max(minimal_l2_gas_price,
/// ceil(pubdata_price / MAX_GAS_PER_PUBDATA_BYTE))`, so that a byte costs at most
/// [`ETHEREUM_GAS_PER_PUBDATA_LIMIT`] gas, and usually far less. (Without it, EIP-1559 would
/// lower the base fee until a byte cost more gas than a transaction may use.) A chain whose
/// pubdata is free keeps Ethereum's base fee: zero.
pub fn min_base_fee(pubdata_price: u128) -> u64 {
    if pubdata_price == 0 {
        return 0;
    }
    let per_byte = pubdata_price.div_ceil(u128::from(ETHEREUM_GAS_PER_PUBDATA_LIMIT));
    u64::try_from(per_byte).unwrap_or(u64::MAX).max(MINIMAL_L2_GAS_PRICE)
}

/// A transaction whose gas per pubdata limit is below what the chain charges: it cannot be
/// included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "gas per pubdata limit too low: the chain charges {required} gas per pubdata byte, the transaction allows {limit}"
)]
pub struct GasPerPubdataTooLow {
    /// The transaction's `gasPerPubdata` ([`ETHEREUM_GAS_PER_PUBDATA_LIMIT`] for an Ethereum
    /// type).
    pub limit: u64,
    /// The chain's gas per pubdata byte.
    pub required: u64,
}

impl alloy_evm::InvalidTxError for GasPerPubdataTooLow {
    fn as_invalid_tx_err(&self) -> Option<&InvalidTransaction> {
        None
    }
}

/// Whether `tx` agrees to pay `required` gas per pubdata byte.
pub fn check_limit(tx: &TxEnvelope, required: u64) -> Result<(), GasPerPubdataTooLow> {
    let limit = tx.as_eip712().map_or(ETHEREUM_GAS_PER_PUBDATA_LIMIT, |tx| {
        tx.eip712_meta.gas_per_pubdata.saturating_to()
    });
    if required > limit { Err(GasPerPubdataTooLow { limit, required }) } else { Ok(()) }
}

/// What a transaction whose gas cannot pay for its pubdata becomes: reverted, its whole
/// `gas_limit` used, no logs, no output.
pub(crate) fn unpaid(gas_limit: u64) -> ExecutionResult {
    let gas = ResultGas::default().with_total_gas_spent(gas_limit);
    ExecutionResult::Revert { gas, logs: Vec::new(), output: Default::default() }
}

/// Sets the gas `result` used (its refund folded in).
pub(crate) fn set_gas(result: &mut ExecutionResult, used: u64) {
    let (ExecutionResult::Success { gas, .. }
    | ExecutionResult::Revert { gas, .. }
    | ExecutionResult::Halt { gas, .. }) = result;
    *gas = ResultGas::default().with_total_gas_spent(used);
}

/// What a transaction's pubdata does to its gas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PubdataCharge {
    /// The transaction's gas covers it: its gas used is now this (the larger of its EVM gas and
    /// its pubdata's gas).
    Covered(u64),
    /// Its gas limit cannot pay for it: the transaction reverts, its whole gas limit used.
    Exceeds,
}

/// The charge for `pubdata` bytes at `gas_per_pubdata` of a transaction that used `gas_used`
/// of its `gas_limit` in the EVM.
pub fn charge(pubdata: u64, gas_per_pubdata: u64, gas_used: u64, gas_limit: u64) -> PubdataCharge {
    let pubdata_gas = pubdata.saturating_mul(gas_per_pubdata);
    if pubdata_gas > gas_limit {
        PubdataCharge::Exceeds
    } else {
        PubdataCharge::Covered(gas_used.max(pubdata_gas))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::U256;

    /// zksync-os' `basic_compression_test` (zk_ee `common_structs/pubdata_compression.rs`):
    /// 0xff00..00 to 0xff00..03 is an addition of 3, two bytes (`0b00001001`, `3`).
    #[test]
    fn value_diffs_compress_as_zksync_os_does() {
        let initial = U256::from(0xff) << 248;
        assert_eq!(diff_len(initial, initial + U256::from(3)), 2);
        // Subtraction, transform and the whole value.
        assert_eq!(diff_len(U256::from(1000), U256::from(999)), 2);
        assert_eq!(diff_len(U256::from(1) << 255, U256::from(0x1234)), 3);
        assert_eq!(diff_len(U256::ZERO, U256::MAX), 33, "32 bytes in every encoding: whole");
        assert_eq!(diff_len(U256::MAX, U256::ZERO), 1, "the final value zero: no bytes");
        let big = (U256::from(1) << 255) | U256::from(7);
        assert_eq!(diff_len(U256::from(5) << 250, big), 33, "no encoding under 32 bytes");
    }
}
