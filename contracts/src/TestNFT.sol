// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/// @title TestNFT
/// @notice A plain OpenZeppelin ERC-721 for end-to-end tests: anyone may mint the next token id
/// to themselves, nothing else is added.
contract TestNFT is ERC721 {
    /// @notice The id the next mint gets.
    uint256 public nextId;

    /// @notice Creates the collection.
    /// @param name_ Collection name.
    /// @param symbol_ Collection symbol.
    constructor(string memory name_, string memory symbol_) ERC721(name_, symbol_) {}

    /// @notice Mints the next token id to the caller.
    /// @return id The minted token id.
    function mint() external returns (uint256 id) {
        id = nextId++;
        _safeMint(msg.sender, id);
    }
}
