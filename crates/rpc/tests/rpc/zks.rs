//! ZK Stack over JSON-RPC: EIP-712 transactions (type 0x71) through `eth_sendRawTransaction`
//! on a zk-stack node, zksync's receipt fields, and the `zks_*` namespace; other frameworks
//! refuse both.

use crate::common::{TestNode, quantity, signed_tx, transfer};
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, keccak256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, sol};
use serde_json::{Value, json};
use std::time::Duration;
use tephra_node::NodeConfig;
use tephra_primitives::{
    eip712::{DEFAULT_GAS_PER_PUBDATA, Eip712Meta, TxEip712},
    zk::{L1_MESSENGER, L2ToL1Log, verify_log_proof},
};

sol! {
    function sendToL1(bytes message) external returns (bytes32);
}

const CHAIN_ID: u64 = 31337;

async fn zk_node() -> TestNode {
    let framework = tephra_frameworks::by_name("zk-stack").expect("profile exists");
    TestNode::start_with(NodeConfig { framework, ..NodeConfig::default() }).await
}

/// Signed as zksync-ethers signs: the 65-byte signature in `customSignature`.
fn signed(signer: &PrivateKeySigner, nonce: u64, to: Address, input: Bytes) -> (Bytes, B256) {
    let mut tx = TxEip712 {
        chain_id: CHAIN_ID,
        nonce,
        max_priority_fee_per_gas: 1_000_000_000,
        max_fee_per_gas: 10_000_000_000,
        gas_limit: 500_000,
        to: TxKind::Call(to),
        value: U256::ZERO,
        input,
        v: CHAIN_ID,
        r: U256::ZERO,
        s: U256::ZERO,
        from: signer.address(),
        eip712_meta: Eip712Meta {
            gas_per_pubdata: U256::from(DEFAULT_GAS_PER_PUBDATA),
            ..Default::default()
        },
    };
    let signature = signer.sign_hash_sync(&tx.signing_hash()).expect("signing");
    tx.eip712_meta.custom_signature = Bytes::from(signature.as_bytes().to_vec());
    (tx.encoded_2718().into(), tx.tx_hash())
}

async fn receipt(t: &TestNode, hash: B256) -> Value {
    for _ in 0..200 {
        let receipt = t.ok("eth_getTransactionReceipt", json!([hash])).await;
        if !receipt.is_null() {
            return receipt;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no receipt for {hash}");
}

fn b256(value: &Value) -> B256 {
    value.as_str().expect("hex").parse().expect("32 bytes")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eip712_messages_are_mined_and_proven_through_zks() {
    let t = zk_node().await;
    let signer = &t.signers[0];
    let message = Bytes::from_static(b"to L1");
    let input = sendToL1Call { message: message.clone() }.abi_encode().into();
    let (raw, hash) = signed(signer, 0, L1_MESSENGER, input);
    assert_eq!(t.ok("eth_sendRawTransaction", json!([raw])).await, json!(hash));
    let receipt = receipt(&t, hash).await;
    assert_eq!(receipt["type"], "0x71");
    assert_eq!(receipt["status"], "0x1");
    let block = quantity(&receipt["blockNumber"]);
    assert_eq!(quantity(&receipt["l1BatchNumber"]), block);
    assert_eq!(receipt["l1BatchTxIndex"], "0x0");
    let log = &receipt["l2ToL1Logs"][0];
    assert_eq!(b256(&log["value"]), keccak256(&message));

    // The transaction object carries ZKsync's fields and its raw bytes round-trip.
    let tx = t.ok("eth_getTransactionByHash", json!([hash])).await;
    assert_eq!(tx["type"], "0x71");
    assert_eq!(tx["from"], json!(signer.address()));
    assert_eq!(tx["eip712Meta"]["gasPerPubdata"], "0xc350");
    assert_eq!(t.ok("eth_getRawTransactionByHash", json!([hash])).await, json!(raw));

    // The log proof verifies against the batch's logs root.
    let proof = t.ok("zks_getL2ToL1LogProof", json!([hash])).await;
    let siblings: Vec<B256> = proof["proof"].as_array().expect("proof").iter().map(b256).collect();
    let leaf = L2ToL1Log::message(0, signer.address(), keccak256(&message)).leaf_hash();
    let id = proof["id"].as_u64().expect("id") as usize;
    assert!(verify_log_proof(leaf, id, &siblings, b256(&proof["root"])));
    let msg_proof =
        t.ok("zks_getL2ToL1MsgProof", json!([block, signer.address(), keccak256(&message)])).await;
    assert_eq!(msg_proof, proof);
    assert!(t.ok("zks_getL2ToL1LogProof", json!([hash, 1])).await.is_null());
    let batch = t.ok("zks_getL1BatchDetails", json!([block])).await;
    assert_eq!(batch["l2ToL1LogsRoot"], proof["root"]);
    assert_eq!(batch["status"], "sealed");

    let details = t.ok("zks_getTransactionDetails", json!([hash])).await;
    assert_eq!(details["status"], "included");
    assert_eq!(details["isL1Originated"], false);
    assert_eq!(details["initiatorAddress"], json!(signer.address()));
    let block_details = t.ok("zks_getBlockDetails", json!([block])).await;
    assert_eq!(block_details["l1BatchNumber"], json!(block));
    assert_eq!(block_details["l2TxCount"], json!(1));
    let raw_txs = t.ok("zks_getRawBlockTransactions", json!([block])).await;
    assert_eq!(raw_txs[0]["common_data"]["L2"]["transactionType"], "EIP712Transaction");
    assert_eq!(raw_txs[0]["raw_bytes"], json!(raw));
    assert_eq!(quantity(&t.ok("zks_L1BatchNumber", json!([])).await), block);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zks_constants_and_fee_estimates() {
    let t = zk_node().await;
    assert_eq!(t.ok("zks_L1ChainId", json!([])).await, "0x9");
    let zero = json!(Address::ZERO);
    assert_eq!(t.ok("zks_getMainContract", json!([])).await, zero);
    assert_eq!(t.ok("zks_getBridgehubContract", json!([])).await, zero);
    assert_eq!(t.ok("zks_getBridgeContracts", json!([])).await["l1SharedDefaultBridge"], zero);
    assert_eq!(
        t.ok("zks_getBaseTokenL1Address", json!([])).await,
        "0x0000000000000000000000000000000000000001"
    );
    // zksync-ethers' request shape: type 0x71 and `eip712Meta`.
    let request = json!({
        "from": t.signers[0].address(),
        "to": L1_MESSENGER,
        "data": Bytes::from(sendToL1Call { message: Bytes::from_static(b"x") }.abi_encode()),
        "type": "0x71",
        "eip712Meta": { "gasPerPubdata": "0x320", "factoryDeps": [] },
    });
    let fee = t.ok("zks_estimateFee", json!([request])).await;
    assert!(quantity(&fee["gasLimit"]) > 21_000);
    assert_eq!(fee["gasPerPubdataLimit"], "0x320");
    assert!(quantity(&t.ok("eth_estimateGas", json!([request])).await) > 21_000);
    let params = t.ok("zks_getFeeParams", json!([])).await;
    assert!(params["V2"]["config"]["minimal_l2_gas_price"].as_u64().expect("number") > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_frameworks_refuse_eip712_and_zks() {
    let t = TestNode::start().await;
    let (raw, _) = signed(&t.signers[0], 0, Address::repeat_byte(1), Bytes::new());
    let sent = t.call("eth_sendRawTransaction", json!([raw])).await;
    assert_eq!(sent["error"]["code"], -32000);
    assert_eq!(sent["error"]["message"], "transaction type not supported");
    // In one batch, the refused type gets its error and the transaction beside it is pooled.
    let plain = signed_tx(&t.signers[1], transfer(0, Address::repeat_byte(2), U256::from(5)));
    let batch = json!([
        {"jsonrpc": "2.0", "id": 0, "method": "eth_sendRawTransaction", "params": [raw]},
        {"jsonrpc": "2.0", "id": 1, "method": "eth_sendRawTransaction", "params": [plain]},
    ]);
    let (_, answers) = t.post(batch.to_string()).await;
    assert_eq!(answers[0]["error"]["message"], "transaction type not supported", "{answers}");
    assert_eq!(answers[1]["result"], json!(keccak256(&plain)), "{answers}");
    let zks = t.call("zks_L1BatchNumber", json!([])).await;
    assert_eq!(zks["error"]["code"], -32601);
    assert_eq!(
        zks["error"]["message"],
        "method zks_L1BatchNumber not available on this framework (ethereum); it is served on zk-stack chains"
    );
}
