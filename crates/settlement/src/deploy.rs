//! Deploying a rollup's L1 contracts, resumably: every step is recorded in a journal
//! (`deployment.json`) as it completes, so running the deployment again after an interruption
//! continues where it stopped instead of deploying twice.

use crate::{
    Contracts, L1Call, L1Client, Outgoing, RollupConfig, Settlement, SettlementError,
    artifacts::{self, Artifact},
    config::GasToken,
};
use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::{SolCall, SolValue, sol};
use serde::{Deserialize, Serialize};
use std::{fmt, path::Path};
use tracing::info;

sol! {
    function setEntryPoint(address entryPoint, bool enabled) external;
    function decimals() external view returns (uint8);
    function register(uint256 l2ChainId, address core, string framework) external;
    function isRegistered(uint256 l2ChainId) external view returns (bool);
}

/// Computes calldata (or constructor arguments) from the contracts deployed before.
pub type Encode = Box<dyn Fn(&Contracts) -> Bytes + Send + Sync>;

/// One step of a deployment.
pub enum Step {
    /// Deploy `artifact` as `name`, with constructor arguments from `args`.
    Deploy {
        /// The name it is recorded under.
        name: &'static str,
        /// What to deploy.
        artifact: Artifact,
        /// ABI-encoded constructor arguments.
        args: Encode,
    },
    /// Call the deployed contract `to` with calldata from `data`.
    Call {
        /// What the call does, as the journal records it.
        label: String,
        /// The name of the contract called.
        to: &'static str,
        /// The calldata.
        data: Encode,
    },
}

impl fmt::Debug for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

impl Step {
    /// Deploys `artifact` as `name`.
    pub fn deploy(
        name: &'static str,
        artifact: Artifact,
        args: impl Fn(&Contracts) -> Bytes + Send + Sync + 'static,
    ) -> Self {
        Self::Deploy { name, artifact, args: Box::new(args) }
    }

    /// Calls the deployed contract `to` with `data`; `label` names the call in the journal.
    pub fn call(
        label: String,
        to: &'static str,
        data: impl Fn(&Contracts) -> Bytes + Send + Sync + 'static,
    ) -> Self {
        Self::Call { label, to, data: Box::new(data) }
    }

    /// Enables the deployed `entry_point` on the rollup's core.
    pub fn enable_entry_point(entry_point: &'static str) -> Self {
        Self::call(format!("RollupCore.setEntryPoint({entry_point})"), "RollupCore", move |c| {
            setEntryPointCall { entryPoint: c[entry_point], enabled: true }.abi_encode().into()
        })
    }

    /// Registers the rollup `chain_id` of `framework` (its core deployed as `RollupCore`, or
    /// at `core`) in the contract named `RollupRegistry`.
    pub fn register(chain_id: u64, framework: &str, core: Option<Address>) -> Self {
        let framework = framework.to_string();
        Self::call(format!("RollupRegistry.register({chain_id})"), "RollupRegistry", move |c| {
            registerCall {
                l2ChainId: U256::from(chain_id),
                core: core.unwrap_or_else(|| c["RollupCore"]),
                framework: framework.clone(),
            }
            .abi_encode()
            .into()
        })
    }

    /// Deploys the rollup registry, owned by `owner`.
    pub fn deploy_registry(owner: Address) -> Self {
        Self::deploy("RollupRegistry", artifacts::ROLLUP_REGISTRY, move |_| {
            owner.abi_encode().into()
        })
    }

    /// The step's name in the journal.
    pub fn label(&self) -> String {
        match self {
            Self::Deploy { name, .. } => format!("deploy {name}"),
            Self::Call { label, .. } => label.clone(),
        }
    }
}

/// A transaction sent but not known to be mined when the journal was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    /// The step.
    pub label: String,
    /// The deployer's nonce it was sent with.
    pub nonce: u64,
}

/// A deployment on an L1 (a rollup's, or the network's shared contracts), as its journal
/// records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployment {
    /// The L1's chain id.
    pub l1_chain_id: u64,
    /// The rollup's chain id (0 for the network's shared contracts).
    pub l2_chain_id: u64,
    /// The rollup's framework (`network` for the shared contracts).
    pub framework: String,
    /// The account that deployed (the rollup's owner).
    pub deployer: Address,
    /// The L1 block the rollup derives its first block from: deposits before it are not the
    /// rollup's.
    pub l1_start_block: u64,
    /// Contracts deployed so far, by name.
    pub contracts: Contracts,
    /// Steps done, in order.
    pub done: Vec<String>,
    /// Steps sent but not known to be mined.
    pub pending: Vec<Pending>,
}

impl Deployment {
    /// The deployed contract `name`.
    pub fn contract(&self, name: &str) -> Result<Address, SettlementError> {
        self.contracts.get(name).copied().ok_or_else(|| {
            SettlementError::Config(format!("the rollup's deployment has no {name}"))
        })
    }

    /// Reads the journal at `path`; `None` if there is none.
    pub fn load(path: &Path) -> Result<Option<Self>, SettlementError> {
        let journal =
            |reason: String| SettlementError::Journal { path: path.display().to_string(), reason };
        match std::fs::read_to_string(path) {
            Ok(text) => {
                serde_json::from_str(&text).map(Some).map_err(|err| journal(err.to_string()))
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(journal(err.to_string())),
        }
    }

    /// Writes the journal to `path` atomically (a temporary file renamed over it).
    pub fn save(&self, path: &Path) -> Result<(), SettlementError> {
        let journal = |err: std::io::Error| SettlementError::Journal {
            path: path.display().to_string(),
            reason: err.to_string(),
        };
        let tmp = path.with_extension("json.tmp");
        let text = serde_json::to_string_pretty(self).expect("a deployment serializes");
        std::fs::write(&tmp, text + "\n").map_err(journal)?;
        std::fs::rename(&tmp, path).map_err(journal)
    }
}

/// Gas of a deployment step: the provider cannot estimate a constructor or call that reads a
/// contract deployed in the same batch, so steps carry limits that fit every contract here
/// (under EIP-170's 24 KiB).
const DEPLOY_GAS: u64 = 7_000_000;
/// Gas of a wiring call.
const CALL_GAS: u64 = 500_000;

/// Every step of `rollup`'s deployment: its core, then the framework's entry points and their
/// wiring; with `register`, its registration in the rollup's registry (deployed first, owned by
/// `deployer`, if the config names none).
pub fn rollup_steps(
    rollup: &RollupConfig,
    settlement: &dyn Settlement,
    gas_token_decimals: u8,
    register: Option<Address>,
) -> Vec<Step> {
    let (chain_id, window) = (rollup.chain_id, rollup.challenge_window_secs);
    let owner = RollupConfig::signer(&rollup.owner_key).address();
    let proposer = RollupConfig::signer(&rollup.proposer_key).address();
    let gas_token = rollup.gas_token.l1_address();
    let mut steps = vec![Step::deploy("RollupCore", artifacts::ROLLUP_CORE, move |_| {
        (
            U256::from(chain_id),
            owner,
            proposer,
            U256::from(window),
            gas_token,
            U256::from(gas_token_decimals),
        )
            .abi_encode_params()
            .into()
    })];
    steps.extend(settlement.entry_points(rollup));
    if let Some(deployer) = register {
        if rollup.registry.is_none() {
            steps.push(Step::deploy_registry(deployer));
        }
        steps.push(Step::register(rollup.chain_id, &rollup.framework, None));
    }
    steps
}

/// Deploys (or finishes deploying) `rollup`'s contracts on the L1 of `client`, journaling to
/// `journal`; with `register`, registers it too (see [`rollup_steps`]). A new deployment first
/// checks that the L1 answers, that its chain id is free, that the deployer and the proposer
/// have ETH and that the gas token is an ERC-20, before anything is sent.
pub fn deploy_rollup<'a>(
    client: &'a L1Client,
    rollup: &'a RollupConfig,
    settlement: &'a dyn Settlement,
    journal: &'a Path,
    register: bool,
) -> L1Call<'a, Deployment> {
    Box::pin(async move {
        let l1_chain_id = client.chain_id().await?;
        if Deployment::load(journal)?.is_none() {
            preflight(client, rollup, l1_chain_id).await?;
        }
        let decimals = gas_token_decimals(client, rollup.gas_token).await?;
        let steps = rollup_steps(rollup, settlement, decimals, register.then(|| client.address()));
        let known = rollup.registry.map(|registry| ("RollupRegistry", registry));
        let target =
            Target { l1_chain_id, l2_chain_id: rollup.chain_id, framework: &rollup.framework };
        run_with(client, journal, target, &steps, known).await
    })
}

/// Which deployment a journal must record.
struct Target<'a> {
    l1_chain_id: u64,
    l2_chain_id: u64,
    framework: &'a str,
}

/// Runs `steps` from `client`'s key, journaling to `journal`: every step not done yet is sent
/// at once, with consecutive nonces (deployed addresses follow from them, so later steps can
/// name earlier contracts before they are mined), then all are awaited. A journal left by an
/// interrupted run is resumed: a step whose nonce was used counts as done.
pub fn run<'a>(
    client: &'a L1Client,
    journal: &'a Path,
    l2_chain_id: u64,
    framework: &'a str,
    steps: &'a [Step],
) -> L1Call<'a, Deployment> {
    Box::pin(async move {
        let l1_chain_id = client.chain_id().await?;
        run_with(client, journal, Target { l1_chain_id, l2_chain_id, framework }, steps, None).await
    })
}

/// [`run`], with a contract deployed elsewhere that the steps name (`known`: name, address).
async fn run_with(
    client: &L1Client,
    journal: &Path,
    Target { l1_chain_id, l2_chain_id, framework }: Target<'_>,
    steps: &[Step],
    known: Option<(&str, Address)>,
) -> Result<Deployment, SettlementError> {
    let mut deployment = match Deployment::load(journal)? {
        Some(deployment) => {
            if (deployment.l1_chain_id, deployment.l2_chain_id) != (l1_chain_id, l2_chain_id)
                || deployment.framework != framework
                || deployment.deployer != client.address()
            {
                return Err(SettlementError::Journal {
                    path: journal.display().to_string(),
                    reason: format!(
                        "it records the {} deployment of chain {} by {} on L1 chain {}, not the \
                         {} deployment of chain {l2_chain_id} by {} on L1 chain {l1_chain_id}",
                        deployment.framework,
                        deployment.l2_chain_id,
                        deployment.deployer,
                        deployment.l1_chain_id,
                        framework,
                        client.address()
                    ),
                });
            }
            deployment
        }
        None => Deployment {
            l1_chain_id,
            l2_chain_id,
            framework: framework.to_string(),
            deployer: client.address(),
            l1_start_block: client.block_number().await?,
            contracts: Contracts::new(),
            done: Vec::new(),
            pending: Vec::new(),
        },
    };
    if let Some((name, address)) = known {
        deployment.contracts.insert(name.to_string(), address);
    }
    // What an interrupted run sent is done if its nonce was used (and, for a contract, if
    // its code is there: a reverted deployment is sent again).
    let used = client.nonce(client.address()).await?;
    for pending in std::mem::take(&mut deployment.pending) {
        if pending.nonce >= used {
            continue;
        }
        let step = steps.iter().find(|step| step.label() == pending.label);
        if let Some(Step::Deploy { name, .. }) = step {
            let address = client.address().create(pending.nonce);
            if client.code(address).await?.is_empty() {
                continue;
            }
            deployment.contracts.insert(name.to_string(), address);
        }
        deployment.done.push(pending.label);
    }
    let todo: Vec<&Step> =
        steps.iter().filter(|step| !deployment.done.contains(&step.label())).collect();
    if todo.is_empty() {
        deployment.save(journal)?;
        return Ok(deployment);
    }
    // Journal the whole batch before sending any of it.
    for (nonce, step) in (used..).zip(&todo) {
        if let Step::Deploy { name, .. } = step {
            deployment.contracts.insert(name.to_string(), client.address().create(nonce));
        }
        deployment.pending.push(Pending { label: step.label(), nonce });
    }
    deployment.save(journal)?;
    let mut sent = Vec::with_capacity(todo.len());
    for (nonce, step) in (used..).zip(&todo) {
        let tx = match step {
            Step::Deploy { artifact, args, .. } => Outgoing {
                data: artifact.deploy_code(&args(&deployment.contracts)),
                gas: Some(DEPLOY_GAS),
                ..Outgoing::default()
            },
            Step::Call { to, data, .. } => Outgoing {
                to: Some(deployment.contracts[*to]),
                data: data(&deployment.contracts),
                gas: Some(CALL_GAS),
                ..Outgoing::default()
            },
        };
        let tx = Outgoing { what: step.label(), nonce, ..tx };
        let hash = client.submit(&tx).await?;
        sent.push((tx, hash));
    }
    for (tx, hash) in sent {
        client.confirm(&tx, hash).await?;
        deployment.pending.retain(|pending| pending.label != tx.what);
        deployment.done.push(tx.what);
    }
    deployment.save(journal)?;
    info!(target: "tephra::settlement", chain = l2_chain_id, %framework, contracts = ?deployment.contracts, "deployed");
    Ok(deployment)
}

async fn preflight(
    client: &L1Client,
    rollup: &RollupConfig,
    l1_chain_id: u64,
) -> Result<(), SettlementError> {
    if l1_chain_id == rollup.chain_id {
        return Err(SettlementError::Config(format!(
            "chain id {} is the L1's own",
            rollup.chain_id
        )));
    }
    if let Some(registry) = rollup.registry {
        let output = client
            .call(
                registry,
                isRegisteredCall { l2ChainId: U256::from(rollup.chain_id) }.abi_encode().into(),
            )
            .await?;
        let taken = isRegisteredCall::abi_decode_returns(&output).map_err(|_| {
            SettlementError::Config(format!(
                "registry {registry} is not a rollup registry on this L1 (isRegistered answered \
                 {output})"
            ))
        })?;
        if taken {
            return Err(SettlementError::Config(format!(
                "chain id {} is taken: the L1's rollup registry {registry} already has a rollup with it",
                rollup.chain_id
            )));
        }
    }
    let deployer = ("deployer", client.address());
    let proposer = ("proposer", RollupConfig::signer(&rollup.proposer_key).address());
    for (role, address) in [deployer, proposer] {
        if client.balance(address).await?.is_zero() {
            return Err(SettlementError::Unfunded { role, address, chain_id: l1_chain_id });
        }
    }
    Ok(())
}

/// The decimals of the rollup's gas token: 18 for ETH, else the ERC-20's `decimals()`.
async fn gas_token_decimals(client: &L1Client, token: GasToken) -> Result<u8, SettlementError> {
    let GasToken::Erc20(address) = token else { return Ok(18) };
    let not_erc20 = |reason: String| {
        SettlementError::Config(format!("gas token {address} is not an ERC-20 on the L1: {reason}"))
    };
    if client.code(address).await?.is_empty() {
        return Err(not_erc20("no contract there".into()));
    }
    let output = client
        .call(address, decimalsCall {}.abi_encode().into())
        .await
        .map_err(|err| not_erc20(err.to_string()))?;
    decimalsCall::abi_decode_returns(&output).map_err(|err| not_erc20(err.to_string()))
}
