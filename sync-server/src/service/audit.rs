//! The audit log: every change a coordinator or admin makes, with who and when.
//!
//! Kept in redb (and in backups), append-only: entries are numbered in order and nothing
//! in the server edits or deletes them.

use crate::store::schema::AUDIT;
use crate::store::{Store, StoreError};
use chrono::{SecondsFormat, Utc};

pub use crate::store::AuditEntry;

/// Append to the audit log in `tx`, the transaction of the change it records.
pub(crate) fn append_audit(
    tx: &redb::WriteTransaction,
    by: &str,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<(), StoreError> {
    let entry = AuditEntry {
        at: Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
        by: by.to_owned(),
        action: action.to_owned(),
        target: target.to_owned(),
        detail: detail.to_owned(),
    };
    let mut t = AUDIT.open(tx)?;
    let next = t.last_key()?.map_or(0, |k| k.value() + 1);
    t.insert(next, &entry)?;
    Ok(())
}

impl Store {
    /// Append to the audit log.
    pub fn audit(
        &self,
        by: &str,
        action: &str,
        target: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        let tx = self.write()?;
        append_audit(&tx, by, action, target, detail)?;
        tx.commit()?;
        Ok(())
    }

    /// The newest `limit` entries, newest first, skipping `skip`; and how many there are.
    pub fn audit_entries(
        &self,
        skip: usize,
        limit: usize,
    ) -> Result<(Vec<AuditEntry>, u64), StoreError> {
        let tx = self.read()?;
        let t = AUDIT.read(&tx)?;
        let total = t.len()?;
        let mut out = Vec::new();
        for item in t.iter()?.rev().skip(skip).take(limit) {
            out.push(item?.1);
        }
        Ok((out, total))
    }
}
