//! Stateless verification of a block: re-executing it from its execution witness
//! (`debug_executionWitness`) against a parent state root the verifier already trusts, as a
//! guardian does before it signs a rollup's head.
//!
//! The witness is not trusted: every trie node and bytecode is addressed by the hash this module
//! computes, and the ancestor headers must chain by parent hash to the block's parent, whose
//! state root must be the trusted one. Anything the execution needs that the witness lacks ends
//! the verification with [`StatelessError::IncompleteWitness`], naming it; it is never read as
//! empty.
//!
//! Start from [`verify_block`].

use crate::{
    ChainError, ChainSpec,
    framework::{BlockRun, BlockTxs, Framework},
    state::BlockState,
    state_root::compute_state_changes,
};
use alloy_consensus::{
    Header, TxReceipt,
    proofs::{calculate_ommers_root, calculate_receipt_root, calculate_transaction_root},
    transaction::Recovered,
};
use alloy_primitives::{Address, B256, Bloom, Bytes, U256, keccak256, map::HashMap};
use alloy_rlp::Decodable;
use alloy_rpc_types_debug::ExecutionWitness;
use alloy_trie::{EMPTY_ROOT_HASH, TrieAccount};
use parking_lot::Mutex;
use rayon::prelude::*;
use revm::{bytecode::Bytecode, primitives::KECCAK_EMPTY, state::AccountInfo};
use std::{collections::BTreeMap, fmt, sync::Arc};
use tephra_primitives::{Block, ReceiptEnvelope, TxEnvelope, tx::SenderError};
use tephra_trie::{NodeStore, Trie, TrieError};

/// Blocks with at least this many transactions have their senders recovered on rayon's pool.
const PARALLEL_RECOVERY_THRESHOLD: usize = 16;

/// Something a stateless execution needed that its witness does not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WitnessGap {
    /// A trie node, by hash (an account's or slot's path, or a sibling a deletion folds in).
    Node(B256),
    /// A bytecode, by code hash.
    Code(B256),
    /// The header of a block whose hash the block reads (or of its parent).
    Header(u64),
}

impl fmt::Display for WitnessGap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Node(hash) => write!(f, "trie node {hash}"),
            Self::Code(hash) => write!(f, "bytecode {hash}"),
            Self::Header(number) => write!(f, "the header of block {number}"),
        }
    }
}

/// Why a block was not verified. Every variant is a refusal: the block, its witness or the
/// trusted root is wrong (or the witness is incomplete), never a partial success.
#[derive(Debug, thiserror::Error)]
pub enum StatelessError {
    /// The genesis block has no parent to re-execute on.
    #[error("the genesis block cannot be verified statelessly")]
    Genesis,
    /// The witness lacks something the block needs.
    #[error("the execution witness lacks {0}")]
    IncompleteWitness(WitnessGap),
    /// A witness header is not a header's RLP.
    #[error("witness header #{index} does not decode: {reason}")]
    MalformedHeader {
        /// Its position in the witness.
        index: usize,
        /// The decoding error.
        reason: alloy_rlp::Error,
    },
    /// The witness headers do not form a chain (a gap, a duplicate, or a parent hash that is
    /// not the previous header's hash).
    #[error(
        "witness header {number} has parent hash {parent_hash}, but the header before it ({previous_number}) hashes to {previous_hash}"
    )]
    BrokenHeaderChain {
        /// The header that does not link.
        number: u64,
        /// Its parent hash.
        parent_hash: B256,
        /// The number of the witness header before it.
        previous_number: u64,
        /// That header's hash.
        previous_hash: B256,
    },
    /// A witness header is not older than the block: it cannot be one of its ancestors.
    #[error("witness header {number} is not an ancestor of block {block}")]
    NotAnAncestor {
        /// The witness header's number.
        number: u64,
        /// The block's number.
        block: u64,
    },
    /// The newest witness header is not the block's parent.
    #[error(
        "the block's parent hash is {block}, but the witness's parent header hashes to {witness}"
    )]
    ParentMismatch {
        /// The block header's `parent_hash`.
        block: B256,
        /// The hash of the witness's header of the parent's number.
        witness: B256,
    },
    /// The parent header's state root is not the one the verifier trusts.
    #[error("the parent's state root is {witness}, not the trusted {trusted}")]
    UntrustedParent {
        /// The trusted parent state root.
        trusted: B256,
        /// The state root of the witness's parent header.
        witness: B256,
    },
    /// A transaction's sender does not recover.
    #[error("transaction {index} of the block: {reason}")]
    InvalidSender {
        /// Its position in the block.
        index: usize,
        /// Why.
        reason: SenderError,
    },
    /// The block's body holds what no Tephra block holds (ommers, withdrawals).
    #[error("the block's body holds {0}, which no Tephra block has")]
    UnexpectedBody(&'static str),
    /// The block does not execute on its parent's state (an invalid transaction, say).
    #[error("the block does not execute: {0}")]
    Execution(#[source] ChainError),
    /// The transactions the framework ran are not the block's (a transaction the rules
    /// schedule is missing from it, or one it lists was not run).
    #[error("the framework ran transactions {ran:?}, but the block lists {listed:?}")]
    TransactionsDiffer {
        /// Hashes of the transactions run.
        ran: Vec<B256>,
        /// Hashes of the block's transactions.
        listed: Vec<B256>,
    },
    /// The header of a stateless call is not a header's RLP.
    #[error("the call's header does not decode: {0}")]
    MalformedCallHeader(alloy_rlp::Error),
    /// The header of a stateless call is followed by other bytes.
    #[error("the call's header is followed by {0} trailing bytes")]
    HeaderTrailingBytes(usize),
    /// The EVM refuses a stateless call before running it (gas below its intrinsic gas, say).
    #[error("the call is not valid on the header's state: {0}")]
    InvalidCall(String),
    /// Re-execution reached another state root than the header's.
    #[error("re-execution reached state root {computed}, but the header says {header}")]
    StateRootMismatch {
        /// The state root computed over the witness.
        computed: B256,
        /// The header's state root.
        header: B256,
    },
    /// Another header field differs from what the block's body and execution give.
    #[error("header field {field} is {header}, but the block gives {computed}")]
    HeaderMismatch {
        /// The field, by its JSON-RPC name.
        field: &'static str,
        /// The value computed from the body and the execution.
        computed: String,
        /// The header's value.
        header: String,
    },
}

/// A block verified statelessly: what a guardian signs, and what it computed on the way.
#[derive(Debug, Clone)]
pub struct VerifiedBlock {
    /// The block number.
    pub number: u64,
    /// The block hash (of the verified header).
    pub hash: B256,
    /// Its state root, now verified: the next block's trusted parent root.
    pub state_root: B256,
    /// Gas used by the block.
    pub gas_used: u64,
    /// The transactions' senders, in block order.
    pub senders: Vec<Address>,
    /// The transactions' receipts.
    pub receipts: Vec<ReceiptEnvelope>,
}

/// Verifies `block` by re-executing it under `framework`'s rules (on `spec`) over `witness`
/// alone, on the parent state whose root the verifier trusts, `trusted_parent_state_root`.
///
/// Checks, in order: the witness headers chain by parent hash up to the block's parent, whose
/// state root is the trusted one; the base fee is the one the parent and the framework's
/// EIP-1559 parameters give; the body matches the header (transactions and ommers roots,
/// no withdrawals); every sender recovers; the block executes as [`crate::Chain`] replays a
/// stored block (every transaction required, post-block changes applied), running exactly the
/// block's transactions; and the header's state root, receipts root, logs bloom, gas used,
/// blob gas used, requests hash and the fields the framework sets from the post-state
/// ([`Framework::finish_header`]) are the ones the execution gives. Fields the sequencer chose
/// before execution (timestamp, beneficiary, gas limit, prevrandao, the framework's L1 origin
/// and extra data) are taken from the header as inputs, not judged: the state root commits to
/// their effects.
///
/// CPU-bound (hashing, signature recovery, execution): call it off an async runtime.
pub fn verify_block(
    spec: &ChainSpec,
    framework: &dyn Framework,
    block: &Block,
    witness: &ExecutionWitness,
    trusted_parent_state_root: B256,
) -> Result<VerifiedBlock, StatelessError> {
    let header = &block.header;
    if header.number == 0 {
        return Err(StatelessError::Genesis);
    }
    let (parent, block_hashes) = ancestors(witness, header, trusted_parent_state_root)?;
    mismatch(
        "baseFeePerGas",
        Some(crate::block_base_fee(framework, &parent, header)),
        header.base_fee_per_gas,
    )?;
    check_body(block)?;
    let transactions = &block.body.transactions;
    let senders = recover_senders(transactions)?;

    let witness_state =
        Arc::new(WitnessState::new(witness, trusted_parent_state_root, block_hashes));
    let mut state = BlockState::new(witness_state.clone());
    let run = framework.execute(
        spec,
        header,
        &mut state,
        BlockTxs {
            required: &mut transactions
                .iter()
                .zip(&senders)
                .map(|(tx, sender)| Recovered::new_unchecked(tx, *sender)),
            offered: &mut std::iter::empty(),
            finish: true,
        },
    );
    let run = witness_state.check(run)?;
    let ran: Vec<B256> = run.included.iter().map(|(_, hash, _)| *hash).collect();
    let listed: Vec<B256> = transactions.iter().map(TxEnvelope::tx_hash).collect();
    if ran != listed {
        return Err(StatelessError::TransactionsDiffer { ran, listed });
    }

    let (state_root, changes) = witness_state.check(compute_state_changes(
        &state,
        &*witness_state,
        trusted_parent_state_root,
    ))?;
    if state_root != header.state_root {
        return Err(StatelessError::StateRootMismatch {
            computed: state_root,
            header: header.state_root,
        });
    }
    let BlockRun { receipts, gas_used, blob_gas_used, requests, .. } = run;
    let mut expected = header.clone();
    expected.receipts_root = calculate_receipt_root(&receipts);
    expected.logs_bloom = receipts.iter().fold(Bloom::ZERO, |mut bloom, receipt| {
        bloom.accrue_bloom(&receipt.bloom());
        bloom
    });
    expected.gas_used = gas_used;
    expected.blob_gas_used = Some(blob_gas_used);
    expected.requests_hash = Some(requests.requests_hash());
    let finished = framework.finish_header(
        &mut expected,
        &|address| match changes.accounts.binary_search_by(|change| change.address.cmp(address)) {
            Ok(index) => Ok(changes.accounts[index].after),
            Err(_) => witness_state.trie_account(address),
        },
        &|address, slot| match state.accounts().get(address) {
            Some(tracked) => match tracked.storage.get(&slot) {
                Some((_, now)) => Ok(*now),
                None if tracked.cleared => Ok(U256::ZERO),
                None => witness_state.storage(*address, tracked.original_storage_root, slot),
            },
            None => {
                let root = witness_state.account_and_root(*address)?.1;
                witness_state.storage(*address, root, slot)
            }
        },
    );
    witness_state.check(finished)?;
    compare_headers(&expected, header)?;
    Ok(VerifiedBlock {
        number: header.number,
        hash: header.hash_slow(),
        state_root,
        gas_used,
        senders,
        receipts,
    })
}

/// The block's parent header and the hashes of the witness's headers by number, once they are
/// checked to chain up to that parent, whose state root must be `trusted_root`.
fn ancestors(
    witness: &ExecutionWitness,
    header: &Header,
    trusted_root: B256,
) -> Result<(Header, BTreeMap<u64, B256>), StatelessError> {
    let mut headers = witness
        .headers
        .iter()
        .enumerate()
        .map(|(index, raw)| {
            let header: Header = alloy_rlp::decode_exact(raw)
                .map_err(|reason| StatelessError::MalformedHeader { index, reason })?;
            Ok((header.hash_slow(), header))
        })
        .collect::<Result<Vec<_>, StatelessError>>()?;
    headers.sort_by_key(|(_, header)| header.number);
    if let Some((_, newest)) = headers.last()
        && newest.number >= header.number
    {
        return Err(StatelessError::NotAnAncestor { number: newest.number, block: header.number });
    }
    let parent_number = header.number - 1;
    let Some((parent_hash, parent)) = headers.last() else {
        return Err(StatelessError::IncompleteWitness(WitnessGap::Header(parent_number)));
    };
    if parent.number != parent_number {
        return Err(StatelessError::IncompleteWitness(WitnessGap::Header(parent_number)));
    }
    if *parent_hash != header.parent_hash {
        return Err(StatelessError::ParentMismatch {
            block: header.parent_hash,
            witness: *parent_hash,
        });
    }
    if parent.state_root != trusted_root {
        return Err(StatelessError::UntrustedParent {
            trusted: trusted_root,
            witness: parent.state_root,
        });
    }
    for pair in headers.windows(2) {
        let [(previous_hash, previous), (_, next)] = pair else { unreachable!("windows of 2") };
        if next.number != previous.number + 1 || next.parent_hash != *previous_hash {
            return Err(StatelessError::BrokenHeaderChain {
                number: next.number,
                parent_hash: next.parent_hash,
                previous_number: previous.number,
                previous_hash: *previous_hash,
            });
        }
    }
    let parent = parent.clone();
    Ok((parent, headers.into_iter().map(|(hash, header)| (header.number, hash)).collect()))
}

/// The body must be the header's: its transactions and (empty) ommers under the header's roots,
/// and no withdrawals (Tephra's blocks have none).
fn check_body(block: &Block) -> Result<(), StatelessError> {
    let header = &block.header;
    let body = &block.body;
    if !body.ommers.is_empty() {
        return Err(StatelessError::UnexpectedBody("ommers"));
    }
    if body.withdrawals.as_ref().is_some_and(|withdrawals| !withdrawals.is_empty()) {
        return Err(StatelessError::UnexpectedBody("withdrawals"));
    }
    mismatch("ommersHash", calculate_ommers_root(&body.ommers), header.ommers_hash)?;
    mismatch(
        "transactionsRoot",
        calculate_transaction_root(&body.transactions),
        header.transactions_root,
    )
}

fn recover_senders(transactions: &[TxEnvelope]) -> Result<Vec<Address>, StatelessError> {
    let recover = |(index, tx): (usize, &TxEnvelope)| {
        tx.recover_sender().map_err(|reason| StatelessError::InvalidSender { index, reason })
    };
    if transactions.len() >= PARALLEL_RECOVERY_THRESHOLD {
        transactions.par_iter().enumerate().map(recover).collect()
    } else {
        transactions.iter().enumerate().map(recover).collect()
    }
}

/// Every header field the execution could make differ, by name, then the whole header.
fn compare_headers(expected: &Header, header: &Header) -> Result<(), StatelessError> {
    mismatch("receiptsRoot", expected.receipts_root, header.receipts_root)?;
    mismatch("logsBloom", expected.logs_bloom, header.logs_bloom)?;
    mismatch("gasUsed", expected.gas_used, header.gas_used)?;
    mismatch("blobGasUsed", expected.blob_gas_used, header.blob_gas_used)?;
    mismatch("requestsHash", expected.requests_hash, header.requests_hash)?;
    mismatch("withdrawalsRoot", expected.withdrawals_root, header.withdrawals_root)?;
    mismatch("extraData", &expected.extra_data, &header.extra_data)?;
    mismatch("mixHash", expected.mix_hash, header.mix_hash)?;
    // Anything else a framework's `finish_header` sets.
    mismatch("header", expected, header)
}

fn mismatch<T: PartialEq + fmt::Debug>(
    field: &'static str,
    computed: T,
    header: T,
) -> Result<(), StatelessError> {
    if computed == header {
        return Ok(());
    }
    Err(StatelessError::HeaderMismatch {
        field,
        computed: format!("{computed:?}"),
        header: format!("{header:?}"),
    })
}

/// The parent state of a block as its execution witness holds it: trie nodes and bytecodes
/// under the hashes computed here, ancestor hashes from headers already checked to chain, and
/// the trusted parent state root. Reads walk the witness's tries; anything missing is an error,
/// and the first gap is remembered, so that a refusal names it even when the block executor
/// reports the failure as text.
pub struct WitnessState {
    state_root: B256,
    nodes: HashMap<B256, Bytes>,
    codes: HashMap<B256, Bytecode>,
    block_hashes: BTreeMap<u64, B256>,
    gap: Mutex<Option<WitnessGap>>,
}

impl fmt::Debug for WitnessState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WitnessState")
            .field("state_root", &self.state_root)
            .field("nodes", &self.nodes.len())
            .field("codes", &self.codes.len())
            .field("block_hashes", &self.block_hashes)
            .finish_non_exhaustive()
    }
}

impl WitnessState {
    /// Indexes `witness`'s nodes and codes by their keccak hashes, as the state whose root is
    /// `state_root`, with `block_hashes` (checked by the caller) for `BLOCKHASH`. Hashing the
    /// nodes is what makes the witness trustworthy: a node can only be found under its own
    /// hash.
    pub fn new(
        witness: &ExecutionWitness,
        state_root: B256,
        block_hashes: BTreeMap<u64, B256>,
    ) -> Self {
        Self::from_parts(&witness.state, &witness.codes, state_root, block_hashes)
    }

    /// [`WitnessState::new`] from the witness's trie `nodes` and `codes` alone (a stateless
    /// call's witness, which has no headers or key preimages).
    pub fn from_parts(
        nodes: &[Bytes],
        codes: &[Bytes],
        state_root: B256,
        block_hashes: BTreeMap<u64, B256>,
    ) -> Self {
        let hash_all = |items: &[Bytes]| -> Vec<(B256, Bytes)> {
            items.par_iter().map(|item| (keccak256(item), item.clone())).collect()
        };
        let nodes = hash_all(nodes).into_iter().collect();
        let codes = hash_all(codes)
            .into_iter()
            .map(|(hash, code)| (hash, Bytecode::new_raw(code)))
            .collect();
        Self { state_root, nodes, codes, block_hashes, gap: Mutex::new(None) }
    }

    /// The first thing a read needed that the witness lacks, if any.
    pub fn gap(&self) -> Option<WitnessGap> {
        *self.gap.lock()
    }

    fn note(&self, gap: WitnessGap) {
        self.gap.lock().get_or_insert(gap);
    }

    /// `result` unless a read has hit a gap of the witness: a gap is the reason, whatever the
    /// executor made of the failed read.
    fn check<T>(&self, result: Result<T, ChainError>) -> Result<T, StatelessError> {
        if let Some(gap) = self.gap() {
            return Err(StatelessError::IncompleteWitness(gap));
        }
        result.map_err(StatelessError::Execution)
    }

    /// An account as the parent's state trie holds it.
    pub fn trie_account(&self, address: &Address) -> Result<Option<TrieAccount>, ChainError> {
        let Some(leaf) = Trie::new(self, self.state_root).get(&keccak256(address))? else {
            return Ok(None);
        };
        TrieAccount::decode(&mut leaf.as_slice()).map(Some).map_err(|err| {
            ChainError::Execution(format!(
                "account {address} of the witness does not decode: {err}"
            ))
        })
    }

    pub(crate) fn account_and_root(
        &self,
        address: Address,
    ) -> Result<(Option<AccountInfo>, B256), ChainError> {
        Ok(crate::state::info_and_root(self.trie_account(&address)?))
    }

    pub(crate) fn storage(
        &self,
        address: Address,
        storage_root: B256,
        index: U256,
    ) -> Result<U256, ChainError> {
        if storage_root == EMPTY_ROOT_HASH {
            return Ok(U256::ZERO);
        }
        let key = keccak256(B256::from(index));
        let Some(leaf) = Trie::new(self, storage_root).get(&key)? else { return Ok(U256::ZERO) };
        U256::decode(&mut leaf.as_slice()).map_err(|err| {
            ChainError::Execution(format!(
                "slot {index:#x} of {address} in the witness does not decode: {err}"
            ))
        })
    }

    pub(crate) fn code(&self, code_hash: B256) -> Result<Bytecode, ChainError> {
        if code_hash == KECCAK_EMPTY {
            return Ok(Bytecode::default());
        }
        match self.codes.get(&code_hash) {
            Some(code) => Ok(code.clone()),
            None => {
                self.note(WitnessGap::Code(code_hash));
                Err(ChainError::IncompleteWitness(WitnessGap::Code(code_hash)))
            }
        }
    }

    /// The hash of block `number`: from the witness's headers; zero for the block itself and
    /// later ones, as a block being built sees them. Without headers (a stateless call's
    /// witness) every block hash is a gap.
    pub(crate) fn block_hash(&self, number: u64) -> Result<B256, ChainError> {
        if let Some(hash) = self.block_hashes.get(&number) {
            return Ok(*hash);
        }
        if let Some(newest) = self.block_hashes.keys().next_back()
            && number > *newest
        {
            return Ok(B256::ZERO);
        }
        self.note(WitnessGap::Header(number));
        Err(ChainError::IncompleteWitness(WitnessGap::Header(number)))
    }
}

impl NodeStore for WitnessState {
    fn node(&self, hash: &B256) -> Result<Option<Bytes>, TrieError> {
        let node = self.nodes.get(hash).cloned();
        if node.is_none() {
            self.note(WitnessGap::Node(*hash));
        }
        Ok(node)
    }
}
