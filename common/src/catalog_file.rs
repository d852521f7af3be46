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

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::domain::{
    Ambassador, Catalog, ConsentText, HandbookPage, Opportunity, Requirements, Shift, Site,
    SiteKind,
};

/// One problem in a catalog file: where and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogProblem {
    /// 1-based line, where known.
    pub line: Option<usize>,
    /// What is wrong, in words.
    pub message: String,
}

impl std::fmt::Display for CatalogProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => write!(f, "{}", self.message),
        }
    }
}

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
    #[serde(default)]
    child_record_check: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    min_age: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ambassador: Option<Spanned<String>>,
    #[serde(default, rename = "shift")]
    shifts: Vec<FileShift>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileShift {
    id: Spanned<String>,
    starts: Spanned<String>,
    ends: String,
    capacity: u32,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileAmbassador {
    id: Spanned<String>,
    name: String,
    site: Spanned<String>,
    #[serde(default)]
    contact: String,
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

/// Parse and check a catalog file. All problems are returned, each with its line.
pub fn parse_catalog_toml(text: &str) -> Result<Catalog, Vec<CatalogProblem>> {
    let file: FileCatalog = toml::from_str(text).map_err(|e| {
        vec![CatalogProblem {
            line: e.span().map(|s| line_of(text, s.start)),
            message: e.message().to_owned(),
        }]
    })?;
    let mut problems = Vec::new();
    let at = |span: std::ops::Range<usize>| Some(line_of(text, span.start));
    let mut problem = |line, message: String| problems.push(CatalogProblem { line, message });

    let mut site_ids = HashSet::new();
    for s in &file.sites {
        check_id(
            s.id.get_ref(),
            "site",
            &mut site_ids,
            at(s.id.span()),
            &mut problem,
        );
        if s.name.trim().is_empty() {
            problem(
                at(s.id.span()),
                format!("site {}: name is empty", s.id.get_ref()),
            );
        }
    }
    let mut amb_ids = HashSet::new();
    for a in &file.ambassadors {
        check_id(
            a.id.get_ref(),
            "ambassador",
            &mut amb_ids,
            at(a.id.span()),
            &mut problem,
        );
        if !site_ids.contains(a.site.get_ref()) {
            problem(
                at(a.site.span()),
                format!(
                    "ambassador {}: unknown site {:?}",
                    a.id.get_ref(),
                    a.site.get_ref()
                ),
            );
        }
    }
    let mut opp_ids = HashSet::new();
    let mut shift_ids = HashSet::new();
    for o in &file.opportunities {
        check_id(
            o.id.get_ref(),
            "opportunity",
            &mut opp_ids,
            at(o.id.span()),
            &mut problem,
        );
        if !site_ids.contains(o.site.get_ref()) {
            problem(
                at(o.site.span()),
                format!(
                    "opportunity {}: unknown site {:?}",
                    o.id.get_ref(),
                    o.site.get_ref()
                ),
            );
        }
        if o.title.trim().is_empty() {
            problem(
                at(o.id.span()),
                format!("opportunity {}: title is empty", o.id.get_ref()),
            );
        }
        if let Some(a) = &o.ambassador
            && !amb_ids.contains(a.get_ref())
        {
            problem(
                at(a.span()),
                format!(
                    "opportunity {}: unknown ambassador {:?}",
                    o.id.get_ref(),
                    a.get_ref()
                ),
            );
        }
        for s in &o.shifts {
            check_id(
                s.id.get_ref(),
                "shift",
                &mut shift_ids,
                at(s.id.span()),
                &mut problem,
            );
            let starts = chrono::DateTime::parse_from_rfc3339(s.starts.get_ref());
            let ends = chrono::DateTime::parse_from_rfc3339(&s.ends);
            match (starts, ends) {
                (Ok(a), Ok(b)) if a >= b => problem(
                    at(s.starts.span()),
                    format!("shift {}: ends before it starts", s.id.get_ref()),
                ),
                (Ok(_), Ok(_)) => {}
                _ => problem(
                    at(s.starts.span()),
                    format!(
                        "shift {}: times must look like 2026-12-01T15:00:00+01:00",
                        s.id.get_ref()
                    ),
                ),
            }
            if s.capacity == 0 {
                problem(
                    at(s.id.span()),
                    format!("shift {}: capacity must be at least 1", s.id.get_ref()),
                );
            }
        }
    }
    let mut page_ids = HashSet::new();
    for h in &file.handbook {
        check_id(
            h.id.get_ref(),
            "handbook page",
            &mut page_ids,
            at(h.id.span()),
            &mut problem,
        );
    }
    let mut versions = HashSet::new();
    for c in &file.consent {
        if !versions.insert(*c.version.get_ref()) {
            problem(
                at(c.version.span()),
                format!("consent version {} appears twice", c.version.get_ref()),
            );
        }
        if c.text_da.trim().is_empty() {
            problem(
                at(c.version.span()),
                format!("consent version {}: text_da is empty", c.version.get_ref()),
            );
        }
    }
    if file.consent.is_empty() {
        problem(
            None,
            "the catalog needs at least one [[consent]] text".into(),
        );
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(into_catalog(file))
}

fn check_id(
    id: &str,
    what: &str,
    seen: &mut HashSet<String>,
    line: Option<usize>,
    problem: &mut impl FnMut(Option<usize>, String),
) {
    let valid = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid {
        problem(
            line,
            format!("{what} id {id:?}: use lower-case letters, digits and dashes"),
        );
    } else if !seen.insert(id.to_owned()) {
        problem(line, format!("{what} id {id:?} appears twice"));
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
                        ends: s.ends,
                        capacity: s.capacity,
                    })
                    .collect(),
                ambassador_id: o.ambassador.map(Spanned::into_inner),
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
                child_record_check: o.requirements.child_record_check,
                min_age: o.requirements.min_age,
                ambassador: o.ambassador_id.clone().map(sp),
                shifts: o
                    .shifts
                    .iter()
                    .map(|s| FileShift {
                        id: sp(s.id.clone()),
                        starts: sp(s.starts.clone()),
                        ends: s.ends.clone(),
                        capacity: s.capacity,
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
    };
    toml::to_string_pretty(&file)
}

/// Check a catalog that did not come from a file (e.g. the admin API's JSON).
pub fn check_catalog(c: &Catalog) -> Result<(), Vec<CatalogProblem>> {
    let text = catalog_to_toml(c).map_err(|e| {
        vec![CatalogProblem {
            line: None,
            message: e.to_string(),
        }]
    })?;
    parse_catalog_toml(&text).map(|_| ()).map_err(|ps| {
        ps.into_iter()
            .map(|p| CatalogProblem {
                line: None,
                message: p.message,
            })
            .collect()
    })
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
        assert_eq!(lines, vec![Some(8), Some(13), Some(12)], "{problems:?}");
        assert!(problems[0].message.contains("unknown site"));
        let syntax = parse_catalog_toml("[[site]]\nid = \"a\"\nname = \n").expect_err("syntax");
        assert_eq!(syntax[0].line, Some(3), "{syntax:?}");
        let unknown =
            parse_catalog_toml("[[site]]\nid = \"a\"\nnavn = \"x\"\n").expect_err("unknown field");
        assert!(unknown[0].line.is_some(), "{unknown:?}");
    }
}
