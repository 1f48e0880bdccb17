// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";

// ZK Stack's L1 <-> L2 messaging vocabulary, with era-contracts' names and layouts
// (l1-contracts/contracts/common/Messaging.sol and Config.sol), so that the structs, events and
// function arguments of the contracts in this directory are ZK Stack's ABI byte for byte.

// The type of priority (L1 -> L2) transactions (`PRIORITY_OPERATION_L2_TX_TYPE`).
uint256 constant PRIORITY_OPERATION_L2_TX_TYPE = 255;

// The only `l2GasPerPubdataByteLimit` an L1 -> L2 request may carry
// (`REQUIRED_L2_GAS_PRICE_PER_PUBDATA`; zksync-ethers' REQUIRED_L1_TO_L2_GAS_PER_PUBDATA_LIMIT).
uint256 constant REQUIRED_L2_GAS_PRICE_PER_PUBDATA = 800;

// L1 gas a byte of pubdata costs (`L1_GAS_PER_PUBDATA_BYTE`).
uint256 constant L1_GAS_PER_PUBDATA_BYTE = 17;

// Most factory dependencies one request may publish (`MAX_NEW_FACTORY_DEPS`).
uint256 constant MAX_NEW_FACTORY_DEPS = 64;

// Ether's address in ZK Stack's L1 contracts (`ETH_TOKEN_ADDRESS`).
address constant ETH_TOKEN_ADDRESS = address(1);

// The L1Messenger system contract, the sender of every L2 -> L1 message's log.
address constant L2_TO_L1_MESSENGER_SYSTEM_CONTRACT_ADDR = address(0x8008);

// The bootloader, the sender of each priority transaction's status log.
address constant L2_BOOTLOADER_ADDRESS = address(0x8001);

// L2BaseToken, the sender of base token withdrawals' messages.
address constant L2_BASE_TOKEN_SYSTEM_CONTRACT_ADDR = address(0x800a);

// The L2 native token vault, part of every asset id (`DataEncoding.encodeNTVAssetId`).
address constant L2_NATIVE_TOKEN_VAULT_ADDR = address(0x10004);

// Height of a batch's L2 -> L1 logs Merkle tree: 2^14 leaves.
uint256 constant L2_TO_L1_LOGS_TREE_HEIGHT = 14;

// `bytes4(keccak256("finalizeEthWithdrawal(uint256,uint256,uint16,bytes,bytes32[])"))`:
// the first 4 bytes of a base token withdrawal's message (`IMailbox.finalizeEthWithdrawal.selector`).
bytes4 constant FINALIZE_ETH_WITHDRAWAL_SELECTOR = 0x6c0960f9;

/// @notice The transaction the L1 Mailbox queues, hashes (keccak256(abi.encode(transaction))) and
///         emits in NewPriorityRequest; on L2 its hash is the transaction's hash.
struct L2CanonicalTransaction {
    uint256 txType;
    uint256 from;
    uint256 to;
    uint256 gasLimit;
    uint256 gasPerPubdataByteLimit;
    uint256 maxFeePerGas;
    uint256 maxPriorityFeePerGas;
    uint256 paymaster;
    uint256 nonce;
    uint256 value;
    // [toMint, refundRecipient, 0, 0]
    uint256[4] reserved;
    bytes data;
    bytes signature;
    uint256[] factoryDeps;
    bytes paymasterInput;
    bytes reservedDynamic;
}

/// @notice What the Bridgehub hands the chain's Mailbox for one L1 -> L2 transaction.
struct BridgehubL2TransactionRequest {
    address sender;
    address contractL2;
    uint256 mintValue;
    uint256 l2Value;
    bytes l2Calldata;
    uint256 l2GasLimit;
    uint256 l2GasPerPubdataByteLimit;
    bytes[] factoryDeps;
    address refundRecipient;
}

/// @notice The argument of `Bridgehub.requestL2TransactionDirect`.
struct L2TransactionRequestDirect {
    uint256 chainId;
    uint256 mintValue;
    address l2Contract;
    uint256 l2Value;
    bytes l2Calldata;
    uint256 l2GasLimit;
    uint256 l2GasPerPubdataByteLimit;
    bytes[] factoryDeps;
    address refundRecipient;
}

/// @notice The argument of `requestL2TransactionTwoBridges` (era-contracts' Messaging.sol).
struct L2TransactionRequestTwoBridgesOuter {
    uint256 chainId;
    uint256 mintValue;
    uint256 l2Value;
    uint256 l2GasLimit;
    uint256 l2GasPerPubdataByteLimit;
    address refundRecipient;
    address secondBridgeAddress;
    uint256 secondBridgeValue;
    bytes secondBridgeCalldata;
}

/// @notice What the second bridge of a two-bridge request returns to the Bridgehub
///         (era-contracts' Messaging.sol): the L2 call to make and the deposit's data hash.
struct L2TransactionRequestTwoBridgesInner {
    bytes32 magicValue;
    address l2Contract;
    bytes l2Calldata;
    bytes[] factoryDeps;
    bytes32 txDataHash;
}

/// @dev The magic value a second bridge returns (era-contracts' Config.sol).
bytes32 constant TWO_BRIDGES_MAGIC_VALUE = bytes32(uint256(keccak256("TWO_BRIDGES_MAGIC_VALUE")) - 1);

/// @dev Second bridge addresses at or below this are refused (era-contracts' Config.sol).
address constant BRIDGEHUB_MIN_SECOND_BRIDGE_ADDRESS = address(uint160(type(uint16).max));

/// @dev The L2 asset router: the L2 contract an ERC-20 deposit calls.
address constant L2_ASSET_ROUTER_ADDR = address(0x10003);

/// @notice One L2 -> L1 log: a leaf of a batch's logs tree is keccak256 of its 88-byte packing.
struct L2Log {
    uint8 l2ShardId;
    bool isService;
    uint16 txNumberInBatch;
    address sender;
    bytes32 key;
    bytes32 value;
}

/// @notice An L2 -> L1 message, which L1Messenger logged with key = sender, value = keccak256(data).
struct L2Message {
    uint16 txNumberInBatch;
    address sender;
    bytes data;
}

/// @notice A priority transaction's outcome, as the bootloader's status log records it.
enum TxStatus {
    Failure,
    Success
}

/// @notice The argument of `L1Nullifier.finalizeDeposit`, zksync-ethers' `FinalizeL1DepositParams`.
struct FinalizeL1DepositParams {
    uint256 chainId;
    uint256 l2BatchNumber;
    uint256 l2MessageIndex;
    address l2Sender;
    uint16 l2TxNumberInBatch;
    bytes message;
    bytes32[] merkleProof;
}

/// @notice How pubdata is paid for (`PubdataPricingMode`): Rollup pays L1 gas for it, Validium not.
enum PubdataPricingMode {
    Rollup,
    Validium
}

/// @notice The chain's fee parameters (`FeeParams` of ZKChainStorage), from which the Mailbox
///         derives a priority transaction's L2 gas price from the L1 gas price.
struct FeeParams {
    PubdataPricingMode pubdataPricingMode;
    uint32 batchOverheadL1Gas;
    uint32 maxPubdataPerBatch;
    uint32 maxL2GasPerBatch;
    uint32 priorityTxMaxPubdata;
    uint64 minimalL2GasPrice;
}

/// @title L2LogsProof
/// @notice Inclusion of an L2 -> L1 log in a batch's logs tree: the leaf is keccak256 of the log's
///         88-byte packing (`shardId ‖ isService ‖ txNumberInBatch ‖ sender ‖ key ‖ value`), the
///         tree has 2^14 leaves padded with keccak256(new bytes(88)), and a proof is the 14 sibling
///         hashes from the leaf up (era-contracts' Merkle.calculateRoot over a legacy proof, and
///         `zks_getL2ToL1LogProof`'s answer).
library L2LogsProof {
    /// @notice A proof that is not 14 sibling hashes.
    error MerklePathLengthMismatch(uint256 pathLength, uint256 expectedLength);
    /// @notice A leaf index outside the tree.
    error MerkleIndexOutOfBounds();

    /// @notice The log L1Messenger sent for `message`.
    function messageToLog(L2Message memory message) internal pure returns (L2Log memory) {
        return L2Log({
            l2ShardId: 0,
            isService: true,
            txNumberInBatch: message.txNumberInBatch,
            sender: L2_TO_L1_MESSENGER_SYSTEM_CONTRACT_ADDR,
            key: bytes32(uint256(uint160(message.sender))),
            value: keccak256(message.data)
        });
    }

    /// @notice The leaf of `log` in the logs tree.
    function leaf(L2Log memory log) internal pure returns (bytes32) {
        return keccak256(
            abi.encodePacked(log.l2ShardId, log.isService, log.txNumberInBatch, log.sender, log.key, log.value)
        );
    }

    /// @notice The root `proof` leads to from `leafHash` at position `index`.
    function root(bytes32[] calldata proof, uint256 index, bytes32 leafHash) internal pure returns (bytes32 hash) {
        if (proof.length != L2_TO_L1_LOGS_TREE_HEIGHT) {
            revert MerklePathLengthMismatch(proof.length, L2_TO_L1_LOGS_TREE_HEIGHT);
        }
        if (index >= 1 << L2_TO_L1_LOGS_TREE_HEIGHT) revert MerkleIndexOutOfBounds();
        hash = leafHash;
        for (uint256 level = 0; level < L2_TO_L1_LOGS_TREE_HEIGHT; ++level) {
            hash = (index >> level) & 1 == 0
                ? Hashes.efficientKeccak256(hash, proof[level])
                : Hashes.efficientKeccak256(proof[level], hash);
        }
    }
}
