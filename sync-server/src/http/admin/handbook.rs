//! The handbook's pages as forms (admins): the pages in their order with buttons to move
//! them, and a page's form whose preview is drawn by the portal's own markdown code (the
//! kiosk parses the same blocks), so what the preview shows is what volunteers will read.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use frivillig_common::catalog_check::{CatalogProblem, Field};
use frivillig_common::domain::HandbookPage;

use crate::AppState;
use crate::http::portal::markdown_html;
use crate::http::web::secure;
use crate::service::catalog_edit::{PageMove, page_edit, page_order_edit, problems_of, save};

use super::form::{Errors, Kind, check_and_save, field, form_page, summary};
use super::jobs::{editor, not_yours};
use super::page::{SavedQuery, error_page, layout, page_catalog};
use super::staff::{Staff, StaffForm};

/// The handbook's pages in order (admins).
pub(super) async fn handbook_page(
    State(state): State<AppState>,
    s: Staff,
    axum::extract::Query(saved): axum::extract::Query<SavedQuery>,
) -> Response {
    if !s.is_admin() {
        return not_yours(&s);
    }
    let catalog = match page_catalog(&state).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let lang = s.lang;
    let button = |id: &str, to: &str, label: &str, title: &str| -> Markup {
        html! {
            form.inline method="post" action=(format!("/admin/haandbog/{id}/{to}")) {
                input type="hidden" name="csrf" value=(s.session.csrf);
                button.secondary type="submit" { (label) span.visually-hidden { " " (title) } }
            }
        }
    };
    let body = html! {
        @if saved.gemt.is_some() { p.ok role="status" { (lang.pick("Ændringen er gemt.", "The change is saved.")) } }
        p { a.button href="/admin/haandbog/ny" { (lang.pick("Ny side", "New page")) } }
        ol { @for (i, p) in catalog.handbook.iter().enumerate() {
            li {
                a href=(format!("/admin/haandbog/{}", p.id)) { (p.title) } " "
                @if i > 0 { (button(&p.id, "op", lang.pick("Op", "Up"), &p.title)) " " }
                @if i + 1 < catalog.handbook.len() { (button(&p.id, "ned", lang.pick("Ned", "Down"), &p.title)) " " }
                (button(&p.id, "fjern", lang.pick("Fjern", "Remove"), &p.title))
            }
        } }
    };
    secure(layout(
        lang,
        Some(&s),
        lang.pick("Håndbogen", "The handbook"),
        body,
    ))
}

/// A page as posted; `preview` set by the preview button.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct PageForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    preview: Option<String>,
}

session_form!(PageForm);

impl PageForm {
    fn page(&self) -> HandbookPage {
        HandbookPage {
            id: self.id.trim().to_owned(),
            title: self.title.trim().to_owned(),
            body_md: self.body.replace("\r\n", "\n").trim().to_owned(),
        }
    }
}

fn field_of(p: &CatalogProblem) -> &'static str {
    match p.field {
        Field::Id => "id",
        _ => "title",
    }
}

fn page_form(s: &Staff, action: &str, v: &PageForm, new: bool, errors: &Errors) -> Markup {
    let lang = s.lang;
    html! {
        (summary(lang, errors, &[("id", "Id"), ("title", "Titel")]))
        form method="post" action=(action) novalidate {
            input type="hidden" name="csrf" value=(s.session.csrf);
            @if new { (field(errors, "id", lang.pick("Id (i adressen)", "Id (in the address)"), &v.id, Kind::Text, true, Some(lang.pick("Små bogstaver, tal og bindestreger.", "Lower-case letters, digits and dashes.")))) }
            (field(errors, "title", lang.pick("Titel", "Title"), &v.title, Kind::Text, true, None))
            (field(errors, "body", lang.pick("Tekst (markdown)", "Text (markdown)"), &v.body, Kind::Area, false,
                Some(lang.pick("# Overskrift, tom linje mellem afsnit, * punkter.", "# Heading, an empty line between paragraphs, * bullets."))))
            button.secondary type="submit" name="preview" value="ja" { (lang.pick("Vis forhåndsvisning", "Show preview")) }
            " "
            button type="submit" { (lang.pick("Gem siden", "Save the page")) }
        }
        // Filled as the text is typed (preview.js); the server draws it, as below.
        section.preview id="live-preview" aria-live="polite" hidden {}
        script src=(PREVIEW_PATH) {}
        @if v.preview.is_some() {
            section.preview aria-labelledby="preview" {
                h2 id="preview" { (lang.pick("Forhåndsvisning (ikke gemt)", "Preview (not saved)")) }
                h3 { (v.title) }
                (markdown_html(&v.body))
            }
        }
    }
}

/// The form for a new page.
pub(super) async fn new_page(State(state): State<AppState>, s: Staff) -> Response {
    page_for(&state, s, None).await
}

/// One page's form.
pub(super) async fn page(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
) -> Response {
    page_for(&state, s, Some(id)).await
}

async fn page_for(state: &AppState, s: Staff, id: Option<String>) -> Response {
    if !s.is_admin() {
        return not_yours(&s);
    }
    let catalog = match page_catalog(state).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let (v, action) = match &id {
        Some(id) => match catalog.handbook.iter().find(|p| &p.id == id) {
            Some(p) => (
                PageForm {
                    id: p.id.clone(),
                    title: p.title.clone(),
                    body: p.body_md.clone(),
                    ..PageForm::default()
                },
                format!("/admin/haandbog/{id}"),
            ),
            None => return not_yours(&s),
        },
        None => (PageForm::default(), "/admin/haandbog/ny".to_owned()),
    };
    let errors = Errors::default();
    form_page(
        &s,
        s.lang.pick("Håndbogsside", "Handbook page"),
        page_form(&s, &action, &v, id.is_none(), &errors),
        &errors,
    )
}

/// Save (or preview) a new page.
pub(super) async fn post_new_page(
    State(state): State<AppState>,
    StaffForm(s, f): StaffForm<PageForm>,
) -> Response {
    post_page_for(&state, None, s, f).await
}

/// Save (or preview) the page in the path.
pub(super) async fn post_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm(s, f): StaffForm<PageForm>,
) -> Response {
    post_page_for(&state, Some(id), s, f).await
}

async fn post_page_for(
    state: &AppState,
    existing: Option<String>,
    s: Staff,
    f: PageForm,
) -> Response {
    if !s.is_admin() {
        return not_yours(&s);
    }
    let catalog = match page_catalog(state).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let ed = editor(&s);
    let mut errors = Errors::default();
    let make = || page_edit(&ed, existing.as_deref(), f.page());
    if f.preview.is_some() {
        // The preview shows the problems too, and saves nothing.
        for p in problems_of(&catalog, make()) {
            errors.add(field_of(&p), p.text(s.lang));
        }
    } else {
        let target = format!("handbook {}", existing.as_deref().unwrap_or(f.id.trim()));
        let done = "/admin/haandbog?gemt=1";
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
    }
    let action = existing
        .as_deref()
        .map_or("/admin/haandbog/ny".to_owned(), |id| {
            format!("/admin/haandbog/{id}")
        });
    form_page(
        &s,
        s.lang.pick("Håndbogsside", "Handbook page"),
        page_form(&s, &action, &f, existing.is_none(), &errors),
        &errors,
    )
}

/// The live preview's script.
pub(super) const PREVIEW_JS: &str = include_str!("preview.js");

const PREVIEW_PATH: &str = concat!("/admin/forhaandsvis.js?v=", env!("CARGO_PKG_VERSION"));

/// The text as the live preview posts it.
#[derive(Debug, Default, Deserialize)]
pub struct PreviewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    body: String,
}

session_form!(PreviewForm);

/// A page's text drawn by the portal's markdown code, as an HTML fragment (admins).
pub(super) async fn post_preview(StaffForm(s, f): StaffForm<PreviewForm>) -> Response {
    if !s.is_admin() {
        return not_yours(&s);
    }
    let body = f.body.chars().take(100_000).collect::<String>();
    secure(html! { (markdown_html(&body)) })
}

/// The live preview's script.
pub(super) async fn preview_script() -> Response {
    let mut r = PREVIEW_JS.into_response();
    r.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    r
}

/// Move a page up or down, or take it out.
pub(super) async fn post_order(
    State(state): State<AppState>,
    Path((id, to)): Path<(String, String)>,
    StaffForm(s, _): StaffForm<super::staff::CsrfForm>,
) -> Response {
    let to = match to.as_str() {
        "op" => PageMove::Up,
        "ned" => PageMove::Down,
        "fjern" => PageMove::Remove,
        _ => return not_yours(&s),
    };
    let ed = editor(&s);
    let detail = match to {
        PageMove::Up => "moved up",
        PageMove::Down => "moved down",
        PageMove::Remove => "removed",
    };
    match save(
        &state,
        &ed,
        &format!("handbook {id}"),
        detail,
        page_order_edit(&ed, &id, to),
    )
    .await
    {
        Ok(_) => Redirect::to("/admin/haandbog?gemt=1").into_response(),
        Err(crate::service::catalog::CatalogChangeError::Service(
            crate::service::ServiceError::NotFound,
        )) => not_yours(&s),
        Err(e) => error_page(&s, crate::service::ServiceError::from(e)),
    }
}
