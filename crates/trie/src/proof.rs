//! Merkle proofs read from the node store, as `eth_getProof` returns them.

use crate::{
    EMPTY_ROOT_HASH, NodeStore, TrieError,
    node::{Node, Slot},
    store,
};
use alloy_primitives::{B256, Bytes};
use alloy_trie::Nibbles;

/// The proof of `key` in the trie committed at `root`: the RLP of every stored node on the path
/// from the root towards `key`, root first, exactly as `eth_getProof` returns it in
/// `accountProof` and `storageProof`. Nodes embedded in their parent are not separate entries.
///
/// It proves inclusion when `key` is present and exclusion otherwise (the path ends at an empty
/// slot or at a node that diverges from `key`); `alloy_trie::proof::verify_proof` checks either.
/// The proof of any key of the empty trie is empty. Works at any root committed to `store`, old
/// or new, and reads only committed nodes.
pub fn proof<S: NodeStore + ?Sized>(
    store: &S,
    root: B256,
    key: &B256,
) -> Result<Vec<Bytes>, TrieError> {
    let mut proof = Vec::new();
    if root == EMPTY_ROOT_HASH {
        return Ok(proof);
    }
    let mut path = Nibbles::unpack(key);
    let mut next = Some(root);
    while let Some(hash) = next.take() {
        let rlp = store::load(store, &hash)?;
        let node = Node::decode(&hash, &rlp, path.len())?;
        proof.push(rlp);
        // Walk down through the nodes embedded in this one, up to the next stored node.
        let mut current = &node;
        loop {
            let child = match current {
                Node::Leaf(_) => break,
                Node::Extension(ext) => {
                    if !path.starts_with(&ext.key) {
                        break;
                    }
                    path = path.slice(ext.key.len()..);
                    &ext.child
                }
                Node::Branch(branch) => {
                    let Some(nibble) = path.first() else { break };
                    path = path.slice(1..);
                    branch.child(usize::from(nibble))
                }
            };
            match child {
                Slot::Empty => break,
                Slot::Stored(hash) => {
                    next = Some(*hash);
                    break;
                }
                Slot::Clean(node, _) | Slot::Dirty(node) => current = node,
            }
        }
    }
    Ok(proof)
}
