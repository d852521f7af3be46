//! Photos by content hash, for the portal's pages and for kiosks: a photo never changes
//! under its name, so browsers and proxies may keep it for a year without asking again.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use frivillig_common::domain::Photo;

use crate::AppState;
use crate::http::blocking;
use crate::http::error::ApiError;
use crate::service::photos::PhotoSize;

/// The bytes of one size of a photo, as a response that may be cached for good.
pub(crate) async fn photo_response(
    state: &AppState,
    id: &str,
    size: &str,
) -> Result<Response, ApiError> {
    let size = size.strip_suffix(".jpg").unwrap_or(size);
    let (Some(size), true) = (PhotoSize::parse(size), Photo::valid_id(id)) else {
        return Ok(StatusCode::NOT_FOUND.into_response());
    };
    let (st, id) = (state.clone(), id.to_owned());
    let Some(bytes) = blocking(move || Ok(st.store.photo(&id, size.as_str())?)).await? else {
        return Ok(StatusCode::NOT_FOUND.into_response());
    };
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(r)
}

/// `GET /foto/{id}/{size}`.
pub(super) async fn photo(
    State(state): State<AppState>,
    Path((id, size)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    photo_response(&state, &id, &size).await
}
