//! `tephra dev`.

use alloy_primitives::{Address, U256};
use clap::Args;
use eyre::WrapErr;
use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};
use tephra_chain::Framework;
use tephra_frameworks::{FrameworkConfig, OpStack, ScheduledChange, ZkStack};
use tephra_node::{BlockTime, Node, NodeConfig};
use tracing::info;

/// Flags of `tephra dev`; names and defaults follow anvil's.
#[derive(Debug, Args)]
pub(crate) struct DevArgs {
    /// Address to serve JSON-RPC (HTTP and WebSocket) on.
    #[arg(long, default_value = "127.0.0.1")]
    host: std::net::IpAddr,
    /// Port to serve JSON-RPC on.
    #[arg(long, short, default_value_t = 8545)]
    port: u16,
    /// EIP-155 chain id.
    #[arg(long, default_value_t = 31337)]
    chain_id: u64,
    /// Seconds or a duration (`250ms`, `2s`) between blocks; 0 seals a block as soon as
    /// transactions arrive (anvil's automine).
    #[arg(long, short, default_value = "0", value_parser = parse_block_time)]
    block_time: BlockTime,
    /// Block gas limit.
    #[arg(long, default_value_t = 30_000_000)]
    gas_limit: u64,
    /// Directory of the chain database; without it the chain lives in a temporary directory
    /// and is gone on exit. With it, a restart continues the same chain.
    #[arg(long)]
    datadir: Option<PathBuf>,
    /// Number of dev accounts derived from the standard mnemonic.
    #[arg(long, short, default_value_t = 10)]
    accounts: u32,
    /// Balance of each dev account, in ETH.
    #[arg(long, default_value_t = 10_000)]
    balance: u64,
    /// The framework whose rules the chain runs: `ethereum` (plain L1 rules, the default),
    /// `op-stack` (deposits, L1 attributes, L1 data and operator fees, predeploys, on op-revm)
    /// `nitro` (Arbitrum Nitro's ArbOS 32: ArbSys and ArbGasInfo, the send root, L1 poster gas)
    /// or `zk-stack` (ZKsync's EIP-712 transactions, L1Messenger, batch receipts, `zks_` RPC).
    /// Overrides the config file's `framework`.
    #[arg(long)]
    framework: Option<String>,
    /// A change of framework at a block height, as `BLOCK=FRAMEWORK` (repeat for several, in
    /// increasing order): state and contracts carry over, the new rules apply from that block.
    /// Replaces the config file's `[[framework_schedule]]`.
    #[arg(long, value_name = "BLOCK=FRAMEWORK", value_parser = ScheduledChange::parse_flag)]
    framework_schedule: Vec<ScheduledChange>,
    /// A TOML chain config with `framework` and `[[framework_schedule]]` entries
    /// (`at_block`, `framework`); the flags above override it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// zk-stack: the chain id of the L1 the chain settles on (`zks_L1ChainId`, and the L2
    /// native token vault's `L1_CHAIN_ID()`); ZKsync's local L1, 9, by default.
    #[arg(long)]
    zk_l1_chain_id: Option<u64>,
    /// zk-stack: the L1 ZkBridgehub (`zks_getBridgehubContract`).
    #[arg(long, default_value_t = Address::ZERO)]
    zk_bridgehub: Address,
    /// zk-stack: the chain's L1 main contract, its ZkChain (`zks_getMainContract`).
    #[arg(long, default_value_t = Address::ZERO)]
    zk_main_contract: Address,
    /// zk-stack: the L1 ZkSharedBridge, where withdrawals are finalized
    /// (`zks_getBridgeContracts().l1SharedDefaultBridge`, and the L2 asset router's
    /// `L1_ASSET_ROUTER()`).
    #[arg(long, default_value_t = Address::ZERO)]
    zk_shared_bridge: Address,
    /// zk-stack: the base token's L1 address (`zks_getBaseTokenL1Address`, and its asset id in
    /// the L2 native token vault's `BASE_TOKEN_ASSET_ID()`); ether (`0x…01`) by default.
    #[arg(long)]
    zk_base_token: Option<Address>,
    /// zk-stack: the price of a byte of pubdata, in wei (`fairPubdataPrice`): transactions pay
    /// `price / baseFee` gas per byte they publish, as on ZKsync OS. Free (0) by default.
    #[arg(long, default_value_t = 0)]
    zk_pubdata_price: u128,
    /// op-stack: the Unix time (seconds) from which Isthmus is active, as op-node's
    /// `isthmus_time`. Before it the chain runs Holocene; its first block at or after that time
    /// carries Isthmus' network upgrade deposits and no user's transaction. Isthmus is active
    /// from genesis by default.
    #[arg(long, value_name = "UNIX_SECONDS")]
    op_isthmus_time: Option<u64>,
}

impl DevArgs {
    /// The L1 side the `zks_*` methods report.
    fn zk_l1(&self) -> tephra_rpc::ZkL1Config {
        let defaults = tephra_rpc::ZkL1Config::default();
        tephra_rpc::ZkL1Config {
            l1_chain_id: self.zk_l1_chain_id.unwrap_or(defaults.l1_chain_id),
            main_contract: self.zk_main_contract,
            bridgehub: self.zk_bridgehub,
            shared_bridge: self.zk_shared_bridge,
            base_token: self.zk_base_token.unwrap_or(defaults.base_token),
            pubdata_price: self.zk_pubdata_price,
        }
    }
}

fn parse_block_time(value: &str) -> Result<BlockTime, String> {
    let duration = match value.parse::<f64>() {
        Ok(seconds) if seconds >= 0.0 && seconds.is_finite() => Duration::from_secs_f64(seconds),
        Ok(_) => return Err(format!("block time must be a non-negative number, got {value}")),
        Err(_) => humantime::parse_duration(value).map_err(|err| {
            format!("block time {value:?} is neither seconds nor a duration: {err}")
        })?,
    };
    Ok(if duration.is_zero() { BlockTime::Auto } else { BlockTime::Interval(duration) })
}

/// The framework from the config file and the flags.
fn framework(args: &DevArgs) -> eyre::Result<Arc<dyn Framework>> {
    let mut config = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .wrap_err_with(|| format!("reading {}", path.display()))?;
            toml::from_str::<FrameworkConfig>(&text)
                .wrap_err_with(|| format!("chain config {}", path.display()))?
        }
        None => FrameworkConfig::default(),
    };
    if let Some(name) = &args.framework {
        config.framework = name.clone();
    }
    if !args.framework_schedule.is_empty() {
        config.framework_schedule = args.framework_schedule.clone();
    }
    let zk = args.zk_l1();
    if config.framework == "zk-stack" && config.framework_schedule.is_empty() {
        return Ok(Arc::new(ZkStack {
            l1_chain_id: zk.l1_chain_id,
            l1_shared_bridge: zk.shared_bridge,
            l1_base_token: zk.base_token,
            pubdata_price: zk.pubdata_price,
        }));
    }
    if zk != tephra_rpc::ZkL1Config::default() {
        eyre::bail!("the --zk-* flags configure a zk-stack chain without a framework schedule");
    }
    if let Some(isthmus_time) = args.op_isthmus_time {
        if config.framework != "op-stack" || !config.framework_schedule.is_empty() {
            eyre::bail!(
                "--op-isthmus-time configures an op-stack chain without a framework schedule"
            );
        }
        return Ok(Arc::new(OpStack::default().with_isthmus_time(isthmus_time)));
    }
    Ok(config.build()?)
}

pub(crate) async fn run(args: DevArgs) -> eyre::Result<()> {
    let framework = framework(&args)?;
    let config = NodeConfig {
        framework: framework.clone(),
        chain_id: args.chain_id,
        gas_limit: args.gas_limit,
        block_time: args.block_time,
        datadir: args.datadir.clone(),
        accounts: args.accounts,
        balance: U256::from(args.balance) * U256::from(10u64).pow(U256::from(18u64)),
        ..NodeConfig::default()
    };
    let node = tokio::task::spawn_blocking(move || Node::open(config))
        .await?
        .wrap_err("opening the chain")?;
    let sequencer = node.spawn_sequencer();
    let addr = SocketAddr::new(args.host, args.port);
    let rpc = tephra_rpc::RpcConfig { zk_l1: args.zk_l1(), ..Default::default() };
    let server = tephra_rpc::serve_with(node.clone(), addr, rpc)
        .await
        .wrap_err_with(|| format!("serving JSON-RPC on {addr}"))?;
    print_banner(&node, &*framework, &server.http_url(), &server.ws_url(), &args);

    crate::shutdown_signal().await?;
    server.stop();
    server.stopped().await;
    node.stop();
    tokio::task::spawn_blocking(move || sequencer.join()).await?.ok();
    info!(target: "tephra::dev", head = node.chain().head().header.number, "stopped cleanly");
    Ok(())
}

fn print_banner(node: &Node, framework: &dyn Framework, http: &str, ws: &str, args: &DevArgs) {
    let head = node.chain().head();
    println!(
        "tephra dev: {} chain, chain id {}, head block {}",
        framework.name(),
        args.chain_id,
        head.header.number
    );
    println!();
    println!("Available accounts (mnemonic: {})", tephra_node::DEV_MNEMONIC);
    for (index, signer) in node.signers().iter().enumerate() {
        println!("({index}) {} ({} ETH)", signer.address(), args.balance);
    }
    println!();
    println!("Private keys");
    for (index, signer) in node.signers().iter().enumerate() {
        println!("({index}) {}", signer.to_bytes());
    }
    println!();
    match &args.datadir {
        Some(dir) => println!("Data directory: {}", dir.display()),
        None => println!("Data directory: temporary (pass --datadir to keep the chain)"),
    }
    println!("Listening on {http} (WebSocket {ws}, metrics {http}/metrics)");
}
