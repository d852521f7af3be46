//! The numbers the volunteering strategy is followed up on, for one year: active volunteers
//! per site, hours per site and per job, attendance at events, and new volunteers per way
//! in (kiosk, web, event). Counted over the signups a person may see; a volunteer is one
//! person per address (or phone, where no address was given).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike};
use frivillig_common::domain::Catalog;

use crate::AppState;
use crate::service::ServiceError;
use crate::service::hours::{Presence, signup_hours};
use crate::store::listing::ListRow;

/// An event's attendance.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Attendance {
    /// Registered (signups not withdrawn or declined) and invitations accepted.
    pub coming: usize,
    /// Checked in or marked present.
    pub came: usize,
}

/// The year's numbers.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Strategy {
    /// The year.
    pub year: i32,
    /// Distinct active volunteers per site id.
    pub active_per_site: BTreeMap<String, usize>,
    /// Minutes per site id.
    pub minutes_per_site: BTreeMap<String, u32>,
    /// Minutes per job id.
    pub minutes_per_job: BTreeMap<String, u32>,
    /// Attendance per event id.
    pub events: BTreeMap<String, Attendance>,
    /// New volunteers (their first signup this year, none before) per way in: `kiosk`,
    /// `web` or `event`.
    pub new_per_source: BTreeMap<String, usize>,
}

fn person(r: &ListRow) -> String {
    let email = r.email.trim().to_lowercase();
    if !email.is_empty() {
        return email;
    }
    let digits: String = r.phone.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        r.id.clone()
    } else {
        format!("tel:{digits}")
    }
}

fn year_of(s: &str) -> Option<i32> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.year())
}

/// Count the year's numbers over `rows` (read from the store: attendance and records).
pub fn strategy(
    state: &AppState,
    catalog: &Catalog,
    rows: &[&ListRow],
    year: i32,
) -> Result<Strategy, ServiceError> {
    let mut s = Strategy {
        year,
        ..Strategy::default()
    };
    let mut active: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    // Each person's first signup: (created_at, way in).
    let mut first: BTreeMap<String, (String, String)> = BTreeMap::new();
    for r in rows {
        let closed = r.status == "withdrawn" || r.status == "declined";
        let is_event = catalog
            .opportunity(&r.opportunity_id)
            .is_some_and(|o| o.event.is_some());
        let way = if is_event {
            "event"
        } else if r.source == "web" {
            "web"
        } else {
            "kiosk"
        };
        let who = person(r);
        let entry = first
            .entry(who.clone())
            .or_insert_with(|| (r.created_at.clone(), way.to_owned()));
        if r.created_at < entry.0 {
            *entry = (r.created_at.clone(), way.to_owned());
        }
        let Some(row) = state.store.signup(&r.id)? else {
            continue;
        };
        let attendance = state.store.attendance(&r.id)?;
        let h = signup_hours(catalog, &row.record, &attendance);
        let came = matches!(h.presence, Presence::CheckedIn | Presence::Present);
        for (y, job, minutes) in &h.lines {
            if *y == year {
                *s.minutes_per_site.entry(r.site_id.clone()).or_default() += minutes;
                *s.minutes_per_job.entry(job.clone()).or_default() += minutes;
            }
        }
        let in_year =
            h.lines.iter().any(|(y, _, _)| *y == year) || year_of(&r.created_at) == Some(year);
        if r.status == "active" && in_year {
            active.entry(r.site_id.clone()).or_default().insert(who);
        }
        if is_event && !closed && in_year {
            let e = s.events.entry(r.opportunity_id.clone()).or_default();
            e.coming += 1;
            e.came += usize::from(came);
        }
    }
    for o in catalog.events() {
        let yes = state
            .store
            .invitations(&o.id)?
            .iter()
            .filter(|i| i.answer.as_ref().is_some_and(|a| a.coming))
            .count();
        let in_year = o.shifts.iter().any(|sh| year_of(&sh.starts) == Some(year));
        if yes > 0 && in_year {
            s.events.entry(o.id.clone()).or_default().coming += yes;
        }
    }
    s.active_per_site = active.into_iter().map(|(k, v)| (k, v.len())).collect();
    for (created, way) in first.values() {
        if year_of(created) == Some(year) {
            *s.new_per_source.entry(way.clone()).or_default() += 1;
        }
    }
    Ok(s)
}
