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
//! In festival mode the kiosk also holds its peers' journals (sealed to the server, so it
//! cannot open them) to carry them to the server and to count their signups in the spots
//! left; samod writes those durably here, since nobody else may hold them.
//!
//! Nothing personal is stored in the clear: signups are in journals, sealed.

use std::collections::{BTreeMap, HashMap, HashSet};
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

/// Journals of other kiosks this kiosk holds for them: document id -> [`PeerJournalMeta`].
const PEER_JOURNALS: TableDefinition<&str, &[u8]> = TableDefinition::new("kiosk_peer_journals");

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
    /// The server's signature on that acknowledgement (hex; empty if the server sent none),
    /// which the kiosk's peers take as proof that they may count and drop what it covers.
    #[serde(default)]
    pub acked_signature: String,
}

/// What the kiosk knows of a journal it holds for another kiosk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeerJournalMeta {
    /// The kiosk that writes it.
    pub owner: String,
    /// Day it covers.
    pub day: String,
    /// Its owner said it is closed to new signups.
    pub closed: bool,
    /// The latest acknowledgement of it by the server the kiosk has seen, checked.
    #[serde(default)]
    pub ack: Option<SignedHeads>,
    /// The server knows this kiosk carries it.
    #[serde(default)]
    pub registered: bool,
    /// Its owner has told that it holds that acknowledgement too, or no longer lists the
    /// journal: the copy here is needed by nobody once the server holds all of it.
    #[serde(default)]
    pub owner_done: bool,
    /// The owner's latest signature on heads of it seen here, checked: what the server
    /// needs to take the journal from a kiosk that carries it.
    #[serde(default)]
    pub owner_signed: Option<SignedHeads>,
}

/// Heads of a journal with a signature on them: the server's durable acknowledgement
/// ([`frivillig_common::sign::verify_ack`]), or its owner's word for them
/// ([`frivillig_common::sign::verify_device_heads`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedHeads {
    /// The heads.
    pub heads: Vec<String>,
    /// The signature, hex.
    pub signature: String,
}

/// The kiosk's store.
#[derive(Clone)]
pub struct KioskStore {
    storage: RedbStorage,
    /// Documents whose samod writes go to disk: peers' journals.
    durable_docs: Arc<std::sync::RwLock<HashSet<String>>>,
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
        tx.open_table(PEER_JOURNALS)?;
        tx.open_table(META)?;
        tx.commit()?;
        Ok(KioskStore {
            storage,
            durable_docs: Arc::default(),
        })
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
            durable_docs: self.durable_docs.clone(),
        }
    }

    /// From now on samod's writes of `doc_id` go to disk (a peer's journal).
    pub fn keep_durably(&self, doc_id: &str) {
        if let Ok(mut set) = self.durable_docs.write() {
            set.insert(doc_id.to_owned());
        }
    }

    /// Every peer journal held, by document id.
    pub fn peer_journals(&self) -> Result<Vec<(String, PeerJournalMeta)>, StorageError> {
        self.json_rows(PEER_JOURNALS, "peer journal")
    }

    /// Write a peer journal's row durably.
    pub fn put_peer_journal(
        &self,
        doc_id: &str,
        meta: &PeerJournalMeta,
    ) -> Result<(), StorageError> {
        self.put_json_row(PEER_JOURNALS, doc_id, meta)
    }

    /// Forget a peer journal, row first, as [`KioskStore::delete_journal`].
    pub fn delete_peer_journal(&self, doc_id: &str) -> Result<(), StorageError> {
        let mut tx = self.db()?.begin_write()?;
        tx.set_durability(Durability::Immediate)?;
        tx.open_table(PEER_JOURNALS)?.remove(doc_id)?;
        tx.commit()?;
        self.storage.delete_document(doc_id)?;
        if let Ok(mut set) = self.durable_docs.write() {
            set.remove(doc_id);
        }
        Ok(())
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
        self.json_rows(JOURNALS, "journal")
    }

    /// Write a journal's row durably.
    pub fn put_journal(&self, doc_id: &str, meta: &JournalMeta) -> Result<(), StorageError> {
        self.put_json_row(JOURNALS, doc_id, meta)
    }

    /// Every row of a table of JSON rows, by key; `what` names a row in an error.
    fn json_rows<T: serde::de::DeserializeOwned>(
        &self,
        table: TableDefinition<&str, &[u8]>,
        what: &str,
    ) -> Result<Vec<(String, T)>, StorageError> {
        let tx = self.db()?.begin_read()?;
        let t = tx.open_table(table)?;
        let mut out = Vec::new();
        for item in t.iter()? {
            let (k, v) = item?;
            let row = serde_json::from_slice(v.value())
                .map_err(|e| StorageError::Corrupt(format!("{what} row {}: {e}", k.value())))?;
            out.push((k.value().to_owned(), row));
        }
        Ok(out)
    }

    /// Write one JSON row durably.
    fn put_json_row<T: Serialize>(
        &self,
        table: TableDefinition<&str, &[u8]>,
        key: &str,
        row: &T,
    ) -> Result<(), StorageError> {
        let mut tx = self.db()?.begin_write()?;
        tx.set_durability(Durability::Immediate)?;
        let bytes = serde_json::to_vec(row).map_err(|e| StorageError::Corrupt(e.to_string()))?;
        tx.open_table(table)?.insert(key, bytes.as_slice())?;
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
    durable_docs: Arc<std::sync::RwLock<HashSet<String>>>,
}

impl KioskSamodStorage {
    fn memory(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Vec<u8>>> {
        self.memory.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether samod's writes under `key` go to disk (see [`KioskStore::keep_durably`]).
    fn is_durable(&self, key: &StorageKey) -> bool {
        let k = key.to_string();
        let doc = k.split('/').next().unwrap_or_default();
        self.durable_docs
            .read()
            .map(|set| set.contains(doc))
            .unwrap_or(false)
    }

    /// Run a write of a durable document on the blocking pool, patiently; a failure is
    /// logged (the peer sends the changes again, and its owner still holds them).
    async fn write_durably(
        &self,
        what: &'static str,
        f: impl Fn(&RedbStorage) -> Result<(), StorageError> + Send + 'static,
    ) {
        let durable = self.durable.clone();
        let done =
            tokio::task::spawn_blocking(move || durable.patiently(what, || f(&durable))).await;
        if let Ok(Err(e)) | Err(e) = done.map_err(|e| StorageError::Corrupt(e.to_string())) {
            tracing::warn!(error = %e, "a peer journal's change could not be stored");
        }
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
        if self.is_durable(&key) {
            let k = key.to_string();
            self.write_durably("put", move |s| s.put_chunk(&k, &data))
                .await;
            return;
        }
        self.memory().insert(key.to_string(), data);
    }

    async fn delete(&self, key: StorageKey) {
        if self.is_durable(&key) {
            let k = vec![key.to_string()];
            self.write_durably("delete", move |s| s.delete_chunks(&k))
                .await;
            return;
        }
        self.memory().remove(&key.to_string());
    }
}
