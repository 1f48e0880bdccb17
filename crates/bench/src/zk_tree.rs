//! `tephra bench zk-tree`: the cost of one block's update of ZKsync OS's state tree (what
//! `zks_getProof` proves) in a large tree, through the tree's own path (new leaves linked in,
//! the changed paths rehashed, one redb commit per block; the sync that makes a catch-up of
//! blocks durable is not timed). The baseline, from the same run, is
//! the final tree's root computed from scratch in memory from its leaves, which must agree.

use crate::{BenchError, RootCostReport};
use alloy_primitives::{B256, U256};
use std::{collections::BTreeMap, time::Instant};
use tephra_frameworks::zk_stack::tree::{Leaf, StateTree, blake2s, root_from_scratch};

fn key(i: usize) -> B256 {
    blake2s(&[&(i as u64).to_be_bytes()])
}

/// The leaves in index order as the tree lays them out: each block's new keys appended in key
/// order after the guards.
struct Layout {
    keys: Vec<B256>,
    values: Vec<B256>,
    index: BTreeMap<B256, usize>,
}

impl Layout {
    fn new() -> Self {
        let guards = [B256::ZERO, B256::repeat_byte(0xff)];
        Self {
            keys: guards.to_vec(),
            values: vec![B256::ZERO; 2],
            index: guards.into_iter().zip(0..).collect(),
        }
    }

    /// Applies a block's writes, returning them as the tree takes them.
    fn write(&mut self, mut writes: Vec<(B256, B256)>) -> Vec<(B256, B256)> {
        writes.sort();
        for (key, value) in &writes {
            match self.index.get(key) {
                Some(&at) => self.values[at] = *value,
                None => {
                    self.index.insert(*key, self.keys.len());
                    self.keys.push(*key);
                    self.values.push(*value);
                }
            }
        }
        writes
    }

    /// The root from scratch: each leaf's next index from the key order, then the levels.
    fn root(&self) -> B256 {
        let mut next = vec![1u64; self.keys.len()];
        let order: Vec<usize> = self.index.values().copied().collect();
        for pair in order.windows(2) {
            next[pair[0]] = pair[1] as u64;
        }
        root_from_scratch(
            (0..self.keys.len())
                .map(|i| Leaf { key: self.keys[i], value: self.values[i], next: next[i] }.hash())
                .collect(),
        )
    }
}

/// Builds a tree of `leaves` keys, then `rounds` times applies a block writing `touched` keys
/// (half of them existing, half new) and times it.
pub fn zk_tree_cost(
    leaves: usize,
    touched: usize,
    rounds: usize,
) -> Result<RootCostReport, BenchError> {
    let tree_error = |err: tephra_frameworks::zk_stack::tree::TreeError| {
        BenchError::Node(format!("zk state tree: {err}"))
    };
    if leaves == 0 {
        return Err(BenchError::Node("the zk-tree bench needs at least one leaf".into()));
    }
    let dir = tempfile::tempdir().map_err(|err| BenchError::Node(err.to_string()))?;
    let tree = StateTree::open(&dir.path().join("tree.redb")).map_err(tree_error)?;
    let mut layout = Layout::new();
    let started = Instant::now();
    let mut version = 0;
    for start in (0..leaves).step_by(100_000) {
        let writes = (start..(start + 100_000).min(leaves))
            .map(|i| (key(i), B256::from(U256::from(i))))
            .collect();
        tree.apply(version, B256::ZERO, layout.write(writes)).map_err(tree_error)?;
        version += 1;
    }
    tree.persist().map_err(tree_error)?;
    let build_seconds = started.elapsed().as_secs_f64();
    let mut samples = Vec::with_capacity(rounds);
    let mut fresh = leaves;
    for round in 0..rounds {
        let mut writes: Vec<(B256, B256)> = (0..touched / 2)
            .map(|k| (key((round * 7919 + k * 997) % leaves), B256::from(U256::from(round + k))))
            .collect();
        writes
            .extend((fresh..fresh + touched - touched / 2).map(|i| (key(i), B256::repeat_byte(1))));
        fresh += touched - touched / 2;
        let writes = layout.write(writes);
        let timer = Instant::now();
        tree.apply(version, B256::ZERO, writes).map_err(tree_error)?;
        samples.push(timer.elapsed().as_secs_f64());
        tree.persist().map_err(tree_error)?;
        version += 1;
    }
    let root = tree.latest().map_err(tree_error)?.map(|(_, info)| info.root).unwrap_or_default();
    let started = Instant::now();
    let scratch = layout.root();
    let from_scratch_seconds = started.elapsed().as_secs_f64();
    if scratch != root {
        return Err(BenchError::Node(format!(
            "incremental root {root} differs from the root computed from scratch {scratch}"
        )));
    }
    Ok(RootCostReport { size: leaves, touched, build_seconds, samples, from_scratch_seconds })
}

#[cfg(test)]
mod tests {
    /// The tree's incremental root equals the one computed from its leaves, on a small tree
    /// with updates and inserts in every block.
    #[test]
    fn incremental_root_matches_the_root_from_scratch() {
        let report = super::zk_tree_cost(1_000, 100, 3).unwrap();
        assert_eq!(report.samples.len(), 3);
    }
}
