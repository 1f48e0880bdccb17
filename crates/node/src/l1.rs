//! The L1 blocks a rollup's sequencer derives its blocks from.

use parking_lot::Mutex;
use std::collections::BTreeMap;
use tephra_chain::{L1Inputs, L1Origin};

/// L1 blocks waiting to become a rollup block's origin, as the rollup's L1 follower
/// (`tephra-settlement`) delivers them, each with the deposits derived from it.
///
/// The sequencer takes one L1 block per rollup block, in order, and only once the rollup block
/// is not older than it. An L1 block leaves the feed only after a committed rollup block has
/// it as origin, so a block that fails to build or commit loses no deposit.
#[derive(Debug, Default)]
pub struct L1Feed {
    blocks: Mutex<BTreeMap<u64, L1Inputs>>,
}

impl L1Feed {
    /// Adds an L1 block (replacing one of the same number, if the follower saw it again).
    pub fn push(&self, inputs: L1Inputs) {
        self.blocks.lock().insert(inputs.origin.number, inputs);
    }

    /// Number of L1 blocks not yet taken as an origin.
    pub fn len(&self) -> usize {
        self.blocks.lock().len()
    }

    /// Whether every delivered L1 block was taken.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The inputs of the next rollup block, at `timestamp`, on a head whose origin is
    /// `current`: the next L1 block if it is here and not later than `timestamp`, else
    /// `current` again with no deposits. `None` before the first L1 block arrives.
    pub fn next(&self, current: Option<&L1Origin>, timestamp: u64) -> Option<L1Inputs> {
        let mut blocks = self.blocks.lock();
        if let Some(current) = current {
            // Blocks at or below the committed origin are done with.
            *blocks = blocks.split_off(&(current.number + 1));
        }
        let next = match current {
            Some(current) => blocks.get(&(current.number + 1)),
            None => blocks.values().next(),
        };
        match next {
            Some(inputs) if inputs.origin.timestamp <= timestamp => Some(inputs.clone()),
            _ => current.map(|origin| L1Inputs { origin: origin.clone(), deposits: Vec::new() }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::B256;

    fn origin(number: u64, timestamp: u64) -> L1Origin {
        L1Origin {
            number,
            hash: B256::with_last_byte(number as u8),
            timestamp,
            base_fee: 7,
            blob_base_fee: 1,
        }
    }

    fn inputs(number: u64, timestamp: u64) -> L1Inputs {
        L1Inputs { origin: origin(number, timestamp), deposits: Vec::new() }
    }

    #[test]
    fn takes_l1_blocks_in_order_once_their_time_has_come() {
        let feed = L1Feed::default();
        assert!(feed.next(None, 100).is_none());
        feed.push(inputs(5, 100));
        feed.push(inputs(6, 101));
        feed.push(inputs(8, 103));
        assert_eq!(feed.next(None, 100).unwrap().origin, origin(5, 100));
        // Not committed yet: offered again.
        assert_eq!(feed.next(None, 100).unwrap().origin, origin(5, 100));
        // 6 is newer than the rollup block: keep 5.
        assert_eq!(feed.next(Some(&origin(5, 100)), 100).unwrap().origin, origin(5, 100));
        assert_eq!(feed.len(), 2);
        assert_eq!(feed.next(Some(&origin(5, 100)), 101).unwrap().origin, origin(6, 101));
        // 7 has not arrived: 8 waits, 6 stays the origin.
        assert_eq!(feed.next(Some(&origin(6, 101)), 110).unwrap().origin, origin(6, 101));
        assert_eq!(feed.len(), 1);
    }
}
