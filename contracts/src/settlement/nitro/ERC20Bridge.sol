// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {
    CallNotAllowed,
    CallTargetNotAllowed,
    InvalidTokenSet
} from "@arbitrum/nitro-contracts/src/libraries/Error.sol";
import {IRollupCore} from "../IRollupCore.sol";
import {AbsBridge} from "./AbsBridge.sol";

/// @title ERC20Bridge
/// @notice Arbitrum Nitro's ERC20Bridge (nitro-contracts 3.2.0 interface: Arbitrum Orbit chains
///         whose native gas token is an L1 ERC-20) as a facade over the rollup's RollupCore (see
///         AbsBridge for the delayed inbox and the outbox's calls). `nativeToken()` is the core's
///         gas token and `nativeTokenDecimals()` its decimals. Messages report an L1 base fee of
///         0, as Nitro's ERC20Bridge does (a retryable's submission fee is then 0 on L2). An
///         outbox call first pays `value` tokens to `to`, then makes the call if it has data; a
///         call to the token itself, or one that lowers the bridge's token balance, is refused.
/// @dev    Differences from Nitro's ERC20Bridge, all deliberate: the tokens of a message are not
///         held here but moved by the ERC20Inbox from the user (who approved the inbox, as the
///         SDK's `EthBridger.approveGasToken` does) straight into the core's custody, so
///         `enqueueDelayedMessage`'s `tokenFeeAmount` is the amount the inbox moved, not one this
///         bridge pulls; the tokens of a withdrawal are paid by the core to the outbox, which
///         hands them to this bridge for the call. The bridge holds no tokens between calls.
///         No ETH is accepted (every function is non-payable). Constructor: (core, owner), a
///         core whose gas token is an ERC-20; the core must enable this contract as an entry point.
contract ERC20Bridge is AbsBridge {
    using SafeERC20 for IERC20;

    /// @notice The L1 ERC-20 minted on L2 as the native currency (the core's gas token).
    address public immutable nativeToken;
    /// @notice Its decimals (the core's `gasTokenDecimals`, checked against the token).
    uint8 public immutable nativeTokenDecimals;

    /// @param _core  The rollup's RollupCore (a custom-gas-token rollup).
    /// @param _owner Sets the inboxes, outboxes and rollup.
    constructor(IRollupCore _core, address _owner) AbsBridge(_core, _owner) {
        address token = _core.gasToken();
        if (token == address(0)) revert InvalidTokenSet(token);
        nativeToken = token;
        nativeTokenDecimals = _core.gasTokenDecimals();
    }

    /// @notice Adds a message to the delayed inbox (Nitro's `enqueueDelayedMessage`) and records
    ///         it in the core's deposit queue. Allowed inboxes only, which have moved the
    ///         message's `tokenFeeAmount` into the core's custody before calling.
    /// @param kind            Nitro's L1 message kind (12 deposit, 9 retryable, ...).
    /// @param sender          The message's sender as L2 sees it (the inbox passes the alias).
    /// @param messageDataHash keccak256 of the message's data.
    /// @param tokenFeeAmount  Token units (native decimals) the message brought into the core.
    /// @return messageIndex   The message's number (its L2 request id).
    function enqueueDelayedMessage(uint8 kind, address sender, bytes32 messageDataHash, uint256 tokenFeeAmount)
        external
        returns (uint256 messageIndex)
    {
        tokenFeeAmount; // moved by the inbox, see the contract's notes
        bytes32 messageHash;
        (messageIndex, messageHash) = _addMessage(kind, sender, messageDataHash, 0);
        core.enqueueDeposit(messageHash);
    }

    /// @notice Pays `value` token units to `to` and calls it with `data` if any, for an outbox
    ///         (Nitro's `executeCall`); the outbox has handed the tokens to this bridge (the core
    ///         paid them to it). Allowed outboxes only; `activeOutbox()` is the caller during the
    ///         call.
    function executeCall(address to, uint256 value, bytes calldata data)
        external
        returns (bool success, bytes memory returnData)
    {
        return _executeCall(to, value, data);
    }

    function _executeLowLevelCall(address to, uint256 value, bytes calldata data)
        internal
        override
        returns (bool success, bytes memory returnData)
    {
        // A call to the token could move the tokens in transit (or approve them away).
        if (to == nativeToken) revert CallTargetNotAllowed(nativeToken);
        if (value > 0) IERC20(nativeToken).safeTransfer(to, value);
        success = true;
        if (data.length > 0) {
            uint256 balanceBefore = IERC20(nativeToken).balanceOf(address(this));
            // solhint-disable-next-line avoid-low-level-calls
            (success, returnData) = to.call(data);
            if (IERC20(nativeToken).balanceOf(address(this)) < balanceBefore) revert CallNotAllowed();
        }
    }
}
