//! Calls the sequencer itself sends at the start of its next block, handed over by something
//! outside the node (a rollup's importer of Metalayer certificates, say).

use alloy_consensus::{SignableTransaction, TxEip1559, transaction::Recovered};
use alloy_primitives::{Address, Bytes, TxKind, U256};
use alloy_signer::SignerSync;
use alloy_signer_local::PrivateKeySigner;
use parking_lot::Mutex;
use tephra_primitives::TxEnvelope;
use tephra_txpool::PooledTx;

/// One call for the sequencer to send: a transaction from the slot's key to `to` with `data`
/// and a gas limit of `gas`, no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SequencerCall {
    /// The callee.
    pub to: Address,
    /// The calldata.
    pub data: Bytes,
    /// The transaction's gas limit.
    pub gas: u64,
}

/// A slot holding at most one [`SequencerCall`] and the sequencer's own key that signs it.
///
/// Whoever holds the slot [`put`](Self::put)s a call; the sequencer takes it when it builds its
/// next block and offers it, signed at the key's nonce at the head with a fee cap of the
/// block's base fee and no tip, before the pool's transactions (after the protocol's system
/// transactions and deposits). A call put before the previous one was taken replaces it, so
/// each call is sent at most once. A call that cannot run (the key lacks the funds, say) is
/// skipped as any invalid transaction is, and the block goes on without it.
///
/// The key must be the slot's alone: a pooled transaction of the same account would compete
/// for its nonce.
#[derive(Debug)]
pub struct SequencerCalls {
    signer: PrivateKeySigner,
    next: Mutex<Option<SequencerCall>>,
}

impl SequencerCalls {
    /// An empty slot whose calls `signer` signs.
    pub fn new(signer: PrivateKeySigner) -> Self {
        Self { signer, next: Mutex::new(None) }
    }

    /// The account the sequencer's calls come from.
    pub fn address(&self) -> Address {
        self.signer.address()
    }

    /// Hands over `call` for the next block; returns the call it replaced, if the sequencer
    /// had not taken it yet.
    pub fn put(&self, call: SequencerCall) -> Option<SequencerCall> {
        self.next.lock().replace(call)
    }

    /// Takes the call waiting for the next block, if any.
    pub(crate) fn take(&self) -> Option<SequencerCall> {
        self.next.lock().take()
    }

    /// `call` as an EIP-1559 transaction of chain `chain_id` at `nonce`, paying `base_fee` per
    /// gas and no tip, signed by the slot's key.
    pub(crate) fn sign(
        &self,
        call: SequencerCall,
        chain_id: u64,
        nonce: u64,
        base_fee: u64,
    ) -> Result<PooledTx, alloy_signer::Error> {
        let tx = TxEip1559 {
            chain_id,
            nonce,
            gas_limit: call.gas,
            max_fee_per_gas: u128::from(base_fee),
            max_priority_fee_per_gas: 0,
            to: TxKind::Call(call.to),
            value: U256::ZERO,
            access_list: Default::default(),
            input: call.data,
        };
        let signature = self.signer.sign_hash_sync(&tx.signature_hash())?;
        let envelope = TxEnvelope::Eip1559(tx.into_signed(signature));
        Ok(PooledTx::new(Recovered::new_unchecked(envelope, self.signer.address())))
    }
}
