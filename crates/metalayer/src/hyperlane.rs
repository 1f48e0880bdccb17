//! Hyperlane's side of a message proof: the incremental Merkle tree of dispatched message ids
//! that its `MerkleTreeHook` keeps (`contracts/libs/Merkle.sol` of `@hyperlane-xyz/core`:
//! depth 32, zero leaves, `keccak256(left || right)`), rebuilt off chain to prove one message,
//! and the message id (`keccak256` of the Hyperlane message bytes).

use alloy_primitives::{B256, keccak256};

/// The depth of Hyperlane's tree.
pub const TREE_DEPTH: usize = 32;

fn node(left: &B256, right: &B256) -> B256 {
    let mut buf = [0u8; 64];
    buf[..32].copy_from_slice(left.as_slice());
    buf[32..].copy_from_slice(right.as_slice());
    keccak256(buf)
}

fn zero_hashes() -> [B256; TREE_DEPTH] {
    let mut zeroes = [B256::ZERO; TREE_DEPTH];
    for i in 1..TREE_DEPTH {
        zeroes[i] = node(&zeroes[i - 1], &zeroes[i - 1]);
    }
    zeroes
}

/// All message ids a `MerkleTreeHook` has inserted, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageTree {
    leaves: Vec<B256>,
}

impl MessageTree {
    /// The tree of `ids`, inserted in order.
    pub fn new(ids: Vec<B256>) -> Self {
        Self { leaves: ids }
    }

    /// Inserts the next message id.
    pub fn insert(&mut self, id: B256) {
        self.leaves.push(id);
    }

    /// The number of inserted ids (`MerkleTreeHook.count()`).
    pub fn count(&self) -> usize {
        self.leaves.len()
    }

    /// `MerkleTreeHook.root()`.
    pub fn root(&self) -> B256 {
        self.walk(0).0
    }

    /// The branch of leaf `index` (`MerkleLib.branchRoot`'s `_branch`), or `None` past the
    /// inserted leaves.
    pub fn proof(&self, index: usize) -> Option<[B256; TREE_DEPTH]> {
        (index < self.leaves.len()).then(|| self.walk(index).1)
    }

    /// The root, and the siblings of leaf `index` on the way up.
    fn walk(&self, index: usize) -> (B256, [B256; TREE_DEPTH]) {
        let zeroes = zero_hashes();
        let mut branch = [B256::ZERO; TREE_DEPTH];
        let mut level = self.leaves.clone();
        for depth in 0..TREE_DEPTH {
            let sibling = (index >> depth) ^ 1;
            branch[depth] = level.get(sibling).copied().unwrap_or(zeroes[depth]);
            level = level
                .chunks(2)
                .map(|pair| node(&pair[0], pair.get(1).unwrap_or(&zeroes[depth])))
                .collect();
        }
        (
            level
                .first()
                .copied()
                .unwrap_or_else(|| node(&zeroes[TREE_DEPTH - 1], &zeroes[TREE_DEPTH - 1])),
            branch,
        )
    }
}

/// `MerkleLib.branchRoot`: the root `id` at `index` with `branch` leads to.
pub fn branch_root(id: B256, branch: &[B256; TREE_DEPTH], index: u32) -> B256 {
    let mut current = id;
    for (depth, sibling) in branch.iter().enumerate() {
        current = if (index >> depth) & 1 == 1 {
            node(sibling, &current)
        } else {
            node(&current, sibling)
        };
    }
    current
}

/// `MerkleLib.root`: the root of a tree from what `MerkleTreeHook` stores, its `branch` and
/// `count` (read from its storage, say, and proven against a state root).
pub fn stored_root(branch: &[B256; TREE_DEPTH], count: u64) -> B256 {
    let zeroes = zero_hashes();
    let mut current = B256::ZERO;
    for (depth, next) in branch.iter().enumerate() {
        current = if (count >> depth) & 1 == 1 {
            node(next, &current)
        } else {
            node(&current, &zeroes[depth])
        };
    }
    current
}

/// A Hyperlane message id.
pub fn message_id(message: &[u8]) -> B256 {
    keccak256(message)
}

/// The fields of a Hyperlane message (version 3) that routing needs: `version (1) || nonce (4)
/// || origin (4) || sender (32) || destination (4) || recipient (32) || body`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageHeader {
    /// The mailbox nonce.
    pub nonce: u32,
    /// The origin domain.
    pub origin: u32,
    /// The destination domain.
    pub destination: u32,
    /// The recipient, as a 32-byte word.
    pub recipient: B256,
}

/// Bytes of a Hyperlane message's header; the body follows.
pub const HEADER_LEN: usize = 77;

impl MessageHeader {
    /// Reads the header of `message`, or `None` if it is shorter than a header.
    pub fn parse(message: &[u8]) -> Option<Self> {
        let u32_at =
            |at: usize| Some(u32::from_be_bytes(message.get(at..at + 4)?.try_into().ok()?));
        if message.len() < HEADER_LEN {
            return None;
        }
        Some(Self {
            nonce: u32_at(1)?,
            origin: u32_at(5)?,
            destination: u32_at(41)?,
            recipient: B256::from_slice(&message[45..HEADER_LEN]),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_proof_leads_to_the_root() {
        let tree = MessageTree::new((0u8..7).map(|i| keccak256([i])).collect());
        for index in 0..7 {
            let branch = tree.proof(index).unwrap();
            assert_eq!(branch_root(tree.leaves[index], &branch, index as u32), tree.root());
        }
        assert!(tree.proof(7).is_none());
    }

    #[test]
    fn empty_root_is_the_zero_tree() {
        let zeroes = zero_hashes();
        assert_eq!(MessageTree::default().root(), node(&zeroes[31], &zeroes[31]));
    }
}
