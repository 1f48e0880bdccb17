//! ZK Stack's `zks_*` namespace, in zksync-era's JSON shapes (`core/lib/types/src/api`), for
//! the methods zksync-ethers' `Provider` calls. Served on `zk-stack` chains; elsewhere every
//! method answers "method not available on this framework".
//!
//! A Tephra zk-stack chain treats one block as one L1 batch, so batch numbers are block numbers
//! and a batch's L2-to-L1 logs tree is its block's. The L1 contracts and the L1 chain id these
//! methods report come from one place, [`ZkL1Config`] in the server's [`crate::RpcConfig`]
//! (the settlement layer sets it once it has deployed them; until then the addresses are zero
//! and the L1 chain id is ZKsync's local L1's, 9). The RPC does not follow L1: no batch is
//! reported committed, proven or executed there (those fields are `null`).
//!
//! A batch's `rootHash` is the root of ZKsync OS's state tree after it, which `zks_getProof`
//! proves against (`zks_proof.rs`); the block's Ethereum `stateRoot` stays the
//! Merkle-Patricia trie's, proven by `eth_getProof`.

use crate::{
    context::{Args, Module, RpcContext, blocking, head_of},
    convert::load_block,
    error::{EthError, EthResult},
    fees::suggested_tip,
};
use alloy_consensus::Transaction as _;
use alloy_eips::{BlockId, Typed2718};
use alloy_primitives::{Address, B256, Bytes, U64, U256};
use alloy_rpc_types_eth::{
    TransactionRequest,
    state::{AccountOverride, StateOverride},
};
use jsonrpsee::core::RegisterMethodError;
use revm::DatabaseRef;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::{
    sync::Arc,
    time::{Duration, UNIX_EPOCH},
};
use tephra_chain::CallAt;
use tephra_primitives::{
    ReceiptEnvelope, TxEnvelope,
    eip712::{DEFAULT_GAS_PER_PUBDATA, EIP712_TX_TYPE, Eip712Meta, PaymasterParams, TxEip712},
    tx::PRIORITY_TX_TYPE,
    zk::{
        DEV_L1_CHAIN_ID, ETH_ADDRESS_IN_CONTRACTS, L1_MESSENGER, L2ToL1Log, batch_logs, logs_tree,
    },
};
use tephra_storage::StoreReader;

/// The framework these methods belong to.
pub(crate) const FRAMEWORK: &str = "zk-stack";

/// zksync-ethers' default gas per pubdata byte, for requests and transactions without one.
const DEFAULT_PUBDATA: U256 = U256::from_limbs([DEFAULT_GAS_PER_PUBDATA, 0, 0, 0]);

/// The L1 side of a zk-stack chain as its `zks_*` methods report it: the L1 chain id and the
/// addresses of its L1 contracts (`contracts/src/settlement/zk`). The settlement layer fills it
/// in once it has deployed them (its README lists which contract is which); the default is a
/// chain with nothing deployed on ZKsync's local L1. The L2 side's copy of the L1 chain id and
/// the shared bridge is `tephra_frameworks::ZkStack` (its system contracts report them to L2
/// callers: zksync-ethers reads the shared bridge from the L2 asset router), which must agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub struct ZkL1Config {
    /// `zks_L1ChainId`.
    pub l1_chain_id: u64,
    /// The chain's main contract (ZK Stack's diamond proxy; `ZkChain` here):
    /// `zks_getMainContract`.
    pub main_contract: Address,
    /// The bridgehub: `zks_getBridgehubContract`.
    pub bridgehub: Address,
    /// The L1 shared bridge (asset router and nullifier; `ZkSharedBridge` here):
    /// `l1SharedDefaultBridge` of `zks_getBridgeContracts`, where zksync-ethers finalizes
    /// withdrawals.
    pub shared_bridge: Address,
    /// The base token's L1 address (`zks_getBaseTokenL1Address`): ZK Stack's ether address
    /// (`0x…01`) for a chain whose gas token is ether, else the L1 ERC-20 that is its gas token
    /// (a non-ETH-based chain; the L2 base token is still the native balance, at 18 decimals).
    pub base_token: Address,
    /// The price of a byte of pubdata, in wei: the chain profile's
    /// (`tephra_frameworks::ZkStack::pubdata_price`), reported by `zks_getFeeParams` and as
    /// the blocks' `fairPubdataPrice`.
    pub pubdata_price: u128,
}

impl Default for ZkL1Config {
    fn default() -> Self {
        Self {
            l1_chain_id: DEV_L1_CHAIN_ID,
            main_contract: Address::ZERO,
            bridgehub: Address::ZERO,
            shared_bridge: Address::ZERO,
            base_token: ETH_ADDRESS_IN_CONTRACTS,
            pubdata_price: 0,
        }
    }
}

/// `zks_getBridgeContracts`' answer (zksync-era `api::BridgeAddresses`): the shared bridge on
/// both sides (there is no L2 bridge contract yet: zero), no legacy ERC-20 or WETH bridges.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
struct BridgeAddresses {
    l1_erc20_default_bridge: Address,
    l2_erc20_default_bridge: Address,
    l1_weth_bridge: Address,
    l2_weth_bridge: Address,
    l1_shared_default_bridge: Address,
    l2_shared_default_bridge: Address,
    l2_legacy_shared_bridge: Address,
}

impl From<&ZkL1Config> for BridgeAddresses {
    fn from(config: &ZkL1Config) -> Self {
        Self {
            l1_erc20_default_bridge: Address::ZERO,
            l2_erc20_default_bridge: Address::ZERO,
            l1_weth_bridge: Address::ZERO,
            l2_weth_bridge: Address::ZERO,
            l1_shared_default_bridge: config.shared_bridge,
            l2_shared_default_bridge: Address::ZERO,
            l2_legacy_shared_bridge: Address::ZERO,
        }
    }
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
        Ok(U64::from(ctx.config.zk_l1.l1_chain_id))
    })?;
    blocking(module, "zks_L1BatchNumber", |ctx, _| {
        zk_only(ctx, "zks_L1BatchNumber")?;
        Ok(U64::from(head_of(&*ctx.reader()?)?))
    })?;
    blocking(module, "zks_getBridgeContracts", |ctx, _| {
        zk_only(ctx, "zks_getBridgeContracts")?;
        Ok(BridgeAddresses::from(&ctx.config.zk_l1))
    })?;
    blocking(module, "zks_getBridgehubContract", |ctx, _| {
        zk_only(ctx, "zks_getBridgehubContract")?;
        Ok(ctx.config.zk_l1.bridgehub)
    })?;
    blocking(module, "zks_getMainContract", |ctx, _| {
        zk_only(ctx, "zks_getMainContract")?;
        Ok(ctx.config.zk_l1.main_contract)
    })?;
    blocking(module, "zks_getBaseTokenL1Address", |ctx, _| {
        zk_only(ctx, "zks_getBaseTokenL1Address")?;
        Ok(ctx.config.zk_l1.base_token)
    })?;
    blocking(module, "zks_estimateFee", |ctx, args| {
        zk_only(ctx, "zks_estimateFee")?;
        estimate_fee(ctx, args)
    })?;
    blocking(module, "zks_estimateGasL1ToL2", |ctx, args| {
        zk_only(ctx, "zks_estimateGasL1ToL2")?;
        estimate_l1_to_l2(ctx, args)
    })?;
    blocking(module, "zks_getFeeParams", |ctx, _| {
        zk_only(ctx, "zks_getFeeParams")?;
        Ok(fee_params(ctx.node.next_base_fee(), ctx.config.zk_l1.pubdata_price))
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
        block_details(ctx, args.req::<u64>()?, false)
    })?;
    blocking(module, "zks_getL1BatchDetails", |ctx, args| {
        zk_only(ctx, "zks_getL1BatchDetails")?;
        block_details(ctx, args.req::<u64>()?, true)
    })?;
    blocking(module, "zks_getTransactionDetails", |ctx, args| {
        zk_only(ctx, "zks_getTransactionDetails")?;
        transaction_details(ctx, args.req::<B256>()?)
    })?;
    blocking(module, "zks_getProof", |ctx, args| {
        zk_only(ctx, "zks_getProof")?;
        crate::zks_proof::get_proof(ctx, args)
    })?;
    blocking(module, "zks_getRawBlockTransactions", |ctx, args| {
        zk_only(ctx, "zks_getRawBlockTransactions")?;
        raw_block_transactions(&*ctx.reader()?, args.req::<u64>()?)
    })?;
    Ok(())
}

/// A receipt as the RPC returns it; on a zk-stack chain each log also carries zksync's
/// `l1BatchNumber` (the block's: one block is one batch), `transactionLogIndex` and `logType`
/// (`api::Log`), which zksync-ethers' withdrawal finalization reads.
pub(crate) fn receipt_json(
    ctx: &crate::context::RpcContext,
    receipt: crate::convert::Receipt,
) -> EthResult<Value> {
    let mut json =
        serde_json::to_value(receipt).map_err(|err| EthError::Internal(err.to_string()))?;
    if ctx.node.chain().framework().name() != FRAMEWORK {
        return Ok(json);
    }
    let batch = json.get("blockNumber").cloned().unwrap_or(Value::Null);
    if let Some(logs) = json.get_mut("logs").and_then(Value::as_array_mut) {
        for (index, log) in logs.iter_mut().enumerate() {
            if let Some(log) = log.as_object_mut() {
                log.insert("l1BatchNumber".to_string(), batch.clone());
                log.insert("transactionLogIndex".to_string(), json!(format!("{index:#x}")));
                log.insert("logType".to_string(), Value::Null);
            }
        }
    }
    Ok(json)
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

/// zksync-era's estimate: the gas limit [`estimate_gas`] finds, the next base fee doubled as
/// the fee cap, the suggested tip, and the request's gas per pubdata byte, or the default, or
/// what the next block charges when that is more.
fn estimate_fee(ctx: &RpcContext, args: &mut Args) -> EthResult<Fee> {
    let request = args.req::<Value>()?;
    let (base_fee, tip) = next_fees(ctx)?;
    let charged = U256::from(tephra_frameworks::zk_stack::pubdata::gas_per_pubdata(
        ctx.config.zk_l1.pubdata_price,
        u64::try_from(base_fee).unwrap_or(u64::MAX),
    ));
    let gas_per_pubdata = request
        .get("eip712Meta")
        .or_else(|| request.get("customData"))
        .and_then(|meta| serde_json::from_value(meta.get("gasPerPubdata")?.clone()).ok())
        .unwrap_or_else(|| DEFAULT_PUBDATA.max(charged));
    let gas = estimate_gas(ctx, request, None, None)?;
    Ok(Fee {
        gas_limit: U256::from(gas),
        max_fee_per_gas: U256::from(base_fee.saturating_mul(2).saturating_add(tip)),
        max_priority_fee_per_gas: U256::from(tip),
        gas_per_pubdata_limit: gas_per_pubdata,
    })
}

/// The next block's base fee and the suggested tip, in wei.
fn next_fees(ctx: &RpcContext) -> EthResult<(u128, u128)> {
    Ok((u128::from(ctx.node.next_base_fee()), suggested_tip(&*ctx.reader()?)?))
}

/// `eth_estimateGas` on a zk-stack chain. A paymaster-sponsored EIP-712 request (its
/// `eip712Meta`, or zksync-ethers' `customData`, names a paymaster in `paymasterParams`) is
/// estimated as the transaction it would send, run whole as the next block on the head would
/// run it: the account's approval, the paymaster's validation, the call and
/// `postTransaction` ([`tephra_chain::Chain::estimate_transaction`]; block and state
/// overrides do not apply). Any other request is estimated as the EIP-1559 call it executes
/// as, at `block` (the pending block when none is given), its pubdata included.
pub(crate) fn estimate_gas(
    ctx: &RpcContext,
    mut request: Value,
    block: Option<BlockId>,
    state: Option<StateOverride>,
) -> EthResult<u64> {
    let meta = request.get("eip712Meta").or_else(|| request.get("customData")).cloned();
    let gas_per_pubdata = strip_eip712(&mut request);
    let request: TransactionRequest = serde_json::from_value(request)
        .map_err(|err| EthError::InvalidParams(format!("invalid argument 0: {err}")))?;
    let paymaster = meta.as_ref().map(paymaster_params).transpose()?.flatten();
    let Some(paymaster) = paymaster else {
        // In the block the transaction would be in, by default: its base fee sets the gas a
        // byte of pubdata costs.
        let at = match block {
            Some(block) => crate::context::call_at(ctx, Some(block))?,
            None => CallAt::Pending(Arc::new(ctx.node.next_block()?)),
        };
        return Ok(ctx.node.chain().estimate_gas(request, at, state)?);
    };
    let from = request.from.ok_or_else(|| {
        EthError::InvalidParams("a paymaster-sponsored estimate needs `from`".to_string())
    })?;
    let nonce = match request.nonce {
        Some(nonce) => nonce,
        None => crate::eth::pending_nonce(ctx, from)?,
    };
    let (base_fee, tip) = next_fees(ctx)?;
    let max_fee = request
        .max_fee_per_gas
        .or(request.gas_price)
        .unwrap_or_else(|| base_fee.saturating_mul(2).saturating_add(tip));
    let max_priority = request.max_priority_fee_per_gas.unwrap_or(tip).min(max_fee);
    let chain = ctx.node.chain();
    let cap = request.gas.unwrap_or_else(|| chain.head().header.gas_limit);
    let template = TxEip712 {
        chain_id: chain.spec().chain_id,
        nonce,
        max_priority_fee_per_gas: max_priority,
        max_fee_per_gas: max_fee,
        gas_limit: cap,
        to: request.to.unwrap_or_default(),
        value: request.value.unwrap_or_default(),
        input: request.input.input().cloned().unwrap_or_default(),
        v: 0,
        r: U256::ZERO,
        s: U256::ZERO,
        from,
        eip712_meta: Eip712Meta {
            gas_per_pubdata: gas_per_pubdata.unwrap_or(DEFAULT_PUBDATA),
            factory_deps: Vec::new(),
            custom_signature: Bytes::new(),
            paymaster_params: Some(paymaster),
        },
    };
    Ok(chain.estimate_transaction(from, cap, |gas| {
        TxEnvelope::from(TxEip712 { gas_limit: gas, ..template.clone() })
    })?)
}

/// The `paymasterParams` of a request's ZKsync fields, if it names a paymaster. Its
/// `paymasterInput` may be hex or, as zksync-ethers sends it, an array of bytes.
fn paymaster_params(meta: &Value) -> EthResult<Option<PaymasterParams>> {
    let Some(params) = meta.get("paymasterParams").filter(|params| !params.is_null()) else {
        return Ok(None);
    };
    let invalid = |what: &str| EthError::InvalidParams(format!("invalid paymasterParams: {what}"));
    let paymaster: Address = serde_json::from_value(params["paymaster"].clone())
        .map_err(|_| invalid("`paymaster` is not an address"))?;
    let input = &params["paymasterInput"];
    let paymaster_input: Bytes = match input {
        Value::Array(_) => serde_json::from_value::<Vec<u8>>(input.clone()).map(Bytes::from),
        _ => serde_json::from_value(input.clone()),
    }
    .map_err(|_| invalid("`paymasterInput` is neither hex nor an array of bytes"))?;
    Ok((!paymaster.is_zero()).then_some(PaymasterParams { paymaster, paymaster_input }))
}

/// `zks_estimateGasL1ToL2`: the L2 gas limit a priority transaction making this call needs
/// (what zksync-ethers puts in `l2GasLimit` of a deposit or `requestExecute`). Estimated as the
/// call runs in a priority transaction: from `from` (an L1 contract's aliased address), which
/// the L1 deposit gives `value` before the call, so the sender need not hold it on L2.
fn estimate_l1_to_l2(ctx: &crate::context::RpcContext, args: &mut Args) -> EthResult<U256> {
    let mut request = args.req::<Value>()?;
    strip_eip712(&mut request);
    let mut request: TransactionRequest = serde_json::from_value(request)
        .map_err(|err| EthError::InvalidParams(format!("invalid argument 0: {err}")))?;
    if !matches!(request.to, Some(alloy_primitives::TxKind::Call(_))) {
        return Err(EthError::InvalidParams(
            "an L1 to L2 transaction calls a contract: `to` is required".to_string(),
        ));
    }
    // A priority transaction pays its gas from the deposit, not from the sender.
    request.gas_price = None;
    request.max_fee_per_gas = None;
    request.max_priority_fee_per_gas = None;
    let from = request.from.unwrap_or_default();
    let value = request.value.unwrap_or_default();
    let balance = crate::eth::state_at(ctx, None)?
        .basic_ref(from)?
        .map(|info| info.balance)
        .unwrap_or_default();
    let mut overrides = StateOverride::default();
    overrides.insert(
        from,
        AccountOverride { balance: Some(balance.saturating_add(value)), ..Default::default() },
    );
    let head = ctx.node.chain().head().header.number;
    let priority = Some(tephra_primitives::tx::PRIORITY_TX_TYPE);
    Ok(U256::from(ctx.node.chain().estimate_gas_as(request, head, Some(overrides), priority)?))
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
/// the pubdata price the chain's, and the L1 gas price (which it does not price) zero.
fn fee_params(base_fee: u64, pubdata_price: u128) -> Value {
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
            "l1_pubdata_price": pubdata_price,
            "conversion_ratio": { "numerator": 1, "denominator": 1 },
        }
    })
}

/// The logs of block (batch) `number` and their tree's root and proof of the `id`th.
fn prove(txs: &[TxEnvelope], receipts: &[ReceiptEnvelope], id: usize) -> EthResult<LogProof> {
    let leaves: Vec<B256> = batch_logs(txs, receipts).iter().map(L2ToL1Log::leaf_hash).collect();
    let (root, proof) =
        logs_tree(&leaves, Some(id)).map_err(|err| EthError::Internal(err.to_string()))?;
    Ok(LogProof { proof, id: id as u32, root })
}

/// `zks_getL2ToL1LogProof`: the proof of the `index`th L2-to-L1 log of transaction `hash`, or
/// `null` if it is not mined or has no such log.
fn log_proof(reader: &StoreReader, hash: B256, index: usize) -> EthResult<Option<LogProof>> {
    let Some(location) = reader.tx_location(&hash)? else { return Ok(None) };
    let Some(block) = load_block(reader, location.block, true)? else { return Ok(None) };
    let logs = batch_logs(&block.transactions, &block.receipts);
    let Some(id) = logs
        .iter()
        .enumerate()
        .filter(|(_, log)| u32::from(log.tx_number_in_block) == location.index)
        .map(|(id, _)| id)
        .nth(index)
    else {
        return Ok(None);
    };
    prove(&block.transactions, &block.receipts, id).map(Some)
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
    let logs = batch_logs(&block.transactions, &block.receipts);
    let matches = |log: &L2ToL1Log| {
        log.sender == L1_MESSENGER && log.key == sender.into_word() && log.value == message
    };
    let id = match position {
        Some(position) => logs.get(position).filter(|log| matches(log)).map(|_| position),
        None => logs.iter().position(matches),
    };
    id.map(|id| prove(&block.transactions, &block.receipts, id)).transpose()
}

/// A Unix timestamp as RFC 3339 (zksync-era's `DateTime<Utc>`).
fn rfc3339(timestamp: u64) -> String {
    humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(timestamp)).to_string()
}

/// `zks_getBlockDetails` (`batch` false) or `zks_getL1BatchDetails` (`batch` true) of block
/// `number`: the block is its own batch, sealed and never sent to L1.
fn block_details(ctx: &RpcContext, number: u64, batch: bool) -> EthResult<Option<Value>> {
    let Some(block) = load_block(&*ctx.reader()?, number, true)? else { return Ok(None) };
    let header = &block.header;
    let root = match batch {
        true => crate::zks_proof::tree_at(ctx, number)?.map(|synced| synced.info.root),
        false => Some(block.hash),
    };
    let logs_root = tephra_primitives::zk::batch_logs_root(&block.transactions, &block.receipts)
        .map_err(|err| EthError::Internal(err.to_string()))?;
    let l1_txs = block.transactions.iter().filter(|tx| tx.as_priority().is_some()).count();
    let base_fee = header.base_fee_per_gas.unwrap_or_default();
    let mut details = json!({
        "number": number,
        "timestamp": header.timestamp,
        "l1TxCount": l1_txs,
        "l2TxCount": block.transactions.len() - l1_txs,
        "rootHash": root,
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
        "fairPubdataPrice": tephra_frameworks::zk_stack::block_pubdata_price(header),
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
        "isL1Originated": tx.as_priority().is_some(),
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
        PRIORITY_TX_TYPE => "PriorityOpTransaction",
        _ => "Other",
    }
}

/// A priority transaction in zksync-era's internal `Transaction` shape (`common_data.L1`,
/// `L1TxCommonData`'s serde); factory dependencies are reported by hash only (a Tephra chain
/// does not keep their bytecodes), and it has no raw bytes (zksync-era serializes none).
fn priority_json(tx: &tephra_primitives::tx::TxPriority, hash: B256, timestamp: u64) -> Value {
    json!({
        "common_data": { "L1": {
            "sender": tx.from,
            "serialId": tx.serial_id,
            "layer2TipFee": U256::ZERO,
            "fullFee": U256::ZERO,
            "maxFeePerGas": U256::from(tx.max_fee_per_gas),
            "gasLimit": U256::from(tx.gas_limit),
            "gasPerPubdataLimit": tx.gas_per_pubdata_byte_limit,
            "opProcessingType": "Common",
            "priorityQueueType": "Deque",
            "canonicalTxHash": hash,
            "toMint": tx.to_mint(),
            "refundRecipient": tx.refund_recipient(),
            "deadlineBlock": 0,
            "ethHash": B256::ZERO,
            "ethBlock": 0,
        }},
        "execute": {
            "contractAddress": tx.to,
            "calldata": tx.input,
            "value": tx.value,
            "factoryDeps": tx.factory_deps,
        },
        "received_timestamp_ms": timestamp * 1000,
        "raw_bytes": null,
    })
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
            if let Some(priority) = tx.as_priority() {
                return priority_json(priority.inner(), tx.tx_hash(), block.header.timestamp);
            }
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
