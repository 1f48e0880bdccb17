//! The framework profiles of Tephra's one execution core, behind `tephra-chain`'s
//! [`Framework`] seam: [`Ethereum`] (plain L1 rules: the embedded L1 and `tephra dev`'s
//! default), [`OpStack`] (OP Stack's deposits, L1 attributes, L1 data fee and predeploys, on
//! op-revm) and [`Nitro`] (Arbitrum Nitro's ArbOS 32: ArbSys and ArbGasInfo precompiles, the
//! send root, L1 pricing as poster gas). The ZK Stack profile joins here.
//!
//! A profile decides how a block's transactions execute, which transaction types users may
//! send, what genesis holds and what the header and receipts add; it never touches storage or
//! the trie. Start from [`by_name`].

mod ethereum;
pub mod nitro;
pub mod op_stack;
mod receipts;

pub use ethereum::Ethereum;
pub use nitro::Nitro;
pub use op_stack::OpStack;

use std::sync::Arc;
use tephra_chain::Framework;

/// The names `--framework` accepts, in the order `--help` lists them.
pub const NAMES: [&str; 3] = ["ethereum", "op-stack", "nitro"];

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
        other => Err(UnknownFramework(other.to_string())),
    }
}
