//! The kiosk's core: its journals, the catalog cache and the signup path.
//!
//! [`KioskCore::submit_signup`] validates the form, seals the personal fields to the
//! server's key, adds the record to today's journal through samod, then writes that change
//! itself into redb (committed with full durability) and reads it back before returning. So
//! "saved" on the screen never depends on samod's asynchronous storage writes.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, RwLock};

use automerge::{Automerge, ChangeHash};
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
use frivillig_common::sync::{SERVER_PEER_ID, format_heads, kiosk_peer_id};
use futures::Stream;
use samod::{DocHandle, DocumentId, PeerId, Repo, ShareConfig};
use tokio::sync::{Notify, watch};

use crate::clock::Clock;
use crate::config::KioskConfig;
use crate::store::{JournalMeta, KioskStore};

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
}

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
    pub(crate) registered: watch::Sender<HashSet<DocumentId>>,
    pub(crate) status: watch::Sender<SyncStatus>,
    pub(crate) wake: Notify,
}

/// The kiosk without its screens. Cheap to clone.
#[derive(Clone)]
pub struct KioskCore {
    pub(crate) inner: Arc<Inner>,
}

/// The kiosk's share policy: only the server is a peer; the catalog may be requested from
/// it; a journal is offered only once the server has registered it as this kiosk's.
#[derive(Clone)]
struct KioskPolicy {
    catalog_id: Arc<RwLock<Option<DocumentId>>>,
    registered: watch::Receiver<HashSet<DocumentId>>,
}

impl samod::SharePolicy for KioskPolicy {
    fn share(
        &self,
        doc_id: DocumentId,
        peer_id: PeerId,
    ) -> impl Stream<Item = ShareConfig> + Send + 'static {
        let is_server = peer_id.as_str() == SERVER_PEER_ID;
        let is_catalog = self
            .catalog_id
            .read()
            .map(|c| c.as_ref() == Some(&doc_id))
            .unwrap_or(false);
        let rx = self.registered.clone();
        // State: (receiver, finished, first item sent).
        futures::stream::unfold((rx, false, false), move |(mut rx, finished, sent)| {
            let doc_id = doc_id.clone();
            async move {
                if finished {
                    return None;
                }
                if !is_server {
                    return Some((ShareConfig::none(), (rx, true, true)));
                }
                if is_catalog {
                    return Some((ShareConfig::read_write(), (rx, true, true)));
                }
                if rx.borrow_and_update().contains(&doc_id) {
                    return Some((ShareConfig::read_write(), (rx, true, true)));
                }
                if !sent {
                    return Some((ShareConfig::none(), (rx, false, true)));
                }
                loop {
                    if rx.changed().await.is_err() {
                        return None;
                    }
                    if rx.borrow_and_update().contains(&doc_id) {
                        return Some((ShareConfig::read_write(), (rx, true, true)));
                    }
                }
            }
        })
    }
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
        let known: HashSet<String> = metas
            .iter()
            .map(|(id, _)| id.clone())
            .chain(catalog_id.iter().map(ToString::to_string))
            .collect();
        for doc in store.chunks().document_ids()? {
            if !known.contains(&doc) {
                store.chunks().delete_document(&doc)?;
            }
        }
        let registered: HashSet<DocumentId> = metas
            .iter()
            .filter(|(_, m)| m.registered)
            .filter_map(|(id, _)| id.parse().ok())
            .collect();
        let (registered_tx, registered_rx) = watch::channel(registered);
        let catalog_cell = Arc::new(RwLock::new(catalog_id));
        let policy = KioskPolicy {
            catalog_id: catalog_cell.clone(),
            registered: registered_rx,
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
                registered: registered_tx,
                status: watch::channel(status).0,
                wake: Notify::new(),
            }),
        };
        core.refresh_queue().await;
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

    /// Spots taken per shift as the server counted them at the last contact (signups from
    /// every kiosk and the web, less those declined or withdrawn).
    pub fn taken(&self) -> BTreeMap<String, u32> {
        self.inner
            .taken
            .read()
            .map(|t| t.clone())
            .unwrap_or_default()
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
            });
        }
        out
    }

    /// Save a visitor's signup. Returns only once the signup is durable in the kiosk's store
    /// and has been read back; the receipt is what the visitor's QR code carries.
    pub async fn submit_signup(
        &self,
        opportunity_id: &str,
        shift_id: Option<&str>,
        form: &SignupForm,
    ) -> Result<Receipt, SubmitError> {
        let catalog = self.catalog().ok_or(SubmitError::NoCatalog)?;
        // Judged by this kiosk's clock: offline for days, it has no other.
        let opportunity = catalog
            .offered(opportunity_id, shift_id, self.inner.clock.now())
            .map_err(|e| match e {
                NotOffered::UnknownJob => SubmitError::UnknownOpportunity(opportunity_id.into()),
                NotOffered::UnknownShift => SubmitError::UnknownShift(opportunity_id.into()),
                other => SubmitError::NoLongerOffered(other),
            })?;
        let mut person = validate_form(form, opportunity.requirements.min_age.is_some())
            .map_err(SubmitError::Invalid)?;
        let consent_version = catalog.current_consent().map(|c| c.version).unwrap_or(0);
        let token = new_receipt_token();
        // Sealed beside the person, so the server's confirmation can link to the receipt.
        person.receipt_token = Some(token.clone());
        let sealed = self.inner.sealer.seal(&person)?;
        let now = rfc3339(self.inner.clock.now());
        let record = SignupRecord::new_signup(
            opportunity,
            shift_id,
            Source::Kiosk(self.inner.config.kiosk_id.clone()),
            now,
            consent_version,
            receipt_hash(&token),
            sealed.envelope,
        );
        let mut journals = self.inner.journals.lock().await;
        let (doc_id, handle, local, outbox) = self.current_journal(&mut journals).await?;
        let storage = self.inner.store.chunks().clone();
        let rec = record.clone();
        let change = blocking(move || -> Result<Vec<u8>, SubmitError> {
            let mut doc = local.lock().map_err(|_| SubmitError::Stopped)?;
            let before = doc.get_heads();
            add_sealed_signup(&mut doc, &rec, &sealed.run_key)?;
            persist_last_change(&storage, &doc_id, &mut doc)
                .inspect_err(|_| forget_unsaved(&mut doc, &before))
        })
        .await?;
        hand_to_samod(&handle, &outbox, change);
        drop(journals);
        self.inner.status.send_modify(|s| {
            s.queued_signups += 1;
            s.unacked_journals = s.unacked_journals.max(1);
        });
        self.inner.wake.notify_one();
        Ok(Receipt {
            url: receipt_url(&self.inner.config.public_url, &record.id, &token),
            signup_id: record.id,
            token,
        })
    }

    /// Record that a volunteer checked in at this kiosk. Durable when it returns.
    pub async fn check_in(&self, signup_id: &str) -> Result<(), SubmitError> {
        let journals = self.inner.journals.lock().await;
        let at = rfc3339(self.inner.clock.now());
        let by = self.inner.config.kiosk_id.clone();
        for (id, j) in journals.iter() {
            let local = j.local.clone();
            let storage = self.inner.store.chunks().clone();
            let (sid, at, by, doc_id) = (signup_id.to_owned(), at.clone(), by.clone(), id.clone());
            let change = blocking(move || -> Result<Option<Vec<u8>>, SubmitError> {
                let mut doc = local.lock().map_err(|_| SubmitError::Stopped)?;
                if frivillig_common::journal::read_signup(&*doc, &sid).is_err() {
                    return Ok(None);
                }
                let before = doc.get_heads();
                add_check_in(&mut doc, &sid, &CheckIn { at, by })?;
                persist_last_change(&storage, &doc_id, &mut doc)
                    .inspect_err(|_| forget_unsaved(&mut doc, &before))
                    .map(Some)
            })
            .await?;
            if let Some(change) = change {
                hand_to_samod(&j.handle, &j.outbox, change);
                drop(journals);
                self.refresh_queue().await;
                self.inner.wake.notify_one();
                return Ok(());
            }
        }
        Err(SubmitError::Journal(
            frivillig_common::journal::JournalError::UnknownSignup(signup_id.to_owned()),
        ))
    }

    /// Read a signup the kiosk still holds (for tests and staff; personal data stays sealed).
    pub async fn signup(&self, signup_id: &str) -> Option<SignupRecord> {
        let journals = self.inner.journals.lock().await;
        for j in journals.values() {
            let id = signup_id.to_owned();
            let found = j
                .handle
                .with_document_async(move |d| frivillig_common::journal::read_signup(d, &id).ok())
                .await
                .ok()
                .flatten();
            if found.is_some() {
                return found;
            }
        }
        None
    }

    /// The ids of every signup in the journals the kiosk holds, read from its own replicas
    /// (what its store holds), in one pass.
    pub async fn signup_ids(&self) -> HashSet<String> {
        let journals = self.inner.journals.lock().await;
        let mut ids = HashSet::new();
        for j in journals.values() {
            if let Ok(doc) = j.local.lock()
                && let Ok((records, _)) = frivillig_common::journal::read_signups(&*doc)
            {
                ids.extend(records.into_iter().map(|r| r.id));
            }
        }
        ids
    }

    /// The journal new signups go into, rolling over at a new day or at the size cap.
    async fn current_journal(
        &self,
        journals: &mut BTreeMap<String, OpenJournal>,
    ) -> Result<(String, DocHandle, Arc<std::sync::Mutex<Automerge>>, Outbox), SubmitError> {
        let today = self.inner.clock.now().date_naive().to_string();
        let mut current = None;
        for (id, j) in journals.iter_mut() {
            if j.meta.closed {
                continue;
            }
            let full = j.local_count() >= JOURNAL_CAP as u64;
            if j.meta.day != today || full {
                j.meta.closed = true;
                self.inner.store.put_journal(id, &j.meta)?;
            } else {
                current = Some((
                    id.clone(),
                    j.handle.clone(),
                    j.local.clone(),
                    j.outbox.clone(),
                ));
            }
        }
        if let Some(c) = current {
            return Ok(c);
        }
        let header = JournalHeader {
            owner: format!("kiosk:{}", self.inner.config.kiosk_id),
            day: today.clone(),
        };
        let doc = new_journal_doc(&header)?;
        let local = Arc::new(std::sync::Mutex::new(doc.fork()));
        let outbox = Outbox::default();
        let created = doc.save();
        let handle = self
            .inner
            .repo
            .create(doc)
            .await
            .map_err(|_| SubmitError::Stopped)?;
        let id = handle.document_id().to_string();
        // samod keeps its own writes in memory on a kiosk: store the new journal durably
        // before it is recorded (a crash in between leaves an orphan that start-up purges).
        self.inner
            .store
            .chunks()
            .put_chunk(&format!("{id}/snapshot/created"), &created)?;
        let seq = journals.values().map(|j| j.meta.seq + 1).max().unwrap_or(0);
        let meta = JournalMeta {
            day: today,
            seq,
            closed: false,
            registered: false,
            acked_heads: Vec::new(),
            acked_signups: 0,
        };
        self.inner.store.put_journal(&id, &meta)?;
        journals.insert(
            id.clone(),
            OpenJournal {
                meta,
                handle: handle.clone(),
                local: local.clone(),
                outbox: outbox.clone(),
            },
        );
        Ok((id, handle, local, outbox))
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

/// Run the blocking part of a signup (Automerge change, redb commit). On a multi-threaded
/// runtime in place, which spares a hand-off to another thread (about 0.1 ms on this
/// machine); elsewhere on the blocking pool.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, SubmitError> + Send + 'static,
) -> Result<T, SubmitError> {
    use tokio::runtime::{Handle, RuntimeFlavor};
    if Handle::current().runtime_flavor() == RuntimeFlavor::MultiThread {
        tokio::task::block_in_place(f)
    } else {
        tokio::task::spawn_blocking(f)
            .await
            .map_err(|_| SubmitError::Stopped)?
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

/// Write the document's last local change into the store ourselves, durably, and read it
/// back. samod writes it too, later; the key is content-addressed so both agree.
/// Take a change that did not reach the disk back out of the kiosk's copy: the visitor was
/// told it was not saved, and the next change would otherwise depend on it, so the next
/// one could not be stored or synced on its own. The copy continues under a new actor, so
/// the forgotten change's sequence number is never reused for other content.
fn forget_unsaved(doc: &mut Automerge, heads: &[ChangeHash]) {
    match doc.fork_at(heads) {
        Ok(back) => *doc = back,
        Err(e) => tracing::error!(error = %e, "cannot take an unsaved change back out"),
    }
}

fn persist_last_change(
    storage: &frivillig_common::storage::RedbStorage,
    doc_id: &str,
    doc: &mut automerge::Automerge,
) -> Result<Vec<u8>, SubmitError> {
    let change = doc.get_last_local_change().ok_or_else(|| {
        SubmitError::Storage(StorageError::Corrupt("no local change to persist".into()))
    })?;
    let hash: ChangeHash = change.hash();
    let bytes = change.raw_bytes().to_vec();
    storage.put_chunk(&format!("{doc_id}/incremental/{hash}"), &bytes)?;
    Ok(bytes)
}
