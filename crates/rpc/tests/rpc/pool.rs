//! Pool refusals reach clients with geth's code and exact messages.

use crate::common::{GWEI, TestNode, rpc_error, send_and_wait, signed_tx, transfer};
use alloy_primitives::{Address, Bytes, U256};
use alloy_provider::Provider;
use alloy_signer_local::PrivateKeySigner;

async fn refusal(t: &TestNode, raw: Bytes) -> (i64, String) {
    rpc_error(t.plain().send_raw_transaction(&raw).await.map(|_| ()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pool_errors_carry_geth_messages() {
    let t = TestNode::start().await;
    let signer = &t.signers[0];
    let to = Address::repeat_byte(0x11);
    send_and_wait(&t.plain(), &signed_tx(signer, transfer(0, to, U256::from(1)))).await;

    let stale = signed_tx(signer, transfer(0, to, U256::from(2)));
    assert_eq!(
        refusal(&t, stale).await,
        (-32000, "nonce too low: next nonce 1, tx nonce 0".into())
    );

    // A transaction behind a nonce gap stays queued, so it can be sent twice and replaced.
    let queued = signed_tx(signer, transfer(5, to, U256::from(1)));
    let _ = t.plain().send_raw_transaction(&queued).await.expect("queued transaction accepted");
    assert_eq!(refusal(&t, queued).await, (-32000, "already known".into()));
    let same_fees = signed_tx(signer, transfer(5, to, U256::from(2)));
    assert_eq!(
        refusal(&t, same_fees).await,
        (-32000, "replacement transaction underpriced".into())
    );

    let broke = PrivateKeySigner::random();
    let (code, message) = refusal(&t, signed_tx(&broke, transfer(0, to, U256::from(1)))).await;
    assert_eq!(code, -32000);
    assert!(
        message.starts_with("insufficient funds for gas * price + value: balance 0, tx cost "),
        "{message}"
    );

    let other_chain = signed_tx(
        signer,
        alloy_consensus::TxEip1559 { chain_id: 1, ..transfer(1, to, U256::ZERO) },
    );
    assert_eq!(
        refusal(&t, other_chain).await,
        (-32000, "invalid sender: invalid chain id for signer: have 1 want 31337".into())
    );

    let starved = signed_tx(
        signer,
        alloy_consensus::TxEip1559 { gas_limit: 20_000, ..transfer(1, to, U256::ZERO) },
    );
    assert_eq!(
        refusal(&t, starved).await,
        (-32000, "intrinsic gas too low: gas 20000, minimum needed 21000".into())
    );

    let huge = signed_tx(
        signer,
        alloy_consensus::TxEip1559 { gas_limit: 40_000_000, ..transfer(1, to, U256::ZERO) },
    );
    assert_eq!(refusal(&t, huge).await, (-32000, "exceeds block gas limit".into()));

    let cheap = alloy_consensus::TxEip1559 {
        max_fee_per_gas: 1,
        max_priority_fee_per_gas: 1,
        ..transfer(1, to, U256::ZERO)
    };
    let (code, message) = refusal(&t, signed_tx(signer, cheap)).await;
    assert_eq!(code, -32000);
    assert!(message.starts_with("max fee per gas less than block base fee: address "), "{message}");

    let (code, message) = refusal(&t, Bytes::from_static(&[0x02, 0x12, 0x34])).await;
    assert_eq!(code, -32000);
    assert!(message.starts_with("failed to decode signed transaction"), "{message}");

    // The fee bump that geth requires (10%) replaces the queued transaction.
    let bumped = alloy_consensus::TxEip1559 {
        max_fee_per_gas: 11 * GWEI,
        max_priority_fee_per_gas: 2 * GWEI,
        ..transfer(5, to, U256::from(3))
    };
    let _ = t
        .plain()
        .send_raw_transaction(&signed_tx(signer, bumped))
        .await
        .expect("replacement accepted");
}
