//! Building one block: run transactions through revm with Ethereum's block rules (alloy-evm's
//! block executor: system calls, gas accounting, receipts, requests), then derive the header.

use crate::{
    ChainError, ChainSpec,
    state::{BlockState, DevOverrides, StateDb},
    state_root::{StateChanges, compute_state_changes},
};
use alloy_consensus::{
    EMPTY_OMMER_ROOT_HASH, Header, ReceiptEnvelope, TxEnvelope, TxReceipt,
    proofs::{calculate_receipt_root, calculate_transaction_root},
    transaction::Recovered,
};
use alloy_eips::{eip7840::BlobParams, merge::BEACON_NONCE};
use alloy_evm::{
    EvmEnv, EvmFactory,
    block::{BlockExecutionError, BlockExecutor, BlockValidationError},
    eth::{
        EthBlockExecutionCtx, EthBlockExecutor, EthEvmFactory, NextEvmEnvAttributes,
        receipt_builder::AlloyReceiptBuilder,
    },
};
use alloy_primitives::{Address, B256, Bloom, Bytes, map::HashSet};
use alloy_trie::EMPTY_ROOT_HASH;
use std::{borrow::Cow, sync::Arc};
use tephra_storage::StoreReader;
use tephra_trie::NodeStore;

/// What the sequencer chooses for the next block.
#[derive(Debug, Clone)]
pub struct BlockAttributes {
    /// Block timestamp, in seconds.
    pub timestamp: u64,
    /// Fee recipient.
    pub beneficiary: Address,
    /// `PREVRANDAO`.
    pub prevrandao: B256,
    /// Block gas limit.
    pub gas_limit: u64,
}

/// A transaction that could not go into the block.
#[derive(Debug, Clone)]
pub enum Skipped {
    /// It is invalid on this state (nonce, funds, fee): drop it, with the reason.
    Invalid(B256, String),
    /// It does not fit in the gas left: keep it for a later block.
    NoRoom(B256),
}

/// A sealed block: its header and hash, and its transactions with their senders and receipts.
#[derive(Debug, Clone)]
pub struct SealedBlock {
    /// The header.
    pub header: Header,
    /// `keccak256(rlp(header))`.
    pub hash: B256,
    /// Included transactions.
    pub transactions: Vec<TxEnvelope>,
    /// Their hashes.
    pub tx_hashes: Vec<B256>,
    /// Their senders.
    pub senders: Vec<Address>,
    /// Their receipts.
    pub receipts: Vec<ReceiptEnvelope>,
}

/// A block executed and sealed but not yet committed.
#[derive(Debug, Clone)]
pub struct ExecutedBlock {
    /// The block.
    pub block: SealedBlock,
    /// Transactions offered but not included.
    pub skipped: Vec<Skipped>,
    /// State writes.
    pub changes: StateChanges,
}

/// Base fee of the block after `parent`. The first block keeps the genesis base fee (as anvil
/// and Hardhat do, so that a dev chain starts at the configured fee); EIP-1559 adjusts it from
/// then on.
pub fn next_base_fee(parent: &Header) -> u64 {
    match parent.base_fee_per_gas {
        Some(genesis_fee) if parent.number == 0 => genesis_fee,
        _ => parent
            .next_block_base_fee(alloy_eips::eip1559::BaseFeeParams::ethereum())
            .unwrap_or(alloy_eips::eip1559::INITIAL_BASE_FEE),
    }
}

/// The EVM environment of a block with `header`'s fields.
pub fn evm_env(spec: &ChainSpec, header: &Header) -> EvmEnv {
    EvmEnv::for_eth_block(header, spec, spec.chain_id, Some(BlobParams::osaka()))
}

/// Executes `transactions` as the block after `parent` on the head state of `reader` (which
/// must be `parent`'s state), applying `overrides` first; the tries are read from `nodes`.
#[allow(clippy::too_many_arguments)]
pub fn execute_block<'a>(
    spec: &ChainSpec,
    reader: Arc<StoreReader>,
    nodes: &(impl NodeStore + Sync),
    parent: &Header,
    parent_hash: B256,
    attributes: &BlockAttributes,
    overrides: &DevOverrides,
    transactions: impl IntoIterator<Item = Recovered<&'a TxEnvelope>>,
) -> Result<ExecutedBlock, ChainError> {
    let base_fee = next_base_fee(parent);
    let env = EvmEnv::for_eth_next_block(
        parent,
        NextEvmEnvAttributes {
            timestamp: attributes.timestamp,
            suggested_fee_recipient: attributes.beneficiary,
            prev_randao: attributes.prevrandao,
            gas_limit: attributes.gas_limit,
            slot_number: None,
        },
        base_fee,
        spec,
        spec.chain_id,
        Some(BlobParams::osaka()),
    );
    let mut state = BlockState::new(StateDb::head(reader, None));
    state.apply_overrides(overrides)?;

    let mut included = Vec::new();
    let mut skipped = Vec::new();
    let result = {
        let evm = EthEvmFactory::default().create_evm(&mut state, env);
        let ctx = EthBlockExecutionCtx {
            parent_hash,
            parent_beacon_block_root: Some(B256::ZERO),
            ommers: &[],
            withdrawals: Some(Cow::Owned(Vec::new())),
            extra_data: Bytes::new(),
            tx_count_hint: None,
            slot_number: None,
        };
        let mut executor = EthBlockExecutor::new(evm, ctx, spec, AlloyReceiptBuilder::default());
        executor.apply_pre_execution_changes().map_err(execution_error)?;
        // A sender whose transaction stays out of the block keeps its later nonces out too.
        let mut held_back = HashSet::<Address>::default();
        for tx in transactions {
            let (envelope, signer): (&TxEnvelope, Address) = (tx.inner(), tx.signer());
            let hash = *envelope.tx_hash();
            if held_back.contains(&signer) {
                skipped.push(Skipped::NoRoom(hash));
                continue;
            }
            match executor.execute_transaction(tx) {
                Ok(_) => included.push((envelope.clone(), hash, signer)),
                Err(BlockExecutionError::Validation(
                    BlockValidationError::TransactionGasLimitMoreThanAvailableBlockGas { .. },
                )) => {
                    held_back.insert(signer);
                    skipped.push(Skipped::NoRoom(hash));
                }
                Err(BlockExecutionError::Validation(BlockValidationError::InvalidTx {
                    error,
                    ..
                })) => {
                    held_back.insert(signer);
                    skipped.push(Skipped::Invalid(hash, error.to_string()));
                }
                Err(other) => return Err(execution_error(other)),
            }
        }
        let (_evm, result) = executor.finish().map_err(execution_error)?;
        result
    };

    let (state_root, changes) = compute_state_changes(&state, nodes, parent.state_root)?;
    let receipts = result.receipts;
    let (transactions, (tx_hashes, senders)): (Vec<_>, (Vec<_>, Vec<_>)) =
        included.into_iter().map(|(tx, hash, sender)| (tx, (hash, sender))).unzip();
    let logs_bloom = receipts.iter().fold(Bloom::ZERO, |mut bloom, receipt| {
        bloom.accrue_bloom(&receipt.bloom());
        bloom
    });
    let header = Header {
        parent_hash,
        ommers_hash: EMPTY_OMMER_ROOT_HASH,
        beneficiary: attributes.beneficiary,
        state_root,
        transactions_root: calculate_transaction_root(&transactions),
        receipts_root: calculate_receipt_root(&receipts),
        logs_bloom,
        difficulty: Default::default(),
        number: parent.number + 1,
        gas_limit: attributes.gas_limit,
        gas_used: result.gas_used,
        timestamp: attributes.timestamp,
        extra_data: Bytes::new(),
        mix_hash: attributes.prevrandao,
        nonce: BEACON_NONCE.into(),
        base_fee_per_gas: Some(base_fee),
        withdrawals_root: Some(EMPTY_ROOT_HASH),
        blob_gas_used: Some(0),
        excess_blob_gas: Some(0),
        parent_beacon_block_root: Some(B256::ZERO),
        requests_hash: Some(result.requests.requests_hash()),
        block_access_list_hash: None,
        slot_number: None,
    };
    Ok(ExecutedBlock {
        block: SealedBlock {
            hash: header.hash_slow(),
            header,
            transactions,
            tx_hashes,
            senders,
            receipts,
        },
        skipped,
        changes,
    })
}

fn execution_error(err: BlockExecutionError) -> ChainError {
    ChainError::Execution(err.to_string())
}
