//! A guardian's followers: one per rollup, each fetching every new block with its execution
//! witness over JSON-RPC, re-executing it statelessly against the state root it already trusts,
//! and reading the MerkleTreeHook's root from storage proven against the new state root. Only
//! then is the head verified: the protocol signs nothing else.

use super::{ChainConfig, GuardianError};
use crate::{
    Leaf,
    guardian::rounds::{HeadCheck, VerifiedHeads},
    hyperlane::{TREE_DEPTH, stored_root},
    predeploy,
};
use alloy_consensus::Header;
use alloy_primitives::{B256, Bytes, U256, keccak256};
use alloy_provider::{DynProvider, Provider, ProviderBuilder};
use alloy_rpc_types_debug::ExecutionWitness;
use alloy_rpc_types_eth::EIP1186AccountProofResponse;
use alloy_trie::{Nibbles, TrieAccount, proof::verify_proof};
use parking_lot::RwLock;
use serde::{Deserialize, Serialize};
use std::{
    collections::BTreeMap,
    path::PathBuf,
    sync::Arc,
    time::{Duration, Instant},
};
use tephra_chain::{ChainSpec, Framework, verify_block};
use tokio::sync::watch;
use tracing::{debug, info, warn};

/// How often a follower asks for the chain's head.
const POLL: Duration = Duration::from_millis(20);
/// Verified heads kept per chain (for checking proposals of slightly older heads).
const KEPT: usize = 4096;

/// Every chain's verified heads, shared by the followers and the protocol.
#[derive(Debug)]
pub struct Heads {
    chains: RwLock<BTreeMap<u64, BTreeMap<u64, Leaf>>>,
    /// Counts the heads verified, so the protocol wakes on each.
    verified: watch::Sender<u64>,
}

impl Default for Heads {
    fn default() -> Self {
        Self { chains: RwLock::default(), verified: watch::channel(0).0 }
    }
}

impl Heads {
    fn insert(&self, leaf: Leaf) {
        let mut chains = self.chains.write();
        let heads = chains.entry(leaf.chain_id).or_default();
        heads.insert(leaf.block_number, leaf);
        while heads.len() > KEPT {
            heads.pop_first();
        }
        drop(chains);
        self.verified.send_modify(|count| *count += 1);
    }
}

impl Heads {
    /// A receiver that sees every newly verified head.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.verified.subscribe()
    }

    /// Whether block `number` of `chain_id` is among the verified heads.
    pub fn has(&self, chain_id: u64, number: u64) -> bool {
        self.chains.read().get(&chain_id).is_some_and(|heads| heads.contains_key(&number))
    }
}

fn rpc(err: impl std::fmt::Display) -> GuardianError {
    GuardianError::Rpc(err.to_string())
}

impl VerifiedHeads for Heads {
    fn latest(&self) -> Vec<Leaf> {
        self.chains
            .read()
            .values()
            .filter_map(|heads| heads.values().next_back().copied())
            .collect()
    }

    fn check(&self, leaf: &Leaf) -> HeadCheck {
        let chains = self.chains.read();
        let Some(heads) = chains.get(&leaf.chain_id) else { return HeadCheck::Conflicts };
        match heads.get(&leaf.block_number) {
            Some(verified) if verified == leaf => HeadCheck::Verified,
            Some(_) => HeadCheck::Conflicts,
            None if heads.keys().next_back().is_some_and(|n| *n < leaf.block_number) => {
                HeadCheck::NotYet
            }
            // Older than what is kept: this guardian cannot vouch for it.
            None => HeadCheck::Conflicts,
        }
    }
}

/// The head a follower trusts, kept across restarts.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Trusted {
    number: u64,
    hash: B256,
    state_root: B256,
}

/// Follows one chain forever, verifying each block; logs and retries on RPC errors, and stops
/// following (loudly) at a block that does not verify.
pub(crate) async fn follow(
    chain: ChainConfig,
    framework: Arc<dyn Framework>,
    heads: Arc<Heads>,
    state: PathBuf,
) {
    let id = chain.chain_id;
    let mut follower = match Follower::new(chain, framework, state) {
        Ok(follower) => follower,
        Err(err) => {
            warn!(target: "tephra::guardian", chain = id, %err, "cannot follow");
            return;
        }
    };
    loop {
        match follower.step(&heads).await {
            Ok(true) => {}
            Ok(false) => tokio::time::sleep(POLL).await,
            Err(GuardianError::Unverified { number, reason }) => {
                warn!(target: "tephra::guardian", chain = id, number, %reason,
                    "block does not verify; this guardian signs no later head of the chain");
                return;
            }
            Err(err) => {
                debug!(target: "tephra::guardian", chain = id, %err, "follower retrying");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}

struct Follower {
    chain: ChainConfig,
    spec: ChainSpec,
    framework: Arc<dyn Framework>,
    provider: DynProvider,
    trusted: Option<Trusted>,
    state: PathBuf,
}

impl Follower {
    fn new(
        chain: ChainConfig,
        framework: Arc<dyn Framework>,
        state: PathBuf,
    ) -> Result<Self, GuardianError> {
        let url = chain.rpc.parse().map_err(|err| {
            GuardianError::Config(format!(
                "chain {}: rpc {:?} is not a URL: {err}",
                chain.chain_id, chain.rpc
            ))
        })?;
        let provider = ProviderBuilder::new().connect_http(url).erased();
        let trusted = match std::fs::read_to_string(&state) {
            Ok(text) => Some(
                serde_json::from_str(&text)
                    .map_err(|err| GuardianError::Config(format!("{}: {err}", state.display())))?,
            ),
            Err(_) => None,
        };
        let spec = ChainSpec::latest(chain.chain_id);
        Ok(Self { chain, spec, framework, provider, trusted, state })
    }

    /// Verifies the next block if there is one; `Ok(false)` when caught up.
    async fn step(&mut self, heads: &Heads) -> Result<bool, GuardianError> {
        let Some(trusted) = self.trusted else {
            // The first start trusts the chain's genesis: the one the config pins, if any.
            let genesis = self.header(0).await?;
            let trusted =
                Trusted { number: 0, hash: genesis.hash_slow(), state_root: genesis.state_root };
            if let Some(pinned) = self.chain.genesis
                && pinned != trusted.hash
            {
                return Err(GuardianError::Unverified {
                    number: 0,
                    reason: format!("genesis {} is not the configured {pinned}", trusted.hash),
                });
            }
            info!(target: "tephra::guardian", chain = self.chain.chain_id, hash = %trusted.hash,
                "trusting the chain's genesis");
            self.leaf(&trusted, heads).await?;
            self.trust(trusted)?;
            return Ok(true);
        };
        let head = self.provider.get_block_number().await.map_err(rpc)?;
        if head <= trusted.number {
            if !heads.has(self.chain.chain_id, trusted.number) {
                // Restarted: the trusted head's leaf is not in memory yet.
                self.leaf(&trusted, heads).await?;
            }
            return Ok(false);
        }
        let number = trusted.number + 1;
        let started = Instant::now();
        let raw: Bytes = self
            .provider
            .raw_request("debug_getRawBlock".into(), (format!("{number:#x}"),))
            .await
            .map_err(rpc)?;
        let witness: ExecutionWitness = self
            .provider
            .raw_request("debug_executionWitness".into(), (format!("{number:#x}"),))
            .await
            .map_err(rpc)?;
        let block = tephra_primitives::block::decode_block(&raw)
            .map_err(|err| GuardianError::Unverified { number, reason: err.to_string() })?;
        if block.header.parent_hash != trusted.hash {
            return Err(GuardianError::Unverified {
                number,
                reason: format!(
                    "its parent {} is not the trusted block {}",
                    block.header.parent_hash, trusted.hash
                ),
            });
        }
        let (spec, framework) = (self.spec.clone(), self.framework.clone());
        let verified = tokio::task::spawn_blocking(move || {
            verify_block(&spec, &*framework, &block, &witness, trusted.state_root)
        })
        .await
        .map_err(rpc)?
        .map_err(|err| GuardianError::Unverified { number, reason: err.to_string() })?;
        let next = Trusted { number, hash: verified.hash, state_root: verified.state_root };
        self.leaf(&next, heads).await?;
        self.trust(next)?;
        debug!(target: "tephra::guardian", chain = self.chain.chain_id, number,
            elapsed = ?started.elapsed(), "verified");
        Ok(true)
    }

    async fn header(&self, number: u64) -> Result<Header, GuardianError> {
        let raw: Bytes = self
            .provider
            .raw_request("debug_getRawHeader".into(), (format!("{number:#x}"),))
            .await
            .map_err(rpc)?;
        alloy_rlp::Decodable::decode(&mut raw.as_ref())
            .map_err(|err| GuardianError::Rpc(format!("header {number}: {err}")))
    }

    /// Reads the MerkleTreeHook's tree at `head` with storage proofs against its state root,
    /// and records the head as verified.
    async fn leaf(&self, head: &Trusted, heads: &Heads) -> Result<(), GuardianError> {
        let unverified = |reason: String| GuardianError::Unverified { number: head.number, reason };
        let proof: EIP1186AccountProofResponse = self
            .provider
            .get_proof(predeploy::MERKLE_TREE_HOOK, predeploy::merkle_tree_slots())
            .number(head.number)
            .await
            .map_err(rpc)?;
        let outbox_root = outbox_root(head.state_root, &proof).map_err(unverified)?;
        heads.insert(Leaf {
            chain_id: self.chain.chain_id,
            block_number: head.number,
            block_hash: head.hash,
            state_root: head.state_root,
            outbox_root,
        });
        Ok(())
    }

    fn trust(&mut self, trusted: Trusted) -> Result<(), GuardianError> {
        let text = serde_json::to_string(&trusted).expect("plain data");
        let tmp = self.state.with_extension("tmp");
        std::fs::write(&tmp, text)
            .and_then(|()| std::fs::rename(&tmp, &self.state))
            .map_err(|err| GuardianError::Config(format!("{}: {err}", self.state.display())))?;
        self.trusted = Some(trusted);
        Ok(())
    }
}

/// The MerkleTreeHook's root from its proven storage (`eth_getProof` of the hook and
/// [`predeploy::merkle_tree_slots`]): the hook's account proof against `state_root`, each
/// slot's proof against the account's storage root, then `MerkleLib.root` of the words.
pub fn outbox_root(state_root: B256, proof: &EIP1186AccountProofResponse) -> Result<B256, String> {
    if proof.address != predeploy::MERKLE_TREE_HOOK {
        return Err(format!("a proof of {} instead of the MerkleTreeHook", proof.address));
    }
    let account = TrieAccount {
        nonce: proof.nonce,
        balance: proof.balance,
        storage_root: proof.storage_hash,
        code_hash: proof.code_hash,
    };
    verify_proof(
        state_root,
        Nibbles::unpack(keccak256(proof.address)),
        Some(alloy_rlp::encode(account)),
        &proof.account_proof,
    )
    .map_err(|err| format!("MerkleTreeHook account proof: {err}"))?;
    let slots = predeploy::merkle_tree_slots();
    if proof.storage_proof.len() != slots.len() {
        return Err(format!(
            "{} storage proofs for {} slots",
            proof.storage_proof.len(),
            slots.len()
        ));
    }
    let mut words = Vec::with_capacity(slots.len());
    for (slot, storage) in slots.iter().zip(&proof.storage_proof) {
        if storage.key.as_b256() != *slot {
            return Err(format!(
                "storage proof for {} instead of slot {slot}",
                storage.key.as_b256()
            ));
        }
        let expected = (!storage.value.is_zero()).then(|| alloy_rlp::encode(storage.value));
        verify_proof(
            proof.storage_hash,
            Nibbles::unpack(keccak256(slot)),
            expected,
            &storage.proof,
        )
        .map_err(|err| format!("MerkleTreeHook slot {slot}: {err}"))?;
        words.push(B256::from(storage.value));
    }
    let branch: [B256; TREE_DEPTH] = words[..TREE_DEPTH].try_into().expect("32 words");
    let count = U256::from_be_bytes(words[TREE_DEPTH].0);
    Ok(stored_root(&branch, count.saturating_to()))
}
