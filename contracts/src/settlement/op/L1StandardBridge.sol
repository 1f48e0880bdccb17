// SPDX-License-Identifier: MIT
pragma solidity 0.8.15;

import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { SafeERC20 } from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import { Address } from "@openzeppelin/contracts/utils/Address.sol";
import { ERC165Checker } from "@openzeppelin/contracts/utils/introspection/ERC165Checker.sol";
import { IOptimismMintableERC20, ILegacyMintableERC20 } from "src/universal/IOptimismMintableERC20.sol";
import { Predeploys } from "src/libraries/Predeploys.sol";
import { StandardBridge } from "src/universal/StandardBridge.sol";
import { CrossDomainMessenger } from "src/universal/CrossDomainMessenger.sol";
import { IRollupCore } from "../IRollupCore.sol";
import { L1CrossDomainMessenger } from "./L1CrossDomainMessenger.sol";

/// @title L1StandardBridge
/// @notice OP Stack's L1StandardBridge (bedrock 2.2.0's functions, events and message format)
///         whose ERC-20 deposits are held by the rollup's RollupCore: `depositERC20(To)` and
///         `bridgeERC20(To)` pull the user's tokens (the user approves this bridge, as with
///         bedrock) straight into the core, then send L2StandardBridge (0x42..10)
///         `finalizeBridgeERC20(l2Token, l1Token, from, to, amount, extraData)` through the
///         L1CrossDomainMessenger, which L2 runs as a deposit transaction (0x7E) minting the
///         OptimismMintableERC20. `depositETH(To)`/`bridgeETH(To)` send ETH along the same path
///         (it ends in the core through the portal).
/// @dev    What differs from bedrock, and why:
///         - Custody: bedrock's bridge keeps deposited tokens itself; here the core holds every
///           asset of the rollup (IRollupCore), so the bridge holds nothing between calls. It
///           still counts `deposits[l1Token][l2Token]` as bedrock does. A token must move exactly
///           `_amount` into the core (no fee-on-transfer tokens), as the portal requires for the
///           gas token.
///         - Only L1-native tokens: bedrock also burns OptimismMintableERC20s that live on L1
///           (L2-native tokens); those are refused here (no L1 mintable tokens are deployed).
///         - Withdrawals (`finalizeBridgeERC20`/`finalizeERC20Withdrawal`, and the ETH ones) are
///           not supported yet: releasing from the core needs the core's withdrawal id and
///           output index, which a messenger relay does not carry. They revert
///           (WithdrawalsNotSupported), so a relayed withdrawal message fails and stays
///           replayable in the L1CrossDomainMessenger.
///         - No proxy, SuperchainConfig or SystemConfig: the messenger is fixed at construction,
///           the gas paying token is the core's, `paused()` is false.
contract L1StandardBridge {
    using SafeERC20 for IERC20;

    /// @notice The L2 gas limit of ETH sent to the receive() function (bedrock's).
    uint32 internal constant RECEIVE_DEFAULT_GAS_LIMIT = 200_000;

    /// @notice Semantic version: the bedrock L1StandardBridge this follows.
    string public constant version = "2.2.0";

    /// @notice The rollup's L1CrossDomainMessenger.
    CrossDomainMessenger public immutable messenger;

    /// @notice The bridge on L2: the L2StandardBridge predeploy.
    StandardBridge public immutable otherBridge;

    /// @notice The settlement core that holds the deposited tokens.
    IRollupCore public immutable core;

    /// @notice Tokens deposited, by L1 token then L2 token (bedrock's mapping).
    mapping(address => mapping(address => uint256)) public deposits;

    /// @notice Withdrawals through the bridge are not supported yet (see the contract's notes).
    error WithdrawalsNotSupported();
    /// @notice The token is an OptimismMintableERC20 on L1 (an L2-native token): not supported.
    error MintableTokenNotSupported(address token);
    /// @notice The core did not receive exactly the amount deposited.
    error TransferAmountMismatch(uint256 expected, uint256 received);

    /// @notice Emitted when an ETH deposit is initiated (bedrock's legacy event).
    event ETHDepositInitiated(address indexed from, address indexed to, uint256 amount, bytes extraData);

    /// @notice Emitted when an ERC-20 deposit is initiated (bedrock's legacy event).
    event ERC20DepositInitiated(
        address indexed l1Token,
        address indexed l2Token,
        address indexed from,
        address to,
        uint256 amount,
        bytes extraData
    );

    /// @notice Emitted when an ETH bridge is initiated (bedrock's StandardBridge event).
    event ETHBridgeInitiated(address indexed from, address indexed to, uint256 amount, bytes extraData);

    /// @notice Emitted when an ERC-20 bridge is initiated (bedrock's StandardBridge event).
    event ERC20BridgeInitiated(
        address indexed localToken,
        address indexed remoteToken,
        address indexed from,
        address to,
        uint256 amount,
        bytes extraData
    );

    /// @notice Only EOAs (bedrock's onlyEOA: contracts must name the recipient).
    modifier onlyEOA() {
        require(!Address.isContract(msg.sender), "StandardBridge: function can only be called from an EOA");
        _;
    }

    /// @param _messenger The rollup's L1CrossDomainMessenger (its portal's core holds the tokens).
    constructor(L1CrossDomainMessenger _messenger) {
        require(address(_messenger).code.length != 0, "L1StandardBridge: messenger must be a contract");
        messenger = _messenger;
        otherBridge = StandardBridge(payable(Predeploys.L2_STANDARD_BRIDGE));
        core = _messenger.core();
    }

    /// @notice ETH sent by an EOA is deposited to its own address on L2 (bedrock's).
    receive() external payable onlyEOA {
        _initiateBridgeETH(msg.sender, msg.sender, RECEIVE_DEFAULT_GAS_LIMIT, bytes(""));
    }

    /// @notice Legacy getter of the messenger.
    /// @return The L1CrossDomainMessenger.
    function MESSENGER() external view returns (CrossDomainMessenger) {
        return messenger;
    }

    /// @notice Legacy getter of the other bridge.
    /// @return The L2StandardBridge.
    function OTHER_BRIDGE() external view returns (StandardBridge) {
        return otherBridge;
    }

    /// @notice Legacy getter of the other bridge's address.
    /// @return The L2StandardBridge's address.
    function l2TokenBridge() external view returns (address) {
        return address(otherBridge);
    }

    /// @notice Never paused (no SuperchainConfig).
    /// @return false.
    function paused() external pure returns (bool) {
        return false;
    }

    /// @notice Deposits ETH to the caller's address on L2.
    /// @param _minGasLimit Minimum L2 gas for the finalization on L2.
    /// @param _extraData   Data forwarded to L2, for off-chain use.
    function depositETH(uint32 _minGasLimit, bytes calldata _extraData) external payable onlyEOA {
        _initiateBridgeETH(msg.sender, msg.sender, _minGasLimit, _extraData);
    }

    /// @notice Deposits ETH to `_to` on L2.
    /// @param _to          Recipient on L2.
    /// @param _minGasLimit Minimum L2 gas for the finalization on L2.
    /// @param _extraData   Data forwarded to L2, for off-chain use.
    function depositETHTo(address _to, uint32 _minGasLimit, bytes calldata _extraData) external payable {
        _initiateBridgeETH(msg.sender, _to, _minGasLimit, _extraData);
    }

    /// @notice Bridges ETH to the caller's address on L2 (StandardBridge's name).
    /// @param _minGasLimit Minimum L2 gas for the finalization on L2.
    /// @param _extraData   Data forwarded to L2, for off-chain use.
    function bridgeETH(uint32 _minGasLimit, bytes calldata _extraData) external payable onlyEOA {
        _initiateBridgeETH(msg.sender, msg.sender, _minGasLimit, _extraData);
    }

    /// @notice Bridges ETH to `_to` on L2 (StandardBridge's name).
    /// @param _to          Recipient on L2.
    /// @param _minGasLimit Minimum L2 gas for the finalization on L2.
    /// @param _extraData   Data forwarded to L2, for off-chain use.
    function bridgeETHTo(address _to, uint32 _minGasLimit, bytes calldata _extraData) external payable {
        _initiateBridgeETH(msg.sender, _to, _minGasLimit, _extraData);
    }

    /// @notice Deposits `_amount` of `_l1Token` to the caller's address on L2 as `_l2Token` (an
    ///         OptimismMintableERC20 whose remote token is `_l1Token`). The caller approved this
    ///         bridge; the tokens go into the core.
    /// @param _l1Token     The L1 ERC-20.
    /// @param _l2Token     Its L2 token.
    /// @param _amount      Units to deposit.
    /// @param _minGasLimit Minimum L2 gas for the finalization on L2.
    /// @param _extraData   Data forwarded to L2, for off-chain use.
    function depositERC20(
        address _l1Token,
        address _l2Token,
        uint256 _amount,
        uint32 _minGasLimit,
        bytes calldata _extraData
    )
        external
        onlyEOA
    {
        _initiateBridgeERC20(_l1Token, _l2Token, msg.sender, msg.sender, _amount, _minGasLimit, _extraData);
    }

    /// @notice Deposits `_amount` of `_l1Token` to `_to` on L2 as `_l2Token`; see depositERC20.
    /// @param _l1Token     The L1 ERC-20.
    /// @param _l2Token     Its L2 token.
    /// @param _to          Recipient on L2.
    /// @param _amount      Units to deposit.
    /// @param _minGasLimit Minimum L2 gas for the finalization on L2.
    /// @param _extraData   Data forwarded to L2, for off-chain use.
    function depositERC20To(
        address _l1Token,
        address _l2Token,
        address _to,
        uint256 _amount,
        uint32 _minGasLimit,
        bytes calldata _extraData
    )
        external
    {
        _initiateBridgeERC20(_l1Token, _l2Token, msg.sender, _to, _amount, _minGasLimit, _extraData);
    }

    /// @notice depositERC20 under StandardBridge's name.
    /// @param _localToken  The L1 ERC-20.
    /// @param _remoteToken Its L2 token.
    /// @param _amount      Units to deposit.
    /// @param _minGasLimit Minimum L2 gas for the finalization on L2.
    /// @param _extraData   Data forwarded to L2, for off-chain use.
    function bridgeERC20(
        address _localToken,
        address _remoteToken,
        uint256 _amount,
        uint32 _minGasLimit,
        bytes calldata _extraData
    )
        external
        onlyEOA
    {
        _initiateBridgeERC20(_localToken, _remoteToken, msg.sender, msg.sender, _amount, _minGasLimit, _extraData);
    }

    /// @notice depositERC20To under StandardBridge's name.
    /// @param _localToken  The L1 ERC-20.
    /// @param _remoteToken Its L2 token.
    /// @param _to          Recipient on L2.
    /// @param _amount      Units to deposit.
    /// @param _minGasLimit Minimum L2 gas for the finalization on L2.
    /// @param _extraData   Data forwarded to L2, for off-chain use.
    function bridgeERC20To(
        address _localToken,
        address _remoteToken,
        address _to,
        uint256 _amount,
        uint32 _minGasLimit,
        bytes calldata _extraData
    )
        external
    {
        _initiateBridgeERC20(_localToken, _remoteToken, msg.sender, _to, _amount, _minGasLimit, _extraData);
    }

    /// @notice Not supported yet (see the contract's notes); always reverts.
    function finalizeBridgeERC20(address, address, address, address, uint256, bytes calldata) external pure {
        revert WithdrawalsNotSupported();
    }

    /// @notice Not supported yet (see the contract's notes); always reverts.
    function finalizeERC20Withdrawal(address, address, address, address, uint256, bytes calldata) external pure {
        revert WithdrawalsNotSupported();
    }

    /// @notice Not supported yet (see the contract's notes); always reverts.
    function finalizeBridgeETH(address, address, uint256, bytes calldata) external payable {
        revert WithdrawalsNotSupported();
    }

    /// @notice Not supported yet (see the contract's notes); always reverts.
    function finalizeETHWithdrawal(address, address, uint256, bytes calldata) external payable {
        revert WithdrawalsNotSupported();
    }

    /// @notice bedrock's ETH path: the ETH goes with the message (portal, then core).
    function _initiateBridgeETH(address _from, address _to, uint32 _minGasLimit, bytes memory _extraData) internal {
        require(core.gasToken() == address(0), "StandardBridge: cannot bridge ETH with custom gas token");
        emit ETHDepositInitiated(_from, _to, msg.value, _extraData);
        emit ETHBridgeInitiated(_from, _to, msg.value, _extraData);
        messenger.sendMessage{ value: msg.value }({
            _target: address(otherBridge),
            _message: abi.encodeWithSelector(StandardBridge.finalizeBridgeETH.selector, _from, _to, msg.value, _extraData),
            _minGasLimit: _minGasLimit
        });
    }

    /// @notice bedrock's ERC-20 path, the tokens moved from `_from` into the core.
    function _initiateBridgeERC20(
        address _localToken,
        address _remoteToken,
        address _from,
        address _to,
        uint256 _amount,
        uint32 _minGasLimit,
        bytes memory _extraData
    )
        internal
    {
        if (_isOptimismMintableERC20(_localToken)) revert MintableTokenNotSupported(_localToken);

        uint256 startBalance = IERC20(_localToken).balanceOf(address(core));
        IERC20(_localToken).safeTransferFrom(_from, address(core), _amount);
        uint256 received = IERC20(_localToken).balanceOf(address(core)) - startBalance;
        if (received != _amount) revert TransferAmountMismatch(_amount, received);
        deposits[_localToken][_remoteToken] = deposits[_localToken][_remoteToken] + _amount;

        emit ERC20DepositInitiated(_localToken, _remoteToken, _from, _to, _amount, _extraData);
        emit ERC20BridgeInitiated(_localToken, _remoteToken, _from, _to, _amount, _extraData);

        messenger.sendMessage({
            _target: address(otherBridge),
            // Run on L2, so the remote and local tokens swap places (bedrock's order).
            _message: abi.encodeWithSelector(
                StandardBridge.finalizeBridgeERC20.selector, _remoteToken, _localToken, _from, _to, _amount, _extraData
            ),
            _minGasLimit: _minGasLimit
        });
    }

    /// @notice Whether `_token` is an OptimismMintableERC20 (either interface), as bedrock checks.
    function _isOptimismMintableERC20(address _token) internal view returns (bool) {
        return ERC165Checker.supportsInterface(_token, type(ILegacyMintableERC20).interfaceId)
            || ERC165Checker.supportsInterface(_token, type(IOptimismMintableERC20).interfaceId);
    }
}
