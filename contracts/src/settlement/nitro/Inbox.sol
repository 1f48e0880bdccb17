// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AddressAliasHelper} from "@arbitrum/nitro-contracts/src/libraries/AddressAliasHelper.sol";
import {
    GasLimitTooLarge,
    InsufficientSubmissionCost,
    InsufficientValue,
    RetryableData
} from "@arbitrum/nitro-contracts/src/libraries/Error.sol";
import {
    L1MessageType_ethDeposit,
    L1MessageType_submitRetryableTx
} from "@arbitrum/nitro-contracts/src/libraries/MessageTypes.sol";
import {Bridge} from "./Bridge.sol";

/// @title Inbox
/// @notice Arbitrum Nitro's Inbox (nitro-contracts 3.2.0 interface, ETH rollups) for the entry
///         points the Arbitrum SDK's deposits use: `depositEth` (message kind 12) and
///         `createRetryableTicket` / `unsafeCreateRetryableTicket` (kind 9), with Nitro's
///         checks, aliasing and message data layouts, and its `InboxMessageDelivered` event.
///         Messages go to the Bridge, whose `MessageDelivered` event and accumulator follow.
/// @dev    Differences from Nitro's Inbox, all deliberate: no signed L2 messages
///         (`sendL2Message` & co., which the sequencer takes instead), no pause, allow list or
///         upgrade proxy; `maxDataSize` is fixed at Nitro's default (117964 bytes).
///         Constructor: (bridge); the bridge's owner must then allow it (`setDelayedInbox`).
contract Inbox {
    /// @notice Nitro's event carrying a message's data, by message number.
    event InboxMessageDelivered(uint256 indexed messageNum, bytes data);

    /// @notice Message data above `maxDataSize`.
    error DataTooLarge(uint256 dataLength, uint256 maxDataLength);

    /// @notice The bridge messages go through.
    Bridge public immutable bridge;
    /// @notice The largest message data accepted (Nitro's default for L1-settled chains).
    uint256 public constant maxDataSize = 117_964;

    /// @param _bridge The rollup's Bridge.
    constructor(Bridge _bridge) {
        bridge = _bridge;
    }

    /// @notice Deposits `msg.value` to the caller on L2 (an EOA) or to its alias (a contract, or
    ///         a call not from the transaction's origin), as an L2 `ArbitrumDepositTx` (0x64).
    /// @return The message number.
    function depositEth() public payable returns (uint256) {
        address dest = msg.sender;
        // solhint-disable-next-line avoid-tx-origin
        if (msg.sender.code.length > 0 || tx.origin != msg.sender) {
            dest = AddressAliasHelper.applyL1ToL2Alias(msg.sender);
        }
        return _deliverMessage(L1MessageType_ethDeposit, msg.sender, abi.encodePacked(dest, msg.value), msg.value);
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
        if (msg.value < maxSubmissionCost + l2CallValue + gasLimit * maxFeePerGas) {
            revert InsufficientValue(maxSubmissionCost + l2CallValue + gasLimit * maxFeePerGas, msg.value);
        }
        if (excessFeeRefundAddress.code.length > 0) {
            excessFeeRefundAddress = AddressAliasHelper.applyL1ToL2Alias(excessFeeRefundAddress);
        }
        if (callValueRefundAddress.code.length > 0) {
            // The beneficiary, who may cancel the ticket on L2.
            callValueRefundAddress = AddressAliasHelper.applyL1ToL2Alias(callValueRefundAddress);
        }
        return unsafeCreateRetryableTicket(
            to, l2CallValue, maxSubmissionCost, excessFeeRefundAddress, callValueRefundAddress, gasLimit, maxFeePerGas, data
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
        // Gas limit and fee of 1 are never valid: they make eth_call surface the message.
        if (gasLimit == 1 || maxFeePerGas == 1) {
            revert RetryableData(
                msg.sender,
                to,
                l2CallValue,
                msg.value,
                maxSubmissionCost,
                excessFeeRefundAddress,
                callValueRefundAddress,
                gasLimit,
                maxFeePerGas,
                data
            );
        }
        if (gasLimit > type(uint64).max) revert GasLimitTooLarge();
        uint256 submissionFee = calculateRetryableSubmissionFee(data.length, block.basefee);
        if (maxSubmissionCost < submissionFee) revert InsufficientSubmissionCost(submissionFee, maxSubmissionCost);
        return _deliverMessage(
            L1MessageType_submitRetryableTx,
            msg.sender,
            abi.encodePacked(
                uint256(uint160(to)),
                l2CallValue,
                msg.value,
                maxSubmissionCost,
                uint256(uint160(excessFeeRefundAddress)),
                uint256(uint160(callValueRefundAddress)),
                gasLimit,
                maxFeePerGas,
                data.length,
                data
            ),
            msg.value
        );
    }

    /// @notice The fee for storing a retryable with `dataLength` bytes of calldata at L1 base
    ///         fee `baseFee` (the current one if 0): `(1400 + 6 * dataLength) * baseFee`, as
    ///         ArbOS charges it on L2.
    function calculateRetryableSubmissionFee(uint256 dataLength, uint256 baseFee) public view returns (uint256) {
        return (1400 + 6 * dataLength) * (baseFee == 0 ? block.basefee : baseFee);
    }

    function _deliverMessage(uint8 kind, address sender, bytes memory messageData, uint256 amount)
        internal
        returns (uint256 messageNum)
    {
        if (messageData.length > maxDataSize) revert DataTooLarge(messageData.length, maxDataSize);
        // Every message's sender reaches L2 aliased (Nitro's Inbox._deliverToBridge).
        messageNum = bridge.enqueueDelayedMessage{value: amount}(
            kind, AddressAliasHelper.applyL1ToL2Alias(sender), keccak256(messageData)
        );
        emit InboxMessageDelivered(messageNum, messageData);
    }
}
