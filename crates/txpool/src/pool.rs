//! The pool itself: per-sender nonce-ordered transactions split into pending and queued.
//!
//! Per sender the pool keeps a `BTreeMap` from nonce to transaction and two numbers: the
//! sender's next nonce in the state (`state_nonce`) and the first missing nonce at or above it
//! (`pending_end`). Transactions in `state_nonce..pending_end` are pending (executable in
//! order); those above the gap are queued. Inserting the missing nonce moves `pending_end` up
//! and so promotes the queued run behind it; removing a pending transaction moves it down and
//! so demotes the ones behind it. Every update is `O(log n)` plus the transactions it moves.

use crate::{
    BestTransactions, PoolConfig, PoolError, PooledTx, StateError,
    validate::{is_acceptable_replacement, validate_against_account, validate_stateless},
};
use alloy_consensus::Transaction;
use alloy_primitives::{
    Address, TxHash, U256,
    map::{AddressMap, B256Map},
};
use parking_lot::RwLock;
use std::{collections::BTreeMap, sync::Arc};
use tokio::sync::broadcast;
use tracing::warn;

/// Capacity of the channel behind [`TxPool::subscribe_pending`]; a subscriber that falls further
/// behind receives `RecvError::Lagged` and misses the oldest hashes.
pub const PENDING_SUBSCRIPTION_CAPACITY: usize = 16_384;

/// Read access to the accounts of the state the next block builds on, implemented by the node.
pub trait StateView {
    /// The next nonce and the balance (in wei) of `address`; `(0, 0)` for an account that does
    /// not exist.
    fn account(&self, address: Address) -> Result<(u64, U256), StateError>;
}

impl<T: StateView + ?Sized> StateView for &T {
    fn account(&self, address: Address) -> Result<(u64, U256), StateError> {
        (**self).account(address)
    }
}

impl<T: StateView + ?Sized> StateView for Arc<T> {
    fn account(&self, address: Address) -> Result<(u64, U256), StateError> {
        (**self).account(address)
    }
}

/// Whether a pooled transaction can execute now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxStatus {
    /// Its nonce is the sender's next nonce or follows pooled transactions without a gap.
    Pending,
    /// A nonce gap separates it from the sender's next nonce; promoted when the gap fills.
    Queued,
}

/// What [`TxPool::add`] did with an accepted transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddedTx {
    /// Hash of the accepted transaction.
    pub hash: TxHash,
    /// Where it went.
    pub status: TxStatus,
    /// The transaction with the same sender and nonce it replaced, if any.
    pub replaced: Option<TxHash>,
}

/// Transactions a pool maintenance call removed or made pending.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PoolUpdate {
    /// Mined, stale (nonce below the state's) or dropped transactions.
    pub removed: Vec<TxHash>,
    /// Queued transactions that became pending.
    pub promoted: Vec<TxHash>,
}

/// The transaction pool of a node. Thread-safe: every method takes `&self`; share it in an
/// `Arc`.
///
/// Writers hold the lock only to update indexes: signature recovery happens before
/// ([`crate::decode_and_recover`]), and validation and state reads happen before the lock is
/// taken.
#[derive(Debug)]
pub struct TxPool {
    config: RwLock<PoolConfig>,
    inner: RwLock<PoolInner>,
    new_pending: broadcast::Sender<TxHash>,
}

impl TxPool {
    /// An empty pool.
    pub fn new(config: PoolConfig) -> Self {
        Self {
            config: RwLock::new(config),
            inner: RwLock::new(PoolInner::default()),
            new_pending: broadcast::channel(PENDING_SUBSCRIPTION_CAPACITY).0,
        }
    }

    /// The config transactions are validated against.
    pub fn config(&self) -> PoolConfig {
        *self.config.read()
    }

    /// Replaces the config; applies to transactions added from now on.
    pub fn set_config(&self, config: PoolConfig) {
        *self.config.write() = config;
    }

    /// Hashes of transactions as they become pending, added or promoted (for
    /// `eth_subscribe("newPendingTransactions")`).
    pub fn subscribe_pending(&self) -> broadcast::Receiver<TxHash> {
        self.new_pending.subscribe()
    }

    /// Validates `tx` and adds it, as pending or queued.
    ///
    /// `state` is the state the next block builds on and `base_fee` that block's base fee: a
    /// transaction whose fee cap is below it is refused (as anvil does), not parked. Refusals
    /// carry geth's messages, see [`PoolError`].
    pub fn add(
        &self,
        tx: PooledTx,
        state: &(impl StateView + ?Sized),
        base_fee: u64,
    ) -> Result<AddedTx, PoolError> {
        self.add_all(vec![tx], state, base_fee).pop().expect("one result per transaction")
    }

    /// [`TxPool::add`] for many transactions, taking the write lock once; results are in input
    /// order, and a refused transaction does not affect the others.
    pub fn add_all(
        &self,
        txs: Vec<PooledTx>,
        state: &(impl StateView + ?Sized),
        base_fee: u64,
    ) -> Vec<Result<AddedTx, PoolError>> {
        let config = self.config();
        let checked: Vec<_> =
            txs.into_iter().map(|tx| self.check(tx, state, &config, base_fee)).collect();
        let mut update = PoolUpdate::default();
        let results = {
            let mut inner = self.inner.write();
            checked
                .into_iter()
                .map(|checked| {
                    checked.and_then(|(tx, nonce)| inner.insert(tx, nonce, &config, &mut update))
                })
                .collect()
        };
        self.notify(&update.promoted);
        results
    }

    /// Everything but the pool's own indexes, without the write lock.
    fn check(
        &self,
        tx: PooledTx,
        state: &(impl StateView + ?Sized),
        config: &PoolConfig,
        base_fee: u64,
    ) -> Result<(PooledTx, u64), PoolError> {
        if self.contains(&tx.hash()) {
            return Err(PoolError::AlreadyKnown);
        }
        validate_stateless(&tx, config, base_fee)?;
        let (nonce, balance) = state.account(tx.sender()).map_err(PoolError::State)?;
        let paymaster = match tx.paymaster() {
            Some(paymaster) => {
                Some((paymaster, state.account(paymaster).map_err(PoolError::State)?.1))
            }
            None => None,
        };
        validate_against_account(&tx, nonce, balance, paymaster)?;
        Ok((tx, nonce))
    }

    /// Executable transactions, best first, for the block builder: see [`BestTransactions`].
    pub fn best_transactions(&self, base_fee: u64) -> BestTransactions<'_> {
        BestTransactions::new(&self.inner, base_fee)
    }

    /// Removes transactions that failed at execution (or that the user dropped, as
    /// `anvil_dropTransaction`) and returns them.
    ///
    /// The same sender's transactions with higher nonces stay in the pool but become queued
    /// (the removed nonce is now a gap), as geth demotes them: a new transaction for the
    /// removed nonce promotes them again. Unknown hashes are ignored.
    pub fn remove_invalid(&self, hashes: &[TxHash]) -> Vec<Arc<PooledTx>> {
        let mut inner = self.inner.write();
        hashes.iter().filter_map(|hash| inner.remove(hash)).collect()
    }

    /// Drops every transaction (`anvil_dropAllTransactions`).
    pub fn clear(&self) {
        *self.inner.write() = PoolInner::default();
    }

    /// Updates the pool after a block was committed: `mined` lists `(sender, nonce, hash)` of
    /// its transactions and `state` is the state after it.
    ///
    /// Re-reads the nonce of every sender in `mined` and of every authority of the block's
    /// EIP-7702 transactions found in the pool (their nonces move too), drops the mined
    /// transactions and every transaction whose nonce is now below its sender's, and promotes
    /// queued transactions the new nonces made executable. Other nonce changes (a delegated
    /// account running CREATE) are the node's to report with [`TxPool::refresh_accounts`].
    ///
    /// Balances are not re-checked: a pending transaction that became unaffordable fails at
    /// execution and is reported with [`TxPool::remove_invalid`]. If the state cannot be read
    /// for a sender, its nonce is taken as its highest mined nonce plus one.
    pub fn on_block_committed(
        &self,
        mined: &[(Address, u64, TxHash)],
        state: &(impl StateView + ?Sized),
    ) -> PoolUpdate {
        let mut fallback_nonces = AddressMap::<u64>::default();
        let mut authorizations = Vec::new();
        {
            let inner = self.inner.read();
            for &(sender, nonce, hash) in mined {
                let next = nonce.saturating_add(1);
                let fallback = fallback_nonces.entry(sender).or_insert(next);
                *fallback = (*fallback).max(next);
                if let Some(list) =
                    inner.by_hash.get(&hash).and_then(|tx| tx.envelope().authorization_list())
                {
                    authorizations.extend_from_slice(list);
                }
            }
        }
        let mut accounts: Vec<(Address, Option<u64>)> =
            fallback_nonces.into_iter().map(|(sender, nonce)| (sender, Some(nonce))).collect();
        accounts.extend(
            authorizations
                .iter()
                .filter_map(|auth| auth.recover_authority().ok())
                .map(|authority| (authority, None)),
        );
        let nonces = read_nonces(accounts, state);

        let mut update = PoolUpdate::default();
        {
            let mut inner = self.inner.write();
            for (address, nonce) in nonces {
                inner.set_sender_nonce(address, nonce, &mut update);
            }
            for (_, _, hash) in mined {
                if inner.remove(hash).is_some() {
                    update.removed.push(*hash);
                }
            }
        }
        self.notify(&update.promoted);
        update
    }

    /// Re-reads the nonce of `accounts` that have pooled transactions and applies it as
    /// [`TxPool::on_block_committed`] does: for nonce changes the pool cannot see, such as an
    /// account set with `anvil_setNonce` or a state reverted with `evm_revert`.
    pub fn refresh_accounts(
        &self,
        accounts: &[Address],
        state: &(impl StateView + ?Sized),
    ) -> PoolUpdate {
        let known: Vec<(Address, Option<u64>)> = {
            let inner = self.inner.read();
            accounts
                .iter()
                .filter(|address| inner.senders.contains_key(*address))
                .map(|address| (*address, None))
                .collect()
        };
        let nonces = read_nonces(known, state);
        let mut update = PoolUpdate::default();
        {
            let mut inner = self.inner.write();
            for (address, nonce) in nonces {
                inner.set_sender_nonce(address, nonce, &mut update);
            }
        }
        self.notify(&update.promoted);
        update
    }

    /// The pooled transaction with this hash, pending or queued.
    pub fn get(&self, hash: &TxHash) -> Option<Arc<PooledTx>> {
        self.inner.read().by_hash.get(hash).cloned()
    }

    /// Whether the pool holds a transaction with this hash.
    pub fn contains(&self, hash: &TxHash) -> bool {
        self.inner.read().by_hash.contains_key(hash)
    }

    /// The nonce `address` should use next counting its pending transactions
    /// (`eth_getTransactionCount(address, "pending")`); `state_nonce` is its nonce in the latest
    /// state.
    pub fn pending_nonce(&self, address: Address, state_nonce: u64) -> u64 {
        let inner = self.inner.read();
        let Some(sender) = inner.senders.get(&address) else {
            return state_nonce;
        };
        if state_nonce <= sender.pending_end {
            return sender.pending_end;
        }
        // The caller's state is ahead of the pool's view of this sender: count from it.
        let mut next = state_nonce;
        while sender.txs.contains_key(&next) {
            next += 1;
        }
        next
    }

    /// Number of transactions held, pending and queued.
    pub fn len(&self) -> usize {
        self.inner.read().by_hash.len()
    }

    /// Whether the pool holds no transaction.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of pending (executable) transactions.
    pub fn pending_len(&self) -> usize {
        self.inner.read().pending_len
    }

    /// Number of queued transactions (behind a nonce gap).
    pub fn queued_len(&self) -> usize {
        let inner = self.inner.read();
        inner.by_hash.len() - inner.pending_len
    }

    /// Every pending transaction, ordered by sender then nonce (for `txpool_content`).
    pub fn all_pending(&self) -> Vec<Arc<PooledTx>> {
        self.collect_sorted(TxStatus::Pending)
    }

    /// Every queued transaction, ordered by sender then nonce (for `txpool_content`).
    pub fn all_queued(&self) -> Vec<Arc<PooledTx>> {
        self.collect_sorted(TxStatus::Queued)
    }

    fn collect_sorted(&self, status: TxStatus) -> Vec<Arc<PooledTx>> {
        let inner = self.inner.read();
        let mut senders: Vec<_> = inner.senders.iter().collect();
        senders.sort_unstable_by_key(|(address, _)| **address);
        senders
            .into_iter()
            .flat_map(|(_, sender)| {
                let range = match status {
                    TxStatus::Pending => sender.txs.range(sender.state_nonce..sender.pending_end),
                    TxStatus::Queued => sender.txs.range(sender.pending_end..),
                };
                range.map(|(_, entry)| entry.tx.clone())
            })
            .collect()
    }

    fn notify(&self, hashes: &[TxHash]) {
        if self.new_pending.receiver_count() == 0 {
            return;
        }
        for hash in hashes {
            // Only fails when every receiver is gone, which is not an error for the pool.
            let _ = self.new_pending.send(*hash);
        }
    }
}

/// Reads the nonce of each account, falling back to the given nonce (or skipping the account)
/// when the state cannot be read.
fn read_nonces(
    accounts: Vec<(Address, Option<u64>)>,
    state: &(impl StateView + ?Sized),
) -> Vec<(Address, u64)> {
    accounts
        .into_iter()
        .filter_map(|(address, fallback)| match state.account(address) {
            Ok((nonce, _)) => Some((address, nonce)),
            Err(error) => {
                warn!(target: "tephra::txpool", %address, %error, "cannot read account nonce");
                fallback.map(|nonce| (address, nonce))
            }
        })
        .collect()
}

/// A pooled transaction and its arrival order (ties in tip go to the earlier one).
#[derive(Debug)]
pub(crate) struct PoolEntry {
    pub(crate) tx: Arc<PooledTx>,
    pub(crate) arrival: u64,
}

/// The transactions of one sender.
#[derive(Debug)]
pub(crate) struct SenderTxs {
    /// The sender's next nonce in the latest state the pool saw; no key is below it.
    pub(crate) state_nonce: u64,
    /// The first nonce at or above `state_nonce` without a transaction.
    pub(crate) pending_end: u64,
    pub(crate) txs: BTreeMap<u64, PoolEntry>,
}

impl SenderTxs {
    const fn new(state_nonce: u64) -> Self {
        Self { state_nonce, pending_end: state_nonce, txs: BTreeMap::new() }
    }

    const fn pending_len(&self) -> usize {
        (self.pending_end - self.state_nonce) as usize
    }

    pub(crate) const fn is_pending(&self, nonce: u64) -> bool {
        self.state_nonce <= nonce && nonce < self.pending_end
    }

    /// Moves `pending_end` over the run of transactions starting at it.
    fn promote(&mut self, promoted: &mut Vec<TxHash>) {
        while let Some(entry) = self.txs.get(&self.pending_end) {
            promoted.push(entry.tx.hash());
            self.pending_end += 1;
        }
    }

    /// Inserts at the entry's nonce (at or above `state_nonce`), returning the replaced entry.
    fn insert(&mut self, entry: PoolEntry, promoted: &mut Vec<TxHash>) -> Option<PoolEntry> {
        let (nonce, hash) = (entry.tx.nonce(), entry.tx.hash());
        let replaced = self.txs.insert(nonce, entry);
        if nonce < self.pending_end {
            promoted.push(hash);
        } else if nonce == self.pending_end {
            self.promote(promoted);
        }
        replaced
    }

    /// Removes the transaction at `nonce`; later pending ones become queued.
    fn remove(&mut self, nonce: u64) -> Option<PoolEntry> {
        let entry = self.txs.remove(&nonce)?;
        self.pending_end = self.pending_end.min(nonce);
        Some(entry)
    }

    /// Moves to a new state nonce: drops transactions below it and recomputes what is pending.
    fn set_state_nonce(
        &mut self,
        nonce: u64,
        stale: &mut Vec<Arc<PooledTx>>,
        promoted: &mut Vec<TxHash>,
    ) {
        if nonce == self.state_nonce {
            return;
        }
        let kept = self.txs.split_off(&nonce);
        stale.extend(std::mem::replace(&mut self.txs, kept).into_values().map(|entry| entry.tx));
        // Moving up inside the pending run keeps the rest of the run pending.
        let run_intact = self.state_nonce < nonce && nonce <= self.pending_end;
        self.state_nonce = nonce;
        if !run_intact {
            self.pending_end = nonce;
            self.promote(promoted);
        }
    }
}

/// Indexes behind the pool's lock.
#[derive(Debug, Default)]
pub(crate) struct PoolInner {
    pub(crate) by_hash: B256Map<Arc<PooledTx>>,
    pub(crate) senders: AddressMap<SenderTxs>,
    pending_len: usize,
    next_arrival: u64,
}

impl PoolInner {
    /// Inserts a validated transaction; `state_nonce` is its sender's nonce as read for
    /// validation (the newer of it and the pool's view wins).
    fn insert(
        &mut self,
        tx: PooledTx,
        state_nonce: u64,
        config: &PoolConfig,
        update: &mut PoolUpdate,
    ) -> Result<AddedTx, PoolError> {
        let (hash, address, nonce) = (tx.hash(), tx.sender(), tx.nonce());
        if self.by_hash.contains_key(&hash) {
            return Err(PoolError::AlreadyKnown);
        }
        if self.senders.get(&address).is_some_and(|sender| sender.state_nonce < state_nonce) {
            self.set_sender_nonce(address, state_nonce, update);
        }
        let full = self.by_hash.len() >= config.max_txs;
        match self.senders.get(&address) {
            Some(sender) if nonce < sender.state_nonce => {
                return Err(PoolError::NonceTooLow { state: sender.state_nonce, tx: nonce });
            }
            Some(sender) => match sender.txs.get(&nonce) {
                Some(old)
                    if !is_acceptable_replacement(&old.tx, &tx, config.price_bump_percent) =>
                {
                    return Err(PoolError::ReplaceUnderpriced);
                }
                None if full => return Err(PoolError::PoolFull),
                _ => {}
            },
            None if full => return Err(PoolError::PoolFull),
            None => {}
        }

        let tx = Arc::new(tx);
        let entry = PoolEntry { tx: tx.clone(), arrival: self.next_arrival };
        self.next_arrival += 1;
        let sender = self.senders.entry(address).or_insert_with(|| SenderTxs::new(state_nonce));
        let pending_before = sender.pending_len();
        let replaced = sender.insert(entry, &mut update.promoted);
        let status = if sender.is_pending(nonce) { TxStatus::Pending } else { TxStatus::Queued };
        self.pending_len = self.pending_len - pending_before + sender.pending_len();
        self.by_hash.insert(hash, tx);
        let replaced = replaced.map(|old| {
            let old_hash = old.tx.hash();
            self.by_hash.remove(&old_hash);
            old_hash
        });
        Ok(AddedTx { hash, status, replaced })
    }

    /// Removes one transaction by hash.
    fn remove(&mut self, hash: &TxHash) -> Option<Arc<PooledTx>> {
        let tx = self.by_hash.remove(hash)?;
        let address = tx.sender();
        let sender = self.senders.get_mut(&address).expect("an indexed tx has a sender entry");
        let pending_before = sender.pending_len();
        sender.remove(tx.nonce());
        self.pending_len = self.pending_len - pending_before + sender.pending_len();
        if sender.txs.is_empty() {
            self.senders.remove(&address);
        }
        Some(tx)
    }

    /// Applies a new state nonce to a sender with pooled transactions (others are ignored).
    fn set_sender_nonce(&mut self, address: Address, nonce: u64, update: &mut PoolUpdate) {
        let Some(sender) = self.senders.get_mut(&address) else {
            return;
        };
        let pending_before = sender.pending_len();
        let mut stale = Vec::new();
        sender.set_state_nonce(nonce, &mut stale, &mut update.promoted);
        self.pending_len = self.pending_len - pending_before + sender.pending_len();
        if sender.txs.is_empty() {
            self.senders.remove(&address);
        }
        for tx in stale {
            self.by_hash.remove(&tx.hash());
            update.removed.push(tx.hash());
        }
    }
}
