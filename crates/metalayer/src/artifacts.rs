//! The committed artifacts (`contracts/artifacts/*.json`, compiled by `contracts/compile.mjs`)
//! of the Metalayer contracts and of Hyperlane's, for deployers and tests.

use tephra_primitives::artifact;
pub use tephra_primitives::artifact::Artifact;

/// Tephra's certificate verifier and store of certified checkpoint roots.
pub const METALAYER_INBOX: Artifact = artifact!(MetalayerInbox);
/// ERA, the staking token (OpenZeppelin ERC-20, burnable, fixed supply).
pub const ERA_TOKEN: Artifact = artifact!(EraToken);
/// The L1 registry of guardians' keys and stakes, which slashes equivocation.
pub const GUARDIAN_REGISTRY: Artifact = artifact!(GuardianRegistry);
/// Tephra's Hyperlane ISM over the inbox's certified roots.
pub const GUARDIAN_ISM: Artifact = artifact!(GuardianIsm);
/// Proven reads of other rollups' accounts and storage against certified state roots.
pub const METALAYER_STATE: Artifact = artifact!(MetalayerState);
/// Caldera Metalayer's router interface on Hyperlane's Mailbox, with proven read results.
pub const METALAYER_ROUTER: Artifact = artifact!(MetalayerRouter);
/// A test Metalayer recipient recording the last message, reads and results it got.
pub const READ_RECIPIENT: Artifact = artifact!(ReadRecipient);
/// A test harness exposing the Solidity hash-to-G2 under any tag.
pub const BLS12381_HARNESS: Artifact = artifact!(BLS12381Harness);
/// Hyperlane's Mailbox (`@hyperlane-xyz/core`, unchanged).
pub const MAILBOX: Artifact = artifact!(Mailbox);
/// Hyperlane's MerkleTreeHook.
pub const MERKLE_TREE_HOOK: Artifact = artifact!(MerkleTreeHook);
/// Hyperlane's InterchainGasPaymaster.
pub const INTERCHAIN_GAS_PAYMASTER: Artifact = artifact!(InterchainGasPaymaster);
/// Hyperlane's StorageGasOracle (the IGP's gas price and exchange rate source).
pub const STORAGE_GAS_ORACLE: Artifact = artifact!(StorageGasOracle);
/// Hyperlane's TestRecipient (records the last message it handled).
pub const TEST_RECIPIENT: Artifact = artifact!(TestRecipient);
