//! The in-memory node tree: decoding stored nodes, hashing dirty ones.
//!
//! A parent holds each child in a [`Slot`] that also caches the child's reference, the
//! [`RlpNode`] the parent encodes (`rlp(keccak(rlp))`, or the child's own RLP when shorter than
//! 32 bytes). Re-encoding a branch thus reads its clean children's references from its own
//! memory instead of visiting them, and a slot without a cached reference is exactly a node to
//! hash again. A change turns every slot on its path [`Slot::Dirty`].

use crate::{NodeStore, TrieError, store};
use alloy_primitives::B256;
use alloy_rlp::{Decodable, EMPTY_STRING_CODE};
use alloy_trie::{
    Nibbles, TrieMask,
    nodes::{BranchNodeRef, ExtensionNodeRef, LeafNodeRef, RlpNode, TrieNode},
};
use rayon::prelude::*;
use std::mem;

/// New nodes to persist, each as `(keccak256(rlp), rlp)`.
pub(crate) type NewNodes = Vec<(B256, Vec<u8>)>;

/// A place for a node: the root, an extension's child or a branch's child.
#[derive(Default)]
pub(crate) enum Slot {
    /// No node: the empty trie, or an empty child of a branch.
    #[default]
    Empty,
    /// A stored node, not loaded yet.
    Stored(B256),
    /// A node in memory, unchanged since its reference was computed.
    Clean(Node, RlpNode),
    /// A node in memory, changed since: its reference must be computed again.
    Dirty(Node),
}

/// A node in memory.
pub(crate) enum Node {
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
}

/// An extension node: the shared nibbles and the branch below them.
pub(crate) struct Extension {
    pub(crate) key: Nibbles,
    pub(crate) child: Slot,
}

/// A branch node: one child per nibble. Keys all have the same length, so no value.
pub(crate) struct Branch {
    /// Which children are not empty, kept in step with `children` so that re-encoding reads
    /// only the occupied slots (most branches deep in a large trie have two or three).
    mask: TrieMask,
    children: [Slot; 16],
}

impl Branch {
    /// A branch of the given children.
    pub(crate) fn new(children: impl IntoIterator<Item = (usize, Slot)>) -> Box<Self> {
        let mut branch = Box::new(Self { mask: TrieMask::default(), children: Default::default() });
        for (nibble, child) in children {
            branch.update_child(nibble, |slot| *slot = child);
        }
        branch
    }

    /// Which children are not empty.
    pub(crate) const fn mask(&self) -> TrieMask {
        self.mask
    }

    /// The child at `nibble`.
    pub(crate) const fn child(&self, nibble: usize) -> &Slot {
        &self.children[nibble]
    }

    /// Runs `change` on the child at `nibble`.
    pub(crate) fn update_child<R>(
        &mut self,
        nibble: usize,
        change: impl FnOnce(&mut Slot) -> R,
    ) -> R {
        let child = &mut self.children[nibble];
        let result = change(child);
        let nibble = nibble as u8;
        if matches!(child, Slot::Empty) {
            self.mask.unset_bit(nibble);
        } else {
            self.mask.set_bit(nibble);
        }
        result
    }

    /// Runs `change` on each child with the matching item of `work`, children in parallel on
    /// rayon's pool; returns whether any call reported a change, or the first error.
    pub(crate) fn par_update_children<W: Send, E: Send>(
        &mut self,
        work: [W; 16],
        change: impl Fn(&mut Slot, W) -> Result<bool, E> + Sync,
    ) -> Result<bool, E> {
        let changed = self
            .children
            .par_iter_mut()
            .zip(work)
            .map(|(child, work)| change(child, work))
            .try_reduce(|| false, |a, b| Ok(a || b));
        for nibble in 0..16u8 {
            if matches!(self.children[usize::from(nibble)], Slot::Empty) {
                self.mask.unset_bit(nibble);
            } else {
                self.mask.set_bit(nibble);
            }
        }
        changed
    }

    /// Takes the child at `nibble` out, leaving the slot empty.
    pub(crate) fn take_child(&mut self, nibble: usize) -> Slot {
        self.update_child(nibble, mem::take)
    }
}

impl Slot {
    /// A new leaf.
    pub(crate) fn leaf(key: Nibbles, value: Vec<u8>) -> Self {
        Self::Dirty(Node::Leaf(Box::new(Leaf { key, value })))
    }

    /// A new branch.
    pub(crate) fn branch(branch: Box<Branch>) -> Self {
        Self::Dirty(Node::Branch(branch))
    }

    /// `child` behind a new extension of `key`, or `child` itself when `key` is empty.
    pub(crate) fn extension(key: Nibbles, child: Self) -> Self {
        if key.is_empty() {
            child
        } else {
            Self::Dirty(Node::Extension(Box::new(Extension { key, child })))
        }
    }

    /// `child` moved up under `prefix`: a leaf or an extension absorbs the prefix into its key,
    /// a branch gets an extension in front. This is how a trie stays canonical after a removal.
    /// A stored child must have been resolved, unless it is known to be a branch.
    pub(crate) fn absorb(prefix: Nibbles, child: Self) -> Self {
        match child {
            Self::Clean(Node::Leaf(mut leaf), _) | Self::Dirty(Node::Leaf(mut leaf)) => {
                leaf.key = prefix.join(&leaf.key);
                Self::Dirty(Node::Leaf(leaf))
            }
            Self::Clean(Node::Extension(mut ext), _) | Self::Dirty(Node::Extension(mut ext)) => {
                ext.key = prefix.join(&ext.key);
                Self::Dirty(Node::Extension(ext))
            }
            Self::Empty => Self::Empty,
            branch @ (Self::Stored(_)
            | Self::Clean(Node::Branch(_), _)
            | Self::Dirty(Node::Branch(_))) => Self::extension(prefix, branch),
        }
    }

    /// Marks the node in this slot as changed.
    pub(crate) fn make_dirty(&mut self) {
        if let Self::Clean(..) = self {
            *self = match mem::take(self) {
                Self::Clean(node, _) => Self::Dirty(node),
                other => other,
            };
        }
    }

    /// Replaces a stored node by the node itself, which sits `remaining` nibbles above the end
    /// of the keys. Does nothing to another slot.
    pub(crate) fn resolve<S: NodeStore + ?Sized>(
        &mut self,
        store: &S,
        remaining: usize,
    ) -> Result<(), TrieError> {
        if let Self::Stored(hash) = self {
            let node = Node::load(store, hash, remaining)?;
            *self = Self::Clean(node, RlpNode::word_rlp(hash));
        }
        Ok(())
    }

    /// Computes the reference of the node in this slot, hashing every dirty node below and
    /// including it, and appends each new node of 32 bytes or more to `out`, children first.
    ///
    /// `buf` is scratch space, reused to avoid an allocation per node.
    pub(crate) fn hash(&mut self, buf: &mut Vec<u8>, out: &mut NewNodes) -> RlpNode {
        let reference = match self {
            Self::Empty => return RlpNode::from_raw(&[EMPTY_STRING_CODE]).expect("one byte fits"),
            Self::Stored(hash) => return RlpNode::word_rlp(hash),
            Self::Clean(_, reference) => return reference.clone(),
            Self::Dirty(Node::Leaf(leaf)) => {
                buf.clear();
                LeafNodeRef::new(&leaf.key, &leaf.value).rlp(buf)
            }
            Self::Dirty(Node::Extension(ext)) => {
                let child = ext.child.hash(buf, out);
                buf.clear();
                ExtensionNodeRef::new(&ext.key, &child).rlp(buf)
            }
            Self::Dirty(Node::Branch(branch)) => {
                let mut stack: [RlpNode; 16] = Default::default();
                for (reference, nibble) in stack.iter_mut().zip(branch.mask.iter()) {
                    *reference = branch.children[usize::from(nibble)].hash(buf, out);
                }
                let mask = branch.mask;
                buf.clear();
                BranchNodeRef::new(&stack[..mask.len()], mask).rlp(buf)
            }
        };
        self.clean(reference, buf, out)
    }

    /// [`Slot::hash`] for the root: when it is a changed branch with several changed children,
    /// their subtrees are hashed in parallel.
    pub(crate) fn hash_root(&mut self, out: &mut NewNodes) -> RlpNode {
        let mut buf = Vec::with_capacity(600);
        let Self::Dirty(Node::Branch(branch)) = self else { return self.hash(&mut buf, out) };
        if branch.children.iter().filter(|c| matches!(c, Self::Dirty(_))).count() < 2 {
            return self.hash(&mut buf, out);
        }
        let hashed: Vec<_> = branch
            .children
            .par_iter_mut()
            .filter(|child| matches!(child, Self::Dirty(_)))
            .map(|child| {
                let mut buf = Vec::with_capacity(600);
                let mut out = NewNodes::new();
                child.hash(&mut buf, &mut out);
                out
            })
            .collect();
        for nodes in hashed {
            out.extend(nodes);
        }
        // Every child is clean now: this only encodes the branch itself.
        self.hash(&mut buf, out)
    }

    /// Turns a dirty slot clean with its new reference; the node's RLP is in `buf`.
    fn clean(&mut self, reference: RlpNode, buf: &[u8], out: &mut NewNodes) -> RlpNode {
        if let Some(hash) = reference.as_hash() {
            out.push((hash, buf.to_vec()));
        }
        *self = match mem::take(self) {
            Self::Dirty(node) => Self::Clean(node, reference.clone()),
            other => other,
        };
        reference
    }
}

impl Node {
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
        decode_at(rlp, remaining).map_err(|reason| TrieError::CorruptNode { hash: *hash, reason })
    }
}

/// Decodes `rlp`, a node `remaining` nibbles above the end of the keys, and checks that it can
/// be there in a canonical trie of 32-byte keys.
fn decode_at(rlp: &[u8], remaining: usize) -> alloy_rlp::Result<Node> {
    use alloy_rlp::Error::Custom;

    // Branches are most of the nodes an update loads: decode them straight from their items,
    // without an intermediate list of references.
    if let Some(items) = branch_items(rlp)? {
        if remaining == 0 {
            return Err(Custom("branch below the key length"));
        }
        if items[16] != [EMPTY_STRING_CODE] {
            return Err(Custom("branch with a value"));
        }
        let mut branch = Branch::new([]);
        for (nibble, item) in items[..16].iter().enumerate() {
            if *item != [EMPTY_STRING_CODE] {
                let child = decode_child(item, remaining - 1)?;
                branch.update_child(nibble, |slot| *slot = child);
            }
        }
        if branch.mask().count_bits() < 2 {
            return Err(Custom("branch with fewer than two children"));
        }
        return Ok(Node::Branch(branch));
    }

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
            Ok(Node::Leaf(Box::new(Leaf { key: leaf.key, value: leaf.value })))
        }
        TrieNode::Extension(ext) => {
            // An extension leads to a branch, which needs at least one more nibble.
            if ext.key.is_empty() || ext.key.len() >= remaining {
                return Err(Custom("extension key length out of range"));
            }
            let child = decode_child(&ext.child, remaining - ext.key.len())?;
            if !matches!(child, Slot::Stored(_) | Slot::Clean(Node::Branch(_), _)) {
                return Err(Custom("extension child is not a branch"));
            }
            Ok(Node::Extension(Box::new(Extension { key: ext.key, child })))
        }
        TrieNode::Branch(_) => Err(Custom("branch node of the wrong shape")),
    }
}

/// The 17 raw items (each with its RLP header) of `rlp` if it is a list of 17 items (a branch
/// node), `None` if it is a list of another length. Errors on anything that is not one
/// well-formed list.
fn branch_items(rlp: &[u8]) -> alloy_rlp::Result<Option<[&[u8]; 17]>> {
    let mut buf = rlp;
    let header = alloy_rlp::Header::decode(&mut buf)?;
    if !header.list {
        return Err(alloy_rlp::Error::UnexpectedString);
    }
    if buf.len() != header.payload_length {
        return Err(alloy_rlp::Error::Custom("trailing bytes after the node"));
    }
    let mut items: [&[u8]; 17] = [&[]; 17];
    let mut count = 0;
    while !buf.is_empty() {
        let start = buf;
        let item = alloy_rlp::Header::decode(&mut buf)?;
        if buf.len() < item.payload_length {
            return Err(alloy_rlp::Error::InputTooShort);
        }
        buf = &buf[item.payload_length..];
        if count == 17 {
            return Ok(None);
        }
        items[count] = &start[..start.len() - buf.len()];
        count += 1;
    }
    Ok((count == 17).then_some(items))
}

/// Decodes a child reference (an RLP item): a hash, or a node embedded in its parent.
fn decode_child(child: &[u8], remaining: usize) -> alloy_rlp::Result<Slot> {
    if child.len() == 33 && child[0] == EMPTY_STRING_CODE + 32 {
        return Ok(Slot::Stored(B256::from_slice(&child[1..])));
    }
    if child.len() >= 32 {
        return Err(alloy_rlp::Error::Custom("embedded node of 32 bytes or more"));
    }
    let reference = RlpNode::from_raw(child).expect("shorter than 32 bytes");
    Ok(Slot::Clean(decode_at(child, remaining)?, reference))
}
