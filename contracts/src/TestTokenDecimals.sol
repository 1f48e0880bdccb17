// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title TestTokenDecimals
/// @notice TestToken with chosen decimals (a 6-decimal USDC-like gas token for the settlement
/// tests): a plain OpenZeppelin ERC-20, the whole supply minted to the deployer.
contract TestTokenDecimals is ERC20 {
    uint8 private immutable _decimals;

    /// @notice Creates the token and mints `initialSupply` (in base units) to the deployer.
    /// @param name_ Token name.
    /// @param symbol_ Token symbol.
    /// @param decimals_ The token's decimals.
    /// @param initialSupply Amount minted to `msg.sender`, in base units.
    constructor(string memory name_, string memory symbol_, uint8 decimals_, uint256 initialSupply)
        ERC20(name_, symbol_)
    {
        _decimals = decimals_;
        _mint(msg.sender, initialSupply);
    }

    /// @notice The token's decimals, as given to the constructor.
    function decimals() public view override returns (uint8) {
        return _decimals;
    }
}
