//! `eth_subscribe` / `eth_unsubscribe` over WebSocket: `newHeads`, `logs` (with a filter) and
//! `newPendingTransactions` (hashes, or full transactions with `true`), plus the subscription
//! ids clients expect (`0x`-prefixed hex).

use crate::{
    context::{Module, RpcContext},
    convert::{BlockView, matching_logs, rpc_header, rpc_pending_transaction},
    error::EthError,
};
use alloy_rpc_types_eth::{
    Filter,
    pubsub::{Params, SubscriptionKind},
};
use jsonrpsee::{
    PendingSubscriptionSink, SubscriptionMessage, SubscriptionSink,
    core::{RegisterMethodError, traits::IdProvider},
    types::{ErrorObjectOwned, SubscriptionId},
};
use serde::Serialize;
use std::sync::Arc;
use tokio::sync::broadcast::{Receiver, error::RecvError};

/// Registers `eth_subscribe` and `eth_unsubscribe`.
pub(crate) fn register(module: &mut Module) -> Result<(), RegisterMethodError> {
    module.register_subscription(
        "eth_subscribe",
        "eth_subscription",
        "eth_unsubscribe",
        |params, pending, ctx, _| async move {
            let parsed = crate::context::Args::new(&params).and_then(|mut args| {
                let kind = args.req::<SubscriptionKind>()?;
                let extra = args.opt::<serde_json::Value>()?;
                let extra = match extra {
                    Some(value) => Params::from_json_value(value).map_err(|err| {
                        EthError::InvalidParams(format!("invalid argument 1: {err}"))
                    })?,
                    None => Params::None,
                };
                Ok((kind, extra))
            });
            match parsed {
                Ok((kind, extra)) => subscribe(ctx, pending, kind, extra).await,
                Err(err) => pending.reject(ErrorObjectOwned::from(err)).await,
            }
        },
    )?;
    Ok(())
}

async fn subscribe(
    ctx: Arc<RpcContext>,
    pending: PendingSubscriptionSink,
    kind: SubscriptionKind,
    params: Params,
) {
    match (kind, params) {
        (SubscriptionKind::NewHeads, Params::None) => {
            let blocks = ctx.node.subscribe_blocks();
            let Ok(sink) = pending.accept().await else { return };
            forward(sink, blocks, |block| vec![rpc_header(block.header.clone(), block.hash)]).await;
        }
        (SubscriptionKind::Logs, params) => {
            let filter = match params {
                Params::Logs(filter) => *filter,
                Params::None => Filter::default(),
                _ => return pending.reject(invalid("logs takes a filter object")).await,
            };
            let blocks = ctx.node.subscribe_blocks();
            let Ok(sink) = pending.accept().await else { return };
            forward(sink, blocks, move |block| {
                let view = BlockView {
                    header: &block.header,
                    hash: block.hash,
                    transactions: &block.transactions,
                    senders: &block.senders,
                    receipts: &block.receipts,
                };
                let mut logs = Vec::new();
                if filter.matches_bloom(block.header.logs_bloom) {
                    matching_logs(&view, &filter, &mut logs);
                }
                logs
            })
            .await;
        }
        (SubscriptionKind::NewPendingTransactions, params) => {
            let full = match params {
                Params::None => false,
                Params::Bool(full) => full,
                _ => {
                    return pending.reject(invalid("newPendingTransactions takes a boolean")).await;
                }
            };
            let hashes = ctx.node.pool().subscribe_pending();
            let Ok(sink) = pending.accept().await else { return };
            if full {
                let pool_ctx = ctx.clone();
                forward(sink, hashes, move |hash| {
                    let tx = pool_ctx.node.pool().get(hash);
                    tx.map(|tx| rpc_pending_transaction(tx.envelope().clone(), tx.sender()))
                        .into_iter()
                        .collect()
                })
                .await;
            } else {
                forward(sink, hashes, |hash| vec![*hash]).await;
            }
        }
        (SubscriptionKind::NewHeads, _) => {
            pending.reject(invalid("newHeads takes no parameters")).await
        }
        (other, _) => {
            let message = format!("no \"{other}\" subscription in eth namespace");
            pending.reject(ErrorObjectOwned::from(EthError::Unsupported(message))).await
        }
    }
}

fn invalid(message: &str) -> ErrorObjectOwned {
    EthError::InvalidParams(message.to_string()).into()
}

/// Sends what `render` makes of each event until the client unsubscribes or disconnects. A
/// subscriber that falls behind the channel skips what it missed rather than stalling the node.
async fn forward<E, T>(
    sink: SubscriptionSink,
    mut events: Receiver<E>,
    render: impl Fn(&E) -> Vec<T>,
) where
    E: Clone,
    T: Serialize,
{
    loop {
        let event = tokio::select! {
            _ = sink.closed() => return,
            event = events.recv() => event,
        };
        let event = match event {
            Ok(event) => event,
            Err(RecvError::Lagged(_)) => continue,
            Err(RecvError::Closed) => return,
        };
        for item in render(&event) {
            let Ok(json) = serde_json::value::to_raw_value(&item) else { continue };
            if sink.send(SubscriptionMessage::from(json)).await.is_err() {
                return;
            }
        }
    }
}

/// Subscription ids as geth writes them: 128 random bits in `0x`-prefixed hex, no leading zeros.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HexIdProvider;

impl IdProvider for HexIdProvider {
    fn next_id(&self) -> SubscriptionId<'static> {
        SubscriptionId::Str(format!("{:#x}", rand::random::<u128>()).into())
    }
}
