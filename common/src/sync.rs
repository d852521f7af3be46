//! The small interface over samod that kiosk and server share: how devices are named as
//! peers, how their credentials look, and how the sync endpoint is reached.
//!
//! Everything samod-specific that both sides must agree on lives here, so that a move to
//! plain `automerge::sync` would change this module and the two call sites, not the domain.

use sha2::{Digest, Sha256};

pub use samod::{DocHandle, DocumentId, PeerId, Repo, ShareConfig};

/// The path of the WebSocket sync endpoint.
pub const SYNC_PATH: &str = "/sync";

/// The server's samod peer id.
pub const SERVER_PEER_ID: &str = "frivillig-server";

/// A kiosk's samod peer id.
pub fn kiosk_peer_id(kiosk_id: &str) -> PeerId {
    PeerId::from(format!("kiosk:{kiosk_id}").as_str())
}

/// The kiosk id in a kiosk peer id.
pub fn kiosk_id_of_peer(peer: &PeerId) -> Option<&str> {
    peer.as_str().strip_prefix("kiosk:")
}

/// The bearer token a device presents: `<kiosk id>.<secret>`.
pub fn device_token(kiosk_id: &str, secret: &str) -> String {
    format!("{kiosk_id}.{secret}")
}

/// Split a device token into (kiosk id, secret).
pub fn parse_device_token(token: &str) -> Option<(&str, &str)> {
    let (id, secret) = token.split_once('.')?;
    (valid_kiosk_id(id) && !secret.is_empty()).then_some((id, secret))
}

/// Kiosk ids: 1 to 40 of lower-case ASCII letters, digits and dashes.
pub fn valid_kiosk_id(id: &str) -> bool {
    (1..=40).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// The hash a server keeps of a secret (secrets are 256-bit random, so a plain hash suffices).
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A fresh 256-bit secret, hex.
pub fn new_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The letters of enrolment codes: no 0/O, 1/I/L, so a code read off paper is typed right.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// A fresh one-time enrolment code: 12 letters (about 59 bits) in groups of four, e.g.
/// `K7QM-2XPA-9RTD`. With the server's limit of 10 attempts a minute per address, guessing one
/// of a handful of live codes would take far longer than their 15-minute life.
pub fn new_enrol_code() -> String {
    use rand::Rng;
    let mut rng = rand::rngs::OsRng;
    let letters: String = (0..12)
        .map(|_| CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())] as char)
        .collect();
    format!("{}-{}-{}", &letters[0..4], &letters[4..8], &letters[8..12])
}

/// A code as typed, normalised: upper case, no dashes or spaces.
pub fn normalize_enrol_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Parse change hashes from hex.
pub fn parse_heads(heads: &[String]) -> Option<Vec<automerge::ChangeHash>> {
    heads.iter().map(|h| h.parse().ok()).collect()
}

/// Change hashes as hex.
pub fn format_heads(heads: &[automerge::ChangeHash]) -> Vec<String> {
    heads.iter().map(|h| h.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_peer_ids() {
        let token = device_token("bibliotek-1", "abc");
        assert_eq!(parse_device_token(&token), Some(("bibliotek-1", "abc")));
        assert_eq!(parse_device_token("Bad.abc"), None);
        assert_eq!(parse_device_token("x."), None);
        assert_eq!(kiosk_id_of_peer(&kiosk_peer_id("k1")), Some("k1"));
        assert_eq!(kiosk_id_of_peer(&PeerId::from("frivillig-server")), None);
        assert_eq!(secret_hash("a").len(), 64);
        let code = new_enrol_code();
        assert_eq!(code.len(), 14);
        assert_eq!(
            normalize_enrol_code(&code.to_lowercase().replace('-', " ")),
            code.replace('-', "")
        );
    }
}
