//! The server's signature on what it alone may write: the catalog, and its durable
//! acknowledgement of a journal (which peers carry to the journal's kiosk in festival mode);
//! and a kiosk's signature, with its device key, on the heads of its own journal, which lets
//! the server tell what the owner wrote from what a kiosk carrying the journal added.
//!
//! Kiosks talk to the server over links we do not always control (a festival's borrowed
//! network, plain `ws://` inside a municipal LAN). A kiosk therefore accepts a catalog only
//! with a valid Ed25519 signature by the server's signing key, whose public half it got at
//! enrolment. Signatures cover a fixed tag plus the catalog's canonical JSON, so a signature
//! for one kind of content can never pass for another.

use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use rand::RngCore as _;

/// Errors reading keys or checking signatures.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// A key is not 32 bytes of hex.
    #[error("a signing key must be 64 hexadecimal characters (32 bytes)")]
    BadKey,
    /// A signature is not 64 bytes of hex.
    #[error("a signature must be 128 hexadecimal characters (64 bytes)")]
    BadSignature,
    /// A kiosk's device key is not an ECDSA P-256 key.
    #[error("a device key must be an ECDSA P-256 key")]
    BadDeviceKey,
    /// The signature does not match the content and key.
    #[error("the signature does not match: the content was changed or signed by another key")]
    Mismatch,
}

/// The server's signing key pair.
pub struct SigningKeyPair {
    key: SigningKey,
}

impl SigningKeyPair {
    /// A fresh random key pair.
    pub fn generate() -> Self {
        let mut seed = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut seed);
        SigningKeyPair {
            key: SigningKey::from_bytes(&seed),
        }
    }

    /// The key pair from the secret key's hex form.
    pub fn from_secret_hex(hex_key: &str) -> Result<Self, SignError> {
        let bytes: [u8; 32] = hex::decode(hex_key.trim())
            .map_err(|_| SignError::BadKey)?
            .try_into()
            .map_err(|_| SignError::BadKey)?;
        Ok(SigningKeyPair {
            key: SigningKey::from_bytes(&bytes),
        })
    }

    /// The secret key as hex, for the key file.
    pub fn secret_hex(&self) -> String {
        hex::encode(self.key.to_bytes())
    }

    /// The public key as hex, for kiosk configurations.
    pub fn public_hex(&self) -> String {
        hex::encode(self.key.verifying_key().to_bytes())
    }

    /// Sign `tag` + `content`; the signature as hex.
    pub fn sign(&self, tag: &str, content: &[u8]) -> String {
        hex::encode(self.key.sign(&tagged(tag, content)).to_bytes())
    }
}

/// Check that `signature_hex` is the signature of `tag` + `content` by `public_hex`.
pub fn verify(
    public_hex: &str,
    tag: &str,
    content: &[u8],
    signature_hex: &str,
) -> Result<(), SignError> {
    let key: [u8; 32] = hex::decode(public_hex.trim())
        .map_err(|_| SignError::BadKey)?
        .try_into()
        .map_err(|_| SignError::BadKey)?;
    let key = VerifyingKey::from_bytes(&key).map_err(|_| SignError::BadKey)?;
    let sig: [u8; 64] = hex::decode(signature_hex.trim())
        .map_err(|_| SignError::BadSignature)?
        .try_into()
        .map_err(|_| SignError::BadSignature)?;
    key.verify_strict(&tagged(tag, content), &Signature::from_bytes(&sig))
        .map_err(|_| SignError::Mismatch)
}

/// The tag of the server's signature on a durable acknowledgement.
pub const ACK_SIGNATURE_TAG: &str = "frivillig-ack-1";

/// What is signed of `heads` of journal `doc_id` (by the server acknowledging them, or by
/// the owner vouching for them): the document and its heads in sorted order, so the same
/// heads always have the same content.
pub fn heads_content(doc_id: &str, heads: &[String]) -> Vec<u8> {
    let mut sorted: Vec<&str> = heads.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    format!("{doc_id}\n{}", sorted.join(",")).into_bytes()
}

/// Check the server's signature on an acknowledgement of `heads` of `doc_id`.
pub fn verify_ack(
    public_hex: &str,
    doc_id: &str,
    heads: &[String],
    signature_hex: &str,
) -> Result<(), SignError> {
    verify(
        public_hex,
        ACK_SIGNATURE_TAG,
        &heads_content(doc_id, heads),
        signature_hex,
    )
}

/// The tag of a kiosk's signature on heads of its own journal.
pub const HEADS_SIGNATURE_TAG: &str = "frivillig-journal-heads-1";

/// A kiosk's device key: the ECDSA P-256 key its certificate is for. With it the kiosk
/// vouches for the heads of its own journals, so a kiosk that carries one to the server
/// cannot pass off changes of its own as the owner's.
pub struct DeviceSigner {
    key: ring::signature::EcdsaKeyPair,
    rng: ring::rand::SystemRandom,
}

impl DeviceSigner {
    /// The key from its PKCS#8 DER form (as the kiosk's key file holds it).
    pub fn from_pkcs8(der: &[u8]) -> Result<Self, SignError> {
        let rng = ring::rand::SystemRandom::new();
        let key = ring::signature::EcdsaKeyPair::from_pkcs8(
            &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
            der,
            &rng,
        )
        .map_err(|_| SignError::BadDeviceKey)?;
        Ok(DeviceSigner { key, rng })
    }

    /// The public key (the uncompressed point, as the certificate carries it) as hex.
    pub fn public_hex(&self) -> String {
        use ring::signature::KeyPair as _;
        hex::encode(self.key.public_key().as_ref())
    }

    /// The signature on `heads` of the kiosk's journal `doc_id`, hex.
    pub fn sign_heads(&self, doc_id: &str, heads: &[String]) -> Result<String, SignError> {
        let message = tagged(HEADS_SIGNATURE_TAG, &heads_content(doc_id, heads));
        let signature = self
            .key
            .sign(&self.rng, &message)
            .map_err(|_| SignError::BadDeviceKey)?;
        Ok(hex::encode(signature.as_ref()))
    }
}

/// Check a kiosk's signature on `heads` of its journal `doc_id`, by the device key whose
/// public half is `public_hex` ([`DeviceSigner::public_hex`]).
pub fn verify_device_heads(
    public_hex: &str,
    doc_id: &str,
    heads: &[String],
    signature_hex: &str,
) -> Result<(), SignError> {
    let key = hex::decode(public_hex.trim()).map_err(|_| SignError::BadDeviceKey)?;
    let signature = hex::decode(signature_hex.trim()).map_err(|_| SignError::BadSignature)?;
    let message = tagged(HEADS_SIGNATURE_TAG, &heads_content(doc_id, heads));
    ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_ASN1, key)
        .verify(&message, &signature)
        .map_err(|_| SignError::Mismatch)
}

/// Check that `public_hex` is a usable public key.
pub fn check_public_key(public_hex: &str) -> Result<(), SignError> {
    let key: [u8; 32] = hex::decode(public_hex.trim())
        .map_err(|_| SignError::BadKey)?
        .try_into()
        .map_err(|_| SignError::BadKey)?;
    VerifyingKey::from_bytes(&key)
        .map(|_| ())
        .map_err(|_| SignError::BadKey)
}

fn tagged(tag: &str, content: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(tag.len() + 1 + content.len());
    message.extend_from_slice(tag.as_bytes());
    message.push(b'\n');
    message.extend_from_slice(content);
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_holds_only_for_its_key_tag_and_content() {
        let keys = SigningKeyPair::generate();
        let sig = keys.sign("catalog", b"{\"a\":1}");
        let public = keys.public_hex();
        assert!(verify(&public, "catalog", b"{\"a\":1}", &sig).is_ok());
        assert!(matches!(
            verify(&public, "catalog", b"{\"a\":2}", &sig),
            Err(SignError::Mismatch)
        ));
        assert!(matches!(
            verify(&public, "other", b"{\"a\":1}", &sig),
            Err(SignError::Mismatch)
        ));
        let other = SigningKeyPair::generate().public_hex();
        assert!(matches!(
            verify(&other, "catalog", b"{\"a\":1}", &sig),
            Err(SignError::Mismatch)
        ));
        assert!(matches!(
            verify(&public, "catalog", b"x", "zz"),
            Err(SignError::BadSignature)
        ));
        assert!(matches!(
            verify("nope", "catalog", b"x", &sig),
            Err(SignError::BadKey)
        ));
        let again = SigningKeyPair::from_secret_hex(&keys.secret_hex()).expect("hex");
        assert_eq!(again.public_hex(), public);
        assert!(check_public_key(&public).is_ok());
    }

    /// A device key made as the kiosk makes it (rcgen's default, ECDSA P-256) vouches for
    /// exactly the heads it signed, of exactly that journal.
    #[test]
    fn a_kiosks_signature_holds_only_for_its_journal_and_heads() {
        let der = ring::signature::EcdsaKeyPair::generate_pkcs8(
            &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
            &ring::rand::SystemRandom::new(),
        )
        .expect("a key");
        let signer = DeviceSigner::from_pkcs8(der.as_ref()).expect("a P-256 key");
        let public = signer.public_hex();
        let heads = vec!["bb".repeat(32), "aa".repeat(32)];
        let sig = signer.sign_heads("doc", &heads).expect("signed");
        let reordered = vec![heads[1].clone(), heads[0].clone()];
        assert!(verify_device_heads(&public, "doc", &reordered, &sig).is_ok());
        assert!(matches!(
            verify_device_heads(&public, "other", &heads, &sig),
            Err(SignError::Mismatch)
        ));
        assert!(matches!(
            verify_device_heads(&public, "doc", &heads[..1], &sig),
            Err(SignError::Mismatch)
        ));
        assert!(matches!(
            verify_device_heads(&public, "doc", &heads, "zz"),
            Err(SignError::BadSignature)
        ));
        // The server's acknowledgement of the same heads is not the owner's word.
        let server = SigningKeyPair::generate();
        let ack = server.sign(ACK_SIGNATURE_TAG, &heads_content("doc", &heads));
        assert!(verify_device_heads(&public, "doc", &heads, &ack).is_err());
        assert!(matches!(
            DeviceSigner::from_pkcs8(b"not a key"),
            Err(SignError::BadDeviceKey)
        ));
    }
}
