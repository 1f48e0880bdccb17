// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {BLS12381} from "./BLS12381.sol";
import {CheckpointTree} from "./CheckpointTree.sol";

/// @title GuardianRegistry
/// @notice The L1 registry of Metalayer guardians: each registers a BLS12-381 key (min-pk, G1,
/// with a proof of possession checked here) and a stake of ERA held by this contract, and gets
/// the next index. Index i is position i of the guardian set built from the registry
/// (`guardianSetArguments` gives `MetalayerInbox.setGuardianSet`'s arguments in that order),
/// so evidence names a guardian by its index. Anyone may submit evidence of equivocation (two
/// conflicting checkpoints signed by one guardian, both signatures checked on chain); half of
/// the offender's current stake is then burned.
/// @dev The checkpoint domain of this network is `domain()`, keccak256("tephra.metalayer.
/// checkpoint.v1" || uint64(chain id) || this contract's address), as
/// `tephra_metalayer::domain_separator` computes it: evidence of another network's checkpoints
/// is refused. Withdrawals, rewards and other offences come with ERA's full economics.
contract GuardianRegistry {
    using SafeERC20 for ERC20Burnable;

    /// @notice What guardians sign, as `MetalayerInbox.Checkpoint` and `tephra_metalayer::Checkpoint`.
    struct Checkpoint {
        bytes32 domain;
        uint64 guardianSetId;
        uint64 epoch;
        bytes32 root;
    }

    /// @notice One guardian's own signature of a checkpoint: a G2 point in EIP-2537 encoding (256 bytes).
    struct SignedCheckpoint {
        Checkpoint checkpoint;
        bytes signature;
    }

    /// @notice A signed checkpoint and one chain's head in it, with the leaf's proof to its root.
    struct SignedHead {
        SignedCheckpoint signed;
        CheckpointTree.Leaf leaf;
        uint256 leafIndex;
        bytes32[] proof;
    }

    /// @notice A registered guardian.
    struct Guardian {
        address operator;
        /// Bit i set: slashed for `Offence(i)`.
        uint8 slashed;
        uint256 stake;
        /// G1, EIP-2537 encoding (128 bytes).
        bytes publicKey;
    }

    /// @notice The slashable offences.
    enum Offence {
        /// Two different checkpoints of one domain, guardian set and epoch.
        DoubleCheckpoint,
        /// Two different heads of one chain at one height, in checkpoints of this domain.
        ConflictingHeads
    }

    /// @notice The hash-to-curve tag of checkpoint signatures (`bls::DST`).
    bytes public constant DST = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
    /// @notice The hash-to-curve tag of proofs of possession (`bls::POP_DST`).
    bytes public constant POP_DST = "BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
    /// @notice The share of its current stake an equivocating guardian loses, in percent.
    uint256 public constant EQUIVOCATION_SLASH_PERCENT = 50;

    /// @dev (p - 1) / 2 in the 64-byte field encoding: y above it is the "larger" root, the
    /// sign bit of the compressed encoding.
    uint256 private constant HALF_P_HI = 0x000000000000000000000000000000000d0088f51cbff34d258dd3db21a5d66b;
    uint256 private constant HALF_P_LO = 0xb23ba5c279c2895fb39869507b587b120f55ffff58a9ffffdcff7fffffffd555;

    /// @notice The staking token (ERA).
    ERC20Burnable public immutable token;
    /// @notice This network's checkpoint domain separator.
    bytes32 public immutable domain;
    /// @notice The sum of every guardian's current stake.
    uint256 public totalStake;

    Guardian[] private guardians;
    /// keccak256 of a public key => its index + 1 (zero: not registered).
    mapping(bytes32 keyHash => uint256) private indexPlusOne;
    /// @notice Whether a piece of evidence (see `evidenceId`) was used for a slashing.
    mapping(bytes32 evidence => bool) public evidenceUsed;

    /// @notice `operator` registered guardian `index` with key hash `keyHash` and `stake`.
    event Registered(uint256 indexed index, address indexed operator, bytes32 keyHash, uint256 stake);
    /// @notice Guardian `index`'s stake grew by `amount` to `stake`.
    event StakeAdded(uint256 indexed index, uint256 amount, uint256 stake);
    /// @notice Guardian `index` was slashed for `offence`: `amount` of its stake burned.
    event Slashed(uint256 indexed index, Offence indexed offence, uint256 amount);

    /// @notice A stake of zero.
    error ZeroStake();
    /// @notice A public key that is not a G1 point of the subgroup (or is infinity, or is not 128 bytes).
    error InvalidPublicKey();
    /// @notice The key is already guardian `index`'s.
    error KeyAlreadyRegistered(uint256 index);
    /// @notice The proof of possession does not verify for the key.
    error InvalidProofOfPossession();
    /// @notice No guardian `index`.
    error UnknownGuardian(uint256 index);
    /// @notice Only guardian `index`'s operator may do this.
    error NotOperator(uint256 index, address caller);
    /// @notice A checkpoint of another network.
    error WrongDomain(bytes32 expected, bytes32 got);
    /// @notice Double-checkpoint evidence for two epochs.
    error DifferentEpochs(uint64 first, uint64 second);
    /// @notice Double-checkpoint evidence for two guardian sets.
    error DifferentGuardianSets(uint64 first, uint64 second);
    /// @notice Both checkpoints have this root: no conflict.
    error SameRoot(bytes32 root);
    /// @notice Conflicting-heads evidence for two chains.
    error DifferentChains(uint64 first, uint64 second);
    /// @notice Conflicting-heads evidence for two heights.
    error DifferentHeights(uint64 first, uint64 second);
    /// @notice Both heads have this block hash: no conflict.
    error SameBlockHash(bytes32 blockHash);
    /// @notice Head `which` (0 or 1) is not in its checkpoint's root.
    error LeafNotInRoot(uint256 which);
    /// @notice Signature `which` (0 or 1) is not the guardian's over its checkpoint.
    error InvalidSignature(uint256 which);
    /// @notice This evidence already slashed the guardian.
    error EvidenceAlreadyUsed(bytes32 evidence);

    /// @param token_ The staking token (`EraToken`).
    constructor(ERC20Burnable token_) {
        token = token_;
        domain = keccak256(abi.encodePacked("tephra.metalayer.checkpoint.v1", uint64(block.chainid), address(this)));
    }

    /// @notice Registers the caller as the operator of a new guardian with BLS key `publicKey`,
    /// staking `stake` ERA (pulled with transferFrom: approve it first).
    /// @param publicKey The G1 key in EIP-2537 encoding (128 bytes), in the subgroup, not infinity.
    /// @param proofOfPossession The key's signature of its own compressed (48-byte) encoding
    /// under `POP_DST`, a G2 point in EIP-2537 encoding (`GuardianKey::proof_of_possession`).
    /// @param stake The stake, nonzero.
    /// @return index The guardian's index: its position in the guardian set.
    function register(bytes calldata publicKey, bytes calldata proofOfPossession, uint256 stake)
        external
        returns (uint256 index)
    {
        if (stake == 0) revert ZeroStake();
        if (publicKey.length != 128 || _isZero(publicKey) || !_inG1(publicKey)) revert InvalidPublicKey();
        bytes32 keyHash = keccak256(publicKey);
        uint256 existing = indexPlusOne[keyHash];
        if (existing != 0) revert KeyAlreadyRegistered(existing - 1);
        if (proofOfPossession.length != 256) revert InvalidProofOfPossession();
        bytes memory messagePoint = BLS12381.hashToG2(_compressG1(publicKey), POP_DST);
        if (!_pairing(publicKey, messagePoint, proofOfPossession)) revert InvalidProofOfPossession();

        index = guardians.length;
        guardians.push(Guardian({operator: msg.sender, slashed: 0, stake: stake, publicKey: publicKey}));
        indexPlusOne[keyHash] = index + 1;
        totalStake += stake;
        emit Registered(index, msg.sender, keyHash, stake);
        token.safeTransferFrom(msg.sender, address(this), stake);
    }

    /// @notice Adds `amount` ERA (pulled with transferFrom) to guardian `index`'s stake; its
    /// operator only.
    function addStake(uint256 index, uint256 amount) external {
        if (index >= guardians.length) revert UnknownGuardian(index);
        Guardian storage g = guardians[index];
        if (msg.sender != g.operator) revert NotOperator(index, msg.sender);
        if (amount == 0) revert ZeroStake();
        g.stake += amount;
        totalStake += amount;
        emit StakeAdded(index, amount, g.stake);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice Slashes guardian `index` for signing two different checkpoints of this domain
    /// for one guardian set and epoch. Anyone may submit; each (guardian, guardian set, epoch)
    /// slashes once.
    /// @param index The offender.
    /// @param first One checkpoint with the offender's own signature.
    /// @param second Another checkpoint of the same set and epoch, another root, also signed by it.
    function slashDoubleCheckpoint(uint256 index, SignedCheckpoint calldata first, SignedCheckpoint calldata second)
        external
    {
        bytes memory publicKey = _guardianKey(index);
        Checkpoint calldata a = first.checkpoint;
        Checkpoint calldata b = second.checkpoint;
        _checkDomain(a);
        _checkDomain(b);
        if (a.epoch != b.epoch) revert DifferentEpochs(a.epoch, b.epoch);
        if (a.guardianSetId != b.guardianSetId) revert DifferentGuardianSets(a.guardianSetId, b.guardianSetId);
        if (a.root == b.root) revert SameRoot(a.root);
        bytes32 id = evidenceId(Offence.DoubleCheckpoint, index, a.guardianSetId, a.epoch);
        if (evidenceUsed[id]) revert EvidenceAlreadyUsed(id);
        _checkSignature(publicKey, first, 0);
        _checkSignature(publicKey, second, 1);
        evidenceUsed[id] = true;
        _slash(index, Offence.DoubleCheckpoint);
    }

    /// @notice Slashes guardian `index` for signing two checkpoints of this domain whose
    /// leaves give one chain two different block hashes at one height. Anyone may submit;
    /// each (guardian, chain, height) slashes once. When both checkpoints are of one set and
    /// epoch, this is also that epoch's double checkpoint, which then cannot slash again (nor
    /// this, if it already did).
    /// @param index The offender.
    /// @param first A signed checkpoint and a head proven in it.
    /// @param second Another, with the same chain id and block number and another block hash.
    function slashConflictingHeads(uint256 index, SignedHead calldata first, SignedHead calldata second) external {
        bytes memory publicKey = _guardianKey(index);
        Checkpoint calldata a = first.signed.checkpoint;
        Checkpoint calldata b = second.signed.checkpoint;
        _checkDomain(a);
        _checkDomain(b);
        CheckpointTree.Leaf calldata x = first.leaf;
        CheckpointTree.Leaf calldata y = second.leaf;
        if (x.chainId != y.chainId) revert DifferentChains(x.chainId, y.chainId);
        if (x.blockNumber != y.blockNumber) revert DifferentHeights(x.blockNumber, y.blockNumber);
        if (x.blockHash == y.blockHash) revert SameBlockHash(x.blockHash);
        _checkLeaf(first, 0);
        _checkLeaf(second, 1);
        bytes32 id = evidenceId(Offence.ConflictingHeads, index, x.chainId, x.blockNumber);
        if (evidenceUsed[id]) revert EvidenceAlreadyUsed(id);
        bool sameSlot = a.guardianSetId == b.guardianSetId && a.epoch == b.epoch;
        bytes32 slotId = evidenceId(Offence.DoubleCheckpoint, index, a.guardianSetId, a.epoch);
        if (sameSlot && evidenceUsed[slotId]) revert EvidenceAlreadyUsed(slotId);
        _checkSignature(publicKey, first.signed, 0);
        _checkSignature(publicKey, second.signed, 1);
        evidenceUsed[id] = true;
        if (sameSlot) evidenceUsed[slotId] = true;
        _slash(index, Offence.ConflictingHeads);
    }

    /// @notice The key under which evidence is marked used: for `DoubleCheckpoint`, `a` is the
    /// guardian set id and `b` the epoch; for `ConflictingHeads`, the chain id and the height.
    function evidenceId(Offence offence, uint256 index, uint64 a, uint64 b) public pure returns (bytes32) {
        return keccak256(abi.encode(offence, index, a, b));
    }

    /// @notice The number of registered guardians (indices are 0 .. guardianCount() - 1).
    function guardianCount() external view returns (uint256) {
        return guardians.length;
    }

    /// @notice Guardian `index`: its operator, key (EIP-2537 G1), current stake and the
    /// offences it was slashed for (bit i: `Offence(i)`).
    function guardian(uint256 index)
        external
        view
        returns (address operator, bytes memory publicKey, uint256 stake, uint8 slashed)
    {
        if (index >= guardians.length) revert UnknownGuardian(index);
        Guardian storage g = guardians[index];
        return (g.operator, g.publicKey, g.stake, g.slashed);
    }

    /// @notice The index of the guardian holding `publicKey`, if any.
    function indexOf(bytes calldata publicKey) external view returns (bool registered, uint256 index) {
        uint256 i = indexPlusOne[keccak256(publicKey)];
        return (i != 0, i == 0 ? 0 : i - 1);
    }

    /// @notice Guardians `start` .. `start + count - 1` (clamped to the registered ones) as
    /// `MetalayerInbox.setGuardianSet` / `addGuardians` take them: the keys concatenated and
    /// the current stakes, in index order.
    function guardianSetArguments(uint256 start, uint256 count)
        external
        view
        returns (bytes memory publicKeys, uint256[] memory stakes)
    {
        uint256 n = guardians.length;
        uint256 end = start >= n ? start : (n - start < count ? n : start + count);
        stakes = new uint256[](end - start);
        for (uint256 i = start; i < end; ++i) {
            publicKeys = bytes.concat(publicKeys, guardians[i].publicKey);
            stakes[i - start] = guardians[i].stake;
        }
    }

    function _guardianKey(uint256 index) private view returns (bytes memory) {
        if (index >= guardians.length) revert UnknownGuardian(index);
        return guardians[index].publicKey;
    }

    function _checkDomain(Checkpoint calldata checkpoint) private view {
        if (checkpoint.domain != domain) revert WrongDomain(domain, checkpoint.domain);
    }

    function _checkLeaf(SignedHead calldata head, uint256 which) private pure {
        bytes32 root = CheckpointTree.rootOf(head.leaf, head.leafIndex, head.proof);
        if (root == bytes32(0) || root != head.signed.checkpoint.root) revert LeafNotInRoot(which);
    }

    /// @dev Checks `signed.signature` is `publicKey`'s over the checkpoint's signing message
    /// (keccak256(domain || setId || epoch || root), as `MetalayerInbox.signingMessage`).
    function _checkSignature(bytes memory publicKey, SignedCheckpoint calldata signed, uint256 which) private view {
        Checkpoint calldata c = signed.checkpoint;
        if (signed.signature.length != 256) revert InvalidSignature(which);
        bytes32 message = keccak256(abi.encodePacked(c.domain, c.guardianSetId, c.epoch, c.root));
        bytes memory messagePoint = BLS12381.hashToG2(abi.encodePacked(message), DST);
        if (!_pairing(publicKey, messagePoint, signed.signature)) revert InvalidSignature(which);
    }

    /// @dev Burns `EQUIVOCATION_SLASH_PERCENT` of guardian `index`'s current stake.
    function _slash(uint256 index, Offence offence) private {
        Guardian storage g = guardians[index];
        uint256 amount = g.stake * EQUIVOCATION_SLASH_PERCENT / 100;
        g.stake -= amount;
        g.slashed |= uint8(1) << uint8(offence);
        totalStake -= amount;
        emit Slashed(index, offence, amount);
        if (amount != 0) token.burn(amount);
    }

    /// @dev e(publicKey, messagePoint) == e(g1, signature); false (not a revert) when the
    /// pairing precompile refuses a point (off the curve, outside the subgroup, bad encoding).
    function _pairing(bytes memory publicKey, bytes memory messagePoint, bytes memory signature)
        private
        view
        returns (bool)
    {
        bytes memory input = abi.encodePacked(publicKey, messagePoint, BLS12381.NEG_G1, signature);
        bool ok;
        uint256 result;
        assembly ("memory-safe") {
            ok := staticcall(gas(), 0x0f, add(input, 32), mload(input), 0x00, 32)
            ok := and(ok, eq(returndatasize(), 32))
            result := mload(0x00)
        }
        return ok && result == 1;
    }

    /// @dev Whether `point` is a G1 point of the subgroup: G1MSM with the scalar 1 refuses
    /// anything else.
    function _inG1(bytes calldata point) private view returns (bool ok) {
        bytes memory input = abi.encodePacked(point, uint256(1));
        assembly ("memory-safe") {
            ok := staticcall(gas(), 0x0c, add(input, 32), mload(input), 0x00, 0)
            ok := and(ok, eq(returndatasize(), 128))
        }
    }

    /// @dev The 48-byte compressed (ZCash) encoding of a G1 point given in EIP-2537 encoding
    /// (not infinity): x with the compression flag 0x80, and 0x20 when y > (p - 1) / 2, in its
    /// top byte. blst's `PublicKey::compress`, the message of a proof of possession.
    function _compressG1(bytes calldata point) private pure returns (bytes memory) {
        uint256 xHi = uint256(bytes32(point[0:32]));
        bytes32 xLo = bytes32(point[32:64]);
        uint256 yHi = uint256(bytes32(point[64:96]));
        uint256 yLo = uint256(bytes32(point[96:128]));
        bool larger = yHi > HALF_P_HI || (yHi == HALF_P_HI && yLo > HALF_P_LO);
        uint128 top = uint128(xHi) | (uint128(larger ? 0xa0 : 0x80) << 120);
        return abi.encodePacked(bytes16(top), xLo);
    }

    function _isZero(bytes calldata data) private pure returns (bool) {
        for (uint256 i = 0; i < data.length; i += 32) {
            if (bytes32(data[i:i + 32]) != 0) return false;
        }
        return true;
    }
}
