//! The `Settlement` seam: the L1 side of a rollup, over any Ethereum JSON-RPC endpoint.
//!
//! A rollup is anchored to its L1 by contracts: the shared settlement core
//! (`contracts/src/settlement/RollupCore.sol`: config, deposit queue, state commitments with a
//! challenge window, paid withdrawals, custody) behind the framework's own entry points
//! (OP Stack's `OptimismPortal` and `L2OutputOracle`, Nitro's `Inbox`/`Bridge`/`Outbox`, ZK
//! Stack's `Bridgehub` and shared bridge). This crate
//! - deploys them from the committed artifacts ([`deploy`]), resuming an interrupted
//!   deployment from its journal;
//! - follows the L1 ([`follower`]): each L1 block's logs of the rollup's entry points become
//!   the framework's deposit transactions, delivered to the sequencer through its
//!   [`tephra_node::L1Feed`];
//! - proposes the rollup's state commitments ([`proposer`]) from the proposer key.
//!
//! What differs per framework (which contracts, which events mean a deposit, what the
//! commitment is and how it is proposed) is a [`Settlement`] implementation; the embedded L1
//! of `tephra up` is one more Tephra chain, under the `ethereum` profile.

pub mod artifacts;
pub mod client;
pub mod config;
pub mod deploy;
pub mod follower;
pub mod network;
pub mod nitro;
pub mod op_stack;
pub mod proposer;
pub mod zk_stack;

use alloy_consensus::{Header, transaction::Recovered};
use alloy_primitives::{Address, B256, Bytes};
use alloy_rpc_types_eth::Log;
use std::{collections::BTreeMap, fmt::Debug, sync::Arc};
use tephra_chain::{Chain, Framework, L1Origin};
use tephra_primitives::{ReceiptEnvelope, TxEnvelope};

pub use client::{L1Call, L1Client, Outgoing};
pub use config::{GasToken, RollupConfig};
pub use deploy::{Deployment, Step, deploy_rollup};

/// The L1 contracts of one rollup, by name (`RollupCore`, `OptimismPortal`, ...).
pub type Contracts = BTreeMap<String, Address>;

/// What can fail on the L1 side.
#[derive(Debug, thiserror::Error)]
pub enum SettlementError {
    /// The L1 endpoint failed or could not be reached.
    #[error("L1 at {url}: {reason}")]
    L1 {
        /// The endpoint.
        url: String,
        /// What it said.
        reason: String,
    },
    /// An L1 transaction reverted.
    #[error("L1 transaction {what} reverted (tx {hash})")]
    Reverted {
        /// What it was for.
        what: String,
        /// Its hash.
        hash: String,
    },
    /// The rollup config is wrong.
    #[error("rollup config: {0}")]
    Config(String),
    /// A key has no funds on the L1.
    #[error("the {role} key {address} has no ETH on the L1 (chain id {chain_id})")]
    Unfunded {
        /// Which key (owner, proposer...).
        role: &'static str,
        /// Its address.
        address: Address,
        /// The L1's chain id.
        chain_id: u64,
    },
    /// The deployment journal could not be read or written.
    #[error("deployment journal {path}: {reason}")]
    Journal {
        /// The journal file.
        path: String,
        /// Why.
        reason: String,
    },
    /// An L1 log of the rollup's contracts is not what the framework emits.
    #[error("malformed {event} log in L1 block {block}: {reason}")]
    MalformedLog {
        /// The event.
        event: &'static str,
        /// The L1 block.
        block: u64,
        /// Why.
        reason: String,
    },
    /// The rollup chain failed.
    #[error(transparent)]
    Chain(#[from] tephra_chain::ChainError),
}

/// One framework's L1 side. Implemented by [`op_stack::OpStackSettlement`],
/// [`nitro::NitroSettlement`] and [`zk_stack::ZkStackSettlement`]; chosen by the rollup's
/// framework name with [`by_framework`].
pub trait Settlement: Debug + Send + Sync {
    /// The framework profile it settles (`op-stack`, ...).
    fn framework(&self) -> &'static str;

    /// The framework's entry points to deploy after the core, and the calls that wire them
    /// (enabling them on the core), in order. `rollup` is the rollup's config.
    fn entry_points(&self, rollup: &RollupConfig) -> Vec<Step>;

    /// The contracts whose L1 logs bring deposits.
    fn deposit_sources(&self, contracts: &Contracts) -> Vec<Address>;

    /// The rollup's deposit transactions brought by `logs` (the L1 block `origin`'s logs of
    /// [`Settlement::deposit_sources`], in log order).
    fn deposits(
        &self,
        origin: &L1Origin,
        logs: &[Log],
    ) -> Result<Vec<Recovered<TxEnvelope>>, SettlementError>;

    /// The rollup blocks whose commitments to propose when the head moved from `last` (the
    /// latest proposed) to `head`, in order: the head by default, since each commitment covers
    /// every block before it.
    fn proposed_blocks(
        &self,
        chain: &Chain,
        last: u64,
        head: u64,
    ) -> Result<Vec<u64>, SettlementError> {
        let _ = (chain, last);
        Ok(vec![head])
    }

    /// The root the settlement core (`RollupCore.getCommitment`) stores for the rollup's block
    /// `header` with its transactions `txs` and their `receipts`: what anyone who verified the
    /// block compares an L1 commitment with.
    fn commitment(
        &self,
        header: &Header,
        txs: &[TxEnvelope],
        receipts: &[ReceiptEnvelope],
    ) -> Result<B256, SettlementError>;

    /// The L1 call (contract and calldata) that proposes the rollup's state commitment at its
    /// block `number`.
    fn proposal(
        &self,
        chain: &Chain,
        contracts: &Contracts,
        number: u64,
    ) -> Result<(Address, Bytes), SettlementError>;

    /// The framework profile the rollup runs under, given its L1 `deployment`: the profile's
    /// genesis may name the contracts (OP Stack's L2 messenger and bridge predeploys name the
    /// L1 messenger and bridge as their other side).
    fn profile(&self, deployment: &Deployment) -> Result<Arc<dyn Framework>, SettlementError>;

    /// The rollup's JSON-RPC settings, given its L1 `deployment` (ZK Stack's `zks_*` methods
    /// report the L1 contracts); the defaults by default.
    fn rpc(&self, deployment: &Deployment) -> Result<tephra_rpc::RpcConfig, SettlementError> {
        let _ = deployment;
        Ok(tephra_rpc::RpcConfig::default())
    }

    /// The rollup addresses the framework's RPC reports for its L1 contracts (ZK Stack's
    /// `zks_getBridgehubContract` & co.), by name; none by default.
    fn l2_contracts(&self) -> Contracts {
        Contracts::new()
    }
}

/// The framework profiles that settle on an L1.
pub const FRAMEWORKS: [&str; 3] = ["op-stack", "nitro", "zk-stack"];

/// The [`Settlement`] of `rollup`'s framework profile.
pub fn by_framework(rollup: &RollupConfig) -> Result<Arc<dyn Settlement>, SettlementError> {
    settlement_for(
        &rollup.framework,
        rollup.chain_id,
        rollup.gas_token,
        rollup.pubdata_price,
        rollup.isthmus_time,
    )
}

/// The settlement of a rollup of `framework`, chain `chain_id`, gas token `gas_token`, (on
/// zk-stack) pubdata price `pubdata_price` and (on op-stack) Isthmus time `isthmus_time`: what
/// [`by_framework`] reads from a rollup config, for those (a guardian) who only know these. A
/// verifier passes no pubdata price: a zk-stack block carries its own.
pub fn settlement_for(
    framework: &str,
    chain_id: u64,
    gas_token: GasToken,
    pubdata_price: u128,
    isthmus_time: Option<u64>,
) -> Result<Arc<dyn Settlement>, SettlementError> {
    config::check_isthmus_time(framework, isthmus_time)?;
    match framework {
        "op-stack" => Ok(Arc::new(op_stack::OpStackSettlement { isthmus_time })),
        "nitro" => Ok(Arc::new(nitro::NitroSettlement { chain_id })),
        "zk-stack" => Ok(Arc::new(zk_stack::ZkStackSettlement { gas_token, pubdata_price })),
        other => Err(SettlementError::Config(format!(
            "framework {other:?} has no L1 settlement; one of: {}",
            FRAMEWORKS.join(", ")
        ))),
    }
}
