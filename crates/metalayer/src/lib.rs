//! Metalayer's certificate core: what guardians sign, how signatures become a certificate,
//! and how a certificate is checked, in Rust and (through the same byte layouts) by the
//! `MetalayerInbox` and `GuardianIsm` contracts of `contracts/src/metalayer`.
//!
//! Start from [`CheckpointTree`] (one epoch's leaves, one per chain, into the root guardians
//! sign), then [`Checkpoint`] (root + epoch + guardian-set id + domain), [`GuardianKey`] (BLS
//! min-pk signing on blst), [`CertificateBuilder`] (partial signatures into a
//! [`Certificate`]) and [`Certificate::verify`] (2/3 of the [`GuardianSet`]'s stake). The
//! [`hyperlane`] module rebuilds Hyperlane's MerkleTreeHook tree to prove one message, and
//! [`abi`] has the contracts' interfaces and the ISM's metadata layout. [`registry`] is the L1
//! side of guardians: the ERA token, the `GuardianRegistry` of keys and stakes (the source of
//! guardian sets), and equivocation evidence ([`Equivocation`], found by
//! [`EquivocationWatch`]) that burns half of an offender's stake there.
//!
//! On that core: [`guardian`] is the guardian process (followers that verify heads, the epoch
//! protocol, gossip, the certificates API), [`importer`] a rollup's import of certificates
//! through its sequencer, [`relayer`] the relayer, and [`predeploy`] the contracts every
//! rollup holds from genesis. [`reads`] builds the evidence of proven
//! cross-rollup reads for `MetalayerState` and the `MetalayerRouter`.

pub mod abi;
pub mod artifacts;
pub mod bls;
mod certificate;
mod checkpoint;
pub mod guardian;
pub mod hyperlane;
pub mod importer;
pub mod predeploy;
pub mod reads;
pub mod registry;
pub mod relayer;

pub use bls::GuardianKey;
pub use blst::{
    BLST_ERROR,
    min_pk::{PublicKey, Signature},
};
pub use certificate::{Certificate, CertificateBuilder, Guardian, GuardianSet, signer_indices};
pub use checkpoint::{
    Checkpoint, CheckpointTree, FINALIZED, GUARDIAN_SET, Leaf, LeafProof, domain_separator,
};
pub use registry::{
    Equivocation, EquivocationWatch, GuardianRecord, Offence, RegistryError, SignedCheckpoint,
    SignedHead,
};

use alloy_primitives::B256;

/// What the certificate core refuses, with the input that failed.
#[derive(Debug, thiserror::Error)]
pub enum MetalayerError {
    /// Two leaves of one checkpoint name the same chain.
    #[error("two leaves for chain {0}")]
    DuplicateChain(u64),
    /// blst refused an operation.
    #[error("BLS {0}: {1:?}")]
    Bls(&'static str, BLST_ERROR),
    /// A guardian set without members.
    #[error("a guardian set needs at least one member")]
    EmptyGuardianSet,
    /// A member with no stake.
    #[error("guardian {0} has no stake")]
    ZeroStake(usize),
    /// A key listed twice in one set.
    #[error("guardian {0} repeats an earlier member's key")]
    DuplicateGuardian(usize),
    /// The stakes do not fit 128 bits.
    #[error("the total stake overflows")]
    StakeOverflow,
    /// A signer index outside the set.
    #[error("no guardian {0} in the set")]
    UnknownGuardian(usize),
    /// A second signature by one guardian.
    #[error("guardian {0} already signed")]
    DuplicateSigner(usize),
    /// A bitmap of the wrong length or naming a guardian past the set.
    #[error("signer bitmap does not match the guardian set")]
    BadBitmap,
    /// Signers below 2/3 of the stake.
    #[error("signers hold {signed} of {total} stake, below 2/3")]
    InsufficientStake {
        /// The signers' stake.
        signed: u128,
        /// The set's total.
        total: u128,
    },
    /// A checkpoint of another network.
    #[error("checkpoint domain {got}, expected {expected}")]
    WrongDomain {
        /// The verifier's domain.
        expected: B256,
        /// The checkpoint's.
        got: B256,
    },
    /// A checkpoint of another guardian set.
    #[error("checkpoint of guardian set {got}, expected {expected}")]
    WrongGuardianSet {
        /// The verifier's set id.
        expected: u64,
        /// The checkpoint's.
        got: u64,
    },
    /// The zero root certifies nothing.
    #[error("the zero root")]
    ZeroRoot,
    /// A hand-over to the next guardian set that does not hold, and why.
    #[error("guardian set rotation: {0}")]
    BadRotation(&'static str),
    /// Bytes that are not a certificate.
    #[error("malformed certificate bytes")]
    MalformedCertificate,
}
