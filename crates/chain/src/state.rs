//! State as revm reads it: [`StateDb`] over the store at a block, and [`BlockState`], the
//! in-memory layer that collects one block's (or one call's) changes on top of it. A
//! [`BlockState`] sits on a [`BaseState`]: the store, or an execution witness for a stateless
//! re-execution ([`WitnessState`]).

use crate::{ChainError, stateless::WitnessState};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256, map::HashMap};
use alloy_trie::EMPTY_ROOT_HASH;
use revm::primitives::KECCAK_EMPTY;
use revm::{
    Database, DatabaseCommit, DatabaseRef,
    bytecode::Bytecode,
    state::{Account, AccountInfo},
};
use std::{collections::BTreeMap, sync::Arc};
use tephra_storage::StoreReader;

/// Dev-mode state edits (`anvil_setBalance` & co.) made since the last block. Reads of the
/// head state see them at once; the next block applies them first, so they enter its state
/// root like any other change.
#[derive(Debug, Clone, Default)]
pub struct DevOverrides {
    /// Account fields to replace.
    pub accounts: HashMap<Address, AccountPatch>,
    /// Storage slots to replace.
    pub storage: HashMap<(Address, B256), U256>,
}

/// Replacement account fields; `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct AccountPatch {
    /// New balance.
    pub balance: Option<U256>,
    /// New nonce.
    pub nonce: Option<u64>,
    /// New code.
    pub code: Option<Bytes>,
}

impl DevOverrides {
    /// True when there is nothing to apply.
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty() && self.storage.is_empty()
    }

    fn patch(&self, address: &Address, info: Option<AccountInfo>) -> Option<AccountInfo> {
        match self.accounts.get(address) {
            Some(patch) => Some(patch.apply(info)),
            None => info,
        }
    }
}

impl AccountPatch {
    /// The account with this patch applied (a missing account is created). Patched code is
    /// carried in the returned info, so readers never look it up by hash.
    pub fn apply(&self, info: Option<AccountInfo>) -> AccountInfo {
        let mut info = info.unwrap_or_default();
        if let Some(balance) = self.balance {
            info.balance = balance;
        }
        if let Some(nonce) = self.nonce {
            info.nonce = nonce;
        }
        if let Some(code) = &self.code {
            info.code_hash = if code.is_empty() { KECCAK_EMPTY } else { keccak256(code) };
            // `AccountInfo::default()` carries empty code: replace it, or revm runs that.
            info.code = Some(Bytecode::new_raw(code.clone()));
        }
        info
    }
}

/// The state of the chain after a given block, read from the store. The head state may carry
/// [`DevOverrides`].
#[derive(Debug, Clone)]
pub struct StateDb {
    reader: Arc<StoreReader>,
    /// `None`: the head state (plain tables); `Some(n)`: history after block `n`.
    at: Option<u64>,
    pub(crate) overrides: Option<Arc<DevOverrides>>,
}

impl StateDb {
    /// The head state of `reader`, with the pending dev overrides.
    pub fn head(reader: Arc<StoreReader>, overrides: Option<Arc<DevOverrides>>) -> Self {
        Self { reader, at: None, overrides }
    }

    /// The state after block `number`, from the history tables.
    pub fn at(reader: Arc<StoreReader>, number: u64) -> Self {
        Self { reader, at: Some(number), overrides: None }
    }

    /// The store snapshot.
    pub fn reader(&self) -> &StoreReader {
        &self.reader
    }

    /// An account as revm reads it (dev overrides applied), with its storage root in the
    /// store (`EMPTY_ROOT_HASH` for an account the store does not have).
    pub fn account_and_root(
        &self,
        address: Address,
    ) -> Result<(Option<AccountInfo>, B256), ChainError> {
        let (info, root) = info_and_root(self.trie_account(&address)?);
        Ok(match &self.overrides {
            Some(overrides) => (overrides.patch(&address, info), root),
            None => (info, root),
        })
    }

    /// An account as the state trie holds it (without dev overrides).
    pub fn trie_account(
        &self,
        address: &Address,
    ) -> Result<Option<alloy_trie::TrieAccount>, ChainError> {
        Ok(match self.at {
            None => self.reader.account(address)?,
            Some(number) => self.reader.account_at(address, number)?,
        })
    }
}

impl DatabaseRef for StateDb {
    type Error = ChainError;

    fn basic_ref(&self, address: Address) -> Result<Option<AccountInfo>, Self::Error> {
        Ok(self.account_and_root(address)?.0)
    }

    fn code_by_hash_ref(&self, code_hash: B256) -> Result<Bytecode, Self::Error> {
        if code_hash == KECCAK_EMPTY {
            return Ok(Bytecode::default());
        }
        // Patched code never gets here: `basic_ref` returns it with the account.
        let code = self.reader.code(&code_hash)?.ok_or(ChainError::MissingCode(code_hash))?;
        Ok(Bytecode::new_raw(code))
    }

    fn storage_ref(&self, address: Address, index: U256) -> Result<U256, Self::Error> {
        let slot = B256::from(index);
        if let Some(value) = self.overrides.as_ref().and_then(|o| o.storage.get(&(address, slot))) {
            return Ok(*value);
        }
        Ok(match self.at {
            None => self.reader.storage(&address, &slot)?,
            Some(number) => self.reader.storage_at(&address, &slot, number)?,
        })
    }

    fn block_hash_ref(&self, number: u64) -> Result<B256, Self::Error> {
        Ok(self.reader.header(number)?.map(|header| header.hash_slow()).unwrap_or_default())
    }
}

/// The state a [`BlockState`] reads what it has not seen yet from: a closed set of two, so a
/// `match` rather than dynamic dispatch on every first read of an account or slot.
#[derive(Debug, Clone)]
pub enum BaseState {
    /// The store at a block ([`StateDb`]): building, replaying and calling.
    Store(StateDb),
    /// An execution witness against a trusted parent state root: verifying a block statelessly.
    Witness(Arc<WitnessState>),
}

impl From<StateDb> for BaseState {
    fn from(state: StateDb) -> Self {
        Self::Store(state)
    }
}

impl From<Arc<WitnessState>> for BaseState {
    fn from(state: Arc<WitnessState>) -> Self {
        Self::Witness(state)
    }
}

impl BaseState {
    /// An account as revm reads it, with its storage root (`EMPTY_ROOT_HASH` for an absent
    /// account).
    pub fn account_and_root(
        &self,
        address: Address,
    ) -> Result<(Option<AccountInfo>, B256), ChainError> {
        match self {
            Self::Store(state) => state.account_and_root(address),
            Self::Witness(state) => state.account_and_root(address),
        }
    }

    /// A slot of `address`, whose storage root in this state is `storage_root` (as
    /// [`BaseState::account_and_root`] returned it).
    pub fn storage(
        &self,
        address: Address,
        storage_root: B256,
        index: U256,
    ) -> Result<U256, ChainError> {
        match self {
            Self::Store(state) => state.storage_ref(address, index),
            Self::Witness(state) => state.storage(address, storage_root, index),
        }
    }

    /// The bytecode with `code_hash`.
    pub fn code(&self, code_hash: B256) -> Result<Bytecode, ChainError> {
        match self {
            Self::Store(state) => state.code_by_hash_ref(code_hash),
            Self::Witness(state) => state.code(code_hash),
        }
    }

    /// The hash of block `number`.
    pub fn block_hash(&self, number: u64) -> Result<B256, ChainError> {
        match self {
            Self::Store(state) => state.block_hash_ref(number),
            Self::Witness(state) => state.block_hash(number),
        }
    }

    /// Whether dev overrides are layered on this state.
    pub fn has_overrides(&self) -> bool {
        matches!(self, Self::Store(state) if state.overrides.is_some())
    }

    /// Every stored slot of `address`, for the changes of a block that wipes its storage. A
    /// witness holds only the paths a block read, so over one this is empty: the new storage
    /// root does not need them (a wiped trie restarts empty), only the store's change sets do,
    /// and a stateless re-execution writes none.
    pub(crate) fn stored_slots(&self, address: &Address) -> Result<Vec<(B256, U256)>, ChainError> {
        match self {
            Self::Store(state) => Ok(state.reader().storage_slots(address)?),
            Self::Witness(_) => Ok(Vec::new()),
        }
    }
}

/// One account as a block saw it: its value before the block and now, and the slots touched.
#[derive(Debug, Clone)]
pub struct TrackedAccount {
    /// Before the block (`None`: did not exist).
    pub original: Option<AccountInfo>,
    /// The storage root before the block, as the base state's store holds it.
    pub original_storage_root: B256,
    /// Now (`None`: does not exist, or was destroyed).
    pub current: Option<AccountInfo>,
    /// Slots read or written: `slot -> (before, now)`.
    pub storage: BTreeMap<U256, (U256, U256)>,
    /// The account's stored storage was wiped (self-destructed or re-created) in this block:
    /// slots not in `storage` read as zero.
    pub cleared: bool,
}

impl TrackedAccount {
    /// True when the block changed this account or any of its slots.
    pub fn is_changed(&self) -> bool {
        let info_changed = match (&self.original, &self.current) {
            (None, None) => false,
            (Some(a), Some(b)) => {
                a.nonce != b.nonce || a.balance != b.balance || a.code_hash != b.code_hash
            }
            _ => true,
        };
        info_changed || self.cleared || self.storage.values().any(|(before, now)| before != now)
    }
}

/// The changes of one block (or one call) over a base state, with everything it read: the
/// recorded accounts, slots, codes and block hashes are also what a stateless re-execution
/// needs.
#[derive(Debug)]
pub struct BlockState {
    base: BaseState,
    accounts: HashMap<Address, TrackedAccount>,
    codes: HashMap<B256, Bytecode>,
    block_hashes: BTreeMap<u64, B256>,
}

impl BlockState {
    /// An empty layer over `base` (a [`StateDb`] or a [`WitnessState`]).
    pub fn new(base: impl Into<BaseState>) -> Self {
        Self {
            base: base.into(),
            accounts: HashMap::default(),
            codes: HashMap::default(),
            block_hashes: BTreeMap::new(),
        }
    }

    /// The base state.
    pub fn base(&self) -> &BaseState {
        &self.base
    }

    /// Every account read or written, with its slots.
    pub fn accounts(&self) -> &HashMap<Address, TrackedAccount> {
        &self.accounts
    }

    /// Every bytecode read or deployed.
    pub fn codes(&self) -> &HashMap<B256, Bytecode> {
        &self.codes
    }

    /// Every block hash read (by `BLOCKHASH` or a system call).
    pub fn block_hashes(&self) -> &BTreeMap<u64, B256> {
        &self.block_hashes
    }

    fn tracked(&mut self, address: Address) -> Result<&mut TrackedAccount, ChainError> {
        if !self.accounts.contains_key(&address) {
            let (mut info, original_storage_root) = self.base.account_and_root(address)?;
            if let Some(info) = &mut info
                && let Some(code) = info.code.take()
            {
                self.codes.insert(info.code_hash, code);
            }
            self.accounts.insert(
                address,
                TrackedAccount {
                    original: info.clone(),
                    original_storage_root,
                    current: info,
                    storage: BTreeMap::new(),
                    cleared: false,
                },
            );
        }
        Ok(self.accounts.get_mut(&address).expect("inserted above"))
    }

    fn slot(&mut self, address: Address, index: U256) -> Result<&mut (U256, U256), ChainError> {
        let tracked = self.tracked(address)?;
        let (known, root) = (tracked.storage.contains_key(&index), tracked.original_storage_root);
        if !known {
            let before = self.base.storage(address, root, index)?;
            let account = self.accounts.get_mut(&address).expect("tracked above");
            let now = if account.cleared { U256::ZERO } else { before };
            account.storage.insert(index, (before, now));
        }
        Ok(self
            .accounts
            .get_mut(&address)
            .expect("tracked above")
            .storage
            .get_mut(&index)
            .expect("inserted above"))
    }

    /// Serves these block hashes instead of the base state's (block overrides of a call).
    pub fn insert_block_hashes(&mut self, hashes: BTreeMap<u64, B256>) {
        self.block_hashes.extend(hashes);
    }

    /// Applies dev overrides as the first change of the block.
    pub fn apply_overrides(&mut self, overrides: &DevOverrides) -> Result<(), ChainError> {
        for (address, patch) in &overrides.accounts {
            let account = self.tracked(*address)?;
            let info = patch.apply(account.current.take());
            let code = patch.code.as_ref().and_then(|_| Some((info.code_hash, info.code.clone()?)));
            account.current = Some(info);
            if let Some((hash, code)) = code {
                self.codes.insert(hash, code);
            }
        }
        for ((address, slot), value) in &overrides.storage {
            let account = self.tracked(*address)?;
            if account.current.is_none() {
                account.current = Some(AccountInfo::default());
            }
            self.slot(*address, (*slot).into())?.1 = *value;
        }
        Ok(())
    }
}

impl Database for BlockState {
    type Error = ChainError;

    fn basic(&mut self, address: Address) -> Result<Option<AccountInfo>, Self::Error> {
        Ok(self.tracked(address)?.current.clone())
    }

    fn code_by_hash(&mut self, code_hash: B256) -> Result<Bytecode, Self::Error> {
        if let Some(code) = self.codes.get(&code_hash) {
            return Ok(code.clone());
        }
        let code = self.base.code(code_hash)?;
        self.codes.insert(code_hash, code.clone());
        Ok(code)
    }

    fn storage(&mut self, address: Address, index: U256) -> Result<U256, Self::Error> {
        Ok(self.slot(address, index)?.1)
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, Self::Error> {
        if let Some(hash) = self.block_hashes.get(&number) {
            return Ok(*hash);
        }
        let hash = self.base.block_hash(number)?;
        self.block_hashes.insert(number, hash);
        Ok(hash)
    }
}

impl DatabaseCommit for BlockState {
    fn commit(&mut self, changes: revm::primitives::AddressMap<Account>) {
        for (address, account) in changes {
            if !account.is_touched() {
                continue;
            }
            // Every committed account was loaded through `basic` first, so it is tracked;
            // `or_insert_with` only guards the invariant without a fallible read.
            let tracked = self.accounts.entry(address).or_insert_with(|| TrackedAccount {
                original: None,
                original_storage_root: EMPTY_ROOT_HASH,
                current: None,
                storage: BTreeMap::new(),
                cleared: false,
            });
            if account.is_selfdestructed() {
                tracked.current = None;
                tracked.cleared = true;
                tracked.storage.values_mut().for_each(|(_, now)| *now = U256::ZERO);
                continue;
            }
            if account.is_created() {
                tracked.cleared = true;
                tracked.storage.values_mut().for_each(|(_, now)| *now = U256::ZERO);
            }
            for (index, slot) in &account.storage {
                if slot.is_changed() {
                    let entry =
                        tracked.storage.entry(*index).or_insert((slot.original_value, U256::ZERO));
                    entry.1 = slot.present_value;
                }
            }
            if account.is_empty() {
                // EIP-161: a touched empty account is removed.
                tracked.current = None;
                continue;
            }
            let mut info = account.info;
            if let Some(code) = info.code.take()
                && info.code_hash != KECCAK_EMPTY
            {
                self.codes.insert(info.code_hash, code);
            }
            tracked.current = Some(info);
        }
    }
}

/// An account of the trie as revm reads it, and its storage root (`EMPTY_ROOT_HASH` for none).
pub(crate) fn info_and_root(
    stored: Option<alloy_trie::TrieAccount>,
) -> (Option<AccountInfo>, B256) {
    let root = stored.as_ref().map_or(EMPTY_ROOT_HASH, |account| account.storage_root);
    let info = stored.map(|account| AccountInfo {
        balance: account.balance,
        nonce: account.nonce,
        code_hash: account.code_hash,
        account_id: None,
        code: None,
    });
    (info, root)
}
