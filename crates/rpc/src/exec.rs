//! Executing without committing: `eth_call` (with state and block overrides),
//! `eth_estimateGas` and `eth_createAccessList`, on the state after any block or in the pending
//! one.

use crate::{
    context::{Args, Module, RpcContext, blocking, call_at},
    error::{EthError, EthResult},
    zks,
};
use alloy_eips::BlockId;
use alloy_primitives::{Bytes, U64};
use alloy_rpc_types_eth::{BlockOverrides, TransactionRequest, state::StateOverride};
use jsonrpsee::core::RegisterMethodError;

/// Registers the methods of this module.
pub(crate) fn register(module: &mut Module) -> Result<(), RegisterMethodError> {
    blocking(module, "eth_call", |ctx, args| -> EthResult<Bytes> {
        let request = call_request(ctx, args)?;
        let block = args.opt::<BlockId>()?;
        let state = args.opt::<StateOverride>()?;
        let overrides = args.opt::<Box<BlockOverrides>>()?;
        Ok(ctx.node.chain().call(request, call_at(ctx, block)?, state, overrides)?)
    })?;
    blocking(module, "eth_estimateGas", |ctx, args| -> EthResult<U64> {
        if ctx.node.chain().framework().name() == zks::FRAMEWORK {
            let request = args.req::<serde_json::Value>()?;
            let (block, state) = (args.opt::<BlockId>()?, args.opt::<StateOverride>()?);
            return Ok(U64::from(zks::estimate_gas(ctx, request, block, state)?));
        }
        let request = args.req::<TransactionRequest>()?;
        let block = args.opt::<BlockId>()?;
        let state = args.opt::<StateOverride>()?;
        Ok(U64::from(ctx.node.chain().estimate_gas(request, call_at(ctx, block)?, state)?))
    })?;
    blocking(module, "eth_createAccessList", |ctx, args| {
        let request = args.req::<TransactionRequest>()?;
        let at = call_at(ctx, args.opt::<BlockId>()?)?;
        Ok(ctx.node.chain().create_access_list(request, at)?)
    })?;
    Ok(())
}

/// The call request argument. On zk-stack chains it may be a ZKsync EIP-712 request (type
/// `0x71` with `eip712Meta`, as zksync-ethers sends it): that runs as the EIP-1559 call it
/// executes as.
fn call_request(ctx: &RpcContext, args: &mut Args) -> EthResult<TransactionRequest> {
    if ctx.node.chain().framework().name() != zks::FRAMEWORK {
        return args.req::<TransactionRequest>();
    }
    let mut request = args.req::<serde_json::Value>()?;
    zks::strip_eip712(&mut request);
    serde_json::from_value(request)
        .map_err(|err| EthError::InvalidParams(format!("invalid argument 0: {err}")))
}
