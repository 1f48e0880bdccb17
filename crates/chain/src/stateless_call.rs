//! General static-call reads proven by stateless re-execution: a read (`to.call(data)` from
//! `from`) executed on one rollup, re-executed on another from the trie nodes and bytecodes it
//! touched, against the state root of a header whose hash guardians certified.
//!
//! [`Chain::call_witness`](crate::Chain::call_witness) (`tephra_callWitness`) runs a call on a
//! chain and collects its witness; [`stateless_call`] re-executes it from that witness alone;
//! the [`STATELESS_CALL`] precompile, which every framework profile installs with
//! [`install_stateless_call`], exposes [`stateless_call`] to contracts. The witness is not
//! trusted: nodes and codes are found only under their own keccak hashes, so a read either
//! walks the header's state root or ends in [`StatelessError::IncompleteWitness`].
//!
//! The re-execution always runs on Ethereum's EVM at Tephra's newest hardfork (that of
//! [`ChainSpec::latest`]), whatever framework the read chain runs: ordinary contract reads
//! (storage, code, calls between contracts) give the same result, while a read of what a
//! framework changes (Nitro's `NUMBER`, a framework's own precompiles) or of `BLOCKHASH` (the
//! witness carries no ancestor headers) may not.

use crate::{
    ChainSpec, StatelessError, WitnessState, call::geth_message, evm_env, state::BlockState,
};
use alloy_consensus::Header;
use alloy_evm::{
    Evm, EvmFactory,
    eth::EthEvmFactory,
    precompiles::{DynPrecompile, PrecompileInput, PrecompilesMap},
};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, address, keccak256};
use alloy_rlp::Decodable;
use alloy_sol_types::{Revert, SolCall, SolError, sol};
use revm::{
    context::TxEnv,
    context_interface::result::{EVMError, ExecutionResult},
    precompile::{PrecompileHalt, PrecompileId, PrecompileOutput, PrecompileResult},
};
use std::{collections::BTreeMap, sync::Arc};

/// The address of the stateless static-call precompile, the same on every framework profile.
pub const STATELESS_CALL: Address = address!("0x0000000000000000000000000000000000007E70");

/// The fixed part of [`STATELESS_CALL`]'s price, in gas, charged before anything is hashed.
pub const STATELESS_CALL_BASE_GAS: u64 = 5_000;

sol! {
    /// The ABI of the [`STATELESS_CALL`] precompile (`MetalayerState`'s `IStatelessCall`).
    interface IStatelessCall {
        /// A static call: who calls, what, with which call data and gas.
        struct StaticCall {
            address from;
            address to;
            bytes data;
            uint64 gas;
        }

        /// A block's header (its RLP) and the trie nodes and bytecodes a call reads there.
        struct CallWitness {
            bytes header;
            bytes[] nodes;
            bytes[] codes;
        }

        /// Re-executes `call` on chain `chainId`'s state after the block whose header the
        /// witness holds, from the witness's nodes and codes.
        function staticCall(uint64 chainId, StaticCall call, CallWitness witness)
            external view returns (bytes32 blockHash, bool success, bytes output);
    }
}

/// The result of a call re-executed statelessly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatelessCall {
    /// `keccak256(header)`: the block whose state the call read, to be checked against a
    /// certified block hash.
    pub block_hash: B256,
    /// Whether the call returned (false: it reverted or halted).
    pub success: bool,
    /// Its return data, or its revert data; empty when it halted (out of gas, say).
    pub output: Bytes,
    /// Gas the call used, intrinsic gas included.
    pub gas_used: u64,
}

/// Re-executes `call` (`to.call(data)` from `from` with at most `gas`, capped by the header's
/// gas limit, which revm enforces) on the state after the block whose header's RLP
/// `witness.header` is, from the witness's `nodes` (trie nodes) and `codes` (bytecodes) alone.
///
/// The environment is that header's (number, timestamp, beneficiary, base fee, prevrandao, gas
/// limit) on Ethereum's EVM at Tephra's newest hardfork with chain id `chain_id`, lenient as
/// `eth_call` is: no nonce check, no base-fee check, gas price and value zero (so no balance is
/// needed), no per-transaction gas cap. State changes are discarded. A read the witness cannot
/// serve is [`StatelessError::IncompleteWitness`], never an empty value; the header must be
/// exactly one RLP header. `BLOCKHASH` of an earlier block is a gap too: the witness carries no
/// ancestor headers.
///
/// CPU-bound (hashing every node, then executing).
pub fn stateless_call(
    chain_id: u64,
    call: &IStatelessCall::StaticCall,
    witness: &IStatelessCall::CallWitness,
) -> Result<StatelessCall, StatelessError> {
    let header_rlp = &witness.header;
    let header = decode_header(header_rlp)?;
    let block_hash = keccak256(header_rlp);
    let state_witness = Arc::new(WitnessState::from_parts(
        &witness.nodes,
        &witness.codes,
        header.state_root,
        BTreeMap::new(),
    ));
    let mut state = BlockState::new(state_witness.clone());
    let mut env = evm_env(&ChainSpec::latest(chain_id), &header);
    env.cfg_env.disable_nonce_check = true;
    env.cfg_env.disable_base_fee = true;
    env.cfg_env.tx_gas_limit_cap = Some(u64::MAX);
    let tx = TxEnv::builder()
        .caller(call.from)
        .kind(TxKind::Call(call.to))
        .data(call.data.clone())
        .gas_limit(call.gas.min(header.gas_limit))
        .gas_price(0)
        .value(U256::ZERO)
        .chain_id(Some(chain_id))
        .build()
        .map_err(|err| StatelessError::InvalidCall(format!("{err:?}")))?;
    // Ethereum's EVM without the precompile: a re-executed call cannot re-enter it.
    let outcome = EthEvmFactory::default().create_evm(&mut state, env).transact(tx);
    if let Some(gap) = state_witness.gap() {
        return Err(StatelessError::IncompleteWitness(gap));
    }
    let result = match outcome {
        Ok(outcome) => outcome.result,
        Err(EVMError::Database(err)) => return Err(StatelessError::Execution(err)),
        Err(EVMError::Transaction(invalid)) => {
            return Err(StatelessError::InvalidCall(geth_message(&invalid)));
        }
        Err(other) => return Err(StatelessError::InvalidCall(other.to_string())),
    };
    let gas_used = result.gas().tx_gas_used();
    let (success, output) = read_outcome(result);
    Ok(StatelessCall { block_hash, success, output, gas_used })
}

/// A read's outcome: whether it returned, and its return data (revert data on a revert,
/// nothing on a halt).
pub(crate) fn read_outcome(result: ExecutionResult) -> (bool, Bytes) {
    match result {
        ExecutionResult::Success { output, .. } => (true, output.into_data()),
        ExecutionResult::Revert { output, .. } => (false, output),
        ExecutionResult::Halt { .. } => (false, Bytes::new()),
    }
}

/// A header's RLP, exactly: trailing bytes are refused by name (as `alloy_rlp::decode_exact`
/// refuses them, but saying so).
fn decode_header(header_rlp: &[u8]) -> Result<Header, StatelessError> {
    let mut rest = header_rlp;
    let header = Header::decode(&mut rest).map_err(StatelessError::MalformedCallHeader)?;
    if !rest.is_empty() {
        return Err(StatelessError::HeaderTrailingBytes(rest.len()));
    }
    Ok(header)
}

/// The price of hashing `len` bytes with `KECCAK256`: 30 gas, plus 6 per 32-byte word.
pub fn keccak_gas(len: usize) -> u64 {
    30u64.saturating_add((len as u64).div_ceil(32).saturating_mul(6))
}

/// Installs [`STATELESS_CALL`] in `precompiles`: every framework profile calls this for each
/// EVM it builds (block execution and calls alike), so the precompile is the same everywhere.
pub fn install_stateless_call(precompiles: &mut PrecompilesMap) {
    precompiles.apply_precompile(&STATELESS_CALL, |_| Some(stateless_call_precompile()));
}

/// The [`STATELESS_CALL`] precompile: `IStatelessCall.staticCall`, a pure function of its
/// input (it reads nothing of the chain it runs on).
///
/// Gas: [`STATELESS_CALL_BASE_GAS`], plus [`keccak_gas`] of the header, of every node and of
/// every code (all charged before any hashing: out of gas if they exceed the call's gas), plus
/// the gas the re-executed call used. The re-executed call gets the gas left after the base
/// and the hashing, capped by its `gas` argument. Less gas than the base and the hashing is out
/// of gas (all of it spent). Input that does not decode, a bad header, an incomplete witness or
/// a call the EVM refuses make the precompile revert with `Error("STATELESS_CALL: <problem>")`
/// (Solidity's revert reason, naming the problem), charging the base (and the hashing, once the
/// input decodes): the caller sees a failed call with that reason as its return data.
pub fn stateless_call_precompile() -> DynPrecompile {
    DynPrecompile::new(PrecompileId::Custom("StatelessCall".into()), run_precompile)
}

fn run_precompile(input: PrecompileInput<'_>) -> PrecompileResult {
    // A refusal reverts with `Error("STATELESS_CALL: <why>")`, charging what was spent.
    let refuse = |gas_used: u64, message: String| {
        let reason = Revert::from(format!("STATELESS_CALL: {message}")).abi_encode();
        Ok(PrecompileOutput::revert(gas_used, reason.into(), input.reservoir))
    };
    if input.gas < STATELESS_CALL_BASE_GAS {
        return Ok(PrecompileOutput::halt(PrecompileHalt::OutOfGas, input.reservoir));
    }
    let call = match IStatelessCall::staticCallCall::abi_decode(input.data) {
        Ok(call) => call,
        Err(err) => {
            return refuse(
                STATELESS_CALL_BASE_GAS,
                format!("the input does not decode as staticCall(...): {err}"),
            );
        }
    };
    let IStatelessCall::staticCallCall { chainId: chain_id, mut call, witness } = call;
    let hashing = std::iter::once(&witness.header)
        .chain(&witness.nodes)
        .chain(&witness.codes)
        .fold(0u64, |total, item| total.saturating_add(keccak_gas(item.len())));
    let fixed = STATELESS_CALL_BASE_GAS.saturating_add(hashing);
    let Some(left) = input.gas.checked_sub(fixed) else {
        return Ok(PrecompileOutput::halt(PrecompileHalt::OutOfGas, input.reservoir));
    };
    call.gas = call.gas.min(left);
    let result = match stateless_call(chain_id, &call, &witness) {
        Ok(result) => result,
        Err(err) => return refuse(fixed, err.to_string()),
    };
    let output =
        IStatelessCall::staticCallCall::abi_encode_returns(&IStatelessCall::staticCallReturn {
            blockHash: result.block_hash,
            success: result.success,
            output: result.output,
        });
    Ok(PrecompileOutput::new(fixed + result.gas_used, output.into(), input.reservoir))
}
