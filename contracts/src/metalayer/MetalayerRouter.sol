// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {IMailbox} from "@hyperlane-xyz/core/contracts/interfaces/IMailbox.sol";
import {IMessageRecipient} from "@hyperlane-xyz/core/contracts/interfaces/IMessageRecipient.sol";
import {Message} from "@hyperlane-xyz/core/contracts/libs/Message.sol";
import {TypeCasts} from "@hyperlane-xyz/core/contracts/libs/TypeCasts.sol";
import {StandardHookMetadata} from "@hyperlane-xyz/core/contracts/hooks/libs/StandardHookMetadata.sol";

import {IMetalayerRecipient, ReadOperation} from "./IMetalayerRecipient.sol";
import {IMetalayerRouter, FinalityState} from "./IMetalayerRouter.sol";
import {IMetalayerState} from "./IMetalayerState.sol";
import {MetalayerMessage} from "./MetalayerMessage.sol";

/// @title MetalayerRouter
/// @notice Caldera Metalayer's router interface on Hyperlane's unchanged Mailbox, with proven
/// reads: where Caldera's relayer reports read results, here each result is checked against the
/// certified state root of the read's chain (`MetalayerState`) before the recipient sees it.
/// @dev Sending: `dispatch` packs a `MetalayerMessage` (Caldera's layout; the nonce is the
/// origin Mailbox's) and dispatches it through the Mailbox to `routerAddresses(destination)`,
/// with `gasLimit` and the caller as refund address in the IGP's standard hook metadata.
///
/// Delivering: Hyperlane's `process(metadata, message)` hands its metadata to the ISM only, so
/// read evidence travels beside it: the relayer calls `deliver(metadata, message, proofs)` with
/// one `ReadProof` per read, in order. `deliver` proves every result, keeps them for the message
/// and calls `mailbox.process`; the Mailbox checks the GuardianIsm metadata and calls `handle`,
/// which passes the proven results to the recipient. A message with reads processed any other
/// way (directly on the Mailbox) is refused by `handle` (`ReadsNotProven`); one without reads
/// may be processed directly.
///
/// Provable reads (a read is one storage slot of its target, proven by `eth_getProof`):
/// - `extsload(bytes32 slot)`: the slot's word; result `abi.encode(bytes32)`.
/// - `balanceOf(address holder)`: an OpenZeppelin ERC-20 balance, the word at
///   `keccak256(abi.encode(holder, 0))` (OZ's `_balances` mapping at slot 0, 4.x and 5.x);
///   result `abi.encode(uint256)`. For tokens of another layout use `extsload`.
/// Any other call data is refused (`UnsupportedRead`). The relayer picks the certified height;
/// a slot absent from the trie (zero) cannot be proven by the trie library and is refused.
///
/// Routers: `routerAddresses(d)` is the router the owner enrolled for `d`, or else this
/// router's own address (a router deployed at the same address on every chain, as a predeploy,
/// needs no enrolment). `handle` accepts messages from that router only.
///
/// Finality: only INSTANT (a certified checkpoint) is supported; FINALIZED needs L1 settlement
/// checks this router does not make yet and is refused at dispatch and at delivery.
contract MetalayerRouter is IMetalayerRouter, IMessageRecipient {
    using Message for bytes;
    using TypeCasts for address;
    using TypeCasts for bytes32;

    /// @notice A read's evidence: the read chain's leaf in a certified checkpoint, the
    /// target's `accountProof`, the slot's `storageProof[i].proof`, and the claimed result.
    struct ReadProof {
        IMetalayerState.ProvenLeaf leaf;
        bytes[] accountProof;
        bytes[] storageProof;
        bytes result;
    }

    /// @notice The message version byte (Hyperlane's Mailbox version).
    uint8 public constant VERSION = 3;
    /// @notice `extsload(bytes32)`: read one storage word.
    bytes4 public constant EXTSLOAD = bytes4(keccak256("extsload(bytes32)"));
    /// @notice ERC-20 `balanceOf(address)`.
    bytes4 public constant BALANCE_OF = bytes4(keccak256("balanceOf(address)"));
    /// @notice The slot of OpenZeppelin ERC20's `_balances` mapping.
    uint256 public constant ERC20_BALANCES_SLOT = 0;

    /// @notice This chain's Hyperlane Mailbox.
    IMailbox public immutable mailbox;
    /// @notice The verifier of reads against certified state roots.
    IMetalayerState public immutable state;
    /// @notice Who enrols remote routers.
    address public owner;

    mapping(uint32 domain => address router) private _routers;
    /// @dev The delivery in progress: keccak256 of the Hyperlane body whose reads were proven,
    /// and their results. Set by `deliver`, consumed by `handle`.
    bytes32 private _pendingBody;
    bytes[] private _pendingResults;

    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    event RouterEnrolled(uint32 indexed domain, address router);
    event MetalayerDispatched(
        bytes32 indexed messageId, uint32 indexed destination, address indexed sender, bytes32 recipient, uint256 reads
    );
    event ReadsProven(bytes32 indexed messageId, uint256 reads);

    error NotOwner(address caller);
    error NotMailbox(address caller);
    error UnknownRouter(uint32 origin, bytes32 sender);
    error FinalityNotSupported(uint8 finality);
    error NotForThisRouter(bytes32 recipient);
    error ReadCountMismatch(uint256 reads, uint256 proofs);
    error UnsupportedRead(uint256 index);
    error ResultMismatch(uint256 index);
    error ReadsNotProven();
    error WrongOrigin(uint32 hyperlaneOrigin, uint32 metalayerOrigin);

    /// @param mailbox_ This chain's Mailbox.
    /// @param state_ This chain's MetalayerState.
    /// @param owner_ Who may enrol remote routers.
    constructor(IMailbox mailbox_, IMetalayerState state_, address owner_) {
        mailbox = mailbox_;
        state = state_;
        owner = owner_;
        emit OwnershipTransferred(address(0), owner_);
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    /// @notice Hands the router to `newOwner`.
    function transferOwnership(address newOwner) external onlyOwner {
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    /// @notice Names the router of `domain` (zero: this router's own address again).
    function enrollRemoteRouter(uint32 domain, address router) external onlyOwner {
        _routers[domain] = router;
        emit RouterEnrolled(domain, router);
    }

    /// @inheritdoc IMetalayerRouter
    function routerAddresses(uint32 chainDomainId) public view returns (address) {
        address router = _routers[chainDomainId];
        return router == address(0) ? address(this) : router;
    }

    /// @inheritdoc IMetalayerRouter
    function dispatch(
        uint32 destinationDomain,
        address recipientAddress,
        ReadOperation[] calldata reads,
        bytes calldata writeCallData,
        FinalityState finalityState,
        uint256 gasLimit
    ) external payable {
        _dispatch(destinationDomain, recipientAddress.addressToBytes32(), reads, writeCallData, finalityState, gasLimit);
    }

    /// @inheritdoc IMetalayerRouter
    function dispatch(
        uint32 destinationDomain,
        bytes32 recipientAddress,
        ReadOperation[] calldata reads,
        bytes calldata writeCallData,
        FinalityState finalityState,
        uint256 gasLimit
    ) external payable {
        _dispatch(destinationDomain, recipientAddress, reads, writeCallData, finalityState, gasLimit);
    }

    /// @inheritdoc IMetalayerRouter
    function quoteDispatch(
        uint32 destinationDomain,
        bytes32 recipientAddress,
        ReadOperation[] calldata reads,
        bytes calldata writeCallData,
        FinalityState finalityState,
        uint256 gasLimit
    ) external view returns (uint256) {
        return _quote(destinationDomain, recipientAddress, reads, writeCallData, finalityState, gasLimit);
    }

    /// @inheritdoc IMetalayerRouter
    function quoteDispatch(
        uint32 destinationDomain,
        address recipientAddress,
        ReadOperation[] calldata reads,
        bytes calldata writeCallData,
        FinalityState finalityState,
        uint256 gasLimit
    ) external view returns (uint256) {
        return _quote(
            destinationDomain, recipientAddress.addressToBytes32(), reads, writeCallData, finalityState, gasLimit
        );
    }

    /// @inheritdoc IMetalayerRouter
    function quoteDispatch(uint32 destinationDomain, bytes32 recipientAddress, bytes calldata messageBody)
        external
        view
        returns (uint256 fee)
    {
        return mailbox.quoteDispatch(destinationDomain, recipientAddress, messageBody);
    }

    /// @notice Proves the results of `message`'s reads, then has the Mailbox process it (which
    /// checks `metadata` with the GuardianIsm and calls `handle`). Any value is forwarded.
    /// @param metadata The GuardianIsm metadata of `message`.
    /// @param message The Hyperlane message, dispatched by a router to this one.
    /// @param proofs One proof per read of the Metalayer message, in order.
    function deliver(bytes calldata metadata, bytes calldata message, ReadProof[] calldata proofs) external payable {
        if (message.recipient() != address(this).addressToBytes32()) revert NotForThisRouter(message.recipient());
        bytes calldata body = message.body();
        ReadOperation[] memory reads = MetalayerMessage.reads(body);
        if (proofs.length != reads.length) revert ReadCountMismatch(reads.length, proofs.length);
        delete _pendingResults;
        for (uint256 i = 0; i < reads.length; ++i) {
            ReadProof calldata p = proofs[i];
            bytes32 value = state.storageAt(
                uint64(reads[i].domain), p.leaf, reads[i].target, p.accountProof, _slot(reads[i].callData, i), p.storageProof
            );
            if (keccak256(p.result) != keccak256(abi.encode(value))) revert ResultMismatch(i);
            _pendingResults.push(p.result);
        }
        _pendingBody = keccak256(body);
        emit ReadsProven(keccak256(message), reads.length);
        mailbox.process{value: msg.value}(metadata, message);
        if (_pendingBody != bytes32(0)) {
            _pendingBody = bytes32(0);
            delete _pendingResults;
        }
    }

    /// @notice Called by the Mailbox for a message it accepted: passes the write and the proven
    /// read results to the recipient application.
    function handle(uint32 origin, bytes32 sender, bytes calldata body) external payable {
        if (msg.sender != address(mailbox)) revert NotMailbox(msg.sender);
        if (sender != routerAddresses(origin).addressToBytes32()) revert UnknownRouter(origin, sender);
        if (MetalayerMessage.origin(body) != origin) revert WrongOrigin(origin, MetalayerMessage.origin(body));
        uint8 finality = MetalayerMessage.finality(body);
        if (finality != uint8(FinalityState.INSTANT)) revert FinalityNotSupported(finality);
        ReadOperation[] memory reads = MetalayerMessage.reads(body);
        bytes[] memory results = new bytes[](reads.length);
        if (reads.length > 0) {
            if (_pendingBody != keccak256(body)) revert ReadsNotProven();
            for (uint256 i = 0; i < reads.length; ++i) {
                results[i] = _pendingResults[i];
            }
            _pendingBody = bytes32(0);
            delete _pendingResults;
        }
        IMetalayerRecipient(MetalayerMessage.recipient(body).bytes32ToAddress()).handle{value: msg.value}(
            origin, MetalayerMessage.sender(body), MetalayerMessage.writeCallData(body), reads, results
        );
    }

    /// @notice The storage slot a read's `callData` reads (see the contract doc); reverts
    /// `UnsupportedRead(index)` for any other call.
    function readSlot(bytes memory callData, uint256 index) external pure returns (bytes32) {
        return _slot(callData, index);
    }

    function _slot(bytes memory callData, uint256 index) private pure returns (bytes32 slot) {
        if (callData.length != 36) revert UnsupportedRead(index);
        bytes4 selector = bytes4(callData);
        bytes32 argument;
        assembly {
            argument := mload(add(callData, 36))
        }
        if (selector == EXTSLOAD) return argument;
        if (selector == BALANCE_OF && uint256(argument) >> 160 == 0) {
            return keccak256(abi.encode(address(uint160(uint256(argument))), ERC20_BALANCES_SLOT));
        }
        revert UnsupportedRead(index);
    }

    function _body(
        uint32 destinationDomain,
        bytes32 recipientAddress,
        ReadOperation[] calldata reads,
        bytes calldata writeCallData,
        FinalityState finalityState
    ) private view returns (bytes memory) {
        if (finalityState != FinalityState.INSTANT) revert FinalityNotSupported(uint8(finalityState));
        return MetalayerMessage.format(
            VERSION,
            finalityState,
            mailbox.nonce(),
            mailbox.localDomain(),
            msg.sender.addressToBytes32(),
            destinationDomain,
            recipientAddress,
            reads,
            writeCallData
        );
    }

    function _dispatch(
        uint32 destinationDomain,
        bytes32 recipientAddress,
        ReadOperation[] calldata reads,
        bytes calldata writeCallData,
        FinalityState finalityState,
        uint256 gasLimit
    ) private {
        bytes memory body = _body(destinationDomain, recipientAddress, reads, writeCallData, finalityState);
        bytes32 id = mailbox.dispatch{value: msg.value}(
            destinationDomain,
            routerAddresses(destinationDomain).addressToBytes32(),
            body,
            StandardHookMetadata.format(0, gasLimit, msg.sender)
        );
        emit MetalayerDispatched(id, destinationDomain, msg.sender, recipientAddress, reads.length);
    }

    function _quote(
        uint32 destinationDomain,
        bytes32 recipientAddress,
        ReadOperation[] calldata reads,
        bytes calldata writeCallData,
        FinalityState finalityState,
        uint256 gasLimit
    ) private view returns (uint256) {
        bytes memory body = _body(destinationDomain, recipientAddress, reads, writeCallData, finalityState);
        return mailbox.quoteDispatch(
            destinationDomain,
            routerAddresses(destinationDomain).addressToBytes32(),
            body,
            StandardHookMetadata.format(0, gasLimit, msg.sender)
        );
    }
}
