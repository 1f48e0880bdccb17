//! Genesis predeploys computed by running their deployment: a keyless deployer creates the
//! contracts (nonce = step) and calls their initializers in an in-memory EVM, and the accounts
//! that leaves behind, with their code and storage, are the genesis'. No storage layout is
//! written by hand, and a predeploy's address depends only on the deployer and the step that
//! creates it, so it is the same on every chain.

use alloy_genesis::GenesisAccount;
use alloy_primitives::{Address, B256, Bytes, TxKind};
use revm::{
    Context, ExecuteCommitEvm, MainBuilder, MainContext,
    context::{TxEnv, result::ExecutionResult},
    database::{CacheDB, EmptyDB},
};
use std::collections::BTreeMap;

/// Gas each deployment step may use (under Osaka's cap of 2^24 per transaction).
const STEP_GAS: u64 = 16_000_000;

/// A deployment step that did not succeed.
#[derive(Debug, thiserror::Error)]
#[error("predeploy step {step} ({what}): {reason}")]
pub struct PredeployError {
    /// The step's index (the deployer's nonce).
    pub step: usize,
    /// What the step does, as the caller named it.
    pub what: String,
    /// Why it failed.
    pub reason: String,
}

/// One step of a deployment: a creation (`TxKind::Create`, data = creation code and
/// constructor arguments) or a call.
#[derive(Debug, Clone)]
pub struct Step {
    /// What the step does, for errors.
    pub what: String,
    /// Create or call.
    pub kind: TxKind,
    /// Creation code or calldata.
    pub data: Bytes,
}

impl Step {
    /// Creates a contract from `code` (creation code with its constructor arguments).
    pub fn create(what: impl Into<String>, code: Bytes) -> Self {
        Self { what: what.into(), kind: TxKind::Create, data: code }
    }

    /// Calls `to` with `data`.
    pub fn call(what: impl Into<String>, to: Address, data: impl Into<Bytes>) -> Self {
        Self { what: what.into(), kind: TxKind::Call(to), data: data.into() }
    }
}

/// Runs `steps` from `deployer` (nonces 0, 1, ...) on an empty state and returns every account
/// they left with code or storage (contracts the steps' contracts created included), in the
/// form a genesis holds.
pub fn run(
    deployer: Address,
    steps: impl IntoIterator<Item = Step>,
) -> Result<BTreeMap<Address, GenesisAccount>, PredeployError> {
    let mut evm = Context::mainnet().with_db(CacheDB::<EmptyDB>::default()).build_mainnet();
    for (nonce, step) in steps.into_iter().enumerate() {
        let failed =
            |reason: String| PredeployError { step: nonce, what: step.what.clone(), reason };
        let tx = TxEnv::builder()
            .caller(deployer)
            .kind(step.kind)
            .data(step.data.clone())
            .gas_limit(STEP_GAS)
            .nonce(nonce as u64)
            .build()
            .map_err(|err| failed(format!("{err:?}")))?;
        let result = evm.transact_commit(tx).map_err(|err| failed(err.to_string()))?;
        if !matches!(result, ExecutionResult::Success { .. }) {
            return Err(failed(format!("{result:?}")));
        }
    }
    let db = &evm.ctx.journaled_state.database;
    let mut alloc = BTreeMap::new();
    for (address, account) in &db.cache.accounts {
        if *address == deployer {
            continue;
        }
        let code = account
            .info
            .code
            .clone()
            .or_else(|| db.cache.contracts.get(&account.info.code_hash).cloned())
            .map(|code| code.original_bytes())
            .filter(|code| !code.is_empty());
        let storage: BTreeMap<B256, B256> = account
            .storage
            .iter()
            .filter(|(_, value)| !value.is_zero())
            .map(|(slot, value)| (B256::from(*slot), B256::from(*value)))
            .collect();
        if code.is_none() && storage.is_empty() {
            continue;
        }
        alloc.insert(
            *address,
            GenesisAccount::default()
                .with_nonce(Some(account.info.nonce))
                .with_balance(account.info.balance)
                .with_code(code)
                .with_storage(Some(storage)),
        );
    }
    Ok(alloc)
}
