//! The framework profiles of Tephra's one execution core, behind `tephra-chain`'s
//! [`Framework`] seam: [`Ethereum`] (plain L1 rules: the embedded L1 and `tephra dev`'s
//! default), [`OpStack`] (OP Stack's deposits, L1 attributes, L1 data fee and predeploys, on
//! op-revm), [`Nitro`] (Arbitrum Nitro's ArbOS 32: ArbSys and ArbGasInfo precompiles, the send
//! root, L1 pricing as poster gas) and [`ZkStack`] (ZK Stack's EIP-712 transactions,
//! L1Messenger and batch receipts, on revm).
//!
//! A profile decides how a block's transactions execute, which transaction types users may
//! send, what genesis holds and what the header and receipts add; it never touches storage or
//! the trie. Start from [`by_name`].

mod balances;
pub mod config;
mod ethereum;
pub mod nitro;
pub mod op_stack;
mod receipts;
pub mod schedule;
pub mod zk_stack;

pub use config::{FrameworkConfig, FrameworkConfigError, ScheduledChange};
pub use ethereum::Ethereum;
pub use nitro::Nitro;
pub use op_stack::OpStack;
pub use schedule::{Schedule, ScheduleError, Step};
pub use zk_stack::ZkStack;

use std::sync::Arc;
use tephra_chain::Framework;

/// The names `--framework` accepts, in the order `--help` lists them.
pub const NAMES: [&str; 4] = ["ethereum", "op-stack", "nitro", "zk-stack"];

/// A framework name that no profile has.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown framework {0:?} (expected one of: {names})", names = NAMES.join(", "))]
pub struct UnknownFramework(pub String);

/// The profile called `name`, with its default settings.
pub fn by_name(name: &str) -> Result<Arc<dyn Framework>, UnknownFramework> {
    match name {
        "ethereum" => Ok(Arc::new(Ethereum)),
        "op-stack" => Ok(Arc::new(OpStack::default())),
        "nitro" => Ok(Arc::new(Nitro::default())),
        "zk-stack" => Ok(Arc::new(ZkStack::default())),
        other => Err(UnknownFramework(other.to_string())),
    }
}
