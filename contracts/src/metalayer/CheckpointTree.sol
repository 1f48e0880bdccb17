// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.15;

/// @title CheckpointTree
/// @notice The Merkle tree guardians sign each epoch, as `crates/metalayer` builds it: one leaf
/// per chain, sorted by chain id, leaf hash keccak256(abi.encodePacked(uint64 chainId, uint64
/// blockNumber, bytes32 blockHash, bytes32 stateRoot, bytes32 outboxRoot)) (112 bytes in),
/// padded with zero hashes to a power of two, inner node keccak256(left || right) (64 bytes
/// in, so never mistaken for a leaf). A proof lists the siblings from the bottom up; bit i of
/// the index set means the running node is the right child at level i.
///
/// A leaf whose `chainId` has the `FINALIZED` bit set is of the chain `chainId & ~FINALIZED`
/// too, at a head settled on L1: guardians put it beside the chain's latest head once that
/// block's state commitment is final on the chain's settlement core (`RollupCore`) and equals the
/// commitment of the block they verified.
///
/// The leaf whose `chainId` is `GUARDIAN_SET` (no chain's id: EIP-2294 keeps them below 2^63)
/// hands over to the next guardian set: `blockNumber` is its id, `blockHash`
/// `keccak256(abi.encodePacked(publicKeys, stakes))` of its members as
/// `MetalayerInbox.rotateGuardianSet` takes them, the other fields zero. Guardians put it in a
/// checkpoint once the L1 `GuardianRegistry` holds a set other than the current one.
library CheckpointTree {
    /// @notice The chain-id bit of a leaf of a head settled on L1.
    uint64 internal constant FINALIZED = uint64(1) << 63;
    /// @notice The chain id of the leaf naming the next guardian set.
    uint64 internal constant GUARDIAN_SET = type(uint64).max;

    /// @notice One chain's head, as a checkpoint commits to it.
    struct Leaf {
        uint64 chainId;
        uint64 blockNumber;
        bytes32 blockHash;
        bytes32 stateRoot;
        /// The root of the chain's Hyperlane MerkleTreeHook after the head.
        bytes32 outboxRoot;
    }

    /// @notice The leaf hash.
    function leafHash(Leaf memory leaf) internal pure returns (bytes32) {
        return keccak256(
            abi.encodePacked(leaf.chainId, leaf.blockNumber, leaf.blockHash, leaf.stateRoot, leaf.outboxRoot)
        );
    }

    /// @notice The root `leaf` at `index` with `proof` leads to; zero (which no inbox
    /// certifies) when `index` does not fit the proof's depth.
    function rootOf(Leaf memory leaf, uint256 index, bytes32[] memory proof) internal pure returns (bytes32 node) {
        if (proof.length < 256 && index >> proof.length != 0) return bytes32(0);
        node = leafHash(leaf);
        for (uint256 i = 0; i < proof.length; ++i) {
            node = (index >> i) & 1 == 1
                ? keccak256(abi.encodePacked(proof[i], node))
                : keccak256(abi.encodePacked(node, proof[i]));
        }
    }
}
