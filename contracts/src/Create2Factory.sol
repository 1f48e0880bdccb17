// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Create2} from "@openzeppelin/contracts/utils/Create2.sol";

/// @title Create2Factory
/// @notice Deploys creation code at its CREATE2 address (OpenZeppelin's Create2), so that the same
/// code and salt land at the same address on every chain that runs this factory at one address.
contract Create2Factory {
    /// @notice A contract was deployed.
    /// @param deployed Its address.
    /// @param salt The salt used.
    event Deployed(address indexed deployed, bytes32 indexed salt);

    /// @notice Deploys `code` with `salt`.
    /// @param salt CREATE2 salt.
    /// @param code Creation code.
    /// @return deployed The new contract's address.
    function deploy(bytes32 salt, bytes calldata code) external payable returns (address deployed) {
        deployed = Create2.deploy(msg.value, salt, code);
        emit Deployed(deployed, salt);
    }

    /// @notice The address `deploy(salt, code)` would use.
    /// @param salt CREATE2 salt.
    /// @param codeHash keccak256 of the creation code.
    /// @return The address.
    function computeAddress(bytes32 salt, bytes32 codeHash) external view returns (address) {
        return Create2.computeAddress(salt, codeHash);
    }
}
