//! ZK Stack's priority (L1 -> L2) transactions around alloy-evm's Ethereum block executor, as
//! ZKsync's bootloader processes an L1 transaction (`processL1Tx`):
//!
//! 1. the call's `value` is minted to the sender, and the call runs from the sender with that
//!    value, the transaction's gas limit and no fee charged to the sender; its nonce does not
//!    move (a priority transaction's nonce is its serial id), the L2 base fee does not bind
//!    (the gas price was fixed on L1), and a sender with code is not refused (an aliased L1
//!    contract);
//! 2. on a chain whose pubdata is priced, its gas used rises to what it publishes at the gas
//!    per pubdata byte it allows (which its deposit paid for); if its gas limit cannot pay,
//!    the call fails, its changes dropped and its whole gas limit used;
//! 3. the operator (the block's beneficiary) is paid `gasPrice * gasUsed`;
//! 4. the refund recipient gets what is left of `toMint`: `toMint - value - fee` if the call
//!    succeeded, `toMint - fee` if it failed (its value transfer reverted with it, and the
//!    minted value with it).
//!
//! A priority transaction the EVM refuses before running it (its gas limit below the
//! intrinsic gas, say) fails: no gas is used and the whole `toMint` goes to the refund
//! recipient. One that deposited less than `value + gasLimit * gasPrice` stops the block, as
//! the bootloader's "deposited eth too low" assertion stops a batch: the L1 Mailbox refuses to
//! queue such a transaction. Whether a priority transaction fits in the block's gas is the
//! block builder's choice, as for any required transaction.

use super::{
    paymaster::execute_sponsored,
    pubdata::{PubdataCharge, charge, check_limit, set_gas, tx_pubdata, unpaid},
};
use crate::{balances::adjust, receipts::Receipts};
use alloy_consensus::{Transaction as _, TxReceipt, transaction::Recovered};
use alloy_eips::eip7702::SignedAuthorization;
use alloy_evm::{
    Evm, RecoveredTx,
    block::{
        BlockExecutionError, BlockExecutionResult, BlockExecutor, BlockValidationError,
        ExecutableTx, GasOutput, OnStateHook,
    },
    eth::{EthBlockExecutor, EthEvm, EthTxResult},
    precompiles::PrecompilesMap,
};
use alloy_primitives::{Address, Bytes, U256};
use revm::{
    Database, DatabaseCommit, Journal,
    context::{Block, CfgEnv},
    context_interface::{
        JournalTr,
        journaled_state::account::JournaledAccountTr,
        result::{EVMError, ExecutionResult, HaltReason, ResultAndState, ResultGas},
    },
    handler::pre_execution::apply_auth_list,
    inspector::NoOpInspector,
    state::EvmState,
};
use tephra_chain::{BlockState, ChainError, ChainSpec};
use tephra_primitives::{
    TxEnvelope, TxType,
    tx::{TxPriority, priority_tx_env},
};

/// The EVM of a zk-stack block: Ethereum's, with ZK Stack's system contracts.
pub(crate) type ZkEvm<'s> = EthEvm<&'s mut BlockState, NoOpInspector, PrecompilesMap>;

/// Ethereum's block executor, with ZK Stack's priority transactions.
pub(crate) struct ZkExecutor<'a, 's> {
    /// The profile, whose system contracts a sponsored transaction's EVM installs.
    pub(crate) zk: super::ZkStack,
    pub(crate) inner: EthBlockExecutor<'a, ZkEvm<'s>, &'a ChainSpec, Receipts>,
}

/// The EVM configuration a priority transaction runs under: no nonce check, no base fee
/// check, no refusal of a sender with code, no per-transaction gas cap (EIP-7825) beyond the
/// block's gas limit.
pub(crate) fn priority_cfg<S>(cfg: &mut CfgEnv<S>) {
    cfg.disable_nonce_check = true;
    cfg.disable_base_fee = true;
    cfg.disable_eip3607 = true;
    cfg.tx_gas_limit_cap = Some(u64::MAX);
}

/// Mints `tx`'s call value to its sender in `db` (committed, so that the EVM sees it).
pub(crate) fn mint_value<DB: Database + DatabaseCommit>(
    db: &mut DB,
    tx: &TxPriority,
) -> Result<(), DB::Error> {
    let mut state = EvmState::default();
    adjust(&mut state, db, tx.from, tx.value, true)?;
    db.commit(state);
    Ok(())
}

/// The wei a priority transaction must have deposited: its value and its gas at its price.
fn required_deposit(tx: &TxPriority) -> U256 {
    tx.value + U256::from(tx.gas_limit) * U256::from(tx.max_fee_per_gas)
}

impl ZkExecutor<'_, '_> {
    /// The block's gas not used by the transactions so far.
    fn available_gas(&self) -> u64 {
        let used = self.inner.receipts().last().map_or(0, |receipt| receipt.cumulative_gas_used());
        self.inner.evm().block().gas_limit().saturating_sub(used)
    }

    fn priority(
        &mut self,
        tx: &TxPriority,
        envelope: &TxEnvelope,
    ) -> Result<EthTxResult<HaltReason, TxType>, BlockExecutionError> {
        let required = required_deposit(tx);
        if tx.to_mint() < required {
            return Err(BlockExecutionError::msg(format!(
                "priority transaction {} deposited {} wei, less than its value and gas ({required}): deposited eth too low",
                tx.serial_id,
                tx.to_mint()
            )));
        }
        let available = self.available_gas();
        if tx.gas_limit > available {
            return Err(BlockValidationError::TransactionGasLimitMoreThanAvailableBlockGas {
                transaction_gas_limit: tx.gas_limit,
                block_available_gas: available,
            }
            .into());
        }
        let beneficiary = self.inner.evm().block().beneficiary();
        let db = self.inner.evm_mut().db_mut();
        let nonce = db.basic(tx.from).map_err(BlockExecutionError::other)?.map_or(0, |a| a.nonce);
        mint_value(db, tx).map_err(BlockExecutionError::other)?;

        let saved = self.inner.evm().cfg_env().clone();
        priority_cfg(&mut self.inner.evm_mut().ctx_mut().cfg);
        let outcome = self.inner.execute_transaction_without_commit((
            priority_tx_env(tx),
            Recovered::new_unchecked(envelope, tx.from),
        ));
        self.inner.evm_mut().ctx_mut().cfg = saved;

        let db = self.inner.evm_mut().db_mut();
        let mut output = match outcome {
            Ok(output) => output,
            Err(BlockExecutionError::Validation(BlockValidationError::InvalidTx { .. })) => {
                // Refused before running: no gas, the whole deposit refunded.
                let result = ExecutionResult::Revert {
                    gas: ResultGas::default(),
                    logs: Vec::new(),
                    output: Bytes::new(),
                };
                let mut state = EvmState::default();
                adjust(&mut state, db, tx.from, tx.value, false)
                    .map_err(BlockExecutionError::other)?;
                adjust(&mut state, db, tx.refund_recipient(), tx.to_mint(), true)
                    .map_err(BlockExecutionError::other)?;
                return Ok(EthTxResult {
                    result: ResultAndState { result, state },
                    blob_gas_used: 0,
                    tx_type: TxType::Priority,
                });
            }
            Err(other) => return Err(other),
        };
        let limit = tx.gas_per_pubdata_byte_limit.saturating_to();
        let gas_per_pubdata = self.zk.priority_gas_per_pubdata(limit);
        if gas_per_pubdata > 0 {
            let ResultAndState { result, state } = &mut output.result;
            let pubdata = tx_pubdata(db, state, result.logs());
            match charge(pubdata, gas_per_pubdata, result.tx_gas_used(), tx.gas_limit) {
                PubdataCharge::Covered(gas) => set_gas(result, gas),
                PubdataCharge::Exceeds => {
                    *state = EvmState::default();
                    *result = unpaid(tx.gas_limit);
                }
            }
        }
        let result = &output.result.result;
        let fee = U256::from(result.gas().tx_gas_used()) * U256::from(tx.max_fee_per_gas);
        let success = result.is_success();
        let state = &mut output.result.state;
        let settle = |state: &mut EvmState, db: &mut &mut BlockState| {
            if !success {
                // The call's value transfer reverted: the minted value goes back with it.
                adjust(state, db, tx.from, tx.value, false)?;
            }
            let spent = if success { tx.value + fee } else { fee };
            adjust(state, db, beneficiary, fee, true)?;
            adjust(state, db, tx.refund_recipient(), tx.to_mint() - spent, true)
        };
        settle(state, db).map_err(BlockExecutionError::other)?;
        // The sender's nonce is not the transaction's: revm's increment is undone.
        if let Some(sender) = state.get_mut(&tx.from) {
            sender.info.nonce = nonce;
        }
        Ok(output)
    }
}

/// Who pays for an L2 transaction's gas, and at what price.
#[derive(Debug, Clone)]
struct Payer {
    sender: Address,
    gas_limit: u64,
    /// The effective gas price, in wei.
    price: u128,
    /// Its EIP-7702 authorizations, which outlast a revert of its execution.
    authorizations: Vec<SignedAuthorization>,
}

impl ZkExecutor<'_, '_> {
    /// Charges an L2 transaction's pubdata at `gas_per_pubdata` (see `pubdata.rs`): its gas
    /// used rises to its pubdata's gas, the sender paying the difference at its gas price; or,
    /// if its gas limit cannot pay, it reverts: of its changes only its nonce, its EIP-7702
    /// delegations and the fee of its whole gas limit remain (ZKsync OS rolls back to the end
    /// of validation, where the authorization list was applied).
    fn charge_pubdata(
        &mut self,
        Payer { sender, gas_limit, price, authorizations }: Payer,
        output: &mut EthTxResult<HaltReason, TxType>,
        gas_per_pubdata: u64,
    ) -> Result<(), ChainError> {
        let (chain_id, spec) = (self.inner.evm().chain_id(), self.inner.evm().cfg_env().spec);
        let block = self.inner.evm().block();
        let (beneficiary, base_fee) = (block.beneficiary(), block.basefee());
        let tip = U256::from(price - u128::from(base_fee));
        let price = U256::from(price);
        let db = self.inner.evm_mut().db_mut();
        let ResultAndState { result, state } = &mut output.result;
        let pubdata = tx_pubdata(db, state, result.logs());
        let gas_used = result.tx_gas_used();
        match charge(pubdata, gas_per_pubdata, gas_used, gas_limit) {
            PubdataCharge::Covered(gas) if gas == gas_used => {}
            PubdataCharge::Covered(gas) => {
                let extra = U256::from(gas - gas_used);
                adjust(state, db, sender, extra * price, false)?;
                adjust(state, db, beneficiary, extra * tip, true)?;
                set_gas(result, gas);
            }
            PubdataCharge::Exceeds => {
                let limit = U256::from(gas_limit);
                // What validation left: the nonce, then the authorizations (revm's own rules).
                let mut journal = Journal::<_>::new(&mut *db);
                journal.set_spec_id(spec);
                journal.load_account_mut(sender)?.data.bump_nonce();
                apply_auth_list::<_, EVMError<_>>(chain_id, 0, authorizations.iter(), &mut journal)
                    .map_err(|err| match err {
                        EVMError::Database(err) => err,
                        other => unreachable!("applying authorizations only reads: {other}"),
                    })?;
                let mut reverted = journal.finalize();
                adjust(&mut reverted, db, sender, limit * price, false)?;
                adjust(&mut reverted, db, beneficiary, limit * tip, true)?;
                *state = reverted;
                *result = unpaid(gas_limit);
            }
        }
        Ok(())
    }
}

impl<'a, 's> BlockExecutor for ZkExecutor<'a, 's> {
    type Transaction = TxEnvelope;
    type Receipt = tephra_primitives::ReceiptEnvelope;
    type Evm = ZkEvm<'s>;
    type Result = EthTxResult<HaltReason, TxType>;

    fn apply_pre_execution_changes(&mut self) -> Result<(), BlockExecutionError> {
        self.inner.apply_pre_execution_changes()
    }

    fn execute_transaction_without_commit(
        &mut self,
        tx: impl ExecutableTx<Self>,
    ) -> Result<Self::Result, BlockExecutionError> {
        let (tx_env, recovered) = tx.into_parts();
        let envelope: &TxEnvelope = recovered.tx();
        if let TxEnvelope::Eip712(tx) = envelope
            && let Some(paymaster) = tx.paymaster()
        {
            let available = self.available_gas();
            return execute_sponsored(
                &self.zk,
                self.inner.evm_mut(),
                envelope,
                tx,
                paymaster,
                available,
                false,
            );
        }
        if let TxEnvelope::Priority(priority) = envelope {
            return self.priority(priority.inner(), envelope);
        }
        let base_fee = self.inner.evm().block().basefee();
        let gas_per_pubdata = self.zk.gas_per_pubdata(base_fee);
        if gas_per_pubdata == 0 {
            return self.inner.execute_transaction_without_commit((tx_env, recovered));
        }
        check_limit(envelope, gas_per_pubdata).map_err(|error| {
            BlockValidationError::InvalidTx { hash: envelope.tx_hash(), error: Box::new(error) }
        })?;
        let payer = Payer {
            sender: *recovered.signer(),
            gas_limit: envelope.gas_limit(),
            price: envelope.effective_gas_price(Some(base_fee)),
            authorizations: envelope.authorization_list().unwrap_or_default().to_vec(),
        };
        let mut output = self.inner.execute_transaction_without_commit((tx_env, recovered))?;
        self.charge_pubdata(payer, &mut output, gas_per_pubdata)
            .map_err(BlockExecutionError::other)?;
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
