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
//! `postTransaction`, the unused gas refunded to the paymaster; see `paymaster.rs`), the pool
//! runs its validation before taking it ([`Framework::validate_transaction`]),
//! `eth_estimateGas` and `zks_estimateFee` of a sponsored request run the whole flow, and
//! `debug_traceTransaction` shows its every call in the bootloader's frame; receipts
//! carrying `l1BatchNumber`, `l1BatchTxIndex` and `l2ToL1Logs` in zksync's JSON shape; and
//! ZKsync OS's state tree (`tree.rs`), kept beside the chain's Merkle-Patricia trie, which
//! `zks_getProof` proves and a batch's `rootHash` is of.
//!
//! Where this differs from ZK Stack (each a deliberate simplification, until a later issue):
//! - one block is one L1 batch: batch number = block number, batch tx index = block tx index,
//!   and the L2-to-L1 logs tree (2^14 leaves of 88-byte logs, keccak) is built per block;
//! - the state tree takes a block's new keys in key order (ZKsync OS in the order the block
//!   wrote them), so its leaf indices, and so its root, are Tephra's own;
//! - an EIP-712 transaction executes as an EIP-1559 call or create from its `from` (accounts
//!   are EOAs: no account abstraction, no `validateTransaction` of a contract account), and
//!   its factory dependencies are validated and hashed but not deployed to a code store;
//! - a paymaster's gas price is the EIP-1559 effective price, and the fee is settled as
//!   Ethereum's (base fee burnt, tip to the beneficiary), where ZKsync charges the base fee
//!   and pays the operator;
//! - pubdata is counted and charged as ZKsync OS does (see `pubdata.rs`: the larger of the
//!   EVM gas and the pubdata's gas, an L2 transaction whose gas limit cannot pay reverting, a
//!   `gasPerPubdata` limit below the chain's refused; a priority transaction's at the 800 gas
//!   a byte its deposit paid for, one that cannot pay failing), but the native cost of
//!   computation is not modelled, and a priority transaction's pubdata is measured before
//!   its fee and refund are paid out;
//! - the system contracts' gas is the EVM's price of what they do plus 16 gas per byte of the
//!   message they publish (ZKsync OS's hooks charge their own); L2BaseToken keeps no total
//!   supply (balances are the accounts' own);
//! - a priority transaction's gas is EVM gas, and its fee is paid to the block's beneficiary
//!   when it runs (ZKsync pays the operator at the end of the batch).

pub mod bridge;
mod executor;
pub mod paymaster;
pub mod pubdata;
pub mod system;
pub mod tree;

use crate::{balances::adjust, receipts::Receipts};
use alloy_consensus::{Header, transaction::Recovered};
use alloy_evm::block::{BlockExecutionError, BlockValidationError};
use alloy_evm::{
    Evm, EvmEnv, EvmFactory, FromRecoveredTx,
    eth::{EthBlockExecutor, EthEvmFactory},
    precompiles::PrecompilesMap,
};
use alloy_genesis::{Genesis, GenesisAccount};
use alloy_primitives::{Address, B256, Bytes, U256};
use executor::{ZkExecutor, mint_value, priority_cfg};
use paymaster::{execute_sponsored, trace_sponsored};
use pubdata::PubdataCharge;
use revm::{
    context::TxEnv,
    context_interface::result::{EVMError, ExecutionResult, HaltReason, OutOfGasError, ResultGas},
};
use revm_inspectors::tracing::TracingInspector;
use serde_json::{Map, Value, json};
use tephra_chain::{
    BlockRun, BlockState, BlockTxs, CallInspector, ChainError, ChainSpec, ETHEREUM_TX_TYPES,
    Framework, L1Origin, TraceOutcome, Validation, evm_env, run_transactions,
};
use tephra_primitives::{
    ReceiptEnvelope, TxEnvelope,
    eip712::EIP712_TX_TYPE,
    tx::{PRIORITY_TX_TYPE, REQUIRED_L2_GAS_PRICE_PER_PUBDATA, priority_tx_env},
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
    /// The price of a byte of pubdata, in wei (ZKsync's `fairPubdataPrice`): what a
    /// transaction pays for the data it publishes, at `pubdata_price / baseFee` gas per byte
    /// (see `pubdata.rs`). Zero publishes for free (a validium's setting, and the default).
    /// The blocks this profile seals carry it ([`block_pubdata_price`]), and a block runs at
    /// the price it carries: a verifier needs no configured price.
    pub pubdata_price: u128,
}

impl Default for ZkStack {
    /// A chain on ZKsync's local L1 with nothing deployed there, its pubdata free.
    fn default() -> Self {
        Self {
            l1_chain_id: DEV_L1_CHAIN_ID,
            l1_shared_bridge: Address::ZERO,
            l1_base_token: ETH_ADDRESS_IN_CONTRACTS,
            pubdata_price: 0,
        }
    }
}

/// The pubdata price block `header` was sealed at, in wei: its extra data, a big-endian
/// number (none: zero), as ZKsync OS's block context carries its `pubdata_price`.
pub fn block_pubdata_price(header: &Header) -> u128 {
    U256::try_from_be_slice(&header.extra_data).map_or(u128::MAX, |price| price.saturating_to())
}

impl ZkStack {
    /// The profile as the block `header` runs: at the pubdata price the block carries.
    fn in_block(&self, header: &Header) -> Self {
        Self { pubdata_price: block_pubdata_price(header), ..*self }
    }

    /// Gas per byte of pubdata in a block whose base fee is `base_fee`.
    pub fn gas_per_pubdata(&self, base_fee: u64) -> u64 {
        pubdata::gas_per_pubdata(self.pubdata_price, base_fee)
    }

    /// Gas per byte of pubdata of a priority transaction that allows `limit`: the limit (which
    /// its L1 deposit paid for), or nothing when pubdata is free.
    pub fn priority_gas_per_pubdata(&self, limit: u64) -> u64 {
        if self.pubdata_price == 0 { 0 } else { limit }
    }

    /// Runs `tx` on `state` under `env` with `inspector`, its pubdata charged if `priced` (a
    /// call as the transaction would be: more gas, or out of gas). A transaction of the
    /// priority type runs as one: under the priority configuration, its pubdata at the gas per
    /// byte every priority transaction pays.
    fn run(
        &self,
        mut env: EvmEnv,
        state: &mut BlockState,
        tx: TxEnv,
        inspector: CallInspector<'_>,
        priced: bool,
    ) -> Result<ExecutionResult, EVMError<ChainError>> {
        let factory = EthEvmFactory::default();
        let priority = tx.tx_type == PRIORITY_TX_TYPE;
        if priority {
            priority_cfg(&mut env.cfg_env);
        }
        let gas_per_pubdata = match (priced, priority) {
            (false, _) => 0,
            (true, true) => self.priority_gas_per_pubdata(REQUIRED_L2_GAS_PRICE_PER_PUBDATA),
            (true, false) => self.gas_per_pubdata(env.block_env.basefee),
        };
        let (gas_limit, sender, paid) = (tx.gas_limit, tx.caller, tx.gas_price > 0);
        let (beneficiary, base_fee) = (env.block_env.beneficiary, env.block_env.basefee);
        let outcome = match inspector {
            CallInspector::None => {
                let mut evm = factory.create_evm(&mut *state, env);
                self.install(evm.precompiles_mut());
                evm.transact(tx)
            }
            CallInspector::AccessList(inspector) => {
                let mut evm = factory.create_evm_with_inspector(&mut *state, env, inspector);
                self.install(evm.precompiles_mut());
                evm.transact(tx)
            }
            CallInspector::Tracing(inspector) => {
                let mut evm = factory.create_evm_with_inspector(&mut *state, env, inspector);
                self.install(evm.precompiles_mut());
                evm.transact(tx)
            }
        }?;
        let mut result = outcome.result;
        if gas_per_pubdata > 0 {
            // A call that pays no fee publishes less than its transaction, which moves the
            // sender's and the beneficiary's balances: counted, at the most the fee can be. (A
            // call that pays one, a replayed transaction among them, moved them itself; a
            // priority transaction's deposit pays its fee.)
            let mut changes = outcome.state;
            if !paid && !priority {
                let fee = U256::from(gas_limit) * U256::from(base_fee);
                let db = &mut *state;
                adjust(&mut changes, db, sender, fee, false).map_err(EVMError::Database)?;
                adjust(&mut changes, db, beneficiary, fee, true).map_err(EVMError::Database)?;
            }
            let pubdata = pubdata::tx_pubdata(state, &changes, result.logs());
            match pubdata::charge(pubdata, gas_per_pubdata, result.tx_gas_used(), gas_limit) {
                PubdataCharge::Covered(gas) => pubdata::set_gas(&mut result, gas),
                PubdataCharge::Exceeds => {
                    result = ExecutionResult::Halt {
                        reason: HaltReason::OutOfGas(OutOfGasError::Basic),
                        gas: ResultGas::default().with_total_gas_spent(gas_limit),
                        logs: Vec::new(),
                    }
                }
            }
        }
        Ok(result)
    }

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

    fn accepts_tx_type(&self, ty: u8, _header: &Header) -> bool {
        ty == EIP712_TX_TYPE || ETHEREUM_TX_TYPES.contains(&ty)
    }

    fn execute(
        &self,
        spec: &ChainSpec,
        header: &Header,
        state: &mut BlockState,
        txs: BlockTxs<'_, '_>,
    ) -> Result<BlockRun, ChainError> {
        let zk = self.in_block(header);
        let mut evm = EthEvmFactory::default().create_evm(state, evm_env(spec, header));
        zk.install(evm.precompiles_mut());
        let ctx = crate::ethereum::block_ctx(header);
        let executor = ZkExecutor { zk, inner: EthBlockExecutor::new(evm, ctx, spec, Receipts) };
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
        let required = self.gas_per_pubdata(header.base_fee_per_gas.unwrap_or_default());
        if let Err(err) = pubdata::check_limit(tx.inner(), required) {
            return Ok(Err(err.to_string()));
        }
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
    /// under the priority configuration. A paymaster-sponsored transaction replays its whole
    /// flow, every call of it in the bootloader's frame (see `paymaster::trace_sponsored`).
    fn trace_transaction(
        &self,
        spec: &ChainSpec,
        header: &Header,
        state: &mut BlockState,
        tx: Recovered<&TxEnvelope>,
        inspector: &mut TracingInspector,
    ) -> Result<TraceOutcome, ChainError> {
        let zk = self.in_block(header);
        let env = evm_env(spec, header);
        let result = if let Some(paymaster) = tx.inner().as_eip712().and_then(|tx| tx.paymaster()) {
            trace_sponsored(&zk, env, state, tx.inner(), paymaster, inspector)
                .map_err(|err| ChainError::Execution(err.to_string()))?
        } else {
            let tx_env = match tx.inner().as_priority() {
                Some(priority) => {
                    mint_value(state, priority.inner())?;
                    priority_tx_env(priority.inner())
                }
                None => TxEnv::from_recovered_tx(tx.inner(), tx.signer()),
            };
            zk.run(env, state, tx_env, CallInspector::Tracing(inspector), true)
                .map_err(|err| ChainError::Execution(err.to_string()))?
        };
        Ok(TraceOutcome {
            gas_used: result.gas().tx_gas_used(),
            output: result.output().cloned().unwrap_or_default(),
        })
    }

    /// A call pays for its pubdata as a transaction would.
    fn transact(
        &self,
        env: EvmEnv,
        state: &mut BlockState,
        tx: TxEnv,
        inspector: CallInspector<'_>,
    ) -> Result<ExecutionResult, EVMError<ChainError>> {
        self.run(env, state, tx, inspector, true)
    }

    /// A priced block's base fee is at least ZK Stack's minimal L2 gas price, and high enough
    /// for a byte of pubdata to cost at most the default gas per pubdata limit
    /// ([`pubdata::min_base_fee`]).
    fn min_base_fee(&self, header: &Header) -> u64 {
        pubdata::min_base_fee(block_pubdata_price(header))
    }

    /// The block carries the pubdata price it runs at ([`block_pubdata_price`]).
    fn prepare_header(&self, _parent: &Header, _l1: Option<&L1Origin>, header: &mut Header) {
        header.extra_data = match self.pubdata_price {
            0 => Bytes::new(),
            price => Bytes::copy_from_slice(&price.to_be_bytes()),
        };
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
