//! Log queries (`eth_getLogs`) and polled filters (`eth_newFilter`, `eth_newBlockFilter`,
//! `eth_newPendingTransactionFilter`, `eth_getFilterChanges`, `eth_getFilterLogs`,
//! `eth_uninstallFilter`). A filter unpolled for [`FILTER_TIMEOUT`] is dropped, as geth does.

use crate::{
    context::{Module, RpcContext, blocking, head_of, resolve_tag},
    convert::{Transaction, load_block, load_header, matching_logs},
    error::{EthError, EthResult},
};
use alloy_eips::BlockNumberOrTag;
use alloy_primitives::{B256, TxHash, U256};
use alloy_rpc_types_eth::{Filter, FilterBlockOption, FilterChanges, Log};
use jsonrpsee::core::RegisterMethodError;
use parking_lot::Mutex;
use std::{
    collections::HashMap,
    time::{Duration, Instant},
};
use tephra_storage::StoreReader;
use tokio::sync::broadcast::{self, error::TryRecvError};

/// How long a filter lives without being polled (geth's `deadline`).
pub const FILTER_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// What `eth_getFilterChanges` returns.
type Changes = FilterChanges<Transaction, Log>;

/// The installed filters of one server.
#[derive(Debug, Default)]
pub(crate) struct Filters {
    installed: Mutex<HashMap<U256, Installed>>,
}

#[derive(Debug)]
struct Installed {
    kind: FilterKind,
    polled: Instant,
}

#[derive(Debug)]
enum FilterKind {
    /// Logs of blocks from `next` on.
    Logs { filter: Box<Filter>, next: u64 },
    /// Hashes of blocks from `next` on.
    Blocks { next: u64 },
    /// Hashes of transactions pooled since the last poll.
    PendingTransactions { hashes: broadcast::Receiver<TxHash> },
}

impl Filters {
    fn install(&self, kind: FilterKind) -> U256 {
        let mut installed = self.installed.lock();
        installed.retain(|_, filter| filter.polled.elapsed() < FILTER_TIMEOUT);
        let id = loop {
            let id = U256::from(rand::random::<u128>());
            if !installed.contains_key(&id) {
                break id;
            }
        };
        installed.insert(id, Installed { kind, polled: Instant::now() });
        id
    }

    fn uninstall(&self, id: U256) -> bool {
        self.installed.lock().remove(&id).is_some()
    }

    /// Runs `f` on filter `id` (if it is alive), marking it polled.
    fn with<T>(&self, id: U256, f: impl FnOnce(&mut FilterKind) -> T) -> EthResult<T> {
        let mut installed = self.installed.lock();
        installed.retain(|_, filter| filter.polled.elapsed() < FILTER_TIMEOUT);
        let filter = installed.get_mut(&id).ok_or(EthError::FilterNotFound)?;
        filter.polled = Instant::now();
        Ok(f(&mut filter.kind))
    }
}

/// Registers the methods of this module.
pub(crate) fn register(module: &mut Module) -> Result<(), RegisterMethodError> {
    blocking(module, "eth_getLogs", |ctx, args| {
        let filter = args.req::<Filter>()?;
        get_logs(ctx, &*ctx.reader()?, &filter)
    })?;
    blocking(module, "eth_newFilter", |ctx, args| {
        let filter = Box::new(args.req::<Filter>()?);
        let next = head_of(&*ctx.reader()?)? + 1;
        Ok(ctx.filters.install(FilterKind::Logs { filter, next }))
    })?;
    blocking(module, "eth_newBlockFilter", |ctx, _| {
        let next = head_of(&*ctx.reader()?)? + 1;
        Ok(ctx.filters.install(FilterKind::Blocks { next }))
    })?;
    blocking(module, "eth_newPendingTransactionFilter", |ctx, _| {
        let hashes = ctx.node.pool().subscribe_pending();
        Ok(ctx.filters.install(FilterKind::PendingTransactions { hashes }))
    })?;
    blocking(module, "eth_uninstallFilter", |ctx, args| Ok(ctx.filters.uninstall(args.req()?)))?;
    blocking(module, "eth_getFilterChanges", |ctx, args| filter_changes(ctx, args.req()?))?;
    blocking(module, "eth_getFilterLogs", |ctx, args| {
        let id = args.req::<U256>()?;
        let filter = ctx.filters.with(id, |kind| match kind {
            FilterKind::Logs { filter, .. } => Some(filter.clone()),
            _ => None,
        })?;
        let filter = filter.ok_or(EthError::FilterNotFound)?;
        get_logs(ctx, &*ctx.reader()?, &filter)
    })?;
    Ok(())
}

/// What a filter saw since its last poll.
fn filter_changes(ctx: &RpcContext, id: U256) -> EthResult<Changes> {
    let reader = ctx.reader()?;
    let head = head_of(&reader)?;
    // Take what to compute under the lock; read the store without it.
    enum Work {
        Logs(Box<Filter>, u64),
        Blocks(u64),
        Done(Changes),
    }
    let work = ctx.filters.with(id, |kind| match kind {
        FilterKind::Logs { filter, next } => {
            let from = (*next).min(head + 1);
            *next = head + 1;
            Work::Logs(filter.clone(), from)
        }
        FilterKind::Blocks { next } => {
            let from = (*next).min(head + 1);
            *next = head + 1;
            Work::Blocks(from)
        }
        FilterKind::PendingTransactions { hashes } => {
            let mut out = Vec::new();
            loop {
                match hashes.try_recv() {
                    Ok(hash) => out.push(hash),
                    Err(TryRecvError::Lagged(_)) => continue,
                    Err(TryRecvError::Empty | TryRecvError::Closed) => break,
                }
            }
            Work::Done(hashes_changes(out))
        }
    })?;
    match work {
        Work::Done(changes) => Ok(changes),
        Work::Blocks(from) => {
            let mut hashes = Vec::new();
            for number in from..=head {
                if let Some((_, hash)) = load_header(&reader, number)? {
                    hashes.push(hash);
                }
            }
            Ok(hashes_changes(hashes))
        }
        Work::Logs(filter, from) => {
            // Only numeric bounds limit what a polled filter reports; tags (`latest`, the
            // default) mean every new block.
            let (lo, hi) = match &filter.block_option {
                FilterBlockOption::Range { from_block, to_block } => (
                    from_block.and_then(|b| b.as_number()).unwrap_or(0),
                    to_block.and_then(|b| b.as_number()).unwrap_or(u64::MAX),
                ),
                FilterBlockOption::AtBlockHash(_) => (1, 0),
            };
            let (from, to) = (from.max(lo), head.min(hi));
            let mut logs = Vec::new();
            if from <= to {
                logs_in_range(&reader, &filter, from, to, &mut logs)?;
            }
            Ok(if logs.is_empty() { FilterChanges::Empty } else { FilterChanges::Logs(logs) })
        }
    }
}

fn hashes_changes(hashes: Vec<B256>) -> Changes {
    if hashes.is_empty() { FilterChanges::Empty } else { FilterChanges::Hashes(hashes) }
}

/// The numeric block range a log filter covers, clamped to the head; `lo > hi` when empty.
fn bounds(reader: &StoreReader, filter: &Filter) -> EthResult<(u64, u64)> {
    let head = head_of(reader)?;
    let (from, to) = match &filter.block_option {
        FilterBlockOption::AtBlockHash(_) => return Ok((1, 0)),
        FilterBlockOption::Range { from_block, to_block } => {
            (from_block.unwrap_or_default(), to_block.unwrap_or_default())
        }
    };
    let from = match from {
        BlockNumberOrTag::Number(number) if number > head => return Ok((number, head)),
        tag => resolve_tag(reader, tag)?.unwrap_or(head),
    };
    let to = match to {
        BlockNumberOrTag::Number(number) => number.min(head),
        tag => resolve_tag(reader, tag)?.unwrap_or(head),
    };
    Ok((from, to))
}

/// `eth_getLogs`: the logs matching `filter`, over at most the configured number of blocks.
pub(crate) fn get_logs(
    ctx: &RpcContext,
    reader: &StoreReader,
    filter: &Filter,
) -> EthResult<Vec<Log>> {
    let mut logs = Vec::new();
    if let Some(hash) = filter.get_block_hash() {
        let number = reader.block_number(&hash)?.ok_or(EthError::UnknownBlock)?;
        logs_in_range(reader, filter, number, number, &mut logs)?;
        return Ok(logs);
    }
    if let FilterBlockOption::Range { from_block: Some(from), to_block: Some(to) } =
        filter.block_option
        && let (Some(from), Some(to)) = (from.as_number(), to.as_number())
        && from > to
    {
        return Err(EthError::InvalidBlockRange);
    }
    let (from, to) = bounds(reader, filter)?;
    if from > to {
        return Ok(logs);
    }
    let max = ctx.config.max_logs_block_range;
    if to - from >= max {
        return Err(EthError::BlockRangeTooLarge(max));
    }
    logs_in_range(reader, filter, from, to, &mut logs)?;
    Ok(logs)
}

/// Appends the matching logs of blocks `from..=to`, skipping blocks whose bloom rules them out.
fn logs_in_range(
    reader: &StoreReader,
    filter: &Filter,
    from: u64,
    to: u64,
    out: &mut Vec<Log>,
) -> EthResult<()> {
    for number in from..=to {
        let Some(header) = reader.header(number)? else { continue };
        if !filter.matches_bloom(header.logs_bloom) {
            continue;
        }
        if let Some(block) = load_block(reader, number, true)? {
            matching_logs(&block.view(), filter, out);
        }
    }
    Ok(())
}
