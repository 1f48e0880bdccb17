//! Proven cross-rollup reads: the arguments `MetalayerState` and `MetalayerRouter.deliver`
//! (`contracts/src/metalayer`) take, built from a chain's [`LeafProof`] in a certified checkpoint
//! and the read's evidence on that chain at the leaf's height, of one of two kinds:
//!
//! - **Storage proofs** (`eth_getProof`, [`EIP1186AccountProofResponse`]) of one slot of the
//!   target, for two kinds of [`ReadOperation`] ([`read_slot`] mirrors the router's rule):
//!   `extsload(bytes32 slot)` (the word at `slot`) and `balanceOf(address holder)` of an
//!   OpenZeppelin ERC-20 (the word at [`erc20_balance_slot`]). The result is the 32-byte word,
//!   `abi.encode(bytes32)` / `abi.encode(uint256)`. The trie library the contracts use
//!   (Optimism's `SecureMerkleTrie`) proves inclusion only: an empty slot cannot be proven this
//!   way, and [`storage_read_proof`] refuses it.
//! - **A call witness** (`tephra_callWitness`, [`tephra_chain::CallWitness`]) of any static call, which
//!   the destination re-executes statelessly on the certified block (the precompile behind
//!   `MetalayerState.staticCallAt`). The result is the call's return data; absent accounts and
//!   slots read as zero there, proven by the witness's trie paths.
//!
//! What a relayer does for a router message with reads: decode the Hyperlane body with
//! [`MetalayerMessage::decode`]; for each read take the read chain's leaf in a checkpoint
//! already certified on the destination, and build [`storage_read_proof`] (a non-empty slot of
//! a storage read) or else [`call_read_proof`] from `tephra_callWitness(`[`read_call`]`,
//! leaf.block_number)`; then send [`deliver_call`] (GuardianIsm metadata, the message, the
//! proofs) to the destination router.

use crate::{
    LeafProof,
    abi::{
        self, CallWitness, Evidence, FinalityState, IMetalayerRouter, IMetalayerState, ProvenLeaf,
        ReadOperation,
    },
};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_rpc_types_eth::EIP1186AccountProofResponse;
use alloy_sol_types::SolValue;

/// `extsload(bytes32)`: the read of one storage word.
pub const EXTSLOAD_SELECTOR: [u8; 4] = [0x1e, 0x2e, 0xae, 0xaf];
/// ERC-20 `balanceOf(address)`.
pub const BALANCE_OF_SELECTOR: [u8; 4] = [0x70, 0xa0, 0x82, 0x31];
/// The slot of OpenZeppelin ERC20's `_balances` mapping (4.x and 5.x).
pub const ERC20_BALANCES_SLOT: u64 = 0;
/// The version byte the router writes into a Metalayer message (Hyperlane's Mailbox version).
pub const MESSAGE_VERSION: u8 = 3;
/// The gas a call-witness read runs with (`MetalayerRouter.READ_GAS`).
pub const READ_GAS: u64 = 1_000_000;

/// What the read helpers refuse, with the input that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// Call data the router cannot prove (neither `extsload(bytes32)` nor `balanceOf(address)`).
    #[error("read {0}: call data is neither extsload(bytes32) nor balanceOf(address)")]
    UnsupportedRead(usize),
    /// The proof is of another account than the read's target.
    #[error("proof of {got}, the read targets {expected}")]
    WrongAccount {
        /// The read's target.
        expected: Address,
        /// The proof's account.
        got: Address,
    },
    /// The leaf is of another chain than the read's domain.
    #[error("leaf of chain {got}, the read is of chain {expected}")]
    WrongChain {
        /// The read's domain.
        expected: u64,
        /// The leaf's chain.
        got: u64,
    },
    /// `eth_getProof` output without the slot the read needs.
    #[error("no storage proof of slot {0}")]
    MissingSlot(B256),
    /// The slot is empty: the inclusion-only trie verifier cannot prove it.
    #[error("slot {0} is empty, which the trie verifier cannot prove")]
    EmptySlot(B256),
    /// Bytes that are not a Metalayer message.
    #[error("malformed Metalayer message: {0}")]
    MalformedMessage(&'static str),
    /// The call witness is of another block than the certified leaf's.
    #[error("the call witness is of block {got}, the certified leaf's is {expected}")]
    WrongBlock {
        /// The leaf's block hash.
        expected: B256,
        /// The hash of the witness's header.
        got: B256,
    },
    /// The call witness is of another call than the router runs for the read ([`read_call`]).
    #[error("read {0}: the call witness is of another call than the router makes")]
    WrongCall(usize),
    /// The read reverts on the certified state: there is no result to deliver.
    #[error("read {index} reverts on the certified state (revert data {output})")]
    Reverted {
        /// The read's position in its message.
        index: usize,
        /// Its revert data.
        output: Bytes,
    },
}

/// The slot of `key` in a Solidity `mapping(address => ...)` at `mapping_slot`:
/// `keccak256(abi.encode(key, mapping_slot))`.
pub fn mapping_slot(key: Address, mapping_slot: U256) -> B256 {
    keccak256((key, mapping_slot).abi_encode())
}

/// The slot of `holder`'s balance in an OpenZeppelin ERC-20.
pub fn erc20_balance_slot(holder: Address) -> B256 {
    mapping_slot(holder, U256::from(ERC20_BALANCES_SLOT))
}

/// The read of `holder`'s balance of the OpenZeppelin ERC-20 `token` on chain `domain`.
pub fn balance_of_read(domain: u32, token: Address, holder: Address) -> ReadOperation {
    let mut call = BALANCE_OF_SELECTOR.to_vec();
    call.extend_from_slice(holder.into_word().as_slice());
    ReadOperation { domain, target: token, callData: call.into() }
}

/// The read of the word at `slot` of `target` on chain `domain`.
pub fn extsload_read(domain: u32, target: Address, slot: B256) -> ReadOperation {
    let mut call = EXTSLOAD_SELECTOR.to_vec();
    call.extend_from_slice(slot.as_slice());
    ReadOperation { domain, target, callData: call.into() }
}

/// The storage slot the router proves for `read` (the `index`-th of its message), as
/// `MetalayerRouter.readSlot` computes it.
pub fn read_slot(read: &ReadOperation, index: usize) -> Result<B256, ReadError> {
    let data = read.callData.as_ref();
    if data.len() != 36 {
        return Err(ReadError::UnsupportedRead(index));
    }
    let argument = B256::from_slice(&data[4..36]);
    match <[u8; 4]>::try_from(&data[..4]).expect("four bytes") {
        EXTSLOAD_SELECTOR => Ok(argument),
        BALANCE_OF_SELECTOR if argument[..12].iter().all(|b| *b == 0) => {
            Ok(erc20_balance_slot(Address::from_slice(&argument[12..])))
        }
        _ => Err(ReadError::UnsupportedRead(index)),
    }
}

/// The [`ProvenLeaf`] of `leaf` in the certified checkpoint `checkpoint_root`.
pub fn proven_leaf(checkpoint_root: B256, leaf: &LeafProof) -> ProvenLeaf {
    ProvenLeaf {
        checkpointRoot: checkpoint_root,
        leaf: abi::Leaf::from(&leaf.leaf),
        leafIndex: U256::from(leaf.index),
        leafProof: leaf.siblings.clone(),
    }
}

/// The account proof and the proof and value of `slot`, from `eth_getProof` output that
/// includes `slot`.
pub fn slot_proof(
    proof: &EIP1186AccountProofResponse,
    slot: B256,
) -> Result<(Vec<Bytes>, Vec<Bytes>, U256), ReadError> {
    let storage = proof
        .storage_proof
        .iter()
        .find(|s| s.key.as_b256() == slot)
        .ok_or(ReadError::MissingSlot(slot))?;
    Ok((proof.account_proof.clone(), storage.proof.clone(), storage.value))
}

/// `MetalayerState.storageAt` of `slot` of `proof.address` on `leaf`'s chain.
pub fn storage_at_call(
    checkpoint_root: B256,
    leaf: &LeafProof,
    proof: &EIP1186AccountProofResponse,
    slot: B256,
) -> Result<IMetalayerState::storageAtCall, ReadError> {
    let (account_proof, storage_proof, _) = slot_proof(proof, slot)?;
    Ok(IMetalayerState::storageAtCall {
        chainId: leaf.leaf.chain_id,
        proven: proven_leaf(checkpoint_root, leaf),
        target: proof.address,
        accountProof: account_proof,
        slot,
        storageProof: storage_proof,
    })
}

/// `MetalayerState.account` of `proof.address` on `leaf`'s chain.
pub fn account_call(
    checkpoint_root: B256,
    leaf: &LeafProof,
    proof: &EIP1186AccountProofResponse,
) -> IMetalayerState::accountCall {
    IMetalayerState::accountCall {
        chainId: leaf.leaf.chain_id,
        proven: proven_leaf(checkpoint_root, leaf),
        target: proof.address,
        accountProof: proof.account_proof.clone(),
    }
}

/// The storage-proof evidence of `read` (the `index`-th of its message): `proof` is
/// `eth_getProof(target, [read_slot(read)], leaf.block_number)` on the read's chain, `leaf` that
/// chain's leaf in the certified `checkpoint_root`. The result is the proven word.
pub fn storage_read_proof(
    read: &ReadOperation,
    index: usize,
    checkpoint_root: B256,
    leaf: &LeafProof,
    proof: &EIP1186AccountProofResponse,
) -> Result<abi::ReadProof, ReadError> {
    if proof.address != read.target {
        return Err(ReadError::WrongAccount { expected: read.target, got: proof.address });
    }
    same_chain(read, leaf)?;
    let slot = read_slot(read, index)?;
    let (account_proof, storage_proof, value) = slot_proof(proof, slot)?;
    if value.is_zero() {
        return Err(ReadError::EmptySlot(slot));
    }
    Ok(abi::ReadProof {
        leaf: proven_leaf(checkpoint_root, leaf),
        kind: Evidence::STORAGE_PROOF,
        evidence: (account_proof, storage_proof).abi_encode_params().into(),
        result: B256::from(value).abi_encode().into(),
    })
}

/// The call `read` makes, as the router runs it for a call-witness read (from the zero address
/// with [`READ_GAS`]): the request to pass to `tephra_callWitness`.
pub fn read_call(read: &ReadOperation) -> serde_json::Value {
    serde_json::json!({
        "from": Address::ZERO,
        "to": read.target,
        "data": read.callData,
        "gas": format!("{READ_GAS:#x}"),
    })
}

/// The call-witness evidence of `read` (the `index`-th of its message): `witness` is
/// `tephra_callWitness(read_call(read), leaf.block_number)` on the read's chain, `leaf` that
/// chain's leaf in the certified `checkpoint_root`. The result is the call's return data.
pub fn call_read_proof(
    read: &ReadOperation,
    index: usize,
    checkpoint_root: B256,
    leaf: &LeafProof,
    witness: tephra_chain::CallWitness,
) -> Result<abi::ReadProof, ReadError> {
    let call = (witness.from, witness.to, &witness.data, witness.gas);
    if call != (Address::ZERO, read.target, &read.callData, READ_GAS) {
        return Err(ReadError::WrongCall(index));
    }
    same_chain(read, leaf)?;
    let block = keccak256(&witness.header);
    if block != leaf.leaf.block_hash {
        return Err(ReadError::WrongBlock { expected: leaf.leaf.block_hash, got: block });
    }
    if !witness.success {
        return Err(ReadError::Reverted { index, output: witness.output });
    }
    let evidence =
        CallWitness { header: witness.header, nodes: witness.state, codes: witness.codes };
    Ok(abi::ReadProof {
        leaf: proven_leaf(checkpoint_root, leaf),
        kind: Evidence::CALL_WITNESS,
        evidence: evidence.abi_encode().into(),
        result: witness.output,
    })
}

/// The leaf must be of the read's chain (a head or a settled head).
fn same_chain(read: &ReadOperation, leaf: &LeafProof) -> Result<(), ReadError> {
    if leaf.leaf.chain() != u64::from(read.domain) {
        return Err(ReadError::WrongChain {
            expected: read.domain.into(),
            got: leaf.leaf.chain_id,
        });
    }
    Ok(())
}

/// `MetalayerRouter.deliver`: the relayer's call for a router message with reads
/// (`metadata` from [`abi::ism_metadata`], `message` the dispatched Hyperlane message).
pub fn deliver_call(
    metadata: Vec<u8>,
    message: Vec<u8>,
    proofs: Vec<abi::ReadProof>,
) -> IMetalayerRouter::deliverCall {
    IMetalayerRouter::deliverCall { metadata: metadata.into(), message: message.into(), proofs }
}

/// A Metalayer message (Caldera's layout), the body of a Hyperlane message between routers:
/// `version (1) | finality (1) | nonce (4) | origin (4) | sender (32) | destination (4) |
/// recipient (32) | read count (4) | reads | write call data`, each read `domain (4) | target
/// (20) | call data length (4) | call data`, integers big-endian.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetalayerMessage {
    /// The version byte.
    pub version: u8,
    /// The finality flag (0 INSTANT, 1 FINALIZED).
    pub finality: u8,
    /// The origin Mailbox's nonce of the message.
    pub nonce: u32,
    /// The origin domain.
    pub origin: u32,
    /// The dispatching application.
    pub sender: B256,
    /// The destination domain.
    pub destination: u32,
    /// The recipient application.
    pub recipient: B256,
    /// The reads, in order.
    pub reads: Vec<ReadOperation>,
    /// The write call data.
    pub write_call_data: Bytes,
}

impl MetalayerMessage {
    /// The packed bytes (as `MetalayerMessage.format` writes them).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![self.version, self.finality];
        out.extend_from_slice(&self.nonce.to_be_bytes());
        out.extend_from_slice(&self.origin.to_be_bytes());
        out.extend_from_slice(self.sender.as_slice());
        out.extend_from_slice(&self.destination.to_be_bytes());
        out.extend_from_slice(self.recipient.as_slice());
        out.extend_from_slice(&(self.reads.len() as u32).to_be_bytes());
        for read in &self.reads {
            out.extend_from_slice(&read.domain.to_be_bytes());
            out.extend_from_slice(read.target.as_slice());
            out.extend_from_slice(&(read.callData.len() as u32).to_be_bytes());
            out.extend_from_slice(&read.callData);
        }
        out.extend_from_slice(&self.write_call_data);
        out
    }

    /// Parses a Hyperlane body written by a `MetalayerRouter`.
    pub fn decode(bytes: &[u8]) -> Result<Self, ReadError> {
        let mut cursor = Cursor(bytes);
        let version = cursor.take(1)?[0];
        let finality = cursor.take(1)?[0];
        let nonce = cursor.u32()?;
        let origin = cursor.u32()?;
        let sender = B256::from_slice(cursor.take(32)?);
        let destination = cursor.u32()?;
        let recipient = B256::from_slice(cursor.take(32)?);
        let count = cursor.u32()?;
        let reads = (0..count)
            .map(|_| {
                let domain = cursor.u32()?;
                let target = Address::from_slice(cursor.take(20)?);
                let length = cursor.u32()? as usize;
                let call = cursor.take(length)?;
                Ok(ReadOperation { domain, target, callData: Bytes::copy_from_slice(call) })
            })
            .collect::<Result<_, ReadError>>()?;
        Ok(Self {
            version,
            finality,
            nonce,
            origin,
            sender,
            destination,
            recipient,
            reads,
            write_call_data: Bytes::copy_from_slice(cursor.0),
        })
    }

    /// Whether the message waits for FINALIZED: its origin's and its reads' leaves must be of
    /// heads settled on L1 ([`crate::FINALIZED`]).
    pub fn is_finalized(&self) -> bool {
        self.finality == FinalityState::FINALIZED as u8
    }
}

struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ReadError> {
        if self.0.len() < n {
            return Err(ReadError::MalformedMessage("truncated"));
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }

    fn u32(&mut self) -> Result<u32, ReadError> {
        Ok(u32::from_be_bytes(self.take(4)?.try_into().expect("four bytes")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::address;

    #[test]
    fn selectors_are_the_signatures() {
        assert_eq!(keccak256("extsload(bytes32)")[..4], EXTSLOAD_SELECTOR);
        assert_eq!(keccak256("balanceOf(address)")[..4], BALANCE_OF_SELECTOR);
    }

    #[test]
    fn balance_of_reads_the_oz_mapping_slot() {
        let holder = address!("0x1111111111111111111111111111111111111111");
        let read = balance_of_read(7, Address::repeat_byte(2), holder);
        assert_eq!(read_slot(&read, 0).unwrap(), erc20_balance_slot(holder));
        let mut expected = [0u8; 64];
        expected[12..32].copy_from_slice(holder.as_slice());
        assert_eq!(erc20_balance_slot(holder), keccak256(expected));
        let slot = B256::repeat_byte(9);
        assert_eq!(read_slot(&extsload_read(7, holder, slot), 3).unwrap(), slot);
        let other = ReadOperation { domain: 7, target: holder, callData: vec![0; 36].into() };
        assert_eq!(read_slot(&other, 3), Err(ReadError::UnsupportedRead(3)));
    }

    #[test]
    fn messages_round_trip_and_truncation_is_refused() {
        let message = MetalayerMessage {
            version: MESSAGE_VERSION,
            finality: 0,
            nonce: 5,
            origin: 901,
            sender: B256::repeat_byte(1),
            destination: 902,
            recipient: B256::repeat_byte(2),
            reads: vec![
                balance_of_read(903, Address::repeat_byte(3), Address::repeat_byte(4)),
                extsload_read(904, Address::repeat_byte(5), B256::repeat_byte(6)),
            ],
            write_call_data: Bytes::from_static(b"write"),
        };
        let bytes = message.encode();
        assert_eq!(MetalayerMessage::decode(&bytes).unwrap(), message);
        for cut in 0..bytes.len() - 5 {
            assert!(MetalayerMessage::decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
    }
}
