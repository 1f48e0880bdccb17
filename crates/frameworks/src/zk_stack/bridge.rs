//! The ERC-20 half of the L2 asset router (`0x…10003`) and the L2 native token vault
//! (`0x…10004`): deposits of L1 ERC-20s other than the base token, finalized as era-contracts'
//! L2AssetRouter and L2NativeTokenVault finalize them.
//!
//! The L1 shared bridge (`ZkSharedBridge.bridgehubDeposit`) escrows the token in the rollup's
//! core and sends, from its aliased address, the router's legacy
//! `finalizeDeposit(l1Sender, l2Receiver, l1Token, amount, abi.encode(name, symbol, decimals))`.
//! On the token's first deposit the vault places the runtime code of `BridgedStandardERC20`
//! (a standard OpenZeppelin ERC-20, `contracts/src/zk`) at the token's L2 address and writes its
//! name, symbol, decimals, L1 address and asset id to its storage; every deposit then mints the
//! exact amount to the receiver (its balance and the total supply, and the token's `Transfer`
//! event). The token's L2 address is `create2(L2_NATIVE_TOKEN_VAULT, keccak256(abi.encode(
//! l1ChainId, l1Token)), keccak256(code))`, what `l2TokenAddress(l1Token)` answers on both.

use super::ZkStack;
use alloy_evm::precompiles::PrecompileInput;
use alloy_primitives::{Address, B256, Bytes, Log, LogData, U256, address, keccak256};
use alloy_sol_types::{SolCall, SolError, SolEvent, SolValue, sol};
use revm::bytecode::Bytecode;
use revm::precompile::{PrecompileError, PrecompileHalt, PrecompileOutput};
use std::sync::LazyLock;
use tephra_primitives::zk::{L2_ASSET_ROUTER, L2_BASE_TOKEN, L2_NATIVE_TOKEN_VAULT};

sol! {
    /// The L2 asset router's legacy (L2SharedBridge) deposit entry.
    function finalizeDeposit(
        address _l1Sender,
        address _l2Receiver,
        address _l1Token,
        uint256 _amount,
        bytes _data
    ) external;
    function l2TokenAddress(address _l1Token) external view returns (address);
    function l1TokenAddress(address _l2Token) external view returns (address);
    function tokenAddress(bytes32 _assetId) external view returns (address);
    function assetId(address _token) external view returns (bytes32);

    /// A caller other than the aliased L1 shared bridge (era-contracts' error).
    error InvalidCaller(address caller);

    /// IL2SharedBridgeLegacy.FinalizeDeposit.
    event FinalizeDeposit(
        address indexed l1Sender,
        address indexed l2Receiver,
        address indexed l2Token,
        uint256 amount
    );
    /// IAssetRouterBase.DepositFinalizedAssetRouter.
    event DepositFinalizedAssetRouter(uint256 indexed chainId, bytes32 indexed assetId, bytes assetData);
    /// INativeTokenVault.BridgeMint.
    event BridgeMint(uint256 indexed chainId, bytes32 indexed assetId, address receiver, uint256 amount);
    /// IERC20.Transfer.
    event Transfer(address indexed from, address indexed to, uint256 value);
    /// BridgedStandardERC20.BridgeInitialize.
    event BridgeInitialize(address indexed l1Token, string name, string symbol, uint8 decimals);
}

/// The runtime code of `BridgedStandardERC20`, from the committed artifact.
static TOKEN_CODE: LazyLock<Bytes> =
    LazyLock::new(|| tephra_primitives::artifact!(BridgedStandardERC20).runtime_code());

/// `AddressAliasHelper`'s offset of an L1 contract's address on L2.
const ALIAS_OFFSET: Address = address!("0x1111000000000000000000000000000000001111");

/// A fresh storage word (`SSTORE` from zero, cold).
const SET_GAS: u64 = 22_100;
/// A cold `SLOAD` or account access.
const COLD_GAS: u64 = 2_600;
/// A contract's creation, and per byte of code placed.
const CREATE_GAS: u64 = 32_000;
const CODE_BYTE_GAS: u64 = 200;

/// OpenZeppelin ERC20's and BridgedStandardERC20's storage slots.
const BALANCES_SLOT: u64 = 0;
const TOTAL_SUPPLY_SLOT: u64 = 2;
const NAME_SLOT: u64 = 3;
const SYMBOL_SLOT: u64 = 4;
const L1_ADDRESS_SLOT: u64 = 5;
const ASSET_ID_SLOT: u64 = 6;
const DECIMALS_SLOT: u64 = 7;
/// The vault's own maps: asset id -> L2 token, L2 token -> asset id.
const VAULT_TOKEN_SLOT: u64 = 0;
const VAULT_ASSET_SLOT: u64 = 1;

/// `_l1` as an L1 contract's sender appears on L2 (AddressAliasHelper.applyL1ToL2Alias).
pub fn apply_l1_to_l2_alias(l1: Address) -> Address {
    let sum = U256::from_be_slice(l1.as_slice()) + U256::from_be_slice(ALIAS_OFFSET.as_slice());
    Address::from_word(B256::from(sum))
}

/// The L2 address of L1 token `l1_token` bridged from L1 `l1_chain_id`.
pub fn l2_token_address(l1_chain_id: u64, l1_token: Address) -> Address {
    let salt = keccak256((U256::from(l1_chain_id), l1_token).abi_encode());
    L2_NATIVE_TOKEN_VAULT.create2(salt, keccak256(&TOKEN_CODE[..]))
}

/// What one call to the router or the vault returned.
pub(crate) enum Outcome {
    /// The call is not one of this module's: the caller tries its getters.
    NotMine,
    Output(PrecompileOutput),
}

fn mapping_slot(key: B256, slot: u64) -> U256 {
    U256::from_be_bytes(keccak256((key, U256::from(slot)).abi_encode()).0)
}

fn revert_with(input: &PrecompileInput<'_>, data: Vec<u8>) -> Outcome {
    Outcome::Output(PrecompileOutput::revert(0, data.into(), input.reservoir))
}

fn ok(input: &PrecompileInput<'_>, gas: u64, data: Vec<u8>) -> Outcome {
    if gas > input.gas {
        return Outcome::Output(PrecompileOutput::halt(PrecompileHalt::OutOfGas, input.reservoir));
    }
    Outcome::Output(PrecompileOutput::new(gas, data.into(), input.reservoir))
}

fn fatal(err: impl std::fmt::Display) -> PrecompileError {
    PrecompileError::Fatal(err.to_string())
}

/// The router's ERC-20 calls: `finalizeDeposit` (the aliased L1 shared bridge only),
/// `l2TokenAddress(l1Token)` and `l1TokenAddress(l2Token)`.
pub(crate) fn router_call(
    input: &mut PrecompileInput<'_>,
    zk: &ZkStack,
) -> Result<Outcome, PrecompileError> {
    let data = input.data;
    let selector: Option<[u8; 4]> = data.get(..4).and_then(|s| s.try_into().ok());
    match selector {
        Some(finalizeDepositCall::SELECTOR) => {
            let Ok(call) = finalizeDepositCall::abi_decode(data) else {
                return Ok(revert_with(input, Vec::new()));
            };
            finalize_deposit(input, zk, call)
        }
        Some(l2TokenAddressCall::SELECTOR) => l2_token_query(input, zk),
        Some(l1TokenAddressCall::SELECTOR) => {
            let Ok(call) = l1TokenAddressCall::abi_decode(data) else {
                return Ok(revert_with(input, Vec::new()));
            };
            let word = input
                .internals
                .sload(call._l2Token, U256::from(L1_ADDRESS_SLOT))
                .map_err(fatal)?
                .data;
            let l1 = Address::from_word(word.into());
            Ok(ok(input, COLD_GAS, l1.abi_encode()))
        }
        _ => Ok(Outcome::NotMine),
    }
}

/// The vault's ERC-20 getters: `l2TokenAddress(l1Token)`, `tokenAddress(assetId)` (the L2 token
/// of a bridged asset, L2BaseToken for the base token's, zero if none yet) and
/// `assetId(l2Token)`.
pub(crate) fn vault_call(
    input: &mut PrecompileInput<'_>,
    zk: &ZkStack,
) -> Result<Outcome, PrecompileError> {
    let data = input.data;
    let selector: Option<[u8; 4]> = data.get(..4).and_then(|s| s.try_into().ok());
    let base = super::system::asset_id(zk.l1_chain_id, zk.l1_base_token);
    match selector {
        Some(l2TokenAddressCall::SELECTOR) => l2_token_query(input, zk),
        Some(tokenAddressCall::SELECTOR) => {
            let Ok(call) = tokenAddressCall::abi_decode(data) else {
                return Ok(revert_with(input, Vec::new()));
            };
            let token = if call._assetId == base {
                L2_BASE_TOKEN
            } else {
                let slot = mapping_slot(call._assetId, VAULT_TOKEN_SLOT);
                let word = input.internals.sload(L2_NATIVE_TOKEN_VAULT, slot).map_err(fatal)?.data;
                Address::from_word(word.into())
            };
            Ok(ok(input, COLD_GAS, token.abi_encode()))
        }
        Some(assetIdCall::SELECTOR) => {
            let Ok(call) = assetIdCall::abi_decode(data) else {
                return Ok(revert_with(input, Vec::new()));
            };
            let id = if call._token == L2_BASE_TOKEN {
                base
            } else {
                let slot = mapping_slot(call._token.into_word(), VAULT_ASSET_SLOT);
                B256::from(input.internals.sload(L2_NATIVE_TOKEN_VAULT, slot).map_err(fatal)?.data)
            };
            Ok(ok(input, COLD_GAS, id.abi_encode()))
        }
        _ => Ok(Outcome::NotMine),
    }
}

fn l2_token_query(input: &PrecompileInput<'_>, zk: &ZkStack) -> Result<Outcome, PrecompileError> {
    let Ok(call) = l2TokenAddressCall::abi_decode(input.data) else {
        return Ok(revert_with(input, Vec::new()));
    };
    let token = if call._l1Token == zk.l1_base_token {
        L2_BASE_TOKEN
    } else {
        l2_token_address(zk.l1_chain_id, call._l1Token)
    };
    Ok(ok(input, 100, token.abi_encode()))
}

/// The L1 token's name, symbol and decimals from the deposit's `_data`: `abi.encode(bytes name,
/// bytes symbol, bytes decimals)` of the token's own answers, or era-contracts' versioned
/// `0x01 ‖ abi.encode(chainId, name, symbol, decimals)`. A missing or malformed answer gives an
/// empty string, or 18 decimals (NativeTokenVault's defaults).
fn token_metadata(data: &[u8]) -> (String, String, u8) {
    let parts = match data.first() {
        Some(1) => <(U256, Bytes, Bytes, Bytes)>::abi_decode_params(&data[1..])
            .map(|(_, name, symbol, decimals)| (name, symbol, decimals)),
        _ => <(Bytes, Bytes, Bytes)>::abi_decode_params(data),
    };
    let Ok((name, symbol, decimals)) = parts else {
        return (String::new(), String::new(), 18);
    };
    let name = String::abi_decode(&name).unwrap_or_default();
    let symbol = String::abi_decode(&symbol).unwrap_or_default();
    let decimals =
        U256::abi_decode(&decimals).ok().and_then(|d| u8::try_from(d).ok()).unwrap_or(18);
    (name, symbol, decimals)
}

/// Solidity's storage of a string at `slot`: inline below 32 bytes, else its length in the slot
/// and its bytes from `keccak256(slot)` on. Returns the words to write.
fn string_words(slot: u64, value: &str) -> Vec<(U256, U256)> {
    let bytes = value.as_bytes();
    if bytes.len() < 32 {
        let mut word = [0u8; 32];
        word[..bytes.len()].copy_from_slice(bytes);
        word[31] = (bytes.len() * 2) as u8;
        return vec![(U256::from(slot), U256::from_be_bytes(word))];
    }
    let mut words = vec![(U256::from(slot), U256::from(bytes.len() * 2 + 1))];
    let start = U256::from_be_bytes(keccak256(U256::from(slot).to_be_bytes::<32>()).0);
    for (i, chunk) in bytes.chunks(32).enumerate() {
        let mut word = [0u8; 32];
        word[..chunk.len()].copy_from_slice(chunk);
        words.push((start + U256::from(i), U256::from_be_bytes(word)));
    }
    words
}

fn log(input: &mut PrecompileInput<'_>, address: Address, data: LogData) {
    input.internals.log(Log { address, data });
}

/// `finalizeDeposit`: from the aliased L1 shared bridge only, no value, not static; deploys the
/// bridged token on its first deposit and mints `_amount` to `_l2Receiver`.
fn finalize_deposit(
    input: &mut PrecompileInput<'_>,
    zk: &ZkStack,
    call: finalizeDepositCall,
) -> Result<Outcome, PrecompileError> {
    let counterpart = apply_l1_to_l2_alias(zk.l1_shared_bridge);
    if input.caller != counterpart || zk.l1_shared_bridge.is_zero() {
        let caller = input.caller;
        return Ok(revert_with(input, InvalidCaller { caller }.abi_encode()));
    }
    if input.is_static || !input.value.is_zero() || !input.is_direct_call() {
        return Ok(revert_with(input, Vec::new()));
    }
    let l1_token = call._l1Token;
    let token = l2_token_address(zk.l1_chain_id, l1_token);
    let id = super::system::asset_id(zk.l1_chain_id, l1_token);
    let code = TOKEN_CODE.clone();

    let deployed = {
        let account = input.internals.load_account_code(token).map_err(fatal)?;
        account.data.code().is_some_and(|code| !code.is_empty())
    };
    let mut gas = 3 * COLD_GAS;
    let mut writes: Vec<(Address, U256, U256)> = Vec::new();
    let (name, symbol, decimals) = token_metadata(&call._data);
    if !deployed {
        writes.extend(string_words(NAME_SLOT, &name).into_iter().map(|(k, v)| (token, k, v)));
        writes.extend(string_words(SYMBOL_SLOT, &symbol).into_iter().map(|(k, v)| (token, k, v)));
        writes.push((token, U256::from(L1_ADDRESS_SLOT), U256::from_be_slice(l1_token.as_slice())));
        writes.push((token, U256::from(ASSET_ID_SLOT), U256::from_be_bytes(id.0)));
        writes.push((token, U256::from(DECIMALS_SLOT), U256::from(decimals)));
        writes.push((
            L2_NATIVE_TOKEN_VAULT,
            mapping_slot(id, VAULT_TOKEN_SLOT),
            U256::from_be_slice(token.as_slice()),
        ));
        writes.push((
            L2_NATIVE_TOKEN_VAULT,
            mapping_slot(token.into_word(), VAULT_ASSET_SLOT),
            U256::from_be_bytes(id.0),
        ));
        gas += CREATE_GAS + CODE_BYTE_GAS * code.len() as u64;
    }
    // The mint: the receiver's balance and the total supply.
    let balance_slot = mapping_slot(call._l2Receiver.into_word(), BALANCES_SLOT);
    let balance = input.internals.sload(token, balance_slot).map_err(fatal)?.data;
    let supply = input.internals.sload(token, U256::from(TOTAL_SUPPLY_SLOT)).map_err(fatal)?.data;
    let (Some(new_balance), Some(new_supply)) =
        (balance.checked_add(call._amount), supply.checked_add(call._amount))
    else {
        return Ok(revert_with(input, Vec::new()));
    };
    writes.push((token, balance_slot, new_balance));
    writes.push((token, U256::from(TOTAL_SUPPLY_SLOT), new_supply));
    gas += SET_GAS * writes.len() as u64 + 6 * 1_500;
    if gas > input.gas {
        return Ok(ok(input, gas, Vec::new()));
    }

    if !deployed {
        input.internals.set_code(token, Bytecode::new_raw(code)).map_err(fatal)?;
        input.internals.bump_nonce(token).map_err(fatal)?;
        let event = BridgeInitialize { l1Token: l1_token, name, symbol, decimals };
        log(input, token, event.encode_log_data());
    }
    for (address, slot, value) in writes {
        input.internals.sstore(address, slot, value).map_err(fatal)?;
    }
    let transfer = Transfer { from: Address::ZERO, to: call._l2Receiver, value: call._amount };
    log(input, token, transfer.encode_log_data());
    let chain_id = U256::from(zk.l1_chain_id);
    let mint = BridgeMint {
        chainId: chain_id,
        assetId: id,
        receiver: call._l2Receiver,
        amount: call._amount,
    };
    log(input, L2_NATIVE_TOKEN_VAULT, mint.encode_log_data());
    let asset_data = (call._l1Sender, call._l2Receiver, l1_token, call._amount, call._data.clone())
        .abi_encode_params();
    let finalized = DepositFinalizedAssetRouter {
        chainId: chain_id,
        assetId: id,
        assetData: asset_data.into(),
    };
    log(input, L2_ASSET_ROUTER, finalized.encode_log_data());
    let legacy = FinalizeDeposit {
        l1Sender: call._l1Sender,
        l2Receiver: call._l2Receiver,
        l2Token: token,
        amount: call._amount,
    };
    log(input, L2_ASSET_ROUTER, legacy.encode_log_data());
    Ok(ok(input, gas, Vec::new()))
}
