//! The second factor of a coordinator's login: a TOTP code from an authenticator app
//! (RFC 6238: SHA-1, six digits, 30-second steps, one step of clock drift either way), or
//! one of ten recovery codes shown once when the app was set up.
//!
//! A code is good once: the last step used is kept, so a code seen over a shoulder or in a
//! log cannot be replayed within its half minute. Recovery codes are kept only as SHA-256
//! hashes and each is removed when used.

use frivillig_common::sync::secret_hash;
use totp_rs::{Algorithm, Secret, TOTP};

pub use crate::store::SecondFactor;

/// How many recovery codes a setup gives.
pub const RECOVERY_CODES: usize = 10;

fn totp(secret_b32: &str, account: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret_b32.to_owned()).to_bytes().ok()?;
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        30,
        bytes,
        Some("Frivillig".to_owned()),
        account.to_owned(),
    )
    .ok()
}

/// A new secret (160 bits, base32) and the `otpauth://` link an app scans for `account`.
pub fn new_secret(account: &str) -> Option<(String, String)> {
    let secret = Secret::generate_secret().to_encoded().to_string();
    let url = totp(&secret, account)?.get_url();
    Some((secret, url))
}

/// The `otpauth://` link for an existing secret (to show its QR again while setting up).
pub fn setup_url(secret_b32: &str, account: &str) -> Option<String> {
    Some(totp(secret_b32, account)?.get_url())
}

/// The TOTP code of `secret_b32` at `unix`, as an app shows it (what a test's "phone"
/// types).
pub fn code_at(secret_b32: &str, unix: u64) -> Option<String> {
    Some(totp(secret_b32, "code")?.generate(unix))
}

/// Whether `code` is the current TOTP code of `secret_b32` at `unix` (one step either
/// way); returns the step it matched.
pub fn matching_step(secret_b32: &str, code: &str, unix: u64) -> Option<u64> {
    let t = totp(secret_b32, "check")?;
    let code = code.trim().replace(' ', "");
    [unix.saturating_sub(30), unix, unix + 30]
        .into_iter()
        .find(|at| t.generate(*at) == code)
        .map(|at| at / 30)
}

/// New recovery codes (shown once) and what is stored of them.
pub fn new_recovery_codes() -> (Vec<String>, Vec<String>) {
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| {
            let raw = frivillig_common::sync::new_secret();
            format!("{}-{}", &raw[..5], &raw[5..10])
        })
        .collect();
    let hashes = codes.iter().map(|c| secret_hash(c)).collect();
    (codes, hashes)
}

/// Check `code` (a TOTP code or a recovery code) at `unix`; on success `f` is updated (the
/// step, or the used recovery code removed) and must be stored.
pub fn accept(f: &mut SecondFactor, code: &str, unix: u64) -> bool {
    if let Some(step) = matching_step(&f.secret, code, unix) {
        if step <= f.last_step {
            return false;
        }
        f.last_step = step;
        return true;
    }
    let hash = secret_hash(code.trim().to_ascii_lowercase().as_str());
    match f.recovery_hashes.iter().position(|h| *h == hash) {
        Some(i) => {
            f.recovery_hashes.remove(i);
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_good_once_and_a_recovery_code_once() {
        let (secret, url) = new_secret("kim").expect("a secret");
        assert!(url.starts_with("otpauth://totp/Frivillig:kim?"), "{url}");
        let unix = 1_796_000_000;
        let code = totp(&secret, "kim").expect("totp").generate(unix);
        let (codes, hashes) = new_recovery_codes();
        let mut f = SecondFactor {
            secret,
            last_step: 0,
            recovery_hashes: hashes,
        };
        assert!(!accept(&mut f, "000000", unix) || code == "000000");
        assert!(accept(&mut f, &code, unix));
        assert!(!accept(&mut f, &code, unix), "the same code again");
        // The next step's code, a little early (clock drift), is still good.
        let next = totp(&f.secret, "kim").expect("totp").generate(unix + 30);
        assert!(accept(&mut f, &next, unix + 10));
        assert!(
            !accept(&mut f, &code, unix + 20),
            "an older step after a newer one"
        );
        assert!(accept(&mut f, &codes[3], unix));
        assert!(!accept(&mut f, &codes[3], unix), "a recovery code twice");
        assert_eq!(f.recovery_hashes.len(), RECOVERY_CODES - 1);
    }
}
