//! The catalog as a human-editable TOML file, for municipal staff who keep it in a text
//! editor: import with line-precise errors, export in the same format.
//!
//! ```toml
//! [[site]]
//! id = "bibliotek"
//! name = "Glostrup Bibliotek"
//! kind = "library"            # library, nursing_home, festival, other
//! address = "Kirkevej 2, 2600 Glostrup"
//!
//! [[opportunity]]
//! id = "lektiecafe"
//! site = "bibliotek"
//! title = "Lektiehjælper"
//! title_en = "Homework helper"
//! theme = "børn og unge"
//! description = "Markdown …"
//! child_record_check = true
//! min_age = 18
//! ambassador = "amb-bibliotek"
//!
//! [[opportunity.shift]]
//! id = "lektiecafe-tir"
//! starts = "2026-12-01T15:00:00+01:00"
//! ends = "2026-12-01T17:00:00+01:00"
//! capacity = 4
//! ```
//!
//! plus `[[ambassador]]` (id, name, site, contact), `[[handbook]]` (id, title, body) and
//! `[[consent]]` (version, text_da, text_en).

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::domain::{
    Ambassador, Catalog, ConsentText, EventInfo, HandbookPage, Opportunity, Photo, Requirements,
    Shift, Site, SiteKind, Story,
};

pub use crate::catalog_check::{CatalogProblem, check_catalog};
use crate::catalog_check::{Field, Rule, Thing, catalog_problems};

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileCatalog {
    #[serde(default, rename = "site")]
    sites: Vec<FileSite>,
    #[serde(default, rename = "opportunity")]
    opportunities: Vec<FileOpportunity>,
    #[serde(default, rename = "ambassador")]
    ambassadors: Vec<FileAmbassador>,
    #[serde(default)]
    handbook: Vec<FileHandbook>,
    #[serde(default)]
    consent: Vec<FileConsent>,
    /// Published stories, as the catalog holds them (their consents stay on the server).
    #[serde(default, rename = "story", skip_serializing_if = "Vec::is_empty")]
    stories: Vec<Story>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSite {
    id: Spanned<String>,
    name: String,
    kind: SiteKind,
    #[serde(default)]
    address: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileOpportunity {
    id: Spanned<String>,
    site: Spanned<String>,
    title: String,
    #[serde(default)]
    title_en: String,
    #[serde(default)]
    theme: String,
    #[serde(default)]
    description: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    description_en: String,
    #[serde(default)]
    child_record_check: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    min_age: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ambassador: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    contact: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    visible_from: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    visible_until: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    photo: Option<Photo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    event: Option<EventInfo>,
    #[serde(default, rename = "shift")]
    shifts: Vec<FileShift>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileShift {
    id: Spanned<String>,
    starts: Spanned<String>,
    ends: Spanned<String>,
    capacity: Spanned<u32>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileAmbassador {
    id: Spanned<String>,
    name: String,
    site: Spanned<String>,
    #[serde(default)]
    contact: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    photo: Option<Photo>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileHandbook {
    id: Spanned<String>,
    title: String,
    body: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConsent {
    version: Spanned<u32>,
    text_da: String,
    text_en: String,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Where each entry's fields are in the file, to give a problem its line.
#[derive(Default)]
struct Lines(Vec<((Thing, String, Field), usize)>);

impl Lines {
    fn add<T>(&mut self, text: &str, thing: Thing, id: &str, field: Field, at: &Spanned<T>) {
        self.0.push((
            (thing, id.to_owned(), field),
            line_of(text, at.span().start),
        ));
    }

    /// The line of a problem: its field's, else its entry's id's. A duplicate id points at
    /// the later of the two.
    fn of(&self, p: &CatalogProblem) -> Option<usize> {
        let find = |field: Field| {
            let mut hits = self
                .0
                .iter()
                .filter(|((t, id, f), _)| *t == p.thing && *id == p.id && *f == field)
                .map(|(_, line)| *line);
            if p.rule == Rule::DuplicateId {
                hits.next_back()
            } else {
                hits.next()
            }
        };
        find(p.field).or_else(|| find(Field::Id))
    }
}

fn lines_of(text: &str, f: &FileCatalog) -> Lines {
    let mut l = Lines::default();
    for s in &f.sites {
        l.add(text, Thing::Site, s.id.get_ref(), Field::Id, &s.id);
    }
    for a in &f.ambassadors {
        l.add(text, Thing::Ambassador, a.id.get_ref(), Field::Id, &a.id);
        l.add(
            text,
            Thing::Ambassador,
            a.id.get_ref(),
            Field::Site,
            &a.site,
        );
    }
    for o in &f.opportunities {
        let id = o.id.get_ref();
        l.add(text, Thing::Job, id, Field::Id, &o.id);
        l.add(text, Thing::Job, id, Field::Site, &o.site);
        if let Some(a) = &o.ambassador {
            l.add(text, Thing::Job, id, Field::Ambassador, a);
        }
        if let Some(d) = &o.visible_from {
            l.add(text, Thing::Job, id, Field::VisibleFrom, d);
        }
        if let Some(d) = &o.visible_until {
            l.add(text, Thing::Job, id, Field::VisibleUntil, d);
        }
        for s in &o.shifts {
            let id = s.id.get_ref();
            l.add(text, Thing::Shift, id, Field::Id, &s.id);
            l.add(text, Thing::Shift, id, Field::Starts, &s.starts);
            l.add(text, Thing::Shift, id, Field::Ends, &s.ends);
            l.add(text, Thing::Shift, id, Field::Capacity, &s.capacity);
        }
    }
    for h in &f.handbook {
        l.add(text, Thing::HandbookPage, h.id.get_ref(), Field::Id, &h.id);
    }
    for c in &f.consent {
        let v = c.version.get_ref().to_string();
        l.add(text, Thing::Consent, &v, Field::Id, &c.version);
    }
    l
}

/// Parse and check a catalog file by the rules of [`crate::catalog_check`]. All problems
/// are returned, each with its line.
pub fn parse_catalog_toml(text: &str) -> Result<Catalog, Vec<CatalogProblem>> {
    let file: FileCatalog = toml::from_str(text).map_err(|e| {
        vec![CatalogProblem {
            thing: Thing::Catalog,
            id: String::new(),
            field: Field::Whole,
            rule: Rule::Syntax(e.message().to_owned()),
            line: e.span().map(|s| line_of(text, s.start)),
        }]
    })?;
    let lines = lines_of(text, &file);
    let catalog = into_catalog(file);
    let problems: Vec<CatalogProblem> = catalog_problems(&catalog)
        .into_iter()
        .map(|mut p| {
            p.line = lines.of(&p);
            p
        })
        .collect();
    if problems.is_empty() {
        Ok(catalog)
    } else {
        Err(problems)
    }
}

fn into_catalog(f: FileCatalog) -> Catalog {
    Catalog {
        sites: f
            .sites
            .into_iter()
            .map(|s| Site {
                id: s.id.into_inner(),
                name: s.name,
                kind: s.kind,
                address: s.address,
            })
            .collect(),
        opportunities: f
            .opportunities
            .into_iter()
            .map(|o| Opportunity {
                id: o.id.into_inner(),
                site_id: o.site.into_inner(),
                title: o.title,
                title_en: o.title_en,
                theme: o.theme,
                description_md: o.description,
                description_md_en: o.description_en,
                requirements: Requirements {
                    child_record_check: o.child_record_check,
                    min_age: o.min_age,
                },
                shifts: o
                    .shifts
                    .into_iter()
                    .map(|s| Shift {
                        id: s.id.into_inner(),
                        starts: s.starts.into_inner(),
                        ends: s.ends.into_inner(),
                        capacity: s.capacity.into_inner(),
                    })
                    .collect(),
                ambassador_id: o.ambassador.map(Spanned::into_inner),
                contact: o.contact,
                visible_from: o.visible_from.map(Spanned::into_inner),
                visible_until: o.visible_until.map(Spanned::into_inner),
                photo: o.photo,
                event: o.event,
            })
            .collect(),
        ambassadors: f
            .ambassadors
            .into_iter()
            .map(|a| Ambassador {
                id: a.id.into_inner(),
                name: a.name,
                site_id: a.site.into_inner(),
                contact: a.contact,
                photo: a.photo,
            })
            .collect(),
        handbook: f
            .handbook
            .into_iter()
            .map(|h| HandbookPage {
                id: h.id.into_inner(),
                title: h.title,
                body_md: h.body,
            })
            .collect(),
        consent_texts: f
            .consent
            .into_iter()
            .map(|c| ConsentText {
                version: c.version.into_inner(),
                text_da: c.text_da,
                text_en: c.text_en,
            })
            .collect(),
        stories: f.stories,
    }
}

fn sp<T>(v: T) -> Spanned<T> {
    Spanned::new(0..0, v)
}

/// Write a catalog as a TOML file in the format [`parse_catalog_toml`] reads.
pub fn catalog_to_toml(c: &Catalog) -> Result<String, toml::ser::Error> {
    let file = FileCatalog {
        sites: c
            .sites
            .iter()
            .map(|s| FileSite {
                id: sp(s.id.clone()),
                name: s.name.clone(),
                kind: s.kind,
                address: s.address.clone(),
            })
            .collect(),
        opportunities: c
            .opportunities
            .iter()
            .map(|o| FileOpportunity {
                id: sp(o.id.clone()),
                site: sp(o.site_id.clone()),
                title: o.title.clone(),
                title_en: o.title_en.clone(),
                theme: o.theme.clone(),
                description: o.description_md.clone(),
                description_en: o.description_md_en.clone(),
                child_record_check: o.requirements.child_record_check,
                min_age: o.requirements.min_age,
                ambassador: o.ambassador_id.clone().map(sp),
                contact: o.contact.clone(),
                visible_from: o.visible_from.clone().map(sp),
                visible_until: o.visible_until.clone().map(sp),
                photo: o.photo.clone(),
                event: o.event.clone(),
                shifts: o
                    .shifts
                    .iter()
                    .map(|s| FileShift {
                        id: sp(s.id.clone()),
                        starts: sp(s.starts.clone()),
                        ends: sp(s.ends.clone()),
                        capacity: sp(s.capacity),
                    })
                    .collect(),
            })
            .collect(),
        ambassadors: c
            .ambassadors
            .iter()
            .map(|a| FileAmbassador {
                id: sp(a.id.clone()),
                name: a.name.clone(),
                site: sp(a.site_id.clone()),
                contact: a.contact.clone(),
                photo: a.photo.clone(),
            })
            .collect(),
        handbook: c
            .handbook
            .iter()
            .map(|h| FileHandbook {
                id: sp(h.id.clone()),
                title: h.title.clone(),
                body: h.body_md.clone(),
            })
            .collect(),
        consent: c
            .consent_texts
            .iter()
            .map(|t| FileConsent {
                version: sp(t.version),
                text_da: t.text_da.clone(),
                text_en: t.text_en.clone(),
            })
            .collect(),
        stories: c.stories.clone(),
    };
    toml::to_string_pretty(&file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::demo_catalog;

    #[test]
    fn the_demo_catalog_round_trips_through_toml() {
        let text = catalog_to_toml(&demo_catalog()).expect("toml");
        let back = parse_catalog_toml(&text).expect("parse");
        assert_eq!(back, demo_catalog());
        assert_eq!(catalog_to_toml(&back).expect("toml"), text);
    }

    #[test]
    fn problems_name_their_line() {
        let text = "[[site]]\nid = \"bib\"\nname = \"Bibliotek\"\nkind = \"library\"\n\n[[opportunity]]\nid = \"job\"\nsite = \"nowhere\"\ntitle = \"Job\"\n\n[[opportunity.shift]]\nid = \"s1\"\nstarts = \"2026-12-01T17:00:00+01:00\"\nends = \"2026-12-01T15:00:00+01:00\"\ncapacity = 0\n\n[[consent]]\nversion = 1\ntext_da = \"ja\"\ntext_en = \"yes\"\n";
        let problems = parse_catalog_toml(text).expect_err("invalid");
        let lines: Vec<Option<usize>> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![Some(8), Some(14), Some(15)], "{problems:?}");
        assert_eq!(problems[0].rule, Rule::UnknownSite);
        let syntax = parse_catalog_toml("[[site]]\nid = \"a\"\nname = \n").expect_err("syntax");
        assert_eq!(syntax[0].line, Some(3), "{syntax:?}");
        let unknown =
            parse_catalog_toml("[[site]]\nid = \"a\"\nnavn = \"x\"\n").expect_err("unknown field");
        assert!(unknown[0].line.is_some(), "{unknown:?}");
    }
}
