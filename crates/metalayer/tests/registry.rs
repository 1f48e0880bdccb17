//! ERA and the `GuardianRegistry` on an in-process Tephra chain: four guardians registered
//! with real blst keys and proofs of possession, the guardian set built from the registry's
//! views (and installed in a `MetalayerInbox`), both kinds of equivocation slashed end to end
//! by a third party, and every refusal by its custom error. Prints the gas of `register` and
//! of each slashing.

mod support;

use alloy_primitives::{Address, B256, Log, TxKind, U256, keccak256};
use alloy_sol_types::{SolEvent, SolValue};
use support::{Node, guardians};
use tephra_metalayer::{
    CertificateBuilder, Checkpoint, CheckpointTree, Equivocation, EquivocationWatch, GuardianKey,
    GuardianRecord, GuardianSet, Leaf, Offence, SignedCheckpoint, SignedHead,
    abi::{
        IEraToken,
        IGuardianRegistry::{self, IGuardianRegistryErrors as Errors},
        IMetalayerInbox,
    },
    artifacts, bls, domain_separator,
    registry::{self, slash_amount},
};

const CHAIN_ID: u64 = 900;
/// Account 0 holds the ERA supply and deploys; 1..=4 operate guardians 0..=3; 5 is a watcher
/// with no stake who submits evidence.
const WATCHER: usize = 5;
const GUARDIANS: usize = 4;

fn era(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18))
}

/// Guardian `i`'s stake: 1000, 2000, 3000, 4000 ERA (distinct, so order shows).
fn stake(i: usize) -> U256 {
    era(1000 * (i as u64 + 1))
}

struct World {
    node: Node,
    era: Address,
    registry: Address,
    domain: B256,
    keys: Vec<GuardianKey>,
    /// The set `support::guardians` builds from the same keys and stakes, in Rust alone.
    set: GuardianSet,
    register_gas: Vec<u64>,
}

/// ERA and a registry deployed, nobody registered.
fn deployed() -> World {
    let mut node = Node::with_accounts(CHAIN_ID, WATCHER as u32 + 1);
    let holder = node.sender();
    let era = node.deploy(registry::era_deploy_code(holder));
    let registry = node.deploy(registry::registry_deploy_code(era));
    let domain = domain_separator(CHAIN_ID, registry);
    assert_eq!(node.call(registry, IGuardianRegistry::domainCall {}), domain);
    assert_eq!(node.call(registry, IGuardianRegistry::tokenCall {}), era);
    let (keys, set) = guardians(GUARDIANS, 1, |i| stake(i).to::<u128>());
    World { node, era, registry, domain, keys, set, register_gas: vec![] }
}

/// [`deployed`] with the four guardians registered by their operators.
fn registered() -> World {
    let mut w = deployed();
    for i in 0..GUARDIANS {
        let operator = w.node.account(i + 1);
        w.node.transact(w.era, IEraToken::transferCall { to: operator, value: stake(i) });
        w.node.transact_from(
            i + 1,
            w.era,
            IEraToken::approveCall { spender: w.registry, value: stake(i) },
        );
        let key = &w.keys[i];
        let calldata =
            registry::register_calldata(&key.public(), &key.proof_of_possession(), stake(i));
        let outcome = w.node.send_from(i + 1, TxKind::Call(w.registry), calldata, U256::ZERO);
        assert!(outcome.success, "guardian {i} registers");
        let registered = decode::<IGuardianRegistry::Registered>(&outcome.logs);
        assert_eq!(registered.index, U256::from(i));
        assert_eq!(registered.operator, operator);
        assert_eq!(registered.keyHash, keccak256(bls::g1_to_eip2537(&key.public())));
        w.register_gas.push(outcome.gas_used);
    }
    w
}

fn decode<E: SolEvent>(logs: &[Log]) -> E {
    logs.iter()
        .find_map(|log| E::decode_log(log).ok())
        .unwrap_or_else(|| panic!("a {} event", E::SIGNATURE))
        .data
}

impl World {
    fn record(&self, index: usize) -> GuardianRecord {
        let view = self
            .node
            .call(self.registry, IGuardianRegistry::guardianCall { index: U256::from(index) });
        GuardianRecord::from_view(view).unwrap()
    }

    fn records(&self) -> Vec<GuardianRecord> {
        let n: U256 = self.node.call(self.registry, IGuardianRegistry::guardianCountCall {});
        (0..n.to::<usize>()).map(|i| self.record(i)).collect()
    }

    fn total_stake(&self) -> U256 {
        self.node.call(self.registry, IGuardianRegistry::totalStakeCall {})
    }

    fn supply(&self) -> U256 {
        self.node.call(self.era, IEraToken::totalSupplyCall {})
    }

    fn balance(&self, who: Address) -> U256 {
        self.node.call(self.era, IEraToken::balanceOfCall { account: who })
    }

    fn checkpoint(&self, epoch: u64, root: B256) -> Checkpoint {
        Checkpoint { domain: self.domain, guardian_set_id: 1, epoch, root }
    }

    fn signed(&self, guardian: usize, checkpoint: Checkpoint) -> SignedCheckpoint {
        let signature = self.keys[guardian].sign(checkpoint.signing_message().as_slice());
        SignedCheckpoint { checkpoint, signature }
    }

    /// Guardian `guardian`'s signed checkpoint of epoch `epoch` over `leaves`, with the proof of
    /// chain `chain`'s leaf.
    fn head(&self, guardian: usize, epoch: u64, leaves: Vec<Leaf>, chain: u64) -> SignedHead {
        let tree = CheckpointTree::new(leaves).unwrap();
        SignedHead {
            signed: self.signed(guardian, self.checkpoint(epoch, tree.root())),
            proof: tree.proof(chain).unwrap(),
        }
    }

    /// Slashing `evidence` from the watcher, checked to burn half the offender's stake.
    fn slash(&mut self, evidence: &Equivocation) -> u64 {
        let index = evidence.guardian();
        let before = self.record(index).stake;
        let (supply, total, held) =
            (self.supply(), self.total_stake(), self.balance(self.registry));
        let outcome = self.node.send_from(
            WATCHER,
            TxKind::Call(self.registry),
            evidence.slash_calldata(),
            U256::ZERO,
        );
        assert!(outcome.success, "the watcher's slashing succeeds");
        let amount = slash_amount(before);
        assert_eq!(amount, before / U256::from(2));
        let record = self.record(index);
        assert_eq!(record.stake, before - amount, "the offender's stake halves");
        assert!(record.slashed_for(evidence.offence()));
        assert_eq!(self.supply(), supply - amount, "ERA's supply drops by what was burned");
        assert_eq!(self.total_stake(), total - amount);
        assert_eq!(self.balance(self.registry), held - amount);
        let slashed = decode::<IGuardianRegistry::Slashed>(&outcome.logs);
        assert_eq!(slashed.index, U256::from(index));
        assert_eq!(slashed.offence, evidence.offence() as u8);
        assert_eq!(slashed.amount, amount);
        outcome.gas_used
    }

    /// Checks `calldata` to the registry is refused with an error satisfying `expected`.
    fn refused(&mut self, calldata: Vec<u8>, expected: impl Fn(&Errors) -> bool) {
        let registry = self.registry;
        self.node.refused_raw::<Errors>(registry, calldata, expected);
    }
}

fn leaf(chain_id: u64, number: u64, hash: u8) -> Leaf {
    Leaf {
        chain_id,
        block_number: number,
        block_hash: B256::repeat_byte(hash),
        state_root: B256::repeat_byte(hash.wrapping_add(1)),
        outbox_root: B256::repeat_byte(0x0b),
    }
}

fn double(guardian: usize, first: SignedCheckpoint, second: SignedCheckpoint) -> Equivocation {
    Equivocation::DoubleCheckpoint { guardian, first, second }
}

#[test]
fn four_guardians_register_in_order_and_make_the_inbox_set() {
    let mut w = registered();
    let records = w.records();
    assert_eq!(records.len(), GUARDIANS);
    for (i, record) in records.iter().enumerate() {
        assert_eq!(record.operator, w.node.account(i + 1));
        assert_eq!(record.key, w.keys[i].public());
        assert_eq!(record.stake, stake(i));
        assert_eq!(record.slashed, 0);
        let found = w.node.call(
            w.registry,
            IGuardianRegistry::indexOfCall {
                publicKey: bls::g1_to_eip2537(&w.keys[i].public()).to_vec().into(),
            },
        );
        assert!(found.registered);
        assert_eq!(found.index, U256::from(i));
    }
    // The registered keys' compressed forms (the POP's message, rebuilt on chain) carry both
    // signs of y, so both branches of the contract's compression were taken.
    let signs: Vec<bool> = w.keys.iter().map(|k| k.public().compress()[0] & 0x20 != 0).collect();
    assert!(signs.contains(&true) && signs.contains(&false), "signs {signs:?}");
    assert_eq!(w.total_stake(), era(10_000));
    assert_eq!(w.balance(w.registry), era(10_000));
    assert_eq!(w.supply(), era(1_000_000_000));
    // The set built from the registry's views is the one built in Rust.
    let set = registry::guardian_set(1, &records).unwrap();
    assert_eq!(set, w.set);
    // The registry's own arguments for the inbox are that set's.
    let arguments = w.node.call(
        w.registry,
        IGuardianRegistry::guardianSetArgumentsCall { start: U256::ZERO, count: U256::from(10) },
    );
    let (keys, stakes) = set.contract_arguments();
    assert_eq!(arguments.publicKeys.to_vec(), keys);
    assert_eq!(arguments.stakes, stakes);
    // Installed in a MetalayerInbox of the registry's domain, it certifies a checkpoint its
    // members sign.
    let inbox = w.node.deploy(
        artifacts::METALAYER_INBOX.deploy_code(&(w.domain, w.node.sender()).abi_encode_params()),
    );
    w.node.transact(
        inbox,
        IMetalayerInbox::setGuardianSetCall {
            setId: 1,
            publicKeys: arguments.publicKeys,
            stakes: arguments.stakes,
        },
    );
    let cp = w.checkpoint(1, keccak256(b"epoch 1"));
    let mut builder = CertificateBuilder::new(&set, cp).unwrap();
    for i in 1..GUARDIANS {
        builder.add_verified(i, &w.keys[i].sign(cp.signing_message().as_slice())).unwrap();
    }
    let certificate = builder.finish().unwrap();
    w.node.transact(
        inbox,
        IMetalayerInbox::submitCall {
            checkpoint: (&cp).into(),
            signers: certificate.signers.clone().into(),
            signature: certificate.contract_signature().to_vec().into(),
        },
    );
    assert!(w.node.call(inbox, IMetalayerInbox::isCertifiedCall { root: cp.root }));
    eprintln!("gas, GuardianRegistry.register (POP checked on chain): {:?}", w.register_gas);
}

#[test]
fn stake_added_by_the_operator_only() {
    let mut w = registered();
    w.node.transact(w.era, IEraToken::transferCall { to: w.node.account(2), value: era(5) });
    w.node.transact_from(2, w.era, IEraToken::approveCall { spender: w.registry, value: era(5) });
    let outcome = w.node.send_from(
        2,
        TxKind::Call(w.registry),
        registry::add_stake_calldata(1, era(5)),
        U256::ZERO,
    );
    assert!(outcome.success);
    assert_eq!(decode::<IGuardianRegistry::StakeAdded>(&outcome.logs).stake, era(2005));
    assert_eq!(w.record(1).stake, era(2005));
    assert_eq!(w.total_stake(), era(10_005));
    w.refused(registry::add_stake_calldata(1, era(5)), |e| matches!(e, Errors::NotOperator(_)));
}

#[test]
fn double_checkpoint_found_by_the_watch_is_slashed_by_a_third_party() {
    let mut w = registered();
    let set = registry::guardian_set(1, &w.records()).unwrap();
    let mut watch = EquivocationWatch::for_set(w.domain, &set);
    let honest = w.checkpoint(7, keccak256(b"the epoch's root"));
    let forked = w.checkpoint(7, keccak256(b"another root"));
    // Everyone signs the honest root; guardian 2 also signs another root for epoch 7.
    for i in 0..GUARDIANS {
        let signed = w.signed(i, honest);
        assert!(watch.observe(i, honest, signed.signature).unwrap().is_none());
    }
    let evidence = watch
        .observe(2, forked, w.signed(2, forked).signature)
        .unwrap()
        .expect("the watch reports guardian 2");
    assert_eq!(evidence.guardian(), 2);
    evidence.verify(&w.keys[2].public(), w.domain).unwrap();
    let gas = w.slash(&evidence);
    assert_eq!(w.record(2).stake, era(1500));
    eprintln!("gas, GuardianRegistry.slashDoubleCheckpoint (two signatures checked): {gas}");
    // Other guardians are untouched.
    for i in [0, 1, 3] {
        assert_eq!(w.record(i).stake, stake(i));
    }
    // The slashed guardian stays at its index with what is left, so the set keeps its order.
    let after = registry::guardian_set(2, &w.records()).unwrap();
    assert_eq!(after.members()[2].stake, era(1500).to::<u128>());
    assert_eq!(after.total_stake(), era(8500).to::<u128>());
}

#[test]
fn conflicting_heads_are_slashed_by_a_third_party() {
    let mut w = registered();
    // Guardian 1 gives chain 10 at height 100 one block hash in epoch 3 and another in epoch 4.
    let first = w.head(1, 3, vec![leaf(10, 100, 0xaa), leaf(11, 40, 0x11), leaf(12, 9, 0x12)], 10);
    let second = w.head(1, 4, vec![leaf(10, 100, 0xbb), leaf(11, 41, 0x13)], 10);
    let evidence = Equivocation::conflicting_heads(1, first, second).unwrap();
    evidence.verify(&w.keys[1].public(), w.domain).unwrap();
    let gas = w.slash(&evidence);
    assert_eq!(w.record(1).stake, era(1000));
    eprintln!("gas, GuardianRegistry.slashConflictingHeads (two proofs, two signatures): {gas}");
    // A second offence halves what is left: two signed checkpoints of epoch 5.
    let a = w.signed(1, w.checkpoint(5, B256::repeat_byte(1)));
    let b = w.signed(1, w.checkpoint(5, B256::repeat_byte(2)));
    w.slash(&double(1, a, b));
    let record = w.record(1);
    assert_eq!(record.stake, era(500));
    assert_eq!(record.slashed, 0b11);
}

#[test]
fn conflicting_heads_of_one_epoch_use_up_its_double_checkpoint() {
    let mut w = registered();
    let first = w.head(3, 6, vec![leaf(10, 100, 0xaa)], 10);
    let second = w.head(3, 6, vec![leaf(10, 100, 0xbb)], 10);
    let evidence = Equivocation::conflicting_heads(3, first.clone(), second.clone()).unwrap();
    w.slash(&evidence);
    let id: B256 = w.node.call(
        w.registry,
        IGuardianRegistry::evidenceIdCall {
            offence: Offence::DoubleCheckpoint as u8,
            index: U256::from(3),
            a: 1,
            b: 6,
        },
    );
    assert!(w.node.call(w.registry, IGuardianRegistry::evidenceUsedCall { evidence: id }));
    w.refused(
        double(3, first.signed, second.signed).slash_calldata(),
        |e| matches!(e, Errors::EvidenceAlreadyUsed(x) if x.evidence == id),
    );
}

// Refusals of registration.

#[test]
fn bad_proof_of_possession_refused() {
    let mut w = deployed();
    w.node.transact(w.era, IEraToken::approveCall { spender: w.registry, value: era(1) });
    let key = w.keys[0].clone();
    // Another key's proof, and the key's signature of itself under the message tag.
    let other = w.keys[1].proof_of_possession();
    let wrong_tag = key.sign(&key.public().compress());
    for pop in [other, wrong_tag] {
        assert!(bls::verify_possession(&key.public(), &pop).is_err());
        w.refused(registry::register_calldata(&key.public(), &pop, era(1)), |e| {
            matches!(e, Errors::InvalidProofOfPossession(_))
        });
    }
    // Its own proof registers.
    let calldata = registry::register_calldata(&key.public(), &key.proof_of_possession(), era(1));
    assert!(w.node.send(TxKind::Call(w.registry), calldata).success);
}

#[test]
fn key_registered_twice_refused() {
    let mut w = registered();
    let key = w.keys[2].clone();
    w.node.transact(w.era, IEraToken::approveCall { spender: w.registry, value: era(1) });
    w.refused(
        registry::register_calldata(&key.public(), &key.proof_of_possession(), era(1)),
        |e| matches!(e, Errors::KeyAlreadyRegistered(x) if x.index == U256::from(2)),
    );
}

#[test]
fn zero_stake_refused() {
    let mut w = deployed();
    let key = w.keys[0].clone();
    w.refused(
        registry::register_calldata(&key.public(), &key.proof_of_possession(), U256::ZERO),
        |e| matches!(e, Errors::ZeroStake(_)),
    );
}

#[test]
fn invalid_public_key_refused() {
    let mut w = deployed();
    let pop = bls::g2_to_eip2537(&w.keys[0].proof_of_possession()).to_vec();
    let mut off_curve = bls::g1_to_eip2537(&w.keys[0].public()).to_vec();
    off_curve[127] ^= 1;
    for key in [vec![0u8; 128], off_curve, vec![1u8; 64]] {
        let call = IGuardianRegistry::registerCall {
            publicKey: key.into(),
            proofOfPossession: pop.clone().into(),
            stake: era(1),
        };
        w.refused(alloy_sol_types::SolCall::abi_encode(&call), |e| {
            matches!(e, Errors::InvalidPublicKey(_))
        });
    }
}

// Refusals of evidence.

#[test]
fn double_checkpoint_with_one_root_refused() {
    let mut w = registered();
    let cp = w.checkpoint(7, B256::repeat_byte(1));
    let evidence = double(0, w.signed(0, cp), w.signed(0, cp));
    w.refused(evidence.slash_calldata(), |e| matches!(e, Errors::SameRoot(_)));
}

#[test]
fn double_checkpoint_of_two_epochs_refused() {
    let mut w = registered();
    let a = w.signed(0, w.checkpoint(7, B256::repeat_byte(1)));
    let b = w.signed(0, w.checkpoint(8, B256::repeat_byte(2)));
    w.refused(
        double(0, a, b).slash_calldata(),
        |e| matches!(e, Errors::DifferentEpochs(x) if x.first == 7 && x.second == 8),
    );
}

#[test]
fn double_checkpoint_of_two_guardian_sets_refused() {
    let mut w = registered();
    let a = w.signed(0, w.checkpoint(7, B256::repeat_byte(1)));
    let b = w.signed(0, Checkpoint { guardian_set_id: 2, ..w.checkpoint(7, B256::repeat_byte(2)) });
    w.refused(double(0, a, b).slash_calldata(), |e| matches!(e, Errors::DifferentGuardianSets(_)));
}

#[test]
fn checkpoint_of_another_network_refused() {
    let mut w = registered();
    let foreign = domain_separator(CHAIN_ID + 1, w.registry);
    let a = w.signed(0, Checkpoint { domain: foreign, ..w.checkpoint(7, B256::repeat_byte(1)) });
    let b = w.signed(0, Checkpoint { domain: foreign, ..w.checkpoint(7, B256::repeat_byte(2)) });
    w.refused(
        double(0, a, b).slash_calldata(),
        |e| matches!(e, Errors::WrongDomain(x) if x.got == foreign),
    );
}

#[test]
fn double_checkpoint_with_a_bad_signature_refused() {
    let mut w = registered();
    let a = w.signed(0, w.checkpoint(7, B256::repeat_byte(1)));
    // The second checkpoint signed by guardian 1, offered as guardian 0's.
    let b = w.signed(1, w.checkpoint(7, B256::repeat_byte(2)));
    w.refused(
        double(0, a.clone(), b).slash_calldata(),
        |e| matches!(e, Errors::InvalidSignature(x) if x.which == U256::from(1)),
    );
    // Guardian 0's signature of the first checkpoint moved onto a third.
    let moved = SignedCheckpoint { checkpoint: w.checkpoint(7, B256::repeat_byte(3)), ..a };
    w.refused(
        double(0, moved, a).slash_calldata(),
        |e| matches!(e, Errors::InvalidSignature(x) if x.which == U256::ZERO),
    );
}

#[test]
fn conflicting_heads_with_a_bad_signature_refused() {
    let mut w = registered();
    let first = w.head(0, 3, vec![leaf(10, 100, 0xaa)], 10);
    let second = w.head(1, 4, vec![leaf(10, 100, 0xbb)], 10);
    let evidence = Equivocation::conflicting_heads(0, first, second).unwrap();
    w.refused(
        evidence.slash_calldata(),
        |e| matches!(e, Errors::InvalidSignature(x) if x.which == U256::from(1)),
    );
}

#[test]
fn head_not_in_its_root_refused() {
    let mut w = registered();
    let first = w.head(0, 3, vec![leaf(10, 100, 0xaa), leaf(11, 1, 0x11)], 10);
    let second = w.head(0, 4, vec![leaf(10, 100, 0xbb), leaf(11, 2, 0x12)], 10);
    // The second leaf's proof with a sibling changed no longer leads to its root.
    let mut forged = second.clone();
    forged.proof.siblings[0] = B256::repeat_byte(0x99);
    let evidence =
        Equivocation::ConflictingHeads { guardian: 0, first: first.clone(), second: forged };
    w.refused(
        evidence.slash_calldata(),
        |e| matches!(e, Errors::LeafNotInRoot(x) if x.which == U256::from(1)),
    );
    // A leaf of a tree the guardian never signed, under the first checkpoint.
    let other_tree = CheckpointTree::new(vec![leaf(10, 100, 0xcc)]).unwrap();
    let detached = SignedHead { proof: other_tree.proof(10).unwrap(), ..first };
    let evidence = Equivocation::ConflictingHeads { guardian: 0, first: detached, second };
    w.refused(
        evidence.slash_calldata(),
        |e| matches!(e, Errors::LeafNotInRoot(x) if x.which == U256::ZERO),
    );
}

#[test]
fn unknown_guardian_refused() {
    let mut w = registered();
    let a = w.signed(0, w.checkpoint(7, B256::repeat_byte(1)));
    let b = w.signed(0, w.checkpoint(7, B256::repeat_byte(2)));
    w.refused(
        double(GUARDIANS, a, b).slash_calldata(),
        |e| matches!(e, Errors::UnknownGuardian(x) if x.index == U256::from(GUARDIANS)),
    );
    w.refused(
        alloy_sol_types::SolCall::abi_encode(&IGuardianRegistry::guardianCall {
            index: U256::from(GUARDIANS),
        }),
        |e| matches!(e, Errors::UnknownGuardian(_)),
    );
}

#[test]
fn heads_of_different_chains_refused() {
    let mut w = registered();
    let first = w.head(0, 3, vec![leaf(10, 100, 0xaa), leaf(11, 100, 0xbb)], 10);
    let second = w.head(0, 4, vec![leaf(10, 100, 0xaa), leaf(11, 100, 0xcc)], 11);
    let evidence = Equivocation::ConflictingHeads { guardian: 0, first, second };
    w.refused(
        evidence.slash_calldata(),
        |e| matches!(e, Errors::DifferentChains(x) if x.first == 10 && x.second == 11),
    );
}

#[test]
fn heads_at_different_heights_refused() {
    let mut w = registered();
    let first = w.head(0, 3, vec![leaf(10, 100, 0xaa)], 10);
    let second = w.head(0, 4, vec![leaf(10, 101, 0xbb)], 10);
    let evidence = Equivocation::ConflictingHeads { guardian: 0, first, second };
    w.refused(
        evidence.slash_calldata(),
        |e| matches!(e, Errors::DifferentHeights(x) if x.first == 100 && x.second == 101),
    );
}

#[test]
fn heads_with_one_block_hash_refused() {
    let mut w = registered();
    // Same head, different other leaves: two roots, but no conflict about chain 10.
    let first = w.head(0, 3, vec![leaf(10, 100, 0xaa), leaf(11, 5, 0x11)], 10);
    let second = w.head(0, 4, vec![leaf(10, 100, 0xaa), leaf(11, 6, 0x12)], 10);
    let evidence = Equivocation::ConflictingHeads { guardian: 0, first, second };
    w.refused(evidence.slash_calldata(), |e| matches!(e, Errors::SameBlockHash(_)));
}

#[test]
fn evidence_used_twice_refused() {
    let mut w = registered();
    let a = w.signed(0, w.checkpoint(7, B256::repeat_byte(1)));
    let b = w.signed(0, w.checkpoint(7, B256::repeat_byte(2)));
    let c = w.signed(0, w.checkpoint(7, B256::repeat_byte(3)));
    w.slash(&double(0, a.clone(), b.clone()));
    // The same pair, the pair swapped, and another pair of the same epoch: one slashing per
    // (guardian, set, epoch).
    for (x, y) in [(a.clone(), b.clone()), (b, a.clone()), (a, c)] {
        w.refused(double(0, x, y).slash_calldata(), |e| {
            matches!(e, Errors::EvidenceAlreadyUsed(_))
        });
    }
    // Conflicting heads: one slashing per (guardian, chain, height).
    let first = w.head(0, 3, vec![leaf(10, 100, 0xaa)], 10);
    let second = w.head(0, 4, vec![leaf(10, 100, 0xbb)], 10);
    let third = w.head(0, 5, vec![leaf(10, 100, 0xcc)], 10);
    w.slash(&Equivocation::conflicting_heads(0, first.clone(), second).unwrap());
    let again = Equivocation::conflicting_heads(0, first, third).unwrap();
    w.refused(again.slash_calldata(), |e| matches!(e, Errors::EvidenceAlreadyUsed(_)));
    assert_eq!(w.record(0).stake, era(250));
}
