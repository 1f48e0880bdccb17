//! The `STATELESS_CALL` precompile (0x7E70) on every framework profile: a read witnessed on any
//! profile's chain (`Chain::call_witness`) re-executes from its witness alone, and the
//! precompile, called directly, from a contract, or inside a block's transaction, answers the
//! same `(blockHash, success, output)` for the same input on all four profiles; a block whose
//! transactions call it verifies statelessly.

use alloy_consensus::{TxEip1559, TxReceipt};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, keccak256};
use alloy_rpc_types_eth::TransactionRequest;
use alloy_sol_types::{Revert, SolCall, SolError, SolValue, sol};
use support::{Fixture, sign};
use tephra_chain::{
    CallError, CallWitness, ChainSpec, IStatelessCall, STATELESS_CALL, verify_block,
};
use tephra_frameworks::{NAMES, by_name};
use tephra_primitives::{artifact, decode_block, encode_block};

mod support;

sol! {
    function balanceOf(address account) external view returns (uint256);
    function query(address target, bytes input) external view returns (bool success, bytes output);
    function record(address target, bytes input) external returns (bool success, bytes output);
    function outputHash(address target) external view returns (bytes32);
}

const SUPPLY: u64 = 7_000_000;

struct Profile {
    name: &'static str,
    f: Fixture,
    chain_id: u64,
    token: Address,
    caller: Address,
    nonce: u64,
}

fn tx(
    p: &Profile,
    nonce: u64,
    to: TxKind,
    input: Bytes,
) -> alloy_consensus::transaction::Recovered<tephra_primitives::TxEnvelope> {
    sign(
        &p.f.signers[0],
        TxEip1559 {
            chain_id: p.chain_id,
            nonce,
            gas_limit: 5_000_000,
            max_fee_per_gas: 10_000_000_000,
            max_priority_fee_per_gas: 1_000_000_000,
            to,
            input,
            ..Default::default()
        },
    )
}

/// A chain of profile `name` with an ERC-20 (its supply minted to signer 0) and a
/// `PrecompileCaller`.
fn profile(name: &'static str) -> Profile {
    let chain_id = match name {
        "ethereum" => 31337,
        "op-stack" => 901,
        "nitro" => 412346,
        "zk-stack" => 260,
        other => panic!("no profile {other}"),
    };
    let f = support::fixture(by_name(name).unwrap(), chain_id, 1);
    let owner = f.signers[0].address();
    let p =
        Profile { name, f, chain_id, token: owner.create(0), caller: owner.create(1), nonce: 2 };
    let args = ("Tephra".to_string(), "TPH".to_string(), U256::from(SUPPLY)).abi_encode_params();
    let deploys = [
        tx(&p, 0, TxKind::Create, artifact!(TestToken).deploy_code(&args)),
        tx(&p, 1, TxKind::Create, artifact!(PrecompileCaller).deploy_code(&[])),
    ];
    let block = support::mine(&p.f.chain, 2, &deploys);
    assert!(block.block.receipts.iter().all(|r| r.status()), "{name}: deployments succeed");
    p
}

fn read(to: Address, data: impl Into<Bytes>) -> TransactionRequest {
    TransactionRequest::default().to(to).input(data.into().into())
}

fn precompile_input(witness: &CallWitness) -> Bytes {
    witness.precompile_call().abi_encode().into()
}

#[test]
fn the_stateless_call_precompile_answers_the_same_on_every_profile_and_its_blocks_verify() {
    let mut profiles: Vec<Profile> = NAMES.iter().map(|name| profile(name)).collect();

    // A read witnessed on each profile's chain re-executes from its witness alone.
    let mut inputs = Vec::new();
    for p in &profiles {
        let chain = &p.f.chain;
        let head = chain.head();
        let owner = p.f.signers[0].address();
        let request = read(p.token, balanceOfCall { account: owner }.abi_encode());
        let witness = chain.call_witness(request.clone(), head.header.number).unwrap();
        assert_eq!(chain.call(request, head.header.number, None, None).unwrap(), witness.output);
        assert!(witness.success, "{}", p.name);
        assert_eq!(witness.output, Bytes::from(U256::from(SUPPLY).abi_encode()), "{}", p.name);
        let stateless = witness.verify().unwrap_or_else(|err| panic!("{}: {err}", p.name));
        assert_eq!(stateless.block_hash, head.hash, "{}", p.name);
        assert_eq!((stateless.success, &stateless.output), (true, &witness.output), "{}", p.name);
        inputs.push((witness.output.clone(), head.hash, precompile_input(&witness)));
    }

    // The same input gives the same answer on every profile: directly and from a contract.
    for (index, (output, hash, input)) in inputs.iter().enumerate() {
        let answers: Vec<Bytes> = profiles
            .iter()
            .map(|b| {
                let number = b.f.chain.head().header.number;
                let direct =
                    b.f.chain.call(read(STATELESS_CALL, input.clone()), number, None, None);
                let direct = direct.unwrap_or_else(|err| panic!("{} on {}: {err}", index, b.name));
                let through = b
                    .f
                    .chain
                    .call(
                        read(
                            b.caller,
                            queryCall { target: STATELESS_CALL, input: input.clone() }.abi_encode(),
                        ),
                        number,
                        None,
                        None,
                    )
                    .unwrap();
                let through = queryCall::abi_decode_returns(&through).unwrap();
                assert!(through.success, "{}", b.name);
                assert_eq!(through.output, direct, "{}", b.name);
                direct
            })
            .collect();
        assert!(answers.windows(2).all(|pair| pair[0] == pair[1]), "witness {index}: {answers:?}");
        let answer = IStatelessCall::staticCallCall::abi_decode_returns(&answers[0]).unwrap();
        assert_eq!(answer.blockHash, *hash);
        assert!(answer.success);
        assert_eq!(&answer.output, output);
    }

    // A witness missing a node fails the same way everywhere, naming the node.
    let (_, _, good) = &inputs[0];
    let mut broken = IStatelessCall::staticCallCall::abi_decode(good).unwrap();
    let dropped = broken.witness.nodes.remove(0);
    let broken: Bytes = broken.abi_encode().into();
    let reverts: Vec<Bytes> = profiles
        .iter()
        .map(|b| {
            let number = b.f.chain.head().header.number;
            match b.f.chain.call(read(STATELESS_CALL, broken.clone()), number, None, None) {
                Err(CallError::Reverted(data)) => data,
                other => panic!("{}: {other:?}", b.name),
            }
        })
        .collect();
    let failures: Vec<String> =
        reverts.iter().map(|data| Revert::abi_decode(data).unwrap().reason).collect();
    assert!(failures[0].contains(&keccak256(&dropped).to_string()), "{}", failures[0]);
    assert!(failures.windows(2).all(|pair| pair[0] == pair[1]), "{failures:?}");

    // In a block: each profile's contract records every answer; the block verifies statelessly.
    let mut all_inputs: Vec<Bytes> = inputs.iter().map(|(_, _, input)| input.clone()).collect();
    all_inputs.push(broken);
    for b in &mut profiles {
        let txs: Vec<_> = all_inputs
            .iter()
            .enumerate()
            .map(|(k, input)| {
                let call = recordCall { target: STATELESS_CALL, input: input.clone() };
                tx(b, b.nonce + k as u64, TxKind::Call(b.caller), call.abi_encode().into())
            })
            .collect();
        b.nonce += txs.len() as u64;
        let block = support::mine(&b.f.chain, 2, &txs);
        assert!(
            block.block.receipts.iter().all(|r| r.status()),
            "{}: the recording calls succeed",
            b.name
        );
        let number = block.block.header.number;
        // The last recorded output is the failing input's: its revert reason.
        let stored =
            b.f.chain
                .call(
                    read(b.caller, outputHashCall { target: STATELESS_CALL }.abi_encode()),
                    number,
                    None,
                    None,
                )
                .unwrap();
        assert_eq!(B256::abi_decode(&stored).unwrap(), keccak256(&reverts[0]), "{}", b.name);

        let reader = b.f.chain.reader().unwrap();
        let header = reader.header(number).unwrap().unwrap();
        let transactions = reader.transactions(number).unwrap().unwrap_or_default();
        let raw = encode_block(&tephra_primitives::block::block(header, transactions));
        let witness = b.f.chain.execution_witness(number).unwrap();
        let parent_root = reader.header(number - 1).unwrap().unwrap().state_root;
        let framework = by_name(b.name).unwrap();
        let spec = ChainSpec::latest(b.chain_id);
        let verified =
            verify_block(&spec, &*framework, &decode_block(&raw).unwrap(), &witness, parent_root)
                .unwrap_or_else(|err| panic!("{}: {err}", b.name));
        assert_eq!(verified.hash, block.block.hash);
    }
}
