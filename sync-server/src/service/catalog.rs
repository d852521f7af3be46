//! The catalog document: reading it, replacing it (checked, signed, in one change), and
//! keeping its count of spots taken per shift up to date for the kiosks.

use std::collections::BTreeMap;

use frivillig_common::catalog::{read_catalog, read_taken, write_catalog, write_taken};
use frivillig_common::catalog_check::{CatalogProblem, check_catalog};
use frivillig_common::domain::Catalog;

use crate::AppState;
use crate::service::{ServiceError, blocking};
use crate::store::follow_up::{FollowUp, ShiftChange};

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

/// The catalog as offered now in Glostrup (no shift that has started, no job outside its
/// visible days), and the spots taken per shift: what the portal shows.
pub async fn offered_catalog_and_taken(
    state: &AppState,
) -> Result<(Catalog, BTreeMap<String, u32>), ServiceError> {
    let (catalog, taken) = catalog_and_taken(state).await?;
    Ok((
        catalog.on_offer(frivillig_common::offer::glostrup_now()),
        taken,
    ))
}

/// Why a catalog change was not saved. Nothing was written when this is returned.
#[derive(Debug, thiserror::Error)]
pub enum CatalogChangeError {
    /// The changed catalog breaks the catalog's rules; each problem names its field.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Problems(Vec<CatalogProblem>),
    /// Refused or failed for another reason.
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<CatalogChangeError> for ServiceError {
    fn from(e: CatalogChangeError) -> Self {
        match e {
            CatalogChangeError::Problems(_) => ServiceError::Invalid(e.to_string()),
            CatalogChangeError::Service(e) => e,
        }
    }
}

/// Check a catalog and write it, signed, in one change (kiosks get it at their next sync, and
/// never see half of an import), and note it in the audit log. Consent texts may gain
/// versions; a version people accepted may not change or go.
pub async fn replace_catalog(
    state: &AppState,
    catalog: Catalog,
    by: &str,
) -> Result<(), ServiceError> {
    change_catalog(state, by, "catalog", "replaced", move |c| {
        *c = catalog;
        Ok(())
    })
    .await?;
    Ok(())
}

/// Change the catalog with `edit`, applied to the catalog as it stands under the document's
/// lock (two coordinators saving at once both land), checked by the catalog's rules, signed
/// and written in one change, and audited as `target` `detail` by `by`. Signups holding a
/// shift the change moved or took out are marked for follow-up, and the scheduler tells
/// them. Returns the catalog as saved; a change that changes nothing writes nothing.
pub async fn change_catalog(
    state: &AppState,
    by: &str,
    target: &str,
    detail: &str,
    edit: impl FnOnce(&mut Catalog) -> Result<(), ServiceError> + Send + 'static,
) -> Result<Catalog, CatalogChangeError> {
    let handle = catalog_handle(state).await?;
    let keys = state.keys.clone();
    let store = state.store.clone();
    let (old, new) = blocking(move || {
        Ok(handle.with_document(|doc| {
            let old = read_catalog(doc).map_err(ServiceError::internal)?;
            let mut new = old.clone();
            edit(&mut new)?;
            check_catalog(&new).map_err(CatalogChangeError::Problems)?;
            // A photo the catalog names must be here, or kiosks would fetch it in vain (an
            // import from another server names photos this one never received).
            let missing = missing_photos(&store, &new)?;
            if !missing.is_empty() {
                return Err(CatalogChangeError::Problems(missing));
            }
            for before in &old.consent_texts {
                let kept = new
                    .consent_texts
                    .iter()
                    .find(|c| c.version == before.version);
                if kept != Some(before) {
                    return Err(ServiceError::Conflict(format!(
                        "consent version {} was changed or removed; add a new version instead",
                        before.version
                    ))
                    .into());
                }
            }
            if new != old {
                write_catalog(doc, &new, &keys.signing).map_err(ServiceError::internal)?;
            }
            Ok::<_, CatalogChangeError>((old, new))
        }))
    })
    .await??;
    if new == old {
        return Ok(new);
    }
    tracing::info!(by, target, detail, "catalog changed");
    let st = state.clone();
    let (by, target, detail) = (by.to_owned(), target.to_owned(), detail.to_owned());
    let saved = new.clone();
    blocking(move || {
        let marks = follow_ups(&st, &old, &new, &by)?;
        st.store.mark_follow_ups(&marks)?;
        Ok(st.store.audit(&by, "catalog", &target, &detail)?)
    })
    .await?;
    // Moved or cancelled shifts are told to their holders by the scheduler.
    state.mail.schedule.notify_one();
    Ok(saved)
}

/// A problem for each job or ambassador whose photo the store does not hold.
fn missing_photos(
    store: &crate::store::Store,
    c: &Catalog,
) -> Result<Vec<CatalogProblem>, ServiceError> {
    use frivillig_common::catalog_check::{Field, Rule, Thing};
    let mut out = Vec::new();
    let named = c
        .opportunities
        .iter()
        .map(|o| (Thing::Job, &o.id, &o.photo))
        .chain(
            c.ambassadors
                .iter()
                .map(|a| (Thing::Ambassador, &a.id, &a.photo)),
        );
    for (thing, id, photo) in named {
        if let Some(p) = photo
            && store
                .photo(&p.id, crate::service::photos::PhotoSize::Small.as_str())?
                .is_none()
        {
            out.push(CatalogProblem {
                thing,
                id: id.clone(),
                field: Field::Photo,
                rule: Rule::BadPhoto,
                line: None,
            });
        }
    }
    Ok(out)
}

/// The follow-up marks a change from `old` to `new` calls for: each signup still holding a
/// shift that moved or was taken out.
fn follow_ups(
    state: &AppState,
    old: &Catalog,
    new: &Catalog,
    by: &str,
) -> Result<Vec<(String, FollowUp)>, ServiceError> {
    let now_shifts: BTreeMap<&str, &frivillig_common::domain::Shift> = new
        .opportunities
        .iter()
        .flat_map(|o| &o.shifts)
        .map(|s| (s.id.as_str(), s))
        .collect();
    let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut marks = Vec::new();
    for before in old.opportunities.iter().flat_map(|o| &o.shifts) {
        let change = match now_shifts.get(before.id.as_str()) {
            None => ShiftChange::Cancelled {
                starts: before.starts.clone(),
                ends: before.ends.clone(),
            },
            Some(after) if after.starts != before.starts || after.ends != before.ends => {
                ShiftChange::Moved {
                    from_starts: before.starts.clone(),
                    from_ends: before.ends.clone(),
                    to_starts: after.starts.clone(),
                    to_ends: after.ends.clone(),
                }
            }
            Some(_) => continue,
        };
        for row in state.store.shift_holders(&before.id)? {
            if row.record.status.is_closed() {
                continue;
            }
            marks.push((
                row.record.id.clone(),
                FollowUp {
                    shift_id: before.id.clone(),
                    change: change.clone(),
                    by: by.to_owned(),
                    at: at.clone(),
                },
            ));
        }
    }
    Ok(marks)
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
