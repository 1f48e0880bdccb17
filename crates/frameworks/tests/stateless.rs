//! Stateless verification of blocks, as a guardian verifies a rollup's heads: for each profile,
//! blocks built on a real chain (deployments, storage writes and deletions, a contract created
//! and destroyed in one transaction, a block-hash read, and the profile's own system and
//! deposit transactions) are re-executed by `tephra_chain::verify_block` from their raw block
//! and their execution witness alone, against the parent's state root; and every way of lying
//! to the verifier (a missing node, code or header, a tampered transaction, a wrong trusted
//! root, headers that do not link, a forged header field) is refused, naming what is wrong.

use alloy_consensus::{
    Header, SignableTransaction, TxEip1559, TxReceipt, proofs::calculate_transaction_root,
    transaction::Recovered,
};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, keccak256};
use alloy_rpc_types_debug::ExecutionWitness;
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, sol};
use std::{sync::Arc, time::Instant};
use support::{Fixture, sign};

mod support;
use tephra_chain::{
    BlockAttributes, Chain, ChainSpec, ExecutedBlock, Framework, L1Inputs, L1Origin,
    StatelessError, VerifiedBlock, WitnessGap, verify_block,
};
use tephra_frameworks::{
    Schedule, Step, by_name, nitro::ARB_SYS, op_stack::L2_TO_L1_MESSAGE_PASSER,
};
use tephra_primitives::{
    Block, TxEnvelope, decode_block,
    eip712::{DEFAULT_GAS_PER_PUBDATA, Eip712Meta, TxEip712},
    encode_block,
    tx::{TxArbitrumDeposit, TxDeposit, TxPriority, UserDepositSource},
};

sol! {
    function initiateWithdrawal(address target, uint256 gasLimit, bytes data) external payable;
    function withdrawEth(address destination) external payable returns (uint256);
    function arbBlockHash(uint256 arbBlockNum) external view returns (bytes32);
}

/// The runtime of the test contract: `storage[calldata[0..32]] = calldata[32..64]` (a zero
/// value deletes the slot), then `storage[0xff] = blockhash(number - 2)`.
const RUNTIME: [u8; 16] = [
    0x60, 0x20, 0x35, // PUSH1 32 CALLDATALOAD: value
    0x60, 0x00, 0x35, // PUSH1 0 CALLDATALOAD: key
    0x55, // SSTORE
    0x60, 0x02, 0x43, 0x03, 0x40, // PUSH1 2 NUMBER SUB BLOCKHASH
    0x60, 0xff, 0x55, // PUSH1 0xff SSTORE
    0x00, // STOP
];

/// Init code deploying [`RUNTIME`].
fn deploy_code() -> Bytes {
    let mut code = vec![0x60, 0x10, 0x60, 0x0c, 0x60, 0x00, 0x39, 0x60, 0x10, 0x60, 0x00, 0xf3];
    code.extend_from_slice(&RUNTIME);
    code.into()
}

/// Init code of a contract that self-destructs in its constructor, sending its value to
/// `beneficiary`: created and destroyed in one transaction, the one case EIP-6780 still
/// deletes.
fn self_destructing_code(beneficiary: Address) -> Bytes {
    let mut code = vec![0x73];
    code.extend_from_slice(beneficiary.as_slice());
    code.push(0xff);
    code.into()
}

fn set(key: u64, value: u64) -> Bytes {
    let mut input = U256::from(key).to_be_bytes::<32>().to_vec();
    input.extend_from_slice(&U256::from(value).to_be_bytes::<32>());
    input.into()
}

/// A chain under the profile `name`, and its chain id.
fn profile_fixture(name: &str, accounts: u32) -> (Fixture, u64) {
    let chain_id = match name {
        "ethereum" => 31337,
        "op-stack" => 901,
        "nitro" => 412346,
        "zk-stack" => 260,
        other => panic!("no profile {other}"),
    };
    (support::fixture(by_name(name).unwrap(), chain_id, accounts), chain_id)
}

fn eip1559(
    signer: &PrivateKeySigner,
    chain_id: u64,
    nonce: u64,
    to: TxKind,
    value: u64,
    input: Bytes,
) -> Recovered<TxEnvelope> {
    let tx = TxEip1559 {
        chain_id,
        nonce,
        gas_limit: 1_000_000,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to,
        value: U256::from(value),
        input,
        ..Default::default()
    };
    sign(signer, tx)
}

/// Builds and commits the next block with `deposits` from its L1 origin (a rollup's) and the
/// pool's `txs`, all of which must be included.
fn mine(
    chain: &Chain,
    deposits: Vec<Recovered<TxEnvelope>>,
    txs: &[Recovered<TxEnvelope>],
) -> ExecutedBlock {
    let head = chain.head();
    let timestamp = head.header.timestamp + 2;
    let l1 = (chain.framework().name() != "ethereum").then(|| L1Inputs {
        origin: L1Origin {
            number: 100 + head.header.number,
            hash: keccak256(head.hash),
            timestamp: timestamp - 1,
            base_fee: 7,
            blob_base_fee: 1,
        },
        deposits,
    });
    let attributes = BlockAttributes {
        timestamp,
        beneficiary: Address::repeat_byte(0xcb),
        prevrandao: keccak256(head.hash),
        gas_limit: 30_000_000,
        l1,
    };
    let (block, applied) =
        chain.build_block(&attributes, txs.iter().map(|tx| tx.as_recovered_ref())).unwrap();
    assert!(block.skipped.is_empty(), "every offered transaction is included: {:?}", block.skipped);
    chain.commit_block(&block, &applied).unwrap();
    block
}

/// The profile's own deposit (L1 -> L2) transaction, and a user transaction of its own kind
/// (a withdrawal, or an EIP-712 transaction), for the third block.
fn profile_transactions(
    name: &str,
    chain_id: u64,
    signer: &PrivateKeySigner,
    nonce: u64,
) -> (Vec<Recovered<TxEnvelope>>, Vec<Recovered<TxEnvelope>>) {
    let depositor = Address::repeat_byte(0xd0);
    let recipient = Address::repeat_byte(0xd1);
    match name {
        "op-stack" => {
            let deposit = TxDeposit {
                source_hash: UserDepositSource::new(B256::repeat_byte(0xd0), 0).source_hash(),
                from: depositor,
                to: TxKind::Call(recipient),
                mint: 10u128.pow(18),
                value: U256::from(10u64.pow(17)),
                gas_limit: 100_000,
                is_system_transaction: false,
                input: Bytes::new(),
            };
            let withdraw = initiateWithdrawalCall {
                target: Address::repeat_byte(0x11),
                gasLimit: U256::from(100_000),
                data: Bytes::from_static(b"to L1"),
            };
            let withdrawal = eip1559(
                signer,
                chain_id,
                nonce,
                TxKind::Call(L2_TO_L1_MESSAGE_PASSER),
                1_000,
                withdraw.abi_encode().into(),
            );
            (vec![Recovered::new_unchecked(deposit.into(), depositor)], vec![withdrawal])
        }
        "nitro" => {
            let deposit = TxArbitrumDeposit {
                chain_id: U256::from(chain_id),
                l1_request_id: B256::repeat_byte(0x01),
                from: depositor,
                to: recipient,
                value: U256::from(10u64.pow(18)),
            };
            let withdraw = withdrawEthCall { destination: Address::repeat_byte(0x22) };
            let withdrawal = eip1559(
                signer,
                chain_id,
                nonce,
                TxKind::Call(ARB_SYS),
                1_000,
                withdraw.abi_encode().into(),
            );
            // NUMBER is the L1 block on Nitro: L2 block hashes are read through ArbSys.
            let hash_read = eip1559(
                signer,
                chain_id,
                nonce + 1,
                TxKind::Call(ARB_SYS),
                0,
                arbBlockHashCall { arbBlockNum: U256::from(1) }.abi_encode().into(),
            );
            (vec![Recovered::new_unchecked(deposit.into(), depositor)], vec![withdrawal, hash_read])
        }
        "zk-stack" => {
            let (gas_limit, price) = (300_000u64, 250_000_000u128);
            let value = U256::from(10u64.pow(18));
            let priority = TxPriority {
                from: depositor,
                to: recipient,
                gas_limit,
                gas_per_pubdata_byte_limit: U256::from(800),
                max_fee_per_gas: price,
                max_priority_fee_per_gas: 0,
                paymaster: Address::ZERO,
                serial_id: 0,
                value,
                reserved: [
                    value + U256::from(gas_limit) * U256::from(price),
                    U256::from_be_bytes(depositor.into_word().0),
                    U256::ZERO,
                    U256::ZERO,
                ],
                input: Bytes::new(),
                signature: Bytes::new(),
                factory_deps: Vec::new(),
                paymaster_input: Bytes::new(),
                reserved_dynamic: Bytes::new(),
            };
            let mut eip712 = TxEip712 {
                chain_id,
                nonce,
                max_priority_fee_per_gas: 1_000_000_000,
                max_fee_per_gas: 10_000_000_000,
                gas_limit: 1_000_000,
                to: TxKind::Call(Address::repeat_byte(0x71)),
                value: U256::from(712),
                input: Bytes::new(),
                v: chain_id,
                r: U256::ZERO,
                s: U256::ZERO,
                from: signer.address(),
                eip712_meta: Eip712Meta {
                    gas_per_pubdata: U256::from(DEFAULT_GAS_PER_PUBDATA),
                    ..Default::default()
                },
            };
            let signature =
                alloy_signer::SignerSync::sign_hash_sync(signer, &eip712.signing_hash()).unwrap();
            eip712.eip712_meta.custom_signature = Bytes::from(signature.as_bytes().to_vec());
            let from = eip712.from;
            (
                vec![Recovered::new_unchecked(priority.into(), depositor)],
                vec![Recovered::new_unchecked(eip712.into(), from)],
            )
        }
        _ => (Vec::new(), Vec::new()),
    }
}

/// Four blocks on `name`'s chain: a deployment and a transfer; storage writes; a deletion, a
/// block-hash read, a contract created and destroyed, and the profile's own transactions; an
/// empty block (system transactions only).
fn history(name: &str) -> Fixture {
    let (f, chain_id) = profile_fixture(name, 2);
    let (alice, bob) = (&f.signers[0], &f.signers[1]);
    let contract = alice.address().create(0);
    let tx = |signer, nonce, to, value, input| eip1559(signer, chain_id, nonce, to, value, input);
    mine(
        &f.chain,
        Vec::new(),
        &[
            tx(alice, 0, TxKind::Create, 0, deploy_code()),
            tx(bob, 0, TxKind::Call(Address::repeat_byte(0x42)), 5, Bytes::new()),
        ],
    );
    mine(
        &f.chain,
        Vec::new(),
        &[
            tx(alice, 1, TxKind::Call(contract), 0, set(1, 7)),
            tx(bob, 1, TxKind::Call(contract), 0, set(2, 9)),
            tx(alice, 2, TxKind::Call(contract), 0, set(3, 11)),
        ],
    );
    let (deposits, own) = profile_transactions(name, chain_id, bob, 3);
    let mut txs = vec![
        tx(alice, 3, TxKind::Call(contract), 0, set(1, 0)),
        tx(bob, 2, TxKind::Create, 1_000, self_destructing_code(Address::repeat_byte(0x5d))),
    ];
    txs.extend(own);
    let block = mine(&f.chain, deposits, &txs);
    assert!(block.block.receipts.iter().all(|r| r.status()), "every transaction succeeds");
    mine(&f.chain, Vec::new(), &[]);
    f
}

/// Block `number` of `chain` as a guardian receives it: `debug_getRawBlock`'s bytes decoded,
/// and `debug_executionWitness`.
fn fetch(chain: &Chain, number: u64) -> (Block, ExecutionWitness) {
    let reader = chain.reader().unwrap();
    let header = reader.header(number).unwrap().unwrap();
    let transactions = reader.transactions(number).unwrap().unwrap_or_default();
    let raw = encode_block(&tephra_primitives::block::block(header, transactions));
    (decode_block(&raw).unwrap(), chain.execution_witness(number).unwrap())
}

fn parent_root(chain: &Chain, number: u64) -> B256 {
    chain.reader().unwrap().header(number - 1).unwrap().unwrap().state_root
}

/// Verifies `block` as a guardian of `chain` does: with its own instance of the profile.
fn verify(
    chain: &Chain,
    block: &Block,
    witness: &ExecutionWitness,
    trusted: B256,
) -> Result<VerifiedBlock, StatelessError> {
    let framework = by_name(chain.framework().name()).unwrap();
    let spec = ChainSpec::latest(chain.spec().chain_id);
    verify_block(&spec, &*framework, block, witness, trusted)
}

fn verifies_every_block(name: &str) {
    let f = history(name);
    let head = f.chain.head().header.number;
    let reader = f.chain.reader().unwrap();
    for number in 1..=head {
        let (block, witness) = fetch(&f.chain, number);
        let verified = verify(&f.chain, &block, &witness, parent_root(&f.chain, number))
            .unwrap_or_else(|err| panic!("{name} block {number}: {err}"));
        let header = reader.header(number).unwrap().unwrap();
        assert_eq!(verified.hash, header.hash_slow());
        assert_eq!(verified.state_root, header.state_root);
        assert_eq!(verified.gas_used, header.gas_used);
        assert_eq!(verified.senders, reader.senders(number).unwrap().unwrap_or_default());
        assert_eq!(verified.receipts, reader.receipts(number).unwrap().unwrap_or_default());
    }
    // The third block read the hash of the first (BLOCKHASH, or ArbSys on Nitro): its witness
    // carries that header, which the verifier checked to chain up to the parent.
    let (_, witness) = fetch(&f.chain, 3);
    assert!(witness.headers.len() >= 2, "{name}: {} witness headers", witness.headers.len());
}

#[test]
fn ethereum_blocks_verify_statelessly() {
    verifies_every_block("ethereum");
}

#[test]
fn op_stack_blocks_with_l1_attributes_deposits_and_withdrawals_verify_statelessly() {
    verifies_every_block("op-stack");
}

#[test]
fn nitro_blocks_with_deposits_and_withdrawals_verify_statelessly() {
    verifies_every_block("nitro");
}

#[test]
fn zk_stack_blocks_with_priority_and_eip712_transactions_verify_statelessly() {
    verifies_every_block("zk-stack");
}

/// The third block of the op-stack history (the richest: deposits, withdrawals, a
/// deletion, a self-destruct, a block-hash read), its witness and its parent's root.
fn op_block() -> (Fixture, Block, ExecutionWitness, B256) {
    let f = history("op-stack");
    let (block, witness) = fetch(&f.chain, 3);
    let root = parent_root(&f.chain, 3);
    (f, block, witness, root)
}

#[test]
fn a_witness_without_any_one_of_its_nodes_is_refused_naming_that_node() {
    let (f, block, witness, root) = op_block();
    assert!(!witness.state.is_empty());
    for (index, node) in witness.state.iter().enumerate() {
        let mut partial = witness.clone();
        partial.state.remove(index);
        let err = verify(&f.chain, &block, &partial, root).expect_err("a node is missing");
        let StatelessError::IncompleteWitness(WitnessGap::Node(hash)) = err else {
            panic!("node {index} dropped: {err}");
        };
        assert_eq!(hash, keccak256(node), "the error names the dropped node");
        assert!(err.to_string().contains(&hash.to_string()), "{err}");
    }
}

#[test]
fn a_witness_without_a_bytecode_is_refused_naming_it() {
    let (f, block, mut witness, root) = op_block();
    let code = witness.codes.iter().position(|code| code[..] == RUNTIME).expect("the contract ran");
    witness.codes.remove(code);
    let err = verify(&f.chain, &block, &witness, root).expect_err("a code is missing");
    assert!(
        matches!(err, StatelessError::IncompleteWitness(WitnessGap::Code(hash)) if hash == keccak256(RUNTIME)),
        "{err}"
    );
}

#[test]
fn a_witness_without_the_header_of_a_read_block_hash_is_refused_naming_it() {
    let (f, block, mut witness, root) = op_block();
    let oldest = witness
        .headers
        .iter()
        .map(|raw| alloy_rlp::decode_exact::<Header>(raw).unwrap().number)
        .min()
        .unwrap();
    witness.headers.retain(|raw| alloy_rlp::decode_exact::<Header>(raw).unwrap().number != oldest);
    let err = verify(&f.chain, &block, &witness, root).expect_err("a header is missing");
    assert!(
        matches!(err, StatelessError::IncompleteWitness(WitnessGap::Header(n)) if n == oldest),
        "{err}"
    );
    // Without any header, the parent's is missing.
    witness.headers.clear();
    let err = verify(&f.chain, &block, &witness, root).expect_err("no parent header");
    assert!(matches!(err, StatelessError::IncompleteWitness(WitnessGap::Header(2))), "{err}");
}

#[test]
fn a_tampered_transaction_under_a_recomputed_transactions_root_is_refused_by_the_state_root() {
    let (f, mut block, witness, root) = op_block();
    // Alice's deletion becomes a write of another value: same sender, same nonce, valid.
    let index = block
        .body
        .transactions
        .iter()
        .position(|tx| tx.recover_sender().ok() == Some(f.signers[0].address()))
        .unwrap();
    let contract = f.signers[0].address().create(0);
    let forged = eip1559(&f.signers[0], 901, 3, TxKind::Call(contract), 0, set(1, 8));
    block.body.transactions[index] = forged.into_inner();
    block.header.transactions_root = calculate_transaction_root(&block.body.transactions);
    let err = verify(&f.chain, &block, &witness, root).expect_err("another transaction");
    let StatelessError::StateRootMismatch { computed, header } = err else {
        panic!("expected a state root mismatch: {err}");
    };
    assert_eq!(header, block.header.state_root);
    assert_ne!(computed, header);
}

#[test]
fn a_transaction_not_under_the_headers_transactions_root_is_refused() {
    let (f, mut block, witness, root) = op_block();
    let last = block.body.transactions.len() - 1;
    block.body.transactions[last] =
        eip1559(&f.signers[1], 901, 9, TxKind::Call(Address::ZERO), 1, Bytes::new()).into_inner();
    let err = verify(&f.chain, &block, &witness, root).expect_err("body and header differ");
    assert!(
        matches!(err, StatelessError::HeaderMismatch { field: "transactionsRoot", .. }),
        "{err}"
    );
}

#[test]
fn a_wrong_trusted_parent_root_is_refused() {
    let (f, block, witness, root) = op_block();
    let wrong = keccak256(root);
    let err = verify(&f.chain, &block, &witness, wrong).expect_err("untrusted parent");
    assert!(
        matches!(err, StatelessError::UntrustedParent { trusted, witness } if trusted == wrong && witness == root),
        "{err}"
    );
    // The root of another block of the same chain is not trusted for this one either.
    let grandparent = parent_root(&f.chain, 2);
    assert!(matches!(
        verify(&f.chain, &block, &witness, grandparent),
        Err(StatelessError::UntrustedParent { .. })
    ));
}

/// `witness` with the header of block `number` changed (its extra data).
fn with_forged_header(witness: &ExecutionWitness, number: u64) -> ExecutionWitness {
    let mut forged = witness.clone();
    for raw in &mut forged.headers {
        let mut header: Header = alloy_rlp::decode_exact(&raw[..]).unwrap();
        if header.number == number {
            header.extra_data = Bytes::from_static(b"forged");
            *raw = alloy_rlp::encode(&header).into();
        }
    }
    forged
}

#[test]
fn a_header_chain_that_does_not_link_is_refused() {
    let (f, block, witness, root) = op_block();
    // An ancestor that is not the parent's parent.
    let err = verify(&f.chain, &block, &with_forged_header(&witness, 1), root)
        .expect_err("the ancestor does not link");
    assert!(
        matches!(err, StatelessError::BrokenHeaderChain { number: 2, previous_number: 1, .. }),
        "{err}"
    );
    // A parent that is not the block's.
    let err = verify(&f.chain, &block, &with_forged_header(&witness, 2), root)
        .expect_err("the parent does not link");
    assert!(
        matches!(err, StatelessError::ParentMismatch { block: b, .. } if b == block.header.parent_hash),
        "{err}"
    );
    // A gap: the parent and the genesis header, without block 1.
    let mut gapped = witness;
    gapped.headers.retain(|raw| alloy_rlp::decode_exact::<Header>(raw).unwrap().number == 2);
    let genesis = f.chain.reader().unwrap().header(0).unwrap().unwrap();
    gapped.headers.insert(0, alloy_rlp::encode(&genesis).into());
    let err = verify(&f.chain, &block, &gapped, root).expect_err("a gap in the headers");
    assert!(matches!(err, StatelessError::BrokenHeaderChain { number: 2, .. }), "{err}");
}

#[test]
fn a_witness_header_not_older_than_the_block_is_refused() {
    let (f, block, mut witness, root) = op_block();
    witness.headers.push(alloy_rlp::encode(&block.header).into());
    let err = verify(&f.chain, &block, &witness, root).expect_err("not an ancestor");
    assert!(matches!(err, StatelessError::NotAnAncestor { number: 3, block: 3 }), "{err}");
}

#[test]
fn blocks_across_framework_changes_verify_statelessly_under_the_same_schedule() {
    let schedule = || -> Arc<dyn Framework> {
        let op = by_name("op-stack").unwrap();
        let zk = by_name("zk-stack").unwrap();
        let steps = [Step { at_block: 3, framework: op }, Step { at_block: 5, framework: zk }];
        Arc::new(Schedule::new(by_name("ethereum").unwrap(), steps).unwrap())
    };
    let f = support::fixture(schedule(), 31337, 1);
    let alice = &f.signers[0];
    let contract = alice.address().create(0);
    let tx = |nonce, to, input| eip1559(alice, 31337, nonce, to, 0, input);
    mine(&f.chain, Vec::new(), &[tx(0, TxKind::Create, deploy_code())]);
    for (nonce, (key, value)) in [(1, 7), (2, 9), (1, 0), (3, 4), (2, 0)].into_iter().enumerate() {
        mine(
            &f.chain,
            Vec::new(),
            &[tx(nonce as u64 + 1, TxKind::Call(contract), set(key, value))],
        );
    }
    let guardian = schedule();
    for number in 1..=f.chain.head().header.number {
        let (block, witness) = fetch(&f.chain, number);
        let verified = verify_block(
            &ChainSpec::latest(31337),
            &*guardian,
            &block,
            &witness,
            parent_root(&f.chain, number),
        )
        .unwrap_or_else(|err| panic!("block {number}: {err}"));
        assert_eq!(verified.state_root, block.header.state_root);
    }
}

#[test]
fn forged_header_fields_are_refused_by_name() {
    let (f, block, witness, root) = op_block();
    let refused = |edit: &dyn Fn(&mut Header)| {
        let mut forged = block.clone();
        edit(&mut forged.header);
        verify(&f.chain, &forged, &witness, root).expect_err("a forged field")
    };
    let err = refused(&|h| h.state_root = B256::repeat_byte(1));
    assert!(matches!(err, StatelessError::StateRootMismatch { .. }), "{err}");
    let err = refused(&|h| h.receipts_root = B256::repeat_byte(1));
    assert!(matches!(err, StatelessError::HeaderMismatch { field: "receiptsRoot", .. }), "{err}");
    let err = refused(&|h| h.gas_used += 1);
    assert!(matches!(err, StatelessError::HeaderMismatch { field: "gasUsed", .. }), "{err}");
    let err = refused(&|h| h.base_fee_per_gas = h.base_fee_per_gas.map(|fee| fee + 1));
    assert!(matches!(err, StatelessError::HeaderMismatch { field: "baseFeePerGas", .. }), "{err}");
    let err = refused(&|h| h.logs_bloom = Default::default());
    assert!(matches!(err, StatelessError::HeaderMismatch { field: "logsBloom", .. }), "{err}");
    // OP Stack's withdrawals root (the message passer's storage root) is the outbox a
    // guardian signs: checked from the post-state.
    let err = refused(&|h| h.withdrawals_root = Some(B256::repeat_byte(1)));
    assert!(
        matches!(err, StatelessError::HeaderMismatch { field: "withdrawalsRoot", .. }),
        "{err}"
    );
}

#[test]
fn nitro_send_root_in_the_header_is_checked_from_the_post_state() {
    let f = history("nitro");
    let (mut block, witness) = fetch(&f.chain, 3);
    let root = parent_root(&f.chain, 3);
    block.header.extra_data = Bytes::from(B256::repeat_byte(1).to_vec());
    let err = verify(&f.chain, &block, &witness, root).expect_err("a forged send root");
    assert!(matches!(err, StatelessError::HeaderMismatch { field: "extraData", .. }), "{err}");
}

/// Not a benchmark (nothing is asserted about time): prints how long verifying a block
/// statelessly takes next to building it on the store.
#[test]
fn stateless_verification_time_next_to_building() {
    let (f, chain_id) = profile_fixture("ethereum", 20);
    let contract = f.signers[0].address().create(0);
    mine(
        &f.chain,
        Vec::new(),
        &[eip1559(&f.signers[0], chain_id, 0, TxKind::Create, 0, deploy_code())],
    );
    let mut txs = Vec::new();
    for (i, signer) in f.signers.iter().enumerate() {
        let first = u64::from(i == 0);
        for n in 0..10u64 {
            let (to, input) = if n % 2 == 0 {
                (TxKind::Call(contract), set(i as u64 * 100 + n, n + 1))
            } else {
                (TxKind::Call(Address::repeat_byte(0x40 + n as u8)), Bytes::new())
            };
            txs.push(eip1559(signer, chain_id, first + n, to, 1, input));
        }
    }
    let head = f.chain.head();
    let attributes = BlockAttributes {
        timestamp: head.header.timestamp + 2,
        beneficiary: Address::repeat_byte(0xcb),
        prevrandao: keccak256(head.hash),
        gas_limit: 30_000_000,
        l1: None,
    };
    let started = Instant::now();
    let (built, applied) =
        f.chain.build_block(&attributes, txs.iter().map(|tx| tx.as_recovered_ref())).unwrap();
    let build = started.elapsed();
    assert!(built.skipped.is_empty());
    f.chain.commit_block(&built, &applied).unwrap();
    let number = built.block.header.number;
    let started = Instant::now();
    let (block, witness) = fetch(&f.chain, number);
    let witness_time = started.elapsed();
    let root = parent_root(&f.chain, number);
    // Best of three, as the first run also warms caches.
    let mut verify_time = std::time::Duration::MAX;
    for _ in 0..3 {
        let started = Instant::now();
        verify(&f.chain, &block, &witness, root).unwrap();
        verify_time = verify_time.min(started.elapsed());
    }
    let started = Instant::now();
    for tx in &block.body.transactions {
        tx.recover_sender().unwrap();
    }
    let recovery = started.elapsed();
    println!(
        "block of {} transactions: built in {build:?} (senders known); witness ({} nodes, {} \
         codes) served in {witness_time:?}; verified statelessly in {verify_time:?}, recovering \
         the senders included (one thread recovers them in {recovery:?})",
        block.body.transactions.len(),
        witness.state.len(),
        witness.codes.len(),
    );
}

#[test]
fn a_block_of_unsigned_user_transactions_is_refused() {
    let (f, mut block, witness, root) = op_block();
    let index = block.body.transactions.len() - 1;
    let TxEnvelope::Eip1559(signed) = &block.body.transactions[index] else {
        panic!("the last transaction is a user's");
    };
    let mut tx = signed.tx().clone();
    let bad = alloy_primitives::Signature::new(U256::ZERO, U256::ZERO, false);
    tx.nonce = signed.tx().nonce;
    block.body.transactions[index] = tx.into_signed(bad).into();
    block.header.transactions_root = calculate_transaction_root(&block.body.transactions);
    let err = verify(&f.chain, &block, &witness, root).expect_err("no sender");
    assert!(matches!(err, StatelessError::InvalidSender { index: i, .. } if i == index), "{err}");
}
