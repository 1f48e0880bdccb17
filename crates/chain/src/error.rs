use alloy_primitives::B256;

/// What went wrong in the chain core.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] tephra_storage::StoreError),
    /// A trie operation failed.
    #[error(transparent)]
    Trie(#[from] tephra_trie::TrieError),
    /// An account names code the store does not have: the database is inconsistent.
    #[error("code {0} is missing from the store")]
    MissingCode(B256),
    /// A stateless execution needed something its execution witness does not hold.
    #[error("the execution witness lacks {0}")]
    IncompleteWitness(crate::WitnessGap),
    /// A block the caller named does not exist.
    #[error("block {0} not found")]
    UnknownBlock(String),
    /// Executing a block failed for a reason that is not one transaction's fault.
    #[error("block execution failed: {0}")]
    Execution(String),
    /// The store holds a chain created under other rules than the configured ones.
    #[error(
        "the database holds a chain of the {stored} framework, but {configured} was configured"
    )]
    RulesMismatch {
        /// Rules recorded in the store.
        stored: String,
        /// Rules configured now.
        configured: String,
    },
    /// The genesis in the store is not the genesis of the configured chain.
    #[error("the database holds another chain: genesis {stored}, configured {configured}")]
    GenesisMismatch {
        /// Genesis hash found in the store.
        stored: B256,
        /// Genesis hash of the configuration.
        configured: B256,
    },
}

impl revm::database_interface::DBErrorMarker for ChainError {}
