//! The transaction pool of a Tephra EVM node, like geth's legacy pool or anvil's.
//!
//! It holds signed Ethereum transactions (legacy, EIP-2930, EIP-1559, EIP-7702) and ZK Stack's
//! EIP-712 transactions (type `0x71`, whose sender must be the signer of their EIP-712 hash;
//! the node lets them in on zk-stack chains only) between `eth_sendRawTransaction` and the
//! sequencer: it decodes them and recovers their senders
//! ([`decode_and_recover`], [`recover_batch`] in parallel), validates them against the config,
//! the next base fee and the sender's account (refusing with geth's exact messages, see
//! [`PoolError`]), orders each sender's transactions by nonce into pending and queued, and hands
//! the block builder the executable ones by tip ([`TxPool::best_transactions`]).
//!
//! It is not a p2p mempool (no gossip, no eviction by price, no per-account slot limits: a
//! full pool refuses), it does not execute transactions (the sequencer reports failures back
//! with [`TxPool::remove_invalid`]), and it holds no blob transactions (no sidecars here).
//!
//! Start reading at [`TxPool`]; the node implements [`StateView`] and calls
//! [`TxPool::on_block_committed`] after each block.

mod best;
mod config;
mod error;
mod pool;
mod tx;
mod validate;

#[cfg(test)]
mod tests;

pub use best::BestTransactions;
pub use config::{DEFAULT_MAX_TX_BYTES, DEFAULT_PRICE_BUMP_PERCENT, PoolConfig};
pub use error::{PoolError, StateError};
pub use pool::{AddedTx, PENDING_SUBSCRIPTION_CAPACITY, PoolUpdate, StateView, TxPool, TxStatus};
pub use tx::{PARALLEL_RECOVERY_THRESHOLD, PooledTx, decode_and_recover, recover_batch};
