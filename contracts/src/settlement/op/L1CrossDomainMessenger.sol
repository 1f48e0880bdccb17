// SPDX-License-Identifier: MIT
pragma solidity 0.8.15;

import { Predeploys } from "src/libraries/Predeploys.sol";
import { Constants } from "src/libraries/Constants.sol";
import { CrossDomainMessenger } from "src/universal/CrossDomainMessenger.sol";
import { IRollupCore } from "../IRollupCore.sol";
import { OptimismPortal } from "./OptimismPortal.sol";

/// @title L1CrossDomainMessenger
/// @notice OP Stack's L1CrossDomainMessenger (bedrock 2.x) over the rollup's OptimismPortal:
///         bedrock's own universal CrossDomainMessenger (contracts-bedrock 0.17.3, unchanged:
///         `sendMessage`, `relayMessage`, `SentMessage`, `SentMessageExtension1`, nonces, base gas,
///         replay of failed messages) with the L1 specifics of bedrock's L1CrossDomainMessenger.
///         A message becomes a portal deposit to L2CrossDomainMessenger (0x42..07) calling
///         `relayMessage`; its `from` is this contract's aliased address, which the L2 messenger
///         checks. Any ETH sent goes with the deposit into the core's custody.
/// @dev    What differs from bedrock, and why: no proxy and no SuperchainConfig/SystemConfig
///         (there is no pause here, `paused()` is false); the portal is fixed at construction
///         (`portal()`/`PORTAL()` as bedrock's getters); the gas paying token is the core's
///         (address(0) there = ETH, reported as bedrock's Constants.ETHER). The core is an unsafe
///         target too, next to this contract and the portal.
contract L1CrossDomainMessenger is CrossDomainMessenger {
    /// @notice Semantic version: the bedrock L1CrossDomainMessenger this follows.
    string public constant version = "2.4.0";

    /// @notice The rollup's OptimismPortal.
    OptimismPortal public immutable portal;

    /// @notice The portal's settlement core.
    IRollupCore public immutable core;

    /// @param _portal The rollup's OptimismPortal; the other messenger is the L2 predeploy.
    constructor(OptimismPortal _portal) initializer {
        require(address(_portal).code.length != 0, "L1CrossDomainMessenger: portal must be a contract");
        portal = _portal;
        core = _portal.core();
        __CrossDomainMessenger_init({ _otherMessenger: CrossDomainMessenger(Predeploys.L2_CROSS_DOMAIN_MESSENGER) });
    }

    /// @notice Legacy getter of the portal (bedrock's).
    /// @return The rollup's OptimismPortal.
    function PORTAL() external view returns (OptimismPortal) {
        return portal;
    }

    /// @inheritdoc CrossDomainMessenger
    function gasPayingToken() internal view override returns (address addr_, uint8 decimals_) {
        address token = core.gasToken();
        if (token == address(0)) return (Constants.ETHER, 18);
        return (token, core.gasTokenDecimals());
    }

    /// @inheritdoc CrossDomainMessenger
    function _sendMessage(address _to, uint64 _gasLimit, uint256 _value, bytes memory _data) internal override {
        portal.depositTransaction{ value: _value }({
            _to: _to,
            _value: _value,
            _gasLimit: _gasLimit,
            _isCreation: false,
            _data: _data
        });
    }

    /// @inheritdoc CrossDomainMessenger
    function _isOtherMessenger() internal view override returns (bool) {
        return msg.sender == address(portal) && portal.l2Sender() == address(otherMessenger);
    }

    /// @inheritdoc CrossDomainMessenger
    function _isUnsafeTarget(address _target) internal view override returns (bool) {
        return _target == address(this) || _target == address(portal) || _target == address(core);
    }
}
