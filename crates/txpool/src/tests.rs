//! Unit tests: every refusal with geth's exact message, then ordering and maintenance.
//!
//! Transactions are built, signed with real keys and sent through the EIP-2718 decoder, as
//! `eth_sendRawTransaction` would.

use crate::*;
use alloy_consensus::{
    SignableTransaction, Signed, TxEip1559, TxEip2930, TxEip4844, TxEip7702, TxEnvelope, TxLegacy,
    transaction::Recovered,
};
use alloy_eips::{
    eip2718::Encodable2718,
    eip2930::{AccessList, AccessListItem},
    eip7702::{Authorization, SignedAuthorization},
};
use alloy_primitives::{Address, B256, Bytes, Signature, TxHash, TxKind, U256, keccak256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use std::collections::HashMap;
use tokio::sync::broadcast;

const CHAIN_ID: u64 = 31337;
const GWEI: u128 = 1_000_000_000;
/// Base fee of the next block in most tests: 1 gwei.
const BASE_FEE: u64 = 1_000_000_000;

fn key(seed: u8) -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&B256::repeat_byte(seed)).expect("non-zero key below n")
}

fn sign<T>(key: &PrivateKeySigner, tx: T) -> TxEnvelope
where
    T: SignableTransaction<Signature>,
    TxEnvelope: From<Signed<T>>,
{
    let signature = key.sign_hash_sync(&tx.signature_hash()).expect("signing");
    tx.into_signed(signature).into()
}

/// Ethereum's envelope as Tephra's (every type but blobs has one).
fn tephra(envelope: TxEnvelope) -> tephra_primitives::TxEnvelope {
    envelope.try_into().expect("not a blob transaction")
}

/// Through the decoder, as `eth_sendRawTransaction` does.
fn decode(envelope: &TxEnvelope) -> PooledTx {
    decode_and_recover(&envelope.encoded_2718()).expect("valid transaction")
}

fn eip1559(nonce: u64, max_fee: u128, tip: u128) -> TxEip1559 {
    TxEip1559 {
        chain_id: CHAIN_ID,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: max_fee,
        max_priority_fee_per_gas: tip,
        to: TxKind::Call(Address::repeat_byte(0xaa)),
        value: U256::ZERO,
        access_list: AccessList::default(),
        input: Bytes::new(),
    }
}

fn legacy(nonce: u64, gas_price: u128) -> TxLegacy {
    TxLegacy {
        chain_id: Some(CHAIN_ID),
        nonce,
        gas_price,
        gas_limit: 21_000,
        to: TxKind::Call(Address::repeat_byte(0xaa)),
        value: U256::ZERO,
        input: Bytes::new(),
    }
}

fn eip7702(nonce: u64, authorization_list: Vec<SignedAuthorization>) -> TxEip7702 {
    TxEip7702 {
        chain_id: CHAIN_ID,
        nonce,
        gas_limit: 100_000,
        max_fee_per_gas: 10 * GWEI,
        max_priority_fee_per_gas: GWEI,
        to: Address::repeat_byte(0xaa),
        value: U256::ZERO,
        access_list: AccessList::default(),
        authorization_list,
        input: Bytes::new(),
    }
}

fn authorization(authority: &PrivateKeySigner, nonce: u64) -> SignedAuthorization {
    let auth = Authorization {
        chain_id: U256::from(CHAIN_ID),
        address: Address::repeat_byte(0xde),
        nonce,
    };
    let signature = authority.sign_hash_sync(&auth.signature_hash()).expect("signing");
    auth.into_signed(signature)
}

/// A 1559 transfer with 10 gwei fee cap and the given tip.
fn transfer(key: &PrivateKeySigner, nonce: u64, tip: u128) -> PooledTx {
    decode(&sign(key, eip1559(nonce, 10 * GWEI, tip)))
}

/// Accounts by address; absent ones are empty.
#[derive(Default)]
struct State(HashMap<Address, (u64, U256)>);

impl State {
    fn with(mut self, address: Address, nonce: u64, balance: U256) -> Self {
        self.0.insert(address, (nonce, balance));
        self
    }

    /// Each key's account at `nonce` with 1000 ether.
    fn rich(keys: &[&PrivateKeySigner]) -> Self {
        keys.iter().fold(Self::default(), |state, key| state.with(key.address(), 0, ether(1000)))
    }
}

impl StateView for State {
    fn account(&self, address: Address) -> Result<(u64, U256), StateError> {
        Ok(self.0.get(&address).copied().unwrap_or_default())
    }
}

struct BrokenState;

impl StateView for BrokenState {
    fn account(&self, _: Address) -> Result<(u64, U256), StateError> {
        Err("database closed".into())
    }
}

fn ether(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18))
}

fn pool() -> TxPool {
    TxPool::new(PoolConfig::default())
}

/// The message `tx` is refused with by an empty default pool.
fn refusal(tx: PooledTx, state: &State) -> String {
    pool().add(tx, state, BASE_FEE).expect_err("must be refused").to_string()
}

fn drain(rx: &mut broadcast::Receiver<TxHash>) -> Vec<TxHash> {
    std::iter::from_fn(|| rx.try_recv().ok()).collect()
}

fn hashes(txs: &[std::sync::Arc<PooledTx>]) -> Vec<TxHash> {
    txs.iter().map(|tx| tx.hash()).collect()
}

// ---- decoding ---------------------------------------------------------------------------------

#[test]
fn decodes_every_supported_type_and_keeps_hash_and_bytes() {
    let k = key(1);
    let mut pre_eip155 = legacy(0, 2 * GWEI);
    pre_eip155.chain_id = None;
    let access_list = AccessList(vec![AccessListItem {
        address: Address::repeat_byte(0xbb),
        storage_keys: vec![B256::ZERO],
    }]);
    let eip2930 = TxEip2930 {
        chain_id: CHAIN_ID,
        nonce: 2,
        gas_price: 2 * GWEI,
        gas_limit: 30_000,
        to: TxKind::Call(Address::repeat_byte(0xaa)),
        value: U256::from(1),
        access_list,
        input: Bytes::new(),
    };
    let envelopes = [
        sign(&k, pre_eip155),
        sign(&k, legacy(1, 2 * GWEI)),
        sign(&k, eip2930),
        sign(&k, eip1559(3, 10 * GWEI, GWEI)),
        sign(&k, eip7702(4, vec![authorization(&key(9), 0)])),
    ];
    let pool = pool();
    let state = State::rich(&[&k]);
    for envelope in &envelopes {
        let raw = envelope.encoded_2718();
        let tx = decode_and_recover(&raw).expect("valid transaction");
        assert_eq!(tx.sender(), k.address());
        assert_eq!(tx.hash(), keccak256(&raw));
        assert_eq!(tx.hash(), *envelope.tx_hash());
        assert_eq!(tx.encoded().as_ref(), raw.as_slice());
        assert_eq!(tx.encoded_len(), raw.len());
        assert_eq!(tx.envelope(), &tephra(envelope.clone()));
        let added = pool.add(tx, &state, BASE_FEE).expect("accepted");
        assert_eq!(added.status, TxStatus::Pending);
    }
    assert_eq!(pool.pending_len(), envelopes.len());
}

#[test]
fn sender_recovery_agrees_with_alloy() {
    use alloy_consensus::transaction::SignerRecoverable;
    for seed in 1..=32u8 {
        let k = key(seed);
        let envelopes = [
            sign(&k, legacy(u64::from(seed), 2 * GWEI)),
            sign(&k, eip1559(u64::from(seed), 10 * GWEI, GWEI)),
            sign(&k, eip7702(u64::from(seed), vec![authorization(&key(9), 0)])),
        ];
        for envelope in envelopes {
            let alloy = envelope.recover_signer().expect("alloy recovers");
            assert_eq!(decode(&envelope).sender(), alloy);
            assert_eq!(alloy, k.address());
        }
    }
}

#[test]
fn pooled_tx_new_matches_decoded() {
    let k = key(1);
    let envelope = sign(&k, eip1559(0, 10 * GWEI, GWEI));
    let built = PooledTx::new(Recovered::new_unchecked(tephra(envelope.clone()), k.address()));
    assert_eq!(built, decode(&envelope));
}

#[test]
fn refuses_blob_transaction_as_type_not_supported() {
    let k = key(1);
    let blob = TxEip4844 {
        chain_id: CHAIN_ID,
        nonce: 0,
        gas_limit: 21_000,
        max_fee_per_gas: 10 * GWEI,
        max_priority_fee_per_gas: GWEI,
        to: Address::repeat_byte(0xaa),
        value: U256::ZERO,
        access_list: AccessList::default(),
        blob_versioned_hashes: vec![B256::with_last_byte(1)],
        max_fee_per_blob_gas: GWEI,
        input: Bytes::new(),
    };
    let envelope = sign(&k, blob);
    let err = decode_and_recover(&envelope.encoded_2718()).expect_err("type 3 refused");
    assert_eq!(err.to_string(), "transaction type not supported");
    // No Tephra envelope can even hold one, so none reaches the pool another way.
    assert!(tephra_primitives::TxEnvelope::try_from(envelope).is_err());
}

#[test]
fn refuses_deposit_transactions_well_formed_or_not() {
    let deposit = tephra_primitives::tx::TxDeposit {
        source_hash: B256::repeat_byte(1),
        from: Address::repeat_byte(2),
        to: TxKind::Call(Address::repeat_byte(3)),
        mint: 1,
        value: U256::from(1),
        gas_limit: 100_000,
        is_system_transaction: false,
        input: Bytes::new(),
    };
    let raw = tephra_primitives::TxEnvelope::from(deposit).encoded_2718();
    for raw in [raw.clone(), raw[..raw.len() - 1].to_vec(), vec![0x7e], vec![0x7e, 0xc0]] {
        let err = decode_and_recover(&raw).expect_err("deposits never enter the pool");
        assert!(matches!(err, PoolError::DepositNotAccepted), "{err}");
        assert!(err.to_string().contains("deposit transactions (type 0x7e)"), "{err}");
    }
}

#[test]
fn refuses_arbitrum_deposit_transactions_well_formed_or_not() {
    let deposit = tephra_primitives::tx::TxArbitrumDeposit {
        chain_id: U256::from(412346),
        l1_request_id: B256::repeat_byte(1),
        from: Address::repeat_byte(2),
        to: Address::repeat_byte(3),
        value: U256::from(1),
    };
    let raw = tephra_primitives::TxEnvelope::from(deposit).encoded_2718();
    for raw in [raw.clone(), raw[..raw.len() - 1].to_vec(), vec![0x64], vec![0x64, 0xc0]] {
        let err = decode_and_recover(&raw).expect_err("Arbitrum deposits never enter the pool");
        assert!(matches!(err, PoolError::ArbitrumDepositNotAccepted), "{err}");
        assert!(err.to_string().contains("(type 0x64)"), "{err}");
    }
}

#[test]
fn refuses_zk_priority_transactions_well_formed_or_not() {
    let priority = tephra_primitives::tx::TxPriority {
        from: Address::repeat_byte(2),
        to: Address::repeat_byte(3),
        gas_limit: 300_000,
        gas_per_pubdata_byte_limit: U256::from(800),
        max_fee_per_gas: 250_000_000,
        max_priority_fee_per_gas: 0,
        paymaster: Address::ZERO,
        serial_id: 0,
        value: U256::from(1),
        reserved: [U256::from(10u64.pow(15)), U256::from(2), U256::ZERO, U256::ZERO],
        input: Bytes::new(),
        signature: Bytes::new(),
        factory_deps: Vec::new(),
        paymaster_input: Bytes::new(),
        reserved_dynamic: Bytes::new(),
    };
    let raw = tephra_primitives::TxEnvelope::from(priority).encoded_2718();
    for raw in [raw.clone(), raw[..raw.len() - 1].to_vec(), vec![0xff], vec![0xff, 0xc0]] {
        let err = decode_and_recover(&raw).expect_err("priority transactions never enter the pool");
        assert!(matches!(err, PoolError::PriorityTxNotAccepted), "{err}");
        assert!(err.to_string().contains("(type 0xff)"), "{err}");
    }
}

#[test]
fn refuses_arbitrum_retryable_submissions_and_retries_well_formed_or_not() {
    let submit = tephra_primitives::tx::TxArbitrumSubmitRetryable {
        chain_id: U256::from(412346),
        request_id: B256::repeat_byte(1),
        from: Address::repeat_byte(2),
        l1_base_fee: U256::from(1),
        deposit_value: U256::from(10),
        gas_fee_cap: U256::from(1),
        gas: 100_000,
        retry_to: Address::repeat_byte(3).into(),
        retry_value: U256::ZERO,
        beneficiary: Address::repeat_byte(4),
        max_submission_fee: U256::from(5),
        fee_refund_addr: Address::repeat_byte(5),
        retry_data: Default::default(),
    };
    let retry = tephra_primitives::tx::TxArbitrumRetry {
        chain_id: U256::from(412346),
        nonce: 0,
        from: Address::repeat_byte(2),
        gas_fee_cap: U256::from(1),
        gas: 100_000,
        to: Address::repeat_byte(3).into(),
        value: U256::ZERO,
        data: Default::default(),
        ticket_id: submit.tx_hash(),
        refund_to: Address::repeat_byte(5),
        max_refund: U256::from(1),
        submission_fee_refund: U256::ZERO,
    };
    let raws = [
        (0x69, tephra_primitives::TxEnvelope::from(submit).encoded_2718()),
        (0x68, tephra_primitives::TxEnvelope::from(retry).encoded_2718()),
    ];
    for (ty, raw) in raws {
        for raw in [raw.clone(), raw[..raw.len() - 1].to_vec(), vec![ty], vec![ty, 0xc0]] {
            let err = decode_and_recover(&raw).expect_err("retryables never enter the pool");
            assert!(
                matches!(err, PoolError::ArbitrumRetryableNotAccepted { ty: refused } if refused == ty),
                "{err}"
            );
            assert!(err.to_string().contains(&format!("(type {ty:#04x})")), "{err}");
        }
    }
}

#[test]
fn refuses_unknown_type_byte_as_type_not_supported() {
    for raw in [[0x05, 0xc0], [0x00, 0xc0], [0x7f, 0xc0]] {
        let err = decode_and_recover(&raw).expect_err("unknown type refused");
        assert_eq!(err.to_string(), "transaction type not supported");
    }
}

#[test]
fn refuses_malformed_encoding() {
    let raw = sign(&key(1), eip1559(0, 10 * GWEI, GWEI)).encoded_2718();
    assert!(matches!(decode_and_recover(&[]), Err(PoolError::Decode(_))));
    assert!(matches!(decode_and_recover(&raw[..raw.len() - 1]), Err(PoolError::Decode(_))));
    let mut trailing = raw;
    trailing.push(0);
    assert!(matches!(decode_and_recover(&trailing), Err(PoolError::Decode(_))));
}

#[test]
fn refuses_malleable_signature_as_invalid_sender() {
    // The same signature with s flipped to n - s: valid for the curve, refused by EIP-2.
    let tx = eip1559(0, 10 * GWEI, GWEI);
    let good = key(1).sign_hash_sync(&tx.signature_hash()).expect("signing");
    let n = U256::from_be_slice(&alloy_primitives::hex!(
        "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"
    ));
    let high_s = Signature::new(good.r(), n - good.s(), !good.v());
    let envelope: TxEnvelope = tx.into_signed(high_s).into();
    let err = decode_and_recover(&envelope.encoded_2718()).expect_err("refused");
    assert_eq!(err.to_string(), "invalid sender");
}

#[test]
fn refuses_signature_that_does_not_recover_as_invalid_sender() {
    let tx = eip1559(0, 10 * GWEI, GWEI);
    let envelope: TxEnvelope = tx.into_signed(Signature::new(U256::ZERO, U256::ZERO, false)).into();
    let err = decode_and_recover(&envelope.encoded_2718()).expect_err("refused");
    assert_eq!(err.to_string(), "invalid sender");
}

#[test]
fn accepts_pre_eip155_legacy_without_chain_id() {
    let k = key(1);
    let mut tx = legacy(0, 2 * GWEI);
    tx.chain_id = None;
    let added = pool().add(decode(&sign(&k, tx)), &State::rich(&[&k]), BASE_FEE);
    assert_eq!(added.expect("accepted").status, TxStatus::Pending);
}

// ---- refusals, one per geth message ----------------------------------------------------------

#[test]
fn refuses_wrong_chain_id() {
    let k = key(1);
    let mut tx = eip1559(0, 10 * GWEI, GWEI);
    tx.chain_id = 1;
    assert_eq!(
        refusal(decode(&sign(&k, tx)), &State::rich(&[&k])),
        "invalid sender: invalid chain id for signer: have 1 want 31337"
    );
    let mut tx = legacy(0, 10 * GWEI);
    tx.chain_id = Some(1);
    assert_eq!(
        refusal(decode(&sign(&k, tx)), &State::rich(&[&k])),
        "invalid sender: invalid chain id for signer: have 1 want 31337"
    );
}

#[test]
fn refuses_nonce_too_low() {
    let k = key(1);
    let state = State::default().with(k.address(), 5, ether(1));
    assert_eq!(refusal(transfer(&k, 3, GWEI), &state), "nonce too low: next nonce 5, tx nonce 3");
}

#[test]
fn refuses_already_known() {
    let k = key(1);
    let state = State::rich(&[&k]);
    let pool = pool();
    pool.add(transfer(&k, 0, GWEI), &state, BASE_FEE).expect("accepted");
    let err = pool.add(transfer(&k, 0, GWEI), &state, BASE_FEE).expect_err("duplicate");
    assert_eq!(err.to_string(), "already known");
    let err = pool.add(transfer(&k, 5, GWEI), &state, BASE_FEE).map(|_| ());
    assert!(err.is_ok(), "a queued tx is fine");
    let err = pool.add(transfer(&k, 5, GWEI), &state, BASE_FEE).expect_err("duplicate");
    assert_eq!(err.to_string(), "already known");
}

#[test]
fn replacement_needs_ten_percent_on_both_fee_cap_and_tip() {
    let k = key(1);
    let state = State::rich(&[&k]);
    let pool = pool();
    let original = decode(&sign(&k, eip1559(0, 100 * GWEI, 10 * GWEI)));
    let original_hash = original.hash();
    pool.add(original, &state, BASE_FEE).expect("accepted");

    let plus_nine = decode(&sign(&k, eip1559(0, 109 * GWEI, 10_900_000_000)));
    let err = pool.add(plus_nine, &state, BASE_FEE).expect_err("+9% refused");
    assert_eq!(err.to_string(), "replacement transaction underpriced");

    let fee_cap_only = decode(&sign(&k, eip1559(0, 200 * GWEI, 10 * GWEI)));
    let err = pool.add(fee_cap_only, &state, BASE_FEE).expect_err("tip not bumped");
    assert_eq!(err.to_string(), "replacement transaction underpriced");

    let plus_ten = decode(&sign(&k, eip1559(0, 110 * GWEI, 11 * GWEI)));
    let plus_ten_hash = plus_ten.hash();
    let added = pool.add(plus_ten, &state, BASE_FEE).expect("+10% accepted");
    assert_eq!(added.replaced, Some(original_hash));
    assert_eq!(added.status, TxStatus::Pending);
    assert!(pool.get(&original_hash).is_none());
    assert!(pool.get(&plus_ten_hash).is_some());
    assert_eq!((pool.len(), pool.pending_len()), (1, 1));
}

#[test]
fn legacy_replacement_bumps_gas_price_by_ten_percent() {
    let k = key(1);
    let state = State::rich(&[&k]);
    let pool = pool();
    pool.add(decode(&sign(&k, legacy(0, 100 * GWEI))), &state, BASE_FEE).expect("accepted");
    let err = pool.add(decode(&sign(&k, legacy(0, 109 * GWEI))), &state, BASE_FEE);
    assert_eq!(err.expect_err("+9%").to_string(), "replacement transaction underpriced");
    pool.add(decode(&sign(&k, legacy(0, 110 * GWEI))), &state, BASE_FEE).expect("+10% accepted");
    assert_eq!(pool.len(), 1);
}

#[test]
fn refuses_insufficient_funds() {
    let k = key(1);
    let tx = decode(&sign(&k, eip1559(0, GWEI, 0)));
    assert_eq!(
        refusal(tx, &State::default()),
        "insufficient funds for gas * price + value: balance 0, tx cost 21000000000000, \
         overshot 21000000000000"
    );
    // Value counts, and the fee cap (not the effective price) is charged.
    let mut with_value = eip1559(0, 2 * GWEI, 0);
    with_value.value = U256::from(1000);
    let state = State::default().with(k.address(), 0, U256::from(42_000_000_000_000u64));
    assert_eq!(
        refusal(decode(&sign(&k, with_value)), &state),
        "insufficient funds for gas * price + value: balance 42000000000000, tx cost \
         42000000001000, overshot 1000"
    );
}

#[test]
fn refuses_intrinsic_gas_too_low() {
    let k = key(1);
    let mut tx = eip1559(0, 10 * GWEI, GWEI);
    tx.gas_limit = 20_999;
    assert_eq!(
        refusal(decode(&sign(&k, tx)), &State::rich(&[&k])),
        "intrinsic gas too low: gas 20999, minimum needed 21000"
    );
}

/// Intrinsic gas as geth's `IntrinsicGas` computes it under Prague, read back from the refusal
/// of a transaction with a 1-gas limit, and the exact minimum accepted.
#[test]
fn intrinsic_gas_follows_prague_rules() {
    let k = key(1);
    let state = State::rich(&[&k]);
    let needed = |mut tx: TxEip1559| {
        tx.gas_limit = 1;
        match pool().add(decode(&sign(&k, tx)), &state, BASE_FEE) {
            Err(PoolError::IntrinsicGas { needed, .. }) => needed,
            other => panic!("expected intrinsic gas refusal, got {other:?}"),
        }
    };
    let base = eip1559(0, 10 * GWEI, GWEI);

    // EIP-2028: 4 per zero byte, 16 per non-zero byte.
    let mut calldata = base.clone();
    calldata.input = [[0u8; 10], [1u8; 10]].concat().into();
    assert_eq!(needed(calldata), 21_000 + 10 * 4 + 10 * 16);

    // Creation: 53000, plus EIP-3860's 2 per 32-byte word of init code.
    let mut create = base.clone();
    create.to = TxKind::Create;
    create.input = vec![0u8; 64].into();
    assert_eq!(needed(create.clone()), 53_000 + 64 * 4 + 2 * 2);
    create.input = vec![1u8; 33].into();
    assert_eq!(needed(create), 53_000 + 33 * 16 + 2 * 2);

    // EIP-2930: 2400 per address, 1900 per storage key.
    let mut with_list = base.clone();
    with_list.access_list = AccessList(vec![
        AccessListItem {
            address: Address::repeat_byte(1),
            storage_keys: vec![B256::ZERO, B256::repeat_byte(1)],
        },
        AccessListItem { address: Address::repeat_byte(2), storage_keys: vec![B256::ZERO] },
    ]);
    assert_eq!(needed(with_list), 21_000 + 2 * 2400 + 3 * 1900);

    // EIP-7702: 25000 per authorization.
    let mut set_code = eip7702(0, vec![authorization(&key(8), 0), authorization(&key(9), 0)]);
    set_code.gas_limit = 1;
    match pool().add(decode(&sign(&k, set_code)), &state, BASE_FEE) {
        Err(PoolError::IntrinsicGas { needed, .. }) => assert_eq!(needed, 21_000 + 2 * 25_000),
        other => panic!("expected intrinsic gas refusal, got {other:?}"),
    }

    // Exactly the intrinsic gas is enough.
    let mut exact = base;
    exact.gas_limit = 21_000 + 2 * 2400;
    exact.access_list = AccessList(vec![
        AccessListItem { address: Address::repeat_byte(1), storage_keys: vec![] },
        AccessListItem { address: Address::repeat_byte(2), storage_keys: vec![] },
    ]);
    pool().add(decode(&sign(&k, exact)), &state, BASE_FEE).expect("exact intrinsic gas");
}

#[test]
fn refuses_gas_below_eip7623_floor() {
    let k = key(1);
    let state = State::rich(&[&k]);
    // 10 zero + 10 non-zero bytes: 50 tokens. Intrinsic 21200, floor 21000 + 10 * 50 = 21500.
    let mut tx = eip1559(0, 10 * GWEI, GWEI);
    tx.input = [[0u8; 10], [1u8; 10]].concat().into();
    tx.gas_limit = 21_200;
    assert_eq!(
        refusal(decode(&sign(&k, tx.clone())), &state),
        "insufficient gas for floor data gas cost: gas 21200, minimum needed 21500"
    );
    tx.gas_limit = 21_500;
    pool().add(decode(&sign(&k, tx)), &state, BASE_FEE).expect("floor covered");
}

#[test]
fn refuses_gas_limit_above_block_gas_limit() {
    let k = key(1);
    let mut tx = eip1559(0, 10 * GWEI, GWEI);
    tx.gas_limit = 30_000_001;
    assert_eq!(refusal(decode(&sign(&k, tx)), &State::rich(&[&k])), "exceeds block gas limit");
}

#[test]
fn refuses_fee_cap_below_base_fee() {
    let k = key(1);
    let tx = decode(&sign(&k, eip1559(0, GWEI, GWEI)));
    let err = pool().add(tx, &State::rich(&[&k]), 2 * BASE_FEE).expect_err("refused");
    let checksummed = k.address().to_checksum(None);
    assert_eq!(
        err.to_string(),
        format!(
            "max fee per gas less than block base fee: address {checksummed}, \
             maxFeePerGas: 1000000000, baseFee: 2000000000"
        )
    );
}

#[test]
fn refuses_tip_above_fee_cap() {
    let k = key(1);
    let tx = decode(&sign(&k, eip1559(0, 2 * GWEI, 3 * GWEI)));
    assert_eq!(
        refusal(tx, &State::rich(&[&k])),
        "max priority fee per gas higher than max fee per gas"
    );
}

#[test]
fn refuses_oversized_data() {
    let k = key(1);
    let mut tx = eip1559(0, 10 * GWEI, GWEI);
    tx.input = vec![1u8; 131_072].into();
    let envelope = sign(&k, tx);
    let size = envelope.encode_2718_len();
    assert!(size > DEFAULT_MAX_TX_BYTES);
    assert_eq!(
        refusal(decode(&envelope), &State::rich(&[&k])),
        format!("oversized data: transaction size {size}, limit 131072")
    );
}

#[test]
fn refuses_init_code_over_eip3860_limit() {
    let k = key(1);
    let state = State::rich(&[&k]);
    let mut tx = eip1559(0, 10 * GWEI, GWEI);
    tx.to = TxKind::Create;
    tx.gas_limit = 600_000;
    tx.input = vec![0u8; 49_153].into();
    assert_eq!(
        refusal(decode(&sign(&k, tx.clone())), &state),
        "max initcode size exceeded: code size 49153, limit 49152"
    );
    tx.input = vec![0u8; 49_152].into();
    pool().add(decode(&sign(&k, tx)), &state, BASE_FEE).expect("at the limit");
}

#[test]
fn refuses_set_code_tx_without_authorizations() {
    let k = key(1);
    assert_eq!(
        refusal(decode(&sign(&k, eip7702(0, vec![]))), &State::rich(&[&k])),
        "set code tx must have at least one authorization tuple"
    );
}

#[test]
fn refuses_max_nonce() {
    let k = key(1);
    assert_eq!(refusal(transfer(&k, u64::MAX, GWEI), &State::rich(&[&k])), "nonce has max value");
}

#[test]
fn refuses_when_pool_is_full_but_still_replaces() {
    let (a, b) = (key(1), key(2));
    let state = State::rich(&[&a, &b]);
    let pool = TxPool::new(PoolConfig { max_txs: 2, ..PoolConfig::default() });
    pool.add(transfer(&a, 0, GWEI), &state, BASE_FEE).expect("first");
    pool.add(transfer(&a, 1, GWEI), &state, BASE_FEE).expect("second");
    let err = pool.add(transfer(&b, 0, GWEI), &state, BASE_FEE).expect_err("full");
    assert_eq!(err.to_string(), "txpool is full");
    let bumped = decode(&sign(&a, eip1559(1, 11 * GWEI, 2 * GWEI)));
    pool.add(bumped, &state, BASE_FEE).expect("a replacement takes no new slot");
    assert_eq!(pool.len(), 2);
}

#[test]
fn reports_unreadable_state() {
    let k = key(1);
    let err = pool().add(transfer(&k, 0, GWEI), &BrokenState, BASE_FEE).expect_err("no state");
    assert!(matches!(err, PoolError::State(_)));
    assert_eq!(err.to_string(), "failed to read account state: database closed");
}

// ---- nonce ordering ---------------------------------------------------------------------------

#[test]
fn nonce_gap_is_queued_then_promoted() {
    let k = key(1);
    let state = State::rich(&[&k]);
    let pool = pool();
    let mut rx = pool.subscribe_pending();
    let txs: Vec<_> = (0..4).map(|nonce| transfer(&k, nonce, GWEI)).collect();
    let h: Vec<_> = txs.iter().map(PooledTx::hash).collect();

    let status = |tx: &PooledTx| pool.add(tx.clone(), &state, BASE_FEE).expect("accepted").status;
    assert_eq!(status(&txs[0]), TxStatus::Pending);
    assert_eq!(status(&txs[2]), TxStatus::Queued);
    assert_eq!(status(&txs[3]), TxStatus::Queued);
    assert_eq!((pool.pending_len(), pool.queued_len()), (1, 2));
    assert_eq!(pool.pending_nonce(k.address(), 0), 1);
    assert_eq!(drain(&mut rx), vec![h[0]]);
    assert_eq!(hashes(&pool.all_queued()), vec![h[2], h[3]]);

    assert_eq!(status(&txs[1]), TxStatus::Pending);
    assert_eq!((pool.pending_len(), pool.queued_len()), (4, 0));
    assert_eq!(pool.pending_nonce(k.address(), 0), 4);
    assert_eq!(drain(&mut rx), vec![h[1], h[2], h[3]]);
    assert_eq!(hashes(&pool.all_pending()), h);
}

#[test]
fn pending_nonce_of_unknown_sender_is_state_nonce() {
    let pool = pool();
    assert_eq!(pool.pending_nonce(Address::repeat_byte(7), 9), 9);
    let k = key(1);
    let state = State::default().with(k.address(), 3, ether(1));
    pool.add(transfer(&k, 3, GWEI), &state, BASE_FEE).expect("accepted");
    assert_eq!(pool.pending_nonce(k.address(), 3), 4);
    // A caller whose state is ahead of the pool counts from its own nonce.
    assert_eq!(pool.pending_nonce(k.address(), 6), 6);
}

#[test]
fn bad_transactions_in_a_batch_do_not_block_others() {
    let (a, b, c, d) = (key(1), key(2), key(3), key(4));
    let state = State::rich(&[&a, &c, &d]); // b has no funds
    let mut wrong_chain = eip1559(0, 10 * GWEI, GWEI);
    wrong_chain.chain_id = 1;
    let raws: Vec<Bytes> = vec![
        sign(&a, eip1559(0, 10 * GWEI, GWEI)).encoded_2718().into(),
        sign(&b, eip1559(0, 10 * GWEI, GWEI)).encoded_2718().into(),
        Bytes::from_static(&[0x02, 0x01]),
        sign(&a, eip1559(1, 10 * GWEI, GWEI)).encoded_2718().into(),
        sign(&c, wrong_chain).encoded_2718().into(),
        sign(&d, eip1559(0, 10 * GWEI, GWEI)).encoded_2718().into(),
    ];
    let decoded = recover_batch(raws);
    assert!(matches!(decoded[2], Err(PoolError::Decode(_))));
    let txs: Vec<PooledTx> = decoded.into_iter().filter_map(Result::ok).collect();
    let pool = pool();
    let results = pool.add_all(txs, &state, BASE_FEE);
    let outcome: Vec<_> =
        results.iter().map(|r| r.as_ref().map(|_| ()).map_err(|e| e.to_string())).collect();
    assert!(outcome[0].is_ok());
    assert!(outcome[1].as_ref().is_err_and(|e| e.starts_with("insufficient funds")));
    assert!(outcome[2].is_ok());
    assert_eq!(
        outcome[3],
        Err("invalid sender: invalid chain id for signer: have 1 want 31337".into())
    );
    assert!(outcome[4].is_ok());
    assert_eq!(pool.pending_len(), 3);
    assert_eq!(pool.best_transactions(BASE_FEE).count(), 3);
}

// ---- best transactions ------------------------------------------------------------------------

#[test]
fn best_orders_by_effective_tip_across_senders_in_nonce_order() {
    let keys: Vec<_> = (1..=6).map(key).collect();
    let [a, b, c, d, e, f] = [&keys[0], &keys[1], &keys[2], &keys[3], &keys[4], &keys[5]];
    let state = State::rich(&[a, b, c, d, e, f]);
    let pool = pool();
    let a0 = transfer(a, 0, GWEI);
    let a1 = transfer(a, 1, 5 * GWEI); // best tip, but behind a0
    let b0 = transfer(b, 0, 3 * GWEI);
    let c0 = transfer(c, 0, 3 * GWEI); // same tip as b0, later
    let d0 = transfer(d, 0, 2 * GWEI);
    // Tip 3 gwei but fee cap 3 gwei: effective tip 2 gwei at base fee 1 gwei, after d0.
    let e0 = decode(&sign(e, eip1559(0, 3 * GWEI, 3 * GWEI)));
    // Legacy at 2.5 gwei: effective tip 1.5 gwei.
    let f0 = decode(&sign(f, legacy(0, 2_500_000_000)));
    let order = |txs: [&PooledTx; 7]| txs.iter().map(|tx| tx.hash()).collect::<Vec<_>>();
    let at_one_gwei = order([&b0, &c0, &d0, &e0, &f0, &a0, &a1]);
    let at_zero = order([&b0, &c0, &e0, &f0, &d0, &a0, &a1]);
    for tx in [a1, a0, b0, c0, d0, e0, f0] {
        pool.add(tx, &state, BASE_FEE).expect("accepted");
    }
    assert_eq!(hashes(&pool.best_transactions(BASE_FEE).collect::<Vec<_>>()), at_one_gwei);
    // At a zero base fee the fee caps no longer bind: e0 earns 3 gwei, f0 2.5 gwei.
    assert_eq!(hashes(&pool.best_transactions(0).collect::<Vec<_>>()), at_zero);
}

#[test]
fn best_skips_unaffordable_sender_without_blocking_others() {
    let (a, b) = (key(1), key(2));
    let state = State::rich(&[&a, &b]);
    let pool = pool();
    let cheap0 = decode(&sign(&a, eip1559(0, 2 * GWEI, GWEI)));
    let rich1 = decode(&sign(&a, eip1559(1, 50 * GWEI, GWEI)));
    let other = transfer(&b, 0, GWEI);
    let other_hash = other.hash();
    for tx in [cheap0, rich1, other] {
        pool.add(tx, &state, BASE_FEE).expect("accepted");
    }
    // Base fee rose to 3 gwei: a's nonce 0 cannot pay, so neither can its nonce 1.
    let best: Vec<_> = pool.best_transactions(3 * BASE_FEE).collect();
    assert_eq!(hashes(&best), vec![other_hash]);
    assert_eq!(pool.pending_len(), 3, "skipped, not removed");
}

#[test]
fn best_stops_a_sender_marked_invalid() {
    let (a, b) = (key(1), key(2));
    let state = State::rich(&[&a, &b]);
    let pool = pool();
    let a0 = transfer(&a, 0, 5 * GWEI);
    let a1 = transfer(&a, 1, 5 * GWEI);
    let b0 = transfer(&b, 0, GWEI);
    let (a0_hash, b0_hash) = (a0.hash(), b0.hash());
    for tx in [a0, a1, b0] {
        pool.add(tx, &state, BASE_FEE).expect("accepted");
    }
    let mut best = pool.best_transactions(BASE_FEE);
    let first = best.next().expect("a0");
    assert_eq!(first.hash(), a0_hash);
    best.mark_invalid(first.sender());
    assert_eq!(hashes(&best.collect::<Vec<_>>()), vec![b0_hash]);
}

#[test]
fn best_sees_changes_made_while_iterating() {
    let (a, b) = (key(1), key(2));
    let state = State::rich(&[&a, &b]);
    let pool = pool();
    pool.add(transfer(&a, 0, 5 * GWEI), &state, BASE_FEE).expect("accepted");
    pool.add(transfer(&b, 0, GWEI), &state, BASE_FEE).expect("accepted");
    let b0_bumped = decode(&sign(&b, eip1559(0, 20 * GWEI, 9 * GWEI)));
    let b0_bumped_hash = b0_bumped.hash();
    let a1 = transfer(&a, 1, GWEI);
    let a1_hash = a1.hash();

    let mut best = pool.best_transactions(BASE_FEE);
    let first = best.next().expect("a0");
    assert_eq!(first.sender(), a.address());
    // While the builder executes a0: b replaces its tx, a sends its next nonce.
    pool.add(b0_bumped, &state, BASE_FEE).expect("replacement");
    pool.add(a1, &state, BASE_FEE).expect("next nonce");
    // The replacement is yielded at its own tip; a1 arrived after a0 was taken: next block.
    assert_eq!(hashes(&best.collect::<Vec<_>>()), vec![b0_bumped_hash]);
    let next_block: Vec<_> = pool.best_transactions(BASE_FEE).collect();
    assert!(hashes(&next_block).contains(&a1_hash));
}

// ---- maintenance ------------------------------------------------------------------------------

#[test]
fn remove_invalid_requeues_later_nonces() {
    let k = key(1);
    let state = State::rich(&[&k]);
    let pool = pool();
    let txs: Vec<_> = (0..3).map(|nonce| transfer(&k, nonce, GWEI)).collect();
    for tx in &txs {
        pool.add(tx.clone(), &state, BASE_FEE).expect("accepted");
    }
    let removed = pool.remove_invalid(&[txs[1].hash(), TxHash::repeat_byte(0xee)]);
    assert_eq!(hashes(&removed), vec![txs[1].hash()]);
    assert_eq!((pool.pending_len(), pool.queued_len()), (1, 1));
    assert_eq!(pool.pending_nonce(k.address(), 0), 1);
    let best: Vec<_> = pool.best_transactions(BASE_FEE).collect();
    assert_eq!(hashes(&best), vec![txs[0].hash()]);

    // Refilling the nonce promotes the rest again.
    let refill = decode(&sign(&k, eip1559(1, 10 * GWEI, 2 * GWEI)));
    assert_eq!(pool.add(refill, &state, BASE_FEE).expect("accepted").status, TxStatus::Pending);
    assert_eq!((pool.pending_len(), pool.queued_len()), (3, 0));
}

#[test]
fn on_block_committed_removes_mined_and_stale_and_promotes() {
    let (a, b, c) = (key(1), key(2), key(3));
    let pool = pool();
    let state = State::rich(&[&a, &b, &c]);
    let a_txs: Vec<_> = [0, 1, 3].iter().map(|n| transfer(&a, *n, GWEI)).collect();
    let b_txs: Vec<_> = [0, 1].iter().map(|n| transfer(&b, *n, GWEI)).collect();
    let c0 = transfer(&c, 0, GWEI);
    for tx in a_txs.iter().chain(&b_txs).chain([&c0]) {
        pool.add(tx.clone(), &state, BASE_FEE).expect("accepted");
    }
    assert_eq!((pool.pending_len(), pool.queued_len()), (5, 1));
    let mut rx = pool.subscribe_pending();

    // The block mined a0, a1, an a2 the pool never saw, and a b0 other than the pooled one.
    let mined = [
        (a.address(), 0, a_txs[0].hash()),
        (a.address(), 1, a_txs[1].hash()),
        (a.address(), 2, TxHash::repeat_byte(0xa2)),
        (b.address(), 0, TxHash::repeat_byte(0xb0)),
    ];
    let after = State::rich(&[&c]).with(a.address(), 3, ether(1)).with(b.address(), 1, ether(1));
    let update = pool.on_block_committed(&mined, &after);

    let mut removed = update.removed.clone();
    removed.sort();
    let mut expected = vec![a_txs[0].hash(), a_txs[1].hash(), b_txs[0].hash()];
    expected.sort();
    assert_eq!(removed, expected);
    assert_eq!(update.promoted, vec![a_txs[2].hash()]);
    assert_eq!(drain(&mut rx), vec![a_txs[2].hash()]);
    assert_eq!((pool.pending_len(), pool.queued_len()), (3, 0));
    assert_eq!(pool.len(), 3);
    assert!(pool.get(&c0.hash()).is_some());
    assert_eq!(pool.pending_nonce(a.address(), 3), 4);
    assert_eq!(pool.pending_nonce(b.address(), 1), 2);
}

#[test]
fn on_block_committed_refreshes_eip7702_authorities() {
    let (sponsor, user) = (key(1), key(2));
    let state = State::rich(&[&sponsor, &user]);
    let pool = pool();
    let user_tx = transfer(&user, 0, GWEI);
    pool.add(user_tx.clone(), &state, BASE_FEE).expect("accepted");
    // The sponsor's set-code tx carries the user's authorization, which bumps the user's nonce.
    let set_code = decode(&sign(&sponsor, eip7702(0, vec![authorization(&user, 0)])));
    pool.add(set_code.clone(), &state, BASE_FEE).expect("accepted");

    let after =
        State::default().with(sponsor.address(), 1, ether(1)).with(user.address(), 1, ether(1));
    let update = pool.on_block_committed(&[(sponsor.address(), 0, set_code.hash())], &after);
    assert!(update.removed.contains(&user_tx.hash()), "the user's nonce 0 is now stale");
    assert!(pool.is_empty());
}

#[test]
fn on_block_committed_without_state_uses_mined_nonces() {
    let k = key(1);
    let state = State::rich(&[&k]);
    let pool = pool();
    let txs: Vec<_> = (0..3).map(|nonce| transfer(&k, nonce, GWEI)).collect();
    for tx in &txs {
        pool.add(tx.clone(), &state, BASE_FEE).expect("accepted");
    }
    let update = pool.on_block_committed(
        &[(k.address(), 0, txs[0].hash()), (k.address(), 1, txs[1].hash())],
        &BrokenState,
    );
    assert_eq!(update.removed.len(), 2);
    assert_eq!(hashes(&pool.all_pending()), vec![txs[2].hash()]);
}

#[test]
fn refresh_accounts_applies_external_nonce_changes() {
    let k = key(1);
    let state = State::rich(&[&k]);
    let pool = pool();
    let txs: Vec<_> = [0, 2].iter().map(|n| transfer(&k, *n, GWEI)).collect();
    for tx in &txs {
        pool.add(tx.clone(), &state, BASE_FEE).expect("accepted");
    }
    // anvil_setNonce(k, 2): nonce 0 is stale, nonce 2 is now executable.
    let update = pool.refresh_accounts(
        &[k.address(), Address::repeat_byte(9)],
        &State::default().with(k.address(), 2, ether(1)),
    );
    assert_eq!(update.removed, vec![txs[0].hash()]);
    assert_eq!(update.promoted, vec![txs[1].hash()]);
    assert_eq!((pool.pending_len(), pool.queued_len()), (1, 0));
}

#[test]
fn add_catches_up_with_a_newer_state_nonce() {
    let k = key(1);
    let pool = pool();
    let txs: Vec<_> = (0..2).map(|nonce| transfer(&k, nonce, GWEI)).collect();
    pool.add(txs[0].clone(), &State::rich(&[&k]), BASE_FEE).expect("accepted");
    // A block the pool was not told about mined nonce 0 and 1 from elsewhere.
    let later = State::default().with(k.address(), 2, ether(1));
    let next = transfer(&k, 2, GWEI);
    assert_eq!(pool.add(next, &later, BASE_FEE).expect("accepted").status, TxStatus::Pending);
    assert!(pool.get(&txs[0].hash()).is_none(), "stale nonce 0 dropped");
    assert_eq!(pool.len(), 1);
}

#[test]
fn clear_drops_everything() {
    let k = key(1);
    let pool = pool();
    pool.add(transfer(&k, 0, GWEI), &State::rich(&[&k]), BASE_FEE).expect("accepted");
    pool.clear();
    assert!(pool.is_empty());
    assert_eq!((pool.pending_len(), pool.queued_len()), (0, 0));
}

// ---- batch recovery ---------------------------------------------------------------------------

#[test]
fn parallel_batch_recovery_matches_sequential() {
    let keys: Vec<_> = (1..=8).map(key).collect();
    let raws: Vec<Bytes> = (0..64u64)
        .map(|i| {
            let k = &keys[(i % 8) as usize];
            let envelope = if i % 2 == 0 {
                sign(k, eip1559(i, 10 * GWEI, GWEI))
            } else {
                sign(k, legacy(i, 2 * GWEI))
            };
            envelope.encoded_2718().into()
        })
        .collect();
    assert!(raws.len() >= PARALLEL_RECOVERY_THRESHOLD);
    let sequential: Vec<_> =
        raws.iter().map(|raw| decode_and_recover(raw).expect("valid")).collect();
    let parallel: Vec<_> = recover_batch(raws).into_iter().map(|tx| tx.expect("valid")).collect();
    assert_eq!(parallel, sequential);
    for (i, tx) in parallel.iter().enumerate() {
        assert_eq!(tx.sender(), keys[i % 8].address());
    }
}

// ---- ZK Stack EIP-712 (type 0x71) ------------------------------------------------------------

mod eip712 {
    use super::*;
    use tephra_primitives::eip712::{
        DEFAULT_GAS_PER_PUBDATA, Eip712Meta, PaymasterParams, TxEip712,
    };

    fn unsigned(from: Address, chain_id: u64) -> TxEip712 {
        TxEip712 {
            chain_id,
            nonce: 0,
            max_priority_fee_per_gas: GWEI,
            max_fee_per_gas: 10 * GWEI,
            gas_limit: 21_000,
            to: TxKind::Call(Address::repeat_byte(0xaa)),
            value: U256::from(1),
            input: Bytes::new(),
            v: chain_id,
            r: U256::ZERO,
            s: U256::ZERO,
            from,
            eip712_meta: Eip712Meta {
                gas_per_pubdata: U256::from(DEFAULT_GAS_PER_PUBDATA),
                ..Default::default()
            },
        }
    }

    /// Signed by `signer` as zksync-ethers signs: the signature in `customSignature`.
    fn signed(signer: &PrivateKeySigner, mut tx: TxEip712) -> Vec<u8> {
        let signature = signer.sign_hash_sync(&tx.signing_hash()).expect("signing");
        tx.eip712_meta.custom_signature = Bytes::from(signature.as_bytes().to_vec());
        tx.encoded_2718()
    }

    fn refusal_of(raw: &[u8]) -> String {
        decode_and_recover(raw).expect_err("refused").to_string()
    }

    #[test]
    fn accepts_the_zksync_ethers_vector_and_recovers_its_from() {
        let vectors: serde_json::Value =
            serde_json::from_str(include_str!("../../primitives/testdata/zksync_eip712.json"))
                .expect("JSON");
        let case = &vectors["cases"]["transfer"];
        let raw: Bytes = case["raw"].as_str().expect("raw").parse().expect("hex");
        let tx = decode_and_recover(&raw).expect("valid");
        assert_eq!(tx.sender().to_string(), case["from"].as_str().expect("from"));
        assert_eq!(tx.hash().to_string(), case["hash"].as_str().expect("hash"));
        assert_eq!(tx.encoded(), &raw);
        let state = State::default().with(tx.sender(), 0, ether(1000));
        assert_eq!(
            pool().add(tx, &state, BASE_FEE).expect("pooled").hash.to_string(),
            case["hash"]
        );
    }

    #[test]
    fn accepts_a_v_r_s_signature_too() {
        let signer = key(1);
        let mut tx = unsigned(signer.address(), CHAIN_ID);
        let signature = signer.sign_hash_sync(&tx.signing_hash()).expect("signing");
        (tx.v, tx.r, tx.s) = (u64::from(signature.v()), signature.r(), signature.s());
        let pooled = decode_and_recover(&tx.encoded_2718()).expect("valid");
        assert_eq!(pooled.sender(), signer.address());
    }

    #[test]
    fn refuses_a_signature_that_does_not_recover_to_from() {
        let (owner, forger) = (key(1), key(2));
        let raw = signed(&forger, unsigned(owner.address(), CHAIN_ID));
        assert_eq!(
            refusal_of(&raw),
            format!(
                "invalid sender: EIP-712 signature recovers to {}, not to the transaction's from {}",
                forger.address(),
                owner.address()
            )
        );
    }

    #[test]
    fn refuses_a_wrong_chain_id() {
        let signer = key(1);
        let tx = decode_and_recover(&signed(&signer, unsigned(signer.address(), 270))).expect("ok");
        let state = State::rich(&[&signer]);
        assert_eq!(
            refusal(tx, &state),
            "invalid sender: invalid chain id for signer: have 270 want 31337"
        );
    }

    #[test]
    fn refuses_a_paymaster_input_shorter_than_a_selector() {
        let signer = key(1);
        let mut tx = unsigned(signer.address(), CHAIN_ID);
        tx.eip712_meta.paymaster_params = Some(PaymasterParams {
            paymaster: Address::repeat_byte(0x99),
            paymaster_input: Bytes::from_static(&[0x8c, 0x5a, 0x34]),
        });
        assert_eq!(
            refusal_of(&signed(&signer, tx)),
            "malformed paymaster params: the standard paymaster input must be at least 4 bytes long, got 3"
        );
    }

    /// `unsigned`, its fee paid by `paymaster` through the `general(bytes)` flow.
    fn sponsored(from: Address, paymaster: Address) -> TxEip712 {
        let mut tx = unsigned(from, CHAIN_ID);
        tx.eip712_meta.paymaster_params = Some(PaymasterParams {
            paymaster,
            paymaster_input: Bytes::from_static(&[0x8c, 0x5a, 0x34, 0x45, 0, 0, 0, 0]),
        });
        tx
    }

    #[test]
    fn a_paymaster_pays_the_fee_of_a_sender_without_ether() {
        let (signer, paymaster) = (key(1), Address::repeat_byte(0x99));
        let tx = decode_and_recover(&signed(&signer, sponsored(signer.address(), paymaster)))
            .expect("valid");
        assert_eq!(tx.paymaster(), Some(paymaster));
        // The sender holds its value (1 wei) and nothing for gas; the paymaster the fee.
        let fee = U256::from(21_000u64 * 10 * GWEI as u64);
        let state =
            State::default().with(signer.address(), 0, U256::from(1)).with(paymaster, 0, fee);
        pool().add(tx, &state, BASE_FEE).expect("pooled");
    }

    #[test]
    fn a_paymaster_that_cannot_pay_the_fee_is_refused() {
        let (signer, paymaster) = (key(1), Address::repeat_byte(0x99));
        let tx = decode_and_recover(&signed(&signer, sponsored(signer.address(), paymaster)))
            .expect("valid");
        let fee = U256::from(21_000u64 * 10 * GWEI as u64);
        let state = State::default().with(signer.address(), 0, ether(1000)).with(
            paymaster,
            0,
            fee - U256::from(1),
        );
        assert_eq!(
            refusal(tx, &state),
            format!(
                "insufficient funds for gas * price: paymaster {paymaster} balance {}, tx fee {fee}",
                fee - U256::from(1)
            )
        );
    }

    #[test]
    fn a_sponsored_sender_still_pays_its_value_and_an_unsponsored_one_its_gas() {
        let (signer, paymaster) = (key(1), Address::repeat_byte(0x99));
        let rich_paymaster = State::default().with(paymaster, 0, ether(1000));
        let tx = decode_and_recover(&signed(&signer, sponsored(signer.address(), paymaster)))
            .expect("valid");
        assert_eq!(
            refusal(tx, &rich_paymaster),
            "insufficient funds for gas * price + value: balance 0, tx cost 1, overshot 1"
        );
        // Without a paymaster (or with the zero address as one), the sender pays everything.
        for params in [None, Some(Address::ZERO)] {
            let mut tx = unsigned(signer.address(), CHAIN_ID);
            tx.eip712_meta.paymaster_params = params.map(|paymaster| PaymasterParams {
                paymaster,
                paymaster_input: Bytes::from_static(&[0x8c, 0x5a, 0x34, 0x45]),
            });
            let tx = decode_and_recover(&signed(&signer, tx)).expect("valid");
            assert_eq!(tx.paymaster(), None);
            let state = State::default().with(signer.address(), 0, U256::from(1));
            assert!(refusal(tx, &state).starts_with("insufficient funds for gas * price + value"));
        }
    }

    #[test]
    fn refuses_a_zero_gas_per_pubdata() {
        let signer = key(1);
        let mut tx = unsigned(signer.address(), CHAIN_ID);
        tx.eip712_meta.gas_per_pubdata = U256::ZERO;
        assert_eq!(refusal_of(&signed(&signer, tx)), "gas per pub data limit is zero");
    }

    #[test]
    fn refuses_malformed_paymaster_params() {
        let signer = key(1);
        let mut raw = signed(&signer, unsigned(signer.address(), CHAIN_ID));
        // Replace the empty paymaster list with a one-item list, fixing the outer length.
        assert_eq!(raw.pop(), Some(0xc0));
        raw.extend_from_slice(&[0xd5, 0x94]);
        raw.extend_from_slice(&[0x99; 20]);
        let payload = raw[3..].to_vec();
        assert_eq!(raw[1], 0xf8, "a long list with a one-byte length");
        let mut fixed = vec![0x71, 0xf8, payload.len() as u8];
        fixed.extend_from_slice(&payload);
        let err = refusal_of(&fixed);
        assert!(err.starts_with("failed to decode signed transaction"), "{err}");
        assert!(err.contains("malformed paymaster params"), "{err}");
    }

    #[test]
    fn refuses_a_custom_signature_that_is_not_ecdsa() {
        let signer = key(1);
        let mut tx = unsigned(signer.address(), CHAIN_ID);
        tx.eip712_meta.custom_signature = Bytes::from(vec![7u8; 64]);
        assert_eq!(refusal_of(&tx.encoded_2718()), "invalid sender");
    }

    #[test]
    fn refuses_a_high_s_signature() {
        let signer = key(1);
        let mut tx = unsigned(signer.address(), CHAIN_ID);
        let signature = signer.sign_hash_sync(&tx.signing_hash()).expect("signing");
        let n = U256::from_str_radix(
            "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",
            16,
        )
        .expect("n");
        let high = Signature::new(signature.r(), n - signature.s(), !signature.v());
        tx.eip712_meta.custom_signature = Bytes::from(high.as_bytes().to_vec());
        assert_eq!(refusal_of(&tx.encoded_2718()), "invalid sender");
    }
}
