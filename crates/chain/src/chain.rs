//! [`Chain`]: the head, the store, and the operations that move the head.

use crate::{
    ChainError, ChainSpec,
    execute::{BlockAttributes, ExecutedBlock, L1Origin, execute_block},
    framework::{Framework, Validation},
    state::{AccountPatch, BlockState, DevOverrides, StateDb},
    state_root::{CachedNodes, NodeCache, StateChanges, StoreNodes, compute_state_changes},
};
use alloy_consensus::{Header, transaction::Recovered};
use alloy_eips::{BlockNumberOrTag, eip7685::EMPTY_REQUESTS_HASH};
use alloy_genesis::Genesis;
use alloy_primitives::{B64, B256, Bytes, U256};
use alloy_trie::EMPTY_ROOT_HASH;
use parking_lot::RwLock;
use revm::primitives::KECCAK_EMPTY;
use std::sync::Arc;
use tephra_primitives::{ReceiptEnvelope, TxEnvelope};
use tephra_storage::{Store, StoreReader};
use tracing::info;

/// A block header with its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedHeader {
    /// The header.
    pub header: Header,
    /// Its hash.
    pub hash: B256,
}

/// The block the sequencer would seal next, executed but not sealed: what reads at the
/// `pending` tag see ([`Chain::pending_block`]).
#[derive(Debug, Clone)]
pub struct PendingBlock {
    /// The store snapshot it was built on (its head is the pending block's parent).
    pub reader: Arc<StoreReader>,
    /// Its header (number, timestamp, base fee and gas as they would be sealed).
    pub header: Header,
    /// Its state writes over the parent's state (the pending dev overrides included), as
    /// overrides of the parent's state.
    pub writes: Arc<DevOverrides>,
    /// The transactions it holds.
    pub transactions: Vec<TxEnvelope>,
}

impl PendingBlock {
    /// Its state, as revm reads it.
    pub fn state(&self) -> StateDb {
        StateDb::head(self.reader.clone(), Some(self.writes.clone()))
    }
}

/// One EVM chain: its store, its rules and its head.
///
/// Readers take a [`StoreReader`] snapshot and never block the writer. Moving the head
/// ([`Chain::commit_block`], [`Chain::unwind_to`]) is meant for one producer at a time (the
/// sequencer); the head moves only after the store commit is durable.
#[derive(Debug)]
pub struct Chain {
    store: Store,
    spec: ChainSpec,
    framework: Arc<dyn Framework>,
    head: RwLock<SealedHeader>,
    overrides: RwLock<Arc<DevOverrides>>,
    nodes: NodeCache,
}

/// Trie nodes kept in memory per cache generation: up to 2 x 2M nodes (about 1 GB at most),
/// enough for the whole state trie of a million accounts, or for the branch nodes of a state
/// many times larger.
pub const NODE_CACHE_CAPACITY: usize = 2_000_000;

impl Chain {
    /// Opens the chain in `store` under `framework`'s rules, writing `genesis` (with the
    /// framework's additions) first if the store is empty.
    pub fn open(
        store: Store,
        spec: ChainSpec,
        framework: Arc<dyn Framework>,
        genesis: &Genesis,
    ) -> Result<Self, ChainError> {
        let reader = store.read()?;
        let head = match reader.head()? {
            Some(number) => {
                if let Some(stored) = reader.rules()?
                    && stored != framework.name()
                {
                    return Err(ChainError::RulesMismatch {
                        stored,
                        configured: framework.name().to_string(),
                    });
                }
                let header = reader.header(number)?.ok_or_else(|| {
                    ChainError::Store(tephra_storage::StoreError::Corrupt {
                        table: "headers",
                        reason: format!("head block {number} has no header"),
                    })
                })?;
                info!(target: "tephra::chain", number, "resuming chain");
                SealedHeader { hash: header.hash_slow(), header }
            }
            None => {
                let mut genesis = genesis.clone();
                framework.extend_genesis(&mut genesis);
                write_genesis(&store, &genesis, framework.name())?
            }
        };
        Ok(Self {
            store,
            spec,
            framework,
            head: RwLock::new(head),
            overrides: RwLock::default(),
            nodes: NodeCache::new(NODE_CACHE_CAPACITY),
        })
    }

    /// The chain's rules.
    pub fn spec(&self) -> &ChainSpec {
        &self.spec
    }

    /// The framework whose rules the chain runs.
    pub fn framework(&self) -> &dyn Framework {
        &*self.framework
    }

    /// Base fee of the next block, in wei.
    pub fn next_base_fee(&self) -> u64 {
        self.base_fee_after(&self.head().header)
    }

    /// Base fee of the block after `parent`, as the framework would prepare it.
    pub fn base_fee_after(&self, parent: &Header) -> u64 {
        let attributes = BlockAttributes {
            timestamp: parent.timestamp + 1,
            beneficiary: parent.beneficiary,
            prevrandao: B256::ZERO,
            gas_limit: parent.gas_limit,
            l1: None,
        };
        let next = crate::next_header(&*self.framework, parent, B256::ZERO, &attributes);
        next.base_fee_per_gas.unwrap_or_default()
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The last committed block.
    pub fn head(&self) -> SealedHeader {
        self.head.read().clone()
    }

    /// The in-memory cache of trie nodes.
    pub fn node_cache(&self) -> &NodeCache {
        &self.nodes
    }

    /// A consistent snapshot of the store.
    pub fn reader(&self) -> Result<Arc<StoreReader>, ChainError> {
        Ok(Arc::new(self.store.read()?))
    }

    /// Resolves a block tag or number to a committed block number (`pending` is the head).
    pub fn resolve_number(&self, tag: BlockNumberOrTag) -> Result<u64, ChainError> {
        let head = self.head.read().header.number;
        match tag {
            BlockNumberOrTag::Number(number) if number <= head => Ok(number),
            BlockNumberOrTag::Number(number) => Err(ChainError::UnknownBlock(number.to_string())),
            BlockNumberOrTag::Earliest => Ok(0),
            _ => Ok(head),
        }
    }

    /// The state after block `number` as revm reads it; the head state includes the pending
    /// dev overrides. `reader` must be at least as new as `number`.
    pub fn state_at(&self, reader: Arc<StoreReader>, number: u64) -> Result<StateDb, ChainError> {
        let head = reader.head()?.unwrap_or_default();
        Ok(if number >= head {
            StateDb::head(reader, Some(self.overrides.read().clone()))
        } else {
            StateDb::at(reader, number)
        })
    }

    /// The extra RPC receipt fields the framework defines for the transactions `txs` of the
    /// committed block with `header` (and their `receipts`), one map per transaction.
    pub fn receipt_fields(
        &self,
        reader: &Arc<StoreReader>,
        header: &Header,
        txs: &[TxEnvelope],
        receipts: &[ReceiptEnvelope],
    ) -> Result<Vec<serde_json::Map<String, serde_json::Value>>, ChainError> {
        let mut state = BlockState::new(StateDb::at(reader.clone(), header.number));
        self.framework.receipt_fields(header, &mut state, txs, receipts)
    }

    /// The extra RPC fields of the block with `header`, from the framework at its height.
    pub fn block_fields(&self, header: &Header) -> serde_json::Map<String, serde_json::Value> {
        self.framework.block_fields(header)
    }

    /// The pending dev overrides.
    pub fn overrides(&self) -> Arc<DevOverrides> {
        self.overrides.read().clone()
    }

    /// The L1 origin of the newest committed block that had one (a rollup following an L1
    /// resumes deriving from the L1 block after it).
    pub fn l1_origin(&self) -> Result<Option<L1Origin>, ChainError> {
        let Some(bytes) = self.reader()?.l1_origin()? else { return Ok(None) };
        L1Origin::from_bytes(&bytes).map(Some).ok_or_else(|| {
            ChainError::Store(tephra_storage::StoreError::Corrupt {
                table: "meta",
                reason: format!("the L1 origin is {} bytes", bytes.len()),
            })
        })
    }

    /// Edits the pending dev overrides (`anvil_setBalance` & co.).
    pub fn edit_overrides(&self, edit: impl FnOnce(&mut DevOverrides)) {
        let mut overrides = self.overrides.write();
        edit(Arc::make_mut(&mut overrides));
    }

    /// Executes `transactions` as the next block on the head, with the pending dev overrides,
    /// without committing it.
    pub fn build_block<'a>(
        &self,
        attributes: &BlockAttributes,
        transactions: impl IntoIterator<Item = Recovered<&'a TxEnvelope>>,
    ) -> Result<(ExecutedBlock, Arc<DevOverrides>), ChainError> {
        let (reader, head) = self.head_snapshot()?;
        let overrides = self.overrides();
        let block = self.build_on(reader, &head, attributes, &overrides, transactions)?;
        Ok((block, overrides))
    }

    /// The block `transactions` would make next on the head, with the `attributes` of a block
    /// on that head, as [`Chain::build_block`] executes it, kept unsealed for reads at
    /// `pending`: its state is the head's with the block's writes.
    pub fn pending_block<'a>(
        &self,
        attributes: impl FnOnce(&SealedHeader) -> Result<BlockAttributes, ChainError>,
        transactions: impl IntoIterator<Item = Recovered<&'a TxEnvelope>>,
    ) -> Result<PendingBlock, ChainError> {
        let (reader, head) = self.head_snapshot()?;
        let overrides = self.overrides();
        let attributes = attributes(&head)?;
        let executed =
            self.build_on(reader.clone(), &head, &attributes, &overrides, transactions)?;
        let writes = pending_writes(&reader, &executed.changes)?;
        let block = executed.block;
        Ok(PendingBlock {
            reader,
            header: block.header,
            writes: Arc::new(writes),
            transactions: block.transactions,
        })
    }

    /// A store snapshot and the head it holds (the head moves after its commit, so a snapshot
    /// taken between the two is retaken).
    fn head_snapshot(&self) -> Result<(Arc<StoreReader>, SealedHeader), ChainError> {
        loop {
            let reader = self.reader()?;
            let head = self.head();
            if reader.head()?.unwrap_or_default() == head.header.number {
                return Ok((reader, head));
            }
        }
    }

    fn build_on<'a>(
        &self,
        reader: Arc<StoreReader>,
        head: &SealedHeader,
        attributes: &BlockAttributes,
        overrides: &DevOverrides,
        transactions: impl IntoIterator<Item = Recovered<&'a TxEnvelope>>,
    ) -> Result<ExecutedBlock, ChainError> {
        let nodes = CachedNodes { reader: &reader, cache: &self.nodes };
        execute_block(
            &self.spec,
            &*self.framework,
            reader.clone(),
            &nodes,
            &head.header,
            head.hash,
            attributes,
            overrides,
            transactions,
        )
    }

    /// Runs the framework's checks of a user's transaction ([`Framework::validate_transaction`])
    /// as the next block would see it: on the head's state with the pending dev overrides, in
    /// a block one second after the head. `Ok(Err(reason))`: the transaction is invalid.
    pub fn validate_transaction(
        &self,
        tx: Recovered<&TxEnvelope>,
    ) -> Result<Validation, ChainError> {
        let header = self.pool_header();
        let mut state = BlockState::new(StateDb::head(self.reader()?, Some(self.overrides())));
        self.framework.validate_transaction(&self.spec, &header, &mut state, tx)
    }

    /// The next block as the pool judges users' transactions against it (which types
    /// [`Framework::accepts_tx_type`], [`Chain::validate_transaction`]): on the head, a second
    /// after it, with the head's beneficiary and gas limit.
    pub fn pool_header(&self) -> Header {
        let head = self.head();
        let attributes = BlockAttributes {
            timestamp: head.header.timestamp + 1,
            beneficiary: head.header.beneficiary,
            prevrandao: alloy_primitives::keccak256(head.hash),
            gas_limit: head.header.gas_limit,
            l1: None,
        };
        crate::next_header(&*self.framework, &head.header, head.hash, &attributes)
    }

    /// Commits a block built on the current head, atomically, and moves the head to it.
    /// `applied` are the overrides it was built with: they are cleared unless edited since.
    pub fn commit_block(
        &self,
        executed: &ExecutedBlock,
        applied: &Arc<DevOverrides>,
    ) -> Result<(), ChainError> {
        let block = &executed.block;
        let head = self.head();
        if block.header.parent_hash != head.hash {
            return Err(ChainError::Execution(format!(
                "block {} does not extend the head {}",
                block.header.number, head.hash
            )));
        }
        let writer = self.store.write()?;
        writer.insert_block(
            &block.header,
            block.hash,
            &block.transactions,
            &block.tx_hashes,
            &block.senders,
            &block.receipts,
        )?;
        let changes = &executed.changes;
        writer.apply_state(block.header.number, &changes.accounts, &changes.slots)?;
        for (hash, code) in &changes.codes {
            writer.insert_code(hash, code)?;
        }
        writer.insert_trie_nodes(&changes.trie_nodes)?;
        if let Some(origin) = &executed.l1_origin {
            writer.set_l1_origin(&origin.to_bytes())?;
        }
        writer.set_head(block.header.number)?;
        writer.commit()?;
        self.nodes.extend(&changes.trie_nodes);
        *self.head.write() = SealedHeader { header: block.header.clone(), hash: block.hash };
        let mut overrides = self.overrides.write();
        if Arc::ptr_eq(&overrides, applied) && !applied.is_empty() {
            *overrides = Arc::default();
        }
        Ok(())
    }

    /// Removes every block above `target` and restores its state; the head becomes `target`.
    pub fn unwind_to(&self, target: u64) -> Result<(), ChainError> {
        let head = self.head();
        if target >= head.header.number {
            return Ok(());
        }
        let writer = self.store.write()?;
        writer.unwind_to(head.header.number, target)?;
        writer.commit()?;
        let header = self
            .store
            .read()?
            .header(target)?
            .ok_or_else(|| ChainError::UnknownBlock(target.to_string()))?;
        *self.head.write() = SealedHeader { hash: header.hash_slow(), header };
        Ok(())
    }
}

/// Computes the genesis block and its state and writes them as block 0.
fn write_genesis(
    store: &Store,
    genesis: &Genesis,
    rules: &str,
) -> Result<SealedHeader, ChainError> {
    let reader = store.read()?;
    let mut alloc = DevOverrides::default();
    for (address, account) in &genesis.alloc {
        alloc.accounts.insert(
            *address,
            AccountPatch {
                balance: Some(account.balance),
                nonce: Some(account.nonce.unwrap_or_default()),
                code: account.code.clone(),
            },
        );
        for (slot, value) in account.storage.iter().flatten() {
            alloc.storage.insert((*address, *slot), U256::from_be_bytes(value.0));
        }
    }
    let reader = Arc::new(reader);
    let mut state = BlockState::new(StateDb::head(reader.clone(), None));
    state.apply_overrides(&alloc)?;
    let (state_root, changes) =
        compute_state_changes(&state, &StoreNodes(&reader), EMPTY_ROOT_HASH)?;
    let header = Header {
        state_root,
        transactions_root: EMPTY_ROOT_HASH,
        receipts_root: EMPTY_ROOT_HASH,
        gas_limit: genesis.gas_limit,
        timestamp: genesis.timestamp,
        extra_data: genesis.extra_data.clone(),
        mix_hash: genesis.mix_hash,
        nonce: B64::from(genesis.nonce),
        difficulty: genesis.difficulty,
        beneficiary: genesis.coinbase,
        base_fee_per_gas: genesis.base_fee_per_gas.map(|fee| fee as u64),
        withdrawals_root: Some(EMPTY_ROOT_HASH),
        blob_gas_used: Some(0),
        excess_blob_gas: Some(0),
        parent_beacon_block_root: Some(B256::ZERO),
        requests_hash: Some(EMPTY_REQUESTS_HASH),
        ..Default::default()
    };
    let hash = header.hash_slow();
    let writer = store.write()?;
    writer.insert_block(&header, hash, &[], &[], &[], &[])?;
    writer.apply_state(0, &changes.accounts, &changes.slots)?;
    for (code_hash, code) in &changes.codes {
        writer.insert_code(code_hash, code)?;
    }
    writer.insert_trie_nodes(&changes.trie_nodes)?;
    writer.set_head(0)?;
    writer.set_rules(rules)?;
    writer.commit()?;
    info!(target: "tephra::chain", %hash, %state_root, accounts = changes.accounts.len(), "wrote genesis");
    Ok(SealedHeader { header, hash })
}

/// A block's state writes as overrides of its parent's state: every changed account's fields
/// (a removed one reads as empty) and every changed slot (the wiped ones of a destroyed or
/// re-created account included).
fn pending_writes(
    reader: &StoreReader,
    changes: &StateChanges,
) -> Result<DevOverrides, ChainError> {
    let mut writes = DevOverrides::default();
    for change in &changes.accounts {
        let before = change.before.as_ref().map_or(KECCAK_EMPTY, |account| account.code_hash);
        let after = change.after.unwrap_or_default();
        let code_hash = if change.after.is_some() { after.code_hash } else { KECCAK_EMPTY };
        let code = match code_hash {
            hash if hash == before => None,
            hash if hash == KECCAK_EMPTY => Some(Bytes::new()),
            hash => Some(match changes.codes.iter().find(|(deployed, _)| *deployed == hash) {
                Some((_, code)) => code.clone(),
                None => reader.code(&hash)?.ok_or(ChainError::MissingCode(hash))?,
            }),
        };
        let patch = AccountPatch { balance: Some(after.balance), nonce: Some(after.nonce), code };
        writes.accounts.insert(change.address, patch);
    }
    for slot in &changes.slots {
        writes.storage.insert((slot.address, slot.slot), slot.after);
    }
    Ok(writes)
}
