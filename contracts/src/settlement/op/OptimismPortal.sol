// SPDX-License-Identifier: MIT
pragma solidity 0.8.15;

import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { SafeERC20 } from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import { SafeCall } from "src/libraries/SafeCall.sol";
import { Types } from "src/libraries/Types.sol";
import { Hashing } from "src/libraries/Hashing.sol";
import { SecureMerkleTrie } from "src/libraries/trie/SecureMerkleTrie.sol";
import { AddressAliasHelper } from "src/vendor/AddressAliasHelper.sol";
import "src/libraries/PortalErrors.sol";
import { IRollupCore } from "../IRollupCore.sol";
import { L2OutputOracle } from "./L2OutputOracle.sol";

/// @title OptimismPortal
/// @notice OP Stack's OptimismPortal (the L2OutputOracle-based bedrock portal, interface 2.x) as a
///         facade over the rollup's RollupCore: same functions, events, deposit encoding and
///         withdrawal proofs as bedrock, so op-node style derivation and viem/op-stack work
///         unchanged, while the core holds every deposited asset, the output roots, the
///         challenge window and the replay protection.
/// @dev    Deposits: the event is bedrock's byte for byte (version 0, opaqueData =
///         abi.encodePacked(mint, value, gasLimit, isCreation, data), `from` aliased when the
///         caller is not the transaction origin). Each deposit is also queued in the core with
///         digest = keccak256(abi.encode(from, to, uint256(0) /* version */, opaqueData)), i.e. the
///         hash of the event's fields; its ETH goes with it into the core. On a custom-gas-token
///         rollup ETH is refused (the core's EthNotAccepted) and depositERC20Transaction pulls the
///         token from the caller (who approved this portal) straight into the core.
///
///         Withdrawals: proven as bedrock (output root preimage against the core's commitment at
///         `_l2OutputIndex`, then the L2ToL1MessagePasser's `sentMessages[hash]` slot against the
///         preimage's message passer storage root); finalized once `challengeWindow` has passed
///         since the proof and the commitment is final, by core.finalizeWithdrawal (which pays the
///         asset to this portal and records the withdrawal hash as paid), then delivered as
///         bedrock does with `l2Sender` set. ETH of a withdrawal whose call fails goes back to the
///         core's custody (bedrock leaves it in the portal); like bedrock, the withdrawal is
///         finalized either way. While a withdrawal is delivered, `deliveringWithdrawalHash`
///         names it, so that L1StandardBridge can have the core release the ERC-20 it carries
///         (once per withdrawal, against the output it was proven against).
///
///         Not carried over from bedrock: ResourceMetering's L1 gas market (the gas limit floor
///         and the calldata cap are kept), pausing through SuperchainConfig, SystemConfig,
///         `donateETH` and proxies/initializers.
///
///         Constructor: (core, l2Oracle), with `l2Oracle.core() == core`; the core's owner must
///         then enable this portal as an entry point (setEntryPoint).
contract OptimismPortal {
    using SafeERC20 for IERC20;

    /// @notice Represents a proven withdrawal (bedrock's struct).
    /// @custom:field outputRoot    Root of the L2 output this was proven against.
    /// @custom:field timestamp     Timestamp at which the withdrawal was proven.
    /// @custom:field l2OutputIndex Index of the output this was proven against.
    struct ProvenWithdrawal {
        bytes32 outputRoot;
        uint128 timestamp;
        uint128 l2OutputIndex;
    }

    /// @notice Version of the deposit event.
    uint256 internal constant DEPOSIT_VERSION = 0;

    /// @notice The L2 gas limit set when eth is deposited using the receive() function.
    uint64 internal constant RECEIVE_DEFAULT_GAS_LIMIT = 100_000;

    /// @notice The most L2 gas the deposits of one L1 block may ask for: bedrock's default
    ///         `ResourceConfig.maxResourceLimit`. Every deposit of an L1 block goes into the L2
    ///         block that takes it as origin, so without a bound one L1 block's deposits could
    ///         ask for more gas than an L2 block has and stall the rollup; the rollup's blocks
    ///         hold this much beside the L1 attributes deposit. (Bedrock also prices this gas
    ///         with an EIP-1559 market on L1; here it is only bounded.)
    uint64 public constant MAX_RESOURCE_LIMIT = 20_000_000;

    /// @notice `l2Sender` outside of a withdrawal's delivery (bedrock's Constants.DEFAULT_L2_SENDER).
    address internal constant DEFAULT_L2_SENDER = 0x000000000000000000000000000000000000dEaD;

    /// @notice tx.origin of gas estimations that must fail when the delivery fails (bedrock's
    ///         Constants.ESTIMATION_ADDRESS).
    address internal constant ESTIMATION_ADDRESS = address(1);

    /// @notice The settlement core: custody, output roots, challenge window, replay protection.
    IRollupCore public immutable core;

    /// @notice The L2OutputOracle facade reading the same core.
    L2OutputOracle public immutable l2Oracle;

    /// @notice The rollup's gas token (the core's); address(0) for ETH.
    address public immutable gasToken;

    /// @notice Address of the L2 account which initiated a withdrawal in this transaction.
    ///         If the value of this variable is the default L2 sender address, then we are NOT
    ///         inside of a call to finalizeWithdrawalTransaction.
    address public l2Sender;

    /// @notice Hash of the withdrawal being delivered in this transaction, 0 outside of a
    ///         delivery (set and cleared with `l2Sender`). Not bedrock's: L1StandardBridge reads
    ///         it while the L1CrossDomainMessenger relays a bridge withdrawal, to have the core pay
    ///         the ERC-20 of exactly that withdrawal (its id and the output it was proven against).
    bytes32 public deliveringWithdrawalHash;

    /// @notice The L2 gas the deposits of the latest L1 block with deposits asked for, packed
    ///         in one slot as `blockNumber << 64 | used` and updated without branching: a
    ///         deposit costs exactly the same gas whether it is its block's first or not, so a
    ///         gas estimate made against the latest block holds in the next one.
    uint256 internal _depositGas;

    /// @notice A deposit asks for more L2 gas than its L1 block has left (`MAX_RESOURCE_LIMIT`
    ///         per L1 block).
    error DepositGasExhausted(uint256 requested, uint256 available);

    /// @notice A list of withdrawal hashes which have been successfully finalized.
    mapping(bytes32 => bool) public finalizedWithdrawals;

    /// @notice A mapping of withdrawal hashes to `ProvenWithdrawal` data.
    mapping(bytes32 => ProvenWithdrawal) public provenWithdrawals;

    /// @notice Emitted when a transaction is deposited from L1 to L2.
    ///         The parameters of this event are read by the rollup node and used to derive deposit
    ///         transactions on L2.
    /// @param from       Address that triggered the deposit transaction.
    /// @param to         Address that the deposit transaction is directed to.
    /// @param version    Version of this deposit transaction event.
    /// @param opaqueData ABI encoded deposit data to be parsed off-chain.
    event TransactionDeposited(address indexed from, address indexed to, uint256 indexed version, bytes opaqueData);

    /// @notice Emitted when a withdrawal transaction is proven.
    /// @param withdrawalHash Hash of the withdrawal transaction.
    /// @param from           Address that triggered the withdrawal transaction.
    /// @param to             Address that the withdrawal transaction is directed to.
    event WithdrawalProven(bytes32 indexed withdrawalHash, address indexed from, address indexed to);

    /// @notice Emitted when a withdrawal transaction is finalized.
    /// @param withdrawalHash Hash of the withdrawal transaction.
    /// @param success        Whether the withdrawal transaction was successful.
    event WithdrawalFinalized(bytes32 indexed withdrawalHash, bool success);

    /// @param _core     The rollup's RollupCore.
    /// @param _l2Oracle The L2OutputOracle facade over the same core.
    constructor(IRollupCore _core, L2OutputOracle _l2Oracle) {
        require(address(_core).code.length != 0, "OptimismPortal: core must be a contract");
        require(_l2Oracle.core() == _core, "OptimismPortal: oracle reads another core");
        core = _core;
        l2Oracle = _l2Oracle;
        gasToken = _core.gasToken();
        l2Sender = DEFAULT_L2_SENDER;
    }

    /// @notice Semantic version: the bedrock portal interface this follows (2.x: outputs from the
    ///         L2OutputOracle, not dispute games).
    function version() public pure returns (string memory) {
        return "2.8.1";
    }

    /// @notice The L2 gas this L1 block's deposits asked for so far (of `MAX_RESOURCE_LIMIT`).
    /// @return blockNumber The current L1 block.
    /// @return used        Its deposits' gas.
    function depositGas() public view returns (uint256 blockNumber, uint256 used) {
        uint256 packed = _depositGas;
        blockNumber = block.number;
        // `used` if the packed block is this one, else 0, with no jump.
        assembly ("memory-safe") {
            used := mul(and(packed, 0xffffffffffffffff), eq(shr(64, packed), blockNumber))
        }
    }

    /// @notice Computes the minimum gas limit for a deposit: 21000 plus 16 per calldata byte.
    /// @param _byteCount Number of bytes in the calldata.
    /// @return The minimum gas limit for a deposit.
    function minimumGasLimit(uint64 _byteCount) public pure returns (uint64) {
        return _byteCount * 16 + 21000;
    }

    /// @notice ETH sent without calldata is deposited to the sender's address on L2 (bedrock's
    ///         convenience for EOAs), except the core's payout of a withdrawal being finalized.
    receive() external payable {
        if (msg.sender == address(core)) return;
        depositTransaction(msg.sender, msg.value, RECEIVE_DEFAULT_GAS_LIMIT, false, bytes(""));
    }

    /// @notice Whether the output at `_l2OutputIndex` is finalized; reverts if it does not exist.
    /// @param _l2OutputIndex Index of the L2 output to check.
    function isOutputFinalized(uint256 _l2OutputIndex) external view returns (bool) {
        return core.isFinalized(_l2OutputIndex);
    }

    /// @notice Proves a withdrawal transaction.
    /// @param _tx              Withdrawal transaction to prove.
    /// @param _l2OutputIndex   L2 output index to prove against.
    /// @param _outputRootProof Inclusion proof of the L2ToL1MessagePasser contract's storage root.
    /// @param _withdrawalProof Inclusion proof of the withdrawal in L2ToL1MessagePasser contract.
    function proveWithdrawalTransaction(
        Types.WithdrawalTransaction memory _tx,
        uint256 _l2OutputIndex,
        Types.OutputRootProof calldata _outputRootProof,
        bytes[] calldata _withdrawalProof
    )
        external
    {
        // Neither this portal nor the core may be a withdrawal's target: the portal is an entry
        // point of the core, so a call from it to the core would act with its rights.
        if (_tx.target == address(this) || _tx.target == address(core)) revert BadTarget();

        // Reverts (UnknownCommitment) if there is no output at that index.
        (bytes32 outputRoot,,) = core.getCommitment(_l2OutputIndex);

        require(
            outputRoot == Hashing.hashOutputRootProof(_outputRootProof), "OptimismPortal: invalid output root proof"
        );

        bytes32 withdrawalHash = Hashing.hashWithdrawal(_tx);
        ProvenWithdrawal memory provenWithdrawal = provenWithdrawals[withdrawalHash];

        // As bedrock: a withdrawal is proven once, unless the output it was proven against has
        // changed (never, here: the core's commitments are immutable; kept for parity).
        if (provenWithdrawal.timestamp != 0) {
            (bytes32 provenAgainst,,) = core.getCommitment(provenWithdrawal.l2OutputIndex);
            require(
                provenAgainst != provenWithdrawal.outputRoot, "OptimismPortal: withdrawal hash has already been proven"
            );
        }

        // The slot of sentMessages[withdrawalHash] in the L2ToL1MessagePasser (mapping at slot 0).
        bytes32 storageKey = keccak256(abi.encode(withdrawalHash, uint256(0)));

        require(
            SecureMerkleTrie.verifyInclusionProof({
                _key: abi.encode(storageKey),
                _value: hex"01",
                _proof: _withdrawalProof,
                _root: _outputRootProof.messagePasserStorageRoot
            }),
            "OptimismPortal: invalid withdrawal inclusion proof"
        );

        provenWithdrawals[withdrawalHash] = ProvenWithdrawal({
            outputRoot: outputRoot,
            timestamp: uint128(block.timestamp),
            l2OutputIndex: uint128(_l2OutputIndex)
        });

        emit WithdrawalProven(withdrawalHash, _tx.sender, _tx.target);
    }

    /// @notice Finalizes a withdrawal transaction: at least the challenge window after its proof,
    ///         against a finalized output, once. The core pays the asset to this portal, which
    ///         delivers it to the target with `l2Sender` set to the L2 sender.
    /// @param _tx Withdrawal transaction to finalize.
    function finalizeWithdrawalTransaction(Types.WithdrawalTransaction memory _tx) external {
        // The l2Sender is not the default only while a withdrawal is being delivered: a de facto
        // reentrancy guard, as in bedrock.
        if (l2Sender != DEFAULT_L2_SENDER) revert NonReentrant();

        bytes32 withdrawalHash = Hashing.hashWithdrawal(_tx);
        ProvenWithdrawal memory provenWithdrawal = provenWithdrawals[withdrawalHash];

        require(provenWithdrawal.timestamp != 0, "OptimismPortal: withdrawal has not been proven yet");

        require(
            provenWithdrawal.timestamp >= l2Oracle.startingTimestamp(),
            "OptimismPortal: withdrawal timestamp less than L2 Oracle starting timestamp"
        );

        // The same rule as the core's for outputs: final from `timestamp + challengeWindow` on.
        require(
            block.timestamp >= provenWithdrawal.timestamp + core.challengeWindow(),
            "OptimismPortal: proven withdrawal finalization period has not elapsed"
        );

        (bytes32 outputRoot,,) = core.getCommitment(provenWithdrawal.l2OutputIndex);
        require(
            outputRoot == provenWithdrawal.outputRoot,
            "OptimismPortal: output root proven is not the same as current output root"
        );

        require(finalizedWithdrawals[withdrawalHash] == false, "OptimismPortal: withdrawal has already been finalized");

        // On a custom-gas-token rollup the portal must never call the token: it holds users'
        // approvals for depositERC20Transaction.
        if (gasToken != address(0) && _tx.target == gasToken) revert BadTarget();

        finalizedWithdrawals[withdrawalHash] = true;

        // The core checks that the output is finalized (CommitmentNotFinalized) and that this
        // withdrawal was never paid (WithdrawalAlreadyFinalized), then pays its value to this
        // portal: wei, or the exact gas-token amount of `_tx.value` L2 units.
        uint256 released =
            core.finalizeWithdrawal(withdrawalHash, provenWithdrawal.l2OutputIndex, address(0), _tx.value);

        l2Sender = _tx.sender;
        deliveringWithdrawalHash = withdrawalHash;

        bool success;
        if (gasToken == address(0)) {
            // As bedrock: at least the withdrawal's gas limit, return data not copied.
            success = SafeCall.callWithMinGas(_tx.target, _tx.gasLimit, released, _tx.data);
            if (!success && released != 0) {
                // Undelivered ETH goes back into custody (the core accepts it from entry points).
                (bool returned,) = address(core).call{ value: released }("");
                require(returned, "OptimismPortal: could not return undelivered ETH to the core");
            }
        } else {
            if (released != 0) IERC20(gasToken).safeTransfer(_tx.target, released);
            if (_tx.data.length != 0) {
                success = SafeCall.callWithMinGas(_tx.target, _tx.gasLimit, 0, _tx.data);
            } else {
                success = true;
            }
        }

        l2Sender = DEFAULT_L2_SENDER;
        deliveringWithdrawalHash = bytes32(0);

        emit WithdrawalFinalized(withdrawalHash, success);

        // As bedrock: lets an estimation find the gas the delivery needs.
        if (success == false && tx.origin == ESTIMATION_ADDRESS) revert GasEstimation();
    }

    /// @notice Deposits a transaction to L2 on a custom-gas-token rollup: pulls `_mint` units of
    ///         the gas token from the caller (who approved this portal) into the core.
    /// @dev    `_mint` and `_value` are in the gas token's L1 units; the event carries them in L2
    ///         units (18 decimals), converted exactly by core.toL2Amount.
    /// @param _to         Target address on L2.
    /// @param _mint       Units of the gas token to deposit into L2.
    /// @param _value      Units of the gas token to send on L2 to the recipient.
    /// @param _gasLimit   L2 gas limit of the deposit.
    /// @param _isCreation Whether or not the transaction is a contract creation.
    /// @param _data       Data to trigger the recipient with.
    function depositERC20Transaction(
        address _to,
        uint256 _mint,
        uint256 _value,
        uint64 _gasLimit,
        bool _isCreation,
        bytes memory _data
    )
        public
    {
        if (gasToken == address(0)) revert OnlyCustomGasToken();

        uint256 startBalance = IERC20(gasToken).balanceOf(address(core));
        IERC20(gasToken).safeTransferFrom(msg.sender, address(core), _mint);
        // The core must now hold exactly `_mint` more (no fee-on-transfer tokens).
        if (IERC20(gasToken).balanceOf(address(core)) != startBalance + _mint) revert TransferFailed();

        _depositTransaction({
            _to: _to,
            _mint: core.toL2Amount(_mint),
            _value: core.toL2Amount(_value),
            _gasLimit: _gasLimit,
            _isCreation: _isCreation,
            _data: _data,
            _eth: 0
        });
    }

    /// @notice Accepts deposits of ETH and data, and emits a TransactionDeposited event for use in
    ///         deriving deposit transactions. The ETH goes into the core (refused there with
    ///         EthNotAccepted on a custom-gas-token rollup). A contract caller's address is
    ///         aliased on L2, as in bedrock.
    /// @param _to         Target address on L2.
    /// @param _value      ETH value to send to the recipient.
    /// @param _gasLimit   L2 gas limit of the deposit.
    /// @param _isCreation Whether or not the transaction is a contract creation.
    /// @param _data       Data to trigger the recipient with.
    function depositTransaction(
        address _to,
        uint256 _value,
        uint64 _gasLimit,
        bool _isCreation,
        bytes memory _data
    )
        public
        payable
    {
        _depositTransaction({
            _to: _to,
            _mint: msg.value,
            _value: _value,
            _gasLimit: _gasLimit,
            _isCreation: _isCreation,
            _data: _data,
            _eth: msg.value
        });
    }

    /// @notice Common logic for creating deposit transactions (bedrock's checks and encoding).
    /// @param _eth ETH forwarded into the core's custody with the deposit.
    function _depositTransaction(
        address _to,
        uint256 _mint,
        uint256 _value,
        uint64 _gasLimit,
        bool _isCreation,
        bytes memory _data,
        uint256 _eth
    )
        internal
    {
        if (_isCreation && _to != address(0)) revert BadTarget();
        if (_gasLimit < minimumGasLimit(uint64(_data.length))) revert SmallGasLimit();
        if (_data.length > 120_000) revert LargeCalldata();
        (, uint256 used) = depositGas();
        uint256 available = MAX_RESOURCE_LIMIT - used;
        if (_gasLimit > available) revert DepositGasExhausted(_gasLimit, available);
        _depositGas = (block.number << 64) | (used + _gasLimit);

        address from = msg.sender;
        if (msg.sender != tx.origin) {
            from = AddressAliasHelper.applyL1ToL2Alias(msg.sender);
        }

        bytes memory opaqueData = abi.encodePacked(_mint, _value, _gasLimit, _isCreation, _data);

        core.enqueueDeposit{ value: _eth }(keccak256(abi.encode(from, _to, DEPOSIT_VERSION, opaqueData)));

        emit TransactionDeposited(from, _to, DEPOSIT_VERSION, opaqueData);
    }
}
