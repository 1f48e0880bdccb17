//! The embedded database behind a Tephra chain: blocks, receipts, state, state history and
//! trie nodes in one redb file.
//!
//! Everything a block changes is written through one [`StoreWriter`] and becomes visible, and
//! durable, only when [`StoreWriter::commit`] returns: a process killed at any instant reopens
//! on its last committed block with consistent state. Readers ([`StoreReader`]) see one
//! consistent snapshot for as long as they live, while the writer goes on.
//!
//! This crate knows encodings and tables, not execution: it never runs a transaction nor
//! computes a root. Start from [`Store`].

mod codec;
mod error;
mod store;
mod tables;

pub use codec::{BlockChanges, TxLocation};
pub use error::StoreError;
pub use store::{AccountChange, SlotChange, Store, StoreReader, StoreWriter};
