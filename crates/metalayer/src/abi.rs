//! The Solidity interfaces of the Metalayer contracts (`contracts/src/metalayer`) and of the
//! Hyperlane contracts the tests and the relayer drive, with the GuardianIsm metadata layout.

#![allow(missing_docs)]

use alloy_sol_types::{SolValue, sol};

use crate::{LeafProof, hyperlane::TREE_DEPTH};
use alloy_primitives::{Address, B256, U256, address};

sol! {
    #![sol(all_derives)]

    /// `MetalayerInbox`'s checkpoint, in the order of [`crate::Checkpoint::encode`].
    struct Checkpoint {
        bytes32 domain;
        uint64 guardianSetId;
        uint64 epoch;
        bytes32 root;
    }

    /// `CheckpointTree.Leaf`.
    struct Leaf {
        uint64 chainId;
        uint64 blockNumber;
        bytes32 blockHash;
        bytes32 stateRoot;
        bytes32 outboxRoot;
    }

    /// The metadata `GuardianIsm.verify` takes, `abi.encode`d: the certified checkpoint root,
    /// the origin's leaf with its proof to that root, and the message id's index and branch in
    /// the origin's `MerkleTreeHook` tree whose root is the leaf's `outboxRoot`.
    struct GuardianIsmMetadata {
        bytes32 checkpointRoot;
        Leaf leaf;
        uint256 leafIndex;
        bytes32[] leafProof;
        uint32 messageIndex;
        bytes32[32] messageProof;
    }

    interface IMetalayerInbox {
        error ZeroRoot();
        error WrongDomain(bytes32 expected, bytes32 got);
        error WrongGuardianSet(uint64 expected, uint64 got);
        error BadBitmap();
        error InsufficientStake(uint256 signed, uint256 total);
        error InvalidSignature();
        error AlreadyCertified(bytes32 root);
        error StaleGuardianSet(uint64 current, uint64 proposed);
        error BadGuardianSet();
        error NotCertifiedByCurrentSet(bytes32 root);
        error InvalidSetProof();
        function setGuardianSet(uint64 setId, bytes publicKeys, uint256[] stakes) external;
        function addGuardians(uint64 setId, bytes publicKeys, uint256[] stakes) external;
        function activateGuardianSet(uint64 setId) external;
        function rotateGuardianSet(bytes32 root, uint256 index, bytes32[] proof, uint64 setId, bytes publicKeys, uint256[] stakes) external;
        function submit(Checkpoint checkpoint, bytes signers, bytes signature) external;
        function verifyCertificate(Checkpoint checkpoint, bytes signers, bytes signature) external view returns (uint256 signed);
        function isCertified(bytes32 root) external view returns (bool);
        function guardianSetId() external view returns (uint64);
        function guardianCount() external view returns (uint256);
        function totalStake() external view returns (uint256);
        function hashToG2(bytes message) external view returns (bytes);
        function signingMessage(Checkpoint checkpoint) external pure returns (bytes32);
        function transferOwnership(address newOwner) external;
        event CheckpointCertified(bytes32 indexed root, uint64 indexed epoch, uint64 guardianSetId, uint256 signedStake);
    }

    /// OpenZeppelin's `Ownable` (the StorageGasOracle and the InterchainGasPaymaster).
    interface IOwnable {
        function owner() external view returns (address);
        function transferOwnership(address newOwner) external;
    }

    /// `GuardianRegistry.SignedCheckpoint`: a checkpoint and one guardian's own signature of
    /// it (G2, EIP-2537 encoding).
    struct SignedCheckpoint {
        Checkpoint checkpoint;
        bytes signature;
    }

    /// `GuardianRegistry.SignedHead`: a signed checkpoint and one chain's leaf proven in it.
    struct SignedHead {
        SignedCheckpoint signed;
        Leaf leaf;
        uint256 leafIndex;
        bytes32[] proof;
    }

    interface IGuardianRegistry {
        event Registered(uint256 indexed index, address indexed operator, bytes32 keyHash, uint256 stake);
        event StakeAdded(uint256 indexed index, uint256 amount, uint256 stake);
        event Slashed(uint256 indexed index, uint8 indexed offence, uint256 amount);
        error ZeroStake();
        error InvalidPublicKey();
        error KeyAlreadyRegistered(uint256 index);
        error InvalidProofOfPossession();
        error UnknownGuardian(uint256 index);
        error NotOperator(uint256 index, address caller);
        error WrongDomain(bytes32 expected, bytes32 got);
        error DifferentEpochs(uint64 first, uint64 second);
        error DifferentGuardianSets(uint64 first, uint64 second);
        error SameRoot(bytes32 root);
        error DifferentChains(uint64 first, uint64 second);
        error DifferentHeights(uint64 first, uint64 second);
        error SameBlockHash(bytes32 blockHash);
        error LeafNotInRoot(uint256 which);
        error InvalidSignature(uint256 which);
        error EvidenceAlreadyUsed(bytes32 evidence);
        function register(bytes publicKey, bytes proofOfPossession, uint256 stake) external returns (uint256 index);
        function addStake(uint256 index, uint256 amount) external;
        function slashDoubleCheckpoint(uint256 index, SignedCheckpoint first, SignedCheckpoint second) external;
        function slashConflictingHeads(uint256 index, SignedHead first, SignedHead second) external;
        function evidenceId(uint8 offence, uint256 index, uint64 a, uint64 b) external pure returns (bytes32);
        function evidenceUsed(bytes32 evidence) external view returns (bool);
        function guardianCount() external view returns (uint256);
        function guardian(uint256 index) external view returns (address operator, bytes publicKey, uint256 stake, uint8 slashed);
        function indexOf(bytes publicKey) external view returns (bool registered, uint256 index);
        function guardianSetArguments(uint256 start, uint256 count) external view returns (bytes publicKeys, uint256[] stakes);
        function totalStake() external view returns (uint256);
        function domain() external view returns (bytes32);
        function token() external view returns (address);
    }

    /// `EraToken`'s ERC-20 and burnable surface.
    interface IEraToken {
        event Transfer(address indexed from, address indexed to, uint256 value);
        function INITIAL_SUPPLY() external view returns (uint256);
        function name() external view returns (string);
        function symbol() external view returns (string);
        function decimals() external view returns (uint8);
        function totalSupply() external view returns (uint256);
        function balanceOf(address account) external view returns (uint256);
        function transfer(address to, uint256 value) external returns (bool);
        function approve(address spender, uint256 value) external returns (bool);
        function transferFrom(address from, address to, uint256 value) external returns (bool);
        function burn(uint256 value) external;
    }

    interface IBLS12381Harness {
        function hashToG2(bytes message, bytes dst) external view returns (bytes);
    }

    interface IGuardianIsm {
        error RootNotCertified(bytes32 root);
        error WrongOrigin(uint32 origin, uint64 chainId);
        error InvalidLeafProof();
        error InvalidMessageProof();
        function verify(bytes metadata, bytes message) external returns (bool);
        function moduleType() external view returns (uint8);
    }

    interface IMailbox {
        event Dispatch(address indexed sender, uint32 indexed destination, bytes32 indexed recipient, bytes message);
        event DispatchId(bytes32 indexed messageId);
        event ProcessId(bytes32 indexed messageId);
        function localDomain() external view returns (uint32);
        function defaultIsm() external view returns (address);
        function initialize(address owner, address defaultIsm, address defaultHook, address requiredHook) external;
        function dispatch(uint32 destinationDomain, bytes32 recipientAddress, bytes messageBody) external payable returns (bytes32);
        function quoteDispatch(uint32 destinationDomain, bytes32 recipientAddress, bytes messageBody) external view returns (uint256);
        function process(bytes metadata, bytes message) external payable;
        function delivered(bytes32 messageId) external view returns (bool);
    }

    interface IStorageGasOracle {
        struct RemoteGasDataConfig {
            uint32 remoteDomain;
            uint128 tokenExchangeRate;
            uint128 gasPrice;
        }
        function setRemoteGasDataConfigs(RemoteGasDataConfig[] configs) external;
    }

    interface IInterchainGasPaymaster {
        struct DomainGasConfig {
            address gasOracle;
            uint96 gasOverhead;
        }
        struct GasParam {
            uint32 remoteDomain;
            DomainGasConfig config;
        }
        event GasPayment(bytes32 indexed messageId, uint32 indexed destinationDomain, uint256 gasAmount, uint256 payment);
        function initialize(address owner, address beneficiary) external;
        function setDestinationGasConfigs(GasParam[] configs) external;
        function quoteGasPayment(uint32 destinationDomain, uint256 gasLimit) external view returns (uint256);
    }

    interface IMerkleTreeHook {
        function root() external view returns (bytes32);
        function count() external view returns (uint32);
        event InsertedIntoTree(bytes32 messageId, uint32 index);
    }

    /// `IMetalayerState.ProvenLeaf`: a chain's leaf in a certified checkpoint, with its proof.
    struct ProvenLeaf {
        bytes32 checkpointRoot;
        Leaf leaf;
        uint256 leafIndex;
        bytes32[] leafProof;
    }

    /// Caldera Metalayer's `ReadOperation`.
    struct ReadOperation {
        uint32 domain;
        address target;
        bytes callData;
    }

    /// Caldera Metalayer's `FinalityState`.
    enum FinalityState {
        INSTANT,
        FINALIZED
    }

    /// `MetalayerRouter.Evidence`: how a read is proven.
    enum Evidence {
        STORAGE_PROOF,
        CALL_WITNESS
    }

    /// `MetalayerRouter.ReadProof`: one read's evidence and claimed result; `evidence` is
    /// `abi.encode(bytes[] accountProof, bytes[] storageProof)` or `abi.encode(CallWitness)`.
    struct ReadProof {
        ProvenLeaf leaf;
        Evidence kind;
        bytes evidence;
        bytes result;
    }

    /// `MetalayerState.StaticCall`: a read's static call.
    struct StaticCall {
        address from;
        address to;
        bytes data;
        uint64 gas;
    }

    /// `MetalayerState.CallWitness`: a block's header RLP and a call's witness on it.
    struct CallWitness {
        bytes header;
        bytes[] nodes;
        bytes[] codes;
    }

    interface IMetalayerState {
        error RootNotCertified(bytes32 root);
        error WrongChain(uint64 expected, uint64 got);
        error InvalidLeafProof();
        error InvalidAccountProof(address account);
        error InvalidStorageProof(address account, bytes32 slot);
        error MalformedAccount(address account);
        error NotSelf();
        function inbox() external view returns (address);
        function stateRoot(uint64 chainId, ProvenLeaf proven) external view returns (bytes32);
        function account(uint64 chainId, ProvenLeaf proven, address target, bytes[] accountProof) external view returns (uint256 nonce, uint256 balance, bytes32 storageRoot, bytes32 codeHash);
        function storageAt(uint64 chainId, ProvenLeaf proven, address target, bytes[] accountProof, bytes32 slot, bytes[] storageProof) external view returns (bytes32 value);
        error BlockNotCertified(bytes32 certified, bytes32 header);
        error WitnessRefused(bytes reason);
        function staticCallAt(uint64 chainId, ProvenLeaf proven, StaticCall call, CallWitness witness) external view returns (bool success, bytes output);
    }

    interface IMetalayerRouter {
        error NotOwner(address caller);
        error NotMailbox(address caller);
        error UnknownRouter(uint32 origin, bytes32 sender);
        error FinalityNotSupported(uint8 finality);
        error NotFinalized(uint64 chainId);
        error NotForThisRouter(bytes32 recipient);
        error ReadCountMismatch(uint256 reads, uint256 proofs);
        error UnsupportedRead(uint256 index);
        error ResultMismatch(uint256 index);
        error ReadFailed(uint256 index, bytes revertData);
        error ReadsNotProven();
        error WrongOrigin(uint32 hyperlaneOrigin, uint32 metalayerOrigin);
        error RootNotCertified(bytes32 root);
        error WrongChain(uint64 expected, uint64 got);
        error InvalidLeafProof();
        error InvalidAccountProof(address account);
        error InvalidStorageProof(address account, bytes32 slot);
        error MalformedAccount(address account);
        error BlockNotCertified(bytes32 certified, bytes32 header);
        error WitnessRefused(bytes reason);
        event MetalayerDispatched(bytes32 indexed messageId, uint32 indexed destination, address indexed sender, bytes32 recipient, uint256 reads);
        event ReadsProven(bytes32 indexed messageId, uint256 reads);
        function dispatch(uint32 destinationDomain, address recipientAddress, ReadOperation[] reads, bytes writeCallData, FinalityState finalityState, uint256 gasLimit) external payable;
        function dispatch(uint32 destinationDomain, bytes32 recipientAddress, ReadOperation[] reads, bytes writeCallData, FinalityState finalityState, uint256 gasLimit) external payable;
        function quoteDispatch(uint32 destinationDomain, bytes32 recipientAddress, ReadOperation[] reads, bytes writeCallData, FinalityState finalityState, uint256 gasLimit) external view returns (uint256);
        function quoteDispatch(uint32 destinationDomain, address recipientAddress, ReadOperation[] reads, bytes writeCallData, FinalityState finalityState, uint256 gasLimit) external view returns (uint256);
        function quoteDispatch(uint32 destinationDomain, bytes32 recipientAddress, bytes messageBody) external view returns (uint256 fee);
        function routerAddresses(uint32 chainDomainId) external view returns (address routerAddress);
        function enrollRemoteRouter(uint32 domain, address router) external;
        function deliver(bytes metadata, bytes message, ReadProof[] proofs) external payable;
        function readSlot(bytes callData, uint256 index) external pure returns (bytes32);
        function READ_GAS() external view returns (uint64);
        function owner() external view returns (address);
        function mailbox() external view returns (address);
        function state() external view returns (address);
    }

    /// The test `ReadRecipient`: the last Metalayer message its router delivered.
    interface IReadRecipient {
        error NotRouter(address caller);
        function lastOrigin() external view returns (uint32);
        function lastSender() external view returns (bytes32);
        function lastMessage() external view returns (bytes);
        function lastReads() external view returns (ReadOperation[]);
        function lastResults() external view returns (bytes[]);
    }

    interface ITestRecipient {
        function lastData() external view returns (bytes);
        function lastSender() external view returns (bytes32);
    }
}

/// Gas of `MetalayerInbox.submit` (one pairing, a few G1 additions, hash to G2), with room to
/// spare on every profile.
pub const SUBMIT_GAS: u64 = 1_000_000;

/// EIP-2537's G1ADD precompile, which tells whether a chain can check the inbox's BLS12-381
/// signatures: `submit` and `rotateGuardianSet` need EIP-2537 (Prague; Isthmus on an op-stack
/// rollup). Before it activates the address is an empty account, so a call to it succeeds with
/// no output; after, [`BLS_PROBE`] (the point at infinity added to itself) returns 128 bytes.
pub const BLS12_G1ADD: Address = address!("0x000000000000000000000000000000000000000b");

/// The input of the [`BLS12_G1ADD`] probe: two points at infinity.
pub const BLS_PROBE: [u8; 256] = [0; 256];

/// Whether `output`, of an `eth_call` of [`BLS12_G1ADD`] with [`BLS_PROBE`], came from the
/// precompile.
pub fn verifies_bls(output: &[u8]) -> bool {
    output.len() == 128
}

/// `MetalayerInbox.submit` of `certificate`: its checkpoint, signer bitmap and aggregate
/// signature in EIP-2537 encoding.
pub fn submit_call(certificate: &crate::Certificate) -> IMetalayerInbox::submitCall {
    IMetalayerInbox::submitCall {
        checkpoint: Checkpoint::from(&certificate.checkpoint),
        signers: certificate.signers.clone().into(),
        signature: certificate.contract_signature().to_vec().into(),
    }
}

/// [`GuardianIsmMetadata`] for a message at `message_index` of the origin's tree, whose leaf
/// `leaf` proves into the certified `checkpoint_root`.
pub fn ism_metadata(
    checkpoint_root: B256,
    leaf: &LeafProof,
    message_index: u32,
    message_proof: &[B256; TREE_DEPTH],
) -> Vec<u8> {
    GuardianIsmMetadata {
        checkpointRoot: checkpoint_root,
        leaf: Leaf {
            chainId: leaf.leaf.chain_id,
            blockNumber: leaf.leaf.block_number,
            blockHash: leaf.leaf.block_hash,
            stateRoot: leaf.leaf.state_root,
            outboxRoot: leaf.leaf.outbox_root,
        },
        leafIndex: U256::from(leaf.index),
        leafProof: leaf.siblings.clone(),
        messageIndex: message_index,
        messageProof: *message_proof,
    }
    .abi_encode()
}

impl From<&crate::Leaf> for Leaf {
    fn from(l: &crate::Leaf) -> Self {
        Self {
            chainId: l.chain_id,
            blockNumber: l.block_number,
            blockHash: l.block_hash,
            stateRoot: l.state_root,
            outboxRoot: l.outbox_root,
        }
    }
}

impl From<&crate::Checkpoint> for Checkpoint {
    fn from(c: &crate::Checkpoint) -> Self {
        Self { domain: c.domain, guardianSetId: c.guardian_set_id, epoch: c.epoch, root: c.root }
    }
}
