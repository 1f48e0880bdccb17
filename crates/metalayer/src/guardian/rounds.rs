//! The guardians' epoch protocol, without I/O: what a guardian does with a new epoch, a
//! proposal, a partial signature or a certificate, and what it sends in return.
//!
//! Epoch `e` (wall-clock milliseconds / epoch length, the same on every guardian) has one
//! leader, member `e mod n`, and a backup, member `e + 1 mod n`, who proposes at mid-epoch if
//! no proposal for the epoch reached it (the leader is down or had nothing to propose): a dead
//! guardian's epochs are not lost. A guardian still signs one checkpoint per epoch, so a late
//! leader's proposal and the backup's cannot both be certified. At the epoch's start the leader proposes the leaves of the latest
//! heads it verified (and of the settled heads, [`crate::FINALIZED`]) and signs their checkpoint. Every other guardian signs the proposal's
//! checkpoint only once it has verified each proposed head itself (it waits for its followers
//! to reach a head it has not seen yet, and refuses a proposal naming a head that conflicts
//! with one it verified), and at most one checkpoint per epoch. Every guardian checks and
//! gathers the signatures, and builds the certificate once signers of 2/3 of the stake signed
//! a checkpoint whose leaves it knows; the leader also sends it, for those that missed some.
//! A certificate received is checked against the set, and its leaves against its root, before
//! it is kept.
//!
//! The guardian set changes only through the protocol. When the L1 registry holds other members
//! or stakes than the current set ([`VerifiedHeads::registry_members`]), a leader adds the next
//! set's [`GUARDIAN_SET`](crate::GUARDIAN_SET) leaf to its proposal (with the members, so that every guardian can
//! check the leaf's commitment), and a guardian signs it only if its own read of the registry
//! gives the same set. Once a certificate of the current set carries that leaf, it is a
//! [`Rotation`]: every guardian switches to the next set for the epochs after it, and anyone can
//! install the next set in the inboxes with it (`MetalayerInbox.rotateGuardianSet`). Leaders
//! resend the rotations now and then, for guardians that were down when one happened.

use crate::{
    Certificate, CertificateBuilder, Checkpoint, CheckpointTree, Guardian, GuardianKey,
    GuardianSet, Leaf, MetalayerError, PublicKey, Signature, bls::DST,
};
use alloy_primitives::{B256, Bytes, U256};
use serde::{Deserialize, Serialize};
use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
};

/// Epochs a proposal may wait for its heads to be verified before it is dropped.
const PROPOSAL_PATIENCE: u64 = 8;
/// Certificates kept for the API.
const CERTIFICATES_KEPT: usize = 4096;
/// Every this many epochs, the leader resends the rotations, for guardians that missed one.
const ROTATIONS_RESENT_EVERY: u64 = 16;

/// What guardians send each other over gossip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum GossipMessage {
    /// The epoch leader's leaves.
    Proposal {
        /// The epoch.
        epoch: u64,
        /// The leader's index.
        proposer: usize,
        /// The heads, one per chain (and the next guardian set's leaf, if any).
        leaves: Vec<Leaf>,
        /// The members of the next guardian set, when the leaves name one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next_set: Option<Vec<SetMember>>,
    },
    /// One guardian's signature of one checkpoint.
    Signature {
        /// The epoch.
        epoch: u64,
        /// The checkpoint root.
        root: B256,
        /// The signer's index.
        signer: usize,
        /// The compressed G2 signature.
        signature: Bytes,
    },
    /// A certificate and the leaves under its root.
    Certificate(CertifiedCheckpoint),
    /// Every rotation since the first guardian set, oldest first. (A struct variant: the tag
    /// cannot go inside a bare sequence.)
    Rotations {
        /// The rotations.
        rotations: Vec<Rotation>,
    },
}

/// A certificate with its leaves: everything a relayer needs to prove a leaf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CertifiedCheckpoint {
    /// The epoch.
    pub epoch: u64,
    /// The checkpoint's leaves (the tree over them has the certified root).
    pub leaves: Vec<Leaf>,
    /// [`Certificate::to_bytes`].
    pub certificate: Bytes,
}

impl CertifiedCheckpoint {
    /// The certificate, parsed.
    pub fn certificate(&self) -> Result<Certificate, MetalayerError> {
        Certificate::from_bytes(&self.certificate)
    }

    /// The tree over the leaves.
    pub fn tree(&self) -> Result<CheckpointTree, MetalayerError> {
        CheckpointTree::new(self.leaves.clone())
    }
}

/// One member of a guardian set, as rotations carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetMember {
    /// The compressed G1 public key (48 bytes).
    pub public_key: Bytes,
    /// The stake.
    pub stake: U256,
}

impl SetMember {
    /// The members of a set.
    pub fn of(guardians: &[Guardian]) -> Vec<Self> {
        guardians
            .iter()
            .map(|g| Self {
                public_key: g.key.compress().to_vec().into(),
                stake: U256::from(g.stake),
            })
            .collect()
    }

    fn guardians(members: &[Self]) -> Result<Vec<Guardian>, MetalayerError> {
        members
            .iter()
            .map(|m| {
                let key = PublicKey::key_validate(&m.public_key)
                    .map_err(|e| MetalayerError::Bls("member key", e))?;
                let stake = u128::try_from(m.stake).map_err(|_| MetalayerError::StakeOverflow)?;
                Ok(Guardian { key, stake })
            })
            .collect()
    }
}

/// The hand-over from one guardian set to the next: the next set's members, and the
/// certificate, by the set before it, of a checkpoint holding the next set's
/// [`GUARDIAN_SET`](crate::GUARDIAN_SET) leaf. Enough for anyone to install the next set in an inbox
/// (`MetalayerInbox.rotateGuardianSet`) or in a guardian that missed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rotation {
    /// The next set's members, in bitmap order (possession proven on registration).
    pub members: Vec<SetMember>,
    /// The previous set's certificate of the checkpoint naming the next set.
    pub certified: CertifiedCheckpoint,
}

impl Rotation {
    /// The [`GUARDIAN_SET`](crate::GUARDIAN_SET) leaf the certificate carries.
    pub fn leaf(&self) -> Result<Leaf, MetalayerError> {
        self.certified
            .leaves
            .iter()
            .find(|l| l.is_guardian_set())
            .copied()
            .ok_or(MetalayerError::BadRotation("the checkpoint names no next guardian set"))
    }

    /// The next set as the rotation names it, unchecked ([`Rotation::verify`] checks it).
    pub fn next_set(&self) -> Result<GuardianSet, MetalayerError> {
        Self::members_set(self.leaf()?.block_number, &self.members)
    }

    /// The set `id` of `members` (possession proven on registration).
    pub fn members_set(id: u64, members: &[SetMember]) -> Result<GuardianSet, MetalayerError> {
        GuardianSet::new_unchecked_possession(id, SetMember::guardians(members)?)
    }

    /// The next set, once checked against `previous` in the network of `domain`: the
    /// certificate is `previous`'s, its leaves give its root, and their set leaf names the
    /// next id and these members.
    pub fn verify(
        &self,
        previous: &GuardianSet,
        domain: B256,
    ) -> Result<GuardianSet, MetalayerError> {
        let leaf = self.leaf()?;
        if leaf.block_number != previous.id() + 1 {
            return Err(MetalayerError::BadRotation("the next set's id does not follow"));
        }
        let certificate = self.certified.certificate()?;
        certificate.verify(previous, domain)?;
        if self.certified.tree()?.root() != certificate.checkpoint.root {
            return Err(MetalayerError::BadRotation("the leaves do not give the certified root"));
        }
        let next = self.next_set()?;
        if next.commitment() != leaf.block_hash {
            return Err(MetalayerError::BadRotation("the members are not those the leaf names"));
        }
        Ok(next)
    }
}

/// How a head compares with what a guardian verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadCheck {
    /// The guardian verified exactly this head.
    Verified,
    /// The guardian has not verified that height yet.
    NotYet,
    /// The guardian verified another block (or state) at that height, or does not follow the
    /// chain.
    Conflicts,
}

/// The guardian's view of its verified heads, as the protocol asks about it.
pub trait VerifiedHeads {
    /// The latest verified head of every followed chain.
    fn latest(&self) -> Vec<Leaf>;
    /// How `leaf` compares with the verified head at its height.
    fn check(&self, leaf: &Leaf) -> HeadCheck;
    /// The guardian set the L1 registry holds, as last read (members in registry order, with
    /// their current stakes); `None` if this guardian does not read the registry.
    fn registry_members(&self) -> Option<Vec<Guardian>> {
        None
    }
    /// [`VerifiedHeads::registry_members`] once the others have most likely read them too:
    /// what a leader proposes as the next set.
    fn proposable_registry_members(&self) -> Option<Vec<Guardian>> {
        self.registry_members()
    }
}

/// Why a guardian dropped an input (logged; nothing is sent).
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// A proposal from a guardian who neither leads that epoch nor is its backup.
    #[error(
        "proposal for epoch {epoch} from guardian {proposer}, whose leader is {leader} (the next one its backup)"
    )]
    NotLeader {
        /// The epoch.
        epoch: u64,
        /// Who proposed.
        proposer: usize,
        /// Who leads it.
        leader: usize,
    },
    /// A proposal naming a head the guardian verified differently.
    #[error(
        "proposal for epoch {epoch} names chain {chain_id} block {number}, which conflicts with the head this guardian verified"
    )]
    ConflictingHead {
        /// The epoch.
        epoch: u64,
        /// The chain.
        chain_id: u64,
        /// The height.
        number: u64,
    },
    /// A proposal for an epoch long past or not begun.
    #[error("proposal for epoch {epoch} outside the window around epoch {current}")]
    OutOfWindow {
        /// The proposal's epoch.
        epoch: u64,
        /// This guardian's current epoch.
        current: u64,
    },
    /// The guardian already signed another checkpoint for the epoch.
    #[error("already signed another checkpoint for epoch {0}")]
    AlreadySigned(u64),
    /// A malformed or unverifiable input.
    #[error(transparent)]
    Invalid(#[from] MetalayerError),
    /// A certificate whose leaves do not give its root.
    #[error("certificate for epoch {0} carries leaves of another root")]
    LeavesMismatch(u64),
    /// A certificate of a guardian set this guardian does not know (yet).
    #[error("certificate of unknown guardian set {0}")]
    UnknownSet(u64),
}

struct Gathering {
    signatures: BTreeMap<usize, Signature>,
    stake: u128,
}

/// One guardian's protocol state.
pub struct Rounds {
    index: usize,
    key: GuardianKey,
    set: Arc<GuardianSet>,
    /// The sets before the current one, by id (certificates of theirs still verify).
    earlier: BTreeMap<u64, Arc<GuardianSet>>,
    /// Every rotation from the first set to the current one.
    rotations: Vec<Rotation>,
    /// Candidate next sets' members, by commitment (from proposals and the registry).
    candidates: HashMap<B256, Vec<Guardian>>,
    /// A certificate of the current set naming the next, whose members are not known yet.
    pending: Option<CertifiedCheckpoint>,
    domain: B256,
    /// The checkpoint root this guardian signed, by epoch: never two per epoch.
    signed: BTreeMap<u64, B256>,
    /// Proposals waiting for this guardian's followers.
    waiting: BTreeMap<u64, CheckpointTree>,
    /// Leaves of the checkpoints proposed, by (epoch, root).
    leaves: HashMap<(u64, B256), Vec<Leaf>>,
    gathering: HashMap<(u64, B256), Gathering>,
    certified: BTreeMap<u64, CertifiedCheckpoint>,
    /// The latest epoch begun.
    current: u64,
    /// Proposals for earlier epochs are refused.
    horizon: u64,
}

impl Rounds {
    /// The state of guardian `index` of `set` holding `key`, in the network of `domain`.
    pub fn new(index: usize, key: GuardianKey, set: Arc<GuardianSet>, domain: B256) -> Self {
        Self {
            index,
            key,
            set,
            earlier: BTreeMap::new(),
            rotations: Vec::new(),
            candidates: HashMap::new(),
            pending: None,
            domain,
            signed: BTreeMap::new(),
            waiting: BTreeMap::new(),
            leaves: HashMap::new(),
            gathering: HashMap::new(),
            certified: BTreeMap::new(),
            current: 0,
            horizon: 0,
        }
    }

    /// The leader of `epoch`.
    pub fn leader(&self, epoch: u64) -> usize {
        (epoch % self.set.members().len() as u64) as usize
    }

    /// The backup leader of `epoch`, who proposes at mid-epoch when no proposal came.
    pub fn backup(&self, epoch: u64) -> usize {
        (epoch.wrapping_add(1) % self.set.members().len() as u64) as usize
    }

    /// The current guardian set.
    pub fn set(&self) -> &Arc<GuardianSet> {
        &self.set
    }

    /// Every rotation from the first set to the current one, oldest first.
    pub fn rotations(&self) -> &[Rotation] {
        &self.rotations
    }

    /// The checkpoint of `root` for `epoch` in this guardian's network, under the set that
    /// signs `epoch`: the current one, or an earlier one for the epochs up to the rotation away
    /// from it.
    pub fn checkpoint(&self, epoch: u64, root: B256) -> Checkpoint {
        let guardian_set_id = self
            .rotations
            .iter()
            .find(|r| epoch <= r.certified.epoch)
            .and_then(|r| r.leaf().ok())
            .map_or_else(|| self.set.id(), |leaf| leaf.block_number - 1);
        Checkpoint { domain: self.domain, guardian_set_id, epoch, root }
    }

    /// The current set or an earlier one, by id.
    fn set_by_id(&self, id: u64) -> Result<&Arc<GuardianSet>, Refusal> {
        if id == self.set.id() {
            return Ok(&self.set);
        }
        self.earlier.get(&id).ok_or(Refusal::UnknownSet(id))
    }

    /// A new epoch began: the leader proposes and signs; every guardian forgets old state.
    pub fn on_epoch(&mut self, epoch: u64, heads: &impl VerifiedHeads) -> Vec<GossipMessage> {
        self.current = self.current.max(epoch);
        self.forget_before(epoch.saturating_sub(PROPOSAL_PATIENCE));
        if self.pending.is_some()
            && let Some(next) = self.next_set(heads, false)
        {
            self.candidates.insert(next.commitment(), next.members().to_vec());
            self.try_rotate();
        }
        if self.leader(epoch) != self.index {
            return Vec::new();
        }
        let mut out = self.propose(epoch, heads);
        if epoch.is_multiple_of(ROTATIONS_RESENT_EVERY) && !self.rotations.is_empty() {
            out.push(GossipMessage::Rotations { rotations: self.rotations.clone() });
        }
        out
    }

    /// The set the registry holds, as the next set, if it differs from the current one (as
    /// read lately, or as `to_propose`, read long enough ago for the others to have it too).
    fn next_set(&self, heads: &impl VerifiedHeads, to_propose: bool) -> Option<GuardianSet> {
        let members = match to_propose {
            true => heads.proposable_registry_members()?,
            false => heads.registry_members()?,
        };
        if members == self.set.members() {
            return None;
        }
        GuardianSet::new_unchecked_possession(self.set.id() + 1, members).ok()
    }

    /// How `leaf` compares with what this guardian verified: a head by its followers, the next
    /// set's leaf by its own read of the registry.
    fn check(&self, leaf: &Leaf, heads: &impl VerifiedHeads) -> HeadCheck {
        if !leaf.is_guardian_set() {
            return heads.check(leaf);
        }
        if leaf.block_number != self.set.id() + 1 {
            return HeadCheck::Conflicts;
        }
        match self.next_set(heads, false) {
            Some(next) if next.commitment() == leaf.block_hash => HeadCheck::Verified,
            _ => HeadCheck::NotYet,
        }
    }

    /// Half of `epoch` has passed: its backup proposes, unless a proposal for it came.
    pub fn on_mid_epoch(&mut self, epoch: u64, heads: &impl VerifiedHeads) -> Vec<GossipMessage> {
        let proposed = self.waiting.contains_key(&epoch) || self.signed.contains_key(&epoch);
        if self.backup(epoch) != self.index || self.leader(epoch) == self.index || proposed {
            return Vec::new();
        }
        self.propose(epoch, heads)
    }

    /// Proposes this guardian's latest verified heads for `epoch`, and signs them.
    fn propose(&mut self, epoch: u64, heads: &impl VerifiedHeads) -> Vec<GossipMessage> {
        let mut leaves = heads.latest();
        if leaves.is_empty() {
            return Vec::new();
        }
        let next = self.next_set(heads, true);
        let next_set = next.map(|next| {
            leaves.push(next.leaf());
            self.candidates.insert(next.commitment(), next.members().to_vec());
            SetMember::of(next.members())
        });
        let Ok(tree) = CheckpointTree::new(leaves) else { return Vec::new() };
        let leaves = tree.leaves().to_vec();
        let mut out =
            vec![GossipMessage::Proposal { epoch, proposer: self.index, leaves, next_set }];
        self.waiting.insert(epoch, tree);
        out.extend(self.sign_ready(heads));
        out
    }

    /// A proposal arrived (from gossip, or this guardian's own).
    pub fn on_proposal(
        &mut self,
        epoch: u64,
        proposer: usize,
        leaves: Vec<Leaf>,
        next_set: Option<Vec<SetMember>>,
        heads: &impl VerifiedHeads,
    ) -> Result<Vec<GossipMessage>, Refusal> {
        if epoch < self.horizon || epoch > self.current + 1 {
            return Err(Refusal::OutOfWindow { epoch, current: self.current });
        }
        let leader = self.leader(epoch);
        if proposer != leader && proposer != self.backup(epoch) {
            return Err(Refusal::NotLeader { epoch, proposer, leader });
        }
        let tree = CheckpointTree::new(leaves)?;
        if let Some(root) = self.signed.get(&epoch) {
            return if *root == tree.root() {
                Ok(Vec::new())
            } else {
                Err(Refusal::AlreadySigned(epoch))
            };
        }
        if let Some(conflict) =
            tree.leaves().iter().find(|l| self.check(l, heads) == HeadCheck::Conflicts)
        {
            return Err(Refusal::ConflictingHead {
                epoch,
                chain_id: conflict.chain_id,
                number: conflict.block_number,
            });
        }
        // The next set's members, if they are those its leaf names: a certificate of it
        // rotates this guardian even if its own read of the registry differs.
        if let (Some(members), Some(leaf)) =
            (next_set, tree.leaves().iter().find(|l| l.is_guardian_set()))
        {
            let members = SetMember::guardians(&members)?;
            let next = GuardianSet::new_unchecked_possession(leaf.block_number, members)?;
            if next.commitment() == leaf.block_hash {
                self.candidates.insert(leaf.block_hash, next.members().to_vec());
                self.try_rotate();
            }
        }
        self.waiting.insert(epoch, tree);
        Ok(self.sign_ready(heads))
    }

    /// This guardian's followers verified more heads: sign the proposals now fully verified,
    /// drop those that conflict.
    pub fn sign_ready(&mut self, heads: &impl VerifiedHeads) -> Vec<GossipMessage> {
        let mut out = Vec::new();
        let epochs: Vec<u64> = self.waiting.keys().copied().collect();
        for epoch in epochs {
            let checks: Vec<HeadCheck> =
                self.waiting[&epoch].leaves().iter().map(|leaf| self.check(leaf, heads)).collect();
            if checks.contains(&HeadCheck::Conflicts) {
                self.waiting.remove(&epoch);
                continue;
            }
            if checks.contains(&HeadCheck::NotYet) {
                continue;
            }
            let tree = self.waiting.remove(&epoch).expect("present");
            let root = tree.root();
            if self.signed.contains_key(&epoch)
                || self.checkpoint(epoch, root).guardian_set_id != self.set.id()
            {
                // Signed already, or an epoch of the set before the last rotation.
                continue;
            }
            self.signed.insert(epoch, root);
            self.leaves.insert((epoch, root), tree.leaves().to_vec());
            let (signature, message) = self.sign(epoch, root);
            out.push(message);
            if let Ok(Some(certificate)) = self.gather(epoch, root, self.index, signature) {
                out.push(certificate);
            }
        }
        out
    }

    /// This guardian's signature of `root` for `epoch`, with none of the protocol's checks:
    /// fault injection for tests of slashing, which is what a guardian signing two checkpoints
    /// for one epoch looks like to the others.
    pub fn sign_unchecked(&self, epoch: u64, root: B256) -> GossipMessage {
        self.sign(epoch, root).1
    }

    /// This guardian's signature of the checkpoint of `root` for `epoch`, and its message.
    fn sign(&self, epoch: u64, root: B256) -> (Signature, GossipMessage) {
        let signature = self.key.sign(self.checkpoint(epoch, root).signing_message().as_slice());
        let message = GossipMessage::Signature {
            epoch,
            root,
            signer: self.index,
            signature: signature.compress().to_vec().into(),
        };
        (signature, message)
    }

    /// A partial signature arrived.
    pub fn on_signature(
        &mut self,
        epoch: u64,
        root: B256,
        signer: usize,
        signature: &[u8],
    ) -> Result<Vec<GossipMessage>, Refusal> {
        let signature = Signature::uncompress(signature)
            .map_err(|e| MetalayerError::Bls("partial signature", e))?;
        let checkpoint = self.checkpoint(epoch, root);
        let set = self.set_by_id(checkpoint.guardian_set_id)?;
        let guardian = set.members().get(signer).ok_or(MetalayerError::UnknownGuardian(signer))?;
        let message = checkpoint.signing_message();
        let verified = signature.verify(true, message.as_slice(), DST, &[], &guardian.key, true);
        if verified != blst::BLST_ERROR::BLST_SUCCESS {
            return Err(MetalayerError::Bls("partial signature", verified).into());
        }
        if checkpoint.guardian_set_id != self.set.id() {
            // A late signature of an epoch an earlier set certified.
            return Ok(Vec::new());
        }
        Ok(self.gather(epoch, root, signer, signature)?.into_iter().collect())
    }

    /// Adds a verified signature; the certificate message once a quorum signed leaves this
    /// guardian knows.
    fn gather(
        &mut self,
        epoch: u64,
        root: B256,
        signer: usize,
        signature: Signature,
    ) -> Result<Option<GossipMessage>, Refusal> {
        if self.certified.contains_key(&epoch) {
            return Ok(None);
        }
        let stake = self.set.members()[signer].stake;
        let gathering = self
            .gathering
            .entry((epoch, root))
            .or_insert_with(|| Gathering { signatures: BTreeMap::new(), stake: 0 });
        if gathering.signatures.insert(signer, signature).is_none() {
            gathering.stake += stake;
        }
        self.try_certify(epoch, root)
    }

    fn try_certify(&mut self, epoch: u64, root: B256) -> Result<Option<GossipMessage>, Refusal> {
        let Some(gathering) = self.gathering.get(&(epoch, root)) else { return Ok(None) };
        let Some(leaves) = self.leaves.get(&(epoch, root)) else { return Ok(None) };
        if !self.set.is_quorum(gathering.stake) {
            return Ok(None);
        }
        let mut builder = CertificateBuilder::new(&self.set, self.checkpoint(epoch, root))?;
        for (signer, signature) in &gathering.signatures {
            builder.add(*signer, signature)?;
        }
        let certified = CertifiedCheckpoint {
            epoch,
            leaves: leaves.clone(),
            certificate: builder.finish()?.to_bytes().into(),
        };
        self.keep(certified.clone());
        // Every guardian sees the signatures and keeps the certificate; the leader and its
        // backup alone send it, for guardians that missed some (the others would send the same
        // bytes, and a guardian keeps a certificate once).
        let sends = self.leader(epoch) == self.index || self.backup(epoch) == self.index;
        Ok(sends.then_some(GossipMessage::Certificate(certified)))
    }

    /// A certificate arrived: kept if it verifies and its leaves give its root.
    pub fn on_certificate(&mut self, certified: CertifiedCheckpoint) -> Result<bool, Refusal> {
        if self.certified.contains_key(&certified.epoch) {
            return Ok(false);
        }
        let certificate = certified.certificate()?;
        let set = self.set_by_id(certificate.checkpoint.guardian_set_id)?;
        certificate.verify(set, self.domain)?;
        if certificate.checkpoint.epoch != certified.epoch
            || certified.tree()?.root() != certificate.checkpoint.root
        {
            return Err(Refusal::LeavesMismatch(certified.epoch));
        }
        self.keep(certified);
        Ok(true)
    }

    fn keep(&mut self, certified: CertifiedCheckpoint) {
        let next = self.set.id() + 1;
        if certified.leaves.iter().any(|l| l.is_guardian_set() && l.block_number == next)
            && certified.certificate().is_ok_and(|c| c.checkpoint.guardian_set_id == next - 1)
        {
            self.pending = Some(certified.clone());
        }
        self.certified.insert(certified.epoch, certified);
        while self.certified.len() > CERTIFICATES_KEPT {
            self.certified.pop_first();
        }
        self.try_rotate();
    }

    /// Rotates to the next set if a certificate named it and its members are known.
    fn try_rotate(&mut self) {
        let Some(certified) = &self.pending else { return };
        let Some(leaf) = certified.leaves.iter().find(|l| l.is_guardian_set()) else { return };
        let Some(members) = self.candidates.get(&leaf.block_hash) else { return };
        let rotation = Rotation { members: SetMember::of(members), certified: certified.clone() };
        if let Err(err) = self.rotate(rotation) {
            tracing::warn!(target: "tephra::guardian", %err, "a certified rotation does not apply");
            self.pending = None;
        }
    }

    /// Rotations received (from gossip, or this guardian's datadir): those that follow the
    /// current set are applied, in order. Returns whether the set changed.
    pub fn on_rotations(&mut self, rotations: Vec<Rotation>) -> Result<bool, Refusal> {
        let before = self.set.id();
        for rotation in rotations {
            if rotation.leaf()?.block_number == self.set.id() + 1 {
                self.rotate(rotation)?;
            }
        }
        Ok(self.set.id() != before)
    }

    /// Switches to the set `rotation` hands over to, once it verifies against the current one.
    /// Signatures gathered under the old set are dropped; what was signed is kept, so no epoch
    /// is signed twice.
    fn rotate(&mut self, rotation: Rotation) -> Result<(), MetalayerError> {
        let next = rotation.verify(&self.set, self.domain)?;
        if next.members().get(self.index).map(|g| g.key) != Some(self.key.public()) {
            return Err(MetalayerError::BadRotation(
                "this guardian is not at its index in the next set",
            ));
        }
        let previous = std::mem::replace(&mut self.set, Arc::new(next));
        self.earlier.insert(previous.id(), previous);
        self.rotations.push(rotation);
        self.candidates.clear();
        self.pending = None;
        self.gathering.clear();
        tracing::info!(target: "tephra::guardian", set = self.set.id(),
            guardians = self.set.members().len(), total_stake = self.set.total_stake(),
            "rotated to the next guardian set");
        Ok(())
    }

    /// Forgets what concerns epochs before `epoch`, and refuses proposals for them from now
    /// on (so forgetting what was signed never allows a second signature).
    fn forget_before(&mut self, epoch: u64) {
        self.horizon = self.horizon.max(epoch);
        self.waiting.retain(|e, _| *e >= epoch);
        self.signed.retain(|e, _| *e >= epoch);
        self.leaves.retain(|(e, _), _| *e >= epoch);
        self.gathering.retain(|(e, _), _| *e >= epoch);
    }

    /// Certificates of epochs after `epoch`, oldest first, at most `limit`.
    pub fn certificates_after(&self, epoch: u64, limit: usize) -> Vec<CertifiedCheckpoint> {
        self.certified
            .range(epoch.saturating_add(1)..)
            .take(limit)
            .map(|(_, c)| c.clone())
            .collect()
    }

    /// The latest certificate.
    pub fn latest_certificate(&self) -> Option<&CertifiedCheckpoint> {
        self.certified.last_key_value().map(|(_, c)| c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::GUARDIAN_SET;
    use alloy_primitives::keccak256;
    use std::collections::HashMap;

    /// Verified heads held in memory, and a registry read.
    #[derive(Default)]
    struct Verified(HashMap<u64, BTreeMap<u64, Leaf>>, Option<Vec<Guardian>>);

    impl Verified {
        fn add(&mut self, leaf: Leaf) {
            self.0.entry(leaf.chain_id).or_default().insert(leaf.block_number, leaf);
        }
    }

    impl VerifiedHeads for Verified {
        fn latest(&self) -> Vec<Leaf> {
            self.0.values().filter_map(|h| h.values().next_back().copied()).collect()
        }

        fn check(&self, leaf: &Leaf) -> HeadCheck {
            match self.0.get(&leaf.chain_id) {
                Some(heads) => match heads.get(&leaf.block_number) {
                    Some(v) if v == leaf => HeadCheck::Verified,
                    Some(_) => HeadCheck::Conflicts,
                    None if heads.keys().next_back() < Some(&leaf.block_number) => {
                        HeadCheck::NotYet
                    }
                    None => HeadCheck::Conflicts,
                },
                None => HeadCheck::Conflicts,
            }
        }

        fn registry_members(&self) -> Option<Vec<Guardian>> {
            self.1.clone()
        }
    }

    fn leaf(chain_id: u64, number: u64) -> Leaf {
        Leaf {
            chain_id,
            block_number: number,
            block_hash: keccak256(format!("block {chain_id}/{number}")),
            state_root: keccak256(format!("state {chain_id}/{number}")),
            outbox_root: B256::repeat_byte(7),
        }
    }

    const DOMAIN: B256 = B256::repeat_byte(0xd0);

    fn keys() -> Vec<GuardianKey> {
        (0..5u8).map(|i| GuardianKey::from_ikm(&[i + 1; 32]).unwrap()).collect()
    }

    /// Four guardians of equal stake, each with the same verified heads.
    fn network() -> (Vec<Rounds>, Vec<Verified>, Arc<GuardianSet>) {
        let mut keys = keys();
        keys.truncate(4);
        let members = keys
            .iter()
            .map(|k| (Guardian { key: k.public(), stake: 100 }, k.proof_of_possession()))
            .collect();
        let set = Arc::new(GuardianSet::new(1, members).unwrap());
        let rounds = keys
            .into_iter()
            .enumerate()
            .map(|(i, key)| Rounds::new(i, key, set.clone(), DOMAIN))
            .collect();
        let heads = (0..4)
            .map(|_| {
                let mut v = Verified::default();
                v.add(leaf(901, 5));
                v.add(leaf(902, 9));
                v
            })
            .collect();
        (rounds, heads, set)
    }

    /// Every guardian begins `epoch`; returns who leads it and what it sends.
    fn begin(rounds: &mut [Rounds], heads: &[Verified], epoch: u64) -> (usize, Vec<GossipMessage>) {
        let leader = rounds[0].leader(epoch);
        let mut sent = Vec::new();
        for (i, guardian) in rounds.iter_mut().enumerate() {
            let out = guardian.on_epoch(epoch, &heads[i]);
            if i == leader {
                sent = out;
            } else {
                assert!(out.is_empty(), "only the leader sends at an epoch's start");
            }
        }
        (leader, sent)
    }

    /// Delivers `messages` from guardian `from` to every other guardian, and what they send in
    /// return, until nothing is left, each through the JSON the gossip layer sends. Returns
    /// the refusals.
    fn gossip(
        rounds: &mut [Rounds],
        heads: &[Verified],
        from: usize,
        messages: Vec<GossipMessage>,
    ) -> Vec<Refusal> {
        let mut queue: Vec<(usize, GossipMessage)> =
            messages.into_iter().map(|m| (from, m)).collect();
        let mut refusals = Vec::new();
        while let Some((sender, message)) = queue.pop() {
            let message = wire(&message);
            for (i, guardian) in rounds.iter_mut().enumerate().filter(|(i, _)| *i != sender) {
                let result = match message.clone() {
                    GossipMessage::Proposal { epoch, proposer, leaves, next_set } => {
                        guardian.on_proposal(epoch, proposer, leaves, next_set, &heads[i])
                    }
                    GossipMessage::Signature { epoch, root, signer, signature } => {
                        guardian.on_signature(epoch, root, signer, &signature)
                    }
                    GossipMessage::Certificate(c) => guardian.on_certificate(c).map(|_| vec![]),
                    GossipMessage::Rotations { rotations } => {
                        guardian.on_rotations(rotations).map(|_| vec![])
                    }
                };
                match result {
                    Ok(out) => queue.extend(out.into_iter().map(|m| (i, m))),
                    Err(refusal) => refusals.push(refusal),
                }
            }
        }
        refusals
    }

    /// `message` as a guardian receives it: encoded as gossip sends it, and decoded.
    fn wire(message: &GossipMessage) -> GossipMessage {
        let data = serde_json::to_vec(message).expect("every gossip message encodes");
        serde_json::from_slice(&data).expect("and decodes")
    }

    #[test]
    fn honest_guardians_certify_the_leaders_proposal() {
        let (mut rounds, heads, set) = network();
        let (leader, out) = begin(&mut rounds, &heads, 8);
        assert_eq!(leader, 0);
        assert!(matches!(out[0], GossipMessage::Proposal { proposer: 0, .. }));
        assert!(gossip(&mut rounds, &heads, 0, out).is_empty());
        for guardian in &rounds {
            let certified = guardian.latest_certificate().expect("every guardian holds it");
            let certificate = certified.certificate().unwrap();
            assert!(set.is_quorum(certificate.verify(&set, DOMAIN).unwrap()));
            assert_eq!(certified.tree().unwrap().root(), certificate.checkpoint.root);
            assert_eq!(certified.leaves, vec![leaf(901, 5), leaf(902, 9)]);
        }
    }

    #[test]
    fn a_guardian_signs_a_head_only_once_its_follower_verified_it() {
        let (mut rounds, mut heads, _) = network();
        // The leader (1 for epoch 9) and guardian 2 verified chain 902's block 10; 0 and 3
        // have not yet.
        for i in [1, 2] {
            heads[i].add(leaf(902, 10));
        }
        let (leader, out) = begin(&mut rounds, &heads, 9);
        assert_eq!(leader, 1);
        gossip(&mut rounds, &heads, 1, out);
        assert!(rounds[0].latest_certificate().is_none(), "two of four signed: no quorum");
        // Guardian 3's follower reaches block 10: it signs, and the quorum forms.
        heads[3].add(leaf(902, 10));
        let out = rounds[3].sign_ready(&heads[3]);
        assert_eq!(out.len(), 1, "its signature");
        gossip(&mut rounds, &heads, 3, out);
        assert_eq!(rounds[0].latest_certificate().map(|c| c.epoch), Some(9));
    }

    #[test]
    fn a_minority_signing_a_false_state_root_forms_no_certificate() {
        let (mut rounds, heads, _) = network();
        // Guardian 0 leads epoch 12 and proposes a false state root for chain 901's block 5.
        let mut false_leaf = leaf(901, 5);
        false_leaf.state_root = B256::repeat_byte(0xee);
        let mut liar = Verified::default();
        liar.add(false_leaf);
        liar.add(leaf(902, 9));
        let mut all = heads;
        all[0] = liar;
        let (leader, out) = begin(&mut rounds, &all, 12);
        assert_eq!(leader, 0);
        let refusals = gossip(&mut rounds, &all, 0, out);
        assert_eq!(refusals.len(), 3, "each honest guardian refuses the proposal");
        assert!(
            refusals
                .iter()
                .all(|r| matches!(r, Refusal::ConflictingHead { chain_id: 901, number: 5, .. }))
        );
        assert!(rounds.iter().all(|g| g.latest_certificate().is_none()));
    }

    #[test]
    fn one_checkpoint_per_epoch_and_proposals_only_from_the_leader_in_the_window() {
        let (mut rounds, heads, _) = network();
        let _ = rounds[1].on_epoch(20, &heads[1]);
        let signed = rounds[1].on_proposal(20, 0, vec![leaf(901, 5)], None, &heads[1]).unwrap();
        assert_eq!(signed.len(), 1, "guardian 1 signs epoch 20's proposal");
        let other = rounds[1].on_proposal(20, 0, vec![leaf(902, 9)], None, &heads[1]);
        assert!(matches!(other, Err(Refusal::AlreadySigned(20))));
        let again = rounds[1].on_proposal(20, 0, vec![leaf(901, 5)], None, &heads[1]).unwrap();
        assert!(again.is_empty(), "the same proposal again is signed once");
        let _ = rounds[2].on_epoch(21, &heads[2]);
        let twice = rounds[2].on_proposal(21, 1, vec![leaf(901, 5), leaf(901, 5)], None, &heads[2]);
        assert!(
            matches!(twice, Err(Refusal::Invalid(MetalayerError::DuplicateChain(901)))),
            "a proposal with two leaves of one chain"
        );
        let usurper = rounds[1].on_proposal(21, 3, vec![leaf(901, 5)], None, &heads[1]);
        assert!(matches!(usurper, Err(Refusal::NotLeader { leader: 1, .. })));
        let future = rounds[1].on_proposal(40, 0, vec![leaf(901, 5)], None, &heads[1]);
        assert!(matches!(future, Err(Refusal::OutOfWindow { .. })));
        let _ = rounds[1].on_epoch(40, &heads[1]);
        let past = rounds[1].on_proposal(20, 0, vec![leaf(902, 9)], None, &heads[1]);
        assert!(matches!(past, Err(Refusal::OutOfWindow { .. })), "forgotten epochs stay closed");
    }

    #[test]
    fn a_dead_leaders_epoch_is_certified_from_its_backups_proposal() {
        let (mut rounds, heads, set) = network();
        // Guardian 0 leads epoch 8 and is down: the others begin it, and nothing is sent.
        let epoch = 8;
        assert_eq!((rounds[0].leader(epoch), rounds[0].backup(epoch)), (0, 1));
        for i in 1..4 {
            assert!(rounds[i].on_epoch(epoch, &heads[i]).is_empty());
        }
        // At mid-epoch only the backup proposes; the three living guardians certify it.
        let mut out = Vec::new();
        for i in 1..4 {
            let sent = rounds[i].on_mid_epoch(epoch, &heads[i]);
            assert_eq!(sent.is_empty(), i != 1, "guardian {i}");
            out.extend(sent);
        }
        assert!(matches!(out[0], GossipMessage::Proposal { proposer: 1, .. }));
        // Gossip among the living (guardian 1 is the slice's first).
        assert!(gossip(&mut rounds[1..], &heads[1..], 0, out).is_empty());
        for guardian in &rounds[1..] {
            let certified = guardian.latest_certificate().expect("every living guardian holds it");
            assert_eq!(certified.epoch, epoch);
            let certificate = certified.certificate().unwrap();
            assert!(set.is_quorum(certificate.verify(&set, DOMAIN).unwrap()));
        }
    }

    #[test]
    fn a_backup_stays_quiet_once_the_leaders_proposal_came() {
        let (mut rounds, heads, _) = network();
        let (leader, out) = begin(&mut rounds, &heads, 8);
        assert_eq!(leader, 0);
        gossip(&mut rounds, &heads, 0, out);
        assert!(rounds[1].on_mid_epoch(8, &heads[1]).is_empty(), "the backup signed the leader's");
        // A backup's proposal after the leader's is refused by those who signed the leader's.
        let late = rounds[2].on_proposal(8, 1, vec![leaf(902, 9)], None, &heads[2]);
        assert!(matches!(late, Err(Refusal::AlreadySigned(8))));
    }

    /// The registry after guardian 3 was slashed by half and a fifth guardian registered.
    fn changed_registry(set: &GuardianSet) -> Vec<Guardian> {
        let mut members = set.members().to_vec();
        members[3].stake /= 2;
        members.push(Guardian { key: keys()[4].public(), stake: 100 });
        members
    }

    #[test]
    fn a_changed_registry_rotates_every_guardian_to_the_next_set() {
        let (mut rounds, mut heads, set) = network();
        let registry = changed_registry(&set);
        // Guardian 2 has not read the change yet: it refuses to sign the set leaf for now.
        for (i, h) in heads.iter_mut().enumerate() {
            h.1 = Some(if i == 2 { set.members().to_vec() } else { registry.clone() });
        }
        let (leader, out) = begin(&mut rounds, &heads, 8);
        assert_eq!(leader, 0);
        let GossipMessage::Proposal { leaves, next_set: Some(members), .. } = &out[0] else {
            panic!("a proposal naming the next set: {:?}", out[0])
        };
        let next = GuardianSet::new_unchecked_possession(2, registry.clone()).unwrap();
        assert_eq!(leaves.last(), Some(&next.leaf()));
        assert_eq!(SetMember::guardians(members).unwrap(), registry);
        assert!(gossip(&mut rounds, &heads, 0, out).is_empty());
        // Three of four signed (a quorum of set 1): every guardian rotated, guardian 2 too,
        // from the members the proposal carried.
        for guardian in &rounds {
            assert_eq!(**guardian.set(), next, "guardian {}", guardian.index);
            assert_eq!(guardian.rotations().len(), 1);
            let rotation = &guardian.rotations()[0];
            assert_eq!(rotation.verify(&set, DOMAIN).unwrap(), next);
            assert_eq!(rotation.certified.certificate().unwrap().checkpoint.guardian_set_id, 1);
        }
        // The next epoch is certified by set 2, with no set leaf now that it matches.
        for h in &mut heads {
            h.1 = Some(registry.clone());
        }
        // (Epoch 11's leader is member 11 mod 5 = 1 of the five.)
        let (leader, out) = begin(&mut rounds, &heads, 11);
        assert_eq!(leader, 1);
        assert!(gossip(&mut rounds, &heads, 1, out).is_empty());
        let certified = rounds[0].latest_certificate().unwrap().clone();
        assert_eq!(certified.epoch, 11);
        assert!(certified.leaves.iter().all(|l| !l.is_guardian_set()));
        let certificate = certified.certificate().unwrap();
        assert_eq!(certificate.checkpoint.guardian_set_id, 2);
        assert!(next.is_quorum(certificate.verify(&next, DOMAIN).unwrap()));
        assert!(certificate.verify(&set, DOMAIN).is_err(), "set 1 no longer certifies");

        // A guardian that was down catches up from the rotations a leader resends.
        let mut late = Rounds::new(1, keys()[1].clone(), set, DOMAIN);
        assert!(matches!(late.on_certificate(certified.clone()), Err(Refusal::UnknownSet(2))));
        let (_, resent) = begin(&mut rounds, &heads, 16);
        let rotations = resent
            .iter()
            .find_map(|m| match wire(m) {
                GossipMessage::Rotations { rotations } => Some(rotations),
                _ => None,
            })
            .expect("epoch 16's leader resends the rotations");
        assert_eq!(rotations, rounds[0].rotations());
        assert!(late.on_rotations(rotations).unwrap());
        assert_eq!(**late.set(), next);
        assert!(late.on_certificate(certified).unwrap());
    }

    #[test]
    fn a_forged_rotation_is_refused() {
        let (mut rounds, mut heads, set) = network();
        let registry = changed_registry(&set);
        for h in &mut heads {
            h.1 = Some(registry.clone());
        }
        let (_, out) = begin(&mut rounds, &heads, 8);
        gossip(&mut rounds, &heads, 0, out);
        let honest = rounds[0].rotations()[0].clone();
        // Other members than those the certified leaf names.
        let mut forged = honest.clone();
        forged.members[4].stake = U256::from(1_000_000u64);
        assert!(matches!(forged.verify(&set, DOMAIN), Err(MetalayerError::BadRotation(_))));
        // A rotation checked against a set that did not certify it.
        let other = GuardianSet::new_unchecked_possession(1, registry).unwrap();
        assert!(honest.verify(&other, DOMAIN).is_err());
        // Applied twice, the second does not follow the current set.
        let mut late = Rounds::new(0, keys()[0].clone(), set, DOMAIN);
        assert!(late.on_rotations(vec![forged]).is_err());
        assert!(late.on_rotations(vec![honest.clone(), honest]).unwrap());
        assert_eq!(late.set().id(), 2);
    }

    #[test]
    fn a_proposed_set_leaf_is_signed_only_as_the_registry_reads() {
        let (mut rounds, mut heads, set) = network();
        let registry = changed_registry(&set);
        heads[0].1 = Some(registry);
        // Only the leader reads the change: nobody else signs, no certificate, no rotation.
        let (_, out) = begin(&mut rounds, &heads, 8);
        assert!(gossip(&mut rounds, &heads, 0, out).is_empty());
        assert!(rounds.iter().all(|g| g.latest_certificate().is_none() && g.set().id() == 1));
        // A set leaf skipping an id conflicts.
        let skipping = GuardianSet::new_unchecked_possession(3, set.members().to_vec()).unwrap();
        let refused =
            rounds[1].on_proposal(9, 1, vec![leaf(901, 5), skipping.leaf()], None, &heads[1]);
        assert!(matches!(refused, Err(Refusal::ConflictingHead { chain_id: GUARDIAN_SET, .. })));
    }

    #[test]
    fn signatures_of_strangers_and_forged_certificates_are_refused() {
        let (mut rounds, heads, _) = network();
        let (_, out) = begin(&mut rounds, &heads, 16);
        let GossipMessage::Signature { root, signature, .. } = out[1].clone() else {
            panic!("the leader's own signature")
        };
        // Guardian 0's signature claimed by guardian 2, and by a guardian outside the set.
        assert!(rounds[1].on_signature(16, root, 2, &signature).is_err());
        assert!(rounds[1].on_signature(16, root, 9, &signature).is_err());
        // A certificate of one signer's signature.
        let mut builder =
            CertificateBuilder::new(&rounds[1].set, rounds[1].checkpoint(16, root)).unwrap();
        builder.add(0, &Signature::uncompress(&signature).unwrap()).unwrap();
        assert!(builder.finish().is_err(), "one of four is no quorum");
    }
}
