//! OP Stack on its L1: `OptimismPortal` (deposits, withdrawals) and `L2OutputOracle` (output
//! roots) over the shared core, and the ERC-20 bridge (`L1CrossDomainMessenger`,
//! `L1StandardBridge`, whose messages are portal deposits and, back, portal withdrawals whose
//! ERC-20 the bridge has the core release, as an entry point of it; the rollup's genesis names
//! both, see [`Settlement::profile`]). Deposits are derived as op-node derives them: every
//! `TransactionDeposited` log of the portal becomes a deposit transaction (type 0x7E) whose
//! source hash is the user-deposit one of (L1 block hash, log index).

use crate::{Contracts, Deployment, RollupConfig, Settlement, SettlementError, Step, artifacts};
use alloy_consensus::{Header, Sealed, transaction::Recovered};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use alloy_rpc_types_eth::Log;
use alloy_sol_types::{SolCall, SolEvent, SolValue, sol};
use std::sync::Arc;
use tephra_chain::{Chain, Framework, L1Origin};
use tephra_frameworks::op_stack::{L1Contracts, OpStack, output_root_v0};
use tephra_primitives::{
    ReceiptEnvelope, TxEnvelope,
    tx::{TxDeposit, UserDepositSource},
};

sol! {
    event TransactionDeposited(address indexed from, address indexed to, uint256 indexed version, bytes opaqueData);
    function proposeL2Output(bytes32 _outputRoot, uint256 _l2BlockNumber, bytes32 _l1BlockHash, uint256 _l1BlockNumber) external payable;
}

/// The only `TransactionDeposited` version (0): opaque data = mint ‖ value ‖ gas ‖
/// isCreation ‖ data.
const DEPOSIT_VERSION_0: U256 = U256::ZERO;

/// L2 gas the deposits of one L1 block may ask for: the portal's `MAX_RESOURCE_LIMIT`.
pub const MAX_DEPOSIT_GAS_PER_L1_BLOCK: u64 = 20_000_000;

/// The smallest block gas limit of an op-stack rollup: one L1 block's deposits and the L1
/// attributes deposit fit in a block, so deposits never stall it.
pub const MIN_GAS_LIMIT: u64 =
    MAX_DEPOSIT_GAS_PER_L1_BLOCK + tephra_frameworks::op_stack::L1_INFO_GAS_LIMIT;

/// OP Stack's L1 side.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpStackSettlement {
    /// When the rollup activates Isthmus ([`RollupConfig::isthmus_time`]); from genesis
    /// without it.
    pub isthmus_time: Option<u64>,
}

impl Settlement for OpStackSettlement {
    fn framework(&self) -> &'static str {
        "op-stack"
    }

    fn entry_points(&self, rollup: &RollupConfig) -> Vec<Step> {
        // OP's oracle counts L2 time in whole seconds; a faster rollup reports 1. The interval
        // is what the proposer keeps to (viem estimates the wait for an output from both).
        let block_time = rollup.block_time_ms.div_ceil(1000);
        let interval = U256::from(crate::proposer::blocks_per_proposal(rollup.block_time_ms));
        vec![
            Step::deploy("L2OutputOracle", artifacts::L2_OUTPUT_ORACLE, move |contracts| {
                // The first output is after genesis (block 0, whose time the oracle does not
                // need).
                let (start, start_time) = (U256::ZERO, U256::ZERO);
                (contracts["RollupCore"], interval, U256::from(block_time), start, start_time)
                    .abi_encode_params()
                    .into()
            }),
            Step::deploy("OptimismPortal", artifacts::OPTIMISM_PORTAL, |contracts| {
                (contracts["RollupCore"], contracts["L2OutputOracle"]).abi_encode_params().into()
            }),
            Step::enable_entry_point("L2OutputOracle"),
            Step::enable_entry_point("OptimismPortal"),
            // The ERC-20 bridge: the messenger sends and relays through the portal; the bridge
            // moves deposited tokens into the core by the user's approval and has the core
            // release them for a withdrawal the portal delivers (`finalizeWithdrawal`), so the
            // bridge is an entry point of the core; the messenger is not.
            Step::deploy(
                "L1CrossDomainMessenger",
                artifacts::L1_CROSS_DOMAIN_MESSENGER,
                |contracts| contracts["OptimismPortal"].abi_encode().into(),
            ),
            Step::deploy("L1StandardBridge", artifacts::L1_STANDARD_BRIDGE, |contracts| {
                contracts["L1CrossDomainMessenger"].abi_encode().into()
            }),
            Step::enable_entry_point("L1StandardBridge"),
        ]
    }

    fn profile(&self, deployment: &Deployment) -> Result<Arc<dyn Framework>, SettlementError> {
        let l1 = L1Contracts {
            cross_domain_messenger: deployment.contract("L1CrossDomainMessenger")?,
            standard_bridge: deployment.contract("L1StandardBridge")?,
        };
        let profile = OpStack::default().with_l1_contracts(l1);
        Ok(Arc::new(match self.isthmus_time {
            Some(time) => profile.with_isthmus_time(time),
            None => profile,
        }))
    }

    fn l2_contracts(&self) -> Contracts {
        use tephra_frameworks::op_stack::{
            GAS_PRICE_ORACLE, L1_BLOCK, L2_CROSS_DOMAIN_MESSENGER, L2_STANDARD_BRIDGE,
            L2_TO_L1_MESSAGE_PASSER, OPTIMISM_MINTABLE_ERC20_FACTORY,
        };
        Contracts::from([
            ("L1Block".to_string(), L1_BLOCK),
            ("GasPriceOracle".to_string(), GAS_PRICE_ORACLE),
            ("L2ToL1MessagePasser".to_string(), L2_TO_L1_MESSAGE_PASSER),
            ("L2CrossDomainMessenger".to_string(), L2_CROSS_DOMAIN_MESSENGER),
            ("L2StandardBridge".to_string(), L2_STANDARD_BRIDGE),
            ("OptimismMintableERC20Factory".to_string(), OPTIMISM_MINTABLE_ERC20_FACTORY),
        ])
    }

    fn deposit_sources(&self, contracts: &Contracts) -> Vec<Address> {
        vec![contracts["OptimismPortal"]]
    }

    fn deposits(
        &self,
        origin: &L1Origin,
        logs: &[Log],
    ) -> Result<Vec<Recovered<TxEnvelope>>, SettlementError> {
        logs.iter()
            .filter(|log| log.topic0() == Some(&TransactionDeposited::SIGNATURE_HASH))
            .map(|log| deposit_of(origin, log))
            .collect()
    }

    fn commitment(
        &self,
        header: &Header,
        _txs: &[TxEnvelope],
        _receipts: &[ReceiptEnvelope],
    ) -> Result<B256, SettlementError> {
        Ok(output_root_of(header))
    }

    fn proposal(
        &self,
        chain: &Chain,
        contracts: &Contracts,
        number: u64,
    ) -> Result<(Address, Bytes), SettlementError> {
        let root = output_root(chain, number)?;
        let call = proposeL2OutputCall {
            _outputRoot: root,
            _l2BlockNumber: U256::from(number),
            _l1BlockHash: B256::ZERO,
            _l1BlockNumber: U256::ZERO,
        };
        Ok((contracts["L2OutputOracle"], call.abi_encode().into()))
    }
}

/// The output root (v0) of the rollup's block `number`.
pub fn output_root(chain: &Chain, number: u64) -> Result<B256, SettlementError> {
    let reader = chain.reader()?;
    let header = reader
        .header(number)
        .map_err(tephra_chain::ChainError::from)?
        .ok_or_else(|| SettlementError::Config(format!("the rollup has no block {number}")))?;
    Ok(output_root_of(&header))
}

/// The output root (v0) of a block by its header: Isthmus puts the message passer's storage
/// root in the header's withdrawals root.
pub fn output_root_of(header: &Header) -> B256 {
    let passer_root = header.withdrawals_root.unwrap_or_default();
    output_root_v0(header.state_root, passer_root, header.hash_slow())
}

/// The deposit transaction of one `TransactionDeposited` log, as op-node decodes it.
pub fn deposit_of(origin: &L1Origin, log: &Log) -> Result<Recovered<TxEnvelope>, SettlementError> {
    let malformed = |reason: String| SettlementError::MalformedLog {
        event: "TransactionDeposited",
        block: origin.number,
        reason,
    };
    let event = TransactionDeposited::decode_log_data(log.data())
        .map_err(|err| malformed(err.to_string()))?;
    if event.version != DEPOSIT_VERSION_0 {
        return Err(malformed(format!("unknown version {}", event.version)));
    }
    let data = &event.opaqueData;
    if data.len() < 73 {
        return Err(malformed(format!("opaque data of {} bytes, under 73", data.len())));
    }
    let mint = U256::from_be_slice(&data[..32]);
    let mint: u128 =
        mint.try_into().map_err(|_| malformed(format!("mint {mint} over 128 bits")))?;
    let value = U256::from_be_slice(&data[32..64]);
    let gas_limit = u64::from_be_bytes(data[64..72].try_into().expect("8 bytes"));
    let is_creation = match data[72] {
        0 => false,
        1 => true,
        other => return Err(malformed(format!("isCreation byte {other}"))),
    };
    let log_index = log.log_index.ok_or_else(|| malformed("the L1 gave no log index".into()))?;
    let deposit = TxDeposit {
        source_hash: UserDepositSource::new(origin.hash, log_index).source_hash(),
        from: event.from,
        to: if is_creation { TxKind::Create } else { TxKind::Call(event.to) },
        mint,
        value,
        gas_limit,
        is_system_transaction: false,
        input: Bytes::copy_from_slice(&data[73..]),
    };
    Ok(Recovered::new_unchecked(TxEnvelope::Deposit(Sealed::new(deposit)), event.from))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{LogData, address, b256, bytes};

    fn log(from: Address, to: Address, version: U256, opaque: Bytes, log_index: u64) -> Log {
        let event = TransactionDeposited { from, to, version, opaqueData: opaque };
        let data: LogData = event.encode_log_data();
        Log {
            inner: alloy_primitives::Log { address: Address::ZERO, data },
            log_index: Some(log_index),
            ..Default::default()
        }
    }

    fn origin(hash: B256) -> L1Origin {
        L1Origin { number: 1, hash, timestamp: 0, base_fee: 0, blob_base_fee: 0 }
    }

    /// viem's `getL2TransactionHash` test vector (src/op-stack/utils/getL2TransactionHash.test.ts):
    /// an OP Mainnet deposit log with its L2 transaction hash.
    #[test]
    fn derives_the_l2_hash_viem_derives_from_a_mainnet_deposit_log() {
        let account = address!("0x1a1E021A302C237453D3D45c7B82B19cEEB7E2e6");
        let opaque = bytes!(
            "0x00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000045000000000000520800"
        );
        let block = b256!("0x634c52556471c589f42db9131467e0c9484f5c73049e32d1a74e2a4ce0f91d57");
        let deposit =
            deposit_of(&origin(block), &log(account, account, U256::ZERO, opaque, 109)).unwrap();
        assert_eq!(
            deposit.inner().tx_hash(),
            b256!("0x0a60b983815ed475c5919609025204a479654d93afc610feca7d99ae0befc329")
        );
        let TxEnvelope::Deposit(tx) = deposit.inner() else { panic!("a deposit") };
        assert_eq!((tx.mint, tx.value, tx.gas_limit), (0, U256::from(69), 21_000));
        assert_eq!(tx.to, TxKind::Call(account));
        assert_eq!(deposit.signer(), account);
    }

    #[test]
    fn the_profile_needs_the_deployed_messenger_and_bridge() {
        let mut deployment = Deployment {
            l1_chain_id: 900,
            l2_chain_id: 901,
            framework: "op-stack".into(),
            deployer: Address::ZERO,
            l1_start_block: 0,
            contracts: Contracts::from([("OptimismPortal".to_string(), Address::repeat_byte(1))]),
            done: Vec::new(),
            pending: Vec::new(),
        };
        let err = OpStackSettlement::default().profile(&deployment).unwrap_err().to_string();
        assert!(err.contains("no L1CrossDomainMessenger"), "{err}");
        deployment.contracts.insert("L1CrossDomainMessenger".into(), Address::repeat_byte(2));
        deployment.contracts.insert("L1StandardBridge".into(), Address::repeat_byte(3));
        assert_eq!(OpStackSettlement::default().profile(&deployment).unwrap().name(), "op-stack");
        // The rollup's Isthmus time reaches the profile: its activation block upgrades.
        let (parent, header) = (
            Header { timestamp: 99, ..Default::default() },
            Header { timestamp: 100, ..Default::default() },
        );
        let upgrades = |isthmus_time| {
            let profile = OpStackSettlement { isthmus_time }.profile(&deployment).unwrap();
            profile.upgrade_transactions(&parent, &header).len()
        };
        assert_eq!(upgrades(Some(100)), 8);
        assert_eq!(upgrades(None), 0);
        let rollup = crate::network::NetworkConfig::embedded().rollup_config(0, Default::default());
        let steps = OpStackSettlement::default().entry_points(&rollup);
        let labels: Vec<String> = steps.iter().map(|step| format!("{step:?}")).collect();
        let position = |label: &str| labels.iter().position(|l| l == label).unwrap();
        assert!(position("deploy OptimismPortal") < position("deploy L1CrossDomainMessenger"));
        assert!(position("deploy L1CrossDomainMessenger") < position("deploy L1StandardBridge"));
        // The bridge has the core pay out ERC-20 withdrawals: enabled once deployed. The
        // messenger calls only the portal: not enabled.
        let enable_bridge = position("RollupCore.setEntryPoint(L1StandardBridge)");
        assert!(position("deploy L1StandardBridge") < enable_bridge, "{labels:?}");
        assert!(
            !labels.iter().any(|l| l.contains("setEntryPoint(L1CrossDomainMessenger)")),
            "{labels:?}"
        );
    }

    #[test]
    fn refuses_logs_op_node_would_refuse() {
        let account = Address::repeat_byte(1);
        let good = [vec![0u8; 72], vec![0]].concat();
        let check = |version: U256, opaque: Vec<u8>, expected: &str| {
            let err =
                deposit_of(&origin(B256::ZERO), &log(account, account, version, opaque.into(), 0))
                    .unwrap_err()
                    .to_string();
            assert!(err.contains(expected), "{err}");
        };
        check(U256::from(1), good, "unknown version 1");
        check(U256::ZERO, vec![0u8; 72], "72 bytes, under 73");
        check(U256::ZERO, [vec![0u8; 72], vec![2]].concat(), "isCreation byte 2");
        check(U256::ZERO, [vec![1u8; 32], vec![0u8; 41]].concat(), "over 128 bits");
        let created = deposit_of(
            &origin(B256::ZERO),
            &log(account, account, U256::ZERO, [vec![0u8; 72], vec![1]].concat().into(), 0),
        )
        .unwrap();
        let TxEnvelope::Deposit(tx) = created.inner() else { panic!("a deposit") };
        assert_eq!(tx.to, TxKind::Create);
    }
}
