// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AbsOutbox} from "./AbsOutbox.sol";
import {Bridge} from "./Bridge.sol";

/// @title Outbox
/// @notice Arbitrum Nitro's Outbox (nitro-contracts 3.2.0 interface, ETH rollups) over the
///         rollup's RollupCore (see AbsOutbox): the ETH the core pays for a message goes with
///         the bridge's call to its destination.
/// @dev    ERC-20 gas-token rollups use `ERC20Outbox`. Constructor: (bridge); the core must
///         enable this contract as an entry point and the bridge's owner allow it (`setOutbox`).
contract Outbox is AbsOutbox {
    /// @notice ETH from anyone but the core.
    error UnexpectedEth(address sender);

    /// @param _bridge The rollup's Bridge.
    constructor(Bridge _bridge) AbsOutbox(_bridge) {}

    /// @notice Only the core pays ETH in (a withdrawal's value, forwarded at once).
    receive() external payable {
        if (msg.sender != address(core)) revert UnexpectedEth(msg.sender);
    }

    function _bridgeCall(address to, uint256 released, bytes calldata data)
        internal
        override
        returns (bool success, bytes memory returnData)
    {
        return Bridge(address(bridge)).executeCall{value: released}(to, released, data);
    }
}
