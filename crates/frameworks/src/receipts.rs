//! Receipts of Tephra's envelopes, for both of alloy-evm's block executors.

use alloy_consensus::{Eip658Value, Receipt};
use alloy_evm::{
    Evm,
    eth::receipt_builder::{ReceiptBuilder, ReceiptBuilderCtx},
};
use alloy_op_evm::block::receipt_builder::OpReceiptBuilder;
use op_alloy::consensus::OpDepositReceipt;
use tephra_primitives::{ReceiptEnvelope, TxEnvelope, TxType};

/// Builds a [`ReceiptEnvelope`] of the transaction's type.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Receipts;

fn build<E: Evm>(ctx: ReceiptBuilderCtx<'_, TxType, E>) -> ReceiptEnvelope {
    let receipt = Receipt {
        status: Eip658Value::Eip658(ctx.result.is_success()),
        cumulative_gas_used: ctx.cumulative_gas_used,
        logs: ctx.result.into_logs(),
    };
    ReceiptEnvelope::new(ctx.tx_type, receipt)
}

impl ReceiptBuilder for Receipts {
    type Transaction = TxEnvelope;
    type Receipt = ReceiptEnvelope;

    fn build_receipt<E: Evm>(&self, ctx: ReceiptBuilderCtx<'_, TxType, E>) -> ReceiptEnvelope {
        build(ctx)
    }
}

impl OpReceiptBuilder for Receipts {
    type Transaction = TxEnvelope;
    type Receipt = ReceiptEnvelope;

    fn build_receipt<'a, E: Evm>(
        &self,
        ctx: ReceiptBuilderCtx<'a, TxType, E>,
    ) -> Result<ReceiptEnvelope, ReceiptBuilderCtx<'a, TxType, E>> {
        match ctx.tx_type {
            // The executor builds deposit receipts itself: they carry the depositor's nonce.
            TxType::Deposit => Err(ctx),
            _ => Ok(build(ctx)),
        }
    }

    fn build_deposit_receipt(&self, deposit: OpDepositReceipt) -> ReceiptEnvelope {
        ReceiptEnvelope {
            deposit_nonce: deposit.deposit_nonce,
            deposit_receipt_version: deposit.deposit_receipt_version,
            ..ReceiptEnvelope::new(TxType::Deposit, deposit.inner)
        }
    }
}
