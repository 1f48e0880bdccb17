// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {IMetalayerRecipient, ReadOperation} from "../IMetalayerRecipient.sol";

/// @title ReadRecipient
/// @notice A Metalayer application for tests: records the last message its router delivered,
/// with the reads and their results.
contract ReadRecipient is IMetalayerRecipient {
    /// @notice The only caller `handle` accepts.
    address public immutable router;
    uint32 public lastOrigin;
    bytes32 public lastSender;
    bytes public lastMessage;
    ReadOperation[] private _reads;
    bytes[] private _results;

    error NotRouter(address caller);

    constructor(address router_) {
        router = router_;
    }

    /// @inheritdoc IMetalayerRecipient
    function handle(
        uint32 origin,
        bytes32 sender,
        bytes calldata message,
        ReadOperation[] calldata reads,
        bytes[] calldata readResults
    ) external payable {
        if (msg.sender != router) revert NotRouter(msg.sender);
        lastOrigin = origin;
        lastSender = sender;
        lastMessage = message;
        delete _reads;
        delete _results;
        for (uint256 i = 0; i < reads.length; ++i) {
            _reads.push(reads[i]);
        }
        for (uint256 i = 0; i < readResults.length; ++i) {
            _results.push(readResults[i]);
        }
    }

    /// @notice The last message's reads.
    function lastReads() external view returns (ReadOperation[] memory) {
        return _reads;
    }

    /// @notice The last message's read results.
    function lastResults() external view returns (bytes[] memory) {
        return _results;
    }
}
