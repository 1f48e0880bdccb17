//! Arbitrum Nitro's protocol-made transactions, unsigned and never sent by users:
//!
//! - the ETH deposit (`ArbitrumDepositTx`, type `0x64`), from an L1 inbox message of kind 12;
//! - the retryable submission (`ArbitrumSubmitRetryableTx`, type `0x69`), from an L1 inbox
//!   message of kind 9 (`Inbox.createRetryableTicket`);
//! - the retry (`ArbitrumRetryTx`, type `0x68`), one redeem attempt of a retryable, which ArbOS
//!   schedules itself (the auto-redeem right after the submission, or `ArbRetryableTx.redeem`).
//!
//! Encodings (Nitro's geth fork, `core/types/arb_types.go`): `type ‖ rlp(fields)` with the
//! fields in the order of the Go structs, a nil `to` (`rlp:"nil"`) as the empty string; the
//! hash is keccak256 of that encoding (geth's `prefixedRlpHash`). For a submission that hash is
//! the retryable's ticket id.

use alloy_consensus::{Sealable, Transaction};
use alloy_eips::{
    Typed2718,
    eip2718::{Decodable2718, Eip2718Error, Eip2718Result, Encodable2718, IsTyped2718},
    eip2930::AccessList,
    eip7702::SignedAuthorization,
};
use alloy_primitives::address;
use alloy_primitives::{Address, B256, Bytes, ChainId, TxKind, U256, keccak256};
use alloy_rlp::{BufMut, Decodable, Encodable, Header, RlpDecodable, RlpEncodable};
use serde::{Deserialize, Serialize};

/// EIP-2718 type of [`TxArbitrumDeposit`].
pub const ARBITRUM_DEPOSIT_TX_TYPE: u8 = 0x64;
/// EIP-2718 type of [`TxArbitrumRetry`].
pub const ARBITRUM_RETRY_TX_TYPE: u8 = 0x68;
/// EIP-2718 type of [`TxArbitrumSubmitRetryable`].
pub const ARBITRUM_SUBMIT_RETRYABLE_TX_TYPE: u8 = 0x69;
/// The EIP-2718 types only Nitro's protocol makes (deposits, retryable submissions, retries).
pub const ARBITRUM_PROTOCOL_TX_TYPES: [u8; 3] =
    [ARBITRUM_DEPOSIT_TX_TYPE, ARBITRUM_RETRY_TX_TYPE, ARBITRUM_SUBMIT_RETRYABLE_TX_TYPE];
/// ArbRetryableTx, the precompile a submission is addressed to (Nitro's `to()` of a `0x69`).
pub const ARB_RETRYABLE_TX_ADDRESS: Address =
    address!("0x000000000000000000000000000000000000006E");
/// `ArbRetryableTx.submitRetryable(...)`'s selector: the first bytes of a submission's
/// `input` as Nitro shows it ([`TxArbitrumSubmitRetryable::calldata`]).
pub const SUBMIT_RETRYABLE_SELECTOR: [u8; 4] = [0xc9, 0xf9, 0x5d, 0x32];

static NO_INPUT: Bytes = Bytes::new();

/// An ETH deposit from L1 (Nitro's `ArbitrumDepositTx`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TxArbitrumDeposit {
    /// The L2 chain id.
    pub chain_id: U256,
    /// The L1 inbox message this deposit comes from.
    pub l1_request_id: B256,
    /// The depositor as the L1 bridge records it: `Inbox.depositEth` delivers every message
    /// with the L1-to-L2 alias of `msg.sender` (`AddressAliasHelper.applyL1ToL2Alias`), and
    /// Nitro takes that (the message header's poster) as `from`.
    pub from: Address,
    /// The recipient on L2: the depositor itself for an EOA (unaliased), its alias for a
    /// contract or a call from one (`Inbox.depositEth`'s `dest`).
    pub to: Address,
    /// Wei minted and credited to `to`.
    pub value: U256,
}

impl TxArbitrumDeposit {
    fn fields_len(&self) -> usize {
        self.chain_id.length()
            + self.l1_request_id.length()
            + self.from.length()
            + self.to.length()
            + self.value.length()
    }

    /// keccak256 of the EIP-2718 encoding.
    pub fn tx_hash(&self) -> B256 {
        keccak256(self.encoded_2718())
    }
}

impl Encodable for TxArbitrumDeposit {
    fn encode(&self, out: &mut dyn BufMut) {
        Header { list: true, payload_length: self.fields_len() }.encode(out);
        self.chain_id.encode(out);
        self.l1_request_id.encode(out);
        self.from.encode(out);
        self.to.encode(out);
        self.value.encode(out);
    }

    fn length(&self) -> usize {
        let payload_length = self.fields_len();
        Header { list: true, payload_length }.length() + payload_length
    }
}

impl Decodable for TxArbitrumDeposit {
    fn decode(buf: &mut &[u8]) -> alloy_rlp::Result<Self> {
        let header = Header::decode(buf)?;
        if !header.list {
            return Err(alloy_rlp::Error::UnexpectedString);
        }
        let (mut fields, rest) =
            buf.split_at_checked(header.payload_length).ok_or(alloy_rlp::Error::InputTooShort)?;
        let tx = Self {
            chain_id: Decodable::decode(&mut fields)?,
            l1_request_id: Decodable::decode(&mut fields)?,
            from: Decodable::decode(&mut fields)?,
            to: Decodable::decode(&mut fields)?,
            value: Decodable::decode(&mut fields)?,
        };
        if !fields.is_empty() {
            return Err(alloy_rlp::Error::ListLengthMismatch {
                expected: header.payload_length - fields.len(),
                got: header.payload_length,
            });
        }
        *buf = rest;
        Ok(tx)
    }
}

/// EIP-2718 typing, encoding, decoding and sealing of an RLP-encodable Arbitrum transaction
/// `type ‖ rlp(fields)`.
macro_rules! arbitrum_2718 {
    ($tx:ty, $ty:expr) => {
        impl Typed2718 for $tx {
            fn ty(&self) -> u8 {
                $ty
            }
        }

        impl IsTyped2718 for $tx {
            fn is_type(ty: u8) -> bool {
                ty == $ty
            }
        }

        impl Encodable2718 for $tx {
            fn type_flag(&self) -> Option<u8> {
                Some($ty)
            }

            fn encode_2718_len(&self) -> usize {
                1 + self.length()
            }

            fn encode_2718(&self, out: &mut dyn BufMut) {
                out.put_u8($ty);
                self.encode(out);
            }
        }

        impl Decodable2718 for $tx {
            fn typed_decode(ty: u8, buf: &mut &[u8]) -> Eip2718Result<Self> {
                if ty != $ty {
                    return Err(Eip2718Error::UnexpectedType(ty));
                }
                Ok(Self::decode(buf)?)
            }

            fn fallback_decode(_buf: &mut &[u8]) -> Eip2718Result<Self> {
                Err(Eip2718Error::UnexpectedType(0))
            }
        }

        impl Sealable for $tx {
            fn hash_slow(&self) -> B256 {
                keccak256(self.encoded_2718())
            }
        }
    };
}

arbitrum_2718!(TxArbitrumDeposit, ARBITRUM_DEPOSIT_TX_TYPE);
arbitrum_2718!(TxArbitrumRetry, ARBITRUM_RETRY_TX_TYPE);
arbitrum_2718!(TxArbitrumSubmitRetryable, ARBITRUM_SUBMIT_RETRYABLE_TX_TYPE);

impl Transaction for TxArbitrumDeposit {
    fn chain_id(&self) -> Option<ChainId> {
        Some(self.chain_id.saturating_to())
    }

    fn nonce(&self) -> u64 {
        0
    }

    fn gas_limit(&self) -> u64 {
        0
    }

    fn gas_price(&self) -> Option<u128> {
        None
    }

    fn max_fee_per_gas(&self) -> u128 {
        0
    }

    fn max_priority_fee_per_gas(&self) -> Option<u128> {
        None
    }

    fn max_fee_per_blob_gas(&self) -> Option<u128> {
        None
    }

    fn priority_fee_or_price(&self) -> u128 {
        0
    }

    fn effective_gas_price(&self, _base_fee: Option<u64>) -> u128 {
        0
    }

    fn is_dynamic_fee(&self) -> bool {
        false
    }

    fn kind(&self) -> TxKind {
        TxKind::Call(self.to)
    }

    fn is_create(&self) -> bool {
        false
    }

    fn value(&self) -> U256 {
        self.value
    }

    fn input(&self) -> &Bytes {
        &NO_INPUT
    }

    fn access_list(&self) -> Option<&AccessList> {
        None
    }

    fn blob_versioned_hashes(&self) -> Option<&[B256]> {
        None
    }

    fn authorization_list(&self) -> Option<&[SignedAuthorization]> {
        None
    }
}

/// One redeem attempt of a retryable (Nitro's `ArbitrumRetryTx`): a call from the retryable's
/// sender with its value and data, whose gas the redeemer prepaid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, RlpEncodable, RlpDecodable)]
#[serde(rename_all = "camelCase")]
pub struct TxArbitrumRetry {
    /// The L2 chain id.
    pub chain_id: U256,
    /// The attempt's number among the retryable's redeems (0 for the auto-redeem).
    #[serde(with = "alloy_serde::quantity")]
    pub nonce: u64,
    /// The retryable's sender (the aliased L1 sender).
    pub from: Address,
    /// Wei per gas: the base fee of the block that scheduled it.
    #[serde(rename = "maxFeePerGas")]
    pub gas_fee_cap: U256,
    /// Gas donated to the attempt.
    #[serde(with = "alloy_serde::quantity")]
    pub gas: u64,
    /// The call's target; `Create` for a retryable that deploys.
    pub to: TxKind,
    /// The retryable's call value, taken from its escrow.
    pub value: U256,
    /// The retryable's calldata.
    #[serde(rename = "input")]
    pub data: Bytes,
    /// The retryable's ticket id (its submission's hash).
    pub ticket_id: B256,
    /// Receives the refund of unused gas, up to `max_refund`.
    pub refund_to: Address,
    /// The most refunded to `refund_to`; the rest goes to `from`.
    pub max_refund: U256,
    /// The submission fee refunded if the attempt succeeds (capped by `max_refund`).
    pub submission_fee_refund: U256,
}

/// A retryable ticket's submission (Nitro's `ArbitrumSubmitRetryableTx`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, RlpEncodable, RlpDecodable)]
#[serde(rename_all = "camelCase")]
pub struct TxArbitrumSubmitRetryable {
    /// The L2 chain id.
    pub chain_id: U256,
    /// The L1 inbox message number, as a 32-byte big-endian word.
    pub request_id: B256,
    /// The sender: the aliased L1 `msg.sender` of `createRetryableTicket`.
    pub from: Address,
    /// The L1 base fee the submission fee is priced at.
    pub l1_base_fee: U256,
    /// Wei minted to `from` (the L1 call's value).
    pub deposit_value: U256,
    /// Wei per gas the auto-redeem may pay.
    #[serde(rename = "maxFeePerGas")]
    pub gas_fee_cap: U256,
    /// Gas for the auto-redeem.
    #[serde(with = "alloy_serde::quantity")]
    pub gas: u64,
    /// The retryable's target; `Create` when the L1 message's target is the zero address.
    pub retry_to: TxKind,
    /// The retryable's call value, held in escrow.
    pub retry_value: U256,
    /// May cancel the retryable, and receives its escrow when it expires or is cancelled.
    pub beneficiary: Address,
    /// The most the submission may charge for storing the retryable.
    pub max_submission_fee: U256,
    /// Receives the unspent fees (Nitro's RPC names it `refundTo`).
    #[serde(rename = "refundTo")]
    pub fee_refund_addr: Address,
    /// The retryable's calldata.
    pub retry_data: Bytes,
}

impl TxArbitrumRetry {
    /// keccak256 of the EIP-2718 encoding.
    pub fn tx_hash(&self) -> B256 {
        keccak256(self.encoded_2718())
    }
}

impl TxArbitrumSubmitRetryable {
    /// keccak256 of the EIP-2718 encoding: the retryable's ticket id.
    pub fn tx_hash(&self) -> B256 {
        keccak256(self.encoded_2718())
    }

    /// What Nitro shows as the submission's `input`: a call of
    /// `ArbRetryableTx.submitRetryable(requestId, l1BaseFee, deposit, callvalue, gasFeeCap,
    /// gasLimit, maxSubmissionFee, feeRefundAddress, beneficiary, retryTo, retryData)` (geth
    /// fork's `ArbitrumSubmitRetryableTx.data()`; a `Create` target as the zero address).
    pub fn calldata(&self) -> Bytes {
        let word = |value: U256| value.to_be_bytes::<32>();
        let address = |address: Address| address.into_word().0;
        let retry_to = self.retry_to.to().copied().unwrap_or_default();
        let mut out = Vec::with_capacity(4 + 13 * 32 + self.retry_data.len() + 32);
        out.extend_from_slice(&SUBMIT_RETRYABLE_SELECTOR);
        out.extend_from_slice(self.request_id.as_slice());
        for value in [
            self.l1_base_fee,
            self.deposit_value,
            self.retry_value,
            self.gas_fee_cap,
            U256::from(self.gas),
            self.max_submission_fee,
        ] {
            out.extend_from_slice(&word(value));
        }
        for who in [self.fee_refund_addr, self.beneficiary, retry_to] {
            out.extend_from_slice(&address(who));
        }
        out.extend_from_slice(&word(U256::from(11 * 32)));
        out.extend_from_slice(&word(U256::from(self.retry_data.len())));
        out.extend_from_slice(&self.retry_data);
        out.resize(out.len() + (32 - self.retry_data.len() % 32) % 32, 0);
        out.into()
    }
}

impl Transaction for TxArbitrumRetry {
    fn chain_id(&self) -> Option<ChainId> {
        Some(self.chain_id.saturating_to())
    }

    fn nonce(&self) -> u64 {
        self.nonce
    }

    fn gas_limit(&self) -> u64 {
        self.gas
    }

    fn gas_price(&self) -> Option<u128> {
        None
    }

    fn max_fee_per_gas(&self) -> u128 {
        self.gas_fee_cap.saturating_to()
    }

    fn max_priority_fee_per_gas(&self) -> Option<u128> {
        Some(0)
    }

    fn max_fee_per_blob_gas(&self) -> Option<u128> {
        None
    }

    fn priority_fee_or_price(&self) -> u128 {
        0
    }

    fn effective_gas_price(&self, base_fee: Option<u64>) -> u128 {
        base_fee.map_or_else(|| self.max_fee_per_gas(), u128::from)
    }

    fn is_dynamic_fee(&self) -> bool {
        true
    }

    fn kind(&self) -> TxKind {
        self.to
    }

    fn is_create(&self) -> bool {
        self.to.is_create()
    }

    fn value(&self) -> U256 {
        self.value
    }

    fn input(&self) -> &Bytes {
        &self.data
    }

    fn access_list(&self) -> Option<&AccessList> {
        None
    }

    fn blob_versioned_hashes(&self) -> Option<&[B256]> {
        None
    }

    fn authorization_list(&self) -> Option<&[SignedAuthorization]> {
        None
    }
}

/// As Nitro's geth sees a submission: a call to ArbRetryableTx without value. `input` is the
/// retryable's data, not Nitro's ABI wrapping of every field ([`TxArbitrumSubmitRetryable::calldata`]),
/// which would have to be stored beside the fields to be lent out.
impl Transaction for TxArbitrumSubmitRetryable {
    fn chain_id(&self) -> Option<ChainId> {
        Some(self.chain_id.saturating_to())
    }

    fn nonce(&self) -> u64 {
        0
    }

    fn gas_limit(&self) -> u64 {
        self.gas
    }

    fn gas_price(&self) -> Option<u128> {
        None
    }

    fn max_fee_per_gas(&self) -> u128 {
        self.gas_fee_cap.saturating_to()
    }

    fn max_priority_fee_per_gas(&self) -> Option<u128> {
        Some(0)
    }

    fn max_fee_per_blob_gas(&self) -> Option<u128> {
        None
    }

    fn priority_fee_or_price(&self) -> u128 {
        0
    }

    fn effective_gas_price(&self, base_fee: Option<u64>) -> u128 {
        base_fee.map_or_else(|| self.max_fee_per_gas(), u128::from)
    }

    fn is_dynamic_fee(&self) -> bool {
        true
    }

    fn kind(&self) -> TxKind {
        TxKind::Call(ARB_RETRYABLE_TX_ADDRESS)
    }

    fn is_create(&self) -> bool {
        false
    }

    fn value(&self) -> U256 {
        U256::ZERO
    }

    fn input(&self) -> &Bytes {
        &self.retry_data
    }

    fn access_list(&self) -> Option<&AccessList> {
        None
    }

    fn blob_versioned_hashes(&self) -> Option<&[B256]> {
        None
    }

    fn authorization_list(&self) -> Option<&[SignedAuthorization]> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_as_type_0x64_and_round_trips() {
        let tx = TxArbitrumDeposit {
            chain_id: U256::from(42161),
            l1_request_id: B256::repeat_byte(7),
            from: Address::repeat_byte(1),
            to: Address::repeat_byte(2),
            value: U256::from(10).pow(U256::from(18)),
        };
        let encoded = tx.encoded_2718();
        assert_eq!(encoded[0], 0x64);
        assert_eq!(encoded.len(), tx.encode_2718_len());
        assert_eq!(TxArbitrumDeposit::decode_2718_exact(&encoded).unwrap(), tx);
        assert_eq!(tx.tx_hash(), keccak256(&encoded));
        // A truncated or retyped encoding is refused.
        assert!(TxArbitrumDeposit::decode_2718_exact(&encoded[..encoded.len() - 1]).is_err());
        let mut retyped = encoded;
        retyped[0] = 0x65;
        assert!(TxArbitrumDeposit::decode_2718_exact(&retyped).is_err());
    }
}

#[cfg(test)]
mod retryable_tests {
    use super::*;
    use crate::TxEnvelope;

    fn submission() -> TxArbitrumSubmitRetryable {
        TxArbitrumSubmitRetryable {
            chain_id: U256::from(412346),
            request_id: B256::with_last_byte(3),
            from: Address::repeat_byte(1),
            l1_base_fee: U256::from(7),
            deposit_value: U256::from(1_000_000),
            gas_fee_cap: U256::from(100),
            gas: 50_000,
            retry_to: TxKind::Create,
            retry_value: U256::from(5),
            beneficiary: Address::repeat_byte(2),
            max_submission_fee: U256::from(99),
            fee_refund_addr: Address::repeat_byte(3),
            retry_data: Bytes::from_static(&[0x60, 0x80]),
        }
    }

    #[test]
    fn envelopes_round_trip_through_2718_and_json_with_nitro_field_names() {
        let submit = submission();
        let retry = TxArbitrumRetry {
            chain_id: submit.chain_id,
            nonce: 1,
            from: submit.from,
            gas_fee_cap: U256::from(100),
            gas: 40_000,
            to: TxKind::Call(Address::repeat_byte(9)),
            value: U256::from(5),
            data: Bytes::new(),
            ticket_id: submit.tx_hash(),
            refund_to: Address::repeat_byte(4),
            max_refund: U256::MAX,
            submission_fee_refund: U256::ZERO,
        };
        for (envelope, ty) in [(TxEnvelope::from(submit), 0x69u8), (TxEnvelope::from(retry), 0x68)]
        {
            let encoded = envelope.encoded_2718();
            assert_eq!(encoded[0], ty);
            assert_eq!(envelope.tx_hash(), keccak256(&encoded));
            let decoded = TxEnvelope::decode_2718_exact(&encoded).unwrap();
            assert_eq!(decoded.tx_hash(), envelope.tx_hash());
            assert!(!decoded.is_signed());
            let json = serde_json::to_value(&envelope).unwrap();
            assert_eq!(json["type"], format!("{ty:#x}"));
            let back: TxEnvelope = serde_json::from_value(json.clone()).unwrap();
            assert_eq!(back.tx_hash(), envelope.tx_hash(), "{json}");
            if ty == 0x69 {
                assert_eq!(json["retryTo"], serde_json::Value::Null, "a create has no retryTo");
                assert_eq!(json["refundTo"], Address::repeat_byte(3).to_string().to_lowercase());
                assert_eq!(json["gas"], "0xc350");
            } else {
                assert_eq!(
                    json["ticketId"],
                    envelope.as_arbitrum_retry().unwrap().ticket_id.to_string()
                );
                assert_eq!(json["maxFeePerGas"], "0x64");
            }
        }
        // Every single-byte truncation of an encoding is refused.
        let encoded = submission().encoded_2718();
        for len in 0..encoded.len() {
            assert!(TxEnvelope::decode_2718_exact(&encoded[..len]).is_err(), "{len} bytes");
        }
    }
}
