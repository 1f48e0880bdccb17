//! Nitro's gas charging around alloy-evm's Ethereum block executor: the poster's L1 cost
//! becomes extra L2 gas (`gasUsedForL1`) taken before execution, tips are dropped, and the
//! fees are paid where ArbOS pays them.
//!
//! Nitro's `GasChargingHook` runs after intrinsic gas is charged and takes the poster gas out
//! of the gas left before the EVM starts; its `EndTxHook` mints `basefee * computeGas` to the
//! network fee account and the poster fee to the L1 pricer funds pool (geth burnt the base
//! fee of all gas used). This executor does the same around revm without a handler fork: it
//! lowers the transaction's gas limit by the poster gas (so execution sees exactly the gas
//! Nitro leaves it), then adds the poster gas back to the result's gas (receipts, block gas)
//! and settles the balances in the transaction's state changes before they are committed.

use super::{L1_PRICER_FUNDS_POOL, Nitro, NitroForks};
use crate::balances::adjust;
use crate::receipts::Receipts;
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
use alloy_primitives::{Bytes, U256};
use revm::{
    Database,
    context::{Block, TxEnv},
    context_interface::result::{
        ExecutionResult, HaltReason, InvalidTransaction, Output, ResultAndState, ResultGas,
        SuccessReason,
    },
    inspector::NoOpInspector,
    state::EvmState,
};
use std::sync::{Arc, Mutex};
use tephra_chain::BlockState;
use tephra_primitives::{TxEnvelope, TxType, tx::TxArbitrumDeposit};

/// The EVM of a Nitro block: Ethereum's, with ArbSys and ArbGasInfo among its precompiles.
pub(crate) type NitroEvm<'s> = EthEvm<&'s mut BlockState, NoOpInspector, PrecompilesMap>;

/// Nitro's charging around Ethereum's block executor.
pub(crate) struct NitroExecutor<'a, 's> {
    pub(crate) inner: EthBlockExecutor<'a, NitroEvm<'s>, &'a NitroForks, Receipts>,
    pub(crate) nitro: &'a Nitro,
    /// Shared with ArbGasInfo's `getCurrentTxL1GasFees()`.
    pub(crate) poster_fee: Arc<Mutex<U256>>,
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
        if let TxEnvelope::ArbitrumDeposit(deposit) = envelope {
            return self.deposit(deposit);
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
        let sender = tx_env.caller;
        drop_tip(&mut tx_env, basefee);
        tx_env.gas_limit -= poster_gas;
        let poster_fee = U256::from(poster_gas) * U256::from(basefee);
        *self.poster_fee.lock().expect("no holder panics") = poster_fee;

        let mut output = self.inner.execute_transaction_without_commit((tx_env, recovered))?;
        let compute_gas = output.result.result.gas().tx_gas_used();
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
