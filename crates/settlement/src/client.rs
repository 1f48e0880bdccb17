//! A client of an L1's Ethereum JSON-RPC endpoint, signing with one key (alloy's provider).

use crate::SettlementError;
use alloy_eips::BlockNumberOrTag;
use alloy_network::{EthereumWallet, TransactionBuilder};
use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_provider::{DynProvider, Provider, ProviderBuilder};
use alloy_rpc_types_eth::{Filter, Log, TransactionReceipt, TransactionRequest};
use alloy_signer_local::PrivateKeySigner;
use futures::future::BoxFuture;
use std::time::Duration;
use tephra_chain::L1Origin;
use tracing::warn;

/// How often a client polls for a receipt.
const POLL: Duration = Duration::from_millis(50);
/// Polls between two checks that the node still knows a transaction (one a second).
const RESEND_CHECK_POLLS: u32 = 20;

/// What an [`L1Client`] call returns: a boxed future, so that its body (alloy's provider
/// machinery under it) is compiled once, here, rather than again in every crate that awaits it
/// (rustc instantiates an `async fn`'s state machine in each crate that uses it).
pub type L1Call<'a, T> = BoxFuture<'a, Result<T, SettlementError>>;

/// A transaction a client sends at a fixed nonce, and sends again if the node drops it.
#[derive(Debug, Clone, Default)]
pub struct Outgoing {
    /// What it does (for logs and errors).
    pub what: String,
    /// The callee; `None` creates a contract.
    pub to: Option<Address>,
    /// Calldata, or init code.
    pub data: Bytes,
    /// Wei sent along.
    pub value: U256,
    /// The sender's nonce it takes.
    pub nonce: u64,
    /// Its gas limit; `None` has the provider estimate it.
    pub gas: Option<u64>,
}

/// One signer's view of an L1.
#[derive(Debug, Clone)]
pub struct L1Client {
    url: String,
    provider: DynProvider,
    signer: Address,
}

impl L1Client {
    /// A client of the endpoint at `url` sending transactions signed by `signer`.
    pub fn new(url: &str, signer: PrivateKeySigner) -> Result<Self, SettlementError> {
        let parsed = url.parse().map_err(|err| SettlementError::L1 {
            url: url.to_string(),
            reason: format!("not a URL: {err}"),
        })?;
        let address = signer.address();
        let provider = ProviderBuilder::new()
            .wallet(EthereumWallet::from(signer))
            .connect_http(parsed)
            .erased();
        provider.client().set_poll_interval(Duration::from_millis(50));
        Ok(Self { url: url.to_string(), provider, signer: address })
    }

    /// The endpoint.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The signing account.
    pub fn address(&self) -> Address {
        self.signer
    }

    fn fail(&self, err: impl std::fmt::Display) -> SettlementError {
        SettlementError::L1 { url: self.url.clone(), reason: err.to_string() }
    }

    /// The L1's chain id.
    pub fn chain_id(&self) -> L1Call<'_, u64> {
        Box::pin(async move { self.provider.get_chain_id().await.map_err(|err| self.fail(err)) })
    }

    /// The balance of `address`.
    pub fn balance(&self, address: Address) -> L1Call<'_, U256> {
        Box::pin(
            async move { self.provider.get_balance(address).await.map_err(|err| self.fail(err)) },
        )
    }

    /// The code at `address`.
    pub fn code(&self, address: Address) -> L1Call<'_, Bytes> {
        Box::pin(
            async move { self.provider.get_code_at(address).await.map_err(|err| self.fail(err)) },
        )
    }

    /// The number of transactions `address` sent (its next nonce), at the latest block.
    pub fn nonce(&self, address: Address) -> L1Call<'_, u64> {
        Box::pin(async move {
            self.provider.get_transaction_count(address).await.map_err(|err| self.fail(err))
        })
    }

    /// The next nonce of `address` counting its transactions the node holds but has not
    /// mined yet (the `pending` tag).
    pub fn pending_nonce(&self, address: Address) -> L1Call<'_, u64> {
        Box::pin(async move {
            let count = self.provider.get_transaction_count(address).pending();
            count.await.map_err(|err| self.fail(err))
        })
    }

    /// The latest block number.
    pub fn block_number(&self) -> L1Call<'_, u64> {
        Box::pin(
            async move { self.provider.get_block_number().await.map_err(|err| self.fail(err)) },
        )
    }

    /// Block `number` as a rollup block's L1 origin; `None` if it does not exist yet.
    pub fn origin(&self, number: u64) -> L1Call<'_, Option<L1Origin>> {
        Box::pin(async move {
            let block = self
                .provider
                .get_block_by_number(BlockNumberOrTag::Number(number))
                .await
                .map_err(|err| self.fail(err))?;
            Ok(block.map(|block| {
                let header = &block.header;
                L1Origin {
                    number: header.number,
                    hash: header.hash,
                    timestamp: header.timestamp,
                    base_fee: header.base_fee_per_gas.unwrap_or_default(),
                    blob_base_fee: header
                        .excess_blob_gas
                        .map(|excess| {
                            alloy_eips::eip7840::BlobParams::osaka().calc_blob_fee(excess) as u64
                        })
                        .unwrap_or(1),
                }
            }))
        })
    }

    /// The logs of `addresses` in block `number`, in log order.
    pub fn logs(&self, number: u64, addresses: Vec<Address>) -> L1Call<'_, Vec<Log>> {
        let filter = Filter::new().from_block(number).to_block(number).address(addresses);
        Box::pin(async move { self.provider.get_logs(&filter).await.map_err(|err| self.fail(err)) })
    }

    /// `eth_call` of `data` on `to` at the latest block.
    pub fn call(&self, to: Address, data: Bytes) -> L1Call<'_, Bytes> {
        let request = TransactionRequest::default().with_to(to).with_input(data);
        Box::pin(async move { self.provider.call(request).await.map_err(|err| self.fail(err)) })
    }

    /// Sends `tx` without waiting for it to be mined; its fees are filled in by the provider
    /// (and its gas estimated if it names none).
    pub fn submit<'a>(&'a self, tx: &'a Outgoing) -> L1Call<'a, B256> {
        Box::pin(async move {
            let mut request = TransactionRequest::default()
                .with_from(self.signer)
                .with_input(tx.data.clone())
                .with_value(tx.value)
                .with_nonce(tx.nonce);
            request = match tx.to {
                Some(to) => request.with_to(to),
                None => request.into_create(),
            };
            if let Some(gas) = tx.gas {
                request = request.with_gas_limit(gas);
            }
            self.send_request(&tx.what, request).await
        })
    }

    async fn send_request(
        &self,
        what: &str,
        request: TransactionRequest,
    ) -> Result<B256, SettlementError> {
        let pending = self
            .provider
            .send_transaction(request)
            .await
            .map_err(|err| self.fail(format!("sending {what}: {err}")))?;
        Ok(*pending.tx_hash())
    }

    /// Waits for `tx`, sent as `hash`, to be mined; a reverted transaction is an error naming
    /// it. A transaction the node forgets before mining it is sent again under its nonce:
    /// nodes drop queued transactions (anvil drops the rest of a sender's queue when one of
    /// them does not fit the block it builds), so a batch sent with consecutive nonces would
    /// otherwise wait forever on its tail.
    pub fn confirm<'a>(
        &'a self,
        tx: &'a Outgoing,
        mut hash: B256,
    ) -> L1Call<'a, TransactionReceipt> {
        Box::pin(async move {
            let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
            let mut polls = 0u32;
            loop {
                if let Some(receipt) = self.receipt(&tx.what, hash).await? {
                    return Ok(receipt);
                }
                if tokio::time::Instant::now() > deadline {
                    return Err(self.fail(format!("{} ({hash}) not mined within 60 s", tx.what)));
                }
                polls += 1;
                if polls.is_multiple_of(RESEND_CHECK_POLLS) && !self.knows(hash).await? {
                    // Mined between the two questions, or replaced by another transaction with
                    // its nonce: either way its nonce is used.
                    if self.nonce(self.signer).await? > tx.nonce {
                        if let Some(receipt) = self.receipt(&tx.what, hash).await? {
                            return Ok(receipt);
                        }
                        return Err(self.fail(format!(
                            "{} ({hash}) was dropped and its nonce {} used by another transaction",
                            tx.what, tx.nonce
                        )));
                    }
                    warn!(target: "tephra::settlement", what = %tx.what, %hash, nonce = tx.nonce, "the L1 dropped it; sending it again");
                    hash = self.submit(tx).await?;
                }
                tokio::time::sleep(POLL).await;
            }
        })
    }

    /// The receipt of `hash` if it was mined, an error naming `what` if it reverted.
    async fn receipt(
        &self,
        what: &str,
        hash: B256,
    ) -> Result<Option<TransactionReceipt>, SettlementError> {
        let receipt = self
            .provider
            .get_transaction_receipt(hash)
            .await
            .map_err(|err| self.fail(format!("waiting for {what} ({hash}): {err}")))?;
        match receipt {
            Some(receipt) if !receipt.status() => {
                Err(SettlementError::Reverted { what: what.to_string(), hash: hash.to_string() })
            }
            receipt => Ok(receipt),
        }
    }

    /// Whether the node knows transaction `hash` (pending or mined).
    async fn knows(&self, hash: B256) -> Result<bool, SettlementError> {
        let tx = self.provider.get_transaction_by_hash(hash).await.map_err(|err| self.fail(err))?;
        Ok(tx.is_some())
    }

    /// Sends `value` wei to `to` and waits for it.
    pub fn transfer<'a>(&'a self, what: &'a str, to: Address, value: U256) -> L1Call<'a, ()> {
        Box::pin(async move {
            let nonce = self.nonce(self.signer).await?;
            let tx =
                Outgoing { what: what.into(), to: Some(to), value, nonce, ..Outgoing::default() };
            let hash = self.submit(&tx).await?;
            self.confirm(&tx, hash).await.map(|_| ())
        })
    }
}
