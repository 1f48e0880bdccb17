//! A guardian's followers: one per rollup, each fetching every new block with its execution
//! witness over JSON-RPC, re-executing it statelessly against the state root it already trusts,
//! and reading the MerkleTreeHook's root from storage proven against the new state root. Only
//! then is the head verified: the protocol signs nothing else.
//!
//! A rollup that settles on an L1 also has a settled head: a follower computes the commitment
//! each verified block has on the settlement core ([`Settlement::commitment`]), and a watcher
//! ([`watch_settlement`]) reads the core's commitments; the newest one that is final and equals
//! the verified block's commitment makes that block the settled head. Its leaf, with the
//! [`FINALIZED`](crate::FINALIZED) bit, goes into checkpoints beside the chain's latest head: a
//! leader proposes a settled head only once it has been settled for [`SETTLED_SETTLE_TIME`], so
//! that the other guardians' watchers have most likely seen it too and the checkpoint does not
//! wait for them.
//!
//! A guardian that knows the L1 registry also reads the guardian set it holds
//! ([`watch_registry`]), for the protocol to hand over to it when it changes.

use super::{ChainConfig, GuardianError};
use crate::{
    Guardian, Leaf,
    abi::IGuardianRegistry,
    bls::g1_from_eip2537,
    guardian::rounds::{HeadCheck, VerifiedHeads},
    hyperlane::{TREE_DEPTH, stored_root},
    predeploy,
};
use alloy_consensus::Header;
use alloy_primitives::Address;
use alloy_primitives::{B256, Bytes, U256, keccak256};
use alloy_provider::{DynProvider, Provider, ProviderBuilder};
use alloy_rpc_types_debug::ExecutionWitness;
use alloy_rpc_types_eth::EIP1186AccountProofResponse;
use alloy_sol_types::{SolCall, sol};
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
use tephra_settlement::Settlement;
use tokio::sync::watch;
use tracing::{debug, info, warn};

/// How often a follower asks for the chain's head.
const POLL: Duration = Duration::from_millis(20);
/// Verified heads kept per chain (for checking proposals of slightly older heads).
const KEPT: usize = 4096;

/// How often the settlement watcher reads the L1.
const SETTLEMENT_POLL: Duration = Duration::from_millis(250);
/// The newest commitments a watcher looks at when it starts (older settled heads are of no use).
const SETTLEMENT_LOOKBACK: u64 = 16;
/// How long a head is settled here before this guardian proposes it (two watcher polls).
pub const SETTLED_SETTLE_TIME: Duration = Duration::from_millis(500);

/// A chain's settled head, when it became so, and the one before it.
#[derive(Debug, Clone, Copy)]
struct Settled {
    head: u64,
    since: Instant,
    before: Option<u64>,
}

impl Settled {
    /// The settled head to propose now.
    fn proposable(&self) -> Option<u64> {
        if self.since.elapsed() >= SETTLED_SETTLE_TIME { Some(self.head) } else { self.before }
    }
}

sol! {
    /// The settlement core's commitments (`contracts/src/settlement/RollupCore.sol`).
    interface IRollupCore {
        function commitmentCount() external view returns (uint256);
        function getCommitment(uint256 index) external view returns (bytes32 root, uint256 l2BlockNumber, uint256 timestamp);
        function isFinalized(uint256 index) external view returns (bool);
    }
}

/// A verified head, with its commitment on the settlement core (if the chain settles and it
/// is known: not for genesis or a head trusted from before a restart).
#[derive(Debug, Clone, Copy)]
struct Verified {
    leaf: Leaf,
    commitment: Option<B256>,
}

/// Every chain's verified heads, shared by the followers and the protocol.
#[derive(Debug)]
pub struct Heads {
    chains: RwLock<BTreeMap<u64, BTreeMap<u64, Verified>>>,
    /// Each settling chain's settled head.
    settled: RwLock<BTreeMap<u64, Settled>>,
    /// The guardian set the L1 registry holds, as last read, and since when.
    registry: RwLock<Option<(Vec<Guardian>, Instant)>>,
    /// Counts the heads verified or settled, so the protocol wakes on each.
    verified: watch::Sender<u64>,
}

impl Default for Heads {
    fn default() -> Self {
        Self {
            chains: RwLock::default(),
            settled: RwLock::default(),
            registry: RwLock::default(),
            verified: watch::channel(0).0,
        }
    }
}

impl Heads {
    fn insert(&self, leaf: Leaf, commitment: Option<B256>) {
        let mut chains = self.chains.write();
        let heads = chains.entry(leaf.chain_id).or_default();
        heads.insert(leaf.block_number, Verified { leaf, commitment });
        while heads.len() > KEPT {
            heads.pop_first();
        }
        drop(chains);
        self.verified.send_modify(|count| *count += 1);
    }

    /// Block `number` of `chain_id` is settled on L1 (and so is every block before it).
    fn settle(&self, chain_id: u64, number: u64) {
        let mut settled = self.settled.write();
        let before = settled.get(&chain_id).map(|s| s.head);
        if before.is_some_and(|head| head >= number) {
            return;
        }
        settled.insert(chain_id, Settled { head: number, since: Instant::now(), before });
        drop(settled);
        self.verified.send_modify(|count| *count += 1);
    }

    /// The registry holds `members` now.
    fn read_registry(&self, members: Vec<Guardian>) {
        let mut registry = self.registry.write();
        if registry.as_ref().is_some_and(|(read, _)| *read == members) {
            return;
        }
        *registry = Some((members, Instant::now()));
        drop(registry);
        self.verified.send_modify(|count| *count += 1);
    }

    /// The settled head of `chain_id`, if any.
    pub fn settled(&self, chain_id: u64) -> Option<u64> {
        self.settled.read().get(&chain_id).map(|s| s.head)
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

    /// The commitment of verified block `number` of `chain_id`: `None` if the block is not
    /// among the verified heads, `Some(None)` if its commitment is not known.
    fn commitment(&self, chain_id: u64, number: u64) -> Option<Option<B256>> {
        self.chains.read().get(&chain_id)?.get(&number).map(|v| v.commitment)
    }

    /// The newest verified block of `chain_id`.
    fn newest(&self, chain_id: u64) -> Option<u64> {
        self.chains.read().get(&chain_id)?.keys().next_back().copied()
    }
}

fn rpc(err: impl std::fmt::Display) -> GuardianError {
    GuardianError::Rpc(err.to_string())
}

impl VerifiedHeads for Heads {
    /// Each chain's latest head, and its proposable settled head (if kept) as a
    /// [`FINALIZED`](crate::FINALIZED) leaf.
    fn latest(&self) -> Vec<Leaf> {
        let chains = self.chains.read();
        let settled = self.settled.read();
        let mut leaves = Vec::new();
        for (chain_id, heads) in chains.iter() {
            leaves.extend(heads.values().next_back().map(|v| v.leaf));
            let settled = settled.get(chain_id).and_then(Settled::proposable);
            leaves.extend(settled.and_then(|number| heads.get(&number)).map(|v| v.leaf.settled()));
        }
        leaves
    }

    fn check(&self, leaf: &Leaf) -> HeadCheck {
        let chains = self.chains.read();
        let Some(heads) = chains.get(&leaf.chain()) else { return HeadCheck::Conflicts };
        let head = Leaf { chain_id: leaf.chain(), ..*leaf };
        let verified = match heads.get(&leaf.block_number) {
            Some(verified) if verified.leaf == head => HeadCheck::Verified,
            Some(_) => HeadCheck::Conflicts,
            None if heads.keys().next_back().is_some_and(|n| *n < leaf.block_number) => {
                HeadCheck::NotYet
            }
            // Older than what is kept: this guardian cannot vouch for it.
            None => HeadCheck::Conflicts,
        };
        if !leaf.is_settled() || verified != HeadCheck::Verified {
            return verified;
        }
        // A settled leaf also needs the L1 to have settled the block (or a later one).
        match self.settled(leaf.chain()) {
            Some(settled) if settled >= leaf.block_number => HeadCheck::Verified,
            _ => HeadCheck::NotYet,
        }
    }

    fn registry_members(&self) -> Option<Vec<Guardian>> {
        self.registry.read().as_ref().map(|(members, _)| members.clone())
    }

    /// The registry's set once this guardian has read it for [`SETTLED_SETTLE_TIME`], as a
    /// settled head: the others' watchers have then most likely read it too.
    fn proposable_registry_members(&self) -> Option<Vec<Guardian>> {
        let registry = self.registry.read();
        let (members, since) = registry.as_ref()?;
        (since.elapsed() >= SETTLED_SETTLE_TIME).then(|| members.clone())
    }
}

/// Reads the guardian set of the L1 `registry` forever ([`VerifiedHeads::registry_members`]):
/// every member in index order with its current stake, as `guardianSetArguments` gives them
/// (a slashed guardian keeps its place with what is left of its stake). L1 errors are logged
/// and retried.
pub(crate) async fn watch_registry(l1: DynProvider, registry: Address, heads: Arc<Heads>) {
    loop {
        match read_members(&l1, registry).await {
            Ok(members) => heads.read_registry(members),
            Err(err) => debug!(target: "tephra::guardian", %err, "registry watch retrying"),
        }
        tokio::time::sleep(SETTLEMENT_POLL).await;
    }
}

async fn read_members(l1: &DynProvider, registry: Address) -> Result<Vec<Guardian>, GuardianError> {
    let count = view(l1, registry, IGuardianRegistry::guardianCountCall {}).await?;
    let set = view(
        l1,
        registry,
        IGuardianRegistry::guardianSetArgumentsCall { start: U256::ZERO, count },
    )
    .await?;
    if set.publicKeys.len() != set.stakes.len() * 128 {
        return Err(GuardianError::Rpc("the registry's set arguments do not match".into()));
    }
    set.publicKeys
        .chunks(128)
        .zip(&set.stakes)
        .map(|(key, stake)| {
            Ok(Guardian {
                key: g1_from_eip2537(key)?,
                stake: u128::try_from(*stake)
                    .map_err(|_| GuardianError::Rpc("a stake above 2^128".into()))?,
            })
        })
        .collect()
}

/// Watches `chain_id`'s settlement core `core` on the L1 forever: each commitment that is final
/// there and equals the commitment of the block this guardian verified settles that block
/// ([`Heads::settled`]). A final commitment that differs is logged loudly and settles nothing.
/// L1 errors are logged and retried.
pub(crate) async fn watch_settlement(
    chain_id: u64,
    l1: DynProvider,
    core: Address,
    heads: Arc<Heads>,
) {
    let mut next = None;
    loop {
        tokio::time::sleep(SETTLEMENT_POLL).await;
        if let Err(err) = settle_step(chain_id, &l1, core, &heads, &mut next).await {
            debug!(target: "tephra::guardian", chain = chain_id, %err, "settlement watch retrying");
        }
    }
}

/// `call` of the contract at `to` on the L1, decoded.
async fn view<C: SolCall>(
    l1: &DynProvider,
    to: Address,
    call: C,
) -> Result<C::Return, GuardianError> {
    let request =
        alloy_rpc_types_eth::TransactionRequest::default().to(to).input(call.abi_encode().into());
    C::abi_decode_returns(&l1.call(request).await.map_err(rpc)?).map_err(rpc)
}

/// Looks at the commitments from `next` on, in order, until one is not final yet or its block
/// is not verified yet.
async fn settle_step(
    chain_id: u64,
    l1: &DynProvider,
    core: Address,
    heads: &Heads,
    next: &mut Option<u64>,
) -> Result<(), GuardianError> {
    let count = view(l1, core, IRollupCore::commitmentCountCall {}).await?.saturating_to::<u64>();
    let mut index = next.unwrap_or(count.saturating_sub(SETTLEMENT_LOOKBACK));
    while index < count {
        let final_ =
            view(l1, core, IRollupCore::isFinalizedCall { index: U256::from(index) }).await?;
        if !final_ {
            break;
        }
        let commitment =
            view(l1, core, IRollupCore::getCommitmentCall { index: U256::from(index) }).await?;
        let number = commitment.l2BlockNumber.saturating_to::<u64>();
        match heads.commitment(chain_id, number) {
            Some(Some(verified)) if verified == commitment.root => {
                heads.settle(chain_id, number);
            }
            Some(Some(verified)) => warn!(target: "tephra::guardian", chain = chain_id, index,
                number, l1 = %commitment.root, %verified,
                "the L1's final commitment differs from the verified block's; not settled"),
            // Verified before a restart (its commitment is not known), or no longer kept.
            Some(None) => {}
            None if heads.newest(chain_id).is_none_or(|newest| newest < number) => break,
            None => {}
        }
        index += 1;
    }
    *next = Some(index);
    Ok(())
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
    settlement: Option<Arc<dyn Settlement>>,
    heads: Arc<Heads>,
    state: PathBuf,
) {
    let id = chain.chain_id;
    let mut follower = match Follower::new(chain, framework, settlement, state) {
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
    settlement: Option<Arc<dyn Settlement>>,
    provider: DynProvider,
    trusted: Option<Trusted>,
    state: PathBuf,
}

impl Follower {
    fn new(
        chain: ChainConfig,
        framework: Arc<dyn Framework>,
        settlement: Option<Arc<dyn Settlement>>,
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
        Ok(Self { chain, spec, framework, settlement, provider, trusted, state })
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
            self.leaf(&trusted, None, heads).await?;
            self.trust(trusted)?;
            return Ok(true);
        };
        let head = self.provider.get_block_number().await.map_err(rpc)?;
        if head <= trusted.number {
            if !heads.has(self.chain.chain_id, trusted.number) {
                // Restarted: the trusted head's leaf is not in memory yet.
                self.leaf(&trusted, None, heads).await?;
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
        let settlement = self.settlement.clone();
        let (verified, commitment) = tokio::task::spawn_blocking(move || {
            let verified = verify_block(&spec, &*framework, &block, &witness, trusted.state_root)?;
            // What the block's commitment on the settlement core must be, from what was just
            // verified (a block whose commitment cannot be computed never settles).
            let commitment = settlement.and_then(|settlement| {
                settlement
                    .commitment(&block.header, &block.body.transactions, &verified.receipts)
                    .ok()
            });
            Ok::<_, tephra_chain::StatelessError>((verified, commitment))
        })
        .await
        .map_err(rpc)?
        .map_err(|err| GuardianError::Unverified { number, reason: err.to_string() })?;
        let next = Trusted { number, hash: verified.hash, state_root: verified.state_root };
        self.leaf(&next, commitment, heads).await?;
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
    /// and records the head as verified, with its `commitment` on the settlement core.
    async fn leaf(
        &self,
        head: &Trusted,
        commitment: Option<B256>,
        heads: &Heads,
    ) -> Result<(), GuardianError> {
        let unverified = |reason: String| GuardianError::Unverified { number: head.number, reason };
        let proof: EIP1186AccountProofResponse = self
            .provider
            .get_proof(predeploy::MERKLE_TREE_HOOK, predeploy::merkle_tree_slots())
            .number(head.number)
            .await
            .map_err(rpc)?;
        let outbox_root = outbox_root(head.state_root, &proof).map_err(unverified)?;
        let leaf = Leaf {
            chain_id: self.chain.chain_id,
            block_number: head.number,
            block_hash: head.hash,
            state_root: head.state_root,
            outbox_root,
        };
        heads.insert(leaf, commitment);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(chain_id: u64, number: u64) -> Leaf {
        Leaf {
            chain_id,
            block_number: number,
            block_hash: B256::with_last_byte(number as u8),
            state_root: B256::with_last_byte(0x40 + number as u8),
            outbox_root: B256::ZERO,
        }
    }

    #[test]
    fn a_settled_leaf_is_vouched_for_once_the_l1_settled_its_block_or_a_later_one() {
        let heads = Heads::default();
        for n in 1..=5 {
            heads.insert(leaf(901, n), Some(B256::repeat_byte(n as u8)));
        }
        assert_eq!(heads.commitment(901, 2), Some(Some(B256::repeat_byte(2))));
        assert_eq!(heads.commitment(901, 9), None);
        assert_eq!(heads.check(&leaf(901, 3)), HeadCheck::Verified);
        assert_eq!(heads.check(&leaf(901, 3).settled()), HeadCheck::NotYet, "not settled yet");
        heads.settle(901, 4);
        assert_eq!(heads.check(&leaf(901, 3).settled()), HeadCheck::Verified);
        assert_eq!(heads.check(&leaf(901, 4).settled()), HeadCheck::Verified);
        assert_eq!(heads.check(&leaf(901, 5).settled()), HeadCheck::NotYet);
        let forged = Leaf { block_hash: B256::repeat_byte(0xee), ..leaf(901, 3) }.settled();
        assert_eq!(heads.check(&forged), HeadCheck::Conflicts);
        assert_eq!(heads.check(&leaf(902, 3).settled()), HeadCheck::Conflicts, "unknown chain");
        // An older settlement changes nothing.
        heads.settle(901, 2);
        assert_eq!(heads.settled(901), Some(4));
    }

    #[test]
    fn a_settled_head_is_proposed_once_it_has_been_settled_for_a_while() {
        let heads = Heads::default();
        for n in 1..=5 {
            heads.insert(leaf(901, n), None);
        }
        heads.settle(901, 3);
        assert_eq!(heads.latest(), vec![leaf(901, 5)], "just settled: not proposed yet");
        std::thread::sleep(SETTLED_SETTLE_TIME);
        assert_eq!(heads.latest(), vec![leaf(901, 5), leaf(901, 3).settled()]);
        heads.settle(901, 5);
        assert_eq!(
            heads.latest(),
            vec![leaf(901, 5), leaf(901, 3).settled()],
            "the head settled before is proposed meanwhile"
        );
        std::thread::sleep(SETTLED_SETTLE_TIME);
        assert_eq!(heads.latest(), vec![leaf(901, 5), leaf(901, 5).settled()]);
    }
}
