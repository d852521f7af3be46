//! Coordinators' and visitors' changes to a signup, written into its record in the journal
//! document (so they merge with whatever a kiosk did meanwhile and reach it at its next
//! sync), then ingested, so the store shows them at once.

use frivillig_common::domain::Status;
use frivillig_common::ids::SignupId;
use frivillig_common::journal::{JournalError, set_status};
use samod::DocumentId;

use crate::AppState;
use crate::service::ingest::ingest_journal;
use crate::service::{ServiceError, blocking, now};
use crate::store::SignupRow;

/// Set a signup's status, as `by`; returns the signup as stored afterwards.
pub async fn change_status(
    state: &AppState,
    signup_id: &SignupId,
    status: Status,
    by: &str,
) -> Result<SignupRow, ServiceError> {
    let (at, by) = (now(), by.to_owned());
    edit_signup(state, signup_id, move |doc, sid| {
        set_status(doc, sid, status, &at, &by)
    })
    .await
}

/// Change a signup's record in its journal document with `edit`, ingest the journal, and
/// return the signup as stored.
pub async fn edit_signup(
    state: &AppState,
    signup_id: &SignupId,
    edit: impl FnOnce(&mut automerge::Automerge, &str) -> Result<(), JournalError> + Send + 'static,
) -> Result<SignupRow, ServiceError> {
    let st = state.clone();
    let id = signup_id.to_string();
    let row = blocking(move || Ok(st.store.signup(&id)?))
        .await?
        .ok_or(ServiceError::NotFound)?;
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
    let sid = signup_id.to_string();
    blocking(move || {
        h.with_document(|doc| edit(doc, &sid))
            .map_err(|e| ServiceError::Conflict(e.to_string()))
    })
    .await?;
    ingest_journal(state, &doc_id, handle).await?;
    let st = state.clone();
    let id = signup_id.to_string();
    blocking(move || Ok(st.store.signup(&id)?))
        .await?
        .ok_or(ServiceError::NotFound)
}
