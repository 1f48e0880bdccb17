//! The importer ([`tephra_metalayer::importer`]) against a running node (`tephra-node` with the
//! Metalayer predeploys in genesis, its sequencer sealing a block every 50 ms, served over
//! JSON-RPC) and a stand-in guardian serving `metalayer_latestCertificate`, behind a guardian
//! that is down: each newer certificate of the inbox's guardian set is certified on chain by
//! the sequencer's own transaction; an older one, or one of another set, is not handed over.

mod support;

use alloy_genesis::GenesisAccount;
use alloy_primitives::{Address, B256, U256};
use alloy_provider::{Provider, ProviderBuilder};
use alloy_rpc_types_eth::{Filter, TransactionRequest};
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::{SolCall, SolEvent};
use jsonrpsee::{RpcModule, server::Server};
use parking_lot::Mutex;
use std::{
    sync::Arc,
    time::{Duration, Instant},
};
use support::guardians;
use tephra_metalayer::{
    CertificateBuilder, Checkpoint, CheckpointTree, GuardianKey, GuardianSet, Leaf,
    abi::IMetalayerInbox,
    domain_separator,
    guardian::rounds::CertifiedCheckpoint,
    importer::{self, ImporterConfig},
    predeploy::{self, MetalayerGenesis},
};
use tephra_node::{BlockTime, Node, NodeConfig, SequencerCalls};

const CHAIN: u64 = 1001;

fn domain() -> B256 {
    domain_separator(1, Address::repeat_byte(0x42))
}

/// A certificate of `epoch` by `keys` of `set` over one leaf whose block number is `epoch`.
fn certified(keys: &[GuardianKey], set: &GuardianSet, epoch: u64) -> (CertifiedCheckpoint, B256) {
    let leaves = vec![Leaf {
        chain_id: 7,
        block_number: epoch,
        block_hash: B256::repeat_byte(epoch as u8),
        state_root: B256::repeat_byte(1),
        outbox_root: B256::repeat_byte(2),
    }];
    let root = CheckpointTree::new(leaves.clone()).unwrap().root();
    let checkpoint = Checkpoint { domain: domain(), guardian_set_id: set.id(), epoch, root };
    let mut builder = CertificateBuilder::new(set, checkpoint).unwrap();
    for (i, key) in keys.iter().enumerate() {
        builder.add_verified(i, &key.sign(checkpoint.signing_message().as_slice())).unwrap();
    }
    let certificate = builder.finish().unwrap().to_bytes().into();
    (CertifiedCheckpoint { epoch, leaves, certificate }, root)
}

/// A node of `framework` sealing every `block_time` with the Metalayer predeploys (inbox set
/// `set`), its importer polling a guardian that is down, then one whose latest certificate
/// the test sets.
struct Rollup {
    node: Arc<Node>,
    sequencer: std::thread::JoinHandle<()>,
    server: tephra_rpc::RpcHandle,
    _guardian: jsonrpsee::server::ServerHandle,
    importer: tokio::task::JoinHandle<Result<(), importer::ImporterError>>,
    rpc: String,
    calls: Arc<SequencerCalls>,
    latest: Arc<Mutex<Option<CertifiedCheckpoint>>>,
}

impl Rollup {
    async fn start(
        set: &GuardianSet,
        framework: Arc<dyn tephra_chain::Framework>,
        block_time: Duration,
    ) -> Self {
        let importer_key = PrivateKeySigner::from_bytes(&B256::repeat_byte(9)).unwrap();
        let calls = Arc::new(SequencerCalls::new(importer_key));
        let mut genesis_accounts = MetalayerGenesis {
            chain_id: CHAIN,
            domain: domain(),
            guardians: set,
            owner: Address::repeat_byte(0x0e),
            remote_domains: Vec::new(),
        }
        .accounts()
        .unwrap();
        let ether = U256::from(10u64).pow(U256::from(18u64));
        genesis_accounts.insert(calls.address(), GenesisAccount::default().with_balance(ether));
        let config = NodeConfig {
            chain_id: CHAIN,
            framework,
            block_time: BlockTime::Interval(block_time),
            genesis_accounts,
            sequencer_calls: Some(calls.clone()),
            ..NodeConfig::default()
        };
        let node = Node::open(config).unwrap();
        let sequencer = node.spawn_sequencer();
        let server = tephra_rpc::serve(node.clone(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
        let rpc = server.http_url();

        let latest: Arc<Mutex<Option<CertifiedCheckpoint>>> = Arc::default();
        let mut module = RpcModule::new(());
        let served = latest.clone();
        module
            .register_method("metalayer_latestCertificate", move |_, _, _| served.lock().clone())
            .unwrap();
        let guardian = Server::builder().build("127.0.0.1:0").await.unwrap();
        let guardian_url = format!("http://{}", guardian.local_addr().unwrap());
        let guardian = guardian.start(module);

        let importer = tokio::spawn(importer::run(
            ImporterConfig {
                chain_id: CHAIN,
                rpc: rpc.clone(),
                // The first guardian is down: the importer moves on to the next.
                guardians: vec!["http://127.0.0.1:1".into(), guardian_url],
                poll_ms: 10,
            },
            calls.clone(),
        ));
        Self { node, sequencer, server, _guardian: guardian, importer, rpc, calls, latest }
    }

    async fn stop(self) {
        self.importer.abort();
        self.server.stop();
        self.node.stop();
        let sequencer = self.sequencer;
        let _ = tokio::task::spawn_blocking(move || sequencer.join()).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sequencer_certifies_each_newer_certificate_of_the_inbox_set_from_its_own_key() {
    let (keys, set) = guardians(4, 1, |_| 100);
    let (other_keys, other_set) = guardians(4, 2, |_| 100);
    let rollup =
        Rollup::start(&set, NodeConfig::default().framework, Duration::from_millis(50)).await;
    let (rpc, calls, latest) = (&rollup.rpc, &rollup.calls, &rollup.latest);
    let provider = ProviderBuilder::new().connect_http(rpc.parse().unwrap());
    let is_certified = async |root: B256| {
        let call = IMetalayerInbox::isCertifiedCall { root };
        let request =
            TransactionRequest::default().to(predeploy::INBOX).input(call.abi_encode().into());
        let answer = provider.call(request).await.unwrap();
        IMetalayerInbox::isCertifiedCall::abi_decode_returns(&answer).unwrap()
    };
    let wait_certified = async |root: B256| {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !is_certified(root).await {
            assert!(Instant::now() < deadline, "root {root} not certified within 10 s");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };

    let (fifth, fifth_root) = certified(&keys, &set, 5);
    *latest.lock() = Some(fifth);
    wait_certified(fifth_root).await;

    // Another guardian set's certificate, then an older epoch: neither is handed over.
    let (foreign, foreign_root) = certified(&other_keys, &other_set, 6);
    *latest.lock() = Some(foreign);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (older, older_root) = certified(&keys, &set, 4);
    *latest.lock() = Some(older);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (seventh, seventh_root) = certified(&keys, &set, 7);
    *latest.lock() = Some(seventh);
    wait_certified(seventh_root).await;
    assert!(!is_certified(foreign_root).await, "a certificate of set 2 is not imported");
    assert!(!is_certified(older_root).await, "an older epoch is not imported");

    // Each import is one CheckpointCertified, from the sequencer's own transaction, the first
    // of its block; nothing else was sent from the importer's key.
    let filter = Filter::new()
        .address(predeploy::INBOX)
        .event_signature(IMetalayerInbox::CheckpointCertified::SIGNATURE_HASH)
        .from_block(0);
    let logs = provider.get_logs(&filter).await.unwrap();
    let roots: Vec<B256> = logs.iter().map(|log| log.topics()[1]).collect();
    assert_eq!(roots, [fifth_root, seventh_root]);
    for log in &logs {
        let hash = log.transaction_hash.unwrap();
        let tx = provider.get_transaction_by_hash(hash).await.unwrap().unwrap();
        assert_eq!(tx.inner.signer(), calls.address());
        assert_eq!(log.transaction_index, Some(0));
    }
    assert_eq!(provider.get_transaction_count(calls.address()).await.unwrap(), 2);

    rollup.stop().await;
}

/// An op-stack rollup before Isthmus has no EIP-2537 precompiles, so a submit could only
/// revert: the importer hands nothing over until the rollup's head is past Isthmus, then
/// imports the certificate it has been serving all along.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn before_isthmus_an_op_stack_rollup_is_handed_no_certificate() {
    let (keys, set) = guardians(4, 1, |_| 100);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    let isthmus = now.as_secs() + 3;
    let framework = Arc::new(tephra_frameworks::OpStack::default().with_isthmus_time(isthmus));
    let rollup = Rollup::start(&set, framework, Duration::from_millis(200)).await;
    let (fifth, root) = certified(&keys, &set, 5);
    *rollup.latest.lock() = Some(fifth);

    let provider = ProviderBuilder::new().connect_http(rollup.rpc.parse().unwrap());
    let deadline = Instant::now() + Duration::from_secs(20);
    let certified_at = loop {
        assert!(Instant::now() < deadline, "root {root} not certified within 20 s");
        let call = IMetalayerInbox::isCertifiedCall { root };
        let request =
            TransactionRequest::default().to(predeploy::INBOX).input(call.abi_encode().into());
        let head = provider.get_block_number().await.unwrap();
        let answer = provider.call(request).block(head.into()).await.unwrap();
        if IMetalayerInbox::isCertifiedCall::abi_decode_returns(&answer).unwrap() {
            break head;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // Every block before Isthmus holds no transaction of the importer's key; the one submit
    // that certified the root came after.
    let mut before = 0;
    for number in 1..=certified_at {
        let block = provider.get_block_by_number(number.into()).await.unwrap().unwrap();
        if block.header.timestamp < isthmus {
            before = number;
        }
    }
    assert!(before > 0, "the rollup sealed blocks before Isthmus");
    let address = rollup.calls.address();
    assert_eq!(provider.get_transaction_count(address).block_id(before.into()).await.unwrap(), 0);
    assert_eq!(provider.get_transaction_count(address).await.unwrap(), 1);
    rollup.stop().await;
}
