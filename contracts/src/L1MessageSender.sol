// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @notice ZK Stack's L1Messenger system contract, as user contracts call it.
interface IL1Messenger {
    /// @notice Sends `_message` to L1; returns its keccak256.
    function sendToL1(bytes calldata _message) external returns (bytes32);
}

/// @title L1MessageSender
/// @notice Sends L2-to-L1 messages through ZK Stack's L1Messenger (address 0x8008), so that a
/// test can check that a contract (not only an EOA) is the message's sender.
contract L1MessageSender {
    /// @notice L1Messenger's address on ZK Stack chains.
    IL1Messenger public constant L1_MESSENGER = IL1Messenger(address(0x8008));

    /// @notice Hash of the last message sent.
    bytes32 public lastHash;

    /// @notice Number of messages sent.
    uint256 public sent;

    /// @notice Emitted per message, with the hash L1Messenger returned.
    event Sent(bytes32 indexed hash);

    /// @notice Sends `message` to L1 and records the hash L1Messenger returned.
    /// @param message The message.
    /// @return hash keccak256 of the message.
    function send(bytes calldata message) external returns (bytes32 hash) {
        hash = L1_MESSENGER.sendToL1(message);
        lastHash = hash;
        sent += 1;
        emit Sent(hash);
    }
}
