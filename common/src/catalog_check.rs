//! The rules a catalog must meet, in one place: the TOML import, the admin API's JSON and
//! the admin app's forms all check a catalog here, so a form can never save what an import
//! would refuse. Each problem names the thing, its id and the field, so a form shows it
//! next to the field and an import next to its line.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate};

use crate::domain::{Catalog, Photo};
use crate::text::Lang;

/// What kind of entry a problem is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Thing {
    /// A site.
    Site,
    /// A volunteer job.
    Job,
    /// A shift of a job.
    Shift,
    /// An ambassador.
    Ambassador,
    /// A handbook page.
    HandbookPage,
    /// A good story.
    Story,
    /// A consent text, by its version.
    Consent,
    /// The catalog as a whole.
    Catalog,
}

/// Which field of the entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// The id.
    Id,
    /// A name.
    Name,
    /// A title.
    Title,
    /// The site it belongs to.
    Site,
    /// The ambassador named.
    Ambassador,
    /// The start.
    Starts,
    /// The end.
    Ends,
    /// The capacity.
    Capacity,
    /// The first day shown.
    VisibleFrom,
    /// The last day shown.
    VisibleUntil,
    /// An event's last day to register.
    RegisterUntil,
    /// The job a story belongs to.
    Job,
    /// The day a story was published.
    PublishedOn,
    /// The Danish text.
    TextDa,
    /// The version.
    Version,
    /// A photo's alternative text.
    PhotoAlt,
    /// A photo's id.
    Photo,
    /// The entry as a whole.
    Whole,
}

/// Which rule is broken.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Rule {
    /// A file that is not TOML of the catalog's shape (the parser's words).
    Syntax(String),
    /// An id must be lower-case letters, digits and dashes, at most 64.
    BadId,
    /// An id appears twice.
    DuplicateId,
    /// The field is required.
    Empty,
    /// The site named does not exist.
    UnknownSite,
    /// The ambassador named does not exist.
    UnknownAmbassador,
    /// The job named does not exist.
    UnknownJob,
    /// A time is not RFC 3339 with an offset.
    BadTime,
    /// The end is not after the start.
    EndsBeforeStart,
    /// A capacity of 0.
    NoCapacity,
    /// A date is not `YYYY-MM-DD`.
    BadDate,
    /// The last day shown is before the first.
    UntilBeforeFrom,
    /// The catalog has no consent text.
    NoConsent,
    /// A photo's id is not a content hash.
    BadPhoto,
}

/// One problem: where (thing, id, field, and the line of a file where known) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogProblem {
    /// The kind of entry.
    pub thing: Thing,
    /// The entry's id (a consent text's version as digits); empty for the catalog.
    pub id: String,
    /// The field.
    pub field: Field,
    /// The rule broken.
    pub rule: Rule,
    /// 1-based line in a file, where known.
    pub line: Option<usize>,
}

impl CatalogProblem {
    fn new(thing: Thing, id: &str, field: Field, rule: Rule) -> Self {
        CatalogProblem {
            thing,
            id: id.to_owned(),
            field,
            rule,
            line: None,
        }
    }

    /// What is wrong, in words, without naming the entry (for beside a form's field).
    pub fn text(&self, lang: Lang) -> String {
        let (da, en) = match &self.rule {
            Rule::Syntax(words) => {
                let lead = lang.pick("Filen kan ikke læses", "The file cannot be read");
                return format!("{lead}: {words}");
            }
            Rule::BadId => (
                "Brug små bogstaver, tal og bindestreger (højst 64 tegn).",
                "Use lower-case letters, digits and dashes (at most 64).",
            ),
            Rule::DuplicateId => ("Findes allerede.", "Already exists."),
            Rule::Empty => ("Skal udfyldes.", "Required."),
            Rule::UnknownSite => ("Stedet findes ikke.", "No such site."),
            Rule::UnknownAmbassador => ("Ambassadøren findes ikke.", "No such ambassador."),
            Rule::UnknownJob => ("Jobbet findes ikke.", "No such job."),
            Rule::BadTime => (
                "Skriv tidspunktet som 2026-12-01T15:00:00+01:00.",
                "Write the time as 2026-12-01T15:00:00+01:00.",
            ),
            Rule::EndsBeforeStart => (
                "Slutter før eller samtidig med, at den begynder.",
                "Ends before or when it starts.",
            ),
            Rule::NoCapacity => ("Der skal være plads til mindst 1.", "Must be at least 1."),
            Rule::BadDate => (
                "Skriv datoen som 2026-12-31.",
                "Write the date as 2026-12-31.",
            ),
            Rule::UntilBeforeFrom => (
                "Den sidste dag ligger før den første.",
                "The last day is before the first.",
            ),
            Rule::BadPhoto => (
                "Fotoet findes ikke; upload det igen.",
                "The photo does not exist; upload it again.",
            ),
            Rule::NoConsent => (
                "Kataloget skal have mindst én samtykketekst.",
                "The catalog needs at least one consent text.",
            ),
        };
        lang.pick(da, en).to_owned()
    }

    /// The problem with the entry it is in, without the line (for `file:line: …`).
    pub fn message(&self, lang: Lang) -> String {
        let thing = match self.thing {
            Thing::Site => lang.pick("Sted", "Site"),
            Thing::Job => lang.pick("Job", "Job"),
            Thing::Shift => lang.pick("Vagt", "Shift"),
            Thing::Ambassador => lang.pick("Ambassadør", "Ambassador"),
            Thing::HandbookPage => lang.pick("Håndbogsside", "Handbook page"),
            Thing::Story => lang.pick("Historie", "Story"),
            Thing::Consent => lang.pick("Samtykketekst version", "Consent text version"),
            Thing::Catalog => return self.text(lang),
        };
        format!("{thing} {:?}: {}", self.id, self.text(lang))
    }

    /// The problem with its line and entry, for a list of problems (an import).
    pub fn describe(&self, lang: Lang) -> String {
        match self.line {
            Some(line) => format!(
                "{} {line}: {}",
                lang.pick("Linje", "Line"),
                self.message(lang)
            ),
            None => self.message(lang),
        }
    }
}

impl std::fmt::Display for CatalogProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe(Lang::En))
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Ids of one kind seen so far: each must be valid and new.
struct Ids {
    thing: Thing,
    seen: HashSet<String>,
}

impl Ids {
    fn new(thing: Thing) -> Self {
        Ids {
            thing,
            seen: HashSet::new(),
        }
    }

    fn add(&mut self, id: &str, out: &mut Vec<CatalogProblem>) {
        if !valid_id(id) {
            out.push(CatalogProblem::new(self.thing, id, Field::Id, Rule::BadId));
        } else if !self.seen.insert(id.to_owned()) {
            out.push(CatalogProblem::new(
                self.thing,
                id,
                Field::Id,
                Rule::DuplicateId,
            ));
        }
    }
}

fn date(s: &Option<String>) -> Result<Option<NaiveDate>, ()> {
    match s.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| ()),
    }
}

/// A photo must be named by its content hash and say what it shows.
fn photo_problems(photo: Option<&Photo>, thing: Thing, id: &str, out: &mut Vec<CatalogProblem>) {
    let Some(photo) = photo else { return };
    if !Photo::valid_id(&photo.id) {
        out.push(CatalogProblem::new(thing, id, Field::Photo, Rule::BadPhoto));
    }
    if photo.alt_da.trim().is_empty() {
        out.push(CatalogProblem::new(thing, id, Field::PhotoAlt, Rule::Empty));
    }
}

/// Every problem of `c`, in the catalog's order (sites, ambassadors, jobs and their shifts,
/// handbook, consent texts). Empty when the catalog may be saved.
pub fn catalog_problems(c: &Catalog) -> Vec<CatalogProblem> {
    let mut out = Vec::new();
    let p = CatalogProblem::new;
    let mut sites = Ids::new(Thing::Site);
    for s in &c.sites {
        sites.add(&s.id, &mut out);
        if s.name.trim().is_empty() {
            out.push(p(Thing::Site, &s.id, Field::Name, Rule::Empty));
        }
    }
    let mut ambassadors = Ids::new(Thing::Ambassador);
    for a in &c.ambassadors {
        ambassadors.add(&a.id, &mut out);
        if a.name.trim().is_empty() {
            out.push(p(Thing::Ambassador, &a.id, Field::Name, Rule::Empty));
        }
        if !sites.seen.contains(&a.site_id) {
            out.push(p(Thing::Ambassador, &a.id, Field::Site, Rule::UnknownSite));
        }
        photo_problems(a.photo.as_ref(), Thing::Ambassador, &a.id, &mut out);
    }
    let mut jobs = Ids::new(Thing::Job);
    let mut shifts = Ids::new(Thing::Shift);
    for o in &c.opportunities {
        jobs.add(&o.id, &mut out);
        let job = |field, rule| p(Thing::Job, &o.id, field, rule);
        if !sites.seen.contains(&o.site_id) {
            out.push(job(Field::Site, Rule::UnknownSite));
        }
        if o.title.trim().is_empty() {
            out.push(job(Field::Title, Rule::Empty));
        }
        if let Some(a) = &o.ambassador_id
            && !ambassadors.seen.contains(a)
        {
            out.push(job(Field::Ambassador, Rule::UnknownAmbassador));
        }
        photo_problems(o.photo.as_ref(), Thing::Job, &o.id, &mut out);
        match (date(&o.visible_from), date(&o.visible_until)) {
            (Ok(Some(from)), Ok(Some(until))) if until < from => {
                out.push(job(Field::VisibleUntil, Rule::UntilBeforeFrom));
            }
            (from, until) => {
                if from.is_err() {
                    out.push(job(Field::VisibleFrom, Rule::BadDate));
                }
                if until.is_err() {
                    out.push(job(Field::VisibleUntil, Rule::BadDate));
                }
            }
        }
        if let Some(e) = &o.event
            && date(&e.register_until).is_err()
        {
            out.push(job(Field::RegisterUntil, Rule::BadDate));
        }
        for s in &o.shifts {
            shifts.add(&s.id, &mut out);
            let shift = |field, rule| p(Thing::Shift, &s.id, field, rule);
            match (
                DateTime::parse_from_rfc3339(&s.starts),
                DateTime::parse_from_rfc3339(&s.ends),
            ) {
                (Ok(a), Ok(b)) if a >= b => out.push(shift(Field::Ends, Rule::EndsBeforeStart)),
                (a, b) => {
                    if a.is_err() {
                        out.push(shift(Field::Starts, Rule::BadTime));
                    }
                    if b.is_err() {
                        out.push(shift(Field::Ends, Rule::BadTime));
                    }
                }
            }
            if s.capacity == 0 {
                out.push(shift(Field::Capacity, Rule::NoCapacity));
            }
        }
    }
    let mut stories = Ids::new(Thing::Story);
    for st in &c.stories {
        stories.add(&st.id, &mut out);
        let story = |field, rule| p(Thing::Story, &st.id, field, rule);
        if st.title.trim().is_empty() {
            out.push(story(Field::Title, Rule::Empty));
        }
        if !sites.seen.contains(&st.site_id) {
            out.push(story(Field::Site, Rule::UnknownSite));
        }
        if let Some(j) = &st.opportunity_id
            && !jobs.seen.contains(j)
        {
            out.push(story(Field::Job, Rule::UnknownJob));
        }
        if date(&Some(st.published_on.clone())).is_err() {
            out.push(story(Field::PublishedOn, Rule::BadDate));
        }
        photo_problems(st.photo.as_ref(), Thing::Story, &st.id, &mut out);
    }
    let mut pages = Ids::new(Thing::HandbookPage);
    for h in &c.handbook {
        pages.add(&h.id, &mut out);
        if h.title.trim().is_empty() {
            out.push(p(Thing::HandbookPage, &h.id, Field::Title, Rule::Empty));
        }
    }
    let mut versions = HashSet::new();
    for t in &c.consent_texts {
        let v = t.version.to_string();
        if !versions.insert(t.version) {
            out.push(p(Thing::Consent, &v, Field::Version, Rule::DuplicateId));
        }
        if t.text_da.trim().is_empty() {
            out.push(p(Thing::Consent, &v, Field::TextDa, Rule::Empty));
        }
    }
    if c.consent_texts.is_empty() {
        out.push(p(Thing::Catalog, "", Field::Whole, Rule::NoConsent));
    }
    out
}

/// Check a catalog: `Ok` when it may be saved, else every problem.
pub fn check_catalog(c: &Catalog) -> Result<(), Vec<CatalogProblem>> {
    let problems = catalog_problems(c);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::demo_catalog;

    #[test]
    fn the_demo_catalog_meets_every_rule() {
        assert_eq!(catalog_problems(&demo_catalog()), Vec::new());
    }

    #[test]
    fn each_problem_names_its_entry_and_field() {
        let mut c = demo_catalog();
        c.opportunities[0].title = " ".into();
        c.opportunities[0].visible_from = Some("2027-02-01".into());
        c.opportunities[0].visible_until = Some("2027-01-01".into());
        c.opportunities[1].shifts = c.opportunities[0].shifts.clone();
        c.opportunities[2].shifts[0].capacity = 0;
        c.opportunities[2].shifts[0].ends = "i morgen".into();
        let got: Vec<(Thing, String, Field, Rule)> = catalog_problems(&c)
            .into_iter()
            .map(|p| (p.thing, p.id, p.field, p.rule))
            .collect();
        let job = |f, r| (Thing::Job, "lektiecafe".to_owned(), f, r);
        assert_eq!(
            got,
            vec![
                job(Field::Title, Rule::Empty),
                job(Field::VisibleUntil, Rule::UntilBeforeFrom),
                (
                    Thing::Shift,
                    "lektiecafe-tir".into(),
                    Field::Id,
                    Rule::DuplicateId
                ),
                (
                    Thing::Shift,
                    "lektiecafe-tor".into(),
                    Field::Id,
                    Rule::DuplicateId
                ),
                (
                    Thing::Shift,
                    "gaatur-lor".into(),
                    Field::Ends,
                    Rule::BadTime
                ),
                (
                    Thing::Shift,
                    "gaatur-lor".into(),
                    Field::Capacity,
                    Rule::NoCapacity
                ),
            ]
        );
    }
}
