// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";

/// @title EraToken
/// @notice ERA, the token Metalayer guardians stake in the `GuardianRegistry` (and which a
/// slashing burns). OpenZeppelin's ERC-20 with its burnable extension: a fixed supply of
/// `INITIAL_SUPPLY`, minted once to the holder the deployer names; nobody can mint more, any
/// holder can burn its own. Vesting, votes, airdrop and the fee distributor come later, on top.
contract EraToken is ERC20, ERC20Burnable {
    /// @notice The whole supply, minted at deployment: one billion ERA, 18 decimals.
    uint256 public constant INITIAL_SUPPLY = 1_000_000_000 ether;

    /// @param holder Receives the whole supply.
    constructor(address holder) ERC20("Era", "ERA") {
        _mint(holder, INITIAL_SUPPLY);
    }
}
