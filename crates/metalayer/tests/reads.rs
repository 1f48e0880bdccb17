//! Proven cross-rollup reads on in-process chains with the Metalayer predeploys: an ERC-20
//! balance on chain C proven on chain A through `MetalayerState` from C's real `eth_getProof`
//! output, and a `MetalayerRouter` message from A to B carrying a proven read of that balance.
//! Each refusal (uncertified root, wrong chain, forged proofs, a result that differs from the
//! proven one, reads processed without proofs, a FINALIZED message or read under a sequencer
//! head) has its own test.

mod support;

use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use alloy_rpc_types_eth::{EIP1186AccountProofResponse, TransactionRequest};
use alloy_sol_types::{SolCall, SolError, SolEvent, SolValue};
use support::{Node, guardians};
use tephra_metalayer::{
    CertificateBuilder, Checkpoint, CheckpointTree, FINALIZED, GuardianKey, GuardianSet, Leaf,
    LeafProof,
    abi::{
        self, FinalityState, IEraToken, IMailbox, IMerkleTreeHook, IMetalayerInbox,
        IMetalayerRouter::{self, IMetalayerRouterErrors},
        IMetalayerState::{self, IMetalayerStateErrors},
        IReadRecipient, ReadOperation,
    },
    artifacts, domain_separator,
    hyperlane::{HEADER_LEN, MessageTree, message_id},
    predeploy::{self, MetalayerGenesis},
    reads::{self, MetalayerMessage},
};

const OWNER: Address = Address::repeat_byte(0x0e);
const A: u64 = 901;
const B: u64 = 902;
const C: u64 = 903;
const HOLDER: Address = Address::repeat_byte(0x77);
const AMOUNT: u64 = 123_456_789;

fn domain() -> B256 {
    domain_separator(900, Address::repeat_byte(0x42))
}

fn node(chain_id: u64, set: &GuardianSet) -> Node {
    let accounts = MetalayerGenesis {
        chain_id,
        domain: domain(),
        guardians: set,
        owner: OWNER,
        remote_domains: vec![A, B, C].into_iter().filter(|d| *d != chain_id).collect(),
    }
    .accounts()
    .unwrap();
    Node::with_genesis(chain_id, 1, tephra_frameworks::by_name("ethereum").unwrap(), accounts)
}

/// `chain`'s head as a checkpoint leaf.
fn leaf(chain: &Node) -> Leaf {
    let head = chain.chain.head();
    Leaf {
        chain_id: chain.chain_id,
        block_number: head.header.number,
        block_hash: head.hash,
        state_root: head.header.state_root,
        outbox_root: chain.call(predeploy::MERKLE_TREE_HOOK, IMerkleTreeHook::rootCall {}),
    }
}

/// Certifies the checkpoint over `leaves` (epoch `epoch`) on `on`'s inbox.
fn certify(
    keys: &[GuardianKey],
    set: &GuardianSet,
    on: &mut Node,
    tree: &CheckpointTree,
    epoch: u64,
) {
    let checkpoint = Checkpoint { domain: domain(), guardian_set_id: 1, epoch, root: tree.root() };
    let mut builder = CertificateBuilder::new(set, checkpoint).unwrap();
    for (i, key) in keys.iter().enumerate().take(3) {
        builder.add_verified(i, &key.sign(checkpoint.signing_message().as_slice())).unwrap();
    }
    let certificate = builder.finish().unwrap();
    on.transact(
        predeploy::INBOX,
        IMetalayerInbox::submitCall {
            checkpoint: abi::Checkpoint::from(&certificate.checkpoint),
            signers: certificate.signers.clone().into(),
            signature: certificate.contract_signature().to_vec().into(),
        },
    );
}

/// Chain C with an OpenZeppelin ERC-20 (ERA) of which `HOLDER` holds `AMOUNT`.
fn chain_c(set: &GuardianSet) -> (Node, Address) {
    let mut c = node(C, set);
    let token = c.deploy(artifacts::ERA_TOKEN.deploy_code(&c.sender().abi_encode()));
    c.transact(token, IEraToken::transferCall { to: HOLDER, value: U256::from(AMOUNT) });
    assert_eq!(c.call(token, IEraToken::balanceOfCall { account: HOLDER }), U256::from(AMOUNT));
    (c, token)
}

/// `eth_getProof` of `HOLDER`'s balance slot of `token` at C's head.
fn balance_proof(c: &Node, token: Address) -> EIP1186AccountProofResponse {
    let slot = reads::erc20_balance_slot(HOLDER);
    c.chain.proof(token, vec![slot], c.chain.head().header.number).unwrap()
}

struct Reading {
    keys: Vec<GuardianKey>,
    set: GuardianSet,
    a: Node,
    c: Node,
    token: Address,
    tree: CheckpointTree,
    proof: EIP1186AccountProofResponse,
}

impl Reading {
    /// C's token and head certified on A, with C's proof of `HOLDER`'s balance.
    fn new() -> Self {
        let (keys, set) = guardians(4, 1, |_| 100);
        let mut a = node(A, &set);
        let (c, token) = chain_c(&set);
        let tree = CheckpointTree::new(vec![leaf(&a), leaf(&c)]).unwrap();
        certify(&keys, &set, &mut a, &tree, 1);
        let proof = balance_proof(&c, token);
        Self { keys, set, a, c, token, tree, proof }
    }

    fn c_leaf(&self) -> LeafProof {
        self.tree.proof(C).unwrap()
    }

    fn storage_call(&self) -> IMetalayerState::storageAtCall {
        let slot = reads::erc20_balance_slot(HOLDER);
        reads::storage_at_call(self.tree.root(), &self.c_leaf(), &self.proof, slot).unwrap()
    }
}

#[test]
fn an_erc20_balance_on_c_is_proven_on_a() {
    let mut r = Reading::new();
    let value = r.a.call(predeploy::METALAYER_STATE, r.storage_call());
    assert_eq!(U256::from_be_bytes(value.0), U256::from(AMOUNT));

    let account = r.a.call(
        predeploy::METALAYER_STATE,
        reads::account_call(r.tree.root(), &r.c_leaf(), &r.proof),
    );
    assert_eq!(account.nonce, U256::from(r.proof.nonce));
    assert_eq!(account.balance, r.proof.balance);
    assert_eq!(account.storageRoot, r.proof.storage_hash);
    assert_eq!(account.codeHash, r.proof.code_hash);
    assert_ne!(account.storageRoot, alloy_trie::EMPTY_ROOT_HASH);

    // An account proof of an externally owned account: its balance, proven.
    let deployer = r.c.sender();
    let eoa = r.c.chain.proof(deployer, vec![], r.c.chain.head().header.number).unwrap();
    let eoa_account =
        r.a.call(predeploy::METALAYER_STATE, reads::account_call(r.tree.root(), &r.c_leaf(), &eoa));
    assert_eq!(eoa_account.balance, r.c.balance(deployer));
    assert_eq!(eoa_account.nonce, U256::from(2), "the deployment and the transfer");

    let outcome = r.a.transact(predeploy::METALAYER_STATE, r.storage_call());
    println!(
        "gas: MetalayerState.storageAt of an ERC-20 balance: {} (transaction)",
        outcome.gas_used
    );
}

#[test]
fn a_root_that_was_never_certified_is_refused() {
    let mut r = Reading::new();
    // C's head after one more block: a checkpoint the guardians never certified on A.
    r.c.transact(r.token, IEraToken::transferCall { to: HOLDER, value: U256::from(1) });
    let uncertified = CheckpointTree::new(vec![leaf(&r.c)]).unwrap();
    let proof = balance_proof(&r.c, r.token);
    let call = reads::storage_at_call(
        uncertified.root(),
        &uncertified.proof(C).unwrap(),
        &proof,
        reads::erc20_balance_slot(HOLDER),
    )
    .unwrap();
    let root = uncertified.root();
    r.a.refused(predeploy::METALAYER_STATE, call, |e: &IMetalayerStateErrors| {
        matches!(e, IMetalayerStateErrors::RootNotCertified(x) if x.root == root)
    });
}

#[test]
fn a_leaf_of_the_wrong_chain_is_refused() {
    let mut r = Reading::new();
    // A's own leaf (certified, with a valid proof) offered for a read of chain C.
    let mut call = r.storage_call();
    call.proven = reads::proven_leaf(r.tree.root(), &r.tree.proof(A).unwrap());
    r.a.refused(predeploy::METALAYER_STATE, call, |e: &IMetalayerStateErrors| {
        matches!(e, IMetalayerStateErrors::WrongChain(x) if x.expected == C && x.got == A)
    });
    // C's leaf asked to stand for chain 904.
    let mut call = r.storage_call();
    call.chainId = 904;
    r.a.refused(predeploy::METALAYER_STATE, call, |e: &IMetalayerStateErrors| {
        matches!(e, IMetalayerStateErrors::WrongChain(x) if x.expected == 904 && x.got == C)
    });
}

#[test]
fn a_leaf_that_is_not_in_the_certified_root_is_refused() {
    let mut r = Reading::new();
    let mut call = r.storage_call();
    call.proven.leaf.stateRoot = B256::repeat_byte(0x55);
    r.a.refused(predeploy::METALAYER_STATE, call, |e: &IMetalayerStateErrors| {
        matches!(e, IMetalayerStateErrors::InvalidLeafProof(_))
    });
}

#[test]
fn a_forged_account_proof_is_refused() {
    let mut r = Reading::new();
    let token = r.token;
    // A flipped byte in the account's leaf node.
    let mut call = r.storage_call();
    let last = call.accountProof.len() - 1;
    let mut node = call.accountProof[last].to_vec();
    let at = node.len() - 40;
    node[at] ^= 1;
    call.accountProof[last] = node.into();
    r.a.refused(predeploy::METALAYER_STATE, call, |e: &IMetalayerStateErrors| {
        matches!(e, IMetalayerStateErrors::InvalidAccountProof(x) if x.account == token)
    });
    // The token's proof offered for another account.
    let mut call = r.storage_call();
    call.target = HOLDER;
    r.a.refused(predeploy::METALAYER_STATE, call, |e: &IMetalayerStateErrors| {
        matches!(e, IMetalayerStateErrors::InvalidAccountProof(x) if x.account == HOLDER)
    });
}

#[test]
fn a_forged_storage_proof_is_refused() {
    let mut r = Reading::new();
    let token = r.token;
    let slot = reads::erc20_balance_slot(HOLDER);
    // A flipped byte in the slot's leaf node (where the value is).
    let mut call = r.storage_call();
    let last = call.storageProof.len() - 1;
    let mut node = call.storageProof[last].to_vec();
    let at = node.len() - 1;
    node[at] ^= 1;
    call.storageProof[last] = node.into();
    r.a.refused(predeploy::METALAYER_STATE, call, |e: &IMetalayerStateErrors| {
        matches!(e, IMetalayerStateErrors::InvalidStorageProof(x) if x.account == token && x.slot == slot)
    });
    // The proof of one slot offered for another.
    let mut call = r.storage_call();
    call.slot = reads::erc20_balance_slot(Address::repeat_byte(0x78));
    let other = call.slot;
    r.a.refused(predeploy::METALAYER_STATE, call, |e: &IMetalayerStateErrors| {
        matches!(e, IMetalayerStateErrors::InvalidStorageProof(x) if x.slot == other)
    });
}

/// A router message from A to B reading `HOLDER`'s balance on C, dispatched, with A's and C's
/// heads certified on B.
struct Routed {
    r: Reading,
    b: Node,
    recipient: Address,
    message: Vec<u8>,
    metadata: Vec<u8>,
    tree: CheckpointTree,
    /// The FINALIZED bit if the certified leaves are settled heads, else 0.
    settled: u64,
}

impl Routed {
    fn new() -> Self {
        Self::with(FinalityState::INSTANT, 0)
    }

    /// A message of `finality`, with A's and C's heads certified on B as leaves of chain
    /// `id | settled` (`settled` is 0 or the FINALIZED bit).
    fn with(finality: FinalityState, settled: u64) -> Self {
        Self::reading(finality, settled, |r| reads::balance_of_read(C as u32, r.token, HOLDER))
    }

    /// As [`Routed::with`], with the read `read` makes of C (it may deploy there first).
    fn reading(
        finality: FinalityState,
        settled: u64,
        read: impl FnOnce(&mut Reading) -> ReadOperation,
    ) -> Self {
        let mut r = Reading::new();
        let mut b = node(B, &r.set);
        let recipient = b.deploy(
            artifacts::READ_RECIPIENT.deploy_code(&predeploy::METALAYER_ROUTER.abi_encode()),
        );
        let read = read(&mut r);
        let dispatch = IMetalayerRouter::dispatch_0Call {
            destinationDomain: B as u32,
            recipientAddress: recipient,
            reads: vec![read.clone()],
            writeCallData: Bytes::from_static(b"settle"),
            finalityState: finality,
            gasLimit: U256::from(300_000),
        };
        let quote = r.a.call(
            predeploy::METALAYER_ROUTER,
            IMetalayerRouter::quoteDispatch_1Call {
                destinationDomain: B as u32,
                recipientAddress: recipient,
                reads: vec![read],
                writeCallData: Bytes::from_static(b"settle"),
                finalityState: finality,
                gasLimit: U256::from(300_000),
            },
        );
        assert!(quote > U256::ZERO, "the IGP charges for the destination gas");
        let outcome =
            r.a.send_value(TxKind::Call(predeploy::METALAYER_ROUTER), dispatch.abi_encode(), quote);
        assert!(outcome.success, "dispatch succeeds");
        let message = outcome
            .logs
            .iter()
            .find_map(|log| IMailbox::Dispatch::decode_log(log).ok())
            .expect("Dispatch")
            .data
            .message
            .to_vec();
        let as_certified = |l: Leaf| Leaf { chain_id: l.chain_id | settled, ..l };
        let tree =
            CheckpointTree::new(vec![as_certified(leaf(&r.a)), as_certified(leaf(&r.c))]).unwrap();
        certify(&r.keys, &r.set, &mut b, &tree, 1);
        let messages = MessageTree::new(vec![message_id(&message)]);
        let origin = tree.proof(A | settled).unwrap();
        let metadata = abi::ism_metadata(tree.root(), &origin, 0, &messages.proof(0).unwrap());
        Self { r, b, recipient, message, metadata, tree, settled }
    }

    /// The Metalayer message inside the Hyperlane body.
    fn metalayer(&self) -> MetalayerMessage {
        MetalayerMessage::decode(&self.message[HEADER_LEN..]).unwrap()
    }

    /// The relayer's proofs of the message's reads, at C's certified leaf.
    fn proofs(&self) -> Vec<abi::ReadProof> {
        let leaf = self.tree.proof(C | self.settled).unwrap();
        self.metalayer()
            .reads
            .iter()
            .enumerate()
            .map(|(i, read)| {
                let slot = reads::read_slot(read, i).unwrap();
                let proof =
                    self.r.c.chain.proof(read.target, vec![slot], leaf.leaf.block_number).unwrap();
                reads::storage_read_proof(read, i, self.tree.root(), &leaf, &proof).unwrap()
            })
            .collect()
    }

    /// `tephra_callWitness` of the message's first read on C at its certified leaf, as the
    /// relayer asks for it (from the zero address, with the router's read gas).
    fn call_witness(&self) -> (ReadOperation, LeafProof, tephra_chain::CallWitness) {
        let read = self.metalayer().reads[0].clone();
        let leaf = self.tree.proof(C | self.settled).unwrap();
        let request = TransactionRequest::default()
            .from(Address::ZERO)
            .to(read.target)
            .input(read.callData.clone().into())
            .gas_limit(reads::READ_GAS);
        let witness = self.r.c.chain.call_witness(request, leaf.leaf.block_number).unwrap();
        (read, leaf, witness)
    }

    /// The message's first read proven by its call witness.
    fn call_proofs(&self) -> Vec<abi::ReadProof> {
        let (read, leaf, witness) = self.call_witness();
        vec![reads::call_read_proof(&read, 0, self.tree.root(), &leaf, witness).unwrap()]
    }

    fn deliver(&self, proofs: Vec<abi::ReadProof>) -> IMetalayerRouter::deliverCall {
        reads::deliver_call(self.metadata.clone(), self.message.clone(), proofs)
    }
}

#[test]
fn a_router_message_carries_a_proven_erc20_balance_to_its_recipient() {
    let mut t = Routed::new();
    let m = t.metalayer();
    assert_eq!((m.version, m.finality, m.origin, m.destination), (3, 0, A as u32, B as u32));
    assert_eq!(m.sender, t.r.a.sender().into_word());
    assert_eq!(m.recipient, t.recipient.into_word());
    assert_eq!(m.write_call_data.as_ref(), b"settle");
    assert_eq!(m.reads, vec![reads::balance_of_read(C as u32, t.r.token, HOLDER)]);

    let outcome = t.b.transact(predeploy::METALAYER_ROUTER, t.deliver(t.proofs()));
    println!("gas: MetalayerRouter.deliver of a message with one read: {}", outcome.gas_used);
    assert!(
        t.b.call(predeploy::MAILBOX, IMailbox::deliveredCall { messageId: message_id(&t.message) })
    );

    let results = t.b.call(t.recipient, IReadRecipient::lastResultsCall {});
    assert_eq!(results, vec![Bytes::from(U256::from(AMOUNT).abi_encode())]);
    assert_eq!(t.b.call(t.recipient, IReadRecipient::lastOriginCall {}), A as u32);
    assert_eq!(
        t.b.call(t.recipient, IReadRecipient::lastSenderCall {}),
        t.r.a.sender().into_word()
    );
    assert_eq!(t.b.call(t.recipient, IReadRecipient::lastMessageCall {}).as_ref(), b"settle");
    assert_eq!(t.b.call(t.recipient, IReadRecipient::lastReadsCall {}), m.reads);
    // Delivered once: the Mailbox refuses it again.
    let again = t.b.try_call(predeploy::METALAYER_ROUTER, t.deliver(t.proofs()).abi_encode());
    assert!(again.is_err(), "a second delivery reverts");
}

#[test]
fn a_read_result_that_differs_from_the_proven_one_is_refused() {
    let mut t = Routed::new();
    let mut proofs = t.proofs();
    proofs[0].result = U256::from(AMOUNT + 1).abi_encode().into();
    let call = t.deliver(proofs);
    t.b.refused(predeploy::METALAYER_ROUTER, call, |e: &IMetalayerRouterErrors| {
        matches!(e, IMetalayerRouterErrors::ResultMismatch(x) if x.index == U256::ZERO)
    });
}

#[test]
fn a_router_read_with_a_forged_storage_proof_is_refused() {
    let mut t = Routed::new();
    let mut proofs = t.proofs();
    let (account_proof, mut storage_proof) =
        <(Vec<Bytes>, Vec<Bytes>)>::abi_decode_params(&proofs[0].evidence).unwrap();
    let last = storage_proof.len() - 1;
    let mut node = storage_proof[last].to_vec();
    let at = node.len() - 1;
    node[at] ^= 1;
    storage_proof[last] = node.into();
    proofs[0].evidence = (account_proof, storage_proof).abi_encode_params().into();
    let call = t.deliver(proofs);
    t.b.refused(predeploy::METALAYER_ROUTER, call, |e: &IMetalayerRouterErrors| {
        matches!(e, IMetalayerRouterErrors::InvalidStorageProof(_))
    });
}

#[test]
fn a_router_read_proven_against_an_uncertified_root_is_refused() {
    let mut t = Routed::new();
    // C's state after one more block, in a checkpoint B never certified.
    t.r.c.transact(t.r.token, IEraToken::transferCall { to: HOLDER, value: U256::from(1) });
    let uncertified = CheckpointTree::new(vec![leaf(&t.r.c)]).unwrap();
    let read = t.metalayer().reads[0].clone();
    let leaf = uncertified.proof(C).unwrap();
    let slot = reads::read_slot(&read, 0).unwrap();
    let proof = t.r.c.chain.proof(read.target, vec![slot], leaf.leaf.block_number).unwrap();
    let proofs =
        vec![reads::storage_read_proof(&read, 0, uncertified.root(), &leaf, &proof).unwrap()];
    let call = t.deliver(proofs);
    t.b.refused(predeploy::METALAYER_ROUTER, call, |e: &IMetalayerRouterErrors| {
        matches!(e, IMetalayerRouterErrors::RootNotCertified(_))
    });
}

#[test]
fn a_message_with_reads_processed_without_proofs_is_refused() {
    let mut t = Routed::new();
    // Straight to the Mailbox, the ISM accepts it but the router has no proven results.
    let call = IMailbox::processCall {
        metadata: t.metadata.clone().into(),
        message: t.message.clone().into(),
    };
    t.b.refused(predeploy::MAILBOX, call, |e: &IMetalayerRouterErrors| {
        matches!(e, IMetalayerRouterErrors::ReadsNotProven(_))
    });
    // Through the router with no proof for the read.
    let call = t.deliver(vec![]);
    t.b.refused(predeploy::METALAYER_ROUTER, call, |e: &IMetalayerRouterErrors| {
        matches!(e, IMetalayerRouterErrors::ReadCountMismatch(x) if x.reads == U256::from(1) && x.proofs == U256::ZERO)
    });
}

#[test]
fn a_finalized_message_is_delivered_under_settled_leaves_only() {
    // Certified as sequencer heads only: the router refuses it, through `deliver` and directly.
    let mut soft = Routed::with(FinalityState::FINALIZED, 0);
    assert_eq!(soft.metalayer().finality, FinalityState::FINALIZED as u8);
    let call = soft.deliver(soft.proofs());
    soft.b.refused(predeploy::METALAYER_ROUTER, call, |e: &IMetalayerRouterErrors| {
        matches!(e, IMetalayerRouterErrors::NotFinalized(x) if x.chainId == A)
    });
    let call = IMailbox::processCall {
        metadata: soft.metadata.clone().into(),
        message: soft.message.clone().into(),
    };
    soft.b.refused(predeploy::MAILBOX, call, |e: &IMetalayerRouterErrors| {
        matches!(e, IMetalayerRouterErrors::NotFinalized(_))
    });

    // Certified as heads settled on L1: delivered, with the read proven at C's settled head.
    let mut settled = Routed::with(FinalityState::FINALIZED, FINALIZED);
    let outcome =
        settled.b.transact(predeploy::METALAYER_ROUTER, settled.deliver(settled.proofs()));
    assert!(outcome.success);
    let results = settled.b.call(settled.recipient, IReadRecipient::lastResultsCall {});
    assert_eq!(results, vec![Bytes::from(U256::from(AMOUNT).abi_encode())]);
}

#[test]
fn a_finalized_messages_read_against_a_sequencer_head_is_refused() {
    let mut t = Routed::with(FinalityState::FINALIZED, FINALIZED);
    // The read's proof at C's soft leaf, in a checkpoint B also certified.
    let soft = CheckpointTree::new(vec![leaf(&t.r.c)]).unwrap();
    certify(&t.r.keys, &t.r.set, &mut t.b, &soft, 2);
    let read = t.metalayer().reads[0].clone();
    let leaf = soft.proof(C).unwrap();
    let slot = reads::read_slot(&read, 0).unwrap();
    let proof = t.r.c.chain.proof(read.target, vec![slot], leaf.leaf.block_number).unwrap();
    let proofs = vec![reads::storage_read_proof(&read, 0, soft.root(), &leaf, &proof).unwrap()];
    let call = t.deliver(proofs);
    t.b.refused(predeploy::METALAYER_ROUTER, call, |e: &IMetalayerRouterErrors| {
        matches!(e, IMetalayerRouterErrors::WrongChain(x) if x.expected == C | FINALIZED && x.got == C)
    });
}

#[test]
fn an_instant_message_is_delivered_under_a_settled_leaf_too() {
    // A settled head is a certified head: the ISM takes it for any message.
    let mut t = Routed::with(FinalityState::INSTANT, FINALIZED);
    let outcome = t.b.transact(predeploy::METALAYER_ROUTER, t.deliver(t.proofs()));
    assert!(outcome.success);
}

#[test]
fn a_read_proven_by_its_call_witness_reaches_the_recipient() {
    let mut t = Routed::new();
    assert_eq!(
        t.b.call(predeploy::METALAYER_ROUTER, IMetalayerRouter::READ_GASCall {}),
        reads::READ_GAS
    );
    let proofs = t.call_proofs();
    assert_eq!(proofs[0].kind, abi::Evidence::CALL_WITNESS);
    let outcome = t.b.transact(predeploy::METALAYER_ROUTER, t.deliver(proofs));
    println!(
        "gas: MetalayerRouter.deliver of a message with one call-witness read: {}",
        outcome.gas_used
    );
    let results = t.b.call(t.recipient, IReadRecipient::lastResultsCall {});
    assert_eq!(results, vec![Bytes::from(U256::from(AMOUNT).abi_encode())]);
}

#[test]
fn any_view_call_and_an_absent_slot_are_proven_by_call_witnesses() {
    // totalSupply(): no storage-proof rule covers it.
    let total = IEraToken::totalSupplyCall {}.abi_encode();
    let mut t = Routed::reading(FinalityState::INSTANT, 0, |r| ReadOperation {
        domain: C as u32,
        target: r.token,
        callData: total.clone().into(),
    });
    let supply = t.r.c.call(t.r.token, IEraToken::totalSupplyCall {});
    t.b.transact(predeploy::METALAYER_ROUTER, t.deliver(t.call_proofs()));
    let results = t.b.call(t.recipient, IReadRecipient::lastResultsCall {});
    assert_eq!(results, vec![Bytes::from(supply.abi_encode())]);

    // The balance of an account that never held any: a slot absent from the trie, which no
    // storage proof shows, read as zero through the witness's trie paths.
    let stranger = Address::repeat_byte(0x55);
    let mut t = Routed::reading(FinalityState::INSTANT, 0, |r| {
        reads::balance_of_read(C as u32, r.token, stranger)
    });
    let leaf = t.tree.proof(C).unwrap();
    let read = t.metalayer().reads[0].clone();
    let slot = reads::read_slot(&read, 0).unwrap();
    let proof = t.r.c.chain.proof(read.target, vec![slot], leaf.leaf.block_number).unwrap();
    assert_eq!(
        reads::storage_read_proof(&read, 0, t.tree.root(), &leaf, &proof),
        Err(reads::ReadError::EmptySlot(slot))
    );
    t.b.transact(predeploy::METALAYER_ROUTER, t.deliver(t.call_proofs()));
    let results = t.b.call(t.recipient, IReadRecipient::lastResultsCall {});
    assert_eq!(results, vec![Bytes::from(U256::ZERO.abi_encode())]);
}

#[test]
fn a_call_witness_result_that_differs_from_the_re_executed_one_is_refused() {
    let mut t = Routed::new();
    let mut proofs = t.call_proofs();
    proofs[0].result = U256::from(AMOUNT - 1).abi_encode().into();
    let call = t.deliver(proofs);
    t.b.refused(predeploy::METALAYER_ROUTER, call, |e: &IMetalayerRouterErrors| {
        matches!(e, IMetalayerRouterErrors::ResultMismatch(x) if x.index == U256::ZERO)
    });
}

#[test]
fn a_call_witness_that_lacks_a_node_or_is_tampered_with_is_refused() {
    let mut t = Routed::new();
    let (read, leaf, witness) = t.call_witness();
    for tamper in [
        |w: &mut tephra_chain::CallWitness| {
            w.state.pop();
        },
        |w: &mut tephra_chain::CallWitness| {
            let mut node = w.state[0].to_vec();
            let at = node.len() - 1;
            node[at] ^= 1;
            w.state[0] = node.into();
        },
    ] {
        let mut bad = witness.clone();
        tamper(&mut bad);
        let proofs = vec![reads::call_read_proof(&read, 0, t.tree.root(), &leaf, bad).unwrap()];
        let call = t.deliver(proofs);
        t.b.refused(predeploy::METALAYER_ROUTER, call, |e: &IMetalayerRouterErrors| {
            matches!(e, IMetalayerRouterErrors::WitnessRefused(x)
                if alloy_sol_types::Revert::abi_decode(&x.reason)
                    .is_ok_and(|r| r.reason.contains("the execution witness lacks trie node")))
        });
    }
}

#[test]
fn a_call_witness_of_an_uncertified_block_is_refused() {
    let mut t = Routed::new();
    let (read, leaf, _) = t.call_witness();
    // C moves on; the witness of its new head is valid but that block was never certified.
    t.r.c.transact(t.r.token, IEraToken::transferCall { to: HOLDER, value: U256::from(1) });
    let request = TransactionRequest::default()
        .from(Address::ZERO)
        .to(read.target)
        .input(read.callData.clone().into())
        .gas_limit(reads::READ_GAS);
    let newer = t.r.c.chain.call_witness(request, t.r.c.chain.head().header.number).unwrap();
    let got = alloy_primitives::keccak256(&newer.header);
    assert_eq!(
        reads::call_read_proof(&read, 0, t.tree.root(), &leaf, newer.clone()),
        Err(reads::ReadError::WrongBlock { expected: leaf.leaf.block_hash, got })
    );
    // Sent anyway, under the certified leaf: the header is not the certified block's.
    let mut proofs = t.call_proofs();
    proofs[0].evidence =
        abi::CallWitness { header: newer.header, nodes: newer.state, codes: newer.codes }
            .abi_encode()
            .into();
    proofs[0].result = newer.output;
    let call = t.deliver(proofs);
    t.b.refused(predeploy::METALAYER_ROUTER, call, |e: &IMetalayerRouterErrors| {
        matches!(e, IMetalayerRouterErrors::BlockNotCertified(x) if x.header == got)
    });
}

#[test]
fn a_read_that_reverts_on_the_certified_state_is_refused() {
    // transfer() from the zero address, which holds nothing: OpenZeppelin reverts.
    let transfer = IEraToken::transferCall { to: HOLDER, value: U256::from(1) }.abi_encode();
    let mut t = Routed::reading(FinalityState::INSTANT, 0, |r| ReadOperation {
        domain: C as u32,
        target: r.token,
        callData: transfer.clone().into(),
    });
    let (read, leaf, witness) = t.call_witness();
    assert!(!witness.success);
    assert!(matches!(
        reads::call_read_proof(&read, 0, t.tree.root(), &leaf, witness.clone()),
        Err(reads::ReadError::Reverted { index: 0, .. })
    ));
    // A relayer claiming the revert data as the result is refused on chain.
    let proofs = vec![abi::ReadProof {
        leaf: reads::proven_leaf(t.tree.root(), &leaf),
        kind: abi::Evidence::CALL_WITNESS,
        evidence: abi::CallWitness {
            header: witness.header,
            nodes: witness.state,
            codes: witness.codes,
        }
        .abi_encode()
        .into(),
        result: witness.output.clone(),
    }];
    let call = t.deliver(proofs);
    t.b.refused(predeploy::METALAYER_ROUTER, call, |e: &IMetalayerRouterErrors| {
        matches!(e, IMetalayerRouterErrors::ReadFailed(x) if x.revertData == witness.output)
    });
}

#[test]
fn a_finalized_call_witness_read_runs_with_the_chains_own_id() {
    // A contract on C returning CHAINID (runtime `CHAINID PUSH0 MSTORE PUSH1 32 PUSH0 RETURN`),
    // read under C's settled leaf, whose chain id carries the FINALIZED bit.
    let init = Bytes::from_static(&[
        0x60, 0x07, 0x60, 0x0a, 0x5f, 0x39, 0x60, 0x07, 0x5f,
        0xf3, // copy and return the runtime
        0x46, 0x5f, 0x52, 0x60, 0x20, 0x5f, 0xf3,
    ]);
    let mut t = Routed::reading(FinalityState::FINALIZED, FINALIZED, |r| ReadOperation {
        domain: C as u32,
        target: r.c.deploy(init),
        callData: Bytes::new(),
    });
    t.b.transact(predeploy::METALAYER_ROUTER, t.deliver(t.call_proofs()));
    let results = t.b.call(t.recipient, IReadRecipient::lastResultsCall {});
    assert_eq!(results, vec![Bytes::from(U256::from(C).abi_encode())]);
}

#[test]
fn a_call_witness_of_another_call_than_the_routers_is_refused_by_the_relayer() {
    let t = Routed::new();
    let (read, leaf, witness) = t.call_witness();
    assert!(reads::call_read_proof(&read, 0, t.tree.root(), &leaf, witness.clone()).is_ok());
    for other in [
        tephra_chain::CallWitness { from: HOLDER, ..witness.clone() },
        tephra_chain::CallWitness { gas: reads::READ_GAS - 1, ..witness.clone() },
        tephra_chain::CallWitness { to: HOLDER, ..witness.clone() },
        tephra_chain::CallWitness { data: Bytes::from_static(b"other"), ..witness },
    ] {
        assert_eq!(
            reads::call_read_proof(&read, 0, t.tree.root(), &leaf, other),
            Err(reads::ReadError::WrongCall(0))
        );
    }
}
