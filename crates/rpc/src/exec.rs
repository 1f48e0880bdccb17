//! Executing without committing: `eth_call` (with state and block overrides),
//! `eth_estimateGas` and `eth_createAccessList`, on the state after any block.

use crate::{
    context::{Module, blocking, state_block},
    error::EthResult,
};
use alloy_eips::BlockId;
use alloy_primitives::{Bytes, U64};
use alloy_rpc_types_eth::{BlockOverrides, TransactionRequest, state::StateOverride};
use jsonrpsee::core::RegisterMethodError;

/// Registers the methods of this module.
pub(crate) fn register(module: &mut Module) -> Result<(), RegisterMethodError> {
    blocking(module, "eth_call", |ctx, args| -> EthResult<Bytes> {
        let request = args.req::<TransactionRequest>()?;
        let block = args.opt::<BlockId>()?;
        let state = args.opt::<StateOverride>()?;
        let overrides = args.opt::<Box<BlockOverrides>>()?;
        let number = state_block(&*ctx.reader()?, block)?;
        Ok(ctx.node.chain().call(request, number, state, overrides)?)
    })?;
    blocking(module, "eth_estimateGas", |ctx, args| -> EthResult<U64> {
        let request = args.req::<TransactionRequest>()?;
        let block = args.opt::<BlockId>()?;
        let state = args.opt::<StateOverride>()?;
        let number = state_block(&*ctx.reader()?, block)?;
        Ok(U64::from(ctx.node.chain().estimate_gas(request, number, state)?))
    })?;
    blocking(module, "eth_createAccessList", |ctx, args| {
        let request = args.req::<TransactionRequest>()?;
        let number = state_block(&*ctx.reader()?, args.opt::<BlockId>()?)?;
        Ok(ctx.node.chain().create_access_list(request, number)?)
    })?;
    Ok(())
}
