// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {L1MessageType_ethDeposit} from "@arbitrum/nitro-contracts/src/libraries/MessageTypes.sol";
import {AbsInbox} from "./AbsInbox.sol";
import {Bridge} from "./Bridge.sol";

/// @title Inbox
/// @notice Arbitrum Nitro's Inbox (nitro-contracts 3.2.0 interface, ETH rollups) for the entry
///         points the Arbitrum SDK's deposits use: `depositEth` (message kind 12) and
///         `createRetryableTicket` / `unsafeCreateRetryableTicket` (kind 9), with Nitro's
///         checks, aliasing and message data layouts, and its `InboxMessageDelivered` event
///         (see AbsInbox). Messages go to the Bridge, whose `MessageDelivered` event and
///         accumulator follow; their ETH goes with them into the core.
/// @dev    Differences from Nitro's Inbox, all deliberate: no signed L2 messages
///         (`sendL2Message` & co., which the sequencer takes instead), no pause, allow list or
///         upgrade proxy; `maxDataSize` is fixed at Nitro's default (117964 bytes).
///         ERC-20 gas-token rollups use `ERC20Inbox`.
///         Constructor: (bridge); the bridge's owner must then allow it (`setDelayedInbox`).
contract Inbox is AbsInbox {
    /// @notice The bridge messages go through.
    Bridge public immutable bridge;

    /// @param _bridge The rollup's Bridge.
    constructor(Bridge _bridge) {
        bridge = _bridge;
    }

    /// @notice Deposits `msg.value` to the caller on L2 (an EOA) or to its alias (a contract, or
    ///         a call not from the transaction's origin), as an L2 `ArbitrumDepositTx` (0x64).
    /// @return The message number.
    function depositEth() public payable returns (uint256) {
        return _deliverMessage(
            L1MessageType_ethDeposit, msg.sender, abi.encodePacked(_depositDestination(), msg.value), msg.value
        );
    }

    /// @notice Creates a retryable ticket on L2 (an `ArbitrumSubmitRetryableTx`, 0x69) that calls
    ///         `to` with `l2CallValue` and `data`, auto-redeemed with `gasLimit` at up to
    ///         `maxFeePerGas` if funded. `msg.value` must cover `maxSubmissionCost + l2CallValue
    ///         + gasLimit * maxFeePerGas`; contract refund addresses are aliased. A gas limit or
    ///         fee of 1 reverts with `RetryableData` (how the SDK reads the message's fields).
    /// @return The message number, from which the ticket id follows.
    function createRetryableTicket(
        address to,
        uint256 l2CallValue,
        uint256 maxSubmissionCost,
        address excessFeeRefundAddress,
        address callValueRefundAddress,
        uint256 gasLimit,
        uint256 maxFeePerGas,
        bytes calldata data
    ) external payable returns (uint256) {
        return _createRetryableTicket(
            to,
            l2CallValue,
            maxSubmissionCost,
            excessFeeRefundAddress,
            callValueRefundAddress,
            gasLimit,
            maxFeePerGas,
            msg.value,
            data
        );
    }

    /// @notice `createRetryableTicket` without the deposit check and without aliasing the
    ///         refund addresses (Nitro's "unsafe" variant).
    /// @return The message number.
    function unsafeCreateRetryableTicket(
        address to,
        uint256 l2CallValue,
        uint256 maxSubmissionCost,
        address excessFeeRefundAddress,
        address callValueRefundAddress,
        uint256 gasLimit,
        uint256 maxFeePerGas,
        bytes calldata data
    ) public payable returns (uint256) {
        return _unsafeCreateRetryableTicket(
            to,
            l2CallValue,
            maxSubmissionCost,
            excessFeeRefundAddress,
            callValueRefundAddress,
            gasLimit,
            maxFeePerGas,
            msg.value,
            data
        );
    }

    /// @notice The fee for storing a retryable with `dataLength` bytes of calldata at L1 base
    ///         fee `baseFee` (the current one if 0): `(1400 + 6 * dataLength) * baseFee`, as
    ///         ArbOS charges it on L2.
    function calculateRetryableSubmissionFee(uint256 dataLength, uint256 baseFee)
        public
        view
        override
        returns (uint256)
    {
        return (1400 + 6 * dataLength) * (baseFee == 0 ? block.basefee : baseFee);
    }

    function _deliverToBridge(uint8 kind, address aliasedSender, bytes32 messageDataHash, uint256 amount)
        internal
        override
        returns (uint256)
    {
        return bridge.enqueueDelayedMessage{value: amount}(kind, aliasedSender, messageDataHash);
    }

    /// @dev ETH has 18 decimals on both sides.
    function _toL2Amount(uint256 amount) internal pure override returns (uint256) {
        return amount;
    }
}
