//! The signed transactions every measured target receives: plain transfers and ERC-20
//! transfers from many senders, pre-signed once so that signing costs nothing in any figure.

use alloy_consensus::{SignableTransaction, TxEip1559};
use alloy_eips::eip2718::Encodable2718;
use alloy_network::TxSignerSync;
use alloy_primitives::{Address, Bytes, TxKind, U256};
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::SolValue;
use tephra_primitives::TxEnvelope;

/// `TestToken` (OpenZeppelin ERC-20) creation code, from the committed artifact.
const TEST_TOKEN: &str = include_str!("../../../contracts/artifacts/TestToken.json");

/// Chain id of the measured chains.
pub(crate) const CHAIN_ID: u64 = 31337;
/// Fee cap high enough for any base fee the runs reach.
const MAX_FEE: u128 = 100_000_000_000;

pub(crate) fn sign(
    signer: &PrivateKeySigner,
    nonce: u64,
    to: TxKind,
    value: U256,
    input: Bytes,
    gas: u64,
) -> Bytes {
    sign_on(CHAIN_ID, signer, nonce, to, value, input, gas)
}

/// [`sign`] for chain `chain_id`.
pub(crate) fn sign_on(
    chain_id: u64,
    signer: &PrivateKeySigner,
    nonce: u64,
    to: TxKind,
    value: U256,
    input: Bytes,
    gas: u64,
) -> Bytes {
    let mut tx = TxEip1559 {
        chain_id,
        nonce,
        gas_limit: gas,
        max_fee_per_gas: MAX_FEE,
        max_priority_fee_per_gas: 1_000_000_000,
        to,
        value,
        input,
        ..Default::default()
    };
    let signature = signer.sign_transaction_sync(&mut tx).expect("local keys sign");
    let envelope: TxEnvelope = tx.into_signed(signature).into();
    envelope.encoded_2718().into()
}

/// The token deployment by `deployer` at nonce 0: the token lands at `deployer.create(0)`.
pub(crate) fn deploy_token(deployer: &PrivateKeySigner) -> Bytes {
    let artifact: serde_json::Value =
        serde_json::from_str(TEST_TOKEN).expect("committed artifact is JSON");
    let code = artifact["bytecode"].as_str().expect("artifact has bytecode");
    let mut input = alloy_primitives::hex::decode(code).expect("bytecode is hex");
    let supply = U256::from(10u64).pow(U256::from(30u64));
    input.extend(("Bench".to_string(), "BNCH".to_string(), supply).abi_encode_params());
    sign(deployer, 0, TxKind::Create, U256::ZERO, input.into(), 2_000_000)
}

pub(crate) fn token_transfer(
    signer: &PrivateKeySigner,
    nonce: u64,
    token: Address,
    to: Address,
    amount: U256,
) -> Bytes {
    let mut input = vec![0xa9, 0x05, 0x9c, 0xbb];
    input.extend((to, amount).abi_encode_params());
    sign(signer, nonce, TxKind::Call(token), U256::ZERO, input.into(), 100_000)
}

/// The setup (deploy the token, give every sender tokens; sent by account 0) and the measured
/// load (per sender: alternating ETH and token transfers to fresh recipients).
pub(crate) struct Workload {
    pub(crate) setup: Vec<Bytes>,
    pub(crate) load: Vec<Bytes>,
    pub(crate) senders: Vec<Address>,
    /// Each sender's nonce once the load is mined.
    pub(crate) final_nonces: Vec<u64>,
}

pub(crate) fn build(signers: &[PrivateKeySigner], per_kind: usize) -> Workload {
    use rayon::prelude::*;
    let deployer = &signers[0];
    let token = deployer.address().create(0);
    let mut setup = vec![deploy_token(deployer)];
    for (i, signer) in signers.iter().enumerate() {
        setup.push(token_transfer(
            deployer,
            1 + i as u64,
            token,
            signer.address(),
            U256::from(10u64).pow(U256::from(24u64)),
        ));
    }
    let per_sender = (2 * per_kind).div_ceil(signers.len());
    let first_nonce = |i: usize| if i == 0 { 1 + signers.len() as u64 } else { 0 };
    let load: Vec<Vec<Bytes>> = signers
        .par_iter()
        .enumerate()
        .map(|(i, signer)| {
            (0..per_sender)
                .map(|k| {
                    let nonce = first_nonce(i) + k as u64;
                    let to = Address::from_word(alloy_primitives::keccak256(
                        (i as u64, k as u64).abi_encode(),
                    ));
                    if k % 2 == 0 {
                        sign(signer, nonce, TxKind::Call(to), U256::from(1), Bytes::new(), 21_000)
                    } else {
                        token_transfer(signer, nonce, token, to, U256::from(1))
                    }
                })
                .collect()
        })
        .collect();
    // Interleave senders so that every batch carries many senders, as real traffic does.
    let mut interleaved = Vec::with_capacity(per_sender * signers.len());
    for k in 0..per_sender {
        for txs in &load {
            interleaved.push(txs[k].clone());
        }
    }
    Workload {
        setup,
        load: interleaved,
        senders: signers.iter().map(|s| s.address()).collect(),
        final_nonces: (0..signers.len()).map(|i| first_nonce(i) + per_sender as u64).collect(),
    }
}
