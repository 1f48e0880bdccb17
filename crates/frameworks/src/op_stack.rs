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
//! newest release on npm, which predates Isthmus, and laid out as bedrock's L2 genesis does:
//! a `Proxy` at each predeploy address (admin: the ProxyAdmin predeploy), its implementation at
//! the predeploy's code namespace address ([`implementation_address`]). Isthmus' L1Block,
//! GasPriceOracle and OperatorFeeVault are the audited 0.17.3 contracts extended by what the OP
//! specification defines for Isthmus (`contracts/src/op`).
//!
//! Every OP hardfork through Holocene is active from genesis; Isthmus is too by default, or
//! from a later time ([`OpStack::with_isthmus_time`]). Before it the chain runs Holocene (no
//! EIP-7702, no EIP-2935, no operator fee) and the L1 attributes deposit is Ecotone's
//! `setL1BlockValuesEcotone`; the Isthmus activation block still carries Ecotone's (its L1Block
//! is not upgraded yet), then Isthmus' network upgrade deposits ([`isthmus_upgrade`]), and no
//! user's transaction; every later block carries Isthmus' `setL1BlockValuesIsthmus`.

use crate::receipts::Receipts;
use alloy_consensus::{Header, Sealed, transaction::Recovered};
use alloy_eips::{
    Encodable2718,
    eip1559::BaseFeeParams,
    eip2935::{HISTORY_STORAGE_ADDRESS, HISTORY_STORAGE_CODE},
};
use alloy_evm::{Evm, EvmEnv, EvmFactory, FromRecoveredTx};
use alloy_genesis::{Genesis, GenesisAccount};
use alloy_hardforks::ForkCondition;
use alloy_op_evm::{
    OpEvmFactory, OpTx, OpTxError,
    block::{OpBlockExecutionCtx, OpBlockExecutor},
    env::{evm_env_for_op_block, spec_by_timestamp_after_bedrock},
};
use alloy_op_hardforks::{OpChainHardforks, OpHardfork, OpHardforks};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, address, b256, keccak256};
use alloy_sol_types::{SolCall, sol};
use alloy_trie::{EMPTY_ROOT_HASH, TrieAccount};
use op_revm::{L1BlockInfo, OpHaltReason, OpSpecId, OpTransaction, OpTransactionError};
use revm::{
    Database,
    context::TxEnv,
    context_interface::result::{EVMError, ExecutionResult, HaltReason},
};
use revm_inspectors::tracing::TracingInspector;
use serde_json::{Map, Value};
use std::{collections::BTreeMap, sync::LazyLock};
use tephra_chain::{
    BlockRun, BlockState, BlockTxs, CallInspector, ChainError, ChainSpec, ETHEREUM_TX_TYPES,
    Framework, L1Origin, TraceOutcome, install_stateless_call, run_transactions,
};
use tephra_primitives::{
    ReceiptEnvelope, TxEnvelope, artifact,
    predeploy::{self, Step},
    tx::{L1InfoDepositSource, TxDeposit, UpgradeDepositSource},
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
/// The ProxyAdmin predeploy: the admin of every predeploy's proxy, its own included.
pub const PROXY_ADMIN: Address = address!("0x4200000000000000000000000000000000000018");
/// The ProxyAdmin's owner, who can upgrade the predeploys through it: account 9 of the test
/// mnemonic, the `proxyAdminOwner` of the OP monorepo's devnet deploy config.
pub const PROXY_ADMIN_OWNER: Address = address!("0xa0Ee7A142d267C1f36714E4a8F75612F20a79720");
/// EIP-1967's implementation slot, where a bedrock `Proxy` keeps its implementation.
const PROXY_IMPLEMENTATION_SLOT: B256 =
    b256!("0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc");
/// EIP-1967's admin slot, where a bedrock `Proxy` keeps its admin.
const PROXY_ADMIN_SLOT: B256 =
    b256!("0xb53127684a568b3173ae13b9f8a6016e243e63b6e8ee1178d6a717850b5d6103");
/// Selector of `L1Block.setL1BlockValuesEcotone()`.
const SET_L1_BLOCK_VALUES_ECOTONE: [u8; 4] = [0x44, 0x0a, 0x5e, 0x20];
/// Selector of `L1Block.setL1BlockValuesIsthmus()`.
const SET_L1_BLOCK_VALUES_ISTHMUS: [u8; 4] = [0x09, 0x89, 0x99, 0xbe];
/// Length of the Ecotone L1 attributes calldata.
const L1_INFO_ECOTONE_LEN: usize = 164;
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

/// The OP Stack profile: every OP hardfork through Holocene active from genesis, Isthmus from
/// genesis or from a later time.
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
    /// OP Stack rules with these L1 fee parameters, Isthmus active from genesis.
    pub fn new(fees: L1Fees) -> Self {
        Self { hardforks: hardforks(0), fees, l1: L1Contracts::default() }
    }

    /// These rules with Isthmus active from the first block whose timestamp is at least
    /// `timestamp` (op-node's `isthmus_time`; part of the genesis: a chain reopens only with
    /// the same). At or before the genesis' time it is active from genesis.
    pub fn with_isthmus_time(mut self, timestamp: u64) -> Self {
        self.hardforks = hardforks(timestamp);
        self
    }

    /// Whether Isthmus is active in a block at `timestamp`.
    pub fn is_isthmus(&self, timestamp: u64) -> bool {
        self.hardforks.is_isthmus_active_at_timestamp(timestamp)
    }

    /// Whether the block with `header`, on `parent`, is Isthmus' activation block: the first
    /// one after genesis under Isthmus.
    pub fn activates_isthmus(&self, parent: &Header, header: &Header) -> bool {
        !self.is_isthmus(parent.timestamp) && self.is_isthmus(header.timestamp)
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

/// Bedrock from block 0, Regolith through Holocene from genesis, Isthmus from `isthmus_time`,
/// the later forks never.
fn hardforks(isthmus_time: u64) -> OpChainHardforks {
    use OpHardfork::*;
    let at_genesis = [Regolith, Canyon, Ecotone, Fjord, Granite, Holocene]
        .into_iter()
        .map(|fork| (fork, ForkCondition::ZERO_TIMESTAMP));
    OpChainHardforks::new(
        std::iter::once((Bedrock, ForkCondition::ZERO_BLOCK))
            .chain(at_genesis)
            .chain([(Isthmus, ForkCondition::Timestamp(isthmus_time))])
            .chain([Jovian, Karst, Interop].map(|fork| (fork, ForkCondition::Never))),
    )
}

/// The format of an L1 attributes deposit's calldata.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum L1InfoFormat {
    /// `setL1BlockValuesEcotone()`: 164 bytes (Ecotone until Isthmus, and Isthmus' activation
    /// block).
    Ecotone,
    /// `setL1BlockValuesIsthmus()`: Ecotone's values, then the operator fee scalar and
    /// constant (176 bytes).
    Isthmus,
}

/// Calldata of the L1 attributes deposit in `format`: the selector, then the packed values in
/// the order the OP specification's Ecotone and Isthmus L1 attributes sections give.
pub fn l1_info_calldata(
    fees: &L1Fees,
    origin: &L1Origin,
    sequence_number: u64,
    format: L1InfoFormat,
) -> Bytes {
    let mut data = Vec::with_capacity(L1_INFO_ISTHMUS_LEN);
    data.extend_from_slice(match format {
        L1InfoFormat::Ecotone => &SET_L1_BLOCK_VALUES_ECOTONE,
        L1InfoFormat::Isthmus => &SET_L1_BLOCK_VALUES_ISTHMUS,
    });
    data.extend_from_slice(&fees.base_fee_scalar.to_be_bytes());
    data.extend_from_slice(&fees.blob_base_fee_scalar.to_be_bytes());
    data.extend_from_slice(&sequence_number.to_be_bytes());
    data.extend_from_slice(&origin.timestamp.to_be_bytes());
    data.extend_from_slice(&origin.number.to_be_bytes());
    data.extend_from_slice(&U256::from(origin.base_fee).to_be_bytes::<32>());
    data.extend_from_slice(&U256::from(origin.blob_base_fee).to_be_bytes::<32>());
    data.extend_from_slice(origin.hash.as_slice());
    data.extend_from_slice(fees.batcher_hash.as_slice());
    if format == L1InfoFormat::Isthmus {
        data.extend_from_slice(&fees.operator_fee_scalar.to_be_bytes());
        data.extend_from_slice(&fees.operator_fee_constant.to_be_bytes());
    }
    data.into()
}

/// What an L1 attributes deposit's calldata says: the L1 origin and the sequence number.
/// `None` if `calldata` is neither `setL1BlockValuesEcotone` with its 164 bytes nor
/// `setL1BlockValuesIsthmus` with its 176.
pub fn parse_l1_info_calldata(calldata: &[u8]) -> Option<(L1Origin, u64)> {
    let format = match calldata.get(..4)? {
        selector if selector == SET_L1_BLOCK_VALUES_ECOTONE => L1_INFO_ECOTONE_LEN,
        selector if selector == SET_L1_BLOCK_VALUES_ISTHMUS => L1_INFO_ISTHMUS_LEN,
        _ => return None,
    };
    if calldata.len() != format {
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
pub fn l1_info_deposit(
    fees: &L1Fees,
    origin: &L1Origin,
    sequence_number: u64,
    format: L1InfoFormat,
) -> TxDeposit {
    TxDeposit {
        source_hash: L1InfoDepositSource::new(origin.hash, sequence_number).source_hash(),
        from: L1_INFO_DEPOSITOR,
        to: TxKind::Call(L1_BLOCK),
        mint: 0,
        value: U256::ZERO,
        gas_limit: L1_INFO_GAS_LIMIT,
        is_system_transaction: false,
        input: l1_info_calldata(fees, origin, sequence_number, format),
    }
}

/// L1Block's storage after the L1 attributes call in `format` with these values (the layout of
/// contracts-bedrock 0.17.3's L1Block: `number` and `timestamp` packed in slot 0, `basefee` 1,
/// `hash` 2, `sequenceNumber`, `blobBaseFeeScalar` and `baseFeeScalar` packed in 3,
/// `batcherHash` 4, `blobBaseFee` 7; then L1BlockIsthmus' `operatorFeeConstant` and
/// `operatorFeeScalar` packed in 8).
fn l1_block_storage(
    fees: &L1Fees,
    origin: &L1Origin,
    sequence_number: u64,
    format: L1InfoFormat,
) -> BTreeMap<B256, B256> {
    let slot = |index: u64| B256::from(U256::from(index));
    let packed = |parts: &[(u64, usize)]| {
        B256::from(
            parts
                .iter()
                .fold(U256::ZERO, |word, (value, shift)| word | (U256::from(*value) << *shift)),
        )
    };
    let mut storage = BTreeMap::from([
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
    ]);
    if format == L1InfoFormat::Isthmus {
        storage.insert(
            slot(8),
            packed(&[(fees.operator_fee_constant, 0), (u64::from(fees.operator_fee_scalar), 64)]),
        );
    }
    storage
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

/// Where bedrock's L2 genesis puts a predeploy's implementation: its code namespace address,
/// `0xc0D3…c0d3` followed by the predeploy's last two bytes.
pub fn implementation_address(predeploy: Address) -> Address {
    let mut address = address!("0xc0D3C0d3C0d3C0D3c0d3C0d3c0D3C0d3c0d30000");
    address.0[18..].copy_from_slice(&predeploy.0[18..]);
    address
}

/// OperatorFeeVault's runtime code: what its creation code leaves, immutables set.
fn operator_fee_vault_code() -> Bytes {
    static CODE: LazyLock<Bytes> = LazyLock::new(|| {
        let deployer = ISTHMUS_DEPLOYERS[2];
        let creation = artifact!(OperatorFeeVault).deploy_code(&[]);
        let accounts =
            predeploy::run(deployer, [Step::create("create OperatorFeeVault", creation)])
                .expect("OperatorFeeVault's constructor runs");
        accounts[&deployer.create(0)].code.clone().expect("a created contract has code")
    });
    CODE.clone()
}

/// A predeploy as a genesis holds it: its address, its implementation's runtime code (none: a
/// proxy not yet pointed anywhere) and its storage (the proxy's, where the implementation's
/// state lives).
type Predeploy = (Address, Option<Bytes>, BTreeMap<B256, B256>);

impl OpStack {
    /// The predeploys of an OP chain whose first block under these rules is at `timestamp`.
    /// L1Block starts out reporting the L1 origin of that time, as op-node's genesis does, so
    /// that fees are priced before the first block; GasPriceOracle has isEcotone and isFjord
    /// set (slot 0, bytes 0 and 1), and isIsthmus (byte 2) under Isthmus: Fjord's L1 fee
    /// formula and Isthmus' operator fee, as op-revm charges them. Before Isthmus, L1Block and
    /// GasPriceOracle are 0.17.3's and the OperatorFeeVault's proxy has no implementation yet.
    /// The ERC-20 bridge's L2 side (L2CrossDomainMessenger, L2StandardBridge,
    /// OptimismMintableERC20Factory) holds what bedrock's initializers set in its L2 genesis
    /// ([`bridge_storage`]). ProxyAdmin has no initializer: its owner ([`PROXY_ADMIN_OWNER`])
    /// is written into its slot 0, as bedrock's L2 genesis does.
    fn predeploys(&self, timestamp: u64) -> [Predeploy; 8] {
        let origin = dev_l1_origin(&self.fees, timestamp);
        let [messenger, bridge, factory] = bridge_storage(self.l1);
        let isthmus = self.is_isthmus(timestamp);
        let (format, l1_block, oracle, oracle_flags) = if isthmus {
            (
                L1InfoFormat::Isthmus,
                artifact!(L1BlockIsthmus),
                artifact!(GasPriceOracleIsthmus),
                0x01_01_01u64,
            )
        } else {
            (L1InfoFormat::Ecotone, artifact!(L1Block), artifact!(GasPriceOracle), 0x01_01)
        };
        [
            (
                PROXY_ADMIN,
                Some(artifact!(ProxyAdmin).runtime_code()),
                BTreeMap::from([(B256::ZERO, PROXY_ADMIN_OWNER.into_word())]),
            ),
            (
                L1_BLOCK,
                Some(l1_block.runtime_code()),
                l1_block_storage(&self.fees, &origin, 0, format),
            ),
            (
                GAS_PRICE_ORACLE,
                Some(oracle.runtime_code()),
                BTreeMap::from([(B256::ZERO, B256::from(U256::from(oracle_flags)))]),
            ),
            (OPERATOR_FEE_VAULT, isthmus.then(operator_fee_vault_code), BTreeMap::new()),
            (
                L2_TO_L1_MESSAGE_PASSER,
                Some(artifact!(L2ToL1MessagePasser).runtime_code()),
                BTreeMap::new(),
            ),
            (
                L2_CROSS_DOMAIN_MESSENGER,
                Some(artifact!(L2CrossDomainMessenger).runtime_code()),
                messenger,
            ),
            (L2_STANDARD_BRIDGE, Some(artifact!(L2StandardBridge).runtime_code()), bridge),
            (
                OPTIMISM_MINTABLE_ERC20_FACTORY,
                Some(artifact!(OptimismMintableERC20Factory).runtime_code()),
                factory,
            ),
        ]
    }
}

sol! {
    function upgradeTo(address implementation) external;
    function setIsthmus() external;
}

/// The deployers of Isthmus' L1Block, GasPriceOracle and OperatorFeeVault (OP specification,
/// Isthmus "Network upgrade automation transactions"), each creating its contract at nonce 0.
pub const ISTHMUS_DEPLOYERS: [Address; 3] = [
    address!("0x4210000000000000000000000000000000000003"),
    address!("0x4210000000000000000000000000000000000004"),
    address!("0x4210000000000000000000000000000000000005"),
];

/// Gas limit of the Isthmus L1Block's deployment. The specification's 425,000 is sized for the
/// monorepo's Isthmus L1Block; `L1BlockIsthmus` here is 0.17.3's L1Block with the Isthmus
/// functions added, 3,068 bytes of runtime code, whose creation takes about 712,000 gas.
pub const ISTHMUS_L1_BLOCK_DEPLOYMENT_GAS: u64 = 750_000;

/// The sender of EIP-2935's presigned deployment, which Isthmus' upgrade replays as a deposit.
pub const EIP2935_DEPLOYER: Address = address!("0x3462413Af4609098e1E27A490f554f260213D685");

/// EIP-2935's creation code: copies the 83-byte history contract (alloy's
/// `HISTORY_STORAGE_CODE`) into memory and returns it.
fn eip2935_creation_code() -> Bytes {
    [[0x60, 0x53, 0x80, 0x60, 0x09, 0x5f, 0x39, 0x5f, 0xf3].as_slice(), &HISTORY_STORAGE_CODE]
        .concat()
        .into()
}

/// Isthmus' network upgrade deposits, in the order of the OP specification's Isthmus
/// derivation section: create the Isthmus L1Block, GasPriceOracle and OperatorFeeVault, point
/// their proxies at them (`upgradeTo`, from the zero address the proxies let through), enable
/// Isthmus in GasPriceOracle (`setIsthmus`, from the depositor account), and deploy EIP-2935's
/// history contract. Sources are "Upgrade-deposited" with the specification's intents; the
/// senders, targets, calldata, resulting addresses and gas limits are the specification's,
/// but for [`ISTHMUS_L1_BLOCK_DEPLOYMENT_GAS`]; the code is this repository's artifacts.
pub fn isthmus_upgrade() -> [TxDeposit; 8] {
    let deposit =
        |intent: &str, from: Address, to: TxKind, gas_limit: u64, input: Bytes| TxDeposit {
            source_hash: UpgradeDepositSource { intent: intent.to_string() }.source_hash(),
            from,
            to,
            mint: 0,
            value: U256::ZERO,
            gas_limit,
            is_system_transaction: false,
            input,
        };
    let [l1_block, oracle, vault] = ISTHMUS_DEPLOYERS;
    let upgrade_to = |deployer: Address| -> Bytes {
        upgradeToCall { implementation: deployer.create(0) }.abi_encode().into()
    };
    [
        deposit(
            "Isthmus: L1 Block Deployment",
            l1_block,
            TxKind::Create,
            ISTHMUS_L1_BLOCK_DEPLOYMENT_GAS,
            artifact!(L1BlockIsthmus).deploy_code(&[]),
        ),
        deposit(
            "Isthmus: Gas Price Oracle Deployment",
            oracle,
            TxKind::Create,
            1_625_000,
            artifact!(GasPriceOracleIsthmus).deploy_code(&[]),
        ),
        deposit(
            "Isthmus: Operator Fee Vault Deployment",
            vault,
            TxKind::Create,
            500_000,
            artifact!(OperatorFeeVault).deploy_code(&[]),
        ),
        deposit(
            "Isthmus: L1 Block Proxy Update",
            Address::ZERO,
            TxKind::Call(L1_BLOCK),
            50_000,
            upgrade_to(l1_block),
        ),
        deposit(
            "Isthmus: Gas Price Oracle Proxy Update",
            Address::ZERO,
            TxKind::Call(GAS_PRICE_ORACLE),
            50_000,
            upgrade_to(oracle),
        ),
        deposit(
            "Isthmus: Operator Fee Vault Proxy Update",
            Address::ZERO,
            TxKind::Call(OPERATOR_FEE_VAULT),
            50_000,
            upgrade_to(vault),
        ),
        deposit(
            "Isthmus: Gas Price Oracle Set Isthmus",
            L1_INFO_DEPOSITOR,
            TxKind::Call(GAS_PRICE_ORACLE),
            90_000,
            setIsthmusCall {}.abi_encode().into(),
        ),
        deposit(
            "Isthmus: EIP-2935 Contract Deployment",
            EIP2935_DEPLOYER,
            TxKind::Create,
            250_000,
            eip2935_creation_code(),
        ),
    ]
}

impl Framework for OpStack {
    fn name(&self) -> &'static str {
        "op-stack"
    }

    /// The predeploys behind their proxies ([`OpStack::predeploys`]); before Isthmus, without
    /// EIP-2935's history contract, which Isthmus' upgrade deploys.
    fn extend_genesis(&self, genesis: &mut Genesis) {
        let proxy_code = artifact!(Proxy).runtime_code();
        for (address, implementation, mut storage) in self.predeploys(genesis.timestamp) {
            storage.insert(PROXY_ADMIN_SLOT, PROXY_ADMIN.into_word());
            if let Some(code) = implementation {
                let at = implementation_address(address);
                storage.insert(PROXY_IMPLEMENTATION_SLOT, at.into_word());
                genesis.alloc.insert(at, GenesisAccount::default().with_code(Some(code)));
            }
            let proxy = GenesisAccount::default()
                .with_code(Some(proxy_code.clone()))
                .with_storage(Some(storage));
            genesis.alloc.insert(address, proxy);
        }
        if !self.is_isthmus(genesis.timestamp) {
            genesis.alloc.remove(&HISTORY_STORAGE_ADDRESS);
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
        parent: &Header,
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
        let format = if self.is_isthmus(header.timestamp) && !self.activates_isthmus(parent, header)
        {
            L1InfoFormat::Isthmus
        } else {
            L1InfoFormat::Ecotone
        };
        let deposit = l1_info_deposit(&self.fees, &origin, sequence_number, format);
        Ok(vec![Recovered::new_unchecked(
            TxEnvelope::Deposit(Sealed::new(deposit)),
            L1_INFO_DEPOSITOR,
        )])
    }

    fn upgrade_transactions(&self, parent: &Header, header: &Header) -> Vec<Recovered<TxEnvelope>> {
        if !self.activates_isthmus(parent, header) {
            return Vec::new();
        }
        isthmus_upgrade()
            .into_iter()
            .map(|deposit| {
                let from = deposit.from;
                Recovered::new_unchecked(TxEnvelope::Deposit(Sealed::new(deposit)), from)
            })
            .collect()
    }

    /// Ethereum's types, but EIP-7702 only from Isthmus on (Holocene is Cancun's EVM).
    fn accepts_tx_type(&self, ty: u8, header: &Header) -> bool {
        ETHEREUM_TX_TYPES.contains(&ty) && (ty != 0x04 || self.is_isthmus(header.timestamp))
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
        // Isthmus: the withdrawals root is the L2ToL1MessagePasser's storage root, and the
        // header has Prague's (empty) requests hash. Before it, Canyon's empty withdrawals root
        // and no requests hash.
        if self.is_isthmus(header.timestamp) {
            header.withdrawals_root = Some(
                post_account(&L2_TO_L1_MESSAGE_PASSER)?
                    .map_or(EMPTY_ROOT_HASH, |account| account.storage_root),
            );
        } else {
            header.withdrawals_root = Some(EMPTY_ROOT_HASH);
            header.requests_hash = None;
        }
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
    use alloy_primitives::hex;
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
            l1_info_deposit(&L1Fees::default(), &origin, 1, L1InfoFormat::Isthmus).source_hash,
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
    fn l1_info_calldata_round_trips_in_both_formats_and_refuses_other_shapes() {
        let fees = L1Fees { base_fee: 7, blob_base_fee: 3, ..L1Fees::default() };
        let origin = L1Origin {
            number: 21_000_000,
            timestamp: 1_752_000_000,
            base_fee: 7,
            blob_base_fee: 3,
            hash: B256::repeat_byte(0xab),
        };
        for (format, len, signature) in [
            (L1InfoFormat::Ecotone, 164, "setL1BlockValuesEcotone()"),
            (L1InfoFormat::Isthmus, 176, "setL1BlockValuesIsthmus()"),
        ] {
            let calldata = l1_info_calldata(&fees, &origin, 5, format);
            assert_eq!(calldata.len(), len);
            assert_eq!(calldata[..4], keccak256(signature)[..4], "{signature}");
            assert_eq!(parse_l1_info_calldata(&calldata), Some((origin.clone(), 5)));
            assert_eq!(parse_l1_info_calldata(&calldata[..len - 1]), None);
            let mut other_selector = calldata.to_vec();
            other_selector[0] ^= 1;
            assert_eq!(parse_l1_info_calldata(&other_selector), None);
            let deposit: TxEnvelope = l1_info_deposit(&fees, &origin, 5, format).into();
            assert_eq!(l1_info_of_block(&[deposit]), Some((origin.clone(), 5)));
        }
        // Ecotone's calldata is Isthmus' without the operator fee fields.
        let ecotone = l1_info_calldata(&fees, &origin, 5, L1InfoFormat::Ecotone);
        let isthmus = l1_info_calldata(&fees, &origin, 5, L1InfoFormat::Isthmus);
        assert_eq!(ecotone[4..], isthmus[4..164]);
        assert_eq!(l1_info_of_block(&[]), None);
    }

    /// The OP specification's Isthmus network upgrade transactions (`isthmus/derivation.md`):
    /// source hashes, senders, targets, gas limits, calldata and the addresses the creations
    /// land at. The code hashes the specification gives are those of the monorepo's Isthmus
    /// contracts; the code here is this repository's (see the module documentation).
    #[test]
    fn isthmus_upgrade_matches_the_specification() {
        let upgrade = isthmus_upgrade();
        let expected = [
            (
                "0x3b2d0821ca2411ad5cd3595804d1213d15737188ae4cbd58aa19c821a6c211bf",
                ISTHMUS_L1_BLOCK_DEPLOYMENT_GAS,
            ),
            ("0xfc70b48424763fa3fab9844253b4f8d508f91eb1f7cb11a247c9baec0afb8035", 1_625_000),
            ("0x107a570d3db75e6110817eb024f09f3172657e920634111ce9875d08a16daa96", 500_000),
            ("0xebe8b5cb10ca47e0d8bda8f5355f2d66711a54ddeb0ef1d30e29418c9bf17a0e", 50_000),
            ("0xecf2d9161d26c54eda6b7bfdd9142719b1e1199a6e5641468d1bf705bc531ab0", 50_000),
            ("0xad74e1adb877ccbe176b8fa1cc559388a16e090ddbe8b512f5b37d07d887a927", 50_000),
            ("0x3ddf4b1302548dd92939826e970f260ba36167f4c25f18390a5e8b194b295319", 90_000),
            ("0xbfb734dae514c5974ddf803e54c1bc43d5cdb4a48ae27e1d9b875a5a150b553a", 250_000),
        ];
        for (deposit, (source_hash, gas_limit)) in upgrade.iter().zip(expected) {
            assert_eq!(deposit.source_hash, source_hash.parse::<B256>().unwrap());
            assert_eq!(deposit.gas_limit, gas_limit);
            assert_eq!((deposit.mint, deposit.value), (0, U256::ZERO));
            assert!(!deposit.is_system_transaction);
        }
        let created: Vec<Address> = ISTHMUS_DEPLOYERS.iter().map(|d| d.create(0)).collect();
        assert_eq!(
            created,
            [
                address!("0xFf256497D61dcd71a9e9Ff43967C13fdE1F72D12"),
                address!("0x93e57A196454CB919193fa9946f14943cf733845"),
                address!("0x4fa2Be8cd41504037F1838BcE3bCC93bC68Ff537"),
            ]
        );
        assert_eq!(EIP2935_DEPLOYER.create(0), HISTORY_STORAGE_ADDRESS);
        let senders: Vec<(Address, TxKind)> = upgrade.iter().map(|d| (d.from, d.to)).collect();
        assert_eq!(
            senders,
            [
                (ISTHMUS_DEPLOYERS[0], TxKind::Create),
                (ISTHMUS_DEPLOYERS[1], TxKind::Create),
                (ISTHMUS_DEPLOYERS[2], TxKind::Create),
                (Address::ZERO, TxKind::Call(L1_BLOCK)),
                (Address::ZERO, TxKind::Call(GAS_PRICE_ORACLE)),
                (
                    Address::ZERO,
                    TxKind::Call(address!("0x420000000000000000000000000000000000001B"))
                ),
                (L1_INFO_DEPOSITOR, TxKind::Call(GAS_PRICE_ORACLE)),
                (EIP2935_DEPLOYER, TxKind::Create),
            ]
        );
        let calldata = |index: usize| hex::encode_prefixed(&upgrade[index].input);
        assert_eq!(
            calldata(3),
            "0x3659cfe6000000000000000000000000ff256497d61dcd71a9e9ff43967c13fde1f72d12"
        );
        assert_eq!(
            calldata(4),
            "0x3659cfe600000000000000000000000093e57a196454cb919193fa9946f14943cf733845"
        );
        assert_eq!(
            calldata(5),
            "0x3659cfe60000000000000000000000004fa2be8cd41504037f1838bce3bcc93bc68ff537"
        );
        // The specification's calldata; its "verify" line prints another selector, but this
        // one is `setIsthmus()`'s.
        assert_eq!(calldata(6), "0x291b0383");
        assert_eq!(upgrade[6].input[..], keccak256("setIsthmus()")[..4]);
        assert_eq!(
            calldata(7),
            "0x60538060095f395ff33373fffffffffffffffffffffffffffffffffffffffe14604657602036036042575f35600143038111604257611fff81430311604257611fff9006545f5260205ff35b5f5ffd5b5f35611fff60014303065500"
        );
        assert_eq!(
            keccak256(&HISTORY_STORAGE_CODE),
            b256!("0x6e49e66782037c0555897870e29fa5e552daf4719552131a0abce779daec0a5d"),
            "the code the EIP-2935 deployment leaves has the specification's code hash"
        );
        for (deposit, artifact) in upgrade[..3].iter().zip([
            artifact!(L1BlockIsthmus),
            artifact!(GasPriceOracleIsthmus),
            artifact!(OperatorFeeVault),
        ]) {
            assert_eq!(deposit.input, artifact.deploy_code(&[]), "{}", artifact.name);
        }
    }

    #[test]
    fn implementations_sit_at_the_code_namespace_addresses() {
        assert_eq!(
            implementation_address(L1_BLOCK),
            address!("0xc0d3C0d3C0d3c0d3C0D3c0d3C0D3c0D3c0d30015")
        );
        assert_eq!(
            implementation_address(GAS_PRICE_ORACLE),
            address!("0xc0d3c0d3C0d3C0D3C0D3C0d3C0D3C0d3c0d3000f")
        );
    }
}
