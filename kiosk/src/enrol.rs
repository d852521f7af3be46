//! Enrolment from the kiosk's side: trade a one-time code (typed on the setup screen) for
//! the kiosk's configuration, and save it.

use std::path::Path;
use std::time::Duration;

use frivillig_common::api::{RedeemRequest, RedeemResponse};

use crate::config::{ConfigError, KioskConfig};

/// Why a code did not enrol the kiosk.
#[derive(Debug, thiserror::Error)]
pub enum RedeemError {
    /// The server cannot be reached.
    #[error("serveren kan ikke nås / the server cannot be reached: {0}")]
    Unreachable(String),
    /// The server refused the code (unknown, used, expired), in its words.
    #[error("{0}")]
    Refused(String),
    /// Too many attempts from here.
    #[error("for mange forsøg; vent et minut / too many attempts; wait a minute")]
    TooMany,
    /// Saving the configuration failed.
    #[error(transparent)]
    Save(#[from] ConfigError),
}

/// Redeem `code` at `server_url`; write the configuration to `config_path` (owner-only).
pub async fn redeem_code(
    server_url: &str,
    code: &str,
    data_dir: &Path,
    config_path: &Path,
) -> Result<KioskConfig, RedeemError> {
    let base = server_url.trim_end_matches('/');
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .map_err(|e| RedeemError::Unreachable(e.to_string()))?;
    let resp = http
        .post(format!("{base}/api/enrol/redeem"))
        .json(&RedeemRequest {
            code: code.to_owned(),
        })
        .send()
        .await
        .map_err(|e| RedeemError::Unreachable(e.to_string()))?;
    match resp.status().as_u16() {
        200 => {}
        429 => return Err(RedeemError::TooMany),
        _ => {
            let body: serde_json::Value = resp.json().await.unwrap_or_default();
            let message = body["message"]
                .as_str()
                .unwrap_or("koden blev afvist / the code was refused");
            return Err(RedeemError::Refused(message.to_owned()));
        }
    }
    let r: RedeemResponse = resp
        .json()
        .await
        .map_err(|e| RedeemError::Unreachable(e.to_string()))?;
    let config = KioskConfig::from_enrolment(base, r.enrolment, &r.site_id, data_dir.to_owned());
    config.save(config_path)?;
    Ok(config)
}
