//! A guardian's view of a chain: JSON-RPC only. For each new block it fetches
//! `debug_getRawBlock` and `debug_executionWitness` and verifies the block statelessly
//! (`tephra_chain::verify_block`) against the state root of the last block it verified,
//! starting from the genesis header it trusts (`debug_getRawHeader`).

use crate::common::{TestNode, hex, quantity, send_and_wait, signed_tx, transfer};
use alloy_consensus::Header;
use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_rpc_types_debug::ExecutionWitness;
use serde_json::{Value, json};
use tephra_chain::{ChainSpec, verify_block};
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
