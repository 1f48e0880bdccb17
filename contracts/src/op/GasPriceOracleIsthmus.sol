// SPDX-License-Identifier: MIT
pragma solidity 0.8.15;

import { GasPriceOracle } from "src/L2/GasPriceOracle.sol";
import { Constants } from "src/libraries/Constants.sol";
import { Predeploys } from "src/libraries/Predeploys.sol";
import { L1BlockIsthmus } from "contracts/src/op/L1BlockIsthmus.sol";

/// @title GasPriceOracleIsthmus
/// @notice The GasPriceOracle predeploy with Isthmus' operator fee, on top of the audited
///         GasPriceOracle of the npm package eth-optimism/contracts-bedrock 0.17.3 (the newest release on
///         npm, which predates Isthmus). Adds exactly what the OP specification's Isthmus
///         "Predeploys" section defines for it: `isIsthmus`, `setIsthmus()` and
///         `getOperatorFee(uint256)`. `isIsthmus` packs into slot 0 after `isEcotone` and
///         `isFjord` (byte 2).
contract GasPriceOracleIsthmus is GasPriceOracle {
    /// @notice Whether the Isthmus network upgrade is active.
    bool public isIsthmus;

    /// @notice Activates Isthmus. Only the depositor account may call it, once, after Fjord.
    function setIsthmus() external {
        require(msg.sender == Constants.DEPOSITOR_ACCOUNT, "GasPriceOracle: only the depositor account can set isIsthmus flag");
        require(isFjord, "GasPriceOracle: Isthmus can only be activated after Fjord");
        require(isIsthmus == false, "GasPriceOracle: Isthmus already active");
        isIsthmus = true;
    }

    /// @notice The operator fee of a transaction that uses `_gasUsed` gas:
    ///         `operatorFeeConstant + _gasUsed * operatorFeeScalar / 1e6`, or 0 before Isthmus.
    /// @param _gasUsed Gas the transaction uses.
    /// @return The operator fee, in wei.
    function getOperatorFee(uint256 _gasUsed) external view returns (uint256) {
        if (!isIsthmus) {
            return 0;
        }
        L1BlockIsthmus l1Block = L1BlockIsthmus(Predeploys.L1_BLOCK_ATTRIBUTES);
        return _gasUsed * l1Block.operatorFeeScalar() / 1e6 + l1Block.operatorFeeConstant();
    }
}
