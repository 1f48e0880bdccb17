//! A client of an L1's Ethereum JSON-RPC endpoint, signing with one key (alloy's provider).

use crate::SettlementError;
use alloy_eips::BlockNumberOrTag;
use alloy_network::{EthereumWallet, TransactionBuilder};
use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_provider::{DynProvider, Provider, ProviderBuilder};
use alloy_rpc_types_eth::{Filter, Log, TransactionReceipt, TransactionRequest};
use alloy_signer_local::PrivateKeySigner;
use std::time::Duration;
use tephra_chain::L1Origin;

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
    pub async fn chain_id(&self) -> Result<u64, SettlementError> {
        self.provider.get_chain_id().await.map_err(|err| self.fail(err))
    }

    /// The balance of `address`.
    pub async fn balance(&self, address: Address) -> Result<U256, SettlementError> {
        self.provider.get_balance(address).await.map_err(|err| self.fail(err))
    }

    /// The code at `address`.
    pub async fn code(&self, address: Address) -> Result<Bytes, SettlementError> {
        self.provider.get_code_at(address).await.map_err(|err| self.fail(err))
    }

    /// The number of transactions `address` sent (its next nonce), at the latest block.
    pub async fn nonce(&self, address: Address) -> Result<u64, SettlementError> {
        self.provider.get_transaction_count(address).await.map_err(|err| self.fail(err))
    }

    /// The latest block number.
    pub async fn block_number(&self) -> Result<u64, SettlementError> {
        self.provider.get_block_number().await.map_err(|err| self.fail(err))
    }

    /// Block `number` as a rollup block's L1 origin; `None` if it does not exist yet.
    pub async fn origin(&self, number: u64) -> Result<Option<L1Origin>, SettlementError> {
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
    }

    /// The logs of `addresses` in block `number`, in log order.
    pub async fn logs(
        &self,
        number: u64,
        addresses: Vec<Address>,
    ) -> Result<Vec<Log>, SettlementError> {
        let filter = Filter::new().from_block(number).to_block(number).address(addresses);
        self.provider.get_logs(&filter).await.map_err(|err| self.fail(err))
    }

    /// `eth_call` of `data` on `to` at the latest block.
    pub async fn call(&self, to: Address, data: Bytes) -> Result<Bytes, SettlementError> {
        let request = TransactionRequest::default().with_to(to).with_input(data);
        self.provider.call(request).await.map_err(|err| self.fail(err))
    }

    /// Sends a transaction (`to` = `None` creates a contract) without waiting for it to be
    /// mined; `nonce` and `gas` as given, else filled in (estimated) by the provider.
    pub async fn submit(
        &self,
        what: &str,
        to: Option<Address>,
        data: Bytes,
        nonce: Option<u64>,
        gas: Option<u64>,
    ) -> Result<B256, SettlementError> {
        let mut request = TransactionRequest::default().with_from(self.signer).with_input(data);
        request = match to {
            Some(to) => request.with_to(to),
            None => request.into_create(),
        };
        if let Some(nonce) = nonce {
            request = request.with_nonce(nonce);
        }
        if let Some(gas) = gas {
            request = request.with_gas_limit(gas);
        }
        let pending = self
            .provider
            .send_transaction(request)
            .await
            .map_err(|err| self.fail(format!("sending {what}: {err}")))?;
        Ok(*pending.tx_hash())
    }

    /// Waits for the receipt of `hash`; a reverted transaction is an error naming `what`.
    pub async fn receipt(
        &self,
        what: &str,
        hash: B256,
    ) -> Result<TransactionReceipt, SettlementError> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let receipt = self
                .provider
                .get_transaction_receipt(hash)
                .await
                .map_err(|err| self.fail(format!("waiting for {what} ({hash}): {err}")))?;
            match receipt {
                Some(receipt) if receipt.status() => return Ok(receipt),
                Some(_) => {
                    return Err(SettlementError::Reverted {
                        what: what.to_string(),
                        hash: hash.to_string(),
                    });
                }
                None if tokio::time::Instant::now() > deadline => {
                    return Err(self.fail(format!("{what} ({hash}) not mined within 60 s")));
                }
                None => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    /// Sends `value` wei to `to` and waits for it.
    pub async fn transfer(
        &self,
        what: &str,
        to: Address,
        value: U256,
    ) -> Result<(), SettlementError> {
        let request =
            TransactionRequest::default().with_from(self.signer).with_to(to).with_value(value);
        let pending = self
            .provider
            .send_transaction(request)
            .await
            .map_err(|err| self.fail(format!("sending {what}: {err}")))?;
        self.receipt(what, *pending.tx_hash()).await.map(|_| ())
    }

    /// Sends a transaction and waits for it: [`L1Client::submit`], then [`L1Client::receipt`].
    pub async fn send(
        &self,
        what: &str,
        to: Option<Address>,
        data: Bytes,
    ) -> Result<TransactionReceipt, SettlementError> {
        let hash = self.submit(what, to, data, None, None).await?;
        self.receipt(what, hash).await
    }
}
