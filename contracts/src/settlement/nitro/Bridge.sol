// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Messages} from "@arbitrum/nitro-contracts/src/bridge/Messages.sol";
import {NotDelayedInbox, NotOutbox, NotOwner} from "@arbitrum/nitro-contracts/src/libraries/Error.sol";
import {IRollupCore} from "../IRollupCore.sol";

/// @title Bridge
/// @notice Arbitrum Nitro's Bridge (nitro-contracts 3.2.0 interface, ETH rollups) as a facade
///         over the rollup's RollupCore: it keeps Nitro's delayed inbox accumulator, message
///         numbers and `MessageDelivered` event, so that the Arbitrum SDK and Nitro's own inbox
///         reader find deposits where they look, and it makes the outbox's calls to L1 (so that
///         L1 contracts keep checking `msg.sender == bridge` and `activeOutbox().l2ToL1Sender()`).
///         The ETH of every message goes straight into the core's custody (`enqueueDeposit`,
///         with the Nitro message hash as the deposit's digest); the bridge holds none between
///         calls.
/// @dev    Differences from Nitro's Bridge, all deliberate: no sequencer inbox or batch
///         accumulator (batches are posted through the core's DA path, not here); no upgrade
///         proxy and no `initialize`; inboxes, outboxes and the rollup are set by the owner with
///         `setDelayedInbox`, `setOutbox` and `setRollup`; ERC-20 gas-token rollups are not
///         served (Nitro's ERC20Bridge), so the core must be an ETH rollup.
///         Constructor: (core, owner); the core must enable this contract as an entry point.
contract Bridge {
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

    /// @notice The core is a custom-gas-token rollup: this bridge moves ETH only.
    error GasTokenNotSupported(address gasToken);
    /// @notice ETH sent to the bridge outside an outbox call.
    error UnexpectedEth(address sender);

    /// @notice The rollup's settlement core, custodian of the bridged ETH.
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

    /// @param _core  The rollup's RollupCore (an ETH rollup).
    /// @param _owner Sets the inboxes, outboxes and rollup.
    constructor(IRollupCore _core, address _owner) {
        if (_core.gasToken() != address(0)) revert GasTokenNotSupported(_core.gasToken());
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

    /// @notice Adds a message to the delayed inbox (Nitro's `enqueueDelayedMessage`) and puts its
    ///         ETH into the core's custody. Allowed inboxes only.
    /// @param kind            Nitro's L1 message kind (12 ETH deposit, 9 retryable, ...).
    /// @param sender          The message's sender as L2 sees it (the inbox passes the alias).
    /// @param messageDataHash keccak256 of the message's data.
    /// @return messageIndex   The message's number (its L2 request id).
    function enqueueDelayedMessage(uint8 kind, address sender, bytes32 messageDataHash)
        external
        payable
        returns (uint256 messageIndex)
    {
        if (!allowedDelayedInboxes[msg.sender]) revert NotDelayedInbox(msg.sender);
        messageIndex = delayedInboxAccs.length;
        bytes32 messageHash = Messages.messageHash(
            kind,
            sender,
            uint64(block.number),
            uint64(block.timestamp),
            messageIndex,
            block.basefee,
            messageDataHash
        );
        bytes32 prevAcc = messageIndex > 0 ? delayedInboxAccs[messageIndex - 1] : bytes32(0);
        delayedInboxAccs.push(Messages.accumulateInboxMessage(prevAcc, messageHash));
        emit MessageDelivered(
            messageIndex, prevAcc, msg.sender, kind, sender, messageDataHash, block.basefee, uint64(block.timestamp)
        );
        core.enqueueDeposit{value: msg.value}(messageHash);
    }

    /// @notice Calls `to` with `value` and `data` for an outbox (Nitro's `executeCall`): the
    ///         value must come with the call (the outbox got it from the core). Allowed
    ///         outboxes only; `activeOutbox()` is the caller during the call.
    function executeCall(address to, uint256 value, bytes calldata data)
        external
        payable
        returns (bool success, bytes memory returnData)
    {
        if (!allowedOutboxes[msg.sender]) revert NotOutbox(msg.sender);
        if (msg.value != value) revert UnexpectedEth(msg.sender);
        address prevOutbox = _activeOutbox;
        _activeOutbox = msg.sender;
        // solhint-disable-next-line avoid-low-level-calls
        (success, returnData) = to.call{value: value}(data);
        _activeOutbox = prevOutbox;
        emit BridgeCallTriggered(msg.sender, to, value, data);
    }
}
