//! Nitro's gas charging around alloy-evm's Ethereum block executor: the poster's L1 cost
//! becomes extra L2 gas (`gasUsedForL1`) taken before execution, tips are dropped, and the
//! fees are paid where ArbOS pays them. Also the transactions ArbOS runs itself: deposits,
//! retryable submissions (Nitro's `StartTxHook`, no EVM) and retries (`StartTxHook` and
//! `EndTxHook` around the EVM), and the redeems a transaction schedules (`ScheduledTxes`).
//!
//! Nitro's `GasChargingHook` runs after intrinsic gas is charged and takes the poster gas out
//! of the gas left before the EVM starts; its `EndTxHook` mints `basefee * computeGas` to the
//! network fee account and the poster fee to the L1 pricer funds pool (geth burnt the base
//! fee of all gas used). This executor does the same around revm without a handler fork: it
//! lowers the transaction's gas limit by the poster gas (so execution sees exactly the gas
//! Nitro leaves it), then adds the poster gas back to the result's gas (receipts, block gas)
//! and settles the balances in the transaction's state changes before they are committed.

use super::{
    ARB_RETRYABLE_TX, ARBOS_STATE, L1_PRICER_FUNDS_POOL, Nitro, NitroForks,
    retryables::{self, ArbRetryableTx, ArbosSlots, RETRYABLE_LIFETIME_SECONDS, Retryable},
};
use crate::balances::adjust;
use crate::receipts::Receipts;
use alloy_consensus::transaction::Recovered;
use alloy_eips::Encodable2718;
use alloy_evm::{
    Evm, RecoveredTx,
    block::{
        BlockExecutionError, BlockExecutionResult, BlockExecutor, BlockValidationError,
        ExecutableTx, GasOutput, OnStateHook,
    },
    eth::{EthBlockExecutor, EthEvm, EthTxResult},
    precompiles::PrecompilesMap,
};
use alloy_primitives::{Address, B256, Bytes, Log, U256};
use alloy_sol_types::SolEvent;
use revm::{
    Database,
    context::{Block, TxEnv},
    context_interface::result::{
        ExecutionResult, HaltReason, InvalidTransaction, Output, ResultAndState, ResultGas,
        SuccessReason,
    },
    inspector::NoOpInspector,
    primitives::hardfork::SpecId,
    state::{Account, EvmState, EvmStorageSlot},
};
use std::sync::{Arc, Mutex};
use tephra_chain::BlockState;
use tephra_primitives::{
    TxEnvelope, TxType,
    tx::{TxArbitrumDeposit, TxArbitrumRetry, TxArbitrumSubmitRetryable},
};

/// The EVM of a Nitro block: Ethereum's, with ArbSys and ArbGasInfo among its precompiles.
pub(crate) type NitroEvm<'s> = EthEvm<&'s mut BlockState, NoOpInspector, PrecompilesMap>;

/// Nitro's charging around Ethereum's block executor.
pub(crate) struct NitroExecutor<'a, 's> {
    pub(crate) inner: EthBlockExecutor<'a, NitroEvm<'s>, &'a NitroForks, Receipts>,
    pub(crate) nitro: &'a Nitro,
    /// The chain id (of the retries it schedules).
    pub(crate) chain_id: u64,
    /// Shared with ArbGasInfo's `getCurrentTxL1GasFees()`.
    pub(crate) poster_fee: Arc<Mutex<U256>>,
    /// Shared with ArbRetryableTx: the retryable whose attempt runs now.
    pub(crate) current_retryable: Arc<Mutex<Option<(B256, Address)>>>,
    /// Compute gas the block's user transactions may still use (Nitro's `blockGasLeft`,
    /// from [`super::PER_BLOCK_GAS_LIMIT`]).
    pub(crate) user_gas_left: u64,
    /// User transactions taken so far.
    pub(crate) user_txs: u64,
}

/// Why a scheduled redeem attempt cannot run (Nitro's block processor leaves it out).
#[derive(Debug, thiserror::Error)]
pub(crate) enum RetryRefused {
    /// The retryable was redeemed, cancelled or has expired.
    #[error("retryable {0} does not exist or has expired")]
    NoTicket(B256),
    /// The escrow cannot pay the call value.
    #[error("the escrow of retryable {ticket} holds {held} wei, less than the call value {value}")]
    EscrowShort {
        /// The ticket.
        ticket: B256,
        /// What the escrow holds.
        held: U256,
        /// The retryable's call value.
        value: U256,
    },
}

impl alloy_evm::InvalidTxError for RetryRefused {
    fn as_invalid_tx_err(&self) -> Option<&InvalidTransaction> {
        None
    }
}

/// Nitro's `takeFunds`: takes up to `take` from `pool` without going below zero; returns what
/// it took.
fn take_funds(pool: &mut U256, take: U256) -> U256 {
    let taken = take.min(*pool);
    *pool -= taken;
    taken
}

/// Balance and storage edits a transaction makes outside the EVM, into its state changes
/// (`state`), reading what it has not touched from `db`.
struct StateEdit<'e, DB> {
    state: &'e mut EvmState,
    db: &'e mut DB,
}

impl<DB: Database> StateEdit<'_, DB> {
    fn account(&mut self, address: Address) -> Result<&mut Account, DB::Error> {
        let account = match self.state.entry(address) {
            std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
            std::collections::hash_map::Entry::Vacant(entry) => {
                let account = match self.db.basic(address)? {
                    Some(info) => Account::from(info),
                    None => Account::new_not_existing(0),
                };
                entry.insert(account)
            }
        };
        account.mark_touch();
        Ok(account)
    }

    fn balance(&mut self, address: Address) -> Result<U256, DB::Error> {
        Ok(self.account(address)?.info.balance)
    }

    fn mint(&mut self, address: Address, amount: U256) -> Result<(), DB::Error> {
        if !amount.is_zero() {
            let account = self.account(address)?;
            account.info.balance = account.info.balance.saturating_add(amount);
        }
        Ok(())
    }

    /// Takes `amount` from `address`; false (and nothing taken) if it holds less.
    fn burn(&mut self, address: Address, amount: U256) -> Result<bool, DB::Error> {
        if amount.is_zero() {
            return Ok(true);
        }
        let account = self.account(address)?;
        let Some(left) = account.info.balance.checked_sub(amount) else { return Ok(false) };
        account.info.balance = left;
        Ok(true)
    }

    /// Moves `amount`; false (and nothing moved) if `from` holds less (Nitro's
    /// `TransferBalance` failing with "insufficient balance").
    fn transfer(&mut self, from: Address, to: Address, amount: U256) -> Result<bool, DB::Error> {
        if !self.burn(from, amount)? {
            return Ok(false);
        }
        self.mint(to, amount)?;
        Ok(true)
    }
}

impl<DB: Database> ArbosSlots for StateEdit<'_, DB> {
    type Error = DB::Error;

    fn load(&mut self, slot: U256) -> Result<U256, DB::Error> {
        if let Some(value) = self.state.get(&ARBOS_STATE).and_then(|a| a.storage.get(&slot)) {
            return Ok(value.present_value);
        }
        self.db.storage(ARBOS_STATE, slot)
    }

    fn store(&mut self, slot: U256, value: U256) -> Result<(), DB::Error> {
        let original = match self.state.get(&ARBOS_STATE).and_then(|a| a.storage.get(&slot)) {
            Some(present) => present.original_value,
            None => self.db.storage(ARBOS_STATE, slot)?,
        };
        let account = self.account(ARBOS_STATE)?;
        account.storage.insert(slot, EvmStorageSlot::new_changed(original, value, 0));
        Ok(())
    }
}

fn arb_log(event: impl SolEvent) -> Log {
    Log { address: ARB_RETRYABLE_TX, data: event.encode_log_data() }
}

/// An outcome of a transaction ArbOS ends before the EVM (Nitro's `endTxNow`): success with
/// `gas` used and `output`, or a failure (Nitro's `result.Err`) that keeps the state changes.
fn ended(
    success: bool,
    gas: u64,
    logs: Vec<Log>,
    output: Bytes,
    state: EvmState,
    tx_type: TxType,
) -> EthTxResult<HaltReason, TxType> {
    let result = if success {
        ExecutionResult::Success {
            reason: SuccessReason::Stop,
            gas: ResultGas::default().with_total_gas_spent(gas),
            logs,
            output: Output::Call(output),
        }
    } else {
        ExecutionResult::Revert {
            gas: ResultGas::default().with_total_gas_spent(gas),
            logs,
            output,
        }
    };
    EthTxResult { result: ResultAndState { result, state }, blob_gas_used: 0, tx_type }
}

/// Nitro drops the tip (ArbOS 32 collects none): the sender pays the base fee per gas.
pub(crate) fn drop_tip(tx: &mut TxEnv, basefee: u64) {
    match tx.gas_priority_fee {
        Some(_) => tx.gas_priority_fee = Some(0),
        None if tx.gas_price >= basefee as u128 => tx.gas_price = basefee as u128,
        None => {}
    }
}

/// The gas accounting of `result`, whatever its outcome.
pub(crate) fn add_gas(result: &mut ExecutionResult<HaltReason>, extra: u64) {
    let gas = match result {
        ExecutionResult::Success { gas, .. }
        | ExecutionResult::Revert { gas, .. }
        | ExecutionResult::Halt { gas, .. } => gas,
    };
    gas.set_total_gas_spent(gas.total_gas_spent() + extra);
}

impl NitroExecutor<'_, '_> {
    /// Nitro's ETH deposit (type `0x64`): `value` is minted to the depositor and moved to the
    /// recipient, without the EVM, gas or nonce; it always succeeds.
    fn deposit(
        &mut self,
        deposit: &TxArbitrumDeposit,
    ) -> Result<EthTxResult<HaltReason, TxType>, BlockExecutionError> {
        let mut state = EvmState::default();
        let db = self.inner.evm_mut().db_mut();
        let value = deposit.value;
        let moves = [(deposit.from, true), (deposit.from, false), (deposit.to, true)];
        for (address, credit) in moves {
            adjust(&mut state, db, address, value, credit).map_err(BlockExecutionError::other)?;
        }
        let result = ExecutionResult::Success {
            reason: SuccessReason::Stop,
            gas: ResultGas::default(),
            logs: Vec::new(),
            output: Output::Call(Bytes::new()),
        };
        Ok(EthTxResult {
            result: ResultAndState { result, state },
            blob_gas_used: 0,
            tx_type: TxType::ArbitrumDeposit,
        })
    }
}

impl NitroExecutor<'_, '_> {
    /// Nitro's retryable submission (type `0x69`, `StartTxHook`): mints the deposit to the
    /// sender, takes the submission fee to the network fee account and refunds the rest of the
    /// maximum, escrows the call value, stores the ticket (`TicketCreated`), and if the sender
    /// can pay `gas * gasFeeCap` pays `gas` at the base fee to the network fee account,
    /// refunds the fee cap's excess and schedules the auto-redeem (`RedeemScheduled`, run by
    /// [`Self::scheduled`]); else refunds the gas money to the fee refund address. No EVM.
    /// Fails (a failed receipt, state kept) only if the deposit cannot pay the maximum
    /// submission fee, the maximum is below the fee, or the call value cannot be escrowed.
    fn submit_retryable(
        &mut self,
        tx: &TxArbitrumSubmitRetryable,
        ticket_id: B256,
    ) -> Result<EthTxResult<HaltReason, TxType>, BlockExecutionError> {
        let basefee = U256::from(self.inner.evm().block().basefee());
        let now: u64 = self.inner.evm().block().timestamp().saturating_to();
        let network = self.nitro.network_fee_account;
        let mut state = EvmState::default();
        let mut logs = Vec::new();
        let ty = TxType::ArbitrumSubmitRetryable;
        let db = self.inner.evm_mut().db_mut();
        let mut edit = StateEdit { state: &mut state, db };
        let from = tx.from;
        let escrow = retryables::escrow_address(ticket_id);
        let e = BlockExecutionError::other;

        let mut available_refund = tx.deposit_value;
        take_funds(&mut available_refund, tx.retry_value);
        edit.mint(from, tx.deposit_value).map_err(e)?;
        if edit.balance(from).map_err(e)? < tx.max_submission_fee {
            return Ok(ended(false, 0, logs, Bytes::new(), state, ty));
        }
        let submission_fee = retryables::submission_fee(tx.retry_data.len(), tx.l1_base_fee);
        if tx.max_submission_fee < submission_fee {
            return Ok(ended(false, 0, logs, Bytes::new(), state, ty));
        }
        edit.transfer(from, network, submission_fee).map_err(e)?;
        let withheld_submission_fee = take_funds(&mut available_refund, submission_fee);
        let excess = take_funds(&mut available_refund, tx.max_submission_fee - submission_fee);
        edit.transfer(from, tx.fee_refund_addr, excess).map_err(e)?;
        if !edit.transfer(from, escrow, tx.retry_value).map_err(e)? {
            // The call value cannot be escrowed: give the submission fee back.
            edit.transfer(network, from, submission_fee).map_err(e)?;
            edit.transfer(from, tx.fee_refund_addr, withheld_submission_fee).map_err(e)?;
            return Ok(ended(false, 0, logs, Bytes::new(), state, ty));
        }
        let retryable = Retryable {
            num_tries: 0,
            from,
            to: tx.retry_to,
            callvalue: tx.retry_value,
            beneficiary: tx.beneficiary,
            calldata: tx.retry_data.clone(),
            timeout: now + RETRYABLE_LIFETIME_SECONDS,
            timeout_windows_left: 0,
        };
        retryables::create(&mut edit, ticket_id, &retryable).map_err(e)?;
        logs.push(arb_log(ArbRetryableTx::TicketCreated { ticketId: ticket_id }));

        let user_gas = tx.gas;
        let max_gas_cost = tx.gas_fee_cap.saturating_mul(U256::from(user_gas));
        let balance = edit.balance(from).map_err(e)?;
        if balance < max_gas_cost || user_gas < 21_000 || tx.gas_fee_cap < basefee {
            // No auto-redeem: the gas money goes back to the fee refund address.
            let refund = take_funds(&mut available_refund, max_gas_cost);
            edit.transfer(from, tx.fee_refund_addr, refund).map_err(e)?;
            return Ok(ended(true, 0, logs, ticket_id.into(), state, ty));
        }
        let gas_cost = basefee * U256::from(user_gas);
        edit.transfer(from, network, gas_cost).map_err(e)?;
        let withheld_gas_funds = take_funds(&mut available_refund, gas_cost);
        let price_refund = (tx.gas_fee_cap - basefee) * U256::from(user_gas);
        let price_refund = take_funds(&mut available_refund, price_refund);
        edit.transfer(from, tx.fee_refund_addr, price_refund).map_err(e)?;
        available_refund += withheld_gas_funds + withheld_submission_fee;

        let retry = retryable.make_tx(
            self.chain_id,
            0,
            basefee,
            user_gas,
            ticket_id,
            tx.fee_refund_addr,
            available_refund,
            submission_fee,
        );
        retryables::increment_tries(&mut edit, ticket_id).map_err(e)?;
        logs.push(arb_log(ArbRetryableTx::RedeemScheduled {
            ticketId: ticket_id,
            retryTxHash: retry.tx_hash(),
            sequenceNum: 0,
            donatedGas: user_gas,
            gasDonor: tx.fee_refund_addr,
            maxRefund: available_refund,
            submissionFeeRefund: submission_fee,
        }));
        // The submission's receipt counts the donated gas (Nitro's `SingleDimGas(usergas)`).
        Ok(ended(true, user_gas, logs, ticket_id.into(), state, ty))
    }

    /// Nitro's retry (type `0x68`): `StartTxHook` moves the call value from the escrow to the
    /// retryable's sender and mints the prepaid gas (`baseFee * gas`) to it; the EVM runs the
    /// call from the sender; `EndTxHook` burns what geth refunded to the sender, refunds the
    /// unused gas (and, on success, the submission fee) from the network fee account to the
    /// refund address up to the maximum refund (the rest to the sender), then deletes the
    /// retryable (escrow rest to the beneficiary) on success or puts the value back into escrow
    /// on failure. Invalid (left out of the block) when the retryable is gone or expired, the
    /// escrow cannot pay the value, or the gas cannot pay the intrinsic cost. Like every scheduled
    /// redeem it fits the block whatever its gas (Nitro blocks hold 2^50).
    fn retry(
        &mut self,
        mut tx_env: TxEnv,
        recovered: impl RecoveredTx<TxEnvelope>,
        retry: &TxArbitrumRetry,
        hash: B256,
    ) -> Result<EthTxResult<HaltReason, TxType>, BlockExecutionError> {
        let invalid = |error: InvalidTransaction| {
            BlockExecutionError::Validation(BlockValidationError::InvalidTx {
                hash,
                error: Box::new(error),
            })
        };
        let e = BlockExecutionError::other;
        let block = self.inner.evm().block();
        let basefee = U256::from(block.basefee());
        let now: u64 = block.timestamp().saturating_to();
        let network = self.nitro.network_fee_account;
        let escrow = retryables::escrow_address(retry.ticket_id);
        let intrinsic = revm::context_interface::cfg::gas::calculate_initial_tx_gas(
            SpecId::CANCUN,
            &retry.data,
            retry.to.is_create(),
            0,
            0,
            0,
        )
        .initial_total_gas;
        if retry.gas < intrinsic {
            return Err(invalid(InvalidTransaction::CallGasCostMoreThanGasLimit {
                initial_gas: intrinsic,
                gas_limit: retry.gas,
            }));
        }
        // StartTxHook, committed before the EVM reads the sender's balance.
        let mut pre = EvmState::default();
        {
            let db = self.inner.evm_mut().db_mut();
            let mut edit = StateEdit { state: &mut pre, db };
            let refused = |refusal: RetryRefused| {
                BlockExecutionError::Validation(BlockValidationError::InvalidTx {
                    hash,
                    error: Box::new(refusal),
                })
            };
            if retryables::open(&mut edit, retry.ticket_id, now).map_err(e)?.is_none() {
                return Err(refused(RetryRefused::NoTicket(retry.ticket_id)));
            }
            let held = edit.balance(escrow).map_err(e)?;
            if held < retry.value {
                let ticket = retry.ticket_id;
                return Err(refused(RetryRefused::EscrowShort {
                    ticket,
                    held,
                    value: retry.value,
                }));
            }
            edit.transfer(escrow, retry.from, retry.value).map_err(e)?;
            edit.mint(retry.from, basefee * U256::from(retry.gas)).map_err(e)?;
            tx_env.nonce = edit.account(retry.from).map_err(e)?.info.nonce;
        }
        revm::DatabaseCommit::commit(self.inner.evm_mut().db_mut(), pre);
        *self.current_retryable.lock().expect("no holder panics") =
            Some((retry.ticket_id, retry.refund_to));
        let output = self.inner.execute_transaction_without_commit((tx_env, recovered));
        *self.current_retryable.lock().expect("no holder panics") = None;
        let mut output = output?;

        // EndTxHook.
        let success = output.result.result.is_success();
        let gas_used = output.result.result.gas().tx_gas_used();
        let gas_left = retry.gas.saturating_sub(gas_used);
        let db = self.inner.evm_mut().db_mut();
        let mut edit = StateEdit { state: &mut output.result.state, db };
        let gas_refund = basefee * U256::from(gas_left);
        edit.burn(retry.from, gas_refund).map_err(e)?;
        let mut max_refund = retry.max_refund;
        // Refunds `amount` from the network fee account: to the refund address as far as the
        // L1 deposit allows, the rest to the sender. A network fee account that cannot pay
        // gives no refund (Nitro logs it).
        let refund = |edit: &mut StateEdit<'_, _>, max_refund: &mut U256, amount: U256| {
            let to_refund_addr = take_funds(max_refund, amount);
            edit.transfer(network, retry.refund_to, to_refund_addr)?;
            edit.transfer(network, retry.from, amount - to_refund_addr).map(|_| ())
        };
        if success {
            refund(&mut edit, &mut max_refund, retry.submission_fee_refund).map_err(e)?;
        } else {
            take_funds(&mut max_refund, retry.submission_fee_refund);
        }
        take_funds(&mut max_refund, basefee * U256::from(gas_used));
        refund(&mut edit, &mut max_refund, gas_refund).map_err(e)?;
        if success {
            if let Some(retryable) = retryables::open(&mut edit, retry.ticket_id, 0).map_err(e)? {
                let held = edit.balance(escrow).map_err(e)?;
                edit.transfer(escrow, retryable.beneficiary, held).map_err(e)?;
                retryables::clear(&mut edit, retry.ticket_id).map_err(e)?;
            }
        } else {
            edit.transfer(retry.from, escrow, retry.value).map_err(e)?;
        }
        Ok(output)
    }

    /// The redeems the last committed transaction scheduled (Nitro's `ScheduledTxes`): a retry
    /// for each `RedeemScheduled` event in its receipt whose retryable is still open, at this
    /// block's base fee.
    pub(crate) fn scheduled(&mut self) -> Result<Vec<Recovered<TxEnvelope>>, BlockExecutionError> {
        let Some(receipt) = self.inner.receipts().last() else { return Ok(Vec::new()) };
        let events = retryables::scheduled_redeems(receipt.logs());
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let block = self.inner.evm().block();
        let basefee = U256::from(block.basefee());
        let now: u64 = block.timestamp().saturating_to();
        let mut state = EvmState::default();
        let db = self.inner.evm_mut().db_mut();
        let mut edit = StateEdit { state: &mut state, db };
        let mut scheduled = Vec::new();
        for event in events {
            let ticket = event.ticketId;
            let Some(retryable) =
                retryables::open(&mut edit, ticket, now).map_err(BlockExecutionError::other)?
            else {
                continue;
            };
            let retry = retryable.make_tx(
                self.chain_id,
                event.sequenceNum,
                basefee,
                event.donatedGas,
                ticket,
                event.gasDonor,
                event.maxRefund,
                event.submissionFeeRefund,
            );
            let from = retry.from;
            scheduled.push(Recovered::new_unchecked(TxEnvelope::from(retry), from));
        }
        Ok(scheduled)
    }
}

impl<'a, 's> BlockExecutor for NitroExecutor<'a, 's> {
    type Transaction = TxEnvelope;
    type Receipt = tephra_primitives::ReceiptEnvelope;
    type Evm = NitroEvm<'s>;
    type Result = EthTxResult<HaltReason, TxType>;

    fn apply_pre_execution_changes(&mut self) -> Result<(), BlockExecutionError> {
        self.inner.apply_pre_execution_changes()
    }

    fn execute_transaction_without_commit(
        &mut self,
        tx: impl ExecutableTx<Self>,
    ) -> Result<Self::Result, BlockExecutionError> {
        let (mut tx_env, recovered): (TxEnv, _) = tx.into_parts();
        let envelope: &TxEnvelope = recovered.tx();
        let hash = envelope.tx_hash();
        let invalid = |error: InvalidTransaction| {
            BlockExecutionError::Validation(BlockValidationError::InvalidTx {
                hash,
                error: Box::new(error),
            })
        };
        match envelope {
            TxEnvelope::ArbitrumDeposit(deposit) => return self.deposit(deposit),
            TxEnvelope::ArbitrumSubmitRetryable(submit) => {
                return self.submit_retryable(submit, hash);
            }
            TxEnvelope::ArbitrumRetry(retry) => {
                let retry = retry.inner().clone();
                return self.retry(tx_env, recovered, &retry, hash);
            }
            _ => {}
        }
        let basefee = self.inner.evm().block().basefee();
        let poster_gas = self.nitro.poster_gas(&envelope.encoded_2718(), basefee);
        // Nitro: a gas limit that cannot pay for the calldata is "intrinsic gas too low".
        if tx_env.gas_limit < poster_gas {
            return Err(invalid(InvalidTransaction::CallGasCostMoreThanGasLimit {
                initial_gas: poster_gas,
                gas_limit: tx_env.gas_limit,
            }));
        }
        // The sender must afford the whole gas limit, poster gas included.
        let max_cost = U256::from(tx_env.gas_limit) * U256::from(tx_env.gas_price) + tx_env.value;
        let balance = self
            .inner
            .evm_mut()
            .db_mut()
            .basic(tx_env.caller)
            .map_err(BlockExecutionError::other)?
            .map(|account| account.balance)
            .unwrap_or_default();
        if balance < max_cost {
            return Err(invalid(InvalidTransaction::LackOfFundForMaxFee {
                fee: Box::new(max_cost),
                balance: Box::new(balance),
            }));
        }
        // Past the block's user gas, a user transaction waits for the next block (ArbOS < 50:
        // its compute gas limit against what is left, unless it is the block's first).
        let compute_limit = (tx_env.gas_limit - poster_gas).max(21_000);
        if self.user_txs > 0 && compute_limit > self.user_gas_left {
            return Err(BlockExecutionError::Validation(
                BlockValidationError::TransactionGasLimitMoreThanAvailableBlockGas {
                    transaction_gas_limit: compute_limit,
                    block_available_gas: self.user_gas_left,
                },
            ));
        }
        let sender = tx_env.caller;
        drop_tip(&mut tx_env, basefee);
        tx_env.gas_limit -= poster_gas;
        let poster_fee = U256::from(poster_gas) * U256::from(basefee);
        *self.poster_fee.lock().expect("no holder panics") = poster_fee;

        let mut output = self.inner.execute_transaction_without_commit((tx_env, recovered))?;
        let compute_gas = output.result.result.gas().tx_gas_used();
        self.user_gas_left = self.user_gas_left.saturating_sub(compute_gas.max(21_000));
        self.user_txs += 1;
        add_gas(&mut output.result.result, poster_gas);
        let db = self.inner.evm_mut().db_mut();
        let state = &mut output.result.state;
        let settle = |state: &mut EvmState, db: &mut &mut BlockState| {
            adjust(state, db, sender, poster_fee, false)?;
            adjust(state, db, L1_PRICER_FUNDS_POOL, poster_fee, true)?;
            // geth burnt the base fee of the compute gas; ArbOS mints it to the network.
            let compute_cost = U256::from(compute_gas) * U256::from(basefee);
            adjust(state, db, self.nitro.network_fee_account, compute_cost, true)
        };
        settle(state, db).map_err(BlockExecutionError::other)?;
        Ok(output)
    }

    fn commit_transaction(
        &mut self,
        output: Self::Result,
    ) -> Result<GasOutput, BlockExecutionError> {
        self.inner.commit_transaction(output)
    }

    fn finish(
        self,
    ) -> Result<(Self::Evm, BlockExecutionResult<Self::Receipt>), BlockExecutionError> {
        self.inner.finish()
    }

    fn set_state_hook(&mut self, hook: Option<Box<dyn OnStateHook>>) {
        self.inner.set_state_hook(hook);
    }

    fn evm_mut(&mut self) -> &mut Self::Evm {
        self.inner.evm_mut()
    }

    fn evm(&self) -> &Self::Evm {
        self.inner.evm()
    }

    fn receipts(&self) -> &[Self::Receipt] {
        self.inner.receipts()
    }
}
