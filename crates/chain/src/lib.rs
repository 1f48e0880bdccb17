//! The execution core of every Tephra chain: revm block execution with Ethereum's block rules,
//! Merkle-Patricia state kept up to date incrementally, and state at any past block.
//!
//! It does not know which framework, DA layer or proof system a rollup uses, nor how blocks
//! are scheduled: a [`Framework`] (implemented in `tephra-frameworks`) decides how a block's
//! transactions execute, and a sequencer (in `tephra-node`) calls [`Chain::build_block`] and
//! [`Chain::commit_block`]. Start from [`Chain`].

mod call;
mod chain;
mod error;
mod execute;
mod framework;
mod spec;
mod state;
mod state_root;
mod stateless;
mod stateless_call;
mod witness;

pub use call::{CALL_WITNESS_GAS_CAP, CallAt, CallError, CallWitness, geth_message};
pub use chain::{Chain, NODE_CACHE_CAPACITY, PendingBlock, SealedHeader};
pub use error::ChainError;
pub use execute::{
    BlockAttributes, ExecutedBlock, L1Inputs, L1Origin, SealedBlock, block_base_fee, evm_env,
    execute_block, next_base_fee, next_header,
};
pub use framework::{
    BlockRun, BlockTxs, CallInspector, ETHEREUM_TX_TYPES, Framework, Skipped, TraceOutcome,
    Validation, ethereum_transact, execution_error, run_transactions, run_transactions_scheduling,
};
pub use spec::{ChainSpec, forks_through};
pub use state::{AccountPatch, BaseState, BlockState, DevOverrides, StateDb, TrackedAccount};
pub use state_root::{
    CachedNodes, NodeCache, RecordingNodes, StateChanges, StoreNodes, compute_state_changes,
};
pub use stateless::{StatelessError, VerifiedBlock, WitnessGap, WitnessState, verify_block};
pub use stateless_call::{
    IStatelessCall, STATELESS_CALL, STATELESS_CALL_BASE_GAS, StatelessCall, install_stateless_call,
    keccak_gas, stateless_call, stateless_call_precompile,
};
