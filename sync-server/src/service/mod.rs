//! The operations of the domain, beneath HTTP: ingest, signup edits and erasure, the
//! catalog, kiosks and their enrolment, accounts and sessions, the review queues, the audit
//! log, the messages to volunteers. Each returns a [`ServiceError`], which says what went
//! wrong in the domain's words; `crate::http` decides what a client is answered. Nothing
//! here knows of axum, hyper or HTML (a tidy test holds it so).
//!
//! Long redb and Automerge work runs on tokio's blocking threads ([`blocking`]); the
//! functions that wait on samod or on each other are async.

pub mod accounts;
pub mod api_tokens;
pub mod audit;
pub mod calendar;
pub mod catalog;
pub mod catalog_edit;
pub mod certificate;
pub mod demo_photos;
pub mod erasure;
pub mod export;
pub mod hours;
pub mod ingest;
pub mod invitations;
pub mod kiosks;
pub mod letters;
pub mod mail;
pub mod min_side;
pub mod nominations;
pub mod overview;
pub mod photos;
pub mod review;
pub mod second_factor;
pub mod series;
pub mod signups;
pub mod stories;
pub mod strategy;
pub mod web_signup;

use crate::store::StoreError;
pub use crate::store::now;

/// Why an operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// No such thing (also for things the caller may not know exist).
    #[error("not found")]
    NotFound,
    /// The request cannot be carried out as asked (why, in words for the person asking).
    #[error("{0}")]
    Invalid(String),
    /// It conflicts with what is stored (why, in words).
    #[error("{0}")]
    Conflict(String),
    /// Not ready yet; asking again later may succeed.
    #[error("{0}")]
    NotYet(String),
    /// No or unknown credentials.
    #[error("unauthorized")]
    Unauthorized,
    /// The device is revoked.
    #[error("revoked")]
    Revoked,
    /// An enrolment code was not accepted (why, in words).
    #[error("{0}")]
    CodeRefused(&'static str),
    /// The server's store failed.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// Anything else on the server's side (the detail is for the log).
    #[error("{0}")]
    Internal(String),
}

impl ServiceError {
    /// Wrap an internal failure.
    pub fn internal(e: impl std::fmt::Display) -> Self {
        ServiceError::Internal(e.to_string())
    }
}

/// Hand a new document to samod (a journal the server writes: the web's, or a rewrite).
pub async fn create_document(
    state: &crate::AppState,
    doc: automerge::Automerge,
) -> Result<samod::DocHandle, ServiceError> {
    state
        .sync
        .repo
        .create(doc)
        .await
        .map_err(|_| ServiceError::internal("repository stopped"))
}

/// Run `f` on a blocking thread (redb commits and Automerge work on whole documents).
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ServiceError> + Send + 'static,
) -> Result<T, ServiceError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(ServiceError::internal)?
}
