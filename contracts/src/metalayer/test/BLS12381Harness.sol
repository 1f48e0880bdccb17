// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {BLS12381} from "../BLS12381.sol";

/// @title BLS12381Harness
/// @notice Exposes the library's hash-to-G2 under any tag, so tests check it against blst and
/// against the RFC 9380 vectors (whose tag is not the signature suite's). Tests only.
contract BLS12381Harness {
    /// @notice hash_to_curve(message) onto G2 under `dst`, in EIP-2537 encoding.
    function hashToG2(bytes calldata message, bytes calldata dst) external view returns (bytes memory) {
        return BLS12381.hashToG2(message, dst);
    }

    /// @notice expand_message_xmd(message, dst, 256) with SHA-256.
    function expandMessageXmd(bytes calldata message, bytes calldata dst) external view returns (bytes memory) {
        return BLS12381.expandMessageXmd(message, dst);
    }
}
