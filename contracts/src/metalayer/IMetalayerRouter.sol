// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity >=0.8.0;

import {ReadOperation} from "./IMetalayerRecipient.sol";

/// @notice The finality a message waits for before it is valid (Caldera Metalayer's enum).
enum FinalityState {
    INSTANT,
    FINALIZED
}

/// @title IMetalayerRouter
/// @notice Caldera Metalayer's router interface, with the same function signatures (and so
/// selectors), so applications written against it port unchanged.
interface IMetalayerRouter {
    /// @notice Sends `writeCallData` and `reads` to `recipientAddress` on `destinationDomain`.
    function dispatch(
        uint32 destinationDomain,
        address recipientAddress,
        ReadOperation[] calldata reads,
        bytes calldata writeCallData,
        FinalityState finalityState,
        uint256 gasLimit
    ) external payable;

    /// @notice `dispatch` with the recipient as bytes32.
    function dispatch(
        uint32 destinationDomain,
        bytes32 recipientAddress,
        ReadOperation[] calldata reads,
        bytes calldata writeCallData,
        FinalityState finalityState,
        uint256 gasLimit
    ) external payable;

    /// @notice The fee `dispatch` takes for the same arguments.
    function quoteDispatch(
        uint32 destinationDomain,
        bytes32 recipientAddress,
        ReadOperation[] calldata reads,
        bytes calldata writeCallData,
        FinalityState finalityState,
        uint256 gasLimit
    ) external view returns (uint256);

    /// @notice `quoteDispatch` with the recipient as an address.
    function quoteDispatch(
        uint32 destinationDomain,
        address recipientAddress,
        ReadOperation[] calldata reads,
        bytes calldata writeCallData,
        FinalityState finalityState,
        uint256 gasLimit
    ) external view returns (uint256);

    /// @notice The Mailbox's quote for a raw Hyperlane body with the default hook and metadata.
    function quoteDispatch(uint32 destinationDomain, bytes32 recipientAddress, bytes calldata messageBody)
        external
        view
        returns (uint256 fee);

    /// @notice The router that messages to or from `chainDomainId` are exchanged with.
    function routerAddresses(uint32 chainDomainId) external view returns (address routerAddress);
}
