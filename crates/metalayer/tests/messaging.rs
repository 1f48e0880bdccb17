//! End to end on two in-process Tephra chains: a Hyperlane message dispatched on chain A's
//! Mailbox (MerkleTreeHook as its required hook), A's head in a checkpoint that four guardians
//! certify on chain B's MetalayerInbox, then `Mailbox.process` on B with GuardianIsm as the
//! default ISM delivers it to Hyperlane's TestRecipient. Every refusal of the path by name.

mod support;

use alloy_primitives::{Address, B256, Bytes};
use alloy_sol_types::{SolEvent, SolValue};
use support::{Node, guardians};
use tephra_metalayer::{
    Certificate, CertificateBuilder, Checkpoint, CheckpointTree, GuardianKey, GuardianSet, Leaf,
    LeafProof,
    abi::{
        self, IGuardianIsm::IGuardianIsmErrors as IsmErrors, IMailbox, IMerkleTreeHook,
        IMetalayerInbox, ITestRecipient,
    },
    artifacts, domain_separator,
    hyperlane::{MessageHeader, MessageTree, TREE_DEPTH, message_id},
};

const A: u64 = 1001;
const B: u64 = 1002;
const C: u64 = 1003;

/// Hyperlane and Metalayer on one chain.
struct Stack {
    node: Node,
    inbox: Address,
    mailbox: Address,
    hook: Address,
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
    let default_hook = node.deploy(artifacts::TEST_POST_DISPATCH_HOOK.deploy_code(&[]));
    node.transact(
        mailbox,
        IMailbox::initializeCall {
            owner,
            defaultIsm: ism,
            defaultHook: default_hook,
            requiredHook: hook,
        },
    );
    let recipient = node.deploy(artifacts::TEST_RECIPIENT.deploy_code(&[]));
    Stack { node, inbox, mailbox, hook, recipient, tree: MessageTree::default() }
}

impl Stack {
    /// Dispatches `body` to `recipient` on `destination`; returns the message bytes.
    fn dispatch(&mut self, destination: u64, recipient: Address, body: &[u8]) -> Bytes {
        let call = IMailbox::dispatchCall {
            destinationDomain: destination as u32,
            recipientAddress: recipient.into_word(),
            messageBody: body.to_vec().into(),
        };
        let outcome = self.node.transact(self.mailbox, call);
        let message = outcome
            .logs
            .iter()
            .find_map(|log| IMailbox::Dispatch::decode_log(log).ok())
            .expect("the Mailbox emits Dispatch")
            .data
            .message;
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
