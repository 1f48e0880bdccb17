//! ZKsync paymasters on the `zk-stack` profile: EIP-712 transactions whose fee a paymaster pays
//! through the `approvalBased` and `general` flows, as ZKsync's bootloader runs them, from a
//! sender without ether; paymasters that answer a wrong magic or pay too little refused with
//! nothing charged; the unused gas refunded to the paymaster; the pool-side check
//! (`Framework::validate_transaction`).

use alloy_consensus::{TxEip1559, TxReceipt, transaction::Recovered};
use alloy_primitives::{Address, B256, Bytes, Log, TxKind, U256, keccak256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, SolEvent, SolValue, sol};
use revm::context_interface::result::ExecutionResult;
use serde_json::Value;
use std::sync::Arc;
use support::{Fixture, balance, call};
use tephra_chain::{BlockAttributes, Chain, ExecutedBlock, Skipped};
use tephra_frameworks::{
    ZkStack,
    zk_stack::paymaster::{
        APPROVAL_BASED_SELECTOR, GENERAL_SELECTOR, PAYMASTER_VALIDATION_SUCCESS_MAGIC,
        POST_TRANSACTION_SELECTOR,
    },
};
use tephra_primitives::{
    TxEnvelope,
    eip712::{DEFAULT_GAS_PER_PUBDATA, Eip712Meta, PaymasterParams, TxEip712},
    zk::BOOTLOADER_FORMAL_ADDRESS,
};

mod support;

sol! {
    function transfer(address to, uint256 amount) external returns (bool);
    function balanceOf(address account) external view returns (uint256);
    function allowance(address owner, address spender) external view returns (uint256);
    function approve(address spender, uint256 amount) external returns (bool);
    function approvalBased(address _token, uint256 _minAllowance, bytes _innerInput) external;
    function general(bytes input) external;
    function set(uint256 key, uint256 value) external;
    function values(uint256 key) external view returns (uint256);
    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);
    event PostTransaction(address indexed from, uint8 result, uint256 maxRefundedGas);
}

const CHAIN_ID: u64 = 260;
const TIP: u128 = 1_000_000_000;
const MAX_FEE: u128 = 10_000_000_000;
const GAS_LIMIT: u64 = 500_000;
/// The approval paymaster's fee, in token units.
const TOKEN_FEE: u64 = 1_000;
const BENEFICIARY: Address = Address::repeat_byte(0xcb);

fn artifact(json: &str) -> Bytes {
    let artifact: Value = serde_json::from_str(json).unwrap();
    artifact["bytecode"].as_str().unwrap().parse().unwrap()
}

fn token_code() -> Bytes {
    artifact(include_str!("../../../contracts/artifacts/TestToken.json"))
}

/// The test setup: a token held by the deployer, the paymasters funded with 1 ether each, and
/// a sender without ether holding tokens.
struct Setup {
    f: Fixture,
    token: Address,
    approval: Address,
    general: Address,
    wrong_magic: Address,
    underpays: Address,
    storage: Address,
    /// A key with no ether.
    user: PrivateKeySigner,
}

fn eip1559(
    signer: &PrivateKeySigner,
    nonce: u64,
    to: TxKind,
    value: U256,
    input: Bytes,
) -> Recovered<TxEnvelope> {
    support::sign(
        signer,
        TxEip1559 {
            chain_id: CHAIN_ID,
            nonce,
            gas_limit: 3_000_000,
            max_fee_per_gas: MAX_FEE,
            max_priority_fee_per_gas: TIP,
            to,
            value,
            input,
            ..Default::default()
        },
    )
}

fn deploy_input(code: Bytes, args: Vec<u8>) -> Bytes {
    [code.to_vec(), args].concat().into()
}

fn setup() -> Setup {
    let f = support::fixture(Arc::new(ZkStack::default()), CHAIN_ID, 1);
    let deployer = f.signers[0].clone();
    let user = PrivateKeySigner::from_bytes(&B256::repeat_byte(0x42)).unwrap();
    let one_ether = U256::from(10u64).pow(U256::from(18u64));
    let supply = U256::from(1_000_000u64);
    let paymasters = |name: &str| match name {
        "approval" => artifact(include_str!("../../../contracts/artifacts/ApprovalPaymaster.json")),
        "general" => artifact(include_str!("../../../contracts/artifacts/GeneralPaymaster.json")),
        _ => artifact(include_str!("../../../contracts/artifacts/FaultyPaymaster.json")),
    };
    let token = deployer.address().create(0);
    let txs = vec![
        eip1559(
            &deployer,
            0,
            TxKind::Create,
            U256::ZERO,
            deploy_input(token_code(), ("Fee", "FEE", supply).abi_encode_params()),
        ),
        eip1559(
            &deployer,
            1,
            TxKind::Create,
            one_ether,
            deploy_input(
                paymasters("approval"),
                (token, U256::from(TOKEN_FEE)).abi_encode_params(),
            ),
        ),
        eip1559(&deployer, 2, TxKind::Create, one_ether, paymasters("general")),
        eip1559(
            &deployer,
            3,
            TxKind::Create,
            one_ether,
            deploy_input(paymasters("faulty"), U256::from(1).abi_encode()),
        ),
        eip1559(
            &deployer,
            4,
            TxKind::Create,
            one_ether,
            deploy_input(paymasters("faulty"), U256::from(2).abi_encode()),
        ),
        eip1559(
            &deployer,
            5,
            TxKind::Call(token),
            U256::ZERO,
            transferCall { to: user.address(), amount: U256::from(100_000) }.abi_encode().into(),
        ),
        eip1559(
            &deployer,
            6,
            TxKind::Create,
            U256::ZERO,
            artifact(include_str!("../../../contracts/artifacts/Storage.json")),
        ),
    ];
    support::mine(&f.chain, 1, &txs);
    let address = |nonce| deployer.address().create(nonce);
    let setup = Setup {
        token,
        approval: address(1),
        general: address(2),
        wrong_magic: address(3),
        underpays: address(4),
        storage: address(6),
        user,
        f,
    };
    assert_eq!(balance(&setup.f.chain, setup.user.address()), U256::ZERO);
    assert_eq!(balance(&setup.f.chain, setup.approval), one_ether);
    setup
}

/// An EIP-712 transaction from `signer` to `to`, its fee paid by `paymaster` with `input`.
fn sponsored(
    signer: &PrivateKeySigner,
    nonce: u64,
    to: Address,
    input: Bytes,
    paymaster: Option<(Address, Bytes)>,
) -> Recovered<TxEnvelope> {
    let mut tx = TxEip712 {
        chain_id: CHAIN_ID,
        nonce,
        max_priority_fee_per_gas: TIP,
        max_fee_per_gas: MAX_FEE,
        gas_limit: GAS_LIMIT,
        to: TxKind::Call(to),
        value: U256::ZERO,
        input,
        v: CHAIN_ID,
        r: U256::ZERO,
        s: U256::ZERO,
        from: signer.address(),
        eip712_meta: Eip712Meta {
            gas_per_pubdata: U256::from(DEFAULT_GAS_PER_PUBDATA),
            paymaster_params: paymaster
                .map(|(paymaster, paymaster_input)| PaymasterParams { paymaster, paymaster_input }),
            ..Default::default()
        },
    };
    let signature = signer.sign_hash_sync(&tx.signing_hash()).unwrap();
    tx.eip712_meta.custom_signature = Bytes::from(signature.as_bytes().to_vec());
    Recovered::new_unchecked(tx.into(), signer.address())
}

fn approval_input(token: Address, min_allowance: u64) -> Bytes {
    approvalBasedCall {
        _token: token,
        _minAllowance: U256::from(min_allowance),
        _innerInput: Bytes::new(),
    }
    .abi_encode()
    .into()
}

fn general_input() -> Bytes {
    generalCall { input: Bytes::new() }.abi_encode().into()
}

/// Builds and commits the next block with `txs`, whatever it leaves out.
fn build(chain: &Chain, txs: &[Recovered<TxEnvelope>]) -> ExecutedBlock {
    let head = chain.head();
    let attributes = BlockAttributes {
        timestamp: head.header.timestamp + 1,
        beneficiary: BENEFICIARY,
        prevrandao: keccak256(head.hash),
        gas_limit: 30_000_000,
        l1: None,
    };
    let (block, applied) =
        chain.build_block(&attributes, txs.iter().map(|tx| tx.as_recovered_ref())).unwrap();
    chain.commit_block(&block, &applied).unwrap();
    block
}

fn token_balance(s: &Setup, owner: Address) -> U256 {
    U256::abi_decode(&call(&s.f.chain, s.token, balanceOfCall { account: owner }.abi_encode()))
        .unwrap()
}

fn nonce(chain: &Chain, address: Address) -> u64 {
    let reader = chain.reader().unwrap();
    reader.account(&address).unwrap().map(|account| account.nonce).unwrap_or_default()
}

/// The gas price of this chain's blocks: the base fee (constant at these loads) plus the tip.
fn price(block: &ExecutedBlock) -> U256 {
    let base = block.block.header.base_fee_per_gas.unwrap();
    U256::from(u128::from(base) + TIP)
}

fn decode<E: SolEvent>(logs: &[Log]) -> Vec<E> {
    logs.iter().filter_map(|log| E::decode_log(log).ok().map(|event| event.data)).collect()
}

/// Who the sponsored token transfers pay.
const RECIPIENT: Address = Address::repeat_byte(0x77);

/// The user's first transaction: 5,000 tokens to [`RECIPIENT`], the fee paid by the approval
/// paymaster (the account approving it first), in a block of its own.
fn approval_based_transfer(s: &Setup) -> ExecutedBlock {
    let tx = sponsored(
        &s.user,
        0,
        s.token,
        transferCall { to: RECIPIENT, amount: U256::from(5_000) }.abi_encode().into(),
        Some((s.approval, approval_input(s.token, TOKEN_FEE))),
    );
    let block = build(&s.f.chain, &[tx]);
    assert!(block.skipped.is_empty(), "{:?}", block.skipped);
    block
}

#[test]
fn approval_based_flow_takes_the_token_fee_and_the_paymaster_pays_the_gas() {
    let s = setup();
    let (user, to) = (s.user.address(), RECIPIENT);
    let paymaster_ether = balance(&s.f.chain, s.approval);
    let beneficiary_before = balance(&s.f.chain, BENEFICIARY);
    let block = approval_based_transfer(&s);
    let receipt = &block.block.receipts[0];
    assert!(receipt.status());
    let gas_used = receipt.cumulative_gas_used();
    println!("approval-based paymaster token transfer (first, with the approvals): {gas_used} gas");
    assert_eq!(block.block.header.gas_used, gas_used);
    assert!(gas_used < GAS_LIMIT);

    // The token fee moved to the paymaster, the transfer to its recipient.
    assert_eq!(token_balance(&s, user), U256::from(100_000 - 5_000 - TOKEN_FEE));
    assert_eq!(token_balance(&s, s.approval), U256::from(TOKEN_FEE));
    assert_eq!(token_balance(&s, to), U256::from(5_000));
    // The account approved the paymaster (approve(0), approve(fee)); the paymaster spent it.
    let allowance =
        call(&s.f.chain, s.token, allowanceCall { owner: user, spender: s.approval }.abi_encode());
    assert_eq!(U256::abi_decode(&allowance).unwrap(), U256::ZERO);
    let approvals = decode::<Approval>(receipt.logs());
    assert_eq!(
        approvals.len(),
        2,
        "approve(0), approve(fee) (OpenZeppelin 5's transferFrom emits none)"
    );
    assert_eq!(approvals[0].value, U256::ZERO);
    assert_eq!(approvals[1].value, U256::from(TOKEN_FEE));
    let transfers = decode::<Transfer>(receipt.logs());
    assert_eq!(transfers.len(), 2);
    assert_eq!((transfers[0].from, transfers[0].to), (user, s.approval));
    assert_eq!(transfers[1].to, to);
    // postTransaction ran with the gas left.
    let posts = decode::<PostTransaction>(receipt.logs());
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].result, 1);

    // The sender paid nothing; the paymaster paid exactly gasUsed at the gas price (it paid
    // gasLimit * maxFeePerGas and got the rest back); the beneficiary got the tip.
    assert_eq!(balance(&s.f.chain, user), U256::ZERO);
    assert_eq!(nonce(&s.f.chain, user), 1);
    let fee = U256::from(gas_used) * price(&block);
    assert_eq!(balance(&s.f.chain, s.approval), paymaster_ether - fee);
    assert_eq!(
        balance(&s.f.chain, BENEFICIARY) - beneficiary_before,
        U256::from(gas_used) * U256::from(TIP)
    );
    assert_eq!(balance(&s.f.chain, BOOTLOADER_FORMAL_ADDRESS), U256::ZERO);

    // A second transaction: the allowance is spent again, the approval repeated.
    let tx = sponsored(
        &s.user,
        1,
        s.token,
        transferCall { to, amount: U256::from(1) }.abi_encode().into(),
        Some((s.approval, approval_input(s.token, TOKEN_FEE))),
    );
    let second = build(&s.f.chain, &[tx]);
    assert!(second.skipped.is_empty(), "{:?}", second.skipped);
    assert_eq!(token_balance(&s, s.approval), U256::from(2 * TOKEN_FEE));
}

#[test]
fn general_flow_sponsors_a_sender_without_ether_and_refunds_the_paymaster() {
    let s = setup();
    let user = s.user.address();
    let paymaster_ether = balance(&s.f.chain, s.general);
    let tx = sponsored(
        &s.user,
        0,
        s.storage,
        setCall { key: U256::from(1), value: U256::from(42) }.abi_encode().into(),
        Some((s.general, general_input())),
    );
    let block = build(&s.f.chain, &[tx]);
    assert!(block.skipped.is_empty(), "{:?}", block.skipped);
    let receipt = &block.block.receipts[0];
    assert!(receipt.status());
    let stored = call(&s.f.chain, s.storage, valuesCall { key: U256::from(1) }.abi_encode());
    assert_eq!(U256::abi_decode(&stored).unwrap(), U256::from(42));
    assert_eq!(balance(&s.f.chain, user), U256::ZERO);

    // Of the gasLimit * maxFeePerGas it paid, the paymaster got back all but gasUsed at the
    // gas price: the excess over gasLimit * gasPrice at once, the unused gas after the call.
    let gas_used = receipt.cumulative_gas_used();
    let fee = U256::from(gas_used) * price(&block);
    assert_eq!(balance(&s.f.chain, s.general), paymaster_ether - fee);
    let refunded = U256::from(GAS_LIMIT) * U256::from(MAX_FEE) - fee;
    assert!(refunded > U256::ZERO);
    // postTransaction was told the most it could be refunded: the gas left before it ran.
    let posts = decode::<PostTransaction>(receipt.logs());
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].from, user);
    let max_refunded = posts[0].maxRefundedGas.to::<u64>();
    assert!(max_refunded > GAS_LIMIT - gas_used, "postTransaction's own gas is the transaction's");
    assert!(max_refunded < GAS_LIMIT);
}

#[test]
fn sponsored_and_unsponsored_transfers_compare() {
    let s = setup();
    // Two transfers to fresh recipients from senders holding tokens: the deployer's own
    // EIP-712 transfer, no paymaster (it pays, as before), and the user's, sponsored.
    let input = |to: u8| -> Bytes {
        transferCall { to: Address::repeat_byte(to), amount: U256::from(10) }.abi_encode().into()
    };
    let own = sponsored(&s.f.signers[0], 7, s.token, input(0x77), None);
    let sponsored = sponsored(&s.user, 0, s.token, input(0x78), Some((s.general, general_input())));
    let block = build(&s.f.chain, &[own, sponsored]);
    assert!(block.skipped.is_empty(), "{:?}", block.skipped);
    let receipts = &block.block.receipts;
    let own_gas = receipts[0].cumulative_gas_used();
    let sponsored_gas = receipts[1].cumulative_gas_used() - own_gas;
    println!(
        "unsponsored 0x71 token transfer: {own_gas} gas; general-paymaster one: {sponsored_gas} gas"
    );
    assert!(sponsored_gas > own_gas, "the paymaster's validation and postTransaction cost gas");
    assert_eq!(block.block.header.gas_used, own_gas + sponsored_gas);
}

/// The paymaster's ether, the sender's nonce and tokens, after a refused transaction.
fn untouched(s: &Setup, paymaster: Address, block: &ExecutedBlock, reason: &str) {
    assert!(block.block.transactions.is_empty());
    let [Skipped::Invalid(_, message)] = block.skipped.as_slice() else {
        panic!("one invalid transaction: {:?}", block.skipped)
    };
    assert!(message.contains("paymaster validation failed"), "{message}");
    assert!(message.contains(reason), "{message}");
    let one_ether = U256::from(10u64).pow(U256::from(18u64));
    assert_eq!(balance(&s.f.chain, paymaster), one_ether);
    assert_eq!(nonce(&s.f.chain, s.user.address()), 0);
    assert_eq!(token_balance(s, s.user.address()), U256::from(100_000));
    assert_eq!(balance(&s.f.chain, BOOTLOADER_FORMAL_ADDRESS), U256::ZERO);
}

#[test]
fn a_paymaster_returning_a_wrong_magic_is_refused_and_nothing_is_charged() {
    let s = setup();
    let tx = sponsored(
        &s.user,
        0,
        s.storage,
        setCall { key: U256::from(1), value: U256::from(1) }.abi_encode().into(),
        Some((s.wrong_magic, general_input())),
    );
    let block = build(&s.f.chain, &[tx]);
    untouched(&s, s.wrong_magic, &block, "returned magic 0xdeadbeef");
}

#[test]
fn a_paymaster_paying_too_little_is_refused_and_nothing_is_charged() {
    let s = setup();
    let tx = sponsored(
        &s.user,
        0,
        s.storage,
        setCall { key: U256::from(1), value: U256::from(1) }.abi_encode().into(),
        Some((s.underpays, general_input())),
    );
    let block = build(&s.f.chain, &[tx]);
    untouched(&s, s.underpays, &block, "less than gasLimit * gasPrice");
}

#[test]
fn an_approval_the_paymaster_refuses_leaves_no_approval_behind() {
    let s = setup();
    // The approval paymaster takes only the approvalBased flow, and only of its token.
    let general = sponsored(&s.user, 0, s.token, Bytes::new(), Some((s.approval, general_input())));
    let block = build(&s.f.chain, &[general]);
    untouched(&s, s.approval, &block, "refused the transaction");
    // Allowing less than the fee: the account's approval ran, then the paymaster reverted;
    // the approval is undone with the rest.
    let low = sponsored(
        &s.user,
        0,
        s.token,
        Bytes::new(),
        Some((s.approval, approval_input(s.token, 1))),
    );
    let block = build(&s.f.chain, &[low]);
    untouched(&s, s.approval, &block, "refused the transaction");
    let allowance = call(
        &s.f.chain,
        s.token,
        allowanceCall { owner: s.user.address(), spender: s.approval }.abi_encode(),
    );
    assert_eq!(U256::abi_decode(&allowance).unwrap(), U256::ZERO);
}

#[test]
fn an_unknown_paymaster_flow_is_refused() {
    let s = setup();
    let tx = sponsored(
        &s.user,
        0,
        s.storage,
        Bytes::new(),
        Some((s.general, Bytes::from_static(&[0xde, 0xad, 0xbe, 0xef]))),
    );
    let block = build(&s.f.chain, &[tx]);
    untouched(&s, s.general, &block, "unsupported paymaster flow 0xdeadbeef");
    assert_ne!(APPROVAL_BASED_SELECTOR, GENERAL_SELECTOR);
    // An approvalBased input without its token and allowance.
    let short = Bytes::from(APPROVAL_BASED_SELECTOR.to_vec());
    let tx = sponsored(&s.user, 0, s.storage, Bytes::new(), Some((s.general, short)));
    let block = build(&s.f.chain, &[tx]);
    untouched(&s, s.general, &block, "at least 68 bytes long");
}

#[test]
fn the_pool_side_check_runs_the_paymaster_validation() {
    let s = setup();
    let bad =
        sponsored(&s.user, 0, s.storage, Bytes::new(), Some((s.wrong_magic, general_input())));
    let refused = s.f.chain.validate_transaction(bad.as_recovered_ref()).unwrap();
    let message = refused.expect_err("a wrong magic is refused");
    assert!(message.contains("paymaster validation failed"), "{message}");
    let good = sponsored(&s.user, 0, s.storage, Bytes::new(), Some((s.general, general_input())));
    s.f.chain.validate_transaction(good.as_recovered_ref()).unwrap().unwrap();
    // A transaction that follows a pending one of its sender (nonce 1) is checked too.
    let next = sponsored(&s.user, 1, s.storage, Bytes::new(), Some((s.general, general_input())));
    s.f.chain.validate_transaction(next.as_recovered_ref()).unwrap().unwrap();
    // Nothing of either check reached the state.
    assert_eq!(nonce(&s.f.chain, s.user.address()), 0);
    assert_eq!(balance(&s.f.chain, s.general), U256::from(10u64).pow(U256::from(18u64)));
}

/// `tx` with `gas` as its gas limit, signed again by `signer`.
fn with_gas(tx: &Recovered<TxEnvelope>, signer: &PrivateKeySigner, gas: u64) -> TxEnvelope {
    let mut tx = TxEip712 { gas_limit: gas, ..tx.inner().as_eip712().unwrap().inner().clone() };
    let signature = signer.sign_hash_sync(&tx.signing_hash()).unwrap();
    tx.eip712_meta.custom_signature = Bytes::from(signature.as_bytes().to_vec());
    tx.into()
}

#[test]
fn a_sponsored_transaction_is_estimated_whole_validation_and_approvals_included() {
    let s = setup();
    let user = s.user.address();
    let input: Bytes = transferCall { to: Address::repeat_byte(0x77), amount: U256::from(5_000) }
        .abi_encode()
        .into();
    let tx = sponsored(
        &s.user,
        0,
        s.token,
        input.clone(),
        Some((s.approval, approval_input(s.token, TOKEN_FEE))),
    );
    let at = |gas| with_gas(&tx, &s.user, gas);
    let estimate = s.f.chain.estimate_transaction(user, 30_000_000, at).unwrap();
    // The call alone (what eth_estimateGas of a plain request finds) needs less: the account's
    // approvals and the paymaster's validation are not in it.
    let request = alloy_rpc_types_eth::TransactionRequest::default()
        .from(user)
        .to(s.token)
        .input(input.into());
    let call_alone = s.f.chain.estimate_gas(request, s.f.chain.head().header.number, None).unwrap();
    println!("sponsored transfer: estimated {estimate} gas, its call alone {call_alone}");
    assert!(estimate > call_alone + 20_000, "{estimate} vs {call_alone}");
    // The estimate is the least gas that succeeds.
    let outcome = |gas| s.f.chain.validate_transaction(Recovered::new_unchecked(&at(gas), user));
    assert!(matches!(outcome(estimate).unwrap(), Ok(Some(ExecutionResult::Success { .. }))));
    assert!(!matches!(outcome(estimate - 1).unwrap(), Ok(Some(ExecutionResult::Success { .. }))));
    // And a block runs the transaction at that gas: the transfer succeeds.
    let block = build(&s.f.chain, &[Recovered::new_unchecked(at(estimate), user)]);
    assert!(block.skipped.is_empty(), "{:?}", block.skipped);
    assert!(block.block.receipts[0].status());
    assert_eq!(token_balance(&s, Address::repeat_byte(0x77)), U256::from(5_000));
    // A paymaster that refuses makes the estimate fail with its reason.
    let refused =
        sponsored(&s.user, 1, s.token, Bytes::new(), Some((s.wrong_magic, general_input())));
    let err =
        s.f.chain.estimate_transaction(user, 30_000_000, |gas| with_gas(&refused, &s.user, gas));
    let message = err.unwrap_err().to_string();
    assert!(message.contains("paymaster validation failed"), "{message}");
}

#[test]
fn a_sponsored_transaction_traces_every_call_of_its_flow_in_the_bootloader_frame() {
    use alloy_rpc_types_trace::geth::{
        GethDebugBuiltInTracerType, GethDebugTracingOptions, GethTrace,
    };
    let s = setup();
    let user = s.user.address();
    let block = approval_based_transfer(&s);
    let hash = block.block.tx_hashes[0];
    let gas_used = block.block.receipts[0].cumulative_gas_used();

    let opts = GethDebugTracingOptions::default()
        .with_tracer(GethDebugBuiltInTracerType::CallTracer.into());
    let GethTrace::CallTracer(root) = s.f.chain.trace_transaction(hash, opts).unwrap() else {
        panic!("callTracer returns a call frame");
    };
    assert_eq!((root.from, root.to), (Address::ZERO, Some(BOOTLOADER_FORMAL_ADDRESS)));
    assert_eq!(root.gas, U256::from(GAS_LIMIT));
    assert_eq!(root.gas_used, U256::from(gas_used), "the frame's gas is the receipt's");
    assert!(root.error.is_none(), "{:?}", root.error);
    let selector = |input: &Bytes| input[..4].to_vec();
    let calls: Vec<_> = root
        .calls
        .iter()
        .map(|call| (call.from, call.to.unwrap(), selector(&call.input)))
        .collect();
    let (validate, post) = (PAYMASTER_VALIDATION_SUCCESS_MAGIC, POST_TRANSACTION_SELECTOR);
    assert_eq!(
        calls,
        vec![
            (user, s.token, allowanceCall::SELECTOR.to_vec()),
            (user, s.token, approveCall::SELECTOR.to_vec()),
            (user, s.token, approveCall::SELECTOR.to_vec()),
            (BOOTLOADER_FORMAL_ADDRESS, s.approval, validate.to_vec()),
            (user, s.token, transferCall::SELECTOR.to_vec()),
            (BOOTLOADER_FORMAL_ADDRESS, s.approval, post.to_vec()),
        ],
        "the account's approvals, the paymaster's validation, the call, postTransaction"
    );
    // The paymaster's validation took its fee in tokens and paid the bootloader.
    let validation = &root.calls[3];
    assert!(validation.calls.iter().any(|call| call.to == Some(s.token)));
    assert!(validation.calls.iter().any(|call| call.to == Some(BOOTLOADER_FORMAL_ADDRESS)
        && call.value.is_some_and(|value| value > U256::ZERO)));

    // The struct logger replays the same flow: its gas is the receipt's.
    let GethTrace::Default(frame) = s.f.chain.trace_transaction(hash, Default::default()).unwrap()
    else {
        panic!("the struct logger is the default tracer");
    };
    assert!(!frame.failed);
    assert_eq!(frame.gas, gas_used);
    assert!(frame.struct_logs.iter().any(|log| log.op == "CALL"), "the paymaster's calls");
}
