//! The scheduler: what volunteers are owed because of time and the catalog, not because of
//! a single event. Each run compares the catalog with the shift times last told
//! (`store::schedule`): a shift that moved or was cancelled gets a notice to everyone who
//! holds it; and every shift starting within `reminder_hours_before` gets a reminder to each
//! holder not yet reminded of that start. One transaction per run commits the notices with
//! the record of having sent them.
//!
//! Runs at start, once a minute, and when woken (a catalog change, an ingest that queued a
//! confirmation), so it costs the shifts in the catalog and their holders, not all signups.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use frivillig_common::domain::{Catalog, Shift};

use crate::AppState;
use crate::service::catalog::catalog;
use crate::service::{ServiceError, blocking};
use crate::store::schedule::{Schedule, ShiftTold};

use super::compose;

/// Run once now; returns how many messages were queued.
pub async fn run_schedule(state: &AppState) -> Result<usize, ServiceError> {
    let catalog = catalog(state).await?;
    let st = state.clone();
    let queued = blocking(move || {
        let schedule = plan(&st, &catalog, Utc::now())?;
        Ok(st.store.commit_schedule(schedule, &st.mail.domain)?)
    })
    .await?;
    if queued > 0 {
        state.mail.wake.notify_one();
    }
    Ok(queued)
}

/// What this run owes, from the catalog, the store and the clock.
fn plan(st: &AppState, catalog: &Catalog, now: DateTime<Utc>) -> Result<Schedule, ServiceError> {
    let w = st.mail.writer(&st.config.public_url);
    let told = st.store.shifts_told()?;
    let shifts: BTreeMap<&str, (&str, &Shift)> = catalog
        .opportunities
        .iter()
        .flat_map(|o| {
            o.shifts
                .iter()
                .map(move |s| (s.id.as_str(), (o.id.as_str(), s)))
        })
        .collect();
    let mut out = Schedule::default();
    for (&id, &(job, shift)) in &shifts {
        let now_told = ShiftTold {
            opportunity_id: job.to_owned(),
            starts: shift.starts.clone(),
            ends: shift.ends.clone(),
        };
        match told.get(id) {
            // New to the scheduler (or to a server upgraded to it): nobody was told otherwise.
            None => out.told.push((id.to_owned(), now_told)),
            Some(before) if before.starts != shift.starts || before.ends != shift.ends => {
                for row in st.store.shift_holders(id)? {
                    if row.record.opportunity_id == job && compose::holds_shift(&row) {
                        out.messages
                            .extend(compose::shift_moved(catalog, &row, before, &w));
                    }
                }
                out.told.push((id.to_owned(), now_told));
            }
            Some(_) => {}
        }
    }
    for (id, before) in &told {
        if shifts.contains_key(id.as_str()) {
            continue;
        }
        for row in st.store.shift_holders(id)? {
            if row.record.opportunity_id == before.opportunity_id && compose::holds_shift(&row) {
                out.messages
                    .extend(compose::shift_cancelled(catalog, &row, before, &w));
            }
        }
        out.forgotten.push(id.clone());
    }
    let hours = st.config.mail.reminder_hours_before;
    if hours > 0 {
        let horizon = now + chrono::Duration::hours(i64::try_from(hours).unwrap_or(24));
        for (&id, &(job, shift)) in &shifts {
            let Ok(starts) = DateTime::parse_from_rfc3339(&shift.starts) else {
                continue;
            };
            if starts <= now || starts > horizon {
                continue;
            }
            for row in st.store.shift_holders(id)? {
                if row.record.opportunity_id != job
                    || !compose::reminds(&row)
                    || st.store.reminded(&row.record.id, &shift.starts)?
                {
                    continue;
                }
                if let Some(m) = compose::reminder(catalog, &row, &w) {
                    out.reminders
                        .push((row.record.id.clone(), shift.starts.clone(), m));
                }
            }
        }
    }
    Ok(out)
}

/// Run the scheduler until the server stops: at start, every minute, and when woken.
pub fn start_scheduler(state: &AppState) {
    let st = state.clone();
    state.background.spawn(async move {
        loop {
            if let Err(e) = run_schedule(&st).await {
                tracing::warn!(error = %e, "the message scheduler could not run");
            }
            tokio::select! {
                _ = st.mail.schedule.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(60)) => {}
            }
        }
    });
}
