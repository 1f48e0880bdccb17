//! Executing without committing: `eth_call`, `eth_estimateGas`, `eth_createAccessList` and the
//! geth-style tracers of `debug_traceCall` / `debug_traceTransaction`.

use crate::{
    Chain, ChainError, PendingBlock,
    execute::evm_env,
    framework::{CallInspector, TraceOutcome, Validation},
    state::{BlockState, StateDb},
};
use alloy_consensus::{Header, transaction::Recovered};
use alloy_evm::{
    EvmEnv,
    overrides::{OverrideBlockHashes, apply_block_overrides, apply_state_overrides},
    rpc::TryIntoTxEnv,
};
use alloy_hardforks::EthereumHardforks;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use alloy_rpc_types_eth::{
    AccessListResult, BlockOverrides, TransactionRequest, state::StateOverride,
};
use alloy_rpc_types_trace::geth::{
    GethDebugBuiltInTracerType, GethDebugTracerType, GethDebugTracingCallOptions,
    GethDebugTracingOptions, GethTrace, NoopFrame,
};
use revm::{
    context::TxEnv,
    context_interface::result::{EVMError, ExecutionResult, HaltReason, InvalidTransaction},
};
use revm_inspectors::{
    access_list::AccessListInspector,
    tracing::{TracingInspector, TracingInspectorConfig},
};
use std::{collections::BTreeMap, sync::Arc};
use tephra_primitives::TxEnvelope;

/// Why a call did not return data.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// The EVM reverted, with this revert data.
    #[error("execution reverted")]
    Reverted(Bytes),
    /// The EVM halted (out of gas, invalid opcode...).
    #[error("{0}")]
    Halted(String),
    /// The transaction is not valid on this state; geth's message.
    #[error("{0}")]
    Invalid(String),
    /// The chain could not serve the call.
    #[error(transparent)]
    Chain(#[from] ChainError),
}

impl From<tephra_storage::StoreError> for CallError {
    fn from(err: tephra_storage::StoreError) -> Self {
        Self::Chain(err.into())
    }
}

impl OverrideBlockHashes for BlockState {
    fn override_block_hashes(&mut self, block_hashes: BTreeMap<u64, B256>) {
        self.insert_block_hashes(block_hashes);
    }
}

/// The state a call runs on: after a committed block, or the pending block's.
#[derive(Debug, Clone)]
pub enum CallAt {
    /// After the committed block with this number (the head's includes the dev overrides).
    Block(u64),
    /// In the pending block, with its header's environment.
    Pending(Arc<PendingBlock>),
}

impl From<u64> for CallAt {
    fn from(number: u64) -> Self {
        Self::Block(number)
    }
}

/// geth's text for a transaction revm refuses, so clients that match on it keep working.
pub fn geth_message(err: &InvalidTransaction) -> String {
    match err {
        InvalidTransaction::NonceTooLow { tx, state } => {
            format!("nonce too low: next nonce {state}, tx nonce {tx}")
        }
        InvalidTransaction::NonceTooHigh { tx, state } => {
            format!("nonce too high: next nonce {state}, tx nonce {tx}")
        }
        InvalidTransaction::LackOfFundForMaxFee { fee, balance } => {
            format!("insufficient funds for gas * price + value: have {balance} want {fee}")
        }
        InvalidTransaction::CallGasCostMoreThanGasLimit { initial_gas, gas_limit } => {
            format!("intrinsic gas too low: gas {gas_limit}, minimum needed {initial_gas}")
        }
        InvalidTransaction::GasFloorMoreThanGasLimit { gas_floor, gas_limit } => {
            format!("intrinsic gas too low: gas {gas_limit}, minimum needed {gas_floor}")
        }
        InvalidTransaction::GasPriceLessThanBasefee => {
            "max fee per gas less than block base fee".to_string()
        }
        InvalidTransaction::PriorityFeeGreaterThanMaxFee => {
            "max priority fee per gas higher than max fee per gas".to_string()
        }
        InvalidTransaction::CallerGasLimitMoreThanBlock => "exceeds block gas limit".to_string(),
        InvalidTransaction::RejectCallerWithCode => "sender not an eoa".to_string(),
        InvalidTransaction::InvalidChainId => "invalid chain id for signer".to_string(),
        InvalidTransaction::CreateInitCodeSizeLimit => "max initcode size exceeded".to_string(),
        other => other.to_string(),
    }
}

fn evm_failure(err: EVMError<ChainError>) -> CallError {
    match err {
        EVMError::Transaction(invalid) => CallError::Invalid(geth_message(&invalid)),
        EVMError::Database(err) => CallError::Chain(err),
        other => CallError::Invalid(other.to_string()),
    }
}

fn halt_message(reason: &HaltReason, gas_limit: u64) -> String {
    match reason {
        HaltReason::OutOfGas(_) => {
            format!("out of gas: gas required exceeds allowance ({gas_limit})")
        }
        HaltReason::OpcodeNotFound | HaltReason::InvalidFEOpcode => "invalid opcode".to_string(),
        HaltReason::InvalidJump => "invalid jump destination".to_string(),
        HaltReason::StackUnderflow => "stack underflow".to_string(),
        HaltReason::StackOverflow => "stack limit reached 1024".to_string(),
        HaltReason::CallTooDeep => "max call depth exceeded".to_string(),
        HaltReason::OutOfFunds => "insufficient balance for transfer".to_string(),
        HaltReason::CreateCollision => "contract address collision".to_string(),
        HaltReason::CreateContractSizeLimit => "max code size exceeded".to_string(),
        other => format!("{other:?}"),
    }
}

/// Data returned by a successful call; reverts and halts become errors.
fn call_output(result: ExecutionResult, gas_limit: u64) -> Result<Bytes, CallError> {
    match result {
        ExecutionResult::Success { output, .. } => Ok(output.into_data()),
        ExecutionResult::Revert { output, .. } => Err(CallError::Reverted(output)),
        ExecutionResult::Halt { reason, .. } => {
            Err(CallError::Halted(halt_message(&reason, gas_limit)))
        }
    }
}

/// The gas a witnessed call gets when its request names none (and the block allows as much).
pub const CALL_WITNESS_GAS_CAP: u64 = 30_000_000;

/// A call run on a chain with its witness (`tephra_callWitness`): the inputs of
/// [`crate::stateless_call`], which reproduces `success` and `output` from them alone for
/// ordinary contract reads, and the result the chain gave.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallWitness {
    /// The RLP of the header of the block whose post-state the call read.
    pub header: Bytes,
    /// The chain's id.
    #[serde(with = "alloy_serde::quantity")]
    pub chain_id: u64,
    /// The caller.
    pub from: Address,
    /// The called address.
    pub to: Address,
    /// The calldata.
    pub data: Bytes,
    /// The call's gas limit.
    #[serde(with = "alloy_serde::quantity")]
    pub gas: u64,
    /// Trie nodes: the path of every account and slot the call read, against the header's
    /// state root.
    pub state: Vec<Bytes>,
    /// The bytecodes the call ran.
    pub codes: Vec<Bytes>,
    /// Whether the call returned.
    pub success: bool,
    /// Its return data, or its revert data (empty on a halt).
    pub output: Bytes,
    /// Gas it used on the chain.
    #[serde(with = "alloy_serde::quantity")]
    pub gas_used: u64,
}

impl CallWitness {
    /// The [`crate::STATELESS_CALL`] precompile's input that re-executes this call.
    pub fn precompile_call(&self) -> crate::IStatelessCall::staticCallCall {
        use crate::IStatelessCall::{CallWitness, StaticCall, staticCallCall};
        staticCallCall {
            chainId: self.chain_id,
            call: StaticCall {
                from: self.from,
                to: self.to,
                data: self.data.clone(),
                gas: self.gas,
            },
            witness: CallWitness {
                header: self.header.clone(),
                nodes: self.state.clone(),
                codes: self.codes.clone(),
            },
        }
    }

    /// Re-executes the call from this witness alone ([`crate::stateless_call`]).
    pub fn verify(&self) -> Result<crate::StatelessCall, crate::StatelessError> {
        let input = self.precompile_call();
        crate::stateless_call(input.chainId, &input.call, &input.witness)
    }
}

/// The environment of a call at a block: its header's EVM env, made lenient as geth's
/// `eth_call` is (no nonce check; no base-fee check when no fee is given; no per-transaction
/// gas cap, since the default gas is the block gas limit).
struct CallSetup {
    state: StateDb,
    env: EvmEnv,
    tx: TxEnv,
}

impl Chain {
    fn header_at(
        &self,
        reader: &Arc<tephra_storage::StoreReader>,
        number: u64,
    ) -> Result<Header, ChainError> {
        reader.header(number)?.ok_or_else(|| ChainError::UnknownBlock(number.to_string()))
    }

    fn call_setup(
        &self,
        request: TransactionRequest,
        at: CallAt,
        block_overrides: Option<Box<BlockOverrides>>,
    ) -> Result<(CallSetup, BTreeMap<u64, B256>), CallError> {
        let (header, state) = match at {
            CallAt::Block(number) => {
                let reader = self.reader()?;
                (self.header_at(&reader, number)?, self.state_at(reader, number)?)
            }
            CallAt::Pending(pending) => (pending.header.clone(), pending.state()),
        };
        self.call_setup_on(state, &header, request, block_overrides)
    }

    /// [`Chain::call_setup`] on `state` in the block with `header`.
    fn call_setup_on(
        &self,
        state: StateDb,
        header: &Header,
        request: TransactionRequest,
        block_overrides: Option<Box<BlockOverrides>>,
    ) -> Result<(CallSetup, BTreeMap<u64, B256>), CallError> {
        let mut env = evm_env(self.spec(), header);
        let no_fee = request.gas_price.is_none()
            && request.max_fee_per_gas.is_none()
            && request.max_priority_fee_per_gas.is_none();
        env.cfg_env.disable_nonce_check = true;
        env.cfg_env.disable_base_fee = no_fee;
        env.cfg_env.tx_gas_limit_cap = Some(u64::MAX);
        let mut hashes = BTreeMap::new();
        if let Some(overrides) = block_overrides {
            let mut recorder = BlockState::new(state.clone());
            apply_block_overrides(*overrides, &mut recorder, &mut env.block_env);
            hashes = recorder.block_hashes().clone();
        }
        let tx =
            request.try_into_tx_env(&env).map_err(|err| CallError::Invalid(err.to_string()))?;
        Ok((CallSetup { state, env, tx }, hashes))
    }

    fn run(
        &self,
        setup: &CallSetup,
        state_overrides: Option<&StateOverride>,
        hashes: &BTreeMap<u64, B256>,
        tx: TxEnv,
        inspector: CallInspector<'_>,
    ) -> Result<ExecutionResult, CallError> {
        let mut db = overridden(setup, state_overrides)?;
        db.insert_block_hashes(hashes.clone());
        self.framework().transact(setup.env.clone(), &mut db, tx, inspector).map_err(evm_failure)
    }

    /// `eth_call`: runs `request` on the state `at` a block.
    pub fn call(
        &self,
        request: TransactionRequest,
        at: impl Into<CallAt>,
        state: Option<StateOverride>,
        block: Option<Box<BlockOverrides>>,
    ) -> Result<Bytes, CallError> {
        let (setup, hashes) = self.call_setup(request, at.into(), block)?;
        let gas_limit = setup.tx.gas_limit;
        let result =
            self.run(&setup, state.as_ref(), &hashes, setup.tx.clone(), CallInspector::None)?;
        call_output(result, gas_limit)
    }

    /// `tephra_callWitness`: runs `request` as [`Chain::call`] does on the state after block
    /// `number` (the chain's own framework, the same lenient environment), and returns its
    /// result with what [`crate::stateless_call`] needs to re-execute it against that block's
    /// state root: the header, the call's parameters as run, and the trie nodes and bytecodes
    /// it read (the path of every account and slot read, absent ones included).
    ///
    /// The call runs on the committed state, without dev overrides (which no state root
    /// commits to). It must name a `to` (a creation is not a read) and carry no value; its gas
    /// price is taken as zero (the stateless side charges nothing) and its gas defaults to the
    /// block gas limit, at most [`CALL_WITNESS_GAS_CAP`]. Block and state overrides do not apply.
    pub fn call_witness(
        &self,
        mut request: TransactionRequest,
        number: u64,
    ) -> Result<CallWitness, CallError> {
        let to = match request.to {
            Some(TxKind::Call(to)) => to,
            _ => {
                return Err(CallError::Invalid(
                    "a call witness needs a `to` address: a contract creation is not a read".into(),
                ));
            }
        };
        if request.value.is_some_and(|value| !value.is_zero()) {
            return Err(CallError::Invalid(
                "a call witness is of a read: the call carries no value".into(),
            ));
        }
        let reader = self.reader()?;
        let header = self.header_at(&reader, number)?;
        let from = request.from.unwrap_or_default();
        let gas = request.gas.unwrap_or_else(|| header.gas_limit.min(CALL_WITNESS_GAS_CAP));
        let data = request.input.input().cloned().unwrap_or_default();
        request.from = Some(from);
        request.gas = Some(gas);
        request.gas_price = None;
        request.max_fee_per_gas = None;
        request.max_priority_fee_per_gas = None;
        request.nonce = None;
        // The committed state after `number`: what the header's state root commits to.
        let committed = StateDb::at(reader.clone(), number);
        let (CallSetup { env, tx, .. }, _) =
            self.call_setup_on(committed.clone(), &header, request, None)?;
        let mut state = BlockState::new(committed);
        let result = self
            .framework()
            .transact(env, &mut state, tx, CallInspector::None)
            .map_err(evm_failure)?;
        let (nodes, codes) = self.read_witness(&reader, header.state_root, &state)?;
        let gas_used = result.gas().tx_gas_used();
        let (success, output) = crate::stateless_call::read_outcome(result);
        Ok(CallWitness {
            header: alloy_rlp::encode(&header).into(),
            chain_id: self.spec().chain_id,
            from,
            to,
            data,
            gas,
            state: nodes,
            codes,
            success,
            output,
            gas_used,
        })
    }

    /// `eth_estimateGas`: the least gas limit at which `request` succeeds, by binary search
    /// between what it used and the cap (the request's gas, or the block gas limit, bounded by
    /// what the sender can pay for), as geth does.
    pub fn estimate_gas(
        &self,
        request: TransactionRequest,
        at: impl Into<CallAt>,
        state: Option<StateOverride>,
    ) -> Result<u64, CallError> {
        self.estimate_gas_as(request, at, state, None)
    }

    /// [`Chain::estimate_gas`] of `request` run as a transaction of EIP-2718 type `tx_type`
    /// (the framework's EVM sees it in the transaction's `tx_type`): a ZK Stack priority
    /// transaction's estimate, say, which the framework runs as the bootloader runs one.
    pub fn estimate_gas_as(
        &self,
        request: TransactionRequest,
        at: impl Into<CallAt>,
        state: Option<StateOverride>,
        tx_type: Option<u8>,
    ) -> Result<u64, CallError> {
        let (mut setup, hashes) = self.call_setup(request.clone(), at.into(), None)?;
        if let Some(tx_type) = tx_type {
            setup.tx.tx_type = tx_type;
        }
        let mut hi = request.gas.unwrap_or(setup.env.block_env.gas_limit);
        // A transaction cannot carry more than the per-transaction cap (EIP-7825, Osaka).
        if self.spec().is_osaka_active_at_timestamp(setup.env.block_env.timestamp.saturating_to()) {
            hi = hi.min(alloy_eips::eip7825::MAX_TX_GAS_LIMIT_OSAKA);
        }
        if setup.tx.gas_price > 0 {
            let balance = {
                let mut db = overridden(&setup, state.as_ref())?;
                revm::Database::basic(&mut db, setup.tx.caller)?
                    .map(|a| a.balance)
                    .unwrap_or_default()
            };
            let available = balance.saturating_sub(setup.tx.value);
            let allowance = available / U256::from(setup.tx.gas_price);
            hi = hi.min(allowance.saturating_to());
        }
        let attempt = |gas: u64| -> Result<ExecutionResult, CallError> {
            let mut tx = setup.tx.clone();
            tx.gas_limit = gas;
            self.run(&setup, state.as_ref(), &hashes, tx, CallInspector::None)
        };
        let first = attempt(hi)?;
        let used = match &first {
            ExecutionResult::Success { gas, .. } => gas.tx_gas_used(),
            ExecutionResult::Revert { output, .. } => {
                return Err(CallError::Reverted(output.clone()));
            }
            ExecutionResult::Halt { reason, .. } => {
                return Err(CallError::Halted(halt_message(reason, hi)));
            }
        };
        let total = first.gas().total_gas_spent().max(used);
        // Most transactions succeed with what they spent (plus the 63/64 reserve for calls).
        let optimistic = (total + first.gas().final_refunded() + 2_300) * 64 / 63;
        let (mut lo, mut hi) = (used.saturating_sub(1), hi);
        if optimistic < hi && matches!(attempt(optimistic)?, ExecutionResult::Success { .. }) {
            hi = optimistic;
        }
        while lo + 1 < hi {
            let mid = lo + (hi - lo) / 2;
            match attempt(mid) {
                Ok(ExecutionResult::Success { .. }) => hi = mid,
                Ok(_) | Err(CallError::Invalid(_)) => lo = mid,
                Err(other) => return Err(other),
            }
        }
        Ok(hi)
    }

    /// `eth_estimateGas` of a transaction the framework runs whole to validate it (a ZK Stack
    /// paymaster-sponsored one, whose paymaster validation and `postTransaction` spend gas
    /// besides its call): the least gas limit at which `tx(gas)`, sent by `sender`, is valid
    /// and succeeds as the next block would run it, by binary search up to `cap`.
    pub fn estimate_transaction(
        &self,
        sender: Address,
        cap: u64,
        tx: impl Fn(u64) -> TxEnvelope,
    ) -> Result<u64, CallError> {
        // A transaction cannot carry more than the per-transaction cap (EIP-7825, Osaka).
        let next = self.head().header.timestamp + 1;
        let cap = match self.spec().is_osaka_active_at_timestamp(next) {
            true => cap.min(alloy_eips::eip7825::MAX_TX_GAS_LIMIT_OSAKA),
            false => cap,
        };
        let attempt = |gas: u64| -> Result<Validation, CallError> {
            let envelope = tx(gas);
            Ok(self.validate_transaction(Recovered::new_unchecked(&envelope, sender))?)
        };
        let succeeds = |gas: u64| -> Result<bool, CallError> {
            Ok(matches!(attempt(gas)?, Ok(Some(ExecutionResult::Success { .. }))))
        };
        let used = match attempt(cap)? {
            Ok(Some(ExecutionResult::Success { gas, .. })) => gas.tx_gas_used(),
            Ok(Some(ExecutionResult::Revert { output, .. })) => {
                return Err(CallError::Reverted(output));
            }
            Ok(Some(ExecutionResult::Halt { reason, .. })) => {
                return Err(CallError::Halted(halt_message(&reason, cap)));
            }
            Ok(None) => {
                return Err(CallError::Invalid(
                    "this transaction runs as its call: estimate the call".to_string(),
                ));
            }
            Err(reason) => return Err(CallError::Invalid(reason)),
        };
        // What the transaction used with all the gas is no lower bound: steps that take the
        // gas left (a paymaster's `postTransaction`) use less, or nothing, with less.
        let (mut lo, mut hi) = (0, cap);
        // As for calls: most succeed with what they used plus the 63/64 reserve.
        let optimistic = (used + 2_300) * 64 / 63;
        if optimistic < hi && succeeds(optimistic)? {
            hi = optimistic;
        }
        while lo + 1 < hi {
            let mid = lo + (hi - lo) / 2;
            if succeeds(mid)? {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Ok(hi)
    }

    /// `eth_createAccessList`: the accounts and slots `request` touches, and the gas it uses
    /// with that list.
    pub fn create_access_list(
        &self,
        request: TransactionRequest,
        at: impl Into<CallAt>,
    ) -> Result<AccessListResult, CallError> {
        let (setup, hashes) = self.call_setup(request.clone(), at.into(), None)?;
        let initial = request.access_list.unwrap_or_default();
        let mut inspector = AccessListInspector::new(initial);
        self.run(
            &setup,
            None,
            &hashes,
            setup.tx.clone(),
            CallInspector::AccessList(&mut inspector),
        )?;
        let access_list = inspector.into_access_list();
        let mut tx = setup.tx.clone();
        tx.access_list = access_list.clone();
        let result = self.run(&setup, None, &hashes, tx, CallInspector::None)?;
        let error = match &result {
            ExecutionResult::Success { .. } => None,
            ExecutionResult::Revert { .. } => Some("execution reverted".to_string()),
            ExecutionResult::Halt { reason, .. } => Some(halt_message(reason, setup.tx.gas_limit)),
        };
        Ok(AccessListResult {
            access_list,
            gas_used: U256::from(result.gas().tx_gas_used()),
            error,
        })
    }

    /// `debug_traceCall`.
    pub fn trace_call(
        &self,
        request: TransactionRequest,
        at: impl Into<CallAt>,
        opts: GethDebugTracingCallOptions,
    ) -> Result<GethTrace, CallError> {
        let (setup, hashes) =
            self.call_setup(request, at.into(), opts.block_overrides.map(Box::new))?;
        let state = opts.state_overrides;
        trace_with(opts.tracing_options, |inspector| {
            let result = self.run(
                &setup,
                state.as_ref(),
                &hashes,
                setup.tx.clone(),
                CallInspector::Tracing(inspector),
            )?;
            Ok(TraceOutcome {
                gas_used: result.gas().tx_gas_used(),
                output: result.output().cloned().unwrap_or_default(),
            })
        })
    }

    /// `debug_traceTransaction`: replays the transaction's block up to it on the parent state
    /// (system calls and earlier transactions included), then traces it.
    pub fn trace_transaction(
        &self,
        hash: B256,
        opts: GethDebugTracingOptions,
    ) -> Result<GethTrace, CallError> {
        let reader = self.reader()?;
        let location = reader
            .tx_location(&hash)?
            .ok_or_else(|| CallError::Invalid(format!("transaction {hash} not found")))?;
        let (header, mut db) =
            self.replay(&reader, location.block, location.index as usize, false)?;
        let transactions = reader.transactions(location.block)?.unwrap_or_default();
        let senders = reader.senders(location.block)?.unwrap_or_default();
        let index = location.index as usize;
        let (tx, sender) = transactions
            .get(index)
            .zip(senders.get(index))
            .ok_or_else(|| ChainError::UnknownBlock(location.block.to_string()))?;
        trace_with(opts, |inspector| {
            self.framework()
                .trace_transaction(
                    self.spec(),
                    &header,
                    &mut db,
                    Recovered::new_unchecked(tx, *sender),
                    inspector,
                )
                .map_err(CallError::Chain)
        })
    }
}

/// The call's state with the request's state overrides applied.
fn overridden(
    setup: &CallSetup,
    overrides: Option<&StateOverride>,
) -> Result<BlockState, CallError> {
    let mut db = BlockState::new(setup.state.clone());
    if let Some(overrides) = overrides {
        apply_state_overrides(overrides.clone(), &mut db).map_err(|err| match err {
            alloy_evm::overrides::StateOverrideError::Database(err) => CallError::Chain(err),
            other => CallError::Invalid(other.to_string()),
        })?;
    }
    Ok(db)
}

/// Runs `execute` under the tracer `opts` selects and shapes its output as geth does.
fn trace_with(
    opts: GethDebugTracingOptions,
    execute: impl FnOnce(&mut TracingInspector) -> Result<TraceOutcome, CallError>,
) -> Result<GethTrace, CallError> {
    match opts.tracer {
        None => {
            let config = TracingInspectorConfig::from_geth_config(&opts.config);
            let mut inspector = TracingInspector::new(config);
            let TraceOutcome { gas_used, output } = execute(&mut inspector)?;
            let frame = inspector.into_geth_builder().geth_traces(gas_used, output, opts.config);
            Ok(GethTrace::Default(frame))
        }
        Some(GethDebugTracerType::BuiltInTracer(GethDebugBuiltInTracerType::CallTracer)) => {
            let call_config = opts
                .tracer_config
                .into_call_config()
                .map_err(|err| CallError::Invalid(format!("invalid callTracer config: {err}")))?;
            let config = TracingInspectorConfig::from_geth_call_config(&call_config);
            let mut inspector = TracingInspector::new(config);
            let TraceOutcome { gas_used, .. } = execute(&mut inspector)?;
            let frame = inspector.into_geth_builder().geth_call_traces(call_config, gas_used);
            Ok(GethTrace::CallTracer(frame))
        }
        Some(GethDebugTracerType::BuiltInTracer(GethDebugBuiltInTracerType::NoopTracer)) => {
            Ok(GethTrace::NoopTracer(NoopFrame::default()))
        }
        Some(other) => Err(CallError::Invalid(format!("tracer {other:?} is not supported"))),
    }
}
