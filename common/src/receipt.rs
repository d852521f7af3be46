//! Receipt tokens: what the visitor's QR code carries so the portal can show them their
//! signup. The journal keeps only the token's SHA-256, so a copy of a journal does not let
//! anyone open a receipt page.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// A fresh random receipt token (128 bits, hex).
pub fn new_receipt_token() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A random signup id (128 bits, hex).
pub fn new_signup_id() -> String {
    new_receipt_token()
}

/// The hash stored in the journal for a token.
pub fn receipt_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The link in the QR code: the portal's receipt page for this signup.
pub fn receipt_url(public_url: &str, signup_id: &str, token: &str) -> String {
    format!(
        "{}/kvittering/{signup_id}/{token}",
        public_url.trim_end_matches('/')
    )
}

/// Parse a receipt link back into (signup id, token); `None` for anything else.
pub fn parse_receipt_url(url: &str) -> Option<(String, String)> {
    let (_, rest) = url.split_once("/kvittering/")?;
    let (id, token) = rest.split_once('/')?;
    let valid = |s: &str| s.len() == 32 && s.chars().all(|c| c.is_ascii_hexdigit());
    (valid(id) && valid(token)).then(|| (id.to_owned(), token.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipt_links_round_trip_and_reject_junk() {
        let id = new_signup_id();
        let token = new_receipt_token();
        let url = receipt_url("https://frivillig.example.dk/", &id, &token);
        assert_eq!(parse_receipt_url(&url), Some((id, token.clone())));
        assert_eq!(parse_receipt_url("https://x/kvittering/abc/def"), None);
        assert_ne!(receipt_hash(&token), token);
    }
}
