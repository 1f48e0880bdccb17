// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {MerkleLib} from "@arbitrum/nitro-contracts/src/libraries/MerkleLib.sol";
import {
    AlreadySpent,
    BridgeCallFailed,
    NotRollup,
    PathNotMinimal,
    ProofTooLong,
    UnknownRoot
} from "@arbitrum/nitro-contracts/src/libraries/Error.sol";
import {IRollupCore} from "../IRollupCore.sol";
import {AbsBridge} from "./AbsBridge.sol";

/// @title AbsOutbox
/// @notice What Arbitrum Nitro's two outboxes share (nitro-contracts 3.2.0's AbsOutbox), over the
///         rollup's RollupCore: `executeTransaction` checks an L2-to-L1 message (ArbSys'
///         `L2ToL1Tx`) against a send root the rollup recorded with a core commitment, with
///         Nitro's leaf hash and MerkleLib proof, marks it spent, has the core pay its value
///         out (`finalizeWithdrawal` of the native asset, once per message, after the
///         commitment's challenge window; the core converts an L2 amount of an ERC-20 gas token
///         to exact L1 units and refuses dust) and makes the call through the bridge with
///         `l2ToL1Sender()` & co. set, as Nitro's outbox does. How the paid value travels with
///         the call is the concrete outbox's: `Outbox` (ETH) or `ERC20Outbox`.
/// @dev    Differences from Nitro's AbsOutbox, all deliberate: `roots(sendRoot)` answers the L2
///         block hash only once the root's core commitment is final (Nitro records roots when
///         the rollup confirms them); no `executeTransactionSimulation`, upgrade proxy or
///         `initialize`. The core must enable the concrete outbox as an entry point and the
///         bridge's owner allow it (`setOutbox`).
abstract contract AbsOutbox {
    /// @notice The rollup recorded a send root (Nitro's event).
    event SendRootUpdated(bytes32 indexed outputRoot, bytes32 indexed l2BlockHash);
    /// @notice A message was executed (Nitro's event; `zero` is always 0).
    event OutBoxTransactionExecuted(
        address indexed to, address indexed l2Sender, uint256 indexed zero, uint256 transactionIndex
    );

    /// @notice A send root with the L2 block it is the state of and the core commitment that
    ///         carries it.
    struct SendRoot {
        bytes32 l2BlockHash;
        uint256 commitmentIndex;
    }

    /// @notice The bridge the calls go through.
    AbsBridge public immutable bridge;
    /// @notice The rollup's settlement core.
    IRollupCore public immutable core;
    /// @notice Nitro's spent bitmap: bit `i % 256` of word `i / 256` is message `i`.
    mapping(uint256 word => bytes32 bits) public spent;
    mapping(bytes32 sendRoot => SendRoot) private _sendRoots;

    /// @dev The running message's context (Nitro's L2ToL1Context); zero outside a call.
    struct L2ToL1Context {
        uint128 l2Block;
        uint128 timestamp;
        bytes32 outputId;
        address sender;
        uint96 l1Block;
        uint256 withdrawalAmount;
    }

    L2ToL1Context internal _context;

    /// @param _bridge The rollup's bridge.
    constructor(AbsBridge _bridge) {
        bridge = _bridge;
        core = _bridge.core();
    }

    /// @notice The rollup contract (as the bridge names it).
    function rollup() public view returns (address) {
        return bridge.rollup();
    }

    /// @notice Records `sendRoot`, the send root of L2 block `l2BlockHash`, carried by core
    ///         commitment `commitmentIndex`. The rollup only, when it creates the assertion.
    function recordSendRoot(bytes32 sendRoot, bytes32 l2BlockHash, uint256 commitmentIndex) external {
        if (msg.sender != rollup()) revert NotRollup(msg.sender, rollup());
        if (_sendRoots[sendRoot].l2BlockHash == bytes32(0)) {
            _sendRoots[sendRoot] = SendRoot(l2BlockHash, commitmentIndex);
        }
        emit SendRootUpdated(sendRoot, l2BlockHash);
    }

    /// @notice The L2 block hash of a send root whose commitment is final; zero otherwise.
    function roots(bytes32 sendRoot) public view returns (bytes32) {
        SendRoot memory root = _sendRoots[sendRoot];
        if (root.l2BlockHash == bytes32(0) || !core.isFinalized(root.commitmentIndex)) return bytes32(0);
        return root.l2BlockHash;
    }

    /// @notice The L2 sender of the message being executed (zero outside a call).
    function l2ToL1Sender() external view returns (address) {
        return _context.sender;
    }

    /// @notice The L2 block of the message being executed.
    function l2ToL1Block() external view returns (uint256) {
        return _context.l2Block;
    }

    /// @notice The L1 block number ArbSys recorded for the message being executed.
    function l2ToL1EthBlock() external view returns (uint256) {
        return _context.l1Block;
    }

    /// @notice The L2 timestamp of the message being executed.
    function l2ToL1Timestamp() external view returns (uint256) {
        return _context.timestamp;
    }

    /// @notice The leaf index of the message being executed, as a word.
    function l2ToL1OutputId() external view returns (bytes32) {
        return _context.outputId;
    }

    /// @notice Executes L2-to-L1 message `index` (ArbSys' `L2ToL1Tx` fields) proven by `proof`
    ///         against a recorded send root whose commitment is final: marks it spent, takes its
    ///         value out of the core's custody and calls `to` through the bridge. Reverts with
    ///         the call's revert data if the call fails (nothing is spent then).
    function executeTransaction(
        bytes32[] calldata proof,
        uint256 index,
        address l2Sender,
        address to,
        uint256 l2Block,
        uint256 l1Block,
        uint256 l2Timestamp,
        uint256 value,
        bytes calldata data
    ) external {
        uint256 released;
        {
            uint256 commitmentIndex = _recordOutputAsSpent(
                proof, index, calculateItemHash(l2Sender, to, l2Block, l1Block, l2Timestamp, value, data)
            );
            // The core checks the commitment's window and pays the value to this contract.
            released = core.finalizeWithdrawal(withdrawalId(index), commitmentIndex, address(0), value);
        }
        L2ToL1Context memory context = L2ToL1Context({
            sender: l2Sender,
            l2Block: uint128(l2Block),
            l1Block: uint96(l1Block),
            timestamp: uint128(l2Timestamp),
            outputId: bytes32(index),
            withdrawalAmount: value
        });
        _executeImpl(context, to, released, data);
    }

    /// @dev Runs the bridge's call to `to` under `context`, restoring the previous context
    ///      after it; a failed call reverts with its revert data.
    function _executeImpl(L2ToL1Context memory context, address to, uint256 released, bytes calldata data)
        internal
    {
        L2ToL1Context memory prevContext = _context;
        _context = context;
        (bool success, bytes memory returnData) = _bridgeCall(to, released, data);
        if (!success) {
            if (returnData.length > 0) {
                // solhint-disable-next-line no-inline-assembly
                assembly {
                    revert(add(32, returnData), mload(returnData))
                }
            }
            revert BridgeCallFailed();
        }
        _context = prevContext;
        emit OutBoxTransactionExecuted(to, context.sender, 0, uint256(context.outputId));
    }

    /// @dev Has the bridge call `to` with `data`, delivering `released` (the L1 amount the core
    ///      paid to this contract).
    function _bridgeCall(address to, uint256 released, bytes calldata data)
        internal
        virtual
        returns (bool success, bytes memory returnData);

    /// @notice The id of message `index` in the core's replay protection.
    function withdrawalId(uint256 index) public view returns (bytes32) {
        return keccak256(abi.encode(address(this), index));
    }

    /// @notice Whether message `index` was executed.
    function isSpent(uint256 index) public view returns (bool) {
        return (spent[index / 256] >> (index % 256)) & bytes32(uint256(1)) != bytes32(0);
    }

    /// @notice Nitro's leaf item: keccak256 of the message's fields, packed (ArbSys' send hash).
    function calculateItemHash(
        address l2Sender,
        address to,
        uint256 l2Block,
        uint256 l1Block,
        uint256 l2Timestamp,
        uint256 value,
        bytes calldata data
    ) public pure returns (bytes32) {
        return keccak256(abi.encodePacked(l2Sender, to, l2Block, l1Block, l2Timestamp, value, data));
    }

    /// @notice The root `proof` leads to from `item` at `path` (the leaf is `keccak256(item)`).
    function calculateMerkleRoot(bytes32[] memory proof, uint256 path, bytes32 item) public pure returns (bytes32) {
        return MerkleLib.calculateRoot(proof, path, keccak256(abi.encodePacked(item)));
    }

    function _recordOutputAsSpent(bytes32[] memory proof, uint256 index, bytes32 item)
        internal
        returns (uint256 commitmentIndex)
    {
        if (proof.length >= 256) revert ProofTooLong(proof.length);
        if (index >= 2 ** proof.length) revert PathNotMinimal(index, 2 ** proof.length);
        bytes32 calcRoot = calculateMerkleRoot(proof, index, item);
        SendRoot memory root = _sendRoots[calcRoot];
        if (root.l2BlockHash == bytes32(0)) revert UnknownRoot(calcRoot);
        if (isSpent(index)) revert AlreadySpent(index);
        spent[index / 256] |= bytes32(uint256(1) << (index % 256));
        return root.commitmentIndex;
    }
}
