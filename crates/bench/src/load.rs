//! `tephra bench throughput`: the same pre-signed load pushed through JSON-RPC batches into a
//! `tephra dev` process and an anvil process with the same flags, and executed in process
//! (the ceiling: signature recovery, revm and state roots, no RPC, no disk).

use crate::{BenchError, workload};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use serde_json::{Value, json};
use std::{
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::Arc,
    sync::atomic::{AtomicUsize, Ordering},
    thread,
    time::{Duration, Instant},
};
use tephra_chain::{BlockAttributes, Chain, ChainSpec};
use tephra_primitives::dev::{DevGenesis, dev_accounts};
use tephra_storage::Store;

/// What to measure.
#[derive(Debug, Clone)]
pub struct ThroughputConfig {
    /// Plain transfers, and as many ERC-20 transfers.
    pub txs_per_kind: usize,
    /// Distinct senders (dev accounts of the standard mnemonic).
    pub senders: u32,
    /// Block interval of both nodes, in milliseconds.
    pub block_time_ms: u64,
    /// Block gas limit of both nodes and of the ceiling.
    pub gas_limit: u64,
    /// Transactions per JSON-RPC batch.
    pub batch: usize,
    /// Concurrent HTTP connections pushing batches.
    pub connections: usize,
    /// The `tephra` binary.
    pub tephra: PathBuf,
    /// The anvil binary, if the baseline is to be measured.
    pub anvil: Option<PathBuf>,
}

/// A sustained rate: transactions and gas over wall time.
#[derive(Debug, Clone, Copy)]
pub struct Rate {
    /// Transactions included.
    pub txs: usize,
    /// Gas they used.
    pub gas: u64,
    /// Seconds from the first send to the last inclusion.
    pub seconds: f64,
}

impl Rate {
    /// Transactions per second.
    pub fn tps(&self) -> f64 {
        self.txs as f64 / self.seconds
    }

    /// Millions of gas per second.
    pub fn mgas(&self) -> f64 {
        self.gas as f64 / self.seconds / 1e6
    }
}

/// The three figures of one run.
#[derive(Debug, Clone)]
pub struct ThroughputReport {
    /// `tephra dev` end to end.
    pub tephra: Rate,
    /// anvil end to end, when measured.
    pub anvil: Option<Rate>,
    /// In-process ceiling.
    pub ceiling: Rate,
}

/// Runs the benchmark.
pub fn throughput(config: &ThroughputConfig) -> Result<ThroughputReport, BenchError> {
    let signers = dev_accounts(config.senders)?;
    let load = workload::build(&signers, config.txs_per_kind);
    let ceiling = ceiling(config, &load)?;
    let tephra = {
        let port = free_port()?;
        let mut command = Command::new(&config.tephra);
        command
            .args(["dev", "--port", &port.to_string()])
            .args(common_flags(config))
            .arg("--block-time")
            .arg(format!("{}ms", config.block_time_ms));
        run_node(config, command, port, &load)?
    };
    let anvil = match &config.anvil {
        Some(anvil) => {
            let port = free_port()?;
            let mut command = Command::new(anvil);
            command
                .args(["--port", &port.to_string(), "--hardfork", "osaka"])
                .args(common_flags(config))
                .arg("--block-time")
                .arg(format!("{}", config.block_time_ms as f64 / 1000.0));
            Some(run_node(config, command, port, &load)?)
        }
        None => None,
    };
    Ok(ThroughputReport { tephra, anvil, ceiling })
}

fn common_flags(config: &ThroughputConfig) -> Vec<String> {
    vec![
        "--accounts".into(),
        config.senders.to_string(),
        "--gas-limit".into(),
        config.gas_limit.to_string(),
    ]
}

pub(crate) fn free_port() -> Result<u16, BenchError> {
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|err| BenchError::Node(err.to_string()))?;
    Ok(listener.local_addr().map_err(|err| BenchError::Node(err.to_string()))?.port())
}

/// The in-process ceiling: recover every sender in parallel, then build and commit blocks on
/// an in-memory store until the whole load is included.
fn ceiling(config: &ThroughputConfig, load: &workload::Workload) -> Result<Rate, BenchError> {
    let genesis = DevGenesis {
        chain_id: workload::CHAIN_ID,
        gas_limit: config.gas_limit,
        base_fee: tephra_primitives::dev::DEV_BASE_FEE,
        timestamp: 1_700_000_000,
        accounts: load.senders.clone(),
        balance: U256::from(10u64).pow(U256::from(22u64)),
    }
    .build();
    let chain = Chain::open(
        Store::in_memory()?,
        ChainSpec::latest(workload::CHAIN_ID),
        Arc::new(tephra_frameworks::Ethereum),
        &genesis,
    )?;
    let mine = |raw: &[Bytes]| -> Result<(usize, u64), BenchError> {
        let mut pending: Vec<_> = tephra_txpool::recover_batch(raw.to_vec())
            .into_iter()
            .collect::<Result<_, _>>()
            .map_err(|err| {
                BenchError::Node(format!("workload transaction does not decode: {err}"))
            })?;
        let (mut txs, mut gas) = (0, 0);
        while !pending.is_empty() {
            let head = chain.head();
            let attributes = BlockAttributes {
                timestamp: head.header.timestamp + 1,
                beneficiary: Address::ZERO,
                prevrandao: keccak256(head.hash),
                gas_limit: config.gas_limit,
                l1: None,
            };
            let (executed, applied) = chain.build_block(
                &attributes,
                pending.iter().map(|tx| tx.recovered().as_recovered_ref()),
            )?;
            if executed.block.transactions.is_empty() {
                return Err(BenchError::Node(format!("ceiling: {:?}", executed.skipped.first())));
            }
            chain.commit_block(&executed, &applied)?;
            let block = &executed.block;
            txs += block.transactions.len();
            gas += block.header.gas_used;
            let included: std::collections::HashSet<B256> =
                block.tx_hashes.iter().copied().collect();
            pending.retain(|tx| !included.contains(&tx.hash()));
        }
        Ok((txs, gas))
    };
    mine(&load.setup)?;
    let started = Instant::now();
    let (txs, gas) = mine(&load.load)?;
    Ok(Rate { txs, gas, seconds: started.elapsed().as_secs_f64() })
}

#[derive(Clone)]
pub(crate) struct Rpc {
    pub(crate) url: String,
    pub(crate) client: reqwest::blocking::Client,
}

impl Rpc {
    pub(crate) fn call(&self, method: &str, params: Value) -> Result<Value, BenchError> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let response = self.post(&body, method)?;
        match response.get("error") {
            Some(error) => {
                Err(BenchError::Rpc { method: method.into(), message: error.to_string() })
            }
            None => Ok(response["result"].clone()),
        }
    }

    fn batch(
        &self,
        method: &str,
        params: impl Iterator<Item = Value>,
    ) -> Result<Vec<Value>, BenchError> {
        let body: Vec<Value> = params
            .enumerate()
            .map(|(id, params)| json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .collect();
        let response = self.post(&Value::Array(body), method)?;
        let mut answers = response.as_array().cloned().unwrap_or_default();
        answers.sort_by_key(|answer| answer["id"].as_u64());
        Ok(answers)
    }

    fn post(&self, body: &Value, method: &str) -> Result<Value, BenchError> {
        self.client
            .post(&self.url)
            .json(body)
            .send()
            .and_then(|response| response.json())
            .map_err(|err| BenchError::Rpc { method: method.into(), message: err.to_string() })
    }
}

pub(crate) fn quantity(value: &Value) -> u64 {
    value
        .as_str()
        .and_then(|s| u64::from_str_radix(s.trim_start_matches("0x"), 16).ok())
        .unwrap_or_default()
}

pub(crate) struct Process(pub(crate) Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts a node, runs the setup, then times the load from the first send until every
/// sender's nonce shows all its transactions included.
fn run_node(
    config: &ThroughputConfig,
    mut command: Command,
    port: u16,
    load: &workload::Workload,
) -> Result<Rate, BenchError> {
    let _process = Process(
        command
            .stdout(Stdio::null())
            .stderr(if std::env::var_os("TEPHRA_BENCH_LOGS").is_some() {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .spawn()
            .map_err(|err| BenchError::Node(format!("starting {command:?}: {err}")))?,
    );
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(|err| BenchError::Node(format!("an HTTP client: {err}")))?;
    let rpc = Rpc { url: format!("http://127.0.0.1:{port}"), client };
    let deadline = Instant::now() + Duration::from_secs(30);
    while rpc.call("eth_chainId", json!([])).is_err() {
        if Instant::now() > deadline {
            return Err(BenchError::Node(format!("{command:?} did not answer within 30 s")));
        }
        thread::sleep(Duration::from_millis(20));
    }
    send_all(&rpc, &load.setup, config.batch)?;
    wait_for_nonces(&rpc, &load.senders[..1], &[1 + load.senders.len() as u64])?;
    let first_block = quantity(&rpc.call("eth_blockNumber", json!([]))?);

    let started = Instant::now();
    let next = AtomicUsize::new(0);
    let chunks: Vec<&[Bytes]> = load.load.chunks(config.batch).collect();
    thread::scope(|scope| -> Result<(), BenchError> {
        let workers: Vec<_> = (0..config.connections)
            .map(|_| {
                scope.spawn(|| -> Result<(), BenchError> {
                    let rpc = rpc.clone();
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(chunk) = chunks.get(index) else { return Ok(()) };
                        send_all(&rpc, chunk, chunk.len())?;
                    }
                })
            })
            .collect();
        workers.into_iter().try_for_each(|worker| worker.join().expect("sender thread"))
    })?;
    wait_for_nonces(&rpc, &load.senders, &load.final_nonces)?;
    let seconds = started.elapsed().as_secs_f64();

    let last_block = quantity(&rpc.call("eth_blockNumber", json!([]))?);
    let blocks = rpc.batch(
        "eth_getBlockByNumber",
        (first_block + 1..=last_block).map(|n| json!([format!("0x{n:x}"), false])),
    )?;
    let mut gas = 0;
    for block in &blocks {
        let used = &block["result"]["gasUsed"];
        if !used.is_string() {
            return Err(BenchError::Rpc {
                method: "eth_getBlockByNumber".into(),
                message: format!("no gasUsed in {block}"),
            });
        }
        gas += quantity(used);
    }
    if blocks.len() as u64 != last_block - first_block {
        return Err(BenchError::Rpc {
            method: "eth_getBlockByNumber".into(),
            message: format!("{} answers for {} blocks", blocks.len(), last_block - first_block),
        });
    }
    Ok(Rate { txs: load.load.len(), gas, seconds })
}

fn send_all(rpc: &Rpc, raw: &[Bytes], batch: usize) -> Result<(), BenchError> {
    for chunk in raw.chunks(batch) {
        let answers = rpc.batch("eth_sendRawTransaction", chunk.iter().map(|tx| json!([tx])))?;
        if let Some(error) = answers.iter().find_map(|answer| answer.get("error")) {
            return Err(BenchError::Rpc {
                method: "eth_sendRawTransaction".into(),
                message: error.to_string(),
            });
        }
    }
    Ok(())
}

fn wait_for_nonces(rpc: &Rpc, senders: &[Address], targets: &[u64]) -> Result<(), BenchError> {
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let nonces =
            rpc.batch("eth_getTransactionCount", senders.iter().map(|s| json!([s, "latest"])))?;
        let done =
            nonces.iter().zip(targets).all(|(nonce, target)| quantity(&nonce["result"]) >= *target);
        if done {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(BenchError::Node("the load was not included within 300 s".into()));
        }
        thread::sleep(Duration::from_millis(10));
    }
}
