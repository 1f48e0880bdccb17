//! A rollup's import of Metalayer certificates through its sequencer: the sequencer path of
//! DESIGN's "the next block of every rollup imports it through a system transaction".
//!
//! For one rollup, [`run`] polls the guardians' `metalayer_latestCertificate` and hands each
//! certificate newer than the last one handed over, and of the guardian set the rollup's
//! `MetalayerInbox` holds now, to the rollup's sequencer as `MetalayerInbox.submit`
//! ([`SequencerCalls`]), which sends it first in its next block. The inbox checks the
//! aggregate signature once there, as for anyone's permissionless submit; relayers then prove
//! messages against the root without submitting it themselves.
//!
//! A certificate the sequencer had not taken yet is replaced by the next one: each root of the
//! chain's heads is newer than the last, and one certified root is all a message needs.

use crate::{
    abi::{self, IMetalayerInbox},
    guardian::rounds::CertifiedCheckpoint,
    predeploy,
};
use alloy_primitives::Bytes;
use alloy_provider::{DynProvider, Provider, ProviderBuilder};
use alloy_rpc_types_eth::TransactionRequest;
use alloy_sol_types::SolCall;
use futures::future::BoxFuture;
use std::{sync::Arc, time::Duration};
use tephra_node::{SequencerCall, SequencerCalls};
use tracing::{debug, info, warn};

/// What the importer refuses to start with.
#[derive(Debug, thiserror::Error)]
pub enum ImporterError {
    /// A bad config value, named.
    #[error("importer config: {0}")]
    Config(String),
}

/// One rollup's importer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImporterConfig {
    /// The rollup's chain id (for logs).
    pub chain_id: u64,
    /// The rollup's JSON-RPC URL, where its inbox's guardian set id is read.
    pub rpc: String,
    /// Guardians' certificate APIs, tried in turn.
    pub guardians: Vec<String>,
    /// Milliseconds between polls.
    pub poll_ms: u64,
}

/// Milliseconds between an importer's polls of the guardians, by default.
pub const POLL_MS: u64 = 50;

/// Imports certificates into the rollup of `config` through `calls`, its sequencer's slot,
/// until its task is aborted. Fails only on a bad config: an unreachable guardian or rollup is
/// logged and asked again at the next poll.
pub fn run(
    config: ImporterConfig,
    calls: Arc<SequencerCalls>,
) -> BoxFuture<'static, Result<(), ImporterError>> {
    Box::pin(import(config, calls))
}

async fn import(config: ImporterConfig, calls: Arc<SequencerCalls>) -> Result<(), ImporterError> {
    if config.guardians.is_empty() {
        return Err(ImporterError::Config("no guardians to take certificates from".into()));
    }
    let connect = |url: &str| {
        url.parse()
            .map(|url| ProviderBuilder::new().connect_http(url).erased())
            .map_err(|_| ImporterError::Config(format!("{url:?} is not a URL")))
    };
    let rollup = connect(&config.rpc)?;
    let guardians: Vec<DynProvider> =
        config.guardians.iter().map(|url| connect(url)).collect::<Result<_, _>>()?;
    let chain = config.chain_id;
    let poll = Duration::from_millis(config.poll_ms.max(1));
    info!(target: "tephra::importer", chain, from = %calls.address(), "importer started");
    let mut guardian = 0usize;
    let mut handed: Option<u64> = None;
    // Until the rollup can check BLS12-381 signatures (an op-stack rollup before Isthmus), a
    // submit would only revert in its block: none is handed over.
    let mut verifies_bls = false;
    let mut waiting_logged = false;
    loop {
        tokio::time::sleep(poll).await;
        let Some(certified) = latest_certificate(&guardians, &mut guardian).await else {
            continue;
        };
        if handed.is_some_and(|epoch| certified.epoch <= epoch) {
            continue;
        }
        let certificate = match certified.certificate() {
            Ok(certificate) => certificate,
            Err(err) => {
                warn!(target: "tephra::importer", chain, guardian, epoch = certified.epoch, %err,
                    "a guardian served a malformed certificate");
                guardian = (guardian + 1) % guardians.len();
                continue;
            }
        };
        if !verifies_bls {
            match bls_active(&rollup).await {
                Ok(true) => {
                    verifies_bls = true;
                    if waiting_logged {
                        info!(target: "tephra::importer", chain, "the rollup verifies BLS12-381 now: importing");
                    }
                }
                Ok(false) => {
                    if !waiting_logged {
                        waiting_logged = true;
                        info!(target: "tephra::importer", chain,
                            "the rollup cannot verify BLS12-381 (EIP-2537) yet: waiting to import");
                    }
                    continue;
                }
                Err(err) => {
                    debug!(target: "tephra::importer", chain, %err, "probing EIP-2537");
                    continue;
                }
            }
        }
        let set_id = match inbox_guardian_set(&rollup).await {
            Ok(set_id) => set_id,
            Err(err) => {
                debug!(target: "tephra::importer", chain, %err, "reading the inbox's guardian set");
                continue;
            }
        };
        handed = Some(certified.epoch);
        if certificate.checkpoint.guardian_set_id != set_id {
            debug!(target: "tephra::importer", chain, epoch = certified.epoch,
                set = certificate.checkpoint.guardian_set_id, inbox_set = set_id,
                "skipping a certificate of another guardian set");
            continue;
        }
        let call = SequencerCall {
            to: predeploy::INBOX,
            data: abi::submit_call(&certificate).abi_encode().into(),
            gas: abi::SUBMIT_GAS,
        };
        let replaced = calls.put(call).is_some();
        debug!(target: "tephra::importer", chain, epoch = certified.epoch,
            root = %certificate.checkpoint.root, replaced, "certificate handed to the sequencer");
    }
}

/// The newest certificate of the first guardian that answers, from `guardian` on (which moves
/// past those that do not).
async fn latest_certificate(
    guardians: &[DynProvider],
    guardian: &mut usize,
) -> Option<CertifiedCheckpoint> {
    for _ in 0..guardians.len() {
        let answer: Result<Option<CertifiedCheckpoint>, _> =
            guardians[*guardian].raw_request("metalayer_latestCertificate".into(), ()).await;
        match answer {
            Ok(latest) => return latest,
            Err(err) => {
                debug!(target: "tephra::importer", guardian = *guardian, %err, "guardian unavailable");
                *guardian = (*guardian + 1) % guardians.len();
            }
        }
    }
    None
}

/// Whether the rollup's head has EIP-2537's precompiles ([`abi::BLS12_G1ADD`]).
async fn bls_active(rollup: &DynProvider) -> Result<bool, String> {
    let request = TransactionRequest::default()
        .to(abi::BLS12_G1ADD)
        .input(Bytes::from_static(&abi::BLS_PROBE).into());
    let answer = rollup.call(request).await.map_err(|err| err.to_string())?;
    Ok(abi::verifies_bls(&answer))
}

/// The guardian set id the rollup's inbox verifies certificates against, at its head.
async fn inbox_guardian_set(rollup: &DynProvider) -> Result<u64, String> {
    let call = IMetalayerInbox::guardianSetIdCall {};
    let request = TransactionRequest::default()
        .to(predeploy::INBOX)
        .input(Bytes::from(call.abi_encode()).into());
    let answer = rollup.call(request).await.map_err(|err| err.to_string())?;
    IMetalayerInbox::guardianSetIdCall::abi_decode_returns(&answer).map_err(|err| err.to_string())
}
