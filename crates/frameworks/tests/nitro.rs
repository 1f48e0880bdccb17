//! The `nitro` profile in process: blocks built on the chain core under ArbOS 32's rules,
//! checked against Nitro's definitions (ArbSys' views and L2-to-L1 messages, the send root in
//! `extraData` and the send count in `mixHash`, NUMBER as the L1 block number, L1 pricing as
//! poster gas) through ABIs written from `@arbitrum/nitro-contracts` 3.2.0's
//! `src/precompiles/ArbSys.sol` and `ArbGasInfo.sol`.

// `sol!`'s constructor of the nine-field `L2ToL1Tx` event.
#![allow(clippy::too_many_arguments)]

use alloy_consensus::{TxEip1559, TxReceipt, transaction::Recovered};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, keccak256};
use alloy_rpc_types_eth::TransactionRequest;
use alloy_sol_types::{SolCall, SolError, SolEvent, sol};
use std::sync::Arc;
use support::{Fixture, balance, call, mine, sign, try_call};

mod support;
use tephra_chain::{BlockAttributes, CallError};
use tephra_frameworks::nitro::{
    ARB_GAS_INFO, ARB_SYS, ARBOS_VERSION, BATCH_POSTER, DEV_NETWORK_FEE_ACCOUNT,
    L1_PRICER_FUNDS_POOL, Nitro, decode_mix_hash,
};
use tephra_primitives::TxEnvelope;
use tephra_primitives::tx::TxArbitrumDeposit;

sol! {
    function arbBlockNumber() external view returns (uint256);
    function arbBlockHash(uint256 arbBlockNum) external view returns (bytes32);
    function arbChainID() external view returns (uint256);
    function arbOSVersion() external view returns (uint256);
    function withdrawEth(address destination) external payable returns (uint256);
    function sendTxToL1(address destination, bytes calldata data) external payable returns (uint256);
    function sendMerkleTreeState() external view returns (uint256 size, bytes32 root, bytes32[] memory partials);
    event L2ToL1Tx(
        address caller,
        address indexed destination,
        uint256 indexed hash,
        uint256 indexed position,
        uint256 arbBlockNum,
        uint256 ethBlockNum,
        uint256 timestamp,
        uint256 callvalue,
        bytes data
    );
    event SendMerkleUpdate(uint256 indexed reserved, bytes32 indexed hash, uint256 indexed position);
    error InvalidBlockNumber(uint256 requested, uint256 current);

    function getPricesInWei() external view returns (uint256, uint256, uint256, uint256, uint256, uint256);
    function getL1BaseFeeEstimate() external view returns (uint256);
    function getCurrentTxL1GasFees() external view returns (uint256);
}

const CHAIN_ID: u64 = 412346;

fn fixture() -> Fixture {
    support::fixture(Arc::new(Nitro::default()), CHAIN_ID, 2)
}

fn tx(nonce: u64, to: TxKind, value: u64, input: Bytes, gas_limit: u64) -> TxEip1559 {
    TxEip1559 {
        chain_id: CHAIN_ID,
        nonce,
        gas_limit,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to,
        value: U256::from(value),
        input,
        ..Default::default()
    }
}

fn word(data: &[u8]) -> U256 {
    U256::from_be_slice(&data[..32])
}

/// Init code that deploys `runtime` unchanged.
fn deploy_code(runtime: &[u8]) -> Bytes {
    let len = runtime.len() as u8;
    let mut code = vec![0x60, len, 0x60, 12, 0x60, 0, 0x39, 0x60, len, 0x60, 0, 0xf3];
    code.extend_from_slice(runtime);
    code.into()
}

/// The reference send root, from the definition of the tree Nitro's outbox proves against:
/// leaves are `keccak256(sendHash)`, pairs hash as `keccak256(left ‖ right)`, and each level
/// of odd length is padded with a zero hash, up to one root.
fn reference_send_root(send_hashes: &[B256]) -> B256 {
    let mut level: Vec<B256> = send_hashes.iter().map(keccak256).collect();
    while level.len() > 1 {
        if level.len() % 2 == 1 {
            level.push(B256::ZERO);
        }
        level = level.chunks(2).map(|pair| keccak256([pair[0].0, pair[1].0].concat())).collect();
    }
    level.first().copied().unwrap_or_default()
}

/// Nitro's send hash: keccak256 of caller ‖ destination ‖ L2 block ‖ L1 block ‖ timestamp ‖
/// value (uint256 each) ‖ data.
fn send_hash(
    caller: Address,
    destination: Address,
    l2: u64,
    l1: u64,
    time: u64,
    value: U256,
    data: &[u8],
) -> B256 {
    let mut preimage = [caller.as_slice(), destination.as_slice()].concat();
    for w in [U256::from(l2), U256::from(l1), U256::from(time), value] {
        preimage.extend_from_slice(&w.to_be_bytes::<32>());
    }
    preimage.extend_from_slice(data);
    keccak256(preimage)
}

#[test]
fn nitro_is_a_registered_profile() {
    assert!(tephra_frameworks::NAMES.contains(&"nitro"));
    assert_eq!(tephra_frameworks::by_name("nitro").unwrap().name(), "nitro");
}

#[test]
fn arbsys_views_report_the_l2_block_chain_id_and_arbos_version() {
    let f = fixture();
    let blocks: Vec<_> = (0..3).map(|_| mine(&f.chain, 2, &[])).collect();
    let head = f.chain.head();
    assert_eq!(head.header.number, 3);
    assert_eq!(word(&call(&f.chain, ARB_SYS, arbBlockNumberCall {}.abi_encode())), U256::from(3));
    assert_eq!(
        word(&call(&f.chain, ARB_SYS, arbChainIDCall {}.abi_encode())),
        U256::from(CHAIN_ID)
    );
    // ArbOS 32: Nitro reports 55 + the ArbOS version.
    assert_eq!(
        word(&call(&f.chain, ARB_SYS, arbOSVersionCall {}.abi_encode())),
        U256::from(55 + 32)
    );
    assert_eq!(ARBOS_VERSION, 32);
    let hash_of = |n: u64| {
        B256::from_slice(&call(
            &f.chain,
            ARB_SYS,
            arbBlockHashCall { arbBlockNum: U256::from(n) }.abi_encode(),
        ))
    };
    assert_eq!(hash_of(2), blocks[1].block.hash);
    assert_eq!(hash_of(1), blocks[0].block.hash);
    // The current block and later ones are refused with Nitro's error.
    let Err(CallError::Reverted(data)) =
        try_call(&f.chain, ARB_SYS, arbBlockHashCall { arbBlockNum: U256::from(3) }.abi_encode())
    else {
        panic!("arbBlockHash(current) reverts");
    };
    let error = InvalidBlockNumber::abi_decode(&data).unwrap();
    assert_eq!((error.requested, error.current), (U256::from(3), U256::from(3)));
    // Headers as Nitro writes them.
    for block in &blocks {
        let header = &block.block.header;
        assert_eq!(header.beneficiary, BATCH_POSTER);
        assert_eq!(header.difficulty, U256::from(1));
        assert_eq!(header.extra_data.len(), 32);
        assert_eq!(header.extra_data.as_ref(), [0u8; 32], "no message sent yet");
        let (count, l1, version) = decode_mix_hash(header.mix_hash);
        assert_eq!((count, version), (0, 32));
        assert_eq!(l1, header.timestamp / 12, "the dev L1 origin: one L1 block every 12 s");
        assert_eq!(header.mix_hash[24..], [0u8; 8]);
    }
}

#[test]
fn unknown_selectors_and_bad_input_revert_cleanly() {
    let f = fixture();
    mine(&f.chain, 2, &[]);
    for input in [vec![0xde, 0xad, 0xbe, 0xef], vec![0x01], vec![]] {
        for target in [ARB_SYS, ARB_GAS_INFO] {
            match try_call(&f.chain, target, input.clone()) {
                Err(CallError::Reverted(data)) => assert!(data.is_empty()),
                other => panic!("{target} with {input:?}: expected a revert, got {other:?}"),
            }
        }
    }
    // Truncated arguments, and a view sent value, revert too.
    let truncated = arbBlockHashCall::SELECTOR.to_vec();
    assert!(matches!(try_call(&f.chain, ARB_SYS, truncated), Err(CallError::Reverted(_))));
    // sendMerkleTreeState is for address zero only.
    let request = TransactionRequest::default()
        .from(f.signers[0].address())
        .to(ARB_SYS)
        .input(sendMerkleTreeStateCall {}.abi_encode().into());
    let number = f.chain.head().header.number;
    assert!(matches!(f.chain.call(request, number, None, None), Err(CallError::Reverted(_))));
    // In a block: the transaction fails, the block is fine.
    let bad =
        sign(&f.signers[0], tx(0, TxKind::Call(ARB_SYS), 0, vec![0xde, 0xad].into(), 100_000));
    let block = mine(&f.chain, 2, std::slice::from_ref(&bad));
    assert!(!block.block.receipts[0].status());
    assert_eq!(block.block.receipts[0].cumulative_gas_used(), 100_000, "refusals burn all gas");

    // Nitro refuses precompile methods to a delegate call; a plain call from the same
    // contract works. CALL then DELEGATECALL (100k gas each) to ArbSys.arbBlockNumber(),
    // storing both success flags and the CALL's answer.
    let mut runtime = vec![0x63];
    runtime.extend_from_slice(&arbBlockNumberCall::SELECTOR);
    runtime.extend_from_slice(&[0x60, 0xe0, 0x1b, 0x60, 0x00, 0x52]);
    let call_args = [0x60, 0x20, 0x60, 0x00, 0x60, 0x04, 0x60, 0x00];
    runtime.extend_from_slice(&call_args);
    runtime.extend_from_slice(&[0x60, 0x00, 0x60, 0x64, 0x62, 0x01, 0x86, 0xa0, 0xf1]); // CALL
    runtime.extend_from_slice(&[0x60, 0x01, 0x55, 0x60, 0x00, 0x51, 0x60, 0x02, 0x55]);
    runtime.extend_from_slice(&call_args);
    runtime.extend_from_slice(&[0x60, 0x64, 0x62, 0x01, 0x86, 0xa0, 0xf4]); // DELEGATECALL
    runtime.extend_from_slice(&[0x60, 0x00, 0x55, 0x00]);
    let sender = &f.signers[0];
    let deploy = sign(sender, tx(1, TxKind::Create, 0, deploy_code(&runtime), 1_000_000));
    mine(&f.chain, 2, std::slice::from_ref(&deploy));
    let contract = sender.address().create(1);
    let poke = sign(sender, tx(2, TxKind::Call(contract), 0, Bytes::new(), 1_000_000));
    let block = mine(&f.chain, 2, std::slice::from_ref(&poke));
    assert!(block.block.receipts[0].status());
    let reader = f.chain.reader().unwrap();
    let slot = |n: u8| reader.storage(&contract, &B256::with_last_byte(n)).unwrap();
    assert_eq!(slot(1), U256::from(1), "a call succeeds");
    assert_eq!(slot(2), U256::from(block.block.header.number), "and answers the L2 number");
    assert_eq!(slot(0), U256::ZERO, "a delegate call is refused");
}

#[test]
fn withdrawals_emit_l2_to_l1_tx_burn_the_value_and_move_the_send_root() {
    let f = fixture();
    let nitro = Nitro::default();
    mine(&f.chain, 2, &[]);
    let sender = &f.signers[1];
    let destination = Address::repeat_byte(0x11);
    let value = 1_000_000_000_000_000u64;
    let supply_before = balance(&f.chain, sender.address());
    let withdraw = sign(
        sender,
        tx(
            0,
            TxKind::Call(ARB_SYS),
            value,
            withdrawEthCall { destination }.abi_encode().into(),
            500_000,
        ),
    );
    let block = mine(&f.chain, 2, std::slice::from_ref(&withdraw));
    let header = &block.block.header;
    let receipt = &block.block.receipts[0];
    assert!(receipt.status(), "withdrawEth succeeds");
    let l1 = nitro.l1_block_number(header.timestamp);

    // The first leaf merges nothing: one L2ToL1Tx log, from ArbSys.
    assert_eq!(receipt.logs().len(), 1);
    let log = &receipt.logs()[0];
    assert_eq!(log.address, ARB_SYS);
    let event = L2ToL1Tx::decode_log_data(&log.data).unwrap();
    let expected_hash = send_hash(
        sender.address(),
        destination,
        header.number,
        l1,
        header.timestamp,
        U256::from(value),
        &[],
    );
    assert_eq!(event.caller, sender.address());
    assert_eq!(event.destination, destination);
    assert_eq!(event.hash, U256::from_be_bytes(expected_hash.0));
    assert_eq!(event.position, U256::ZERO);
    assert_eq!(event.arbBlockNum, U256::from(header.number));
    assert_eq!(event.ethBlockNum, U256::from(l1));
    assert_eq!(event.timestamp, U256::from(header.timestamp));
    assert_eq!(event.callvalue, U256::from(value));
    assert!(event.data.is_empty());

    // The value is burnt: ArbSys holds nothing, the sender paid value + gas at the base fee.
    assert_eq!(balance(&f.chain, ARB_SYS), U256::ZERO);
    let gas_used = U256::from(receipt.cumulative_gas_used());
    let base_fee = U256::from(header.base_fee_per_gas.unwrap());
    assert_eq!(
        supply_before - balance(&f.chain, sender.address()),
        U256::from(value) + gas_used * base_fee
    );

    // The header commits to the send root and count.
    assert_eq!(header.extra_data.as_ref(), reference_send_root(&[expected_hash]).as_slice());
    assert_eq!(decode_mix_hash(header.mix_hash), (1, l1, 32));

    // Two more messages in one block: merges are announced, the root follows the reference.
    let data = Bytes::from_static(b"call on L1");
    let second = sign(
        sender,
        tx(
            1,
            TxKind::Call(ARB_SYS),
            7,
            sendTxToL1Call { destination, data: data.clone() }.abi_encode().into(),
            500_000,
        ),
    );
    let third = sign(
        sender,
        tx(
            2,
            TxKind::Call(ARB_SYS),
            0,
            withdrawEthCall { destination: Address::ZERO }.abi_encode().into(),
            500_000,
        ),
    );
    let block2 = mine(&f.chain, 13, &[second, third]);
    let header2 = &block2.block.header;
    let l1_2 = nitro.l1_block_number(header2.timestamp);
    assert_ne!(l1_2, l1, "13 s later the L1 origin moved on");
    let h2 = send_hash(
        sender.address(),
        destination,
        header2.number,
        l1_2,
        header2.timestamp,
        U256::from(7),
        &data,
    );
    let h3 = send_hash(
        sender.address(),
        Address::ZERO,
        header2.number,
        l1_2,
        header2.timestamp,
        U256::ZERO,
        &[],
    );
    let logs = block2.block.receipts[0].logs();
    assert_eq!(logs.len(), 2, "the second leaf merges level 0 into level 1");
    let merge = SendMerkleUpdate::decode_log_data(&logs[0].data).unwrap();
    assert_eq!(merge.reserved, U256::ZERO);
    assert_eq!(merge.position, (U256::from(1) << 192) + U256::from(1));
    assert_eq!(merge.hash, reference_send_root(&[expected_hash, h2]));
    let event2 = L2ToL1Tx::decode_log_data(&logs[1].data).unwrap();
    assert_eq!((event2.position, event2.data), (U256::from(1), data));
    let event3 = L2ToL1Tx::decode_log_data(&block2.block.receipts[1].logs()[0].data).unwrap();
    assert_eq!(event3.position, U256::from(2));
    let root = reference_send_root(&[expected_hash, h2, h3]);
    assert_eq!(header2.extra_data.as_ref(), root.as_slice());
    assert_eq!(decode_mix_hash(header2.mix_hash), (3, l1_2, 32));

    // sendMerkleTreeState() (for address zero) reports the same state.
    let request = TransactionRequest::default()
        .from(Address::ZERO)
        .to(ARB_SYS)
        .input(sendMerkleTreeStateCall {}.abi_encode().into());
    let output = f.chain.call(request, f.chain.head().header.number, None, None).unwrap();
    let state = sendMerkleTreeStateCall::abi_decode_returns(&output).unwrap();
    assert_eq!(state.size, U256::from(3));
    assert_eq!(state.root, root);
    assert_eq!(state.partials.len(), 2);
}

#[test]
fn number_is_the_l1_block_number_while_arb_block_number_is_the_l2_one() {
    let f = fixture();
    let nitro = Nitro::default();
    let sender = &f.signers[0];
    // NUMBER PUSH0 SSTORE; NUMBER PUSH1 0 MSTORE; RETURN 32 bytes from 0.
    let runtime = [0x43, 0x60, 0x00, 0x55, 0x43, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3];
    let deploy = sign(sender, tx(0, TxKind::Create, 0, deploy_code(&runtime), 500_000));
    mine(&f.chain, 2, std::slice::from_ref(&deploy));
    let contract = sender.address().create(0);
    let poke = sign(sender, tx(1, TxKind::Call(contract), 0, Bytes::new(), 500_000));
    let block = mine(&f.chain, 2, std::slice::from_ref(&poke));
    assert!(block.block.receipts[0].status());
    let header = &block.block.header;
    let l1 = nitro.l1_block_number(header.timestamp);
    assert!(l1 > header.number * 1000, "the dev L1 numbers are far from the L2 ones");
    let reader = f.chain.reader().unwrap();
    let stored = reader.storage(&contract, &B256::ZERO).unwrap();
    assert_eq!(stored, U256::from(l1), "NUMBER in a transaction is the L1 block number");
    assert_eq!(word(&call(&f.chain, contract, Vec::new())), U256::from(l1), "and in eth_call");
    assert_eq!(
        word(&call(&f.chain, ARB_SYS, arbBlockNumberCall {}.abi_encode())),
        U256::from(header.number)
    );
}

#[test]
fn transactions_pay_the_poster_gas_arb_gas_info_prices() {
    let f = fixture();
    let nitro = Nitro::default();
    mine(&f.chain, 2, &[]);
    let sender = &f.signers[0];

    // A contract that stores ArbGasInfo.getCurrentTxL1GasFees() as its transaction sees it.
    let selector = getCurrentTxL1GasFeesCall::SELECTOR;
    let mut runtime = vec![0x63];
    runtime.extend_from_slice(&selector);
    runtime.extend_from_slice(&[
        0x60, 0xe0, 0x1b, 0x60, 0x00, 0x52, // selector << 224 at memory 0
        0x60, 0x20, 0x60, 0x00, 0x60, 0x04, 0x60, 0x00, 0x60, 0x6c, 0x5a, 0xfa,
        0x50, // staticcall
        0x60, 0x00, 0x51, 0x60, 0x00, 0x55, 0x00, // sstore(0, mload(0))
    ]);
    let deploy = sign(sender, tx(0, TxKind::Create, 0, deploy_code(&runtime), 1_000_000));
    mine(&f.chain, 2, std::slice::from_ref(&deploy));
    let contract = sender.address().create(0);

    // The prices the chain reports at its head.
    let prices = call(&f.chain, ARB_GAS_INFO, getPricesInWeiCall {}.abi_encode());
    let prices = getPricesInWeiCall::abi_decode_returns(&prices).unwrap();
    let l1_price = word(&call(&f.chain, ARB_GAS_INFO, getL1BaseFeeEstimateCall {}.abi_encode()));
    assert_eq!(l1_price, U256::from(nitro.pricing.price_per_unit));
    assert_eq!(prices._1, l1_price * U256::from(16), "wei per L1 calldata byte");
    assert_eq!(prices._0, prices._1 * U256::from(140), "wei per simple L2 transaction");
    let head_base_fee = U256::from(f.chain.head().header.base_fee_per_gas.unwrap());
    assert_eq!(prices._5, head_base_fee);
    assert_eq!(prices._2, head_base_fee * U256::from(20_000));
    assert_eq!(prices._3 + prices._4, prices._5);

    let pool_before = balance(&f.chain, L1_PRICER_FUNDS_POOL);
    let network_before = balance(&f.chain, DEV_NETWORK_FEE_ACCOUNT);
    let sender_before = balance(&f.chain, sender.address());
    let poke =
        sign(sender, tx(1, TxKind::Call(contract), 0, Bytes::from(vec![0xab; 100]), 1_000_000));
    let encoded = alloy_eips::Encodable2718::encoded_2718(poke.inner());
    let block = mine(&f.chain, 2, std::slice::from_ref(&poke));
    let header = &block.block.header;
    let base_fee = U256::from(header.base_fee_per_gas.unwrap());
    let receipt = &block.block.receipts[0];
    assert!(receipt.status());

    // gasUsedForL1 = (compressed bytes * 16 * L1 price per unit) / base fee, as the receipt
    // reports it; ArbOS 32 compresses with brotli at level 1, window 2^22.
    let params = brotli::enc::BrotliEncoderParams {
        quality: 1,
        lgwin: 22,
        size_hint: encoded.len(),
        ..Default::default()
    };
    let mut compressed = Vec::new();
    brotli::BrotliCompress(&mut &encoded[..], &mut compressed, &params).unwrap();
    assert!(compressed.len() < encoded.len(), "100 repeated bytes compress");
    let reader = f.chain.reader().unwrap();
    let fields = f
        .chain
        .receipt_fields(&reader, header, &block.block.transactions, &block.block.receipts)
        .unwrap();
    let quantity = |name: &str| -> u64 {
        u64::from_str_radix(fields[0][name].as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
    };
    let gas_for_l1 = quantity("gasUsedForL1");
    let expected = (U256::from(compressed.len()) * prices._1 / base_fee).to::<u64>();
    assert_eq!(gas_for_l1, expected);
    assert!(gas_for_l1 > 500, "the transaction costs real L1 gas");
    assert_eq!(quantity("l1BlockNumber"), nitro.l1_block_number(header.timestamp));

    // The transaction saw its own poster fee.
    let poster_fee = U256::from(gas_for_l1) * base_fee;
    assert_eq!(reader.storage(&contract, &B256::ZERO).unwrap(), poster_fee);

    // The sender paid all gas at the base fee (tips dropped); the poster fee went to the L1
    // pricer funds pool, the compute fee to the network fee account; the coinbase got nothing.
    let gas_used = U256::from(receipt.cumulative_gas_used());
    assert_eq!(sender_before - balance(&f.chain, sender.address()), gas_used * base_fee);
    assert_eq!(balance(&f.chain, L1_PRICER_FUNDS_POOL) - pool_before, poster_fee);
    assert_eq!(
        balance(&f.chain, DEV_NETWORK_FEE_ACCOUNT) - network_before,
        (gas_used - U256::from(gas_for_l1)) * base_fee
    );
    assert_eq!(balance(&f.chain, BATCH_POSTER), U256::ZERO);

    // A gas limit that cannot pay for the calldata is refused, as Nitro's intrinsic gas check.
    let starved =
        sign(sender, tx(2, TxKind::Call(contract), 0, Bytes::from(vec![0xab; 100]), 21_100));
    let head = f.chain.head();
    let attributes = BlockAttributes {
        timestamp: head.header.timestamp + 2,
        beneficiary: Address::ZERO,
        prevrandao: B256::ZERO,
        gas_limit: 30_000_000,
        l1: None,
    };
    let (block, _) = f.chain.build_block(&attributes, [starved.as_recovered_ref()]).unwrap();
    assert!(block.block.transactions.is_empty());
    assert!(matches!(&block.skipped[..], [tephra_chain::Skipped::Invalid(..)]));

    // eth_estimateGas includes the poster gas, so the estimate is enough on chain.
    let request = TransactionRequest::default()
        .from(sender.address())
        .to(contract)
        .input(Bytes::from(vec![0xab; 100]).into());
    let estimate = f.chain.estimate_gas(request, head.header.number, None).unwrap();
    let fits =
        sign(sender, tx(2, TxKind::Call(contract), 0, Bytes::from(vec![0xab; 100]), estimate));
    let block = mine(&f.chain, 2, std::slice::from_ref(&fits));
    assert!(block.block.receipts[0].status(), "a transaction with the estimated gas succeeds");
    let fields = f.chain.receipt_fields(
        &reader,
        &block.block.header,
        &block.block.transactions,
        &block.block.receipts,
    );
    let charged_for_l1 = fields.unwrap()[0]["gasUsedForL1"].as_str().unwrap().to_string();
    let charged_for_l1 = u64::from_str_radix(charged_for_l1.trim_start_matches("0x"), 16).unwrap();
    // Its encoding differs from the first one's in its gas limit and signature only: a few
    // compressed bytes (16 gas each at these prices).
    assert!(charged_for_l1.abs_diff(gas_for_l1) <= 8 * 16, "{charged_for_l1} vs {gas_for_l1}");
    assert!(estimate >= block.block.receipts[0].cumulative_gas_used());
}

#[test]
fn nitro_blocks_replay_for_witnesses_and_traces() {
    let f = fixture();
    let sender = &f.signers[0];
    let withdraw = sign(
        sender,
        tx(
            0,
            TxKind::Call(ARB_SYS),
            1_000,
            withdrawEthCall { destination: Address::repeat_byte(0x22) }.abi_encode().into(),
            500_000,
        ),
    );
    let transfer =
        sign(sender, tx(1, TxKind::Call(Address::repeat_byte(0x42)), 5, Bytes::new(), 100_000));
    let block = mine(&f.chain, 2, &[withdraw, transfer]);
    let number = block.block.header.number;
    // The witness replays the block under Nitro's rules and must reach its state root.
    let witness = f.chain.execution_witness(number).unwrap();
    assert!(!witness.state.is_empty());
    let mut previous = 0;
    for (hash, receipt) in block.block.tx_hashes.iter().zip(&block.block.receipts) {
        let trace = f.chain.trace_transaction(*hash, Default::default()).unwrap();
        let alloy_rpc_types_trace::geth::GethTrace::Default(frame) = trace else {
            panic!("the struct logger is the default tracer");
        };
        assert!(!frame.failed, "{hash} replays and succeeds");
        assert_eq!(frame.gas, receipt.cumulative_gas_used() - previous, "traced gas = receipt gas");
        previous = receipt.cumulative_gas_used();
    }
}

#[test]
fn arbitrum_deposits_credit_the_recipient_without_gas() {
    let f = fixture();
    mine(&f.chain, 2, &[]);
    let depositor = Address::repeat_byte(0xaa);
    let recipient = Address::repeat_byte(0xbb);
    let value = U256::from(5u64) * U256::from(10u64).pow(U256::from(18u64));
    let deposit = TxArbitrumDeposit {
        chain_id: U256::from(CHAIN_ID),
        l1_request_id: B256::repeat_byte(0x01),
        from: depositor,
        to: recipient,
        value,
    };
    let envelope = TxEnvelope::from(deposit);
    let hash = keccak256(alloy_eips::Encodable2718::encoded_2718(&envelope));
    assert_eq!(envelope.tx_hash(), hash, "the hash of 0x64 ‖ rlp(fields)");
    let network_before = balance(&f.chain, DEV_NETWORK_FEE_ACCOUNT);
    let block = mine(&f.chain, 2, &[Recovered::new_unchecked(envelope, depositor)]);
    let receipt = &block.block.receipts[0];
    assert!(receipt.status());
    assert_eq!(receipt.tx_type, tephra_primitives::TxType::ArbitrumDeposit);
    assert_eq!(receipt.cumulative_gas_used(), 0, "deposits use no gas");
    assert_eq!(block.block.tx_hashes[0], hash);
    assert_eq!(balance(&f.chain, recipient), value, "minted to the recipient");
    assert_eq!(balance(&f.chain, depositor), U256::ZERO, "the depositor is only a passage");
    assert_eq!(balance(&f.chain, DEV_NETWORK_FEE_ACCOUNT), network_before, "no fee");
    let reader = f.chain.reader().unwrap();
    let fields = f.chain.receipt_fields(
        &reader,
        &block.block.header,
        &block.block.transactions,
        &block.block.receipts,
    );
    assert_eq!(fields.unwrap()[0]["gasUsedForL1"], "0x0", "no poster cost");
    // The stored block replays (witness) and the deposit traces.
    f.chain.execution_witness(block.block.header.number).unwrap();
    f.chain.trace_transaction(hash, Default::default()).unwrap();
}

/// Nitro's system test `TestDisableL1Charging`: a plain transfer's estimate exceeds 21000 by
/// the L1 part, a call with that much gas succeeds and one with 21000 fails.
#[test]
fn calls_and_estimates_include_the_poster_gas() {
    let f = fixture();
    mine(&f.chain, 2, &[]);
    let number = f.chain.head().header.number;
    let request =
        TransactionRequest::default().from(f.signers[0].address()).to(Address::repeat_byte(0x12));
    let estimate = f.chain.estimate_gas(request.clone(), number, None).unwrap();
    assert!(estimate > 21_000, "estimate {estimate}");
    f.chain.call(request.clone().gas_limit(estimate), number, None, None).unwrap();
    let starved = f.chain.call(request.gas_limit(21_000), number, None, None);
    assert!(matches!(starved, Err(CallError::Invalid(_))), "{starved:?}");
}

/// The poster-cost compression against Google's reference encoder (testdata/brotli_q1_w22.txt
/// says how its lengths were computed): Nitro compresses with that encoder through cgo.
#[test]
fn poster_compression_matches_the_reference_brotli_encoder() {
    let vectors = include_str!("../testdata/brotli_q1_w22.txt");
    let mut checked = 0;
    for line in vectors.lines().filter(|line| !line.starts_with('#') && !line.is_empty()) {
        let (input, len) = line.split_once(' ').unwrap();
        let input = alloy_primitives::hex::decode(input).unwrap();
        assert_eq!(
            tephra_frameworks::nitro::brotli_len(&input),
            len.parse::<usize>().unwrap(),
            "{} input bytes",
            input.len()
        );
        checked += 1;
    }
    assert_eq!(checked, 10);
}

#[test]
fn arbos_32_takes_no_set_code_transactions_from_users() {
    let nitro = tephra_frameworks::Nitro::default();
    let next = alloy_consensus::Header { number: 1, ..Default::default() };
    for ty in [0x00, 0x01, 0x02] {
        assert!(tephra_chain::Framework::accepts_tx_type(&nitro, ty, &next), "type {ty}");
    }
    assert!(!tephra_chain::Framework::accepts_tx_type(&nitro, 0x04, &next), "EIP-7702 is Prague");
}

// ---- Retryables (types 0x69 and 0x68, ArbRetryableTx) ----

use tephra_frameworks::nitro::{ARB_RETRYABLE_TX, ArbRetryableTx, escrow_address};
use tephra_primitives::tx::{TxArbitrumRetry, TxArbitrumSubmitRetryable};

/// `testdata/arbitrum_one_vectors.txt`: Arbitrum One transactions recorded in @arbitrum/sdk's
/// fixtures (the file says which).
fn vectors() -> std::collections::HashMap<String, String> {
    include_str!("../testdata/arbitrum_one_vectors.txt")
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            let (key, value) = line.split_once(' ').unwrap();
            (key.to_string(), value.to_string())
        })
        .collect()
}

fn v_u256(v: &std::collections::HashMap<String, String>, key: &str) -> U256 {
    let value = &v[key];
    match value.strip_prefix("0x") {
        Some(hex) => U256::from_str_radix(hex, 16).unwrap(),
        None => value.parse().unwrap(),
    }
}

fn v_parse<T: std::str::FromStr>(v: &std::collections::HashMap<String, String>, key: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    v[key].parse().unwrap()
}

/// The Arbitrum One submission of the vectors.
fn mainnet_submission(v: &std::collections::HashMap<String, String>) -> TxArbitrumSubmitRetryable {
    TxArbitrumSubmitRetryable {
        chain_id: v_u256(v, "submit.chain_id"),
        request_id: v_parse(v, "submit.request_id"),
        from: v_parse(v, "submit.from"),
        l1_base_fee: v_u256(v, "submit.l1_base_fee"),
        deposit_value: v_u256(v, "submit.deposit_value"),
        gas_fee_cap: v_u256(v, "submit.gas_fee_cap"),
        gas: v_u256(v, "submit.gas").to(),
        retry_to: TxKind::Call(v_parse(v, "submit.retry_to")),
        retry_value: v_u256(v, "submit.retry_value"),
        beneficiary: v_parse(v, "submit.beneficiary"),
        max_submission_fee: v_u256(v, "submit.max_submission_fee"),
        fee_refund_addr: v_parse(v, "submit.fee_refund_addr"),
        retry_data: v_parse(v, "submit.retry_data"),
    }
}

/// Nitro's hashes, `type ‖ rlp(fields)` in the field order of the geth fork's `arb_types.go`,
/// against transactions Arbitrum One made (@arbitrum/sdk's fixtures, testdata says which).
#[test]
fn deposit_submission_and_retry_hashes_match_arbitrum_one() {
    let v = vectors();
    // 0x64: from is the L1 depositor's alias, to the depositor (an EOA) itself.
    let deposit = TxArbitrumDeposit {
        chain_id: v_u256(&v, "deposit.chain_id"),
        l1_request_id: v_parse(&v, "deposit.request_id"),
        from: v_parse(&v, "deposit.from"),
        to: v_parse(&v, "deposit.to"),
        value: v_u256(&v, "deposit.value"),
    };
    let alias_offset =
        U256::from_str_radix("1111000000000000000000000000000000001111", 16).unwrap();
    let to = U256::from_be_slice(deposit.to.as_slice());
    assert_eq!(U256::from_be_slice(deposit.from.as_slice()), to + alias_offset);
    let hash: B256 = v_parse(&v, "deposit.hash");
    assert_eq!(deposit.tx_hash(), hash);
    assert_eq!(TxEnvelope::from(deposit).tx_hash(), hash);

    // 0x69: the hash is the ticket id; Nitro's `input` is the ABI call of every field.
    let submit = mainnet_submission(&v);
    let ticket: B256 = v_parse(&v, "submit.hash");
    assert_eq!(submit.tx_hash(), ticket);
    assert_eq!(submit.calldata(), v_parse::<Bytes>(&v, "submit.input"));
    let encoded = alloy_eips::Encodable2718::encoded_2718(&submit);
    assert_eq!(encoded[0], 0x69);
    let decoded = <TxArbitrumSubmitRetryable as alloy_eips::Decodable2718>::decode_2718(
        &mut encoded.as_slice(),
    )
    .unwrap();
    assert_eq!(decoded, submit);

    // 0x68: the auto-redeem, with the refund fields of its RedeemScheduled event.
    let retry = TxArbitrumRetry {
        chain_id: v_u256(&v, "submit.chain_id"),
        nonce: v_parse(&v, "retry.nonce"),
        from: submit.from,
        gas_fee_cap: v_u256(&v, "retry.gas_fee_cap"),
        gas: v_u256(&v, "retry.gas").to(),
        to: TxKind::Call(v_parse(&v, "retry.to")),
        value: v_u256(&v, "retry.value"),
        data: submit.retry_data,
        ticket_id: ticket,
        refund_to: v_parse(&v, "redeem_scheduled.gas_donor"),
        max_refund: v_u256(&v, "redeem_scheduled.max_refund"),
        submission_fee_refund: v_u256(&v, "redeem_scheduled.submission_fee_refund"),
    };
    assert_eq!(retry.tx_hash(), v_parse::<B256>(&v, "retry.hash"));
    let encoded = alloy_eips::Encodable2718::encoded_2718(&retry);
    let decoded =
        <TxArbitrumRetry as alloy_eips::Decodable2718>::decode_2718(&mut encoded.as_slice())
            .unwrap();
    assert_eq!(decoded, retry);
    // A retry that deploys encodes its nil `to` as the empty string (`rlp:"nil"`).
    let create = TxArbitrumRetry { to: TxKind::Create, ..retry };
    let encoded = alloy_eips::Encodable2718::encoded_2718(&create);
    let decoded =
        <TxArbitrumRetry as alloy_eips::Decodable2718>::decode_2718(&mut encoded.as_slice())
            .unwrap();
    assert_eq!(decoded.to, TxKind::Create);
    // Trailing bytes inside the list are refused.
    let mut padded = encoded;
    padded.push(0x80);
    padded[1] += 1;
    assert!(
        <TxArbitrumRetry as alloy_eips::Decodable2718>::decode_2718(&mut padded.as_slice())
            .is_err()
    );

    // The withdrawal's send hash, as ArbSys computes it for L2ToL1Tx.
    let expected: B256 = v_parse(&v, "withdraw.hash");
    let computed = send_hash(
        v_parse(&v, "withdraw.caller"),
        v_parse(&v, "withdraw.destination"),
        v_u256(&v, "withdraw.arb_block_num").to(),
        v_u256(&v, "withdraw.eth_block_num").to(),
        v_u256(&v, "withdraw.timestamp").to(),
        v_u256(&v, "withdraw.callvalue"),
        &[],
    );
    assert_eq!(computed, expected);
}

/// Ticket ids @arbitrum/sdk computes (`calculateSubmitRetryableId`, testdata/sdk_retryable_ids.txt
/// says how), including a submission whose L1 target is the zero address: Nitro makes it a
/// `nil` retryTo (a retryable that deploys), encoded as the empty string.
#[test]
fn submission_hashes_match_the_arbitrum_sdk_including_a_create() {
    let vectors = include_str!("../testdata/sdk_retryable_ids.txt");
    let mut checked = 0;
    for line in vectors.lines().filter(|line| !line.starts_with('#') && !line.is_empty()) {
        let f: Vec<&str> = line.split(' ').collect();
        let n = |i: usize| U256::from_str_radix(f[i], 10).unwrap();
        let a = |i: usize| f[i].parse::<Address>().unwrap();
        let to = a(5);
        let submit = TxArbitrumSubmitRetryable {
            chain_id: n(1),
            request_id: B256::from(n(3)),
            from: a(2),
            l1_base_fee: n(4),
            deposit_value: n(7),
            gas_fee_cap: n(12),
            gas: n(11).to(),
            retry_to: if to.is_zero() { TxKind::Create } else { TxKind::Call(to) },
            retry_value: n(6),
            beneficiary: a(10),
            max_submission_fee: n(8),
            fee_refund_addr: a(9),
            retry_data: f[13].parse().unwrap(),
        };
        assert_eq!(submit.tx_hash(), f[14].parse::<B256>().unwrap(), "{}", f[0]);
        checked += 1;
    }
    assert_eq!(checked, 2);
}

/// A block derived from an L1 block that brings `deposits` (after the system transactions),
/// with the pool's `txs`, all included.
fn mine_l1(
    chain: &tephra_chain::Chain,
    seconds: u64,
    deposits: Vec<Recovered<TxEnvelope>>,
    txs: &[Recovered<TxEnvelope>],
) -> tephra_chain::ExecutedBlock {
    let head = chain.head();
    let timestamp = head.header.timestamp + seconds;
    let attributes = BlockAttributes {
        timestamp,
        beneficiary: Address::ZERO,
        prevrandao: B256::ZERO,
        gas_limit: 30_000_000,
        l1: Some(tephra_chain::L1Inputs {
            origin: tephra_chain::L1Origin {
                number: 20_000_000 + head.header.number,
                hash: keccak256(head.hash),
                timestamp: timestamp - 1,
                base_fee: 10_000_000_000,
                blob_base_fee: 1,
            },
            deposits,
        }),
    };
    let (block, applied) =
        f_build(chain, &attributes, txs.iter().map(|tx| tx.as_recovered_ref()).collect());
    chain.commit_block(&block, &applied).unwrap();
    block
}

fn f_build(
    chain: &tephra_chain::Chain,
    attributes: &BlockAttributes,
    txs: Vec<Recovered<&TxEnvelope>>,
) -> (tephra_chain::ExecutedBlock, Arc<tephra_chain::DevOverrides>) {
    let (block, applied) = chain.build_block(attributes, txs).unwrap();
    assert!(block.skipped.is_empty(), "{:?}", block.skipped);
    (block, applied)
}

fn redeem_events(logs: &[alloy_primitives::Log]) -> Vec<ArbRetryableTx::RedeemScheduled> {
    logs.iter()
        .filter(|log| log.address == ARB_RETRYABLE_TX)
        .filter_map(|log| ArbRetryableTx::RedeemScheduled::decode_log_data(&log.data).ok())
        .collect()
}

fn timeout_of(chain: &tephra_chain::Chain, ticket: B256) -> Result<U256, CallError> {
    try_call(
        chain,
        ARB_RETRYABLE_TX,
        ArbRetryableTx::getTimeoutCall { ticketId: ticket }.abi_encode(),
    )
    .map(|out| word(&out))
}

/// Arbitrum One's submission replayed on a chain with its chain id and base fee (0.1 gwei, Nitro's
/// minimum): the ticket, the auto-redeem's hash and the refund fields of `RedeemScheduled` are
/// those Arbitrum One recorded, the retry runs right after the submission in the same block,
/// and the ticket is gone once it succeeds.
#[test]
fn a_funded_submission_auto_redeems_in_its_block_as_on_arbitrum_one() {
    let v = vectors();
    let f = support::fixture_with_base_fee(Arc::new(Nitro::default()), 42161, 1, 100_000_000);
    mine(&f.chain, 2, &[]);
    let submit = mainnet_submission(&v);
    let ticket = submit.tx_hash();
    let from = submit.from;
    let refund_to = submit.fee_refund_addr;
    let watched = [from, refund_to, DEV_NETWORK_FEE_ACCOUNT, escrow_address(ticket), BATCH_POSTER];
    let before: Vec<U256> = watched.iter().map(|a| balance(&f.chain, *a)).collect();
    let deposit = Recovered::new_unchecked(TxEnvelope::from(submit.clone()), from);
    let block = mine_l1(&f.chain, 2, vec![deposit], &[]);

    let txs = &block.block.transactions;
    assert_eq!(txs.len(), 2, "the submission and its auto-redeem");
    assert_eq!(block.block.tx_hashes[0], ticket);
    let receipts = &block.block.receipts;
    assert!(receipts[0].status());
    assert_eq!(receipts[0].tx_type, tephra_primitives::TxType::ArbitrumSubmitRetryable);
    assert_eq!(
        receipts[0].cumulative_gas_used(),
        submit.gas,
        "the donated gas, as on Arbitrum One"
    );
    let logs = receipts[0].logs();
    assert_eq!(logs.len(), 2);
    let created = ArbRetryableTx::TicketCreated::decode_log_data(&logs[0].data).unwrap();
    assert_eq!(created.ticketId, ticket);
    let [scheduled] = &redeem_events(logs)[..] else { panic!("one RedeemScheduled") };
    assert_eq!(scheduled.ticketId, ticket);
    assert_eq!(scheduled.retryTxHash, v_parse::<B256>(&v, "retry.hash"));
    assert_eq!(scheduled.sequenceNum, 0);
    assert_eq!(U256::from(scheduled.donatedGas), v_u256(&v, "redeem_scheduled.donated_gas"));
    assert_eq!(scheduled.gasDonor, v_parse::<Address>(&v, "redeem_scheduled.gas_donor"));
    assert_eq!(scheduled.maxRefund, v_u256(&v, "redeem_scheduled.max_refund"));
    assert_eq!(scheduled.submissionFeeRefund, v_u256(&v, "redeem_scheduled.submission_fee_refund"));

    // The auto-redeem: the retry Arbitrum One ran, executed right after.
    let retry = txs[1].as_arbitrum_retry().expect("a retry");
    assert_eq!(block.block.tx_hashes[1], scheduled.retryTxHash);
    assert_eq!(retry.tx_hash(), scheduled.retryTxHash);
    assert_eq!(block.block.senders[1], from);
    assert!(receipts[1].status(), "a call to an account without code succeeds");
    assert_eq!(receipts[1].tx_type, tephra_primitives::TxType::ArbitrumRetry);
    let retry_gas = receipts[1].cumulative_gas_used() - receipts[0].cumulative_gas_used();
    assert!(retry_gas > 21_000 && retry_gas < submit.gas, "{retry_gas}");

    // The ticket is deleted once redeemed.
    let Err(CallError::Reverted(data)) = timeout_of(&f.chain, ticket) else {
        panic!("a redeemed ticket has no timeout")
    };
    assert_eq!(data.as_ref(), ArbRetryableTx::NoTicketWithID {}.abi_encode());

    // Value: the deposit is all there is, split between the sender, the refund address and
    // the network fee account (submission fee and the gas used); the escrow is empty, and
    // the poster gets nothing.
    let after: Vec<U256> = watched.iter().map(|a| balance(&f.chain, *a)).collect();
    let gained: Vec<U256> = after.iter().zip(&before).map(|(a, b)| *a - *b).collect();
    assert_eq!(gained.iter().copied().sum::<U256>(), submit.deposit_value);
    let basefee = U256::from(100_000_000u64);
    assert_eq!(gained[2], basefee * U256::from(retry_gas), "the network keeps the gas used");
    assert_eq!(gained[3], U256::ZERO);
    assert_eq!(gained[4], U256::ZERO);
    // Nitro refunds the excess of the fee cap and of the maximum submission fee, the submission
    // fee (the attempt succeeded) and the unused gas to the fee refund address.
    assert_eq!(gained[1], submit.deposit_value - gained[2] - gained[0]);
    assert!(gained[1] > submit.max_submission_fee, "{}", gained[1]);
    let reader = f.chain.reader().unwrap();
    let fields = f.chain.receipt_fields(&reader, &block.block.header, txs, receipts).unwrap();
    assert_eq!(fields[0]["gasUsedForL1"], "0x0");
    assert_eq!(fields[1]["gasUsedForL1"], "0x0");

    // The stored block replays (its witness reaches its state root) and both trace.
    f.chain.execution_witness(block.block.header.number).unwrap();
    f.chain.trace_transaction(ticket, Default::default()).unwrap();
    let trace = f.chain.trace_transaction(scheduled.retryTxHash, Default::default()).unwrap();
    let alloy_rpc_types_trace::geth::GethTrace::Default(frame) = trace else { panic!() };
    assert!(!frame.failed);
    assert_eq!(frame.gas, retry_gas, "traced gas = receipt gas");
}

/// Runtime that reverts until opened: a one-byte call opens it (slot 0 = 1); any other call
/// reverts while closed and, once open, stores its call value in slot 1.
fn gate_runtime() -> Vec<u8> {
    vec![
        0x36, 0x60, 0x01, 0x14, 0x60, 0x15, 0x57, // CALLDATASIZE == 1 ? jump 0x15
        0x60, 0x00, 0x54, 0x15, 0x60, 0x1c, 0x57, // SLOAD(0) == 0 ? jump 0x1c
        0x34, 0x60, 0x01, 0x55, 0x00, 0x00, 0x00, // SSTORE(1, CALLVALUE) STOP (padding)
        0x5b, 0x60, 0x01, 0x60, 0x00, 0x55, 0x00, // 0x15: JUMPDEST SSTORE(0, 1) STOP
        0x5b, 0x60, 0x00, 0x80, 0xfd, // 0x1c: JUMPDEST REVERT(0, 0)
    ]
}

fn submission(
    from: Address,
    request: u64,
    to: Address,
    value: U256,
    gas: u64,
    beneficiary: Address,
) -> TxArbitrumSubmitRetryable {
    let max_submission_fee = U256::from(10u64).pow(U256::from(15u64));
    let fee_cap = U256::from(2_000_000_000u64);
    TxArbitrumSubmitRetryable {
        chain_id: U256::from(CHAIN_ID),
        request_id: B256::from(U256::from(request)),
        from,
        l1_base_fee: U256::from(10_000_000_000u64),
        deposit_value: value + max_submission_fee + fee_cap * U256::from(gas),
        gas_fee_cap: fee_cap,
        gas,
        retry_to: TxKind::Call(to),
        retry_value: value,
        beneficiary,
        max_submission_fee,
        fee_refund_addr: beneficiary,
        retry_data: Bytes::new(),
    }
}

/// An auto-redeem that reverts leaves the ticket and its escrowed value; once the target
/// accepts the call, `ArbRetryableTx.redeem` schedules a second attempt (nonce 1) with the
/// caller's gas, which runs right after the redeeming transaction and succeeds.
#[test]
fn a_failed_auto_redeem_is_redeemed_later_through_arb_retryable_tx() {
    let f = fixture();
    let user = &f.signers[0];
    let deploy = sign(user, tx(0, TxKind::Create, 0, deploy_code(&gate_runtime()), 1_000_000));
    mine(&f.chain, 2, std::slice::from_ref(&deploy));
    let gate = user.address().create(0);
    let from = Address::repeat_byte(0xa1);
    let beneficiary = Address::repeat_byte(0xbe);
    let value = U256::from(777_000u64);
    let submit = submission(from, 1, gate, value, 200_000, beneficiary);
    let ticket = submit.tx_hash();
    let block = mine_l1(&f.chain, 2, vec![Recovered::new_unchecked(submit.into(), from)], &[]);
    assert_eq!(block.block.transactions.len(), 2);
    assert!(block.block.receipts[0].status());
    assert!(!block.block.receipts[1].status(), "the gate is closed: the auto-redeem reverts");
    let escrow = escrow_address(ticket);
    assert_eq!(balance(&f.chain, escrow), value, "the value went back into escrow");
    let timeout = timeout_of(&f.chain, ticket).unwrap();
    let lifetime = tephra_frameworks::nitro::RETRYABLE_LIFETIME_SECONDS;
    assert_eq!(timeout, U256::from(block.block.header.timestamp + lifetime));
    let beneficiary_of = call(
        &f.chain,
        ARB_RETRYABLE_TX,
        ArbRetryableTx::getBeneficiaryCall { ticketId: ticket }.abi_encode(),
    );
    assert_eq!(Address::from_slice(&beneficiary_of[12..]), beneficiary);

    // Open the gate, then redeem: the redeem's block carries the user's call and the retry.
    let open = sign(user, tx(1, TxKind::Call(gate), 0, Bytes::from_static(&[1]), 100_000));
    assert!(mine(&f.chain, 2, std::slice::from_ref(&open)).block.receipts[0].status());
    let user_before = balance(&f.chain, user.address());
    let redeem = sign(
        user,
        tx(
            2,
            TxKind::Call(ARB_RETRYABLE_TX),
            0,
            ArbRetryableTx::redeemCall { ticketId: ticket }.abi_encode().into(),
            600_000,
        ),
    );
    let block = mine(&f.chain, 2, std::slice::from_ref(&redeem));
    assert_eq!(block.block.transactions.len(), 2, "the redeem and the attempt it scheduled");
    let receipts = &block.block.receipts;
    assert!(receipts[0].status());
    let [scheduled] = &redeem_events(receipts[0].logs())[..] else { panic!("one RedeemScheduled") };
    assert_eq!((scheduled.ticketId, scheduled.sequenceNum), (ticket, 1));
    assert_eq!(scheduled.gasDonor, user.address());
    assert_eq!(scheduled.maxRefund, U256::MAX);
    assert_eq!(scheduled.submissionFeeRefund, U256::ZERO);
    let retry = block.block.transactions[1].as_arbitrum_retry().unwrap();
    assert_eq!(retry.tx_hash(), scheduled.retryTxHash);
    assert_eq!((retry.nonce, retry.gas), (1, scheduled.donatedGas));
    assert_eq!(retry.refund_to, user.address());
    assert!(receipts[1].status(), "the second attempt succeeds");
    let reader = f.chain.reader().unwrap();
    assert_eq!(reader.storage(&gate, &B256::with_last_byte(1)).unwrap(), value);
    assert_eq!(balance(&f.chain, gate), value);
    assert_eq!(balance(&f.chain, escrow), U256::ZERO);
    assert!(matches!(timeout_of(&f.chain, ticket), Err(CallError::Reverted(_))), "redeemed");
    // The user paid for the gas the attempt used, not for the gas it donated and got back.
    let attempt_gas = receipts[1].cumulative_gas_used() - receipts[0].cumulative_gas_used();
    let base_fee = U256::from(block.block.header.base_fee_per_gas.unwrap());
    let spent = user_before - balance(&f.chain, user.address());
    let redeem_gas = U256::from(receipts[0].cumulative_gas_used());
    assert_eq!(
        spent,
        redeem_gas * base_fee - U256::from(scheduled.donatedGas - attempt_gas) * base_fee
    );

    // A second redeem finds no ticket.
    let again = sign(
        user,
        tx(
            3,
            TxKind::Call(ARB_RETRYABLE_TX),
            0,
            ArbRetryableTx::redeemCall { ticketId: ticket }.abi_encode().into(),
            600_000,
        ),
    );
    let block = mine(&f.chain, 2, std::slice::from_ref(&again));
    assert_eq!(block.block.transactions.len(), 1);
    assert!(!block.block.receipts[0].status());
    f.chain.execution_witness(block.block.header.number - 1).unwrap();
}

/// `cancel` is for the beneficiary only and pays it the escrow; `keepalive` adds a lifetime
/// only to a ticket within one lifetime of expiring; an unfunded submission schedules nothing.
#[test]
fn unfunded_tickets_are_kept_alive_and_cancelled_by_their_beneficiary() {
    let f = fixture();
    let from = Address::repeat_byte(0xa2);
    let beneficiary_key = &f.signers[1];
    let beneficiary = beneficiary_key.address();
    let value = U256::from(5_000u64);
    // Fee cap below the base fee (1 gwei): no auto-redeem.
    let mut submit = submission(from, 7, Address::repeat_byte(0x77), value, 100_000, beneficiary);
    submit.gas_fee_cap = U256::from(1u64);
    let ticket = submit.tx_hash();
    let block = mine_l1(&f.chain, 2, vec![Recovered::new_unchecked(submit.into(), from)], &[]);
    assert_eq!(block.block.transactions.len(), 1, "nothing scheduled");
    assert_eq!(block.block.receipts[0].cumulative_gas_used(), 0);
    assert!(redeem_events(block.block.receipts[0].logs()).is_empty());
    let created_at = block.block.header.timestamp;
    let lifetime = tephra_frameworks::nitro::RETRYABLE_LIFETIME_SECONDS;
    assert_eq!(
        word(&call(&f.chain, ARB_RETRYABLE_TX, ArbRetryableTx::getLifetimeCall {}.abi_encode())),
        U256::from(lifetime)
    );

    // keepalive: one lifetime added; a second one now would reach too far.
    let keep = |nonce: u64| {
        sign(
            &f.signers[0],
            tx(
                nonce,
                TxKind::Call(ARB_RETRYABLE_TX),
                0,
                ArbRetryableTx::keepaliveCall { ticketId: ticket }.abi_encode().into(),
                300_000,
            ),
        )
    };
    let block = mine(&f.chain, 2, &[keep(0)]);
    assert!(block.block.receipts[0].status());
    let extended =
        ArbRetryableTx::LifetimeExtended::decode_log_data(&block.block.receipts[0].logs()[0].data)
            .unwrap();
    assert_eq!(extended.newTimeout, U256::from(created_at + 2 * lifetime));
    assert_eq!(timeout_of(&f.chain, ticket).unwrap(), extended.newTimeout);
    let block = mine(&f.chain, 2, &[keep(1)]);
    assert!(!block.block.receipts[0].status(), "timeout too far into the future");

    // cancel: refused to others, then the beneficiary gets the escrow.
    let cancel = |signer: &alloy_signer_local::PrivateKeySigner, nonce: u64| {
        sign(
            signer,
            tx(
                nonce,
                TxKind::Call(ARB_RETRYABLE_TX),
                0,
                ArbRetryableTx::cancelCall { ticketId: ticket }.abi_encode().into(),
                300_000,
            ),
        )
    };
    let block = mine(&f.chain, 2, &[cancel(&f.signers[0], 2)]);
    assert!(!block.block.receipts[0].status(), "only the beneficiary may cancel");
    let before = balance(&f.chain, beneficiary);
    let block = mine(&f.chain, 2, &[cancel(beneficiary_key, 0)]);
    let receipt = &block.block.receipts[0];
    assert!(receipt.status());
    let canceled = ArbRetryableTx::Canceled::decode_log_data(&receipt.logs()[0].data).unwrap();
    assert_eq!(canceled.ticketId, ticket);
    let gas = U256::from(receipt.cumulative_gas_used()) * U256::from(1_000_000_000u64);
    assert_eq!(balance(&f.chain, beneficiary), before + value - gas);
    assert_eq!(balance(&f.chain, escrow_address(ticket)), U256::ZERO);
    assert!(timeout_of(&f.chain, ticket).is_err());
    // submitRetryable is not callable.
    let Err(CallError::Reverted(data)) = try_call(
        &f.chain,
        ARB_RETRYABLE_TX,
        ArbRetryableTx::submitRetryableCall {
            requestId: B256::ZERO,
            l1BaseFee: U256::ZERO,
            deposit: U256::ZERO,
            callvalue: U256::ZERO,
            gasFeeCap: U256::ZERO,
            gasLimit: 0,
            maxSubmissionFee: U256::ZERO,
            feeRefundAddress: Address::ZERO,
            beneficiary: Address::ZERO,
            retryTo: Address::ZERO,
            retryData: Bytes::new(),
        }
        .abi_encode(),
    ) else {
        panic!("submitRetryable reverts")
    };
    assert_eq!(data.as_ref(), ArbRetryableTx::NotCallable {}.abi_encode());
}

// ---- NodeInterface (0xc8, calls only) ----

use tephra_frameworks::nitro::{NODE_INTERFACE, NodeInterface, apply_l1_to_l2_alias, merkle};

/// Withdrawals over several blocks, then `constructOutboxProof` for every leaf of every send
/// root the headers committed to: each proof leads to that root (the L1 outbox's
/// `calculateMerkleRoot`), and is refused for a leaf outside the tree or a size not reached.
#[test]
fn construct_outbox_proof_proves_every_withdrawal_against_the_send_root() {
    let f = fixture();
    let sender = &f.signers[0];
    let mut roots = Vec::new();
    let mut sends = Vec::new();
    let mut nonce = 0;
    for per_block in [1usize, 2, 4, 3] {
        let txs: Vec<_> = (0..per_block)
            .map(|i| {
                let destination = Address::repeat_byte(0x40 + (nonce + i as u64) as u8);
                sign(
                    sender,
                    tx(
                        nonce + i as u64,
                        TxKind::Call(ARB_SYS),
                        1_000 + nonce + i as u64,
                        withdrawEthCall { destination }.abi_encode().into(),
                        500_000,
                    ),
                )
            })
            .collect();
        nonce += per_block as u64;
        let block = mine(&f.chain, 2, &txs);
        for receipt in &block.block.receipts {
            let log = receipt.logs().last().unwrap();
            let event = L2ToL1Tx::decode_log_data(&log.data).unwrap();
            sends.push(B256::from(event.hash));
        }
        let header = &block.block.header;
        let (count, l1, _) = decode_mix_hash(header.mix_hash);
        roots.push((count, B256::from_slice(&header.extra_data)));
        // The block's RPC fields the Arbitrum SDK reads.
        let fields = f.chain.block_fields(header);
        assert_eq!(fields["sendRoot"], B256::from_slice(&header.extra_data).to_string());
        assert_eq!(fields["sendCount"], format!("{count:#x}"));
        assert_eq!(fields["l1BlockNumber"], format!("{l1:#x}"));
    }
    assert_eq!(sends.len(), 10);
    let proof_of = |size: u64, leaf: u64| {
        try_call(
            &f.chain,
            NODE_INTERFACE,
            NodeInterface::constructOutboxProofCall { size, leaf }.abi_encode(),
        )
        .map(|out| NodeInterface::constructOutboxProofCall::abi_decode_returns(&out).unwrap())
    };
    for (size, root) in &roots {
        for leaf in 0..*size {
            let answer = proof_of(*size, leaf).unwrap();
            assert_eq!(answer.root, *root, "size {size}");
            assert_eq!(answer.send, sends[leaf as usize]);
            assert_eq!(merkle::root_from_proof(&answer.proof, leaf, answer.send), *root);
            assert_eq!(answer.proof.len() as u64, merkle::num_partials(size - 1));
        }
    }
    assert!(matches!(proof_of(3, 3), Err(CallError::Reverted(_))), "leaf outside the tree");
    assert!(matches!(proof_of(0, 0), Err(CallError::Reverted(_))), "size zero");
    assert!(matches!(proof_of(11, 0), Err(CallError::Reverted(_))), "more sends than made");
    // The views Nitro answers from batches revert here; nitroGenesisBlock is 0.
    let batch = NodeInterface::findBatchContainingBlockCall { blockNum: 1 }.abi_encode();
    assert!(matches!(try_call(&f.chain, NODE_INTERFACE, batch), Err(CallError::Reverted(_))));
    let genesis =
        call(&f.chain, NODE_INTERFACE, NodeInterface::nitroGenesisBlockCall {}.abi_encode());
    assert_eq!(word(&genesis), U256::ZERO);
}

/// `eth_estimateGas` of `estimateRetryableTicket` finds the gas the auto-redeem needs: a
/// submission with that gas limit auto-redeems successfully, one with much less does not.
/// `gasEstimateComponents` reports the L1 part and the prices.
#[test]
fn estimate_retryable_ticket_gives_the_auto_redeem_enough_gas() {
    let f = fixture();
    let user = &f.signers[0];
    // A contract that stores its call value in ten slots (costly enough to need the estimate).
    let mut runtime = Vec::new();
    for slot in 0..10u8 {
        runtime.extend_from_slice(&[0x34, 0x60, slot, 0x55]);
    }
    runtime.push(0x00);
    let deploy = sign(user, tx(0, TxKind::Create, 0, deploy_code(&runtime), 1_000_000));
    mine(&f.chain, 2, std::slice::from_ref(&deploy));
    let target = user.address().create(0);
    let l1_sender = Address::repeat_byte(0x5e);
    let value = U256::from(12_345u64);
    let request = TransactionRequest::default().to(NODE_INTERFACE).input(
        Bytes::from(
            NodeInterface::estimateRetryableTicketCall {
                sender: l1_sender,
                deposit: U256::from(10u64).pow(U256::from(18u64)),
                to: target,
                l2CallValue: value,
                excessFeeRefundAddress: l1_sender,
                callValueRefundAddress: l1_sender,
                data: Bytes::new(),
            }
            .abi_encode(),
        )
        .into(),
    );
    let number = f.chain.head().header.number;
    let estimate = f.chain.estimate_gas(request, number, None).unwrap();
    assert!(estimate > 10 * 20_000, "ten fresh slots: {estimate}");
    assert!(estimate < 400_000, "{estimate}");

    let from = apply_l1_to_l2_alias(l1_sender);
    assert_eq!(
        U256::from_be_slice(from.as_slice()),
        U256::from_be_slice(l1_sender.as_slice())
            + U256::from_str_radix("1111000000000000000000000000000000001111", 16).unwrap()
    );
    let starved = submission(from, 1, target, value, estimate / 2, l1_sender);
    let block = mine_l1(&f.chain, 2, vec![Recovered::new_unchecked(starved.into(), from)], &[]);
    assert!(!block.block.receipts[1].status(), "half the estimate is not enough");
    let enough = submission(from, 2, target, value, estimate, l1_sender);
    let block = mine_l1(&f.chain, 2, vec![Recovered::new_unchecked(enough.into(), from)], &[]);
    assert!(block.block.receipts[1].status(), "the estimate is enough");
    let reader = f.chain.reader().unwrap();
    assert_eq!(reader.storage(&target, &B256::with_last_byte(9)).unwrap(), value);

    // gasEstimateComponents: the L1 part of a call and the prices it used.
    let components = call(
        &f.chain,
        NODE_INTERFACE,
        NodeInterface::gasEstimateComponentsCall {
            to: Address::repeat_byte(0x12),
            contractCreation: false,
            data: Bytes::from(vec![0xab; 200]),
        }
        .abi_encode(),
    );
    let components =
        NodeInterface::gasEstimateComponentsCall::abi_decode_returns(&components).unwrap();
    assert!(components.gasEstimateForL1 > 0);
    assert!(components.gasEstimate > 21_000 + components.gasEstimateForL1);
    assert_eq!(components.baseFee, U256::from(f.chain.head().header.base_fee_per_gas.unwrap()));
    assert_eq!(components.l1BaseFeeEstimate, U256::from(Nitro::default().pricing.price_per_unit));
}

/// Nitro's block gas: every header carries geth's 2^50, so two retryables of one L1 block that
/// each give their auto-redeem 20M gas (more than a 30M Ethereum block holds for both) are
/// submitted and redeemed in the L2 block that takes the L1 block; user transactions share
/// ArbOS' 32M per block, the first one taken whatever its gas.
#[test]
fn redeems_always_fit_their_block_while_user_transactions_share_32m() {
    use tephra_frameworks::nitro::{GETH_BLOCK_GAS_LIMIT, PER_BLOCK_GAS_LIMIT};
    let f = fixture();
    mine(&f.chain, 2, &[]);
    let (a, b) = (Address::repeat_byte(0xa1), Address::repeat_byte(0xb2));
    let deposits = [(a, 1), (b, 2)]
        .map(|(from, request)| {
            let submit = submission(
                from,
                request,
                Address::repeat_byte(0xee),
                U256::from(5),
                20_000_000,
                from,
            );
            Recovered::new_unchecked(TxEnvelope::from(submit), from)
        })
        .to_vec();
    let block = mine_l1(&f.chain, 2, deposits, &[]);
    assert_eq!(block.block.header.gas_limit, GETH_BLOCK_GAS_LIMIT);
    let types: Vec<_> = block.block.receipts.iter().map(|r| (r.tx_type, r.status())).collect();
    use tephra_primitives::TxType::{ArbitrumRetry, ArbitrumSubmitRetryable};
    assert_eq!(
        types,
        [
            (ArbitrumSubmitRetryable, true),
            (ArbitrumRetry, true),
            (ArbitrumSubmitRetryable, true),
            (ArbitrumRetry, true)
        ]
    );
    assert!(block.block.header.gas_used > 40_000_000, "{}", block.block.header.gas_used);
    assert_eq!(balance(&f.chain, Address::repeat_byte(0xee)), U256::from(10));

    // A contract that loops until its gas runs out burns all of a 20M gas limit.
    let burner = f.signers[0].address().create(0);
    mine(
        &f.chain,
        1,
        &[sign(
            &f.signers[0],
            tx(0, TxKind::Create, 0, deploy_code(&[0x5b, 0x60, 0x00, 0x56]), 200_000),
        )],
    );
    let burn =
        |nonce| sign(&f.signers[0], tx(nonce, TxKind::Call(burner), 0, Bytes::new(), 20_000_000));
    let transfer = sign(&f.signers[1], tx(0, TxKind::Call(a), 1, Bytes::new(), 100_000));
    let (first, second) = (burn(1), burn(2));
    let head = f.chain.head();
    let attributes = BlockAttributes {
        timestamp: head.header.timestamp + 1,
        beneficiary: Address::ZERO,
        prevrandao: B256::ZERO,
        gas_limit: 30_000_000,
        l1: None,
    };
    let offered = [&first, &second, &transfer].map(|tx| tx.as_recovered_ref());
    let (block, applied) = f.chain.build_block(&attributes, offered).unwrap();
    // The first burns ~20M of the 32M; the second's 20M does not fit what is left (it waits,
    // and its sender's later transactions with it); a plain transfer still does.
    assert_eq!(block.block.tx_hashes, [first.inner().tx_hash(), transfer.inner().tx_hash()]);
    assert_eq!(block.skipped.len(), 1, "{:?}", block.skipped);
    assert!(block.block.header.gas_used < PER_BLOCK_GAS_LIMIT);
    f.chain.commit_block(&block, &applied).unwrap();
    let next = mine(&f.chain, 1, &[second]);
    assert!(!next.block.receipts[0].status(), "out of gas, as it loops");
    // The stored blocks replay to their state roots.
    f.chain.execution_witness(block.block.header.number).unwrap();
}
