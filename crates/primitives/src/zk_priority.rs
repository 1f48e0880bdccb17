//! ZK Stack's priority (L1 -> L2) transaction, type `0xff`: the protocol makes one from each
//! `NewPriorityRequest` event of the chain's L1 Mailbox; it is unsigned and never sent by users.
//!
//! Its fields are the L1 Mailbox's `L2CanonicalTransaction` (era-contracts
//! `common/Messaging.sol`), and its hash is the canonical transaction hash the Mailbox computes
//! and emits (`keccak256(abi.encode(transaction))`, `MailboxFacet._validateTx`), which is what
//! zksync-ethers' `getL2HashFromPriorityOp` reads from the L1 receipt. The priority operation's
//! serial id is its `nonce`; `reserved[0]` is the value to mint (what was deposited on L1) and
//! `reserved[1]` the refund recipient.
//!
//! ZKsync defines no EIP-2718 encoding for these (they are not serialized on L2); Tephra stores
//! one as `0xff ‖ abi.encode(L2CanonicalTransaction)`, so that its hash is keccak256 of its
//! encoding without the type byte. `0xff` is above EIP-2718's type range: the envelope decodes it
//! through its fallback (a legacy transaction cannot start with `0xff`). The bytecodes of its
//! factory dependencies (the event's `bytes[] factoryDeps`) are not kept, only their hashes,
//! which the canonical transaction holds (a Tephra chain does not deploy factory dependencies).

use alloy_consensus::{Sealable, Transaction};
use alloy_eips::{
    Typed2718,
    eip2718::{Decodable2718, Eip2718Error, Eip2718Result, Encodable2718, IsTyped2718},
    eip2930::AccessList,
    eip7702::SignedAuthorization,
};
use alloy_primitives::{Address, B256, Bytes, ChainId, TxKind, U256, keccak256};
use alloy_rlp::{BufMut, Decodable, Encodable};
use alloy_sol_types::{SolEvent, SolValue, sol};
use serde::{Deserialize, Serialize};

/// The EIP-2718 type byte of priority transactions (`PRIORITY_OPERATION_L2_TX_TYPE`).
pub const PRIORITY_TX_TYPE: u8 = 0xff;

/// The gas per pubdata byte of every priority transaction: the L1 Mailbox refuses a request
/// with another (`REQUIRED_L2_GAS_PRICE_PER_PUBDATA`).
pub const REQUIRED_L2_GAS_PRICE_PER_PUBDATA: u64 = 800;

sol! {
    /// The L1 Mailbox's `L2CanonicalTransaction`, field for field.
    #[derive(Debug, PartialEq, Eq)]
    struct L2CanonicalTransaction {
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
        uint256[] factoryDeps;
        bytes paymasterInput;
        bytes reservedDynamic;
    }

    /// The L1 Mailbox's event for each priority transaction (`IMailboxImpl.NewPriorityRequest`).
    #[derive(Debug, PartialEq, Eq)]
    event NewPriorityRequest(
        uint256 txId,
        bytes32 txHash,
        uint64 expirationTimestamp,
        L2CanonicalTransaction transaction,
        bytes[] factoryDeps
    );
}

/// Why a canonical transaction or a `NewPriorityRequest` event is not a priority transaction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PriorityTxError {
    /// The bytes are not an ABI-encoded `L2CanonicalTransaction` in canonical form.
    #[error("not an ABI-encoded L2CanonicalTransaction in canonical form")]
    Encoding,
    /// `txType` is not 255.
    #[error("priority transaction type is {0}, not 255")]
    TxType(U256),
    /// An address field (`from`, `to`, `paymaster`) holds more than 160 bits.
    #[error("{field} {value:#x} is not an address")]
    NotAnAddress {
        /// The field.
        field: &'static str,
        /// Its value.
        value: U256,
    },
    /// A numeric field is larger than Tephra's type for it (gas limit and serial id: 64 bits,
    /// fees: 128 bits).
    #[error("{field} {value} is out of range")]
    OutOfRange {
        /// The field.
        field: &'static str,
        /// Its value.
        value: U256,
    },
    /// The event does not decode.
    #[error("log is not a NewPriorityRequest event: {0}")]
    Event(String),
    /// A field the L1 Mailbox always writes a fixed value to holds another (zksync-era's checks
    /// when it reads the event: `L1Tx::try_from(NewPriorityRequest)`).
    #[error("NewPriorityRequest {field} is not what the Mailbox writes")]
    Malformed {
        /// The field.
        field: &'static str,
    },
    /// The event's `txHash` is not the hash of its transaction.
    #[error("NewPriorityRequest txHash {emitted} is not the transaction's hash {computed}")]
    HashMismatch {
        /// The event's.
        emitted: B256,
        /// keccak256 of the transaction's encoding.
        computed: B256,
    },
}

/// A ZK Stack priority transaction (L1 -> L2), as the L1 Mailbox wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TxPriority {
    /// The L2 sender: the L1 caller, aliased if it is a contract (`AddressAliasHelper`).
    pub from: Address,
    /// The L2 contract called (always a call: priority transactions do not create).
    pub to: Address,
    /// L2 gas limit.
    #[serde(rename = "gas", with = "alloy_serde::quantity")]
    pub gas_limit: u64,
    /// L2 gas per pubdata byte the sender allows (800, `REQUIRED_L2_GAS_PRICE_PER_PUBDATA`).
    pub gas_per_pubdata_byte_limit: U256,
    /// The L2 gas price derived on L1 from the L1 gas price; priority transactions pay it
    /// whatever the L2 base fee.
    #[serde(with = "alloy_serde::quantity")]
    pub max_fee_per_gas: u128,
    /// Always 0 from the Mailbox.
    #[serde(with = "alloy_serde::quantity")]
    pub max_priority_fee_per_gas: u128,
    /// Always zero from the Mailbox.
    pub paymaster: Address,
    /// The priority operation's serial id (the canonical transaction's `nonce`).
    #[serde(with = "alloy_serde::quantity")]
    pub serial_id: u64,
    /// `msg.value` of the L2 call.
    pub value: U256,
    /// `[toMint, refundRecipient, 0, 0]`.
    pub reserved: [U256; 4],
    /// Calldata of the L2 call.
    pub input: Bytes,
    /// Always empty from the Mailbox.
    pub signature: Bytes,
    /// ZKsync bytecode hashes of the factory dependencies.
    pub factory_deps: Vec<B256>,
    /// Always empty from the Mailbox.
    pub paymaster_input: Bytes,
    /// Always empty from the Mailbox.
    pub reserved_dynamic: Bytes,
}

fn address(field: &'static str, value: U256) -> Result<Address, PriorityTxError> {
    if value >> 160 != U256::ZERO {
        return Err(PriorityTxError::NotAnAddress { field, value });
    }
    Ok(Address::from_word(value.into()))
}

fn narrow<T: TryFrom<U256>>(field: &'static str, value: U256) -> Result<T, PriorityTxError> {
    T::try_from(value).map_err(|_| PriorityTxError::OutOfRange { field, value })
}

fn word(address: Address) -> U256 {
    U256::from_be_bytes(address.into_word().0)
}

impl TxPriority {
    /// The value minted on L2 for it: what was deposited on L1 (`reserved[0]`).
    pub fn to_mint(&self) -> U256 {
        self.reserved[0]
    }

    /// Who gets what is left of the minted value after the call and its fee (`reserved[1]`,
    /// its low 160 bits, as ZKsync's bootloader reads it).
    pub fn refund_recipient(&self) -> Address {
        Address::from_word(self.reserved[1].into())
    }

    /// The canonical transaction the L1 Mailbox hashed.
    pub fn canonical(&self) -> L2CanonicalTransaction {
        L2CanonicalTransaction {
            txType: U256::from(PRIORITY_TX_TYPE),
            from: word(self.from),
            to: word(self.to),
            gasLimit: U256::from(self.gas_limit),
            gasPerPubdataByteLimit: self.gas_per_pubdata_byte_limit,
            maxFeePerGas: U256::from(self.max_fee_per_gas),
            maxPriorityFeePerGas: U256::from(self.max_priority_fee_per_gas),
            paymaster: word(self.paymaster),
            nonce: U256::from(self.serial_id),
            value: self.value,
            reserved: self.reserved,
            data: self.input.clone(),
            signature: self.signature.clone(),
            factoryDeps: self.factory_deps.iter().map(|hash| U256::from_be_bytes(hash.0)).collect(),
            paymasterInput: self.paymaster_input.clone(),
            reservedDynamic: self.reserved_dynamic.clone(),
        }
    }

    /// The transaction of a canonical one, refusing a type other than 255, address fields above
    /// 160 bits and numbers out of Tephra's ranges.
    pub fn from_canonical(tx: L2CanonicalTransaction) -> Result<Self, PriorityTxError> {
        if tx.txType != U256::from(PRIORITY_TX_TYPE) {
            return Err(PriorityTxError::TxType(tx.txType));
        }
        Ok(Self {
            from: address("from", tx.from)?,
            to: address("to", tx.to)?,
            gas_limit: narrow("gasLimit", tx.gasLimit)?,
            gas_per_pubdata_byte_limit: tx.gasPerPubdataByteLimit,
            max_fee_per_gas: narrow("maxFeePerGas", tx.maxFeePerGas)?,
            max_priority_fee_per_gas: narrow("maxPriorityFeePerGas", tx.maxPriorityFeePerGas)?,
            paymaster: address("paymaster", tx.paymaster)?,
            serial_id: narrow("nonce", tx.nonce)?,
            value: tx.value,
            reserved: tx.reserved,
            input: tx.data,
            signature: tx.signature,
            factory_deps: tx.factoryDeps.into_iter().map(B256::from).collect(),
            paymaster_input: tx.paymasterInput,
            reserved_dynamic: tx.reservedDynamic,
        })
    }

    /// `abi.encode(L2CanonicalTransaction)`, what the L1 Mailbox hashes.
    pub fn abi_encoded(&self) -> Vec<u8> {
        self.canonical().abi_encode()
    }

    /// The canonical transaction hash: `keccak256(abi.encode(L2CanonicalTransaction))`.
    pub fn tx_hash(&self) -> B256 {
        keccak256(self.abi_encoded())
    }

    /// Decodes `abi.encode(L2CanonicalTransaction)` at the start of `buf`, advancing it past
    /// the encoding. Only the canonical encoding (the one [`Self::abi_encoded`] writes) is
    /// accepted, so that the hash is the Mailbox's.
    pub fn abi_decode(buf: &mut &[u8]) -> Result<Self, PriorityTxError> {
        let canonical =
            L2CanonicalTransaction::abi_decode(buf).map_err(|_| PriorityTxError::Encoding)?;
        let encoded = canonical.abi_encode();
        if !buf.starts_with(&encoded) {
            return Err(PriorityTxError::Encoding);
        }
        *buf = &buf[encoded.len()..];
        Self::from_canonical(canonical)
    }

    /// The transaction of a `NewPriorityRequest` event's data (its fields are not indexed),
    /// checked as zksync-era checks the events it reads: the serial id is the event's `txId`,
    /// no tip, paymaster, signature, paymaster input or reserved dynamic data, `reserved[2..]`
    /// zero, the factory dependencies hash to the transaction's, and `txHash` is its hash.
    pub fn from_new_priority_request(data: &[u8]) -> Result<Self, PriorityTxError> {
        let event = NewPriorityRequest::abi_decode_data(data)
            .map_err(|err| PriorityTxError::Event(err.to_string()))?;
        let (tx_id, emitted, _expiration, transaction, factory_deps) = event;
        let tx = Self::from_canonical(transaction)?;
        let malformed = |field| Err(PriorityTxError::Malformed { field });
        if U256::from(tx.serial_id) != tx_id {
            return malformed("txId");
        }
        if tx.max_priority_fee_per_gas != 0 {
            return malformed("maxPriorityFeePerGas");
        }
        if !tx.paymaster.is_zero() {
            return malformed("paymaster");
        }
        if !tx.signature.is_empty() {
            return malformed("signature");
        }
        if !tx.paymaster_input.is_empty() {
            return malformed("paymasterInput");
        }
        if !tx.reserved_dynamic.is_empty() {
            return malformed("reservedDynamic");
        }
        if tx.reserved[2..].iter().any(|word| !word.is_zero()) {
            return malformed("reserved");
        }
        let dep_hashes: Result<Vec<B256>, _> =
            factory_deps.iter().map(|dep| crate::eip712::hash_bytecode(dep)).collect();
        if dep_hashes.ok().as_ref() != Some(&tx.factory_deps) {
            return malformed("factoryDeps");
        }
        let computed = tx.tx_hash();
        if computed != emitted {
            return Err(PriorityTxError::HashMismatch { emitted, computed });
        }
        Ok(tx)
    }

    /// `NewPriorityRequest`'s topic: keccak256 of its signature.
    pub const NEW_PRIORITY_REQUEST_TOPIC: B256 = NewPriorityRequest::SIGNATURE_HASH;
}

impl Typed2718 for TxPriority {
    fn ty(&self) -> u8 {
        PRIORITY_TX_TYPE
    }
}

impl IsTyped2718 for TxPriority {
    fn is_type(ty: u8) -> bool {
        ty == PRIORITY_TX_TYPE
    }
}

impl Encodable2718 for TxPriority {
    fn type_flag(&self) -> Option<u8> {
        Some(PRIORITY_TX_TYPE)
    }

    fn encode_2718_len(&self) -> usize {
        1 + self.canonical().abi_encoded_size()
    }

    fn encode_2718(&self, out: &mut dyn BufMut) {
        out.put_u8(PRIORITY_TX_TYPE);
        out.put_slice(&self.abi_encoded());
    }
}

fn decode_error(err: PriorityTxError) -> Eip2718Error {
    Eip2718Error::RlpError(alloy_rlp::Error::Custom(match err {
        PriorityTxError::TxType(_) => "priority transaction type is not 255",
        PriorityTxError::NotAnAddress { .. } => "priority transaction address field above 160 bits",
        PriorityTxError::OutOfRange { .. } => "priority transaction field out of range",
        _ => "invalid priority transaction encoding",
    }))
}

impl Decodable2718 for TxPriority {
    fn typed_decode(ty: u8, buf: &mut &[u8]) -> Eip2718Result<Self> {
        if ty != PRIORITY_TX_TYPE {
            return Err(Eip2718Error::UnexpectedType(ty));
        }
        Self::abi_decode(buf).map_err(decode_error)
    }

    /// `0xff` is above EIP-2718's type bytes, so a raw priority transaction reaches the
    /// envelope's fallback; it is taken here (no legacy RLP list starts with `0xff`).
    fn fallback_decode(buf: &mut &[u8]) -> Eip2718Result<Self> {
        match buf.split_first() {
            Some((&PRIORITY_TX_TYPE, mut rest)) => {
                let tx = Self::abi_decode(&mut rest).map_err(decode_error)?;
                *buf = rest;
                Ok(tx)
            }
            _ => Err(Eip2718Error::UnexpectedType(0)),
        }
    }
}

/// In a list: an RLP string of the EIP-2718 bytes, as for every typed transaction.
impl Encodable for TxPriority {
    fn encode(&self, out: &mut dyn BufMut) {
        self.network_encode(out);
    }

    fn length(&self) -> usize {
        self.network_len()
    }
}

impl Decodable for TxPriority {
    fn decode(buf: &mut &[u8]) -> alloy_rlp::Result<Self> {
        Self::network_decode(buf)
            .map_err(|_| alloy_rlp::Error::Custom("invalid priority transaction"))
    }
}

/// Sealed with the canonical transaction hash.
impl Sealable for TxPriority {
    fn hash_slow(&self) -> B256 {
        self.tx_hash()
    }
}

/// As zksync-era's API shows an L1 transaction: no chain id of its own, nonce 0 (the serial id
/// is not the sender's nonce), the L1-derived gas price whatever the base fee.
impl Transaction for TxPriority {
    fn chain_id(&self) -> Option<ChainId> {
        None
    }

    fn nonce(&self) -> u64 {
        0
    }

    fn gas_limit(&self) -> u64 {
        self.gas_limit
    }

    fn gas_price(&self) -> Option<u128> {
        Some(self.max_fee_per_gas)
    }

    fn max_fee_per_gas(&self) -> u128 {
        self.max_fee_per_gas
    }

    fn max_priority_fee_per_gas(&self) -> Option<u128> {
        Some(self.max_priority_fee_per_gas)
    }

    fn max_fee_per_blob_gas(&self) -> Option<u128> {
        None
    }

    fn priority_fee_or_price(&self) -> u128 {
        self.max_priority_fee_per_gas
    }

    fn effective_gas_price(&self, _base_fee: Option<u64>) -> u128 {
        self.max_fee_per_gas
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
        &self.input
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
    use crate::TxEnvelope;
    use alloy_primitives::hex;
    use serde_json::Value;

    /// Canonical transactions encoded and hashed by ethers with zksync-ethers' Mailbox ABI, in
    /// `NewPriorityRequest` events (`testdata/zksync_priority.mjs`).
    fn vectors() -> Value {
        serde_json::from_str(include_str!("../testdata/zksync_priority.json")).expect("JSON")
    }

    fn bytes(value: &Value) -> Vec<u8> {
        hex::decode(value.as_str().expect("hex")).expect("hex")
    }

    #[test]
    fn canonical_hash_matches_zksync_ethers_vectors() {
        let vectors = vectors();
        let cases = vectors["cases"].as_object().expect("cases");
        assert_eq!(cases.len(), 2);
        for (name, case) in cases {
            let tx = TxPriority::from_new_priority_request(&bytes(&case["eventData"]))
                .unwrap_or_else(|err| panic!("{name}: {err}"));
            let hash: B256 = case["hash"].as_str().unwrap().parse().unwrap();
            assert_eq!(tx.tx_hash(), hash, "{name}");
            assert_eq!(case["hashFromPriorityOp"], case["hash"], "{name}");
            assert_eq!(tx.abi_encoded(), bytes(&case["abiEncoded"]), "{name}");
            assert_eq!(tx.from, case["from"].as_str().unwrap().parse::<Address>().unwrap());
            assert_eq!(tx.to, case["to"].as_str().unwrap().parse::<Address>().unwrap());
            assert_eq!(tx.value, case["value"].as_str().unwrap().parse::<U256>().unwrap());
            assert_eq!(tx.to_mint(), case["toMint"].as_str().unwrap().parse::<U256>().unwrap());
            assert_eq!(
                tx.refund_recipient(),
                case["refundRecipient"].as_str().unwrap().parse::<Address>().unwrap()
            );
            let topic: B256 = case["eventTopics"][0].as_str().unwrap().parse().unwrap();
            assert_eq!(topic, TxPriority::NEW_PRIORITY_REQUEST_TOPIC, "{name}");

            // The envelope: 0xff ‖ the ABI encoding, hashed as the Mailbox does, both raw and in
            // the store's list encoding.
            let envelope = TxEnvelope::from(tx.clone());
            let raw = envelope.encoded_2718();
            assert_eq!(raw[0], 0xff);
            assert_eq!(&raw[1..], bytes(&case["abiEncoded"]).as_slice());
            assert_eq!(raw.len(), envelope.encode_2718_len());
            assert_eq!(envelope.tx_hash(), hash);
            let decoded = TxEnvelope::decode_2718_exact(&raw).expect("raw 0xff decodes");
            assert_eq!(decoded.tx_hash(), hash);
            let listed = alloy_rlp::encode(vec![envelope.clone(), envelope]);
            let back: Vec<TxEnvelope> = alloy_rlp::decode_exact(&listed).expect("list decodes");
            assert_eq!(back.iter().map(TxEnvelope::tx_hash).collect::<Vec<_>>(), [hash, hash]);
        }
    }

    #[test]
    fn serializes_as_zksync_shows_l1_transactions_and_back() {
        let vectors = vectors();
        let data = bytes(&vectors["cases"]["contract_call"]["eventData"]);
        let tx = TxPriority::from_new_priority_request(&data).unwrap();
        let envelope = TxEnvelope::from(tx.clone());
        let json = serde_json::to_value(&envelope).unwrap();
        assert_eq!(json["type"], "0xff");
        assert_eq!(json["nonce"], "0x0");
        assert_eq!(json["serialId"], "0x29");
        assert_eq!(json["gas"], "0x1e8480");
        assert_eq!(json["maxPriorityFeePerGas"], "0x0");
        assert_eq!(json["hash"], vectors["cases"]["contract_call"]["hash"]);
        assert!(json.get("v").is_none() && json.get("r").is_none());
        let back: TxEnvelope = serde_json::from_value(json).unwrap();
        assert_eq!(back.as_priority().map(|tx| tx.inner()), Some(&tx));
    }

    #[test]
    fn refuses_what_the_mailbox_never_writes() {
        let vectors = vectors();
        let data = bytes(&vectors["cases"]["eth_deposit"]["eventData"]);
        let (tx_id, tx_hash, expiration, transaction, deps) =
            NewPriorityRequest::abi_decode_data(&data).unwrap();
        let reencode = |tx_id, tx_hash, transaction: L2CanonicalTransaction, deps: Vec<Bytes>| {
            NewPriorityRequest {
                txId: tx_id,
                txHash: tx_hash,
                expirationTimestamp: expiration,
                transaction,
                factoryDeps: deps,
            }
            .encode_data()
        };
        let ok = reencode(tx_id, tx_hash, transaction.clone(), deps.clone());
        assert!(TxPriority::from_new_priority_request(&ok).is_ok());

        let wrong_id = reencode(tx_id + U256::from(1), tx_hash, transaction.clone(), deps.clone());
        assert_eq!(
            TxPriority::from_new_priority_request(&wrong_id),
            Err(PriorityTxError::Malformed { field: "txId" })
        );
        let wrong_hash = reencode(tx_id, B256::ZERO, transaction.clone(), deps.clone());
        assert!(matches!(
            TxPriority::from_new_priority_request(&wrong_hash),
            Err(PriorityTxError::HashMismatch { .. })
        ));
        let mut tipped = transaction.clone();
        tipped.maxPriorityFeePerGas = U256::from(1);
        let hash = keccak256(tipped.abi_encode());
        assert_eq!(
            TxPriority::from_new_priority_request(&reencode(tx_id, hash, tipped, deps)),
            Err(PriorityTxError::Malformed { field: "maxPriorityFeePerGas" })
        );
        let extra_dep =
            reencode(tx_id, tx_hash, transaction.clone(), vec![Bytes::from(vec![0; 32])]);
        assert_eq!(
            TxPriority::from_new_priority_request(&extra_dep),
            Err(PriorityTxError::Malformed { field: "factoryDeps" })
        );
        let mut retyped = transaction.clone();
        retyped.txType = U256::from(254);
        assert_eq!(
            TxPriority::from_canonical(retyped),
            Err(PriorityTxError::TxType(U256::from(254)))
        );
        let mut wide = transaction.clone();
        wide.from = U256::MAX;
        assert!(matches!(
            TxPriority::from_canonical(wide),
            Err(PriorityTxError::NotAnAddress { field: "from", .. })
        ));
        let mut huge = transaction;
        huge.gasLimit = U256::from(u64::MAX) + U256::from(1);
        assert!(matches!(
            TxPriority::from_canonical(huge),
            Err(PriorityTxError::OutOfRange { field: "gasLimit", .. })
        ));
        assert!(matches!(
            TxPriority::from_new_priority_request(&data[..data.len() - 1]),
            Err(PriorityTxError::Event(_))
        ));
    }

    #[test]
    fn refuses_non_canonical_and_truncated_encodings() {
        let vectors = vectors();
        let raw = [&[0xff][..], &bytes(&vectors["cases"]["contract_call"]["abiEncoded"])].concat();
        assert!(TxEnvelope::decode_2718_exact(&raw).is_ok());
        assert!(TxEnvelope::decode_2718_exact(&raw[..raw.len() - 1]).is_err());
        // Trailing bytes are not part of the transaction.
        assert!(TxEnvelope::decode_2718_exact(&[&raw[..], &[0]].concat()).is_err());
        // The head's offset moved: the same fields, but not the Mailbox's encoding.
        let mut shifted = raw;
        shifted[32] = 0x40;
        shifted.splice(33..33, [0u8; 32]);
        assert!(TxEnvelope::decode_2718_exact(&shifted).is_err());
    }

    proptest::proptest! {
        #[test]
        fn encoding_round_trips(
            from: [u8; 20], to: [u8; 20], gas_limit: u64, fee: u128, serial_id: u64,
            value: [u8; 32], mint: [u8; 32], input: Vec<u8>, deps: Vec<[u8; 32]>,
        ) {
            let tx = TxPriority {
                from: Address::from(from),
                to: Address::from(to),
                gas_limit,
                gas_per_pubdata_byte_limit: U256::from(800),
                max_fee_per_gas: fee,
                max_priority_fee_per_gas: 0,
                paymaster: Address::ZERO,
                serial_id,
                value: U256::from_be_bytes(value),
                reserved: [U256::from_be_bytes(mint), word(Address::from(to)), U256::ZERO, U256::ZERO],
                input: input.into(),
                signature: Bytes::new(),
                factory_deps: deps.into_iter().map(B256::from).collect(),
                paymaster_input: Bytes::new(),
                reserved_dynamic: Bytes::new(),
            };
            let raw = tx.encoded_2718();
            proptest::prop_assert_eq!(raw.len(), tx.encode_2718_len());
            proptest::prop_assert_eq!(&TxPriority::decode_2718_exact(&raw).expect("decodes"), &tx);
            proptest::prop_assert_eq!(keccak256(&raw[1..]), tx.tx_hash());
        }
    }
}
