//! Jobs as forms, for coordinators (their own sites) and admins (all): the list, a new job,
//! and a job's page with its fields, its shifts and the form that adds shifts. Every save
//! is one catalog change checked by the catalog's rules; a form with problems comes back
//! with what was typed and each problem beside its field.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use frivillig_common::catalog_check::{CatalogProblem, Field, Thing};
use frivillig_common::domain::{
    Audience, Catalog, EventInfo, EventKind, Opportunity, Requirements,
};
use frivillig_common::text::{job_title, shift_label};

use crate::AppState;
use crate::http::web::{Lang, secure};
use crate::service::catalog::CatalogChangeError;
use crate::service::catalog_edit::{Editor, editable, job_problems, save_job};

use super::form::{Errors, Kind, checkbox, field, select, summary};
use super::page::{SavedQuery, error_page, layout, message, page_catalog};
use super::shifts::{SeriesForm, series_form};
use super::staff::{Staff, StaffForm};

/// Who is editing, as the service layer needs it.
pub(super) fn editor(s: &Staff) -> Editor {
    Editor {
        username: s.username.clone(),
        sites: s.sites().map(<[String]>::to_vec),
    }
}

/// The sites `ed` may edit, as (id, name) choices for a form's select.
pub(super) fn site_choices(ed: &Editor, catalog: &Catalog) -> Vec<(String, String)> {
    catalog
        .sites
        .iter()
        .filter(|x| ed.may_edit(&x.id))
        .map(|x| (x.id.clone(), x.name.clone()))
        .collect()
}

/// "Not found" for a job, ambassador or page that does not exist or is another site's (or
/// an admin's to edit).
pub(super) fn not_yours(s: &Staff) -> Response {
    let lang = s.lang;
    message(
        lang,
        StatusCode::NOT_FOUND,
        lang.pick("Findes ikke her", "Not found here"),
        lang.pick(
            "Det findes ikke, eller det hører til et sted, du ikke koordinerer.",
            "It does not exist, or it belongs to a site you do not coordinate.",
        ),
        Some(s),
    )
}

/// The jobs this person may edit, by site.
pub(super) async fn jobs_page(
    State(state): State<AppState>,
    s: Staff,
    Query(saved): Query<SavedQuery>,
) -> Response {
    let catalog = match page_catalog(&state).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let (lang, ed) = (s.lang, editor(&s));
    let title = lang.pick("Job og vagter", "Jobs and shifts");
    let body = html! {
        @if saved.gemt.is_some() { p.ok role="status" { (lang.pick("Ændringen er gemt og når kioskerne ved deres næste synkronisering.", "The change is saved and reaches the kiosks at their next sync.")) } }
        p { a.button href="/admin/job/ny" { (lang.pick("Nyt job", "New job")) } }
        @for site in catalog.sites.iter().filter(|x| ed.may_edit(&x.id)) {
            h2 { (site.name) }
            @let jobs: Vec<_> = catalog.opportunities.iter().filter(|o| o.site_id == site.id).collect();
            @if jobs.is_empty() { p { (lang.pick("Ingen job endnu.", "No jobs yet.")) } }
            ul { @for o in jobs {
                li { a href=(format!("/admin/job/{}", o.id)) { (job_title(lang, o)) } " · " (o.shifts.len()) " " (lang.pick("vagter", "shifts")) }
            } }
        }
    };
    secure(layout(lang, Some(&s), title, body))
}

/// A job's fields as posted.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct JobForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    site: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    title_en: String,
    #[serde(default)]
    theme: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    description_en: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    child_record_check: Option<String>,
    #[serde(default)]
    min_age: String,
    #[serde(default)]
    ambassador: String,
    #[serde(default)]
    visible_from: String,
    #[serde(default)]
    visible_until: String,
    /// Empty for a job; else the event's kind.
    #[serde(default)]
    event_kind: String,
    #[serde(default)]
    event_place: String,
    #[serde(default)]
    event_audience: String,
    #[serde(default)]
    event_register_until: String,
}

session_form!(JobForm);

fn opt(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

impl JobForm {
    pub(super) fn of(o: &Opportunity) -> JobForm {
        JobForm {
            id: o.id.clone(),
            site: o.site_id.clone(),
            title: o.title.clone(),
            title_en: o.title_en.clone(),
            theme: o.theme.clone(),
            description: o.description_md.clone(),
            description_en: o.description_md_en.clone(),
            contact: o.contact.clone(),
            child_record_check: o.requirements.child_record_check.then(|| "ja".into()),
            min_age: o
                .requirements
                .min_age
                .map(|a| a.to_string())
                .unwrap_or_default(),
            ambassador: o.ambassador_id.clone().unwrap_or_default(),
            visible_from: o.visible_from.clone().unwrap_or_default(),
            visible_until: o.visible_until.clone().unwrap_or_default(),
            event_kind: o
                .event
                .as_ref()
                .map(|e| e.kind.as_str().to_owned())
                .unwrap_or_default(),
            event_place: o
                .event
                .as_ref()
                .map(|e| e.place.clone())
                .unwrap_or_default(),
            event_audience: match o.event.as_ref().map(|e| e.audience) {
                Some(Audience::Invited) => "invited".into(),
                _ => "open".into(),
            },
            event_register_until: o
                .event
                .as_ref()
                .and_then(|e| e.register_until.clone())
                .unwrap_or_default(),
            csrf: String::new(),
        }
    }

    /// The job as typed (without shifts), noting what cannot even be read (a minimum age
    /// that is not a number) in `errors`.
    fn job(&self, lang: Lang, errors: &mut Errors) -> Opportunity {
        let min_age = match self.min_age.trim() {
            "" => None,
            n => match n.parse::<u8>() {
                Ok(a) if a <= 120 => Some(a),
                _ => {
                    errors.add(
                        "min_age",
                        lang.pick("Skriv en alder i hele år.", "Write an age in whole years."),
                    );
                    None
                }
            },
        };
        Opportunity {
            id: self.id.trim().to_owned(),
            site_id: self.site.trim().to_owned(),
            title: self.title.trim().to_owned(),
            title_en: self.title_en.trim().to_owned(),
            theme: self.theme.trim().to_owned(),
            description_md: self.description.replace("\r\n", "\n").trim().to_owned(),
            description_md_en: self.description_en.replace("\r\n", "\n").trim().to_owned(),
            contact: self.contact.trim().to_owned(),
            requirements: Requirements {
                child_record_check: self.child_record_check.is_some(),
                min_age,
            },
            shifts: Vec::new(),
            ambassador_id: opt(&self.ambassador),
            visible_from: opt(&self.visible_from),
            visible_until: opt(&self.visible_until),
            photo: None,
            event: EventKind::parse(self.event_kind.trim()).map(|kind| EventInfo {
                kind,
                place: self.event_place.trim().to_owned(),
                audience: if self.event_audience == "invited" {
                    Audience::Invited
                } else {
                    Audience::Open
                },
                register_until: opt(&self.event_register_until),
            }),
        }
    }
}

/// The form field a catalog problem belongs to, when it is this job's.
fn job_field(p: &CatalogProblem, job_id: &str) -> Option<&'static str> {
    if p.thing != Thing::Job || p.id != job_id {
        return None;
    }
    Some(match p.field {
        Field::Id => "id",
        Field::Site => "site",
        Field::Title => "title",
        Field::Ambassador => "ambassador",
        Field::VisibleFrom => "visible_from",
        Field::VisibleUntil => "visible_until",
        Field::RegisterUntil => "event_register_until",
        _ => "title",
    })
}

const LABELS: &[(&str, &str)] = &[
    ("id", "Id"),
    ("site", "Sted"),
    ("title", "Titel"),
    ("min_age", "Mindstealder"),
    ("ambassador", "Ambassadør"),
    ("visible_from", "Vises fra"),
    ("visible_until", "Vises til"),
    ("event_register_until", "Tilmelding senest"),
];

fn job_form_markup(
    s: &Staff,
    catalog: &Catalog,
    action: &str,
    v: &JobForm,
    new: bool,
    errors: &Errors,
) -> Markup {
    let (lang, ed) = (s.lang, editor(s));
    let sites = site_choices(&ed, catalog);
    let mut ambassadors = vec![(String::new(), lang.pick("(ingen)", "(none)").to_owned())];
    ambassadors.extend(
        catalog
            .ambassadors
            .iter()
            .map(|a| (a.id.clone(), a.name.clone())),
    );
    html! {
        (summary(lang, errors, LABELS))
        form method="post" action=(action) novalidate {
            input type="hidden" name="csrf" value=(s.session.csrf);
            @if new {
                (field(errors, "id", lang.pick("Id (i adressen)", "Id (in the address)"), &v.id, Kind::Text, true,
                    Some(lang.pick("Små bogstaver, tal og bindestreger, fx lektiecafe. Kan ikke ændres siden.", "Lower-case letters, digits and dashes, e.g. lektiecafe. Cannot be changed later."))))
            }
            (select(errors, "site", lang.pick("Sted", "Site"), &sites, &v.site))
            (field(errors, "title", lang.pick("Titel på dansk", "Title in Danish"), &v.title, Kind::Text, true, None))
            (field(errors, "title_en", lang.pick("Titel på engelsk", "Title in English"), &v.title_en, Kind::Text, false, None))
            (field(errors, "theme", lang.pick("Tema", "Theme"), &v.theme, Kind::Text, false, Some(lang.pick("Fx kultur, ældre, børn og unge.", "E.g. kultur, ældre, børn og unge."))))
            (field(errors, "description", lang.pick("Beskrivelse på dansk (markdown)", "Description in Danish (markdown)"), &v.description, Kind::Area, false, None))
            (field(errors, "description_en", lang.pick("Beskrivelse på engelsk (markdown)", "Description in English (markdown)"), &v.description_en, Kind::Area, false,
                Some(lang.pick("Tom: engelske sider viser den danske og siger det.", "Empty: English pages show the Danish one and say so."))))
            (field(errors, "contact", lang.pick("Kontakt, hvis ikke ambassadøren", "Contact, if not the ambassador"), &v.contact, Kind::Text, false, None))
            (select(errors, "ambassador", lang.pick("Ambassadør", "Ambassador"), &ambassadors, &v.ambassador))
            (checkbox("child_record_check", lang.pick("Kræver børneattest", "Needs a child-protection record check"), v.child_record_check.is_some()))
            (field(errors, "min_age", lang.pick("Mindstealder", "Minimum age"), &v.min_age, Kind::Number, false, None))
            (field(errors, "visible_from", lang.pick("Vises fra (dato)", "Shown from (date)"), &v.visible_from, Kind::Date, false, None))
            (field(errors, "visible_until", lang.pick("Vises til og med (dato)", "Shown until (date)"), &v.visible_until, Kind::Date, false, None))
            (event_fields(lang, errors, v))
            button type="submit" { (lang.pick("Gem jobbet", "Save the job")) }
        }
    }
}

/// The fields that make the entry an event: its kind (none: a job), place, who may come and
/// the last day to register. Its times and places are its shifts.
fn event_fields(lang: Lang, errors: &Errors, v: &JobForm) -> Markup {
    let mut kinds = vec![(
        String::new(),
        lang.pick("Et job, ikke et arrangement", "A job, not an event")
            .to_owned(),
    )];
    kinds.extend(
        EventKind::ALL
            .iter()
            .map(|k| (k.as_str().to_owned(), k.name(lang).to_owned())),
    );
    let audiences = [
        (
            "open".to_owned(),
            lang.pick(
                "Åbent for alle (portal og kiosker)",
                "Open to all (portal and kiosks)",
            )
            .to_owned(),
        ),
        (
            "invited".to_owned(),
            lang.pick("Kun for inviterede", "By invitation only")
                .to_owned(),
        ),
    ];
    html! {
        fieldset {
            legend { (lang.pick("Arrangement", "Event")) }
            p.hint { (lang.pick("Et arrangement er fx et temamøde eller frivilligfesten. Dets tid og antal pladser er vagten nedenfor.", "An event is e.g. a theme meeting or the volunteer party. Its time and number of places are the shift below.")) }
            (select(errors, "event_kind", lang.pick("Slags", "Kind"), &kinds, &v.event_kind))
            (field(errors, "event_place", lang.pick("Hvor (hvis ikke stedets adresse)", "Where (if not the site's address)"), &v.event_place, Kind::Text, false, None))
            (select(errors, "event_audience", lang.pick("Hvem må komme", "Who may come"), &audiences, &v.event_audience))
            (field(errors, "event_register_until", lang.pick("Tilmelding senest (dato)", "Register by (date)"), &v.event_register_until, Kind::Date, false, None))
        }
    }
}

/// `?arrangement=party` opens the form as a new event of that kind.
#[derive(Debug, Default, Deserialize)]
pub(super) struct NewJobQuery {
    arrangement: Option<String>,
}

/// The form for a new job.
pub(super) async fn new_job_page(
    State(state): State<AppState>,
    s: Staff,
    Query(q): Query<NewJobQuery>,
) -> Response {
    let catalog = match page_catalog(&state).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let ed = editor(&s);
    let first_site = catalog.sites.iter().find(|x| ed.may_edit(&x.id));
    let event_kind = q
        .arrangement
        .as_deref()
        .and_then(EventKind::parse)
        .map(|k| k.as_str().to_owned())
        .unwrap_or_default();
    let v = JobForm {
        site: first_site.map(|x| x.id.clone()).unwrap_or_default(),
        event_kind,
        event_audience: "open".into(),
        ..JobForm::default()
    };
    let body = job_form_markup(&s, &catalog, "/admin/job/ny", &v, true, &Errors::default());
    secure(layout(
        s.lang,
        Some(&s),
        s.lang.pick("Nyt job", "New job"),
        body,
    ))
}

/// Save a new job, or show the form again with its problems.
pub(super) async fn post_new_job(
    State(state): State<AppState>,
    StaffForm(s, f): StaffForm<JobForm>,
) -> Response {
    let lang = s.lang;
    let mut errors = Errors::default();
    let fields = f.job(lang, &mut errors);
    if !editor(&s).may_edit(&fields.site_id) {
        errors.add(
            "site",
            lang.pick(
                "Du kan kun oprette job på dine egne steder.",
                "You can only create jobs at your own sites.",
            ),
        );
    }
    let id = fields.id.clone();
    let catalog = match page_catalog(&state).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    for p in job_problems(&catalog, &editor(&s), None, fields.clone()) {
        errors.add(job_field(&p, &id).unwrap_or("title"), p.text(lang));
    }
    if errors.is_empty() {
        match save_job(&state, &editor(&s), None, fields).await {
            Ok(_) => return Redirect::to(&format!("/admin/job/{id}?gemt=1")).into_response(),
            Err(e) => {
                if let Some(r) = problems_or_response(&s, e, &id, &mut errors) {
                    return r;
                }
            }
        }
    }
    let body = job_form_markup(&s, &catalog, "/admin/job/ny", &f, true, &errors);
    let mut r = secure(layout(
        lang,
        Some(&s),
        lang.pick("Nyt job", "New job"),
        body,
    ));
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    r
}

/// Put a refused change's problems beside the fields; any other failure is the answer.
pub(super) fn problems_or_response(
    s: &Staff,
    e: CatalogChangeError,
    job_id: &str,
    errors: &mut Errors,
) -> Option<Response> {
    match e {
        CatalogChangeError::Problems(problems) => {
            for p in problems {
                let name = job_field(&p, job_id).unwrap_or("title");
                errors.add(name, p.text(s.lang));
            }
            None
        }
        CatalogChangeError::Service(crate::service::ServiceError::NotFound) => Some(not_yours(s)),
        CatalogChangeError::Service(e) => Some(error_page(s, e)),
    }
}

/// A job's page: its fields, its shifts, and the form that adds shifts.
pub(super) async fn job_page(
    State(state): State<AppState>,
    s: Staff,
    Path(job_id): Path<String>,
    Query(saved): Query<SavedQuery>,
) -> Response {
    let catalog = match page_catalog(&state).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Ok(job) = editable(&catalog, &editor(&s), &job_id) else {
        return not_yours(&s);
    };
    let v = JobForm::of(job);
    job_page_with(
        &s,
        &catalog,
        &job_id,
        &v,
        &Errors::default(),
        &SeriesForm::default(),
        &Errors::default(),
        saved.gemt.is_some(),
    )
}

/// The job's page with the values and problems of either form.
#[allow(clippy::too_many_arguments)]
pub(super) fn job_page_with(
    s: &Staff,
    catalog: &Catalog,
    job_id: &str,
    v: &JobForm,
    errors: &Errors,
    series: &SeriesForm,
    series_errors: &Errors,
    saved: bool,
) -> Response {
    let lang = s.lang;
    let Some(job) = catalog.opportunity(job_id) else {
        return not_yours(s);
    };
    let title = job_title(lang, job).to_owned();
    let body = html! {
        @if saved { p.ok role="status" { (lang.pick("Ændringen er gemt og når kioskerne ved deres næste synkronisering.", "The change is saved and reaches the kiosks at their next sync.")) } }
        p { a href="/admin/job" { (lang.pick("‹ Alle job", "‹ All jobs")) } " · " a href=(format!("/frivilligjob/{job_id}")) { (lang.pick("Se jobbet på portalen", "See the job on the portal")) } }
        section aria-labelledby="job-fields" {
            h2 id="job-fields" { (lang.pick("Jobbet", "The job")) }
            (job_form_markup(s, catalog, &format!("/admin/job/{job_id}"), v, false, errors))
        }
        section aria-labelledby="photo" {
            h2 id="photo" { (lang.pick("Foto", "Photo")) }
            @if let Some(p) = &job.photo {
                img src=(format!("/foto/{}/small", p.id)) alt=(p.alt_da) width=(p.width.min(320)) style="max-width:100%;height:auto";
            }
            p { a href=(format!("/admin/job/{job_id}/foto")) { (if job.photo.is_some() { lang.pick("Skift eller fjern fotoet", "Replace or remove the photo") } else { lang.pick("Tilføj et foto", "Add a photo") }) } }
        }
        section aria-labelledby="shifts" {
            h2 id="shifts" { (lang.pick("Vagter", "Shifts")) }
            @if job.shifts.is_empty() {
                p { (lang.pick("Ingen vagter: jobbet er løbende, og man tilmelder sig uden at vælge en tid.", "No shifts: the job is ongoing and people sign up without choosing a time.")) }
            } @else {
                table {
                    thead { tr { th scope="col" { (lang.pick("Hvornår", "When")) } th scope="col" { (lang.pick("Pladser", "Spots")) } th scope="col" { (lang.pick("Ret", "Edit")) } } }
                    tbody { @for sh in &job.shifts { tr {
                        td { (shift_label(lang, &sh.starts, &sh.ends)) }
                        td { (sh.capacity) }
                        td { a href=(format!("/admin/job/{job_id}/vagter/{}", sh.id)) { (lang.pick("Flyt eller aflys", "Move or cancel")) span.visually-hidden { " " (shift_label(lang, &sh.starts, &sh.ends)) } } }
                    } } }
                }
            }
            h3 { (lang.pick("Tilføj vagter", "Add shifts")) }
            (series_form(s, job_id, series, series_errors))
        }
    };
    let status = if errors.is_empty() && series_errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut r = secure(layout(lang, Some(s), &title, body));
    *r.status_mut() = status;
    r
}

/// Save a job's fields.
pub(super) async fn post_job(
    State(state): State<AppState>,
    Path(job_id): Path<String>,
    StaffForm(s, f): StaffForm<JobForm>,
) -> Response {
    let lang = s.lang;
    let catalog = match page_catalog(&state).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    if editable(&catalog, &editor(&s), &job_id).is_err() {
        return not_yours(&s);
    }
    let mut errors = Errors::default();
    let mut fields = f.job(lang, &mut errors);
    fields.id = job_id.clone();
    if !editor(&s).may_edit(&fields.site_id) {
        errors.add(
            "site",
            lang.pick(
                "Du kan kun flytte jobbet til dine egne steder.",
                "You can only move the job to your own sites.",
            ),
        );
    }
    for p in job_problems(&catalog, &editor(&s), Some(&job_id), fields.clone()) {
        errors.add(job_field(&p, &job_id).unwrap_or("title"), p.text(lang));
    }
    if errors.is_empty() {
        match save_job(&state, &editor(&s), Some(&job_id), fields).await {
            Ok(_) => return Redirect::to(&format!("/admin/job/{job_id}?gemt=1")).into_response(),
            Err(e) => {
                if let Some(r) = problems_or_response(&s, e, &job_id, &mut errors) {
                    return r;
                }
            }
        }
    }
    job_page_with(
        &s,
        &catalog,
        &job_id,
        &f,
        &errors,
        &SeriesForm::default(),
        &Errors::default(),
        false,
    )
}
