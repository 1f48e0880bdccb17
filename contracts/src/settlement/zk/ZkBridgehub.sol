// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {
    BRIDGEHUB_MIN_SECOND_BRIDGE_ADDRESS,
    BridgehubL2TransactionRequest,
    ETH_TOKEN_ADDRESS,
    L2Log,
    L2Message,
    L2TransactionRequestDirect,
    L2TransactionRequestTwoBridgesInner,
    L2TransactionRequestTwoBridgesOuter,
    TWO_BRIDGES_MAGIC_VALUE,
    TxStatus
} from "./ZkMessaging.sol";
import {ZkChain} from "./ZkChain.sol";

/// @notice What the Bridgehub asks of the shared bridge (IL1AssetRouter): to take a request's
///         `mintValue` of an ERC-20 base token from the caller.
interface IZkBaseTokenDepositor {
    function bridgehubDepositBaseToken(uint256 _chainId, bytes32 _assetId, address _originalCaller, uint256 _amount)
        external
        payable;
}

/// @notice What the Bridgehub asks of a second bridge (IL1AssetRouter's two-bridge half): to
///         take the deposit and name the L2 call that finalizes it, then to record its hash.
interface IZkSecondBridge {
    function bridgehubDeposit(uint256 _chainId, address _originalCaller, uint256 _l2Value, bytes calldata _data)
        external
        payable
        returns (L2TransactionRequestTwoBridgesInner memory request);

    function bridgehubConfirmL2Transaction(uint256 _chainId, bytes32 _txDataHash, bytes32 _txHash) external;
}

/// @title ZkBridgehub
/// @notice ZK Stack's Bridgehub for the chains settling on this L1: the entry zksync-ethers sends
///         deposits and `requestExecute` through (`requestL2TransactionDirect`), prices them
///         (`l2TransactionBaseCost`), and reads each chain's main contract, base token and the
///         shared bridge from (`getZKChain` / `getHyperchain`, `baseToken`, `baseTokenAssetId`,
///         `sharedBridge` / `assetRouter`). It holds nothing: on an ether-based chain a request's
///         ETH goes with it to the chain's ZkChain, which puts it in the chain's RollupCore; on a
///         chain whose base token is an ERC-20 (the core's gas token) the request takes no ETH
///         and the shared bridge moves its `mintValue` of the token from the caller (who approved
///         the shared bridge, as zksync-ethers does) into the core
///         (L1AssetRouter.bridgehubDepositBaseToken).
///         A two-bridge request (`requestL2TransactionTwoBridges`, an ERC-20 other than the base
///         token) pays its `mintValue` the same way and has the second bridge (the shared bridge)
///         take the token into the core and name the L2 call, sent from the second bridge.
/// @dev    Functions, arguments and errors are era-contracts' Bridgehub's. Not carried over: chain
///         type managers and chain creation (a chain is deployed on its own and registered with
///         `registerAlreadyDeployedZKChain`), ETH to an ERC-20-based chain through a second bridge
///         (the shared bridge refuses it), migration to a gateway, the message root, pausing.
///         Constructor: (owner); then `setSharedBridge` once.
contract ZkBridgehub is Ownable2Step, ReentrancyGuard {
    /// @notice A chain was registered (era-contracts' NewChain; no chain type manager here).
    event NewChain(uint256 indexed chainId, address chainTypeManager, address indexed chainGovernance);
    /// @notice The shared bridge was set.
    event SharedBridgeSet(address indexed sharedBridge);

    /// @notice No chain with this id is registered.
    error ZKChainNotRegistered(uint256 chainId);
    /// @notice The chain id is already registered.
    error ChainIdAlreadyExists();
    /// @notice The chain's contract reports another chain id.
    error ChainIdMismatch();
    /// @notice The chain's contract names another Bridgehub.
    error IncorrectBridgeHubAddress(address bridgehub);
    /// @notice A zero address where a contract is needed.
    error ZeroAddress();
    /// @notice The shared bridge is already set.
    error SharedBridgeAlreadySet(address sharedBridge);
    /// @notice `msg.value` is not the request's `mintValue` (an ether-based chain), or not zero
    ///         (a chain whose base token is an ERC-20).
    error MsgValueMismatch(uint256 expectedMsgValue, uint256 providedMsgValue);
    /// @notice A second bridge at a reserved (system) address.
    error SecondBridgeAddressTooLow(address secondBridge, address minSecondBridge);
    /// @notice The second bridge did not answer with TWO_BRIDGES_MAGIC_VALUE.
    error WrongMagicValue(uint256 expectedMagicValue, uint256 providedMagicValue);

    /// @notice The shared bridge (asset router and nullifier) of every chain here.
    address public sharedBridge;

    mapping(uint256 chainId => ZkChain zkChain) private _zkChains;

    /// @param _owner Registers chains and sets the shared bridge (Ownable2Step).
    constructor(address _owner) Ownable(_owner) {}

    /// @notice Sets the shared bridge, once; the owner only.
    function setSharedBridge(address _sharedBridge) external onlyOwner {
        if (_sharedBridge == address(0)) revert ZeroAddress();
        if (sharedBridge != address(0)) revert SharedBridgeAlreadySet(sharedBridge);
        sharedBridge = _sharedBridge;
        emit SharedBridgeSet(_sharedBridge);
    }

    /// @notice Registers `_zkChain` as chain `_chainId`'s main contract; the owner only.
    function registerAlreadyDeployedZKChain(uint256 _chainId, address _zkChain) external onlyOwner {
        if (_zkChain == address(0)) revert ZeroAddress();
        if (address(_zkChains[_chainId]) != address(0)) revert ChainIdAlreadyExists();
        ZkChain chain = ZkChain(_zkChain);
        if (chain.getChainId() != _chainId) revert ChainIdMismatch();
        if (chain.getBridgehub() != address(this)) revert IncorrectBridgeHubAddress(chain.getBridgehub());
        _zkChains[_chainId] = chain;
        emit NewChain(_chainId, address(0), chain.getAdmin());
    }

    /// @notice Queues an L1 -> L2 transaction on chain `_request.chainId`, paying `mintValue` of
    ///         the chain's base token for its gas and value (Bridgehub.requestL2TransactionDirect):
    ///         `msg.value` on an ether-based chain; on an ERC-20-based chain no ETH (refused with
    ///         MsgValueMismatch(0, value)) and `mintValue` units of the token, which the shared
    ///         bridge takes from the caller's allowance to it.
    /// @return canonicalTxHash The L2 transaction's hash.
    function requestL2TransactionDirect(L2TransactionRequestDirect calldata _request)
        external
        payable
        nonReentrant
        returns (bytes32 canonicalTxHash)
    {
        ZkChain chain = _chain(_request.chainId);
        if (chain.getBaseToken() == ETH_TOKEN_ADDRESS) {
            if (msg.value != _request.mintValue) revert MsgValueMismatch(_request.mintValue, msg.value);
        } else {
            if (msg.value != 0) revert MsgValueMismatch(0, msg.value);
            IZkBaseTokenDepositor(sharedBridge).bridgehubDepositBaseToken(
                _request.chainId, chain.getBaseTokenAssetId(), msg.sender, _request.mintValue
            );
        }
        canonicalTxHash = chain.bridgehubRequestL2Transaction{value: msg.value}(
            BridgehubL2TransactionRequest({
                sender: msg.sender,
                contractL2: _request.l2Contract,
                mintValue: _request.mintValue,
                l2Value: _request.l2Value,
                l2Calldata: _request.l2Calldata,
                l2GasLimit: _request.l2GasLimit,
                l2GasPerPubdataByteLimit: _request.l2GasPerPubdataByteLimit,
                factoryDeps: _request.factoryDeps,
                refundRecipient: _actualRefundRecipient(_request.refundRecipient, msg.sender)
            })
        );
    }

    /// @notice Queues an L1 -> L2 transaction built by a second bridge on chain `_request.chainId`
    ///         (Bridgehub.requestL2TransactionTwoBridges): `mintValue` of the base token is paid
    ///         as in `requestL2TransactionDirect` (on an ether-based chain `msg.value` is
    ///         `mintValue + secondBridgeValue`; else `secondBridgeValue` and the shared bridge takes
    ///         `mintValue` of the token), the second bridge takes its deposit
    ///         (`bridgehubDeposit`, with `secondBridgeValue`) and names the L2 call, which is sent
    ///         from the second bridge (aliased on L2), and then records the transaction's hash
    ///         (`bridgehubConfirmL2Transaction`).
    /// @return canonicalTxHash The L2 transaction's hash.
    function requestL2TransactionTwoBridges(L2TransactionRequestTwoBridgesOuter calldata _request)
        external
        payable
        nonReentrant
        returns (bytes32 canonicalTxHash)
    {
        if (_request.secondBridgeAddress <= BRIDGEHUB_MIN_SECOND_BRIDGE_ADDRESS) {
            revert SecondBridgeAddressTooLow(_request.secondBridgeAddress, BRIDGEHUB_MIN_SECOND_BRIDGE_ADDRESS);
        }
        ZkChain chain = _chain(_request.chainId);
        uint256 baseTokenMsgValue;
        if (chain.getBaseToken() == ETH_TOKEN_ADDRESS) {
            if (msg.value != _request.mintValue + _request.secondBridgeValue) {
                revert MsgValueMismatch(_request.mintValue + _request.secondBridgeValue, msg.value);
            }
            baseTokenMsgValue = _request.mintValue;
        } else {
            if (msg.value != _request.secondBridgeValue) {
                revert MsgValueMismatch(_request.secondBridgeValue, msg.value);
            }
            IZkBaseTokenDepositor(sharedBridge).bridgehubDepositBaseToken(
                _request.chainId, chain.getBaseTokenAssetId(), msg.sender, _request.mintValue
            );
        }
        L2TransactionRequestTwoBridgesInner memory outputRequest = IZkSecondBridge(_request.secondBridgeAddress)
        .bridgehubDeposit{value: _request.secondBridgeValue}(
            _request.chainId, msg.sender, _request.l2Value, _request.secondBridgeCalldata
        );
        if (outputRequest.magicValue != TWO_BRIDGES_MAGIC_VALUE) {
            revert WrongMagicValue(uint256(TWO_BRIDGES_MAGIC_VALUE), uint256(outputRequest.magicValue));
        }
        canonicalTxHash = chain.bridgehubRequestL2Transaction{value: baseTokenMsgValue}(
            BridgehubL2TransactionRequest({
                sender: _request.secondBridgeAddress,
                contractL2: outputRequest.l2Contract,
                mintValue: _request.mintValue,
                l2Value: _request.l2Value,
                l2Calldata: outputRequest.l2Calldata,
                l2GasLimit: _request.l2GasLimit,
                l2GasPerPubdataByteLimit: _request.l2GasPerPubdataByteLimit,
                factoryDeps: outputRequest.factoryDeps,
                refundRecipient: _actualRefundRecipient(_request.refundRecipient, msg.sender)
            })
        );
        IZkSecondBridge(_request.secondBridgeAddress).bridgehubConfirmL2Transaction(
            _request.chainId, outputRequest.txDataHash, canonicalTxHash
        );
    }

    /// @notice The base cost of an L1 -> L2 transaction on chain `_chainId`.
    function l2TransactionBaseCost(
        uint256 _chainId,
        uint256 _gasPrice,
        uint256 _l2GasLimit,
        uint256 _l2GasPerPubdataByteLimit
    ) external view returns (uint256) {
        return _chain(_chainId).l2TransactionBaseCost(_gasPrice, _l2GasLimit, _l2GasPerPubdataByteLimit);
    }

    /// @notice Whether `_message` was sent from chain `_chainId` in batch `_batchNumber`.
    function proveL2MessageInclusion(
        uint256 _chainId,
        uint256 _batchNumber,
        uint256 _index,
        L2Message calldata _message,
        bytes32[] calldata _proof
    ) external view returns (bool) {
        return _chain(_chainId).proveL2MessageInclusion(_batchNumber, _index, _message, _proof);
    }

    /// @notice Whether `_log` is in chain `_chainId`'s batch `_batchNumber`.
    function proveL2LogInclusion(
        uint256 _chainId,
        uint256 _batchNumber,
        uint256 _index,
        L2Log calldata _log,
        bytes32[] calldata _proof
    ) external view returns (bool) {
        return _chain(_chainId).proveL2LogInclusion(_batchNumber, _index, _log, _proof);
    }

    /// @notice Whether priority transaction `_l2TxHash` of chain `_chainId` ended with `_status`.
    function proveL1ToL2TransactionStatus(
        uint256 _chainId,
        bytes32 _l2TxHash,
        uint256 _l2BatchNumber,
        uint256 _l2MessageIndex,
        uint16 _l2TxNumberInBatch,
        bytes32[] calldata _merkleProof,
        TxStatus _status
    ) external view returns (bool) {
        return _chain(_chainId).proveL1ToL2TransactionStatus(
            _l2TxHash, _l2BatchNumber, _l2MessageIndex, _l2TxNumberInBatch, _merkleProof, _status
        );
    }

    /// @notice Chain `_chainId`'s main contract; zero if none (Bridgehub.getZKChain).
    function getZKChain(uint256 _chainId) external view returns (address) {
        return address(_zkChains[_chainId]);
    }

    /// @notice The legacy name of `getZKChain`.
    function getHyperchain(uint256 _chainId) external view returns (address) {
        return address(_zkChains[_chainId]);
    }

    /// @notice Chain `_chainId`'s base token on L1: ETH_TOKEN_ADDRESS for ether, else the ERC-20
    ///         that is its core's gas token.
    function baseToken(uint256 _chainId) external view returns (address) {
        return _chain(_chainId).getBaseToken();
    }

    /// @notice Chain `_chainId`'s base token's asset id, native to this L1
    ///         (DataEncoding.encodeNTVAssetId(block.chainid, baseToken(_chainId))).
    function baseTokenAssetId(uint256 _chainId) external view returns (bytes32) {
        return _chain(_chainId).getBaseTokenAssetId();
    }

    /// @notice The asset router: the shared bridge (Bridgehub.assetRouter).
    function assetRouter() external view returns (address) {
        return sharedBridge;
    }

    /// @notice This L1's chain id (Bridgehub.L1_CHAIN_ID).
    function L1_CHAIN_ID() external view returns (uint256) {
        return block.chainid;
    }

    /// @notice The Bridgehub's admin: its owner.
    function admin() external view returns (address) {
        return owner();
    }

    function _chain(uint256 _chainId) internal view returns (ZkChain chain) {
        chain = _zkChains[_chainId];
        if (address(chain) == address(0)) revert ZKChainNotRegistered(_chainId);
    }

    /// @dev AddressAliasHelper.actualRefundRecipient, as Bridgehub._sendRequest applies it.
    function _actualRefundRecipient(address _refundRecipient, address _originalCaller)
        internal
        view
        returns (address)
    {
        address offset = address(0x1111000000000000000000000000000000001111);
        if (_refundRecipient == address(0)) {
            // solhint-disable-next-line avoid-tx-origin
            if (_originalCaller == tx.origin) return _originalCaller;
            unchecked {
                return address(uint160(_originalCaller) + uint160(offset));
            }
        }
        if (_refundRecipient.code.length > 0) {
            unchecked {
                return address(uint160(_refundRecipient) + uint160(offset));
            }
        }
        return _refundRecipient;
    }
}
