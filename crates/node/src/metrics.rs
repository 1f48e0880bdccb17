use prometheus_client::{
    encoding::text::encode,
    metrics::{counter::Counter, gauge::Gauge, histogram::Histogram},
    registry::Registry,
};

/// The node's Prometheus metrics, served as text on `/metrics`.
#[derive(Debug)]
pub(crate) struct Metrics {
    registry: Registry,
    /// Blocks sealed.
    pub(crate) blocks: Counter,
    /// Transactions included in blocks.
    pub(crate) transactions: Counter,
    /// Gas used by sealed blocks.
    pub(crate) gas: Counter,
    /// Number of the head block.
    pub(crate) head: Gauge,
    /// Executable transactions waiting in the pool.
    pub(crate) txpool_pending: Gauge,
    /// Transactions waiting behind a nonce gap.
    pub(crate) txpool_queued: Gauge,
    /// Seconds spent executing a block and computing its roots.
    pub(crate) block_build_seconds: Histogram,
    /// Seconds spent committing a block to disk.
    pub(crate) block_commit_seconds: Histogram,
}

impl Default for Metrics {
    fn default() -> Self {
        let buckets = || {
            Histogram::new([0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0])
        };
        let mut metrics = Self {
            registry: Registry::with_prefix("tephra"),
            blocks: Counter::default(),
            transactions: Counter::default(),
            gas: Counter::default(),
            head: Gauge::default(),
            txpool_pending: Gauge::default(),
            txpool_queued: Gauge::default(),
            block_build_seconds: buckets(),
            block_commit_seconds: buckets(),
        };
        let registry = &mut metrics.registry;
        registry.register("blocks", "Blocks sealed", metrics.blocks.clone());
        registry.register(
            "transactions",
            "Transactions included in blocks",
            metrics.transactions.clone(),
        );
        registry.register("gas", "Gas used by sealed blocks", metrics.gas.clone());
        registry.register("head_block", "Number of the head block", metrics.head.clone());
        registry.register(
            "txpool_pending",
            "Executable pooled transactions",
            metrics.txpool_pending.clone(),
        );
        registry.register(
            "txpool_queued",
            "Pooled transactions behind a nonce gap",
            metrics.txpool_queued.clone(),
        );
        registry.register(
            "block_build_seconds",
            "Time to execute a block and compute its roots",
            metrics.block_build_seconds.clone(),
        );
        registry.register(
            "block_commit_seconds",
            "Time to commit a block durably",
            metrics.block_commit_seconds.clone(),
        );
        metrics
    }
}

impl Metrics {
    /// The metrics in Prometheus' text exposition format.
    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        encode(&mut out, &self.registry).expect("writing to a String cannot fail");
        out
    }
}
