//! An updatable, persistent Ethereum Merkle-Patricia trie over a content-addressed node store.
//!
//! This is the state and storage trie of a Tephra chain: it keeps the MPT root up to date
//! incrementally (a block that touches `k` keys re-hashes only the `O(k log n)` nodes on their
//! paths), serves `eth_getProof`-style proofs at any committed root, and hands back every new
//! node to persist. Storage follows geth's hash-based archive scheme: each node whose RLP is at
//! least 32 bytes is stored under `keccak256(rlp)`, smaller nodes are embedded in their parent
//! exactly as the Yellow Paper requires, and nothing is ever deleted, so every old root stays
//! readable. Node types and encodings come from `alloy-trie`, whose `HashBuilder` computes the
//! same roots from scratch.
//!
//! It is deliberately not a database: a [`NodeStore`] is only read, and the caller writes the
//! nodes of a [`TrieCommit`] wherever it keeps them (redb, a `HashMap` in tests). Keys are always
//! 32 bytes (hashed addresses or slots), so branches never carry values, and it does no pruning.
//!
//! Start from [`Trie`]: open one at a root with [`Trie::new`], change it with [`Trie::insert`],
//! [`Trie::remove`] or [`Trie::update`], then [`Trie::commit`]; read proofs with [`proof`].

mod error;
mod node;
mod proof;
mod store;
mod trie;

pub use alloy_trie::EMPTY_ROOT_HASH;
pub use error::TrieError;
pub use proof::proof;
pub use store::NodeStore;
pub use trie::{Trie, TrieCommit, Unloaded};
