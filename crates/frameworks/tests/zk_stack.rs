//! The `zk-stack` profile in process: ZKsync EIP-712 transactions (type 0x71) executed from
//! their `from`, L1Messenger (`0x…8008`) as a precompile called by an EOA and by a contract,
//! receipts with zksync's batch fields and L2-to-L1 logs, and the logs tree proving them;
//! priority (L1 -> L2, type 0xff) transactions minting and calling as ZKsync's bootloader runs
//! them; L2BaseToken (`0x…800a`) withdrawals and their message in the batch's logs.

use alloy_consensus::{SignableTransaction, TxEip1559, TxReceipt, transaction::Recovered};
use alloy_network::TxSignerSync;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, keccak256};
use alloy_rpc_types_eth::TransactionRequest;
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, SolValue, sol};
use serde_json::Value;
use std::sync::Arc;
use support::{Fixture, balance, call};

mod support;
use tephra_chain::{Chain, ExecutedBlock, Framework};
use tephra_frameworks::{Ethereum, OpStack, ZkStack, by_name};
use tephra_primitives::{
    TxEnvelope, TxType,
    eip712::{DEFAULT_GAS_PER_PUBDATA, Eip712Meta, TxEip712},
    tx::TxPriority,
    zk::{
        BOOTLOADER_FORMAL_ADDRESS, L1_MESSAGE_SENT_TOPIC, L1_MESSENGER, L2_ASSET_ROUTER,
        L2_BASE_TOKEN, L2_NATIVE_TOKEN_VAULT, L2ToL1Log, WITHDRAWAL_TOPIC,
        WITHDRAWAL_WITH_MESSAGE_TOPIC, batch_logs, logs_tree, verify_log_proof, withdrawal_message,
    },
};

sol! {
    function sendToL1(bytes message) external returns (bytes32);
    function send(bytes message) external returns (bytes32);
    function lastHash() external view returns (bytes32);
    function set(uint256 key, uint256 value) external;
    function values(uint256 key) external view returns (uint256);
    function withdraw(address _l1Receiver) external payable;
    function withdrawWithMessage(address _l1Receiver, bytes _additionalData) external payable;
    function balanceOf(uint256 account) external view returns (uint256);
    function mint(address _account, uint256 _amount) external;
    function BASE_TOKEN_ASSET_ID() external view returns (bytes32);
    function L1_CHAIN_ID() external view returns (uint256);
    function L1_ASSET_ROUTER() external view returns (address);
    function query(address target, bytes input) external view returns (bool success, bytes output);
}

const CHAIN_ID: u64 = 260;

/// An EIP-712 transaction signed as zksync-ethers signs one: the 65-byte signature over the
/// EIP-712 hash in `customSignature`, `chainId, 0, 0` in the `v, r, s` slots.
fn fixture() -> Fixture {
    support::fixture(Arc::new(ZkStack::default()), CHAIN_ID, 2)
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
    let zk = ZkStack::default();
    let next = alloy_consensus::Header { number: 1, ..Default::default() };
    assert!(zk.accepts_tx_type(0x71, &next));
    for ty in [0x00, 0x01, 0x02, 0x04] {
        assert!(zk.accepts_tx_type(ty, &next), "type {ty}");
    }
    // Priority transactions come from L1, never from users.
    assert!(!zk.accepts_tx_type(0xff, &next));
    assert!(!Ethereum.accepts_tx_type(0x71, &next));
    assert!(!OpStack::default().accepts_tx_type(0x71, &next));
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
        batch_logs(&second.block.transactions, &second.block.receipts),
        vec![L2ToL1Log::message(0, sender_contract, hash)]
    );
    let request = TransactionRequest::default()
        .to(sender_contract)
        .input(lastHashCall {}.abi_encode().into());
    let stored = f.chain.call(request, f.chain.head().header.number, None, None).unwrap();
    assert_eq!(B256::from_slice(&stored), hash);

    // The batch's logs tree proves the message's log.
    let leaves: Vec<B256> = batch_logs(&block.block.transactions, &block.block.receipts)
        .iter()
        .map(L2ToL1Log::leaf_hash)
        .collect();
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

/// The beneficiary `support::mine` seals blocks with: the operator priority fees go to.
const OPERATOR: Address = Address::repeat_byte(0xcb);
/// The L2 gas price an L1 Mailbox derived (below the chain's 1 gwei base fee, which priority
/// transactions do not pay).
const L1_PRICE: u128 = 250_000_000;

/// A priority transaction as the L1 Mailbox writes it: `toMint` is the value and the whole gas
/// at its price.
fn priority(
    serial_id: u64,
    from: Address,
    to: Address,
    value: u64,
    input: Bytes,
    gas_limit: u64,
    refund: Address,
) -> TxPriority {
    let to_mint = U256::from(value) + U256::from(gas_limit) * U256::from(L1_PRICE);
    TxPriority {
        from,
        to,
        gas_limit,
        gas_per_pubdata_byte_limit: U256::from(800),
        max_fee_per_gas: L1_PRICE,
        max_priority_fee_per_gas: 0,
        paymaster: Address::ZERO,
        serial_id,
        value: U256::from(value),
        reserved: [to_mint, U256::from_be_bytes(refund.into_word().0), U256::ZERO, U256::ZERO],
        input,
        signature: Bytes::new(),
        factory_deps: Vec::new(),
        paymaster_input: Bytes::new(),
        reserved_dynamic: Bytes::new(),
    }
}

fn recovered_priority(tx: &TxPriority) -> Recovered<TxEnvelope> {
    Recovered::new_unchecked(tx.clone().into(), tx.from)
}

fn nonce(chain: &Chain, address: Address) -> u64 {
    let reader = chain.reader().unwrap();
    reader.account(&address).unwrap().map(|account| account.nonce).unwrap_or_default()
}

fn storage_contract(f: &Fixture) -> Address {
    let deploy = eip1559(
        &f.signers[0],
        0,
        TxKind::Create,
        deployed_code(include_str!("../../../contracts/artifacts/Storage.json")),
    );
    mine(&f.chain, &[deploy]);
    f.signers[0].address().create(0)
}

#[test]
fn a_priority_deposit_mints_its_value_to_the_recipient_and_refunds_the_rest() {
    let f = fixture();
    let (depositor, recipient) = (Address::repeat_byte(0xd0), Address::repeat_byte(0xd1));
    let value = 10u64.pow(18);
    let mut tx = priority(0, depositor, recipient, value, Bytes::new(), 300_000, depositor);
    // More than needed: the rest is refunded too.
    tx.reserved[0] += U256::from(7);
    let hash = tx.tx_hash();
    let block = mine(&f.chain, &[recovered_priority(&tx)]);

    // Hashed and typed as ZKsync does, from its sender, no signature.
    assert_eq!(block.block.tx_hashes, vec![hash]);
    assert_eq!(block.block.senders, vec![depositor]);
    let receipt = &block.block.receipts[0];
    assert_eq!(receipt.tx_type, TxType::Priority);
    assert!(receipt.status());
    let gas = receipt.cumulative_gas_used();
    assert_eq!(gas, 21_000);

    // The value reached the recipient; the operator has the fee at the L1-derived price (not
    // the L2 base fee); the sender, its refund recipient, the rest; nothing else was created.
    let fee = U256::from(gas) * U256::from(L1_PRICE);
    assert_eq!(balance(&f.chain, recipient), U256::from(value));
    assert_eq!(balance(&f.chain, OPERATOR), fee);
    assert_eq!(balance(&f.chain, depositor), tx.to_mint() - U256::from(value) - fee);
    assert_eq!(
        balance(&f.chain, recipient) + balance(&f.chain, OPERATOR) + balance(&f.chain, depositor),
        tx.to_mint()
    );
    // A priority transaction's nonce is its serial id, not the sender's.
    assert_eq!(nonce(&f.chain, depositor), 0);

    // The bootloader's status log: from the bootloader, the hash as key, success as value.
    let logs = batch_logs(&block.block.transactions, &block.block.receipts);
    assert_eq!(logs, vec![L2ToL1Log::priority_status(0, hash, true)]);
    assert_eq!(logs[0].sender, BOOTLOADER_FORMAL_ADDRESS);
    assert_eq!(logs[0].value, B256::with_last_byte(1));
    let fields = receipt_fields(&f.chain, &block);
    let json = &fields[0]["l2ToL1Logs"][0];
    assert_eq!(json["key"], format!("{hash:#x}"));
    assert_eq!(json["sender"], format!("{BOOTLOADER_FORMAL_ADDRESS:#x}"));

    // Stored under its hash, decoded back the same.
    let reader = f.chain.reader().unwrap();
    let location = reader.tx_location(&hash).unwrap().expect("indexed by its hash");
    let stored = reader.transactions(location.block).unwrap().unwrap();
    assert_eq!(stored[0].as_priority().map(|tx| tx.inner()), Some(&tx));

    // A second deposit from the same sender: serial ids move, the sender's nonce does not.
    let again = priority(1, depositor, recipient, 5, Bytes::new(), 100_000, depositor);
    mine(&f.chain, &[recovered_priority(&again)]);
    assert_eq!(balance(&f.chain, recipient), U256::from(value + 5));
    assert_eq!(nonce(&f.chain, depositor), 0);
}

#[test]
fn a_priority_call_runs_from_an_aliased_contract_sender_beside_user_transactions() {
    let f = fixture();
    let storage = storage_contract(&f);
    // An aliased L1 contract; the refund goes to a third account.
    let sender = Address::repeat_byte(0x11);
    let refund = Address::repeat_byte(0x22);
    let input: Bytes = setCall { key: U256::from(7), value: U256::from(42) }.abi_encode().into();
    let tx = priority(0, sender, storage, 0, input, 200_000, refund);
    let user = eip712(&f.signers[1], 0, TxKind::Call(Address::repeat_byte(0xb0)), 1, Bytes::new());
    let operator = balance(&f.chain, OPERATOR);
    let block = mine(&f.chain, &[recovered_priority(&tx), recovered(user)]);

    assert!(block.block.receipts.iter().all(|receipt| receipt.status()));
    let value = call(&f.chain, storage, valuesCall { key: U256::from(7) }.abi_encode());
    assert_eq!(U256::from_be_slice(&value), U256::from(42));
    let gas = block.block.receipts[0].cumulative_gas_used();
    let fee = U256::from(gas) * U256::from(L1_PRICE);
    assert_eq!(balance(&f.chain, refund), tx.to_mint() - fee);
    assert_eq!(balance(&f.chain, sender), U256::ZERO);
    // The user's transaction after it pays the base fee and the tip, as ever; the operator
    // has both fees' shares.
    let tip = U256::from(1_000_000_000u64) * U256::from(21_000u64);
    assert_eq!(balance(&f.chain, OPERATOR), operator + fee + tip);
    // Status logs number transactions in the batch.
    let logs = batch_logs(&block.block.transactions, &block.block.receipts);
    assert_eq!(logs, vec![L2ToL1Log::priority_status(0, tx.tx_hash(), true)]);
}

#[test]
fn a_priority_transaction_from_an_address_with_code_is_not_refused() {
    let f = fixture();
    let storage = storage_contract(&f);
    // The sender holds code on L2 (EIP-3607 would refuse a user's transaction from it).
    let input: Bytes = setCall { key: U256::from(1), value: U256::from(2) }.abi_encode().into();
    let tx = priority(0, storage, storage, 0, input, 200_000, storage);
    let block = mine(&f.chain, &[recovered_priority(&tx)]);
    assert!(block.block.receipts[0].status());
    assert_eq!(nonce(&f.chain, storage), 1, "a contract's nonce stays its own");
}

#[test]
fn a_failed_priority_call_refunds_the_deposit_less_the_fee_and_mints_no_value() {
    let f = fixture();
    let storage = storage_contract(&f);
    let (sender, refund) = (Address::repeat_byte(0x33), Address::repeat_byte(0x44));
    // `set` is not payable: the call reverts, and its value with it.
    let input: Bytes = setCall { key: U256::from(7), value: U256::from(42) }.abi_encode().into();
    let tx = priority(0, sender, storage, 1_000, input, 200_000, refund);
    let operator = balance(&f.chain, OPERATOR);
    let block = mine(&f.chain, &[recovered_priority(&tx)]);

    let receipt = &block.block.receipts[0];
    assert!(!receipt.status());
    let fee = U256::from(receipt.cumulative_gas_used()) * U256::from(L1_PRICE);
    assert!(fee > U256::ZERO);
    assert_eq!(balance(&f.chain, sender), U256::ZERO, "the minted value was taken back");
    assert_eq!(balance(&f.chain, storage), U256::ZERO);
    assert_eq!(balance(&f.chain, refund), tx.to_mint() - fee);
    assert_eq!(balance(&f.chain, OPERATOR), operator + fee);
    let value = call(&f.chain, storage, valuesCall { key: U256::from(7) }.abi_encode());
    assert_eq!(U256::from_be_slice(&value), U256::ZERO);
    // L1 can prove the failure: the status log's value is 0.
    let logs = batch_logs(&block.block.transactions, &block.block.receipts);
    assert_eq!(logs, vec![L2ToL1Log::priority_status(0, tx.tx_hash(), false)]);
}

#[test]
fn a_priority_transaction_below_its_intrinsic_gas_fails_and_refunds_everything() {
    let f = fixture();
    let (sender, refund) = (Address::repeat_byte(0x55), Address::repeat_byte(0x66));
    let tx = priority(0, sender, Address::repeat_byte(0x77), 1_000, Bytes::new(), 20_000, refund);
    let block = mine(&f.chain, &[recovered_priority(&tx)]);
    let receipt = &block.block.receipts[0];
    assert!(!receipt.status());
    assert_eq!(receipt.cumulative_gas_used(), 0);
    assert_eq!(balance(&f.chain, refund), tx.to_mint());
    assert_eq!(balance(&f.chain, sender), U256::ZERO);
    assert_eq!(balance(&f.chain, Address::repeat_byte(0x77)), U256::ZERO);
    assert_eq!(balance(&f.chain, OPERATOR), U256::ZERO);
}

#[test]
fn a_priority_transaction_that_deposited_too_little_stops_the_block() {
    let f = fixture();
    let mut tx = priority(
        0,
        Address::repeat_byte(1),
        Address::repeat_byte(2),
        1_000,
        Bytes::new(),
        100_000,
        Address::repeat_byte(1),
    );
    tx.reserved[0] -= U256::from(1);
    let head = f.chain.head();
    let attributes = tephra_chain::BlockAttributes {
        timestamp: head.header.timestamp + 1,
        beneficiary: OPERATOR,
        prevrandao: head.hash,
        gas_limit: 30_000_000,
        l1: None,
    };
    let recovered = recovered_priority(&tx);
    let err = f
        .chain
        .build_block(&attributes, [recovered.as_recovered_ref()])
        .expect_err("the bootloader's assertion");
    assert!(err.to_string().contains("deposited eth too low"), "{err}");
}

#[test]
fn priority_blocks_replay_for_traces() {
    let f = fixture();
    let storage = storage_contract(&f);
    let input: Bytes = setCall { key: U256::from(3), value: U256::from(4) }.abi_encode().into();
    let tx = priority(
        0,
        Address::repeat_byte(0x99),
        storage,
        0,
        input,
        200_000,
        Address::repeat_byte(0x99),
    );
    let block = mine(&f.chain, &[recovered_priority(&tx)]);
    let trace = f.chain.trace_transaction(tx.tx_hash(), Default::default()).unwrap();
    let trace = serde_json::to_value(&trace).unwrap();
    assert_eq!(trace["failed"], false, "{trace}");
    assert_eq!(trace["gas"], Value::from(block.block.receipts[0].cumulative_gas_used()));
}

fn withdraw_tx(signer: &PrivateKeySigner, nonce: u64, value: u64, input: Vec<u8>) -> TxEip712 {
    eip712(signer, nonce, TxKind::Call(L2_BASE_TOKEN), value, input.into())
}

#[test]
fn l2_base_token_withdraw_burns_and_sends_zksyncs_message() {
    let f = fixture();
    let alice = &f.signers[0];
    let receiver = Address::repeat_byte(0xe1);
    let amount = 10u64.pow(17);
    let tx = withdraw_tx(alice, 0, amount, withdrawCall { _l1Receiver: receiver }.abi_encode());
    let before = balance(&f.chain, alice.address());
    let block = mine(&f.chain, &[recovered(tx)]);
    let receipt = &block.block.receipts[0];
    assert!(receipt.status());

    // Burnt: gone from the sender, not held by L2BaseToken.
    let gas = receipt.cumulative_gas_used();
    let price = U256::from(block.block.header.base_fee_per_gas.unwrap() + 1_000_000_000);
    assert_eq!(
        balance(&f.chain, alice.address()),
        before - U256::from(amount) - price * U256::from(gas)
    );
    assert_eq!(balance(&f.chain, L2_BASE_TOKEN), U256::ZERO);

    // L1Messenger's event from L2BaseToken with ZKsync's 56-byte message, then `Withdrawal`.
    let message = withdrawal_message(receiver, U256::from(amount), None);
    assert_eq!(message.len(), 56);
    assert_eq!(message[..4], [0x6c, 0x09, 0x60, 0xf9]);
    let logs = receipt.logs();
    assert_eq!(logs.len(), 2);
    assert_eq!(logs[0].address, L1_MESSENGER);
    assert_eq!(
        logs[0].topics(),
        [L1_MESSAGE_SENT_TOPIC, L2_BASE_TOKEN.into_word(), keccak256(&message)]
    );
    assert_eq!(Bytes::abi_decode(&logs[0].data.data).unwrap(), Bytes::from(message.clone()));
    assert_eq!(logs[1].address, L2_BASE_TOKEN);
    assert_eq!(
        logs[1].topics(),
        [WITHDRAWAL_TOPIC, alice.address().into_word(), receiver.into_word()]
    );
    assert_eq!(U256::abi_decode(&logs[1].data.data).unwrap(), U256::from(amount));

    // The batch's L2-to-L1 log: L1Messenger's, keyed by L2BaseToken, valued by the message's
    // hash, which the logs tree proves.
    let batch = batch_logs(&block.block.transactions, &block.block.receipts);
    assert_eq!(batch, vec![L2ToL1Log::message(0, L2_BASE_TOKEN, keccak256(&message))]);
    let leaves: Vec<B256> = batch.iter().map(L2ToL1Log::leaf_hash).collect();
    let (root, proof) = logs_tree(&leaves, Some(0)).unwrap();
    assert!(verify_log_proof(leaves[0], 0, &proof, root));
}

#[test]
fn l2_base_token_withdraw_with_message_appends_the_sender_and_data() {
    let f = fixture();
    let alice = &f.signers[0];
    let receiver = Address::repeat_byte(0xe2);
    let data = Bytes::from_static(b"for the L1 receiver");
    let input = withdrawWithMessageCall { _l1Receiver: receiver, _additionalData: data.clone() }
        .abi_encode();
    let block = mine(&f.chain, &[recovered(withdraw_tx(alice, 0, 12345, input))]);
    let receipt = &block.block.receipts[0];
    assert!(receipt.status());
    let message = withdrawal_message(receiver, U256::from(12345), Some((alice.address(), &data)));
    assert_eq!(&message[56..76], alice.address().as_slice());
    assert_eq!(receipt.logs()[0].topics()[2], keccak256(&message));
    assert_eq!(receipt.logs()[1].topics()[0], WITHDRAWAL_WITH_MESSAGE_TOPIC);
    let (amount, additional) =
        <(U256, Bytes)>::abi_decode_params(&receipt.logs()[1].data.data).unwrap();
    assert_eq!((amount, additional), (U256::from(12345), data));
}

#[test]
fn l2_base_token_reads_balances_and_refuses_what_zksync_refuses() {
    let f = fixture();
    let alice = &f.signers[0];
    let caller_code =
        deployed_code(include_str!("../../../contracts/artifacts/PrecompileCaller.json"));
    mine(&f.chain, &[eip1559(alice, 0, TxKind::Create, caller_code)]);
    let caller = alice.address().create(0);
    let account = U256::from_be_bytes(alice.address().into_word().0);
    let read = call(&f.chain, L2_BASE_TOKEN, balanceOfCall { account }.abi_encode());
    assert_eq!(U256::from_be_slice(&read), balance(&f.chain, alice.address()));
    // Upper bits are ignored, as ZKsync's balanceOf(uint256) truncates to an address.
    let dirty = account | (U256::from(1) << 200);
    let read = call(&f.chain, L2_BASE_TOKEN, balanceOfCall { account: dirty }.abi_encode());
    assert_eq!(U256::from_be_slice(&read), balance(&f.chain, alice.address()));

    let head = f.chain.head().header.number;
    let request = |to: Address, value: u64, input: Vec<u8>| {
        TransactionRequest::default()
            .from(alice.address())
            .to(to)
            .value(U256::from(value))
            .input(input.into())
    };
    let try_call = |req| f.chain.call(req, head, None, None);
    // Only the bootloader mints.
    let mint = mintCall { _account: alice.address(), _amount: U256::from(1) }.abi_encode();
    assert!(try_call(request(L2_BASE_TOKEN, 0, mint)).is_err(), "mint is the bootloader's");
    // balanceOf is a view.
    assert!(try_call(request(L2_BASE_TOKEN, 1, balanceOfCall { account }.abi_encode())).is_err());
    // Unknown selector, short calldata.
    assert!(try_call(request(L2_BASE_TOKEN, 0, vec![1, 2, 3, 4])).is_err());
    assert!(try_call(request(L2_BASE_TOKEN, 0, vec![0x51])).is_err());
    // A withdrawal in a static call writes: refused.
    let withdraw = withdrawCall { _l1Receiver: alice.address() }.abi_encode();
    let queried = call(
        &f.chain,
        caller,
        queryCall { target: L2_BASE_TOKEN, input: withdraw.into() }.abi_encode(),
    );
    let (ok, _) = <(bool, Bytes)>::abi_decode_params(&queried).unwrap();
    assert!(!ok, "static withdraw refused");
    // ...while a static balanceOf is fine.
    let queried = call(
        &f.chain,
        caller,
        queryCall { target: L2_BASE_TOKEN, input: balanceOfCall { account }.abi_encode().into() }
            .abi_encode(),
    );
    let (ok, _) = <(bool, Bytes)>::abi_decode_params(&queried).unwrap();
    assert!(ok);
}

#[test]
fn the_native_token_vault_reports_ether_as_the_base_token() {
    let f = fixture();
    let asset = call(&f.chain, L2_NATIVE_TOKEN_VAULT, BASE_TOKEN_ASSET_IDCall {}.abi_encode());
    // zksync-ethers' `utils.encodeNativeTokenVaultAssetId(9n, ETH_ADDRESS_IN_CONTRACTS)`.
    assert_eq!(
        B256::from_slice(&asset),
        "0x52f431aa35dd80982e3c66614112503ca2c6e344745f4a2bcfc9bd7e09c75584"
            .parse::<B256>()
            .unwrap()
    );
    let chain = call(&f.chain, L2_NATIVE_TOKEN_VAULT, L1_CHAIN_IDCall {}.abi_encode());
    assert_eq!(U256::from_be_slice(&chain), U256::from(9));
    // Configured for another L1: 31337, the asset id zksync-ethers computes for it.
    let shared_bridge = Address::repeat_byte(0x5b);
    let other = support::fixture(
        Arc::new(ZkStack {
            l1_chain_id: 31337,
            l1_shared_bridge: shared_bridge,
            ..ZkStack::default()
        }),
        CHAIN_ID,
        1,
    );
    let asset = call(&other.chain, L2_NATIVE_TOKEN_VAULT, BASE_TOKEN_ASSET_IDCall {}.abi_encode());
    assert_eq!(
        B256::from_slice(&asset),
        "0x8df3463b1850eb1d8d1847743ea155aef6b16074db8ba81d897dc30554fb2085"
            .parse::<B256>()
            .unwrap()
    );
    assert!(support::try_call(&f.chain, L2_NATIVE_TOKEN_VAULT, vec![0; 4]).is_err());
    // The asset router names the L1 shared bridge, where zksync-ethers finds it.
    let router = call(&other.chain, L2_ASSET_ROUTER, L1_ASSET_ROUTERCall {}.abi_encode());
    assert_eq!(Address::from_word(B256::from_slice(&router)), shared_bridge);
    let chain = call(&other.chain, L2_ASSET_ROUTER, L1_CHAIN_IDCall {}.abi_encode());
    assert_eq!(U256::from_be_slice(&chain), U256::from(31337));
    assert!(support::try_call(&other.chain, L2_ASSET_ROUTER, vec![0; 4]).is_err());
}

#[test]
fn a_chain_whose_base_token_is_an_erc20_reports_that_token_s_asset_id() {
    let token: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3".parse().unwrap();
    let f = support::fixture(
        Arc::new(ZkStack { l1_chain_id: 31337, l1_base_token: token, ..ZkStack::default() }),
        CHAIN_ID,
        1,
    );
    // zksync-ethers' `utils.encodeNativeTokenVaultAssetId(31337n, token)`: what `isBaseToken`
    // compares with, and not ether's, so `isEthBasedChain` is false.
    let expected: B256 =
        "0x82bb82cc3111570dc21d9aadc3cb147dc87c0bb83073ed19aaeba82fff1b0371".parse().unwrap();
    for contract in [L2_NATIVE_TOKEN_VAULT, L2_ASSET_ROUTER] {
        let asset = call(&f.chain, contract, BASE_TOKEN_ASSET_IDCall {}.abi_encode());
        assert_eq!(B256::from_slice(&asset), expected, "{contract}");
    }
    assert_eq!(tephra_frameworks::zk_stack::system::asset_id(31337, token), expected);
    // The base token's L2 balance is the native balance, as on an ether-based chain.
    let alice = f.signers[0].address();
    let account = U256::from_be_bytes(alice.into_word().0);
    let read = call(&f.chain, L2_BASE_TOKEN, balanceOfCall { account }.abi_encode());
    assert_eq!(U256::from_be_slice(&read), balance(&f.chain, alice));
    assert!(!read.iter().all(|byte| *byte == 0), "the dev account is funded");
}

/// 1,000 gwei a byte of pubdata: about 1,000 gas a byte at these chains' base fee (1 gwei).
const PUBDATA_PRICE: u128 = 1_000_000_000_000;
const TIP: u128 = 1_000_000_000;

/// The zk-stack profile whose pubdata costs [`PUBDATA_PRICE`].
const PRICED: ZkStack = ZkStack {
    l1_chain_id: tephra_primitives::zk::DEV_L1_CHAIN_ID,
    l1_shared_bridge: Address::ZERO,
    l1_base_token: tephra_primitives::zk::ETH_ADDRESS_IN_CONTRACTS,
    pubdata_price: PUBDATA_PRICE,
};

/// A chain of [`PRICED`], with its Storage contract.
fn priced() -> (Fixture, Address) {
    let f = support::fixture(Arc::new(PRICED), CHAIN_ID, 1);
    let storage = storage_contract(&f);
    (f, storage)
}

/// `Storage.set(key, value)` from `signer` with `gas_limit`.
fn set_tx(
    signer: &PrivateKeySigner,
    nonce: u64,
    storage: Address,
    key: u64,
    gas_limit: u64,
) -> Recovered<TxEnvelope> {
    let input = setCall { key: U256::from(key), value: U256::from(42) }.abi_encode();
    support::sign(
        signer,
        TxEip1559 {
            chain_id: CHAIN_ID,
            nonce,
            gas_limit,
            max_fee_per_gas: 10_000_000_000,
            max_priority_fee_per_gas: TIP,
            to: TxKind::Call(storage),
            input: input.into(),
            ..Default::default()
        },
    )
}

/// The attributes `support::mine` builds the next block with.
fn next_attributes(chain: &Chain) -> tephra_chain::BlockAttributes {
    let head = chain.head();
    tephra_chain::BlockAttributes {
        timestamp: head.header.timestamp + 1,
        beneficiary: Address::repeat_byte(0xcb),
        prevrandao: keccak256(head.hash),
        gas_limit: 30_000_000,
        l1: None,
    }
}

#[test]
fn a_transaction_pays_for_its_pubdata_and_one_whose_gas_cannot_pay_reverts() {
    use tephra_frameworks::zk_stack::pubdata::diff_len;
    let (f, storage) = priced();
    let signer = &f.signers[0];
    let (sender, beneficiary) = (signer.address(), Address::repeat_byte(0xcb));
    // The write's EVM gas, on a chain whose pubdata is free.
    let free = fixture();
    let free_storage = storage_contract(&free);
    let written = mine(&free.chain, &[set_tx(&free.signers[0], 1, free_storage, 7, 1_000_000)]);
    let evm_gas = written.block.receipts[0].cumulative_gas_used();

    let (sender_before, beneficiary_before) =
        (balance(&f.chain, sender), balance(&f.chain, beneficiary));
    let block = mine(&f.chain, &[set_tx(signer, 1, storage, 7, 1_000_000)]);
    let base_fee = u128::from(block.block.header.base_fee_per_gas.unwrap());
    let gas_per_pubdata = PRICED.gas_per_pubdata(base_fee as u64);
    let (price, tip) = (U256::from(base_fee + TIP), U256::from(TIP));
    // What the write publishes, against the block's start (ZKsync OS' account and storage
    // diffs): the new slot and the `writes` counter (0 to 1); the sender's nonce and balance
    // (the fee of its EVM gas, which is what it paid when the pubdata is measured); the
    // beneficiary's balance (the tip).
    let paid = U256::from(evm_gas) * price;
    let pubdata = u64::from(
        (32 + diff_len(U256::ZERO, U256::from(42)))
            + (32 + diff_len(U256::ZERO, U256::from(1)))
            + (32 + 1 + diff_len(U256::from(1), U256::from(2)))
            + diff_len(sender_before, sender_before - paid)
            + (32
                + 1
                + diff_len(beneficiary_before, beneficiary_before + U256::from(evm_gas) * tip)),
    );
    let pubdata_gas = pubdata * gas_per_pubdata;
    assert!(pubdata_gas > evm_gas, "at this price the pubdata ({pubdata_gas}) outweighs {evm_gas}");
    let receipt = &block.block.receipts[0];
    assert!(receipt.status());
    assert_eq!(receipt.cumulative_gas_used(), pubdata_gas, "{pubdata} bytes at {gas_per_pubdata}");
    assert_eq!(balance(&f.chain, sender), sender_before - U256::from(pubdata_gas) * price);
    assert_eq!(balance(&f.chain, beneficiary), beneficiary_before + U256::from(pubdata_gas) * tip);
    let value = call(&f.chain, storage, valuesCall { key: U256::from(7) }.abi_encode());
    assert_eq!(U256::from_be_slice(&value), U256::from(42));

    // The block carries its pubdata price, so a verifier whose profile knows none (a
    // guardian's default profile) re-executes it as it was sealed.
    let header = &block.block.header;
    assert_eq!(header.extra_data.as_ref(), PRICED.pubdata_price.to_be_bytes().as_slice());
    assert_eq!(tephra_frameworks::zk_stack::block_pubdata_price(header), PRICED.pubdata_price);
    verify_unpriced(&f.chain, header.number);

    // Enough gas for the EVM, not for the pubdata: the write reverts, the whole limit is paid,
    // the nonce moves.
    let sender_before = balance(&f.chain, sender);
    let second = mine(&free.chain, &[set_tx(&free.signers[0], 2, free_storage, 8, 1_000_000)]);
    let limit = 100_000;
    assert!(limit > second.block.receipts[0].cumulative_gas_used(), "the EVM has enough");
    let block = mine(&f.chain, &[set_tx(signer, 2, storage, 8, limit)]);
    let price = U256::from(u128::from(block.block.header.base_fee_per_gas.unwrap()) + TIP);
    let receipt = &block.block.receipts[0];
    assert!(!receipt.status(), "the pubdata could not be paid for");
    assert_eq!(receipt.cumulative_gas_used(), limit);
    assert!(receipt.logs().is_empty());
    assert_eq!(balance(&f.chain, sender), sender_before - U256::from(limit) * price);
    assert_eq!(nonce(&f.chain, sender), 3);
    let value = call(&f.chain, storage, valuesCall { key: U256::from(8) }.abi_encode());
    assert_eq!(U256::from_be_slice(&value), U256::ZERO, "the write reverted");
}

/// Verifies block `number` of `chain` statelessly as a guardian whose profile knows no pubdata
/// price does: the block carries its own.
fn verify_unpriced(chain: &Chain, number: u64) {
    let reader = chain.reader().unwrap();
    let header = reader.header(number).unwrap().unwrap();
    let transactions = reader.transactions(number).unwrap().unwrap();
    let sealed = tephra_primitives::block::block(header, transactions);
    let witness = chain.execution_witness(number).unwrap();
    let parent = reader.header(number - 1).unwrap().unwrap().state_root;
    let spec = tephra_chain::ChainSpec::latest(CHAIN_ID);
    tephra_chain::verify_block(&spec, &ZkStack::default(), &sealed, &witness, parent)
        .expect("the block verifies at the price it carries");
}

#[test]
fn a_priced_chain_keeps_its_base_fee_at_zk_stacks_floor() {
    use tephra_frameworks::zk_stack::pubdata::{
        ETHEREUM_GAS_PER_PUBDATA_LIMIT, MINIMAL_L2_GAS_PRICE, min_base_fee,
    };
    let (f, storage) = priced();
    let floor = min_base_fee(PUBDATA_PRICE);
    assert_eq!(floor, MINIMAL_L2_GAS_PRICE, "at 1,000 gwei a byte the minimal gas price rules");
    assert_eq!(min_base_fee(100 * PUBDATA_PRICE), 2_000_000_000, "then 50,000 gas a byte");
    assert_eq!(min_base_fee(0), 0, "free pubdata: Ethereum's base fee");
    // Empty blocks lower EIP-1559's base fee by an eighth each, down to the floor.
    for _ in 0..40 {
        mine(&f.chain, &[]);
    }
    let head = f.chain.head().header;
    assert_eq!(head.base_fee_per_gas, Some(floor));
    let eip1559 =
        tephra_chain::next_base_fee(&head, alloy_eips::eip1559::BaseFeeParams::ethereum());
    assert!(eip1559 < floor, "EIP-1559 alone would go on down ({eip1559} < {floor})");
    assert_eq!(f.chain.next_base_fee(), floor);
    assert_eq!(PRICED.gas_per_pubdata(floor), 10_000);
    verify_unpriced(&f.chain, head.number);

    // At the floor a write is taken and pays for its pubdata, 10,000 gas a byte.
    let write = set_tx(&f.signers[0], 1, storage, 5, 5_000_000);
    assert!(f.chain.validate_transaction(write.as_recovered_ref()).unwrap().is_ok());
    let block = mine(&f.chain, &[write]);
    let receipt = &block.block.receipts[0];
    assert!(receipt.status());
    assert!(receipt.cumulative_gas_used() > 100 * 10_000);
    assert!(PRICED.gas_per_pubdata(floor) < ETHEREUM_GAS_PER_PUBDATA_LIMIT);
    verify_unpriced(&f.chain, block.block.header.number);
}

#[test]
fn a_priced_chain_charges_a_priority_transaction_its_pubdata_at_its_800_gas_a_byte() {
    let (f, _) = priced();
    let (depositor, recipient) = (Address::repeat_byte(0xd0), Address::repeat_byte(0xd1));
    let value = 10u64.pow(18);
    // The new account's balance is published: more than a transfer's 21,000 gas at 800 a byte.
    let tx = priority(0, depositor, recipient, value, Bytes::new(), 300_000, depositor);
    let operator = balance(&f.chain, OPERATOR);
    let block = mine(&f.chain, &[recovered_priority(&tx)]);
    let receipt = &block.block.receipts[0];
    assert!(receipt.status());
    let gas = receipt.cumulative_gas_used();
    assert!(gas > 21_000 && gas.is_multiple_of(800), "{gas} gas: the pubdata's, at 800 a byte");
    let fee = U256::from(gas) * U256::from(L1_PRICE);
    assert_eq!(balance(&f.chain, recipient), U256::from(value));
    assert_eq!(balance(&f.chain, OPERATOR), operator + fee);
    assert_eq!(balance(&f.chain, depositor), tx.to_mint() - U256::from(value) - fee);
    let trace = f.chain.trace_transaction(tx.tx_hash(), Default::default()).unwrap();
    assert_eq!(serde_json::to_value(&trace).unwrap()["gas"], Value::from(gas));
    verify_unpriced(&f.chain, block.block.header.number);

    // A gas limit the EVM can run in but the pubdata cannot: the call fails, nothing moves but
    // the fee of the whole limit, and the rest of the deposit goes to the refund recipient.
    let limit = 22_000;
    let short =
        priority(1, depositor, Address::repeat_byte(0xd2), value, Bytes::new(), limit, depositor);
    let (operator, before) = (balance(&f.chain, OPERATOR), balance(&f.chain, depositor));
    let block = mine(&f.chain, &[recovered_priority(&short)]);
    let receipt = &block.block.receipts[0];
    assert!(!receipt.status(), "the pubdata could not be paid for");
    assert_eq!(receipt.cumulative_gas_used(), limit);
    let fee = U256::from(limit) * U256::from(L1_PRICE);
    assert_eq!(balance(&f.chain, Address::repeat_byte(0xd2)), U256::ZERO);
    assert_eq!(balance(&f.chain, OPERATOR), operator + fee);
    assert_eq!(balance(&f.chain, depositor), before + short.to_mint() - fee);
    let logs = batch_logs(&block.block.transactions, &block.block.receipts);
    assert_eq!(logs, vec![L2ToL1Log::priority_status(0, short.tx_hash(), false)]);
    verify_unpriced(&f.chain, block.block.header.number);
}

#[test]
fn an_estimate_covers_the_pubdata_and_a_gas_per_pubdata_limit_below_the_price_is_refused() {
    use tephra_frameworks::zk_stack::pubdata::check_limit;
    let (f, storage) = priced();
    let signer = &f.signers[0];
    let input = setCall { key: U256::from(9), value: U256::from(42) }.abi_encode();
    // Estimated in the block the write will be in (its base fee sets the gas per byte).
    let pending = f.chain.pending_block(|_| Ok(next_attributes(&f.chain)), Vec::new()).unwrap();
    let request = TransactionRequest::default()
        .from(signer.address())
        .to(storage)
        .input(input.clone().into());
    let estimate = f
        .chain
        .estimate_gas(request, tephra_chain::CallAt::Pending(Arc::new(pending)), None)
        .unwrap();
    let block = mine(&f.chain, &[set_tx(signer, 1, storage, 9, estimate)]);
    let receipt = &block.block.receipts[0];
    assert!(receipt.status(), "the estimate ({estimate}) pays for the pubdata");
    assert!(
        receipt.cumulative_gas_used() > 100_000,
        "pubdata priced: {}",
        receipt.cumulative_gas_used()
    );
    assert!(receipt.cumulative_gas_used() <= estimate);
    // A deployment publishes its code.
    let code = deployed_code(include_str!("../../../contracts/artifacts/Storage.json"));
    let pending = f.chain.pending_block(|_| Ok(next_attributes(&f.chain)), Vec::new()).unwrap();
    let request =
        TransactionRequest::default().from(signer.address()).input(code.clone().into()).create();
    let estimate = f
        .chain
        .estimate_gas(request, tephra_chain::CallAt::Pending(Arc::new(pending)), None)
        .unwrap();
    let deploy = support::sign(
        signer,
        TxEip1559 {
            chain_id: CHAIN_ID,
            nonce: 2,
            gas_limit: estimate,
            max_fee_per_gas: 10_000_000_000,
            max_priority_fee_per_gas: TIP,
            to: TxKind::Create,
            input: code,
            ..Default::default()
        },
    );
    let block = mine(&f.chain, &[deploy]);
    let receipt = &block.block.receipts[0];
    assert!(receipt.status(), "the estimate ({estimate}) pays for the code's pubdata");

    // An EIP-712 transaction agreeing to less gas per byte than the chain charges is refused,
    // by the pool and by the block; an Ethereum one agrees to zksync's 50,000.
    let required = PRICED.gas_per_pubdata(f.chain.head().header.base_fee_per_gas.unwrap());
    let mut tx = eip712(signer, 3, TxKind::Call(storage), 0, input.into());
    tx.eip712_meta.gas_per_pubdata = U256::from(required - 1);
    let signature = signer.sign_hash_sync(&tx.signing_hash()).unwrap();
    tx.eip712_meta.custom_signature = Bytes::from(signature.as_bytes().to_vec());
    let low = recovered(tx);
    let refused = f.chain.validate_transaction(low.as_recovered_ref()).unwrap();
    let message = refused.expect_err("refused");
    assert!(message.contains("gas per pubdata limit too low"), "{message}");
    let (block, _) = f
        .chain
        .build_block(&next_attributes(&f.chain), std::iter::once(low.as_recovered_ref()))
        .unwrap();
    let [tephra_chain::Skipped::Invalid(_, reason)] = &block.skipped[..] else {
        panic!("the transaction is dropped: {:?}", block.skipped);
    };
    assert!(reason.contains("gas per pubdata limit too low"), "{reason}");
    let ethereum = set_tx(signer, 3, storage, 9, 1_000_000);
    assert!(check_limit(ethereum.inner(), 50_000).is_ok());
    let err = check_limit(ethereum.inner(), 50_001).unwrap_err();
    assert_eq!((err.limit, err.required), (50_000, 50_001));
}

#[test]
fn an_eip7702_transaction_whose_gas_cannot_pay_its_pubdata_reverts_but_keeps_its_delegations() {
    use alloy_consensus::TxEip7702;
    use alloy_eips::eip7702::Authorization;
    let (f, storage) = priced();
    let signer = &f.signers[0];
    let sender = signer.address();
    let stranger = PrivateKeySigner::random();
    let authorize = |by: &PrivateKeySigner, nonce: u64| {
        let authorization =
            Authorization { chain_id: U256::from(CHAIN_ID), address: storage, nonce };
        let signature = by.sign_hash_sync(&authorization.signature_hash()).unwrap();
        authorization.into_signed(signature)
    };
    // Enough gas for the EVM, not for the write's pubdata; the sender's own authorization
    // names its nonce after the transaction's, as EIP-7702 has it.
    let limit = 150_000;
    let tx = TxEip7702 {
        chain_id: CHAIN_ID,
        nonce: 1,
        gas_limit: limit,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: TIP,
        to: storage,
        input: setCall { key: U256::from(9), value: U256::from(42) }.abi_encode().into(),
        authorization_list: vec![authorize(&stranger, 0), authorize(signer, 2)],
        ..Default::default()
    };
    let signature = signer.sign_hash_sync(&tx.signature_hash()).unwrap();
    let tx = Recovered::new_unchecked(tx.into_signed(signature).into(), sender);
    let block = mine(&f.chain, &[tx]);
    let receipt = &block.block.receipts[0];
    assert!(!receipt.status(), "the pubdata could not be paid for");
    assert_eq!(receipt.cumulative_gas_used(), limit);
    let value = call(&f.chain, storage, valuesCall { key: U256::from(9) }.abi_encode());
    assert_eq!(U256::from_be_slice(&value), U256::ZERO, "the write reverted");

    let reader = f.chain.reader().unwrap();
    let delegation = |address: Address| {
        let account = reader.account(&address).unwrap().expect("the authority exists");
        (account.nonce, reader.code(&account.code_hash).unwrap().unwrap_or_default())
    };
    let designation: Bytes = [&[0xef, 0x01, 0x00][..], storage.as_slice()].concat().into();
    assert_eq!(delegation(stranger.address()), (1, designation.clone()), "the stranger delegated");
    assert_eq!(delegation(sender), (3, designation), "the transaction's nonce, then its own");
    verify_unpriced(&f.chain, block.block.header.number);
}
