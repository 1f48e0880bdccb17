//! The one place that maps what went wrong to JSON-RPC error objects, with geth's codes and
//! messages (wallets and libraries match on them), as reth's `rpc-eth-types` error module does.

use alloy_primitives::{Bytes, hex};
use alloy_sol_types::{Panic, Revert, SolError};
use jsonrpsee::types::{
    ErrorObjectOwned,
    error::{INTERNAL_ERROR_CODE, INVALID_PARAMS_CODE},
};
use tephra_chain::{CallError, ChainError};
use tephra_node::NodeError;
use tephra_storage::StoreError;
use tephra_txpool::PoolError;

/// geth's code for every server-side refusal (`-32000`).
pub const SERVER_ERROR_CODE: i32 = -32000;
/// geth's code for a call or estimate that reverted; the revert data goes in `data`.
pub const EXECUTION_REVERTED_CODE: i32 = 3;

/// Why [`crate::serve`] could not start.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    /// The listening socket could not be bound.
    #[error("binding the RPC server to {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// Two handlers claimed the same method name (a programming error).
    #[error("registering RPC methods: {0}")]
    Register(#[from] jsonrpsee::core::RegisterMethodError),
}

/// What a method can fail with; its `From` conversion to `ErrorObjectOwned` gives the wire form.
#[derive(Debug, thiserror::Error)]
pub enum EthError {
    /// A state read named a block that does not exist (geth: `header not found`).
    #[error("header not found")]
    HeaderNotFound,
    /// A log query named a block hash that does not exist (geth: `unknown block`).
    #[error("unknown block")]
    UnknownBlock,
    /// The pool refused a transaction; the message is geth's, unchanged.
    #[error(transparent)]
    Pool(#[from] PoolError),
    /// The EVM reverted, with this revert data.
    #[error("{}", revert_message(.0))]
    Reverted(Bytes),
    /// The EVM halted or the transaction is invalid on this state (geth's text).
    #[error("{0}")]
    Execution(String),
    /// A parameter is well-formed JSON but not acceptable.
    #[error("{0}")]
    InvalidParams(String),
    /// `eth_sendTransaction` from an account the node holds no key for.
    #[error("unknown account")]
    UnknownAccount,
    /// The filter id is unknown or expired.
    #[error("filter not found")]
    FilterNotFound,
    /// A log query spans too many blocks.
    #[error("query exceeds max block range {0}")]
    BlockRangeTooLarge(u64),
    /// `fromBlock` is after `toBlock`.
    #[error("invalid block range params")]
    InvalidBlockRange,
    /// The requested feature is not served by this node.
    #[error("{0}")]
    Unsupported(String),
    /// The node refused a dev-mode request (for example a timestamp in the past).
    #[error("{0}")]
    Node(String),
    /// Something failed inside the node: the store, a task.
    #[error("internal error: {0}")]
    Internal(String),
    /// An error already in its wire form.
    #[error("{}", .0.message())]
    Rpc(ErrorObjectOwned),
}

impl From<ChainError> for EthError {
    fn from(err: ChainError) -> Self {
        match err {
            ChainError::UnknownBlock(_) => Self::HeaderNotFound,
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<StoreError> for EthError {
    fn from(err: StoreError) -> Self {
        Self::Internal(err.to_string())
    }
}

impl From<CallError> for EthError {
    fn from(err: CallError) -> Self {
        match err {
            CallError::Reverted(data) => Self::Reverted(data),
            CallError::Halted(message) | CallError::Invalid(message) => Self::Execution(message),
            CallError::Chain(err) => err.into(),
        }
    }
}

impl From<NodeError> for EthError {
    fn from(err: NodeError) -> Self {
        match err {
            NodeError::Chain(err) => err.into(),
            NodeError::Timestamp { .. } => Self::Node(err.to_string()),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<tokio::task::JoinError> for EthError {
    fn from(err: tokio::task::JoinError) -> Self {
        Self::Internal(format!("request task failed: {err}"))
    }
}

impl From<EthError> for ErrorObjectOwned {
    fn from(err: EthError) -> Self {
        let message = err.to_string();
        match err {
            EthError::Rpc(object) => object,
            EthError::Reverted(data) => ErrorObjectOwned::owned(
                EXECUTION_REVERTED_CODE,
                message,
                Some(hex::encode_prefixed(&data)),
            ),
            EthError::InvalidParams(_) | EthError::BlockRangeTooLarge(_) => {
                ErrorObjectOwned::owned(INVALID_PARAMS_CODE, message, None::<()>)
            }
            EthError::Internal(_) => {
                ErrorObjectOwned::owned(INTERNAL_ERROR_CODE, message, None::<()>)
            }
            EthError::Unsupported(_) => ErrorObjectOwned::owned(
                jsonrpsee::types::error::METHOD_NOT_FOUND_CODE,
                message,
                None::<()>,
            ),
            EthError::HeaderNotFound
            | EthError::UnknownBlock
            | EthError::Pool(_)
            | EthError::Execution(_)
            | EthError::UnknownAccount
            | EthError::FilterNotFound
            | EthError::InvalidBlockRange
            | EthError::Node(_) => ErrorObjectOwned::owned(SERVER_ERROR_CODE, message, None::<()>),
        }
    }
}

/// geth's message for revert data: `execution reverted`, plus `: <reason>` when the data is
/// an `Error(string)` or a `Panic(uint256)`.
pub fn revert_message(data: &[u8]) -> String {
    match revert_reason(data) {
        Some(reason) => format!("execution reverted: {reason}"),
        None => "execution reverted".to_string(),
    }
}

/// The reason in revert data, as geth's `abi.UnpackRevert` reads it.
fn revert_reason(data: &[u8]) -> Option<String> {
    if let Ok(revert) = Revert::abi_decode(data) {
        return Some(revert.reason);
    }
    if let Ok(panic) = Panic::abi_decode(data) {
        return Some(panic.as_geth_str().into_owned());
    }
    None
}

/// Result of a method: its value or what went wrong.
pub(crate) type EthResult<T> = Result<T, EthError>;

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::U256;

    #[test]
    fn revert_messages_match_geth() {
        let data = Revert::from("not owner").abi_encode();
        assert_eq!(revert_message(&data), "execution reverted: not owner");
        let data = Panic { code: U256::from(0x12) }.abi_encode();
        assert_eq!(revert_message(&data), "execution reverted: division or modulo by zero");
        assert_eq!(revert_message(&[]), "execution reverted");
        assert_eq!(revert_message(&[0xde, 0xad, 0xbe, 0xef]), "execution reverted");
    }

    #[test]
    fn reverted_carries_hex_data_and_code_3() {
        let data = Bytes::from(Revert::from("no").abi_encode());
        let object = ErrorObjectOwned::from(EthError::Reverted(data.clone()));
        assert_eq!(object.code(), 3);
        assert_eq!(object.message(), "execution reverted: no");
        let rendered = object.data().map(|raw| raw.get().to_string());
        assert_eq!(rendered, Some(format!("\"{}\"", hex::encode_prefixed(&data))));
    }

    #[test]
    fn pool_errors_keep_geth_text() {
        let object = ErrorObjectOwned::from(EthError::Pool(PoolError::AlreadyKnown));
        assert_eq!((object.code(), object.message()), (-32000, "already known"));
    }
}
