//! The send Merkle accumulator: ArbOS's append-only Merkle tree of L2-to-L1 messages, whose
//! root is the "send root" the header's `extraData` carries and the outbox on L1 proves
//! withdrawals against.
//!
//! Definition (Nitro's `arbos/merkleAccumulator`): a leaf is `keccak256(itemHash)`; the
//! accumulator keeps the item count and one partial per level, the root of a complete subtree
//! of `2^level` leaves or zero. Appending carries like binary addition: equal-height subtrees
//! merge as `keccak256(left ‖ right)`, and every merge is announced (Nitro's `SendMerkleUpdate`
//! event). The root folds the partials from the lowest level up, padding the smaller subtree
//! with zero hashes (`keccak256(h ‖ 0^32)`) until it is as tall as the next partial.

use alloy_primitives::{B256, keccak256};

/// Where an accumulator keeps its count and partials (a state account's storage, or memory).
pub(crate) trait AccumulatorStore {
    /// The error reading or writing.
    type Error;
    /// The number of items appended.
    fn size(&mut self) -> Result<u64, Self::Error>;
    /// Sets the number of items.
    fn set_size(&mut self, size: u64) -> Result<(), Self::Error>;
    /// The partial of `level` (zero when that level holds no subtree).
    fn partial(&mut self, level: u64) -> Result<B256, Self::Error>;
    /// Sets the partial of `level`.
    fn set_partial(&mut self, level: u64, hash: B256) -> Result<(), Self::Error>;
}

/// A merge made while appending: the subtree of `2^level` leaves ending at leaf `leaf` now has
/// root `hash`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MerkleUpdate {
    /// Height of the merged subtree.
    pub level: u64,
    /// Index of the appended leaf.
    pub leaf: u64,
    /// The merged subtree's root.
    pub hash: B256,
}

/// Levels a tree of `size` leaves has partials for: the bit length of `size` (Nitro's
/// `CalcNumPartials`, its `Log2ceil`).
pub fn num_partials(size: u64) -> u64 {
    64 - size.leading_zeros() as u64
}

/// Appends `item` and returns the merges it made (lowest first).
pub(crate) fn append<S: AccumulatorStore>(
    store: &mut S,
    item: B256,
) -> Result<Vec<MerkleUpdate>, S::Error> {
    let before = store.size()?;
    store.set_size(before + 1)?;
    let mut updates = Vec::new();
    let mut so_far = keccak256(item);
    let mut level = 0;
    loop {
        if level == num_partials(before) {
            store.set_partial(level, so_far)?;
            return Ok(updates);
        }
        let here = store.partial(level)?;
        if here.is_zero() {
            store.set_partial(level, so_far)?;
            return Ok(updates);
        }
        so_far = keccak256([here.as_slice(), so_far.as_slice()].concat());
        store.set_partial(level, B256::ZERO)?;
        level += 1;
        updates.push(MerkleUpdate { level, leaf: before, hash: so_far });
    }
}

/// The root of the accumulated tree; zero when it is empty.
pub(crate) fn root<S: AccumulatorStore>(store: &mut S) -> Result<B256, S::Error> {
    let size = store.size()?;
    let mut acc: Option<(B256, u64)> = None;
    let mut capacity = 1u64;
    for level in 0..num_partials(size) {
        let partial = store.partial(level)?;
        if !partial.is_zero() {
            acc = Some(match acc {
                None => (partial, capacity),
                Some((mut hash, mut held)) => {
                    while held < capacity {
                        hash = keccak256([hash.as_slice(), &[0u8; 32]].concat());
                        held *= 2;
                    }
                    (keccak256([partial.as_slice(), hash.as_slice()].concat()), 2 * capacity)
                }
            });
        }
        capacity = capacity.saturating_mul(2);
    }
    Ok(acc.map(|(hash, _)| hash).unwrap_or_default())
}

/// The partials of levels `0..num_partials(size)`, for `sendMerkleTreeState()`.
pub(crate) fn partials<S: AccumulatorStore>(store: &mut S) -> Result<Vec<B256>, S::Error> {
    let size = store.size()?;
    (0..num_partials(size)).map(|level| store.partial(level)).collect()
}

/// The outbox proof of leaf `leaf` in the tree of the first `items.len()` items (Nitro's
/// `NodeInterface.constructOutboxProof`): the tree's root and the sibling hashes from the leaf
/// up, in the tree the accumulator's root commits to (leaves `keccak256(item)`, each level of
/// odd length padded with a zero hash). The proof's length is the tree's height, as the L1
/// outbox requires (`index < 2^proof.length`); `None` if `leaf` is not in the tree.
pub fn outbox_proof(items: &[B256], leaf: usize) -> Option<(B256, Vec<B256>)> {
    if leaf >= items.len() {
        return None;
    }
    let mut level: Vec<B256> = items.iter().map(keccak256).collect();
    let mut index = leaf;
    let mut proof = Vec::new();
    while level.len() > 1 {
        if level.len() % 2 == 1 {
            level.push(B256::ZERO);
        }
        proof.push(level[index ^ 1]);
        level = level.chunks(2).map(|pair| keccak256([pair[0].0, pair[1].0].concat())).collect();
        index /= 2;
    }
    Some((level[0], proof))
}

/// The root an outbox proof leads to (the L1 outbox's `calculateMerkleRoot`, over
/// `MerkleLib.calculateRoot`): `keccak256(item)` hashed with each proof node, on the left when
/// the route's bit is 0.
pub fn root_from_proof(proof: &[B256], route: u64, item: B256) -> B256 {
    proof.iter().enumerate().fold(keccak256(item), |hash, (level, node)| {
        if route >> level & 1 == 0 {
            keccak256([hash.0, node.0].concat())
        } else {
            keccak256([node.0, hash.0].concat())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::convert::Infallible;

    #[derive(Default)]
    struct Memory {
        size: u64,
        partials: Vec<B256>,
    }

    impl AccumulatorStore for Memory {
        type Error = Infallible;
        fn size(&mut self) -> Result<u64, Infallible> {
            Ok(self.size)
        }
        fn set_size(&mut self, size: u64) -> Result<(), Infallible> {
            self.size = size;
            Ok(())
        }
        fn partial(&mut self, level: u64) -> Result<B256, Infallible> {
            Ok(self.partials.get(level as usize).copied().unwrap_or_default())
        }
        fn set_partial(&mut self, level: u64, hash: B256) -> Result<(), Infallible> {
            let level = level as usize;
            if self.partials.len() <= level {
                self.partials.resize(level + 1, B256::ZERO);
            }
            self.partials[level] = hash;
            Ok(())
        }
    }

    fn pair(a: B256, b: B256) -> B256 {
        keccak256([a.as_slice(), b.as_slice()].concat())
    }

    /// The root of a complete binary tree over the hashed leaves, padded with zero hashes to
    /// the next power of two at every level (the tree the outbox on L1 checks proofs against).
    fn padded_tree_root(items: &[B256]) -> B256 {
        let mut level: Vec<B256> = items.iter().map(keccak256).collect();
        while level.len() > 1 {
            if level.len() % 2 == 1 {
                level.push(B256::ZERO);
            }
            level = level.chunks(2).map(|c| pair(c[0], c[1])).collect();
        }
        level.first().copied().unwrap_or_default()
    }

    #[test]
    fn root_matches_a_padded_binary_tree_for_every_size() {
        let mut acc = Memory::default();
        let items: Vec<B256> = (0u64..40).map(|i| keccak256(i.to_be_bytes())).collect();
        assert_eq!(root(&mut acc).unwrap(), B256::ZERO);
        for (n, item) in items.iter().enumerate() {
            append(&mut acc, *item).unwrap();
            assert_eq!(root(&mut acc).unwrap(), padded_tree_root(&items[..=n]), "{} leaves", n + 1);
        }
    }

    #[test]
    fn outbox_proofs_verify_against_the_accumulated_root_for_every_leaf_and_size() {
        let items: Vec<B256> = (0u64..33).map(|i| keccak256(i.to_be_bytes())).collect();
        let mut acc = Memory::default();
        for size in 1..=items.len() {
            append(&mut acc, items[size - 1]).unwrap();
            let root = root(&mut acc).unwrap();
            for leaf in 0..size {
                let (proof_root, proof) = outbox_proof(&items[..size], leaf).unwrap();
                assert_eq!(proof_root, root, "{size} leaves");
                assert_eq!(proof.len() as u64, num_partials(size as u64 - 1), "the tree's height");
                assert_eq!(root_from_proof(&proof, leaf as u64, items[leaf]), root);
                // Another leaf's item, another route or any flipped bit of the proof fails.
                assert_ne!(root_from_proof(&proof, leaf as u64, items[(leaf + 1) % 33]), root);
                if size > 1 {
                    assert_ne!(root_from_proof(&proof, (leaf ^ 1) as u64, items[leaf]), root);
                }
                for (node, bit) in (0..proof.len()).flat_map(|n| [(n, 0), (n, 255)]) {
                    let mut forged = proof.clone();
                    forged[node].0[bit / 8] ^= 1 << (bit % 8);
                    assert_ne!(root_from_proof(&forged, leaf as u64, items[leaf]), root);
                }
            }
            assert!(outbox_proof(&items[..size], size).is_none());
        }
    }

    #[test]
    fn merges_are_reported_with_their_level_and_leaf() {
        let mut acc = Memory::default();
        let items: Vec<B256> = (0u64..4).map(|i| keccak256(i.to_be_bytes())).collect();
        assert!(append(&mut acc, items[0]).unwrap().is_empty());
        let second = append(&mut acc, items[1]).unwrap();
        assert_eq!(
            second,
            vec![MerkleUpdate {
                level: 1,
                leaf: 1,
                hash: pair(keccak256(items[0]), keccak256(items[1]))
            }]
        );
        assert!(append(&mut acc, items[2]).unwrap().is_empty());
        let fourth = append(&mut acc, items[3]).unwrap();
        assert_eq!(fourth.iter().map(|u| (u.level, u.leaf)).collect::<Vec<_>>(), [(1, 3), (2, 3)]);
        assert_eq!(fourth[1].hash, root(&mut acc).unwrap());
    }
}
