//! The Metalayer of `tephra up`: ERA and the GuardianRegistry on the L1 with the guardians
//! registered and staked, the Metalayer predeploys in every rollup's genesis (holding the
//! registry's guardian set), then one `tephra guardian` process per guardian, one importer
//! task per rollup (certificates into its inbox through its sequencer) and one `tephra relayer`
//! process. Also the `tephra guardian` and `tephra relayer` commands.

use alloy_genesis::GenesisAccount;
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, SolValue};
use clap::Args;
use eyre::WrapErr;
use std::{
    collections::BTreeMap,
    net::IpAddr,
    path::{Path, PathBuf},
    process::Stdio,
    sync::Arc,
};
use tephra_metalayer::{
    GuardianKey, GuardianSet,
    abi::{IEraToken, IGuardianRegistry},
    artifacts,
    guardian::{
        self, ChainConfig, GuardianConfig, GuardianSetConfig, SlasherConfig,
        rounds::{Rotation, SetMember},
    },
    importer::{self, ImporterConfig},
    predeploy::{self, MetalayerGenesis},
    registry::{self, GuardianRecord},
    relayer::{self, RelayChain, RelayerConfig},
};
use tephra_node::SequencerCalls;
use tephra_settlement::{
    Contracts, L1Client, Step,
    network::{GuardianEntry, MetalayerConfig, MetalayerEntry, ProcessEntry, role_key},
};
use tokio::{
    process::{Child, Command},
    task::JoinHandle,
};

/// The set id of the guardian set the network starts with.
const GUARDIAN_SET_ID: u64 = 1;
/// The index of the standard mnemonic's account that pays the relayer's transactions.
const RELAYER_ACCOUNT: u32 = 100;
/// The index of the account every rollup's sequencer sends its imports of certificates from.
const IMPORTER_ACCOUNT: u32 = 101;
/// The index of the account that pays guardian 0's slashing transactions on the L1 (guardian
/// `i`'s is this plus `i`).
const SLASHER_ACCOUNTS: u32 = 200;
/// Native tokens the relayer's and the importer's accounts hold on every rollup from genesis.
const RELAYER_BALANCE_ETHER: u64 = 1_000;

/// Flags of `tephra guardian`.
#[derive(Debug, Args)]
pub(crate) struct GuardianArgs {
    /// The guardian's `guardian.toml`.
    #[arg(long)]
    config: PathBuf,
    /// Exit when standard input closes (how `tephra up` ties its guardians to itself).
    #[arg(long, hide = true)]
    exit_with_parent: bool,
    /// Fault injection for tests: sign a second, conflicting checkpoint every epoch, so that
    /// the other guardians slash this one.
    #[arg(long, hide = true)]
    equivocate: bool,
}

/// Flags of `tephra relayer`.
#[derive(Debug, Args)]
pub(crate) struct RelayerArgs {
    /// The relayer's `relayer.toml`.
    #[arg(long)]
    config: PathBuf,
    /// Exit when standard input closes.
    #[arg(long, hide = true)]
    exit_with_parent: bool,
}

/// `tephra guardian`: runs one guardian until interrupted.
pub(crate) async fn guardian(args: GuardianArgs) -> eyre::Result<()> {
    let text = std::fs::read_to_string(&args.config)
        .wrap_err_with(|| format!("reading {}", args.config.display()))?;
    let mut config = GuardianConfig::from_toml(&text)
        .wrap_err_with(|| format!("guardian config {}", args.config.display()))?;
    config.equivocate = args.equivocate;
    let running = guardian::start(config).await?;
    println!("tephra: guardian serving certificates on http://{}", running.rpc);
    until_stopped(args.exit_with_parent).await?;
    running.stop();
    Ok(())
}

/// `tephra relayer`: runs the relayer until interrupted.
pub(crate) async fn relayer(args: RelayerArgs) -> eyre::Result<()> {
    let text = std::fs::read_to_string(&args.config)
        .wrap_err_with(|| format!("reading {}", args.config.display()))?;
    let config = RelayerConfig::from_toml(&text)
        .wrap_err_with(|| format!("relayer config {}", args.config.display()))?;
    let task = tokio::spawn(relayer::run(config));
    tokio::select! {
        stopped = until_stopped(args.exit_with_parent) => stopped?,
        ended = task => ended??,
    }
    Ok(())
}

/// Waits for Ctrl-C, SIGTERM or (with `exit_with_parent`) the end of standard input.
async fn until_stopped(exit_with_parent: bool) -> eyre::Result<()> {
    let parent_gone = async {
        if !exit_with_parent {
            return std::future::pending().await;
        }
        use tokio::io::AsyncReadExt;
        let mut stdin = tokio::io::stdin();
        let mut buf = [0u8; 64];
        while stdin.read(&mut buf).await.is_ok_and(|n| n > 0) {}
    };
    tokio::select! {
        signal = crate::shutdown_signal() => signal,
        () = parent_gone => Ok(()),
    }
}

/// The network's guardians: their dev keys (derived from their index, as the accounts are
/// from the standard mnemonic) and stakes.
pub(crate) struct Guardians {
    keys: Vec<GuardianKey>,
    stake: U256,
}

impl Guardians {
    /// The `config.guardians` guardians of the network.
    pub(crate) fn new(config: &MetalayerConfig) -> eyre::Result<Self> {
        let keys = (0..config.guardians)
            .map(|i| {
                GuardianKey::from_ikm(keccak256(format!("tephra dev guardian {i}")).as_slice())
            })
            .collect::<Result<_, _>>()?;
        let stake = U256::from(config.stake) * U256::from(10u64).pow(U256::from(18u64));
        Ok(Self { keys, stake })
    }

    /// The L1 accounts that pay each guardian's slashing transactions.
    pub(crate) fn slashers(&self) -> Vec<PrivateKeySigner> {
        (0..self.keys.len() as u32)
            .map(|i| PrivateKeySigner::from_bytes(&role_key(SLASHER_ACCOUNTS + i)).expect("a key"))
            .collect()
    }

    /// The L1 steps: ERA (its supply to `holder`), the GuardianRegistry, the registry's
    /// allowance, and each guardian's registration with its stake.
    pub(crate) fn l1_steps(&self, holder: Address) -> Vec<Step> {
        if self.keys.is_empty() {
            return Vec::new();
        }
        let total = self.stake * U256::from(self.keys.len());
        let mut steps = vec![
            Step::deploy("EraToken", artifacts::ERA_TOKEN, move |_| holder.abi_encode().into()),
            Step::deploy("GuardianRegistry", artifacts::GUARDIAN_REGISTRY, |c| {
                c["EraToken"].abi_encode().into()
            }),
            Step::call("EraToken.approve(GuardianRegistry)".into(), "EraToken", move |c| {
                IEraToken::approveCall { spender: c["GuardianRegistry"], value: total }
                    .abi_encode()
                    .into()
            }),
        ];
        for (index, key) in self.keys.iter().enumerate() {
            let data =
                registry::register_calldata(&key.public(), &key.proof_of_possession(), self.stake);
            steps.push(Step::call(
                format!("GuardianRegistry.register(guardian {index})"),
                "GuardianRegistry",
                move |_| data.clone().into(),
            ));
        }
        steps
    }
}

/// The network's guardian set and domain, as the L1's registry holds them.
pub(crate) struct Registered {
    pub(crate) set: GuardianSet,
    pub(crate) domain: B256,
    registry: Address,
    relayer: PrivateKeySigner,
    importer: PrivateKeySigner,
}

/// Reads the guardian set and the checkpoint domain from the registry in `contracts`. The set
/// is the network's first (the rollups' genesis inboxes hold it, and later sets come by
/// rotation): read on the first start, it is kept in `<datadir>/metalayer/first-set.json` and
/// taken from there on every restart, whatever the registry holds by then.
pub(crate) async fn read_registry(
    l1: &L1Client,
    contracts: &Contracts,
    datadir: &Path,
) -> eyre::Result<Registered> {
    let registry = contracts["GuardianRegistry"];
    let call = |data: Vec<u8>| l1.call(registry, data.into());
    let count = IGuardianRegistry::guardianCountCall::abi_decode_returns(
        &call(IGuardianRegistry::guardianCountCall {}.abi_encode()).await?,
    )?;
    let mut records = Vec::new();
    for index in 0..count.to::<u64>() {
        let answer =
            call(IGuardianRegistry::guardianCall { index: U256::from(index) }.abi_encode()).await?;
        let view = IGuardianRegistry::guardianCall::abi_decode_returns(&answer)?;
        records.push(GuardianRecord::from_view(view)?);
    }
    let domain = IGuardianRegistry::domainCall::abi_decode_returns(
        &call(IGuardianRegistry::domainCall {}.abi_encode()).await?,
    )?;
    let kept = datadir.join("metalayer").join("first-set.json");
    let set = match std::fs::read_to_string(&kept) {
        Ok(text) => {
            let members: Vec<SetMember> = serde_json::from_str(&text)
                .wrap_err_with(|| format!("reading {}", kept.display()))?;
            Rotation::members_set(GUARDIAN_SET_ID, &members)?
        }
        Err(_) => {
            let set = registry::guardian_set(GUARDIAN_SET_ID, &records)?;
            std::fs::create_dir_all(kept.parent().expect("a parent"))?;
            std::fs::write(&kept, serde_json::to_string(&SetMember::of(set.members()))?)
                .wrap_err_with(|| format!("writing {}", kept.display()))?;
            set
        }
    };
    let relayer = PrivateKeySigner::from_bytes(&role_key(RELAYER_ACCOUNT))?;
    let importer = PrivateKeySigner::from_bytes(&role_key(IMPORTER_ACCOUNT))?;
    Ok(Registered { set, domain, registry, relayer, importer })
}

impl Registered {
    /// The genesis accounts every rollup adds: the Metalayer predeploys (owned by `owner`,
    /// pricing messages to `remote_domains`) and the relayer's and the importer's funded
    /// accounts.
    pub(crate) fn genesis(
        &self,
        chain_id: u64,
        owner: Address,
        remote_domains: Vec<u64>,
    ) -> eyre::Result<BTreeMap<Address, GenesisAccount>> {
        let mut accounts = MetalayerGenesis {
            chain_id,
            domain: self.domain,
            guardians: &self.set,
            owner,
            remote_domains,
        }
        .accounts()?;
        let balance = U256::from(RELAYER_BALANCE_ETHER) * U256::from(10u64).pow(U256::from(18u64));
        for account in [&self.relayer, &self.importer] {
            accounts.insert(account.address(), GenesisAccount::default().with_balance(balance));
        }
        Ok(accounts)
    }

    /// A rollup sequencer's slot for the calls its importer hands over, signed by the
    /// importer's key.
    pub(crate) fn sequencer_calls(&self) -> Arc<SequencerCalls> {
        Arc::new(SequencerCalls::new(self.importer.clone()))
    }
}

/// A rollup the guardians follow, its importer feeds and the relayer serves.
pub(crate) struct FollowedChain {
    pub(crate) chain_id: u64,
    pub(crate) rpc: String,
    pub(crate) framework: String,
    pub(crate) gas_token: tephra_settlement::GasToken,
    pub(crate) deployment: PathBuf,
    pub(crate) genesis: B256,
    /// op-stack: when it activates Isthmus.
    pub(crate) isthmus_time: Option<u64>,
    /// Its sequencer's slot for imports ([`Registered::sequencer_calls`]).
    pub(crate) sequencer_calls: Arc<SequencerCalls>,
}

/// The guardian and relayer processes, killed when dropped, and the importer tasks.
pub(crate) struct Processes {
    children: Vec<Child>,
    importers: Vec<JoinHandle<()>>,
}

impl Processes {
    /// Stops every importer and every process.
    pub(crate) async fn stop(mut self) {
        for importer in &self.importers {
            importer.abort();
        }
        for child in &mut self.children {
            let _ = child.kill().await;
        }
    }
}

/// Writes each guardian's and the relayer's config under `<datadir>/metalayer` and starts
/// them as `tephra guardian` and `tephra relayer` processes, and each chain's importer once
/// the guardians are started.
pub(crate) async fn start_processes(
    guardians: &Guardians,
    registered: &Registered,
    config: &MetalayerConfig,
    chains: &[FollowedChain],
    l1_rpc: &str,
    host: IpAddr,
    datadir: &Path,
) -> eyre::Result<(MetalayerEntry, Processes)> {
    let slashers = guardians.slashers();
    let dir = datadir.join("metalayer");
    std::fs::create_dir_all(&dir).wrap_err_with(|| format!("creating {}", dir.display()))?;
    let pops: Vec<_> = guardians.keys.iter().map(GuardianKey::proof_of_possession).collect();
    let set_config = GuardianSetConfig::new(&registered.set, &pops);
    let gossip = |index: usize| format!("/ip4/{host}/tcp/{}", config.ports_of(index).0);
    let api = |index: usize| format!("http://{host}:{}", config.ports_of(index).1);
    let mut children = Vec::new();
    let mut entries = Vec::new();
    for (index, key) in guardians.keys.iter().enumerate() {
        let guardian_config = GuardianConfig {
            index,
            key: B256::from(key.secret_bytes()),
            domain: registered.domain,
            epoch_ms: config.epoch_ms,
            listen: gossip(index),
            peers: (0..guardians.keys.len()).filter(|i| *i != index).map(gossip).collect(),
            rpc: (host, config.ports_of(index).1).into(),
            datadir: dir.join(format!("guardian-{index}")),
            guardian_set: set_config.clone(),
            l1_rpc: Some(l1_rpc.to_string()),
            registry: Some(registered.registry),
            slasher: Some(SlasherConfig {
                l1_rpc: l1_rpc.to_string(),
                registry: registered.registry,
                key: slashers[index].to_bytes(),
            }),
            equivocate: false,
            chains: chains
                .iter()
                .map(|chain| ChainConfig {
                    chain_id: chain.chain_id,
                    rpc: chain.rpc.clone(),
                    framework: chain.framework.clone(),
                    gas_token: chain.gas_token,
                    deployment: Some(chain.deployment.clone()),
                    genesis: Some(chain.genesis),
                    isthmus_time: chain.isthmus_time,
                })
                .collect(),
        };
        let path = dir.join(format!("guardian-{index}.toml"));
        std::fs::write(&path, guardian_config.to_toml())
            .wrap_err_with(|| format!("writing {}", path.display()))?;
        let log = dir.join(format!("guardian-{index}.log"));
        let child = spawn("guardian", &path, &log)?;
        entries.push(GuardianEntry {
            index,
            public_key: Bytes::from(key.public().compress().to_vec()),
            private_key: B256::from(key.secret_bytes()),
            stake: registered.set.members()[index].stake.to_string(),
            gossip: gossip(index),
            api: api(index),
            process: ProcessEntry {
                pid: child.id().unwrap_or(0),
                config: path,
                log,
                address: None,
            },
        });
        children.push(child);
    }
    let importers = chains
        .iter()
        .map(|chain| {
            let config = ImporterConfig {
                chain_id: chain.chain_id,
                rpc: chain.rpc.clone(),
                guardians: (0..guardians.keys.len()).map(api).collect(),
                poll_ms: importer::POLL_MS,
            };
            let calls = chain.sequencer_calls.clone();
            tokio::spawn(async move {
                if let Err(err) = importer::run(config, calls).await {
                    tracing::error!(target: "tephra::importer", %err, "importer stopped");
                }
            })
        })
        .collect();
    let relayer_config = RelayerConfig {
        guardians: (0..guardians.keys.len()).map(api).collect(),
        poll_ms: 20,
        require_gas_payment: true,
        submit_after_ms: config.relayer_submit_after_ms,
        chains: chains
            .iter()
            .map(|chain| RelayChain {
                chain_id: chain.chain_id,
                rpc: chain.rpc.clone(),
                key: registered.relayer.to_bytes(),
            })
            .collect(),
    };
    let path = dir.join("relayer.toml");
    std::fs::write(&path, relayer_config.to_toml())
        .wrap_err_with(|| format!("writing {}", path.display()))?;
    let log = dir.join("relayer.log");
    let child = spawn("relayer", &path, &log)?;
    let relayer = ProcessEntry {
        pid: child.id().unwrap_or(0),
        config: path,
        log,
        address: Some(registered.relayer.address()),
    };
    children.push(child);
    let contracts = Contracts::from([
        ("MetalayerInbox".to_string(), predeploy::INBOX),
        ("GuardianIsm".to_string(), predeploy::GUARDIAN_ISM),
        ("Mailbox".to_string(), predeploy::MAILBOX),
        ("MerkleTreeHook".to_string(), predeploy::MERKLE_TREE_HOOK),
        ("StorageGasOracle".to_string(), predeploy::GAS_ORACLE),
        ("InterchainGasPaymaster".to_string(), predeploy::GAS_PAYMASTER),
        ("MetalayerState".to_string(), predeploy::METALAYER_STATE),
        ("MetalayerRouter".to_string(), predeploy::METALAYER_ROUTER),
    ]);
    let entry = MetalayerEntry {
        domain: registered.domain,
        guardian_set_id: registered.set.id(),
        epoch_ms: config.epoch_ms,
        contracts,
        guardians: entries,
        relayer,
        importer: registered.importer.address(),
    };
    Ok((entry, Processes { children, importers }))
}

/// Starts `tephra <command> --config <config> --exit-with-parent`, its output to `log`.
fn spawn(command: &str, config: &Path, log: &Path) -> eyre::Result<Child> {
    let exe = std::env::current_exe().wrap_err("locating the tephra binary")?;
    let file =
        std::fs::File::create(log).wrap_err_with(|| format!("creating {}", log.display()))?;
    Command::new(exe)
        .args([command, "--config"])
        .arg(config)
        .arg("--exit-with-parent")
        .stdin(Stdio::piped())
        .stdout(file.try_clone()?)
        .stderr(file)
        .kill_on_drop(true)
        .spawn()
        .wrap_err_with(|| format!("starting tephra {command}"))
}
