//! The committed artifacts (`contracts/artifacts/*.json`, compiled by `contracts/compile.mjs`)
//! of the L1 contracts this crate deploys.

use tephra_primitives::artifact;
pub use tephra_primitives::artifact::Artifact;

/// The settlement core one rollup's entry points share.
pub const ROLLUP_CORE: Artifact = artifact!(RollupCore);
/// The registry of the rollups settling on an L1.
pub const ROLLUP_REGISTRY: Artifact = artifact!(RollupRegistry);
/// OP Stack's deposit and withdrawal entry point.
pub const OPTIMISM_PORTAL: Artifact = artifact!(OptimismPortal);
/// OP Stack's output oracle, over the core's commitments.
pub const L2_OUTPUT_ORACLE: Artifact = artifact!(L2OutputOracle);
/// OP Stack's L1 messenger: messages to L2 as portal deposits.
pub const L1_CROSS_DOMAIN_MESSENGER: Artifact = artifact!(L1CrossDomainMessenger);
/// OP Stack's L1 ERC-20 and ETH bridge, depositing into the core's custody.
pub const L1_STANDARD_BRIDGE: Artifact = artifact!(L1StandardBridge);
/// Nitro's delayed inbox (`Bridge`), over the core.
pub const NITRO_BRIDGE: Artifact = artifact!(Bridge);
/// Nitro's `Inbox`: `depositEth`, `createRetryableTicket`.
pub const NITRO_INBOX: Artifact = artifact!(Inbox);
/// Nitro's `Outbox`: withdrawals against confirmed send roots.
pub const NITRO_OUTBOX: Artifact = artifact!(Outbox);
/// The rollup contract the Arbitrum SDK reads (BoLD's assertions over the core's commitments).
pub const NITRO_ROLLUP: Artifact = artifact!(NitroRollup);
/// Nitro's `ERC20Bridge`: the delayed inbox of a rollup whose gas token is an L1 ERC-20.
pub const NITRO_ERC20_BRIDGE: Artifact = artifact!(ERC20Bridge);
/// Nitro's `ERC20Inbox`: `depositERC20`, `createRetryableTicket` with `tokenTotalFeeAmount`.
pub const NITRO_ERC20_INBOX: Artifact = artifact!(ERC20Inbox);
/// Nitro's `ERC20Outbox`: withdrawals of the native token, paid in the gas token.
pub const NITRO_ERC20_OUTBOX: Artifact = artifact!(ERC20Outbox);
/// Arbitrum's L1 gateway router (token bridge): routes a token's deposit to its gateway.
pub const L1_GATEWAY_ROUTER: Artifact = artifact!(L1GatewayRouter);
/// Arbitrum's standard L1 ERC-20 gateway: escrows the token, sends the retryable to L2.
pub const L1_ERC20_GATEWAY: Artifact = artifact!(L1ERC20Gateway);
/// ZK Stack's Bridgehub: `requestL2TransactionDirect`, the chains' registry.
pub const ZK_BRIDGEHUB: Artifact = artifact!(ZkBridgehub);
/// A ZK Stack chain's main contract (Mailbox and Getters), over the core.
pub const ZK_CHAIN: Artifact = artifact!(ZkChain);
/// ZK Stack's shared bridge (asset router and nullifier): finalizes withdrawals.
pub const ZK_SHARED_BRIDGE: Artifact = artifact!(ZkSharedBridge);
/// An ERC-20 with chosen decimals: a `tephra up` network's 6-decimal USDC-like test token.
pub const TEST_TOKEN_DECIMALS: Artifact = artifact!(TestTokenDecimals);
