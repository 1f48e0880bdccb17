//! From a block's tracked changes to its state-trie updates and new state root.
//!
//! Only the accounts and slots the block changed are re-hashed: each changed account's storage
//! trie is updated from its previous root (in parallel across accounts), then the account trie
//! from the parent's state root.

use crate::{
    ChainError,
    state::{StateDb, TrackedAccount},
};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256, map::HashMap};
use alloy_trie::{EMPTY_ROOT_HASH, TrieAccount};
use parking_lot::Mutex;
use rayon::prelude::*;
use revm::bytecode::Bytecode;
use std::sync::Arc;
use tephra_storage::{AccountChange, SlotChange, StoreReader};

use tephra_trie::{NodeStore, Trie, TrieError};

/// A block's writes to the store, besides the block itself.
#[derive(Debug, Default, Clone)]
pub struct StateChanges {
    /// Changed accounts, sorted by address.
    pub accounts: Vec<AccountChange>,
    /// Changed slots.
    pub slots: Vec<SlotChange>,
    /// Newly deployed bytecode.
    pub codes: Vec<(B256, Bytes)>,
    /// New trie nodes.
    pub trie_nodes: Vec<(B256, Vec<u8>)>,
}

/// The store's trie nodes as a [`NodeStore`].
#[derive(Debug, Clone, Copy)]
pub struct StoreNodes<'a>(pub &'a StoreReader);

impl NodeStore for StoreNodes<'_> {
    fn node(&self, hash: &B256) -> Result<Option<Vec<u8>>, TrieError> {
        self.0.trie_node(hash).map_err(|err| TrieError::Store(Box::new(err)))
    }
}

/// Trie nodes kept in memory in front of the store. Nodes are addressed by their hash and
/// never change, so a cached node is never stale, across blocks and unwinds alike. The upper
/// levels of the tries are read by every block; keeping them here saves most store reads of
/// a state-root update.
///
/// Bounded with two generations, an approximation of least-recently-used: new and read nodes
/// go to the young generation; when it is full it becomes the old one (the previous old one is
/// dropped), and a node found in the old generation moves back to the young one. Nodes every
/// block reads never age out.
#[derive(Debug)]
pub struct NodeCache {
    generations: parking_lot::RwLock<Generations>,
    /// Nodes per generation.
    capacity: usize,
}

#[derive(Debug, Default)]
struct Generations {
    young: HashMap<B256, Arc<[u8]>>,
    old: HashMap<B256, Arc<[u8]>>,
}

impl Generations {
    fn insert(&mut self, hash: B256, node: Arc<[u8]>, capacity: usize) {
        if self.young.len() >= capacity {
            self.old = std::mem::take(&mut self.young);
        }
        self.young.insert(hash, node);
    }
}

impl NodeCache {
    /// A cache of at most `2 * capacity` nodes.
    pub fn new(capacity: usize) -> Self {
        Self { generations: Default::default(), capacity }
    }

    /// Adds nodes (a block's new nodes: the next block reads its upper levels first).
    pub fn extend<'a>(&self, nodes: impl IntoIterator<Item = &'a (B256, Vec<u8>)>) {
        let mut generations = self.generations.write();
        for (hash, node) in nodes {
            generations.insert(*hash, Arc::from(node.as_slice()), self.capacity);
        }
    }

    fn get(&self, hash: &B256) -> Option<Arc<[u8]>> {
        {
            let generations = self.generations.read();
            if let Some(node) = generations.young.get(hash) {
                return Some(node.clone());
            }
            if !generations.old.contains_key(hash) {
                return None;
            }
        }
        let mut generations = self.generations.write();
        let node = generations.old.remove(hash)?;
        generations.insert(*hash, node.clone(), self.capacity);
        Some(node)
    }
}

/// The store's trie nodes read through a [`NodeCache`].
#[derive(Debug, Clone, Copy)]
pub struct CachedNodes<'a> {
    /// The store snapshot.
    pub reader: &'a StoreReader,
    /// The cache in front of it.
    pub cache: &'a NodeCache,
}

impl NodeStore for CachedNodes<'_> {
    fn node(&self, hash: &B256) -> Result<Option<Vec<u8>>, TrieError> {
        if let Some(node) = self.cache.get(hash) {
            return Ok(Some(node.to_vec()));
        }
        let node = StoreNodes(self.reader).node(hash)?;
        if let Some(node) = &node {
            self.cache.generations.write().insert(
                *hash,
                Arc::from(node.as_slice()),
                self.cache.capacity,
            );
        }
        Ok(node)
    }
}

/// A [`NodeStore`] that remembers every node read through it: the trie nodes a computation
/// needed, for an execution witness.
#[derive(Debug)]
pub struct RecordingNodes<S> {
    inner: S,
    seen: Mutex<HashMap<B256, Vec<u8>>>,
}

impl<S> RecordingNodes<S> {
    /// Wraps `inner`.
    pub fn new(inner: S) -> Self {
        Self { inner, seen: Mutex::default() }
    }

    /// The nodes read so far.
    pub fn into_nodes(self) -> HashMap<B256, Vec<u8>> {
        self.seen.into_inner()
    }
}

impl<S: NodeStore> NodeStore for RecordingNodes<S> {
    fn node(&self, hash: &B256) -> Result<Option<Vec<u8>>, TrieError> {
        let node = self.inner.node(hash)?;
        if let Some(node) = &node {
            self.seen.lock().insert(*hash, node.clone());
        }
        Ok(node)
    }
}

/// Computes the state changes and the new state root of a block applied on top of `parent`
/// (a state whose root is `parent_root`). `nodes` is where the tries read from (the store,
/// possibly through a recorder).
pub fn compute_state_changes<S: NodeStore + Sync>(
    parent: &StateDb,
    nodes: &S,
    parent_root: B256,
    accounts: &HashMap<Address, TrackedAccount>,
    codes: &HashMap<B256, Bytecode>,
) -> Result<(B256, StateChanges), ChainError> {
    let mut changed: Vec<(&Address, &TrackedAccount)> =
        accounts.iter().filter(|(_, account)| account.is_changed()).collect();
    changed.sort_unstable_by_key(|(address, _)| **address);

    let per_account: Vec<AccountOutcome> = changed
        .par_iter()
        .map(|(address, tracked)| account_outcome(parent, nodes, **address, tracked))
        .collect::<Result<_, ChainError>>()?;

    let mut changes = StateChanges::default();
    let mut account_trie = Trie::new(nodes, parent_root);
    let mut trie_updates = Vec::with_capacity(per_account.len());
    for outcome in per_account {
        let key = keccak256(outcome.change.address);
        trie_updates.push((key, outcome.change.after.as_ref().map(alloy_rlp::encode)));
        if let Some(after) = &outcome.change.after {
            let deployed =
                outcome.change.before.as_ref().map(|b| b.code_hash) != Some(after.code_hash);
            if deployed && let Some(code) = codes.get(&after.code_hash) {
                changes.codes.push((after.code_hash, code.original_bytes()));
            }
        }
        changes.slots.extend(outcome.slots);
        changes.trie_nodes.extend(outcome.nodes);
        changes.accounts.push(outcome.change);
    }
    trie_updates.sort_unstable_by_key(|(key, _)| *key);
    account_trie.update(trie_updates)?;
    let commit = account_trie.commit()?;
    changes.trie_nodes.extend(commit.nodes);
    Ok((commit.root, changes))
}

struct AccountOutcome {
    change: AccountChange,
    slots: Vec<SlotChange>,
    nodes: Vec<(B256, Vec<u8>)>,
}

fn account_outcome<S: NodeStore>(
    parent: &StateDb,
    nodes: &S,
    address: Address,
    tracked: &TrackedAccount,
) -> Result<AccountOutcome, ChainError> {
    let before = parent.trie_account(&address)?;
    let mut slots: Vec<SlotChange> = tracked
        .storage
        .iter()
        .filter(|(_, (before, now))| before != now)
        .map(|(slot, (before, now))| SlotChange {
            address,
            slot: B256::from(*slot),
            before: *before,
            after: *now,
        })
        .collect();
    if tracked.cleared {
        // Slots the block never touched are wiped too.
        for (slot, value) in parent.reader().storage_slots(&address)? {
            if !tracked.storage.contains_key(&U256::from_be_bytes(slot.0)) {
                slots.push(SlotChange { address, slot, before: value, after: U256::ZERO });
            }
        }
    }
    let previous_root = before.as_ref().map_or(EMPTY_ROOT_HASH, |account| account.storage_root);
    let (storage_root, new_nodes) = if slots.is_empty() && !tracked.cleared {
        (previous_root, Vec::new())
    } else {
        let start = if tracked.cleared { EMPTY_ROOT_HASH } else { previous_root };
        let mut trie = Trie::new(nodes, start);
        let mut updates: Vec<(B256, Option<Vec<u8>>)> = if tracked.cleared {
            tracked
                .storage
                .iter()
                .filter(|(_, (_, now))| !now.is_zero())
                .map(|(slot, (_, now))| {
                    (keccak256(B256::from(*slot)), Some(alloy_rlp::encode(now)))
                })
                .collect()
        } else {
            slots
                .iter()
                .map(|change| {
                    let value = (!change.after.is_zero()).then(|| alloy_rlp::encode(change.after));
                    (keccak256(change.slot), value)
                })
                .collect()
        };
        updates.sort_unstable_by_key(|(key, _)| *key);
        trie.update(updates)?;
        let commit = trie.commit()?;
        (commit.root, commit.nodes)
    };
    let after = tracked.current.as_ref().map(|info| TrieAccount {
        nonce: info.nonce,
        balance: info.balance,
        storage_root,
        code_hash: info.code_hash,
    });
    Ok(AccountOutcome { change: AccountChange { address, before, after }, slots, nodes: new_nodes })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(i: u8) -> (B256, Vec<u8>) {
        (B256::repeat_byte(i), vec![i; 40])
    }

    #[test]
    fn node_cache_keeps_what_is_read_and_forgets_the_rest() {
        let cache = NodeCache::new(2);
        cache.extend(&[node(1), node(2)]);
        // The young generation is full: 3 starts a new one, 1 and 2 become old.
        cache.extend(&[node(3)]);
        assert_eq!(cache.get(&B256::repeat_byte(1)).as_deref(), Some(&[1u8; 40][..]));
        // 1 was promoted (young: 3, 1); 4 ages them, dropping 2 which nobody read.
        cache.extend(&[node(4)]);
        assert!(cache.get(&B256::repeat_byte(2)).is_none());
        assert!(cache.get(&B256::repeat_byte(1)).is_some());
        assert!(cache.get(&B256::repeat_byte(4)).is_some());
    }
}
