//! A block as it travels in one piece: `debug_getRawBlock`'s RLP (geth's and reth's), which a
//! guardian decodes to re-execute the block statelessly.
//!
//! Tephra's blocks have no ommers, and no withdrawals besides an empty list when the header
//! commits to one (every header since Shanghai does; on OP Stack since Isthmus its root is the
//! message passer's storage root, and the body's list stays empty, as op-reth keeps it).

use crate::TxEnvelope;
use alloy_consensus::{BlockBody, Header};
use alloy_eips::eip4895::Withdrawals;

/// A block: its header and body of Tephra's transaction envelopes.
pub type Block = alloy_consensus::Block<TxEnvelope>;

/// The block of `header` with `transactions`, as the chain stores it.
pub fn block(header: Header, transactions: Vec<TxEnvelope>) -> Block {
    let withdrawals = header.withdrawals_root.map(|_| Withdrawals::default());
    Block { header, body: BlockBody { transactions, ommers: Vec::new(), withdrawals } }
}

/// The RLP of `block`: `[header, [tx...], [], [withdrawal...]?]`, each typed transaction as the
/// string of its EIP-2718 encoding (`debug_getRawBlock`'s answer).
pub fn encode_block(block: &Block) -> Vec<u8> {
    alloy_rlp::encode(block)
}

/// Decodes [`encode_block`]'s bytes, refusing trailing bytes.
pub fn decode_block(raw: &[u8]) -> Result<Block, alloy_rlp::Error> {
    alloy_rlp::decode_exact(raw)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tx::TxDeposit;
    use alloy_consensus::TxLegacy;
    use alloy_consensus::{Signed, TxEip1559};
    use alloy_primitives::{Address, B256, Signature, U256};

    #[test]
    fn raw_block_round_trips_legacy_typed_and_deposit_transactions() {
        let signed = Signed::new_unhashed(
            TxEip1559 { chain_id: 10, nonce: 3, gas_limit: 21_000, ..Default::default() },
            Signature::new(U256::from(1), U256::from(2), false),
        );
        let deposit = TxDeposit { from: Address::repeat_byte(1), ..Default::default() };
        let legacy = Signed::new_unhashed(
            TxLegacy { chain_id: Some(10), gas_limit: 21_000, ..Default::default() },
            Signature::new(U256::from(3), U256::from(4), true),
        );
        let header = Header {
            number: 7,
            base_fee_per_gas: Some(7),
            withdrawals_root: Some(B256::repeat_byte(9)),
            ..Default::default()
        };
        let block = block(header, vec![signed.into(), deposit.into(), legacy.into()]);
        let decoded = decode_block(&encode_block(&block)).unwrap();
        assert_eq!(decoded.header, block.header);
        assert_eq!(decoded.body.withdrawals, Some(Withdrawals::default()));
        let hashes =
            |b: &Block| b.body.transactions.iter().map(TxEnvelope::tx_hash).collect::<Vec<_>>();
        assert_eq!(hashes(&decoded), hashes(&block));
        let mut raw = encode_block(&block);
        raw.push(0);
        assert!(decode_block(&raw).is_err(), "trailing bytes are refused");
    }
}
