//! Coordinators' and visitors' changes to a signup. The store is the authority for them: a
//! change is committed there first, in one transaction, and an ingest keeps it whatever a
//! journal says (see `store::signups`). A status change is then also written into the
//! journal document, so kiosks learn that a volunteer withdrew or was declined; notes and
//! assignments stay on the server (personal data no kiosk needs).

use frivillig_common::domain::{Note, SignupRecord, Status, StatusChange};
use frivillig_common::ids::SignupId;
use frivillig_common::journal::set_status;
use samod::DocumentId;

use crate::AppState;
use crate::service::ingest::ingest_journal;
use crate::service::mail::compose;
use crate::service::{ServiceError, blocking, now};
use crate::store::SignupRow;
use crate::store::outbox::now_ms;

/// A change to a signup, once checked by whoever asked for it.
#[derive(Debug, Clone)]
pub enum Change {
    /// A new status (and an entry in its history).
    Status(Status),
    /// A coordinator's note.
    Note(String),
    /// The coordinator it is assigned to; `None`: nobody.
    Assign(Option<String>),
}

/// Set a signup's status, as `by`; returns the signup as stored afterwards.
pub async fn change_status(
    state: &AppState,
    signup_id: &SignupId,
    status: Status,
    by: &str,
) -> Result<SignupRow, ServiceError> {
    change_signup(state, signup_id, Change::Status(status), by).await
}

/// Apply `change` as `by` and return the signup as stored. `NotFound` if there is none.
pub async fn change_signup(
    state: &AppState,
    signup_id: &SignupId,
    change: Change,
    by: &str,
) -> Result<SignupRow, ServiceError> {
    let at = now();
    let st = state.clone();
    let (id, by_owned, c, when) = (
        signup_id.to_string(),
        by.to_owned(),
        change.clone(),
        at.clone(),
    );
    let catalog = match &change {
        Change::Status(_) => Some(crate::service::catalog::catalog(state).await?),
        _ => None,
    };
    let mut queued = false;
    let row = blocking(move || {
        // A status the person needs to hear of is told in the same transaction as it is
        // stored, so neither exists without the other.
        let w = st.mail.writer(&st.config.public_url);
        let compose = |row: &SignupRow| {
            let notice = match (&c, &catalog) {
                (Change::Status(status), Some(catalog)) => {
                    compose::status_notice(catalog, row, *status, &w)
                }
                _ => None,
            };
            queued = notice.is_some();
            notice.map(|m| vec![(m, now_ms())]).unwrap_or_default()
        };
        let row = st
            .store
            .edit_signup_with(
                &id,
                |r| apply(r, &c, &when, &by_owned),
                compose,
                &st.mail.domain,
            )?
            .ok_or(ServiceError::NotFound)?;
        if queued {
            st.mail.wake.notify_one();
        }
        Ok::<_, ServiceError>(row)
    })
    .await?;
    if let Change::Status(status) = change {
        // The change holds without this: kiosks only learn of it later, at the next edit.
        if let Err(e) = tell_kiosks(state, &row, status, at, by.to_owned()).await {
            tracing::warn!(signup = %signup_id, error = %e, "a status change did not reach its journal");
        }
    }
    Ok(row)
}

/// What `change` does to the stored record.
fn apply(r: &mut SignupRecord, change: &Change, at: &str, by: &str) {
    match change {
        Change::Status(status) => {
            r.status = *status;
            r.status_history.push(StatusChange {
                status: *status,
                at: at.to_owned(),
                by: by.to_owned(),
            });
        }
        Change::Note(text) => r.notes.push(Note {
            at: at.to_owned(),
            by: by.to_owned(),
            text: text.clone(),
        }),
        Change::Assign(who) => r.assignee = who.clone().filter(|w| !w.is_empty()),
    }
}

/// Write the status change into the signup's journal, with the same time and author as in
/// the store (ingest accepts a journal's history entries only when the store holds them),
/// and ingest the journal so its durable copy holds the server's own change too.
async fn tell_kiosks(
    state: &AppState,
    row: &SignupRow,
    status: Status,
    at: String,
    by: String,
) -> Result<(), ServiceError> {
    let doc_id: DocumentId = row
        .journal_doc_id
        .parse()
        .map_err(|_| ServiceError::internal("a stored journal id does not parse"))?;
    let handle = state
        .sync
        .repo
        .find(doc_id.clone())
        .await
        .map_err(|_| ServiceError::internal("repository stopped"))?
        .ok_or_else(|| ServiceError::internal("journal of an ingested signup is missing"))?;
    let h = handle.clone();
    let sid = row.record.id.clone();
    blocking(move || {
        h.with_document(|doc| set_status(doc, &sid, status, &at, &by))
            .map_err(|e| ServiceError::Conflict(e.to_string()))
    })
    .await?;
    ingest_journal(state, &doc_id, handle, &[]).await?;
    Ok(())
}
