//! The block builder's view of the pool: executable transactions, most profitable first.

use crate::{PooledTx, pool::PoolInner};
use alloy_primitives::{Address, TxHash, map::AddressSet};
use parking_lot::RwLock;
use std::{cmp::Ordering, collections::BinaryHeap, sync::Arc};

/// Iterator over pending transactions by effective tip at a base fee, highest first and ties in
/// arrival order, never yielding a sender's nonce before its predecessor.
///
/// Created by [`crate::TxPool::best_transactions`]. It starts from the lowest pending nonce of
/// every sender at creation, and on each step takes the pool's read lock briefly to fetch the
/// best sender's next nonce, so the pool stays writable while the builder executes. A sender
/// whose next transaction has a fee cap below the base fee is skipped with all its later
/// transactions; others are unaffected. A transaction removed after creation is not yielded,
/// nor are the sender's later ones; one replaced before it was yielded is yielded as its
/// replacement, at the replacement's tip. A transaction added after creation is yielded only if
/// its sender was in the iterator and its predecessor had not been yielded yet; otherwise it
/// waits for the next iterator (block).
///
/// When the builder does not include a yielded transaction (it failed, or did not fit), it
/// calls [`BestTransactions::mark_invalid`] so the sender's later nonces are not yielded.
#[derive(Debug)]
pub struct BestTransactions<'a> {
    pool: &'a RwLock<PoolInner>,
    base_fee: u64,
    heap: BinaryHeap<Candidate>,
    skipped: AddressSet,
}

impl<'a> BestTransactions<'a> {
    pub(crate) fn new(pool: &'a RwLock<PoolInner>, base_fee: u64) -> Self {
        let heap = {
            let inner = pool.read();
            inner
                .senders
                .values()
                .filter(|sender| sender.pending_end > sender.state_nonce)
                .filter_map(|sender| sender.txs.get(&sender.state_nonce))
                .filter_map(|entry| Candidate::new(&entry.tx, entry.arrival, base_fee))
                .collect()
        };
        Self { pool, base_fee, heap, skipped: AddressSet::default() }
    }

    /// Stops yielding transactions from `sender` (its next nonce will not be in this block).
    pub fn mark_invalid(&mut self, sender: Address) {
        self.skipped.insert(sender);
    }

    /// The base fee tips are computed at.
    pub const fn base_fee(&self) -> u64 {
        self.base_fee
    }
}

impl Iterator for BestTransactions<'_> {
    type Item = Arc<PooledTx>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let candidate = self.heap.pop()?;
            if self.skipped.contains(&candidate.sender) {
                continue;
            }
            let inner = self.pool.read();
            let Some(sender) = inner.senders.get(&candidate.sender) else { continue };
            if !sender.is_pending(candidate.nonce) {
                continue;
            }
            let Some(entry) = sender.txs.get(&candidate.nonce) else { continue };
            if entry.tx.hash() != candidate.hash {
                // Replaced since it was queued here: rank the replacement at its own tip.
                self.heap.extend(Candidate::new(&entry.tx, entry.arrival, self.base_fee));
                continue;
            }
            if let Some(next_nonce) = candidate.nonce.checked_add(1)
                && sender.is_pending(next_nonce)
                && let Some(next) = sender.txs.get(&next_nonce)
            {
                self.heap.extend(Candidate::new(&next.tx, next.arrival, self.base_fee));
            }
            return Some(entry.tx.clone());
        }
    }
}

/// A sender's next transaction, ranked by tip then arrival.
#[derive(Debug)]
struct Candidate {
    tip: u128,
    arrival: u64,
    sender: Address,
    nonce: u64,
    hash: TxHash,
}

impl Candidate {
    /// `None` if the transaction cannot pay `base_fee`.
    fn new(tx: &PooledTx, arrival: u64, base_fee: u64) -> Option<Self> {
        Some(Self {
            tip: tx.effective_tip(base_fee)?,
            arrival,
            sender: tx.sender(),
            nonce: tx.nonce(),
            hash: tx.hash(),
        })
    }
}

impl Ord for Candidate {
    /// Higher tip first, then earlier arrival (arrivals are unique).
    fn cmp(&self, other: &Self) -> Ordering {
        self.tip.cmp(&other.tip).then_with(|| other.arrival.cmp(&self.arrival))
    }
}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Candidate {}
