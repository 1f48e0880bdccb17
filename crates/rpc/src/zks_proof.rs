//! `zks_getProof` as ZKsync OS serves it (`zksync-os-server` `docs/src/design/zks_getProof.md`):
//! proofs of storage slots in ZKsync OS's state tree ([`tephra_frameworks::zk_stack::tree`])
//! at a batch, with the preimage of the batch's state commitment. The tree follows the chain:
//! before answering, it applies the blocks it has not seen from the store's per-block change
//! sets (syncing them to disk once, at the end), and drops the versions of blocks the chain no
//! longer has (an `evm_revert`, an L1 reorg), so it is never ahead of or beside the chain.
//!
//! `l1VerificationData` is `null`: a Tephra zk-stack chain's batches are not committed to an L1
//! diamond proxy as `StoredBatchInfo` (its settlement layer records their L2-to-L1 logs roots),
//! so there is no L1 hash to check the commitment against.

use crate::{
    context::{Args, RpcContext, head_of},
    error::{EthError, EthResult},
};
use alloy_primitives::{Address, B256};
use parking_lot::MutexGuard;
use serde_json::{Value, json};
use std::sync::Arc;
use tephra_frameworks::zk_stack::tree::{
    ACCOUNT_PROPERTIES, KeyProof, LeafProof, RootInfo, StateTree, account_properties_hash,
    block_hashes_blake, flat_key, ordered_writes,
};
use tephra_storage::StoreReader;

fn tree_error(err: impl std::fmt::Display) -> EthError {
    EthError::Internal(err.to_string())
}

/// The state tree caught up to a batch.
pub(crate) struct SyncedTree<'a> {
    /// The tree, locked.
    pub(crate) tree: MutexGuard<'a, StateTree>,
    /// The batch's root.
    pub(crate) info: RootInfo,
    /// The store snapshot it was caught up from.
    pub(crate) reader: Arc<StoreReader>,
}

/// The state tree at batch `batch` (caught up to it), or `None` if the chain has no such block.
/// The store snapshot is taken under the tree's lock, so it is at least as new as any the tree
/// applied blocks from: a block the tree has and the snapshot lacks was unwound.
pub(crate) fn tree_at(ctx: &RpcContext, batch: u64) -> EthResult<Option<SyncedTree<'_>>> {
    let tree = ctx.node.zk_state_tree().map_err(tree_error)?.lock();
    let reader = ctx.reader()?;
    if batch > head_of(&reader)? {
        return Ok(None);
    }
    let mut next = 0;
    if let Some((latest, info)) = tree.latest().map_err(tree_error)? {
        let (mut at, mut hash) = (latest, info.block_hash);
        while reader.header(at)?.map(|header| header.hash_slow()) != Some(hash) {
            at = at.checked_sub(1).ok_or_else(|| {
                tree_error("the zk state tree is of another chain (its genesis differs)")
            })?;
            let info = tree.root_info(at).map_err(tree_error)?;
            hash = info.ok_or_else(|| tree_error("the zk state tree misses a version"))?.block_hash;
        }
        if at < latest {
            tree.truncate(at).map_err(tree_error)?;
        }
        next = at + 1;
    }
    if next <= batch {
        for number in next..=batch {
            apply_block(&tree, &reader, number)?;
        }
        tree.persist().map_err(tree_error)?;
    }
    let info =
        tree.root_info(batch).map_err(tree_error)?.ok_or_else(|| tree_error("not applied"))?;
    Ok(Some(SyncedTree { tree, info, reader }))
}

/// Applies block `number`'s net writes to the tree, as ZKsync OS reports them: each slot and
/// each account's properties whose value differs from the parent block's (a slot or account
/// touched but left as it was is no write, so a never-written key gets no leaf), in
/// ZKsync OS's order ([`ordered_writes`]).
fn apply_block(tree: &StateTree, reader: &StoreReader, number: u64) -> EthResult<()> {
    let header = reader.header(number)?.ok_or(EthError::HeaderNotFound)?;
    let changes = reader.block_changes(number)?.unwrap_or_default();
    let parent = number.checked_sub(1);
    let mut writes = Vec::with_capacity(changes.accounts.len() + changes.slots.len());
    for (address, slot) in &changes.slots {
        let value = B256::from(reader.storage_at(address, slot, number)?);
        let before = match parent {
            Some(parent) => B256::from(reader.storage_at(address, slot, parent)?),
            None => B256::ZERO,
        };
        if value != before {
            writes.push((*address, *slot, value));
        }
    }
    for address in &changes.accounts {
        let properties = account_properties_at(reader, address, number)?;
        let before = match parent {
            Some(parent) => account_properties_at(reader, address, parent)?,
            None => B256::ZERO,
        };
        if properties != before {
            writes.push((ACCOUNT_PROPERTIES, address.into_word(), properties));
        }
    }
    tree.apply(number, header.hash_slow(), ordered_writes(number, writes)).map_err(tree_error)?;
    Ok(())
}

/// The hash of `address`'s properties at block `number` (zero if it has none).
fn account_properties_at(reader: &StoreReader, address: &Address, number: u64) -> EthResult<B256> {
    let Some(account) = reader.account_at(address, number)? else { return Ok(B256::ZERO) };
    let code = match account.code_hash {
        revm::primitives::KECCAK_EMPTY => None,
        hash => reader.code(&hash)?,
    };
    Ok(account_properties_hash(account.nonce, account.balance, &code.unwrap_or_default()))
}

/// `zks_getProof(address, keys, l1BatchNumber)`.
pub(crate) fn get_proof(ctx: &RpcContext, args: &mut Args) -> EthResult<Option<Value>> {
    let (address, keys, batch) =
        (args.req::<Address>()?, args.req::<Vec<B256>>()?, args.req::<u64>()?);
    let Some(SyncedTree { tree, info, reader }) = tree_at(ctx, batch)? else { return Ok(None) };
    let mut proofs = Vec::with_capacity(keys.len());
    for key in keys {
        let proof = tree.prove(batch, &flat_key(address, key)).map_err(tree_error)?;
        proofs.push(json!({ "key": key, "proof": proof_json(&proof) }));
    }
    drop(tree);
    let header = reader.header(batch)?.ok_or(EthError::HeaderNotFound)?;
    Ok(Some(json!({
        "address": address,
        "stateCommitmentPreimage": {
            "nextFreeSlot": format!("{:#x}", info.leaf_count),
            "blockNumber": format!("{batch:#x}"),
            "last256BlockHashesBlake": last_block_hashes_blake(&reader, batch, info.block_hash)?,
            "lastBlockTimestamp": format!("{:#x}", header.timestamp),
        },
        "storageProofs": proofs,
        "l1VerificationData": null,
    })))
}

/// [`block_hashes_blake`] of batch `batch` (whose block's hash is `hash`).
pub(crate) fn last_block_hashes_blake(
    reader: &StoreReader,
    batch: u64,
    hash: B256,
) -> EthResult<B256> {
    let mut hashes = [B256::ZERO; 256];
    hashes[255] = hash;
    for back in 1..256u64 {
        let Some(number) = batch.checked_sub(back) else { break };
        let header = reader.header(number)?.ok_or(EthError::HeaderNotFound)?;
        hashes[255 - back as usize] = header.hash_slow();
    }
    Ok(block_hashes_blake(&hashes))
}

fn leaf_json(proof: &LeafProof) -> Value {
    json!({
        "index": proof.index,
        "leafKey": proof.leaf.key,
        "value": proof.leaf.value,
        "nextIndex": proof.leaf.next,
        "siblings": proof.siblings,
    })
}

fn proof_json(proof: &KeyProof) -> Value {
    match proof {
        KeyProof::Existing(leaf) => json!({
            "type": "existing",
            "index": leaf.index,
            "value": leaf.leaf.value,
            "nextIndex": leaf.leaf.next,
            "siblings": leaf.siblings,
        }),
        KeyProof::NonExisting { left, right } => json!({
            "type": "nonExisting",
            "leftNeighbor": leaf_json(left),
            "rightNeighbor": leaf_json(right),
        }),
    }
}
