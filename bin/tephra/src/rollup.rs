//! A rollup node on its L1: deploys (or resumes deploying) its contracts, then runs its
//! sequencer, its JSON-RPC, its L1 follower and its proposer. Used by `tephra up`,
//! `tephra rollup create` and `tephra node`.

use alloy_genesis::GenesisAccount;
use alloy_primitives::{Address, B256};
use alloy_signer_local::PrivateKeySigner;
use eyre::WrapErr;
use std::{
    collections::BTreeMap,
    net::{IpAddr, SocketAddr},
    path::{Path, PathBuf},
    sync::Arc,
    thread,
    time::Duration,
};
use tephra_node::{BlockTime, L1Feed, Node, NodeConfig, SequencerCalls};
use tephra_rpc::RpcHandle;
use tephra_settlement::{
    Deployment, L1Client, RollupConfig, Settlement, deploy_rollup, follower, proposer,
};
use tokio::task::JoinHandle;

/// A running rollup.
pub(crate) struct RunningRollup {
    pub(crate) config: RollupConfig,
    pub(crate) settlement: Arc<dyn Settlement>,
    pub(crate) deployment: Deployment,
    pub(crate) node: Arc<Node>,
    pub(crate) server: RpcHandle,
    sequencer: thread::JoinHandle<()>,
    tasks: Vec<JoinHandle<()>>,
}

/// What a network's Metalayer adds to a rollup's node.
#[derive(Default)]
pub(crate) struct MetalayerNode {
    /// Accounts a new chain's genesis holds besides the dev accounts (the predeploys, the
    /// relayer's and the importer's funded accounts).
    pub(crate) genesis_accounts: BTreeMap<Address, GenesisAccount>,
    /// The slot the rollup's certificate importer hands its sequencer calls through.
    pub(crate) sequencer_calls: Option<Arc<SequencerCalls>>,
    /// Where on the wall-clock grid of its block time the rollup seals
    /// ([`NodeConfig::block_phase`]): half an epoch after the guardians' epochs start, so that
    /// a block's heads are verified by the next epoch's proposal, and the certificate that
    /// epoch forms reaches the next block.
    pub(crate) block_phase: Duration,
}

/// Deploys `rollup`'s contracts on the L1 at `l1_url` from `deployer` (journaled in
/// `datadir`; with `register`, registering it in its registry), opens its chain in `datadir`
/// (with what `metalayer` adds) and starts it, serving JSON-RPC on `addr`.
pub(crate) async fn start(
    l1_url: &str,
    deployer: PrivateKeySigner,
    rollup: &RollupConfig,
    datadir: &Path,
    addr: SocketAddr,
    register: bool,
    metalayer: MetalayerNode,
) -> eyre::Result<RunningRollup> {
    let name = rollup.name();
    let settlement = tephra_settlement::by_framework(rollup)?;
    std::fs::create_dir_all(datadir).wrap_err_with(|| format!("creating {}", datadir.display()))?;
    let client = L1Client::new(l1_url, deployer)?;
    let deployment =
        deploy_rollup(&client, rollup, &*settlement, &datadir.join("deployment.json"), register)
            .await
            .wrap_err_with(|| format!("deploying rollup {name}'s L1 contracts"))?;
    let feed = Arc::new(L1Feed::default());
    let config = NodeConfig {
        framework: settlement.profile(&deployment)?,
        chain_id: rollup.chain_id,
        gas_limit: rollup.gas_limit,
        block_time: BlockTime::Interval(Duration::from_millis(rollup.block_time_ms)),
        block_phase: metalayer.block_phase,
        datadir: Some(datadir.to_path_buf()),
        l1_feed: Some(feed.clone()),
        genesis_accounts: metalayer.genesis_accounts,
        sequencer_calls: metalayer.sequencer_calls,
        ..NodeConfig::default()
    };
    let node = tokio::task::spawn_blocking(move || Node::open(config))
        .await?
        .wrap_err_with(|| format!("opening rollup {name}'s chain"))?;
    let server = tephra_rpc::serve_with(node.clone(), addr, settlement.rpc(&deployment)?)
        .await
        .wrap_err_with(|| format!("serving rollup {name}'s JSON-RPC on {addr}"))?;
    let sequencer = node.spawn_sequencer();
    let chain = node.chain().clone();
    let contracts = deployment.contracts.clone();
    let follow = tokio::spawn(follower::follow(
        client,
        settlement.clone(),
        contracts.clone(),
        chain.clone(),
        deployment.l1_start_block,
        feed,
    ));
    let proposer_client = L1Client::new(l1_url, RollupConfig::signer(&rollup.proposer_key))?;
    let propose = tokio::spawn(proposer::propose(
        proposer_client,
        settlement.clone(),
        contracts,
        chain,
        proposer::INTERVAL,
    ));
    Ok(RunningRollup {
        config: rollup.clone(),
        settlement,
        deployment,
        node,
        server,
        sequencer,
        tasks: vec![follow, propose],
    })
}

impl RunningRollup {
    /// Stops the follower, the proposer, the RPC and the sequencer (after the block it is
    /// sealing), in that order.
    pub(crate) async fn stop(self) {
        for task in &self.tasks {
            task.abort();
        }
        self.server.stop();
        self.server.stopped().await;
        self.node.stop();
        let _ = tokio::task::spawn_blocking(move || self.sequencer.join()).await;
    }
}

/// The flags `tephra rollup create` and `tephra node` share.
#[derive(Debug, clap::Args)]
pub(crate) struct RollupNodeArgs {
    /// The rollup's `rollup.toml` (chain id, framework, gas token, block time, gas limit, keys,
    /// proof mode, challenge window, DA).
    #[arg(long)]
    config: PathBuf,
    /// JSON-RPC URL of its L1 (any Ethereum endpoint).
    #[arg(long)]
    l1_rpc: String,
    /// Directory of the rollup's chain and deployment journal.
    #[arg(long, default_value = "rollup-data")]
    datadir: PathBuf,
    /// Address to serve the rollup's JSON-RPC on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port to serve the rollup's JSON-RPC on.
    #[arg(long, default_value_t = 9545)]
    port: u16,
}

/// Flags of `tephra rollup create`.
#[derive(Debug, clap::Args)]
pub(crate) struct CreateArgs {
    #[command(flatten)]
    node: RollupNodeArgs,
    /// Hex private key of a funded L1 account that deploys the contracts.
    #[arg(long)]
    l1_key: B256,
}

/// Flags of `tephra node`.
pub(crate) type NodeArgs = RollupNodeArgs;

fn read_config(path: &Path) -> eyre::Result<RollupConfig> {
    let text =
        std::fs::read_to_string(path).wrap_err_with(|| format!("reading {}", path.display()))?;
    RollupConfig::from_toml(&text).wrap_err_with(|| format!("rollup config {}", path.display()))
}

/// `tephra rollup create`: deploys the rollup (or finishes an interrupted deployment),
/// registers it, writes its genesis, and runs its node until interrupted.
pub(crate) async fn create(CreateArgs { node: args, l1_key }: CreateArgs) -> eyre::Result<()> {
    let config = read_config(&args.config)?;
    let deployer = PrivateKeySigner::from_bytes(&l1_key).wrap_err("--l1-key")?;
    let addr = SocketAddr::new(args.host, args.port);
    let rollup =
        start(&args.l1_rpc, deployer, &config, &args.datadir, addr, true, Default::default())
            .await?;
    std::fs::copy(&args.config, args.datadir.join("rollup.toml"))
        .wrap_err("keeping a copy of the rollup config")?;
    serve_until_stopped(rollup).await
}

/// `tephra node`: restarts a rollup `tephra rollup create` deployed.
pub(crate) async fn node(args: NodeArgs) -> eyre::Result<()> {
    let config = read_config(&args.config)?;
    let journal = args.datadir.join("deployment.json");
    if Deployment::load(&journal)?.is_none() {
        eyre::bail!(
            "{} holds no deployment; deploy the rollup with `tephra rollup create` first",
            args.datadir.display()
        );
    }
    let owner = RollupConfig::signer(&config.owner_key);
    let addr = SocketAddr::new(args.host, args.port);
    let rollup =
        start(&args.l1_rpc, owner, &config, &args.datadir, addr, true, Default::default()).await?;
    serve_until_stopped(rollup).await
}

async fn serve_until_stopped(rollup: RunningRollup) -> eyre::Result<()> {
    println!(
        "tephra: {} rollup {} (chain id {}) on {}",
        rollup.config.framework,
        rollup.config.name(),
        rollup.config.chain_id,
        rollup.server.http_url()
    );
    for (name, address) in &rollup.deployment.contracts {
        println!("  L1 {name:<16} {address}");
    }
    crate::shutdown_signal().await?;
    rollup.stop().await;
    Ok(())
}
