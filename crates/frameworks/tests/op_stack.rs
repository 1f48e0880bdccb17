//! The `op-stack` profile in process: blocks built on the chain core under OP rules, checked
//! against the OP specification's definitions (L1 attributes deposit, fee vaults, L1 data fee
//! accounting, deposit receipts, Isthmus' withdrawals root, output root) and read back through
//! the predeploys compiled from `@eth-optimism/contracts-bedrock`.

use alloy_consensus::{TxEip1559, TxReceipt};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, keccak256};
use alloy_sol_types::{SolCall, sol};
use std::sync::Arc;
use support::{Fixture, GENESIS_TIME, balance, call, mine, sign};

mod support;
use tephra_chain::{Chain, ChainSpec};
use tephra_frameworks::op_stack::{
    BASE_FEE_VAULT, GAS_PRICE_ORACLE, L1_BLOCK, L1_FEE_VAULT, L1_INFO_DEPOSITOR, L1Fees,
    L2_TO_L1_MESSAGE_PASSER, OPERATOR_FEE_VAULT, OpStack, SEQUENCER_FEE_VAULT, dev_l1_origin,
    l1_info_deposit, output_root_v0,
};
use tephra_primitives::{TxEnvelope, TxType};
use tephra_storage::Store;

sol! {
    function number() external view returns (uint64);
    function basefee() external view returns (uint256);
    function sequenceNumber() external view returns (uint64);
    function hash() external view returns (bytes32);
    function l1BaseFee() external view returns (uint256);
    function baseFeeScalar() external view returns (uint32);
    function blobBaseFeeScalar() external view returns (uint32);
    function isFjord() external view returns (bool);
    function isIsthmus() external view returns (bool);
    function getOperatorFee(uint256 gasUsed) external view returns (uint256);
    function operatorFeeScalar() external view returns (uint32);
    function operatorFeeConstant() external view returns (uint64);
    function initiateWithdrawal(address target, uint256 gasLimit, bytes data) external payable;
    function messageNonce() external view returns (uint256);
}

const CHAIN_ID: u64 = 901;

fn fixture() -> Fixture {
    fixture_with(L1Fees::default())
}

fn fixture_with(fees: L1Fees) -> Fixture {
    support::fixture(Arc::new(OpStack::new(fees)), CHAIN_ID, 2)
}

fn tx(nonce: u64, to: Address, value: u64, input: Bytes, gas_limit: u64) -> TxEip1559 {
    TxEip1559 {
        chain_id: CHAIN_ID,
        nonce,
        gas_limit,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: TxKind::Call(to),
        value: U256::from(value),
        input,
        ..Default::default()
    }
}

#[test]
fn every_block_opens_with_the_l1_attributes_deposit() {
    let f = fixture();
    let fees = L1Fees::default();
    let mut expected_sequence = 0;
    let mut previous_origin = None;
    let mut longest_sequence = 0;
    for step in 0..4 {
        let block = mine(&f.chain, 5, &[]);
        let header = &block.block.header;
        let origin = dev_l1_origin(&fees, header.timestamp);
        if previous_origin == Some(origin.number) {
            expected_sequence += 1;
        } else {
            expected_sequence = 0;
        }
        previous_origin = Some(origin.number);
        longest_sequence = longest_sequence.max(expected_sequence);

        assert_eq!(block.block.transactions.len(), 1, "block {step}: only the L1 info deposit");
        let TxEnvelope::Deposit(deposit) = &block.block.transactions[0] else {
            panic!("block {step}: first transaction is not a deposit");
        };
        assert_eq!(deposit.inner(), &l1_info_deposit(&fees, &origin, expected_sequence));
        assert_eq!(deposit.from, L1_INFO_DEPOSITOR);
        assert_eq!(block.block.senders[0], L1_INFO_DEPOSITOR);
        let receipt = &block.block.receipts[0];
        assert!(receipt.status(), "block {step}: the L1 info deposit succeeds");
        assert_eq!(receipt.tx_type, TxType::Deposit);
        assert_eq!(receipt.deposit_receipt_version, Some(1), "Canyon receipts carry version 1");
        assert!(receipt.deposit_nonce.is_some(), "Regolith receipts carry the depositor nonce");

        // L1Block now reports the origin, read through the predeploy's own getters.
        let word = |data: Bytes| U256::from_be_slice(&data);
        assert_eq!(
            word(call(&f.chain, L1_BLOCK, numberCall {}.abi_encode())),
            U256::from(origin.number)
        );
        assert_eq!(
            word(call(&f.chain, L1_BLOCK, basefeeCall {}.abi_encode())),
            U256::from(fees.base_fee)
        );
        assert_eq!(
            word(call(&f.chain, L1_BLOCK, sequenceNumberCall {}.abi_encode())),
            U256::from(expected_sequence)
        );
        assert_eq!(
            B256::from_slice(&call(&f.chain, L1_BLOCK, hashCall {}.abi_encode())),
            origin.hash
        );
        // OP headers: fees to the SequencerFeeVault, Holocene's EIP-1559 parameters.
        assert_eq!(header.beneficiary, SEQUENCER_FEE_VAULT);
        assert_eq!(header.extra_data.as_ref(), [0, 0, 0, 0, 250, 0, 0, 0, 6]);
    }
    assert!(longest_sequence > 0, "some blocks share an L1 origin (5 s blocks, 12 s L1)");
}

#[test]
fn genesis_reports_the_l1_origin_of_its_own_time() {
    let f = fixture();
    let fees = L1Fees::default();
    let origin = dev_l1_origin(&fees, GENESIS_TIME);
    let word = |data: Bytes| U256::from_be_slice(&data);
    assert_eq!(
        word(call(&f.chain, L1_BLOCK, numberCall {}.abi_encode())),
        U256::from(origin.number)
    );
    assert_eq!(B256::from_slice(&call(&f.chain, L1_BLOCK, hashCall {}.abi_encode())), origin.hash);
    assert_eq!(
        word(call(&f.chain, L1_BLOCK, basefeeCall {}.abi_encode())),
        U256::from(fees.base_fee)
    );
    assert_eq!(
        word(call(&f.chain, L1_BLOCK, baseFeeScalarCall {}.abi_encode())),
        U256::from(fees.base_fee_scalar)
    );
    assert_eq!(
        word(call(&f.chain, L1_BLOCK, blobBaseFeeScalarCall {}.abi_encode())),
        U256::from(fees.blob_base_fee_scalar)
    );
    assert_eq!(
        word(call(&f.chain, GAS_PRICE_ORACLE, l1BaseFeeCall {}.abi_encode())),
        U256::from(fees.base_fee)
    );
}

#[test]
fn fees_go_to_the_vaults_and_the_l1_fee_is_charged_as_gas_price_oracle_reports() {
    let f = fixture();
    mine(&f.chain, 2, &[]);
    let sender = &f.signers[0];
    let recipient = Address::repeat_byte(0x77);
    let before = balance(&f.chain, sender.address());
    let vaults_before =
        [SEQUENCER_FEE_VAULT, BASE_FEE_VAULT, L1_FEE_VAULT].map(|vault| balance(&f.chain, vault));
    let transfer = sign(sender, tx(0, recipient, 1_000, Bytes::from(vec![0xab; 100]), 50_000));
    let block = mine(&f.chain, 2, std::slice::from_ref(&transfer));
    assert_eq!(block.block.transactions.len(), 2);
    let header = &block.block.header;
    let base_fee = U256::from(header.base_fee_per_gas.unwrap());
    let receipt = &block.block.receipts[1];
    assert!(receipt.status());
    let gas_used =
        U256::from(receipt.cumulative_gas_used() - block.block.receipts[0].cumulative_gas_used());
    let tip = U256::from(1_000_000_000u64);

    // The L1 fee as the receipt reports it, and as the fee vault received it.
    let reader = f.chain.reader().unwrap();
    let fields = f
        .chain
        .receipt_fields(&reader, header, &block.block.transactions, &block.block.receipts)
        .unwrap();
    assert!(fields[0].is_empty(), "deposits have no L1 fee fields");
    let field = |name: &str| -> U256 { fields[1][name].as_str().unwrap().parse().unwrap() };
    let l1_fee = field("l1Fee");
    assert!(l1_fee > U256::ZERO);
    assert_eq!(field("l1GasPrice"), U256::from(L1Fees::default().base_fee));
    assert_eq!(field("l1BaseFeeScalar"), U256::from(L1Fees::default().base_fee_scalar));
    assert_eq!(field("l1BlobBaseFeeScalar"), U256::from(L1Fees::default().blob_base_fee_scalar));

    let paid = before - balance(&f.chain, sender.address());
    assert_eq!(paid, U256::from(1_000) + gas_used * (base_fee + tip) + l1_fee);
    assert_eq!(balance(&f.chain, recipient), U256::from(1_000));
    assert_eq!(balance(&f.chain, SEQUENCER_FEE_VAULT) - vaults_before[0], gas_used * tip);
    assert_eq!(balance(&f.chain, BASE_FEE_VAULT) - vaults_before[1], gas_used * base_fee);
    assert_eq!(balance(&f.chain, L1_FEE_VAULT) - vaults_before[2], l1_fee);

    // GasPriceOracle (Fjord) reads the same L1 parameters from L1Block.
    let word = |data: Bytes| U256::from_be_slice(&data);
    assert_eq!(word(call(&f.chain, GAS_PRICE_ORACLE, isFjordCall {}.abi_encode())), U256::from(1));
    assert_eq!(
        word(call(&f.chain, GAS_PRICE_ORACLE, l1BaseFeeCall {}.abi_encode())),
        U256::from(L1Fees::default().base_fee)
    );
    assert_eq!(
        word(call(&f.chain, GAS_PRICE_ORACLE, baseFeeScalarCall {}.abi_encode())),
        U256::from(L1Fees::default().base_fee_scalar)
    );
}

#[test]
fn the_operator_fee_is_charged_as_the_gas_price_oracle_computes_it() {
    let fees = L1Fees {
        operator_fee_scalar: 2_500_000,
        operator_fee_constant: 7_000,
        ..L1Fees::default()
    };
    let f = fixture_with(fees);
    let word = |data: Bytes| U256::from_be_slice(&data);
    assert_eq!(
        word(call(&f.chain, GAS_PRICE_ORACLE, isIsthmusCall {}.abi_encode())),
        U256::from(1)
    );
    assert_eq!(
        word(call(&f.chain, L1_BLOCK, operatorFeeScalarCall {}.abi_encode())),
        U256::from(2_500_000)
    );
    assert_eq!(
        word(call(&f.chain, L1_BLOCK, operatorFeeConstantCall {}.abi_encode())),
        U256::from(7_000)
    );

    let sender = &f.signers[0];
    let before = balance(&f.chain, sender.address());
    let vault_before = balance(&f.chain, OPERATOR_FEE_VAULT);
    let transfer = sign(sender, tx(0, Address::repeat_byte(0x55), 1, Bytes::new(), 60_000));
    let block = mine(&f.chain, 2, std::slice::from_ref(&transfer));
    let receipts = &block.block.receipts;
    let gas_used = receipts[1].cumulative_gas_used() - receipts[0].cumulative_gas_used();
    let expected =
        U256::from(gas_used) * U256::from(2_500_000) / U256::from(1_000_000) + U256::from(7_000);
    let oracle = word(call(
        &f.chain,
        GAS_PRICE_ORACLE,
        getOperatorFeeCall { gasUsed: U256::from(gas_used) }.abi_encode(),
    ));
    assert_eq!(oracle, expected, "GasPriceOracle.getOperatorFee follows the Isthmus formula");
    assert_eq!(balance(&f.chain, OPERATOR_FEE_VAULT) - vault_before, expected, "the vault got it");

    let reader = f.chain.reader().unwrap();
    let fields = f
        .chain
        .receipt_fields(
            &reader,
            &block.block.header,
            &block.block.transactions,
            &block.block.receipts,
        )
        .unwrap();
    let field = |name: &str| -> U256 { fields[1][name].as_str().unwrap().parse().unwrap() };
    assert_eq!(field("operatorFeeScalar"), U256::from(2_500_000));
    assert_eq!(field("operatorFeeConstant"), U256::from(7_000));
    let base_fee = U256::from(block.block.header.base_fee_per_gas.unwrap());
    let paid = before - balance(&f.chain, sender.address());
    let execution = U256::from(gas_used) * (base_fee + U256::from(1_000_000_000u64));
    assert_eq!(paid, U256::from(1) + execution + field("l1Fee") + expected);
}

#[test]
fn withdrawals_enter_the_message_passer_and_its_root_is_the_withdrawals_root() {
    let f = fixture();
    let sender = &f.signers[1];
    let empty = mine(&f.chain, 2, &[]);
    assert_eq!(empty.block.header.withdrawals_root, Some(alloy_trie::EMPTY_ROOT_HASH));
    let withdraw = initiateWithdrawalCall {
        target: Address::repeat_byte(0x11),
        gasLimit: U256::from(100_000),
        data: Bytes::from_static(b"hello L1"),
    };
    let value = 1_000_000_000_000u64;
    let tx =
        sign(sender, tx(0, L2_TO_L1_MESSAGE_PASSER, value, withdraw.abi_encode().into(), 200_000));
    let block = mine(&f.chain, 2, std::slice::from_ref(&tx));
    assert!(block.block.receipts[1].status(), "initiateWithdrawal succeeds");
    // MessagePassed was emitted by the passer.
    assert_eq!(block.block.receipts[1].logs()[0].address, L2_TO_L1_MESSAGE_PASSER);

    let reader = f.chain.reader().unwrap();
    let passer = reader.account(&L2_TO_L1_MESSAGE_PASSER).unwrap().unwrap();
    assert_ne!(passer.storage_root, alloy_trie::EMPTY_ROOT_HASH);
    assert_eq!(block.block.header.withdrawals_root, Some(passer.storage_root));
    // The value is held by (then burnt from) the passer, as on OP chains.
    assert_eq!(passer.balance, U256::from(value));
    let nonce = U256::from_be_slice(&call(
        &f.chain,
        L2_TO_L1_MESSAGE_PASSER,
        messageNonceCall {}.abi_encode(),
    ));
    assert_eq!(nonce & U256::from(u64::MAX), U256::from(1), "one message passed");

    // The output root commits to the state root, the passer's storage root and the block hash.
    let header = &block.block.header;
    let root = output_root_v0(header.state_root, passer.storage_root, block.block.hash);
    let mut preimage = vec![0u8; 32];
    preimage.extend_from_slice(header.state_root.as_slice());
    preimage.extend_from_slice(passer.storage_root.as_slice());
    preimage.extend_from_slice(block.block.hash.as_slice());
    assert_eq!(root, keccak256(preimage));
}

#[test]
fn blocks_replay_for_witnesses_and_traces() {
    let f = fixture();
    let sender = &f.signers[0];
    let transfer = sign(sender, tx(0, Address::repeat_byte(0x42), 5, Bytes::new(), 21_000));
    let block = mine(&f.chain, 2, std::slice::from_ref(&transfer));
    let number = block.block.header.number;
    // The witness replays the block (deposit included) and must reach its state root.
    let witness = f.chain.execution_witness(number).unwrap();
    assert!(!witness.state.is_empty());
    // Tracing the deposit and the user transaction replays the block under OP rules.
    for hash in &block.block.tx_hashes {
        let trace = f.chain.trace_transaction(*hash, Default::default()).unwrap();
        let alloy_rpc_types_trace::geth::GethTrace::Default(frame) = trace else {
            panic!("the struct logger is the default tracer");
        };
        assert!(!frame.failed, "{hash} replays and succeeds");
    }
}

#[test]
fn a_chain_reopens_only_under_the_rules_it_was_created_with() {
    let f = fixture();
    mine(&f.chain, 2, &[]);
    let path = f.dir.path().join("chain.redb");
    drop(f.chain);
    let genesis = support::genesis(CHAIN_ID, &[]);
    let reopen = |framework: Arc<dyn tephra_chain::Framework>| {
        Chain::open(Store::open(&path).unwrap(), ChainSpec::latest(CHAIN_ID), framework, &genesis)
    };
    let err = reopen(Arc::new(tephra_frameworks::Ethereum)).expect_err("other rules refused");
    assert_eq!(
        err.to_string(),
        "the database holds a chain of the op-stack framework, but ethereum was configured"
    );
    let chain = reopen(Arc::new(OpStack::default())).expect("same rules reopen");
    assert_eq!(chain.head().header.number, 1);
}
