//! Enrolment from the kiosk's side: trade a one-time code (typed on the setup screen) for
//! the kiosk's configuration, and save it.

use std::path::Path;
use std::time::Duration;

use frivillig_common::api::{RedeemRequest, RedeemResponse};
use frivillig_common::tls::{EnrolLink, http_client};

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
///
/// `server_url` may be the code's QR as a whole (`https://…#enrol=CODE&ca=FINGERPRINT`):
/// over https the fingerprint is required and pinned from this very first request, and the
/// server's answer must name the same CA.
pub async fn redeem_code(
    server_url: &str,
    code: &str,
    data_dir: &Path,
    config_path: &Path,
) -> Result<KioskConfig, RedeemError> {
    let link = EnrolLink::parse(server_url);
    let code = link.code.clone().unwrap_or_else(|| code.to_owned());
    let https = link.server.starts_with("https://");
    if https && link.ca.is_none() {
        return Err(RedeemError::Refused(
            "en https-server kræver sit fingeraftryk (#ca=… i kodens QR) / an https server needs its fingerprint (#ca=… in the code's QR)".into(),
        ));
    }
    let builder = reqwest::Client::builder().timeout(Duration::from_secs(20));
    let (http, base) = http_client(&link.server, link.ca.as_deref(), builder)
        .map_err(|e| RedeemError::Unreachable(e.to_string()))?;
    let resp = http
        .post(format!("{base}/api/enrol/redeem"))
        .json(&RedeemRequest { code })
        .send()
        .await
        .map_err(|e| RedeemError::Unreachable(error_chain(&e)))?;
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
    if https && r.enrolment.server_ca_sha256 != link.ca {
        return Err(RedeemError::Refused(
            "serveren opgav et andet fingeraftryk end koden / the server named another fingerprint than the code".into(),
        ));
    }
    let config =
        KioskConfig::from_enrolment(&link.server, r.enrolment, &r.site_id, data_dir.to_owned());
    config.save(config_path)?;
    Ok(config)
}

/// An error with its causes, as reqwest nests them (the TLS refusal is the innermost).
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
