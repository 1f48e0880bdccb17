// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IRollupCore} from "../IRollupCore.sol";
import {AbsBridge} from "./AbsBridge.sol";

/// @title Bridge
/// @notice Arbitrum Nitro's Bridge (nitro-contracts 3.2.0 interface, ETH rollups) as a facade
///         over the rollup's RollupCore (see AbsBridge for the delayed inbox and the outbox's
///         calls). The ETH of every message goes straight into the core's custody
///         (`enqueueDeposit`, with the Nitro message hash as the deposit's digest); the bridge
///         holds none between calls. Messages report the L1 base fee, as Nitro's ETH bridge does.
/// @dev    ERC-20 gas-token rollups are served by `ERC20Bridge`: this bridge refuses a core whose
///         gas token is not ETH. Constructor: (core, owner); the core must enable this contract
///         as an entry point.
contract Bridge is AbsBridge {
    /// @notice The core is a custom-gas-token rollup: this bridge moves ETH only.
    error GasTokenNotSupported(address gasToken);
    /// @notice ETH sent to the bridge outside an outbox call.
    error UnexpectedEth(address sender);

    /// @param _core  The rollup's RollupCore (an ETH rollup).
    /// @param _owner Sets the inboxes, outboxes and rollup.
    constructor(IRollupCore _core, address _owner) AbsBridge(_core, _owner) {
        if (_core.gasToken() != address(0)) revert GasTokenNotSupported(_core.gasToken());
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
        bytes32 messageHash;
        (messageIndex, messageHash) = _addMessage(kind, sender, messageDataHash, block.basefee);
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
        if (msg.value != value) revert UnexpectedEth(msg.sender);
        return _executeCall(to, value, data);
    }

    function _executeLowLevelCall(address to, uint256 value, bytes calldata data)
        internal
        override
        returns (bool success, bytes memory returnData)
    {
        // solhint-disable-next-line avoid-low-level-calls
        (success, returnData) = to.call{value: value}(data);
    }
}
