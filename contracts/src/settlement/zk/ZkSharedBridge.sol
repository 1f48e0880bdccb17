// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IRollupCore} from "../IRollupCore.sol";
import {
    ETH_TOKEN_ADDRESS,
    FINALIZE_ETH_WITHDRAWAL_SELECTOR,
    FinalizeL1DepositParams,
    L2_ASSET_ROUTER_ADDR,
    L2_BASE_TOKEN_SYSTEM_CONTRACT_ADDR,
    L2_NATIVE_TOKEN_VAULT_ADDR,
    L2Message,
    L2TransactionRequestTwoBridgesInner,
    TWO_BRIDGES_MAGIC_VALUE
} from "./ZkMessaging.sol";
import {ZkBridgehub} from "./ZkBridgehub.sol";
import {ZkChain} from "./ZkChain.sol";

/// @dev The L2 asset router's (legacy L2SharedBridge's) `finalizeDeposit(address,address,address,uint256,bytes)`.
bytes4 constant FINALIZE_DEPOSIT_LEGACY_SELECTOR = bytes4(keccak256("finalizeDeposit(address,address,address,uint256,bytes)"));

/// @title ZkSharedBridge
/// @notice ZK Stack's L1 shared bridge for the chains of one ZkBridgehub: the asset router
///         zksync-ethers finds through `zks_getBridgeContracts().l1SharedDefaultBridge`, and its
///         own L1 nullifier (`L1_NULLIFIER()` is this contract), where `Wallet.finalizeWithdrawal`
///         calls `finalizeDeposit(FinalizeL1DepositParams)` and `isWithdrawalFinalized` is read.
///         A base token withdrawal is verified as era-contracts' L1Nullifier verifies it
///         (L2BaseToken's message `finalizeEthWithdrawal.selector ‖ l1Receiver ‖ amount`, sent by
///         L2BaseToken through L1Messenger, proven in the batch's logs tree through the
///         Bridgehub and the chain's main contract), then paid by the chain's RollupCore, which
///         keeps the base token (ETH or the ERC-20) and the record of paid withdrawals, and
///         delivered to the receiver. On a chain whose base token is an ERC-20 it is also where
///         the caller's allowance is: the Bridgehub has it move a request's `mintValue` from the
///         caller into the core (L1AssetRouter.bridgehubDepositBaseToken).
///
///         It is also the second bridge and the L1 native token vault (`nativeTokenVault()` is
///         this contract) of ERC-20s other than the base token: the Bridgehub's
///         `requestL2TransactionTwoBridges` calls `bridgehubDeposit`, which takes the amount from
///         the caller (who approved this contract, as zksync-ethers' `approveERC20` does) into the
///         chain's RollupCore, which holds it, and returns the L2 call: the L2 asset router's
///         legacy `finalizeDeposit(l1Sender, l2Receiver, l1Token, amount, abi.encode(name, symbol,
///         decimals))`, as era-contracts' L1AssetRouter sends it for a token native to L1; on L2 it
///         is sent from this contract, aliased.
/// @dev    A withdrawal's id in the core is keccak256(abi.encode(chainId, l2BatchNumber,
///         l2MessageIndex)): the key of L1Nullifier's `isWithdrawalFinalized`. The core refuses
///         a second payment (WithdrawalAlreadyFinalized) and one before the batch's commitment is
///         final (CommitmentNotFinalized). The message's amount is in L2 units (18 decimals); the
///         core pays its exact L1 amount of the base token (`toL1Amount`; an amount below one L1
///         unit of an ERC-20 is refused with AmountNotRepresentable, never rounded). The payment
///         fails as a whole if the receiver refuses the ETH, so the withdrawal can be retried.
///
///         Not carried over: withdrawals of ERC-20s other than the base token (`finalizeDeposit`
///         of other messages than the base token's: InvalidSelector), ETH deposits to an
///         ERC-20-based chain through the second bridge, tokens bridged from another chain than
///         this L1, failed deposit claims, legacy Era bridges, pausing, proxies. Constructor: (bridgehub); then
///         the Bridgehub's owner calls `setSharedBridge(this)` and each chain's core owner enables
///         this contract as an entry point (it calls `core.finalizeWithdrawal`).
contract ZkSharedBridge is ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @notice The base token a request pays with was taken from its caller into the chain's core
    ///         (IAssetRouterBase.BridgehubDepositBaseTokenInitiated).
    event BridgehubDepositBaseTokenInitiated(
        uint256 indexed chainId, address indexed from, bytes32 assetId, uint256 amount
    );

    /// @notice An ERC-20 deposit was taken into the chain's core and its L2 call built
    ///         (IL1AssetRouter.BridgehubDepositInitiated).
    event BridgehubDepositInitiated(
        uint256 indexed chainId, bytes32 indexed txDataHash, address indexed from, bytes32 assetId, bytes bridgeMintCalldata
    );
    /// @notice The deposit's L2 transaction hash was recorded (IL1Nullifier.BridgehubDepositFinalized).
    event BridgehubDepositFinalized(uint256 indexed chainId, bytes32 indexed txDataHash, bytes32 indexed l2DepositTxHash);
    /// @notice The vault took `amount` of the asset from `sender` for `receiver` on chain `chainId`
    ///         (INativeTokenVault.BridgeBurn).
    event BridgeBurn(
        uint256 indexed chainId, bytes32 indexed assetId, address indexed sender, address receiver, uint256 amount
    );

    /// @notice A withdrawal was paid (IL1SharedBridge.WithdrawalFinalizedSharedBridge).
    event WithdrawalFinalizedSharedBridge(
        uint256 indexed chainId, address indexed to, address indexed l1Token, uint256 amount
    );

    /// @notice The message does not start with a known selector.
    error InvalidSelector(bytes4 selector);
    /// @notice A base token withdrawal's message shorter than 56 bytes.
    error L2WithdrawalMessageWrongLength(uint256 length);
    /// @notice The message was not sent by L2BaseToken.
    error WrongL2Sender(address sender);
    /// @notice The Merkle proof does not prove the message in the batch.
    error InvalidProof();
    /// @notice The batch has no commitment on L1.
    error BatchNotCommitted(uint256 batchNumber);
    /// @notice ETH from another account than the core paying a withdrawal.
    error UnexpectedEth(address sender);
    /// @notice A caller other than the Bridgehub.
    error Unauthorized(address caller);
    /// @notice An asset id other than the chain's ERC-20 base token's (ether's travels with the
    ///         request itself).
    error AssetIdNotSupported(bytes32 assetId);
    /// @notice ETH sent where the base token is an ERC-20.
    error NonEmptyMsgValue();
    /// @notice The core received another amount than was transferred (a fee-on-transfer token).
    error TokensWithFeesNotSupported();
    /// @notice The second bridge calldata starts with an unknown encoding version.
    error UnsupportedEncodingVersion();
    /// @notice A deposit of zero.
    error EmptyDeposit();
    /// @notice The asset id is not the token's (DataEncoding.encodeNTVAssetId(block.chainid, token)).
    error AssetIdMismatch(bytes32 expected, bytes32 supplied);
    /// @notice The token address holds no contract.
    error EmptyAddress();
    /// @notice A deposit's L2 transaction hash was already recorded.
    error DepositExists();

    /// @notice The Bridgehub whose chains this bridge serves (IL1Nullifier.BRIDGE_HUB).
    ZkBridgehub public immutable BRIDGE_HUB;

    /// @dev The core a payment is expected from, during `_finalize` only.
    address private _payer;

    /// @notice The L1 token of each asset id deposited through this vault
    ///         (INativeTokenVault.tokenAddress).
    mapping(bytes32 assetId => address token) public tokenAddress;

    /// @notice The data hash of each ERC-20 deposit by chain and L2 transaction hash
    ///         (IL1Nullifier.depositHappened), for failed deposit claims.
    mapping(uint256 chainId => mapping(bytes32 l2DepositTxHash => bytes32 txDataHash)) public depositHappened;

    /// @param _bridgehub The Bridgehub.
    constructor(ZkBridgehub _bridgehub) {
        BRIDGE_HUB = _bridgehub;
    }

    /// @notice The L1 nullifier: this contract (IL1AssetRouter.L1_NULLIFIER).
    function L1_NULLIFIER() external view returns (address) {
        return address(this);
    }

    /// @notice The native token vault: this contract (IL1AssetRouter.nativeTokenVault).
    function nativeTokenVault() external view returns (address) {
        return address(this);
    }

    /// @notice The native token vault, as the nullifier names it: this contract.
    function l1NativeTokenVault() external view returns (address) {
        return address(this);
    }

    /// @notice The asset id of `_token`, native to this L1 (INativeTokenVault.assetId):
    ///         keccak256(abi.encode(block.chainid, L2_NATIVE_TOKEN_VAULT_ADDR, _token)); zero for
    ///         an address without code other than ETH_TOKEN_ADDRESS.
    function assetId(address _token) public view returns (bytes32) {
        if (_token != ETH_TOKEN_ADDRESS && _token.code.length == 0) return bytes32(0);
        return keccak256(abi.encode(block.chainid, L2_NATIVE_TOKEN_VAULT_ADDR, _token));
    }

    /// @notice The chain an asset deposited here is native to: this L1; zero if unknown
    ///         (INativeTokenVault.originChainId).
    function originChainId(bytes32 _assetId) external view returns (uint256) {
        return tokenAddress[_assetId] == address(0) ? 0 : block.chainid;
    }

    /// @notice Takes an ERC-20 deposit for chain `_chainId` from `_originalCaller` into the chain's
    ///         RollupCore and returns the L2 call that mints it (L1AssetRouter.bridgehubDeposit,
    ///         the second bridge of `requestL2TransactionTwoBridges`). `_data` is
    ///         `0x01 ‖ abi.encode(assetId, abi.encode(amount, l2Receiver, token))` (zksync-ethers'
    ///         `encodeSecondBridgeDataV1`) or the legacy `abi.encode(token, amount, l2Receiver)`.
    ///         The Bridgehub only; no ETH and no L2 value (ETH and the base token are refused with
    ///         AssetIdNotSupported). Without the caller's allowance to this contract the token
    ///         refuses and nothing moves.
    function bridgehubDeposit(uint256 _chainId, address _originalCaller, uint256 _l2Value, bytes calldata _data)
        external
        payable
        nonReentrant
        returns (L2TransactionRequestTwoBridgesInner memory request)
    {
        if (msg.sender != address(BRIDGE_HUB)) revert Unauthorized(msg.sender);
        if (msg.value != 0 || _l2Value != 0) revert NonEmptyMsgValue();
        (bytes32 id, uint256 amount, address receiver, address token) = _parseDepositData(_data);
        _escrow(_chainId, _originalCaller, id, token, amount);
        emit BridgeBurn(_chainId, id, _originalCaller, receiver, amount);
        request = _l2Request(_chainId, _originalCaller, id, amount, receiver, token);
    }

    /// @dev Checks the deposit and moves it from `_from` into chain `_chainId`'s core.
    function _escrow(uint256 _chainId, address _from, bytes32 _id, address _token, uint256 _amount) internal {
        address chain = BRIDGE_HUB.getZKChain(_chainId);
        if (chain == address(0)) revert ZkBridgehub.ZKChainNotRegistered(_chainId);
        if (_token == ETH_TOKEN_ADDRESS || _token == ZkChain(chain).getBaseToken()) revert AssetIdNotSupported(_id);
        if (_token.code.length == 0) revert EmptyAddress();
        bytes32 expected = assetId(_token);
        if (_id != expected) revert AssetIdMismatch(expected, _id);
        if (_amount == 0) revert EmptyDeposit();
        if (tokenAddress[_id] == address(0)) tokenAddress[_id] = _token;

        address core = address(ZkChain(chain).core());
        uint256 before = IERC20(_token).balanceOf(core);
        IERC20(_token).safeTransferFrom(_from, core, _amount);
        if (IERC20(_token).balanceOf(core) - before != _amount) revert TokensWithFeesNotSupported();
    }

    /// @dev The L2 call of a deposit: the L2 asset router's legacy `finalizeDeposit`.
    function _l2Request(
        uint256 _chainId,
        address _from,
        bytes32 _id,
        uint256 _amount,
        address _receiver,
        address _token
    ) internal returns (L2TransactionRequestTwoBridgesInner memory request) {
        bytes memory transferData = abi.encode(_amount, _receiver, _token);
        bytes32 txDataHash = keccak256(bytes.concat(bytes1(0x01), abi.encode(_from, _id, transferData)));
        bytes memory l2Calldata = abi.encodeWithSelector(
            FINALIZE_DEPOSIT_LEGACY_SELECTOR, _from, _receiver, _token, _amount, _erc20Getters(_token)
        );
        emit BridgehubDepositInitiated(_chainId, txDataHash, _from, _id, l2Calldata);
        request = L2TransactionRequestTwoBridgesInner({
            magicValue: TWO_BRIDGES_MAGIC_VALUE,
            l2Contract: L2_ASSET_ROUTER_ADDR,
            l2Calldata: l2Calldata,
            factoryDeps: new bytes[](0),
            txDataHash: txDataHash
        });
    }

    /// @notice Records the L2 transaction hash of a deposit (L1AssetRouter / L1Nullifier
    ///         `bridgehubConfirmL2Transaction`). The Bridgehub only.
    function bridgehubConfirmL2Transaction(uint256 _chainId, bytes32 _txDataHash, bytes32 _txHash) external {
        if (msg.sender != address(BRIDGE_HUB)) revert Unauthorized(msg.sender);
        if (depositHappened[_chainId][_txHash] != bytes32(0)) revert DepositExists();
        depositHappened[_chainId][_txHash] = _txDataHash;
        emit BridgehubDepositFinalized(_chainId, _txDataHash, _txHash);
    }

    /// @notice Takes `_amount` units of chain `_chainId`'s ERC-20 base token (`_assetId`) from
    ///         `_originalCaller`, who approved this contract, into the chain's RollupCore: the
    ///         `mintValue` of an L1 -> L2 request (L1AssetRouter.bridgehubDepositBaseToken). The
    ///         Bridgehub only. Refused without the allowance (the token's own error): nothing moves.
    function bridgehubDepositBaseToken(uint256 _chainId, bytes32 _assetId, address _originalCaller, uint256 _amount)
        external
        payable
        nonReentrant
    {
        if (msg.sender != address(BRIDGE_HUB)) revert Unauthorized(msg.sender);
        if (msg.value != 0) revert NonEmptyMsgValue();
        address chain = BRIDGE_HUB.getZKChain(_chainId);
        if (chain == address(0)) revert ZkBridgehub.ZKChainNotRegistered(_chainId);
        address token = ZkChain(chain).getBaseToken();
        if (token == ETH_TOKEN_ADDRESS || _assetId != ZkChain(chain).getBaseTokenAssetId()) {
            revert AssetIdNotSupported(_assetId);
        }
        address core = address(ZkChain(chain).core());
        uint256 before = IERC20(token).balanceOf(core);
        IERC20(token).safeTransferFrom(_originalCaller, core, _amount);
        if (IERC20(token).balanceOf(core) - before != _amount) revert TokensWithFeesNotSupported();
        emit BridgehubDepositBaseTokenInitiated(_chainId, _originalCaller, _assetId, _amount);
    }

    /// @notice Finalizes the L2 -> L1 withdrawal `_params` describes: verifies its message and
    ///         proof, has the chain's core pay it, and sends it to its L1 receiver
    ///         (L1Nullifier.finalizeDeposit, what zksync-ethers' `finalizeWithdrawal` calls).
    function finalizeDeposit(FinalizeL1DepositParams calldata _params) external nonReentrant {
        _finalize(_params);
    }

    /// @notice The legacy form (L1Nullifier / L1SharedBridge `finalizeWithdrawal`), for a base
    ///         token withdrawal: the sender is L2BaseToken.
    function finalizeWithdrawal(
        uint256 _chainId,
        uint256 _l2BatchNumber,
        uint256 _l2MessageIndex,
        uint16 _l2TxNumberInBatch,
        bytes calldata _message,
        bytes32[] calldata _merkleProof
    ) external nonReentrant {
        _finalize(
            FinalizeL1DepositParams({
                chainId: _chainId,
                l2BatchNumber: _l2BatchNumber,
                l2MessageIndex: _l2MessageIndex,
                l2Sender: L2_BASE_TOKEN_SYSTEM_CONTRACT_ADDR,
                l2TxNumberInBatch: _l2TxNumberInBatch,
                message: _message,
                merkleProof: _merkleProof
            })
        );
    }

    /// @notice Whether the withdrawal at `_l2MessageIndex` of chain `_chainId`'s batch
    ///         `_l2BatchNumber` was paid.
    function isWithdrawalFinalized(uint256 _chainId, uint256 _l2BatchNumber, uint256 _l2MessageIndex)
        external
        view
        returns (bool)
    {
        return _core(_chainId).withdrawalFinalized(withdrawalId(_chainId, _l2BatchNumber, _l2MessageIndex));
    }

    /// @notice The id a withdrawal has in its chain's core.
    function withdrawalId(uint256 _chainId, uint256 _l2BatchNumber, uint256 _l2MessageIndex)
        public
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(_chainId, _l2BatchNumber, _l2MessageIndex));
    }

    /// @notice The core's payment of a withdrawal being finalized; refused otherwise.
    receive() external payable {
        if (msg.sender != _payer) revert UnexpectedEth(msg.sender);
    }

    function _finalize(FinalizeL1DepositParams memory _params) internal {
        (address l1Receiver, uint256 amount) = _parseBaseTokenWithdrawal(_params.message);
        if (_params.l2Sender != L2_BASE_TOKEN_SYSTEM_CONTRACT_ADDR) revert WrongL2Sender(_params.l2Sender);
        IRollupCore core = _core(_params.chainId);

        // The batch's commitment: the core pays only once it is final.
        if (core.commitmentCount() == 0 || _params.l2BatchNumber > core.latestL2BlockNumber()) {
            revert BatchNotCommitted(_params.l2BatchNumber);
        }
        uint256 index = core.commitmentIndexAfter(_params.l2BatchNumber);
        (, uint256 l2BlockNumber, uint256 proposedAt) = core.getCommitment(index);
        if (l2BlockNumber != _params.l2BatchNumber) revert BatchNotCommitted(_params.l2BatchNumber);
        if (!core.isFinalized(index)) {
            revert IRollupCore.CommitmentNotFinalized(index, proposedAt + core.challengeWindow());
        }
        L2Message memory message = L2Message({
            txNumberInBatch: _params.l2TxNumberInBatch,
            sender: L2_BASE_TOKEN_SYSTEM_CONTRACT_ADDR,
            data: _params.message
        });
        bool proven = BRIDGE_HUB.proveL2MessageInclusion(
            _params.chainId, _params.l2BatchNumber, _params.l2MessageIndex, message, _params.merkleProof
        );
        if (!proven) revert InvalidProof();

        bytes32 id = withdrawalId(_params.chainId, _params.l2BatchNumber, _params.l2MessageIndex);
        // The native asset (token 0): the core converts the L2 amount to the base token's exact
        // L1 amount and pays it here, in ETH or in its ERC-20 gas token.
        address gasToken = core.gasToken();
        _payer = address(core);
        uint256 released = core.finalizeWithdrawal(id, index, address(0), amount);
        _payer = address(0);
        if (gasToken == address(0)) {
            emit WithdrawalFinalizedSharedBridge(_params.chainId, l1Receiver, ETH_TOKEN_ADDRESS, released);
            Address.sendValue(payable(l1Receiver), released);
        } else {
            emit WithdrawalFinalizedSharedBridge(_params.chainId, l1Receiver, gasToken, released);
            IERC20(gasToken).safeTransfer(l1Receiver, released);
        }
    }

    /// @dev L1Nullifier._parseL2WithdrawalMessage for L2BaseToken's message: at least 56 bytes,
    ///      `finalizeEthWithdrawal.selector ‖ l1Receiver (20) ‖ amount (32)`, anything after
    ///      (`withdrawWithMessage`'s sender and data) ignored.
    function _parseBaseTokenWithdrawal(bytes memory _message)
        internal
        pure
        returns (address l1Receiver, uint256 amount)
    {
        if (_message.length < 4) revert L2WithdrawalMessageWrongLength(_message.length);
        bytes4 selector = bytes4(_message);
        if (selector != FINALIZE_ETH_WITHDRAWAL_SELECTOR) revert InvalidSelector(selector);
        if (_message.length < 56) revert L2WithdrawalMessageWrongLength(_message.length);
        assembly ("memory-safe") {
            // `_message` + 32 is its first byte: the receiver is bytes 4..24, the amount 24..56.
            l1Receiver := shr(96, mload(add(_message, 36)))
            amount := mload(add(_message, 56))
        }
    }

    /// @dev L1AssetRouter.bridgehubDeposit's decoding of the second bridge calldata.
    function _parseDepositData(bytes calldata _data)
        internal
        view
        returns (bytes32 id, uint256 amount, address receiver, address token)
    {
        if (_data.length == 0) revert UnsupportedEncodingVersion();
        bytes1 version = _data[0];
        if (version == 0x01) {
            bytes memory transferData;
            (id, transferData) = abi.decode(_data[1:], (bytes32, bytes));
            (amount, receiver, token) = abi.decode(transferData, (uint256, address, address));
        } else if (version == 0x00) {
            (token, amount, receiver) = abi.decode(_data, (address, uint256, address));
            id = assetId(token);
        } else {
            revert UnsupportedEncodingVersion();
        }
    }

    /// @dev The token's `name()`, `symbol()` and `decimals()` answers, as returned, ABI-encoded
    ///      together (NativeTokenVault.getERC20Getters' legacy form, the L2 bridge's `_data`).
    function _erc20Getters(address _token) internal view returns (bytes memory) {
        (, bytes memory name) = _token.staticcall(abi.encodeWithSignature("name()"));
        (, bytes memory symbol) = _token.staticcall(abi.encodeWithSignature("symbol()"));
        (, bytes memory decimals) = _token.staticcall(abi.encodeWithSignature("decimals()"));
        return abi.encode(name, symbol, decimals);
    }

    function _core(uint256 _chainId) internal view returns (IRollupCore) {
        address chain = BRIDGE_HUB.getZKChain(_chainId);
        if (chain == address(0)) revert ZkBridgehub.ZKChainNotRegistered(_chainId);
        return ZkChain(chain).core();
    }
}
