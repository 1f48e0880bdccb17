//! A guardian's view of a chain: JSON-RPC only. For each new block it fetches
//! `debug_getRawBlock` and `debug_executionWitness` and verifies the block statelessly
//! (`tephra_chain::verify_block`) against the state root of the last block it verified,
//! starting from the genesis header it trusts (`debug_getRawHeader`). A relayer fetches a read's
//! witness (`tephra_callWitness`) for another chain to re-execute it statelessly.

use crate::{
    common::{TestNode, hex, quantity, send_and_wait, signed_tx, transfer},
    contract,
};
use alloy_consensus::{Header, TxEip1559};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use alloy_rpc_types_debug::ExecutionWitness;
use alloy_sol_types::SolCall;
use serde_json::{Value, json};
use tephra_chain::{CallWitness, ChainSpec, IStatelessCall, STATELESS_CALL, verify_block};
use tephra_primitives::{decode_block, encode_block};

fn bytes(value: Value) -> Bytes {
    serde_json::from_value(value).expect("hex bytes")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guardian_verifies_every_head_from_raw_blocks_and_witnesses_over_json_rpc() {
    let t = TestNode::start().await;
    let p = t.plain();
    for (nonce, value) in [(0, 9u64), (1, 10)] {
        let tx = transfer(nonce, Address::repeat_byte(0x55), U256::from(value));
        send_and_wait(&p, &signed_tx(&t.signers[0], tx)).await;
    }
    let chain_id = quantity(&t.ok("eth_chainId", json!([])).await);
    let spec = ChainSpec::latest(chain_id);
    let framework = tephra_frameworks::by_name("ethereum").unwrap();

    let genesis = bytes(t.ok("debug_getRawHeader", json!(["earliest"])).await);
    let mut trusted = alloy_rlp::decode_exact::<Header>(&genesis[..]).unwrap().state_root;
    let head = quantity(&t.ok("eth_blockNumber", json!([])).await);
    assert!(head >= 2);
    for number in 1..=head {
        let raw = bytes(t.ok("debug_getRawBlock", json!([hex(number)])).await);
        let block = decode_block(&raw).expect("debug_getRawBlock is a block's RLP");
        assert_eq!(&encode_block(&block)[..], &raw[..], "it re-encodes to the same bytes");
        let header = bytes(t.ok("debug_getRawHeader", json!([hex(number)])).await);
        assert_eq!(&header[..], &alloy_rlp::encode(&block.header)[..]);
        let rpc_block = t.ok("eth_getBlockByNumber", json!([hex(number), false])).await;
        let hash: B256 = serde_json::from_value(rpc_block["hash"].clone()).unwrap();
        assert_eq!(block.header.hash_slow(), hash);
        assert_eq!(
            block.body.transactions.len(),
            rpc_block["transactions"].as_array().unwrap().len()
        );
        // By hash, the same block.
        assert_eq!(bytes(t.ok("debug_getRawBlock", json!([hash])).await), raw);

        let witness: ExecutionWitness =
            serde_json::from_value(t.ok("debug_executionWitness", json!([hex(number)])).await)
                .unwrap();
        let verified = verify_block(&spec, &*framework, &block, &witness, trusted)
            .unwrap_or_else(|err| panic!("block {number}: {err}"));
        assert_eq!(verified.hash, hash);
        trusted = verified.state_root;
    }
    // A block the chain does not have is geth's error, not empty bytes.
    let missing = t.call("debug_getRawBlock", json!([hex(head + 100)])).await;
    assert!(
        missing["error"]["message"].as_str().is_some_and(|m| m.contains("not found")),
        "{missing}"
    );
}

/// A relayer's view of a read on another rollup: `tephra_callWitness` runs the call as
/// `eth_call` does and returns it with its witness; the witness alone reproduces the answer
/// (`tephra_chain::stateless_call`), and so does the `STATELESS_CALL` precompile, called with
/// `eth_call` at 0x7E70.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_witness_over_json_rpc_is_reproduced_statelessly_and_by_the_precompile() {
    let t = TestNode::start().await;
    let p = t.plain();
    let signer = &t.signers[0];
    let deploy = |nonce, runtime: &[u8]| TxEip1559 {
        to: TxKind::Create,
        input: contract::init_code(runtime),
        gas_limit: 200_000,
        ..transfer(nonce, Address::ZERO, U256::ZERO)
    };
    send_and_wait(&p, &signed_tx(signer, deploy(0, &contract::store_runtime()))).await;
    send_and_wait(&p, &signed_tx(signer, deploy(1, &contract::reverter_runtime()))).await;
    let (store, reverter) = (signer.address().create(0), signer.address().create(1));
    let set = TxEip1559 {
        input: contract::set(42),
        gas_limit: 100_000,
        ..transfer(2, store, U256::ZERO)
    };
    assert!(send_and_wait(&p, &signed_tx(signer, set)).await.status());
    let head = quantity(&t.ok("eth_blockNumber", json!([])).await);
    let block_hash: B256 = serde_json::from_value(
        t.ok("eth_getBlockByNumber", json!([hex(head), false])).await["hash"].clone(),
    )
    .unwrap();

    // The store's slot, read at the head; the same read before it was set.
    let json = t.ok("tephra_callWitness", json!([{"to": store}, "latest"])).await;
    for field in [
        "header", "chainId", "from", "to", "data", "gas", "state", "codes", "success", "output",
        "gasUsed",
    ] {
        assert!(json.get(field).is_some(), "{field} missing from {json}");
    }
    assert_eq!(json["output"], t.ok("eth_call", json!([{"to": store}, "latest"])).await);
    assert_eq!(json["success"], json!(true));
    assert_eq!(json["from"], json!(Address::ZERO));
    assert_eq!(json["gas"], json!(hex(30_000_000)));
    let header = bytes(json["header"].clone());
    assert_eq!(header, bytes(t.ok("debug_getRawHeader", json!([hex(head)])).await));
    let witness: CallWitness = serde_json::from_value(json).unwrap();
    assert_eq!(witness.output, contract::set(42));
    let stateless = witness.verify().unwrap();
    assert_eq!(stateless.block_hash, block_hash);
    assert_eq!((stateless.success, &stateless.output), (true, &witness.output));
    let earlier: CallWitness = serde_json::from_value(
        t.ok("tephra_callWitness", json!([{"to": store}, hex(head - 1)])).await,
    )
    .unwrap();
    assert_eq!(earlier.output, contract::set(0));
    assert_eq!(earlier.verify().unwrap().output, contract::set(0));

    // The precompile, through eth_call, gives the same answer under the header's hash.
    let input = witness.precompile_call().abi_encode();
    let answer = t
        .ok("eth_call", json!([{"to": STATELESS_CALL, "input": Bytes::from(input)}, "latest"]))
        .await;
    let answer = IStatelessCall::staticCallCall::abi_decode_returns(&bytes(answer)).unwrap();
    assert_eq!(answer.blockHash, block_hash);
    assert!(answer.success);
    assert_eq!(answer.output, witness.output);

    // A reverting read: a false answer with the revert data, as eth_call's error carries it.
    let json = t.ok("tephra_callWitness", json!([{"to": reverter}])).await;
    assert_eq!(json["success"], json!(false));
    assert_eq!(bytes(json["output"].clone()), contract::nope());
    let failed = t.call("eth_call", json!([{"to": reverter}, "latest"])).await;
    assert_eq!(bytes(failed["error"]["data"].clone()), contract::nope());
    let witness: CallWitness = serde_json::from_value(json).unwrap();
    let stateless = witness.verify().unwrap();
    assert_eq!((stateless.success, stateless.output), (false, contract::nope()));
}
