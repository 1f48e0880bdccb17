//! Arbitrum Nitro's ETH deposit (`ArbitrumDepositTx`, type `0x64`): made by the protocol from
//! an L1 inbox message, unsigned, never sent by users.
//!
//! Encoding (Nitro's `core/types/arb_types.go`): `0x64 ‖ rlp([chainId, l1RequestId, from, to,
//! value])`; its hash is keccak256 of that. Executing it mints `value` to `from` and moves it
//! to `to`, without running the EVM and without gas.

use alloy_consensus::{Sealable, Transaction};
use alloy_eips::{
    Typed2718,
    eip2718::{Decodable2718, Eip2718Error, Eip2718Result, Encodable2718, IsTyped2718},
    eip2930::AccessList,
    eip7702::SignedAuthorization,
};
use alloy_primitives::{Address, B256, Bytes, ChainId, TxKind, U256, keccak256};
use alloy_rlp::{BufMut, Decodable, Encodable, Header};
use serde::{Deserialize, Serialize};

/// EIP-2718 type of [`TxArbitrumDeposit`].
pub const ARBITRUM_DEPOSIT_TX_TYPE: u8 = 0x64;

static NO_INPUT: Bytes = Bytes::new();

/// An ETH deposit from L1 (Nitro's `ArbitrumDepositTx`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TxArbitrumDeposit {
    /// The L2 chain id.
    pub chain_id: U256,
    /// The L1 inbox message this deposit comes from.
    pub l1_request_id: B256,
    /// The depositor (on L1; Nitro does not alias ETH deposits).
    pub from: Address,
    /// The recipient on L2.
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

impl Typed2718 for TxArbitrumDeposit {
    fn ty(&self) -> u8 {
        ARBITRUM_DEPOSIT_TX_TYPE
    }
}

impl IsTyped2718 for TxArbitrumDeposit {
    fn is_type(ty: u8) -> bool {
        ty == ARBITRUM_DEPOSIT_TX_TYPE
    }
}

impl Encodable2718 for TxArbitrumDeposit {
    fn type_flag(&self) -> Option<u8> {
        Some(ARBITRUM_DEPOSIT_TX_TYPE)
    }

    fn encode_2718_len(&self) -> usize {
        1 + self.length()
    }

    fn encode_2718(&self, out: &mut dyn BufMut) {
        out.put_u8(ARBITRUM_DEPOSIT_TX_TYPE);
        self.encode(out);
    }
}

impl Decodable2718 for TxArbitrumDeposit {
    fn typed_decode(ty: u8, buf: &mut &[u8]) -> Eip2718Result<Self> {
        if ty != ARBITRUM_DEPOSIT_TX_TYPE {
            return Err(Eip2718Error::UnexpectedType(ty));
        }
        Ok(Self::decode(buf)?)
    }

    fn fallback_decode(_buf: &mut &[u8]) -> Eip2718Result<Self> {
        Err(Eip2718Error::UnexpectedType(0))
    }
}

impl Sealable for TxArbitrumDeposit {
    fn hash_slow(&self) -> B256 {
        self.tx_hash()
    }
}

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
