//! The `Framework` seam: the rules a rollup framework (or plain Ethereum) adds to the core.
//!
//! The core owns state, tries, storage and the block's shape; a framework owns how a block's
//! transactions execute (which EVM, which block executor, which system transactions), which
//! transaction types users may send, and what it adds to genesis and to the header. The
//! implementations live in `tephra-frameworks`; this crate only calls them, per block.

use crate::{
    ChainError, ChainSpec, L1Origin, evm_env, install_stateless_call,
    state::{AccountPatch, BlockState, DevOverrides},
};
use alloy_consensus::{Header, TxReceipt, transaction::Recovered};
use alloy_eips::{eip1559::BaseFeeParams, eip7685::Requests};
use alloy_evm::{
    Evm, EvmEnv, EvmFactory, FromRecoveredTx,
    block::{BlockExecutionError, BlockExecutor, BlockValidationError},
    eth::EthEvmFactory,
};
use alloy_genesis::Genesis;
use alloy_primitives::{Address, B256, Bytes, U256, map::HashSet};
use alloy_trie::TrieAccount;
use revm::{
    Database,
    context::TxEnv,
    context_interface::result::{EVMError, ExecutionResult},
    primitives::KECCAK_EMPTY,
};
use revm_inspectors::{access_list::AccessListInspector, tracing::TracingInspector};
use std::{collections::VecDeque, fmt::Debug};
use tephra_primitives::{ReceiptEnvelope, TxEnvelope};

/// One framework's rules. Called once per block (or per traced transaction), so a `dyn
/// Framework` costs nothing measurable.
pub trait Framework: Debug + Send + Sync {
    /// The name users configure it by (`ethereum`, `op-stack`, ...).
    fn name(&self) -> &'static str;

    /// Adds the framework's predeployed contracts and accounts to a chain's genesis (none by
    /// default).
    fn extend_genesis(&self, genesis: &mut Genesis) {
        let _ = genesis;
    }

    /// Transactions the protocol puts first in the block with `header` (built on `parent`
    /// and derived from the L1 block `l1`, if the chain follows one), before any deposit or
    /// user's transaction: OP Stack's L1 attributes deposit, for example.
    /// `state` is the parent's state, for reading what the previous block left (a framework
    /// reading its own predeploys' storage, say).
    fn system_transactions(
        &self,
        spec: &ChainSpec,
        parent: &Header,
        header: &Header,
        l1: Option<&L1Origin>,
        state: &mut BlockState,
    ) -> Result<Vec<Recovered<TxEnvelope>>, ChainError> {
        let _ = (spec, parent, header, l1, state);
        Ok(Vec::new())
    }

    /// The network upgrade transactions of the block with `header`, built on `parent`: OP
    /// Stack's hardfork activation deposits, for example. They run after the system
    /// transactions and the L1 deposits, and a block that has any takes no user's transaction
    /// (OP's `noTxPool`), so that nothing else runs while the protocol's contracts change. None
    /// by default.
    fn upgrade_transactions(&self, parent: &Header, header: &Header) -> Vec<Recovered<TxEnvelope>> {
        let _ = (parent, header);
        Vec::new()
    }

    /// Executes a block's transactions on `state`, which holds the parent's state. `header`
    /// carries the block's environment (number, timestamp, beneficiary, gas limit, base fee,
    /// prevrandao, parent hash and beacon root); its roots are not known yet.
    fn execute(
        &self,
        spec: &ChainSpec,
        header: &Header,
        state: &mut BlockState,
        txs: BlockTxs<'_, '_>,
    ) -> Result<BlockRun, ChainError>;

    /// Checks a user's transaction before the pool takes it, beyond the pool's own checks
    /// (nonce, funds, fees), by running what the framework runs before a transaction is valid:
    /// ZK Stack's paymaster validation, say, which runs the whole transaction. `state` is the
    /// head's state, `header` the next block's environment; nothing is committed; any nonce
    /// is taken (the pool checks it). By default nothing runs.
    fn validate_transaction(
        &self,
        spec: &ChainSpec,
        header: &Header,
        state: &mut BlockState,
        tx: Recovered<&TxEnvelope>,
    ) -> Result<Validation, ChainError> {
        let _ = (spec, header, state, tx);
        Ok(Ok(None))
    }

    /// Runs one transaction on `state` (a replay of its block up to it) under `inspector`.
    /// By default through [`Framework::transact`]; a framework whose transactions carry more
    /// than revm's [`TxEnv`] (OP deposits) runs them itself.
    fn trace_transaction(
        &self,
        spec: &ChainSpec,
        header: &Header,
        state: &mut BlockState,
        tx: Recovered<&TxEnvelope>,
        inspector: &mut TracingInspector,
    ) -> Result<TraceOutcome, ChainError> {
        let tx_env = TxEnv::from_recovered_tx(tx.inner(), tx.signer());
        let result = self
            .transact(evm_env(spec, header), state, tx_env, CallInspector::Tracing(inspector))
            .map_err(|err| ChainError::Execution(err.to_string()))?;
        Ok(TraceOutcome {
            gas_used: result.gas().tx_gas_used(),
            output: result.output().cloned().unwrap_or_default(),
        })
    }

    /// Runs a call (`eth_call`, `eth_estimateGas`, access lists, `debug_traceCall`) on
    /// `state` under the framework's EVM, without committing. By default Ethereum's EVM; a
    /// framework with its own precompiles or opcodes runs them here too.
    fn transact(
        &self,
        env: EvmEnv,
        state: &mut BlockState,
        tx: TxEnv,
        inspector: CallInspector<'_>,
    ) -> Result<ExecutionResult, EVMError<ChainError>> {
        ethereum_transact(env, state, tx, inspector)
    }

    /// Called at the start of the first block the framework runs when it takes over a chain
    /// from another one (a scheduled framework change), inside that block's execution. By
    /// default installs what [`Framework::extend_genesis`] would put in a genesis at the block's
    /// time, for the accounts the chain lacks: an account that already has code or a nonce
    /// keeps its code and storage (a chain coming back to a framework keeps its state).
    fn activate(&self, header: &Header, state: &mut BlockState) -> Result<(), ChainError> {
        let mut genesis = Genesis { timestamp: header.timestamp, ..Default::default() };
        self.extend_genesis(&mut genesis);
        let mut install = DevOverrides::default();
        for (address, account) in genesis.alloc {
            let present = state.basic(address)?;
            if present.is_some_and(|info| info.code_hash != KECCAK_EMPTY || info.nonce > 0) {
                continue;
            }
            install.accounts.insert(
                address,
                AccountPatch {
                    balance: (!account.balance.is_zero()).then_some(account.balance),
                    nonce: account.nonce,
                    code: account.code,
                },
            );
            for (slot, value) in account.storage.into_iter().flatten() {
                install.storage.insert((address, slot), U256::from_be_bytes(value.0));
            }
        }
        state.apply_overrides(&install)
    }

    /// Whether users may send transactions of EIP-2718 type `ty` (0 for legacy) for the block
    /// with `header` (the next one, as [`Chain::pool_header`](crate::Chain::pool_header) sees
    /// it). By default Ethereum's: legacy, EIP-2930, EIP-1559 and EIP-7702; blob transactions
    /// have no sidecars here, and protocol-made types (OP deposits) are never sent by users.
    fn accepts_tx_type(&self, ty: u8, header: &Header) -> bool {
        let _ = header;
        ETHEREUM_TX_TYPES.contains(&ty)
    }

    /// The EIP-1559 parameters block `number`'s base fee follows.
    fn base_fee_params(&self, number: u64) -> BaseFeeParams {
        let _ = number;
        BaseFeeParams::ethereum()
    }

    /// The lowest base fee the block `header` may have, from what
    /// [`Framework::prepare_header`] put in it; none by default (EIP-1559's alone).
    fn min_base_fee(&self, header: &Header) -> u64 {
        let _ = header;
        0
    }

    /// Sets the header fields the framework defines before execution (its fee recipient, its
    /// extra data, the L1 block `l1` it is derived from), on the Ethereum defaults
    /// [`crate::next_header`] chose.
    fn prepare_header(&self, parent: &Header, l1: Option<&L1Origin>, header: &mut Header) {
        let _ = (parent, l1, header);
    }

    /// Extra fields of each transaction's RPC receipt in a committed block (OP Stack's `l1Fee`
    /// & co.), one map per transaction of `txs` (the block's, with their `receipts`); `state`
    /// is the block's post-state. Empty maps by default.
    fn receipt_fields(
        &self,
        header: &Header,
        state: &mut BlockState,
        txs: &[TxEnvelope],
        receipts: &[ReceiptEnvelope],
    ) -> Result<Vec<serde_json::Map<String, serde_json::Value>>, ChainError> {
        let _ = (header, state, receipts);
        Ok(vec![serde_json::Map::new(); txs.len()])
    }

    /// Extra fields of a block's RPC object (Nitro's `sendRoot`, `sendCount` and
    /// `l1BlockNumber`, read from its header); none by default.
    fn block_fields(&self, header: &Header) -> serde_json::Map<String, serde_json::Value> {
        let _ = header;
        serde_json::Map::new()
    }

    /// Sets the header fields the framework defines once the block's state is known
    /// (`post_account` reads an account of the block's post-state, `post_storage` a slot of
    /// it: Nitro's send root lives in its state account's storage).
    fn finish_header(
        &self,
        header: &mut Header,
        post_account: &dyn Fn(&Address) -> Result<Option<TrieAccount>, ChainError>,
        post_storage: &dyn Fn(&Address, U256) -> Result<U256, ChainError>,
    ) -> Result<(), ChainError> {
        let _ = (header, post_account, post_storage);
        Ok(())
    }
}

/// A framework's verdict on a user's transaction ([`Framework::validate_transaction`]):
/// `Err(reason)`, refused (the reason is the RPC's answer); `Ok(Some(outcome))`, valid, and
/// the framework ran the whole transaction to tell, with this outcome; `Ok(None)`, valid
/// without running it.
pub type Validation = Result<Option<ExecutionResult>, String>;

/// The EIP-2718 types of users' transactions on Ethereum's rules: legacy, EIP-2930, EIP-1559,
/// EIP-7702.
pub const ETHEREUM_TX_TYPES: [u8; 4] = [0x00, 0x01, 0x02, 0x04];

/// The inspectors calls run under: a closed set, so that a `dyn Framework` can build its EVM
/// with each.
#[derive(Debug)]
pub enum CallInspector<'a> {
    /// No inspection.
    None,
    /// Records the accounts and slots touched (`eth_createAccessList`).
    AccessList(&'a mut AccessListInspector),
    /// geth's tracers.
    Tracing(&'a mut TracingInspector),
}

/// [`Framework::transact`] on Ethereum's EVM (alloy-evm's `EthEvm` on revm), with Tephra's
/// [`crate::STATELESS_CALL`] precompile installed.
pub fn ethereum_transact(
    env: EvmEnv,
    state: &mut BlockState,
    tx: TxEnv,
    inspector: CallInspector<'_>,
) -> Result<ExecutionResult, EVMError<ChainError>> {
    let factory = EthEvmFactory::default();
    let result = match inspector {
        CallInspector::None => {
            let mut evm = factory.create_evm(state, env);
            install_stateless_call(evm.precompiles_mut());
            evm.transact(tx)
        }
        CallInspector::AccessList(inspector) => {
            let mut evm = factory.create_evm_with_inspector(state, env, inspector);
            install_stateless_call(evm.precompiles_mut());
            evm.transact(tx)
        }
        CallInspector::Tracing(inspector) => {
            let mut evm = factory.create_evm_with_inspector(state, env, inspector);
            install_stateless_call(evm.precompiles_mut());
            evm.transact(tx)
        }
    };
    Ok(result?.result)
}

/// A traced transaction's result, as a tracer's output needs it.
#[derive(Debug, Clone, Default)]
pub struct TraceOutcome {
    /// Gas the transaction used.
    pub gas_used: u64,
    /// Its return or revert data.
    pub output: Bytes,
}

/// The transactions of one block, as the framework's executor takes them.
pub struct BlockTxs<'a, 'b> {
    /// Transactions that must all execute (system transactions, or a stored block's replay):
    /// any failure fails the block.
    pub required: &'b mut dyn Iterator<Item = Recovered<&'a TxEnvelope>>,
    /// Users' transactions offered by the pool: one that is invalid or does not fit is
    /// skipped, and keeps its sender's later ones out of the block.
    pub offered: &'b mut dyn Iterator<Item = Recovered<&'a TxEnvelope>>,
    /// Whether to apply the post-block changes (false: stop after the transactions, to trace).
    pub finish: bool,
}

impl std::fmt::Debug for BlockTxs<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockTxs").field("finish", &self.finish).finish_non_exhaustive()
    }
}

/// A transaction that could not go into the block.
#[derive(Debug, Clone)]
pub enum Skipped {
    /// It is invalid on this state (nonce, funds, fee): drop it, with the reason.
    Invalid(B256, String),
    /// It does not fit in the gas left: keep it for a later block.
    NoRoom(B256),
}

/// What executing a block's transactions produced.
#[derive(Debug, Default)]
pub struct BlockRun {
    /// Included transactions with their hashes and senders, in order.
    pub included: Vec<(TxEnvelope, B256, Address)>,
    /// Offered transactions left out.
    pub skipped: Vec<Skipped>,
    /// Receipts of the included transactions.
    pub receipts: Vec<ReceiptEnvelope>,
    /// Gas used by the block.
    pub gas_used: u64,
    /// Blob gas used (OP Stack's DA footprint after Jovian; 0 elsewhere).
    pub blob_gas_used: u64,
    /// EIP-7685 requests.
    pub requests: Requests,
}

/// Runs `txs` through any alloy-evm block executor over Tephra's envelopes: the loop every
/// framework shares, whatever EVM its executor drives.
pub fn run_transactions<'a, E>(executor: E, txs: BlockTxs<'a, '_>) -> Result<BlockRun, ChainError>
where
    E: BlockExecutor<Transaction = TxEnvelope, Receipt = ReceiptEnvelope>,
{
    run_transactions_scheduling(executor, txs, |_| Ok(Vec::new()))
}

/// [`run_transactions`] for an executor whose transactions schedule more transactions (Nitro's
/// retryable redeems): after each included transaction, `scheduled` returns the transactions
/// it scheduled, which run right after it, first in first out, before the next required or
/// offered one, and join the block. A scheduled transaction that is invalid when its turn
/// comes (its retryable already redeemed, say) is left out, as Nitro leaves it out.
///
/// Replaying a stored block, whose transactions are all required and include the scheduled
/// ones: a scheduled transaction that is the next required one is run as that one; and when
/// the required ones end before a scheduled one on a replay that stops early (`finish` false,
/// to trace a transaction), the scheduled one is not run, since it is the one being traced or
/// comes after it.
pub fn run_transactions_scheduling<'a, E, F>(
    mut executor: E,
    txs: BlockTxs<'a, '_>,
    mut scheduled: F,
) -> Result<BlockRun, ChainError>
where
    E: BlockExecutor<Transaction = TxEnvelope, Receipt = ReceiptEnvelope>,
    F: FnMut(&mut E) -> Result<Vec<Recovered<TxEnvelope>>, ChainError>,
{
    executor.apply_pre_execution_changes().map_err(execution_error)?;
    let mut run = BlockRun::default();
    let mut queue = VecDeque::<Recovered<TxEnvelope>>::new();
    let mut required = txs.required.peekable();
    loop {
        if let Some(next) = queue.pop_front() {
            let hash = next.inner().tx_hash();
            if required.peek().is_some_and(|tx| tx.inner().tx_hash() == hash) {
                // A replay: the stored copy of the scheduled transaction.
                let tx = required.next().expect("peeked");
                let (envelope, signer): (&TxEnvelope, _) = (tx.inner(), tx.signer());
                executor.execute_transaction(tx).map_err(execution_error)?;
                run.included.push((envelope.clone(), hash, signer));
                queue.extend(scheduled(&mut executor)?);
                continue;
            }
            if required.peek().is_none() && !txs.finish {
                break;
            }
            run_scheduled(&mut executor, next, &mut run, &mut queue, &mut scheduled)?;
            continue;
        }
        let Some(tx) = required.next() else { break };
        let (envelope, signer): (&TxEnvelope, _) = (tx.inner(), tx.signer());
        executor.execute_transaction(tx).map_err(execution_error)?;
        run.included.push((envelope.clone(), envelope.tx_hash(), signer));
        queue.extend(scheduled(&mut executor)?);
    }
    // A sender whose transaction stays out of the block keeps its later nonces out too.
    let mut held_back = HashSet::<Address>::default();
    if queue.is_empty() {
        for tx in txs.offered {
            let (envelope, signer): (&TxEnvelope, _) = (tx.inner(), tx.signer());
            let hash = envelope.tx_hash();
            if held_back.contains(&signer) {
                run.skipped.push(Skipped::NoRoom(hash));
                continue;
            }
            match executor.execute_transaction(tx) {
                Ok(_) => {
                    run.included.push((envelope.clone(), hash, signer));
                    queue.extend(scheduled(&mut executor)?);
                    while let Some(next) = queue.pop_front() {
                        run_scheduled(&mut executor, next, &mut run, &mut queue, &mut scheduled)?;
                    }
                }
                Err(BlockExecutionError::Validation(
                    BlockValidationError::TransactionGasLimitMoreThanAvailableBlockGas { .. },
                )) => {
                    held_back.insert(signer);
                    run.skipped.push(Skipped::NoRoom(hash));
                }
                Err(BlockExecutionError::Validation(BlockValidationError::InvalidTx {
                    error,
                    ..
                })) => {
                    held_back.insert(signer);
                    run.skipped.push(Skipped::Invalid(hash, error.to_string()));
                }
                Err(other) => return Err(execution_error(other)),
            }
        }
    }
    if txs.finish {
        let (_evm, result) = executor.finish().map_err(execution_error)?;
        run.receipts = result.receipts;
        run.gas_used = result.gas_used;
        run.blob_gas_used = result.blob_gas_used;
        run.requests = result.requests;
    } else {
        run.receipts = executor.receipts().to_vec();
        run.gas_used = run.receipts.last().map(|r| r.cumulative_gas_used()).unwrap_or_default();
    }
    Ok(run)
}

/// Runs a transaction another one scheduled: included if valid, left out if not (its turn
/// came too late), and what it schedules in turn joins the queue.
fn run_scheduled<E, F>(
    executor: &mut E,
    tx: Recovered<TxEnvelope>,
    run: &mut BlockRun,
    queue: &mut VecDeque<Recovered<TxEnvelope>>,
    scheduled: &mut F,
) -> Result<(), ChainError>
where
    E: BlockExecutor<Transaction = TxEnvelope, Receipt = ReceiptEnvelope>,
    F: FnMut(&mut E) -> Result<Vec<Recovered<TxEnvelope>>, ChainError>,
{
    match executor.execute_transaction(tx.as_recovered_ref()) {
        Ok(_) => {
            let hash = tx.inner().tx_hash();
            let signer = tx.signer();
            run.included.push((tx.into_inner(), hash, signer));
            queue.extend(scheduled(executor)?);
            Ok(())
        }
        Err(BlockExecutionError::Validation(_)) => Ok(()),
        Err(other) => Err(execution_error(other)),
    }
}

/// A block-level execution failure as the core reports it.
pub fn execution_error(err: BlockExecutionError) -> ChainError {
    ChainError::Execution(err.to_string())
}
