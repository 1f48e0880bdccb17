//! Where committed nodes are read from.

use crate::TrieError;
use alloy_primitives::{B256, Bytes};
use std::{collections::HashMap, hash::BuildHasher};

/// Read access to a content-addressed store of trie nodes: `keccak256(rlp) -> rlp`.
///
/// Nodes come back as [`Bytes`], so that a store holding them in memory hands out a shared
/// reference instead of a copy. The trie only reads; the caller persists the nodes returned by
/// [`Trie::commit`](crate::Trie::commit). The store is trusted to return the bytes stored under
/// a hash: nodes are checked for shape when decoded, not re-hashed.
pub trait NodeStore {
    /// The RLP of the node stored under `hash`, or `None` if there is none.
    fn node(&self, hash: &B256) -> Result<Option<Bytes>, TrieError>;
}

impl<H: BuildHasher> NodeStore for HashMap<B256, Vec<u8>, H> {
    fn node(&self, hash: &B256) -> Result<Option<Bytes>, TrieError> {
        Ok(self.get(hash).map(|node| Bytes::copy_from_slice(node)))
    }
}

impl<T: NodeStore + ?Sized> NodeStore for &T {
    fn node(&self, hash: &B256) -> Result<Option<Bytes>, TrieError> {
        (**self).node(hash)
    }
}

/// Loads the node stored under `hash`, turning its absence into [`TrieError::MissingNode`].
pub(crate) fn load<S: NodeStore + ?Sized>(store: &S, hash: &B256) -> Result<Bytes, TrieError> {
    store.node(hash)?.ok_or(TrieError::MissingNode(*hash))
}
