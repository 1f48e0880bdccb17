//! [`Trie`]: an open trie at some root, changed in memory and committed.

use crate::{
    EMPTY_ROOT_HASH, NodeStore, TrieError,
    node::{Branch, NewNodes, Node, Slot},
};
use alloy_primitives::{B256, keccak256};
use alloy_trie::{Nibbles, nodes::RlpNode};
use std::mem;

/// A Merkle-Patricia trie of 32-byte keys, opened at a root over a [`NodeStore`].
///
/// Nodes are loaded lazily, only on the paths a read or a change walks, and kept in memory from
/// then on. Changes are applied in memory and cost no hashing; [`Trie::commit`] hashes only the
/// nodes they touched and returns the new root with the new nodes, which the caller writes to
/// the store. The trie stays open at the new root, with everything it loaded still in memory,
/// so a long-lived trie serves block after block without reloading; open a fresh one with
/// [`Trie::new`] at a committed root to drop that memory.
///
/// If an operation fails (a node is missing or corrupt), the trie is unchanged.
pub struct Trie<S> {
    store: S,
    root: Slot,
}

/// Nodes taken out of a trie by [`Trie::unload`]; dropping this frees them.
pub struct Unloaded {
    _nodes: Slot,
}

impl std::fmt::Debug for Unloaded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Unloaded").finish_non_exhaustive()
    }
}

/// The outcome of [`Trie::commit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrieCommit {
    /// The root hash: `keccak256` of the root node's RLP, or [`EMPTY_ROOT_HASH`].
    pub root: B256,
    /// Every node created since the last commit, as `(keccak256(rlp), rlp)`, children before
    /// parents: each node of 32 bytes or more, and the root whatever its size (as geth stores
    /// it). Nodes already in the store are not repeated.
    pub nodes: Vec<(B256, Vec<u8>)>,
}

impl<S: NodeStore> Trie<S> {
    /// Opens the trie at `root` over `store`; [`EMPTY_ROOT_HASH`] opens an empty trie. Nothing is
    /// read until a key is: a root missing from the store surfaces as
    /// [`TrieError::MissingNode`] on first use.
    pub fn new(store: S, root: B256) -> Self {
        let root = if root == EMPTY_ROOT_HASH { Slot::Empty } else { Slot::Stored(root) };
        Self { store, root }
    }

    /// The node store.
    pub const fn store(&self) -> &S {
        &self.store
    }

    /// The node store, mutably: for instance to write a commit's nodes into a store the trie
    /// owns.
    pub const fn store_mut(&mut self) -> &mut S {
        &mut self.store
    }

    /// Takes the nodes a committed trie holds in memory out of it, to be freed where it costs
    /// least (freeing the thousands of nodes of a large update takes a while). The trie stays
    /// open at the same root, as [`Trie::new`] would open it. A trie with changes not committed
    /// yet is left as it is.
    pub fn unload(&mut self) -> Unloaded {
        let stored = match &self.root {
            Slot::Clean(_, reference) => Slot::Stored(root_hash(reference)),
            Slot::Empty | Slot::Stored(_) | Slot::Dirty(_) => {
                return Unloaded { _nodes: Slot::Empty };
            }
        };
        Unloaded { _nodes: mem::replace(&mut self.root, stored) }
    }

    /// Closes the trie, returning its store.
    pub fn into_store(self) -> S {
        self.store
    }

    /// The value under `key`, including changes not committed yet. Nodes it has to load are not
    /// kept, so reads do not grow the trie's memory.
    pub fn get(&self, key: &B256) -> Result<Option<Vec<u8>>, TrieError> {
        get(&self.root, &self.store, Nibbles::unpack(key))
    }

    /// Sets the value under `key`; an empty `value` removes the key, as in Ethereum where an
    /// empty value and an absent key are the same.
    pub fn insert(&mut self, key: B256, value: Vec<u8>) -> Result<(), TrieError> {
        if value.is_empty() {
            return self.remove(&key);
        }
        insert(&mut self.root, &self.store, Nibbles::unpack(key), value)?;
        Ok(())
    }

    /// Removes `key`; removing an absent key does nothing.
    pub fn remove(&mut self, key: &B256) -> Result<(), TrieError> {
        remove(&mut self.root, &self.store, Nibbles::unpack(key))?;
        Ok(())
    }

    /// Applies many changes: `Some(value)` sets a key (an empty value removes it), `None`
    /// removes it. The result does not depend on the order, except that a later change of the
    /// same key wins; sorted keys walk shared paths while they are hot in cache.
    ///
    /// Changes cost no hashing until [`Trie::commit`], so each costs one walk down its path.
    /// A large update of a trie whose root is a branch walks the root's subtries in parallel
    /// on rayon's pool: loading the nodes on the paths, not hashing, is what a state-root
    /// update of a large trie waits for. On error, some of the changes may stay applied.
    pub fn update<I>(&mut self, changes: I) -> Result<(), TrieError>
    where
        I: IntoIterator<Item = (B256, Option<Vec<u8>>)>,
        S: Sync,
    {
        let changes: Vec<_> = changes.into_iter().collect();
        if changes.len() >= PARALLEL_UPDATE {
            self.root.resolve(&self.store, KEY_NIBBLES)?;
        }
        let branch = match &mut self.root {
            Slot::Clean(Node::Branch(branch), _) | Slot::Dirty(Node::Branch(branch))
                if changes.len() >= PARALLEL_UPDATE =>
            {
                branch
            }
            _ => {
                for (key, value) in changes {
                    self.insert(key, value.unwrap_or_default())?;
                }
                return Ok(());
            }
        };
        let mut groups: [Vec<(Nibbles, Vec<u8>)>; 16] = Default::default();
        for (key, value) in changes {
            let (nibble, rest) = split_first(Nibbles::unpack(key));
            groups[nibble].push((rest, value.unwrap_or_default()));
        }
        let store = &self.store;
        let changed = branch.par_update_children(groups, |child, group| {
            let mut changed = false;
            for (path, value) in group {
                changed |= if value.is_empty() {
                    remove(child, store, path)?
                } else {
                    insert(child, store, path, value)?
                };
            }
            Ok(changed)
        })?;
        if !changed {
            return Ok(());
        }
        let mask = branch.mask();
        match mask.count_bits() {
            0 => self.root = Slot::Empty,
            // A branch needs two children: the last one takes its place, nibble included. It
            // must be loaded to know whether it absorbs the nibble or gets an extension.
            1 => {
                let last = mask.get().trailing_zeros() as u8;
                let mut child = branch.take_child(usize::from(last));
                child.resolve(store, KEY_NIBBLES - 1)?;
                self.root = Slot::absorb(Nibbles::from_nibbles_unchecked([last]), child);
            }
            _ => self.root.make_dirty(),
        }
        Ok(())
    }

    /// Hashes the nodes changed since the last commit and returns the new root and every new
    /// node to store. Untouched subtrees are not rehashed; a commit without changes returns
    /// the same root and no nodes. The root's subtrees are hashed in parallel on rayon's pool.
    pub fn commit(&mut self) -> Result<TrieCommit, TrieError> {
        let mut nodes = NewNodes::new();
        let root = match &self.root {
            Slot::Empty => EMPTY_ROOT_HASH,
            Slot::Stored(hash) => *hash,
            Slot::Clean(_, reference) => root_hash(reference),
            Slot::Dirty(_) => {
                let reference = self.root.hash_root(&mut nodes);
                let hash = root_hash(&reference);
                if reference.as_hash().is_none() {
                    // A root shorter than 32 bytes is still stored, under its hash.
                    nodes.push((hash, reference.to_vec()));
                }
                hash
            }
        };
        Ok(TrieCommit { root, nodes })
    }
}

impl<S> std::fmt::Debug for Trie<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let root = match &self.root {
            Slot::Empty => "empty",
            Slot::Stored(_) => "unloaded",
            Slot::Clean(..) => "committed",
            Slot::Dirty(_) => "changed",
        };
        f.debug_struct("Trie").field("root", &root).finish_non_exhaustive()
    }
}

/// Nibbles in a key.
const KEY_NIBBLES: usize = 64;

/// Changes from which [`Trie::update`] walks the root's subtries in parallel.
const PARALLEL_UPDATE: usize = 64;

/// The root hash of a root node with reference `reference`.
fn root_hash(reference: &RlpNode) -> B256 {
    reference.as_hash().unwrap_or_else(|| keccak256(reference))
}

/// The first nibble of `path` and the rest.
fn split_first(path: Nibbles) -> (usize, Nibbles) {
    let first = path.first().expect("branches sit above the key length, checked when decoded");
    (usize::from(first), path.slice(1..))
}

fn get<S: NodeStore>(slot: &Slot, store: &S, path: Nibbles) -> Result<Option<Vec<u8>>, TrieError> {
    match slot {
        Slot::Empty => Ok(None),
        Slot::Stored(hash) => get_in(&Node::load(store, hash, path.len())?, store, path),
        Slot::Clean(node, _) | Slot::Dirty(node) => get_in(node, store, path),
    }
}

fn get_in<S: NodeStore>(
    node: &Node,
    store: &S,
    path: Nibbles,
) -> Result<Option<Vec<u8>>, TrieError> {
    match node {
        Node::Leaf(leaf) => Ok((leaf.key == path).then(|| leaf.value.clone())),
        Node::Extension(ext) => {
            if path.starts_with(&ext.key) {
                get(&ext.child, store, path.slice(ext.key.len()..))
            } else {
                Ok(None)
            }
        }
        Node::Branch(branch) => {
            let (nibble, rest) = split_first(path);
            get(branch.child(nibble), store, rest)
        }
    }
}

/// Sets `path` to `value` (non-empty) in `slot`; returns whether anything changed.
fn insert<S: NodeStore>(
    slot: &mut Slot,
    store: &S,
    path: Nibbles,
    value: Vec<u8>,
) -> Result<bool, TrieError> {
    let node = match slot {
        Slot::Empty => {
            *slot = Slot::leaf(path, value);
            return Ok(true);
        }
        Slot::Stored(_) => {
            slot.resolve(store, path.len())?;
            return insert(slot, store, path, value);
        }
        Slot::Clean(node, _) | Slot::Dirty(node) => node,
    };
    let changed = match node {
        Node::Leaf(leaf) if leaf.key == path => {
            let changed = leaf.value != value;
            leaf.value = value;
            changed
        }
        Node::Leaf(leaf) => {
            // Both keys have the same length, so they part at some nibble: fork there.
            let common = leaf.key.common_prefix_length(&path);
            let old_nibble = usize::from(leaf.key.get_unchecked(common));
            leaf.key = leaf.key.slice(common + 1..);
            let mut old = mem::take(slot);
            old.make_dirty();
            let new = Slot::leaf(path.slice(common + 1..), value);
            let branch =
                Branch::new([(old_nibble, old), (usize::from(path.get_unchecked(common)), new)]);
            *slot = Slot::extension(path.slice(..common), Slot::branch(branch));
            return Ok(true);
        }
        Node::Extension(ext) => {
            let common = ext.key.common_prefix_length(&path);
            if common == ext.key.len() {
                insert(&mut ext.child, store, path.slice(common..), value)?
            } else {
                // The key leaves the extension at nibble `common`: fork there, keeping the rest
                // of the extension (if any) in front of its branch.
                let prefix = ext.key.slice(..common);
                let ext_nibble = usize::from(ext.key.get_unchecked(common));
                let rest = ext.key.slice(common + 1..);
                let old = if rest.is_empty() {
                    mem::take(&mut ext.child)
                } else {
                    ext.key = rest;
                    let mut old = mem::take(slot);
                    old.make_dirty();
                    old
                };
                let new = Slot::leaf(path.slice(common + 1..), value);
                let branch = Branch::new([
                    (ext_nibble, old),
                    (usize::from(path.get_unchecked(common)), new),
                ]);
                *slot = Slot::extension(prefix, Slot::branch(branch));
                return Ok(true);
            }
        }
        Node::Branch(branch) => {
            let (nibble, rest) = split_first(path);
            branch.update_child(nibble, |child| insert(child, store, rest, value))?
        }
    };
    if changed {
        slot.make_dirty();
    }
    Ok(changed)
}

/// Removes `path` from `slot`, collapsing what it leaves behind; returns whether anything
/// changed. Every fallible load happens before the first change.
fn remove<S: NodeStore>(slot: &mut Slot, store: &S, path: Nibbles) -> Result<bool, TrieError> {
    let node = match slot {
        Slot::Empty => return Ok(false),
        Slot::Stored(_) => {
            slot.resolve(store, path.len())?;
            return remove(slot, store, path);
        }
        Slot::Clean(node, _) | Slot::Dirty(node) => node,
    };
    match node {
        Node::Leaf(leaf) => {
            if leaf.key != path {
                return Ok(false);
            }
            *slot = Slot::Empty;
        }
        Node::Extension(ext) => {
            if !path.starts_with(&ext.key)
                || !remove(&mut ext.child, store, path.slice(ext.key.len()..))?
            {
                return Ok(false);
            }
            // The branch below may have collapsed into a leaf or an extension: absorb it.
            let key = ext.key;
            let child = mem::take(&mut ext.child);
            *slot = Slot::absorb(key, child);
        }
        Node::Branch(branch) => {
            let (nibble, rest) = split_first(path);
            branch.update_child(nibble, |child| child.resolve(store, rest.len()))?;
            let empties = matches!(
                branch.child(nibble),
                Slot::Clean(Node::Leaf(leaf), _) | Slot::Dirty(Node::Leaf(leaf)) if leaf.key == rest
            );
            let mask = branch.mask();
            if empties && mask.count_bits() == 2 {
                // The branch will collapse into its other child, which must be loaded to know
                // how: load it before changing anything.
                let other = (mask.get() & !(1 << nibble)).trailing_zeros() as usize;
                branch.update_child(other, |child| child.resolve(store, rest.len()))?;
            }
            if !branch.update_child(nibble, |child| remove(child, store, rest))? {
                return Ok(false);
            }
            let mask = branch.mask();
            match mask.count_bits() {
                // Only reachable from a stored branch of one child, which decoding refuses.
                0 => *slot = Slot::Empty,
                // A branch needs two children: the last one takes its place, nibble included.
                1 => {
                    let last = mask.get().trailing_zeros() as u8;
                    let child = branch.take_child(usize::from(last));
                    *slot = Slot::absorb(Nibbles::from_nibbles_unchecked([last]), child);
                }
                _ => slot.make_dirty(),
            }
        }
    }
    Ok(true)
}
