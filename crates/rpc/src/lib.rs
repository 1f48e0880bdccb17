//! The Ethereum JSON-RPC server of a Tephra node: HTTP and WebSocket on one port, JSON-RPC 2.0
//! batches, the execution-apis `eth_*` methods with alloy's response types (so field names and
//! encodings are exactly the spec's), filters and subscriptions, geth's `debug_*` tracers, and
//! the dev helpers of anvil and Hardhat (`anvil_setBalance`, `evm_mine`, `evm_snapshot`...). It
//! also answers `GET /metrics` (Prometheus text) and `GET /health` on the same port.
//!
//! What it is not: it holds no chain logic. State, execution and tracing live in
//! `tephra-chain`, validation in `tephra-txpool`, block production in `tephra-node`; this crate
//! parses parameters, runs store reads and execution on tokio's blocking pool (never on the
//! async runtime), and maps results and errors to the wire with geth's codes and messages
//! ([`EthError`] is the one mapping).
//!
//! Start from [`serve`]; each `*.rs` module registers one family of methods.

mod context;
mod convert;
mod debug;
mod dev;
mod error;
mod eth;
mod exec;
mod fees;
mod filters;
mod optimism;
mod routes;
mod send;
mod server;
mod subscriptions;
mod zks;
mod zks_proof;

pub use error::{EXECUTION_REVERTED_CODE, EthError, RpcError, SERVER_ERROR_CODE, revert_message};
pub use eth::CLIENT_VERSION;
pub use fees::{MAX_FEE_HISTORY_BLOCKS, MAX_REWARD_PERCENTILES, MIN_SUGGESTED_PRIORITY_FEE};
pub use filters::FILTER_TIMEOUT;
pub use server::{RpcConfig, RpcHandle, method_names, serve, serve_with};
pub use zks::ZkL1Config;
