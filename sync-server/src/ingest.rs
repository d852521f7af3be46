//! Ingest: reading a journal the server holds, opening each signup's sealed personal data,
//! and committing the durable copy, the signups and their index entries in one redb
//! transaction. An acknowledgement names only heads that such a commit covered.

use std::collections::HashSet;
use std::time::Duration;

use automerge::{Automerge, ChangeHash};
use frivillig_common::catalog::{read_catalog, write_taken};
use frivillig_common::domain::{SignupRecord, Source};
use frivillig_common::journal::{read_header, read_run_keys, read_signups};
use frivillig_common::sync::{format_heads, parse_heads};
use futures::StreamExt;
use samod::{DocHandle, DocumentId, RepoEvent, RepoObserver};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use crate::AppState;
use crate::error::ApiError;
use crate::store::{IngestBatch, IngestOutcome};

/// Wait until the server's replica of `doc_id` contains every change in `heads`, for at
/// most the configured time.
pub async fn wait_for_heads(
    state: &AppState,
    doc_id: &DocumentId,
    heads: &[ChangeHash],
) -> Result<DocHandle, ApiError> {
    let deadline = tokio::time::Instant::now() + Duration::from_millis(state.config.ack_wait_ms);
    let has_all = |doc: &mut Automerge| {
        heads
            .iter()
            .all(|h| doc.get_change_meta_by_hash(h).is_some())
    };
    loop {
        let found = state
            .repo
            .find(doc_id.clone())
            .await
            .map_err(|_| ApiError::internal("repository stopped"))?;
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

fn not_yet() -> ApiError {
    ApiError::NotYet(
        "the journal's changes have not reached the server yet; sync and ask again".into(),
    )
}

/// Commit what the server's replica of the journal holds now.
pub async fn ingest_journal(
    state: &AppState,
    doc_id: &DocumentId,
    handle: DocHandle,
) -> Result<(IngestOutcome, Vec<ChangeHash>), ApiError> {
    let _guard = state.ingest_lock.lock().await;
    let st = state.clone();
    let doc_key = doc_id.to_string();
    let result = tokio::task::spawn_blocking(move || {
        let row = st.store.journal(&doc_key)?.ok_or(ApiError::NotFound)?;
        let prev = parse_heads(&row.saved_heads).unwrap_or_default();
        let unchanged = handle.with_document(|doc| !prev.is_empty() && doc.get_heads() == prev);
        if unchanged {
            let outcome = IngestOutcome { signups: row.signups, new: 0, refused: 0 };
            return Ok((outcome, prev, false));
        }
        let (heads, chunk, header, records, runs) = handle.with_document(|doc| {
            let heads = doc.get_heads();
            let complete_prev = !prev.is_empty() && prev.iter().all(|h| doc.get_change_meta_by_hash(h).is_some());
            let chunk = if heads == prev {
                Vec::new()
            } else if complete_prev {
                doc.save_after(&prev)
            } else {
                doc.save()
            };
            (heads, chunk, read_header(doc), read_signups(doc), read_run_keys(doc))
        });
        let header = header.map_err(|e| ApiError::Conflict(format!("not a journal: {e}")))?;
        let expected_owner = if row.owner == "web" { "web".to_owned() } else { format!("kiosk:{}", row.owner) };
        if header.owner != expected_owner {
            return Err(ApiError::Conflict("the journal names another owner".into()));
        }
        let (records, malformed) = records.map_err(|e| ApiError::Conflict(format!("not a journal: {e}")))?;
        if malformed > 0 {
            tracing::warn!(journal = %doc_key, malformed, "journal holds malformed signup records; skipped");
        }
        let mut batch_records = Vec::with_capacity(records.len());
        for record in records.into_iter().filter(|r| source_matches(r, &row.owner)) {
            let person = if st.store.has_person(&record.id)? {
                None
            } else {
                match st.keys.sealing.open_in_journal(&record.sealed, &runs) {
                    Ok(p) => Some(p),
                    Err(e) => {
                        tracing::warn!(signup = %record.id, error = %e, "personal data cannot be opened");
                        None
                    }
                }
            };
            batch_records.push((record, person));
        }
        let outcome = st.store.ingest(IngestBatch {
            doc_id: doc_key.clone(),
            heads: format_heads(&heads),
            chunk,
            records: batch_records,
        })?;
        if outcome.refused > 0 {
            tracing::warn!(journal = %doc_key, refused = outcome.refused, "signups with ids of another journal refused");
        }
        st.ingests.send_modify(|n| *n += 1);
        Ok((outcome, heads, true))
    })
    .await
    .map_err(ApiError::internal)??;
    let (outcome, heads, changed) = result;
    // New signups or changed statuses move the spots taken; tell the kiosks (soon: see
    // `start_taken_refresher`).
    if changed {
        state.taken_dirty.notify_one();
    }
    Ok((outcome, heads))
}

/// How often, at most, the spots taken are written into the catalog while signups arrive.
const TAKEN_REFRESH_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// Count the spots taken again after ingests that changed signups, at once when the server
/// was quiet and then at most every [`TAKEN_REFRESH_EVERY`]. Every write is a change of
/// the catalog document that samod sends to every connected kiosk, and that stays in the
/// document's history: written at each ingest, 500 kiosks taking 100 signups a second
/// made 100 catalog changes a second for 500 kiosks each (the load test's server could not
/// keep up). Kiosks count their own signups in the meantime.
pub fn start_taken_refresher(state: &AppState) {
    let state = state.clone();
    tokio::spawn(async move {
        loop {
            state.taken_dirty.notified().await;
            if let Err(e) = refresh_taken(&state).await {
                tracing::warn!(error = %e, "could not update the spots taken in the catalog");
            }
            // Ingests meanwhile leave one permit, so the next count follows this pause.
            tokio::time::sleep(TAKEN_REFRESH_EVERY).await;
        }
    });
}

/// Count the spots taken on every shift of the catalog and write the counts into the
/// catalog document (only what changed), from where every kiosk receives them.
pub async fn refresh_taken(state: &AppState) -> Result<(), ApiError> {
    let handle = state
        .repo
        .find(state.catalog_id.clone())
        .await
        .map_err(|_| ApiError::internal("repository stopped"))?
        .ok_or_else(|| ApiError::internal("the catalog document is missing"))?;
    let st = state.clone();
    tokio::task::spawn_blocking(move || {
        let catalog = handle
            .with_document(|d| read_catalog(d))
            .map_err(ApiError::internal)?;
        let shifts: Vec<String> = catalog
            .opportunities
            .iter()
            .flat_map(|o| o.shifts.iter().map(|s| s.id.clone()))
            .collect();
        let taken = st.store.taken_per_shift(&shifts)?;
        handle
            .with_document(|d| write_taken(d, &taken))
            .map_err(ApiError::internal)?;
        Ok(())
    })
    .await
    .map_err(ApiError::internal)?
}

fn source_matches(record: &SignupRecord, owner: &str) -> bool {
    match &record.source {
        Source::Kiosk(id) => id == owner,
        Source::Web => owner == "web",
    }
}

/// The ids of every journal the server knows, shared with samod's observer.
pub type KnownJournals = std::sync::Arc<std::sync::Mutex<HashSet<DocumentId>>>;

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
    if let Ok(mut journals) = state.journals.lock() {
        journals.insert(doc_id.clone());
    }
    let _ = state.journal_activity.send(doc_id);
}

/// Ingest the journals named on `rx`, one at a time, each burst of sync messages about a
/// journal settling into one ingest. No handle is kept between ingests: a journal no kiosk
/// is connected to may leave memory (`ServerConfig::unload_idle_secs`). Until the first
/// sync message of a newly registered journal arrives, it is not found and skipped; that
/// message names it again.
pub fn start_ingester(state: &AppState, mut rx: UnboundedReceiver<DocumentId>) {
    let state = state.clone();
    tokio::spawn(async move {
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
                let handle = match state.repo.find(doc_id.clone()).await {
                    Ok(Some(h)) => h,
                    Ok(None) => continue,
                    Err(_) => return,
                };
                if let Err(e) = ingest_journal(&state, &doc_id, handle).await {
                    tracing::warn!(journal = %doc_id, error = %e, "background ingest failed");
                }
            }
        }
    });
}
