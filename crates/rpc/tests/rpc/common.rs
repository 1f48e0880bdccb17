//! A real node with its sequencer, served on an ephemeral port, and clients for it.

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_network::{EthereumWallet, TxSignerSync};
use alloy_primitives::{Address, Bytes, TxKind, U256};
use alloy_provider::{DynProvider, Provider, ProviderBuilder};
use alloy_signer_local::PrivateKeySigner;
use serde_json::{Value, json};
use std::{net::SocketAddr, sync::Arc};
use tephra_node::{Node, NodeConfig};
use tephra_rpc::RpcHandle;

/// One gwei in wei.
pub(crate) const GWEI: u128 = 1_000_000_000;

/// A node, its server, and the dev keys.
pub(crate) struct TestNode {
    pub(crate) node: Arc<Node>,
    pub(crate) rpc: RpcHandle,
    pub(crate) signers: Vec<PrivateKeySigner>,
    pub(crate) http: reqwest::Client,
}

impl TestNode {
    /// Opens a dev node (automine) and serves it on `127.0.0.1:0`.
    pub(crate) async fn start() -> Self {
        Self::start_with(NodeConfig::default()).await
    }

    /// [`TestNode::start`] with `config`.
    pub(crate) async fn start_with(config: NodeConfig) -> Self {
        let node = Node::open(config).expect("dev node opens");
        node.spawn_sequencer();
        let addr: SocketAddr = "127.0.0.1:0".parse().expect("literal address");
        let rpc = tephra_rpc::serve(node.clone(), addr).await.expect("server binds");
        let signers = node.signers().to_vec();
        Self { node, rpc, signers, http: reqwest::Client::new() }
    }

    /// An HTTP provider that signs with dev account 0.
    pub(crate) fn provider(&self) -> DynProvider {
        let wallet = EthereumWallet::from(self.signers[0].clone());
        ProviderBuilder::new()
            .wallet(wallet)
            .connect_http(self.rpc.http_url().parse().expect("valid url"))
            .erased()
    }

    /// An HTTP provider without fillers or wallet, for raw calls.
    pub(crate) fn plain(&self) -> DynProvider {
        ProviderBuilder::new()
            .disable_recommended_fillers()
            .connect_http(self.rpc.http_url().parse().expect("valid url"))
            .erased()
    }

    /// A WebSocket provider.
    pub(crate) async fn ws(&self) -> DynProvider {
        ProviderBuilder::new()
            .disable_recommended_fillers()
            .connect_ws(alloy_provider::WsConnect::new(self.rpc.ws_url()))
            .await
            .expect("websocket connects")
            .erased()
    }

    /// Posts a raw body and returns the HTTP status and the parsed JSON answer.
    pub(crate) async fn post(&self, body: impl Into<reqwest::Body>) -> (u16, Value) {
        let response = self
            .http
            .post(self.rpc.http_url())
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("request sent");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body read");
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// One JSON-RPC call over raw HTTP; returns the whole response object.
    pub(crate) async fn call(&self, method: &str, params: Value) -> Value {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        self.post(body.to_string()).await.1
    }

    /// A call that must succeed; returns its result.
    pub(crate) async fn ok(&self, method: &str, params: Value) -> Value {
        let response = self.call(method, params).await;
        assert!(response.get("error").is_none(), "{method} failed: {response}");
        response["result"].clone()
    }
}

impl Drop for TestNode {
    fn drop(&mut self) {
        self.rpc.stop();
        self.node.stop();
    }
}

/// A signed EIP-1559 transaction, EIP-2718 encoded.
pub(crate) fn signed_tx(signer: &PrivateKeySigner, tx: TxEip1559) -> Bytes {
    let mut tx = tx;
    let signature = signer.sign_transaction_sync(&mut tx).expect("local key signs");
    Bytes::from(TxEnvelope::from(tx.into_signed(signature)).encoded_2718())
}

/// A plain transfer of `value` wei with sane dev-chain fees.
pub(crate) fn transfer(nonce: u64, to: Address, value: U256) -> TxEip1559 {
    TxEip1559 {
        chain_id: 31337,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: 10 * GWEI,
        max_priority_fee_per_gas: GWEI,
        to: TxKind::Call(to),
        value,
        ..Default::default()
    }
}

/// `"0x…"` of a number.
pub(crate) fn hex(n: u64) -> String {
    format!("{n:#x}")
}

/// Parses a `"0x…"` quantity.
pub(crate) fn quantity(value: &Value) -> u64 {
    let text = value.as_str().unwrap_or_else(|| panic!("not a quantity: {value}"));
    u64::from_str_radix(text.trim_start_matches("0x"), 16).expect("hex quantity")
}

/// The provider's error payload (code, message) of a failed call.
pub(crate) fn rpc_error<T: std::fmt::Debug>(
    result: Result<T, alloy_provider::transport::TransportError>,
) -> (i64, String) {
    let err = result.expect_err("the call must fail");
    let payload = err.as_error_resp().unwrap_or_else(|| panic!("not an error response: {err}"));
    (payload.code, payload.message.to_string())
}

/// Sends and waits for the receipt of `raw` through `provider`.
pub(crate) async fn send_and_wait(
    provider: &DynProvider,
    raw: &Bytes,
) -> alloy_rpc_types_eth::TransactionReceipt {
    provider
        .send_raw_transaction(raw)
        .await
        .expect("transaction accepted")
        .get_receipt()
        .await
        .expect("receipt arrives")
}
