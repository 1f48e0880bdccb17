//! Stored blocks, transactions and receipts -> the execution-apis shapes (alloy's RPC types),
//! with the fields only the RPC derives: block size, per-transaction gas used (the difference of
//! cumulative gas), effective gas price, contract address and block-wide log indexes.

use crate::error::EthResult;
use alloy_consensus::{
    BlockBody, Header, Sealed, Transaction as _, TxReceipt as _,
    transaction::{Recovered, TransactionInfo},
};
use alloy_eips::eip4895::Withdrawals;
use alloy_primitives::{Address, B256, U256};
use alloy_rpc_types_eth::{
    BlockTransactions, Filter, Header as RpcHeader, Log, TransactionReceipt,
};
use alloy_serde::{OtherFields, WithOtherFields};
use tephra_primitives::{ReceiptEnvelope, TxEnvelope};
use tephra_storage::StoreReader;

/// A transaction as the RPC returns it.
pub(crate) type Transaction = alloy_rpc_types_eth::Transaction<TxEnvelope>;
/// A block as the RPC returns it.
pub(crate) type Block = alloy_rpc_types_eth::Block<Transaction>;
/// A receipt as the RPC returns it, with the fields its chain's framework adds (OP Stack's
/// `l1Fee` & co.).
pub(crate) type Receipt = WithOtherFields<TransactionReceipt<ReceiptEnvelope<Log>>>;

/// One block with its body and receipts, borrowed from the store or from a freshly mined block.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BlockView<'a> {
    /// The header.
    pub(crate) header: &'a Header,
    /// Its hash.
    pub(crate) hash: B256,
    /// Its transactions, in order.
    pub(crate) transactions: &'a [TxEnvelope],
    /// Their senders.
    pub(crate) senders: &'a [Address],
    /// Their receipts (empty when not loaded).
    pub(crate) receipts: &'a [ReceiptEnvelope],
}

/// A block read from the store.
#[derive(Debug, Clone)]
pub(crate) struct StoredBlock {
    /// The header.
    pub(crate) header: Header,
    /// Its hash.
    pub(crate) hash: B256,
    /// Its transactions.
    pub(crate) transactions: Vec<TxEnvelope>,
    /// Their senders.
    pub(crate) senders: Vec<Address>,
    /// Their receipts, if asked for.
    pub(crate) receipts: Vec<ReceiptEnvelope>,
}

impl StoredBlock {
    /// Borrows it as a [`BlockView`].
    pub(crate) fn view(&self) -> BlockView<'_> {
        BlockView {
            header: &self.header,
            hash: self.hash,
            transactions: &self.transactions,
            senders: &self.senders,
            receipts: &self.receipts,
        }
    }
}

/// Header and hash of block `number`.
pub(crate) fn load_header(reader: &StoreReader, number: u64) -> EthResult<Option<(Header, B256)>> {
    Ok(reader.header(number)?.map(|header| {
        let hash = header.hash_slow();
        (header, hash)
    }))
}

/// Block `number` with its transactions and senders, and its receipts if `receipts`.
pub(crate) fn load_block(
    reader: &StoreReader,
    number: u64,
    receipts: bool,
) -> EthResult<Option<StoredBlock>> {
    let Some((header, hash)) = load_header(reader, number)? else { return Ok(None) };
    let transactions = reader.transactions(number)?.unwrap_or_default();
    let senders = reader.senders(number)?.unwrap_or_default();
    let receipts = if receipts { reader.receipts(number)?.unwrap_or_default() } else { Vec::new() };
    Ok(Some(StoredBlock { header, hash, transactions, senders, receipts }))
}

/// Where a transaction sits in its block.
fn tx_info(block: &BlockView<'_>, index: usize) -> TransactionInfo {
    TransactionInfo {
        hash: block.transactions.get(index).map(|tx| tx.tx_hash()),
        index: Some(index as u64),
        block_hash: Some(block.hash),
        block_number: Some(block.header.number),
        base_fee: block.header.base_fee_per_gas,
        block_timestamp: Some(block.header.timestamp),
    }
}

/// The `index`th transaction of `block` as `eth_getTransactionBy*` returns it.
pub(crate) fn rpc_transaction(block: &BlockView<'_>, index: usize) -> Option<Transaction> {
    let tx = block.transactions.get(index)?.clone();
    let sender = *block.senders.get(index)?;
    let is_deposit = tx.as_deposit().is_some();
    let mut rpc =
        Transaction::from_transaction(Recovered::new_unchecked(tx, sender), tx_info(block, index));
    if is_deposit {
        // Deposits pay no gas price (op-geth reports 0): their gas is bought on L1.
        rpc.effective_gas_price = Some(0);
    }
    Some(rpc)
}

/// A pooled (not yet mined) transaction: block fields are null and `gasPrice` is the fee cap,
/// as geth returns it.
pub(crate) fn rpc_pending_transaction(tx: TxEnvelope, sender: Address) -> Transaction {
    Transaction::from_transaction(Recovered::new_unchecked(tx, sender), TransactionInfo::default())
}

/// The RPC header (`newHeads`, and the header part of a block).
pub(crate) fn rpc_header(header: Header, hash: B256) -> RpcHeader {
    RpcHeader::from_sealed(Sealed::new_unchecked(header, hash))
}

/// `eth_getBlockBy*`: transaction hashes, or full transactions if `full`; with `size`,
/// `totalDifficulty` 0 (post-merge) and empty withdrawals.
pub(crate) fn rpc_block(block: StoredBlock, full: bool) -> Block {
    let transactions = if full {
        let view = block.view();
        BlockTransactions::Full(
            (0..block.transactions.len())
                .filter_map(|index| rpc_transaction(&view, index))
                .collect(),
        )
    } else {
        BlockTransactions::Hashes(block.transactions.iter().map(|tx| tx.tx_hash()).collect())
    };
    let StoredBlock { header, hash, transactions: body_txs, .. } = block;
    let consensus = alloy_consensus::Block {
        header,
        body: BlockBody {
            transactions: body_txs,
            ommers: Vec::new(),
            withdrawals: Some(Withdrawals::default()),
        },
    };
    let size = U256::from(alloy_rlp::Encodable::length(&consensus));
    let header = RpcHeader::from_consensus(
        Sealed::new_unchecked(consensus.header, hash),
        Some(U256::ZERO),
        Some(size),
    );
    Block { header, uncles: Vec::new(), transactions, withdrawals: Some(Withdrawals::default()) }
}

/// Receipts of `block` (which must carry them), from `first` on, at most `limit`, each with
/// its entry of `extra` (the framework's fields, one map per transaction of the block).
///
/// Log indexes count from the first log of the block, and gas used is the difference of
/// cumulative gas, so both need the receipts before `first`, which are read but not returned.
pub(crate) fn rpc_receipts(
    block: &BlockView<'_>,
    extra: Vec<serde_json::Map<String, serde_json::Value>>,
    first: usize,
    limit: usize,
) -> Vec<Receipt> {
    let mut extra = extra.into_iter().skip(first);
    let base_fee = block.header.base_fee_per_gas;
    let mut out = Vec::with_capacity(limit.min(block.receipts.len()));
    let mut log_index = 0u64;
    let mut previous_cumulative = 0u64;
    for (index, receipt) in block.receipts.iter().enumerate() {
        let cumulative = receipt.cumulative_gas_used();
        let logs = receipt.logs().len() as u64;
        if index < first {
            log_index += logs;
            previous_cumulative = cumulative;
            continue;
        }
        if out.len() == limit {
            break;
        }
        let (Some(tx), Some(&sender)) = (block.transactions.get(index), block.senders.get(index))
        else {
            break;
        };
        let tx_hash = tx.tx_hash();
        let inner = receipt.clone().map_logs(|log| {
            let log = Log {
                inner: log,
                block_hash: Some(block.hash),
                block_number: Some(block.header.number),
                block_timestamp: Some(block.header.timestamp),
                transaction_hash: Some(tx_hash),
                transaction_index: Some(index as u64),
                log_index: Some(log_index),
                removed: false,
            };
            log_index += 1;
            log
        });
        let receipt = TransactionReceipt {
            inner,
            transaction_hash: tx_hash,
            transaction_index: Some(index as u64),
            block_hash: Some(block.hash),
            block_number: Some(block.header.number),
            gas_used: cumulative.saturating_sub(previous_cumulative),
            effective_gas_price: tx.effective_gas_price(base_fee),
            blob_gas_used: None,
            blob_gas_price: None,
            from: sender,
            to: tx.to(),
            contract_address: tx.kind().is_create().then(|| sender.create(tx.nonce())),
        };
        let other = OtherFields::new(extra.next().unwrap_or_default().into_iter().collect());
        out.push(WithOtherFields { inner: receipt, other });
        previous_cumulative = cumulative;
    }
    out
}

/// The logs of `block` that match `filter`'s addresses and topics, with their block-wide
/// indexes. The caller checks the block range.
pub(crate) fn matching_logs(block: &BlockView<'_>, filter: &Filter, out: &mut Vec<Log>) {
    let mut log_index = 0u64;
    for (index, receipt) in block.receipts.iter().enumerate() {
        for log in receipt.logs() {
            if filter.matches(log) {
                out.push(Log {
                    inner: log.clone(),
                    block_hash: Some(block.hash),
                    block_number: Some(block.header.number),
                    block_timestamp: Some(block.header.timestamp),
                    transaction_hash: block.transactions.get(index).map(|tx| tx.tx_hash()),
                    transaction_index: Some(index as u64),
                    log_index: Some(log_index),
                    removed: false,
                });
            }
            log_index += 1;
        }
    }
}
