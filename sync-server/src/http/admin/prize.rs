//! The volunteer prize's nominations for admins: every nomination with who, why and by
//! whom, marked read or deleted (once the prize is awarded, as the nominator was told).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use crate::AppState;
use crate::http::web::secure;
use crate::service::nominations;

use super::page::{danish_time, error_page, layout};
use super::staff::{Admin, AdminForm, CsrfForm};

/// Every nomination, newest last.
pub(super) async fn nominations_page(State(state): State<AppState>, Admin(s): Admin) -> Response {
    let lang = s.lang;
    let all = match nominations::nominations(&state).await {
        Ok(n) => n,
        Err(e) => return error_page(&s, e),
    };
    let body = html! {
        p { (lang.pick("Indstillinger til frivillighedsprisen fra portalen. Slet dem, når prisen er uddelt: det er lovet dem, der indstillede.", "Nominations for the volunteer prize from the portal. Delete them once the prize is awarded: those who nominated were promised so.")) }
        @if all.is_empty() { p { (lang.pick("Ingen indstillinger endnu.", "No nominations yet.")) } }
        @for n in &all {
            article.nomination {
                h2 { (n.nominee) @if n.state == "new" { " " span.badge { (lang.pick("ny", "new")) } } }
                @if !n.place.is_empty() { p { (n.place) } }
                p { (n.why) }
                p { (lang.pick("Indstillet af", "Nominated by")) " " (n.by_name) " (" (n.by_contact) "), " (danish_time(&n.at)) ". "
                    (lang.pick("Samtykke, version", "Consent, version")) " " (n.consent_version) "." }
                @if n.state == "new" {
                    form.inline method="post" action=(format!("/admin/priser/{}/laest", n.id)) {
                        input type="hidden" name="csrf" value=(s.session.csrf);
                        button type="submit" { (lang.pick("Markér som læst", "Mark as read")) }
                    }
                    " "
                }
                form.inline method="post" action=(format!("/admin/priser/{}/slet", n.id)) {
                    input type="hidden" name="csrf" value=(s.session.csrf);
                    button.secondary type="submit" { (lang.pick("Slet", "Delete")) }
                }
            }
        }
    };
    secure(layout(
        lang,
        Some(&s),
        lang.pick("Frivillighedsprisen", "The volunteer prize"),
        body,
    ))
}

async fn review(state: &AppState, s: &super::staff::Staff, id: &str, delete: bool) -> Response {
    match nominations::review(state, &s.username, id, delete).await {
        Ok(()) => Redirect::to("/admin/priser").into_response(),
        Err(e) => error_page(s, e),
    }
}

/// Mark a nomination read.
pub(super) async fn post_read(
    State(state): State<AppState>,
    Path(id): Path<String>,
    AdminForm(s, _): AdminForm<CsrfForm>,
) -> Response {
    review(&state, &s, &id, false).await
}

/// Delete a nomination.
pub(super) async fn post_delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    AdminForm(s, _): AdminForm<CsrfForm>,
) -> Response {
    review(&state, &s, &id, true).await
}
