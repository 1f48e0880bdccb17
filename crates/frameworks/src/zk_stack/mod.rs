//! `zk-stack`: ZK Stack's user-facing semantics as ZKsync OS presents them for EVM bytecode,
//! on revm through alloy-evm's Ethereum block executor (as `ethereum`): ZKsync's EIP-712
//! transactions (type `0x71`, [`tephra_primitives::eip712`]) beside Ethereum's; priority (L1 ->
//! L2) transactions (type `0xff`, [`tephra_primitives::zk_priority`]) executed as the bootloader
//! executes them (see `executor.rs`); the system contracts L1Messenger (`0x…8008`,
//! `sendToL1(bytes)`), L2BaseToken (`0x…800a`, `withdraw(address)`,
//! `withdrawWithMessage(address,bytes)`, `balanceOf(uint256)`) and the getters of the L2 asset
//! router (`0x…10003`) and native token vault (`0x…10004`) as precompiles (see `system.rs`);
//! paymasters: an EIP-712 transaction with a non-zero `paymasterParams.paymaster` runs ZKsync's
//! paymaster flow (`approvalBased` / `general`, `validateAndPayForPaymasterTransaction`,
//! `postTransaction`, the unused gas refunded to the paymaster; see `paymaster.rs`), and the
//! pool runs its validation before taking it ([`Framework::validate_transaction`]); and
//! receipts carrying
//! `l1BatchNumber`, `l1BatchTxIndex` and `l2ToL1Logs` in zksync's JSON shape.
//!
//! Where this differs from ZK Stack (each a deliberate simplification, until a later issue):
//! - one block is one L1 batch: batch number = block number, batch tx index = block tx index,
//!   and the L2-to-L1 logs tree (2^14 leaves of 88-byte logs, keccak) is built per block;
//! - an EIP-712 transaction executes as an EIP-1559 call or create from its `from` (accounts
//!   are EOAs: no account abstraction, no `validateTransaction` of a contract account): its
//!   `gasPerPubdata` limit is not charged, and its factory dependencies are validated and
//!   hashed but not deployed to a code store;
//! - a paymaster's gas price is the EIP-1559 effective price, and the fee is settled as
//!   Ethereum's (base fee burnt, tip to the beneficiary), where ZKsync charges the base fee
//!   and pays the operator; a sponsored transaction's trace is its call's (`eth_estimateGas`
//!   and `zks_estimateFee` of a sponsored request run the whole flow, through
//!   [`Framework::validate_transaction`]);
//! - the system contracts' gas is the EVM's price of what they do plus 16 gas per byte of
//!   pubdata a message publishes, not ZKsync's pubdata pricing; L2BaseToken keeps no total
//!   supply (balances are the accounts' own);
//! - a priority transaction's gas is EVM gas, and its fee is paid to the block's beneficiary
//!   when it runs (ZKsync pays the operator at the end of the batch).

pub mod bridge;
mod executor;
pub mod paymaster;
pub mod system;

use crate::receipts::Receipts;
use alloy_consensus::{Header, transaction::Recovered};
use alloy_evm::block::{BlockExecutionError, BlockValidationError};
use alloy_evm::{
    Evm, EvmEnv, EvmFactory, FromRecoveredTx,
    eth::{EthBlockExecutor, EthEvmFactory},
    precompiles::PrecompilesMap,
};
use alloy_genesis::{Genesis, GenesisAccount};
use alloy_primitives::{Address, B256, Bytes};
use executor::{ZkExecutor, mint_value, priority_cfg};
use paymaster::execute_sponsored;
use revm::{
    context::TxEnv,
    context_interface::result::{EVMError, ExecutionResult},
};
use revm_inspectors::tracing::TracingInspector;
use serde_json::{Map, Value, json};
use tephra_chain::{
    BlockRun, BlockState, BlockTxs, CallInspector, ChainError, ChainSpec, ETHEREUM_TX_TYPES,
    Framework, TraceOutcome, Validation, evm_env, run_transactions,
};
use tephra_primitives::{
    ReceiptEnvelope, TxEnvelope,
    eip712::EIP712_TX_TYPE,
    tx::priority_tx_env,
    zk::{
        BOOTLOADER_FORMAL_ADDRESS, DEV_L1_CHAIN_ID, ETH_ADDRESS_IN_CONTRACTS, L1_MESSENGER,
        L2_ASSET_ROUTER, L2_BASE_TOKEN, L2_NATIVE_TOKEN_VAULT, L2ToL1Log, tx_logs,
    },
};

/// The ZK Stack profile. One block is one L1 batch.
///
/// Its L1 settings are what its system contracts report to L2 callers (zksync-ethers among
/// them); the node's configuration sets them together with the L1 addresses the RPC reports
/// (`tephra_rpc::ZkL1Config`), which must agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZkStack {
    /// The chain id of the L1 the chain settles on: the L2 asset router's and native token
    /// vault's `L1_CHAIN_ID()`, and part of the base token's asset id.
    pub l1_chain_id: u64,
    /// The L1 shared bridge (`ZkSharedBridge`): the L2 asset router's `L1_ASSET_ROUTER()`, which
    /// is where zksync-ethers finds it.
    pub l1_shared_bridge: Address,
    /// The base token's L1 address: ZK Stack's ether address (`0x…01`,
    /// [`ETH_ADDRESS_IN_CONTRACTS`]) or the L1 ERC-20 that is the chain's gas token. Part of
    /// the base token's asset id (`BASE_TOKEN_ASSET_ID()`), from which zksync-ethers tells an
    /// ether-based chain from another (`isEthBasedChain`, `isBaseToken`). The L2 base token is
    /// the native balance either way, at 18 decimals.
    pub l1_base_token: Address,
}

impl Default for ZkStack {
    /// A chain on ZKsync's local L1 with nothing deployed there.
    fn default() -> Self {
        Self {
            l1_chain_id: DEV_L1_CHAIN_ID,
            l1_shared_bridge: Address::ZERO,
            l1_base_token: ETH_ADDRESS_IN_CONTRACTS,
        }
    }
}

impl ZkStack {
    /// Installs the system contracts' precompiles and Tephra's stateless-call precompile
    /// (`tephra_chain::STATELESS_CALL`) in an EVM's `precompiles`: every EVM the profile builds
    /// (blocks, calls, the paymaster's sponsor EVM) goes through here.
    fn install(&self, precompiles: &mut PrecompilesMap) {
        system::install(precompiles, self);
        tephra_chain::install_stateless_call(precompiles);
    }
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

    /// The system contracts are precompiles; their accounts get one byte of code (`STOP`) so
    /// that `extcodesize` checks and explorers see contracts there, as on ZK Stack. The
    /// bootloader's formal address (`0x…8001`), which paymasters pay, exists without code (a
    /// nonce of 1), so that paying it is not an account creation each time (EIP-161 would
    /// remove it whenever its balance is back to zero).
    fn extend_genesis(&self, genesis: &mut Genesis) {
        for address in [L1_MESSENGER, L2_BASE_TOKEN, L2_ASSET_ROUTER, L2_NATIVE_TOKEN_VAULT] {
            genesis
                .alloc
                .insert(address, GenesisAccount::default().with_code(Some(Bytes::from([0u8]))));
        }
        genesis
            .alloc
            .insert(BOOTLOADER_FORMAL_ADDRESS, GenesisAccount::default().with_nonce(Some(1)));
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
        self.install(evm.precompiles_mut());
        let ctx = crate::ethereum::block_ctx(header);
        let executor =
            ZkExecutor { zk: *self, inner: EthBlockExecutor::new(evm, ctx, spec, Receipts) };
        run_transactions(executor, txs)
    }

    /// A paymaster-sponsored EIP-712 transaction runs its paymaster's validation (and the
    /// account's approval of the `approvalBased` flow) as the block would: its refusal is the
    /// pool's, with its reason.
    fn validate_transaction(
        &self,
        spec: &ChainSpec,
        header: &Header,
        state: &mut BlockState,
        tx: Recovered<&TxEnvelope>,
    ) -> Result<Validation, ChainError> {
        let Some(eip712) = tx.inner().as_eip712() else { return Ok(Ok(None)) };
        let Some(paymaster) = eip712.paymaster() else { return Ok(Ok(None)) };
        let mut evm = EthEvmFactory::default().create_evm(state, evm_env(spec, header));
        self.install(evm.precompiles_mut());
        // The pool takes a transaction after pending ones of its sender: any nonce here (the
        // pool checks it against the state's).
        let gas = header.gas_limit;
        match execute_sponsored(self, &mut evm, tx.inner(), eip712, paymaster, gas, true) {
            Ok(outcome) => Ok(Ok(Some(outcome.result.result))),
            Err(BlockExecutionError::Validation(BlockValidationError::InvalidTx {
                error, ..
            })) => Ok(Err(error.to_string())),
            Err(BlockExecutionError::Validation(other)) => Ok(Err(other.to_string())),
            Err(other) => Err(ChainError::Execution(other.to_string())),
        }
    }

    /// A priority transaction replays as it ran: its value minted to its sender, then its call
    /// under the priority configuration. A paymaster-sponsored transaction's call is traced
    /// alone, from its sender and without a fee (the paymaster's validation and
    /// `postTransaction` are not in the trace).
    fn trace_transaction(
        &self,
        spec: &ChainSpec,
        header: &Header,
        state: &mut BlockState,
        tx: Recovered<&TxEnvelope>,
        inspector: &mut TracingInspector,
    ) -> Result<TraceOutcome, ChainError> {
        let mut env = evm_env(spec, header);
        let tx_env = match tx.inner().as_priority() {
            Some(priority) => {
                mint_value(state, priority.inner())?;
                priority_cfg(&mut env.cfg_env);
                priority_tx_env(priority.inner())
            }
            None => {
                let mut tx_env = TxEnv::from_recovered_tx(tx.inner(), tx.signer());
                if tx.inner().as_eip712().is_some_and(|tx| tx.paymaster().is_some()) {
                    env.cfg_env.disable_base_fee = true;
                    tx_env.gas_price = 0;
                    tx_env.gas_priority_fee = Some(0);
                }
                tx_env
            }
        };
        let result = self
            .transact(env, state, tx_env, CallInspector::Tracing(inspector))
            .map_err(|err| ChainError::Execution(err.to_string()))?;
        Ok(TraceOutcome {
            gas_used: result.gas().tx_gas_used(),
            output: result.output().cloned().unwrap_or_default(),
        })
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
                self.install(evm.precompiles_mut());
                evm.transact(tx)
            }
            CallInspector::AccessList(inspector) => {
                let mut evm = factory.create_evm_with_inspector(state, env, inspector);
                self.install(evm.precompiles_mut());
                evm.transact(tx)
            }
            CallInspector::Tracing(inspector) => {
                let mut evm = factory.create_evm_with_inspector(state, env, inspector);
                self.install(evm.precompiles_mut());
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
                    .map(|receipt| tx_logs(index as u16, tx, receipt))
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
