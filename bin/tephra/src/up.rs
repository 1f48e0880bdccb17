//! `tephra up`: a whole local network in one command: an L1 (a Tephra chain under the
//! `ethereum` profile) and rollups on it, each with its L1 contracts, sequencer, L1 follower
//! and proposer.

use crate::{
    metalayer,
    rollup::{self, RunningRollup},
};
use alloy_primitives::U256;
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, SolValue, sol};
use clap::Args;
use eyre::WrapErr;
use std::{
    net::{IpAddr, SocketAddr},
    path::{Path, PathBuf},
    sync::Arc,
    time::{Duration, Instant},
};
use tephra_node::{BlockTime, Node, NodeConfig};
use tephra_rpc::RpcHandle;
use tephra_settlement::{
    Contracts, L1Client, Step, artifacts, deploy,
    network::{AccountEntry, ChainEndpoints, NetworkConfig, NetworkFile, RollupEntry, role_key},
};
use tracing::info;

/// Flags of `tephra up`.
#[derive(Debug, Args)]
pub(crate) struct UpArgs {
    /// A `network.toml` (`[l1]` and `[[rollup]]` tables); without it, the embedded default: an
    /// L1 (chain 900, port 8545, 1 s blocks) and one rollup per framework profile (from chain
    /// 901 and port 9545 up, 250 ms blocks).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Directory of the network's chains, deployments and `network.json`; reopening it resumes
    /// every chain where it stopped. Without it, a temporary directory, gone on exit.
    #[arg(long)]
    datadir: Option<PathBuf>,
    /// Address to serve every chain's JSON-RPC on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
}

sol! {
    function transfer(address to, uint256 value) external returns (bool);
}

/// Units of the test token (6 decimals) each user account starts with: a million.
const TEST_TOKEN_PER_ACCOUNT: u64 = 1_000_000_000_000;

pub(crate) async fn run(args: UpArgs) -> eyre::Result<()> {
    let started = Instant::now();
    let network = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .wrap_err_with(|| format!("reading {}", path.display()))?;
            NetworkConfig::from_toml(&text)
                .wrap_err_with(|| format!("network config {}", path.display()))?
        }
        None => NetworkConfig::embedded(),
    };
    let (_tempdir, datadir) = match &args.datadir {
        Some(dir) => (None, dir.clone()),
        None => {
            let tempdir = tempfile::tempdir()?;
            let dir = tempdir.path().to_path_buf();
            (Some(tempdir), dir)
        }
    };
    std::fs::create_dir_all(&datadir)
        .wrap_err_with(|| format!("creating {}", datadir.display()))?;

    let l1 = start_l1(&network, &datadir, args.host).await?;
    let funder = PrivateKeySigner::from_bytes(&network.l1.key.unwrap_or_else(|| role_key(0)))?;
    let users: Vec<PrivateKeySigner> = (0..10)
        .map(|index| PrivateKeySigner::from_bytes(&role_key(index)))
        .collect::<Result<_, _>>()?;
    let guardians = metalayer::Guardians::new(&network.metalayer)?;
    let shared =
        deploy_shared(&l1.rpc, funder.clone(), &users, &datadir, &guardians, Vec::new()).await?;
    fund_role_keys(&l1.rpc, funder.clone(), &network, &guardians.slashers()).await?;
    let registered = match network.metalayer.guardians {
        0 => None,
        _ => Some(
            metalayer::read_registry(&L1Client::new(&l1.rpc, funder.clone())?, &shared, &datadir)
                .await
                .wrap_err("reading the guardian set from the GuardianRegistry")?,
        ),
    };

    let mut rollups = Vec::new();
    let starts = network.rollups.iter().enumerate().map(|(index, entry)| {
        let network = &network;
        let shared = &shared;
        let l1_url = l1.rpc.clone();
        let datadir = datadir.join(&entry.name);
        let registered = registered.as_ref();
        let metalayer_owner = funder.address();
        async move {
            let gas_token = network.gas_token(entry, shared["TestUSDC"])?;
            let mut config = network.rollup_config(index, gas_token);
            config.registry = Some(shared["RollupRegistry"]);
            let owner = tephra_settlement::RollupConfig::signer(&config.owner_key);
            let addr = SocketAddr::new(args.host, entry.port);
            let remotes =
                network.rollups.iter().map(|r| r.chain_id).filter(|c| *c != entry.chain_id);
            // With the Metalayer: its accounts in genesis, and the slot the rollup's importer
            // hands its sequencer certificates through (fed once the guardians run).
            let metalayer = match registered {
                Some(registered) => rollup::MetalayerNode {
                    genesis_accounts: registered.genesis(
                        entry.chain_id,
                        metalayer_owner,
                        remotes.collect(),
                    )?,
                    sequencer_calls: Some(registered.sequencer_calls()),
                    block_phase: Duration::from_millis(network.metalayer.epoch_ms / 2),
                },
                None => Default::default(),
            };
            rollup::start(&l1_url, owner, &config, &datadir, addr, false, metalayer).await
        }
    });
    for started in futures::future::join_all(starts).await {
        rollups.push(started?);
    }
    let registrations = rollups.iter().map(|rollup| {
        let core = rollup.deployment.contracts["RollupCore"];
        Step::register(rollup.config.chain_id, &rollup.config.framework, Some(core))
    });
    deploy_shared(&l1.rpc, funder.clone(), &users, &datadir, &guardians, registrations.collect())
        .await?;
    wait_for_blocks(&rollups).await?;
    let (metalayer, processes) = match &registered {
        Some(registered) => {
            let chains = rollups
                .iter()
                .map(|rollup| {
                    let genesis = rollup.node.chain().reader()?.header(0)?.ok_or_else(|| {
                        eyre::eyre!("rollup {} has no genesis block", rollup.config.name())
                    })?;
                    let sequencer_calls =
                        rollup.node.config().sequencer_calls.clone().ok_or_else(|| {
                            eyre::eyre!("rollup {} has no sequencer calls", rollup.config.name())
                        })?;
                    Ok(metalayer::FollowedChain {
                        chain_id: rollup.config.chain_id,
                        rpc: rollup.server.http_url(),
                        framework: rollup.config.framework.clone(),
                        gas_token: rollup.config.gas_token,
                        deployment: datadir.join(rollup.config.name()).join("deployment.json"),
                        genesis: genesis.hash_slow(),
                        isthmus_time: rollup.config.isthmus_time,
                        sequencer_calls,
                    })
                })
                .collect::<eyre::Result<Vec<_>>>()?;
            let (entry, processes) = metalayer::start_processes(
                &guardians,
                registered,
                &network.metalayer,
                &chains,
                &l1.rpc,
                args.host,
                &datadir,
            )
            .await?;
            (Some(entry), Some(processes))
        }
        None => (None, None),
    };
    let ready = started.elapsed();

    let file = NetworkFile {
        l1: ChainEndpoints { chain_id: l1.chain_id, rpc: l1.rpc.clone(), ws: l1.ws.clone() },
        rollups: rollups.iter().map(entry).collect(),
        accounts: users
            .iter()
            .map(|signer| AccountEntry {
                address: signer.address(),
                private_key: signer.to_bytes(),
            })
            .collect(),
        l1_contracts: shared,
        metalayer,
    };
    let path = datadir.join("network.json");
    std::fs::write(&path, serde_json::to_string_pretty(&file)? + "\n")
        .wrap_err_with(|| format!("writing {}", path.display()))?;
    print_table(&file, &datadir, args.datadir.is_none(), ready);
    info!(target: "tephra::up", ready_ms = ready.as_millis() as u64, "network up");

    crate::shutdown_signal().await?;
    if let Some(processes) = processes {
        processes.stop().await;
    }
    for rollup in rollups {
        rollup.stop().await;
    }
    l1.stop().await;
    Ok(())
}

/// The network's L1: the embedded one, or an external endpoint.
struct L1 {
    chain_id: u64,
    rpc: String,
    ws: String,
    embedded: Option<(Arc<Node>, RpcHandle, std::thread::JoinHandle<()>)>,
}

impl L1 {
    async fn stop(self) {
        if let Some((node, server, sequencer)) = self.embedded {
            server.stop();
            server.stopped().await;
            node.stop();
            let _ = tokio::task::spawn_blocking(move || sequencer.join()).await;
        }
    }
}

async fn start_l1(network: &NetworkConfig, datadir: &Path, host: IpAddr) -> eyre::Result<L1> {
    if let Some(rpc) = &network.l1.rpc {
        let probe = L1Client::new(rpc, PrivateKeySigner::from_bytes(&role_key(0))?)?;
        let chain_id = probe.chain_id().await.wrap_err("the external L1 is unreachable")?;
        let ws = rpc.replacen("http", "ws", 1);
        return Ok(L1 { chain_id, rpc: rpc.clone(), ws, embedded: None });
    }
    let config = NodeConfig {
        framework: Arc::new(tephra_frameworks::Ethereum),
        chain_id: network.l1.chain_id,
        block_time: BlockTime::Interval(Duration::from_millis(network.l1.block_time_ms)),
        datadir: Some(datadir.join("l1")),
        accounts: network.accounts(),
        ..NodeConfig::default()
    };
    let node = tokio::task::spawn_blocking(move || Node::open(config))
        .await?
        .wrap_err("opening the L1")?;
    let addr = SocketAddr::new(host, network.l1.port);
    let server = tephra_rpc::serve(node.clone(), addr)
        .await
        .wrap_err_with(|| format!("serving the L1's JSON-RPC on {addr}"))?;
    let sequencer = node.spawn_sequencer();
    Ok(L1 {
        chain_id: network.l1.chain_id,
        rpc: server.http_url(),
        ws: server.ws_url(),
        embedded: Some((node, server, sequencer)),
    })
}

/// The network's shared L1 contracts, deployed by `funder`: the test token (a 6-decimal
/// USDC-like ERC-20, with a million to each user account), the rollup registry, ERA and the
/// GuardianRegistry with the `guardians` staked, then the `registrations` of rollups in it;
/// journaled in `<datadir>/network-deployment.json`.
async fn deploy_shared(
    l1_url: &str,
    funder: PrivateKeySigner,
    users: &[PrivateKeySigner],
    datadir: &Path,
    guardians: &metalayer::Guardians,
    registrations: Vec<Step>,
) -> eyre::Result<Contracts> {
    let supply = U256::from(TEST_TOKEN_PER_ACCOUNT) * U256::from(users.len());
    let mut steps = vec![
        Step::deploy("TestUSDC", artifacts::TEST_TOKEN_DECIMALS, move |_| {
            ("USD Coin (test)".to_string(), "USDC".to_string(), U256::from(6), supply)
                .abi_encode_params()
                .into()
        }),
        Step::deploy_registry(funder.address()),
    ];
    steps.extend(users.iter().map(|user| {
        let to = user.address();
        let data = transferCall { to, value: U256::from(TEST_TOKEN_PER_ACCOUNT) }.abi_encode();
        Step::call(format!("TestUSDC.transfer({to})"), "TestUSDC", move |_| data.clone().into())
    }));
    steps.extend(guardians.l1_steps(funder.address()));
    steps.extend(registrations);
    let client = L1Client::new(l1_url, funder)?;
    let deployment =
        deploy::run(&client, &datadir.join("network-deployment.json"), 0, "network", &steps)
            .await
            .wrap_err("deploying the network's shared contracts")?;
    Ok(deployment.contracts)
}

/// Sends 100 ETH from `funder` to every rollup key and guardian slasher key without ETH on the
/// L1 (an external L1 funds only its own dev accounts).
async fn fund_role_keys(
    l1_url: &str,
    funder: PrivateKeySigner,
    network: &NetworkConfig,
    slashers: &[PrivateKeySigner],
) -> eyre::Result<()> {
    let client = L1Client::new(l1_url, funder)?;
    let hundred = U256::from(100u64) * U256::from(10u64).pow(U256::from(18u64));
    for (index, slasher) in slashers.iter().enumerate() {
        if client.balance(slasher.address()).await?.is_zero() {
            client
                .transfer(
                    &format!("funding guardian {index}'s slasher key"),
                    slasher.address(),
                    hundred,
                )
                .await?;
        }
    }
    for index in 0..network.rollups.len() {
        let config = network.rollup_config(index, Default::default());
        for (role, key) in config.keys() {
            let address = tephra_settlement::RollupConfig::signer(&key).address();
            if client.balance(address).await?.is_zero() {
                client
                    .transfer(&format!("funding {}'s {role} key", config.name()), address, hundred)
                    .await?;
            }
        }
    }
    Ok(())
}

/// Waits until every rollup has sealed a block (its first L1 origin came through).
async fn wait_for_blocks(rollups: &[RunningRollup]) -> eyre::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    for rollup in rollups {
        let start = rollup.node.chain().head().header.number;
        while rollup.node.chain().head().header.number <= start {
            if Instant::now() > deadline {
                eyre::bail!("rollup {} produced no block within 60 s", rollup.config.name());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    Ok(())
}

fn entry(rollup: &RunningRollup) -> RollupEntry {
    RollupEntry {
        name: rollup.config.name(),
        chain_id: rollup.config.chain_id,
        framework: rollup.config.framework.clone(),
        rpc: rollup.server.http_url(),
        ws: rollup.server.ws_url(),
        gas_token: rollup.config.gas_token.to_string(),
        l1_contracts: rollup.deployment.contracts.clone(),
        l2_contracts: rollup.settlement.l2_contracts(),
        proposer: tephra_settlement::RollupConfig::signer(&rollup.config.proposer_key).address(),
        challenge_window_secs: rollup.config.challenge_window_secs,
    }
}

fn print_table(file: &NetworkFile, datadir: &Path, temporary: bool, ready: Duration) {
    println!("tephra up: network ready in {:.2} s", ready.as_secs_f64());
    println!();
    println!(
        "{:<8} {:<10} {:>9}  {:<24} {:<10}",
        "chain", "framework", "chain id", "rpc", "gas token"
    );
    println!(
        "{:<8} {:<10} {:>9}  {:<24} {:<10}",
        "l1", "ethereum", file.l1.chain_id, file.l1.rpc, "eth"
    );
    for rollup in &file.rollups {
        let test_token = file.l1_contracts["TestUSDC"].to_string();
        let token = if rollup.gas_token.eq_ignore_ascii_case(&test_token) {
            "usdc".to_string()
        } else {
            rollup.gas_token.clone()
        };
        println!(
            "{:<8} {:<10} {:>9}  {:<24} {:<10}",
            rollup.name, rollup.framework, rollup.chain_id, rollup.rpc, token
        );
    }
    println!();
    for rollup in &file.rollups {
        println!("{} L1 contracts:", rollup.name);
        for (name, address) in &rollup.l1_contracts {
            println!("  {name:<16} {address}");
        }
    }
    println!();
    println!(
        "Accounts (mnemonic: {}; ETH on every chain, USDC on the L1)",
        tephra_node::DEV_MNEMONIC
    );
    for (index, account) in file.accounts.iter().enumerate() {
        println!("({index}) {} {}", account.address, account.private_key);
    }
    println!();
    for (name, address) in &file.l1_contracts {
        println!("L1 {name}: {address}");
    }
    let kept = if temporary { " (temporary: pass --datadir to keep the network)" } else { "" };
    println!("Data directory: {}{kept}", datadir.display());
    println!("Network file: {}", datadir.join("network.json").display());
}
