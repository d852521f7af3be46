//! The demo catalog a fresh server starts with: Glostrup-like sites, jobs with shifts,
//! ambassadors, a few handbook pages and a consent text. All text is our own.
//!
//! Its shifts are placed relative to a day (the server's first start), so the README's
//! first command always shows shifts ahead rather than a list that ended last year.

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Weekday};
use chrono_tz::Europe::Copenhagen;

use crate::domain::{
    Ambassador, Catalog, ConsentText, HandbookPage, Opportunity, Requirements, Shift, Site,
    SiteKind,
};

/// The day [`demo_catalog`] counts from: its shifts are then on 1, 3 and 5 December 2026
/// and at Kulturnat on 8 October 2027. Tests and snapshots that need fixed dates use it.
pub const DEMO_REFERENCE_DAY: (i32, u32, u32) = (2026, 11, 27);

/// The demo catalog as of [`DEMO_REFERENCE_DAY`], with fixed dates.
pub fn demo_catalog() -> Catalog {
    let (y, m, d) = DEMO_REFERENCE_DAY;
    demo_catalog_from(NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default())
}

/// The first `weekday` strictly after `day`.
fn next(day: NaiveDate, weekday: Weekday) -> NaiveDate {
    let ahead = (7 + weekday.num_days_from_monday() as i64
        - day.weekday().num_days_from_monday() as i64)
        % 7;
    day + Duration::days(if ahead == 0 { 7 } else { ahead })
}

/// Kulturnat: the second Friday of October, the first one at least 60 days after `day`.
fn kulturnat_after(day: NaiveDate) -> NaiveDate {
    let mut year = day.year();
    loop {
        let first = NaiveDate::from_ymd_opt(year, 10, 1).unwrap_or(day);
        let second_friday = next(first - Duration::days(1), Weekday::Fri) + Duration::days(7);
        if second_friday >= day + Duration::days(60) {
            return second_friday;
        }
        year += 1;
    }
}

/// `day` at `hour`:00 in Glostrup, RFC 3339 with the offset of that day (summer or winter).
fn at(day: NaiveDate, hour: u32) -> String {
    let naive = day.and_hms_opt(hour, 0, 0).unwrap_or_default();
    Copenhagen
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.fixed_offset().to_rfc3339())
        .unwrap_or_else(|| naive.and_utc().to_rfc3339())
}

/// The demo catalog with its shifts in the weeks after `day`, and Kulturnat in October.
pub fn demo_catalog_from(day: NaiveDate) -> Catalog {
    let tuesday = next(day, Weekday::Tue);
    let thursday = next(tuesday, Weekday::Thu);
    let saturday = next(thursday, Weekday::Sat);
    let kulturnat = kulturnat_after(day);
    let morning_after = kulturnat + Duration::days(1);
    let site = |id: &str, name: &str, kind, address: &str| Site {
        id: id.into(),
        name: name.into(),
        kind,
        address: address.into(),
    };
    let shift = |id: &str, day: NaiveDate, from: u32, to: u32, capacity| Shift {
        id: id.into(),
        starts: at(day, from),
        ends: at(day, to),
        capacity,
    };
    Catalog {
        sites: vec![
            site("bibliotek", "Glostrup Bibliotek", SiteKind::Library, "Kirkevej 2, 2600 Glostrup"),
            site("plejecenter", "Plejecenter Solgården", SiteKind::NursingHome, "Solvej 10, 2600 Glostrup"),
            site("kulturnat", "Kulturnat i Glostrup", SiteKind::Festival, "Byparken, 2600 Glostrup"),
        ],
        opportunities: vec![
            Opportunity {
                id: "lektiecafe".into(),
                site_id: "bibliotek".into(),
                title: "Lektiehjælper i lektiecaféen".into(),
                title_en: "Homework helper at the homework café".into(),
                theme: "børn og unge".into(),
                description_md: "Hjælp skolebørn med dansk, matematik og engelsk en eftermiddag om ugen.\n\n* Du behøver ikke være lærer\n* Vi giver en introduktion og kaffe".into(),
                description_md_en: "Help schoolchildren with Danish, maths and English one afternoon a week.\n\n* You do not need to be a teacher\n* We give you an introduction and coffee".into(),
                requirements: Requirements { child_record_check: true, min_age: Some(18) },
                shifts: vec![
                    shift("lektiecafe-tir", tuesday, 15, 17, 4),
                    shift("lektiecafe-tor", thursday, 15, 17, 4),
                ],
                contact: String::new(),
                visible_from: None,
                visible_until: None,
                photo: None,
                event: None,
                ambassador_id: Some("amb-bibliotek".into()),
            },
            Opportunity {
                id: "hojtlaesning".into(),
                site_id: "bibliotek".into(),
                title: "Højtlæsning for voksne".into(),
                title_en: "Reading aloud for adults".into(),
                theme: "kultur".into(),
                description_md: "Læs noveller og digte højt for en lille gruppe, der holder af at lytte.".into(),
                description_md_en: "Read short stories and poems aloud to a small group who love to listen.".into(),
                requirements: Requirements::default(),
                shifts: Vec::new(),
                contact: String::new(),
                visible_from: None,
                visible_until: None,
                photo: None,
                event: None,
                ambassador_id: Some("amb-bibliotek".into()),
            },
            Opportunity {
                id: "gaatur".into(),
                site_id: "plejecenter".into(),
                title: "Gåtur og kaffe med en beboer".into(),
                title_en: "A walk and a coffee with a resident".into(),
                theme: "ældre".into(),
                description_md: "Tag en beboer med på en tur i haven eller til bageren. Én gang om ugen eller når det passer dig.".into(),
                description_md_en: "Take a resident for a walk in the garden or to the baker. Once a week, or when it suits you.".into(),
                requirements: Requirements { child_record_check: false, min_age: Some(16) },
                shifts: vec![shift("gaatur-lor", saturday, 10, 12, 6)],
                contact: String::new(),
                visible_from: None,
                visible_until: None,
                photo: None,
                event: None,
                ambassador_id: Some("amb-plejecenter".into()),
            },
            Opportunity {
                id: "kulturnat-info".into(),
                site_id: "kulturnat".into(),
                title: "Infoteltet på Kulturnat".into(),
                title_en: "The info tent at Culture Night".into(),
                theme: "kultur".into(),
                description_md: "Vis vej, del programmer ud og hjælp gæster med at finde rundt i byen.".into(),
                description_md_en: "Show the way, hand out programmes and help guests find their way around town.".into(),
                requirements: Requirements { child_record_check: false, min_age: Some(15) },
                shifts: vec![
                    shift("kulturnat-1", kulturnat, 17, 20, 8),
                    shift("kulturnat-2", kulturnat, 20, 23, 8),
                ],
                contact: String::new(),
                visible_from: None,
                visible_until: None,
                photo: None,
                event: None,
                ambassador_id: Some("amb-kultur".into()),
            },
            Opportunity {
                id: "kulturnat-oprydning".into(),
                site_id: "kulturnat".into(),
                title: "Oprydningsholdet efter Kulturnat".into(),
                title_en: "The clean-up crew after Culture Night".into(),
                theme: "miljø".into(),
                description_md: "Saml op, bær borde og gør byparken klar til næste dag. Handsker og morgenmad sørger vi for.".into(),
                description_md_en: "Pick up litter, carry tables and get the town park ready for the next day. We bring gloves and breakfast.".into(),
                requirements: Requirements::default(),
                shifts: vec![shift("oprydning", morning_after, 8, 11, 12)],
                contact: String::new(),
                visible_from: None,
                visible_until: None,
                photo: None,
                event: None,
                ambassador_id: Some("amb-kultur".into()),
            },
        ],
        ambassadors: vec![
            Ambassador { id: "amb-bibliotek".into(), name: "Mette Holm".into(), site_id: "bibliotek".into(), contact: "frivillig.bibliotek@example.dk".into(), photo: None },
            Ambassador { id: "amb-plejecenter".into(), name: "Jens Kragh".into(), site_id: "plejecenter".into(), contact: "+45 43 00 00 01".into(), photo: None },
            Ambassador { id: "amb-kultur".into(), name: "Sara Lind".into(), site_id: "kulturnat".into(), contact: "kulturnat@example.dk".into(), photo: None },
        ],
        handbook: vec![
            HandbookPage {
                id: "hvad-er-frivilligt-arbejde".into(),
                title: "Hvad er frivilligt arbejde?".into(),
                body_md: "Frivilligt arbejde er noget, du vælger at gøre for andre end dig selv og din familie. Det er ulønnet, og du kan altid sige fra.".into(),
            },
            HandbookPage {
                id: "samarbejde".into(),
                title: "Sådan arbejder frivillige og ansatte sammen".into(),
                body_md: "De ansatte har ansvaret for kerneopgaven. Som frivillig giver du noget ekstra: tid, selskab og gode idéer. Spørg altid ambassadøren, hvis du er i tvivl.".into(),
            },
            HandbookPage {
                id: "boerneattest".into(),
                title: "Børneattest".into(),
                body_md: "Arbejder du med børn under 15 år, skal kommunen indhente en børneattest. Du giver samtykke digitalt, og det koster ikke noget.".into(),
            },
        ],
        consent_texts: vec![ConsentText {
            version: 1,
            text_da: "Glostrup Kommune gemmer dit navn, dine kontaktoplysninger og din eventuelle besked for at kunne kontakte dig om det frivillige job, du har valgt. Oplysningerne bruges ikke til andet og slettes senest et år efter, at du er stoppet. Du kan altid se, rette eller slette dine oplysninger via kvitteringen eller ved at kontakte kommunen.".into(),
            text_en: "Glostrup Municipality keeps your name, contact details and any note you leave so that we can contact you about the volunteer job you chose. We use them for nothing else and delete them no later than a year after you stop. You can always see, correct or delete your data through the receipt or by contacting the municipality.".into(),
        }],
        stories: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_day_gives_the_dates_the_tests_were_written_for() {
        let c = demo_catalog();
        let starts: Vec<&str> = c
            .opportunities
            .iter()
            .flat_map(|o| o.shifts.iter().map(|s| s.starts.as_str()))
            .collect();
        assert_eq!(
            starts,
            [
                "2026-12-01T15:00:00+01:00",
                "2026-12-03T15:00:00+01:00",
                "2026-12-05T10:00:00+01:00",
                "2027-10-08T17:00:00+02:00",
                "2027-10-08T20:00:00+02:00",
                "2027-10-09T08:00:00+02:00",
            ]
        );
    }

    #[test]
    fn every_shift_lies_ahead_of_the_day_it_counts_from() {
        let mut day = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
        for _ in 0..800 {
            let c = demo_catalog_from(day);
            let midnight_after = at(day + Duration::days(1), 0);
            for s in c.opportunities.iter().flat_map(|o| &o.shifts) {
                let starts = chrono::DateTime::parse_from_rfc3339(&s.starts).expect("starts");
                let ends = chrono::DateTime::parse_from_rfc3339(&s.ends).expect("ends");
                let tomorrow = chrono::DateTime::parse_from_rfc3339(&midnight_after).expect("t");
                assert!(starts >= tomorrow && ends > starts, "{day}: {s:?}");
            }
            day += Duration::days(1);
        }
    }
}
