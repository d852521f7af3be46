//! Sealing a signup's personal fields to the server's public key.
//!
//! A kiosk seals what a visitor typed before it stores anything, with an anonymous sealed
//! box (X25519 + XSalsa20-Poly1305, the `crypto_box` crate, compatible with libsodium's
//! `crypto_box_seal`). The kiosk cannot open what it collected, so a stolen kiosk yields no
//! names. The envelope is one version byte followed by the sealed box, base64 in documents.

use base64::{Engine as _, engine::general_purpose::STANDARD};
use crypto_box::aead::OsRng;
use crypto_box::{PublicKey, SecretKey};

use crate::domain::PersonalData;

/// The envelope version this code writes and reads.
const ENVELOPE_V1: u8 = 1;

/// Errors sealing or opening personal data.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// A key is not 32 bytes of hex.
    #[error("a key must be 64 hexadecimal characters (32 bytes)")]
    BadKey,
    /// The envelope is not base64, has an unknown version, or is too short.
    #[error("the sealed data is not a Frivillig envelope")]
    BadEnvelope,
    /// Decryption failed: wrong key or tampered data.
    #[error("the sealed data cannot be opened with this key")]
    CannotOpen,
    /// Encryption failed.
    #[error("sealing failed")]
    SealFailed,
    /// The opened bytes are not personal data.
    #[error("the opened data is malformed: {0}")]
    Malformed(#[from] serde_json::Error),
}

/// The server's key pair for opening personal data.
pub struct SealingKeyPair {
    secret: SecretKey,
    /// Kept: `SecretKey::unseal` derives it again for every envelope, a scalar
    /// multiplication that was about 15 % of the server's CPU while opening signups.
    public: PublicKey,
}

impl SealingKeyPair {
    /// A fresh random key pair.
    pub fn generate() -> Self {
        SealingKeyPair::from_secret(SecretKey::generate(&mut OsRng))
    }

    /// The key pair from the secret key's hex form.
    pub fn from_secret_hex(hex_key: &str) -> Result<Self, SealError> {
        let bytes: [u8; 32] = hex::decode(hex_key.trim())
            .map_err(|_| SealError::BadKey)?
            .try_into()
            .map_err(|_| SealError::BadKey)?;
        Ok(SealingKeyPair::from_secret(SecretKey::from(bytes)))
    }

    fn from_secret(secret: SecretKey) -> Self {
        SealingKeyPair {
            public: secret.public_key(),
            secret,
        }
    }

    /// The secret key as hex, for the server's key file.
    pub fn secret_hex(&self) -> String {
        hex::encode(self.secret.to_bytes())
    }

    /// The public key that kiosks seal to.
    pub fn public(&self) -> SealingPublicKey {
        SealingPublicKey(self.public.clone())
    }

    /// Open an envelope made by [`seal_personal_data`].
    pub fn open_personal_data(&self, envelope: &str) -> Result<PersonalData, SealError> {
        let bytes = STANDARD
            .decode(envelope)
            .map_err(|_| SealError::BadEnvelope)?;
        let (&version, sealed) = bytes.split_first().ok_or(SealError::BadEnvelope)?;
        if version != ENVELOPE_V1 {
            return Err(SealError::BadEnvelope);
        }
        let plain = self.unseal(sealed).ok_or(SealError::CannotOpen)?;
        Ok(serde_json::from_slice(&plain)?)
    }

    /// libsodium's `crypto_box_seal_open`, as `SecretKey::unseal` does it but with the
    /// public key computed once: the envelope is the ephemeral public key, then a box from
    /// it to us under the nonce BLAKE2b-192(ephemeral key ‖ our key).
    fn unseal(&self, sealed: &[u8]) -> Option<Vec<u8>> {
        use blake2::Digest as _;
        use crypto_box::aead::Aead as _;
        let (ephemeral, ciphertext) = sealed.split_at_checked(crypto_box::KEY_SIZE)?;
        if ciphertext.is_empty() {
            return None;
        }
        let ephemeral: [u8; crypto_box::KEY_SIZE] = ephemeral.try_into().ok()?;
        let ephemeral = PublicKey::from(ephemeral);
        let nonce = blake2::Blake2b::<blake2::digest::consts::U24>::new()
            .chain_update(ephemeral.as_bytes())
            .chain_update(self.public.as_bytes())
            .finalize();
        crypto_box::SalsaBox::new(&ephemeral, &self.secret)
            .decrypt(&nonce, ciphertext)
            .ok()
    }
}

/// The server's public key, as kiosks hold it.
#[derive(Clone, PartialEq, Eq)]
pub struct SealingPublicKey(PublicKey);

impl std::fmt::Debug for SealingPublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SealingPublicKey({})", self.to_hex())
    }
}

impl SealingPublicKey {
    /// Parse the hex form.
    pub fn from_hex(hex_key: &str) -> Result<Self, SealError> {
        let bytes: [u8; 32] = hex::decode(hex_key.trim())
            .map_err(|_| SealError::BadKey)?
            .try_into()
            .map_err(|_| SealError::BadKey)?;
        Ok(SealingPublicKey(PublicKey::from(bytes)))
    }

    /// The hex form, for configuration files.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0.as_bytes())
    }
}

/// Seal personal data to the server's public key; returns the base64 envelope.
pub fn seal_personal_data(
    key: &SealingPublicKey,
    data: &PersonalData,
) -> Result<String, SealError> {
    let plain = serde_json::to_vec(data)?;
    let sealed = key
        .0
        .seal(&mut OsRng, &plain)
        .map_err(|_| SealError::SealFailed)?;
    let mut envelope = Vec::with_capacity(sealed.len() + 1);
    envelope.push(ENVELOPE_V1);
    envelope.extend_from_slice(&sealed);
    Ok(STANDARD.encode(envelope))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> PersonalData {
        PersonalData {
            name: "Søren Ærø".into(),
            phone: Some("12345678".into()),
            email: None,
            age_confirmed: true,
            note: None,
        }
    }

    #[test]
    fn sealed_data_opens_only_with_the_right_key() {
        let server = SealingKeyPair::generate();
        let other = SealingKeyPair::generate();
        let envelope = seal_personal_data(&server.public(), &data()).expect("seal");
        assert!(!envelope.contains("Søren"));
        assert_eq!(server.open_personal_data(&envelope).expect("open"), data());
        assert!(matches!(
            other.open_personal_data(&envelope),
            Err(SealError::CannotOpen)
        ));
    }

    #[test]
    fn garbage_envelopes_are_errors() {
        let server = SealingKeyPair::generate();
        for bad in ["", "!!!", "AA==", "AgAA"] {
            assert!(server.open_personal_data(bad).is_err(), "{bad}");
        }
        let restored = SealingKeyPair::from_secret_hex(&server.secret_hex()).expect("hex");
        assert_eq!(restored.public(), server.public());
        assert!(SealingPublicKey::from_hex("abc").is_err());
    }
}
