//! Fee suggestions: `eth_gasPrice`, `eth_maxPriorityFeePerGas`, `eth_blobBaseFee` (as anvil
//! computes them) and `eth_feeHistory` (as geth's fee history oracle computes it).

use crate::{
    context::{Args, Module, RpcContext, blocking, head_of, resolve_tag},
    convert::{load_block, load_header},
    error::{EthError, EthResult},
};
use alloy_consensus::{Header, Transaction as _, TxReceipt as _};
use alloy_eips::{BlockNumberOrTag, eip7840::BlobParams};
use alloy_primitives::{U64, U256};
use alloy_rpc_types_eth::FeeHistory;
use jsonrpsee::core::RegisterMethodError;
use tephra_storage::StoreReader;

/// The smallest tip suggested, in wei (anvil's `MIN_SUGGESTED_PRIORITY_FEE`, 1 gwei).
pub const MIN_SUGGESTED_PRIORITY_FEE: u128 = 1_000_000_000;
/// Most blocks one `eth_feeHistory` covers (geth's `maxBlockFetchers` cap is 1024).
pub const MAX_FEE_HISTORY_BLOCKS: u64 = 1024;
/// Most reward percentiles one `eth_feeHistory` accepts (geth's limit).
pub const MAX_REWARD_PERCENTILES: usize = 100;

/// Registers the methods of this module.
pub(crate) fn register(module: &mut Module) -> Result<(), RegisterMethodError> {
    blocking(module, "eth_gasPrice", |ctx, _| {
        let tip = suggested_tip(&*ctx.reader()?)?;
        Ok(U256::from(u128::from(ctx.node.next_base_fee()).saturating_add(tip)))
    })?;
    blocking(module, "eth_maxPriorityFeePerGas", |ctx, _| {
        Ok(U256::from(suggested_tip(&*ctx.reader()?)?))
    })?;
    blocking(module, "eth_blobBaseFee", |ctx, _| {
        let head = ctx.node.chain().head().header;
        let excess = head.next_block_excess_blob_gas(BlobParams::osaka()).unwrap_or_default();
        Ok(U256::from(BlobParams::osaka().calc_blob_fee(excess)))
    })?;
    blocking(module, "eth_feeHistory", fee_history)?;
    Ok(())
}

/// The tip to suggest: the lowest effective tip in the head block, at least
/// [`MIN_SUGGESTED_PRIORITY_FEE`] (anvil's rule).
pub(crate) fn suggested_tip(reader: &StoreReader) -> EthResult<u128> {
    let Some(block) = load_block(reader, head_of(reader)?, false)? else {
        return Ok(MIN_SUGGESTED_PRIORITY_FEE);
    };
    let base_fee = block.header.base_fee_per_gas.unwrap_or_default();
    let lowest =
        block.transactions.iter().filter_map(|tx| tx.effective_tip_per_gas(base_fee)).min();
    Ok(lowest.map_or(MIN_SUGGESTED_PRIORITY_FEE, |tip| tip.max(MIN_SUGGESTED_PRIORITY_FEE)))
}

/// `eth_feeHistory(blockCount, newestBlock, rewardPercentiles)`.
fn fee_history(ctx: &RpcContext, args: &mut Args) -> EthResult<FeeHistory> {
    let count = args.req::<U64>()?.to::<u64>().min(MAX_FEE_HISTORY_BLOCKS);
    let newest = args.req::<BlockNumberOrTag>()?;
    let percentiles = args.opt::<Vec<f64>>()?;
    if let Some(percentiles) = &percentiles {
        check_percentiles(percentiles)?;
    }
    let reader = ctx.reader()?;
    let newest = resolve_tag(&reader, newest)?.ok_or(EthError::HeaderNotFound)?;
    if count == 0 {
        return Ok(FeeHistory::default());
    }
    let oldest = (newest + 1).saturating_sub(count);
    let mut history = FeeHistory {
        oldest_block: oldest,
        reward: percentiles.as_ref().map(|_| Vec::new()),
        ..Default::default()
    };
    let blob_params = BlobParams::osaka();
    let mut last: Option<Header> = None;
    for number in oldest..=newest {
        let header = match &percentiles {
            Some(percentiles) => {
                let block = load_block(&reader, number, true)?.ok_or(EthError::HeaderNotFound)?;
                let rewards =
                    block_rewards(&block.header, &block.transactions, &block.receipts, percentiles);
                history.reward.get_or_insert_default().push(rewards);
                block.header
            }
            None => load_header(&reader, number)?.ok_or(EthError::HeaderNotFound)?.0,
        };
        history.base_fee_per_gas.push(header.base_fee_per_gas.unwrap_or_default().into());
        history.gas_used_ratio.push(ratio(header.gas_used, header.gas_limit));
        let excess = header.excess_blob_gas.unwrap_or_default();
        history.base_fee_per_blob_gas.push(blob_params.calc_blob_fee(excess));
        history.blob_gas_used_ratio.push(ratio(
            header.blob_gas_used.unwrap_or_default(),
            blob_params.max_blob_gas_per_block(),
        ));
        last = Some(header);
    }
    if let Some(last) = last {
        history.base_fee_per_gas.push(ctx.node.chain().base_fee_after(&last).into());
        let excess = last.next_block_excess_blob_gas(blob_params).unwrap_or_default();
        history.base_fee_per_blob_gas.push(blob_params.calc_blob_fee(excess));
    }
    Ok(history)
}

fn ratio(used: u64, limit: u64) -> f64 {
    if limit == 0 { 0.0 } else { used as f64 / limit as f64 }
}

/// geth refuses more than 100 percentiles, and percentiles out of `0..=100` or not ascending.
fn check_percentiles(percentiles: &[f64]) -> EthResult<()> {
    if percentiles.len() > MAX_REWARD_PERCENTILES {
        return Err(EthError::InvalidParams(format!(
            "too many percentiles: {}, max {MAX_REWARD_PERCENTILES}",
            percentiles.len()
        )));
    }
    let mut previous = 0.0;
    for (index, &p) in percentiles.iter().enumerate() {
        if !(0.0..=100.0).contains(&p) || (index > 0 && p < previous) {
            return Err(EthError::InvalidParams(format!(
                "invalid reward percentile: #{index}:{p}"
            )));
        }
        previous = p;
    }
    Ok(())
}

/// The effective tip at each percentile of the block's gas, transactions sorted by tip (geth's
/// `processBlock`): zeros for an empty block.
fn block_rewards(
    header: &Header,
    transactions: &[tephra_primitives::TxEnvelope],
    receipts: &[tephra_primitives::ReceiptEnvelope],
    percentiles: &[f64],
) -> Vec<u128> {
    if transactions.is_empty() || receipts.len() != transactions.len() {
        return vec![0; percentiles.len()];
    }
    let base_fee = header.base_fee_per_gas.unwrap_or_default();
    let mut previous = 0;
    let mut sorted: Vec<(u128, u64)> = transactions
        .iter()
        .zip(receipts)
        .map(|(tx, receipt)| {
            let cumulative = receipt.cumulative_gas_used();
            let used = cumulative.saturating_sub(previous);
            previous = cumulative;
            (tx.effective_tip_per_gas(base_fee).unwrap_or_default(), used)
        })
        .collect();
    sorted.sort_by_key(|(tip, _)| *tip);
    let mut index = 0;
    let mut sum = sorted[0].1;
    percentiles
        .iter()
        .map(|p| {
            let threshold = (header.gas_used as f64 * p / 100.0) as u64;
            while sum < threshold && index < sorted.len() - 1 {
                index += 1;
                sum += sorted[index].1;
            }
            sorted[index].0
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_must_ascend_within_range() {
        assert!(check_percentiles(&[10.0, 50.0, 90.0]).is_ok());
        assert!(check_percentiles(&[50.0, 10.0]).is_err());
        assert!(check_percentiles(&[101.0]).is_err());
        assert!(check_percentiles(&[-1.0]).is_err());
    }
}
