use crate::{
    StoreError,
    codec::{BlockChanges, TxLocation, account_history_key, storage_history_key, storage_key},
    tables::*,
};
use alloy_consensus::Header;
use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_rlp::Decodable;
use alloy_trie::TrieAccount;
use redb::{Database, Durability, ReadOnlyTable, ReadableDatabase, WriteTransaction};
use std::{path::Path, sync::Arc};
use tephra_primitives::{ReceiptEnvelope, TxEnvelope};

/// The chain database: one redb file. Cheap to clone; clones share the file.
#[derive(Clone, Debug)]
pub struct Store {
    db: Arc<Database>,
}

/// One account's change in a block: the value before and after (`None`: absent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountChange {
    /// The account.
    pub address: Address,
    /// Before the block.
    pub before: Option<TrieAccount>,
    /// After the block.
    pub after: Option<TrieAccount>,
}

/// One storage slot's change in a block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotChange {
    /// The account owning the slot.
    pub address: Address,
    /// The slot.
    pub slot: B256,
    /// Value before the block.
    pub before: U256,
    /// Value after the block.
    pub after: U256,
}

impl Store {
    /// Opens the database at `path`, creating the file and its tables if needed. redb's page
    /// cache may grow to 1 GiB: a state-root update reads the trie's lower levels at random, and
    /// pages it keeps save most of those reads (about a quarter of the state-root time of a
    /// block touching 1,000 of 1,000,000 accounts, measured with `tephra bench state-root`).
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::init(Database::builder().set_cache_size(1 << 30).create(path)?)
    }

    /// A store that lives in memory only: for benchmarks and tests that measure everything
    /// but the disk.
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::init(Database::builder().create_with_backend(redb::backends::InMemoryBackend::new())?)
    }

    fn init(db: Database) -> Result<Self, StoreError> {
        let store = Self { db: Arc::new(db) };
        let writer = store.write()?;
        {
            let tx = &writer.tx;
            tx.open_table(META)?;
            tx.open_table(HEADERS)?;
            tx.open_table(BLOCK_NUMBERS)?;
            tx.open_table(BODIES)?;
            tx.open_table(SENDERS)?;
            tx.open_table(RECEIPTS)?;
            tx.open_table(TX_LOOKUP)?;
            tx.open_table(ACCOUNTS)?;
            tx.open_table(STORAGE)?;
            tx.open_table(CODE)?;
            tx.open_table(ACCOUNT_HISTORY)?;
            tx.open_table(STORAGE_HISTORY)?;
            tx.open_table(BLOCK_CHANGES)?;
            tx.open_table(TRIE_NODES)?;
        }
        writer.commit()?;
        Ok(store)
    }

    /// A consistent read-only snapshot of the whole database.
    pub fn read(&self) -> Result<StoreReader, StoreError> {
        let tx = self.db.begin_read()?;
        Ok(StoreReader {
            meta: tx.open_table(META)?,
            headers: tx.open_table(HEADERS)?,
            block_numbers: tx.open_table(BLOCK_NUMBERS)?,
            bodies: tx.open_table(BODIES)?,
            senders: tx.open_table(SENDERS)?,
            receipts: tx.open_table(RECEIPTS)?,
            tx_lookup: tx.open_table(TX_LOOKUP)?,
            accounts: tx.open_table(ACCOUNTS)?,
            storage: tx.open_table(STORAGE)?,
            code: tx.open_table(CODE)?,
            account_history: tx.open_table(ACCOUNT_HISTORY)?,
            storage_history: tx.open_table(STORAGE_HISTORY)?,
            block_changes: tx.open_table(BLOCK_CHANGES)?,
            trie_nodes: tx.open_table(TRIE_NODES)?,
        })
    }

    /// Starts the one write transaction; others wait until it commits or drops.
    pub fn write(&self) -> Result<StoreWriter, StoreError> {
        let mut tx = self.db.begin_write()?;
        tx.set_durability(Durability::Immediate)
            .expect("no persistent savepoint is ever created, so any durability is allowed");
        tx.set_quick_repair(true);
        Ok(StoreWriter { tx })
    }
}

/// A read snapshot. Every method sees the database as it was when [`Store::read`] ran.
pub struct StoreReader {
    meta: ReadOnlyTable<&'static str, &'static [u8]>,
    headers: ReadOnlyTable<u64, &'static [u8]>,
    block_numbers: ReadOnlyTable<&'static [u8; 32], u64>,
    bodies: ReadOnlyTable<u64, &'static [u8]>,
    senders: ReadOnlyTable<u64, &'static [u8]>,
    receipts: ReadOnlyTable<u64, &'static [u8]>,
    tx_lookup: ReadOnlyTable<&'static [u8; 32], &'static [u8]>,
    accounts: ReadOnlyTable<&'static [u8; 20], &'static [u8]>,
    storage: ReadOnlyTable<&'static [u8], &'static [u8; 32]>,
    code: ReadOnlyTable<&'static [u8; 32], &'static [u8]>,
    account_history: ReadOnlyTable<&'static [u8], &'static [u8]>,
    storage_history: ReadOnlyTable<&'static [u8], &'static [u8; 32]>,
    block_changes: ReadOnlyTable<u64, &'static [u8]>,
    trie_nodes: ReadOnlyTable<&'static [u8; 32], &'static [u8]>,
}

impl std::fmt::Debug for StoreReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreReader").finish_non_exhaustive()
    }
}

fn decode<T: Decodable>(table: &'static str, mut bytes: &[u8]) -> Result<T, StoreError> {
    T::decode(&mut bytes).map_err(|err| StoreError::corrupt(table, err))
}

fn decode_account(bytes: &[u8]) -> Result<Option<TrieAccount>, StoreError> {
    if bytes.is_empty() { Ok(None) } else { decode("accounts", bytes).map(Some) }
}

fn encode_account(account: &Option<TrieAccount>) -> Vec<u8> {
    account.as_ref().map(alloy_rlp::encode).unwrap_or_default()
}

impl StoreReader {
    /// Number of the last committed block; `None` before genesis is written.
    pub fn head(&self) -> Result<Option<u64>, StoreError> {
        let Some(raw) = self.meta.get(HEAD_KEY)? else { return Ok(None) };
        let bytes: [u8; 8] = raw
            .value()
            .try_into()
            .map_err(|_| StoreError::corrupt("meta", "head is not 8 bytes"))?;
        Ok(Some(u64::from_be_bytes(bytes)))
    }

    /// The name of the rules (framework) the chain was created with, as [`StoreWriter::set_rules`]
    /// recorded it; `None` in a store written before it was recorded, or before genesis.
    pub fn rules(&self) -> Result<Option<String>, StoreError> {
        let Some(raw) = self.meta.get(RULES_KEY)? else { return Ok(None) };
        String::from_utf8(raw.value().to_vec())
            .map(Some)
            .map_err(|_| StoreError::corrupt("meta", "rules are not UTF-8"))
    }

    /// The L1 origin of the head block as [`StoreWriter::set_l1_origin`] recorded it (for a
    /// rollup following an L1); `None` if no block recorded one.
    pub fn l1_origin(&self) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.meta.get(L1_ORIGIN_KEY)?.map(|raw| raw.value().to_vec()))
    }

    /// Header of block `number`.
    pub fn header(&self, number: u64) -> Result<Option<Header>, StoreError> {
        self.headers.get(number)?.map(|raw| decode("headers", raw.value())).transpose()
    }

    /// Number of the block with this hash.
    pub fn block_number(&self, hash: &B256) -> Result<Option<u64>, StoreError> {
        Ok(self.block_numbers.get(&hash.0)?.map(|raw| raw.value()))
    }

    /// Transactions of block `number`.
    pub fn transactions(&self, number: u64) -> Result<Option<Vec<TxEnvelope>>, StoreError> {
        self.bodies.get(number)?.map(|raw| decode("bodies", raw.value())).transpose()
    }

    /// Senders of block `number`'s transactions, in order.
    pub fn senders(&self, number: u64) -> Result<Option<Vec<Address>>, StoreError> {
        let Some(raw) = self.senders.get(number)? else { return Ok(None) };
        let raw = raw.value();
        if raw.len() % 20 != 0 {
            return Err(StoreError::corrupt("senders", "length is not a multiple of 20"));
        }
        Ok(Some(raw.chunks_exact(20).map(Address::from_slice).collect()))
    }

    /// Receipts of block `number`'s transactions, in order.
    pub fn receipts(&self, number: u64) -> Result<Option<Vec<ReceiptEnvelope>>, StoreError> {
        self.receipts.get(number)?.map(|raw| decode("receipts", raw.value())).transpose()
    }

    /// Block and index of a mined transaction.
    pub fn tx_location(&self, hash: &B256) -> Result<Option<TxLocation>, StoreError> {
        self.tx_lookup.get(&hash.0)?.map(|raw| TxLocation::decode(raw.value())).transpose()
    }

    /// The accounts and slots block `number` changed (`None`: no such block).
    pub fn block_changes(&self, number: u64) -> Result<Option<BlockChanges>, StoreError> {
        self.block_changes.get(number)?.map(|raw| BlockChanges::decode(raw.value())).transpose()
    }

    /// An account in the head state.
    pub fn account(&self, address: &Address) -> Result<Option<TrieAccount>, StoreError> {
        match self.accounts.get(&address.0.0)? {
            Some(raw) => decode_account(raw.value()),
            None => Ok(None),
        }
    }

    /// An account as it was after block `block`: the first change recorded after `block`
    /// holds the value it had then; with no later change, the head value is still it.
    pub fn account_at(
        &self,
        address: &Address,
        block: u64,
    ) -> Result<Option<TrieAccount>, StoreError> {
        let Some(from) = block.checked_add(1) else { return self.account(address) };
        let start = account_history_key(address, from);
        let end = account_history_key(address, u64::MAX);
        match self.account_history.range(start.as_slice()..=end.as_slice())?.next() {
            Some(entry) => decode_account(entry?.1.value()),
            None => self.account(address),
        }
    }

    /// A storage slot in the head state (zero if never written).
    pub fn storage(&self, address: &Address, slot: &B256) -> Result<U256, StoreError> {
        Ok(self
            .storage
            .get(storage_key(address, slot).as_slice())?
            .map(|raw| U256::from_be_bytes(*raw.value()))
            .unwrap_or_default())
    }

    /// A storage slot as it was after block `block`.
    pub fn storage_at(
        &self,
        address: &Address,
        slot: &B256,
        block: u64,
    ) -> Result<U256, StoreError> {
        let Some(from) = block.checked_add(1) else { return self.storage(address, slot) };
        let start = storage_history_key(address, slot, from);
        let end = storage_history_key(address, slot, u64::MAX);
        match self.storage_history.range(start.as_slice()..=end.as_slice())?.next() {
            Some(entry) => Ok(U256::from_be_bytes(*entry?.1.value())),
            None => self.storage(address, slot),
        }
    }

    /// All non-zero storage slots of an account in the head state.
    pub fn storage_slots(&self, address: &Address) -> Result<Vec<(B256, U256)>, StoreError> {
        let start = storage_key(address, &B256::ZERO);
        let end = storage_key(address, &B256::repeat_byte(0xff));
        self.storage
            .range(start.as_slice()..=end.as_slice())?
            .map(|entry| {
                let (key, value) = entry?;
                Ok((B256::from_slice(&key.value()[20..]), U256::from_be_bytes(*value.value())))
            })
            .collect()
    }

    /// Bytecode by its hash.
    pub fn code(&self, hash: &B256) -> Result<Option<Bytes>, StoreError> {
        Ok(self.code.get(&hash.0)?.map(|raw| Bytes::copy_from_slice(raw.value())))
    }

    /// A Merkle-Patricia trie node by its hash.
    pub fn trie_node(&self, hash: &B256) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.trie_nodes.get(&hash.0)?.map(|raw| raw.value().to_vec()))
    }
}

/// The one write transaction. Nothing it writes is visible to readers, nor durable, until
/// [`StoreWriter::commit`] returns; dropping it discards everything.
pub struct StoreWriter {
    tx: WriteTransaction,
}

impl std::fmt::Debug for StoreWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreWriter").finish_non_exhaustive()
    }
}

impl StoreWriter {
    /// Writes a block: header, hash index, transactions, senders, receipts and the
    /// transaction-hash index. `tx_hashes` are the transactions' hashes, in order.
    pub fn insert_block(
        &self,
        header: &Header,
        hash: B256,
        transactions: &[TxEnvelope],
        tx_hashes: &[B256],
        senders: &[Address],
        receipts: &[ReceiptEnvelope],
    ) -> Result<(), StoreError> {
        let number = header.number;
        self.tx.open_table(HEADERS)?.insert(number, alloy_rlp::encode(header).as_slice())?;
        self.tx.open_table(BLOCK_NUMBERS)?.insert(&hash.0, number)?;
        let mut body = Vec::new();
        alloy_rlp::encode_list(transactions, &mut body);
        self.tx.open_table(BODIES)?.insert(number, body.as_slice())?;
        let senders: Vec<u8> = senders.iter().flat_map(|s| s.0.0).collect();
        self.tx.open_table(SENDERS)?.insert(number, senders.as_slice())?;
        let mut encoded = Vec::new();
        alloy_rlp::encode_list(receipts, &mut encoded);
        self.tx.open_table(RECEIPTS)?.insert(number, encoded.as_slice())?;
        let mut lookup = self.tx.open_table(TX_LOOKUP)?;
        for (index, tx_hash) in tx_hashes.iter().enumerate() {
            let location = TxLocation { block: number, index: index as u32 };
            lookup.insert(&tx_hash.0, location.encode().as_slice())?;
        }
        Ok(())
    }

    /// Applies block `block`'s state changes to the head state and records what each changed
    /// entry was before, for history reads and unwinds.
    pub fn apply_state(
        &self,
        block: u64,
        accounts: &[AccountChange],
        slots: &[SlotChange],
    ) -> Result<(), StoreError> {
        let mut plain = self.tx.open_table(ACCOUNTS)?;
        let mut history = self.tx.open_table(ACCOUNT_HISTORY)?;
        for change in accounts {
            match &change.after {
                Some(_) => {
                    plain.insert(&change.address.0.0, encode_account(&change.after).as_slice())?
                }
                None => plain.remove(&change.address.0.0)?,
            };
            let key = account_history_key(&change.address, block);
            history.insert(key.as_slice(), encode_account(&change.before).as_slice())?;
        }
        let mut plain = self.tx.open_table(STORAGE)?;
        let mut history = self.tx.open_table(STORAGE_HISTORY)?;
        for change in slots {
            let key = storage_key(&change.address, &change.slot);
            if change.after.is_zero() {
                plain.remove(key.as_slice())?;
            } else {
                plain.insert(key.as_slice(), &change.after.to_be_bytes::<32>())?;
            }
            let key = storage_history_key(&change.address, &change.slot, block);
            history.insert(key.as_slice(), &change.before.to_be_bytes::<32>())?;
        }
        let changes = BlockChanges {
            accounts: accounts.iter().map(|c| c.address).collect(),
            slots: slots.iter().map(|c| (c.address, c.slot)).collect(),
        };
        self.tx.open_table(BLOCK_CHANGES)?.insert(block, changes.encode().as_slice())?;
        Ok(())
    }

    /// Stores bytecode under its hash.
    pub fn insert_code(&self, hash: &B256, code: &[u8]) -> Result<(), StoreError> {
        self.tx.open_table(CODE)?.insert(&hash.0, code)?;
        Ok(())
    }

    /// Stores trie nodes under their hashes.
    pub fn insert_trie_nodes<'a>(
        &self,
        nodes: impl IntoIterator<Item = &'a (B256, Vec<u8>)>,
    ) -> Result<(), StoreError> {
        let mut table = self.tx.open_table(TRIE_NODES)?;
        for (hash, node) in nodes {
            table.insert(&hash.0, node.as_slice())?;
        }
        Ok(())
    }

    /// Moves the head to block `number`.
    pub fn set_head(&self, number: u64) -> Result<(), StoreError> {
        self.tx.open_table(META)?.insert(HEAD_KEY, number.to_be_bytes().as_slice())?;
        Ok(())
    }

    /// Records the L1 origin of the block this write commits (opaque to the store).
    pub fn set_l1_origin(&self, encoded: &[u8]) -> Result<(), StoreError> {
        self.tx.open_table(META)?.insert(L1_ORIGIN_KEY, encoded)?;
        Ok(())
    }

    /// Records the name of the rules (framework) the chain runs.
    pub fn set_rules(&self, name: &str) -> Result<(), StoreError> {
        self.tx.open_table(META)?.insert(RULES_KEY, name.as_bytes())?;
        Ok(())
    }

    /// Removes every block above `target` and restores the state as it was after `target`;
    /// the head becomes `target`. Trie nodes stay: they are addressed by hash and shared.
    pub fn unwind_to(&self, head: u64, target: u64) -> Result<(), StoreError> {
        for block in (target + 1..=head).rev() {
            self.unwind_block(block)?;
        }
        self.set_head(target)
    }

    fn unwind_block(&self, block: u64) -> Result<(), StoreError> {
        let changes = match self.tx.open_table(BLOCK_CHANGES)?.remove(block)? {
            Some(raw) => BlockChanges::decode(raw.value())?,
            None => BlockChanges::default(),
        };
        {
            let mut plain = self.tx.open_table(ACCOUNTS)?;
            let mut history = self.tx.open_table(ACCOUNT_HISTORY)?;
            for address in &changes.accounts {
                let key = account_history_key(address, block);
                let Some(before) = history.remove(key.as_slice())? else { continue };
                let before = before.value().to_vec();
                if before.is_empty() {
                    plain.remove(&address.0.0)?;
                } else {
                    plain.insert(&address.0.0, before.as_slice())?;
                }
            }
            let mut plain = self.tx.open_table(STORAGE)?;
            let mut history = self.tx.open_table(STORAGE_HISTORY)?;
            for (address, slot) in &changes.slots {
                let key = storage_history_key(address, slot, block);
                let Some(before) = history.remove(key.as_slice())? else { continue };
                let before = *before.value();
                let key = storage_key(address, slot);
                if before == [0u8; 32] {
                    plain.remove(key.as_slice())?;
                } else {
                    plain.insert(key.as_slice(), &before)?;
                }
            }
        }
        let header = self.tx.open_table(HEADERS)?.remove(block)?.map(|raw| raw.value().to_vec());
        if let Some(header) = header {
            let header: Header = decode("headers", &header)?;
            self.tx.open_table(BLOCK_NUMBERS)?.remove(&header.hash_slow().0)?;
        }
        let body = self.tx.open_table(BODIES)?.remove(block)?.map(|raw| raw.value().to_vec());
        if let Some(body) = body {
            let transactions: Vec<TxEnvelope> = decode("bodies", &body)?;
            let mut lookup = self.tx.open_table(TX_LOOKUP)?;
            for transaction in &transactions {
                lookup.remove(&transaction.tx_hash().0)?;
            }
        }
        self.tx.open_table(SENDERS)?.remove(block)?;
        self.tx.open_table(RECEIPTS)?.remove(block)?;
        Ok(())
    }

    /// Makes everything written durable and visible, atomically.
    pub fn commit(self) -> Result<(), StoreError> {
        self.tx.commit()?;
        Ok(())
    }
}
