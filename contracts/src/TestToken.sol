// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title TestToken
/// @notice A plain OpenZeppelin ERC-20 for end-to-end tests: the whole supply is minted to the
/// deployer, nothing else is added, so balances follow only from transfers.
contract TestToken is ERC20 {
    /// @notice Creates the token and mints `initialSupply` (in base units) to the deployer.
    /// @param name_ Token name.
    /// @param symbol_ Token symbol.
    /// @param initialSupply Amount minted to `msg.sender`, 18 decimals.
    constructor(string memory name_, string memory symbol_, uint256 initialSupply) ERC20(name_, symbol_) {
        _mint(msg.sender, initialSupply);
    }
}
