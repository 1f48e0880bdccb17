//! `rollup.toml`: one rollup's settings, as `tephra rollup create` and `tephra up` read them.
//!
//! ```toml
//! chain_id = 901
//! framework = "op-stack"
//! gas_token = "eth"            # or the address of an L1 ERC-20
//! block_time_ms = 250
//! gas_limit = 30000000
//! owner_key = "0x..."          # deploys the contracts and owns the core
//! batcher_key = "0x..."
//! proposer_key = "0x..."
//! proof_mode = "optimistic"    # the only mode today
//! challenge_window_secs = 5
//! da = "local"                 # the only DA today
//! pubdata_price = 0            # zk-stack: wei per byte of pubdata (0: free)
//! ```

use crate::SettlementError;
use alloy_primitives::{Address, B256};
use alloy_signer_local::PrivateKeySigner;
use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};

/// The rollup's native gas token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GasToken {
    /// ETH, bridged from the L1.
    #[default]
    Eth,
    /// An ERC-20 on the L1, minted on L2 (at 18 decimals) when deposited.
    Erc20(Address),
}

impl GasToken {
    /// The token's L1 address: zero for ETH, as the core records it.
    pub fn l1_address(&self) -> Address {
        match self {
            Self::Eth => Address::ZERO,
            Self::Erc20(address) => *address,
        }
    }
}

impl fmt::Display for GasToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Eth => f.write_str("eth"),
            Self::Erc20(address) => write!(f, "{address}"),
        }
    }
}

impl FromStr for GasToken {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        if value.eq_ignore_ascii_case("eth") {
            return Ok(Self::Eth);
        }
        value.parse().map(Self::Erc20).map_err(|_| {
            format!("gas token {value:?} is neither \"eth\" nor the address of an L1 ERC-20")
        })
    }
}

impl Serialize for GasToken {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for GasToken {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?.parse().map_err(serde::de::Error::custom)
    }
}

/// A rollup's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RollupConfig {
    /// A short name (the network table and `network.json` show it); the framework's by default.
    #[serde(default)]
    pub name: Option<String>,
    /// The rollup's EIP-155 chain id.
    pub chain_id: u64,
    /// Its framework profile (`op-stack`, `nitro`, `zk-stack`).
    pub framework: String,
    /// Its native gas token.
    #[serde(default)]
    pub gas_token: GasToken,
    /// Milliseconds between blocks.
    #[serde(default = "default_block_time_ms")]
    pub block_time_ms: u64,
    /// Block gas limit.
    #[serde(default = "default_gas_limit")]
    pub gas_limit: u64,
    /// Deploys the L1 contracts and owns the core (hex private key).
    pub owner_key: B256,
    /// Posts the rollup's data (hex private key).
    pub batcher_key: B256,
    /// Proposes state commitments (hex private key).
    pub proposer_key: B256,
    /// How state commitments are secured: `optimistic` (a challenge window), the only mode
    /// today.
    #[serde(default = "default_proof_mode")]
    pub proof_mode: String,
    /// Seconds a commitment waits before withdrawals against it may be paid.
    #[serde(default = "default_challenge_window")]
    pub challenge_window_secs: u64,
    /// Where batches go: `local`, the only DA today.
    #[serde(default = "default_da")]
    pub da: String,
    /// An existing rollup registry on the L1 to register in; one is deployed if absent.
    #[serde(default)]
    pub registry: Option<Address>,
    /// zk-stack: the price of a byte of pubdata, in wei (ZKsync's `fairPubdataPrice`); the
    /// rollup's blocks carry it. Zero, the default, publishes for free.
    #[serde(default)]
    pub pubdata_price: u128,
    /// op-stack: the UNIX time from which Isthmus is active (op-node's `isthmus_time`);
    /// before it the rollup runs Holocene. Active from genesis without it.
    #[serde(default)]
    pub isthmus_time: Option<u64>,
}

fn default_block_time_ms() -> u64 {
    250
}
fn default_gas_limit() -> u64 {
    30_000_000
}
fn default_proof_mode() -> String {
    "optimistic".into()
}
fn default_challenge_window() -> u64 {
    5
}
fn default_da() -> String {
    "local".into()
}

/// Refuses an Isthmus time on a framework other than op-stack.
pub fn check_isthmus_time(
    framework: &str,
    isthmus_time: Option<u64>,
) -> Result<(), SettlementError> {
    if isthmus_time.is_some() && framework != "op-stack" {
        return Err(SettlementError::Config(format!(
            "isthmus_time is an op-stack setting; a {framework} rollup has no Isthmus"
        )));
    }
    Ok(())
}

impl RollupConfig {
    /// Parses and checks a `rollup.toml`.
    pub fn from_toml(text: &str) -> Result<Self, SettlementError> {
        let config: Self =
            toml::from_str(text).map_err(|err| SettlementError::Config(err.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// The rollup's name: `name`, else its framework's.
    pub fn name(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.framework.clone())
    }

    /// Checks what can be checked without the L1: framework, modes, keys, times.
    pub fn validate(&self) -> Result<(), SettlementError> {
        let fail = |reason: String| Err(SettlementError::Config(reason));
        if !crate::FRAMEWORKS.contains(&self.framework.as_str()) {
            return fail(format!(
                "unknown framework {:?}; a rollup runs one of: {}",
                self.framework,
                crate::FRAMEWORKS.join(", ")
            ));
        }
        if self.chain_id == 0 {
            return fail("chain_id must not be 0".into());
        }
        if self.proof_mode != "optimistic" {
            return fail(format!(
                "proof_mode {:?} is not available; today's only mode is \"optimistic\"",
                self.proof_mode
            ));
        }
        if self.da != "local" {
            return fail(format!(
                "da {:?} is not available; today's only DA is \"local\"",
                self.da
            ));
        }
        if self.framework == "op-stack" && self.gas_limit < crate::op_stack::MIN_GAS_LIMIT {
            return fail(format!(
                "gas_limit {} is too small for an op-stack rollup: its blocks must hold one L1 \
                 block's deposits ({} gas) and the L1 attributes deposit, at least {}",
                self.gas_limit,
                crate::op_stack::MAX_DEPOSIT_GAS_PER_L1_BLOCK,
                crate::op_stack::MIN_GAS_LIMIT
            ));
        }
        if self.block_time_ms == 0 {
            return fail("block_time_ms must be positive".into());
        }
        if self.pubdata_price != 0 && self.framework != "zk-stack" {
            return fail(format!(
                "pubdata_price is a zk-stack setting; a {} rollup prices its data itself",
                self.framework
            ));
        }
        check_isthmus_time(&self.framework, self.isthmus_time)?;
        for (role, key) in self.keys() {
            PrivateKeySigner::from_bytes(&key)
                .map_err(|err| SettlementError::Config(format!("{role}_key: {err}")))?;
        }
        Ok(())
    }

    /// The rollup's keys by role.
    pub fn keys(&self) -> [(&'static str, B256); 3] {
        [("owner", self.owner_key), ("batcher", self.batcher_key), ("proposer", self.proposer_key)]
    }

    /// The signer of `key` (checked by [`RollupConfig::validate`]).
    pub fn signer(key: &B256) -> PrivateKeySigner {
        PrivateKeySigner::from_bytes(key).expect("keys are checked when the config is read")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    fn toml(extra: &str) -> String {
        format!(
            "chain_id = 901\nframework = \"op-stack\"\nowner_key = \"{KEY}\"\n\
             batcher_key = \"{KEY}\"\nproposer_key = \"{KEY}\"\n{extra}"
        )
    }

    #[test]
    fn reads_a_rollup_config_with_its_defaults() {
        let config = RollupConfig::from_toml(&toml("")).unwrap();
        assert_eq!(config.gas_token, GasToken::Eth);
        assert_eq!(config.block_time_ms, 250);
        assert_eq!(config.challenge_window_secs, 5);
        assert_eq!(config.name(), "op-stack");
        let token = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
        let config = RollupConfig::from_toml(&toml(&format!("gas_token = \"{token}\""))).unwrap();
        assert_eq!(config.gas_token, GasToken::Erc20(token.parse().unwrap()));
        // Every framework takes an ERC-20 gas token: a zk-stack rollup's is its base token.
        for framework in crate::FRAMEWORKS {
            let text = toml(&format!("gas_token = \"{token}\"")).replace("op-stack", framework);
            let config = RollupConfig::from_toml(&text).unwrap();
            assert_eq!(
                (config.framework.as_str(), config.gas_token),
                (framework, GasToken::Erc20(token.parse().unwrap()))
            );
        }
    }

    #[test]
    fn names_what_is_wrong() {
        let err = |text: &str| RollupConfig::from_toml(text).unwrap_err().to_string();
        assert!(err(&toml("").replace("op-stack", "polygon")).contains("unknown framework"));
        assert!(err(&toml("proof_mode = \"zk\"")).contains("proof_mode \"zk\""));
        assert!(err(&toml("da = \"celestia\"")).contains("da \"celestia\""));
        assert!(err(&toml("gas_token = \"usdc\"")).contains("gas token \"usdc\""));
        assert!(err(&toml("colour = 1")).contains("unknown field `colour`"));
        assert!(err(&toml("gas_limit = 20000000")).contains("at least 21000000"));
        RollupConfig::from_toml(&toml("gas_limit = 21000000")).unwrap();
        assert!(err(&toml("pubdata_price = 1000")).contains("pubdata_price is a zk-stack setting"));
        let zk = toml("pubdata_price = 1000").replace("op-stack", "zk-stack");
        assert_eq!(RollupConfig::from_toml(&zk).unwrap().pubdata_price, 1000);
        assert_eq!(
            RollupConfig::from_toml(&toml("isthmus_time = 5")).unwrap().isthmus_time,
            Some(5)
        );
        let nitro = toml("isthmus_time = 5").replace("op-stack", "nitro");
        assert!(err(&nitro).contains("isthmus_time is an op-stack setting"), "{}", err(&nitro));
        assert!(err(&zk.replace("1000", "-1")).contains("pubdata_price"));
        // A zero key is 32 bytes but no secp256k1 key.
        let zero = format!("0x{}", "00".repeat(32));
        assert!(err(&toml("").replacen(KEY, &zero, 1)).contains("owner_key"));
    }
}
