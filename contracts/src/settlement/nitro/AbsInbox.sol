// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AddressAliasHelper} from "@arbitrum/nitro-contracts/src/libraries/AddressAliasHelper.sol";
import {
    GasLimitTooLarge,
    InsufficientSubmissionCost,
    InsufficientValue,
    RetryableData
} from "@arbitrum/nitro-contracts/src/libraries/Error.sol";
import {L1MessageType_submitRetryableTx} from "@arbitrum/nitro-contracts/src/libraries/MessageTypes.sol";

/// @title AbsInbox
/// @notice What Arbitrum Nitro's two inboxes share (nitro-contracts 3.2.0's AbsInbox): the
///         retryable ticket's checks, refund aliasing, `RetryableData` probe and 13-word message
///         layout (kind 9), the data size limit and the `InboxMessageDelivered` event. The
///         concrete inbox says what a message's value is (ETH for `Inbox`, the rollup's ERC-20
///         gas token for `ERC20Inbox`), how it scales to L2's 18 decimals and how it reaches the
///         core; every message's sender reaches L2 aliased (Nitro's `_deliverToBridge`).
/// @dev    No signed L2 messages (`sendL2Message` & co., which the sequencer takes instead), no
///         pause, allow list or upgrade proxy; `maxDataSize` is fixed at Nitro's default.
abstract contract AbsInbox {
    /// @notice Nitro's event carrying a message's data, by message number.
    event InboxMessageDelivered(uint256 indexed messageNum, bytes data);

    /// @notice Message data above `maxDataSize`.
    error DataTooLarge(uint256 dataLength, uint256 maxDataLength);

    /// @notice The largest message data accepted (Nitro's default for L1-settled chains).
    uint256 public constant maxDataSize = 117_964;

    /// @notice The fee for storing a retryable with `dataLength` bytes of calldata at L1 base
    ///         fee `baseFee` (the current one if 0).
    function calculateRetryableSubmissionFee(uint256 dataLength, uint256 baseFee)
        public
        view
        virtual
        returns (uint256);

    /// @dev Nitro's `_createRetryableTicket`: `amount` (in the inbox's L1 units) must cover the
    ///      ticket's L2 costs once scaled to 18 decimals; contract refund addresses are aliased.
    function _createRetryableTicket(
        address to,
        uint256 l2CallValue,
        uint256 maxSubmissionCost,
        address excessFeeRefundAddress,
        address callValueRefundAddress,
        uint256 gasLimit,
        uint256 maxFeePerGas,
        uint256 amount,
        bytes calldata data
    ) internal returns (uint256) {
        uint256 deposit = _toL2Amount(amount);
        uint256 needed = maxSubmissionCost + l2CallValue + gasLimit * maxFeePerGas;
        if (deposit < needed) revert InsufficientValue(needed, deposit);
        if (excessFeeRefundAddress.code.length > 0) {
            excessFeeRefundAddress = AddressAliasHelper.applyL1ToL2Alias(excessFeeRefundAddress);
        }
        if (callValueRefundAddress.code.length > 0) {
            // The beneficiary, who may cancel the ticket on L2.
            callValueRefundAddress = AddressAliasHelper.applyL1ToL2Alias(callValueRefundAddress);
        }
        return _unsafeCreateRetryableTicket(
            to,
            l2CallValue,
            maxSubmissionCost,
            excessFeeRefundAddress,
            callValueRefundAddress,
            gasLimit,
            maxFeePerGas,
            amount,
            data
        );
    }

    /// @dev Nitro's `_unsafeCreateRetryableTicket`: the `RetryableData` probe for a gas limit or
    ///      fee of 1, the gas and submission fee checks, then the kind-9 message whose deposit
    ///      word is `amount` scaled to 18 decimals.
    function _unsafeCreateRetryableTicket(
        address to,
        uint256 l2CallValue,
        uint256 maxSubmissionCost,
        address excessFeeRefundAddress,
        address callValueRefundAddress,
        uint256 gasLimit,
        uint256 maxFeePerGas,
        uint256 amount,
        bytes calldata data
    ) internal returns (uint256) {
        // Gas limit and fee of 1 are never valid: they make eth_call surface the message.
        if (gasLimit == 1 || maxFeePerGas == 1) {
            revert RetryableData(
                msg.sender,
                to,
                l2CallValue,
                amount,
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
                _toL2Amount(amount),
                maxSubmissionCost,
                uint256(uint160(excessFeeRefundAddress)),
                uint256(uint160(callValueRefundAddress)),
                gasLimit,
                maxFeePerGas,
                data.length,
                data
            ),
            amount
        );
    }

    /// @dev Checks the data size, hands the message (sender aliased) and its `amount` to the
    ///      bridge and emits `InboxMessageDelivered`.
    function _deliverMessage(uint8 kind, address sender, bytes memory messageData, uint256 amount)
        internal
        returns (uint256 messageNum)
    {
        if (messageData.length > maxDataSize) revert DataTooLarge(messageData.length, maxDataSize);
        messageNum =
            _deliverToBridge(kind, AddressAliasHelper.applyL1ToL2Alias(sender), keccak256(messageData), amount);
        emit InboxMessageDelivered(messageNum, messageData);
    }

    /// @dev Moves `amount` into the core and adds the message to the bridge.
    function _deliverToBridge(uint8 kind, address aliasedSender, bytes32 messageDataHash, uint256 amount)
        internal
        virtual
        returns (uint256);

    /// @dev The L2 amount (18 decimals) of `amount` L1 units of the inbox's asset.
    function _toL2Amount(uint256 amount) internal view virtual returns (uint256);

    /// @dev Where a deposit from the caller goes on L2: the caller (an EOA), or its alias (a
    ///      contract, or a call not from the transaction's origin).
    function _depositDestination() internal view returns (address) {
        // solhint-disable-next-line avoid-tx-origin
        if (msg.sender.code.length > 0 || tx.origin != msg.sender) {
            return AddressAliasHelper.applyL1ToL2Alias(msg.sender);
        }
        return msg.sender;
    }
}
