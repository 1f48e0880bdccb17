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

    /// @notice A static call: who calls, what, with which call data and gas.
    struct StaticCall {
        address from;
        address to;
        bytes data;
        uint64 gas;
    }

    /// @notice A call's execution witness on a block: the block's header RLP, and the trie nodes
    /// and bytecodes the call reads (`tephra_callWitness`).
    struct CallWitness {
        bytes header;
        bytes[] nodes;
        bytes[] codes;
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

    /// @notice The result of a static call on `chainId` at the certified height of `proven`,
    /// re-executed from the call's execution witness on the block whose header the witness holds.
    function staticCallAt(
        uint64 chainId,
        ProvenLeaf calldata proven,
        StaticCall calldata call,
        CallWitness calldata witness
    ) external view returns (bool success, bytes memory output);
}
