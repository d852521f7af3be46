//! The server's secrets in its data folder: the sealing key pair that opens personal data
//! and the signing key pair that signs the catalog for kiosks.
//!
//! Created on first start (or by `frivillig-provision init`), readable by the owner only,
//! and never overwritten: losing the sealing key means losing every signup still sealed to
//! it, and a new signing key makes every enrolled kiosk refuse the catalog until re-enrolled.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use frivillig_common::seal::SealingKeyPair;
use frivillig_common::sign::SigningKeyPair;

/// A problem with the key files.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// A file or folder could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The key file holds something that is not a key.
    #[error("{0}: not a key (expected 64 hexadecimal characters)")]
    Damaged(PathBuf),
    /// A key exists and overwriting was not asked for.
    #[error(
        "{0} exists already; refusing to overwrite it (kiosks and sealed signups depend on it)"
    )]
    Exists(PathBuf),
}

/// Both key pairs of a server.
pub struct ServerKeys {
    /// Opens the personal data kiosks seal to it.
    pub sealing: SealingKeyPair,
    /// Signs the catalog.
    pub signing: SigningKeyPair,
}

/// Where the sealing key lives.
pub fn sealing_key_path(data_dir: &Path) -> PathBuf {
    data_dir.join("keys").join("sealing.key")
}

/// Where the signing key lives.
pub fn signing_key_path(data_dir: &Path) -> PathBuf {
    data_dir.join("keys").join("signing.key")
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> KeyError + '_ {
    move |source| KeyError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Load both keys, creating the folder and whichever key is missing on first use.
pub fn load_or_create(data_dir: &Path) -> Result<ServerKeys, KeyError> {
    let sealing = load_or(
        &sealing_key_path(data_dir),
        || {
            let k = SealingKeyPair::generate();
            let hex = k.secret_hex();
            (k, hex)
        },
        |h| SealingKeyPair::from_secret_hex(h).ok(),
    )?;
    let signing = load_or(
        &signing_key_path(data_dir),
        || {
            let k = SigningKeyPair::generate();
            let hex = k.secret_hex();
            (k, hex)
        },
        |h| SigningKeyPair::from_secret_hex(h).ok(),
    )?;
    Ok(ServerKeys { sealing, signing })
}

/// Read the key at `path`, or make one with `generate` (which also gives its hex to store).
fn load_or<K>(
    path: &Path,
    generate: fn() -> (K, String),
    parse: fn(&str) -> Option<K>,
) -> Result<K, KeyError> {
    match fs::read_to_string(path) {
        Ok(text) => parse(&text).ok_or_else(|| KeyError::Damaged(path.to_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let (key, hex) = generate();
            write_file(path, &hex, false)?;
            Ok(key)
        }
        Err(e) => Err(KeyError::Io {
            path: path.to_owned(),
            source: e,
        }),
    }
}

/// Create both keys; refuses to replace either unless `overwrite` (checked before anything
/// is written, so a refusal changes nothing).
pub fn create(data_dir: &Path, overwrite: bool) -> Result<ServerKeys, KeyError> {
    if !overwrite {
        for path in [sealing_key_path(data_dir), signing_key_path(data_dir)] {
            if path.exists() {
                return Err(KeyError::Exists(path));
            }
        }
    }
    let keys = ServerKeys {
        sealing: SealingKeyPair::generate(),
        signing: SigningKeyPair::generate(),
    };
    write_keys(data_dir, &keys, overwrite)?;
    Ok(keys)
}

/// Write both keys to the data folder, readable by the owner only.
pub fn write_keys(data_dir: &Path, keys: &ServerKeys, overwrite: bool) -> Result<(), KeyError> {
    write_file(
        &sealing_key_path(data_dir),
        &keys.sealing.secret_hex(),
        overwrite,
    )?;
    write_file(
        &signing_key_path(data_dir),
        &keys.signing.secret_hex(),
        overwrite,
    )
}

/// Write a new secret file (owner-only, synced); refuses to replace one.
pub fn write_private(path: &Path, text: &str) -> Result<(), KeyError> {
    write_file(path, text, false)
}

fn write_file(path: &Path, secret_hex: &str, overwrite: bool) -> Result<(), KeyError> {
    let dir = path.parent().unwrap_or(path);
    fs::create_dir_all(dir).map_err(io(dir))?;
    if path.exists() && !overwrite {
        return Err(KeyError::Exists(path.to_owned()));
    }
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io(path))?;
    file.write_all(secret_hex.as_bytes()).map_err(io(path))?;
    file.sync_all().map_err(io(path))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_created_once_and_then_reused() {
        let dir = tempfile::tempdir().expect("tmp");
        let a = load_or_create(dir.path()).expect("create");
        let b = load_or_create(dir.path()).expect("load");
        assert_eq!(a.sealing.public(), b.sealing.public());
        assert_eq!(a.signing.public_hex(), b.signing.public_hex());
        assert!(matches!(
            create(dir.path(), false),
            Err(KeyError::Exists(_))
        ));
        #[cfg(unix)]
        for path in [sealing_key_path(dir.path()), signing_key_path(dir.path())] {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o077, 0);
        }
        fs::write(signing_key_path(dir.path()), "nonsense").expect("write");
        assert!(matches!(
            load_or_create(dir.path()),
            Err(KeyError::Damaged(_))
        ));
        // A server from before signing keys gets one on its next start; its sealing key stays.
        fs::remove_file(signing_key_path(dir.path())).expect("rm");
        let c = load_or_create(dir.path()).expect("upgrade");
        assert_eq!(c.sealing.public(), a.sealing.public());
    }
}
