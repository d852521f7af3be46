//! Coordinators write to volunteers: to one signup's person or to everyone in a filter of
//! the signup list (e.g. all active on Saturday's shift). The recipients are worked out on
//! the server from the filter and the writer's sites, never taken from the browser; people
//! who withdrew are not written to, and those without an e-mail address are listed for a
//! phone call instead. Each message is queued, and written into the audit log under the
//! signup, in one transaction.

use crate::AppState;
use crate::service::audit::append_audit;
use crate::service::catalog::catalog;
use crate::service::mail::compose;
use crate::service::{ServiceError, blocking};
use crate::store::listing::{ListQuery, ListRow};
use crate::store::outbox::{enqueue, now_ms};
use crate::store::schema::SIGNUPS;

/// Longest subject a coordinator can write.
pub const MAX_SUBJECT_CHARS: usize = 200;
/// Longest text a coordinator can write.
pub const MAX_TEXT_CHARS: usize = 10_000;

/// Who a letter to a filter reaches.
#[derive(Debug, Default)]
pub struct Recipients {
    /// Signups with an e-mail address: they get the letter.
    pub by_mail: Vec<ListRow>,
    /// Signups with only a phone number: listed for the coordinator to call.
    pub by_phone: Vec<ListRow>,
}

/// The recipients of a letter to the signups matching `q` (or the one signup `only`), within
/// `sites` (`None`: every site, for admins).
pub fn recipients(
    state: &AppState,
    q: &ListQuery,
    only: Option<&str>,
    sites: Option<&[String]>,
) -> Recipients {
    let listing = state.store.listing();
    let mut out = Recipients::default();
    for r in listing.matching(q, sites) {
        if only.is_some_and(|id| id != r.id) || r.status == "withdrawn" {
            continue;
        }
        if !r.email.trim().is_empty() {
            out.by_mail.push(r.clone());
        } else if !r.phone.trim().is_empty() {
            out.by_phone.push(r.clone());
        }
    }
    out
}

/// A letter as a coordinator wrote it, checked.
#[derive(Debug, Clone)]
pub struct Letter {
    /// One line.
    pub subject: String,
    /// Plain text.
    pub text: String,
}

impl Letter {
    /// Check what was typed: a subject of one line and a text, neither empty nor too long.
    pub fn new(subject: &str, text: &str) -> Result<Letter, ServiceError> {
        let subject = subject.trim();
        let text = text.trim();
        if subject.is_empty() || text.is_empty() {
            return Err(ServiceError::Invalid(
                "Skriv både emne og tekst. / Write both a subject and a text.".into(),
            ));
        }
        if subject.contains(['\r', '\n']) {
            return Err(ServiceError::Invalid(
                "Emnet skal være én linje. / The subject must be one line.".into(),
            ));
        }
        if subject.chars().count() > MAX_SUBJECT_CHARS || text.chars().count() > MAX_TEXT_CHARS {
            return Err(ServiceError::Invalid(format!(
                "Emnet må højst have {MAX_SUBJECT_CHARS} tegn og teksten {MAX_TEXT_CHARS}. / \
                 At most {MAX_SUBJECT_CHARS} characters of subject and {MAX_TEXT_CHARS} of text."
            )));
        }
        Ok(Letter {
            subject: subject.to_owned(),
            text: text.replace("\r\n", "\n"),
        })
    }
}

/// The message one signup's person would get: for the preview.
pub async fn preview(
    state: &AppState,
    signup_id: &str,
    letter: &Letter,
    writer: &str,
) -> Result<Option<crate::store::outbox::NewMessage>, ServiceError> {
    let catalog = catalog(state).await?;
    let st = state.clone();
    let id = signup_id.to_owned();
    let row = blocking(move || Ok(st.store.signup(&id)?)).await?;
    Ok(row.and_then(|row| {
        compose::from_coordinator(&catalog, &row, letter, writer, &state.mail.sender_name)
    }))
}

/// Queue `letter` to each of `signup_ids` (recipients the caller worked out with
/// [`recipients`]), as `by` (shown in the text as `writer`). Returns how many were queued.
pub async fn send(
    state: &AppState,
    signup_ids: Vec<String>,
    letter: Letter,
    by: &str,
    writer: &str,
) -> Result<usize, ServiceError> {
    let catalog = catalog(state).await?;
    let st = state.clone();
    let (by, writer) = (by.to_owned(), writer.to_owned());
    let queued = blocking(move || {
        let tx = st.store.write()?;
        let mut queued = 0;
        let signups = SIGNUPS.open(&tx)?;
        for id in &signup_ids {
            let Some(row) = signups.get(id.as_str())? else {
                continue;
            };
            let sender = &st.mail.sender_name;
            let Some(m) = compose::from_coordinator(&catalog, &row, &letter, &writer, sender)
            else {
                continue;
            };
            enqueue(&tx, m, now_ms(), &st.mail.domain)?;
            append_audit(&tx, &by, "message", id, &letter.subject)?;
            queued += 1;
        }
        drop(signups);
        tx.commit().map_err(crate::store::StoreError::from)?;
        Ok(queued)
    })
    .await?;
    if queued > 0 {
        state.mail.wake.notify_one();
    }
    Ok(queued)
}
