// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {IInterchainSecurityModule} from "@hyperlane-xyz/core/contracts/interfaces/IInterchainSecurityModule.sol";
import {Message} from "@hyperlane-xyz/core/contracts/libs/Message.sol";
import {MerkleLib, TREE_DEPTH} from "@hyperlane-xyz/core/contracts/libs/Merkle.sol";

import {CheckpointTree} from "./CheckpointTree.sol";
import {MetalayerInbox} from "./MetalayerInbox.sol";

/// @title GuardianIsm
/// @notice Hyperlane's interchain security module backed by Metalayer guardians: a message is
/// accepted only if its id is in the origin's MerkleTreeHook tree (Hyperlane's MerkleLib
/// proof) whose root is the `outboxRoot` of the origin's leaf in a checkpoint that the
/// `MetalayerInbox` certified (a CheckpointTree proof). No signature is checked here: the
/// inbox checked the certificate once, for every message under it.
/// @dev Metadata, `abi.encode`d (`tephra_metalayer::abi::GuardianIsmMetadata`):
/// `(bytes32 checkpointRoot, CheckpointTree.Leaf leaf, uint256 leafIndex, bytes32[] leafProof,
/// uint32 messageIndex, bytes32[32] messageProof)`: the certified root, the origin's leaf
/// (`chainId` must equal the message's origin domain, or be its settled-on-L1 leaf, with
/// CheckpointTree's `FINALIZED` bit), its index and siblings in the checkpoint
/// tree, and the message id's index and branch in the origin's MerkleTreeHook tree.
/// The Mailbox itself refuses a message for another destination and a second delivery.
contract GuardianIsm is IInterchainSecurityModule {
    using Message for bytes;

    /// @notice The metadata `verify` decodes.
    struct Metadata {
        bytes32 checkpointRoot;
        CheckpointTree.Leaf leaf;
        uint256 leafIndex;
        bytes32[] leafProof;
        uint32 messageIndex;
        bytes32[TREE_DEPTH] messageProof;
    }

    /// @notice Where certified checkpoint roots are kept.
    MetalayerInbox public immutable inbox;

    error RootNotCertified(bytes32 root);
    error WrongOrigin(uint32 origin, uint64 chainId);
    error InvalidLeafProof();
    error InvalidMessageProof();

    /// @param inbox_ This chain's MetalayerInbox.
    constructor(MetalayerInbox inbox_) {
        inbox = inbox_;
    }

    /// @notice Hyperlane's module type. No listed type describes guardian certificates, so
    /// this ISM says UNUSED; Tephra's relayer knows its metadata (see the contract doc).
    function moduleType() external pure returns (uint8) {
        return uint8(Types.UNUSED);
    }

    /// @notice Accepts `message` if `metadata` proves it (see the contract doc); reverts,
    /// naming the failed check, otherwise.
    function verify(bytes calldata metadata, bytes calldata message) external view returns (bool) {
        Metadata memory m = abi.decode(metadata, (Metadata));
        if (!inbox.isCertified(m.checkpointRoot)) revert RootNotCertified(m.checkpointRoot);
        if (uint64(message.origin()) != m.leaf.chainId & ~CheckpointTree.FINALIZED) {
            revert WrongOrigin(message.origin(), m.leaf.chainId);
        }
        if (CheckpointTree.rootOf(m.leaf, m.leafIndex, m.leafProof) != m.checkpointRoot) revert InvalidLeafProof();
        if (MerkleLib.branchRoot(message.id(), m.messageProof, m.messageIndex) != m.leaf.outboxRoot) {
            revert InvalidMessageProof();
        }
        return true;
    }
}
