// SPDX-License-Identifier: MIT
pragma solidity 0.8.15;

import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { SafeERC20 } from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import { Address } from "@openzeppelin/contracts/utils/Address.sol";
import { ERC165Checker } from "@openzeppelin/contracts/utils/introspection/ERC165Checker.sol";
import { SafeCall } from "src/libraries/SafeCall.sol";
import { Hashing } from "src/libraries/Hashing.sol";
import { Types } from "src/libraries/Types.sol";
import { IOptimismMintableERC20, ILegacyMintableERC20 } from "src/universal/IOptimismMintableERC20.sol";
import { Predeploys } from "src/libraries/Predeploys.sol";
import { StandardBridge } from "src/universal/StandardBridge.sol";
import { CrossDomainMessenger } from "src/universal/CrossDomainMessenger.sol";
import { IRollupCore } from "../IRollupCore.sol";
import { L1CrossDomainMessenger } from "./L1CrossDomainMessenger.sol";
import { OptimismPortal } from "./OptimismPortal.sol";

/// @title L1StandardBridge
/// @notice OP Stack's L1StandardBridge (bedrock 2.2.0's functions, events and message format)
///         whose ERC-20 deposits are held by the rollup's RollupCore: `depositERC20(To)` and
///         `bridgeERC20(To)` pull the user's tokens (the user approves this bridge, as with
///         bedrock) straight into the core, then send L2StandardBridge (0x42..10)
///         `finalizeBridgeERC20(l2Token, l1Token, from, to, amount, extraData)` through the
///         L1CrossDomainMessenger, which L2 runs as a deposit transaction (0x7E) minting the
///         OptimismMintableERC20. `depositETH(To)`/`bridgeETH(To)` send ETH along the same path
///         (it ends in the core through the portal).
///
///         Withdrawals as on an OP chain: L2StandardBridge (`withdraw(To)`, `bridgeERC20(To)`)
///         burns the L2 token and sends `finalizeBridgeERC20(l1Token, l2Token, from, to, amount,
///         extraData)` through L2CrossDomainMessenger and the L2ToL1MessagePasser; the withdrawal
///         is proven and finalized on the OptimismPortal, whose delivery has the
///         L1CrossDomainMessenger relay the message to this bridge, which has the core release the
///         tokens (core.finalizeWithdrawal, this bridge being an entry point of the core) and
///         passes them to the recipient.
/// @dev    What differs from bedrock, and why:
///         - Custody: bedrock's bridge keeps deposited tokens itself; here the core holds every
///           asset of the rollup (IRollupCore), so the bridge holds nothing between calls. It
///           counts `deposits[l1Token][l2Token]` as bedrock does: up on a deposit, down on a
///           withdrawal, and a withdrawal of more than is left for its pair (a pair never
///           deposited included) is refused with DepositsExceeded where bedrock's subtraction
///           underflows. A token must move exactly `_amount` into the core (no fee-on-transfer
///           tokens), as the portal requires for the gas token.
///         - ERC-20 payouts: the core pays each withdrawal once, by id, against a final output;
///           a messenger relay does not carry either, so the bridge takes them from the portal's
///           delivery (`OptimismPortal.deliveringWithdrawalHash`, and the output index the
///           withdrawal was proven against): the payout id is `payoutId(withdrawalHash)`. A
///           relayed withdrawal that fails (more than deposited, a refused transfer) stays in the
///           messenger's `failedMessages`, as in bedrock; it is replayed through
///           `replayWithdrawal`, which names the withdrawal. A replay sent straight to the
///           messenger names none and fails (NoWithdrawalInDelivery), the message staying
///           replayable.
///         - ETH: as in bedrock, ETH withdrawn through the bridge travels with the message (the
///           core pays it to the portal, the portal to the messenger, the messenger to this
///           bridge), so `finalizeBridgeETH` only forwards `msg.value`; refused on a
///           custom-gas-token rollup, as bedrock does.
///         - Only L1-native tokens: bedrock also burns OptimismMintableERC20s that live on L1
///           (L2-native tokens) and mints them on withdrawal; those are refused here (no L1
///           mintable tokens are deployed).
///         - No proxy, SuperchainConfig or SystemConfig: the messenger is fixed at construction,
///           the gas paying token is the core's, `paused()` is false.
///
///         Constructor: (l1CrossDomainMessenger); the core's owner must then enable this bridge
///         as an entry point of the core (setEntryPoint), for the ERC-20 payouts.
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

    /// @notice The messenger's OptimismPortal, which delivers withdrawals.
    OptimismPortal public immutable portal;

    /// @notice The settlement core that holds the deposited tokens.
    IRollupCore public immutable core;

    /// @notice Tokens deposited, by L1 token then L2 token (bedrock's mapping).
    mapping(address => mapping(address => uint256)) public deposits;

    /// @notice The withdrawal would take more of `l1Token` than is left deposited for `l2Token`.
    error DepositsExceeded(address l1Token, address l2Token, uint256 deposited, uint256 amount);
    /// @notice finalizeBridgeERC20 ran outside the portal's delivery of a withdrawal from the L2
    ///         messenger and outside replayWithdrawal (a replay sent straight to the messenger).
    error NoWithdrawalInDelivery();
    /// @notice replayWithdrawal got a withdrawal the portal has not finalized.
    error WithdrawalNotFinalized(bytes32 withdrawalHash);
    /// @notice replayWithdrawal got a withdrawal that is not a message from the L2 bridge to this
    ///         bridge through the messengers.
    error NotABridgeWithdrawal(bytes32 withdrawalHash);
    /// @notice The replayed message failed again (it stays replayable).
    error ReplayFailed(bytes32 msgHash);
    /// @notice replayWithdrawal was re-entered.
    error ReplayInProgress();
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

    /// @notice Emitted when an ETH withdrawal is finalized (bedrock's legacy event).
    event ETHWithdrawalFinalized(address indexed from, address indexed to, uint256 amount, bytes extraData);

    /// @notice Emitted when an ERC-20 withdrawal is finalized (bedrock's legacy event).
    event ERC20WithdrawalFinalized(
        address indexed l1Token,
        address indexed l2Token,
        address indexed from,
        address to,
        uint256 amount,
        bytes extraData
    );

    /// @notice Emitted when an ETH bridge is finalized (bedrock's StandardBridge event).
    event ETHBridgeFinalized(address indexed from, address indexed to, uint256 amount, bytes extraData);

    /// @notice Emitted when an ERC-20 bridge is finalized (bedrock's StandardBridge event).
    event ERC20BridgeFinalized(
        address indexed localToken,
        address indexed remoteToken,
        address indexed from,
        address to,
        uint256 amount,
        bytes extraData
    );

    /// @notice The withdrawal whose message replayWithdrawal is relaying; 0 otherwise.
    bytes32 internal replaying;

    /// @notice Only EOAs (bedrock's onlyEOA: contracts must name the recipient).
    modifier onlyEOA() {
        require(!Address.isContract(msg.sender), "StandardBridge: function can only be called from an EOA");
        _;
    }

    /// @notice Only the L2 bridge through the messenger (bedrock's onlyOtherBridge).
    modifier onlyOtherBridge() {
        require(
            msg.sender == address(messenger) && messenger.xDomainMessageSender() == address(otherBridge),
            "StandardBridge: function can only be called from the other bridge"
        );
        _;
    }

    /// @param _messenger The rollup's L1CrossDomainMessenger (its portal's core holds the tokens).
    constructor(L1CrossDomainMessenger _messenger) {
        require(address(_messenger).code.length != 0, "L1StandardBridge: messenger must be a contract");
        messenger = _messenger;
        otherBridge = StandardBridge(payable(Predeploys.L2_STANDARD_BRIDGE));
        portal = _messenger.portal();
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

    /// @notice Finalizes an ERC-20 withdrawal from L2 (bedrock's, L1-native tokens only): called
    ///         by the messenger relaying the L2 bridge's message, while the portal delivers the
    ///         withdrawal or replayWithdrawal replays it. Takes `_amount` off
    ///         `deposits[_localToken][_remoteToken]` (DepositsExceeded if fewer are left), has the
    ///         core release them for this withdrawal (once: the core refuses a second payout of
    ///         the same id) and sends them to `_to`.
    /// @param _localToken  The L1 ERC-20.
    /// @param _remoteToken The L2 token that was burnt.
    /// @param _from        The withdrawer on L2.
    /// @param _to          The recipient on L1.
    /// @param _amount      Units to release.
    /// @param _extraData   Data from L2, for off-chain use.
    function finalizeBridgeERC20(
        address _localToken,
        address _remoteToken,
        address _from,
        address _to,
        uint256 _amount,
        bytes calldata _extraData
    )
        public
        onlyOtherBridge
    {
        if (_isOptimismMintableERC20(_localToken)) revert MintableTokenNotSupported(_localToken);
        uint256 deposited = deposits[_localToken][_remoteToken];
        if (_amount > deposited) revert DepositsExceeded(_localToken, _remoteToken, deposited, _amount);
        deposits[_localToken][_remoteToken] = deposited - _amount;

        bytes32 withdrawalHash = _withdrawalInDelivery();
        (,, uint128 l2OutputIndex) = portal.provenWithdrawals(withdrawalHash);

        emit ERC20WithdrawalFinalized(_localToken, _remoteToken, _from, _to, _amount, _extraData);
        emit ERC20BridgeFinalized(_localToken, _remoteToken, _from, _to, _amount, _extraData);

        // The core checks the output is final and pays this id once, to this bridge.
        core.finalizeWithdrawal(payoutId(withdrawalHash), l2OutputIndex, _localToken, _amount);
        IERC20(_localToken).safeTransfer(_to, _amount);
    }

    /// @notice finalizeBridgeERC20 under bedrock's legacy name.
    /// @param _l1Token   The L1 ERC-20.
    /// @param _l2Token   The L2 token that was burnt.
    /// @param _from      The withdrawer on L2.
    /// @param _to        The recipient on L1.
    /// @param _amount    Units to release.
    /// @param _extraData Data from L2, for off-chain use.
    function finalizeERC20Withdrawal(
        address _l1Token,
        address _l2Token,
        address _from,
        address _to,
        uint256 _amount,
        bytes calldata _extraData
    )
        external
    {
        finalizeBridgeERC20(_l1Token, _l2Token, _from, _to, _amount, _extraData);
    }

    /// @notice Finalizes an ETH withdrawal from L2 (bedrock's): the ETH comes with the relayed
    ///         message (the core paid it to the portal for this withdrawal), and goes to `_to`.
    ///         Refused on a custom-gas-token rollup, and to this bridge, the messenger or the core.
    /// @param _from      The withdrawer on L2.
    /// @param _to        The recipient on L1.
    /// @param _amount    Wei, which must be `msg.value`.
    /// @param _extraData Data from L2, for off-chain use.
    function finalizeBridgeETH(
        address _from,
        address _to,
        uint256 _amount,
        bytes calldata _extraData
    )
        public
        payable
        onlyOtherBridge
    {
        require(core.gasToken() == address(0), "StandardBridge: cannot bridge ETH with custom gas token");
        require(msg.value == _amount, "StandardBridge: amount sent does not match amount required");
        require(_to != address(this), "StandardBridge: cannot send to self");
        require(_to != address(messenger), "StandardBridge: cannot send to messenger");
        require(_to != address(core), "L1StandardBridge: cannot send to the core");

        emit ETHWithdrawalFinalized(_from, _to, _amount, _extraData);
        emit ETHBridgeFinalized(_from, _to, _amount, _extraData);

        bool success = SafeCall.call(_to, gasleft(), _amount, hex"");
        require(success, "StandardBridge: ETH transfer failed");
    }

    /// @notice finalizeBridgeETH under bedrock's legacy name.
    /// @param _from      The withdrawer on L2.
    /// @param _to        The recipient on L1.
    /// @param _amount    Wei, which must be `msg.value`.
    /// @param _extraData Data from L2, for off-chain use.
    function finalizeETHWithdrawal(
        address _from,
        address _to,
        uint256 _amount,
        bytes calldata _extraData
    )
        external
        payable
    {
        finalizeBridgeETH(_from, _to, _amount, _extraData);
    }

    /// @notice Replays the bridge message of a finalized withdrawal whose relay failed (it is in
    ///         the messenger's `failedMessages`), naming the withdrawal so that an ERC-20 is paid
    ///         under its id. Anyone may call it; the messenger relays the message only if it
    ///         failed before and never succeeded. Reverts ReplayFailed if it fails again.
    /// @param _tx The withdrawal, as proven on the portal: from L2CrossDomainMessenger to the
    ///            L1CrossDomainMessenger, `relayMessage` of a message from L2StandardBridge to
    ///            this bridge.
    function replayWithdrawal(Types.WithdrawalTransaction calldata _tx) external {
        if (replaying != bytes32(0)) revert ReplayInProgress();
        bytes32 withdrawalHash = Hashing.hashWithdrawal(_tx);
        if (!portal.finalizedWithdrawals(withdrawalHash)) revert WithdrawalNotFinalized(withdrawalHash);
        if (
            _tx.sender != address(messenger.otherMessenger()) || _tx.target != address(messenger)
                || _tx.data.length < 4 || bytes4(_tx.data[:4]) != CrossDomainMessenger.relayMessage.selector
        ) revert NotABridgeWithdrawal(withdrawalHash);
        (uint256 nonce, address sender, address target, uint256 value, uint256 minGasLimit, bytes memory message) =
            abi.decode(_tx.data[4:], (uint256, address, address, uint256, uint256, bytes));
        if (sender != address(otherBridge) || target != address(this)) revert NotABridgeWithdrawal(withdrawalHash);

        replaying = withdrawalHash;
        messenger.relayMessage(nonce, sender, target, value, minGasLimit, message);
        replaying = bytes32(0);

        bytes32 msgHash = Hashing.hashCrossDomainMessageV1(nonce, sender, target, value, minGasLimit, message);
        if (!messenger.successfulMessages(msgHash)) revert ReplayFailed(msgHash);
    }

    /// @notice The core's withdrawal id of this bridge's payout for the portal withdrawal
    ///         `_withdrawalHash` (the portal pays the withdrawal's own ETH under the hash itself).
    /// @param _withdrawalHash The withdrawal's hash (bedrock's Hashing.hashWithdrawal).
    /// @return The id the core records as paid.
    function payoutId(bytes32 _withdrawalHash) public view returns (bytes32) {
        return keccak256(abi.encode(address(this), _withdrawalHash));
    }

    /// @notice The withdrawal whose message is being relayed: replayWithdrawal's, else the one
    ///         the portal is delivering if it comes from the L2 messenger (whose withdrawals
    ///         always target the L1 messenger, which relays no other message meanwhile).
    function _withdrawalInDelivery() internal view returns (bytes32 withdrawalHash) {
        withdrawalHash = replaying;
        if (withdrawalHash == bytes32(0) && portal.l2Sender() == address(messenger.otherMessenger())) {
            withdrawalHash = portal.deliveringWithdrawalHash();
        }
        if (withdrawalHash == bytes32(0)) revert NoWithdrawalInDelivery();
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
