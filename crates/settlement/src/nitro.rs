//! Arbitrum Nitro on its L1: `Bridge` (the delayed inbox), `Inbox` (`depositEth`,
//! `createRetryableTicket`), `Outbox` (withdrawals against confirmed send roots) and
//! `NitroRollup` (assertions over the core's commitments). A rollup whose gas token is an L1
//! ERC-20 gets Arbitrum Orbit's custom-gas-token variants in the same roles (recorded under the
//! same names): `ERC20Bridge` (`nativeToken()`), `ERC20Inbox` (`depositERC20`,
//! `createRetryableTicket` with `tokenTotalFeeAmount`) and `ERC20Outbox` (paying the token).
//!
//! Deposits are derived as Nitro's inbox reader derives delayed messages: every
//! `InboxMessageDelivered` log of the inbox, with the bridge's `MessageDelivered` for the same
//! message number (its kind, aliased sender and L1 base fee), becomes a deposit of the native
//! asset (kind 12, type 0x64) or a retryable submission (kind 9, type 0x69) whose request id is
//! the message number. Both inboxes write the same layouts, with amounts already in L2's 18
//! decimals (the ERC-20 inbox scales the token's own), and the ERC-20 bridge reports an L1 base
//! fee of 0 (no submission fee on L2), so one derivation serves both.

use crate::{
    Contracts, Deployment, GasToken, RollupConfig, Settlement, SettlementError, Step,
    artifacts::{self, Artifact},
};
use alloy_consensus::{Header, Sealed, transaction::Recovered};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, keccak256, map::HashMap};
use alloy_rpc_types_eth::Log;
use alloy_sol_types::{SolCall, SolEvent, SolValue, sol};
use std::sync::Arc;
use tephra_chain::{Chain, Framework, L1Origin};
use tephra_frameworks::nitro::{
    decode_mix_hash,
    token_bridge::{L1TokenBridge, L2_TOKEN_BRIDGE, cloneable_proxy_hash, l2_token_bridge_address},
};
use tephra_primitives::{
    ReceiptEnvelope, TxEnvelope,
    tx::{TxArbitrumDeposit, TxArbitrumSubmitRetryable},
};

sol! {
    event MessageDelivered(
        uint256 indexed messageIndex,
        bytes32 indexed beforeInboxAcc,
        address inbox,
        uint8 kind,
        address sender,
        bytes32 messageDataHash,
        uint256 baseFeeL1,
        uint64 timestamp
    );
    event InboxMessageDelivered(uint256 indexed messageNum, bytes data);
    function setDelayedInbox(address inbox, bool enabled) external;
    function setOutbox(address outbox, bool enabled) external;
    function setRollup(address rollup) external;
    function initialize(address l2Counterpart, address router, address inbox, bytes32 cloneableProxyHash, address l2BeaconProxyFactory) external;
    function initialize(address owner, address defaultGateway, address whitelist, address counterpartGateway, address inbox) external;
    function proposeAssertion(uint256 l2BlockNumber, bytes32 blockHash, bytes32 sendRoot, uint64 sendCount) external returns (bytes32);
}

/// Nitro's `L1MessageType_submitRetryableTx`.
const KIND_SUBMIT_RETRYABLE: u8 = 9;
/// Nitro's `L1MessageType_ethDeposit`.
const KIND_ETH_DEPOSIT: u8 = 12;
/// L1 blocks the rollup reports as its confirmation period (the SDK shows it; confirmation
/// itself follows the core's challenge window).
const CONFIRM_PERIOD_BLOCKS: u64 = 1;

/// Arbitrum Nitro's L1 side.
#[derive(Debug, Clone, Copy)]
pub struct NitroSettlement {
    /// The rollup's chain id, which its deposit transactions carry.
    pub chain_id: u64,
}

/// Nitro's header carries the send root in its extra data (and the send count in
/// `mixHash[0..8]`).
fn send_root(header: &Header) -> B256 {
    B256::try_from(header.extra_data.as_ref()).unwrap_or_default()
}

impl Settlement for NitroSettlement {
    fn framework(&self) -> &'static str {
        "nitro"
    }

    fn entry_points(&self, rollup: &RollupConfig) -> Vec<Step> {
        let owner = RollupConfig::signer(&rollup.owner_key).address();
        let bridge_call = |label: &str, data: fn(&Contracts) -> Bytes| {
            Step::call(format!("Bridge.{label}"), "Bridge", data)
        };
        let [bridge, inbox, outbox] = bridge_artifacts(rollup.gas_token);
        let mut steps = vec![
            Step::deploy("Bridge", bridge, move |contracts| {
                (contracts["RollupCore"], owner).abi_encode_params().into()
            }),
            Step::deploy("Inbox", inbox, |contracts| contracts["Bridge"].abi_encode().into()),
            Step::deploy("Outbox", outbox, |contracts| contracts["Bridge"].abi_encode().into()),
            Step::deploy("NitroRollup", artifacts::NITRO_ROLLUP, |contracts| {
                (contracts["Bridge"], contracts["Outbox"], CONFIRM_PERIOD_BLOCKS)
                    .abi_encode_params()
                    .into()
            }),
            bridge_call("setDelayedInbox(Inbox)", |contracts| {
                setDelayedInboxCall { inbox: contracts["Inbox"], enabled: true }.abi_encode().into()
            }),
            bridge_call("setOutbox(Outbox)", |contracts| {
                setOutboxCall { outbox: contracts["Outbox"], enabled: true }.abi_encode().into()
            }),
            bridge_call("setRollup(NitroRollup)", |contracts| {
                setRollupCall { rollup: contracts["NitroRollup"] }.abi_encode().into()
            }),
            Step::enable_entry_point("Bridge"),
            Step::enable_entry_point("Outbox"),
            Step::enable_entry_point("NitroRollup"),
        ];
        if rollup.gas_token == GasToken::Eth {
            steps.extend(token_bridge_steps(owner));
        }
        steps
    }

    fn deposit_sources(&self, contracts: &Contracts) -> Vec<Address> {
        vec![contracts["Bridge"], contracts["Inbox"]]
    }

    fn deposits(
        &self,
        origin: &L1Origin,
        logs: &[Log],
    ) -> Result<Vec<Recovered<TxEnvelope>>, SettlementError> {
        let malformed = |event: &'static str, reason: String| SettlementError::MalformedLog {
            event,
            block: origin.number,
            reason,
        };
        let mut delivered = HashMap::<U256, MessageDelivered>::default();
        let mut deposits = Vec::new();
        for log in logs {
            match log.topic0() {
                Some(&MessageDelivered::SIGNATURE_HASH) => {
                    let event = MessageDelivered::decode_log_data(log.data())
                        .map_err(|err| malformed("MessageDelivered", err.to_string()))?;
                    delivered.insert(event.messageIndex, event);
                }
                Some(&InboxMessageDelivered::SIGNATURE_HASH) => {
                    let event = InboxMessageDelivered::decode_log_data(log.data())
                        .map_err(|err| malformed("InboxMessageDelivered", err.to_string()))?;
                    let header = delivered.get(&event.messageNum).ok_or_else(|| {
                        malformed(
                            "InboxMessageDelivered",
                            format!(
                                "message {} has no MessageDelivered before it",
                                event.messageNum
                            ),
                        )
                    })?;
                    let tx = message_tx(self.chain_id, event.messageNum, header, &event.data)
                        .map_err(|reason| malformed("InboxMessageDelivered", reason))?;
                    deposits.extend(tx);
                }
                _ => {}
            }
        }
        Ok(deposits)
    }

    fn commitment(
        &self,
        header: &Header,
        _txs: &[TxEnvelope],
        _receipts: &[ReceiptEnvelope],
    ) -> Result<B256, SettlementError> {
        // `NitroRollup.proposeAssertion` commits keccak256(abi.encode(blockHash, sendRoot)).
        Ok(keccak256((header.hash_slow(), send_root(header)).abi_encode()))
    }

    fn proposal(
        &self,
        chain: &Chain,
        contracts: &Contracts,
        number: u64,
    ) -> Result<(Address, Bytes), SettlementError> {
        let header =
            chain.reader()?.header(number).map_err(tephra_chain::ChainError::from)?.ok_or_else(
                || SettlementError::Config(format!("the rollup has no block {number}")),
            )?;
        let send_root = send_root(&header);
        let (send_count, _, _) = decode_mix_hash(header.mix_hash);
        let call = proposeAssertionCall {
            l2BlockNumber: U256::from(number),
            blockHash: header.hash_slow(),
            sendRoot: send_root,
            sendCount: send_count,
        };
        Ok((contracts["NitroRollup"], call.abi_encode().into()))
    }

    fn profile(&self, deployment: &Deployment) -> Result<Arc<dyn Framework>, SettlementError> {
        let nitro = tephra_frameworks::nitro::Nitro::default();
        let (Some(&router), Some(&erc20_gateway)) = (
            deployment.contracts.get("L1GatewayRouter"),
            deployment.contracts.get("L1ERC20Gateway"),
        ) else {
            // An ERC-20 gas token rollup has no token bridge.
            return Ok(Arc::new(nitro));
        };
        let nitro = nitro
            .with_token_bridge(L1TokenBridge { router, erc20_gateway })
            .map_err(|err| SettlementError::Config(err.to_string()))?;
        Ok(Arc::new(nitro))
    }

    fn l2_contracts(&self) -> Contracts {
        use tephra_frameworks::nitro::{ARB_GAS_INFO, ARB_RETRYABLE_TX, ARB_SYS, NODE_INTERFACE};
        [
            ("ArbSys".to_string(), ARB_SYS),
            ("ArbGasInfo".to_string(), ARB_GAS_INFO),
            ("ArbRetryableTx".to_string(), ARB_RETRYABLE_TX),
            ("NodeInterface".to_string(), NODE_INTERFACE),
        ]
        .into_iter()
        .chain(L2_TOKEN_BRIDGE.map(|name| (name.to_string(), l2_token_bridge_address(name))))
        .collect()
    }
}

/// Arbitrum's token bridge on L1 (ETH rollups): `L1GatewayRouter` and the standard
/// `L1ERC20Gateway` (which escrows deposited tokens itself, as on Arbitrum: the audited
/// contract, unchanged), both initialized in the same batch against the L2 side the rollup's
/// genesis holds ([`tephra_frameworks::nitro::token_bridge`]) and the rollup's `Inbox`. The
/// router's owner is the rollup's owner; no whitelist.
fn token_bridge_steps(owner: Address) -> Vec<Step> {
    vec![
        Step::deploy("L1GatewayRouter", artifacts::L1_GATEWAY_ROUTER, |_| Bytes::new()),
        Step::deploy("L1ERC20Gateway", artifacts::L1_ERC20_GATEWAY, |_| Bytes::new()),
        Step::call("L1ERC20Gateway.initialize".into(), "L1ERC20Gateway", |contracts| {
            initialize_0Call {
                l2Counterpart: l2_token_bridge_address("L2ERC20Gateway"),
                router: contracts["L1GatewayRouter"],
                inbox: contracts["Inbox"],
                cloneableProxyHash: cloneable_proxy_hash(),
                l2BeaconProxyFactory: l2_token_bridge_address("BeaconProxyFactory"),
            }
            .abi_encode()
            .into()
        }),
        Step::call("L1GatewayRouter.initialize".into(), "L1GatewayRouter", move |contracts| {
            initialize_1Call {
                owner,
                defaultGateway: contracts["L1ERC20Gateway"],
                whitelist: Address::ZERO,
                counterpartGateway: l2_token_bridge_address("L2GatewayRouter"),
                inbox: contracts["Inbox"],
            }
            .abi_encode()
            .into()
        }),
    ]
}

/// The bridge, inbox and outbox of a rollup whose native gas token is `gas_token`: Nitro's ETH
/// contracts, or its ERC-20 ones (`ERC20Bridge`, `ERC20Inbox`, `ERC20Outbox`) for an L1 ERC-20.
pub fn bridge_artifacts(gas_token: GasToken) -> [Artifact; 3] {
    match gas_token {
        GasToken::Eth => [artifacts::NITRO_BRIDGE, artifacts::NITRO_INBOX, artifacts::NITRO_OUTBOX],
        GasToken::Erc20(_) => [
            artifacts::NITRO_ERC20_BRIDGE,
            artifacts::NITRO_ERC20_INBOX,
            artifacts::NITRO_ERC20_OUTBOX,
        ],
    }
}

/// The L2 transaction of delayed message `number` of `kind` (from the Bridge's `header`) with
/// the Inbox's `data`: none for kinds that carry no deposit.
fn message_tx(
    chain_id: u64,
    number: U256,
    header: &MessageDelivered,
    data: &[u8],
) -> Result<Option<Recovered<TxEnvelope>>, String> {
    let chain_id = U256::from(chain_id);
    let request_id = B256::from(number);
    let word = |index: usize| -> Result<U256, String> {
        data.get(index * 32..(index + 1) * 32)
            .map(U256::from_be_slice)
            .ok_or_else(|| format!("message {number}: {} bytes, no word {index}", data.len()))
    };
    let address = |index: usize| word(index).map(|w| Address::from_word(w.into()));
    let tx = match header.kind {
        KIND_ETH_DEPOSIT => {
            if data.len() != 52 {
                return Err(format!("deposit message {number}: {} bytes, not 20 + 32", data.len()));
            }
            let deposit = TxArbitrumDeposit {
                chain_id,
                l1_request_id: request_id,
                from: header.sender,
                to: Address::from_slice(&data[..20]),
                value: U256::from_be_slice(&data[20..52]),
            };
            TxEnvelope::ArbitrumDeposit(Sealed::new(deposit))
        }
        KIND_SUBMIT_RETRYABLE => {
            let to = address(0)?;
            let data_len: usize =
                word(8)?.try_into().map_err(|_| format!("message {number}: data length"))?;
            let retry_data = data.get(9 * 32..9 * 32 + data_len).ok_or_else(|| {
                format!("message {number}: {} bytes, short of its data", data.len())
            })?;
            let gas: u64 =
                word(6)?.try_into().map_err(|_| format!("message {number}: gas over 64 bits"))?;
            let submission = TxArbitrumSubmitRetryable {
                chain_id,
                request_id,
                from: header.sender,
                l1_base_fee: header.baseFeeL1,
                deposit_value: word(2)?,
                gas_fee_cap: word(7)?,
                gas,
                retry_to: if to.is_zero() { TxKind::Create } else { TxKind::Call(to) },
                retry_value: word(1)?,
                beneficiary: address(5)?,
                max_submission_fee: word(3)?,
                fee_refund_addr: address(4)?,
                retry_data: Bytes::copy_from_slice(retry_data),
            };
            TxEnvelope::ArbitrumSubmitRetryable(Sealed::new(submission))
        }
        _ => return Ok(None),
    };
    Ok(Some(Recovered::new_unchecked(tx, header.sender)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::NetworkConfig;
    use alloy_primitives::LogData;

    /// 1.234567 units of a 6-decimal token, as the ERC-20 inbox writes them (18 decimals).
    const UNITS: u64 = 1_234_567;
    const SCALE: u64 = 1_000_000_000_000;

    fn log(address: Address, data: LogData) -> Log {
        Log { inner: alloy_primitives::Log { address, data }, ..Default::default() }
    }

    fn origin() -> L1Origin {
        L1Origin { number: 7, hash: B256::ZERO, timestamp: 0, base_fee: 0, blob_base_fee: 0 }
    }

    /// The bridge's and the inbox's logs of message `number` of `kind` with `data`, reporting
    /// `base_fee` (0 from the ERC-20 bridge).
    fn message(number: u64, kind: u8, sender: Address, base_fee: u64, data: Vec<u8>) -> [Log; 2] {
        let delivered = MessageDelivered {
            messageIndex: U256::from(number),
            beforeInboxAcc: B256::ZERO,
            inbox: Address::repeat_byte(0x1b),
            kind,
            sender,
            messageDataHash: alloy_primitives::keccak256(&data),
            baseFeeL1: U256::from(base_fee),
            timestamp: 0,
        };
        let inbox =
            InboxMessageDelivered { messageNum: U256::from(number), data: Bytes::from(data) };
        [
            log(Address::repeat_byte(0xb0), delivered.encode_log_data()),
            log(Address::repeat_byte(0x1b), inbox.encode_log_data()),
        ]
    }

    #[test]
    fn an_erc20_gas_token_deploys_the_erc20_bridge_inbox_and_outbox() {
        let network = NetworkConfig::embedded();
        let artifacts_of = |gas_token| {
            let rollup = network.rollup_config(1, gas_token);
            NitroSettlement { chain_id: rollup.chain_id }
                .entry_points(&rollup)
                .into_iter()
                .filter_map(|step| match step {
                    Step::Deploy { name, artifact, .. } => Some((name, artifact.name)),
                    Step::Call { .. } => None,
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(
            artifacts_of(GasToken::Eth),
            [
                ("Bridge", "Bridge"),
                ("Inbox", "Inbox"),
                ("Outbox", "Outbox"),
                ("NitroRollup", "NitroRollup"),
                ("L1GatewayRouter", "L1GatewayRouter"),
                ("L1ERC20Gateway", "L1ERC20Gateway")
            ]
        );
        // The same roles, so the follower, network.json and the SDK find them by the same names.
        assert_eq!(
            artifacts_of(GasToken::Erc20(Address::repeat_byte(0x55))),
            [
                ("Bridge", "ERC20Bridge"),
                ("Inbox", "ERC20Inbox"),
                ("Outbox", "ERC20Outbox"),
                ("NitroRollup", "NitroRollup")
            ]
        );
    }

    #[test]
    fn derives_the_erc20_inboxs_deposit_and_retryable_in_18_decimals() {
        let settlement = NitroSettlement { chain_id: 902 };
        let (user, sender) = (Address::repeat_byte(0xaa), Address::repeat_byte(0xab));
        let minted = U256::from(UNITS) * U256::from(SCALE);
        // depositERC20: abi.encodePacked(dest, amount * 10**12).
        let deposit = [user.as_slice(), &minted.to_be_bytes::<32>()].concat();
        // createRetryableTicket with tokenTotalFeeAmount: the 13-word layout, the deposit word
        // scaled, then 3 bytes of call data.
        let word = |value: U256| value.to_be_bytes::<32>().to_vec();
        let address = |a: Address| word(U256::from_be_slice(a.as_slice()));
        let retryable = [
            address(user),
            word(U256::from(5)),
            word(minted),
            word(U256::ZERO),
            address(sender),
            address(user),
            word(U256::from(100_000)),
            word(U256::from(1_000_000_000)),
            word(U256::from(3)),
            vec![1, 2, 3],
        ]
        .concat();
        let logs: Vec<Log> = [
            message(0, KIND_ETH_DEPOSIT, sender, 0, deposit),
            message(1, KIND_SUBMIT_RETRYABLE, sender, 0, retryable),
        ]
        .into_iter()
        .flatten()
        .collect();
        let txs = settlement.deposits(&origin(), &logs).unwrap();
        assert_eq!(txs.len(), 2);
        let TxEnvelope::ArbitrumDeposit(tx) = txs[0].inner() else { panic!("a 0x64 deposit") };
        assert_eq!((tx.from, tx.to, tx.value), (sender, user, minted));
        assert_eq!(tx.l1_request_id, B256::ZERO);
        assert_eq!(tx.chain_id, U256::from(902));
        let TxEnvelope::ArbitrumSubmitRetryable(tx) = txs[1].inner() else {
            panic!("a 0x69 submission")
        };
        assert_eq!((tx.deposit_value, tx.retry_value), (minted, U256::from(5)));
        // The ERC-20 bridge reports no L1 base fee: no submission fee on L2.
        assert_eq!(tx.l1_base_fee, U256::ZERO);
        assert_eq!(tx.request_id, B256::from(U256::from(1)));
        assert_eq!(tx.retry_data.as_ref(), [1, 2, 3]);
        assert_eq!(tx.fee_refund_addr, sender);
        assert_eq!(tx.beneficiary, user);
    }

    #[test]
    fn refuses_an_inbox_message_without_its_bridge_header_or_with_a_short_deposit() {
        let settlement = NitroSettlement { chain_id: 902 };
        let [header, body] = message(0, KIND_ETH_DEPOSIT, Address::ZERO, 0, vec![0; 51]);
        let err = settlement.deposits(&origin(), std::slice::from_ref(&body)).unwrap_err();
        assert!(err.to_string().contains("no MessageDelivered before it"), "{err}");
        let err = settlement.deposits(&origin(), &[header, body]).unwrap_err();
        assert!(err.to_string().contains("51 bytes, not 20 + 32"), "{err}");
    }
}
