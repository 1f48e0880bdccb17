// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {IMailbox} from "@hyperlane-xyz/core/contracts/interfaces/IMailbox.sol";
import {IMessageRecipient} from "@hyperlane-xyz/core/contracts/interfaces/IMessageRecipient.sol";

/// @title CrossRollupCounter
/// @notice The Metalayer example app (examples/metalayer): a counter that rollups increment
/// across each other through Hyperlane's Mailbox, a plain Hyperlane application. Deployed on
/// two rollups, `increment` on one dispatches a message that the relayer delivers to the other
/// once guardians certified the origin's head; the Mailbox's default ISM (GuardianIsm) checks
/// the proofs, and `handle` adds to the count.
contract CrossRollupCounter is IMessageRecipient {
    /// @notice This rollup's Hyperlane Mailbox.
    IMailbox public immutable mailbox;
    /// @notice The sum of every increment received.
    uint256 public count;
    /// @notice The last increment's origin domain and sender.
    uint32 public lastOrigin;
    bytes32 public lastSender;

    event Incremented(uint32 indexed origin, bytes32 indexed sender, uint256 by, uint256 count);

    error NotMailbox(address caller);

    constructor(IMailbox mailbox_) {
        mailbox = mailbox_;
    }

    /// @notice Adds `by` to the counter at `remote` on rollup `destination`; send the Mailbox's
    /// quote (`quoteIncrement`) as value, for the interchain gas payment.
    function increment(uint32 destination, address remote, uint256 by) external payable returns (bytes32) {
        return mailbox.dispatch{value: msg.value}(destination, bytes32(uint256(uint160(remote))), abi.encode(by));
    }

    /// @notice What `increment` must pay.
    function quoteIncrement(uint32 destination, address remote, uint256 by) external view returns (uint256) {
        return mailbox.quoteDispatch(destination, bytes32(uint256(uint160(remote))), abi.encode(by));
    }

    /// @inheritdoc IMessageRecipient
    function handle(uint32 origin, bytes32 sender, bytes calldata body) external payable {
        if (msg.sender != address(mailbox)) revert NotMailbox(msg.sender);
        uint256 by = abi.decode(body, (uint256));
        count += by;
        (lastOrigin, lastSender) = (origin, sender);
        emit Incremented(origin, sender, by, count);
    }
}
