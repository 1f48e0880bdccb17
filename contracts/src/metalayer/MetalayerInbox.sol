// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {BLS12381} from "./BLS12381.sol";
import {CheckpointTree} from "./CheckpointTree.sol";

/// @title MetalayerInbox
/// @notice Holds the current guardian set of a Metalayer network and accepts, from anyone, a
/// certificate of a checkpoint: the checkpoint, a signer bitmap and the aggregate BLS
/// signature (min-pk, `crates/metalayer`). A certificate counts when its domain and guardian-set
/// id are this inbox's, its signers hold at least 2/3 of the set's stake and the signature
/// verifies; its root is then certified, for `GuardianIsm` and state proofs to prove against.
/// @dev The set's records (128-byte EIP-2537 G1 key, 32-byte stake) live as the code of data
/// contracts (128 records each, SSTORE2-style), so reading a record costs an EXTCODECOPY
/// instead of five SLOADs. The aggregate key of the whole set is computed once, by G1MSM (which
/// also subgroup-checks every key), when the set is installed; a certificate check reads only
/// the non-signers' records, sums their keys with G1ADD and subtracts them from it. Keys are
/// assumed to carry proofs of possession checked at registration (the owner's duty today, the
/// L1 GuardianRegistry's later): without them, aggregation is open to rogue keys.
/// Bitmap: guardian i is bit (i % 8), least significant first, of byte i / 8; exactly
/// ceil(n / 8) bytes, bits past n zero.
///
/// The first set is installed by the owner; after that, anyone hands over to the next one with
/// `rotateGuardianSet`, proving it by a `CheckpointTree.GUARDIAN_SET` leaf in a root the
/// current set certified. Guardians put that leaf in their checkpoints when the L1
/// `GuardianRegistry` holds other members or stakes (a registration, a stake added, a slash).
contract MetalayerInbox {
    /// @notice What guardians sign (see `signingMessage`).
    struct Checkpoint {
        bytes32 domain;
        uint64 guardianSetId;
        uint64 epoch;
        bytes32 root;
    }

    /// @notice How a root was certified.
    struct Certified {
        bool certified;
        uint64 guardianSetId;
        uint64 epoch;
    }

    /// @notice The hash-to-curve tag of guardian signatures.
    bytes public constant DST = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
    /// @notice The largest guardian set.
    uint256 public constant MAX_GUARDIANS = 1024;
    uint256 private constant KEY_LEN = 128;
    uint256 private constant RECORD_LEN = 160;
    uint256 private constant RECORDS_PER_CHUNK = 128;

    /// @notice The network's domain separator; checkpoints of any other are refused.
    bytes32 public immutable domain;
    /// @notice Who installs guardian sets.
    address public owner;
    /// @notice The current guardian set's id; zero before the first set.
    uint64 public guardianSetId;
    /// @notice The highest certified epoch.
    uint64 public latestEpoch;
    /// @notice Members of the current set.
    uint256 public guardianCount;
    /// @notice Their total stake.
    uint256 public totalStake;
    /// @notice How each root was certified.
    mapping(bytes32 root => Certified) public certified;

    bytes private aggregateKey;
    address[] private chunks;
    uint64 private pendingSetId;
    uint256 private pendingCount;
    uint256 private pendingStake;
    address[] private pendingChunks;

    /// @notice `owner` installed guardian set `setId`.
    event GuardianSetUpdated(uint64 indexed setId, uint256 guardians, uint256 totalStake);
    /// @notice `root` is certified for `epoch` by guardians of `guardianSetId` holding `signedStake`.
    event CheckpointCertified(bytes32 indexed root, uint64 indexed epoch, uint64 guardianSetId, uint256 signedStake);
    /// @notice The owner changed.
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    error NotOwner(address caller);
    error BadGuardianSet();
    error StaleGuardianSet(uint64 current, uint64 proposed);
    error InvalidPublicKey(uint256 index);
    error ZeroRoot();
    error WrongDomain(bytes32 expected, bytes32 got);
    error WrongGuardianSet(uint64 expected, uint64 got);
    error BadBitmap();
    error InsufficientStake(uint256 signed, uint256 total);
    error InvalidSignature();
    error AlreadyCertified(bytes32 root);
    error NotCertifiedByCurrentSet(bytes32 root);
    error InvalidSetProof();

    /// @param domain_ The network's domain separator (`tephra_metalayer::domain_separator`).
    /// @param owner_ Who installs guardian sets.
    constructor(bytes32 domain_, address owner_) {
        domain = domain_;
        owner = owner_;
        emit OwnershipTransferred(address(0), owner_);
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    /// @notice Hands the right to install guardian sets to `newOwner`.
    function transferOwnership(address newOwner) external onlyOwner {
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    /// @notice Installs guardian set `setId` (greater than the current id) in one transaction:
    /// `publicKeys` is the members' G1 keys in EIP-2537 encoding, concatenated (128 bytes each,
    /// possession proven), `stakes` their nonzero stakes (below 2^128), in bitmap order.
    /// Certificates of earlier sets are refused from then on; roots they certified stay
    /// certified. A set too large for one transaction goes in with `addGuardians`, 128
    /// members at a time, then `activateGuardianSet`.
    function setGuardianSet(uint64 setId, bytes calldata publicKeys, uint256[] calldata stakes) external onlyOwner {
        _install(setId, publicKeys, stakes);
    }

    function _install(uint64 setId, bytes calldata publicKeys, uint256[] calldata stakes) private {
        if (publicKeys.length != stakes.length * KEY_LEN) revert BadGuardianSet();
        _resetPending(setId);
        for (uint256 start = 0; start < stakes.length; start += RECORDS_PER_CHUNK) {
            uint256 end = stakes.length - start < RECORDS_PER_CHUNK ? stakes.length : start + RECORDS_PER_CHUNK;
            _addGuardians(setId, publicKeys[start * KEY_LEN:end * KEY_LEN], stakes[start:end]);
        }
        _activate(setId);
    }

    /// @notice Installs guardian set `setId`, which the current set certified: `root` was
    /// certified by the current set and holds, at `index` with `proof`, the
    /// `CheckpointTree.GUARDIAN_SET` leaf of `setId` and `keccak256(abi.encodePacked(publicKeys,
    /// stakes))`. Anyone may submit; the arguments are as `setGuardianSet`'s.
    function rotateGuardianSet(
        bytes32 root,
        uint256 index,
        bytes32[] calldata proof,
        uint64 setId,
        bytes calldata publicKeys,
        uint256[] calldata stakes
    ) external {
        Certified memory how = certified[root];
        if (!how.certified || how.guardianSetId != guardianSetId) revert NotCertifiedByCurrentSet(root);
        CheckpointTree.Leaf memory leaf = CheckpointTree.Leaf({
            chainId: CheckpointTree.GUARDIAN_SET,
            blockNumber: setId,
            blockHash: keccak256(abi.encodePacked(publicKeys, stakes)),
            stateRoot: bytes32(0),
            outboxRoot: bytes32(0)
        });
        if (CheckpointTree.rootOf(leaf, index, proof) != root) revert InvalidSetProof();
        _install(setId, publicKeys, stakes);
    }

    /// @notice Appends up to 128 members to the pending set `setId` (starting it afresh if
    /// the pending set had another id); every call but the last must add exactly 128.
    function addGuardians(uint64 setId, bytes calldata publicKeys, uint256[] calldata stakes) external onlyOwner {
        _addGuardians(setId, publicKeys, stakes);
    }

    /// @notice Makes the pending set `setId` current, after checking every key (G1MSM refuses
    /// a point off the curve or outside the subgroup) and summing them into the aggregate key.
    function activateGuardianSet(uint64 setId) external onlyOwner {
        _activate(setId);
    }

    function _addGuardians(uint64 setId, bytes calldata publicKeys, uint256[] calldata stakes) private {
        if (setId <= guardianSetId) revert StaleGuardianSet(guardianSetId, setId);
        if (setId != pendingSetId) _resetPending(setId);
        uint256 n = stakes.length;
        if (n == 0 || n > RECORDS_PER_CHUNK || publicKeys.length != n * KEY_LEN) revert BadGuardianSet();
        if (pendingCount % RECORDS_PER_CHUNK != 0 || pendingCount + n > MAX_GUARDIANS) revert BadGuardianSet();
        bytes memory records = new bytes(n * RECORD_LEN);
        uint256 total;
        for (uint256 i = 0; i < n; ++i) {
            uint256 stake = stakes[i];
            if (stake == 0 || stake > type(uint128).max) revert BadGuardianSet();
            total += stake;
            bytes calldata key = publicKeys[i * KEY_LEN:(i + 1) * KEY_LEN];
            if (bytes32(key[0:32]) | bytes32(key[32:64]) | bytes32(key[64:96]) | bytes32(key[96:128]) == 0) {
                revert InvalidPublicKey(pendingCount + i);
            }
            assembly ("memory-safe") {
                let r := add(add(records, 32), mul(i, 160))
                calldatacopy(r, key.offset, 128)
                mstore(add(r, 128), stake)
            }
        }
        pendingChunks.push(_store(records));
        pendingCount += n;
        pendingStake += total;
    }

    /// @notice Drops any pending members; the pending set is now `setId`, empty.
    function _resetPending(uint64 setId) private {
        delete pendingChunks;
        pendingCount = 0;
        pendingStake = 0;
        pendingSetId = setId;
    }

    function _activate(uint64 setId) private {
        uint256 n = pendingCount;
        if (setId != pendingSetId || n == 0) revert BadGuardianSet();
        if (setId <= guardianSetId) revert StaleGuardianSet(guardianSetId, setId);
        // G1MSM input: every key with the scalar 1; its output is the sum of all keys.
        bytes memory msmInput = new bytes(n * (KEY_LEN + 32));
        for (uint256 i = 0; i < n; ++i) {
            address chunk = pendingChunks[i / RECORDS_PER_CHUNK];
            uint256 offset = 1 + (i % RECORDS_PER_CHUNK) * RECORD_LEN;
            assembly ("memory-safe") {
                let m := add(add(msmInput, 32), mul(i, 160))
                extcodecopy(chunk, m, offset, 128)
                mstore(add(m, 128), 1)
            }
        }
        aggregateKey = BLS12381.call(BLS12381.G1MSM, msmInput, KEY_LEN);
        chunks = pendingChunks;
        guardianSetId = setId;
        guardianCount = n;
        totalStake = pendingStake;
        _resetPending(0);
        emit GuardianSetUpdated(setId, n, totalStake);
    }

    /// @notice Certifies `checkpoint.root` if the certificate holds (see the contract doc).
    /// Anyone may submit.
    /// @param checkpoint What was signed.
    /// @param signers The signer bitmap over the current set.
    /// @param signature The aggregate signature, a G2 point in EIP-2537 encoding (256 bytes).
    function submit(Checkpoint calldata checkpoint, bytes calldata signers, bytes calldata signature) external {
        if (certified[checkpoint.root].certified) revert AlreadyCertified(checkpoint.root);
        uint256 signed = verifyCertificate(checkpoint, signers, signature);
        certified[checkpoint.root] = Certified(true, checkpoint.guardianSetId, checkpoint.epoch);
        if (checkpoint.epoch > latestEpoch) latestEpoch = checkpoint.epoch;
        emit CheckpointCertified(checkpoint.root, checkpoint.epoch, checkpoint.guardianSetId, signed);
    }

    /// @notice Checks a certificate against the current guardian set without recording it
    /// (for `submit`, and for contracts that need a checkpoint's signatures checked, such as
    /// evidence of misbehaviour); reverts, naming the failed check, unless it holds.
    /// @return signed The signers' stake.
    function verifyCertificate(Checkpoint calldata checkpoint, bytes calldata signers, bytes calldata signature)
        public
        view
        returns (uint256 signed)
    {
        if (checkpoint.root == bytes32(0)) revert ZeroRoot();
        if (checkpoint.domain != domain) revert WrongDomain(domain, checkpoint.domain);
        if (checkpoint.guardianSetId != guardianSetId) revert WrongGuardianSet(guardianSetId, checkpoint.guardianSetId);
        uint256 n = guardianCount;
        if (signers.length != (n + 7) / 8) revert BadBitmap();
        if (n % 8 != 0 && uint8(signers[signers.length - 1]) >> (n % 8) != 0) revert BadBitmap();
        if (signature.length != 256 || _isZero(signature)) revert InvalidSignature();

        (uint256 missingStake, bytes memory missingKeys) = _nonSigners(signers, n);
        uint256 total = totalStake;
        signed = total - missingStake;
        if (signed * 3 < total * 2) revert InsufficientStake(signed, total);
        bytes memory publicKey = missingKeys.length == 0
            ? aggregateKey
            : BLS12381.call(BLS12381.G1ADD, abi.encodePacked(aggregateKey, BLS12381.negateG1(missingKeys)), KEY_LEN);

        bytes memory messagePoint = BLS12381.hashToG2(abi.encodePacked(signingMessage(checkpoint)), DST);
        if (!BLS12381.pairingCheck(publicKey, messagePoint, signature)) revert InvalidSignature();
    }

    /// @notice Whether `root` was certified.
    function isCertified(bytes32 root) external view returns (bool) {
        return certified[root].certified;
    }

    /// @notice The 32 bytes guardians sign: keccak256(domain || guardianSetId (8 bytes) ||
    /// epoch (8 bytes) || root), as `Checkpoint::signing_message` in Rust.
    function signingMessage(Checkpoint calldata checkpoint) public pure returns (bytes32) {
        return keccak256(abi.encodePacked(checkpoint.domain, checkpoint.guardianSetId, checkpoint.epoch, checkpoint.root));
    }

    /// @notice hash_to_curve(message) onto G2 under `DST`, in EIP-2537 encoding.
    function hashToG2(bytes calldata message) external view returns (bytes memory) {
        return BLS12381.hashToG2(message, DST);
    }

    /// @notice The stake of the guardians `signers` leaves out, and the sum of their keys
    /// (empty when every guardian signed).
    function _nonSigners(bytes calldata signers, uint256 n) private view returns (uint256 stake, bytes memory keys) {
        // [running sum (128) | next key (128) | its stake (32)]
        bytes memory buffer = new bytes(288);
        bool any;
        bool ok = true;
        address chunk;
        uint256 chunkIndex = type(uint256).max;
        for (uint256 byteIndex = 0; byteIndex < signers.length; ++byteIndex) {
            uint256 bits = uint8(signers[byteIndex]);
            if (bits == 0xff) continue;
            uint256 first = byteIndex * 8;
            uint256 last = first + 8 < n ? first + 8 : n;
            if (first / RECORDS_PER_CHUNK != chunkIndex) {
                chunkIndex = first / RECORDS_PER_CHUNK;
                chunk = chunks[chunkIndex];
            }
            assembly ("memory-safe") {
                let base := add(buffer, 32)
                for { let i := first } lt(i, last) { i := add(i, 1) } {
                    if iszero(and(shr(sub(i, first), bits), 1)) {
                        // One record: the key, then its stake, copied in one go.
                        let offset := add(1, mul(mod(i, 128), 160))
                        switch any
                        case 0 {
                            extcodecopy(chunk, base, offset, 160)
                            stake := add(stake, mload(add(base, 128)))
                            any := 1
                        }
                        default {
                            extcodecopy(chunk, add(base, 128), offset, 160)
                            stake := add(stake, mload(add(base, 256)))
                            ok := and(ok, staticcall(gas(), 0x0b, base, 256, base, 128))
                        }
                    }
                }
            }
        }
        if (!ok) revert BLS12381.PrecompileFailed(BLS12381.G1ADD);
        if (any) {
            keys = new bytes(128);
            assembly ("memory-safe") {
                mcopy(add(keys, 32), add(buffer, 32), 128)
            }
        }
    }

    /// @notice Deploys `data` as the code of a new contract (after a STOP byte, so it cannot
    /// be called into); returns its address.
    function _store(bytes memory data) private returns (address pointer) {
        uint256 length = data.length;
        bytes memory init = new bytes(15 + length);
        assembly ("memory-safe") {
            let p := add(init, 32)
            // PUSH4 (length + 1), DUP1, PUSH1 14, PUSH1 0, CODECOPY, PUSH1 0, RETURN
            mstore(p, or(shl(248, 0x63), shl(216, add(length, 1))))
            mstore8(add(p, 5), 0x80)
            mstore8(add(p, 6), 0x60)
            mstore8(add(p, 7), 0x0e)
            mstore8(add(p, 8), 0x60)
            mstore8(add(p, 9), 0x00)
            mstore8(add(p, 10), 0x39)
            mstore8(add(p, 11), 0x60)
            mstore8(add(p, 12), 0x00)
            mstore8(add(p, 13), 0xf3)
            mstore8(add(p, 14), 0x00)
            mcopy(add(p, 15), add(data, 32), length)
            pointer := create(0, p, add(15, length))
        }
        if (pointer == address(0)) revert BadGuardianSet();
    }

    function _isZero(bytes calldata data) private pure returns (bool) {
        for (uint256 i = 0; i < data.length; i += 32) {
            if (bytes32(data[i:i + 32]) != 0) return false;
        }
        return true;
    }
}
