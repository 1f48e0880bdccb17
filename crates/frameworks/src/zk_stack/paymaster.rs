//! ZKsync paymasters: an EIP-712 (`0x71`) transaction whose `paymasterParams.paymaster` is not
//! zero runs as ZKsync's bootloader runs it (`processL2Tx`, `ensurePayment`,
//! `refundCurrentL2Transaction` in era-contracts' `bootloader.yul`), as calls on the block's
//! revm EVM in one journal, so that nothing of a refused transaction reaches the state:
//!
//! 1. the account prepares for the paymaster (`DefaultAccount.prepareForPaymaster`, i.e.
//!    `TransactionHelper.processPaymasterInput`): for `approvalBased(token, minAllowance, _)`,
//!    if `token.allowance(account, paymaster) < minAllowance`, the account calls
//!    `token.approve(paymaster, 0)` then `token.approve(paymaster, minAllowance)` (OpenZeppelin's
//!    `safeApprove`: the call succeeds and returns nothing or `true`); `general(bytes)` needs
//!    nothing; any other flow is refused;
//! 2. the bootloader (`0x…8001`) calls `paymaster.validateAndPayForPaymasterTransaction(txHash,
//!    signedHash, transaction)` with ZKsync's `Transaction` struct; it must return at least 64
//!    bytes whose first word is that function's selector and whose second is a valid offset of
//!    the `bytes context`, and must have paid the bootloader at least `gasLimit * gasPrice`;
//!    what it paid above that goes back to it at once;
//! 3. the transaction's call runs from its sender without charging the sender (the fee is
//!    what the paymaster paid), with the gas the validation left;
//! 4. if gas is left, the bootloader calls `paymaster.postTransaction(context, transaction,
//!    txHash, signedHash, result, maxRefundedGas)` with that gas, which the transaction pays
//!    for; its failure is ignored (its changes revert, the transaction's do not);
//! 5. the unused gas is refunded to the paymaster at the gas price.
//!
//! The gas of the transaction (its receipt's `gasUsed`, the block's gas) is the sum of the
//! intrinsic gas, the validation calls', the call's and `postTransaction`'s, never more than
//! its gas limit. Its fee, `gasUsed * gasPrice`, is settled as for every transaction of this
//! profile (EIP-1559's: the base fee burnt, the tip to the block's beneficiary); the gas price
//! is the EIP-1559 effective price (ZKsync charges the base fee only).
//!
//! Any failure of steps 1-2 (or a transaction the EVM refuses: nonce, fee cap, funds for its
//! value) makes the transaction invalid: it is not included and nothing is charged. Logs of all
//! steps that succeeded are the receipt's, in order (ZKsync's receipts also carry the
//! validation's events).

use super::{
    ZkStack,
    executor::ZkEvm,
    pubdata::{PubdataCharge, charge, check_limit, tx_pubdata},
};
use crate::balances::{adjust, bump_nonce};
use alloy_consensus::Transaction as _;
use alloy_evm::{
    Evm, EvmEnv, EvmFactory, FromRecoveredTx,
    block::{BlockExecutionError, BlockValidationError},
    eth::{EthEvmContext, EthEvmFactory, EthTxResult},
    precompiles::PrecompilesMap,
};
use alloy_primitives::{Address, B256, Bytes, Log, TxKind, U256};
use alloy_sol_types::{SolCall, decode_revert_reason, sol};
use revm::{
    ExecuteEvm, InspectEvm, Inspector,
    bytecode::{Bytecode, OpCode},
    context::{ContextSetters, Evm as RevmEvm, TxEnv},
    context_interface::{
        JournalTr,
        cfg::gas::calculate_initial_tx_gas,
        result::{
            EVMError, ExecutionResult, HaltReason, InvalidTransaction, ResultAndState, ResultGas,
        },
    },
    handler::{EthFrame, MainnetHandler, instructions::EthInstructions},
    inspector::{InspectorHandler, JournalExt},
    interpreter::{
        CallInput, CallInputs, CallOutcome, CallScheme, CallValue, Gas, InstructionResult,
        InterpreterResult, interpreter::EthInterpreter,
    },
    primitives::KECCAK_EMPTY,
};
use revm_inspectors::tracing::{TracingInspector, types::CallTraceStep};
use tephra_chain::{BlockState, ChainError};
use tephra_primitives::{
    TxEnvelope, TxType,
    eip712::{EIP712_TX_TYPE, TxEip712, hash_bytecode},
    zk::BOOTLOADER_FORMAL_ADDRESS,
};

sol! {
    /// ZKsync's `Transaction` (era-contracts `TransactionHelper.sol`).
    struct Transaction {
        uint256 txType;
        uint256 from;
        uint256 to;
        uint256 gasLimit;
        uint256 gasPerPubdataByteLimit;
        uint256 maxFeePerGas;
        uint256 maxPriorityFeePerGas;
        uint256 paymaster;
        uint256 nonce;
        uint256 value;
        uint256[4] reserved;
        bytes data;
        bytes signature;
        bytes32[] factoryDeps;
        bytes paymasterInput;
        bytes reservedDynamic;
    }

    /// ZKsync's `ExecutionResult` (`IPaymaster.sol`).
    enum ExecutionOutcome {
        /// The call reverted (or halted).
        Revert,
        /// The call succeeded.
        Success
    }

    function validateAndPayForPaymasterTransaction(bytes32 _txHash, bytes32 _suggestedSignedHash, Transaction _transaction) external payable returns (bytes4 magic, bytes context);
    function postTransaction(bytes _context, Transaction _transaction, bytes32 _txHash, bytes32 _suggestedSignedHash, ExecutionOutcome _txResult, uint256 _maxRefundedGas) external payable;
    function approvalBased(address _token, uint256 _minAllowance, bytes _innerInput) external;
    function general(bytes input) external;
    function allowance(address owner, address spender) external view returns (uint256);
    function approve(address spender, uint256 amount) external returns (bool);
}

/// The magic a paymaster returns to agree to pay: `validateAndPayForPaymasterTransaction`'s
/// selector (`PAYMASTER_VALIDATION_SUCCESS_MAGIC`).
pub const PAYMASTER_VALIDATION_SUCCESS_MAGIC: [u8; 4] =
    validateAndPayForPaymasterTransactionCall::SELECTOR;
/// `IPaymaster.postTransaction`'s selector.
pub const POST_TRANSACTION_SELECTOR: [u8; 4] = postTransactionCall::SELECTOR;
/// `IPaymasterFlow.approvalBased(address,uint256,bytes)`.
pub const APPROVAL_BASED_SELECTOR: [u8; 4] = approvalBasedCall::SELECTOR;
/// `IPaymasterFlow.general(bytes)`.
pub const GENERAL_SELECTOR: [u8; 4] = generalCall::SELECTOR;

/// Why a paymaster-sponsored transaction is invalid. Each message starts with
/// `paymaster validation failed:`, which the pool and the RPC pass on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymasterError {
    /// The paymaster input's selector is neither `approvalBased` nor `general`.
    #[error(
        "paymaster validation failed: unsupported paymaster flow {selector}: the paymaster input must start with approvalBased(address,uint256,bytes) ({approval}) or general(bytes) ({general})",
        approval = Bytes::from(APPROVAL_BASED_SELECTOR), general = Bytes::from(GENERAL_SELECTOR)
    )]
    UnsupportedFlow {
        /// The input's first bytes (up to 4).
        selector: Bytes,
    },
    /// An `approvalBased` input too short for its token and allowance.
    #[error(
        "paymaster validation failed: the approvalBased paymaster input must be at least 68 bytes long, got {len}"
    )]
    ApprovalInputTooShort {
        /// Its length.
        len: usize,
    },
    /// The account's approval of the token to the paymaster failed.
    #[error(
        "paymaster validation failed: the account could not approve {min_allowance} of token {token} to the paymaster: {reason}"
    )]
    Prepare {
        /// The token.
        token: Address,
        /// The allowance the flow asks for.
        min_allowance: U256,
        /// Why.
        reason: String,
    },
    /// `validateAndPayForPaymasterTransaction` reverted or halted.
    #[error("paymaster validation failed: {paymaster} refused the transaction: {reason}")]
    Refused {
        /// The paymaster.
        paymaster: Address,
        /// Its revert reason, or why it halted.
        reason: String,
    },
    /// It returned a wrong magic value.
    #[error(
        "paymaster validation failed: {paymaster} returned magic {magic}, not validateAndPayForPaymasterTransaction's selector {expected}",
        expected = Bytes::from(PAYMASTER_VALIDATION_SUCCESS_MAGIC)
    )]
    WrongMagic {
        /// The paymaster.
        paymaster: Address,
        /// The first 4 bytes it returned.
        magic: Bytes,
    },
    /// Its return data is not `(bytes4, bytes)`.
    #[error(
        "paymaster validation failed: {paymaster} returned {len} bytes, not an ABI-encoded (bytes4 magic, bytes context)"
    )]
    InvalidContext {
        /// The paymaster.
        paymaster: Address,
        /// Length of its return data.
        len: usize,
    },
    /// It paid the bootloader less than the transaction's gas at its price.
    #[error(
        "paymaster validation failed: {paymaster} paid the bootloader {paid} wei, less than gasLimit * gasPrice = {required} wei"
    )]
    PaidTooLittle {
        /// The paymaster.
        paymaster: Address,
        /// What the bootloader received.
        paid: U256,
        /// `gasLimit * gasPrice`.
        required: U256,
    },
    /// The transaction is invalid before any paymaster code runs.
    #[error("{0}")]
    Transaction(String),
}

impl alloy_evm::InvalidTxError for PaymasterError {
    fn as_invalid_tx_err(&self) -> Option<&InvalidTransaction> {
        None
    }
}

/// What the account does before the paymaster is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    /// Approve `min_allowance` of `token` to the paymaster.
    ApprovalBased { token: Address, min_allowance: U256 },
    /// Nothing.
    General,
}

impl Flow {
    /// The flow of `input`, as `processPaymasterInput` reads it: the token and allowance are
    /// the first two words after the selector (the rest is the paymaster's).
    fn parse(input: &[u8]) -> Result<Self, PaymasterError> {
        match input.get(..4) {
            Some(selector) if selector == APPROVAL_BASED_SELECTOR => {
                if input.len() < 68 {
                    return Err(PaymasterError::ApprovalInputTooShort { len: input.len() });
                }
                let token = Address::from_word(B256::from_slice(&input[4..36]));
                let min_allowance = U256::from_be_slice(&input[36..68]);
                Ok(Self::ApprovalBased { token, min_allowance })
            }
            Some(selector) if selector == GENERAL_SELECTOR => Ok(Self::General),
            _ => Err(PaymasterError::UnsupportedFlow {
                selector: Bytes::copy_from_slice(&input[..input.len().min(4)]),
            }),
        }
    }
}

fn word(address: Address) -> U256 {
    U256::from_be_bytes(address.into_word().0)
}

/// ZKsync's `Transaction` struct of an EIP-712 transaction (zksync-era's `TransactionData` of an
/// `L2Tx`: type 113, no reserved words, the signature the hash covers).
fn transaction_struct(tx: &TxEip712) -> Transaction {
    let meta = &tx.eip712_meta;
    let paymaster = meta.paymaster_params.clone().unwrap_or_default();
    Transaction {
        txType: U256::from(EIP712_TX_TYPE),
        from: word(tx.from),
        to: tx.to.to().map_or(U256::ZERO, |to| word(*to)),
        gasLimit: U256::from(tx.gas_limit),
        gasPerPubdataByteLimit: meta.gas_per_pubdata,
        maxFeePerGas: U256::from(tx.max_fee_per_gas),
        maxPriorityFeePerGas: U256::from(tx.max_priority_fee_per_gas),
        paymaster: word(paymaster.paymaster),
        nonce: U256::from(tx.nonce),
        value: tx.value,
        reserved: [U256::ZERO; 4],
        data: tx.input.clone(),
        signature: tx.signature_bytes().into(),
        factoryDeps: meta
            .factory_deps
            .iter()
            .map(|dep| hash_bytecode(dep).unwrap_or_default())
            .collect(),
        paymasterInput: paymaster.paymaster_input,
        reservedDynamic: Bytes::new(),
    }
}

/// The revm EVM a sponsored transaction runs on: alloy-evm's Ethereum EVM unwrapped, so that
/// its journal can hold several calls before it is finalized. Its inspector sees every call
/// (none in a block, a tracer in `debug_traceTransaction`).
type SponsorEvm<'a, I> = RevmEvm<
    SponsorCtx<'a>,
    I,
    EthInstructions<EthInterpreter, SponsorCtx<'a>>,
    PrecompilesMap,
    EthFrame,
>;

type SponsorCtx<'a> = EthEvmContext<&'a mut BlockState>;

/// A failure of the sponsored flow: the transaction is invalid, or the database failed.
enum Failure {
    Invalid(PaymasterError),
    Fatal(BlockExecutionError),
    /// The transaction's gas limit cannot pay for its pubdata: it runs again, its call
    /// reverted.
    Pubdata,
}

impl From<PaymasterError> for Failure {
    fn from(err: PaymasterError) -> Self {
        Self::Invalid(err)
    }
}

fn fatal(err: impl std::fmt::Display) -> Failure {
    Failure::Fatal(BlockExecutionError::msg(err.to_string()))
}

fn reason(result: &ExecutionResult) -> String {
    match result {
        ExecutionResult::Success { .. } => "succeeded".to_string(),
        ExecutionResult::Revert { output, .. } => match decode_revert_reason(output) {
            Some(reason) if !reason.is_empty() => format!("reverted: {reason}"),
            _ if output.is_empty() => "reverted".to_string(),
            _ => format!("reverted with {output}"),
        },
        ExecutionResult::Halt { reason, .. } => format!("halted: {reason:?}"),
    }
}

/// Calls `to` from `caller` with `data` and at most `gas`, as the bootloader's near calls do:
/// no intrinsic gas, no fee, no nonce, in the EVM's current journal (nothing is committed).
fn sub_call<'a, I: Inspector<SponsorCtx<'a>>>(
    evm: &mut SponsorEvm<'a, I>,
    caller: Address,
    to: Address,
    data: Bytes,
    gas: u64,
) -> Result<(ExecutionResult, u64), Failure> {
    let tx = TxEnv { caller, kind: TxKind::Call(to), data, gas_limit: gas, ..TxEnv::default() };
    evm.ctx.set_tx(tx);
    in_bootloader_frame(evm);
    let mut handler: MainnetHandler<_, EVMError<ChainError>, EthFrame> = MainnetHandler::default();
    let result = handler.inspect_run_system_call(evm).map_err(fatal)?;
    let spent = result.gas().total_gas_spent().min(gas);
    Ok((result, spent))
}

/// Starts the next call of the flow one level down, inside the bootloader's frame (its
/// inspector nests it there; each call's end returns the journal to the top).
fn in_bootloader_frame<I>(evm: &mut SponsorEvm<'_, I>) {
    evm.ctx.journaled_state.inner.depth = 1;
}

/// The logs of a call that succeeded (a failed call's logs are reverted with it).
fn logs_of(result: &ExecutionResult) -> Vec<Log> {
    match result {
        ExecutionResult::Success { logs, .. } => logs.clone(),
        _ => Vec::new(),
    }
}

/// Runs the sponsored transaction `tx` (its paymaster is `paymaster`) on the state and block of
/// `evm` (a block of `zk`'s), which has `available` gas left. The returned result is not
/// committed. `any_nonce`: the pool's check of a transaction that may follow pending ones of
/// its sender, whose nonce is not compared with the state's.
pub(crate) fn execute_sponsored(
    zk: &ZkStack,
    evm: &mut ZkEvm<'_>,
    envelope: &TxEnvelope,
    tx: &TxEip712,
    paymaster: Address,
    available: u64,
    any_nonce: bool,
) -> Result<EthTxResult<HaltReason, TxType>, BlockExecutionError> {
    let hash = envelope.tx_hash();
    if tx.gas_limit > available {
        return Err(BlockValidationError::TransactionGasLimitMoreThanAvailableBlockGas {
            transaction_gas_limit: tx.gas_limit,
            block_available_gas: available,
        }
        .into());
    }
    let gas_per_pubdata = zk.gas_per_pubdata(evm.block().basefee);
    check_limit(envelope, gas_per_pubdata).map_err(|error| BlockValidationError::InvalidTx {
        hash,
        error: Box::new(PaymasterError::Transaction(error.to_string())),
    })?;
    let env = EvmEnv { cfg_env: evm.cfg_env().clone(), block_env: evm.block().clone() };
    let mut attempt = |revert_call| {
        let mut sponsor = EthEvmFactory::default().create_evm(&mut **evm.db_mut(), env.clone());
        zk.install(sponsor.precompiles_mut());
        // A refused transaction's calls stay in this EVM's journal, which is dropped.
        let mut sponsor = sponsor.into_inner();
        sponsor.ctx.cfg.disable_nonce_check |= any_nonce;
        run(&mut sponsor, envelope, tx, paymaster, Pricing { gas_per_pubdata, revert_call })
    };
    let result = match attempt(false) {
        Err(Failure::Pubdata) => attempt(true),
        other => other,
    };
    outcome(result, hash)
}

/// Replays the sponsored transaction `tx` (its paymaster is `paymaster`) on `state` under
/// `env`, as its block ran it, with `inspector` seeing every call of the flow. As in ZKsync's
/// call traces, they are the calls of one frame, the bootloader's (from the zero address to
/// `0x…8001`): the account's approvals, the paymaster's validation, the transaction's call and
/// `postTransaction`; the frame's gas is the transaction's.
pub(crate) fn trace_sponsored(
    zk: &ZkStack,
    env: EvmEnv,
    state: &mut BlockState,
    envelope: &TxEnvelope,
    paymaster: Address,
    inspector: &mut TracingInspector,
) -> Result<ExecutionResult, BlockExecutionError> {
    let tx = envelope.as_eip712().expect("a sponsored transaction is an EIP-712 one");
    let gas_per_pubdata = zk.gas_per_pubdata(env.block_env.basefee);
    let mut attempt = |revert_call, inspector: &mut TracingInspector| {
        let mut sponsor =
            EthEvmFactory::default().create_evm_with_inspector(&mut *state, env.clone(), inspector);
        zk.install(sponsor.precompiles_mut());
        let mut sponsor = sponsor.into_inner();
        run(&mut sponsor, envelope, tx, paymaster, Pricing { gas_per_pubdata, revert_call })
    };
    let result = match attempt(false, inspector) {
        Err(Failure::Pubdata) => {
            inspector.fuse();
            attempt(true, inspector)
        }
        other => other,
    };
    let result = outcome(result, envelope.tx_hash())?.result.result;
    bootloader_steps(inspector);
    Ok(result)
}

/// Gives the bootloader's frame one `CALL` step for each call it made, so that the struct
/// logger, which walks a frame's steps into its calls, reaches them: the flow's steps follow
/// each at the depth below.
fn bootloader_steps(inspector: &mut TracingInspector) {
    let nodes = inspector.traces_mut().nodes_mut();
    let steps = nodes[0]
        .children
        .iter()
        .map(|&child| {
            let call = &nodes[child].trace;
            CallTraceStep {
                pc: 0,
                op: OpCode::CALL,
                stack: None,
                push_stack: None,
                memory: None,
                returndata: Bytes::new(),
                gas_remaining: call.gas_limit,
                gas_refund_counter: 0,
                gas_used: 0,
                gas_cost: call.gas_used,
                storage_change: None,
                status: Some(InstructionResult::Stop),
                immediate_bytes: None,
                decoded: None,
            }
        })
        .collect();
    nodes[0].trace.steps = steps;
}

fn outcome(
    run: Result<EthTxResult<HaltReason, TxType>, Failure>,
    hash: B256,
) -> Result<EthTxResult<HaltReason, TxType>, BlockExecutionError> {
    let error = match run {
        Ok(result) => return Ok(result),
        Err(Failure::Fatal(err)) => return Err(err),
        Err(Failure::Invalid(error)) => error,
        Err(Failure::Pubdata) => PaymasterError::Transaction(
            "not enough gas for pubdata: the gas limit cannot pay for the pubdata of the paymaster's validation".to_string(),
        ),
    };
    Err(BlockValidationError::InvalidTx { hash, error: Box::new(error) }.into())
}

/// How a sponsored transaction's flow runs: the gas per byte of its pubdata, and whether its
/// call is reverted (a first run's gas could not pay for its pubdata).
#[derive(Debug, Clone, Copy)]
struct Pricing {
    gas_per_pubdata: u64,
    revert_call: bool,
}

/// The bootloader's frame around a sponsored transaction's calls, as its inspector sees it:
/// opened before the first, closed after the last with the transaction's gas and output.
fn bootloader_frame(gas_limit: u64) -> CallInputs {
    CallInputs {
        input: CallInput::Bytes(Bytes::new()),
        return_memory_offset: 0..0,
        gas_limit,
        reservoir: 0,
        bytecode_address: BOOTLOADER_FORMAL_ADDRESS,
        known_bytecode: (KECCAK_EMPTY, Bytecode::default()),
        target_address: BOOTLOADER_FORMAL_ADDRESS,
        caller: Address::ZERO,
        value: CallValue::Transfer(U256::ZERO),
        scheme: CallScheme::Call,
        is_static: false,
    }
}

fn run<'a, I: Inspector<SponsorCtx<'a>>>(
    evm: &mut SponsorEvm<'a, I>,
    envelope: &TxEnvelope,
    tx: &TxEip712,
    paymaster: Address,
    pricing: Pricing,
) -> Result<EthTxResult<HaltReason, TxType>, Failure> {
    let params = tx.eip712_meta.paymaster_params.as_ref().expect("a sponsored transaction");
    let flow = Flow::parse(&params.paymaster_input)?;
    let sender = tx.from;
    let (base_fee, beneficiary, spec) =
        (evm.ctx.block.basefee, evm.ctx.block.beneficiary, evm.ctx.cfg.spec);
    let invalid = |message: String| Failure::Invalid(PaymasterError::Transaction(message));

    // What the EVM would refuse before running anything, checked before the paymaster pays.
    if tx.max_priority_fee_per_gas > tx.max_fee_per_gas {
        return Err(invalid(InvalidTransaction::PriorityFeeGreaterThanMaxFee.to_string()));
    }
    if tx.max_fee_per_gas < u128::from(base_fee) {
        return Err(invalid(InvalidTransaction::GasPriceLessThanBasefee.to_string()));
    }
    let price = tx.effective_gas_price(Some(base_fee));
    let initial = calculate_initial_tx_gas(spec, &tx.input, tx.to.is_create(), 0, 0, 0);
    let up_front = initial.initial_total_gas.max(initial.floor_gas);
    if tx.gas_limit < up_front {
        return Err(invalid(format!(
            "intrinsic gas too low: gas {}, minimum needed {up_front}",
            tx.gas_limit
        )));
    }
    let account = evm.ctx.journaled_state.load_account(sender).map_err(fatal)?.data.info.clone();
    if account.nonce != tx.nonce && !evm.ctx.cfg.disable_nonce_check {
        let relation = if tx.nonce < account.nonce { "too low" } else { "too high" };
        return Err(invalid(format!(
            "nonce {relation}: next nonce {}, tx nonce {}",
            account.nonce, tx.nonce
        )));
    }
    if account.balance < tx.value {
        return Err(invalid(format!(
            "insufficient funds for value: balance {}, value {}",
            account.balance, tx.value
        )));
    }

    let tx_hash = envelope.tx_hash();
    let signed_hash = tx.signing_hash();
    let transaction = transaction_struct(tx);
    let mut logs = Vec::new();
    let mut gas_left = tx.gas_limit - up_front;
    let mut frame = bootloader_frame(tx.gas_limit);
    // A frame that never ends is the trace of a refused transaction, which is dropped.
    let _ = evm.inspector.call(&mut evm.ctx, &mut frame);

    // 1. The account prepares for the paymaster.
    if let Flow::ApprovalBased { token, min_allowance } = flow {
        let prepare = |reason: String| PaymasterError::Prepare { token, min_allowance, reason };
        let code = evm.ctx.journaled_state.load_account(token).map_err(fatal)?.data.info.code_hash;
        if code == KECCAK_EMPTY {
            return Err(prepare("the token has no code".to_string()).into());
        }
        let query = allowanceCall { owner: sender, spender: paymaster }.abi_encode();
        let (result, spent) = sub_call(evm, sender, token, query.into(), gas_left)?;
        gas_left -= spent;
        let current = match &result {
            ExecutionResult::Success { output, .. } => {
                allowanceCall::abi_decode_returns(output.data())
                    .map_err(|_| prepare("allowance() returned no uint256".to_string()))?
            }
            other => return Err(prepare(format!("allowance() {}", reason(other))).into()),
        };
        if current < min_allowance {
            for amount in [U256::ZERO, min_allowance] {
                let data = approveCall { spender: paymaster, amount }.abi_encode();
                let (result, spent) = sub_call(evm, sender, token, data.into(), gas_left)?;
                gas_left -= spent;
                let approved = match &result {
                    ExecutionResult::Success { output, .. } => {
                        output.data().is_empty()
                            || approveCall::abi_decode_returns(output.data()).unwrap_or(false)
                    }
                    _ => false,
                };
                if !approved {
                    return Err(prepare(format!("approve({amount}) {}", reason(&result))).into());
                }
                logs.extend(logs_of(&result));
            }
        }
    }

    // 2. The paymaster validates and pays the bootloader.
    let bootloader_before = evm
        .ctx
        .journaled_state
        .load_account(BOOTLOADER_FORMAL_ADDRESS)
        .map_err(fatal)?
        .data
        .info
        .balance;
    let call = validateAndPayForPaymasterTransactionCall {
        _txHash: tx_hash,
        _suggestedSignedHash: signed_hash,
        _transaction: transaction.clone(),
    };
    let (result, spent) =
        sub_call(evm, BOOTLOADER_FORMAL_ADDRESS, paymaster, call.abi_encode().into(), gas_left)?;
    gas_left -= spent;
    let output = match &result {
        ExecutionResult::Success { output, .. } => output.data().clone(),
        other => return Err(PaymasterError::Refused { paymaster, reason: reason(other) }.into()),
    };
    if output.len() < 64 {
        return Err(PaymasterError::InvalidContext { paymaster, len: output.len() }.into());
    }
    if output[..4] != PAYMASTER_VALIDATION_SUCCESS_MAGIC || output[4..32].iter().any(|b| *b != 0) {
        let magic = Bytes::copy_from_slice(&output[..4]);
        return Err(PaymasterError::WrongMagic { paymaster, magic }.into());
    }
    let context = validateAndPayForPaymasterTransactionCall::abi_decode_returns(&output)
        .map_err(|_| PaymasterError::InvalidContext { paymaster, len: output.len() })?
        .context;
    logs.extend(logs_of(&result));
    let journal = &mut evm.ctx.journaled_state;
    let bootloader_after =
        journal.load_account(BOOTLOADER_FORMAL_ADDRESS).map_err(fatal)?.data.info.balance;
    let paid = bootloader_after.saturating_sub(bootloader_before);
    let required = U256::from(tx.gas_limit) * U256::from(price);
    if paid < required {
        return Err(PaymasterError::PaidTooLittle { paymaster, paid, required }.into());
    }
    if paid > required {
        // `ensurePayment` returns what the payer paid above the requirement right away.
        if let Some(err) = journal
            .transfer(BOOTLOADER_FORMAL_ADDRESS, paymaster, paid - required)
            .map_err(fatal)?
        {
            return Err(fatal(format!("returning the paymaster's excess: {err:?}")));
        }
    }
    let validation_gas = tx.gas_limit - up_front - gas_left;

    // 3. The transaction's call, its fee already paid (or, when its pubdata could not be paid
    // for, reverted with all its gas).
    let mut call_env = TxEnv::from_recovered_tx(envelope, sender);
    call_env.gas_limit = tx.gas_limit - validation_gas;
    call_env.gas_price = 0;
    call_env.gas_priority_fee = Some(0);
    evm.ctx.cfg.disable_base_fee = true;
    let main = if pricing.revert_call {
        super::pubdata::unpaid(call_env.gas_limit)
    } else {
        in_bootloader_frame(evm);
        match evm.inspect_one_tx(call_env) {
            Ok(main) => main,
            Err(EVMError::Transaction(err)) => return Err(invalid(err.to_string())),
            Err(err) => return Err(fatal(err)),
        }
    };
    let call_gas = main.tx_gas_used();
    let mut gas_left = tx.gas_limit - validation_gas - call_gas;

    // 4. postTransaction, with the gas left; its failure is ignored.
    let mut post_logs = Vec::new();
    if gas_left > 0 {
        let call = postTransactionCall {
            _context: context,
            _transaction: transaction,
            _txHash: tx_hash,
            _suggestedSignedHash: signed_hash,
            _txResult: if main.is_success() {
                ExecutionOutcome::Success
            } else {
                ExecutionOutcome::Revert
            },
            _maxRefundedGas: U256::from(gas_left),
        };
        let (result, spent) = sub_call(
            evm,
            BOOTLOADER_FORMAL_ADDRESS,
            paymaster,
            call.abi_encode().into(),
            gas_left,
        )?;
        gas_left -= spent;
        post_logs = logs_of(&result);
    }

    // The flow's pubdata, before the settlement: the gas used rises to its gas, or the flow
    // runs again with its call reverted.
    let mut gas_used = tx.gas_limit - gas_left;
    if pricing.gas_per_pubdata > 0 {
        let journal = &evm.ctx.journaled_state;
        let all_logs = logs.iter().chain(main.logs()).chain(&post_logs);
        let pubdata = tx_pubdata(journal.db(), journal.evm_state(), all_logs);
        match charge(pubdata, pricing.gas_per_pubdata, gas_used, tx.gas_limit) {
            PubdataCharge::Covered(gas) => gas_used = gas,
            PubdataCharge::Exceeds => return Err(Failure::Pubdata),
        }
    }
    let gas_left = tx.gas_limit - gas_used;

    // 5. Settlement: the fee of the gas used, the rest back to the paymaster.
    let mut frame_gas = Gas::new(tx.gas_limit);
    frame_gas.set_spent(gas_used);
    let status =
        if main.is_success() { InstructionResult::Stop } else { InstructionResult::Revert };
    let output = main.output().cloned().unwrap_or_default();
    let mut end = CallOutcome::new(InterpreterResult::new(status, output, frame_gas), 0..0);
    evm.inspector.call_end(&mut evm.ctx, &frame, &mut end);
    let mut state = evm.finalize();
    let price = U256::from(price);
    let refund = U256::from(gas_left) * price;
    let tip = U256::from(gas_used) * (price - U256::from(base_fee));
    let db = &mut evm.ctx.journaled_state.database;
    if pricing.revert_call {
        // The call did not run, nor move the sender's nonce.
        bump_nonce(&mut state, db, sender).map_err(fatal)?;
    }
    adjust(&mut state, db, BOOTLOADER_FORMAL_ADDRESS, required, false).map_err(fatal)?;
    adjust(&mut state, db, paymaster, refund, true).map_err(fatal)?;
    adjust(&mut state, db, beneficiary, tip, true).map_err(fatal)?;

    let gas = ResultGas::default().with_total_gas_spent(gas_used);
    let result = match main {
        ExecutionResult::Success { reason, logs: call_logs, output, .. } => {
            logs.extend(call_logs);
            logs.extend(post_logs);
            ExecutionResult::Success { reason, gas, logs, output }
        }
        ExecutionResult::Revert { output, .. } => {
            logs.extend(post_logs);
            ExecutionResult::Revert { gas, logs, output }
        }
        ExecutionResult::Halt { reason, .. } => {
            logs.extend(post_logs);
            ExecutionResult::Halt { reason, gas, logs }
        }
    };
    Ok(EthTxResult {
        result: ResultAndState { result, state },
        blob_gas_used: 0,
        tx_type: TxType::Eip712,
    })
}
