// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title Events
/// @notice Emits logs with known topics and data so that log filters, subscriptions and
/// receipts can be checked exactly.
contract Events {
    /// @notice Emitted by `ping` and `pingMany`: three indexed topics plus one data field.
    event Ping(address indexed sender, uint256 indexed id, bytes32 indexed tag, string note);

    /// @notice Anonymous event: no signature topic, `id` is topic 0.
    event Silent(uint256 indexed id, uint256 value) anonymous;

    /// @notice `pingMany` was asked for more than `MAX_BATCH` events.
    error BatchTooLarge(uint256 count, uint256 max);

    /// @notice Upper bound on the number of events one `pingMany` call emits.
    uint256 public constant MAX_BATCH = 64;

    /// @notice Emits one `Ping`.
    /// @param id Second topic.
    /// @param tag Third topic.
    /// @param note ABI-encoded into the log data.
    function ping(uint256 id, bytes32 tag, string calldata note) external {
        emit Ping(msg.sender, id, tag, note);
    }

    /// @notice Emits `count` `Ping` events with ids `firstId .. firstId + count - 1`.
    /// @param firstId Id of the first event.
    /// @param count Number of events, at most `MAX_BATCH`.
    /// @param tag Third topic of every event.
    function pingMany(uint256 firstId, uint256 count, bytes32 tag) external {
        if (count > MAX_BATCH) revert BatchTooLarge(count, MAX_BATCH);
        for (uint256 i = 0; i < count; ++i) {
            emit Ping(msg.sender, firstId + i, tag, "");
        }
    }

    /// @notice Emits one anonymous `Silent` event.
    /// @param id Topic 0 of the log.
    /// @param value Log data.
    function silent(uint256 id, uint256 value) external {
        emit Silent(id, value);
    }
}
