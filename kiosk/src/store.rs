//! The kiosk's redb file: the journals' chunks (written durably by the kiosk itself, one per
//! change, keyed as samod keys them) and the kiosk's own small tables: which journals it
//! created and how far the server has durably acknowledged each, plus a few settings.
//!
//! samod reads the journals through [`KioskSamodStorage`], which serves these durable chunks
//! and keeps samod's own writes in memory. samod rewrites a whole document about every tenth
//! change; on a kiosk those rewrites would only compete with the visitor's commit for the
//! disk, and everything they hold is either already durable here (the kiosk's own changes)
//! or fetched again from the server after a restart (its status changes, the catalog).
//!
//! Nothing personal is stored in the clear: signups are in journals, sealed.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex};

use frivillig_common::storage::{RedbStorage, StorageError};
use redb::{Durability, ReadableDatabase, ReadableTable, TableDefinition};
use samod::storage::StorageKey;
use serde::{Deserialize, Serialize};

/// Journals this kiosk created: document id -> [`JournalMeta`] (JSON).
const JOURNALS: TableDefinition<&str, &[u8]> = TableDefinition::new("kiosk_journals");
/// Settings: name -> value.
const META: TableDefinition<&str, &str> = TableDefinition::new("kiosk_meta");

/// Photos the catalog names, by id (their SHA-256): the largest size, JPEG.
const PHOTOS: TableDefinition<&str, &[u8]> = TableDefinition::new("kiosk_photos");

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
        Self::on(RedbStorage::open(&dir.join("kiosk.redb"))?)
    }

    /// Use `storage` (a file, or a simulated disk in tests), creating the kiosk's tables.
    pub fn on(storage: RedbStorage) -> Result<KioskStore, StorageError> {
        let tx = storage.database()?.begin_write()?;
        tx.open_table(JOURNALS)?;
        tx.open_table(META)?;
        tx.commit()?;
        Ok(KioskStore { storage })
    }

    /// The durable chunks of the journals.
    pub fn chunks(&self) -> &RedbStorage {
        &self.storage
    }

    /// What samod stores through: durable chunks to read, memory for samod's own writes.
    pub fn samod_view(&self) -> KioskSamodStorage {
        KioskSamodStorage {
            durable: self.storage.clone(),
            memory: Arc::default(),
        }
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

    /// Keep a photo. Not synced to disk by itself (it reaches the disk with the next durable
    /// commit): a photo lost in a power cut is fetched again, and no signup waits on it.
    pub fn put_photo(&self, id: &str, bytes: &[u8]) -> Result<(), StorageError> {
        let mut tx = self.db()?.begin_write()?;
        tx.set_durability(Durability::None)?;
        tx.open_table(PHOTOS)?.insert(id, bytes)?;
        tx.commit()?;
        Ok(())
    }

    /// Delete every kept photo whose id `keep` does not hold: a photo the catalog stopped
    /// naming (a story unpublished because someone withdrew their consent) leaves the kiosk.
    /// How many went.
    pub fn drop_photos_except(
        &self,
        keep: &std::collections::HashSet<&str>,
    ) -> Result<usize, StorageError> {
        let mut tx = self.db()?.begin_write()?;
        tx.set_durability(Durability::Immediate)?;
        let mut gone = 0;
        {
            let mut t = tx.open_table(PHOTOS)?;
            let mut old = Vec::new();
            for item in t.iter()? {
                let (k, _) = item?;
                if !keep.contains(k.value()) {
                    old.push(k.value().to_owned());
                }
            }
            for id in &old {
                t.remove(id.as_str())?;
                gone += 1;
            }
        }
        tx.commit()?;
        Ok(gone)
    }

    /// A photo, if kept.
    pub fn photo(&self, id: &str) -> Result<Option<Vec<u8>>, StorageError> {
        let tx = self.db()?.begin_read()?;
        let t = match tx.open_table(PHOTOS) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        Ok(t.get(id)?.map(|v| v.value().to_vec()))
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

/// samod's storage on a kiosk (see the module docs): loads see the kiosk's durable chunks and
/// samod's own writes; samod's writes and deletes stay in memory.
#[derive(Clone)]
pub struct KioskSamodStorage {
    durable: RedbStorage,
    memory: Arc<Mutex<BTreeMap<String, Vec<u8>>>>,
}

impl KioskSamodStorage {
    fn memory(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Vec<u8>>> {
        self.memory.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl samod::storage::Storage for KioskSamodStorage {
    async fn load(&self, key: StorageKey) -> Option<Vec<u8>> {
        let k = key.to_string();
        if let Some(v) = self.memory().get(&k) {
            return Some(v.clone());
        }
        let durable = self.durable.clone();
        match tokio::task::spawn_blocking(move || {
            durable.patiently("load", || durable.get_chunk(&k))
        })
        .await
        {
            Ok(Ok(v)) => v,
            // The kiosk is shutting down and samod's tasks are winding up: nothing will act
            // on this answer any more.
            Ok(Err(StorageError::Closed)) => None,
            // As in `RedbStorage`: a failed read must not look like "absent".
            Ok(Err(e)) => panic!("kiosk storage load of {key} failed: {e}"),
            Err(e) => panic!("kiosk storage load task failed: {e}"),
        }
    }

    async fn load_range(&self, prefix: StorageKey) -> HashMap<StorageKey, Vec<u8>> {
        let p = prefix.to_string();
        let durable = self.durable.clone();
        let stored = match tokio::task::spawn_blocking(move || {
            durable.patiently("load_range", || durable.chunks_with_prefix(&p))
        })
        .await
        {
            Ok(Ok(items)) => items,
            Ok(Err(StorageError::Closed)) => return HashMap::new(),
            Ok(Err(e)) => panic!("kiosk storage load_range of {prefix} failed: {e}"),
            Err(e) => panic!("kiosk storage load_range task failed: {e}"),
        };
        let p = prefix.to_string();
        let in_memory: Vec<(String, Vec<u8>)> = self
            .memory()
            .range(p.clone()..)
            .take_while(|(k, _)| k.starts_with(&p))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        stored
            .into_iter()
            .chain(in_memory)
            .filter_map(|(k, v)| {
                let key = StorageKey::from_parts(k.split('/')).ok()?;
                prefix.is_prefix_of(&key).then_some((key, v))
            })
            .collect()
    }

    async fn put(&self, key: StorageKey, data: Vec<u8>) {
        self.memory().insert(key.to_string(), data);
    }

    async fn delete(&self, key: StorageKey) {
        self.memory().remove(&key.to_string());
    }
}
