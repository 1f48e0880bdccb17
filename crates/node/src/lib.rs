//! A running chain: the [`Chain`](tephra_chain::Chain) core, its transaction pool and the
//! sequencer that turns pooled transactions into blocks, plus the dev-mode controls anvil users
//! expect (mining on demand, snapshots, time travel) and the node's metrics. A
//! [`SequencerCalls`] slot lets something outside the node have the sequencer send a call of
//! its own first in the next block.
//!
//! It serves nothing over the network: `tephra-rpc` exposes a [`Node`] over JSON-RPC. Start
//! from [`Node::open`] and [`Node::spawn_sequencer`].

mod config;
mod l1;
mod metrics;
mod node;
mod sequencer_calls;

pub use config::{BlockTime, NodeConfig};
pub use l1::L1Feed;
use metrics::Metrics;
pub use node::{MinedBlock, Node, NodeError, Snapshot};
pub use sequencer_calls::{SequencerCall, SequencerCalls};
pub use tephra_primitives::dev::DEV_MNEMONIC;
