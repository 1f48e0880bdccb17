//! Why the pool refused a transaction.
//!
//! The `Display` text of every variant is the message go-ethereum returns for the same refusal
//! (`core/txpool/validation.go`, `core/txpool/errors.go`, `core/error.go`): wallets and libraries
//! (viem, ethers, web3.py, Foundry) match on these strings, so they must not be reworded.

use alloy_primitives::{Address, U256};

/// Error a [`crate::StateView`] returns when it cannot read an account.
pub type StateError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A refusal of a transaction by the pool, or a failure to read the state it is checked against.
///
/// Every variant's message is go-ethereum's; the JSON-RPC layer should pass `to_string()`
/// through unchanged (geth uses code `-32000` for all of them).
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    /// The bytes are not a valid EIP-2718 transaction encoding.
    #[error("failed to decode signed transaction: {0}")]
    Decode(alloy_eips::eip2718::Eip2718Error),
    /// Blob (type 3) transactions, or a type byte this chain does not know.
    ///
    /// This chain has no blob sidecars, so type 3 is refused like an unknown type.
    #[error("transaction type not supported")]
    TxTypeNotSupported,
    /// An OP Stack deposit (type `0x7E`): the protocol derives deposits from L1 events, so the
    /// pool never takes one, well-formed or not.
    #[error(
        "transaction type not supported: deposit transactions (type 0x7e) are derived from L1 and cannot be sent to the pool"
    )]
    DepositNotAccepted,
    /// Arbitrum Nitro's ETH deposit (type `0x64`): made by the protocol from L1 inbox
    /// messages, never sent by users.
    #[error(
        "transaction type not supported: Arbitrum deposit transactions (type 0x64) are made from L1 inbox messages and cannot be sent to the pool"
    )]
    ArbitrumDepositNotAccepted,
    /// Arbitrum Nitro's retryable submission (type `0x69`) or retry (type `0x68`): made by
    /// ArbOS from L1 inbox messages and redeems, never sent by users.
    #[error(
        "transaction type not supported: Arbitrum retryable transactions (type {ty:#04x}) are made by ArbOS from L1 inbox messages and redeems and cannot be sent to the pool"
    )]
    ArbitrumRetryableNotAccepted {
        /// The EIP-2718 type byte.
        ty: u8,
    },
    /// ZK Stack's priority transaction (type `0xff`): made by the protocol from the L1
    /// Mailbox's priority queue, never sent by users.
    #[error(
        "transaction type not supported: priority transactions (type 0xff) are made from L1 priority requests and cannot be sent to the pool"
    )]
    PriorityTxNotAccepted,
    /// The signature does not recover to an address (malformed, or high `s` per EIP-2).
    #[error("invalid sender")]
    InvalidSender,
    /// A ZK Stack EIP-712 transaction (type `0x71`) whose signature over its EIP-712 hash
    /// recovers to someone other than its explicit `from` (geth has no such message).
    #[error(
        "invalid sender: EIP-712 signature recovers to {signer}, not to the transaction's from {from}"
    )]
    Eip712SignerMismatch {
        /// The transaction's `from`.
        from: Address,
        /// Who signed it.
        signer: Address,
    },
    /// A ZK Stack EIP-712 transaction that allows no gas per pubdata byte (zksync-era's
    /// message).
    #[error("gas per pub data limit is zero")]
    GasPerPubdataZero,
    /// A ZK Stack EIP-712 transaction whose paymaster input cannot start with a paymaster
    /// flow's 4-byte selector: ZKsync's default account and paymasters revert such
    /// transactions in validation with this message.
    #[error(
        "malformed paymaster params: the standard paymaster input must be at least 4 bytes long, got {len}"
    )]
    PaymasterInputTooShort {
        /// Length of the paymaster input.
        len: usize,
    },
    /// The transaction is signed for another chain.
    ///
    /// geth's signer error text; geth's pool prefixes it with `invalid sender: `.
    #[error("invalid sender: invalid chain id for signer: have {have} want {want}")]
    InvalidChainId {
        /// Chain id the transaction was signed for.
        have: u64,
        /// Chain id of this pool.
        want: u64,
    },
    /// The EIP-2718 encoding is larger than the pool accepts.
    #[error("oversized data: transaction size {size}, limit {limit}")]
    OversizedData {
        /// Encoded size in bytes.
        size: usize,
        /// Configured limit in bytes.
        limit: usize,
    },
    /// A contract creation whose init code exceeds the EIP-3860 limit.
    #[error("max initcode size exceeded: code size {size}, limit {limit}")]
    MaxInitCodeSizeExceeded {
        /// Length of the init code in bytes.
        size: usize,
        /// EIP-3860 limit (49152 bytes).
        limit: usize,
    },
    /// The gas limit is above the block gas limit, so the transaction can never be included.
    #[error("exceeds block gas limit")]
    GasLimit {
        /// Gas limit of the transaction.
        gas_limit: u64,
        /// Gas limit of a block.
        block_gas_limit: u64,
    },
    /// `max_priority_fee_per_gas > max_fee_per_gas`.
    #[error("max priority fee per gas higher than max fee per gas")]
    TipAboveFeeCap,
    /// Nonce `2^64 - 1` (EIP-2681): the account could never send again.
    #[error("nonce has max value")]
    NonceMax,
    /// The gas limit does not cover the intrinsic gas (Prague rules).
    #[error("intrinsic gas too low: gas {gas}, minimum needed {needed}")]
    IntrinsicGas {
        /// Gas limit of the transaction.
        gas: u64,
        /// Intrinsic gas of the transaction.
        needed: u64,
    },
    /// The gas limit does not cover the EIP-7623 calldata floor.
    #[error("insufficient gas for floor data gas cost: gas {gas}, minimum needed {needed}")]
    FloorDataGas {
        /// Gas limit of the transaction.
        gas: u64,
        /// EIP-7623 floor gas of the transaction.
        needed: u64,
    },
    /// An EIP-7702 transaction without any authorization.
    #[error("set code tx must have at least one authorization tuple")]
    EmptyAuthorizationList,
    /// `max_fee_per_gas` (gas price for legacy) is below the next block's base fee.
    #[error(
        "max fee per gas less than block base fee: address {address}, maxFeePerGas: {max_fee_per_gas}, baseFee: {base_fee}"
    )]
    FeeCapTooLow {
        /// Sender, printed EIP-55 checksummed as geth does.
        address: Address,
        /// Fee cap of the transaction, in wei.
        max_fee_per_gas: u128,
        /// Base fee of the next block, in wei.
        base_fee: u64,
    },
    /// The nonce was already used by a mined transaction.
    #[error("nonce too low: next nonce {state}, tx nonce {tx}")]
    NonceTooLow {
        /// Next nonce of the sender in the state.
        state: u64,
        /// Nonce of the transaction.
        tx: u64,
    },
    /// The sender cannot pay `gas_limit * max_fee_per_gas + value`.
    #[error(
        "insufficient funds for gas * price + value: balance {balance}, tx cost {cost}, overshot {overshot}"
    )]
    InsufficientFunds {
        /// Balance of the sender, in wei.
        balance: U256,
        /// `gas_limit * max_fee_per_gas + value`, in wei.
        cost: U256,
        /// `cost - balance`, in wei.
        overshot: U256,
    },
    /// A paymaster-sponsored ZK Stack EIP-712 transaction whose paymaster cannot pay
    /// `gas_limit * max_fee_per_gas` (geth has no such message; worded after its funds error).
    #[error(
        "insufficient funds for gas * price: paymaster {paymaster} balance {balance}, tx fee {fee}"
    )]
    PaymasterInsufficientFunds {
        /// The paymaster.
        paymaster: Address,
        /// Its balance, in wei.
        balance: U256,
        /// `gas_limit * max_fee_per_gas`, in wei.
        fee: U256,
    },
    /// The chain's framework refused the transaction when it ran what makes it valid (ZK
    /// Stack's paymaster validation); the message is the framework's.
    #[error("{reason}")]
    FrameworkRefused {
        /// Why, e.g. `paymaster validation failed: ...`.
        reason: String,
    },
    /// The pool already holds a transaction with this hash.
    #[error("already known")]
    AlreadyKnown,
    /// A transaction with the same sender and nonce is pooled and this one does not raise both
    /// fee caps by the configured bump.
    #[error("replacement transaction underpriced")]
    ReplaceUnderpriced,
    /// The pool holds `max_txs` transactions.
    #[error("txpool is full")]
    PoolFull,
    /// The account of the sender could not be read.
    #[error("failed to read account state: {0}")]
    State(StateError),
}
