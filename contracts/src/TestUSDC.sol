// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title TestUSDC
/// @notice A USDC-like ERC-20 with 6 decimals: the test token of a `tephra up` network, which a
///         rollup may take as its custom gas token.
contract TestUSDC is ERC20 {
    /// @param holders Accounts given `amount` each.
    /// @param amount Units (6 decimals) minted to each holder.
    constructor(address[] memory holders, uint256 amount) ERC20("USD Coin (test)", "USDC") {
        for (uint256 i = 0; i < holders.length; i++) {
            _mint(holders[i], amount);
        }
    }

    function decimals() public pure override returns (uint8) {
        return 6;
    }
}
