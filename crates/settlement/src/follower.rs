//! The L1 follower: turns each new L1 block into the inputs of a rollup block (its origin, and
//! the deposits its logs bring) and hands them to the rollup's sequencer.

use crate::{Contracts, L1Client, Settlement, SettlementError};
use futures::future::BoxFuture;
use std::{sync::Arc, time::Duration};
use tephra_chain::{Chain, L1Inputs};
use tephra_node::L1Feed;
use tracing::{debug, warn};

/// How far the follower reads ahead of the rollup's committed origin, in L1 blocks.
pub const READ_AHEAD: u64 = 32;
/// How often it asks the L1 for a new block.
pub const POLL: Duration = Duration::from_millis(100);

/// Follows the L1 of `client` for the rollup `chain`, from the L1 block after its committed
/// origin (or from `start_block` for a rollup that has none yet), forever. L1 errors are
/// logged and retried: the rollup keeps producing blocks on its last origin meanwhile.
pub fn follow(
    client: L1Client,
    settlement: Arc<dyn Settlement>,
    contracts: Contracts,
    chain: Arc<Chain>,
    start_block: u64,
    feed: Arc<L1Feed>,
) -> BoxFuture<'static, ()> {
    Box::pin(async move {
        let sources = settlement.deposit_sources(&contracts);
        let mut next = None;
        loop {
            match step(&client, &*settlement, &chain, &sources, start_block, &feed, &mut next).await
            {
                Ok(true) => continue,
                Ok(false) => tokio::time::sleep(POLL).await,
                Err(err) => {
                    warn!(target: "tephra::follower", rollup = chain.spec().chain_id, %err, "following the L1");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    })
}

/// Delivers the next L1 block if there is one; `Ok(false)` when there is nothing to do.
async fn step(
    client: &L1Client,
    settlement: &dyn Settlement,
    chain: &Chain,
    sources: &[alloy_primitives::Address],
    start_block: u64,
    feed: &L1Feed,
    next: &mut Option<u64>,
) -> Result<bool, SettlementError> {
    let committed = chain.l1_origin()?.map(|origin| origin.number);
    let number = match (*next, committed) {
        // Resume after the committed origin, whatever was read ahead before a restart.
        (None, Some(committed)) => committed + 1,
        (None, None) => start_block,
        (Some(next), _) => next,
    };
    if number > committed.unwrap_or(start_block) + READ_AHEAD {
        return Ok(false);
    }
    let Some(origin) = client.origin(number).await? else { return Ok(false) };
    let logs = client.logs(number, sources.to_vec()).await?;
    let deposits = settlement.deposits(&origin, &logs)?;
    debug!(target: "tephra::follower", l1 = number, deposits = deposits.len(), "L1 block");
    feed.push(L1Inputs { origin, deposits });
    *next = Some(number + 1);
    Ok(true)
}
