//! The dev chain defaults users know from anvil and Hardhat: the `test ... junk` mnemonic,
//! 10 accounts with 10,000 ETH each, chain id 31337, a 30M gas limit and a 1 gwei base fee.

use alloy_eips::{eip2935, eip4788, eip7002, eip7251};
use alloy_genesis::{ChainConfig, Genesis, GenesisAccount};
use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_signer_local::{LocalSignerError, MnemonicBuilder, PrivateKeySigner};
use std::collections::BTreeMap;

/// The mnemonic anvil, Hardhat and Foundry derive their dev accounts from.
pub const DEV_MNEMONIC: &str = "test test test test test test test test test test test junk";
/// Chain id of a single dev chain (anvil's and Hardhat's).
pub const DEV_CHAIN_ID: u64 = 31337;
/// Block gas limit of a dev chain (anvil's default).
pub const DEV_GAS_LIMIT: u64 = 30_000_000;
/// Base fee of the genesis block, in wei (anvil's default).
pub const DEV_BASE_FEE: u64 = 1_000_000_000;

/// Derives the first `count` dev accounts of [`DEV_MNEMONIC`] on the BIP-44 Ethereum path
/// `m/44'/60'/0'/0/i`, the same addresses as anvil and Hardhat.
pub fn dev_accounts(count: u32) -> Result<Vec<PrivateKeySigner>, LocalSignerError> {
    (0..count)
        .map(|index| MnemonicBuilder::english().phrase(DEV_MNEMONIC).index(index)?.build())
        .collect()
}

/// What `tephra dev` needs to write its genesis block.
#[derive(Debug, Clone)]
pub struct DevGenesis {
    /// Chain id (EIP-155).
    pub chain_id: u64,
    /// Block gas limit.
    pub gas_limit: u64,
    /// Base fee of the genesis block, in wei.
    pub base_fee: u64,
    /// Genesis timestamp, in seconds.
    pub timestamp: u64,
    /// Funded accounts.
    pub accounts: Vec<Address>,
    /// Balance of each funded account, in wei.
    pub balance: U256,
}

impl DevGenesis {
    /// Builds the genesis: the funded accounts plus the system contracts Prague's block
    /// processing calls (EIP-4788 beacon roots, EIP-2935 block hashes, EIP-7002 withdrawal and
    /// EIP-7251 consolidation requests), so that every block runs the same system calls as
    /// Ethereum's.
    pub fn build(&self) -> Genesis {
        let mut alloc: BTreeMap<Address, GenesisAccount> = self
            .accounts
            .iter()
            .map(|address| (*address, GenesisAccount::default().with_balance(self.balance)))
            .collect();
        for (address, code) in system_contracts() {
            alloc.insert(
                address,
                GenesisAccount::default().with_code(Some(code)).with_nonce(Some(1)),
            );
        }
        Genesis {
            config: ChainConfig { chain_id: self.chain_id, ..Default::default() },
            timestamp: self.timestamp,
            gas_limit: self.gas_limit,
            base_fee_per_gas: Some(self.base_fee.into()),
            excess_blob_gas: Some(0),
            blob_gas_used: Some(0),
            mix_hash: B256::ZERO,
            alloc,
            ..Default::default()
        }
    }
}

/// The Prague system contracts and their runtime code, as deployed on Ethereum mainnet.
pub fn system_contracts() -> [(Address, Bytes); 4] {
    [
        (eip4788::BEACON_ROOTS_ADDRESS, eip4788::BEACON_ROOTS_CODE.clone()),
        (eip2935::HISTORY_STORAGE_ADDRESS, eip2935::HISTORY_STORAGE_CODE.clone()),
        (
            eip7002::WITHDRAWAL_REQUEST_PREDEPLOY_ADDRESS,
            eip7002::WITHDRAWAL_REQUEST_PREDEPLOY_CODE.clone(),
        ),
        (
            eip7251::CONSOLIDATION_REQUEST_PREDEPLOY_ADDRESS,
            eip7251::CONSOLIDATION_REQUEST_PREDEPLOY_CODE.clone(),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::address;

    #[test]
    fn dev_accounts_match_anvil_and_hardhat() {
        let accounts = dev_accounts(10).expect("standard mnemonic derives");
        assert_eq!(accounts[0].address(), address!("f39Fd6e51aad88F6F4ce6aB8827279cffFb92266"));
        assert_eq!(accounts[1].address(), address!("70997970C51812dc3A010C7d01b50e0d17dc79C8"));
        assert_eq!(accounts[9].address(), address!("a0Ee7A142d267C1f36714E4a8F75612F20a79720"));
        assert_eq!(
            accounts[0].to_bytes(),
            alloy_primitives::b256!(
                "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
            )
        );
    }
}
