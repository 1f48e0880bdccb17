//! The Metalayer contracts every rollup of a network holds from genesis, at the same addresses
//! on every chain and every framework profile: Hyperlane's `Mailbox` (its default ISM
//! `GuardianIsm`, its required hook `MerkleTreeHook`, its default hook the
//! `InterchainGasPaymaster`, priced by a `StorageGasOracle`), the `MetalayerInbox` holding
//! the network's guardian set, and the proven reads: `MetalayerState` and the `MetalayerRouter`
//! (at one address on every chain, so routers need no enrolment).
//!
//! They are computed by running their deployment ([`tephra_primitives::predeploy`]) from the
//! keyless [`DEPLOYER`]: the addresses depend only on the step that creates each contract.
//! Only code differs between chains: the Mailbox's immutable local domain is the chain id.

use crate::{
    GuardianSet,
    abi::{IInterchainGasPaymaster, IMailbox, IMetalayerInbox, IOwnable, IStorageGasOracle},
    artifacts,
};
use alloy_genesis::GenesisAccount;
use alloy_primitives::{Address, B256, U256, Uint, address};
use alloy_sol_types::{SolCall, SolValue};
use std::collections::BTreeMap;
use tephra_primitives::predeploy::{self, PredeployError, Step};

/// The keyless account whose deployment steps leave the Metalayer predeploys.
pub const DEPLOYER: Address = address!("0x7e70000000000000000000000000000000004d4c");
/// `MetalayerInbox` (the deployer's creation 0): certified checkpoint roots and the guardian set.
pub const INBOX: Address = address!("0xdc14eE1394884a9925150B8cD7437a5C8b6414AE");
/// `GuardianIsm`: the Mailbox's default ISM.
pub const GUARDIAN_ISM: Address = address!("0xecb25c50aC8321eD159586a8cDDA5F0AD7B5Cc8E");
/// Hyperlane's `Mailbox`.
pub const MAILBOX: Address = address!("0x05cAeFb272e5913e96cfB006e6aE81363Ec2FF6F");
/// Hyperlane's `MerkleTreeHook`: the Mailbox's required hook, whose root is a chain's
/// checkpoint leaf's outbox root.
pub const MERKLE_TREE_HOOK: Address = address!("0x2bA2B4b49718c4dB12d240c2B0021C7AfD1f3B04");
/// Hyperlane's `StorageGasOracle`: the IGP's prices of the other rollups' gas.
pub const GAS_ORACLE: Address = address!("0x768Dc782a5DE9064c23a41fb1589c81c4eB3917B");
/// Hyperlane's `InterchainGasPaymaster`: the Mailbox's default hook.
pub const GAS_PAYMASTER: Address = address!("0x51F86cC9993b1B56F65CF8A60942b307F9E1Dd63");

/// `MetalayerState`: reads of other rollups' accounts and storage at certified heights. Created
/// after the steps of the contracts above (creation 14), so their addresses did not move.
pub const METALAYER_STATE: Address = address!("0x527F8C864C0447cB83418E3C1229CAF1D08FEA04");
/// `MetalayerRouter`: Caldera Metalayer's router interface with proven reads (creation 15).
pub const METALAYER_ROUTER: Address = address!("0x84F361cFFA512Fdc539c2AcDa59b680B42cc0328");

/// The storage slot of `MerkleTreeHook`'s tree (`MerkleLib.Tree { bytes32[32] branch; uint256
/// count; }`): after the 151 slots of `MailboxClient`'s upgradeable bases. The branch is at
/// slots 151..183, the count at 183.
pub const MERKLE_TREE_SLOT: u64 = 151;

/// Gas the IGP adds to a message's gas limit for the destination (Hyperlane's overhead).
pub const GAS_OVERHEAD: u64 = 50_000;
/// The destination gas price the oracle quotes, in wei of the origin's native token.
pub const REMOTE_GAS_PRICE: u128 = 1_000_000_000;
/// The oracle's exchange rate of every remote token, 1.0 in Hyperlane's 1e10 scale.
pub const TOKEN_EXCHANGE_RATE: u128 = 10_000_000_000;

/// What one chain's Metalayer genesis depends on.
#[derive(Debug, Clone)]
pub struct MetalayerGenesis<'a> {
    /// The chain's id, its Hyperlane domain.
    pub chain_id: u64,
    /// The network's checkpoint domain separator ([`crate::domain_separator`]).
    pub domain: B256,
    /// The guardian set the inbox starts with.
    pub guardians: &'a GuardianSet,
    /// Who may install later guardian sets and configure the Mailbox and the IGP.
    pub owner: Address,
    /// The other rollups' domains the IGP prices messages to.
    pub remote_domains: Vec<u64>,
}

impl MetalayerGenesis<'_> {
    /// The genesis accounts of the Metalayer contracts (and the inbox's guardian data).
    pub fn accounts(&self) -> Result<BTreeMap<Address, GenesisAccount>, PredeployError> {
        let (keys, stakes) = self.guardians.contract_arguments();
        let oracle_configs = self
            .remote_domains
            .iter()
            .map(|domain| IStorageGasOracle::RemoteGasDataConfig {
                remoteDomain: *domain as u32,
                tokenExchangeRate: TOKEN_EXCHANGE_RATE,
                gasPrice: REMOTE_GAS_PRICE,
            })
            .collect();
        let gas_configs = self
            .remote_domains
            .iter()
            .map(|domain| IInterchainGasPaymaster::GasParam {
                remoteDomain: *domain as u32,
                config: IInterchainGasPaymaster::DomainGasConfig {
                    gasOracle: GAS_ORACLE,
                    gasOverhead: Uint::from(GAS_OVERHEAD),
                },
            })
            .collect();
        let owner = self.owner;
        let steps = [
            Step::create(
                "MetalayerInbox",
                artifacts::METALAYER_INBOX
                    .deploy_code(&(self.domain, DEPLOYER).abi_encode_params()),
            ),
            Step::create("GuardianIsm", artifacts::GUARDIAN_ISM.deploy_code(&INBOX.abi_encode())),
            Step::create(
                "Mailbox",
                artifacts::MAILBOX.deploy_code(&(self.chain_id as u32).abi_encode()),
            ),
            Step::create(
                "MerkleTreeHook",
                artifacts::MERKLE_TREE_HOOK.deploy_code(&MAILBOX.abi_encode()),
            ),
            Step::create("StorageGasOracle", artifacts::STORAGE_GAS_ORACLE.deploy_code(&[])),
            Step::create(
                "InterchainGasPaymaster",
                artifacts::INTERCHAIN_GAS_PAYMASTER.deploy_code(&[]),
            ),
            Step::call(
                "MetalayerInbox.setGuardianSet",
                INBOX,
                IMetalayerInbox::setGuardianSetCall {
                    setId: self.guardians.id(),
                    publicKeys: keys.into(),
                    stakes,
                }
                .abi_encode(),
            ),
            Step::call(
                "StorageGasOracle.setRemoteGasDataConfigs",
                GAS_ORACLE,
                IStorageGasOracle::setRemoteGasDataConfigsCall { configs: oracle_configs }
                    .abi_encode(),
            ),
            Step::call(
                "InterchainGasPaymaster.initialize",
                GAS_PAYMASTER,
                IInterchainGasPaymaster::initializeCall { owner: DEPLOYER, beneficiary: owner }
                    .abi_encode(),
            ),
            Step::call(
                "InterchainGasPaymaster.setDestinationGasConfigs",
                GAS_PAYMASTER,
                IInterchainGasPaymaster::setDestinationGasConfigsCall { configs: gas_configs }
                    .abi_encode(),
            ),
            Step::call(
                "Mailbox.initialize",
                MAILBOX,
                IMailbox::initializeCall {
                    owner,
                    defaultIsm: GUARDIAN_ISM,
                    defaultHook: GAS_PAYMASTER,
                    requiredHook: MERKLE_TREE_HOOK,
                }
                .abi_encode(),
            ),
            Step::call(
                "MetalayerInbox.transferOwnership",
                INBOX,
                IMetalayerInbox::transferOwnershipCall { newOwner: owner }.abi_encode(),
            ),
            Step::call(
                "StorageGasOracle.transferOwnership",
                GAS_ORACLE,
                IOwnable::transferOwnershipCall { newOwner: owner }.abi_encode(),
            ),
            Step::call(
                "InterchainGasPaymaster.transferOwnership",
                GAS_PAYMASTER,
                IOwnable::transferOwnershipCall { newOwner: owner }.abi_encode(),
            ),
            Step::create(
                "MetalayerState",
                artifacts::METALAYER_STATE.deploy_code(&INBOX.abi_encode()),
            ),
            Step::create(
                "MetalayerRouter",
                artifacts::METALAYER_ROUTER
                    .deploy_code(&(MAILBOX, METALAYER_STATE, owner).abi_encode_params()),
            ),
        ];
        predeploy::run(DEPLOYER, steps)
    }
}

/// The slots of `MerkleTreeHook`'s tree: the 32 branch words, then the count.
pub fn merkle_tree_slots() -> Vec<B256> {
    (MERKLE_TREE_SLOT..MERKLE_TREE_SLOT + 33).map(|slot| B256::from(U256::from(slot))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_addresses_are_the_deployers_creations_in_step_order() {
        let addresses = [INBOX, GUARDIAN_ISM, MAILBOX, MERKLE_TREE_HOOK, GAS_ORACLE, GAS_PAYMASTER];
        for (nonce, address) in addresses.into_iter().enumerate() {
            assert_eq!(DEPLOYER.create(nonce as u64), address);
        }
        // The reads' contracts come after the eight configuration calls.
        assert_eq!(DEPLOYER.create(14), METALAYER_STATE);
        assert_eq!(DEPLOYER.create(15), METALAYER_ROUTER);
    }
}
