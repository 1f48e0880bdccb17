//! The sequencer's own calls ([`SequencerCalls`]): a call handed over is sent first in the next
//! block, from the slot's key at its nonce, once; one that cannot run leaves the block to the
//! pool's transactions.

use alloy_consensus::{
    SignableTransaction, Transaction, TxEip1559, TxReceipt, transaction::Recovered,
};
use alloy_genesis::GenesisAccount;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use std::{collections::BTreeMap, sync::Arc};
use tephra_node::{MinedBlock, Node, NodeConfig, SequencerCall, SequencerCalls};
use tephra_primitives::TxEnvelope;
use tephra_txpool::PooledTx;

const TARGET: Address = Address::repeat_byte(0x42);

fn call(data: &'static [u8]) -> SequencerCall {
    SequencerCall { to: TARGET, data: Bytes::from_static(data), gas: 100_000 }
}

/// A node whose slot signs with a fresh key, funded in genesis unless `unfunded`.
fn node(unfunded: bool) -> (Arc<Node>, Arc<SequencerCalls>) {
    let key = PrivateKeySigner::from_bytes(&B256::repeat_byte(7)).expect("a valid key");
    let calls = Arc::new(SequencerCalls::new(key));
    let mut genesis_accounts = BTreeMap::new();
    if !unfunded {
        let ether = U256::from(10u64).pow(U256::from(18u64));
        genesis_accounts.insert(calls.address(), GenesisAccount::default().with_balance(ether));
    }
    let config =
        NodeConfig { genesis_accounts, sequencer_calls: Some(calls.clone()), ..Default::default() };
    (Node::open(config).expect("the node opens"), calls)
}

/// Pools a transfer from dev account `account` at `nonce`, tipping generously (more than the
/// sequencer's call, which tips nothing).
fn pool_transfer(node: &Node, account: usize, nonce: u64) -> B256 {
    let signer = &node.signers()[account];
    let tip = 1_000_000_000u128;
    let tx = TxEip1559 {
        chain_id: node.config().chain_id,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: u128::from(node.next_base_fee()) * 2 + tip,
        max_priority_fee_per_gas: tip,
        to: TxKind::Call(Address::repeat_byte(0x99)),
        value: U256::from(1u64),
        ..Default::default()
    };
    let signature = signer.sign_hash_sync(&tx.signature_hash()).expect("signing");
    let envelope = TxEnvelope::Eip1559(tx.into_signed(signature));
    let pooled = PooledTx::new(Recovered::new_unchecked(envelope, signer.address()));
    node.add_transactions(vec![pooled]).remove(0).expect("the pool takes it")
}

/// The block's transactions from `sender`, as (to, input, nonce, gas limit).
fn sent_by(block: &MinedBlock, sender: Address) -> Vec<(Address, Bytes, u64, u64)> {
    block
        .transactions
        .iter()
        .zip(&block.senders)
        .filter(|(_, from)| **from == sender)
        .map(|(tx, _)| {
            (tx.to().unwrap_or_default(), tx.input().clone(), tx.nonce(), tx.gas_limit())
        })
        .collect()
}

#[test]
fn a_handed_call_is_the_first_transaction_of_the_next_block_at_the_keys_nonce() {
    let (node, calls) = node(false);
    let pooled = pool_transfer(&node, 0, 0);
    assert_eq!(calls.put(call(b"first")), None);
    let block = node.mine(None).expect("a block");
    assert_eq!(block.transactions.len(), 2);
    assert_eq!(block.senders[0], calls.address(), "the call goes before a better-tipping one");
    assert_eq!(block.tx_hashes[1], pooled);
    let (to, input, nonce, gas) = sent_by(&block, calls.address()).remove(0);
    assert_eq!((to, input, nonce, gas), (TARGET, Bytes::from_static(b"first"), 0, 100_000));
    assert_eq!(block.transactions[0].max_priority_fee_per_gas(), Some(0));
    assert!(
        block.transactions[0].max_fee_per_gas()
            >= u128::from(block.header.base_fee_per_gas.unwrap_or_default())
    );
    assert!(block.receipts[0].status(), "the call ran");

    // The next call takes the key's next nonce; without one, blocks carry none.
    calls.put(call(b"second"));
    let block = node.mine(None).expect("a block");
    assert_eq!(sent_by(&block, calls.address())[0].2, 1);
    let block = node.mine(None).expect("a block");
    assert!(sent_by(&block, calls.address()).is_empty(), "a call is sent once");
}

#[test]
fn a_call_replaced_before_the_block_is_never_sent() {
    let (node, calls) = node(false);
    assert_eq!(calls.put(call(b"old")), None);
    assert_eq!(calls.put(call(b"new")), Some(call(b"old")), "the newer call replaces it");
    let block = node.mine(None).expect("a block");
    let sent = sent_by(&block, calls.address());
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].1, Bytes::from_static(b"new"));
    for _ in 0..2 {
        let block = node.mine(None).expect("a block");
        assert!(sent_by(&block, calls.address()).is_empty(), "neither call comes back");
    }
}

#[test]
fn an_unfunded_call_is_skipped_and_the_block_keeps_the_pools_transactions() {
    let (node, calls) = node(true);
    let first = pool_transfer(&node, 0, 0);
    let second = pool_transfer(&node, 1, 0);
    calls.put(call(b"cannot pay"));
    let block = node.mine(None).expect("the block is sealed");
    assert!(sent_by(&block, calls.address()).is_empty(), "the unfunded call is left out");
    let mut hashes = block.tx_hashes.clone();
    hashes.sort();
    let mut expected = vec![first, second];
    expected.sort();
    assert_eq!(hashes, expected, "the pool's transactions are all in");
    // The slot works on: the next call (still unfunded) is skipped too, and blocks go on.
    calls.put(call(b"again"));
    let next = node.mine(None).expect("the next block is sealed");
    assert_eq!(next.header.number, block.header.number + 1);
    assert!(next.transactions.is_empty());
}
