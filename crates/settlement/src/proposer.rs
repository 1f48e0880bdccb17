//! The proposer: records the rollup's state commitments on its L1.

use crate::{Contracts, L1Call, L1Client, Outgoing, Settlement, SettlementError};
use alloy_sol_types::{SolCall, sol};
use futures::future::BoxFuture;
use std::{sync::Arc, time::Duration};
use tephra_chain::Chain;
use tracing::{info, warn};

sol! {
    function latestL2BlockNumber() external view returns (uint256);
}

/// How often a proposer proposes the head's commitment.
pub const INTERVAL: Duration = Duration::from_secs(1);

/// L2 blocks between two proposals of a rollup with blocks every `block_time_ms` (at least 1).
pub fn blocks_per_proposal(block_time_ms: u64) -> u64 {
    (INTERVAL.as_millis() as u64 / block_time_ms.max(1)).max(1)
}

/// Every `interval`, proposes the commitments [`Settlement::proposed_blocks`] names (the
/// head's, at least) if the head moved since the last proposal (read from the core at start, so a restarted proposer goes on where the L1 is),
/// forever; `client` signs with the proposer key. L1 errors are logged and retried.
pub fn propose(
    client: L1Client,
    settlement: Arc<dyn Settlement>,
    contracts: Contracts,
    chain: Arc<Chain>,
    interval: Duration,
) -> BoxFuture<'static, ()> {
    Box::pin(async move {
        let mut proposed = None;
        loop {
            tokio::time::sleep(interval).await;
            if let Err(err) = step(&client, &*settlement, &contracts, &chain, &mut proposed).await {
                warn!(target: "tephra::proposer", rollup = chain.spec().chain_id, %err, "proposing");
            }
        }
    })
}

async fn step(
    client: &L1Client,
    settlement: &dyn Settlement,
    contracts: &Contracts,
    chain: &Chain,
    proposed: &mut Option<u64>,
) -> Result<(), SettlementError> {
    let last = match *proposed {
        Some(last) => last,
        None => latest_proposed(client, contracts).await?,
    };
    let head = chain.head().header.number;
    if head <= last {
        *proposed = Some(last);
        return Ok(());
    }
    // Every proposal goes out at once, with consecutive nonces, then all are awaited.
    let blocks = settlement.proposed_blocks(chain, last, head)?;
    let nonce = client.nonce(client.address()).await?;
    let mut sent = Vec::with_capacity(blocks.len());
    for (nonce, number) in (nonce..).zip(&blocks) {
        let (to, data) = settlement.proposal(chain, contracts, *number)?;
        let what = format!("proposal of block {number}");
        let tx = Outgoing { what, to: Some(to), data, nonce, ..Outgoing::default() };
        let hash = client.submit(&tx).await?;
        sent.push((*number, tx, hash));
    }
    for (number, tx, hash) in sent {
        client.confirm(&tx, hash).await?;
        info!(target: "tephra::proposer", rollup = chain.spec().chain_id, block = number, "proposed");
        *proposed = Some(number);
    }
    Ok(())
}

/// The L2 block of the core's latest commitment (0 before any).
pub fn latest_proposed<'a>(client: &'a L1Client, contracts: &'a Contracts) -> L1Call<'a, u64> {
    Box::pin(async move {
        let output = client
            .call(contracts["RollupCore"], latestL2BlockNumberCall {}.abi_encode().into())
            .await?;
        let latest = latestL2BlockNumberCall::abi_decode_returns(&output).map_err(|err| {
            SettlementError::L1 { url: client.url().to_string(), reason: err.to_string() }
        })?;
        Ok(latest.saturating_to())
    })
}
