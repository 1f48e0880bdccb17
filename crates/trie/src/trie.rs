//! [`Trie`]: an open trie at some root, changed in memory and committed.

use crate::{
    EMPTY_ROOT_HASH, NodeStore, TrieError,
    node::{Branch, NewNodes, Node},
};
use alloy_primitives::{B256, keccak256};
use alloy_trie::Nibbles;
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
    root: Node,
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
        let root = if root == EMPTY_ROOT_HASH { Node::Empty } else { Node::Hash(root) };
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
    /// On error, the changes before the failing one stay applied.
    pub fn update<I>(&mut self, changes: I) -> Result<(), TrieError>
    where
        I: IntoIterator<Item = (B256, Option<Vec<u8>>)>,
    {
        for (key, value) in changes {
            match value {
                Some(value) => self.insert(key, value)?,
                None => self.remove(&key)?,
            }
        }
        Ok(())
    }

    /// Hashes the nodes changed since the last commit and returns the new root and every new
    /// node to store. Untouched subtrees are not rehashed; a commit without changes returns
    /// the same root and no nodes. The root's subtrees are hashed in parallel on rayon's pool.
    pub fn commit(&mut self) -> Result<TrieCommit, TrieError> {
        let mut nodes = NewNodes::new();
        let root = match &self.root {
            Node::Empty => EMPTY_ROOT_HASH,
            Node::Hash(hash) => *hash,
            _ => {
                let dirty = self.root.is_dirty();
                let reference = self.root.hash_root(&mut nodes);
                match reference.as_hash() {
                    Some(hash) => hash,
                    // A root shorter than 32 bytes is still stored, under its hash.
                    None => {
                        let hash = keccak256(&reference);
                        if dirty {
                            nodes.push((hash, reference.to_vec()));
                        }
                        hash
                    }
                }
            }
        };
        Ok(TrieCommit { root, nodes })
    }
}

impl<S> std::fmt::Debug for Trie<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let root = match &self.root {
            Node::Empty => "empty",
            Node::Hash(_) => "unloaded",
            node if node.is_dirty() => "changed",
            _ => "committed",
        };
        f.debug_struct("Trie").field("root", &root).finish_non_exhaustive()
    }
}

/// The first nibble of `path` and the rest.
fn split_first(path: Nibbles) -> (usize, Nibbles) {
    let first = path.first().expect("branches sit above the key length, checked when decoded");
    (usize::from(first), path.slice(1..))
}

fn get<S: NodeStore>(node: &Node, store: &S, path: Nibbles) -> Result<Option<Vec<u8>>, TrieError> {
    match node {
        Node::Empty => Ok(None),
        Node::Hash(hash) => get(&Node::load(store, hash, path.len())?, store, path),
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
            get(&branch.children[nibble], store, rest)
        }
    }
}

/// Sets `path` to `value` (non-empty) under `node`; returns whether anything changed.
fn insert<S: NodeStore>(
    node: &mut Node,
    store: &S,
    path: Nibbles,
    value: Vec<u8>,
) -> Result<bool, TrieError> {
    match node {
        Node::Empty => {
            *node = Node::leaf(path, value);
            Ok(true)
        }
        Node::Hash(_) => {
            node.resolve(store, path.len())?;
            insert(node, store, path, value)
        }
        Node::Leaf(leaf) => {
            if leaf.key == path {
                if leaf.value == value {
                    return Ok(false);
                }
                leaf.value = value;
                leaf.rlp = None;
                return Ok(true);
            }
            // Both keys have the same length, so they part at some nibble: fork there.
            let common = leaf.key.common_prefix_length(&path);
            let old_nibble = usize::from(leaf.key.get_unchecked(common));
            leaf.key = leaf.key.slice(common + 1..);
            leaf.rlp = None;
            let mut branch = Branch::new();
            branch.children[old_nibble] = mem::take(node);
            branch.children[usize::from(path.get_unchecked(common))] =
                Node::leaf(path.slice(common + 1..), value);
            *node = Node::extension(path.slice(..common), Node::Branch(branch));
            Ok(true)
        }
        Node::Extension(ext) => {
            let common = ext.key.common_prefix_length(&path);
            if common == ext.key.len() {
                let changed = insert(&mut ext.child, store, path.slice(common..), value)?;
                if changed {
                    ext.rlp = None;
                }
                return Ok(changed);
            }
            // The key leaves the extension at nibble `common`: fork there, keeping the rest of
            // the extension (if any) in front of its branch.
            let prefix = ext.key.slice(..common);
            let ext_nibble = usize::from(ext.key.get_unchecked(common));
            let rest = ext.key.slice(common + 1..);
            let old = if rest.is_empty() {
                mem::take(&mut ext.child)
            } else {
                ext.key = rest;
                ext.rlp = None;
                mem::take(node)
            };
            let mut branch = Branch::new();
            branch.children[ext_nibble] = old;
            branch.children[usize::from(path.get_unchecked(common))] =
                Node::leaf(path.slice(common + 1..), value);
            *node = Node::extension(prefix, Node::Branch(branch));
            Ok(true)
        }
        Node::Branch(branch) => {
            let (nibble, rest) = split_first(path);
            let changed = insert(&mut branch.children[nibble], store, rest, value)?;
            if changed {
                branch.rlp = None;
            }
            Ok(changed)
        }
    }
}

/// Removes `path` under `node`, collapsing what it leaves behind; returns whether anything
/// changed. Every fallible load happens before the first change.
fn remove<S: NodeStore>(node: &mut Node, store: &S, path: Nibbles) -> Result<bool, TrieError> {
    match node {
        Node::Empty => Ok(false),
        Node::Hash(_) => {
            node.resolve(store, path.len())?;
            remove(node, store, path)
        }
        Node::Leaf(leaf) => {
            if leaf.key != path {
                return Ok(false);
            }
            *node = Node::Empty;
            Ok(true)
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
            *node = Node::absorb(key, child);
            Ok(true)
        }
        Node::Branch(branch) => {
            let (nibble, rest) = split_first(path);
            branch.children[nibble].resolve(store, rest.len())?;
            let empties = matches!(&branch.children[nibble], Node::Leaf(leaf) if leaf.key == rest);
            let mask = branch.mask();
            if empties && mask.count_bits() == 2 {
                // The branch will collapse into its other child, which must be loaded to know
                // how: load it before changing anything.
                let other = mask.get() & !(1 << nibble);
                branch.children[other.trailing_zeros() as usize].resolve(store, rest.len())?;
            }
            if !remove(&mut branch.children[nibble], store, rest)? {
                return Ok(false);
            }
            branch.rlp = None;
            let mask = branch.mask();
            match mask.count_bits() {
                // Only reachable from a stored branch of one child, which decoding refuses.
                0 => *node = Node::Empty,
                // A branch needs two children: the last one takes its place, nibble included.
                1 => {
                    let last = mask.get().trailing_zeros() as u8;
                    let child = mem::take(&mut branch.children[usize::from(last)]);
                    *node = Node::absorb(Nibbles::from_nibbles_unchecked([last]), child);
                }
                _ => {}
            }
            Ok(true)
        }
    }
}
