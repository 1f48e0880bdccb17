//! `network.toml`: a whole local network, as `tephra up` starts it (an L1 and rollups on it),
//! and `network.json`, what it writes for scripts and tests.
//!
//! ```toml
//! [l1]
//! chain_id = 900
//! port = 8545
//! block_time_ms = 1000
//! # rpc = "http://127.0.0.1:8545"   # follow an external L1 instead of starting one
//! # key = "0x..."                   # its funded key (default: dev account 0)
//!
//! [[rollup]]
//! name = "op"
//! chain_id = 901
//! framework = "op-stack"
//! port = 9545
//! gas_token = "eth"                 # or "usdc" (the network's test token), or an address
//! # pubdata_price = 17000000000     # zk-stack: wei per byte of pubdata (default 0, free)
//! ```

use crate::{GasToken, RollupConfig, SettlementError};
use alloy_primitives::{Address, B256};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use tephra_primitives::dev::DEV_MNEMONIC;

/// The network's L1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct L1Config {
    /// Chain id of the embedded L1.
    #[serde(default = "default_l1_chain_id")]
    pub chain_id: u64,
    /// Port of the embedded L1's JSON-RPC.
    #[serde(default = "default_l1_port")]
    pub port: u16,
    /// Milliseconds between the embedded L1's blocks.
    #[serde(default = "default_l1_block_time")]
    pub block_time_ms: u64,
    /// An external L1's JSON-RPC URL: no L1 is started, the rollups settle there.
    #[serde(default)]
    pub rpc: Option<String>,
    /// A funded key on the L1 (default: dev account 0 of the standard mnemonic): it deploys the
    /// network's shared contracts and funds the rollups' keys that have no ETH.
    #[serde(default)]
    pub key: Option<B256>,
}

impl Default for L1Config {
    fn default() -> Self {
        Self {
            chain_id: default_l1_chain_id(),
            port: default_l1_port(),
            block_time_ms: default_l1_block_time(),
            rpc: None,
            key: None,
        }
    }
}

fn default_l1_chain_id() -> u64 {
    900
}
fn default_l1_port() -> u16 {
    8545
}
fn default_l1_block_time() -> u64 {
    1000
}

/// One rollup of the network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkRollup {
    /// Its name (and data directory).
    pub name: String,
    /// Its chain id.
    pub chain_id: u64,
    /// Its framework.
    pub framework: String,
    /// Port of its JSON-RPC.
    pub port: u16,
    /// `eth`, `usdc` (the network's test token) or an L1 ERC-20's address.
    #[serde(default = "default_gas_token")]
    pub gas_token: String,
    /// Milliseconds between blocks.
    #[serde(default = "default_block_time")]
    pub block_time_ms: u64,
    /// Seconds a commitment waits before withdrawals against it are paid.
    #[serde(default = "default_challenge_window")]
    pub challenge_window_secs: u64,
    /// zk-stack: wei per byte of pubdata ([`RollupConfig::pubdata_price`]).
    #[serde(default)]
    pub pubdata_price: u128,
    /// op-stack: when Isthmus activates ([`RollupConfig::isthmus_time`]).
    #[serde(default)]
    pub isthmus_time: Option<u64>,
}

fn default_gas_token() -> String {
    "eth".into()
}
fn default_block_time() -> u64 {
    250
}
fn default_challenge_window() -> u64 {
    5
}

/// A network: an L1 and its rollups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfig {
    /// The L1.
    #[serde(default)]
    pub l1: L1Config,
    /// The rollups.
    #[serde(default, rename = "rollup")]
    pub rollups: Vec<NetworkRollup>,
    /// The guardians and relayer that connect the rollups.
    #[serde(default)]
    pub metalayer: MetalayerConfig,
}

/// `[metalayer]`: the network's guardians (each a `tephra guardian` process, staked in the
/// L1's GuardianRegistry) and its relayer (a `tephra relayer` process).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetalayerConfig {
    /// Number of guardians; 0 starts no guardian and no relayer.
    #[serde(default = "default_guardians")]
    pub guardians: usize,
    /// Milliseconds per checkpoint epoch.
    #[serde(default = "default_epoch_ms")]
    pub epoch_ms: u64,
    /// ERA each guardian stakes, in whole tokens.
    #[serde(default = "default_stake")]
    pub stake: u64,
    /// Each guardian's gossip port, then its certificates API port, guardian by guardian
    /// (`2 × guardians` ports); empty: 7400 + i for gossip and 7500 + i for the API.
    #[serde(default)]
    pub ports: Vec<u16>,
    /// Milliseconds the relayer waits for a destination's sequencer to import a covering
    /// certificate before it submits one itself (`submit_after_ms`); 0, the default, submits at
    /// once: a delivery then lands in one block, where waiting for the import costs a block.
    #[serde(default)]
    pub relayer_submit_after_ms: u64,
}

impl Default for MetalayerConfig {
    fn default() -> Self {
        Self {
            guardians: default_guardians(),
            epoch_ms: default_epoch_ms(),
            stake: default_stake(),
            ports: Vec::new(),
            relayer_submit_after_ms: 0,
        }
    }
}

fn default_guardians() -> usize {
    4
}
fn default_epoch_ms() -> u64 {
    250
}
fn default_stake() -> u64 {
    1_000
}

impl MetalayerConfig {
    /// Guardian `index`'s gossip and API ports.
    pub fn ports_of(&self, index: usize) -> (u16, u16) {
        match self.ports.get(2 * index..2 * index + 2) {
            Some([gossip, api]) => (*gossip, *api),
            _ => (7400 + index as u16, 7500 + index as u16),
        }
    }
}

/// Symbol of the network's test token, a 6-decimal USDC-like ERC-20 a rollup may take as its
/// gas token (`gas_token = "usdc"`).
pub const TEST_TOKEN_SYMBOL: &str = "usdc";

impl NetworkConfig {
    /// The embedded default: an L1 (chain 900 on port 8545) and one rollup per framework
    /// profile that settles on it, from chain 901 and port 9545 up.
    pub fn embedded() -> Self {
        let rollups = [("op", 901, "op-stack"), ("nitro", 902, "nitro"), ("zk", 903, "zk-stack")]
            .into_iter()
            .enumerate()
            .map(|(index, (name, chain_id, framework))| NetworkRollup {
                name: name.into(),
                chain_id,
                framework: framework.into(),
                port: 9545 + index as u16,
                gas_token: default_gas_token(),
                block_time_ms: default_block_time(),
                challenge_window_secs: default_challenge_window(),
                pubdata_price: 0,
                isthmus_time: None,
            })
            .collect();
        Self { l1: L1Config::default(), rollups, metalayer: MetalayerConfig::default() }
    }

    /// Parses and checks a `network.toml`.
    pub fn from_toml(text: &str) -> Result<Self, SettlementError> {
        let config: Self =
            toml::from_str(text).map_err(|err| SettlementError::Config(err.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// Checks names, chain ids and ports are distinct and every rollup's settings.
    pub fn validate(&self) -> Result<(), SettlementError> {
        let mut names = BTreeSet::new();
        let mut chain_ids = BTreeSet::from([self.l1.chain_id]);
        let mut ports = BTreeSet::new();
        if self.l1.rpc.is_none() {
            ports.insert(self.l1.port);
        }
        let metalayer = &self.metalayer;
        let fail = |reason: String| Err(SettlementError::Config(format!("[metalayer]: {reason}")));
        if !metalayer.ports.is_empty() && metalayer.ports.len() != 2 * metalayer.guardians {
            return fail(format!(
                "{} ports for {} guardians (a gossip and an API port each)",
                metalayer.ports.len(),
                metalayer.guardians
            ));
        }
        if metalayer.guardians > 0 && (metalayer.epoch_ms == 0 || metalayer.stake == 0) {
            return fail("epoch_ms and stake must be positive".into());
        }
        for index in 0..metalayer.guardians {
            let (gossip, api) = metalayer.ports_of(index);
            for port in [gossip, api] {
                if !ports.insert(port) {
                    return fail(format!("guardian {index}'s port {port} is taken"));
                }
            }
        }
        for (index, rollup) in self.rollups.iter().enumerate() {
            let fail = |reason: String| {
                Err(SettlementError::Config(format!("rollup {:?}: {reason}", rollup.name)))
            };
            if rollup.name.is_empty()
                || !rollup.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return fail("a name is letters, digits, '-' and '_'".into());
            }
            if !names.insert(&rollup.name) {
                return fail("the name is taken by another rollup".into());
            }
            if !chain_ids.insert(rollup.chain_id) {
                return fail(format!("chain id {} is taken", rollup.chain_id));
            }
            if !ports.insert(rollup.port) {
                return fail(format!("port {} is taken", rollup.port));
            }
            let gas_token = self.gas_token(rollup, Address::ZERO)?;
            self.rollup_config(index, gas_token).validate().or_else(|err| fail(err.to_string()))?;
        }
        Ok(())
    }

    /// The gas token of `rollup`, with the network's test token at `test_token`.
    pub fn gas_token(
        &self,
        rollup: &NetworkRollup,
        test_token: Address,
    ) -> Result<GasToken, SettlementError> {
        if rollup.gas_token.eq_ignore_ascii_case(TEST_TOKEN_SYMBOL) {
            return Ok(GasToken::Erc20(test_token));
        }
        rollup.gas_token.parse().map_err(|reason| {
            SettlementError::Config(format!(
                "rollup {:?}: {reason} (or \"{TEST_TOKEN_SYMBOL}\", the network's test token)",
                rollup.name
            ))
        })
    }

    /// The full config of rollup `index`, with keys derived from the standard mnemonic:
    /// owner (and batcher) at index 10 + 2 × `index`, proposer at the next.
    pub fn rollup_config(&self, index: usize, gas_token: GasToken) -> RollupConfig {
        let rollup = &self.rollups[index];
        let key = |offset: u32| role_key(10 + 2 * index as u32 + offset);
        RollupConfig {
            name: Some(rollup.name.clone()),
            chain_id: rollup.chain_id,
            framework: rollup.framework.clone(),
            gas_token,
            block_time_ms: rollup.block_time_ms,
            gas_limit: 30_000_000,
            owner_key: key(0),
            batcher_key: key(0),
            proposer_key: key(1),
            proof_mode: "optimistic".into(),
            challenge_window_secs: rollup.challenge_window_secs,
            da: "local".into(),
            registry: None,
            pubdata_price: rollup.pubdata_price,
            isthmus_time: rollup.isthmus_time,
        }
    }

    /// Number of accounts of the standard mnemonic the network uses: the 10 users' and two
    /// per rollup.
    pub fn accounts(&self) -> u32 {
        10 + 2 * self.rollups.len() as u32
    }
}

/// The private key of account `index` of the standard mnemonic.
pub fn role_key(index: u32) -> B256 {
    let signer = alloy_signer_local::MnemonicBuilder::english()
        .phrase(DEV_MNEMONIC)
        .index(index)
        .and_then(|builder| builder.build())
        .expect("the standard mnemonic derives every index");
    signer.to_bytes()
}

/// `network.json`: what `tephra up` started, for scripts and tests.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NetworkFile {
    /// The L1.
    pub l1: ChainEndpoints,
    /// The rollups.
    pub rollups: Vec<RollupEntry>,
    /// The users' accounts (funded on the L1 and on every rollup).
    pub accounts: Vec<AccountEntry>,
    /// The network's shared L1 contracts (the rollup registry, the test token, ERA and the
    /// guardian registry), by name.
    pub l1_contracts: crate::Contracts,
    /// The Metalayer: guardians, relayer and the contracts on every rollup (absent when the
    /// network runs no guardians).
    pub metalayer: Option<MetalayerEntry>,
}

/// `network.json`'s Metalayer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MetalayerEntry {
    /// The checkpoint domain separator (of the L1 and its GuardianRegistry).
    pub domain: B256,
    /// The guardian set id the rollups' inboxes hold.
    pub guardian_set_id: u64,
    /// Milliseconds per epoch.
    pub epoch_ms: u64,
    /// The Metalayer contracts, at these addresses on every rollup.
    pub contracts: crate::Contracts,
    /// The guardians.
    pub guardians: Vec<GuardianEntry>,
    /// The relayer.
    pub relayer: ProcessEntry,
    /// The account every rollup's sequencer imports certificates from: the sender of the
    /// `MetalayerInbox.submit` it puts first in a block.
    pub importer: Address,
}

/// A guardian of `network.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GuardianEntry {
    /// Its index in the set.
    pub index: usize,
    /// Its compressed BLS public key.
    pub public_key: alloy_primitives::Bytes,
    /// Its BLS secret key (a dev network's, like the accounts').
    pub private_key: B256,
    /// Its stake, in ERA wei.
    pub stake: String,
    /// Its gossip address.
    pub gossip: String,
    /// Its certificates API.
    pub api: String,
    /// Its process.
    pub process: ProcessEntry,
}

/// A process `tephra up` started.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProcessEntry {
    /// Its pid.
    pub pid: u32,
    /// The config it runs (`tephra guardian --config` or `tephra relayer --config` restarts it).
    pub config: std::path::PathBuf,
    /// Where its log goes.
    pub log: std::path::PathBuf,
    /// The account paying its transactions, if it sends any.
    pub address: Option<Address>,
}

/// A chain's id and endpoints.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChainEndpoints {
    /// Chain id.
    pub chain_id: u64,
    /// HTTP JSON-RPC URL.
    pub rpc: String,
    /// WebSocket JSON-RPC URL.
    pub ws: String,
}

/// One rollup of `network.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RollupEntry {
    /// Its name.
    pub name: String,
    /// Its chain id.
    pub chain_id: u64,
    /// Its framework.
    pub framework: String,
    /// HTTP JSON-RPC URL.
    pub rpc: String,
    /// WebSocket JSON-RPC URL.
    pub ws: String,
    /// `eth` or the L1 address of its ERC-20 gas token.
    pub gas_token: String,
    /// Its L1 contracts, by name.
    pub l1_contracts: crate::Contracts,
    /// Its L2 contracts (predeploys and system contracts), by name.
    pub l2_contracts: crate::Contracts,
    /// Its proposer's L1 address.
    pub proposer: Address,
    /// Seconds from a proposal until withdrawals against it are paid.
    pub challenge_window_secs: u64,
}

/// An account of `network.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccountEntry {
    /// Its address.
    pub address: Address,
    /// Its private key.
    pub private_key: B256,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_network_validates() {
        let network = NetworkConfig::embedded();
        network.validate().unwrap();
        let rollups: Vec<_> = network
            .rollups
            .iter()
            .map(|rollup| (rollup.chain_id, rollup.framework.as_str(), rollup.port))
            .collect();
        assert_eq!(
            rollups,
            [(901, "op-stack", 9545), (902, "nitro", 9546), (903, "zk-stack", 9547)]
        );
        // Dev account 10 of the standard mnemonic (anvil prints the first ten).
        let owner = RollupConfig::signer(&network.rollup_config(0, GasToken::Eth).owner_key);
        assert_ne!(owner.address(), Address::ZERO);
    }

    #[test]
    fn refuses_clashes_and_unknown_frameworks() {
        let err = |text: &str| NetworkConfig::from_toml(text).unwrap_err().to_string();
        let rollup = |name: &str, chain_id: u64, port: u16, framework: &str| {
            format!(
                "[[rollup]]\nname = \"{name}\"\nchain_id = {chain_id}\nport = {port}\n\
                 framework = \"{framework}\"\n"
            )
        };
        let a = rollup("a", 901, 9545, "op-stack");
        assert!(
            err(&(a.clone() + &rollup("b", 901, 9546, "op-stack")))
                .contains("chain id 901 is taken")
        );
        assert!(
            err(&(a.clone() + &rollup("b", 902, 9545, "op-stack"))).contains("port 9545 is taken")
        );
        assert!(err(&rollup("a", 900, 9545, "op-stack")).contains("chain id 900 is taken"));
        assert!(err(&rollup("a", 901, 8545, "op-stack")).contains("port 8545 is taken"));
        assert!(err(&rollup("a", 901, 9545, "polygon")).contains("unknown framework \"polygon\""));
        assert!(err(&(a + "gas_token = \"dai\"\n")).contains("gas token \"dai\""));
    }
}
