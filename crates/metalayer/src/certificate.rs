//! Guardian sets and certificates: a checkpoint signed by guardians holding at least 2/3 of a
//! set's stake, as a signer bitmap and one aggregate BLS signature.
//!
//! Bitmap: guardian `i` of the set (its position in [`GuardianSet::members`]) is bit `i % 8`
//! (least significant first) of byte `i / 8`; the bitmap is exactly `ceil(n / 8)` bytes and
//! its bits past `n` are zero. A bitmap cannot name a guardian twice, and
//! [`CertificateBuilder::add`] refuses a second signature by one guardian, so no stake counts
//! twice. `MetalayerInbox.submit` checks the same rules on chain.
//!
//! Partial signatures are aggregated without checking each (a G2 addition each); the aggregate
//! is checked once, with its subgroup check, against the aggregate of the signers' keys. A
//! caller that must find a bad partial signature uses [`CertificateBuilder::add_verified`].

use alloy_primitives::{B256, U256, keccak256};
use blst::min_pk::{AggregatePublicKey, AggregateSignature, PublicKey, Signature};

use crate::{
    Checkpoint, GUARDIAN_SET, Leaf, MetalayerError,
    bls::{DST, check, g1_to_eip2537, g2_to_eip2537, verify_possession},
};

/// One member of a guardian set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Guardian {
    /// Its BLS public key (possession proven when the set was built).
    pub key: PublicKey,
    /// Its stake, in the staking token's smallest unit.
    pub stake: u128,
}

/// The guardians whose signatures count for checkpoints of one set id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardianSet {
    id: u64,
    members: Vec<Guardian>,
    total_stake: u128,
}

impl GuardianSet {
    /// The set `id` of `members`, each given with its proof of possession, which is checked.
    /// Refuses an empty set, a zero stake, a total stake that overflows and a key listed twice.
    pub fn new(id: u64, members: Vec<(Guardian, Signature)>) -> Result<Self, MetalayerError> {
        for (guardian, pop) in &members {
            verify_possession(&guardian.key, pop)?;
        }
        Self::new_unchecked_possession(id, members.into_iter().map(|(g, _)| g).collect())
    }

    /// [`GuardianSet::new`] for members whose possession proofs were checked elsewhere (when
    /// they registered).
    pub fn new_unchecked_possession(
        id: u64,
        members: Vec<Guardian>,
    ) -> Result<Self, MetalayerError> {
        if members.is_empty() {
            return Err(MetalayerError::EmptyGuardianSet);
        }
        let mut total_stake = 0u128;
        let mut seen = std::collections::HashSet::new();
        for (index, guardian) in members.iter().enumerate() {
            if guardian.stake == 0 {
                return Err(MetalayerError::ZeroStake(index));
            }
            if !seen.insert(guardian.key.compress()) {
                return Err(MetalayerError::DuplicateGuardian(index));
            }
            total_stake =
                total_stake.checked_add(guardian.stake).ok_or(MetalayerError::StakeOverflow)?;
        }
        Ok(Self { id, members, total_stake })
    }

    /// The set id.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The members, in bitmap order.
    pub fn members(&self) -> &[Guardian] {
        &self.members
    }

    /// The sum of the members' stakes.
    pub fn total_stake(&self) -> u128 {
        self.total_stake
    }

    /// Byte length of a signer bitmap over this set.
    pub fn bitmap_len(&self) -> usize {
        self.members.len().div_ceil(8)
    }

    /// Whether `signed` of [`GuardianSet::total_stake`] is a quorum: `3 * signed >= 2 * total`.
    pub fn is_quorum(&self, signed: u128) -> bool {
        U256::from(signed) * U256::from(3) >= U256::from(self.total_stake) * U256::from(2)
    }

    /// The arguments of `MetalayerInbox.setGuardianSet`: the keys in EIP-2537 encoding,
    /// concatenated, and the stakes.
    pub fn contract_arguments(&self) -> (Vec<u8>, Vec<U256>) {
        members_arguments(&self.members)
    }

    /// What the [`crate::GUARDIAN_SET`] leaf naming this set commits to:
    /// `keccak256(abi.encodePacked(publicKeys, stakes))` of its
    /// [`GuardianSet::contract_arguments`], as `MetalayerInbox.rotateGuardianSet` computes it.
    pub fn commitment(&self) -> B256 {
        let (keys, stakes) = self.contract_arguments();
        let mut packed = keys;
        for stake in stakes {
            packed.extend_from_slice(&stake.to_be_bytes::<32>());
        }
        keccak256(packed)
    }

    /// The checkpoint leaf handing over to this set ([`crate::GUARDIAN_SET`]).
    pub fn leaf(&self) -> Leaf {
        Leaf {
            chain_id: GUARDIAN_SET,
            block_number: self.id,
            block_hash: self.commitment(),
            state_root: B256::ZERO,
            outbox_root: B256::ZERO,
        }
    }

    /// The arguments of each `MetalayerInbox.addGuardians` call for a set too large for one
    /// transaction: [`GuardianSet::contract_arguments`] in runs of
    /// [`GuardianSet::MEMBERS_PER_CALL`].
    pub fn contract_argument_chunks(&self) -> Vec<(Vec<u8>, Vec<U256>)> {
        self.members.chunks(Self::MEMBERS_PER_CALL).map(members_arguments).collect()
    }

    /// Members per `addGuardians` call (one data contract of the inbox's).
    pub const MEMBERS_PER_CALL: usize = 128;
}

fn members_arguments(members: &[Guardian]) -> (Vec<u8>, Vec<U256>) {
    let keys = members.iter().flat_map(|g| g1_to_eip2537(&g.key)).collect();
    let stakes = members.iter().map(|g| U256::from(g.stake)).collect();
    (keys, stakes)
}

/// A checkpoint with a quorum's aggregate signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    /// What was signed.
    pub checkpoint: Checkpoint,
    /// Who signed (see the module doc for the bit order).
    pub signers: Vec<u8>,
    /// The aggregate of the signers' signatures of [`Checkpoint::signing_message`].
    pub signature: Signature,
}

impl Certificate {
    /// Checks the certificate for `domain` against `set`: the domain and set id match, the
    /// bitmap is well formed, the signers hold a quorum and the aggregate signature verifies.
    /// Returns the signed stake.
    pub fn verify(&self, set: &GuardianSet, domain: B256) -> Result<u128, MetalayerError> {
        if self.checkpoint.domain != domain {
            return Err(MetalayerError::WrongDomain {
                expected: domain,
                got: self.checkpoint.domain,
            });
        }
        if self.checkpoint.guardian_set_id != set.id {
            return Err(MetalayerError::WrongGuardianSet {
                expected: set.id,
                got: self.checkpoint.guardian_set_id,
            });
        }
        if self.checkpoint.root.is_zero() {
            return Err(MetalayerError::ZeroRoot);
        }
        let signers = signer_indices(&self.signers, set.members.len())?;
        let signed: u128 = signers.iter().map(|&i| set.members[i].stake).sum();
        if !set.is_quorum(signed) {
            return Err(MetalayerError::InsufficientStake { signed, total: set.total_stake });
        }
        let keys: Vec<&PublicKey> = signers.iter().map(|&i| &set.members[i].key).collect();
        let aggregate = AggregatePublicKey::aggregate(&keys, false)
            .map_err(|e| MetalayerError::Bls("aggregate keys", e))?
            .to_public_key();
        let message = self.checkpoint.signing_message();
        check(
            self.signature.verify(true, message.as_slice(), DST, &[], &aggregate, false),
            "aggregate signature",
        )?;
        Ok(signed)
    }

    /// Byte length of [`Certificate::to_bytes`] for a set of `guardians`.
    pub fn encoded_len(guardians: usize) -> usize {
        Checkpoint::ENCODED_LEN + 2 + guardians.div_ceil(8) + 96
    }

    /// The wire form: the 80-byte checkpoint, the bitmap's length (2 bytes BE), the bitmap, and
    /// the compressed signature (96 bytes).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(Self::encoded_len(self.signers.len() * 8));
        out.extend_from_slice(&self.checkpoint.encode());
        out.extend_from_slice(&(self.signers.len() as u16).to_be_bytes());
        out.extend_from_slice(&self.signers);
        out.extend_from_slice(&self.signature.compress());
        out
    }

    /// Parses [`Certificate::to_bytes`]; the signature must be a G2 point in the subgroup.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, MetalayerError> {
        let malformed = || MetalayerError::MalformedCertificate;
        let header = bytes.get(..Checkpoint::ENCODED_LEN + 2).ok_or_else(malformed)?;
        let u64_at =
            |at: usize| u64::from_be_bytes(header[at..at + 8].try_into().expect("8 bytes"));
        let checkpoint = Checkpoint {
            domain: B256::from_slice(&header[0..32]),
            guardian_set_id: u64_at(32),
            epoch: u64_at(40),
            root: B256::from_slice(&header[48..80]),
        };
        let bitmap_len = u16::from_be_bytes([header[80], header[81]]) as usize;
        let rest = &bytes[header.len()..];
        if rest.len() != bitmap_len + 96 {
            return Err(malformed());
        }
        let signature = Signature::sig_validate(&rest[bitmap_len..], false)
            .map_err(|e| MetalayerError::Bls("signature", e))?;
        Ok(Self { checkpoint, signers: rest[..bitmap_len].to_vec(), signature })
    }

    /// The arguments of `MetalayerInbox.submit`: the signer bitmap and the signature in
    /// EIP-2537 encoding (256 bytes: the contract cannot afford decompression).
    pub fn contract_signature(&self) -> [u8; 256] {
        g2_to_eip2537(&self.signature)
    }
}

/// The indices a bitmap over `n` guardians names, refusing a wrong length or bits past `n`.
pub fn signer_indices(bitmap: &[u8], n: usize) -> Result<Vec<usize>, MetalayerError> {
    if bitmap.len() != n.div_ceil(8) {
        return Err(MetalayerError::BadBitmap);
    }
    let mut out = Vec::new();
    for (byte_index, byte) in bitmap.iter().enumerate() {
        for bit in 0..8 {
            if byte >> bit & 1 == 1 {
                let index = byte_index * 8 + bit;
                if index >= n {
                    return Err(MetalayerError::BadBitmap);
                }
                out.push(index);
            }
        }
    }
    Ok(out)
}

/// Collects guardians' signatures of one checkpoint into a [`Certificate`].
#[derive(Debug)]
pub struct CertificateBuilder<'a> {
    set: &'a GuardianSet,
    checkpoint: Checkpoint,
    signers: Vec<u8>,
    aggregate: Option<AggregateSignature>,
    signed: u128,
}

impl<'a> CertificateBuilder<'a> {
    /// A builder for `checkpoint`, whose set id must be `set`'s.
    pub fn new(set: &'a GuardianSet, checkpoint: Checkpoint) -> Result<Self, MetalayerError> {
        if checkpoint.guardian_set_id != set.id {
            return Err(MetalayerError::WrongGuardianSet {
                expected: set.id,
                got: checkpoint.guardian_set_id,
            });
        }
        Ok(Self { set, checkpoint, signers: vec![0; set.bitmap_len()], aggregate: None, signed: 0 })
    }

    /// Adds guardian `index`'s signature, unchecked (see the module doc). Refuses an index
    /// outside the set and a second signature by one guardian.
    pub fn add(&mut self, index: usize, signature: &Signature) -> Result<(), MetalayerError> {
        let guardian = self.set.members.get(index).ok_or(MetalayerError::UnknownGuardian(index))?;
        let (byte, bit) = (index / 8, 1u8 << (index % 8));
        if self.signers[byte] & bit != 0 {
            return Err(MetalayerError::DuplicateSigner(index));
        }
        match &mut self.aggregate {
            Some(aggregate) => aggregate
                .add_signature(signature, false)
                .map_err(|e| MetalayerError::Bls("aggregate signatures", e))?,
            None => self.aggregate = Some(AggregateSignature::from_signature(signature)),
        }
        self.signers[byte] |= bit;
        self.signed += guardian.stake;
        Ok(())
    }

    /// [`CertificateBuilder::add`] after checking the signature against the guardian's key.
    pub fn add_verified(
        &mut self,
        index: usize,
        signature: &Signature,
    ) -> Result<(), MetalayerError> {
        let guardian = self.set.members.get(index).ok_or(MetalayerError::UnknownGuardian(index))?;
        let message = self.checkpoint.signing_message();
        check(
            signature.verify(true, message.as_slice(), DST, &[], &guardian.key, false),
            "partial signature",
        )?;
        self.add(index, signature)
    }

    /// The stake of the signatures added so far.
    pub fn signed_stake(&self) -> u128 {
        self.signed
    }

    /// The certificate, once the signatures hold a quorum.
    pub fn finish(self) -> Result<Certificate, MetalayerError> {
        if !self.set.is_quorum(self.signed) {
            return Err(MetalayerError::InsufficientStake {
                signed: self.signed,
                total: self.set.total_stake,
            });
        }
        let aggregate = self.aggregate.expect("a quorum has at least one signature");
        Ok(Certificate {
            checkpoint: self.checkpoint,
            signers: self.signers,
            signature: aggregate.to_signature(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::GuardianKey;

    fn keys(n: u8) -> Vec<GuardianKey> {
        (0..n).map(|i| GuardianKey::from_ikm(&[i + 1; 32]).unwrap()).collect()
    }

    fn set(keys: &[GuardianKey], stake: u128) -> GuardianSet {
        let members = keys
            .iter()
            .map(|k| (Guardian { key: k.public(), stake }, k.proof_of_possession()))
            .collect();
        GuardianSet::new(7, members).unwrap()
    }

    fn checkpoint() -> Checkpoint {
        Checkpoint {
            domain: B256::repeat_byte(1),
            guardian_set_id: 7,
            epoch: 3,
            root: B256::repeat_byte(9),
        }
    }

    #[test]
    fn set_refuses_bad_members() {
        let k = keys(2);
        let pop = |i: usize| k[i].proof_of_possession();
        let member = |i: usize, stake| Guardian { key: k[i].public(), stake };
        assert!(matches!(GuardianSet::new(1, vec![]), Err(MetalayerError::EmptyGuardianSet)));
        assert!(matches!(
            GuardianSet::new(1, vec![(member(0, 0), pop(0))]),
            Err(MetalayerError::ZeroStake(0))
        ));
        assert!(matches!(
            GuardianSet::new(1, vec![(member(0, 1), pop(0)), (member(0, 1), pop(0))]),
            Err(MetalayerError::DuplicateGuardian(1))
        ));
        assert!(matches!(
            GuardianSet::new(1, vec![(member(0, 1), pop(1))]),
            Err(MetalayerError::Bls("proof of possession", _))
        ));
        assert!(matches!(
            GuardianSet::new(1, vec![(member(0, u128::MAX), pop(0)), (member(1, 1), pop(1))]),
            Err(MetalayerError::StakeOverflow)
        ));
    }

    #[test]
    fn builder_refuses_unknown_guardians_other_sets_and_bad_signatures() {
        let k = keys(4);
        let set = set(&k, 10);
        let cp = checkpoint();
        assert!(matches!(
            CertificateBuilder::new(&set, Checkpoint { guardian_set_id: 6, ..cp }),
            Err(MetalayerError::WrongGuardianSet { expected: 7, got: 6 })
        ));
        let mut builder = CertificateBuilder::new(&set, cp).unwrap();
        let signature = k[0].sign(cp.signing_message().as_slice());
        assert!(matches!(builder.add(4, &signature), Err(MetalayerError::UnknownGuardian(4))));
        // Guardian 0's signature offered as guardian 1's.
        assert!(builder.add_verified(1, &signature).is_err());
        builder.add_verified(0, &signature).unwrap();
        assert_eq!(builder.signed_stake(), 10);
        assert!(matches!(
            builder.finish(),
            Err(MetalayerError::InsufficientStake { signed: 10, total: 40 })
        ));
    }

    #[test]
    fn quorum_is_two_thirds_inclusive() {
        let k = keys(3);
        let set = set(&k, 1);
        assert!(!set.is_quorum(1));
        assert!(set.is_quorum(2));
        let cp = checkpoint();
        let mut builder = CertificateBuilder::new(&set, cp).unwrap();
        for i in [0, 2] {
            builder.add(i, &k[i].sign(cp.signing_message().as_slice())).unwrap();
        }
        let certificate = builder.finish().unwrap();
        assert_eq!(certificate.signers, vec![0b101]);
        assert_eq!(certificate.verify(&set, cp.domain).unwrap(), 2);
        assert_eq!(signer_indices(&certificate.signers, 3).unwrap(), vec![0, 2]);
        // Every single-bit change of the bitmap is refused.
        for bit in 0..8 {
            let mut forged = certificate.clone();
            forged.signers[0] ^= 1 << bit;
            assert!(forged.verify(&set, cp.domain).is_err(), "bit {bit}");
        }
        assert!(Certificate::from_bytes(&certificate.to_bytes()[1..]).is_err());
    }
}
