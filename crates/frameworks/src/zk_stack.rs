//! `zk-stack`: ZK Stack's user-facing semantics as ZKsync OS presents them for EVM bytecode,
//! on revm through alloy-evm's Ethereum block executor (as `ethereum`): ZKsync's EIP-712
//! transactions (type `0x71`, [`tephra_primitives::eip712`]) beside Ethereum's, the L1Messenger
//! system contract at `0x…8008` as a precompile (`sendToL1(bytes)`), and receipts carrying
//! `l1BatchNumber`, `l1BatchTxIndex` and `l2ToL1Logs` in zksync's JSON shape.
//!
//! Where this differs from ZK Stack (each a deliberate simplification, until a later issue):
//! - one block is one L1 batch: batch number = block number, batch tx index = block tx index,
//!   and the L2-to-L1 logs tree (2^14 leaves of 88-byte logs, keccak) is built per block;
//! - an EIP-712 transaction executes as an EIP-1559 call or create from its `from`: its
//!   `gasPerPubdata` limit is not charged, its factory dependencies are validated and hashed
//!   but not deployed to a code store, and a paymaster is not called (the sender pays);
//! - L1Messenger's gas is the EVM's price of what it does (a keccak and a LOG3) plus 16 gas per
//!   byte of pubdata (the message and its 88-byte log), not ZKsync's pubdata pricing.

use crate::receipts::Receipts;
use alloy_consensus::Header;
use alloy_evm::{
    Evm, EvmEnv, EvmFactory,
    eth::{EthBlockExecutor, EthEvmFactory},
    precompiles::{DynPrecompile, PrecompileInput, PrecompilesMap},
};
use alloy_genesis::{Genesis, GenesisAccount};
use alloy_primitives::{B256, Bytes, Log, LogData, keccak256};
use alloy_sol_types::SolValue;
use revm::{
    context::TxEnv,
    context_interface::result::{EVMError, ExecutionResult},
    precompile::{PrecompileHalt, PrecompileId, PrecompileOutput, PrecompileResult},
};
use serde_json::{Map, Value, json};
use tephra_chain::{
    BlockRun, BlockState, BlockTxs, CallInspector, ChainError, ChainSpec, ETHEREUM_TX_TYPES,
    Framework, evm_env, run_transactions,
};
use tephra_primitives::{
    ReceiptEnvelope, TxEnvelope,
    eip712::EIP712_TX_TYPE,
    zk::{L1_MESSAGE_SENT_TOPIC, L1_MESSENGER, L2ToL1Log, SEND_TO_L1_SELECTOR, message_logs},
};

/// Gas per byte of pubdata a message publishes (the message and its L2-to-L1 log).
const PUBDATA_BYTE_GAS: u64 = 16;

/// The ZK Stack profile. One block is one L1 batch.
#[derive(Debug, Default, Clone, Copy)]
pub struct ZkStack;

/// The L1Messenger precompile: `sendToL1(bytes _message) returns (bytes32)` hashes the
/// message, emits `L1MessageSent(msg.sender, keccak256(_message), _message)` and returns the
/// hash. Reverts on other calldata, a value (the function is not payable) or a static call
/// (it emits an event); halts out of gas below its price.
pub fn l1_messenger() -> DynPrecompile {
    DynPrecompile::new_stateful(PrecompileId::Custom("L1Messenger".into()), send_to_l1)
}

fn send_to_l1(mut input: PrecompileInput<'_>) -> PrecompileResult {
    let reservoir = input.reservoir;
    let revert = |reservoir| Ok(PrecompileOutput::revert(0, Bytes::new(), reservoir));
    if input.is_static || !input.value.is_zero() {
        return revert(reservoir);
    }
    let data = input.data;
    let Some(args) = data.strip_prefix(&SEND_TO_L1_SELECTOR) else { return revert(reservoir) };
    let Ok((message,)) = <(Bytes,)>::abi_decode_params(args) else { return revert(reservoir) };
    let words = message.len().div_ceil(32) as u64;
    let len = message.len() as u64;
    // keccak (30 + 6/word), LOG3 (375 + 3 * 375 + 8/byte), pubdata (message + 88-byte log).
    let gas = 30 + 6 * words + 4 * 375 + 8 * len + PUBDATA_BYTE_GAS * (len + 88);
    if gas > input.gas {
        return Ok(PrecompileOutput::halt(PrecompileHalt::OutOfGas, reservoir));
    }
    let hash = keccak256(&message);
    let topics = vec![L1_MESSAGE_SENT_TOPIC, input.caller.into_word(), hash];
    let event_data = (message,).abi_encode_params();
    input.internals.log(Log {
        address: L1_MESSENGER,
        data: LogData::new_unchecked(topics, event_data.into()),
    });
    Ok(PrecompileOutput::new(gas, Bytes::copy_from_slice(hash.as_slice()), reservoir))
}

fn add_system_contracts(precompiles: &mut PrecompilesMap) {
    precompiles.apply_precompile(&L1_MESSENGER, |_| Some(l1_messenger()));
}

/// zksync's JSON of an L2-to-L1 log in a receipt (`api::L2ToL1Log`).
fn log_json(
    log: &L2ToL1Log,
    header: &Header,
    block_hash: B256,
    tx_hash: B256,
    log_index: usize,
    tx_log_index: usize,
) -> Value {
    json!({
        "blockHash": block_hash,
        "blockNumber": format!("{:#x}", header.number),
        "l1BatchNumber": format!("{:#x}", header.number),
        "transactionIndex": format!("{:#x}", log.tx_number_in_block),
        "txIndexInL1Batch": format!("{:#x}", log.tx_number_in_block),
        "transactionHash": tx_hash,
        "transactionLogIndex": format!("{tx_log_index:#x}"),
        "logIndex": format!("{log_index:#x}"),
        "shardId": format!("{:#x}", log.shard_id),
        "isService": log.is_service,
        "sender": log.sender,
        "key": log.key,
        "value": log.value,
    })
}

impl Framework for ZkStack {
    fn name(&self) -> &'static str {
        "zk-stack"
    }

    /// L1Messenger is a precompile; its account gets one byte of code (`STOP`) so that
    /// `extcodesize` checks and explorers see a contract there, as on ZK Stack.
    fn extend_genesis(&self, genesis: &mut Genesis) {
        genesis
            .alloc
            .insert(L1_MESSENGER, GenesisAccount::default().with_code(Some(Bytes::from([0u8]))));
    }

    fn accepts_tx_type(&self, ty: u8, _number: u64) -> bool {
        ty == EIP712_TX_TYPE || ETHEREUM_TX_TYPES.contains(&ty)
    }

    fn execute(
        &self,
        spec: &ChainSpec,
        header: &Header,
        state: &mut BlockState,
        txs: BlockTxs<'_, '_>,
    ) -> Result<BlockRun, ChainError> {
        let mut evm = EthEvmFactory::default().create_evm(state, evm_env(spec, header));
        add_system_contracts(evm.precompiles_mut());
        let ctx = crate::ethereum::block_ctx(header);
        run_transactions(EthBlockExecutor::new(evm, ctx, spec, Receipts), txs)
    }

    fn transact(
        &self,
        env: EvmEnv,
        state: &mut BlockState,
        tx: TxEnv,
        inspector: CallInspector<'_>,
    ) -> Result<ExecutionResult, EVMError<ChainError>> {
        let factory = EthEvmFactory::default();
        let result = match inspector {
            CallInspector::None => {
                let mut evm = factory.create_evm(state, env);
                add_system_contracts(evm.precompiles_mut());
                evm.transact(tx)
            }
            CallInspector::AccessList(inspector) => {
                let mut evm = factory.create_evm_with_inspector(state, env, inspector);
                add_system_contracts(evm.precompiles_mut());
                evm.transact(tx)
            }
            CallInspector::Tracing(inspector) => {
                let mut evm = factory.create_evm_with_inspector(state, env, inspector);
                add_system_contracts(evm.precompiles_mut());
                evm.transact(tx)
            }
        };
        Ok(result?.result)
    }

    fn receipt_fields(
        &self,
        header: &Header,
        _state: &mut BlockState,
        txs: &[TxEnvelope],
        receipts: &[ReceiptEnvelope],
    ) -> Result<Vec<Map<String, Value>>, ChainError> {
        let block_hash = header.hash_slow();
        let mut batch_log_index = 0;
        Ok(txs
            .iter()
            .enumerate()
            .map(|(index, tx)| {
                let logs = receipts
                    .get(index)
                    .map(|receipt| message_logs(index as u16, receipt.logs()))
                    .unwrap_or_default();
                let logs: Vec<Value> = logs
                    .iter()
                    .enumerate()
                    .map(|(tx_log_index, log)| {
                        let json = log_json(
                            log,
                            header,
                            block_hash,
                            tx.tx_hash(),
                            batch_log_index,
                            tx_log_index,
                        );
                        batch_log_index += 1;
                        json
                    })
                    .collect();
                Map::from_iter([
                    ("l1BatchNumber".to_string(), json!(format!("{:#x}", header.number))),
                    ("l1BatchTxIndex".to_string(), json!(format!("{index:#x}"))),
                    ("l2ToL1Logs".to_string(), Value::Array(logs)),
                ])
            })
            .collect())
    }
}
