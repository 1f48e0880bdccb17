//! `tephra bench`.

use clap::{Args, Subcommand};
use std::path::PathBuf;
use tephra_bench::{Rate, ThroughputConfig};

/// Benchmarks; each prints figures as ratios to a baseline measured in the same run.
#[derive(Debug, Args)]
pub(crate) struct BenchArgs {
    #[command(subcommand)]
    bench: Bench,
}

#[derive(Debug, Subcommand)]
enum Bench {
    /// Sustained tx/s and Mgas/s of `tephra dev` under a JSON-RPC batch load, against anvil
    /// (same flags, same load) and against the in-process ceiling.
    Throughput(ThroughputArgs),
    /// State-root cost of a block touching `--touched` accounts in a state of `--accounts`.
    StateRoot(StateRootArgs),
    /// A block's update of ZKsync OS's state tree (`zks_getProof`'s) in a large tree, against
    /// the final tree's root from scratch.
    ZkTree(ZkTreeArgs),
    /// One Metalayer epoch in process: build the checkpoint tree over `--chains` leaves, sign
    /// by `--guardians`, aggregate, verify; for each number of chains given.
    Epoch(EpochArgs),
    /// Cross-rollup messages under load across the three rollups of `tephra up` (four
    /// guardians, the relayer): latency from the dispatch's block to the delivery's, p50 and
    /// p99, against a same-chain transaction's inclusion.
    Interop(InteropArgs),
}

#[derive(Debug, Args)]
struct InteropArgs {
    /// Messages each rollup sends (to the next one).
    #[arg(long, default_value_t = 100)]
    messages: usize,
    /// Milliseconds between rounds of sends (one message from each rollup per round).
    #[arg(long, default_value_t = 100)]
    interval_ms: u64,
    /// Guardians to kill (SIGKILL) before the first message, to measure a network with
    /// guardians down.
    #[arg(long, default_value_t = 0)]
    dead_guardians: usize,
}

#[derive(Debug, Args)]
struct EpochArgs {
    /// Chains in the checkpoint; several runs for a comma-separated list.
    #[arg(long, value_delimiter = ',', default_values_t = [100, 1_000])]
    chains: Vec<usize>,
    /// Guardians, all signing.
    #[arg(long, default_value_t = 500)]
    guardians: usize,
    /// Measured epochs (medians are reported).
    #[arg(long, default_value_t = 10)]
    rounds: usize,
}

#[derive(Debug, Args)]
struct ThroughputArgs {
    /// Plain transfers to send, and as many ERC-20 transfers.
    #[arg(long, default_value_t = 10_000)]
    txs: usize,
    /// Distinct senders.
    #[arg(long, default_value_t = 100)]
    senders: u32,
    /// Block interval of both nodes, in milliseconds.
    #[arg(long, default_value_t = 250)]
    block_time_ms: u64,
    /// Block gas limit of both nodes.
    #[arg(long, default_value_t = 300_000_000)]
    gas_limit: u64,
    /// Transactions per JSON-RPC batch.
    #[arg(long, default_value_t = 200)]
    batch: usize,
    /// Concurrent connections pushing batches.
    #[arg(long, default_value_t = 4)]
    connections: usize,
    /// anvil binary for the baseline; by default the one the npm package `@foundry-rs/anvil`
    /// installed under `node_modules`, if present.
    #[arg(long)]
    anvil: Option<PathBuf>,
    /// Skip the anvil baseline.
    #[arg(long)]
    no_anvil: bool,
}

#[derive(Debug, Args)]
struct StateRootArgs {
    /// Accounts in the state.
    #[arg(long, default_value_t = 1_000_000)]
    accounts: usize,
    /// Accounts the measured block touches.
    #[arg(long, default_value_t = 1_000)]
    touched: usize,
    /// Measured blocks.
    #[arg(long, default_value_t = 25)]
    rounds: usize,
}

#[derive(Debug, Args)]
struct ZkTreeArgs {
    /// Leaves in the tree.
    #[arg(long, default_value_t = 1_000_000)]
    leaves: usize,
    /// Keys the measured block writes (half updates, half new keys).
    #[arg(long, default_value_t = 1_000)]
    touched: usize,
    /// Measured blocks.
    #[arg(long, default_value_t = 25)]
    rounds: usize,
}

pub(crate) fn run(args: BenchArgs) -> eyre::Result<()> {
    match args.bench {
        Bench::Throughput(args) => throughput(args),
        Bench::Epoch(args) => {
            for chains in args.chains {
                let r = tephra_bench::epoch_cost(chains, args.guardians, args.rounds)?;
                println!(
                    "epoch: {} chains, {} guardians: build {:.2} ms + aggregate {:.2} ms + verify {:.2} ms = {:.2} ms; signing {:.3} ms per guardian (in parallel, one per machine); certificate {} bytes (medians of {} epochs)",
                    r.chains,
                    r.guardians,
                    r.build_ms,
                    r.aggregate_ms,
                    r.verify_ms,
                    r.epoch_ms(),
                    r.sign_per_guardian_ms,
                    r.certificate_bytes,
                    r.rounds
                );
            }
            Ok(())
        }
        Bench::Interop(args) => {
            let config = tephra_bench::InteropConfig {
                messages_per_rollup: args.messages,
                interval_ms: args.interval_ms,
                tephra: std::env::current_exe()?,
                dead_guardians: args.dead_guardians,
            };
            let r = tephra_bench::interop(&config)?;
            let q = |samples: &[f64], p| tephra_bench::quantile(samples, p);
            println!(
                "interop: op -> nitro -> zk -> op, {} messages per rollup and phase, one round per {} ms, {} of 4 guardians killed",
                args.messages, args.interval_ms, args.dead_guardians
            );
            let base = q(&r.inclusion_ms, 0.5);
            for phase in &r.phases {
                let (p50, p99) = (q(&phase.delivery_ms, 0.5), q(&phase.delivery_ms, 0.99));
                println!(
                    "{}: {} of {} delivered; dispatch block -> delivery block p50 {p50:.0} ms, p99 {p99:.0} ms, max {:.0} ms (goals: p50 500 ms -> {:.2}x, p99 1000 ms -> {:.2}x; p50 / baseline {:.2})",
                    phase.phase.name(),
                    phase.delivery_ms.len(),
                    phase.sent,
                    phase.delivery_ms.last().copied().unwrap_or(f64::NAN),
                    p50 / 500.0,
                    p99 / 1000.0,
                    p50 / base
                );
            }
            println!("baseline, a same-chain transaction (send -> included): p50 {base:.0} ms");
            Ok(())
        }
        Bench::StateRoot(args) => {
            let report = tephra_bench::state_root_cost(args.accounts, args.touched, args.rounds)?;
            print_root_cost(
                "state root",
                "touched accounts in a state of",
                "alloy-trie HashBuilder",
                &report,
            );
            Ok(())
        }
        Bench::ZkTree(args) => {
            let report = tephra_bench::zk_tree_cost(args.leaves, args.touched, args.rounds)?;
            let what = "zk state tree (its commit included, the sync after it not)";
            print_root_cost(what, "keys written in a tree of", "in memory", &report);
            Ok(())
        }
    }
}

/// Prints an incremental-root benchmark's figures: `what` for `report.touched` `of`
/// `report.size`, against the root from scratch (`scratch` says how it was computed).
fn print_root_cost(what: &str, of: &str, scratch: &str, report: &tephra_bench::RootCostReport) {
    let median = report.median_ms();
    println!(
        "{what}: {} {of} {}: median {median:.2} ms over {} blocks (built in {:.1} s)",
        report.touched,
        report.size,
        report.samples.len(),
        report.build_seconds
    );
    println!(
        "baseline: the final root from scratch ({scratch}, same run, same root) {:.0} ms; incremental / from scratch {:.4}",
        report.from_scratch_seconds * 1e3,
        median / (report.from_scratch_seconds * 1e3)
    );
}

fn throughput(args: ThroughputArgs) -> eyre::Result<()> {
    let anvil = if args.no_anvil {
        None
    } else {
        args.anvil.or_else(|| {
            let installed = PathBuf::from("node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
            installed.exists().then_some(installed)
        })
    };
    let config = ThroughputConfig {
        txs_per_kind: args.txs,
        senders: args.senders,
        block_time_ms: args.block_time_ms,
        gas_limit: args.gas_limit,
        batch: args.batch,
        connections: args.connections,
        tephra: std::env::current_exe()?,
        anvil,
    };
    let report = tephra_bench::throughput(&config)?;
    let line = |name: &str, rate: &Rate| {
        println!(
            "{name:<28} {:>6} txs  {:>8.0} tx/s  {:>7.1} Mgas/s  ({:.2} s)",
            rate.txs,
            rate.tps(),
            rate.mgas(),
            rate.seconds
        )
    };
    line("tephra dev (JSON-RPC)", &report.tephra);
    if let Some(anvil) = &report.anvil {
        line("anvil (JSON-RPC)", anvil);
    }
    line("ceiling (in process)", &report.ceiling);
    if let Some(anvil) = &report.anvil {
        println!("tephra / anvil   = {:.2}", report.tephra.tps() / anvil.tps());
    }
    println!("tephra / ceiling = {:.2}", report.tephra.tps() / report.ceiling.tps());
    Ok(())
}
