//! Transactions in: `eth_sendRawTransaction`, `eth_sendTransaction` (signed with a dev
//! account), `eth_sign` / `personal_sign`, and [`PreValidateLayer`], which recovers the senders
//! of a batch of raw transactions in parallel and pools them in one go.

use crate::{
    context::{Args, Module, RpcContext, asynchronous, spawn_blocking},
    error::{EthError, EthResult},
    eth::pending_nonce,
    fees::suggested_tip,
};
use alloy_consensus::transaction::Recovered;
use alloy_network::TxSignerSync;
use alloy_primitives::{Address, B256, Bytes, TxKind};
use alloy_rpc_types_eth::TransactionRequest;
use alloy_signer::SignerSync;
use jsonrpsee::{
    Extensions,
    core::{
        RegisterMethodError,
        middleware::{Batch, BatchEntry, Notification, RpcServiceT},
    },
    types::{ErrorObjectOwned, Request},
};
use std::{future::Future, sync::Arc};
use tephra_primitives::TxEnvelope;
use tephra_txpool::{PoolError, PooledTx, decode_and_recover, recover_batch};
use tracing::debug;

/// Method name of raw transaction submission.
const SEND_RAW: &str = "eth_sendRawTransaction";
/// Batches with at least this many raw transactions are pre-validated together.
const BATCH_THRESHOLD: usize = 2;

/// Registers the methods of this module.
pub(crate) fn register(module: &mut Module) -> Result<(), RegisterMethodError> {
    asynchronous(module, SEND_RAW, send_raw_transaction)?;
    asynchronous(module, "eth_sendTransaction", |ctx, mut args, _| async move {
        let request = args.req::<TransactionRequest>()?;
        spawn_blocking(move || {
            let _serial = ctx.send_lock.lock();
            let tx = sign_request(&ctx, request)?;
            add(&ctx, tx)
        })
        .await
    })?;
    asynchronous(module, "eth_sign", |ctx, mut args, _| async move {
        let (address, message) = (args.req::<Address>()?, args.req::<Bytes>()?);
        sign_message(&ctx, address, message).await
    })?;
    asynchronous(module, "personal_sign", |ctx, mut args, _| async move {
        let (message, address) = (args.req::<Bytes>()?, args.req::<Address>()?);
        sign_message(&ctx, address, message).await
    })?;
    Ok(())
}

/// The outcome of a raw transaction that [`PreValidateLayer`] already pooled.
#[derive(Debug, Clone)]
struct PreValidated(Result<B256, ErrorObjectOwned>);

async fn send_raw_transaction(
    ctx: Arc<RpcContext>,
    mut args: Args,
    ext: Extensions,
) -> EthResult<B256> {
    if let Some(PreValidated(outcome)) = ext.get::<PreValidated>() {
        return outcome.clone().map_err(EthError::Rpc);
    }
    let raw = args.req::<Bytes>()?;
    spawn_blocking(move || add(&ctx, decode_and_recover(&raw)?)).await
}

fn add(ctx: &RpcContext, tx: PooledTx) -> EthResult<B256> {
    let result = ctx.node.add_transactions(vec![tx]).pop();
    Ok(result.ok_or_else(|| EthError::Internal("the pool returned no result".into()))??)
}

/// Fills what `request` leaves out (sender: the first dev account; nonce: the pending one;
/// fees: the next base fee twice plus the suggested tip; gas: an estimate), then signs it with
/// the sender's dev key.
fn sign_request(ctx: &RpcContext, mut request: TransactionRequest) -> EthResult<PooledTx> {
    let signers = ctx.node.signers();
    let from = match request.from {
        Some(from) => from,
        None => signers.first().map(|signer| signer.address()).ok_or(EthError::UnknownAccount)?,
    };
    let signer =
        signers.iter().find(|signer| signer.address() == from).ok_or(EthError::UnknownAccount)?;
    request.from = Some(from);
    request.chain_id = Some(request.chain_id.unwrap_or_else(|| ctx.node.config().chain_id));
    if request.nonce.is_none() {
        request.nonce = Some(pending_nonce(ctx, from)?);
    }
    if request.to.is_none() {
        request.to = Some(TxKind::Create);
    }
    if request.gas_price.is_none() {
        let tip = match request.max_priority_fee_per_gas {
            Some(tip) => tip,
            None => {
                let suggested = suggested_tip(&*ctx.reader()?)?;
                request.max_fee_per_gas.map_or(suggested, |cap| cap.min(suggested))
            }
        };
        request.max_priority_fee_per_gas = Some(tip);
        if request.max_fee_per_gas.is_none() {
            let base_fee = u128::from(ctx.node.next_base_fee());
            request.max_fee_per_gas = Some(base_fee.saturating_mul(2).saturating_add(tip));
        }
    }
    if request.gas.is_none() {
        let head = ctx.node.chain().head().header.number;
        request.gas = Some(ctx.node.chain().estimate_gas(request.clone(), head, None)?);
    }
    if request.blob_versioned_hashes.is_some() || request.sidecar.is_some() {
        return Err(PoolError::TxTypeNotSupported.into());
    }
    let mut tx = request.build_typed_tx().map_err(|request| {
        let missing = match request.missing_keys() {
            Err((_, keys)) => keys.join(", "),
            Ok(_) => "unknown".to_string(),
        };
        EthError::InvalidParams(format!("transaction request is missing {missing}"))
    })?;
    let signature = signer
        .sign_transaction_sync(&mut tx)
        .map_err(|err| EthError::Internal(format!("signing: {err}")))?;
    let envelope = TxEnvelope::try_from(tx.into_envelope(signature))
        .map_err(|_| EthError::from(PoolError::TxTypeNotSupported))?;
    Ok(PooledTx::new(Recovered::new_unchecked(envelope, from)))
}

/// EIP-191 `personal_sign` of `message` by the dev account `address`.
async fn sign_message(ctx: &RpcContext, address: Address, message: Bytes) -> EthResult<Bytes> {
    let signer = ctx
        .node
        .signers()
        .iter()
        .find(|signer| signer.address() == address)
        .ok_or(EthError::UnknownAccount)?
        .clone();
    spawn_blocking(move || {
        let signature = signer
            .sign_message_sync(&message)
            .map_err(|err| EthError::Internal(format!("signing: {err}")))?;
        Ok(Bytes::from(signature.as_bytes().to_vec()))
    })
    .await
}

/// RPC middleware: in a batch holding several `eth_sendRawTransaction` calls, decodes and
/// recovers all their senders in parallel (`recover_batch`) and pools them with one call on a
/// blocking thread, then lets each call answer with its own outcome. Single calls go through
/// unchanged. It also logs each call's method at debug level (target `tephra::rpc`).
#[derive(Debug, Clone)]
pub(crate) struct PreValidateLayer {
    ctx: Arc<RpcContext>,
}

impl PreValidateLayer {
    /// The layer, pooling into `ctx`'s node.
    pub(crate) fn new(ctx: Arc<RpcContext>) -> Self {
        Self { ctx }
    }
}

impl<S> tower::Layer<S> for PreValidateLayer {
    type Service = PreValidate<S>;

    fn layer(&self, inner: S) -> Self::Service {
        PreValidate { inner, ctx: self.ctx.clone() }
    }
}

/// The service [`PreValidateLayer`] builds.
#[derive(Debug, Clone)]
pub(crate) struct PreValidate<S> {
    inner: S,
    ctx: Arc<RpcContext>,
}

impl<S> RpcServiceT for PreValidate<S>
where
    S: RpcServiceT + Clone + Send + Sync + 'static,
{
    type MethodResponse = S::MethodResponse;
    type NotificationResponse = S::NotificationResponse;
    type BatchResponse = S::BatchResponse;

    fn call<'a>(
        &self,
        request: Request<'a>,
    ) -> impl Future<Output = Self::MethodResponse> + Send + 'a {
        debug!(target: "tephra::rpc", method = %request.method, "call");
        self.inner.call(request)
    }

    fn batch<'a>(
        &self,
        mut batch: Batch<'a>,
    ) -> impl Future<Output = Self::BatchResponse> + Send + 'a {
        let inner = self.inner.clone();
        let ctx = self.ctx.clone();
        async move {
            debug!(target: "tephra::rpc", calls = batch.len(), "batch");
            let raws: Vec<(usize, Bytes)> = batch
                .iter()
                .enumerate()
                .filter_map(|(index, entry)| match entry {
                    Ok(BatchEntry::Call(request)) if request.method == SEND_RAW => {
                        let params = request.params.as_ref()?;
                        let [raw] = serde_json::from_str::<[Bytes; 1]>(params.get()).ok()?;
                        Some((index, raw))
                    }
                    _ => None,
                })
                .collect();
            if raws.len() >= BATCH_THRESHOLD {
                let (indexes, raws): (Vec<usize>, Vec<Bytes>) = raws.into_iter().unzip();
                let outcomes = tokio::task::spawn_blocking(move || pool_batch(&ctx, raws)).await;
                if let Ok(outcomes) = outcomes {
                    let mut outcomes = indexes.into_iter().zip(outcomes);
                    let mut next = outcomes.next();
                    for (index, entry) in batch.iter_mut().enumerate() {
                        if let (Some((wanted, outcome)), Ok(entry)) = (&next, entry)
                            && *wanted == index
                        {
                            entry.extensions_mut().insert(PreValidated(outcome.clone()));
                            next = outcomes.next();
                        }
                    }
                }
            }
            inner.batch(batch).await
        }
    }

    fn notification<'a>(
        &self,
        notification: Notification<'a>,
    ) -> impl Future<Output = Self::NotificationResponse> + Send + 'a {
        self.inner.notification(notification)
    }
}

/// Decodes and recovers `raws` in parallel, pools the valid ones together, and returns each
/// one's outcome in order.
fn pool_batch(ctx: &RpcContext, raws: Vec<Bytes>) -> Vec<Result<B256, ErrorObjectOwned>> {
    let recovered = recover_batch(raws);
    let mut outcomes: Vec<Option<Result<B256, ErrorObjectOwned>>> =
        Vec::with_capacity(recovered.len());
    let mut valid = Vec::new();
    for result in recovered {
        match result {
            Ok(tx) => {
                valid.push(tx);
                outcomes.push(None);
            }
            Err(err) => outcomes.push(Some(Err(EthError::from(err).into()))),
        }
    }
    let mut added = ctx.node.add_transactions(valid).into_iter();
    outcomes
        .into_iter()
        .map(|outcome| match outcome {
            Some(outcome) => outcome,
            None => match added.next() {
                Some(Ok(hash)) => Ok(hash),
                Some(Err(err)) => Err(EthError::from(err).into()),
                None => Err(EthError::Internal("the pool returned too few results".into()).into()),
            },
        })
        .collect()
}
