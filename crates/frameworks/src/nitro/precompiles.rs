//! ArbSys (`0x64`) and ArbGasInfo (`0x6c`) as alloy-evm [`DynPrecompile`]s: they read and
//! write the ArbOS state account's storage, move balances and emit logs through the
//! precompile input's [`EvmInternals`], inside the calling frame's journal (a revert undoes
//! them).
//!
//! ABIs: `@arbitrum/nitro-contracts` 3.2.0, `src/precompiles/ArbSys.sol` and `ArbGasInfo.sol`
//! (the signatures below are those interfaces'; only the methods this profile serves).
//!
//! Gas: Nitro charges a precompile call by what it does (argument and result words at
//! `CopyGas`, 800 per storage read, 20000 per write, 5000 per write of zero, keccak and log
//! costs); this module charges the same kinds of cost with the same constants, counted per
//! operation, which lands near Nitro's figures but is not byte-for-byte its gas schedule.

use super::{
    ARB_GAS_INFO, ARB_SYS, ARBOS_STATE, ARBOS_VERSION, L1Pricing,
    merkle::{self, AccumulatorStore},
};
use alloy_evm::{
    EvmInternals,
    precompiles::{DynPrecompile, PrecompileInput},
};
use alloy_primitives::{Address, B256, Bytes, Log, U256, keccak256};
use alloy_sol_types::{SolCall, SolError, SolEvent};
use revm::{
    context::Block,
    precompile::{
        PrecompileError, PrecompileHalt, PrecompileId, PrecompileOutput, PrecompileResult,
    },
};
use std::sync::{Arc, Mutex};

pub use abi::{ArbGasInfo, ArbSys};

/// The precompiles' ABIs (`L2ToL1Tx` has more fields than clippy likes in a constructor).
#[allow(clippy::too_many_arguments)]
mod abi {
    use alloy_sol_types::sol;

    sol! {
        /// ArbSys, as `@arbitrum/nitro-contracts` 3.2.0 declares it (the methods served here).
        interface ArbSys {
            function arbBlockNumber() external view returns (uint256);
            function arbBlockHash(uint256 arbBlockNum) external view returns (bytes32);
            function arbChainID() external view returns (uint256);
            function arbOSVersion() external view returns (uint256);
            function withdrawEth(address destination) external payable returns (uint256);
            function sendTxToL1(address destination, bytes calldata data) external payable returns (uint256);
            function sendMerkleTreeState() external view returns (uint256 size, bytes32 root, bytes32[] memory partials);

            event L2ToL1Tx(
                address caller,
                address indexed destination,
                uint256 indexed hash,
                uint256 indexed position,
                uint256 arbBlockNum,
                uint256 ethBlockNum,
                uint256 timestamp,
                uint256 callvalue,
                bytes data
            );
            event SendMerkleUpdate(uint256 indexed reserved, bytes32 indexed hash, uint256 indexed position);

            error InvalidBlockNumber(uint256 requested, uint256 current);
        }

        /// ArbGasInfo, as `@arbitrum/nitro-contracts` 3.2.0 declares it (the methods served here).
        interface ArbGasInfo {
            function getPricesInWei() external view returns (uint256, uint256, uint256, uint256, uint256, uint256);
            function getL1BaseFeeEstimate() external view returns (uint256);
            function getL1GasPriceEstimate() external view returns (uint256);
            function getCurrentTxL1GasFees() external view returns (uint256);
        }
    }
}

/// `params.CopyGas`: per 32-byte word of arguments and of results.
pub(crate) const COPY_GAS: u64 = 3;
/// ArbOS `StorageReadCost` (geth's `SloadGasEIP2200`).
pub(crate) const STORAGE_READ: u64 = 800;
/// ArbOS `StorageWriteCost` (geth's `SstoreSetGasEIP2200`).
pub(crate) const STORAGE_WRITE: u64 = 20_000;
/// ArbOS `StorageWriteZeroCost` (geth's `SstoreResetGasEIP2200`).
const STORAGE_WRITE_ZERO: u64 = 5_000;
/// Bytes of a simple transaction without calldata, as ArbGasInfo prices `perL2Tx`.
const ASSUMED_SIMPLE_TX_SIZE: u64 = 140;
/// EIP-2028's gas per non-zero calldata byte: ArbOS prices L1 bytes in these units.
pub(crate) const L1_GAS_PER_BYTE: u64 = 16;

/// What the precompiles know of the block (or call) they run in beyond revm's block env:
/// revm's `number` is the L1 block number there, as Nitro's EVM sees it.
#[derive(Debug, Clone)]
pub(crate) struct BlockInfo {
    /// The L2 block number (`arbBlockNumber()`).
    pub(crate) l2_number: u64,
    /// The L1 block number (`NUMBER`, `ethBlockNum`).
    pub(crate) l1_number: u64,
    /// The L1 pricing the block runs under.
    pub(crate) pricing: L1Pricing,
    /// The poster fee of the transaction running now (`getCurrentTxL1GasFees()`), set by the
    /// executor before each transaction.
    pub(crate) poster_fee: Arc<Mutex<U256>>,
    /// The retryable whose redeem attempt is running now and its refund address (Nitro's
    /// `CurrentRetryable` and `CurrentRefundTo`), set by the executor around a retry.
    pub(crate) current_retryable: Arc<Mutex<Option<(B256, Address)>>>,
}

/// ArbSys, ArbGasInfo and ArbRetryableTx for a block with `info`.
pub(crate) fn precompiles(info: &BlockInfo) -> [(Address, DynPrecompile); 3] {
    let arb_sys = {
        let info = info.clone();
        DynPrecompile::new_stateful(PrecompileId::Custom("ArbSys".into()), move |input| {
            arb_sys(&info, input)
        })
    };
    let gas_info = {
        let info = info.clone();
        DynPrecompile::new_stateful(PrecompileId::Custom("ArbGasInfo".into()), move |input| {
            arb_gas_info(&info, input)
        })
    };
    let retryable_tx = {
        let info = info.clone();
        DynPrecompile::new_stateful(PrecompileId::Custom("ArbRetryableTx".into()), move |input| {
            super::retryables::arb_retryable_tx(&info, input)
        })
    };
    [(ARB_SYS, arb_sys), (ARB_GAS_INFO, gas_info), (super::ARB_RETRYABLE_TX, retryable_tx)]
}

fn words(len: usize) -> u64 {
    (len as u64).div_ceil(32)
}

fn fatal(err: impl std::fmt::Display) -> PrecompileError {
    PrecompileError::Fatal(err.to_string())
}

/// A method that reverts after running: the gas it used is charged, the rest kept.
fn revert(gas_used: u64, gas_limit: u64, data: Bytes, reservoir: u64) -> PrecompileResult {
    Ok(PrecompileOutput::revert(gas_used.min(gas_limit), data, reservoir))
}

/// Success if `gas_used` fits in the call's gas, else out of gas.
fn finish(gas_used: u64, input: &PrecompileInput<'_>, output: Vec<u8>) -> PrecompileResult {
    if gas_used > input.gas {
        return Ok(PrecompileOutput::halt(PrecompileHalt::OutOfGas, input.reservoir));
    }
    Ok(PrecompileOutput::new(gas_used, output.into(), input.reservoir))
}

/// Nitro's answer to a call it refuses before running the method (calldata too short for a
/// selector, an unknown selector, a delegate call or call code, a write in a static call,
/// value sent to a method that is not payable, arguments that do not decode): revert with no
/// data, all gas used.
fn refuse(input: &PrecompileInput<'_>) -> PrecompileResult {
    Ok(PrecompileOutput::revert(input.gas, Bytes::new(), input.reservoir))
}

/// The call's selector, if it is a direct call (every method served here is at least a view,
/// and Nitro refuses those when the precompile is not the acting address).
fn selector(input: &PrecompileInput<'_>) -> Option<[u8; 4]> {
    if !input.is_direct_call() {
        return None;
    }
    input.data.get(..4).map(|s| <[u8; 4]>::try_from(s).expect("4 bytes"))
}

/// The ArbOS state account's storage through a precompile's journal, counting ArbOS's storage
/// gas as it goes. As the send accumulator, it keeps the item count at slot 0 and the partial
/// of level `l` at slot `2 + l`, the offsets of Nitro's accumulator storage (without ArbOS's
/// hashed sub-storage keys); the retryable store keeps its own slots there too.
pub(crate) struct StateAccumulator<'i, 'a> {
    internals: &'i mut EvmInternals<'a>,
    gas: u64,
}

impl<'i, 'a> StateAccumulator<'i, 'a> {
    /// Storage through `internals`, `gas` already counted.
    pub(crate) fn new(internals: &'i mut EvmInternals<'a>, gas: u64) -> Self {
        Self { internals, gas }
    }

    /// Gas counted so far.
    pub(crate) fn gas(&self) -> u64 {
        self.gas
    }

    /// Counts `gas` more.
    pub(crate) fn charge(&mut self, gas: u64) {
        self.gas += gas;
    }

    pub(crate) fn load_slot(&mut self, slot: U256) -> Result<U256, PrecompileError> {
        self.gas += STORAGE_READ;
        Ok(self.internals.sload(ARBOS_STATE, slot).map_err(fatal)?.data)
    }

    pub(crate) fn store_slot(&mut self, slot: U256, value: U256) -> Result<(), PrecompileError> {
        self.gas += if value.is_zero() { STORAGE_WRITE_ZERO } else { STORAGE_WRITE };
        self.internals.sstore(ARBOS_STATE, slot, value).map_err(fatal)?;
        Ok(())
    }

    fn load(&mut self, slot: u64) -> Result<U256, PrecompileError> {
        self.load_slot(U256::from(slot))
    }

    fn store(&mut self, slot: u64, value: U256) -> Result<(), PrecompileError> {
        self.store_slot(U256::from(slot), value)
    }
}

impl AccumulatorStore for StateAccumulator<'_, '_> {
    type Error = PrecompileError;

    fn size(&mut self) -> Result<u64, PrecompileError> {
        Ok(self.load(super::SEND_COUNT_SLOT)?.saturating_to())
    }

    fn set_size(&mut self, size: u64) -> Result<(), PrecompileError> {
        self.store(super::SEND_COUNT_SLOT, U256::from(size))
    }

    fn partial(&mut self, level: u64) -> Result<B256, PrecompileError> {
        Ok(B256::from(self.load(super::SEND_PARTIALS_SLOT + level)?))
    }

    fn set_partial(&mut self, level: u64, hash: B256) -> Result<(), PrecompileError> {
        self.store(super::SEND_PARTIALS_SLOT + level, hash.into())
    }
}

pub(crate) fn log_gas(topics: usize, data: usize) -> u64 {
    375 + 375 * topics as u64 + 8 * data as u64
}

fn arb_sys(info: &BlockInfo, mut input: PrecompileInput<'_>) -> PrecompileResult {
    let data = input.data;
    let Some(selector) = selector(&input) else {
        return refuse(&input);
    };
    let args_gas = COPY_GAS * words(data.len() - 4);
    let payable =
        matches!(selector, ArbSys::withdrawEthCall::SELECTOR | ArbSys::sendTxToL1Call::SELECTOR);
    if (!payable && !input.value.is_zero()) || (payable && input.is_static) {
        return refuse(&input);
    }
    let word = |value: U256| value.to_be_bytes::<32>().to_vec();
    match selector {
        ArbSys::arbBlockNumberCall::SELECTOR => {
            finish(args_gas + COPY_GAS, &input, word(U256::from(info.l2_number)))
        }
        ArbSys::arbChainIDCall::SELECTOR => {
            finish(args_gas + COPY_GAS, &input, word(U256::from(input.internals.chain_id())))
        }
        ArbSys::arbOSVersionCall::SELECTOR => {
            // Nitro reports 55 + the ArbOS version (Nitro's first ArbOS was 56).
            finish(args_gas + COPY_GAS, &input, word(U256::from(55 + ARBOS_VERSION)))
        }
        ArbSys::arbBlockHashCall::SELECTOR => {
            let Ok(call) = ArbSys::arbBlockHashCall::abi_decode(data) else {
                return refuse(&input);
            };
            let requested = call.arbBlockNum;
            let current = info.l2_number;
            let in_range = requested < U256::from(current)
                && requested.saturating_add(U256::from(256)) >= U256::from(current);
            if !in_range {
                // A Solidity error of the method: reverts with its data, keeps the unused gas.
                let error = ArbSys::InvalidBlockNumber { requested, current: U256::from(current) };
                return revert(args_gas, input.gas, error.abi_encode().into(), input.reservoir);
            }
            let hash = revm::Database::block_hash(
                &mut input.internals.db_mut(),
                requested.saturating_to(),
            )
            .map_err(fatal)?;
            finish(args_gas + COPY_GAS, &input, hash.to_vec())
        }
        ArbSys::withdrawEthCall::SELECTOR => {
            let Ok(call) = ArbSys::withdrawEthCall::abi_decode(data) else {
                return refuse(&input);
            };
            send_tx_to_l1(info, input, args_gas, call.destination, Bytes::new())
        }
        ArbSys::sendTxToL1Call::SELECTOR => {
            let Ok(call) = ArbSys::sendTxToL1Call::abi_decode(data) else {
                return refuse(&input);
            };
            send_tx_to_l1(info, input, args_gas, call.destination, call.data)
        }
        ArbSys::sendMerkleTreeStateCall::SELECTOR => {
            // Nitro serves the accumulator's state to address zero only (state export); its
            // refusal is the method's error: a revert that keeps the unused gas.
            if !input.caller.is_zero() {
                return revert(args_gas, input.gas, Bytes::new(), input.reservoir);
            }
            let mut acc = StateAccumulator { internals: &mut input.internals, gas: args_gas };
            let size = acc.size()?;
            let root = merkle::root(&mut acc)?;
            let partials = merkle::partials(&mut acc)?;
            let gas = acc.gas;
            let output = ArbSys::sendMerkleTreeStateCall::abi_encode_returns_tuple(&(
                U256::from(size),
                root,
                partials,
            ));
            finish(gas + COPY_GAS * words(output.len()), &input, output)
        }
        _ => refuse(&input),
    }
}

/// `sendTxToL1` / `withdrawEth`: appends the message's hash to the send accumulator, burns
/// the call value (already moved to ArbSys' balance by the call), emits `SendMerkleUpdate` for
/// every merge and `L2ToL1Tx`, and returns the message's leaf index.
fn send_tx_to_l1(
    info: &BlockInfo,
    mut input: PrecompileInput<'_>,
    args_gas: u64,
    destination: Address,
    data: Bytes,
) -> PrecompileResult {
    let caller = input.caller;
    let value = input.value;
    let timestamp = input.internals.block_timestamp();
    let l2_number = U256::from(info.l2_number);
    let l1_number = U256::from(info.l1_number);
    let mut preimage = Vec::with_capacity(40 + 4 * 32 + data.len());
    preimage.extend_from_slice(caller.as_slice());
    preimage.extend_from_slice(destination.as_slice());
    for word in [l2_number, l1_number, timestamp, value] {
        preimage.extend_from_slice(&word.to_be_bytes::<32>());
    }
    preimage.extend_from_slice(&data);
    let send_hash = keccak256(&preimage);
    let mut gas = args_gas + 30 + 6 * words(preimage.len());

    let mut acc = StateAccumulator { internals: &mut input.internals, gas: 0 };
    let updates = merkle::append(&mut acc, send_hash)?;
    let size = acc.size()?;
    gas += acc.gas;
    let leaf_slot = super::send_leaf_slot(size - 1);
    input.internals.sstore(ARBOS_STATE, leaf_slot, send_hash.into()).map_err(fatal)?;

    // The value leaves circulation: burnt from ArbSys' own balance, as on Nitro.
    if !value.is_zero() {
        let balance = input.internals.load_account(ARB_SYS).map_err(fatal)?.data.info.balance;
        input.internals.set_balance(ARB_SYS, balance.saturating_sub(value)).map_err(fatal)?;
    }
    for update in updates {
        let event = ArbSys::SendMerkleUpdate {
            reserved: U256::ZERO,
            hash: update.hash,
            position: (U256::from(update.level) << 192) + U256::from(update.leaf),
        };
        gas += log_gas(3, 0);
        input.internals.log(Log { address: ARB_SYS, data: event.encode_log_data() });
    }
    let position = U256::from(size - 1);
    let event = ArbSys::L2ToL1Tx {
        caller,
        destination,
        hash: U256::from_be_bytes(send_hash.0),
        position,
        arbBlockNum: l2_number,
        ethBlockNum: l1_number,
        timestamp,
        callvalue: value,
        data,
    };
    let log = event.encode_log_data();
    gas += log_gas(log.topics().len() - 1, log.data.len());
    input.internals.log(Log { address: ARB_SYS, data: log });
    finish(gas + COPY_GAS, &input, position.to_be_bytes::<32>().to_vec())
}

fn arb_gas_info(info: &BlockInfo, input: PrecompileInput<'_>) -> PrecompileResult {
    let data = input.data;
    let Some(selector) = selector(&input) else {
        return refuse(&input);
    };
    let args_gas = COPY_GAS * words(data.len() - 4);
    if !input.value.is_zero() {
        return refuse(&input);
    }
    let word = |value: U256| value.to_be_bytes::<32>().to_vec();
    let price_per_unit = U256::from(info.pricing.price_per_unit);
    match selector {
        ArbGasInfo::getPricesInWeiCall::SELECTOR => {
            let l2_price = U256::from(input.internals.block_env().basefee());
            let per_l1_byte = price_per_unit * U256::from(L1_GAS_PER_BYTE);
            let per_l2_tx = per_l1_byte * U256::from(ASSUMED_SIMPLE_TX_SIZE);
            let base = U256::from(info.pricing.min_base_fee).min(l2_price);
            let output = ArbGasInfo::getPricesInWeiCall::abi_encode_returns_tuple(&(
                per_l2_tx,
                per_l1_byte,
                l2_price * U256::from(STORAGE_WRITE),
                base,
                l2_price - base,
                l2_price,
            ));
            finish(args_gas + STORAGE_READ * 2 + COPY_GAS * 6, &input, output)
        }
        ArbGasInfo::getL1BaseFeeEstimateCall::SELECTOR
        | ArbGasInfo::getL1GasPriceEstimateCall::SELECTOR => {
            finish(args_gas + STORAGE_READ + COPY_GAS, &input, word(price_per_unit))
        }
        ArbGasInfo::getCurrentTxL1GasFeesCall::SELECTOR => {
            let fee = *info.poster_fee.lock().map_err(fatal)?;
            finish(args_gas + COPY_GAS, &input, word(fee))
        }
        _ => refuse(&input),
    }
}
