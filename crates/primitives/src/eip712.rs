//! ZK Stack's EIP-712 transaction (type `0x71`): an EIP-1559-style call or create from an
//! explicit `from`, signed over an EIP-712 typed-data hash instead of its RLP, with ZKsync's
//! extra fields (gas per pubdata byte, factory dependencies, custom signature, paymaster).
//!
//! Encoding, signing hash and transaction hash follow zksync-era's `TransactionRequest`
//! (`core/lib/types/src/transaction_request.rs`) and zksync-ethers' `serializeEip712`, which
//! write the same 16-item RLP list:
//!
//! ```text
//! 0x71 ‖ rlp([nonce, maxPriorityFeePerGas, maxFeePerGas, gasLimit, to, value, data,
//!             v, r, s, chainId, from, gasPerPubdata, factoryDeps, customSignature,
//!             paymasterParams])
//! ```
//!
//! where `v, r, s` hold either an ECDSA signature (`v` the y parity) or, as zksync-ethers
//! writes them, `chainId, 0, 0` with the 65-byte signature in `customSignature`; and
//! `paymasterParams` is `[]` or `[paymaster, paymasterInput]`.
//!
//! The transaction hash is not keccak of the encoding but
//! `keccak256(signingHash ‖ keccak256(signature))`, `signature` being the custom signature if
//! non-empty, else the packed `r ‖ s ‖ v` (`v` = 27 + parity).

use alloy_consensus::{Sealable, Sealed, Transaction};
use alloy_eips::{
    Typed2718,
    eip2718::{Decodable2718, Eip2718Error, Eip2718Result, Encodable2718, IsTyped2718},
    eip2930::AccessList,
    eip7702::SignedAuthorization,
};
use alloy_primitives::{Address, B256, Bytes, ChainId, Signature, TxKind, U256, keccak256};
use alloy_rlp::{BufMut, Decodable, Encodable, Header};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The EIP-2718 type byte of ZKsync's EIP-712 transactions.
pub const EIP712_TX_TYPE: u8 = 0x71;

/// The EIP-712 type of the signed struct, exactly as zksync-era and zksync-ethers define it.
pub const EIP712_TRANSACTION_TYPE: &str = "Transaction(uint256 txType,uint256 from,uint256 to,\
uint256 gasLimit,uint256 gasPerPubdataByteLimit,uint256 maxFeePerGas,\
uint256 maxPriorityFeePerGas,uint256 paymaster,uint256 nonce,uint256 value,bytes data,\
bytes32[] factoryDeps,bytes paymasterInput)";

/// The EIP-712 domain type: ZKsync's domain has a name, a version and a chain id, no verifying
/// contract.
pub const EIP712_DOMAIN_TYPE: &str = "EIP712Domain(string name,string version,uint256 chainId)";
/// The domain's name.
pub const EIP712_DOMAIN_NAME: &str = "zkSync";
/// The domain's version.
pub const EIP712_DOMAIN_VERSION: &str = "2";

/// zksync-ethers' default `gasPerPubdata` (`DEFAULT_GAS_PER_PUBDATA_LIMIT`).
pub const DEFAULT_GAS_PER_PUBDATA: u64 = 50_000;

/// The longest factory dependency ZKsync's bytecode hash can describe: `2^16 - 1` words.
pub const MAX_BYTECODE_LEN: usize = ((1 << 16) - 1) * 32;

/// A paymaster and the input it is called with.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymasterParams {
    /// The paymaster contract.
    pub paymaster: Address,
    /// Its input; ZKsync's paymaster flows start with a 4-byte selector.
    pub paymaster_input: Bytes,
}

/// ZKsync's extra fields, in zksync-era's JSON shape (`eip712Meta`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Eip712Meta {
    /// Most gas the sender pays per byte of pubdata.
    pub gas_per_pubdata: U256,
    /// Bytecodes the transaction publishes.
    #[serde(default)]
    pub factory_deps: Vec<Bytes>,
    /// The signature (an EOA's 65-byte ECDSA signature as zksync-ethers sends it), or empty.
    #[serde(default)]
    pub custom_signature: Bytes,
    /// The paymaster, if one pays the fee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paymaster_params: Option<PaymasterParams>,
}

/// A ZKsync EIP-712 transaction with its signature slots, as it travels.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TxEip712 {
    /// Chain the transaction is for.
    #[serde(with = "alloy_serde::quantity")]
    pub chain_id: ChainId,
    /// Sender's nonce.
    #[serde(with = "alloy_serde::quantity")]
    pub nonce: u64,
    /// Tip cap, wei per gas.
    #[serde(with = "alloy_serde::quantity")]
    pub max_priority_fee_per_gas: u128,
    /// Fee cap, wei per gas.
    #[serde(with = "alloy_serde::quantity")]
    pub max_fee_per_gas: u128,
    /// Gas limit.
    #[serde(rename = "gas", with = "alloy_serde::quantity")]
    pub gas_limit: u64,
    /// Callee, or create.
    #[serde(default, skip_serializing_if = "TxKind::is_create")]
    pub to: TxKind,
    /// Wei sent along.
    pub value: U256,
    /// Calldata, or init code of a create.
    pub input: Bytes,
    /// The ECDSA `v` slot: the y parity, or the chain id when the signature is custom.
    #[serde(with = "alloy_serde::quantity")]
    pub v: u64,
    /// The ECDSA `r` slot (zero when the signature is custom).
    pub r: U256,
    /// The ECDSA `s` slot (zero when the signature is custom).
    pub s: U256,
    /// The sender, explicit in the transaction. The RPC's transaction object has its own
    /// `from` (the recovered signer, equal to this one), so it is not serialized twice.
    #[serde(skip_serializing, default)]
    pub from: Address,
    /// ZKsync's fields.
    pub eip712_meta: Eip712Meta,
}

/// Why a factory dependency is not a bytecode ZKsync can hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidBytecode {
    /// Its length is not a multiple of 32 bytes.
    NotWordAligned,
    /// Its length in words is even.
    EvenWordCount,
    /// It is longer than [`MAX_BYTECODE_LEN`].
    TooLong,
}

impl InvalidBytecode {
    /// The reason, as a decoder error message.
    pub const fn message(self) -> &'static str {
        match self {
            Self::NotWordAligned => "factory dependency length is not a multiple of 32 bytes",
            Self::EvenWordCount => "factory dependency length in 32-byte words must be odd",
            Self::TooLong => "factory dependency is longer than 2^16 - 1 words",
        }
    }
}

/// ZKsync's versioned bytecode hash: `0x01 0x00`, the length in 32-byte words (big-endian
/// u16), then the last 28 bytes of the SHA-256 of the bytecode (zksync-era `hash_bytecode`,
/// zksync-ethers `hashBytecode`).
pub fn hash_bytecode(bytecode: &[u8]) -> Result<B256, InvalidBytecode> {
    if !bytecode.len().is_multiple_of(32) {
        return Err(InvalidBytecode::NotWordAligned);
    }
    if bytecode.len() > MAX_BYTECODE_LEN {
        return Err(InvalidBytecode::TooLong);
    }
    let words = bytecode.len() / 32;
    if words.is_multiple_of(2) {
        return Err(InvalidBytecode::EvenWordCount);
    }
    let mut hash: [u8; 32] = Sha256::digest(bytecode).into();
    hash[0] = 1;
    hash[1] = 0;
    hash[2..4].copy_from_slice(&(words as u16).to_be_bytes());
    Ok(B256::from(hash))
}

fn word(address: Address) -> [u8; 32] {
    address.into_word().0
}

impl TxEip712 {
    /// The paymaster that pays the transaction's fee (a non-zero `paymasterParams.paymaster`),
    /// if any: then the sender pays only the value.
    pub fn paymaster(&self) -> Option<Address> {
        let params = self.eip712_meta.paymaster_params.as_ref()?;
        (!params.paymaster.is_zero()).then_some(params.paymaster)
    }

    /// The EIP-712 domain separator of chain `chain_id`.
    pub fn domain_separator(chain_id: ChainId) -> B256 {
        let mut buf = Vec::with_capacity(128);
        buf.extend_from_slice(keccak256(EIP712_DOMAIN_TYPE).as_slice());
        buf.extend_from_slice(keccak256(EIP712_DOMAIN_NAME).as_slice());
        buf.extend_from_slice(keccak256(EIP712_DOMAIN_VERSION).as_slice());
        buf.extend_from_slice(&U256::from(chain_id).to_be_bytes::<32>());
        keccak256(buf)
    }

    /// The EIP-712 struct hash of the transaction (`hashStruct(Transaction)`).
    ///
    /// Factory dependencies enter as their [`hash_bytecode`]; one that has none (which the
    /// decoder refuses) hashes as zero.
    pub fn struct_hash(&self) -> B256 {
        let meta = &self.eip712_meta;
        let to = match self.to {
            TxKind::Call(to) => word(to),
            TxKind::Create => [0; 32],
        };
        let paymaster = meta.paymaster_params.as_ref();
        let dep_hashes: Vec<u8> = meta
            .factory_deps
            .iter()
            .flat_map(|dep| hash_bytecode(dep).unwrap_or_default().0)
            .collect();
        let paymaster_input =
            paymaster.map(|params| params.paymaster_input.as_ref()).unwrap_or_default();
        let words: [[u8; 32]; 14] = [
            keccak256(EIP712_TRANSACTION_TYPE).0,
            U256::from(EIP712_TX_TYPE).to_be_bytes(),
            word(self.from),
            to,
            U256::from(self.gas_limit).to_be_bytes(),
            meta.gas_per_pubdata.to_be_bytes(),
            U256::from(self.max_fee_per_gas).to_be_bytes(),
            U256::from(self.max_priority_fee_per_gas).to_be_bytes(),
            word(paymaster.map(|params| params.paymaster).unwrap_or_default()),
            U256::from(self.nonce).to_be_bytes(),
            self.value.to_be_bytes(),
            keccak256(&self.input).0,
            keccak256(dep_hashes).0,
            keccak256(paymaster_input).0,
        ];
        keccak256(words.concat())
    }

    /// The hash the sender signs: `keccak256(0x1901 ‖ domainSeparator ‖ structHash)`.
    pub fn signing_hash(&self) -> B256 {
        let mut buf = Vec::with_capacity(66);
        buf.extend_from_slice(&[0x19, 0x01]);
        buf.extend_from_slice(Self::domain_separator(self.chain_id).as_slice());
        buf.extend_from_slice(self.struct_hash().as_slice());
        keccak256(buf)
    }

    /// The ECDSA signature: the 65-byte custom signature if there is one, else `v, r, s`.
    /// `None` for a custom signature that is not 65 bytes (an account abstraction's), or a
    /// `v` that is neither a parity nor 27/28.
    pub fn signature(&self) -> Option<Signature> {
        let custom = &self.eip712_meta.custom_signature;
        if !custom.is_empty() {
            return Signature::from_raw(custom).ok();
        }
        let parity = match self.v {
            0 | 27 => false,
            1 | 28 => true,
            _ => return None,
        };
        Some(Signature::new(self.r, self.s, parity))
    }

    /// The signature bytes the transaction hash covers: the custom signature if non-empty,
    /// else `r ‖ s ‖ v` with `v` = 27 + parity (zksync-era's packed signature). This is also
    /// the `signature` of ZKsync's `Transaction` struct that accounts and paymasters receive.
    pub fn signature_bytes(&self) -> Vec<u8> {
        let custom = &self.eip712_meta.custom_signature;
        if !custom.is_empty() {
            return custom.to_vec();
        }
        let mut packed = Vec::with_capacity(65);
        packed.extend_from_slice(&self.r.to_be_bytes::<32>());
        packed.extend_from_slice(&self.s.to_be_bytes::<32>());
        packed.push(if self.v < 27 { self.v as u8 + 27 } else { self.v as u8 });
        packed
    }

    /// ZKsync's transaction hash: `keccak256(signingHash ‖ keccak256(signature))`.
    pub fn tx_hash(&self) -> B256 {
        let mut buf = [0u8; 64];
        buf[..32].copy_from_slice(self.signing_hash().as_slice());
        buf[32..].copy_from_slice(keccak256(self.signature_bytes()).as_slice());
        keccak256(buf)
    }

    fn paymaster_len(&self) -> usize {
        let payload = self
            .eip712_meta
            .paymaster_params
            .as_ref()
            .map_or(0, |params| params.paymaster.length() + params.paymaster_input.length());
        Header { list: true, payload_length: payload }.length_with_payload()
    }

    fn fields_len(&self) -> usize {
        let meta = &self.eip712_meta;
        self.nonce.length()
            + self.max_priority_fee_per_gas.length()
            + self.max_fee_per_gas.length()
            + self.gas_limit.length()
            + self.to.length()
            + self.value.length()
            + self.input.length()
            + self.v.length()
            + self.r.length()
            + self.s.length()
            + self.chain_id.length()
            + self.from.length()
            + meta.gas_per_pubdata.length()
            + meta.factory_deps.length()
            + meta.custom_signature.length()
            + self.paymaster_len()
    }

    fn list_header(&self) -> Header {
        Header { list: true, payload_length: self.fields_len() }
    }

    /// The RLP list, without the type byte.
    pub fn rlp_encode(&self, out: &mut dyn BufMut) {
        let meta = &self.eip712_meta;
        self.list_header().encode(out);
        self.nonce.encode(out);
        self.max_priority_fee_per_gas.encode(out);
        self.max_fee_per_gas.encode(out);
        self.gas_limit.encode(out);
        self.to.encode(out);
        self.value.encode(out);
        self.input.encode(out);
        self.v.encode(out);
        self.r.encode(out);
        self.s.encode(out);
        self.chain_id.encode(out);
        self.from.encode(out);
        meta.gas_per_pubdata.encode(out);
        meta.factory_deps.encode(out);
        meta.custom_signature.encode(out);
        match &meta.paymaster_params {
            Some(params) => {
                let payload_length = params.paymaster.length() + params.paymaster_input.length();
                Header { list: true, payload_length }.encode(out);
                params.paymaster.encode(out);
                params.paymaster_input.encode(out);
            }
            None => Header { list: true, payload_length: 0 }.encode(out),
        }
    }

    /// Decodes the RLP list (without the type byte), refusing a list of other than 16 items,
    /// malformed paymaster params (zksync-era: not `[]` nor `[20-byte address, bytes]`) and
    /// factory dependencies that are not valid bytecodes (zksync-era `validate_factory_deps`).
    pub fn rlp_decode(buf: &mut &[u8]) -> alloy_rlp::Result<Self> {
        let header = Header::decode(buf)?;
        if !header.list {
            return Err(alloy_rlp::Error::UnexpectedString);
        }
        let (mut fields, rest) =
            buf.split_at_checked(header.payload_length).ok_or(alloy_rlp::Error::InputTooShort)?;
        let fields = &mut fields;
        let nonce = u64::decode(fields)?;
        let max_priority_fee_per_gas = u128::decode(fields)?;
        let max_fee_per_gas = u128::decode(fields)?;
        let gas_limit = u64::decode(fields)?;
        let to = TxKind::decode(fields)?;
        let value = U256::decode(fields)?;
        let input = Bytes::decode(fields)?;
        let v = u64::decode(fields)?;
        let r = U256::decode(fields)?;
        let s = U256::decode(fields)?;
        let chain_id = u64::decode(fields)?;
        let from = Address::decode(fields)?;
        let gas_per_pubdata = U256::decode(fields)?;
        let factory_deps = Vec::<Bytes>::decode(fields)?;
        let custom_signature = Bytes::decode(fields)?;
        let paymaster_params = decode_paymaster(fields)?;
        if !fields.is_empty() {
            return Err(alloy_rlp::Error::Custom("EIP-712 transaction has more than 16 fields"));
        }
        for dep in &factory_deps {
            hash_bytecode(dep).map_err(|err| alloy_rlp::Error::Custom(err.message()))?;
        }
        *buf = rest;
        Ok(Self {
            chain_id,
            nonce,
            max_priority_fee_per_gas,
            max_fee_per_gas,
            gas_limit,
            to,
            value,
            input,
            v,
            r,
            s,
            from,
            eip712_meta: Eip712Meta {
                gas_per_pubdata,
                factory_deps,
                custom_signature,
                paymaster_params,
            },
        })
    }
}

/// `[]` or `[paymaster, paymasterInput]`.
fn decode_paymaster(buf: &mut &[u8]) -> alloy_rlp::Result<Option<PaymasterParams>> {
    const MALFORMED: alloy_rlp::Error = alloy_rlp::Error::Custom("malformed paymaster params");
    let header = Header::decode(buf).map_err(|_| MALFORMED)?;
    if !header.list {
        return Err(MALFORMED);
    }
    let (mut list, rest) = buf.split_at_checked(header.payload_length).ok_or(MALFORMED)?;
    *buf = rest;
    if list.is_empty() {
        return Ok(None);
    }
    let paymaster = Address::decode(&mut list).map_err(|_| MALFORMED)?;
    let paymaster_input = Bytes::decode(&mut list).map_err(|_| MALFORMED)?;
    if !list.is_empty() {
        return Err(MALFORMED);
    }
    Ok(Some(PaymasterParams { paymaster, paymaster_input }))
}

impl Typed2718 for TxEip712 {
    fn ty(&self) -> u8 {
        EIP712_TX_TYPE
    }
}

impl IsTyped2718 for TxEip712 {
    fn is_type(ty: u8) -> bool {
        ty == EIP712_TX_TYPE
    }
}

impl Encodable2718 for TxEip712 {
    fn type_flag(&self) -> Option<u8> {
        Some(EIP712_TX_TYPE)
    }

    fn encode_2718_len(&self) -> usize {
        1 + self.list_header().length_with_payload()
    }

    fn encode_2718(&self, out: &mut dyn BufMut) {
        out.put_u8(EIP712_TX_TYPE);
        self.rlp_encode(out);
    }
}

impl Decodable2718 for TxEip712 {
    fn typed_decode(ty: u8, buf: &mut &[u8]) -> Eip2718Result<Self> {
        if ty != EIP712_TX_TYPE {
            return Err(Eip2718Error::UnexpectedType(ty));
        }
        Ok(Self::rlp_decode(buf)?)
    }

    fn fallback_decode(_buf: &mut &[u8]) -> Eip2718Result<Self> {
        Err(Eip2718Error::UnexpectedType(0))
    }
}

/// In a list: an RLP string of the EIP-2718 bytes, as for every typed transaction.
impl Encodable for TxEip712 {
    fn encode(&self, out: &mut dyn BufMut) {
        self.network_encode(out);
    }

    fn length(&self) -> usize {
        self.network_len()
    }
}

impl Decodable for TxEip712 {
    fn decode(buf: &mut &[u8]) -> alloy_rlp::Result<Self> {
        Self::network_decode(buf)
            .map_err(|_| alloy_rlp::Error::Custom("invalid EIP-712 transaction"))
    }
}

/// Sealed with ZKsync's transaction hash, which is what `Sealed<TxEip712>::hash` returns.
impl Sealable for TxEip712 {
    fn hash_slow(&self) -> B256 {
        self.tx_hash()
    }
}

impl Transaction for TxEip712 {
    fn chain_id(&self) -> Option<ChainId> {
        Some(self.chain_id)
    }

    fn nonce(&self) -> u64 {
        self.nonce
    }

    fn gas_limit(&self) -> u64 {
        self.gas_limit
    }

    fn gas_price(&self) -> Option<u128> {
        None
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

    fn effective_gas_price(&self, base_fee: Option<u64>) -> u128 {
        alloy_eips::eip1559::calc_effective_gas_price(
            self.max_fee_per_gas,
            self.max_priority_fee_per_gas,
            base_fee,
        )
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

/// A sealed EIP-712 transaction, as [`crate::TxEnvelope`] holds it.
pub type SealedEip712 = Sealed<TxEip712>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TxEnvelope;
    use alloy_primitives::{address, hex};
    use serde_json::Value;

    /// Vectors signed, encoded and hashed by zksync-ethers (`testdata/zksync_eip712.mjs`).
    fn vectors() -> Value {
        serde_json::from_str(include_str!("../testdata/zksync_eip712.json")).expect("JSON")
    }

    fn vector(name: &str) -> Value {
        vectors()["cases"][name].clone()
    }

    fn b256(value: &Value) -> B256 {
        value.as_str().expect("hex").parse().expect("32 bytes")
    }

    fn raw(case: &Value) -> Vec<u8> {
        hex::decode(case["raw"].as_str().expect("raw")).expect("hex")
    }

    fn decode(raw: &[u8]) -> TxEip712 {
        TxEip712::decode_2718_exact(raw).expect("decodes")
    }

    #[test]
    fn decodes_zksync_ethers_fields() {
        let case = vector("full");
        let tx = decode(&raw(&case));
        assert_eq!(tx.chain_id, 270);
        assert_eq!(tx.nonce, 7);
        assert_eq!(tx.from, address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"));
        assert_eq!(tx.to, TxKind::Call(address!("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC")));
        assert_eq!(tx.value, U256::from(12345));
        assert_eq!(tx.gas_limit, 300_000);
        assert_eq!(tx.max_fee_per_gas, 250_000_000);
        assert_eq!(tx.max_priority_fee_per_gas, 100_000_000);
        assert_eq!(tx.eip712_meta.gas_per_pubdata, U256::from(800));
        assert_eq!(tx.eip712_meta.factory_deps.len(), 2);
        let params = tx.eip712_meta.paymaster_params.as_ref().expect("paymaster");
        assert_eq!(params.paymaster, address!("0x90F79bf6EB2c4f870365E785982E1f101E93b906"));
        assert_eq!(params.paymaster_input.len(), 68);
        // zksync-ethers puts the signature in `customSignature` and `chainId, 0, 0` in v, r, s.
        assert_eq!((tx.v, tx.r, tx.s), (270, U256::ZERO, U256::ZERO));
        assert_eq!(tx.eip712_meta.custom_signature.to_string(), case["signature"]);
    }

    #[test]
    fn encoding_round_trips_byte_for_byte() {
        for name in ["transfer", "full", "vrs"] {
            let raw = raw(&vector(name));
            assert_eq!(decode(&raw).encoded_2718(), raw, "{name}");
        }
    }

    #[test]
    fn signing_hash_matches_zksync_ethers() {
        for name in ["transfer", "full", "vrs"] {
            let case = vector(name);
            assert_eq!(decode(&raw(&case)).signing_hash(), b256(&case["signingHash"]), "{name}");
        }
    }

    #[test]
    fn tx_hash_matches_zksync_ethers() {
        // `vrs` carries its signature in v, r, s: its hash covers the packed r ‖ s ‖ v.
        for name in ["transfer", "full", "vrs"] {
            let case = vector(name);
            let envelope = TxEnvelope::decode_2718_exact(&raw(&case)).expect("envelope");
            assert_eq!(envelope.tx_hash(), b256(&case["hash"]), "{name}");
        }
    }

    #[test]
    fn factory_dep_hashes_match_zksync_ethers() {
        let case = vector("full");
        for (dep, hash) in case["factoryDeps"]
            .as_array()
            .expect("deps")
            .iter()
            .zip(case["factoryDepHashes"].as_array().expect("hashes"))
        {
            let dep = hex::decode(dep.as_str().expect("hex")).expect("hex");
            assert_eq!(hash_bytecode(&dep), Ok(b256(hash)));
        }
    }

    #[test]
    fn signature_recovers_the_sender() {
        for name in ["transfer", "full", "vrs"] {
            let tx = decode(&raw(&vector(name)));
            let signature = tx.signature().expect("65-byte signature");
            let signer = signature.recover_address_from_prehash(&tx.signing_hash()).expect("ok");
            assert_eq!(signer, tx.from, "{name}");
        }
    }

    #[test]
    fn envelope_round_trips_and_reports_type_0x71() {
        let raw = raw(&vector("transfer"));
        let envelope = TxEnvelope::decode_2718_exact(&raw).expect("envelope");
        assert_eq!(envelope.ty(), EIP712_TX_TYPE);
        assert!(envelope.as_eip712().is_some());
        assert_eq!(envelope.encoded_2718(), raw);
        assert_eq!(envelope.chain_id(), Some(31337));
        assert_eq!(envelope.max_priority_fee_per_gas(), Some(1_000_000_000));
    }

    #[test]
    fn refuses_malformed_paymaster_params() {
        let mut tx = decode(&raw(&vector("transfer")));
        // A one-item paymaster list: re-encode by hand, replacing the trailing `c0`.
        tx.eip712_meta.paymaster_params = None;
        let mut raw = tx.encoded_2718();
        assert_eq!(raw.pop(), Some(0xc0));
        raw.extend_from_slice(&[0xd5, 0x94]);
        raw.extend_from_slice(&[0x11; 20]);
        // Fix the outer list length (a long list: f8/f9 + length).
        let fixed = relength(&raw);
        let err = TxEip712::decode_2718_exact(&fixed).expect_err("one item");
        assert!(err.to_string().contains("malformed paymaster params"), "{err}");

        // A 19-byte paymaster address.
        let mut raw = tx.encoded_2718();
        raw.pop();
        raw.extend_from_slice(&[0xd5, 0x93]);
        raw.extend_from_slice(&[0x11; 19]);
        raw.push(0x80);
        let err = TxEip712::decode_2718_exact(&relength(&raw)).expect_err("short address");
        assert!(err.to_string().contains("malformed paymaster params"), "{err}");
    }

    #[test]
    fn refuses_invalid_factory_deps() {
        let mut tx = decode(&raw(&vector("transfer")));
        for (dep, reason) in [
            (vec![1u8; 31], InvalidBytecode::NotWordAligned),
            (vec![1u8; 64], InvalidBytecode::EvenWordCount),
        ] {
            tx.eip712_meta.factory_deps = vec![dep.into()];
            let err = TxEip712::decode_2718_exact(&tx.encoded_2718()).expect_err("invalid dep");
            assert!(err.to_string().contains(reason.message()), "{err}");
        }
    }

    #[test]
    fn refuses_trailing_fields() {
        let mut raw = raw(&vector("transfer"));
        raw.push(0x80);
        assert!(TxEip712::decode_2718_exact(&relength(&raw)).is_err());
    }

    proptest::proptest! {
        /// Any transaction encodes to bytes that decode back to it (factory deps of one word,
        /// the smallest valid bytecode).
        #[test]
        fn any_transaction_round_trips(
            nonce: u64, tip: u128, fee: u128, gas: u64, create: bool, to: [u8; 20],
            value: [u8; 32], input: Vec<u8>, v: u64, r: [u8; 32], s: [u8; 32], chain_id: u64,
            from: [u8; 20], pubdata: u64, deps in proptest::collection::vec(proptest::array::uniform32(0u8..), 0..3),
            signature: Vec<u8>, paymaster: Option<([u8; 20], Vec<u8>)>,
        ) {
            let tx = TxEip712 {
                chain_id,
                nonce,
                max_priority_fee_per_gas: tip,
                max_fee_per_gas: fee,
                gas_limit: gas,
                to: if create { TxKind::Create } else { TxKind::Call(Address::from(to)) },
                value: U256::from_be_bytes(value),
                input: input.into(),
                v,
                r: U256::from_be_bytes(r),
                s: U256::from_be_bytes(s),
                from: Address::from(from),
                eip712_meta: Eip712Meta {
                    gas_per_pubdata: U256::from(pubdata),
                    factory_deps: deps.into_iter().map(|dep| Bytes::from(dep.to_vec())).collect(),
                    custom_signature: signature.into(),
                    paymaster_params: paymaster.map(|(paymaster, input)| PaymasterParams {
                        paymaster: Address::from(paymaster),
                        paymaster_input: input.into(),
                    }),
                },
            };
            let encoded = tx.encoded_2718();
            proptest::prop_assert_eq!(encoded.len(), tx.encode_2718_len());
            proptest::prop_assert_eq!(TxEip712::decode_2718_exact(&encoded).expect("decodes"), tx);
        }
    }

    /// Rewrites the outer list header of `0x71 ‖ list` to the actual payload length.
    fn relength(raw: &[u8]) -> Vec<u8> {
        let mut body = &raw[1..];
        let header = Header::decode(&mut body).expect("header");
        assert!(header.list);
        let payload = &raw[raw.len() - body.len()..];
        let mut out = vec![EIP712_TX_TYPE];
        Header { list: true, payload_length: payload.len() }.encode(&mut out);
        out.extend_from_slice(payload);
        out
    }
}
