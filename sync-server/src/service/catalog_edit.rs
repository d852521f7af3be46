//! The catalog edits the admin app's forms make: a job's fields, shifts added one at a time
//! or as a series, a shift moved or cancelled. Each is one catalog change through
//! [`change_catalog`] (checked by the same rules as the TOML import, signed, audited), and
//! each checks who may make it: coordinators the jobs of their own sites, admins all.

use std::collections::HashSet;

use frivillig_common::catalog_check::{CatalogProblem, catalog_problems};
use frivillig_common::domain::{Ambassador, Catalog, HandbookPage, Opportunity, Shift, Site};

use crate::AppState;
use crate::service::ServiceError;
use crate::service::catalog::{CatalogChangeError, change_catalog};
use crate::service::series::Series;

/// Who edits: their user name and the sites they may edit (`None`: every site, an admin).
#[derive(Debug, Clone)]
pub struct Editor {
    /// User name, for the audit log.
    pub username: String,
    /// The sites they coordinate; `None` for an admin.
    pub sites: Option<Vec<String>>,
}

impl Editor {
    /// Whether they may edit what belongs to `site_id`.
    pub fn may_edit(&self, site_id: &str) -> bool {
        self.sites
            .as_ref()
            .is_none_or(|s| s.iter().any(|x| x == site_id))
    }
}

/// The job `id` if `editor` may edit it (else "not found": a coordinator does not learn of
/// other sites' drafts through this).
pub fn editable<'c>(
    catalog: &'c Catalog,
    editor: &Editor,
    id: &str,
) -> Result<&'c Opportunity, ServiceError> {
    catalog
        .opportunity(id)
        .filter(|o| editor.may_edit(&o.site_id))
        .ok_or(ServiceError::NotFound)
}

fn job_mut<'c>(
    catalog: &'c mut Catalog,
    editor: &Editor,
    id: &str,
) -> Result<&'c mut Opportunity, ServiceError> {
    editable(catalog, editor, id)?;
    catalog
        .opportunities
        .iter_mut()
        .find(|o| o.id == id)
        .ok_or(ServiceError::NotFound)
}

/// Put `job` into `c`: a new job when `existing` is `None`, else in place of the job of
/// that id, whose shifts and photo are kept (they are edited apart; `job.shifts` and
/// `job.photo` are not read).
fn put_job(
    c: &mut Catalog,
    editor: &Editor,
    existing: Option<&str>,
    mut job: Opportunity,
) -> Result<(), ServiceError> {
    if !editor.may_edit(&job.site_id) {
        return Err(ServiceError::NotFound);
    }
    match existing {
        Some(id) => {
            let old = job_mut(c, editor, id)?;
            job.id = id.to_owned();
            job.shifts = std::mem::take(&mut old.shifts);
            job.photo = old.photo.take();
            *old = job;
        }
        None => {
            job.shifts.clear();
            c.opportunities.push(job);
        }
    }
    Ok(())
}

/// What the catalog's rules would say of saving `job` into `catalog` (empty: it may be
/// saved), for a form to show every problem at once, even beside one it found itself.
pub fn job_problems(
    catalog: &Catalog,
    editor: &Editor,
    existing: Option<&str>,
    job: Opportunity,
) -> Vec<CatalogProblem> {
    let mut trial = catalog.clone();
    match put_job(&mut trial, editor, existing, job) {
        Ok(()) => catalog_problems(&trial),
        Err(_) => Vec::new(),
    }
}

/// Save a job (see [`put_job`]). The editor must be allowed both the job's site before and
/// after.
pub async fn save_job(
    state: &AppState,
    editor: &Editor,
    existing: Option<&str>,
    job: Opportunity,
) -> Result<Catalog, CatalogChangeError> {
    let ed = editor.clone();
    let existing = existing.map(str::to_owned);
    let target = format!("job {}", existing.as_deref().unwrap_or(&job.id));
    let detail = if existing.is_some() {
        "saved"
    } else {
        "created"
    };
    change_catalog(state, &editor.username, &target, detail, move |c| {
        put_job(c, &ed, existing.as_deref(), job)
    })
    .await
}

/// Add the shifts of `series` to job `job_id`. Returns how many were added.
pub async fn add_shifts(
    state: &AppState,
    editor: &Editor,
    job_id: &str,
    series: Series,
) -> Result<usize, CatalogChangeError> {
    let ed = editor.clone();
    let id = job_id.to_owned();
    let before = crate::service::catalog::catalog(state).await?;
    let n = series
        .days()
        .map_err(|e| ServiceError::Invalid(e.to_string()))?
        .len();
    let saved = change_catalog(
        state,
        &editor.username,
        &format!("job {job_id}"),
        &format!("{n} shift(s) added"),
        move |c| {
            let taken: HashSet<String> = c
                .opportunities
                .iter()
                .flat_map(|o| o.shifts.iter().map(|s| s.id.clone()))
                .collect();
            let shifts = series
                .shifts(&id, &taken)
                .map_err(|e| ServiceError::Invalid(e.to_string()))?;
            let job = job_mut(c, &ed, &id)?;
            job.shifts.extend(shifts);
            job.shifts.sort_by(|a, b| a.starts.cmp(&b.starts));
            Ok(())
        },
    )
    .await?;
    let count = |c: &Catalog| c.opportunity(job_id).map_or(0, |o| o.shifts.len());
    Ok(count(&saved).saturating_sub(count(&before)))
}

/// Change a shift's times and capacity. Its signups stay; they are marked for follow-up
/// and told when the times change.
pub async fn move_shift(
    state: &AppState,
    editor: &Editor,
    job_id: &str,
    shift: Shift,
) -> Result<Catalog, CatalogChangeError> {
    let ed = editor.clone();
    let id = job_id.to_owned();
    let target = format!("shift {}", shift.id);
    let detail = format!(
        "moved to {} – {}, {} spot(s)",
        shift.starts, shift.ends, shift.capacity
    );
    change_catalog(state, &editor.username, &target, &detail, move |c| {
        let job = job_mut(c, &ed, &id)?;
        let s = job
            .shifts
            .iter_mut()
            .find(|s| s.id == shift.id)
            .ok_or(ServiceError::NotFound)?;
        *s = shift;
        job.shifts.sort_by(|a, b| a.starts.cmp(&b.starts));
        Ok(())
    })
    .await
}

/// Take a shift out of the catalog. Its signups stay (with the shift's id); they are
/// marked for follow-up and told it is cancelled.
pub async fn cancel_shift(
    state: &AppState,
    editor: &Editor,
    job_id: &str,
    shift_id: &str,
) -> Result<Catalog, CatalogChangeError> {
    let ed = editor.clone();
    let (id, sid) = (job_id.to_owned(), shift_id.to_owned());
    change_catalog(
        state,
        &editor.username,
        &format!("shift {shift_id}"),
        "cancelled",
        move |c| {
            let job = job_mut(c, &ed, &id)?;
            let before = job.shifts.len();
            job.shifts.retain(|s| s.id != sid);
            if job.shifts.len() == before {
                return Err(ServiceError::NotFound);
            }
            Ok(())
        },
    )
    .await
}

/// How many signups hold `shift_id` and have not been declined or withdrawn: what moving or
/// cancelling it affects.
pub async fn holders(state: &AppState, shift_id: &str) -> Result<usize, ServiceError> {
    let st = state.clone();
    let id = shift_id.to_owned();
    crate::service::blocking(move || {
        Ok(st
            .store
            .shift_holders(&id)?
            .iter()
            .filter(|r| !r.record.status.is_closed())
            .count())
    })
    .await
}

/// Sites and handbook pages are the municipality's: only admins edit them.
fn admin_only(editor: &Editor) -> Result<(), ServiceError> {
    match editor.sites {
        None => Ok(()),
        Some(_) => Err(ServiceError::NotFound),
    }
}

/// Put `new` into `list` in place of the entry with id `existing` (keeping its id), or at
/// the end when `existing` is `None`.
fn put<T>(
    list: &mut Vec<T>,
    id_of: impl Fn(&mut T) -> &mut String,
    existing: Option<&str>,
    mut new: T,
) -> Result<(), ServiceError> {
    match existing {
        Some(id) => {
            let at = list
                .iter_mut()
                .position(|x| id_of(x) == id)
                .ok_or(ServiceError::NotFound)?;
            *id_of(&mut new) = id.to_owned();
            list[at] = new;
        }
        None => list.push(new),
    }
    Ok(())
}

/// What the catalog's rules say of `edit` applied to `catalog`, without saving it: a form
/// shows every problem at once. Empty when the edit itself is refused (who may do it is
/// answered when it is saved).
pub fn problems_of(
    catalog: &Catalog,
    edit: impl FnOnce(&mut Catalog) -> Result<(), ServiceError>,
) -> Vec<CatalogProblem> {
    let mut trial = catalog.clone();
    match edit(&mut trial) {
        Ok(()) => catalog_problems(&trial),
        Err(_) => Vec::new(),
    }
}

/// The edit that saves a site (admins only).
pub fn site_edit(
    editor: &Editor,
    existing: Option<&str>,
    site: Site,
) -> impl FnOnce(&mut Catalog) -> Result<(), ServiceError> + Send + 'static {
    let ed = editor.clone();
    let existing = existing.map(str::to_owned);
    move |c: &mut Catalog| {
        admin_only(&ed)?;
        put(&mut c.sites, |s| &mut s.id, existing.as_deref(), site)
    }
}

/// The edit that saves an ambassador: coordinators of the ambassador's site (before and
/// after), admins all.
pub fn ambassador_edit(
    editor: &Editor,
    existing: Option<&str>,
    ambassador: Ambassador,
) -> impl FnOnce(&mut Catalog) -> Result<(), ServiceError> + Send + 'static {
    let ed = editor.clone();
    let existing = existing.map(str::to_owned);
    let mut ambassador = ambassador;
    move |c: &mut Catalog| {
        if !ed.may_edit(&ambassador.site_id) {
            return Err(ServiceError::NotFound);
        }
        if let Some(id) = &existing {
            let old = c.ambassadors.iter().find(|a| &a.id == id);
            if !old.is_some_and(|a| ed.may_edit(&a.site_id)) {
                return Err(ServiceError::NotFound);
            }
            // The photo is edited apart.
            ambassador.photo = old.and_then(|a| a.photo.clone());
        }
        put(
            &mut c.ambassadors,
            |a| &mut a.id,
            existing.as_deref(),
            ambassador,
        )
    }
}

/// The edit that saves a handbook page (admins only).
pub fn page_edit(
    editor: &Editor,
    existing: Option<&str>,
    page: HandbookPage,
) -> impl FnOnce(&mut Catalog) -> Result<(), ServiceError> + Send + 'static {
    let ed = editor.clone();
    let existing = existing.map(str::to_owned);
    move |c: &mut Catalog| {
        admin_only(&ed)?;
        put(&mut c.handbook, |p| &mut p.id, existing.as_deref(), page)
    }
}

/// The edit that moves a handbook page one place up (`up`) or down, or takes it out.
pub fn page_order_edit(
    editor: &Editor,
    id: &str,
    to: PageMove,
) -> impl FnOnce(&mut Catalog) -> Result<(), ServiceError> + Send + 'static {
    let ed = editor.clone();
    let id = id.to_owned();
    move |c: &mut Catalog| {
        admin_only(&ed)?;
        let at = c
            .handbook
            .iter()
            .position(|p| p.id == id)
            .ok_or(ServiceError::NotFound)?;
        match to {
            PageMove::Up if at > 0 => c.handbook.swap(at, at - 1),
            PageMove::Down if at + 1 < c.handbook.len() => c.handbook.swap(at, at + 1),
            PageMove::Remove => {
                c.handbook.remove(at);
            }
            PageMove::Up | PageMove::Down => {}
        }
        Ok(())
    }
}

/// Where a handbook page goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageMove {
    /// One place earlier.
    Up,
    /// One place later.
    Down,
    /// Out of the handbook.
    Remove,
}

/// Save one of the edits above as one catalog change, audited as `target` `detail`.
pub async fn save(
    state: &AppState,
    editor: &Editor,
    target: &str,
    detail: &str,
    edit: impl FnOnce(&mut Catalog) -> Result<(), ServiceError> + Send + 'static,
) -> Result<Catalog, CatalogChangeError> {
    change_catalog(state, &editor.username, target, detail, edit).await
}

/// What a photo belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhotoOf {
    /// A job, by id.
    Job(String),
    /// An ambassador, by id.
    Ambassador(String),
    /// A story, by id (kept in the store with its draft: see `service::stories`).
    Story(String),
}

/// The edit that gives `of` the photo `photo` (or takes its photo away with `None`):
/// coordinators for their own sites, admins all.
pub fn photo_edit(
    editor: &Editor,
    of: PhotoOf,
    photo: Option<frivillig_common::domain::Photo>,
) -> impl FnOnce(&mut Catalog) -> Result<(), ServiceError> + Send + 'static {
    let ed = editor.clone();
    move |c: &mut Catalog| {
        match of {
            PhotoOf::Job(id) => job_mut(c, &ed, &id)?.photo = photo,
            PhotoOf::Ambassador(id) => {
                let a = c
                    .ambassadors
                    .iter_mut()
                    .find(|a| a.id == id && ed.may_edit(&a.site_id))
                    .ok_or(ServiceError::NotFound)?;
                a.photo = photo;
            }
            // A story's photo is set through `stories::set_photo`, which keeps the draft
            // and the published copy together.
            PhotoOf::Story(_) => return Err(ServiceError::NotFound),
        }
        Ok(())
    }
}
