//! BLS12-381 for guardians, on blst: the Ethereum consensus ciphersuite (min-pk: public keys
//! in G1, 48 bytes compressed; signatures in G2, 96 bytes compressed), hash-to-curve with
//! [`DST`], and the EIP-2537 encodings the on-chain verifier takes.
//!
//! Rogue-key attacks on aggregation are excluded by proofs of possession: a key joins a
//! guardian set only with [`GuardianKey::proof_of_possession`] verified
//! ([`verify_possession`]), as in the IETF BLS draft's PopProve/PopVerify.
//!
//! EIP-2537 encodes a base-field element as 64 bytes big-endian (16 zero bytes then the 48),
//! an Fp2 element `c0 + c1·u` as `c0 || c1`, a point as `x || y`, infinity as all zeros. blst
//! (the ZCash encoding) writes Fp2 as `c1 || c0` in 48-byte limbs: [`g1_to_eip2537`] and
//! [`g2_to_eip2537`] convert.

use blst::{
    BLST_ERROR,
    min_pk::{PublicKey, SecretKey, Signature},
};

use crate::MetalayerError;

/// The hash-to-curve domain separation tag of signatures: BLS with proof of possession, G2,
/// expand_message_xmd with SHA-256, SSWU, random oracle (the Ethereum consensus one).
pub const DST: &[u8] = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";

/// The tag of proofs of possession (signatures over the signer's own compressed key).
pub const POP_DST: &[u8] = b"BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";

/// A guardian's secret key.
#[derive(Clone)]
pub struct GuardianKey {
    secret: SecretKey,
    public: PublicKey,
}

impl std::fmt::Debug for GuardianKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuardianKey").field("public", &hex(&self.public.compress())).finish()
    }
}

fn hex(bytes: &[u8]) -> String {
    alloy_primitives::hex::encode_prefixed(bytes)
}

impl GuardianKey {
    /// The key derived from `ikm` (at least 32 bytes of secret key material) by the IETF
    /// KeyGen of blst.
    pub fn from_ikm(ikm: &[u8]) -> Result<Self, MetalayerError> {
        let secret = SecretKey::key_gen(ikm, &[]).map_err(|e| MetalayerError::Bls("key_gen", e))?;
        let public = secret.sk_to_pk();
        Ok(Self { secret, public })
    }

    /// The key whose scalar is the 32 big-endian `bytes` (nonzero, below the group order).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, MetalayerError> {
        let secret =
            SecretKey::from_bytes(bytes).map_err(|e| MetalayerError::Bls("secret key", e))?;
        let public = secret.sk_to_pk();
        Ok(Self { secret, public })
    }

    /// The secret scalar, 32 bytes big-endian ([`GuardianKey::from_bytes`] reads it back).
    pub fn secret_bytes(&self) -> [u8; 32] {
        self.secret.to_bytes()
    }

    /// The public key.
    pub fn public(&self) -> PublicKey {
        self.public
    }

    /// The signature of `message` under [`DST`].
    pub fn sign(&self, message: &[u8]) -> Signature {
        self.secret.sign(message, DST, &[])
    }

    /// The proof of possession: the signature of the compressed public key under [`POP_DST`].
    pub fn proof_of_possession(&self) -> Signature {
        self.secret.sign(&self.public.compress(), POP_DST, &[])
    }
}

/// Checks `pop` proves possession of `key`'s secret (and that `key` is a valid G1 point).
pub fn verify_possession(key: &PublicKey, pop: &Signature) -> Result<(), MetalayerError> {
    check(pop.verify(true, &key.compress(), POP_DST, &[], key, true), "proof of possession")
}

pub(crate) fn check(result: BLST_ERROR, what: &'static str) -> Result<(), MetalayerError> {
    match result {
        BLST_ERROR::BLST_SUCCESS => Ok(()),
        error => Err(MetalayerError::Bls(what, error)),
    }
}

/// A G1 point (a public key) in EIP-2537's 128-byte encoding.
pub fn g1_to_eip2537(key: &PublicKey) -> [u8; 128] {
    let raw = key.serialize(); // x || y, 48 bytes each
    let mut out = [0u8; 128];
    out[16..64].copy_from_slice(&raw[0..48]);
    out[80..128].copy_from_slice(&raw[48..96]);
    out
}

/// The G1 point (a public key) of EIP-2537's 128-byte encoding, as the registry and the inbox
/// store keys: refuses another length, nonzero padding, a point off the curve or outside the
/// subgroup, and infinity.
pub fn g1_from_eip2537(bytes: &[u8]) -> Result<PublicKey, MetalayerError> {
    let bad = MetalayerError::Bls("EIP-2537 G1 encoding", BLST_ERROR::BLST_BAD_ENCODING);
    if bytes.len() != 128 || bytes[0..16].iter().chain(&bytes[64..80]).any(|b| *b != 0) {
        return Err(bad);
    }
    let mut raw = [0u8; 96];
    raw[0..48].copy_from_slice(&bytes[16..64]);
    raw[48..96].copy_from_slice(&bytes[80..128]);
    PublicKey::key_validate(&raw).map_err(|e| MetalayerError::Bls("public key", e))
}

/// A G2 point (a signature) in EIP-2537's 256-byte encoding.
pub fn g2_to_eip2537(signature: &Signature) -> [u8; 256] {
    g2_serialized_to_eip2537(&signature.serialize())
}

/// blst's 192-byte G2 serialization (`x.c1 || x.c0 || y.c1 || y.c0`) in EIP-2537's encoding
/// (`x.c0 || x.c1 || y.c0 || y.c1`, 64 bytes each).
fn g2_serialized_to_eip2537(raw: &[u8; 192]) -> [u8; 256] {
    let mut out = [0u8; 256];
    for (limb, source) in [48usize, 0, 144, 96].into_iter().enumerate() {
        out[limb * 64 + 16..(limb + 1) * 64].copy_from_slice(&raw[source..source + 48]);
    }
    out
}

/// `hash_to_curve(message)` onto G2 with [`DST`] (RFC 9380, BLS12381G2_XMD:SHA-256_SSWU_RO_),
/// as blst computes it for signing, in EIP-2537's encoding: what the on-chain verifier must
/// reproduce.
pub fn hash_to_g2(message: &[u8]) -> [u8; 256] {
    hash_to_g2_with_dst(message, DST)
}

/// [`hash_to_g2`] under another tag, such as the RFC 9380 test vectors' (`dst` at most 255
/// bytes).
pub fn hash_to_g2_with_dst(message: &[u8], dst: &[u8]) -> [u8; 256] {
    let mut point = blst::blst_p2::default();
    let mut affine = blst::blst_p2_affine::default();
    let mut raw = [0u8; 192];
    // SAFETY: every pointer is to a live, correctly sized value or slice for the call's
    // duration; blst reads `message` and `dst` by the lengths given and writes `point`,
    // `affine` and the 192 bytes of `raw`.
    unsafe {
        blst::blst_hash_to_g2(
            &mut point,
            message.as_ptr(),
            message.len(),
            dst.as_ptr(),
            dst.len(),
            std::ptr::null(),
            0,
        );
        blst::blst_p2_to_affine(&mut affine, &point);
        blst::blst_p2_affine_serialize(raw.as_mut_ptr(), &affine);
    }
    g2_serialized_to_eip2537(&raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_and_verify() {
        let key = GuardianKey::from_ikm(&[7u8; 32]).unwrap();
        let signature = key.sign(b"checkpoint");
        check(signature.verify(true, b"checkpoint", DST, &[], &key.public(), true), "verify")
            .unwrap();
        assert!(
            check(signature.verify(true, b"other", DST, &[], &key.public(), true), "verify")
                .is_err()
        );
    }

    #[test]
    fn possession_proof_of_another_key_refused() {
        let a = GuardianKey::from_ikm(&[1u8; 32]).unwrap();
        let b = GuardianKey::from_ikm(&[2u8; 32]).unwrap();
        verify_possession(&a.public(), &a.proof_of_possession()).unwrap();
        assert!(verify_possession(&a.public(), &b.proof_of_possession()).is_err());
        // A signature under the message DST over the key is not a proof of possession.
        assert!(verify_possession(&a.public(), &a.sign(&a.public().compress())).is_err());
    }

    #[test]
    fn g1_round_trips_through_eip2537() {
        let key = GuardianKey::from_ikm(&[3u8; 32]).unwrap().public();
        let encoded = g1_to_eip2537(&key);
        assert_eq!(g1_from_eip2537(&encoded).unwrap(), key);
        let mut padded = encoded;
        padded[0] = 1;
        assert!(g1_from_eip2537(&padded).is_err());
        assert!(g1_from_eip2537(&[0u8; 128]).is_err(), "infinity");
        assert!(g1_from_eip2537(&encoded[..127]).is_err());
    }

    #[test]
    fn secret_key_one_signs_the_hash_point() {
        // sk = 1: the signature is H(m) itself, so blst's signing and `hash_to_g2` agree.
        let mut one = [0u8; 32];
        one[31] = 1;
        let key = GuardianKey::from_bytes(&one).unwrap();
        assert_eq!(g2_to_eip2537(&key.sign(b"abc")), hash_to_g2(b"abc"));
    }
}
