//! Static-call reads proven by stateless re-execution: `Chain::call_witness` (the
//! `tephra_callWitness` RPC) runs a read on a chain and collects its witness, and
//! `tephra_chain::stateless_call` re-executes it from that witness alone, against the state root
//! of the header it names. Real contracts (OpenZeppelin's ERC-20, a contract calling another, a
//! reverting one) on a real chain; every way of lying to the stateless side (a missing or
//! tampered node, a missing code, a header with trailing bytes, another header) is refused or
//! gives another answer, never the claimed one. Then the `STATELESS_CALL` precompile, called on
//! the chain, gives the same answer at the documented price.

use alloy_consensus::{Header, SignableTransaction, TxEip1559, transaction::Recovered};
use alloy_network::TxSignerSync;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, keccak256};
use alloy_rpc_types_eth::TransactionRequest;
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{Revert, SolCall, SolError, SolValue, sol};
use std::sync::Arc;
use tephra_chain::{
    BlockAttributes, CallError, CallWitness, Chain, ChainSpec, IStatelessCall, STATELESS_CALL,
    STATELESS_CALL_BASE_GAS, StatelessError, WitnessGap, keccak_gas, stateless_call,
};
use tephra_primitives::{
    TxEnvelope, artifact,
    dev::{DevGenesis, dev_accounts},
};
use tephra_storage::Store;

sol! {
    function balanceOf(address account) external view returns (uint256);
    function totalSupply() external view returns (uint256);
    function transfer(address to, uint256 amount) external returns (bool);
    function query(address target, bytes input) external view returns (bool success, bytes output);
    function checked(uint256 x) external pure returns (uint256);
}

const CHAIN_ID: u64 = 31337;
const SUPPLY: u64 = 1_000_000;

struct Fixture {
    _dir: tempfile::TempDir,
    chain: Chain,
    signers: Vec<PrivateKeySigner>,
    token: Address,
    caller: Address,
    reverter: Address,
    looper: Address,
    forwarder: Address,
}

/// Init code deploying `runtime` (shorter than 256 bytes).
fn init_code(runtime: &[u8]) -> Bytes {
    let len = u8::try_from(runtime.len()).expect("short runtime");
    let mut code = vec![0x60, len, 0x60, 0x0c, 0x60, 0x00, 0x39, 0x60, len, 0x60, 0x00, 0xf3];
    code.extend_from_slice(runtime);
    code.into()
}

/// Runtime that loops until it runs out of gas: `JUMPDEST PUSH1 0 JUMP`.
const LOOPER: [u8; 4] = [0x5b, 0x60, 0x00, 0x56];

/// Runtime that static-calls `STATELESS_CALL` with the gas in its first calldata word and the
/// rest of its calldata as input, and returns the call's success as a word followed by its
/// return data.
const FORWARDER: [u8; 40] = [
    0x60, 0x20, 0x36, 0x03, // PUSH1 32 CALLDATASIZE SUB: len
    0x80, 0x60, 0x20, 0x60, 0x00, 0x37, // DUP1 PUSH1 32 PUSH1 0 CALLDATACOPY
    0x60, 0x00, 0x60, 0x00, 0x82, 0x60,
    0x00, // retLen 0, retOffset 0, argsLen len, argsOffset 0
    0x61, 0x7e, 0x70, // PUSH2 0x7E70
    0x60, 0x00, 0x35, // PUSH1 0 CALLDATALOAD: gas
    0xfa, // STATICCALL
    0x60, 0x00, 0x52, // PUSH1 0 MSTORE: success
    0x3d, 0x60, 0x00, 0x60, 0x20, 0x3e, // RETURNDATACOPY(32, 0, RETURNDATASIZE)
    0x3d, 0x60, 0x20, 0x01, // RETURNDATASIZE PUSH1 32 ADD
    0x60, 0x00, 0xf3, // PUSH1 0 RETURN
];

fn signed(
    signer: &PrivateKeySigner,
    nonce: u64,
    to: TxKind,
    input: Bytes,
) -> Recovered<TxEnvelope> {
    let mut tx = TxEip1559 {
        chain_id: CHAIN_ID,
        nonce,
        gas_limit: 3_000_000,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to,
        input,
        ..Default::default()
    };
    let signature = signer.sign_transaction_sync(&mut tx).unwrap();
    Recovered::new_unchecked(tx.into_signed(signature).into(), signer.address())
}

fn mine(chain: &Chain, txs: &[Recovered<TxEnvelope>]) {
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
    assert!(block.skipped.is_empty(), "{:?}", block.skipped);
    for receipt in &block.block.receipts {
        assert!(alloy_consensus::TxReceipt::status(receipt), "every transaction succeeds");
    }
    chain.commit_block(&block, &applied).unwrap();
}

/// A chain with an ERC-20 (the whole supply minted to signer 0), a `PrecompileCaller` and a
/// `Reverter`, in block 1; signer 0 sends 250 tokens to signer 1 in block 2.
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let signers = dev_accounts(2).unwrap();
    let genesis = DevGenesis {
        chain_id: CHAIN_ID,
        gas_limit: 30_000_000,
        base_fee: 1_000_000_000,
        timestamp: 1_700_000_000,
        accounts: signers.iter().map(|s| s.address()).collect(),
        balance: U256::from(10u64).pow(U256::from(22u64)),
    }
    .build();
    let chain = Chain::open(
        Store::open(&dir.path().join("chain.redb")).unwrap(),
        ChainSpec::latest(CHAIN_ID),
        Arc::new(tephra_frameworks::Ethereum),
        &genesis,
    )
    .unwrap();
    let deployer = &signers[0];
    let args = ("Tephra".to_string(), "TPH".to_string(), U256::from(SUPPLY)).abi_encode_params();
    let deploys = [
        artifact!(TestToken).deploy_code(&args),
        artifact!(PrecompileCaller).deploy_code(&[]),
        artifact!(Reverter).deploy_code(&[]),
        init_code(&LOOPER),
        init_code(&FORWARDER),
    ];
    let txs: Vec<_> = deploys
        .into_iter()
        .enumerate()
        .map(|(nonce, code)| signed(deployer, nonce as u64, TxKind::Create, code))
        .collect();
    mine(&chain, &txs);
    let [token, caller, reverter, looper, forwarder] =
        [0, 1, 2, 3, 4].map(|nonce| deployer.address().create(nonce));
    let send = transferCall { to: signers[1].address(), amount: U256::from(250) };
    mine(&chain, &[signed(deployer, 5, TxKind::Call(token), send.abi_encode().into())]);
    Fixture { _dir: dir, chain, signers, token, caller, reverter, looper, forwarder }
}

fn read(to: Address, data: Vec<u8>) -> TransactionRequest {
    TransactionRequest::default().to(to).input(Bytes::from(data).into())
}

/// The witness of `request` at block `number`, checked against `eth_call` (the same success
/// and output), and its stateless re-execution checked to reproduce it.
fn witnessed(chain: &Chain, request: TransactionRequest, number: u64) -> CallWitness {
    let witness = chain.call_witness(request.clone(), number).unwrap();
    match chain.call(request, number, None, None) {
        Ok(output) => assert!(witness.success && witness.output == output, "{witness:?}"),
        Err(CallError::Reverted(data)) => {
            assert!(!witness.success && witness.output == data, "{witness:?}")
        }
        Err(CallError::Halted(_)) => {
            assert!(!witness.success && witness.output.is_empty(), "{witness:?}")
        }
        Err(other) => panic!("eth_call failed: {other}"),
    }
    let header = chain.reader().unwrap().header(number).unwrap().unwrap();
    assert_eq!(&witness.header[..], &alloy_rlp::encode(&header)[..]);
    let result = witness.verify().unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(result.block_hash, header.hash_slow());
    assert_eq!(result.success, witness.success);
    assert_eq!(result.output, witness.output);
    assert_eq!(result.gas_used, witness.gas_used, "the same EVM, the same gas");
    witness
}

fn word(value: u64) -> Bytes {
    U256::from(value).abi_encode().into()
}

#[test]
fn erc20_reads_are_reproduced_from_their_witness_alone() {
    let f = fixture();
    let head = f.chain.head().header.number;
    let [owner, receiver] = [f.signers[0].address(), f.signers[1].address()];
    let supply = witnessed(&f.chain, read(f.token, totalSupplyCall {}.abi_encode()), head);
    assert_eq!(supply.output, word(SUPPLY));
    let balance = |account: Address, number: u64| {
        witnessed(&f.chain, read(f.token, balanceOfCall { account }.abi_encode()), number)
    };
    assert_eq!(balance(owner, head).output, word(SUPPLY - 250));
    assert_eq!(balance(receiver, head).output, word(250));
    // A slot never written: its absence is proven by its path.
    let nobody = balance(Address::repeat_byte(0x77), head);
    assert!(nobody.success);
    assert_eq!(nobody.output, word(0));
    // The state of an earlier block, under that block's header.
    let before = balance(receiver, head - 1);
    assert_eq!(before.output, word(0));
    assert_ne!(before.header, balance(receiver, head).header);
    // Defaults: the zero address calls, with the block gas limit (at most 30M).
    assert_eq!(supply.from, Address::ZERO);
    assert_eq!(supply.gas, 30_000_000);
    assert_eq!(supply.chain_id, CHAIN_ID);
    assert_eq!(supply.to, f.token);
}

#[test]
fn a_contract_calling_another_an_absent_account_and_a_revert_are_reproduced() {
    let f = fixture();
    let head = f.chain.head().header.number;
    let receiver = f.signers[1].address();
    let inner = Bytes::from(balanceOfCall { account: receiver }.abi_encode());
    let nested = witnessed(
        &f.chain,
        read(f.caller, queryCall { target: f.token, input: inner }.abi_encode()),
        head,
    );
    let decoded = queryCall::abi_decode_returns(&nested.output).unwrap();
    assert!(decoded.success);
    assert_eq!(decoded.output, word(250));
    // The code of both contracts is in the witness.
    assert_eq!(nested.codes.len(), 2);

    // An account that does not exist, called from another that does not exist either.
    let ghost = Address::repeat_byte(0x99);
    let request = read(ghost, vec![1, 2, 3]).from(Address::repeat_byte(0x98));
    let absent = witnessed(&f.chain, request, head);
    assert!(absent.success);
    assert!(absent.output.is_empty());
    assert!(absent.codes.is_empty());

    // A reverting read: not an error, a false result with the revert data.
    let reverted =
        witnessed(&f.chain, read(f.reverter, checkedCall { x: U256::from(11) }.abi_encode()), head);
    assert!(!reverted.success);
    assert_eq!(reverted.output, Bytes::from(Revert::from("x too large").abi_encode()));
    let fine =
        witnessed(&f.chain, read(f.reverter, checkedCall { x: U256::from(4) }.abi_encode()), head);
    assert_eq!(fine.output, word(8));

    // Out of gas is a false result with no output.
    let starved =
        witnessed(&f.chain, read(f.token, totalSupplyCall {}.abi_encode()).gas_limit(21_500), head);
    assert!(!starved.success);
    assert!(starved.output.is_empty());
}

fn owner_balance_witness(f: &Fixture) -> CallWitness {
    let account = f.signers[0].address();
    witnessed(
        &f.chain,
        read(f.token, balanceOfCall { account }.abi_encode()),
        f.chain.head().header.number,
    )
}

fn rerun(
    witness: &CallWitness,
    nodes: &[Bytes],
    codes: &[Bytes],
) -> Result<tephra_chain::StatelessCall, StatelessError> {
    let mut input = witness.precompile_call();
    input.witness.nodes = nodes.to_vec();
    input.witness.codes = codes.to_vec();
    stateless_call(input.chainId, &input.call, &input.witness)
}

#[test]
fn a_witness_without_any_one_of_its_nodes_is_refused_naming_that_node() {
    let f = fixture();
    let witness = owner_balance_witness(&f);
    assert!(witness.state.len() > 3, "the account paths and the slot path");
    for (index, node) in witness.state.iter().enumerate() {
        let mut nodes = witness.state.clone();
        nodes.remove(index);
        match rerun(&witness, &nodes, &witness.codes) {
            Err(StatelessError::IncompleteWitness(WitnessGap::Node(hash))) => {
                assert_eq!(hash, keccak256(node), "node {index}");
            }
            other => panic!("without node {index}: {other:?}"),
        }
    }
    let err = rerun(&witness, &witness.state, &[]).unwrap_err();
    let code_hash = keccak256(&witness.codes[0]);
    assert!(
        matches!(err, StatelessError::IncompleteWitness(WitnessGap::Code(hash)) if hash == code_hash),
        "{err}"
    );
    assert!(err.to_string().contains(&code_hash.to_string()), "the message names it: {err}");
}

#[test]
fn a_tampered_node_is_never_read_as_the_claimed_answer() {
    let f = fixture();
    let witness = owner_balance_witness(&f);
    for (index, node) in witness.state.iter().enumerate() {
        for position in [0, node.len() / 2, node.len() - 1] {
            let mut nodes = witness.state.clone();
            let mut tampered = node.to_vec();
            tampered[position] ^= 0x01;
            nodes[index] = tampered.into();
            match rerun(&witness, &nodes, &witness.codes) {
                Err(StatelessError::IncompleteWitness(WitnessGap::Node(hash))) => {
                    assert_eq!(hash, keccak256(node), "node {index} is no longer under its hash");
                }
                Ok(result) => assert!(
                    result.output != witness.output || result.success != witness.success,
                    "node {index} byte {position}: the claimed answer from a tampered node"
                ),
                Err(other) => panic!("node {index} byte {position}: {other}"),
            }
        }
    }
    // A tampered code is not found under its hash either.
    let mut code = witness.codes[0].to_vec();
    code[0] ^= 0x01;
    let err = rerun(&witness, &witness.state, &[code.into()]).unwrap_err();
    assert!(matches!(err, StatelessError::IncompleteWitness(WitnessGap::Code(_))), "{err}");
}

#[test]
fn the_header_is_decoded_exactly_and_binds_the_answer() {
    let f = fixture();
    let witness = owner_balance_witness(&f);
    let run_with = |header: &[u8]| {
        let mut input = witness.precompile_call();
        input.witness.header = Bytes::copy_from_slice(header);
        stateless_call(input.chainId, &input.call, &input.witness)
    };
    let mut trailing = witness.header.to_vec();
    trailing.push(0x00);
    let err = run_with(&trailing).unwrap_err();
    assert!(matches!(err, StatelessError::HeaderTrailingBytes(1)), "{err}");
    assert!(err.to_string().contains("trailing"), "{err}");
    let err = run_with(&witness.header[..witness.header.len() - 1]).unwrap_err();
    assert!(matches!(err, StatelessError::MalformedCallHeader(_)), "{err}");
    assert!(matches!(run_with(&[]).unwrap_err(), StatelessError::MalformedCallHeader(_)));

    // Another header with the same state root: the same answer under another block hash, which
    // is what the verifier compares with the certified one.
    let mut header: Header = alloy_rlp::decode_exact(&witness.header[..]).unwrap();
    header.extra_data = Bytes::from_static(b"another block");
    let other = alloy_rlp::encode(&header);
    let result = run_with(&other).unwrap();
    assert_eq!(result.block_hash, keccak256(&other));
    assert_ne!(result.block_hash, keccak256(&witness.header));
    assert_eq!(result.output, witness.output);

    // A header with another state root: the witness's nodes are not under it.
    let parent = f.chain.reader().unwrap().header(header.number - 1).unwrap().unwrap();
    assert_ne!(parent.state_root, header.state_root);
    let err = run_with(&alloy_rlp::encode(&parent)).unwrap_err();
    assert!(
        matches!(err, StatelessError::IncompleteWitness(WitnessGap::Node(root)) if root == parent.state_root),
        "{err}"
    );
}

#[test]
fn call_witness_refuses_what_is_not_a_read() {
    let f = fixture();
    let head = f.chain.head().header.number;
    let create = TransactionRequest::default().input(Bytes::from(vec![0x00]).into());
    assert!(
        matches!(f.chain.call_witness(create, head), Err(CallError::Invalid(m)) if m.contains("`to`"))
    );
    let paying = read(f.token, vec![]).value(U256::from(1));
    assert!(
        matches!(f.chain.call_witness(paying, head), Err(CallError::Invalid(m)) if m.contains("value"))
    );
}

/// The precompile's calldata for `witness`, with the re-executed call's `gas`.
fn precompile_input(witness: &CallWitness, gas: u64) -> Bytes {
    let mut call = witness.precompile_call();
    call.call.gas = gas;
    call.abi_encode().into()
}

/// The gas of a transaction's calldata (EIP-2028), and its EIP-7623 floor.
fn calldata_gas(data: &[u8]) -> (u64, u64) {
    let zeros = data.iter().filter(|b| **b == 0).count() as u64;
    let others = data.len() as u64 - zeros;
    (21_000 + 4 * zeros + 16 * others, 21_000 + 10 * (zeros + 4 * others))
}

/// What the precompile charges before the re-executed call: the base and the hashing.
fn fixed_gas(witness: &CallWitness) -> u64 {
    let hashing: u64 = std::iter::once(&witness.header)
        .chain(&witness.state)
        .chain(&witness.codes)
        .map(|item| keccak_gas(item.len()))
        .sum();
    STATELESS_CALL_BASE_GAS + hashing
}

/// The forwarder's answer when it gives the precompile `gas` for `input`: the call's success,
/// and the precompile's answer if it returned.
fn forwarded(f: &Fixture, gas: u64, input: &Bytes) -> (bool, Bytes) {
    let data = [&U256::from(gas).to_be_bytes::<32>()[..], &input[..]].concat();
    let head = f.chain.head().header.number;
    let out = f.chain.call(read(f.forwarder, data), head, None, None).unwrap();
    (U256::from_be_slice(&out[..32]) == U256::from(1), out.slice(32..))
}

#[test]
fn the_precompile_reproduces_the_read_at_the_documented_price() {
    let f = fixture();
    let head = f.chain.head().header.number;
    let witness = owner_balance_witness(&f);
    let input = precompile_input(&witness, 1_000_000);
    let output = f.chain.call(read(STATELESS_CALL, input.to_vec()), head, None, None).unwrap();
    let returned = IStatelessCall::staticCallCall::abi_decode_returns(&output).unwrap();
    assert_eq!(returned.blockHash, keccak256(&witness.header));
    assert!(returned.success);
    assert_eq!(returned.output, witness.output);

    // Through a contract, as a rollup's contract would call it.
    let through = queryCall { target: STATELESS_CALL, input: input.clone() }.abi_encode();
    let through = f.chain.call(read(f.caller, through), head, None, None).unwrap();
    let through = queryCall::abi_decode_returns(&through).unwrap();
    assert!(through.success);
    assert_eq!(through.output, output);

    // The gas it is given: below the base and the hashing it runs out of gas; from there the
    // re-executed call gets the rest, and succeeds exactly when that covers what it used.
    let fixed = fixed_gas(&witness);
    assert_eq!(forwarded(&f, fixed - 1, &input), (false, Bytes::new()));
    let (ok, answer) = forwarded(&f, fixed + witness.gas_used, &input);
    assert!(ok);
    assert_eq!(answer, output, "exactly enough gas gives the same answer");
    let (ok, answer) = forwarded(&f, fixed + witness.gas_used - 1, &input);
    assert!(ok, "the inner call running out of gas is an answer, not a failure");
    let answer = IStatelessCall::staticCallCall::abi_decode_returns(&answer).unwrap();
    assert!(!answer.success);
    assert!(answer.output.is_empty());
    // The `gas` argument caps the inner call too.
    let capped = precompile_input(&witness, witness.gas_used - 1);
    let (ok, answer) = forwarded(&f, 1_000_000, &capped);
    assert!(ok);
    assert!(!IStatelessCall::staticCallCall::abi_decode_returns(&answer).unwrap().success);

    // What it charges: base + hashing + the inner gas used, measured on a transaction whose
    // inner call burns all of its 2M gas (so that calldata's EIP-7623 floor is not the price).
    let request = read(f.looper, vec![]).gas_limit(2_000_000);
    let burner = witnessed(&f.chain, request, head);
    assert!(!burner.success);
    assert_eq!(burner.gas_used, 2_000_000);
    let input = precompile_input(&burner, burner.gas);
    let priced = f.chain.call_witness(read(STATELESS_CALL, input.to_vec()), head).unwrap();
    assert!(priced.success);
    let (intrinsic, floor) = calldata_gas(&input);
    assert!(intrinsic + fixed_gas(&burner) + 2_000_000 > floor);
    assert_eq!(priced.gas_used, intrinsic + fixed_gas(&burner) + 2_000_000);
    // No recursion: the re-executing EVM has no STATELESS_CALL, so re-executing a call to it
    // statelessly calls an empty account.
    let again = priced.verify().unwrap();
    assert!(again.success);
    assert!(again.output.is_empty());
    assert_ne!(again.output, priced.output);
}

#[test]
fn the_precompile_fails_naming_the_problem() {
    let f = fixture();
    let head = f.chain.head().header.number;
    let witness = owner_balance_witness(&f);
    let fails_with = |input: Bytes, needle: &str| {
        let err = f.chain.call(read(STATELESS_CALL, input.to_vec()), head, None, None).unwrap_err();
        let CallError::Reverted(data) = err else { panic!("not a revert: {err}") };
        let reason = Revert::abi_decode(&data).unwrap().reason;
        assert!(reason.starts_with("STATELESS_CALL: ") && reason.contains(needle), "{reason}");
        // A contract calling it sees a failed call, with the reason as return data.
        let query = queryCall { target: STATELESS_CALL, input }.abi_encode();
        let through = f.chain.call(read(f.caller, query), head, None, None).unwrap();
        let through = queryCall::abi_decode_returns(&through).unwrap();
        assert!(!through.success);
        assert_eq!(through.output, data);
    };
    fails_with(Bytes::from_static(&[1, 2, 3]), "does not decode");
    let mut missing = witness.clone();
    let dropped = missing.state.pop().unwrap();
    fails_with(precompile_input(&missing, 1_000_000), &keccak256(&dropped).to_string());
    let mut trailing = witness.clone();
    trailing.header = [&witness.header[..], &[0u8]].concat().into();
    fails_with(precompile_input(&trailing, 1_000_000), "trailing");
    // A call the re-execution cannot start (gas below the intrinsic gas) is named too.
    fails_with(precompile_input(&witness, 1_000), "intrinsic gas too low");
}

#[test]
fn a_block_hash_read_is_a_gap_of_a_call_witness() {
    // BLOCKHASH(NUMBER - 1): the call witness carries no ancestor headers.
    let f = fixture();
    let head = f.chain.head().header.number;
    // Runtime: PUSH1 1 NUMBER SUB BLOCKHASH PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN.
    let runtime = [0x60, 0x01, 0x43, 0x03, 0x40, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3];
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
    mine(&f.chain, &[signed(&f.signers[1], 0, TxKind::Create, init.into())]);
    let reader = f.signers[1].address().create(0);
    let witness = f.chain.call_witness(read(reader, vec![]), head + 1).unwrap();
    assert!(witness.success);
    assert_eq!(
        witness.output,
        B256::from(f.chain.reader().unwrap().header(head).unwrap().unwrap().hash_slow())
            .abi_encode()
    );
    let err = witness.verify().unwrap_err();
    assert!(
        matches!(err, StatelessError::IncompleteWitness(WitnessGap::Header(n)) if n == head),
        "{err}"
    );
}
