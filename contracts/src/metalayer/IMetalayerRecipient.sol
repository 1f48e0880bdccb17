// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity >=0.8.0;

/// @notice A read of another chain's state a Metalayer message asks for (Caldera Metalayer's
/// `ReadOperation`, same fields and order).
struct ReadOperation {
    /// The domain (chain id) of the chain to read.
    uint32 domain;
    /// The contract to read.
    address target;
    /// The call whose result is read (see `MetalayerRouter` for the calls Tephra can prove).
    bytes callData;
}

/// @title IMetalayerRecipient
/// @notice What a Metalayer application implements to receive messages (Caldera Metalayer's
/// interface, unchanged): the router calls it after the message was accepted by the destination
/// Mailbox's ISM and, on Tephra, after every read result was proven against a certified state
/// root.
interface IMetalayerRecipient {
    /// @notice Handles a message from `origin`.
    /// @param origin The origin domain.
    /// @param sender The application that dispatched the message on the origin, as bytes32.
    /// @param message The message's `writeCallData`.
    /// @param reads The reads the message asked for, in order.
    /// @param readResults Their proven results, in the same order.
    /// @dev Only the MetalayerRouter may call it; recipients must check `msg.sender`.
    function handle(
        uint32 origin,
        bytes32 sender,
        bytes calldata message,
        ReadOperation[] calldata reads,
        bytes[] calldata readResults
    ) external payable;
}
