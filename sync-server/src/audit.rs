//! The audit log: every change a coordinator or admin makes, with who and when.
//!
//! Kept in redb (and in backups), append-only: entries are numbered in order and nothing
//! in the server edits or deletes them.

use chrono::{SecondsFormat, Utc};
use redb::{ReadableDatabase, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};

use crate::store::{Store, StoreError};

/// Audit entries: sequence number -> [`AuditEntry`] (JSON).
pub(crate) const AUDIT: TableDefinition<u64, &[u8]> = TableDefinition::new("audit");

/// One change by a person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// RFC 3339.
    pub at: String,
    /// User name (or `api` for the admin token).
    pub by: String,
    /// What was done, e.g. `status`, `note`, `assign`, `catalog`, `revoke`.
    pub action: String,
    /// What it was done to, e.g. a signup id.
    pub target: String,
    /// The new value, in words.
    pub detail: String,
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
        let entry = AuditEntry {
            at: Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
            by: by.to_owned(),
            action: action.to_owned(),
            target: target.to_owned(),
            detail: detail.to_owned(),
        };
        let tx = self.write()?;
        {
            let mut t = tx.open_table(AUDIT)?;
            let next = t.last()?.map_or(0, |(k, _)| k.value() + 1);
            t.insert(next, serde_json::to_vec(&entry)?.as_slice())?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The newest `limit` entries, newest first, skipping `skip`; and how many there are.
    pub fn audit_entries(
        &self,
        skip: usize,
        limit: usize,
    ) -> Result<(Vec<AuditEntry>, u64), StoreError> {
        let tx = self.database()?.begin_read()?;
        let t = tx.open_table(AUDIT)?;
        let total = redb::ReadableTableMetadata::len(&t)?;
        let mut out = Vec::new();
        for item in t.iter()?.rev().skip(skip).take(limit) {
            let (_, v) = item?;
            out.push(serde_json::from_slice(v.value())?);
        }
        Ok((out, total))
    }
}
