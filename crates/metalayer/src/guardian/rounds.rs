//! The guardians' epoch protocol, without I/O: what a guardian does with a new epoch, a
//! proposal, a partial signature or a certificate, and what it sends in return.
//!
//! Epoch `e` (wall-clock milliseconds / epoch length, the same on every guardian) has one
//! leader, member `e mod n`. At the epoch's start the leader proposes the leaves of the latest
//! heads it verified and signs their checkpoint. Every other guardian signs the proposal's
//! checkpoint only once it has verified each proposed head itself (it waits for its followers
//! to reach a head it has not seen yet, and refuses a proposal naming a head that conflicts
//! with one it verified), and at most one checkpoint per epoch. Every guardian checks and
//! gathers the signatures, and builds the certificate once signers of 2/3 of the stake signed
//! a checkpoint whose leaves it knows; the leader also sends it, for those that missed some.
//! A certificate received is checked against the set, and its leaves against its root, before
//! it is kept.

use crate::{
    Certificate, CertificateBuilder, Checkpoint, CheckpointTree, GuardianKey, GuardianSet, Leaf,
    MetalayerError, Signature, bls::DST,
};
use alloy_primitives::{B256, Bytes};
use serde::{Deserialize, Serialize};
use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
};

/// Epochs a proposal may wait for its heads to be verified before it is dropped.
const PROPOSAL_PATIENCE: u64 = 8;
/// Certificates kept for the API.
const CERTIFICATES_KEPT: usize = 4096;

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
        /// The heads, one per chain.
        leaves: Vec<Leaf>,
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
}

/// Why a guardian dropped an input (logged; nothing is sent).
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// A proposal from a guardian who does not lead that epoch.
    #[error("proposal for epoch {epoch} from guardian {proposer}, whose leader is {leader}")]
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
    domain: B256,
    /// The checkpoint root this guardian signed, by epoch: never two per epoch.
    signed: BTreeMap<u64, B256>,
    /// Proposals waiting for this guardian's followers.
    waiting: BTreeMap<u64, Vec<Leaf>>,
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

    fn checkpoint(&self, epoch: u64, root: B256) -> Checkpoint {
        Checkpoint { domain: self.domain, guardian_set_id: self.set.id(), epoch, root }
    }

    /// A new epoch began: the leader proposes and signs; every guardian forgets old state.
    pub fn on_epoch(&mut self, epoch: u64, heads: &impl VerifiedHeads) -> Vec<GossipMessage> {
        self.current = self.current.max(epoch);
        self.forget_before(epoch.saturating_sub(PROPOSAL_PATIENCE));
        let mut out = Vec::new();
        if self.leader(epoch) != self.index {
            return out;
        }
        let leaves = heads.latest();
        if leaves.is_empty() {
            return out;
        }
        out.push(GossipMessage::Proposal { epoch, proposer: self.index, leaves: leaves.clone() });
        self.waiting.insert(epoch, leaves);
        out.extend(self.sign_ready(heads));
        out
    }

    /// A proposal arrived (from gossip, or this guardian's own).
    pub fn on_proposal(
        &mut self,
        epoch: u64,
        proposer: usize,
        leaves: Vec<Leaf>,
        heads: &impl VerifiedHeads,
    ) -> Result<Vec<GossipMessage>, Refusal> {
        if epoch < self.horizon || epoch > self.current + 1 {
            return Err(Refusal::OutOfWindow { epoch, current: self.current });
        }
        let leader = self.leader(epoch);
        if proposer != leader {
            return Err(Refusal::NotLeader { epoch, proposer, leader });
        }
        if let Some(root) = self.signed.get(&epoch) {
            let proposed = CheckpointTree::new(leaves)?.root();
            return if *root == proposed {
                Ok(Vec::new())
            } else {
                Err(Refusal::AlreadySigned(epoch))
            };
        }
        if let Some(conflict) = leaves.iter().find(|l| heads.check(l) == HeadCheck::Conflicts) {
            return Err(Refusal::ConflictingHead {
                epoch,
                chain_id: conflict.chain_id,
                number: conflict.block_number,
            });
        }
        self.waiting.insert(epoch, leaves);
        Ok(self.sign_ready(heads))
    }

    /// This guardian's followers verified more heads: sign the proposals now fully verified,
    /// drop those that conflict.
    pub fn sign_ready(&mut self, heads: &impl VerifiedHeads) -> Vec<GossipMessage> {
        let mut out = Vec::new();
        let epochs: Vec<u64> = self.waiting.keys().copied().collect();
        for epoch in epochs {
            let leaves = &self.waiting[&epoch];
            let checks: Vec<HeadCheck> = leaves.iter().map(|leaf| heads.check(leaf)).collect();
            if checks.contains(&HeadCheck::Conflicts) {
                self.waiting.remove(&epoch);
                continue;
            }
            if checks.contains(&HeadCheck::NotYet) {
                continue;
            }
            let leaves = self.waiting.remove(&epoch).expect("present");
            let Ok(tree) = CheckpointTree::new(leaves.clone()) else { continue };
            let root = tree.root();
            if self.signed.contains_key(&epoch) {
                continue;
            }
            self.signed.insert(epoch, root);
            self.leaves.insert((epoch, root), leaves);
            let signature =
                self.key.sign(self.checkpoint(epoch, root).signing_message().as_slice());
            let message = GossipMessage::Signature {
                epoch,
                root,
                signer: self.index,
                signature: signature.compress().to_vec().into(),
            };
            out.push(message);
            if let Ok(Some(certificate)) = self.gather(epoch, root, self.index, signature) {
                out.push(certificate);
            }
        }
        out
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
        let guardian =
            self.set.members().get(signer).ok_or(MetalayerError::UnknownGuardian(signer))?;
        let message = self.checkpoint(epoch, root).signing_message();
        let verified = signature.verify(true, message.as_slice(), DST, &[], &guardian.key, true);
        if verified != blst::BLST_ERROR::BLST_SUCCESS {
            return Err(MetalayerError::Bls("partial signature", verified).into());
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
        // Every guardian sees the signatures and keeps the certificate; the leader alone
        // sends it, for guardians that missed some (the others would send the same bytes).
        Ok((self.leader(epoch) == self.index).then_some(GossipMessage::Certificate(certified)))
    }

    /// A certificate arrived: kept if it verifies and its leaves give its root.
    pub fn on_certificate(&mut self, certified: CertifiedCheckpoint) -> Result<bool, Refusal> {
        if self.certified.contains_key(&certified.epoch) {
            return Ok(false);
        }
        let certificate = certified.certificate()?;
        certificate.verify(&self.set, self.domain)?;
        if certificate.checkpoint.epoch != certified.epoch
            || certified.tree()?.root() != certificate.checkpoint.root
        {
            return Err(Refusal::LeavesMismatch(certified.epoch));
        }
        self.keep(certified);
        Ok(true)
    }

    fn keep(&mut self, certified: CertifiedCheckpoint) {
        self.certified.insert(certified.epoch, certified);
        while self.certified.len() > CERTIFICATES_KEPT {
            self.certified.pop_first();
        }
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
