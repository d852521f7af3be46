//! The catalog document: reading it, replacing it (checked, signed, in one change), and
//! keeping its count of spots taken per shift up to date for the kiosks.

use std::collections::BTreeMap;

use frivillig_common::catalog::{read_catalog, read_taken, write_catalog, write_taken};
use frivillig_common::catalog_file::check_catalog;
use frivillig_common::domain::Catalog;

use crate::AppState;
use crate::service::{ServiceError, blocking};

/// The catalog document's handle.
pub async fn catalog_handle(state: &AppState) -> Result<samod::DocHandle, ServiceError> {
    state
        .sync
        .repo
        .find(state.sync.catalog_id.clone())
        .await
        .map_err(|_| ServiceError::internal("repository stopped"))?
        .ok_or_else(|| ServiceError::internal("the catalog document is missing"))
}

/// The catalog as it stands.
pub async fn catalog(state: &AppState) -> Result<Catalog, ServiceError> {
    catalog_and_taken(state).await.map(|(c, _)| c)
}

/// The catalog and the server's count of spots taken per shift.
pub async fn catalog_and_taken(
    state: &AppState,
) -> Result<(Catalog, BTreeMap<String, u32>), ServiceError> {
    let handle = catalog_handle(state).await?;
    blocking(move || {
        handle
            .with_document(|d| read_catalog(d).map(|c| (c, read_taken(d))))
            .map_err(|_| ServiceError::internal("the catalog cannot be read"))
    })
    .await
}

/// Check a catalog and write it, signed, in one change (kiosks get it at their next sync, and
/// never see half of an import), and note it in the audit log. Consent texts may gain
/// versions; a version people accepted may not change or go.
pub async fn replace_catalog(
    state: &AppState,
    catalog: Catalog,
    by: &str,
) -> Result<(), ServiceError> {
    check_catalog(&catalog).map_err(|problems| {
        ServiceError::Invalid(
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
            let old = read_catalog(doc).map_err(ServiceError::internal)?;
            for before in &old.consent_texts {
                let kept = new
                    .consent_texts
                    .iter()
                    .find(|c| c.version == before.version);
                if kept != Some(before) {
                    return Err(ServiceError::Conflict(format!(
                        "consent version {} was changed or removed; add a new version instead",
                        before.version
                    )));
                }
            }
            write_catalog(doc, &new, &keys.signing).map_err(ServiceError::internal)
        })
    })
    .await?;
    tracing::info!(by, "catalog replaced");
    // Moved or cancelled shifts are told to their holders by the scheduler.
    state.mail.schedule.notify_one();
    let st = state.clone();
    let by = by.to_owned();
    blocking(move || Ok(st.store.audit(&by, "catalog", "catalog", "replaced")?)).await
}

/// How often, at most, the spots taken are written into the catalog while signups arrive.
const TAKEN_REFRESH_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// Count the spots taken again after ingests that changed signups, at once when the server
/// was quiet and then at most every [`TAKEN_REFRESH_EVERY`]. Every write is a change of
/// the catalog document that samod sends to every connected kiosk, and that stays in the
/// document's history: written at each ingest, 500 kiosks taking 100 signups a second
/// made 100 catalog changes a second for 500 kiosks each (the load test's server could not
/// keep up). Kiosks count their own signups in the meantime.
pub fn start_taken_refresher(state: &AppState) {
    let st = state.clone();
    state.background.spawn(async move {
        let state = st;
        loop {
            state.ingest.taken_dirty.notified().await;
            if let Err(e) = refresh_taken(&state).await {
                tracing::warn!(error = %e, "could not update the spots taken in the catalog");
            }
            // Ingests meanwhile leave one permit, so the next count follows this pause.
            tokio::time::sleep(TAKEN_REFRESH_EVERY).await;
        }
    });
}

/// Count the spots taken on every shift of the catalog and write the counts into the
/// catalog document (only what changed), from where every kiosk receives them.
pub async fn refresh_taken(state: &AppState) -> Result<(), ServiceError> {
    let handle = catalog_handle(state).await?;
    let st = state.clone();
    blocking(move || {
        let catalog = handle
            .with_document(|d| read_catalog(d))
            .map_err(ServiceError::internal)?;
        let shifts: Vec<String> = catalog
            .opportunities
            .iter()
            .flat_map(|o| o.shifts.iter().map(|s| s.id.clone()))
            .collect();
        let taken = st.store.taken_per_shift(&shifts)?;
        handle
            .with_document(|d| write_taken(d, &taken))
            .map_err(ServiceError::internal)?;
        Ok(())
    })
    .await
}
