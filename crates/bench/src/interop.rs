//! `tephra bench interop`: Hyperlane messages between the three rollups of a `tephra up`
//! network (op-stack, nitro, zk-stack; four guardians and the relayer as processes), each
//! rollup sending to the next at a steady rate, in three phases one after the other ([`Phase`]):
//! plain Mailbox messages, then MetalayerRouter messages each carrying one proven read of the
//! third rollup: an ERC-20 balance proven by storage proofs, then a `totalSupply()` call proven
//! by its execution witness. A message's latency runs from the block that includes its dispatch
//! (its `DispatchId` log first seen on the origin) to the block that processes it (its
//! `ProcessId` log first seen on the destination); both are polled every 10 ms. The baseline of
//! the same run is a same-chain transaction: from sending a plain dispatch to seeing it
//! included.

use crate::{
    BenchError,
    load::{Process, Rpc, free_port, quantity},
    workload::sign_on,
};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, SolEvent, SolValue};
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
use tephra_metalayer::{
    abi::{FinalityState, IEraToken, IMailbox, IMetalayerRouter, ReadOperation},
    artifacts, predeploy, reads,
};

/// What to measure.
#[derive(Debug, Clone)]
pub struct InteropConfig {
    /// Messages each rollup sends.
    pub messages_per_rollup: usize,
    /// Milliseconds between one round of sends (one message from each rollup) and the next.
    pub interval_ms: u64,
    /// The tephra binary that runs `tephra up`.
    pub tephra: PathBuf,
    /// Guardians killed (SIGKILL, the last ones of the set) before the first message: the
    /// latency of a network with guardians down (up to a third of the stake keeps a quorum).
    pub dead_guardians: usize,
}

/// The kinds of message measured, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// A Mailbox message to a TestRecipient.
    Plain,
    /// A router message with a read of an ERC-20 balance (storage proofs).
    StorageRead,
    /// A router message with a read of `totalSupply()` (a call witness).
    CallRead,
}

impl Phase {
    /// All phases, in order.
    pub const ALL: [Phase; 3] = [Phase::Plain, Phase::StorageRead, Phase::CallRead];

    /// How the report names it.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Plain => "plain message",
            Phase::StorageRead => "message + proven read (storage proof)",
            Phase::CallRead => "message + proven read (call witness)",
        }
    }
}

/// One phase's latencies, in milliseconds, sorted.
#[derive(Debug, Clone)]
pub struct PhaseReport {
    /// The phase.
    pub phase: Phase,
    /// Each delivered message's inclusion-to-delivery latency.
    pub delivery_ms: Vec<f64>,
    /// Messages sent.
    pub sent: usize,
}

/// What a run measured.
#[derive(Debug, Clone)]
pub struct InteropReport {
    /// Each phase, in order.
    pub phases: Vec<PhaseReport>,
    /// Each plain dispatch's send-to-inclusion latency (the same-chain baseline).
    pub inclusion_ms: Vec<f64>,
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
    let guardians = network.file["metalayer"]["guardians"].as_array().cloned().unwrap_or_default();
    for guardian in guardians.iter().rev().take(config.dead_guardians) {
        let pid = guardian["process"]["pid"]
            .as_u64()
            .ok_or_else(|| BenchError::Node("network.json names no guardian process id".into()))?;
        let killed = Command::new("kill").args(["-9", &pid.to_string()]).status();
        if !killed.is_ok_and(|status| status.success()) {
            return Err(BenchError::Node(format!("could not kill guardian process {pid}")));
        }
    }
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
    // One sender per rollup (dev account 1, 2, 3); on each a TestRecipient, a ReadRecipient of
    // the router, and an ERA token (OpenZeppelin ERC-20) its sender holds.
    let senders: Vec<PrivateKeySigner> =
        tephra_primitives::dev::dev_accounts(4)?.into_iter().skip(1).collect();
    let mut nonces: Vec<u64> = Vec::new();
    let mut contracts = Vec::new();
    for (k, rpc) in rpcs.iter().enumerate() {
        let mut nonce = nonce_of(rpc, senders[k].address())?;
        let mut deploy = |code: Bytes| -> Result<B256, BenchError> {
            let raw = sign_on(
                ROLLUPS[k].1,
                &senders[k],
                nonce,
                TxKind::Create,
                U256::ZERO,
                code,
                3_000_000,
            );
            nonce += 1;
            send(rpc, &raw)
        };
        let hashes = [
            deploy(artifacts::TEST_RECIPIENT.deploy_code(&[]))?,
            deploy(
                artifacts::READ_RECIPIENT.deploy_code(&predeploy::METALAYER_ROUTER.abi_encode()),
            )?,
            deploy(artifacts::ERA_TOKEN.deploy_code(&senders[k].address().abi_encode()))?,
        ];
        let [test_recipient, read_recipient, token] =
            hashes.map(|hash| contract_address(rpc, hash));
        contracts.push(Contracts {
            test_recipient: test_recipient?,
            read_recipient: read_recipient?,
            token: token?,
        });
        nonces.push(nonce);
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
    let mut sent_at: HashMap<B256, (Phase, Instant)> = HashMap::new();
    for phase in Phase::ALL {
        // Rollup k sends to k + 1 a message whose read (if any) is of k + 2.
        let messages = (0..3)
            .map(|k| {
                let (to, call) = outgoing(phase, k, &contracts, &senders);
                let fee = quote(&rpcs[k], &call)?;
                Ok(Outgoing { to, call, fee })
            })
            .collect::<Result<Vec<_>, BenchError>>()?;
        let started = Instant::now();
        let mut hashes = Vec::new();
        for round in 0..config.messages_per_rollup {
            for (k, rpc) in rpcs.iter().enumerate() {
                let raw = sign_on(
                    ROLLUPS[k].1,
                    &senders[k],
                    nonces[k],
                    TxKind::Call(messages[k].to),
                    messages[k].fee,
                    messages[k].call.with_round(round),
                    1_500_000,
                );
                nonces[k] += 1;
                let hash = send(rpc, &raw)?;
                sent_at.insert(hash, (phase, Instant::now()));
                hashes.push(hash);
            }
            let next = started + Duration::from_millis(config.interval_ms * (round as u64 + 1));
            thread::sleep(next.saturating_duration_since(Instant::now()));
        }
        // The phase ends when every one of its messages is delivered (or after a minute).
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let done = {
                let dispatched = dispatched.lock();
                let processed = processed.lock();
                let ids: Vec<&B256> = dispatched
                    .iter()
                    .filter(|(_, (_, tx))| hashes.contains(tx))
                    .map(|(id, _)| id)
                    .collect();
                ids.len() >= hashes.len() && ids.iter().all(|id| processed.contains_key(*id))
            };
            if done || Instant::now() > deadline {
                break;
            }
            thread::sleep(Duration::from_millis(50));
        }
    }
    stop.store(true, Ordering::Relaxed);
    for poller in pollers {
        poller.join().expect("poller thread")?;
    }
    drop(network);
    let dispatched = dispatched.lock();
    let processed = processed.lock();
    let phases = Phase::ALL
        .into_iter()
        .map(|phase| {
            let mut delivery_ms: Vec<f64> = dispatched
                .iter()
                .filter(|(_, (_, tx))| sent_at.get(tx).is_some_and(|(p, _)| *p == phase))
                .filter_map(|(id, (seen, _))| {
                    processed.get(id).map(|at| (*at - *seen).as_secs_f64() * 1e3)
                })
                .collect();
            delivery_ms.sort_by(f64::total_cmp);
            let sent = sent_at.values().filter(|(p, _)| *p == phase).count();
            PhaseReport { phase, delivery_ms, sent }
        })
        .collect();
    let mut inclusion_ms: Vec<f64> = dispatched
        .values()
        .filter_map(|(seen, tx)| match sent_at.get(tx) {
            Some((Phase::Plain, at)) => Some((*seen - *at).as_secs_f64() * 1e3),
            _ => None,
        })
        .collect();
    inclusion_ms.sort_by(f64::total_cmp);
    Ok(InteropReport { phases, inclusion_ms })
}

/// The contracts the benchmark deploys on each rollup.
struct Contracts {
    test_recipient: Address,
    read_recipient: Address,
    token: Address,
}

/// A dispatch, without its round number yet.
enum Dispatch {
    Mailbox(IMailbox::dispatchCall),
    Router(IMetalayerRouter::dispatch_0Call),
}

impl Dispatch {
    /// The call data, with `round` in the first 8 bytes of the message (so that messages differ).
    fn with_round(&self, round: usize) -> Bytes {
        let mut body = [0u8; 32];
        body[..8].copy_from_slice(&(round as u64).to_be_bytes());
        match self {
            Dispatch::Mailbox(call) => {
                IMailbox::dispatchCall { messageBody: body.to_vec().into(), ..call.clone() }
                    .abi_encode()
                    .into()
            }
            Dispatch::Router(call) => IMetalayerRouter::dispatch_0Call {
                writeCallData: body.to_vec().into(),
                ..call.clone()
            }
            .abi_encode()
            .into(),
        }
    }
}

/// One rollup's dispatch of a phase: where to send it, the call, its fee.
struct Outgoing {
    to: Address,
    call: Dispatch,
    fee: U256,
}

/// Rollup `k`'s dispatch in `phase`: to rollup k + 1, reading (if at all) rollup k + 2.
fn outgoing(
    phase: Phase,
    k: usize,
    contracts: &[Contracts],
    senders: &[PrivateKeySigner],
) -> (Address, Dispatch) {
    let (to, read_of) = ((k + 1) % 3, (k + 2) % 3);
    let domain = ROLLUPS[to].1 as u32;
    let token = contracts[read_of].token;
    let read = match phase {
        Phase::Plain => {
            return (
                predeploy::MAILBOX,
                Dispatch::Mailbox(IMailbox::dispatchCall {
                    destinationDomain: domain,
                    recipientAddress: contracts[to].test_recipient.into_word(),
                    messageBody: vec![0u8; 32].into(),
                }),
            );
        }
        Phase::StorageRead => {
            reads::balance_of_read(ROLLUPS[read_of].1 as u32, token, senders[read_of].address())
        }
        Phase::CallRead => ReadOperation {
            domain: ROLLUPS[read_of].1 as u32,
            target: token,
            callData: IEraToken::totalSupplyCall {}.abi_encode().into(),
        },
    };
    (
        predeploy::METALAYER_ROUTER,
        Dispatch::Router(IMetalayerRouter::dispatch_0Call {
            destinationDomain: domain,
            recipientAddress: contracts[to].read_recipient,
            reads: vec![read],
            writeCallData: vec![0u8; 32].into(),
            finalityState: FinalityState::INSTANT,
            gasLimit: U256::from(300_000),
        }),
    )
}

/// The fee of `dispatch` on its origin (`rpc`), as the Mailbox or router quotes it.
fn quote(rpc: &Rpc, dispatch: &Dispatch) -> Result<U256, BenchError> {
    let (to, data): (Address, Vec<u8>) = match dispatch {
        Dispatch::Mailbox(d) => (
            predeploy::MAILBOX,
            IMailbox::quoteDispatchCall {
                destinationDomain: d.destinationDomain,
                recipientAddress: d.recipientAddress,
                messageBody: d.messageBody.clone(),
            }
            .abi_encode(),
        ),
        Dispatch::Router(d) => (
            predeploy::METALAYER_ROUTER,
            IMetalayerRouter::quoteDispatch_1Call {
                destinationDomain: d.destinationDomain,
                recipientAddress: d.recipientAddress,
                reads: d.reads.clone(),
                writeCallData: d.writeCallData.clone(),
                finalityState: d.finalityState,
                gasLimit: d.gasLimit,
            }
            .abi_encode(),
        ),
    };
    let answer = rpc.call("eth_call", json!([{"to": to, "data": Bytes::from(data)}, "latest"]))?;
    let bytes: Bytes =
        serde_json::from_value(answer).map_err(|e| BenchError::Node(e.to_string()))?;
    U256::abi_decode(&bytes).map_err(|e| BenchError::Node(e.to_string()))
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
