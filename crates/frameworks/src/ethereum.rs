//! `ethereum`: Ethereum's own block rules (alloy-evm's Ethereum block executor on revm), for
//! the embedded L1 and `tephra dev`.

use crate::receipts::Receipts;
use alloy_consensus::{Header, transaction::Recovered};
use alloy_evm::{
    EvmFactory,
    eth::{EthBlockExecutionCtx, EthBlockExecutor, EthEvmFactory},
};
use alloy_genesis::Genesis;
use std::borrow::Cow;
use tephra_chain::{
    BlockRun, BlockState, BlockTxs, ChainError, ChainSpec, Framework, evm_env, run_transactions,
};
use tephra_primitives::TxEnvelope;

/// Plain Ethereum: every hardfork through Osaka, the EIP-4788 and EIP-2935 system calls,
/// EIP-7685 requests; user transactions of types 0, 1, 2 and 4.
#[derive(Debug, Default, Clone, Copy)]
pub struct Ethereum;

impl Framework for Ethereum {
    fn name(&self) -> &'static str {
        "ethereum"
    }

    fn extend_genesis(&self, _genesis: &mut Genesis) {}

    fn system_transactions(
        &self,
        _spec: &ChainSpec,
        _parent: &Header,
        _header: &Header,
        _state: &mut BlockState,
    ) -> Result<Vec<Recovered<TxEnvelope>>, ChainError> {
        Ok(Vec::new())
    }

    fn execute(
        &self,
        spec: &ChainSpec,
        header: &Header,
        state: &mut BlockState,
        txs: BlockTxs<'_, '_>,
    ) -> Result<BlockRun, ChainError> {
        let evm = EthEvmFactory::default().create_evm(state, evm_env(spec, header));
        let ctx = EthBlockExecutionCtx {
            parent_hash: header.parent_hash,
            parent_beacon_block_root: header.parent_beacon_block_root,
            ommers: &[],
            withdrawals: Some(Cow::Owned(Vec::new())),
            extra_data: header.extra_data.clone(),
            tx_count_hint: None,
            slot_number: None,
        };
        run_transactions(EthBlockExecutor::new(evm, ctx, spec, Receipts), txs)
    }
}
