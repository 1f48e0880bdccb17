//! anvil / Hardhat dev helpers: state edits, mining, snapshots and the clock.

use crate::common::{TestNode, quantity, send_and_wait, signed_tx, transfer};
use alloy_primitives::{Address, B256, U256};
use alloy_provider::Provider;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_and_revert_restore_balance_and_block_number() {
    let t = TestNode::start().await;
    let p = t.plain();
    let to = Address::repeat_byte(0x31);
    let id = t.ok("evm_snapshot", json!([])).await;
    assert_eq!(id, json!("0x0"));
    let before = p.get_balance(t.signers[0].address()).await.unwrap();

    send_and_wait(&p, &signed_tx(&t.signers[0], transfer(0, to, U256::from(1_000)))).await;
    assert_eq!(p.get_block_number().await.unwrap(), 1);
    assert_eq!(p.get_balance(to).await.unwrap(), U256::from(1_000));

    assert_eq!(t.ok("evm_revert", json!([id])).await, json!(true));
    assert_eq!(p.get_block_number().await.unwrap(), 0);
    assert_eq!(p.get_balance(to).await.unwrap(), U256::ZERO);
    assert_eq!(p.get_balance(t.signers[0].address()).await.unwrap(), before);
    assert_eq!(p.get_transaction_count(t.signers[0].address()).await.unwrap(), 0);
    assert_eq!(t.ok("evm_revert", json!([id])).await, json!(false), "a snapshot is used once");

    // The chain goes on from the restored state.
    send_and_wait(&p, &signed_tx(&t.signers[0], transfer(0, to, U256::from(5)))).await;
    assert_eq!(p.get_balance(to).await.unwrap(), U256::from(5));
    assert_eq!(t.ok("anvil_snapshot", json!([])).await, json!("0x1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_edits_are_visible_at_latest_then_mined() {
    let t = TestNode::start().await;
    let p = t.plain();
    let who = Address::repeat_byte(0x41);
    t.ok("anvil_setBalance", json!([who, "0x1234"])).await;
    assert_eq!(p.get_balance(who).await.unwrap(), U256::from(0x1234));
    assert_eq!(t.ok("evm_mine", json!([])).await, json!("0x0"));
    assert_eq!(p.get_block_number().await.unwrap(), 1);
    assert_eq!(p.get_balance(who).await.unwrap(), U256::from(0x1234));
    assert_eq!(p.get_balance(who).number(0).await.unwrap(), U256::ZERO);

    t.ok("hardhat_setBalance", json!([who, "0x10"])).await;
    assert_eq!(p.get_balance(who).await.unwrap(), U256::from(0x10));
    t.ok("anvil_setNonce", json!([who, "0x7"])).await;
    assert_eq!(p.get_transaction_count(who).await.unwrap(), 7);
    t.ok("anvil_setCode", json!([who, "0x6001600055"])).await;
    assert_eq!(p.get_code_at(who).await.unwrap().to_string(), "0x6001600055");
    let value = B256::from(U256::from(99));
    assert_eq!(t.ok("anvil_setStorageAt", json!([who, "0x2", value])).await, json!(true));
    assert_eq!(p.get_storage_at(who, U256::from(2)).await.unwrap(), U256::from(99));
    t.ok("anvil_mine", json!([])).await;
    assert_eq!(p.get_storage_at(who, U256::from(2)).await.unwrap(), U256::from(99));
    assert_eq!(p.get_transaction_count(who).await.unwrap(), 7);

    // A dev account funded by setBalance can send at once.
    let poor = &t.signers[9];
    t.ok("anvil_setBalance", json!([poor.address(), "0x0"])).await;
    let raw = signed_tx(poor, transfer(0, who, U256::from(1)));
    assert!(p.send_raw_transaction(&raw).await.is_err());
    t.ok("anvil_setBalance", json!([poor.address(), "0xde0b6b3a7640000"])).await;
    send_and_wait(&p, &raw).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mining_and_the_clock() {
    let t = TestNode::start().await;
    let head = |t: &TestNode| t.node.chain().head().header;
    let next = head(&t).timestamp + 1_000;
    t.ok("evm_setNextBlockTimestamp", json!([next])).await;
    t.ok("evm_mine", json!([])).await;
    assert_eq!(head(&t).timestamp, next);

    let target = next + 500;
    t.ok("evm_mine", json!([format!("{target:#x}")])).await;
    assert_eq!((head(&t).number, head(&t).timestamp), (2, target));
    let response = t.call("evm_mine", json!([target])).await;
    assert_eq!(response["error"]["code"], json!(-32000), "a timestamp in the past is refused");

    let offset = t.ok("evm_increaseTime", json!([3_600])).await;
    assert!(offset.as_i64().is_some_and(|o| o >= 3_600), "{offset}");
    t.ok("anvil_mine", json!(["0x3", "0xa"])).await;
    assert_eq!(head(&t).number, 5);
    let stamps: Vec<u64> = {
        let mut stamps = Vec::new();
        for n in 3..=5 {
            let block = t.ok("eth_getBlockByNumber", json!([format!("{n:#x}"), false])).await;
            stamps.push(quantity(&block["timestamp"]));
        }
        stamps
    };
    assert!(stamps.windows(2).all(|w| w[1] >= w[0] + 10), "{stamps:?}");
    t.ok("hardhat_mine", json!(["0x2"])).await;
    assert_eq!(head(&t).number, 7);
    t.ok("evm_mine", json!([{"blocks": 2}])).await;
    assert_eq!(head(&t).number, 9);
}
