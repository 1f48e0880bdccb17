//! Which Ethereum rules a chain runs: every hardfork up to Osaka active from genesis.

use alloy_evm::eth::spec::EthExecutorSpec;
use alloy_hardforks::{EthereumChainHardforks, EthereumHardfork, EthereumHardforks, ForkCondition};
use alloy_primitives::{Address, U256};
use revm::primitives::hardfork::SpecId;

/// The rules of one chain: its id and its hardfork schedule.
#[derive(Debug, Clone)]
pub struct ChainSpec {
    /// EIP-155 chain id.
    pub chain_id: u64,
    hardforks: EthereumChainHardforks,
}

impl ChainSpec {
    /// A chain with every Ethereum hardfork through Osaka active at genesis (as anvil's default).
    pub fn latest(chain_id: u64) -> Self {
        Self { chain_id, hardforks: forks_through(EthereumHardfork::Osaka) }
    }

    /// The revm spec in force at a block.
    pub fn spec_id(&self, number: u64, timestamp: u64) -> SpecId {
        alloy_evm::spec_by_timestamp_and_block_number(self, timestamp, number)
    }
}

/// Every Ethereum hardfork up to and including `last` active at genesis (Paris as a merged
/// chain from block 0), the later ones never: the schedule of a chain that starts at `last`.
pub fn forks_through(last: EthereumHardfork) -> EthereumChainHardforks {
    use EthereumHardfork::*;
    let by_block = [
        Frontier,
        Homestead,
        Tangerine,
        SpuriousDragon,
        Byzantium,
        Constantinople,
        Petersburg,
        Istanbul,
        MuirGlacier,
        Berlin,
        London,
    ];
    let paris = ForkCondition::TTD {
        activation_block_number: 0,
        fork_block: None,
        total_difficulty: U256::ZERO,
    };
    let by_time = [Shanghai, Cancun, Prague, Osaka];
    let mut forks: Vec<(EthereumHardfork, ForkCondition)> =
        by_block.into_iter().map(|fork| (fork, ForkCondition::ZERO_BLOCK)).collect();
    forks.push((Paris, paris));
    forks.extend(by_time.into_iter().map(|fork| {
        let active = fork <= last;
        (fork, if active { ForkCondition::ZERO_TIMESTAMP } else { ForkCondition::Never })
    }));
    EthereumChainHardforks::new(forks)
}

impl EthereumHardforks for ChainSpec {
    fn ethereum_fork_activation(&self, fork: EthereumHardfork) -> ForkCondition {
        self.hardforks.ethereum_fork_activation(fork)
    }
}

impl EthExecutorSpec for ChainSpec {
    fn deposit_contract_address(&self) -> Option<Address> {
        None
    }
}
