//! The API's error type: a status, a stable code and a sentence; 5xx details go to the log.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use frivillig_common::api::ApiErrorBody;

use crate::service::ServiceError;

/// An error answered to an HTTP client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No or unknown credentials.
    #[error("unauthorized")]
    Unauthorized,
    /// The device is revoked.
    #[error("revoked")]
    Revoked,
    /// Not found (also for things the caller may not know exist).
    #[error("not found")]
    NotFound,
    /// The request is malformed.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The request conflicts with what is stored.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Not ready yet; try again.
    #[error("not yet: {0}")]
    NotYet(String),
    /// A browser page from another origin.
    #[error("origin not allowed")]
    ForbiddenOrigin,
    /// Too many attempts; slow down.
    #[error("too many attempts")]
    TooMany,
    /// The server holds as many sync connections as it is set to; try again later.
    #[error("busy")]
    Busy,
    /// An enrolment code was not accepted (why, in words).
    #[error("code refused: {0}")]
    CodeRefused(&'static str),
    /// A benchmark device while the server does not accept them.
    #[error("benchmark devices are off")]
    BenchOff,
    /// An API credential without the scope the request needs.
    #[error("the credential lacks the scope {0}")]
    NoScope(&'static str),
    /// Anything on our side.
    #[error("internal: {0}")]
    Internal(String),
}

impl ApiError {
    /// Wrap an internal failure; the detail is logged, not sent.
    pub fn internal(e: impl std::fmt::Display) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        ApiError::internal(e)
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::NotFound => ApiError::NotFound,
            ServiceError::Invalid(m) => ApiError::BadRequest(m),
            ServiceError::Conflict(m) => ApiError::Conflict(m),
            ServiceError::NotYet(m) => ApiError::NotYet(m),
            ServiceError::Unauthorized => ApiError::Unauthorized,
            ServiceError::Revoked => ApiError::Revoked,
            ServiceError::CodeRefused(m) => ApiError::CodeRefused(m),
            ServiceError::Store(e) => ApiError::internal(e),
            ServiceError::Internal(m) => ApiError::Internal(m),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = match &self {
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Ukendt eller manglende adgangsnøgle / unknown or missing credentials".to_owned(),
            ),
            ApiError::Revoked => (
                StatusCode::FORBIDDEN,
                "revoked",
                "Denne kiosk er spærret / this kiosk has been revoked".to_owned(),
            ),
            ApiError::NotFound => (
                StatusCode::NOT_FOUND,
                "not_found",
                "Findes ikke / not found".to_owned(),
            ),
            ApiError::BadRequest(m) => (StatusCode::BAD_REQUEST, "bad_request", m.clone()),
            ApiError::Conflict(m) => (StatusCode::CONFLICT, "conflict", m.clone()),
            ApiError::NotYet(m) => (StatusCode::SERVICE_UNAVAILABLE, "not_yet", m.clone()),
            ApiError::BenchOff => (
                StatusCode::FORBIDDEN,
                "bench-off",
                "Benchmark-enheder er slået fra på denne server / this server does not accept benchmark devices".to_owned(),
            ),
            ApiError::NoScope(scope) => (
                StatusCode::FORBIDDEN,
                "scope",
                format!("Nøglen må ikke dette (kræver {scope}) / the credential may not do this (needs {scope})"),
            ),
            ApiError::ForbiddenOrigin => (
                StatusCode::FORBIDDEN,
                "origin",
                "Siden må ikke forbinde hertil / this page may not connect here".to_owned(),
            ),
            ApiError::TooMany => (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many",
                "For mange forsøg; vent et minut / too many attempts; wait a minute".to_owned(),
            ),
            ApiError::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "Serveren har for mange forbindelser lige nu; prøv igen om lidt / the server has too many connections right now; try again shortly".to_owned(),
            ),
            ApiError::CodeRefused(m) => (StatusCode::GONE, "code_refused", (*m).to_owned()),
            ApiError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Serverfejl; prøv igen / server error; try again".to_owned(),
                )
            }
        };
        (
            status,
            Json(ApiErrorBody {
                code: code.into(),
                message,
            }),
        )
            .into_response()
    }
}
