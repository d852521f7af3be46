//! The catalog editor (admins): the catalog as TOML text, and new consent versions.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use frivillig_common::domain::Catalog;

use crate::AppState;
use crate::http::error::ApiError;
use crate::http::web::secure;
use crate::service::ServiceError;
use crate::service::catalog::catalog as need_catalog;

use super::page::{SavedQuery, error_page, layout, page_catalog};
use super::staff::{Admin, AdminForm, Staff, password_holds, unreadable};

/// The catalog as an editable text (the same TOML the operator's tool exports and imports),
/// and a form for a new version of the consent text (admins only).
pub(super) async fn catalog_page(
    State(state): State<AppState>,
    Admin(s): Admin,
    Query(saved): Query<SavedQuery>,
) -> Response {
    let catalog = match page_catalog(&state).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let text = match frivillig_common::catalog_file::catalog_to_toml(&catalog) {
        Ok(t) => t,
        Err(e) => return ApiError::internal(e).into_response(),
    };
    catalog_editor(
        &s,
        &catalog,
        &text,
        &[],
        saved.gemt.is_some(),
        StatusCode::OK,
    )
}

pub(super) fn catalog_editor(
    s: &Staff,
    catalog: &Catalog,
    text: &str,
    problems: &[String],
    saved: bool,
    status: StatusCode,
) -> Response {
    let lang = s.lang;
    let csrf = s.session.csrf.clone();
    let current = catalog.current_consent();
    let title = lang.t(text::CATALOG);
    let body = html! {
        @if saved { p.ok role="status" { (lang.t(text::THE_CATALOG_IS_SAVED)) } }
        p { (catalog.sites.len()) " " (lang.t(text::SITES)) ", "
            (catalog.opportunities.len()) " " (lang.t(text::JOBS)) ", "
            (catalog.opportunities.iter().map(|o| o.shifts.len()).sum::<usize>()) " " (lang.t(text::SHIFTS)) ", "
            (catalog.ambassadors.len()) " " (lang.t(text::AMBASSADORS)) ", "
            (catalog.handbook.len()) " " (lang.t(text::HANDBOOK_PAGES)) "." }
        section aria-labelledby="edit" {
            h2 id="edit" { label for="catalog" { (lang.t(text::EDIT_THE_CATALOG)) } }
            p.hint id="catalog-hint" { (lang.t(text::SITES_JOBS_WITH_SHIFTS)) }
            @if !problems.is_empty() {
                div.error role="alert" id="catalog-errors" {
                    p { (lang.t(text::THE_CATALOG_WAS_NOT)) }
                    ul { @for p in problems { li { (p) } } }
                }
            }
            form method="post" action="/admin/katalog" {
                input type="hidden" name="csrf" value=(csrf);
                textarea id="catalog" name="toml" rows="30" cols="100" spellcheck="false"
                    aria-describedby=(if problems.is_empty() { "catalog-hint" } else { "catalog-hint catalog-errors" })
                    aria-invalid=[(!problems.is_empty()).then_some("true")] { (text) }
                p { label for="catalog-password" { (lang.t(text::YOUR_PASSWORD)) } br;
                    input id="catalog-password" name="password" type="password" autocomplete="current-password" required; }
                button type="submit" { (lang.t(text::SAVE_THE_CATALOG)) }
            }
        }
        section aria-labelledby="consent" {
            h2 id="consent" { (lang.t(text::NEW_VERSION_OF_THE)) }
            p { (lang.t(text::A_TEXT_SOMEONE_HAS)) }
            @if let Some(c) = current {
                p { (lang.t(text::CURRENT_VERSION)) (c.version) }
            }
            form method="post" action="/admin/katalog/samtykke" {
                input type="hidden" name="csrf" value=(csrf);
                p { label for="text_da" { (lang.t(text::TEXT_IN_DANISH)) } br;
                    textarea id="text_da" name="text_da" rows="4" cols="80" required { (current.map_or("", |c| c.text_da.as_str())) } }
                p { label for="text_en" { (lang.t(text::TEXT_IN_ENGLISH)) } br;
                    textarea id="text_en" name="text_en" rows="4" cols="80" required { (current.map_or("", |c| c.text_en.as_str())) } }
                button type="submit" { (lang.t(text::SAVE_AS_A_NEW)) }
            }
        }
    };
    let mut r = secure(layout(lang, Some(s), title, body));
    *r.status_mut() = status;
    r
}

/// The catalog text as posted.
#[derive(Debug, Default, Deserialize)]
pub struct CatalogForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    toml: String,
    /// The person's password again: a catalog replacement reaches every kiosk.
    #[serde(default)]
    password: String,
}

/// A new consent version as posted.
#[derive(Debug, Default, Deserialize)]
pub struct ConsentForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    text_da: String,
    #[serde(default)]
    text_en: String,
    /// Set on the button under the changes, once they were shown.
    #[serde(default)]
    confirmed: Option<String>,
}

session_form!(CatalogForm, ConsentForm);

pub(super) async fn post_catalog(
    State(state): State<AppState>,
    AdminForm(s, f): AdminForm<CatalogForm>,
) -> Response {
    let current = match need_catalog(&state).await {
        Ok(c) => c,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let lang = s.lang;
    if !password_holds(&s, f.password.clone()).await {
        return catalog_editor(
            &s,
            &current,
            &f.toml,
            &[lang.t(text::WRONG_PASSWORD).to_owned()],
            false,
            StatusCode::FORBIDDEN,
        );
    }
    let parsed = frivillig_common::catalog_file::parse_catalog_toml(&f.toml).map_err(|problems| {
        problems
            .iter()
            .map(|p| p.describe(lang))
            .collect::<Vec<_>>()
    });
    let catalog = match parsed {
        // Consent texts change only through a new version, never in this text.
        Ok(c) if c.consent_texts != current.consent_texts => Err(vec![lang
            .pick(
                "Samtykketeksterne må ikke ændres her. Lav en ny version med formularen nedenfor.",
                "The consent texts may not be changed here. Make a new version with the form below.",
            )
            .to_owned()]),
        other => other,
    };
    let saved = match catalog {
        Ok(c) => crate::service::catalog::replace_catalog(&state, c, &s.username)
            .await
            .map_err(|e| {
                vec![match e {
                    ServiceError::Invalid(m) | ServiceError::Conflict(m) => m,
                    other => other.to_string(),
                }]
            }),
        Err(problems) => Err(problems),
    };
    if let Err(problems) = saved {
        return catalog_editor(
            &s,
            &current,
            &f.toml,
            &problems,
            false,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    Redirect::to("/admin/katalog?gemt=1").into_response()
}

pub(super) async fn post_consent(
    State(state): State<AppState>,
    AdminForm(s, f): AdminForm<ConsentForm>,
) -> Response {
    let (da, en) = (f.text_da.trim(), f.text_en.trim());
    if da.is_empty() || en.is_empty() || da.len() > 10_000 || en.len() > 10_000 {
        return unreadable(&s, StatusCode::BAD_REQUEST);
    }
    let mut catalog = match need_catalog(&state).await {
        Ok(c) => c,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let version = catalog.current_consent().map_or(1, |c| c.version + 1);
    if f.confirmed.is_none() {
        return consent_changes(&s, &catalog, version, da, en);
    }
    catalog
        .consent_texts
        .push(frivillig_common::domain::ConsentText {
            version,
            text_da: da.to_owned(),
            text_en: en.to_owned(),
        });
    if let Err(e) = crate::service::catalog::replace_catalog(&state, catalog, &s.username).await {
        return error_page(&s, e);
    }
    Redirect::to("/admin/katalog?gemt=1").into_response()
}

/// What a new consent version changes, word by word, with the button that saves it: people
/// accept a version, so nobody saves one without seeing what it changes.
fn consent_changes(s: &Staff, catalog: &Catalog, version: u32, da: &str, en: &str) -> Response {
    let lang = s.lang;
    let current = catalog.current_consent();
    let diff = |old: &str, new: &str| -> maud::Markup {
        let d = similar::TextDiff::from_words(old, new);
        html! {
            p.diff { @for c in d.iter_all_changes() {
                @match c.tag() {
                    similar::ChangeTag::Equal => (c.value()),
                    similar::ChangeTag::Delete => del { (c.value()) },
                    similar::ChangeTag::Insert => ins { (c.value()) },
                }
            } }
        }
    };
    let body = html! {
        p { (lang.pick("Sådan ændrer version", "This is how version")) " " (version) " "
            (lang.pick("teksten. Fjernet er overstreget, nyt er understreget.", "changes the text. Removed is struck through, new is underlined.")) }
        h2 { (lang.pick("Dansk", "Danish")) }
        (diff(current.map_or("", |c| c.text_da.as_str()), da))
        h2 { (lang.pick("Engelsk", "English")) }
        (diff(current.map_or("", |c| c.text_en.as_str()), en))
        form method="post" action="/admin/katalog/samtykke" {
            input type="hidden" name="csrf" value=(s.session.csrf);
            input type="hidden" name="text_da" value=(da);
            input type="hidden" name="text_en" value=(en);
            input type="hidden" name="confirmed" value="ja";
            button type="submit" { (lang.pick("Gem som version", "Save as version")) " " (version) }
        }
        p { a href="/admin/katalog" { (lang.pick("Fortryd", "Go back")) } }
    };
    secure(layout(
        lang,
        Some(s),
        lang.pick("Ny samtykketekst", "New consent text"),
        body,
    ))
}

/// The texts of these pages, Danish and English side by side.
mod text {
    use frivillig_common::text::Text;

    pub(super) const CATALOG: Text = ("Katalog", "Catalog");
    pub(super) const THE_CATALOG_IS_SAVED: Text = (
        "Kataloget er gemt. Kioskerne får det ved deres næste synkronisering.",
        "The catalog is saved. The kiosks get it at their next sync.",
    );
    pub(super) const SITES: Text = ("steder", "sites");
    pub(super) const JOBS: Text = ("job", "jobs");
    pub(super) const SHIFTS: Text = ("vagter", "shifts");
    pub(super) const AMBASSADORS: Text = ("ambassadører", "ambassadors");
    pub(super) const HANDBOOK_PAGES: Text = ("håndbogssider", "handbook pages");
    pub(super) const EDIT_THE_CATALOG: Text = ("Rediger kataloget", "Edit the catalog");
    pub(super) const SITES_JOBS_WITH_SHIFTS: Text = (
        "Steder, job med vagter, pladser og krav, ambassadører og håndbogssider (markdown). Tider skrives som 2026-12-05T10:00:00+01:00. Samtykketekster ændres ikke her: lav en ny version nedenfor.",
        "Sites, jobs with shifts, spots and requirements, ambassadors and handbook pages (markdown). Times are written as 2026-12-05T10:00:00+01:00. Consent texts are not changed here: make a new version below.",
    );
    pub(super) const THE_CATALOG_WAS_NOT: Text = (
        "Kataloget er ikke gemt. Ret dette og gem igen:",
        "The catalog was not saved. Correct this and save again:",
    );
    pub(super) const SAVE_THE_CATALOG: Text = ("Gem kataloget", "Save the catalog");
    pub(super) const YOUR_PASSWORD: Text = (
        "Din adgangskode (kataloget når alle kiosker)",
        "Your password (the catalog reaches every kiosk)",
    );
    pub(super) const WRONG_PASSWORD: Text = (
        "Adgangskoden er forkert; kataloget er ikke gemt.",
        "The password is wrong; the catalog is not saved.",
    );
    pub(super) const NEW_VERSION_OF_THE: Text = (
        "Ny version af samtykketeksten",
        "New version of the consent text",
    );
    pub(super) const A_TEXT_SOMEONE_HAS: Text = (
        "En tekst, som nogen har sagt ja til, ændres aldrig. En ny version gælder for nye tilmeldinger; hver tilmelding husker den version, personen accepterede.",
        "A text someone has agreed to is never changed. A new version applies to new signups; each signup records the version the person accepted.",
    );
    pub(super) const CURRENT_VERSION: Text = ("Gældende version: ", "Current version: ");
    pub(super) const TEXT_IN_DANISH: Text = ("Tekst på dansk", "Text in Danish");
    pub(super) const TEXT_IN_ENGLISH: Text = ("Tekst på engelsk", "Text in English");
    pub(super) const SAVE_AS_A_NEW: Text = ("Gem som ny version", "Save as a new version");
}
