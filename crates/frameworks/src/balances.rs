//! Balance and nonce changes a framework's executor makes around the EVM, in a transaction's
//! state changes before they are committed (Nitro's fee settlement, ZK Stack's priority
//! transactions and pubdata charges).

use alloy_primitives::{Address, U256};
use revm::{
    Database,
    state::{Account, EvmState},
};

/// Adds `delta` to (or, if `credit` is false, takes it from) `address`'s balance in the
/// transaction's `state`, loading the account from `db` when the transaction did not touch it.
pub(crate) fn adjust<DB: Database>(
    state: &mut EvmState,
    db: &mut DB,
    address: Address,
    delta: U256,
    credit: bool,
) -> Result<(), DB::Error> {
    if delta.is_zero() {
        return Ok(());
    }
    let account = touch(state, db, address)?;
    account.info.balance = if credit {
        account.info.balance.saturating_add(delta)
    } else {
        account.info.balance.saturating_sub(delta)
    };
    Ok(())
}

/// Moves `address`'s nonce on by one in the transaction's `state`.
pub(crate) fn bump_nonce<DB: Database>(
    state: &mut EvmState,
    db: &mut DB,
    address: Address,
) -> Result<(), DB::Error> {
    let account = touch(state, db, address)?;
    account.info.nonce += 1;
    Ok(())
}

/// `address`'s account in `state`, loaded from `db` if the transaction did not touch it, marked
/// as changed.
fn touch<'s, DB: Database>(
    state: &'s mut EvmState,
    db: &mut DB,
    address: Address,
) -> Result<&'s mut Account, DB::Error> {
    let account = match state.entry(address) {
        std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
        std::collections::hash_map::Entry::Vacant(entry) => {
            let account = match db.basic(address)? {
                Some(info) => Account::from(info),
                None => Account::new_not_existing(0),
            };
            entry.insert(account)
        }
    };
    account.mark_touch();
    Ok(account)
}
