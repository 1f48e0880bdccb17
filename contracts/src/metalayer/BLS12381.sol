// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

/// @title BLS12381
/// @notice BLS12-381 over the EIP-2537 precompiles, for min-pk signatures (public keys in G1,
/// signatures in G2) as blst produces them: hash-to-G2 per RFC 9380 (BLS12381G2_XMD:SHA-256_SSWU_RO_,
/// expand_message_xmd with the SHA-256 precompile, hash_to_field into two Fp2 elements reduced
/// with the MODEXP precompile, MAP_FP2_TO_G2 on each, which clears the cofactor, and their
/// G2ADD sum), G1 negation and the pairing check.
/// @dev Points use EIP-2537's encoding: a base-field element is 64 bytes big-endian (16 zero
/// bytes, then 48), Fp2 is `c0 || c1`, a point `x || y`, infinity all zeros.
library BLS12381 {
    address internal constant MODEXP = address(0x05);
    address internal constant G1ADD = address(0x0b);
    address internal constant G1MSM = address(0x0c);
    address internal constant G2ADD = address(0x0d);
    address internal constant PAIRING = address(0x0f);
    address internal constant MAP_FP2_TO_G2 = address(0x11);

    /// The base-field modulus p, as two 32-byte words of its 64-byte encoding.
    bytes32 internal constant P_HI = 0x000000000000000000000000000000001a0111ea397fe69a4b1ba7b6434bacd7;
    bytes32 internal constant P_LO = 0x64774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab;

    /// The negated G1 generator -g1 (x, p - y), the pairing check's second G1 input.
    bytes internal constant NEG_G1 = hex"0000000000000000000000000000000017f1d3a73197d7942695638c4fa9ac0f"
        hex"c3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb"
        hex"00000000000000000000000000000000114d1d6855d545a8aa7d76c8cf2e21f2"
        hex"67816aef1db507c96655b9d5caac42364e6f38ba0ecb751bad54dcd6b939c2ca";

    /// @notice A precompile refused its input (a point off the curve or outside the subgroup,
    /// a bad encoding) or is not active on this chain.
    error PrecompileFailed(address precompile);
    /// @notice A domain separation tag longer than 255 bytes.
    error DstTooLong(uint256 length);

    /// @notice Calls `precompile` with `input`; returns its `outLen` output bytes.
    function call(address precompile, bytes memory input, uint256 outLen) internal view returns (bytes memory out) {
        out = new bytes(outLen);
        bool ok;
        assembly ("memory-safe") {
            ok := staticcall(gas(), precompile, add(input, 32), mload(input), add(out, 32), outLen)
            if iszero(eq(returndatasize(), outLen)) { ok := 0 }
        }
        if (!ok) revert PrecompileFailed(precompile);
    }

    /// @notice RFC 9380 section 5.3.1 expand_message_xmd with SHA-256, 256 bytes out (what
    /// hash_to_field needs for two Fp2 elements with L = 64).
    function expandMessageXmd(bytes memory message, bytes memory dst) internal view returns (bytes memory out) {
        if (dst.length > 255) revert DstTooLong(dst.length);
        bytes memory dstPrime = abi.encodePacked(dst, uint8(dst.length));
        // msg_prime = Z_pad (64 zero bytes) || msg || l_i_b_str (256 as 2 bytes) || 0x00 || DST_prime
        bytes32 b0 = sha256(abi.encodePacked(bytes32(0), bytes32(0), message, uint16(256), uint8(0), dstPrime));
        bytes32 bi = sha256(abi.encodePacked(b0, uint8(1), dstPrime));
        out = new bytes(256);
        assembly ("memory-safe") {
            mstore(add(out, 32), bi)
        }
        for (uint256 i = 2; i <= 8; ++i) {
            bi = sha256(abi.encodePacked(b0 ^ bi, uint8(i), dstPrime));
            assembly ("memory-safe") {
                mstore(add(out, mul(i, 32)), bi)
            }
        }
    }

    /// @notice The 64 bytes of `uniform` at `offset`, as a big-endian integer, reduced mod p.
    function reduce(bytes memory uniform, uint256 offset) internal view returns (bytes memory) {
        bytes32 hi;
        bytes32 lo;
        assembly ("memory-safe") {
            hi := mload(add(add(uniform, 32), offset))
            lo := mload(add(add(uniform, 64), offset))
        }
        // MODEXP(base = the 64 bytes, exponent = 1, modulus = p): base mod p, 64 bytes.
        return call(MODEXP, abi.encodePacked(uint256(64), uint256(1), uint256(64), hi, lo, uint8(1), P_HI, P_LO), 64);
    }

    /// @notice hash_to_curve(message) onto G2 under `dst` (RFC 9380 section 3, the
    /// BLS12381G2_XMD:SHA-256_SSWU_RO_ suite), 256 bytes.
    function hashToG2(bytes memory message, bytes memory dst) internal view returns (bytes memory) {
        bytes memory u = expandMessageXmd(message, dst);
        bytes memory q0 = call(MAP_FP2_TO_G2, abi.encodePacked(reduce(u, 0), reduce(u, 64)), 256);
        bytes memory q1 = call(MAP_FP2_TO_G2, abi.encodePacked(reduce(u, 128), reduce(u, 192)), 256);
        return call(G2ADD, abi.encodePacked(q0, q1), 256);
    }

    /// @notice -P for a G1 point P (128 bytes): (x, p - y); infinity stays infinity.
    function negateG1(bytes memory point) internal pure returns (bytes memory out) {
        bytes32 xHi;
        bytes32 xLo;
        uint256 yHi;
        uint256 yLo;
        assembly ("memory-safe") {
            xHi := mload(add(point, 32))
            xLo := mload(add(point, 64))
            yHi := mload(add(point, 96))
            yLo := mload(add(point, 128))
        }
        if (yHi == 0 && yLo == 0) return point;
        unchecked {
            uint256 borrow = yLo > uint256(P_LO) ? 1 : 0;
            out = abi.encodePacked(xHi, xLo, uint256(P_HI) - yHi - borrow, uint256(P_LO) - yLo);
        }
    }

    /// @notice Whether e(publicKey, messagePoint) == e(g1, signature), checked as
    /// e(publicKey, messagePoint) * e(-g1, signature) == 1 with the pairing precompile, which
    /// also checks both G2 points are in the subgroup.
    function pairingCheck(bytes memory publicKey, bytes memory messagePoint, bytes memory signature)
        internal
        view
        returns (bool)
    {
        bytes memory out = call(PAIRING, abi.encodePacked(publicKey, messagePoint, NEG_G1, signature), 32);
        return uint256(bytes32(out)) == 1;
    }
}
