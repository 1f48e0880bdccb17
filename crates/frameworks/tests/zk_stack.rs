//! The `zk-stack` profile in process: ZKsync EIP-712 transactions (type 0x71) executed from
//! their `from`, L1Messenger (`0x…8008`) as a precompile called by an EOA and by a contract,
//! receipts with zksync's batch fields and L2-to-L1 logs, and the logs tree proving them.

use alloy_consensus::{SignableTransaction, TxEip1559, TxReceipt, transaction::Recovered};
use alloy_network::TxSignerSync;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, keccak256};
use alloy_rpc_types_eth::TransactionRequest;
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, SolValue, sol};
use serde_json::Value;
use std::sync::Arc;
use support::{Fixture, balance};

mod support;
use tephra_chain::{Chain, ExecutedBlock, Framework};
use tephra_frameworks::{Ethereum, OpStack, ZkStack, by_name};
use tephra_primitives::{
    TxEnvelope, TxType,
    eip712::{DEFAULT_GAS_PER_PUBDATA, Eip712Meta, TxEip712},
    zk::{L1_MESSAGE_SENT_TOPIC, L1_MESSENGER, L2ToL1Log, batch_logs, logs_tree, verify_log_proof},
};

sol! {
    function sendToL1(bytes message) external returns (bytes32);
    function send(bytes message) external returns (bytes32);
    function lastHash() external view returns (bytes32);
}

const CHAIN_ID: u64 = 260;

/// An EIP-712 transaction signed as zksync-ethers signs one: the 65-byte signature over the
/// EIP-712 hash in `customSignature`, `chainId, 0, 0` in the `v, r, s` slots.
fn fixture() -> Fixture {
    support::fixture(Arc::new(ZkStack), CHAIN_ID, 2)
}

/// Mines the next block (one second on) with `txs`.
fn mine(chain: &Chain, txs: &[Recovered<TxEnvelope>]) -> ExecutedBlock {
    support::mine(chain, 1, txs)
}

fn eip712(signer: &PrivateKeySigner, nonce: u64, to: TxKind, value: u64, input: Bytes) -> TxEip712 {
    let mut tx = TxEip712 {
        chain_id: CHAIN_ID,
        nonce,
        max_priority_fee_per_gas: 1_000_000_000,
        max_fee_per_gas: 10_000_000_000,
        gas_limit: 1_000_000,
        to,
        value: U256::from(value),
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
    let signature = signer.sign_hash_sync(&tx.signing_hash()).unwrap();
    tx.eip712_meta.custom_signature = Bytes::from(signature.as_bytes().to_vec());
    tx
}

fn recovered(tx: TxEip712) -> Recovered<TxEnvelope> {
    let from = tx.from;
    Recovered::new_unchecked(tx.into(), from)
}

fn eip1559(
    signer: &PrivateKeySigner,
    nonce: u64,
    to: TxKind,
    input: Bytes,
) -> Recovered<TxEnvelope> {
    let mut tx = TxEip1559 {
        chain_id: CHAIN_ID,
        nonce,
        gas_limit: 1_000_000,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to,
        input,
        ..Default::default()
    };
    let signature = signer.sign_transaction_sync(&mut tx).unwrap();
    Recovered::new_unchecked(tx.into_signed(signature).into(), signer.address())
}

fn receipt_fields(chain: &Chain, block: &ExecutedBlock) -> Vec<serde_json::Map<String, Value>> {
    let reader = chain.reader().unwrap();
    let sealed = &block.block;
    chain.receipt_fields(&reader, &sealed.header, &sealed.transactions, &sealed.receipts).unwrap()
}

fn deployed_code(artifact: &str) -> Bytes {
    let artifact: Value = serde_json::from_str(artifact).unwrap();
    artifact["bytecode"].as_str().unwrap().parse().unwrap()
}

#[test]
fn only_zk_stack_accepts_eip712_transactions() {
    assert!(ZkStack.accepts_tx_type(0x71, 1));
    for ty in [0x00, 0x01, 0x02, 0x04] {
        assert!(ZkStack.accepts_tx_type(ty, 1), "type {ty}");
    }
    assert!(!Ethereum.accepts_tx_type(0x71, 1));
    assert!(!OpStack::default().accepts_tx_type(0x71, 1));
    assert_eq!(by_name("zk-stack").unwrap().name(), "zk-stack");
}

#[test]
fn an_eip712_transfer_executes_from_its_from_under_zksync_hash() {
    let f = fixture();
    let (alice, bob) = (&f.signers[0], Address::repeat_byte(0xb0));
    let tx = eip712(alice, 0, TxKind::Call(bob), 12345, Bytes::new());
    let hash = tx.tx_hash();
    let before = balance(&f.chain, alice.address());
    let block = mine(&f.chain, &[recovered(tx)]);

    assert_eq!(block.block.tx_hashes, vec![hash]);
    assert_eq!(block.block.receipts[0].tx_type, TxType::Eip712);
    assert!(block.block.receipts[0].status());
    assert_eq!(balance(&f.chain, bob), U256::from(12345));
    let gas = block.block.receipts[0].cumulative_gas_used();
    assert_eq!(gas, 21_000);
    let price = U256::from(block.block.header.base_fee_per_gas.unwrap() + 1_000_000_000);
    assert_eq!(
        balance(&f.chain, alice.address()),
        before - U256::from(12345) - price * U256::from(gas)
    );
    // The store finds it by ZKsync's hash, and hands back the same envelope.
    let reader = f.chain.reader().unwrap();
    let location = reader.tx_location(&hash).unwrap().expect("indexed by its hash");
    let stored = reader.transactions(location.block).unwrap().unwrap();
    assert_eq!(stored[location.index as usize].tx_hash(), hash);
    assert_eq!(reader.senders(location.block).unwrap().unwrap(), vec![alice.address()]);
}

#[test]
fn l1_messenger_sends_messages_from_eoas_and_contracts() {
    let f = fixture();
    let alice = &f.signers[0];
    let message = Bytes::from_static(b"hello L1");
    let direct = eip712(
        alice,
        0,
        TxKind::Call(L1_MESSENGER),
        0,
        sendToL1Call { message: message.clone() }.abi_encode().into(),
    );
    let deploy = eip1559(
        alice,
        1,
        TxKind::Create,
        deployed_code(include_str!("../../../contracts/artifacts/L1MessageSender.json")),
    );
    let sender_contract = alice.address().create(1);
    let block = mine(&f.chain, &[recovered(direct), deploy]);
    let via_contract = eip712(
        alice,
        2,
        TxKind::Call(sender_contract),
        0,
        sendCall { message: Bytes::from_static(b"from a contract") }.abi_encode().into(),
    );
    let second = mine(&f.chain, &[recovered(via_contract)]);

    // The event, as ZK Stack's L1Messenger emits it.
    let receipt = &block.block.receipts[0];
    assert!(receipt.status());
    let event = &receipt.logs()[0];
    assert_eq!(event.address, L1_MESSENGER);
    assert_eq!(
        event.topics(),
        [L1_MESSAGE_SENT_TOPIC, alice.address().into_word(), keccak256(&message)]
    );
    assert_eq!(Bytes::abi_decode(&event.data.data).unwrap(), message);

    // zksync's receipt fields, and the L2-to-L1 log of the message.
    let fields = receipt_fields(&f.chain, &block);
    assert_eq!(fields[0]["l1BatchNumber"], "0x1");
    assert_eq!(fields[0]["l1BatchTxIndex"], "0x0");
    assert_eq!(fields[1]["l1BatchTxIndex"], "0x1");
    let logs = fields[0]["l2ToL1Logs"].as_array().unwrap();
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0]["sender"], format!("{L1_MESSENGER:#x}"));
    assert_eq!(logs[0]["key"], format!("{:#x}", alice.address().into_word()));
    assert_eq!(logs[0]["value"], format!("{:#x}", keccak256(&message)));
    assert_eq!(logs[0]["isService"], true);
    assert_eq!(logs[0]["transactionHash"], format!("{:#x}", block.block.tx_hashes[0]));
    assert!(fields[1]["l2ToL1Logs"].as_array().unwrap().is_empty());

    // A contract is the sender of what it sends, and gets the hash back.
    let hash = keccak256(b"from a contract");
    assert!(second.block.receipts[0].status());
    assert_eq!(
        batch_logs(&second.block.receipts),
        vec![L2ToL1Log::message(0, sender_contract, hash)]
    );
    let request = TransactionRequest::default()
        .to(sender_contract)
        .input(lastHashCall {}.abi_encode().into());
    let stored = f.chain.call(request, f.chain.head().header.number, None, None).unwrap();
    assert_eq!(B256::from_slice(&stored), hash);

    // The batch's logs tree proves the message's log.
    let leaves: Vec<B256> =
        batch_logs(&block.block.receipts).iter().map(L2ToL1Log::leaf_hash).collect();
    let (root, proof) = logs_tree(&leaves, Some(0)).unwrap();
    assert!(verify_log_proof(leaves[0], 0, &proof, root));
}

#[test]
fn l1_messenger_answers_calls_and_refuses_value_and_bad_calldata() {
    let f = fixture();
    let alice = &f.signers[0];
    let head = f.chain.head().header.number;
    let message = Bytes::from_static(b"estimate me");
    let call = |request: TransactionRequest| f.chain.call(request, head, None, None);
    let send = sendToL1Call { message: message.clone() }.abi_encode();
    let returned = call(
        TransactionRequest::default()
            .from(alice.address())
            .to(L1_MESSENGER)
            .input(send.clone().into()),
    )
    .unwrap();
    assert_eq!(B256::from_slice(&returned), keccak256(&message));
    // Not payable.
    let with_value = TransactionRequest::default()
        .from(alice.address())
        .to(L1_MESSENGER)
        .value(U256::from(1))
        .input(send.into());
    assert!(call(with_value).is_err());
    // Unknown selector.
    let unknown = TransactionRequest::default().to(L1_MESSENGER).input(vec![1, 2, 3, 4].into());
    assert!(call(unknown).is_err());
    // Gas estimation covers the precompile.
    let estimate = f
        .chain
        .estimate_gas(
            TransactionRequest::default()
                .from(alice.address())
                .to(L1_MESSENGER)
                .input(sendToL1Call { message }.abi_encode().into()),
            head,
            None,
        )
        .unwrap();
    assert!(estimate > 21_000);
}

#[test]
fn eip712_blocks_replay_for_traces() {
    let f = fixture();
    let alice = &f.signers[0];
    let tx = eip712(
        alice,
        0,
        TxKind::Call(L1_MESSENGER),
        0,
        sendToL1Call { message: Bytes::from_static(b"trace") }.abi_encode().into(),
    );
    let hash = tx.tx_hash();
    mine(&f.chain, &[recovered(tx)]);
    let trace = f.chain.trace_transaction(hash, Default::default()).unwrap();
    assert!(!serde_json::to_string(&trace).unwrap().is_empty());
}
