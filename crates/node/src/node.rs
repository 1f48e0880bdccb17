use crate::{BlockTime, Metrics, NodeConfig};
use alloy_eips::Typed2718;
use alloy_primitives::{Address, TxHash, U256};
use alloy_signer_local::{LocalSignerError, PrivateKeySigner};
use parking_lot::Mutex;
use revm::DatabaseRef;
use std::{
    collections::BTreeMap,
    path::PathBuf,
    sync::{
        Arc, OnceLock,
        atomic::{AtomicBool, AtomicU64, Ordering},
        mpsc,
    },
    thread,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};
use tephra_chain::{
    BlockAttributes, Chain, ChainError, ChainSpec, DevOverrides, PendingBlock, SealedHeader,
    Skipped, StateDb,
};
use tephra_frameworks::zk_stack::tree::{StateTree, TreeError};
use tephra_primitives::dev::{DevGenesis, dev_accounts};
use tephra_storage::{Store, StoreError};
use tephra_txpool::{PoolConfig, PoolError, PooledTx, StateError, StateView, TxPool};
use tokio::sync::broadcast;
use tracing::{error, info, warn};

/// What can fail in the node.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The chain core failed.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The dev accounts could not be derived.
    #[error("deriving dev accounts: {0}")]
    Accounts(#[from] LocalSignerError),
    /// The data directory could not be created.
    #[error("data directory {path}: {source}")]
    Datadir {
        /// The directory.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A requested timestamp is not after the head's.
    #[error(
        "timestamp {requested} is lower than or equal to the previous block's timestamp {head}"
    )]
    Timestamp {
        /// Requested.
        requested: u64,
        /// The head block's.
        head: u64,
    },
}

/// A block the sequencer sealed and committed, as subscribers see it.
pub type MinedBlock = tephra_chain::SealedBlock;

/// Controls of block time (`evm_increaseTime`, `evm_setNextBlockTimestamp`).
#[derive(Debug, Clone, Copy, Default)]
struct Clock {
    /// Seconds added to the wall clock.
    offset: i64,
    /// The timestamp of the next block, once.
    next: Option<u64>,
}

impl Clock {
    fn now(&self) -> u64 {
        let wall = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        wall.saturating_add_signed(self.offset)
    }
}

/// What `evm_snapshot` saved and `evm_revert` restores.
#[derive(Debug, Clone)]
pub struct Snapshot {
    number: u64,
    overrides: Arc<DevOverrides>,
    clock: Clock,
}

/// A running chain with its pool and sequencer.
#[derive(Debug)]
pub struct Node {
    config: NodeConfig,
    chain: Arc<Chain>,
    pool: TxPool,
    signers: Vec<PrivateKeySigner>,
    /// Held while a block is produced or the head moves: one producer at a time.
    clock: Mutex<Clock>,
    wake: mpsc::SyncSender<()>,
    woken: Mutex<Option<mpsc::Receiver<()>>>,
    blocks: broadcast::Sender<Arc<MinedBlock>>,
    snapshots: Mutex<BTreeMap<u64, Snapshot>>,
    next_snapshot: AtomicU64,
    metrics: Metrics,
    stopping: AtomicBool,
    /// The directory the chain's files are in.
    dir: PathBuf,
    /// ZKsync OS's state tree of the chain, opened on first use.
    zk_state_tree: OnceLock<Result<Mutex<StateTree>, TreeError>>,
    _tempdir: Option<tempfile::TempDir>,
}

/// The head state as the pool checks transactions against it.
struct PoolState(StateDb);

impl StateView for PoolState {
    fn account(&self, address: Address) -> Result<(u64, U256), StateError> {
        let info = self.0.basic_ref(address).map_err(|err| Box::new(err) as StateError)?;
        Ok(info.map(|info| (info.nonce, info.balance)).unwrap_or_default())
    }
}

impl Node {
    /// Opens (or creates) the chain and its pool. Blocks are produced once
    /// [`Node::spawn_sequencer`] runs, or on demand with [`Node::mine`].
    pub fn open(config: NodeConfig) -> Result<Arc<Self>, NodeError> {
        let (tempdir, dir) = match &config.datadir {
            Some(dir) => (None, dir.clone()),
            None => {
                let tempdir = tempfile::tempdir().map_err(|source| NodeError::Datadir {
                    path: std::env::temp_dir().display().to_string(),
                    source,
                })?;
                let dir = tempdir.path().to_path_buf();
                (Some(tempdir), dir)
            }
        };
        std::fs::create_dir_all(&dir)
            .map_err(|source| NodeError::Datadir { path: dir.display().to_string(), source })?;
        let store = Store::open(&dir.join("chain.redb"))?;
        let signers = dev_accounts(config.accounts)?;
        let mut genesis = DevGenesis {
            chain_id: config.chain_id,
            gas_limit: config.gas_limit,
            base_fee: config.base_fee,
            timestamp: Clock::default().now(),
            accounts: signers.iter().map(|signer| signer.address()).collect(),
            balance: config.balance,
        }
        .build();
        genesis.alloc.extend(config.genesis_accounts.clone());
        let spec = ChainSpec::latest(config.chain_id);
        let chain = Arc::new(Chain::open(store, spec, config.framework.clone(), &genesis)?);
        let pool = TxPool::new(PoolConfig {
            chain_id: config.chain_id,
            block_gas_limit: config.gas_limit,
            ..Default::default()
        });
        let (wake, woken) = mpsc::sync_channel(1);
        let metrics = Metrics::default();
        metrics.head.set(chain.head().header.number as i64);
        Ok(Arc::new(Self {
            config,
            chain,
            pool,
            signers,
            clock: Mutex::default(),
            wake,
            woken: Mutex::new(Some(woken)),
            blocks: broadcast::channel(1024).0,
            snapshots: Mutex::default(),
            next_snapshot: AtomicU64::new(0),
            metrics,
            stopping: AtomicBool::new(false),
            dir,
            zk_state_tree: OnceLock::new(),
            _tempdir: tempdir,
        }))
    }

    /// The node's configuration.
    pub fn config(&self) -> &NodeConfig {
        &self.config
    }

    /// The chain core.
    pub fn chain(&self) -> &Arc<Chain> {
        &self.chain
    }

    /// ZKsync OS's state tree of the chain (`zk-state-tree.redb` beside the chain's database),
    /// opened on first use: `zks_getProof` and zk-stack batches' roots read it, catching it up
    /// with the chain first (it is not part of the chain's commit).
    pub fn zk_state_tree(&self) -> Result<&Mutex<StateTree>, &TreeError> {
        self.zk_state_tree
            .get_or_init(|| StateTree::open(&self.dir.join("zk-state-tree.redb")).map(Mutex::new))
            .as_ref()
    }

    /// The transaction pool.
    pub fn pool(&self) -> &TxPool {
        &self.pool
    }

    /// The dev accounts' signers.
    pub fn signers(&self) -> &[PrivateKeySigner] {
        &self.signers
    }

    /// The node's metrics in Prometheus' text format, with the pool gauges read now.
    pub fn render_metrics(&self) -> String {
        self.metrics.txpool_pending.set(self.pool.pending_len() as i64);
        self.metrics.txpool_queued.set(self.pool.queued_len() as i64);
        self.metrics.render()
    }

    /// Blocks as they are committed.
    pub fn subscribe_blocks(&self) -> broadcast::Receiver<Arc<MinedBlock>> {
        self.blocks.subscribe()
    }

    /// Base fee of the next block.
    pub fn next_base_fee(&self) -> u64 {
        self.chain.next_base_fee()
    }

    /// Validates and pools transactions (results in input order), then wakes the sequencer.
    pub fn add_transactions(&self, txs: Vec<PooledTx>) -> Vec<Result<TxHash, PoolError>> {
        let state = match self.pool_state() {
            Ok(state) => state,
            Err(err) => {
                let message = err.to_string();
                return txs.iter().map(|_| Err(PoolError::State(message.clone().into()))).collect();
            }
        };
        // The framework decides which transaction types its users may send (ZK Stack's 0x71
        // only on zk-stack chains); the pool decodes every type any framework defines.
        // Then it runs what makes a transaction valid beyond the pool's checks (ZK Stack's
        // paymaster validation), so that such a refusal is the sender's answer.
        let framework = self.chain.framework();
        let next = self.chain.pool_header();
        let refusals: Vec<Option<PoolError>> = txs
            .iter()
            .map(|tx| {
                if !framework.accepts_tx_type(tx.envelope().ty(), &next) {
                    return Some(PoolError::TxTypeNotSupported);
                }
                match self.chain.validate_transaction(tx.recovered().as_recovered_ref()) {
                    Ok(Ok(_)) => None,
                    Ok(Err(reason)) => Some(PoolError::FrameworkRefused { reason }),
                    Err(err) => Some(PoolError::State(err.to_string().into())),
                }
            })
            .collect();
        let accepts: Vec<bool> = refusals.iter().map(Option::is_none).collect();
        let accepted: Vec<PooledTx> =
            txs.into_iter().zip(&accepts).filter_map(|(tx, ok)| ok.then_some(tx)).collect();
        let mut added = if accepted.is_empty() {
            Vec::new()
        } else {
            let results = self.pool.add_all(accepted, &state, self.next_base_fee());
            let _ = self.wake.try_send(());
            results
        }
        .into_iter();
        refusals
            .into_iter()
            .map(|refusal| match refusal {
                None => added.next().expect("one result per accepted transaction").map(|a| a.hash),
                Some(err) => Err(err),
            })
            .collect()
    }

    /// Tells the pool that these accounts' nonces or balances changed outside a block (dev
    /// state edits), so that their transactions are re-sorted into pending and queued.
    pub fn refresh_pool_accounts(&self, accounts: &[Address]) -> Result<(), NodeError> {
        self.pool.refresh_accounts(accounts, &self.pool_state()?);
        Ok(())
    }

    fn pool_state(&self) -> Result<PoolState, NodeError> {
        let reader = self.chain.reader()?;
        Ok(PoolState(StateDb::head(reader, Some(self.chain.overrides()))))
    }

    /// Seals one block now with the pending transactions (`evm_mine`); `timestamp` sets its
    /// timestamp.
    pub fn mine(&self, timestamp: Option<u64>) -> Result<Arc<MinedBlock>, NodeError> {
        let mut clock = self.clock.lock();
        if let Some(timestamp) = timestamp {
            self.check_timestamp(timestamp)?;
            clock.next = Some(timestamp);
        }
        self.produce(&mut clock)
    }

    /// Sets the timestamp of the next block (`evm_setNextBlockTimestamp`).
    pub fn set_next_timestamp(&self, timestamp: u64) -> Result<(), NodeError> {
        self.check_timestamp(timestamp)?;
        self.clock.lock().next = Some(timestamp);
        Ok(())
    }

    /// Moves the clock forward by `seconds` (`evm_increaseTime`); returns the total offset.
    pub fn increase_time(&self, seconds: i64) -> i64 {
        let mut clock = self.clock.lock();
        clock.offset = clock.offset.saturating_add(seconds);
        clock.offset
    }

    fn check_timestamp(&self, requested: u64) -> Result<(), NodeError> {
        let head = self.chain.head().header.timestamp;
        if requested <= head {
            return Err(NodeError::Timestamp { requested, head });
        }
        Ok(())
    }

    /// Saves the chain's current state (`evm_snapshot`); returns the snapshot id.
    pub fn snapshot(&self) -> u64 {
        let clock = self.clock.lock();
        let snapshot = Snapshot {
            number: self.chain.head().header.number,
            overrides: self.chain.overrides(),
            clock: *clock,
        };
        let id = self.next_snapshot.fetch_add(1, Ordering::Relaxed);
        self.snapshots.lock().insert(id, snapshot);
        id
    }

    /// Restores snapshot `id` (`evm_revert`): blocks after it are removed, its state, dev
    /// overrides and clock are back, and it and every later snapshot are consumed. Returns
    /// false for an unknown id.
    pub fn revert(&self, id: u64) -> Result<bool, NodeError> {
        let mut clock = self.clock.lock();
        let snapshot = {
            let mut snapshots = self.snapshots.lock();
            let Some(snapshot) = snapshots.get(&id).cloned() else { return Ok(false) };
            snapshots.split_off(&id);
            snapshot
        };
        self.chain.unwind_to(snapshot.number)?;
        self.chain.edit_overrides(|overrides| *overrides = (*snapshot.overrides).clone());
        *clock = snapshot.clock;
        let senders: Vec<Address> = self
            .pool
            .all_pending()
            .iter()
            .chain(self.pool.all_queued().iter())
            .map(|tx| tx.sender())
            .collect();
        let state = self.pool_state()?;
        self.pool.refresh_accounts(&senders, &state);
        self.metrics.head.set(snapshot.number as i64);
        info!(target: "tephra::sequencer", id, number = snapshot.number, "reverted to snapshot");
        Ok(true)
    }

    /// Starts the sequencer thread: it seals blocks as the configured [`BlockTime`] says
    /// until [`Node::stop`].
    pub fn spawn_sequencer(self: &Arc<Self>) -> thread::JoinHandle<()> {
        let node = self.clone();
        let woken = self.woken.lock().take().expect("the sequencer is spawned once");
        thread::Builder::new()
            .name("sequencer".into())
            .spawn(move || node.run_sequencer(woken))
            .expect("spawning a thread")
    }

    /// Asks the sequencer to stop after the block it is sealing.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        let _ = self.wake.try_send(());
    }

    fn run_sequencer(&self, woken: mpsc::Receiver<()>) {
        let mut deadline = match self.config.block_time {
            BlockTime::Interval(interval) => next_slot(interval, self.config.block_phase),
            BlockTime::Auto => Instant::now(),
        };
        while !self.stopping.load(Ordering::SeqCst) {
            match self.config.block_time {
                BlockTime::Auto => {
                    let _ = woken.recv_timeout(Duration::from_millis(200));
                    while self.pool.pending_len() > 0 && !self.stopping.load(Ordering::SeqCst) {
                        match self.produce(&mut self.clock.lock()) {
                            Ok(block) if block.transactions.is_empty() => break,
                            Ok(_) => {}
                            Err(err) => {
                                error!(target: "tephra::sequencer", %err, "sealing a block failed");
                                break;
                            }
                        }
                    }
                }
                BlockTime::Interval(interval) => {
                    // Wake-ups (new transactions) do not seal early: wait out the slot.
                    let now = Instant::now();
                    if deadline > now {
                        let _ = woken.recv_timeout(deadline - now);
                        continue;
                    }
                    if !self.waiting_for_l1()
                        && let Err(err) = self.produce(&mut self.clock.lock())
                    {
                        error!(target: "tephra::sequencer", %err, "sealing a block failed");
                    }
                    // The next slot after this block (a slow block skips the slots it missed).
                    deadline = next_slot(interval, self.config.block_phase);
                }
            }
        }
        info!(target: "tephra::sequencer", "sequencer stopped");
    }

    /// Whether this is a rollup that has no L1 origin yet: its first block waits for its L1
    /// follower's first L1 block.
    fn waiting_for_l1(&self) -> bool {
        self.config
            .l1_feed
            .as_ref()
            .is_some_and(|feed| feed.is_empty() && matches!(self.chain.l1_origin(), Ok(None)))
    }

    fn sub_second_blocks(&self) -> bool {
        matches!(self.config.block_time, BlockTime::Interval(interval) if interval < Duration::from_secs(1))
    }

    /// The call waiting in the [`SequencerCalls`](crate::SequencerCalls) slot, taken and signed for a block of
    /// `base_fee` at the key's nonce at the head. A call that cannot be signed is dropped
    /// with a warning: it never holds the block up.
    fn sequencer_call(&self, base_fee: u64) -> Option<PooledTx> {
        let calls = self.config.sequencer_calls.as_ref()?;
        let call = calls.take()?;
        let to = call.to;
        let nonce = self.pool_state().map_err(|err| err.to_string()).and_then(|state| {
            state.account(calls.address()).map(|(nonce, _)| nonce).map_err(|err| err.to_string())
        });
        let signed = nonce.and_then(|nonce| {
            calls.sign(call, self.config.chain_id, nonce, base_fee).map_err(|err| err.to_string())
        });
        match signed {
            Ok(tx) => Some(tx),
            Err(reason) => {
                warn!(target: "tephra::sequencer", %to, %reason, "dropping the sequencer's call");
                None
            }
        }
    }

    /// The block the sequencer would seal now from the pool's best transactions, executed
    /// but not sealed (what reads at `pending` see), or `None` when the pool has nothing
    /// executable: then the pending state is the head's (with the dev overrides).
    pub fn pending_block(&self) -> Result<Option<PendingBlock>, NodeError> {
        if self.pool.pending_len() == 0 {
            return Ok(None);
        }
        self.next_block().map(Some)
    }

    /// The block the sequencer would seal now, executed but not sealed, even when the pool has
    /// nothing for it (an estimate that depends on the next block's base fee runs in it).
    pub fn next_block(&self) -> Result<PendingBlock, NodeError> {
        let clock = *self.clock.lock();
        let base_fee = self.next_base_fee();
        let candidates = self.candidates(None, base_fee);
        let pending = self.chain.pending_block(
            |head| {
                let timestamp = clock.next.unwrap_or_else(|| self.next_timestamp(&clock, head));
                self.attributes(head, timestamp)
            },
            candidates.iter().map(|tx| tx.recovered().as_recovered_ref()),
        )?;
        Ok(pending)
    }

    /// The timestamp of a block on `head` now, unless one was set.
    fn next_timestamp(&self, clock: &Clock, head: &SealedHeader) -> u64 {
        // Blocks more frequent than one a second share timestamps (as on Nitro and ZK Stack)
        // instead of running ahead of the clock.
        clock.now().max(head.header.timestamp + u64::from(!self.sub_second_blocks()))
    }

    /// What a block offers: `call` first, then the pool's best up to twice the gas limit in
    /// gas limits (most transactions use far less than they reserve, and the executor leaves
    /// out whatever does not fit).
    fn candidates(&self, call: Option<PooledTx>, base_fee: u64) -> Vec<Arc<PooledTx>> {
        let cap = self.config.gas_limit.saturating_mul(2);
        let call = call.map(Arc::new);
        let mut offered_gas = call.as_ref().map_or(0, |tx| tx.gas_limit());
        call.into_iter()
            .chain(self.pool.best_transactions(base_fee).take_while(|tx| {
                offered_gas = offered_gas.saturating_add(tx.gas_limit());
                offered_gas <= cap
            }))
            .collect()
    }

    /// The attributes of the block on `head` at `timestamp`.
    fn attributes(
        &self,
        head: &SealedHeader,
        timestamp: u64,
    ) -> Result<BlockAttributes, ChainError> {
        Ok(BlockAttributes {
            timestamp,
            beneficiary: Address::ZERO,
            prevrandao: alloy_primitives::keccak256(head.hash),
            gas_limit: self.config.gas_limit,
            l1: match &self.config.l1_feed {
                Some(feed) => feed.next(self.chain.l1_origin()?.as_ref(), timestamp),
                None => None,
            },
        })
    }

    /// Seals and commits one block on the head with the call handed to the sequencer, if any,
    /// then the best pending transactions.
    fn produce(&self, clock: &mut Clock) -> Result<Arc<MinedBlock>, NodeError> {
        let started = Instant::now();
        let head = self.chain.head();
        let base_fee = self.next_base_fee();
        let timestamp = match clock.next.take() {
            Some(timestamp) => {
                let wall = Clock { offset: 0, next: None }.now();
                clock.offset = timestamp as i64 - wall as i64;
                timestamp
            }
            None => self.next_timestamp(clock, &head),
        };
        let candidates = self.candidates(self.sequencer_call(base_fee), base_fee);
        let attributes = self.attributes(&head, timestamp)?;
        let (executed, applied) = self.chain.build_block(
            &attributes,
            candidates.iter().map(|tx| tx.recovered().as_recovered_ref()),
        )?;
        let built = started.elapsed();
        self.chain.commit_block(&executed, &applied)?;
        let committed = started.elapsed() - built;

        let invalid: Vec<TxHash> = executed
            .skipped
            .iter()
            .filter_map(|skipped| match skipped {
                Skipped::Invalid(hash, reason) => {
                    warn!(target: "tephra::sequencer", %hash, %reason, "dropping invalid transaction");
                    Some(*hash)
                }
                Skipped::NoRoom(_) => None,
            })
            .collect();
        self.pool.remove_invalid(&invalid);
        let block = executed.block;
        let mined: Vec<(Address, u64, TxHash)> = block
            .transactions
            .iter()
            .zip(&block.senders)
            .zip(&block.tx_hashes)
            .map(|((tx, sender), hash)| (*sender, alloy_consensus::Transaction::nonce(tx), *hash))
            .collect();
        let state = self.pool_state()?;
        self.pool.on_block_committed(&mined, &state);

        let header = &block.header;
        self.metrics.blocks.inc();
        self.metrics.transactions.inc_by(block.transactions.len() as u64);
        self.metrics.gas.inc_by(header.gas_used);
        self.metrics.head.set(header.number as i64);
        self.metrics.block_build_seconds.observe(built.as_secs_f64());
        self.metrics.block_commit_seconds.observe(committed.as_secs_f64());
        info!(
            target: "tephra::sequencer",
            number = header.number,
            txs = block.transactions.len(),
            gas = header.gas_used,
            build_ms = built.as_secs_f64() * 1e3,
            commit_ms = committed.as_secs_f64() * 1e3,
            "sealed block"
        );
        let mined = Arc::new(block);
        let _ = self.blocks.send(mined.clone());
        Ok(mined)
    }
}

/// The next instant after now at which the wall clock (time since the Unix epoch) is `phase`
/// past a multiple of `interval`.
fn next_slot(interval: Duration, phase: Duration) -> Instant {
    let interval_ns = interval.as_nanos().max(1);
    let wall = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_nanos();
    let into = (wall + interval_ns - phase.as_nanos() % interval_ns) % interval_ns;
    let wait = u64::try_from(interval_ns - into).unwrap_or(u64::MAX);
    Instant::now() + Duration::from_nanos(wait)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_on_the_wall_clock_grid_shifted_by_the_phase() {
        let (interval, phase) = (Duration::from_millis(250), Duration::from_millis(125));
        for _ in 0..5 {
            let slot = next_slot(interval, phase);
            let wait = slot.saturating_duration_since(Instant::now());
            assert!(wait <= interval, "waits at most one interval: {wait:?}");
            let wall = SystemTime::now().duration_since(UNIX_EPOCH).unwrap() + wait;
            // Within a millisecond of the grid (the two clocks are read apart).
            let (interval_ms, phase_ms) = (interval.as_millis(), phase.as_millis());
            let off = (wall.as_millis() + interval_ms - phase_ms) % interval_ms;
            assert!(off <= 1 || off >= interval_ms - 1, "{off} ms off the grid");
            std::thread::sleep(Duration::from_millis(37));
        }
    }
}
