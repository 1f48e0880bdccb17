//! What the Metalayer tests share: an in-process Tephra chain (Ethereum profile, Osaka, so
//! EIP-2537 is active) on a temporary store, one funded account sending one transaction per
//! block (or several, each with its own nonce), and guardians with their keys.

#![allow(dead_code, unreachable_pub)]

use alloy_consensus::{SignableTransaction, TxEip1559, TxReceipt, transaction::Recovered};
use alloy_genesis::GenesisAccount;
use alloy_network::TxSignerSync;
use alloy_primitives::{Address, B256, Bytes, Log, TxKind, U256, keccak256};
use alloy_rpc_types_eth::TransactionRequest;
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, SolError, SolInterface};
use std::{collections::BTreeMap, sync::Arc};
use tephra_chain::{BlockAttributes, CallError, Chain, ChainSpec, Framework};
use tephra_frameworks::Ethereum;
use tephra_metalayer::{Guardian, GuardianKey, GuardianSet};
use tephra_primitives::{TxEnvelope, dev::DevGenesis, dev::dev_accounts};
use tephra_storage::Store;

/// One in-process chain and its funded account.
pub struct Node {
    _dir: tempfile::TempDir,
    pub chain: Chain,
    pub signer: PrivateKeySigner,
    pub chain_id: u64,
    /// Every funded account (the first is `signer`) and its next nonce.
    accounts: Vec<(PrivateKeySigner, u64)>,
}

/// A mined transaction's outcome.
pub struct Outcome {
    pub success: bool,
    pub gas_used: u64,
    pub logs: Vec<Log>,
}

impl Node {
    /// A fresh chain of `chain_id`.
    pub fn new(chain_id: u64) -> Self {
        Self::with_genesis(chain_id, 1, Arc::new(Ethereum), BTreeMap::new())
    }

    /// A fresh chain of `chain_id` with the first `n` dev accounts funded.
    pub fn with_accounts(chain_id: u64, n: u32) -> Self {
        Self::with_genesis(chain_id, n, Arc::new(Ethereum), BTreeMap::new())
    }

    /// A fresh chain of `chain_id` under `framework`, with the first `n` dev accounts funded
    /// and `extra` accounts added to its genesis.
    pub fn with_genesis(
        chain_id: u64,
        n: u32,
        framework: Arc<dyn Framework>,
        extra: BTreeMap<Address, GenesisAccount>,
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let accounts = dev_accounts(n).unwrap();
        let signer = accounts[0].clone();
        let mut genesis = DevGenesis {
            chain_id,
            gas_limit: 30_000_000,
            base_fee: 1_000_000_000,
            timestamp: 1_700_000_000,
            accounts: accounts.iter().map(|a| a.address()).collect(),
            balance: U256::from(10u64).pow(U256::from(22u64)),
        }
        .build();
        genesis.alloc.extend(extra);
        let store = Store::open(&dir.path().join("chain.redb")).unwrap();
        let chain = Chain::open(store, ChainSpec::latest(chain_id), framework, &genesis).unwrap();
        let accounts = accounts.into_iter().map(|a| (a, 0)).collect();
        Self { _dir: dir, chain, signer, chain_id, accounts }
    }

    /// Funded account `i`'s address.
    pub fn account(&self, i: usize) -> Address {
        self.accounts[i].0.address()
    }

    /// The account's address.
    pub fn sender(&self) -> Address {
        self.signer.address()
    }

    /// Mines `input` to `to` alone in a new block.
    pub fn send(&mut self, to: TxKind, input: Vec<u8>) -> Outcome {
        self.send_value(to, input, U256::ZERO)
    }

    /// [`Node::send`] with `value` wei attached.
    pub fn send_value(&mut self, to: TxKind, input: Vec<u8>, value: U256) -> Outcome {
        self.send_from(0, to, input, value)
    }

    /// Mines `call` to `to` from funded account `from`; panics if it reverts.
    pub fn transact_from<C: SolCall>(&mut self, from: usize, to: Address, call: C) -> Outcome {
        let outcome = self.send_from(from, TxKind::Call(to), call.abi_encode(), U256::ZERO);
        assert!(outcome.success, "{} from account {from} succeeds", C::SIGNATURE);
        outcome
    }

    /// Mines `input` to `to` with `value` wei from funded account `from`, alone in a new block.
    pub fn send_from(&mut self, from: usize, to: TxKind, input: Vec<u8>, value: U256) -> Outcome {
        let (signer, nonce) = &self.accounts[from];
        let mut tx = TxEip1559 {
            chain_id: self.chain_id,
            nonce: *nonce,
            gas_limit: 16_000_000,
            max_fee_per_gas: 10_000_000_000,
            max_priority_fee_per_gas: 1,
            to,
            value,
            input: input.into(),
            access_list: Default::default(),
        };
        let signature = signer.sign_transaction_sync(&mut tx).unwrap();
        let tx: TxEnvelope = tx.into_signed(signature).into();
        let recovered = Recovered::new_unchecked(tx, signer.address());
        let head = self.chain.head();
        let attributes = BlockAttributes {
            timestamp: head.header.timestamp + 1,
            beneficiary: Address::repeat_byte(0xcb),
            prevrandao: keccak256(head.hash),
            gas_limit: 30_000_000,
            l1: None,
        };
        let (block, applied) = self
            .chain
            .build_block(&attributes, std::iter::once(recovered.as_recovered_ref()))
            .unwrap();
        assert!(block.skipped.is_empty(), "the transaction is included: {:?}", block.skipped);
        self.chain.commit_block(&block, &applied).unwrap();
        self.accounts[from].1 += 1;
        let receipt = &block.block.receipts[0];
        Outcome {
            success: receipt.status(),
            gas_used: receipt.cumulative_gas_used(),
            logs: receipt.logs().to_vec(),
        }
    }

    /// Deploys `code` (creation code with its arguments); panics if it fails.
    pub fn deploy(&mut self, code: Bytes) -> Address {
        let address = self.sender().create(self.accounts[0].1);
        let outcome = self.send(TxKind::Create, code.to_vec());
        assert!(outcome.success, "deployment succeeds");
        address
    }

    /// Mines `call` to `to`; panics if it reverts.
    pub fn transact<C: SolCall>(&mut self, to: Address, call: C) -> Outcome {
        let outcome = self.send(TxKind::Call(to), call.abi_encode());
        assert!(outcome.success, "{} succeeds", C::SIGNATURE);
        outcome
    }

    /// The balance of `address` at the head.
    pub fn balance(&self, address: Address) -> U256 {
        let reader = self.chain.reader().unwrap();
        reader.account(&address).unwrap().map(|account| account.balance).unwrap_or_default()
    }

    /// `eth_call` of `input` to `to` from the account, at the head.
    pub fn try_call(&self, to: Address, input: Vec<u8>) -> Result<Bytes, CallError> {
        let request = TransactionRequest::default().from(self.sender()).to(to).input(input.into());
        self.chain.call(request, self.chain.head().header.number, None, None)
    }

    /// `eth_call` of `call`, decoded; panics if it reverts.
    pub fn call<C: SolCall>(&self, to: Address, call: C) -> C::Return {
        let out = self.try_call(to, call.abi_encode()).unwrap();
        C::abi_decode_returns(&out).unwrap()
    }

    /// Checks `call` to `to` is refused: `eth_call` reverts with revert data decoding as
    /// `E` and satisfying `expected`, and the same transaction mined fails on chain.
    pub fn refused<C: SolCall, E: SolInterface + std::fmt::Debug>(
        &mut self,
        to: Address,
        call: C,
        expected: impl Fn(&E) -> bool,
    ) {
        self.refused_raw(to, call.abi_encode(), expected)
    }

    /// [`Node::refused`] for calldata already encoded.
    pub fn refused_raw<E: SolInterface + std::fmt::Debug>(
        &mut self,
        to: Address,
        calldata: Vec<u8>,
        expected: impl Fn(&E) -> bool,
    ) {
        match self.try_call(to, calldata.clone()) {
            Err(CallError::Reverted(data)) => {
                let error = E::abi_decode(&data)
                    .unwrap_or_else(|_| panic!("revert data {data} is one of the named errors"));
                assert!(expected(&error), "unexpected refusal {error:?}");
            }
            other => panic!("expected a revert, got {other:?}"),
        }
        assert!(!self.send(TxKind::Call(to), calldata).success, "mined, it fails too");
    }

    /// Checks `call` is refused with an `Error(string)` revert reason equal to `reason`, and
    /// fails mined.
    pub fn refused_with_reason<C: SolCall>(&mut self, to: Address, call: C, reason: &str) {
        match self.try_call(to, call.abi_encode()) {
            Err(CallError::Reverted(data)) => {
                let decoded = alloy_sol_types::Revert::abi_decode(&data)
                    .unwrap_or_else(|_| panic!("revert data {data} is Error(string)"));
                assert_eq!(decoded.reason, reason);
            }
            other => panic!("expected a revert, got {other:?}"),
        }
        assert!(!self.send(TxKind::Call(to), call.abi_encode()).success, "mined, it fails too");
    }
}

/// `n` guardians with keys derived from their index and stakes `stake(i)`.
pub fn guardians(
    n: usize,
    set_id: u64,
    stake: impl Fn(usize) -> u128,
) -> (Vec<GuardianKey>, GuardianSet) {
    let keys: Vec<GuardianKey> = (0..n)
        .map(|i| GuardianKey::from_ikm(keccak256((i as u64).to_be_bytes()).as_slice()).unwrap())
        .collect();
    let members = keys
        .iter()
        .enumerate()
        .map(|(i, key)| {
            (Guardian { key: key.public(), stake: stake(i) }, key.proof_of_possession())
        })
        .collect();
    (keys, GuardianSet::new(set_id, members).unwrap())
}

/// A 32-byte word from a u64.
pub fn word(n: u64) -> B256 {
    B256::from(U256::from(n))
}
