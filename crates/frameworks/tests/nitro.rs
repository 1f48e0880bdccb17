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
    for ty in [0x00, 0x01, 0x02] {
        assert!(tephra_chain::Framework::accepts_tx_type(&nitro, ty, 1), "type {ty}");
    }
    assert!(!tephra_chain::Framework::accepts_tx_type(&nitro, 0x04, 1), "EIP-7702 is Prague");
}
