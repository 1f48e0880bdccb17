// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity >=0.8.0;

import {CheckpointTree} from "./CheckpointTree.sol";

/// @title IMetalayerState
/// @notice `MetalayerState`'s interface, for callers built by other compilers than the 0.8.15
/// its trie libraries pin. See `MetalayerState` for the checks and errors.
interface IMetalayerState {
    /// @notice A chain's leaf in a certified checkpoint, with its proof.
    struct ProvenLeaf {
        bytes32 checkpointRoot;
        CheckpointTree.Leaf leaf;
        uint256 leafIndex;
        bytes32[] leafProof;
    }

    /// @notice The state root of `chainId` in a certified checkpoint.
    function stateRoot(uint64 chainId, ProvenLeaf calldata proven) external view returns (bytes32);

    /// @notice An account of `chainId` at the certified height of `proven`.
    function account(uint64 chainId, ProvenLeaf calldata proven, address target, bytes[] calldata accountProof)
        external
        view
        returns (uint256 nonce, uint256 balance, bytes32 storageRoot, bytes32 codeHash);

    /// @notice One storage slot of an account of `chainId` at the certified height of `proven`.
    function storageAt(
        uint64 chainId,
        ProvenLeaf calldata proven,
        address target,
        bytes[] calldata accountProof,
        bytes32 slot,
        bytes[] calldata storageProof
    ) external view returns (bytes32 value);
}
