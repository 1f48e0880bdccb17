// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IRollupCore} from "../IRollupCore.sol";
import {
    BridgehubL2TransactionRequest,
    ETH_TOKEN_ADDRESS,
    FeeParams,
    L1_GAS_PER_PUBDATA_BYTE,
    L2_BOOTLOADER_ADDRESS,
    L2CanonicalTransaction,
    L2Log,
    L2LogsProof,
    L2Message,
    L2_NATIVE_TOKEN_VAULT_ADDR,
    MAX_NEW_FACTORY_DEPS,
    PRIORITY_OPERATION_L2_TX_TYPE,
    PubdataPricingMode,
    REQUIRED_L2_GAS_PRICE_PER_PUBDATA,
    TxStatus
} from "./ZkMessaging.sol";
import {L2Bytecode} from "./L2Bytecode.sol";

/// @notice The shared bridge's legacy entry, which `finalizeEthWithdrawal` forwards to.
interface IZkWithdrawalFinalizer {
    function finalizeWithdrawal(
        uint256 _chainId,
        uint256 _l2BatchNumber,
        uint256 _l2MessageIndex,
        uint16 _l2TxNumberInBatch,
        bytes calldata _message,
        bytes32[] calldata _merkleProof
    ) external;

    function isWithdrawalFinalized(uint256 _chainId, uint256 _l2BatchNumber, uint256 _l2MessageIndex)
        external
        view
        returns (bool);
}

/// @notice What the chain reads of its Bridgehub.
interface IZkBridgehubView {
    function sharedBridge() external view returns (address);
}

/// @title ZkChain
/// @notice One ZK Stack chain's main contract on L1 (the diamond proxy zksync-ethers calls "main
///         contract": `Bridgehub.getZKChain(chainId)`), as a facade over the rollup's RollupCore:
///         the Mailbox's priority queue (requests from the Bridgehub, or directly through the
///         legacy `requestL2Transaction`), its fee formula (`l2TransactionBaseCost`), ZK Stack's
///         `NewPriorityRequest` event with the canonical transaction and its hash exactly as
///         era-contracts' MailboxFacet computes them, the inclusion proofs of L2 -> L1 logs and
///         messages against the batch roots, and the Getters zksync-ethers and explorers read.
/// @dev    Priority queue: each request becomes an L2CanonicalTransaction whose `nonce` is its
///         serial id; its hash keccak256(abi.encode(transaction)) is the digest the core queues
///         (so `core.depositDigest(txId)` is the L2 transaction's hash). What pays for it
///         (`mintValue`) is in the core's custody: on an ether-based chain the ETH goes with the
///         request into the core; on a chain whose base token is the core's ERC-20 gas token, the
///         shared bridge has moved `mintValue` of it from the caller into the core first
///         (Bridgehub -> L1AssetRouter.bridgehubDepositBaseToken) and no ETH is taken.
///
///         Units: a request's `mintValue` and `l2Value`, and `l2TransactionBaseCost`, are in L1
///         units of the base token (wei, or the ERC-20's units, as zksync-ethers computes them);
///         the canonical transaction's `value`, `reserved[0]` (toMint) and `maxFeePerGas` are in
///         L2 units (18 decimals), converted exactly as the core converts (`toL2Amount`). The L2
///         gas price is derived from the L1 gas price in ETH, times the base token multiplier
///         (Admin.setTokenMultiplier; 1/1 until the admin sets it), and a base cost is rounded up
///         to whole L1 units, so that toMint always covers the transaction's value and gas.
///
///         Batches: one Tephra block is one batch, and the core's commitment at L2 block `n` is
///         batch `n`'s L2 -> L1 logs root (the local root `zks_getL1BatchDetails` reports as
///         `l2ToL1LogsRoot`), proposed by the core's proposer through `proposeBatchRoot`. A batch
///         counts as executed (ZK Stack's word for final) once its commitment is finalized, after
///         the core's challenge window; only then do inclusion proofs against it hold.
///
///         Not carried over from era-contracts: diamond facets and upgrades, the Executor's
///         commit/prove/execute pipeline and its verifier, the priority tree and its proofs,
///         transaction filtering, gateway settlement. The L2 gas limit floor is the EVM's
///         21000 rather than ZKsync's intrinsic L2 gas, since a Tephra zk-stack chain meters EVM
///         gas.
///
///         Constructor: (core, bridgehub, feeParams, priorityTxMaxGasLimit); then the core's owner
///         enables this contract as an entry point and the Bridgehub's owner registers it.
contract ZkChain is ReentrancyGuard {
    /// @notice A priority transaction was queued (era-contracts' IMailboxEvents.NewPriorityRequest).
    /// @param txId Its serial id.
    /// @param txHash Its canonical hash: keccak256(abi.encode(transaction)), its L2 hash.
    /// @param expirationTimestamp When it expires (now: ZK Stack's PRIORITY_EXPIRATION is 0).
    /// @param transaction The canonical transaction.
    /// @param factoryDeps The bytecodes whose hashes it lists.
    event NewPriorityRequest(
        uint256 txId,
        bytes32 txHash,
        uint64 expirationTimestamp,
        L2CanonicalTransaction transaction,
        bytes[] factoryDeps
    );

    /// @notice The serial id of a queued priority transaction and its hash (IMailboxEvents).
    event NewPriorityRequestId(uint256 indexed txId, bytes32 indexed txHash);

    /// @notice The chain's owner changed its fee parameters (IAdmin.NewFeeParams).
    event NewFeeParams(FeeParams oldFeeParams, FeeParams newFeeParams);

    /// @notice The chain's owner changed the base token's gas price multiplier
    ///         (IAdmin.NewBaseTokenMultiplier).
    event NewBaseTokenMultiplier(
        uint128 oldNominator, uint128 oldDenominator, uint128 newNominator, uint128 newDenominator
    );

    /// @notice A caller other than the Bridgehub called `bridgehubRequestL2Transaction`.
    error OnlyBridgehub(address caller);
    /// @notice A caller other than the core's owner.
    error Unauthorized(address caller);
    /// @notice `msg.value` is not the request's `mintValue` (an ether-based chain), or not zero
    ///         (a chain whose base token is an ERC-20).
    error MsgValueMismatch(uint256 expectedMsgValue, uint256 providedMsgValue);
    /// @notice A base token multiplier with a zero denominator.
    error DenominatorIsZero();
    /// @notice The minted value does not pay for the L2 gas and value.
    error MsgValueTooLow(uint256 required, uint256 provided);
    /// @notice A gas per pubdata limit other than REQUIRED_L2_GAS_PRICE_PER_PUBDATA.
    error GasPerPubdataMismatch();
    /// @notice More than MAX_NEW_FACTORY_DEPS factory dependencies.
    error TooManyFactoryDeps();
    /// @notice An L2 gas limit above the chain's priority transaction maximum.
    error TooMuchGas();
    /// @notice The priority transactions of this L1 block already ask for so much L2 gas that
    ///         `requested` more does not fit the L2 block that takes them (`available` is left);
    ///         the request goes through in a later L1 block.
    error PriorityGasExhausted(uint256 requested, uint256 available);
    /// @notice An L2 gas limit below the EVM's 21000.
    error TxnBodyGasLimitNotEnoughGas();
    /// @notice A transaction that could publish more pubdata than a priority transaction may.
    error PubdataGreaterThanLimit(uint256 limit, uint256 required);
    /// @notice The core queued the transaction at another index than its serial id.
    error PriorityQueueOutOfSync(uint256 txId, uint256 queuedAt);
    /// @notice Invalid fee parameters (a zero divisor).
    error InvalidFeeParams();
    /// @notice No finalized commitment is batch `batchNumber`'s (BatchNotExecuted in ZK Stack).
    error BatchNotExecuted(uint256 batchNumber);

    /// @notice The rollup's settlement core.
    IRollupCore public immutable core;
    /// @notice The Bridgehub that routes requests here.
    address public immutable bridgehub;
    /// @notice The L2 chain id.
    uint256 public immutable chainId;
    /// @notice The largest L2 gas limit of a priority transaction.
    uint256 public immutable priorityTxMaxGasLimit;
    /// @notice The chain's base token on L1: ETH_TOKEN_ADDRESS for ether, else the core's ERC-20
    ///         gas token.
    address public immutable baseToken;
    /// @notice L2 units per L1 unit of the base token (the core's `toL2Amount(1)`: 1 for ether,
    ///         10**12 for a 6-decimal token).
    uint256 public immutable l2UnitsPerL1Unit;
    /// @dev The L1 block whose priority transactions `_priorityGasUsed` counts, and the L2 gas
    ///      they ask for in all: one slot, rewritten by the first request of each L1 block.
    uint64 private _priorityGasBlock;
    uint192 private _priorityGasUsed;

    /// @notice How priority transactions' L2 gas is priced from the L1 gas price.
    FeeParams public feeParams;
    /// @notice The base token's price in ETH, as a fraction: the L1 gas price (in wei) times
    ///         nominator / denominator is its price in the base token (ZKChainStorage's
    ///         baseTokenGasPriceMultiplierNominator / Denominator).
    uint128 public baseTokenGasPriceMultiplierNominator = 1;
    /// @notice See baseTokenGasPriceMultiplierNominator.
    uint128 public baseTokenGasPriceMultiplierDenominator = 1;

    /// @param _core The rollup's RollupCore: its gas token (ether, or an ERC-20) is the chain's
    ///        base token.
    /// @param _bridgehub The ZkBridgehub this chain is registered with.
    /// @param _feeParams Fee parameters (ZK Stack's defaults: Rollup, 1_000_000, 120_000,
    ///        80_000_000, 99_000, 250_000_000).
    /// @param _priorityTxMaxGasLimit The largest L2 gas limit a priority transaction, and all of
    ///        one L1 block's together, may ask for: the L2 block gas limit, since one L1 block's
    ///        priority transactions run in one L2 block (more would stall the chain).
    constructor(IRollupCore _core, address _bridgehub, FeeParams memory _feeParams, uint256 _priorityTxMaxGasLimit) {
        address gasToken = _core.gasToken();
        baseToken = gasToken == address(0) ? ETH_TOKEN_ADDRESS : gasToken;
        l2UnitsPerL1Unit = _core.toL2Amount(1);
        core = _core;
        bridgehub = _bridgehub;
        chainId = _core.l2ChainId();
        priorityTxMaxGasLimit = _priorityTxMaxGasLimit;
        _setFeeParams(_feeParams);
    }

    // --- Mailbox: L1 -> L2 ---

    /// @notice Queues the L1 -> L2 transaction `_request` the Bridgehub received, as MailboxFacet
    ///         does: with its `mintValue` in ETH (which goes to the core) on an ether-based chain;
    ///         with no ETH on an ERC-20-based chain, whose `mintValue` the shared bridge has put
    ///         in the core already.
    /// @return canonicalTxHash The transaction's L2 hash.
    function bridgehubRequestL2Transaction(BridgehubL2TransactionRequest calldata _request)
        external
        payable
        nonReentrant
        returns (bytes32 canonicalTxHash)
    {
        if (msg.sender != bridgehub) revert OnlyBridgehub(msg.sender);
        canonicalTxHash = _requestL2TransactionSender(_request);
    }

    /// @notice Era's legacy direct request: the caller sends the ETH to mint (`msg.value`). An
    ///         ERC-20-based chain takes its base token through the Bridgehub only: here a request
    ///         with ETH is refused (MsgValueMismatch) and one without pays nothing (MsgValueTooLow).
    /// @param _contractL2 The L2 contract called.
    /// @param _l2Value Its `msg.value` on L2.
    /// @param _calldata Its calldata.
    /// @param _l2GasLimit L2 gas limit.
    /// @param _l2GasPerPubdataByteLimit Must be REQUIRED_L2_GAS_PRICE_PER_PUBDATA.
    /// @param _factoryDeps Bytecodes to publish.
    /// @param _refundRecipient Who gets what the L2 transaction leaves; 0 for the sender.
    /// @return canonicalTxHash The transaction's L2 hash.
    function requestL2Transaction(
        address _contractL2,
        uint256 _l2Value,
        bytes calldata _calldata,
        uint256 _l2GasLimit,
        uint256 _l2GasPerPubdataByteLimit,
        bytes[] calldata _factoryDeps,
        address _refundRecipient
    ) external payable nonReentrant returns (bytes32 canonicalTxHash) {
        canonicalTxHash = _requestL2TransactionSender(
            BridgehubL2TransactionRequest({
                sender: msg.sender,
                contractL2: _contractL2,
                mintValue: msg.value,
                l2Value: _l2Value,
                l2Calldata: _calldata,
                l2GasLimit: _l2GasLimit,
                l2GasPerPubdataByteLimit: _l2GasPerPubdataByteLimit,
                factoryDeps: _factoryDeps,
                refundRecipient: _refundRecipient
            })
        );
    }

    /// @notice What a priority transaction with `_l2GasLimit` gas costs at L1 gas price
    ///         `_gasPrice`, in L1 units of the base token: its derived L2 gas price times its gas
    ///         limit (MailboxFacet), rounded up to a whole L1 unit.
    function l2TransactionBaseCost(uint256 _gasPrice, uint256 _l2GasLimit, uint256 _l2GasPerPubdataByteLimit)
        public
        view
        returns (uint256)
    {
        return Math.ceilDiv(_deriveL2GasPrice(_gasPrice, _l2GasPerPubdataByteLimit) * _l2GasLimit, l2UnitsPerL1Unit);
    }

    function _requestL2TransactionSender(BridgehubL2TransactionRequest memory _request)
        internal
        returns (bytes32 canonicalTxHash)
    {
        uint256 expectedMsgValue = baseToken == ETH_TOKEN_ADDRESS ? _request.mintValue : 0;
        if (msg.value != expectedMsgValue) revert MsgValueMismatch(expectedMsgValue, msg.value);
        if (_request.l2GasPerPubdataByteLimit != REQUIRED_L2_GAS_PRICE_PER_PUBDATA) revert GasPerPubdataMismatch();
        if (_request.factoryDeps.length > MAX_NEW_FACTORY_DEPS) revert TooManyFactoryDeps();

        uint256 txId = core.depositCount();
        uint256 l2GasPrice = _deriveL2GasPrice(tx.gasprice, _request.l2GasPerPubdataByteLimit);
        uint256 baseCost = Math.ceilDiv(l2GasPrice * _request.l2GasLimit, l2UnitsPerL1Unit);
        if (_request.mintValue < baseCost + _request.l2Value) {
            revert MsgValueTooLow(baseCost + _request.l2Value, _request.mintValue);
        }
        _request.refundRecipient = _actualRefundRecipient(_request.refundRecipient, _request.sender);
        // An L1 contract's address on L2 is aliased, so that it cannot collide with an L2 account.
        // solhint-disable-next-line avoid-tx-origin
        if (_request.sender != tx.origin) _request.sender = _applyL1ToL2Alias(_request.sender);

        L2CanonicalTransaction memory transaction = _serializeL2Transaction(txId, l2GasPrice, _request);
        _validateTx(transaction);
        _spendPriorityGas(transaction.gasLimit);
        canonicalTxHash = keccak256(abi.encode(transaction));

        uint256 queuedAt = core.enqueueDeposit{value: msg.value}(canonicalTxHash);
        if (queuedAt != txId) revert PriorityQueueOutOfSync(txId, queuedAt);
        // ZK Stack's PRIORITY_EXPIRATION is 0: a priority transaction "expires" when queued.
        uint64 expirationTimestamp = uint64(block.timestamp);
        emit NewPriorityRequest(txId, canonicalTxHash, expirationTimestamp, transaction, _request.factoryDeps);
        emit NewPriorityRequestId(txId, canonicalTxHash);
    }

    /// @dev MailboxFacet._serializeL2Transaction, with the amounts in L2 units.
    function _serializeL2Transaction(uint256 _txId, uint256 _l2GasPrice, BridgehubL2TransactionRequest memory _request)
        internal
        view
        returns (L2CanonicalTransaction memory)
    {
        return L2CanonicalTransaction({
            txType: PRIORITY_OPERATION_L2_TX_TYPE,
            from: uint256(uint160(_request.sender)),
            to: uint256(uint160(_request.contractL2)),
            gasLimit: _request.l2GasLimit,
            gasPerPubdataByteLimit: _request.l2GasPerPubdataByteLimit,
            maxFeePerGas: _l2GasPrice,
            maxPriorityFeePerGas: 0,
            paymaster: 0,
            // The priority operation's serial id is the L1 -> L2 transaction's "nonce".
            nonce: _txId,
            value: _request.l2Value * l2UnitsPerL1Unit,
            reserved: [_request.mintValue * l2UnitsPerL1Unit, uint256(uint160(_request.refundRecipient)), 0, 0],
            data: _request.l2Calldata,
            signature: new bytes(0),
            factoryDeps: L2Bytecode.hashFactoryDeps(_request.factoryDeps),
            paymasterInput: new bytes(0),
            reservedDynamic: new bytes(0)
        });
    }

    /// @dev TransactionValidator.validateL1ToL2Transaction's limits, with the EVM's floor.
    function _validateTx(L2CanonicalTransaction memory _transaction) internal view {
        if (_transaction.gasLimit > priorityTxMaxGasLimit) revert TooMuchGas();
        if (_transaction.gasLimit < 21_000) revert TxnBodyGasLimitNotEnoughGas();
        uint256 pubdata = _transaction.gasLimit / _transaction.gasPerPubdataByteLimit;
        if (pubdata > feeParams.priorityTxMaxPubdata) {
            revert PubdataGreaterThanLimit(feeParams.priorityTxMaxPubdata, pubdata);
        }
    }

    /// @dev Counts `_gasLimit` against this L1 block's priority gas, refusing it past the limit.
    function _spendPriorityGas(uint256 _gasLimit) internal {
        uint256 used = _priorityGasBlock == block.number ? _priorityGasUsed : 0;
        uint256 available = priorityTxMaxGasLimit - used;
        if (_gasLimit > available) revert PriorityGasExhausted(_gasLimit, available);
        _priorityGasBlock = uint64(block.number);
        _priorityGasUsed = uint192(used + _gasLimit);
    }

    /// @dev MailboxFacet._deriveL2GasPrice: the L1 gas price converted to the base token by its
    ///      multiplier, in L2 units.
    function _deriveL2GasPrice(uint256 _l1GasPrice, uint256 _gasPerPubdata) internal view returns (uint256) {
        FeeParams memory params = feeParams;
        _l1GasPrice = (_l1GasPrice * baseTokenGasPriceMultiplierNominator) / baseTokenGasPriceMultiplierDenominator;
        uint256 pubdataPriceBaseToken;
        if (params.pubdataPricingMode == PubdataPricingMode.Rollup) {
            pubdataPriceBaseToken = L1_GAS_PER_PUBDATA_BYTE * _l1GasPrice;
        }
        uint256 batchOverheadBaseToken = uint256(params.batchOverheadL1Gas) * _l1GasPrice;
        uint256 fullPubdataPriceBaseToken =
            pubdataPriceBaseToken + batchOverheadBaseToken / uint256(params.maxPubdataPerBatch);
        uint256 l2GasPrice = params.minimalL2GasPrice + batchOverheadBaseToken / uint256(params.maxL2GasPerBatch);
        uint256 minL2GasPriceBaseToken = Math.ceilDiv(fullPubdataPriceBaseToken, _gasPerPubdata);
        return Math.max(l2GasPrice, minL2GasPriceBaseToken);
    }

    /// @dev AddressAliasHelper.applyL1ToL2Alias.
    function _applyL1ToL2Alias(address l1Address) internal pure returns (address) {
        unchecked {
            return address(uint160(l1Address) + uint160(0x1111000000000000000000000000000000001111));
        }
    }

    /// @dev AddressAliasHelper.actualRefundRecipient: the sender if none is given (aliased if it
    ///      is a contract), an L1 contract aliased.
    function _actualRefundRecipient(address _refundRecipient, address _originalCaller)
        internal
        view
        returns (address)
    {
        if (_refundRecipient == address(0)) {
            // solhint-disable-next-line avoid-tx-origin
            return _originalCaller == tx.origin ? _originalCaller : _applyL1ToL2Alias(_originalCaller);
        }
        if (_refundRecipient.code.length > 0) return _applyL1ToL2Alias(_refundRecipient);
        return _refundRecipient;
    }

    // --- batches ---

    /// @notice Records batch `_batchNumber`'s L2 -> L1 logs root as the rollup's commitment at
    ///         that L2 block (the core checks the caller is its proposer and the order).
    /// @param _batchNumber The batch (the L2 block: one block is one batch).
    /// @param _l2LogsRootHash The batch's logs root (`zks_getL1BatchDetails(n).l2ToL1LogsRoot`).
    /// @return index The commitment's index in the core.
    function proposeBatchRoot(uint256 _batchNumber, bytes32 _l2LogsRootHash) external returns (uint256 index) {
        index = core.propose(msg.sender, _batchNumber, _l2LogsRootHash);
    }

    /// @notice Batch `_batchNumber`'s logs root, if its commitment is final; zero otherwise
    ///         (Getters.l2LogsRootHash).
    function l2LogsRootHash(uint256 _batchNumber) public view returns (bytes32) {
        if (core.commitmentCount() == 0 || _batchNumber > core.latestL2BlockNumber()) return bytes32(0);
        uint256 index = core.commitmentIndexAfter(_batchNumber);
        (bytes32 root, uint256 l2BlockNumber,) = core.getCommitment(index);
        if (l2BlockNumber != _batchNumber || !core.isFinalized(index)) return bytes32(0);
        return root;
    }

    // --- inclusion proofs ---

    /// @notice Whether `_message` was sent from L2 in batch `_batchNumber`, at `_index` of its
    ///         logs tree (MailboxFacet.proveL2MessageInclusion). Reverts BatchNotExecuted if the
    ///         batch has no final root.
    function proveL2MessageInclusion(
        uint256 _batchNumber,
        uint256 _index,
        L2Message calldata _message,
        bytes32[] calldata _proof
    ) external view returns (bool) {
        return _proveL2LogInclusion(_batchNumber, _index, L2LogsProof.messageToLog(_message), _proof);
    }

    /// @notice Whether `_log` is at `_index` of batch `_batchNumber`'s logs tree.
    function proveL2LogInclusion(uint256 _batchNumber, uint256 _index, L2Log calldata _log, bytes32[] calldata _proof)
        external
        view
        returns (bool)
    {
        return _proveL2LogInclusion(_batchNumber, _index, _log, _proof);
    }

    /// @notice Whether the priority transaction `_l2TxHash` ended with `_status` in batch
    ///         `_l2BatchNumber`: its status log, from the bootloader, is at `_l2MessageIndex`.
    function proveL1ToL2TransactionStatus(
        bytes32 _l2TxHash,
        uint256 _l2BatchNumber,
        uint256 _l2MessageIndex,
        uint16 _l2TxNumberInBatch,
        bytes32[] calldata _merkleProof,
        TxStatus _status
    ) external view returns (bool) {
        L2Log memory log = L2Log({
            l2ShardId: 0,
            isService: true,
            txNumberInBatch: _l2TxNumberInBatch,
            sender: L2_BOOTLOADER_ADDRESS,
            key: _l2TxHash,
            value: bytes32(uint256(_status))
        });
        return _proveL2LogInclusion(_l2BatchNumber, _l2MessageIndex, log, _merkleProof);
    }

    function _proveL2LogInclusion(uint256 _batchNumber, uint256 _index, L2Log memory _log, bytes32[] calldata _proof)
        internal
        view
        returns (bool)
    {
        bytes32 root = l2LogsRootHash(_batchNumber);
        if (root == bytes32(0)) revert BatchNotExecuted(_batchNumber);
        return L2LogsProof.root(_proof, _index, L2LogsProof.leaf(_log)) == root;
    }

    // --- legacy withdrawals ---

    /// @notice Era's legacy finalization of a base token withdrawal: forwarded to the shared
    ///         bridge (MailboxFacet.finalizeEthWithdrawal).
    function finalizeEthWithdrawal(
        uint256 _l2BatchNumber,
        uint256 _l2MessageIndex,
        uint16 _l2TxNumberInBatch,
        bytes calldata _message,
        bytes32[] calldata _merkleProof
    ) external {
        IZkWithdrawalFinalizer(IZkBridgehubView(bridgehub).sharedBridge()).finalizeWithdrawal(
            chainId, _l2BatchNumber, _l2MessageIndex, _l2TxNumberInBatch, _message, _merkleProof
        );
    }

    /// @notice Whether the base token withdrawal at `_l2MessageIndex` of batch `_l2BatchNumber` was
    ///         paid (Getters.isEthWithdrawalFinalized).
    function isEthWithdrawalFinalized(uint256 _l2BatchNumber, uint256 _l2MessageIndex) external view returns (bool) {
        return IZkWithdrawalFinalizer(IZkBridgehubView(bridgehub).sharedBridge()).isWithdrawalFinalized(
            chainId, _l2BatchNumber, _l2MessageIndex
        );
    }

    // --- getters and admin ---

    /// @notice The L2 chain id (Getters.getChainId).
    function getChainId() external view returns (uint256) {
        return chainId;
    }

    /// @notice The Bridgehub (Getters.getBridgehub).
    function getBridgehub() external view returns (address) {
        return bridgehub;
    }

    /// @notice The chain's admin: the core's owner (Getters.getAdmin).
    function getAdmin() public view returns (address) {
        return core.owner();
    }

    /// @notice Priority transactions queued so far (Getters.getTotalPriorityTxs).
    function getTotalPriorityTxs() external view returns (uint256) {
        return core.depositCount();
    }

    /// @notice The largest L2 gas limit of a priority transaction (Getters.getPriorityTxMaxGasLimit).
    function getPriorityTxMaxGasLimit() external view returns (uint256) {
        return priorityTxMaxGasLimit;
    }

    /// @notice The last batch with a root on L1 (Getters.getTotalBatchesCommitted).
    function getTotalBatchesCommitted() external view returns (uint256) {
        return core.latestL2BlockNumber();
    }

    /// @notice How pubdata is priced (Getters.getPubdataPricingMode).
    function getPubdataPricingMode() external view returns (PubdataPricingMode) {
        return feeParams.pubdataPricingMode;
    }

    /// @notice The base token's L1 address: ETH_TOKEN_ADDRESS for ether (Getters.getBaseToken).
    function getBaseToken() external view returns (address) {
        return baseToken;
    }

    /// @notice The base token's asset id: DataEncoding.encodeNTVAssetId(L1 chain id, base token),
    ///         native to this L1 (Getters.getBaseTokenAssetId).
    function getBaseTokenAssetId() public view returns (bytes32) {
        return keccak256(abi.encode(block.chainid, L2_NATIVE_TOKEN_VAULT_ADDR, baseToken));
    }

    /// @notice Sets the base token's gas price multiplier; the core's owner only
    ///         (Admin.setTokenMultiplier).
    function setTokenMultiplier(uint128 _nominator, uint128 _denominator) external {
        if (msg.sender != getAdmin()) revert Unauthorized(msg.sender);
        if (_denominator == 0) revert DenominatorIsZero();
        uint128 oldNominator = baseTokenGasPriceMultiplierNominator;
        uint128 oldDenominator = baseTokenGasPriceMultiplierDenominator;
        baseTokenGasPriceMultiplierNominator = _nominator;
        baseTokenGasPriceMultiplierDenominator = _denominator;
        emit NewBaseTokenMultiplier(oldNominator, oldDenominator, _nominator, _denominator);
    }

    /// @notice Sets the fee parameters; the core's owner only (Admin.changeFeeParams).
    function changeFeeParams(FeeParams calldata _newFeeParams) external {
        if (msg.sender != getAdmin()) revert Unauthorized(msg.sender);
        _setFeeParams(_newFeeParams);
    }

    function _setFeeParams(FeeParams memory _newFeeParams) internal {
        if (_newFeeParams.maxPubdataPerBatch == 0 || _newFeeParams.maxL2GasPerBatch == 0) revert InvalidFeeParams();
        if (_newFeeParams.maxPubdataPerBatch < _newFeeParams.priorityTxMaxPubdata) revert InvalidFeeParams();
        FeeParams memory old = feeParams;
        feeParams = _newFeeParams;
        emit NewFeeParams(old, _newFeeParams);
    }
}
