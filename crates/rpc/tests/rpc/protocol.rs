//! JSON-RPC 2.0 over raw HTTP: malformed input, batches, limits, and the plain HTTP routes.
//! Every refusal leaves the server serving.

use crate::common::{TestNode, signed_tx, transfer};
use alloy_primitives::{Address, U256, keccak256};
use serde_json::{Value, json};

async fn still_serving(t: &TestNode) {
    assert_eq!(t.ok("eth_chainId", json!([])).await, json!("0x7a69"));
}

fn code(response: &Value) -> i64 {
    response["error"]["code"].as_i64().unwrap_or_else(|| panic!("no error code in {response}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_errors_and_the_server_keeps_serving() {
    let t = TestNode::start().await;
    let (_, response) = t.post(r#"{"jsonrpc":"2.0","id":1,"method":"#).await;
    assert_eq!(code(&response), -32700);
    still_serving(&t).await;
    let (_, response) = t.post("not json at all").await;
    assert_eq!(code(&response), -32700);
    let (_, response) = t.post("[]").await;
    assert_eq!(code(&response), -32600);
    let (_, response) = t.post(r#"{"jsonrpc":"2.0","id":1}"#).await;
    assert_eq!(code(&response), -32600);
    still_serving(&t).await;

    let response = t.call("eth_noSuchMethod", json!([])).await;
    assert_eq!((code(&response), response["id"].clone()), (-32601, json!(1)));
    let response = t.call("eth_getBalance", json!([123])).await;
    assert_eq!(code(&response), -32602);
    assert!(
        response["error"]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("invalid argument 0: "))
    );
    let response = t.call("eth_getBalance", json!([])).await;
    assert_eq!(response["error"]["message"], json!("missing value for required argument 0"));
    let response = t.call("eth_getBlockByNumber", json!(["0x0", "yes"])).await;
    assert_eq!(code(&response), -32602);
    still_serving(&t).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_mix_results_and_errors() {
    let t = TestNode::start().await;
    let batch = json!([
        {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []},
        {"jsonrpc": "2.0", "id": 2, "method": "eth_nope", "params": []},
        {"jsonrpc": "2.0", "id": 3, "method": "eth_getBalance", "params": [true]},
        {"jsonrpc": "2.0", "id": 4, "method": "net_version"},
        {"id": 5, "method": 7}
    ]);
    let (status, response) = t.post(batch.to_string()).await;
    assert_eq!(status, 200);
    let answers = response.as_array().expect("a batch answer is an array");
    assert_eq!(answers.len(), 5);
    let by_id = |id: i64| answers.iter().find(|a| a["id"] == json!(id)).expect("answered");
    assert_eq!(by_id(1)["result"], json!("0x7a69"));
    assert_eq!(code(by_id(2)), -32601);
    assert_eq!(code(by_id(3)), -32602);
    assert_eq!(by_id(4)["result"], json!("31337"));
    assert_eq!(code(by_id(5)), -32600);

    // A batch of raw transactions is recovered and pooled together; each call gets its own
    // outcome, in order.
    let signer = &t.signers[0];
    let to = Address::repeat_byte(0x21);
    let raws: Vec<_> =
        (0..3).map(|nonce| signed_tx(signer, transfer(nonce, to, U256::from(1)))).collect();
    let mut calls: Vec<Value> = raws
        .iter()
        .enumerate()
        .map(|(i, raw)| json!({"jsonrpc": "2.0", "id": i, "method": "eth_sendRawTransaction", "params": [raw]}))
        .collect();
    calls.push(
        json!({"jsonrpc": "2.0", "id": 3, "method": "eth_sendRawTransaction", "params": [raws[0]]}),
    );
    calls.push(
        json!({"jsonrpc": "2.0", "id": 4, "method": "eth_sendRawTransaction", "params": ["0x02"]}),
    );
    let (_, response) = t.post(Value::Array(calls).to_string()).await;
    let answers = response.as_array().expect("array");
    for (i, raw) in raws.iter().enumerate() {
        assert_eq!(answers[i]["result"], json!(keccak256(raw)), "{response}");
    }
    assert_eq!(answers[3]["error"], json!({"code": -32000, "message": "already known"}));
    assert_eq!(code(&answers[4]), -32000);
    for _ in 0..200 {
        if t.ok("eth_getTransactionCount", json!([signer.address(), "latest"])).await
            == json!("0x3")
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(t.ok("eth_getBalance", json!([to, "latest"])).await, json!("0x3"));

    // Batch limits.
    let too_many: Vec<Value> =
        (0..1001).map(|i| json!({"jsonrpc": "2.0", "id": i, "method": "eth_chainId"})).collect();
    let (_, response) = t.post(Value::Array(too_many).to_string()).await;
    assert!(response.get("error").is_some(), "{response}");
    still_serving(&t).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_requests_are_refused() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let t = TestNode::start().await;
    // The server answers from the declared length, before the body: read its answer over a
    // raw socket (an HTTP client would fail writing the body the server no longer reads).
    let mut socket = tokio::net::TcpStream::connect(t.rpc.local_addr()).await.unwrap();
    let head = format!(
        "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        21 * 1024 * 1024
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    let _ = socket
        .write_all(br#"{"jsonrpc":"2.0","id":1,"method":"eth_call","params":[{"data":"0x"#)
        .await;
    let mut answer = Vec::new();
    let _ =
        tokio::time::timeout(std::time::Duration::from_secs(5), socket.read_to_end(&mut answer))
            .await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains(r#""error":{"code":-32007"#), "{answer}");

    // Streamed without a length (chunked), the body is cut at the limit too.
    let mut socket = tokio::net::TcpStream::connect(t.rpc.local_addr()).await.unwrap();
    let head = "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    socket.write_all(head.as_bytes()).await.unwrap();
    let chunk = |first: bool| {
        let mut chunk = format!("{:x}\r\n", 1024 * 1024).into_bytes();
        chunk.push(if first { b'{' } else { b' ' });
        chunk.extend(std::iter::repeat_n(b' ', 1024 * 1024 - 1));
        chunk.extend_from_slice(b"\r\n");
        chunk
    };
    for index in 0..22 {
        if socket.write_all(&chunk(index == 0)).await.is_err() {
            break;
        }
    }
    let mut answer = Vec::new();
    let _ =
        tokio::time::timeout(std::time::Duration::from_secs(5), socket.read_to_end(&mut answer))
            .await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    still_serving(&t).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_health_and_cors() {
    let t = TestNode::start().await;
    t.ok("evm_mine", json!([])).await;
    let metrics = t.http.get(format!("{}/metrics", t.rpc.http_url())).send().await.unwrap();
    assert_eq!(metrics.status().as_u16(), 200);
    let text = metrics.text().await.unwrap();
    assert!(text.contains("tephra_blocks_total 1"), "{text}");
    let health = t.http.get(format!("{}/health", t.rpc.http_url())).send().await.unwrap();
    let health: Value = health.json().await.unwrap();
    assert_eq!(health, json!({"status": "ok", "chainId": 31337, "block": 1}));

    let preflight = t
        .http
        .request(reqwest::Method::OPTIONS, t.rpc.http_url())
        .header("origin", "http://localhost:3000")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success());
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
    let response = t
        .http
        .post(t.rpc.http_url())
        .header("content-type", "application/json")
        .body(r#"{"jsonrpc":"2.0","id":1,"method":"web3_clientVersion"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["result"], json!(tephra_rpc::CLIENT_VERSION));
    assert_eq!(tephra_rpc::CLIENT_VERSION, "tephra/v0.1.0");
}
