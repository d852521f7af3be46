//! The server's own tables in redb, beside samod's chunks in the same file.
//!
//! The documents are the truth; these tables are what the server derived from them and
//! committed: enrolled devices, which kiosk owns which journal, the durable copy of each
//! journal (as incremental chunks), the opened signups and the index tables the coordinators'
//! listing reads. An acknowledgement to a kiosk is given only after a commit here.
//!
//! Layout: [`schema`] defines every table and lists them all (opening and backups walk that
//! list); [`rows`] the types the tables hold, read and written through [`json`]'s typed
//! tables; [`devices`], [`journals`] and [`signups`] the operations on each family of
//! tables; [`listing`] the in-memory list of signups derived from `signups`; [`refused`] the
//! records ingest refused, kept aside for admins; [`outbox`] the messages owed to people; [`schedule`] what they were told of their
//! shifts; [`volunteers`] Min side's links, sessions and choices;
//! [`templates`] the message texts admins wrote; `upgrade` what
//! opening does to rows an older server wrote.

pub mod attendance;
pub mod devices;
pub mod follow_up;
pub mod invitations;
pub mod journals;
pub mod json;
pub mod listing;
pub mod nominations;
pub mod outbox;
pub mod photos;
pub mod refused;
pub mod rows;
pub mod schedule;
pub mod schema;
pub mod signups;
pub mod stories;
pub mod templates;
mod upgrade;
pub mod volunteers;

use std::sync::Arc;

use chrono::{SecondsFormat, Utc};
use redb::{Database, Durability, ReadableDatabase, ReadableTable};

use frivillig_common::storage::RedbStorage;

pub use rows::*;
pub use signups::index_entries;

/// The fields signups are indexed by.
pub const INDEX_FIELDS: [&str; 5] = ["status", "opportunity", "shift", "site", "date"];

/// A failure of the server's store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// redb failed.
    #[error("database: {0}")]
    Db(#[from] redb::Error),
    /// A stored row does not decode.
    #[error("a stored row is damaged: {0}")]
    Row(#[from] serde_json::Error),
    /// An ingest named a journal nobody registered.
    #[error("no journal {0} is registered")]
    UnknownJournal(String),
    /// The database is closed or being opened again after an I/O error.
    #[error("{0}")]
    Storage(#[from] frivillig_common::storage::StorageError),
}

frivillig_common::from_redb_errors!(StoreError);

/// The server's tables, and the in-memory signup list derived from them.
#[derive(Clone)]
pub struct Store {
    /// Asked for the database at each operation, so one opened again after an I/O error
    /// serves every later one.
    storage: RedbStorage,
    listing: Arc<std::sync::RwLock<listing::Listing>>,
}

/// Now, as the server writes times: RFC 3339 in UTC with milliseconds.
pub fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Store {
    /// Use the database of `storage`, creating every table of the schema.
    pub fn new(storage: RedbStorage) -> Result<Self, StoreError> {
        let db = storage.database()?;
        let tx = db.begin_write()?;
        for table in schema::ALL_TABLES {
            table.create(&tx)?;
        }
        upgrade::repair_statuses(&tx)?;
        tx.commit()?;
        let mut listing = listing::Listing::default();
        {
            let tx = db.begin_read()?;
            for item in schema::SIGNUPS.read(&tx)?.iter()? {
                listing.upsert(&item?.1);
            }
        }
        drop(db);
        Ok(Store {
            storage,
            listing: Arc::new(std::sync::RwLock::new(listing)),
        })
    }

    /// Change the signup list (after a commit that changed signups).
    pub(crate) fn listing_mut(&self) -> std::sync::RwLockWriteGuard<'_, listing::Listing> {
        self.listing
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Read the signup list. A poisoned lock (a panic while updating it) is recovered: the
    /// list is rebuilt from redb only at start, so serving the last state is the best left.
    pub fn listing(&self) -> std::sync::RwLockReadGuard<'_, listing::Listing> {
        self.listing
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// samod's storage in the same file (for deleting a retired journal's chunks).
    pub fn storage(&self) -> &RedbStorage {
        &self.storage
    }

    /// The database, for one operation (never keep it: see [`RedbStorage::database`]).
    pub fn database(&self) -> Result<Arc<Database>, StoreError> {
        Ok(self.storage.database()?)
    }

    /// A read transaction.
    pub(crate) fn read(&self) -> Result<redb::ReadTransaction, StoreError> {
        Ok(self.database()?.begin_read()?)
    }

    /// A write transaction that is durable when committed.
    pub(crate) fn write(&self) -> Result<redb::WriteTransaction, StoreError> {
        let mut tx = self.database()?.begin_write()?;
        tx.set_durability(Durability::Immediate)?;
        Ok(tx)
    }

    /// A setting.
    pub fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        let tx = self.read()?;
        let t = tx.open_table(schema::META)?;
        Ok(t.get(key)?.map(|v| v.value().to_owned()))
    }

    /// A setting, made with `make` and stored if it is not set yet (one transaction, so two
    /// callers at once get the same value).
    pub fn meta_or_insert(
        &self,
        key: &str,
        make: impl FnOnce() -> String,
    ) -> Result<String, StoreError> {
        if let Some(v) = self.meta(key)? {
            return Ok(v);
        }
        let tx = self.write()?;
        let value = {
            let mut t = tx.open_table(schema::META)?;
            let existing = t.get(key)?.map(|v| v.value().to_owned());
            match existing {
                Some(v) => v,
                None => {
                    let v = make();
                    t.insert(key, v.as_str())?;
                    v
                }
            }
        };
        tx.commit()?;
        Ok(value)
    }

    /// Set a setting.
    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let tx = self.write()?;
        tx.open_table(schema::META)?.insert(key, value)?;
        tx.commit()?;
        Ok(())
    }
}

/// A kiosk's signup record for unit tests: `id` for `opportunity` at `site`, made on
/// `created_at`, with `status` and nothing else.
#[cfg(test)]
pub(crate) fn test_record(
    id: &str,
    status: frivillig_common::domain::Status,
    opportunity: &str,
    site: &str,
    created_at: &str,
) -> frivillig_common::domain::SignupRecord {
    frivillig_common::domain::SignupRecord {
        id: id.into(),
        opportunity_id: opportunity.into(),
        shift_id: None,
        site_id: site.into(),
        source: frivillig_common::domain::Source::Kiosk("k1".into()),
        created_at: created_at.into(),
        consent_version: 1,
        consent_at: created_at.into(),
        receipt_hash: String::new(),
        sealed: String::new(),
        status,
        status_history: vec![],
        check_ins: vec![],
        notes: vec![],
        assignee: None,
    }
}
