//! Checkpoints: what guardians sign each epoch.
//!
//! A checkpoint commits to the latest verified head of every chain through one Merkle root.
//! The tree is defined exactly here and mirrored by `contracts/src/metalayer/CheckpointTree.sol`:
//!
//! - **Leaf hash**: `keccak256(chain_id as 8 bytes BE || block_number as 8 bytes BE ||
//!   block_hash || state_root || outbox_root)`, 112 bytes in, Solidity's
//!   `abi.encodePacked(uint64, uint64, bytes32, bytes32, bytes32)`. An inner node hashes 64
//!   bytes, so a leaf can never pass for an inner node or the other way round.
//! - **Order**: leaves sorted by strictly increasing `chain_id` (one leaf per chain).
//! - **Tree**: the complete binary tree of depth `ceil(log2(n))` over the leaf hashes, padded on
//!   the right with zero hashes up to a power of two; an inner node is
//!   `keccak256(left || right)`. One leaf: the root is its hash (depth 0). No leaves: the zero
//!   root, which no contract accepts.
//! - **Proof** of the leaf at `index`: the sibling at each level from the bottom; bit `i` of
//!   `index` set means the running node is the right child at level `i`. `index` must be below
//!   `2^depth`.
//!
//! The signed message of a [`Checkpoint`] is [`Checkpoint::signing_message`]: `keccak256(domain
//! || guardian_set_id as 8 bytes BE || epoch as 8 bytes BE || root)`, 80 bytes in.

use alloy_primitives::{Address, B256, keccak256};

use crate::MetalayerError;

/// One chain's verified head, as a checkpoint commits to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Leaf {
    /// The chain's id (its Hyperlane domain is the same number).
    pub chain_id: u64,
    /// The head's number.
    pub block_number: u64,
    /// The head's hash.
    pub block_hash: B256,
    /// The head's state root.
    pub state_root: B256,
    /// The root of the chain's Hyperlane `MerkleTreeHook` after the head.
    pub outbox_root: B256,
}

/// The chain-id bit of a leaf of a head settled on L1 (`CheckpointTree.FINALIZED`): the leaf is
/// of chain `chain_id & !FINALIZED`, at a block whose state commitment is final on the chain's
/// settlement core and equals the commitment of the block the guardians verified.
pub const FINALIZED: u64 = 1 << 63;

/// The chain id of the leaf that hands over to the next guardian set
/// (`CheckpointTree.GUARDIAN_SET`; no chain's id, which EIP-2294 keeps below 2^63):
/// `block_number` is the set's id and `block_hash` [`crate::GuardianSet::commitment`], the other
/// fields zero ([`crate::GuardianSet::leaf`]). Guardians propose it once the L1 registry holds
/// other members or stakes than the current set; a certificate of the current set over it lets
/// anyone install the next one in every inbox (`MetalayerInbox.rotateGuardianSet`).
pub const GUARDIAN_SET: u64 = u64::MAX;

impl Leaf {
    /// The chain the leaf is of (without the [`FINALIZED`] bit).
    pub fn chain(&self) -> u64 {
        self.chain_id & !FINALIZED
    }

    /// Whether the leaf is of a head settled on L1.
    pub fn is_settled(&self) -> bool {
        self.chain_id & FINALIZED != 0 && !self.is_guardian_set()
    }

    /// Whether the leaf names the next guardian set ([`GUARDIAN_SET`]) rather than a head.
    pub fn is_guardian_set(&self) -> bool {
        self.chain_id == GUARDIAN_SET
    }

    /// The same head as a settled-on-L1 leaf.
    pub fn settled(self) -> Self {
        Self { chain_id: self.chain_id | FINALIZED, ..self }
    }

    /// The 112 bytes the leaf hash covers (see the module doc).
    pub fn encode(&self) -> [u8; 112] {
        let mut out = [0u8; 112];
        out[0..8].copy_from_slice(&self.chain_id.to_be_bytes());
        out[8..16].copy_from_slice(&self.block_number.to_be_bytes());
        out[16..48].copy_from_slice(self.block_hash.as_slice());
        out[48..80].copy_from_slice(self.state_root.as_slice());
        out[80..112].copy_from_slice(self.outbox_root.as_slice());
        out
    }

    /// `keccak256` of [`Leaf::encode`].
    pub fn hash(&self) -> B256 {
        keccak256(self.encode())
    }
}

fn node(left: &B256, right: &B256) -> B256 {
    let mut buf = [0u8; 64];
    buf[..32].copy_from_slice(left.as_slice());
    buf[32..].copy_from_slice(right.as_slice());
    keccak256(buf)
}

/// The checkpoint tree over one epoch's leaves: every level kept, so proofs of any leaf are a
/// lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointTree {
    leaves: Vec<Leaf>,
    /// `levels[0]` are the padded leaf hashes, the last level is the root alone.
    levels: Vec<Vec<B256>>,
}

impl CheckpointTree {
    /// The tree over `leaves`, which it sorts by chain id. Refuses two leaves of one chain.
    pub fn new(mut leaves: Vec<Leaf>) -> Result<Self, MetalayerError> {
        leaves.sort_unstable_by_key(|leaf| leaf.chain_id);
        if let Some(pair) = leaves.windows(2).find(|pair| pair[0].chain_id == pair[1].chain_id) {
            return Err(MetalayerError::DuplicateChain(pair[0].chain_id));
        }
        if leaves.is_empty() {
            return Ok(Self { leaves, levels: vec![vec![B256::ZERO]] });
        }
        let width = leaves.len().next_power_of_two();
        let mut level: Vec<B256> = leaves.iter().map(Leaf::hash).collect();
        level.resize(width, B256::ZERO);
        let mut levels = vec![level];
        while levels.last().expect("at least one level").len() > 1 {
            let below = levels.last().expect("at least one level");
            let above = below.chunks_exact(2).map(|pair| node(&pair[0], &pair[1])).collect();
            levels.push(above);
        }
        Ok(Self { leaves, levels })
    }

    /// The root the guardians sign; zero for no leaves.
    pub fn root(&self) -> B256 {
        self.levels.last().expect("at least one level")[0]
    }

    /// The leaves in tree order (by chain id).
    pub fn leaves(&self) -> &[Leaf] {
        &self.leaves
    }

    /// The proof of `chain_id`'s leaf, or `None` if the tree has none.
    pub fn proof(&self, chain_id: u64) -> Option<LeafProof> {
        let index = self.leaves.binary_search_by_key(&chain_id, |leaf| leaf.chain_id).ok()?;
        let siblings = self.levels[..self.levels.len() - 1]
            .iter()
            .enumerate()
            .map(|(depth, level)| level[(index >> depth) ^ 1])
            .collect();
        Some(LeafProof { leaf: self.leaves[index], index: index as u64, siblings })
    }
}

/// A leaf with its path to the checkpoint root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeafProof {
    /// The proven leaf.
    pub leaf: Leaf,
    /// Its position in the tree.
    pub index: u64,
    /// Siblings from the bottom up.
    pub siblings: Vec<B256>,
}

impl LeafProof {
    /// The root this proof leads to, or `None` if `index` does not fit its depth.
    pub fn root(&self) -> Option<B256> {
        if self.siblings.len() < 64 && self.index >> self.siblings.len() != 0 {
            return None;
        }
        let mut current = self.leaf.hash();
        for (depth, sibling) in self.siblings.iter().enumerate() {
            current = if (self.index >> depth) & 1 == 1 {
                node(sibling, &current)
            } else {
                node(&current, sibling)
            };
        }
        Some(current)
    }

    /// Whether this proof leads to `root`.
    pub fn verify(&self, root: B256) -> bool {
        self.root() == Some(root)
    }
}

/// What the guardians of one set sign for one epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Checkpoint {
    /// The network this checkpoint belongs to (see [`domain_separator`]).
    pub domain: B256,
    /// The guardian set whose members sign it.
    pub guardian_set_id: u64,
    /// The epoch number.
    pub epoch: u64,
    /// The [`CheckpointTree`] root.
    pub root: B256,
}

impl Checkpoint {
    /// Byte length of [`Checkpoint::encode`].
    pub const ENCODED_LEN: usize = 80;

    /// `domain || guardian_set_id (8 BE) || epoch (8 BE) || root`.
    pub fn encode(&self) -> [u8; 80] {
        let mut out = [0u8; 80];
        out[0..32].copy_from_slice(self.domain.as_slice());
        out[32..40].copy_from_slice(&self.guardian_set_id.to_be_bytes());
        out[40..48].copy_from_slice(&self.epoch.to_be_bytes());
        out[48..80].copy_from_slice(self.root.as_slice());
        out
    }

    /// The 32 bytes a guardian BLS-signs: `keccak256` of [`Checkpoint::encode`].
    pub fn signing_message(&self) -> B256 {
        keccak256(self.encode())
    }
}

/// The domain separator of a Metalayer network: `keccak256("tephra.metalayer.checkpoint.v1" ||
/// l1_chain_id (8 BE) || registry)`, where `registry` is the guardian registry on that L1. It
/// keeps a signature for one network from counting on another.
pub fn domain_separator(l1_chain_id: u64, registry: Address) -> B256 {
    let mut buf = Vec::with_capacity(30 + 8 + 20);
    buf.extend_from_slice(b"tephra.metalayer.checkpoint.v1");
    buf.extend_from_slice(&l1_chain_id.to_be_bytes());
    buf.extend_from_slice(registry.as_slice());
    keccak256(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn leaf(chain_id: u64) -> Leaf {
        Leaf {
            chain_id,
            block_number: chain_id * 3,
            block_hash: keccak256(chain_id.to_be_bytes()),
            state_root: B256::repeat_byte(chain_id as u8),
            outbox_root: B256::with_last_byte(7),
        }
    }

    #[test]
    fn one_leaf_is_its_own_root() {
        let tree = CheckpointTree::new(vec![leaf(5)]).unwrap();
        assert_eq!(tree.root(), leaf(5).hash());
        assert!(tree.proof(5).unwrap().siblings.is_empty());
        assert!(tree.proof(5).unwrap().verify(tree.root()));
    }

    #[test]
    fn no_leaves_is_the_zero_root() {
        assert_eq!(CheckpointTree::new(vec![]).unwrap().root(), B256::ZERO);
    }

    #[test]
    fn three_leaves_by_hand() {
        let tree = CheckpointTree::new(vec![leaf(9), leaf(1), leaf(4)]).unwrap();
        let expected =
            node(&node(&leaf(1).hash(), &leaf(4).hash()), &node(&leaf(9).hash(), &B256::ZERO));
        assert_eq!(tree.root(), expected);
        assert_eq!(tree.leaves()[0].chain_id, 1);
    }

    #[test]
    fn duplicate_chain_refused() {
        assert!(matches!(
            CheckpointTree::new(vec![leaf(1), leaf(1)]),
            Err(MetalayerError::DuplicateChain(1))
        ));
    }

    #[test]
    fn index_beyond_depth_refused() {
        let tree = CheckpointTree::new(vec![leaf(1), leaf(2)]).unwrap();
        let mut proof = tree.proof(1).unwrap();
        proof.index = 2;
        assert_eq!(proof.root(), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        #[test]
        fn every_leaf_proves_and_every_bit_flip_fails(
            ids in proptest::collection::btree_set(any::<u64>(), 1..40),
            pick in any::<prop::sample::Index>(),
        ) {
            let leaves: Vec<Leaf> = ids.iter().map(|id| leaf(*id)).collect();
            let tree = CheckpointTree::new(leaves.clone()).unwrap();
            for l in &leaves {
                prop_assert!(tree.proof(l.chain_id).unwrap().verify(tree.root()));
            }
            let target = leaves[pick.index(leaves.len())];
            let proof = tree.proof(target.chain_id).unwrap();
            let encoded = target.encode();
            for bit in 0..encoded.len() * 8 {
                let mut bytes = encoded;
                bytes[bit / 8] ^= 1 << (bit % 8);
                let forged = Leaf {
                    chain_id: u64::from_be_bytes(bytes[0..8].try_into().unwrap()),
                    block_number: u64::from_be_bytes(bytes[8..16].try_into().unwrap()),
                    block_hash: B256::from_slice(&bytes[16..48]),
                    state_root: B256::from_slice(&bytes[48..80]),
                    outbox_root: B256::from_slice(&bytes[80..112]),
                };
                let forged = LeafProof { leaf: forged, ..proof.clone() };
                prop_assert!(!forged.verify(tree.root()));
            }
            for (level, _) in proof.siblings.iter().enumerate() {
                for bit in 0..256 {
                    let mut forged = proof.clone();
                    forged.siblings[level].0[bit / 8] ^= 1 << (bit % 8);
                    prop_assert!(!forged.verify(tree.root()));
                }
            }
        }
    }
}
