//! Small fixed encodings of index values.

use crate::StoreError;
use alloy_primitives::{Address, B256};

/// Where a transaction sits: its block and its index in that block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxLocation {
    /// Block number.
    pub block: u64,
    /// Index of the transaction in the block.
    pub index: u32,
}

impl TxLocation {
    pub(crate) fn encode(self) -> [u8; 12] {
        let mut out = [0u8; 12];
        out[..8].copy_from_slice(&self.block.to_be_bytes());
        out[8..].copy_from_slice(&self.index.to_be_bytes());
        out
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, StoreError> {
        let bytes: [u8; 12] =
            bytes.try_into().map_err(|_| StoreError::corrupt("tx_lookup", "length is not 12"))?;
        let (block, index) = bytes.split_at(8);
        Ok(Self {
            block: u64::from_be_bytes(block.try_into().expect("split at 8")),
            index: u32::from_be_bytes(index.try_into().expect("12 - 8 = 4")),
        })
    }
}

/// The accounts and storage slots one block changed: what an unwind must restore.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlockChanges {
    /// Changed accounts.
    pub accounts: Vec<Address>,
    /// Changed storage slots.
    pub slots: Vec<(Address, B256)>,
}

impl BlockChanges {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(8 + self.accounts.len() * 20 + self.slots.len() * 52);
        out.extend_from_slice(&(self.accounts.len() as u32).to_be_bytes());
        out.extend_from_slice(&(self.slots.len() as u32).to_be_bytes());
        for address in &self.accounts {
            out.extend_from_slice(address.as_slice());
        }
        for (address, slot) in &self.slots {
            out.extend_from_slice(address.as_slice());
            out.extend_from_slice(slot.as_slice());
        }
        out
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, StoreError> {
        let corrupt = || StoreError::corrupt("block_changes", "truncated entry");
        let count = |at: usize| -> Result<usize, StoreError> {
            let raw = bytes.get(at..at + 4).ok_or_else(corrupt)?;
            Ok(u32::from_be_bytes(raw.try_into().expect("4 bytes")) as usize)
        };
        let (accounts, slots) = (count(0)?, count(4)?);
        if bytes.len() != 8 + accounts * 20 + slots * 52 {
            return Err(corrupt());
        }
        let mut rest = &bytes[8..];
        let mut out = Self::default();
        for _ in 0..accounts {
            out.accounts.push(Address::from_slice(&rest[..20]));
            rest = &rest[20..];
        }
        for _ in 0..slots {
            out.slots.push((Address::from_slice(&rest[..20]), B256::from_slice(&rest[20..52])));
            rest = &rest[52..];
        }
        Ok(out)
    }
}

/// `address ‖ block` key of the account history table.
pub(crate) fn account_history_key(address: &Address, block: u64) -> [u8; 28] {
    let mut key = [0u8; 28];
    key[..20].copy_from_slice(address.as_slice());
    key[20..].copy_from_slice(&block.to_be_bytes());
    key
}

/// `address ‖ slot` key of the storage table.
pub(crate) fn storage_key(address: &Address, slot: &B256) -> [u8; 52] {
    let mut key = [0u8; 52];
    key[..20].copy_from_slice(address.as_slice());
    key[20..].copy_from_slice(slot.as_slice());
    key
}

/// `address ‖ slot ‖ block` key of the storage history table.
pub(crate) fn storage_history_key(address: &Address, slot: &B256, block: u64) -> [u8; 60] {
    let mut key = [0u8; 60];
    key[..52].copy_from_slice(&storage_key(address, slot));
    key[52..].copy_from_slice(&block.to_be_bytes());
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_changes_round_trip_and_refuse_truncation() {
        let changes = BlockChanges {
            accounts: vec![Address::repeat_byte(1), Address::repeat_byte(2)],
            slots: vec![(Address::repeat_byte(3), B256::repeat_byte(4))],
        };
        let bytes = changes.encode();
        assert_eq!(BlockChanges::decode(&bytes).unwrap(), changes);
        assert!(BlockChanges::decode(&bytes[..bytes.len() - 1]).is_err());
        assert!(BlockChanges::decode(&bytes[..3]).is_err());
    }

    #[test]
    fn tx_location_round_trip() {
        let location = TxLocation { block: 7, index: 3 };
        assert_eq!(TxLocation::decode(&location.encode()).unwrap(), location);
        assert!(TxLocation::decode(&[0; 11]).is_err());
    }
}
