//! The in-memory node tree: decoding stored nodes, hashing dirty ones.
//!
//! A [`Node`] is either resolved (an empty slot, a leaf, an extension or a branch, held in
//! memory) or a [`Node::Hash`] reference to a stored node that has not been needed yet. Every
//! resolved node caches its [`RlpNode`] (the reference its parent encodes: `rlp(keccak(rlp))` or
//! the node's own RLP when shorter than 32 bytes); a change clears the cache of each node on the
//! path, which is what marks it dirty and makes [`Node::hash`] revisit it.

use crate::{
    NodeStore, TrieError,
    store::{self},
};
use alloy_primitives::B256;
use alloy_rlp::{Decodable, EMPTY_STRING_CODE};
use alloy_trie::{
    Nibbles, TrieMask,
    nodes::{BranchNodeRef, ExtensionNodeRef, LeafNodeRef, RlpNode, TrieNode},
};
use rayon::prelude::*;

/// New nodes to persist, each as `(keccak256(rlp), rlp)`.
pub(crate) type NewNodes = Vec<(B256, Vec<u8>)>;

/// A node of the trie, resolved in memory or referenced by hash.
#[derive(Default)]
pub(crate) enum Node {
    /// No node: the empty trie, or an empty slot of a branch.
    #[default]
    Empty,
    /// A stored node not loaded yet.
    Hash(B256),
    /// The end of a key.
    Leaf(Box<Leaf>),
    /// A run of nibbles shared by every key below; its child is always a branch.
    Extension(Box<Extension>),
    /// A fork on the next nibble, with at least two children.
    Branch(Box<Branch>),
}

/// A leaf node: the rest of the key and the value.
pub(crate) struct Leaf {
    pub(crate) key: Nibbles,
    pub(crate) value: Vec<u8>,
    pub(crate) rlp: Option<RlpNode>,
}

/// An extension node: the shared nibbles and the branch below them.
pub(crate) struct Extension {
    pub(crate) key: Nibbles,
    pub(crate) child: Node,
    pub(crate) rlp: Option<RlpNode>,
}

/// A branch node: one child slot per nibble. Keys all have the same length, so no value.
pub(crate) struct Branch {
    pub(crate) children: [Node; 16],
    pub(crate) rlp: Option<RlpNode>,
}

impl Branch {
    pub(crate) fn new() -> Box<Self> {
        Box::new(Self { children: Default::default(), rlp: None })
    }

    /// Which children are not empty.
    pub(crate) fn mask(&self) -> TrieMask {
        let mut mask = TrieMask::default();
        for (nibble, child) in (0u8..).zip(&self.children) {
            if !matches!(child, Node::Empty) {
                mask.set_bit(nibble);
            }
        }
        mask
    }
}

impl Node {
    pub(crate) fn leaf(key: Nibbles, value: Vec<u8>) -> Self {
        Self::Leaf(Box::new(Leaf { key, value, rlp: None }))
    }

    /// `child` behind an extension of `key`, or `child` itself when `key` is empty.
    pub(crate) fn extension(key: Nibbles, child: Self) -> Self {
        if key.is_empty() {
            child
        } else {
            Self::Extension(Box::new(Extension { key, child, rlp: None }))
        }
    }

    /// `child` moved up under `prefix`: a leaf or an extension absorbs the prefix into its key,
    /// a branch gets an extension in front. This is how a trie stays canonical after a removal.
    pub(crate) fn absorb(prefix: Nibbles, child: Self) -> Self {
        match child {
            Self::Leaf(mut leaf) => {
                leaf.key = prefix.join(&leaf.key);
                leaf.rlp = None;
                Self::Leaf(leaf)
            }
            Self::Extension(mut ext) => {
                ext.key = prefix.join(&ext.key);
                ext.rlp = None;
                Self::Extension(ext)
            }
            Self::Empty => Self::Empty,
            child @ (Self::Branch(_) | Self::Hash(_)) => Self::extension(prefix, child),
        }
    }

    /// Whether the node changed since it was last hashed.
    pub(crate) fn is_dirty(&self) -> bool {
        match self {
            Self::Empty | Self::Hash(_) => false,
            Self::Leaf(leaf) => leaf.rlp.is_none(),
            Self::Extension(ext) => ext.rlp.is_none(),
            Self::Branch(branch) => branch.rlp.is_none(),
        }
    }

    /// Replaces a [`Node::Hash`] by the stored node, which sits `remaining` nibbles above the
    /// end of the keys. Does nothing to a resolved node.
    pub(crate) fn resolve<S: NodeStore + ?Sized>(
        &mut self,
        store: &S,
        remaining: usize,
    ) -> Result<(), TrieError> {
        if let Self::Hash(hash) = self {
            *self = Self::load(store, hash, remaining)?;
        }
        Ok(())
    }

    /// Loads and decodes the node stored under `hash`, `remaining` nibbles above the key ends.
    pub(crate) fn load<S: NodeStore + ?Sized>(
        store: &S,
        hash: &B256,
        remaining: usize,
    ) -> Result<Self, TrieError> {
        let rlp = store::load(store, hash)?;
        Self::decode(hash, &rlp, remaining)
    }

    /// Decodes the stored node `rlp` (stored under `hash`), checking that it is a valid node
    /// `remaining` nibbles above the end of the keys. Embedded children are decoded too.
    pub(crate) fn decode(hash: &B256, rlp: &[u8], remaining: usize) -> Result<Self, TrieError> {
        // Only a root can be stored while shorter than 32 bytes; its reference is then itself.
        let reference = if rlp.len() < 32 { RlpNode::from_raw(rlp) } else { None };
        let reference = reference.unwrap_or_else(|| RlpNode::word_rlp(hash));
        decode_at(rlp, remaining, reference)
            .map_err(|reason| TrieError::CorruptNode { hash: *hash, reason })
    }

    /// Hashes every dirty node below and including this one, caching the results, and appends
    /// each new node of 32 bytes or more to `out`. Returns the node's reference.
    ///
    /// `buf` is scratch space, reused to avoid an allocation per node.
    pub(crate) fn hash(&mut self, buf: &mut Vec<u8>, out: &mut NewNodes) -> RlpNode {
        match self {
            Self::Empty => RlpNode::from_raw(&[EMPTY_STRING_CODE]).expect("one byte fits"),
            Self::Hash(hash) => RlpNode::word_rlp(hash),
            Self::Leaf(leaf) => {
                if let Some(rlp) = &leaf.rlp {
                    return rlp.clone();
                }
                buf.clear();
                let rlp = LeafNodeRef::new(&leaf.key, &leaf.value).rlp(buf);
                emit(&rlp, buf, out);
                leaf.rlp = Some(rlp.clone());
                rlp
            }
            Self::Extension(ext) => {
                if let Some(rlp) = &ext.rlp {
                    return rlp.clone();
                }
                let child = ext.child.hash(buf, out);
                buf.clear();
                let rlp = ExtensionNodeRef::new(&ext.key, &child).rlp(buf);
                emit(&rlp, buf, out);
                ext.rlp = Some(rlp.clone());
                rlp
            }
            Self::Branch(branch) => {
                if let Some(rlp) = &branch.rlp {
                    return rlp.clone();
                }
                let mut stack: [RlpNode; 16] = Default::default();
                let mut len = 0;
                let mut mask = TrieMask::default();
                for (nibble, child) in (0u8..).zip(&mut branch.children) {
                    if !matches!(child, Self::Empty) {
                        stack[len] = child.hash(buf, out);
                        len += 1;
                        mask.set_bit(nibble);
                    }
                }
                encode_branch(branch, &stack[..len], mask, buf, out)
            }
        }
    }

    /// [`Node::hash`] for the root: when it is a branch with several dirty children, their
    /// subtrees are hashed in parallel. Nodes are appended to `out` children first.
    pub(crate) fn hash_root(&mut self, out: &mut NewNodes) -> RlpNode {
        let mut buf = Vec::with_capacity(600);
        let Self::Branch(branch) = self else { return self.hash(&mut buf, out) };
        if branch.rlp.is_some() || branch.children.iter().filter(|c| c.is_dirty()).count() < 2 {
            return self.hash(&mut buf, out);
        }
        let hashed: Vec<_> = branch
            .children
            .par_iter_mut()
            .enumerate()
            .filter(|(_, child)| !matches!(child, Self::Empty))
            .map(|(nibble, child)| {
                let mut buf = Vec::with_capacity(600);
                let mut out = NewNodes::new();
                let rlp = child.hash(&mut buf, &mut out);
                (nibble, rlp, out)
            })
            .collect();
        let mut stack = Vec::with_capacity(16);
        let mut mask = TrieMask::default();
        for (nibble, rlp, nodes) in hashed {
            stack.push(rlp);
            mask.set_bit(nibble as u8);
            out.extend(nodes);
        }
        encode_branch(branch, &stack, mask, &mut buf, out)
    }
}

/// Encodes a branch from its children's references, caches and emits it.
fn encode_branch(
    branch: &mut Branch,
    stack: &[RlpNode],
    mask: TrieMask,
    buf: &mut Vec<u8>,
    out: &mut NewNodes,
) -> RlpNode {
    buf.clear();
    let rlp = BranchNodeRef::new(stack, mask).rlp(buf);
    emit(&rlp, buf, out);
    branch.rlp = Some(rlp.clone());
    rlp
}

/// Appends a node to the new nodes if its parent refers to it by hash (RLP of 32 bytes or more).
fn emit(reference: &RlpNode, rlp: &[u8], out: &mut NewNodes) {
    if let Some(hash) = reference.as_hash() {
        out.push((hash, rlp.to_vec()));
    }
}

/// Decodes `rlp`, a node `remaining` nibbles above the end of the keys whose parent refers to
/// it as `reference`, and checks that it can be there in a canonical trie of 32-byte keys.
fn decode_at(rlp: &[u8], remaining: usize, reference: RlpNode) -> alloy_rlp::Result<Node> {
    use alloy_rlp::Error::Custom;

    let mut buf = rlp;
    let node = TrieNode::decode(&mut buf)?;
    if !buf.is_empty() {
        return Err(Custom("trailing bytes after the node"));
    }
    match node {
        TrieNode::EmptyRoot => Err(Custom("empty node inside the trie")),
        TrieNode::Leaf(leaf) => {
            if leaf.key.len() != remaining {
                return Err(Custom("leaf key does not end at the key length"));
            }
            if leaf.value.is_empty() {
                return Err(Custom("leaf with an empty value"));
            }
            Ok(Node::Leaf(Box::new(Leaf {
                key: leaf.key,
                value: leaf.value,
                rlp: Some(reference),
            })))
        }
        TrieNode::Extension(ext) => {
            // An extension leads to a branch, which needs at least one more nibble.
            if ext.key.is_empty() || ext.key.len() >= remaining {
                return Err(Custom("extension key length out of range"));
            }
            let child = decode_child(ext.child, remaining - ext.key.len())?;
            if !matches!(child, Node::Hash(_) | Node::Branch(_)) {
                return Err(Custom("extension child is not a branch"));
            }
            Ok(Node::Extension(Box::new(Extension { key: ext.key, child, rlp: Some(reference) })))
        }
        TrieNode::Branch(branch) => {
            if remaining == 0 {
                return Err(Custom("branch below the key length"));
            }
            if branch.state_mask.count_bits() < 2 {
                return Err(Custom("branch with fewer than two children"));
            }
            let mut decoded = Branch::new();
            for (nibble, child) in branch.state_mask.iter().zip(branch.stack) {
                decoded.children[usize::from(nibble)] = decode_child(child, remaining - 1)?;
            }
            decoded.rlp = Some(reference);
            Ok(Node::Branch(decoded))
        }
    }
}

/// Decodes a child reference: a hash, or a node embedded in its parent.
fn decode_child(child: RlpNode, remaining: usize) -> alloy_rlp::Result<Node> {
    if child.len() == 33 && child[0] == EMPTY_STRING_CODE + 32 {
        return Ok(Node::Hash(B256::from_slice(&child[1..])));
    }
    if child.len() >= 32 {
        return Err(alloy_rlp::Error::Custom("embedded node of 32 bytes or more"));
    }
    let rlp = child.clone();
    decode_at(&rlp, remaining, child)
}
