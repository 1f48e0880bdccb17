//! `eth_*` through alloy's provider: transfers, receipts, blocks, contracts, calls, logs,
//! filters, fees, traces and proofs.

use crate::{
    common::{GWEI, TestNode, hex, quantity, rpc_error, send_and_wait, signed_tx, transfer},
    contract,
};
use alloy_consensus::{Transaction as _, TxEip1559};
use alloy_eips::BlockNumberOrTag;
use alloy_network::TransactionBuilder;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use alloy_provider::Provider;
use alloy_rpc_types_eth::{Filter, Log, TransactionRequest};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfer_receipt_block_and_lookups() {
    let t = TestNode::start().await;
    let p = t.plain();
    let from = t.signers[0].address();
    let to = Address::repeat_byte(0x42);
    let raw = signed_tx(&t.signers[0], transfer(0, to, U256::from(1_000)));
    let receipt = send_and_wait(&p, &raw).await;

    let block = p.get_block_by_number(1.into()).full().await.unwrap().expect("block 1");
    let base_fee = u128::from(block.header.base_fee_per_gas.expect("London header"));
    assert!(receipt.status());
    assert_eq!((receipt.from, receipt.to, receipt.contract_address), (from, Some(to), None));
    assert_eq!(receipt.gas_used, 21_000);
    assert_eq!(receipt.effective_gas_price, base_fee + GWEI);
    assert_eq!((receipt.block_number, receipt.transaction_index), (Some(1), Some(0)));
    assert_eq!(receipt.block_hash, Some(block.header.hash));
    assert_eq!(receipt.inner.cumulative_gas_used(), 21_000);

    assert_eq!(block.transactions.len(), 1);
    assert_eq!(block.header.total_difficulty, Some(U256::ZERO));
    assert!(block.header.size.is_some_and(|size| size > U256::from(500)));
    assert_eq!(block.withdrawals.as_ref().map(|w| w.len()), Some(0));
    let tx = block.transactions.txns().next().expect("one transaction");
    assert_eq!(
        (tx.inner.signer(), tx.block_number, tx.transaction_index),
        (from, Some(1), Some(0))
    );

    let hash = receipt.transaction_hash;
    let tx = p.get_transaction_by_hash(hash).await.unwrap().expect("mined transaction");
    assert_eq!(
        (tx.block_hash, tx.effective_gas_price),
        (Some(block.header.hash), Some(base_fee + GWEI))
    );
    let got: Option<Bytes> =
        p.raw_request("eth_getRawTransactionByHash".into(), (hash,)).await.unwrap();
    assert_eq!(got, Some(raw));
    assert_eq!(p.get_balance(to).await.unwrap(), U256::from(1_000));
    assert_eq!(p.get_transaction_count(from).await.unwrap(), 1);
    let receipts = p.get_block_receipts(1.into()).await.unwrap().expect("block 1 receipts");
    assert_eq!(receipts.len(), 1);
    assert_eq!(receipts[0].transaction_hash, hash);
    let hashes = p.get_block_by_number(1.into()).await.unwrap().expect("block 1");
    assert_eq!(hashes.transactions.hashes().collect::<Vec<_>>(), vec![hash]);
    assert_eq!(hashes.header.hash, block.header.hash);

    let by_index = t.ok("eth_getTransactionByBlockNumberAndIndex", json!(["0x1", "0x0"])).await;
    assert_eq!(by_index["hash"], json!(hash));
    let by_hash_index =
        t.ok("eth_getTransactionByBlockHashAndIndex", json!([block.header.hash, "0x0"])).await;
    assert_eq!(by_hash_index["hash"], json!(hash));
    assert_eq!(t.ok("eth_getBlockTransactionCountByNumber", json!(["0x1"])).await, json!("0x1"));
    assert_eq!(
        t.ok("eth_getBlockTransactionCountByHash", json!([block.header.hash])).await,
        json!("0x1")
    );

    // Unknown blocks: null for block getters, geth's "header not found" for state reads.
    assert!(p.get_block_by_number(99.into()).await.unwrap().is_none());
    assert!(t.ok("eth_getBlockByHash", json!([B256::repeat_byte(1), false])).await.is_null());
    assert!(t.ok("eth_getTransactionByHash", json!([B256::repeat_byte(1)])).await.is_null());
    assert!(t.ok("eth_getTransactionReceipt", json!([B256::repeat_byte(1)])).await.is_null());
    let (code, message) = rpc_error(p.get_balance(to).number(99).await);
    assert_eq!((code, message.as_str()), (-32000, "header not found"));

    // EIP-1898 block objects, and history at an older block.
    let genesis = p.get_block_by_number(0.into()).await.unwrap().expect("genesis");
    let at_genesis = t.ok("eth_getBalance", json!([to, {"blockHash": genesis.header.hash}])).await;
    assert_eq!(at_genesis, json!("0x0"));
    let at_one = t.ok("eth_getBalance", json!([to, {"blockNumber": "0x1"}])).await;
    assert_eq!(at_one, json!("0x3e8"));
    assert_eq!(t.ok("eth_getTransactionCount", json!([from, "earliest"])).await, json!("0x0"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_deploy_call_logs_and_filters() {
    let t = TestNode::start().await;
    let p = t.plain();
    let signer = &t.signers[0];
    let from = signer.address();
    let deploy = TxEip1559 {
        to: TxKind::Create,
        input: contract::init_code(&contract::store_runtime()),
        gas_limit: 200_000,
        ..transfer(0, Address::ZERO, U256::ZERO)
    };
    let receipt = send_and_wait(&p, &signed_tx(signer, deploy)).await;
    let store = from.create(0);
    assert!(receipt.status());
    assert_eq!(receipt.contract_address, Some(store));
    assert_eq!(receipt.to, None);
    assert_eq!(p.get_code_at(store).await.unwrap(), contract::store_runtime());

    let set = |nonce, value| TxEip1559 {
        input: contract::set(value),
        gas_limit: 100_000,
        ..transfer(nonce, store, U256::ZERO)
    };
    let receipt = send_and_wait(&p, &signed_tx(signer, set(1, 42))).await;
    let logs = receipt.inner.logs();
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].topics(), &[contract::set_topic()]);
    assert_eq!(logs[0].data().data, contract::set(42));
    assert_eq!((logs[0].log_index, logs[0].block_number), (Some(0), Some(2)));
    assert_eq!(logs[0].transaction_hash, Some(receipt.transaction_hash));

    // eth_call: latest, at an older block, with state overrides and block overrides.
    let call = TransactionRequest::default().with_to(store);
    assert_eq!(p.call(call.clone()).await.unwrap(), contract::set(42));
    assert_eq!(p.call(call.clone()).block(1.into()).await.unwrap(), contract::set(0));
    let slot0 = B256::ZERO;
    let overridden = t
        .ok(
            "eth_call",
            json!([{"to": store}, "latest", {store.to_string(): {"stateDiff": {slot0.to_string(): B256::from(U256::from(7))}}}]),
        )
        .await;
    assert_eq!(overridden, json!(contract::set(7)));
    let with_block =
        t.ok("eth_call", json!([{"to": store}, "latest", null, {"number": "0x100"}])).await;
    assert_eq!(with_block, json!(contract::set(42)));
    let slot = p.get_storage_at(store, U256::ZERO).await.unwrap();
    assert_eq!(slot, U256::from(42));

    // Estimates and access lists.
    let write =
        TransactionRequest::default().with_from(from).with_to(store).with_input(contract::set(5));
    let gas = p.estimate_gas(write.clone()).await.unwrap();
    assert!((21_000..100_000).contains(&gas), "estimate {gas}");
    let list = p.create_access_list(&write).await.unwrap();
    let entry = list.access_list.0.iter().find(|item| item.address == store).expect("store listed");
    assert_eq!(entry.storage_keys, vec![slot0]);

    // Logs by address, topic, OR-set, wildcard and block hash; filters.
    let by_address = Filter::new().address(store).from_block(0);
    assert_eq!(p.get_logs(&by_address).await.unwrap().len(), 1);
    let topic = contract::set_topic();
    let other = B256::repeat_byte(9);
    assert_eq!(p.get_logs(&by_address.clone().event_signature(topic)).await.unwrap().len(), 1);
    assert_eq!(
        p.get_logs(&by_address.clone().event_signature(vec![other, topic])).await.unwrap().len(),
        1
    );
    assert_eq!(p.get_logs(&by_address.clone().event_signature(other)).await.unwrap().len(), 0);
    assert_eq!(p.get_logs(&Filter::new().from_block(0).topic1(other)).await.unwrap().len(), 0);
    let wildcard = t.ok("eth_getLogs", json!([{"fromBlock": "0x0", "topics": [null]}])).await;
    assert_eq!(wildcard.as_array().map(Vec::len), Some(1));
    let at_hash = Filter::new().at_block_hash(receipt.block_hash.expect("mined"));
    assert_eq!(p.get_logs(&at_hash).await.unwrap().len(), 1);
    let (code, message) = rpc_error(p.get_logs(&Filter::new().from_block(5).to_block(2)).await);
    assert_eq!((code, message.as_str()), (-32000, "invalid block range params"));

    let log_filter = p.new_filter(&by_address).await.unwrap();
    let block_filter = p.new_block_filter().await.unwrap();
    let default_range = p.new_filter(&Filter::new().address(store)).await.unwrap();
    let receipt = send_and_wait(&p, &signed_tx(signer, set(2, 43))).await;
    let changes: Vec<Log> = p.get_filter_changes(log_filter).await.unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].data().data, contract::set(43));
    let again: Vec<Log> = p.get_filter_changes(log_filter).await.unwrap();
    assert!(again.is_empty(), "changes are consumed");
    let blocks: Vec<B256> = p.get_filter_changes(block_filter).await.unwrap();
    assert_eq!(blocks, vec![receipt.block_hash.expect("mined")]);
    send_and_wait(&p, &signed_tx(signer, set(3, 44))).await;
    let polled: Vec<Log> = p.get_filter_changes(default_range).await.unwrap();
    let values: Vec<Bytes> = polled.iter().map(|log| log.data().data.clone()).collect();
    assert_eq!(
        values,
        vec![contract::set(43), contract::set(44)],
        "every block since the last poll"
    );
    let all: Vec<Log> = p.raw_request("eth_getFilterLogs".into(), (log_filter,)).await.unwrap();
    assert_eq!(all.len(), 3);
    assert!(p.uninstall_filter(log_filter).await.unwrap());
    let (code, message) = rpc_error(p.get_filter_changes::<Log>(log_filter).await);
    assert_eq!((code, message.as_str()), (-32000, "filter not found"));

    // Reverts: code 3, geth's message, the revert data in `data`.
    let reverter = Address::repeat_byte(0xee);
    t.ok("anvil_setCode", json!([reverter, contract::reverter_runtime()])).await;
    let response = t.call("eth_call", json!([{"to": reverter}])).await;
    assert_eq!(response["error"]["code"], json!(3));
    assert_eq!(response["error"]["message"], json!("execution reverted: nope"));
    assert_eq!(response["error"]["data"], json!(contract::nope()));
    let response = t.call("eth_estimateGas", json!([{"from": from, "to": reverter}])).await;
    assert_eq!(response["error"]["code"], json!(3));
    assert_eq!(response["error"]["data"], json!(contract::nope()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wallet_flows_send_transaction_and_fees() {
    let t = TestNode::start().await;
    // alloy's recommended fillers: chain id, pending nonce, fee estimate, gas estimate.
    let wallet = t.provider();
    let to = Address::repeat_byte(0x77);
    let request = TransactionRequest::default().with_to(to).with_value(U256::from(5));
    let receipt = wallet.send_transaction(request).await.unwrap().get_receipt().await.unwrap();
    assert!(receipt.status());
    assert_eq!(wallet.get_balance(to).await.unwrap(), U256::from(5));

    // eth_sendTransaction signs with the node's dev key.
    let from = t.signers[1].address();
    let hash = t.ok("eth_sendTransaction", json!([{"from": from, "to": to, "value": "0x7"}])).await;
    let hash: B256 = serde_json::from_value(hash).unwrap();
    let receipt =
        wallet.watch_pending_transaction(alloy_provider::PendingTransactionConfig::new(hash));
    receipt.await.unwrap().await.unwrap();
    assert_eq!(wallet.get_balance(to).await.unwrap(), U256::from(12));
    let (code, message) =
        rpc_error(wallet.get_logs(&Filter::new().at_block_hash(B256::repeat_byte(3))).await);
    assert_eq!((code, message.as_str()), (-32000, "unknown block"));
    let mined = wallet.get_transaction_by_hash(hash).await.unwrap().expect("mined");
    assert_eq!(mined.inner.signer(), from);
    let response =
        t.call("eth_sendTransaction", json!([{"from": Address::repeat_byte(1), "to": to}])).await;
    assert_eq!(response["error"], json!({"code": -32000, "message": "unknown account"}));
    // Concurrent sends from one account get consecutive nonces.
    let pending_filter: U256 =
        wallet.raw_request("eth_newPendingTransactionFilter".into(), ()).await.unwrap();
    let sends = (0..5)
        .map(|_| t.call("eth_sendTransaction", json!([{"from": from, "to": to, "value": "0x1"}])));
    let hashes: Vec<B256> = futures::future::join_all(sends)
        .await
        .into_iter()
        .map(|response| serde_json::from_value(response["result"].clone()).expect("a hash"))
        .collect();
    for hash in &hashes {
        let pending =
            wallet.watch_pending_transaction(alloy_provider::PendingTransactionConfig::new(*hash));
        pending.await.unwrap().await.unwrap();
    }
    assert_eq!(wallet.get_transaction_count(from).await.unwrap(), 6);
    let seen: Vec<B256> = wallet.get_filter_changes(pending_filter).await.unwrap();
    assert!(hashes.iter().all(|hash| seen.contains(hash)), "{seen:?}");
    let signature = t.ok("personal_sign", json!(["0x68656c6c6f", from])).await;
    assert_eq!(signature.as_str().map(str::len), Some(2 + 130));

    // Fees: anvil's suggestion (next base fee + 1 gwei) and geth's fee history shape.
    let next_base_fee = u128::from(t.node.next_base_fee());
    assert_eq!(wallet.get_gas_price().await.unwrap(), next_base_fee + GWEI);
    assert_eq!(wallet.get_max_priority_fee_per_gas().await.unwrap(), GWEI);
    let history = wallet.get_fee_history(2, BlockNumberOrTag::Latest, &[25.0, 75.0]).await.unwrap();
    assert_eq!(history.oldest_block, wallet.get_block_number().await.unwrap() - 1);
    assert_eq!(history.base_fee_per_gas.len(), 3);
    assert_eq!(history.base_fee_per_gas[2], next_base_fee);
    assert_eq!(history.gas_used_ratio.len(), 2);
    assert_eq!(history.reward.as_ref().map(|r| r[1].clone()), Some(vec![GWEI, GWEI]));
    let response = t.call("eth_feeHistory", json!(["0x2", "latest", [75, 25]])).await;
    assert_eq!(response["error"]["code"], json!(-32602));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traces_proofs_and_witnesses() {
    let t = TestNode::start().await;
    let p = t.plain();
    let to = Address::repeat_byte(0x55);
    let receipt =
        send_and_wait(&p, &signed_tx(&t.signers[0], transfer(0, to, U256::from(9)))).await;
    let hash = receipt.transaction_hash;

    let trace = t.ok("debug_traceTransaction", json!([hash, {"tracer": "callTracer"}])).await;
    assert_eq!(trace["type"], json!("CALL"));
    assert_eq!(trace["to"], json!(to));
    let trace = t.ok("debug_traceTransaction", json!([hash])).await;
    assert_eq!(trace["gas"], json!(21_000));
    let call = json!([{"from": t.signers[0].address(), "to": to, "value": "0x1"}, "latest", {"tracer": "callTracer"}]);
    assert_eq!(t.ok("debug_traceCall", call).await["type"], json!("CALL"));

    let proof = p.get_proof(to, vec![B256::ZERO]).await.unwrap();
    assert_eq!(proof.balance, U256::from(9));
    assert!(!proof.account_proof.is_empty());
    assert_eq!(proof.storage_proof.len(), 1);
    let witness = t.ok("debug_executionWitness", json!([hex(1)])).await;
    assert!(witness["state"].as_array().is_some_and(|nodes| !nodes.is_empty()), "{witness}");

    let raw = t.ok("debug_getRawTransaction", json!([hash])).await;
    let fetched: Bytes = serde_json::from_value(raw).unwrap();
    let tx = p.get_transaction_by_hash(hash).await.unwrap().expect("mined");
    assert_eq!(tx.inner.value(), U256::from(9));
    assert_eq!(quantity(&t.ok("eth_blockNumber", json!([])).await), 1);
    assert!(!fetched.is_empty());
}

/// A node sealing one block a day, whose last slot was a minute ago: transactions stay in
/// the pool for the whole test, unless it mines them.
async fn node_with_a_pending_block() -> TestNode {
    let day = std::time::Duration::from_secs(86_400);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    let phase = std::time::Duration::from_secs((now.as_secs() + 86_400 - 60) % 86_400);
    TestNode::start_with(tephra_node::NodeConfig {
        block_time: tephra_node::BlockTime::Interval(day),
        block_phase: phase,
        ..Default::default()
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_at_pending_see_the_pooled_transactions_and_latest_does_not() {
    let t = node_with_a_pending_block().await;
    let sender = t.signers[0].address();
    let to = Address::repeat_byte(0x77);
    let value = U256::from(10u64).pow(U256::from(18u64));
    // Contracts set at the head: one returns BALANCE(to), the other NUMBER.
    let balance_of_to = format!("0x73{}3160005260206000f3", alloy_primitives::hex::encode(to));
    let (reads_balance, reads_number) = (Address::repeat_byte(0xb1), Address::repeat_byte(0xb2));
    t.ok("anvil_setCode", json!([reads_balance, balance_of_to])).await;
    t.ok("anvil_setCode", json!([reads_number, "0x4360005260206000f3"])).await;
    let hash = t
        .ok("eth_sendRawTransaction", json!([signed_tx(&t.signers[0], transfer(0, to, value))]))
        .await;

    let word = |n: U256| format!("{:#066x}", n);
    for (tag, number, balance, nonce) in [("latest", 0, U256::ZERO, 0), ("pending", 1, value, 1)] {
        assert_eq!(
            t.ok("eth_getBalance", json!([to, tag])).await,
            json!(format!("{balance:#x}")),
            "{tag}"
        );
        let call = t.ok("eth_call", json!([{"to": reads_balance}, tag])).await;
        assert_eq!(call, json!(word(balance)), "eth_call BALANCE at {tag}");
        let call = t.ok("eth_call", json!([{"to": reads_number}, tag])).await;
        assert_eq!(call, json!(word(U256::from(number))), "eth_call NUMBER at {tag}");
        let trace = t
            .ok("debug_traceCall", json!([{"to": reads_balance}, tag, {"tracer": "callTracer"}]))
            .await;
        assert_eq!(trace["output"], json!(word(balance)), "debug_traceCall at {tag}");
        let count = t.ok("eth_getTransactionCount", json!([sender, tag])).await;
        assert_eq!(quantity(&count), nonce, "nonce at {tag}");
    }
    // `to` can pay for a transfer only in the pending block.
    let spend =
        json!({"from": to, "to": sender, "value": "0x1000", "maxFeePerGas": hex(10 * GWEI as u64)});
    let estimate = t.ok("eth_estimateGas", json!([spend, "pending"])).await;
    assert_eq!(quantity(&estimate), 21_000);
    let refused = t.call("eth_estimateGas", json!([spend, "latest"])).await;
    assert_eq!(refused["error"]["code"], json!(-32000), "{refused}");
    let list = t
        .ok(
            "eth_createAccessList",
            json!([{"from": to, "to": reads_balance, "value": "0x1000"}, "pending"]),
        )
        .await;
    assert!(list.get("error").is_none(), "{list}");
    // Nothing was committed: the head is still genesis and the transaction still pooled.
    assert_eq!(quantity(&t.ok("eth_blockNumber", json!([])).await), 0);
    assert_eq!(t.ok("eth_getTransactionReceipt", json!([hash])).await, json!(null));

    // Once mined, latest sees it too, and pending (an empty pool) is latest again.
    t.ok("evm_mine", json!([])).await;
    for tag in ["latest", "pending"] {
        assert_eq!(t.ok("eth_getBalance", json!([to, tag])).await, json!(format!("{value:#x}")));
        let call = t.ok("eth_call", json!([{"to": reads_number}, tag])).await;
        assert_eq!(call, json!(word(U256::from(1))), "NUMBER at {tag} after mining");
    }
}
