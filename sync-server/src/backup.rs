//! Backups of a running server, and their verification and restore.
//!
//! A backup is a redb file with the same tables as the server's database, copied inside one
//! read transaction (a consistent snapshot: every signup acknowledged before the backup
//! began is in it, while kiosks keep syncing), plus a `backup_manifest` table: when it was
//! taken, the row count of each table, a SHA-256 over every row, and the sealing key (the
//! backup holds personal data either way; without the key the journals' sealed fields
//! could not be opened after a restore). Keep backups as carefully as the server itself.

use std::path::Path;

use chrono::{SecondsFormat, Utc};
use redb::{Database, Durability, ReadTransaction, ReadableDatabase, WriteTransaction};
use sha2::{Digest, Sha256};

use frivillig_common::seal::SealingKeyPair;
use frivillig_common::sign::SigningKeyPair;

use crate::store::schema::{ALL_TABLES, BACKUP_MANIFEST as MANIFEST, InBackup};

/// A problem with a backup.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The database could not be read or written.
    #[error("database: {0}")]
    Db(#[from] redb::Error),
    /// The backup is damaged or not a backup.
    #[error("{0}")]
    Damaged(String),
    /// A file operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The target exists and overwriting was not asked for.
    #[error("{0} exists already; refusing to overwrite it")]
    Exists(std::path::PathBuf),
}

frivillig_common::from_redb_errors!(BackupError);

/// What a backup holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSummary {
    /// RFC 3339 time it was taken.
    pub taken_at: String,
    /// Rows per table, by table name.
    pub rows: Vec<(String, u64)>,
}

impl BackupSummary {
    /// Rows of one table.
    pub fn rows_of(&self, table: &str) -> u64 {
        self.rows
            .iter()
            .find(|(t, _)| t == table)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    }
}

/// Copy (or, without `dst`, only read) every table the schema says backups carry; returns
/// rows per table and the digest.
fn walk(
    src: &ReadTransaction,
    dst: Option<&WriteTransaction>,
) -> Result<(Vec<(String, u64)>, String), BackupError> {
    let mut h = Sha256::new();
    let mut rows = Vec::new();
    for table in ALL_TABLES {
        if table.in_backup() != InBackup::Copied {
            continue;
        }
        // The digest covers each table's name and types, then its rows as length-prefixed
        // key and value bytes; a table the source lacks adds nothing (a backup made before
        // the table existed verifies unchanged).
        let mut header = Some(table.signature());
        let n = table.copy_rows(src, dst, &mut |k, v| {
            if let Some(header) = header.take() {
                h.update(header.as_bytes());
            }
            for bytes in [k, v] {
                h.update((bytes.len() as u64).to_le_bytes());
                h.update(bytes);
            }
        })?;
        if let Some(n) = n {
            if let Some(header) = header.take() {
                h.update(header.as_bytes());
            }
            rows.push((table.name().to_owned(), n));
        }
    }
    Ok((rows, hex::encode(h.finalize())))
}

/// Write a consistent backup of `db` to `out` (which must not exist), with the server's
/// keys and, when it has one, its certificate authority from `data_dir` (kiosks pin it: a
/// restored server without it would be refused by every kiosk).
pub fn create_backup(
    db: &Database,
    keys: &crate::keys::ServerKeys,
    data_dir: &Path,
    out: &Path,
) -> Result<BackupSummary, BackupError> {
    let (ca_key_path, ca_cert_path) = crate::tls::ServerCa::paths(data_dir);
    let ca = match (
        std::fs::read_to_string(&ca_key_path),
        std::fs::read_to_string(&ca_cert_path),
    ) {
        (Ok(key), Ok(cert)) => Some((key, cert)),
        _ => None,
    };
    if out.exists() {
        return Err(BackupError::Exists(out.to_owned()));
    }
    let src = db.begin_read()?;
    let backup = Database::create(out)?;
    let mut dst = backup.begin_write()?;
    dst.set_durability(Durability::Immediate)?;
    let (rows, digest) = walk(&src, Some(&dst))?;
    let taken_at = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
    {
        let mut m = dst.open_table(MANIFEST)?;
        m.insert("format", "frivillig-backup-1")?;
        m.insert("taken_at", taken_at.as_str())?;
        m.insert("digest", digest.as_str())?;
        m.insert("sealing_key", keys.sealing.secret_hex().as_str())?;
        m.insert("signing_key", keys.signing.secret_hex().as_str())?;
        if let Some((key, cert)) = &ca {
            m.insert("ca_key", key.as_str())?;
            m.insert("ca_cert", cert.as_str())?;
        }
        for (table, n) in &rows {
            m.insert(format!("rows.{table}").as_str(), n.to_string().as_str())?;
        }
    }
    dst.commit()?;
    Ok(BackupSummary { taken_at, rows })
}

/// Open a backup, recompute its digest and row counts, and compare with its manifest.
/// Returns what it holds and the server's keys. A truncated or altered file is refused.
pub fn verify_backup(path: &Path) -> Result<(BackupSummary, crate::keys::ServerKeys), BackupError> {
    let db = Database::open(path)
        .map_err(|e| BackupError::Damaged(format!("{}: cannot be opened: {e}", path.display())))?;
    let tx = db.begin_read()?;
    let manifest = tx.open_table(MANIFEST).map_err(|_| {
        BackupError::Damaged(format!(
            "{}: not a Frivillig backup (no manifest)",
            path.display()
        ))
    })?;
    let get = |k: &str| -> Result<String, BackupError> {
        manifest
            .get(k)?
            .map(|v| v.value().to_owned())
            .ok_or_else(|| BackupError::Damaged(format!("{}: manifest lacks {k}", path.display())))
    };
    if get("format")? != "frivillig-backup-1" {
        return Err(BackupError::Damaged(format!(
            "{}: unknown backup format",
            path.display()
        )));
    }
    let (rows, digest) = walk(&tx, None)?;
    if digest != get("digest")? {
        return Err(BackupError::Damaged(format!(
            "{}: contents do not match the manifest",
            path.display()
        )));
    }
    for (table, n) in &rows {
        if get(&format!("rows.{table}"))? != n.to_string() {
            return Err(BackupError::Damaged(format!(
                "{}: row count of {table} differs",
                path.display()
            )));
        }
    }
    let damaged_key =
        |what: &str| BackupError::Damaged(format!("{}: the {what} key is damaged", path.display()));
    let sealing = SealingKeyPair::from_secret_hex(&get("sealing_key")?)
        .map_err(|_| damaged_key("sealing"))?;
    // Backups from before signing keys have none: the restored server makes a new one, and
    // kiosks are re-enrolled (they would refuse a catalog signed by a key they do not know).
    let signing = match manifest.get("signing_key")? {
        Some(v) => {
            SigningKeyPair::from_secret_hex(v.value()).map_err(|_| damaged_key("signing"))?
        }
        None => SigningKeyPair::generate(),
    };
    Ok((
        BackupSummary {
            taken_at: get("taken_at")?,
            rows,
        },
        crate::keys::ServerKeys { sealing, signing },
    ))
}

/// The certificate authority a backup holds (key and certificate, PEM), if it holds one.
fn backup_ca(path: &Path) -> Result<Option<(String, String)>, BackupError> {
    let db = Database::open(path)
        .map_err(|e| BackupError::Damaged(format!("{}: cannot be opened: {e}", path.display())))?;
    let tx = db.begin_read()?;
    let manifest = tx.open_table(MANIFEST)?;
    let key = manifest.get("ca_key")?.map(|v| v.value().to_owned());
    let cert = manifest.get("ca_cert")?.map(|v| v.value().to_owned());
    Ok(key.zip(cert))
}

/// Restore a verified backup into `data_dir` (the server must be stopped). Refuses to
/// replace an existing database or key unless `overwrite`.
pub fn restore_backup(
    backup: &Path,
    data_dir: &Path,
    overwrite: bool,
) -> Result<BackupSummary, BackupError> {
    let (summary, keys) = verify_backup(backup)?;
    let ca = backup_ca(backup)?;
    let db_path = data_dir.join("server.redb");
    let (ca_key_path, ca_cert_path) = crate::tls::ServerCa::paths(data_dir);
    for p in [
        &db_path,
        &crate::keys::sealing_key_path(data_dir),
        &crate::keys::signing_key_path(data_dir),
        &ca_key_path,
        &ca_cert_path,
    ] {
        if p.exists() && !overwrite {
            return Err(BackupError::Exists(p.clone()));
        }
    }
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| BackupError::Io { path, source }
    };
    std::fs::create_dir_all(data_dir).map_err(io(data_dir))?;
    // Copy to a temporary name, then rename: a crash leaves no half-written database.
    let tmp = data_dir.join("server.redb.restoring");
    std::fs::copy(backup, &tmp).map_err(io(&tmp))?;
    std::fs::File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(io(&tmp))?;
    crate::keys::write_keys(data_dir, &keys, overwrite)
        .map_err(|e| BackupError::Damaged(e.to_string()))?;
    if let Some((key, cert)) = ca {
        for (path, text) in [(&ca_key_path, key), (&ca_cert_path, cert)] {
            if overwrite {
                let _ = std::fs::remove_file(path);
            }
            crate::keys::write_private(path, &text)
                .map_err(|e| BackupError::Damaged(e.to_string()))?;
        }
    }
    std::fs::rename(&tmp, &db_path).map_err(io(&db_path))?;
    Ok(summary)
}
