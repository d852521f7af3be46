//! The sync worker: reaches the server whenever it can, and otherwise waits with backoff.
//!
//! Each round: ask the server for the deployment's details (which also proves the device
//! token), make sure samod dials the sync endpoint, register new journals as this kiosk's,
//! fetch the catalog, ask for a durable acknowledgement of every journal with changes the
//! server has not acknowledged, and delete closed journals the server holds in full.
//! samod carries the documents; the HTTP calls carry what samod cannot: identity,
//! registration and the durable acknowledgement.

use std::sync::Arc;
use std::time::Duration;

use frivillig_common::api::{
    AckRequest, AckResponse, CertificateRequest, CertificateResponse, DeviceInfo, RegisterJournal,
};
use frivillig_common::catalog::{read_signed_catalog, read_taken};
use frivillig_common::sync::device_token;
use samod::{BackoffConfig, DialerHandle, DocHandle, DocumentId};
use tokio_util::sync::CancellationToken;

pub use crate::dial::{WsDialer, WsError};

mod relay;

use crate::core::KioskCore;
use crate::store::JournalMeta;

/// Why a sync round stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The server could not be reached.
    #[error("serveren kan ikke nås / the server cannot be reached: {0}")]
    Unreachable(String),
    /// The server refused the device token.
    #[error("serveren kender ikke denne kiosk / the server does not know this kiosk")]
    Unauthorized,
    /// The device is revoked.
    #[error("denne kiosk er spærret / this kiosk has been revoked")]
    Revoked,
    /// The server answered with an error.
    #[error("serveren svarede {0} / the server answered {0}: {1}")]
    Server(u16, String),
    /// The local store failed.
    #[error("kioskens lager / the kiosk's store: {0}")]
    Storage(#[from] frivillig_common::storage::StorageError),
}

/// A running sync worker.
pub struct SyncWorker {
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
    core: KioskCore,
}

impl SyncWorker {
    /// Start syncing `core` in the background.
    pub fn start(core: &KioskCore) -> SyncWorker {
        let stop = CancellationToken::new();
        let task = tokio::spawn(run(core.clone(), stop.clone()));
        SyncWorker {
            stop,
            task,
            core: core.clone(),
        }
    }

    /// Try now instead of waiting for the next round.
    pub fn sync_now(&self) {
        self.core.inner.wake.notify_one();
    }

    /// Stop the worker and wait for it.
    pub async fn stop(self) {
        self.stop.cancel();
        let _ = self.task.await;
    }
}

struct Round {
    http: reqwest::Client,
    base: String,
    token: String,
    dialer: Option<DialerHandle<WsError>>,
    catalog: Option<DocHandle>,
}

async fn run(core: KioskCore, stop: CancellationToken) {
    let config = core.config();
    let builder = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(30));
    let (http, base) = match frivillig_common::tls::http_client(
        &config.server_url,
        config.server_ca_sha256.as_deref(),
        builder,
    ) {
        Ok(c) => c,
        Err(e) => {
            set_error(&core, &e.to_string(), false);
            return;
        }
    };
    let mut round = Round {
        http,
        base,
        token: device_token(&config.kiosk_id, &config.device_secret),
        dialer: None,
        catalog: None,
    };
    let mut backoff = Duration::from_millis(100);
    loop {
        // An idle kiosk drops its sealing key too (see `Sealer::retire_if_older`).
        core.inner
            .sealer
            .retire_if_older(frivillig_common::seal::RUN_TIME);
        let wait = match sync_round(&core, &mut round).await {
            Ok(()) => {
                backoff = Duration::from_millis(100);
                Duration::from_secs(5)
            }
            Err(e) => {
                set_error(&core, &e.to_string(), matches!(e, SyncError::Revoked));
                let w = backoff;
                backoff = (backoff * 2).min(Duration::from_secs(30));
                w
            }
        };
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = core.inner.wake.notified() => {
                // Let a burst of signups gather into one acknowledgement request.
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            _ = tokio::time::sleep(wait) => {}
        }
    }
    if let Some(d) = round.dialer.take() {
        d.close();
    }
}

fn set_error(core: &KioskCore, message: &str, revoked: bool) {
    tracing::warn!(error = message, "sync round failed");
    core.inner.status.send_modify(|s| {
        s.online = false;
        s.last_error = Some(message.to_owned());
        s.revoked = revoked;
        s.rounds += 1;
    });
}

impl Round {
    /// GET from the device API, as this device.
    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T, SyncError> {
        self.send(self.http.get(format!("{}{path}", self.base)))
            .await
    }

    /// POST JSON to the device API, as this device.
    async fn post<B: serde::Serialize, T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, SyncError> {
        self.send(self.http.post(format!("{}{path}", self.base)).json(body))
            .await
    }

    /// Authenticate, send, and turn the answer into the error staff should see.
    async fn send<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, SyncError> {
        let resp = request
            .bearer_auth(&self.token)
            .send()
            .await
            // With its causes: a refused server certificate is the innermost one.
            .map_err(|e| SyncError::Unreachable(crate::enrol::error_chain(&e)))?;
        match resp.status().as_u16() {
            200..=299 => resp
                .json()
                .await
                .map_err(|e| SyncError::Unreachable(e.to_string())),
            401 => Err(SyncError::Unauthorized),
            403 => Err(SyncError::Revoked),
            code => {
                let body = resp.text().await.unwrap_or_default();
                Err(SyncError::Server(code, body))
            }
        }
    }
}

async fn renew_certificate(core: &KioskCore, round: &Round) -> Result<(), String> {
    use crate::identity;
    let config = core.config();
    let now = core.inner.clock.now();
    if !identity::needs_certificate(&core.inner.store, &config.data_dir, now)
        .map_err(|e| e.to_string())?
    {
        return Ok(());
    }
    let csr_pem = identity::certificate_request(&config.data_dir, &config.kiosk_id)
        .map_err(|e| e.to_string())?;
    let answer: CertificateResponse = round
        .post("/api/device/certificate", &CertificateRequest { csr_pem })
        .await
        .map_err(|e| e.to_string())?;
    identity::save_certificate(
        &core.inner.store,
        &config.data_dir,
        &answer.certificate_pem,
        &answer.expires_at,
        &answer.ca_pem,
        config.server_ca_sha256.as_deref(),
    )
    .map_err(|e| e.to_string())?;
    tracing::info!(until = %answer.expires_at, "the kiosk has a new certificate");
    Ok(())
}

async fn sync_round(core: &KioskCore, round: &mut Round) -> Result<(), SyncError> {
    let inner = &core.inner;
    let queued = core.status().queued_signups;
    let advertised = core.advertised();
    let peers = if advertised.is_empty() {
        String::new()
    } else {
        format!("&peers={}", advertised.join(","))
    };
    let info: DeviceInfo = round
        .get(&format!(
            "/api/device/info?queued={queued}&version={}{peers}",
            env!("CARGO_PKG_VERSION")
        ))
        .await?;
    // Festival mode talks only to the kiosks the server names for this site.
    core.set_site_peers(&info.peers)?;
    // The kiosk's certificate, when it has none or it ends soon. Sync goes on without one
    // (it is for festival mode), so a failure is logged, not the round's.
    if let Err(e) = renew_certificate(core, round).await {
        tracing::warn!(error = %e, "the kiosk's certificate could not be renewed");
    }
    let catalog_id: Option<DocumentId> = info.catalog_doc_id.parse().ok();
    if let Some(id) = &catalog_id {
        let known = inner
            .catalog_id
            .read()
            .map(|c| c.as_ref() == Some(id))
            .unwrap_or(false);
        if !known {
            inner.store.set_meta("catalog_doc_id", &id.to_string())?;
            if let Ok(mut c) = inner.catalog_id.write() {
                *c = Some(id.clone());
            }
        }
    }
    // The server answered over HTTP; if samod's dialer is between retries (its backoff can
    // reach 30 s), start a fresh one so the journals flow now.
    if let Some(d) = round.dialer.as_ref().filter(|d| !d.is_connected()) {
        d.close();
        round.dialer = None;
    }
    if round.dialer.is_none() {
        let dialer =
            WsDialer::new(core.config()).map_err(|e| SyncError::Unreachable(e.to_string()))?;
        let backoff = BackoffConfig {
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(30),
            max_retries: None,
        };
        let handle = inner
            .repo
            .dial(backoff, Arc::new(dialer))
            .map_err(|_| SyncError::Unreachable("stopped".into()))?;
        match tokio::time::timeout(Duration::from_secs(5), handle.established()).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                handle.close();
                return Err(SyncError::Unreachable(format!("sync endpoint: {e:?}")));
            }
            Err(_) => {
                handle.close();
                return Err(SyncError::Unreachable(
                    "sync endpoint did not answer in 5 s".into(),
                ));
            }
        }
        round.dialer = Some(handle);
    }
    register_journals(core, round).await?;
    if round.catalog.is_none()
        && let Some(id) = catalog_id
        && let Ok(Ok(Some(handle))) =
            tokio::time::timeout(Duration::from_secs(10), inner.repo.find(id)).await
    {
        round.catalog = Some(handle);
    }
    acknowledge_journals(core, round).await?;
    // The server's counts after this round's acknowledgements: a count read before them
    // could already include signups whose acknowledgement has not come, and the kiosk
    // would count those twice until the next round.
    if let Some(handle) = &round.catalog {
        refresh_catalog(core, handle)?;
    }
    delete_acknowledged(core).await?;
    relay::relay_held(core, round).await;
    core.drop_acknowledged_held().await;
    core.refresh_queue().await;
    core.recount().await;
    core.refresh_board().await;
    // Photos last, after the signups' acknowledgements: on a slow link the first fetch of a
    // catalog's photos takes a while, and signups must not wait behind pictures. One that
    // fails waits for the next round.
    if crate::photos::fetch_missing(core, &round.http, &round.base, &round.token).await > 0 {
        // The screens look for new photos when the status changes.
        inner.status.send_modify(|_| {});
    }
    let now = inner.clock.now().to_rfc3339();
    inner.store.set_meta("last_contact", &now)?;
    inner.status.send_modify(|s| {
        s.online = true;
        s.last_contact = Some(now);
        s.last_error = None;
        s.revoked = false;
        s.rounds += 1;
    });
    Ok(())
}

/// Festival mode: the catalog a peer names, if the server has named none yet (a peer cannot
/// switch the kiosk to another), taken from the peers as samod finds it; shown only if the
/// server's signature on it holds.
pub(crate) async fn adopt_catalog(core: &KioskCore, doc_id: &str) {
    let inner = &core.inner;
    let Ok(id) = doc_id.parse::<DocumentId>() else {
        return;
    };
    let current = inner.catalog_id.read().ok().and_then(|c| c.clone());
    match current {
        Some(known) if known != id => return,
        Some(_) => {}
        None => {
            if inner.store.set_meta("catalog_doc_id", doc_id).is_err() {
                return;
            }
            if let Ok(mut c) = inner.catalog_id.write() {
                *c = Some(id.clone());
            }
        }
    }
    if let Ok(Ok(Some(handle))) =
        tokio::time::timeout(Duration::from_secs(5), inner.repo.find(id)).await
        && let Err(e) = refresh_catalog(core, &handle)
    {
        tracing::warn!(error = %e, "the catalog from a peer could not be kept");
    }
}

/// Take the catalog and the spots taken from the synced catalog document, if the server's
/// signature on the catalog holds. A refused catalog leaves the last good one in place and
/// the round goes on: acknowledgements of signups do not depend on it.
pub(crate) fn refresh_catalog(core: &KioskCore, handle: &DocHandle) -> Result<(), SyncError> {
    let inner = &core.inner;
    let key = inner.config.server_signing_key.clone();
    let read = handle.with_document(|d| read_signed_catalog(d, &key).map(|c| (c, read_taken(d))));
    let refused = match &read {
        // Not yet synced or not a catalog at all: nothing to take and nothing to report.
        Err(frivillig_common::catalog::CatalogError::NotACatalog) => None,
        Err(e) => {
            tracing::warn!(error = %e, "catalog refused");
            Some(format!(
                "kataloget blev afvist / the catalog was refused: {e}"
            ))
        }
        Ok(_) => None,
    };
    let refused_changed = inner.status.borrow().catalog_refused != refused;
    let Ok((catalog, taken)) = read else {
        if refused_changed {
            inner.status.send_modify(|s| s.catalog_refused = refused);
        }
        return Ok(());
    };
    let catalog_changed = inner
        .catalog
        .read()
        .map(|c| c.as_ref() != Some(&catalog))
        .unwrap_or(true);
    if catalog_changed {
        let json = serde_json::to_string(&catalog).unwrap_or_default();
        inner.store.set_meta("catalog_json", &json)?;
        if let Ok(mut c) = inner.catalog.write() {
            *c = Some(catalog);
        }
    }
    let taken_changed = inner.taken.read().map(|t| *t != taken).unwrap_or(true);
    if taken_changed {
        let json = serde_json::to_string(&taken).unwrap_or_default();
        inner.store.set_meta("catalog_taken", &json)?;
        if let Ok(mut t) = inner.taken.write() {
            *t = taken;
        }
    }
    if catalog_changed || taken_changed || refused_changed {
        // Screens refresh on a status change, so it comes after the catalog is in place.
        inner.status.send_modify(|s| s.catalog_refused = refused);
    }
    Ok(())
}

async fn register_journals(core: &KioskCore, round: &Round) -> Result<(), SyncError> {
    let inner = &core.inner;
    let pending: Vec<(String, String)> = {
        let journals = inner.journals.lock().await;
        journals
            .iter()
            .filter(|(_, j)| !j.meta.registered)
            .map(|(id, j)| (id.clone(), j.meta.day.clone()))
            .collect()
    };
    for (id, day) in pending {
        let _: serde_json::Value = round
            .post(
                "/api/device/journals",
                &RegisterJournal {
                    doc_id: id.clone(),
                    day,
                    owner: None,
                },
            )
            .await?;
        // The server holds the registration now: offer the journal to it even if
        // recording that locally fails below. Had the failed write left the journal marked
        // registered in memory only, it would never have been offered nor registered again
        // (found by the disk-fault test).
        if let Ok(doc_id) = id.parse::<DocumentId>() {
            inner.sharing.send_modify(|s| {
                s.registered.insert(doc_id);
            });
        }
        let mut journals = inner.journals.lock().await;
        if let Some(j) = journals.get_mut(&id) {
            // In memory only once stored: a failed write registers again next round (the
            // server answers a repeated registration by its owner alike).
            let meta = JournalMeta {
                registered: true,
                ..j.meta.clone()
            };
            inner.store.put_journal(&id, &meta)?;
            j.meta = meta;
        }
    }
    Ok(())
}

async fn acknowledge_journals(core: &KioskCore, round: &Round) -> Result<(), SyncError> {
    let inner = &core.inner;
    let mut todo: Vec<(String, Vec<String>, u64)> = Vec::new();
    {
        let journals = inner.journals.lock().await;
        for (id, j) in journals.iter().filter(|(_, j)| j.meta.registered) {
            // Only heads that include every local change may be acknowledged; a change still
            // on its way into samod's replica waits for the next round.
            if let Some((heads, true)) = j.synced_heads().await
                && heads != j.meta.acked_heads
            {
                todo.push((id.clone(), heads, j.local_count()));
            }
        }
    }
    let queued = core.status().queued_signups;
    for (id, heads, count) in todo {
        let ack: AckResponse = round
            .post(
                &format!("/api/device/journals/{id}/ack"),
                &AckRequest {
                    heads: heads.clone(),
                    queued,
                    owner_signature: None,
                },
            )
            .await?;
        if ack.acked_heads != heads {
            return Err(SyncError::Server(
                200,
                "acknowledgement for other heads".into(),
            ));
        }
        if !ack.refused.is_empty() {
            tracing::warn!(journal = %id, refused = ack.refused.len(), "the server refused signups of this journal");
            inner.status.send_modify(|s| {
                for r in ack.refused {
                    if s.refused.len() < crate::core::REFUSED_SHOWN && !s.refused.contains(&r) {
                        s.refused.push(r);
                    }
                }
            });
        }
        let mut journals = inner.journals.lock().await;
        if let Some(j) = journals.get_mut(&id) {
            j.meta.acked_heads = heads;
            j.meta.acked_signups = count;
            j.meta.acked_signature = ack.signature;
            inner.store.put_journal(&id, &j.meta)?;
        }
    }
    Ok(())
}

pub(crate) async fn delete_acknowledged(core: &KioskCore) -> Result<(), SyncError> {
    let inner = &core.inner;
    let mut journals = inner.journals.lock().await;
    // A journal of a past day is closed even if no signup came since midnight to roll it
    // over: a kiosk left idle after a festival must not hold that day's signups for ever.
    let today = inner.clock.now().date_naive().to_string();
    for (id, j) in journals.iter_mut() {
        if !j.meta.closed && j.meta.day < today {
            j.meta.closed = true;
            inner.store.put_journal(id, &j.meta)?;
        }
    }
    let mut done = Vec::new();
    for (id, j) in journals
        .iter()
        .filter(|(_, j)| j.meta.closed && j.meta.registered)
    {
        if j.fully_acked().await {
            done.push(id.clone());
        }
    }
    for id in done {
        let Some(j) = journals.get(&id) else { continue };
        // No write is in flight while the gate is held; one that finished since the check
        // above has made the journal not fully acknowledged any more.
        let gate = j.gate.clone();
        let mut deleted = gate.lock().await;
        if !j.fully_acked().await {
            continue;
        }
        inner.store.delete_journal(&id)?;
        *deleted = true;
        journals.remove(&id);
        tracing::info!(journal = %id, "closed journal deleted after the server's durable acknowledgement");
    }
    Ok(())
}
