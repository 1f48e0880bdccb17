//! Integration tests: a real node and server on a loopback port, driven by alloy's provider
//! over HTTP and WebSocket and by raw HTTP requests.

mod common;
mod contract;
mod dev;
mod eth;
mod pool;
mod protocol;
mod pubsub;
mod stateless;
mod zks;
