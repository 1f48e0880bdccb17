//! Benchmarks that compare Tephra with a baseline measured in the same run: a node under a
//! JSON-RPC load against anvil and against the in-process ceiling, the state-root cost of a
//! block in a large state, the same for ZKsync OS's state tree, and one Metalayer epoch
//! (checkpoint, signatures, certificate). They report figures; they assert nothing about speed.
//!
//! Start from [`throughput`], [`state_root_cost`], [`zk_tree_cost`] and [`epoch_cost`].

mod epoch;
mod interop;
mod load;
mod state_root;
mod workload;
mod zk_tree;

pub use epoch::{EpochReport, epoch_cost};
pub use interop::{InteropConfig, InteropReport, Phase, PhaseReport, interop, quantile};
pub use load::{Rate, ThroughputConfig, ThroughputReport, throughput};
pub use state_root::{StateRootReport, state_root_cost};
pub use zk_tree::{ZkTreeReport, zk_tree_cost};

/// What can stop a benchmark.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// A node process could not be started or did not answer.
    #[error("{0}")]
    Node(String),
    /// A JSON-RPC call failed.
    #[error("JSON-RPC {method}: {message}")]
    Rpc {
        /// The method.
        method: String,
        /// What the node or the transport said.
        message: String,
    },
    /// The in-process chain failed.
    #[error(transparent)]
    Chain(#[from] tephra_chain::ChainError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] tephra_storage::StoreError),
    /// The Metalayer certificate core refused an input.
    #[error(transparent)]
    Metalayer(#[from] tephra_metalayer::MetalayerError),
    /// Key derivation failed.
    #[error("deriving keys: {0}")]
    Keys(#[from] alloy_signer_local::LocalSignerError),
}
