// SPDX-License-Identifier: MIT
pragma solidity ^0.8.15;

/// @title IRollupCore
/// @notice The settlement core one rollup's L1 contracts share, whatever its framework: its
///         config, the deposit queue, the state commitment chain with its challenge window, the
///         withdrawals already paid, and custody of the ETH and ERC-20s deposited.
///         Each framework's own L1 entry points (OptimismPortal, Inbox/Bridge/Outbox,
///         Bridgehub/shared bridge) are thin facades over it: they keep the framework's function
///         names, events and proof formats, check the framework-specific inclusion proof, and
///         call the core for everything else. Only entry points enabled by the owner call the
///         mutating functions. ERC-20 deposits are moved by the entry point the user approved
///         (as each framework's SDK approves its bridge) straight from the user into the core.
interface IRollupCore {
    /// @notice The owner enabled or disabled an entry point.
    event EntryPointSet(address indexed entryPoint, bool enabled);
    /// @notice A deposit took place in the queue; `digest` is the entry point's own hash of it.
    event DepositQueued(uint256 indexed index, address indexed entryPoint, bytes32 digest);
    /// @notice The proposer recorded the rollup's state commitment at an L2 block.
    event CommitmentProposed(uint256 indexed index, uint256 indexed l2BlockNumber, bytes32 root, uint256 timestamp);
    /// @notice A withdrawal was paid out.
    event WithdrawalFinalized(bytes32 indexed withdrawalId, address indexed token, address indexed to, uint256 amount);

    error NotOwner(address caller);
    error NotEntryPoint(address caller);
    error NotProposer(address caller);
    /// @notice ETH sent to a rollup whose gas token is an ERC-20.
    error EthNotAccepted();
    /// @notice A commitment for an L2 block at or below the latest one.
    error CommitmentOutOfOrder(uint256 l2BlockNumber, uint256 latest);
    error UnknownCommitment(uint256 index);
    /// @notice The commitment's challenge window has not passed yet.
    error CommitmentNotFinalized(uint256 index, uint256 finalizedAt);
    error WithdrawalAlreadyFinalized(bytes32 withdrawalId);
    /// @notice An L2 amount of the gas token that has no exact L1 amount (dust below 1 unit).
    error AmountNotRepresentable(uint256 l2Amount);

    // --- config ---
    function l2ChainId() external view returns (uint256);
    function owner() external view returns (address);
    function proposer() external view returns (address);
    /// @notice Seconds from a commitment's proposal until withdrawals may be paid against it.
    function challengeWindow() external view returns (uint256);
    /// @notice The L1 ERC-20 the rollup uses as its native gas token; address(0) for ETH.
    function gasToken() external view returns (address);
    /// @notice The gas token's decimals (18 for ETH).
    function gasTokenDecimals() external view returns (uint8);
    /// @notice L2 native amount (18 decimals) of `l1Amount` units of the gas token: exact.
    function toL2Amount(uint256 l1Amount) external view returns (uint256);
    /// @notice L1 units of the gas token for `l2Amount`; reverts AmountNotRepresentable on dust.
    function toL1Amount(uint256 l2Amount) external view returns (uint256);
    function isEntryPoint(address entryPoint) external view returns (bool);
    /// @notice Owner only.
    function setEntryPoint(address entryPoint, bool enabled) external;

    // --- deposits ---
    /// @notice Appends a deposit to the queue; ETH sent with it stays in custody (refused with
    ///         EthNotAccepted on a custom-gas-token rollup). Entry points only.
    function enqueueDeposit(bytes32 digest) external payable returns (uint256 index);
    function depositCount() external view returns (uint256);
    /// @notice The digest of the deposit at `index`.
    function depositDigest(uint256 index) external view returns (bytes32);

    // --- state commitments ---
    /// @notice Records `root` as the rollup's commitment at `l2BlockNumber`, proposed by
    ///         `sender` (the account that called the entry point), which must be the proposer.
    function propose(address sender, uint256 l2BlockNumber, bytes32 root) external returns (uint256 index);
    function commitmentCount() external view returns (uint256);
    function getCommitment(uint256 index)
        external
        view
        returns (bytes32 root, uint256 l2BlockNumber, uint256 timestamp);
    /// @notice The index of the first commitment at or after `l2BlockNumber`.
    function commitmentIndexAfter(uint256 l2BlockNumber) external view returns (uint256);
    function latestL2BlockNumber() external view returns (uint256);
    function isFinalized(uint256 index) external view returns (bool);

    // --- withdrawals ---
    /// @notice Pays out a withdrawal whose inclusion in commitment `commitmentIndex` the calling
    ///         entry point has verified: the commitment must be finalized and `withdrawalId` not
    ///         paid before. The asset goes to the calling entry point, which delivers it the
    ///         framework's way (OP's call with the L2 sender set, Nitro's outbox call...).
    ///         `token` is address(0) for the native asset: ETH, or the gas token, whose `amount`
    ///         is then in L2 units and converted exactly; else an ERC-20 in custody. Returns the
    ///         L1 amount released. Entry points only.
    function finalizeWithdrawal(bytes32 withdrawalId, uint256 commitmentIndex, address token, uint256 amount)
        external
        returns (uint256 released);
    function withdrawalFinalized(bytes32 withdrawalId) external view returns (bool);
}
