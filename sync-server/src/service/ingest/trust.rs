//! The trust boundary at ingest: what a kiosk may write into its journal, checked against
//! the device that sent it, the catalog and the server's clock. A stolen device token must
//! not be able to list a signup under a site other than its job's, for a job or shift that
//! does not exist, forge a coordinator's work, or pick the times retention counts from.
//!
//! A kiosk may take signups for jobs of every site: it shows the municipality's other jobs
//! under "Andre steder i Glostrup", as the public portal does. So a record's site must be
//! its job's site, not necessarily the kiosk's; a stolen token can sign people up only as
//! any visitor at that kiosk or on the portal could.
//!
//! Pure: the shell reads the device, the catalog and the stored rows and passes them in.
//! The merge that keeps the store the authority for coordinators' fields is in
//! `store::signups`; this module only decides what is refused and why.

use chrono::{DateTime, Duration, Utc};
use frivillig_common::domain::{
    Catalog, CheckIn, PersonalData, SignupForm, SignupRecord, validate_form,
};
use frivillig_common::ids::{KioskId, SignupId};
pub use frivillig_common::refusal::Refusal;

/// How far back a kiosk's time may lie: a kiosk can stand switched off in a store room for
/// weeks and then deliver what it holds, but not a signup "made" a year ago.
pub const MAX_AGE_DAYS: i64 = 92;
/// How far ahead of the server's clock a kiosk's time may lie (a clock a little fast).
pub const MAX_AHEAD_HOURS: i64 = 36;
/// The largest sealed envelope a valid form can make, with room to spare (a full form
/// seals to about 1.5 KiB of base64).
pub const MAX_SEALED_BYTES: usize = 8 * 1024;
/// Check-ins a kiosk may record for one signup.
pub const MAX_CHECK_INS: usize = 64;

/// What a kiosk's records are checked against.
pub struct KioskContext<'a> {
    /// The device that sent the journal.
    pub kiosk: &'a KioskId,
    /// The server's catalog now.
    pub catalog: &'a Catalog,
    /// The server's clock.
    pub now: DateTime<Utc>,
}

/// Check one record of a kiosk's journal. `person` is its opened personal data (`None` if
/// it is held already or cannot be opened); `stored` the record as the server took it
/// before, if it did.
pub fn check_kiosk_record(
    ctx: &KioskContext<'_>,
    record: &SignupRecord,
    person: Option<&PersonalData>,
    stored: Option<&SignupRecord>,
) -> Result<(), Refusal> {
    match stored {
        Some(old) => check_update(ctx, record, old),
        None => check_new(ctx, record, person),
    }
}

fn check_new(
    ctx: &KioskContext<'_>,
    r: &SignupRecord,
    person: Option<&PersonalData>,
) -> Result<(), Refusal> {
    let well_formed = SignupId::parse(&r.id).is_some()
        && r.receipt_hash.len() == 64
        && r.receipt_hash.bytes().all(|b| b.is_ascii_hexdigit())
        && r.sealed.len() <= MAX_SEALED_BYTES;
    if !well_formed {
        return Err(Refusal::Malformed);
    }
    let job = ctx
        .catalog
        .opportunity(&r.opportunity_id)
        .ok_or(Refusal::UnknownJob)?;
    if r.site_id != job.site_id {
        return Err(Refusal::ForeignSite);
    }
    if !job.takes_shift(r.shift_id.as_deref()) {
        return Err(Refusal::UnknownShift);
    }
    let consent_ok = if ctx.catalog.consent_texts.is_empty() {
        r.consent_version == 0
    } else {
        ctx.catalog
            .consent_texts
            .iter()
            .any(|c| c.version == r.consent_version)
    };
    if !consent_ok {
        return Err(Refusal::UnknownConsent);
    }
    if !plausible(ctx, &r.created_at) || !plausible(ctx, &r.consent_at) {
        return Err(Refusal::ImplausibleTime);
    }
    if let Some(p) = person {
        let form = SignupForm {
            name: p.name.clone(),
            phone: p.phone.clone().unwrap_or_default(),
            email: p.email.clone().unwrap_or_default(),
            age_confirmed: p.age_confirmed,
            note: p.note.clone().unwrap_or_default(),
            consent_given: true,
            lang: Default::default(),
        };
        validate_form(&form, job.requirements.min_age.is_some())
            .map_err(|_| Refusal::InvalidPerson)?;
    }
    let untouched = r.status == frivillig_common::domain::Status::New
        && r.status_history.is_empty()
        && r.notes.is_empty()
        && r.assignee.as_deref().is_none_or(str::is_empty);
    if !untouched {
        return Err(Refusal::CoordinatorField);
    }
    check_kiosk_check_ins(ctx, r, None)
}

/// A record the server holds already: what was fixed at signup stays as it was, and every
/// coordinator's entry in it is one the server wrote (the server writes the status and its
/// history into the journal so kiosks see it; notes and assignees it never writes there,
/// but journals of older servers hold them, and those match what the store took).
fn check_update(
    ctx: &KioskContext<'_>,
    r: &SignupRecord,
    old: &SignupRecord,
) -> Result<(), Refusal> {
    let fixed_same = r.id == old.id
        && r.opportunity_id == old.opportunity_id
        && r.shift_id == old.shift_id
        && r.site_id == old.site_id
        && r.source == old.source
        && r.created_at == old.created_at
        && r.consent_version == old.consent_version
        && r.consent_at == old.consent_at
        && r.receipt_hash == old.receipt_hash
        && r.sealed == old.sealed;
    if !fixed_same {
        return Err(Refusal::ChangedAfterSignup);
    }
    let status_ok = r.status == frivillig_common::domain::Status::New
        || r.status == old.status
        || old.status_history.iter().any(|c| c.status == r.status);
    let coordinators_only = status_ok
        && r.status_history
            .iter()
            .all(|c| old.status_history.contains(c))
        && r.notes.iter().all(|n| old.notes.contains(n));
    if !coordinators_only {
        return Err(Refusal::CoordinatorField);
    }
    check_kiosk_check_ins(ctx, r, Some(old))
}

/// Check-ins the server does not hold yet must be this kiosk's own, at a plausible time.
fn check_kiosk_check_ins(
    ctx: &KioskContext<'_>,
    r: &SignupRecord,
    old: Option<&SignupRecord>,
) -> Result<(), Refusal> {
    if r.check_ins.len() > MAX_CHECK_INS {
        return Err(Refusal::Malformed);
    }
    for c in &r.check_ins {
        if old.is_some_and(|o| o.check_ins.contains(c)) {
            continue;
        }
        if c.by != ctx.kiosk.as_str() {
            return Err(Refusal::CoordinatorField);
        }
        if !plausible(ctx, &c.at) {
            return Err(Refusal::ImplausibleTime);
        }
    }
    Ok(())
}

/// A check-in the journal's kiosk recorded in its `presence` map (festival mode): its own,
/// at a plausible time, for an id shaped like a signup's.
pub fn check_presence(ctx: &KioskContext<'_>, signup_id: &str, c: &CheckIn) -> bool {
    c.by == ctx.kiosk.as_str() && plausible(ctx, &c.at) && SignupId::parse(signup_id).is_some()
}

/// `at` is an RFC 3339 time within the window the server accepts from a kiosk.
fn plausible(ctx: &KioskContext<'_>, at: &str) -> bool {
    DateTime::parse_from_rfc3339(at).is_ok_and(|t| {
        let t = t.to_utc();
        t >= ctx.now - Duration::days(MAX_AGE_DAYS)
            && t <= ctx.now + Duration::hours(MAX_AHEAD_HOURS)
    })
}

/// A journal's day as a kiosk registers it: a date no later than tomorrow by the server's
/// clock and no older than [`MAX_AGE_DAYS`] (the day decides when a journal is rewritten and
/// which kiosks see spots taken; a kiosk must not pick one far off).
pub fn plausible_day(day: &str, now: DateTime<Utc>) -> bool {
    chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").is_ok_and(|d| {
        let today = now.date_naive();
        d <= today + Duration::days(1) && d >= today - Duration::days(MAX_AGE_DAYS)
    })
}

#[cfg(test)]
mod tests;
