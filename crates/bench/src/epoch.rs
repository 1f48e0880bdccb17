//! `tephra bench epoch`: the cost of one Metalayer epoch in process, through
//! `tephra-metalayer`'s own path: build the checkpoint tree over every chain's leaf, have each
//! guardian sign the checkpoint, aggregate the signatures into a certificate, and verify it
//! against the guardian set (2/3 of stake, one pairing check).
//!
//! Signing is reported per guardian: in a network each guardian signs on its own machine, in
//! parallel, so the epoch's critical path is one signature plus build + aggregate + verify.

use crate::BenchError;
use alloy_primitives::{Address, B256, keccak256};
use std::time::Instant;
use tephra_metalayer::{
    Certificate, CertificateBuilder, Checkpoint, CheckpointTree, Guardian, GuardianKey,
    GuardianSet, Leaf, Signature, domain_separator,
};

/// Figures of one run, each the median over the rounds, in milliseconds.
#[derive(Debug, Clone)]
pub struct EpochReport {
    /// Chains (leaves) in the checkpoint.
    pub chains: usize,
    /// Guardians, all signing.
    pub guardians: usize,
    /// Rounds measured.
    pub rounds: usize,
    /// Building the checkpoint tree (sorting the leaves, hashing the tree).
    pub build_ms: f64,
    /// One guardian's signature (the total over all guardians, divided by their number).
    pub sign_per_guardian_ms: f64,
    /// Aggregating every guardian's signature into the certificate.
    pub aggregate_ms: f64,
    /// Verifying the certificate (stake, key aggregation, pairing check).
    pub verify_ms: f64,
    /// The certificate's size on the wire.
    pub certificate_bytes: usize,
}

impl EpochReport {
    /// Build + aggregate + verify: the epoch's cost besides one (parallel) signature.
    pub fn epoch_ms(&self) -> f64 {
        self.build_ms + self.aggregate_ms + self.verify_ms
    }
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn ms(started: Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1e3
}

/// Runs `rounds` epochs of `chains` leaves signed by `guardians` equally staked guardians.
pub fn epoch_cost(
    chains: usize,
    guardians: usize,
    rounds: usize,
) -> Result<EpochReport, BenchError> {
    let domain = domain_separator(1, Address::repeat_byte(0x42));
    let keys = (0..guardians)
        .map(|i| GuardianKey::from_ikm(keccak256((i as u64).to_be_bytes()).as_slice()))
        .collect::<Result<Vec<_>, _>>()?;
    let members = keys
        .iter()
        .map(|key| (Guardian { key: key.public(), stake: 1_000 }, key.proof_of_possession()))
        .collect();
    let set = GuardianSet::new(1, members)?;
    let (mut build, mut sign, mut aggregate, mut verify) = (vec![], vec![], vec![], vec![]);
    let mut certificate_bytes = 0;
    for round in 0..rounds.max(1) {
        let leaves: Vec<Leaf> = (0..chains as u64)
            .map(|chain| {
                let seed = keccak256([chain.to_be_bytes(), (round as u64).to_be_bytes()].concat());
                Leaf {
                    chain_id: 1_000 + chain * 7,
                    block_number: round as u64,
                    block_hash: seed,
                    state_root: keccak256(seed),
                    outbox_root: keccak256(keccak256(seed)),
                }
            })
            .rev()
            .collect();

        let started = Instant::now();
        let tree = CheckpointTree::new(leaves)?;
        let checkpoint = Checkpoint {
            domain,
            guardian_set_id: set.id(),
            epoch: round as u64,
            root: tree.root(),
        };
        let message: B256 = checkpoint.signing_message();
        build.push(ms(started));

        let started = Instant::now();
        let signatures: Vec<Signature> =
            keys.iter().map(|key| key.sign(message.as_slice())).collect();
        sign.push(ms(started) / guardians as f64);

        let started = Instant::now();
        let mut builder = CertificateBuilder::new(&set, checkpoint)?;
        for (i, signature) in signatures.iter().enumerate() {
            builder.add(i, signature)?;
        }
        let certificate: Certificate = builder.finish()?;
        aggregate.push(ms(started));

        let started = Instant::now();
        certificate.verify(&set, domain)?;
        verify.push(ms(started));
        certificate_bytes = certificate.to_bytes().len();
    }
    Ok(EpochReport {
        chains,
        guardians,
        rounds: build.len(),
        build_ms: median(build),
        sign_per_guardian_ms: median(sign),
        aggregate_ms: median(aggregate),
        verify_ms: median(verify),
        certificate_bytes,
    })
}
