//! End to end on two in-process Tephra chains: a Hyperlane message dispatched on chain A's
//! Mailbox (MerkleTreeHook as its required hook, the InterchainGasPaymaster as its default
//! hook, paid in A's native token at a StorageGasOracle's price), A's head in a checkpoint that four guardians
//! certify on chain B's MetalayerInbox, then `Mailbox.process` on B with GuardianIsm as the
//! default ISM delivers it to Hyperlane's TestRecipient. Every refusal of the path by name.

mod support;

use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_sol_types::{SolEvent, SolValue};
use support::{Node, guardians};
use tephra_metalayer::{
    Certificate, CertificateBuilder, Checkpoint, CheckpointTree, GuardianKey, GuardianSet, Leaf,
    LeafProof,
    abi::{
        self, IGuardianIsm::IGuardianIsmErrors as IsmErrors, IInterchainGasPaymaster, IMailbox,
        IMerkleTreeHook, IMetalayerInbox, IStorageGasOracle, ITestRecipient,
    },
    artifacts, domain_separator,
    hyperlane::{MessageHeader, MessageTree, TREE_DEPTH, message_id},
};

const A: u64 = 1001;
const B: u64 = 1002;
const C: u64 = 1003;

/// Gas the IGP adds to every message's gas limit for the destination.
const IGP_OVERHEAD: u64 = 50_000;
/// Hyperlane's default destination gas limit when the dispatch names none
/// (`InterchainGasPaymaster.DEFAULT_GAS_USAGE`).
const DEFAULT_GAS_USAGE: u64 = 50_000;

/// Hyperlane and Metalayer on one chain.
struct Stack {
    node: Node,
    inbox: Address,
    mailbox: Address,
    hook: Address,
    igp: Address,
    recipient: Address,
    /// Every message id A's hook has inserted, mirrored off chain.
    tree: MessageTree,
}

fn domain() -> B256 {
    domain_separator(1, Address::repeat_byte(0x42))
}

fn stack(chain_id: u64, set: &GuardianSet) -> Stack {
    let mut node = Node::new(chain_id);
    let owner = node.sender();
    let inbox =
        node.deploy(artifacts::METALAYER_INBOX.deploy_code(&(domain(), owner).abi_encode_params()));
    let (keys, stakes) = set.contract_arguments();
    node.transact(
        inbox,
        IMetalayerInbox::setGuardianSetCall { setId: set.id(), publicKeys: keys.into(), stakes },
    );
    let ism = node.deploy(artifacts::GUARDIAN_ISM.deploy_code(&inbox.abi_encode()));
    let mailbox = node.deploy(artifacts::MAILBOX.deploy_code(&(chain_id as u32).abi_encode()));
    let hook = node.deploy(artifacts::MERKLE_TREE_HOOK.deploy_code(&mailbox.abi_encode()));
    // Hyperlane's gas payment: the IGP, priced by a StorageGasOracle for the other domains.
    let oracle = node.deploy(artifacts::STORAGE_GAS_ORACLE.deploy_code(&[]));
    let remotes = [A, B, C].into_iter().filter(|d| *d != chain_id);
    let configs = remotes
        .clone()
        .map(|domain| IStorageGasOracle::RemoteGasDataConfig {
            remoteDomain: domain as u32,
            tokenExchangeRate: 10_000_000_000, // 1.0, scaled by 1e10
            gasPrice: 1_000_000_000,
        })
        .collect();
    node.transact(oracle, IStorageGasOracle::setRemoteGasDataConfigsCall { configs });
    let igp = node.deploy(artifacts::INTERCHAIN_GAS_PAYMASTER.deploy_code(&[]));
    node.transact(igp, IInterchainGasPaymaster::initializeCall { owner, beneficiary: owner });
    let configs = remotes
        .map(|domain| IInterchainGasPaymaster::GasParam {
            remoteDomain: domain as u32,
            config: IInterchainGasPaymaster::DomainGasConfig {
                gasOracle: oracle,
                gasOverhead: alloy_primitives::Uint::from(IGP_OVERHEAD),
            },
        })
        .collect();
    node.transact(igp, IInterchainGasPaymaster::setDestinationGasConfigsCall { configs });
    node.transact(
        mailbox,
        IMailbox::initializeCall { owner, defaultIsm: ism, defaultHook: igp, requiredHook: hook },
    );
    let recipient = node.deploy(artifacts::TEST_RECIPIENT.deploy_code(&[]));
    Stack { node, inbox, mailbox, hook, igp, recipient, tree: MessageTree::default() }
}

impl Stack {
    /// Dispatches `body` to `recipient` on `destination`; returns the message bytes.
    fn dispatch(&mut self, destination: u64, recipient: Address, body: &[u8]) -> Bytes {
        let call = IMailbox::dispatchCall {
            destinationDomain: destination as u32,
            recipientAddress: recipient.into_word(),
            messageBody: body.to_vec().into(),
        };
        // Pay what the Mailbox quotes (the IGP's fee: (default gas + overhead) x the oracle's
        // gas price for the destination), plus change the IGP refunds.
        let quote: U256 = self.node.call(
            self.mailbox,
            IMailbox::quoteDispatchCall {
                destinationDomain: call.destinationDomain,
                recipientAddress: call.recipientAddress,
                messageBody: call.messageBody.clone(),
            },
        );
        assert_eq!(quote, U256::from((DEFAULT_GAS_USAGE + IGP_OVERHEAD) * 1_000_000_000));
        let paid_before = self.node.balance(self.igp);
        let outcome = self.node.send_value(
            alloy_primitives::TxKind::Call(self.mailbox),
            alloy_sol_types::SolCall::abi_encode(&call),
            quote + U256::from(12_345),
        );
        assert!(outcome.success, "dispatch succeeds");
        assert_eq!(self.node.balance(self.igp) - paid_before, quote, "the IGP keeps the quote");
        let payment = outcome
            .logs
            .iter()
            .find_map(|log| IInterchainGasPaymaster::GasPayment::decode_log(log).ok())
            .expect("the IGP emits GasPayment");
        assert_eq!(payment.data.payment, quote);
        let message = outcome
            .logs
            .iter()
            .find_map(|log| IMailbox::Dispatch::decode_log(log).ok())
            .expect("the Mailbox emits Dispatch")
            .data
            .message;
        assert_eq!(payment.data.messageId, message_id(&message));
        self.tree.insert(message_id(&message));
        message
    }

    /// This chain's head as a checkpoint leaf, with the MerkleTreeHook's root as read on chain.
    fn leaf(&self) -> Leaf {
        let head = self.node.chain.head();
        let outbox_root: B256 = self.node.call(self.hook, IMerkleTreeHook::rootCall {});
        assert_eq!(outbox_root, self.tree.root(), "the off-chain tree mirrors the hook's");
        Leaf {
            chain_id: self.node.chain_id,
            block_number: head.header.number,
            block_hash: head.hash,
            state_root: head.header.state_root,
            outbox_root,
        }
    }
}

/// Chains A and B, the guardians, and one message from A to B's TestRecipient, certified on B.
struct World {
    a: Stack,
    b: Stack,
    keys: Vec<GuardianKey>,
    set: GuardianSet,
    message: Bytes,
    tree: CheckpointTree,
}

fn world() -> World {
    let (keys, set) = guardians(4, 1, |_| 100);
    let mut a = stack(A, &set);
    let b = stack(B, &set);
    let message = a.dispatch(B, b.recipient, b"hello from A");
    let header = MessageHeader::parse(&message).unwrap();
    assert_eq!((header.origin, header.destination, header.nonce), (A as u32, B as u32, 0));
    // A checkpoint over A, B and a third chain C whose outbox root is A's (so only the leaf's
    // chain id tells them apart).
    let a_leaf = a.leaf();
    let c_leaf = Leaf { chain_id: C, block_number: 9, ..a_leaf };
    let tree = CheckpointTree::new(vec![b.leaf(), c_leaf, a_leaf]).unwrap();
    let mut world = World { a, b, keys, set, message, tree };
    let certificate = world.certify(1, world.tree.root());
    world.b.node.transact(world.b.inbox, submit(&certificate));
    world
}

fn submit(certificate: &Certificate) -> IMetalayerInbox::submitCall {
    IMetalayerInbox::submitCall {
        checkpoint: abi::Checkpoint::from(&certificate.checkpoint),
        signers: certificate.signers.clone().into(),
        signature: certificate.contract_signature().to_vec().into(),
    }
}

impl World {
    /// Four guardians sign `root` for `epoch`.
    fn certify(&self, epoch: u64, root: B256) -> Certificate {
        let checkpoint =
            Checkpoint { domain: domain(), guardian_set_id: self.set.id(), epoch, root };
        let mut builder = CertificateBuilder::new(&self.set, checkpoint).unwrap();
        for (i, key) in self.keys.iter().enumerate() {
            builder.add_verified(i, &key.sign(checkpoint.signing_message().as_slice())).unwrap();
        }
        let certificate = builder.finish().unwrap();
        if !root.is_zero() {
            certificate.verify(&self.set, domain()).unwrap();
        }
        certificate
    }

    /// The metadata proving A's message at `index` through A's leaf in the certified tree.
    fn metadata(&self, index: u32) -> (B256, LeafProof, [B256; TREE_DEPTH]) {
        let leaf = self.tree.proof(A).unwrap();
        let branch = self.a.tree.proof(index as usize).unwrap();
        (self.tree.root(), leaf, branch)
    }

    fn process(&self, metadata: Vec<u8>, message: Bytes) -> IMailbox::processCall {
        IMailbox::processCall { metadata: metadata.into(), message }
    }
}

fn encode(parts: &(B256, LeafProof, [B256; TREE_DEPTH]), index: u32) -> Vec<u8> {
    abi::ism_metadata(parts.0, &parts.1, index, &parts.2)
}

#[test]
fn message_from_a_is_delivered_on_b() {
    let mut w = world();
    let parts = w.metadata(0);
    let call = w.process(encode(&parts, 0), w.message.clone());
    let id = message_id(&w.message);
    assert!(!w.b.node.call(w.b.mailbox, IMailbox::deliveredCall { messageId: id }));
    let outcome = w.b.node.transact(w.b.mailbox, call);
    assert!(w.b.node.call(w.b.mailbox, IMailbox::deliveredCall { messageId: id }));
    let data: Bytes = w.b.node.call(w.b.recipient, ITestRecipient::lastDataCall {});
    assert_eq!(data.as_ref(), b"hello from A");
    let sender: B256 = w.b.node.call(w.b.recipient, ITestRecipient::lastSenderCall {});
    assert_eq!(sender, w.a.node.sender().into_word());
    println!("gas: Mailbox.process through GuardianIsm: {}", outcome.gas_used);
}

#[test]
fn message_delivered_twice_refused() {
    let mut w = world();
    let call = w.process(encode(&w.metadata(0), 0), w.message.clone());
    w.b.node.transact(w.b.mailbox, call.clone());
    w.b.node.refused_with_reason(w.b.mailbox, call, "Mailbox: already delivered");
}

#[test]
fn message_for_another_destination_refused() {
    let mut w = world();
    // A second message from A, to chain C, certified in a later checkpoint.
    let to_c = w.a.dispatch(C, w.b.recipient, b"for C");
    let tree = CheckpointTree::new(vec![w.a.leaf(), w.b.leaf()]).unwrap();
    let certificate = w.certify(2, tree.root());
    w.b.node.transact(w.b.inbox, submit(&certificate));
    let metadata =
        abi::ism_metadata(tree.root(), &tree.proof(A).unwrap(), 1, &w.a.tree.proof(1).unwrap());
    let call = w.process(metadata, to_c);
    w.b.node.refused_with_reason(w.b.mailbox, call, "Mailbox: unexpected destination");
}

#[test]
fn forged_message_proof_refused() {
    let mut w = world();
    let mut parts = w.metadata(0);
    parts.2[3].0[7] ^= 1;
    let call = w.process(encode(&parts, 0), w.message.clone());
    w.b.node.refused::<_, IsmErrors>(w.b.mailbox, call, |e| {
        matches!(e, IsmErrors::InvalidMessageProof(_))
    });
    // A message A never sent (its body changed), with the real message's proof.
    let mut forged = w.message.to_vec();
    *forged.last_mut().unwrap() ^= 1;
    let call = w.process(encode(&w.metadata(0), 0), forged.into());
    w.b.node.refused::<_, IsmErrors>(w.b.mailbox, call, |e| {
        matches!(e, IsmErrors::InvalidMessageProof(_))
    });
    // The right proof at another index.
    let call = w.process(encode(&w.metadata(0), 1), w.message.clone());
    w.b.node.refused::<_, IsmErrors>(w.b.mailbox, call, |e| {
        matches!(e, IsmErrors::InvalidMessageProof(_))
    });
}

#[test]
fn forged_checkpoint_proof_refused() {
    let mut w = world();
    // A sibling changed.
    let mut parts = w.metadata(0);
    parts.1.siblings[0].0[0] ^= 0x80;
    let call = w.process(encode(&parts, 0), w.message.clone());
    w.b.node.refused::<_, IsmErrors>(w.b.mailbox, call, |e| {
        matches!(e, IsmErrors::InvalidLeafProof(_))
    });
    // A leaf claiming another outbox root (one that would prove a message never sent).
    let mut fake = MessageTree::default();
    let mut forged = w.message.to_vec();
    forged[80] ^= 1;
    fake.insert(message_id(&forged));
    let mut parts = w.metadata(0);
    parts.1.leaf.outbox_root = fake.root();
    parts.2 = fake.proof(0).unwrap();
    let call = w.process(encode(&parts, 0), forged.into());
    w.b.node.refused::<_, IsmErrors>(w.b.mailbox, call, |e| {
        matches!(e, IsmErrors::InvalidLeafProof(_))
    });
    // An index past the proof's depth.
    let mut parts = w.metadata(0);
    parts.1.index += 1 << parts.1.siblings.len();
    let call = w.process(encode(&parts, 0), w.message.clone());
    w.b.node.refused::<_, IsmErrors>(w.b.mailbox, call, |e| {
        matches!(e, IsmErrors::InvalidLeafProof(_))
    });
}

#[test]
fn wrong_chain_refused() {
    let mut w = world();
    // C's leaf carries the same outbox root as A's, but the message's origin is A.
    let mut parts = w.metadata(0);
    parts.1 = w.tree.proof(C).unwrap();
    let call = w.process(encode(&parts, 0), w.message.clone());
    w.b.node.refused::<_, IsmErrors>(
        w.b.mailbox,
        call,
        |e| matches!(e, IsmErrors::WrongOrigin(x) if x.origin == A as u32 && x.chainId == C),
    );
}

#[test]
fn uncertified_and_zero_roots_refused() {
    let mut w = world();
    // A tree nobody certified on B (the leaf and message proofs are right for it).
    let tree = CheckpointTree::new(vec![w.a.leaf()]).unwrap();
    let metadata =
        abi::ism_metadata(tree.root(), &tree.proof(A).unwrap(), 0, &w.a.tree.proof(0).unwrap());
    let call = w.process(metadata, w.message.clone());
    w.b.node.refused::<_, IsmErrors>(
        w.b.mailbox,
        call,
        |e| matches!(e, IsmErrors::RootNotCertified(x) if x.root == tree.root()),
    );
    // The zero root (Nomad's bug: an uninitialized root accepted as proven).
    let mut parts = w.metadata(0);
    parts.0 = B256::ZERO;
    let call = w.process(encode(&parts, 0), w.message.clone());
    w.b.node.refused::<_, IsmErrors>(w.b.mailbox, call, |e| {
        matches!(e, IsmErrors::RootNotCertified(_))
    });
    // A zero-root certificate is refused by the inbox itself.
    let zero = w.certify(5, B256::ZERO);
    w.b.node.refused::<_, IMetalayerInbox::IMetalayerInboxErrors>(w.b.inbox, submit(&zero), |e| {
        matches!(e, IMetalayerInbox::IMetalayerInboxErrors::ZeroRoot(_))
    });
}
