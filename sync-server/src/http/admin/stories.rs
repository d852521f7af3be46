//! Good stories as forms: the list, a new story, a story's page with its text, the people
//! it names or shows and their consent, its photo, and the buttons that publish and
//! unpublish it. Coordinators write about their own sites, admins about all.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use frivillig_common::catalog_check::{CatalogProblem, Field};
use frivillig_common::domain::{Catalog, Story};
use frivillig_common::text::job_title;

use crate::AppState;
use crate::http::web::secure;
use crate::service::stories::{self, consent_problems};
use crate::store::stories::{PersonConsent, StoryRow};

use super::form::{Errors, Kind, checkbox, field, form_page, select, summary, take_problems};
use super::jobs::{editor, not_yours, site_choices};
use super::page::{SavedQuery, error_page, layout, page_catalog};
use super::staff::{CsrfForm, Staff, StaffForm};

/// Every story this person may edit.
pub(super) async fn stories_page(
    State(state): State<AppState>,
    s: Staff,
    Query(saved): Query<SavedQuery>,
) -> Response {
    let lang = s.lang;
    let rows = match stories::stories(&state, &editor(&s)).await {
        Ok(r) => r,
        Err(e) => return error_page(&s, e),
    };
    let body = html! {
        @if saved.gemt.is_some() { p.ok role="status" { (lang.pick("Gemt.", "Saved.")) } }
        p { (lang.pick("Gode historier om frivilligt arbejde vises på portalens forside og på kioskernes startskærm, når de er udgivet. Alle, der nævnes eller vises, skal have givet samtykke.", "Good stories about volunteering are shown on the portal's front page and the kiosks' start screen once published. Everyone named or shown must have consented.")) }
        p { a.button href="/admin/historier/ny" { (lang.pick("Ny historie", "New story")) } }
        @if rows.is_empty() { p { (lang.pick("Ingen historier endnu.", "No stories yet.")) } }
        ul { @for (r, published) in &rows {
            li { a href=(format!("/admin/historier/{}", r.story.id)) { (r.story.title) } " · "
                (if *published { lang.pick("udgivet", "published") } else { lang.pick("ikke udgivet", "not published") }) }
        } }
    };
    secure(layout(
        lang,
        Some(&s),
        lang.pick("Gode historier", "Good stories"),
        body,
    ))
}

/// A story's fields as posted. The people are one per line: name; day; how.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct StoryForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    site: String,
    #[serde(default)]
    job: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    title_en: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    body_en: String,
    #[serde(default)]
    people: String,
    #[serde(default)]
    no_one: Option<String>,
}

session_form!(StoryForm);

impl StoryForm {
    fn of(r: &StoryRow) -> StoryForm {
        let people = r
            .people
            .iter()
            .map(|p| format!("{}; {}; {}", p.name, p.given_on, p.how))
            .collect::<Vec<_>>()
            .join("\n");
        StoryForm {
            id: r.story.id.clone(),
            site: r.story.site_id.clone(),
            job: r.story.opportunity_id.clone().unwrap_or_default(),
            title: r.story.title.clone(),
            title_en: r.story.title_en.clone(),
            body: r.story.body_md.clone(),
            body_en: r.story.body_md_en.clone(),
            people,
            no_one: r.no_one_recognisable.then(|| "ja".into()),
            csrf: String::new(),
        }
    }

    fn story(&self) -> Story {
        let text = |s: &str| s.replace("\r\n", "\n").trim().to_owned();
        Story {
            id: self.id.trim().to_owned(),
            site_id: self.site.trim().to_owned(),
            opportunity_id: Some(self.job.trim().to_owned()).filter(|j| !j.is_empty()),
            title: self.title.trim().to_owned(),
            title_en: self.title_en.trim().to_owned(),
            body_md: text(&self.body),
            body_md_en: text(&self.body_en),
            photo: None,
            published_on: String::new(),
        }
    }

    /// The people as typed; a line that does not have three parts is kept with what it has,
    /// so the consent check names it.
    fn people(&self) -> Vec<PersonConsent> {
        self.people
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let mut parts = l.splitn(3, ';').map(str::trim);
                PersonConsent {
                    name: parts.next().unwrap_or_default().to_owned(),
                    given_on: parts.next().unwrap_or_default().to_owned(),
                    how: parts.next().unwrap_or_default().to_owned(),
                }
            })
            .collect()
    }
}

fn story_field(p: &CatalogProblem) -> &'static str {
    match p.field {
        Field::Id => "id",
        Field::Site => "site",
        Field::Job => "job",
        _ => "title",
    }
}

const LABELS: &[(&str, &str)] = &[
    ("id", "Id"),
    ("site", "Sted"),
    ("job", "Job"),
    ("title", "Titel"),
    ("people", "Personer"),
];

fn story_form(
    s: &Staff,
    catalog: &Catalog,
    action: &str,
    v: &StoryForm,
    new: bool,
    errors: &Errors,
) -> Markup {
    let (lang, ed) = (s.lang, editor(s));
    let sites = site_choices(&ed, catalog);
    let mut jobs = vec![(
        String::new(),
        lang.pick("(intet bestemt job)", "(no particular job)")
            .to_owned(),
    )];
    jobs.extend(
        catalog
            .opportunities
            .iter()
            .filter(|o| ed.may_edit(&o.site_id))
            .map(|o| (o.id.clone(), job_title(lang, o).to_owned())),
    );
    html! {
        (summary(lang, errors, LABELS))
        form method="post" action=(action) novalidate {
            input type="hidden" name="csrf" value=(s.session.csrf);
            @if new {
                (field(errors, "id", lang.pick("Id (i adressen)", "Id (in the address)"), &v.id, Kind::Text, true,
                    Some(lang.pick("Små bogstaver, tal og bindestreger, fx lektiecafe-2026.", "Lower-case letters, digits and dashes, e.g. lektiecafe-2026."))))
            }
            (select(errors, "site", lang.pick("Sted", "Site"), &sites, &v.site))
            (select(errors, "job", lang.pick("Job", "Job"), &jobs, &v.job))
            (field(errors, "title", lang.pick("Titel på dansk", "Title in Danish"), &v.title, Kind::Text, true, None))
            (field(errors, "title_en", lang.pick("Titel på engelsk", "Title in English"), &v.title_en, Kind::Text, false, None))
            (field(errors, "body", lang.pick("Historien på dansk (markdown)", "The story in Danish (markdown)"), &v.body, Kind::Area, false, None))
            (field(errors, "body_en", lang.pick("Historien på engelsk (markdown)", "The story in English (markdown)"), &v.body_en, Kind::Area, false, None))
            fieldset {
                legend { (lang.pick("Samtykke", "Consent")) }
                (field(errors, "people", lang.pick("Personer, der nævnes eller vises", "People named or shown"), &v.people, Kind::Area, false,
                    Some(lang.pick("Én pr. linje: navn; dato for samtykke (ÅÅÅÅ-MM-DD); hvordan, fx \"Anna Holm; 2026-11-02; skriftligt på papir\".", "One per line: name; day of consent (YYYY-MM-DD); how, e.g. \"Anna Holm; 2026-11-02; in writing on paper\"."))))
                (checkbox("no_one", lang.pick("Ingen kan genkendes i historien eller på billedet", "No one can be recognised in the story or the photo"), v.no_one.is_some()))
            }
            button type="submit" { (lang.pick("Gem historien", "Save the story")) }
        }
    }
}

/// The form for a new story.
pub(super) async fn new_story_page(State(state): State<AppState>, s: Staff) -> Response {
    let catalog = match page_catalog(&state).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let ed = editor(&s);
    let v = StoryForm {
        site: catalog
            .sites
            .iter()
            .find(|x| ed.may_edit(&x.id))
            .map(|x| x.id.clone())
            .unwrap_or_default(),
        ..StoryForm::default()
    };
    let body = story_form(
        &s,
        &catalog,
        "/admin/historier/ny",
        &v,
        true,
        &Errors::default(),
    );
    secure(layout(
        s.lang,
        Some(&s),
        s.lang.pick("Ny historie", "New story"),
        body,
    ))
}

async fn save(state: &AppState, s: Staff, existing: Option<String>, f: StoryForm) -> Response {
    let lang = s.lang;
    let catalog = match page_catalog(state).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let story = f.story();
    let id = existing.clone().unwrap_or_else(|| story.id.clone());
    let mut errors = Errors::default();
    let saved = stories::save(
        state,
        &editor(&s),
        existing.as_deref(),
        story,
        f.people(),
        f.no_one.is_some(),
    )
    .await;
    match saved {
        Ok(()) => return Redirect::to(&format!("/admin/historier/{id}?gemt=1")).into_response(),
        Err(crate::service::catalog::CatalogChangeError::Service(
            crate::service::ServiceError::Invalid(m),
        ))
        | Err(crate::service::catalog::CatalogChangeError::Service(
            crate::service::ServiceError::Conflict(m),
        )) => {
            errors.add(if existing.is_some() { "people" } else { "id" }, m);
        }
        Err(e) => {
            if let Some(r) = take_problems(&s, e, &mut errors, story_field) {
                return r;
            }
        }
    }
    let action = match &existing {
        Some(id) => format!("/admin/historier/{id}"),
        None => "/admin/historier/ny".to_owned(),
    };
    let body = story_form(&s, &catalog, &action, &f, existing.is_none(), &errors);
    form_page(&s, lang.pick("Historie", "Story"), body, &errors)
}

/// Save a new story, or show the form again with its problems.
pub(super) async fn post_new_story(
    State(state): State<AppState>,
    StaffForm(s, f): StaffForm<StoryForm>,
) -> Response {
    save(&state, s, None, f).await
}

/// A story's page: its form, photo, consent and publication.
pub(super) async fn story_page(
    State(state): State<AppState>,
    s: Staff,
    Path(id): Path<String>,
    Query(saved): Query<SavedQuery>,
) -> Response {
    let catalog = match page_catalog(&state).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Ok((row, published)) = stories::story(&state, &editor(&s), &id).await else {
        return not_yours(&s);
    };
    let lang = s.lang;
    let missing = consent_problems(&row);
    let action = format!("/admin/historier/{id}");
    let body = html! {
        @if saved.gemt.is_some() { p.ok role="status" { (lang.pick("Gemt.", "Saved.")) } }
        p role="status" { strong { (if published { lang.pick("Udgivet: på portalen og kioskerne.", "Published: on the portal and the kiosks.") } else { lang.pick("Ikke udgivet.", "Not published.") }) } }
        @if published {
            form method="post" action=(format!("{action}/afpublicer")) {
                input type="hidden" name="csrf" value=(s.session.csrf);
                button.secondary type="submit" { (lang.pick("Afpublicér", "Unpublish")) }
            }
        } @else if missing.is_empty() {
            form method="post" action=(format!("{action}/udgiv")) {
                input type="hidden" name="csrf" value=(s.session.csrf);
                button type="submit" { (lang.pick("Udgiv", "Publish")) }
            }
        } @else {
            @for (da, en) in &missing { p.error { (lang.pick(da, en)) } }
        }
        p { a href=(format!("{action}/foto")) { (if row.story.photo.is_some() { lang.pick("Skift eller fjern fotoet", "Replace or remove the photo") } else { lang.pick("Tilføj et foto", "Add a photo") }) } }
        (story_form(&s, &catalog, &action, &StoryForm::of(&row), false, &Errors::default()))
    };
    secure(layout(lang, Some(&s), &row.story.title, body))
}

/// Save a story's changes.
pub(super) async fn post_story(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm(s, f): StaffForm<StoryForm>,
) -> Response {
    save(&state, s, Some(id), f).await
}

async fn publication(state: &AppState, s: Staff, id: &str, publish: bool) -> Response {
    let ed = editor(&s);
    let done = if publish {
        stories::publish(state, &ed, id).await
    } else {
        stories::unpublish(state, &ed, id).await
    };
    match done {
        Ok(()) => Redirect::to(&format!("/admin/historier/{id}?gemt=1")).into_response(),
        Err(e) => take_problems(&s, e, &mut Errors::default(), story_field)
            .unwrap_or_else(|| not_yours(&s)),
    }
}

/// Publish a story.
pub(super) async fn post_publish(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm(s, _): StaffForm<CsrfForm>,
) -> Response {
    publication(&state, s, &id, true).await
}

/// Unpublish a story.
pub(super) async fn post_unpublish(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm(s, _): StaffForm<CsrfForm>,
) -> Response {
    publication(&state, s, &id, false).await
}
