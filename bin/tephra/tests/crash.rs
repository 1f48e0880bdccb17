//! Crash safety of `tephra dev --datadir`: the node is killed with SIGKILL at random moments
//! while transactions stream in, and restarted on the same directory each time. After every
//! restart, every block whose receipt a client received is still there with the same hash, the
//! head is at or after all of them, and `eth_getProof` answers verify against the head's
//! stateRoot.

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_network::TxSignerSync;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, keccak256};
use alloy_rlp::Encodable;
use alloy_signer_local::{MnemonicBuilder, PrivateKeySigner};
use alloy_trie::{Nibbles, TrieAccount, proof::verify_proof};
use rand::Rng;
use serde_json::{Value, json};
use std::{
    collections::BTreeMap,
    net::TcpListener,
    path::Path,
    process::{Child, Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    thread,
    time::{Duration, Instant},
};

struct Rpc {
    url: String,
    client: reqwest::blocking::Client,
}

impl Rpc {
    fn call(&self, method: &str, params: Value) -> Result<Value, String> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let response: Value = self
            .client
            .post(&self.url)
            .json(&body)
            .send()
            .and_then(|r| r.json())
            .map_err(|err| err.to_string())?;
        match response.get("error") {
            Some(error) => Err(error.to_string()),
            None => Ok(response["result"].clone()),
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn start(datadir: &Path, port: u16) -> (Child, Rpc) {
    let child = Command::new(env!("CARGO_BIN_EXE_tephra"))
        .args(["dev", "--port", &port.to_string(), "--datadir"])
        .arg(datadir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting tephra");
    let rpc = Rpc {
        url: format!("http://127.0.0.1:{port}"),
        client: reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap(),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while rpc.call("eth_blockNumber", json!([])).is_err() {
        assert!(Instant::now() < deadline, "tephra did not answer within 30 s");
        thread::sleep(Duration::from_millis(20));
    }
    (child, rpc)
}

fn quantity(value: &Value) -> u64 {
    u64::from_str_radix(value.as_str().expect("a hex quantity").trim_start_matches("0x"), 16)
        .unwrap()
}

fn signed_transfer(signer: &PrivateKeySigner, nonce: u64, to: Address) -> Bytes {
    let mut tx = TxEip1559 {
        chain_id: 31337,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: 100_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: TxKind::Call(to),
        value: U256::from(1),
        ..Default::default()
    };
    let signature = signer.sign_transaction_sync(&mut tx).unwrap();
    let envelope: TxEnvelope = tx.into_signed(signature).into();
    let mut raw = Vec::new();
    alloy_eips::eip2718::Encodable2718::encode_2718(&envelope, &mut raw);
    raw.into()
}

/// Checks the invariants after a restart; returns the head.
fn check_restart(rpc: &Rpc, confirmed: &BTreeMap<u64, String>, accounts: &[Address]) -> u64 {
    let head = quantity(&rpc.call("eth_blockNumber", json!([])).unwrap());
    if let Some((&highest, _)) = confirmed.last_key_value() {
        assert!(head >= highest, "head {head} is behind confirmed block {highest}");
    }
    for (number, hash) in confirmed {
        let block =
            rpc.call("eth_getBlockByNumber", json!([format!("0x{number:x}"), false])).unwrap();
        assert_eq!(
            block["hash"].as_str(),
            Some(hash.as_str()),
            "block {number} changed after a crash"
        );
    }
    let block = rpc.call("eth_getBlockByNumber", json!(["latest", false])).unwrap();
    let state_root: B256 = block["stateRoot"].as_str().unwrap().parse().unwrap();
    for address in accounts {
        let proof = rpc.call("eth_getProof", json!([address, [], "latest"])).unwrap();
        let nodes: Vec<Bytes> = proof["accountProof"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap().parse().unwrap())
            .collect();
        let account = TrieAccount {
            nonce: quantity(&proof["nonce"]),
            balance: proof["balance"].as_str().unwrap().parse().unwrap(),
            storage_root: proof["storageHash"].as_str().unwrap().parse().unwrap(),
            code_hash: proof["codeHash"].as_str().unwrap().parse().unwrap(),
        };
        let mut leaf = Vec::new();
        account.encode(&mut leaf);
        verify_proof(state_root, Nibbles::unpack(keccak256(address)), Some(leaf), &nodes)
            .unwrap_or_else(|err| panic!("proof of {address} against head {head}: {err}"));
        let balance = rpc.call("eth_getBalance", json!([address, "latest"])).unwrap();
        assert_eq!(balance.as_str().unwrap().parse::<U256>().unwrap(), account.balance);
    }
    head
}

#[test]
fn sigkill_under_load_loses_nothing_committed() {
    let dir = tempfile::tempdir().unwrap();
    let signers: Vec<PrivateKeySigner> = (0..4)
        .map(|i| {
            MnemonicBuilder::english()
                .phrase("test test test test test test test test test test test junk")
                .index(i)
                .unwrap()
                .build()
                .unwrap()
        })
        .collect();
    let accounts: Vec<Address> = signers.iter().map(|s| s.address()).collect();
    let recipient = Address::repeat_byte(0x77);
    let mut confirmed = BTreeMap::<u64, String>::new();
    let mut rng = rand::rng();
    let mut heads = Vec::new();

    for round in 0..6 {
        let port = free_port();
        let (mut child, rpc) = start(dir.path(), port);
        heads.push(check_restart(&rpc, &confirmed, &accounts));

        // Load: each sender streams transfers; the main thread records receipts.
        let stop = Arc::new(AtomicBool::new(false));
        let senders: Vec<_> = signers
            .iter()
            .cloned()
            .map(|signer| {
                let stop = stop.clone();
                let url = rpc.url.clone();
                thread::spawn(move || {
                    let rpc = Rpc { url, client: reqwest::blocking::Client::new() };
                    let mut sent = Vec::new();
                    let Ok(nonce) =
                        rpc.call("eth_getTransactionCount", json!([signer.address(), "pending"]))
                    else {
                        return sent;
                    };
                    let mut nonce = quantity(&nonce);
                    while !stop.load(Ordering::SeqCst) {
                        match rpc.call(
                            "eth_sendRawTransaction",
                            json!([signed_transfer(&signer, nonce, recipient)]),
                        ) {
                            Ok(hash) => {
                                sent.push(hash.as_str().unwrap().to_string());
                                nonce += 1;
                            }
                            Err(_) => break,
                        }
                    }
                    sent
                })
            })
            .collect();
        let kill_after = Duration::from_millis(rng.random_range(300..1500));
        let started = Instant::now();
        while started.elapsed() < kill_after {
            // Sample receipts of what was sent so far via the latest block.
            if let Ok(block) = rpc.call("eth_getBlockByNumber", json!(["latest", false])) {
                for hash in block["transactions"].as_array().into_iter().flatten() {
                    if let Ok(receipt) = rpc.call("eth_getTransactionReceipt", json!([hash]))
                        && !receipt.is_null()
                    {
                        let number = quantity(&receipt["blockNumber"]);
                        let block_hash = receipt["blockHash"].as_str().unwrap().to_string();
                        confirmed.insert(number, block_hash);
                    }
                }
            }
            thread::sleep(Duration::from_millis(10));
        }
        child.kill().expect("SIGKILL");
        child.wait().unwrap();
        stop.store(true, Ordering::SeqCst);
        let sent: usize = senders.into_iter().map(|h| h.join().unwrap().len()).sum();
        assert!(sent > 0 || round > 0, "the load generator sent nothing");
    }
    let (mut child, rpc) = start(dir.path(), free_port());
    let head = check_restart(&rpc, &confirmed, &accounts);
    child.kill().unwrap();
    child.wait().unwrap();
    eprintln!(
        "heads after each restart: {heads:?} -> {head}; {} confirmed blocks checked",
        confirmed.len()
    );
    assert!(!confirmed.is_empty(), "no receipt was observed");
    assert!(head > heads[0], "the chain made progress across restarts ({heads:?} -> {head})");
}
