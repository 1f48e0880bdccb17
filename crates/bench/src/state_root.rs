//! `tephra bench state-root`: the cost of a block's state root in a large state, through the
//! chain's own path (tracked changes -> storage and account trie updates -> root) over a redb
//! store and the node cache the chain uses. The baseline, from the same run, is the root of the
//! final state computed from scratch with alloy-trie's `HashBuilder`, which must agree.

use crate::{BenchError, RootCostReport};
use alloy_primitives::{Address, B256, U256, keccak256};
use alloy_trie::{HashBuilder, Nibbles, TrieAccount};
use std::{sync::Arc, time::Instant};
use tephra_chain::{
    BlockState, CachedNodes, DevOverrides, NODE_CACHE_CAPACITY, NodeCache, StateDb,
    compute_state_changes,
};
use tephra_storage::Store;
use tephra_trie::EMPTY_ROOT_HASH;

fn address(i: usize) -> Address {
    Address::from_word(keccak256((i as u64).to_be_bytes()))
}

/// Builds a state of `accounts` funded accounts, then `rounds` times changes the balance of
/// `touched` of them and times the new state root (the changes are committed between rounds,
/// as blocks would be).
pub fn state_root_cost(
    accounts: usize,
    touched: usize,
    rounds: usize,
) -> Result<RootCostReport, BenchError> {
    let dir = tempfile::tempdir().map_err(|err| BenchError::Node(err.to_string()))?;
    let store = Store::open(&dir.path().join("state.redb"))?;
    let cache = NodeCache::new(NODE_CACHE_CAPACITY);
    let mut root = EMPTY_ROOT_HASH;
    let started = Instant::now();
    // Build the state in slices so that no single transaction holds everything.
    for (slice, start) in (0..accounts).step_by(100_000).enumerate() {
        let mut overrides = DevOverrides::default();
        for i in start..(start + 100_000).min(accounts) {
            overrides.accounts.entry(address(i)).or_default().balance =
                Some(U256::from(1_000_000u64 + i as u64));
        }
        root = commit(&store, &cache, slice as u64, root, &overrides)?;
    }
    let build_seconds = started.elapsed().as_secs_f64();
    let mut balances: Vec<U256> = (0..accounts).map(|i| U256::from(1_000_000 + i)).collect();
    let mut samples = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let mut overrides = DevOverrides::default();
        for k in 0..touched {
            let i = (round * 7919 + k * 997) % accounts;
            balances[i] = U256::from(round + k);
            overrides.accounts.entry(address(i)).or_default().balance = Some(balances[i]);
        }
        let reader = Arc::new(store.read()?);
        let mut state = BlockState::new(StateDb::head(reader.clone(), None));
        state.apply_overrides(&overrides)?;
        let timer = Instant::now();
        let nodes = CachedNodes { reader: &reader, cache: &cache };
        let (new_root, _) = compute_state_changes(&state, &nodes, root)?;
        samples.push(timer.elapsed().as_secs_f64());
        root = commit(&store, &cache, 1_000 + round as u64, root, &overrides)?;
        if root != new_root {
            return Err(BenchError::Node(format!(
                "measured root {new_root} differs from committed {root}"
            )));
        }
    }
    let started = Instant::now();
    let scratch = from_scratch_root(&balances);
    let from_scratch_seconds = started.elapsed().as_secs_f64();
    if scratch != root {
        return Err(BenchError::Node(format!(
            "incremental root {root} differs from the root computed from scratch {scratch}"
        )));
    }
    Ok(RootCostReport { size: accounts, touched, build_seconds, samples, from_scratch_seconds })
}

/// The state root of accounts `0..balances.len()` (no code, no storage) computed from scratch.
fn from_scratch_root(balances: &[U256]) -> B256 {
    let mut leaves: Vec<(B256, Vec<u8>)> = balances
        .iter()
        .enumerate()
        .map(|(i, balance)| {
            let account = TrieAccount { balance: *balance, ..TrieAccount::default() };
            (keccak256(address(i)), alloy_rlp::encode(account))
        })
        .collect();
    leaves.sort_unstable_by_key(|(key, _)| *key);
    let mut builder = HashBuilder::default();
    for (key, leaf) in &leaves {
        builder.add_leaf(Nibbles::unpack(key), leaf);
    }
    builder.root()
}

fn commit(
    store: &Store,
    cache: &NodeCache,
    block: u64,
    root: B256,
    overrides: &DevOverrides,
) -> Result<B256, BenchError> {
    let reader = Arc::new(store.read()?);
    let mut state = BlockState::new(StateDb::head(reader.clone(), None));
    state.apply_overrides(overrides)?;
    let nodes = CachedNodes { reader: &reader, cache };
    let (root, changes) = compute_state_changes(&state, &nodes, root)?;
    let writer = store.write()?;
    writer.apply_state(block, &changes.accounts, &changes.slots)?;
    writer.insert_trie_nodes(&changes.trie_nodes)?;
    writer.commit()?;
    cache.extend(&changes.trie_nodes);
    Ok(root)
}
