//! Signups marked for follow-up because their shift moved or was cancelled: the notice on
//! the signup's page, the list on the review page, and "followed up", which takes the mark
//! away (the audit log keeps who did it).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

use frivillig_common::text::shift_label;

use crate::AppState;
use crate::http::blocking;
use crate::http::web::Lang;
use crate::store::follow_up::{FollowUp, ShiftChange};
use crate::store::listing::ListRow;

use super::page::danish_time;
use super::signup::visible_signup;
use super::staff::{CsrfForm, StaffForm};

/// What happened to the shift, in one sentence.
pub(super) fn change_text(lang: Lang, f: &FollowUp) -> String {
    match &f.change {
        ShiftChange::Moved {
            from_starts,
            from_ends,
            to_starts,
            to_ends,
        } => format!(
            "{} {} → {}",
            lang.pick("Vagten er flyttet:", "The shift was moved:"),
            shift_label(lang, from_starts, from_ends),
            shift_label(lang, to_starts, to_ends)
        ),
        ShiftChange::Cancelled { starts, ends } => format!(
            "{} {}",
            lang.pick("Vagten er aflyst:", "The shift was cancelled:"),
            shift_label(lang, starts, ends)
        ),
    }
}

/// The notice on a signup's page, with the button that marks it followed up.
pub(super) fn notice(lang: Lang, signup_id: &str, csrf: &str, f: &FollowUp) -> Markup {
    html! {
        div.error role="alert" {
            p { strong { (lang.pick("Til opfølgning. ", "To follow up. ")) } (change_text(lang, f))
                " (" (f.by) ", " (danish_time(&f.at)) "). "
                (lang.pick("Tilmeldingen er bevaret. Tal med personen om, hvad de vil.", "The signup is kept. Talk to the person about what they want.")) }
            form.inline method="post" action=(format!("/admin/tilmeldinger/{signup_id}/fulgt-op")) {
                input type="hidden" name="csrf" value=(csrf);
                button type="submit" { (lang.pick("Markér som fulgt op", "Mark as followed up")) }
            }
        }
    }
}

/// The review page's list of signups to follow up, `marks` with their rows.
pub(super) fn section(lang: Lang, marks: &[(ListRow, FollowUp)]) -> Markup {
    html! {
        section aria-labelledby="follow-up" {
            h2 id="follow-up" { (lang.pick("Til opfølgning: flyttede og aflyste vagter", "To follow up: moved and cancelled shifts")) }
            @if marks.is_empty() {
                p { (lang.pick("Ingen tilmeldinger venter på opfølgning.", "No signups wait for a follow-up.")) }
            } @else {
                ul { @for (row, f) in marks {
                    li { a href=(format!("/admin/tilmeldinger/{}", row.id)) { (row.name) } ": " (change_text(lang, f)) }
                } }
            }
        }
    }
}

/// "Followed up": the mark goes, and the audit log says who took it away.
pub(super) async fn post_followed_up(
    State(state): State<AppState>,
    Path(signup_id): Path<String>,
    StaffForm(s, _): StaffForm<CsrfForm>,
) -> Response {
    if let Err(r) = visible_signup(&state, &s, &signup_id).await {
        return r;
    }
    let (st, id, by) = (state.clone(), signup_id.clone(), s.username.clone());
    let done = blocking(move || {
        if st.store.clear_follow_up(&id)? {
            st.store.audit(&by, "follow_up", &id, "followed up")?;
        }
        Ok(())
    })
    .await;
    match done {
        Ok(()) => Redirect::to(&format!("/admin/tilmeldinger/{signup_id}?gemt=1")).into_response(),
        Err(e) => e.into_response(),
    }
}
