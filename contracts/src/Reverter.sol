// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @notice Raised by `Reverter.failCustom` and `Reverter.writeThenFail`.
/// @param caller The caller of the reverting function.
/// @param code The code the caller passed in.
error Unauthorized(address caller, uint256 code);

/// @title Reverter
/// @notice Reverts in each of the ways a client must decode: a custom error, `Error(string)`
/// through `revert` and through `require`, and `Panic(uint256)`.
contract Reverter {
    /// @notice Last value stored by `store`; `writeThenFail` writes it before reverting.
    uint256 public stored;

    /// @notice Emitted by `store`.
    event Stored(uint256 value);

    /// @notice Stores `value`.
    /// @param value The new value of `stored`.
    function store(uint256 value) external {
        stored = value;
        emit Stored(value);
    }

    /// @notice Always reverts with `Unauthorized(msg.sender, code)`.
    /// @param code Echoed in the error.
    function failCustom(uint256 code) external view {
        revert Unauthorized(msg.sender, code);
    }

    /// @notice Always reverts with `Error(reason)`.
    /// @param reason The revert reason.
    function failString(string calldata reason) external pure {
        revert(reason);
    }

    /// @notice Returns `x * 2`; reverts with `Error("x too large")` when `x >= 10`.
    /// @param x Input.
    /// @return Twice `x`.
    function checked(uint256 x) external pure returns (uint256) {
        require(x < 10, "x too large");
        return x * 2;
    }

    /// @notice Reverts with `Panic(0x12)` (division by zero) when `d == 0`.
    /// @param n Numerator.
    /// @param d Denominator.
    /// @return `n / d`.
    function divide(uint256 n, uint256 d) external pure returns (uint256) {
        return n / d;
    }

    /// @notice Writes `stored`, emits, then reverts with `Unauthorized`: the write and the log
    /// must both be undone, and the gas spent before the revert is still charged.
    /// @param value Written, then rolled back.
    function writeThenFail(uint256 value) external {
        stored = value;
        emit Stored(value);
        revert Unauthorized(msg.sender, value);
    }
}
