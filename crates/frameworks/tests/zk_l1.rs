//! ZK Stack's L1 entry points (`contracts/src/settlement/zk`, compiled artifacts) on an
//! `ethereum` chain in process, against a `zk-stack` chain in process: a deposit through
//! `ZkBridgehub.requestL2TransactionDirect` emits ZK Stack's `NewPriorityRequest`, whose
//! transaction the L2 decodes, hashes as the Mailbox did and executes; an L2BaseToken withdrawal
//! on L2 is finalized on L1 by `ZkSharedBridge.finalizeDeposit` (zksync-ethers' call) against the
//! batch's logs root proposed through the core, after the challenge window, and only once.
//! Every refusal on the way has its test.

use alloy_consensus::{TxEip1559, TxReceipt, transaction::Recovered};
use alloy_primitives::{Address, B256, Bytes, Log, TxKind, U256, keccak256};
use alloy_rpc_types_eth::TransactionRequest;
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, SolError, SolEvent, SolValue, sol};
use serde_json::Value;
use std::sync::Arc;
use support::{Fixture, balance, sign};
use tephra_chain::{CallError, Chain, ExecutedBlock};
use tephra_frameworks::{Ethereum, ZkStack};
use tephra_primitives::{
    TxEnvelope, TxType,
    tx::TxPriority,
    zk::{L2_BASE_TOKEN, batch_logs, batch_logs_root, logs_tree, withdrawal_message},
};

mod support;

sol! {
    struct FeeParams {
        uint8 pubdataPricingMode;
        uint32 batchOverheadL1Gas;
        uint32 maxPubdataPerBatch;
        uint32 maxL2GasPerBatch;
        uint32 priorityTxMaxPubdata;
        uint64 minimalL2GasPrice;
    }
    struct L2TransactionRequestDirect {
        uint256 chainId;
        uint256 mintValue;
        address l2Contract;
        uint256 l2Value;
        bytes l2Calldata;
        uint256 l2GasLimit;
        uint256 l2GasPerPubdataByteLimit;
        bytes[] factoryDeps;
        address refundRecipient;
    }
    struct FinalizeL1DepositParams {
        uint256 chainId;
        uint256 l2BatchNumber;
        uint256 l2MessageIndex;
        address l2Sender;
        uint16 l2TxNumberInBatch;
        bytes message;
        bytes32[] merkleProof;
    }
    function setEntryPoint(address entryPoint, bool enabled) external;
    function forward(address target, bytes data) external payable returns (bytes);
    function depositDigest(uint256 index) external view returns (bytes32);
    function depositCount() external view returns (uint256);
    function setSharedBridge(address sharedBridge) external;
    function registerAlreadyDeployedZKChain(uint256 chainId, address zkChain) external;
    function requestL2TransactionDirect(L2TransactionRequestDirect request) external payable returns (bytes32);
    function l2TransactionBaseCost(uint256 chainId, uint256 gasPrice, uint256 l2GasLimit, uint256 l2GasPerPubdataByteLimit) external view returns (uint256);
    function getZKChain(uint256 chainId) external view returns (address);
    function getHyperchain(uint256 chainId) external view returns (address);
    function baseToken(uint256 chainId) external view returns (address);
    function sharedBridge() external view returns (address);
    function L1_NULLIFIER() external view returns (address);
    function proposeBatchRoot(uint256 batchNumber, bytes32 l2LogsRootHash) external returns (uint256);
    function l2LogsRootHash(uint256 batchNumber) external view returns (bytes32);
    function finalizeDeposit(FinalizeL1DepositParams params) external;
    function isWithdrawalFinalized(uint256 chainId, uint256 l2BatchNumber, uint256 l2MessageIndex) external view returns (bool);
    function proveL1ToL2TransactionStatus(bytes32 l2TxHash, uint256 l2BatchNumber, uint256 l2MessageIndex, uint16 l2TxNumberInBatch, bytes32[] merkleProof, uint8 status) external view returns (bool);

    event WithdrawalFinalizedSharedBridge(uint256 indexed chainId, address indexed to, address indexed l1Token, uint256 amount);

    error MsgValueMismatch(uint256 expectedMsgValue, uint256 providedMsgValue);
    error MsgValueTooLow(uint256 required, uint256 provided);
    error GasPerPubdataMismatch();
    error TooMuchGas();
    error PriorityGasExhausted(uint256 requested, uint256 available);
    error ZKChainNotRegistered(uint256 chainId);
    error CommitmentNotFinalized(uint256 index, uint256 finalizedAt);
    error WithdrawalAlreadyFinalized(bytes32 withdrawalId);
    error InvalidProof();
    error WrongL2Sender(address sender);
    error InvalidSelector(bytes4 selector);
    error L2WithdrawalMessageWrongLength(uint256 length);
    error BatchNotCommitted(uint256 batchNumber);
    error MerklePathLengthMismatch(uint256 pathLength, uint256 expectedLength);
    error NotProposer(address caller);
    error UnexpectedEth(address sender);

    function approve(address spender, uint256 value) external returns (bool);
    function transfer(address to, uint256 value) external returns (bool);
    function balanceOf(address account) external view returns (uint256);
    function baseTokenAssetId(uint256 chainId) external view returns (bytes32);
    function bridgehubDepositBaseToken(uint256 chainId, bytes32 assetId, address originalCaller, uint256 amount) external payable;
    function requestL2Transaction(address contractL2, uint256 l2Value, bytes l2Calldata, uint256 l2GasLimit, uint256 l2GasPerPubdataByteLimit, bytes[] factoryDeps, address refundRecipient) external payable returns (bytes32);
    error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed);
    error AmountNotRepresentable(uint256 l2Amount);
    error Unauthorized(address caller);
}

/// The L2 chain id, and the L1's.
const L2_CHAIN_ID: u64 = 260;
const L1_CHAIN_ID: u64 = 1337;
/// The core's challenge window, in seconds.
const WINDOW: u64 = 100;
/// ZK Stack's default fee parameters.
const FEES: FeeParams = FeeParams {
    pubdataPricingMode: 0,
    batchOverheadL1Gas: 1_000_000,
    maxPubdataPerBatch: 120_000,
    maxL2GasPerBatch: 80_000_000,
    priorityTxMaxPubdata: 99_000,
    minimalL2GasPrice: 250_000_000,
};
/// The L1 fee cap of every L1 transaction here; `l2TransactionBaseCost` is asked at it.
const L1_MAX_FEE: u128 = 10_000_000_000;

fn artifact(json: &str) -> Bytes {
    let artifact: Value = serde_json::from_str(json).unwrap();
    artifact["bytecode"].as_str().unwrap().parse().unwrap()
}

/// The L1 with its contracts deployed and wired as the README says.
struct L1 {
    f: Fixture,
    nonces: Vec<u64>,
    core: Address,
    bridgehub: Address,
    chain: Address,
    shared: Address,
    /// The core's ERC-20 gas token (the chain's base token), or zero for ether.
    token: Address,
}

impl L1 {
    fn owner(&self) -> &PrivateKeySigner {
        &self.f.signers[0]
    }

    fn proposer(&self) -> &PrivateKeySigner {
        &self.f.signers[1]
    }

    fn user(&self) -> &PrivateKeySigner {
        &self.f.signers[2]
    }

    /// A transaction from signer `who` to `to`.
    fn tx(&mut self, who: usize, to: TxKind, value: U256, input: Vec<u8>) -> Recovered<TxEnvelope> {
        let nonce = self.nonces[who];
        self.nonces[who] += 1;
        sign(
            &self.f.signers[who],
            TxEip1559 {
                chain_id: L1_CHAIN_ID,
                nonce,
                gas_limit: 5_000_000,
                max_fee_per_gas: L1_MAX_FEE,
                max_priority_fee_per_gas: 1_000_000_000,
                to,
                value,
                input: input.into(),
                ..Default::default()
            },
        )
    }

    fn mine(&self, seconds: u64, txs: &[Recovered<TxEnvelope>]) -> ExecutedBlock {
        support::mine(&self.f.chain, seconds, txs)
    }

    /// Sends one transaction in its own block; returns its receipt's success and logs.
    fn send(&mut self, who: usize, to: Address, value: U256, input: Vec<u8>) -> (bool, Vec<Log>) {
        let tx = self.tx(who, TxKind::Call(to), value, input);
        let block = self.mine(1, &[tx]);
        let receipt = &block.block.receipts[0];
        (receipt.status(), receipt.logs().to_vec())
    }

    fn call(&self, to: Address, input: Vec<u8>) -> Bytes {
        support::call(&self.f.chain, to, input)
    }

    /// The selector a call from `who` reverts with, at the L1 gas price the transactions here
    /// pay at most (which the Mailbox prices L2 gas from).
    fn revert_of(&self, who: usize, to: Address, value: U256, input: Vec<u8>) -> [u8; 4] {
        let request = TransactionRequest::default()
            .from(self.f.signers[who].address())
            .gas_price(L1_MAX_FEE)
            .to(to)
            .value(value)
            .input(input.into());
        match self.f.chain.call(request, self.f.chain.head().header.number, None, None) {
            Err(CallError::Reverted(data)) => data[..4].try_into().expect("a custom error"),
            other => panic!("expected a revert, got {other:?}"),
        }
    }
}

fn deploy_l1() -> L1 {
    deploy_l1_with(None)
}

/// Test tokens each account gets on an L1 whose chain's base token is an ERC-20.
const TOKENS_PER_ACCOUNT: u64 = 1_000_000_000_000;

/// The L1 as [`deploy_l1`] deploys it; with `decimals`, the core's gas token (the chain's base
/// token) is a fresh ERC-20 of that many decimals, of which every account has some.
fn deploy_l1_with(decimals: Option<u8>) -> L1 {
    let f = support::fixture(Arc::new(Ethereum), L1_CHAIN_ID, 3);
    let mut l1 = L1 {
        f,
        nonces: vec![0; 3],
        core: Address::ZERO,
        bridgehub: Address::ZERO,
        chain: Address::ZERO,
        shared: Address::ZERO,
        token: Address::ZERO,
    };
    let owner = l1.owner().address();
    let proposer = l1.proposer().address();
    let mut txs = Vec::new();
    if let Some(decimals) = decimals {
        let supply = U256::from(TOKENS_PER_ACCOUNT) * U256::from(3);
        let args =
            ("USD Coin (test)".to_string(), "USDC".to_string(), U256::from(decimals), supply);
        let code = [
            artifact(include_str!("../../../contracts/artifacts/TestTokenDecimals.json")).to_vec(),
            args.abi_encode_params(),
        ]
        .concat();
        l1.token = owner.create(0);
        txs.push(l1.tx(0, TxKind::Create, U256::ZERO, code));
    }
    let first = l1.nonces[0];
    let core_args = (
        U256::from(L2_CHAIN_ID),
        owner,
        proposer,
        U256::from(WINDOW),
        l1.token,
        U256::from(decimals.unwrap_or(18)),
    );
    let core_code = [
        artifact(include_str!("../../../contracts/artifacts/RollupCore.json")).to_vec(),
        core_args.abi_encode_params(),
    ]
    .concat();
    l1.core = owner.create(first);
    l1.bridgehub = owner.create(first + 1);
    l1.chain = owner.create(first + 2);
    l1.shared = owner.create(first + 3);
    let bridgehub_code = [
        artifact(include_str!("../../../contracts/artifacts/ZkBridgehub.json")).to_vec(),
        owner.abi_encode(),
    ]
    .concat();
    let chain_code = [
        artifact(include_str!("../../../contracts/artifacts/ZkChain.json")).to_vec(),
        (l1.core, l1.bridgehub, FEES, U256::from(16_000_000u64)).abi_encode_params(),
    ]
    .concat();
    let shared_code = [
        artifact(include_str!("../../../contracts/artifacts/ZkSharedBridge.json")).to_vec(),
        l1.bridgehub.abi_encode(),
    ]
    .concat();
    let (core, chain, shared) = (l1.core, l1.chain, l1.shared);
    txs.extend([
        l1.tx(0, TxKind::Create, U256::ZERO, core_code),
        l1.tx(0, TxKind::Create, U256::ZERO, bridgehub_code),
        l1.tx(0, TxKind::Create, U256::ZERO, chain_code),
        l1.tx(0, TxKind::Create, U256::ZERO, shared_code),
        l1.tx(
            0,
            TxKind::Call(core),
            U256::ZERO,
            setEntryPointCall { entryPoint: chain, enabled: true }.abi_encode(),
        ),
        l1.tx(
            0,
            TxKind::Call(core),
            U256::ZERO,
            setEntryPointCall { entryPoint: shared, enabled: true }.abi_encode(),
        ),
        l1.tx(
            0,
            TxKind::Call(l1.bridgehub),
            U256::ZERO,
            setSharedBridgeCall { sharedBridge: shared }.abi_encode(),
        ),
        l1.tx(
            0,
            TxKind::Call(l1.bridgehub),
            U256::ZERO,
            registerAlreadyDeployedZKChainCall { chainId: U256::from(L2_CHAIN_ID), zkChain: chain }
                .abi_encode(),
        ),
    ]);
    if decimals.is_some() {
        for who in 1..3 {
            let to = l1.f.signers[who].address();
            let transfer = transferCall { to, value: U256::from(TOKENS_PER_ACCOUNT) }.abi_encode();
            let token = l1.token;
            txs.push(l1.tx(0, TxKind::Call(token), U256::ZERO, transfer));
        }
    }
    let block = l1.mine(1, &txs);
    for (i, receipt) in block.block.receipts.iter().enumerate() {
        assert!(receipt.status(), "deployment step {i} failed");
    }
    l1
}

fn base_cost(l1: &L1, gas_limit: u64) -> U256 {
    let call = l2TransactionBaseCostCall {
        chainId: U256::from(L2_CHAIN_ID),
        gasPrice: U256::from(L1_MAX_FEE),
        l2GasLimit: U256::from(gas_limit),
        l2GasPerPubdataByteLimit: U256::from(800),
    };
    U256::abi_decode(&l1.call(l1.bridgehub, call.abi_encode())).unwrap()
}

fn deposit_request(
    to: Address,
    value: U256,
    gas_limit: u64,
    mint: U256,
) -> L2TransactionRequestDirect {
    L2TransactionRequestDirect {
        chainId: U256::from(L2_CHAIN_ID),
        mintValue: mint,
        l2Contract: to,
        l2Value: value,
        l2Calldata: Bytes::new(),
        l2GasLimit: U256::from(gas_limit),
        l2GasPerPubdataByteLimit: U256::from(800),
        factoryDeps: Vec::new(),
        refundRecipient: Address::ZERO,
    }
}

/// The transaction of the `NewPriorityRequest` among `logs`, emitted by `chain`.
fn priority_of(logs: &[Log], chain: Address) -> TxPriority {
    let log = logs
        .iter()
        .find(|log| {
            log.address == chain && log.topics()[0] == TxPriority::NEW_PRIORITY_REQUEST_TOPIC
        })
        .expect("NewPriorityRequest emitted");
    TxPriority::from_new_priority_request(&log.data.data).expect("a well-formed priority request")
}

fn l2_mine(l2: &Chain, txs: &[Recovered<TxEnvelope>]) -> ExecutedBlock {
    support::mine(l2, 1, txs)
}

#[test]
fn the_bridgehub_answers_what_zksync_ethers_reads() {
    let l1 = deploy_l1();
    let chain_id = U256::from(L2_CHAIN_ID);
    let read = |to, input: Vec<u8>| Address::abi_decode(&l1.call(to, input)).unwrap();
    assert_eq!(read(l1.bridgehub, getZKChainCall { chainId: chain_id }.abi_encode()), l1.chain);
    assert_eq!(read(l1.bridgehub, getHyperchainCall { chainId: chain_id }.abi_encode()), l1.chain);
    assert_eq!(
        read(l1.bridgehub, baseTokenCall { chainId: chain_id }.abi_encode()),
        Address::with_last_byte(1)
    );
    assert_eq!(read(l1.bridgehub, sharedBridgeCall {}.abi_encode()), l1.shared);
    assert_eq!(read(l1.shared, L1_NULLIFIERCall {}.abi_encode()), l1.shared);
    // The base cost is the derived L2 gas price times the gas: at 10 gwei on L1, ZK Stack's
    // formula gives max(0.25 gwei + 10 gwei * 1e6 / 80e6, ceil((17 + 1e6 / 120e3) * 10 gwei / 800)).
    let l1_price = U256::from(L1_MAX_FEE);
    let overhead = U256::from(1_000_000u64) * l1_price;
    let l2_price = (U256::from(250_000_000u64) + overhead / U256::from(80_000_000u64)).max(
        (U256::from(17u64) * l1_price + overhead / U256::from(120_000u64))
            .div_ceil(U256::from(800u64)),
    );
    assert_eq!(base_cost(&l1, 300_000), l2_price * U256::from(300_000u64));
    let unknown = getZKChainCall { chainId: U256::from(1) }.abi_encode();
    assert_eq!(Address::abi_decode(&l1.call(l1.bridgehub, unknown)).unwrap(), Address::ZERO);
}

#[test]
fn a_deposit_is_queued_in_the_core_and_runs_on_l2_under_the_mailboxs_hash() {
    let mut l1 = deploy_l1();
    let l2 = support::fixture(Arc::new(ZkStack::default()), L2_CHAIN_ID, 1);
    let user = l1.user().address();
    let value = U256::from(10u64.pow(18));
    let gas_limit = 300_000;
    let mint = base_cost(&l1, gas_limit) + value;
    let input =
        requestL2TransactionDirectCall { request: deposit_request(user, value, gas_limit, mint) };
    let core_before = balance(&l1.f.chain, l1.core);
    let (ok, logs) = l1.send(2, l1.bridgehub, mint, input.abi_encode());
    assert!(ok);

    // ZK Stack's event, decoded and checked as zksync-era reads it; the core holds the ETH and
    // the transaction's hash as deposit 0.
    let tx = priority_of(&logs, l1.chain);
    assert_eq!(tx.serial_id, 0);
    assert_eq!((tx.from, tx.to, tx.value, tx.to_mint()), (user, user, value, mint));
    assert_eq!(tx.refund_recipient(), user, "the sender is its own refund recipient");
    assert_eq!(tx.gas_limit, gas_limit);
    assert_eq!(U256::from(tx.gas_per_pubdata_byte_limit), U256::from(800));
    assert_eq!(balance(&l1.f.chain, l1.core), core_before + mint);
    let digest =
        B256::abi_decode(&l1.call(l1.core, depositDigestCall { index: U256::ZERO }.abi_encode()))
            .unwrap();
    assert_eq!(digest, tx.tx_hash());

    // On L2: minted to the depositor, the unused gas refunded to it; the L2 hash is the L1 one.
    let block = l2_mine(&l2.chain, &[Recovered::new_unchecked(tx.clone().into(), tx.from)]);
    assert_eq!(block.block.tx_hashes, vec![digest]);
    assert_eq!(block.block.receipts[0].tx_type, TxType::Priority);
    assert!(block.block.receipts[0].status());
    let fee =
        U256::from(block.block.receipts[0].cumulative_gas_used()) * U256::from(tx.max_fee_per_gas);
    assert_eq!(balance(&l2.chain, user), mint - fee);

    // A second deposit is the next serial id; from an L1 contract, its sender and refund
    // recipient are the contract's aliased address (AddressAliasHelper).
    let forwarder_code = artifact(include_str!("../../../contracts/artifacts/Forwarder.json"));
    let forwarder = user.create(l1.nonces[2]);
    let deploy = l1.tx(2, TxKind::Create, U256::ZERO, forwarder_code.to_vec());
    l1.mine(1, &[deploy]);
    let forward = forwardCall { target: l1.bridgehub, data: input.abi_encode().into() };
    let (ok, logs) = l1.send(2, forwarder, mint, forward.abi_encode());
    assert!(ok);
    let second = priority_of(&logs, l1.chain);
    assert_eq!(second.serial_id, 1);
    let offset =
        U256::from_be_slice(&alloy_primitives::hex!("1111000000000000000000000000000000001111"));
    let aliased =
        Address::from_word(B256::from(U256::from_be_slice(forwarder.as_slice()) + offset));
    assert_eq!(second.from, aliased);
    assert_eq!(second.refund_recipient(), aliased);
    let digest = depositDigestCall { index: U256::from(1) }.abi_encode();
    assert_eq!(B256::abi_decode(&l1.call(l1.core, digest)).unwrap(), second.tx_hash());
}

#[test]
fn the_bridgehub_and_mailbox_refuse_bad_requests() {
    let l1 = deploy_l1();
    let user = l1.user().address();
    let value = U256::from(1000);
    let cost = base_cost(&l1, 300_000);
    let request = |gas: u64, mint: U256| deposit_request(user, value, gas, mint);
    let call = |request| requestL2TransactionDirectCall { request }.abi_encode();
    // msg.value is not mintValue.
    assert_eq!(
        l1.revert_of(2, l1.bridgehub, cost, call(request(300_000, cost + value))),
        MsgValueMismatch::SELECTOR
    );
    // Too little for the gas and the value.
    assert_eq!(
        l1.revert_of(2, l1.bridgehub, cost, call(request(300_000, cost))),
        MsgValueTooLow::SELECTOR
    );
    // A gas per pubdata other than 800.
    let mut odd = request(300_000, cost + value);
    odd.l2GasPerPubdataByteLimit = U256::from(50_000);
    assert_eq!(
        l1.revert_of(2, l1.bridgehub, cost + value, call(odd)),
        GasPerPubdataMismatch::SELECTOR
    );
    // Above the chain's priority gas limit.
    let big = base_cost(&l1, 20_000_000) + value;
    assert_eq!(
        l1.revert_of(2, l1.bridgehub, big, call(request(20_000_000, big))),
        TooMuchGas::SELECTOR
    );
    // An unknown chain.
    let mut elsewhere = request(300_000, cost + value);
    elsewhere.chainId = U256::from(1);
    assert_eq!(
        l1.revert_of(2, l1.bridgehub, cost + value, call(elsewhere)),
        ZKChainNotRegistered::SELECTOR
    );
}

#[test]
fn one_l1_blocks_priority_transactions_ask_for_at_most_one_l2_block_of_gas() {
    // They all run in the L2 block that takes the L1 block: more would make it fail, and
    // stall the chain.
    let mut l1 = deploy_l1();
    let user = l1.user().address();
    let gas = 9_000_000; // of the chain's 16M: one fits, two do not
    let mint = base_cost(&l1, gas);
    let request =
        || requestL2TransactionDirectCall { request: deposit_request(user, U256::ZERO, gas, mint) };
    let first = l1.tx(2, TxKind::Call(l1.bridgehub), mint, request().abi_encode());
    let second = l1.tx(2, TxKind::Call(l1.bridgehub), mint, request().abi_encode());
    let block = l1.mine(1, &[first, second]);
    let statuses: Vec<bool> = block.block.receipts.iter().map(|r| r.status()).collect();
    assert_eq!(statuses, [true, false]);
    assert_eq!(
        l1.revert_of(2, l1.bridgehub, mint, request().abi_encode()),
        PriorityGasExhausted::SELECTOR,
        "the L1 block's budget still counts the first"
    );
    let deposit_count =
        |l1: &L1| U256::abi_decode(&l1.call(l1.core, depositCountCall {}.abi_encode())).unwrap();
    assert_eq!(deposit_count(&l1), U256::from(1));
    // The next L1 block has a budget of its own.
    let (ok, logs) = l1.send(2, l1.bridgehub, mint, request().abi_encode());
    assert!(ok);
    assert_eq!(priority_of(&logs, l1.chain).serial_id, 1);
    assert_eq!(deposit_count(&l1), U256::from(2));
}

/// Deposits to `user` on L2, then withdraws `amount` of it to `receiver` through L2BaseToken;
/// returns the L2 batch and the withdrawal's finalization parameters (as zksync-ethers'
/// `getFinalizeWithdrawalParams` builds them from the receipt and `zks_getL2ToL1LogProof`).
fn withdraw_on_l2(l2: &Fixture, amount: U256, receiver: Address) -> (u64, FinalizeL1DepositParams) {
    withdraw_on_l2_at(l2, 0, amount, receiver)
}

/// [`withdraw_on_l2`] with the L2 account's `nonce`.
fn withdraw_on_l2_at(
    l2: &Fixture,
    nonce: u64,
    amount: U256,
    receiver: Address,
) -> (u64, FinalizeL1DepositParams) {
    let signer = &l2.signers[0];
    let tx = support::sign(
        signer,
        TxEip1559 {
            chain_id: L2_CHAIN_ID,
            nonce,
            gas_limit: 500_000,
            max_fee_per_gas: 10_000_000_000,
            max_priority_fee_per_gas: 1_000_000_000,
            to: TxKind::Call(L2_BASE_TOKEN),
            value: amount,
            input: sol_withdraw(receiver),
            ..Default::default()
        },
    );
    let block = l2_mine(&l2.chain, &[tx]);
    assert!(block.block.receipts[0].status());
    let logs = batch_logs(&block.block.transactions, &block.block.receipts);
    let leaves: Vec<B256> = logs.iter().map(|log| log.leaf_hash()).collect();
    let (_, proof) = logs_tree(&leaves, Some(0)).unwrap();
    let batch = block.block.header.number;
    let params = FinalizeL1DepositParams {
        chainId: U256::from(L2_CHAIN_ID),
        l2BatchNumber: U256::from(batch),
        l2MessageIndex: U256::ZERO,
        l2Sender: L2_BASE_TOKEN,
        l2TxNumberInBatch: 0,
        message: withdrawal_message(receiver, amount, None).into(),
        merkleProof: proof,
    };
    (batch, params)
}

fn sol_withdraw(receiver: Address) -> Bytes {
    sol! { function withdraw(address _l1Receiver) external payable; }
    withdrawCall { _l1Receiver: receiver }.abi_encode().into()
}

#[test]
fn a_withdrawal_is_paid_on_l1_once_its_batch_root_is_final() {
    let mut l1 = deploy_l1();
    let l2 = support::fixture(Arc::new(ZkStack::default()), L2_CHAIN_ID, 1);
    // Fund the core as deposits would have.
    let funding = U256::from(10u64.pow(18));
    let mint = base_cost(&l1, 300_000) + funding;
    let deposit = requestL2TransactionDirectCall {
        request: deposit_request(l1.user().address(), funding, 300_000, mint),
    };
    assert!(l1.send(2, l1.bridgehub, mint, deposit.abi_encode()).0);

    let receiver = Address::repeat_byte(0xe1);
    let amount = U256::from(10u64.pow(17));
    let (batch, params) = withdraw_on_l2(&l2, amount, receiver);
    let head = l2.chain.head();
    let reader = l2.chain.reader().unwrap();
    let receipts = reader.receipts(head.header.number).unwrap().unwrap();
    let txs = reader.transactions(head.header.number).unwrap().unwrap();
    let root = batch_logs_root(&txs, &receipts).unwrap();
    let finalize = finalizeDepositCall { params: params.clone() }.abi_encode();

    // No root for the batch yet.
    assert_eq!(
        l1.revert_of(2, l1.shared, U256::ZERO, finalize.clone()),
        BatchNotCommitted::SELECTOR
    );
    // Only the proposer proposes.
    let propose =
        proposeBatchRootCall { batchNumber: U256::from(batch), l2LogsRootHash: root }.abi_encode();
    assert_eq!(l1.revert_of(2, l1.chain, U256::ZERO, propose.clone()), NotProposer::SELECTOR);
    assert!(l1.send(1, l1.chain, U256::ZERO, propose).0);
    // Within the challenge window: not final, and not yet the chain's executed root.
    assert_eq!(
        l1.revert_of(2, l1.shared, U256::ZERO, finalize.clone()),
        CommitmentNotFinalized::SELECTOR
    );
    let root_now = l2LogsRootHashCall { batchNumber: U256::from(batch) }.abi_encode();
    assert_eq!(B256::abi_decode(&l1.call(l1.chain, root_now.clone())).unwrap(), B256::ZERO);

    l1.mine(WINDOW, &[]);
    assert_eq!(B256::abi_decode(&l1.call(l1.chain, root_now)).unwrap(), root);
    // A forged proof, another sender, another message: refused.
    let mut forged = params.clone();
    forged.merkleProof[3].0[0] ^= 1;
    assert_eq!(
        l1.revert_of(2, l1.shared, U256::ZERO, finalizeDepositCall { params: forged }.abi_encode()),
        InvalidProof::SELECTOR
    );
    let mut short = params.clone();
    short.merkleProof.pop();
    assert_eq!(
        l1.revert_of(2, l1.shared, U256::ZERO, finalizeDepositCall { params: short }.abi_encode()),
        MerklePathLengthMismatch::SELECTOR
    );
    let mut sender = params.clone();
    sender.l2Sender = Address::repeat_byte(7);
    assert_eq!(
        l1.revert_of(2, l1.shared, U256::ZERO, finalizeDepositCall { params: sender }.abi_encode()),
        WrongL2Sender::SELECTOR
    );
    let mut more = params.clone();
    more.message = withdrawal_message(receiver, amount * U256::from(2), None).into();
    assert_eq!(
        l1.revert_of(2, l1.shared, U256::ZERO, finalizeDepositCall { params: more }.abi_encode()),
        InvalidProof::SELECTOR
    );
    let mut other = params.clone();
    other.message = Bytes::from(vec![0xab; 56]);
    assert_eq!(
        l1.revert_of(2, l1.shared, U256::ZERO, finalizeDepositCall { params: other }.abi_encode()),
        InvalidSelector::SELECTOR
    );
    let mut cut = params.clone();
    cut.message = Bytes::copy_from_slice(&params.message[..40]);
    assert_eq!(
        l1.revert_of(2, l1.shared, U256::ZERO, finalizeDepositCall { params: cut }.abi_encode()),
        L2WithdrawalMessageWrongLength::SELECTOR
    );

    // Paid: the receiver has the amount, out of the core's custody; the nullifier says so.
    let core_before = balance(&l1.f.chain, l1.core);
    let (ok, logs) = l1.send(2, l1.shared, U256::ZERO, finalize.clone());
    assert!(ok);
    assert_eq!(balance(&l1.f.chain, receiver), amount);
    assert_eq!(balance(&l1.f.chain, l1.core), core_before - amount);
    assert_eq!(balance(&l1.f.chain, l1.shared), U256::ZERO);
    let event = logs
        .iter()
        .find(|log| log.topics()[0] == WithdrawalFinalizedSharedBridge::SIGNATURE_HASH)
        .expect("WithdrawalFinalizedSharedBridge");
    let event = WithdrawalFinalizedSharedBridge::decode_log_data(&event.data).unwrap();
    assert_eq!((event.to, event.amount), (receiver, amount));
    let finalized = isWithdrawalFinalizedCall {
        chainId: U256::from(L2_CHAIN_ID),
        l2BatchNumber: U256::from(batch),
        l2MessageIndex: U256::ZERO,
    };
    assert!(bool::abi_decode(&l1.call(l1.shared, finalized.abi_encode())).unwrap());
    // Replayed: refused by the core.
    assert_eq!(
        l1.revert_of(2, l1.shared, U256::ZERO, finalize),
        WithdrawalAlreadyFinalized::SELECTOR
    );
    // And nobody can send the bridge ETH outside a payment.
    assert_eq!(l1.revert_of(2, l1.shared, U256::from(1), Vec::new()), UnexpectedEth::SELECTOR);
}

#[test]
fn a_priority_transactions_status_is_provable_on_l1() {
    let mut l1 = deploy_l1();
    let l2 = support::fixture(Arc::new(ZkStack::default()), L2_CHAIN_ID, 1);
    let user = l1.user().address();
    let mint = base_cost(&l1, 300_000) + U256::from(5);
    let deposit = requestL2TransactionDirectCall {
        request: deposit_request(user, U256::from(5), 300_000, mint),
    };
    let (_, logs) = l1.send(2, l1.bridgehub, mint, deposit.abi_encode());
    let tx = priority_of(&logs, l1.chain);
    let block = l2_mine(&l2.chain, &[Recovered::new_unchecked(tx.clone().into(), tx.from)]);
    let root = batch_logs_root(&block.block.transactions, &block.block.receipts).unwrap();
    let leaves: Vec<B256> = batch_logs(&block.block.transactions, &block.block.receipts)
        .iter()
        .map(|log| log.leaf_hash())
        .collect();
    let (_, proof) = logs_tree(&leaves, Some(0)).unwrap();
    let batch = U256::from(block.block.header.number);
    let propose = proposeBatchRootCall { batchNumber: batch, l2LogsRootHash: root }.abi_encode();
    assert!(l1.send(1, l1.chain, U256::ZERO, propose).0);
    l1.mine(WINDOW, &[]);
    let status = |status: u8| {
        let call = proveL1ToL2TransactionStatusCall {
            l2TxHash: tx.tx_hash(),
            l2BatchNumber: batch,
            l2MessageIndex: U256::ZERO,
            l2TxNumberInBatch: 0,
            merkleProof: proof.clone(),
            status,
        };
        bool::abi_decode(&l1.call(l1.chain, call.abi_encode())).unwrap()
    };
    assert!(status(1), "the deposit succeeded");
    assert!(!status(0));
    assert_eq!(keccak256(tx.abi_encoded()), tx.tx_hash());
}

fn token_balance(l1: &L1, who: Address) -> U256 {
    U256::abi_decode(&l1.call(l1.token, balanceOfCall { account: who }.abi_encode())).unwrap()
}

#[test]
fn a_usdc_based_chain_takes_its_base_token_through_the_shared_bridge_in_exact_units() {
    let mut l1 = deploy_l1_with(Some(6));
    let zk = ZkStack { l1_chain_id: L1_CHAIN_ID, l1_base_token: l1.token, ..ZkStack::default() };
    let l2 = support::fixture(Arc::new(zk), L2_CHAIN_ID, 1);
    let scale = U256::from(10u64.pow(12));
    let chain_id = U256::from(L2_CHAIN_ID);
    let user = l1.user().address();
    let base = Address::abi_decode(
        &l1.call(l1.bridgehub, baseTokenCall { chainId: chain_id }.abi_encode()),
    );
    assert_eq!(base.unwrap(), l1.token);
    let asset_id = baseTokenAssetIdCall { chainId: chain_id }.abi_encode();
    let asset_id = B256::abi_decode(&l1.call(l1.bridgehub, asset_id)).unwrap();
    assert_eq!(asset_id, tephra_frameworks::zk_stack::system::asset_id(L1_CHAIN_ID, l1.token));

    // The base cost is in whole token units (rounded up from the L2 units of the gas).
    let units = U256::from(2_000_000u64);
    let gas_limit = 300_000;
    let cost = base_cost(&l1, gas_limit);
    assert!(cost > U256::ZERO);
    let mint = cost + units;
    let input =
        requestL2TransactionDirectCall { request: deposit_request(user, units, gas_limit, mint) }
            .abi_encode();
    // Refused: ETH with the request (the Bridgehub's and the legacy Mailbox's), no allowance,
    // and a pull of the base token by anyone but the Bridgehub.
    assert_eq!(l1.revert_of(2, l1.bridgehub, mint, input.clone()), MsgValueMismatch::SELECTOR);
    let legacy = requestL2TransactionCall {
        contractL2: user,
        l2Value: U256::ZERO,
        l2Calldata: Bytes::new(),
        l2GasLimit: U256::from(gas_limit),
        l2GasPerPubdataByteLimit: U256::from(800),
        factoryDeps: Vec::new(),
        refundRecipient: user,
    };
    assert_eq!(
        l1.revert_of(2, l1.chain, U256::from(10u64.pow(15)), legacy.abi_encode()),
        MsgValueMismatch::SELECTOR
    );
    assert_eq!(
        l1.revert_of(2, l1.bridgehub, U256::ZERO, input.clone()),
        ERC20InsufficientAllowance::SELECTOR
    );
    let pull = bridgehubDepositBaseTokenCall {
        chainId: chain_id,
        assetId: asset_id,
        originalCaller: user,
        amount: mint,
    };
    assert_eq!(l1.revert_of(2, l1.shared, U256::ZERO, pull.abi_encode()), Unauthorized::SELECTOR);

    // With the allowance to the shared bridge: mintValue moves from the user into the core, no
    // ETH; the priority transaction carries the exact L2 amounts.
    let approve = approveCall { spender: l1.shared, value: mint }.abi_encode();
    assert!(l1.send(2, l1.token, U256::ZERO, approve).0);
    let (ok, logs) = l1.send(2, l1.bridgehub, U256::ZERO, input);
    assert!(ok);
    assert_eq!(token_balance(&l1, user), U256::from(TOKENS_PER_ACCOUNT) - mint);
    assert_eq!(token_balance(&l1, l1.core), mint);
    assert_eq!(balance(&l1.f.chain, l1.core), U256::ZERO);
    let tx = priority_of(&logs, l1.chain);
    assert_eq!((tx.value, tx.to_mint()), (units * scale, mint * scale));
    let gas = U256::from(tx.gas_limit) * U256::from(tx.max_fee_per_gas);
    assert!(tx.to_mint() >= tx.value + gas, "toMint covers the value and the gas");

    // On L2: toMint less the fee, to the wei.
    let block = l2_mine(&l2.chain, &[Recovered::new_unchecked(tx.clone().into(), tx.from)]);
    assert!(block.block.receipts[0].status());
    let fee =
        U256::from(block.block.receipts[0].cumulative_gas_used()) * U256::from(tx.max_fee_per_gas);
    assert_eq!(balance(&l2.chain, user), mint * scale - fee);

    // Withdrawals: an amount below one token unit has no exact L1 amount and is refused; an
    // exact one is paid in token units, once.
    let receiver = Address::repeat_byte(0xe2);
    let (dust_batch, dust) = withdraw_on_l2_at(&l2, 0, scale / U256::from(2), receiver);
    let paid = U256::from(1_234_567u64);
    let (batch, params) = withdraw_on_l2_at(&l2, 1, paid * scale, receiver);
    for batch in [dust_batch, batch] {
        let reader = l2.chain.reader().unwrap();
        let receipts = reader.receipts(batch).unwrap().unwrap();
        let txs = reader.transactions(batch).unwrap().unwrap();
        let root = batch_logs_root(&txs, &receipts).unwrap();
        let propose = proposeBatchRootCall { batchNumber: U256::from(batch), l2LogsRootHash: root };
        assert!(l1.send(1, l1.chain, U256::ZERO, propose.abi_encode()).0);
    }
    l1.mine(WINDOW, &[]);
    let finalize = |params: &FinalizeL1DepositParams| {
        finalizeDepositCall { params: params.clone() }.abi_encode()
    };
    assert_eq!(
        l1.revert_of(2, l1.shared, U256::ZERO, finalize(&dust)),
        AmountNotRepresentable::SELECTOR
    );
    let (ok, logs) = l1.send(2, l1.shared, U256::ZERO, finalize(&params));
    assert!(ok);
    assert_eq!(token_balance(&l1, receiver), paid);
    assert_eq!(token_balance(&l1, l1.core), mint - paid);
    assert_eq!(balance(&l1.f.chain, receiver), U256::ZERO);
    let event = logs
        .iter()
        .find(|log| log.topics()[0] == WithdrawalFinalizedSharedBridge::SIGNATURE_HASH)
        .expect("WithdrawalFinalizedSharedBridge");
    let event = WithdrawalFinalizedSharedBridge::decode_log_data(&event.data).unwrap();
    assert_eq!((event.to, event.l1Token, event.amount), (receiver, l1.token, paid));
    assert_eq!(
        l1.revert_of(2, l1.shared, U256::ZERO, finalize(&params)),
        WithdrawalAlreadyFinalized::SELECTOR
    );
    assert_eq!(token_balance(&l1, receiver), paid);
}
