//! The L2 side of Arbitrum's token bridge (`@arbitrum/token-bridge-contracts` 1.2.5, compiled
//! by `contracts/compile.mjs`) as genesis predeploys of a Nitro rollup: `StandardArbERC20`
//! (the logic of every bridged token), its `UpgradeableBeacon`, the `BeaconProxyFactory` whose
//! `ClonableBeaconProxy` clones are the L2 tokens, `L2ERC20Gateway` and `L2GatewayRouter`.
//!
//! Their code and storage are what running their constructors and initializers leaves behind,
//! and that is how they are computed: the five contracts are created, in that order, by
//! [`TOKEN_BRIDGE_DEPLOYER`] (nonces 0..4, so their addresses are fixed: [`L2_TOKEN_BRIDGE`])
//! in an in-memory EVM, then `BeaconProxyFactory.initialize(beacon)`,
//! `L2ERC20Gateway.initialize(l1Gateway, router, factory)` and
//! `L2GatewayRouter.initialize(l1Router, gateway)` are called, and the accounts they leave are
//! the genesis'. No storage layout is written by hand. The beacon is owned by the deployer, an
//! address without a key: the token logic cannot be upgraded.

use alloy_genesis::GenesisAccount;
use alloy_primitives::{Address, B256, address, keccak256};
use alloy_sol_types::{SolCall, SolValue, sol};
use std::collections::BTreeMap;
use tephra_primitives::{
    artifact,
    predeploy::{self, PredeployError, Step},
};

sol! {
    function initialize(address beacon) external;
    function initialize(address l1Counterpart, address router, address beaconProxyFactory) external;
    function initialize(address counterpartGateway, address defaultGateway) external;
}

/// The account that creates the token bridge's L2 contracts in the genesis computation.
pub const TOKEN_BRIDGE_DEPLOYER: Address = address!("0x7e70000000000000000000000000000000000b1d");

/// The token bridge's L2 contracts, in creation order (nonce = index), by name.
pub const L2_TOKEN_BRIDGE: [&str; 5] = [
    "StandardArbERC20",
    "UpgradeableBeacon",
    "BeaconProxyFactory",
    "L2ERC20Gateway",
    "L2GatewayRouter",
];

/// The L2 address of the token bridge contract `name` (one of [`L2_TOKEN_BRIDGE`]).
pub fn l2_token_bridge_address(name: &str) -> Address {
    let nonce = L2_TOKEN_BRIDGE
        .iter()
        .position(|n| *n == name)
        .unwrap_or_else(|| panic!("{name} is not a token bridge L2 contract"));
    TOKEN_BRIDGE_DEPLOYER.create(nonce as u64)
}

/// keccak256 of `ClonableBeaconProxy`'s creation code: the CREATE2 init code hash of the L2
/// tokens, which the L1 gateway is initialized with to compute their addresses.
pub fn cloneable_proxy_hash() -> B256 {
    keccak256(artifact!(ClonableBeaconProxy).deploy_code(&[]))
}

/// The L1 half of the token bridge: the gateway router and the standard ERC-20 gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct L1TokenBridge {
    /// `L1GatewayRouter`.
    pub router: Address,
    /// `L1ERC20Gateway`.
    pub erc20_gateway: Address,
}

/// The genesis accounts of the token bridge's L2 contracts, whose other side is `l1`.
pub fn token_bridge_genesis(
    l1: L1TokenBridge,
) -> Result<BTreeMap<Address, GenesisAccount>, PredeployError> {
    let [logic, beacon, factory, gateway, router] = L2_TOKEN_BRIDGE.map(l2_token_bridge_address);
    let codes = [
        artifact!(StandardArbERC20).deploy_code(&[]),
        artifact!(UpgradeableBeacon).deploy_code(&logic.abi_encode()),
        artifact!(BeaconProxyFactory).deploy_code(&[]),
        artifact!(L2ERC20Gateway).deploy_code(&[]),
        artifact!(L2GatewayRouter).deploy_code(&[]),
    ];
    let names = [
        "create StandardArbERC20",
        "create UpgradeableBeacon",
        "create BeaconProxyFactory",
        "create L2ERC20Gateway",
        "create L2GatewayRouter",
    ];
    let creations = names.into_iter().zip(codes).map(|(what, code)| Step::create(what, code));
    let calls = [
        Step::call(
            "BeaconProxyFactory.initialize",
            factory,
            initialize_0Call { beacon }.abi_encode(),
        ),
        Step::call(
            "L2ERC20Gateway.initialize",
            gateway,
            initialize_1Call {
                l1Counterpart: l1.erc20_gateway,
                router,
                beaconProxyFactory: factory,
            }
            .abi_encode(),
        ),
        Step::call(
            "L2GatewayRouter.initialize",
            router,
            initialize_2Call { counterpartGateway: l1.router, defaultGateway: gateway }
                .abi_encode(),
        ),
    ];
    predeploy::run(TOKEN_BRIDGE_DEPLOYER, creations.chain(calls))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_genesis_holds_the_five_contracts_initialized_against_the_l1_side() {
        let l1 = L1TokenBridge {
            router: Address::repeat_byte(0x11),
            erc20_gateway: Address::repeat_byte(0x22),
        };
        let alloc = token_bridge_genesis(l1).unwrap();
        assert_eq!(alloc.len(), 5);
        for name in L2_TOKEN_BRIDGE {
            let account = &alloc[&l2_token_bridge_address(name)];
            assert!(account.code.as_ref().is_some_and(|c| !c.is_empty()), "{name} has code");
        }
        // The gateway and the router name their L1 counterparts in their storage.
        let holds = |name: &str, value: Address| {
            alloc[&l2_token_bridge_address(name)]
                .storage
                .as_ref()
                .unwrap()
                .values()
                .any(|word| *word == B256::left_padding_from(value.as_slice()))
        };
        assert!(holds("L2ERC20Gateway", l1.erc20_gateway));
        assert!(holds("L2ERC20Gateway", l2_token_bridge_address("BeaconProxyFactory")));
        assert!(holds("L2GatewayRouter", l1.router));
        assert!(holds("L2GatewayRouter", l2_token_bridge_address("L2ERC20Gateway")));
        assert!(holds("BeaconProxyFactory", l2_token_bridge_address("UpgradeableBeacon")));
        assert!(holds("UpgradeableBeacon", l2_token_bridge_address("StandardArbERC20")));
    }
}
