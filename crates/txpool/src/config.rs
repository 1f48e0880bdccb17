//! Limits and chain parameters the pool validates against.

/// Largest EIP-2718 encoding the pool accepts by default, in bytes (geth's `txMaxSize`, 128 KiB).
pub const DEFAULT_MAX_TX_BYTES: usize = 4 * 32 * 1024;

/// Default fee increase, in percent, that a same-sender, same-nonce replacement must offer
/// (geth's `--txpool.pricebump`).
pub const DEFAULT_PRICE_BUMP_PERCENT: u64 = 10;

/// Settings of a [`crate::TxPool`].
///
/// The node builds this from the rollup's config and may swap it at run time with
/// [`crate::TxPool::set_config`] (for example when the block gas limit changes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolConfig {
    /// Chain id transactions must be signed for (EIP-155). Legacy transactions without a chain
    /// id (pre-EIP-155) are accepted.
    pub chain_id: u64,
    /// Gas limit of a block; a transaction asking for more is refused.
    pub block_gas_limit: u64,
    /// Largest EIP-2718 encoding accepted, in bytes.
    pub max_tx_bytes: usize,
    /// Percent by which a replacement must raise both its fee cap and its tip.
    pub price_bump_percent: u64,
    /// Most transactions held at once, pending and queued together.
    pub max_txs: usize,
}

impl Default for PoolConfig {
    /// A dev chain like anvil's: chain id 31337, 30M gas blocks, geth's size and bump limits,
    /// room for 100k transactions.
    fn default() -> Self {
        Self {
            chain_id: 31337,
            block_gas_limit: 30_000_000,
            max_tx_bytes: DEFAULT_MAX_TX_BYTES,
            price_bump_percent: DEFAULT_PRICE_BUMP_PERCENT,
            max_txs: 100_000,
        }
    }
}
