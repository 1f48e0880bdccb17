//! Shared vocabulary of Tephra: the transaction and receipt envelopes of every framework, the
//! dev-chain genesis and the standard dev accounts.
//!
//! This crate holds plain data that several crates agree on; it executes nothing and stores
//! nothing. Start from [`dev::DevGenesis`], which turns the user's `tephra dev` choices into
//! an [`alloy_genesis::Genesis`].

pub mod artifact;
pub mod block;
pub mod dev;
pub mod eip712;
pub mod nitro_tx;
pub mod predeploy;
pub mod receipt;
pub mod tx;
pub mod zk;
pub mod zk_priority;

pub use block::{Block, decode_block, encode_block};
pub use receipt::ReceiptEnvelope;
pub use tx::{TxEnvelope, TxType};

pub use alloy_genesis::Genesis;
