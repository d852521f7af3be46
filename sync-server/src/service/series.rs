//! A series of shifts as a coordinator describes it ("every Tuesday 15–17 from 12 January
//! until the summer holidays, not in the winter break") turned into shifts, each its own
//! entry with its own capacity, at Glostrup's local time on its own day (summer or winter).

use std::collections::HashSet;

use chrono::{Datelike, NaiveDate, NaiveTime, TimeZone, Weekday};
use chrono_tz::Europe::Copenhagen;

use frivillig_common::domain::Shift;

/// At most this many shifts in one series: a year of every day and then some, and a bound
/// on what one form can add to the catalog that every kiosk receives.
pub const MAX_SERIES: usize = 400;

/// What a coordinator fills in for one shift or a series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    /// The first day.
    pub from: NaiveDate,
    /// The last day (the same as `from` for one shift).
    pub until: NaiveDate,
    /// The weekdays it happens on; empty means every day between the two dates.
    pub weekdays: Vec<Weekday>,
    /// Start, local time.
    pub starts: NaiveTime,
    /// End, local time; before `starts` means the next day (a night shift).
    pub ends: NaiveTime,
    /// Volunteers needed on each shift.
    pub capacity: u32,
    /// Days left out (holidays).
    pub except: Vec<NaiveDate>,
}

/// Why a series cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SeriesError {
    /// The last day is before the first.
    #[error("the last day is before the first")]
    UntilBeforeFrom,
    /// No day falls in the series.
    #[error("no day falls in the series")]
    Empty,
    /// More than [`MAX_SERIES`] shifts.
    #[error("more than {MAX_SERIES} shifts")]
    TooMany,
    /// Start and end are the same time.
    #[error("the shift has no length")]
    NoLength,
}

/// `day` at `time` in Glostrup as RFC 3339 with that day's offset. A time that does not
/// exist (the hour skipped in March) is taken an hour later; one that happens twice (the
/// hour repeated in October) is the first.
pub fn local(day: NaiveDate, time: NaiveTime) -> String {
    let naive = day.and_time(time);
    let t = Copenhagen
        .from_local_datetime(&naive)
        .earliest()
        .or_else(|| {
            Copenhagen
                .from_local_datetime(&(naive + chrono::Duration::hours(1)))
                .earliest()
        });
    match t {
        Some(t) => t.fixed_offset().to_rfc3339(),
        None => naive.and_utc().to_rfc3339(),
    }
}

impl Series {
    /// The days of the series, in order.
    pub fn days(&self) -> Result<Vec<NaiveDate>, SeriesError> {
        if self.until < self.from {
            return Err(SeriesError::UntilBeforeFrom);
        }
        if self.starts == self.ends {
            return Err(SeriesError::NoLength);
        }
        let mut out = Vec::new();
        let mut day = self.from;
        while day <= self.until {
            let on = self.weekdays.is_empty() || self.weekdays.contains(&day.weekday());
            if on && !self.except.contains(&day) {
                if out.len() == MAX_SERIES {
                    return Err(SeriesError::TooMany);
                }
                out.push(day);
            }
            day = day.succ_opt().ok_or(SeriesError::TooMany)?;
        }
        if out.is_empty() {
            return Err(SeriesError::Empty);
        }
        Ok(out)
    }

    /// The shifts of the series for job `job_id`, with ids `job-YYYYMMDD-HHMM` made unique
    /// against `taken` (the catalog's shift ids).
    pub fn shifts(&self, job_id: &str, taken: &HashSet<String>) -> Result<Vec<Shift>, SeriesError> {
        let mut used: HashSet<String> = taken.clone();
        let mut out = Vec::new();
        for day in self.days()? {
            let end_day = if self.ends < self.starts {
                day.succ_opt().ok_or(SeriesError::TooMany)?
            } else {
                day
            };
            let base = format!(
                "{job_id}-{}-{}",
                day.format("%Y%m%d"),
                self.starts.format("%H%M")
            );
            let mut id = base.clone();
            let mut n = 2;
            while used.contains(&id) {
                id = format!("{base}-{n}");
                n += 1;
            }
            used.insert(id.clone());
            out.push(Shift {
                id,
                starts: local(day, self.starts),
                ends: local(end_day, self.ends),
                capacity: self.capacity,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn t(s: &str) -> NaiveTime {
        NaiveTime::parse_from_str(s, "%H:%M").expect("time")
    }

    #[test]
    fn twelve_tuesdays_less_one_each_at_its_own_offset() {
        let series = Series {
            from: d("2027-09-07"),
            until: d("2027-11-30"),
            weekdays: vec![Weekday::Tue],
            starts: t("15:00"),
            ends: t("17:00"),
            capacity: 4,
            except: vec![d("2027-10-19")],
        };
        let shifts = series
            .shifts("lektiecafe", &HashSet::new())
            .expect("series");
        assert_eq!(shifts.len(), 12, "13 Tuesdays, one left out");
        assert_eq!(shifts[0].starts, "2027-09-07T15:00:00+02:00");
        assert_eq!(shifts[0].id, "lektiecafe-20270907-1500");
        assert!(shifts.iter().all(|s| !s.starts.starts_with("2027-10-19")));
        // Summer time ends on 31 October 2027: the November shifts are at +01:00.
        assert_eq!(shifts[11].starts, "2027-11-30T15:00:00+01:00");
        assert_eq!(shifts[11].ends, "2027-11-30T17:00:00+01:00");
        assert!(shifts.iter().all(|s| s.capacity == 4));
    }

    #[test]
    fn ids_stay_unique_and_night_shifts_end_the_next_day() {
        let taken: HashSet<String> = ["natcafe-20271008-2200".to_owned()].into();
        let series = Series {
            from: d("2027-10-08"),
            until: d("2027-10-08"),
            weekdays: Vec::new(),
            starts: t("22:00"),
            ends: t("02:00"),
            capacity: 2,
            except: Vec::new(),
        };
        let shifts = series.shifts("natcafe", &taken).expect("one");
        assert_eq!(shifts[0].id, "natcafe-20271008-2200-2");
        assert_eq!(shifts[0].ends, "2027-10-09T02:00:00+02:00");
    }

    #[test]
    fn a_series_that_makes_no_sense_is_refused() {
        let mut s = Series {
            from: d("2027-01-10"),
            until: d("2027-01-01"),
            weekdays: Vec::new(),
            starts: t("10:00"),
            ends: t("12:00"),
            capacity: 1,
            except: Vec::new(),
        };
        assert_eq!(s.days(), Err(SeriesError::UntilBeforeFrom));
        s.until = d("2027-01-10");
        s.weekdays = vec![Weekday::Mon];
        assert_eq!(
            s.days(),
            Err(SeriesError::Empty),
            "10 January 2027 is a Sunday"
        );
        s.weekdays.clear();
        s.until = d("2029-01-01");
        assert_eq!(s.days(), Err(SeriesError::TooMany));
        s.until = d("2027-01-10");
        s.ends = s.starts;
        assert_eq!(s.days(), Err(SeriesError::NoLength));
    }

    #[test]
    fn the_hour_skipped_in_spring_moves_on_and_the_repeated_one_is_the_first() {
        assert_eq!(
            local(d("2027-03-28"), t("02:30")),
            "2027-03-28T03:30:00+02:00"
        );
        assert_eq!(
            local(d("2027-10-31"), t("02:30")),
            "2027-10-31T02:30:00+02:00"
        );
    }
}
