// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {
    AssertionInputs,
    AssertionNode,
    AssertionState,
    AssertionStatus,
    BeforeStateData,
    ConfigData
} from "@arbitrum/nitro-contracts/src/rollup/Assertion.sol";
import {GlobalState} from "@arbitrum/nitro-contracts/src/state/GlobalState.sol";
import {MachineStatus} from "@arbitrum/nitro-contracts/src/state/Machine.sol";
import {IRollupCore} from "../IRollupCore.sol";
import {AbsBridge} from "./AbsBridge.sol";
import {AbsOutbox} from "./AbsOutbox.sol";

/// @title NitroRollup
/// @notice The rollup contract the Arbitrum SDK reads to know that a withdrawal is confirmed, with
///         the reads and events of Nitro's BoLD rollup (nitro-contracts 3.2.0 `RollupUserLogic`):
///         `latestConfirmed()`, `getAssertion(hash)` (its `createdAtBlock`) and the
///         `AssertionCreated` event, whose after state's global state carries the L2 block hash
///         and send root (`bytes32Vals`). An assertion is a core commitment: the proposer calls
///         `proposeAssertion` with an L2 block's number, hash, send root and send count; the
///         core records `keccak256(abi.encode(blockHash, sendRoot))` at that block and owns the
///         challenge window; the outbox learns the send root.
/// @dev    Differences from Nitro's rollup, all deliberate: no stakers, bonds, validators'
///         whitelist, challenge manager or one-step proofs (disputes belong to Tephra's proof
///         system, acting through the core); assertions form one chain; an assertion is
///         confirmed exactly when its core commitment is final, so `latestConfirmed()` is
///         computed (the last final one) and needs no confirming transaction. The SDK tells BoLD
///         from the legacy rollup by `extraChallengeTimeBlocks()` reverting: it is absent here.
///         Constructor: (bridge, outbox, confirmPeriodBlocks); the core must enable this
///         contract as an entry point and the bridge's owner make it the bridge's rollup.
contract NitroRollup {
    /// @notice BoLD's event for a new assertion.
    event AssertionCreated(
        bytes32 indexed assertionHash,
        bytes32 indexed parentAssertionHash,
        AssertionInputs assertion,
        bytes32 afterInboxBatchAcc,
        uint256 inboxMaxCount,
        bytes32 wasmModuleRoot,
        uint256 requiredStake,
        address challengeManager,
        uint64 confirmPeriodBlocks
    );

    /// @notice An assertion whose core commitment is `commitmentIndex`.
    struct Assertion {
        bytes32 parent;
        uint64 createdAtBlock;
        uint256 commitmentIndex;
        uint256 l2BlockNumber;
        bytes32 blockHash;
        bytes32 sendRoot;
        uint64 sendCount;
    }

    /// @notice No assertion with this hash.
    error AssertionNotFound(bytes32 assertionHash);
    /// @notice A zero block hash or send root for a non-empty tree.
    error InvalidAssertion();

    /// @notice The rollup's settlement core.
    IRollupCore public immutable core;
    /// @notice The bridge (whose `rollup()` names this contract).
    AbsBridge public immutable bridge;
    /// @notice The outbox that proves withdrawals against the send roots.
    AbsOutbox public immutable outbox;
    /// @notice L1 blocks the SDK may expect a confirmation to take (reported, not enforced: the
    ///         core's challenge window, in seconds, decides).
    uint64 public immutable confirmPeriodBlocks;
    /// @notice The genesis assertion (L2 block 0, before any send).
    bytes32 public immutable genesisAssertionHash;

    /// @dev Assertion hashes in creation order; index 0 is genesis.
    bytes32[] private _chain;
    mapping(bytes32 assertionHash => Assertion) private _assertions;

    /// @param _bridge              The rollup's Bridge or ERC20Bridge.
    /// @param _outbox              The rollup's Outbox or ERC20Outbox.
    /// @param _confirmPeriodBlocks What `confirmPeriodBlocks()` and the events report.
    constructor(AbsBridge _bridge, AbsOutbox _outbox, uint64 _confirmPeriodBlocks) {
        bridge = _bridge;
        outbox = _outbox;
        core = _bridge.core();
        confirmPeriodBlocks = _confirmPeriodBlocks;
        bytes32 genesis = _create(bytes32(0), 0, type(uint256).max, bytes32(0), bytes32(0), 0);
        genesisAssertionHash = genesis;
    }

    /// @notice The last confirmed assertion: the newest whose core commitment is final (genesis
    ///         before any is).
    function latestConfirmed() public view returns (bytes32) {
        // Final commitments are a prefix of the chain (same window, proposed in order).
        uint256 low = 0;
        uint256 high = _chain.length - 1;
        while (low < high) {
            uint256 mid = (low + high + 1) / 2;
            if (core.isFinalized(_assertions[_chain[mid]].commitmentIndex)) low = mid;
            else high = mid - 1;
        }
        return _chain[low];
    }

    /// @notice The newest assertion.
    function latestAssertion() external view returns (bytes32) {
        return _chain[_chain.length - 1];
    }

    /// @notice BoLD's assertion node: the L1 block it was created at, and its status.
    function getAssertion(bytes32 assertionHash) external view returns (AssertionNode memory node) {
        Assertion memory a = _assertions[assertionHash];
        if (a.createdAtBlock == 0) revert AssertionNotFound(assertionHash);
        node.createdAtBlock = a.createdAtBlock;
        node.isFirstChild = true;
        bool confirmed = assertionHash == genesisAssertionHash || core.isFinalized(a.commitmentIndex);
        node.status = confirmed ? AssertionStatus.Confirmed : AssertionStatus.Pending;
    }

    /// @notice The assertion's L2 block number, hash, send root and send count.
    function assertionState(bytes32 assertionHash)
        external
        view
        returns (uint256 l2BlockNumber, bytes32 blockHash, bytes32 sendRoot, uint64 sendCount)
    {
        Assertion memory a = _assertions[assertionHash];
        return (a.l2BlockNumber, a.blockHash, a.sendRoot, a.sendCount);
    }

    /// @notice The core commitment an assertion is.
    function commitmentOf(bytes32 assertionHash) external view returns (uint256) {
        return _assertions[assertionHash].commitmentIndex;
    }

    /// @notice Asserts the state of L2 block `l2BlockNumber`: its hash, its send root (header
    ///         `extraData`) and send count (`mixHash[0..8]`). Records the commitment in the core
    ///         (which checks that the caller is the proposer and the block is after the last
    ///         one's), tells the outbox the send root and emits `AssertionCreated`.
    /// @return assertionHash The new assertion's hash.
    function proposeAssertion(uint256 l2BlockNumber, bytes32 blockHash, bytes32 sendRoot, uint64 sendCount)
        external
        returns (bytes32 assertionHash)
    {
        if (blockHash == bytes32(0) || (sendCount > 0 && sendRoot == bytes32(0))) revert InvalidAssertion();
        uint256 index = core.propose(msg.sender, l2BlockNumber, keccak256(abi.encode(blockHash, sendRoot)));
        bytes32 parent = _chain[_chain.length - 1];
        assertionHash = _create(parent, l2BlockNumber, index, blockHash, sendRoot, sendCount);
        if (sendCount > 0) outbox.recordSendRoot(sendRoot, blockHash, index);
    }

    function _create(
        bytes32 parent,
        uint256 l2BlockNumber,
        uint256 commitmentIndex,
        bytes32 blockHash,
        bytes32 sendRoot,
        uint64 sendCount
    ) internal returns (bytes32 assertionHash) {
        AssertionInputs memory inputs;
        inputs.beforeStateData = BeforeStateData({
            prevPrevAssertionHash: parent == bytes32(0) ? bytes32(0) : _assertions[parent].parent,
            sequencerBatchAcc: bytes32(0),
            configData: ConfigData({
                wasmModuleRoot: bytes32(0),
                requiredStake: 0,
                challengeManager: address(0),
                confirmPeriodBlocks: confirmPeriodBlocks,
                nextInboxPosition: 0
            })
        });
        if (parent != bytes32(0)) {
            Assertion memory p = _assertions[parent];
            inputs.beforeState = _state(p.blockHash, p.sendRoot, p.sendCount);
        }
        inputs.afterState = _state(blockHash, sendRoot, sendCount);
        assertionHash = keccak256(abi.encodePacked(parent, keccak256(abi.encode(inputs.afterState)), bytes32(0)));
        _assertions[assertionHash] = Assertion({
            parent: parent,
            createdAtBlock: uint64(block.number),
            commitmentIndex: commitmentIndex,
            l2BlockNumber: l2BlockNumber,
            blockHash: blockHash,
            sendRoot: sendRoot,
            sendCount: sendCount
        });
        _chain.push(assertionHash);
        emit AssertionCreated(
            assertionHash, parent, inputs, bytes32(0), 0, bytes32(0), 0, address(0), confirmPeriodBlocks
        );
    }

    /// @dev An after state: Nitro's global state holds the block hash and send root; its u64
    ///      values (inbox position) carry the L2 block number and send count here.
    function _state(bytes32 blockHash, bytes32 sendRoot, uint64 sendCount) internal pure returns (AssertionState memory) {
        GlobalState memory global;
        global.bytes32Vals = [blockHash, sendRoot];
        global.u64Vals = [sendCount, uint64(0)];
        return AssertionState({globalState: global, machineStatus: MachineStatus.FINISHED, endHistoryRoot: bytes32(0)});
    }
}
