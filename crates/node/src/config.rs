use alloy_genesis::GenesisAccount;
use alloy_primitives::{Address, U256};
use std::collections::BTreeMap;
use std::{path::PathBuf, sync::Arc, time::Duration};
use tephra_chain::Framework;
use tephra_primitives::dev::{DEV_BASE_FEE, DEV_CHAIN_ID, DEV_GAS_LIMIT};

/// When the sequencer seals blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockTime {
    /// As soon as transactions are pending (anvil's automine).
    Auto,
    /// On a fixed interval, empty or not, at wall-clock instants: when the milliseconds since
    /// the Unix epoch are [`NodeConfig::block_phase`] past a multiple of the interval. Chains
    /// on one interval thus seal in step, whenever each started.
    Interval(Duration),
}

/// Everything a node needs to start.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// The framework whose rules the chain runs.
    pub framework: Arc<dyn Framework>,
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// Block gas limit.
    pub gas_limit: u64,
    /// Base fee of the genesis block, in wei.
    pub base_fee: u64,
    /// Block production schedule.
    pub block_time: BlockTime,
    /// With [`BlockTime::Interval`]: how far past the interval's wall-clock grid blocks are
    /// sealed (a network's rollups seal half an epoch after the guardians' epochs start).
    pub block_phase: Duration,
    /// Where the database lives; `None`: a temporary directory removed on exit.
    pub datadir: Option<PathBuf>,
    /// Number of dev accounts derived from the standard mnemonic.
    pub accounts: u32,
    /// Balance of each dev account, in wei.
    pub balance: U256,
    /// For a rollup: the L1 blocks its follower delivers, which its blocks are derived from
    /// (`None` for an L1 or a dev chain).
    pub l1_feed: Option<Arc<crate::L1Feed>>,
    /// Accounts added to the genesis of a new chain (a network's Metalayer predeploys, say);
    /// ignored when the chain already exists.
    pub genesis_accounts: BTreeMap<Address, GenesisAccount>,
    /// The slot through which something outside the node hands the sequencer a call to send
    /// first in its next block (a rollup's certificate importer); `None`: no such calls.
    pub sequencer_calls: Option<Arc<crate::SequencerCalls>>,
}

impl Default for NodeConfig {
    fn default() -> Self {
        Self {
            framework: Arc::new(tephra_frameworks::Ethereum),
            chain_id: DEV_CHAIN_ID,
            gas_limit: DEV_GAS_LIMIT,
            base_fee: DEV_BASE_FEE,
            block_time: BlockTime::Auto,
            block_phase: Duration::ZERO,
            datadir: None,
            accounts: 10,
            balance: U256::from(10_000u64) * U256::from(10u64).pow(U256::from(18u64)),
            l1_feed: None,
            genesis_accounts: BTreeMap::new(),
            sequencer_calls: None,
        }
    }
}
