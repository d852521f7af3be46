//! Everything HTTP: the routes, what each answers, and the pages. Handlers parse and check
//! the request, call [`crate::service`], and render or serialise the answer; the domain's
//! rules live below.
//!
//! Layout: [`device`] the kiosks' API beside sync, [`enrol`] code redemption, [`ws`] the
//! authenticated sync WebSocket, [`admin_api`] the JSON API behind the admin token,
//! [`portal`] the public pages, [`admin`] the coordinators' web app, [`web`] what portal and
//! admin pages share, [`error`] the error answer.

pub mod admin;
pub mod admin_api;
pub(crate) mod client_ip;
pub mod device;
pub mod enrol;
pub mod error;
pub mod portal;
pub(crate) mod web;
pub mod ws;

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::get;
use samod::DocumentId;

use frivillig_common::sync::SYNC_PATH;

use crate::AppState;
use error::ApiError;

/// Every route of the server, with the body limit.
pub fn router(state: AppState) -> Router {
    let max_body = state.config.max_body_bytes;
    // Browsers that once reached the portal over https never fall back to plain http.
    let hsts = state.config.public_url.starts_with("https://");
    let deadline = std::time::Duration::from_millis(state.config.request_timeout_ms);
    let limited = state.clone();
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route(SYNC_PATH, get(ws::sync_upgrade))
        .merge(device::routes())
        .merge(enrol::routes())
        .merge(admin_api::routes())
        .merge(portal::routes())
        .merge(admin::routes())
        .layer(axum::extract::DefaultBodyLimit::max(max_body))
        .layer(axum::middleware::from_fn_with_state(
            limited,
            limit_anonymous,
        ))
        .layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| async move {
                use axum::response::IntoResponse as _;
                match tokio::time::timeout(deadline, next.run(req)).await {
                    Ok(r) => r,
                    Err(_) => {
                        let mut r = (
                            axum::http::StatusCode::REQUEST_TIMEOUT,
                            "the request took too long / forespørgslen tog for lang tid",
                        )
                            .into_response();
                        // The body may still be arriving: do not wait for the rest.
                        r.headers_mut().insert(
                            axum::http::header::CONNECTION,
                            axum::http::HeaderValue::from_static("close"),
                        );
                        r
                    }
                }
            },
        ))
        .layer(axum::middleware::map_response(
            move |mut r: axum::response::Response| async move {
                if hsts {
                    r.headers_mut().insert(
                        axum::http::header::STRICT_TRANSPORT_SECURITY,
                        axum::http::HeaderValue::from_static("max-age=31536000"),
                    );
                }
                r
            },
        ))
        .with_state(state)
}

/// Kiosks are limited per device (their token is checked by the handler); every other
/// request per client address, at a far lower rate.
async fn limit_anonymous(
    axum::extract::State(state): axum::extract::State<AppState>,
    client: client_ip::ClientIp,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    let path = req.uri().path();
    let device = (path.starts_with("/api/device/") || path == SYNC_PATH)
        && req
            .headers()
            .contains_key(axum::http::header::AUTHORIZATION);
    if !device
        && !state
            .limits
            .anonymous
            .allow_address(client.0, state.config.anonymous_requests_per_minute)
    {
        return error::ApiError::TooMany.into_response();
    }
    next.run(req).await
}

/// The credential of an `Authorization: Bearer` header.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// Run `f` on a blocking thread, for handlers whose blocking work answers with [`ApiError`].
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(ApiError::internal)?
}

/// A document id from a path, or a clear refusal.
fn parse_doc_id(s: &str) -> Result<DocumentId, ApiError> {
    s.parse()
        .map_err(|_| ApiError::BadRequest("not a document id".into()))
}
