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
pub use state_root::state_root_cost;
pub use zk_tree::zk_tree_cost;

/// Figures of an incremental-root benchmark ([`state_root_cost`], [`zk_tree_cost`]): blocks
/// touching `touched` entries of a state of `size`, against the final root from scratch.
#[derive(Debug, Clone)]
pub struct RootCostReport {
    /// Entries in the state (accounts, tree leaves) before the measured blocks.
    pub size: usize,
    /// Entries each measured block writes.
    pub touched: usize,
    /// Seconds to build the state.
    pub build_seconds: f64,
    /// Seconds of each measured block's root (the zk tree's with its commit, not its sync).
    pub samples: Vec<f64>,
    /// Seconds to compute the final state's root from scratch (the baseline).
    pub from_scratch_seconds: f64,
}

impl RootCostReport {
    /// The median sample, in milliseconds.
    pub fn median_ms(&self) -> f64 {
        let mut samples = self.samples.clone();
        samples.sort_by(f64::total_cmp);
        samples[samples.len() / 2] * 1e3
    }
}

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
