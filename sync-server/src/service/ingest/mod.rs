//! Ingest: reading a journal the server holds, opening each signup's sealed personal data,
//! and committing the durable copy, the signups and their index entries in one redb
//! transaction, with the confirmation of each new signup queued in the outbox. An
//! acknowledgement names only heads that such a commit covered.
//!
//! [`plan`] decides what a commit holds; this module is the shell around it: it waits for
//! heads, locks, finds the document and commits, and keeps every known journal ingested as
//! its changes arrive.

pub mod plan;
pub mod trust;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use automerge::{Automerge, ChangeHash};
use frivillig_common::sync::parse_heads;
use futures::StreamExt;
use samod::{DocHandle, DocumentId, RepoEvent, RepoObserver};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use frivillig_common::catalog::read_catalog;

use crate::AppState;
use crate::service::catalog::catalog_handle;
use crate::service::mail::compose;
use crate::service::{ServiceError, blocking};
use crate::store::outbox::now_ms;
use crate::store::{IngestOutcome, JournalOwner};

/// Wait until the server's replica of `doc_id` contains every change in `heads`, for at
/// most the configured time.
pub async fn wait_for_heads(
    state: &AppState,
    doc_id: &DocumentId,
    heads: &[ChangeHash],
) -> Result<DocHandle, ServiceError> {
    let deadline = tokio::time::Instant::now() + Duration::from_millis(state.config.ack_wait_ms);
    let has_all = |doc: &mut Automerge| {
        heads
            .iter()
            .all(|h| doc.get_change_meta_by_hash(h).is_some())
    };
    loop {
        let found = state
            .sync
            .repo
            .find(doc_id.clone())
            .await
            .map_err(|_| ServiceError::internal("repository stopped"))?;
        match found {
            Some(handle) => {
                let mut changes = handle.changes();
                if handle.with_document(has_all) {
                    return Ok(handle);
                }
                // Wait for the next change to arrive (or the deadline), then look again.
                if tokio::time::timeout_at(deadline, changes.next())
                    .await
                    .is_err()
                {
                    return Err(not_yet());
                }
            }
            None => {
                // The kiosk registered the journal but its first sync message has not been
                // processed yet; samod offers no event for "a peer created a document", so
                // look again shortly, within the deadline.
                if tokio::time::Instant::now() >= deadline {
                    return Err(not_yet());
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

fn not_yet() -> ServiceError {
    ServiceError::NotYet(
        "the journal's changes have not reached the server yet; sync and ask again".into(),
    )
}

/// Commit what the server's replica of the journal holds now (see [`plan`] for what the
/// commit covers). Returns the outcome and the heads the durable copy reaches.
///
/// A journal some kiosk carried for its owner is committed only as far as `vouched`, the
/// heads its owner vouched for in this request (its own word, or its signature carried),
/// and what was committed before: the carrier may have added changes of its own.
pub async fn ingest_journal(
    state: &AppState,
    doc_id: &DocumentId,
    handle: DocHandle,
    vouched: &[ChangeHash],
) -> Result<(IngestOutcome, Vec<ChangeHash>), ServiceError> {
    let catalog = catalog_handle(state).await?;
    let _guard = state.ingest.lock.lock().await;
    let st = state.clone();
    let doc_key = doc_id.to_string();
    let vouched = vouched.to_vec();
    let result = blocking(move || {
        let row = st.store.journal(&doc_key)?.ok_or(ServiceError::NotFound)?;
        let prev = parse_heads(&row.saved_heads).unwrap_or_default();
        let limit = (!row.relayed_by.is_empty()).then_some(vouched.as_slice());
        let Some(snapshot) = handle.with_document(|doc| plan::read_journal(doc, &prev, limit))
        else {
            let outcome = IngestOutcome {
                signups: row.signups,
                new: 0,
                refused: 0,
            };
            return Ok((outcome, prev, false));
        };
        // The catalog: a kiosk's journal is checked against it (the web's is written by the
        // server alone), and the confirmations say what each signup is for.
        let catalog = catalog
            .with_document(|d| read_catalog(d))
            .map_err(|_| ServiceError::internal("the catalog cannot be read"))?;
        let kiosk = match &row.owner {
            JournalOwner::Kiosk(k) => Some(k.clone()),
            JournalOwner::Web => None,
        };
        let ctx = kiosk.as_ref().map(|kiosk| trust::KioskContext {
            kiosk,
            catalog: &catalog,
            now: chrono::Utc::now(),
        });
        let plan = plan::plan_ingest(
            &doc_key,
            &row,
            snapshot,
            ctx.as_ref(),
            |id| st.store.signup(id),
            |record, runs| match st.keys.sealing.open_in_journal(&record.sealed, runs) {
                Ok(p) => Some(p),
                Err(e) => {
                    tracing::warn!(signup = %record.id, error = %e, "personal data cannot be opened");
                    None
                }
            },
        )?;
        if plan.malformed > 0 {
            tracing::warn!(journal = %doc_key, malformed = plan.malformed, "journal holds malformed signup records; skipped");
        }
        let mut queued = 0;
        let w = st.mail.writer(&st.config.public_url);
        let mut compose = |signup: &crate::store::SignupRow| {
            compose::confirmation(&catalog, signup, &w)
                .map(|m| {
                    queued += 1;
                    vec![(m, now_ms())]
                })
                .unwrap_or_default()
        };
        let outcome = st
            .store
            .ingest_with(plan.batch, &mut compose, &st.mail.domain)?;
        if queued > 0 {
            st.mail.wake.notify_one();
            st.mail.schedule.notify_one();
        }
        if outcome.refused > 0 {
            tracing::warn!(journal = %doc_key, refused = outcome.refused, "records refused: ids of another journal, or failing the trust checks (see the admin page of refused records)");
        }
        st.ingest.committed.send_modify(|n| *n += 1);
        Ok((outcome, plan.heads, true))
    })
    .await?;
    let (outcome, heads, changed) = result;
    // New signups or changed statuses move the spots taken; tell the kiosks (soon: see
    // `catalog::start_taken_refresher`).
    if changed {
        state.ingest.taken_dirty.notify_one();
    }
    Ok((outcome, heads))
}

/// The ids of every journal the server knows, shared with samod's observer.
pub type KnownJournals = std::sync::Arc<std::sync::Mutex<HashSet<DocumentId>>>;

/// What ingests share: their lock, the journals to watch, and what they tell others.
#[derive(Clone)]
pub struct Ingest {
    /// Serialises ingests so each durable chunk follows the previous one.
    pub lock: Arc<tokio::sync::Mutex<()>>,
    /// Signalled by each ingest that changed signups: the spots taken are counted again and
    /// written into the catalog (see `catalog::start_taken_refresher`).
    pub taken_dirty: Arc<tokio::sync::Notify>,
    /// How many ingests have committed since start; tests and operators can wait on it.
    pub committed: Arc<tokio::sync::watch::Sender<u64>>,
    /// Every journal the server knows: sync messages about them are ingested as they arrive
    /// (see [`watch_journal`]).
    pub journals: KnownJournals,
    /// Journals to ingest soon (fed by samod's observer and [`watch_journal`]).
    pub activity: UnboundedSender<DocumentId>,
    /// Held while a web signup finds or creates the day's web journal and adds to it.
    pub web_journal_lock: Arc<tokio::sync::Mutex<()>>,
}

impl Ingest {
    /// A new set, and the receiving end of its activity channel (for [`start_ingester`]).
    pub fn new() -> (Ingest, UnboundedReceiver<DocumentId>) {
        let (activity, rx) = tokio::sync::mpsc::unbounded_channel();
        let ingest = Ingest {
            lock: Arc::default(),
            taken_dirty: Arc::default(),
            committed: Arc::new(tokio::sync::watch::channel(0).0),
            journals: KnownJournals::default(),
            activity,
            web_journal_lock: Arc::default(),
        };
        (ingest, rx)
    }
}

/// samod's observer: a sync message about a known journal asks for an ingest. It runs
/// inside the document's actor, so it only looks up a set and sends on a channel.
pub struct SyncActivity {
    /// The journals to look for.
    pub journals: KnownJournals,
    /// Where their ids go (read by [`start_ingester`]).
    pub tx: UnboundedSender<DocumentId>,
    /// How many documents samod holds in memory (after each of its events).
    pub documents_loaded: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl RepoObserver for SyncActivity {
    fn observe(&self, event: &RepoEvent) {
        match event {
            RepoEvent::SyncMessageReceived { document_id, .. }
                if self.journals.lock().is_ok_and(|j| j.contains(document_id)) =>
            {
                let _ = self.tx.send(document_id.clone());
            }
            RepoEvent::HubEventProcessed { documents, .. } => {
                self.documents_loaded
                    .store(*documents, std::sync::atomic::Ordering::Relaxed);
            }
            _ => {}
        }
    }
}

/// Ingest a journal whenever its changes arrive, not only when its kiosk asks for an
/// acknowledgement: a kiosk that synced and then died or was revoked still delivered its
/// signups. Called at registration and for every known journal at start-up; the journal
/// is ingested once now and then after each sync message about it.
pub fn watch_journal(state: &AppState, doc_id: DocumentId) {
    if let Ok(mut journals) = state.ingest.journals.lock() {
        journals.insert(doc_id.clone());
    }
    let _ = state.ingest.activity.send(doc_id);
}

/// Ingest the journals named on `rx`, one at a time, each burst of sync messages about a
/// journal settling into one ingest. No handle is kept between ingests: a journal no kiosk
/// is connected to may leave memory (`ServerConfig::unload_idle_secs`). Until the first
/// sync message of a newly registered journal arrives, it is not found and skipped; that
/// message names it again.
pub fn start_ingester(state: &AppState, mut rx: UnboundedReceiver<DocumentId>) {
    let st = state.clone();
    state.background.spawn(async move {
        let state = st;
        while let Some(first) = rx.recv().await {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let mut batch = vec![first.clone()];
            let mut seen = HashSet::from([first]);
            while let Ok(id) = rx.try_recv() {
                if seen.insert(id.clone()) {
                    batch.push(id);
                }
            }
            for doc_id in batch {
                let handle = match state.sync.repo.find(doc_id.clone()).await {
                    Ok(Some(h)) => h,
                    Ok(None) => continue,
                    Err(_) => return,
                };
                if let Err(e) = ingest_journal(&state, &doc_id, handle, &[]).await {
                    tracing::warn!(journal = %doc_id, error = %e, "background ingest failed");
                }
            }
        }
    });
}
