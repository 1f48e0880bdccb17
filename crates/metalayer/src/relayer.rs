//! `tephra relayer`: a permissionless relayer of Hyperlane messages between the rollups of a
//! Metalayer network. It watches every rollup's Mailbox `Dispatch`es, MerkleTreeHook
//! insertions and InterchainGasPaymaster payments, takes certificates from any guardian's API,
//! and for each paid message (Hyperlane's gas payment policy) submits the first certificate
//! whose leaf for the origin covers it to the destination's `MetalayerInbox` (once per
//! destination), then calls `Mailbox.process` with the GuardianIsm metadata: the leaf's proof
//! into the certified root and the message's proof into the leaf's outbox root.
//!
//! It keeps no state: on start it reads every chain's logs from genesis and skips what the
//! destinations already delivered, so a restart loses no message.
//!
//! ```toml
//! guardians = ["http://127.0.0.1:7500", "http://127.0.0.1:7501"]
//! poll_ms = 20
//! require_gas_payment = true
//!
//! [[chain]]
//! chain_id = 901
//! rpc = "http://127.0.0.1:9545"
//! key = "0x..."          # pays for submits and deliveries on this chain
//! ```

use crate::{
    Leaf,
    abi::{self, IInterchainGasPaymaster, IMailbox, IMerkleTreeHook, IMetalayerInbox},
    guardian::rounds::CertifiedCheckpoint,
    hyperlane::{MessageHeader, MessageTree, message_id},
    predeploy, reads,
};
use alloy_primitives::{B256, Bytes, U256};
use alloy_provider::{DynProvider, Provider, ProviderBuilder};
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, SolEvent};
use serde::{Deserialize, Serialize};
use std::{
    collections::{BTreeMap, HashMap, HashSet},
    sync::Arc,
    time::Duration,
};
use tephra_settlement::{L1Client, Outgoing};
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
/// Gas of the router's checks of a message's read proofs (about 200k per read).
const READ_GAS: u64 = 2_000_000;
/// Bytes of a Hyperlane message header (version, nonce, origin, sender, destination,
/// recipient); the body follows.
const HEADER_LEN: usize = 77;
/// Gas of `MetalayerInbox.submit` (one pairing, a few G1 additions, hash to G2).
const SUBMIT_GAS: u64 = 1_000_000;

/// A message seen on its origin.
#[derive(Debug, Clone)]
struct Message {
    bytes: Bytes,
    id: B256,
    origin: u64,
    destination: u64,
    /// The origin block that dispatched it.
    block: u64,
    /// Its index in the origin's MerkleTreeHook tree.
    index: u32,
}

/// One origin's view: its tree's ids by index, with the block that inserted each.
#[derive(Debug, Default)]
struct Origin {
    cursor: u64,
    ids: Vec<(B256, u64)>,
    dispatched: HashMap<B256, (Bytes, u64)>,
    paid: HashSet<B256>,
}

struct Destination {
    client: L1Client,
    nonce: Mutex<u64>,
    /// Roots certified there (by this relayer or anyone).
    certified: Mutex<HashSet<B256>>,
}

/// Runs the relayer until its task is aborted.
pub async fn run(config: RelayerConfig) -> Result<(), RelayerError> {
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
        destinations.insert(
            chain.chain_id,
            Arc::new(Destination {
                client,
                nonce: Mutex::new(u64::MAX),
                certified: Mutex::new(HashSet::new()),
            }),
        );
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
    let mut certificates: BTreeMap<u64, CertifiedCheckpoint> = BTreeMap::new();
    let mut guardian = 0usize;
    // Messages handed to a delivery task, and those done.
    let in_flight: Arc<Mutex<HashSet<B256>>> = Arc::default();
    let done: Arc<Mutex<HashSet<B256>>> = Arc::default();
    let poll = Duration::from_millis(config.poll_ms.max(1));
    info!(target: "tephra::relayer", chains = config.chains.len(), guardians = guardians.len(), "relayer started");
    loop {
        // New certificates, from the first guardian that answers.
        let after = certificates.last_key_value().map_or(0, |(epoch, _)| *epoch);
        for _ in 0..guardians.len() {
            let answer: Result<Vec<CertifiedCheckpoint>, _> = guardians[guardian]
                .raw_request("metalayer_certificatesAfter".into(), (after, 256))
                .await;
            match answer {
                Ok(list) => {
                    for certified in list {
                        certificates.insert(certified.epoch, certified);
                    }
                    break;
                }
                Err(err) => {
                    debug!(target: "tephra::relayer", guardian, %err, "guardian unavailable");
                    guardian = (guardian + 1) % guardians.len();
                }
            }
        }
        while certificates.len() > 1024 {
            certificates.pop_first();
        }
        // New messages, tree insertions and payments.
        let mut ready = Vec::new();
        for (chain_id, origin) in &mut origins {
            if let Err(err) = scan(&providers[chain_id], origin).await {
                debug!(target: "tephra::relayer", chain = chain_id, %err, "scan failed");
            }
            for (index, (id, block)) in origin.ids.iter().enumerate() {
                let Some((bytes, _)) = origin.dispatched.get(id) else { continue };
                if config.require_gas_payment && !origin.paid.contains(id) {
                    continue;
                }
                let Some(header) = MessageHeader::parse(bytes) else { continue };
                ready.push(Message {
                    bytes: bytes.clone(),
                    id: *id,
                    origin: *chain_id,
                    destination: header.destination as u64,
                    block: *block,
                    index: index as u32,
                });
            }
        }
        for message in ready {
            if done.lock().await.contains(&message.id)
                || in_flight.lock().await.contains(&message.id)
            {
                continue;
            }
            let Some(destination) = destinations.get(&message.destination).cloned() else {
                continue;
            };
            // The first certificate whose leaf for the origin covers the message's block.
            let covering = certificates.values().find_map(|certified| {
                let leaf = certified.leaves.iter().find(|l| l.chain_id == message.origin)?;
                (leaf.block_number >= message.block).then(|| (certified.clone(), *leaf))
            });
            let Some((certified, leaf)) = covering else { continue };
            let origin = &origins[&message.origin];
            let ids: Vec<B256> = origin
                .ids
                .iter()
                .take_while(|(_, block)| *block <= leaf.block_number)
                .map(|(id, _)| *id)
                .collect();
            in_flight.lock().await.insert(message.id);
            let (in_flight, done, providers) = (in_flight.clone(), done.clone(), providers.clone());
            tokio::spawn(async move {
                match deliver(&destination, &providers, &message, &certified, &leaf, ids).await {
                    Ok(()) => {
                        done.lock().await.insert(message.id);
                    }
                    Err(err) => {
                        warn!(target: "tephra::relayer", id = %message.id, %err, "delivery failed; retrying");
                        *destination.nonce.lock().await = u64::MAX;
                    }
                }
                in_flight.lock().await.remove(&message.id);
            });
        }
        tokio::time::sleep(poll).await;
    }
}

/// Reads `origin`'s new Dispatch, InsertedIntoTree and GasPayment logs.
async fn scan(provider: &DynProvider, origin: &mut Origin) -> Result<(), RelayerError> {
    let head = provider.get_block_number().await.map_err(rpc)?;
    if head < origin.cursor {
        return Ok(());
    }
    let filter = alloy_rpc_types_eth::Filter::new()
        .from_block(origin.cursor)
        .to_block(head)
        .address(vec![predeploy::MAILBOX, predeploy::MERKLE_TREE_HOOK, predeploy::GAS_PAYMASTER]);
    for log in provider.get_logs(&filter).await.map_err(rpc)? {
        let block = log.block_number.unwrap_or(head);
        if let Ok(dispatch) = IMailbox::Dispatch::decode_log(&log.inner) {
            let bytes = dispatch.data.message;
            origin.dispatched.insert(message_id(&bytes), (bytes, block));
        } else if let Ok(inserted) = IMerkleTreeHook::InsertedIntoTree::decode_log(&log.inner) {
            if inserted.data.index as usize == origin.ids.len() {
                origin.ids.push((inserted.data.messageId, block));
            }
        } else if let Ok(payment) = IInterchainGasPaymaster::GasPayment::decode_log(&log.inner)
            && payment.data.payment > U256::ZERO
        {
            origin.paid.insert(payment.data.messageId);
        }
    }
    origin.cursor = head + 1;
    Ok(())
}

/// For a message from a MetalayerRouter to a MetalayerRouter carrying reads: each read's
/// result with its proof (`eth_getProof` on the read's chain at its leaf's height in
/// `certified`); `None` for any other message.
async fn read_proofs(
    providers: &BTreeMap<u64, DynProvider>,
    message: &Message,
    certified: &CertifiedCheckpoint,
) -> Result<Option<Vec<abi::ReadProof>>, RelayerError> {
    let recipient = message.bytes.get(HEADER_LEN - 32..HEADER_LEN);
    if recipient != Some(predeploy::METALAYER_ROUTER.into_word().as_slice()) {
        return Ok(None);
    }
    let Ok(body) = reads::MetalayerMessage::decode(&message.bytes[HEADER_LEN..]) else {
        return Ok(None);
    };
    if body.reads.is_empty() {
        return Ok(None);
    }
    let tree = certified.tree().map_err(rpc)?;
    let root = tree.root();
    let mut proofs = Vec::with_capacity(body.reads.len());
    for (index, read) in body.reads.iter().enumerate() {
        let chain = u64::from(read.domain);
        let leaf = tree
            .proof(chain)
            .ok_or_else(|| RelayerError::Rpc(format!("read {index}: no leaf of chain {chain}")))?;
        let provider = providers
            .get(&chain)
            .ok_or_else(|| RelayerError::Rpc(format!("read {index}: chain {chain} not served")))?;
        let slot = reads::read_slot(read, index).map_err(rpc)?;
        let proof = provider
            .get_proof(read.target, vec![slot])
            .number(leaf.leaf.block_number)
            .await
            .map_err(rpc)?;
        proofs.push(reads::read_proof(read, index, root, &leaf, &proof).map_err(rpc)?);
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
        tree.proof(message.origin).filter(|proof| proof.leaf == *leaf).ok_or_else(|| {
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
    let mut steps = Vec::new();
    {
        let mut certified_roots = destination.certified.lock().await;
        if !certified_roots.contains(&root) {
            let call = IMetalayerInbox::isCertifiedCall { root };
            let answer =
                client.call(predeploy::INBOX, call.abi_encode().into()).await.map_err(rpc)?;
            if IMetalayerInbox::isCertifiedCall::abi_decode_returns(&answer).unwrap_or(false) {
                certified_roots.insert(root);
            } else {
                steps.push(Outgoing {
                    what: format!("submit certificate of epoch {}", certified.epoch),
                    to: Some(predeploy::INBOX),
                    data: IMetalayerInbox::submitCall {
                        checkpoint: abi::Checkpoint::from(&certificate.checkpoint),
                        signers: certificate.signers.clone().into(),
                        signature: certificate.contract_signature().to_vec().into(),
                    }
                    .abi_encode()
                    .into(),
                    gas: Some(SUBMIT_GAS),
                    ..Outgoing::default()
                });
                certified_roots.insert(root);
            }
        }
    }
    let metadata = abi::ism_metadata(root, &leaf_proof, message.index, &message_proof);
    let proofs = read_proofs(providers, message, certified).await?;
    steps.push(match proofs {
        // A MetalayerRouter message with reads: the router checks each result's proof, then
        // has the Mailbox process the message.
        Some(proofs) => Outgoing {
            what: format!(
                "deliver router message {} with {} proven reads",
                message.id,
                proofs.len()
            ),
            to: Some(predeploy::METALAYER_ROUTER),
            data: reads::deliver_call(metadata, message.bytes.to_vec(), proofs).abi_encode().into(),
            gas: Some(PROCESS_GAS + READ_GAS),
            ..Outgoing::default()
        },
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
    });
    let mut sent = Vec::new();
    {
        let mut nonce = destination.nonce.lock().await;
        if *nonce == u64::MAX {
            *nonce = client.nonce(client.address()).await.map_err(rpc)?;
        }
        for mut step in steps {
            step.nonce = *nonce;
            let hash = client.submit(&step).await.map_err(rpc)?;
            *nonce += 1;
            sent.push((step, hash));
        }
    }
    for (step, hash) in &sent {
        if let Err(err) = client.confirm(step, *hash).await {
            if step.to == Some(predeploy::INBOX) {
                // Another relayer may have certified the root first.
                destination.certified.lock().await.remove(&root);
            }
            return Err(rpc(err));
        }
    }
    info!(target: "tephra::relayer", id = %message.id, origin = message.origin,
        destination = message.destination, epoch = certified.epoch, "delivered");
    Ok(())
}
