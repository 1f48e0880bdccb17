//! `tephra dev`.

use alloy_primitives::U256;
use clap::Args;
use eyre::WrapErr;
use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};
use tephra_chain::Framework;
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
    /// The framework whose rules the chain runs: `ethereum` (plain L1 rules), `op-stack`
    /// (deposits, L1 attributes, L1 data fee, predeploys, on op-revm) or `nitro` (Arbitrum
    /// Nitro's ArbOS 32: ArbSys and ArbGasInfo, the send root, L1 poster gas).
    #[arg(long, default_value = "ethereum", value_parser = parse_framework)]
    framework: Arc<dyn Framework>,
}

fn parse_framework(name: &str) -> Result<Arc<dyn Framework>, String> {
    tephra_frameworks::by_name(name).map_err(|err| err.to_string())
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

pub(crate) async fn run(args: DevArgs) -> eyre::Result<()> {
    let config = NodeConfig {
        framework: args.framework.clone(),
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
    let server = tephra_rpc::serve(node.clone(), addr)
        .await
        .wrap_err_with(|| format!("serving JSON-RPC on {addr}"))?;
    print_banner(&node, &server.http_url(), &server.ws_url(), &args);

    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => info!(target: "tephra::dev", "interrupted, stopping"),
        _ = terminate.recv() => info!(target: "tephra::dev", "terminated, stopping"),
    }
    server.stop();
    server.stopped().await;
    node.stop();
    tokio::task::spawn_blocking(move || sequencer.join()).await?.ok();
    info!(target: "tephra::dev", head = node.chain().head().header.number, "stopped cleanly");
    Ok(())
}

fn print_banner(node: &Node, http: &str, ws: &str, args: &DevArgs) {
    let head = node.chain().head();
    println!(
        "tephra dev: {} chain, chain id {}, head block {}",
        args.framework.name(),
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
