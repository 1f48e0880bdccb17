//! From a block's tracked changes to its state-trie updates and new state root.
//!
//! Only the accounts and slots the block changed are re-hashed: each changed account's storage
//! trie is updated from its previous root (in parallel across accounts), then the account trie
//! from the parent's state root.

use crate::{
    ChainError,
    state::{BaseState, BlockState, TrackedAccount},
};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256, map::HashMap};
use alloy_trie::{EMPTY_ROOT_HASH, TrieAccount};
use parking_lot::Mutex;
use rayon::prelude::*;
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
    fn node(&self, hash: &B256) -> Result<Option<Bytes>, TrieError> {
        let node = self.0.trie_node(hash).map_err(|err| TrieError::Store(Box::new(err)))?;
        Ok(node.map(Bytes::from))
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
/// block reads never age out. The cache is split in shards by hash, each with its own lock and
/// generations, so that the threads of a parallel trie update rarely wait for each other.
#[derive(Debug)]
pub struct NodeCache {
    shards: Box<[parking_lot::RwLock<Generations>]>,
    /// Nodes per generation of one shard.
    capacity: usize,
}

const SHARDS: usize = 16;

#[derive(Debug, Default)]
struct Generations {
    young: HashMap<B256, Bytes>,
    old: HashMap<B256, Bytes>,
}

impl Generations {
    fn insert(&mut self, hash: B256, node: Bytes, capacity: usize) {
        if self.young.len() >= capacity {
            self.old = std::mem::take(&mut self.young);
        }
        self.young.insert(hash, node);
    }
}

impl NodeCache {
    /// A cache of about `2 * capacity` nodes at most.
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.div_ceil(SHARDS);
        let shards = (0..SHARDS).map(|_| Default::default()).collect();
        Self { shards, capacity }
    }

    fn shard(&self, hash: &B256) -> &parking_lot::RwLock<Generations> {
        &self.shards[usize::from(hash[0]) % SHARDS]
    }

    /// Adds nodes (a block's new nodes: the next block reads its upper levels first).
    pub fn extend<'a>(&self, nodes: impl IntoIterator<Item = &'a (B256, Vec<u8>)>) {
        for (hash, node) in nodes {
            self.insert(*hash, Bytes::copy_from_slice(node));
        }
    }

    fn insert(&self, hash: B256, node: Bytes) {
        self.shard(&hash).write().insert(hash, node, self.capacity);
    }

    fn get(&self, hash: &B256) -> Option<Bytes> {
        let shard = self.shard(hash);
        {
            let generations = shard.read();
            if let Some(node) = generations.young.get(hash) {
                return Some(node.clone());
            }
            if !generations.old.contains_key(hash) {
                return None;
            }
        }
        let mut generations = shard.write();
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
    fn node(&self, hash: &B256) -> Result<Option<Bytes>, TrieError> {
        if let Some(node) = self.cache.get(hash) {
            return Ok(Some(node));
        }
        let node = StoreNodes(self.reader).node(hash)?;
        if let Some(node) = &node {
            self.cache.insert(*hash, node.clone());
        }
        Ok(node)
    }
}

/// A [`NodeStore`] that remembers every node read through it: the trie nodes a computation
/// needed, for an execution witness.
#[derive(Debug)]
pub struct RecordingNodes<S> {
    inner: S,
    seen: Mutex<HashMap<B256, Bytes>>,
}

impl<S> RecordingNodes<S> {
    /// Wraps `inner`.
    pub fn new(inner: S) -> Self {
        Self { inner, seen: Mutex::default() }
    }

    /// The nodes read so far.
    pub fn into_nodes(self) -> HashMap<B256, Bytes> {
        self.seen.into_inner()
    }
}

impl<S: NodeStore> NodeStore for RecordingNodes<S> {
    fn node(&self, hash: &B256) -> Result<Option<Bytes>, TrieError> {
        let node = self.inner.node(hash)?;
        if let Some(node) = &node {
            self.seen.lock().insert(*hash, node.clone());
        }
        Ok(node)
    }
}

/// Computes the state changes and the new state root of a block: `state` holds its changes
/// over a parent state whose root is `parent_root`. `nodes` is where the tries read from (the
/// store, possibly through a recorder). The parent state must carry no dev overrides (a block
/// applies them as its first changes): an account's value before the block is the one the
/// block read from it.
pub fn compute_state_changes<S: NodeStore + Sync>(
    state: &BlockState,
    nodes: &S,
    parent_root: B256,
) -> Result<(B256, StateChanges), ChainError> {
    debug_assert!(
        !state.base().has_overrides(),
        "state changes over a parent with dev overrides would record patched values as before"
    );
    let mut changed: Vec<(&Address, &TrackedAccount)> =
        state.accounts().iter().filter(|(_, account)| account.is_changed()).collect();
    changed.sort_unstable_by_key(|(address, _)| **address);

    let per_account: Vec<AccountOutcome> = changed
        .par_iter()
        .map(|(address, tracked)| account_outcome(state.base(), nodes, **address, tracked))
        .collect::<Result<_, ChainError>>()?;

    let mut changes = StateChanges::default();
    let mut account_trie = Trie::new(nodes, parent_root);
    let mut trie_updates = Vec::with_capacity(per_account.len());
    for outcome in per_account {
        trie_updates.push(outcome.trie_update);
        if let Some(after) = &outcome.change.after {
            let deployed =
                outcome.change.before.as_ref().map(|b| b.code_hash) != Some(after.code_hash);
            if deployed && let Some(code) = state.codes().get(&after.code_hash) {
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
    // Freeing the thousands of nodes the update loaded takes a while: not on this path.
    let loaded = account_trie.unload();
    rayon::spawn(move || drop(loaded));
    Ok((commit.root, changes))
}

struct AccountOutcome {
    /// The account-trie change: hashed address and leaf.
    trie_update: (B256, Option<Vec<u8>>),
    change: AccountChange,
    slots: Vec<SlotChange>,
    nodes: Vec<(B256, Vec<u8>)>,
}

fn account_outcome<S: NodeStore + Sync>(
    parent: &BaseState,
    nodes: &S,
    address: Address,
    tracked: &TrackedAccount,
) -> Result<AccountOutcome, ChainError> {
    let before = tracked.original.as_ref().map(|info| TrieAccount {
        nonce: info.nonce,
        balance: info.balance,
        storage_root: tracked.original_storage_root,
        code_hash: info.code_hash,
    });
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
        for (slot, value) in parent.stored_slots(&address)? {
            if !tracked.storage.contains_key(&U256::from_be_bytes(slot.0)) {
                slots.push(SlotChange { address, slot, before: value, after: U256::ZERO });
            }
        }
    }
    let previous_root = tracked.original_storage_root;
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
    let trie_update = (keccak256(address), after.as_ref().map(alloy_rlp::encode));
    Ok(AccountOutcome {
        trie_update,
        change: AccountChange { address, before, after },
        slots,
        nodes: new_nodes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Node `i`; nodes 1 to 4 share a shard.
    fn node(i: u8) -> (B256, Vec<u8>) {
        (B256::repeat_byte(i * SHARDS as u8), vec![i; 40])
    }

    #[test]
    fn node_cache_keeps_what_is_read_and_forgets_the_rest() {
        // Two nodes per generation of a shard.
        let cache = NodeCache::new(2 * SHARDS);
        cache.extend(&[node(1), node(2)]);
        // The young generation is full: 3 starts a new one, 1 and 2 become old.
        cache.extend(&[node(3)]);
        assert_eq!(cache.get(&node(1).0).as_deref().map(|n| &n[..]), Some(&[1u8; 40][..]));
        // 1 was promoted (young: 3, 1); 4 ages them, dropping 2 which nobody read.
        cache.extend(&[node(4)]);
        assert!(cache.get(&node(2).0).is_none());
        assert!(cache.get(&node(1).0).is_some());
        assert!(cache.get(&node(4).0).is_some());
    }
}
