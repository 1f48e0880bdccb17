//! Hand-assembled contracts for the tests.

use alloy_primitives::{B256, Bytes, U256, keccak256};
use alloy_sol_types::{Revert, SolError};

/// `keccak256("Set(uint256)")`, the topic the store contract logs.
pub(crate) fn set_topic() -> B256 {
    keccak256("Set(uint256)")
}

/// Runtime of a one-slot store: empty calldata returns slot 0; otherwise it stores the first
/// calldata word in slot 0 and logs it as `Set(uint256)`.
pub(crate) fn store_runtime() -> Bytes {
    let mut code = vec![
        0x36, // CALLDATASIZE
        0x60, 0x0f, 0x57, // PUSH1 setter; JUMPI
        0x60, 0x00, 0x54, // SLOAD(0)
        0x60, 0x00, 0x52, // MSTORE(0)
        0x60, 0x20, 0x60, 0x00, 0xf3, // RETURN(0, 32)
        0x5b, // JUMPDEST (0x0f)
        0x60, 0x00, 0x35, 0x80, // CALLDATALOAD(0); DUP1
        0x60, 0x00, 0x55, // SSTORE(0, v)
        0x60, 0x00, 0x52, // MSTORE(0, v)
        0x7f, // PUSH32 topic
    ];
    code.extend_from_slice(set_topic().as_slice());
    code.extend_from_slice(&[0x60, 0x20, 0x60, 0x00, 0xa1, 0x00]); // LOG1(0, 32, topic); STOP
    code.into()
}

/// Init code that deploys `runtime` (shorter than 256 bytes).
pub(crate) fn init_code(runtime: &[u8]) -> Bytes {
    let len = u8::try_from(runtime.len()).expect("short runtime");
    let mut code = vec![0x60, len, 0x60, 0x0c, 0x60, 0x00, 0x39, 0x60, len, 0x60, 0x00, 0xf3];
    code.extend_from_slice(runtime);
    code.into()
}

/// The revert data of `Error("nope")`.
pub(crate) fn nope() -> Bytes {
    Revert::from("nope").abi_encode().into()
}

/// Runtime that always reverts with `Error("nope")`.
pub(crate) fn reverter_runtime() -> Bytes {
    let data = nope();
    let len = u8::try_from(data.len()).expect("100 bytes");
    let mut code = vec![0x60, len, 0x60, 0x0c, 0x60, 0x00, 0x39, 0x60, len, 0x60, 0x00, 0xfd];
    code.extend_from_slice(&data);
    code.into()
}

/// Calldata of `set(value)` for the store contract.
pub(crate) fn set(value: u64) -> Bytes {
    Bytes::from(U256::from(value).to_be_bytes::<32>().to_vec())
}
