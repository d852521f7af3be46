//! Hours of volunteering, worked out from what is recorded: a shift counts whole when the
//! person came (checked in at a kiosk, or marked present by a coordinator); a coordinator's
//! no-show mark overrides a check-in, and can be taken back; hours entered by hand add to
//! it. A person is every signup under their address and every signup a coordinator linked
//! to one of them as the same person, so their hours add up over all of them.
//!
//! Checked in and out, the time between counts instead of the shift's length.
//!
//! The arithmetic is pure ([`signup_hours`], [`Summary`]); the rest reads the store.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Utc};
use frivillig_common::domain::{Catalog, SignupRecord};
use frivillig_common::text::Lang;

use crate::AppState;
use crate::service::audit::append_audit;
use crate::service::catalog::catalog;
use crate::service::{ServiceError, blocking};
use crate::store::attendance::{Attendance, HoursEntry, Mark};

/// Whether the person came to the shift, as far as anyone recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Nothing recorded.
    Unknown,
    /// A kiosk checked them in.
    CheckedIn,
    /// A coordinator marked them present.
    Present,
    /// A coordinator marked them as not come.
    NoShow,
}

/// What one signup gives: its presence and its hours by year and job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignupHours {
    /// Came or not.
    pub presence: Presence,
    /// (year, job id, minutes), the shift's first, then each entry by hand.
    pub lines: Vec<(i32, String, u32)>,
}

/// The shift's start and length in minutes.
fn shift_of(catalog: &Catalog, r: &SignupRecord) -> Option<(NaiveDate, u32)> {
    let id = r.shift_id.as_deref()?;
    let s = catalog
        .opportunities
        .iter()
        .flat_map(|o| &o.shifts)
        .find(|s| s.id == id)?;
    let (a, b) = (
        DateTime::parse_from_rfc3339(&s.starts).ok()?,
        DateTime::parse_from_rfc3339(&s.ends).ok()?,
    );
    let minutes = u32::try_from((b - a).num_minutes()).ok()?;
    Some((a.date_naive(), minutes))
}

/// The time between the first check-in and the last check-out after it, if both were
/// recorded (at most a day: a check-out forgotten until the next shift does not count).
fn checked_minutes(r: &SignupRecord) -> Option<(NaiveDate, u32)> {
    let time = |c: &frivillig_common::domain::CheckIn| DateTime::parse_from_rfc3339(&c.at).ok();
    let first_in = r
        .check_ins
        .iter()
        .filter(|c| !c.out)
        .filter_map(time)
        .min()?;
    let last_out = r
        .check_ins
        .iter()
        .filter(|c| c.out)
        .filter_map(time)
        .filter(|t| *t > first_in)
        .max()?;
    let minutes = u32::try_from((last_out - first_in).num_minutes()).ok()?;
    (minutes <= 24 * 60).then(|| (first_in.date_naive(), minutes))
}

/// The hours of one signup.
pub fn signup_hours(catalog: &Catalog, r: &SignupRecord, a: &Attendance) -> SignupHours {
    let checked_in = r.check_ins.iter().any(|c| !c.out);
    let presence = match (&a.mark, checked_in) {
        (Some(m), _) if m.present => Presence::Present,
        (Some(_), _) => Presence::NoShow,
        (None, true) => Presence::CheckedIn,
        (None, false) => Presence::Unknown,
    };
    let mut lines = Vec::new();
    // Checked in and out: the time between; else a shift the person came to counts whole.
    let worked = match presence {
        Presence::CheckedIn => checked_minutes(r).or_else(|| shift_of(catalog, r)),
        Presence::Present => shift_of(catalog, r),
        _ => None,
    };
    if let Some((day, minutes)) = worked {
        lines.push((day.year(), r.opportunity_id.clone(), minutes));
    }
    for e in &a.entries {
        if let Ok(day) = NaiveDate::parse_from_str(&e.day, "%Y-%m-%d") {
            lines.push((day.year(), r.opportunity_id.clone(), e.minutes));
        }
    }
    SignupHours { presence, lines }
}

/// A person's hours, added up over their signups.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Minutes per year.
    pub by_year: BTreeMap<i32, u32>,
    /// Minutes per year and job.
    pub by_job: BTreeMap<(i32, String), u32>,
    /// Per job, the first and last day they volunteered at it (shift days, else signup days).
    pub periods: BTreeMap<String, (NaiveDate, NaiveDate)>,
}

impl Summary {
    /// Add one signup's hours and its day.
    pub fn add(&mut self, h: &SignupHours, job: &str, day: Option<NaiveDate>) {
        for (year, job, minutes) in &h.lines {
            *self.by_year.entry(*year).or_default() += minutes;
            *self.by_job.entry((*year, job.clone())).or_default() += minutes;
        }
        if let Some(d) = day {
            let p = self.periods.entry(job.to_owned()).or_insert((d, d));
            p.0 = p.0.min(d);
            p.1 = p.1.max(d);
        }
    }

    /// Minutes in `year`.
    pub fn in_year(&self, year: i32) -> u32 {
        self.by_year.get(&year).copied().unwrap_or(0)
    }
}

/// Minutes from hours as a person types them: "1,5", "2", "0.5". `None` for what is not a
/// number of hours (negative, not finite, not a number).
pub fn typed_minutes(typed: &str) -> Option<u32> {
    typed
        .trim()
        .replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|h| h.is_finite() && *h >= 0.0 && *h <= f64::from(u32::MAX) / 60.0)
        .map(|h| (h * 60.0).round() as u32)
}

/// Minutes as hours to read: "5,5 timer" or "5.5 hours", "1 time".
pub fn hours_text(lang: Lang, minutes: u32) -> String {
    let tenths = (minutes * 10 + 30) / 60;
    let (whole, part) = (tenths / 10, tenths % 10);
    let number = match (part, lang) {
        (0, _) => whole.to_string(),
        (p, Lang::Da) => format!("{whole},{p}"),
        (p, Lang::En) => format!("{whole}.{p}"),
    };
    let unit = match (lang, tenths == 10) {
        (Lang::Da, true) => "time",
        (Lang::Da, false) => "timer",
        (Lang::En, true) => "hour",
        (Lang::En, false) => "hours",
    };
    format!("{number} {unit}")
}

/// Every signup that is the same person as `seed`: under the same addresses, and linked by a
/// coordinator, followed until nothing new turns up.
fn person_ids(state: &AppState, seed: Vec<String>) -> Result<BTreeSet<String>, ServiceError> {
    let decisions = state.store.pair_decisions()?;
    let links: Vec<(String, String)> = decisions
        .iter()
        .filter(|(_, d)| d.decision == "linked")
        .filter_map(|(k, _)| k.split_once('|').map(|(a, b)| (a.to_owned(), b.to_owned())))
        .collect();
    let listing = state.store.listing();
    let mut ids: BTreeSet<String> = BTreeSet::new();
    let mut todo = seed;
    while let Some(id) = todo.pop() {
        if !ids.insert(id.clone()) {
            continue;
        }
        if let Some(email) = state
            .store
            .signup(&id)?
            .and_then(|r| r.person.and_then(|p| p.email))
            .filter(|e| !e.trim().is_empty())
        {
            todo.extend(listing.with_email(&email.trim().to_lowercase()));
        }
        for (a, b) in &links {
            if a == &id {
                todo.push(b.clone());
            } else if b == &id {
                todo.push(a.clone());
            }
        }
    }
    Ok(ids)
}

fn summary_of(
    state: &AppState,
    catalog: &Catalog,
    ids: &BTreeSet<String>,
) -> Result<Summary, ServiceError> {
    let mut out = Summary::default();
    for id in ids {
        let Some(row) = state.store.signup(id)? else {
            continue;
        };
        if row.record.status.is_closed() {
            continue;
        }
        let a = state.store.attendance(id)?;
        let h = signup_hours(catalog, &row.record, &a);
        let day = shift_of(catalog, &row.record).map(|(d, _)| d).or_else(|| {
            DateTime::parse_from_rfc3339(&row.record.created_at)
                .ok()
                .map(|t| t.date_naive())
        });
        out.add(&h, &row.record.opportunity_id, day);
    }
    Ok(out)
}

/// [`person_hours`] on a blocking thread of the caller's, with the catalog it holds.
pub fn person_hours_now(
    state: &AppState,
    catalog: &Catalog,
    signup_id: &str,
) -> Result<Summary, ServiceError> {
    summary_of(
        state,
        catalog,
        &person_ids(state, vec![signup_id.to_owned()])?,
    )
}

/// The hours of the person behind `signup_id` (all their signups).
pub async fn person_hours(state: &AppState, signup_id: &str) -> Result<Summary, ServiceError> {
    let catalog = catalog(state).await?;
    let st = state.clone();
    let id = signup_id.to_owned();
    blocking(move || summary_of(&st, &catalog, &person_ids(&st, vec![id])?)).await
}

/// The hours of the person signed in as `email` on Min side.
pub async fn hours_of_email(state: &AppState, email: &str) -> Result<Summary, ServiceError> {
    let catalog = catalog(state).await?;
    let st = state.clone();
    let seed = state.store.listing().with_email(email);
    blocking(move || summary_of(&st, &catalog, &person_ids(&st, seed)?)).await
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Mark the signup present (`Some(true)`), a no-show (`Some(false)`) or take the mark back.
pub async fn mark(
    state: &AppState,
    by: &str,
    signup_id: &str,
    present: Option<bool>,
) -> Result<(), ServiceError> {
    let st = state.clone();
    let (by, id) = (by.to_owned(), signup_id.to_owned());
    blocking(move || {
        let mark = present.map(|present| Mark {
            present,
            by: by.clone(),
            at: now(),
        });
        let detail = match present {
            Some(true) => "present",
            Some(false) => "no-show",
            None => "mark taken back",
        };
        st.store.change_attendance(
            &id,
            |a| a.mark = mark,
            |tx| append_audit(tx, &by, "attendance", &id, detail),
        )?;
        Ok(())
    })
    .await
}

/// Enter `minutes` on `day` with `reason` by hand.
pub async fn add_hours(
    state: &AppState,
    by: &str,
    signup_id: &str,
    minutes: u32,
    day: &str,
    reason: &str,
) -> Result<(), ServiceError> {
    let reason = reason.trim();
    if !(1..=24 * 60).contains(&minutes) {
        return Err(ServiceError::Invalid(
            "Skriv mellem 0,1 og 24 timer. / Enter between 0.1 and 24 hours.".into(),
        ));
    }
    if NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d").is_err() {
        return Err(ServiceError::Invalid(
            "Skriv dagen som ÅÅÅÅ-MM-DD. / Write the day as YYYY-MM-DD.".into(),
        ));
    }
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(ServiceError::Invalid(
            "Skriv en grund (højst 200 tegn). / Give a reason (at most 200 characters).".into(),
        ));
    }
    let st = state.clone();
    let entry = HoursEntry {
        minutes,
        day: day.trim().to_owned(),
        reason: reason.to_owned(),
        by: by.to_owned(),
        at: now(),
    };
    let (by, id) = (by.to_owned(), signup_id.to_owned());
    blocking(move || {
        let detail = format!("{} min {}: {}", entry.minutes, entry.day, entry.reason);
        st.store.change_attendance(
            &id,
            |a| a.entries.push(entry),
            |tx| append_audit(tx, &by, "hours", &id, &detail),
        )?;
        Ok(())
    })
    .await
}

/// Take the entry at `index` back out.
pub async fn remove_hours(
    state: &AppState,
    by: &str,
    signup_id: &str,
    index: usize,
) -> Result<(), ServiceError> {
    let st = state.clone();
    let (by, id) = (by.to_owned(), signup_id.to_owned());
    blocking(move || {
        st.store.change_attendance(
            &id,
            |a| {
                if index < a.entries.len() {
                    a.entries.remove(index);
                }
            },
            |tx| append_audit(tx, &by, "hours", &id, &format!("entry {index} removed")),
        )?;
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use frivillig_common::domain::CheckIn;

    fn record(catalog: &Catalog, shift: &str) -> SignupRecord {
        let job = catalog
            .opportunities
            .iter()
            .find(|o| o.shifts.iter().any(|s| s.id == shift))
            .expect("job");
        let mut r = SignupRecord::new_signup(
            job,
            Some(shift),
            frivillig_common::domain::Source::Web,
            "2026-11-20T10:00:00+01:00".into(),
            1,
            String::new(),
            String::new(),
        );
        r.check_ins.push(CheckIn {
            at: "2026-12-01T14:55:00+01:00".into(),
            by: "kiosk-1".into(),
            out: false,
        });
        r
    }

    #[test]
    fn a_check_in_counts_the_shift_a_no_show_overrides_it_and_hours_by_hand_add() {
        let c = frivillig_common::catalog::demo_catalog();
        let r = record(&c, "lektiecafe-tir");
        let mut a = Attendance::default();
        let h = signup_hours(&c, &r, &a);
        assert_eq!(h.presence, Presence::CheckedIn);
        assert_eq!(h.lines, vec![(2026, "lektiecafe".to_owned(), 120)]);
        a.mark = Some(Mark {
            present: false,
            by: "mette".into(),
            at: now(),
        });
        let h = signup_hours(&c, &r, &a);
        assert_eq!((h.presence, h.lines.len()), (Presence::NoShow, 0));
        a.entries.push(HoursEntry {
            minutes: 90,
            day: "2027-01-04".into(),
            reason: "Forberedelse".into(),
            by: "mette".into(),
            at: now(),
        });
        let mut s = Summary::default();
        s.add(&signup_hours(&c, &r, &a), "lektiecafe", None);
        assert_eq!((s.in_year(2026), s.in_year(2027)), (0, 90));
        assert_eq!(hours_text(Lang::Da, 330), "5,5 timer");
        // Checked out 95 minutes after the check-in: those minutes, not the shift's 120.
        let mut r = record(&c, "lektiecafe-tir");
        r.check_ins.push(CheckIn {
            at: "2026-12-01T16:30:00+01:00".into(),
            by: "kiosk-1".into(),
            out: true,
        });
        let h = signup_hours(&c, &r, &Attendance::default());
        assert_eq!(h.lines, vec![(2026, "lektiecafe".to_owned(), 95)]);
        // A check-out before the check-in, or a day later, is not a time worked.
        r.check_ins[1].at = "2026-12-02T17:00:00+01:00".into();
        assert_eq!(signup_hours(&c, &r, &Attendance::default()).lines[0].2, 120);
        assert_eq!(hours_text(Lang::En, 60), "1 hour");
    }
}
