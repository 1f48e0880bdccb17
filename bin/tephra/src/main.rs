//! `tephra`: the one binary. It parses the command line and wires the library crates; all
//! logic lives in them.

mod bench;
mod dev;
mod metalayer;
mod rollup;
mod up;

use clap::{Parser, Subcommand};
use tracing_subscriber::{filter::Targets, layer::SubscriberExt, util::SubscriberInitExt};

/// mimalloc instead of the system allocator: the node allocates and frees many small,
/// short-lived objects per block (trie nodes, receipts, RPC values), where glibc's malloc
/// spends a large share of a state-root update.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Tephra: a modular rollup operating system.
#[derive(Debug, Parser)]
#[command(name = "tephra", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a single local EVM dev chain (an anvil replacement): JSON-RPC over HTTP and
    /// WebSocket, the standard dev accounts, crash-safe storage.
    Dev(dev::DevArgs),
    /// Start a whole local network: an L1 and rollups on it (one per framework profile by
    /// default), each with its L1 contracts, sequencer, deposits and proposer; writes
    /// `<datadir>/network.json`.
    Up(up::UpArgs),
    /// Rollups on an existing L1.
    #[command(subcommand)]
    Rollup(RollupCommand),
    /// Restart a rollup node `tephra rollup create` deployed.
    Node(rollup::NodeArgs),
    /// Run a Metalayer guardian: verify the rollups' heads, sign checkpoints with the other
    /// guardians over gossip, serve certificates.
    Guardian(metalayer::GuardianArgs),
    /// Run a Metalayer relayer: deliver Hyperlane messages between rollups under guardian
    /// certificates.
    Relayer(metalayer::RelayerArgs),
    /// Measure Tephra against a baseline from the same run (anvil, the in-process ceiling).
    Bench(bench::BenchArgs),
}

#[derive(Debug, Subcommand)]
enum RollupCommand {
    /// Deploy a rollup's L1 contracts on any Ethereum JSON-RPC endpoint, write its genesis and
    /// start its node (`tephra node` restarts it).
    Create(rollup::CreateArgs),
}

/// Waits for Ctrl-C or SIGTERM, then logs which under `target`.
async fn shutdown_signal() -> eyre::Result<()> {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => tracing::info!(target: "tephra", "interrupted, stopping"),
        _ = terminate.recv() => tracing::info!(target: "tephra", "terminated, stopping"),
    }
    Ok(())
}

fn main() -> eyre::Result<()> {
    // `RUST_LOG` takes `level` and `target=level` directives, comma-separated.
    let filter: Targets = match std::env::var("RUST_LOG") {
        Ok(directives) => {
            directives.parse().map_err(|err| eyre::eyre!("RUST_LOG={directives:?}: {err}"))?
        }
        Err(_) => Targets::new().with_default(tracing::Level::INFO),
    };
    tracing_subscriber::fmt().with_writer(std::io::stderr).finish().with(filter).init();
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    match cli.command {
        Command::Dev(args) => runtime.block_on(dev::run(args)),
        Command::Up(args) => runtime.block_on(up::run(args)),
        Command::Rollup(RollupCommand::Create(args)) => runtime.block_on(rollup::create(args)),
        Command::Node(args) => runtime.block_on(rollup::node(args)),
        Command::Guardian(args) => runtime.block_on(metalayer::guardian(args)),
        Command::Relayer(args) => runtime.block_on(metalayer::relayer(args)),
        Command::Bench(args) => bench::run(args),
    }
}
