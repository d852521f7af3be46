//! One signup's page, and the changes a coordinator makes on it: status, notes,
//! assignment and (admins) erasure.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use frivillig_common::domain::{Note, Source, Status};
use frivillig_common::journal::{add_note, set_assignee};

use crate::AppState;
use crate::http::blocking;
use crate::http::error::ApiError;
use crate::http::web::secure;
use crate::service::catalog::catalog as need_catalog;
use crate::service::signups::{change_status, edit_signup};
use crate::store::SignupRow;

use super::page::{
    SavedQuery, danish_time, error_page, layout, message, opportunity_title, shift_text, site_name,
    source_text, status_name, thead,
};
use super::staff::{AdminForm, Staff, StaffForm, unreadable};

/// Longest note a coordinator can add.
pub(super) const MAX_NOTE_CHARS: usize = 4_000;

/// A signup this person may see, or the page to show instead.
pub(super) async fn visible_signup(
    state: &AppState,
    s: &Staff,
    signup_id: &str,
) -> Result<SignupRow, Response> {
    let lang = s.lang;
    let not_found = || {
        message(
            lang,
            StatusCode::NOT_FOUND,
            lang.pick("Tilmeldingen findes ikke", "Signup not found"),
            lang.pick(
                "Vi kan ikke finde den tilmelding, eller den hører til et sted, du ikke har adgang til.",
                "We cannot find that signup, or it belongs to a site you do not have access to.",
            ),
            Some(s),
        )
    };
    let plausible = !signup_id.is_empty()
        && signup_id.len() <= 64
        && signup_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !plausible {
        return Err(not_found());
    }
    let st = state.clone();
    let id = signup_id.to_owned();
    match blocking(move || Ok(st.store.signup(&id)?)).await {
        Ok(Some(row)) if s.may_see(&row.record.site_id) => Ok(row),
        Ok(_) => Err(not_found()),
        Err(e) => Err(e.into_response()),
    }
}

/// One entry of a signup's history, for the page.
pub(super) struct Event {
    at: String,
    by: String,
    what: String,
}

pub(super) async fn signup_page(
    State(state): State<AppState>,
    s: Staff,
    Path(signup_id): Path<String>,
    Query(saved): Query<SavedQuery>,
) -> Response {
    let lang = s.lang;
    let row = match visible_signup(&state, &s, &signup_id).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let catalog = match need_catalog(&state).await {
        Ok(c) => c,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let st = state.clone();
    let (accounts, decisions) =
        match blocking(move || Ok((st.store.accounts()?, st.store.pair_decisions()?))).await {
            Ok(a) => a,
            Err(e) => return e.into_response(),
        };
    let r = &row.record;
    // Signups a coordinator linked to this one as the same person.
    let linked: Vec<String> = decisions
        .iter()
        .filter(|(_, d)| d.decision == "linked")
        .filter_map(|(key, _)| {
            let (a, b) = key.split_once('|')?;
            if a == r.id {
                Some(b.to_owned())
            } else if b == r.id {
                Some(a.to_owned())
            } else {
                None
            }
        })
        .collect();
    let mut events: Vec<Event> = Vec::new();
    for c in &r.status_history {
        events.push(Event {
            at: c.at.clone(),
            by: c.by.clone(),
            what: format!(
                "{}: {}",
                lang.pick("Status", "Status"),
                status_name(lang, c.status.as_str())
            ),
        });
    }
    for n in &r.notes {
        events.push(Event {
            at: n.at.clone(),
            by: n.by.clone(),
            what: format!("{}: {}", lang.pick("Note", "Note"), n.text),
        });
    }
    for c in &r.check_ins {
        events.push(Event {
            at: c.at.clone(),
            by: c.by.clone(),
            what: lang.pick("Mødt op", "Checked in").to_owned(),
        });
    }
    events.sort_by(|a, b| a.at.cmp(&b.at));
    let source = match &r.source {
        Source::Kiosk(k) => source_text(lang, k),
        Source::Web => source_text(lang, "web"),
    };
    let person = row.person.as_ref();
    let title = person.map_or(lang.pick("Tilmelding", "Signup"), |p| p.name.as_str());
    let csrf = s.session.csrf.clone();
    let base = format!("/admin/tilmeldinger/{}", r.id);
    let body = html! {
        @if saved.gemt.is_some() { p.ok role="status" { (lang.pick("Ændringen er gemt.", "The change is saved.")) } }
        div.cols {
            section aria-labelledby="person" {
                h2 id="person" { (lang.pick("Personen", "The person")) }
                @if let Some(p) = person {
                    dl {
                        dt { (lang.pick("Navn", "Name")) } dd { (p.name) }
                        dt { (lang.pick("Telefon", "Phone")) } dd { (p.phone.as_deref().unwrap_or("–")) }
                        dt { (lang.pick("E-mail", "E-mail")) } dd { (p.email.as_deref().unwrap_or("–")) }
                        dt { (lang.pick("Alderskrav bekræftet", "Age requirement confirmed")) }
                        dd { (if p.age_confirmed { lang.pick("Ja", "Yes") } else { lang.pick("Nej", "No") }) }
                        dt { (lang.pick("Besked fra personen", "Message from the person")) } dd { (p.note.as_deref().unwrap_or("–")) }
                    }
                } @else {
                    p.error { (lang.pick("Personoplysningerne kunne ikke åbnes med serverens nøgle.", "The personal data could not be opened with the server's key.")) }
                }
            }
            section aria-labelledby="job" {
                h2 id="job" { (lang.pick("Job og oprindelse", "Job and provenance")) }
                dl {
                    dt { (lang.pick("Job", "Job")) } dd { (opportunity_title(lang, &catalog, &r.opportunity_id)) }
                    dt { (lang.pick("Vagt", "Shift")) } dd { (shift_text(lang, &catalog, r.shift_id.as_deref())) }
                    dt { (lang.pick("Sted", "Site")) } dd { (site_name(&catalog, &r.site_id)) }
                    dt { (lang.pick("Kilde", "Source")) } dd { (source) }
                    dt { (lang.pick("Tilmeldt (kioskens tid)", "Signed up (kiosk time)")) } dd { (danish_time(&r.created_at)) }
                    dt { (lang.pick("Modtaget af serveren", "Received by the server")) } dd { (danish_time(&row.received_at)) }
                    dt { (lang.pick("Samtykke", "Consent")) } dd { (lang.pick("version ", "version ")) (r.consent_version) ", " (danish_time(&r.consent_at)) }
                    dt { (lang.pick("Journal", "Journal")) } dd { code { (row.journal_doc_id) } }
                    dt { (lang.pick("Status", "Status")) } dd { strong { (status_name(lang, r.status.as_str())) } }
                    dt { (lang.pick("Tildelt", "Assigned to")) } dd { (r.assignee.as_deref().unwrap_or("–")) }
                    @if !linked.is_empty() {
                        dt { (lang.pick("Samme person som", "Same person as")) }
                        dd { @for id in &linked { a href=(format!("/admin/tilmeldinger/{id}")) { (id) } " " } }
                    }
                }
            }
        }
        div.cols {
            form method="post" action=(format!("{base}/status")) {
                h2 { label for="status" { (lang.pick("Skift status", "Change status")) } }
                input type="hidden" name="csrf" value=(csrf);
                select id="status" name="status" {
                    @for st in Status::ALL {
                        option value=(st.as_str()) selected[r.status == st.as_str()] { (status_name(lang, st.as_str())) }
                    }
                }
                " " button type="submit" { (lang.pick("Gem status", "Save status")) }
            }
            form method="post" action=(format!("{base}/tildel")) {
                h2 { label for="assignee" { (lang.pick("Tildel til", "Assign to")) } }
                input type="hidden" name="csrf" value=(csrf);
                select id="assignee" name="assignee" {
                    option value="" { (lang.pick("Ingen", "Nobody")) }
                    @for (name, a) in &accounts {
                        @if !a.disabled {
                            option value=(name) selected[r.assignee.as_deref() == Some(name.as_str())] { (a.display_name) " (" (name) ")" }
                        }
                    }
                }
                " " button type="submit" { (lang.pick("Gem", "Save")) }
            }
            form method="post" action=(format!("{base}/note")) {
                h2 { label for="note" { (lang.pick("Tilføj note", "Add a note")) } }
                input type="hidden" name="csrf" value=(csrf);
                textarea id="note" name="text" rows="3" cols="40" maxlength=(MAX_NOTE_CHARS) required {}
                br; button type="submit" { (lang.pick("Gem note", "Save note")) }
            }
        }
        @if s.is_admin() {
            form method="post" action=(format!("{base}/slet")) {
                h2 { (lang.pick("Slet personoplysninger", "Erase personal data")) }
                p { (lang.pick(
                    "Personen fjernes fra serverens oplysninger med det samme, og journalen, der holdt tilmeldingen, skrives om uden den, så snart ingen kiosk kan have den. Det kan ikke fortrydes.",
                    "The person is removed from the server's data at once, and the journal that held the signup is rewritten without it as soon as no kiosk can still hold it. This cannot be undone.")) }
                input type="hidden" name="csrf" value=(csrf);
                p { label { input type="checkbox" name="bekraeft" value="ja" required; " "
                    (lang.pick("Jeg bekræfter, at oplysningerne skal slettes", "I confirm that the data is to be erased")) } }
                button type="submit" { (lang.pick("Slet", "Erase")) }
            }
        }
        section aria-labelledby="history" {
            h2 id="history" { (lang.pick("Historik", "History")) }
            @if events.is_empty() {
                p { (lang.pick("Ingen ændringer endnu.", "No changes yet.")) }
            } @else {
                table {
                    (thead(lang, &[("Tid", "Time"), ("Hvem", "Who"), ("Hvad", "What")]))
                    tbody { @for e in &events { tr { td { (danish_time(&e.at)) } td { (e.by) } td { (e.what) } } } }
                }
            }
        }
    };
    secure(layout(lang, Some(&s), title, body))
}

session_form!(ChangeForm, EraseForm);

/// A change to one signup, as posted.
#[derive(Debug, Default, Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    assignee: String,
    /// Where to go after the change: the queue page, or (by default) the signup's page.
    #[serde(default)]
    tilbage: String,
}

/// What a posted change asks for, once checked.
pub(super) enum Change {
    Status(Status),
    Note(String),
    Assign(Option<String>),
}

pub(super) async fn apply_change(
    state: &AppState,
    s: Staff,
    f: ChangeForm,
    signup_id: &str,
    read: fn(&ChangeForm, &[String]) -> Option<Change>,
) -> Response {
    if let Err(r) = visible_signup(state, &s, signup_id).await {
        return r;
    }
    let st = state.clone();
    let usernames: Vec<String> = match blocking(move || Ok(st.store.accounts()?)).await {
        Ok(a) => a
            .into_iter()
            .filter(|(_, a)| !a.disabled)
            .map(|(n, _)| n)
            .collect(),
        Err(e) => return e.into_response(),
    };
    let Some(change) = read(&f, &usernames) else {
        return unreadable(&s, StatusCode::BAD_REQUEST);
    };
    let by = s.username.clone();
    let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let (action, detail, result) = match change {
        Change::Status(status) => (
            "status",
            status.as_str().to_owned(),
            change_status(state, signup_id, status, &by).await,
        ),
        Change::Note(text) => {
            let note = Note {
                at,
                by: by.clone(),
                text: text.clone(),
            };
            (
                "note",
                text,
                edit_signup(state, signup_id, move |doc, sid| add_note(doc, sid, &note)).await,
            )
        }
        Change::Assign(who) => {
            let w = who.clone();
            (
                "assign",
                who.unwrap_or_default(),
                edit_signup(state, signup_id, move |doc, sid| {
                    set_assignee(doc, sid, w.as_deref())
                })
                .await,
            )
        }
    };
    if let Err(e) = result {
        return error_page(&s, e);
    }
    let st = state.clone();
    let target = signup_id.to_owned();
    if let Err(e) = blocking(move || Ok(st.store.audit(&by, action, &target, &detail)?)).await {
        return e.into_response();
    }
    // Only the queue page is a way back; anything else goes to the signup's own page.
    let back = if f.tilbage == "/admin/koer" {
        "/admin/koer?gemt=1".to_owned()
    } else {
        format!("/admin/tilmeldinger/{signup_id}?gemt=1")
    };
    Redirect::to(&back).into_response()
}

pub(super) async fn post_status(
    State(state): State<AppState>,
    Path(signup_id): Path<String>,
    StaffForm(s, f): StaffForm<ChangeForm>,
) -> Response {
    apply_change(&state, s, f, &signup_id, |f, _| {
        Status::parse(&f.status).map(Change::Status)
    })
    .await
}

pub(super) async fn post_note(
    State(state): State<AppState>,
    Path(signup_id): Path<String>,
    StaffForm(s, f): StaffForm<ChangeForm>,
) -> Response {
    apply_change(&state, s, f, &signup_id, |f, _| {
        let text = f.text.trim();
        (!text.is_empty() && text.chars().count() <= MAX_NOTE_CHARS)
            .then(|| Change::Note(text.to_owned()))
    })
    .await
}

pub(super) async fn post_assign(
    State(state): State<AppState>,
    Path(signup_id): Path<String>,
    StaffForm(s, f): StaffForm<ChangeForm>,
) -> Response {
    apply_change(&state, s, f, &signup_id, |f, users| {
        match f.assignee.as_str() {
            "" => Some(Change::Assign(None)),
            name if users.iter().any(|u| u == name) => Some(Change::Assign(Some(name.to_owned()))),
            _ => None,
        }
    })
    .await
}

/// The erasure form as posted.
#[derive(Debug, Default, Deserialize)]
pub struct EraseForm {
    #[serde(default)]
    csrf: String,
    /// `ja` when the confirmation box is ticked.
    #[serde(default)]
    pub(super) bekraeft: String,
}

/// Erase a signup's personal data (admins only, with a confirmation box ticked).
pub(super) async fn post_erase(
    State(state): State<AppState>,
    Path(signup_id): Path<String>,
    AdminForm(s, f): AdminForm<EraseForm>,
) -> Response {
    if let Err(r) = visible_signup(&state, &s, &signup_id).await {
        return r;
    }
    if f.bekraeft != "ja" {
        return unreadable(&s, StatusCode::BAD_REQUEST);
    }
    if let Err(e) = crate::service::erasure::erase(&state, &signup_id, &s.username).await {
        return error_page(&s, e);
    }
    Redirect::to("/admin/tilmeldinger").into_response()
}
