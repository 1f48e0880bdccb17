//! Starting the server: limits, the method table, the batch pre-validation middleware and the
//! plain HTTP routes, all on one port for HTTP and WebSocket.

use crate::{
    context::{Module, RpcContext},
    debug, dev,
    error::RpcError,
    eth, exec, fees, filters, optimism,
    routes::RoutesLayer,
    send::{self, PreValidateLayer},
    subscriptions::{self, HexIdProvider},
    zks,
};
use futures::future::BoxFuture;
use jsonrpsee::{
    core::middleware::RpcServiceBuilder,
    server::{BatchRequestConfig, Server, ServerConfig, ServerHandle},
};
use std::{net::SocketAddr, sync::Arc};
use tephra_node::Node;
use tracing::info;

/// Limits of one server. The defaults suit a dev chain driven by test suites.
#[derive(Debug, Clone)]
pub struct RpcConfig {
    /// Largest request body accepted, in bytes; larger ones get an error (HTTP 413).
    pub max_request_bytes: u32,
    /// Largest response body sent, in bytes.
    pub max_response_bytes: u32,
    /// Most calls in one JSON-RPC batch (geth's `BatchRequestLimit`).
    pub max_batch_len: u32,
    /// Most simultaneous connections (HTTP keep-alive and WebSocket).
    pub max_connections: u32,
    /// Most subscriptions one WebSocket connection holds.
    pub max_subscriptions_per_connection: u32,
    /// Most blocks one `eth_getLogs` scans.
    pub max_logs_block_range: u64,
    /// A zk-stack chain's L1 chain id and L1 contracts, as its `zks_*` methods report them:
    /// the one place the settlement layer sets the addresses it deployed.
    pub zk_l1: crate::ZkL1Config,
}

impl Default for RpcConfig {
    fn default() -> Self {
        Self {
            max_request_bytes: 20 * 1024 * 1024,
            max_response_bytes: 512 * 1024 * 1024,
            max_batch_len: 1_000,
            max_connections: 1_000,
            max_subscriptions_per_connection: 1_024,
            max_logs_block_range: 100_000,
            zk_l1: crate::ZkL1Config::default(),
        }
    }
}

/// A running server. Dropping it does not stop the server; call [`RpcHandle::stop`].
#[derive(Debug, Clone)]
pub struct RpcHandle {
    addr: SocketAddr,
    handle: ServerHandle,
}

impl RpcHandle {
    /// The address the server listens on (with the real port when `:0` was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://` URL of the server.
    pub fn http_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `ws://` URL of the server.
    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.addr)
    }

    /// Stops accepting connections and closes the open ones; idempotent.
    pub fn stop(&self) {
        let _ = self.handle.stop();
    }

    /// Resolves once the server has stopped.
    pub fn stopped(self) -> BoxFuture<'static, ()> {
        Box::pin(self.handle.stopped())
    }
}

/// Serves `node` over JSON-RPC (HTTP and WebSocket on the same port) at `addr`, with the
/// default [`RpcConfig`]. Must be called inside a tokio runtime.
pub fn serve(node: Arc<Node>, addr: SocketAddr) -> BoxFuture<'static, Result<RpcHandle, RpcError>> {
    serve_with(node, addr, RpcConfig::default())
}

/// [`serve`] with explicit limits.
pub fn serve_with(
    node: Arc<Node>,
    addr: SocketAddr,
    config: RpcConfig,
) -> BoxFuture<'static, Result<RpcHandle, RpcError>> {
    Box::pin(start(node, addr, config))
}

async fn start(
    node: Arc<Node>,
    addr: SocketAddr,
    config: RpcConfig,
) -> Result<RpcHandle, RpcError> {
    let ctx = Arc::new(RpcContext::new(node.clone(), config.clone()));
    let module = methods(ctx.clone())?;
    let server_config = ServerConfig::builder()
        .max_request_body_size(config.max_request_bytes)
        .max_response_body_size(config.max_response_bytes)
        .max_connections(config.max_connections)
        .max_subscriptions_per_connection(config.max_subscriptions_per_connection)
        .set_batch_request_config(BatchRequestConfig::Limit(config.max_batch_len))
        .set_id_provider(HexIdProvider)
        .build();
    let server = Server::builder()
        .set_config(server_config)
        .set_http_middleware(
            tower::ServiceBuilder::new().layer(RoutesLayer::new(node, config.max_request_bytes)),
        )
        .set_rpc_middleware(RpcServiceBuilder::new().layer(PreValidateLayer::new(ctx)))
        .build(addr)
        .await
        .map_err(|source| RpcError::Bind { addr, source })?;
    let addr = server.local_addr().map_err(|source| RpcError::Bind { addr, source })?;
    let handle = server.start(module);
    info!(target: "tephra::rpc", %addr, "JSON-RPC listening (HTTP and WebSocket)");
    Ok(RpcHandle { addr, handle })
}

/// Every method, registered on one module.
fn methods(ctx: Arc<RpcContext>) -> Result<Module, RpcError> {
    let mut module = Module::from_arc(ctx);
    eth::register(&mut module)?;
    fees::register(&mut module)?;
    send::register(&mut module)?;
    exec::register(&mut module)?;
    filters::register(&mut module)?;
    subscriptions::register(&mut module)?;
    debug::register(&mut module)?;
    optimism::register(&mut module)?;
    dev::register(&mut module)?;
    zks::register(&mut module)?;
    Ok(module)
}

/// Names of every method the server answers, sorted (for documentation and tests).
pub fn method_names(node: Arc<Node>) -> Result<Vec<String>, RpcError> {
    let ctx = Arc::new(RpcContext::new(node, RpcConfig::default()));
    let mut names: Vec<String> = methods(ctx)?.method_names().map(str::to_string).collect();
    names.sort();
    Ok(names)
}
