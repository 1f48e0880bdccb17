use std::fmt;

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database file could not be opened or created.
    #[error("opening the database: {0}")]
    Open(#[from] redb::DatabaseError),
    /// A read or write transaction could not begin.
    #[error("beginning a transaction: {0}")]
    Transaction(#[from] redb::TransactionError),
    /// A table could not be opened.
    #[error("opening a table: {0}")]
    Table(#[from] redb::TableError),
    /// The storage layer failed (I/O, corruption detected by redb).
    #[error("storage: {0}")]
    Storage(#[from] redb::StorageError),
    /// The commit failed; nothing of the transaction was written.
    #[error("commit: {0}")]
    Commit(#[from] redb::CommitError),
    /// A stored value does not decode: the file was written by something else or is corrupt.
    #[error("corrupt {table} entry: {reason}")]
    Corrupt {
        /// The table holding the entry.
        table: &'static str,
        /// Why it does not decode.
        reason: String,
    },
}

impl StoreError {
    pub(crate) fn corrupt(table: &'static str, reason: impl fmt::Display) -> Self {
        Self::Corrupt { table, reason: reason.to_string() }
    }
}
