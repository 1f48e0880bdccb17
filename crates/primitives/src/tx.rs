//! The transaction envelope every Tephra chain stores, whatever its framework.
//!
//! One closed set of EIP-2718 types, so that storage, the pool and the RPC stay non-generic:
//! Ethereum's legacy, EIP-2930, EIP-1559 and EIP-7702 transactions, and OP Stack's deposit
//! (type `0x7E`), Arbitrum Nitro's ETH deposit, retry and retryable submission (types `0x64`,
//! `0x68`, `0x69`, [`crate::nitro_tx`]), ZK Stack's EIP-712 transaction (type `0x71`,
//! [`crate::eip712`]) and ZK Stack's priority (L1 -> L2) transaction (type `0xff`,
//! [`crate::zk_priority`]). Which of them a chain accepts is its framework's decision
//! (`tephra-chain`'s `Framework`); this module only encodes, decodes and hashes.

use alloy_consensus::{
    Sealed, Signed, TransactionEnvelope, TxEip1559, TxEip2930, TxEip7702, TxLegacy,
};
use alloy_eips::{Encodable2718, Typed2718};
use alloy_evm::{FromRecoveredTx, FromTxWithEncoded};
use alloy_op_evm::OpTx;
use alloy_primitives::{Address, B256, B512, Bytes, Signature, TxKind};
use op_revm::OpTransaction;
use revm::context::TxEnv;

pub use crate::eip712::TxEip712;
pub use crate::nitro_tx::{
    ARBITRUM_DEPOSIT_TX_TYPE, ARBITRUM_PROTOCOL_TX_TYPES, ARBITRUM_RETRY_TX_TYPE,
    ARBITRUM_SUBMIT_RETRYABLE_TX_TYPE, TxArbitrumDeposit, TxArbitrumRetry,
    TxArbitrumSubmitRetryable,
};
pub use crate::zk_priority::{PRIORITY_TX_TYPE, REQUIRED_L2_GAS_PRICE_PER_PUBDATA, TxPriority};

pub use op_alloy::consensus::{
    DepositSourceDomain, L1InfoDepositSource, TxDeposit, UpgradeDepositSource, UserDepositSource,
};

/// A transaction of any type a Tephra framework defines, in its EIP-2718 envelope.
#[derive(Debug, Clone, TransactionEnvelope)]
#[envelope(tx_type_name = TxType)]
pub enum TxEnvelope {
    /// Legacy (type 0), with or without EIP-155 replay protection.
    #[envelope(ty = 0)]
    Legacy(Signed<TxLegacy>),
    /// EIP-2930 access-list transaction (type 1).
    #[envelope(ty = 1)]
    Eip2930(Signed<TxEip2930>),
    /// EIP-1559 dynamic-fee transaction (type 2).
    #[envelope(ty = 2)]
    Eip1559(Signed<TxEip1559>),
    /// EIP-7702 set-code transaction (type 4).
    #[envelope(ty = 4)]
    Eip7702(Signed<TxEip7702>),
    /// OP Stack deposit (type `0x7E`): made by the protocol from L1 data, unsigned.
    #[envelope(ty = 126)]
    #[serde(serialize_with = "serialize_deposit")]
    Deposit(Sealed<TxDeposit>),
    /// Arbitrum Nitro ETH deposit (type `0x64`): made by the protocol from an L1 inbox
    /// message, unsigned.
    #[envelope(ty = 100)]
    ArbitrumDeposit(Sealed<TxArbitrumDeposit>),
    /// Arbitrum Nitro retry (type `0x68`): a redeem attempt of a retryable, scheduled by ArbOS,
    /// unsigned.
    #[envelope(ty = 104)]
    ArbitrumRetry(Sealed<TxArbitrumRetry>),
    /// Arbitrum Nitro retryable submission (type `0x69`): made by the protocol from an L1
    /// inbox message, unsigned; its hash is the retryable's ticket id.
    #[envelope(ty = 105)]
    ArbitrumSubmitRetryable(Sealed<TxArbitrumSubmitRetryable>),
    /// ZK Stack's EIP-712 transaction (type `0x71`), sealed with ZKsync's transaction hash.
    #[envelope(ty = 113)]
    Eip712(Sealed<TxEip712>),
    /// ZK Stack's priority (L1 -> L2) transaction (type `0xff`): made by the protocol from the
    /// L1 Mailbox's `NewPriorityRequest`, unsigned, sealed with the canonical transaction hash.
    #[envelope(ty = 255)]
    #[serde(serialize_with = "serialize_priority")]
    Priority(Sealed<TxPriority>),
}

/// A priority transaction as zksync-era's API shows an L1 transaction: its fields, nonce 0 (its
/// serial id is `serialId`), its L1-derived `gasPrice` and no signature; and its hash.
fn serialize_priority<S: serde::Serializer>(
    tx: &Sealed<TxPriority>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Rpc<'a> {
        #[serde(flatten)]
        tx: &'a TxPriority,
        nonce: alloy_primitives::U64,
        #[serde(with = "alloy_serde::quantity")]
        gas_price: u128,
        hash: B256,
    }
    let rpc = Rpc {
        tx: tx.inner(),
        nonce: alloy_primitives::U64::ZERO,
        gas_price: tx.max_fee_per_gas,
        hash: tx.seal(),
    };
    serde::Serialize::serialize(&rpc, serializer)
}

/// A deposit as op-geth's RPC shows it: its fields, `isSystemTx` even when false, its hash, and
/// an all-zero signature (`v`, `r`, `s`).
fn serialize_deposit<S: serde::Serializer>(
    tx: &Sealed<TxDeposit>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    #[derive(serde::Serialize)]
    struct Rpc<'a> {
        #[serde(flatten)]
        tx: &'a TxDeposit,
        /// `TxDeposit` writes `isSystemTx` only when true.
        #[serde(rename = "isSystemTx", skip_serializing_if = "Option::is_none")]
        is_system_tx: Option<bool>,
        hash: B256,
    }
    let (hash, tx) = (tx.seal(), tx.inner());
    let rpc = Rpc { tx, is_system_tx: (!tx.is_system_transaction).then_some(false), hash };
    op_alloy::consensus::serde_deposit_tx_rpc(&rpc, serializer)
}

impl TxEnvelope {
    /// The transaction hash: keccak256 of the EIP-2718 encoding, except for EIP-712
    /// transactions, whose hash is ZKsync's (over the signing hash and the signature).
    pub fn tx_hash(&self) -> B256 {
        match self {
            Self::Legacy(tx) => *tx.hash(),
            Self::Eip2930(tx) => *tx.hash(),
            Self::Eip1559(tx) => *tx.hash(),
            Self::Eip7702(tx) => *tx.hash(),
            Self::Deposit(tx) => tx.seal(),
            Self::ArbitrumDeposit(tx) => tx.seal(),
            Self::ArbitrumRetry(tx) => tx.seal(),
            Self::ArbitrumSubmitRetryable(tx) => tx.seal(),
            Self::Eip712(tx) => tx.seal(),
            Self::Priority(tx) => tx.seal(),
        }
    }

    /// ZK Stack's priority transaction, if this is one.
    pub const fn as_priority(&self) -> Option<&Sealed<TxPriority>> {
        match self {
            Self::Priority(tx) => Some(tx),
            _ => None,
        }
    }

    /// The EIP-712 transaction, if this is one.
    pub const fn as_eip712(&self) -> Option<&Sealed<TxEip712>> {
        match self {
            Self::Eip712(tx) => Some(tx),
            _ => None,
        }
    }

    /// The deposit, if this is one.
    pub const fn as_deposit(&self) -> Option<&Sealed<TxDeposit>> {
        match self {
            Self::Deposit(tx) => Some(tx),
            _ => None,
        }
    }

    /// Nitro's ETH deposit, if this is one.
    pub const fn as_arbitrum_deposit(&self) -> Option<&Sealed<TxArbitrumDeposit>> {
        match self {
            Self::ArbitrumDeposit(tx) => Some(tx),
            _ => None,
        }
    }

    /// Nitro's retry, if this is one.
    pub const fn as_arbitrum_retry(&self) -> Option<&Sealed<TxArbitrumRetry>> {
        match self {
            Self::ArbitrumRetry(tx) => Some(tx),
            _ => None,
        }
    }

    /// Nitro's retryable submission, if this is one.
    pub const fn as_arbitrum_submit_retryable(&self) -> Option<&Sealed<TxArbitrumSubmitRetryable>> {
        match self {
            Self::ArbitrumSubmitRetryable(tx) => Some(tx),
            _ => None,
        }
    }

    /// Whether the transaction is signed by its sender (every type but the protocol's:
    /// deposits, Nitro's retries and retryable submissions, ZK Stack's priority transactions).
    pub const fn is_signed(&self) -> bool {
        !matches!(
            self,
            Self::Deposit(_)
                | Self::ArbitrumDeposit(_)
                | Self::ArbitrumRetry(_)
                | Self::ArbitrumSubmitRetryable(_)
                | Self::Priority(_)
        )
    }
}

/// Why a transaction's sender could not be recovered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SenderError {
    /// The signature does not recover to an address (malformed, or high `s` per EIP-2), or an
    /// EIP-712 transaction carries no ECDSA signature.
    #[error("the signature does not recover to a sender")]
    InvalidSignature,
    /// An EIP-712 transaction's signature recovers to someone other than its explicit `from`.
    #[error("the EIP-712 signature recovers to {signer}, not to the transaction's from {from}")]
    Eip712SignerMismatch {
        /// The transaction's `from`.
        from: Address,
        /// Who signed it.
        signer: Address,
    },
}

impl TxEnvelope {
    /// The sender: the signer of a signed transaction (an EIP-712 transaction's must be its
    /// `from`), the `from` that a protocol-made one (deposits, Nitro's retries and retryable
    /// submissions, ZK Stack's priority transactions) carries. For a block's transactions, whose
    /// fields were checked when they entered it; the pool adds its own checks before this.
    pub fn recover_sender(&self) -> Result<Address, SenderError> {
        let (signature, signature_hash) = match self {
            Self::Legacy(tx) => (*tx.signature(), tx.signature_hash()),
            Self::Eip2930(tx) => (*tx.signature(), tx.signature_hash()),
            Self::Eip1559(tx) => (*tx.signature(), tx.signature_hash()),
            Self::Eip7702(tx) => (*tx.signature(), tx.signature_hash()),
            Self::Eip712(tx) => {
                let signature = tx.signature().ok_or(SenderError::InvalidSignature)?;
                let signer = recover_signer(&signature, &tx.signing_hash())?;
                if signer != tx.from {
                    return Err(SenderError::Eip712SignerMismatch { from: tx.from, signer });
                }
                return Ok(signer);
            }
            Self::Deposit(tx) => return Ok(tx.from),
            Self::ArbitrumDeposit(tx) => return Ok(tx.from),
            Self::ArbitrumRetry(tx) => return Ok(tx.from),
            Self::ArbitrumSubmitRetryable(tx) => return Ok(tx.from),
            Self::Priority(tx) => return Ok(tx.from),
        };
        recover_signer(&signature, &signature_hash)
    }
}

/// The address whose key made `signature` over `signature_hash`, refusing high-`s` signatures
/// (EIP-2) as `SignerRecoverable::recover_signer` does.
///
/// Recovers through revm's `ecrecover`, which this workspace builds on libsecp256k1 (revm's
/// `secp256k1` feature): several times faster than alloy-consensus's default pure-Rust `k256`
/// backend, without linking a second copy of the C library.
pub fn recover_signer(
    signature: &Signature,
    signature_hash: &B256,
) -> Result<Address, SenderError> {
    if signature.s() > alloy_consensus::crypto::SECP256K1N_HALF {
        return Err(SenderError::InvalidSignature);
    }
    let mut rs = B512::ZERO;
    rs[..32].copy_from_slice(&signature.r().to_be_bytes::<32>());
    rs[32..].copy_from_slice(&signature.s().to_be_bytes::<32>());
    let word = revm::precompile::secp256k1::ecrecover(&rs, u8::from(signature.v()), signature_hash)
        .map_err(|_| SenderError::InvalidSignature)?;
    Ok(Address::from_word(word))
}

macro_rules! impl_from_signed {
    ($($variant:ident($tx:ty)),+ $(,)?) => {$(
        impl From<Signed<$tx>> for TxEnvelope {
            fn from(tx: Signed<$tx>) -> Self {
                Self::$variant(tx)
            }
        }
    )+};
}

impl_from_signed!(Legacy(TxLegacy), Eip2930(TxEip2930), Eip1559(TxEip1559), Eip7702(TxEip7702));

impl From<TxEip712> for TxEnvelope {
    fn from(tx: TxEip712) -> Self {
        Self::Eip712(Sealed::new(tx))
    }
}

impl From<TxArbitrumDeposit> for TxEnvelope {
    fn from(tx: TxArbitrumDeposit) -> Self {
        Self::ArbitrumDeposit(Sealed::new(tx))
    }
}

impl From<TxPriority> for TxEnvelope {
    fn from(tx: TxPriority) -> Self {
        Self::Priority(Sealed::new(tx))
    }
}

impl From<TxArbitrumRetry> for TxEnvelope {
    fn from(tx: TxArbitrumRetry) -> Self {
        Self::ArbitrumRetry(Sealed::new(tx))
    }
}

impl From<TxArbitrumSubmitRetryable> for TxEnvelope {
    fn from(tx: TxArbitrumSubmitRetryable) -> Self {
        Self::ArbitrumSubmitRetryable(Sealed::new(tx))
    }
}

impl From<TxDeposit> for TxEnvelope {
    fn from(tx: TxDeposit) -> Self {
        Self::Deposit(Sealed::new(tx))
    }
}

impl TryFrom<alloy_consensus::TxEnvelope> for TxEnvelope {
    type Error = UnsupportedTxType;

    /// Ethereum's envelope into Tephra's; blob transactions (type 3) have no Tephra variant.
    fn try_from(tx: alloy_consensus::TxEnvelope) -> Result<Self, Self::Error> {
        Ok(match tx {
            alloy_consensus::TxEnvelope::Legacy(tx) => Self::Legacy(tx),
            alloy_consensus::TxEnvelope::Eip2930(tx) => Self::Eip2930(tx),
            alloy_consensus::TxEnvelope::Eip1559(tx) => Self::Eip1559(tx),
            alloy_consensus::TxEnvelope::Eip7702(tx) => Self::Eip7702(tx),
            alloy_consensus::TxEnvelope::Eip4844(_) => return Err(UnsupportedTxType(3)),
        })
    }
}

/// A transaction type that no Tephra framework defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnsupportedTxType(pub u8);

impl std::fmt::Display for UnsupportedTxType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "transaction type {} not supported", self.0)
    }
}

impl std::error::Error for UnsupportedTxType {}

/// The EVM input of a transaction under Ethereum's rules (revm's [`TxEnv`]). A deposit maps to
/// a call from its `from` without a mint: only OP Stack's EVM ([`OpTx`]) executes deposits, and
/// frameworks on Ethereum's EVM refuse them before execution.
impl FromRecoveredTx<TxEnvelope> for TxEnv {
    fn from_recovered_tx(tx: &TxEnvelope, sender: Address) -> Self {
        match tx {
            TxEnvelope::Legacy(tx) => Self::from_recovered_tx(tx.tx(), sender),
            TxEnvelope::Eip2930(tx) => Self::from_recovered_tx(tx.tx(), sender),
            TxEnvelope::Eip1559(tx) => Self::from_recovered_tx(tx.tx(), sender),
            TxEnvelope::Eip7702(tx) => Self::from_recovered_tx(tx.tx(), sender),
            TxEnvelope::Deposit(tx) => Self {
                tx_type: tx.ty(),
                caller: sender,
                gas_limit: tx.gas_limit,
                kind: tx.to,
                value: tx.value,
                data: tx.input.clone(),
                ..Default::default()
            },
            TxEnvelope::Eip712(tx) => Self::from_recovered_tx(&eip1559_view(tx), sender),
            TxEnvelope::Priority(tx) => priority_tx_env(tx),
            // Nitro's executor credits it without the EVM; as an EVM input it is a gasless
            // value transfer from the depositor.
            TxEnvelope::ArbitrumDeposit(tx) => Self {
                tx_type: tx.ty(),
                caller: sender,
                kind: TxKind::Call(tx.to),
                value: tx.value,
                chain_id: Some(tx.chain_id.saturating_to()),
                ..Default::default()
            },
            // Nitro's executor runs it as a call from the retryable's sender at the scheduling
            // block's base fee, with the nonce the sender has (Nitro skips the nonce check).
            TxEnvelope::ArbitrumRetry(tx) => Self {
                tx_type: tx.ty(),
                caller: sender,
                gas_limit: tx.gas,
                gas_price: tx.gas_fee_cap.saturating_to(),
                gas_priority_fee: Some(0),
                kind: tx.to,
                value: tx.value,
                data: tx.data.clone(),
                chain_id: Some(tx.chain_id.saturating_to()),
                ..Default::default()
            },
            // Nitro's executor handles it without the EVM; as an EVM input it is a gasless call
            // to ArbRetryableTx.
            TxEnvelope::ArbitrumSubmitRetryable(tx) => Self {
                tx_type: tx.ty(),
                caller: sender,
                kind: TxKind::Call(crate::nitro_tx::ARB_RETRYABLE_TX_ADDRESS),
                data: tx.calldata(),
                chain_id: Some(tx.chain_id.saturating_to()),
                ..Default::default()
            },
        }
    }
}

/// A priority transaction as the call it makes on L2: from its `from` (whatever signer it is
/// recovered with), to its `to`, with its value and calldata, its type byte (a custom type for
/// revm, which skips its fee checks) and a zero gas price: the sender pays no gas, since the
/// value minted for it on L1 pays the fee (zk-stack's executor settles it, and mints the value
/// to the sender before the call).
pub fn priority_tx_env(tx: &TxPriority) -> TxEnv {
    TxEnv {
        tx_type: PRIORITY_TX_TYPE,
        caller: tx.from,
        gas_limit: tx.gas_limit,
        gas_price: 0,
        gas_priority_fee: None,
        kind: TxKind::Call(tx.to),
        value: tx.value,
        data: tx.input.clone(),
        chain_id: None,
        ..Default::default()
    }
}

/// An EIP-712 transaction as the EIP-1559 call or create from its sender that it executes as
/// on revm (ZKsync OS runs EVM bytecode with Ethereum's fee rules; its pubdata price, factory
/// dependencies and paymaster are outside revm's transaction).
fn eip1559_view(tx: &TxEip712) -> TxEip1559 {
    TxEip1559 {
        chain_id: tx.chain_id,
        nonce: tx.nonce,
        gas_limit: tx.gas_limit,
        max_fee_per_gas: tx.max_fee_per_gas,
        max_priority_fee_per_gas: tx.max_priority_fee_per_gas,
        to: tx.to,
        value: tx.value,
        access_list: Default::default(),
        input: tx.input.clone(),
    }
}

impl FromTxWithEncoded<TxEnvelope> for TxEnv {
    fn from_encoded_tx(tx: &TxEnvelope, sender: Address, _encoded: Bytes) -> Self {
        Self::from_recovered_tx(tx, sender)
    }
}

/// The EVM input of a transaction under OP Stack's rules: with its encoding, which the L1 data
/// fee is charged on, and a deposit's source hash, mint and system flag.
impl FromRecoveredTx<TxEnvelope> for OpTx {
    fn from_recovered_tx(tx: &TxEnvelope, sender: Address) -> Self {
        Self::from_encoded_tx(tx, sender, tx.encoded_2718().into())
    }
}

impl FromTxWithEncoded<TxEnvelope> for OpTx {
    fn from_encoded_tx(tx: &TxEnvelope, sender: Address, encoded: Bytes) -> Self {
        match tx {
            TxEnvelope::Legacy(tx) => Self::from_encoded_tx(tx, sender, encoded),
            TxEnvelope::Eip2930(tx) => Self::from_encoded_tx(tx, sender, encoded),
            TxEnvelope::Eip1559(tx) => Self::from_encoded_tx(tx, sender, encoded),
            TxEnvelope::Eip7702(tx) => Self::from_encoded_tx(tx, sender, encoded),
            TxEnvelope::Deposit(tx) => Self::from_encoded_tx(tx.inner(), sender, encoded),
            // Only zk-stack chains accept these, and they do not run op-revm.
            TxEnvelope::Eip712(tx) => Self(OpTransaction {
                base: TxEnv::from_recovered_tx(&eip1559_view(tx), sender),
                enveloped_tx: Some(encoded),
                deposit: Default::default(),
            }),
            // Only zk-stack chains run these, and not on op-revm.
            TxEnvelope::Priority(tx) => Self(OpTransaction {
                base: priority_tx_env(tx),
                enveloped_tx: Some(encoded),
                deposit: Default::default(),
            }),
            // Only Nitro makes these; OP Stack's EVM sees a plain transfer.
            TxEnvelope::ArbitrumDeposit(_)
            | TxEnvelope::ArbitrumRetry(_)
            | TxEnvelope::ArbitrumSubmitRetryable(_) => Self(OpTransaction {
                base: TxEnv::from_recovered_tx(tx, sender),
                enveloped_tx: Some(encoded),
                deposit: Default::default(),
            }),
        }
    }
}
