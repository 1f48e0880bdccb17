//! `tephra bench interop`: Hyperlane messages between the three rollups of a `tephra up`
//! network (op-stack, nitro, zk-stack; four guardians and the relayer as processes), each
//! rollup sending to the next at a steady rate. A message's latency runs from the block that
//! includes its dispatch (its `DispatchId` log first seen on the origin) to the block that
//! processes it (its `ProcessId` log first seen on the destination); both are polled every
//! 10 ms. The baseline of the same run is a same-chain transaction: from sending the dispatch
//! to seeing it included.

use crate::{
    BenchError,
    load::{Process, Rpc, free_port, quantity},
    workload::sign_on,
};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, SolEvent};
use parking_lot::Mutex;
use serde_json::{Value, json};
use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    thread,
    time::{Duration, Instant},
};
use tephra_metalayer::{abi::IMailbox, artifacts, predeploy};

/// What to measure.
#[derive(Debug, Clone)]
pub struct InteropConfig {
    /// Messages each rollup sends.
    pub messages_per_rollup: usize,
    /// Milliseconds between one round of sends (one message from each rollup) and the next.
    pub interval_ms: u64,
    /// The tephra binary that runs `tephra up`.
    pub tephra: PathBuf,
}

/// Latencies, in milliseconds, sorted.
#[derive(Debug, Clone)]
pub struct InteropReport {
    /// Each delivered message's inclusion-to-delivery latency.
    pub delivery_ms: Vec<f64>,
    /// Each dispatch's send-to-inclusion latency (the same-chain baseline).
    pub inclusion_ms: Vec<f64>,
    /// Messages sent.
    pub sent: usize,
}

/// The `q` quantile of sorted `samples`.
pub fn quantile(samples: &[f64], q: f64) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    samples[((samples.len() - 1) as f64 * q).round() as usize]
}

const ROLLUPS: [(&str, u64, &str); 3] =
    [("op", 901, "op-stack"), ("nitro", 902, "nitro"), ("zk", 903, "zk-stack")];

/// Starts the network, measures, stops it.
pub fn interop(config: &InteropConfig) -> Result<InteropReport, BenchError> {
    let dir = tempfile::tempdir().map_err(|e| BenchError::Node(e.to_string()))?;
    let network = start_network(&config.tephra, dir.path())?;
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| BenchError::Node(e.to_string()))?;
    let rpcs: Vec<Rpc> = ROLLUPS
        .iter()
        .map(|(name, ..)| {
            let rollup = network.file["rollups"]
                .as_array()
                .and_then(|r| r.iter().find(|r| r["name"] == *name))
                .ok_or_else(|| BenchError::Node(format!("network.json lacks rollup {name}")))?;
            Ok(Rpc {
                url: rollup["rpc"].as_str().unwrap_or_default().into(),
                client: client.clone(),
            })
        })
        .collect::<Result<_, BenchError>>()?;
    // One sender per rollup (dev account 1, 2, 3), a TestRecipient on each.
    let senders: Vec<PrivateKeySigner> =
        tephra_primitives::dev::dev_accounts(4)?.into_iter().skip(1).collect();
    let mut nonces: Vec<u64> = Vec::new();
    let mut recipients = Vec::new();
    for (k, rpc) in rpcs.iter().enumerate() {
        let nonce = nonce_of(rpc, senders[k].address())?;
        let code = artifacts::TEST_RECIPIENT.deploy_code(&[]);
        let raw =
            sign_on(ROLLUPS[k].1, &senders[k], nonce, TxKind::Create, U256::ZERO, code, 2_000_000);
        let hash = send(rpc, &raw)?;
        recipients.push(contract_address(rpc, hash)?);
        nonces.push(nonce + 1);
    }
    // Pollers: when each DispatchId and ProcessId log is first seen.
    let dispatched: Arc<Mutex<HashMap<B256, (Instant, B256)>>> = Arc::default();
    let processed: Arc<Mutex<HashMap<B256, Instant>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let pollers: Vec<_> = rpcs
        .iter()
        .cloned()
        .map(|rpc| {
            let (dispatched, processed, stop) =
                (dispatched.clone(), processed.clone(), stop.clone());
            thread::spawn(move || poll(&rpc, &dispatched, &processed, &stop))
        })
        .collect();
    let mut sent_at: HashMap<B256, Instant> = HashMap::new();
    let quote_body = vec![0u8; 32];
    let mut quotes = Vec::new();
    for (k, rpc) in rpcs.iter().enumerate() {
        let destination = ROLLUPS[(k + 1) % 3].1 as u32;
        let call = IMailbox::quoteDispatchCall {
            destinationDomain: destination,
            recipientAddress: recipients[(k + 1) % 3].into_word(),
            messageBody: quote_body.clone().into(),
        };
        let answer = rpc.call(
            "eth_call",
            json!([{"to": predeploy::MAILBOX, "data": Bytes::from(call.abi_encode())}, "latest"]),
        )?;
        let bytes: Bytes =
            serde_json::from_value(answer).map_err(|e| BenchError::Node(e.to_string()))?;
        quotes.push(
            IMailbox::quoteDispatchCall::abi_decode_returns(&bytes)
                .map_err(|e| BenchError::Node(e.to_string()))?,
        );
    }
    let started = Instant::now();
    for round in 0..config.messages_per_rollup {
        for (k, rpc) in rpcs.iter().enumerate() {
            let destination = (k + 1) % 3;
            let mut body = [0u8; 32];
            body[..8].copy_from_slice(&(round as u64).to_be_bytes());
            let call = IMailbox::dispatchCall {
                destinationDomain: ROLLUPS[destination].1 as u32,
                recipientAddress: recipients[destination].into_word(),
                messageBody: body.to_vec().into(),
            };
            let raw = sign_on(
                ROLLUPS[k].1,
                &senders[k],
                nonces[k],
                TxKind::Call(predeploy::MAILBOX),
                quotes[k],
                call.abi_encode().into(),
                1_000_000,
            );
            nonces[k] += 1;
            let hash = send(rpc, &raw)?;
            sent_at.insert(hash, Instant::now());
        }
        let next = started + Duration::from_millis(config.interval_ms * (round as u64 + 1));
        thread::sleep(next.saturating_duration_since(Instant::now()));
    }
    let sent = sent_at.len();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let done = {
            let dispatched = dispatched.lock();
            let processed = processed.lock();
            dispatched.len() >= sent && dispatched.keys().all(|id| processed.contains_key(id))
        };
        if done || Instant::now() > deadline {
            break;
        }
        thread::sleep(Duration::from_millis(50));
    }
    stop.store(true, Ordering::Relaxed);
    for poller in pollers {
        poller.join().expect("poller thread")?;
    }
    drop(network);
    let dispatched = dispatched.lock();
    let processed = processed.lock();
    let mut delivery_ms: Vec<f64> = dispatched
        .iter()
        .filter_map(|(id, (seen, _))| processed.get(id).map(|at| (*at - *seen).as_secs_f64() * 1e3))
        .collect();
    let mut inclusion_ms: Vec<f64> = dispatched
        .values()
        .filter_map(|(seen, tx)| sent_at.get(tx).map(|at| (*seen - *at).as_secs_f64() * 1e3))
        .collect();
    delivery_ms.sort_by(f64::total_cmp);
    inclusion_ms.sort_by(f64::total_cmp);
    Ok(InteropReport { delivery_ms, inclusion_ms, sent })
}

/// Records when this rollup's DispatchId and ProcessId logs appear, until `stop`.
fn poll(
    rpc: &Rpc,
    dispatched: &Mutex<HashMap<B256, (Instant, B256)>>,
    processed: &Mutex<HashMap<B256, Instant>>,
    stop: &AtomicBool,
) -> Result<(), BenchError> {
    let mut from = quantity(&rpc.call("eth_blockNumber", json!([]))?);
    let topics = [IMailbox::DispatchId::SIGNATURE_HASH, IMailbox::ProcessId::SIGNATURE_HASH];
    while !stop.load(Ordering::Relaxed) {
        let head = quantity(&rpc.call("eth_blockNumber", json!([]))?);
        if head >= from {
            let logs = rpc.call(
                "eth_getLogs",
                json!([{
                    "address": predeploy::MAILBOX,
                    "fromBlock": format!("0x{from:x}"),
                    "toBlock": format!("0x{head:x}"),
                    "topics": [topics],
                }]),
            )?;
            let now = Instant::now();
            for log in logs.as_array().into_iter().flatten() {
                let word =
                    |v: &Value| v.as_str().and_then(|s| s.parse::<B256>().ok()).unwrap_or_default();
                let (topic, id) = (word(&log["topics"][0]), word(&log["topics"][1]));
                if topic == IMailbox::DispatchId::SIGNATURE_HASH {
                    dispatched
                        .lock()
                        .entry(id)
                        .or_insert_with(|| (now, word(&log["transactionHash"])));
                } else {
                    processed.lock().entry(id).or_insert(now);
                }
            }
            from = head + 1;
        }
        thread::sleep(Duration::from_millis(10));
    }
    Ok(())
}

fn nonce_of(rpc: &Rpc, address: Address) -> Result<u64, BenchError> {
    Ok(quantity(&rpc.call("eth_getTransactionCount", json!([address, "pending"]))?))
}

fn send(rpc: &Rpc, raw: &Bytes) -> Result<B256, BenchError> {
    let hash = rpc.call("eth_sendRawTransaction", json!([raw]))?;
    serde_json::from_value(hash).map_err(|e| BenchError::Node(e.to_string()))
}

fn contract_address(rpc: &Rpc, hash: B256) -> Result<Address, BenchError> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let receipt = rpc.call("eth_getTransactionReceipt", json!([hash]))?;
        if let Some(address) = receipt["contractAddress"].as_str() {
            return address.parse().map_err(|e| BenchError::Node(format!("{e}")));
        }
        if Instant::now() > deadline {
            return Err(BenchError::Node(format!("deployment {hash} not mined within 30 s")));
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// A running `tephra up` and the network.json it wrote.
struct Network {
    _process: Process,
    file: Value,
}

fn start_network(tephra: &Path, dir: &Path) -> Result<Network, BenchError> {
    let mut toml = format!("[l1]\nchain_id = 900\nport = {}\nblock_time_ms = 1000\n", free_port()?);
    for (name, chain_id, framework) in ROLLUPS {
        toml += &format!(
            "\n[[rollup]]\nname = \"{name}\"\nchain_id = {chain_id}\nframework = \"{framework}\"\nport = {}\n",
            free_port()?
        );
    }
    let ports =
        (0..8).map(|_| free_port().map(|p| p.to_string())).collect::<Result<Vec<_>, _>>()?;
    toml += &format!("\n[metalayer]\nguardians = 4\nports = [{}]\n", ports.join(", "));
    let config = dir.join("network.toml");
    std::fs::write(&config, toml).map_err(|e| BenchError::Node(e.to_string()))?;
    let datadir = dir.join("network");
    let logs = if std::env::var_os("TEPHRA_BENCH_LOGS").is_some() {
        Stdio::inherit()
    } else {
        Stdio::null()
    };
    let process = Process(
        Command::new(tephra)
            .arg("up")
            .arg("--config")
            .arg(&config)
            .arg("--datadir")
            .arg(&datadir)
            .stdout(Stdio::null())
            .stderr(logs)
            .spawn()
            .map_err(|e| BenchError::Node(format!("starting tephra up: {e}")))?,
    );
    let file = datadir.join("network.json");
    let deadline = Instant::now() + Duration::from_secs(180);
    while !file.exists() {
        if Instant::now() > deadline {
            return Err(BenchError::Node("tephra up wrote no network.json within 180 s".into()));
        }
        thread::sleep(Duration::from_millis(100));
    }
    let text = std::fs::read_to_string(&file).map_err(|e| BenchError::Node(e.to_string()))?;
    let file = serde_json::from_str(&text).map_err(|e| BenchError::Node(e.to_string()))?;
    Ok(Network { _process: process, file })
}
