//! Texts that the kiosk and the portal both derive from catalog data, in Danish and
//! English, so a shift reads the same on a kiosk, a job page and a coordinator's list.

use chrono::{DateTime, Datelike, FixedOffset, Timelike};

use crate::domain::{Catalog, FormProblem, Opportunity};

/// A text in both languages: Danish, then English. Pages gather theirs in one table, so
/// each pair can be read and changed together.
pub type Text = (&'static str, &'static str);

/// The language of a screen or page. Danish first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Dansk.
    #[default]
    Da,
    /// English.
    En,
}

impl Lang {
    /// Pick the text of this language.
    pub fn pick<'a>(self, da: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Da => da,
            Lang::En => en,
        }
    }

    /// A [`Text`] in this language.
    pub fn t(self, text: Text) -> &'static str {
        self.pick(text.0, text.1)
    }

    /// The language's code, as HTML's `lang` wants it.
    pub fn code(self) -> &'static str {
        self.pick("da", "en")
    }

    /// The language of a code as [`Lang::code`] writes it: English for `en`, Danish for
    /// anything else (Danish is the default everywhere).
    pub fn of_code(code: &str) -> Lang {
        if code == "en" { Lang::En } else { Lang::Da }
    }

    /// A validation message in this language.
    pub fn problem(self, p: FormProblem) -> &'static str {
        match self {
            Lang::Da => p.message_da(),
            Lang::En => p.message_en(),
        }
    }
}

/// The job's title in `lang` (English falls back to Danish).
pub fn job_title(lang: Lang, o: &Opportunity) -> &str {
    match lang {
        Lang::En if !o.title_en.trim().is_empty() => &o.title_en,
        _ => &o.title,
    }
}

/// The title of the job `id`, or the id if the catalog lacks it.
pub fn opportunity_title<'a>(lang: Lang, catalog: &'a Catalog, id: &'a str) -> &'a str {
    catalog
        .opportunities
        .iter()
        .find(|o| o.id == id)
        .map_or(id, |o| job_title(lang, o))
}

/// The name of the site `id`, or the id if the catalog lacks it.
pub fn site_name<'a>(catalog: &'a Catalog, id: &'a str) -> &'a str {
    catalog
        .sites
        .iter()
        .find(|s| s.id == id)
        .map_or(id, |s| s.name.as_str())
}

/// When the shift `shift_id` is, as [`shift_label`] says it; the id if the catalog lacks it,
/// and nothing for a signup without a shift.
pub fn shift_text(lang: Lang, catalog: &Catalog, shift_id: Option<&str>) -> String {
    let Some(id) = shift_id else {
        return String::new();
    };
    catalog
        .opportunities
        .iter()
        .flat_map(|o| &o.shifts)
        .find(|s| s.id == id)
        .map_or_else(|| id.to_owned(), |s| shift_label(lang, &s.starts, &s.ends))
}

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

/// Text in PDF's WinAnsiEncoding, the encoding of the standard fonts (it has æ, ø and å);
/// a character it lacks becomes `?`.
pub fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|ch| match ch {
            c if (c as u32) < 0x80 => c as u8,
            c if (0xA0..=0xFF).contains(&(c as u32)) => c as u32 as u8,
            '–' => 0x96,
            '—' => 0x97,
            '•' => 0x95,
            '€' => 0x80,
            _ => b'?',
        })
        .collect()
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

    #[test]
    fn catalog_names_fall_back_to_what_is_there() {
        let catalog = crate::catalog::demo_catalog();
        let job = &catalog.opportunities[0];
        assert_eq!(opportunity_title(Lang::Da, &catalog, &job.id), job.title);
        let en = if job.title_en.trim().is_empty() {
            &job.title
        } else {
            &job.title_en
        };
        assert_eq!(opportunity_title(Lang::En, &catalog, &job.id), en);
        assert_eq!(opportunity_title(Lang::Da, &catalog, "gone"), "gone");
        let site = &catalog.sites[0];
        assert_eq!(site_name(&catalog, &site.id), site.name);
        assert_eq!(site_name(&catalog, "gone"), "gone");
        let shift = catalog
            .opportunities
            .iter()
            .flat_map(|o| &o.shifts)
            .next()
            .expect("the demo catalog has shifts");
        assert_eq!(
            shift_text(Lang::Da, &catalog, Some(&shift.id)),
            shift_label(Lang::Da, &shift.starts, &shift.ends)
        );
        assert_eq!(shift_text(Lang::Da, &catalog, Some("gone")), "gone");
        assert_eq!(shift_text(Lang::Da, &catalog, None), "");
        assert_eq!(Lang::En.code(), "en");
    }
}
