//! Attendance and hours on a signup's page: what the kiosks recorded (check-ins), the
//! coordinator's mark (present or no-show, which can be taken back), hours entered by hand
//! with their reason, and the person's hours this year over all their signups.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use maud::{Markup, html};
use serde::Deserialize;

use frivillig_common::domain::Catalog;

use crate::AppState;
use crate::http::web::Lang;
use crate::service::hours::{self, Presence, hours_text, signup_hours};
use crate::store::SignupRow;

use super::page::error_page;
use super::signup::visible_signup;
use super::staff::{Staff, StaffForm};

/// The section of the signup's page.
pub(super) async fn section(
    state: &AppState,
    s: &Staff,
    row: &SignupRow,
    catalog: &Catalog,
) -> Markup {
    let lang = s.lang;
    let id = &row.record.id;
    let attendance = state.store.attendance(id).unwrap_or_default();
    let h = signup_hours(catalog, &row.record, &attendance);
    let year = frivillig_common::offer::glostrup_now().year();
    let person = hours::person_hours(state, id).await.unwrap_or_default();
    let base = format!("/admin/tilmeldinger/{id}");
    let csrf = &s.session.csrf;
    html! {
        section aria-labelledby="hours" {
            h2 id="hours" { (lang.pick("Fremmøde og timer", "Attendance and hours")) }
            p id="presence" { (match h.presence {
                Presence::Unknown => lang.pick("Intet registreret om fremmøde.", "Nothing recorded about attendance."),
                Presence::CheckedIn => lang.pick("Tjekket ind på en kiosk.", "Checked in at a kiosk."),
                Presence::Present => lang.pick("Markeret som mødt.", "Marked as present."),
                Presence::NoShow => lang.pick("Markeret som udeblevet (vises ikke for andre end koordinatorer).", "Marked as no-show (shown to coordinators only)."),
            }) }
            @if row.record.shift_id.is_some() {
                form.inline method="post" action=(format!("{base}/fremmoede")) {
                    input type="hidden" name="csrf" value=(csrf);
                    button type="submit" name="mark" value="present" { (lang.pick("Mødt", "Present")) }
                    " " button.secondary type="submit" name="mark" value="no_show" { (lang.pick("Udeblevet", "No-show")) }
                    @if attendance.mark.is_some() { " " button.secondary type="submit" name="mark" value="clear" { (lang.pick("Fortryd markeringen", "Take the mark back")) } }
                }
            }
            @if !attendance.entries.is_empty() {
                ul { @for (i, e) in attendance.entries.iter().enumerate() {
                    li { (hours_text(lang, e.minutes)) ", " (e.day) ": " (e.reason) " (" (e.by) ") "
                        form.inline method="post" action=(format!("{base}/timer/{i}/fjern")) {
                            input type="hidden" name="csrf" value=(csrf);
                            button.secondary type="submit" { (lang.pick("Fjern", "Remove")) }
                        }
                    }
                } }
            }
            form method="post" action=(format!("{base}/timer")) {
                input type="hidden" name="csrf" value=(csrf);
                p.field { label for="f-hours" { (lang.pick("Timer", "Hours")) } " " input id="f-hours" name="hours" inputmode="decimal" size="5"; }
                p.field { label for="f-day" { (lang.pick("Dag", "Day")) } " " input id="f-day" name="day" type="date"; }
                p.field { label for="f-reason" { (lang.pick("Grund", "Reason")) } " " input id="f-reason" name="reason" type="text"; }
                button type="submit" { (lang.pick("Tilføj timer", "Add hours")) }
            }
            p id="person-hours" { (lang.pick("Personens timer i", "The person's hours in")) " " (year) ": " strong { (hours_text(lang, person.in_year(year))) } }
        }
    }
}

/// `mark` = `present`, `no_show` or `clear`.
#[derive(Debug, Default, Deserialize)]
pub struct MarkForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    mark: String,
}

/// Hours by hand: `hours` as typed (comma or point), `day`, `reason`.
#[derive(Debug, Default, Deserialize)]
pub struct HoursForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    hours: String,
    #[serde(default)]
    day: String,
    #[serde(default)]
    reason: String,
}

/// The form that removes an entry carries only its token.
#[derive(Debug, Default, Deserialize)]
pub struct RemoveForm {
    #[serde(default)]
    csrf: String,
}

session_form!(MarkForm, HoursForm, RemoveForm);

fn back(s: &Staff, id: &str, done: Result<(), crate::service::ServiceError>) -> Response {
    match done {
        Ok(()) => Redirect::to(&format!("/admin/tilmeldinger/{id}?gemt=1#hours")).into_response(),
        Err(e) => error_page(s, e),
    }
}

/// Mark present, no-show, or take the mark back.
pub(super) async fn post_mark(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm(s, f): StaffForm<MarkForm>,
) -> Response {
    if let Err(r) = visible_signup(&state, &s, &id).await {
        return r;
    }
    let present = match f.mark.as_str() {
        "present" => Some(true),
        "no_show" => Some(false),
        _ => None,
    };
    let done = hours::mark(&state, &s.username, &id, present).await;
    back(&s, &id, done)
}

/// Minutes from hours as typed: "1,5", "2", "0.5".
fn minutes(typed: &str, lang: Lang) -> Result<u32, crate::service::ServiceError> {
    hours::typed_minutes(typed)
        .filter(|m| (1..=24 * 60).contains(m))
        .ok_or_else(|| {
            crate::service::ServiceError::Invalid(
                lang.pick(
                    "Skriv antal timer som et tal, fx 1,5.",
                    "Write the hours as a number, e.g. 1.5.",
                )
                .into(),
            )
        })
}

/// Add hours by hand.
pub(super) async fn post_hours(
    State(state): State<AppState>,
    Path(id): Path<String>,
    StaffForm(s, f): StaffForm<HoursForm>,
) -> Response {
    if let Err(r) = visible_signup(&state, &s, &id).await {
        return r;
    }
    let done = match minutes(&f.hours, s.lang) {
        Ok(m) => hours::add_hours(&state, &s.username, &id, m, &f.day, &f.reason).await,
        Err(e) => Err(e),
    };
    back(&s, &id, done)
}

/// Remove an entry of hours.
pub(super) async fn post_remove(
    State(state): State<AppState>,
    Path((id, index)): Path<(String, usize)>,
    StaffForm(s, _): StaffForm<RemoveForm>,
) -> Response {
    if let Err(r) = visible_signup(&state, &s, &id).await {
        return r;
    }
    let done = hours::remove_hours(&state, &s.username, &id, index).await;
    back(&s, &id, done)
}
