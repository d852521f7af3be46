//! What is on offer at a given time: a shift that has started is no longer offered, nor a
//! job outside its visible days, nor a job whose shifts have all started. The kiosk judges
//! by its own clock (offline for days), the portal by the server's; both use these rules,
//! so they never disagree on what "past" means.

use chrono::{DateTime, FixedOffset, NaiveDate};

use crate::domain::{Audience, Catalog, Opportunity, Shift};

/// Now in Glostrup (Europe/Copenhagen, with summer time), whatever the machine's zone:
/// visible days are local days.
pub fn glostrup_now() -> DateTime<FixedOffset> {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Copenhagen)
        .fixed_offset()
}

/// Why a job or shift cannot be signed up for now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotOffered {
    /// The job is not in the catalog.
    #[error("unknown volunteer job")]
    UnknownJob,
    /// The shift is not part of the job, or the job has shifts and none was chosen.
    #[error("unknown or missing shift")]
    UnknownShift,
    /// The job is outside its visible days.
    #[error("the job is not on offer on this day")]
    JobNotShown,
    /// The shift has started (or ended).
    #[error("the shift has started")]
    ShiftStarted,
    /// The event takes only those invited, who answer through their own links.
    #[error("the event is by invitation")]
    ByInvitation,
    /// The event's last day to register has passed.
    #[error("registration for the event has closed")]
    RegistrationClosed,
}

impl Shift {
    /// Whether the shift is still ahead at `now`: it has not started. A time that cannot be
    /// read is never offered (the catalog's checks refuse it; this is the safe side).
    pub fn open_at(&self, now: DateTime<FixedOffset>) -> bool {
        DateTime::parse_from_rfc3339(&self.starts).is_ok_and(|starts| starts > now)
    }
}

fn day(s: &Option<String>) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.as_deref()?.trim(), "%Y-%m-%d").ok()
}

impl Opportunity {
    /// Whether `now` (its local date) lies within the job's visible days.
    pub fn shown_on(&self, now: DateTime<FixedOffset>) -> bool {
        let today = now.date_naive();
        day(&self.visible_from).is_none_or(|from| today >= from)
            && day(&self.visible_until).is_none_or(|until| today <= until)
    }

    /// The shifts still ahead at `now`.
    pub fn open_shifts(&self, now: DateTime<FixedOffset>) -> impl Iterator<Item = &Shift> {
        self.shifts.iter().filter(move |s| s.open_at(now))
    }

    /// Why an event takes no registrations at `now` from the public (kiosks, portal), if
    /// it takes none: it is by invitation, or its last day to register has passed. `None`
    /// for a job.
    pub fn event_closed(&self, now: DateTime<FixedOffset>) -> Option<NotOffered> {
        let e = self.event.as_ref()?;
        if e.audience == Audience::Invited {
            return Some(NotOffered::ByInvitation);
        }
        day(&e.register_until)
            .is_some_and(|until| now.date_naive() > until)
            .then_some(NotOffered::RegistrationClosed)
    }

    /// Whether the job is offered at `now`: shown on this day, and ongoing or with a shift
    /// still ahead. An event is offered while it has a time ahead, is open to all and its
    /// registration has not closed.
    pub fn offered_at(&self, now: DateTime<FixedOffset>) -> bool {
        let ongoing = self.shifts.is_empty() && self.event.is_none();
        self.shown_on(now)
            && self.event_closed(now).is_none()
            && (ongoing || self.open_shifts(now).next().is_some())
    }
}

impl Catalog {
    /// The catalog as offered at `now`: only jobs on offer, each with its shifts still
    /// ahead. Sites, ambassadors, handbook and consent texts are kept whole.
    pub fn on_offer(&self, now: DateTime<FixedOffset>) -> Catalog {
        let mut c = Catalog {
            opportunities: Vec::new(),
            ..self.clone()
        };
        for o in self.opportunities.iter().filter(|o| o.offered_at(now)) {
            let mut o = o.clone();
            o.shifts.retain(|s| s.open_at(now));
            c.opportunities.push(o);
        }
        c
    }

    /// The job, if a signup for it and `shift_id` may be taken at `now`.
    pub fn offered(
        &self,
        job_id: &str,
        shift_id: Option<&str>,
        now: DateTime<FixedOffset>,
    ) -> Result<&Opportunity, NotOffered> {
        let job = self.opportunity(job_id).ok_or(NotOffered::UnknownJob)?;
        if !job.takes_shift(shift_id) {
            return Err(NotOffered::UnknownShift);
        }
        if !job.shown_on(now) {
            return Err(NotOffered::JobNotShown);
        }
        if let Some(closed) = job.event_closed(now) {
            return Err(closed);
        }
        let shift = shift_id.and_then(|id| job.shifts.iter().find(|s| s.id == id));
        if shift.is_some_and(|s| !s.open_at(now)) {
            return Err(NotOffered::ShiftStarted);
        }
        Ok(job)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::demo_catalog;

    fn t(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).expect("time")
    }

    #[test]
    fn a_shift_leaves_the_offer_when_it_starts() {
        let c = demo_catalog();
        let before = t("2026-12-01T14:59:59+01:00");
        let at_start = t("2026-12-01T15:00:00+01:00");
        assert!(
            c.offered("lektiecafe", Some("lektiecafe-tir"), before)
                .is_ok()
        );
        assert_eq!(
            c.offered("lektiecafe", Some("lektiecafe-tir"), at_start)
                .err(),
            Some(NotOffered::ShiftStarted)
        );
        // Judged by the instant, not by how the offset is written.
        assert_eq!(
            c.offered(
                "lektiecafe",
                Some("lektiecafe-tir"),
                t("2026-12-01T14:30:00Z")
            )
            .err(),
            Some(NotOffered::ShiftStarted)
        );
        let offered = c.on_offer(at_start);
        let job = offered
            .opportunity("lektiecafe")
            .expect("still has Thursday");
        assert_eq!(job.shifts.len(), 1);
        assert_eq!(job.shifts[0].id, "lektiecafe-tor");
    }

    #[test]
    fn a_job_whose_shifts_all_started_is_not_offered_but_an_ongoing_one_is() {
        let c = demo_catalog();
        let later = t("2026-12-06T09:00:00+01:00");
        let offered = c.on_offer(later);
        assert!(offered.opportunity("lektiecafe").is_none());
        assert!(offered.opportunity("gaatur").is_none());
        assert!(
            offered.opportunity("hojtlaesning").is_some(),
            "no shifts: ongoing"
        );
        assert!(offered.opportunity("kulturnat-info").is_some());
        assert_eq!(offered.sites, c.sites);
    }

    #[test]
    fn an_event_is_offered_until_its_last_day_to_register_and_never_when_by_invitation() {
        use crate::domain::{EventInfo, EventKind};
        let mut c = demo_catalog();
        let meeting = &mut c.opportunities[0];
        let (id, shift) = (meeting.id.clone(), meeting.shifts[0].id.clone());
        meeting.event = Some(EventInfo {
            kind: EventKind::ThemeMeeting,
            place: "Salen".into(),
            audience: Audience::Open,
            register_until: Some("2026-11-28".into()),
        });
        let on = |c: &Catalog, at| c.offered(&id, Some(&shift), t(at)).err();
        assert_eq!(on(&c, "2026-11-28T23:59:00+01:00"), None);
        assert_eq!(
            on(&c, "2026-11-29T00:00:00+01:00"),
            Some(NotOffered::RegistrationClosed)
        );
        assert!(
            c.on_offer(t("2026-11-29T08:00:00+01:00"))
                .opportunity(&id)
                .is_none()
        );
        if let Some(e) = c.opportunities[0].event.as_mut() {
            e.audience = Audience::Invited;
            e.register_until = None;
        }
        assert_eq!(
            on(&c, "2026-11-27T10:00:00+01:00"),
            Some(NotOffered::ByInvitation)
        );
        assert!(
            c.on_offer(t("2026-11-27T10:00:00+01:00"))
                .opportunity(&id)
                .is_none()
        );
        // An event without a time is not an ongoing job: nothing to register for.
        c.opportunities[0].shifts.clear();
        if let Some(e) = c.opportunities[0].event.as_mut() {
            e.audience = Audience::Open;
        }
        assert!(!c.opportunities[0].offered_at(t("2026-11-27T10:00:00+01:00")));
    }

    #[test]
    fn visible_days_include_both_ends() {
        let mut c = demo_catalog();
        c.opportunities[1].visible_from = Some("2026-12-02".into());
        c.opportunities[1].visible_until = Some("2026-12-24".into());
        let shown = |at| c.offered("hojtlaesning", None, t(at));
        assert_eq!(
            shown("2026-12-01T23:59:00+01:00").err(),
            Some(NotOffered::JobNotShown)
        );
        assert!(shown("2026-12-02T00:00:00+01:00").is_ok());
        assert!(shown("2026-12-24T23:59:00+01:00").is_ok());
        assert_eq!(
            shown("2026-12-25T00:00:00+01:00").err(),
            Some(NotOffered::JobNotShown)
        );
        assert_eq!(
            c.offered("hojtlaesning", Some("x"), t("2026-12-03T10:00:00+01:00"))
                .err(),
            Some(NotOffered::UnknownShift)
        );
        assert_eq!(
            c.offered("nej", None, t("2026-12-03T10:00:00+01:00")).err(),
            Some(NotOffered::UnknownJob)
        );
    }
}
