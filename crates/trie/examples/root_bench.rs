//! State-root benchmark: a trie of 1,000,000 accounts in a `HashMap` node store, then blocks of
//! "update 1,000 random existing accounts, commit".
//!
//! Run with `cargo run -p tephra-trie --release --example root_bench [accounts] [updates]
//! [blocks]`. It prints the build time, then the median time of `update` + `commit` per block
//! for a long-lived trie (kept open across blocks, as a node keeps its state trie) and for a
//! trie reopened from the store at each block (every touched node loaded and decoded first).
//! Writing the new nodes to the store is timed apart: that cost belongs to the storage layer.

use alloy_primitives::{B256, U256, keccak256};
use std::{
    collections::HashMap,
    time::{Duration, Instant},
};
use tephra_trie::{EMPTY_ROOT_HASH, Trie};

type Store = HashMap<B256, Vec<u8>>;

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<u64>().expect("a number"));
    let accounts = args.next().unwrap_or(1_000_000);
    let updates = args.next().unwrap_or(1_000);
    let blocks = args.next().unwrap_or(5);

    let start = Instant::now();
    let mut trie = Trie::new(Store::new(), EMPTY_ROOT_HASH);
    for i in 0..accounts {
        trie.insert(key(i), account(i, 0)).expect("in-memory trie");
    }
    let inserted = start.elapsed();
    let commit = trie.commit().expect("in-memory trie");
    let committed = start.elapsed();
    let stored = commit.nodes.len();
    let mut root = commit.root;
    trie.store_mut().extend(commit.nodes);
    println!(
        "build: {accounts} accounts in {:.2?} (inserts {inserted:.2?}, commit {:.2?}, store \
         writes {:.2?}), {stored} nodes, root {root}",
        start.elapsed(),
        committed - inserted,
        start.elapsed() - committed,
    );

    let mut rng = SplitMix(0x7e9a);
    let mut version = 0;
    let mut block = |trie: &mut Trie<Store>| {
        version += 1;
        let mut changes: Vec<_> = (0..updates)
            .map(|_| {
                let i = rng.next() % accounts;
                (key(i), Some(account(i, version)))
            })
            .collect();
        changes.sort_unstable_by_key(|(k, _)| *k);

        let start = Instant::now();
        trie.update(changes).expect("in-memory trie");
        let updated = start.elapsed();
        let commit = trie.commit().expect("in-memory trie");
        let took = start.elapsed();
        let new_nodes = commit.nodes.len();
        trie.store_mut().extend(commit.nodes);
        let written = start.elapsed() - took;
        println!(
            "  block {version}: {took:.2?} (update {updated:.2?}, commit {:.2?}), {new_nodes} new \
             nodes, store writes {written:.2?}",
            took - updated
        );
        (took, commit.root)
    };

    println!("long-lived trie:");
    let mut warm = Vec::new();
    for _ in 0..blocks {
        let (took, new_root) = block(&mut trie);
        root = new_root;
        warm.push(took);
    }
    println!("reopened from the store at each block:");
    let mut cold = Vec::new();
    for _ in 0..blocks {
        trie = Trie::new(trie.into_store(), root);
        let (took, new_root) = block(&mut trie);
        root = new_root;
        cold.push(took);
    }

    println!("update {updates} accounts + commit, median of {blocks} blocks:");
    println!("  long-lived trie:         {:.2?}", median(warm));
    println!("  reopened from the store: {:.2?}", median(cold));
}

fn key(i: u64) -> B256 {
    keccak256(U256::from(i).to_be_bytes::<32>())
}

/// 70 bytes shaped like an account's RLP: nonce, balance, storage root, code hash.
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
