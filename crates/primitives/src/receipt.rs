//! The receipt of any Tephra transaction type, in its EIP-2718 envelope.
//!
//! Every framework's receipt is Ethereum's (status, cumulative gas, bloom, logs) under the
//! transaction's type byte; OP Stack deposits append the depositor's nonce and the receipt
//! version (OP specification, "Deposit Receipt"). One struct covers them all, so a new
//! transaction type needs no new receipt code.

use crate::TxType;
use alloy_consensus::{Eip658Value, Receipt, TxReceipt};
use alloy_eips::{
    Typed2718,
    eip2718::{Decodable2718, Eip2718Error, Eip2718Result, Encodable2718},
};
use alloy_primitives::{Bloom, Log, logs_bloom};
use alloy_rlp::{BufMut, Decodable, Encodable, Header};
use serde::{Deserialize, Serialize};

/// A receipt with its transaction's type and bloom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptEnvelope<T = Log> {
    /// Type of the transaction.
    #[serde(rename = "type")]
    pub tx_type: TxType,
    /// Status, cumulative gas used and logs.
    #[serde(flatten)]
    pub receipt: Receipt<T>,
    /// Bloom filter of the logs.
    pub logs_bloom: Bloom,
    /// OP deposits since Regolith: the depositor's nonce before the deposit.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "alloy_serde::quantity::opt")]
    pub deposit_nonce: Option<u64>,
    /// OP deposits since Canyon: 1.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "alloy_serde::quantity::opt")]
    pub deposit_receipt_version: Option<u64>,
}

impl ReceiptEnvelope {
    /// A receipt of a transaction of `tx_type`, its bloom computed from its logs.
    pub fn new(tx_type: TxType, receipt: Receipt) -> Self {
        let logs_bloom = logs_bloom(receipt.logs.iter());
        Self { tx_type, receipt, logs_bloom, deposit_nonce: None, deposit_receipt_version: None }
    }
}

impl<T> ReceiptEnvelope<T> {
    /// The same receipt with each log mapped (to the RPC's log shape, say).
    pub fn map_logs<U>(self, f: impl FnMut(T) -> U) -> ReceiptEnvelope<U> {
        ReceiptEnvelope {
            tx_type: self.tx_type,
            receipt: self.receipt.map_logs(f),
            logs_bloom: self.logs_bloom,
            deposit_nonce: self.deposit_nonce,
            deposit_receipt_version: self.deposit_receipt_version,
        }
    }

    /// The receipt's logs.
    pub fn logs(&self) -> &[T] {
        &self.receipt.logs
    }
}

impl ReceiptEnvelope {
    fn fields_len(&self) -> usize {
        self.receipt.status.length()
            + self.receipt.cumulative_gas_used.length()
            + self.logs_bloom.length()
            + self.receipt.logs.length()
            + self.deposit_nonce.map_or(0, |nonce| nonce.length())
            + self.deposit_receipt_version.map_or(0, |version| version.length())
    }

    fn list_header(&self) -> Header {
        Header { list: true, payload_length: self.fields_len() }
    }

    fn encode_fields(&self, out: &mut dyn BufMut) {
        self.list_header().encode(out);
        self.receipt.status.encode(out);
        self.receipt.cumulative_gas_used.encode(out);
        self.logs_bloom.encode(out);
        self.receipt.logs.encode(out);
        if let Some(nonce) = self.deposit_nonce {
            nonce.encode(out);
        }
        if let Some(version) = self.deposit_receipt_version {
            version.encode(out);
        }
    }

    fn decode_fields(tx_type: TxType, buf: &mut &[u8]) -> alloy_rlp::Result<Self> {
        let header = Header::decode(buf)?;
        if !header.list {
            return Err(alloy_rlp::Error::UnexpectedString);
        }
        let (mut fields, rest) =
            buf.split_at_checked(header.payload_length).ok_or(alloy_rlp::Error::InputTooShort)?;
        let status = Eip658Value::decode(&mut fields)?;
        let cumulative_gas_used = u64::decode(&mut fields)?;
        let logs_bloom = Bloom::decode(&mut fields)?;
        let logs = Vec::<Log>::decode(&mut fields)?;
        let mut optional = || (!fields.is_empty()).then(|| u64::decode(&mut fields)).transpose();
        let (deposit_nonce, deposit_receipt_version) = (optional()?, optional()?);
        if !fields.is_empty() {
            return Err(alloy_rlp::Error::ListLengthMismatch {
                expected: header.payload_length - fields.len(),
                got: header.payload_length,
            });
        }
        *buf = rest;
        Ok(Self {
            tx_type,
            receipt: Receipt { status, cumulative_gas_used, logs },
            logs_bloom,
            deposit_nonce,
            deposit_receipt_version,
        })
    }
}

impl Typed2718 for ReceiptEnvelope {
    fn ty(&self) -> u8 {
        self.tx_type as u8
    }
}

impl Encodable2718 for ReceiptEnvelope {
    fn encode_2718_len(&self) -> usize {
        let fields = self.list_header().length_with_payload();
        if self.tx_type == TxType::Legacy { fields } else { 1 + fields }
    }

    fn encode_2718(&self, out: &mut dyn BufMut) {
        if self.tx_type != TxType::Legacy {
            out.put_u8(self.tx_type as u8);
        }
        self.encode_fields(out);
    }
}

impl Decodable2718 for ReceiptEnvelope {
    fn typed_decode(ty: u8, buf: &mut &[u8]) -> Eip2718Result<Self> {
        let tx_type = TxType::try_from(ty).map_err(|_| Eip2718Error::UnexpectedType(ty))?;
        if tx_type == TxType::Legacy {
            return Err(Eip2718Error::UnexpectedType(ty));
        }
        Ok(Self::decode_fields(tx_type, buf)?)
    }

    /// A legacy receipt, or one of a ZK Stack priority transaction: its type byte `0xff` is
    /// above EIP-2718's range, so it reaches the fallback (no RLP list starts with `0xff`).
    fn fallback_decode(buf: &mut &[u8]) -> Eip2718Result<Self> {
        if let Some((&crate::zk_priority::PRIORITY_TX_TYPE, mut rest)) = buf.split_first() {
            let receipt = Self::decode_fields(TxType::Priority, &mut rest)?;
            *buf = rest;
            return Ok(receipt);
        }
        Ok(Self::decode_fields(TxType::Legacy, buf)?)
    }
}

/// In a list (the store's encoding of a block's receipts): legacy receipts as their RLP list,
/// typed ones as an RLP string of their EIP-2718 bytes, as for transactions.
impl Encodable for ReceiptEnvelope {
    fn encode(&self, out: &mut dyn BufMut) {
        self.network_encode(out);
    }

    fn length(&self) -> usize {
        self.network_len()
    }
}

impl Decodable for ReceiptEnvelope {
    fn decode(buf: &mut &[u8]) -> alloy_rlp::Result<Self> {
        Self::network_decode(buf).map_err(|_| alloy_rlp::Error::Custom("invalid receipt envelope"))
    }
}

impl TxReceipt for ReceiptEnvelope {
    type Log = Log;

    fn status_or_post_state(&self) -> Eip658Value {
        self.receipt.status
    }

    fn status(&self) -> bool {
        self.receipt.status.coerce_status()
    }

    fn bloom(&self) -> Bloom {
        self.logs_bloom
    }

    fn bloom_cheap(&self) -> Option<Bloom> {
        Some(self.logs_bloom)
    }

    fn cumulative_gas_used(&self) -> u64 {
        self.receipt.cumulative_gas_used
    }

    fn logs(&self) -> &[Log] {
        &self.receipt.logs
    }

    fn into_logs(self) -> Vec<Log> {
        self.receipt.logs
    }
}
