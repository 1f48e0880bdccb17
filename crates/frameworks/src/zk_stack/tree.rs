//! ZKsync OS's state tree, kept beside the chain's Merkle-Patricia trie: what `zks_getProof`
//! proves and what a zk-stack batch's `rootHash` and state commitment are of.
//!
//! As ZKsync OS builds it (`zksync-os-server` `lib/merkle_tree`, and its `zks_getProof`
//! design note): a dense binary Merkle tree of fixed depth 64 over Blake2s-256, whose leaves
//! are `(key, value, next)`, allocated left to right in insertion order and never removed,
//! `next` being the index of the leaf with the next larger key (a linked list in key order,
//! between two guard leaves with keys 0 and 2^256 - 1 at indices 0 and 1).
//! `hash(leaf) = blake2s(key ‖ value ‖ next as 8 little-endian bytes)`, `hash(node) =
//! blake2s(left ‖ right)`, an unoccupied leaf is all zeros. A storage slot's key is
//! `blake2s(address left-padded to 32 bytes ‖ slot)`; an account's properties (nonce, balance,
//! code) are the slot `address` of `0x…8003`, valued at the Blake2s hash of their 124-byte
//! encoding ([`account_properties_hash`]).
//!
//! A version is a block: [`StateTree::apply`] adds the entries a block wrote, new keys taking
//! the next free indices in the order given, as `MerkleTree::extend` does, and writes only the
//! paths of the leaves it changed; every version stays provable ([`StateTree::prove`]). That
//! order is ZKsync OS's ([`ordered_writes`]): genesis sorted by tree key, a block's writes in
//! the order of ZKsync OS's storage cache. The tree is its own redb file, which follows the
//! chain rather than being part of its commit: a node that crashes between the two catches the
//! tree up from the chain's per-block change sets. For the same reason a version is not synced
//! to disk when applied; [`StateTree::persist`] syncs all applied so far, once per catch-up.

use alloy_primitives::{Address, B256, U160, U256, address, keccak256};
use blake2::{Blake2s256, Digest};
use redb::{
    Database, Durability, ReadableDatabase, ReadableTable, Table, TableDefinition,
    backends::InMemoryBackend,
};
use std::{
    collections::{BTreeMap, BTreeSet, HashMap, HashSet},
    path::Path,
    sync::OnceLock,
};

/// The tree's depth: leaf indices are 64-bit.
pub const DEPTH: usize = 64;

/// Where ZKsync OS keeps accounts' properties, keyed by address
/// (`ACCOUNT_PROPERTIES_STORAGE_ADDRESS`).
pub const ACCOUNT_PROPERTIES: Address = address!("0x0000000000000000000000000000000000008003");

/// Leaf index -> version -> the leaf as it was from that version on.
const LEAVES: TableDefinition<'_, (u64, u64), &[u8; 72]> = TableDefinition::new("leaves");
/// Height above the leaves (1..=64) -> index at that height -> version -> the subtree's hash
/// from that version on. Only subtrees holding a leaf are stored.
const NODES: TableDefinition<'_, (u8, u64, u64), &[u8; 32]> = TableDefinition::new("nodes");
/// Key -> its leaf's index and the version that inserted it.
const KEYS: TableDefinition<'_, &[u8; 32], (u64, u64)> = TableDefinition::new("keys");
/// Version -> leaf count ‖ the hash of the block it is of.
const VERSIONS: TableDefinition<'_, u64, &[u8; 40]> = TableDefinition::new("versions");

/// Blake2s-256 of the concatenation of `parts`.
pub fn blake2s(parts: &[&[u8]]) -> B256 {
    let mut hasher = Blake2s256::new();
    for part in parts {
        hasher.update(part);
    }
    B256::from_slice(&hasher.finalize())
}

/// The hash of a node over `left` and `right`.
pub fn hash_branch(left: &B256, right: &B256) -> B256 {
    blake2s(&[left.as_slice(), right.as_slice()])
}

/// The hash of an empty subtree `height` levels above the leaves (0: an unoccupied leaf).
pub fn empty_hash(height: usize) -> B256 {
    static HASHES: OnceLock<Vec<B256>> = OnceLock::new();
    HASHES.get_or_init(|| {
        std::iter::successors(Some(Leaf::default().hash()), |hash| Some(hash_branch(hash, hash)))
            .take(DEPTH + 1)
            .collect()
    })[height]
}

/// The root, computed from scratch level by level, of a tree whose leaves from index 0 hash
/// to `leaves`: the reference [`StateTree`]'s incremental roots are checked against.
pub fn root_from_scratch(mut level: Vec<B256>) -> B256 {
    for height in 0..DEPTH {
        let empty = empty_hash(height);
        level = level
            .chunks(2)
            .map(|pair| hash_branch(&pair[0], pair.get(1).unwrap_or(&empty)))
            .collect();
    }
    level.first().copied().unwrap_or_else(|| empty_hash(DEPTH))
}

/// The tree key of storage slot `slot` of `address`.
pub fn flat_key(address: Address, slot: B256) -> B256 {
    blake2s(&[address.into_word().as_slice(), slot.as_slice()])
}

/// The tree key of `address`'s properties.
pub fn account_key(address: Address) -> B256 {
    flat_key(ACCOUNT_PROPERTIES, address.into_word())
}

/// A version's net writes `(address, slot, value)` as tree entries in the order ZKsync OS
/// inserts them. Genesis (version 0) is sorted by tree key, as `zksync-os-server` builds it
/// (`lib/genesis`, a `BTreeMap` of storage logs). A block's writes come in the order ZKsync OS
/// reports them (`storage_diffs`, its storage cache's `BTreeMap` order of `WarmStorageKey`):
/// by address compared as its 64-bit limbs, least significant first (`as_limbs()`), then by
/// slot as bytes. An account's properties are the slot `address` of [`ACCOUNT_PROPERTIES`].
pub fn ordered_writes(version: u64, mut writes: Vec<(Address, B256, B256)>) -> Vec<(B256, B256)> {
    if version != 0 {
        writes.sort_by_key(|(address, slot, _)| {
            (*U160::from_be_bytes(address.into_array()).as_limbs(), *slot)
        });
    }
    let mut entries: Vec<(B256, B256)> =
        writes.into_iter().map(|(address, slot, value)| (flat_key(address, slot), value)).collect();
    if version == 0 {
        entries.sort();
    }
    entries
}

/// The hash of an account's properties as ZKsync OS encodes them (`AccountProperties`, 124
/// bytes, big-endian; `set_properties_code`): versioning data (deployment status 1, or 2 for
/// an EIP-7702 delegation, in byte 7; execution environment 1, the EVM, in byte 6; code
/// version 1, artifacts cached, in byte 5, which a delegation leaves 0; zero without code),
/// nonce, balance, the bytecode hash (Blake2s of the code padded to 8 bytes and, unless a
/// delegation, its jump-destination bitmap), the code's length, the bitmap's length, the
/// code's keccak hash and length again (the "observable" bytecode). An account without code,
/// nonce or balance is absent: zero. `zksync-os-server`'s genesis commitment checks it.
pub fn account_properties_hash(nonce: u64, balance: U256, code: &[u8]) -> B256 {
    if nonce == 0 && balance.is_zero() && code.is_empty() {
        return B256::ZERO;
    }
    let mut encoded = [0u8; 124];
    encoded[8..16].copy_from_slice(&nonce.to_be_bytes());
    encoded[16..48].copy_from_slice(&balance.to_be_bytes::<32>());
    if !code.is_empty() {
        let delegation = code.starts_with(&[0xef, 0x01, 0x00]);
        let bitmap = if delegation { Vec::new() } else { jumpdest_bitmap(code) };
        let padding = [0u8; 8];
        let padded = &padding[..(8 - code.len() % 8) % 8];
        // Deployment status, the EVM, and (for code with cached artifacts) code version 1.
        let versioning: u64 =
            if delegation { (2 << 56) | (1 << 48) } else { (1 << 56) | (1 << 48) | (1 << 40) };
        encoded[0..8].copy_from_slice(&versioning.to_be_bytes());
        encoded[48..80].copy_from_slice(blake2s(&[code, padded, &bitmap]).as_slice());
        encoded[80..84].copy_from_slice(&(code.len() as u32).to_be_bytes());
        encoded[84..88].copy_from_slice(&(bitmap.len() as u32).to_be_bytes());
        encoded[88..120].copy_from_slice(keccak256(code).as_slice());
        encoded[120..124].copy_from_slice(&(code.len() as u32).to_be_bytes());
    }
    blake2s(&[&encoded])
}

/// Which bytes of `code` are `JUMPDEST`s (not push data): bit `i % 8` of byte `i / 8`, in
/// whole 64-bit words.
fn jumpdest_bitmap(code: &[u8]) -> Vec<u8> {
    let mut bitmap = vec![0u8; code.len().div_ceil(64) * 8];
    let mut at = 0;
    while at < code.len() {
        match code[at] {
            0x5b => {
                bitmap[at / 8] |= 1 << (at % 8);
                at += 1;
            }
            push @ 0x60..=0x7f => at += 2 + usize::from(push - 0x60),
            _ => at += 1,
        }
    }
    bitmap
}

/// Blake2s of the last 256 block hashes, oldest first, ending with the batch's last block's
/// (zero for the blocks before genesis): part of a ZKsync OS batch's state commitment,
/// `blake2s(root ‖ leaf count ‖ last block number ‖ this ‖ last timestamp)`, all big-endian.
pub fn block_hashes_blake(hashes: &[B256; 256]) -> B256 {
    let parts: Vec<&[u8]> = hashes.iter().map(|hash| hash.as_slice()).collect();
    blake2s(&parts)
}

/// A leaf of the tree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Leaf {
    /// Its key.
    pub key: B256,
    /// Its value.
    pub value: B256,
    /// The index of the leaf with the next larger key.
    pub next: u64,
}

impl Leaf {
    const MIN_GUARD: Self = Self { key: B256::ZERO, value: B256::ZERO, next: 1 };
    const MAX_GUARD: Self = Self { key: B256::repeat_byte(0xff), value: B256::ZERO, next: 1 };

    /// `blake2s(key ‖ value ‖ next as 8 little-endian bytes)`.
    pub fn hash(&self) -> B256 {
        blake2s(&[self.key.as_slice(), self.value.as_slice(), &self.next.to_le_bytes()])
    }

    fn encode(&self) -> [u8; 72] {
        let mut out = [0u8; 72];
        out[..32].copy_from_slice(self.key.as_slice());
        out[32..64].copy_from_slice(self.value.as_slice());
        out[64..].copy_from_slice(&self.next.to_be_bytes());
        out
    }

    fn decode(raw: &[u8; 72]) -> Self {
        Self {
            key: B256::from_slice(&raw[..32]),
            value: B256::from_slice(&raw[32..64]),
            next: u64::from_be_bytes(raw[64..].try_into().expect("8 bytes")),
        }
    }
}

/// A leaf with its Merkle path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeafProof {
    /// The leaf's index.
    pub index: u64,
    /// The leaf.
    pub leaf: Leaf,
    /// The siblings' hashes from the leaf's up, without the trailing empty subtrees'.
    pub siblings: Vec<B256>,
}

impl LeafProof {
    /// The root the path leads to, or `None` if it is longer than the tree is deep or the
    /// index does not fit.
    pub fn root(&self) -> Option<B256> {
        if self.siblings.len() > DEPTH {
            return None;
        }
        let mut hash = self.leaf.hash();
        let mut index = self.index;
        for height in 0..DEPTH {
            let sibling = self.siblings.get(height).copied().unwrap_or_else(|| empty_hash(height));
            hash = if index.is_multiple_of(2) {
                hash_branch(&hash, &sibling)
            } else {
                hash_branch(&sibling, &hash)
            };
            index /= 2;
        }
        (index == 0).then_some(hash)
    }
}

/// A proof of one key's value in a version of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyProof {
    /// The key has a leaf: its value is the leaf's.
    Existing(LeafProof),
    /// The key was never written (its value is zero): the leaves with the next smaller and
    /// the next larger key are neighbours in the list.
    NonExisting {
        /// The leaf with the largest key below it.
        left: LeafProof,
        /// The leaf with the smallest key above it.
        right: LeafProof,
    },
}

impl KeyProof {
    /// Checks the proof for `key` as a verifier does, returning the root it proves against
    /// and the key's value.
    pub fn verify(&self, key: &B256) -> Result<(B256, B256), &'static str> {
        match self {
            Self::Existing(proof) => {
                if proof.leaf.key != *key {
                    return Err("the leaf is of another key");
                }
                Ok((proof.root().ok_or("malformed path")?, proof.leaf.value))
            }
            Self::NonExisting { left, right } => {
                let root = left.root().ok_or("malformed left path")?;
                if right.root() != Some(root) {
                    return Err("the neighbours prove different roots");
                }
                if !(left.leaf.key < *key && *key < right.leaf.key) {
                    return Err("the neighbours do not bracket the key");
                }
                if left.leaf.next != right.index {
                    return Err("the neighbours are not adjacent");
                }
                Ok((root, B256::ZERO))
            }
        }
    }
}

/// A version's root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RootInfo {
    /// The root hash.
    pub root: B256,
    /// Leaves in the tree: the next free index.
    pub leaf_count: u64,
    /// The hash of the block the version is of.
    pub block_hash: B256,
}

/// What went wrong in the tree's database.
#[derive(Debug, thiserror::Error)]
pub enum TreeError {
    /// redb failed (opening, a transaction, a table, I/O or a commit).
    #[error("zk state tree database: {0}")]
    Db(#[from] redb::Error),
    /// The tree does not hold this version.
    #[error("the zk state tree has no version {0}")]
    UnknownVersion(u64),
    /// Versions are blocks, applied in order.
    #[error("the zk state tree is at version {at:?}, so it cannot apply version {version}")]
    OutOfOrder {
        /// The latest version.
        at: Option<u64>,
        /// The version applied.
        version: u64,
    },
    /// A version sets each key once (ZKsync OS's tree refuses duplicates too).
    #[error("the zk state tree was given key {0} twice in one version")]
    DuplicateKey(B256),
    /// An entry the tree's shape says exists is missing.
    #[error("the zk state tree is corrupt: {0}")]
    Corrupt(&'static str),
}

macro_rules! redb_errors {
    ($($error:ty),*) => {$(
        impl From<$error> for TreeError {
            fn from(err: $error) -> Self {
                Self::Db(err.into())
            }
        }
    )*};
}
redb_errors!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

/// The versioned tree in its redb file.
#[derive(Debug)]
pub struct StateTree {
    db: Database,
}

impl StateTree {
    /// Opens (or creates) the tree at `path`.
    pub fn open(path: &Path) -> Result<Self, TreeError> {
        Self::init(Database::create(path)?)
    }

    /// A tree in memory only, for tests.
    pub fn in_memory() -> Result<Self, TreeError> {
        Self::init(Database::builder().create_with_backend(InMemoryBackend::new())?)
    }

    fn init(db: Database) -> Result<Self, TreeError> {
        let tx = db.begin_write()?;
        tx.open_table(LEAVES)?;
        tx.open_table(NODES)?;
        tx.open_table(KEYS)?;
        tx.open_table(VERSIONS)?;
        tx.commit()?;
        Ok(Self { db })
    }

    /// The latest version and its root, if any version was applied.
    pub fn latest(&self) -> Result<Option<(u64, RootInfo)>, TreeError> {
        let last = self.db.begin_read()?.open_table(VERSIONS)?.last()?.map(|(v, _)| v.value());
        let Some(version) = last else { return Ok(None) };
        let info = self.root_info(version)?.ok_or(TreeError::UnknownVersion(version))?;
        Ok(Some((version, info)))
    }

    /// Version `version`'s root, if the tree holds it.
    pub fn root_info(&self, version: u64) -> Result<Option<RootInfo>, TreeError> {
        let tx = self.db.begin_read()?;
        let Some(raw) = tx.open_table(VERSIONS)?.get(version)? else { return Ok(None) };
        let (leaf_count, block_hash) = decode_version(raw.value());
        let root = Tables::read(&tx)?.root(version)?;
        Ok(Some(RootInfo { root, leaf_count, block_hash }))
    }

    /// Applies block `version` (hash `block_hash`): sets each key of `entries` to its value,
    /// inserting the keys the tree lacks at the next free indices in the order given (see
    /// [`ordered_writes`]); a key given twice is refused. Version 0 also inserts the guards.
    /// Visible when it returns, durable once [`StateTree::persist`] runs: the tree is rebuilt from the chain, so a crash may lose the versions applied since,
    /// never leave the tree inconsistent (redb recovers to its last durable commit).
    pub fn apply(
        &self,
        version: u64,
        block_hash: B256,
        entries: impl IntoIterator<Item = (B256, B256)>,
    ) -> Result<RootInfo, TreeError> {
        let mut tx = self.db.begin_write()?;
        tx.set_durability(Durability::None).expect("no persistent savepoints are made");
        tx.set_quick_repair(true);
        let info = {
            let mut versions = tx.open_table(VERSIONS)?;
            let latest = versions.last()?.map(|(v, raw)| (v.value(), decode_version(raw.value())));
            let expected = latest.map_or(0, |(at, _)| at + 1);
            if version != expected {
                return Err(TreeError::OutOfOrder { at: latest.map(|(at, _)| at), version });
            }
            let mut leaves = tx.open_table(LEAVES)?;
            let mut keys = tx.open_table(KEYS)?;
            let mut changed = BTreeMap::new();
            let mut leaf_count = match latest {
                Some((_, (count, _))) => count,
                None => {
                    for (index, guard) in [Leaf::MIN_GUARD, Leaf::MAX_GUARD].into_iter().enumerate()
                    {
                        keys.insert(&guard.key.0, (index as u64, version))?;
                        changed.insert(index as u64, guard);
                    }
                    2
                }
            };
            let mut given = HashSet::new();
            for (key, value) in entries {
                if !given.insert(key) {
                    return Err(TreeError::DuplicateKey(key));
                }
                let found = keys.get(&key.0)?.map(|raw| raw.value().0);
                if let Some(index) = found {
                    let mut leaf = current_leaf(&leaves, &changed, index)?;
                    leaf.value = value;
                    changed.insert(index, leaf);
                    continue;
                }
                let prev = keys.range::<&[u8; 32]>(..&key.0)?.next_back().transpose()?;
                let prev = prev.ok_or(TreeError::Corrupt("no key below a new key"))?.1.value().0;
                let mut prev_leaf = current_leaf(&leaves, &changed, prev)?;
                let index = leaf_count;
                leaf_count += 1;
                changed.insert(index, Leaf { key, value, next: prev_leaf.next });
                prev_leaf.next = index;
                changed.insert(prev, prev_leaf);
                keys.insert(&key.0, (index, version))?;
            }
            for (index, leaf) in &changed {
                leaves.insert((*index, version), &leaf.encode())?;
            }
            let mut nodes = tx.open_table(NODES)?;
            let root = rehash(&leaves, &mut nodes, &changed, version, leaf_count)?;
            let mut row = [0u8; 40];
            row[..8].copy_from_slice(&leaf_count.to_be_bytes());
            row[8..].copy_from_slice(block_hash.as_slice());
            versions.insert(version, &row)?;
            RootInfo { root, leaf_count, block_hash }
        };
        tx.commit()?;
        Ok(info)
    }

    /// Makes every version applied so far durable (one sync for a catch-up of many blocks).
    pub fn persist(&self) -> Result<(), TreeError> {
        let mut tx = self.db.begin_write()?;
        tx.set_quick_repair(true);
        tx.commit()?;
        Ok(())
    }

    /// Removes every version after `keep` (the chain unwound to block `keep`).
    pub fn truncate(&self, keep: u64) -> Result<(), TreeError> {
        let tx = self.db.begin_write()?;
        tx.open_table(VERSIONS)?.retain(|version, _| version <= keep)?;
        tx.open_table(LEAVES)?.retain(|(_, version), _| version <= keep)?;
        tx.open_table(NODES)?.retain(|(_, _, version), _| version <= keep)?;
        tx.open_table(KEYS)?.retain(|_, (_, version)| version <= keep)?;
        tx.commit()?;
        Ok(())
    }

    /// The proof of `key`'s value at version `version`.
    pub fn prove(&self, version: u64, key: &B256) -> Result<KeyProof, TreeError> {
        let tx = self.db.begin_read()?;
        let raw =
            tx.open_table(VERSIONS)?.get(version)?.ok_or(TreeError::UnknownVersion(version))?;
        let (leaf_count, _) = decode_version(raw.value());
        let tables = Tables::read(&tx)?;
        let found = tables.keys.get(&key.0)?.map(|raw| raw.value());
        if let Some((index, _)) = found.filter(|(_, inserted)| *inserted <= version) {
            return Ok(KeyProof::Existing(tables.leaf_proof(index, version, leaf_count)?));
        }
        let mut below = tables.keys.range::<&[u8; 32]>(..&key.0)?.rev();
        let left = loop {
            let entry = below.next().transpose()?.ok_or(TreeError::Corrupt("no key below"))?;
            let (index, inserted) = entry.1.value();
            if inserted <= version {
                break index;
            }
        };
        let left = tables.leaf_proof(left, version, leaf_count)?;
        let right = tables.leaf_proof(left.leaf.next, version, leaf_count)?;
        Ok(KeyProof::NonExisting { left, right })
    }
}

fn decode_version(raw: &[u8; 40]) -> (u64, B256) {
    (u64::from_be_bytes(raw[..8].try_into().expect("8 bytes")), B256::from_slice(&raw[8..]))
}

/// Whether the subtree `height` levels up at `index` holds no leaf of a tree of `leaf_count`.
fn is_empty(height: usize, index: u64, leaf_count: u64) -> bool {
    (u128::from(index) << height) >= u128::from(leaf_count)
}

/// The leaf at `index` as the version being applied has it so far.
fn current_leaf(
    leaves: &Table<'_, (u64, u64), &[u8; 72]>,
    changed: &BTreeMap<u64, Leaf>,
    index: u64,
) -> Result<Leaf, TreeError> {
    if let Some(leaf) = changed.get(&index) {
        return Ok(*leaf);
    }
    latest_leaf(leaves, index, u64::MAX)?.ok_or(TreeError::Corrupt("a linked leaf is missing"))
}

/// The leaf at `index` as of version `version`.
fn latest_leaf(
    leaves: &impl ReadableTable<(u64, u64), &'static [u8; 72]>,
    index: u64,
    version: u64,
) -> Result<Option<Leaf>, TreeError> {
    let last = leaves.range((index, 0)..=(index, version))?.next_back().transpose()?;
    Ok(last.map(|(_, raw)| Leaf::decode(raw.value())))
}

/// The hash of the subtree `height` levels up at `index` as of `version` in a tree of
/// `leaf_count` leaves, as stored: an empty one's, a leaf's, or a node's.
fn stored_subtree(
    leaves: &impl ReadableTable<(u64, u64), &'static [u8; 72]>,
    nodes: &impl ReadableTable<(u8, u64, u64), &'static [u8; 32]>,
    (height, index): (usize, u64),
    version: u64,
    leaf_count: u64,
) -> Result<B256, TreeError> {
    if is_empty(height, index, leaf_count) {
        Ok(empty_hash(height))
    } else if height == 0 {
        let leaf = latest_leaf(leaves, index, version)?;
        Ok(leaf.ok_or(TreeError::Corrupt("a leaf is missing"))?.hash())
    } else {
        latest_node(nodes, height, index, version)
    }
}

/// The hash of the node `height` levels up at `index` as of version `version`.
fn latest_node(
    nodes: &impl ReadableTable<(u8, u64, u64), &'static [u8; 32]>,
    height: usize,
    index: u64,
    version: u64,
) -> Result<B256, TreeError> {
    let height = height as u8;
    let last =
        nodes.range((height, index, 0)..=(height, index, version))?.next_back().transpose()?;
    last.map(|(_, raw)| B256::from(*raw.value())).ok_or(TreeError::Corrupt("a node is missing"))
}

/// Rehashes the paths of the `changed` leaves for `version`, writing their nodes; returns the
/// root.
fn rehash(
    leaves: &Table<'_, (u64, u64), &[u8; 72]>,
    nodes: &mut Table<'_, (u8, u64, u64), &[u8; 32]>,
    changed: &BTreeMap<u64, Leaf>,
    version: u64,
    leaf_count: u64,
) -> Result<B256, TreeError> {
    let mut fresh: HashMap<u64, B256> =
        changed.iter().map(|(index, leaf)| (*index, leaf.hash())).collect();
    let mut indices: BTreeSet<u64> = changed.keys().copied().collect();
    for height in 1..=DEPTH {
        let below = height - 1;
        let child = |index: u64, fresh: &HashMap<u64, B256>| match fresh.get(&index) {
            Some(hash) => Ok(*hash),
            None => stored_subtree(leaves, &*nodes, (below, index), version, leaf_count),
        };
        let mut level = HashMap::new();
        for parent in indices.iter().map(|index| index / 2).collect::<BTreeSet<_>>() {
            let hash = hash_branch(&child(2 * parent, &fresh)?, &child(2 * parent + 1, &fresh)?);
            level.insert(parent, hash);
        }
        for (index, hash) in &level {
            nodes.insert((height as u8, *index, version), &hash.0)?;
        }
        indices = level.keys().copied().collect();
        fresh = level;
    }
    match fresh.get(&0) {
        Some(root) => Ok(*root),
        None => latest_node(&*nodes, DEPTH, 0, version),
    }
}

/// A read snapshot's tables.
struct Tables {
    leaves: redb::ReadOnlyTable<(u64, u64), &'static [u8; 72]>,
    nodes: redb::ReadOnlyTable<(u8, u64, u64), &'static [u8; 32]>,
    keys: redb::ReadOnlyTable<&'static [u8; 32], (u64, u64)>,
}

impl Tables {
    fn read(tx: &redb::ReadTransaction) -> Result<Self, TreeError> {
        Ok(Self {
            leaves: tx.open_table(LEAVES)?,
            nodes: tx.open_table(NODES)?,
            keys: tx.open_table(KEYS)?,
        })
    }

    fn root(&self, version: u64) -> Result<B256, TreeError> {
        latest_node(&self.nodes, DEPTH, 0, version)
    }

    fn leaf_proof(
        &self,
        index: u64,
        version: u64,
        leaf_count: u64,
    ) -> Result<LeafProof, TreeError> {
        let leaf = latest_leaf(&self.leaves, index, version)?
            .ok_or(TreeError::Corrupt("a proven leaf is missing"))?;
        let mut siblings = (0..DEPTH)
            .map(|height| {
                let sibling = (height, (index >> height) ^ 1);
                stored_subtree(&self.leaves, &self.nodes, sibling, version, leaf_count)
            })
            .collect::<Result<Vec<_>, _>>()?;
        while siblings.last().is_some_and(|last| *last == empty_hash(siblings.len() - 1)) {
            siblings.pop();
        }
        Ok(LeafProof { index, leaf, siblings })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::b256;

    fn word(value: u64) -> B256 {
        B256::from(U256::from(value))
    }

    /// `zksync-os-server` `lib/merkle_tree/src/hasher/mod.rs` `hashing_leaves_is_correct`.
    #[test]
    fn hashes_match_zksync_os() {
        assert_eq!(
            empty_hash(0),
            b256!("0xe3cdc93b3c2beb30f6a7c7cc45a32da012df9ae1be880e2c074885cb3f4e1e53")
        );
        assert_eq!(
            empty_hash(1),
            b256!("0xc45bfaf4bb5d0fee27d3178b8475155a07a1fa8ada9a15133a9016f7d0435f0f")
        );
        assert_eq!(
            empty_hash(63),
            b256!("0xb720fe53e6bd4e997d967b8649e10036802a4fd3aca6d7dcc43ed9671f41cb31")
        );
        assert_eq!(
            Leaf::MIN_GUARD.hash(),
            b256!("0x9903897e51baa96a5ea51b4c194d3e0c6bcf20947cce9fd646dfb4bf754c8d28")
        );
        assert_eq!(
            Leaf::MAX_GUARD.hash(),
            b256!("0xb35299e7564e05e335094c02064bccf83d58745b417874b1fee3f523ec2007a9")
        );
    }

    /// `zksync-os-server` `lib/merkle_tree/src/tests/mod.rs`: `empty_tree_hash_is_correct`
    /// (the guards alone) and `key_ordering` (two keys inserted into it).
    #[test]
    fn roots_match_zksync_os() {
        let tree = StateTree::in_memory().unwrap();
        let guards = tree.apply(0, B256::ZERO, []).unwrap();
        assert_eq!(
            guards.root,
            b256!("0x90a83ead2ba2194fbbb0f7cd2a017e36cfb4891513546d943a7282c2844d4b6b")
        );
        let tree = StateTree::in_memory().unwrap();
        let entries = [
            (word(0xc0ffeefe), B256::repeat_byte(0x10)),
            (word(0xdeadbeef), B256::repeat_byte(0x20)),
        ];
        let info = tree.apply(0, B256::ZERO, entries).unwrap();
        assert_eq!(
            info.root,
            b256!("0xc90465eddad7cc858a2fbf61013d7051c143887a887e5a7a19344ac32151b207")
        );
        assert_eq!(info.leaf_count, 4);
    }

    /// `zksync-os-server` `genesis/genesis.json`: three contracts (nonce 1, their deployed
    /// code) make a genesis whose state commitment, `blake2s(root ‖ leaf count ‖ block number ‖
    /// blake2s(255 zero hashes ‖ the genesis header's hash) ‖ timestamp)` (`batcher/util.rs`),
    /// is its `genesis_root`. This checks the account properties' encoding and bytecode hash
    /// (padding, jump-destination artifacts), the tree keys and genesis's insertion order.
    #[test]
    fn the_zksync_os_genesis_commitment_is_reproduced() {
        #[derive(serde::Deserialize)]
        struct Genesis {
            initial_contracts: Vec<(Address, alloy_primitives::Bytes)>,
            additional_storage: Vec<(B256, B256)>,
            genesis_root: B256,
        }
        let genesis: Genesis =
            serde_json::from_str(include_str!("../../testdata/zksync_os_genesis.json")).unwrap();
        assert!(genesis.additional_storage.is_empty());
        let writes = genesis
            .initial_contracts
            .iter()
            .map(|(address, code)| {
                (
                    ACCOUNT_PROPERTIES,
                    address.into_word(),
                    account_properties_hash(1, U256::ZERO, code),
                )
            })
            .collect();
        let tree = StateTree::in_memory().unwrap();
        // The genesis header as `lib/genesis` builds it: its roots zero, not the empty trie's.
        let header = alloy_consensus::Header {
            ommers_hash: alloy_consensus::EMPTY_OMMER_ROOT_HASH,
            state_root: B256::ZERO,
            transactions_root: B256::ZERO,
            receipts_root: B256::ZERO,
            gas_limit: 5_000,
            base_fee_per_gas: Some(alloy_eips::eip1559::INITIAL_BASE_FEE),
            ..Default::default()
        };
        let info = tree.apply(0, header.hash_slow(), ordered_writes(0, writes)).unwrap();
        assert_eq!(info.leaf_count, 5);
        let mut hashes = [B256::ZERO; 256];
        hashes[255] = info.block_hash;
        let commitment = blake2s(&[
            info.root.as_slice(),
            &info.leaf_count.to_be_bytes(),
            &0u64.to_be_bytes(),
            block_hashes_blake(&hashes).as_slice(),
            &0u64.to_be_bytes(),
        ]);
        assert_eq!(commitment, genesis.genesis_root);
    }

    /// A block's new keys take leaf indices in ZKsync OS's storage-cache order: addresses by
    /// their least significant 64 bits first (so `0x01…00` precedes `0x00…01`), slots as bytes,
    /// whatever the order of their tree keys; genesis's in tree-key order.
    #[test]
    fn new_keys_take_indices_in_zksync_os_order() {
        let high = address!("0x0100000000000000000000000000000000000000");
        let low = address!("0x0000000000000000000000000000000000000001");
        let middle = address!("0x0000000000000000000000010000000000000000");
        let writes = vec![
            (low, word(2), word(1)),
            (low, word(1), word(2)),
            (middle, word(1), word(3)),
            (high, word(7), word(4)),
        ];
        let expected = [(high, word(7)), (middle, word(1)), (low, word(1)), (low, word(2))];
        let keys: Vec<B256> =
            ordered_writes(1, writes.clone()).into_iter().map(|(key, _)| key).collect();
        let wanted: Vec<B256> = expected.iter().map(|(a, s)| flat_key(*a, *s)).collect();
        assert_eq!(keys, wanted);
        let mut sorted = wanted.clone();
        sorted.sort();
        assert_ne!(sorted, wanted, "the test needs an order that differs from the keys'");
        assert_eq!(
            ordered_writes(0, writes).into_iter().map(|(k, _)| k).collect::<Vec<_>>(),
            sorted
        );

        let tree = StateTree::in_memory().unwrap();
        tree.apply(0, B256::ZERO, []).unwrap();
        let info = tree.apply(1, B256::ZERO, keys.iter().map(|key| (*key, word(9)))).unwrap();
        for (at, key) in keys.iter().enumerate() {
            let KeyProof::Existing(proof) = tree.prove(1, key).unwrap() else { panic!("written") };
            assert_eq!(proof.index, 2 + at as u64);
            assert_eq!(proof.root(), Some(info.root));
        }
        assert!(matches!(
            tree.apply(2, B256::ZERO, [(keys[0], word(1)), (keys[0], word(2))]),
            Err(TreeError::DuplicateKey(key)) if key == keys[0]
        ));
    }

    /// `zksync-os-server`'s `test_comparing_tree_hash_against_naive_impl`: whatever the order
    /// and chunking of the inserts, the root is the naive one over leaves in insertion order.
    #[test]
    fn roots_match_a_naive_tree_in_insertion_order() {
        let entries: Vec<(B256, B256)> =
            (0..60u64).map(|n| (blake2s(&[&n.to_le_bytes()]), word(n + 1))).collect();
        let mut indices = BTreeMap::from([(B256::ZERO, 0u64), (B256::repeat_byte(0xff), 1)]);
        indices.extend(entries.iter().zip(2u64..).map(|((key, _), index)| (*key, index)));
        let ordered: Vec<u64> = indices.values().copied().collect();
        let mut next = HashMap::new();
        for pair in ordered.windows(2) {
            next.insert(pair[0], pair[1]);
        }
        next.insert(1, 1);
        let leaves = [(B256::ZERO, B256::ZERO), (B256::repeat_byte(0xff), B256::ZERO)]
            .iter()
            .chain(&entries)
            .zip(0u64..)
            .map(|((key, value), index)| {
                Leaf { key: *key, value: *value, next: next[&index] }.hash()
            })
            .collect();
        let naive = root_from_scratch(leaves);
        for chunk in [1, 7, 60] {
            let tree = StateTree::in_memory().unwrap();
            let mut version = 0;
            let mut last = tree.apply(0, B256::ZERO, []).unwrap();
            for part in entries.chunks(chunk) {
                version += 1;
                last = tree.apply(version, B256::ZERO, part.iter().copied()).unwrap();
            }
            assert_eq!(last.root, naive, "chunks of {chunk}");
        }
    }

    /// The tree is its file: reopened, it has every version applied before, and goes on.
    #[test]
    fn a_reopened_tree_keeps_its_versions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tree.redb");
        let first = {
            let tree = StateTree::open(&path).unwrap();
            tree.apply(0, B256::repeat_byte(1), [(word(1), word(10))]).unwrap();
            let first = tree.apply(1, B256::repeat_byte(2), [(word(2), word(20))]).unwrap();
            tree.persist().unwrap();
            first
        };
        let tree = StateTree::open(&path).unwrap();
        assert_eq!(tree.latest().unwrap(), Some((1, first)));
        let next = tree.apply(2, B256::repeat_byte(3), [(word(1), word(11))]).unwrap();
        assert_eq!(
            tree.prove(1, &word(1)).unwrap().verify(&word(1)).unwrap(),
            (first.root, word(10))
        );
        assert_eq!(
            tree.prove(2, &word(1)).unwrap().verify(&word(1)).unwrap(),
            (next.root, word(11))
        );
    }

    /// Versions apply incrementally and stay provable: every key's proof at every version
    /// verifies against that version's root, with its value then (zero before it was written);
    /// truncating forgets the later versions.
    #[test]
    fn every_version_proves_its_values() {
        let tree = StateTree::in_memory().unwrap();
        let key = |n: u64| blake2s(&[&n.to_be_bytes()]);
        let mut history: Vec<BTreeMap<B256, B256>> = Vec::new();
        let mut state = BTreeMap::new();
        for version in 0..6u64 {
            let entries: Vec<(B256, B256)> = (0..=version * 3)
                .filter(|n| (n + version) % 2 == 0)
                .map(|n| (key(n), word(version * 100 + n)))
                .collect();
            state.extend(entries.iter().copied());
            let info = tree.apply(version, B256::repeat_byte(version as u8), entries).unwrap();
            assert_eq!(info.leaf_count, 2 + state.len() as u64);
            history.push(state.clone());
        }
        for (version, state) in history.iter().enumerate() {
            let version = version as u64;
            let root = tree.root_info(version).unwrap().unwrap().root;
            for n in 0..20 {
                let proof = tree.prove(version, &key(n)).unwrap();
                let (proved, value) = proof.verify(&key(n)).unwrap();
                assert_eq!(proved, root, "version {version} key {n}");
                assert_eq!(value, state.get(&key(n)).copied().unwrap_or_default());
                assert_eq!(matches!(proof, KeyProof::Existing(_)), state.contains_key(&key(n)));
            }
        }
        let proof = tree.prove(5, &key(3)).unwrap();
        let KeyProof::Existing(mut forged) = proof.clone() else { panic!("key 3 exists") };
        forged.leaf.value = word(1);
        assert_ne!(
            KeyProof::Existing(forged).verify(&key(3)).unwrap().0,
            tree.latest().unwrap().unwrap().1.root
        );
        assert!(proof.verify(&key(4)).is_err());

        tree.truncate(2).unwrap();
        assert_eq!(tree.latest().unwrap().unwrap().0, 2);
        assert!(matches!(tree.prove(3, &key(0)), Err(TreeError::UnknownVersion(3))));
        let root = tree.root_info(2).unwrap().unwrap().root;
        for n in 0..20 {
            assert_eq!(tree.prove(2, &key(n)).unwrap().verify(&key(n)).unwrap().0, root);
        }
        let again = tree.apply(3, B256::ZERO, [(key(0), word(7))]).unwrap();
        assert_eq!(tree.prove(3, &key(0)).unwrap().verify(&key(0)).unwrap(), (again.root, word(7)));
        assert!(matches!(tree.apply(5, B256::ZERO, []), Err(TreeError::OutOfOrder { .. })));
    }
}
