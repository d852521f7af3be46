//! One signup's page, and the changes a coordinator makes on it: status, notes,
//! assignment and (admins) erasure.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use frivillig_common::domain::{Source, Status};

use frivillig_common::ids::SignupId;

use crate::AppState;
use crate::http::blocking;
use crate::http::error::ApiError;
use crate::http::web::secure;
use crate::service::catalog::catalog as need_catalog;
use crate::service::signups::{Change, change_signup};
use crate::store::SignupRow;

use super::outbox::delivery_text;
use super::page::{
    SavedQuery, danish_time, error_page, layout, message, opportunity_title, shift_text, site_name,
    source_text, status_name, thead,
};
use super::staff::{AdminForm, Staff, StaffForm, password_holds, unreadable};

/// Longest note a coordinator can add.
pub(super) const MAX_NOTE_CHARS: usize = 4_000;

/// A signup this person may see, or the page to show instead.
pub(super) async fn visible_signup(
    state: &AppState,
    s: &Staff,
    signup_id: &str,
) -> Result<(SignupId, SignupRow), Response> {
    let lang = s.lang;
    let not_found = || {
        message(
            lang,
            StatusCode::NOT_FOUND,
            lang.t(text::SIGNUP_NOT_FOUND),
            lang.t(text::WE_CANNOT_FIND_THAT),
            Some(s),
        )
    };
    let Some(id) = SignupId::parse(signup_id) else {
        return Err(not_found());
    };
    let st = state.clone();
    let key = id.to_string();
    match blocking(move || Ok(st.store.signup(&key)?)).await {
        Ok(Some(row)) if s.may_see(&row.record.site_id) => Ok((id, row)),
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
        Ok((_, r)) => r,
        Err(r) => return r,
    };
    let catalog = match need_catalog(&state).await {
        Ok(c) => c,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let st = state.clone();
    let id = row.record.id.clone();
    let (accounts, decisions, messages, follow_up) = match blocking(move || {
        Ok((
            st.store.accounts()?,
            st.store.pair_decisions()?,
            st.store.messages_for_signup(&id)?,
            st.store.follow_up(&id)?,
        ))
    })
    .await
    {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let failed: Vec<String> = messages
        .iter()
        .filter_map(|(_, m)| match delivery_text(lang, m) {
            (t, true) => Some(format!("{}: {t}", m.message.subject)),
            _ => None,
        })
        .collect();
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
                lang.t(text::STATUS),
                status_name(lang, c.status.as_str())
            ),
        });
    }
    for n in &r.notes {
        events.push(Event {
            at: n.at.clone(),
            by: n.by.clone(),
            what: format!("{}: {}", lang.t(text::NOTE), n.text),
        });
    }
    for c in &r.check_ins {
        events.push(Event {
            at: c.at.clone(),
            by: c.by.clone(),
            what: if c.out {
                lang.pick("Tjekket ud", "Checked out").to_owned()
            } else {
                lang.t(text::CHECKED_IN).to_owned()
            },
        });
    }
    for (_, m) in &messages {
        if m.message.kind == crate::store::outbox::MessageKind::Coordinator {
            events.push(Event {
                at: m.queued_at.clone(),
                by: String::new(),
                what: format!("{}: {}", lang.t(text::MESSAGE_SENT), m.message.subject),
            });
        }
    }
    events.sort_by(|a, b| a.at.cmp(&b.at));
    let source = match &r.source {
        Source::Kiosk(k) => source_text(lang, k),
        Source::Web => source_text(lang, "web"),
    };
    let person = row.person.as_ref();
    let title = person.map_or(lang.t(text::SIGNUP), |p| p.name.as_str());
    let csrf = s.session.csrf.clone();
    let base = format!("/admin/tilmeldinger/{}", r.id);
    let shift = r.shift_id.as_deref().and_then(|id| {
        catalog
            .opportunities
            .iter()
            .flat_map(|o| &o.shifts)
            .find(|s| s.id == id)
    });
    let late = shift.and_then(|sh| {
        crate::service::review::late(&r.created_at, &row.received_at, &sh.starts, &sh.ends)
    });
    let hours = super::attendance::section(&state, &s, &row, &catalog).await;
    let body = html! {
        @if saved.gemt.is_some() { p.ok role="status" { (lang.t(text::THE_CHANGE_IS_SAVED)) } }
        @if let Some(f) = &follow_up { (super::follow_up::notice(lang, &r.id, &csrf, f)) }
        @if let Some(why) = late {
            p.error role="alert" { (lang.t(super::review::late_text(why))) ". " (lang.t(text::LATE_FOLLOW_UP)) }
        }
        @if !failed.is_empty() {
            div.error role="alert" {
                p { (lang.t(text::A_MESSAGE_FAILED)) }
                ul { @for f in &failed { li { (f) } } }
            }
        }
        div.cols {
            section aria-labelledby="person" {
                h2 id="person" { (lang.t(text::THE_PERSON)) }
                @if let Some(p) = person {
                    dl {
                        dt { (lang.t(text::NAME)) } dd { (p.name) }
                        dt { (lang.t(text::PHONE)) } dd { (p.phone.as_deref().unwrap_or("–")) }
                        dt { (lang.t(text::E_MAIL)) } dd { (p.email.as_deref().unwrap_or("–")) }
                        dt { (lang.t(text::AGE_REQUIREMENT_CONFIRMED)) }
                        dd { (if p.age_confirmed { lang.t(text::YES) } else { lang.t(text::NO) }) }
                        dt { (lang.t(text::MESSAGE_FROM_THE_PERSON)) } dd { (p.note.as_deref().unwrap_or("–")) }
                    }
                } @else {
                    p.error { (lang.t(text::THE_PERSONAL_DATA_COULD)) }
                }
            }
            section aria-labelledby="job" {
                h2 id="job" { (lang.t(text::JOB_AND_PROVENANCE)) }
                dl {
                    dt { (lang.t(text::JOB)) } dd { (opportunity_title(lang, &catalog, &r.opportunity_id)) }
                    dt { (lang.t(text::SHIFT)) } dd { (shift_text(lang, &catalog, r.shift_id.as_deref())) }
                    dt { (lang.t(text::SITE)) } dd { (site_name(&catalog, &r.site_id)) }
                    dt { (lang.t(text::SOURCE)) } dd { (source) }
                    dt { (lang.t(text::SIGNED_UP_KIOSK_TIME)) } dd { (danish_time(&r.created_at)) }
                    dt { (lang.t(text::RECEIVED_BY_THE_SERVER)) } dd { (danish_time(&row.received_at)) }
                    dt { (lang.t(text::CONSENT)) } dd { (lang.t(text::VERSION)) (r.consent_version) ", " (danish_time(&r.consent_at)) }
                    dt { (lang.t(text::JOURNAL)) } dd { code { (row.journal_doc_id) } }
                    dt { (lang.t(text::STATUS)) } dd { strong { (status_name(lang, r.status.as_str())) } }
                    dt { (lang.t(text::ASSIGNED_TO)) } dd { (r.assignee.as_deref().unwrap_or("–")) }
                    @if !linked.is_empty() {
                        dt { (lang.t(text::SAME_PERSON_AS)) }
                        dd { @for id in &linked { a href=(format!("/admin/tilmeldinger/{id}")) { (id) } " " } }
                    }
                }
            }
        }
        (hours)
        div.cols {
            form method="post" action=(format!("{base}/status")) {
                h2 { label for="status" { (lang.t(text::CHANGE_STATUS)) } }
                input type="hidden" name="csrf" value=(csrf);
                select id="status" name="status" {
                    @for st in Status::ALL {
                        option value=(st.as_str()) selected[r.status == st.as_str()] { (status_name(lang, st.as_str())) }
                    }
                }
                " " button type="submit" { (lang.t(text::SAVE_STATUS)) }
            }
            form method="post" action=(format!("{base}/tildel")) {
                h2 { label for="assignee" { (lang.t(text::ASSIGN_TO)) } }
                input type="hidden" name="csrf" value=(csrf);
                select id="assignee" name="assignee" {
                    option value="" { (lang.t(text::NOBODY)) }
                    @for (name, a) in &accounts {
                        @if !a.disabled {
                            option value=(name) selected[r.assignee.as_deref() == Some(name.as_str())] { (a.display_name) " (" (name) ")" }
                        }
                    }
                }
                " " button type="submit" { (lang.t(text::SAVE)) }
            }
            form method="post" action=(format!("{base}/note")) {
                h2 { label for="note" { (lang.t(text::ADD_A_NOTE)) } }
                input type="hidden" name="csrf" value=(csrf);
                textarea id="note" name="text" rows="3" cols="40" maxlength=(MAX_NOTE_CHARS) required {}
                br; button type="submit" { (lang.t(text::SAVE_NOTE)) }
            }
        }
        @if s.is_admin() {
            form method="post" action=(format!("{base}/slet")) {
                h2 { (lang.t(text::ERASE_PERSONAL_DATA)) }
                p { (lang.t(text::THE_PERSON_IS_REMOVED)) }
                input type="hidden" name="csrf" value=(csrf);
                p { label { input type="checkbox" name="bekraeft" value="ja" required; " "
                    (lang.t(text::I_CONFIRM_THAT_THE)) } }
                p { label for="erase-password" { (lang.t(text::YOUR_PASSWORD)) } br;
                    input id="erase-password" name="password" type="password" autocomplete="current-password" required; }
                button type="submit" { (lang.t(text::ERASE)) }
            }
        }
        section aria-labelledby="messages" {
            h2 id="messages" { (lang.t(text::MESSAGES)) }
            p { a href=(format!("/admin/besked?signup={}", r.id)) { (lang.t(text::WRITE_TO_THE_PERSON)) } }
            @if messages.is_empty() {
                p { (lang.t(text::NO_MESSAGES)) }
            } @else {
                table {
                    (thead(lang, &[("Lagt i kø", "Queued"), ("Til", "To"), ("Emne", "Subject"), ("Status", "Status")]))
                    tbody { @for (seq, m) in &messages { tr {
                        td { (danish_time(&m.queued_at)) } td { (m.message.to) }
                        td { @if s.is_admin() { a href=(format!("/admin/udbakke/{seq}")) { (m.message.subject) } } @else { (m.message.subject) } }
                        td { (delivery_text(lang, m).0) }
                    } } }
                }
            }
        }
        section aria-labelledby="history" {
            h2 id="history" { (lang.t(text::HISTORY)) }
            @if events.is_empty() {
                p { (lang.t(text::NO_CHANGES_YET)) }
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

pub(super) async fn apply_change(
    state: &AppState,
    s: Staff,
    f: ChangeForm,
    signup_id: &str,
    read: fn(&ChangeForm, &[String]) -> Option<Change>,
) -> Response {
    let signup_id = match visible_signup(state, &s, signup_id).await {
        Ok((id, _)) => id,
        Err(r) => return r,
    };
    let signup_id = &signup_id;
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
    let (action, detail) = match &change {
        Change::Status(status) => ("status", status.as_str().to_owned()),
        Change::Note(text) => ("note", text.clone()),
        Change::Assign(who) => ("assign", who.clone().unwrap_or_default()),
    };
    let result = change_signup(state, signup_id, change, &by).await;
    if let Err(e) = result {
        return error_page(&s, e);
    }
    let st = state.clone();
    let target = signup_id.to_string();
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
    /// The person's password again: erasure and revocation cannot be undone, so a session
    /// left open is not enough.
    #[serde(default)]
    pub(super) password: String,
}

/// Erase a signup's personal data (admins only, with a confirmation box ticked).
pub(super) async fn post_erase(
    State(state): State<AppState>,
    Path(signup_id): Path<String>,
    AdminForm(s, f): AdminForm<EraseForm>,
) -> Response {
    let signup_id = match visible_signup(&state, &s, &signup_id).await {
        Ok((id, _)) => id,
        Err(r) => return r,
    };
    if f.bekraeft != "ja" {
        return unreadable(&s, StatusCode::BAD_REQUEST);
    }
    if !password_holds(&s, f.password).await {
        return unreadable(&s, StatusCode::FORBIDDEN);
    }
    if let Err(e) = crate::service::erasure::erase(&state, &signup_id, &s.username).await {
        return error_page(&s, e);
    }
    Redirect::to("/admin/tilmeldinger").into_response()
}

/// The texts of these pages, Danish and English side by side.
mod text {
    use frivillig_common::text::Text;

    pub(super) const WRITE_TO_THE_PERSON: Text = ("Skriv til personen", "Write to the person");
    pub(super) const MESSAGE_SENT: Text = ("Besked sendt", "Message sent");
    pub(super) const MESSAGES: Text = ("Beskeder til personen", "Messages to the person");
    pub(super) const NO_MESSAGES: Text = ("Ingen beskeder.", "No messages.");
    pub(super) const LATE_FOLLOW_UP: Text = (
        "Den, der stod for vagten, kendte ikke til tilmeldingen. Kontakt personen.",
        "Whoever ran the shift did not know of this signup. Contact the person.",
    );
    pub(super) const A_MESSAGE_FAILED: Text = (
        "En besked kunne ikke afleveres. Kontakt personen på anden vis, eller ret adressen:",
        "A message could not be delivered. Reach the person another way, or correct the address:",
    );
    pub(super) const SIGNUP_NOT_FOUND: Text = ("Tilmeldingen findes ikke", "Signup not found");
    pub(super) const WE_CANNOT_FIND_THAT: Text = (
        "Vi kan ikke finde den tilmelding, eller den hører til et sted, du ikke har adgang til.",
        "We cannot find that signup, or it belongs to a site you do not have access to.",
    );
    pub(super) const STATUS: Text = ("Status", "Status");
    pub(super) const YOUR_PASSWORD: Text = (
        "Din adgangskode (for at bekræfte)",
        "Your password (to confirm)",
    );
    pub(super) const NOTE: Text = ("Note", "Note");
    pub(super) const CHECKED_IN: Text = ("Mødt op", "Checked in");
    pub(super) const SIGNUP: Text = ("Tilmelding", "Signup");
    pub(super) const THE_CHANGE_IS_SAVED: Text = ("Ændringen er gemt.", "The change is saved.");
    pub(super) const THE_PERSON: Text = ("Personen", "The person");
    pub(super) const NAME: Text = ("Navn", "Name");
    pub(super) const PHONE: Text = ("Telefon", "Phone");
    pub(super) const E_MAIL: Text = ("E-mail", "E-mail");
    pub(super) const AGE_REQUIREMENT_CONFIRMED: Text =
        ("Alderskrav bekræftet", "Age requirement confirmed");
    pub(super) const YES: Text = ("Ja", "Yes");
    pub(super) const NO: Text = ("Nej", "No");
    pub(super) const MESSAGE_FROM_THE_PERSON: Text =
        ("Besked fra personen", "Message from the person");
    pub(super) const THE_PERSONAL_DATA_COULD: Text = (
        "Personoplysningerne kunne ikke åbnes med serverens nøgle.",
        "The personal data could not be opened with the server's key.",
    );
    pub(super) const JOB_AND_PROVENANCE: Text = ("Job og oprindelse", "Job and provenance");
    pub(super) const JOB: Text = ("Job", "Job");
    pub(super) const SHIFT: Text = ("Vagt", "Shift");
    pub(super) const SITE: Text = ("Sted", "Site");
    pub(super) const SOURCE: Text = ("Kilde", "Source");
    pub(super) const SIGNED_UP_KIOSK_TIME: Text =
        ("Tilmeldt (kioskens tid)", "Signed up (kiosk time)");
    pub(super) const RECEIVED_BY_THE_SERVER: Text =
        ("Modtaget af serveren", "Received by the server");
    pub(super) const CONSENT: Text = ("Samtykke", "Consent");
    pub(super) const VERSION: Text = ("version ", "version ");
    pub(super) const JOURNAL: Text = ("Journal", "Journal");
    pub(super) const ASSIGNED_TO: Text = ("Tildelt", "Assigned to");
    pub(super) const SAME_PERSON_AS: Text = ("Samme person som", "Same person as");
    pub(super) const CHANGE_STATUS: Text = ("Skift status", "Change status");
    pub(super) const SAVE_STATUS: Text = ("Gem status", "Save status");
    pub(super) const ASSIGN_TO: Text = ("Tildel til", "Assign to");
    pub(super) const NOBODY: Text = ("Ingen", "Nobody");
    pub(super) const SAVE: Text = ("Gem", "Save");
    pub(super) const ADD_A_NOTE: Text = ("Tilføj note", "Add a note");
    pub(super) const SAVE_NOTE: Text = ("Gem note", "Save note");
    pub(super) const ERASE_PERSONAL_DATA: Text = ("Slet personoplysninger", "Erase personal data");
    pub(super) const THE_PERSON_IS_REMOVED: Text = (
        "Personen fjernes fra serverens oplysninger med det samme, og journalen, der holdt tilmeldingen, skrives om uden den, så snart ingen kiosk kan have den. Det kan ikke fortrydes.",
        "The person is removed from the server's data at once, and the journal that held the signup is rewritten without it as soon as no kiosk can still hold it. This cannot be undone.",
    );
    pub(super) const I_CONFIRM_THAT_THE: Text = (
        "Jeg bekræfter, at oplysningerne skal slettes",
        "I confirm that the data is to be erased",
    );
    pub(super) const ERASE: Text = ("Slet", "Erase");
    pub(super) const HISTORY: Text = ("Historik", "History");
    pub(super) const NO_CHANGES_YET: Text = ("Ingen ændringer endnu.", "No changes yet.");
}
