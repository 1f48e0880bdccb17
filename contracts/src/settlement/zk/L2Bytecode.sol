// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title L2Bytecode
/// @notice ZKsync's versioned hash of an L2 bytecode (era-contracts' L2ContractHelper
///         `hashL2Bytecode` / `hashFactoryDeps`; zksync-ethers' `utils.hashBytecode`): `0x01 0x00`,
///         the length in 32-byte words (big-endian uint16), then the last 28 bytes of the
///         bytecode's SHA-256.
library L2Bytecode {
    /// @notice Why a bytecode has no hash: its length is not a multiple of 32 bytes (0), it has
    ///         2^16 words or more (1), or an even number of words (2).
    error MalformedBytecode(uint8 reason);

    /// @notice The versioned hash of `_bytecode`.
    function hashL2Bytecode(bytes memory _bytecode) internal pure returns (bytes32 hashedBytecode) {
        if (_bytecode.length % 32 != 0) revert MalformedBytecode(0);
        uint256 words = _bytecode.length / 32;
        if (words >= 2 ** 16) revert MalformedBytecode(1);
        if (words % 2 == 0) revert MalformedBytecode(2);
        hashedBytecode = sha256(_bytecode) & 0x00000000FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF;
        hashedBytecode |= bytes32(uint256(1 << 248));
        hashedBytecode |= bytes32(words << 224);
    }

    /// @notice The hashes of `_factoryDeps`, in order (the caller bounds their number).
    function hashFactoryDeps(bytes[] memory _factoryDeps) internal pure returns (uint256[] memory hashes) {
        hashes = new uint256[](_factoryDeps.length);
        for (uint256 i = 0; i < _factoryDeps.length; ++i) {
            hashes[i] = uint256(hashL2Bytecode(_factoryDeps[i]));
        }
    }
}
