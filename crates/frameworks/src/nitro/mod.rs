//! `nitro`: Arbitrum Nitro's execution rules (ArbOS 32) on Tephra's core, through alloy-evm's
//! Ethereum block executor with an EVM whose precompiles are extended:
//!
//! - **ArbSys** (`0x64`): `arbBlockNumber`, `arbBlockHash`, `arbChainID`, `arbOSVersion`,
//!   `sendTxToL1` / `withdrawEth` (the `L2ToL1Tx` event, the value burnt) and
//!   `sendMerkleTreeState`; the send Merkle accumulator lives in the ArbOS state account's
//!   storage ([`ARBOS_STATE`]).
//! - **ArbGasInfo** (`0x6c`): `getPricesInWei`, `getL1BaseFeeEstimate`,
//!   `getL1GasPriceEstimate`, `getCurrentTxL1GasFees`.
//! - **L1 pricing**: the poster's L1 cost (16 units per byte of the transaction's brotli
//!   compression, at the L1 price per unit) becomes extra L2 gas (`gasUsedForL1`) charged on
//!   top of execution gas; tips are dropped; the compute base fee goes to the network fee account
//!   and the poster fee to the L1 pricer funds pool (see `executor.rs`).
//! - **NUMBER** is the L1 block number, while ArbSys, the header and the RPC keep the L2 one.
//!   Nitro's geth keeps the L2 number in its block context and answers NUMBER (and bounds
//!   BLOCKHASH) through a hook reading ArbOS state; here the EVM's block env carries the L1
//!   number instead, and the precompiles are handed the L2 number. revm's instruction table
//!   could take a custom NUMBER (`EthInstructions::insert_instruction`, reached by building
//!   alloy-evm's `EthEvm` from its inner revm `Evm`), but an instruction is a plain function
//!   that can only find the L1 number in the context, which would mean keeping it in state as
//!   ArbOS does: a step for when blocks carry Nitro's StartBlock internal transaction.
//! - **Header** as Nitro stores it: `extraData` = send root, `mixHash` = send count ‖ L1 block
//!   number ‖ ArbOS version ‖ zeros, `difficulty` 1, coinbase the batch poster.
//!
//! The L1 block number comes from a dev L1 origin (one L1 block every
//! [`Nitro::l1_block_time`] seconds of L2 time) until a rollup follows a real L1.
//!
//! Nitro's ETH deposits (type `0x64`, [`tephra_primitives::tx::TxArbitrumDeposit`]) credit
//! their recipient without the EVM; the pool refuses them from users.
//!
//! **Retryables** (`retryables.rs`, `executor.rs`): a submission (type `0x69`) mints its
//! deposit to the sender, takes the submission fee, escrows the call value, stores the ticket
//! (ArbRetryableTx's state, `TicketCreated`) and, when the gas limit times the fee cap is
//! funded, pays the gas and schedules the auto-redeem (`RedeemScheduled`): a retry (type
//! `0x68`) that the block runs right after it, as Nitro's block processor does. Anyone may
//! schedule another attempt with **ArbRetryableTx** (`0x6e`) `redeem(bytes32)`, donating the
//! call's gas; `getTimeout`, `getLifetime`, `getBeneficiary`, `keepalive`, `cancel` and
//! `getCurrentRedeemer` serve the rest. The pool refuses both types from users.
//!
//! ArbOS 32 runs the EVM at Cancun: no EIP-7702 transactions, no EIP-2935 history contract,
//! no EIP-7685 requests. One Prague addition is here as on every Tephra profile: the EIP-2537
//! BLS12-381 precompiles (0x0b..0x11), which the Metalayer's certificate check runs on (Nitro
//! itself adds them in ArbOS 40).

mod executor;
pub mod merkle;
mod node_interface;
mod precompiles;
mod retryables;
pub mod token_bridge;

pub use node_interface::{NODE_INTERFACE, NodeInterface, apply_l1_to_l2_alias};
pub use precompiles::{ArbGasInfo, ArbSys};
pub use retryables::{
    ArbRetryableTx, RETRYABLE_LIFETIME_SECONDS, Retryable, escrow_address, submission_fee,
};

use crate::receipts::Receipts;
use alloy_consensus::{Header, SignableTransaction, TxEip1559, transaction::Recovered};
use alloy_eips::{Encodable2718, eip1559::BaseFeeParams, eip7840::BlobParams};
use alloy_evm::{
    Evm, EvmEnv, FromRecoveredTx,
    eth::{EthBlockExecutor, EthEvmBuilder, spec::EthExecutorSpec},
    precompiles::PrecompilesMap,
};
use alloy_genesis::{Genesis, GenesisAccount};
use alloy_hardforks::{EthereumChainHardforks, EthereumHardfork, EthereumHardforks, ForkCondition};
use alloy_primitives::{Address, B256, Bytes, Signature, U256, address, keccak256};
use alloy_trie::TrieAccount;
use executor::{NitroExecutor, add_gas, drop_tip};
use precompiles::{BlockInfo, L1_GAS_PER_BYTE};
use revm::Database as _;
use revm::{
    context::TxEnv,
    context_interface::result::{EVMError, ExecutionResult, InvalidTransaction},
    precompile::{PrecompileSpecId, Precompiles, bls12_381, secp256r1},
    primitives::hardfork::SpecId,
};
use revm_inspectors::tracing::TracingInspector;
use serde_json::{Map, Value};
use std::sync::{Arc, Mutex};
use tephra_chain::{
    BlockRun, BlockState, BlockTxs, CallInspector, ChainError, ChainSpec, Framework, L1Origin,
    TraceOutcome, run_transactions_scheduling,
};
use tephra_primitives::{ReceiptEnvelope, TxEnvelope};

/// ArbSys: block numbers and hashes, chain id, ArbOS version, L2-to-L1 messages.
pub const ARB_SYS: Address = address!("0x0000000000000000000000000000000000000064");
/// ArbGasInfo: L1 and L2 prices.
pub const ARB_GAS_INFO: Address = address!("0x000000000000000000000000000000000000006C");
/// ArbRetryableTx: redeems, extends, cancels and reads retryable tickets.
pub const ARB_RETRYABLE_TX: Address = tephra_primitives::nitro_tx::ARB_RETRYABLE_TX_ADDRESS;
/// The ArbOS state account: its storage holds the send accumulator (nonce 1, so that it is
/// never an empty account).
pub const ARBOS_STATE: Address = address!("0xA4B05FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF");
/// The batch poster: the header's coinbase; transactions it posts pay the poster fee.
pub const BATCH_POSTER: Address = address!("0xA4B000000000000000000073657175656e636572");
/// Receives the poster fee of every transaction (ArbOS 2 onwards).
pub const L1_PRICER_FUNDS_POOL: Address = address!("0xA4B00000000000000000000000000000000000f6");
/// The network fee account a dev chain pays the compute base fee to (on Nitro, the chain
/// owner's choice; no fixed address).
pub const DEV_NETWORK_FEE_ACCOUNT: Address = address!("0x00000000000000000000000000000000000A4B0F");
/// The gas limit of every Nitro block header (`l2pricing.GethBlockGasLimit`, 2^50): geth's gas
/// pool never runs out, so deposits, retryable submissions and their scheduled redeems always
/// fit the block they belong to.
pub const GETH_BLOCK_GAS_LIMIT: u64 = 1 << 50;
/// L2 compute gas the user transactions of one block may use (ArbOS' `PerBlockGasLimit`,
/// 32M since ArbOS 6); the first user transaction of a block is taken whatever its gas.
pub const PER_BLOCK_GAS_LIMIT: u64 = 32_000_000;
/// The ArbOS version this profile implements; `arbOSVersion()` reports 55 more.
pub const ARBOS_VERSION: u64 = 32;
/// Slot of the ArbOS state account holding the number of L2-to-L1 messages sent.
pub const SEND_COUNT_SLOT: u64 = 0;
/// First slot of the send accumulator's partials (level `l` at `SEND_PARTIALS_SLOT + l`).
pub const SEND_PARTIALS_SLOT: u64 = 2;

/// Slot of the ArbOS state account holding the send hash of L2-to-L1 message `index`, so that
/// NodeInterface can build outbox proofs from state (Nitro rebuilds them from the chain's
/// `SendMerkleUpdate` logs instead; these writes are bookkeeping, charged no gas).
pub fn send_leaf_slot(index: u64) -> U256 {
    U256::from_be_bytes(keccak256(b"tephra.nitro.send.leaves").0).wrapping_add(U256::from(index))
}

/// L1 pricing parameters of a dev chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct L1Pricing {
    /// ArbOS' L1 price per calldata unit (`getL1BaseFeeEstimate()`), in wei. Nitro adjusts it
    /// from the batch poster's spending reports; a dev chain keeps it fixed.
    pub price_per_unit: u64,
    /// The L2 minimum base fee, in wei (Nitro's default: 0.1 gwei).
    pub min_base_fee: u64,
}

impl Default for L1Pricing {
    fn default() -> Self {
        Self { price_per_unit: 1_000_000_000, min_base_fee: 100_000_000 }
    }
}

/// The hardforks ArbOS 32 runs the EVM at: Ethereum's through Cancun.
#[derive(Debug, Clone)]
pub struct NitroForks(EthereumChainHardforks);

impl Default for NitroForks {
    fn default() -> Self {
        Self(tephra_chain::forks_through(EthereumHardfork::Cancun))
    }
}

impl EthereumHardforks for NitroForks {
    fn ethereum_fork_activation(&self, fork: EthereumHardfork) -> ForkCondition {
        self.0.ethereum_fork_activation(fork)
    }
}

impl EthExecutorSpec for NitroForks {
    fn deposit_contract_address(&self) -> Option<Address> {
        None
    }
}

/// The Nitro profile (ArbOS 32).
#[derive(Debug, Clone)]
pub struct Nitro {
    /// L1 pricing.
    pub pricing: L1Pricing,
    /// Seconds between the dev L1 origin's blocks.
    pub l1_block_time: u64,
    /// Receives the compute part of every transaction's fee.
    pub network_fee_account: Address,
    forks: NitroForks,
    /// The token bridge's L2 contracts in the genesis (see [`token_bridge`]), if any.
    token_bridge: std::collections::BTreeMap<Address, GenesisAccount>,
}

impl Default for Nitro {
    fn default() -> Self {
        Self {
            pricing: L1Pricing::default(),
            l1_block_time: 12,
            network_fee_account: DEV_NETWORK_FEE_ACCOUNT,
            forks: NitroForks::default(),
            token_bridge: Default::default(),
        }
    }
}

impl Nitro {
    /// The profile with the token bridge's L2 contracts in its genesis, whose L1 side is `l1`.
    pub fn with_token_bridge(
        mut self,
        l1: token_bridge::L1TokenBridge,
    ) -> Result<Self, tephra_primitives::predeploy::PredeployError> {
        self.token_bridge = token_bridge::token_bridge_genesis(l1)?;
        Ok(self)
    }
}

/// Nitro's `mixHash`: send count (8 bytes) ‖ L1 block number (8) ‖ ArbOS version (8) ‖ zeros.
pub fn mix_hash(send_count: u64, l1_block_number: u64, arbos_version: u64) -> B256 {
    let mut mix = B256::ZERO;
    mix[..8].copy_from_slice(&send_count.to_be_bytes());
    mix[8..16].copy_from_slice(&l1_block_number.to_be_bytes());
    mix[16..24].copy_from_slice(&arbos_version.to_be_bytes());
    mix
}

/// The fields of a Nitro `mixHash`: `(send count, L1 block number, ArbOS version)`.
pub fn decode_mix_hash(mix: B256) -> (u64, u64, u64) {
    let field = |i: usize| u64::from_be_bytes(mix[i * 8..i * 8 + 8].try_into().expect("8 bytes"));
    (field(0), field(1), field(2))
}

/// The accumulator as a finished block left it, read through the post-state.
struct PostAccumulator<'f> {
    read: &'f dyn Fn(&Address, U256) -> Result<U256, ChainError>,
}

impl merkle::AccumulatorStore for PostAccumulator<'_> {
    type Error = ChainError;

    fn size(&mut self) -> Result<u64, ChainError> {
        Ok((self.read)(&ARBOS_STATE, U256::from(SEND_COUNT_SLOT))?.saturating_to())
    }

    fn set_size(&mut self, _size: u64) -> Result<(), ChainError> {
        Err(ChainError::Execution("the post-state's send accumulator is read-only".into()))
    }

    fn partial(&mut self, level: u64) -> Result<B256, ChainError> {
        Ok((self.read)(&ARBOS_STATE, U256::from(SEND_PARTIALS_SLOT + level))?.into())
    }

    fn set_partial(&mut self, _level: u64, _hash: B256) -> Result<(), ChainError> {
        Err(ChainError::Execution("the post-state's send accumulator is read-only".into()))
    }
}

/// Length of `data` compressed as ArbOS 32 compresses a transaction to price it: brotli at
/// quality 1 with a 2^22-byte window, generic mode, the input's size as the size hint (the
/// parameters Nitro's one-shot `BrotliEncoderCompress` call passes), through the Rust port of
/// the reference encoder.
pub fn brotli_len(data: &[u8]) -> usize {
    let params = brotli::enc::BrotliEncoderParams {
        quality: 1,
        lgwin: 22,
        size_hint: data.len(),
        ..Default::default()
    };
    let mut compressed = Vec::with_capacity(data.len() + 64);
    brotli::BrotliCompress(&mut &data[..], &mut compressed, &params)
        .expect("compressing from memory into memory does not fail");
    compressed.len()
}

/// Nitro's padding of a call's poster units, which has no signed transaction to measure: 16
/// more bytes' worth, then 1% more.
fn padded_estimate(units: u64) -> u64 {
    (units + 16 * L1_GAS_PER_BYTE).saturating_mul(10_100) / 10_000
}

impl Nitro {
    /// A call's environment as Nitro's EVM sees it (Cancun rules, NUMBER the L1 block number),
    /// with the L2 and L1 block numbers.
    fn call_env(&self, env: EvmEnv) -> (EvmEnv, u64, u64) {
        let l2_number: u64 = env.block_env.number.saturating_to();
        let timestamp: u64 = env.block_env.timestamp.saturating_to();
        let l1_number = self.l1_number_of(env.block_env.prevrandao.unwrap_or_default(), timestamp);
        let mut env = EvmEnv {
            cfg_env: env.cfg_env.with_spec_and_mainnet_gas_params(SpecId::CANCUN),
            block_env: env.block_env,
        };
        nitro_block_env(&mut env, l1_number);
        (env, l2_number, l1_number)
    }

    /// The L1 block number the dev L1 origin reports at L2 time `timestamp`.
    pub fn l1_block_number(&self, timestamp: u64) -> u64 {
        timestamp / self.l1_block_time.max(1)
    }

    /// Poster units of a transaction with this EIP-2718 encoding: 16 per byte of its brotli
    /// compression at ArbOS 32's level (1, since ArbOS 20) and Nitro's window (2^22).
    pub fn poster_units(&self, encoded: &[u8]) -> u64 {
        (brotli_len(encoded) as u64).saturating_mul(L1_GAS_PER_BYTE)
    }

    /// Poster gas (`gasUsedForL1`) of `units` at `basefee`: the poster cost
    /// (`units * price_per_unit`) in L2 gas, rounded down; none when the base fee is zero.
    pub fn poster_gas_of_units(&self, units: u64, basefee: u64) -> u64 {
        if basefee == 0 {
            return 0;
        }
        let cost = U256::from(units) * U256::from(self.pricing.price_per_unit);
        (cost / U256::from(basefee)).saturating_to()
    }

    /// Poster gas of a transaction with this EIP-2718 encoding, at `basefee`.
    pub fn poster_gas(&self, encoded: &[u8], basefee: u64) -> u64 {
        self.poster_gas_of_units(self.poster_units(encoded), basefee)
    }

    /// The L1 block number a block's header carries (its `mixHash`); for a header Nitro did
    /// not write (genesis), the dev L1 origin's at its timestamp.
    fn l1_number_of(&self, mix: B256, timestamp: u64) -> u64 {
        match decode_mix_hash(mix) {
            (_, l1, ARBOS_VERSION) => l1,
            _ => self.l1_block_number(timestamp),
        }
    }

    /// The EVM environment of a block: Cancun rules, NUMBER = the L1 block number,
    /// PREVRANDAO (DIFFICULTY) = 1, as on Nitro.
    fn env(&self, chain_id: u64, header: &Header) -> EvmEnv {
        let mut env =
            EvmEnv::for_eth_block(header, &self.forks, chain_id, Some(BlobParams::cancun()));
        nitro_block_env(&mut env, self.l1_number_of(header.mix_hash, header.timestamp));
        env
    }

    fn block_info(&self, l2_number: u64, l1_number: u64, poster_fee: U256) -> BlockInfo {
        BlockInfo {
            l2_number,
            l1_number,
            pricing: self.pricing,
            poster_fee: Arc::new(Mutex::new(poster_fee)),
            current_retryable: Arc::new(Mutex::new(None)),
        }
    }

    /// Poster units Nitro estimates for a call, which has no signed transaction to measure:
    /// those of an EIP-1559 transaction with the call's recipient, value, data and access
    /// list, pseudo-random stand-ins (Nitro's: `keccak256("Nonce")` and friends) for a zero
    /// nonce or fee and for the gas limit (so that `eth_estimateGas`' search sees one cost),
    /// and a pseudo-random signature, padded.
    fn call_poster_units(&self, chain_id: u64, tx: &TxEnv) -> u64 {
        let stand_in = |name: &str, bytes: usize| -> u64 {
            let hash = keccak256(name.as_bytes());
            hash[..bytes].iter().fold(0u64, |acc, byte| (acc << 8) | u64::from(*byte))
        };
        let or_stand_in = |value: u128, name: &str| {
            if value == 0 { u128::from(stand_in(name, 4)) } else { value }
        };
        let fake = TxEip1559 {
            chain_id,
            nonce: if tx.nonce == 0 { stand_in("Nonce", 8) } else { tx.nonce },
            gas_limit: stand_in("Gas", 4),
            max_fee_per_gas: or_stand_in(tx.gas_price, "GasFeeCap"),
            max_priority_fee_per_gas: or_stand_in(
                tx.gas_priority_fee.unwrap_or_default(),
                "GasTipCap",
            ),
            to: tx.kind,
            value: tx.value,
            access_list: tx.access_list.clone(),
            input: tx.data.clone(),
        };
        let signature = Signature::new(keccak256(b"R").into(), keccak256(b"S").into(), false);
        let encoded = TxEnvelope::from(fake.into_signed(signature)).encoded_2718();
        padded_estimate(self.poster_units(&encoded))
    }
}

/// Sets a block env to what Nitro's EVM sees: NUMBER is the L1 block number, PREVRANDAO and
/// DIFFICULTY are 1.
fn nitro_block_env(env: &mut EvmEnv, l1_number: u64) {
    env.block_env.number = U256::from(l1_number);
    env.block_env.difficulty = U256::from(1);
    env.block_env.prevrandao = Some(B256::with_last_byte(1));
}

/// Ethereum's precompiles at `spec` (Cancun for ArbOS 32), EIP-2537's BLS12-381 (for the
/// Metalayer, see the module doc), RIP-7212's P256VERIFY at 0x100 (3,450 gas, on Arbitrum
/// since ArbOS 30), ArbSys and ArbGasInfo for `info`, and Tephra's stateless-call precompile
/// (`tephra_chain::STATELESS_CALL`).
fn precompiles_for(spec: SpecId, info: &BlockInfo) -> PrecompilesMap {
    let mut ethereum = Precompiles::new(PrecompileSpecId::from_spec_id(spec)).clone();
    ethereum.extend(bls12_381::precompiles());
    ethereum.extend([secp256r1::P256VERIFY]);
    let mut map = PrecompilesMap::new(std::borrow::Cow::Owned(ethereum));
    map.extend_precompiles(precompiles::precompiles(info));
    tephra_chain::install_stateless_call(&mut map);
    map
}

fn run_call(
    env: EvmEnv,
    state: &mut BlockState,
    tx: TxEnv,
    info: &BlockInfo,
    inspector: CallInspector<'_>,
) -> Result<ExecutionResult, EVMError<ChainError>> {
    let precompiles = precompiles_for(env.cfg_env.spec, info);
    let builder = EthEvmBuilder::new(state, env).precompiles(precompiles);
    let result = match inspector {
        CallInspector::None => builder.build().transact(tx),
        CallInspector::AccessList(inspector) => {
            builder.activate_inspector(inspector).build().transact(tx)
        }
        CallInspector::Tracing(inspector) => {
            builder.activate_inspector(inspector).build().transact(tx)
        }
    };
    Ok(result?.result)
}

impl Framework for Nitro {
    fn name(&self) -> &'static str {
        "nitro"
    }

    /// ArbOS 32 is Cancun for L1 rules: no EIP-7702 (type 4) yet.
    fn accepts_tx_type(&self, ty: u8, _header: &Header) -> bool {
        matches!(ty, 0x00..=0x02)
    }

    fn extend_genesis(&self, genesis: &mut Genesis) {
        genesis.alloc.insert(ARBOS_STATE, GenesisAccount::default().with_nonce(Some(1)));
        genesis.alloc.extend(self.token_bridge.clone());
        // As on Nitro, precompiles carry the code `INVALID` so that contracts' code-size
        // checks before a call pass.
        for precompile in [ARB_SYS, ARB_GAS_INFO, ARB_RETRYABLE_TX] {
            genesis.alloc.insert(
                precompile,
                GenesisAccount::default().with_code(Some(Bytes::from_static(&[0xfe]))),
            );
        }
    }

    /// Nitro's L2 base fee is not EIP-1559's: it sits at the minimum base fee until the gas
    /// backlog exceeds the speed limit. A dev chain has no backlog, so its base fee stays at
    /// the genesis one: a denominator so large that no block changes it (elasticity 1, so no
    /// block is over target).
    fn base_fee_params(&self, _number: u64) -> BaseFeeParams {
        BaseFeeParams::new(1 << 64, 1)
    }

    fn prepare_header(&self, _parent: &Header, l1: Option<&L1Origin>, header: &mut Header) {
        header.beneficiary = BATCH_POSTER;
        header.difficulty = U256::from(1);
        header.gas_limit = GETH_BLOCK_GAS_LIMIT;
        // The send count and root are known after execution ([`Framework::finish_header`]).
        let l1_number = l1.map_or_else(|| self.l1_block_number(header.timestamp), |o| o.number);
        header.mix_hash = mix_hash(0, l1_number, ARBOS_VERSION);
        header.extra_data = Bytes::from(vec![0u8; 32]);
    }

    fn execute(
        &self,
        spec: &ChainSpec,
        header: &Header,
        state: &mut BlockState,
        txs: BlockTxs<'_, '_>,
    ) -> Result<BlockRun, ChainError> {
        let env = self.env(spec.chain_id, header);
        let l1_number = env.block_env.number.saturating_to();
        let info = self.block_info(header.number, l1_number, U256::ZERO);
        let precompiles = precompiles_for(env.cfg_env.spec, &info);
        let evm = EthEvmBuilder::new(state, env).precompiles(precompiles).build();
        let ctx = crate::ethereum::block_ctx(header);
        let executor = NitroExecutor {
            inner: EthBlockExecutor::new(evm, ctx, &self.forks, Receipts),
            nitro: self,
            chain_id: spec.chain_id,
            poster_fee: info.poster_fee,
            current_retryable: info.current_retryable,
            user_gas_left: PER_BLOCK_GAS_LIMIT,
            user_txs: 0,
        };
        run_transactions_scheduling(executor, txs, |executor| {
            executor.scheduled().map_err(tephra_chain::execution_error)
        })
    }

    fn trace_transaction(
        &self,
        spec: &ChainSpec,
        header: &Header,
        state: &mut BlockState,
        tx: Recovered<&TxEnvelope>,
        inspector: &mut TracingInspector,
    ) -> Result<TraceOutcome, ChainError> {
        let envelope = tx.inner();
        if envelope.as_arbitrum_deposit().is_some()
            || envelope.as_arbitrum_submit_retryable().is_some()
        {
            // Deposits and retryable submissions run no EVM: nothing to trace.
            return Ok(TraceOutcome::default());
        }
        let env = self.env(spec.chain_id, header);
        if let Some(retry) = envelope.as_arbitrum_retry() {
            // A redeem attempt: the escrow's call value and the prepaid gas move to the
            // retryable's sender, then its call runs with the nonce the sender has.
            let basefee = U256::from(env.block_env.basefee);
            let sender = state.basic(retry.from)?.unwrap_or_default();
            let escrow = escrow_address(retry.ticket_id);
            let held = state.basic(escrow)?.unwrap_or_default().balance;
            let mut moves = tephra_chain::DevOverrides::default();
            let prepaid = basefee * U256::from(retry.gas);
            for (address, balance) in [
                (retry.from, sender.balance + retry.value + prepaid),
                (escrow, held.saturating_sub(retry.value)),
            ] {
                let patch =
                    tephra_chain::AccountPatch { balance: Some(balance), ..Default::default() };
                moves.accounts.insert(address, patch);
            }
            state.apply_overrides(&moves)?;
            let mut tx_env = TxEnv::from_recovered_tx(envelope, retry.from);
            tx_env.nonce = sender.nonce;
            let info =
                self.block_info(header.number, env.block_env.number.saturating_to(), U256::ZERO);
            *info.current_retryable.lock().expect("fresh") =
                Some((retry.ticket_id, retry.refund_to));
            let result = run_call(env, state, tx_env, &info, CallInspector::Tracing(inspector))
                .map_err(|err| ChainError::Execution(err.to_string()))?;
            return Ok(TraceOutcome {
                gas_used: result.gas().tx_gas_used(),
                output: result.output().cloned().unwrap_or_default(),
            });
        }
        let basefee = env.block_env.basefee;
        let mut tx_env = TxEnv::from_recovered_tx(tx.inner(), tx.signer());
        let poster_gas = self.poster_gas(&tx.inner().encoded_2718(), basefee);
        tx_env.gas_limit = tx_env.gas_limit.saturating_sub(poster_gas);
        drop_tip(&mut tx_env, basefee);
        let poster_fee = U256::from(poster_gas) * U256::from(basefee);
        let info = self.block_info(header.number, env.block_env.number.saturating_to(), poster_fee);
        let result = run_call(env, state, tx_env, &info, CallInspector::Tracing(inspector))
            .map_err(|err| ChainError::Execution(err.to_string()))?;
        Ok(TraceOutcome {
            gas_used: result.gas().tx_gas_used() + poster_gas,
            output: result.output().cloned().unwrap_or_default(),
        })
    }

    /// Calls run as Nitro runs them: Cancun rules, NUMBER the L1 block number, and the poster
    /// gas of the call's estimated size charged at the block's base fee, so that
    /// `eth_estimateGas` includes `gasUsedForL1` as on Nitro.
    fn transact(
        &self,
        env: EvmEnv,
        state: &mut BlockState,
        mut tx: TxEnv,
        inspector: CallInspector<'_>,
    ) -> Result<ExecutionResult, EVMError<ChainError>> {
        if tx.kind == alloy_primitives::TxKind::Call(NODE_INTERFACE) {
            return node_interface::answer(self, &env, state, &tx, inspector);
        }
        let (env, l2_number, l1_number) = self.call_env(env);
        let basefee = env.block_env.basefee;
        let units = self.call_poster_units(env.cfg_env.chain_id, &tx);
        let poster_gas = self.poster_gas_of_units(units, basefee);
        if tx.gas_limit < poster_gas {
            return Err(EVMError::Transaction(InvalidTransaction::CallGasCostMoreThanGasLimit {
                initial_gas: poster_gas,
                gas_limit: tx.gas_limit,
            }));
        }
        tx.gas_limit -= poster_gas;
        drop_tip(&mut tx, basefee);
        let info =
            self.block_info(l2_number, l1_number, U256::from(poster_gas) * U256::from(basefee));
        let mut result = run_call(env, state, tx, &info, inspector)?;
        add_gas(&mut result, poster_gas);
        Ok(result)
    }

    fn finish_header(
        &self,
        header: &mut Header,
        _post_account: &dyn Fn(&Address) -> Result<Option<TrieAccount>, ChainError>,
        post_storage: &dyn Fn(&Address, U256) -> Result<U256, ChainError>,
    ) -> Result<(), ChainError> {
        let mut acc = PostAccumulator { read: post_storage };
        let send_count = merkle::AccumulatorStore::size(&mut acc)?;
        let send_root = merkle::root(&mut acc)?;
        let (_, l1_number, version) = decode_mix_hash(header.mix_hash);
        header.extra_data = Bytes::copy_from_slice(send_root.as_slice());
        header.mix_hash = mix_hash(send_count, l1_number, version);
        Ok(())
    }

    /// Nitro's block fields: the send root (`extraData`), the send count and the L1 block
    /// number (`mixHash`), as the Arbitrum SDK's provider reads them.
    fn block_fields(&self, header: &Header) -> Map<String, Value> {
        let (send_count, _, _) = decode_mix_hash(header.mix_hash);
        let send_root = B256::try_from(header.extra_data.as_ref()).unwrap_or_default();
        let l1_number = self.l1_number_of(header.mix_hash, header.timestamp);
        Map::from_iter([
            ("sendRoot".to_string(), Value::String(send_root.to_string())),
            ("sendCount".to_string(), Value::String(format!("{send_count:#x}"))),
            ("l1BlockNumber".to_string(), Value::String(format!("{l1_number:#x}"))),
        ])
    }

    fn receipt_fields(
        &self,
        header: &Header,
        _state: &mut BlockState,
        txs: &[TxEnvelope],
        _receipts: &[ReceiptEnvelope],
    ) -> Result<Vec<Map<String, Value>>, ChainError> {
        let basefee = header.base_fee_per_gas.unwrap_or_default();
        let l1_number = self.l1_number_of(header.mix_hash, header.timestamp);
        Ok(txs
            .iter()
            .map(|tx| {
                // Protocol-made transactions pay no poster cost (Nitro's
                // `TxTypeHasPosterCosts`).
                let gas_for_l1 =
                    if tx.is_signed() { self.poster_gas(&tx.encoded_2718(), basefee) } else { 0 };
                Map::from_iter([
                    ("gasUsedForL1".to_string(), Value::String(format!("{gas_for_l1:#x}"))),
                    ("l1BlockNumber".to_string(), Value::String(format!("{l1_number:#x}"))),
                ])
            })
            .collect())
    }
}
