//! HTTP handlers: the device API kiosks use beside sync, and the coordinators' JSON API.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{SecondsFormat, Utc};
use samod::DocumentId;

use frivillig_common::api::{
    AckRequest, AckResponse, DeviceInfo, EnrolRequest, EnrolResponse, KioskSummary,
    RegisterJournal, SetStatusRequest, SignupPage, SignupView,
};
use frivillig_common::api::{EnrolCode, EnrolCodeRequest, RedeemRequest, RedeemResponse};
use frivillig_common::catalog::{read_catalog, write_catalog};
use frivillig_common::catalog_file::check_catalog;
use frivillig_common::domain::{Catalog, Status};
use frivillig_common::journal::set_status;
use frivillig_common::sync::{
    SYNC_PATH, new_enrol_code, new_secret, normalize_enrol_code, parse_device_token, parse_heads,
    secret_hash, valid_kiosk_id,
};

use crate::AppState;
use crate::error::ApiError;
use crate::ingest::{ingest_journal, wait_for_heads};
use crate::store::{CodeRefusal, DeviceRow, EnrolCodeRow, SignupFilter};

/// All routes.
pub fn routes(max_body_bytes: usize) -> Router<AppState> {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route(SYNC_PATH, get(crate::ws::sync_upgrade))
        .route("/api/device/info", get(device_info))
        .route("/api/device/journals", post(register_journal))
        .route("/api/device/journals/{doc_id}/ack", post(ack_journal))
        .route("/api/admin/kiosks", get(list_kiosks).post(enrol_kiosk))
        .route("/api/admin/kiosks/{kiosk_id}/revoke", post(revoke_kiosk))
        .route("/api/admin/catalog", get(get_catalog).put(put_catalog))
        .route("/api/admin/backup", get(get_backup))
        .route("/api/admin/metrics", get(metrics))
        .route("/api/admin/accounts", get(list_accounts).post(add_account))
        .route(
            "/api/admin/accounts/{username}/password",
            post(new_password),
        )
        .route(
            "/api/admin/accounts/{username}/disable",
            post(disable_account),
        )
        .route("/api/admin/enrol-codes", post(new_enrol_code_handler))
        .route("/api/enrol/redeem", post(redeem_enrol_code))
        .route("/api/admin/signups", get(list_signups))
        .route("/api/admin/signups/{signup_id}", get(get_signup))
        .route(
            "/api/admin/signups/{signup_id}/status",
            post(set_signup_status),
        )
        .merge(crate::portal::routes())
        .merge(crate::admin::routes())
        .layer(axum::extract::DefaultBodyLimit::max(max_body_bytes))
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// Check a device's token (header or `token` query parameter); returns its kiosk id.
/// Blocking: reads redb.
pub fn authenticate_device(
    state: &AppState,
    headers: &HeaderMap,
    query_token: Option<&str>,
) -> Result<String, ApiError> {
    authenticate_device_row(state, headers, query_token).map(|(kiosk_id, _)| kiosk_id)
}

/// As [`authenticate_device`], with the device's row.
pub fn authenticate_device_row(
    state: &AppState,
    headers: &HeaderMap,
    query_token: Option<&str>,
) -> Result<(String, DeviceRow), ApiError> {
    let token = bearer(headers)
        .or(query_token)
        .ok_or(ApiError::Unauthorized)?;
    let (kiosk_id, secret) = parse_device_token(token).ok_or(ApiError::Unauthorized)?;
    let device = state
        .store
        .device(kiosk_id)?
        .ok_or(ApiError::Unauthorized)?;
    if device.secret_hash != secret_hash(secret) {
        return Err(ApiError::Unauthorized);
    }
    if device.revoked {
        return Err(ApiError::Revoked);
    }
    Ok((kiosk_id.to_owned(), device))
}

/// The kiosk making a device API request, within its rate per minute.
async fn device(state: &AppState, headers: HeaderMap) -> Result<String, ApiError> {
    let st = state.clone();
    let kiosk_id = tokio::task::spawn_blocking(move || authenticate_device(&st, &headers, None))
        .await
        .map_err(ApiError::internal)??;
    if !state
        .device_requests
        .allow(kiosk_id.clone(), state.config.device_requests_per_minute)
    {
        return Err(ApiError::TooMany);
    }
    Ok(kiosk_id)
}

fn admin(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let token = bearer(headers).ok_or(ApiError::Unauthorized)?;
    if secret_hash(token) == *state.admin_token_hash {
        Ok(())
    } else {
        Err(ApiError::Unauthorized)
    }
}

pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(ApiError::internal)?
}

fn parse_doc_id(s: &str) -> Result<DocumentId, ApiError> {
    s.parse()
        .map_err(|_| ApiError::BadRequest("not a document id".into()))
}

/// What a kiosk reports when it asks for the deployment's details.
#[derive(Debug, Default, serde::Deserialize)]
pub struct InfoQuery {
    /// Signups it holds that the server has not acknowledged.
    queued: Option<u64>,
    /// Its app version.
    version: Option<String>,
}

/// Every sync round starts here: the kiosk learns the catalog id, the server's time and
/// keys; the server learns it is alive and how many signups it still holds unacknowledged
/// (what the kiosks page shows, and what tells an erasure a kiosk holds no old journal).
async fn device_info(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<axum::extract::Query<InfoQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<DeviceInfo>, ApiError> {
    let kiosk_id = device(&state, headers).await?;
    // A malformed figure is ignored rather than refused: it is a report, not a request.
    let report = query.map(|q| q.0).unwrap_or_default();
    let st = state.clone();
    blocking(move || {
        st.store.update_device(&kiosk_id, |d| {
            d.last_contact = Some(now());
            if let Some(q) = report.queued {
                d.queued = q;
            }
            // A version is a short word; anything else is not stored.
            if let Some(v) = report.version.filter(|v| {
                v.len() <= 32
                    && v.chars()
                        .all(|c| c.is_ascii_alphanumeric() || ".-+".contains(c))
            }) {
                d.version = Some(v);
            }
        })?;
        Ok(())
    })
    .await?;
    Ok(Json(DeviceInfo {
        catalog_doc_id: state.catalog_id.to_string(),
        server_time: now(),
        server_public_key: state.keys.sealing.public().to_hex(),
        server_signing_key: state.keys.signing.public_hex(),
    }))
}

async fn register_journal(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(req): Json<RegisterJournal>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let kiosk_id = device(&state, headers).await?;
    let doc_id = parse_doc_id(&req.doc_id)?;
    if doc_id == state.catalog_id {
        return Err(ApiError::Conflict("that document is not a journal".into()));
    }
    if req.day.len() != 10 {
        return Err(ApiError::BadRequest("day must be YYYY-MM-DD".into()));
    }
    let st = state.clone();
    let id = doc_id.clone();
    let owner = blocking(move || {
        Ok(st
            .store
            .claim_journal(&id.to_string(), &kiosk_id, &req.day)?
            .eq(&kiosk_id))
    })
    .await?;
    if owner {
        crate::ingest::watch_journal(&state, doc_id);
        Ok(Json(serde_json::json!({"registered": true})))
    } else {
        Err(ApiError::Conflict("that document id is taken".into()))
    }
}

async fn ack_journal(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(doc_id): Path<String>,
    Json(req): Json<AckRequest>,
) -> Result<Json<AckResponse>, ApiError> {
    let kiosk_id = device(&state, headers).await?;
    let doc_id = parse_doc_id(&doc_id)?;
    let heads = parse_heads(&req.heads)
        .ok_or_else(|| ApiError::BadRequest("heads must be change hashes".into()))?;
    let st = state.clone();
    let key = doc_id.to_string();
    let kid = kiosk_id.clone();
    let queued = req.queued;
    blocking(move || {
        // Answer "not found" for a journal of another kiosk: its existence is not theirs to learn.
        match st.store.journal(&key)? {
            Some(row) if row.owner == kid => {}
            _ => return Err(ApiError::NotFound),
        }
        st.store.update_device(&kid, |d| {
            d.last_contact = Some(now());
            d.queued = queued;
        })?;
        Ok(())
    })
    .await?;
    let handle = wait_for_heads(&state, &doc_id, &heads).await?;
    let (outcome, _) = ingest_journal(&state, &doc_id, handle).await?;
    Ok(Json(AckResponse {
        acked_heads: req.heads,
        signups: outcome.signups,
    }))
}

fn check_kiosk_id(id: &str) -> Result<(), ApiError> {
    if valid_kiosk_id(id) {
        Ok(())
    } else {
        Err(ApiError::BadRequest(
            "kiosk-id: 1-40 små bogstaver, tal og bindestreger / kiosk id: 1-40 lower-case letters, digits and dashes".into(),
        ))
    }
}

async fn enrol_kiosk(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(req): Json<EnrolRequest>,
) -> Result<Json<EnrolResponse>, ApiError> {
    admin(&state, &headers)?;
    check_kiosk_id(&req.kiosk_id)?;
    if req.bench && !state.config.bench_devices {
        return Err(ApiError::BadRequest(
            "benchmark-enheder er slået fra (bench_devices) / benchmark devices are off (bench_devices)".into(),
        ));
    }
    let secret = new_secret();
    let mut row = DeviceRow::new(&req.site_id, secret_hash(&secret), now());
    row.bench = req.bench;
    let st = state.clone();
    let id = req.kiosk_id.clone();
    let added = blocking(move || Ok(st.store.add_device(&id, &row)?)).await?;
    if !added {
        return Err(ApiError::Conflict(format!(
            "kiosk {} is enrolled already",
            req.kiosk_id
        )));
    }
    Ok(Json(enrolment(&state, req.kiosk_id, secret)))
}

/// `GET /api/admin/metrics`: counters for monitoring and the benchmarks: bytes of sync
/// messages received from and sent to devices since start, and signups held.
async fn metrics(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    admin(&state, &headers)?;
    Ok(Json(serde_json::json!({
        "sync_bytes_in": state.sync_bytes_in.load(std::sync::atomic::Ordering::Relaxed),
        "sync_bytes_out": state.sync_bytes_out.load(std::sync::atomic::Ordering::Relaxed),
        "signups": state.store.listing().len(),
        "documents_loaded": state.documents_loaded.load(std::sync::atomic::Ordering::Relaxed),
    })))
}

async fn list_kiosks(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Vec<KioskSummary>>, ApiError> {
    admin(&state, &headers)?;
    let st = state.clone();
    Ok(Json(blocking(move || Ok(st.store.devices()?)).await?))
}

async fn revoke_kiosk(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(kiosk_id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    admin(&state, &headers)?;
    revoke(&state, &kiosk_id, "api").await?;
    Ok(Json(serde_json::json!({"revoked": kiosk_id})))
}

/// Revoke a kiosk: refused from now on, its open connections closed at once. Audited.
pub(crate) async fn revoke(state: &AppState, kiosk_id: &str, by: &str) -> Result<(), ApiError> {
    let kiosk_id = kiosk_id.to_owned();
    let st = state.clone();
    let id = kiosk_id.clone();
    let known = blocking(move || Ok(st.store.update_device(&id, |d| d.revoked = true)?)).await?;
    if !known {
        return Err(ApiError::NotFound);
    }
    // Close every open connection of the device now, not at its next reconnect.
    let token = state
        .connections
        .lock()
        .map_err(|_| ApiError::internal("connection table poisoned"))?
        .remove(&kiosk_id);
    if let Some(token) = token {
        token.cancel();
    }
    tracing::info!(kiosk = %kiosk_id, "kiosk revoked");
    let st = state.clone();
    let by = by.to_owned();
    blocking(move || Ok(st.store.audit(&by, "revoke", &kiosk_id, "")?)).await
}

/// An account as the API lists it (no password hash).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct AccountView {
    /// User name.
    pub username: String,
    /// The person's name.
    pub display_name: String,
    /// `admin` or `coordinator`.
    pub role: crate::accounts::Role,
    /// A coordinator's sites.
    pub sites: Vec<String>,
    /// Disabled accounts cannot log in.
    pub disabled: bool,
}

/// A new account, as asked for.
#[derive(Debug, serde::Deserialize)]
pub struct NewAccount {
    /// User name.
    pub username: String,
    /// The person's name.
    pub display_name: String,
    /// `admin` or `coordinator`.
    pub role: String,
    /// A coordinator's sites (ids from the catalog).
    #[serde(default)]
    pub sites: Vec<String>,
}

fn account_error(e: crate::accounts::AccountError) -> ApiError {
    use crate::accounts::AccountError as E;
    match e {
        E::Exists(_) => ApiError::Conflict(e.to_string()),
        E::Unknown(_) => ApiError::NotFound,
        E::BadName | E::WeakPassword => ApiError::BadRequest(e.to_string()),
        E::Hash(_) | E::Store(_) => ApiError::internal(e),
    }
}

async fn list_accounts(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Vec<AccountView>>, ApiError> {
    admin(&state, &headers)?;
    let st = state.clone();
    let accounts = blocking(move || Ok(st.store.accounts()?)).await?;
    Ok(Json(
        accounts
            .into_iter()
            .map(|(username, a)| AccountView {
                username,
                display_name: a.display_name,
                role: a.role,
                sites: a.sites,
                disabled: a.disabled,
            })
            .collect(),
    ))
}

/// Create an account with a generated password, returned once.
async fn add_account(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(req): Json<NewAccount>,
) -> Result<Json<serde_json::Value>, ApiError> {
    admin(&state, &headers)?;
    let role = crate::accounts::Role::parse(&req.role)
        .ok_or_else(|| ApiError::BadRequest("role must be admin or coordinator".into()))?;
    if role == crate::accounts::Role::Coordinator && req.sites.is_empty() {
        return Err(ApiError::BadRequest(
            "a coordinator needs at least one site".into(),
        ));
    }
    let password = crate::accounts::generate_password();
    let st = state.clone();
    let p = password.clone();
    blocking(move || {
        st.store
            .add_account(&req.username, &req.display_name, &p, role, req.sites)
            .map_err(account_error)?;
        st.store.audit("api", "account", &req.username, "created")?;
        Ok(())
    })
    .await?;
    Ok(Json(serde_json::json!({ "password": password })))
}

/// Give an account a new generated password (returned once) and end its sessions.
async fn new_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(username): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    admin(&state, &headers)?;
    let password = crate::accounts::generate_password();
    let st = state.clone();
    let p = password.clone();
    blocking(move || {
        st.store
            .set_password(&username, &p)
            .map_err(account_error)?;
        st.store
            .audit("api", "account", &username, "new password")?;
        Ok(())
    })
    .await?;
    Ok(Json(serde_json::json!({ "password": password })))
}

async fn disable_account(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(username): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    admin(&state, &headers)?;
    let st = state.clone();
    let u = username.clone();
    blocking(move || {
        st.store.set_disabled(&u, true).map_err(account_error)?;
        st.store.audit("api", "account", &u, "disabled")?;
        Ok(())
    })
    .await?;
    Ok(Json(serde_json::json!({ "disabled": username })))
}

async fn list_signups(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(filter): Query<SignupFilter>,
) -> Result<Json<SignupPage>, ApiError> {
    admin(&state, &headers)?;
    let st = state.clone();
    let (rows, total) = blocking(move || Ok(st.store.list_signups(&filter)?)).await?;
    Ok(Json(SignupPage {
        signups: rows.into_iter().map(SignupView::from).collect(),
        total,
    }))
}

async fn get_signup(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(signup_id): Path<String>,
) -> Result<Json<SignupView>, ApiError> {
    admin(&state, &headers)?;
    let st = state.clone();
    let row = blocking(move || Ok(st.store.signup(&signup_id)?))
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(row.into()))
}

async fn set_signup_status(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(signup_id): Path<String>,
    Json(req): Json<SetStatusRequest>,
) -> Result<Json<SignupView>, ApiError> {
    admin(&state, &headers)?;
    let status = Status::parse(&req.status)
        .ok_or_else(|| ApiError::BadRequest(format!("unknown status {}", req.status)))?;
    let row = change_status(&state, &signup_id, status, "admin").await?;
    Ok(Json(row.into()))
}

/// Write a status change into the signup's record in its journal document (so it merges
/// with whatever the kiosk did meanwhile), ingest it, and return the signup as stored.
pub(crate) async fn change_status(
    state: &AppState,
    signup_id: &str,
    status: Status,
    by: &str,
) -> Result<crate::store::SignupRow, ApiError> {
    let (at, by) = (now(), by.to_owned());
    edit_signup(state, signup_id, move |doc, sid| {
        set_status(doc, sid, status, &at, &by)
    })
    .await
}

/// Change a signup's record in its journal document with `edit` (so the change merges with
/// whatever a kiosk does meanwhile), ingest the journal, and return the signup as stored.
pub(crate) async fn edit_signup(
    state: &AppState,
    signup_id: &str,
    edit: impl FnOnce(
        &mut automerge::Automerge,
        &str,
    ) -> Result<(), frivillig_common::journal::JournalError>
    + Send
    + 'static,
) -> Result<crate::store::SignupRow, ApiError> {
    let st = state.clone();
    let id = signup_id.to_owned();
    let row = blocking(move || Ok(st.store.signup(&id)?))
        .await?
        .ok_or(ApiError::NotFound)?;
    let doc_id = parse_doc_id(&row.journal_doc_id)?;
    let handle = state
        .repo
        .find(doc_id.clone())
        .await
        .map_err(|_| ApiError::internal("repository stopped"))?
        .ok_or_else(|| ApiError::internal("journal of an ingested signup is missing"))?;
    let h = handle.clone();
    let sid = signup_id.to_owned();
    blocking(move || {
        h.with_document(|doc| edit(doc, &sid))
            .map_err(|e| ApiError::Conflict(e.to_string()))
    })
    .await?;
    ingest_journal(state, &doc_id, handle).await?;
    let st = state.clone();
    let id = signup_id.to_owned();
    blocking(move || Ok(st.store.signup(&id)?))
        .await?
        .ok_or(ApiError::NotFound)
}

/// What an enrolled kiosk needs to know of this server, with its new secret.
fn enrolment(state: &AppState, kiosk_id: String, device_secret: String) -> EnrolResponse {
    EnrolResponse {
        kiosk_id,
        device_secret,
        server_public_key: state.keys.sealing.public().to_hex(),
        server_signing_key: state.keys.signing.public_hex(),
        public_url: state.config.public_url.clone(),
    }
}

pub(crate) async fn catalog_handle(state: &AppState) -> Result<samod::DocHandle, ApiError> {
    state
        .repo
        .find(state.catalog_id.clone())
        .await
        .map_err(|_| ApiError::internal("repository stopped"))?
        .ok_or_else(|| ApiError::internal("the catalog document is missing"))
}

async fn get_catalog(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Catalog>, ApiError> {
    admin(&state, &headers)?;
    let handle = catalog_handle(&state).await?;
    let catalog = blocking(move || {
        handle
            .with_document(|d| read_catalog(d))
            .map_err(ApiError::internal)
    })
    .await?;
    Ok(Json(catalog))
}

/// Replace the catalog in one change, so kiosks never see half of an import. Consent texts
/// may gain versions; an existing version may not change (people accepted that text).
async fn put_catalog(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(catalog): Json<Catalog>,
) -> Result<Json<Catalog>, ApiError> {
    admin(&state, &headers)?;
    replace_catalog(&state, catalog.clone(), "api").await?;
    Ok(Json(catalog))
}

/// Check a catalog and write it, signed, in one change (kiosks get it at their next sync),
/// and note it in the audit log. Consent texts may gain versions; a version people accepted
/// may not change or go.
pub(crate) async fn replace_catalog(
    state: &AppState,
    catalog: Catalog,
    by: &str,
) -> Result<(), ApiError> {
    check_catalog(&catalog).map_err(|problems| {
        ApiError::BadRequest(
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        )
    })?;
    let handle = catalog_handle(state).await?;
    let new = catalog;
    let keys = state.keys.clone();
    blocking(move || {
        handle.with_document(|doc| {
            let old = read_catalog(doc).map_err(ApiError::internal)?;
            for before in &old.consent_texts {
                let kept = new
                    .consent_texts
                    .iter()
                    .find(|c| c.version == before.version);
                if kept != Some(before) {
                    return Err(ApiError::Conflict(format!(
                        "consent version {} was changed or removed; add a new version instead",
                        before.version
                    )));
                }
            }
            write_catalog(doc, &new, &keys.signing).map_err(ApiError::internal)
        })
    })
    .await?;
    tracing::info!(by, "catalog replaced");
    let st = state.clone();
    let by = by.to_owned();
    blocking(move || Ok(st.store.audit(&by, "catalog", "catalog", "replaced")?)).await
}

/// A consistent backup of the running server, as a file download.
async fn get_backup(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    admin(&state, &headers)?;
    let st = state.clone();
    let bytes = blocking(move || {
        let dir = st.config.data_dir.join("backups");
        std::fs::create_dir_all(&dir).map_err(ApiError::internal)?;
        let path = dir.join(format!("backup-{}.redb", new_secret()));
        let db = st.store.database().map_err(ApiError::internal)?;
        let made = crate::backup::create_backup(&db, &st.keys, &path);
        drop(db);
        let read = made
            .map_err(ApiError::internal)
            .and_then(|_| std::fs::read(&path).map_err(ApiError::internal));
        let _ = std::fs::remove_file(&path);
        read
    })
    .await?;
    tracing::info!(bytes = bytes.len(), "backup taken");
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/octet-stream"),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"frivillig-backup.redb\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

/// Attempts to redeem a code allowed per address per minute.
const REDEEM_ATTEMPTS_PER_MINUTE: u32 = 10;

async fn new_enrol_code_handler(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(req): Json<EnrolCodeRequest>,
) -> Result<Json<EnrolCode>, ApiError> {
    admin(&state, &headers)?;
    check_kiosk_id(&req.kiosk_id)?;
    let valid = req.valid_seconds.unwrap_or(15 * 60).min(24 * 3600);
    let code = new_enrol_code();
    let expires_at = (Utc::now() + chrono::Duration::seconds(valid as i64))
        .to_rfc3339_opts(SecondsFormat::Millis, true);
    let row = EnrolCodeRow {
        kiosk_id: req.kiosk_id,
        site_id: req.site_id,
        expires_at: expires_at.clone(),
        used: false,
    };
    let st = state.clone();
    let hash = secret_hash(&normalize_enrol_code(&code));
    blocking(move || Ok(st.store.add_enrol_code(&hash, &row)?)).await?;
    Ok(Json(EnrolCode { code, expires_at }))
}

/// A kiosk's setup screen trades a one-time code for its enrolment. No credential: the code
/// is the credential, so attempts are limited per address.
async fn redeem_enrol_code(
    State(state): State<AppState>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    Json(req): Json<RedeemRequest>,
) -> Result<Json<RedeemResponse>, ApiError> {
    if !state
        .redeem_attempts
        .allow_address(peer.ip(), REDEEM_ATTEMPTS_PER_MINUTE)
    {
        return Err(ApiError::TooMany);
    }
    let secret = new_secret();
    let device = DeviceRow::new("", secret_hash(&secret), now());
    let st = state.clone();
    let hash = secret_hash(&normalize_enrol_code(&req.code));
    let outcome = blocking(move || Ok(st.store.redeem_enrol_code(&hash, &now(), device)?)).await?;
    match outcome {
        Ok(row) => {
            tracing::info!(kiosk = %row.kiosk_id, "kiosk enrolled with a one-time code");
            Ok(Json(RedeemResponse {
                enrolment: enrolment(&state, row.kiosk_id, secret),
                site_id: row.site_id,
            }))
        }
        Err(CodeRefusal::Unknown) => Err(ApiError::CodeRefused(
            "Koden findes ikke. Tjek den og prøv igen / the code does not exist; check it and try again",
        )),
        Err(CodeRefusal::Used) => Err(ApiError::CodeRefused(
            "Koden er allerede brugt / the code has been used already",
        )),
        Err(CodeRefusal::Expired) => Err(ApiError::CodeRefused(
            "Koden er udløbet; bed om en ny / the code has expired; ask for a new one",
        )),
        Err(CodeRefusal::KioskTaken) => Err(ApiError::CodeRefused(
            "Kiosken er allerede tilmeldt / the kiosk is enrolled already",
        )),
    }
}
