//! Sites (admins) and ambassadors (coordinators for their own sites, admins for all) as
//! forms: the list, a new one, and editing one. Each save is one checked catalog change.

use axum::extract::{Path, State};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;

use frivillig_common::catalog_check::{CatalogProblem, Field, Thing};
use frivillig_common::domain::{Ambassador, Catalog, Site, SiteKind};

use crate::AppState;
use crate::http::web::{Lang, secure};
use crate::service::catalog_edit::{ambassador_edit, site_edit};

use super::form::{Errors, Kind, check_and_save, field, form_page, select, summary};
use super::jobs::{editor, not_yours, site_choices};
use super::page::{SavedQuery, layout, page_catalog};
use super::staff::{Staff, StaffForm};

const KINDS: [(SiteKind, &str, &str, &str); 4] = [
    (SiteKind::Library, "library", "Bibliotek", "Library"),
    (
        SiteKind::NursingHome,
        "nursing_home",
        "Plejecenter",
        "Nursing home",
    ),
    (
        SiteKind::Festival,
        "festival",
        "Festival eller begivenhed",
        "Festival or event",
    ),
    (SiteKind::Other, "other", "Andet", "Other"),
];

/// Sites and their ambassadors.
pub(super) async fn places_page(
    State(state): State<AppState>,
    s: Staff,
    axum::extract::Query(saved): axum::extract::Query<SavedQuery>,
) -> Response {
    let catalog = match page_catalog(&state).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let (lang, ed) = (s.lang, editor(&s));
    let body = html! {
        @if saved.gemt.is_some() { p.ok role="status" { (lang.pick("Ændringen er gemt.", "The change is saved.")) } }
        p {
            @if s.is_admin() { a.button href="/admin/steder/ny" { (lang.pick("Nyt sted", "New site")) } " " }
            a.button href="/admin/ambassadoerer/ny" { (lang.pick("Ny ambassadør", "New ambassador")) }
        }
        @for site in catalog.sites.iter().filter(|x| ed.may_edit(&x.id)) {
            h2 { (site.name) }
            p { (site.address) @if s.is_admin() { " · " a href=(format!("/admin/steder/{}", site.id)) { (lang.pick("Ret stedet", "Edit the site")) span.visually-hidden { " " (site.name) } } } }
            ul { @for a in catalog.ambassadors.iter().filter(|a| a.site_id == site.id) {
                li { a href=(format!("/admin/ambassadoerer/{}", a.id)) { (a.name) } " · " (a.contact) }
            } }
        }
    };
    secure(layout(
        lang,
        Some(&s),
        lang.pick("Steder og ambassadører", "Sites and ambassadors"),
        body,
    ))
}

/// A site as posted.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct SiteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    address: String,
}

session_form!(SiteForm, AmbassadorForm);

impl SiteForm {
    fn of(x: &Site) -> SiteForm {
        let kind = KINDS
            .iter()
            .find(|k| k.0 == x.kind)
            .map_or("other", |k| k.1);
        SiteForm {
            id: x.id.clone(),
            name: x.name.clone(),
            kind: kind.into(),
            address: x.address.clone(),
            csrf: String::new(),
        }
    }

    fn site(&self) -> Site {
        Site {
            id: self.id.trim().to_owned(),
            name: self.name.trim().to_owned(),
            kind: KINDS
                .iter()
                .find(|k| k.1 == self.kind)
                .map_or(SiteKind::Other, |k| k.0),
            address: self.address.trim().to_owned(),
        }
    }
}

fn field_of(p: &CatalogProblem) -> &'static str {
    match (p.thing, p.field) {
        (_, Field::Id) => "id",
        (Thing::Ambassador, Field::Site) => "site",
        _ => "name",
    }
}

const LABELS: &[(&str, &str)] = &[("id", "Id"), ("name", "Navn"), ("site", "Sted")];

fn site_form(s: &Staff, action: &str, v: &SiteForm, new: bool, errors: &Errors) -> Markup {
    let lang = s.lang;
    let kinds: Vec<(String, String)> = KINDS
        .iter()
        .map(|k| (k.1.to_owned(), lang.pick(k.2, k.3).to_owned()))
        .collect();
    html! {
        (summary(lang, errors, LABELS))
        form method="post" action=(action) novalidate {
            input type="hidden" name="csrf" value=(s.session.csrf);
            @if new { (field(errors, "id", "Id", &v.id, Kind::Text, true, Some(lang.pick("Små bogstaver, tal og bindestreger. Kan ikke ændres siden.", "Lower-case letters, digits and dashes. Cannot be changed later.")))) }
            (field(errors, "name", lang.pick("Navn", "Name"), &v.name, Kind::Text, true, None))
            (select(errors, "kind", lang.pick("Slags sted", "Kind of place"), &kinds, &v.kind))
            (field(errors, "address", lang.pick("Adresse", "Address"), &v.address, Kind::Text, false, None))
            button type="submit" { (lang.pick("Gem stedet", "Save the site")) }
        }
    }
}

/// The form for a new site (admins).
pub(super) async fn new_site_page(State(state): State<AppState>, s: Staff) -> Response {
    site_page_for(&state, s, None).await
}

/// One site's form (admins).
pub(super) async fn site_page(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
) -> Response {
    site_page_for(&state, s, Some(id)).await
}

async fn site_page_for(state: &AppState, s: Staff, id: Option<String>) -> Response {
    let catalog = match page_catalog(state).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    if !s.is_admin() {
        return not_yours(&s);
    }
    let (v, action, new) = match &id {
        Some(id) => match catalog.sites.iter().find(|x| &x.id == id) {
            Some(x) => (SiteForm::of(x), format!("/admin/steder/{id}"), false),
            None => return not_yours(&s),
        },
        None => (
            SiteForm {
                kind: "library".into(),
                ..SiteForm::default()
            },
            "/admin/steder/ny".to_owned(),
            true,
        ),
    };
    let title = s.lang.pick("Sted", "Site");
    form_page(
        &s,
        title,
        site_form(&s, &action, &v, new, &Errors::default()),
        &Errors::default(),
    )
}

/// Save a new site.
pub(super) async fn post_new_site(
    State(state): State<AppState>,
    StaffForm(s, f): StaffForm<SiteForm>,
) -> Response {
    post_site_for(&state, None, s, f).await
}

/// Save the site in the path.
pub(super) async fn post_site(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm(s, f): StaffForm<SiteForm>,
) -> Response {
    post_site_for(&state, Some(id), s, f).await
}

async fn post_site_for(
    state: &AppState,
    existing: Option<String>,
    s: Staff,
    f: SiteForm,
) -> Response {
    let catalog = match page_catalog(state).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let ed = editor(&s);
    let mut errors = Errors::default();
    let target = format!("site {}", existing.as_deref().unwrap_or(f.id.trim()));
    let make = || site_edit(&ed, existing.as_deref(), f.site());
    let done = "/admin/steder?gemt=1";
    if let Some(r) = check_and_save(
        state,
        &s,
        &catalog,
        &mut errors,
        &target,
        done,
        make,
        field_of,
    )
    .await
    {
        return r;
    }
    let action = existing
        .as_deref()
        .map_or("/admin/steder/ny".to_owned(), |id| {
            format!("/admin/steder/{id}")
        });
    form_page(
        &s,
        s.lang.pick("Sted", "Site"),
        site_form(&s, &action, &f, existing.is_none(), &errors),
        &errors,
    )
}

/// An ambassador as posted.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct AmbassadorForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    site: String,
    #[serde(default)]
    contact: String,
}

impl AmbassadorForm {
    fn of(a: &Ambassador) -> AmbassadorForm {
        AmbassadorForm {
            id: a.id.clone(),
            name: a.name.clone(),
            site: a.site_id.clone(),
            contact: a.contact.clone(),
            csrf: String::new(),
        }
    }

    fn ambassador(&self) -> Ambassador {
        Ambassador {
            id: self.id.trim().to_owned(),
            name: self.name.trim().to_owned(),
            site_id: self.site.trim().to_owned(),
            contact: self.contact.trim().to_owned(),
            photo: None,
        }
    }
}

fn ambassador_form(
    s: &Staff,
    catalog: &Catalog,
    action: &str,
    v: &AmbassadorForm,
    new: bool,
    errors: &Errors,
) -> Markup {
    let (lang, ed) = (s.lang, editor(s));
    let sites = site_choices(&ed, catalog);
    html! {
        (summary(lang, errors, LABELS))
        form method="post" action=(action) novalidate {
            input type="hidden" name="csrf" value=(s.session.csrf);
            @if new { (field(errors, "id", "Id", &v.id, Kind::Text, true, Some(lang.pick("Små bogstaver, tal og bindestreger, fx amb-bibliotek.", "Lower-case letters, digits and dashes, e.g. amb-bibliotek.")))) }
            (field(errors, "name", lang.pick("Navn", "Name"), &v.name, Kind::Text, true, None))
            (select(errors, "site", lang.pick("Sted", "Site"), &sites, &v.site))
            (field(errors, "contact", lang.pick("Arbejdsmail eller telefon (vises offentligt)", "Work e-mail or phone (shown publicly)"), &v.contact, Kind::Text, false, None))
            button type="submit" { (lang.pick("Gem ambassadøren", "Save the ambassador")) }
        }
        @if !new { p { a href=(format!("/admin/ambassadoerer/{}/foto", v.id)) { (lang.pick("Foto af ambassadøren", "The ambassador's photo")) } } }
    }
}

fn ambassador_title(lang: Lang) -> &'static str {
    lang.pick("Ambassadør", "Ambassador")
}

/// The form for a new ambassador.
pub(super) async fn new_ambassador_page(State(state): State<AppState>, s: Staff) -> Response {
    ambassador_page_for(&state, s, None).await
}

/// One ambassador's form.
pub(super) async fn ambassador_page(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
) -> Response {
    ambassador_page_for(&state, s, Some(id)).await
}

async fn ambassador_page_for(state: &AppState, s: Staff, id: Option<String>) -> Response {
    let catalog = match page_catalog(state).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let ed = editor(&s);
    let (v, action, new) = match &id {
        Some(id) => match catalog
            .ambassadors
            .iter()
            .find(|a| &a.id == id && ed.may_edit(&a.site_id))
        {
            Some(a) => (
                AmbassadorForm::of(a),
                format!("/admin/ambassadoerer/{id}"),
                false,
            ),
            None => return not_yours(&s),
        },
        None => {
            let site = catalog
                .sites
                .iter()
                .find(|x| ed.may_edit(&x.id))
                .map(|x| x.id.clone())
                .unwrap_or_default();
            (
                AmbassadorForm {
                    site,
                    ..AmbassadorForm::default()
                },
                "/admin/ambassadoerer/ny".to_owned(),
                true,
            )
        }
    };
    let errors = Errors::default();
    form_page(
        &s,
        ambassador_title(s.lang),
        ambassador_form(&s, &catalog, &action, &v, new, &errors),
        &errors,
    )
}

/// Save a new ambassador.
pub(super) async fn post_new_ambassador(
    State(state): State<AppState>,
    StaffForm(s, f): StaffForm<AmbassadorForm>,
) -> Response {
    post_ambassador_for(&state, None, s, f).await
}

/// Save the ambassador in the path.
pub(super) async fn post_ambassador(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm(s, f): StaffForm<AmbassadorForm>,
) -> Response {
    post_ambassador_for(&state, Some(id), s, f).await
}

async fn post_ambassador_for(
    state: &AppState,
    existing: Option<String>,
    s: Staff,
    f: AmbassadorForm,
) -> Response {
    let catalog = match page_catalog(state).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let ed = editor(&s);
    let mut errors = Errors::default();
    if !ed.may_edit(f.site.trim()) {
        errors.add(
            "site",
            s.lang.pick(
                "Vælg et af dine egne steder.",
                "Choose one of your own sites.",
            ),
        );
    }
    if let Some(id) = &existing
        && !catalog
            .ambassadors
            .iter()
            .any(|a| &a.id == id && ed.may_edit(&a.site_id))
    {
        return not_yours(&s);
    }
    let target = format!("ambassador {}", existing.as_deref().unwrap_or(f.id.trim()));
    let make = || ambassador_edit(&ed, existing.as_deref(), f.ambassador());
    let done = "/admin/steder?gemt=1";
    if let Some(r) = check_and_save(
        state,
        &s,
        &catalog,
        &mut errors,
        &target,
        done,
        make,
        field_of,
    )
    .await
    {
        return r;
    }
    let action = existing
        .as_deref()
        .map_or("/admin/ambassadoerer/ny".to_owned(), |id| {
            format!("/admin/ambassadoerer/{id}")
        });
    form_page(
        &s,
        ambassador_title(s.lang),
        ambassador_form(&s, &catalog, &action, &f, existing.is_none(), &errors),
        &errors,
    )
}
