//! A decoded, sender-recovered transaction as the pool stores it, and the decoding entry points.
//!
//! Signature recovery is the expensive step (tens of microseconds per transaction): callers on
//! an async runtime should run [`decode_and_recover`] / [`recover_batch`] on a blocking thread.

use crate::PoolError;
use alloy_consensus::{Transaction, transaction::Recovered};
use alloy_eips::eip2718::{Decodable2718, Encodable2718};
use alloy_primitives::{Address, B256, Bytes, Signature, TxHash, U256};
use rayon::prelude::*;
use tephra_primitives::{
    TxEnvelope,
    eip712::{EIP712_TX_TYPE, TxEip712},
    tx::{
        ARBITRUM_DEPOSIT_TX_TYPE, ARBITRUM_RETRY_TX_TYPE, ARBITRUM_SUBMIT_RETRYABLE_TX_TYPE,
        PRIORITY_TX_TYPE,
    },
};

/// Batches at least this long are recovered on rayon's thread pool; shorter ones on the
/// calling thread, where the hand-off would cost more than it saves.
pub const PARALLEL_RECOVERY_THRESHOLD: usize = 16;

/// EIP-2718 type bytes the pool decodes: EIP-2930, EIP-1559, EIP-7702 (legacy has none) and
/// ZK Stack's EIP-712 (`0x71`). Whether a chain takes a type is its framework's decision, which
/// the node applies before handing transactions to the pool.
const SUPPORTED_TYPES: [u8; 4] = [0x01, 0x02, 0x04, EIP712_TX_TYPE];
/// OP Stack's deposit type: made by the protocol from L1 events, never by users.
const DEPOSIT_TYPE: u8 = 0x7e;

/// A signed transaction with its recovered sender, hash and EIP-2718 encoding.
///
/// The encoding is kept so that block building and `eth_getRawTransactionByHash` reuse the
/// bytes the user sent instead of encoding again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PooledTx {
    tx: Recovered<TxEnvelope>,
    hash: TxHash,
    encoded: Bytes,
}

impl PooledTx {
    /// Wraps a transaction whose sender is already known (for example one the node signed for
    /// `eth_sendTransaction`), encoding it once.
    pub fn new(tx: Recovered<TxEnvelope>) -> Self {
        let encoded = Bytes::from(tx.inner().encoded_2718());
        let hash = tx.inner().tx_hash();
        Self { tx, hash, encoded }
    }

    /// The transaction and its sender.
    pub const fn recovered(&self) -> &Recovered<TxEnvelope> {
        &self.tx
    }

    /// The signed transaction.
    pub const fn envelope(&self) -> &TxEnvelope {
        self.tx.inner()
    }

    /// Hash of the transaction (keccak of its EIP-2718 encoding).
    pub const fn hash(&self) -> TxHash {
        self.hash
    }

    /// Address that signed the transaction.
    pub const fn sender(&self) -> Address {
        self.tx.signer()
    }

    /// Nonce of the transaction.
    pub fn nonce(&self) -> u64 {
        self.envelope().nonce()
    }

    /// Gas limit of the transaction.
    pub fn gas_limit(&self) -> u64 {
        self.envelope().gas_limit()
    }

    /// EIP-2718 encoding, exactly as received.
    pub const fn encoded(&self) -> &Bytes {
        &self.encoded
    }

    /// Length of the EIP-2718 encoding in bytes.
    pub fn encoded_len(&self) -> usize {
        self.encoded.len()
    }

    /// Fee cap in wei per gas: `max_fee_per_gas`, or the gas price of legacy and EIP-2930
    /// transactions.
    pub fn max_fee_per_gas(&self) -> u128 {
        self.envelope().max_fee_per_gas()
    }

    /// Tip cap in wei per gas: `max_priority_fee_per_gas`, or the gas price of legacy and
    /// EIP-2930 transactions.
    pub fn max_priority_fee_per_gas(&self) -> u128 {
        self.envelope().priority_fee_or_price()
    }

    /// Tip the block producer earns per gas at `base_fee`, or `None` if the fee cap is below
    /// the base fee (the transaction cannot be included at that base fee).
    pub fn effective_tip(&self, base_fee: u64) -> Option<u128> {
        self.envelope().effective_tip_per_gas(base_fee)
    }

    /// The paymaster that pays the fee of a ZK Stack EIP-712 transaction, if any
    /// ([`tephra_primitives::eip712::TxEip712::paymaster`]).
    pub fn paymaster(&self) -> Option<Address> {
        self.envelope().as_eip712()?.paymaster()
    }

    /// Most the fee can be: `gas_limit * max_fee_per_gas`, in wei, saturating at `U256::MAX`.
    pub fn max_fee(&self) -> U256 {
        let env = self.envelope();
        U256::from(env.gas_limit()).saturating_mul(U256::from(env.max_fee_per_gas()))
    }

    /// Most the sender can be charged: `gas_limit * max_fee_per_gas + value`, in wei (geth's
    /// `tx.Cost()`), saturating at `U256::MAX`. For a paymaster-sponsored transaction the fee
    /// part is the paymaster's ([`PooledTx::paymaster`]), not the sender's.
    pub fn cost(&self) -> U256 {
        self.max_fee().saturating_add(self.envelope().value())
    }
}

/// Decodes an EIP-2718 transaction (the `eth_sendRawTransaction` payload) and recovers its
/// sender.
///
/// Refuses trailing bytes, unknown type bytes and blob (type 3) transactions with
/// [`PoolError::TxTypeNotSupported`], and signatures that do not recover (including high `s`,
/// EIP-2) with [`PoolError::InvalidSender`]. Chain id, fees and gas are checked by
/// [`crate::TxPool::add`], which knows the pool's config.
pub fn decode_and_recover(raw: &[u8]) -> Result<PooledTx, PoolError> {
    decode_bytes(Bytes::copy_from_slice(raw))
}

/// [`decode_and_recover`] for many transactions; results are in input order.
///
/// Batches of at least [`PARALLEL_RECOVERY_THRESHOLD`] are spread over rayon's global pool.
pub fn recover_batch(raws: Vec<Bytes>) -> Vec<Result<PooledTx, PoolError>> {
    if raws.len() >= PARALLEL_RECOVERY_THRESHOLD {
        raws.into_par_iter().map(decode_bytes).collect()
    } else {
        raws.into_iter().map(decode_bytes).collect()
    }
}

fn decode_bytes(raw: Bytes) -> Result<PooledTx, PoolError> {
    // EIP-2718: a first byte up to 0x7f is a type. Refuse blob and unknown types before
    // decoding, as geth does.
    match raw.first() {
        Some(&DEPOSIT_TYPE) => return Err(PoolError::DepositNotAccepted),
        Some(&ARBITRUM_DEPOSIT_TX_TYPE) => return Err(PoolError::ArbitrumDepositNotAccepted),
        Some(&ty @ (ARBITRUM_RETRY_TX_TYPE | ARBITRUM_SUBMIT_RETRYABLE_TX_TYPE)) => {
            return Err(PoolError::ArbitrumRetryableNotAccepted { ty });
        }
        Some(&PRIORITY_TX_TYPE) => return Err(PoolError::PriorityTxNotAccepted),
        Some(&ty) if ty <= 0x7f && !SUPPORTED_TYPES.contains(&ty) => {
            return Err(PoolError::TxTypeNotSupported);
        }
        _ => {}
    }
    let envelope = TxEnvelope::decode_2718_exact(&raw).map_err(PoolError::Decode)?;
    let sender = recover_sender(&envelope)?;
    let hash = envelope.tx_hash();
    Ok(PooledTx { tx: Recovered::new_unchecked(envelope, sender), hash, encoded: raw })
}

/// The signer of `envelope`, refusing high-`s` signatures (EIP-2)
/// ([`tephra_primitives::tx::recover_signer`]).
pub(crate) fn recover_sender(envelope: &TxEnvelope) -> Result<Address, PoolError> {
    let (signature, signature_hash) = match envelope {
        TxEnvelope::Legacy(tx) => (tx.signature(), tx.signature_hash()),
        TxEnvelope::Eip2930(tx) => (tx.signature(), tx.signature_hash()),
        TxEnvelope::Eip1559(tx) => (tx.signature(), tx.signature_hash()),
        TxEnvelope::Eip7702(tx) => (tx.signature(), tx.signature_hash()),
        TxEnvelope::Deposit(_) => return Err(PoolError::DepositNotAccepted),
        TxEnvelope::Eip712(tx) => return recover_eip712(tx),
        TxEnvelope::ArbitrumDeposit(_) => return Err(PoolError::ArbitrumDepositNotAccepted),
        TxEnvelope::ArbitrumRetry(_) => {
            return Err(PoolError::ArbitrumRetryableNotAccepted { ty: ARBITRUM_RETRY_TX_TYPE });
        }
        TxEnvelope::ArbitrumSubmitRetryable(_) => {
            return Err(PoolError::ArbitrumRetryableNotAccepted {
                ty: ARBITRUM_SUBMIT_RETRYABLE_TX_TYPE,
            });
        }
        TxEnvelope::Priority(_) => return Err(PoolError::PriorityTxNotAccepted),
    };
    ecrecover_checked(signature, &signature_hash)
}

/// The sender of a ZK Stack EIP-712 transaction: the ECDSA signature (its custom signature, as
/// zksync-ethers sends it, or its `v, r, s`) over its EIP-712 signing hash must recover to its
/// explicit `from`. Smart-account (non-ECDSA) custom signatures are refused: there is no
/// account abstraction here. Also refuses a zero gas per pubdata byte and a paymaster input
/// shorter than a selector.
fn recover_eip712(tx: &TxEip712) -> Result<Address, PoolError> {
    if tx.eip712_meta.gas_per_pubdata.is_zero() {
        return Err(PoolError::GasPerPubdataZero);
    }
    if let Some(params) = &tx.eip712_meta.paymaster_params
        && params.paymaster_input.len() < 4
    {
        return Err(PoolError::PaymasterInputTooShort { len: params.paymaster_input.len() });
    }
    let signature = tx.signature().ok_or(PoolError::InvalidSender)?;
    let signer = ecrecover_checked(&signature, &tx.signing_hash())?;
    if signer != tx.from {
        return Err(PoolError::Eip712SignerMismatch { from: tx.from, signer });
    }
    Ok(signer)
}

fn ecrecover_checked(signature: &Signature, signature_hash: &B256) -> Result<Address, PoolError> {
    tephra_primitives::tx::recover_signer(signature, signature_hash)
        .map_err(|_| PoolError::InvalidSender)
}
