// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity >=0.8.0;

import {ReadOperation} from "./IMetalayerRecipient.sol";
import {FinalityState} from "./IMetalayerRouter.sol";

/// @title MetalayerMessage
/// @notice The Metalayer message, Caldera Metalayer's layout, carried as the body of a Hyperlane
/// message between routers. Packed:
/// `version (1) | finality (1) | nonce (4) | origin (4) | sender (32) | destination (4) |
/// recipient (32) | body`, and `body = readCount (4) | reads | writeCallData` where each read is
/// `domain (4) | target (20) | callDataLength (4) | callData`. Integers are big-endian.
library MetalayerMessage {
    uint256 private constant FINALITY_OFFSET = 1;
    uint256 private constant NONCE_OFFSET = 2;
    uint256 private constant ORIGIN_OFFSET = 6;
    uint256 private constant SENDER_OFFSET = 10;
    uint256 private constant DESTINATION_OFFSET = 42;
    uint256 private constant RECIPIENT_OFFSET = 46;
    uint256 private constant BODY_OFFSET = 78;

    error TooLarge(uint256 value);

    /// @notice The packed message (see the library doc).
    function format(
        uint8 version,
        FinalityState finality,
        uint32 nonce,
        uint32 originDomain,
        bytes32 sender,
        uint32 destinationDomain,
        bytes32 recipient,
        ReadOperation[] calldata reads,
        bytes calldata writeCallData
    ) internal pure returns (bytes memory message) {
        message = abi.encodePacked(
            version, uint8(finality), nonce, originDomain, sender, destinationDomain, recipient, _u32(reads.length)
        );
        for (uint256 i = 0; i < reads.length; ++i) {
            message = abi.encodePacked(
                message, reads[i].domain, reads[i].target, _u32(reads[i].callData.length), reads[i].callData
            );
        }
        message = abi.encodePacked(message, writeCallData);
    }

    /// @notice The version byte.
    function version(bytes calldata message) internal pure returns (uint8) {
        return uint8(message[0]);
    }

    /// @notice The finality flag, raw (0 INSTANT, 1 FINALIZED; other values are no state).
    function finality(bytes calldata message) internal pure returns (uint8) {
        return uint8(message[FINALITY_OFFSET]);
    }

    /// @notice The origin router's nonce for the message (its Mailbox's nonce).
    function nonce(bytes calldata message) internal pure returns (uint32) {
        return uint32(bytes4(message[NONCE_OFFSET:ORIGIN_OFFSET]));
    }

    /// @notice The origin domain.
    function origin(bytes calldata message) internal pure returns (uint32) {
        return uint32(bytes4(message[ORIGIN_OFFSET:SENDER_OFFSET]));
    }

    /// @notice The application that dispatched the message.
    function sender(bytes calldata message) internal pure returns (bytes32) {
        return bytes32(message[SENDER_OFFSET:DESTINATION_OFFSET]);
    }

    /// @notice The destination domain.
    function destination(bytes calldata message) internal pure returns (uint32) {
        return uint32(bytes4(message[DESTINATION_OFFSET:RECIPIENT_OFFSET]));
    }

    /// @notice The recipient application.
    function recipient(bytes calldata message) internal pure returns (bytes32) {
        return bytes32(message[RECIPIENT_OFFSET:BODY_OFFSET]);
    }

    /// @notice The reads, in order.
    function reads(bytes calldata message) internal pure returns (ReadOperation[] memory out) {
        (out,) = _reads(message);
    }

    /// @notice The write call data (what follows the reads).
    function writeCallData(bytes calldata message) internal pure returns (bytes calldata) {
        (, uint256 end) = _reads(message);
        return message[end:];
    }

    function _reads(bytes calldata message) private pure returns (ReadOperation[] memory out, uint256 offset) {
        uint256 count = uint32(bytes4(message[BODY_OFFSET:BODY_OFFSET + 4]));
        offset = BODY_OFFSET + 4;
        out = new ReadOperation[](count);
        for (uint256 i = 0; i < count; ++i) {
            uint256 length = uint32(bytes4(message[offset + 24:offset + 28]));
            out[i] = ReadOperation({
                domain: uint32(bytes4(message[offset:offset + 4])),
                target: address(bytes20(message[offset + 4:offset + 24])),
                callData: message[offset + 28:offset + 28 + length]
            });
            offset += 28 + length;
        }
    }

    function _u32(uint256 value) private pure returns (uint32) {
        if (value > type(uint32).max) revert TooLarge(value);
        return uint32(value);
    }
}
