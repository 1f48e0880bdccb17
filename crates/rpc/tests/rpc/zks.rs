//! ZK Stack over JSON-RPC: EIP-712 transactions (type 0x71) through `eth_sendRawTransaction`
//! on a zk-stack node, zksync's receipt fields, and the `zks_*` namespace; other frameworks
//! refuse both. Priority (L1 -> L2) transactions as zksync-era's API shows them, refused from
//! users; L2BaseToken withdrawals proven through `zks_getL2ToL1LogProof`; the L1 contracts
//! configured for the `zks_*` answers.

use crate::common::{GWEI, TestNode, hex, quantity, send_and_wait, signed_tx, transfer};
use alloy_consensus::TxEip1559;
use alloy_eips::eip2718::Encodable2718;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, keccak256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, sol};
use serde_json::{Value, json};
use std::time::Duration;
use tephra_frameworks::zk_stack::tree::{
    ACCOUNT_PROPERTIES, KeyProof, Leaf, LeafProof, account_properties_hash, block_hashes_blake,
    flat_key,
};
use tephra_node::{Node, NodeConfig};
use tephra_primitives::{
    eip712::{DEFAULT_GAS_PER_PUBDATA, Eip712Meta, TxEip712},
    tx::TxPriority,
    zk::{L1_MESSENGER, L2_BASE_TOKEN, L2ToL1Log, verify_log_proof, withdrawal_message},
};
use tephra_rpc::{RpcConfig, ZkL1Config};

sol! {
    function sendToL1(bytes message) external returns (bytes32);
    function withdraw(address _l1Receiver) external payable;
}

const CHAIN_ID: u64 = 31337;

async fn zk_node() -> TestNode {
    let framework = tephra_frameworks::by_name("zk-stack").expect("profile exists");
    TestNode::start_with(NodeConfig { framework, ..NodeConfig::default() }).await
}

/// Signed as zksync-ethers signs: the 65-byte signature in `customSignature`.
fn signed(signer: &PrivateKeySigner, nonce: u64, to: Address, input: Bytes) -> (Bytes, B256) {
    signed_with_value(signer, nonce, to, U256::ZERO, input)
}

fn signed_with_value(
    signer: &PrivateKeySigner,
    nonce: u64,
    to: Address,
    value: U256,
    input: Bytes,
) -> (Bytes, B256) {
    let mut tx = TxEip712 {
        chain_id: CHAIN_ID,
        nonce,
        max_priority_fee_per_gas: 1_000_000_000,
        max_fee_per_gas: 10_000_000_000,
        gas_limit: 500_000,
        to: TxKind::Call(to),
        value,
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

/// A deposit of 1 ETH as the L1 Mailbox queues it, mined into the node's chain directly (the
/// node derives no priority transactions from L1 yet).
fn mine_priority(t: &TestNode, tx: &TxPriority) -> u64 {
    let chain = t.node.chain();
    let head = chain.head();
    let attributes = tephra_chain::BlockAttributes {
        timestamp: head.header.timestamp + 1,
        beneficiary: Address::repeat_byte(0xcb),
        prevrandao: head.hash,
        gas_limit: head.header.gas_limit,
        l1: None,
    };
    let recovered = alloy_consensus::transaction::Recovered::new_unchecked(
        tephra_primitives::TxEnvelope::from(tx.clone()),
        tx.from,
    );
    let (block, applied) =
        chain.build_block(&attributes, [recovered.as_recovered_ref()]).expect("builds");
    assert!(block.skipped.is_empty());
    chain.commit_block(&block, &applied).expect("commits");
    block.block.header.number
}

fn deposit(serial_id: u64, from: Address, value: U256) -> TxPriority {
    let (gas_limit, price) = (300_000u64, 250_000_000u128);
    TxPriority {
        from,
        to: from,
        gas_limit,
        gas_per_pubdata_byte_limit: U256::from(800),
        max_fee_per_gas: price,
        max_priority_fee_per_gas: 0,
        paymaster: Address::ZERO,
        serial_id,
        value,
        reserved: [
            value + U256::from(gas_limit) * U256::from(price),
            U256::from_be_bytes(from.into_word().0),
            U256::ZERO,
            U256::ZERO,
        ],
        input: Bytes::new(),
        signature: Bytes::new(),
        factory_deps: Vec::new(),
        paymaster_input: Bytes::new(),
        reserved_dynamic: Bytes::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn priority_transactions_show_as_zksync_shows_l1_transactions() {
    let t = zk_node().await;
    let depositor = Address::repeat_byte(0xd0);
    let tx = deposit(0, depositor, U256::from(10u64.pow(18)));
    let hash = tx.tx_hash();
    let block = mine_priority(&t, &tx);

    let rpc_tx = t.ok("eth_getTransactionByHash", json!([hash])).await;
    assert_eq!(rpc_tx["type"], "0xff");
    assert_eq!(rpc_tx["hash"], json!(hash));
    assert_eq!(rpc_tx["from"], json!(depositor));
    assert_eq!(rpc_tx["to"], json!(depositor));
    assert_eq!(rpc_tx["nonce"], "0x0");
    assert_eq!(rpc_tx["serialId"], "0x0");
    assert_eq!(rpc_tx["value"], "0xde0b6b3a7640000");
    assert_eq!(rpc_tx["gas"], "0x493e0");
    assert_eq!(rpc_tx["gasPrice"], "0xee6b280");
    assert_eq!(rpc_tx["maxPriorityFeePerGas"], "0x0");
    assert!(rpc_tx.get("v").is_none(), "no signature: {rpc_tx}");
    let raw = t.ok("eth_getRawTransactionByHash", json!([hash])).await;
    assert!(raw.as_str().unwrap().starts_with("0xff"));
    assert_eq!(
        keccak256(alloy_primitives::hex::decode(&raw.as_str().unwrap()[4..]).unwrap()),
        hash
    );

    let receipt = receipt(&t, hash).await;
    assert_eq!(receipt["type"], "0xff");
    assert_eq!(receipt["status"], "0x1");
    assert_eq!(quantity(&receipt["l1BatchNumber"]), block);
    // The bootloader's status log, provable on L1.
    let log = &receipt["l2ToL1Logs"][0];
    assert_eq!(log["sender"], "0x0000000000000000000000000000000000008001");
    assert_eq!(log["key"], json!(hash));
    assert_eq!(log["value"], json!(B256::with_last_byte(1)));
    let proof = t.ok("zks_getL2ToL1LogProof", json!([hash])).await;
    let siblings: Vec<B256> = proof["proof"].as_array().expect("proof").iter().map(b256).collect();
    let leaf = L2ToL1Log::priority_status(0, hash, true).leaf_hash();
    assert!(verify_log_proof(leaf, 0, &siblings, b256(&proof["root"])));

    let details = t.ok("zks_getTransactionDetails", json!([hash])).await;
    assert_eq!(details["isL1Originated"], true);
    let block_details = t.ok("zks_getBlockDetails", json!([block])).await;
    assert_eq!(block_details["l1TxCount"], json!(1));
    assert_eq!(block_details["l2TxCount"], json!(0));
    let raw_txs = t.ok("zks_getRawBlockTransactions", json!([block])).await;
    let l1 = &raw_txs[0]["common_data"]["L1"];
    assert_eq!(l1["canonicalTxHash"], json!(hash));
    assert_eq!(l1["serialId"], json!(0));
    assert_eq!(l1["toMint"], json!(tx.to_mint()));
    assert_eq!(l1["refundRecipient"], json!(depositor));
    assert_eq!(raw_txs[0]["execute"]["value"], json!(tx.value));

    // Users cannot send one.
    let sent = t.call("eth_sendRawTransaction", json!([raw])).await;
    assert_eq!(sent["error"]["code"], -32000);
    assert!(
        sent["error"]["message"].as_str().unwrap().contains("priority transactions (type 0xff)"),
        "{sent}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_base_token_withdrawal_is_proven_with_its_message() {
    let t = zk_node().await;
    let signer = &t.signers[0];
    let receiver = Address::repeat_byte(0xe1);
    let amount = U256::from(10u64.pow(17));
    let input = withdrawCall { _l1Receiver: receiver }.abi_encode().into();
    let (raw, hash) = signed_with_value(signer, 0, L2_BASE_TOKEN, amount, input);
    assert_eq!(t.ok("eth_sendRawTransaction", json!([raw])).await, json!(hash));
    let receipt = receipt(&t, hash).await;
    assert_eq!(receipt["status"], "0x1");
    let block = receipt["blockNumber"].clone();

    // Every log carries zksync's batch number, which zksync-ethers' finalization reads.
    let logs = receipt["logs"].as_array().expect("logs");
    assert_eq!(logs.len(), 2);
    for (index, log) in logs.iter().enumerate() {
        assert_eq!(log["l1BatchNumber"], block);
        assert_eq!(log["transactionLogIndex"], json!(format!("{index:#x}")));
    }
    let message = withdrawal_message(receiver, amount, None);
    assert_eq!(logs[0]["topics"][1], json!(L2_BASE_TOKEN.into_word()));
    assert_eq!(logs[0]["topics"][2], json!(keccak256(&message)));

    // The L2-to-L1 log (L1Messenger's, keyed by L2BaseToken) proves against the batch root.
    let l2_log = &receipt["l2ToL1Logs"][0];
    assert_eq!(l2_log["key"], json!(L2_BASE_TOKEN.into_word()));
    let proof = t.ok("zks_getL2ToL1LogProof", json!([hash, 0])).await;
    let siblings: Vec<B256> = proof["proof"].as_array().expect("proof").iter().map(b256).collect();
    assert_eq!(siblings.len(), 14);
    let leaf = L2ToL1Log::message(0, L2_BASE_TOKEN, keccak256(&message)).leaf_hash();
    assert!(verify_log_proof(leaf, 0, &siblings, b256(&proof["root"])));
    let batch = t.ok("zks_getL1BatchDetails", json!([quantity(&block)])).await;
    assert_eq!(batch["l2ToL1LogsRoot"], proof["root"]);

    // eth_getBlockReceipts carries the same log fields.
    let receipts = t.ok("eth_getBlockReceipts", json!([block])).await;
    assert_eq!(receipts[0]["logs"][1]["l1BatchNumber"], block);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zks_estimate_gas_l1_to_l2_funds_the_call_from_the_deposit() {
    let t = zk_node().await;
    // An L1 account with nothing on L2 deposits 1 ETH to another: its value comes from L1.
    let from = Address::repeat_byte(0x42);
    let request = json!({
        "from": from,
        "to": Address::repeat_byte(0x43),
        "data": "0x",
        "value": "0xde0b6b3a7640000",
        "type": "0x71",
        "eip712Meta": { "gasPerPubdata": "0x320" },
    });
    let estimate = t.ok("zks_estimateGasL1ToL2", json!([request])).await;
    assert_eq!(quantity(&estimate), 21_000);
    // eth_estimateGas refuses it: the sender holds nothing on L2.
    assert!(t.call("eth_estimateGas", json!([request])).await["error"].is_object());
    // A call with calldata costs more.
    let call = json!({
        "from": from,
        "to": L1_MESSENGER,
        "data": Bytes::from(sendToL1Call { message: Bytes::from_static(b"x") }.abi_encode()),
    });
    assert!(quantity(&t.ok("zks_estimateGasL1ToL2", json!([call])).await) > 21_000);
    // A priority transaction always calls.
    let create = json!({ "from": from, "data": "0x00" });
    let refused = t.call("zks_estimateGasL1ToL2", json!([create])).await;
    assert_eq!(refused["error"]["code"], -32602, "{refused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zks_reports_the_configured_l1_contracts() {
    let framework = tephra_frameworks::by_name("zk-stack").expect("profile exists");
    let node = Node::open(NodeConfig { framework, ..NodeConfig::default() }).expect("opens");
    node.spawn_sequencer();
    let zk_l1 = ZkL1Config {
        l1_chain_id: 31337,
        main_contract: Address::repeat_byte(1),
        bridgehub: Address::repeat_byte(2),
        shared_bridge: Address::repeat_byte(3),
        ..ZkL1Config::default()
    };
    let rpc = tephra_rpc::serve_with(
        node.clone(),
        "127.0.0.1:0".parse().expect("address"),
        RpcConfig { zk_l1, ..RpcConfig::default() },
    )
    .await
    .expect("binds");
    let signers = node.signers().to_vec();
    let t = TestNode { node, rpc, signers, http: reqwest::Client::new() };
    assert_eq!(t.ok("zks_L1ChainId", json!([])).await, "0x7a69");
    assert_eq!(t.ok("zks_getMainContract", json!([])).await, json!(Address::repeat_byte(1)));
    assert_eq!(t.ok("zks_getBridgehubContract", json!([])).await, json!(Address::repeat_byte(2)));
    let bridges = t.ok("zks_getBridgeContracts", json!([])).await;
    assert_eq!(bridges["l1SharedDefaultBridge"], json!(Address::repeat_byte(3)));
    assert_eq!(bridges["l2SharedDefaultBridge"], json!(Address::ZERO));
    assert_eq!(
        t.ok("zks_getBaseTokenL1Address", json!([])).await,
        "0x0000000000000000000000000000000000000001"
    );
}

/// The `LeafProof` a `zks_getProof` leaf object describes (`leafKey` given, or `key`).
fn leaf_proof(json: &Value, key: B256) -> LeafProof {
    let number = |field: &str| json[field].as_u64().unwrap_or_else(|| panic!("{field}: {json}"));
    LeafProof {
        index: number("index"),
        leaf: Leaf {
            key: if json["leafKey"].is_null() { key } else { b256(&json["leafKey"]) },
            value: b256(&json["value"]),
            next: number("nextIndex"),
        },
        siblings: json["siblings"].as_array().expect("siblings").iter().map(b256).collect(),
    }
}

/// Verifies a `zks_getProof` answer as ZKsync OS's design note verifies one: each slot's proof
/// leads to `root`. Returns the slots' values.
fn verify_zks_proof(answer: &Value, root: B256) -> Vec<B256> {
    let address: Address = answer["address"].as_str().expect("address").parse().expect("address");
    answer["storageProofs"]
        .as_array()
        .expect("storageProofs")
        .iter()
        .map(|entry| {
            let key = flat_key(address, b256(&entry["key"]));
            let proof = &entry["proof"];
            let proof = match proof["type"].as_str() {
                Some("existing") => KeyProof::Existing(leaf_proof(proof, key)),
                Some("nonExisting") => KeyProof::NonExisting {
                    left: leaf_proof(&proof["leftNeighbor"], key),
                    right: leaf_proof(&proof["rightNeighbor"], key),
                },
                other => panic!("proof type {other:?}"),
            };
            let (proved, value) = proof.verify(&key).expect("the proof verifies");
            assert_eq!(proved, root);
            value
        })
        .collect()
}

/// Checks that `zks_getProof` proves `address`'s properties at `batch` against `root`: its
/// nonce `nonce`, its balance then, no code.
async fn assert_account_proven(t: &TestNode, address: Address, nonce: u64, batch: u64, root: B256) {
    let answer =
        t.ok("zks_getProof", json!([ACCOUNT_PROPERTIES, [address.into_word()], batch])).await;
    let balance = t.ok("eth_getBalance", json!([address, hex(batch)])).await;
    let balance: U256 = serde_json::from_value(balance).expect("a quantity");
    assert_eq!(verify_zks_proof(&answer, root), vec![account_properties_hash(nonce, balance, &[])]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zks_get_proof_proves_slots_and_accounts_against_the_batch_root() {
    let t = zk_node().await;
    let signer = &t.signers[0];
    // A contract whose constructor stores 42 at slot 1 and has no code.
    let deploy = TxEip1559 {
        chain_id: CHAIN_ID,
        nonce: 0,
        gas_limit: 100_000,
        max_fee_per_gas: 10 * GWEI,
        max_priority_fee_per_gas: GWEI,
        to: TxKind::Create,
        input: Bytes::from_static(&[0x60, 0x2a, 0x60, 0x01, 0x55, 0x00]),
        ..Default::default()
    };
    let receipt = send_and_wait(&t.provider(), &signed_tx(signer, deploy)).await;
    let contract = receipt.contract_address.expect("a deployment");
    let first = receipt.block_number.expect("mined");
    let (one, two) = (B256::with_last_byte(1), B256::with_last_byte(2));

    let details = t.ok("zks_getL1BatchDetails", json!([first])).await;
    let root = b256(&details["rootHash"]);
    let answer = t.ok("zks_getProof", json!([contract, [one, two], first])).await;
    assert_eq!(answer["storageProofs"][0]["proof"]["type"], "existing");
    assert_eq!(answer["storageProofs"][1]["proof"]["type"], "nonExisting");
    assert_eq!(verify_zks_proof(&answer, root), vec![B256::with_last_byte(42), B256::ZERO]);
    assert!(answer["l1VerificationData"].is_null());

    // The commitment's preimage is the batch's: leaf count, number, hashes, timestamp.
    let preimage = &answer["stateCommitmentPreimage"];
    assert_eq!(quantity(&preimage["blockNumber"]), first);
    let block = t.ok("eth_getBlockByNumber", json!([hex(first), false])).await;
    assert_eq!(preimage["lastBlockTimestamp"], block["timestamp"]);
    let mut hashes = [B256::ZERO; 256];
    for number in 0..=first {
        let block = t.ok("eth_getBlockByNumber", json!([hex(number), false])).await;
        hashes[255 - (first - number) as usize] = b256(&block["hash"]);
    }
    assert_eq!(b256(&preimage["last256BlockHashesBlake"]), block_hashes_blake(&hashes));
    // The next free leaf is past the guards and every leaf proven.
    let written = answer["storageProofs"][0]["proof"]["index"].as_u64().expect("an index");
    let neighbours = &answer["storageProofs"][1]["proof"];
    let right = neighbours["rightNeighbor"]["index"].as_u64().expect("an index");
    assert!(written >= 2 && quantity(&preimage["nextFreeSlot"]) > written.max(right));

    // The sender's account properties are the slot of its address under 0x…8003.
    assert_account_proven(&t, signer.address(), 1, first, root).await;

    // A later block changes the sender's account; the first batch still proves the old one.
    let store = TxEip1559 {
        chain_id: CHAIN_ID,
        nonce: 1,
        gas_limit: 21_000,
        max_fee_per_gas: 10 * GWEI,
        max_priority_fee_per_gas: GWEI,
        to: TxKind::Call(contract),
        ..Default::default()
    };
    let snapshot = t.ok("evm_snapshot", json!([])).await;
    let second = send_and_wait(&t.provider(), &signed_tx(signer, store)).await;
    let second = second.block_number.expect("mined");
    let root2 = b256(&t.ok("zks_getL1BatchDetails", json!([second])).await["rootHash"]);
    assert_ne!(root2, root);
    assert_account_proven(&t, signer.address(), 2, second, root2).await;
    let again = t.ok("zks_getProof", json!([contract, [one], first])).await;
    assert_eq!(verify_zks_proof(&again, root), vec![B256::with_last_byte(42)]);

    // Reverting the chain drops the tree's later versions; the replacement block is proven.
    assert_eq!(t.ok("evm_revert", json!([snapshot])).await, json!(true));
    let other = transfer(1, Address::repeat_byte(0x77), U256::from(5));
    let replaced = send_and_wait(&t.provider(), &signed_tx(signer, other)).await;
    assert_eq!(replaced.block_number, Some(second));
    let root3 = b256(&t.ok("zks_getL1BatchDetails", json!([second])).await["rootHash"]);
    assert_ne!(root3, root2);
    let fresh = t
        .ok(
            "zks_getProof",
            json!([ACCOUNT_PROPERTIES, [Address::repeat_byte(0x77).into_word()], second]),
        )
        .await;
    assert_eq!(
        verify_zks_proof(&fresh, root3),
        vec![account_properties_hash(0, U256::from(5), &[])]
    );

    // Beyond the head there is no batch; a malformed request is refused.
    assert!(t.ok("zks_getProof", json!([contract, [one], second + 1])).await.is_null());
    assert_eq!(
        t.call("zks_getProof", json!([contract, "0x01", first])).await["error"]["code"],
        -32602
    );
}

/// The leaf index `zks_getProof` gives slot `slot` of `address` at `batch` (it must exist).
async fn leaf_index(t: &TestNode, address: Address, slot: B256, batch: u64) -> u64 {
    let answer = t.ok("zks_getProof", json!([address, [slot], batch])).await;
    let proof = &answer["storageProofs"][0]["proof"];
    assert_eq!(proof["type"], "existing", "slot {slot} of {address}: {answer}");
    proof["index"].as_u64().expect("an index")
}

/// The tree takes a block's writes as ZKsync OS reports them: only values that changed (a
/// slot stored with the zero it held, an account touched but left empty, get no leaf), new
/// keys at the next free indices in ZKsync OS's storage-cache order (accounts' properties
/// under `0x…8003` before a contract whose address's low 64 bits are larger, a contract's slots
/// in slot order) rather than in tree-key order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zks_get_proof_leaves_follow_zksync_os_write_order() {
    let t = zk_node().await;
    let signer = &t.signers[0];
    // A constructor storing 0x11, 0x22, 0x33 at slots 1, 2, 3 and zero at slot 4.
    let init = [
        0x60, 0x11, 0x60, 0x01, 0x55, 0x60, 0x22, 0x60, 0x02, 0x55, 0x60, 0x33, 0x60, 0x03, 0x55,
        0x60, 0x00, 0x60, 0x04, 0x55, 0x00,
    ];
    let deploy = TxEip1559 {
        chain_id: CHAIN_ID,
        nonce: 0,
        gas_limit: 200_000,
        max_fee_per_gas: 10 * GWEI,
        max_priority_fee_per_gas: GWEI,
        to: TxKind::Create,
        input: Bytes::copy_from_slice(&init),
        ..Default::default()
    };
    let receipt = send_and_wait(&t.provider(), &signed_tx(signer, deploy)).await;
    let contract = receipt.contract_address.expect("a deployment");
    let batch = receipt.block_number.expect("mined");
    let root = b256(&t.ok("zks_getL1BatchDetails", json!([batch])).await["rootHash"]);

    let slots: Vec<B256> = (1..=3).map(B256::with_last_byte).collect();
    let mut by_key = slots.clone();
    by_key.sort_by_key(|slot| flat_key(contract, *slot));
    assert_ne!(by_key, slots, "tree-key order must differ from slot order for this test");
    let mut indices = Vec::new();
    for slot in &slots {
        indices.push(leaf_index(&t, contract, *slot, batch).await);
    }
    assert_eq!(indices, vec![indices[0], indices[0] + 1, indices[0] + 2]);
    assert!(u64::from_be_bytes(contract[12..].try_into().unwrap()) > 0x8003);
    let properties = leaf_index(&t, ACCOUNT_PROPERTIES, contract.into_word(), batch).await;
    assert!(properties < indices[0], "the contract's properties precede its slots");
    let answer = t.ok("zks_getProof", json!([contract, [B256::with_last_byte(4)], batch])).await;
    assert_eq!(answer["storageProofs"][0]["proof"]["type"], "nonExisting");
    assert_eq!(verify_zks_proof(&answer, root), vec![B256::ZERO]);

    // A zero-value transfer touches its recipient and leaves it empty: no leaf for it.
    let empty = Address::repeat_byte(0x55);
    let touch =
        send_and_wait(&t.provider(), &signed_tx(signer, transfer(1, empty, U256::ZERO))).await;
    let batch = touch.block_number.expect("mined");
    let root = b256(&t.ok("zks_getL1BatchDetails", json!([batch])).await["rootHash"]);
    let answer =
        t.ok("zks_getProof", json!([ACCOUNT_PROPERTIES, [empty.into_word()], batch])).await;
    assert_eq!(answer["storageProofs"][0]["proof"]["type"], "nonExisting");
    assert_eq!(verify_zks_proof(&answer, root), vec![B256::ZERO]);
}
