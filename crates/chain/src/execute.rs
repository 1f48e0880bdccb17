//! Building one block: the framework runs its transactions (see [`Framework`]), then the core
//! derives the state changes, the state root and the header.

use crate::{
    ChainError, ChainSpec,
    framework::{BlockRun, BlockTxs, Framework, Skipped},
    state::{BlockState, DevOverrides, StateDb},
    state_root::{StateChanges, compute_state_changes},
};
use alloy_consensus::{
    EMPTY_OMMER_ROOT_HASH, Header, TxReceipt,
    proofs::{calculate_receipt_root, calculate_transaction_root},
    transaction::Recovered,
};
use alloy_eips::{eip1559::BaseFeeParams, eip7840::BlobParams, merge::BEACON_NONCE};
use alloy_evm::EvmEnv;
use alloy_primitives::{Address, B256, Bloom, Bytes, U256};
use alloy_trie::{EMPTY_ROOT_HASH, TrieAccount};
use std::sync::Arc;
use tephra_primitives::{ReceiptEnvelope, TxEnvelope};
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
    /// For a rollup following an L1: the L1 block this block is derived from, with the
    /// deposits it brings.
    pub l1: Option<L1Inputs>,
}

/// The L1 block a rollup block is derived from (its "L1 origin"), as the rollup's framework
/// reports it to L2 contracts (OP Stack's L1 attributes, Nitro's L1 block number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct L1Origin {
    /// L1 block number.
    pub number: u64,
    /// L1 block hash.
    pub hash: B256,
    /// L1 block timestamp.
    pub timestamp: u64,
    /// L1 base fee, in wei.
    pub base_fee: u64,
    /// L1 blob base fee, in wei.
    pub blob_base_fee: u64,
}

impl L1Origin {
    /// Encoded length of [`L1Origin::to_bytes`].
    pub const ENCODED_LEN: usize = 8 + 32 + 8 + 8 + 8;

    /// Fixed-width big-endian encoding, as the store keeps it.
    pub fn to_bytes(&self) -> [u8; Self::ENCODED_LEN] {
        let mut out = [0u8; Self::ENCODED_LEN];
        out[..8].copy_from_slice(&self.number.to_be_bytes());
        out[8..40].copy_from_slice(self.hash.as_slice());
        out[40..48].copy_from_slice(&self.timestamp.to_be_bytes());
        out[48..56].copy_from_slice(&self.base_fee.to_be_bytes());
        out[56..64].copy_from_slice(&self.blob_base_fee.to_be_bytes());
        out
    }

    /// Decodes [`L1Origin::to_bytes`]; `None` for any other length.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != Self::ENCODED_LEN {
            return None;
        }
        let word = |range: std::ops::Range<usize>| {
            u64::from_be_bytes(bytes[range].try_into().expect("8 bytes"))
        };
        Some(Self {
            number: word(0..8),
            hash: B256::from_slice(&bytes[8..40]),
            timestamp: word(40..48),
            base_fee: word(48..56),
            blob_base_fee: word(56..64),
        })
    }
}

/// What a rollup block takes from its L1: its origin, and the deposits (the framework's own
/// L1-to-L2 transactions) derived from that origin's logs, which the block includes right
/// after its system transactions. A block that keeps its parent's origin brings none.
#[derive(Debug, Clone)]
pub struct L1Inputs {
    /// The L1 origin.
    pub origin: L1Origin,
    /// Deposits, in L1 order.
    pub deposits: Vec<Recovered<TxEnvelope>>,
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
    /// The L1 origin it was derived from, if any.
    pub l1_origin: Option<L1Origin>,
}

/// Base fee of the block after `parent` under the EIP-1559 `params`. The first block keeps the genesis base fee (as anvil
/// and Hardhat do, so that a dev chain starts at the configured fee); EIP-1559 adjusts it from
/// then on.
pub fn next_base_fee(parent: &Header, params: BaseFeeParams) -> u64 {
    match parent.base_fee_per_gas {
        Some(genesis_fee) if parent.number == 0 => genesis_fee,
        _ => parent.next_block_base_fee(params).unwrap_or(alloy_eips::eip1559::INITIAL_BASE_FEE),
    }
}

/// The base fee of `header`, the block after `parent`, under `framework`: EIP-1559's from the
/// parent, raised to the framework's floor for the block ([`Framework::min_base_fee`], which
/// reads what [`Framework::prepare_header`] put in it).
pub fn block_base_fee(framework: &dyn Framework, parent: &Header, header: &Header) -> u64 {
    next_base_fee(parent, framework.base_fee_params(header.number))
        .max(framework.min_base_fee(header))
}

/// The EVM environment of a block with `header`'s fields.
pub fn evm_env(spec: &ChainSpec, header: &Header) -> EvmEnv {
    EvmEnv::for_eth_block(header, spec, spec.chain_id, Some(BlobParams::osaka()))
}

/// The header of the block after `parent` as far as it is known before execution: its
/// environment (number, timestamp, beneficiary, gas limit, base fee, prevrandao, parent hash
/// and beacon root), with empty roots, and what `framework` sets before execution
/// ([`Framework::prepare_header`], then its base fee floor: [`block_base_fee`]).
pub fn next_header(
    framework: &dyn Framework,
    parent: &Header,
    parent_hash: B256,
    attributes: &BlockAttributes,
) -> Header {
    let params = framework.base_fee_params(parent.number + 1);
    let mut header = Header {
        parent_hash,
        ommers_hash: EMPTY_OMMER_ROOT_HASH,
        beneficiary: attributes.beneficiary,
        difficulty: Default::default(),
        number: parent.number + 1,
        gas_limit: attributes.gas_limit,
        timestamp: attributes.timestamp,
        extra_data: Bytes::new(),
        mix_hash: attributes.prevrandao,
        nonce: BEACON_NONCE.into(),
        base_fee_per_gas: Some(next_base_fee(parent, params)),
        withdrawals_root: Some(EMPTY_ROOT_HASH),
        blob_gas_used: Some(0),
        excess_blob_gas: Some(0),
        parent_beacon_block_root: Some(B256::ZERO),
        ..Default::default()
    };
    let origin = attributes.l1.as_ref().map(|inputs| &inputs.origin);
    framework.prepare_header(parent, origin, &mut header);
    header.base_fee_per_gas = Some(block_base_fee(framework, parent, &header));
    header
}

/// Executes `transactions` as the block after `parent` under `framework`'s rules, on the head
/// state of `reader` (which must be `parent`'s state), applying `overrides` first; the tries
/// are read from `nodes`. The framework's system transactions come first, then the L1 deposits
/// and the framework's upgrade transactions; a block with upgrade transactions takes none of
/// `transactions`.
#[allow(clippy::too_many_arguments)]
pub fn execute_block<'a>(
    spec: &ChainSpec,
    framework: &dyn Framework,
    reader: Arc<StoreReader>,
    nodes: &(impl NodeStore + Sync),
    parent: &Header,
    parent_hash: B256,
    attributes: &BlockAttributes,
    overrides: &DevOverrides,
    transactions: impl IntoIterator<Item = Recovered<&'a TxEnvelope>>,
) -> Result<ExecutedBlock, ChainError> {
    let mut header = next_header(framework, parent, parent_hash, attributes);
    let l1 = attributes.l1.as_ref();
    let origin = l1.map(|inputs| &inputs.origin);
    let mut state = BlockState::new(StateDb::head(reader.clone(), None));
    state.apply_overrides(overrides)?;
    let system = framework.system_transactions(spec, parent, &header, origin, &mut state)?;
    let deposits = l1.map(|inputs| inputs.deposits.as_slice()).unwrap_or_default();
    let upgrade = framework.upgrade_transactions(parent, &header);
    let mut offered = transactions
        .into_iter()
        .filter(|_| upgrade.is_empty())
        .map(|tx| Recovered::new_unchecked(*tx.inner(), tx.signer()));
    let run = framework.execute(
        spec,
        &header,
        &mut state,
        BlockTxs {
            required: &mut system
                .iter()
                .chain(deposits)
                .chain(&upgrade)
                .map(|tx| tx.as_recovered_ref()),
            offered: &mut offered,
            finish: true,
        },
    )?;

    let (state_root, changes) = compute_state_changes(&state, nodes, parent.state_root)?;
    let BlockRun { included, skipped, receipts, gas_used, blob_gas_used, requests } = run;
    let (transactions, (tx_hashes, senders)): (Vec<_>, (Vec<_>, Vec<_>)) =
        included.into_iter().map(|(tx, hash, sender)| (tx, (hash, sender))).unzip();
    let logs_bloom = receipts.iter().fold(Bloom::ZERO, |mut bloom, receipt| {
        bloom.accrue_bloom(&receipt.bloom());
        bloom
    });
    header.state_root = state_root;
    header.transactions_root = calculate_transaction_root(&transactions);
    header.receipts_root = calculate_receipt_root(&receipts);
    header.logs_bloom = logs_bloom;
    header.gas_used = gas_used;
    header.blob_gas_used = Some(blob_gas_used);
    header.requests_hash = Some(requests.requests_hash());
    framework.finish_header(
        &mut header,
        &|address| post_account(&changes, &reader, address),
        &|address, slot| post_storage(&changes, &reader, address, slot),
    )?;
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
        l1_origin: origin.cloned(),
    })
}

/// A storage slot after a block: as the block changed it, else as its parent left it. A
/// linear scan: frameworks read a few slots per block.
fn post_storage(
    changes: &StateChanges,
    reader: &StoreReader,
    address: &Address,
    slot: U256,
) -> Result<U256, ChainError> {
    let key = B256::from(slot);
    match changes.slots.iter().find(|change| change.address == *address && change.slot == key) {
        Some(change) => Ok(change.after),
        None => Ok(reader.storage(address, &key)?),
    }
}

/// An account after a block: as the block changed it, else as its parent left it.
fn post_account(
    changes: &StateChanges,
    reader: &StoreReader,
    address: &Address,
) -> Result<Option<TrieAccount>, ChainError> {
    match changes.accounts.binary_search_by(|change| change.address.cmp(address)) {
        Ok(index) => Ok(changes.accounts[index].after),
        Err(_) => Ok(reader.account(address)?),
    }
}
