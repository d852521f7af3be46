//! The staff board (festival mode): for each of the day's shifts at this kiosk's site, how
//! many are signed up, checked in and missing, counted over every journal the kiosk holds
//! (its own and its peers'). No names: the kiosk cannot open them, and that is the point.
//! It is counted again in the background (each round of festival mode, after a check-in)
//! and read by the staff screen without waiting.

use std::collections::HashMap;

use chrono::{DateTime, Duration, FixedOffset};
use frivillig_common::domain::{Catalog, CheckIn, SignupRecord};

use super::KioskCore;

/// One shift on the board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardShift {
    /// The job.
    pub opportunity_id: String,
    /// The shift.
    pub shift_id: String,
    /// Its start and end, RFC 3339.
    pub starts: String,
    /// End.
    pub ends: String,
    /// Signups that hold a spot.
    pub signed_up: u32,
    /// Of those, checked in now.
    pub checked_in: u32,
    /// Of those, checked in and out again.
    pub checked_out: u32,
}

impl BoardShift {
    /// Signed up and neither here nor gone.
    pub fn missing(&self) -> u32 {
        self.signed_up
            .saturating_sub(self.checked_in)
            .saturating_sub(self.checked_out)
    }
}

/// The board from what the kiosk holds, at `now`: the site's shifts that start from six
/// hours ago to eighteen hours ahead (tonight's, wherever midnight falls), in order.
pub fn board(
    catalog: &Catalog,
    site_id: &str,
    records: &[SignupRecord],
    presence: &[(String, CheckIn)],
    now: DateTime<FixedOffset>,
) -> Vec<BoardShift> {
    let mut shifts: Vec<BoardShift> = catalog
        .opportunities
        .iter()
        .filter(|o| o.site_id == site_id)
        .flat_map(|o| o.shifts.iter().map(move |s| (o, s)))
        .filter(|(_, s)| {
            DateTime::parse_from_rfc3339(&s.starts)
                .is_ok_and(|t| t >= now - Duration::hours(6) && t <= now + Duration::hours(18))
        })
        .map(|(o, s)| BoardShift {
            opportunity_id: o.id.clone(),
            shift_id: s.id.clone(),
            starts: s.starts.clone(),
            ends: s.ends.clone(),
            signed_up: 0,
            checked_in: 0,
            checked_out: 0,
        })
        .collect();
    shifts.sort_by(|a, b| a.starts.cmp(&b.starts));
    let mut by_signup: HashMap<&str, Vec<&CheckIn>> = HashMap::new();
    for (id, c) in presence {
        by_signup.entry(id.as_str()).or_default().push(c);
    }
    let mut seen = std::collections::HashSet::new();
    for r in records {
        // The same signup may be in two copies of a journal (own and relayed).
        if r.status.is_closed() || !seen.insert(r.id.as_str()) {
            continue;
        }
        let Some(shift) = shifts
            .iter_mut()
            .find(|s| r.shift_id.as_deref() == Some(s.shift_id.as_str()))
        else {
            continue;
        };
        shift.signed_up += 1;
        let latest = r
            .check_ins
            .iter()
            .chain(by_signup.get(r.id.as_str()).into_iter().flatten().copied())
            .max_by(|a, b| a.at.cmp(&b.at));
        match latest {
            Some(c) if c.out => shift.checked_out += 1,
            Some(_) => shift.checked_in += 1,
            None => {}
        }
    }
    shifts
}

impl KioskCore {
    /// The staff board as last counted.
    pub fn board(&self) -> Vec<BoardShift> {
        self.inner
            .board
            .read()
            .map(|b| b.clone())
            .unwrap_or_default()
    }

    /// Count the board again; screens hear of a change through the status.
    pub async fn refresh_board(&self) {
        let Some(catalog) = self.catalog() else {
            return;
        };
        let (records, presence) = self.everything_held().await;
        let site = self.inner.config.site_id.clone();
        let now = self.now();
        let fresh = board(&catalog, &site, &records, &presence, now);
        let changed = match self.inner.board.write() {
            Ok(mut b) if *b != fresh => {
                *b = fresh;
                true
            }
            _ => false,
        };
        if changed {
            self.inner.status.send_modify(|_| {});
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use frivillig_common::domain::Source;

    /// Signups count once per shift whatever copy they are in; the latest check-in or
    /// check-out decides; declined signups and other sites' shifts are left out.
    #[test]
    fn the_board_counts_each_signup_once_by_its_latest_presence() {
        let catalog = frivillig_common::catalog::demo_catalog();
        let o = catalog
            .opportunities
            .iter()
            .find(|o| o.id == "kulturnat-info")
            .expect("job");
        let shift = &o.shifts[0];
        let now = DateTime::parse_from_rfc3339(&shift.starts).expect("start");
        let record = |id: &str| {
            let mut r = SignupRecord::new_signup(
                o,
                Some(&shift.id),
                Source::Kiosk("telt-1".into()),
                now.to_rfc3339(),
                1,
                String::new(),
                String::new(),
            );
            r.id = id.into();
            r
        };
        let c = |at: &str, out| CheckIn {
            at: at.into(),
            by: "telt-2".into(),
            out,
        };
        let mut declined = record("d");
        declined.status = frivillig_common::domain::Status::Declined;
        let records = vec![record("a"), record("a"), record("b"), record("c"), declined];
        let presence = vec![
            ("a".to_owned(), c("2026-10-09T16:55:00+02:00", false)),
            ("b".to_owned(), c("2026-10-09T16:50:00+02:00", false)),
            ("b".to_owned(), c("2026-10-09T19:10:00+02:00", true)),
        ];
        let b = board(&catalog, "kulturnat", &records, &presence, now);
        let first = b
            .iter()
            .find(|s| s.shift_id == shift.id)
            .expect("on the board");
        assert_eq!(
            (
                first.signed_up,
                first.checked_in,
                first.checked_out,
                first.missing()
            ),
            (3, 1, 1, 1)
        );
        assert!(
            board(&catalog, "bibliotek", &records, &presence, now)
                .iter()
                .all(|s| s.shift_id != shift.id)
        );
    }
}
