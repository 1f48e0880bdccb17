// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Messages} from "@arbitrum/nitro-contracts/src/bridge/Messages.sol";
import {NotDelayedInbox, NotOutbox, NotOwner} from "@arbitrum/nitro-contracts/src/libraries/Error.sol";
import {IRollupCore} from "../IRollupCore.sol";

/// @title AbsBridge
/// @notice What Arbitrum Nitro's two bridges share (nitro-contracts 3.2.0's AbsBridge), as a
///         facade over the rollup's RollupCore: the delayed inbox accumulator, message numbers
///         and `MessageDelivered` event, so that the Arbitrum SDK and Nitro's own inbox reader
///         find deposits where they look; the owner's inbox, outbox and rollup settings; and the
///         outbox's calls to L1 with `activeOutbox()` set (so that L1 contracts keep checking
///         `msg.sender == bridge` and `activeOutbox().l2ToL1Sender()`). Every message's digest in
///         the core's deposit queue is its Nitro message hash. What the message's value is (ETH,
///         or the rollup's ERC-20 gas token) and how it reaches the core is the concrete
///         bridge's: `Bridge` (ETH) or `ERC20Bridge`.
/// @dev    Differences from Nitro's AbsBridge, all deliberate: no sequencer inbox or batch
///         accumulator (batches are posted through the core's DA path, not here); no upgrade
///         proxy and no `initialize`; inboxes, outboxes and the rollup are set by the owner with
///         `setDelayedInbox`, `setOutbox` and `setRollup`. The core must enable the concrete
///         bridge as an entry point.
abstract contract AbsBridge {
    /// @notice Nitro's event for every message added to the delayed inbox.
    event MessageDelivered(
        uint256 indexed messageIndex,
        bytes32 indexed beforeInboxAcc,
        address inbox,
        uint8 kind,
        address sender,
        bytes32 messageDataHash,
        uint256 baseFeeL1,
        uint64 timestamp
    );
    /// @notice The outbox made a call to L1.
    event BridgeCallTriggered(address indexed outbox, address indexed to, uint256 value, bytes data);
    /// @notice The owner allowed or disallowed a delayed inbox.
    event InboxToggle(address indexed inbox, bool enabled);
    /// @notice The owner allowed or disallowed an outbox.
    event OutboxToggle(address indexed outbox, bool enabled);
    /// @notice The owner set the rollup contract.
    event RollupUpdated(address rollup);

    /// @notice The rollup's settlement core, custodian of the bridged asset.
    IRollupCore public immutable core;
    /// @notice Sets inboxes, outboxes and the rollup.
    address public immutable owner;
    /// @notice The rollup contract (the SDK asks the bridge for it).
    address public rollup;
    /// @notice Inboxes allowed to add messages.
    mapping(address inbox => bool allowed) public allowedDelayedInboxes;
    /// @notice Outboxes allowed to make calls.
    mapping(address outbox => bool allowed) public allowedOutboxes;
    /// @notice Nitro's delayed inbox accumulator: entry `i` commits to messages 0..i.
    bytes32[] public delayedInboxAccs;

    /// @dev The outbox whose call is running (Nitro's sentinel: address(type(uint160).max)).
    address private constant EMPTY_ACTIVEOUTBOX = address(type(uint160).max);
    address private _activeOutbox = EMPTY_ACTIVEOUTBOX;

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender, owner);
        _;
    }

    /// @param _core  The rollup's RollupCore.
    /// @param _owner Sets the inboxes, outboxes and rollup.
    constructor(IRollupCore _core, address _owner) {
        core = _core;
        owner = _owner;
    }

    /// @notice Allows or disallows `inbox` to add messages. Owner only.
    function setDelayedInbox(address inbox, bool enabled) external onlyOwner {
        allowedDelayedInboxes[inbox] = enabled;
        emit InboxToggle(inbox, enabled);
    }

    /// @notice Allows or disallows `outbox` to make calls. Owner only.
    function setOutbox(address outbox, bool enabled) external onlyOwner {
        allowedOutboxes[outbox] = enabled;
        emit OutboxToggle(outbox, enabled);
    }

    /// @notice Sets the rollup contract. Owner only.
    function setRollup(address _rollup) external onlyOwner {
        rollup = _rollup;
        emit RollupUpdated(_rollup);
    }

    /// @notice The number of messages in the delayed inbox.
    function delayedMessageCount() external view returns (uint256) {
        return delayedInboxAccs.length;
    }

    /// @notice The outbox whose call to L1 is running, or address(0) outside one.
    function activeOutbox() external view returns (address) {
        return _activeOutbox == EMPTY_ACTIVEOUTBOX ? address(0) : _activeOutbox;
    }

    /// @dev Adds a message from an allowed inbox to the accumulator (Nitro's
    ///      `addMessageToDelayedAccumulator`), emits `MessageDelivered` with `baseFeeL1` and
    ///      returns its number and its Nitro message hash (the digest the core queues).
    function _addMessage(uint8 kind, address sender, bytes32 messageDataHash, uint256 baseFeeL1)
        internal
        returns (uint256 messageIndex, bytes32 messageHash)
    {
        if (!allowedDelayedInboxes[msg.sender]) revert NotDelayedInbox(msg.sender);
        messageIndex = delayedInboxAccs.length;
        messageHash = Messages.messageHash(
            kind, sender, uint64(block.number), uint64(block.timestamp), messageIndex, baseFeeL1, messageDataHash
        );
        bytes32 prevAcc = messageIndex > 0 ? delayedInboxAccs[messageIndex - 1] : bytes32(0);
        delayedInboxAccs.push(Messages.accumulateInboxMessage(prevAcc, messageHash));
        emit MessageDelivered(
            messageIndex, prevAcc, msg.sender, kind, sender, messageDataHash, baseFeeL1, uint64(block.timestamp)
        );
    }

    /// @dev Makes an allowed outbox's call to L1 (Nitro's `executeCall`) with `activeOutbox()`
    ///      set to it during the call; how `value` is delivered is `_executeLowLevelCall`'s.
    function _executeCall(address to, uint256 value, bytes calldata data)
        internal
        returns (bool success, bytes memory returnData)
    {
        if (!allowedOutboxes[msg.sender]) revert NotOutbox(msg.sender);
        address prevOutbox = _activeOutbox;
        _activeOutbox = msg.sender;
        (success, returnData) = _executeLowLevelCall(to, value, data);
        _activeOutbox = prevOutbox;
        emit BridgeCallTriggered(msg.sender, to, value, data);
    }

    /// @dev Delivers `value` of the bridged asset to `to` with the call `data`.
    function _executeLowLevelCall(address to, uint256 value, bytes calldata data)
        internal
        virtual
        returns (bool success, bytes memory returnData);
}
