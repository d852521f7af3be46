//! Signups from the public portal. They take the same shape and path as a kiosk's: a record
//! with the personal data sealed to the server's own key, added to a journal document (one
//! per day, owned by `web`, created by the server, rolled over at the journal cap), then
//! ingested: committed to redb before the visitor is sent to the receipt page.

use chrono::{Local, SecondsFormat};
use frivillig_common::catalog::read_catalog;
use frivillig_common::domain::{FormProblem, SignupForm, SignupRecord, Source, validate_form};
use frivillig_common::journal::{
    JOURNAL_CAP, JournalHeader, add_signup, new_journal_doc, signup_count,
};
use frivillig_common::receipt::{new_receipt_token, receipt_hash};
use frivillig_common::seal::seal_personal_data;
use samod::{DocHandle, DocumentId};

use frivillig_common::offer::{NotOffered, glostrup_now};

use crate::AppState;
use crate::service::ServiceError;
use crate::service::blocking;
use crate::service::catalog::catalog_handle;
use crate::service::ingest::{ingest_journal, watch_journal};
use crate::store::JournalOwner;

/// Why a web signup was not taken.
#[derive(Debug)]
pub enum WebSignupError {
    /// The form has problems; each belongs to a field.
    Invalid(Vec<FormProblem>),
    /// The job or shift is not (or no longer) in the catalog.
    UnknownJob,
    /// The shift has started or the job is not shown today, by the server's clock.
    NoLongerOffered,
    /// The server could not save it.
    Server(ServiceError),
}

impl From<ServiceError> for WebSignupError {
    fn from(e: ServiceError) -> Self {
        WebSignupError::Server(e)
    }
}

/// A saved web signup: its id and the token of its receipt link.
pub struct WebReceipt {
    /// The signup id.
    pub signup_id: String,
    /// The receipt token (only its hash is stored).
    pub token: String,
}

/// Take a signup from the portal. Returns once it is committed to the server's store.
pub async fn web_signup(
    state: &AppState,
    opportunity_id: &str,
    shift_id: Option<&str>,
    form: &SignupForm,
) -> Result<WebReceipt, WebSignupError> {
    let handle = catalog_handle(state).await?;
    let catalog = blocking(move || {
        handle
            .with_document(|d| read_catalog(d))
            .map_err(ServiceError::internal)
    })
    .await?;
    let job = catalog
        .offered(opportunity_id, shift_id, glostrup_now())
        .map_err(|e| match e {
            NotOffered::UnknownJob | NotOffered::UnknownShift => WebSignupError::UnknownJob,
            NotOffered::JobNotShown
            | NotOffered::ShiftStarted
            | NotOffered::ByInvitation
            | NotOffered::RegistrationClosed => WebSignupError::NoLongerOffered,
        })?;
    let mut person =
        validate_form(form, job.requirements.min_age.is_some()).map_err(WebSignupError::Invalid)?;
    let token = new_receipt_token();
    person.receipt_token = Some(token.clone());
    let sealed = seal_personal_data(&state.keys.sealing.public(), &person)
        .map_err(ServiceError::internal)?;
    let now = Local::now();
    let at = now.to_rfc3339_opts(SecondsFormat::Millis, false);
    let record = SignupRecord::new_signup(
        job,
        shift_id,
        Source::Web,
        at,
        catalog.current_consent().map_or(0, |c| c.version),
        receipt_hash(&token),
        sealed,
    );
    let (doc_id, handle) = {
        let _guard = state.ingest.web_journal_lock.lock().await;
        let (doc_id, handle) = todays_journal(state, &now.date_naive().to_string()).await?;
        let rec = record.clone();
        let h = handle.clone();
        blocking(move || {
            h.with_document(|doc| add_signup(doc, &rec))
                .map_err(ServiceError::internal)
        })
        .await?;
        (doc_id, handle)
    };
    ingest_journal(state, &doc_id, handle, &[]).await?;
    let st = state.clone();
    let id = record.id.clone();
    // The receipt page must find it; a signup the page cannot show was not saved.
    if blocking(move || Ok(st.store.signup(&id)?)).await?.is_none() {
        return Err(ServiceError::internal("a web signup did not reach the store").into());
    }
    tracing::info!(signup = %record.id, job = %record.opportunity_id, "web signup");
    Ok(WebReceipt {
        signup_id: record.id,
        token,
    })
}

/// The web journal for `day` with room left, created (and claimed for `web`) if needed.
async fn todays_journal(
    state: &AppState,
    day: &str,
) -> Result<(DocumentId, DocHandle), ServiceError> {
    let key = format!("web_journal:{day}");
    let st = state.clone();
    let k = key.clone();
    let current = blocking(move || Ok(st.store.meta(&k)?)).await?;
    if let Some(id) = current.and_then(|s| s.parse::<DocumentId>().ok())
        && let Ok(Some(handle)) = state.sync.repo.find(id.clone()).await
    {
        let h = handle.clone();
        let n = blocking(move || Ok(h.with_document(|d| signup_count(d).unwrap_or(JOURNAL_CAP))))
            .await?;
        if n < JOURNAL_CAP {
            return Ok((id, handle));
        }
    }
    let doc = new_journal_doc(&JournalHeader {
        owner: "web".into(),
        day: day.to_owned(),
    })
    .map_err(ServiceError::internal)?;
    let handle = crate::service::create_document(state, doc).await?;
    let id = handle.document_id().clone();
    let st = state.clone();
    let (sid, d) = (id.to_string(), day.to_owned());
    blocking(move || {
        st.store.claim_journal(&sid, &JournalOwner::Web, &d)?;
        st.store.set_meta(&key, &sid)?;
        Ok(())
    })
    .await?;
    watch_journal(state, id.clone());
    Ok((id, handle))
}
