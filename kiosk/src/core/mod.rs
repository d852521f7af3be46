//! The kiosk's core: its journals, the catalog cache and the signup path.
//!
//! [`KioskCore::submit_signup`] validates the form, seals the personal fields to the
//! server's key, adds the record to today's journal through samod, then writes that change
//! itself into redb (committed with full durability) and reads it back before returning. So
//! "saved" on the screen never depends on samod's asynchronous storage writes.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, RwLock};

use automerge::Automerge;
use chrono::SecondsFormat;
use frivillig_common::domain::{
    Catalog, CheckIn, FormProblem, SignupForm, SignupRecord, Source, validate_form,
};
use frivillig_common::journal::{
    JOURNAL_CAP, JournalHeader, add_check_in, add_sealed_signup, new_journal_doc, signup_count,
};
use frivillig_common::offer::NotOffered;
use frivillig_common::receipt::{new_receipt_token, receipt_hash, receipt_url};
use frivillig_common::seal::{Sealer, SealingPublicKey};
use frivillig_common::storage::StorageError;
use frivillig_common::sync::{format_heads, kiosk_peer_id};
use samod::{DocHandle, DocumentId, Repo};
use tokio::sync::{Notify, watch};

use crate::clock::Clock;
use crate::config::KioskConfig;
use crate::store::{JournalMeta, KioskStore};

mod board;
mod check_in;
mod held;
mod peer_list;
mod sharing;
mod signups;
mod spots;
mod vouch;

pub use board::BoardShift;
pub use check_in::{CheckInError, Presence};
pub(crate) use held::HeldJournal;
pub use held::{HeldInfo, PeerSeen};
pub use peer_list::{PeerListError, TYPED_PEERS_MAX, peer_qr_text};
pub(crate) use sharing::Sharing;

/// Why a signup was not saved. Nothing was stored when this is returned.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// The form has problems; each names its field.
    #[error("the form has {} problem(s)", .0.len())]
    Invalid(Vec<FormProblem>),
    /// The kiosk has no catalog yet (it has never reached the server).
    #[error("the kiosk has not received the catalog of volunteer jobs yet")]
    NoCatalog,
    /// The job is not in the catalog.
    #[error("unknown volunteer job {0}")]
    UnknownOpportunity(String),
    /// The shift is not part of the job, or the job has shifts and none was chosen.
    #[error("unknown or missing shift for job {0}")]
    UnknownShift(String),
    /// The shift has started or the job is not shown today, by the kiosk's clock.
    #[error("no longer on offer: {0}")]
    NoLongerOffered(frivillig_common::offer::NotOffered),
    /// Sealing failed.
    #[error("sealing the personal data failed: {0}")]
    Seal(#[from] frivillig_common::seal::SealError),
    /// The journal refused the change.
    #[error("the journal refused the signup: {0}")]
    Journal(#[from] frivillig_common::journal::JournalError),
    /// The store failed; the signup is not saved.
    #[error("the signup could not be saved: {0}")]
    Storage(#[from] StorageError),
    /// The sync repository has stopped.
    #[error("the kiosk is shutting down")]
    Stopped,
}

/// Why the kiosk could not start.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The configuration is not usable.
    #[error("configuration: {0}")]
    Config(String),
    /// The store failed.
    #[error("the kiosk's database: {0}")]
    Storage(#[from] StorageError),
}

/// What the visitor takes home.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The signup id.
    pub signup_id: String,
    /// The secret token of the receipt link.
    pub token: String,
    /// The link for the QR code.
    pub url: String,
}

/// What staff see about sync.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncStatus {
    /// The last attempt to reach the server succeeded.
    pub online: bool,
    /// RFC 3339 of the last successful contact.
    pub last_contact: Option<String>,
    /// Signups not yet durably acknowledged by the server.
    pub queued_signups: u64,
    /// The last error, in words.
    pub last_error: Option<String>,
    /// The server refused this kiosk as revoked.
    pub revoked: bool,
    /// The catalog last received was refused (its signature does not hold), in words; the
    /// kiosk keeps showing the last catalog that was signed.
    pub catalog_refused: Option<String>,
    /// Journals the kiosk holds (today's and those awaiting acknowledgement).
    pub journals_held: u64,
    /// Journals with changes the server has not durably acknowledged.
    pub unacked_journals: u64,
    /// Completed sync rounds since start (each success or failure counts).
    pub rounds: u64,
    /// Signups the server refused to take from this kiosk's journals since start, with the
    /// reason (at most [`REFUSED_SHOWN`]). Staff see them: the visitor was told "signed
    /// up", so someone must follow up with IT.
    pub refused: Vec<frivillig_common::api::RefusedSignup>,
}

/// How many refused signups the status keeps.
pub const REFUSED_SHOWN: usize = 50;

/// A journal as the kiosk reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalInfo {
    /// Document id.
    pub doc_id: String,
    /// Day.
    pub day: String,
    /// Closed to new signups.
    pub closed: bool,
    /// Signups in it.
    pub signups: u64,
    /// The server durably holds every change the kiosk has of it.
    pub fully_acked: bool,
    /// Heads of the copy that is synced (hex).
    pub heads: Vec<String>,
}

/// A journal the kiosk holds, in two replicas in memory.
///
/// `local` is the kiosk's own writer: a visitor's signup is added there and its change
/// committed to redb, then handed to samod's replica (`handle`) in the background. So a
/// visitor never waits for samod, which rewrites the whole document about every tenth change
/// while holding it. Reads of what the server changed (statuses) come from `handle`.
pub(crate) struct OpenJournal {
    pub(crate) meta: JournalMeta,
    pub(crate) handle: DocHandle,
    pub(crate) local: Arc<std::sync::Mutex<Automerge>>,
    /// Durable changes waiting to be applied to samod's replica.
    pub(crate) outbox: Outbox,
    /// Held by whoever writes the journal to the store, and by the sync round that deletes
    /// it; `true` once deleted. Writers take it after letting go of the journals' lock, so a
    /// slow disk stalls neither other journals nor the sync round's bookkeeping, and a write
    /// can never land in a journal deleted under it.
    pub(crate) gate: Gate,
}

/// See [`OpenJournal::gate`].
pub(crate) type Gate = Arc<tokio::sync::Mutex<bool>>;

/// Changes on their way from the local replica to samod's.
pub(crate) type Outbox = Arc<std::sync::Mutex<Vec<Vec<u8>>>>;

impl OpenJournal {
    /// Signups the kiosk wrote into this journal.
    pub(crate) fn local_count(&self) -> u64 {
        self.local
            .lock()
            .map(|d| signup_count(&*d).unwrap_or(0) as u64)
            .unwrap_or(0)
    }

    /// samod's replica's heads, once every change handed to it so far is applied (its tasks
    /// run in order), and whether it holds every change of the local replica.
    pub(crate) async fn synced_heads(&self) -> Option<(Vec<String>, bool)> {
        let local_heads = self.local.lock().ok()?.get_heads();
        self.handle
            .with_document_async(move |d| {
                let complete = local_heads
                    .iter()
                    .all(|h| d.get_change_meta_by_hash(h).is_some());
                (format_heads(&d.get_heads()), complete)
            })
            .await
            .ok()
    }

    /// The server durably holds every change the kiosk has of this journal.
    pub(crate) async fn fully_acked(&self) -> bool {
        matches!(self.synced_heads().await, Some((heads, true)) if heads == self.meta.acked_heads)
    }
}

/// Hand a change (already durable in redb) to samod's replica, in order, in the background.
///
/// Changes gather in `outbox` while samod is busy and are applied together: samod rewrites
/// the whole document after every batch of more than ten changes (and after ten single
/// ones), so a burst of signups costs one rewrite instead of one per ten signups.
/// Invariant: while `outbox` is not empty, a task that drains it is queued on samod's actor,
/// so any task queued later sees every change handed over before it.
fn hand_to_samod(handle: &DocHandle, outbox: &Outbox, change: Vec<u8>) {
    use futures::FutureExt as _;
    let first = {
        let mut pending = outbox.lock().unwrap_or_else(|p| p.into_inner());
        pending.push(change);
        pending.len() == 1
    };
    if !first {
        return;
    }
    let outbox = outbox.clone();
    let queued = handle.with_document_async(move |d| {
        let batch = std::mem::take(&mut *outbox.lock().unwrap_or_else(|p| p.into_inner()));
        for change in batch {
            if let Err(e) = d.load_incremental(&change) {
                tracing::error!(error = %e, "a durable change could not be handed to sync");
            }
        }
    });
    // Polling once dispatches the task; its result is not needed.
    let _ = queued.now_or_never();
}

pub(crate) struct Inner {
    pub(crate) config: KioskConfig,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) store: KioskStore,
    pub(crate) repo: Repo,
    /// Seals what visitors type to the server's key (runs of envelopes per ephemeral key).
    pub(crate) sealer: Sealer,
    pub(crate) journals: tokio::sync::Mutex<BTreeMap<String, OpenJournal>>,
    pub(crate) catalog: RwLock<Option<Catalog>>,
    /// Spots taken per shift, as the server last counted them.
    pub(crate) taken: RwLock<BTreeMap<String, u32>>,
    pub(crate) catalog_id: Arc<RwLock<Option<DocumentId>>>,
    /// What the share policy decides from (see `sharing.rs`).
    pub(crate) sharing: watch::Sender<Sharing>,
    /// Other kiosks' journals held here (festival mode), by document id.
    pub(crate) held: tokio::sync::Mutex<BTreeMap<String, HeldJournal>>,
    /// The kiosks of the site heard from, by id (festival mode).
    pub(crate) seen: RwLock<BTreeMap<String, PeerSeen>>,
    /// Staff's list of peer addresses (see `peer_list.rs`).
    pub(crate) typed_peers: RwLock<Vec<String>>,
    /// Spots taken per shift by signups in the journals held (own and peers') that the
    /// server had not acknowledged when it last counted; see `spots.rs`.
    pub(crate) unacked: RwLock<spots::Unacked>,
    /// One recount at a time, so an older count never overwrites a newer one.
    pub(crate) recounting: tokio::sync::Mutex<()>,
    /// Where the kiosk listens for its peers (festival mode), as it tells them.
    pub(crate) advertised: RwLock<Vec<String>>,
    /// The staff board as last counted (see `board.rs`).
    pub(crate) board: RwLock<Vec<BoardShift>>,
    /// Bytes of sync messages and manifests sent to and received from peers since start.
    pub(crate) peer_bytes: std::sync::atomic::AtomicU64,
    /// The device key, once loaded (see `vouch.rs`).
    pub(crate) signer: std::sync::OnceLock<frivillig_common::sign::DeviceSigner>,
    /// The latest signature on each own journal's heads, by document id.
    pub(crate) vouched: std::sync::Mutex<BTreeMap<String, crate::store::SignedHeads>>,
    /// Per held journal, the last peer's word found to reach no further than the one held.
    pub(crate) stale_words: std::sync::Mutex<BTreeMap<String, crate::store::SignedHeads>>,
    pub(crate) status: watch::Sender<SyncStatus>,
    pub(crate) wake: Notify,
}

/// The kiosk without its screens. Cheap to clone.
#[derive(Clone)]
pub struct KioskCore {
    pub(crate) inner: Arc<Inner>,
}

fn rfc3339(t: chrono::DateTime<chrono::FixedOffset>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, false)
}

impl KioskCore {
    /// Open the kiosk's store and journals. Works with no network.
    pub async fn open(config: KioskConfig, clock: Arc<dyn Clock>) -> Result<KioskCore, OpenError> {
        config.check().map_err(OpenError::Config)?;
        let store = KioskStore::open(&config.data_dir)?;
        Self::open_on(config, clock, store).await
    }

    /// Open on a given store (the power-cut tests give it a simulated disk); `open` uses the
    /// file in the config's data folder.
    pub async fn open_on(
        config: KioskConfig,
        clock: Arc<dyn Clock>,
        store: KioskStore,
    ) -> Result<KioskCore, OpenError> {
        config.check().map_err(OpenError::Config)?;
        let key = SealingPublicKey::from_hex(&config.server_public_key)
            .map_err(|e| OpenError::Config(e.to_string()))?;
        let catalog_id: Option<DocumentId> =
            store.meta("catalog_doc_id")?.and_then(|s| s.parse().ok());
        let metas = store.journals()?;
        // Chunks of documents that are neither a known journal nor the catalog are leftovers
        // of a crash between creating a journal and recording it, or of a deletion.
        let held_ids = store.peer_journals()?;
        let known: HashSet<String> = metas
            .iter()
            .map(|(id, _)| id.clone())
            .chain(held_ids.into_iter().map(|(id, _)| id))
            .chain(catalog_id.iter().map(ToString::to_string))
            .collect();
        for doc in store.chunks().document_ids()? {
            if !known.contains(&doc) {
                store.chunks().delete_document(&doc)?;
            }
        }
        let held_metas = store.peer_journals()?;
        let sharing = Sharing {
            registered: metas
                .iter()
                .filter(|(_, m)| m.registered)
                .map(|(id, _)| id.as_str())
                .chain(
                    held_metas
                        .iter()
                        .filter(|(_, m)| m.registered)
                        .map(|(id, _)| id.as_str()),
                )
                .filter_map(|id| id.parse().ok())
                .collect(),
            own: metas.iter().filter_map(|(id, _)| id.parse().ok()).collect(),
            held: held_metas
                .iter()
                .filter_map(|(id, _)| id.parse().ok())
                .collect(),
            peers: store
                .meta("site_peers")?
                .and_then(|j| {
                    serde_json::from_str::<Vec<frivillig_common::api::PeerKiosk>>(&j).ok()
                })
                .unwrap_or_default()
                .into_iter()
                .map(|p| p.kiosk_id)
                .collect(),
            festival: config.peer_listen.is_some(),
        };
        for (id, _) in &held_metas {
            store.keep_durably(id);
        }
        let (sharing_tx, sharing_rx) = watch::channel(sharing);
        let catalog_cell = Arc::new(RwLock::new(catalog_id));
        let policy = sharing::KioskPolicy {
            catalog_id: catalog_cell.clone(),
            sharing: sharing_rx,
        };
        let repo = Repo::build_tokio()
            .with_storage(store.samod_view())
            .with_peer_id(kiosk_peer_id(&config.kiosk_id))
            .with_share_policy(policy)
            .load()
            .await;
        let today = clock.now().date_naive().to_string();
        let loaded = Self::load_journals(&store, &repo, metas, &today).await;
        let journals = match loaded {
            Ok(j) => j,
            Err(e) => {
                // Leave nothing running on a store the caller is about to drop.
                repo.stop().await;
                return Err(e);
            }
        };
        let held = held::load(&repo, held_metas).await;
        let catalog = store
            .meta("catalog_json")?
            .and_then(|j| serde_json::from_str(&j).ok());
        let taken = store
            .meta("catalog_taken")?
            .and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_default();
        let status = SyncStatus {
            last_contact: store.meta("last_contact")?,
            ..SyncStatus::default()
        };
        let typed_peers = peer_list::load(&store);
        let core = KioskCore {
            inner: Arc::new(Inner {
                config,
                clock,
                store,
                repo,
                sealer: Sealer::new(&key),
                journals: tokio::sync::Mutex::new(journals),
                catalog: RwLock::new(catalog),
                taken: RwLock::new(taken),
                catalog_id: catalog_cell,
                sharing: sharing_tx,
                held: tokio::sync::Mutex::new(held),
                seen: RwLock::default(),
                typed_peers: RwLock::new(typed_peers),
                unacked: RwLock::default(),
                recounting: tokio::sync::Mutex::new(()),
                advertised: RwLock::default(),
                board: RwLock::default(),
                peer_bytes: std::sync::atomic::AtomicU64::new(0),
                signer: std::sync::OnceLock::new(),
                vouched: std::sync::Mutex::default(),
                stale_words: std::sync::Mutex::default(),
                status: watch::channel(status).0,
                wake: Notify::new(),
            }),
        };
        core.refresh_queue().await;
        core.recount().await;
        Ok(core)
    }

    /// Load every journal: the kiosk's own replica (compacted if needed) and samod's.
    async fn load_journals(
        store: &KioskStore,
        repo: &Repo,
        metas: Vec<(String, JournalMeta)>,
        today: &str,
    ) -> Result<BTreeMap<String, OpenJournal>, OpenError> {
        let mut journals = BTreeMap::new();
        for (id, mut meta) in metas {
            let Ok(doc_id) = id.parse::<DocumentId>() else {
                tracing::error!(journal = %id, "journal row with an invalid id kept as it is");
                continue;
            };
            // The kiosk's own replica first, compacted if it has grown from many small
            // changes, so that samod's load below reads one snapshot too.
            let local = load_and_compact(store, &id)?;
            match repo.find(doc_id).await {
                Ok(Some(handle)) => {
                    if !meta.closed && meta.day.as_str() < today {
                        meta.closed = true;
                        store.put_journal(&id, &meta)?;
                    }
                    journals.insert(
                        id,
                        OpenJournal {
                            meta,
                            handle,
                            local: Arc::new(std::sync::Mutex::new(local)),
                            outbox: Outbox::default(),
                            gate: Gate::default(),
                        },
                    );
                }
                Ok(None) => tracing::error!(journal = %id, "journal recorded but not in storage"),
                Err(_) => {
                    return Err(OpenError::Config(
                        "the sync repository stopped while opening".into(),
                    ));
                }
            }
        }
        Ok(journals)
    }

    /// The sync repository (festival mode dials and accepts peers on it).
    pub(crate) fn repo(&self) -> &Repo {
        &self.inner.repo
    }

    /// The configuration.
    pub fn config(&self) -> &KioskConfig {
        &self.inner.config
    }

    /// Now by this kiosk's clock (injected in tests).
    pub fn now(&self) -> chrono::DateTime<chrono::FixedOffset> {
        self.inner.clock.now()
    }

    /// The catalog as offered now by this kiosk's clock: no shift that has started, no job
    /// outside its visible days.
    pub fn offered_catalog(&self) -> Option<Catalog> {
        let now = self.now();
        self.inner
            .catalog
            .read()
            .ok()
            .and_then(|c| c.as_ref().map(|c| c.on_offer(now)))
    }

    /// A photo the catalog names, if the kiosk holds it (JPEG bytes).
    pub fn photo(&self, id: &str) -> Option<Vec<u8>> {
        self.inner.store.photo(id).ok().flatten()
    }

    /// The catalog as last received, if ever.
    pub fn catalog(&self) -> Option<Catalog> {
        self.inner.catalog.read().ok().and_then(|c| c.clone())
    }

    /// Ask the sync worker to try now rather than at its next round.
    pub fn sync_now(&self) {
        self.inner.wake.notify_one();
    }

    /// Sync state for staff.
    pub fn status(&self) -> SyncStatus {
        self.inner.status.borrow().clone()
    }

    /// Sync state as it changes, for screens and tests that wait for it.
    pub fn subscribe_status(&self) -> watch::Receiver<SyncStatus> {
        self.inner.status.subscribe()
    }

    /// The journals the kiosk holds.
    pub async fn journals(&self) -> Vec<JournalInfo> {
        let journals = self.inner.journals.lock().await;
        let mut out = Vec::with_capacity(journals.len());
        for (id, j) in journals.iter() {
            out.push(JournalInfo {
                doc_id: id.clone(),
                day: j.meta.day.clone(),
                closed: j.meta.closed,
                signups: j.local_count(),
                fully_acked: j.fully_acked().await,
                heads: j.synced_heads().await.map(|(h, _)| h).unwrap_or_default(),
            });
        }
        out
    }

    /// Recount the signups not yet acknowledged.
    pub(crate) async fn refresh_queue(&self) {
        let journals = self.inner.journals.lock().await;
        let mut queued = 0;
        let mut unacked = 0;
        for j in journals.values() {
            queued += j.local_count().saturating_sub(j.meta.acked_signups);
            unacked += u64::from(!j.fully_acked().await);
        }
        let held = journals.len() as u64;
        self.inner.status.send_modify(|s| {
            s.queued_signups = queued;
            s.journals_held = held;
            s.unacked_journals = unacked;
        });
    }

    /// Stop sync and storage tasks and release the database file.
    pub async fn shutdown(&self) {
        self.inner.repo.stop().await;
        if !self.inner.store.close().await {
            tracing::warn!("the database was still in use when the kiosk shut down");
        }
    }
}

/// Changes stored one by one load slowly (each is applied on its own, in both replicas); a
/// snapshot of a 2,000-signup journal loads in a few milliseconds. Past this many
/// incremental chunks, opening the kiosk writes a snapshot and drops them.
pub const COMPACT_AFTER_CHUNKS: usize = 32;

/// Load a journal's chunks into a fresh document. If many are incremental changes, write
/// the whole document as one snapshot (durably, read back) and only then delete the
/// chunks it covers; a crash in between leaves both, which load to the same document.
fn load_and_compact(store: &KioskStore, doc_id: &str) -> Result<Automerge, OpenError> {
    use frivillig_common::untrusted;
    let chunks = store.chunks().chunks_with_prefix(&format!("{doc_id}/"))?;
    let mut local = Automerge::new();
    // One pass over all chunks is much faster than one call per chunk; a chunk that does
    // not load sends us back to one at a time, to keep every other chunk.
    let all: Vec<u8> = chunks.iter().flat_map(|(_, c)| c.iter().copied()).collect();
    if untrusted::load_incremental(&mut local, &all).is_err() {
        local = Automerge::new();
        let mut loaded: Vec<&[u8]> = Vec::new();
        for (key, chunk) in &chunks {
            match untrusted::load_incremental(&mut local, chunk) {
                Ok(_) => loaded.push(chunk),
                Err(e) => {
                    tracing::error!(chunk = %key, error = %e, "a stored chunk does not load");
                    if matches!(e, untrusted::UntrustedError::Malformed) {
                        // Automerge failed half-way: start again from what loaded.
                        local = Automerge::new();
                        for good in &loaded {
                            let _ = untrusted::load_incremental(&mut local, good);
                        }
                    }
                }
            }
        }
        // A broken chunk stays where it is for an expert to look at; no compaction.
        return Ok(local);
    }
    let incremental = chunks
        .iter()
        .filter(|(k, _)| k.contains("/incremental/"))
        .count();
    if incremental >= COMPACT_AFTER_CHUNKS {
        let snapshot = local.save();
        let heads: Vec<String> = local.get_heads().iter().map(ToString::to_string).collect();
        let name = hex::encode(&sha2_digest(heads.join(",").as_bytes())[..16]);
        let key = format!("{doc_id}/snapshot/{name}");
        store.chunks().put_chunk(&key, &snapshot)?;
        let covered: Vec<String> = chunks
            .into_iter()
            .map(|(k, _)| k)
            .filter(|k| *k != key)
            .collect();
        store.chunks().delete_chunks(&covered)?;
        tracing::info!(journal = %doc_id, chunks = covered.len(), "journal compacted into one snapshot");
    }
    Ok(local)
}

fn sha2_digest(bytes: &[u8]) -> Vec<u8> {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes).to_vec()
}
