//! A framework schedule: a chain that changes framework at block heights, its state and
//! contracts carried across (`[[framework_schedule]] at_block = N, framework = "..."`).
//!
//! Each block runs under the framework in force at its number, whether it is being built,
//! replayed for a witness or traced. The block where a framework takes over first calls its
//! [`Framework::activate`] (OP Stack installs its predeploys there), inside that block's
//! execution, so the change is part of the block's state root and replays the same way.

use alloy_consensus::{Header, transaction::Recovered};
use alloy_eips::eip1559::BaseFeeParams;
use alloy_evm::EvmEnv;
use alloy_genesis::Genesis;
use alloy_primitives::{Address, U256};
use alloy_trie::TrieAccount;
use revm::{
    context::TxEnv,
    context_interface::result::{EVMError, ExecutionResult},
};
use revm_inspectors::tracing::TracingInspector;
use serde_json::{Map, Value};
use std::sync::Arc;
use tephra_chain::{
    BlockRun, BlockState, BlockTxs, CallInspector, ChainError, ChainSpec, Framework, L1Origin,
    TraceOutcome, Validation,
};
use tephra_primitives::{ReceiptEnvelope, TxEnvelope};

/// One step of a schedule: from block `at_block` on, `framework`'s rules.
#[derive(Debug, Clone)]
pub struct Step {
    /// First block under this framework.
    pub at_block: u64,
    /// The framework.
    pub framework: Arc<dyn Framework>,
}

/// A schedule that cannot be run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// Steps must start at increasing heights above genesis.
    #[error(
        "framework schedule heights must increase: block {at_block} comes after block {previous}"
    )]
    NotIncreasing {
        /// The offending height.
        at_block: u64,
        /// The height before it.
        previous: u64,
    },
    /// Genesis belongs to the chain's own framework, not to a scheduled change.
    #[error("a framework change cannot be scheduled at block 0: set the chain's framework instead")]
    AtGenesis,
}

/// Frameworks by block height; the first one holds from genesis.
#[derive(Debug, Clone)]
pub struct Schedule {
    steps: Vec<Step>,
}

impl Schedule {
    /// `genesis`'s rules from block 0, then each of `changes` from its height on.
    pub fn new(
        genesis: Arc<dyn Framework>,
        changes: impl IntoIterator<Item = Step>,
    ) -> Result<Self, ScheduleError> {
        let mut steps = vec![Step { at_block: 0, framework: genesis }];
        for step in changes {
            let previous = steps.last().expect("starts with genesis").at_block;
            if step.at_block == 0 {
                return Err(ScheduleError::AtGenesis);
            }
            if step.at_block <= previous {
                return Err(ScheduleError::NotIncreasing { at_block: step.at_block, previous });
            }
            steps.push(step);
        }
        Ok(Self { steps })
    }

    /// The framework in force at block `number`.
    pub fn at(&self, number: u64) -> &dyn Framework {
        let index = self.steps.partition_point(|step| step.at_block <= number);
        &*self.steps[index.saturating_sub(1)].framework
    }

    /// Whether block `number` is where a scheduled framework takes over.
    fn activates_at(&self, number: u64) -> bool {
        number > 0 && self.steps.iter().any(|step| step.at_block == number)
    }
}

impl Framework for Schedule {
    /// The framework the chain was created with: the store records it, and a schedule may
    /// gain later steps on an existing chain.
    fn name(&self) -> &'static str {
        self.steps[0].framework.name()
    }

    fn extend_genesis(&self, genesis: &mut Genesis) {
        self.steps[0].framework.extend_genesis(genesis);
    }

    fn accepts_tx_type(&self, ty: u8, header: &Header) -> bool {
        self.at(header.number).accepts_tx_type(ty, header)
    }

    fn base_fee_params(&self, number: u64) -> BaseFeeParams {
        self.at(number).base_fee_params(number)
    }

    fn prepare_header(&self, parent: &Header, l1: Option<&L1Origin>, header: &mut Header) {
        self.at(header.number).prepare_header(parent, l1, header);
    }

    fn min_base_fee(&self, header: &Header) -> u64 {
        self.at(header.number).min_base_fee(header)
    }

    fn system_transactions(
        &self,
        spec: &ChainSpec,
        parent: &Header,
        header: &Header,
        l1: Option<&L1Origin>,
        state: &mut BlockState,
    ) -> Result<Vec<Recovered<TxEnvelope>>, ChainError> {
        self.at(header.number).system_transactions(spec, parent, header, l1, state)
    }

    fn upgrade_transactions(&self, parent: &Header, header: &Header) -> Vec<Recovered<TxEnvelope>> {
        self.at(header.number).upgrade_transactions(parent, header)
    }

    fn execute(
        &self,
        spec: &ChainSpec,
        header: &Header,
        state: &mut BlockState,
        txs: BlockTxs<'_, '_>,
    ) -> Result<BlockRun, ChainError> {
        let framework = self.at(header.number);
        if self.activates_at(header.number) {
            framework.activate(header, state)?;
        }
        framework.execute(spec, header, state, txs)
    }

    fn validate_transaction(
        &self,
        spec: &ChainSpec,
        header: &Header,
        state: &mut BlockState,
        tx: Recovered<&TxEnvelope>,
    ) -> Result<Validation, ChainError> {
        self.at(header.number).validate_transaction(spec, header, state, tx)
    }

    fn trace_transaction(
        &self,
        spec: &ChainSpec,
        header: &Header,
        state: &mut BlockState,
        tx: Recovered<&TxEnvelope>,
        inspector: &mut TracingInspector,
    ) -> Result<TraceOutcome, ChainError> {
        self.at(header.number).trace_transaction(spec, header, state, tx, inspector)
    }

    fn transact(
        &self,
        env: EvmEnv,
        state: &mut BlockState,
        tx: TxEnv,
        inspector: CallInspector<'_>,
    ) -> Result<ExecutionResult, EVMError<ChainError>> {
        let number = env.block_env.number.saturating_to();
        self.at(number).transact(env, state, tx, inspector)
    }

    fn receipt_fields(
        &self,
        header: &Header,
        state: &mut BlockState,
        txs: &[TxEnvelope],
        receipts: &[ReceiptEnvelope],
    ) -> Result<Vec<Map<String, Value>>, ChainError> {
        self.at(header.number).receipt_fields(header, state, txs, receipts)
    }

    fn block_fields(&self, header: &Header) -> Map<String, Value> {
        self.at(header.number).block_fields(header)
    }

    fn finish_header(
        &self,
        header: &mut Header,
        post_account: &dyn Fn(&Address) -> Result<Option<TrieAccount>, ChainError>,
        post_storage: &dyn Fn(&Address, U256) -> Result<U256, ChainError>,
    ) -> Result<(), ChainError> {
        self.at(header.number).finish_header(header, post_account, post_storage)
    }
}
