//! `ethereum`: Ethereum's own block rules (alloy-evm's Ethereum block executor on revm), for
//! the embedded L1 and `tephra dev`.

use crate::receipts::Receipts;
use alloy_consensus::Header;
use alloy_evm::{
    Evm, EvmFactory,
    eth::{EthBlockExecutionCtx, EthBlockExecutor, EthEvmFactory},
};
use std::borrow::Cow;
use tephra_chain::{
    BlockRun, BlockState, BlockTxs, ChainError, ChainSpec, Framework, evm_env,
    install_stateless_call, run_transactions,
};

/// The context of alloy-evm's Ethereum block executor for the block with `header`: no ommers,
/// no withdrawals (a Tephra chain has no beacon chain), the header's beacon root and extra data.
pub(crate) fn block_ctx(header: &Header) -> EthBlockExecutionCtx<'static> {
    EthBlockExecutionCtx {
        parent_hash: header.parent_hash,
        parent_beacon_block_root: header.parent_beacon_block_root,
        ommers: &[],
        withdrawals: Some(Cow::Owned(Vec::new())),
        extra_data: header.extra_data.clone(),
        tx_count_hint: None,
        slot_number: None,
    }
}

/// Plain Ethereum: every hardfork through Osaka, the EIP-4788 and EIP-2935 system calls,
/// EIP-7685 requests, Tephra's stateless-call precompile (`tephra_chain::STATELESS_CALL`); user
/// transactions of types 0, 1, 2 and 4.
#[derive(Debug, Default, Clone, Copy)]
pub struct Ethereum;

impl Framework for Ethereum {
    fn name(&self) -> &'static str {
        "ethereum"
    }

    fn execute(
        &self,
        spec: &ChainSpec,
        header: &Header,
        state: &mut BlockState,
        txs: BlockTxs<'_, '_>,
    ) -> Result<BlockRun, ChainError> {
        let mut evm = EthEvmFactory::default().create_evm(state, evm_env(spec, header));
        install_stateless_call(evm.precompiles_mut());
        let ctx = block_ctx(header);
        run_transactions(EthBlockExecutor::new(evm, ctx, spec, Receipts), txs)
    }
}
