//! The guardians' gossip: libp2p gossipsub over TCP (noise, yamux), one topic per network
//! domain. Messages are the protocol's [`GossipMessage`]s as JSON; gossipsub signs each with
//! the sender's libp2p identity and drops duplicates by content.

use super::GuardianError;
use crate::guardian::rounds::GossipMessage;
use alloy_primitives::{B256, keccak256};
use libp2p::{
    Multiaddr, SwarmBuilder,
    futures::StreamExt,
    gossipsub::{self, IdentTopic, MessageAuthenticity, MessageId, ValidationMode},
    noise,
    swarm::SwarmEvent,
    tcp, yamux,
};
use std::{collections::HashSet, time::Duration};
use tokio::sync::mpsc;
use tracing::{debug, error, info};

/// How often unconnected peers are dialed again (a restarted guardian rejoins this way).
const REDIAL: Duration = Duration::from_secs(1);

/// Runs the gossip node: listens on `listen`, keeps dialing `peers`, publishes what arrives on
/// `outgoing` and hands what the others publish to `incoming`.
pub(crate) async fn run(
    domain: B256,
    listen: Multiaddr,
    peers: Vec<Multiaddr>,
    mut outgoing: mpsc::UnboundedReceiver<GossipMessage>,
    incoming: mpsc::UnboundedSender<GossipMessage>,
) -> Result<(), GuardianError> {
    let p2p = |err: &dyn std::fmt::Display| GuardianError::P2p(err.to_string());
    let mut swarm = SwarmBuilder::with_new_identity()
        .with_tokio()
        .with_tcp(tcp::Config::default().nodelay(true), noise::Config::new, yamux::Config::default)
        .map_err(|e| p2p(&e))?
        .with_behaviour(|key| {
            let config = gossipsub::ConfigBuilder::default()
                .heartbeat_interval(Duration::from_millis(100))
                .validation_mode(ValidationMode::Strict)
                .message_id_fn(|message| MessageId::from(keccak256(&message.data).to_vec()))
                .mesh_n_low(1)
                .mesh_n(3)
                .mesh_n_high(12)
                .mesh_outbound_min(0)
                .max_transmit_size(1 << 20)
                .build()
                .map_err(|e| e.to_string())?;
            let behaviour: Result<gossipsub::Behaviour, _> =
                gossipsub::Behaviour::new(MessageAuthenticity::Signed(key.clone()), config);
            behaviour.map_err(|e| e.to_string().into())
        })
        .map_err(|e| p2p(&e))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(3600)))
        .build();
    let topic = IdentTopic::new(format!("/tephra/metalayer/{domain}/1"));
    swarm.behaviour_mut().subscribe(&topic).map_err(|e| p2p(&e))?;
    swarm.listen_on(listen.clone()).map_err(|e| p2p(&e))?;
    info!(target: "tephra::guardian", %listen, peers = peers.len(), "gossip listening");
    let mut connected: HashSet<Multiaddr> = HashSet::new();
    let mut redial = tokio::time::interval(REDIAL);
    loop {
        tokio::select! {
            _ = redial.tick() => {
                for peer in peers.iter().filter(|p| !connected.contains(*p)) {
                    let _ = swarm.dial(peer.clone());
                }
            }
            message = outgoing.recv() => {
                let Some(message) = message else { return Ok(()) };
                match serde_json::to_vec(&message) {
                    Ok(data) => {
                        if let Err(err) = swarm.behaviour_mut().publish(topic.clone(), data) {
                            debug!(target: "tephra::guardian", %err, "not published");
                        }
                    }
                    Err(err) => error!(target: "tephra::guardian", %err, "cannot encode gossip"),
                }
            }
            event = swarm.select_next_some() => match event {
                SwarmEvent::Behaviour(gossipsub::Event::Message { message, .. }) => {
                    match serde_json::from_slice(&message.data) {
                        Ok(message) => { let _ = incoming.send(message); }
                        Err(err) => debug!(target: "tephra::guardian", %err, "undecodable gossip"),
                    }
                }
                SwarmEvent::ConnectionEstablished { endpoint, .. } if endpoint.is_dialer() => {
                    connected.insert(endpoint.get_remote_address().clone());
                }
                SwarmEvent::ConnectionClosed { endpoint, num_established: 0, .. } => {
                    connected.remove(endpoint.get_remote_address());
                }
                _ => {}
            }
        }
    }
}
