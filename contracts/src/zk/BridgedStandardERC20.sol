// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title BridgedStandardERC20
/// @notice The L2 form of an L1 ERC-20 bridged to a zk-stack chain (era-contracts'
///         BridgedStandardERC20): a plain OpenZeppelin ERC-20 whose name, symbol and decimals are
///         the L1 token's. The L2 native token vault (`0x…10004`, a system contract of the
///         zk-stack profile) places this runtime code at the token's address on its first
///         deposit and writes its storage: OpenZeppelin ERC20's `_balances` (slot 0),
///         `_allowances` (1), `_totalSupply` (2), `_name` (3), `_symbol` (4), then this
///         contract's `l1Address` and `assetId` (5, 6) and `_decimals` (7). Only the vault mints.
/// @dev    The constructor exists for tests that deploy it directly; the vault never runs it.
contract BridgedStandardERC20 is ERC20 {
    /// @notice The L2 native token vault, the only minter.
    address public constant NATIVE_TOKEN_VAULT = address(0x10004);

    /// @notice The token's address on L1 (era-contracts' `l1Address`, `originToken`).
    address public l1Address;
    /// @notice The token's asset id.
    bytes32 public assetId;
    uint8 private _decimals;

    /// @notice The token was initialized with the L1 token's metadata (era-contracts' event).
    event BridgeInitialize(address indexed l1Token, string name, string symbol, uint8 decimals);
    /// @notice The vault minted `amount` to `account` (era-contracts' event).
    event BridgeMint(address indexed account, uint256 amount);

    /// @notice A caller other than the native token vault.
    error Unauthorized(address caller);

    constructor(address l1Address_, bytes32 assetId_, string memory name_, string memory symbol_, uint8 decimals_)
        ERC20(name_, symbol_)
    {
        l1Address = l1Address_;
        assetId = assetId_;
        _decimals = decimals_;
        emit BridgeInitialize(l1Address_, name_, symbol_, decimals_);
    }

    /// @notice Mints `amount` to `account`; the native token vault only.
    function bridgeMint(address account, uint256 amount) external {
        if (msg.sender != NATIVE_TOKEN_VAULT) revert Unauthorized(msg.sender);
        _mint(account, amount);
        emit BridgeMint(account, amount);
    }

    /// @notice The L1 token's decimals.
    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    /// @notice The L1 token (era-contracts' `originToken`).
    function originToken() external view returns (address) {
        return l1Address;
    }

    /// @notice The L2 bridge whose deposits mint it: the L2 asset router.
    function l2Bridge() external pure returns (address) {
        return address(0x10003);
    }
}
