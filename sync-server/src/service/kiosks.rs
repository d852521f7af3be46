//! Kiosks: enrolment (by the admin token or a one-time code), authentication of their
//! requests, what they report, and revocation.

use chrono::{SecondsFormat, Utc};

use frivillig_common::api::{EnrolCode, EnrolResponse, RedeemResponse};
use frivillig_common::ids::KioskId;
use frivillig_common::sync::{
    new_enrol_code, new_secret, normalize_enrol_code, parse_device_token, secret_hash,
};

use crate::AppState;
use crate::service::{ServiceError, blocking, now};
use crate::store::{CodeRefusal, DeviceRow, EnrolCodeRow};

/// Owner names of journals that are not kiosks: the portal's journals are owned by `web`,
/// so a kiosk by that name would be handed them.
const RESERVED: [&str; 1] = ["web"];

/// `id` as the id of a new kiosk, or why the server does not accept it.
pub fn kiosk_id(id: &str) -> Result<KioskId, ServiceError> {
    if RESERVED.contains(&id) {
        return Err(ServiceError::Invalid(format!(
            "kiosk-id {id:?} er forbeholdt serveren / the kiosk id {id:?} is reserved for the server"
        )));
    }
    KioskId::parse(id).ok_or_else(|| {
        ServiceError::Invalid(
            "kiosk-id: 1-40 små bogstaver, tal og bindestreger / kiosk id: 1-40 lower-case letters, digits and dashes".into(),
        )
    })
}

/// The enrolled, unrevoked device a device token (`<kiosk id>.<secret>`) belongs to, with
/// its row. Blocking: reads redb.
pub fn authenticate(state: &AppState, token: &str) -> Result<(KioskId, DeviceRow), ServiceError> {
    let (kiosk_id, secret) = parse_device_token(token).ok_or(ServiceError::Unauthorized)?;
    let kiosk_id = KioskId::parse(kiosk_id).ok_or(ServiceError::Unauthorized)?;
    let device = state
        .store
        .device(kiosk_id.as_str())?
        .ok_or(ServiceError::Unauthorized)?;
    if device.secret_hash != secret_hash(secret) {
        return Err(ServiceError::Unauthorized);
    }
    if device.revoked {
        return Err(ServiceError::Revoked);
    }
    Ok((kiosk_id, device))
}

/// What an enrolled kiosk needs to know of this server, with its new secret.
fn enrolment(state: &AppState, kiosk_id: String, device_secret: String) -> EnrolResponse {
    EnrolResponse {
        kiosk_id,
        device_secret,
        server_public_key: state.keys.sealing.public().to_hex(),
        server_signing_key: state.keys.signing.public_hex(),
        public_url: state.config.public_url.clone(),
        server_ca_sha256: state.tls.as_ref().map(|t| t.fingerprint.clone()),
    }
}

/// Enrol a kiosk (or, with `bench`, a benchmark device while the server allows them).
pub async fn enrol(
    state: &AppState,
    kiosk_id: KioskId,
    site_id: &str,
    bench: bool,
) -> Result<EnrolResponse, ServiceError> {
    if bench && !state.config.bench_devices {
        return Err(ServiceError::Invalid(
            "benchmark-enheder er slået fra (bench_devices) / benchmark devices are off (bench_devices)".into(),
        ));
    }
    let secret = new_secret();
    let mut row = DeviceRow::new(site_id, secret_hash(&secret), now());
    row.bench = bench;
    let st = state.clone();
    let id = kiosk_id.clone();
    let added = blocking(move || Ok(st.store.add_device(id.as_str(), &row)?)).await?;
    if !added {
        return Err(ServiceError::Conflict(format!(
            "kiosk {kiosk_id} is enrolled already"
        )));
    }
    Ok(enrolment(state, kiosk_id.into(), secret))
}

/// A one-time code that enrols `kiosk_id` at `site_id`, valid for `valid_seconds` (15
/// minutes unless given, a day at most).
pub async fn new_code(
    state: &AppState,
    kiosk_id: KioskId,
    site_id: String,
    valid_seconds: Option<u64>,
) -> Result<EnrolCode, ServiceError> {
    let valid = valid_seconds.unwrap_or(15 * 60).min(24 * 3600);
    let code = new_enrol_code();
    let expires_at = (Utc::now() + chrono::Duration::seconds(valid as i64))
        .to_rfc3339_opts(SecondsFormat::Millis, true);
    let row = EnrolCodeRow {
        kiosk_id: kiosk_id.into(),
        site_id,
        expires_at: expires_at.clone(),
        used: false,
    };
    let st = state.clone();
    let hash = secret_hash(&normalize_enrol_code(&code));
    blocking(move || Ok(st.store.add_enrol_code(&hash, &row)?)).await?;
    Ok(EnrolCode {
        code,
        expires_at,
        server_ca_sha256: state.tls.as_ref().map(|t| t.fingerprint.clone()),
    })
}

/// Trade a one-time code for an enrolment, in one transaction: the code is used once, in
/// its time, for a kiosk id nobody took meanwhile.
pub async fn redeem(state: &AppState, code: &str) -> Result<RedeemResponse, ServiceError> {
    let secret = new_secret();
    let device = DeviceRow::new("", secret_hash(&secret), now());
    let st = state.clone();
    let hash = secret_hash(&normalize_enrol_code(code));
    let outcome = blocking(move || Ok(st.store.redeem_enrol_code(&hash, &now(), device)?)).await?;
    match outcome {
        Ok(row) => {
            tracing::info!(kiosk = %row.kiosk_id, "kiosk enrolled with a one-time code");
            Ok(RedeemResponse {
                enrolment: enrolment(state, row.kiosk_id, secret),
                site_id: row.site_id,
            })
        }
        Err(CodeRefusal::Unknown) => Err(ServiceError::CodeRefused(
            "Koden findes ikke. Tjek den og prøv igen / the code does not exist; check it and try again",
        )),
        Err(CodeRefusal::Used) => Err(ServiceError::CodeRefused(
            "Koden er allerede brugt / the code has been used already",
        )),
        Err(CodeRefusal::Expired) => Err(ServiceError::CodeRefused(
            "Koden er udløbet; bed om en ny / the code has expired; ask for a new one",
        )),
        Err(CodeRefusal::KioskTaken) => Err(ServiceError::CodeRefused(
            "Kiosken er allerede tilmeldt / the kiosk is enrolled already",
        )),
    }
}

/// What a kiosk reports at the start of each sync round or with an acknowledgement.
#[derive(Debug, Default)]
pub struct Report {
    /// Signups it holds that the server has not acknowledged.
    pub queued: Option<u64>,
    /// Its app version.
    pub version: Option<String>,
    /// Where it listens for its peers (festival mode), as it said: `host:port` each.
    pub peer_addresses: Option<Vec<String>>,
}

/// The owner a kiosk may register a journal for as its carrier (festival mode): an
/// enrolled, unrevoked kiosk of the carrier's own site that is in festival mode. The journal is then checked as its
/// owner's in every way; the carrier only delivers it. Blocking: reads redb.
pub fn relay_owner(
    state: &AppState,
    carrier: &KioskId,
    owner: &str,
) -> Result<KioskId, ServiceError> {
    let owner = kiosk_id(owner)?;
    let carrier_site = state.store.device(carrier.as_str())?.map(|d| d.site_id);
    match state.store.device(owner.as_str())? {
        // Only for a kiosk in festival mode (it told its peer address): such a kiosk takes
        // no changes from the server to its own journals, so a carrier's never reach it.
        Some(row)
            if !row.revoked
                && !row.bench
                && !row.peer_addresses.is_empty()
                && Some(&row.site_id) == carrier_site.as_ref() =>
        {
            Ok(owner)
        }
        _ => Err(ServiceError::Conflict(
            "a kiosk carries journals only for the enrolled kiosks of its own site in festival mode"
                .into(),
        )),
    }
}

/// How many peer addresses a kiosk's report keeps.
pub const PEER_ADDRESSES_KEPT: usize = 8;

/// The other kiosks of `kiosk_id`'s site that are enrolled and not revoked, with their last
/// peer addresses: the only kiosks it may talk to in festival mode. Blocking: reads redb.
pub fn site_peers(
    state: &AppState,
    kiosk_id: &KioskId,
) -> Result<Vec<frivillig_common::api::PeerKiosk>, ServiceError> {
    let rows = state.store.device_rows()?;
    let Some(site) = rows
        .iter()
        .find(|(id, _)| id == kiosk_id.as_str())
        .map(|(_, row)| row.site_id.clone())
    else {
        return Ok(Vec::new());
    };
    Ok(rows
        .into_iter()
        .filter(|(id, row)| {
            id != kiosk_id.as_str() && row.site_id == site && !row.revoked && !row.bench
        })
        .map(|(kiosk_id, row)| frivillig_common::api::PeerKiosk {
            kiosk_id,
            addresses: row.peer_addresses,
            signing_key: row.signing_key.unwrap_or_default(),
        })
        .collect())
}

/// Note that `kiosk_id` was in touch, with what it reported. A version that is not a short
/// word is not stored. Blocking: writes redb.
pub fn note_contact(
    state: &AppState,
    kiosk_id: &KioskId,
    report: Report,
) -> Result<(), ServiceError> {
    state.store.update_device(kiosk_id.as_str(), |d| {
        d.last_contact = Some(now());
        if let Some(q) = report.queued {
            d.queued = q;
        }
        if let Some(v) = report.version.filter(|v| {
            v.len() <= 32
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-+".contains(c))
        }) {
            d.version = Some(v);
        }
        if let Some(addresses) = report.peer_addresses {
            d.peer_addresses = addresses
                .into_iter()
                .filter(|a| a.len() <= 64 && frivillig_common::kiosk_config::is_host_port(a))
                .take(PEER_ADDRESSES_KEPT)
                .collect();
        }
    })?;
    Ok(())
}

/// Revoke a kiosk: refused from now on, its open connections closed at once. Audited.
pub async fn revoke(state: &AppState, kiosk_id: &KioskId, by: &str) -> Result<(), ServiceError> {
    let kiosk_id = kiosk_id.to_string();
    let st = state.clone();
    let id = kiosk_id.clone();
    let known = blocking(move || Ok(st.store.update_device(&id, |d| d.revoked = true)?)).await?;
    if !known {
        return Err(ServiceError::NotFound);
    }
    state.sync.disconnect(&kiosk_id);
    tracing::info!(kiosk = %kiosk_id, "kiosk revoked");
    let st = state.clone();
    let by = by.to_owned();
    blocking(move || Ok(st.store.audit(&by, "revoke", &kiosk_id, "")?)).await
}
