// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AmountTooLarge} from "@arbitrum/nitro-contracts/src/libraries/Error.sol";
import {MAX_UPSCALE_AMOUNT} from "@arbitrum/nitro-contracts/src/libraries/Constants.sol";
import {L1MessageType_ethDeposit} from "@arbitrum/nitro-contracts/src/libraries/MessageTypes.sol";
import {IRollupCore} from "../IRollupCore.sol";
import {AbsInbox} from "./AbsInbox.sol";
import {ERC20Bridge} from "./ERC20Bridge.sol";

/// @title ERC20Inbox
/// @notice Arbitrum Nitro's ERC20Inbox (nitro-contracts 3.2.0 interface: rollups whose native
///         gas token is an L1 ERC-20) for the entry points the Arbitrum SDK's deposits use:
///         `depositERC20(amount)` (message kind 12, an L2 `ArbitrumDepositTx`, 0x64) and
///         `createRetryableTicket` / `unsafeCreateRetryableTicket` with `tokenTotalFeeAmount`
///         (kind 9), with Nitro's checks, aliasing and message layouts (see AbsInbox). Amounts
///         are given in the token's own decimals and written into the messages scaled to L2's
///         18 (exactly: the core's `toL2Amount`), as nitro-contracts 3.x does for a native token
///         of other decimals; the retryable submission fee is 0, as Nitro's ERC20Inbox has it.
///         The tokens are pulled from the caller, who approved this inbox (the SDK's
///         `EthBridger.approveGasToken`), straight into the core's custody: a deposit without
///         allowance reverts and moves nothing. ETH is refused (no function is payable).
/// @dev    Differences from Nitro's ERC20Inbox, all deliberate: the inbox holds no tokens (Nitro's
///         keeps a pre-funded balance and lets the bridge pull from it), so every message's
///         tokens come from the caller; no signed L2 messages, pause, allow list or upgrade
///         proxy. Constructor: (bridge), an ERC20Bridge; its owner must then allow this inbox
///         (`setDelayedInbox`). The inbox is not an entry point of the core.
contract ERC20Inbox is AbsInbox {
    using SafeERC20 for IERC20;

    /// @notice The core's balance of the token did not grow by the amount moved (a token with a
    ///         transfer fee, which Nitro does not support as a native token either).
    error TransferFailed(uint256 expected, uint256 received);

    /// @notice The bridge messages go through.
    ERC20Bridge public immutable bridge;
    /// @notice The rollup's settlement core, custodian of the tokens.
    IRollupCore public immutable core;
    /// @notice The rollup's native gas token on L1.
    IERC20 public immutable nativeToken;
    /// @dev Whether the token has fewer than 18 decimals (amounts are then scaled up).
    bool private immutable _scaled;

    /// @param _bridge The rollup's ERC20Bridge.
    constructor(ERC20Bridge _bridge) {
        bridge = _bridge;
        core = _bridge.core();
        nativeToken = IERC20(_bridge.nativeToken());
        _scaled = _bridge.nativeTokenDecimals() < 18;
    }

    /// @notice Deposits `amount` token units (native decimals) from the caller to the caller on
    ///         L2 (an EOA) or to its alias (a contract, or a call not from the transaction's
    ///         origin), minted there as `amount` scaled to 18 decimals.
    /// @return The message number.
    function depositERC20(uint256 amount) public returns (uint256) {
        return _deliverMessage(
            L1MessageType_ethDeposit, msg.sender, abi.encodePacked(_depositDestination(), _toL2Amount(amount)), amount
        );
    }

    /// @notice Creates a retryable ticket on L2 (an `ArbitrumSubmitRetryableTx`, 0x69) that calls
    ///         `to` with `l2CallValue` and `data`, auto-redeemed with `gasLimit` at up to
    ///         `maxFeePerGas` if funded. `tokenTotalFeeAmount` (native decimals) is pulled from
    ///         the caller and must cover `maxSubmissionCost + l2CallValue + gasLimit *
    ///         maxFeePerGas` (18 decimals) once scaled; contract refund addresses are aliased. A
    ///         gas limit or fee of 1 reverts with `RetryableData`.
    /// @return The message number, from which the ticket id follows.
    function createRetryableTicket(
        address to,
        uint256 l2CallValue,
        uint256 maxSubmissionCost,
        address excessFeeRefundAddress,
        address callValueRefundAddress,
        uint256 gasLimit,
        uint256 maxFeePerGas,
        uint256 tokenTotalFeeAmount,
        bytes calldata data
    ) external returns (uint256) {
        return _createRetryableTicket(
            to,
            l2CallValue,
            maxSubmissionCost,
            excessFeeRefundAddress,
            callValueRefundAddress,
            gasLimit,
            maxFeePerGas,
            tokenTotalFeeAmount,
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
        uint256 tokenTotalFeeAmount,
        bytes calldata data
    ) public returns (uint256) {
        return _unsafeCreateRetryableTicket(
            to,
            l2CallValue,
            maxSubmissionCost,
            excessFeeRefundAddress,
            callValueRefundAddress,
            gasLimit,
            maxFeePerGas,
            tokenTotalFeeAmount,
            data
        );
    }

    /// @notice 0: a retryable's submission fee is not charged when the gas token is an ERC-20
    ///         (the bridge reports an L1 base fee of 0), as in Nitro's ERC20Inbox.
    function calculateRetryableSubmissionFee(uint256, uint256) public pure override returns (uint256) {
        return 0;
    }

    /// @dev Pulls `amount` from the caller into the core (checking the core received exactly
    ///      that), then adds the message to the bridge.
    function _deliverToBridge(uint8 kind, address aliasedSender, bytes32 messageDataHash, uint256 amount)
        internal
        override
        returns (uint256)
    {
        if (amount > 0) {
            uint256 before = nativeToken.balanceOf(address(core));
            nativeToken.safeTransferFrom(msg.sender, address(core), amount);
            uint256 received = nativeToken.balanceOf(address(core)) - before;
            if (received != amount) revert TransferFailed(amount, received);
        }
        return bridge.enqueueDelayedMessage(kind, aliasedSender, messageDataHash, amount);
    }

    /// @dev Exact: the core's scale, `10**(18 - decimals)`; Nitro's overflow bound first for a
    ///      token that is scaled up.
    function _toL2Amount(uint256 amount) internal view override returns (uint256) {
        if (_scaled && amount > MAX_UPSCALE_AMOUNT) revert AmountTooLarge(amount);
        return core.toL2Amount(amount);
    }
}
