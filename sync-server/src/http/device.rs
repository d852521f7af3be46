//! The device API kiosks use beside sync: device info at the start of every round, journal
//! registration, and the durable acknowledgement.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};

use frivillig_common::api::{
    AckRequest, AckResponse, CertificateRequest, CertificateResponse, DeviceInfo, RefusedSignup,
    RegisterJournal,
};
use frivillig_common::sign::verify_device_heads;
use frivillig_common::sync::parse_heads;

use crate::AppState;
use crate::http::error::ApiError;
use crate::http::{bearer, blocking, parse_doc_id};
use crate::service::ingest::trust::plausible_day;
use crate::service::ingest::{ingest_journal, wait_for_heads, watch_journal};
use crate::service::kiosks::{self, Report};
use crate::service::now;
use crate::store::{DeviceRow, JournalOwner};
use frivillig_common::ids::KioskId;

/// The device API's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/device/info", get(device_info))
        .route("/api/device/journals", post(register_journal))
        .route("/api/device/journals/{doc_id}/ack", post(ack_journal))
        .route("/api/device/certificate", post(device_certificate))
        .route("/api/device/photos/{photo_id}/{size}", get(device_photo))
}

/// The device whose token (header, or `token` query parameter for WebSockets) a request
/// carries, with its row. Blocking: reads redb.
pub fn authenticate_device_row(
    state: &AppState,
    headers: &HeaderMap,
    query_token: Option<&str>,
) -> Result<(KioskId, DeviceRow), ApiError> {
    let token = bearer(headers)
        .or(query_token)
        .ok_or(ApiError::Unauthorized)?;
    Ok(kiosks::authenticate(state, token)?)
}

/// The kiosk making a device API request, within its rate per minute.
async fn device(state: &AppState, headers: HeaderMap) -> Result<KioskId, ApiError> {
    let st = state.clone();
    let (kiosk_id, row) = blocking(move || authenticate_device_row(&st, &headers, None)).await?;
    // A benchmark device enrolled while they were allowed is refused once they are not,
    // here as at the sync socket.
    if row.bench && !state.config.bench_devices {
        return Err(ApiError::BenchOff);
    }
    if !state.limits.device_requests.allow(
        kiosk_id.to_string(),
        state.config.device_requests_per_minute,
    ) {
        return Err(ApiError::TooMany);
    }
    Ok(kiosk_id)
}

/// A photo the catalog names, for a kiosk to keep and show offline.
async fn device_photo(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path((id, size)): axum::extract::Path<(String, String)>,
) -> Result<axum::response::Response, ApiError> {
    device(&state, headers).await?;
    crate::http::portal::photo_response(&state, &id, &size).await
}

/// What a kiosk reports when it asks for the deployment's details.
#[derive(Debug, Default, serde::Deserialize)]
pub struct InfoQuery {
    /// Signups it holds that the server has not acknowledged.
    queued: Option<u64>,
    /// Its app version.
    version: Option<String>,
    /// Where it listens for its peers in festival mode: `host:port`, comma-separated.
    peers: Option<String>,
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
    let peers = blocking(move || {
        let report = Report {
            queued: report.queued,
            version: report.version,
            peer_addresses: report
                .peers
                .map(|p| p.split(',').map(str::to_owned).collect()),
        };
        kiosks::note_contact(&st, &kiosk_id, report)?;
        Ok(kiosks::site_peers(&st, &kiosk_id)?)
    })
    .await?;
    Ok(Json(DeviceInfo {
        catalog_doc_id: state.sync.catalog_id.to_string(),
        server_time: now(),
        server_public_key: state.keys.sealing.public().to_hex(),
        server_signing_key: state.keys.signing.public_hex(),
        peers,
    }))
}

async fn register_journal(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(req): Json<RegisterJournal>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let kiosk_id = device(&state, headers).await?;
    let doc_id = parse_doc_id(&req.doc_id)?;
    if doc_id == state.sync.catalog_id {
        return Err(ApiError::Conflict("that document is not a journal".into()));
    }
    if !plausible_day(&req.day, chrono::Utc::now()) {
        return Err(ApiError::BadRequest(
            "day must be YYYY-MM-DD, no later than tomorrow and not months ago".into(),
        ));
    }
    // A carrier's registration waits for any ingest under way: from it on, the journal is
    // ingested only as far as its owner vouched (see `ingest_journal`), and an ingest that
    // read the row before it must not read changes the carrier sends after it.
    let _carrier = match &req.owner {
        Some(o) if o != kiosk_id.as_str() => Some(state.ingest.lock.lock().await),
        _ => None,
    };
    let st = state.clone();
    let id = doc_id.clone();
    let owner = blocking(move || {
        let key = id.to_string();
        // Festival mode: a kiosk carrying a peer's journal registers it in the peer's name.
        let Some(owner) = req.owner.filter(|o| o != kiosk_id.as_str()) else {
            let mine = JournalOwner::Kiosk(kiosk_id);
            return Ok(st.store.claim_journal(&key, &mine, &req.day)? == Some(mine));
        };
        let owner = kiosks::relay_owner(&st, &kiosk_id, &owner)?;
        let theirs = JournalOwner::Kiosk(owner.clone());
        if st.store.claim_journal(&key, &theirs, &req.day)? != Some(theirs) {
            return Ok(false);
        }
        if st.store.note_relayer(&key, kiosk_id.as_str())? {
            st.store
                .audit(kiosk_id.as_str(), "relay", &key, owner.as_str())?;
        }
        Ok(true)
    })
    .await?;
    if owner {
        watch_journal(&state, doc_id);
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
    let queued = req.queued;
    let asked = req.heads.clone();
    let owner_signature = req.owner_signature.clone();
    blocking(move || {
        // Answer "not found" for a journal of another kiosk: its existence is not theirs to learn.
        let row = match st.store.journal(&key)? {
            Some(row) if row.is_carried_by(kiosk_id.as_str()) => row,
            _ => return Err(ApiError::NotFound),
        };
        // A kiosk carrying the journal for its owner brings the owner's word for the heads:
        // the carrier's own word would let it pass off changes it made as the owner's.
        if let JournalOwner::Kiosk(owner) = &row.owner
            && owner != &kiosk_id
        {
            let owner_key = st
                .store
                .device(owner.as_str())?
                .and_then(|d| d.signing_key)
                .unwrap_or_default();
            let signature = owner_signature.unwrap_or_default();
            verify_device_heads(&owner_key, &key, &asked, &signature).map_err(|_| {
                ApiError::Conflict(
                    "the journal's owner has not signed these heads; ask with its signature".into(),
                )
            })?;
        }
        // A carrier's count is of its own journals, not of the one it carries.
        let report = Report {
            queued: row.owner.is_kiosk(kiosk_id.as_str()).then_some(queued),
            version: None,
            peer_addresses: None,
        };
        Ok(kiosks::note_contact(&st, &kiosk_id, report)?)
    })
    .await?;
    let handle = wait_for_heads(&state, &doc_id, &heads).await?;
    // The heads are the owner's word (its own request, or its signature checked above).
    let (outcome, _) = ingest_journal(&state, &doc_id, handle, &heads).await?;
    let st = state.clone();
    let key = doc_id.to_string();
    let refused = blocking(move || Ok(st.store.refused_in_journal(&key)?))
        .await?
        .into_iter()
        .map(|r| RefusedSignup {
            signup_id: r.record.id,
            reason: r.reason,
        })
        .collect();
    // Signed, so that a peer can carry it to this kiosk and the kiosk can trust it.
    let signature = state.keys.signing.sign(
        frivillig_common::sign::ACK_SIGNATURE_TAG,
        &frivillig_common::sign::heads_content(&doc_id.to_string(), &req.heads),
    );
    Ok(Json(AckResponse {
        acked_heads: req.heads,
        signups: outcome.signups,
        refused,
        signature,
    }))
}

/// Sign the certificate a kiosk asks for, for the key it made: its identity towards other
/// kiosks in festival mode. A revoked kiosk gets none (its token is refused first).
async fn device_certificate(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(req): Json<CertificateRequest>,
) -> Result<Json<CertificateResponse>, ApiError> {
    let kiosk_id = device(&state, headers).await?;
    if req.csr_pem.len() > 16 * 1024 {
        return Err(ApiError::BadRequest(
            "the certificate request is too large".into(),
        ));
    }
    let st = state.clone();
    let made = blocking(move || {
        let made = st
            .ca
            .device_certificate(&req.csr_pem, kiosk_id.as_str())
            .map_err(|e| ApiError::BadRequest(format!("the certificate request: {e}")))?;
        let key = made.signing_key.clone();
        st.store
            .update_device(kiosk_id.as_str(), |d| d.signing_key = Some(key))?;
        st.store.audit(
            kiosk_id.as_str(),
            "certificate",
            kiosk_id.as_str(),
            &made.expires_at,
        )?;
        Ok(made)
    })
    .await?;
    Ok(Json(CertificateResponse {
        certificate_pem: made.pem,
        expires_at: made.expires_at,
        ca_pem: state.ca.pem().to_owned(),
    }))
}
