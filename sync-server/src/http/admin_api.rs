//! The coordinators' JSON API, behind `Authorization: Bearer <admin token>`: kiosks and
//! their codes, accounts, signups and their status, the catalog, backups, metrics.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};

use frivillig_common::api::{
    EnrolCode, EnrolCodeRequest, EnrolRequest, EnrolResponse, KioskSummary, SetStatusRequest,
    SignupPage, SignupView,
};
use frivillig_common::domain::{Catalog, Status};
use frivillig_common::ids::{KioskId, SignupId};
use frivillig_common::sync::{new_secret, secret_hash};

use crate::AppState;
use crate::http::error::ApiError;
use crate::http::{bearer, blocking};
use crate::service::accounts::{AccountError, Role, generate_password};
use crate::service::api_tokens::OPERATOR;
use crate::service::catalog::{catalog, replace_catalog};
use crate::service::kiosks;
use crate::service::signups::change_status;
use crate::store::{Scope, SignupFilter};

/// The admin API's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
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
        .route("/api/admin/enrol-codes", post(new_enrol_code))
        .route("/api/admin/signups", get(list_signups))
        .route("/api/admin/signups/{signup_id}", get(get_signup))
        .route(
            "/api/admin/signups/{signup_id}/status",
            post(set_signup_status),
        )
}

/// Refuse a request without the admin token.
/// The caller's name, if its credential holds `scope`: the operator's token (every scope),
/// or a live API token an admin made. Every use is audited under that name, with `what`.
async fn caller(
    state: &AppState,
    headers: &HeaderMap,
    scope: Scope,
    what: &'static str,
) -> Result<String, ApiError> {
    let token = bearer(headers).ok_or(ApiError::Unauthorized)?.to_owned();
    let st = state.clone();
    blocking(move || {
        let name = if secret_hash(&token) == *st.admin_token_hash {
            OPERATOR.to_owned()
        } else {
            let row = st
                .store
                .api_token(&token, chrono::Utc::now())?
                .ok_or(ApiError::Unauthorized)?;
            if !row.scopes.contains(&scope) {
                return Err(ApiError::NoScope(scope.as_str()));
            }
            row.name
        };
        st.store.audit(&name, "api", what, scope.as_str())?;
        Ok(name)
    })
    .await
}

async fn enrol_kiosk(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(req): Json<EnrolRequest>,
) -> Result<Json<EnrolResponse>, ApiError> {
    caller(&state, &headers, Scope::Write, "enrol_kiosk").await?;
    Ok(Json(
        kiosks::enrol(
            &state,
            kiosks::kiosk_id(&req.kiosk_id)?,
            &req.site_id,
            req.bench,
        )
        .await?,
    ))
}

async fn new_enrol_code(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(req): Json<EnrolCodeRequest>,
) -> Result<Json<EnrolCode>, ApiError> {
    caller(&state, &headers, Scope::Write, "new_enrol_code").await?;
    Ok(Json(
        kiosks::new_code(
            &state,
            kiosks::kiosk_id(&req.kiosk_id)?,
            req.site_id,
            req.valid_seconds,
        )
        .await?,
    ))
}

/// `GET /api/admin/metrics`: counters for monitoring and the benchmarks: bytes of sync
/// messages received from and sent to devices since start, and signups held.
async fn metrics(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    caller(&state, &headers, Scope::Read, "metrics").await?;
    Ok(Json(serde_json::json!({
        "sync_bytes_in": state.sync.bytes_in.load(std::sync::atomic::Ordering::Relaxed),
        "sync_bytes_out": state.sync.bytes_out.load(std::sync::atomic::Ordering::Relaxed),
        "signups": state.store.listing().len(),
        "documents_loaded": state.sync.documents_loaded.load(std::sync::atomic::Ordering::Relaxed),
    })))
}

async fn list_kiosks(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Vec<KioskSummary>>, ApiError> {
    caller(&state, &headers, Scope::Read, "list_kiosks").await?;
    let st = state.clone();
    Ok(Json(blocking(move || Ok(st.store.devices()?)).await?))
}

async fn revoke_kiosk(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(kiosk_id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let by = caller(&state, &headers, Scope::Write, "revoke_kiosk").await?;
    // A malformed id names no kiosk.
    let id = KioskId::parse(&kiosk_id).ok_or(ApiError::NotFound)?;
    kiosks::revoke(&state, &id, &by).await?;
    Ok(Json(serde_json::json!({"revoked": kiosk_id})))
}

/// An account as the API lists it (no password hash).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct AccountView {
    /// User name.
    pub username: String,
    /// The person's name.
    pub display_name: String,
    /// `admin` or `coordinator`.
    pub role: Role,
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

fn account_error(e: AccountError) -> ApiError {
    use AccountError as E;
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
    caller(&state, &headers, Scope::Read, "list_accounts").await?;
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
    let by = caller(&state, &headers, Scope::Write, "add_account").await?;
    let role = Role::parse(&req.role)
        .ok_or_else(|| ApiError::BadRequest("role must be admin or coordinator".into()))?;
    if role == Role::Coordinator && req.sites.is_empty() {
        return Err(ApiError::BadRequest(
            "a coordinator needs at least one site".into(),
        ));
    }
    let password = generate_password();
    let st = state.clone();
    let p = password.clone();
    blocking(move || {
        st.store
            .add_account(&req.username, &req.display_name, &p, role, req.sites)
            .map_err(account_error)?;
        st.store.audit(&by, "account", &req.username, "created")?;
        Ok(())
    })
    .await?;
    Ok(Json(serde_json::json!({ "password": password })))
}

/// Give an account a new generated password (returned once), remove its authenticator app
/// and end its sessions: the way back in for someone who lost either. The person sets up
/// the app again at their next login.
async fn new_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(username): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let by = caller(&state, &headers, Scope::Write, "new_password").await?;
    let password = generate_password();
    let st = state.clone();
    let p = password.clone();
    blocking(move || {
        st.store
            .reset_credentials(&username, &p)
            .map_err(account_error)?;
        st.store.audit(
            &by,
            "account",
            &username,
            "new password; authenticator app removed",
        )?;
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
    let by = caller(&state, &headers, Scope::Write, "disable_account").await?;
    let st = state.clone();
    let u = username.clone();
    blocking(move || {
        st.store.set_disabled(&u, true).map_err(account_error)?;
        st.store.audit(&by, "account", &u, "disabled")?;
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
    caller(&state, &headers, Scope::Read, "list_signups").await?;
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
    caller(&state, &headers, Scope::Read, "get_signup").await?;
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
    let by = caller(&state, &headers, Scope::Write, "set_signup_status").await?;
    let status = Status::parse(&req.status)
        .ok_or_else(|| ApiError::BadRequest(format!("unknown status {}", req.status)))?;
    // A malformed id names no signup.
    let id = SignupId::parse(&signup_id).ok_or(ApiError::NotFound)?;
    let row = change_status(&state, &id, status, &by).await?;
    Ok(Json(row.into()))
}

async fn get_catalog(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Catalog>, ApiError> {
    caller(&state, &headers, Scope::Read, "get_catalog").await?;
    Ok(Json(catalog(&state).await?))
}

/// Replace the catalog in one change, so kiosks never see half of an import. Consent texts
/// may gain versions; an existing version may not change (people accepted that text).
async fn put_catalog(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(catalog): Json<Catalog>,
) -> Result<Json<Catalog>, ApiError> {
    let by = caller(&state, &headers, Scope::Write, "put_catalog").await?;
    replace_catalog(&state, catalog.clone(), &by).await?;
    Ok(Json(catalog))
}

/// A consistent backup of the running server, as a file download.
async fn get_backup(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    caller(&state, &headers, Scope::Backup, "get_backup").await?;
    let st = state.clone();
    let bytes = blocking(move || {
        let dir = st.config.data_dir.join("backups");
        std::fs::create_dir_all(&dir).map_err(ApiError::internal)?;
        let path = dir.join(format!("backup-{}.redb", new_secret()));
        let db = st.store.database().map_err(ApiError::internal)?;
        let made = crate::backup::create_backup(&db, &st.keys, &st.config.data_dir, &path);
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
