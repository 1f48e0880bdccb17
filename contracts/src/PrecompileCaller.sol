// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title PrecompileCaller
/// @notice Calls a precompile (or any contract) from a contract, returns what it returned, and in
/// `record` keeps a digest of it in storage and in a log, so that tests compare return values,
/// storage and logs of the same calls across chains.
contract PrecompileCaller {
    /// @notice Digest of the last output `record` saw, per target.
    mapping(address => bytes32) public outputHash;

    /// @notice `record` called `target`.
    /// @param target The contract called.
    /// @param success Whether the call succeeded.
    /// @param output Its return data.
    event Called(address indexed target, bool success, bytes output);

    /// @notice Static-calls `target` with `input`.
    /// @param target The precompile.
    /// @param input Its input.
    /// @return success Whether the call succeeded.
    /// @return output Its return data.
    function query(address target, bytes calldata input) external view returns (bool success, bytes memory output) {
        (success, output) = target.staticcall(input);
    }

    /// @notice Calls `target` with `input`, stores the output's keccak256 and logs the output.
    /// @param target The precompile.
    /// @param input Its input.
    /// @return success Whether the call succeeded.
    /// @return output Its return data.
    function record(address target, bytes calldata input) external returns (bool success, bytes memory output) {
        (success, output) = target.staticcall(input);
        outputHash[target] = keccak256(output);
        emit Called(target, success, output);
    }
}
