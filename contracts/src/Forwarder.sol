// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title Forwarder
/// @notice Calls a contract from a contract, passing on the ETH sent, so that tests see a
/// contract (not an EOA) as the caller: e.g. a deposit whose L2 sender must be aliased.
contract Forwarder {
    /// @notice Calls `target` with `data` and all the ETH sent; reverts with the callee's revert
    /// data if it reverts.
    /// @param target The contract to call.
    /// @param data Its calldata.
    /// @return output The call's return data.
    function forward(address target, bytes calldata data) external payable returns (bytes memory output) {
        bool success;
        (success, output) = target.call{value: msg.value}(data);
        if (!success) {
            assembly ("memory-safe") {
                revert(add(output, 32), mload(output))
            }
        }
    }
}
