// SPDX-License-Identifier: MIT
pragma solidity 0.8.15;

import { ISemver } from "src/universal/ISemver.sol";
import { FeeVault } from "src/universal/FeeVault.sol";
import { Predeploys } from "src/libraries/Predeploys.sol";

/// @custom:proxied
/// @custom:predeploy 0x420000000000000000000000000000000000001B
/// @title OperatorFeeVault
/// @notice The OperatorFeeVault accumulates the operator fee of Isthmus, on top of the audited
///         FeeVault of the npm package eth-optimism/contracts-bedrock 0.17.3 (the newest release
///         on npm, which predates Isthmus), as the OP specification's Isthmus "Predeploys" and
///         network upgrade sections define it: its recipient is the BaseFeeVault, its minimum
///         withdrawal amount 0 and its withdrawal network L2, fixed in the constructor, so the
///         code its creation leaves is the same on every chain.
contract OperatorFeeVault is FeeVault, ISemver {
    /// @notice Semantic version.
    /// @custom:semver 1.0.0
    string public constant version = "1.0.0";

    /// @notice Constructs the OperatorFeeVault contract.
    constructor() FeeVault(Predeploys.BASE_FEE_VAULT, 0, WithdrawalNetwork.L2) { }
}
