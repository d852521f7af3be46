//! `POST /api/enrol/redeem`: a kiosk's setup screen trades a one-time code for its
//! enrolment. No credential: the code is the credential, so attempts are limited per
//! address.

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};

use frivillig_common::api::{RedeemRequest, RedeemResponse};

use crate::AppState;
use crate::http::client_ip::ClientIp;
use crate::http::error::ApiError;
use crate::service::kiosks;

/// Attempts to redeem a code allowed per address per minute.
const REDEEM_ATTEMPTS_PER_MINUTE: u32 = 10;

/// The route.
pub fn routes() -> Router<AppState> {
    Router::new().route("/api/enrol/redeem", post(redeem_enrol_code))
}

async fn redeem_enrol_code(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Json(req): Json<RedeemRequest>,
) -> Result<Json<RedeemResponse>, ApiError> {
    if !state
        .limits
        .redeem
        .allow_address(client, REDEEM_ATTEMPTS_PER_MINUTE)
    {
        return Err(ApiError::TooMany);
    }
    Ok(Json(kiosks::redeem(&state, &req.code).await?))
}
