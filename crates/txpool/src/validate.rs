//! Checks a transaction must pass before it enters the pool, in geth's order
//! (`core/txpool/validation.go`): first those that need no state, then nonce and balance.

use crate::{PoolConfig, PoolError, PooledTx};
use alloy_consensus::Transaction;
use alloy_primitives::{Address, U256};
use revm::{
    context_interface::cfg::gas::{InitialAndFloorGas, calculate_initial_tx_gas},
    primitives::{eip3860::MAX_INITCODE_SIZE, hardfork::SpecId},
};

/// Fork whose intrinsic gas rules apply: EIP-2028 calldata, EIP-2930 access lists, EIP-3860
/// init code words, EIP-7623 calldata floor, EIP-7702 authorizations.
pub(crate) const SPEC: SpecId = SpecId::PRAGUE;

/// Intrinsic gas and EIP-7623 floor of `tx` under [`SPEC`], as revm charges them.
pub(crate) fn intrinsic_gas(tx: &PooledTx) -> InitialAndFloorGas {
    let env = tx.envelope();
    let (accounts, slots) = env.access_list().map_or((0, 0), |list| {
        list.iter().fold((0u64, 0u64), |(accounts, slots), item| {
            (accounts + 1, slots + item.storage_keys.len() as u64)
        })
    });
    let authorizations = env.authorization_list().map_or(0, |list| list.len() as u64);
    calculate_initial_tx_gas(SPEC, env.input(), env.is_create(), accounts, slots, authorizations)
}

/// Everything that depends only on the transaction, the config and the next base fee.
pub(crate) fn validate_stateless(
    tx: &PooledTx,
    config: &PoolConfig,
    base_fee: u64,
) -> Result<(), PoolError> {
    let env = tx.envelope();
    if tx.encoded_len() > config.max_tx_bytes {
        return Err(PoolError::OversizedData {
            size: tx.encoded_len(),
            limit: config.max_tx_bytes,
        });
    }
    if env.is_create() && env.input().len() > MAX_INITCODE_SIZE {
        return Err(PoolError::MaxInitCodeSizeExceeded {
            size: env.input().len(),
            limit: MAX_INITCODE_SIZE,
        });
    }
    if env.gas_limit() > config.block_gas_limit {
        return Err(PoolError::GasLimit {
            gas_limit: env.gas_limit(),
            block_gas_limit: config.block_gas_limit,
        });
    }
    if env.max_priority_fee_per_gas().is_some_and(|tip| tip > env.max_fee_per_gas()) {
        return Err(PoolError::TipAboveFeeCap);
    }
    if let Some(have) = env.chain_id()
        && have != config.chain_id
    {
        return Err(PoolError::InvalidChainId { have, want: config.chain_id });
    }
    if env.nonce() == u64::MAX {
        return Err(PoolError::NonceMax);
    }
    let gas = intrinsic_gas(tx);
    if env.gas_limit() < gas.initial_total_gas {
        return Err(PoolError::IntrinsicGas {
            gas: env.gas_limit(),
            needed: gas.initial_total_gas,
        });
    }
    if env.gas_limit() < gas.floor_gas {
        return Err(PoolError::FloorDataGas { gas: env.gas_limit(), needed: gas.floor_gas });
    }
    if env.authorization_list().is_some_and(<[_]>::is_empty) {
        return Err(PoolError::EmptyAuthorizationList);
    }
    if env.max_fee_per_gas() < u128::from(base_fee) {
        return Err(PoolError::FeeCapTooLow {
            address: tx.sender(),
            max_fee_per_gas: env.max_fee_per_gas(),
            base_fee,
        });
    }
    Ok(())
}

/// Nonce and balance against the sender's account: `state_nonce` is its next nonce. For a
/// paymaster-sponsored ZK Stack transaction, `paymaster` is the paymaster and its balance: the
/// sender must hold the value, the paymaster the most the fee can be (what it pays the
/// bootloader is checked when the node runs its validation).
pub(crate) fn validate_against_account(
    tx: &PooledTx,
    state_nonce: u64,
    balance: U256,
    paymaster: Option<(Address, U256)>,
) -> Result<(), PoolError> {
    if tx.nonce() < state_nonce {
        return Err(PoolError::NonceTooLow { state: state_nonce, tx: tx.nonce() });
    }
    let cost = match paymaster {
        Some(_) => tx.envelope().value(),
        None => tx.cost(),
    };
    if balance < cost {
        return Err(PoolError::InsufficientFunds { balance, cost, overshot: cost - balance });
    }
    if let Some((paymaster, balance)) = paymaster {
        let fee = tx.max_fee();
        if balance < fee {
            return Err(PoolError::PaymasterInsufficientFunds { paymaster, balance, fee });
        }
    }
    Ok(())
}

/// Whether `new` may replace `old` (same sender and nonce): geth's rule, both the fee cap and
/// the tip must be strictly higher and at least `bump_percent` higher.
pub(crate) fn is_acceptable_replacement(old: &PooledTx, new: &PooledTx, bump_percent: u64) -> bool {
    let threshold =
        |old: u128| old.saturating_add(old.saturating_mul(u128::from(bump_percent)) / 100);
    let (old_fee, old_tip) = (old.max_fee_per_gas(), old.max_priority_fee_per_gas());
    let (new_fee, new_tip) = (new.max_fee_per_gas(), new.max_priority_fee_per_gas());
    new_fee > old_fee
        && new_tip > old_tip
        && new_fee >= threshold(old_fee)
        && new_tip >= threshold(old_tip)
}
