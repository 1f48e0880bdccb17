//! Certificates produced in Rust (blst) checked by `MetalayerInbox` on an in-process Tephra
//! chain: hash-to-G2 agreement (with RFC 9380's vectors), acceptance, every refusal by name,
//! and the gas of one certificate check for 4 and 500 guardians.

mod support;

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_sol_types::SolValue;
use support::{Node, guardians};
use tephra_metalayer::{
    Certificate, CertificateBuilder, Checkpoint, GuardianKey, GuardianSet, MetalayerError,
    abi::{
        self, IBLS12381Harness,
        IMetalayerInbox::{self, IMetalayerInboxErrors as Errors},
    },
    artifacts, bls, domain_separator,
};

const DOMAIN_L1: u64 = 900;

fn domain() -> B256 {
    domain_separator(DOMAIN_L1, Address::repeat_byte(0x42))
}

/// A chain with a `MetalayerInbox` for [`domain`] holding `set`, owned by account 0.
fn inbox_with(set: &GuardianSet) -> (Node, Address) {
    inbox_on(Node::new(77), set)
}

fn inbox_on(mut node: Node, set: &GuardianSet) -> (Node, Address) {
    let code =
        artifacts::METALAYER_INBOX.deploy_code(&(domain(), node.sender()).abi_encode_params());
    let inbox = node.deploy(code);
    install(&mut node, inbox, set);
    (node, inbox)
}

fn install(node: &mut Node, inbox: Address, set: &GuardianSet) -> u64 {
    if set.members().len() <= GuardianSet::MEMBERS_PER_CALL {
        let (keys, stakes) = set.contract_arguments();
        let call = IMetalayerInbox::setGuardianSetCall {
            setId: set.id(),
            publicKeys: keys.into(),
            stakes,
        };
        return node.transact(inbox, call).gas_used;
    }
    let mut gas = 0;
    for (keys, stakes) in set.contract_argument_chunks() {
        let call =
            IMetalayerInbox::addGuardiansCall { setId: set.id(), publicKeys: keys.into(), stakes };
        gas += node.transact(inbox, call).gas_used;
    }
    gas + node
        .transact(inbox, IMetalayerInbox::activateGuardianSetCall { setId: set.id() })
        .gas_used
}

fn checkpoint(set: &GuardianSet, epoch: u64) -> Checkpoint {
    Checkpoint {
        domain: domain(),
        guardian_set_id: set.id(),
        epoch,
        root: keccak256(epoch.to_be_bytes()),
    }
}

/// The certificate of `checkpoint` signed by the guardians at `signers`.
fn certify(
    keys: &[GuardianKey],
    set: &GuardianSet,
    checkpoint: Checkpoint,
    signers: impl IntoIterator<Item = usize>,
) -> Certificate {
    let mut builder = CertificateBuilder::new(set, checkpoint).unwrap();
    let message = checkpoint.signing_message();
    for i in signers {
        builder.add_verified(i, &keys[i].sign(message.as_slice())).unwrap();
    }
    builder.finish().unwrap()
}

fn submit_call(certificate: &Certificate) -> IMetalayerInbox::submitCall {
    submit_raw(
        &certificate.checkpoint,
        certificate.signers.clone(),
        certificate.contract_signature().to_vec(),
    )
}

fn submit_raw(
    checkpoint: &Checkpoint,
    signers: Vec<u8>,
    signature: Vec<u8>,
) -> IMetalayerInbox::submitCall {
    IMetalayerInbox::submitCall {
        checkpoint: abi::Checkpoint::from(checkpoint),
        signers: signers.into(),
        signature: signature.into(),
    }
}

/// Gas of a transaction that only checks `certificate` (`verifyCertificate`, nothing stored),
/// and the signed stake it returns.
fn check_gas(node: &mut Node, inbox: Address, certificate: &Certificate) -> u64 {
    let call = IMetalayerInbox::verifyCertificateCall {
        checkpoint: abi::Checkpoint::from(&certificate.checkpoint),
        signers: certificate.signers.clone().into(),
        signature: certificate.contract_signature().to_vec().into(),
    };
    let signed: U256 = node.call(inbox, call.clone());
    assert!(signed > U256::ZERO);
    node.transact(inbox, call).gas_used
}

fn certified(node: &Node, inbox: Address, root: B256) -> bool {
    node.call(inbox, IMetalayerInbox::isCertifiedCall { root })
}

#[test]
fn hash_to_g2_agrees_with_blst() {
    let mut node = Node::new(77);
    let harness = node.deploy(artifacts::BLS12381_HARNESS.deploy_code(&[]));
    let (_, set) = guardians(1, 1, |_| 1);
    let (inbox_node, inbox) = inbox_with(&set);
    let messages: Vec<Vec<u8>> =
        vec![vec![], b"abc".to_vec(), keccak256(b"checkpoint").to_vec(), (0..200u8).collect()];
    for message in messages {
        let expected = bls::hash_to_g2(&message);
        let on_chain: Bytes = node.call(
            harness,
            IBLS12381Harness::hashToG2Call {
                message: message.clone().into(),
                dst: bls::DST.to_vec().into(),
            },
        );
        assert_eq!(on_chain.as_ref(), expected.as_slice(), "message {message:?}");
        let via_inbox: Bytes =
            inbox_node.call(inbox, IMetalayerInbox::hashToG2Call { message: message.into() });
        assert_eq!(via_inbox.as_ref(), expected.as_slice());
    }
}

/// RFC 9380 Appendix J.10.1 (testdata/rfc9380_j10_1.json): both blst and the Solidity
/// hash-to-G2 give the published points.
#[test]
fn hash_to_g2_matches_rfc9380_vectors() {
    let vectors: serde_json::Value =
        serde_json::from_str(include_str!("../testdata/rfc9380_j10_1.json")).unwrap();
    let dst = vectors["dst"].as_str().unwrap().as_bytes().to_vec();
    let mut node = Node::new(77);
    let harness = node.deploy(artifacts::BLS12381_HARNESS.deploy_code(&[]));
    let vectors = vectors["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 2);
    for vector in vectors {
        let mut expected = Vec::new();
        for coordinate in ["x_c0", "x_c1", "y_c0", "y_c1"] {
            let bytes =
                alloy_primitives::hex::decode(vector[coordinate].as_str().unwrap()).unwrap();
            expected.extend_from_slice(&[0u8; 16]);
            expected.extend_from_slice(&bytes);
        }
        let message = vector["msg"].as_str().unwrap().as_bytes().to_vec();
        assert_eq!(bls::hash_to_g2_with_dst(&message, &dst).to_vec(), expected, "blst");
        let on_chain: Bytes = node.call(
            harness,
            IBLS12381Harness::hashToG2Call { message: message.into(), dst: dst.clone().into() },
        );
        assert_eq!(on_chain.to_vec(), expected, "Solidity");
    }
}

#[test]
fn certificate_of_four_guardians_is_accepted() {
    let (keys, set) = guardians(4, 1, |_| 100);
    let (mut node, inbox) = inbox_with(&set);
    let cp = checkpoint(&set, 1);
    let certificate = certify(&keys, &set, cp, 0..3);
    assert_eq!(certificate.verify(&set, domain()).unwrap(), 300);
    // The wire form round-trips.
    assert_eq!(Certificate::from_bytes(&certificate.to_bytes()).unwrap(), certificate);
    // The signing message is the contract's.
    let on_chain: B256 =
        node.call(inbox, IMetalayerInbox::signingMessageCall { checkpoint: (&cp).into() });
    assert_eq!(on_chain, cp.signing_message());
    assert!(!certified(&node, inbox, cp.root));
    let check = check_gas(&mut node, inbox, &certificate);
    let outcome = node.transact(inbox, submit_call(&certificate));
    assert!(certified(&node, inbox, cp.root));
    assert_eq!(outcome.logs.len(), 1, "CheckpointCertified");
    println!(
        "gas, 4 guardians, 3 signing: check alone {check} (transaction to verifyCertificate), submit {}; certificate {} bytes on the wire",
        outcome.gas_used,
        certificate.to_bytes().len()
    );
    // All four.
    let all = certify(&keys, &set, checkpoint(&set, 2), 0..4);
    let check = check_gas(&mut node, inbox, &all);
    let outcome = node.transact(inbox, submit_call(&all));
    println!("gas, 4 guardians, 4 signing: check alone {check}, submit {}", outcome.gas_used);
}

#[test]
fn gas_of_a_certificate_of_500_guardians() {
    let (keys, set) = guardians(500, 1, |_| 1_000);
    let (mut node, inbox) = inbox_with(&set);
    let cp = checkpoint(&set, 1);
    // 334 of 500: the smallest 2/3 quorum, 166 non-signers subtracted on chain.
    let quorum = certify(&keys, &set, cp, 0..334);
    let quorum_check = check_gas(&mut node, inbox, &quorum);
    let quorum_gas = node.transact(inbox, submit_call(&quorum)).gas_used;
    assert!(certified(&node, inbox, cp.root));
    let all = certify(&keys, &set, checkpoint(&set, 2), 0..500);
    let all_check = check_gas(&mut node, inbox, &all);
    let all_gas = node.transact(inbox, submit_call(&all)).gas_used;
    let calldata = submit_call(&quorum).abi_encode_len();
    println!(
        "gas, 500 guardians: 334 signing: check alone {quorum_check}, submit {quorum_gas}; 500 signing: check alone {all_check}, submit {all_gas}; certificate {} bytes on the wire, {calldata} bytes of calldata",
        quorum.to_bytes().len()
    );
    // Below the quorum by one guardian.
    let short = submit_raw(
        &checkpoint(&set, 3),
        quorum_bitmap(500, 333),
        quorum.contract_signature().to_vec(),
    );
    node.refused::<_, Errors>(inbox, short, |e| matches!(e, Errors::InsufficientStake(_)));
}

fn quorum_bitmap(n: usize, signers: usize) -> Vec<u8> {
    let mut bitmap = vec![0u8; n.div_ceil(8)];
    for i in 0..signers {
        bitmap[i / 8] |= 1 << (i % 8);
    }
    bitmap
}

trait CallLen {
    fn abi_encode_len(&self) -> usize;
}

impl CallLen for IMetalayerInbox::submitCall {
    fn abi_encode_len(&self) -> usize {
        alloy_sol_types::SolCall::abi_encode(self).len()
    }
}

#[test]
fn below_two_thirds_of_stake_refused() {
    // Stakes 100, 100, 100, 301: three guardians hold 300 of 601, below 2/3.
    let (keys, set) = guardians(4, 1, |i| if i == 3 { 301 } else { 100 });
    let (mut node, inbox) = inbox_with(&set);
    let cp = checkpoint(&set, 1);
    let mut builder = CertificateBuilder::new(&set, cp).unwrap();
    for (i, key) in keys.iter().enumerate().take(3) {
        builder.add(i, &key.sign(cp.signing_message().as_slice())).unwrap();
    }
    assert!(matches!(
        builder.finish(),
        Err(MetalayerError::InsufficientStake { signed: 300, total: 601 })
    ));
    // The same signatures forced into a certificate: refused on chain.
    let signature = bls::g2_to_eip2537(
        &blst::min_pk::AggregateSignature::aggregate(
            &(0..3)
                .map(|i| keys[i].sign(cp.signing_message().as_slice()))
                .collect::<Vec<_>>()
                .iter()
                .collect::<Vec<_>>(),
            false,
        )
        .unwrap()
        .to_signature(),
    );
    let call = submit_raw(&cp, vec![0b0111], signature.to_vec());
    node.refused::<_, Errors>(inbox, call, |e| {
        matches!(e, Errors::InsufficientStake(x) if x.signed == U256::from(300) && x.total == U256::from(601))
    });
    // Guardian 3 alone plus one other is a quorum: 401 of 601.
    let ok = certify(&keys, &set, cp, [0, 3]);
    node.transact(inbox, submit_call(&ok));
    assert!(certified(&node, inbox, cp.root));
}

#[test]
fn signer_counted_twice_refused() {
    let (keys, set) = guardians(4, 1, |_| 100);
    let (mut node, inbox) = inbox_with(&set);
    let cp = checkpoint(&set, 1);
    let message = cp.signing_message();
    // In Rust: a second signature by guardian 0 is refused.
    let mut builder = CertificateBuilder::new(&set, cp).unwrap();
    builder.add(0, &keys[0].sign(message.as_slice())).unwrap();
    assert!(matches!(
        builder.add(0, &keys[0].sign(message.as_slice())),
        Err(MetalayerError::DuplicateSigner(0))
    ));
    // On chain: guardian 0's signature twice and guardian 1's, with a bitmap naming 0, 1, 2,
    // does not verify (a bitmap names each guardian once, so the stake of 0 counts once and
    // the missing signature of 2 shows).
    let signatures = [0, 0, 1].map(|i| keys[i].sign(message.as_slice()));
    let twice =
        blst::min_pk::AggregateSignature::aggregate(&signatures.iter().collect::<Vec<_>>(), false)
            .unwrap()
            .to_signature();
    let call = submit_raw(&cp, vec![0b0111], bls::g2_to_eip2537(&twice).to_vec());
    node.refused::<_, Errors>(inbox, call, |e| matches!(e, Errors::InvalidSignature(_)));
    assert!(!certified(&node, inbox, cp.root));
}

#[test]
fn old_guardian_set_refused() {
    let (keys, set) = guardians(4, 1, |_| 100);
    let (mut node, inbox) = inbox_with(&set);
    let old = certify(&keys, &set, checkpoint(&set, 1), 0..4);
    // Set 2 replaces set 1 (one member rotated).
    let (new_keys, _) = guardians(5, 2, |_| 100);
    let members = new_keys[1..5]
        .iter()
        .map(|k| {
            (tephra_metalayer::Guardian { key: k.public(), stake: 100 }, k.proof_of_possession())
        })
        .collect();
    let set2 = GuardianSet::new(2, members).unwrap();
    install(&mut node, inbox, &set2);
    assert_eq!(node.call(inbox, IMetalayerInbox::guardianSetIdCall {}), 2);
    assert!(matches!(
        old.verify(&set2, domain()),
        Err(MetalayerError::WrongGuardianSet { expected: 2, got: 1 })
    ));
    node.refused::<_, Errors>(
        inbox,
        submit_call(&old),
        |e| matches!(e, Errors::WrongGuardianSet(x) if x.expected == 2 && x.got == 1),
    );
    // Reinstalling an old id is refused too.
    let (k, stakes) = set.contract_arguments();
    let reinstall = IMetalayerInbox::setGuardianSetCall { setId: 1, publicKeys: k.into(), stakes };
    node.refused::<_, Errors>(inbox, reinstall, |e| matches!(e, Errors::StaleGuardianSet(_)));
    // The new set certifies.
    let fresh = certify(&new_keys[1..5], &set2, checkpoint(&set2, 2), 0..3);
    node.transact(inbox, submit_call(&fresh));
}

#[test]
fn wrong_domain_refused() {
    let (keys, set) = guardians(4, 1, |_| 100);
    let (mut node, inbox) = inbox_with(&set);
    let mut cp = checkpoint(&set, 1);
    cp.domain = domain_separator(DOMAIN_L1 + 1, Address::repeat_byte(0x42));
    let certificate = certify(&keys, &set, cp, 0..4);
    assert!(matches!(certificate.verify(&set, domain()), Err(MetalayerError::WrongDomain { .. })));
    node.refused::<_, Errors>(inbox, submit_call(&certificate), |e| {
        matches!(e, Errors::WrongDomain(_))
    });
    // Signed for this domain but submitted under another's label: the signature fails.
    let good = certify(&keys, &set, checkpoint(&set, 1), 0..4);
    let relabelled = submit_raw(
        &Checkpoint { epoch: 9, ..good.checkpoint },
        good.signers.clone(),
        good.contract_signature().to_vec(),
    );
    node.refused::<_, Errors>(inbox, relabelled, |e| matches!(e, Errors::InvalidSignature(_)));
}

#[test]
fn zero_root_refused() {
    let (keys, set) = guardians(4, 1, |_| 100);
    let (mut node, inbox) = inbox_with(&set);
    let cp = Checkpoint { root: B256::ZERO, ..checkpoint(&set, 1) };
    let mut builder = CertificateBuilder::new(&set, cp).unwrap();
    for (i, key) in keys.iter().enumerate() {
        builder.add(i, &key.sign(cp.signing_message().as_slice())).unwrap();
    }
    let certificate = builder.finish().unwrap();
    assert!(matches!(certificate.verify(&set, domain()), Err(MetalayerError::ZeroRoot)));
    node.refused::<_, Errors>(inbox, submit_call(&certificate), |e| {
        matches!(e, Errors::ZeroRoot(_))
    });
    assert!(!certified(&node, inbox, B256::ZERO));
}

#[test]
fn malformed_bitmap_refused() {
    let (keys, set) = guardians(4, 1, |_| 100);
    let (mut node, inbox) = inbox_with(&set);
    let certificate = certify(&keys, &set, checkpoint(&set, 1), 0..4);
    // A bit past the fourth guardian, and a bitmap one byte too long.
    for signers in [vec![0b1_1111], vec![0b1111, 0]] {
        assert!(tephra_metalayer::signer_indices(&signers, 4).is_err());
        let call =
            submit_raw(&certificate.checkpoint, signers, certificate.contract_signature().to_vec());
        node.refused::<_, Errors>(inbox, call, |e| matches!(e, Errors::BadBitmap(_)));
    }
}

#[test]
fn certificate_submitted_twice_refused() {
    let (keys, set) = guardians(4, 1, |_| 100);
    let (mut node, inbox) = inbox_with(&set);
    let certificate = certify(&keys, &set, checkpoint(&set, 1), 0..4);
    node.transact(inbox, submit_call(&certificate));
    node.refused::<_, Errors>(inbox, submit_call(&certificate), |e| {
        matches!(e, Errors::AlreadyCertified(_))
    });
}

#[test]
fn signature_of_another_checkpoint_refused() {
    let (keys, set) = guardians(4, 1, |_| 100);
    let (mut node, inbox) = inbox_with(&set);
    let a = certify(&keys, &set, checkpoint(&set, 1), 0..4);
    let b = certify(&keys, &set, checkpoint(&set, 2), 0..4);
    let swapped = Certificate { signature: b.signature, ..a.clone() };
    assert!(matches!(swapped.verify(&set, domain()), Err(MetalayerError::Bls(..))));
    node.refused::<_, Errors>(inbox, submit_call(&swapped), |e| {
        matches!(e, Errors::InvalidSignature(_))
    });
    node.refused::<_, Errors>(
        inbox,
        submit_raw(&a.checkpoint, a.signers.clone(), vec![0; 256]),
        |e| matches!(e, Errors::InvalidSignature(_)),
    );
}

/// A checkpoint tree of one chain's head and the leaf naming `next`, certified by `set`.
fn rotation_tree(next: &GuardianSet) -> tephra_metalayer::CheckpointTree {
    let head = tephra_metalayer::Leaf {
        chain_id: 901,
        block_number: 7,
        block_hash: B256::repeat_byte(1),
        state_root: B256::repeat_byte(2),
        outbox_root: B256::repeat_byte(3),
    };
    tephra_metalayer::CheckpointTree::new(vec![head, next.leaf()]).unwrap()
}

fn rotate_call(
    root: B256,
    proof: &tephra_metalayer::LeafProof,
    set: &GuardianSet,
) -> IMetalayerInbox::rotateGuardianSetCall {
    let (keys, stakes) = set.contract_arguments();
    IMetalayerInbox::rotateGuardianSetCall {
        root,
        index: U256::from(proof.index),
        proof: proof.siblings.clone(),
        setId: set.id(),
        publicKeys: keys.into(),
        stakes,
    }
}

#[test]
fn a_set_certified_by_the_current_one_rotates_the_inbox_and_nothing_else_does() {
    let (keys, set) = guardians(5, 1, |_| 100);
    let (mut node, inbox) = inbox_on(Node::with_accounts(77, 2), &set);
    // Set 2: guardian 3 slashed by half, and a sixth guardian.
    let (all_keys, _) = guardians(6, 1, |_| 100);
    let members: Vec<_> = (0..6)
        .map(|i| tephra_metalayer::Guardian {
            key: all_keys[i].public(),
            stake: if i == 3 { 50 } else { 100 },
        })
        .collect();
    let next = GuardianSet::new_unchecked_possession(2, members).unwrap();
    let tree = rotation_tree(&next);
    let proof = tree.proof(tephra_metalayer::GUARDIAN_SET).unwrap();
    let cp = Checkpoint { root: tree.root(), ..checkpoint(&set, 10) };

    // Before its root is certified, the rotation is refused.
    node.refused::<_, Errors>(inbox, rotate_call(cp.root, &proof, &next), |e| {
        matches!(e, Errors::NotCertifiedByCurrentSet(_))
    });
    node.transact(inbox, submit_call(&certify(&keys, &set, cp, 0..4)));
    // Other members or stakes than the leaf names, another id, or a forged proof: refused.
    let mut richer = next.members().to_vec();
    richer[5].stake = 1_000;
    let forged = GuardianSet::new_unchecked_possession(2, richer).unwrap();
    node.refused::<_, Errors>(inbox, rotate_call(cp.root, &proof, &forged), |e| {
        matches!(e, Errors::InvalidSetProof(_))
    });
    let renumbered = GuardianSet::new_unchecked_possession(3, next.members().to_vec()).unwrap();
    node.refused::<_, Errors>(inbox, rotate_call(cp.root, &proof, &renumbered), |e| {
        matches!(e, Errors::InvalidSetProof(_))
    });
    let mut bad_proof = proof.clone();
    bad_proof.siblings[0] = B256::repeat_byte(9);
    node.refused::<_, Errors>(inbox, rotate_call(cp.root, &bad_proof, &next), |e| {
        matches!(e, Errors::InvalidSetProof(_))
    });

    // The certified hand-over installs set 2, from anyone (account 1 does not own the inbox).
    let gas = node.transact_from(1, inbox, rotate_call(cp.root, &proof, &next)).gas_used;
    println!("rotateGuardianSet to 6 guardians: {gas} gas");
    assert_eq!(node.call(inbox, IMetalayerInbox::guardianSetIdCall {}), 2);
    assert_eq!(node.call(inbox, IMetalayerInbox::totalStakeCall {}), U256::from(550));
    // Replaying it is stale; set 1's certificates are refused, set 2's accepted, and the
    // slashed guardian's stake counts for half: 0, 1, 2, 4 and 5 hold 500 of 550.
    node.refused::<_, Errors>(inbox, rotate_call(cp.root, &proof, &next), |e| {
        matches!(e, Errors::NotCertifiedByCurrentSet(_))
    });
    let old = certify(&keys, &set, checkpoint(&set, 11), 0..4);
    node.refused::<_, Errors>(
        inbox,
        submit_call(&old),
        |e| matches!(e, Errors::WrongGuardianSet(x) if x.expected == 2 && x.got == 1),
    );
    // Guardians 0-3 held 4 of 5 stakes of set 1, but hold 350 of 550 in set 2: below 2/3.
    let low = checkpoint(&next, 12);
    let signatures: Vec<_> =
        (0..4).map(|i| all_keys[i].sign(low.signing_message().as_slice())).collect();
    let aggregate =
        blst::min_pk::AggregateSignature::aggregate(&signatures.iter().collect::<Vec<_>>(), false)
            .unwrap()
            .to_signature();
    let call = submit_raw(&low, vec![0b00_1111], bls::g2_to_eip2537(&aggregate).to_vec());
    node.refused::<_, Errors>(inbox, call, |e| {
        matches!(e, Errors::InsufficientStake(x) if x.signed == U256::from(350) && x.total == U256::from(550))
    });
    let fresh = certify(&all_keys, &next, checkpoint(&next, 12), [0, 1, 2, 4]);
    node.transact(inbox, submit_call(&fresh));
    assert!(certified(&node, inbox, fresh.checkpoint.root));
}
