// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AbsOutbox} from "./AbsOutbox.sol";
import {ERC20Bridge} from "./ERC20Bridge.sol";

/// @title ERC20Outbox
/// @notice Arbitrum Nitro's ERC20Outbox (nitro-contracts 3.2.0 interface: rollups whose native
///         gas token is an L1 ERC-20) over the rollup's RollupCore (see AbsOutbox). A message's
///         value is an L2 amount of the native token (18 decimals): the core pays its exact L1
///         amount in the gas token (refusing one with dust below one token unit, so the message
///         stays unspent) to this contract, which hands it to the ERC20Bridge, which pays it to
///         the destination before making the call. `l2ToL1WithdrawalAmount()` is the message's
///         L2 value during the call, as in Nitro.
/// @dev    Differences from Nitro's ERC20Outbox, all deliberate: the tokens come from the core's
///         custody, not the bridge's, and an amount that does not convert exactly is refused
///         rather than rounded down. No ETH is accepted. Constructor: (bridge), an ERC20Bridge;
///         the core must enable this contract as an entry point and the bridge's owner allow it
///         (`setOutbox`).
contract ERC20Outbox is AbsOutbox {
    using SafeERC20 for IERC20;

    /// @notice The rollup's native gas token on L1.
    IERC20 public immutable nativeToken;

    /// @param _bridge The rollup's ERC20Bridge.
    constructor(ERC20Bridge _bridge) AbsOutbox(_bridge) {
        nativeToken = IERC20(_bridge.nativeToken());
    }

    /// @notice The L2 value (18 decimals) of the message being executed; 0 outside a call.
    function l2ToL1WithdrawalAmount() external view returns (uint256) {
        return _context.withdrawalAmount;
    }

    function _bridgeCall(address to, uint256 released, bytes calldata data)
        internal
        override
        returns (bool success, bytes memory returnData)
    {
        if (released > 0) nativeToken.safeTransfer(address(bridge), released);
        return ERC20Bridge(address(bridge)).executeCall(to, released, data);
    }
}
