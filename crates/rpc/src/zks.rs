//! ZK Stack's `zks_*` namespace, in zksync-era's JSON shapes (`core/lib/types/src/api`), for
//! the methods zksync-ethers' `Provider` calls. Served on `zk-stack` chains; elsewhere every
//! method answers "method not available on this framework".
//!
//! A Tephra zk-stack chain treats one block as one L1 batch, so batch numbers are block numbers
//! and a batch's L2-to-L1 logs tree is its block's. There is no L1 settlement yet: the L1
//! contracts are zero addresses ([`L1Contracts::NOT_DEPLOYED`], the one place that says so), no
//! batch is committed, proven or executed on L1 (those fields are `null`), and the L1 chain id
//! is [`L1_CHAIN_ID`].

use crate::{
    context::{Args, Module, blocking, head_of},
    convert::load_block,
    error::{EthError, EthResult},
    fees::suggested_tip,
};
use alloy_consensus::Transaction as _;
use alloy_eips::Typed2718;
use alloy_primitives::{Address, B256, Bytes, U64, U256, address};
use alloy_rpc_types_eth::TransactionRequest;
use jsonrpsee::core::RegisterMethodError;
use serde::Serialize;
use serde_json::{Value, json};
use std::time::{Duration, UNIX_EPOCH};
use tephra_primitives::{
    ReceiptEnvelope, TxEnvelope,
    eip712::{DEFAULT_GAS_PER_PUBDATA, EIP712_TX_TYPE},
    zk::{L1_MESSENGER, L2ToL1Log, batch_logs, logs_tree},
};
use tephra_storage::StoreReader;

/// The framework these methods belong to.
pub(crate) const FRAMEWORK: &str = "zk-stack";

/// zksync-ethers' default gas per pubdata byte, for requests and transactions without one.
const DEFAULT_PUBDATA: U256 = U256::from_limbs([DEFAULT_GAS_PER_PUBDATA, 0, 0, 0]);

/// The L1 chain id reported until a zk-stack chain settles on a real L1: 9, the chain id of
/// ZKsync's local development L1.
pub(crate) const L1_CHAIN_ID: u64 = 9;

/// ETH's address in ZK Stack's L1 contracts (`ETH_ADDRESS_IN_CONTRACTS`): the base token of a
/// chain whose gas token is ether.
const ETH_L1_ADDRESS: Address = address!("0x0000000000000000000000000000000000000001");

/// The L1 contracts of a zk-stack chain, in `zks_getBridgeContracts`' shape.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct L1Contracts {
    /// The diamond proxy (`zks_getMainContract`).
    #[serde(skip)]
    main: Address,
    /// The bridgehub (`zks_getBridgehubContract`).
    #[serde(skip)]
    bridgehub: Address,
    l1_erc20_default_bridge: Address,
    l2_erc20_default_bridge: Address,
    l1_weth_bridge: Address,
    l2_weth_bridge: Address,
    l1_shared_default_bridge: Address,
    l2_shared_default_bridge: Address,
    l2_legacy_shared_bridge: Address,
}

impl L1Contracts {
    /// No L1 contract is deployed yet (a later issue deploys them through the settlement
    /// layer): every address is zero. This is the only place the RPC takes them from.
    pub(crate) const NOT_DEPLOYED: Self = Self {
        main: Address::ZERO,
        bridgehub: Address::ZERO,
        l1_erc20_default_bridge: Address::ZERO,
        l2_erc20_default_bridge: Address::ZERO,
        l1_weth_bridge: Address::ZERO,
        l2_weth_bridge: Address::ZERO,
        l1_shared_default_bridge: Address::ZERO,
        l2_shared_default_bridge: Address::ZERO,
        l2_legacy_shared_bridge: Address::ZERO,
    };
}

/// `zks_estimateFee`'s answer (zksync-era `api::Fee`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct Fee {
    gas_limit: U256,
    max_fee_per_gas: U256,
    max_priority_fee_per_gas: U256,
    gas_per_pubdata_limit: U256,
}

/// A proof of one L2-to-L1 log in its batch's logs tree (zksync-era `L2ToL1LogProof`).
#[derive(Debug, Clone, Serialize)]
struct LogProof {
    /// Sibling hashes, leaf level first.
    proof: Vec<B256>,
    /// The log's position among the batch's logs.
    id: u32,
    /// The logs tree's root.
    root: B256,
}

/// Registers the methods of this module.
pub(crate) fn register(module: &mut Module) -> Result<(), RegisterMethodError> {
    blocking(module, "zks_L1ChainId", |ctx, _| {
        zk_only(ctx, "zks_L1ChainId")?;
        Ok(U64::from(L1_CHAIN_ID))
    })?;
    blocking(module, "zks_L1BatchNumber", |ctx, _| {
        zk_only(ctx, "zks_L1BatchNumber")?;
        Ok(U64::from(head_of(&*ctx.reader()?)?))
    })?;
    blocking(module, "zks_getBridgeContracts", |ctx, _| {
        zk_only(ctx, "zks_getBridgeContracts")?;
        Ok(L1Contracts::NOT_DEPLOYED)
    })?;
    blocking(module, "zks_getBridgehubContract", |ctx, _| {
        zk_only(ctx, "zks_getBridgehubContract")?;
        Ok(L1Contracts::NOT_DEPLOYED.bridgehub)
    })?;
    blocking(module, "zks_getMainContract", |ctx, _| {
        zk_only(ctx, "zks_getMainContract")?;
        Ok(L1Contracts::NOT_DEPLOYED.main)
    })?;
    blocking(module, "zks_getBaseTokenL1Address", |ctx, _| {
        zk_only(ctx, "zks_getBaseTokenL1Address")?;
        Ok(ETH_L1_ADDRESS)
    })?;
    blocking(module, "zks_estimateFee", |ctx, args| {
        zk_only(ctx, "zks_estimateFee")?;
        estimate_fee(ctx, args)
    })?;
    blocking(module, "zks_getFeeParams", |ctx, _| {
        zk_only(ctx, "zks_getFeeParams")?;
        Ok(fee_params(ctx.node.next_base_fee()))
    })?;
    blocking(module, "zks_getL2ToL1LogProof", |ctx, args| {
        zk_only(ctx, "zks_getL2ToL1LogProof")?;
        let (hash, index) = (args.req::<B256>()?, args.opt::<usize>()?);
        log_proof(&*ctx.reader()?, hash, index.unwrap_or_default())
    })?;
    blocking(module, "zks_getL2ToL1MsgProof", |ctx, args| {
        zk_only(ctx, "zks_getL2ToL1MsgProof")?;
        let (block, sender, message) =
            (args.req::<u64>()?, args.req::<Address>()?, args.req::<B256>()?);
        let position = args.opt::<usize>()?;
        msg_proof(&*ctx.reader()?, block, sender, message, position)
    })?;
    blocking(module, "zks_getBlockDetails", |ctx, args| {
        zk_only(ctx, "zks_getBlockDetails")?;
        block_details(&*ctx.reader()?, args.req::<u64>()?, false)
    })?;
    blocking(module, "zks_getL1BatchDetails", |ctx, args| {
        zk_only(ctx, "zks_getL1BatchDetails")?;
        block_details(&*ctx.reader()?, args.req::<u64>()?, true)
    })?;
    blocking(module, "zks_getTransactionDetails", |ctx, args| {
        zk_only(ctx, "zks_getTransactionDetails")?;
        transaction_details(ctx, args.req::<B256>()?)
    })?;
    blocking(module, "zks_getRawBlockTransactions", |ctx, args| {
        zk_only(ctx, "zks_getRawBlockTransactions")?;
        raw_block_transactions(&*ctx.reader()?, args.req::<u64>()?)
    })?;
    Ok(())
}

/// Refuses `method` on chains of another framework.
fn zk_only(ctx: &crate::context::RpcContext, method: &str) -> EthResult<()> {
    let framework = ctx.node.chain().framework().name();
    if framework == FRAMEWORK {
        return Ok(());
    }
    Err(EthError::Unsupported(format!(
        "method {method} not available on this framework ({framework}); it is served on {FRAMEWORK} chains"
    )))
}

/// zksync-era's estimate: the gas limit `eth_estimateGas` finds (an EIP-712 request is
/// estimated as the EIP-1559 call it executes as), the next base fee doubled as the fee cap,
/// the suggested tip, and the default gas per pubdata byte.
fn estimate_fee(ctx: &crate::context::RpcContext, args: &mut Args) -> EthResult<Fee> {
    let mut request = args.req::<Value>()?;
    let gas_per_pubdata = strip_eip712(&mut request).unwrap_or(DEFAULT_PUBDATA);
    let request: TransactionRequest = serde_json::from_value(request)
        .map_err(|err| EthError::InvalidParams(format!("invalid argument 0: {err}")))?;
    let head = ctx.node.chain().head().header.number;
    let gas = ctx.node.chain().estimate_gas(request, head, None)?;
    let tip = suggested_tip(&*ctx.reader()?)?;
    let base_fee = u128::from(ctx.node.next_base_fee());
    Ok(Fee {
        gas_limit: U256::from(gas),
        max_fee_per_gas: U256::from(base_fee.saturating_mul(2).saturating_add(tip)),
        max_priority_fee_per_gas: U256::from(tip),
        gas_per_pubdata_limit: gas_per_pubdata,
    })
}

/// Removes what Ethereum's call request has no field for (ZKsync's `eip712Meta`, type `0x71`),
/// returning the request's `gasPerPubdata` if it had one.
pub(crate) fn strip_eip712(request: &mut Value) -> Option<U256> {
    let object = request.as_object_mut()?;
    let is_eip712 = object.get("type").and_then(Value::as_str).is_some_and(|ty| {
        u8::from_str_radix(ty.trim_start_matches("0x"), 16) == Ok(EIP712_TX_TYPE)
    });
    if is_eip712 {
        object.remove("type");
    }
    let meta = object.remove("eip712Meta").or_else(|| object.remove("customData"))?;
    serde_json::from_value(meta.get("gasPerPubdata")?.clone()).ok()
}

/// zksync-era's `FeeParams::V2`, from this chain's fees: the L2 gas price is the next base fee,
/// and with no L1 the L1 prices are zero.
fn fee_params(base_fee: u64) -> Value {
    json!({
        "V2": {
            "config": {
                "minimal_l2_gas_price": base_fee,
                "compute_overhead_part": 0.0,
                "pubdata_overhead_part": 1.0,
                "batch_overhead_l1_gas": 0,
                "max_gas_per_batch": 30_000_000u64,
                "max_pubdata_per_batch": 120_000u64,
            },
            "l1_gas_price": 0,
            "l1_pubdata_price": 0,
            "conversion_ratio": { "numerator": 1, "denominator": 1 },
        }
    })
}

/// The logs of block (batch) `number` and their tree's root and proof of the `id`th.
fn prove(receipts: &[ReceiptEnvelope], id: usize) -> EthResult<LogProof> {
    let leaves: Vec<B256> = batch_logs(receipts).iter().map(L2ToL1Log::leaf_hash).collect();
    let (root, proof) =
        logs_tree(&leaves, Some(id)).map_err(|err| EthError::Internal(err.to_string()))?;
    Ok(LogProof { proof, id: id as u32, root })
}

/// `zks_getL2ToL1LogProof`: the proof of the `index`th L2-to-L1 log of transaction `hash`, or
/// `null` if it is not mined or has no such log.
fn log_proof(reader: &StoreReader, hash: B256, index: usize) -> EthResult<Option<LogProof>> {
    let Some(location) = reader.tx_location(&hash)? else { return Ok(None) };
    let Some(block) = load_block(reader, location.block, true)? else { return Ok(None) };
    let logs = batch_logs(&block.receipts);
    let Some(id) = logs
        .iter()
        .enumerate()
        .filter(|(_, log)| u32::from(log.tx_number_in_block) == location.index)
        .map(|(id, _)| id)
        .nth(index)
    else {
        return Ok(None);
    };
    prove(&block.receipts, id).map(Some)
}

/// `zks_getL2ToL1MsgProof`: the proof of the message `message` (its hash) that `sender` sent
/// in block (batch) `number`, at `position` among the batch's logs if given.
fn msg_proof(
    reader: &StoreReader,
    number: u64,
    sender: Address,
    message: B256,
    position: Option<usize>,
) -> EthResult<Option<LogProof>> {
    let Some(block) = load_block(reader, number, true)? else { return Ok(None) };
    let logs = batch_logs(&block.receipts);
    let matches = |log: &L2ToL1Log| {
        log.sender == L1_MESSENGER && log.key == sender.into_word() && log.value == message
    };
    let id = match position {
        Some(position) => logs.get(position).filter(|log| matches(log)).map(|_| position),
        None => logs.iter().position(matches),
    };
    id.map(|id| prove(&block.receipts, id)).transpose()
}

/// A Unix timestamp as RFC 3339 (zksync-era's `DateTime<Utc>`).
fn rfc3339(timestamp: u64) -> String {
    humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(timestamp)).to_string()
}

/// `zks_getBlockDetails` (`batch` false) or `zks_getL1BatchDetails` (`batch` true) of block
/// `number`: the block is its own batch, sealed and never sent to L1.
fn block_details(reader: &StoreReader, number: u64, batch: bool) -> EthResult<Option<Value>> {
    let Some(block) = load_block(reader, number, true)? else { return Ok(None) };
    let header = &block.header;
    let leaves: Vec<B256> = batch_logs(&block.receipts).iter().map(L2ToL1Log::leaf_hash).collect();
    let (logs_root, _) =
        logs_tree(&leaves, None).map_err(|err| EthError::Internal(err.to_string()))?;
    let base_fee = header.base_fee_per_gas.unwrap_or_default();
    let mut details = json!({
        "number": number,
        "timestamp": header.timestamp,
        "l1TxCount": 0,
        "l2TxCount": block.transactions.len(),
        "rootHash": if batch { header.state_root } else { block.hash },
        "status": "sealed",
        "commitTxHash": null,
        "committedAt": null,
        "commitChainId": null,
        "proveTxHash": null,
        "provenAt": null,
        "proveChainId": null,
        "executeTxHash": null,
        "executedAt": null,
        "executeChainId": null,
        "l1GasPrice": 0,
        "l2FairGasPrice": base_fee,
        "fairPubdataPrice": 0,
        "baseSystemContractsHashes": {
            "bootloader": B256::ZERO,
            "default_aa": B256::ZERO,
            "evm_emulator": null,
        },
        // Not in zksync-era's shape: the batch's L2-to-L1 logs tree root, which
        // `zks_getL2ToL1LogProof` proves against.
        "l2ToL1LogsRoot": logs_root,
    });
    if !batch {
        details["l1BatchNumber"] = json!(number);
        details["operatorAddress"] = json!(header.beneficiary);
        details["protocolVersion"] = Value::Null;
    }
    Ok(Some(details))
}

/// `zks_getTransactionDetails`: a mined transaction is `included` (no L1 verifies it yet), a
/// pooled one `pending`.
fn transaction_details(ctx: &crate::context::RpcContext, hash: B256) -> EthResult<Option<Value>> {
    let reader = ctx.reader()?;
    let Some(location) = reader.tx_location(&hash)? else {
        return Ok(ctx
            .node
            .pool()
            .get(&hash)
            .map(|tx| details_json("pending", tx.envelope(), tx.sender(), U256::ZERO, None)));
    };
    let Some(block) = load_block(&reader, location.block, true)? else { return Ok(None) };
    let index = location.index as usize;
    let (Some(tx), Some(sender), Some(receipt)) =
        (block.transactions.get(index), block.senders.get(index), block.receipts.get(index))
    else {
        return Ok(None);
    };
    let previous = index.checked_sub(1).and_then(|i| block.receipts.get(i));
    let gas_used = receipt.receipt.cumulative_gas_used
        - previous.map_or(0, |receipt| receipt.receipt.cumulative_gas_used);
    let price = tx.effective_gas_price(block.header.base_fee_per_gas);
    let fee = U256::from(gas_used) * U256::from(price);
    let status = if receipt.receipt.status.coerce_status() { "included" } else { "failed" };
    Ok(Some(details_json(status, tx, *sender, fee, Some(block.header.timestamp))))
}

fn gas_per_pubdata(tx: &TxEnvelope) -> U256 {
    tx.as_eip712().map_or(DEFAULT_PUBDATA, |tx| tx.eip712_meta.gas_per_pubdata)
}

fn details_json(
    status: &str,
    tx: &TxEnvelope,
    sender: Address,
    fee: U256,
    timestamp: Option<u64>,
) -> Value {
    let received = timestamp.unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs()
    });
    json!({
        "isL1Originated": false,
        "status": status,
        "fee": fee,
        "gasPerPubdata": gas_per_pubdata(tx),
        "initiatorAddress": sender,
        "receivedAt": rfc3339(received),
        "ethCommitTxHash": null,
        "ethProveTxHash": null,
        "ethExecuteTxHash": null,
    })
}

/// zksync-era's name of a transaction's type in `common_data.L2.transactionType`.
fn transaction_type_name(ty: u8) -> &'static str {
    match ty {
        0 => "LegacyTransaction",
        1 => "EIP2930Transaction",
        2 => "EIP1559Transaction",
        EIP712_TX_TYPE => "EIP712Transaction",
        _ => "Other",
    }
}

/// `zks_getRawBlockTransactions`: block `number`'s transactions in zksync-era's internal
/// `Transaction` shape (`common_data.L2`, `execute`), byte fields as hex strings.
fn raw_block_transactions(reader: &StoreReader, number: u64) -> EthResult<Vec<Value>> {
    let Some(block) = load_block(reader, number, false)? else {
        return Err(EthError::InvalidParams(format!("block {number} does not exist")));
    };
    Ok(block
        .transactions
        .iter()
        .zip(&block.senders)
        .map(|(tx, sender)| {
            let meta = tx.as_eip712().map(|tx| tx.eip712_meta.clone()).unwrap_or_default();
            let paymaster = meta.paymaster_params.unwrap_or_default();
            let raw = Bytes::from(alloy_eips::Encodable2718::encoded_2718(tx));
            json!({
                "common_data": { "L2": {
                    "nonce": tx.nonce(),
                    "fee": {
                        "gas_limit": U256::from(tx.gas_limit()),
                        "max_fee_per_gas": U256::from(tx.max_fee_per_gas()),
                        "max_priority_fee_per_gas": U256::from(tx.priority_fee_or_price()),
                        "gas_per_pubdata_limit": gas_per_pubdata(tx),
                    },
                    "initiatorAddress": sender,
                    "signature": meta.custom_signature,
                    "transactionType": transaction_type_name(tx.ty()),
                    "input": { "hash": tx.tx_hash(), "data": raw },
                    "paymasterParams": {
                        "paymaster": paymaster.paymaster,
                        "paymasterInput": paymaster.paymaster_input,
                    },
                }},
                "execute": {
                    "contractAddress": tx.to(),
                    "calldata": tx.input(),
                    "value": tx.value(),
                    "factoryDeps": meta.factory_deps,
                },
                "received_timestamp_ms": block.header.timestamp * 1000,
                "raw_bytes": raw,
            })
        })
        .collect())
}
