// SPDX-License-Identifier: MIT
pragma solidity 0.8.15;

import { L1Block } from "src/L2/L1Block.sol";

/// @title L1BlockIsthmus
/// @notice The L1Block predeploy with Isthmus' operator fee parameters, on top of the audited
///         L1Block of the npm package eth-optimism/contracts-bedrock 0.17.3 (the newest release, which
///         predates Isthmus). Adds exactly what the OP specification's Isthmus "L1 Block
///         Attributes" section defines: `operatorFeeScalar`, `operatorFeeConstant` and
///         `setL1BlockValuesIsthmus()`. The storage layout extends the base contract's: the two
///         new values share slot 8 (constant in its low 8 bytes, scalar in the next 4), where
///         op-revm reads them.
contract L1BlockIsthmus is L1Block {
    /// @notice The constant part of the operator fee, in wei.
    uint64 public operatorFeeConstant;

    /// @notice The scalar part of the operator fee (per million gas).
    uint32 public operatorFeeScalar;

    /// @inheritdoc L1Block
    function version() public pure override returns (string memory) {
        return string.concat(super.version(), "+isthmus");
    }

    /// @notice Updates the L1 block values for an Isthmus upgraded chain. Only the depositor
    ///         account may call it. Params are packed and passed in as raw msg.data, in the
    ///         order of `setL1BlockValuesEcotone` followed by:
    ///           10. _operatorFeeScalar   Operator fee scalar (uint32).
    ///           11. _operatorFeeConstant Operator fee constant (uint64).
    function setL1BlockValuesIsthmus() external {
        address depositor = DEPOSITOR_ACCOUNT();
        assembly {
            // Revert if the caller is not the depositor account.
            if xor(caller(), depositor) {
                mstore(0x00, 0x3cc50b45) // 0x3cc50b45 is the 4-byte selector of "NotDepositor()"
                revert(0x1C, 0x04) // returns the stored 4-byte selector from above
            }
            // sequencenum (uint64), blobBaseFeeScalar (uint32), baseFeeScalar (uint32)
            sstore(sequenceNumber.slot, shr(128, calldataload(4)))
            // number (uint64) and timestamp (uint64)
            sstore(number.slot, shr(128, calldataload(20)))
            sstore(basefee.slot, calldataload(36)) // uint256
            sstore(blobBaseFee.slot, calldataload(68)) // uint256
            sstore(hash.slot, calldataload(100)) // bytes32
            sstore(batcherHash.slot, calldataload(132)) // bytes32
            // operatorFeeScalar (uint32) and operatorFeeConstant (uint64)
            sstore(operatorFeeConstant.slot, shr(160, calldataload(164)))
        }
    }
}
