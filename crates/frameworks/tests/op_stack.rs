//! The `op-stack` profile in process: blocks built on the chain core under OP rules, checked
//! against the OP specification's definitions (L1 attributes deposit, fee vaults, L1 data fee
//! accounting, deposit receipts, Isthmus' withdrawals root, output root) and read back through
//! the predeploys compiled from `@eth-optimism/contracts-bedrock`.

use alloy_consensus::{Sealed, TxEip1559, TxReceipt, transaction::Recovered};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, b256, hex, keccak256};
use alloy_sol_types::{SolCall, sol};
use std::sync::Arc;
use support::{Fixture, GENESIS_TIME, balance, call, mine, sign};

mod support;
use tephra_chain::{Chain, ChainSpec};
use tephra_frameworks::op_stack::{
    BASE_FEE_VAULT, GAS_PRICE_ORACLE, L1_BLOCK, L1_FEE_VAULT, L1_INFO_DEPOSITOR, L1Contracts,
    L1Fees, L1InfoFormat, L2_CROSS_DOMAIN_MESSENGER, L2_STANDARD_BRIDGE, L2_TO_L1_MESSAGE_PASSER,
    OPERATOR_FEE_VAULT, OPTIMISM_MINTABLE_ERC20_FACTORY, OpStack, PROXY_ADMIN, PROXY_ADMIN_OWNER,
    SEQUENCER_FEE_VAULT, dev_l1_origin, implementation_address, isthmus_upgrade, l1_info_deposit,
    output_root_v0,
};
use tephra_primitives::{
    TxEnvelope, TxType,
    tx::{TxDeposit, UserDepositSource},
};
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
    function version() external view returns (string);
    function initiateWithdrawal(address target, uint256 gasLimit, bytes data) external payable;
    function messageNonce() external view returns (uint256);
    function OTHER_MESSENGER() external view returns (address);
    function l1CrossDomainMessenger() external view returns (address);
    function xDomainMessageSender() external view returns (address);
    function otherBridge() external view returns (address);
    function l1TokenBridge() external view returns (address);
    function MESSENGER() external view returns (address);
    function bridge() external view returns (address);
    function createOptimismMintableERC20(address remoteToken, string name, string symbol) external returns (address);
    function relayMessage(uint256 nonce, address sender, address target, uint256 value, uint256 minGasLimit, bytes message) external payable;
    function finalizeBridgeERC20(address localToken, address remoteToken, address from, address to, uint256 amount, bytes extraData) external;
    function balanceOf(address owner) external view returns (uint256);
    function owner() external view returns (address);
    function getProxyAdmin(address proxy) external view returns (address);
    function getProxyImplementation(address proxy) external view returns (address);
    function upgrade(address proxy, address implementation) external;
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
        assert_eq!(
            deposit.inner(),
            &l1_info_deposit(&fees, &origin, expected_sequence, L1InfoFormat::Isthmus)
        );
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

/// An OP chain whose Isthmus comes after genesis (OP specification, Isthmus "L1 Block
/// Attributes" and "Network upgrade automation transactions"): Holocene before it, then an
/// activation block with Ecotone's L1 attributes, Isthmus' eight upgrade deposits and no user's
/// transaction, then Isthmus' attributes and operator fee.
#[test]
fn isthmus_activates_after_genesis_through_its_network_upgrade() {
    let fees = L1Fees {
        operator_fee_scalar: 2_500_000,
        operator_fee_constant: 7_000,
        ..L1Fees::default()
    };
    let isthmus_time = GENESIS_TIME + 10;
    let framework = OpStack::new(fees).with_isthmus_time(isthmus_time);
    let f = support::fixture(Arc::new(framework), CHAIN_ID, 2);
    let reader = || f.chain.reader().unwrap();
    let word = |data: Bytes| U256::from_be_slice(&data);
    let implementation = |proxy: Address| {
        let slot = b256!("0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc");
        Address::from_word(reader().storage(&proxy, &slot).unwrap().into())
    };
    let code_at = |address: Address| {
        let reader = reader();
        let hash = reader.account(&address).unwrap().map(|a| a.code_hash);
        hash.and_then(|hash| reader.code(&hash).unwrap())
    };
    let l1_info_len = |block: &tephra_chain::ExecutedBlock| {
        block.block.transactions[0].as_deposit().expect("a deposit first").input.len()
    };
    let sender = &f.signers[0];
    let transfer =
        |nonce| sign(sender, tx(nonce, Address::repeat_byte(0x55), 1, Bytes::new(), 60_000));

    // Genesis: 0.17.3's L1Block and GasPriceOracle behind their proxies, the OperatorFeeVault's
    // proxy pointing nowhere, no EIP-2935 history contract.
    assert_eq!(implementation(L1_BLOCK), implementation_address(L1_BLOCK));
    assert_eq!(implementation(OPERATOR_FEE_VAULT), Address::ZERO);
    assert_eq!(code_at(alloy_eips::eip2935::HISTORY_STORAGE_ADDRESS), None);
    let version = |to| {
        let output = call(&f.chain, to, versionCall {}.abi_encode());
        versionCall::abi_decode_returns(&output).unwrap()
    };
    assert!(!version(L1_BLOCK).ends_with("+isthmus"), "{}", version(L1_BLOCK));

    let takes_set_code = || f.chain.framework().accepts_tx_type(0x04, &f.chain.pool_header());
    assert!(!takes_set_code(), "no EIP-7702 transactions before Isthmus");

    // Holocene: Ecotone's attributes, no operator fee, Canyon's withdrawals root, no requests.
    let before = mine(&f.chain, 5, &[transfer(0)]);
    assert_eq!(before.block.transactions.len(), 2);
    assert_eq!(l1_info_len(&before), 164, "setL1BlockValuesEcotone before Isthmus");
    let header = &before.block.header;
    assert_eq!(header.withdrawals_root, Some(alloy_trie::EMPTY_ROOT_HASH));
    assert_eq!(header.requests_hash, None);
    assert_eq!(balance(&f.chain, OPERATOR_FEE_VAULT), U256::ZERO);

    // The activation block: Ecotone's attributes, then the upgrade; the offered transfer waits.
    let activation = mine(&f.chain, 5, &[transfer(1)]);
    assert_eq!(activation.block.header.timestamp, isthmus_time);
    let expected: Vec<TxEnvelope> = isthmus_upgrade()
        .into_iter()
        .map(|deposit| TxEnvelope::Deposit(Sealed::new(deposit)))
        .collect();
    assert_eq!(activation.block.transactions.len(), 9, "the attributes and eight upgrade deposits");
    assert_eq!(activation.block.transactions[1..], expected[..]);
    assert_eq!(l1_info_len(&activation), 164, "setL1BlockValuesEcotone on the activation block");
    for (index, receipt) in activation.block.receipts.iter().enumerate() {
        assert!(receipt.status(), "upgrade transaction {index} succeeds");
    }
    assert_eq!(
        activation.block.header.requests_hash,
        Some(alloy_eips::eip7685::EMPTY_REQUESTS_HASH)
    );
    let created = |deployer: Address| deployer.create(0);
    use tephra_frameworks::op_stack::{EIP2935_DEPLOYER, ISTHMUS_DEPLOYERS};
    assert_eq!(implementation(L1_BLOCK), created(ISTHMUS_DEPLOYERS[0]));
    assert_eq!(implementation(GAS_PRICE_ORACLE), created(ISTHMUS_DEPLOYERS[1]));
    assert_eq!(implementation(OPERATOR_FEE_VAULT), created(ISTHMUS_DEPLOYERS[2]));
    assert!(version(L1_BLOCK).ends_with("+isthmus"), "{}", version(L1_BLOCK));
    assert_eq!(
        word(call(&f.chain, GAS_PRICE_ORACLE, isIsthmusCall {}.abi_encode())),
        U256::from(1)
    );
    assert_eq!(
        code_at(created(EIP2935_DEPLOYER)),
        Some(alloy_eips::eip2935::HISTORY_STORAGE_CODE.clone())
    );

    assert!(takes_set_code(), "EIP-7702 transactions from Isthmus on");

    // Isthmus: its attributes carry the operator fee, which the transfer now pays.
    let after = mine(&f.chain, 2, &[transfer(1)]);
    assert_eq!(after.block.transactions.len(), 2, "the transfer that waited");
    assert_eq!(l1_info_len(&after), 176, "setL1BlockValuesIsthmus after the activation block");
    assert_eq!(
        word(call(&f.chain, L1_BLOCK, operatorFeeScalarCall {}.abi_encode())),
        U256::from(2_500_000)
    );
    let receipts = &after.block.receipts;
    let gas_used = receipts[1].cumulative_gas_used() - receipts[0].cumulative_gas_used();
    let operator_fee =
        U256::from(gas_used) * U256::from(2_500_000) / U256::from(1_000_000) + U256::from(7_000);
    assert_eq!(balance(&f.chain, OPERATOR_FEE_VAULT), operator_fee);
    let passer = reader().account(&L2_TO_L1_MESSAGE_PASSER).unwrap().unwrap();
    assert_eq!(after.block.header.withdrawals_root, Some(passer.storage_root));
}

#[test]
fn the_proxy_admin_administers_every_predeploy_and_only_its_owner_upgrades_them() {
    let f = support::fixture(Arc::new(OpStack::default()), CHAIN_ID, 10);
    let address = |to, input: Vec<u8>| address_of(call(&f.chain, to, input));
    let owner = &f.signers[9];
    assert_eq!(owner.address(), PROXY_ADMIN_OWNER);
    assert_eq!(address(PROXY_ADMIN, ownerCall {}.abi_encode()), PROXY_ADMIN_OWNER);
    for proxy in
        [PROXY_ADMIN, L1_BLOCK, GAS_PRICE_ORACLE, L2_TO_L1_MESSAGE_PASSER, L2_STANDARD_BRIDGE]
    {
        let admin = address(PROXY_ADMIN, getProxyAdminCall { proxy }.abi_encode());
        assert_eq!(admin, PROXY_ADMIN, "{proxy}'s admin");
        let implementation =
            address(PROXY_ADMIN, getProxyImplementationCall { proxy }.abi_encode());
        assert_eq!(implementation, implementation_address(proxy), "{proxy}'s implementation");
    }

    // The factory's proxy pointed at the bridge's implementation: a stranger is refused
    // (Ownable's revert), the owner's upgrade lands.
    let new = implementation_address(L2_STANDARD_BRIDGE);
    let upgrade = || {
        let input = upgradeCall { proxy: OPTIMISM_MINTABLE_ERC20_FACTORY, implementation: new };
        Bytes::from(input.abi_encode())
    };
    let stranger = sign(&f.signers[0], tx(0, PROXY_ADMIN, 0, upgrade(), 100_000));
    let by_owner = sign(owner, tx(0, PROXY_ADMIN, 0, upgrade(), 100_000));
    let block = mine(&f.chain, 2, &[stranger, by_owner]);
    let statuses: Vec<bool> = block.block.receipts.iter().map(|r| r.status()).collect();
    assert_eq!(statuses, [true, false, true], "the attributes, the stranger's, the owner's");
    let implementation = getProxyImplementationCall { proxy: OPTIMISM_MINTABLE_ERC20_FACTORY };
    assert_eq!(address(PROXY_ADMIN, implementation.abi_encode()), new);
}

#[test]
fn withdrawals_enter_the_message_passer_and_its_root_is_the_withdrawals_root() {
    let f = fixture();
    let sender = &f.signers[1];
    // Before any withdrawal the passer's storage holds only its proxy's two EIP-1967 slots.
    let empty = mine(&f.chain, 2, &[]);
    let proxy_only = f.chain.reader().unwrap().account(&L2_TO_L1_MESSAGE_PASSER).unwrap().unwrap();
    assert_eq!(empty.block.header.withdrawals_root, Some(proxy_only.storage_root));
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
    assert_ne!(passer.storage_root, proxy_only.storage_root);
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

/// The L1 side the bridge predeploys of [`bridge_fixture`] name.
const L1: L1Contracts = L1Contracts {
    cross_domain_messenger: Address::repeat_byte(0xc1),
    standard_bridge: Address::repeat_byte(0xb1),
};

fn bridge_fixture() -> Fixture {
    support::fixture(Arc::new(OpStack::default().with_l1_contracts(L1)), CHAIN_ID, 2)
}

fn address_of(output: Bytes) -> Address {
    Address::from_word(B256::from_slice(&output))
}

/// A deposit (0x7E) from `from` calling `to` with `input`, as the follower derives one.
fn deposit(from: Address, to: Address, input: Vec<u8>, index: u64) -> Recovered<TxEnvelope> {
    let deposit = TxDeposit {
        source_hash: UserDepositSource::new(B256::repeat_byte(0xd0), index).source_hash(),
        from,
        to: TxKind::Call(to),
        mint: 0,
        value: U256::ZERO,
        gas_limit: 1_000_000,
        is_system_transaction: false,
        input: input.into(),
    };
    Recovered::new_unchecked(TxEnvelope::Deposit(Sealed::new(deposit)), from)
}

/// bedrock's AddressAliasHelper.applyL1ToL2Alias.
fn alias(l1: Address) -> Address {
    use alloy_primitives::aliases::U160;
    let offset = U160::from_be_slice(&hex!("1111000000000000000000000000000000001111"));
    Address::from(U160::from_be_slice(l1.as_slice()).wrapping_add(offset).to_be_bytes::<20>())
}

#[test]
fn the_bridge_predeploys_are_initialized_with_the_l1_contracts_they_were_given() {
    let f = bridge_fixture();
    let read = |to: Address, input: Vec<u8>| address_of(call(&f.chain, to, input));
    let messenger = L2_CROSS_DOMAIN_MESSENGER;
    assert_eq!(read(messenger, OTHER_MESSENGERCall {}.abi_encode()), L1.cross_domain_messenger);
    assert_eq!(
        read(messenger, l1CrossDomainMessengerCall {}.abi_encode()),
        L1.cross_domain_messenger
    );
    // No message is being relayed: xDomainMsgSender is the default sender, which the getter
    // refuses to report.
    assert!(
        support::try_call(&f.chain, messenger, xDomainMessageSenderCall {}.abi_encode()).is_err()
    );
    // Version 1 in the top two bytes, nonce 0.
    let nonce = U256::from_be_slice(&call(&f.chain, messenger, messageNonceCall {}.abi_encode()));
    assert_eq!(nonce, U256::from(1) << 240);

    let bridge = L2_STANDARD_BRIDGE;
    assert_eq!(read(bridge, otherBridgeCall {}.abi_encode()), L1.standard_bridge);
    assert_eq!(read(bridge, l1TokenBridgeCall {}.abi_encode()), L1.standard_bridge);
    assert_eq!(read(bridge, MESSENGERCall {}.abi_encode()), messenger);
    assert_eq!(read(OPTIMISM_MINTABLE_ERC20_FACTORY, bridgeCall {}.abi_encode()), bridge);

    // A chain without an L1 (the default profile) names none, as bedrock's implementations.
    let dev = fixture();
    assert_eq!(
        address_of(call(&dev.chain, messenger, OTHER_MESSENGERCall {}.abi_encode())),
        Address::ZERO
    );
}

#[test]
fn a_deposit_from_the_aliased_l1_messenger_relays_the_l1_bridge_and_mints_the_l2_token() {
    let f = bridge_fixture();
    let l1_token = Address::repeat_byte(0x70);
    let create = createOptimismMintableERC20Call {
        remoteToken: l1_token,
        name: "Bridged".into(),
        symbol: "BRG".into(),
    }
    .abi_encode();
    let l2_token = address_of(call(&f.chain, OPTIMISM_MINTABLE_ERC20_FACTORY, create.clone()));
    let created = mine(
        &f.chain,
        2,
        &[sign(&f.signers[0], tx(0, OPTIMISM_MINTABLE_ERC20_FACTORY, 0, create.into(), 3_000_000))],
    );
    assert!(created.block.receipts[1].status(), "the factory creates the L2 token");

    let to = Address::repeat_byte(0x2a);
    let amount = U256::from(5_000_000u64);
    let finalize = finalizeBridgeERC20Call {
        localToken: l2_token,
        remoteToken: l1_token,
        from: Address::repeat_byte(0x1f),
        to,
        amount,
        extraData: Bytes::new(),
    };
    let relay = |nonce: u64| {
        relayMessageCall {
            nonce: (U256::from(1) << 240) | U256::from(nonce),
            sender: L1.standard_bridge,
            target: L2_STANDARD_BRIDGE,
            value: U256::ZERO,
            minGasLimit: U256::from(200_000),
            message: finalize.abi_encode().into(),
        }
        .abi_encode()
    };
    let balance_of =
        || U256::from_be_slice(&call(&f.chain, l2_token, balanceOfCall { owner: to }.abi_encode()));

    // From anyone but the aliased L1 messenger, the relay is refused and nothing is minted.
    let forged = deposit(L1.cross_domain_messenger, L2_CROSS_DOMAIN_MESSENGER, relay(0), 0);
    let block = mine(&f.chain, 2, &[forged]);
    assert!(!block.block.receipts[1].status(), "an unaliased sender cannot relay");
    assert_eq!(balance_of(), U256::ZERO);

    let relayed = deposit(alias(L1.cross_domain_messenger), L2_CROSS_DOMAIN_MESSENGER, relay(0), 1);
    let block = mine(&f.chain, 2, &[relayed]);
    assert!(block.block.receipts[1].status(), "the relay succeeds");
    // RelayedMessage (not FailedRelayedMessage) from the messenger: the bridge call succeeded.
    let relayed_message = keccak256("RelayedMessage(bytes32)");
    assert!(
        block.block.receipts[1]
            .logs()
            .iter()
            .any(|log| log.address == L2_CROSS_DOMAIN_MESSENGER
                && log.topics()[0] == relayed_message)
    );
    assert_eq!(balance_of(), amount);
}
