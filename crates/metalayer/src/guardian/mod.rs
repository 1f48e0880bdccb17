//! `tephra guardian`: a staked guardian of a Metalayer network. It follows every rollup of its
//! config and verifies each new head statelessly ([`heads`]), runs the epoch protocol
//! ([`rounds`]) with the other guardians over libp2p gossipsub ([`gossip`]), and serves the
//! certificates it holds over JSON-RPC (`metalayer_latestCertificate`,
//! `metalayer_certificatesAfter`, `metalayer_rotations`, `metalayer_status`) for relayers.
//!
//! ```toml
//! index = 0                                  # this guardian's position in the set
//! key = "0x..."                              # its BLS secret key (32 bytes)
//! domain = "0x..."                           # the network's checkpoint domain separator
//! epoch_ms = 250
//! listen = "/ip4/127.0.0.1/tcp/7400"         # gossip
//! peers = ["/ip4/127.0.0.1/tcp/7401"]
//! rpc = "127.0.0.1:7500"                     # the certificates API
//! datadir = "guardian-0"                     # the heads it trusts, across restarts
//! l1_rpc = "http://127.0.0.1:8545"           # optional: the L1 the chains settle on
//! registry = "0x..."                         # optional (with l1_rpc): the GuardianRegistry
//!
//! [guardian_set]                             # the first set (later ones come by rotation)
//! id = 1
//! members = [{ public_key = "0x...", stake = "100", proof_of_possession = "0x..." }]
//!
//! [slasher]                                  # optional: where evidence is submitted
//! l1_rpc = "http://127.0.0.1:8545"
//! registry = "0x..."                         # the L1 GuardianRegistry
//! key = "0x..."                              # a funded L1 key
//!
//! [[chain]]
//! chain_id = 901
//! rpc = "http://127.0.0.1:9545"
//! framework = "op-stack"
//! deployment = "network/op/deployment.json"  # its L1 deployment (the profile reads it)
//! genesis = "0x..."                          # the genesis hash it trusts
//! ```
//!
//! With `l1_rpc`, each chain whose deployment has a `RollupCore` is also watched on the L1
//! ([`heads::watch_settlement`]): once a state commitment there is final and equals the
//! commitment of the block the guardian verified, that block is the chain's settled head, and
//! checkpoints carry it as a second leaf of the chain ([`crate::FINALIZED`]), which FINALIZED
//! messages are delivered under.
//!
//! With `l1_rpc` and `registry`, the guardian also reads the set the registry holds and hands
//! over to it through the protocol when it changes ([`rounds`]); the rotations are kept in the
//! datadir (`rotations.json`), so a restarted guardian starts on the current set.

mod gossip;
pub mod heads;
pub mod rounds;

use crate::{
    Equivocation, EquivocationWatch, Guardian, GuardianKey, GuardianSet, MetalayerError, PublicKey,
    Signature,
};
use alloy_primitives::{Address, B256, Bytes, keccak256};
use alloy_provider::{Provider, ProviderBuilder};
use alloy_signer_local::PrivateKeySigner;
use futures::future::BoxFuture;
use heads::Heads;
use jsonrpsee::{
    RpcModule,
    server::{Server, ServerHandle},
};
use parking_lot::Mutex;
use rounds::{CertifiedCheckpoint, GossipMessage, Rotation, Rounds, VerifiedHeads};
use serde::{Deserialize, Serialize};
use std::{
    net::SocketAddr,
    path::PathBuf,
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};
use tephra_chain::Framework;
use tephra_settlement::{Deployment, GasToken, L1Client, Outgoing, Settlement};
use tokio::sync::mpsc;
use tracing::{debug, info, warn};

/// What a guardian can fail with.
#[derive(Debug, thiserror::Error)]
pub enum GuardianError {
    /// A bad config value, named.
    #[error("guardian config: {0}")]
    Config(String),
    /// A chain's JSON-RPC failed.
    #[error("rpc: {0}")]
    Rpc(String),
    /// A block that did not verify.
    #[error("block {number} does not verify: {reason}")]
    Unverified {
        /// The block.
        number: u64,
        /// Why.
        reason: String,
    },
    /// The gossip node failed.
    #[error("gossip: {0}")]
    P2p(String),
    /// The certificate core refused something.
    #[error(transparent)]
    Metalayer(#[from] MetalayerError),
}

/// One member of the guardian set, as a config names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberConfig {
    /// The compressed G1 public key (48 bytes).
    pub public_key: Bytes,
    /// The stake, as a decimal string (up to 2^128).
    pub stake: String,
    /// The proof of possession of the key (96 bytes).
    pub proof_of_possession: Bytes,
}

/// The guardian set, as a config names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuardianSetConfig {
    /// The set's id.
    pub id: u64,
    /// Its members, in bitmap order.
    pub members: Vec<MemberConfig>,
}

impl GuardianSetConfig {
    /// The config form of `set`, with each member's proof of possession.
    pub fn new(set: &GuardianSet, proofs: &[Signature]) -> Self {
        Self {
            id: set.id(),
            members: set
                .members()
                .iter()
                .zip(proofs)
                .map(|(member, pop)| MemberConfig {
                    public_key: member.key.compress().to_vec().into(),
                    stake: member.stake.to_string(),
                    proof_of_possession: pop.compress().to_vec().into(),
                })
                .collect(),
        }
    }

    /// The set, with every proof of possession checked.
    pub fn set(&self) -> Result<GuardianSet, GuardianError> {
        let members = self
            .members
            .iter()
            .enumerate()
            .map(|(i, member)| {
                let bad = |what: &str| {
                    GuardianError::Config(format!("guardian_set member {i}: bad {what}"))
                };
                let key =
                    PublicKey::key_validate(&member.public_key).map_err(|_| bad("public_key"))?;
                let pop = Signature::uncompress(&member.proof_of_possession)
                    .map_err(|_| bad("proof_of_possession"))?;
                let stake = member.stake.parse().map_err(|_| bad("stake"))?;
                Ok((Guardian { key, stake }, pop))
            })
            .collect::<Result<_, GuardianError>>()?;
        Ok(GuardianSet::new(self.id, members)?)
    }
}

/// One chain a guardian follows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainConfig {
    /// Its chain id.
    pub chain_id: u64,
    /// Its JSON-RPC URL.
    pub rpc: String,
    /// Its framework profile.
    pub framework: String,
    /// Its gas token (`eth` or an L1 ERC-20 address), for the profile.
    #[serde(default)]
    pub gas_token: GasToken,
    /// Its L1 deployment journal, for the profile (a rollup's `deployment.json`); without it
    /// the profile's defaults.
    #[serde(default)]
    pub deployment: Option<PathBuf>,
    /// Its genesis block hash, which the guardian trusts; without it, the genesis the RPC
    /// serves on the first start (logged).
    #[serde(default)]
    pub genesis: Option<B256>,
    /// op-stack: when it activates Isthmus (its `rollup.toml`'s `isthmus_time`), for the
    /// profile; from genesis without it.
    #[serde(default)]
    pub isthmus_time: Option<u64>,
}

impl ChainConfig {
    fn error(&self, reason: impl std::fmt::Display) -> GuardianError {
        GuardianError::Config(format!("chain {}: {reason}", self.chain_id))
    }

    /// The chain's L1 deployment, if the config names one.
    fn load_deployment(&self) -> Result<Option<Deployment>, GuardianError> {
        let Some(path) = &self.deployment else { return Ok(None) };
        Deployment::load(path)
            .map_err(|err| self.error(err))?
            .ok_or_else(|| self.error(format!("no deployment in {}", path.display())))
            .map(Some)
    }

    /// The chain's framework's L1 side.
    fn settles(&self) -> Result<Arc<dyn Settlement>, GuardianError> {
        // No pubdata price: the guardian only verifies, and a zk-stack block carries its own.
        tephra_settlement::settlement_for(
            &self.framework,
            self.chain_id,
            self.gas_token,
            0,
            self.isthmus_time,
        )
        .map_err(|err| self.error(err))
    }

    /// The framework the chain runs, built as its node builds it.
    pub fn framework(&self) -> Result<Arc<dyn Framework>, GuardianError> {
        match self.load_deployment()? {
            Some(deployment) => self.settles()?.profile(&deployment).map_err(|err| self.error(err)),
            None => {
                tephra_settlement::config::check_isthmus_time(&self.framework, self.isthmus_time)
                    .map_err(|err| self.error(err))?;
                match self.isthmus_time {
                    Some(time) => {
                        Ok(Arc::new(tephra_frameworks::OpStack::default().with_isthmus_time(time)))
                    }
                    None => {
                        tephra_frameworks::by_name(&self.framework).map_err(|err| self.error(err))
                    }
                }
            }
        }
    }

    /// The chain's settlement on the L1, if its deployment has a `RollupCore`.
    pub fn settlement(&self) -> Result<Option<ChainSettlement>, GuardianError> {
        let Some(deployment) = self.load_deployment()? else { return Ok(None) };
        let Some(core) = deployment.contracts.get("RollupCore").copied() else { return Ok(None) };
        Ok(Some(ChainSettlement { settlement: self.settles()?, core }))
    }
}

/// Where and how a chain settles on its L1.
#[derive(Debug, Clone)]
pub struct ChainSettlement {
    /// Its framework's L1 side (which commitment each block has).
    pub settlement: Arc<dyn Settlement>,
    /// Its settlement core.
    pub core: Address,
}

/// `guardian.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuardianConfig {
    /// This guardian's index in the set.
    pub index: usize,
    /// Its BLS secret key.
    pub key: B256,
    /// The network's checkpoint domain separator.
    pub domain: B256,
    /// Milliseconds per epoch.
    #[serde(default = "default_epoch_ms")]
    pub epoch_ms: u64,
    /// The gossip listen address (a multiaddr).
    pub listen: String,
    /// The other guardians' gossip addresses.
    #[serde(default)]
    pub peers: Vec<String>,
    /// Where the certificates API listens.
    pub rpc: SocketAddr,
    /// Where the trusted heads are kept.
    pub datadir: PathBuf,
    /// The guardian set.
    pub guardian_set: GuardianSetConfig,
    /// The L1 the chains settle on: with it, the guardian also certifies each chain's head
    /// settled there (see the module doc).
    #[serde(default)]
    pub l1_rpc: Option<String>,
    /// The L1 GuardianRegistry (read through `l1_rpc`): with it, the guardian set follows the
    /// registry's members and stakes by rotation.
    #[serde(default)]
    pub registry: Option<Address>,
    /// Where this guardian submits equivocation evidence it sees; without it, it only logs it.
    #[serde(default)]
    pub slasher: Option<SlasherConfig>,
    /// The chains followed.
    #[serde(rename = "chain", default)]
    pub chains: Vec<ChainConfig>,
    /// Fault injection, for tests of slashing: also sign a second, conflicting checkpoint for
    /// every epoch this guardian signs (`tephra guardian --equivocate`; never in a config).
    #[serde(skip)]
    pub equivocate: bool,
}

/// `[slasher]`: submitting evidence to the L1's GuardianRegistry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlasherConfig {
    /// The L1's JSON-RPC URL.
    pub l1_rpc: String,
    /// The GuardianRegistry.
    pub registry: Address,
    /// A funded L1 key that pays for the slashing transactions.
    pub key: B256,
}

fn default_epoch_ms() -> u64 {
    250
}

impl GuardianConfig {
    /// Parses `guardian.toml`.
    pub fn from_toml(text: &str) -> Result<Self, GuardianError> {
        toml::from_str(text).map_err(|err| GuardianError::Config(err.to_string()))
    }

    /// The config as TOML.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("the config serializes")
    }
}

/// A running guardian.
pub struct RunningGuardian {
    /// The certificates API.
    pub rpc: SocketAddr,
    server: ServerHandle,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl RunningGuardian {
    /// Stops it.
    pub fn stop(self) {
        for task in self.tasks {
            task.abort();
        }
        let _ = self.server.stop();
    }
}

/// Starts the guardian of `config`.
pub fn start(config: GuardianConfig) -> BoxFuture<'static, Result<RunningGuardian, GuardianError>> {
    Box::pin(run(config))
}

async fn run(config: GuardianConfig) -> Result<RunningGuardian, GuardianError> {
    let bad =
        |what: &str, err: &dyn std::fmt::Display| GuardianError::Config(format!("{what}: {err}"));
    let set = Arc::new(config.guardian_set.set()?);
    let key = GuardianKey::from_bytes(config.key.as_slice())?;
    let member = set.members().get(config.index).ok_or_else(|| {
        GuardianError::Config(format!(
            "index {} is outside the set of {}",
            config.index,
            set.members().len()
        ))
    })?;
    if member.key != key.public() {
        return Err(GuardianError::Config(format!(
            "key is not member {}'s of the guardian set",
            config.index
        )));
    }
    if config.epoch_ms == 0 {
        return Err(GuardianError::Config("epoch_ms must be positive".into()));
    }
    let listen = config.listen.parse().map_err(|e| bad("listen", &e))?;
    let peers = config
        .peers
        .iter()
        .map(|p| p.parse().map_err(|e| bad("peers", &e)))
        .collect::<Result<Vec<_>, _>>()?;
    std::fs::create_dir_all(&config.datadir).map_err(|e| bad("datadir", &e))?;

    let l1 = match &config.l1_rpc {
        Some(url) => Some(
            url.parse()
                .map(|url| ProviderBuilder::new().connect_http(url).erased())
                .map_err(|e| bad("l1_rpc", &e))?,
        ),
        None => None,
    };
    let heads = Arc::new(Heads::default());
    let mut tasks = Vec::new();
    for chain in &config.chains {
        let framework = chain.framework()?;
        let settlement = chain.settlement()?;
        if let (Some(l1), Some(settles)) = (&l1, &settlement) {
            tasks.push(tokio::spawn(heads::watch_settlement(
                chain.chain_id,
                l1.clone(),
                settles.core,
                heads.clone(),
            )));
        }
        let commitment = settlement.map(|settles| settles.settlement);
        let state = config.datadir.join(format!("trusted-{}.json", chain.chain_id));
        tasks.push(tokio::spawn(heads::follow(
            chain.clone(),
            framework,
            commitment,
            heads.clone(),
            state,
        )));
    }
    match (&l1, config.registry) {
        (Some(l1), Some(registry)) => {
            tasks.push(tokio::spawn(heads::watch_registry(l1.clone(), registry, heads.clone())))
        }
        (None, Some(_)) => return Err(GuardianError::Config("registry needs l1_rpc".into())),
        _ => {}
    }
    let mut rounds = Rounds::new(config.index, key, set, config.domain);
    let rotations = config.datadir.join("rotations.json");
    if let Ok(text) = std::fs::read_to_string(&rotations) {
        let kept: Vec<Rotation> =
            serde_json::from_str(&text).map_err(|e| bad("datadir rotations.json", &e))?;
        rounds.on_rotations(kept).map_err(|e| bad("datadir rotations.json", &e))?;
    }
    let watch = EquivocationWatch::for_set(config.domain, rounds.set());
    let rounds = Arc::new(Mutex::new(rounds));
    let server = Server::builder().build(config.rpc).await.map_err(|e| bad("rpc", &e))?;
    let rpc = server.local_addr().map_err(|e| bad("rpc", &e))?;
    let handle = server.start(api(rounds.clone(), heads.clone(), config.index));

    let (to_gossip, outgoing) = mpsc::unbounded_channel();
    let (incoming_tx, incoming) = mpsc::unbounded_channel();
    let domain = config.domain;
    tasks.push(tokio::spawn(async move {
        if let Err(err) = gossip::run(domain, listen, peers, outgoing, incoming_tx).await {
            warn!(target: "tephra::guardian", %err, "gossip stopped");
        }
    }));
    let slasher = match &config.slasher {
        Some(slasher) => {
            let signer =
                PrivateKeySigner::from_bytes(&slasher.key).map_err(|e| bad("slasher.key", &e))?;
            let client =
                L1Client::new(&slasher.l1_rpc, signer).map_err(|e| bad("slasher.l1_rpc", &e))?;
            Some((client, slasher.registry))
        }
        None => None,
    };
    let faults = Faults { equivocate: config.equivocate };
    tasks.push(tokio::spawn(protocol(
        rounds,
        heads,
        (config.epoch_ms, rotations),
        (to_gossip, incoming),
        (watch, slasher),
        faults,
    )));
    info!(target: "tephra::guardian", index = config.index, %rpc, chains = config.chains.len(),
        "guardian started");
    Ok(RunningGuardian { rpc, server: handle, tasks })
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// Misbehaviour injected for tests.
#[derive(Debug, Clone, Copy)]
struct Faults {
    equivocate: bool,
}

/// Where equivocation evidence goes: the registry on the L1, through a funded client.
type Slasher = Option<(L1Client, Address)>;

/// Epochs of signatures the equivocation watch remembers.
const WATCHED_EPOCHS: u64 = 64;

/// The protocol loop: epochs, verified heads and gossip in, gossip out; every signature seen
/// goes through the equivocation watch.
async fn protocol(
    rounds: Arc<Mutex<Rounds>>,
    heads: Arc<Heads>,
    (epoch_ms, rotations): (u64, PathBuf),
    (to_gossip, mut incoming): (
        mpsc::UnboundedSender<GossipMessage>,
        mpsc::UnboundedReceiver<GossipMessage>,
    ),
    (mut watch, slasher): (EquivocationWatch, Slasher),
    faults: Faults,
) {
    let mut verified = heads.subscribe();
    let send = |messages: Vec<GossipMessage>| {
        for message in messages {
            if let GossipMessage::Signature { epoch, root, .. } = &message
                && faults.equivocate
            {
                let conflicting = rounds.lock().sign_unchecked(*epoch, keccak256(root));
                warn!(target: "tephra::guardian", epoch, "equivocating (fault injection)");
                let _ = to_gossip.send(conflicting);
            }
            if let GossipMessage::Certificate(certified) = &message {
                debug!(target: "tephra::guardian", epoch = certified.epoch,
                    chains = certified.leaves.len(), "certificate sent");
            }
            let _ = to_gossip.send(message);
        }
    };
    let mut set_id = rounds.lock().set().id();
    loop {
        // A rotation: the watch follows the new set, and the rotations are kept for restarts.
        {
            let rounds = rounds.lock();
            if rounds.set().id() != set_id {
                set_id = rounds.set().id();
                watch.watch_set(rounds.set());
                let text = serde_json::to_string(rounds.rotations()).expect("plain data");
                if let Err(err) = std::fs::write(&rotations, text) {
                    warn!(target: "tephra::guardian", %err, "cannot keep the rotations");
                }
            }
        }
        // The next epoch's start, and the current (or next) epoch's middle, when its backup
        // proposes if no proposal came.
        let now = now_ms();
        let next = (now / epoch_ms + 1) * epoch_ms;
        let middle = (now / epoch_ms) * epoch_ms + epoch_ms / 2;
        let middle = if middle > now { middle } else { middle + epoch_ms };
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(next.saturating_sub(now))) => {
                let epoch = now_ms() / epoch_ms;
                watch.forget_before(epoch.saturating_sub(WATCHED_EPOCHS));
                let out = rounds.lock().on_epoch(epoch, &*heads);
                send(out);
            }
            () = tokio::time::sleep(Duration::from_millis(middle.saturating_sub(now))) => {
                let out = rounds.lock().on_mid_epoch(middle / epoch_ms, &*heads);
                send(out);
            }
            changed = verified.changed() => {
                if changed.is_err() { return; }
                let out = rounds.lock().sign_ready(&*heads);
                send(out);
            }
            message = incoming.recv() => {
                let Some(message) = message else { return };
                // A signature the protocol accepted was checked against its signer's key;
                // the watch looks at it for a second checkpoint of the same epoch.
                let signed = match &message {
                    GossipMessage::Signature { epoch, root, signer, signature } => {
                        Signature::uncompress(signature).ok().map(|s| (*epoch, *root, *signer, s))
                    }
                    _ => None,
                };
                let result = {
                    let mut rounds = rounds.lock();
                    match message {
                        GossipMessage::Proposal { epoch, proposer, leaves, next_set } => {
                            rounds.on_proposal(epoch, proposer, leaves, next_set, &*heads)
                        }
                        GossipMessage::Signature { epoch, root, signer, signature } => {
                            rounds.on_signature(epoch, root, signer, &signature)
                        }
                        GossipMessage::Certificate(certified) => {
                            rounds.on_certificate(certified).map(|_| Vec::new())
                        }
                        GossipMessage::Rotations { rotations } => {
                            rounds.on_rotations(rotations).map(|_| Vec::new())
                        }
                    }
                };
                if let (Ok(_), Some((epoch, root, signer, signature))) = (&result, signed) {
                    let checkpoint = rounds.lock().checkpoint(epoch, root);
                    if let Ok(Some(evidence)) = watch.observe_verified(signer, checkpoint, signature) {
                        warn!(target: "tephra::guardian", guardian = evidence.guardian(),
                            epoch, "guardian signed two checkpoints for one epoch");
                        if let Some((client, registry)) = slasher.clone() {
                            tokio::spawn(slash(client, registry, evidence));
                        }
                    }
                }
                match result {
                    Ok(out) => send(out),
                    Err(refusal) => debug!(target: "tephra::guardian", %refusal, "refused"),
                }
            }
        }
    }
}

/// Submits `evidence` to the registry; another guardian may have been first (the registry
/// takes each piece of evidence once).
async fn slash(client: L1Client, registry: Address, evidence: Equivocation) {
    let guardian = evidence.guardian();
    let submit = async {
        let tx = Outgoing {
            what: format!("slash guardian {guardian}"),
            to: Some(registry),
            data: evidence.slash_calldata().into(),
            nonce: client.nonce(client.address()).await?,
            gas: Some(1_500_000),
            ..Outgoing::default()
        };
        let hash = client.submit(&tx).await?;
        client.confirm(&tx, hash).await
    };
    match submit.await {
        Ok(receipt) => info!(target: "tephra::guardian", guardian,
            tx = %receipt.transaction_hash, "slashed on the L1"),
        Err(err) => info!(target: "tephra::guardian", guardian, %err,
            "slashing not applied (evidence already used?)"),
    }
}

/// What `metalayer_status` answers.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// The guardian's index.
    pub index: usize,
    /// The latest verified head of each chain, and the settled head it would propose (a leaf
    /// with the [`crate::FINALIZED`] bit).
    pub heads: Vec<crate::Leaf>,
    /// The latest certificate's epoch.
    pub latest_certified_epoch: Option<u64>,
    /// The id of the guardian set it signs for now.
    pub guardian_set_id: u64,
}

fn api(rounds: Arc<Mutex<Rounds>>, heads: Arc<Heads>, index: usize) -> RpcModule<()> {
    let mut module = RpcModule::new(());
    let r = rounds.clone();
    module
        .register_method("metalayer_latestCertificate", move |_, _, _| {
            r.lock().latest_certificate().cloned()
        })
        .expect("unique method");
    let r = rounds.clone();
    module
        .register_method("metalayer_rotations", move |_, _, _| r.lock().rotations().to_vec())
        .expect("unique method");
    let r = rounds.clone();
    module
        .register_method("metalayer_certificatesAfter", move |params, _, _| {
            let (epoch, limit): (u64, Option<usize>) = params.parse()?;
            Ok::<Vec<CertifiedCheckpoint>, jsonrpsee::types::ErrorObjectOwned>(
                r.lock().certificates_after(epoch, limit.unwrap_or(64).min(256)),
            )
        })
        .expect("unique method");
    module
        .register_method("metalayer_status", move |_, _, _| {
            let rounds = rounds.lock();
            let status = Status {
                index,
                heads: heads.latest(),
                latest_certified_epoch: rounds.latest_certificate().map(|c| c.epoch),
                guardian_set_id: rounds.set().id(),
            };
            serde_json::to_value(status).expect("plain data")
        })
        .expect("unique method");
    module
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_consensus::Header;

    #[test]
    fn a_chains_isthmus_time_reaches_its_profile_and_only_op_stack_takes_one() {
        let chain = ChainConfig {
            chain_id: 901,
            rpc: "http://127.0.0.1:9545".into(),
            framework: "op-stack".into(),
            gas_token: GasToken::Eth,
            deployment: None,
            genesis: None,
            isthmus_time: Some(100),
        };
        let text = toml::to_string(&chain).unwrap();
        assert!(text.contains("isthmus_time = 100"), "{text}");
        assert_eq!(toml::from_str::<ChainConfig>(&text).unwrap(), chain);

        let (parent, header) = (
            Header { timestamp: 99, ..Default::default() },
            Header { timestamp: 100, ..Default::default() },
        );
        let upgrades = |chain: &ChainConfig| {
            chain.framework().unwrap().upgrade_transactions(&parent, &header).len()
        };
        assert_eq!(upgrades(&chain), 8, "Isthmus' network upgrade at 100");
        assert_eq!(upgrades(&ChainConfig { isthmus_time: None, ..chain.clone() }), 0);

        let nitro = ChainConfig { framework: "nitro".into(), ..chain };
        let Err(err) = nitro.framework() else { panic!("nitro has no Isthmus") };
        let err = err.to_string();
        assert!(err.contains("chain 901: rollup config: isthmus_time is an op-stack setting; a nitro rollup has no Isthmus"), "{err}");
    }
}
