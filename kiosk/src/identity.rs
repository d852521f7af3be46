//! The kiosk's own identity: a key pair made here and never sent anywhere, and a
//! certificate for it that the server's certificate authority signs (asked for at the first
//! contact and again when a third of its life is left). Festival mode's kiosk-to-kiosk TLS
//! rests on it: a kiosk talks only to kiosks whose certificates the same CA signed.
//!
//! The key lives in `device-key.pem` in the kiosk's data folder, readable by its owner only;
//! the certificate in `device-cert.pem`, and its end in the store's `certificate_expires_at`.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, FixedOffset};

use crate::store::KioskStore;

/// Renew when this much of a certificate's life is left.
const RENEW_BEFORE_DAYS: i64 = 30;

/// A problem with the kiosk's key or certificate files.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// A file could not be read or written.
    #[error("{0}: {1}")]
    File(PathBuf, std::io::Error),
    /// The key could not be made or read, or the request not signed.
    #[error("the kiosk's key: {0}")]
    Key(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] frivillig_common::storage::StorageError),
}

/// Where the key and certificate live.
pub fn paths(data_dir: &Path) -> (PathBuf, PathBuf) {
    (
        data_dir.join("device-key.pem"),
        data_dir.join("device-cert.pem"),
    )
}

/// Where the server's CA certificate lives: what a peer's certificate must be signed by.
pub fn ca_path(data_dir: &Path) -> PathBuf {
    data_dir.join("server-ca.pem")
}

/// Whether the kiosk should ask for a certificate at `now`: it has none, or it ends soon.
pub fn needs_certificate(
    store: &KioskStore,
    data_dir: &Path,
    now: DateTime<FixedOffset>,
) -> Result<bool, IdentityError> {
    let (_, cert) = paths(data_dir);
    // A certificate kept from before the server sent its CA's with it is asked for again
    // once, to get the CA that peers' certificates are checked against.
    if !cert.exists() || !ca_path(data_dir).exists() {
        return Ok(true);
    }
    let ends = store
        .meta("certificate_expires_at")?
        .and_then(|t| DateTime::parse_from_rfc3339(&t).ok());
    Ok(ends.is_none_or(|t| t - now < Duration::days(RENEW_BEFORE_DAYS)))
}

/// A signing request for the kiosk's key (made now if there is none yet).
pub fn certificate_request(data_dir: &Path, kiosk_id: &str) -> Result<String, IdentityError> {
    let (key_path, _) = paths(data_dir);
    let key = match std::fs::read_to_string(&key_path) {
        Ok(pem) => rcgen::KeyPair::from_pem(&pem).map_err(|e| IdentityError::Key(e.to_string()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = rcgen::KeyPair::generate().map_err(|e| IdentityError::Key(e.to_string()))?;
            write_owner_only(&key_path, &key.serialize_pem())?;
            key
        }
        Err(e) => return Err(IdentityError::File(key_path, e)),
    };
    let params = rcgen::CertificateParams::new(vec![kiosk_id.to_owned()])
        .map_err(|e| IdentityError::Key(e.to_string()))?;
    let csr = params
        .serialize_request(&key)
        .and_then(|r| r.pem())
        .map_err(|e| IdentityError::Key(e.to_string()))?;
    Ok(csr)
}

/// The kiosk's device key as a signer of its journals' heads, or `None` before the first
/// certificate request made it.
pub fn device_signer(
    data_dir: &Path,
) -> Result<Option<frivillig_common::sign::DeviceSigner>, IdentityError> {
    let (key_path, _) = paths(data_dir);
    let pem = match std::fs::read_to_string(&key_path) {
        Ok(pem) => pem,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(IdentityError::File(key_path, e)),
    };
    let key = rcgen::KeyPair::from_pem(&pem).map_err(|e| IdentityError::Key(e.to_string()))?;
    frivillig_common::sign::DeviceSigner::from_pkcs8(&key.serialize_der())
        .map(Some)
        .map_err(|e| IdentityError::Key(e.to_string()))
}

/// Keep the certificate the server signed, and the CA's certificate if the server sent it.
/// Where the kiosk pins the CA (`pin`, over https), a CA certificate with another
/// fingerprint is refused: the kiosk would otherwise trust peers another CA signed.
pub fn save_certificate(
    store: &KioskStore,
    data_dir: &Path,
    certificate_pem: &str,
    expires_at: &str,
    ca_pem: &str,
    pin: Option<&str>,
) -> Result<(), IdentityError> {
    let (_, cert) = paths(data_dir);
    if !ca_pem.is_empty() {
        use rustls::pki_types::{CertificateDer, pem::PemObject as _};
        let der = CertificateDer::from_pem_slice(ca_pem.as_bytes())
            .map_err(|e| IdentityError::Key(format!("the server's CA certificate: {e}")))?;
        let found = frivillig_common::tls::fingerprint(&der);
        if let Some(pin) = pin
            && !pin.trim().eq_ignore_ascii_case(&found)
        {
            return Err(IdentityError::Key(format!(
                "the server sent a CA certificate ({found}) other than the one this kiosk was enrolled with"
            )));
        }
        write_owner_only(&ca_path(data_dir), ca_pem)?;
    }
    write_owner_only(&cert, certificate_pem)?;
    store.set_meta("certificate_expires_at", expires_at)?;
    Ok(())
}

fn write_owner_only(path: &Path, text: &str) -> Result<(), IdentityError> {
    use std::io::Write as _;
    let err = |e| IdentityError::File(path.to_owned(), e);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let tmp = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp).map_err(err)?;
    file.write_all(text.as_bytes()).map_err(err)?;
    file.sync_all().map_err(err)?;
    // Whole or not at all: a power cut leaves the old file, never half a new one.
    std::fs::rename(&tmp, path).map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).expect("a time")
    }

    /// A kiosk asks for a certificate when it has none, keeps one with more than thirty
    /// days left, and asks again once fewer are left or the end cannot be read.
    #[test]
    fn a_certificate_is_renewed_when_a_third_of_its_life_is_left() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = KioskStore::open(&dir.path().join("store")).expect("store");
        let now = at("2026-12-02T12:00:00+01:00");
        assert!(needs_certificate(&store, dir.path(), now).expect("check"));
        // The request makes the key once, owner-only, and names the kiosk.
        let csr = certificate_request(dir.path(), "telt-1").expect("request");
        assert!(csr.contains("CERTIFICATE REQUEST"), "{csr}");
        let (key, _) = paths(dir.path());
        let first_key = std::fs::read_to_string(&key).expect("key written");
        certificate_request(dir.path(), "telt-1").expect("again");
        assert_eq!(
            std::fs::read_to_string(&key).expect("key"),
            first_key,
            "the key is kept"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&key).expect("meta").permissions().mode();
            assert_eq!(mode & 0o077, 0, "the key is readable by others: {mode:o}");
        }
        // The CA's certificate comes with it; one that is not the pinned CA is refused.
        let ca = rcgen::generate_simple_self_signed(vec!["ca".into()]).expect("a CA");
        let ca_pem = ca.cert.pem();
        let wrong_pin = "00".repeat(32);
        let end = "2027-03-02T12:00:00+01:00";
        let refused = save_certificate(&store, dir.path(), "PEM", end, &ca_pem, Some(&wrong_pin));
        assert!(refused.is_err(), "a CA other than the pinned one was kept");
        assert!(!ca_path(dir.path()).exists());
        let pin = frivillig_common::tls::fingerprint(ca.cert.der());
        save_certificate(&store, dir.path(), "PEM", end, &ca_pem, Some(&pin)).expect("save");
        assert_eq!(
            std::fs::read_to_string(ca_path(dir.path())).expect("CA kept"),
            ca_pem
        );
        assert!(
            !needs_certificate(&store, dir.path(), now).expect("check"),
            "90 days left"
        );
        let late = at("2027-01-31T12:00:00+01:00");
        assert!(
            !needs_certificate(&store, dir.path(), late).expect("check"),
            "exactly 30 days left"
        );
        let later = at("2027-02-01T12:00:01+01:00");
        assert!(
            needs_certificate(&store, dir.path(), later).expect("check"),
            "under 30 days"
        );
        store
            .set_meta("certificate_expires_at", "not a time")
            .expect("meta");
        assert!(
            needs_certificate(&store, dir.path(), now).expect("check"),
            "unreadable end"
        );
    }
}
