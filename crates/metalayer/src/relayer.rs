//! `tephra relayer`: a permissionless relayer of Hyperlane messages between the rollups of a
//! Metalayer network. It watches every rollup's Mailbox `Dispatch`es, MerkleTreeHook
//! insertions and InterchainGasPaymaster payments, takes certificates from any guardian's API,
//! and for each paid message (Hyperlane's gas payment policy) takes a certificate whose leaf
//! for the origin covers it: one the destination's `MetalayerInbox` certified already (its
//! sequencer imports certificates, [`crate::importer`]) if there is one, else the first one,
//! which it submits to the inbox itself (once per destination) when it has waited
//! `submit_after_ms` for the destination to certify it. Then it calls `Mailbox.process` with the
//! GuardianIsm metadata: the leaf's proof into the certified root and the message's proof into
//! the leaf's outbox root.
//!
//! A certificate of a guardian set newer than a destination inbox's comes after the rotations
//! between them: the relayer takes them from the guardians (`metalayer_rotations`) and first
//! installs each next set there (`MetalayerInbox.rotateGuardianSet`).
//!
//! It keeps no state: on start it reads every chain's logs from genesis and skips what the
//! destinations already delivered, so a restart loses no message.
//!
//! ```toml
//! guardians = ["http://127.0.0.1:7500", "http://127.0.0.1:7501"]
//! poll_ms = 20
//! require_gas_payment = true
//! submit_after_ms = 1000 # how long a destination's own import of a certificate is awaited
//!
//! [[chain]]
//! chain_id = 901
//! rpc = "http://127.0.0.1:9545"
//! key = "0x..."          # pays for submits and deliveries on this chain
//! ```

use crate::{
    Certificate, CheckpointTree, FINALIZED, GUARDIAN_SET, Leaf,
    abi::{self, IInterchainGasPaymaster, IMailbox, IMerkleTreeHook, IMetalayerInbox},
    guardian::rounds::{CertifiedCheckpoint, Rotation},
    hyperlane::{HEADER_LEN, MessageHeader, MessageTree, message_id},
    predeploy, reads,
};
use alloy_primitives::{B256, Bytes, U256};
use alloy_provider::{DynProvider, Provider, ProviderBuilder};
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, SolEvent};
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use std::{
    collections::{BTreeMap, BTreeSet, HashMap, HashSet},
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};
use tephra_settlement::{L1Client, Outgoing, SettlementError};
use tokio::sync::Mutex;
use tracing::{debug, info, warn};

/// What the relayer can fail with.
#[derive(Debug, thiserror::Error)]
pub enum RelayerError {
    /// A bad config value, named.
    #[error("relayer config: {0}")]
    Config(String),
    /// A chain's or a guardian's JSON-RPC failed.
    #[error("rpc: {0}")]
    Rpc(String),
}

fn rpc(err: impl std::fmt::Display) -> RelayerError {
    RelayerError::Rpc(err.to_string())
}

/// One chain the relayer serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelayChain {
    /// Its chain id (Hyperlane domain).
    pub chain_id: u64,
    /// Its JSON-RPC URL.
    pub rpc: String,
    /// The key paying for the relayer's transactions there.
    pub key: B256,
}

/// `relayer.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelayerConfig {
    /// Guardians' certificate APIs, tried in turn.
    pub guardians: Vec<String>,
    /// Milliseconds between polls.
    #[serde(default = "default_poll_ms")]
    pub poll_ms: u64,
    /// Relay only messages with an InterchainGasPaymaster payment (Hyperlane's default policy).
    #[serde(default = "default_true")]
    pub require_gas_payment: bool,
    /// Milliseconds a message's first covering certificate waits to be certified on the
    /// destination by someone else (its sequencer's importer) before the relayer submits it
    /// itself; 0 (the default): at once, for chains that import no certificates.
    #[serde(default)]
    pub submit_after_ms: u64,
    /// The chains.
    #[serde(rename = "chain")]
    pub chains: Vec<RelayChain>,
}

fn default_poll_ms() -> u64 {
    20
}

fn default_true() -> bool {
    true
}

impl RelayerConfig {
    /// Parses `relayer.toml`.
    pub fn from_toml(text: &str) -> Result<Self, RelayerError> {
        toml::from_str(text).map_err(|err| RelayerError::Config(err.to_string()))
    }

    /// The config as TOML.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("the config serializes")
    }
}

/// Gas of `Mailbox.process`: the ISM's proofs and the Mailbox's work (about 150k) and up to
/// 1.1M for the recipient's `handle`.
const PROCESS_GAS: u64 = 1_250_000;
/// Gas of the router's check of one read's proof: about 200k for a storage proof; a call witness
/// also pays its calldata (16 per byte), hashing and the re-executed call (up to
/// [`reads::READ_GAS`]).
const PROOF_GAS: u64 = 1_500_000;
/// How long an inbox that could not take the newest guardian set waits before the next try.
const ROTATION_RETRY: Duration = Duration::from_secs(2);

/// Gas of `MetalayerInbox.rotateGuardianSet` per member of the next set (a data contract's
/// share, the key's G1MSM term) and in all (the proof, the data contract's creation).
const ROTATE_GAS_PER_MEMBER: u64 = 60_000;
const ROTATE_GAS: u64 = 400_000;
/// The wait before a failed delivery's first retry, and the longest wait between retries.
const FIRST_RETRY: Duration = Duration::from_millis(100);
const LAST_RETRY: Duration = Duration::from_secs(30);

/// A message seen on its origin.
#[derive(Debug, Clone)]
struct Message {
    bytes: Bytes,
    header: MessageHeader,
    id: B256,
    /// The origin block that dispatched it.
    block: u64,
    /// Its index in the origin's MerkleTreeHook tree.
    index: u32,
    /// The Metalayer message inside, for a message to the MetalayerRouter.
    router: Option<reads::MetalayerMessage>,
}

impl Message {
    /// A router message that waits for FINALIZED: delivered under the origin's settled leaf.
    fn finalized(&self) -> bool {
        self.router.as_ref().is_some_and(reads::MetalayerMessage::is_finalized)
    }
}

/// One origin's view: its tree's ids by index, with the block that inserted each, and the
/// messages still to deliver.
#[derive(Debug, Default)]
struct Origin {
    cursor: u64,
    ids: Vec<(B256, u64)>,
    /// Dispatched message bytes, by id.
    dispatched: HashMap<B256, Bytes>,
    paid: HashSet<B256>,
    /// How many of `ids` were looked at by [`Origin::collect`].
    collected: usize,
    /// Indices of messages waiting for their gas payment.
    unpaid: BTreeSet<u32>,
    /// Messages to deliver, by index.
    pending: BTreeMap<u32, Message>,
}

impl Origin {
    /// Moves the messages newly in the tree, and those whose payment came since, into
    /// `pending` (any message, without `require_payment`).
    fn collect(&mut self, require_payment: bool) {
        let fresh = (self.collected..self.ids.len()).map(|index| index as u32);
        let candidates: Vec<u32> = self.unpaid.iter().copied().chain(fresh).collect();
        self.collected = self.ids.len();
        for index in candidates {
            let (id, block) = self.ids[index as usize];
            if require_payment && !self.paid.contains(&id) {
                self.unpaid.insert(index);
                continue;
            }
            self.unpaid.remove(&index);
            // The Mailbox dispatches and inserts in one transaction, so the bytes are known.
            let Some(bytes) = self.dispatched.get(&id) else { continue };
            let Some(header) = MessageHeader::parse(bytes) else { continue };
            let router = (header.recipient == predeploy::METALAYER_ROUTER.into_word())
                .then(|| reads::MetalayerMessage::decode(&bytes[HEADER_LEN..]).ok())
                .flatten();
            let message = Message { bytes: bytes.clone(), header, id, block, index, router };
            self.pending.insert(index, message);
        }
    }
}

struct Destination {
    client: L1Client,
    nonce: Mutex<u64>,
    /// Roots certified there (by anyone, as its inbox's logs say), or being submitted there by
    /// this relayer.
    certified: Mutex<HashSet<B256>>,
    /// The guardian set its inbox holds, as last seen (0: not read yet); locked while the
    /// relayer installs the next ones.
    set: Mutex<u64>,
    /// Whether it was seen to check BLS12-381 signatures ([`check_bls`]).
    verifies_bls: AtomicBool,
}

impl Destination {
    /// A destination reached through `client`, nothing about it read yet.
    fn new(client: L1Client) -> Self {
        Self {
            client,
            nonce: Mutex::new(u64::MAX),
            certified: Mutex::new(HashSet::new()),
            set: Mutex::new(0),
            verifies_bls: AtomicBool::new(false),
        }
    }
}

/// A certificate as the relayer keeps it: with its root and when it was first seen.
struct Known {
    certified: CertifiedCheckpoint,
    root: B256,
    /// The guardian set that signed it.
    set: u64,
    since: Instant,
}

/// Runs the relayer until its task is aborted.
pub fn run(config: RelayerConfig) -> BoxFuture<'static, Result<(), RelayerError>> {
    Box::pin(relay(config))
}

async fn relay(config: RelayerConfig) -> Result<(), RelayerError> {
    if config.guardians.is_empty() {
        return Err(RelayerError::Config("no guardians to take certificates from".into()));
    }
    let mut providers: BTreeMap<u64, DynProvider> = BTreeMap::new();
    let mut destinations = BTreeMap::new();
    for chain in &config.chains {
        let bad =
            |what: &str| RelayerError::Config(format!("chain {}: bad {what}", chain.chain_id));
        let url = chain.rpc.parse().map_err(|_| bad("rpc"))?;
        providers.insert(chain.chain_id, ProviderBuilder::new().connect_http(url).erased());
        let signer = PrivateKeySigner::from_bytes(&chain.key).map_err(|_| bad("key"))?;
        let client = L1Client::new(&chain.rpc, signer).map_err(|_| bad("rpc"))?;
        destinations.insert(chain.chain_id, Arc::new(Destination::new(client)));
    }
    let guardians: Vec<DynProvider> = config
        .guardians
        .iter()
        .map(|url| {
            url.parse()
                .map(|url| ProviderBuilder::new().connect_http(url).erased())
                .map_err(|_| RelayerError::Config(format!("guardian {url:?} is not a URL")))
        })
        .collect::<Result<_, _>>()?;
    let providers = Arc::new(providers);
    let mut origins: BTreeMap<u64, Origin> =
        config.chains.iter().map(|c| (c.chain_id, Origin::default())).collect();
    let mut certificates: BTreeMap<u64, Known> = BTreeMap::new();
    // The guardians' rotations, fetched again whenever a certificate of another set shows up.
    let mut rotations: Arc<Vec<Rotation>> = Arc::default();
    let mut rotations_for = 0u64;
    // When the inboxes behind `rotations_for` are next asked to rotate.
    let mut rotate_at = Instant::now();
    // The oldest set any certificate came from (the guardians' first, for rotations).
    let mut first_set = u64::MAX;
    let mut guardian = 0usize;
    // Messages handed to a delivery task, those done since the last poll, and those whose
    // deliveries failed: how often, and when the next attempt may start.
    let in_flight: Arc<Mutex<HashSet<B256>>> = Arc::default();
    let failed: Arc<Mutex<HashMap<B256, (u32, Instant)>>> = Arc::default();
    let done: Arc<Mutex<HashSet<B256>>> = Arc::default();
    let poll = Duration::from_millis(config.poll_ms.max(1));
    let submit_after = Duration::from_millis(config.submit_after_ms);
    info!(target: "tephra::relayer", chains = config.chains.len(), guardians = guardians.len(), "relayer started");
    loop {
        // New certificates, from the first guardian that answers.
        let after = certificates.last_key_value().map_or(0, |(epoch, _)| *epoch);
        let now = Instant::now();
        for _ in 0..guardians.len() {
            let answer: Result<Vec<CertifiedCheckpoint>, _> = guardians[guardian]
                .raw_request("metalayer_certificatesAfter".into(), (after, 256))
                .await;
            match answer {
                Ok(list) => {
                    for certified in list {
                        let Ok(certificate) = certified.certificate() else { continue };
                        let root = certificate.checkpoint.root;
                        let set = certificate.checkpoint.guardian_set_id;
                        first_set = first_set.min(set);
                        let known = Known { certified, root, set, since: now };
                        certificates.insert(known.certified.epoch, known);
                    }
                    break;
                }
                Err(err) => {
                    debug!(target: "tephra::relayer", guardian, %err, "guardian unavailable");
                    guardian = (guardian + 1) % guardians.len();
                }
            }
        }
        if certificates.len() > 1024 {
            while certificates.len() > 1024 {
                certificates.pop_first();
            }
            // Only the roots of certificates still kept can be chosen.
            let roots: HashSet<B256> = certificates.values().map(|known| known.root).collect();
            for destination in destinations.values() {
                destination.certified.lock().await.retain(|root| roots.contains(root));
            }
        }
        let newest_set = certificates.last_key_value().map(|(_, known)| known.set);
        if let Some(set) = newest_set.filter(|set| *set != rotations_for) {
            let answer: Result<Vec<Rotation>, _> =
                guardians[guardian].raw_request("metalayer_rotations".into(), ()).await;
            match answer {
                // A guardian that has not rotated to `set` yet answers short: asked again.
                Ok(list)
                    if list.last().and_then(|r| r.leaf().ok()).map(|l| l.block_number)
                        >= Some(set) =>
                {
                    rotations = Arc::new(list);
                    rotations_for = set;
                    rotate_at = now;
                }
                Ok(_) => {
                    debug!(target: "tephra::relayer", guardian, set, "rotations not there yet")
                }
                Err(err) => debug!(target: "tephra::relayer", guardian, %err, "no rotations"),
            }
        }
        // Every inbox takes the newest set now, not only at its next delivery; one that could
        // not (its chain unable to verify the certificate yet, say) is tried again later.
        if rotations_for > 0 && now >= rotate_at {
            rotate_at = now + ROTATION_RETRY;
            for destination in destinations.values() {
                // Locked: an attempt is under way.
                if !destination.set.try_lock().is_ok_and(|set| *set < rotations_for) {
                    continue;
                }
                let (destination, rotations) = (destination.clone(), rotations.clone());
                tokio::spawn(async move {
                    if let Err(err) = rotate_inbox(&destination, &rotations, rotations_for).await {
                        debug!(target: "tephra::relayer", %err, "rotation deferred");
                    }
                });
            }
        }
        // New messages, tree insertions and payments; what was delivered leaves `pending`.
        let done_now: HashSet<B256> = done.lock().await.drain().collect();
        let mut ready = Vec::new();
        for (chain_id, origin) in &mut origins {
            if let Err(err) = scan(&providers[chain_id], origin, &destinations[chain_id]).await {
                debug!(target: "tephra::relayer", chain = chain_id, %err, "scan failed");
            }
            origin.pending.retain(|_, message| !done_now.contains(&message.id));
            origin.collect(config.require_gas_payment);
            ready.extend(origin.pending.values().cloned().map(|m| (*chain_id, m)));
        }
        for (origin_id, message) in ready {
            let waiting = failed.lock().await.get(&message.id).is_some_and(|(_, at)| *at > now);
            if waiting || in_flight.lock().await.contains(&message.id) {
                continue;
            }
            let Some(destination) =
                destinations.get(&u64::from(message.header.destination)).cloned()
            else {
                continue;
            };
            // The certificates whose leaf for the origin (its settled leaf, for a FINALIZED
            // message) covers the message's block: the first the destination certified, else
            // the first, once it waited `submit_after` for the destination to certify it.
            let wanted = if message.finalized() { origin_id | FINALIZED } else { origin_id };
            let mut covering = certificates.values().filter_map(|known| {
                let leaf = known.certified.leaves.iter().find(|l| l.chain_id == wanted)?;
                (leaf.block_number >= message.block).then_some((known, leaf))
            });
            let chosen = {
                let certified_there = destination.certified.lock().await;
                covering.clone().find(|(known, _)| certified_there.contains(&known.root)).or_else(
                    || covering.next().filter(|(known, _)| known.since.elapsed() >= submit_after),
                )
            };
            let Some((certified, leaf)) =
                chosen.map(|(known, leaf)| (known.certified.clone(), *leaf))
            else {
                continue;
            };
            let ids: Vec<B256> = origins[&origin_id]
                .ids
                .iter()
                .take_while(|(_, block)| *block <= leaf.block_number)
                .map(|(id, _)| *id)
                .collect();
            in_flight.lock().await.insert(message.id);
            let (in_flight, done, failed) = (in_flight.clone(), done.clone(), failed.clone());
            let (providers, rotations) = (providers.clone(), rotations.clone());
            tokio::spawn(async move {
                let delivery = async {
                    let set = certified.certificate().map_err(rpc)?.checkpoint.guardian_set_id;
                    rotate_inbox(&destination, &rotations, set).await?;
                    deliver(&destination, &providers, &message, &certified, &leaf, ids).await
                };
                match delivery.await {
                    Ok(()) => {
                        failed.lock().await.remove(&message.id);
                        done.lock().await.insert(message.id);
                    }
                    Err(err) => {
                        let mut failed = failed.lock().await;
                        let (attempts, at) = failed.entry(message.id).or_insert((0, now));
                        *attempts += 1;
                        let delay = retry_delay(*attempts);
                        *at = Instant::now() + delay;
                        warn!(target: "tephra::relayer", id = %message.id, %err, attempts = *attempts,
                            retry_in_ms = delay.as_millis() as u64, "delivery failed");
                    }
                }
                in_flight.lock().await.remove(&message.id);
            });
        }
        tokio::time::sleep(poll).await;
    }
}

/// How long a message waits after its `attempts`-th failed delivery: 100 ms, doubling up to
/// 30 s, so that one the destination keeps refusing does not cost a transaction every poll.
fn retry_delay(attempts: u32) -> Duration {
    (FIRST_RETRY * 2u32.saturating_pow(attempts.saturating_sub(1))).min(LAST_RETRY)
}

/// Reads `origin`'s new Dispatch, InsertedIntoTree and GasPayment logs, and the roots its
/// inbox certified (into `destination`: the same chain, as messages' destination).
async fn scan(
    provider: &DynProvider,
    origin: &mut Origin,
    destination: &Destination,
) -> Result<(), RelayerError> {
    let head = provider.get_block_number().await.map_err(rpc)?;
    if head < origin.cursor {
        return Ok(());
    }
    let filter =
        alloy_rpc_types_eth::Filter::new().from_block(origin.cursor).to_block(head).address(vec![
            predeploy::MAILBOX,
            predeploy::MERKLE_TREE_HOOK,
            predeploy::GAS_PAYMASTER,
            predeploy::INBOX,
        ]);
    let mut certified = Vec::new();
    for log in provider.get_logs(&filter).await.map_err(rpc)? {
        let block = log.block_number.unwrap_or(head);
        if let Ok(dispatch) = IMailbox::Dispatch::decode_log(&log.inner) {
            let bytes = dispatch.data.message;
            origin.dispatched.insert(message_id(&bytes), bytes);
        } else if let Ok(inserted) = IMerkleTreeHook::InsertedIntoTree::decode_log(&log.inner) {
            if inserted.data.index as usize == origin.ids.len() {
                origin.ids.push((inserted.data.messageId, block));
            }
        } else if let Ok(payment) = IInterchainGasPaymaster::GasPayment::decode_log(&log.inner)
            && payment.data.payment > U256::ZERO
        {
            origin.paid.insert(payment.data.messageId);
        } else if let Ok(event) = IMetalayerInbox::CheckpointCertified::decode_log(&log.inner) {
            certified.push(event.data.root);
        }
    }
    destination.certified.lock().await.extend(certified);
    origin.cursor = head + 1;
    Ok(())
}

/// For a message to a MetalayerRouter carrying reads: each read's result with its evidence on
/// the read's chain at its leaf's height in the certified `tree`: storage proofs
/// (`eth_getProof`) for a storage read of a non-empty slot, else the call's witness
/// (`tephra_callWitness`); `None` for any other message (one to deliver on the Mailbox).
async fn read_proofs(
    providers: &BTreeMap<u64, DynProvider>,
    message: &Message,
    tree: &CheckpointTree,
) -> Result<Option<Vec<abi::ReadProof>>, RelayerError> {
    let Some(body) = &message.router else { return Ok(None) };
    // A FINALIZED message goes through the router's `deliver` even without reads: the router
    // checks its leaf is the origin's settled one.
    if body.reads.is_empty() && !body.is_finalized() {
        return Ok(None);
    }
    let root = tree.root();
    // A FINALIZED message's reads are of settled heads too.
    let settled = if body.is_finalized() { FINALIZED } else { 0 };
    let mut proofs = Vec::with_capacity(body.reads.len());
    for (index, read) in body.reads.iter().enumerate() {
        let chain = u64::from(read.domain);
        let leaf = tree
            .proof(chain | settled)
            .ok_or_else(|| RelayerError::Rpc(format!("read {index}: no leaf of chain {chain}")))?;
        let provider = providers
            .get(&chain)
            .ok_or_else(|| RelayerError::Rpc(format!("read {index}: chain {chain} not served")))?;
        let number = leaf.leaf.block_number;
        if let Ok(slot) = reads::read_slot(read, index) {
            let proof =
                provider.get_proof(read.target, vec![slot]).number(number).await.map_err(rpc)?;
            match reads::storage_read_proof(read, index, root, &leaf, &proof) {
                Ok(proof) => {
                    proofs.push(proof);
                    continue;
                }
                // An empty slot has no inclusion proof; the call's witness proves it.
                Err(reads::ReadError::EmptySlot(_)) => {}
                Err(err) => return Err(rpc(err)),
            }
        }
        let witness: tephra_chain::CallWitness = provider
            .raw_request(
                "tephra_callWitness".into(),
                (reads::read_call(read), format!("{number:#x}")),
            )
            .await
            .map_err(rpc)?;
        proofs.push(reads::call_read_proof(read, index, root, &leaf, witness).map_err(rpc)?);
    }
    Ok(Some(proofs))
}

/// Submits `certified` to the destination (unless certified there already) and processes
/// `message` under it.
async fn deliver(
    destination: &Destination,
    providers: &BTreeMap<u64, DynProvider>,
    message: &Message,
    certified: &CertifiedCheckpoint,
    leaf: &Leaf,
    ids: Vec<B256>,
) -> Result<(), RelayerError> {
    let client = &destination.client;
    let delivered = IMailbox::deliveredCall { messageId: message.id };
    let answer =
        client.call(predeploy::MAILBOX, delivered.abi_encode().into()).await.map_err(rpc)?;
    if IMailbox::deliveredCall::abi_decode_returns(&answer).unwrap_or(false) {
        return Ok(());
    }
    let certificate = certified.certificate().map_err(rpc)?;
    let root = certificate.checkpoint.root;
    let tree = certified.tree().map_err(rpc)?;
    let leaf_proof =
        tree.proof(leaf.chain_id).filter(|proof| proof.leaf == *leaf).ok_or_else(|| {
            RelayerError::Rpc("the certificate's tree lacks the origin's leaf".into())
        })?;
    let messages = MessageTree::new(ids);
    let message_proof = messages
        .proof(message.index as usize)
        .ok_or_else(|| RelayerError::Rpc("the message is past the leaf's tree".into()))?;
    if messages.root() != leaf.outbox_root {
        return Err(RelayerError::Rpc(format!(
            "rebuilt tree root {} differs from the certified outbox root {}",
            messages.root(),
            leaf.outbox_root
        )));
    }
    let metadata = abi::ism_metadata(root, &leaf_proof, message.index, &message_proof);
    let process = match read_proofs(providers, message, &tree).await? {
        // A MetalayerRouter message with reads (or FINALIZED): the router checks each read's
        // proof (and the settled leaf), then has the Mailbox process the message.
        Some(proofs) => {
            let count = proofs.len() as u64;
            Outgoing {
                what: format!("deliver router message {} with {count} proven reads", message.id),
                to: Some(predeploy::METALAYER_ROUTER),
                data: reads::deliver_call(metadata, message.bytes.to_vec(), proofs)
                    .abi_encode()
                    .into(),
                gas: Some(PROCESS_GAS + PROOF_GAS * count),
                ..Outgoing::default()
            }
        }
        None => Outgoing {
            what: format!("process message {}", message.id),
            to: Some(predeploy::MAILBOX),
            data: IMailbox::processCall {
                metadata: metadata.into(),
                message: message.bytes.clone(),
            }
            .abi_encode()
            .into(),
            gas: Some(PROCESS_GAS),
            ..Outgoing::default()
        },
    };
    let submit = submit_step(&certificate, certified.epoch);
    // The root is marked certified here when this delivery submits it, so that deliveries
    // under it that follow send only their `process` (mined after the submit, by nonce); if
    // the submit fails, the mark goes.
    let submits = {
        let mut certified_roots = destination.certified.lock().await;
        let needed = !certified_roots.contains(&root) && !is_certified(client, root).await?;
        if needed {
            check_bls(destination).await?;
        }
        certified_roots.insert(root);
        needed
    };
    let sent = send(destination, submits.then_some(submit), process).await;
    if let Err(err) = sent {
        if submits {
            // Another relayer may have certified the root first; the next attempt asks.
            destination.certified.lock().await.remove(&root);
        }
        return Err(err);
    }
    info!(target: "tephra::relayer", id = %message.id, origin = message.header.origin,
        destination = message.header.destination, epoch = certified.epoch, "delivered");
    Ok(())
}

/// Installs in the destination's inbox, in order, each guardian set up to `set_id` it lacks:
/// for each, the certificate of the checkpoint naming it (unless certified there already),
/// then `rotateGuardianSet`.
async fn rotate_inbox(
    destination: &Destination,
    rotations: &[Rotation],
    set_id: u64,
) -> Result<(), RelayerError> {
    let mut known = destination.set.lock().await;
    if *known >= set_id {
        return Ok(());
    }
    let client = &destination.client;
    let call = IMetalayerInbox::guardianSetIdCall {};
    let answer = client.call(predeploy::INBOX, call.abi_encode().into()).await.map_err(rpc)?;
    *known = IMetalayerInbox::guardianSetIdCall::abi_decode_returns(&answer).map_err(rpc)?;
    if *known < set_id {
        check_bls(destination).await?;
    }
    while *known < set_id {
        let next = *known + 1;
        let rotation = rotations
            .iter()
            .find(|r| r.leaf().is_ok_and(|leaf| leaf.block_number == next))
            .ok_or_else(|| RelayerError::Rpc(format!("no rotation to guardian set {next} yet")))?;
        let certificate = rotation.certified.certificate().map_err(rpc)?;
        let proof =
            rotation.certified.tree().map_err(rpc)?.proof(GUARDIAN_SET).ok_or_else(|| {
                RelayerError::Rpc(format!("rotation to set {next} lacks its leaf"))
            })?;
        let (keys, stakes) = rotation.next_set().map_err(rpc)?.contract_arguments();
        let members = stakes.len() as u64;
        let submit = (!is_certified(client, certificate.checkpoint.root).await?)
            .then(|| submit_step(&certificate, rotation.certified.epoch));
        let rotate = Outgoing {
            what: format!("install guardian set {next}"),
            to: Some(predeploy::INBOX),
            data: IMetalayerInbox::rotateGuardianSetCall {
                root: certificate.checkpoint.root,
                index: U256::from(proof.index),
                proof: proof.siblings,
                setId: next,
                publicKeys: keys.into(),
                stakes,
            }
            .abi_encode()
            .into(),
            gas: Some(ROTATE_GAS + ROTATE_GAS_PER_MEMBER * members),
            ..Outgoing::default()
        };
        send(destination, submit, rotate).await?;
        info!(target: "tephra::relayer", set = next, members, "guardian set installed");
        *known = next;
    }
    Ok(())
}

/// Refuses while `destination` cannot check BLS12-381 signatures ([`abi::BLS12_G1ADD`]), as a
/// submit and a rotation need: sent before (an op-stack rollup before Isthmus), they would
/// only revert. Asked until it can, then remembered.
async fn check_bls(destination: &Destination) -> Result<(), RelayerError> {
    if destination.verifies_bls.load(Ordering::Relaxed) {
        return Ok(());
    }
    let client = &destination.client;
    let answer =
        client.call(abi::BLS12_G1ADD, abi::BLS_PROBE.to_vec().into()).await.map_err(rpc)?;
    if !abi::verifies_bls(&answer) {
        return Err(RelayerError::Rpc(
            "the destination cannot verify BLS12-381 signatures yet (EIP-2537 is not active)"
                .into(),
        ));
    }
    destination.verifies_bls.store(true, Ordering::Relaxed);
    Ok(())
}

/// `MetalayerInbox.submit` of `certificate`.
fn submit_step(certificate: &Certificate, epoch: u64) -> Outgoing {
    Outgoing {
        what: format!("submit certificate of epoch {epoch}"),
        to: Some(predeploy::INBOX),
        data: abi::submit_call(certificate).abi_encode().into(),
        gas: Some(abi::SUBMIT_GAS),
        ..Outgoing::default()
    }
}

/// Whether the destination's inbox certified `root`.
async fn is_certified(client: &L1Client, root: B256) -> Result<bool, RelayerError> {
    let call = IMetalayerInbox::isCertifiedCall { root };
    let answer = client.call(predeploy::INBOX, call.abi_encode().into()).await.map_err(rpc)?;
    Ok(IMetalayerInbox::isCertifiedCall::abi_decode_returns(&answer).unwrap_or(false))
}

/// Sends `submit` (a certificate the step needs, if it is not certified there yet) and `step`
/// at the destination signer's next nonces, then waits for both. Only the step must succeed:
/// it cannot without the certificate, so a submit that reverted because another relayer or
/// the sequencer's importer certified the root first is no failure.
async fn send(
    destination: &Destination,
    submit: Option<Outgoing>,
    step: Outgoing,
) -> Result<(), RelayerError> {
    let client = &destination.client;
    let mut sent = Vec::with_capacity(2);
    {
        let mut nonce = destination.nonce.lock().await;
        if *nonce == u64::MAX {
            *nonce = client.pending_nonce(client.address()).await.map_err(rpc)?;
        }
        for mut outgoing in submit.into_iter().chain([step]) {
            outgoing.nonce = *nonce;
            match client.submit(&outgoing).await {
                Ok(hash) => sent.push((outgoing, hash)),
                Err(err) => {
                    // The node refused it (a nonce another sender's transaction took, say):
                    // the next send asks the node again.
                    *nonce = u64::MAX;
                    return Err(rpc(err));
                }
            }
            *nonce += 1;
        }
    }
    let mut confirmed = Vec::with_capacity(sent.len());
    for (outgoing, hash) in &sent {
        let result = client.confirm(outgoing, *hash).await;
        // A reverted transaction used its nonce; one the node lost or never mined leaves the
        // count in doubt.
        if let Err(err) = &result
            && !matches!(err, SettlementError::Reverted { .. })
        {
            *destination.nonce.lock().await = u64::MAX;
        }
        confirmed.push(result.map_err(rpc));
    }
    // The step's outcome decides; when it failed, a failed submit is the likelier cause.
    match confirmed.pop().expect("the step was sent") {
        Ok(_) => Ok(()),
        Err(err) => Err(confirmed.pop().and_then(Result::err).unwrap_or(err)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Hyperlane v3 message with nonce `nonce` from domain 1 to domain 2.
    fn message(nonce: u32) -> Bytes {
        let mut bytes = vec![3u8];
        bytes.extend(nonce.to_be_bytes());
        bytes.extend(1u32.to_be_bytes());
        bytes.extend([0u8; 32]);
        bytes.extend(2u32.to_be_bytes());
        bytes.extend([0u8; 32]);
        bytes.extend(b"body");
        bytes.into()
    }

    fn origin_with(messages: usize) -> Origin {
        let mut origin = Origin::default();
        for nonce in 0..messages as u32 {
            let bytes = message(nonce);
            origin.ids.push((message_id(&bytes), 10 + nonce as u64));
            origin.dispatched.insert(message_id(&bytes), bytes);
        }
        origin
    }

    /// A destination served over JSON-RPC by an in-process node of `framework`.
    async fn destination(
        framework: Arc<dyn tephra_chain::Framework>,
    ) -> (Destination, Arc<tephra_node::Node>, tephra_rpc::RpcHandle) {
        let config = tephra_node::NodeConfig { framework, ..tephra_node::NodeConfig::default() };
        let node = tephra_node::Node::open(config).unwrap();
        let server = tephra_rpc::serve(node.clone(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
        let signer = PrivateKeySigner::from_bytes(&B256::repeat_byte(9)).unwrap();
        let destination = Destination::new(L1Client::new(&server.http_url(), signer).unwrap());
        (destination, node, server)
    }

    /// An op-stack rollup before Isthmus has no EIP-2537: `check_bls` refuses, and asks again
    /// the next time rather than remembering the refusal.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn check_bls_refuses_a_destination_without_eip_2537_each_time_it_is_asked() {
        let tomorrow =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
                + 86_400;
        let holocene = tephra_frameworks::OpStack::default().with_isthmus_time(tomorrow);
        let (destination, node, server) = destination(Arc::new(holocene)).await;
        for _ in 0..2 {
            let err = check_bls(&destination).await.unwrap_err().to_string();
            assert!(err.contains("EIP-2537 is not active"), "{err}");
            assert!(!destination.verifies_bls.load(Ordering::Relaxed));
        }
        server.stop();
        node.stop();
    }

    /// A destination with EIP-2537 passes, and is remembered: once its endpoint is gone,
    /// `check_bls` still passes without asking.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn check_bls_passes_a_destination_with_eip_2537_and_remembers_it() {
        let (destination, node, server) =
            destination(Arc::new(tephra_frameworks::OpStack::default())).await;
        check_bls(&destination).await.unwrap();
        assert!(destination.verifies_bls.load(Ordering::Relaxed));
        server.stop();
        server.stopped().await;
        destination.client.block_number().await.unwrap_err();
        check_bls(&destination).await.unwrap();
        node.stop();
    }

    #[test]
    fn failed_deliveries_wait_longer_each_time_up_to_30_s() {
        let waits: Vec<u128> = [1, 2, 3, 9, 10, 40].map(|n| retry_delay(n).as_millis()).into();
        assert_eq!(waits, [100, 200, 400, 25_600, 30_000, 30_000]);
    }

    #[test]
    fn a_message_waits_for_its_payment_and_is_collected_once() {
        let mut origin = origin_with(3);
        let ids: Vec<B256> = origin.ids.iter().map(|(id, _)| *id).collect();
        origin.paid.extend([ids[0], ids[2]]);
        origin.collect(true);
        assert_eq!(origin.pending.keys().copied().collect::<Vec<_>>(), [0, 2]);
        assert_eq!(origin.pending[&2].header.destination, 2);
        // Delivered messages leave; the unpaid one joins once paid; none comes back.
        origin.pending.clear();
        origin.collect(true);
        assert!(origin.pending.is_empty(), "delivered messages are not collected again");
        origin.paid.insert(ids[1]);
        origin.collect(true);
        assert_eq!(origin.pending.keys().copied().collect::<Vec<_>>(), [1]);
        assert_eq!(origin.pending[&1].block, 11);
    }

    #[test]
    fn without_the_payment_policy_every_message_is_collected() {
        let mut origin = origin_with(2);
        origin.collect(false);
        assert_eq!(origin.pending.len(), 2);
    }
}
