//! op-node's `optimism_` namespace, served by the chain itself: `optimism_outputAtBlock`,
//! the output root (v0) of a block of an `op-stack` chain, which its proposer posts on L1 and
//! OP Stack SDKs read.

use crate::{
    context::{Module, blocking},
    convert::load_block,
    error::EthError,
};
use alloy_primitives::{B256, U64};
use jsonrpsee::core::RegisterMethodError;
use serde::Serialize;
use tephra_frameworks::op_stack::{l1_info_of_block, output_root_v0};

/// op-node's `OutputResponse` (its `syncStatus` is left out: the chain has no derivation
/// pipeline to report on yet).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct OutputResponse {
    version: B256,
    output_root: B256,
    block_ref: L2BlockRef,
    withdrawal_storage_root: B256,
    state_root: B256,
}

/// op-node's `L2BlockRef`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct L2BlockRef {
    hash: B256,
    number: u64,
    parent_hash: B256,
    timestamp: u64,
    l1origin: BlockId,
    sequence_number: u64,
}

/// op-node's `BlockID`.
#[derive(Debug, Clone, Serialize)]
struct BlockId {
    hash: B256,
    number: u64,
}

/// Registers the methods of this module.
pub(crate) fn register(module: &mut Module) -> Result<(), RegisterMethodError> {
    blocking(module, "optimism_outputAtBlock", |ctx, args| {
        let number = args.req::<U64>()?.to::<u64>();
        let reader = ctx.reader()?;
        let Some(block) = load_block(&reader, number, false)? else {
            return Err(EthError::UnknownBlock);
        };
        let (origin, sequence_number) = l1_info_of_block(&block.transactions).ok_or_else(|| {
            EthError::InvalidParams(format!(
                "block {number} has no L1 attributes deposit: it was not built by the op-stack framework"
            ))
        })?;
        let header = &block.header;
        // Isthmus: the header's withdrawals root is the L2ToL1MessagePasser's storage root.
        let withdrawal_storage_root = header.withdrawals_root.unwrap_or_default();
        Ok(OutputResponse {
            version: B256::ZERO,
            output_root: output_root_v0(header.state_root, withdrawal_storage_root, block.hash),
            block_ref: L2BlockRef {
                hash: block.hash,
                number,
                parent_hash: header.parent_hash,
                timestamp: header.timestamp,
                l1origin: BlockId { hash: origin.hash, number: origin.number },
                sequence_number,
            },
            withdrawal_storage_root,
            state_root: header.state_root,
        })
    })?;
    Ok(())
}
