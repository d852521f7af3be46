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

/// Whether the kiosk should ask for a certificate at `now`: it has none, or it ends soon.
pub fn needs_certificate(
    store: &KioskStore,
    data_dir: &Path,
    now: DateTime<FixedOffset>,
) -> Result<bool, IdentityError> {
    let (_, cert) = paths(data_dir);
    if !cert.exists() {
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

/// Keep the certificate the server signed.
pub fn save_certificate(
    store: &KioskStore,
    data_dir: &Path,
    certificate_pem: &str,
    expires_at: &str,
) -> Result<(), IdentityError> {
    let (_, cert) = paths(data_dir);
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
