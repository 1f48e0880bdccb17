//! ZK Stack's L2-to-L1 messaging vocabulary: the system contracts' addresses and events
//! (L1Messenger, L2BaseToken), the 88-byte L2-to-L1 log, the base token's withdrawal message,
//! and the logs Merkle tree a batch commits to L1.
//!
//! Shared by the `zk-stack` profile (which emits the messages and reports the logs in
//! receipts), the RPC's `zks_*` methods (which prove them) and the L1 contracts' tests. Layouts
//! follow ZK Stack's system contracts (`L1Messenger.sol`, `L2BaseToken.sol`, `Constants.sol`),
//! the bootloader (the status log of each priority transaction) and zksync-era's `L2ToL1Log`.

use crate::{ReceiptEnvelope, TxEnvelope, TxType};
use alloy_consensus::TxReceipt;
use alloy_primitives::{Address, B256, Log, U256, address, b256, keccak256};

/// The L1Messenger system contract: `sendToL1(bytes)` sends a message to L1.
pub const L1_MESSENGER: Address = address!("0x0000000000000000000000000000000000008008");

/// `keccak256("L1MessageSent(address,bytes32,bytes)")`: the event L1Messenger emits per
/// message, with the sender and the message's hash indexed.
pub const L1_MESSAGE_SENT_TOPIC: B256 =
    b256!("0x3a36e47291f4201faf137fab081d92295bce2d53be2c6ca68ba82c7faa9ce241");

/// Selector of `sendToL1(bytes)`.
pub const SEND_TO_L1_SELECTOR: [u8; 4] = [0x62, 0xf8, 0x4b, 0x24];

/// The L1 chain id a zk-stack chain reports until it is configured to settle on another: 9,
/// the chain id of ZKsync's local development L1.
pub const DEV_L1_CHAIN_ID: u64 = 9;

/// The bootloader's formal address: the sender of each priority transaction's status log.
pub const BOOTLOADER_FORMAL_ADDRESS: Address =
    address!("0x0000000000000000000000000000000000008001");

/// L2BaseToken, the base token's system contract (`L2_BASE_TOKEN_SYSTEM_CONTRACT_ADDR`):
/// `withdraw(address)` and `withdrawWithMessage(address,bytes)` send the base token to L1.
pub const L2_BASE_TOKEN: Address = address!("0x000000000000000000000000000000000000800a");

/// The L2 asset router (`L2_ASSET_ROUTER_ADDR`): zksync-ethers reads the L1 shared bridge's
/// address from it (`L1_ASSET_ROUTER()`).
pub const L2_ASSET_ROUTER: Address = address!("0x0000000000000000000000000000000000010003");

/// The L2 native token vault (`L2_NATIVE_TOKEN_VAULT_ADDR`): zksync-ethers reads the base
/// token's asset id and the L1 chain id from it to tell whether a token is the base token.
pub const L2_NATIVE_TOKEN_VAULT: Address = address!("0x0000000000000000000000000000000000010004");

/// Ether's address in ZK Stack's L1 contracts (`ETH_TOKEN_ADDRESS`).
pub const ETH_ADDRESS_IN_CONTRACTS: Address =
    address!("0x0000000000000000000000000000000000000001");

/// Selector of the L1 Mailbox's `finalizeEthWithdrawal(uint256,uint256,uint16,bytes,bytes32[])`:
/// the first 4 bytes of a base token withdrawal's message.
pub const FINALIZE_ETH_WITHDRAWAL_SELECTOR: [u8; 4] = [0x6c, 0x09, 0x60, 0xf9];

/// `keccak256("Withdrawal(address,address,uint256)")`: L2BaseToken's event, with the L2 sender
/// and the L1 receiver indexed.
pub const WITHDRAWAL_TOPIC: B256 =
    b256!("0x2717ead6b9200dd235aad468c9809ea400fe33ac69b5bfaa6d3e90fc922b6398");

/// `keccak256("WithdrawalWithMessage(address,address,uint256,bytes)")`.
pub const WITHDRAWAL_WITH_MESSAGE_TOPIC: B256 =
    b256!("0xc405fe8958410bbaf0c73b7a0c3e20859e86ca168a4c9b0def9c54d2555a306b");

/// The message L2BaseToken sends to L1 for a withdrawal of `amount` to `l1_receiver`:
/// `finalizeEthWithdrawal.selector ‖ l1Receiver ‖ amount` (56 bytes), and for
/// `withdrawWithMessage` the L2 sender and the additional data after them.
pub fn withdrawal_message(
    l1_receiver: Address,
    amount: U256,
    with_message: Option<(Address, &[u8])>,
) -> Vec<u8> {
    let mut message = Vec::with_capacity(56 + with_message.map_or(0, |(_, data)| 20 + data.len()));
    message.extend_from_slice(&FINALIZE_ETH_WITHDRAWAL_SELECTOR);
    message.extend_from_slice(l1_receiver.as_slice());
    message.extend_from_slice(&amount.to_be_bytes::<32>());
    if let Some((sender, data)) = with_message {
        message.extend_from_slice(sender.as_slice());
        message.extend_from_slice(data);
    }
    message
}

/// Size of a serialized L2-to-L1 log (`L2_TO_L1_LOG_SERIALIZE_SIZE`).
pub const L2_TO_L1_LOG_SIZE: usize = 88;

/// Height of the L2-to-L1 logs Merkle tree: 2^14 = 16384 leaves
/// (`L2_TO_L1_LOGS_MERKLE_TREE_LEAVES`).
pub const L2_TO_L1_LOGS_TREE_HEIGHT: usize = 14;

/// The leaf that pads the tree: `keccak256(new bytes(88))` (`L2_L1_LOGS_TREE_DEFAULT_LEAF_HASH`).
pub const L2_TO_L1_LOGS_DEFAULT_LEAF: B256 =
    b256!("0x72abee45b59e344af8a6e520241c4744aff26ed411f4c4b00f8af09adada43ba");

/// One L2-to-L1 log, as the logs tree and zksync-era's `L2ToL1Log` hold it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct L2ToL1Log {
    /// Shard (0: the rollup).
    pub shard_id: u8,
    /// Whether a system contract sent it (true for L1Messenger's messages).
    pub is_service: bool,
    /// Index of the transaction in its batch.
    pub tx_number_in_block: u16,
    /// The system contract that sent it (L1Messenger for messages).
    pub sender: Address,
    /// For a message: the address that called `sendToL1`, left-padded.
    pub key: B256,
    /// For a message: `keccak256(message)`.
    pub value: B256,
}

impl L2ToL1Log {
    /// The log of a message sent by `sender` in transaction `tx_number_in_block`.
    pub fn message(tx_number_in_block: u16, sender: Address, message_hash: B256) -> Self {
        Self {
            shard_id: 0,
            is_service: true,
            tx_number_in_block,
            sender: L1_MESSENGER,
            key: sender.into_word(),
            value: message_hash,
        }
    }

    /// The log ZKsync's bootloader sends after each priority transaction: from the bootloader,
    /// the transaction's hash as key, its status (1 success, 0 failure) as value. L1 proves a
    /// priority transaction's outcome with it (`proveL1ToL2TransactionStatus`).
    pub fn priority_status(tx_number_in_block: u16, tx_hash: B256, success: bool) -> Self {
        Self {
            shard_id: 0,
            is_service: true,
            tx_number_in_block,
            sender: BOOTLOADER_FORMAL_ADDRESS,
            key: tx_hash,
            value: B256::with_last_byte(u8::from(success)),
        }
    }

    /// The 88-byte packed encoding: shard id (1), is service (1), tx number (2, big-endian),
    /// sender (20), key (32), value (32).
    pub fn to_bytes(&self) -> [u8; L2_TO_L1_LOG_SIZE] {
        let mut out = [0u8; L2_TO_L1_LOG_SIZE];
        out[0] = self.shard_id;
        out[1] = u8::from(self.is_service);
        out[2..4].copy_from_slice(&self.tx_number_in_block.to_be_bytes());
        out[4..24].copy_from_slice(self.sender.as_slice());
        out[24..56].copy_from_slice(self.key.as_slice());
        out[56..88].copy_from_slice(self.value.as_slice());
        out
    }

    /// Its leaf in the logs tree: keccak256 of the packed encoding.
    pub fn leaf_hash(&self) -> B256 {
        keccak256(self.to_bytes())
    }
}

/// The L2-to-L1 logs of the transaction at `tx_index` of its batch: one per `L1MessageSent`
/// event that L1Messenger emitted (only L1Messenger's precompile can emit logs at its
/// address, so the events are the messages).
pub fn message_logs(tx_index: u16, logs: &[Log]) -> Vec<L2ToL1Log> {
    logs.iter()
        .filter(|log| is_l1_message(log))
        .map(|log| {
            let sender = Address::from_word(log.topics()[1]);
            L2ToL1Log::message(tx_index, sender, log.topics()[2])
        })
        .collect()
}

/// Whether `log` is L1Messenger's `L1MessageSent(address indexed, bytes32 indexed, bytes)`:
/// a message to L1.
pub fn is_l1_message(log: &Log) -> bool {
    log.address == L1_MESSENGER
        && log.topics().len() == 3
        && log.topics()[0] == L1_MESSAGE_SENT_TOPIC
}

/// The L2-to-L1 logs of transaction `tx` at `tx_index` of its batch, with its `receipt`: its
/// messages, then, for a priority transaction, the bootloader's status log (which the
/// bootloader sends once the transaction has run).
pub fn tx_logs(tx_index: u16, tx: &TxEnvelope, receipt: &ReceiptEnvelope) -> Vec<L2ToL1Log> {
    let mut logs = message_logs(tx_index, receipt.logs());
    if receipt.tx_type == TxType::Priority {
        logs.push(L2ToL1Log::priority_status(tx_index, tx.tx_hash(), receipt.status()));
    }
    logs
}

/// The L2-to-L1 logs of a committed block (one batch here), in order, from its transactions
/// and their receipts.
pub fn batch_logs(txs: &[TxEnvelope], receipts: &[ReceiptEnvelope]) -> Vec<L2ToL1Log> {
    txs.iter()
        .zip(receipts)
        .enumerate()
        .flat_map(|(index, (tx, receipt))| tx_logs(index as u16, tx, receipt))
        .collect()
}

/// The root of a batch's logs tree: what its commitment on L1 carries and what
/// `zks_getL2ToL1LogProof` proves against.
pub fn batch_logs_root(
    txs: &[TxEnvelope],
    receipts: &[ReceiptEnvelope],
) -> Result<B256, TooManyLogs> {
    let leaves: Vec<B256> = batch_logs(txs, receipts).iter().map(L2ToL1Log::leaf_hash).collect();
    Ok(logs_tree(&leaves, None)?.0)
}

/// The pad hash of each level: level 0 is the default leaf, level `i + 1` hashes two of
/// level `i`.
fn default_hashes() -> [B256; L2_TO_L1_LOGS_TREE_HEIGHT + 1] {
    let mut hashes = [L2_TO_L1_LOGS_DEFAULT_LEAF; L2_TO_L1_LOGS_TREE_HEIGHT + 1];
    for level in 1..=L2_TO_L1_LOGS_TREE_HEIGHT {
        hashes[level] = hash_pair(hashes[level - 1], hashes[level - 1]);
    }
    hashes
}

fn hash_pair(left: B256, right: B256) -> B256 {
    let mut buf = [0u8; 64];
    buf[..32].copy_from_slice(left.as_slice());
    buf[32..].copy_from_slice(right.as_slice());
    keccak256(buf)
}

/// Too many logs for one batch's tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManyLogs(pub usize);

impl std::fmt::Display for TooManyLogs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} L2-to-L1 logs do not fit a tree of 2^14 leaves", self.0)
    }
}

impl std::error::Error for TooManyLogs {}

/// The root of the logs tree over `leaves` (padded to 2^14 with the default leaf), and the
/// sibling path of leaf `index` if asked (bottom-up, as zksync-era's `MiniMerkleTree`).
///
/// This is the batch's *local* logs root. ZK Stack chains that settle through the gateway
/// commit `keccak256(localRoot ‖ aggregatedRoot)` (the message root of chains below them) and
/// prefix their proofs with metadata; a Tephra chain has no such aggregation yet, so its
/// proofs are the 14 siblings up to the local root.
pub fn logs_tree(leaves: &[B256], index: Option<usize>) -> Result<(B256, Vec<B256>), TooManyLogs> {
    if leaves.len() > 1 << L2_TO_L1_LOGS_TREE_HEIGHT {
        return Err(TooManyLogs(leaves.len()));
    }
    let defaults = default_hashes();
    let mut layer = leaves.to_vec();
    let mut proof = Vec::new();
    let mut position = index;
    for default in defaults.iter().take(L2_TO_L1_LOGS_TREE_HEIGHT) {
        if let Some(at) = position {
            proof.push(layer.get(at ^ 1).copied().unwrap_or(*default));
            position = Some(at / 2);
        }
        layer = layer
            .chunks(2)
            .map(|pair| hash_pair(pair[0], pair.get(1).copied().unwrap_or(*default)))
            .collect();
    }
    Ok((layer.first().copied().unwrap_or(defaults[L2_TO_L1_LOGS_TREE_HEIGHT]), proof))
}

/// Verifies `proof` of `leaf` at `index` against `root`.
pub fn verify_log_proof(leaf: B256, index: usize, proof: &[B256], root: B256) -> bool {
    let mut hash = leaf;
    let mut position = index;
    for sibling in proof {
        hash = if position.is_multiple_of(2) {
            hash_pair(hash, *sibling)
        } else {
            hash_pair(*sibling, hash)
        };
        position /= 2;
    }
    proof.len() == L2_TO_L1_LOGS_TREE_HEIGHT && hash == root
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{Bytes, LogData};

    #[test]
    fn constants_are_the_hashes_they_name() {
        assert_eq!(L1_MESSAGE_SENT_TOPIC, keccak256("L1MessageSent(address,bytes32,bytes)"));
        assert_eq!(SEND_TO_L1_SELECTOR, keccak256("sendToL1(bytes)")[..4]);
        assert_eq!(
            FINALIZE_ETH_WITHDRAWAL_SELECTOR,
            keccak256("finalizeEthWithdrawal(uint256,uint256,uint16,bytes,bytes32[])")[..4]
        );
        assert_eq!(WITHDRAWAL_TOPIC, keccak256("Withdrawal(address,address,uint256)"));
        assert_eq!(
            WITHDRAWAL_WITH_MESSAGE_TOPIC,
            keccak256("WithdrawalWithMessage(address,address,uint256,bytes)")
        );
        assert_eq!(L2_TO_L1_LOGS_DEFAULT_LEAF, keccak256([0u8; L2_TO_L1_LOG_SIZE]));
    }

    #[test]
    fn log_packs_to_88_bytes_in_field_order() {
        let sender = Address::repeat_byte(0xaa);
        let log = L2ToL1Log::message(0x0102, sender, B256::repeat_byte(0xbb));
        let bytes = log.to_bytes();
        assert_eq!(&bytes[..4], &[0, 1, 1, 2]);
        assert_eq!(&bytes[4..24], L1_MESSENGER.as_slice());
        assert_eq!(&bytes[24..56], sender.into_word().as_slice());
        assert_eq!(&bytes[56..], &[0xbb; 32]);
    }

    #[test]
    fn withdrawal_message_is_l2_base_tokens_layout() {
        let receiver = Address::repeat_byte(0x42);
        let amount = U256::from(10u64.pow(18));
        let message = withdrawal_message(receiver, amount, None);
        assert_eq!(message.len(), 56);
        assert_eq!(message[..4], FINALIZE_ETH_WITHDRAWAL_SELECTOR);
        assert_eq!(&message[4..24], receiver.as_slice());
        assert_eq!(message[24..], amount.to_be_bytes::<32>());
        let sender = Address::repeat_byte(0x07);
        let extended = withdrawal_message(receiver, amount, Some((sender, b"hi")));
        assert_eq!(extended[..56], message[..]);
        assert_eq!(&extended[56..76], sender.as_slice());
        assert_eq!(&extended[76..], b"hi");
    }

    #[test]
    fn empty_tree_root_is_the_padded_default() {
        let (root, _) = logs_tree(&[], None).expect("fits");
        let mut hash = L2_TO_L1_LOGS_DEFAULT_LEAF;
        for _ in 0..L2_TO_L1_LOGS_TREE_HEIGHT {
            hash = hash_pair(hash, hash);
        }
        assert_eq!(root, hash);
    }

    #[test]
    fn root_equals_a_full_naive_tree() {
        let leaves: Vec<B256> = (0..5u8).map(|i| keccak256([i])).collect();
        let mut layer = leaves.clone();
        layer.resize(1 << L2_TO_L1_LOGS_TREE_HEIGHT, L2_TO_L1_LOGS_DEFAULT_LEAF);
        while layer.len() > 1 {
            layer = layer.chunks(2).map(|pair| hash_pair(pair[0], pair[1])).collect();
        }
        assert_eq!(logs_tree(&leaves, None).expect("fits").0, layer[0]);
    }

    #[test]
    fn every_leaf_proves_and_a_flipped_bit_does_not() {
        let leaves: Vec<B256> = (0..7u8).map(|i| keccak256([i])).collect();
        for (index, leaf) in leaves.iter().enumerate() {
            let (root, proof) = logs_tree(&leaves, Some(index)).expect("fits");
            assert!(verify_log_proof(*leaf, index, &proof, root));
            let mut forged = *leaf;
            forged.0[31] ^= 1;
            assert!(!verify_log_proof(forged, index, &proof, root));
            assert!(!verify_log_proof(*leaf, index ^ 1, &proof, root));
        }
    }

    #[test]
    fn refuses_more_logs_than_leaves() {
        let leaves = vec![B256::ZERO; (1 << L2_TO_L1_LOGS_TREE_HEIGHT) + 1];
        assert_eq!(logs_tree(&leaves, None), Err(TooManyLogs(leaves.len())));
    }

    #[test]
    fn message_logs_come_from_l1_messenger_events_only() {
        let sender = Address::repeat_byte(0x11);
        let hash = B256::repeat_byte(0x22);
        let topics = vec![L1_MESSAGE_SENT_TOPIC, sender.into_word(), hash];
        let event = Log {
            address: L1_MESSENGER,
            data: LogData::new_unchecked(topics.clone(), Bytes::new()),
        };
        let forged = Log {
            address: Address::repeat_byte(0x33),
            data: LogData::new_unchecked(topics, Bytes::new()),
        };
        assert_eq!(message_logs(3, &[forged, event]), vec![L2ToL1Log::message(3, sender, hash)]);
    }
}
