//! The server's secrets in its data folder: the sealing key pair that opens personal data.
//!
//! Created on first start (or by `frivillig-provision init`), readable by the owner only,
//! and never overwritten: losing this key means losing every signup still sealed to it.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use frivillig_common::seal::SealingKeyPair;

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
    #[error("{0}: not a sealing key (expected 64 hexadecimal characters)")]
    Damaged(PathBuf),
    /// A key exists and overwriting was not asked for.
    #[error("{0} exists already; refusing to overwrite it (it opens every sealed signup)")]
    Exists(PathBuf),
}

/// Where the sealing key lives.
pub fn sealing_key_path(data_dir: &Path) -> PathBuf {
    data_dir.join("keys").join("sealing.key")
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> KeyError + '_ {
    move |source| KeyError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Load the sealing key, creating folder and key on first use.
pub fn load_or_create(data_dir: &Path) -> Result<SealingKeyPair, KeyError> {
    let path = sealing_key_path(data_dir);
    match fs::read_to_string(&path) {
        Ok(text) => SealingKeyPair::from_secret_hex(&text).map_err(|_| KeyError::Damaged(path)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(data_dir, false),
        Err(e) => Err(KeyError::Io { path, source: e }),
    }
}

/// Create a new sealing key; refuses to replace one unless `overwrite`.
pub fn create(data_dir: &Path, overwrite: bool) -> Result<SealingKeyPair, KeyError> {
    let path = sealing_key_path(data_dir);
    let dir = path.parent().unwrap_or(data_dir);
    fs::create_dir_all(dir).map_err(io(dir))?;
    if path.exists() && !overwrite {
        return Err(KeyError::Exists(path));
    }
    let keys = SealingKeyPair::generate();
    write_key(data_dir, &keys.secret_hex(), overwrite)?;
    Ok(keys)
}

/// Write a sealing key (hex) to the data folder, readable by the owner only.
pub fn write_key(data_dir: &Path, secret_hex: &str, overwrite: bool) -> Result<(), KeyError> {
    let path = sealing_key_path(data_dir);
    let dir = path.parent().unwrap_or(data_dir);
    fs::create_dir_all(dir).map_err(io(dir))?;
    if path.exists() && !overwrite {
        return Err(KeyError::Exists(path));
    }
    SealingKeyPair::from_secret_hex(secret_hex).map_err(|_| KeyError::Damaged(path.clone()))?;
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&path).map_err(io(&path))?;
    file.write_all(secret_hex.as_bytes()).map_err(io(&path))?;
    file.sync_all().map_err(io(&path))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_created_once_and_then_reused() {
        let dir = tempfile::tempdir().expect("tmp");
        let a = load_or_create(dir.path()).expect("create");
        let b = load_or_create(dir.path()).expect("load");
        assert_eq!(a.public(), b.public());
        assert!(matches!(
            create(dir.path(), false),
            Err(KeyError::Exists(_))
        ));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(sealing_key_path(dir.path()))
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0);
        }
        fs::write(sealing_key_path(dir.path()), "nonsense").expect("write");
        assert!(matches!(
            load_or_create(dir.path()),
            Err(KeyError::Damaged(_))
        ));
    }
}
