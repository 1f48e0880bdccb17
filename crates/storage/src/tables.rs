//! Table definitions. Compound keys are big-endian byte strings so that redb's byte order is
//! the order range scans need (by address, then slot, then block number).

use redb::TableDefinition;

/// Single values: the head block number, under [`HEAD_KEY`], and the chain's rules, under
/// [`RULES_KEY`].
pub(crate) const META: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("meta");
/// Key in [`META`] of the head block number (u64, big-endian).
pub(crate) const HEAD_KEY: &str = "head";
/// Key in [`META`] of the name of the rules the chain was created with (UTF-8).
pub(crate) const RULES_KEY: &str = "rules";
/// Key of the L1 origin of the head block, for a rollup following an L1 (the chain's encoding).
pub(crate) const L1_ORIGIN_KEY: &str = "l1_origin";

/// Block number -> RLP header.
pub(crate) const HEADERS: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("headers");
/// Block hash -> block number.
pub(crate) const BLOCK_NUMBERS: TableDefinition<'_, &[u8; 32], u64> =
    TableDefinition::new("block_numbers");
/// Block number -> RLP list of EIP-2718 transactions.
pub(crate) const BODIES: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("bodies");
/// Block number -> concatenated 20-byte senders, in transaction order.
pub(crate) const SENDERS: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("senders");
/// Block number -> RLP list of EIP-2718 receipts.
pub(crate) const RECEIPTS: TableDefinition<'_, u64, &[u8]> = TableDefinition::new("receipts");
/// Transaction hash -> block number (8 bytes) ‖ index in block (4 bytes).
pub(crate) const TX_LOOKUP: TableDefinition<'_, &[u8; 32], &[u8]> =
    TableDefinition::new("tx_lookup");

/// Address -> RLP of the account as the state trie holds it.
pub(crate) const ACCOUNTS: TableDefinition<'_, &[u8; 20], &[u8]> = TableDefinition::new("accounts");
/// Address ‖ slot -> value (32 bytes). Zero values are absent.
pub(crate) const STORAGE: TableDefinition<'_, &[u8], &[u8; 32]> = TableDefinition::new("storage");
/// Code hash -> bytecode.
pub(crate) const CODE: TableDefinition<'_, &[u8; 32], &[u8]> = TableDefinition::new("code");

/// Address ‖ block -> the account before that block changed it (empty: did not exist).
pub(crate) const ACCOUNT_HISTORY: TableDefinition<'_, &[u8], &[u8]> =
    TableDefinition::new("account_history");
/// Address ‖ slot ‖ block -> the value before that block changed it.
pub(crate) const STORAGE_HISTORY: TableDefinition<'_, &[u8], &[u8; 32]> =
    TableDefinition::new("storage_history");
/// Block -> the accounts and slots it changed, to find their history entries on unwind.
pub(crate) const BLOCK_CHANGES: TableDefinition<'_, u64, &[u8]> =
    TableDefinition::new("block_changes");

/// Node hash -> RLP of a Merkle-Patricia trie node (state and storage tries share it).
pub(crate) const TRIE_NODES: TableDefinition<'_, &[u8; 32], &[u8]> =
    TableDefinition::new("trie_nodes");
