//! State-root benchmark: a trie of 1,000,000 accounts in a `HashMap` node store, then rounds of
//! "update 1,000 random existing accounts, commit", as a block would.
//!
//! Run with `cargo run -p tephra-trie --release --example root_bench [accounts] [updates]`.
//! It reports the build time and the median update+commit time of a long-lived trie (kept open
//! across blocks, as the chain keeps it) and of a trie reopened from the store at each block
//! (every touched node loaded and decoded first).

use alloy_primitives::{B256, U256, keccak256};
use std::{
    collections::HashMap,
    time::{Duration, Instant},
};
use tephra_trie::{EMPTY_ROOT_HASH, Trie, TrieCommit};

type Store = HashMap<B256, Vec<u8>>;

const ROUNDS: usize = 40;

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<u64>().expect("a number"));
    let accounts = args.next().unwrap_or(1_000_000);
    let updates = args.next().unwrap_or(1_000) as usize;

    let start = Instant::now();
    let mut trie = Trie::new(Store::new(), EMPTY_ROOT_HASH);
    for i in 0..accounts {
        trie.insert(key(i), account(i, 0)).expect("in-memory trie");
    }
    let inserted = start.elapsed();
    let commit = trie.commit().expect("in-memory trie");
    let stored = commit.nodes.len();
    let mut root = commit.root;
    persist(&mut trie, commit);
    let built = start.elapsed();
    println!(
        "build: {accounts} accounts in {built:.2?} (inserts {inserted:.2?}, commit+store {:.2?}), \
         {stored} nodes stored, root {root}",
        built - inserted
    );

    let mut rng = SplitMix(0x7e9a);
    let mut block = |trie: &mut Trie<Store>, round: usize| {
        let mut changes: Vec<_> = (0..updates)
            .map(|_| {
                let i = rng.next() % accounts;
                (key(i), Some(account(i, round as u64 + 1)))
            })
            .collect();
        changes.sort_unstable_by_key(|(k, _)| *k);
        let start = Instant::now();
        trie.update(changes).expect("in-memory trie");
        let updated = start.elapsed();
        let commit = trie.commit().expect("in-memory trie");
        let took = start.elapsed();
        eprintln!("    update {updated:.2?} commit {:.2?}", took - updated);
        (took, commit)
    };

    let mut warm = Vec::new();
    for round in 0..ROUNDS {
        let (took, commit) = block(&mut trie, round);
        println!("  warm block {round}: {took:.2?}, {} new nodes", commit.nodes.len());
        root = commit.root;
        persist(&mut trie, commit);
        warm.push(took);
    }

    let mut cold = Vec::new();
    for round in ROUNDS..ROUNDS {
        trie = Trie::new(trie.into_store(), root);
        let (took, commit) = block(&mut trie, round);
        println!("  cold block {round}: {took:.2?}, {} new nodes", commit.nodes.len());
        root = commit.root;
        persist(&mut trie, commit);
        cold.push(took);
    }

    println!("update {updates} accounts + commit, median of {ROUNDS}:");
    println!("  long-lived trie:         {:.2?}", median(warm));
    println!("  reopened from the store: {:.2?}", median(cold));
    std::process::exit(0);
}

fn persist(trie: &mut Trie<Store>, commit: TrieCommit) {
    trie.store_mut().extend(commit.nodes);
}

fn key(i: u64) -> B256 {
    keccak256(U256::from(i).to_be_bytes::<32>())
}

/// About 70 bytes shaped like an account's RLP: nonce, balance, storage root, code hash.
fn account(i: u64, version: u64) -> Vec<u8> {
    let mut rlp = vec![0xf8, 0x44, 0x01, 0x88];
    rlp.extend((i ^ version << 48).to_be_bytes());
    rlp.push(0xa0);
    rlp.extend(EMPTY_ROOT_HASH);
    rlp.push(0xa0);
    rlp.extend(keccak256([]));
    rlp
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// A small deterministic generator, enough to pick accounts.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}
