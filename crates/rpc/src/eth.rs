//! `eth_*`, `net_*` and `web3_*` reads: chain identity, account state at a block, blocks,
//! transactions and receipts.

use crate::{
    context::{
        Args, Module, RpcContext, blocking, call_at, head_of, immediate, resolve_block, resolve_tag,
    },
    convert::{
        Block, Transaction, load_block, rpc_block, rpc_pending_transaction, rpc_receipts,
        rpc_transaction,
    },
    error::EthResult,
    zks,
};
use alloy_eips::{BlockId, BlockNumberOrTag, eip2718::Encodable2718};
use alloy_primitives::{Address, B256, Bytes, U64, keccak256};
use alloy_rpc_types_eth::Index;
use alloy_serde::JsonStorageKey;
use jsonrpsee::core::RegisterMethodError;
use revm::DatabaseRef;
use serde_json::Value;
use tephra_chain::{CallAt, StateDb};
use tephra_storage::StoreReader;

/// The `web3_clientVersion` answer.
pub const CLIENT_VERSION: &str = concat!("tephra/v", env!("CARGO_PKG_VERSION"));

/// Registers the methods of this module.
pub(crate) fn register(module: &mut Module) -> Result<(), RegisterMethodError> {
    immediate(module, "web3_clientVersion", |_, _| Ok(CLIENT_VERSION))?;
    blocking(module, "web3_sha3", |_, args| Ok(keccak256(args.req::<Bytes>()?)))?;
    immediate(module, "net_version", |ctx, _| Ok(ctx.node.config().chain_id.to_string()))?;
    immediate(module, "net_listening", |_, _| Ok(true))?;
    immediate(module, "net_peerCount", |_, _| Ok(U64::ZERO))?;
    immediate(module, "eth_chainId", |ctx, _| Ok(U64::from(ctx.node.config().chain_id)))?;
    immediate(module, "eth_blockNumber", |ctx, _| {
        Ok(U64::from(ctx.node.chain().head().header.number))
    })?;
    immediate(module, "eth_syncing", |_, _| Ok(false))?;
    immediate(module, "eth_mining", |_, _| Ok(false))?;
    immediate(module, "eth_hashrate", |_, _| Ok(U64::ZERO))?;
    immediate(module, "eth_coinbase", |_, _| Ok(Address::ZERO))?;
    immediate(module, "eth_accounts", |ctx, _| {
        Ok(ctx.node.signers().iter().map(|signer| signer.address()).collect::<Vec<_>>())
    })?;

    blocking(module, "eth_getBalance", |ctx, args| {
        let (address, block) = (args.req::<Address>()?, args.opt::<BlockId>()?);
        let state = state_at(ctx, block)?;
        Ok(state.basic_ref(address)?.map(|info| info.balance).unwrap_or_default())
    })?;
    blocking(module, "eth_getTransactionCount", get_transaction_count)?;
    blocking(module, "eth_getCode", |ctx, args| {
        let (address, block) = (args.req::<Address>()?, args.opt::<BlockId>()?);
        let state = state_at(ctx, block)?;
        let Some(info) = state.basic_ref(address)? else { return Ok(Bytes::new()) };
        let code = match info.code {
            Some(code) => code,
            None => state.code_by_hash_ref(info.code_hash)?,
        };
        Ok(code.original_bytes())
    })?;
    blocking(module, "eth_getStorageAt", |ctx, args| {
        let address = args.req::<Address>()?;
        let slot = args.req::<JsonStorageKey>()?.as_b256();
        let state = state_at(ctx, args.opt::<BlockId>()?)?;
        Ok(B256::from(state.storage_ref(address, slot.into())?))
    })?;

    blocking(module, "eth_getBlockByNumber", |ctx, args| {
        let (tag, full) = (args.req::<BlockNumberOrTag>()?, args.opt::<bool>()?);
        let reader = ctx.reader()?;
        block_by(ctx, &reader, resolve_tag(&reader, tag)?, full.unwrap_or(false))
    })?;
    blocking(module, "eth_getBlockByHash", |ctx, args| {
        let (hash, full) = (args.req::<B256>()?, args.opt::<bool>()?);
        let reader = ctx.reader()?;
        block_by(ctx, &reader, reader.block_number(&hash)?, full.unwrap_or(false))
    })?;
    blocking(module, "eth_getBlockTransactionCountByNumber", |ctx, args| {
        let reader = ctx.reader()?;
        let number = resolve_tag(&reader, args.req::<BlockNumberOrTag>()?)?;
        transaction_count(&reader, number)
    })?;
    blocking(module, "eth_getBlockTransactionCountByHash", |ctx, args| {
        let reader = ctx.reader()?;
        let number = reader.block_number(&args.req::<B256>()?)?;
        transaction_count(&reader, number)
    })?;
    blocking(module, "eth_getUncleCountByBlockNumber", |ctx, args| {
        let reader = ctx.reader()?;
        let number = resolve_tag(&reader, args.req::<BlockNumberOrTag>()?)?;
        Ok(number.map(|_| U64::ZERO))
    })?;
    blocking(module, "eth_getUncleCountByBlockHash", |ctx, args| {
        let reader = ctx.reader()?;
        Ok(reader.block_number(&args.req::<B256>()?)?.map(|_| U64::ZERO))
    })?;
    immediate(module, "eth_getUncleByBlockNumberAndIndex", |_, _| Ok(None::<Block>))?;
    immediate(module, "eth_getUncleByBlockHashAndIndex", |_, _| Ok(None::<Block>))?;

    blocking(module, "eth_getTransactionByHash", |ctx, args| {
        let hash = args.req::<B256>()?;
        let reader = ctx.reader()?;
        if let Some(location) = reader.tx_location(&hash)? {
            return transaction_at(&reader, Some(location.block), location.index as usize);
        }
        Ok(ctx
            .node
            .pool()
            .get(&hash)
            .map(|tx| rpc_pending_transaction(tx.envelope().clone(), tx.sender())))
    })?;
    blocking(module, "eth_getRawTransactionByHash", |ctx, args| {
        let hash = args.req::<B256>()?;
        let reader = ctx.reader()?;
        if let Some(location) = reader.tx_location(&hash)? {
            let transactions = reader.transactions(location.block)?.unwrap_or_default();
            let raw = transactions.get(location.index as usize).map(|tx| tx.encoded_2718());
            return Ok(raw.map(Bytes::from));
        }
        Ok(ctx.node.pool().get(&hash).map(|tx| tx.encoded().clone()))
    })?;
    blocking(module, "eth_getTransactionByBlockNumberAndIndex", |ctx, args| {
        let (tag, index) = (args.req::<BlockNumberOrTag>()?, args.req::<Index>()?);
        let reader = ctx.reader()?;
        transaction_at(&reader, resolve_tag(&reader, tag)?, index.0)
    })?;
    blocking(module, "eth_getTransactionByBlockHashAndIndex", |ctx, args| {
        let (hash, index) = (args.req::<B256>()?, args.req::<Index>()?);
        let reader = ctx.reader()?;
        transaction_at(&reader, reader.block_number(&hash)?, index.0)
    })?;
    blocking(module, "eth_getTransactionReceipt", |ctx, args| {
        let hash = args.req::<B256>()?;
        let reader = ctx.reader()?;
        let Some(location) = reader.tx_location(&hash)? else { return Ok(None) };
        let Some(block) = load_block(&reader, location.block, true)? else { return Ok(None) };
        let extra = ctx.node.chain().receipt_fields(
            &reader,
            &block.header,
            &block.transactions,
            &block.receipts,
        )?;
        let receipt = rpc_receipts(&block.view(), extra, location.index as usize, 1).pop();
        receipt.map(|receipt| zks::receipt_json(ctx, receipt)).transpose()
    })?;
    blocking(module, "eth_getBlockReceipts", |ctx, args| {
        let reader = ctx.reader()?;
        let Some(number) = resolve_block(&reader, args.req::<BlockId>()?)? else {
            return Ok(None::<Vec<Value>>);
        };
        let Some(block) = load_block(&reader, number, true)? else { return Ok(None) };
        let extra = ctx.node.chain().receipt_fields(
            &reader,
            &block.header,
            &block.transactions,
            &block.receipts,
        )?;
        let receipts = rpc_receipts(&block.view(), extra, 0, usize::MAX);
        let receipts: EthResult<Vec<Value>> =
            receipts.into_iter().map(|receipt| zks::receipt_json(ctx, receipt)).collect();
        receipts.map(Some)
    })?;
    Ok(())
}

/// The state after the block `block` names (default `latest`, which includes dev overrides),
/// or in the pending block ([`call_at`]).
pub(crate) fn state_at(ctx: &RpcContext, block: Option<BlockId>) -> EthResult<StateDb> {
    Ok(match call_at(ctx, block)? {
        CallAt::Block(number) => ctx.node.chain().state_at(ctx.reader()?, number)?,
        CallAt::Pending(pending) => pending.state(),
    })
}

/// `eth_getTransactionCount`: the account nonce at a block; at `pending`, the next nonce
/// counting all the sender's pending transactions in the pool (more than one block may hold).
fn get_transaction_count(ctx: &RpcContext, args: &mut Args) -> EthResult<U64> {
    let (address, block) = (args.req::<Address>()?, args.opt::<BlockId>()?);
    if matches!(block, Some(BlockId::Number(BlockNumberOrTag::Pending))) {
        return Ok(U64::from(pending_nonce(ctx, address)?));
    }
    let state = state_at(ctx, block)?;
    Ok(U64::from(state.basic_ref(address)?.map(|info| info.nonce).unwrap_or_default()))
}

/// The next nonce of `address`, counting its pooled transactions.
pub(crate) fn pending_nonce(ctx: &RpcContext, address: Address) -> EthResult<u64> {
    let state = state_at(ctx, None)?;
    let nonce = state.basic_ref(address)?.map(|info| info.nonce).unwrap_or_default();
    Ok(ctx.node.pool().pending_nonce(address, nonce))
}

/// A block with the fields its framework adds (Nitro's `sendRoot` & co.).
fn block_by(
    ctx: &RpcContext,
    reader: &StoreReader,
    number: Option<u64>,
    full: bool,
) -> EthResult<Option<alloy_serde::WithOtherFields<Block>>> {
    let Some(number) = number else { return Ok(None) };
    Ok(load_block(reader, number, false)?.map(|block| {
        let extra = ctx.node.chain().block_fields(&block.header);
        let mut block = alloy_serde::WithOtherFields::new(rpc_block(block, full));
        block.other.extend(extra);
        block
    }))
}

fn transaction_count(reader: &StoreReader, number: Option<u64>) -> EthResult<Option<U64>> {
    let Some(number) = number else { return Ok(None) };
    if number > head_of(reader)? {
        return Ok(None);
    }
    Ok(reader.transactions(number)?.map(|txs| U64::from(txs.len())))
}

fn transaction_at(
    reader: &StoreReader,
    number: Option<u64>,
    index: usize,
) -> EthResult<Option<Transaction>> {
    let Some(number) = number else { return Ok(None) };
    Ok(load_block(reader, number, false)?.and_then(|block| rpc_transaction(&block.view(), index)))
}
