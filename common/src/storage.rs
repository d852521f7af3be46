//! samod's storage, in redb, with full durability.
//!
//! samod's `Storage` trait returns no errors. This adapter never pretends: every operation
//! runs a redb transaction committed with [`Durability::Immediate`]; a failure is logged,
//! counted in [`StorageHealth`] (which the server checks before it acknowledges anything and
//! the kiosk shows staff), and, for loads, turned into a panic of the storage task rather
//! than a silent "not found" that would make samod believe a stored document does not
//! exist. Nothing that promises durability to a person relies on samod's own writes: the
//! kiosk writes each signup's change itself through [`RedbStorage::put_chunk`], and the
//! server acknowledges only what its own ingest committed.
//!
//! Keys are samod's `StorageKey`s joined with `/` (samod guarantees no component holds one).

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use redb::{Database, Durability, ReadableDatabase, ReadableTable, TableDefinition};
use samod::storage::StorageKey;

/// The table samod's chunks live in.
pub const CHUNKS: TableDefinition<&str, &[u8]> = TableDefinition::new("samod_chunks");

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// redb failed.
    #[error("storage: {0}")]
    Db(#[from] redb::Error),
    /// The store was closed (the kiosk or server is shutting down).
    #[error("storage is closed")]
    Closed,
    /// The database is being opened again after an I/O error and operations still hold
    /// the old one; try again shortly.
    #[error("storage is recovering from an I/O error")]
    Recovering,
    /// Data did not read back or decode as written.
    #[error("storage: {0}")]
    Corrupt(String),
}

/// Implements `From` for each of redb's error types for an error type that already has
/// `From<redb::Error>`, so `?` works on every redb call. The caller must depend on redb.
#[macro_export]
macro_rules! from_redb_errors {
    ($target:ty) => {
        $crate::from_redb_errors!(
            $target: redb::DatabaseError,
            redb::TransactionError,
            redb::TableError,
            redb::StorageError,
            redb::CommitError,
            redb::SetDurabilityError
        );
    };
    ($target:ty: $($t:ty),*) => {$(
        impl From<$t> for $target {
            fn from(e: $t) -> Self {
                <$target>::from(redb::Error::from(e))
            }
        }
    )*};
}
from_redb_errors!(StorageError);

/// Length of redb's magic number at the start of every database.
const MAGIC_LEN: usize = 9;

/// A database file that exists but whose first bytes, where redb writes its magic number
/// when it first commits, are still zero: its creation never finished.
fn never_created(len: u64, head: &[u8; MAGIC_LEN]) -> bool {
    len < MAGIC_LEN as u64 || head.iter().all(|b| *b == 0)
}

/// Counts storage failures so they surface instead of vanishing inside samod.
#[derive(Debug, Default)]
pub struct StorageHealth {
    failures: AtomicU64,
}

impl StorageHealth {
    /// How many storage operations have failed since start.
    pub fn failures(&self) -> u64 {
        self.failures.load(Ordering::SeqCst)
    }

    fn record(&self, what: &str, err: &StorageError) {
        self.failures.fetch_add(1, Ordering::SeqCst);
        tracing::error!(operation = what, error = %err, "samod storage operation failed");
    }
}

/// A redb backend that notes every I/O error it passes on.
///
/// After any I/O error redb latches: every later operation fails with "previous I/O
/// error" until the database is opened again. [`RedbStorage`] watches this flag and opens
/// the database afresh on the next use, so a full disk or a passing I/O error costs the
/// operations that hit it and no more: once the fault clears, work continues without a
/// restart (what the disk-error tests prove).
#[derive(Debug)]
struct WatchedBackend<B> {
    inner: B,
    failed: Arc<AtomicBool>,
}

impl<B> WatchedBackend<B> {
    fn note<T, E>(&self, r: Result<T, E>) -> Result<T, E> {
        if r.is_err() {
            self.failed.store(true, Ordering::SeqCst);
        }
        r
    }
}

type Bound = std::ops::Bound<u64>;

impl<B: redb::StorageBackend> redb::StorageBackend for WatchedBackend<B> {
    fn len(&self) -> Result<u64, std::io::Error> {
        self.note(self.inner.len())
    }
    fn read(&self, offset: u64, out: &mut [u8]) -> Result<(), std::io::Error> {
        self.note(self.inner.read(offset, out))
    }
    fn set_len(&self, len: u64) -> Result<(), std::io::Error> {
        self.note(self.inner.set_len(len))
    }
    fn sync_data(&self) -> Result<(), std::io::Error> {
        self.note(self.inner.sync_data())
    }
    fn write(&self, offset: u64, data: &[u8]) -> Result<(), std::io::Error> {
        self.note(self.inner.write(offset, data))
    }
    fn close(&self) -> Result<(), std::io::Error> {
        self.inner.close()
    }
    // Locks are forwarded unchanged: a lock refused is another process holding the file,
    // not a failing disk.
    fn try_lock_range(&self, start: Bound, end: Bound) -> Result<bool, redb::BackendError> {
        self.inner.try_lock_range(start, end)
    }
    fn try_lock_shared_range(&self, start: Bound, end: Bound) -> Result<bool, redb::BackendError> {
        self.inner.try_lock_shared_range(start, end)
    }
    fn lock_range(&self, start: Bound, end: Bound) -> Result<(), redb::BackendError> {
        self.inner.lock_range(start, end)
    }
    fn lock_shared_range(&self, start: Bound, end: Bound) -> Result<(), redb::BackendError> {
        self.inner.lock_shared_range(start, end)
    }
    fn unlock_range(&self, start: Bound, end: Bound) -> Result<(), redb::BackendError> {
        self.inner.unlock_range(start, end)
    }
    fn query_lock_range(&self, start: Bound, end: Bound) -> Result<bool, redb::BackendError> {
        self.inner.query_lock_range(start, end)
    }
}

/// Opens the database again after an I/O error, on a backend that reports to `failed`.
type Opener = dyn Fn(Arc<AtomicBool>) -> Result<Database, StorageError> + Send + Sync;

/// How much of the database redb keeps in memory unless told otherwise. redb's own default
/// is 1 GiB, which it fills with every page read or written: the server's memory then grew
/// with the documents it held (about 33 MB per 1,000 documents of 200 records, measured
/// after their clients had left), up to that gigabyte.
pub const DEFAULT_CACHE_BYTES: usize = 64 * 1024 * 1024;

/// How long [`RedbStorage::database`] waits for operations in flight to let go of a
/// database that must be opened again.
const REOPEN_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

struct Shared {
    /// The open database; `None` once closed, or while a reopen has not succeeded.
    db: RwLock<Option<Arc<Database>>>,
    closed: AtomicBool,
    /// Set by the backend on an I/O error: the database must be opened again.
    failed: Arc<AtomicBool>,
    opener: Box<Opener>,
    health: Arc<StorageHealth>,
    /// samod's writes waiting for the next group commit (see [`RedbStorage::write_grouped`]).
    write_queue: std::sync::Mutex<WriteQueue>,
}

/// The group commit's queue, and whether a writer is draining it.
#[derive(Default)]
struct WriteQueue {
    pending: Vec<PendingWrite>,
    writer_running: bool,
}

/// One samod put (`data`) or delete (`None`) waiting in the queue: told on `done` once a
/// commit that holds it is on disk (or failed, which the writer records).
struct PendingWrite {
    key: String,
    data: Option<Vec<u8>>,
    done: tokio::sync::oneshot::Sender<()>,
}

/// Held by the writer while it drains the queue. Should the writer panic, the writes it
/// had not finished are dropped (their callers see it and count a storage failure) and the
/// next write starts a new writer, so no caller waits for ever.
struct WriterTurn<'a>(&'a std::sync::Mutex<WriteQueue>);

impl Drop for WriterTurn<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let mut queue = lock(self.0);
            queue.pending.clear();
            queue.writer_running = false;
        }
    }
}

/// A lock even if a thread panicked while holding it: the data behind these locks (a queue
/// of puts, nothing) stays consistent at every point a panic could happen.
fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// samod storage backed by a table in a shared redb database.
///
/// Every clone shares one handle to the database, so [`RedbStorage::close`] releases the
/// file (and its lock) for all of them, even clones that samod's tasks still hold, and a
/// database reopened after an I/O error serves all of them. Callers hold the database only
/// for one operation ([`RedbStorage::database`] each time), never keep it.
#[derive(Clone)]
pub struct RedbStorage {
    shared: Arc<Shared>,
}

fn create_chunks_table(db: &Database) -> Result<(), StorageError> {
    let mut tx = db.begin_write()?;
    tx.set_durability(Durability::Immediate)?;
    tx.open_table(CHUNKS)?;
    tx.commit()?;
    Ok(())
}

impl RedbStorage {
    fn with_opener(opener: Box<Opener>) -> Result<Self, StorageError> {
        let failed = Arc::new(AtomicBool::new(false));
        let db = opener(failed.clone())?;
        create_chunks_table(&db)?;
        Ok(RedbStorage {
            shared: Arc::new(Shared {
                db: RwLock::new(Some(Arc::new(db))),
                closed: AtomicBool::new(false),
                failed,
                opener,
                health: Arc::new(StorageHealth::default()),
                write_queue: std::sync::Mutex::new(WriteQueue::default()),
            }),
        })
    }

    /// Use a database on `backend` (tests put a simulated disk here; clones of it must
    /// share the disk, as the database is opened again on a clone after an I/O error). A
    /// database whose creation the power cut short is started afresh, as
    /// [`RedbStorage::open`] does.
    pub fn with_backend(backend: impl redb::StorageBackend + Clone) -> Result<Self, StorageError> {
        let len = backend.len().map_err(redb::Error::Io)?;
        let mut head = [0u8; MAGIC_LEN];
        if len >= MAGIC_LEN as u64 {
            backend.read(0, &mut head).map_err(redb::Error::Io)?;
        }
        if len > 0 && never_created(len, &head) {
            tracing::warn!("the database's creation was cut short; starting it afresh");
            backend.set_len(0).map_err(redb::Error::Io)?;
        }
        Self::with_opener(Box::new(move |failed| {
            let watched = WatchedBackend {
                inner: backend.clone(),
                failed,
            };
            Ok(Database::builder()
                .set_cache_size(DEFAULT_CACHE_BYTES)
                .create_with_backend(watched)?)
        }))
    }

    /// Open or create a database file at `path` and use it. A file whose creation was cut
    /// short by a power cut (it exists, but the database header never reached the disk) is
    /// moved aside to `<name>.unfinished` and a new database is created: such a file holds
    /// nothing redb could read, and without this the device would not start again.
    pub fn open(path: &Path) -> Result<Self, StorageError> {
        Self::open_with_cache(path, DEFAULT_CACHE_BYTES)
    }

    /// [`RedbStorage::open`] with a cache of `cache_bytes` (redb keeps up to that much of
    /// the file in memory).
    pub fn open_with_cache(path: &Path, cache_bytes: usize) -> Result<Self, StorageError> {
        if let Ok(mut f) = std::fs::File::open(path) {
            use std::io::Read as _;
            let len = f.metadata().map(|m| m.len()).unwrap_or(0);
            let mut head = [0u8; MAGIC_LEN];
            let read = if len >= MAGIC_LEN as u64 {
                f.read_exact(&mut head).is_ok()
            } else {
                true
            };
            drop(f);
            if read && len > 0 && never_created(len, &head) {
                let aside = path.with_extension("redb.unfinished");
                tracing::warn!(file = %path.display(), aside = %aside.display(), "the database's creation was cut short; starting it afresh");
                std::fs::rename(path, &aside).map_err(redb::Error::Io)?;
            }
        }
        let path = path.to_owned();
        Self::with_opener(Box::new(move |failed| {
            let file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(redb::Error::Io)?;
            let inner = redb::backends::FileBackend::new(file)?;
            Ok(Database::builder()
                .set_cache_size(cache_bytes)
                .create_with_backend(WatchedBackend { inner, failed })?)
        }))
    }

    /// Open the database again after an I/O error: once every operation in flight has let
    /// go of the old one (it holds the file's lock), within [`REOPEN_WAIT`].
    fn reopen(&self) -> Result<Arc<Database>, StorageError> {
        let s = &self.shared;
        let deadline = std::time::Instant::now() + REOPEN_WAIT;
        loop {
            {
                let mut slot = s.db.write().map_err(|_| StorageError::Closed)?;
                if s.closed.load(Ordering::SeqCst) {
                    return Err(StorageError::Closed);
                }
                if !s.failed.load(Ordering::SeqCst) {
                    // Another caller reopened it meanwhile.
                    if let Some(db) = slot.as_ref() {
                        return Ok(db.clone());
                    }
                }
                let free = slot.as_ref().is_none_or(|db| Arc::strong_count(db) == 1);
                if free {
                    // Dropping the old database releases the file before it is opened again.
                    *slot = None;
                    s.failed.store(false, Ordering::SeqCst);
                    return match (s.opener)(s.failed.clone()) {
                        Ok(db) => {
                            tracing::warn!("storage opened again after an I/O error");
                            let db = Arc::new(db);
                            *slot = Some(db.clone());
                            Ok(db)
                        }
                        Err(e) => {
                            s.failed.store(true, Ordering::SeqCst);
                            s.health.record("reopen", &e);
                            Err(e)
                        }
                    };
                }
            }
            if std::time::Instant::now() >= deadline {
                return Err(StorageError::Recovering);
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    /// The database, for one operation; an error once closed. After an I/O error it is
    /// first opened again (see [`WatchedBackend`]).
    pub fn database(&self) -> Result<Arc<Database>, StorageError> {
        let s = &self.shared;
        if s.failed.load(Ordering::SeqCst) {
            return self.reopen();
        }
        s.db.read()
            .ok()
            .and_then(|g| g.clone())
            .ok_or(StorageError::Closed)
    }

    /// Let go of the database: operations from now on fail with [`StorageError::Closed`].
    /// Waits (up to `wait`) for operations in flight to finish, so that the file and its
    /// lock are released when this returns `true`.
    pub async fn close(&self, wait: std::time::Duration) -> bool {
        self.shared.closed.store(true, Ordering::SeqCst);
        let taken = self.shared.db.write().ok().and_then(|mut g| g.take());
        let Some(db) = taken else { return true };
        let deadline = tokio::time::Instant::now() + wait;
        // Operations hold a clone only while they run; there is no event for "the last one
        // finished", so look again shortly.
        while Arc::strong_count(&db) > 1 {
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        true
    }

    /// Failures so far.
    pub fn health(&self) -> &Arc<StorageHealth> {
        &self.shared.health
    }

    /// Write one chunk durably and read it back; returns only when it is on disk.
    pub fn put_chunk(&self, key: &str, data: &[u8]) -> Result<(), StorageError> {
        let mut tx = self.database()?.begin_write()?;
        tx.set_durability(Durability::Immediate)?;
        {
            let mut table = tx.open_table(CHUNKS)?;
            table.insert(key, data)?;
        }
        tx.commit()?;
        match self.get_chunk(key)? {
            Some(back) if back == data => Ok(()),
            _ => Err(StorageError::Corrupt(format!(
                "chunk {key} did not read back as written"
            ))),
        }
    }

    /// One chunk.
    pub fn get_chunk(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        let tx = self.database()?.begin_read()?;
        let table = tx.open_table(CHUNKS)?;
        Ok(table.get(key)?.map(|v| v.value().to_vec()))
    }

    /// Every chunk whose key starts with `prefix`.
    pub fn chunks_with_prefix(&self, prefix: &str) -> Result<Vec<(String, Vec<u8>)>, StorageError> {
        let tx = self.database()?.begin_read()?;
        let table = tx.open_table(CHUNKS)?;
        let mut out = Vec::new();
        for item in table.range(prefix..)? {
            let (k, v) = item?;
            if !k.value().starts_with(prefix) {
                break;
            }
            out.push((k.value().to_owned(), v.value().to_vec()));
        }
        Ok(out)
    }

    /// Remove these chunks, durably, in one transaction. Used after a compaction, once the
    /// snapshot that covers them is on disk and read back.
    pub fn delete_chunks(&self, keys: &[String]) -> Result<(), StorageError> {
        let mut tx = self.database()?.begin_write()?;
        tx.set_durability(Durability::Immediate)?;
        {
            let mut table = tx.open_table(CHUNKS)?;
            for k in keys {
                table.remove(k.as_str())?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Remove every chunk of a document (all keys under `<doc id>/`).
    pub fn delete_document(&self, doc_id: &str) -> Result<usize, StorageError> {
        let prefix = format!("{doc_id}/");
        let mut tx = self.database()?.begin_write()?;
        tx.set_durability(Durability::Immediate)?;
        let removed = {
            let mut table = tx.open_table(CHUNKS)?;
            let keys: Vec<String> = table
                .range(prefix.as_str()..)?
                .map_while(|item| match item {
                    Ok((k, _)) if k.value().starts_with(&prefix) => Some(Ok(k.value().to_owned())),
                    Ok(_) => None,
                    Err(e) => Some(Err(e)),
                })
                .collect::<Result<_, _>>()?;
            for k in &keys {
                table.remove(k.as_str())?;
            }
            keys.len()
        };
        tx.commit()?;
        Ok(removed)
    }

    /// The ids of all documents with chunks in storage.
    pub fn document_ids(&self) -> Result<Vec<String>, StorageError> {
        let tx = self.database()?.begin_read()?;
        let table = tx.open_table(CHUNKS)?;
        let mut ids: Vec<String> = Vec::new();
        for item in table.iter()? {
            let (k, _) = item?;
            if let Some((doc, _)) = k.value().split_once('/')
                && ids.last().map(String::as_str) != Some(doc)
            {
                ids.push(doc.to_owned());
            }
        }
        Ok(ids)
    }

    /// A read, tried five times over about 1.5 s: a read that fails while the database is
    /// opened again after a failed write (a full disk), or on a passing I/O error, is not a
    /// reason to stop samod, whose loads cannot report an error.
    pub fn patiently<T>(
        &self,
        what: &str,
        op: impl Fn() -> Result<T, StorageError>,
    ) -> Result<T, StorageError> {
        let mut wait = std::time::Duration::from_millis(50);
        let mut tries = 0;
        loop {
            match op() {
                Ok(v) => return Ok(v),
                Err(e) => {
                    self.shared.health.record(what, &e);
                    tries += 1;
                    if tries == 5 || matches!(e, StorageError::Closed) {
                        return Err(e);
                    }
                    std::thread::sleep(wait);
                    wait *= 2;
                }
            }
        }
    }

    /// A samod put or delete, in a group commit: the write joins the queue; if no writer is
    /// draining it, this write starts one (one blocking thread), which commits everything
    /// queued in one transaction and one fsync, again and again until the queue is empty.
    /// Writes that arrive while a commit runs share the next one: 20 documents synced live,
    /// one change per message, cost a commit per change before, and the deletes after each
    /// compaction a commit per deleted chunk (27 % of the server's CPU then). The callers
    /// wait as tasks, not threads: with a blocking thread per waiting write, contending for
    /// a writer lock, the live workload spent a fifth of the server's core switching
    /// threads. Returns once a commit that holds this write is durable, or has failed and
    /// been recorded.
    async fn write_grouped(&self, key: String, data: Option<Vec<u8>>) {
        let (done, committed) = tokio::sync::oneshot::channel();
        let start_writer = {
            let mut queue = lock(&self.shared.write_queue);
            queue.pending.push(PendingWrite { key, data, done });
            !std::mem::replace(&mut queue.writer_running, true)
        };
        if start_writer {
            let this = self.clone();
            // Not awaited: the writer outlives this write when others keep arriving.
            drop(tokio::task::spawn_blocking(move || this.drain_writes()));
        }
        if committed.await.is_err() {
            tracing::error!("redb storage writer stopped before this write was committed");
            self.shared.health.failures.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// The writer: commit what is queued, batch after batch, until nothing is.
    fn drain_writes(&self) {
        let _turn = WriterTurn(&self.shared.write_queue);
        loop {
            let batch = {
                let mut queue = lock(&self.shared.write_queue);
                if queue.pending.is_empty() {
                    queue.writer_running = false;
                    return;
                }
                std::mem::take(&mut queue.pending)
            };
            let outcome = self.commit_writes(&batch);
            for write in batch {
                if let Err(e) = &outcome {
                    let what = if write.data.is_some() {
                        "put"
                    } else {
                        "delete"
                    };
                    self.shared.health.record(what, e);
                }
                let _ = write.done.send(());
            }
        }
    }

    /// One transaction for a batch of writes, in the order they were asked for.
    fn commit_writes(&self, batch: &[PendingWrite]) -> Result<(), StorageError> {
        let mut tx = self.database()?.begin_write()?;
        tx.set_durability(Durability::Immediate)?;
        let mut written = false;
        {
            let mut table = tx.open_table(CHUNKS)?;
            for write in batch {
                let key = write.key.as_str();
                match &write.data {
                    // Keys are content-addressed: the kiosk has often written this very
                    // chunk itself (durably) before samod gets to it. A batch of only
                    // such chunks costs no commit and no fsync.
                    Some(data)
                        if table
                            .get(key)?
                            .is_some_and(|v| v.value() == data.as_slice()) => {}
                    Some(data) => {
                        table.insert(key, data.as_slice())?;
                        written = true;
                    }
                    None => written |= table.remove(key)?.is_some(),
                }
            }
        }
        if written {
            tx.commit()?;
        } else {
            tx.abort()?;
        }
        Ok(())
    }
}

fn key_string(key: &StorageKey) -> String {
    key.to_string()
}

fn parse_key(s: &str) -> Option<StorageKey> {
    StorageKey::from_parts(s.split('/')).ok()
}

impl samod::storage::Storage for RedbStorage {
    async fn load(&self, key: StorageKey) -> Option<Vec<u8>> {
        let this = self.clone();
        let k = key_string(&key);
        let result =
            tokio::task::spawn_blocking(move || this.patiently("load", || this.get_chunk(&k)))
                .await;
        match result {
            Ok(Ok(v)) => v,
            // A load we cannot answer must not look like "absent": samod would then treat a
            // stored document as new. Stop this storage task loudly instead.
            Ok(Err(e)) => panic!("redb storage load of {key} failed: {e}"),
            Err(e) => panic!("redb storage load task failed: {e}"),
        }
    }

    async fn load_range(&self, prefix: StorageKey) -> HashMap<StorageKey, Vec<u8>> {
        let this = self.clone();
        let p = key_string(&prefix);
        let result = tokio::task::spawn_blocking(move || {
            this.patiently("load_range", || this.chunks_with_prefix(&p))
        })
        .await;
        match result {
            Ok(Ok(items)) => items
                .into_iter()
                .filter_map(|(k, v)| {
                    let key = parse_key(&k)?;
                    prefix.is_prefix_of(&key).then_some((key, v))
                })
                .collect(),
            Ok(Err(e)) => panic!("redb storage load_range of {prefix} failed: {e}"),
            Err(e) => panic!("redb storage load_range task failed: {e}"),
        }
    }

    async fn put(&self, key: StorageKey, data: Vec<u8>) {
        self.write_grouped(key_string(&key), Some(data)).await;
    }

    async fn delete(&self, key: StorageKey) {
        self.write_grouped(key_string(&key), None).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_whose_creation_was_cut_short_is_started_afresh_and_garbage_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        // The power went after the file grew but before its header was written.
        let path = dir.path().join("kiosk.redb");
        std::fs::write(&path, vec![0u8; 4096]).expect("write");
        let storage = RedbStorage::open(&path).expect("opens afresh");
        storage.put_chunk("d/x", b"1").expect("usable");
        assert!(
            dir.path().join("kiosk.redb.unfinished").exists(),
            "the old file is kept aside"
        );
        // Bytes that are not a database are not thrown away.
        let other = dir.path().join("other.redb");
        std::fs::write(&other, b"this is somebody's file").expect("write");
        assert!(RedbStorage::open(&other).is_err());
        assert_eq!(
            std::fs::read(&other).expect("read"),
            b"this is somebody's file"
        );
    }
    use samod::storage::Storage as _;

    #[tokio::test]
    async fn samod_keys_round_trip_and_documents_delete_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        let storage = RedbStorage::open(&dir.path().join("s.redb")).expect("open");
        let k1 = StorageKey::from_parts(["docA", "incremental", "h1"]).expect("key");
        let k2 = StorageKey::from_parts(["docA", "snapshot", "h2"]).expect("key");
        let k3 = StorageKey::from_parts(["docB", "incremental", "h3"]).expect("key");
        storage.put(k1.clone(), b"one".to_vec()).await;
        storage.put(k2.clone(), b"two".to_vec()).await;
        storage.put(k3.clone(), b"three".to_vec()).await;
        assert_eq!(storage.load(k1.clone()).await, Some(b"one".to_vec()));
        let prefix = StorageKey::from_parts(["docA"]).expect("key");
        let range = storage.load_range(prefix).await;
        assert_eq!(range.len(), 2);
        assert_eq!(storage.document_ids().expect("ids"), vec!["docA", "docB"]);
        assert_eq!(storage.delete_document("docA").expect("delete"), 2);
        assert_eq!(storage.load(k2).await, None);
        assert_eq!(storage.load(k3).await, Some(b"three".to_vec()));
        storage
            .delete(StorageKey::from_parts(["docB", "incremental", "h3"]).expect("key"))
            .await;
        assert!(storage.document_ids().expect("ids").is_empty());
        assert_eq!(storage.health().failures(), 0);
    }

    /// An in-memory disk that counts its syncs.
    #[derive(Debug, Clone)]
    struct CountingDisk {
        inner: Arc<redb::backends::InMemoryBackend>,
        syncs: Arc<AtomicU64>,
        /// The next sync panics (a bug deep in a commit, as the writer meets it).
        panic_at_sync: Arc<AtomicBool>,
    }

    impl redb::StorageBackend for CountingDisk {
        fn len(&self) -> Result<u64, std::io::Error> {
            self.inner.len()
        }
        fn read(&self, offset: u64, out: &mut [u8]) -> Result<(), std::io::Error> {
            self.inner.read(offset, out)
        }
        fn set_len(&self, len: u64) -> Result<(), std::io::Error> {
            self.inner.set_len(len)
        }
        fn sync_data(&self) -> Result<(), std::io::Error> {
            self.syncs.fetch_add(1, Ordering::SeqCst);
            if self.panic_at_sync.swap(false, Ordering::SeqCst) {
                panic!("a sync that panics");
            }
            self.inner.sync_data()
        }
        fn write(&self, offset: u64, data: &[u8]) -> Result<(), std::io::Error> {
            self.inner.write(offset, data)
        }
    }

    /// A storage on an in-memory disk that counts its syncs.
    fn counting_storage() -> (CountingDisk, RedbStorage) {
        let disk = CountingDisk {
            inner: Arc::new(redb::backends::InMemoryBackend::new()),
            syncs: Arc::new(AtomicU64::new(0)),
            panic_at_sync: Arc::default(),
        };
        let storage = RedbStorage::with_backend(disk.clone()).expect("open");
        (disk, storage)
    }

    /// The key of document `i`'s one incremental chunk.
    fn chunk_key(i: usize) -> StorageKey {
        StorageKey::from_parts([format!("doc{i}"), "incremental".into(), "h".into()]).expect("key")
    }

    /// The writer runs on its own thread; should it panic, the writes it held return (as
    /// failures) instead of waiting for ever, and the next write gets a writer again.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_writer_that_panics_leaves_no_write_waiting() {
        let (disk, storage) = counting_storage();
        disk.panic_at_sync.store(true, Ordering::SeqCst);
        let wait = std::time::Duration::from_secs(20);
        tokio::time::timeout(wait, storage.put(chunk_key(1), vec![1; 300]))
            .await
            .expect("the put whose commit panicked returned");
        assert!(storage.health().failures() >= 1, "and counted as failed");
        tokio::time::timeout(wait, storage.put(chunk_key(2), vec![2; 300]))
            .await
            .expect("a later put found a writer");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn writes_at_the_same_time_share_commits_and_all_land() {
        let (disk, storage) = counting_storage();
        let before = disk.syncs.load(Ordering::SeqCst);
        let puts: Vec<_> = (0..64)
            .map(|i| {
                let storage = storage.clone();
                tokio::spawn(async move { storage.put(chunk_key(i), vec![i as u8; 300]).await })
            })
            .collect();
        for put in puts {
            put.await.expect("put task");
        }
        let syncs = disk.syncs.load(Ordering::SeqCst) - before;
        for i in 0..64 {
            assert_eq!(
                storage.load(chunk_key(i)).await,
                Some(vec![i as u8; 300]),
                "put {i}"
            );
        }
        // redb syncs once per commit: 64 commits of their own would be 64 syncs or more.
        assert!(syncs > 0 && syncs < 64, "{syncs} syncs for 64 puts at once");
        // A put of a chunk already there costs no commit.
        let settled = disk.syncs.load(Ordering::SeqCst);
        storage.put(chunk_key(3), vec![3; 300]).await;
        assert_eq!(disk.syncs.load(Ordering::SeqCst), settled);
        // Deletes at the same time (samod's after a compaction) share commits too.
        let deletes: Vec<_> = (0..32)
            .map(|i| {
                let storage = storage.clone();
                tokio::spawn(async move { storage.delete(chunk_key(i)).await })
            })
            .collect();
        for delete in deletes {
            delete.await.expect("delete task");
        }
        let syncs = disk.syncs.load(Ordering::SeqCst) - settled;
        assert!(
            syncs > 0 && syncs < 32,
            "{syncs} syncs for 32 deletes at once"
        );
        for i in 0..64 {
            assert_eq!(
                storage.load(chunk_key(i)).await.is_some(),
                i >= 32,
                "chunk {i}"
            );
        }
        assert_eq!(storage.health().failures(), 0);
    }
}
