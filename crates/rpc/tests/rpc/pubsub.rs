//! `eth_subscribe` over WebSocket: new heads, logs and pending transactions.

use crate::{
    common::{TestNode, signed_tx, transfer},
    contract,
};
use alloy_consensus::TxEip1559;
use alloy_primitives::{Address, TxKind, U256};
use alloy_provider::Provider;
use alloy_rpc_types_eth::Filter;
use futures::StreamExt;
use std::time::Duration;

async fn next<T>(stream: &mut (impl futures::Stream<Item = T> + Unpin)) -> T {
    tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .expect("notification in time")
        .expect("stream open")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_deliver_heads_logs_and_pending_transactions() {
    let t = TestNode::start().await;
    let ws = t.ws().await;
    let mut heads = ws.subscribe_blocks().await.unwrap().into_stream();
    let mut pending = ws.subscribe_pending_transactions().await.unwrap().into_stream();
    let signer = &t.signers[0];
    let store = signer.address().create(0);
    let mut logs = ws.subscribe_logs(&Filter::new().address(store)).await.unwrap().into_stream();
    let mut all_logs = ws.subscribe_logs(&Filter::new()).await.unwrap().into_stream();

    let deploy = TxEip1559 {
        to: TxKind::Create,
        input: contract::init_code(&contract::store_runtime()),
        gas_limit: 200_000,
        ..transfer(0, Address::ZERO, U256::ZERO)
    };
    let raw = signed_tx(signer, deploy);
    let hash = *ws.send_raw_transaction(&raw).await.unwrap().tx_hash();
    assert_eq!(next(&mut pending).await, hash);
    let head = next(&mut heads).await;
    assert_eq!(head.number, 1);
    assert_eq!(
        Some(head.hash),
        ws.get_block_by_number(1.into()).await.unwrap().map(|b| b.header.hash)
    );

    let set =
        TxEip1559 { input: contract::set(7), gas_limit: 100_000, ..transfer(1, store, U256::ZERO) };
    let _ = ws.send_raw_transaction(&signed_tx(signer, set)).await.unwrap();
    let log = next(&mut logs).await;
    assert_eq!(log.topics(), &[contract::set_topic()]);
    assert_eq!((log.block_number, log.log_index, log.removed), (Some(2), Some(0), false));
    assert_eq!(next(&mut all_logs).await, log);
    assert_eq!(next(&mut heads).await.number, 2);

    // Unknown kinds are refused and the connection stays usable.
    let refused: Result<U256, _> = ws.raw_request("eth_subscribe".into(), ("syncingX",)).await;
    assert!(refused.is_err());
    assert_eq!(ws.get_block_number().await.unwrap(), 2);
}
