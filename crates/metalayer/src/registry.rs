//! The L1 side of guardians: the ERA token they stake and the `GuardianRegistry` that holds
//! their keys and stakes (`contracts/src/metalayer/GuardianRegistry.sol`), and equivocation
//! evidence, which anyone can submit there to burn half of the offender's stake.
//!
//! A guardian's registry index is its position in the [`GuardianSet`] built from the registry
//! ([`guardian_set`] over the `guardian(i)` views, or the contract's `guardianSetArguments`
//! for `MetalayerInbox.setGuardianSet`), so evidence and certificates name a guardian the
//! same way.
//!
//! Two offences are slashable, each by one guardian's own signatures (G2, min-pk, over
//! [`Checkpoint::signing_message`] with [`crate::bls::DST`]), both checked on chain:
//! - [`Offence::DoubleCheckpoint`]: two checkpoints of this network's domain, one guardian
//!   set and one epoch, with different roots. Once per (guardian, set, epoch).
//! - [`Offence::ConflictingHeads`]: two checkpoints of this domain whose leaves (proven into
//!   their roots) give one chain two block hashes at one height. Once per (guardian, chain,
//!   height); when both checkpoints share a set and epoch it also uses up that epoch's
//!   double-checkpoint evidence, so one act slashes once.
//!
//! [`EquivocationWatch`] finds double checkpoints among the signatures a guardian sees arrive.

use std::collections::HashMap;

use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_sol_types::{SolCall, SolValue};
use blst::min_pk::{PublicKey, Signature};

use crate::{
    Checkpoint, Guardian, GuardianSet, LeafProof, MetalayerError,
    abi::{self, IGuardianRegistry},
    artifacts,
    bls::{DST, check, g1_from_eip2537, g1_to_eip2537, g2_to_eip2537},
};

/// The share of its current stake an equivocating guardian loses, in percent (the contract's
/// `EQUIVOCATION_SLASH_PERCENT`).
pub const EQUIVOCATION_SLASH_PERCENT: u64 = 50;

/// What the registry burns of a current `stake` for one equivocation (rounded down).
pub fn slash_amount(stake: U256) -> U256 {
    stake * U256::from(EQUIVOCATION_SLASH_PERCENT) / U256::from(100)
}

/// What registry evidence and its views refuse, with the input that failed.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// A certificate-core check failed (a key's encoding, a set's rules).
    #[error(transparent)]
    Metalayer(#[from] MetalayerError),
    /// A guardian index past the registered ones.
    #[error("no guardian {0}")]
    UnknownGuardian(usize),
    /// A checkpoint of another network.
    #[error("checkpoint domain {got}, expected {expected}")]
    WrongDomain {
        /// This network's domain.
        expected: B256,
        /// The checkpoint's.
        got: B256,
    },
    /// Double-checkpoint evidence for two epochs.
    #[error("checkpoints of epochs {0} and {1}, not one")]
    DifferentEpochs(u64, u64),
    /// Double-checkpoint evidence for two guardian sets.
    #[error("checkpoints of guardian sets {0} and {1}, not one")]
    DifferentGuardianSets(u64, u64),
    /// Both checkpoints have one root: nothing conflicts.
    #[error("both checkpoints have root {0}")]
    SameRoot(B256),
    /// Conflicting-heads evidence for two chains.
    #[error("heads of chains {0} and {1}, not one")]
    DifferentChains(u64, u64),
    /// Conflicting-heads evidence for two heights.
    #[error("heads at heights {0} and {1}, not one")]
    DifferentHeights(u64, u64),
    /// Both heads have one block hash: nothing conflicts.
    #[error("both heads have block hash {0}")]
    SameBlockHash(B256),
    /// Head `0` (0: the first, 1: the second) is not in its checkpoint's root.
    #[error("head {0} is not in its checkpoint's root")]
    LeafNotInRoot(usize),
    /// Signature `which` (0 or 1 of a piece of evidence, 0 for an observation) is not the
    /// guardian's over its checkpoint.
    #[error("signature {which} is not guardian {guardian}'s over its checkpoint")]
    InvalidSignature {
        /// The guardian it claims to be of.
        guardian: usize,
        /// Which signature.
        which: usize,
    },
    /// A registry stake that does not fit a [`GuardianSet`]'s 128 bits.
    #[error("guardian {0}'s stake does not fit 128 bits")]
    StakeOverflow(usize),
}

/// The slashable offences, numbered as the contract's `Offence` enum (the `Slashed` event's
/// `offence`, bit `offence` of a guardian's `slashed` flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Offence {
    /// Two different checkpoints for one domain, guardian set and epoch.
    DoubleCheckpoint = 0,
    /// Two different block hashes for one chain and height.
    ConflictingHeads = 1,
}

/// One guardian's own signature of a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCheckpoint {
    /// What was signed.
    pub checkpoint: Checkpoint,
    /// The guardian's signature of [`Checkpoint::signing_message`].
    pub signature: Signature,
}

impl SignedCheckpoint {
    /// Checks the signature is `key`'s (with its subgroup check).
    pub fn verify(&self, key: &PublicKey) -> Result<(), MetalayerError> {
        let message = self.checkpoint.signing_message();
        check(self.signature.verify(true, message.as_slice(), DST, &[], key, true), "signature")
    }

    fn to_abi(&self) -> abi::SignedCheckpoint {
        abi::SignedCheckpoint {
            checkpoint: (&self.checkpoint).into(),
            signature: g2_to_eip2537(&self.signature).to_vec().into(),
        }
    }
}

/// A signed checkpoint and one chain's head in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHead {
    /// The signed checkpoint.
    pub signed: SignedCheckpoint,
    /// The head's leaf and its proof into `signed.checkpoint.root`.
    pub proof: LeafProof,
}

impl SignedHead {
    fn to_abi(&self) -> abi::SignedHead {
        abi::SignedHead {
            signed: self.signed.to_abi(),
            leaf: (&self.proof.leaf).into(),
            leafIndex: U256::from(self.proof.index),
            proof: self.proof.siblings.clone(),
        }
    }
}

/// Evidence that one guardian equivocated, as `GuardianRegistry` takes it.
// Evidence is rare and moved a handful of times before it is sent: boxing the larger variant
// would only make it awkward to build.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Equivocation {
    /// Two checkpoints of one set and epoch with different roots.
    DoubleCheckpoint {
        /// The offender's registry index.
        guardian: usize,
        /// One signed checkpoint.
        first: SignedCheckpoint,
        /// The other.
        second: SignedCheckpoint,
    },
    /// Two heads of one chain and height with different block hashes.
    ConflictingHeads {
        /// The offender's registry index.
        guardian: usize,
        /// One signed head.
        first: SignedHead,
        /// The other.
        second: SignedHead,
    },
}

impl Equivocation {
    /// Conflicting-heads evidence of `guardian`, refused unless its shape is what the contract
    /// accepts (one domain, one chain and height, two block hashes, each leaf in its root);
    /// the signatures are checked by [`Equivocation::verify`].
    pub fn conflicting_heads(
        guardian: usize,
        first: SignedHead,
        second: SignedHead,
    ) -> Result<Self, RegistryError> {
        let evidence = Self::ConflictingHeads { guardian, first, second };
        evidence.check_shape()?;
        Ok(evidence)
    }

    /// The offender's registry index.
    pub fn guardian(&self) -> usize {
        match self {
            Self::DoubleCheckpoint { guardian, .. } | Self::ConflictingHeads { guardian, .. } => {
                *guardian
            }
        }
    }

    /// Which offence this proves.
    pub fn offence(&self) -> Offence {
        match self {
            Self::DoubleCheckpoint { .. } => Offence::DoubleCheckpoint,
            Self::ConflictingHeads { .. } => Offence::ConflictingHeads,
        }
    }

    /// The two signed checkpoints.
    pub fn checkpoints(&self) -> [&SignedCheckpoint; 2] {
        match self {
            Self::DoubleCheckpoint { first, second, .. } => [first, second],
            Self::ConflictingHeads { first, second, .. } => [&first.signed, &second.signed],
        }
    }

    fn check_shape(&self) -> Result<(), RegistryError> {
        let [a, b] = self.checkpoints().map(|s| s.checkpoint);
        if a.domain != b.domain {
            return Err(RegistryError::WrongDomain { expected: a.domain, got: b.domain });
        }
        match self {
            Self::DoubleCheckpoint { .. } => {
                if a.epoch != b.epoch {
                    return Err(RegistryError::DifferentEpochs(a.epoch, b.epoch));
                }
                if a.guardian_set_id != b.guardian_set_id {
                    return Err(RegistryError::DifferentGuardianSets(
                        a.guardian_set_id,
                        b.guardian_set_id,
                    ));
                }
                if a.root == b.root {
                    return Err(RegistryError::SameRoot(a.root));
                }
            }
            Self::ConflictingHeads { first, second, .. } => {
                let (x, y) = (first.proof.leaf, second.proof.leaf);
                if x.chain_id != y.chain_id {
                    return Err(RegistryError::DifferentChains(x.chain_id, y.chain_id));
                }
                if x.block_number != y.block_number {
                    return Err(RegistryError::DifferentHeights(x.block_number, y.block_number));
                }
                if x.block_hash == y.block_hash {
                    return Err(RegistryError::SameBlockHash(x.block_hash));
                }
                for (which, head) in [first, second].into_iter().enumerate() {
                    let root = head.signed.checkpoint.root;
                    if root.is_zero() || !head.proof.verify(root) {
                        return Err(RegistryError::LeafNotInRoot(which));
                    }
                }
            }
        }
        Ok(())
    }

    /// Everything `GuardianRegistry` checks but whether the evidence was used: both
    /// checkpoints are of `domain`, the evidence's shape, and both signatures are `key`'s.
    pub fn verify(&self, key: &PublicKey, domain: B256) -> Result<(), RegistryError> {
        for signed in self.checkpoints() {
            if signed.checkpoint.domain != domain {
                return Err(RegistryError::WrongDomain {
                    expected: domain,
                    got: signed.checkpoint.domain,
                });
            }
        }
        self.check_shape()?;
        for (which, signed) in self.checkpoints().into_iter().enumerate() {
            signed.verify(key).map_err(|_| RegistryError::InvalidSignature {
                guardian: self.guardian(),
                which,
            })?;
        }
        Ok(())
    }

    /// The calldata of the registry's `slashDoubleCheckpoint` or `slashConflictingHeads` for
    /// this evidence; anyone may send it.
    pub fn slash_calldata(&self) -> Vec<u8> {
        match self {
            Self::DoubleCheckpoint { guardian, first, second } => {
                IGuardianRegistry::slashDoubleCheckpointCall {
                    index: U256::from(*guardian),
                    first: first.to_abi(),
                    second: second.to_abi(),
                }
                .abi_encode()
            }
            Self::ConflictingHeads { guardian, first, second } => {
                IGuardianRegistry::slashConflictingHeadsCall {
                    index: U256::from(*guardian),
                    first: first.to_abi(),
                    second: second.to_abi(),
                }
                .abi_encode()
            }
        }
    }
}

/// Finds double checkpoints in the signatures a guardian sees arrive (over gossip): fed
/// `(guardian index, checkpoint, signature)` observations, it returns evidence the first time
/// one guardian has signed two different checkpoints for one domain, guardian set and epoch,
/// and nothing for that slot afterwards.
///
/// Every observation's signature is checked before it is kept (one pairing: run it off the
/// async runtime), so a forged signature can neither hide nor fake an equivocation. It keeps
/// one checkpoint per guardian and slot until [`EquivocationWatch::forget_before`].
#[derive(Debug)]
pub struct EquivocationWatch {
    domain: B256,
    keys: Vec<PublicKey>,
    /// Per (guardian, set, epoch): the first checkpoint seen signed, or `None` once evidence
    /// was returned for it.
    slots: HashMap<(usize, u64, u64), Option<SignedCheckpoint>>,
}

impl EquivocationWatch {
    /// A watch over checkpoints of `domain` signed by the guardians whose keys are `keys`, in
    /// registry order.
    pub fn new(domain: B256, keys: Vec<PublicKey>) -> Self {
        Self { domain, keys, slots: HashMap::new() }
    }

    /// A watch over the members of `set` (built from the registry, so positions are indices).
    pub fn for_set(domain: B256, set: &GuardianSet) -> Self {
        Self::new(domain, set.members().iter().map(|g| g.key).collect())
    }

    /// Watches the members of `set` from now on (a rotation appended members or changed
    /// stakes; positions are registry indices, so what was seen stays valid).
    pub fn watch_set(&mut self, set: &GuardianSet) {
        self.keys = set.members().iter().map(|g| g.key).collect();
    }

    /// Records that `guardian` signed `checkpoint` with `signature`; returns evidence if it
    /// signed another root for the same set and epoch before. Refuses an unknown guardian,
    /// another domain and a signature that is not the guardian's.
    pub fn observe(
        &mut self,
        guardian: usize,
        checkpoint: Checkpoint,
        signature: Signature,
    ) -> Result<Option<Equivocation>, RegistryError> {
        let key = self.key_for(guardian, &checkpoint)?;
        let observed = SignedCheckpoint { checkpoint, signature };
        observed.verify(key).map_err(|_| RegistryError::InvalidSignature { guardian, which: 0 })?;
        Ok(self.record(guardian, observed))
    }

    /// [`EquivocationWatch::observe`] of a signature the caller already checked against
    /// `guardian`'s key and a checkpoint of this watch's domain (a guardian's protocol checks
    /// every partial signature it gathers): no second pairing. Refuses an unknown guardian and
    /// another domain.
    pub fn observe_verified(
        &mut self,
        guardian: usize,
        checkpoint: Checkpoint,
        signature: Signature,
    ) -> Result<Option<Equivocation>, RegistryError> {
        self.key_for(guardian, &checkpoint)?;
        Ok(self.record(guardian, SignedCheckpoint { checkpoint, signature }))
    }

    /// `guardian`'s key, if it is one of the watched guardians and `checkpoint` is of the
    /// watched domain.
    fn key_for(
        &self,
        guardian: usize,
        checkpoint: &Checkpoint,
    ) -> Result<&PublicKey, RegistryError> {
        let key = self.keys.get(guardian).ok_or(RegistryError::UnknownGuardian(guardian))?;
        if checkpoint.domain != self.domain {
            return Err(RegistryError::WrongDomain {
                expected: self.domain,
                got: checkpoint.domain,
            });
        }
        Ok(key)
    }

    fn record(&mut self, guardian: usize, observed: SignedCheckpoint) -> Option<Equivocation> {
        let checkpoint = observed.checkpoint;
        let slot = (guardian, checkpoint.guardian_set_id, checkpoint.epoch);
        match self.slots.get_mut(&slot) {
            None => {
                self.slots.insert(slot, Some(observed));
                None
            }
            Some(None) => None,
            Some(Some(first)) if first.checkpoint.root == checkpoint.root => None,
            Some(entry) => {
                let first = entry.take().expect("matched as Some");
                Some(Equivocation::DoubleCheckpoint { guardian, first, second: observed })
            }
        }
    }

    /// Drops what it keeps of epochs below `epoch` (evidence of them is no longer sought).
    pub fn forget_before(&mut self, epoch: u64) {
        self.slots.retain(|&(_, _, e), _| e >= epoch);
    }

    /// The number of (guardian, set, epoch) slots it keeps.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether it keeps nothing.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}

/// One registered guardian, from the registry's `guardian(index)` view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardianRecord {
    /// Who registered it (and may add stake).
    pub operator: Address,
    /// Its BLS key (possession proven at registration).
    pub key: PublicKey,
    /// Its current stake, in ERA's smallest unit.
    pub stake: U256,
    /// Bit `o` set: slashed for offence `o` ([`Offence`]).
    pub slashed: u8,
}

impl GuardianRecord {
    /// The record of a `guardian(index)` answer; refuses a key that is not a valid G1 point.
    pub fn from_view(view: IGuardianRegistry::guardianReturn) -> Result<Self, MetalayerError> {
        Ok(Self {
            operator: view.operator,
            key: g1_from_eip2537(&view.publicKey)?,
            stake: view.stake,
            slashed: view.slashed,
        })
    }

    /// Whether it was slashed for `offence`.
    pub fn slashed_for(&self, offence: Offence) -> bool {
        self.slashed >> offence as u8 & 1 == 1
    }
}

/// The guardian set `id` of the registry's guardians `records`, given in index order (so
/// position = registry index), with their current stakes; slashed guardians stay members
/// with what is left of their stake, so no index moves. Possession was proven on
/// registration. The same set as `MetalayerInbox.setGuardianSet` with the registry's
/// `guardianSetArguments`.
pub fn guardian_set(id: u64, records: &[GuardianRecord]) -> Result<GuardianSet, RegistryError> {
    let members = records
        .iter()
        .enumerate()
        .map(|(index, record)| {
            let stake =
                u128::try_from(record.stake).map_err(|_| RegistryError::StakeOverflow(index))?;
            Ok(Guardian { key: record.key, stake })
        })
        .collect::<Result<Vec<_>, RegistryError>>()?;
    Ok(GuardianSet::new_unchecked_possession(id, members)?)
}

/// The creation code of ERA with its whole supply minted to `holder`.
pub fn era_deploy_code(holder: Address) -> Bytes {
    artifacts::ERA_TOKEN.deploy_code(&holder.abi_encode())
}

/// The creation code of a `GuardianRegistry` staking `token` (an ERA deployment). Its
/// checkpoint domain is [`crate::domain_separator`] of the L1's chain id and the address it is
/// deployed at.
pub fn registry_deploy_code(token: Address) -> Bytes {
    artifacts::GUARDIAN_REGISTRY.deploy_code(&token.abi_encode())
}

/// The calldata of `register`: `key` with its proof of possession `pop`, staking `stake` (the
/// sender must have approved the registry for it).
pub fn register_calldata(key: &PublicKey, pop: &Signature, stake: U256) -> Vec<u8> {
    IGuardianRegistry::registerCall {
        publicKey: g1_to_eip2537(key).to_vec().into(),
        proofOfPossession: g2_to_eip2537(pop).to_vec().into(),
        stake,
    }
    .abi_encode()
}

/// The calldata of `addStake` (from guardian `index`'s operator).
pub fn add_stake_calldata(index: usize, amount: U256) -> Vec<u8> {
    IGuardianRegistry::addStakeCall { index: U256::from(index), amount }.abi_encode()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CheckpointTree, GuardianKey, Leaf, domain_separator};

    fn keys() -> Vec<GuardianKey> {
        (0..3u8).map(|i| GuardianKey::from_ikm(&[i + 10; 32]).unwrap()).collect()
    }

    fn domain() -> B256 {
        domain_separator(1, Address::repeat_byte(7))
    }

    fn checkpoint(epoch: u64, root: u8) -> Checkpoint {
        Checkpoint { domain: domain(), guardian_set_id: 1, epoch, root: B256::repeat_byte(root) }
    }

    fn sign(key: &GuardianKey, checkpoint: &Checkpoint) -> Signature {
        key.sign(checkpoint.signing_message().as_slice())
    }

    fn watch(keys: &[GuardianKey]) -> EquivocationWatch {
        EquivocationWatch::new(domain(), keys.iter().map(GuardianKey::public).collect())
    }

    #[test]
    fn two_roots_for_one_epoch_are_reported_once() {
        let k = keys();
        let mut watch = watch(&k);
        let (a, b, c) = (checkpoint(5, 1), checkpoint(5, 2), checkpoint(5, 3));
        assert!(watch.observe(1, a, sign(&k[1], &a)).unwrap().is_none());
        // The same checkpoint again, and other guardians signing another root: no evidence.
        assert!(watch.observe(1, a, sign(&k[1], &a)).unwrap().is_none());
        assert!(watch.observe(0, b, sign(&k[0], &b)).unwrap().is_none());
        assert!(watch.observe(2, a, sign(&k[2], &a)).unwrap().is_none());
        let evidence = watch.observe(1, b, sign(&k[1], &b)).unwrap().expect("equivocation");
        assert_eq!(evidence.guardian(), 1);
        assert_eq!(evidence.offence(), Offence::DoubleCheckpoint);
        assert_eq!(evidence.checkpoints().map(|s| s.checkpoint), [a, b]);
        evidence.verify(&k[1].public(), domain()).unwrap();
        assert!(matches!(
            evidence.verify(&k[0].public(), domain()),
            Err(RegistryError::InvalidSignature { guardian: 1, which: 0 })
        ));
        // Reported once: a third root for the slot gives nothing more.
        assert!(watch.observe(1, c, sign(&k[1], &c)).unwrap().is_none());
    }

    #[test]
    fn signatures_checked_by_the_caller_are_watched_the_same_way() {
        let k = keys();
        let mut watch = watch(&k);
        let (a, b) = (checkpoint(9, 1), checkpoint(9, 2));
        assert!(watch.observe_verified(2, a, sign(&k[2], &a)).unwrap().is_none());
        let evidence = watch.observe_verified(2, b, sign(&k[2], &b)).unwrap().expect("evidence");
        evidence.verify(&k[2].public(), domain()).unwrap();
        assert!(matches!(
            watch.observe_verified(9, a, sign(&k[0], &a)),
            Err(RegistryError::UnknownGuardian(9))
        ));
        let other = Checkpoint { domain: B256::repeat_byte(9), ..a };
        assert!(matches!(
            watch.observe_verified(0, other, sign(&k[0], &other)),
            Err(RegistryError::WrongDomain { .. })
        ));
    }

    #[test]
    fn other_epochs_and_sets_do_not_conflict() {
        let k = keys();
        let mut watch = watch(&k);
        let a = checkpoint(5, 1);
        let later = checkpoint(6, 2);
        let other_set = Checkpoint { guardian_set_id: 2, ..checkpoint(5, 2) };
        for cp in [a, later, other_set] {
            assert!(watch.observe(0, cp, sign(&k[0], &cp)).unwrap().is_none());
        }
        assert_eq!(watch.len(), 3);
        watch.forget_before(6);
        assert_eq!(watch.len(), 1);
    }

    #[test]
    fn forged_unknown_and_foreign_observations_refused() {
        let k = keys();
        let mut watch = watch(&k);
        let a = checkpoint(5, 1);
        assert!(matches!(
            watch.observe(1, a, sign(&k[0], &a)),
            Err(RegistryError::InvalidSignature { guardian: 1, which: 0 })
        ));
        assert!(matches!(
            watch.observe(3, a, sign(&k[0], &a)),
            Err(RegistryError::UnknownGuardian(3))
        ));
        let foreign = Checkpoint { domain: B256::repeat_byte(9), ..a };
        assert!(matches!(
            watch.observe(0, foreign, sign(&k[0], &foreign)),
            Err(RegistryError::WrongDomain { .. })
        ));
        // A forged signature kept nothing: the guardian's real one is a first sighting.
        assert!(watch.is_empty());
        let b = checkpoint(5, 2);
        assert!(watch.observe(1, b, sign(&k[1], &b)).unwrap().is_none());
    }

    fn leaf(chain_id: u64, number: u64, hash: u8) -> Leaf {
        Leaf {
            chain_id,
            block_number: number,
            block_hash: B256::repeat_byte(hash),
            state_root: B256::repeat_byte(hash + 1),
            outbox_root: B256::ZERO,
        }
    }

    fn head(key: &GuardianKey, epoch: u64, leaves: Vec<Leaf>, chain: u64) -> SignedHead {
        let tree = CheckpointTree::new(leaves).unwrap();
        let checkpoint = Checkpoint { root: tree.root(), ..checkpoint(epoch, 0) };
        SignedHead {
            signed: SignedCheckpoint { checkpoint, signature: sign(key, &checkpoint) },
            proof: tree.proof(chain).unwrap(),
        }
    }

    #[test]
    fn conflicting_heads_checked_for_shape() {
        let k = &keys()[0];
        let first = head(k, 1, vec![leaf(10, 100, 1), leaf(11, 7, 3)], 10);
        let second = head(k, 2, vec![leaf(10, 100, 2)], 10);
        let evidence = Equivocation::conflicting_heads(0, first.clone(), second.clone()).unwrap();
        evidence.verify(&k.public(), domain()).unwrap();
        let other_chain = head(k, 2, vec![leaf(11, 7, 4)], 11);
        assert!(matches!(
            Equivocation::conflicting_heads(0, first.clone(), other_chain),
            Err(RegistryError::DifferentChains(10, 11))
        ));
        let other_height = head(k, 2, vec![leaf(10, 101, 2)], 10);
        assert!(matches!(
            Equivocation::conflicting_heads(0, first.clone(), other_height),
            Err(RegistryError::DifferentHeights(100, 101))
        ));
        assert!(matches!(
            Equivocation::conflicting_heads(0, first.clone(), first.clone()),
            Err(RegistryError::SameBlockHash(_))
        ));
        let mut detached = second;
        detached.proof.siblings.push(B256::ZERO);
        assert!(matches!(
            Equivocation::conflicting_heads(0, first, detached),
            Err(RegistryError::LeafNotInRoot(1))
        ));
    }

    #[test]
    fn slash_amount_is_half_rounded_down() {
        assert_eq!(slash_amount(U256::from(1001)), U256::from(500));
        assert_eq!(slash_amount(U256::from(1)), U256::ZERO);
    }
}
