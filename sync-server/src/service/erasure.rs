//! Erasing a person's signup, at a coordinator's request or when its retention runs out.
//!
//! Automerge keeps deleted values in a document's history, so erasure cannot be a delete
//! inside the journal. It happens in two steps:
//!
//! 1. At once: the signup leaves the server's opened store, its index entries and the list,
//!    and its id is recorded as erased, so no later ingest brings it back.
//! 2. As soon as no kiosk can still hold the journal, the server rewrites the journal as a
//!    fresh document built from the current records without the erased ones, deletes the
//!    old document's bytes (its durable copy and samod's chunks), and retires the old id:
//!    it cannot be registered or synced again, so a stale copy cannot bring anything back.
//!
//! "No kiosk can still hold it": a kiosk keeps a closed journal only until the server has
//! acknowledged it. So a kiosk journal is rewritten once its day is over by two days and its
//! kiosk has since reported no unacknowledged signups (or is revoked). The server's own web
//! journals are rewritten at once, under the lock web signups take.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use redb::ReadableTable;

use frivillig_common::ids::SignupId;
use frivillig_common::journal::{add_signup, new_journal_doc, read_header, read_signups};
use frivillig_common::sync::format_heads;
use samod::DocumentId;

use crate::AppState;
use crate::service::ServiceError;
use crate::service::blocking;
use crate::store::schema::{
    AUDIT, ERASED, INDEX, JOURNAL_CHUNKS, JOURNALS, META, RETIRED, SIGNUPS,
};
use crate::store::{AuditEntry, JournalOwner, JournalRow};
use crate::store::{Store, StoreError};

/// How long signups are kept (server settings).
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    /// Days after its last status change that a declined or withdrawn signup is erased.
    pub closed_days: u32,
    /// Days after it was made that any signup is erased.
    pub max_days: u32,
}

/// What an erased note's words in the audit log become.
pub const ERASED_DETAIL: &str = "(slettet / erased)";

impl Store {
    /// Step 1 of erasure: remove the signup from the opened store, the index and the list,
    /// record it as erased and mark its journal for rewriting, in one transaction. Returns
    /// the journal's id, or `None` if there was no such signup.
    pub fn erase_signup(&self, signup_id: &str) -> Result<Option<String>, StoreError> {
        let tx = self.write()?;
        let journal = {
            let Some(row) = SIGNUPS.open(&tx)?.remove(signup_id)? else {
                return Ok(None);
            };
            let mut index = tx.open_table(INDEX)?;
            for (f, v) in crate::store::index_entries(&row.record) {
                index.remove((f, v.as_str(), signup_id))?;
            }
            let now = Utc::now().to_rfc3339();
            tx.open_table(ERASED)?.insert(signup_id, now.as_str())?;
            // A note's words are in the audit log too: they go with the person. What was
            // done, by whom and when stays.
            let mut audit = AUDIT.open(&tx)?;
            let noted: Vec<(u64, AuditEntry)> = audit
                .iter()?
                .filter_map(|item| match item {
                    Ok((k, e))
                        if e.target == signup_id
                            && matches!(e.action.as_str(), "note" | "message") =>
                    {
                        Some(Ok((k.value(), e)))
                    }
                    Ok(_) => None,
                    Err(e) => Some(Err(e)),
                })
                .collect::<Result<_, StoreError>>()?;
            for (k, mut e) in noted {
                e.detail = ERASED_DETAIL.to_owned();
                audit.insert(k, &e)?;
            }
            // Messages to them go too, sent or not: their address and words are theirs.
            crate::store::outbox::remove_for_signup(&tx, signup_id)?;
            crate::store::schedule::remove_for_signup(&tx, signup_id)?;
            crate::store::schema::FOLLOW_UPS
                .open(&tx)?
                .remove(signup_id)?;
            crate::store::schema::ATTENDANCE
                .open(&tx)?
                .remove(signup_id)?;
            crate::store::schema::PENDING_PRESENCE
                .open(&tx)?
                .remove(signup_id)?;
            // Their last signup: what Min side kept under their address goes too.
            if let Some(email) = row.person.as_ref().and_then(|p| p.email.as_deref()) {
                let email = email.trim().to_lowercase();
                let others = self
                    .listing()
                    .with_email(&email)
                    .iter()
                    .any(|id| id != signup_id);
                if !others {
                    crate::store::volunteers::forget_volunteer(&tx, &email)?;
                    crate::store::invitations::forget_invitations_in(&tx, &email)?;
                }
            }
            let mut journals = JOURNALS.open(&tx)?;
            if let Some(mut j) = journals.get(row.journal_doc_id.as_str())? {
                j.needs_rewrite = true;
                j.signups = j.signups.saturating_sub(1);
                journals.insert(row.journal_doc_id.as_str(), &j)?;
            }
            row.journal_doc_id
        };
        tx.commit()?;
        self.listing_mut().remove(signup_id);
        Ok(Some(journal))
    }

    /// Whether a signup id was erased.
    pub fn is_erased(&self, signup_id: &str) -> Result<bool, StoreError> {
        Ok(self.read()?.open_table(ERASED)?.get(signup_id)?.is_some())
    }

    /// Whether a journal id was retired by a rewrite.
    pub fn is_retired(&self, doc_id: &str) -> Result<bool, StoreError> {
        Ok(self.read()?.open_table(RETIRED)?.get(doc_id)?.is_some())
    }

    /// Journals marked for rewriting, with their rows.
    pub fn journals_to_rewrite(&self) -> Result<Vec<(String, JournalRow)>, StoreError> {
        let tx = self.read()?;
        let t = JOURNALS.read(&tx)?;
        let mut out = Vec::new();
        for item in t.iter()? {
            let (k, row) = item?;
            if row.needs_rewrite {
                out.push((k.value().to_owned(), row));
            }
        }
        Ok(out)
    }

    /// Step 2 of erasure, in one transaction: the new journal's row and durable copy in, the
    /// old one's out and retired, the remaining signups pointed at the new journal, and the
    /// day's web journal pointer moved if it named the old one.
    pub fn replace_journal(
        &self,
        old_id: &str,
        new_id: &str,
        new_row: &JournalRow,
        chunk: &[u8],
        moved: &[String],
    ) -> Result<(), StoreError> {
        let tx = self.write()?;
        {
            let mut journals = JOURNALS.open(&tx)?;
            journals.remove(old_id)?;
            journals.insert(new_id, new_row)?;
            let mut chunks = tx.open_table(JOURNAL_CHUNKS)?;
            let old_chunks: Vec<u32> = chunks
                .range((old_id, 0)..=(old_id, u32::MAX))?
                .map(|item| item.map(|(k, _)| k.value().1))
                .collect::<Result<_, _>>()?;
            for n in old_chunks {
                chunks.remove((old_id, n))?;
            }
            chunks.insert((new_id, 0), chunk)?;
            let mut signups = SIGNUPS.open(&tx)?;
            for id in moved {
                if let Some(mut row) = signups.get(id.as_str())? {
                    row.journal_doc_id = new_id.to_owned();
                    signups.insert(id.as_str(), &row)?;
                }
            }
            tx.open_table(RETIRED)?.insert(old_id, new_id)?;
            let mut meta = tx.open_table(META)?;
            let key = format!("web_journal:{}", new_row.day);
            let points_to_old = meta.get(key.as_str())?.is_some_and(|v| v.value() == old_id);
            if points_to_old {
                meta.insert(key.as_str(), new_id)?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Signups whose retention has run out at `now`.
    pub fn expired_signups(
        &self,
        retention: Retention,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>, StoreError> {
        let days_since = |at: &str| {
            DateTime::parse_from_rfc3339(at)
                .map(|t| (now - t.to_utc()).num_days())
                .unwrap_or(0)
        };
        let tx = self.read()?;
        let t = SIGNUPS.read(&tx)?;
        let mut out = Vec::new();
        for item in t.iter()? {
            let (k, row) = item?;
            let r = &row.record;
            let closed = r.status.is_closed();
            // Counted from the server's own times, never from the kiosk's `created_at`: a
            // kiosk's clock (or a stolen token) must not decide how long a person is kept.
            let last_change = r
                .status_history
                .last()
                .map_or(row.received_at.as_str(), |c| c.at.as_str());
            let too_old = retention.max_days > 0
                && days_since(&row.received_at) >= i64::from(retention.max_days);
            let closed_long = retention.closed_days > 0
                && closed
                && days_since(last_change) >= i64::from(retention.closed_days);
            if too_old || closed_long {
                out.push(k.value().to_owned());
            }
        }
        Ok(out)
    }
}

/// Erase a signup (step 1 at once, step 2 if its journal may be rewritten now) and note it
/// in the audit log. `NotFound` if there is no such signup.
pub async fn erase(state: &AppState, signup_id: &SignupId, by: &str) -> Result<(), ServiceError> {
    let st = state.clone();
    let (id, by) = (signup_id.to_string(), by.to_owned());
    blocking(move || {
        st.store.erase_signup(&id)?.ok_or(ServiceError::NotFound)?;
        // A refused copy of the same record holds the same person's sealed data.
        st.store.forget_refused(None, Some(&id))?;
        st.store.audit(&by, "erase", &id, "")?;
        Ok(())
    })
    .await?;
    tracing::info!(signup = %signup_id, "signup erased");
    if let Err(e) = crate::service::catalog::refresh_taken(state).await {
        tracing::warn!(error = %e, "could not update the spots taken after an erasure");
    }
    rewrite_pending(state).await?;
    Ok(())
}

/// Whether no kiosk can still hold (and so bring back) the journal.
fn may_rewrite(store: &Store, row: &JournalRow, today: NaiveDate) -> Result<bool, StoreError> {
    let JournalOwner::Kiosk(kiosk_id) = &row.owner else {
        // The server's own journal: no kiosk holds a copy.
        return Ok(true);
    };
    let Ok(day) = NaiveDate::parse_from_str(&row.day, "%Y-%m-%d") else {
        return Ok(false);
    };
    if (today - day).num_days() < 2 {
        return Ok(false);
    }
    let Some(device) = store.device(kiosk_id.as_str())? else {
        return Ok(true);
    };
    if device.revoked {
        return Ok(true);
    }
    let contact_after_day = device
        .last_contact
        .as_deref()
        .and_then(|c| DateTime::parse_from_rfc3339(c).ok())
        .is_some_and(|c| (c.date_naive() - day).num_days() >= 2);
    Ok(contact_after_day && device.queued == 0)
}

/// Rewrite every journal marked for it that may be rewritten now. Returns how many were.
pub async fn rewrite_pending(state: &AppState) -> Result<usize, ServiceError> {
    let st = state.clone();
    let pending = blocking(move || {
        let today = Utc::now().date_naive();
        let mut ready = Vec::new();
        for (id, row) in st.store.journals_to_rewrite()? {
            if may_rewrite(&st.store, &row, today)? {
                ready.push(id);
            }
        }
        Ok(ready)
    })
    .await?;
    let mut done = 0;
    for id in pending {
        match rewrite_journal(state, &id).await {
            Ok(()) => done += 1,
            Err(e) => {
                tracing::warn!(journal = %id, error = %e, "journal rewrite failed; will retry")
            }
        }
    }
    Ok(done)
}

async fn rewrite_journal(state: &AppState, old_id: &str) -> Result<(), ServiceError> {
    // No ingest and no web signup may touch journals while one is replaced.
    let _ingest = state.ingest.lock.lock().await;
    let _web = state.ingest.web_journal_lock.lock().await;
    let doc_id: DocumentId = old_id
        .parse()
        .map_err(|_| ServiceError::internal("a stored journal id does not parse"))?;
    let st = state.clone();
    let key = old_id.to_owned();
    let row = blocking(move || Ok(st.store.journal(&key)?))
        .await?
        .ok_or(ServiceError::NotFound)?;
    // The server's replica, or (if samod no longer has it) the durable copy.
    let old_doc = match state.sync.repo.find(doc_id.clone()).await {
        Ok(Some(handle)) => handle.with_document(|d| d.clone()),
        _ => {
            let st = state.clone();
            let key = old_id.to_owned();
            let bytes = blocking(move || Ok(st.store.journal_bytes(&key)?)).await?;
            frivillig_common::untrusted::load(&bytes).map_err(ServiceError::internal)?
        }
    };
    let header = read_header(&old_doc).map_err(ServiceError::internal)?;
    let (records, _) = read_signups(&old_doc).map_err(ServiceError::internal)?;
    let st = state.clone();
    let kept = blocking(move || {
        let mut kept = Vec::new();
        for r in records {
            if !st.store.is_erased(&r.id)? {
                kept.push(r);
            }
        }
        Ok(kept)
    })
    .await?;
    let mut doc = new_journal_doc(&header).map_err(ServiceError::internal)?;
    for r in &kept {
        add_signup(&mut doc, r).map_err(ServiceError::internal)?;
    }
    let chunk = doc.save();
    let heads = format_heads(&doc.get_heads());
    let handle = crate::service::create_document(state, doc).await?;
    let new_id = handle.document_id().to_string();
    let new_row = JournalRow {
        owner: row.owner.clone(),
        day: row.day.clone(),
        saved_heads: heads,
        chunks: 1,
        signups: kept.len() as u64,
        needs_rewrite: false,
        relayed_by: Vec::new(),
    };
    let moved: Vec<String> = kept.iter().map(|r| r.id.clone()).collect();
    let st = state.clone();
    let (old, new) = (old_id.to_owned(), new_id.clone());
    blocking(move || {
        st.store
            .replace_journal(&old, &new, &new_row, &chunk, &moved)?;
        st.store.storage().delete_document(&old).map_err(|e| {
            ServiceError::internal(format!("deleting the old journal's chunks: {e}"))
        })?;
        Ok(())
    })
    .await?;
    tracing::info!(old = old_id, new = %new_id, kept = kept.len(), "journal rewritten without erased signups");
    crate::service::ingest::watch_journal(state, handle.document_id().clone());
    Ok(())
}

/// Erase every signup whose retention has run out at `now` (the server's clock; tests pass
/// a later one), then rewrite what may be rewritten. Returns how many signups were erased.
pub async fn retention_sweep(
    state: &AppState,
    retention: Retention,
    now: DateTime<Utc>,
) -> Result<usize, ServiceError> {
    let st = state.clone();
    let expired = blocking(move || Ok(st.store.expired_signups(retention, now)?)).await?;
    let mut by_journal: BTreeMap<String, usize> = BTreeMap::new();
    for id in &expired {
        let st = state.clone();
        let id2 = id.clone();
        let journal = blocking(move || {
            let j = st.store.erase_signup(&id2)?;
            if j.is_some() {
                st.store.audit("oprydning", "erase", &id2, "retention")?;
            }
            Ok(j)
        })
        .await?;
        if let Some(j) = journal {
            *by_journal.entry(j).or_default() += 1;
        }
    }
    if !expired.is_empty() {
        tracing::info!(
            erased = expired.len(),
            journals = by_journal.len(),
            "retention: signups erased"
        );
        if let Err(e) = crate::service::catalog::refresh_taken(state).await {
            tracing::warn!(error = %e, "could not update the spots taken after retention");
        }
    }
    if retention.max_days > 0 {
        let cutoff = (now - chrono::Duration::days(i64::from(retention.max_days)))
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let st = state.clone();
        let gone = blocking(move || Ok(st.store.forget_refused(Some(&cutoff), None)?)).await?;
        if gone > 0 {
            tracing::info!(gone, "retention: refused records removed");
        }
    }
    rewrite_pending(state).await?;
    Ok(expired.len())
}

/// Run the retention sweep (and pending rewrites) now and then every hour, until the
/// server stops.
pub fn start_retention(state: &AppState) {
    let state = state.clone();
    let retention = Retention {
        closed_days: state.config.retention_closed_days,
        max_days: state.config.retention_max_days,
    };
    let st = state.clone();
    state.background.spawn(async move {
        let state = st;
        loop {
            if let Err(e) = retention_sweep(&state, retention, Utc::now()).await {
                tracing::warn!(error = %e, "retention sweep failed");
            }
            tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
        }
    });
}
