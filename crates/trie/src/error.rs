//! The trie's error type.

use alloy_primitives::B256;

/// Why a trie operation failed.
#[derive(Debug, thiserror::Error)]
pub enum TrieError {
    /// A node referenced by hash is not in the node store: the root was never committed to this
    /// store, or the store lost nodes.
    #[error("trie node {0} is missing from the node store")]
    MissingNode(B256),
    /// A stored node does not decode to a valid node at its position in the trie.
    #[error("trie node {hash} is corrupt: {reason}")]
    CorruptNode {
        /// The store key of the node (for a node embedded in its parent, the parent's key).
        hash: B256,
        /// What is wrong with it.
        reason: alloy_rlp::Error,
    },
    /// The node store itself failed (I/O, database error).
    #[error("node store failed: {0}")]
    Store(#[source] Box<dyn std::error::Error + Send + Sync>),
}
