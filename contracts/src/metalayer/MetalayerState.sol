// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.15;

import {SecureMerkleTrie} from "src/libraries/trie/SecureMerkleTrie.sol";
import {RLPReader} from "src/libraries/rlp/RLPReader.sol";

import {CheckpointTree} from "./CheckpointTree.sol";

/// @notice The one function of `MetalayerInbox` this contract needs (the inbox itself is built
/// by a newer compiler than the trie libraries below, so it is reached through its ABI).
interface ICertifiedRoots {
    function isCertified(bytes32 root) external view returns (bool);
}

/// @notice Tephra's stateless-call precompile (`tephra_chain::STATELESS_CALL`, the same on every
/// framework profile): re-executes a call on the state of a block given by its header, from the
/// trie nodes and bytecodes of the call's execution witness (`tephra_callWitness`).
interface IStatelessCall {
    function staticCall(uint64 chainId, MetalayerState.StaticCall calldata call, MetalayerState.CallWitness calldata witness)
        external
        view
        returns (bytes32 blockHash, bool success, bytes memory output);
}

/// @title MetalayerState
/// @notice Reads another rollup's state at a certified height: an account or one of its storage
/// slots, proven by `eth_getProof` output against the state root of that rollup's leaf in a
/// checkpoint the `MetalayerInbox` certified, or the result of any static call, re-executed from
/// the call's execution witness on the certified block. Any application may call it; it keeps
/// no state.
/// @dev Checks, in order: the checkpoint root is certified by the inbox (`RootNotCertified`); the
/// leaf is the chain the caller asked about (`WrongChain`); the leaf proves into that root
/// (`InvalidLeafProof`, CheckpointTree's layout); the account proof leads from the leaf's
/// `stateRoot` to the account (`InvalidAccountProof`); the storage proof leads from the
/// account's storage root to the slot (`InvalidStorageProof`). Tries are verified by Optimism's
/// audited `SecureMerkleTrie` (contracts-bedrock 0.17.3 of eth-optimism), which proves inclusion
/// only: an account or slot absent from its trie (a zero balance, an empty slot) has no
/// inclusion proof and is refused, not proven zero; a static call (`staticCallAt`) proves
/// absence too, since its witness holds the trie paths that end short of the missing key.
///
/// `staticCallAt` checks the leaf as above, then has the precompile re-execute the call on the
/// header it is given; the header must hash to the certified leaf's `blockHash`
/// (`BlockNotCertified`), which commits to its state root. A witness that lacks a node or code
/// the call reads, or a malformed one, is refused by the precompile (`WitnessRefused`, with its
/// reason); a call that reverts on the certified state is a result (`success` false), not a
/// refusal.
contract MetalayerState {
    /// @notice The stateless-call precompile.
    IStatelessCall public constant STATELESS_CALL = IStatelessCall(0x0000000000000000000000000000000000007E70);

    /// @notice A chain's leaf in a certified checkpoint: the root, the leaf, its index and its
    /// siblings from the bottom up (`tephra_metalayer::abi::ProvenLeaf`).
    struct ProvenLeaf {
        bytes32 checkpointRoot;
        CheckpointTree.Leaf leaf;
        uint256 leafIndex;
        bytes32[] leafProof;
    }

    /// @notice A static call: who calls, what, with which call data and gas.
    struct StaticCall {
        address from;
        address to;
        bytes data;
        uint64 gas;
    }

    /// @notice A call's execution witness on a block: the block's header RLP
    /// (`debug_getRawHeader`), and the trie nodes and bytecodes the call reads
    /// (`tephra_callWitness`'s `state` and `codes`).
    struct CallWitness {
        bytes header;
        bytes[] nodes;
        bytes[] codes;
    }

    /// @notice An account as the state trie holds it.
    struct Account {
        uint256 nonce;
        uint256 balance;
        bytes32 storageRoot;
        bytes32 codeHash;
    }

    /// @notice Where certified checkpoint roots are kept.
    ICertifiedRoots public immutable inbox;

    error RootNotCertified(bytes32 root);
    error WrongChain(uint64 expected, uint64 got);
    error InvalidLeafProof();
    error InvalidAccountProof(address account);
    error InvalidStorageProof(address account, bytes32 slot);
    error MalformedAccount(address account);
    error NotSelf();
    error BlockNotCertified(bytes32 certified, bytes32 header);
    error WitnessRefused(bytes reason);

    /// @param inbox_ This chain's MetalayerInbox.
    constructor(ICertifiedRoots inbox_) {
        inbox = inbox_;
    }

    /// @notice The state root of `chainId` committed by a certified checkpoint.
    /// @param chainId The chain the caller means to read (the leaf must be that chain's).
    /// @param proven The chain's leaf with its proof into a certified checkpoint root.
    /// @return stateRoot The leaf's state root.
    function stateRoot(uint64 chainId, ProvenLeaf calldata proven) public view returns (bytes32) {
        if (!inbox.isCertified(proven.checkpointRoot)) revert RootNotCertified(proven.checkpointRoot);
        if (proven.leaf.chainId != chainId) revert WrongChain(chainId, proven.leaf.chainId);
        if (CheckpointTree.rootOf(proven.leaf, proven.leafIndex, proven.leafProof) != proven.checkpointRoot) {
            revert InvalidLeafProof();
        }
        return proven.leaf.stateRoot;
    }

    /// @notice An account of `chainId` at the certified height of `proven`.
    /// @param chainId The chain to read.
    /// @param proven That chain's leaf in a certified checkpoint.
    /// @param target The account.
    /// @param accountProof `eth_getProof`'s `accountProof` at the leaf's block.
    /// @return nonce The account's nonce.
    /// @return balance Its balance in wei.
    /// @return storageRoot Its storage trie root.
    /// @return codeHash Its code hash.
    function account(uint64 chainId, ProvenLeaf calldata proven, address target, bytes[] calldata accountProof)
        external
        view
        returns (uint256 nonce, uint256 balance, bytes32 storageRoot, bytes32 codeHash)
    {
        Account memory a = _account(stateRoot(chainId, proven), target, accountProof);
        return (a.nonce, a.balance, a.storageRoot, a.codeHash);
    }

    /// @notice One storage slot of an account of `chainId` at the certified height of `proven`.
    /// @param chainId The chain to read.
    /// @param proven That chain's leaf in a certified checkpoint.
    /// @param target The account whose storage is read.
    /// @param accountProof `eth_getProof`'s `accountProof` at the leaf's block.
    /// @param slot The storage slot (the key passed to `eth_getProof`).
    /// @param storageProof That slot's `storageProof[i].proof`.
    /// @return value The slot's value.
    function storageAt(
        uint64 chainId,
        ProvenLeaf calldata proven,
        address target,
        bytes[] calldata accountProof,
        bytes32 slot,
        bytes[] calldata storageProof
    ) external view returns (bytes32 value) {
        Account memory a = _account(stateRoot(chainId, proven), target, accountProof);
        bytes memory encoded;
        try this.trieGet(abi.encodePacked(slot), storageProof, a.storageRoot) returns (bytes memory found) {
            encoded = found;
        } catch {
            revert InvalidStorageProof(target, slot);
        }
        bytes memory word = RLPReader.readBytes(encoded);
        if (word.length > 32) revert InvalidStorageProof(target, slot);
        value = bytes32(uint256(bytes32(word)) >> (8 * (32 - word.length)));
        if (word.length == 0) value = bytes32(0);
    }

    /// @notice The result of `call` on `chainId`'s state at the certified height of `proven`,
    /// re-executed from the call's execution witness.
    /// @param chainId The chain to read.
    /// @param proven That chain's leaf in a certified checkpoint.
    /// @param call The static call.
    /// @param witness The leaf block's header and the call's witness on it.
    /// @return success Whether the call returned (false: it reverted or halted).
    /// @return output Its return data (or revert data).
    function staticCallAt(
        uint64 chainId,
        ProvenLeaf calldata proven,
        StaticCall calldata call,
        CallWitness calldata witness
    ) external view returns (bool success, bytes memory output) {
        stateRoot(chainId, proven);
        bytes32 blockHash;
        // The call runs as on the chain itself: CHAINID is the chain's id, without the leaf's
        // FINALIZED bit.
        uint64 chain = chainId & ~CheckpointTree.FINALIZED;
        try STATELESS_CALL.staticCall(chain, call, witness) returns (bytes32 hash, bool ok, bytes memory result) {
            (blockHash, success, output) = (hash, ok, result);
        } catch (bytes memory reason) {
            revert WitnessRefused(reason);
        }
        if (blockHash != proven.leaf.blockHash) revert BlockNotCertified(proven.leaf.blockHash, blockHash);
    }

    /// @notice `SecureMerkleTrie.get`, external so that its string reverts can be caught and
    /// named by the functions above. Only this contract may call it.
    function trieGet(bytes calldata key, bytes[] calldata proof, bytes32 root) external view returns (bytes memory) {
        if (msg.sender != address(this)) revert NotSelf();
        return SecureMerkleTrie.get(key, proof, root);
    }

    function _account(bytes32 root, address target, bytes[] calldata accountProof)
        private
        view
        returns (Account memory a)
    {
        bytes memory encoded;
        try this.trieGet(abi.encodePacked(target), accountProof, root) returns (bytes memory found) {
            encoded = found;
        } catch {
            revert InvalidAccountProof(target);
        }
        RLPReader.RLPItem[] memory fields = RLPReader.readList(encoded);
        if (fields.length != 4) revert MalformedAccount(target);
        a.nonce = _uint(RLPReader.readBytes(fields[0]), target);
        a.balance = _uint(RLPReader.readBytes(fields[1]), target);
        bytes memory storageRoot_ = RLPReader.readBytes(fields[2]);
        bytes memory codeHash_ = RLPReader.readBytes(fields[3]);
        if (storageRoot_.length != 32 || codeHash_.length != 32) revert MalformedAccount(target);
        a.storageRoot = bytes32(storageRoot_);
        a.codeHash = bytes32(codeHash_);
    }

    function _uint(bytes memory b, address target) private pure returns (uint256 v) {
        if (b.length > 32) revert MalformedAccount(target);
        for (uint256 i = 0; i < b.length; ++i) {
            v = (v << 8) | uint8(b[i]);
        }
    }
}
