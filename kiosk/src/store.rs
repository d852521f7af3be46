//! The kiosk's redb file: samod's chunks (which hold the journals and the catalog) and the
//! kiosk's own small tables: which journals it created and how far the server has durably
//! acknowledged each, plus a few settings.
//!
//! Nothing personal is stored in the clear: signups are in journals, sealed.

use std::path::Path;
use std::sync::Arc;

use frivillig_common::storage::{RedbStorage, StorageError};
use redb::{Durability, ReadableDatabase, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};

/// Journals this kiosk created: document id -> [`JournalMeta`] (JSON).
const JOURNALS: TableDefinition<&str, &[u8]> = TableDefinition::new("kiosk_journals");
/// Settings: name -> value.
const META: TableDefinition<&str, &str> = TableDefinition::new("kiosk_meta");

/// What the kiosk remembers about one of its journals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalMeta {
    /// Day it covers.
    pub day: String,
    /// Order of creation (for rollover within a day).
    pub seq: u64,
    /// No more signups go into it.
    pub closed: bool,
    /// The server knows this kiosk owns it.
    pub registered: bool,
    /// Heads the server durably acknowledged.
    pub acked_heads: Vec<String>,
    /// Signups it held when those heads were acknowledged.
    pub acked_signups: u64,
}

/// The kiosk's store.
#[derive(Clone)]
pub struct KioskStore {
    storage: RedbStorage,
}

impl KioskStore {
    /// Open or create `kiosk.redb` in `dir`.
    pub fn open(dir: &Path) -> Result<KioskStore, StorageError> {
        std::fs::create_dir_all(dir).map_err(|e| StorageError::Db(redb::Error::Io(e)))?;
        let storage = RedbStorage::open(&dir.join("kiosk.redb"))?;
        let tx = storage.database()?.begin_write()?;
        tx.open_table(JOURNALS)?;
        tx.open_table(META)?;
        tx.commit()?;
        Ok(KioskStore { storage })
    }

    /// samod's storage in the same file.
    pub fn samod_storage(&self) -> &RedbStorage {
        &self.storage
    }

    fn db(&self) -> Result<Arc<redb::Database>, StorageError> {
        self.storage.database()
    }

    /// Release the file, waiting briefly for operations in flight.
    pub async fn close(&self) -> bool {
        self.storage.close(std::time::Duration::from_secs(5)).await
    }

    /// Every journal, by document id.
    pub fn journals(&self) -> Result<Vec<(String, JournalMeta)>, StorageError> {
        let tx = self.db()?.begin_read()?;
        let t = tx.open_table(JOURNALS)?;
        let mut out = Vec::new();
        for item in t.iter()? {
            let (k, v) = item?;
            let meta = serde_json::from_slice(v.value())
                .map_err(|e| StorageError::Corrupt(format!("journal row {}: {e}", k.value())))?;
            out.push((k.value().to_owned(), meta));
        }
        Ok(out)
    }

    /// Write a journal's row durably.
    pub fn put_journal(&self, doc_id: &str, meta: &JournalMeta) -> Result<(), StorageError> {
        let mut tx = self.db()?.begin_write()?;
        tx.set_durability(Durability::Immediate)?;
        let bytes = serde_json::to_vec(meta).map_err(|e| StorageError::Corrupt(e.to_string()))?;
        tx.open_table(JOURNALS)?.insert(doc_id, bytes.as_slice())?;
        tx.commit()?;
        Ok(())
    }

    /// Forget a journal: first its row, then all its chunks. A crash in between leaves
    /// orphan chunks, which start-up purges; the other order could leave a row whose
    /// document a later find would fetch back from the server.
    pub fn delete_journal(&self, doc_id: &str) -> Result<(), StorageError> {
        let mut tx = self.db()?.begin_write()?;
        tx.set_durability(Durability::Immediate)?;
        tx.open_table(JOURNALS)?.remove(doc_id)?;
        tx.commit()?;
        self.storage.delete_document(doc_id)?;
        Ok(())
    }

    /// A setting.
    pub fn meta(&self, key: &str) -> Result<Option<String>, StorageError> {
        let tx = self.db()?.begin_read()?;
        let t = tx.open_table(META)?;
        Ok(t.get(key)?.map(|v| v.value().to_owned()))
    }

    /// Set a setting durably.
    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), StorageError> {
        let mut tx = self.db()?.begin_write()?;
        tx.set_durability(Durability::Immediate)?;
        tx.open_table(META)?.insert(key, value)?;
        tx.commit()?;
        Ok(())
    }
}
