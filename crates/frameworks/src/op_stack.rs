//! `op-stack`: OP Stack's execution rules on op-revm, through alloy-op-evm's block executor
//! (the layer op-reth runs): deposits (type `0x7E`), the L1 attributes deposit first in every
//! block, the L1 data fee (Fjord's formula) and the fee vaults, the L1Block, GasPriceOracle and
//! L2ToL1MessagePasser predeploys, the ERC-20 bridge's L2CrossDomainMessenger, L2StandardBridge
//! and OptimismMintableERC20Factory (naming the rollup's L1 messenger and bridge,
//! [`L1Contracts`]), Holocene's EIP-1559 parameters in `extraData` and Isthmus'
//! `withdrawalsRoot` (the message passer's storage root).
//!
//! The L1 origin of each block is the L1 block the chain follows, or [`dev_l1_origin`] on a
//! chain without an L1.
//!
//! Predeploys are compiled from `@eth-optimism/contracts-bedrock` 0.17.3 (`contracts/`), the
//! newest release on npm, which predates Isthmus: L1Block and GasPriceOracle are its audited
//! contracts extended by the Isthmus operator-fee functions the OP specification defines
//! (`contracts/src/op`), so the L1 attributes deposit is Isthmus' `setL1BlockValuesIsthmus`
//! (Isthmus is active at genesis, where the specification asks for it from the first block).

use crate::receipts::Receipts;
use alloy_consensus::{Header, Sealed, transaction::Recovered};
use alloy_eips::{Encodable2718, eip1559::BaseFeeParams};
use alloy_evm::{Evm, EvmEnv, EvmFactory, FromRecoveredTx};
use alloy_genesis::{Genesis, GenesisAccount};
use alloy_hardforks::ForkCondition;
use alloy_op_evm::{
    OpEvmFactory, OpTx, OpTxError,
    block::{OpBlockExecutionCtx, OpBlockExecutor},
    env::{evm_env_for_op_block, spec_by_timestamp_after_bedrock},
};
use alloy_op_hardforks::{OpChainHardforks, OpHardfork};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, address, keccak256};
use alloy_trie::{EMPTY_ROOT_HASH, TrieAccount};
use op_revm::{L1BlockInfo, OpHaltReason, OpSpecId, OpTransaction, OpTransactionError};
use revm::{
    Database,
    context::TxEnv,
    context_interface::result::{EVMError, ExecutionResult, HaltReason},
};
use revm_inspectors::tracing::TracingInspector;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use tephra_chain::{
    BlockRun, BlockState, BlockTxs, CallInspector, ChainError, ChainSpec, Framework, L1Origin,
    TraceOutcome, install_stateless_call, run_transactions,
};
use tephra_primitives::{
    ReceiptEnvelope, TxEnvelope,
    tx::{L1InfoDepositSource, TxDeposit},
};

/// The L1Block predeploy: the L1 origin's number, time, fees and hash, set by the L1
/// attributes deposit.
pub const L1_BLOCK: Address = address!("0x4200000000000000000000000000000000000015");
/// The GasPriceOracle predeploy: `getL1Fee` and the L1 fee parameters, read from L1Block.
pub const GAS_PRICE_ORACLE: Address = address!("0x420000000000000000000000000000000000000F");
/// The L2ToL1MessagePasser predeploy: withdrawals start here.
pub const L2_TO_L1_MESSAGE_PASSER: Address = address!("0x4200000000000000000000000000000000000016");
/// The L2CrossDomainMessenger predeploy: relays L1CrossDomainMessenger's messages (deposits
/// from its aliased address) and sends messages to L1 through the message passer.
pub const L2_CROSS_DOMAIN_MESSENGER: Address =
    address!("0x4200000000000000000000000000000000000007");
/// The L2StandardBridge predeploy: mints the L2 tokens of L1 ERC-20 deposits.
pub const L2_STANDARD_BRIDGE: Address = address!("0x4200000000000000000000000000000000000010");
/// The OptimismMintableERC20Factory predeploy: creates the L2 token of an L1 ERC-20.
pub const OPTIMISM_MINTABLE_ERC20_FACTORY: Address =
    address!("0x4200000000000000000000000000000000000012");
/// `Constants.DEFAULT_L2_SENDER` of contracts-bedrock: a messenger's `xDomainMsgSender` outside
/// of a relay.
pub const DEFAULT_L2_SENDER: Address = address!("0x000000000000000000000000000000000000dEaD");
/// The SequencerFeeVault: the block's fee recipient (priority fees).
pub const SEQUENCER_FEE_VAULT: Address = address!("0x4200000000000000000000000000000000000011");
/// The BaseFeeVault: receives the base fee instead of it being burnt.
pub const BASE_FEE_VAULT: Address = op_revm::constants::BASE_FEE_RECIPIENT;
/// The L1FeeVault: receives the L1 data fee.
pub const L1_FEE_VAULT: Address = op_revm::constants::L1_FEE_RECIPIENT;
/// The OperatorFeeVault (Isthmus): receives the operator fee.
pub const OPERATOR_FEE_VAULT: Address = op_revm::constants::OPERATOR_FEE_RECIPIENT;
/// Sender of the L1 attributes deposit (the "depositor account" L1Block accepts).
pub const L1_INFO_DEPOSITOR: Address = address!("0xDeaDDEaDDeAdDeAdDEAdDEaddeAddEAdDEAd0001");
/// Gas limit of the L1 attributes deposit, as op-node sets it (Regolith onwards).
pub const L1_INFO_GAS_LIMIT: u64 = 1_000_000;
/// Selector of `L1Block.setL1BlockValuesIsthmus()`.
const SET_L1_BLOCK_VALUES_ISTHMUS: [u8; 4] = [0x09, 0x89, 0x99, 0xbe];
/// Length of the Isthmus L1 attributes calldata.
const L1_INFO_ISTHMUS_LEN: usize = 176;
/// OP Mainnet's EIP-1559 parameters since Canyon: denominator 250, elasticity 6.
pub const BASE_FEE_PARAMS: BaseFeeParams = BaseFeeParams::new(250, 6);

/// The L1 origin of an L2 block at `timestamp` on a dev chain without an L1: one L1 block
/// every `l1_block_time` seconds, numbered from the epoch, with fixed fees and a hash derived
/// from its number (so every node derives the same one).
pub fn dev_l1_origin(fees: &L1Fees, timestamp: u64) -> L1Origin {
    let number = timestamp / fees.l1_block_time.max(1);
    L1Origin {
        number,
        timestamp: number * fees.l1_block_time.max(1),
        base_fee: fees.base_fee,
        blob_base_fee: fees.blob_base_fee,
        hash: keccak256([b"tephra dev l1 block ".as_slice(), &number.to_be_bytes()].concat()),
    }
}

/// The L1 data fee parameters: the L1 prices a dev chain reports, and the chain's scalars
/// (Ecotone's `baseFeeScalar` and `blobBaseFeeScalar`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct L1Fees {
    /// L1 base fee, in wei.
    pub base_fee: u64,
    /// L1 blob base fee, in wei.
    pub blob_base_fee: u64,
    /// Scalar on the L1 base fee (OP Mainnet: 5227).
    pub base_fee_scalar: u32,
    /// Scalar on the L1 blob base fee (OP Mainnet: 1014213).
    pub blob_base_fee_scalar: u32,
    /// Seconds between L1 blocks.
    pub l1_block_time: u64,
    /// The batcher's versioned hash (`bytes32(uint256(uint160(batcher)))`).
    pub batcher_hash: B256,
    /// Isthmus' operator fee scalar (per million gas).
    pub operator_fee_scalar: u32,
    /// Isthmus' operator fee constant, in wei.
    pub operator_fee_constant: u64,
}

impl Default for L1Fees {
    fn default() -> Self {
        Self {
            base_fee: 1_000_000_000,
            blob_base_fee: 1,
            base_fee_scalar: 5227,
            blob_base_fee_scalar: 1_014_213,
            l1_block_time: 12,
            batcher_hash: B256::ZERO,
            operator_fee_scalar: 0,
            operator_fee_constant: 0,
        }
    }
}

/// The rollup's own L1 contracts that its L2 predeploys name as their other side: the
/// L2CrossDomainMessenger's `otherMessenger` and the L2StandardBridge's `otherBridge`. They are
/// known once the L1 contracts are deployed (their addresses depend on the deployer's nonces
/// on that L1), before the rollup's genesis is written; a chain without an L1 (`tephra dev`)
/// leaves them zero, as bedrock's implementation contracts are initialized.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct L1Contracts {
    /// The L1CrossDomainMessenger.
    pub cross_domain_messenger: Address,
    /// The L1StandardBridge.
    pub standard_bridge: Address,
}

/// The OP Stack profile: every OP hardfork through Isthmus active from genesis.
#[derive(Debug, Clone)]
pub struct OpStack {
    hardforks: OpChainHardforks,
    fees: L1Fees,
    l1: L1Contracts,
}

impl Default for OpStack {
    fn default() -> Self {
        Self::new(L1Fees::default())
    }
}

impl OpStack {
    /// OP Stack rules with these L1 fee parameters.
    pub fn new(fees: L1Fees) -> Self {
        use OpHardfork::*;
        let at_genesis = [Regolith, Canyon, Ecotone, Fjord, Granite, Holocene, Isthmus]
            .into_iter()
            .map(|fork| (fork, ForkCondition::ZERO_TIMESTAMP));
        let hardforks = OpChainHardforks::new(
            std::iter::once((Bedrock, ForkCondition::ZERO_BLOCK))
                .chain(at_genesis)
                .chain([Jovian, Karst, Interop].map(|fork| (fork, ForkCondition::Never))),
        );
        Self { hardforks, fees, l1: L1Contracts::default() }
    }

    /// These rules, with the predeploys' other side at `l1` (part of the genesis: a chain
    /// reopens only with the same).
    pub fn with_l1_contracts(mut self, l1: L1Contracts) -> Self {
        self.l1 = l1;
        self
    }

    /// The L1 contracts the predeploys name.
    pub fn l1_contracts(&self) -> L1Contracts {
        self.l1
    }

    /// The op-revm spec of a block.
    pub fn spec_id(&self, header: &Header) -> OpSpecId {
        alloy_op_evm::env::spec(&self.hardforks, header)
    }

    fn env(&self, spec: &ChainSpec, header: &Header) -> alloy_evm::EvmEnv<OpSpecId> {
        evm_env_for_op_block(header, &self.hardforks, spec.chain_id)
    }
}

/// Calldata of `setL1BlockValuesIsthmus()`: the selector, then the packed values in the order
/// the OP specification's Isthmus L1 attributes section gives (176 bytes).
pub fn l1_info_calldata(fees: &L1Fees, origin: &L1Origin, sequence_number: u64) -> Bytes {
    let mut data = Vec::with_capacity(L1_INFO_ISTHMUS_LEN);
    data.extend_from_slice(&SET_L1_BLOCK_VALUES_ISTHMUS);
    data.extend_from_slice(&fees.base_fee_scalar.to_be_bytes());
    data.extend_from_slice(&fees.blob_base_fee_scalar.to_be_bytes());
    data.extend_from_slice(&sequence_number.to_be_bytes());
    data.extend_from_slice(&origin.timestamp.to_be_bytes());
    data.extend_from_slice(&origin.number.to_be_bytes());
    data.extend_from_slice(&U256::from(origin.base_fee).to_be_bytes::<32>());
    data.extend_from_slice(&U256::from(origin.blob_base_fee).to_be_bytes::<32>());
    data.extend_from_slice(origin.hash.as_slice());
    data.extend_from_slice(fees.batcher_hash.as_slice());
    data.extend_from_slice(&fees.operator_fee_scalar.to_be_bytes());
    data.extend_from_slice(&fees.operator_fee_constant.to_be_bytes());
    data.into()
}

/// What an L1 attributes deposit's calldata says: the L1 origin, the sequence number and the
/// fee scalars. `None` if `calldata` is not `setL1BlockValuesIsthmus` with its 176 bytes.
pub fn parse_l1_info_calldata(calldata: &[u8]) -> Option<(L1Origin, u64)> {
    if calldata.len() != L1_INFO_ISTHMUS_LEN || calldata[..4] != SET_L1_BLOCK_VALUES_ISTHMUS {
        return None;
    }
    let u64_at = |at: usize| u64::from_be_bytes(calldata[at..at + 8].try_into().expect("8 bytes"));
    let u256_at = |at: usize| U256::from_be_slice(&calldata[at..at + 32]);
    let origin = L1Origin {
        timestamp: u64_at(20),
        number: u64_at(28),
        base_fee: u256_at(36).saturating_to(),
        blob_base_fee: u256_at(68).saturating_to(),
        hash: B256::from_slice(&calldata[100..132]),
    };
    Some((origin, u64_at(12)))
}

/// The L1 origin and sequence number of an OP block, from its first transaction, the L1
/// attributes deposit. `None` if the block does not start with one.
pub fn l1_info_of_block(transactions: &[TxEnvelope]) -> Option<(L1Origin, u64)> {
    let deposit = transactions.first()?.as_deposit()?;
    (deposit.from == L1_INFO_DEPOSITOR && deposit.to == TxKind::Call(L1_BLOCK))
        .then(|| parse_l1_info_calldata(&deposit.input))
        .flatten()
}

/// The L1 attributes deposit of an L2 block: from the depositor account to L1Block, no mint,
/// no value, 1M gas, its source hash from the L1 origin's hash and the sequence number.
pub fn l1_info_deposit(fees: &L1Fees, origin: &L1Origin, sequence_number: u64) -> TxDeposit {
    TxDeposit {
        source_hash: L1InfoDepositSource::new(origin.hash, sequence_number).source_hash(),
        from: L1_INFO_DEPOSITOR,
        to: TxKind::Call(L1_BLOCK),
        mint: 0,
        value: U256::ZERO,
        gas_limit: L1_INFO_GAS_LIMIT,
        is_system_transaction: false,
        input: l1_info_calldata(fees, origin, sequence_number),
    }
}

/// L1Block's storage after `setL1BlockValuesIsthmus` with these values (the layout of
/// contracts-bedrock 0.17.3's L1Block: `number` and `timestamp` packed in slot 0, `basefee` 1,
/// `hash` 2, `sequenceNumber`, `blobBaseFeeScalar` and `baseFeeScalar` packed in 3,
/// `batcherHash` 4, `blobBaseFee` 7; then L1BlockIsthmus' `operatorFeeConstant` and
/// `operatorFeeScalar` packed in 8).
fn l1_block_storage(
    fees: &L1Fees,
    origin: &L1Origin,
    sequence_number: u64,
) -> BTreeMap<B256, B256> {
    let slot = |index: u64| B256::from(U256::from(index));
    let packed = |parts: &[(u64, usize)]| {
        B256::from(
            parts
                .iter()
                .fold(U256::ZERO, |word, (value, shift)| word | (U256::from(*value) << *shift)),
        )
    };
    BTreeMap::from([
        (slot(0), packed(&[(origin.number, 0), (origin.timestamp, 64)])),
        (slot(1), B256::from(U256::from(origin.base_fee))),
        (slot(2), origin.hash),
        (
            slot(3),
            packed(&[
                (sequence_number, 0),
                (u64::from(fees.blob_base_fee_scalar), 64),
                (u64::from(fees.base_fee_scalar), 96),
            ]),
        ),
        (slot(4), fees.batcher_hash),
        (slot(7), B256::from(U256::from(origin.blob_base_fee))),
        (
            slot(8),
            packed(&[(fees.operator_fee_constant, 0), (u64::from(fees.operator_fee_scalar), 64)]),
        ),
    ])
}

/// The storage of L2CrossDomainMessenger, L2StandardBridge and OptimismMintableERC20Factory
/// after their 0.17.3 initializers (`initialize(l1Messenger)`, `initialize(l1Bridge)`,
/// `initialize(L2StandardBridge)`), as bedrock's L2 genesis runs them; slots from the 0.17.3
/// storage layouts. Messenger: OpenZeppelin's `_initialized` (1) at slot 0 byte offset 20 (after
/// the legacy spacer address), `xDomainMsgSender` = DEFAULT_L2_SENDER at 204, `otherMessenger`
/// at 207. Bridge: `_initialized` at slot 0 offset 0, `messenger` = L2CrossDomainMessenger at 3,
/// `otherBridge` at 4. Factory: `_initialized` at slot 0, `bridge` = L2StandardBridge at 1.
fn bridge_storage(l1: L1Contracts) -> [BTreeMap<B256, B256>; 3] {
    let slot = |index: u64| B256::from(U256::from(index));
    let word = |address: Address| address.into_word();
    let initialized_at = |offset: usize| B256::from(U256::from(1) << (offset * 8));
    [
        BTreeMap::from([
            (slot(0), initialized_at(20)),
            (slot(204), word(DEFAULT_L2_SENDER)),
            (slot(207), word(l1.cross_domain_messenger)),
        ]),
        BTreeMap::from([
            (slot(0), initialized_at(0)),
            (slot(3), word(L2_CROSS_DOMAIN_MESSENGER)),
            (slot(4), word(l1.standard_bridge)),
        ]),
        BTreeMap::from([(slot(0), initialized_at(0)), (slot(1), word(L2_STANDARD_BRIDGE))]),
    ]
}

/// Holocene's `extraData`: version 0, then the EIP-1559 denominator and elasticity (u32 each).
fn holocene_extra_data(params: BaseFeeParams) -> Bytes {
    let mut data = vec![0u8];
    data.extend_from_slice(&(params.max_change_denominator as u32).to_be_bytes());
    data.extend_from_slice(&(params.elasticity_multiplier as u32).to_be_bytes());
    data.into()
}

fn deployed_code(artifact: &str) -> Bytes {
    let artifact: Value = serde_json::from_str(artifact).expect("committed artifacts are JSON");
    let code = artifact["deployedBytecode"].as_str().expect("artifacts carry deployedBytecode");
    code.parse().expect("deployedBytecode is hex")
}

impl OpStack {
    /// The predeploys of an OP chain whose first block under these rules is at `timestamp`:
    /// address, runtime code and initial storage. L1Block starts out reporting the L1 origin of
    /// that time, as op-node's genesis does, so that fees are priced before the first block;
    /// GasPriceOracle has isEcotone, isFjord and isIsthmus set (slot 0, bytes 0, 1 and 2):
    /// Fjord's L1 fee formula and Isthmus' operator fee, as op-revm charges them. The ERC-20
    /// bridge's L2 side (L2CrossDomainMessenger, L2StandardBridge, OptimismMintableERC20Factory)
    /// holds what bedrock's initializers set in its L2 genesis ([`bridge_storage`]).
    fn predeploys(&self, timestamp: u64) -> [(Address, Bytes, BTreeMap<B256, B256>); 6] {
        let origin = dev_l1_origin(&self.fees, timestamp);
        let [messenger, bridge, factory] = bridge_storage(self.l1);
        [
            (
                L1_BLOCK,
                deployed_code(include_str!("../../../contracts/artifacts/L1BlockIsthmus.json")),
                l1_block_storage(&self.fees, &origin, 0),
            ),
            (
                GAS_PRICE_ORACLE,
                deployed_code(include_str!(
                    "../../../contracts/artifacts/GasPriceOracleIsthmus.json"
                )),
                BTreeMap::from([(B256::ZERO, B256::from(U256::from(0x01_01_01)))]),
            ),
            (
                L2_TO_L1_MESSAGE_PASSER,
                deployed_code(include_str!(
                    "../../../contracts/artifacts/L2ToL1MessagePasser.json"
                )),
                BTreeMap::new(),
            ),
            (
                L2_CROSS_DOMAIN_MESSENGER,
                deployed_code(include_str!(
                    "../../../contracts/artifacts/L2CrossDomainMessenger.json"
                )),
                messenger,
            ),
            (
                L2_STANDARD_BRIDGE,
                deployed_code(include_str!("../../../contracts/artifacts/L2StandardBridge.json")),
                bridge,
            ),
            (
                OPTIMISM_MINTABLE_ERC20_FACTORY,
                deployed_code(include_str!(
                    "../../../contracts/artifacts/OptimismMintableERC20Factory.json"
                )),
                factory,
            ),
        ]
    }
}

impl Framework for OpStack {
    fn name(&self) -> &'static str {
        "op-stack"
    }

    fn extend_genesis(&self, genesis: &mut Genesis) {
        for (address, code, storage) in self.predeploys(genesis.timestamp) {
            let account =
                GenesisAccount::default().with_code(Some(code)).with_storage(Some(storage));
            genesis.alloc.insert(address, account);
        }
    }

    fn base_fee_params(&self, _number: u64) -> BaseFeeParams {
        BASE_FEE_PARAMS
    }

    fn prepare_header(&self, _parent: &Header, _l1: Option<&L1Origin>, header: &mut Header) {
        header.beneficiary = SEQUENCER_FEE_VAULT;
        header.extra_data = holocene_extra_data(BASE_FEE_PARAMS);
    }

    fn system_transactions(
        &self,
        _spec: &ChainSpec,
        _parent: &Header,
        header: &Header,
        l1: Option<&L1Origin>,
        state: &mut BlockState,
    ) -> Result<Vec<Recovered<TxEnvelope>>, ChainError> {
        let origin = l1.cloned().unwrap_or_else(|| dev_l1_origin(&self.fees, header.timestamp));
        // L1Block slot 0 holds `number` in its low 8 bytes, slot 3 `sequenceNumber`.
        let previous_number = state.storage(L1_BLOCK, U256::ZERO)?.as_limbs()[0];
        let sequence_number = if previous_number == origin.number {
            state.storage(L1_BLOCK, U256::from(3))?.as_limbs()[0] + 1
        } else {
            0
        };
        let deposit = l1_info_deposit(&self.fees, &origin, sequence_number);
        Ok(vec![Recovered::new_unchecked(
            TxEnvelope::Deposit(Sealed::new(deposit)),
            L1_INFO_DEPOSITOR,
        )])
    }

    fn execute(
        &self,
        spec: &ChainSpec,
        header: &Header,
        state: &mut BlockState,
        txs: BlockTxs<'_, '_>,
    ) -> Result<BlockRun, ChainError> {
        let mut evm = OpEvmFactory::<OpTx>::default().create_evm(state, self.env(spec, header));
        install_stateless_call(evm.precompiles_mut());
        let ctx = OpBlockExecutionCtx {
            parent_hash: header.parent_hash,
            parent_beacon_block_root: header.parent_beacon_block_root,
            extra_data: header.extra_data.clone(),
        };
        run_transactions(OpBlockExecutor::new(evm, ctx, &self.hardforks, Receipts), txs)
    }

    fn trace_transaction(
        &self,
        spec: &ChainSpec,
        header: &Header,
        state: &mut BlockState,
        tx: Recovered<&TxEnvelope>,
        inspector: &mut TracingInspector,
    ) -> Result<TraceOutcome, ChainError> {
        let mut evm = OpEvmFactory::<OpTx>::default().create_evm_with_inspector(
            state,
            self.env(spec, header),
            inspector,
        );
        install_stateless_call(evm.precompiles_mut());
        let result = evm
            .transact(OpTx::from_recovered_tx(tx.inner(), tx.signer()))
            .map_err(|err| ChainError::Execution(err.to_string()))?
            .result;
        Ok(match result {
            ExecutionResult::Success { gas, output, .. } => {
                TraceOutcome { gas_used: gas.tx_gas_used(), output: output.into_data() }
            }
            ExecutionResult::Revert { gas, output, .. } => {
                TraceOutcome { gas_used: gas.tx_gas_used(), output }
            }
            ExecutionResult::Halt { gas, .. } => {
                TraceOutcome { gas_used: gas.tx_gas_used(), output: Bytes::new() }
            }
        })
    }

    fn transact(
        &self,
        env: EvmEnv,
        state: &mut BlockState,
        tx: TxEnv,
        inspector: CallInspector<'_>,
    ) -> Result<ExecutionResult, EVMError<ChainError>> {
        let timestamp = env.block_env.timestamp.saturating_to();
        let op_spec = spec_by_timestamp_after_bedrock(&self.hardforks, timestamp);
        let env = EvmEnv {
            cfg_env: env.cfg_env.with_spec_and_mainnet_gas_params(op_spec),
            block_env: env.block_env,
        };
        // A call carries no encoding, so no L1 data fee or operator fee applies (as op-geth).
        let tx = OpTx(OpTransaction {
            base: tx,
            enveloped_tx: Some(Bytes::new()),
            deposit: Default::default(),
        });
        let factory = OpEvmFactory::<OpTx>::default();
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
        let result = result.map_err(|err| match err {
            EVMError::Transaction(OpTxError(OpTransactionError::Base(err))) => {
                EVMError::Transaction(err)
            }
            EVMError::Transaction(other) => EVMError::Custom(other.to_string()),
            EVMError::Header(err) => EVMError::Header(err),
            EVMError::Database(err) => EVMError::Database(err),
            EVMError::Custom(err) => EVMError::Custom(err),
            EVMError::CustomAny(err) => EVMError::Custom(err.to_string()),
        })?;
        Ok(result.result.map_haltreason(|reason| match reason {
            OpHaltReason::Base(reason) => reason,
            // Only deposits fail this way, and calls are never deposits.
            OpHaltReason::FailedDeposit => HaltReason::NotActivated,
        }))
    }

    fn finish_header(
        &self,
        header: &mut Header,
        post_account: &dyn Fn(&Address) -> Result<Option<TrieAccount>, ChainError>,
        _post_storage: &dyn Fn(&Address, U256) -> Result<U256, ChainError>,
    ) -> Result<(), ChainError> {
        // Isthmus: the withdrawals root is the L2ToL1MessagePasser's storage root.
        header.withdrawals_root = Some(
            post_account(&L2_TO_L1_MESSAGE_PASSER)?
                .map_or(EMPTY_ROOT_HASH, |account| account.storage_root),
        );
        Ok(())
    }

    fn receipt_fields(
        &self,
        header: &Header,
        state: &mut BlockState,
        txs: &[TxEnvelope],
        _receipts: &[ReceiptEnvelope],
    ) -> Result<Vec<Map<String, Value>>, ChainError> {
        let spec_id = self.spec_id(header);
        let info = L1BlockInfo::try_fetch(state, U256::from(header.number), spec_id)?;
        Ok(txs
            .iter()
            .map(|tx| {
                if tx.as_deposit().is_some() {
                    return Map::new();
                }
                let mut info = info.clone();
                let encoded = tx.encoded_2718();
                [
                    ("l1GasPrice", info.l1_base_fee),
                    ("l1GasUsed", info.data_gas(&encoded, spec_id)),
                    ("l1Fee", info.calculate_tx_l1_cost(&encoded, spec_id)),
                    ("l1BaseFeeScalar", info.l1_base_fee_scalar),
                    ("l1BlobBaseFee", info.l1_blob_base_fee.unwrap_or_default()),
                    ("l1BlobBaseFeeScalar", info.l1_blob_base_fee_scalar.unwrap_or_default()),
                    ("operatorFeeScalar", info.operator_fee_scalar.unwrap_or_default()),
                    ("operatorFeeConstant", info.operator_fee_constant.unwrap_or_default()),
                ]
                .into_iter()
                .map(|(name, value)| (name.to_string(), Value::String(format!("{value:#x}"))))
                .collect()
            })
            .collect())
    }
}

/// Output root version 0 (OP specification, "Proposals"): `keccak256(version ‖ stateRoot ‖
/// messagePasserStorageRoot ‖ blockHash)`, each 32 bytes, version zero.
pub fn output_root_v0(
    state_root: B256,
    message_passer_storage_root: B256,
    block_hash: B256,
) -> B256 {
    let mut preimage = [0u8; 128];
    preimage[32..64].copy_from_slice(state_root.as_slice());
    preimage[64..96].copy_from_slice(message_passer_storage_root.as_slice());
    preimage[96..].copy_from_slice(block_hash.as_slice());
    keccak256(preimage)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::b256;
    use tephra_primitives::tx::UserDepositSource;

    /// Published source-hash vectors (OP specification, "Source hash computation"): viem's
    /// `getSourceHash` tests (src/op-stack/utils/getSourceHash.test.ts) and contracts-bedrock's
    /// `Hashing.t.sol` (`test_hashDepositSource`).
    #[test]
    fn deposit_source_hashes_match_published_vectors() {
        let l1_hash = b256!("0x9ba3933dc6ce43c145349770a39c30f9b647f17668f004bd2e05c80a2e7262f7");
        let origin =
            L1Origin { number: 1, timestamp: 12, base_fee: 1, blob_base_fee: 1, hash: l1_hash };
        assert_eq!(
            l1_info_deposit(&L1Fees::default(), &origin, 1).source_hash,
            b256!("0x722c43232e2f9dc07ebc07a02a3056993a2ed1328a1c81377ea99d135af39536")
        );
        assert_eq!(
            UserDepositSource::new(l1_hash, 196).source_hash(),
            b256!("0xd0868c8764d81f1749edb7dec4a550966963540d9fe50aefce8cdb38ea7b2213")
        );
        assert_eq!(
            UserDepositSource::new(
                b256!("0xd25df7858efc1778118fb133ac561b138845361626dfb976699c5287ed0f4959"),
                1
            )
            .source_hash(),
            b256!("0xf923fb07134d7d287cb52c770cc619e17e82606c21a875c92f4c63b65280a5cc")
        );
    }

    #[test]
    fn l1_info_calldata_round_trips_and_refuses_other_shapes() {
        let fees = L1Fees { base_fee: 7, blob_base_fee: 3, ..L1Fees::default() };
        let origin = L1Origin {
            number: 21_000_000,
            timestamp: 1_752_000_000,
            base_fee: 7,
            blob_base_fee: 3,
            hash: B256::repeat_byte(0xab),
        };
        let calldata = l1_info_calldata(&fees, &origin, 5);
        assert_eq!(calldata.len(), 176);
        assert_eq!(parse_l1_info_calldata(&calldata), Some((origin.clone(), 5)));
        assert_eq!(parse_l1_info_calldata(&calldata[..163]), None);
        let mut other_selector = calldata.to_vec();
        other_selector[0] ^= 1;
        assert_eq!(parse_l1_info_calldata(&other_selector), None);
        let deposit: TxEnvelope = l1_info_deposit(&fees, &origin, 5).into();
        assert_eq!(l1_info_of_block(&[deposit]), Some((origin, 5)));
        assert_eq!(l1_info_of_block(&[]), None);
    }
}
