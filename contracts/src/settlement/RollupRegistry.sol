// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IRollupCore} from "./IRollupCore.sol";

/// @title RollupRegistry
/// @notice The rollups settling on this L1: one RollupCore and one framework name per L2 chain
///         id. A chain id is registered once and never reassigned. One registry per L1; its owner
///         (the operator that deploys rollups) registers them.
contract RollupRegistry is Ownable2Step {
    /// @notice One registered rollup.
    struct Rollup {
        IRollupCore core;
        string framework;
    }

    /// @notice `l2ChainId` now settles through `core` under `framework`.
    event RollupRegistered(uint256 indexed l2ChainId, address indexed core, string framework);

    /// @notice The chain id is registered already.
    error ChainIdTaken(uint256 l2ChainId);
    /// @notice The core says it belongs to another chain id.
    error ChainIdMismatch(uint256 l2ChainId, uint256 coreChainId);
    /// @notice An empty framework name.
    error EmptyFramework();
    /// @notice No rollup has this chain id.
    error UnknownChainId(uint256 l2ChainId);

    mapping(uint256 l2ChainId => Rollup) private _rollups;
    uint256[] private _chainIds;

    /// @param owner_ The account allowed to register rollups.
    constructor(address owner_) Ownable(owner_) {}

    /// @notice Registers the rollup with chain id `l2ChainId`, settled by `core` (whose own
    ///         `l2ChainId()` must agree) and run under `framework` (`ethereum`, `op-stack`,
    ///         `nitro`, `zk-stack`: the profile names of `tephra --framework`). Owner only.
    /// @param l2ChainId The rollup's EIP-155 chain id.
    /// @param core The rollup's settlement core.
    /// @param framework The rollup's framework profile name.
    function register(uint256 l2ChainId, IRollupCore core, string calldata framework) external onlyOwner {
        if (address(_rollups[l2ChainId].core) != address(0)) revert ChainIdTaken(l2ChainId);
        if (bytes(framework).length == 0) revert EmptyFramework();
        uint256 coreChainId = core.l2ChainId();
        if (coreChainId != l2ChainId) revert ChainIdMismatch(l2ChainId, coreChainId);
        _rollups[l2ChainId] = Rollup({core: core, framework: framework});
        _chainIds.push(l2ChainId);
        emit RollupRegistered(l2ChainId, address(core), framework);
    }

    /// @notice Whether `l2ChainId` is registered.
    function isRegistered(uint256 l2ChainId) external view returns (bool) {
        return address(_rollups[l2ChainId].core) != address(0);
    }

    /// @notice The rollup registered under `l2ChainId`; reverts UnknownChainId if none.
    function rollup(uint256 l2ChainId) public view returns (Rollup memory) {
        Rollup memory r = _rollups[l2ChainId];
        if (address(r.core) == address(0)) revert UnknownChainId(l2ChainId);
        return r;
    }

    /// @notice The settlement core of `l2ChainId`; reverts UnknownChainId if none.
    function coreOf(uint256 l2ChainId) external view returns (IRollupCore) {
        return rollup(l2ChainId).core;
    }

    /// @notice The framework name of `l2ChainId`; reverts UnknownChainId if none.
    function frameworkOf(uint256 l2ChainId) external view returns (string memory) {
        return rollup(l2ChainId).framework;
    }

    /// @notice How many rollups are registered.
    function rollupCount() external view returns (uint256) {
        return _chainIds.length;
    }

    /// @notice The chain id registered `index`-th (0-based, registration order).
    function chainIdAt(uint256 index) external view returns (uint256) {
        return _chainIds[index];
    }
}
