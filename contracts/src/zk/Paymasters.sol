// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

// ZKsync's paymaster ABI, declared here exactly as era-contracts declares it
// (system-contracts/contracts/libraries/TransactionHelper.sol, interfaces/IPaymaster.sol,
// interfaces/IPaymasterFlow.sol): their TransactionHelper imports zksolc-only system-contract
// helpers, so the npm `solc` builds these declarations instead of importing them.

/// @notice The transaction the bootloader hands a paymaster (era-contracts' `Transaction`).
struct Transaction {
    uint256 txType;
    uint256 from;
    uint256 to;
    uint256 gasLimit;
    uint256 gasPerPubdataByteLimit;
    uint256 maxFeePerGas;
    uint256 maxPriorityFeePerGas;
    uint256 paymaster;
    uint256 nonce;
    uint256 value;
    uint256[4] reserved;
    bytes data;
    bytes signature;
    bytes32[] factoryDeps;
    bytes paymasterInput;
    bytes reservedDynamic;
}

/// @notice The outcome of the transaction a paymaster paid for (era-contracts' `ExecutionResult`).
enum ExecutionResult {
    Revert,
    Success
}

/// @notice ZKsync's paymaster interface (era-contracts' `IPaymaster`).
interface IPaymaster {
    /// @notice Called by the bootloader: agree to pay for `_transaction` and pay the bootloader.
    /// @return magic `IPaymaster.validateAndPayForPaymasterTransaction.selector` to agree.
    /// @return context Passed to `postTransaction`.
    function validateAndPayForPaymasterTransaction(
        bytes32 _txHash,
        bytes32 _suggestedSignedHash,
        Transaction calldata _transaction
    ) external payable returns (bytes4 magic, bytes memory context);

    /// @notice Called by the bootloader after the transaction ran, if gas is left.
    function postTransaction(
        bytes calldata _context,
        Transaction calldata _transaction,
        bytes32 _txHash,
        bytes32 _suggestedSignedHash,
        ExecutionResult _txResult,
        uint256 _maxRefundedGas
    ) external payable;
}

/// @notice The encodings of ZKsync's paymaster flows (era-contracts' `IPaymasterFlow`).
interface IPaymasterFlow {
    /// @notice A flow the paymaster interprets itself.
    function general(bytes calldata input) external;

    /// @notice The account approves `_minAllowance` of `_token` to the paymaster first.
    function approvalBased(address _token, uint256 _minAllowance, bytes calldata _innerInput) external;
}

/// @dev ZKsync's bootloader address (`BOOTLOADER_FORMAL_ADDRESS`).
address constant BOOTLOADER = address(0x8001);
/// @dev The magic a paymaster returns to agree to pay (`PAYMASTER_VALIDATION_SUCCESS_MAGIC`).
bytes4 constant PAYMASTER_VALIDATION_SUCCESS_MAGIC = IPaymaster.validateAndPayForPaymasterTransaction.selector;

/// @title PaymasterBase
/// @notice What the test paymasters share: only the bootloader calls them, they pay it
///         `gasLimit * maxFeePerGas`, and they record each `postTransaction` call.
abstract contract PaymasterBase is IPaymaster {
    /// @notice A caller other than the bootloader.
    error OnlyBootloader(address caller);
    /// @notice The paymaster input's flow is not one this paymaster takes.
    error UnsupportedPaymasterFlow(bytes4 selector);
    /// @notice Paying the bootloader failed.
    error BootloaderPaymentFailed(uint256 amount);

    /// @notice The bootloader called `postTransaction` of a transaction from `from`.
    event PostTransaction(address indexed from, ExecutionResult result, uint256 maxRefundedGas);

    modifier onlyBootloader() {
        if (msg.sender != BOOTLOADER) revert OnlyBootloader(msg.sender);
        _;
    }

    /// @notice Takes ether to pay fees with.
    constructor() payable {}

    /// @notice Takes ether to pay fees with (and the bootloader's refunds).
    receive() external payable {}

    /// @notice Records the call.
    function postTransaction(
        bytes calldata,
        Transaction calldata _transaction,
        bytes32,
        bytes32,
        ExecutionResult _txResult,
        uint256 _maxRefundedGas
    ) external payable onlyBootloader {
        emit PostTransaction(address(uint160(_transaction.from)), _txResult, _maxRefundedGas);
    }

    /// @dev Pays the bootloader `amount` wei.
    function _payBootloader(uint256 amount) internal {
        (bool success,) = payable(BOOTLOADER).call{value: amount}("");
        if (!success) revert BootloaderPaymentFailed(amount);
    }

    /// @dev The 4-byte selector of a paymaster input.
    function _flow(bytes calldata input) internal pure returns (bytes4) {
        if (input.length < 4) revert UnsupportedPaymasterFlow(bytes4(0));
        return bytes4(input[0:4]);
    }
}

/// @title ApprovalPaymaster
/// @notice ZKsync's documented approval-based paymaster: it takes a fixed fee in one ERC-20
///         from the sender (who approved it through the `approvalBased` flow) and pays the
///         transaction's gas in ether.
contract ApprovalPaymaster is PaymasterBase {
    /// @notice The token fees are paid in.
    IERC20 public immutable token;
    /// @notice The fee per transaction, in the token's base units.
    uint256 public immutable fee;

    /// @notice The flow names another token.
    error WrongToken(address token);
    /// @notice The sender allowed less than the fee.
    error AllowanceTooLow(uint256 allowance, uint256 fee);

    /// @notice A paymaster taking `fee_` of `token_` per transaction; fund it with ether.
    constructor(IERC20 token_, uint256 fee_) payable {
        token = token_;
        fee = fee_;
    }

    /// @inheritdoc IPaymaster
    function validateAndPayForPaymasterTransaction(bytes32, bytes32, Transaction calldata _transaction)
        external
        payable
        onlyBootloader
        returns (bytes4 magic, bytes memory context)
    {
        bytes4 flow = _flow(_transaction.paymasterInput);
        if (flow != IPaymasterFlow.approvalBased.selector) revert UnsupportedPaymasterFlow(flow);
        (address flowToken,,) = abi.decode(_transaction.paymasterInput[4:], (address, uint256, bytes));
        if (flowToken != address(token)) revert WrongToken(flowToken);
        address user = address(uint160(_transaction.from));
        uint256 allowance = token.allowance(user, address(this));
        if (allowance < fee) revert AllowanceTooLow(allowance, fee);
        bool taken = token.transferFrom(user, address(this), fee);
        require(taken, "token fee not taken");
        _payBootloader(_transaction.gasLimit * _transaction.maxFeePerGas);
        return (PAYMASTER_VALIDATION_SUCCESS_MAGIC, "");
    }
}

/// @title GeneralPaymaster
/// @notice Sponsors every transaction of the `general` flow.
contract GeneralPaymaster is PaymasterBase {
    /// @notice A paymaster paying for everyone; fund it with ether.
    constructor() payable {}

    /// @inheritdoc IPaymaster
    function validateAndPayForPaymasterTransaction(bytes32, bytes32, Transaction calldata _transaction)
        external
        payable
        onlyBootloader
        returns (bytes4 magic, bytes memory context)
    {
        bytes4 flow = _flow(_transaction.paymasterInput);
        if (flow != IPaymasterFlow.general.selector) revert UnsupportedPaymasterFlow(flow);
        _payBootloader(_transaction.gasLimit * _transaction.maxFeePerGas);
        return (PAYMASTER_VALIDATION_SUCCESS_MAGIC, abi.encode(_transaction.from));
    }
}

/// @title FaultyPaymaster
/// @notice A test paymaster that misbehaves in validation: `mode` 1 pays `gasLimit * basefee`
///         but returns a wrong magic, 2 returns the magic but pays one wei less than
///         `gasLimit * basefee` (less than any gas price needs), 3 reverts with a reason.
contract FaultyPaymaster is PaymasterBase {
    /// @notice How it misbehaves.
    uint256 public immutable mode;

    /// @notice A faulty paymaster in `mode_`; fund it with ether.
    constructor(uint256 mode_) payable {
        mode = mode_;
    }

    /// @inheritdoc IPaymaster
    function validateAndPayForPaymasterTransaction(bytes32, bytes32, Transaction calldata _transaction)
        external
        payable
        onlyBootloader
        returns (bytes4 magic, bytes memory context)
    {
        if (mode == 3) revert("paymaster refuses");
        uint256 amount = _transaction.gasLimit * block.basefee;
        if (mode == 2) {
            _payBootloader(amount - 1);
            return (PAYMASTER_VALIDATION_SUCCESS_MAGIC, "");
        }
        _payBootloader(amount);
        return (bytes4(0xdeadbeef), "");
    }
}
