//! Evidence about state: `eth_getProof` account and storage proofs, and the execution witness
//! of a block (`debug_executionWitness`): every trie node, bytecode, key preimage and ancestor
//! header needed to re-execute the block statelessly against its parent's state root.

use crate::{
    Chain, ChainError,
    framework::BlockTxs,
    state::{BlockState, StateDb},
    state_root::{CachedNodes, RecordingNodes, StoreNodes, compute_state_changes},
};
use alloy_consensus::{Header, transaction::Recovered};
use alloy_primitives::{Address, B256, Bytes, keccak256};
use alloy_rpc_types_debug::ExecutionWitness;
use alloy_rpc_types_eth::{EIP1186AccountProofResponse, EIP1186StorageProof};
use alloy_trie::{EMPTY_ROOT_HASH, TrieAccount};
use revm::primitives::KECCAK_EMPTY;
use std::{cell::RefCell, sync::Arc};
use tephra_storage::StoreReader;
use tephra_trie::{NodeStore, proof};

impl Chain {
    /// `eth_getProof`: the account and the given storage slots after block `number`, with
    /// Merkle proofs against that block's state root.
    pub fn proof(
        &self,
        address: Address,
        slots: Vec<B256>,
        number: u64,
    ) -> Result<EIP1186AccountProofResponse, ChainError> {
        let reader = self.reader()?;
        let header = header(&reader, number)?;
        let nodes = StoreNodes(&reader);
        let account = reader.account_at(&address, number)?;
        let account_proof = proof(&nodes, header.state_root, &keccak256(address))?;
        let storage_root = account.as_ref().map_or(EMPTY_ROOT_HASH, |a| a.storage_root);
        let storage_proof = slots
            .into_iter()
            .map(|slot| {
                Ok(EIP1186StorageProof {
                    key: slot.into(),
                    value: reader.storage_at(&address, &slot, number)?,
                    proof: if storage_root == EMPTY_ROOT_HASH {
                        // The empty trie proven by its one node, rlp("") = 0x80, whose hash is
                        // the empty root: verifiers that need a root node accept it.
                        vec![Bytes::from_static(&[alloy_rlp::EMPTY_STRING_CODE])]
                    } else {
                        proof(&nodes, storage_root, &keccak256(slot))?
                    },
                })
            })
            .collect::<Result<_, ChainError>>()?;
        Ok(EIP1186AccountProofResponse {
            address,
            balance: account.as_ref().map(|a| a.balance).unwrap_or_default(),
            code_hash: account.as_ref().map_or(KECCAK_EMPTY, |a| a.code_hash),
            nonce: account.as_ref().map(|a| a.nonce).unwrap_or_default(),
            storage_hash: storage_root,
            account_proof,
            storage_proof,
        })
    }

    /// Replays block `number` on its parent's state: system calls, then its first `upto`
    /// transactions, then (if `finish`) the post-block changes. Returns what it read and wrote.
    pub(crate) fn replay(
        &self,
        reader: &Arc<StoreReader>,
        number: u64,
        upto: usize,
        finish: bool,
    ) -> Result<(Header, BlockState), ChainError> {
        let header = header(reader, number)?;
        let parent = number.checked_sub(1).ok_or_else(|| {
            ChainError::UnknownBlock("the genesis block has no parent to replay on".into())
        })?;
        let transactions = reader.transactions(number)?.unwrap_or_default();
        let senders = reader.senders(number)?.unwrap_or_default();
        let mut state = BlockState::new(StateDb::at(reader.clone(), parent));
        self.framework()
            .execute(
                self.spec(),
                &header,
                &mut state,
                BlockTxs {
                    required: &mut transactions
                        .iter()
                        .zip(&senders)
                        .take(upto)
                        .map(|(tx, sender)| Recovered::new_unchecked(tx, *sender)),
                    offered: &mut std::iter::empty(),
                    finish,
                },
            )
            .map_err(|err| ChainError::Execution(format!("replaying block {number}: {err}")))?;
        Ok((header, state))
    }

    /// `debug_executionWitness`: what a stateless client needs to re-execute block `number`
    /// against its parent's state root and reach its state root: the trie nodes on the path of
    /// every account and slot the block read or wrote (including the siblings its deletions
    /// need), and of what the framework reads of the post-state for its header fields
    /// ([`crate::Framework::finish_header`]), the bytecode it ran, the preimages of the hashed
    /// keys, and the headers of the ancestors it read hashes of (at least the parent).
    /// [`crate::verify_block`] re-executes the block from it.
    pub fn execution_witness(&self, number: u64) -> Result<ExecutionWitness, ChainError> {
        let reader = self.reader()?;
        let (_, state) = self.replay(&reader, number, usize::MAX, true)?;
        let parent = header(&reader, number - 1)?;
        let recorder =
            RecordingNodes::new(CachedNodes { reader: &reader, cache: self.node_cache() });
        // Paths of everything read, against the parent's tries.
        let mut keys = Vec::new();
        prove_reads(&recorder, parent.state_root, &state, &mut keys)?;
        // The nodes the state-root update loads (siblings of deleted branches included).
        let (root, changes) = compute_state_changes(&state, &recorder, parent.state_root)?;
        let mut block = header(&reader, number)?;
        if root != block.state_root {
            return Err(ChainError::Execution(format!(
                "replayed state root {root} of block {number} differs from its header's {}",
                block.state_root
            )));
        }
        // The paths of what the framework reads of the post-state for its header fields (OP
        // Stack's message passer root, Nitro's send root) and the block left unchanged: a
        // verifier reads them in the parent's tries.
        let parent_state = StateDb::at(reader.clone(), number - 1);
        let read_keys = RefCell::new(Vec::new());
        let parent_account = |address: &Address| -> Result<Option<TrieAccount>, ChainError> {
            read_keys.borrow_mut().push(Bytes::copy_from_slice(address.as_slice()));
            proof(&recorder, parent.state_root, &keccak256(address))?;
            parent_state.trie_account(address)
        };
        // The header comes back as it was: the verifier checks the fields against it.
        self.framework().finish_header(
            &mut block,
            &|address| match changes.accounts.binary_search_by(|c| c.address.cmp(address)) {
                Ok(index) => Ok(changes.accounts[index].after),
                Err(_) => parent_account(address),
            },
            &|address, slot| {
                let key = B256::from(slot);
                if let Some(change) =
                    changes.slots.iter().find(|c| c.address == *address && c.slot == key)
                {
                    return Ok(change.after);
                }
                let storage_root =
                    parent_account(address)?.map_or(EMPTY_ROOT_HASH, |a| a.storage_root);
                read_keys.borrow_mut().push(Bytes::copy_from_slice(key.as_slice()));
                proof(&recorder, storage_root, &keccak256(key))?;
                Ok(reader.storage_at(address, &key, number - 1)?)
            },
        )?;
        keys.extend(read_keys.into_inner());
        let nodes = sorted_nodes(recorder);
        let codes = sorted_codes(&state);
        let oldest = state.block_hashes().keys().next().copied().unwrap_or(number - 1);
        let headers = (oldest.min(number - 1)..number)
            .map(|n| Ok(Bytes::from(alloy_rlp::encode(header(&reader, n)?))))
            .collect::<Result<_, ChainError>>()?;
        keys.sort_unstable();
        keys.dedup();
        Ok(ExecutionWitness { state: nodes, codes, keys, headers })
    }

    /// The witness of what `state` read from the state after the stored block `number`, whose
    /// state root is `state_root`: the trie nodes on the path of every account and slot read
    /// (an absent one's path proves it absent), and the bytecodes run, each sorted by hash.
    pub(crate) fn read_witness(
        &self,
        reader: &StoreReader,
        state_root: B256,
        state: &BlockState,
    ) -> Result<(Vec<Bytes>, Vec<Bytes>), ChainError> {
        let recorder = RecordingNodes::new(CachedNodes { reader, cache: self.node_cache() });
        prove_reads(&recorder, state_root, state, &mut Vec::new())?;
        Ok((sorted_nodes(recorder), sorted_codes(state)))
    }
}

/// Records in `recorder` the proof paths, against the state root `state_root`, of every account
/// `state` tracks and of every slot of it that it read or wrote (against the account's storage
/// root before), and pushes their keys (addresses and slots) to `keys`.
fn prove_reads<S: NodeStore>(
    recorder: &RecordingNodes<S>,
    state_root: B256,
    state: &BlockState,
    keys: &mut Vec<Bytes>,
) -> Result<(), ChainError> {
    for (address, tracked) in state.accounts() {
        keys.push(Bytes::copy_from_slice(address.as_slice()));
        proof(recorder, state_root, &keccak256(address))?;
        let storage_root = tracked.original_storage_root;
        for slot in tracked.storage.keys() {
            let slot = B256::from(*slot);
            keys.push(Bytes::copy_from_slice(slot.as_slice()));
            proof(recorder, storage_root, &keccak256(slot))?;
        }
    }
    Ok(())
}

/// The nodes `recorder` saw, sorted by hash.
fn sorted_nodes<S>(recorder: RecordingNodes<S>) -> Vec<Bytes> {
    let mut nodes: Vec<(B256, Bytes)> = recorder.into_nodes().into_iter().collect();
    nodes.sort_unstable_by_key(|(hash, _)| *hash);
    nodes.into_iter().map(|(_, node)| node).collect()
}

/// The bytecodes `state` read or deployed (not the empty one), sorted by hash.
fn sorted_codes(state: &BlockState) -> Vec<Bytes> {
    let mut codes: Vec<(B256, Bytes)> = state
        .codes()
        .iter()
        .filter(|(hash, _)| **hash != KECCAK_EMPTY)
        .map(|(hash, code)| (*hash, code.original_bytes()))
        .collect();
    codes.sort_unstable_by_key(|(hash, _)| *hash);
    codes.into_iter().map(|(_, code)| code).collect()
}

fn header(reader: &StoreReader, number: u64) -> Result<Header, ChainError> {
    reader.header(number)?.ok_or_else(|| ChainError::UnknownBlock(number.to_string()))
}
