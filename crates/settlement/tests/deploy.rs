//! The deployer against a real L1 (a Tephra dev chain over JSON-RPC): an interrupted
//! deployment is resumed from its journal without deploying anything twice.

use alloy_primitives::{Address, U256};
use alloy_sol_types::{SolCall, sol};
use std::{path::Path, sync::Arc, time::Duration};
use tephra_node::{BlockTime, Node, NodeConfig};
use tephra_settlement::{
    Deployment, GasToken, L1Client, Outgoing, RollupConfig,
    deploy::{self, Pending},
    network::role_key,
    op_stack::{self, OpStackSettlement},
};

sol! {
    function MAX_RESOURCE_LIMIT() external view returns (uint64);
}

struct L1 {
    node: Arc<Node>,
    server: tephra_rpc::RpcHandle,
}

/// A dev chain sealing a block per transaction, served on a free loopback port.
async fn l1() -> L1 {
    l1_sealing(BlockTime::Auto).await
}

async fn l1_sealing(block_time: BlockTime) -> L1 {
    let node =
        Node::open(NodeConfig { chain_id: 900, block_time, ..NodeConfig::default() }).unwrap();
    node.spawn_sequencer();
    let server = tephra_rpc::serve(node.clone(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    L1 { node, server }
}

fn rollup() -> RollupConfig {
    RollupConfig {
        name: None,
        chain_id: 901,
        framework: "op-stack".into(),
        gas_token: GasToken::Eth,
        block_time_ms: 250,
        gas_limit: 30_000_000,
        owner_key: role_key(0),
        batcher_key: role_key(0),
        proposer_key: role_key(1),
        proof_mode: "optimistic".into(),
        challenge_window_secs: 5,
        da: "local".into(),
        registry: None,
        pubdata_price: 0,
        isthmus_time: None,
    }
}

async fn nonce(client: &L1Client) -> u64 {
    client.nonce(client.address()).await.unwrap()
}

async fn assert_deployed(client: &L1Client, deployment: &Deployment, names: &[&str]) {
    for name in names {
        let address: Address = deployment.contracts[*name];
        assert!(!client.code(address).await.unwrap().is_empty(), "{name} has code at {address}");
    }
}

fn journal(dir: &Path) -> std::path::PathBuf {
    dir.join("deployment.json")
}

#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_deployment_resumes_without_deploying_twice() {
    let l1 = l1().await;
    let dir = tempfile::tempdir().unwrap();
    let client = L1Client::new(&l1.server.http_url(), RollupConfig::signer(&role_key(0))).unwrap();
    let config = rollup();
    let steps =
        deploy::rollup_steps(&config, &OpStackSettlement::default(), 18, Some(client.address()));
    let names = ["RollupCore", "L2OutputOracle", "OptimismPortal", "RollupRegistry"];

    // A first run that stopped after two steps.
    let start = nonce(&client).await;
    let partial =
        deploy::run(&client, &journal(dir.path()), 901, "op-stack", &steps[..2]).await.unwrap();
    assert_eq!(nonce(&client).await, start + 2);
    // Then one that stopped after journaling the next step and sending it, before learning
    // that it was mined: the journal holds it as pending.
    let mut interrupted = partial.clone();
    let sent_nonce = start + 2;
    interrupted.pending =
        vec![Pending { label: "deploy OptimismPortal".into(), nonce: sent_nonce }];
    interrupted.save(&journal(dir.path())).unwrap();
    let tephra_settlement::Step::Deploy { artifact, args, .. } = &steps[2] else {
        panic!("a deployment")
    };
    let mut contracts = partial.contracts.clone();
    contracts.insert("OptimismPortal".into(), client.address().create(sent_nonce));
    let portal = Outgoing {
        what: "portal".into(),
        data: artifact.deploy_code(&args(&contracts)),
        nonce: sent_nonce,
        gas: Some(7_000_000),
        ..Outgoing::default()
    };
    let hash = client.submit(&portal).await.unwrap();
    client.confirm(&portal, hash).await.unwrap();
    // And one more journaled as pending whose transaction never left: it is sent again.
    let mut journaled = Deployment::load(&journal(dir.path())).unwrap().unwrap();
    journaled.pending.push(Pending { label: steps[3].label(), nonce: sent_nonce + 1 });
    journaled.save(&journal(dir.path())).unwrap();

    let done = deploy::run(&client, &journal(dir.path()), 901, "op-stack", &steps).await.unwrap();
    assert_eq!(done.contracts["RollupCore"], partial.contracts["RollupCore"]);
    assert_eq!(done.contracts["OptimismPortal"], client.address().create(sent_nonce));
    assert!(done.pending.is_empty());
    assert_eq!(done.done.len(), steps.len());
    // Every step took exactly one transaction.
    assert_eq!(nonce(&client).await, start + steps.len() as u64);
    assert_deployed(&client, &done, &names).await;
    // The portal bounds one L1 block's deposit gas where the config check expects it.
    let limit = client
        .call(done.contracts["OptimismPortal"], MAX_RESOURCE_LIMITCall {}.abi_encode().into())
        .await
        .unwrap();
    assert_eq!(
        MAX_RESOURCE_LIMITCall::abi_decode_returns(&limit).unwrap(),
        op_stack::MAX_DEPOSIT_GAS_PER_L1_BLOCK
    );

    // A run on a finished journal sends nothing.
    let again = deploy::run(&client, &journal(dir.path()), 901, "op-stack", &steps).await.unwrap();
    assert_eq!(again, done);
    assert_eq!(nonce(&client).await, start + steps.len() as u64);

    // The journal belongs to its L1, rollup and deployer.
    let other = L1Client::new(&l1.server.http_url(), RollupConfig::signer(&role_key(2))).unwrap();
    let err = deploy::run(&other, &journal(dir.path()), 901, "op-stack", &steps).await.unwrap_err();
    assert!(
        err.to_string().contains("it records the op-stack deployment of chain 901 by"),
        "{err}"
    );
    l1.server.stop();
    l1.node.stop();
}

/// A transaction the L1 drops from its pool before mining it (as anvil drops the rest of a
/// sender's queue when one of them does not fit its block) is sent again under its nonce, and
/// the transactions queued behind it go through.
#[tokio::test(flavor = "multi_thread")]
async fn a_dropped_transaction_is_sent_again() {
    let l1 = l1_sealing(BlockTime::Interval(Duration::from_secs(1))).await;
    let client = L1Client::new(&l1.server.http_url(), RollupConfig::signer(&role_key(0))).unwrap();
    let to = Address::repeat_byte(0x77);
    let start = nonce(&client).await;
    let mut sent = Vec::new();
    for (i, nonce) in (start..start + 4).enumerate() {
        let tx = Outgoing {
            what: format!("transfer {i}"),
            to: Some(to),
            value: U256::from(1 + i),
            nonce,
            gas: Some(21_000),
            ..Outgoing::default()
        };
        let hash = client.submit(&tx).await.unwrap();
        sent.push((tx, hash));
    }
    let dropped = sent[2].1;
    assert_eq!(l1.node.pool().remove_invalid(&[dropped]).len(), 1, "it was pending");

    for (tx, hash) in &sent {
        let receipt = client.confirm(tx, *hash).await.unwrap();
        assert_eq!(receipt.from, client.address());
    }
    assert_eq!(nonce(&client).await, start + 4);
    assert_eq!(client.balance(to).await.unwrap(), U256::from(1 + 2 + 3 + 4));
    l1.server.stop();
    l1.node.stop();
}
