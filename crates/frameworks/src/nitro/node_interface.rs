//! NodeInterface (`0xc8`): Nitro's virtual contract, answered by the node for `eth_call` and
//! `eth_estimateGas` only (Nitro's `InterceptRPCMessage`; transactions to `0xc8` meet an empty
//! account, as on Nitro).
//!
//! Served: `constructOutboxProof` (from the send hashes kept in ArbOS state, see
//! [`super::send_leaf_slot`]), `estimateRetryableTicket` (the submission's auto-redeem run as
//! the call, from the aliased sender with the deposit minted to it, so that
//! `eth_estimateGas` finds the gas the retry needs, as Nitro's estimation does),
//! `gasEstimateComponents` and `gasEstimateL1Component` (the poster gas Nitro estimates for a
//! call, and for the former the gas of one run of the call with the request's gas limit rather
//! than Nitro's binary search), `nitroGenesisBlock` (0: a Tephra chain starts on Nitro).
//! `findBatchContainingBlock`, `getL1Confirmations`, `blockL1Num`, `l2BlockRangeForL1` and
//! `legacyLookupMessageBatchProof` need the batches posted to L1 and the chain's history, which
//! a call does not see: they revert.
//!
//! ABI: `@arbitrum/nitro-contracts` 3.2.0 `src/node-interface/NodeInterface.sol`.

use super::{ARBOS_STATE, Nitro, SEND_COUNT_SLOT, merkle, send_leaf_slot};
use alloy_evm::EvmEnv;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, address};
use alloy_sol_types::SolCall;
use revm::{
    Database,
    context::TxEnv,
    context_interface::result::{EVMError, ExecutionResult, Output, ResultGas, SuccessReason},
    primitives::hardfork::SpecId,
};
use tephra_chain::{AccountPatch, BlockState, CallInspector, ChainError, DevOverrides};

pub use abi::NodeInterface;

/// NodeInterface's address.
pub const NODE_INTERFACE: Address = address!("0x00000000000000000000000000000000000000C8");

/// The amount `AddressAliasHelper.applyL1ToL2Alias` adds to an L1 contract's address.
const ALIAS_OFFSET: U256 = U256::from_limbs([0x0000_0000_0000_1111, 0, 0x1111_0000, 0]);

/// The L2 alias of L1 address `l1` (`AddressAliasHelper.applyL1ToL2Alias`, Nitro's
/// `RemapL1Address`): `l1 + 0x1111000000000000000000000000000000001111` modulo 2^160.
pub fn apply_l1_to_l2_alias(l1: Address) -> Address {
    let sum = U256::from_be_slice(l1.as_slice()).wrapping_add(ALIAS_OFFSET);
    Address::from_word(B256::from(sum))
}

/// NodeInterface's ABI (`legacyLookupMessageBatchProof` returns nine values).
#[allow(clippy::too_many_arguments)]
mod abi {
    alloy_sol_types::sol! {
        /// NodeInterface, as `@arbitrum/nitro-contracts` 3.2.0 declares it.
        interface NodeInterface {
            function estimateRetryableTicket(
                address sender,
                uint256 deposit,
                address to,
                uint256 l2CallValue,
                address excessFeeRefundAddress,
                address callValueRefundAddress,
                bytes calldata data
            ) external;
            function constructOutboxProof(uint64 size, uint64 leaf)
                external view returns (bytes32 send, bytes32 root, bytes32[] memory proof);
            function findBatchContainingBlock(uint64 blockNum) external view returns (uint64 batch);
            function getL1Confirmations(bytes32 blockHash) external view returns (uint64 confirmations);
            function gasEstimateComponents(address to, bool contractCreation, bytes calldata data)
                external payable
                returns (uint64 gasEstimate, uint64 gasEstimateForL1, uint256 baseFee, uint256 l1BaseFeeEstimate);
            function gasEstimateL1Component(address to, bool contractCreation, bytes calldata data)
                external payable
                returns (uint64 gasEstimateForL1, uint256 baseFee, uint256 l1BaseFeeEstimate);
            function nitroGenesisBlock() external pure returns (uint256 number);
            function blockL1Num(uint64 l2BlockNum) external view returns (uint64 l1BlockNum);
            function l2BlockRangeForL1(uint64 blockNum) external view returns (uint64 firstBlock, uint64 lastBlock);
        }
    }
}

type CallResult = Result<ExecutionResult, EVMError<ChainError>>;

fn intrinsic(tx: &TxEnv) -> u64 {
    revm::context_interface::cfg::gas::calculate_initial_tx_gas(
        SpecId::CANCUN,
        &tx.data,
        false,
        0,
        0,
        0,
    )
    .initial_total_gas
}

fn success(gas: u64, output: Vec<u8>) -> ExecutionResult {
    ExecutionResult::Success {
        reason: SuccessReason::Return,
        gas: ResultGas::default().with_total_gas_spent(gas),
        logs: Vec::new(),
        output: Output::Call(output.into()),
    }
}

fn revert(gas: u64) -> ExecutionResult {
    ExecutionResult::Revert {
        gas: ResultGas::default().with_total_gas_spent(gas),
        logs: Vec::new(),
        output: Bytes::new(),
    }
}

fn db_error(err: ChainError) -> EVMError<ChainError> {
    EVMError::Database(err)
}

/// The answer to `tx`, a call of NodeInterface.
pub(crate) fn answer(
    nitro: &Nitro,
    env: &EvmEnv,
    state: &mut BlockState,
    tx: &TxEnv,
    inspector: CallInspector<'_>,
) -> CallResult {
    use NodeInterface as N;
    let data = &tx.data;
    let gas = intrinsic(tx);
    if data.len() < 4 {
        return Ok(revert(gas));
    }
    let selector: [u8; 4] = data[..4].try_into().expect("4 bytes");
    let basefee = U256::from(env.block_env.basefee);
    let l1_price = U256::from(nitro.pricing.price_per_unit);
    match selector {
        N::nitroGenesisBlockCall::SELECTOR => {
            Ok(success(gas, N::nitroGenesisBlockCall::abi_encode_returns(&U256::ZERO)))
        }
        N::constructOutboxProofCall::SELECTOR => {
            let Ok(call) = N::constructOutboxProofCall::abi_decode(data) else {
                return Ok(revert(gas));
            };
            let count: u64 = state
                .storage(ARBOS_STATE, U256::from(SEND_COUNT_SLOT))
                .map_err(db_error)?
                .saturating_to();
            // Nitro: "size must be nonzero", "leaf is newer than root", and a size beyond the
            // sends made so far is unknown.
            if call.size == 0 || call.leaf >= call.size || call.size > count {
                return Ok(revert(gas));
            }
            let items = (0..call.size)
                .map(|index| state.storage(ARBOS_STATE, send_leaf_slot(index)).map(B256::from))
                .collect::<Result<Vec<_>, _>>()
                .map_err(db_error)?;
            let (root, proof) =
                merkle::outbox_proof(&items, call.leaf as usize).expect("leaf < size");
            let output =
                N::constructOutboxProofCall::abi_encode_returns(&N::constructOutboxProofReturn {
                    send: items[call.leaf as usize],
                    root,
                    proof,
                });
            Ok(success(gas + 800 * call.size, output))
        }
        N::gasEstimateL1ComponentCall::SELECTOR | N::gasEstimateComponentsCall::SELECTOR => {
            let Ok(call) = N::gasEstimateComponentsCall::abi_decode(data) else {
                return Ok(revert(gas));
            };
            let inner = TxEnv {
                kind: if call.contractCreation { TxKind::Create } else { TxKind::Call(call.to) },
                data: call.data,
                ..tx.clone()
            };
            let units = nitro.call_poster_units(env.cfg_env.chain_id, &inner);
            let for_l1 = nitro.poster_gas_of_units(units, env.block_env.basefee);
            if selector == N::gasEstimateL1ComponentCall::SELECTOR {
                let output = N::gasEstimateL1ComponentCall::abi_encode_returns(
                    &N::gasEstimateL1ComponentReturn {
                        gasEstimateForL1: for_l1,
                        baseFee: basefee,
                        l1BaseFeeEstimate: l1_price,
                    },
                );
                return Ok(success(gas, output));
            }
            let run =
                tephra_chain::Framework::transact(nitro, env.clone(), state, inner, inspector)?;
            if !run.is_success() {
                return Ok(run);
            }
            let output =
                N::gasEstimateComponentsCall::abi_encode_returns(&N::gasEstimateComponentsReturn {
                    gasEstimate: run.gas().tx_gas_used(),
                    gasEstimateForL1: for_l1,
                    baseFee: basefee,
                    l1BaseFeeEstimate: l1_price,
                });
            Ok(success(gas, output))
        }
        N::estimateRetryableTicketCall::SELECTOR => {
            let Ok(call) = N::estimateRetryableTicketCall::abi_decode(data) else {
                return Ok(revert(gas));
            };
            // The auto-redeem of a submission from the aliased sender that deposits `deposit`:
            // the retryable's call with the request's gas limit and price.
            let from = apply_l1_to_l2_alias(call.sender);
            let account = state.basic(from).map_err(db_error)?.unwrap_or_default();
            let mut deposit = DevOverrides::default();
            let patch = AccountPatch {
                balance: Some(account.balance.saturating_add(call.deposit)),
                ..Default::default()
            };
            deposit.accounts.insert(from, patch);
            state.apply_overrides(&deposit).map_err(db_error)?;
            let retry = TxEnv {
                caller: from,
                nonce: account.nonce,
                kind: if call.to.is_zero() { TxKind::Create } else { TxKind::Call(call.to) },
                value: call.l2CallValue,
                data: call.data,
                gas_priority_fee: tx.gas_priority_fee.map(|_| 0),
                ..tx.clone()
            };
            let (env, l2_number, l1_number) = nitro.call_env(env.clone());
            let info = nitro.block_info(l2_number, l1_number, U256::ZERO);
            super::run_call(env, state, retry, &info, inspector)
        }
        _ => Ok(revert(gas)),
    }
}
