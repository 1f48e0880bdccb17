//! ZK Stack on its L1: `ZkBridgehub` (`requestL2TransactionDirect`, the chain registry
//! zksync-ethers starts from), `ZkChain` (the chain's Mailbox and Getters: priority requests,
//! batch roots, inclusion proofs) and `ZkSharedBridge` (the asset router and nullifier that
//! finalizes withdrawals), over the core. Each rollup gets its own Bridgehub and shared bridge
//! (ZK Stack shares them between an L1's chains), so that `tephra rollup create` deploys on any
//! L1 alone. Deposits are derived as zksync-era's EthWatch reads them: every
//! `NewPriorityRequest` of the chain's main contract becomes a priority transaction (type
//! 0xFF) under the hash the Mailbox emitted. One L2 block is one batch; the proposer records
//! the L2 -> L1 logs root of every batch that has logs (and of the head), which is what
//! withdrawals are proven against.
//!
//! The chain's base token is the rollup's gas token: ether, or an L1 ERC-20 (ZK Stack's
//! non-ETH-based chains). The core is deployed with it (and its decimals); `ZkChain` reads it
//! from the core, so the Bridgehub's `baseToken` / `baseTokenAssetId`, the L2 native token
//! vault's `BASE_TOKEN_ASSET_ID()` and `zks_getBaseTokenL1Address` all name the same token. On
//! an ERC-20-based chain a request's `mintValue` is pulled in the token through the shared
//! bridge, and amounts cross at the core's exact scaling (L1 units × 10^(18 − decimals) on L2).

use crate::{
    Contracts, Deployment, GasToken, RollupConfig, Settlement, SettlementError, Step, artifacts,
};
use alloy_consensus::{Header, Sealed, transaction::Recovered};
use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_rpc_types_eth::Log;
use alloy_sol_types::{SolCall, SolValue, sol};
use std::sync::Arc;
use tephra_chain::{Chain, ChainError, Framework, L1Origin};
use tephra_frameworks::ZkStack;
use tephra_primitives::{
    ReceiptEnvelope, TxEnvelope,
    tx::TxPriority,
    zk::{self, ETH_ADDRESS_IN_CONTRACTS},
};
use tephra_rpc::{RpcConfig, ZkL1Config};

sol! {
    struct FeeParams {
        uint8 pubdataPricingMode;
        uint32 batchOverheadL1Gas;
        uint32 maxPubdataPerBatch;
        uint32 maxL2GasPerBatch;
        uint32 priorityTxMaxPubdata;
        uint64 minimalL2GasPrice;
    }
    function setSharedBridge(address _sharedBridge) external;
    function registerAlreadyDeployedZKChain(uint256 _chainId, address _zkChain) external;
    function proposeBatchRoot(uint256 _batchNumber, bytes32 _l2LogsRootHash) external returns (uint256);
}

/// ZK Stack's default fee parameters (`FeeParams`): Rollup pubdata pricing, 1M L1 gas of batch
/// overhead, 120k pubdata bytes and 80M L2 gas per batch, 99k pubdata bytes per priority
/// transaction, a 0.25 gwei minimal L2 gas price.
const FEE_PARAMS: FeeParams = FeeParams {
    pubdataPricingMode: 0,
    batchOverheadL1Gas: 1_000_000,
    maxPubdataPerBatch: 120_000,
    maxL2GasPerBatch: 80_000_000,
    priorityTxMaxPubdata: 99_000,
    minimalL2GasPrice: 250_000_000,
};

/// ZK Stack's L1 side.
#[derive(Debug, Clone, Copy, Default)]
pub struct ZkStackSettlement {
    /// The rollup's gas token: the chain's base token.
    pub gas_token: GasToken,
    /// The sequencer's price of a byte of pubdata ([`RollupConfig::pubdata_price`]). Its blocks
    /// carry it, so a verifier (a guardian) leaves it zero.
    pub pubdata_price: u128,
}

impl ZkStackSettlement {
    /// The base token's L1 address as ZK Stack names it: `0x…01` for ether, else the ERC-20's.
    pub fn base_token(&self) -> Address {
        match self.gas_token {
            GasToken::Eth => ETH_ADDRESS_IN_CONTRACTS,
            GasToken::Erc20(address) => address,
        }
    }
}

impl Settlement for ZkStackSettlement {
    fn framework(&self) -> &'static str {
        "zk-stack"
    }

    fn entry_points(&self, rollup: &RollupConfig) -> Vec<Step> {
        let owner = RollupConfig::signer(&rollup.owner_key).address();
        let (chain_id, gas_limit) = (rollup.chain_id, rollup.gas_limit);
        vec![
            Step::deploy("ZkBridgehub", artifacts::ZK_BRIDGEHUB, move |_| {
                owner.abi_encode().into()
            }),
            // A priority transaction may ask for a whole L2 block's gas, no more. Its base token
            // is the core's gas token (the core's constructor arguments name it).
            Step::deploy("ZkChain", artifacts::ZK_CHAIN, move |contracts| {
                (
                    contracts["RollupCore"],
                    contracts["ZkBridgehub"],
                    FEE_PARAMS,
                    U256::from(gas_limit),
                )
                    .abi_encode_params()
                    .into()
            }),
            Step::deploy("ZkSharedBridge", artifacts::ZK_SHARED_BRIDGE, |contracts| {
                contracts["ZkBridgehub"].abi_encode().into()
            }),
            Step::call("ZkBridgehub.setSharedBridge(ZkSharedBridge)".into(), "ZkBridgehub", |c| {
                setSharedBridgeCall { _sharedBridge: c["ZkSharedBridge"] }.abi_encode().into()
            }),
            Step::enable_entry_point("ZkChain"),
            Step::enable_entry_point("ZkSharedBridge"),
            Step::call(
                format!("ZkBridgehub.registerAlreadyDeployedZKChain({chain_id})"),
                "ZkBridgehub",
                move |c| {
                    registerAlreadyDeployedZKChainCall {
                        _chainId: U256::from(chain_id),
                        _zkChain: c["ZkChain"],
                    }
                    .abi_encode()
                    .into()
                },
            ),
        ]
    }

    fn deposit_sources(&self, contracts: &Contracts) -> Vec<Address> {
        vec![contracts["ZkChain"]]
    }

    fn deposits(
        &self,
        origin: &L1Origin,
        logs: &[Log],
    ) -> Result<Vec<Recovered<TxEnvelope>>, SettlementError> {
        logs.iter()
            .filter(|log| log.topic0() == Some(&TxPriority::NEW_PRIORITY_REQUEST_TOPIC))
            .map(|log| {
                let tx =
                    TxPriority::from_new_priority_request(&log.data().data).map_err(|err| {
                        SettlementError::MalformedLog {
                            event: "NewPriorityRequest",
                            block: origin.number,
                            reason: err.to_string(),
                        }
                    })?;
                let from = tx.from;
                Ok(Recovered::new_unchecked(TxEnvelope::Priority(Sealed::new(tx)), from))
            })
            .collect()
    }

    fn proposed_blocks(
        &self,
        chain: &Chain,
        last: u64,
        head: u64,
    ) -> Result<Vec<u64>, SettlementError> {
        // A withdrawal is proven against its own batch's root: every batch with logs needs one.
        let reader = chain.reader()?;
        let mut blocks = Vec::new();
        for number in last + 1..head {
            let txs = reader.transactions(number).map_err(ChainError::from)?.unwrap_or_default();
            let receipts = reader.receipts(number).map_err(ChainError::from)?.unwrap_or_default();
            if !zk::batch_logs(&txs, &receipts).is_empty() {
                blocks.push(number);
            }
        }
        blocks.push(head);
        Ok(blocks)
    }

    fn commitment(
        &self,
        header: &Header,
        txs: &[TxEnvelope],
        receipts: &[ReceiptEnvelope],
    ) -> Result<B256, SettlementError> {
        // One batch per block: the commitment is the batch's L2-to-L1 logs root.
        zk::batch_logs_root(txs, receipts)
            .map_err(|err| SettlementError::Config(format!("batch {}: {err}", header.number)))
    }

    fn proposal(
        &self,
        chain: &Chain,
        contracts: &Contracts,
        number: u64,
    ) -> Result<(Address, Bytes), SettlementError> {
        let reader = chain.reader()?;
        let missing = || SettlementError::Config(format!("the rollup has no block {number}"));
        let header = reader.header(number).map_err(ChainError::from)?.ok_or_else(missing)?;
        let txs = reader.transactions(number).map_err(ChainError::from)?.ok_or_else(missing)?;
        let receipts = reader.receipts(number).map_err(ChainError::from)?.ok_or_else(missing)?;
        let root = self.commitment(&header, &txs, &receipts)?;
        let call = proposeBatchRootCall { _batchNumber: U256::from(number), _l2LogsRootHash: root };
        Ok((contracts["ZkChain"], call.abi_encode().into()))
    }

    fn profile(&self, deployment: &Deployment) -> Result<Arc<dyn Framework>, SettlementError> {
        Ok(Arc::new(ZkStack {
            l1_chain_id: deployment.l1_chain_id,
            l1_shared_bridge: deployment.contract("ZkSharedBridge")?,
            l1_base_token: self.base_token(),
            pubdata_price: self.pubdata_price,
        }))
    }

    fn rpc(&self, deployment: &Deployment) -> Result<RpcConfig, SettlementError> {
        let zk_l1 = ZkL1Config {
            l1_chain_id: deployment.l1_chain_id,
            main_contract: deployment.contract("ZkChain")?,
            bridgehub: deployment.contract("ZkBridgehub")?,
            shared_bridge: deployment.contract("ZkSharedBridge")?,
            base_token: self.base_token(),
            pubdata_price: self.pubdata_price,
        };
        Ok(RpcConfig { zk_l1, ..RpcConfig::default() })
    }

    fn l2_contracts(&self) -> Contracts {
        Contracts::from([
            ("L1Messenger".to_string(), zk::L1_MESSENGER),
            ("L2BaseToken".to_string(), zk::L2_BASE_TOKEN),
            ("L2AssetRouter".to_string(), zk::L2_ASSET_ROUTER),
            ("L2NativeTokenVault".to_string(), zk::L2_NATIVE_TOKEN_VAULT),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::LogData;

    #[test]
    fn a_priority_request_that_is_not_the_mailbox_s_is_refused_naming_its_block() {
        let origin = L1Origin {
            number: 7,
            hash: Default::default(),
            timestamp: 0,
            base_fee: 0,
            blob_base_fee: 0,
        };
        let log = |data: Vec<u8>| Log {
            inner: alloy_primitives::Log {
                address: Address::repeat_byte(1),
                data: LogData::new_unchecked(
                    vec![TxPriority::NEW_PRIORITY_REQUEST_TOPIC],
                    data.into(),
                ),
            },
            ..Default::default()
        };
        let err = ZkStackSettlement::default().deposits(&origin, &[log(vec![0; 64])]).unwrap_err();
        assert!(
            matches!(
                err,
                SettlementError::MalformedLog { event: "NewPriorityRequest", block: 7, .. }
            ),
            "{err}"
        );
        // Logs of other events of the main contract bring nothing.
        let other = Log {
            inner: alloy_primitives::Log {
                address: Address::repeat_byte(1),
                data: LogData::new_unchecked(
                    vec![alloy_primitives::B256::repeat_byte(9)],
                    Bytes::new(),
                ),
            },
            ..Default::default()
        };
        assert!(ZkStackSettlement::default().deposits(&origin, &[other]).unwrap().is_empty());
    }

    #[test]
    fn the_rpc_names_the_gas_token_as_the_base_token() {
        let contracts = Contracts::from(
            ["ZkChain", "ZkBridgehub", "ZkSharedBridge"]
                .map(|name| (name.to_string(), Address::repeat_byte(name.len() as u8))),
        );
        let deployment = Deployment {
            l1_chain_id: 900,
            l2_chain_id: 903,
            framework: "zk-stack".into(),
            deployer: Address::ZERO,
            l1_start_block: 0,
            contracts,
            done: Vec::new(),
            pending: Vec::new(),
        };
        let eth = ZkStackSettlement::default().rpc(&deployment).unwrap().zk_l1;
        assert_eq!(eth.base_token, ETH_ADDRESS_IN_CONTRACTS);
        let token = Address::repeat_byte(0x5f);
        let usdc = ZkStackSettlement { gas_token: GasToken::Erc20(token), pubdata_price: 0 };
        let zk_l1 = usdc.rpc(&deployment).unwrap().zk_l1;
        assert_eq!(zk_l1.base_token, token);
        assert_eq!((zk_l1.l1_chain_id, zk_l1.shared_bridge), (900, Address::repeat_byte(14)));
    }
}
