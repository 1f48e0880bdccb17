// SPDX-License-Identifier: MIT
pragma solidity 0.8.15;

import { Types } from "src/libraries/Types.sol";
import { IRollupCore } from "../IRollupCore.sol";

/// @title L2OutputOracle
/// @notice OP Stack's L2OutputOracle (bedrock 1.8.0 interface) as a facade over the rollup's
///         RollupCore: the core stores the output roots (its commitments, same index), checks
///         the proposer and the ordering, and owns the finalization period (its challenge
///         window). Tools written for OP's oracle (viem/op-stack, op-proposer's reads) work
///         unchanged.
/// @dev    Differences from bedrock, all deliberate:
///         - no challenger and no `deleteL2Outputs`: commitments in the core are immutable;
///           disputes belong to the proof system, not to a trusted deleter;
///         - `proposeL2Output` accepts any L2 block after the latest output (the core's rule)
///           instead of exactly `latest + SUBMISSION_INTERVAL`, and does not derive an L2
///           timestamp from the block number: Tephra chains may seal blocks on demand, so block
///           numbers are not a function of time. `SUBMISSION_INTERVAL` and `L2_BLOCK_TIME` are
///           the proposer's cadence and the chain's nominal block time, for clients' estimates;
///         - it is not payable (bedrock's reserved bond slot): ETH sent would be stranded here.
///         Constructor: (core, submissionInterval, l2BlockTime, startingBlockNumber,
///         startingTimestamp); the core must then enable this contract as an entry point.
contract L2OutputOracle {
    /// @notice Emitted when an output is proposed (bedrock's event).
    /// @param outputRoot    The output root.
    /// @param l2OutputIndex The index of the output in the core's commitments.
    /// @param l2BlockNumber The L2 block number of the output root.
    /// @param l1Timestamp   The L1 timestamp when proposed.
    event OutputProposed(
        bytes32 indexed outputRoot, uint256 indexed l2OutputIndex, uint256 indexed l2BlockNumber, uint256 l1Timestamp
    );

    /// @notice Semantic version (bedrock's oracle version this facade follows).
    string public constant version = "1.8.0";

    /// @notice The settlement core holding the outputs.
    IRollupCore public immutable core;

    /// @notice The number of the first L2 block recorded in this contract.
    uint256 public immutable startingBlockNumber;

    /// @notice The timestamp of the first L2 block recorded in this contract.
    uint256 public immutable startingTimestamp;

    /// @notice The interval in L2 blocks at which the proposer means to submit outputs.
    uint256 public immutable submissionInterval;

    /// @notice The nominal time between L2 blocks in seconds.
    uint256 public immutable l2BlockTime;

    /// @param _core                The rollup's RollupCore.
    /// @param _submissionInterval  The proposer's interval in L2 blocks (> 0).
    /// @param _l2BlockTime         The L2 block time in seconds (> 0).
    /// @param _startingBlockNumber The L2 block before the first output (usually 0, genesis).
    /// @param _startingTimestamp   The timestamp of that block (at most the deployment time).
    constructor(
        IRollupCore _core,
        uint256 _submissionInterval,
        uint256 _l2BlockTime,
        uint256 _startingBlockNumber,
        uint256 _startingTimestamp
    ) {
        require(address(_core).code.length != 0, "L2OutputOracle: core must be a contract");
        require(_submissionInterval > 0, "L2OutputOracle: submission interval must be greater than 0");
        require(_l2BlockTime > 0, "L2OutputOracle: L2 block time must be greater than 0");
        require(
            _startingTimestamp <= block.timestamp,
            "L2OutputOracle: starting L2 timestamp must be less than current time"
        );
        core = _core;
        submissionInterval = _submissionInterval;
        l2BlockTime = _l2BlockTime;
        startingBlockNumber = _startingBlockNumber;
        startingTimestamp = _startingTimestamp;
    }

    /// @notice Legacy getter of `submissionInterval`.
    function SUBMISSION_INTERVAL() external view returns (uint256) {
        return submissionInterval;
    }

    /// @notice Legacy getter of `l2BlockTime`.
    function L2_BLOCK_TIME() external view returns (uint256) {
        return l2BlockTime;
    }

    /// @notice The proposer: the only account the core accepts outputs from.
    function proposer() public view returns (address) {
        return core.proposer();
    }

    /// @notice Legacy getter of `proposer`.
    function PROPOSER() external view returns (address) {
        return proposer();
    }

    /// @notice Seconds after its proposal until an output is finalized: the core's challenge
    ///         window.
    function finalizationPeriodSeconds() public view returns (uint256) {
        return core.challengeWindow();
    }

    /// @notice Legacy getter of `finalizationPeriodSeconds`.
    function FINALIZATION_PERIOD_SECONDS() external view returns (uint256) {
        return finalizationPeriodSeconds();
    }

    /// @notice Records `_outputRoot` as the output root of L2 block `_l2BlockNumber`, through the
    ///         core, which refuses (NotProposer) any caller but the proposer, (CommitmentOutOfOrder)
    ///         a block not above the latest output's and (ZeroRoot) a zero root.
    /// @param _outputRoot    The L2 output root of the block.
    /// @param _l2BlockNumber The L2 block number that resulted in _outputRoot.
    /// @param _l1BlockHash   An L1 block hash which must be on the current chain (or zero: no check).
    /// @param _l1BlockNumber The L1 block number of `_l1BlockHash`.
    function proposeL2Output(
        bytes32 _outputRoot,
        uint256 _l2BlockNumber,
        bytes32 _l1BlockHash,
        uint256 _l1BlockNumber
    )
        external
    {
        require(
            _l2BlockNumber > startingBlockNumber,
            "L2OutputOracle: block number must be after the starting block number"
        );
        if (_l1BlockHash != bytes32(0)) {
            // As bedrock: an output can be bound to an L1 block so a reorg drops it.
            require(
                blockhash(_l1BlockNumber) == _l1BlockHash,
                "L2OutputOracle: block hash does not match the hash at the expected height"
            );
        }
        uint256 index = core.propose(msg.sender, _l2BlockNumber, _outputRoot);
        emit OutputProposed(_outputRoot, index, _l2BlockNumber, block.timestamp);
    }

    /// @notice The output at `_l2OutputIndex`; reverts (core's UnknownCommitment) if none.
    /// @param _l2OutputIndex Index of the output to return.
    function getL2Output(uint256 _l2OutputIndex) public view returns (Types.OutputProposal memory) {
        (bytes32 root, uint256 l2BlockNumber, uint256 timestamp) = core.getCommitment(_l2OutputIndex);
        return Types.OutputProposal({
            outputRoot: root,
            timestamp: uint128(timestamp),
            l2BlockNumber: uint128(l2BlockNumber)
        });
    }

    /// @notice The index of the first output at or after `_l2BlockNumber`. Reverts with bedrock's
    ///         messages (which viem's getWithdrawalStatus matches) when no output reaches it.
    /// @param _l2BlockNumber L2 block number to find an output for.
    function getL2OutputIndexAfter(uint256 _l2BlockNumber) public view returns (uint256) {
        require(
            _l2BlockNumber <= latestBlockNumber(),
            "L2OutputOracle: cannot get output for a block that has not been proposed"
        );
        require(core.commitmentCount() > 0, "L2OutputOracle: cannot get output as no outputs have been proposed yet");
        return core.commitmentIndexAfter(_l2BlockNumber);
    }

    /// @notice The first output at or after `_l2BlockNumber` (see getL2OutputIndexAfter).
    /// @param _l2BlockNumber L2 block number to find an output for.
    function getL2OutputAfter(uint256 _l2BlockNumber) external view returns (Types.OutputProposal memory) {
        return getL2Output(getL2OutputIndexAfter(_l2BlockNumber));
    }

    /// @notice The index of the latest output; reverts (underflow) while there is none, as bedrock.
    function latestOutputIndex() external view returns (uint256) {
        return core.commitmentCount() - 1;
    }

    /// @notice The index the next output will get.
    function nextOutputIndex() public view returns (uint256) {
        return core.commitmentCount();
    }

    /// @notice The L2 block of the latest output, or `startingBlockNumber` while there is none.
    function latestBlockNumber() public view returns (uint256) {
        return core.commitmentCount() == 0 ? startingBlockNumber : core.latestL2BlockNumber();
    }

    /// @notice The L2 block the proposer's next output is expected at (latest + interval); any
    ///         later block is accepted too.
    function nextBlockNumber() public view returns (uint256) {
        return latestBlockNumber() + submissionInterval;
    }

    /// @notice The nominal L2 timestamp of `_l2BlockNumber` at `l2BlockTime` seconds per block.
    /// @param _l2BlockNumber The L2 block number of the target block.
    function computeL2Timestamp(uint256 _l2BlockNumber) public view returns (uint256) {
        return startingTimestamp + ((_l2BlockNumber - startingBlockNumber) * l2BlockTime);
    }
}
