//! What the profile tests share: a chain on a temporary store under one framework, signed
//! EIP-1559 transactions, mining a block, and reading state back.

#![allow(dead_code, unreachable_pub)]

use alloy_consensus::{SignableTransaction, TxEip1559, transaction::Recovered};
use alloy_network::TxSignerSync;
use alloy_primitives::{Address, Bytes, U256, keccak256};
use alloy_rpc_types_eth::TransactionRequest;
use alloy_signer_local::PrivateKeySigner;
use std::sync::Arc;
use tephra_chain::{BlockAttributes, CallError, Chain, ChainSpec, ExecutedBlock, Framework};
use tephra_primitives::{
    TxEnvelope,
    dev::{DevGenesis, dev_accounts},
};
use tephra_storage::Store;

/// Genesis time of every test chain.
pub const GENESIS_TIME: u64 = 1_700_000_000;

/// A chain and the funded dev accounts; the store lives as long as the fixture.
pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub chain: Chain,
    pub signers: Vec<PrivateKeySigner>,
}

/// The dev genesis of `chain_id`, funding `accounts` with 10,000 ETH each.
pub fn genesis(chain_id: u64, accounts: &[Address]) -> tephra_primitives::Genesis {
    genesis_with_base_fee(chain_id, accounts, 1_000_000_000)
}

/// [`genesis`] with its base fee.
pub fn genesis_with_base_fee(
    chain_id: u64,
    accounts: &[Address],
    base_fee: u64,
) -> tephra_primitives::Genesis {
    DevGenesis {
        chain_id,
        gas_limit: 30_000_000,
        base_fee,
        timestamp: GENESIS_TIME,
        accounts: accounts.to_vec(),
        balance: U256::from(10u64).pow(U256::from(22u64)),
    }
    .build()
}

/// A chain of `chain_id` under `framework`, with `accounts` funded dev accounts.
pub fn fixture(framework: Arc<dyn Framework>, chain_id: u64, accounts: u32) -> Fixture {
    fixture_with_base_fee(framework, chain_id, accounts, 1_000_000_000)
}

/// [`fixture`] whose genesis has `base_fee`.
pub fn fixture_with_base_fee(
    framework: Arc<dyn Framework>,
    chain_id: u64,
    accounts: u32,
    base_fee: u64,
) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let signers = dev_accounts(accounts).unwrap();
    let addresses: Vec<Address> = signers.iter().map(|s| s.address()).collect();
    let store = Store::open(&dir.path().join("chain.redb")).unwrap();
    let chain = Chain::open(
        store,
        ChainSpec::latest(chain_id),
        framework,
        &genesis_with_base_fee(chain_id, &addresses, base_fee),
    )
    .unwrap();
    Fixture { dir, chain, signers }
}

/// `tx` signed by `signer`, with its sender.
pub fn sign(signer: &PrivateKeySigner, mut tx: TxEip1559) -> Recovered<TxEnvelope> {
    let signature = signer.sign_transaction_sync(&mut tx).unwrap();
    Recovered::new_unchecked(tx.into_signed(signature).into(), signer.address())
}

/// Builds and commits the block `seconds` after the head with `txs`, all of which must be
/// included.
pub fn mine(chain: &Chain, seconds: u64, txs: &[Recovered<TxEnvelope>]) -> ExecutedBlock {
    let head = chain.head();
    let attributes = BlockAttributes {
        timestamp: head.header.timestamp + seconds,
        beneficiary: Address::repeat_byte(0xcb),
        prevrandao: keccak256(head.hash),
        gas_limit: 30_000_000,
        l1: None,
    };
    let (block, applied) =
        chain.build_block(&attributes, txs.iter().map(|tx| tx.as_recovered_ref())).unwrap();
    assert!(block.skipped.is_empty(), "every offered transaction is included: {:?}", block.skipped);
    chain.commit_block(&block, &applied).unwrap();
    block
}

/// `eth_call` of `input` to `to` at the head.
pub fn try_call(chain: &Chain, to: Address, input: Vec<u8>) -> Result<Bytes, CallError> {
    let request = TransactionRequest::default().to(to).input(input.into());
    chain.call(request, chain.head().header.number, None, None)
}

/// [`try_call`] that must succeed.
pub fn call(chain: &Chain, to: Address, input: Vec<u8>) -> Bytes {
    try_call(chain, to, input).unwrap()
}

/// The balance of `address` at the head.
pub fn balance(chain: &Chain, address: Address) -> U256 {
    let reader = chain.reader().unwrap();
    reader.account(&address).unwrap().map(|account| account.balance).unwrap_or_default()
}
