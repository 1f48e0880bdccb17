//! Retryable tickets: ArbOS's store of L1-to-L2 calls that can be retried, and the
//! ArbRetryableTx precompile (`0x6e`) that redeems, extends, cancels and reads them.
//!
//! A retryable is created by a submission (type `0x69`, see `executor.rs`), lives one
//! lifetime (7 days, Nitro's `RetryableLifetimeSeconds`) plus any `keepalive` extensions,
//! and ends when a redeem attempt (type `0x68`) succeeds, when its beneficiary cancels it, or
//! when it expires. Its call value waits in an escrow account
//! (`keccak256("retryable escrow" ‖ ticketId)[12..]`, Nitro's `RetryableEscrowAddress`).
//!
//! Storage: the fields live in the ArbOS state account's storage at
//! `base = keccak256("tephra.nitro.retryable" ‖ ticketId)` + offset, in the order of Nitro's
//! `arbos/retryables` (tries, from, to, call value, beneficiary, timeout, timeout windows left),
//! then the calldata's length at `base + 7` and its words from
//! `keccak256(base ‖ "calldata")`. Nitro keys them through ArbOS's hashed sub-storages; only
//! this crate reads them, so the layout is this crate's (state roots differ from Nitro's in
//! any case). Nitro also queues every ticket to reap expired ones; here an expired ticket is
//! refused when opened but its storage and escrow stay (no reaping yet).
//!
//! ABI: `@arbitrum/nitro-contracts` 3.2.0 `src/precompiles/ArbRetryableTx.sol`.

use super::precompiles::{
    BlockInfo, COPY_GAS, STORAGE_READ, STORAGE_WRITE, StateAccumulator, log_gas,
};
use alloy_evm::precompiles::PrecompileInput;
use alloy_primitives::{Address, B256, Bytes, Log, TxKind, U256, keccak256};
use alloy_sol_types::{SolCall, SolError, SolEvent};
use revm::precompile::{PrecompileError, PrecompileHalt, PrecompileOutput, PrecompileResult};
use tephra_primitives::tx::TxArbitrumRetry;

pub use abi::ArbRetryableTx;

/// The precompile's ABI (`RedeemScheduled` has more fields than clippy likes).
#[allow(clippy::too_many_arguments)]
mod abi {
    alloy_sol_types::sol! {
        /// ArbRetryableTx, as `@arbitrum/nitro-contracts` 3.2.0 declares it.
        interface ArbRetryableTx {
            function redeem(bytes32 ticketId) external returns (bytes32);
            function getLifetime() external view returns (uint256);
            function getTimeout(bytes32 ticketId) external view returns (uint256);
            function keepalive(bytes32 ticketId) external returns (uint256);
            function getBeneficiary(bytes32 ticketId) external view returns (address);
            function cancel(bytes32 ticketId) external;
            function getCurrentRedeemer() external view returns (address);
            function submitRetryable(
                bytes32 requestId,
                uint256 l1BaseFee,
                uint256 deposit,
                uint256 callvalue,
                uint256 gasFeeCap,
                uint64 gasLimit,
                uint256 maxSubmissionFee,
                address feeRefundAddress,
                address beneficiary,
                address retryTo,
                bytes calldata retryData
            ) external;

            event TicketCreated(bytes32 indexed ticketId);
            event LifetimeExtended(bytes32 indexed ticketId, uint256 newTimeout);
            event RedeemScheduled(
                bytes32 indexed ticketId,
                bytes32 indexed retryTxHash,
                uint64 indexed sequenceNum,
                uint64 donatedGas,
                address gasDonor,
                uint256 maxRefund,
                uint256 submissionFeeRefund
            );
            event Canceled(bytes32 indexed ticketId);

            error NoTicketWithID();
            error NotCallable();
        }
    }
}

/// A retryable's lifetime, in seconds (Nitro's `RetryableLifetimeSeconds`: one week).
pub const RETRYABLE_LIFETIME_SECONDS: u64 = 7 * 24 * 60 * 60;
/// Gas `keepalive` prepays for reaping the extra timeout-queue entry (Nitro's
/// `RetryableReapPrice`).
const RETRYABLE_REAP_PRICE: u64 = 58_000;
/// geth's `params.SloadGas` (Frontier's 50), which `redeem` charges per word of the ticket.
const SLOAD_GAS: u64 = 50;
/// `params.TxGas`: the least gas a redeem attempt may be given.
const TX_GAS: u64 = 21_000;
/// What `redeem` prepays for ArbOS 32's backlog update after it (Nitro's legacy
/// `BacklogUpdateCost`: one storage read and one write).
const BACKLOG_UPDATE_COST: u64 = STORAGE_READ + STORAGE_WRITE;

/// The escrow account holding a retryable's call value (Nitro's `RetryableEscrowAddress`).
pub fn escrow_address(ticket_id: B256) -> Address {
    Address::from_slice(
        &keccak256([b"retryable escrow".as_slice(), ticket_id.as_slice()].concat())[12..],
    )
}

/// The fee for storing a retryable with `data_len` bytes of calldata at L1 base fee
/// `l1_base_fee` (Nitro's `RetryableSubmissionFee`: `l1BaseFee * (1400 + 6 * len)`).
pub fn submission_fee(data_len: usize, l1_base_fee: U256) -> U256 {
    l1_base_fee.saturating_mul(U256::from(1400 + 6 * data_len as u64))
}

/// Words of ArbOS storage a retryable takes (Nitro's `RetryableSizeBytes`, in 32-byte words):
/// six fields, the calldata's length and its words.
fn size_words(data_len: u64) -> u64 {
    6 + 1 + data_len.div_ceil(32)
}

/// The ArbOS state account's storage, as the retryable store reads and writes it (through a
/// precompile's journal or a transaction's state changes).
pub(crate) trait ArbosSlots {
    /// The error reading or writing.
    type Error;
    /// The slot's value.
    fn load(&mut self, slot: U256) -> Result<U256, Self::Error>;
    /// Sets the slot.
    fn store(&mut self, slot: U256, value: U256) -> Result<(), Self::Error>;
}

const TRIES: u64 = 0;
const FROM: u64 = 1;
const TO: u64 = 2;
const CALLVALUE: u64 = 3;
const BENEFICIARY: u64 = 4;
const TIMEOUT: u64 = 5;
const WINDOWS_LEFT: u64 = 6;
const DATA_LEN: u64 = 7;
/// A stored `to` carries this bit; a zero slot is a retryable that deploys.
const TO_PRESENT: U256 = U256::from_limbs([0, 0, 1 << 32, 0]);

fn base(ticket_id: B256) -> U256 {
    U256::from_be_bytes(
        keccak256([b"tephra.nitro.retryable".as_slice(), ticket_id.as_slice()].concat()).0,
    )
}

fn field(ticket_id: B256, offset: u64) -> U256 {
    base(ticket_id).wrapping_add(U256::from(offset))
}

fn data_slot(ticket_id: B256, word: u64) -> U256 {
    let start = keccak256([base(ticket_id).to_be_bytes::<32>().as_slice(), b"calldata"].concat());
    U256::from_be_bytes(start.0).wrapping_add(U256::from(word))
}

fn address_of(word: U256) -> Address {
    Address::from_word(B256::from(word))
}

/// A live retryable ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retryable {
    /// Redeem attempts scheduled so far (the next attempt's nonce).
    pub num_tries: u64,
    /// The sender (the aliased L1 sender), from whom each attempt calls.
    pub from: Address,
    /// The call's target, or `Create`.
    pub to: TxKind,
    /// The call value, held in escrow.
    pub callvalue: U256,
    /// May cancel it; receives the escrow when it ends unredeemed.
    pub beneficiary: Address,
    /// The call's data.
    pub calldata: Bytes,
    /// Timestamp it expires at, before any extension.
    pub timeout: u64,
    /// Lifetimes added by `keepalive`.
    pub timeout_windows_left: u64,
}

impl Retryable {
    /// When it expires, extensions included (Nitro's `CalculateTimeout`).
    pub fn expiry(&self) -> u64 {
        self.timeout
            .saturating_add(self.timeout_windows_left.saturating_mul(RETRYABLE_LIFETIME_SECONDS))
    }

    /// Its redeem attempt number `nonce` (Nitro's `Retryable.MakeTx`).
    #[allow(clippy::too_many_arguments)]
    pub fn make_tx(
        &self,
        chain_id: u64,
        nonce: u64,
        gas_fee_cap: U256,
        gas: u64,
        ticket_id: B256,
        refund_to: Address,
        max_refund: U256,
        submission_fee_refund: U256,
    ) -> TxArbitrumRetry {
        TxArbitrumRetry {
            chain_id: U256::from(chain_id),
            nonce,
            from: self.from,
            gas_fee_cap,
            gas,
            to: self.to,
            value: self.callvalue,
            data: self.calldata.clone(),
            ticket_id,
            refund_to,
            max_refund,
            submission_fee_refund,
        }
    }
}

/// Stores a new retryable under `ticket_id` (assumed unused: ticket ids are transaction
/// hashes).
pub(crate) fn create<S: ArbosSlots>(
    slots: &mut S,
    ticket_id: B256,
    retryable: &Retryable,
) -> Result<(), S::Error> {
    let to = match retryable.to {
        TxKind::Call(to) => U256::from_be_bytes(to.into_word().0) | TO_PRESENT,
        TxKind::Create => U256::ZERO,
    };
    let words = [
        (TRIES, U256::from(retryable.num_tries)),
        (FROM, U256::from_be_bytes(retryable.from.into_word().0)),
        (TO, to),
        (CALLVALUE, retryable.callvalue),
        (BENEFICIARY, U256::from_be_bytes(retryable.beneficiary.into_word().0)),
        (TIMEOUT, U256::from(retryable.timeout)),
        (WINDOWS_LEFT, U256::from(retryable.timeout_windows_left)),
        (DATA_LEN, U256::from(retryable.calldata.len())),
    ];
    for (offset, value) in words {
        slots.store(field(ticket_id, offset), value)?;
    }
    for (index, chunk) in retryable.calldata.chunks(32).enumerate() {
        let mut word = [0u8; 32];
        word[..chunk.len()].copy_from_slice(chunk);
        slots.store(data_slot(ticket_id, index as u64), U256::from_be_bytes(word))?;
    }
    Ok(())
}

/// The retryable under `ticket_id` if it exists and has not expired at `now` (Nitro's
/// `OpenRetryable`, with extensions counted since nothing reaps here).
pub(crate) fn open<S: ArbosSlots>(
    slots: &mut S,
    ticket_id: B256,
    now: u64,
) -> Result<Option<Retryable>, S::Error> {
    let timeout: u64 = slots.load(field(ticket_id, TIMEOUT))?.saturating_to();
    if timeout == 0 {
        return Ok(None);
    }
    let windows: u64 = slots.load(field(ticket_id, WINDOWS_LEFT))?.saturating_to();
    let mut retryable = Retryable {
        num_tries: 0,
        from: Address::ZERO,
        to: TxKind::Create,
        callvalue: U256::ZERO,
        beneficiary: Address::ZERO,
        calldata: Bytes::new(),
        timeout,
        timeout_windows_left: windows,
    };
    if retryable.expiry() < now {
        return Ok(None);
    }
    retryable.num_tries = slots.load(field(ticket_id, TRIES))?.saturating_to();
    retryable.from = address_of(slots.load(field(ticket_id, FROM))?);
    let to = slots.load(field(ticket_id, TO))?;
    retryable.to = if to.is_zero() { TxKind::Create } else { TxKind::Call(address_of(to)) };
    retryable.callvalue = slots.load(field(ticket_id, CALLVALUE))?;
    retryable.beneficiary = address_of(slots.load(field(ticket_id, BENEFICIARY))?);
    let len: u64 = slots.load(field(ticket_id, DATA_LEN))?.saturating_to();
    let mut calldata = Vec::with_capacity(len as usize);
    for index in 0..len.div_ceil(32) {
        calldata.extend_from_slice(&slots.load(data_slot(ticket_id, index))?.to_be_bytes::<32>());
    }
    calldata.truncate(len as usize);
    retryable.calldata = calldata.into();
    Ok(Some(retryable))
}

/// Counts one more redeem attempt; returns the new count.
pub(crate) fn increment_tries<S: ArbosSlots>(
    slots: &mut S,
    ticket_id: B256,
) -> Result<u64, S::Error> {
    let tries = slots.load(field(ticket_id, TRIES))?.saturating_to::<u64>() + 1;
    slots.store(field(ticket_id, TRIES), U256::from(tries))?;
    Ok(tries)
}

/// Clears a retryable's storage (the caller moves its escrow to the beneficiary first).
pub(crate) fn clear<S: ArbosSlots>(slots: &mut S, ticket_id: B256) -> Result<(), S::Error> {
    let len: u64 = slots.load(field(ticket_id, DATA_LEN))?.saturating_to();
    for offset in [TRIES, FROM, TO, CALLVALUE, BENEFICIARY, TIMEOUT, WINDOWS_LEFT, DATA_LEN] {
        slots.store(field(ticket_id, offset), U256::ZERO)?;
    }
    for index in 0..len.div_ceil(32) {
        slots.store(data_slot(ticket_id, index), U256::ZERO)?;
    }
    Ok(())
}

impl ArbosSlots for StateAccumulator<'_, '_> {
    type Error = PrecompileError;

    fn load(&mut self, slot: U256) -> Result<U256, PrecompileError> {
        self.load_slot(slot)
    }

    fn store(&mut self, slot: U256, value: U256) -> Result<(), PrecompileError> {
        self.store_slot(slot, value)
    }
}

fn fatal(err: impl std::fmt::Display) -> PrecompileError {
    PrecompileError::Fatal(err.to_string())
}

/// A method's Solidity error: revert with its data, keeping the unused gas.
fn sol_error(gas_used: u64, input: &PrecompileInput<'_>, data: Vec<u8>) -> PrecompileResult {
    Ok(PrecompileOutput::revert(gas_used.min(input.gas), data.into(), input.reservoir))
}

/// A method's Go error: ArbOS 11 and later revert without data, keeping the unused gas.
fn go_error(gas_used: u64, input: &PrecompileInput<'_>) -> PrecompileResult {
    sol_error(gas_used, input, Vec::new())
}

fn finish(gas_used: u64, input: &PrecompileInput<'_>, output: Vec<u8>) -> PrecompileResult {
    if gas_used > input.gas {
        return Ok(PrecompileOutput::halt(PrecompileHalt::OutOfGas, input.reservoir));
    }
    Ok(PrecompileOutput::new(gas_used, output.into(), input.reservoir))
}

fn refuse(input: &PrecompileInput<'_>) -> PrecompileResult {
    Ok(PrecompileOutput::revert(input.gas, Bytes::new(), input.reservoir))
}

fn no_ticket(gas: u64, input: &PrecompileInput<'_>) -> PrecompileResult {
    sol_error(gas, input, ArbRetryableTx::NoTicketWithID {}.abi_encode())
}

/// ArbRetryableTx (`0x6e`) for a block with `info`.
pub(crate) fn arb_retryable_tx(
    info: &BlockInfo,
    mut input: PrecompileInput<'_>,
) -> PrecompileResult {
    use ArbRetryableTx as A;
    let data = input.data;
    if !input.is_direct_call() || data.len() < 4 {
        return refuse(&input);
    }
    let selector: [u8; 4] = data[..4].try_into().expect("4 bytes");
    let args_gas = COPY_GAS * (data.len() as u64 - 4).div_ceil(32);
    let writes = matches!(
        selector,
        A::redeemCall::SELECTOR | A::keepaliveCall::SELECTOR | A::cancelCall::SELECTOR
    );
    // No method is payable; the writing ones are refused in a static call.
    if !input.value.is_zero() || (writes && input.is_static) {
        return refuse(&input);
    }
    let now: u64 = input.internals.block_timestamp().saturating_to();
    let word = |value: U256| value.to_be_bytes::<32>().to_vec();
    let ticket_arg = |data: &[u8]| -> Option<B256> {
        (data.len() >= 36).then(|| B256::from_slice(&data[4..36]))
    };
    let current = *info.current_retryable.lock().map_err(fatal)?;
    match selector {
        A::getLifetimeCall::SELECTOR => {
            finish(args_gas + COPY_GAS, &input, word(U256::from(RETRYABLE_LIFETIME_SECONDS)))
        }
        A::getCurrentRedeemerCall::SELECTOR => {
            let redeemer = current.map(|(_, refund_to)| refund_to).unwrap_or_default();
            finish(args_gas + COPY_GAS, &input, redeemer.into_word().to_vec())
        }
        A::submitRetryableCall::SELECTOR => {
            sol_error(args_gas, &input, A::NotCallable {}.abi_encode())
        }
        A::getTimeoutCall::SELECTOR | A::getBeneficiaryCall::SELECTOR => {
            let Some(ticket) = ticket_arg(data) else { return refuse(&input) };
            let mut slots = StateAccumulator::new(&mut input.internals, args_gas);
            let retryable = open(&mut slots, ticket, now)?;
            let gas = slots.gas();
            let Some(retryable) = retryable else { return no_ticket(gas, &input) };
            let output = if selector == A::getTimeoutCall::SELECTOR {
                word(U256::from(retryable.expiry()))
            } else {
                retryable.beneficiary.into_word().to_vec()
            };
            finish(gas + COPY_GAS, &input, output)
        }
        A::keepaliveCall::SELECTOR => {
            let Some(ticket) = ticket_arg(data) else { return refuse(&input) };
            let mut slots = StateAccumulator::new(&mut input.internals, args_gas);
            let Some(retryable) = open(&mut slots, ticket, now)? else {
                let gas = slots.gas();
                return no_ticket(gas, &input);
            };
            let update_cost = size_words(retryable.calldata.len() as u64) * STORAGE_WRITE / 100;
            let expiry = retryable.expiry();
            if expiry > now.saturating_add(RETRYABLE_LIFETIME_SECONDS) {
                // "timeout too far into the future"
                let gas = slots.gas() + update_cost;
                return go_error(gas, &input);
            }
            slots.store(
                field(ticket, WINDOWS_LEFT),
                U256::from(retryable.timeout_windows_left + 1),
            )?;
            let new_timeout = expiry + RETRYABLE_LIFETIME_SECONDS;
            let gas = slots.gas() + update_cost + RETRYABLE_REAP_PRICE;
            let event =
                A::LifetimeExtended { ticketId: ticket, newTimeout: U256::from(new_timeout) };
            input
                .internals
                .log(Log { address: super::ARB_RETRYABLE_TX, data: event.encode_log_data() });
            finish(gas + log_gas(2, 32) + COPY_GAS, &input, word(U256::from(new_timeout)))
        }
        A::cancelCall::SELECTOR => {
            let Some(ticket) = ticket_arg(data) else { return refuse(&input) };
            if current.is_some_and(|(running, _)| running == ticket) {
                // "retryable cannot modify itself"
                return go_error(args_gas, &input);
            }
            let caller = input.caller;
            let mut slots = StateAccumulator::new(&mut input.internals, args_gas);
            let Some(retryable) = open(&mut slots, ticket, now)? else {
                let gas = slots.gas();
                return no_ticket(gas, &input);
            };
            if caller != retryable.beneficiary {
                // "only the beneficiary may cancel a retryable"
                let gas = slots.gas();
                return go_error(gas, &input);
            }
            clear(&mut slots, ticket)?;
            let gas = slots.gas();
            let escrow = escrow_address(ticket);
            let held = input.internals.load_account(escrow).map_err(fatal)?.data.info.balance;
            if let Some(err) =
                input.internals.transfer(escrow, retryable.beneficiary, held).map_err(fatal)?
            {
                return Err(fatal(format!("moving the escrow of {ticket}: {err:?}")));
            }
            let event = A::Canceled { ticketId: ticket };
            input
                .internals
                .log(Log { address: super::ARB_RETRYABLE_TX, data: event.encode_log_data() });
            finish(gas + log_gas(2, 0), &input, Vec::new())
        }
        A::redeemCall::SELECTOR => {
            let Some(ticket) = ticket_arg(data) else { return refuse(&input) };
            if current.is_some_and(|(running, _)| running == ticket) {
                return go_error(args_gas, &input);
            }
            let caller = input.caller;
            let chain_id = input.internals.chain_id();
            let basefee = U256::from(revm::context::Block::basefee(&input.internals.block_env()));
            let mut slots = StateAccumulator::new(&mut input.internals, args_gas);
            let Some(retryable) = open(&mut slots, ticket, now)? else {
                let gas = slots.gas();
                return no_ticket(gas, &input);
            };
            slots.charge(SLOAD_GAS * size_words(retryable.calldata.len() as u64));
            let nonce = increment_tries(&mut slots, ticket)? - 1;
            let gas_used = slots.gas();
            // The event, the result and the backlog update still to pay for; the rest is
            // donated to the attempt.
            let event_cost = log_gas(4, 4 * 32);
            let future = event_cost + COPY_GAS + BACKLOG_UPDATE_COST;
            let Some(gas_left) = input.gas.checked_sub(gas_used + future) else {
                return Ok(PrecompileOutput::halt(PrecompileHalt::OutOfGas, input.reservoir));
            };
            if gas_left < TX_GAS {
                // "not enough gas to run redeem attempt"
                return go_error(gas_used, &input);
            }
            let retry = retryable.make_tx(
                chain_id,
                nonce,
                basefee,
                gas_left,
                ticket,
                caller,
                U256::MAX,
                U256::ZERO,
            );
            let retry_hash = retry.tx_hash();
            let event = A::RedeemScheduled {
                ticketId: ticket,
                retryTxHash: retry_hash,
                sequenceNum: nonce,
                donatedGas: gas_left,
                gasDonor: caller,
                maxRefund: U256::MAX,
                submissionFeeRefund: U256::ZERO,
            };
            input
                .internals
                .log(Log { address: super::ARB_RETRYABLE_TX, data: event.encode_log_data() });
            // All the call's gas is spent: the donated part is paid back to the network fee
            // account's refund when the attempt runs.
            finish(input.gas, &input, retry_hash.to_vec())
        }
        _ => refuse(&input),
    }
}

/// Redeems scheduled in a transaction's `logs` (Nitro's `ScheduledTxes`): the `RedeemScheduled`
/// events of ArbRetryableTx, each with its ticket id, attempt number, donated gas, donor, max
/// refund and submission fee refund.
pub(crate) fn scheduled_redeems(logs: &[Log]) -> Vec<ArbRetryableTx::RedeemScheduled> {
    logs.iter()
        .filter(|log| {
            log.address == super::ARB_RETRYABLE_TX
                && log.topics().first() == Some(&ArbRetryableTx::RedeemScheduled::SIGNATURE_HASH)
        })
        .filter_map(|log| ArbRetryableTx::RedeemScheduled::decode_log_data(&log.data).ok())
        .collect()
}
