//! A chain that changes framework at block heights keeps its state and contracts, and each
//! block follows the rules of its height: built, replayed for its witness, and traced.

use alloy_consensus::{SignableTransaction, TxEip1559, TxReceipt, transaction::Recovered};
use alloy_network::TxSignerSync;
use alloy_primitives::{Address, Bytes, TxKind, U256, keccak256};
use alloy_rpc_types_eth::TransactionRequest;
use alloy_signer_local::PrivateKeySigner;
use std::sync::Arc;

mod support;
use tephra_chain::{BlockAttributes, Chain, ChainSpec, ExecutedBlock, Framework};
use tephra_frameworks::{
    Ethereum, OpStack, Schedule, Step,
    op_stack::{L1_BLOCK, L2_TO_L1_MESSAGE_PASSER, SEQUENCER_FEE_VAULT},
};
use tephra_primitives::{TxEnvelope, dev::dev_accounts};
use tephra_storage::Store;

const CHAIN_ID: u64 = 31337;

fn op() -> Arc<dyn Framework> {
    Arc::new(OpStack::default())
}

fn ethereum() -> Arc<dyn Framework> {
    Arc::new(Ethereum)
}

fn open(dir: &std::path::Path, framework: Arc<dyn Framework>, accounts: &[Address]) -> Chain {
    let genesis = support::genesis(CHAIN_ID, accounts);
    let store = Store::open(&dir.join("chain.redb")).unwrap();
    Chain::open(store, ChainSpec::latest(CHAIN_ID), framework, &genesis).unwrap()
}

fn sign(
    signer: &PrivateKeySigner,
    nonce: u64,
    to: TxKind,
    input: Vec<u8>,
) -> Recovered<TxEnvelope> {
    let mut tx = TxEip1559 {
        chain_id: CHAIN_ID,
        nonce,
        gas_limit: 300_000,
        max_fee_per_gas: 20_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to,
        input: input.into(),
        ..Default::default()
    };
    let signature = signer.sign_transaction_sync(&mut tx).unwrap();
    Recovered::new_unchecked(tx.into_signed(signature).into(), signer.address())
}

fn mine(chain: &Chain, txs: &[Recovered<TxEnvelope>]) -> ExecutedBlock {
    let head = chain.head();
    let attributes = BlockAttributes {
        timestamp: head.header.timestamp + 2,
        beneficiary: Address::repeat_byte(0xcb),
        prevrandao: keccak256(head.hash),
        gas_limit: 30_000_000,
        l1: None,
    };
    let (block, applied) =
        chain.build_block(&attributes, txs.iter().map(|tx| tx.as_recovered_ref())).unwrap();
    for (index, receipt) in block.block.receipts.iter().enumerate() {
        assert!(
            receipt.status(),
            "block {}: transaction {index} succeeds",
            block.block.header.number
        );
    }
    chain.commit_block(&block, &applied).unwrap();
    block
}

/// A counter: empty calldata increments slot 0, any other returns it.
/// runtime: CALLDATASIZE PUSH1 0x0e JUMPI PUSH1 0 SLOAD PUSH1 1 ADD PUSH1 0 SSTORE STOP
///          JUMPDEST(0x0e) PUSH1 0 SLOAD PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN
const COUNTER: [u8; 26] = [
    0x36, 0x60, 0x0e, 0x57, 0x60, 0x00, 0x54, 0x60, 0x01, 0x01, 0x60, 0x00, 0x55, 0x00, 0x5b, 0x60,
    0x00, 0x54, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3,
];

fn counter_init() -> Vec<u8> {
    let runtime = COUNTER;
    let mut init = vec![
        0x60,
        runtime.len() as u8,
        0x60,
        0x0c,
        0x60,
        0x00,
        0x39,
        0x60,
        runtime.len() as u8,
        0x60,
        0x00,
        0xf3,
    ];
    init.extend_from_slice(&runtime);
    init
}

fn counter(chain: &Chain, address: Address) -> U256 {
    let request = TransactionRequest::default().to(address).input(Bytes::from_static(&[1]).into());
    U256::from_be_slice(&chain.call(request, chain.head().header.number, None, None).unwrap())
}

#[test]
fn op_stack_then_ethereum_then_op_stack_keeps_contracts_and_follows_each_rule_set() {
    let dir = tempfile::tempdir().unwrap();
    let signer = dev_accounts(1).unwrap().remove(0);
    let schedule = Schedule::new(
        op(),
        [Step { at_block: 4, framework: ethereum() }, Step { at_block: 7, framework: op() }],
    )
    .unwrap();
    let chain = open(dir.path(), Arc::new(schedule), &[signer.address()]);
    assert_eq!(chain.framework().name(), "op-stack", "the store records the genesis framework");

    // Blocks 1-3, op-stack: deploy the counter, count once, start a withdrawal.
    let deploy = mine(&chain, &[sign(&signer, 0, TxKind::Create, counter_init())]);
    let address = signer.address().create(0);
    assert!(
        deploy.block.transactions[0].as_deposit().is_some(),
        "an OP block starts with a deposit"
    );
    mine(&chain, &[sign(&signer, 1, TxKind::Call(address), Vec::new())]);
    let withdraw = alloy_sol_types::SolCall::abi_encode(&initiateWithdrawalCall {
        target: Address::repeat_byte(1),
        gasLimit: U256::from(50_000),
        data: Bytes::new(),
    });
    let op_block =
        mine(&chain, &[sign(&signer, 2, TxKind::Call(L2_TO_L1_MESSAGE_PASSER), withdraw)]);
    assert_eq!(op_block.block.header.beneficiary, SEQUENCER_FEE_VAULT);
    let withdrawals_root = op_block.block.header.withdrawals_root.unwrap();
    assert_ne!(withdrawals_root, alloy_trie::EMPTY_ROOT_HASH);
    assert_eq!(counter(&chain, address), U256::from(1));

    // Blocks 4-6, ethereum: no deposit, the sequencer's fee recipient, Ethereum's empty
    // withdrawals root; the contract keeps its state and goes on counting.
    for nonce in 3..6 {
        let block = mine(&chain, &[sign(&signer, nonce, TxKind::Call(address), Vec::new())]);
        let header = &block.block.header;
        assert!((4..7).contains(&header.number));
        assert_eq!(block.block.transactions.len(), 1, "no L1 attributes deposit on ethereum");
        assert_eq!(header.beneficiary, Address::repeat_byte(0xcb));
        assert_eq!(header.withdrawals_root, Some(alloy_trie::EMPTY_ROOT_HASH));
        assert!(header.extra_data.is_empty(), "no Holocene extraData");
    }
    assert_eq!(counter(&chain, address), U256::from(4));

    // Block 7 onwards, op-stack again: the predeploys are still there with their storage (the
    // withdrawal sent in block 3 is still recorded), the deposits come back.
    let back = mine(&chain, &[sign(&signer, 6, TxKind::Call(address), Vec::new())]);
    assert_eq!(back.block.header.number, 7);
    assert!(back.block.transactions[0].as_deposit().is_some());
    assert_eq!(
        back.block.header.withdrawals_root,
        Some(withdrawals_root),
        "withdrawals survive the detour"
    );
    assert_eq!(back.block.header.beneficiary, SEQUENCER_FEE_VAULT);
    assert_eq!(counter(&chain, address), U256::from(5));
    let reader = chain.reader().unwrap();
    assert!(reader.account(&L1_BLOCK).unwrap().is_some());

    // Every block replays under its own rules: witnesses reach the header's state root, and
    // every transaction traces.
    for number in 1..=7 {
        chain.execution_witness(number).unwrap();
        for tx in reader.transactions(number).unwrap().unwrap() {
            let trace = chain.trace_transaction(tx.tx_hash(), Default::default()).unwrap();
            let alloy_rpc_types_trace::geth::GethTrace::Default(frame) = trace else { panic!() };
            assert!(!frame.failed, "block {number}: {} replays", tx.tx_hash());
        }
    }
}

#[test]
fn ethereum_then_op_stack_installs_the_predeploys_in_the_switch_block() {
    let dir = tempfile::tempdir().unwrap();
    let signer = dev_accounts(1).unwrap().remove(0);
    let schedule = Schedule::new(ethereum(), [Step { at_block: 3, framework: op() }]).unwrap();
    let chain = open(dir.path(), Arc::new(schedule), &[signer.address()]);
    mine(&chain, &[sign(&signer, 0, TxKind::Create, counter_init())]);
    mine(&chain, &[]);
    let reader = chain.reader().unwrap();
    assert!(reader.account(&L1_BLOCK).unwrap().is_none(), "no predeploys before the switch");
    drop(reader);
    let switch =
        mine(&chain, &[sign(&signer, 1, TxKind::Call(signer.address().create(0)), Vec::new())]);
    assert!(
        switch.block.transactions[0].as_deposit().is_some(),
        "the switch block opens with a deposit"
    );
    let reader = chain.reader().unwrap();
    let l1_block = reader.account(&L1_BLOCK).unwrap().expect("L1Block installed");
    assert_ne!(l1_block.code_hash, alloy_primitives::KECCAK256_EMPTY);
    assert_eq!(counter(&chain, signer.address().create(0)), U256::from(1));
    // The switch block's witness replays the installation too.
    chain.execution_witness(3).unwrap();
}

alloy_sol_types::sol! {
    function initiateWithdrawal(address target, uint256 gasLimit, bytes data) external payable;
}
