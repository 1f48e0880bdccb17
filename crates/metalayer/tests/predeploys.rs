//! The Metalayer predeploys: the same addresses and wiring at genesis on every framework
//! profile, the MerkleTreeHook's storage slots as the guardians read them, and a message from
//! one chain's predeployed Mailbox delivered by another's.

mod support;

use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::SolCall;
use support::{Node, guardians};
use tephra_metalayer::{
    CertificateBuilder, Checkpoint, CheckpointTree, GuardianSet, Leaf,
    abi::{self, IInterchainGasPaymaster, IMailbox, IMerkleTreeHook, IMetalayerInbox, IOwnable},
    artifacts, domain_separator,
    guardian::heads::outbox_root,
    hyperlane::{MessageTree, TREE_DEPTH, message_id, stored_root},
    predeploy::{self, MetalayerGenesis},
};

const OWNER: Address = Address::repeat_byte(0x0e);

fn domain() -> B256 {
    domain_separator(900, Address::repeat_byte(0x42))
}

fn node(chain_id: u64, framework: &str, set: &GuardianSet) -> Node {
    let accounts = MetalayerGenesis {
        chain_id,
        domain: domain(),
        guardians: set,
        owner: OWNER,
        remote_domains: vec![901, 902, 903].into_iter().filter(|d| *d != chain_id).collect(),
    }
    .accounts()
    .unwrap();
    Node::with_genesis(chain_id, 1, tephra_frameworks::by_name(framework).unwrap(), accounts)
}

#[test]
fn every_profile_holds_the_contracts_at_the_same_addresses_wired_together() {
    let (_, set) = guardians(4, 7, |_| 100);
    for (chain_id, framework) in
        [(901, "ethereum"), (902, "op-stack"), (903, "nitro"), (904, "zk-stack")]
    {
        let node = node(chain_id, framework, &set);
        let mailbox = predeploy::MAILBOX;
        assert_eq!(
            node.call(mailbox, IMailbox::localDomainCall {}),
            chain_id as u32,
            "{framework}"
        );
        assert_eq!(node.call(mailbox, IMailbox::defaultIsmCall {}), predeploy::GUARDIAN_ISM);
        assert_eq!(
            node.call(predeploy::INBOX, IMetalayerInbox::guardianSetIdCall {}),
            7,
            "{framework}: the inbox holds the genesis guardian set"
        );
        assert_eq!(node.call(predeploy::GAS_PAYMASTER, IOwnable::ownerCall {}), OWNER);
        assert_eq!(node.call(predeploy::GAS_ORACLE, IOwnable::ownerCall {}), OWNER);
        // The IGP prices the other rollups (its overhead is added to the gas limit by
        // `quoteDispatch`, not here), and no unknown domain.
        let remote = if chain_id == 901 { 902 } else { 901 };
        let quote = |domain: u32| IInterchainGasPaymaster::quoteGasPaymentCall {
            destinationDomain: domain,
            gasLimit: U256::from(100_000),
        };
        assert_eq!(
            node.call(predeploy::GAS_PAYMASTER, quote(remote)),
            U256::from(100_000 * predeploy::REMOTE_GAS_PRICE)
        );
        let unknown = node.try_call(predeploy::GAS_PAYMASTER, quote(777).abi_encode());
        assert!(unknown.is_err(), "{framework}: no price for an unknown domain");
        assert_eq!(node.call(predeploy::MERKLE_TREE_HOOK, IMerkleTreeHook::countCall {}), 0);
    }
}

/// Dispatches `count` messages on `node`'s Mailbox; returns them.
fn dispatch(node: &mut Node, destination: u32, recipient: Address, count: usize) -> Vec<Vec<u8>> {
    (0..count)
        .map(|i| {
            let call = IMailbox::dispatchCall {
                destinationDomain: destination,
                recipientAddress: recipient.into_word(),
                messageBody: format!("message {i}").into_bytes().into(),
            };
            let quote = node.call(
                predeploy::MAILBOX,
                IMailbox::quoteDispatchCall {
                    destinationDomain: call.destinationDomain,
                    recipientAddress: call.recipientAddress,
                    messageBody: call.messageBody.clone(),
                },
            );
            let outcome = node.send_value(
                alloy_primitives::TxKind::Call(predeploy::MAILBOX),
                call.abi_encode(),
                quote,
            );
            assert!(outcome.success);
            outcome
                .logs
                .iter()
                .find_map(|log| alloy_sol_types::SolEvent::decode_log(log).ok())
                .map(|log: alloy_primitives::Log<IMailbox::Dispatch>| log.data.message.to_vec())
                .expect("Dispatch")
        })
        .collect()
}

#[test]
fn the_merkle_tree_hook_root_follows_from_its_storage_slots() {
    let (_, set) = guardians(4, 1, |_| 100);
    let mut a = node(901, "ethereum", &set);
    let mut tree = MessageTree::default();
    for round in 0..3 {
        for message in dispatch(&mut a, 902, Address::repeat_byte(1), 1 + round * 2) {
            tree.insert(message_id(&message));
        }
        let reader = a.chain.reader().unwrap();
        let words: Vec<B256> = predeploy::merkle_tree_slots()
            .iter()
            .map(|slot| B256::from(reader.storage(&predeploy::MERKLE_TREE_HOOK, slot).unwrap()))
            .collect();
        let branch: [B256; TREE_DEPTH] = words[..TREE_DEPTH].try_into().unwrap();
        let count = U256::from_be_bytes(words[TREE_DEPTH].0).to::<u64>();
        assert_eq!(count, tree.count() as u64, "the count slot");
        let on_chain = a.call(predeploy::MERKLE_TREE_HOOK, IMerkleTreeHook::rootCall {});
        assert_eq!(stored_root(&branch, count), on_chain, "the root from the slots");
        assert_eq!(tree.root(), on_chain);
        // What a guardian computes from `eth_getProof` of those slots, proven against the
        // head's state root; a proof of another account or against another root is refused.
        let head = a.chain.head();
        let number = head.header.number;
        let proof = a
            .chain
            .proof(predeploy::MERKLE_TREE_HOOK, predeploy::merkle_tree_slots(), number)
            .unwrap();
        assert_eq!(outbox_root(head.header.state_root, &proof), Ok(on_chain));
        assert!(outbox_root(B256::repeat_byte(1), &proof).is_err(), "another state root");
        let other = a
            .chain
            .proof(predeploy::GAS_PAYMASTER, predeploy::merkle_tree_slots(), number)
            .unwrap();
        assert!(outbox_root(head.header.state_root, &other).is_err(), "another account");
        let mut forged = proof.clone();
        forged.storage_proof[TREE_DEPTH].value += U256::from(1);
        assert!(outbox_root(head.header.state_root, &forged).is_err(), "a forged count");
    }
}

#[test]
fn a_message_from_one_chains_predeployed_mailbox_is_delivered_by_anothers() {
    let (keys, set) = guardians(4, 1, |_| 100);
    let mut a = node(901, "ethereum", &set);
    let mut b = node(902, "ethereum", &set);
    let recipient = b.deploy(artifacts::TEST_RECIPIENT.deploy_code(&[]));
    let message = dispatch(&mut a, 902, recipient, 1).remove(0);
    let head = a.chain.head();
    let leaf = Leaf {
        chain_id: 901,
        block_number: head.header.number,
        block_hash: head.hash,
        state_root: head.header.state_root,
        outbox_root: a.call(predeploy::MERKLE_TREE_HOOK, IMerkleTreeHook::rootCall {}),
    };
    let tree = CheckpointTree::new(vec![leaf]).unwrap();
    let checkpoint =
        Checkpoint { domain: domain(), guardian_set_id: 1, epoch: 1, root: tree.root() };
    let mut builder = CertificateBuilder::new(&set, checkpoint).unwrap();
    for (i, key) in keys.iter().enumerate().take(3) {
        builder.add_verified(i, &key.sign(checkpoint.signing_message().as_slice())).unwrap();
    }
    let certificate = builder.finish().unwrap();
    b.transact(
        predeploy::INBOX,
        IMetalayerInbox::submitCall {
            checkpoint: abi::Checkpoint::from(&certificate.checkpoint),
            signers: certificate.signers.clone().into(),
            signature: certificate.contract_signature().to_vec().into(),
        },
    );
    let messages = MessageTree::new(vec![message_id(&message)]);
    let metadata =
        abi::ism_metadata(tree.root(), &tree.proof(901).unwrap(), 0, &messages.proof(0).unwrap());
    b.transact(
        predeploy::MAILBOX,
        IMailbox::processCall { metadata: metadata.into(), message: message.clone().into() },
    );
    assert!(
        b.call(predeploy::MAILBOX, IMailbox::deliveredCall { messageId: message_id(&message) })
    );
    let data = b.call(recipient, abi::ITestRecipient::lastDataCall {});
    assert_eq!(data.as_ref(), b"message 0");
}
