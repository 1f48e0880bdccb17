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
import {CheckpointTree} from "./CheckpointTree.sol";
import {GuardianIsm} from "./GuardianIsm.sol";

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
/// Read evidence, of one of two kinds (`Evidence`), against the read chain's leaf in a certified
/// checkpoint:
/// - `STORAGE_PROOF`: `eth_getProof` account and storage proofs of one slot of the target, for
///   two kinds of call data: `extsload(bytes32 slot)` (the slot's word; result
///   `abi.encode(bytes32)`) and `balanceOf(address holder)` of an OpenZeppelin ERC-20 (the word
///   at `keccak256(abi.encode(holder, 0))`, OZ's `_balances` mapping at slot 0, 4.x and 5.x;
///   result `abi.encode(uint256)`); other call data is refused (`UnsupportedRead`). A slot absent
///   from the trie (zero) has no such proof.
/// - `CALL_WITNESS`: any call data. The read runs as a static call from the zero address with
///   `READ_GAS`, re-executed by `MetalayerState.staticCallAt` from the call's execution witness
///   (`tephra_callWitness` on the read's chain) on the certified block; the result is the call's
///   return data, as an `eth_call` returns it. A read that reverts there is refused
///   (`ReadFailed`, with its revert data): it has no result to deliver.
/// The relayer picks the kind and the certified height; the result it claims must be the proven
/// one (`ResultMismatch`).
///
/// Routers: `routerAddresses(d)` is the router the owner enrolled for `d`, or else this
/// router's own address (a router deployed at the same address on every chain, as a predeploy,
/// needs no enrolment). `handle` accepts messages from that router only.
///
/// Finality: an INSTANT message (and its reads) is proven against any certified leaf of its
/// chain: a sequencer head the guardians verified, or its settled head. A FINALIZED message must be delivered through
/// `deliver` with GuardianIsm metadata whose origin leaf is the origin's settled-on-L1 leaf
/// (CheckpointTree's `FINALIZED` bit), and its reads are proven against settled leaves too
/// (`NotFinalized` otherwise); processed directly on the Mailbox it is refused (`NotFinalized`).
contract MetalayerRouter is IMetalayerRouter, IMessageRecipient {
    using Message for bytes;
    using TypeCasts for address;
    using TypeCasts for bytes32;

    /// @notice The kinds of read evidence (see the contract doc).
    enum Evidence {
        STORAGE_PROOF,
        CALL_WITNESS
    }

    /// @notice A read's evidence: the read chain's leaf in a certified checkpoint, the kind of
    /// evidence and its ABI encoding, and the claimed result. `STORAGE_PROOF`:
    /// `abi.encode(bytes[] accountProof, bytes[] storageProof)` (`eth_getProof`'s `accountProof`
    /// and the slot's `storageProof[i].proof`); `CALL_WITNESS`:
    /// `abi.encode(IMetalayerState.CallWitness)` (the leaf block's header RLP and the call's witness).
    struct ReadProof {
        IMetalayerState.ProvenLeaf leaf;
        Evidence kind;
        bytes evidence;
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
    /// @notice The gas a `CALL_WITNESS` read runs with (as the relayer's `tephra_callWitness`).
    uint64 public constant READ_GAS = 1_000_000;

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
    error NotFinalized(uint64 chainId);
    error NotForThisRouter(bytes32 recipient);
    error ReadCountMismatch(uint256 reads, uint256 proofs);
    error UnsupportedRead(uint256 index);
    error ResultMismatch(uint256 index);
    error ReadFailed(uint256 index, bytes revertData);
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
        uint64 settled = 0;
        if (MetalayerMessage.finality(body) == uint8(FinalityState.FINALIZED)) {
            settled = CheckpointTree.FINALIZED;
            uint64 leafChain = abi.decode(metadata, (GuardianIsm.Metadata)).leaf.chainId;
            if (leafChain != uint64(message.origin()) | settled) revert NotFinalized(leafChain);
        }
        ReadOperation[] memory reads = MetalayerMessage.reads(body);
        if (proofs.length != reads.length) revert ReadCountMismatch(reads.length, proofs.length);
        delete _pendingResults;
        for (uint256 i = 0; i < reads.length; ++i) {
            if (keccak256(proofs[i].result) != keccak256(_prove(reads[i], proofs[i], i, settled))) {
                revert ResultMismatch(i);
            }
            _pendingResults.push(proofs[i].result);
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
        if (finality > uint8(FinalityState.FINALIZED)) revert FinalityNotSupported(finality);
        bool finalized = finality == uint8(FinalityState.FINALIZED);
        if (finalized && _pendingBody != keccak256(body)) revert NotFinalized(uint64(origin));
        ReadOperation[] memory reads = MetalayerMessage.reads(body);
        bytes[] memory results = new bytes[](reads.length);
        if (reads.length > 0 || finalized) {
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

    /// @notice The result of `read` (the `index`-th of its message) that `p` proves, against a
    /// leaf of the read's chain: its settled-on-L1 leaf if `settled` is the FINALIZED bit, else
    /// either leaf.
    function _prove(ReadOperation memory read, ReadProof calldata p, uint256 index, uint64 settled)
        private
        view
        returns (bytes memory)
    {
        uint64 chain = uint64(read.domain) | (settled | (p.leaf.leaf.chainId & CheckpointTree.FINALIZED));
        if (p.kind == Evidence.STORAGE_PROOF) {
            (bytes[] memory accountProof, bytes[] memory storageProof) = abi.decode(p.evidence, (bytes[], bytes[]));
            bytes32 slot = _slot(read.callData, index);
            return abi.encode(state.storageAt(chain, p.leaf, read.target, accountProof, slot, storageProof));
        }
        IMetalayerState.CallWitness memory witness = abi.decode(p.evidence, (IMetalayerState.CallWitness));
        IMetalayerState.StaticCall memory call = IMetalayerState.StaticCall(address(0), read.target, read.callData, READ_GAS);
        (bool success, bytes memory output) = state.staticCallAt(chain, p.leaf, call, witness);
        if (!success) revert ReadFailed(index, output);
        return output;
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
