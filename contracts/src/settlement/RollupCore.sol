// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IRollupCore} from "./IRollupCore.sol";

/// @title RollupCore
/// @notice The L1 settlement core of one rollup (see IRollupCore): config, deposit queue, state
///         commitments with their challenge window, replay protection of withdrawals, and
///         custody of everything deposited. It holds the ETH and the ERC-20s; the framework's
///         entry points (enabled by the owner) hold nothing between calls.
/// @dev    Units. The L2 native asset always has 18 decimals. On an ETH rollup (gasToken 0) an L2
///         amount is wei. On a custom-gas-token rollup with `d` decimals (d <= 18), `x` token units
///         on L1 are exactly `x * 10**(18 - d)` on L2; an L2 amount that is not a multiple of that
///         factor has no exact L1 amount and is refused (AmountNotRepresentable), never rounded.
///
///         Commitments are immutable once proposed and strictly increasing in L2 block number. A
///         commitment is finalized once `challengeWindow` seconds have passed since its
///         proposal: from L1 timestamp `timestamp + challengeWindow` on (disputes, when a proof
///         system is plugged in, act through the entry points before that).
contract RollupCore is IRollupCore, Ownable2Step, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @notice A state commitment; the fields fit one slot and a half (same widths as OP's
    ///         Types.OutputProposal).
    struct Commitment {
        bytes32 root;
        uint128 l2BlockNumber;
        uint128 timestamp;
    }

    /// @notice The constructor got a chain id of 0.
    error ZeroChainId();
    /// @notice The constructor got no proposer.
    error ZeroProposer();
    /// @notice Gas token decimals above 18, an ETH rollup with decimals other than 18, or a token
    ///         whose own `decimals()` disagrees with the configured value.
    error InvalidGasTokenDecimals(uint8 decimals);
    /// @notice The gas token address holds no contract.
    error GasTokenNotContract(address token);
    /// @notice A zero commitment root (it would be indistinguishable from "no commitment").
    error ZeroRoot();

    /// @inheritdoc IRollupCore
    uint256 public immutable l2ChainId;
    /// @inheritdoc IRollupCore
    address public immutable proposer;
    /// @inheritdoc IRollupCore
    uint256 public immutable challengeWindow;
    /// @inheritdoc IRollupCore
    address public immutable gasToken;
    /// @inheritdoc IRollupCore
    uint8 public immutable gasTokenDecimals;
    /// @notice 10**(18 - gasTokenDecimals): L2 units per L1 unit of the native asset.
    uint256 public immutable scale;

    /// @inheritdoc IRollupCore
    mapping(address entryPoint => bool enabled) public isEntryPoint;
    /// @inheritdoc IRollupCore
    mapping(bytes32 withdrawalId => bool paid) public withdrawalFinalized;

    bytes32[] private _deposits;
    Commitment[] private _commitments;

    modifier onlyEntryPoint() {
        if (!isEntryPoint[msg.sender]) revert NotEntryPoint(msg.sender);
        _;
    }

    /// @param l2ChainId_ The rollup's EIP-155 chain id (non-zero).
    /// @param owner_ Enables and disables entry points (Ownable2Step: transfers are two-step).
    /// @param proposer_ The only account whose commitments are accepted.
    /// @param challengeWindow_ Seconds from a commitment's proposal to its finalization.
    /// @param gasToken_ The L1 ERC-20 that is the rollup's native gas token; address(0) for ETH.
    /// @param gasTokenDecimals_ Its decimals, at most 18 (18 for ETH); when the token answers
    ///        `decimals()` the answer must agree.
    constructor(
        uint256 l2ChainId_,
        address owner_,
        address proposer_,
        uint256 challengeWindow_,
        address gasToken_,
        uint8 gasTokenDecimals_
    ) Ownable(owner_) {
        if (l2ChainId_ == 0) revert ZeroChainId();
        if (proposer_ == address(0)) revert ZeroProposer();
        if (gasTokenDecimals_ > 18) revert InvalidGasTokenDecimals(gasTokenDecimals_);
        if (gasToken_ == address(0)) {
            if (gasTokenDecimals_ != 18) revert InvalidGasTokenDecimals(gasTokenDecimals_);
        } else {
            if (gasToken_.code.length == 0) revert GasTokenNotContract(gasToken_);
            try IERC20Metadata(gasToken_).decimals() returns (uint8 reported) {
                if (reported != gasTokenDecimals_) revert InvalidGasTokenDecimals(gasTokenDecimals_);
            } catch {
                // `decimals()` is optional in ERC-20: trust the configured value.
            }
        }
        l2ChainId = l2ChainId_;
        proposer = proposer_;
        challengeWindow = challengeWindow_;
        gasToken = gasToken_;
        gasTokenDecimals = gasTokenDecimals_;
        scale = 10 ** (18 - uint256(gasTokenDecimals_));
    }

    // --- config ---

    /// @inheritdoc IRollupCore
    function owner() public view override(IRollupCore, Ownable) returns (address) {
        return super.owner();
    }

    /// @inheritdoc IRollupCore
    function toL2Amount(uint256 l1Amount) public view returns (uint256) {
        return l1Amount * scale;
    }

    /// @inheritdoc IRollupCore
    function toL1Amount(uint256 l2Amount) public view returns (uint256) {
        if (l2Amount % scale != 0) revert AmountNotRepresentable(l2Amount);
        return l2Amount / scale;
    }

    /// @inheritdoc IRollupCore
    function setEntryPoint(address entryPoint, bool enabled) external onlyOwner {
        isEntryPoint[entryPoint] = enabled;
        emit EntryPointSet(entryPoint, enabled);
    }

    /// @dev Ownable's check, with the interface's error.
    function _checkOwner() internal view override {
        if (owner() != msg.sender) revert NotOwner(msg.sender);
    }

    // --- deposits ---

    /// @inheritdoc IRollupCore
    function enqueueDeposit(bytes32 digest) external payable onlyEntryPoint nonReentrant returns (uint256 index) {
        if (msg.value != 0 && gasToken != address(0)) revert EthNotAccepted();
        index = _deposits.length;
        _deposits.push(digest);
        emit DepositQueued(index, msg.sender, digest);
    }

    /// @inheritdoc IRollupCore
    function depositCount() external view returns (uint256) {
        return _deposits.length;
    }

    /// @inheritdoc IRollupCore
    function depositDigest(uint256 index) external view returns (bytes32) {
        return _deposits[index];
    }

    /// @notice Takes back ETH an entry point was paid by finalizeWithdrawal and could not deliver
    ///         (an OP withdrawal whose call failed), so that custody stays in the core. Entry
    ///         points only; refused on a custom-gas-token rollup, which never pays out ETH.
    receive() external payable onlyEntryPoint {
        if (gasToken != address(0)) revert EthNotAccepted();
    }

    // --- state commitments ---

    /// @inheritdoc IRollupCore
    function propose(address sender, uint256 l2BlockNumber, bytes32 root)
        external
        onlyEntryPoint
        nonReentrant
        returns (uint256 index)
    {
        if (sender != proposer) revert NotProposer(sender);
        if (root == bytes32(0)) revert ZeroRoot();
        index = _commitments.length;
        if (index != 0) {
            uint256 latest = _commitments[index - 1].l2BlockNumber;
            if (l2BlockNumber <= latest) revert CommitmentOutOfOrder(l2BlockNumber, latest);
        }
        _commitments.push(
            Commitment({root: root, l2BlockNumber: uint128(l2BlockNumber), timestamp: uint128(block.timestamp)})
        );
        emit CommitmentProposed(index, l2BlockNumber, root, block.timestamp);
    }

    /// @inheritdoc IRollupCore
    function commitmentCount() external view returns (uint256) {
        return _commitments.length;
    }

    /// @inheritdoc IRollupCore
    function getCommitment(uint256 index) public view returns (bytes32 root, uint256 l2BlockNumber, uint256 timestamp) {
        if (index >= _commitments.length) revert UnknownCommitment(index);
        Commitment storage c = _commitments[index];
        return (c.root, c.l2BlockNumber, c.timestamp);
    }

    /// @inheritdoc IRollupCore
    /// @dev Binary search (commitments are sorted by L2 block). Reverts UnknownCommitment(count)
    ///      when no commitment reaches `l2BlockNumber`.
    function commitmentIndexAfter(uint256 l2BlockNumber) external view returns (uint256) {
        uint256 lo = 0;
        uint256 hi = _commitments.length;
        while (lo < hi) {
            uint256 mid = (lo + hi) / 2;
            if (_commitments[mid].l2BlockNumber < l2BlockNumber) lo = mid + 1;
            else hi = mid;
        }
        if (lo == _commitments.length) revert UnknownCommitment(lo);
        return lo;
    }

    /// @inheritdoc IRollupCore
    /// @dev 0 while no commitment exists.
    function latestL2BlockNumber() external view returns (uint256) {
        uint256 n = _commitments.length;
        return n == 0 ? 0 : _commitments[n - 1].l2BlockNumber;
    }

    /// @inheritdoc IRollupCore
    function isFinalized(uint256 index) public view returns (bool) {
        (,, uint256 timestamp) = getCommitment(index);
        return block.timestamp >= timestamp + challengeWindow;
    }

    // --- withdrawals ---

    /// @inheritdoc IRollupCore
    /// @dev The WithdrawalFinalized event names the asset actually paid (address(0) for ETH, the
    ///      gas token for the native asset of a custom-gas-token rollup) and its L1 amount.
    function finalizeWithdrawal(bytes32 withdrawalId, uint256 commitmentIndex, address token, uint256 amount)
        external
        onlyEntryPoint
        nonReentrant
        returns (uint256 released)
    {
        (,, uint256 timestamp) = getCommitment(commitmentIndex);
        uint256 finalizedAt = timestamp + challengeWindow;
        if (block.timestamp < finalizedAt) revert CommitmentNotFinalized(commitmentIndex, finalizedAt);
        if (withdrawalFinalized[withdrawalId]) revert WithdrawalAlreadyFinalized(withdrawalId);
        withdrawalFinalized[withdrawalId] = true;

        address asset = token;
        if (token == address(0)) {
            asset = gasToken;
            released = toL1Amount(amount);
        } else {
            released = amount;
        }
        emit WithdrawalFinalized(withdrawalId, asset, msg.sender, released);

        if (released != 0) {
            if (asset == address(0)) Address.sendValue(payable(msg.sender), released);
            else IERC20(asset).safeTransfer(msg.sender, released);
        }
    }
}
