//! geth's `debug_*` namespace: `debug_traceTransaction` and `debug_traceCall` with the built-in
//! tracers (struct logs, `callTracer`, `prestateTracer`, ...), `debug_getRawTransaction`,
//! `debug_getRawHeader` and `debug_getRawBlock`, and the state proofs: `eth_getProof`
//! (EIP-1186) and `debug_executionWitness`. A guardian verifies a head statelessly from
//! `debug_getRawBlock` and `debug_executionWitness` of the same block
//! (`tephra_chain::verify_block`). `tephra_callWitness` is a call's result with the witness
//! that lets another chain re-execute it statelessly (`tephra_chain::stateless_call`, the
//! `STATELESS_CALL` precompile).

use crate::{
    context::{Module, blocking, call_at, state_block},
    error::{EthError, EthResult},
};
use alloy_eips::{BlockId, eip2718::Encodable2718};
use alloy_primitives::{Address, B256, Bytes};
use alloy_rpc_types_eth::TransactionRequest;
use alloy_rpc_types_trace::geth::{
    GethDebugTracingCallOptions, GethDebugTracingOptions, GethTrace,
};
use alloy_serde::JsonStorageKey;
use jsonrpsee::core::RegisterMethodError;
use tephra_chain::CallWitness;

/// Registers the methods of this module.
pub(crate) fn register(module: &mut Module) -> Result<(), RegisterMethodError> {
    blocking(module, "debug_traceTransaction", |ctx, args| -> EthResult<GethTrace> {
        let hash = args.req::<B256>()?;
        let options = args.opt::<GethDebugTracingOptions>()?.unwrap_or_default();
        Ok(ctx.node.chain().trace_transaction(hash, options)?)
    })?;
    blocking(module, "debug_traceCall", |ctx, args| -> EthResult<GethTrace> {
        let request = args.req::<TransactionRequest>()?;
        let block = args.opt::<BlockId>()?;
        let options = args.opt::<GethDebugTracingCallOptions>()?.unwrap_or_default();
        Ok(ctx.node.chain().trace_call(request, call_at(ctx, block)?, options)?)
    })?;
    blocking(module, "debug_getRawTransaction", |ctx, args| {
        let hash = args.req::<B256>()?;
        let reader = ctx.reader()?;
        let Some(location) = reader.tx_location(&hash)? else { return Ok(None::<Bytes>) };
        let transactions = reader.transactions(location.block)?.unwrap_or_default();
        Ok(transactions.get(location.index as usize).map(|tx| Bytes::from(tx.encoded_2718())))
    })?;
    blocking(module, "debug_getRawHeader", |ctx, args| {
        let reader = ctx.reader()?;
        let number = state_block(&reader, Some(args.req::<BlockId>()?))?;
        let header = reader.header(number)?.ok_or(EthError::HeaderNotFound)?;
        Ok(Bytes::from(alloy_rlp::encode(&header)))
    })?;
    blocking(module, "debug_getRawBlock", |ctx, args| {
        let reader = ctx.reader()?;
        let number = state_block(&reader, Some(args.req::<BlockId>()?))?;
        let header = reader.header(number)?.ok_or(EthError::HeaderNotFound)?;
        let transactions = reader.transactions(number)?.unwrap_or_default();
        Ok(Bytes::from(tephra_primitives::encode_block(&tephra_primitives::block::block(
            header,
            transactions,
        ))))
    })?;
    blocking(module, "eth_getProof", |ctx, args| {
        let address = args.req::<Address>()?;
        let keys = args.req::<Vec<JsonStorageKey>>()?;
        let number = state_block(&*ctx.reader()?, args.opt::<BlockId>()?)?;
        let slots = keys.iter().map(JsonStorageKey::as_b256).collect();
        Ok(ctx.node.chain().proof(address, slots, number)?)
    })?;
    blocking(module, "debug_executionWitness", |ctx, args| {
        let number = state_block(&*ctx.reader()?, Some(args.req::<BlockId>()?))?;
        Ok(ctx.node.chain().execution_witness(number)?)
    })?;
    blocking(module, "tephra_callWitness", |ctx, args| -> EthResult<CallWitness> {
        let request = args.req::<TransactionRequest>()?;
        let number = state_block(&*ctx.reader()?, args.opt::<BlockId>()?)?;
        Ok(ctx.node.chain().call_witness(request, number)?)
    })?;
    Ok(())
}
