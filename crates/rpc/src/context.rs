//! What every handler shares ([`RpcContext`]), positional-parameter parsing with geth's error
//! texts ([`Args`]), block resolution, and the helpers that register handlers on the module.

use crate::{
    RpcConfig,
    error::{EthError, EthResult},
    filters::Filters,
};
use alloy_eips::{BlockId, BlockNumberOrTag};
use jsonrpsee::{
    Extensions, RpcModule,
    types::{ErrorObjectOwned, Params},
};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::value::RawValue;
use std::{future::Future, sync::Arc};
use tephra_chain::CallAt;
use tephra_node::Node;
use tephra_storage::StoreReader;

/// State shared by every handler of one server.
#[derive(Debug)]
pub(crate) struct RpcContext {
    /// The node served.
    pub(crate) node: Arc<Node>,
    /// Installed `eth_newFilter` & co. filters.
    pub(crate) filters: Filters,
    /// Limits.
    pub(crate) config: RpcConfig,
    /// Held by `eth_sendTransaction` from choosing a nonce to pooling, so that concurrent
    /// sends from one dev account get consecutive nonces.
    pub(crate) send_lock: parking_lot::Mutex<()>,
}

/// The module every handler is registered on.
pub(crate) type Module = RpcModule<RpcContext>;

impl RpcContext {
    /// A context serving `node` within `config`'s limits.
    pub(crate) fn new(node: Arc<Node>, config: RpcConfig) -> Self {
        Self { node, filters: Filters::default(), config, send_lock: parking_lot::Mutex::new(()) }
    }

    /// A consistent snapshot of the store.
    pub(crate) fn reader(&self) -> EthResult<Arc<StoreReader>> {
        Ok(self.node.chain().reader()?)
    }
}

/// The head block number as `reader` sees it.
pub(crate) fn head_of(reader: &StoreReader) -> EthResult<u64> {
    Ok(reader.head()?.unwrap_or_default())
}

/// The number of the block `id` names in `reader`, or `None` if there is no such block.
/// `pending`, `safe` and `finalized` are the head: a dev chain finalizes instantly.
pub(crate) fn resolve_block(reader: &StoreReader, id: BlockId) -> EthResult<Option<u64>> {
    match id {
        BlockId::Hash(hash) => Ok(reader.block_number(&hash.block_hash)?),
        BlockId::Number(tag) => resolve_tag(reader, tag),
    }
}

/// [`resolve_block`] for a number or tag.
pub(crate) fn resolve_tag(reader: &StoreReader, tag: BlockNumberOrTag) -> EthResult<Option<u64>> {
    let head = head_of(reader)?;
    Ok(match tag {
        BlockNumberOrTag::Number(number) => (number <= head).then_some(number),
        BlockNumberOrTag::Earliest => Some(0),
        BlockNumberOrTag::Latest
        | BlockNumberOrTag::Pending
        | BlockNumberOrTag::Safe
        | BlockNumberOrTag::Finalized => Some(head),
    })
}

/// [`resolve_block`] for state reads: an unknown block is geth's `header not found`, and a
/// missing parameter means `latest`.
pub(crate) fn state_block(reader: &StoreReader, id: Option<BlockId>) -> EthResult<u64> {
    resolve_block(reader, id.unwrap_or_default())?.ok_or(EthError::HeaderNotFound)
}

/// Where a call or a state read at `id` runs: at `pending`, in the block the sequencer would
/// seal now from the pool (the head's state when the pool has nothing executable); elsewhere
/// after the block [`state_block`] names.
pub(crate) fn call_at(ctx: &RpcContext, id: Option<BlockId>) -> EthResult<CallAt> {
    if matches!(id, Some(BlockId::Number(BlockNumberOrTag::Pending)))
        && let Some(pending) = ctx.node.pending_block()?
    {
        return Ok(CallAt::Pending(Arc::new(pending)));
    }
    Ok(CallAt::Block(state_block(&*ctx.reader()?, id)?))
}

/// Positional parameters, read one at a time with geth's messages for what is wrong.
#[derive(Debug)]
pub(crate) struct Args {
    values: Vec<Box<RawValue>>,
    next: usize,
    /// Whether ZKsync's `committed` block tag (zksync-ethers' default for a wallet's balances)
    /// reads as `latest`: on zk-stack chains, where each block is its own sealed batch.
    zk_tags: bool,
}

impl Args {
    /// Splits `params` (absent, `null` or an array) into its elements.
    pub(crate) fn new(params: &Params<'_>) -> EthResult<Self> {
        let values = match params.as_str().map(str::trim) {
            None | Some("null") | Some("") => Vec::new(),
            Some(json) => serde_json::from_str::<Vec<Box<RawValue>>>(json)
                .map_err(|_| EthError::InvalidParams("non-array args".to_string()))?,
        };
        Ok(Self { values, next: 0, zk_tags: false })
    }

    /// The next parameter, which must be present and not `null`.
    pub(crate) fn req<T: DeserializeOwned>(&mut self) -> EthResult<T> {
        let index = self.next;
        self.opt::<T>()?.ok_or_else(|| {
            EthError::InvalidParams(format!("missing value for required argument {index}"))
        })
    }

    /// The next parameter; absent or `null` is `None`.
    pub(crate) fn opt<T: DeserializeOwned>(&mut self) -> EthResult<Option<T>> {
        let index = self.next;
        self.next += 1;
        let Some(raw) = self.values.get(index) else { return Ok(None) };
        let raw = match raw.get() {
            "\"committed\"" if self.zk_tags => "\"latest\"",
            raw => raw,
        };
        serde_json::from_str::<Option<T>>(raw)
            .map_err(|err| EthError::InvalidParams(format!("invalid argument {index}: {err}")))
    }
}

/// Registers a handler that reads the store or executes: it runs on tokio's blocking pool so
/// that it never stalls the runtime. Its answer is serialized there, so that every such method
/// registers the same closure type: the server's task machinery is compiled once, not once per
/// answer type.
pub(crate) fn blocking<T>(
    module: &mut Module,
    name: &'static str,
    handler: fn(&RpcContext, &mut Args) -> EthResult<T>,
) -> Result<(), jsonrpsee::core::RegisterMethodError>
where
    T: Serialize + 'static,
{
    register_blocking(
        module,
        name,
        Arc::new(move |ctx, args| {
            let answer = handler(ctx, args)?;
            serde_json::value::to_raw_value(&answer)
                .map_err(|err| EthError::Internal(err.to_string()))
        }),
    )
}

/// A blocking handler with its answer already serialized.
type RawHandler = Arc<dyn Fn(&RpcContext, &mut Args) -> EthResult<Box<RawValue>> + Send + Sync>;

fn register_blocking(
    module: &mut Module,
    name: &'static str,
    handler: RawHandler,
) -> Result<(), jsonrpsee::core::RegisterMethodError> {
    module.register_blocking_method(
        name,
        move |params, ctx, _| -> Result<Box<RawValue>, ErrorObjectOwned> {
            let mut args = Args::new(&params)?;
            args.zk_tags = ctx.node.chain().framework().name() == crate::zks::FRAMEWORK;
            Ok(handler(&ctx, &mut args)?)
        },
    )?;
    Ok(())
}

/// Registers a handler cheap enough to run on the runtime (no store read, no execution).
pub(crate) fn immediate<T>(
    module: &mut Module,
    name: &'static str,
    handler: fn(&RpcContext, &mut Args) -> EthResult<T>,
) -> Result<(), jsonrpsee::core::RegisterMethodError>
where
    T: Serialize + Clone + Send + 'static,
{
    module.register_method(name, move |params, ctx, _| -> Result<T, ErrorObjectOwned> {
        let mut args = Args::new(&params)?;
        Ok(handler(ctx, &mut args)?)
    })?;
    Ok(())
}

/// Registers an async handler (it awaits blocking work itself), which also sees the request's
/// extensions.
pub(crate) fn asynchronous<T, F, Fut>(
    module: &mut Module,
    name: &'static str,
    handler: F,
) -> Result<(), jsonrpsee::core::RegisterMethodError>
where
    T: Serialize + Clone + Send + 'static,
    F: Fn(Arc<RpcContext>, Args, Extensions) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = EthResult<T>> + Send + 'static,
{
    module.register_async_method(name, move |params, ctx, extensions| {
        let handler = handler.clone();
        async move {
            let args = Args::new(&params).map_err(ErrorObjectOwned::from)?;
            handler(ctx, args, extensions).await.map_err(ErrorObjectOwned::from)
        }
    })?;
    Ok(())
}

/// Runs `work` on tokio's blocking pool.
pub(crate) async fn spawn_blocking<T, F>(work: F) -> EthResult<T>
where
    T: Send + 'static,
    F: FnOnce() -> EthResult<T> + Send + 'static,
{
    tokio::task::spawn_blocking(work).await?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(json: &'static str) -> Args {
        Args::new(&Params::new(Some(json))).expect("array")
    }

    #[test]
    fn reads_required_optional_and_missing_args() {
        let mut a = args(r#"["0x1", null]"#);
        assert_eq!(a.req::<alloy_primitives::U64>().unwrap().to::<u64>(), 1);
        assert_eq!(a.opt::<bool>().unwrap(), None);
        assert_eq!(a.opt::<bool>().unwrap(), None);
        let err = ErrorObjectOwned::from(args("[]").req::<bool>().unwrap_err());
        assert_eq!((err.code(), err.message()), (-32602, "missing value for required argument 0"));
        let err = args(r#"[true, "x"]"#).opt::<alloy_primitives::U64>();
        assert!(err.is_err(), "bool is not a quantity");
        assert!(Args::new(&Params::new(Some(r#"{"a":1}"#))).is_err());
    }
}
