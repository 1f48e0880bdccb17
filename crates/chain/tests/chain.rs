//! The chain core end to end, in process: genesis, blocks of real signed transactions, the
//! state root against an independent computation, history, proofs, unwinding and reopening.

use alloy_consensus::{SignableTransaction, TxEip1559, TxReceipt, transaction::Recovered};
use alloy_network::TxSignerSync;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, keccak256};
use alloy_signer_local::PrivateKeySigner;
use alloy_trie::{EMPTY_ROOT_HASH, HashBuilder, Nibbles, TrieAccount, proof::verify_proof};
use std::{collections::BTreeMap, sync::Arc};
use tephra_chain::{BlockAttributes, Chain, ChainSpec};
use tephra_primitives::{
    TxEnvelope,
    dev::{DevGenesis, dev_accounts},
};
use tephra_storage::Store;

fn ethereum() -> Arc<dyn tephra_chain::Framework> {
    Arc::new(tephra_frameworks::Ethereum)
}

struct Fixture {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    chain: Chain,
    signers: Vec<PrivateKeySigner>,
    genesis: tephra_primitives::Genesis,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chain.redb");
    let signers = dev_accounts(3).unwrap();
    let genesis = DevGenesis {
        chain_id: 31337,
        gas_limit: 30_000_000,
        base_fee: 1_000_000_000,
        timestamp: 1_700_000_000,
        accounts: signers.iter().map(|s| s.address()).collect(),
        balance: U256::from(10u64).pow(U256::from(22u64)),
    }
    .build();
    let chain =
        Chain::open(Store::open(&path).unwrap(), ChainSpec::latest(31337), ethereum(), &genesis)
            .unwrap();
    Fixture { _dir: dir, path, chain, signers, genesis }
}

fn transfer(
    signer: &PrivateKeySigner,
    nonce: u64,
    to: Address,
    value: u64,
) -> Recovered<TxEnvelope> {
    let mut tx = TxEip1559 {
        chain_id: 31337,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: TxKind::Call(to),
        value: U256::from(value),
        ..Default::default()
    };
    let signature = signer.sign_transaction_sync(&mut tx).unwrap();
    Recovered::new_unchecked(tx.into_signed(signature).into(), signer.address())
}

/// Deploys a contract whose runtime stores calldata word 0 at slot calldata word 1.
fn deploy_store(signer: &PrivateKeySigner, nonce: u64) -> Recovered<TxEnvelope> {
    // runtime: PUSH1 0 CALLDATALOAD PUSH1 32 CALLDATALOAD SSTORE STOP
    let runtime = [0x60, 0x00, 0x35, 0x60, 0x20, 0x35, 0x55, 0x00];
    let mut init = vec![
        0x60,
        runtime.len() as u8,
        0x60,
        0x0c,
        0x60,
        0x00,
        0x39,
        0x60,
        runtime.len() as u8,
        0x60,
        0x00,
        0xf3,
    ];
    init.extend_from_slice(&runtime);
    let mut tx = TxEip1559 {
        chain_id: 31337,
        nonce,
        gas_limit: 200_000,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: TxKind::Create,
        input: Bytes::from(init),
        ..Default::default()
    };
    let signature = signer.sign_transaction_sync(&mut tx).unwrap();
    Recovered::new_unchecked(tx.into_signed(signature).into(), signer.address())
}

fn call_store(
    signer: &PrivateKeySigner,
    nonce: u64,
    to: Address,
    value: B256,
    slot: B256,
) -> Recovered<TxEnvelope> {
    let mut input = value.to_vec();
    input.extend_from_slice(slot.as_slice());
    let mut tx = TxEip1559 {
        chain_id: 31337,
        nonce,
        gas_limit: 100_000,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: TxKind::Call(to),
        input: input.into(),
        ..Default::default()
    };
    let signature = signer.sign_transaction_sync(&mut tx).unwrap();
    Recovered::new_unchecked(tx.into_signed(signature).into(), signer.address())
}

fn mine(chain: &Chain, txs: &[Recovered<TxEnvelope>]) -> tephra_chain::ExecutedBlock {
    let head = chain.head();
    let attributes = BlockAttributes {
        timestamp: head.header.timestamp + 1,
        beneficiary: Address::repeat_byte(0xcb),
        prevrandao: keccak256(head.hash),
        gas_limit: 30_000_000,
        l1: None,
    };
    let (block, applied) =
        chain.build_block(&attributes, txs.iter().map(|tx| tx.as_recovered_ref())).unwrap();
    chain.commit_block(&block, &applied).unwrap();
    block
}

/// The state root recomputed from scratch with alloy-trie's HashBuilder over every account
/// and slot the store holds for `addresses`.
fn full_state_root(chain: &Chain, addresses: &[Address]) -> B256 {
    let reader = chain.reader().unwrap();
    let mut leaves = BTreeMap::new();
    for address in addresses {
        let Some(mut account) = reader.account(address).unwrap() else { continue };
        let slots: BTreeMap<B256, U256> = reader
            .storage_slots(address)
            .unwrap()
            .into_iter()
            .map(|(slot, value)| (keccak256(slot), value))
            .collect();
        let mut storage = HashBuilder::default();
        for (key, value) in &slots {
            storage.add_leaf(Nibbles::unpack(key), &alloy_rlp::encode(value));
        }
        account.storage_root = if slots.is_empty() { EMPTY_ROOT_HASH } else { storage.root() };
        leaves.insert(keccak256(address), alloy_rlp::encode(account));
    }
    let mut builder = HashBuilder::default();
    for (key, value) in &leaves {
        builder.add_leaf(Nibbles::unpack(key), value);
    }
    builder.root()
}

#[test]
fn blocks_have_the_state_root_a_full_recomputation_gives() {
    let f = fixture();
    let mut addresses: Vec<Address> = f.genesis.alloc.keys().copied().collect();
    assert_eq!(f.chain.head().header.state_root, full_state_root(&f.chain, &addresses));

    let recipient = Address::repeat_byte(0x42);
    addresses.extend([recipient, Address::repeat_byte(0xcb)]);
    let block = mine(
        &f.chain,
        &[transfer(&f.signers[0], 0, recipient, 1_000), transfer(&f.signers[1], 0, recipient, 5)],
    );
    assert_eq!(block.block.transactions.len(), 2);
    assert_eq!(block.block.header.state_root, full_state_root(&f.chain, &addresses));

    let contract = f.signers[2].address().create(0);
    addresses.push(contract);
    let block = mine(&f.chain, &[deploy_store(&f.signers[2], 0)]);
    assert!(block.block.receipts[0].status(), "deployment succeeds");
    let block = mine(
        &f.chain,
        &[
            call_store(
                &f.signers[2],
                1,
                contract,
                B256::with_last_byte(7),
                B256::with_last_byte(1),
            ),
            call_store(
                &f.signers[0],
                1,
                contract,
                B256::with_last_byte(9),
                B256::with_last_byte(2),
            ),
        ],
    );
    assert_eq!(block.block.header.state_root, full_state_root(&f.chain, &addresses));
    // Clearing a slot deletes its leaf.
    let block = mine(
        &f.chain,
        &[call_store(&f.signers[2], 2, contract, B256::ZERO, B256::with_last_byte(1))],
    );
    assert_eq!(block.block.header.state_root, full_state_root(&f.chain, &addresses));
    let reader = f.chain.reader().unwrap();
    assert_eq!(reader.storage(&contract, &B256::with_last_byte(2)).unwrap(), U256::from(9));
    assert_eq!(reader.storage(&contract, &B256::with_last_byte(1)).unwrap(), U256::ZERO);
    assert_eq!(reader.storage_at(&contract, &B256::with_last_byte(1), 3).unwrap(), U256::from(7));
}

#[test]
fn invalid_transactions_are_skipped_and_do_not_block_others() {
    let f = fixture();
    let recipient = Address::repeat_byte(0x42);
    let block = mine(
        &f.chain,
        &[
            transfer(&f.signers[0], 5, recipient, 1), // nonce too high
            transfer(&f.signers[1], 0, recipient, 1),
        ],
    );
    assert_eq!(block.block.transactions.len(), 1);
    assert!(
        matches!(block.skipped.as_slice(), [tephra_chain::Skipped::Invalid(_, reason)] if reason.contains("nonce"))
    );
}

#[test]
fn history_proofs_unwind_and_reopen() {
    let f = fixture();
    let sender = f.signers[0].address();
    let recipient = Address::repeat_byte(0x42);
    mine(&f.chain, &[transfer(&f.signers[0], 0, recipient, 1_000)]);
    let second = mine(&f.chain, &[transfer(&f.signers[0], 1, recipient, 2_000)]);
    let reader = f.chain.reader().unwrap();
    assert_eq!(reader.account_at(&recipient, 0).unwrap(), None);
    assert_eq!(reader.account_at(&recipient, 1).unwrap().unwrap().balance, U256::from(1_000));
    assert_eq!(reader.account(&recipient).unwrap().unwrap().balance, U256::from(3_000));

    // Proofs at every block verify against that block's state root.
    for number in 0..=2 {
        let header = reader.header(number).unwrap().unwrap();
        for address in [sender, recipient] {
            let response = f.chain.proof(address, vec![], number).unwrap();
            let expected = reader.account_at(&address, number).unwrap().map(alloy_rlp::encode);
            verify_proof(
                header.state_root,
                Nibbles::unpack(keccak256(address)),
                expected,
                &response.account_proof,
            )
            .unwrap_or_else(|err| panic!("proof of {address} at block {number}: {err}"));
        }
    }

    // Unwinding restores the state and the head; the removed block is gone.
    f.chain.unwind_to(1).unwrap();
    let reader = f.chain.reader().unwrap();
    assert_eq!(f.chain.head().header.number, 1);
    assert_eq!(reader.account(&recipient).unwrap().unwrap().balance, U256::from(1_000));
    assert_eq!(reader.block_number(&second.block.hash).unwrap(), None);
    assert_eq!(reader.tx_location(&second.block.tx_hashes[0]).unwrap(), None);

    // Reopening the store resumes at the committed head.
    let head = f.chain.head();
    let Fixture { _dir, path, chain, genesis, .. } = f;
    drop(chain);
    let reopened =
        Chain::open(Store::open(&path).unwrap(), ChainSpec::latest(31337), ethereum(), &genesis)
            .unwrap();
    assert_eq!(reopened.head(), head);
}

#[test]
fn execution_witness_holds_every_node_the_block_touched() {
    let f = fixture();
    let recipient = Address::repeat_byte(0x42);
    mine(&f.chain, &[transfer(&f.signers[0], 0, recipient, 1_000)]);
    let witness = f.chain.execution_witness(1).unwrap();
    let parent_root = f.chain.reader().unwrap().header(0).unwrap().unwrap().state_root;
    let nodes: std::collections::HashMap<B256, Vec<u8>> =
        witness.state.iter().map(|node| (keccak256(node), node.to_vec())).collect();
    assert!(nodes.contains_key(&parent_root), "the parent's root node is in the witness");
    // The sender's path can be walked in the witness alone.
    let proof =
        tephra_trie::proof(&nodes, parent_root, &keccak256(f.signers[0].address())).unwrap();
    let expected = TrieAccount {
        nonce: 0,
        balance: U256::from(10u64).pow(U256::from(22u64)),
        storage_root: EMPTY_ROOT_HASH,
        code_hash: revm::primitives::KECCAK_EMPTY,
    };
    verify_proof(
        parent_root,
        Nibbles::unpack(keccak256(f.signers[0].address())),
        Some(alloy_rlp::encode(expected)),
        &proof,
    )
    .unwrap();
    assert!(witness.keys.iter().any(|key| key.as_ref() == f.signers[0].address().as_slice()));
    assert_eq!(witness.headers.len(), 1);
}

#[test]
fn dev_overrides_enter_the_next_block() {
    let f = fixture();
    let target = Address::repeat_byte(0xaa);
    // runtime: SSTORE(0, 1)
    let code = Bytes::from_static(&[0x60, 0x01, 0x60, 0x00, 0x55]);
    f.chain.edit_overrides(|o| {
        let patch = o.accounts.entry(target).or_default();
        patch.balance = Some(U256::from(0x1000));
        patch.code = Some(code.clone());
        o.storage.insert((target, B256::with_last_byte(5)), U256::from(9));
    });
    let block = mine(&f.chain, &[call_store(&f.signers[0], 0, target, B256::ZERO, B256::ZERO)]);
    assert!(block.block.receipts[0].status());
    let reader = f.chain.reader().unwrap();
    let account = reader.account(&target).unwrap().expect("the patched account exists");
    assert_eq!(account.code_hash, keccak256(&code));
    assert_eq!(reader.code(&account.code_hash).unwrap(), Some(code));
    assert_eq!(reader.storage(&target, &B256::ZERO).unwrap(), U256::from(1), "the code ran");
    assert_eq!(reader.storage(&target, &B256::with_last_byte(5)).unwrap(), U256::from(9));
    assert!(f.chain.overrides().is_empty(), "applied overrides are cleared");
}
