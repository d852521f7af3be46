//! Texts the screens derive from catalog data: when a shift is, how many spots are left.

use chrono::{DateTime, Datelike, FixedOffset, Timelike};

use super::Lang;

const WEEKDAYS_DA: [&str; 7] = ["man.", "tir.", "ons.", "tor.", "fre.", "lør.", "søn."];
const WEEKDAYS_EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS_DA: [&str; 12] = [
    "jan.", "feb.", "mar.", "apr.", "maj", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec.",
];
const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// "lør. 29. nov. kl. 10.00–14.00" / "Sat 29 Nov, 10:00–14:00", in the shift's own offset.
/// A time the catalog got wrong is shown as written rather than hidden.
pub fn shift_label(lang: Lang, starts: &str, ends: &str) -> String {
    let (Ok(s), Ok(e)) = (
        DateTime::<FixedOffset>::parse_from_rfc3339(starts),
        DateTime::<FixedOffset>::parse_from_rfc3339(ends),
    ) else {
        return format!("{starts} – {ends}");
    };
    let wd = s.weekday().num_days_from_monday() as usize;
    let m = s.month0() as usize;
    let same_day = s.date_naive() == e.date_naive();
    match lang {
        Lang::Da => {
            let end = if same_day {
                format!("{:02}.{:02}", e.hour(), e.minute())
            } else {
                format!(
                    "{}. {} {:02}.{:02}",
                    e.day(),
                    MONTHS_DA[e.month0() as usize],
                    e.hour(),
                    e.minute()
                )
            };
            format!(
                "{} {}. {} kl. {:02}.{:02}–{}",
                WEEKDAYS_DA[wd],
                s.day(),
                MONTHS_DA[m],
                s.hour(),
                s.minute(),
                end
            )
        }
        Lang::En => {
            let end = if same_day {
                format!("{:02}:{:02}", e.hour(), e.minute())
            } else {
                format!(
                    "{} {} {:02}:{:02}",
                    e.day(),
                    MONTHS_EN[e.month0() as usize],
                    e.hour(),
                    e.minute()
                )
            };
            format!(
                "{} {} {}, {:02}:{:02}–{}",
                WEEKDAYS_EN[wd],
                s.day(),
                MONTHS_EN[m],
                s.hour(),
                s.minute(),
                end
            )
        }
    }
}

/// "3 ledige pladser" / "Fuldt – venteliste".
pub fn spots_label(lang: Lang, left: i64) -> String {
    match (lang, left) {
        (Lang::Da, n) if n <= 0 => "Fuldt – du kan komme på venteliste".into(),
        (Lang::En, n) if n <= 0 => "Full – you can join the waiting list".into(),
        (Lang::Da, 1) => "1 ledig plads".into(),
        (Lang::En, 1) => "1 spot left".into(),
        (Lang::Da, n) => format!("{n} ledige pladser"),
        (Lang::En, n) => format!("{n} spots left"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifts_read_naturally_in_both_languages() {
        let s = "2026-11-28T10:00:00+01:00";
        let e = "2026-11-28T14:30:00+01:00";
        assert_eq!(shift_label(Lang::Da, s, e), "lør. 28. nov. kl. 10.00–14.30");
        assert_eq!(shift_label(Lang::En, s, e), "Sat 28 Nov, 10:00–14:30");
        let over_midnight = shift_label(
            Lang::Da,
            "2026-11-28T22:00:00+01:00",
            "2026-11-29T02:00:00+01:00",
        );
        assert_eq!(over_midnight, "lør. 28. nov. kl. 22.00–29. nov. 02.00");
        assert_eq!(shift_label(Lang::Da, "i morgen", "x"), "i morgen – x");
        assert_eq!(
            spots_label(Lang::Da, 0),
            "Fuldt – du kan komme på venteliste"
        );
        assert_eq!(spots_label(Lang::En, 2), "2 spots left");
    }
}
