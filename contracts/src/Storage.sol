// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title Storage
/// @notice Writes storage at predictable slots so that `eth_getStorageAt`, `eth_getProof` and
/// historical reads can be checked against known values. Slot layout: `values` is the mapping
/// at slot 0 (entry `k` lives at `keccak256(abi.encode(k, 0))`), `writes` is slot 1.
contract Storage {
    /// @notice Emitted for every entry written.
    event Written(uint256 indexed key, uint256 value);

    /// @notice `fill` was asked for more than `MAX_FILL` entries.
    error FillTooLarge(uint256 count, uint256 max);

    /// @notice Upper bound on the number of entries one `fill` call writes.
    uint256 public constant MAX_FILL = 256;

    /// @notice Stored values by key (slot 0).
    mapping(uint256 => uint256) public values;

    /// @notice Number of entries written so far (slot 1).
    uint256 public writes;

    /// @notice Sets `values[key] = value`.
    /// @param key Mapping key.
    /// @param value New value.
    function set(uint256 key, uint256 value) external {
        values[key] = value;
        writes += 1;
        emit Written(key, value);
    }

    /// @notice Writes `count` entries: `values[start + i] = uint256(keccak256(abi.encode(seed, i)))`.
    /// @param start First key.
    /// @param count Number of entries, at most `MAX_FILL`.
    /// @param seed Mixed into every value so that different calls write different values.
    function fill(uint256 start, uint256 count, uint256 seed) external {
        if (count > MAX_FILL) revert FillTooLarge(count, MAX_FILL);
        for (uint256 i = 0; i < count; ++i) {
            uint256 value = uint256(keccak256(abi.encode(seed, i)));
            values[start + i] = value;
            emit Written(start + i, value);
        }
        writes += count;
    }
}
