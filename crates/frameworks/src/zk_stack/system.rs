//! ZK Stack's system contracts a zk-stack chain serves, as precompiles: L1Messenger (`0x…8008`),
//! L2BaseToken (`0x…800a`), and the L2 asset router (`0x…10003`) and the L2 native token vault
//! (`0x…10004`): the getters zksync-ethers reads, and L1 ERC-20 deposits (`bridge.rs`).
//!
//! Their gas is the EVM's price of what they do (keccak, logs, two storage writes for a burn)
//! plus 16 gas per byte of pubdata a message publishes, not ZKsync's pubdata pricing.

use super::ZkStack;
use super::bridge::{self, Outcome};
use alloy_evm::precompiles::{DynPrecompile, PrecompileInput, PrecompilesMap};
use alloy_primitives::{Address, B256, Bytes, Log, LogData, U256, keccak256};
use alloy_sol_types::{SolCall, SolValue, sol};
use revm::precompile::{
    PrecompileError, PrecompileHalt, PrecompileId, PrecompileOutput, PrecompileResult,
};
use tephra_primitives::zk::{
    ETH_ADDRESS_IN_CONTRACTS, L1_MESSAGE_SENT_TOPIC, L1_MESSENGER, L2_ASSET_ROUTER, L2_BASE_TOKEN,
    L2_NATIVE_TOKEN_VAULT, SEND_TO_L1_SELECTOR, WITHDRAWAL_TOPIC, WITHDRAWAL_WITH_MESSAGE_TOPIC,
    withdrawal_message,
};

/// Gas per byte of pubdata a message publishes (the message and its L2-to-L1 log).
const PUBDATA_BYTE_GAS: u64 = 16;
/// A burn writes two words of L2BaseToken's storage (its own balance and the total supply):
/// two warm `SSTORE`s.
const BURN_GAS: u64 = 2 * 2_900;
/// A read of one word (`balanceOf`, a vault getter): a warm `SLOAD`, and the call's base.
const READ_GAS: u64 = 100;

sol! {
    function withdraw(address _l1Receiver) external payable;
    function withdrawWithMessage(address _l1Receiver, bytes _additionalData) external payable;
    function balanceOf(uint256 account) external view returns (uint256);
    function BASE_TOKEN_ASSET_ID() external view returns (bytes32);
    function L1_CHAIN_ID() external view returns (uint256);
    function L1_ASSET_ROUTER() external view returns (address);
}

/// ZK Stack's asset id of `l1_token`, native to L1 `l1_chain_id`:
/// `keccak256(abi.encode(l1ChainId, L2_NATIVE_TOKEN_VAULT, l1Token))`
/// (`DataEncoding.encodeNTVAssetId`, zksync-ethers `encodeNativeTokenVaultAssetId`); a chain's
/// base token asset id is its base token's (ether's address is `0x…01`).
pub fn asset_id(l1_chain_id: u64, l1_token: Address) -> B256 {
    keccak256((U256::from(l1_chain_id), L2_NATIVE_TOKEN_VAULT, l1_token).abi_encode())
}

/// The asset id of ether on L1 `l1_chain_id`: the base token asset id of an ether-based chain.
pub fn eth_asset_id(l1_chain_id: u64) -> B256 {
    asset_id(l1_chain_id, ETH_ADDRESS_IN_CONTRACTS)
}

/// Installs the system contracts; the router and the vault answer with `zk`'s L1 settings.
pub(crate) fn install(precompiles: &mut PrecompilesMap, zk: &ZkStack) {
    let zk = *zk;
    precompiles.apply_precompile(&L1_MESSENGER, |_| Some(l1_messenger()));
    precompiles.apply_precompile(&L2_BASE_TOKEN, |_| Some(l2_base_token()));
    precompiles.apply_precompile(&L2_ASSET_ROUTER, |_| Some(asset_router(zk)));
    precompiles.apply_precompile(&L2_NATIVE_TOKEN_VAULT, |_| Some(native_token_vault(zk)));
}

/// The L1Messenger precompile: `sendToL1(bytes _message) returns (bytes32)` hashes the
/// message, emits `L1MessageSent(msg.sender, keccak256(_message), _message)` and returns the
/// hash. Reverts on other calldata, a value (the function is not payable) or a static call
/// (it emits an event); halts out of gas below its price.
pub fn l1_messenger() -> DynPrecompile {
    DynPrecompile::new_stateful(PrecompileId::Custom("L1Messenger".into()), send_to_l1)
}

/// L2BaseToken: `withdraw(address)` and `withdrawWithMessage(address,bytes)` (payable) burn
/// the call's value and send ZKsync's withdrawal message through L1Messenger, then emit
/// `Withdrawal` / `WithdrawalWithMessage`; `balanceOf(uint256)` reads a balance (of the low
/// 160 bits, as ZKsync's). Reverts on other calldata (`mint` and `transferFromTo` are the
/// bootloader's), a delegate call, a static call to a withdrawal or value to `balanceOf`.
pub fn l2_base_token() -> DynPrecompile {
    DynPrecompile::new_stateful(PrecompileId::Custom("L2BaseToken".into()), base_token)
}

/// The L2 asset router's `L1_ASSET_ROUTER()` (the L1 shared bridge, where zksync-ethers
/// finalizes withdrawals), `BASE_TOKEN_ASSET_ID()` and `L1_CHAIN_ID()`, and its ERC-20 half
/// (`finalizeDeposit` of an L1 ERC-20's deposit, `l2TokenAddress`, `l1TokenAddress`: see
/// `bridge.rs`). Reverts on anything else.
pub fn asset_router(zk: ZkStack) -> DynPrecompile {
    DynPrecompile::new_stateful(PrecompileId::Custom("L2AssetRouter".into()), move |mut input| {
        if let Outcome::Output(output) = bridge::router_call(&mut input, &zk)? {
            return Ok(output);
        }
        let router = zk.l1_shared_bridge.abi_encode();
        getters(&input, &[(L1_ASSET_ROUTERCall::SELECTOR, router)], &zk)
    })
}

/// The L2 native token vault's `BASE_TOKEN_ASSET_ID()` (the asset id of `zk`'s base token on
/// its L1: ether's, or its ERC-20's) and `L1_CHAIN_ID()`: what zksync-ethers' `isEthBasedChain`
/// and `isBaseToken` read before a deposit or a withdrawal; and the bridged tokens' getters
/// (`l2TokenAddress`, `tokenAddress`, `assetId`: see `bridge.rs`). Reverts on anything else.
pub fn native_token_vault(zk: ZkStack) -> DynPrecompile {
    DynPrecompile::new_stateful(
        PrecompileId::Custom("L2NativeTokenVault".into()),
        move |mut input| {
            if let Outcome::Output(output) = bridge::vault_call(&mut input, &zk)? {
                return Ok(output);
            }
            getters(&input, &[], &zk)
        },
    )
}

fn revert(input: &PrecompileInput<'_>) -> PrecompileResult {
    Ok(PrecompileOutput::revert(0, Bytes::new(), input.reservoir))
}

fn out_of_gas(input: &PrecompileInput<'_>) -> PrecompileResult {
    Ok(PrecompileOutput::halt(PrecompileHalt::OutOfGas, input.reservoir))
}

fn fatal(err: impl std::fmt::Display) -> PrecompileError {
    PrecompileError::Fatal(err.to_string())
}

/// Gas of sending `len` bytes to L1: keccak (30 + 6/word), LOG3 (375 + 3 * 375 + 8/byte), and
/// pubdata (the message and its 88-byte log).
fn message_gas(len: usize) -> u64 {
    let (words, len) = (len.div_ceil(32) as u64, len as u64);
    30 + 6 * words + 4 * 375 + 8 * len + PUBDATA_BYTE_GAS * (len + 88)
}

/// Gas of a log with `topics` topics and `len` bytes of data.
fn log_gas(topics: u64, len: usize) -> u64 {
    375 + 375 * topics + 8 * len as u64
}

/// Emits L1Messenger's `L1MessageSent` for `message` sent by `sender`; returns its hash.
fn send_message(input: &mut PrecompileInput<'_>, sender: Address, message: Bytes) -> B256 {
    let hash = keccak256(&message);
    let topics = vec![L1_MESSAGE_SENT_TOPIC, sender.into_word(), hash];
    let data = (message,).abi_encode_params();
    input
        .internals
        .log(Log { address: L1_MESSENGER, data: LogData::new_unchecked(topics, data.into()) });
    hash
}

fn send_to_l1(mut input: PrecompileInput<'_>) -> PrecompileResult {
    if input.is_static || !input.value.is_zero() {
        return revert(&input);
    }
    let Some(args) = input.data.strip_prefix(&SEND_TO_L1_SELECTOR) else { return revert(&input) };
    let Ok((message,)) = <(Bytes,)>::abi_decode_params(args) else { return revert(&input) };
    let gas = message_gas(message.len());
    if gas > input.gas {
        return out_of_gas(&input);
    }
    let caller = input.caller;
    let hash = send_message(&mut input, caller, message);
    Ok(PrecompileOutput::new(gas, Bytes::copy_from_slice(hash.as_slice()), input.reservoir))
}

fn base_token(mut input: PrecompileInput<'_>) -> PrecompileResult {
    if !input.is_direct_call() {
        return revert(&input);
    }
    let data = input.data;
    let selector: Option<[u8; 4]> = data.get(..4).and_then(|s| s.try_into().ok());
    match selector {
        Some(balanceOfCall::SELECTOR) => {
            let Ok(call) = balanceOfCall::abi_decode(data) else { return revert(&input) };
            if !input.value.is_zero() {
                return revert(&input);
            }
            if READ_GAS > input.gas {
                return out_of_gas(&input);
            }
            let account = Address::from_word(call.account.into());
            let balance = input.internals.load_account(account).map_err(fatal)?.data.info.balance;
            Ok(PrecompileOutput::new(READ_GAS, balance.abi_encode().into(), input.reservoir))
        }
        Some(withdrawCall::SELECTOR) => {
            let Ok(call) = withdrawCall::abi_decode(data) else { return revert(&input) };
            burn_and_send(input, call._l1Receiver, None)
        }
        Some(withdrawWithMessageCall::SELECTOR) => {
            let Ok(call) = withdrawWithMessageCall::abi_decode(data) else {
                return revert(&input);
            };
            burn_and_send(input, call._l1Receiver, Some(call._additionalData))
        }
        _ => revert(&input),
    }
}

/// A withdrawal of the call's value to `l1_receiver`: the value (moved to L2BaseToken's
/// balance by the call) is burnt, the withdrawal message is sent to L1 from L2BaseToken, and
/// the event is emitted, in L2BaseToken's order.
fn burn_and_send(
    mut input: PrecompileInput<'_>,
    l1_receiver: Address,
    additional: Option<Bytes>,
) -> PrecompileResult {
    if input.is_static {
        return revert(&input);
    }
    let (sender, amount) = (input.caller, input.value);
    let message = withdrawal_message(
        l1_receiver,
        amount,
        additional.as_ref().map(|data| (sender, &data[..])),
    );
    let event_data = match &additional {
        None => amount.abi_encode(),
        Some(data) => (amount, data.clone()).abi_encode_params(),
    };
    let gas = BURN_GAS + message_gas(message.len()) + log_gas(3, event_data.len());
    if gas > input.gas {
        return out_of_gas(&input);
    }
    let balance = input.internals.load_account(L2_BASE_TOKEN).map_err(fatal)?.data.info.balance;
    input.internals.set_balance(L2_BASE_TOKEN, balance.saturating_sub(amount)).map_err(fatal)?;
    send_message(&mut input, L2_BASE_TOKEN, message.into());
    let topic = if additional.is_some() { WITHDRAWAL_WITH_MESSAGE_TOPIC } else { WITHDRAWAL_TOPIC };
    let topics = vec![topic, sender.into_word(), l1_receiver.into_word()];
    input.internals.log(Log {
        address: L2_BASE_TOKEN,
        data: LogData::new_unchecked(topics, event_data.into()),
    });
    Ok(PrecompileOutput::new(gas, Bytes::new(), input.reservoir))
}

/// Answers `BASE_TOKEN_ASSET_ID()`, `L1_CHAIN_ID()` and the `extra` selectors' fixed answers;
/// reverts on value or other calldata.
fn getters(
    input: &PrecompileInput<'_>,
    extra: &[([u8; 4], Vec<u8>)],
    zk: &ZkStack,
) -> PrecompileResult {
    if !input.value.is_zero() {
        return revert(input);
    }
    let output = match input.data {
        data if data == BASE_TOKEN_ASSET_IDCall::SELECTOR => {
            asset_id(zk.l1_chain_id, zk.l1_base_token).abi_encode()
        }
        data if data == L1_CHAIN_IDCall::SELECTOR => U256::from(zk.l1_chain_id).abi_encode(),
        data => match extra.iter().find(|(selector, _)| data == selector) {
            Some((_, answer)) => answer.clone(),
            None => return revert(input),
        },
    };
    if READ_GAS > input.gas {
        return out_of_gas(input);
    }
    Ok(PrecompileOutput::new(READ_GAS, output.into(), input.reservoir))
}
